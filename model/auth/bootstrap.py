"""The ClusterRoles and ClusterRoleBindings kube-apiserver creates at startup, for the components modelled.

Source: plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (ClusterRoles, ClusterRoleBindings, NodeRules)
and controller_policy.go (buildControllerRoles, the ``system:controller:<name>`` roles and bindings); the rules
below are those in their golden files testdata/cluster-roles.yaml and testdata/controller-roles.yaml.
Doc: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings

The metrics-server addon's ``system:metrics-server`` ClusterRole and binding (from its own manifests, not
kube-apiserver's) are included, since the model runs metrics-server (``model.metrics_server``) whenever a
HorizontalPodAutoscaler needs it.

Deliberate simplifications: ``admin``, ``edit`` and ``view`` carry the rules the clusterrole-aggregation
controller gives them (the ``system:aggregate-to-*`` roles are folded in, in the controller's order: selected
roles sorted by name), since that controller is not modelled. Roles for components the model does not run
(kube-proxy, kube-dns, CSR approvers, discovery, ...) and feature-gated rules (DRA) are left out.
"""

from __future__ import annotations

from typing import Any

from model.auth.identity import CONTROLLER_MANAGER, KUBE_SYSTEM, SCHEDULER, SYSTEM_MASTERS
from model.frozendict import FrozenDict, freeze
from model.objects.meta import KubeObject
from model.objects.rbac import RBAC_GROUP, ClusterRole, ClusterRoleBinding, PolicyRule

METRICS_SERVER = "metrics-server"
"""metrics-server's service account in kube-system (its manifests' ``system:metrics-server`` ClusterRole and
binding, github.com/kubernetes-sigs/metrics-server manifests/base/rbac.yaml)."""

CONTROLLERS: tuple[str, ...] = (
    "daemon-set-controller", "deployment-controller", "disruption-controller", "endpoint-controller",
    "generic-garbage-collector", "horizontal-pod-autoscaler", "job-controller", "namespace-controller",
    "node-controller", "persistent-volume-binder", "pod-garbage-collector", "replicaset-controller",
    "replication-controller", "resourcequota-controller", "statefulset-controller",
)
"""The kube-controller-manager controllers whose roles are shipped (controller_policy.go names)."""

READ = "get list watch"
WRITE = "create delete deletecollection patch update"
READ_WRITE = "create delete deletecollection get list patch update watch"
APPS = ("apps", "extensions")


def _rule(verbs: str, groups: str | tuple[str, ...], resources: str, names: str = "") -> FrozenDict:
    """A PolicyRule in its JSON shape: space-separated verbs/resources/resourceNames; one group or a tuple."""
    rule: dict[str, Any] = {"verbs": verbs.split(), "apiGroups": [groups] if isinstance(groups, str) else
                            list(groups), "resources": resources.split()}
    if names:
        rule["resourceNames"] = names.split()
    return freeze(rule)


EVENTS = _rule("create patch update", ("", "events.k8s.io"), "events")
"""eventsRule(): every controller may record events."""

_AGGREGATE_TO_VIEW = (
    _rule(READ, "", "configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods "
          "replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status"),
    _rule(READ, "", "bindings events limitranges namespaces/status pods/log pods/status "
          "replicationcontrollers/status resourcequotas resourcequotas/status"),
    _rule(READ, "", "namespaces"),
    _rule(READ, "discovery.k8s.io", "endpointslices"),
    _rule(READ, "apps", "controllerrevisions daemonsets daemonsets/status deployments deployments/scale "
          "deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale "
          "statefulsets/status"),
    _rule(READ, "autoscaling", "horizontalpodautoscalers horizontalpodautoscalers/status"),
    _rule(READ, "batch", "cronjobs cronjobs/status jobs jobs/status"),
    _rule(READ, "extensions", "daemonsets daemonsets/status deployments deployments/scale deployments/status "
          "ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status "
          "replicationcontrollers/scale"),
    _rule(READ, "policy", "poddisruptionbudgets poddisruptionbudgets/status"),
    _rule(READ, "networking.k8s.io", "ingresses ingresses/status networkpolicies"),
)

