"""The node lifecycle controller (``node-controller``).

Cases ported from pkg/controller/nodelifecycle/node_lifecycle_controller_test.go are named after their upstream
test: TestMonitorNodeHealthUpdateStatus (the Unknown conditions), TestMonitorNodeHealth (zone states),
TestApplyNoExecuteTaints, TestApplyNoExecuteTaintsToUnreachableNode, TestSwapUnreachableNotReadyTaints,
TestTaintsNodeByCondition and TestMonitorNodeHealthMarkPodsNotReadyRetry. Upstream's fake clock is the model's
logical clock; its "second healthy node" (needed because a cluster whose every node is NotReady stops evicting)
is kept wherever upstream has it.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.actions import DeliverWatchEvent, ForceDeletePod, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, controller_identity
from model.cluster import apply, enabled, initial_state
from model.config import ModelConfig
from model.controllers import base
from model.controllers import node_lifecycle as nl
from model.controllers.manager import BY_NAME
from model.frozendict import FrozenDict
from model.kubelet.component import CrashNode, HealPartition, PartitionNode, RecoverNode
from model.manifests import from_dict
from model.objects import Node, Pod
from model.objects.cluster import NodeCondition
from model.objects.pod import PodCondition, PodStatus
from model.state import ClusterState, submit
from model.store import ADDED, MODIFIED, Objects, WatchEvent
from model.taints import NO_EXECUTE, NO_SCHEDULE, Taint

HELD = (Tick, ForceDeletePod, CrashNode, RecoverNode, PartitionNode, HealPartition)
"""Actions the scenarios take themselves: the clock, the user's force deletes and faults."""
"""Actions the tests take themselves: the clock, and faults and their repair."""
ZONE1 = {"topology.kubernetes.io/region": "region1", "topology.kubernetes.io/zone": "zone1",
         "failure-domain.beta.kubernetes.io/region": "region1", "failure-domain.beta.kubernetes.io/zone": "zone1"}


def node(name: str, labels: dict[str, str] | None = None, conditions: list[dict[str, Any]] | None = None) -> Node:
    status: dict[str, Any] = {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}
    if conditions is not None:
        status["conditions"] = conditions
    return from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}},
                      "status": status})


def pod(name: str, node_name: str, **spec: Any) -> Pod:
    return from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
                      "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": "nginx"}], **spec}})


DEFAULT = ModelConfig()


def settle(state: ClusterState, config: ModelConfig = DEFAULT, limit: int = 5000) -> ClusterState:
    """Run every component (in the cluster's fixed order) until only the clock and faults are left."""
    for _ in range(limit):
        actions = [a for a in enabled(state, config) if not isinstance(a, HELD)]
        if not actions:
            return state
        state = apply(state, actions[0], config)
    raise AssertionError(f"not quiescent after {limit} actions")


def run(state: ClusterState, seconds: int, config: ModelConfig = DEFAULT) -> ClusterState:
    for _ in range(seconds):
        state = settle(apply(state, Tick(), config), config)
    return state


def run_until(state: ClusterState, done: Any, limit: int = 1000) -> ClusterState:
    for _ in range(limit):
        if done(state):
            return state
        state = run(state, 1)
    raise AssertionError(f"condition not reached by t={state.time}")


def cluster(*objects: Any) -> ClusterState:
    return settle(initial_state(objects))


def create(state: ClusterState, obj: Any) -> ClusterState:
    state, response, _ = submit(state, rq.Create(ADMIN, obj))
    assert response.ok, response
    return settle(state)


def get_node(state: ClusterState, name: str) -> Node:
    return state.store.get("Node", None, name)


def ready(state: ClusterState, name: str) -> NodeCondition:
    return get_node(state, name).status.condition("Ready")


def taints(state: ClusterState, name: str, effect: str | None = None) -> dict[str, Any]:
    """The node's taints (of one effect) as key -> timeAdded."""
    return {t.key: t.time_added for t in get_node(state, name).spec.taints if effect in (None, t.effect)}


def post_status(state: ClusterState, name: str, status: str) -> ClusterState:
    """What a kubelet posting Ready ``status`` now would write (the tests' stand-in for a kubelet reporting
    NotReady, which the model's kubelet never does)."""
    current = get_node(state, name)
    condition = NodeCondition(type="Ready", status=status, last_heartbeat_time=state.time,
                              last_transition_time=state.time)
    conditions = tuple(c for c in current.status.conditions if c.type != "Ready") + (condition,)
    updated = attrs.evolve(current, status=attrs.evolve(current.status, conditions=conditions))
    state, response, _ = submit(state, rq.UpdateStatus(ADMIN, updated))
    assert response.ok, response
    return settle(state)


