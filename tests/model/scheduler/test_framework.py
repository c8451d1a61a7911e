"""The scheduling cycle: FitError messages, percentageOfNodesToScore, PreFilter results, nominated pods, ties.

Sources (kubernetes/kubernetes): ``pkg/scheduler/framework/types_test.go`` (TestFitError_Error),
``pkg/scheduler/schedule_one_test.go`` (TestNumFeasibleNodesToFind, TestSchedulerSchedulePod's
"test 1"-style cases, TestFindFitAllError/SomeError, the PreFilterResult and nominated-node cases),
``pkg/scheduler/framework/runtime/framework_test.go`` (TestRunFilterPluginsWithNominatedPods).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.scheduler import Profile, Snapshot, explain, feasible, schedule
from model.scheduler.framework import fit_error_message, num_feasible_nodes_to_find, score_nodes
from model.scheduler.status import Status
from tests.model.scheduler.builders import claim_volume, make_node, make_pod

NO_SCORES = Profile.from_dict({"plugins": {"score": {"disabled": [{"name": "*"}]}}})


# --- FitError.Error: TestFitError_Error -----------------------------------------------------------------


def _all(reason: str, *names: str) -> dict[str, Status]:
    return {name: Status.unschedulable(reason) for name in names}


def test_fit_error_pre_filter_message_replaces_the_histogram() -> None:
    statuses = _all("Node(s) failed PreFilter plugin FalsePreFilter", "node1", "node2", "node3")
    message = "Node(s) failed PreFilter plugin FalsePreFilter"
    assert (
        fit_error_message(3, statuses, pre_filter_msg=message)
        == "0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter."
    )
    assert fit_error_message(
        3, statuses, pre_filter_msg=message, post_filter_msg="Error running PostFilter plugin FailedPostFilter"
    ) == (
        "0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter. "
        "Error running PostFilter plugin FailedPostFilter"
    )


def test_fit_error_one_filter_plugin() -> None:
    statuses = _all("Node(s) failed Filter plugin FalseFilter-1", "node1", "node2", "node3")
    assert fit_error_message(3, statuses) == "0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1."
    assert fit_error_message(3, statuses, post_filter_msg="Error running PostFilter plugin FailedPostFilter") == (
        "0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1. "
        "Error running PostFilter plugin FailedPostFilter"
    )


def test_fit_error_histogram_is_sorted_as_strings() -> None:
    statuses = {
        **_all("Node(s) failed Filter plugin FalseFilter-1", "node1", "node2"),
        **_all("Node(s) failed Filter plugin FalseFilter-2", "node3"),
    }
    assert fit_error_message(3, statuses) == (
        "0/3 nodes are available: 1 Node(s) failed Filter plugin FalseFilter-2, "
        "2 Node(s) failed Filter plugin FalseFilter-1."
    )
    many = {f"n{i}": Status.unschedulable("b") for i in range(10)} | {"m": Status.unschedulable("a")}
    assert fit_error_message(11, many) == "0/11 nodes are available: 1 a, 10 b."


def test_fit_error_counts_absent_nodes_and_every_reason() -> None:
    statuses = {"node1": Status.unschedulable("Insufficient cpu", "Insufficient memory")}
    absent = Status.unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]")
    assert fit_error_message(3, statuses, absent) == (
        "0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, "
        "2 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )


# --- numFeasibleNodesToFind: TestNumFeasibleNodesToFind --------------------------------------------------


@pytest.mark.parametrize(
    "percentage, nodes, want",
    [
        (0, 10, 10),
        (40, 10, 10),
        (0, 99, 99),
        (0, 100, 100),
        (0, 500, 230),
        (0, 1000, 420),
        (40, 1000, 400),
        (100, 1000, 1000),
        (0, 5000, 500),
        (0, 6000, 300),
        (40, 6000, 2400),
        (5, 1000, 100),
    ],
)
def test_num_feasible_nodes_to_find(percentage: int, nodes: int, want: int) -> None:
    assert num_feasible_nodes_to_find(percentage, nodes) == want


def test_scan_stops_after_enough_feasible_nodes_and_resumes_there() -> None:
    """findNodesThatPassFilters: 120 nodes at 50 % look for max(60, 100) = 100 feasible nodes, from
    nextStartNodeIndex, which then moves past the processed nodes (mod the number of nodes)."""
    nodes = [make_node(f"n{i:03}") for i in range(120)]
    snapshot = Snapshot.of(nodes)
    profile = Profile.from_dict({"percentageOfNodesToScore": 50})
    first = schedule(make_pod(), snapshot, profile)
    assert len(first.feasible) == 100 and first.feasible[0] == "n000" and first.next_start_index == 100
    second = schedule(make_pod(), snapshot, profile, first.next_start_index)
    assert second.feasible[:20] == tuple(f"n{i:03}" for i in range(100, 120))
    assert second.feasible[20] == "n000" and second.next_start_index == 80


def test_without_score_plugins_one_feasible_node_is_enough() -> None:
    nodes = [make_node(f"n{i}") for i in range(5)]
    result = schedule(make_pod(), Snapshot.of(nodes), NO_SCORES, start_index=2)
    assert result.best == ("n2",) and result.feasible == ("n2",) and result.next_start_index == 3


# --- schedule -----------------------------------------------------------------------------------------


def test_fit_error_message_from_filters() -> None:
    """The FitError a mixed cluster produces: each node counted under its first failing filter."""
    nodes = [
        make_node("small", cpu="1"),
        make_node("tainted", taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}]),
        make_node("tainted2", taints=[{"key": "k", "effect": "NoExecute"}]),
        make_node("other", {"disk": "hdd"}),
        make_node("other2", {"disk": "hdd"}),
    ]
    small_ok = make_pod(requests={"cpu": "2"}, nodeSelector={"disk": "ssd"})
    result = schedule(small_ok, Snapshot.of(nodes))
    assert result.best == () and result.feasible == ()
    assert result.message == (
        "0/5 nodes are available: 2 node(s) had untolerated taint(s), "
        "3 node(s) didn't match Pod's node affinity/selector."
    )
    big = make_pod(requests={"cpu": "2"})
    result = schedule(big, Snapshot.of([nodes[0], nodes[1], nodes[2]]))
    assert result.message == "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint(s)."
    assert dict(result.reasons) == {
        "small": ("Insufficient cpu",),
        "tainted": ("node(s) had untolerated taint(s)",),
        "tainted2": ("node(s) had untolerated taint(s)",),
    }


def test_no_nodes() -> None:
    assert schedule(make_pod(), Snapshot()).message == "no nodes available to schedule pods"


def test_pre_filter_rejection_gives_its_message() -> None:
    """A PreFilter rejection applies to every node and is the whole FitError message."""
    nodes = [make_node("a"), make_node("b")]
    pod = make_pod(volumes=[claim_volume("v", "data")])
    result = schedule(pod, Snapshot.of(nodes))
    assert result.message == '0/2 nodes are available: persistentvolumeclaim "data" not found.'
    assert feasible(pod, Snapshot.of(nodes)) == {
        "a": ['persistentvolumeclaim "data" not found'],
        "b": ['persistentvolumeclaim "data" not found'],
    }


def test_pre_filter_result_leaves_other_nodes_out() -> None:
    """A DaemonSet-style pod pinned by matchFields: the other nodes "didn't satisfy plugin(s) [NodeAffinity]"."""
    nodes = [make_node("node1", taints=[{"key": "k", "effect": "NoSchedule"}]), make_node("node2"), make_node("node3")]
    pod = make_pod(
        affinity={
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node1"]}]}
                    ]
                }
            }
        }
    )
    result = schedule(pod, Snapshot.of(nodes))
    assert result.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), "
        "2 node(s) didn't satisfy plugin(s) [NodeAffinity]."
    )
    assert feasible(pod, Snapshot.of(nodes))["node2"] == ["node(s) didn't satisfy plugin(s) [NodeAffinity]"]
    assert result.reasons["node3"] == ("node(s) didn't satisfy plugin(s) [NodeAffinity]",)


def test_single_feasible_node_skips_scoring() -> None:
    nodes = [make_node("a", cpu="1"), make_node("b", cpu="8")]
    result = schedule(make_pod(requests={"cpu": "2"}), Snapshot.of(nodes))
    assert result.best == ("b",) and dict(result.scores) == {}


def test_identical_nodes_tie() -> None:
    pytest.importorskip("model.scheduler.scoring")
    nodes = [make_node(name) for name in ("a", "b", "c")]
    result = schedule(make_pod(requests={"cpu": "1"}), Snapshot.of(nodes))
    assert result.best == ("a", "b", "c") and len({s.total for s in result.scores.values()}) == 1


def test_least_allocated_prefers_the_emptier_node() -> None:
    pytest.importorskip("model.scheduler.scoring")
    busy = make_pod("busy", node="a", requests={"cpu": "3", "memory": "6Gi"})
    result = schedule(
        make_pod(requests={"cpu": "1", "memory": "1Gi"}), Snapshot.of([make_node("a"), make_node("b"), busy])
    )
    assert result.best == ("b",)
    scores = result.scores
    assert scores["b"].scores["NodeResourcesFit"] > scores["a"].scores["NodeResourcesFit"]
    assert all(0 <= value <= 100 for s in scores.values() for value in s.scores.values())


def test_without_score_plugins_every_node_scores_one() -> None:
    """prioritizeNodes: no Score plugins means every node's total is 1."""
    nodes = [make_node("a"), make_node("b")]
    scores = score_nodes(make_pod(), ["a", "b"], Snapshot.of(nodes), NO_SCORES)
    assert {name: s.total for name, s in scores.items()} == {"a": 1, "b": 1}