_AGGREGATE_TO_EDIT = (
    _rule(READ, "", "pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy"),
    _rule("impersonate", "", "serviceaccounts"),
    _rule(WRITE, "", "pods pods/attach pods/exec pods/portforward pods/proxy"),
    _rule("create", "", "pods/eviction"),
    _rule(WRITE, "", "configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale "
          "secrets serviceaccounts services services/proxy"),
    _rule("create", "", "serviceaccounts/token"),
    _rule(WRITE, "apps", "daemonsets deployments deployments/rollback deployments/scale replicasets "
          "replicasets/scale statefulsets statefulsets/scale"),
    _rule(WRITE, "autoscaling", "horizontalpodautoscalers"),
    _rule(WRITE, "batch", "cronjobs jobs"),
    _rule(WRITE, "extensions", "daemonsets deployments deployments/rollback deployments/scale ingresses "
          "networkpolicies replicasets replicasets/scale replicationcontrollers/scale"),
    _rule(WRITE, "policy", "poddisruptionbudgets"),
    _rule(WRITE, "networking.k8s.io", "ingresses networkpolicies"),
    _rule(READ_WRITE, "coordination.k8s.io", "leases"),
)

_AGGREGATE_TO_ADMIN = (
    _rule("create", "authorization.k8s.io", "localsubjectaccessreviews"),
    _rule(READ_WRITE, RBAC_GROUP, "rolebindings roles"),
)

_VIEW = _AGGREGATE_TO_VIEW
_EDIT = _AGGREGATE_TO_EDIT + _VIEW
_ADMIN = _EDIT + _AGGREGATE_TO_ADMIN

_CLUSTER_ROLES: FrozenDict = FrozenDict({
    "cluster-admin": (_rule("*", "*", "*"), freeze({"verbs": ["*"], "nonResourceURLs": ["*"]})),
    "admin": _ADMIN,
    "edit": _EDIT,
    "view": _VIEW,
    "system:kube-scheduler": (
        EVENTS,
        _rule("create", "coordination.k8s.io", "leases"),
        _rule("get update", "coordination.k8s.io", "leases", names="kube-scheduler"),
        _rule(READ, "", "nodes"),
        _rule("delete get list watch", "", "pods"),
        _rule("create", "", "bindings pods/binding"),
        _rule("patch update", "", "pods/status"),
        _rule(READ, "", "replicationcontrollers services"),
        _rule(READ, APPS, "replicasets"),
        _rule(READ, "apps", "statefulsets"),
        _rule(READ, "policy", "poddisruptionbudgets"),
        _rule(READ, "", "persistentvolumeclaims persistentvolumes"),
        _rule("create", "authentication.k8s.io", "tokenreviews"),
        _rule("create", "authorization.k8s.io", "subjectaccessreviews"),
        _rule(READ, "storage.k8s.io", "csinodes"),
        _rule(READ, "", "namespaces"),
        _rule(READ, "storage.k8s.io", "csidrivers"),
        _rule(READ, "storage.k8s.io", "csistoragecapacities"),
    ),
    "system:volume-scheduler": (
        _rule("get list patch update watch", "", "persistentvolumes"),
        _rule(READ, "storage.k8s.io", "storageclasses"),
        _rule("get list patch update watch", "", "persistentvolumeclaims"),
    ),
    "system:kube-controller-manager": (
        EVENTS,
        _rule("create", "coordination.k8s.io", "leases"),
        _rule("get update", "coordination.k8s.io", "leases", names="kube-controller-manager"),
        _rule("create", "", "secrets serviceaccounts"),
        _rule("delete", "", "secrets"),
        _rule("get", "", "configmaps namespaces secrets serviceaccounts"),
        _rule("update", "", "secrets serviceaccounts"),
        _rule("create", "authentication.k8s.io", "tokenreviews"),
        _rule("create", "authorization.k8s.io", "subjectaccessreviews"),
        _rule("list watch", "*", "*"),
        _rule("create", "", "serviceaccounts/token"),
    ),
    "system:metrics-server": (
        _rule("get", "", "nodes/metrics"),
        _rule("get list watch", "", "nodes pods"),
        # Model only: metrics-server serves metrics.k8s.io itself through the aggregation layer; here it stores
        # what it scraped as PodMetrics/NodeMetrics objects (model.metrics_server), so it writes them.
        _rule("create delete get list update", "metrics.k8s.io", "pods nodes"),
    ),
    "system:node": (
        _rule("create", "authentication.k8s.io", "tokenreviews"),
        _rule("create", "authorization.k8s.io", "localsubjectaccessreviews subjectaccessreviews"),
        _rule(READ, "", "services"),
        _rule("create get list watch", "", "nodes"),
        _rule("patch update", "", "nodes/status"),
        _rule("patch update", "", "nodes"),
        _rule("create patch update", "", "events"),
        _rule(READ, "", "pods"),
        _rule("create delete", "", "pods"),
        _rule("patch update", "", "pods/status"),
        _rule("create", "", "pods/eviction"),
        _rule(READ, "", "configmaps secrets"),
        _rule("get", "", "persistentvolumeclaims persistentvolumes"),
        _rule("get", "", "endpoints"),
        _rule("create get list watch", "certificates.k8s.io", "certificatesigningrequests"),
        _rule("create delete get patch update", "coordination.k8s.io", "leases"),
        _rule("get", "storage.k8s.io", "volumeattachments"),
        _rule("create", "", "serviceaccounts/token"),
        _rule("get patch update", "", "persistentvolumeclaims/status"),
        _rule(READ, "storage.k8s.io", "csidrivers"),
        _rule("create delete get patch update", "storage.k8s.io", "csinodes"),
        _rule(READ, "node.k8s.io", "runtimeclasses"),
    ),
})

