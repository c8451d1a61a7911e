"""The garbage collector (model.controllers.garbage_collector): cascading deletion in the three propagation modes,
dangling owner references, the dependency graph and the absent owner cache.

Ported from kubernetes/kubernetes ``pkg/controller/garbagecollector/garbagecollector_test.go``
(TestAttemptToDeleteItem, TestAbsentOwnerCache, TestDeleteOwnerRefPatch, TestUnblockOwnerReference,
TestOrphanDependentsFailure, the dependent-deletion cases of TestConflictingData: a dependent whose owner's uid
does not match, a cluster-scoped dependent naming a namespaced owner) and ``graph_builder_test.go``
(referencesDiffs), with the cascading-deletion cases of ``test/integration/garbagecollector/
garbage_collector_test.go`` (TestCascadingDeletion, TestCreateWithNonExistentOwner, TestOrphaning,
TestBlockingOwnerRefDoesBlock, TestNonBlockingOwnerRefDoesNotBlock). Upstream's unit tests drive
``attemptToDeleteItem`` against a fake API server; here the model's API server answers, and the collector's
informer observes the events it caused.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.config import ModelConfig
from model.controllers import base
from model.controllers import garbage_collector as gc
from model.controllers.base import CONTROLLER_MANAGER
from model.frozendict import FrozenDict
from model.manifests import from_dict
from model.objects import OwnerReference
from model.state import ClusterState, behind
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent

GC = gc.NAME


# --- objects and driving ---------------------------------------------------------------------------------------


def _ref(owner: Any, block: bool | None = True, controller: bool | None = None) -> dict:
    ref = {"apiVersion": owner.API_VERSION if hasattr(owner, "API_VERSION") else owner.api_version,
           "kind": owner.kind, "name": owner.name, "uid": owner.metadata.uid}
    if block is not None:
        ref["blockOwnerDeletion"] = block
    if controller is not None:
        ref["controller"] = controller
    return ref


def _config_map(name: str, owners: list[dict] | None = None, namespace: str = "default", **meta: Any) -> Any:
    return from_dict({"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": name, "namespace": namespace, "ownerReferences": owners or [], **meta}})


def _replica_set(name: str = "rs") -> Any:
    return from_dict({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, "namespace": "default"},
                      "spec": {"replicas": 0, "selector": {"matchLabels": {"app": name}},
                               "template": {"metadata": {"labels": {"app": name}},
                                            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})


def _pod(name: str, owners: list[dict] | None = None, node: str | None = None) -> Any:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return from_dict({"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": name, "namespace": "default", "ownerReferences": owners or []},
                      "spec": spec})


def _empty() -> ClusterState:
    """A cluster with no nodes: bootstrap RBAC, the four default namespaces, every controller started."""
    return cluster.initial_state([])


def _create(state: ClusterState, obj: Any) -> tuple[ClusterState, Any]:
    step = cluster.step(state, Submit(rq.Create(ADMIN, obj)))
    assert step.responses[0].ok, step.responses[0]
    return step.state, step.responses[0].object


def _send(state: ClusterState, request: Any) -> ClusterState:
    step = cluster.step(state, Submit(request))
    assert step.responses[0].ok, step.responses[0]
    return step.state


def _delete(state: ClusterState, obj: Any, policy: str | None = None, grace: int | None = None) -> ClusterState:
    return _send(state, rq.Delete(ADMIN, obj.kind, obj.namespace, obj.name, propagation_policy=policy,
                                  grace_period_seconds=grace))


def _deliver(state: ClusterState) -> ClusterState:
    while behind(state, GC):
        state = cluster.apply(state, DeliverWatchEvent(GC))
    return state


def _settle(state: ClusterState, check: Any = None, limit: int = 500) -> ClusterState:
    """Run the collector (its informer and its syncs) until it has nothing left to do now; ``check`` is called on
    every state on the way."""
    for _ in range(limit):
        if check is not None:
            check(state)
        actions = [a for a in cluster.enabled(state)
                   if (isinstance(a, DeliverWatchEvent) and a.component in (GC, CONTROLLER_MANAGER))
                   or (isinstance(a, base.Reconcile) and a.controller == GC)]
        if not actions:
            return state
        state = cluster.apply(state, actions[0])
    raise AssertionError("the garbage collector did not settle")


def _sync(state: ClusterState, key: tuple) -> Any:
    return cluster.step(state, base.Reconcile(GC, key))


def _stored(state: ClusterState, obj: Any) -> Any:
    return state.store.get(obj.kind, obj.namespace, obj.name)


def _conversation(result: base.Result, objects: dict[tuple[str, str | None, str], Any]) -> tuple[list, base.Result]:
    """Play a sync against a fake API server that knows ``objects`` (by kind, namespace, name) and accepts every
    write: the requests it sent, in order, and its final result (upstream's fake client and action log)."""
    sent: list[Any] = []
    memory = FrozenDict()
    while True:
        sent += result.requests
        answers = []
        for request in result.requests:
            if isinstance(request, rq.Get):
                found = objects.get((request.kind, request.namespace, request.name))
                answers.append(rq.ok(found) if found is not None else rq.not_found(request.kind, request.name))
            else:
                answers.append(rq.ok(None))
        if result.then is None:
            return sent, result
        result = result.then(memory, tuple(answers))


def _context(key: tuple, *cached: Any, memory: FrozenDict | None = None) -> base.Context:
    """What a sync of ``key`` sees with ``cached`` in the collector's informer cache."""
    cache = Objects()
    for obj in cached:
        cache = cache.put(obj)
    return base.Context(cache, key, 0, memory or FrozenDict(), ModelConfig())


def _with_uid(obj: Any, uid: str) -> Any:
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, uid=uid))