def memory(state: ClusterState) -> Any:
    return state.informer(nl.NAME).memory


# --- pure helpers ---------------------------------------------------------------------------------


def test_zone_key_prefers_the_beta_labels_and_is_empty_without_any() -> None:
    """GetZoneKey."""
    assert nl.zone_key(node("n")) == ""
    assert nl.zone_key(node("n", ZONE1)) == "region1:\x00:zone1"
    stable_only = {"topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "z"}
    assert nl.zone_key(node("n", stable_only)) == "r:\x00:z"
    assert nl.zone_key(node("n", {**stable_only, "failure-domain.beta.kubernetes.io/zone": "beta"})) == "r:\x00:beta"


def _ready(status: str | None) -> NodeCondition | None:
    return None if status is None else NodeCondition(type="Ready", status=status)


@pytest.mark.parametrize("statuses, expected", [
    # TestMonitorNodeHealth's zone states.
    (["True"], (0, nl.NORMAL)),
    (["Unknown", "Unknown"], (2, nl.FULL_DISRUPTION)),
    ([None, None, None, None], (4, nl.FULL_DISRUPTION)),  # nodes created recently without status conditions
    (["Unknown", "Unknown", "Unknown", "True"], (3, nl.PARTIAL_DISRUPTION)),
    (["Unknown", "Unknown", "True", "True", "True"], (2, nl.NORMAL)),
    (["Unknown", "Unknown", "Unknown", "True", "True"], (3, nl.PARTIAL_DISRUPTION)),
    # Two not-Ready nodes never make a partial disruption, whatever the share.
    (["False", "Unknown", "True"], (2, nl.NORMAL)),
    # 11 of 20 is exactly the 0.55 threshold.
    (["False"] * 11 + ["True"] * 9, (11, nl.PARTIAL_DISRUPTION)),
    (["False"] * 10 + ["True"] * 10, (10, nl.NORMAL)),
])
def test_compute_zone_state(statuses: list[str | None], expected: tuple[int, str]) -> None:
    assert nl.compute_zone_state([_ready(s) for s in statuses], 0.55) == expected


SEVERITY = {nl.NORMAL: 0, nl.PARTIAL_DISRUPTION: 1, nl.FULL_DISRUPTION: 2}


@settings(max_examples=100)
@given(st.lists(st.sampled_from(["True", "False", "Unknown", None]), min_size=1, max_size=30))
def test_a_ready_node_more_never_makes_a_zone_worse(statuses: list[str | None]) -> None:
    before = nl.compute_zone_state([_ready(s) for s in statuses], 0.55)[1]
    after = nl.compute_zone_state([_ready(s) for s in statuses + ["True"]], 0.55)[1]
    assert SEVERITY[after] <= SEVERITY[before]
    assert after != nl.FULL_DISRUPTION


@pytest.mark.parametrize("state, size, rate", [
    (nl.NORMAL, 3, 0.1), (nl.FULL_DISRUPTION, 3, 0.1), (nl.PARTIAL_DISRUPTION, 50, 0.0),
    (nl.PARTIAL_DISRUPTION, 51, 0.01),
])
def test_eviction_rate_per_zone_state(state: str, size: int, rate: float) -> None:
    """setLimiterInZone with HealthyQPSFunc and ReducedQPSFunc (largeClusterThreshold 50)."""
    assert nl.eviction_rate(state, size, 0.1, 0.01, 50) == rate


def test_silenced_node_without_conditions_never_updated() -> None:
    """TestMonitorNodeHealthUpdateStatus: "Node created long time ago, without status"."""
    created = attrs.evolve(node("node0"), metadata=attrs.evolve(node("node0").metadata, creation_timestamp=7))
    conditions = nl.silenced(created, 100).status.conditions
    assert [c.type for c in conditions] == ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]
    for c in conditions:
        assert (c.status, c.reason, c.message) == ("Unknown", "NodeStatusNeverUpdated",
                                                   "Kubelet never posted node status.")
        assert (c.last_heartbeat_time, c.last_transition_time) == (7, 100)


