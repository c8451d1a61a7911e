"""The namespace controller (model.controllers.namespace), the ``finalize`` subresource and discovery it uses, and
the namespaces ``model.state.build`` stores.

Ported from kubernetes/kubernetes ``pkg/controller/namespace/deletion/namespaced_resources_deleter_test.go``
(TestFinalized, TestFinalizeNamespaceFunc, testSyncNamespaceThatIsTerminating's "pending-finalize" and
"complete-finalize" cases, TestRetryOnConflictError, TestSyncNamespaceThatIsActive),
``status_condition_utils_test.go`` (TestUpdateConditions: ok variants, failing conditions, transition times) and
``namespace_controller_test.go`` (only namespaces being deleted are queued, after the grace period), with the
namespace cases of ``test/integration/namespace/ns_conditions_test.go`` (TestNamespaceCondition: remaining content
and finalizers reported, then the namespace goes). Upstream drives the deleter against fake clients; here the
model's API server answers, the kubelets terminate pods and the garbage collector runs alongside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, Submit, SubmitPending, Tick
from model.apiserver import requests as rq
from model.apiserver.server import served_kinds
from model.auth.identity import ADMIN, user
from model.controllers import base
from model.controllers import garbage_collector as gc
from model.controllers import namespace as nsc
from model.controllers import resourcequota as rqc
from model.controllers.base import CONTROLLER_MANAGER
from model.examples import DIRECTORY
from model.kubelet.component import KubeletSyncPod
from model.manifests import from_dict, load
from model.objects import Namespace
from model.objects.cluster import NamespaceCondition
from model.state import ClusterState, behind, build
from model.store import ADDED, DELETED, MODIFIED, WatchEvent

CONTROLLERS = (nsc.NAME, gc.NAME, rqc.NAME)
EXAMPLE = tuple(load(DIRECTORY / "cluster.yaml"))


# --- objects and driving ---------------------------------------------------------------------------------------


def _pod(name: str, node: str | None = None, grace: int = 30, owners: list | None = None, **meta: Any) -> Any:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "nginx",
                                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}],
                            "terminationGracePeriodSeconds": grace}
    if node:
        spec["nodeName"] = node
    return from_dict({"apiVersion": "v1", "kind": "Pod", "spec": spec,
                      "metadata": {"name": name, "namespace": "test", "ownerReferences": owners or [], **meta}})


def _opaque(kind: str, name: str, api_version: str = "v1", **meta: Any) -> Any:
    return from_dict({"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": "test", **meta}})


def _start(*objects: Any) -> ClusterState:
    """The example cluster (five nodes, namespaces dev, test and prod with quotas) plus ``objects``, created."""
    state = cluster.initial_state([*EXAMPLE, *objects])
    while state.pending:
        state = cluster.apply(state, SubmitPending())
    return state


def _send(state: ClusterState, request: Any) -> tuple[ClusterState, rq.Response]:
    step = cluster.step(state, Submit(request))
    return step.state, step.responses[0]


def _create(state: ClusterState, obj: Any) -> ClusterState:
    state, response = _send(state, rq.Create(ADMIN, obj))
    assert response.ok, response
    return state


def _delete_namespace(state: ClusterState, name: str = "test") -> ClusterState:
    state, response = _send(state, rq.Delete(ADMIN, "Namespace", None, name))
    assert response.ok, response
    return state


def _namespace(state: ClusterState, name: str = "test") -> Namespace | None:
    return state.store.get("Namespace", None, name)


def _content(state: ClusterState, name: str = "test") -> list[Any]:
    return [obj for obj in state.store.objects if obj.namespaced and obj.namespace == name]


def _run(state: ClusterState, until: Callable[[ClusterState], bool], check: Callable[[ClusterState], None] = None,
         limit: int = 3000) -> ClusterState:
    """Run the namespace, garbage-collector and quota controllers, the kubelets and their informers (a second of
    clock passing whenever none of them has anything to do) until ``until`` holds; ``check`` sees every state."""
    for _ in range(limit):
        if check is not None:
            check(state)
        if until(state):
            return state
        actions = [a for a in cluster.enabled(state)
                   if (isinstance(a, DeliverWatchEvent) and (a.component in (*CONTROLLERS, CONTROLLER_MANAGER)
                                                             or a.component.startswith("kubelet/")))
                   or (isinstance(a, base.Reconcile) and a.controller in CONTROLLERS)
                   or isinstance(a, KubeletSyncPod)]
        state = cluster.apply(state, actions[0] if actions else Tick(1))
    raise AssertionError("the condition was not reached")


def _synced_once(state: ClusterState) -> bool:
    namespace = _namespace(state)
    return namespace is None or bool(namespace.status.conditions)


def _sync(state: ClusterState, name: str = "test") -> Any:
    """One sync of the namespace, once the controller's informer has observed everything."""
    while behind(state, nsc.NAME):
        state = cluster.apply(state, DeliverWatchEvent(nsc.NAME))
    return cluster.step(state, base.Reconcile(nsc.NAME, (name,)))


