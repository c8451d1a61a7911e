"""Tests for model.auth.bootstrap: the shipped ClusterRoles and bindings, and what they let components do.

Golden rules are quoted from plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/controller-roles.yaml
and testdata/cluster-roles.yaml (as bootstrappolicy/policy_test.go and controller_policy_test.go compare
them); the per-controller expectations follow the needs stated in controller_policy.go.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from model.auth.bootstrap import CONTROLLERS, bootstrap_policy, node_rules
from model.auth.identity import (
    ADMIN,
    CONTROLLER_MANAGER,
    SCHEDULER,
    UserInfo,
    controller_identity,
    kubelet_identity,
    user,
)
from model.auth.rbac import Decision, RequestAttributes, authorize
from model.objects.rbac import ClusterRole, ClusterRoleBinding, RoleBinding

POLICY = bootstrap_policy()
CLUSTER_ROLES = {o.name: o for o in POLICY if isinstance(o, ClusterRole)}
CLUSTER_ROLE_BINDINGS = {o.name: o for o in POLICY if isinstance(o, ClusterRoleBinding)}


def can(who: UserInfo, verb: str, resource: str, namespace: str | None = None, *, group: str = "",
        subresource: str = "", name: str = "", role_bindings: tuple[RoleBinding, ...] = ()) -> Decision:
    attrs = RequestAttributes(who, verb, group, resource, subresource, namespace, name)
    return authorize(attrs, (), CLUSTER_ROLES.values(), role_bindings, CLUSTER_ROLE_BINDINGS.values())


# --- the objects -----------------------------------------------------------------------------------------

def test_policy_is_cluster_roles_then_bindings() -> None:
    kinds = [type(o).__name__ for o in POLICY]
    assert kinds == sorted(kinds, key=lambda k: k != "ClusterRole")
    expected_roles = {"cluster-admin", "admin", "edit", "view", "system:kube-scheduler", "system:volume-scheduler",
                      "system:kube-controller-manager", "system:node", "system:metrics-server",
                      *(f"system:controller:{c}" for c in CONTROLLERS)}
    assert set(CLUSTER_ROLES) == expected_roles
    assert len(CLUSTER_ROLE_BINDINGS) + len(CLUSTER_ROLES) == len(POLICY)
    assert len(CONTROLLERS) == 15


def test_every_object_round_trips_and_is_labelled() -> None:
    for obj in POLICY:
        assert type(obj).from_dict(obj.to_dict()) == obj
        assert obj.labels["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert obj.metadata.annotations["rbac.authorization.kubernetes.io/autoupdate"] == "true"


@pytest.mark.parametrize("controller", CONTROLLERS)
def test_controller_role_is_bound_to_its_service_account(controller: str) -> None:
    bound = CLUSTER_ROLE_BINDINGS[f"system:controller:{controller}"]
    assert bound.role_ref.name == f"system:controller:{controller}"
    assert [s.to_dict() for s in bound.subjects] == [
        {"kind": "ServiceAccount", "name": controller, "namespace": "kube-system"}]


def test_component_bindings() -> None:
    def subjects(name: str) -> list[tuple[str, str]]:
        return [(s.kind, s.name) for s in CLUSTER_ROLE_BINDINGS[name].subjects]

    assert subjects("cluster-admin") == [("Group", "system:masters")]
    assert subjects("system:kube-scheduler") == [("User", "system:kube-scheduler")]
    assert subjects("system:volume-scheduler") == [("User", "system:kube-scheduler")]
    assert subjects("system:kube-controller-manager") == [("User", "system:kube-controller-manager")]
    assert subjects("system:node") == []  # kubelets are authorized by the Node authorizer, not this binding


GOLDEN = yaml.safe_load("""
system:controller:replicaset-controller:
- {apiGroups: [apps, extensions], resources: [replicasets], verbs: [get, list, update, watch]}
- {apiGroups: [apps, extensions], resources: [replicasets/status], verbs: [update]}
- {apiGroups: [apps, extensions], resources: [replicasets/finalizers], verbs: [update]}
- {apiGroups: [""], resources: [pods], verbs: [create, delete, list, patch, watch]}
- {apiGroups: ["", events.k8s.io], resources: [events], verbs: [create, patch, update]}
system:controller:pod-garbage-collector:
- {apiGroups: [""], resources: [pods], verbs: [delete, list, watch]}
- {apiGroups: [""], resources: [nodes], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [pods/status], verbs: [patch]}
system:controller:namespace-controller:
- {apiGroups: [""], resources: [namespaces], verbs: [delete, get, list, watch]}
- {apiGroups: [""], resources: [namespaces/finalize, namespaces/status], verbs: [update]}
- {apiGroups: ["*"], resources: ["*"], verbs: [delete, deletecollection, get, list, watch]}
system:volume-scheduler:
- {apiGroups: [""], resources: [persistentvolumes], verbs: [get, list, patch, update, watch]}
- {apiGroups: [storage.k8s.io], resources: [storageclasses], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [persistentvolumeclaims], verbs: [get, list, patch, update, watch]}
view:
- {apiGroups: [""], resources: [configmaps, endpoints, persistentvolumeclaims, persistentvolumeclaims/status, pods,
    replicationcontrollers, replicationcontrollers/scale, serviceaccounts, services, services/status],
   verbs: [get, list, watch]}