def test_silenced_node_that_stopped_posting() -> None:
    """TestMonitorNodeHealthUpdateStatus: "with status updated by kubelet exceeds grace period": Ready keeps its
    heartbeat, the conditions the kubelet never posted default to the creation time; NetworkUnavailable is the
    control plane's and stays."""
    stale = node("node0", conditions=[
        {"type": "Ready", "status": "True", "lastHeartbeatTime": 10, "lastTransitionTime": 5},
        {"type": "NetworkUnavailable", "status": "False", "lastHeartbeatTime": 10, "lastTransitionTime": 5}])
    stale = attrs.evolve(stale, metadata=attrs.evolve(stale.metadata, creation_timestamp=0))
    conditions = {c.type: c for c in nl.silenced(stale, 3600).status.conditions}
    assert conditions["Ready"] == NodeCondition(type="Ready", status="Unknown", reason="NodeStatusUnknown",
                                                message="Kubelet stopped posting node status.",
                                                last_heartbeat_time=10, last_transition_time=3600)
    assert conditions["MemoryPressure"].reason == "NodeStatusNeverUpdated"
    assert conditions["MemoryPressure"].last_heartbeat_time == 0
    assert conditions["NetworkUnavailable"].status == "False"
    again = nl.silenced(nl.silenced(stale, 3600), 4000)
    assert again == nl.silenced(stale, 3600)


def test_observe_heartbeat_counts_from_the_last_change_seen() -> None:
    """tryUpdateNodeHealth: a node never seen with a Ready condition counts from its creation, one seen first
    with a condition from now; only a changed heartbeat moves the probe time."""
    fresh = attrs.evolve(node("n"), metadata=attrs.evolve(node("n").metadata, creation_timestamp=3))
    assert nl.observe_heartbeat(None, fresh, 50) == nl.NodeHealth(probe=3)
    beating = node("n", conditions=[{"type": "Ready", "status": "True", "lastHeartbeatTime": 40}])
    first = nl.observe_heartbeat(None, beating, 50)
    assert first == nl.NodeHealth(probe=50, heartbeat=40, reported=True)
    assert nl.observe_heartbeat(first, beating, 90) == first
    later = node("n", conditions=[{"type": "Ready", "status": "True", "lastHeartbeatTime": 60}])
    assert nl.observe_heartbeat(first, later, 95).probe == 95
    assert nl.observe_heartbeat(nl.NodeHealth(probe=3), beating, 20).probe == 20


@pytest.mark.parametrize("conditions, unschedulable, expected", [
    # TestTaintsNodeByCondition.
    ([("Ready", "True"), ("NetworkUnavailable", "True")], False, ["node.kubernetes.io/network-unavailable"]),
    ([("Ready", "False")], False, ["node.kubernetes.io/not-ready"]),
    ([("Ready", "Unknown")], False, ["node.kubernetes.io/unreachable"]),
    ([("Ready", "True"), ("MemoryPressure", "True"), ("DiskPressure", "True"), ("PIDPressure", "True")], False,
     ["node.kubernetes.io/memory-pressure", "node.kubernetes.io/disk-pressure", "node.kubernetes.io/pid-pressure"]),
    ([("Ready", "True"), ("MemoryPressure", "Unknown")], True, ["node.kubernetes.io/unschedulable"]),
])
def test_condition_taints(conditions: list[tuple[str, str]], unschedulable: bool, expected: list[str]) -> None:
    subject = node("n", conditions=[{"type": t, "status": s} for t, s in conditions])
    subject = attrs.evolve(subject, spec=attrs.evolve(subject.spec, unschedulable=unschedulable))
    wanted = nl.condition_taints(subject)
    assert [t.key for t in wanted] == expected
    assert all(t.effect == NO_SCHEDULE and t.time_added is None for t in wanted)


def test_swap_taints_stamps_additions_and_keeps_what_is_there() -> None:
    """SwapNodeControllerTaint / AddOrUpdateTaint / RemoveTaint: taints match on key and effect."""
    existing = (Taint(key="a", effect=NO_EXECUTE, time_added=1), Taint(key="keep", effect=NO_SCHEDULE, value="v"))
    swapped = nl.swap_taints(existing, [Taint(key="a", effect=NO_EXECUTE), Taint(key="b", effect=NO_EXECUTE)],
                             [Taint(key="a", effect=NO_SCHEDULE), Taint(key="keep", effect=NO_SCHEDULE)], 9)
    assert swapped == (Taint(key="a", effect=NO_EXECUTE, time_added=1), Taint(key="b", effect=NO_EXECUTE, time_added=9))


