"""The ReplicaSet and ReplicationController controllers (model.controllers.replicaset).

Ported from kubernetes/kubernetes: pkg/controller/replicaset/replica_set_test.go and
replica_set_utils_test.go (test names cited per case), pkg/controller/controller_utils_test.go
(TestControllerExpectations, TestUIDExpectations, TestSortingActivePods, TestSortingActivePodsWithRanks) and
pkg/api/v1/pod/util_test.go (TestIsPodAvailable). Upstream's unit tests drive one ``syncReplicaSet`` against
fake listers; here the scenarios run on the whole model (``model.cluster``), a forced sync being a
``Reconcile`` action and the informer's lag being watch events not yet delivered. The rows of upstream tables
that switch feature gates off (PodDeletionCost, LogarithmicScaleDown) are left out: the model runs the defaults.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, Submit, SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, SCHEDULER
from model.component import Step
from model.config import ModelConfig
from model.controllers import base
from model.controllers import replicaset as rsc
from model.controllers.base import CONTROLLER_MANAGER
from model.controllers.manager import BY_NAME
from model.frozendict import FrozenDict
from model.kubelet.component import KubeletSyncPod
from model.manifests import from_dict
from model.objects import OwnerReference, Pod, ReplicaSet
from model.objects.workloads import ReplicaSetStatus
from model.state import ClusterState, behind
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent

RS_CONTROLLER = "replicaset-controller"
RC_CONTROLLER = "replication-controller"
KEY = ("default", "web")
FAITHFUL = ModelConfig()
NO_EXPECTATIONS = ModelConfig(variants=frozenset({"replicaset-no-expectations"}))
DAY = 86400


# --- objects ---------------------------------------------------------------------------------------------


def _replica_set(name: str = "web", replicas: int = 3, selector: dict | None = None, labels: dict | None = None,
                 min_ready: int = 0, **meta: Any) -> dict:
    labels = labels or {"app": "web"}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, "namespace": "default", **meta},
            "spec": {"replicas": replicas, "minReadySeconds": min_ready,
                     "selector": {"matchLabels": selector or {"app": "web"}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


def _orphan(name: str, labels: dict, owners: list | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": labels, "ownerReferences": owners or []},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def _node(name: str = "n1") -> dict:
    resources = {"cpu": "8", "memory": "16Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def _quota(pods: int) -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pods", "namespace": "default"},
            "spec": {"hard": {"pods": str(pods)}}}


def _pod(name: str, node: str = "", phase: str = "Running", ready: bool = False, ready_since: int | None = None,
         created: int | None = None, restarts: int = 0, annotations: dict | None = None, uid: str | None = None,
         labels: dict | None = None) -> Pod:
    """A pod as the ranking tables of controller_utils_test.go and replica_set_test.go build them."""
    status: dict[str, Any] = {"phase": phase, "containerStatuses": [{"name": "c", "restartCount": restarts}]}
    if ready:
        condition = {"type": "Ready", "status": "True"}
        status["conditions"] = [condition if ready_since is None else {**condition, "lastTransitionTime": ready_since}]
    metadata: dict[str, Any] = {"name": name, "namespace": "default", "labels": labels or {"app": "web"},
                                "annotations": annotations or {}}
    if created is not None:
        metadata["creationTimestamp"] = created
    if uid is not None:
        metadata["uid"] = uid
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return Pod.from_dict({"metadata": metadata, "spec": spec, "status": status})


# --- driving the model -------------------------------------------------------------------------------------


def _start(*docs: dict, config: ModelConfig = FAITHFUL) -> ClusterState:
    """The initial state with every manifest submitted (controllers have not yet seen anything)."""
    state = cluster.initial_state([from_dict(d) for d in docs])
    while state.pending:
        state = cluster.apply(state, SubmitPending(), config)
    return state


def _settle(state: ClusterState, config: ModelConfig = FAITHFUL, controllers: tuple[str, ...] = (RS_CONTROLLER,),
            kubelets: bool = False, limit: int = 2000) -> ClusterState:
    """Run the chosen controllers (their informers and syncs), and the kubelets if asked, until none of them
    has anything left to do at the current time."""
    informers = set(controllers) | ({n for n in state.informers if n.startswith("kubelet/")} if kubelets else set())
    for _ in range(limit):
        actions = [a for a in cluster.enabled(state, config)
                   if (isinstance(a, DeliverWatchEvent) and a.component in informers | {CONTROLLER_MANAGER})
                   or (isinstance(a, base.Reconcile) and a.controller in controllers)
                   or (kubelets and isinstance(a, KubeletSyncPod))]
        if not actions:
            return state
        state = cluster.apply(state, actions[0], config)
    raise AssertionError("the controllers did not settle")


def _deliver(state: ClusterState, component: str = RS_CONTROLLER) -> ClusterState:
    """Hand the component's informer every watch event it has not seen (and let it enqueue keys)."""
    while behind(state, component):
        state = cluster.apply(state, DeliverWatchEvent(component))
    return state


def _sync(state: ClusterState, key: tuple = KEY, controller: str = RS_CONTROLLER,
          config: ModelConfig = FAITHFUL) -> Step:
    """One sync of ``key`` (upstream tests call ``syncReplicaSet`` directly)."""
    return cluster.step(state, base.Reconcile(controller, key), config)


def _send(state: ClusterState, request: Any) -> ClusterState:
    after = cluster.step(state, Submit(request))
    assert after.responses[0].ok, after.responses[0]
    return after.state


def _pods(state: ClusterState, active_only: bool = False) -> list[Pod]:
    pods = state.store.list("Pod", "default")
    return [p for p in pods if rsc.is_pod_active(p)] if active_only else list(pods)