# --- background ------------------------------------------------------------------------------------------------


def test_background_deletion_collects_the_dependents_once_the_owner_is_gone() -> None:
    """TestCascadingDeletion: the owner goes at once; its dependents follow, a dependent with another, existing
    owner loses only the reference to the deleted one."""
    state, owner = _create(_empty(), _replica_set())
    state, other = _create(state, _config_map("other"))
    state, pod = _create(state, _pod("p1", [_ref(owner, controller=True)]))
    state, shared = _create(state, _config_map("shared", [_ref(owner), _ref(other, block=False)]))
    state = _settle(state)
    state = _delete(state, owner, "Background")
    assert _stored(state, owner) is None and _stored(state, pod) is not None
    state = _settle(state)
    assert _stored(state, pod) is None
    kept = _stored(state, shared)
    assert [r.uid for r in kept.metadata.owner_references] == [other.metadata.uid]
    # The deleted owner had dependents when it went: it is remembered as absent.
    cache = gc.absent_owners(state.informer(GC).memory)
    assert gc.Identity.of(owner) in cache.identities


def test_attempt_to_delete_item() -> None:
    """TestAttemptToDeleteItem: a pod whose ReplicationController owner a live GET does not find is deleted, with
    propagationPolicy Background and the pod's uid as the precondition."""
    owner = {"apiVersion": "v1", "kind": "ReplicationController", "name": "owner1", "uid": "123"}
    pod = _with_uid(_pod("ToBeDeletedPod", [owner]), "456")
    sent, result = _conversation(gc.sync(_context((gc.ATTEMPT_TO_DELETE, "456"), pod)),
                                 {("Pod", "default", "ToBeDeletedPod"): pod})
    assert sent == [rq.Get(gc.USER, "Pod", "default", "ToBeDeletedPod"),
                    rq.Get(gc.USER, "ReplicationController", "default", "owner1"),
                    rq.Delete(gc.USER, "Pod", "default", "ToBeDeletedPod", propagation_policy="Background",
                              precondition_uid="456")]
    assert result.failed is False


