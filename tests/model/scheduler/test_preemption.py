"""DefaultPreemption: victim selection and node choice, after
``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption_test.go`` (TestPostFilter,
TestDryRunPreemption / SelectVictimsOnNode cases, TestPickOneNodeForPreemption, TestPodEligibleToPreemptOthers)."""

from __future__ import annotations

from typing import Any

from model.scheduler import Profile, Snapshot, preempt, schedule
from model.scheduler.preemption import failure_message, post_filter
from tests.model.scheduler.builders import make_node, make_pod, pod_affinity

LOW, MID, HIGH = 0, 100, 1000
MIN_INT32 = -(2**31)


def _victim(name: str, node: str, priority: int, cpu: str = "500m", start: int | None = None, **kwargs: Any) -> Any:
    status = {"startTime": start} if start is not None else None
    return make_pod(name, node=node, requests={"cpu": cpu}, priority=priority, status=status, **kwargs)


def _nodes(*names: str, cpu: str = "1") -> list[Any]:
    return [make_node(name, cpu=cpu) for name in names]


def _preemptor(cpu: str = "1", priority: int = HIGH, **kwargs: Any) -> Any:
    return make_pod("preemptor", requests={"cpu": cpu}, priority=priority, **kwargs)


def test_victims_are_the_fewest_lowest_priority_pods() -> None:
    """SelectVictimsOnNode: remove every lower-priority pod, then reprieve from the most important down."""
    node = make_node("n1", cpu="1")
    low = _victim("low", "n1", LOW, "400m")
    mid = _victim("mid", "n1", MID, "400m")
    result = preempt(_preemptor("500m"), Snapshot.of([node, low, mid]))
    assert result is not None and result.node == "n1" and [p.name for p in result.victims] == ["low"]


def test_victims_are_ordered_most_important_first() -> None:
    node = make_node("n1", cpu="1")
    pods = [_victim("a", "n1", LOW), _victim("b", "n1", MID)]
    result = preempt(_preemptor(), Snapshot.of([node, *pods]))
    assert result is not None and [p.name for p in result.victims] == ["b", "a"]


def test_never_preempts_equal_or_higher_priority() -> None:
    node = make_node("n1", cpu="1")
    for priority in (HIGH, HIGH + 1):
        snapshot = Snapshot.of([node, _victim("peer", "n1", priority, "1")])
        outcome = post_filter(_preemptor(), snapshot)
        assert outcome.preemption is None
        assert outcome.message == "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."


def test_preemption_policy_never() -> None:
    """PodEligibleToPreemptOthers: preemptionPolicy Never."""
    snapshot = Snapshot.of([make_node("n1", cpu="1"), _victim("low", "n1", LOW, "1")])
    outcome = post_filter(_preemptor(preemptionPolicy="Never"), snapshot)
    assert outcome.preemption is None and outcome.message == "preemption: not eligible due to preemptionPolicy=Never."


def test_unresolvable_nodes_are_not_candidates() -> None:
    """findCandidates: only Unschedulable nodes; a taint or a request beyond allocatable cannot be helped."""
    nodes = [
        make_node("small", cpu="500m"),
        make_node("tainted", cpu="2", taints=[{"key": "k", "effect": "NoSchedule"}]),
    ]
    pods = [_victim("low", "small", LOW, "500m"), _victim("low2", "tainted", LOW, "2")]
    outcome = post_filter(_preemptor(), Snapshot.of([*nodes, *pods]))
    assert outcome.preemption is None
    assert outcome.message == "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."


def test_node_that_still_does_not_fit_reports_the_filter() -> None:
    nodes = [make_node("n1", cpu="1")]
    pods = [_victim("low", "n1", LOW, "500m"), _victim("vip", "n1", HIGH + 1, "500m")]
    outcome = post_filter(_preemptor(), Snapshot.of([*nodes, *pods]))
    assert outcome.preemption is None and outcome.message == "preemption: 0/1 nodes are available: 1 Insufficient cpu."


def test_pod_that_fits_needs_no_preemption() -> None:
    assert preempt(_preemptor(), Snapshot.of(_nodes("n1"))) is None


def test_profile_without_default_preemption_never_preempts() -> None:
    profile = Profile.from_dict({"plugins": {"postFilter": {"disabled": [{"name": "DefaultPreemption"}]}}})
    snapshot = Snapshot.of([make_node("n1", cpu="1"), _victim("low", "n1", LOW, "1")])
    assert post_filter(_preemptor(), snapshot, profile).message == ""
    assert preempt(_preemptor(), snapshot, profile) is None


# --- pickOneNodeForPreemption: TestPickOneNodeForPreemption ---------------------------------------------