def _owner(state: ClusterState, kind: str = "ReplicaSet", name: str = "web") -> Any:
    return state.store.get(kind, "default", name)


def _scale(state: ClusterState, replicas: int, kind: str = "ReplicaSet") -> ClusterState:
    owner = _owner(state, kind)
    return _send(state, rq.Update(ADMIN, attrs.evolve(owner, spec=attrs.evolve(owner.spec, replicas=replicas))))


def _expectations(state: ClusterState, controller: str = RS_CONTROLLER) -> rsc.Expectations:
    return rsc.expectations_of(state.informer(controller).memory)


def _kinds(step: Step) -> list[str]:
    return [r.reason for r in step.responses]


# --- expectations (controller_utils_test.go) ---------------------------------------------------------------


def test_controller_expectations_are_lowered_then_replaced_then_expire() -> None:
    """TestControllerExpectations: 10 adds and 30 deletions; surpassing them satisfies; a new round replaces
    them; they expire after ExpectationsTimeout (strictly more than 5 minutes)."""
    exp = rsc.Expectations(counts=FrozenDict({KEY: rsc.ControlleeExpectations(10, 30, 0)}))
    for _ in range(11):
        exp = exp.creation_observed(KEY)
    assert not exp.satisfied(KEY, 0)
    for _ in range(31):
        exp = exp.lower(KEY, delete=1)
    assert exp.counts[KEY] == rsc.ControlleeExpectations(-1, -1, 0)
    assert exp.satisfied(KEY, 0)
    exp = exp.expect_creations(KEY, 1, 100)
    assert exp.counts[KEY] == rsc.ControlleeExpectations(1, 0, 100)
    assert not exp.satisfied(KEY, 100 + rsc.EXPECTATIONS_TIMEOUT)
    assert exp.satisfied(KEY, 101 + rsc.EXPECTATIONS_TIMEOUT)
    assert rsc.Expectations().satisfied(KEY, 0), "an owner without expectations syncs"
    assert rsc.Expectations().creation_observed(KEY) == rsc.Expectations(), "only existing expectations are lowered"


@given(st.lists(st.integers(0, 4), min_size=1, max_size=4), st.randoms(use_true_random=False))
@settings(max_examples=40)
def test_uid_expectations_count_each_deleted_pod_once(pods_per_owner: list[int], random: Any) -> None:
    """TestUIDExpectations: an owner is satisfied once every pod it deletes is observed, whatever the order,
    a pod observed twice (update with deletionTimestamp, then delete) counts once; DeleteExpectations forgets."""
    exp = rsc.Expectations()
    owners = {("default", f"rc-{i}"): [("default", f"pod{j}-rc-{i}") for j in range(n)]
              for i, n in enumerate(pods_per_owner)}
    for key, pods in owners.items():
        exp = exp.expect_deletions(key, pods, 0)
    order = list(owners)
    random.shuffle(order)
    for key in order:
        assert exp.satisfied(key, 0) == (not owners[key])
        for pod in owners[key]:
            exp = exp.deletion_observed(key, pod).deletion_observed(key, pod)
        assert exp.satisfied(key, 0) and exp.counts[key].delete == 0
        exp = exp.forget(key)
        assert key not in exp.counts and key not in exp.deleting


# --- pods: availability, deletion cost, ranking --------------------------------------------------------


@pytest.mark.parametrize(("ready", "since", "min_ready", "expected"), [
    (False, 0, 0, False),
    (True, 0, 1, False),
    (True, 0, 0, True),
    (True, -1, 0, True),
    (True, -2, 1, True),
    (True, None, 1, False),
])
def test_is_pod_available(ready: bool, since: int | None, min_ready: int, expected: bool) -> None:
    """pkg/api/v1/pod/util_test.go TestIsPodAvailable (now = 0; the Ready condition's lastTransitionTime is
    ``since``), plus a zero lastTransitionTime, which is never available with minReadySeconds."""
    pod = _pod("p", ready=ready, ready_since=since)
    assert rsc.is_pod_available(pod, min_ready, 0) is expected


@pytest.mark.parametrize(("value", "cost"), [
    (None, 0), ("10", 10), ("-5", -5), ("0", 0), ("-007", -7), ("+10", 0), ("008", 0), ("", 0), ("abc", 0),
    ("2147483647", 2147483647), ("2147483648", 0), ("-2147483648", -2147483648), ("1.5", 0),
])
def test_deletion_cost_annotation(value: str | None, cost: int) -> None:
    """pkg/apis/core/helper GetDeletionCostFromPodAnnotations: an int32 without a leading '+' or zero."""
    annotations = {} if value is None else {rsc.POD_DELETION_COST: value}
    assert rsc.deletion_cost(_pod("p", annotations=annotations)) == cost


def _sorting_active_pods() -> list[Pod]:
    """TestSortingActivePods: nine pods, listed in the order ActivePods sorts them (now = 30 days)."""
    now, then = 30 * DAY, 0
    return [
        _pod("pod0", phase="Pending"),
        _pod("pod1", node="bar", phase="Pending"),
        _pod("pod2", node="foo", phase="Unknown"),
        _pod("pod3", node="foo"),
        _pod("pod4", node="foo", ready=True, restarts=3),
        _pod("pod5", node="foo", ready=True, ready_since=now, restarts=3),
        _pod("pod6", node="foo", ready=True, ready_since=then, restarts=3),
        _pod("pod7", node="foo", ready=True, ready_since=then, restarts=2, created=now),
        _pod("pod8", node="foo", ready=True, ready_since=then, restarts=2, created=then),
    ]