def _conditions(namespace: Namespace) -> dict[str, tuple[str, str | None, str | None]]:
    return {c.type: (c.status, c.reason, c.message) for c in namespace.status.conditions}


# --- deleting a namespace --------------------------------------------------------------------------------------


def test_namespace_deletion_deletes_everything_then_the_namespace() -> None:
    """Every object in the namespace (modelled kinds, built-in kinds the model carries opaquely, a custom resource)
    is deleted; pods on nodes terminate gracefully through their kubelets; the namespace goes only once it is
    empty, and never while it still has content."""
    rs = from_dict({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "namespace": "test"},
                    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                             "template": {"metadata": {"labels": {"app": "web"}},
                                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    service = from_dict({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "test"},
                         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    state = _start(rs, service, _pod("running", node="worker-1"), _pod("pending"),
                   _opaque("ConfigMap", "settings"), _opaque("Secret", "token"),
                   _opaque("Widget", "w", api_version="example.com/v1"))
    state = _run(state, lambda s: not any(a for a in cluster.enabled(s) if isinstance(a, KubeletSyncPod)))
    assert state.store.get("Pod", "test", "running").status.phase == "Running"
    kinds = {obj.kind for obj in _content(state)}
    assert {"Pod", "ReplicaSet", "Service", "ConfigMap", "Secret", "Widget", "ResourceQuota"} <= kinds

    def never_removed_with_content(s: ClusterState) -> None:
        if _namespace(s) is None:
            assert _content(s) == []

    state = _delete_namespace(state)
    assert _namespace(state).status.phase == "Terminating"
    state = _run(state, lambda s: _namespace(s) is None, never_removed_with_content)
    assert _content(state) == []
    assert _namespace(state, "dev") is not None and _namespace(state, "prod") is not None


def test_content_held_by_a_finalizer_is_reported_and_waited_for() -> None:
    """TestNamespaceCondition: what remains, and the finalizers holding it, show in the conditions; the
    controller looks again after ``finalizerEstimateSeconds / 2 + 1``; once the finalizer goes, so does the
    namespace."""
    state = _start(_opaque("ConfigMap", "held", finalizers=["example.com/hold"]))
    state = _run(_delete_namespace(state), _synced_once)
    namespace = _namespace(state)
    assert _conditions(namespace) == {
        nsc.DISCOVERY_FAILURE: ("False", "ResourcesDiscovered", "All resources successfully discovered"),
        nsc.GV_PARSING_FAILURE: ("False", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
        nsc.CONTENT_FAILURE: ("False", "ContentDeleted",
                              "All content successfully deleted, may be waiting on finalization"),
        nsc.CONTENT_REMAINING: ("True", "SomeResourcesRemain",
                                "Some resources are remaining: configmaps. has 1 resource instances"),
        nsc.FINALIZERS_REMAINING: ("True", "SomeFinalizerRemain",
                                   "Some finalizers are remaining: example.com/hold in 1 resource instances"),
    }
    assert [c.type for c in namespace.status.conditions] == list(nsc.CONDITION_TYPES)
    assert namespace.spec.finalizers == ("kubernetes",)
    informer = state.informer(nsc.NAME)
    assert informer.delayed[("test",)] == state.time + nsc.FINALIZER_ESTIMATE_SECONDS // 2 + 1
    held = state.store.get("ConfigMap", "test", "held")
    state, response = _send(state, rq.Update(ADMIN, attrs.evolve(held, metadata=attrs.evolve(held.metadata,
                                                                                               finalizers=()))))
    assert response.ok and state.store.get("ConfigMap", "test", "held") is None
    state = _run(state, lambda s: _namespace(s) is None)
    assert _content(state) == []


def test_pods_are_given_their_grace_period() -> None:
    """estimateGracefulTermination: a pod terminating on its node holds the namespace for up to its
    terminationGracePeriodSeconds; the controller looks again after half of it, plus one."""
    state = _start(_pod("slow", node="worker-1", grace=40))
    state = _run(state, lambda s: s.store.get("Pod", "test", "slow").status.phase == "Running")
    state = _run(_delete_namespace(state), _synced_once)
    assert _conditions(_namespace(state))[nsc.CONTENT_REMAINING] == (
        "True", "SomeResourcesRemain", "Some resources are remaining: pods. has 1 resource instances")
    assert state.informer(nsc.NAME).delayed[("test",)] == state.time + 40 // 2 + 1
    assert state.store.get("Pod", "test", "slow").metadata.deletion_timestamp is not None


def test_content_that_outlives_its_estimate_is_a_deletion_failure() -> None:
    """deleteAllContentForGroupVersionResource: a pod still there once its grace period has passed since the
    namespace's deletion, with no finalizer to explain it (its node has no kubelet), is an error: the
    NamespaceDeletionContentFailure condition says so and the controller retries with back-off."""
    state = _start(_pod("stuck", node="no-such-node", grace=10))
    state = _run(_delete_namespace(state), _synced_once)
    assert state.store.get("Pod", "test", "stuck").metadata.deletion_timestamp is not None
    state = cluster.apply(state, Tick(10))
    step = _sync(state)
    namespace = _namespace(step.state)
    assert _conditions(namespace)[nsc.CONTENT_FAILURE] == (
        "True", "ContentDeletionFailed", "Failed to delete all resource types, 1 remaining: unexpected items still "
        "remain in namespace: test for gvr: /v1, Resource=pods")
    assert step.state.informer(nsc.NAME).failures[("test",)] == 1
    assert namespace.spec.finalizers == ("kubernetes",)


def test_an_empty_terminating_namespace_is_finalized_in_one_sync() -> None:
    """"pending-finalize": the namespace is read, its (absent) content deleted and verified, its conditions
    written, and its finalizer removed through ``finalize``: the conditions write made the namespace read
    before it stale, so the first finalize conflicts and is retried after a fresh GET (retryOnConflictError)."""
    state = _delete_namespace(_start(), "prod")
    assert state.store.get("ResourceQuota", "prod", "compute") is not None
    step = _sync(state, "prod")
    reasons = [r.reason for r in step.responses]
    assert reasons[:2] == ["OK", "OK"]  # the namespace, then discovery
    assert reasons.count("Conflict") == 1 and reasons[-1] == "OK"
    assert _namespace(step.state, "prod") is None and _content(step.state, "prod") == []
    assert step.events[-1].type == DELETED and step.events[-1].key == ("Namespace", None, "prod")


def test_an_active_namespace_is_left_alone() -> None:
    """TestSyncNamespaceThatIsActive: one GET, nothing else."""
    step = _sync(_start())
    assert [r.reason for r in step.responses] == ["OK"] and step.events == ()


def test_a_namespace_already_finalized_is_left_to_the_api_server() -> None:
    """"complete-finalize": a terminating namespace without finalizers needs only the GET."""
    snapshot = from_dict({"apiVersion": "v1", "kind": "Namespace",
                          "metadata": {"name": "gone", "uid": "uid-gone", "deletionTimestamp": 0},
                          "spec": {"finalizers": []}, "status": {"phase": "Terminating"}})
    state = cluster.initial_state([snapshot])
    assert ("gone",) in state.informer(nsc.NAME).queue
    step = _sync(state, "gone")
    assert [r.reason for r in step.responses] == ["OK"] and step.events == ()


def test_a_deleted_namespace_not_yet_terminating_is_marked_first() -> None:
    """updateNamespaceStatusFunc: a namespace with a deletionTimestamp but phase Active (as a snapshot may record
    it) is first set Terminating; then emptied and finalized."""
    snapshot = from_dict({"apiVersion": "v1", "kind": "Namespace",
                          "metadata": {"name": "old", "uid": "uid-old", "deletionTimestamp": 0},
                          "spec": {"finalizers": ["kubernetes", "example.com/keep"]}, "status": {"phase": "Active"}})
    step = _sync(cluster.initial_state([snapshot]), "old")
    assert [e.object.status.phase for e in step.events] == ["Terminating"] * len(step.events)
    namespace = _namespace(step.state, "old")
    assert namespace.status.phase == "Terminating" and namespace.spec.finalizers == ("example.com/keep",)


def test_finalize_keeps_the_other_finalizers() -> None:
    """TestFinalizeNamespaceFunc: only ``kubernetes`` is removed; the namespace waits for the others."""
    state = _create(_start(), from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"},
                                         "spec": {"finalizers": ["example.com/other"]}}))
    assert _namespace(state, "lab").spec.finalizers == ("example.com/other", "kubernetes")
    step = _sync(_delete_namespace(state, "lab"), "lab")
    assert _namespace(step.state, "lab").spec.finalizers == ("example.com/other",)
    again = _sync(step.state, "lab")  # not finalized while ``example.com/other`` remains: nothing more to do
    assert again.events == () and _namespace(again.state, "lab").status.phase == "Terminating"


def test_a_namespace_not_in_the_cache_is_not_synced() -> None:
    """syncNamespaceFromKey: a namespace the lister does not have is done."""
    step = _sync(_start(), "nowhere")
    assert step.responses == ()


# --- the controller's queue ------------------------------------------------------------------------------------


def test_only_namespaces_being_deleted_are_queued_after_the_grace_period() -> None:
    state = _start()
    active = _namespace(state)
    deleting = attrs.evolve(active, metadata=attrs.evolve(active.metadata, deletion_timestamp=3))
    cache = state.informer(nsc.NAME).cache
    assert nsc.enqueue(WatchEvent(ADDED, active, 1), None, cache) == ()
    assert nsc.enqueue(WatchEvent(MODIFIED, deleting, 2), active, cache) == (
        base.After(("test",), nsc.DELETION_GRACE_PERIOD),)
    assert nsc.enqueue(WatchEvent(DELETED, deleting, 3), deleting, cache) == ()
    state = cluster.apply(_delete_namespace(state), DeliverWatchEvent(nsc.NAME))
    assert not [a for a in cluster.enabled(state) if isinstance(a, base.Reconcile) and a.controller == nsc.NAME]
    state = cluster.apply(state, Tick(nsc.DELETION_GRACE_PERIOD))
    assert base.Reconcile(nsc.NAME, ("test",)) in cluster.enabled(state)


# --- conditions --------------------------------------------------------------------------------------------------


def test_update_conditions() -> None:
    """status_condition_utils_test.go: every maintained type present (the ok variant unless failing); an existing
    condition keeps its place and, unless its status changes, its transition time."""
    other = NamespaceCondition(type="Other", status="True", last_transition_time=1)
    failing = nsc.failure_conditions([nsc.ResourceRemaining(error="boom")], now=5)
    conditions = nsc.update_conditions((other,), failing, now=5)
    assert [c.type for c in conditions] == ["Other", *nsc.CONDITION_TYPES]
    failed = conditions[1 + nsc.CONDITION_TYPES.index(nsc.CONTENT_FAILURE)]
    assert (failed.status, failed.reason, failed.message, failed.last_transition_time) == (
        "True", "ContentDeletionFailed", "Failed to delete all resource types, 1 remaining: boom", 5)
    again = nsc.update_conditions(conditions, nsc.failure_conditions([nsc.ResourceRemaining(error="bang")], 9), 9)
    assert again[1 + nsc.CONDITION_TYPES.index(nsc.CONTENT_FAILURE)].last_transition_time == 5
    assert again[1].last_transition_time == 5  # discovery: unchanged
    cleared = nsc.update_conditions(again, {}, now=12)
    content = cleared[1 + nsc.CONDITION_TYPES.index(nsc.CONTENT_FAILURE)]
    assert (content.status, content.reason, content.last_transition_time) == ("False", "ContentDeleted", 12)
    assert nsc.update_conditions(cleared, {}, now=20) == cleared


def test_remaining_content_is_summed_by_finalizer_and_sorted() -> None:
    results = [nsc.ResourceRemaining(15, 2, "pods.", (("a/x", 2),)),
               nsc.ResourceRemaining(15, 1, "deployments.apps", (("a/x", 1), ("b/y", 1)))]
    failing = nsc.failure_conditions(results, now=0)
    assert failing[nsc.CONTENT_REMAINING].message == ("Some resources are remaining: deployments.apps has 1 resource "
                                                      "instances, pods. has 2 resource instances")
    assert failing[nsc.FINALIZERS_REMAINING].message == ("Some finalizers are remaining: a/x in 3 resource "
                                                         "instances, b/y in 1 resource instances")
    assert nsc.CONTENT_FAILURE not in failing


@pytest.mark.parametrize(("graces", "deleted_at", "now", "expected"), [
    ((), 0, 0, 0),
    ((30, 10), 0, 5, 30),
    ((30,), 0, 30, 0),
    ((30,), "2024-01-01T00:00:00Z", 40, 0),
])
def test_estimate_graceful_termination(graces: tuple[int, ...], deleted_at: Any, now: int, expected: int) -> None:
    pods = tuple(_pod(f"p{i}", grace=grace) for i, grace in enumerate(graces))
    assert nsc.estimate_graceful_termination(pods, deleted_at, now) == expected


def test_terminal_pods_need_no_grace() -> None:
    done = attrs.evolve(_pod("done", grace=60), status=attrs.evolve(_pod("done").status, phase="Succeeded"))
    assert nsc.estimate_graceful_termination((done,), 0, 1) == 0


# --- the finalize subresource and discovery --------------------------------------------------------------------


def _finalize(state: ClusterState, finalizers: tuple[str, ...], who: Any = ADMIN, **meta: Any) -> rq.Response:
    namespace = _namespace(state)
    request = attrs.evolve(namespace, spec=attrs.evolve(namespace.spec, finalizers=finalizers),
                           metadata=attrs.evolve(namespace.metadata, **meta))
    return _send(state, rq.Finalize(who, request))[1]


def test_finalize_changes_only_the_finalizers() -> None:
    state = _start()
    namespace = _namespace(state)
    state, response = _send(state, rq.Finalize(ADMIN, attrs.evolve(
        namespace, spec=attrs.evolve(namespace.spec, finalizers=()),
        status=attrs.evolve(namespace.status, phase="Terminating"),
        metadata=attrs.evolve(namespace.metadata, labels={"changed": "yes"}))))
    assert response.ok
    stored = _namespace(state)
    assert stored.spec.finalizers == () and stored.status.phase == "Active"
    assert stored.metadata.labels == namespace.metadata.labels


@pytest.mark.parametrize(("finalizers", "message"), [
    (("other",), 'Namespace "test" is invalid: spec.finalizers[0]: Invalid value: "other": name is neither a '
                 "standard finalizer name nor is it fully qualified"),
    (("kubernetes", "bad name"), 'Namespace "test" is invalid: spec.finalizers[1]: Invalid value: "bad name": '
                                 "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                                 "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                                 "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?"
                                 "[A-Za-z0-9]')"),
])
def test_finalize_validates_finalizer_names(finalizers: tuple[str, ...], message: str) -> None:
    response = _finalize(_start(), finalizers)
    assert (response.code, response.message) == (422, message)


def test_finalize_preconditions_authorization_and_absence() -> None:
    state = _start()
    assert _finalize(state, (), resource_version="1").reason == "Conflict"
    assert _finalize(state, (), uid="uid-other").reason == "Conflict"
    response = _finalize(state, (), who=user("mallory"))
    assert response.code == 403 and 'cannot update resource "namespaces/finalize"' in response.message
    ghost = Namespace.from_dict({"metadata": {"name": "ghost"}})
    assert _send(state, rq.Finalize(ADMIN, ghost))[1].code == 404


def test_a_terminating_namespace_finalized_is_removed() -> None:
    """ShouldDeleteNamespaceDuringUpdate: the finalize that leaves no finalizer removes a terminating namespace."""
    state = _delete_namespace(_start())
    namespace = _namespace(state)
    state, response = _send(state, rq.Finalize(ADMIN, attrs.evolve(namespace, spec=attrs.evolve(
        namespace.spec, finalizers=()))))
    assert response.ok and _namespace(state) is None


def test_discovery_reports_modelled_built_in_and_custom_kinds() -> None:
    state = _start(_opaque("Widget", "w", api_version="example.com/v1"),
                   from_dict({"apiVersion": "example.com/v1", "kind": "ClusterGadget", "metadata": {"name": "g"}}))
    _, response = _send(state, rq.Discover(user("anyone")))
    kinds = dict(response.object)
    assert response.ok and response.object == served_kinds(state.store)
    assert kinds["Pod"] is True and kinds["Node"] is False and kinds["ConfigMap"] is True
    assert kinds["StorageClass"] is False and kinds["Widget"] is True and "ClusterGadget" in kinds
    assert [k for k, _ in response.object] == sorted(kinds)


# --- namespaces as build() stores them ---------------------------------------------------------------------------


def test_build_stores_namespaces_as_the_api_server_creates_them() -> None:
    """PrepareForCreate: the ``kubernetes`` finalizer and phase Active, for the implicit namespaces and those of
    manifests; a namespace from a live snapshot keeps what its cluster recorded."""
    snapshot = from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "old", "uid": "u-1"},
                          "status": {"phase": "Terminating"}})
    manifest = from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "new"},
                          "spec": {"finalizers": ["example.com/x"]}, "status": {"phase": "Terminating"}})
    state = build([*EXAMPLE, snapshot, manifest])
    for name in ("default", "kube-system", "kube-public", "kube-node-lease", "dev", "test", "prod"):
        namespace = _namespace(state, name)
        assert (namespace.spec.finalizers, namespace.status.phase) == (("kubernetes",), "Active")
    assert _namespace(state, "new").spec.finalizers == ("example.com/x", "kubernetes")
    assert _namespace(state, "new").status.phase == "Active"
    old = _namespace(state, "old")
    assert (old.spec.finalizers, old.status.phase, old.metadata.uid) == ((), "Terminating", "u-1")