def test_an_owner_read_live_with_another_uid_is_dangling() -> None:
    """isDangling: the owner's name now belongs to another object (another uid): the reference dangles."""
    owner = {"apiVersion": "v1", "kind": "ReplicationController", "name": "owner1", "uid": "123"}
    pod = _with_uid(_pod("p", [owner]), "456")
    successor = _with_uid(from_dict({"apiVersion": "v1", "kind": "ReplicationController",
                                     "metadata": {"name": "owner1", "namespace": "default"},
                                     "spec": {"selector": {"a": "b"}, "template": {
                                         "metadata": {"labels": {"a": "b"}},
                                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}), "789")
    live = {("Pod", "default", "p"): pod, ("ReplicationController", "default", "owner1"): successor}
    sent, result = _conversation(gc.sync(_context((gc.ATTEMPT_TO_DELETE, "456"), pod, successor)), live)
    assert sent[-1] == rq.Delete(gc.USER, "Pod", "default", "p", propagation_policy="Background",
                                 precondition_uid="456")
    assert gc.Identity("v1", "ReplicationController", "owner1", "123", "default") in \
        gc.absent_owners(result.memory).identities


def test_a_virtual_owner_confirmed_absent_leads_to_its_dependents() -> None:
    """attemptToDeleteItem on a virtual node: NotFound is the virtual delete event, which queues the dependents
    (here processed in the same sync); the absent owner is remembered."""
    owner = {"apiVersion": "v1", "kind": "ReplicationController", "name": "owner1", "uid": "123"}
    pod = _with_uid(_pod("ToBeDeletedPod", [owner]), "456")
    sent, result = _conversation(gc.sync(_context((gc.ATTEMPT_TO_DELETE, "123"), pod)),
                                 {("Pod", "default", "ToBeDeletedPod"): pod})
    assert sent == [rq.Get(gc.USER, "ReplicationController", "default", "owner1"),
                    rq.Get(gc.USER, "Pod", "default", "ToBeDeletedPod"),
                    rq.Delete(gc.USER, "Pod", "default", "ToBeDeletedPod", propagation_policy="Background",
                              precondition_uid="456")]
    assert gc.absent_owners(result.memory).identities == (
        gc.Identity("v1", "ReplicationController", "owner1", "123", "default"),)


def test_the_collector_honours_the_dependents_own_finalizers_when_collecting_it() -> None:
    """attemptToDeleteItem's default case: an existing ``orphan`` finalizer makes the dependent's own deletion
    orphan its dependents."""
    state, owner = _create(_empty(), _config_map("owner"))
    state, middle = _create(state, _config_map("middle", [_ref(owner)], finalizers=["orphan"]))
    state, leaf = _create(state, _config_map("leaf", [_ref(middle)]))
    state = _settle(state)
    state = _settle(_delete(state, owner))
    assert _stored(state, middle) is None
    assert _stored(state, leaf).metadata.owner_references == ()


# --- foreground ------------------------------------------------------------------------------------------------


def _foreground_case() -> tuple[ClusterState, Any, list[Any], Any]:
    """A ReplicaSet owning two bound pods (blocking, deleted gracefully) and a ConfigMap that does not block."""
    state, owner = _create(_empty(), _replica_set())
    pods = []
    for name in ("p1", "p2"):
        state, pod = _create(state, _pod(name, [_ref(owner, controller=True)], node="n1"))
        pods.append(pod)
    state, loose = _create(state, _config_map("loose", [_ref(owner, block=False)]))
    return _settle(state), owner, pods, loose


def test_foreground_deletion_waits_for_blocking_dependents() -> None:
    """TestBlockingOwnerRefDoesBlock / TestNonBlockingOwnerRefDoesNotBlock: the owner keeps its
    ``foregroundDeletion`` finalizer while a dependent with ``blockOwnerDeletion`` exists (here: pods terminating
    gracefully on a node), and goes once the last of them is gone; a non-blocking dependent is deleted but does not
    hold the owner."""
    state, owner, pods, loose = _foreground_case()

    def owner_outlives_blocking_dependents(s: ClusterState) -> None:
        if _stored(s, owner) is None:
            assert all(_stored(s, p) is None for p in pods)

    state = _delete(state, owner, "Foreground")
    terminating = _stored(state, owner)
    assert terminating.metadata.finalizers == ("foregroundDeletion",)
    assert terminating.metadata.deletion_timestamp is not None
    state = _settle(state, owner_outlives_blocking_dependents)
    assert _stored(state, loose) is None
    assert all(_stored(state, p).metadata.deletion_timestamp is not None for p in pods)
    assert _stored(state, owner) is not None
    state = _settle(_delete(state, pods[0], grace=0), owner_outlives_blocking_dependents)
    assert _stored(state, owner) is not None
    state = _settle(_delete(state, pods[1], grace=0), owner_outlives_blocking_dependents)
    assert _stored(state, owner) is None


def test_a_blocking_reference_removed_releases_the_owner() -> None:
    """addUnblockedOwnersToDeleteQueue: a dependent that stops blocking (its reference turned non-blocking) lets
    the waiting owner go."""
    state, owner, pods, _ = _foreground_case()
    state = _settle(_delete(state, owner, "Foreground"))
    for pod in pods:
        ref = OwnerReference.from_dict(_ref(owner, block=False, controller=True))
        state = _send(state, rq.PatchOwnerReferences(ADMIN, "Pod", "default", pod.name, add=(ref,)))
    state = _settle(state)
    assert _stored(state, owner) is None
    assert all(_stored(state, p) is not None for p in pods)  # still terminating on their node


def test_a_dependent_of_a_foreground_owner_with_dependents_of_its_own_is_deleted_in_foreground() -> None:
    """attemptToDeleteItem: an owner waiting for its dependents, and the item has dependents: the item is deleted
    with Foreground propagation, so the cascade proceeds depth first."""
    state, top = _create(_empty(), _config_map("top"))
    state, middle = _create(state, _config_map("middle", [_ref(top)]))
    state, leaf = _create(state, _pod("leaf", [_ref(middle)], node="n1"))
    state = _settle(_delete(state, top, "Foreground"))
    assert _stored(state, middle).metadata.finalizers == ("foregroundDeletion",)
    assert _stored(state, top) is not None and _stored(state, leaf).metadata.deletion_timestamp is not None
    state = _settle(_delete(state, leaf, grace=0))
    assert _stored(state, middle) is None and _stored(state, top) is None


def test_a_cycle_of_foreground_deletions_is_unblocked() -> None:
    """TestUnblockOwnerReference and attemptToDeleteItem's cycle guard: an item whose owner waits for its
    dependents, and one of whose own dependents also deletes in Foreground, first turns its blocking references
    non-blocking (a reference that did not block stays as it was), then is deleted in Foreground."""
    state, owner = _create(_empty(), _config_map("owner"))
    vanished = {"apiVersion": "v1", "kind": "ConfigMap", "name": "x", "uid": "uid-x"}
    state, item = _create(state, _config_map("item", [_ref(owner), vanished]))
    state, child = _create(state, _config_map("child", [_ref(item)]))
    state, _ = _create(state, _pod("grandchild", [_ref(child)], node="n1"))
    state = _delete(state, child, "Foreground")
    state = _deliver(_delete(state, owner, "Foreground"))
    step = _sync(state, (gc.ATTEMPT_TO_DELETE, item.metadata.uid))
    patched = _stored(step.state, item)
    assert [r.block_owner_deletion for r in patched.metadata.owner_references] == [False, None]
    assert patched.metadata.finalizers == ("foregroundDeletion",)


# --- orphan ----------------------------------------------------------------------------------------------------


def test_orphan_deletion_keeps_the_dependents_without_the_reference() -> None:
    """TestOrphaning / TestDeleteOwnerRefPatch: the dependents lose the reference to the owner (and keep the
    others), then the owner's ``orphan`` finalizer goes and the owner with it."""
    state, owner = _create(_empty(), _replica_set())
    state, other = _create(state, _config_map("other"))
    state, pod = _create(state, _pod("p1", [_ref(owner, controller=True), _ref(other)]))
    state, config = _create(state, _config_map("c1", [_ref(owner)]))
    state = _settle(state)
    state = _delete(state, owner, "Orphan")
    assert _stored(state, owner).metadata.finalizers == ("orphan",)
    state = _settle(state)
    assert _stored(state, owner) is None
    assert [r.uid for r in _stored(state, pod).metadata.owner_references] == [other.metadata.uid]
    assert _stored(state, config).metadata.owner_references == ()


def test_orphaning_a_dependent_that_is_gone_is_not_an_error() -> None:
    """orphanDependents ignores NotFound (TestOrphanDependentsFailure: any other failure requeues the owner)."""
    state, owner = _create(_empty(), _config_map("owner"))
    state, dependent = _create(state, _config_map("dependent", [_ref(owner)]))
    state = _deliver(_delete(_settle(state), owner, "Orphan"))
    state = _delete(state, dependent)  # the collector has not observed this yet
    step = _sync(state, (gc.ATTEMPT_TO_ORPHAN, owner.metadata.uid))
    assert step.responses[0].code == 404
    assert _stored(step.state, owner) is None
    assert (gc.ATTEMPT_TO_ORPHAN, owner.metadata.uid) not in step.state.informer(GC).queue


# --- dangling references ---------------------------------------------------------------------------------------


def test_an_object_whose_only_owner_never_existed_is_collected_at_start() -> None:
    """TestCreateWithNonExistentOwner: the owner is a virtual node, confirmed absent by a live GET; its dependents
    are deleted. A dependent with another, existing owner only loses the dangling reference."""
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "uid-ghost"}
    state, real = _create(_empty(), _config_map("real"))
    state, orphaned = _create(state, _config_map("orphaned", [ghost]))
    state, kept = _create(state, _config_map("kept", [ghost, _ref(real)]))
    state = _settle(state)
    assert _stored(state, orphaned) is None
    assert [r.uid for r in _stored(state, kept).metadata.owner_references] == [real.metadata.uid]
    cache = gc.absent_owners(state.informer(GC).memory)
    assert gc.Identity("v1", "ConfigMap", "ghost", "uid-ghost", "default") in cache.identities


def test_an_owner_with_the_same_name_but_another_uid_is_absent() -> None:
    """isDangling: the live owner's uid must match the reference (TestConflictingData, "child -> owner with
    mismatched uid")."""
    state, owner = _create(_empty(), _config_map("owner"))
    stale = _ref(owner) | {"uid": "uid-stale"}
    state, dependent = _create(state, _config_map("dependent", [stale]))
    state = _settle(state)
    assert _stored(state, dependent) is None and _stored(state, owner) is not None


def test_a_cluster_scoped_dependent_of_a_namespaced_owner_is_left_alone() -> None:
    """namespacedOwnerOfClusterScopedObjectErr: a cluster-scoped object cannot name a namespaced owner; the item is
    forgotten, not deleted (TestConflictingData, "bad cluster-scoped child -> namespaced owner")."""
    state, owner = _create(_empty(), _config_map("owner"))
    node = from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1",
                                                                       "ownerReferences": [_ref(owner)]}})
    state, _ = _create(state, node)
    state = _settle(state)
    assert state.store.get("Node", None, "n1") is not None
    assert not state.informer(GC).queue