@given(st.permutations(range(9)))
@settings(max_examples=30)
def test_sorting_active_pods(order: list[int]) -> None:
    """TestSortingActivePods: any shuffle sorts back to the same order (equal ranks and a zero ``Now``, so
    ActivePodsWithRanks compares as ActivePods does): unscheduled, pending, unknown, not ready, ready without
    a transition time, ready recently, ready longer, fewer restarts, older."""
    pods = _sorting_active_pods()
    shuffled = [pods[i] for i in order]
    assert rsc.sort_active_pods_with_ranks(shuffled, [0] * 9, None) == pods


NOW = 60 * DAY
MONTH_AGO, HOURS_2, HOURS_5, HOURS_8 = NOW - 30 * DAY, NOW - 2 * 3600, NOW - 5 * 3600, NOW - 8 * 3600
RANKED = {
    "unscheduled": _pod("unscheduled", phase="Pending"),
    "pending": _pod("pending", node="node", phase="Pending"),
    "unknown-phase": _pod("unknown-phase", node="node", phase="Unknown"),
    "not-ready": _pod("not-ready", node="node"),
    "ready-no-last-transition-time": _pod("ready-no-last-transition-time", node="node", ready=True),
    "ready-now": _pod("ready-now", node="node", ready=True, ready_since=NOW, created=NOW),
    "ready-then": _pod("ready-then", node="node", ready=True, ready_since=MONTH_AGO, created=MONTH_AGO),
    "ready-high-restarts": _pod("ready-high-restarts", node="node", ready=True, restarts=9001, ready_since=NOW,
                                created=NOW),
    "ready-now-created-then": _pod("ready-now-created-then", node="node", ready=True, ready_since=NOW,
                                   created=MONTH_AGO),
    "low-deletion-cost": _pod("low-deletion-cost", node="node", ready=True, ready_since=NOW, created=MONTH_AGO,
                              annotations={rsc.POD_DELETION_COST: "10"}),
    "high-deletion-cost": _pod("high-deletion-cost", node="node", ready=True, ready_since=NOW, created=MONTH_AGO,
                               annotations={rsc.POD_DELETION_COST: "100"}),
    "unscheduled-5-hours": _pod("unscheduled-5-hours", phase="Pending", created=HOURS_5),
    "unscheduled-10-hours": _pod("unscheduled-10-hours", phase="Pending", created=HOURS_8),
    "ready-2-hours": _pod("ready-2-hours", ready=True, ready_since=HOURS_2, created=MONTH_AGO),
    "ready-5-hours": _pod("ready-5-hours", ready=True, ready_since=HOURS_5, created=MONTH_AGO),
    "ready-10-hours": _pod("ready-10-hours", ready=True, ready_since=HOURS_8, created=MONTH_AGO),
}


@pytest.mark.parametrize(("p1", "p2"), [
    ("unscheduled", "unscheduled"), ("pending", "pending"), ("unknown-phase", "unknown-phase"),
    ("not-ready", "not-ready"), ("ready-now-created-then", "ready-now-created-then"), ("ready-now", "ready-now"),
    ("ready-then", "ready-then"), ("ready-high-restarts", "ready-high-restarts"),
    ("unscheduled-5-hours", "unscheduled-10-hours"), ("ready-5-hours", "ready-10-hours"),
])
def test_active_pods_with_ranks_equivalent(p1: str, p2: str) -> None:
    """TestSortingActivePodsWithRanks, equalityTests: on the logarithmic scale 5 and 8 hours ago are alike."""
    a, b = RANKED[p1], RANKED[p2]
    assert not rsc.active_pods_less(a, b, 1, 1, NOW) and not rsc.active_pods_less(b, a, 1, 1, NOW)


@pytest.mark.parametrize(("lesser", "lesser_rank", "greater", "greater_rank"), [
    ("unscheduled", 1, "pending", 2),
    ("unscheduled", 2, "pending", 1),
    ("pending", 1, "unknown-phase", 2),
    ("unknown-phase", 1, "not-ready", 2),
    ("not-ready", 1, "ready-no-last-transition-time", 1),
    ("ready-no-last-transition-time", 1, "ready-now", 1),
    ("ready-now", 2, "ready-no-last-transition-time", 1),
    ("ready-now", 1, "ready-then", 1),
    ("ready-now", 2, "ready-then", 1),
    ("ready-high-restarts", 1, "ready-now", 1),
    ("ready-now", 2, "ready-high-restarts", 1),
    ("ready-now", 1, "ready-now-created-then", 1),
    ("ready-now-created-then", 2, "ready-now", 1),
    ("low-deletion-cost", 2, "high-deletion-cost", 1),
    ("ready-2-hours", 1, "ready-5-hours", 1),
])
def test_active_pods_with_ranks_order(lesser: str, lesser_rank: int, greater: str, greater_rank: int) -> None:
    """TestSortingActivePodsWithRanks, inequalityTests (with PodDeletionCost and LogarithmicScaleDown on)."""
    a, b = RANKED[lesser], RANKED[greater]
    assert rsc.active_pods_less(a, b, lesser_rank, greater_rank, NOW)
    assert not rsc.active_pods_less(b, a, greater_rank, lesser_rank, NOW)


def test_equal_log_ranks_are_ordered_by_uid() -> None:
    """ActivePodsWithRanks.Less: creation times on the same logarithmic step fall back to the pods' uids."""
    a = attrs.evolve(RANKED["unscheduled-5-hours"], metadata=attrs.evolve(RANKED["unscheduled-5-hours"].metadata,
                                                                          uid="uid-b"))
    b = attrs.evolve(RANKED["unscheduled-10-hours"], metadata=attrs.evolve(RANKED["unscheduled-10-hours"].metadata,
                                                                           uid="uid-a"))
    assert rsc.active_pods_less(b, a, 0, 0, NOW) and not rsc.active_pods_less(a, b, 0, 0, NOW)