def _pick(*pods: Any, nodes: tuple[str, ...] = ("node1", "node2", "node3")) -> Any:
    result = preempt(_preemptor(), Snapshot.of([*_nodes(*nodes), *pods]))
    assert result is not None
    return result


def test_both_nodes_fit_when_their_lower_priority_pods_go() -> None:
    result = _pick(_victim("p1", "node1", MID, "1"), _victim("p2", "node2", MID, "1"), nodes=("node1", "node2"))
    assert result.tied == ("node1", "node2") and result.node == "node1"


def test_machine_with_min_highest_priority_pod_is_picked() -> None:
    result = _pick(
        _victim("p1.1", "node1", MID),
        _victim("p1.2", "node1", LOW),
        _victim("p2.1", "node2", MID),
        _victim("p2.2", "node2", MID),
        _victim("p3.1", "node3", LOW),
        _victim("p3.2", "node3", LOW),
    )
    assert result.node == "node3" and result.tied == ("node3",)


def test_same_highest_priority_minimum_sum_is_picked() -> None:
    result = _pick(
        _victim("p1.1", "node1", MID),
        _victim("p1.2", "node1", LOW),
        _victim("p2.1", "node2", MID),
        _victim("p2.2", "node2", MID),
        _victim("p3.1", "node3", MID),
        _victim("p3.2", "node3", LOW),
    )
    assert result.tied == ("node1", "node3")


def test_same_highest_priority_and_sum_fewest_victims_is_picked() -> None:
    """Priorities are shifted by 2^31 before summing, so one pod at MID and two at MID and MinInt32 tie on
    the sum; fewer victims wins."""
    result = _pick(
        _victim("p1.1", "node1", MID, "1"),
        _victim("p2.1", "node2", MID),
        _victim("p2.2", "node2", MIN_INT32),
        nodes=("node1", "node2"),
    )
    assert result.node == "node1" and len(result.victims) == 1


def test_latest_start_of_the_highest_priority_victims_is_picked() -> None:
    result = _pick(
        _victim("p1.1", "node1", MID, start=1),
        _victim("p1.2", "node1", MID, start=2),
        _victim("p2.1", "node2", MID, start=3),
        _victim("p2.2", "node2", MID, start=4),
        nodes=("node1", "node2"),
    )
    assert result.node == "node2"


def test_lower_priority_nominations_on_the_node_are_cleared() -> None:
    nominated = make_pod("waiting", requests={"cpu": "1"}, priority=LOW, status={"nominatedNodeName": "node1"})
    result = _pick(_victim("p1", "node1", MID, "1"), nominated, nodes=("node1",))
    assert [p.name for p in result.nominated_to_clear] == ["waiting"]


def test_preemption_resolves_anti_affinity_of_a_lower_priority_pod() -> None:
    """An existing pod's anti-affinity (Unschedulable, so preemption may help) goes with the pod."""
    node = make_node("n1", {"zone": "z"})
    guard = make_pod(
        "guard",
        node="n1",
        priority=LOW,
        affinity=pod_affinity(
            anti_affinity=[{"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "zone"}]
        ),
    )
    result = preempt(make_pod("web", labels={"app": "web"}, priority=HIGH), Snapshot.of([node, guard]))
    assert result is not None and [p.name for p in result.victims] == ["guard"]


def test_terminating_victim_on_the_nominated_node_blocks_more_preemption() -> None:
    """PodEligibleToPreemptOthers: a victim of an earlier preemption is still terminating there."""
    node = make_node("n1", cpu="1")
    leaving = make_pod(
        "leaving",
        node="n1",
        requests={"cpu": "1"},
        priority=LOW,
        metadata={"deletionTimestamp": 7},
        status={"conditions": [{"type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"}]},
    )
    pod = _preemptor(status={"nominatedNodeName": "n1"})
    outcome = post_filter(pod, Snapshot.of([node, leaving]))
    assert outcome.preemption is None
    assert outcome.message == "preemption: not eligible due to a terminating pod on the nominated node."


def test_failure_message_appends_the_post_filter_message() -> None:
    """The FailedScheduling event: "0/1 nodes are available: 1 Insufficient cpu. preemption: ..."."""
    snapshot = Snapshot.of([make_node("n1", cpu="1"), _victim("peer", "n1", HIGH, "1")])
    pod = _preemptor()
    result = schedule(pod, snapshot)
    assert failure_message(result.message, post_filter(pod, snapshot)) == (
        "0/1 nodes are available: 1 Insufficient cpu. "
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    )
    victim_snapshot = Snapshot.of([make_node("n1", cpu="1"), _victim("low", "n1", LOW, "1")])
    outcome = post_filter(pod, victim_snapshot)
    assert outcome.preemption is not None
    assert failure_message(schedule(pod, victim_snapshot).message, outcome) == (
        "0/1 nodes are available: 1 Insufficient cpu."
    )