def test_a_virtual_owner_that_exists_is_looked_at_again() -> None:
    """attemptToDeleteWorker: a virtual node whose object a live GET finds (the collector has not observed it yet)
    is processed like any item, then requeued with back-off until it is observed."""
    owner = _with_uid(_config_map("owner"), "123")
    dependent = _with_uid(_config_map("dependent", [_ref(owner)]), "456")
    sent, result = _conversation(gc.sync(_context((gc.ATTEMPT_TO_DELETE, "123"), dependent)),
                                 {("ConfigMap", "default", "owner"): owner})
    assert sent == [rq.Get(gc.USER, "ConfigMap", "default", "owner")]
    assert result.failed is True
    sent, result = _conversation(gc.sync(_context((gc.ATTEMPT_TO_DELETE, "123"), owner, dependent)),
                                 {("ConfigMap", "default", "owner"): owner})
    assert result.failed is False


# --- the absent owner cache ------------------------------------------------------------------------------------


def test_absent_owner_cache_is_a_least_recently_used_cache() -> None:
    """TestAbsentOwnerCache with a cache of two: rc1 and rc2 added, rc1 used again, rc3 added: rc2 is evicted."""
    rc = [gc.Identity("v1", "ReplicationController", f"rc{i}", str(i), "ns1") for i in (1, 2, 3)]
    cache = gc.AbsentOwnerCache(size=2).add(rc[0]).add(rc[1])
    hit, cache = cache.has(rc[0])
    assert hit
    cache = cache.add(rc[2])
    assert cache.has(rc[0])[0] and not cache.has(rc[1])[0] and cache.has(rc[2])[0]
    assert cache.has(rc[1])[1] == cache