def _rank_table_pods() -> dict[str, Pod]:
    """TestGetPodsToDelete's pods (replica_set_test.go)."""
    return {
        "unscheduled-pending": _pod("unscheduled-pending-pod", phase="Pending"),
        "scheduled-pending": _pod("scheduled-pending-pod", node="fake-node", phase="Pending"),
        "not-ready": _pod("scheduled-running-not-ready-pod", node="fake-node"),
        "ready-node-1": _pod("scheduled-running-ready-pod-on-node-1", node="fake-node-1", ready=True),
        "ready-node-2": _pod("scheduled-running-ready-pod-on-node-2", node="fake-node-2", ready=True),
    }


@pytest.mark.parametrize(("pods", "related", "diff", "expected"), [
    ([], None, 0, []),
    (["not-ready", "ready-node-1"], None, 2, ["not-ready", "ready-node-1"]),
    (["ready-node-1", "not-ready"], None, 1, ["not-ready"]),
    (["ready-node-1", "ready-node-1", "ready-node-2", "not-ready", "scheduled-pending", "unscheduled-pending"],
     None, 6, ["ready-node-1", "ready-node-1", "ready-node-2", "not-ready", "scheduled-pending",
               "unscheduled-pending"]),
    (["ready-node-1", "ready-node-1", "ready-node-2", "not-ready", "scheduled-pending", "unscheduled-pending"],
     [], 6, ["ready-node-1", "ready-node-1", "ready-node-2", "not-ready", "scheduled-pending",
             "unscheduled-pending"]),
    (["scheduled-pending", "unscheduled-pending"], None, 1, ["unscheduled-pending"]),
    (["ready-node-1", "not-ready", "not-ready"], None, 2, ["not-ready", "not-ready"]),
    (["ready-node-1", "ready-node-2"], ["ready-node-1", "ready-node-2", "ready-node-2"], 1, ["ready-node-2"]),
    (["scheduled-pending", "not-ready"], None, 1, ["scheduled-pending"]),
    (["ready-node-1", "ready-node-2", "not-ready", "scheduled-pending", "unscheduled-pending"], None, 3,
     ["unscheduled-pending", "scheduled-pending", "not-ready"]),
])
def test_get_pods_to_delete(pods: list[str], related: list[str] | None, diff: int, expected: list[str]) -> None:
    """TestGetPodsToDelete: the ranking picks unscheduled, then pending, then not ready, then pods doubled up
    on a node with related pods; ``related`` defaults to the pods themselves; all go unsorted when diff covers
    them."""
    table = _rank_table_pods()
    chosen = [table[p] for p in pods]
    others = chosen if related is None else [table[p] for p in related]
    assert rsc.get_pods_to_delete(chosen, others, diff, NOW) == [table[p] for p in expected]


# --- status (replica_set_utils_test.go) -----------------------------------------------------------------


def _owner_object(replicas: int, selector: dict, min_ready: int = 0, conditions: Any = None) -> ReplicaSet:
    rs = ReplicaSet.from_dict(_replica_set(replicas=replicas, selector=selector,
                                           labels={"name": "foo", "type": "production"}, min_ready=min_ready))
    return attrs.evolve(rs, status=ReplicaSetStatus(conditions=conditions))


FULL = {"name": "foo", "type": "production"}
PARTIAL = {"name": "foo"}


@pytest.mark.parametrize(("replicas", "selector", "min_ready", "pods", "expected"), [
    (2, FULL, 0, [(FULL, True)], (1, 1, 1, 1)),
    (1, PARTIAL, 0, [(PARTIAL, True)], (1, 0, 1, 1)),
    (2, FULL, 0, [(FULL, True), (FULL, True)], (2, 2, 2, 2)),
    (1, PARTIAL, 0, [(PARTIAL, True), (PARTIAL, True)], (2, 0, 2, 2)),
    (1, PARTIAL, 0, [(PARTIAL, True), (FULL, True)], (2, 1, 2, 2)),
    (2, FULL, 0, [(FULL, False)], (1, 1, 0, 0)),
    (1, FULL, 3600, [(FULL, True)], (1, 1, 1, 0)),
])
def test_calculate_status(replicas: int, selector: dict, min_ready: int, pods: list, expected: tuple) -> None:
    """TestCalculateStatus: replicas, fullyLabeledReplicas (labels include the template's), readyReplicas,
    availableReplicas (a ready pod without a transition time is not available with minReadySeconds)."""
    owner = _owner_object(replicas, selector, min_ready)
    pods = [_pod(f"pod{i}", labels=labels, ready=ready, phase="Running" if ready else "Pending")
            for i, (labels, ready) in enumerate(pods)]
    status = rsc.calculate_status(owner, pods, None, 1000)
    assert (status.replicas, status.fully_labeled_replicas, status.ready_replicas,
            status.available_replicas) == expected
    assert status.conditions is None


FAILURE = FrozenDict({"type": "ReplicaFailure", "status": "True"})


