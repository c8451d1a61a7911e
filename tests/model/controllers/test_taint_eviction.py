"""The taint eviction controller (``taint-eviction-controller``).

Cases ported from pkg/controller/tainteviction/taint_eviction_test.go are named after their upstream test:
TestFilterNoExecuteTaints, TestCreatePod, TestUpdatePod, TestCreateNode, TestUpdateNode,
TestUpdateNodeWithMultipleTaints, TestUpdateNodeWithMultiplePods, TestGetMinTolerationTime,
TestEventualConsistency. Upstream's ``testTaint<i>=test<i>:NoExecute`` taints and tolerations are built the same
way here; upstream's wall-clock waits are the model's logical clock.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.actions import DeliverWatchEvent
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, controller_identity
from model.config import ModelConfig
from model.controllers import base
from model.controllers import taint_eviction as te
from model.controllers.manager import BY_NAME
from model.frozendict import FrozenDict
from model.kubelet.component import CrashNode, HealPartition, PartitionNode
from model.objects import Node, Pod
from model.state import ClusterState, submit
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent
from model.taints import NO_EXECUTE, NO_SCHEDULE, Taint, Toleration, tolerated
from tests.model.controllers.test_node_lifecycle import (
    apply,
    cluster,
    create,
    get_node,
    node,
    pod,
    run,
    run_until,
    settle,
    taints,
)

ScheduledEviction = te.ScheduledEviction


def taint(i: int, time_added: int = 0) -> Taint:
    """createNoExecuteTaint(i)."""
    return Taint(key=f"testTaint{i}", value=f"test{i}", effect=NO_EXECUTE, time_added=time_added)


def toleration(i: int, seconds: int | None) -> dict[str, Any]:
    """addToleration(pod, i, duration): Equal testTaint<i>=test<i>:NoExecute, forever when duration < 0."""
    found: dict[str, Any] = {"key": f"testTaint{i}", "value": f"test{i}", "effect": NO_EXECUTE}
    if seconds is not None:
        found["tolerationSeconds"] = seconds
    return found


def bound(name: str = "pod1", node_name: str = "node1", *tolerations: dict[str, Any]) -> Pod:
    return pod(name, node_name, tolerations=list(tolerations))


def scheduled(pod_: Pod, taints_: tuple[Taint, ...], now: int = 100,
              existing: ScheduledEviction | None = None) -> ScheduledEviction | None:
    return te.schedule(existing, pod_, "node1", taints_, now)


def test_filter_no_execute_taints() -> None:
    """TestFilterNoExecuteTaints."""
    kept = te.no_execute_taints([Taint(key="one", value="one", effect=NO_EXECUTE),
                                 Taint(key="two", value="two", effect=NO_SCHEDULE)])
    assert [t.key for t in kept] == ["one"]


@pytest.mark.parametrize("seconds, expected", [
    # TestGetMinTolerationTime (None: -1, infinite).
    ([], 0), ([None], None), ([1, 2], 1), ([1, None], 1), ([None, 1], 1),
    ([0, 5], 0), ([-3, 5], 0),
])
def test_min_toleration_seconds(seconds: list[int | None], expected: int | None) -> None:
    tolerations = [Toleration(key="k", operator="Exists", effect=NO_EXECUTE, toleration_seconds=s) for s in seconds]
    assert te.min_toleration_seconds(tolerations) == expected


@pytest.mark.parametrize("description, pod_, taints_, expected", [
    # TestCreatePod.
    ("scheduled on untainted Node", bound(), (), None),
    ("schedule on tainted Node", bound(), (taint(1),), ScheduledEviction("node1", 100, 100)),
    ("schedule on tainted Node with finite toleration", bound("pod1", "node1", toleration(1, 100)), (taint(1),),
     ScheduledEviction("node1", 100, 200)),
    ("schedule on tainted Node with infinite toleration", bound("pod1", "node1", toleration(1, None)),
     (taint(1),), None),
    ("schedule on tainted Node with infinite invalid toleration", bound("pod1", "node1", toleration(2, None)),
     (taint(1),), ScheduledEviction("node1", 100, 100)),
    # TestUpdateNode.
    ("Only one added taint tolerated", bound("pod1", "node1", toleration(1, 100)), (taint(1), taint(2)),
     ScheduledEviction("node1", 100, 100)),
    ("Pod with multiple tolerations are evicted when first one runs out",
     bound("pod1", "node1", toleration(1, 1), toleration(2, 100)), (taint(1), taint(2)),
     ScheduledEviction("node1", 100, 101)),
])
def test_schedule(description: str, pod_: Pod, taints_: tuple[Taint, ...], expected: Any) -> None:
    assert scheduled(pod_, taints_) == expected, description


def test_update_pod_lengthening_toleration_shouldnt_work() -> None:
    """TestUpdatePod: "lengthening toleration shouldn't work": work created earlier keeps its time (shortening
    does not work either); only work created at this very instant is replaced."""
    first = scheduled(bound("pod1", "node1", toleration(1, 1)), (taint(1),), now=100)
    assert first == ScheduledEviction("node1", 100, 101)
    longer = bound("pod1", "node1", toleration(1, 100))
    assert scheduled(longer, (taint(1),), now=101, existing=first) == first
    assert scheduled(longer, (taint(1),), now=100, existing=first) == ScheduledEviction("node1", 100, 200)
    shorter = ScheduledEviction("node1", 100, 200)
    assert scheduled(bound("pod1", "node1", toleration(1, 1)), (taint(1),), now=150, existing=shorter) == shorter


def test_update_pod_removing_toleration_evicts_at_once() -> None:
    """TestUpdatePod: "removing toleration"."""
    first = scheduled(bound("pod1", "node1", toleration(1, 100)), (taint(1),), now=100)
    assert scheduled(bound(), (taint(1),), now=150, existing=first) == ScheduledEviction("node1", 150, 150)


def test_a_finished_eviction_is_not_scheduled_again() -> None:
    """TimedWorkerQueue keeps a finished worker so the same work is not added again."""
    done = ScheduledEviction("node1", 100, None)
    assert scheduled(bound("pod1", "node1", toleration(1, 5)), (taint(1),), now=200, existing=done) == done
    assert scheduled(bound(), (taint(1),), now=200, existing=done) == done
    assert scheduled(bound(), (), now=200, existing=done) is None


def test_update_node_with_multiple_taints() -> None:
    """TestUpdateNodeWithMultipleTaints: no taint -> infinitely tolerated -> also a 60 s toleration ->
    infinitely tolerated again: the pod is queued only in the third step, and never deleted."""
    minute = bound("pod1", "node1", {"key": "testTaint1", "operator": "Exists", "effect": NO_EXECUTE},
                   {"key": "testTaint2", "operator": "Exists", "effect": NO_EXECUTE, "tolerationSeconds": 60})
    work = scheduled(minute, (), now=0)
    assert work is None
    work = scheduled(minute, (taint(1),), now=1, existing=work)
    assert work is None
    work = scheduled(minute, (taint(1), taint(2)), now=2, existing=work)
    assert work == ScheduledEviction("node1", 2, 62)
    assert scheduled(minute, (taint(1),), now=3, existing=work) is None


_taints = st.lists(st.builds(Taint, key=st.sampled_from(["a", "b", "c"]), value=st.sampled_from(["", "x"]),
                             effect=st.just(NO_EXECUTE)), max_size=3)
_tolerations = st.lists(st.builds(
    Toleration, key=st.sampled_from(["", "a", "b"]), operator=st.sampled_from(["Exists", "Equal"]),
    value=st.sampled_from(["", "x"]), effect=st.sampled_from(["", NO_EXECUTE]),
    toleration_seconds=st.one_of(st.none(), st.integers(-5, 600))).filter(
        lambda t: (t.key or t.operator == "Exists") and not (t.operator == "Exists" and t.value)), max_size=3)


@settings(max_examples=100)
@given(_taints, _tolerations, st.integers(0, 1000))
def test_schedule_agrees_with_toleration_semantics(taints_: list[Taint], tolerations: list[Toleration],
                                                   now: int) -> None:
    """processPodOnNode against model.taints: an untolerated taint evicts at once; otherwise the pod may stay
    for the smallest tolerationSeconds (<= 0: none) among the first toleration matching each taint, forever
    when none of those sets one."""
    subject = attrs.evolve(bound(), spec=attrs.evolve(bound().spec, tolerations=tuple(tolerations)))
    work = te.schedule(None, subject, "node1", tuple(taints_), now)
    if not taints_:
        assert work is None
    elif not all(tolerated(t, tolerations) for t in taints_):
        assert work == ScheduledEviction("node1", now, now)
    else:
        first = [next(x for x in tolerations if x.tolerates(t)) for t in taints_]
        limits = [x.toleration_seconds for x in first if x.toleration_seconds is not None]
        assert work == (None if not limits else ScheduledEviction("node1", now, now + max(0, min(limits))))


def test_reconcile_fires_what_is_due_and_asks_to_run_again_for_the_rest() -> None:
    """TestUpdateNodeWithMultiplePods: "Pods with different toleration times are evicted appropriately"."""
    tainted = Node.from_dict({"metadata": {"name": "node1"}, "spec": {"taints": [taint(1).to_dict()]}})
    pods = [bound("pod1"), bound("pod2", "node1", toleration(1, 1)), bound("pod3", "node1", toleration(1, None))]
    cache = Objects().put(tainted)
    for p in pods:
        cache = cache.put(p)
    result = te.reconcile(base.Context(cache, ("node1",), 10, FrozenDict(), ModelConfig()))
    assert dict(result.memory) == {("default", "pod1"): ScheduledEviction("node1", 10, None),
                                   ("default", "pod2"): ScheduledEviction("node1", 10, 11)}
    (get,) = result.requests
    assert get == rq.Get(te.IDENTITY, "Pod", "default", "pod1")
    later = te.reconcile(base.Context(cache, ("node1",), 11, result.memory, ModelConfig()))
    assert later.requests == (rq.Get(te.IDENTITY, "Pod", "default", "pod2"),)
    assert later.memory[("default", "pod2")] == ScheduledEviction("node1", 10, None)
    gone = te.reconcile(base.Context(Objects().put(tainted), ("node1",), 12, later.memory, ModelConfig()))
    assert dict(gone.memory) == {}


def test_evict_sets_the_disruption_target_condition_then_deletes() -> None:
    """addConditionAndDeletePod: the DisruptionTarget condition once, then an ordinary (graceful) DELETE, as the
    node-controller service account."""
    requests = te.evict(bound(), 7)
    assert [type(r) for r in requests] == [rq.UpdateStatus, rq.Delete]
    condition = requests[0].object.status.condition("DisruptionTarget")
    assert (condition.status, condition.reason, condition.message, condition.last_transition_time) == (
        "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint", 7)
    assert requests[1] == rq.Delete(controller_identity("node-controller"), "Pod", "default", "pod1")
    assert te.evict(requests[0].object, 9) == (requests[1],)


def test_enqueue_follows_no_execute_taints_tolerations_and_binding() -> None:
    """NodeUpdated ignores updates that keep the NoExecute taints; PodUpdated ignores those that keep the
    tolerations and the node."""
    cache = Objects()
    plain = Node.from_dict({"metadata": {"name": "node1"}})
    soft = Node.from_dict({"metadata": {"name": "node1"}, "spec": {"taints": [
        {"key": "k", "effect": NO_SCHEDULE}]}})
    hard = Node.from_dict({"metadata": {"name": "node1"}, "spec": {"taints": [taint(1).to_dict()]}})
    assert list(te.enqueue(WatchEvent(MODIFIED, soft, 2), plain, cache)) == []
    assert list(te.enqueue(WatchEvent(MODIFIED, hard, 2), soft, cache)) == [("node1",)]
    assert list(te.enqueue(WatchEvent(DELETED, hard, 2), hard, cache)) == [("node1",)]
    unbound = pod("p", "")
    assert list(te.enqueue(WatchEvent(ADDED, unbound, 2), None, cache)) == []
    assert list(te.enqueue(WatchEvent(MODIFIED, bound("p"), 2), unbound, cache)) == [("node1",)]
    assert list(te.enqueue(WatchEvent(MODIFIED, bound("p"), 2), bound("p"), cache)) == []
    assert list(te.enqueue(WatchEvent(DELETED, bound("p"), 2), bound("p"), cache)) == [("node1",)]


def test_a_pod_already_gone_is_skipped() -> None:
    """deletePodHandler GETs the pod first: one deleted since the cache saw it is skipped without failing the
    sync."""
    state = cluster(node("n1"), node("n2"), pod("bare", "n1"))
    tainted = get_node(state, "n1")
    tainted = attrs.evolve(tainted, spec=attrs.evolve(tainted.spec, taints=(taint(1),)))
    state = submit(state, rq.Update(ADMIN, tainted))[0]
    state = submit(state, rq.Delete(ADMIN, "Pod", "default", "bare", grace_period_seconds=0))[0]
    state = apply(state, DeliverWatchEvent(te.NAME))  # the taint, not yet the deletion
    assert state.informer(te.NAME).cache.get("Pod", "default", "bare") is not None
    step = base.reconcile(BY_NAME[te.NAME], state, ("n1",), ModelConfig())
    assert [r.code for r in step.responses] == [404]
    informer = step.state.informer(te.NAME)
    assert informer.memory[("default", "bare")].fire_at is None and ("n1",) not in informer.failures


def _answered(result: base.Result, answer: Any) -> tuple[base.Result, FrozenDict, list[rq.Request]]:
    """Run a sync's Result chain with ``answer(request)`` as the API server: the last Result, the memory it
    leaves and every request sent."""
    memory, sent = result.memory, []
    while result.then is not None:
        sent += result.requests
        result = result.then(memory, tuple(answer(r) for r in result.requests))
        memory = memory if result.memory is None else result.memory
    return result, memory, sent


def test_a_failed_attempt_is_retried_and_five_failures_drop_the_worker() -> None:
    """deletePodHandler retries addConditionAndDeletePod (``retries`` = 5), each attempt ending at its first
    error: one 500 is absorbed; when all five fail the TimedWorkerQueue drops the worker (the pod may be evicted
    again) and the sync fails."""
    tainted = Node.from_dict({"metadata": {"name": "node1"}, "spec": {"taints": [taint(1).to_dict()]}})
    cache = Objects().put(tainted).put(bound())
    error = rq.Response(500, "InternalError", "Internal error occurred: etcdserver: request timed out")
    failed_once = []

    def one_failed_delete(request: rq.Request) -> rq.Response:
        if isinstance(request, rq.Delete) and not failed_once:
            failed_once.append(request)
            return error
        return rq.ok(bound()) if isinstance(request, rq.Get) else rq.ok(None)

    sync = te.reconcile(base.Context(cache, ("node1",), 10, FrozenDict(), ModelConfig()))
    result, memory, sent = _answered(sync, one_failed_delete)
    assert [type(r) for r in sent] == [rq.Get, rq.UpdateStatus, rq.Delete] * 2
    assert result.failed is False and memory[("default", "pod1")] == ScheduledEviction("node1", 10, None)
    result, memory, sent = _answered(sync, lambda request: error)
    assert sent == [rq.Get(te.IDENTITY, "Pod", "default", "pod1")] * te.RETRIES
    assert result.failed is True and ("default", "pod1") not in memory


# --- the controller in the cluster -------------------------------------------------------------------


def evicting(state: ClusterState, name: str) -> bool:
    """The pod is Terminating."""
    found = state.store.get("Pod", "default", name)
    return found is not None and found.metadata.deletion_timestamp is not None


def evicted(state: ClusterState, name: str) -> bool:
    """The pod is Terminating or gone (a live kubelet finishes a deletion at once)."""
    return evicting(state, name) or state.store.get("Pod", "default", name) is None


def untouched(state: ClusterState, name: str) -> bool:
    found = state.store.get("Pod", "default", name)
    return found is not None and found.metadata.deletion_timestamp is None


def test_pods_on_an_unreachable_node_are_evicted_after_their_tolerations_run_out() -> None:
    """Taint-based eviction end to end: a pod with DefaultTolerationSeconds' 300 s tolerations is deleted 300 s
    after the unreachable taint; a pod without tolerations (stored before admission existed for it) at once;
    both stay Terminating, since the node cannot confirm."""
    state = create(cluster(node("n1"), node("n2"), pod("bare", "n1")), pod("web", "n1"))
    web = state.store.get("Pod", "default", "web")
    assert {(t.key, t.toleration_seconds) for t in web.spec.tolerations} == {
        ("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)}
    state = settle(apply(state, CrashNode("n1")))
    state = run_until(state, lambda s: taints(s, "n1", NO_EXECUTE))
    tainted_at = taints(state, "n1", NO_EXECUTE)["node.kubernetes.io/unreachable"]
    assert evicting(state, "bare") and not evicting(state, "web")
    bare = state.store.get("Pod", "default", "bare")
    assert bare.metadata.deletion_timestamp == tainted_at + 30
    assert bare.status.condition("DisruptionTarget").reason == "DeletionByTaintManager"
    state = run(state, tainted_at + 299 - state.time)
    assert not evicting(state, "web")
    state = run(state, 1)
    assert evicting(state, "web")
    assert state.store.get("Pod", "default", "web").metadata.deletion_timestamp == tainted_at + 300 + 30
    state = run(state, 100)
    assert evicting(state, "web") and evicting(state, "bare")  # Terminating: the kubelet cannot confirm


def test_evictions_are_cancelled_when_the_node_comes_back() -> None:
    state = create(cluster(node("n1"), node("n2")), pod("web", "n1"))
    state = settle(apply(state, PartitionNode("n1")))
    state = run_until(state, lambda s: taints(s, "n1", NO_EXECUTE))
    state = run(state, 100)
    assert state.informer(te.NAME).memory[("default", "web")].fire_at is not None
    state = settle(apply(state, HealPartition("n1")))
    assert taints(state, "n1") == {}
    assert ("default", "web") not in state.informer(te.NAME).memory
    state = run(state, 400)
    assert not evicting(state, "web")


def add_taint(state: ClusterState, name: str, taint_: Taint) -> ClusterState:
    current = get_node(state, name)
    updated = attrs.evolve(current, spec=attrs.evolve(current.spec, taints=current.spec.taints + (taint_,)))
    state, response, _ = submit(state, rq.Update(ADMIN, updated))
    assert response.ok, response
    return settle(state)


def test_a_user_no_execute_taint_evicts_untolerating_pods_from_a_healthy_node() -> None:
    """TestCreateNode / TestUpdateNode on a live node: the untolerating pod is deleted at once and its kubelet
    finishes the deletion; the pod tolerating forever stays; the one tolerating 60 s goes after 60 s."""
    state = cluster(node("n1"), node("n2"))
    state = create(state, bound("plain", "n1"))
    state = create(state, bound("forever", "n1", toleration(1, None)))
    state = create(state, bound("minute", "n1", toleration(1, 60)))
    state = add_taint(state, "n1", taint(1, time_added=state.time))
    start = state.time
    assert evicted(state, "plain")
    state = run(state, 31)
    assert state.store.get("Pod", "default", "plain") is None
    state = run(state, start + 59 - state.time)
    assert untouched(state, "minute")
    state = run(state, 1)
    assert evicted(state, "minute")
    state = run(state, 600)
    assert untouched(state, "forever")


def test_a_pod_arriving_on_a_tainted_node_is_evicted() -> None:
    """TestEventualConsistency: "new pod2 created on tainted Node" (with and without a finite toleration)."""
    state = add_taint(cluster(node("n1"), node("n2")), "n1", taint(1))
    state = create(state, bound("late", "n1"))
    assert evicted(state, "late")
    state = create(state, bound("patient", "n1", toleration(1, 100)))
    created = state.time
    state = run(state, 99)
    assert untouched(state, "patient")
    state = run(state, created + 100 - state.time)
    assert evicted(state, "patient")


def test_its_requests_are_authorized() -> None:
    """It acts with the node-controller service account's role (get/delete pods, update pods/status); no role is
    bound to a ``taint-eviction-controller`` service account."""
    state = settle(apply(cluster(node("n1"), node("n2"), pod("bare", "n1")), CrashNode("n1")))
    state = add_taint(state, "n1", taint(1))
    bare = state.store.get("Pod", "default", "bare")
    assert bare.status.condition("DisruptionTarget") is not None and bare.metadata.deletion_timestamp is not None
    forbidden = rq.Delete(controller_identity(te.NAME), "Pod", "default", "bare")
    assert submit(state, forbidden)[1].code == 403