_conditions = st.builds(
    PodCondition, type=st.sampled_from(["Ready", "ContainersReady", "DisruptionTarget"]),
    status=st.sampled_from(["True", "False"]), reason=st.sampled_from([None, "r"]),
    last_transition_time=st.integers(0, 5))


@settings(max_examples=100)
@given(st.lists(_conditions, unique_by=lambda c: c.type), _conditions, st.integers(6, 9))
def test_update_pod_condition(existing: list[PodCondition], condition: PodCondition, now: int) -> None:
    """UpdatePodCondition: the condition is set (its transition time kept when its status does not change), the
    others are untouched, and setting it again changes nothing."""
    status = PodStatus(conditions=tuple(existing))
    condition = attrs.evolve(condition, last_transition_time=now)
    updated, changed = nl.update_pod_condition(status, condition)
    old = status.condition(condition.type)
    new = updated.condition(condition.type)
    assert (new.status, new.reason) == (condition.status, condition.reason)
    assert new.last_transition_time == (old.last_transition_time if old and old.status == condition.status else now)
    assert changed == (updated != status)
    assert [c for c in updated.conditions if c.type != condition.type] == \
        [c for c in status.conditions if c.type != condition.type]
    assert nl.update_pod_condition(updated, condition) == (updated, False)


# --- the controller in the cluster -------------------------------------------------------------------


def test_heartbeats_keep_a_node_ready_and_untainted() -> None:
    state = run(cluster(node("n1"), node("n2")), 200)
    assert ready(state, "n1").status == "True" and ready(state, "n1").reason == "KubeletReady"
    assert taints(state, "n1") == {} and taints(state, "n2") == {}
    assert memory(state)["health"]["n1"].probe >= 190


