"""Who makes a request: a user name and its groups, and the identities Kubernetes' own components use.

Sources: staging/src/k8s.io/apiserver/pkg/authentication/user/user.go (well-known users and groups),
staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go (service account user names and
groups), pkg/auth/nodeidentifier/default.go (how a request is recognised as coming from a kubelet).
"""

from __future__ import annotations

import attrs

SYSTEM_MASTERS = "system:masters"
"""user.SystemPrivilegedGroup: members bypass authorization entirely."""
NODES_GROUP = "system:nodes"
ALL_AUTHENTICATED = "system:authenticated"
SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
NODE_USER_PREFIX = "system:node:"
KUBE_SYSTEM = "kube-system"


@attrs.frozen
class UserInfo:
    """user.Info as the authenticator hands it to the authorizers (name and groups; no extra or uid)."""

    name: str
    groups: tuple[str, ...] = attrs.field(default=(), converter=tuple)


def user(name: str, *groups: str) -> UserInfo:
    """An authenticated user: the authenticator always adds ``system:authenticated``."""
    extra = () if ALL_AUTHENTICATED in groups else (ALL_AUTHENTICATED,)
    return UserInfo(name, (*groups, *extra))


def service_account_username(namespace: str, name: str) -> str:
    """serviceaccount.MakeUsername: ``system:serviceaccount:<namespace>:<name>``."""
    return f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"


def service_account(namespace: str, name: str) -> UserInfo:
    """The identity a service account token authenticates as (serviceaccount.MakeGroupNames)."""
    return user(service_account_username(namespace, name), SERVICE_ACCOUNTS_GROUP,
                f"{SERVICE_ACCOUNTS_GROUP}:{namespace}")


def controller_identity(name: str) -> UserInfo:
    """A kube-controller-manager controller running with ``--use-service-account-credentials``
    (kubeadm's default): the service account ``kube-system/<name>``."""
    return service_account(KUBE_SYSTEM, name)


def kubelet_identity(node_name: str) -> UserInfo:
    """A kubelet's client certificate identity: ``system:node:<name>`` in group ``system:nodes``."""
    return user(f"{NODE_USER_PREFIX}{node_name}", NODES_GROUP)


def node_identity(info: UserInfo) -> str | None:
    """nodeidentifier.NodeIdentity: the node name for a kubelet's identity, None for anyone else.

    The name must start with ``system:node:`` and the groups include ``system:nodes``; the returned
    name may be empty (a node identity naming no node, which the Node authorizer refuses).
    """
    if not info.name.startswith(NODE_USER_PREFIX) or NODES_GROUP not in info.groups:
        return None
    return info.name[len(NODE_USER_PREFIX):]


SCHEDULER = user("system:kube-scheduler")
"""user.KubeScheduler, as kube-scheduler authenticates with its kubeconfig."""
CONTROLLER_MANAGER = user("system:kube-controller-manager")
"""user.KubeControllerManager: the controller manager's own identity (informers, leader election)."""
ADMIN = user("kubernetes-admin", SYSTEM_MASTERS)
"""A cluster administrator in ``system:masters`` (kubeadm's classic ``admin.conf`` user)."""
