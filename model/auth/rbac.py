"""The RBAC authorizer: which ClusterRoleBindings and RoleBindings grant a request, and the Forbidden message.

Sources: plugin/pkg/auth/authorizer/rbac/rbac.go (RBACAuthorizer.Authorize, RuleAllows),
pkg/apis/rbac/v1/evaluation_helpers.go (VerbMatches, APIGroupMatches, ResourceMatches, ResourceNameMatches),
pkg/registry/rbac/validation/rule.go (DefaultRuleResolver.VisitRulesFor, appliesTo, appliesToUser,
GetRoleReferenceRules), staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go
(Forbidden, forbiddenMessage) and staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewForbidden).
Doc: https://kubernetes.io/docs/reference/access-authn-authz/rbac/

Only resource requests are modelled; non-resource URLs (``/healthz``, ``/metrics``) are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from model.auth.identity import SYSTEM_MASTERS, UserInfo, service_account_username
from model.objects.rbac import ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject

ALL = "*"
"""rbacv1.VerbAll, APIGroupAll and ResourceAll."""


@attrs.frozen
class RequestAttributes:
    """authorizer.Attributes of a resource request, as the API server's RequestInfo resolves them.

    ``namespace`` is None (or empty) for cluster-scoped requests and for lists across all namespaces.
    ``name`` is the object name in the request path; a ``metadata.name`` field selector on a list or
    watch sets it too. ``field_selector`` holds the request's equality field-selector requirements as
    ``(field, value)`` pairs; only the Node authorizer reads them (AuthorizeNodeWithSelectors).
    """

    user: UserInfo
    verb: str
    api_group: str
    resource: str
    subresource: str = ""
    namespace: str | None = None
    name: str = ""
    field_selector: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=tuple)

    @property
    def request_name(self) -> str:
        """The name the authorizers see. A create of a new object posts to the collection and a
        deletecollection names none, so both carry no name even when the caller knows the object's;
        this is why ``resourceNames`` can never grant create or deletecollection."""
        if (self.verb == "create" and not self.subresource) or self.verb == "deletecollection":
            return ""
        return self.name

    @property
    def scope_namespace(self) -> str:
        """The request namespace, empty for cluster scope (the API server's GetNamespace())."""
        return self.namespace or ""

    @property
    def combined_resource(self) -> str:
        """``resource/subresource``, the form RBAC rules name subresources in."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


@attrs.frozen
class Decision:
    """An authorization outcome.

    ``reason`` is, when denied, the full Forbidden message the API server returns, and when allowed, which
    binding (or authorizer) allowed it. ``authorizer_reason`` is the authorizer's own reason string (upstream's
    second return value): what gets appended to the Forbidden message when every authorizer declines.
    """

    allowed: bool
    reason: str
    authorizer_reason: str = ""


def qualified_resource(api_group: str, resource: str) -> str:
    """schema.GroupResource.String(): ``pods``, ``deployments.apps``."""
    return f"{resource}.{api_group}" if api_group else resource


def forbidden_message(attributes: RequestAttributes, reason: str = "") -> str:
    """The Forbidden status message for a denied request (responsewriters.Forbidden).

    ``pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "prod"``;
    a non-empty authorizer ``reason`` is appended after ``": "``.
    """
    resource = qualified_resource(attributes.api_group, attributes.resource)
    name = attributes.request_name
    prefix = f'{resource} "{name}" is forbidden' if name else f"{resource} is forbidden"
    where = (f'in the namespace "{attributes.scope_namespace}"' if attributes.scope_namespace
             else "at the cluster scope")
    message = (f'User "{attributes.user.name}" cannot {attributes.verb} resource '
               f'"{attributes.combined_resource}" in API group "{attributes.api_group}" {where}')
    if reason:
        message = f"{message}: {reason}"
    return f"{prefix}: {message}"


# --- rule matching (pkg/apis/rbac/v1/evaluation_helpers.go) ----------------------------------------------

def verb_matches(rule: PolicyRule, verb: str) -> bool:
    return any(v in (ALL, verb) for v in rule.verbs)


def api_group_matches(rule: PolicyRule, api_group: str) -> bool:
    return any(g in (ALL, api_group) for g in rule.api_groups)


def resource_matches(rule: PolicyRule, combined_resource: str, subresource: str) -> bool:
    """``*``, an exact ``resource`` or ``resource/subresource``, or ``*/subresource`` for any resource."""
    return any(r in (ALL, combined_resource) or (subresource and r == f"*/{subresource}")
               for r in rule.resources)


def resource_name_matches(rule: PolicyRule, name: str) -> bool:
    """A rule without resourceNames matches every name; one with resourceNames only those names."""
    return not rule.resource_names or name in rule.resource_names


def rule_allows(attributes: RequestAttributes, rule: PolicyRule) -> bool:
    """RuleAllows for a resource request."""
    return (verb_matches(rule, attributes.verb)
            and api_group_matches(rule, attributes.api_group)
            and resource_matches(rule, attributes.combined_resource, attributes.subresource)
            and resource_name_matches(rule, attributes.request_name))


def rules_allow(attributes: RequestAttributes, rules: Iterable[PolicyRule]) -> bool:
    return any(rule_allows(attributes, rule) for rule in rules)


# --- subjects (pkg/registry/rbac/validation/rule.go) -------------------------------------------------------

def applies_to_user(info: UserInfo, subject: Subject, namespace: str) -> bool:
    """appliesToUser: a ServiceAccount subject without a namespace means the binding's namespace."""
    if subject.kind == "User":
        return info.name == subject.name
    if subject.kind == "Group":
        return subject.name in info.groups
    sa_namespace = subject.namespace or namespace
    return bool(sa_namespace) and info.name == service_account_username(sa_namespace, subject.name)