def test_crashed_node_becomes_unknown_after_the_grace_period_and_is_tainted_unreachable() -> None:
    """TestApplyNoExecuteTaintsToUnreachableNode: the heartbeat last changed at t=0; the node is marked Unknown
    and tainted once more than nodeMonitorGracePeriod (50 s) has passed, not before."""
    state = create(cluster(node("n1"), node("n2")), pod("web", "n1"))
    state = run(state, 5)
    state = settle(apply(state, CrashNode("n1")))
    last = ready(state, "n1").last_heartbeat_time
    state = run(state, last + 50 - state.time)
    assert ready(state, "n1").status == "True" and taints(state, "n1") == {}
    state = run(state, 1)
    condition = ready(state, "n1")
    assert (condition.status, condition.reason, condition.message) == (
        "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
    assert (condition.last_heartbeat_time, condition.last_transition_time) == (last, last + 51)
    assert taints(state, "n1", NO_EXECUTE) == {"node.kubernetes.io/unreachable": last + 51}
    assert taints(state, "n1", NO_SCHEDULE) == {"node.kubernetes.io/unreachable": last + 51}
    assert taints(state, "n2") == {}
    web = state.store.get("Pod", "default", "web")
    assert web.status.condition("Ready").status == "False"  # MarkPodsNotReady
    assert web.status.condition("Ready").last_transition_time == last + 51


@pytest.mark.parametrize("now, silenced", [(50, False), (51, True), (3600, True)])
def test_the_grace_period_must_be_exceeded(now: int, silenced: bool) -> None:
    """tryUpdateNodeHealth: ``now.After(probeTimestamp + gracePeriod)``; until then the sync only asks to be run
    again when the grace period runs out."""
    stale = node("n1", conditions=[{"type": "Ready", "status": "True", "lastHeartbeatTime": 0}])
    memory_ = nl.CONTROLLER.reconcile(base.Context(Objects().put(stale), ("n1",), 0, FrozenDict(),
                                                   ModelConfig())).memory
    result = nl.reconcile(base.Context(Objects().put(stale), ("n1",), now, memory_, ModelConfig()))
    if silenced:
        (request,) = result.requests
        assert isinstance(request, rq.UpdateStatus) and request.object.status.condition("Ready").status == "Unknown"
    else:
        assert result.requests == () and result.requeue_after == 51 - now


def test_taint_is_removed_when_heartbeats_resume() -> None:
    """TestApplyNoExecuteTaintsToUnreachableNode: "Unreachable taint should be deleted from node0 after it sends a
    new heartbeat"."""
    state = settle(apply(cluster(node("n1"), node("n2")), PartitionNode("n1")))
    state = run_until(state, lambda s: taints(s, "n1", NO_EXECUTE))
    state = settle(apply(state, HealPartition("n1")))
    assert ready(state, "n1").status == "True"
    assert taints(state, "n1") == {}


def test_a_not_ready_node_is_tainted_not_ready_and_untainted_when_ready() -> None:
    """TestApplyNoExecuteTaints: Ready False gives the not-ready taints; Ready again removes every taint."""
    state = settle(apply(cluster(node("n1"), node("n2")), CrashNode("n1")))
    state = post_status(run(state, 3), "n1", "False")
    assert taints(state, "n1", NO_EXECUTE) == {"node.kubernetes.io/not-ready": state.time}
    assert taints(state, "n1", NO_SCHEDULE) == {"node.kubernetes.io/not-ready": state.time}
    state = post_status(run(state, 3), "n1", "True")
    assert taints(state, "n1") == {}


def test_unreachable_and_not_ready_taints_swap_at_once() -> None:
    """TestSwapUnreachableNotReadyTaints: a node tainted unreachable that reports Ready False gets the not-ready
    taint at once, without waiting for the zone's rate limiter (its next token is 10 s away)."""
    state = settle(apply(cluster(node("n1"), node("n2")), CrashNode("n1")))
    state = run_until(state, lambda s: taints(s, "n1", NO_EXECUTE))
    tainted_at = taints(state, "n1", NO_EXECUTE)["node.kubernetes.io/unreachable"]
    state = post_status(run(state, 2), "n1", "False")
    assert state.time < tainted_at + 10
    assert taints(state, "n1", NO_EXECUTE) == {"node.kubernetes.io/not-ready": state.time}
    state = run(state, 60)  # the kubelet is still down: Unknown again, and swapped back at once
    assert ready(state, "n1").status == "Unknown"
    assert set(taints(state, "n1", NO_EXECUTE)) == {"node.kubernetes.io/unreachable"}


def test_a_node_that_never_reported_gets_the_startup_grace_period() -> None:
    """TestMonitorNodeHealthUpdateStatus: a node without status is left alone for nodeStartupGracePeriod (60 s)
    from its creation, then every condition is NodeStatusNeverUpdated."""
    state = settle(apply(initial_state([node("n1"), node("n2")]), CrashNode("n1")))
    assert get_node(state, "n1").status.conditions == ()
    state = run(state, 60)
    assert get_node(state, "n1").status.conditions == ()
    state = run(state, 1)
    conditions = get_node(state, "n1").status.conditions
    assert [(c.type, c.status, c.reason, c.last_heartbeat_time, c.last_transition_time) for c in conditions] == [
        (t, "Unknown", "NodeStatusNeverUpdated", 0, 61) for t in nl.SILENCED_CONDITIONS]
    assert set(taints(state, "n1", NO_EXECUTE)) == {"node.kubernetes.io/unreachable"}


def test_tainting_is_rate_limited_to_one_node_per_zone_every_ten_seconds() -> None:
    """--node-eviction-rate 0.1: two nodes of one zone going Unknown together are tainted 10 s apart; a node of
    another zone is not held up."""
    other = {"topology.kubernetes.io/zone": "zone2"}
    state = cluster(node("a", ZONE1), node("b", ZONE1), node("c", ZONE1), node("d", other), node("e", other))
    for name in ("a", "b", "d"):
        state = apply(state, CrashNode(name))
    state = run_until(settle(state), lambda s: all(taints(s, n, NO_EXECUTE) for n in ("a", "b", "d")))
    times = sorted(next(iter(taints(state, n, NO_EXECUTE).values())) for n in ("a", "b"))
    assert times[1] - times[0] == 10
    assert taints(state, "d", NO_EXECUTE)["node.kubernetes.io/unreachable"] == times[0]


def test_a_partially_disrupted_small_zone_is_not_tainted() -> None:
    """ComputeZoneState/ReducedQPSFunc: 3 of 5 nodes not Ready (>= 55 %, more than 2) in a zone of at most
    --large-cluster-size-threshold nodes stops NoExecute tainting there; the NoSchedule taints still come."""
    names = [f"n{i}" for i in range(5)]
    state = cluster(*(node(n, ZONE1) for n in names), pod("bare", "n0"))
    for name in names[:3]:
        state = apply(state, CrashNode(name))
    state = run(settle(state), 120)
    assert all(ready(state, n).status == "Unknown" for n in names[:3])
    assert all(taints(state, n, NO_EXECUTE) == {} for n in names)
    assert all(set(taints(state, n, NO_SCHEDULE)) == {"node.kubernetes.io/unreachable"} for n in names[:3])
    assert state.store.get("Pod", "default", "bare").metadata.deletion_timestamp is None


def test_a_large_partially_disrupted_zone_is_tainted_at_the_secondary_rate() -> None:
    config = ModelConfig(large_cluster_size_threshold=4)
    names = [f"n{i}" for i in range(5)]
    state = settle(initial_state([node(n, ZONE1) for n in names]), config)
    for name in names[:3]:
        state = apply(state, CrashNode(name))
    state = settle(state, config)
    for _ in range(300):
        state = settle(apply(state, Tick(), config), config)
    added = sorted(t for n in names[:3] for t in taints(state, n, NO_EXECUTE).values())
    assert len(added) == 3
    assert [b - a for a, b in zip(added, added[1:], strict=False)] == [100, 100]


def test_master_disruption_mode_stops_tainting_and_ends_with_a_fresh_grace_period() -> None:
    """handleDisruption: with every zone fully disrupted (here: the only node) nothing is tainted NoExecute and
    no pod is evicted; when a node is Ready again every node's probe time restarts."""
    state = cluster(node("n1"), pod("bare", "n1"))
    state = settle(apply(state, CrashNode("n1")))
    state = run(state, 400)
    assert ready(state, "n1").status == "Unknown"
    assert taints(state, "n1", NO_EXECUTE) == {}
    assert set(taints(state, "n1", NO_SCHEDULE)) == {"node.kubernetes.io/unreachable"}
    assert state.store.get("Pod", "default", "bare").metadata.deletion_timestamp is None
    assert memory(state)["disrupted"] is True
    state = settle(apply(state, RecoverNode("n1")))
    assert memory(state)["disrupted"] is False
    assert memory(state)["health"]["n1"].probe == state.time
    assert taints(state, "n1") == {}


def test_entering_master_disruption_mode_removes_the_no_execute_taints() -> None:
    """handleDisruption: "Controller detected that all Nodes are not-Ready. Entering master disruption mode"
    removes the taints of nodes already tainted."""
    state = cluster(node("n1"), node("n2"))
    state = run_until(settle(apply(state, CrashNode("n1"))), lambda s: taints(s, "n1", NO_EXECUTE))
    state = run_until(settle(apply(state, CrashNode("n2"))), lambda s: ready(s, "n2").status == "Unknown")
    state = run(state, 1)
    assert taints(state, "n1", NO_EXECUTE) == {} and taints(state, "n2", NO_EXECUTE) == {}


def test_mark_pods_not_ready_is_retried_after_a_failed_update() -> None:
    """TestMonitorNodeHealthMarkPodsNotReadyRetry: a failed pod status update (not NotFound) leaves the node to
    retry; the retry marks the pod not Ready; NotFound needs no retry."""
    state = create(cluster(node("n1"), node("n2")), pod("web", "n1"))
    state = settle(apply(state, CrashNode("n1")))
    state = run_until(state, lambda s: ready(s, "n1").status == "Unknown")
    web = state.store.get("Pod", "default", "web")
    marked = nl.mark_pods_not_ready((web,), "n1", state.time)
    assert marked == ()  # already not Ready
    failed = nl.observe(memory(state), rq.UpdateStatus(nl.IDENTITY, web), rq.Response(409, "Conflict"))
    assert failed["health"]["n1"].mark_pods
    assert nl.observe(memory(state), rq.UpdateStatus(nl.IDENTITY, web), rq.Response(404, "NotFound")) == memory(state)
    # The pod reads Ready again (as if the failed update had not happened), and the node is reconciled.
    readied = attrs.evolve(web, status=nl.update_pod_condition(
        web.status, PodCondition(type="Ready", status="True", last_transition_time=state.time))[0])
    state, response, _ = submit(state, rq.UpdateStatus(ADMIN, readied))
    assert response.ok
    state = settle(state)
    informer = attrs.evolve(state.informer(nl.NAME), memory=failed).enqueue(("n1",))
    state = settle(state.with_informer(nl.NAME, informer))
    assert state.store.get("Pod", "default", "web").status.condition("Ready").status == "False"
    assert not memory(state)["health"]["n1"].mark_pods


def test_its_requests_pass_the_api_servers_authorization() -> None:
    """The node-controller role allows the Unknown write, MarkPodsNotReady, and the taint GET and update."""
    state = settle(apply(cluster(node("n1"), node("n2"), pod("bare", "n1")), CrashNode("n1")))
    state = apply(run(state, 50), Tick())
    silence = base.reconcile(BY_NAME[nl.NAME], state, ("n1",), DEFAULT)
    assert [r.reason for r in silence.responses] == ["OK", "OK"]  # node status, then the pod's
    assert silence.state.store.get("Pod", "default", "bare").status.condition("Ready").status == "False"
    state = silence.state
    while state.informer(nl.NAME).revision < state.store.revision:
        state = apply(state, DeliverWatchEvent(nl.NAME))
    taint = base.reconcile(BY_NAME[nl.NAME], state, ("n1",), DEFAULT)
    assert [r.reason for r in taint.responses] == ["OK", "OK"]  # GET the node, update its taints
    assert set(taints(taint.state, "n1", NO_EXECUTE)) == {"node.kubernetes.io/unreachable"}
    assert nl.IDENTITY == controller_identity("node-controller")


FAULTS = st.lists(st.tuples(st.sampled_from(["crash", "partition", "repair"]), st.sampled_from(["a", "b", "c"]),
                            st.integers(0, 16)), min_size=1, max_size=5)


def repaired(state: ClusterState, name: str) -> ClusterState:
    """The node's machine is up and reaches the API server (a partition outlives a crash)."""
    if not state.nodes[name].up:
        state = apply(state, RecoverNode(name))
    return state if state.nodes[name].reachable else apply(state, HealPartition(name))


@settings(max_examples=15, deadline=None)
@given(FAULTS)
def test_random_outages_keep_the_taints_exclusive_and_end_untainted(faults: list[tuple[str, str, int]]) -> None:
    """Under any sequence of crashes, partitions and repairs (5 s ticks): a node never carries both the not-ready
    and the unreachable NoExecute taint, and never a NoExecute taint while it reports Ready; once every node is
    repaired, every node is Ready and untainted and no eviction is pending."""
    state = cluster(node("a"), node("b"), node("c"))
    state = create(state, pod("web", "a"))
    for fault, name, ticks in faults:
        if fault == "crash" and state.nodes[name].up:
            state = apply(state, CrashNode(name))
        elif fault == "partition" and state.nodes[name].up and state.nodes[name].reachable:
            state = apply(state, PartitionNode(name))
        elif fault == "repair":
            state = repaired(state, name)
        state = settle(state)
        for _ in range(ticks):
            state = settle(apply(state, Tick(5)))
            for n in state.store.list("Node"):
                no_execute = set(taints(state, n.name, NO_EXECUTE))
                assert no_execute != {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}
                assert not no_execute or not n.is_ready
    for name in ("a", "b", "c"):
        state = settle(repaired(state, name))
    state = run(state, 60)
    assert all(ready(state, n).status == "True" for n in ("a", "b", "c"))
    assert all(taints(state, n) == {} for n in ("a", "b", "c"))
    assert all(w.fire_at is None for w in state.informer("taint-eviction-controller").memory.values())


def test_a_deleted_node_is_forgotten() -> None:
    state = cluster(node("n1"), node("n2"))
    state, response, _ = submit(state, rq.Delete(ADMIN, "Node", None, "n2"))
    assert response.ok
    state = settle(state)
    assert set(memory(state)["health"]) == {"n1"}


def test_enqueue_queues_every_node_when_a_ready_status_changes() -> None:
    cache = Objects().put(node("a")).put(node("b"))
    old = node("a", conditions=[{"type": "Ready", "status": "True", "lastHeartbeatTime": 1}])
    beat = node("a", conditions=[{"type": "Ready", "status": "True", "lastHeartbeatTime": 11}])
    lost = node("a", conditions=[{"type": "Ready", "status": "Unknown", "lastHeartbeatTime": 1}])
    assert list(nl.enqueue(WatchEvent(MODIFIED, beat, 2), old, cache)) == [("a",)]
    assert list(nl.enqueue(WatchEvent(MODIFIED, lost, 2), old, cache)) == [("a",), ("b",)]
    assert list(nl.enqueue(WatchEvent(MODIFIED, old, 2), old, cache)) == []
    assert list(nl.enqueue(WatchEvent(ADDED, pod("p", "a"), 2), None, cache)) == []