def test_an_owner_known_absent_is_not_read_again() -> None:
    """TestAbsentOwnerCache: once rc1 is known absent, collecting its second pod needs no GET of rc1."""
    ghost = {"apiVersion": "v1", "kind": "ReplicationController", "name": "rc1", "uid": "1"}
    first = _with_uid(_pod("rc1pod1", [ghost | {"controller": True}]), "11")
    second = _with_uid(_pod("rc1pod2", [ghost | {"controller": False}]), "12")
    live = {("Pod", "default", p.name): p for p in (first, second)}
    sent, result = _conversation(gc.sync(_context((gc.ATTEMPT_TO_DELETE, "11"), first, second)), live)
    assert rq.Get(gc.USER, "ReplicationController", "default", "rc1") in sent
    sent, _ = _conversation(gc.sync(_context((gc.ATTEMPT_TO_DELETE, "12"), first, second, memory=result.memory)),
                            live)
    assert [type(r).__name__ for r in sent] == ["Get", "Delete"]


# --- the graph builder -----------------------------------------------------------------------------------------


def _refs(*specs: tuple[str, bool | None]) -> list[OwnerReference]:
    return [OwnerReference(api_version="v1", kind="ConfigMap", name=uid, uid=uid, block_owner_deletion=block)
            for uid, block in specs]