@pytest.mark.parametrize(("replicas", "conditions", "pods", "error", "expected"), [
    (2, None, 1, "fake manageReplicasErr", ({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                                            "message": "fake manageReplicasErr", "lastTransitionTime": 7},)),
    (2, None, 3, "fake manageReplicasErr", ({"type": "ReplicaFailure", "status": "True", "reason": "FailedDelete",
                                            "message": "fake manageReplicasErr", "lastTransitionTime": 7},)),
    (10, (FAILURE,), 1, None, None),
    (10, (FAILURE,), 1, "fake manageReplicasErr", (FAILURE,)),
    (2, None, 1, None, None),
])
def test_calculate_status_conditions(replicas: int, conditions: Any, pods: int, error: str | None,
                                     expected: Any) -> None:
    """TestCalculateStatusConditions: a failure adds ReplicaFailure (FailedCreate below, FailedDelete above
    the replicas) unless one is there; success removes it."""
    owner = _owner_object(replicas, PARTIAL, conditions=conditions)
    status = rsc.calculate_status(owner, [_pod(f"pod{i}", labels=PARTIAL) for i in range(pods)], error, 7)
    assert status.conditions == (None if expected is None else tuple(FrozenDict(c) for c in expected))


# --- event handlers --------------------------------------------------------------------------------------


def _handler_cache(*owners: ReplicaSet) -> Objects:
    cache = Objects()
    for owner in owners:
        cache = cache.put(owner)
    return cache


def _rs_object(name: str, uid: str, selector: dict | None = None, min_ready: int = 0) -> ReplicaSet:
    rs = ReplicaSet.from_dict(_replica_set(name=name, selector=selector, labels=selector, min_ready=min_ready))
    return attrs.evolve(rs, metadata=attrs.evolve(rs.metadata, uid=uid))


def _owned(pod: Pod, owner: ReplicaSet, rv: str = "1", deleting: int | None = None) -> Pod:
    ref = rsc.REPLICA_SET.controller_ref(owner)
    return attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=(ref,), resource_version=rv,
                                                   deletion_timestamp=deleting))


def test_pod_with_controller_ref_wakes_only_its_owner() -> None:
    """TestOverlappingRSs / TestPodControllerLookup: a pod with a ControllerRef enqueues exactly that
    ReplicaSet (kind, name and uid must agree); an orphan enqueues every ReplicaSet in its namespace whose
    selector matches."""
    owners = [_rs_object(f"rs{i}", f"uid-{i}") for i in range(1, 10)]
    cache = _handler_cache(*owners)
    controller = BY_NAME[RS_CONTROLLER]
    pod = _owned(_pod("pod"), owners[3])
    assert controller.enqueue(WatchEvent(ADDED, pod, 1), None, cache) == (("default", "rs4"),)
    stranger = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=(
        attrs.evolve(pod.metadata.owner_references[0], uid="uid-other"),)))
    assert controller.enqueue(WatchEvent(ADDED, stranger, 1), None, cache) == ()
    orphan = _pod("orphan")
    assert set(controller.enqueue(WatchEvent(ADDED, orphan, 1), None, cache)) == {("default", f"rs{i}")
                                                                                 for i in range(1, 10)}
    unlabelled = _pod("bare", labels={"x": "y"})
    assert controller.enqueue(WatchEvent(ADDED, unlabelled, 1), None, cache) == ()


def test_deletion_timestamp_counts_as_one_deletion() -> None:
    """TestDeletionTimestamp: a pod added or updated with a deletionTimestamp lowers the deletion expectation;
    later updates and the final delete of the same pod do not count again."""
    owner = _rs_object("web", "uid-web")
    cache = _handler_cache(owner)
    controller = BY_NAME[RS_CONTROLLER]
    pod = _owned(_pod("pod"), owner, rv="1", deleting=5)
    second = _owned(_pod("second"), owner, rv="1")
    memory = FrozenDict({"expectations": rsc.Expectations().expect_deletions(KEY, [("default", "pod")], 0)})
    memory = controller.on_event(memory, WatchEvent(ADDED, pod, 1), None, cache)
    assert rsc.expectations_of(memory).counts[KEY].fulfilled()
    assert controller.enqueue(WatchEvent(ADDED, pod, 1), None, cache) == (KEY,)

    memory = FrozenDict({"expectations": rsc.Expectations().expect_deletions(
        KEY, [("default", "pod"), ("default", "second")], 0)})
    old = _owned(_pod("pod"), owner, rv="2")
    memory = controller.on_event(memory, WatchEvent(MODIFIED, _owned(_pod("pod"), owner, rv="3", deleting=5), 3),
                                 old, cache)
    memory = controller.on_event(memory, WatchEvent(MODIFIED, _owned(_pod("pod"), owner, rv="4", deleting=6), 4),
                                 _owned(_pod("pod"), owner, rv="3", deleting=5), cache)
    memory = controller.on_event(memory, WatchEvent(DELETED, pod, 5), pod, cache)
    assert rsc.expectations_of(memory).counts[KEY] == rsc.ControlleeExpectations(0, 1, 0)
    memory = controller.on_event(memory, WatchEvent(DELETED, second, 6), second, cache)
    assert rsc.expectations_of(memory).counts[KEY].fulfilled()


def test_pod_becoming_ready_requeues_after_min_ready_seconds() -> None:
    """updatePod: a pod turning ready wakes its owner now and again after minReadySeconds + 1 s; a resync of
    the same resourceVersion does nothing."""
    owner = _rs_object("web", "uid-web", min_ready=10)
    cache = _handler_cache(owner)
    controller = BY_NAME[RS_CONTROLLER]
    old = _owned(_pod("pod"), owner, rv="1")
    ready = _owned(_pod("pod", ready=True, ready_since=3), owner, rv="2")
    assert controller.enqueue(WatchEvent(MODIFIED, ready, 2), old, cache) == (KEY, base.After(KEY, 11))
    assert controller.enqueue(WatchEvent(MODIFIED, old, 2), old, cache) == ()


# --- scenarios on the whole model ------------------------------------------------------------------------