- {apiGroups: [""], resources: [bindings, events, limitranges, namespaces/status, pods/log, pods/status,
    replicationcontrollers/status, resourcequotas, resourcequotas/status], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [namespaces], verbs: [get, list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [get, list, watch]}
- {apiGroups: [apps], resources: [controllerrevisions, daemonsets, daemonsets/status, deployments, deployments/scale,
    deployments/status, replicasets, replicasets/scale, replicasets/status, statefulsets, statefulsets/scale,
    statefulsets/status], verbs: [get, list, watch]}
- {apiGroups: [autoscaling], resources: [horizontalpodautoscalers, horizontalpodautoscalers/status],
   verbs: [get, list, watch]}
- {apiGroups: [batch], resources: [cronjobs, cronjobs/status, jobs, jobs/status], verbs: [get, list, watch]}
- {apiGroups: [extensions], resources: [daemonsets, daemonsets/status, deployments, deployments/scale,
    deployments/status, ingresses, ingresses/status, networkpolicies, replicasets, replicasets/scale,
    replicasets/status, replicationcontrollers/scale], verbs: [get, list, watch]}
- {apiGroups: [policy], resources: [poddisruptionbudgets, poddisruptionbudgets/status], verbs: [get, list, watch]}
- {apiGroups: [networking.k8s.io], resources: [ingresses, ingresses/status, networkpolicies],
   verbs: [get, list, watch]}
""")


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_rules_match_upstream_golden_files(name: str) -> None:
    assert [r.to_dict() for r in CLUSTER_ROLES[name].rules] == GOLDEN[name]


def test_aggregated_roles_nest() -> None:
    """The aggregation controller's result: view within edit within admin, in that order."""
    view, edit, admin = (CLUSTER_ROLES[n].rules for n in ("view", "edit", "admin"))
    assert edit[-len(view):] == view
    assert admin[:len(edit)] == edit
    assert [r.to_dict() for r in admin[len(edit):]] == [
        {"apiGroups": ["authorization.k8s.io"], "resources": ["localsubjectaccessreviews"], "verbs": ["create"]},
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings", "roles"],
         "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]}]
    assert CLUSTER_ROLES["edit"].labels["rbac.authorization.k8s.io/aggregate-to-admin"] == "true"


def test_node_rules_are_the_system_node_role() -> None:
    assert node_rules() == CLUSTER_ROLES["system:node"].rules
    assert len(node_rules()) == 22


# --- what components may do ------------------------------------------------------------------------------

def test_scheduler_binds_pods_and_updates_their_status() -> None:
    assert can(SCHEDULER, "create", "pods", "default", subresource="binding", name="web-1").allowed
    assert can(SCHEDULER, "create", "bindings", "default").allowed
    assert can(SCHEDULER, "update", "pods", "default", subresource="status", name="web-1").allowed
    assert can(SCHEDULER, "patch", "pods", "default", subresource="status", name="web-1").allowed
    assert can(SCHEDULER, "delete", "pods", "default", name="victim").allowed  # preemption
    assert can(SCHEDULER, "watch", "nodes").allowed
    assert can(SCHEDULER, "patch", "persistentvolumeclaims", "default", name="data").allowed  # volume-scheduler
    assert can(SCHEDULER, "get", "leases", "kube-system", group="coordination.k8s.io", name="kube-scheduler").allowed
    assert not can(SCHEDULER, "get", "leases", "kube-system", group="coordination.k8s.io",
                   name="kube-controller-manager").allowed
    assert not can(SCHEDULER, "create", "pods", "default").allowed
    assert can(SCHEDULER, "update", "nodes", name="n1") == Decision(
        False, 'nodes "n1" is forbidden: User "system:kube-scheduler" cannot update resource "nodes" in API group "" '
               "at the cluster scope")


CONTROLLER_NEEDS = {
    # controller: (requests it must be allowed, requests it must be denied); a request is
    # (verb, group, resource, subresource, namespaced)
    "replicaset-controller": (
        [("create", "", "pods", "", True), ("delete", "", "pods", "", True), ("patch", "", "pods", "", True),
         ("watch", "", "pods", "", False), ("update", "apps", "replicasets", "status", True),
         ("update", "apps", "replicasets", "", True), ("create", "events.k8s.io", "events", "", True)],
        [("create", "apps", "deployments", "", True), ("update", "", "pods", "status", True),
         ("get", "", "secrets", "", True)]),
    "replication-controller": (
        [("create", "", "pods", "", True), ("update", "", "replicationcontrollers", "status", True)],
        [("update", "apps", "replicasets", "status", True)]),
    "deployment-controller": (
        [("create", "apps", "replicasets", "", True), ("delete", "apps", "replicasets", "", True),
         ("update", "apps", "deployments", "status", True), ("list", "", "pods", "", False)],
        [("create", "", "pods", "", True), ("delete", "apps", "deployments", "", True)]),
    "daemon-set-controller": (
        [("create", "", "pods", "", True), ("create", "", "pods", "binding", True),
         ("update", "apps", "daemonsets", "status", True), ("create", "apps", "controllerrevisions", "", True),
         ("list", "", "nodes", "", False)],
        [("update", "", "nodes", "", False), ("get", "", "nodes", "", False)]),
    "horizontal-pod-autoscaler": (
        [("update", "apps", "deployments", "scale", True), ("get", "apps", "statefulsets", "scale", True),
         ("list", "metrics.k8s.io", "pods", "", True), ("update", "autoscaling", "horizontalpodautoscalers", "status",
                                                        True), ("list", "", "pods", "", True)],
        [("update", "apps", "deployments", "", True), ("create", "", "pods", "", True),
         ("create", "metrics.k8s.io", "pods", "", True), ("update", "autoscaling", "horizontalpodautoscalers", "",
                                                          True)]),
    "job-controller": (
        [("create", "", "pods", "", True), ("update", "batch", "jobs", "status", True),
         ("patch", "batch", "jobs", "", True)],
        [("delete", "batch", "jobs", "", True), ("create", "batch", "jobs", "", True)]),
    "statefulset-controller": (
        [("create", "", "pods", "", True), ("update", "", "pods", "", True),
         ("create", "", "persistentvolumeclaims", "", True), ("update", "apps", "statefulsets", "status", True)],
        [("delete", "apps", "statefulsets", "", True), ("update", "apps", "statefulsets", "", True)]),
    "endpoint-controller": (
        [("create", "", "endpoints", "", True), ("update", "", "endpoints", "", True),
         ("delete", "", "endpoints", "", True), ("list", "", "services", "", False)],
        [("create", "", "services", "", True), ("patch", "", "endpoints", "", True)]),
    "namespace-controller": (
        [("delete", "", "namespaces", "", False), ("update", "", "namespaces", "finalize", False),
         ("deletecollection", "apps", "deployments", "", True), ("list", "example.com", "widgets", "", True)],
        [("create", "", "pods", "", True), ("update", "", "namespaces", "", False)]),
    "generic-garbage-collector": (
        [("delete", "", "pods", "", True), ("delete", "apps", "replicasets", "", True),
         ("patch", "batch", "jobs", "", True)],
        [("create", "", "pods", "", True), ("deletecollection", "", "pods", "", True)]),
    "resourcequota-controller": (
        [("update", "", "resourcequotas", "status", True), ("list", "", "pods", "", False)],
        [("update", "", "resourcequotas", "", True), ("get", "", "pods", "", True)]),
    "node-controller": (
        [("delete", "", "nodes", "", False), ("update", "", "nodes", "status", False),
         ("delete", "", "pods", "", True), ("patch", "", "pods", "status", True)],
        [("create", "", "pods", "", True), ("create", "", "nodes", "", False)]),
    "persistent-volume-binder": (
        [("create", "", "persistentvolumes", "", False), ("update", "", "persistentvolumeclaims", "", True),
         ("update", "", "persistentvolumeclaims", "status", True),
         ("update", "", "persistentvolumes", "status", False)],
        [("delete", "", "persistentvolumeclaims", "", True), ("patch", "", "persistentvolumes", "", False)]),
    "disruption-controller": (
        [("update", "policy", "poddisruptionbudgets", "status", True), ("list", "apps", "deployments", "", True),
         ("get", "apps", "statefulsets", "scale", True), ("patch", "", "pods", "status", True)],
        [("update", "policy", "poddisruptionbudgets", "", True), ("delete", "", "pods", "", True),
         ("create", "", "pods", "eviction", True)]),
    "pod-garbage-collector": (
        [("delete", "", "pods", "", True), ("patch", "", "pods", "status", True), ("get", "", "nodes", "", False)],
        [("update", "", "pods", "status", True), ("create", "", "events", "", True)]),
}


def _request(controller: str, verb: str, group: str, resource: str, subresource: str, namespaced: bool) -> Decision:
    return can(controller_identity(controller), verb, resource, "default" if namespaced else None, group=group,
               subresource=subresource, name="" if verb in ("list", "watch", "create") else "x")


@pytest.mark.parametrize("controller", sorted(CONTROLLER_NEEDS))
def test_controller_may_do_what_it_needs_and_not_more(controller: str) -> None:
    allowed, denied = CONTROLLER_NEEDS[controller]
    for req in allowed:
        assert _request(controller, *req).allowed, req
    for req in denied:
        assert not _request(controller, *req).allowed, req


def test_every_controller_is_covered() -> None:
    assert set(CONTROLLER_NEEDS) == set(CONTROLLERS)


@given(controller=st.sampled_from(CONTROLLERS))
@settings(max_examples=30)
def test_only_node_lifecycle_and_cleanup_controllers_delete_nodes(controller: str) -> None:
    deleters = {"node-controller", "generic-garbage-collector", "namespace-controller"}
    assert _request(controller, "delete", "", "nodes", "", False).allowed is (controller in deleters)


@given(controller=st.sampled_from(CONTROLLERS), namespace=st.sampled_from(["default", "prod", "kube-system"]),
       verb=st.sampled_from(["create", "bind", "escalate"]), resource=st.sampled_from(["roles", "rolebindings"]))
@settings(max_examples=40)
def test_controllers_never_create_or_escalate_rbac_objects(controller: str, namespace: str, verb: str,
                                                         resource: str) -> None:
    """None of the modelled controllers may create, bind or escalate roles (the garbage collector may still
    update any object, to remove owner references and finalizers)."""
    attrs = can(controller_identity(controller), verb, resource, namespace, group="rbac.authorization.k8s.io",
                name="" if verb == "create" else "x")
    assert not attrs.allowed
    if controller == "generic-garbage-collector":
        assert can(controller_identity(controller), "update", resource, namespace, group="rbac.authorization.k8s.io",
                   name="x").allowed


def test_controller_manager_own_identity() -> None:
    assert can(CONTROLLER_MANAGER, "list", "widgets", group="example.com").allowed
    assert can(CONTROLLER_MANAGER, "update", "leases", "kube-system", group="coordination.k8s.io",
               name="kube-controller-manager").allowed
    assert not can(CONTROLLER_MANAGER, "create", "pods", "default").allowed


def test_kubelet_gets_nothing_from_rbac_alone() -> None:
    assert not can(kubelet_identity("n1"), "get", "pods", "default", name="p").allowed


def test_cluster_admin_and_namespace_roles() -> None:
    assert can(ADMIN, "delete", "nodes", name="n1").allowed
    cluster_admin = CLUSTER_ROLE_BINDINGS["cluster-admin"]
    assert can(user("ops", "system:masters"), "escalate", "clusterroles", group="rbac.authorization.k8s.io").allowed
    assert cluster_admin.role_ref.name == "cluster-admin"

    def bound(role: str) -> tuple[RoleBinding, ...]:
        return (RoleBinding.from_dict({"metadata": {"name": f"bob-{role}", "namespace": "dev"},
                                       "roleRef": {"kind": "ClusterRole", "name": role},
                                       "subjects": [{"kind": "User", "name": "bob"}]}),)

    bob = user("bob")
    assert can(bob, "create", "deployments", "dev", group="apps", role_bindings=bound("edit")).allowed
    assert can(bob, "get", "secrets", "dev", name="s", role_bindings=bound("edit")).allowed
    assert not can(bob, "create", "rolebindings", "dev", group="rbac.authorization.k8s.io",
                   role_bindings=bound("edit")).allowed
    assert can(bob, "create", "rolebindings", "dev", group="rbac.authorization.k8s.io",
               role_bindings=bound("admin")).allowed
    assert can(bob, "list", "pods", "dev", role_bindings=bound("view")).allowed
    assert not can(bob, "get", "secrets", "dev", name="s", role_bindings=bound("view")).allowed
    assert not can(bob, "create", "pods", "dev", role_bindings=bound("view")).allowed
    assert not can(bob, "list", "pods", "prod", role_bindings=bound("admin")).allowed