def test_references_diffs() -> None:
    """graph_builder.go referencesDiffs: by uid, added, removed, and changed (same uid, another value)."""
    old = _refs(("1", True), ("2", None), ("3", None))
    new = _refs(("1", False), ("3", None), ("4", None))
    added, removed, changed = gc.references_diffs(old, new)
    assert [r.uid for r in added] == ["4"]
    assert [r.uid for r in removed] == ["2"]
    assert [(a.block_owner_deletion, b.block_owner_deletion) for a, b in changed] == [(True, False)]


def test_what_an_event_queues() -> None:
    """processGraphChanges: a new dependent of an unobserved owner queues the (virtual) owner; a blocking
    reference removed queues its owner; deletion starting with ``orphan`` queues attemptToOrphan; a deletion
    queues the dependents."""
    state, owner = _create(_empty(), _config_map("owner"))
    state, dependent = _create(state, _config_map("dependent", [_ref(owner)]))
    cache = _deliver(state).informer(GC).cache
    uid, dep_uid = owner.metadata.uid, dependent.metadata.uid
    ghost = _config_map("ghost-child", [{"apiVersion": "v1", "kind": "ConfigMap", "name": "g", "uid": "uid-g"}])
    ghost = attrs.evolve(ghost, metadata=attrs.evolve(ghost.metadata, uid="uid-child"))
    assert gc.enqueue(WatchEvent(ADDED, ghost, 1), None, cache) == ((gc.ATTEMPT_TO_DELETE, "uid-g"),)
    assert gc.enqueue(WatchEvent(ADDED, dependent, 1), None, cache) == ()
    released = attrs.evolve(dependent, metadata=attrs.evolve(dependent.metadata, owner_references=()))
    assert gc.enqueue(WatchEvent(MODIFIED, released, 1), dependent, cache) == ((gc.ATTEMPT_TO_DELETE, uid),)
    orphaning = attrs.evolve(owner, metadata=attrs.evolve(owner.metadata, deletion_timestamp=0,
                                                          finalizers=("orphan",)))
    assert gc.enqueue(WatchEvent(MODIFIED, orphaning, 1), owner, cache) == ((gc.ATTEMPT_TO_ORPHAN, uid),)
    assert gc.enqueue(WatchEvent(MODIFIED, orphaning, 1), orphaning, cache) == ()
    assert gc.enqueue(WatchEvent(DELETED, owner, 1), owner, cache) == ((gc.ATTEMPT_TO_DELETE, dep_uid),)