def test_scale_up_creates_pods_from_the_template_and_then_does_nothing() -> None:
    """TestCreatePodsWithGenerateName and TestSyncReplicaSetDoesNothing: pods get generateName ``web-``, the
    template's labels and spec, and a controller reference; once the replicas exist a sync sends nothing."""
    state = _settle(_start(_replica_set(replicas=3)))
    rs = _owner(state)
    pods = _pods(state)
    assert len(pods) == 3
    for pod in pods:
        assert pod.name.startswith("web-") and pod.metadata.generate_name == "web-"
        assert pod.labels == {"app": "web"}
        assert pod.spec.containers == rs.spec.template.spec.containers
        assert pod.metadata.owner_references == (OwnerReference(
            api_version="apps/v1", kind="ReplicaSet", name="web", uid=rs.metadata.uid, controller=True,
            block_owner_deletion=True),)
    assert (rs.status.replicas, rs.status.fully_labeled_replicas, rs.status.observed_generation) == (3, 3, 1)
    again = _sync(state)
    assert again.responses == () and again.state.store == state.store


def test_scale_down_deletes_unscheduled_then_pending_pods_first() -> None:
    """TestGetPodsToDelete through the controller: scaling 3 -> 1 deletes the unscheduled pod and the
    scheduled-but-pending one, keeping the running ready pod; the deletions are expected, then observed."""
    state = _settle(_start(_node(), _replica_set(replicas=3)))
    first, second, third = (p.name for p in _pods(state))
    state = _send(state, rq.Bind(SCHEDULER, "default", first, "n1"))
    state = _settle(state, kubelets=True)
    assert state.store.get("Pod", "default", first).is_ready
    state = _send(state, rq.Bind(SCHEDULER, "default", second, "n1"))
    state = _deliver(_scale(state, 1))
    step = _sync(state)
    deleted = [r for r in step.responses if r.object is not None and r.object.kind == "Pod"]
    assert {r.object.name for r in deleted} == {second, third}
    assert _expectations(step.state).counts[KEY].delete == 2
    state = _settle(step.state)
    assert [p.name for p in _pods(state, active_only=True)] == [first]
    assert _expectations(state).counts[KEY].fulfilled()
    assert _owner(state).status.replicas == 1


def test_adopts_matching_orphans_and_creates_the_rest() -> None:
    """TestPatchPodWithOtherOwnerRef, TestDoNotPatchPodWithOtherControlRef: an orphan that matches is adopted
    by a patch (after a fresh GET of the ReplicaSet) that adds a controller reference beside its other owners;
    a pod controlled by someone else is left alone; the rest are created."""
    other_owner = {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "uid": "uid-cm"}
    other_controller = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "other", "uid": "uid-x",
                        "controller": True}
    state = _start(_orphan("orphan", {"app": "web"}, [other_owner]), _orphan("taken", {"app": "web"},
                                                                              [other_controller]),
                   _orphan("stranger", {"app": "db"}), _replica_set(replicas=2))
    state = _deliver(state)
    step = _sync(state)
    requests = _kinds(step)
    assert requests[:2] == ["OK", "OK"], "the recheck GET, then the adoption patch"
    assert requests.count("Created") == 1
    rs = _owner(step.state)
    orphan = step.state.store.get("Pod", "default", "orphan")
    assert [r.uid for r in orphan.metadata.owner_references] == ["uid-cm", rs.metadata.uid]
    assert orphan.metadata.controller_ref() == rsc.REPLICA_SET.controller_ref(rs)
    assert step.state.store.get("Pod", "default", "taken").metadata.controller_ref().uid == "uid-x"
    assert step.state.store.get("Pod", "default", "stranger").metadata.owner_references == ()
    state = _settle(step.state)
    controlled = [p for p in _pods(state) if p.metadata.controller_ref() is not None
                  and p.metadata.controller_ref().uid == rs.metadata.uid]
    assert len(controlled) == 2


def test_releases_a_pod_whose_labels_no_longer_match() -> None:
    """TestUpdateLabelsRemoveControllerRef: relabelling an owned pod out of the selector makes the controller
    remove its controller reference (releasing it) and create a replacement."""
    state = _settle(_start(_replica_set(replicas=2)))
    pod = _pods(state)[0]
    state = _send(state, rq.Update(ADMIN, attrs.evolve(pod, metadata=attrs.evolve(
        pod.metadata, labels=FrozenDict({"app": "debug"})))))
    state = _settle(state)
    released = state.store.get("Pod", "default", pod.name)
    assert released.metadata.owner_references == ()
    owned = [p for p in _pods(state) if p.metadata.controller_ref() is not None]
    assert len(owned) == 2 and pod.name not in {p.name for p in owned}


def test_no_adoption_or_creation_while_the_replica_set_is_being_deleted() -> None:
    """TestDoNotAdoptOrCreateIfBeingDeleted: a terminating ReplicaSet (held by the orphan finalizer) neither
    adopts a matching orphan nor creates pods, and the sync succeeds."""
    state = _start(_replica_set(replicas=2), _orphan("orphan", {"app": "web"}))
    state = _send(state, rq.Delete(ADMIN, "ReplicaSet", "default", "web", propagation_policy=rq.ORPHAN))
    state = _settle(state)
    assert _owner(state).metadata.deletion_timestamp is not None
    assert [p.name for p in _pods(state)] == ["orphan"]
    assert state.store.get("Pod", "default", "orphan").metadata.owner_references == ()
    assert not state.informer(RS_CONTROLLER).failures