def test_a_bound_pod_does_not_count_against_itself() -> None:
    node = make_node("a", cpu="1")
    pod = make_pod(requests={"cpu": "1"}, node="a")
    assert schedule(pod, Snapshot.of([node, pod])).best == ("a",)


# --- nominated pods: TestRunFilterPluginsWithNominatedPods ---------------------------------------------


def _nominated(name: str, node: str, priority: int, cpu: str = "1") -> object:
    return make_pod(name, requests={"cpu": cpu}, priority=priority, status={"nominatedNodeName": node})


def test_higher_priority_nominated_pods_hold_their_room() -> None:
    node = make_node("a", cpu="2")
    pod = make_pod(requests={"cpu": "2"}, priority=10)
    assert feasible(pod, Snapshot.of([node, _nominated("big", "a", 100)]))["a"] == ["Insufficient cpu"]
    assert feasible(pod, Snapshot.of([node, _nominated("equal", "a", 10)]))["a"] == ["Insufficient cpu"]
    assert feasible(pod, Snapshot.of([node, _nominated("low", "a", 1)]))["a"] == []


def test_filters_must_pass_without_the_nominated_pods_too() -> None:
    """Pod affinity satisfied only by a nominated pod is not enough: the second pass runs without it."""
    node = make_node("a", {"zone": "z"})
    nominated = make_pod("peer", labels={"app": "db"}, priority=10, status={"nominatedNodeName": "a"})
    other = make_pod("other", labels={"app": "db"}, node="elsewhere")
    pod = make_pod(
        labels={"app": "web"},
        affinity={
            "podAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "zone"}
                ]
            }
        },
    )
    assert feasible(pod, Snapshot.of([node, nominated, other]))["a"] == ["node(s) didn't match pod affinity rules"]