def test_the_dependency_graph_has_virtual_nodes_for_absent_owners() -> None:
    state, owner = _create(_empty(), _config_map("owner"))
    state, dependent = _create(state, _config_map("dependent", [
        _ref(owner), {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "gone", "uid": "uid-gone"}]))
    graph = gc.dependency_graph(_deliver(state).informer(GC).cache)
    assert graph.nodes[owner.metadata.uid]["object"] == _stored(state, owner)
    assert graph.nodes["uid-gone"]["object"] is None
    assert graph.nodes["uid-gone"]["identity"] == gc.Identity("apps/v1", "ReplicaSet", "gone", "uid-gone", "default")
    assert set(graph.predecessors(dependent.metadata.uid)) == {owner.metadata.uid, "uid-gone"}


# --- properties ------------------------------------------------------------------------------------------------


FORESTS = st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=6)
"""Object i's owner: an earlier object (index taken modulo i; object 0 and any i < 1 own nothing) and whether the
reference blocks."""


@settings(max_examples=25, deadline=None)
@given(FORESTS, st.integers(0, 5), st.sampled_from([None, "Background", "Foreground", "Orphan"]))
def test_cascading_deletion_leaves_no_dependent_of_a_deleted_owner(forest: list[tuple[int, bool]], victim: int,
                                                                     policy: str | None) -> None:
    """Whatever the ownership forest and the propagation policy: once the collector settles, the deleted object
    is gone, no surviving object references it, and (except with Orphan) none of its descendants survives; an
    object deleted in Foreground is never gone while a blocking dependent still exists."""
    state, objects = _empty(), []
    for i, (parent, block) in enumerate(forest):
        owners = [_ref(objects[parent % i], block=block)] if i else []
        state, obj = _create(state, _config_map(f"c{i}", owners))
        objects.append(obj)
    state = _settle(state)
    victim_obj = objects[victim % len(objects)]
    descendants = {victim_obj.metadata.uid}
    for obj in objects:
        if any(r.uid in descendants for r in obj.metadata.owner_references):
            descendants.add(obj.metadata.uid)

    def blocked_owners_wait(s: ClusterState) -> None:
        if policy == "Foreground" and _stored(s, victim_obj) is None:
            assert not [o for o in s.store.list("ConfigMap", "default") for r in o.metadata.owner_references
                        if r.uid == victim_obj.metadata.uid and r.block_owner_deletion]

    state = _settle(_delete(state, victim_obj, policy), blocked_owners_wait)
    surviving = state.store.list("ConfigMap", "default")
    assert _stored(state, victim_obj) is None
    assert all(r.uid != victim_obj.metadata.uid for o in surviving for r in o.metadata.owner_references)
    survivors = {o.metadata.uid for o in surviving}
    if policy == "Orphan":
        assert survivors == {o.metadata.uid for o in objects} - {victim_obj.metadata.uid}
    else:
        assert not survivors & descendants
        assert survivors == {o.metadata.uid for o in objects} - descendants
    assert not state.informer(GC).queue


@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
def test_a_lagging_collector_converges_to_the_same_outcome(policy: str) -> None:
    """The owner is deleted before the collector observed its dependents: it catches up and collects them all the
    same (or orphans them)."""
    state, owner = _create(_empty(), _replica_set())
    dependents = []
    for name in ("a", "b"):
        state, dep = _create(state, _config_map(name, [_ref(owner)]))
        dependents.append(dep)
    state = _settle(_delete(state, owner, policy))
    assert _stored(state, owner) is None
    if policy == "Orphan":
        assert all(_stored(state, d).metadata.owner_references == () for d in dependents)
    else:
        assert all(_stored(state, d) is None for d in dependents)