_CONTROLLER_ROLES: FrozenDict = FrozenDict({
    "daemon-set-controller": (
        _rule(READ, APPS, "daemonsets"),
        _rule("update", APPS, "daemonsets/status"),
        _rule("update", APPS, "daemonsets/finalizers"),
        _rule("list watch", "", "nodes"),
        _rule("create delete list patch watch", "", "pods"),
        _rule("create", "", "pods/binding"),
        _rule("create delete get list patch update watch", "apps", "controllerrevisions"),
        EVENTS,
    ),
    "deployment-controller": (
        _rule("get list update watch", APPS, "deployments"),
        _rule("update", APPS, "deployments/status"),
        _rule("update", APPS, "deployments/finalizers"),
        _rule("create delete get list patch update watch", APPS, "replicasets"),
        _rule("get list update watch", "", "pods"),
        EVENTS,
    ),
    "disruption-controller": (
        _rule(READ, ("apps", "extensions"), "deployments"),
        _rule(READ, ("apps", "extensions"), "replicasets"),
        _rule(READ, "", "replicationcontrollers"),
        _rule(READ, "policy", "poddisruptionbudgets"),
        _rule(READ, "apps", "statefulsets"),
        _rule("update", "policy", "poddisruptionbudgets/status"),
        _rule("get", "*", "*/scale"),
        _rule("patch update", "", "pods/status"),
        EVENTS,
    ),
    "endpoint-controller": (
        _rule(READ, "", "pods services"),
        _rule("create delete get list update watch", "", "endpoints"),
        _rule("create", "", "endpoints/restricted"),
        EVENTS,
    ),
    "generic-garbage-collector": (
        _rule("delete get list patch update watch", "*", "*"),
        EVENTS,
    ),
    "horizontal-pod-autoscaler": (
        _rule(READ, "autoscaling", "horizontalpodautoscalers"),
        _rule("update", "autoscaling", "horizontalpodautoscalers/status"),
        _rule("get update", "*", "*/scale"),
        _rule("list", "", "pods"),
        _rule("list", "metrics.k8s.io", "pods"),
        _rule("get list", "custom.metrics.k8s.io", "*"),
        _rule("get list", "external.metrics.k8s.io", "*"),
        EVENTS,
    ),
    "job-controller": (
        _rule("get list patch update watch", "batch", "jobs"),
        _rule("update", "batch", "jobs/status"),
        _rule("update", "batch", "jobs/finalizers"),
        _rule("create delete list patch watch", "", "pods"),
        EVENTS,
    ),
    "namespace-controller": (
        _rule("delete get list watch", "", "namespaces"),
        _rule("update", "", "namespaces/finalize namespaces/status"),
        _rule("delete deletecollection get list watch", "*", "*"),
    ),
    "node-controller": (
        _rule("delete get list patch update watch", "", "nodes"),
        _rule("patch update", "", "nodes/status"),
        _rule("patch update", "", "pods/status"),
        _rule("delete get list watch", "", "pods"),
        EVENTS,
    ),
    "persistent-volume-binder": (
        _rule("create delete get list update watch", "", "persistentvolumes"),
        _rule("update", "", "persistentvolumes/status"),
        _rule("get list update watch", "", "persistentvolumeclaims"),
        _rule("update", "", "persistentvolumeclaims/status"),
        _rule("create delete get list watch", "", "pods"),
        _rule(READ, "storage.k8s.io", "storageclasses"),
        _rule("list watch", "", "nodes"),
        EVENTS,
        _rule("watch", "", "events"),
    ),
    "pod-garbage-collector": (
        _rule("delete list watch", "", "pods"),
        _rule(READ, "", "nodes"),
        _rule("patch", "", "pods/status"),
    ),
    "replicaset-controller": (
        _rule("get list update watch", APPS, "replicasets"),
        _rule("update", APPS, "replicasets/status"),
        _rule("update", APPS, "replicasets/finalizers"),
        _rule("create delete list patch watch", "", "pods"),
        EVENTS,
    ),
    "replication-controller": (
        _rule("get list update watch", "", "replicationcontrollers"),
        _rule("update", "", "replicationcontrollers/status"),
        _rule("update", "", "replicationcontrollers/finalizers"),
        _rule("create delete list patch watch", "", "pods"),
        EVENTS,
    ),
    "resourcequota-controller": (
        _rule("list watch", "*", "*"),
        _rule("update", "", "resourcequotas/status"),
        EVENTS,
    ),
    "statefulset-controller": (
        _rule("list watch", "", "pods"),
        _rule(READ, "apps", "statefulsets"),
        _rule("update", "apps", "statefulsets/status"),
        _rule("update", "apps", "statefulsets/finalizers"),
        _rule("create delete get patch update", "", "pods"),
        _rule("create delete get list patch update watch", "apps", "controllerrevisions"),
        _rule("create get list watch", "", "persistentvolumeclaims"),
        _rule("delete update", "", "persistentvolumeclaims"),
        _rule("update", "", "pods/finalizers"),
        EVENTS,
    ),
})