def test_adoption_is_refused_when_a_fresh_read_shows_the_deletion() -> None:
    """TestDoNotAdoptOrCreateIfBeingDeletedRace: the cache says the ReplicaSet is live but the uncached GET
    says it is being deleted: no patch, no create, and the sync fails (its key is retried with back-off)."""
    state = _deliver(_start(_replica_set(replicas=2), _orphan("orphan", {"app": "web"})))
    state = _send(state, rq.Delete(ADMIN, "ReplicaSet", "default", "web", propagation_policy=rq.ORPHAN))
    step = _sync(state)
    assert [type(r.object).__name__ for r in step.responses] == ["ReplicaSet"]
    assert step.state.store.get("Pod", "default", "orphan").metadata.owner_references == ()
    informer = step.state.informer(RS_CONTROLLER)
    assert informer.failures[KEY] == 1 and informer.delayed[KEY] == state.time + 1


def test_adoption_loses_the_race_to_another_controller() -> None:
    """TestPatchPodFails: when the adoption patch fails (here: another controller adopted the pod first, so
    the API server finds two controller references) the pod is not claimed and the sync is retried."""
    state = _deliver(_start(_replica_set(replicas=1), _orphan("orphan", {"app": "web"})))
    rival = OwnerReference(api_version="apps/v1", kind="ReplicaSet", name="rival", uid="uid-rival", controller=True)
    state = _send(state, rq.PatchOwnerReferences(ADMIN, "Pod", "default", "orphan", add=(rival,)))
    step = _sync(state)
    assert _kinds(step) == ["OK", "Invalid"]
    assert "Only one reference can have Controller set to true" in step.responses[1].message
    assert step.state.informer(RS_CONTROLLER).failures[KEY] == 1
    assert len(_pods(step.state)) == 1


def test_owner_reference_patch_carries_a_uid_precondition() -> None:
    """controller_ref_manager.go (ReleasePod): the patch names the pod's uid, so a pod deleted and recreated
    under the same name is not patched (Invalid: the uid is immutable); a patch that changes nothing is not
    written."""
    state = _start(_orphan("pod", {"app": "web"}))
    pod = state.store.get("Pod", "default", "pod")
    after = cluster.step(state, Submit(rq.PatchOwnerReferences(ADMIN, "Pod", "default", "pod", uid="uid-gone",
                                                               remove=("uid-x",))))
    assert after.responses[0].reason == "Invalid" and "metadata.uid" in after.responses[0].message
    same = cluster.step(state, Submit(rq.PatchOwnerReferences(ADMIN, "Pod", "default", "pod", uid=pod.metadata.uid,
                                                              remove=("uid-x",))))
    assert same.responses[0].ok and same.state.store == state.store


@pytest.mark.parametrize(("quota", "replicas", "calls", "created"), [
    (None, 10, 10, 10),
    (5, 10, 7, 5),
    (0, 10, 1, 0),
])
def test_slow_start_batches(quota: int | None, replicas: int, calls: int, created: int) -> None:
    """TestSlowStartBatch and TestSyncReplicaSetCreateFailures: creates go in batches of 1, 2, 4, ... and stop
    after the first batch with a failure (here ResourceQuota's); creations never made are no longer expected,
    and a ReplicaFailure condition carries the API server's message."""
    docs = [_replica_set(replicas=replicas)] + ([] if quota is None else [_quota(quota)])
    step = _sync(_deliver(_start(*docs)))
    creates = [r for r in step.responses if r.reason in ("Created", "Forbidden")]
    assert len(creates) == calls
    assert sum(r.reason == "Created" for r in creates) == created == len(_pods(step.state))
    assert _expectations(step.state).counts[KEY].add == created
    conditions = _owner(step.state).status.conditions
    if created < replicas:
        (condition,) = conditions
        assert (condition["type"], condition["reason"]) == ("ReplicaFailure", "FailedCreate")
        assert "exceeded quota" in condition["message"]
        assert step.state.informer(RS_CONTROLLER).failures[KEY] == 1
    else:
        assert conditions is None


def test_a_quota_bound_replica_set_keeps_retrying_without_exceeding_the_quota() -> None:
    """TestSyncReplicaSetCreateFailures over time: the controller retries with growing back-off, each retry
    again forbidden, and the namespace never holds more pods than the quota allows."""
    state = _settle(_start(_replica_set(replicas=4), _quota(2)))
    failures = []
    for _ in range(6):
        state = cluster.apply(state, Tick(8))
        state = _settle(state)
        failures.append(state.informer(RS_CONTROLLER).failures.get(KEY, 0))
        assert len(_pods(state)) == 2
    assert failures == sorted(failures) and failures[-1] > failures[0]
    assert _owner(state).status.replicas == 2


def test_burst_replicas_limit_one_sync() -> None:
    """TestControllerBurstReplicas: one sync creates at most burstReplicas (500) pods."""
    step = _sync(_deliver(_start(_replica_set(replicas=rsc.BURST_REPLICAS + 2))))
    assert len(_pods(step.state)) == rsc.BURST_REPLICAS
    assert _expectations(step.state).counts[KEY].add == rsc.BURST_REPLICAS


def _lagging_second_sync(config: ModelConfig, wait: int = 0) -> ClusterState:
    """A first sync creates 2 pods; the ReplicaSet is modified meanwhile, so its informer queues the key
    again before it has seen the creations; after ``wait`` seconds the second sync runs on that stale cache."""
    state = _deliver(_start(_replica_set(replicas=2)))
    rs = _owner(state)
    state = _send(state, rq.Update(ADMIN, attrs.evolve(rs, metadata=attrs.evolve(
        rs.metadata, annotations=FrozenDict({"touched": "yes"})))))
    state = _sync(state, config=config).state
    assert len(_pods(state)) == 2
    state = cluster.apply(state, DeliverWatchEvent(RS_CONTROLLER), config)
    assert KEY in state.informer(RS_CONTROLLER).queue and not state.informer(RS_CONTROLLER).cache.list("Pod")
    if wait:
        state = cluster.apply(state, Tick(wait), config)
    return _sync(state, config=config).state