# --- property ----------------------------------------------------------------------------------------------------


CONTENT = st.lists(st.sampled_from(["bound-pod", "pod", "configmap", "widget", "owned-configmap", "service"]),
                   max_size=5)


@settings(max_examples=15, deadline=None)
@given(CONTENT)
def test_any_namespace_content_is_deleted_before_the_namespace(content: list[str]) -> None:
    """Whatever the namespace holds: the namespace is removed, only after all of it."""
    objects = []
    for i, what in enumerate(content):
        name = f"{what}-{i}"
        if what == "bound-pod":
            objects.append(_pod(name, node="worker-2", grace=i))
        elif what == "pod":
            objects.append(_pod(name))
        elif what == "configmap":
            objects.append(_opaque("ConfigMap", name))
        elif what == "widget":
            objects.append(_opaque("Widget", name, api_version="example.com/v1"))
        elif what == "owned-configmap":
            objects.append(_opaque("ConfigMap", name, ownerReferences=[
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "gone", "uid": "uid-gone"}]))
        else:
            objects.append(from_dict({"apiVersion": "v1", "kind": "Service",
                                      "metadata": {"name": name, "namespace": "test"},
                                      "spec": {"type": "NodePort", "ports": [{"port": 80}]}}))
    state = _delete_namespace(_start(*objects))

    def never_removed_with_content(s: ClusterState) -> None:
        if _namespace(s) is None:
            assert _content(s) == []

    state = _run(state, lambda s: _namespace(s) is None, never_removed_with_content)
    assert _content(state) == []