def test_nominated_node_is_tried_first() -> None:
    nodes = [make_node("busy"), make_node("idle")]
    filler = make_pod("filler", node="busy", requests={"cpu": "3"})
    pod = make_pod(requests={"cpu": "1"}, status={"nominatedNodeName": "busy"})
    result = schedule(pod, Snapshot.of([*nodes, filler]))
    assert result.best == ("busy",) and result.feasible == ("busy",)


# --- explain ------------------------------------------------------------------------------------------


def test_explain_reports_every_filter_and_the_scores() -> None:
    nodes = [make_node("a", cpu="1", taints=[{"key": "k", "effect": "NoSchedule"}]), make_node("b"), make_node("c")]
    explanation = explain(make_pod("web", requests={"cpu": "2"}), nodes, [])
    by_node = {n.node: n for n in explanation.nodes}
    verdicts = {v.plugin: v for v in by_node["a"].filters}
    assert by_node["a"].reasons == ("node(s) had untolerated taint(s)",) and not by_node["a"].feasible
    assert not verdicts["TaintToleration"].passed and not verdicts["NodeResourcesFit"].passed
    assert verdicts["NodeResourcesFit"].reason == "Insufficient cpu"
    assert verdicts["NodePorts"].note == "skipped" and verdicts["NodeVolumeLimits"].note == "not modelled"
    assert by_node["a"].total is None and by_node["b"].feasible
    if by_node["b"].total is not None:
        weights = dict(Profile.default().scores)
        assert by_node["b"].total == sum(weights[p] * s for p, s in by_node["b"].scores.items())
    assert set(explanation.best) <= {"b", "c"} and explanation.message is None


# --- properties ---------------------------------------------------------------------------------------

node_specs = st.lists(
    st.tuples(st.integers(1, 8), st.booleans(), st.sampled_from(["ssd", "hdd"])), min_size=1, max_size=5
)


@settings(max_examples=40, deadline=None)
@given(node_specs, st.integers(0, 9), st.sampled_from([None, "ssd", "hdd"]), st.integers(0, 3))
def test_schedule_returns_only_feasible_nodes(specs: list, cpu: int, disk: str | None, bound: int) -> None:
    nodes = [
        make_node(f"n{i}", {"disk": d}, cpu=str(c), taints=[{"key": "k", "effect": "NoSchedule"}] if t else [])
        for i, (c, t, d) in enumerate(specs)
    ]
    pods = [make_pod(f"b{j}", node=f"n{j % len(nodes)}", requests={"cpu": "1"}) for j in range(bound)]
    pod = make_pod(requests={"cpu": str(cpu)} if cpu else None, nodeSelector={"disk": disk} if disk else {})
    snapshot = Snapshot.of([*nodes, *pods])
    result = schedule(pod, snapshot, NO_SCORES if cpu % 2 else None)
    verdicts = feasible(pod, snapshot)
    assert all(verdicts[name] == [] for name in result.best)
    assert set(result.best) <= set(result.feasible)
    assert (result.message is None) == bool(result.best) == any(not reasons for reasons in verdicts.values())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 16), min_size=1, max_size=6), st.integers(1, 4))
def test_a_pod_larger_than_every_node_fits_nowhere(cpus: list[int], extra: int) -> None:
    nodes = [make_node(f"n{i}", cpu=str(c)) for i, c in enumerate(cpus)]
    pod = make_pod(requests={"cpu": str(max(cpus) + extra)})
    result = schedule(pod, Snapshot.of(nodes))
    assert result.best == () and result.feasible == ()
    assert set(map(tuple, feasible(pod, Snapshot.of(nodes)).values())) == {("Insufficient cpu",)}
    assert result.message == f"0/{len(cpus)} nodes are available: {len(cpus)} Insufficient cpu."