def test_expectations_prevent_a_second_create_while_the_informer_lags() -> None:
    """TestSyncReplicaSetDormancy / TestRSSyncExpectations: until the informer has observed its creations the
    controller does not manage replicas again (it still writes status), so a lagging cache creates nothing."""
    state = _lagging_second_sync(FAITHFUL)
    assert len(_pods(state)) == 2
    assert len(_pods(_settle(state))) == 2


def test_without_expectations_a_lagging_informer_overshoots() -> None:
    """The ``replicaset-no-expectations`` variant: the second sync trusts its stale cache and creates two more
    pods than replicas (the controller later deletes the surplus)."""
    state = _lagging_second_sync(NO_EXPECTATIONS)
    assert len(_pods(state)) == 4
    settled = _settle(state, NO_EXPECTATIONS)
    assert len(_pods(settled, active_only=True)) == 2


def test_expired_expectations_overshoot_as_upstream() -> None:
    """kubernetes/kubernetes#129795: expectations that wait longer than ExpectationsTimeout are ignored, so an
    informer lagging more than 5 minutes lets even the faithful controller overshoot."""
    assert len(_pods(_lagging_second_sync(FAITHFUL, wait=rsc.EXPECTATIONS_TIMEOUT))) == 2
    assert len(_pods(_lagging_second_sync(FAITHFUL, wait=rsc.EXPECTATIONS_TIMEOUT + 1))) == 4


def test_deleted_replica_set_forgets_its_expectations() -> None:
    """TestExpectationsOnRecreate: deleting a ReplicaSet drops its expectations, so one recreated under the
    same name starts clean."""
    state = _deliver(_start(_replica_set(replicas=2)))
    state = _sync(state).state
    assert KEY in _expectations(state).counts
    state = _send(state, rq.Delete(ADMIN, "ReplicaSet", "default", "web"))
    state = _settle(state)
    assert KEY not in _expectations(state).counts


def test_status_update_conflict_is_retried_after_a_fresh_read() -> None:
    """updateReplicaSetStatus (TestControllerUpdateStatusWithFailure): a status update refused as stale is
    retried once with the ReplicaSet just read."""
    state = _deliver(_start(_replica_set(replicas=0)))
    rs = _owner(state)
    state = _send(state, rq.Update(ADMIN, attrs.evolve(rs, metadata=attrs.evolve(
        rs.metadata, labels=FrozenDict({"tier": "web"})))))
    step = _sync(state)
    assert _kinds(step) == ["Conflict", "OK", "OK"]
    assert _owner(step.state).status.observed_generation == 1
    assert not step.state.informer(RS_CONTROLLER).failures


def test_available_replicas_follow_min_ready_seconds() -> None:
    """syncReplicaSet / updatePod with minReadySeconds: a pod ready since t is counted available only after
    t + minReadySeconds (strictly), and the controller looks again by itself to report it."""
    state = _settle(_start(_node(), _replica_set(replicas=1, min_ready=10)))
    (pod,) = _pods(state)
    state = _send(state, rq.Bind(SCHEDULER, "default", pod.name, "n1"))
    state = _settle(state, kubelets=True)
    ready_at = state.store.get("Pod", "default", pod.name).status.condition("Ready").last_transition_time
    status = _owner(state).status
    assert (status.ready_replicas, status.available_replicas) == (1, 0)
    seen = []
    for _ in range(12):
        state = _settle(cluster.apply(state, Tick(1)))
        seen.append((state.time - ready_at, _owner(state).status.available_replicas))
    assert (10, 0) in seen and (11, 1) in seen


def test_replication_controller_uses_its_equality_selector() -> None:
    """pkg/controller/replication: a ReplicationController is managed by the same code with its
    ``spec.selector`` as matchLabels: orphans whose labels include it are adopted, pods are created with a
    ``v1`` ReplicationController controller reference, and status is written to the RC."""
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "web", "namespace": "default"},
          "spec": {"replicas": 3, "selector": {"app": "web"},
                   "template": {"metadata": {"labels": {"app": "web", "tier": "fe"}},
                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    state = _start(rc, _orphan("extra-labels", {"app": "web", "other": "x"}), _orphan("db", {"app": "db"}))
    state = _settle(state, controllers=(RC_CONTROLLER,))
    owner = _owner(state, "ReplicationController")
    owned = [p for p in _pods(state) if p.metadata.controller_ref() is not None]
    assert len(owned) == 3 and "extra-labels" in {p.name for p in owned}
    assert all(p.metadata.controller_ref() == OwnerReference(
        api_version="v1", kind="ReplicationController", name="web", uid=owner.metadata.uid, controller=True,
        block_owner_deletion=True) for p in owned)
    assert state.store.get("Pod", "default", "db").metadata.owner_references == ()
    assert (owner.status.replicas, owner.status.fully_labeled_replicas) == (3, 2)
    state = _settle(_scale(state, 1, "ReplicationController"), controllers=(RC_CONTROLLER,))
    assert len(_pods(state, active_only=True)) == 2
    assert _owner(state, "ReplicationController").status.replicas == 1


def test_replica_set_controller_ignores_replication_controllers() -> None:
    """The two controllers are separate instances: each claims only for its own kind."""
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "web", "namespace": "default"},
          "spec": {"replicas": 1, "selector": {"app": "web"},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    state = _settle(_start(rc))
    assert _pods(state) == []
    assert not state.informer(RS_CONTROLLER).queue
