"""Authorization: who a request comes from (identity), what RBAC and the Node authorizer allow it to do
(rbac, node), the NodeRestriction admission rule (node), and the roles and bindings Kubernetes ships (bootstrap).

Doc: https://kubernetes.io/docs/reference/access-authn-authz/authorization/
"""