def applies_to(info: UserInfo, subjects: Iterable[Subject], namespace: str) -> Subject | None:
    """appliesTo: the first subject of a binding that names the user, if any."""
    return next((s for s in subjects if applies_to_user(info, s, namespace)), None)


def describe_subject(subject: Subject, binding_namespace: str) -> str:
    if subject.kind == "ServiceAccount":
        return f'ServiceAccount "{subject.name}/{subject.namespace or binding_namespace}"'
    return f'{subject.kind} "{subject.name}"'


# --- the authorizer -------------------------------------------------------------------------------------

def authorize(attributes: RequestAttributes, roles: Iterable[Role] = (), cluster_roles: Iterable[ClusterRole] = (),
              role_bindings: Iterable[RoleBinding] = (),
              cluster_role_bindings: Iterable[ClusterRoleBinding] = ()) -> Decision:
    """The kube-apiserver's ``system:masters`` bypass followed by RBACAuthorizer.Authorize.

    Each argument is every object of that kind the API server's informers hold (e.g.
    ``store.list("RoleBinding")``); RoleBindings outside the request's namespace are ignored, as
    ListRoleBindings(namespace) does. Rules are visited as VisitRulesFor does: every ClusterRoleBinding
    that names the user, then (for a namespaced request) every RoleBinding in the request's namespace. A
    RoleBinding may reference a ClusterRole, whose rules then apply in the binding's namespace only. A
    binding to a role that does not exist grants nothing, and when nothing else allows the request its
    NotFound error becomes the authorizer's reason (``RBAC: clusterrole.rbac.authorization.k8s.io "x" not
    found``), as kubectl users see.
    """
    if SYSTEM_MASTERS in attributes.user.groups:
        return Decision(True, f'allowed: user "{attributes.user.name}" is in the privileged group '
                              f'"{SYSTEM_MASTERS}"')
    role_index = {(r.namespace, r.name): r for r in roles}
    cluster_role_index = {r.name: r for r in cluster_roles}
    errors: list[str] = []
    namespace = attributes.scope_namespace
    bindings: list[tuple[ClusterRoleBinding | RoleBinding, str]] = [(b, "") for b in cluster_role_bindings]
    if namespace:
        bindings += [(b, namespace) for b in role_bindings if b.namespace == namespace]
    for binding, binding_namespace in bindings:
        subject = applies_to(attributes.user, binding.subjects, binding_namespace)
        if subject is None:
            continue
        rules = _role_reference_rules(binding, binding_namespace, role_index, cluster_role_index)
        if isinstance(rules, str):
            errors.append(rules)
        elif rules_allow(attributes, rules):
            reason = f"RBAC: allowed by {_describe(binding, binding_namespace, subject)}"
            return Decision(True, reason, reason)
    reason = f"RBAC: {_aggregate(errors)}" if errors else ""
    return Decision(False, forbidden_message(attributes, reason), reason)


def _role_reference_rules(binding: ClusterRoleBinding | RoleBinding, namespace: str,
                          roles: Mapping[tuple[str | None, str], Role],
                          cluster_roles: Mapping[str, ClusterRole]) -> tuple[PolicyRule, ...] | str:
    """GetRoleReferenceRules: the referenced role's rules, or the lister's NotFound message."""
    ref = binding.role_ref
    role = roles.get((namespace, ref.name)) if ref.kind == "Role" else cluster_roles.get(ref.name)
    if role is None:
        return f'{ref.kind.lower()}.rbac.authorization.k8s.io "{ref.name}" not found'
    return role.rules


def _describe(binding: ClusterRoleBinding | RoleBinding, namespace: str, subject: Subject) -> str:
    """clusterRoleBindingDescriber / roleBindingDescriber."""
    ref = binding.role_ref
    if isinstance(binding, RoleBinding):
        return (f'RoleBinding "{binding.name}/{namespace}" of {ref.kind} "{ref.name}" to '
                f"{describe_subject(subject, namespace)}")
    return f'ClusterRoleBinding "{binding.name}" of {ref.kind} "{ref.name}" to {describe_subject(subject, "")}'


def _aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): distinct messages, bracketed when more than one."""
    distinct = list(dict.fromkeys(errors))
    return distinct[0] if len(distinct) == 1 else "[" + ", ".join(distinct) + "]"