_BOOTSTRAPPING = FrozenDict({"kubernetes.io/bootstrapping": "rbac-defaults"})
_AUTOUPDATE = FrozenDict({"rbac.authorization.kubernetes.io/autoupdate": "true"})
_AGGREGATED_BY = FrozenDict({"admin": "aggregate-to-admin", "edit": "aggregate-to-edit", "view": "aggregate-to-view"})
_AGGREGATES_TO = FrozenDict({"edit": "aggregate-to-admin", "view": "aggregate-to-edit"})


def _cluster_role(name: str, rules: tuple[FrozenDict, ...]) -> ClusterRole:
    labels = dict(_BOOTSTRAPPING)
    if name in _AGGREGATES_TO:
        labels[f"rbac.authorization.k8s.io/{_AGGREGATES_TO[name]}"] = "true"
    data: dict[str, Any] = {"metadata": {"name": name, "labels": labels, "annotations": _AUTOUPDATE},
                            "rules": list(rules)}
    if name in _AGGREGATED_BY:
        data["aggregationRule"] = {"clusterRoleSelectors": [
            {"matchLabels": {f"rbac.authorization.k8s.io/{_AGGREGATED_BY[name]}": "true"}}]}
    return ClusterRole.from_dict(data)


def _binding(name: str, subjects: list[dict[str, str]]) -> ClusterRoleBinding:
    return ClusterRoleBinding.from_dict({
        "metadata": {"name": name, "labels": _BOOTSTRAPPING, "annotations": _AUTOUPDATE},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
        "subjects": subjects,
    })


def _build() -> tuple[KubeObject, ...]:
    roles = [_cluster_role(name, rules) for name, rules in _CLUSTER_ROLES.items()]
    roles += [_cluster_role(f"system:controller:{name}", rules) for name, rules in _CONTROLLER_ROLES.items()]
    bindings = [
        _binding("cluster-admin", [{"kind": "Group", "name": SYSTEM_MASTERS}]),
        _binding("system:kube-scheduler", [{"kind": "User", "name": SCHEDULER.name}]),
        _binding("system:volume-scheduler", [{"kind": "User", "name": SCHEDULER.name}]),
        _binding("system:kube-controller-manager", [{"kind": "User", "name": CONTROLLER_MANAGER.name}]),
        _binding("system:metrics-server", [{"kind": "ServiceAccount", "name": METRICS_SERVER,
                                            "namespace": KUBE_SYSTEM}]),
        # Upstream keeps this binding with no subjects: kubelets get their rights from the Node authorizer.
        _binding("system:node", []),
    ]
    bindings += [_binding(f"system:controller:{name}",
                          [{"kind": "ServiceAccount", "name": name, "namespace": KUBE_SYSTEM}])
                 for name in _CONTROLLER_ROLES]
    return (*roles, *bindings)


_POLICY: tuple[KubeObject, ...] = _build()


def bootstrap_policy() -> tuple[KubeObject, ...]:
    """Every bootstrap ClusterRole, then every ClusterRoleBinding, as the API server reconciles them."""
    return _POLICY


def node_rules() -> tuple[PolicyRule, ...]:
    """NodeRules(): the ``system:node`` ClusterRole's rules, which the Node authorizer applies to kubelets."""
    role = next(o for o in _POLICY if isinstance(o, ClusterRole) and o.name == "system:node")
    return role.rules
