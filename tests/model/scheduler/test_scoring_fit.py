"""Tests for model.scheduler.scoring.fit (NodeResourcesFit's LeastAllocated, MostAllocated and
RequestedToCapacityRatio scoring).

Tables ported from kubernetes/kubernetes ``pkg/scheduler/framework/plugins/noderesources/``:
- least_allocated_test.go TestLeastAllocatedScoringStrategy;
- most_allocated_test.go TestMostAllocatedScoringStrategy;
- requested_to_capacity_ratio_test.go TestRequestedToCapacityRatioScoringStrategy, TestBrokenLinearFunction,
  TestResourceBinPackingSingleExtended, TestResourceBinPackingMultipleExtended.
Left out: the cases for invalid arguments (weights outside 1..100, resources nil in the internal config),
which config validation rejects before a plugin is built. Upstream's test pods without containers are
pods whose one container requests ``cpu: 0, memory: 0`` here (both count nothing, not the non-zero defaults).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.frozendict import FrozenDict
from model.objects import Node, Pod
from model.scheduler.scoring.fit import (
    broken_linear_function,
    fit_scoring,
    least_requested_score,
    most_requested_score,
)
from model.scheduler.snapshot import Snapshot
from tests.model.scheduler.test_scoring_common import EMPTY, FakeProfile, make_node, make_pod, run_plugin

EXTENDED = "abc.com/xyz"
DEFAULT = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
EXTENDED_SET = [*DEFAULT, {"name": EXTENDED, "weight": 1}]


def node(name: str, cpu: str, memory: str, **extra: str) -> Node:
    return make_node(name, allocatable={"cpu": cpu, "memory": memory, "pods": "110", **extra})


def on(node_name: str, requests: Mapping[str, str] = EMPTY) -> Pod:
    return make_pod(f"on-{node_name}", node=node_name, requests=[requests])


def scores(strategy: dict[str, Any], pod: Pod, nodes: Sequence[Node], existing: Sequence[Pod] = ()) -> list[int]:
    profile = FakeProfile(FrozenDict({"NodeResourcesFit": {"scoringStrategy": strategy}}))
    raw, normalized = run_plugin("NodeResourcesFit", pod, Snapshot(tuple(nodes), tuple(existing)), profile)
    assert normalized == raw
    return [raw[n.name] for n in nodes]


TWO_CONTAINERS = make_pod(requests=[{"cpu": "1000", "memory": "2000"}, {"cpu": "2000", "memory": "3000"}])
NOTHING = make_pod(requests=[EMPTY])
WITH_EXTENDED = make_pod(requests=[{"cpu": "3000", "memory": "5000", EXTENDED: "2"}])

LEAST_ALLOCATED = [
    ("nothing scheduled, nothing requested", NOTHING,
     [node("node1", "4000", "10000"), node("node2", "4000", "10000")], [], DEFAULT, [100, 100]),
    ("nothing scheduled, resources requested, differently sized nodes", TWO_CONTAINERS,
     [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [], DEFAULT, [37, 50]),
    ("no resources requested, pods scheduled", NOTHING,
     [node("node1", "4000", "10000"), node("node2", "4000", "10000")],
     [on("node1"), on("node1"), on("node2"), on("node2")], DEFAULT, [100, 100]),
    ("no resources requested, pods scheduled with resources", NOTHING,
     [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
     [on("node1", {"cpu": "3000", "memory": "0"}), on("node1", {"cpu": "3000", "memory": "0"}),
      on("node2", {"cpu": "3000", "memory": "0"}), on("node2", {"cpu": "3000", "memory": "5000"})], DEFAULT, [70, 57]),
    ("resources requested, pods scheduled with resources", TWO_CONTAINERS,
     [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
     [on("node1", {"cpu": "3000", "memory": "0"}), on("node2", {"cpu": "3000", "memory": "5000"})], DEFAULT, [57, 45]),
    ("resources requested, pods scheduled with resources, differently sized nodes", TWO_CONTAINERS,
     [node("node1", "10000", "20000"), node("node2", "10000", "50000")],
     [on("node1", {"cpu": "3000", "memory": "0"}), on("node2", {"cpu": "3000", "memory": "5000"})], DEFAULT, [57, 60]),
    ("requested resources exceed node capacity", make_pod(requests=[{"cpu": "3000", "memory": "0"}]),
     [node("node1", "4000", "10000"), node("node2", "4000", "10000")],
     [on("node1", {"cpu": "3000", "memory": "0"}), on("node2", {"cpu": "3000", "memory": "5000"})], DEFAULT, [50, 25]),
    ("zero node resources, pods scheduled with resources", NOTHING,
     [make_node("node1"), make_node("node2")],
     [on("node1", {"cpu": "3000", "memory": "0"}), on("node2", {"cpu": "3000", "memory": "5000"})], DEFAULT, [0, 0]),
    ("nothing scheduled, resources requested with different weight on CPU and memory", TWO_CONTAINERS,
     [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [],
     [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}], [41, 50]),
    ("bypass extended resource if the pod does not request", TWO_CONTAINERS,
     [node("node1", "6000", "10000"), node("node2", "6000", "10000", **{EXTENDED: "4"})], [], EXTENDED_SET, [50, 50]),
    ("honor extended resource if the pod requests", WITH_EXTENDED,
     [node("node1", "6000", "10000", **{EXTENDED: "4"}), node("node2", "6000", "10000", **{EXTENDED: "10"})], [],
     EXTENDED_SET, [50, 60]),
    ("if the node doesn't have a resource", make_pod(requests=[{"cpu": "3000", "memory": "4000"}]),
     [node("node1", "6000", "10000"), node("node2", "6000", "10000", **{EXTENDED: "4"})], [],
     [{"name": EXTENDED, "weight": 2}, {"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}], [55, 55]),
]


@pytest.mark.parametrize(("name", "pod", "nodes", "existing", "resources", "expected"), LEAST_ALLOCATED,
                         ids=[case[0] for case in LEAST_ALLOCATED])
def test_least_allocated(name: str, pod: Pod, nodes: list[Node], existing: list[Pod],
                         resources: list[dict[str, Any]], expected: list[int]) -> None:
    assert scores({"type": "LeastAllocated", "resources": resources}, pod, nodes, existing) == expected


MOST_ALLOCATED = [
    ("nothing scheduled, nothing requested", NOTHING,
     [node("node1", "4000", "10000"), node("node2", "4000", "10000")], [], DEFAULT, [0, 0]),
    ("nothing scheduled, resources requested, differently sized nodes", TWO_CONTAINERS,
     [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [], DEFAULT, [62, 50]),
    ("no resources requested, pods scheduled with resources", NOTHING,
     [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
     [on("node1", {"cpu": "3000", "memory": "0"}), on("node1", {"cpu": "3000", "memory": "0"}),
      on("node2", {"cpu": "3000", "memory": "0"}), on("node2", {"cpu": "3000", "memory": "5000"})], DEFAULT, [30, 42]),
    ("resources requested, pods scheduled with resources", TWO_CONTAINERS,
     [node("node1", "10000", "20000"), node("node2", "10000", "20000")],
     [on("node1", {"cpu": "3000", "memory": "0"}), on("node2", {"cpu": "3000", "memory": "5000"})], DEFAULT, [42, 55]),
    ("resources requested equal node capacity",
     make_pod(requests=[{"cpu": "2000", "memory": "4000"}, {"cpu": "3000", "memory": "5000"}]),
     [node("node1", "5000", "10000"), node("node2", "10000", "9000")], [], DEFAULT, [95, 75]),
    ("nothing scheduled, resources requested, differently weighted", TWO_CONTAINERS,
     [node("node1", "4000", "10000"), node("node2", "6000", "10000")], [],
     [{"name": "memory", "weight": 2}, {"name": "cpu", "weight": 1}], [58, 50]),
    ("no resources requested, pods scheduled, nonzero request for resource", make_pod(),
     [node("node1", "250m", "1000Mi"), node("node2", "250m", "1000Mi")],
     [make_pod("a", node="node1"), make_pod("b", node="node1")], DEFAULT, [80, 30]),
    ("bypass extended resource if the pod does not request", TWO_CONTAINERS,
     [node("node1", "6000", "10000"), node("node2", "6000", "10000", **{EXTENDED: "4"})], [], EXTENDED_SET, [50, 50]),
    ("honor extended resource if the pod request", WITH_EXTENDED,
     [node("node1", "6000", "10000", **{EXTENDED: "4"}), node("node2", "6000", "10000", **{EXTENDED: "10"})], [],
     EXTENDED_SET, [50, 40]),
    ("if the node doesn't have a resource", make_pod(requests=[{"cpu": "3000", "memory": "4000"}]),
     [node("node1", "6000", "10000"), node("node2", "6000", "10000", **{EXTENDED: "4"})], [],
     [{"name": EXTENDED, "weight": 2}, {"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}], [45, 45]),
]


@pytest.mark.parametrize(("name", "pod", "nodes", "existing", "resources", "expected"), MOST_ALLOCATED,
                         ids=[case[0] for case in MOST_ALLOCATED])
def test_most_allocated(name: str, pod: Pod, nodes: list[Node], existing: list[Pod],
                        resources: list[dict[str, Any]], expected: list[int]) -> None:
    assert scores({"type": "MostAllocated", "resources": resources}, pod, nodes, existing) == expected


def rtcr(shape: list[tuple[int, int]], resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "RequestedToCapacityRatio", "resources": resources,
            "requestedToCapacityRatio": {"shape": [{"utilization": u, "score": s} for u, s in shape]}}


SPREADING = [(0, 10), (100, 0)]


@pytest.mark.parametrize(("pod", "nodes", "existing", "expected"), [
    # nothing scheduled, nothing requested (default - least requested nodes have priority)
    (NOTHING, [node("node1", "4000", "10000"), node("node2", "4000", "10000")],
     [on("node1"), on("node1")], [100, 100]),
    # nothing scheduled, resources requested, differently sized nodes: round((25 + 50) / 2) = 38
    (TWO_CONTAINERS, [node("node1", "4000", "10000"), node("node2", "6000", "10000")],
     [on("node1"), on("node1")], [38, 50]),
    # no resources requested, pods scheduled with resources
    (NOTHING, [node("node1", "4000", "10000"), node("node2", "6000", "10000")],
     [on("node1", {"cpu": "3000", "memory": "5000"}), on("node2", {"cpu": "3000", "memory": "5000"})], [38, 50]),
])
def test_requested_to_capacity_ratio(pod: Pod, nodes: list[Node], existing: list[Pod], expected: list[int]) -> None:
    assert scores(rtcr(SPREADING, DEFAULT), pod, nodes, existing) == expected


def bin_node(name: str, extended: Mapping[str, str]) -> Node:
    """test_util.go makeNode(name, 4000, 10000*1024*1024, extended)."""
    return node(name, "4000m", str(10000 * 1024 * 1024), **extended)


FOO = "intel.com/foo"
BAR = "intel.com/bar"
BIN_PACKING = [(0, 0), (100, 1)]


@pytest.mark.parametrize(("pod", "existing", "expected"), [
    (NOTHING, [NOTHING], [0, 0]),
    (make_pod(requests=[{FOO: "2"}]), [NOTHING], [2, 5]),
    (make_pod(requests=[{FOO: "2"}]), [make_pod("e", node="node2", requests=[{FOO: "2"}])], [2, 10]),
    (make_pod(requests=[{FOO: "4"}]), [NOTHING], [5, 10]),
])
def test_bin_packing_single_extended(pod: Pod, existing: list[Pod], expected: list[int]) -> None:
    nodes = [bin_node("node1", {FOO: "8"}), bin_node("node2", {FOO: "4"})]
    assert scores(rtcr(BIN_PACKING, [{"name": FOO, "weight": 1}]), pod, nodes, existing) == expected


@pytest.mark.parametrize(("pod", "existing", "expected"), [
    (NOTHING, [NOTHING], [0, 0]),
    (make_pod(requests=[{FOO: "2", BAR: "2"}]), [NOTHING], [4, 3]),
    (make_pod(requests=[{FOO: "2", BAR: "2"}]), [make_pod("e", node="node2", requests=[{FOO: "4", BAR: "2"}])], [4, 7]),
    (make_pod(requests=[{FOO: "4", BAR: "2"}]), [NOTHING], [5, 5]),
])
def test_bin_packing_multiple_extended(pod: Pod, existing: list[Pod], expected: list[int]) -> None:
    nodes = [bin_node("node1", {FOO: "8", BAR: "4"}), bin_node("node2", {FOO: "4", BAR: "8"})]
    resources = [{"name": FOO, "weight": 3}, {"name": BAR, "weight": 5}]
    assert scores(rtcr(BIN_PACKING, resources), pod, nodes, existing) == expected


@pytest.mark.parametrize(("points", "assertions"), [
    ([(10, 1), (90, 9)], [(-10, 1), (0, 1), (9, 1), (10, 1), (15, 1), (19, 1), (20, 2), (89, 8), (90, 9), (99, 9),
                          (100, 9), (110, 9)]),
    ([(0, 2), (40, 10), (100, 0)], [(-10, 2), (0, 2), (20, 6), (30, 8), (40, 10), (70, 5), (100, 0), (110, 0)]),
    ([(0, 2), (40, 2), (100, 2)], [(-10, 2), (0, 2), (20, 2), (30, 2), (40, 2), (70, 2), (100, 2), (110, 2)]),
])
def test_broken_linear_function(points: list[tuple[int, int]], assertions: list[tuple[int, int]]) -> None:
    function = broken_linear_function(tuple(points))
    assert [function(p) for p, _ in assertions] == [expected for _, expected in assertions]


def test_broken_linear_function_truncates_toward_zero_like_go() -> None:
    # (0 - 100) * 1 / 3 is -33 in Go (truncated), not -34 (floored)
    assert broken_linear_function(((0, 100), (3, 0)))(1) == 67


def test_default_strategy_is_least_allocated_on_cpu_and_memory() -> None:
    default = fit_scoring(None)
    assert default.strategy == "LeastAllocated"
    assert [(r.name, r.weight) for r in default.resources] == [("cpu", 1), ("memory", 1)]
    profile = FakeProfile(FrozenDict({"NodeResourcesFit": {"scoringStrategy": {
        "type": "MostAllocated", "resources": [{"name": "cpu"}, {"name": "memory", "weight": 0}]}}}))
    assert [(r.name, r.weight) for r in fit_scoring(profile).resources] == [("cpu", 1), ("memory", 1)]


@pytest.mark.parametrize("strategy", [
    {"type": "Random"}, {"type": "RequestedToCapacityRatio"}, {"resources": DEFAULT},
])
def test_invalid_strategies_are_rejected(strategy: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="NodeResourcesFit"):
        fit_scoring(FakeProfile(FrozenDict({"NodeResourcesFit": {"scoringStrategy": strategy}})))


def test_non_zero_requests_count_for_pods_without_requests() -> None:
    """A pod without requests still counts 100m cpu and 200Mi memory (schedutil.DefaultMilliCPURequest,
    DefaultMemoryRequest), so LeastAllocated spreads empty pods."""
    nodes = [node("node1", "1", "1Gi"), node("node2", "1", "1Gi")]
    # node1: cpu (1000 - 200) * 100 / 1000 = 80, memory (1024 - 400) * 100 / 1024 = 60 -> 70
    # node2: cpu (1000 - 100) * 100 / 1000 = 90, memory (1024 - 200) * 100 / 1024 = 80 -> 85
    assert scores({"type": "LeastAllocated"}, make_pod(), nodes, [make_pod("e", node="node1")]) == [70, 85]


LOADS = st.lists(st.sampled_from(["0", "100m", "250m", "1", "3"]), max_size=6)


@settings(max_examples=60, deadline=None)
@given(LOADS, st.sampled_from(["100m", "1", "2500m"]), st.sampled_from(["0", "500Mi", "3Gi"]),
       st.sampled_from(["100m", "500m"]))
def test_least_allocated_falls_and_most_allocated_rises_with_load(cpus: list[str], extra_cpu: str, memory: str,
                                                                  pod_cpu: str) -> None:
    """Adding a pod to a node never raises its LeastAllocated score and never lowers its MostAllocated one."""
    pod = make_pod(requests=[{"cpu": pod_cpu, "memory": "100Mi"}])
    nodes = [node("node1", "4", "4Gi")]
    before = [make_pod(f"e{i}", node="node1", requests=[{"cpu": c, "memory": memory}]) for i, c in enumerate(cpus)]
    after = [*before, make_pod("extra", node="node1", requests=[{"cpu": extra_cpu, "memory": memory}])]
    for kind, sign in (("LeastAllocated", -1), ("MostAllocated", 1)):
        [old] = scores({"type": kind}, pod, nodes, before)
        [new] = scores({"type": kind}, pod, nodes, after)
        assert sign * (new - old) >= 0, kind


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_least_and_most_requested_scores_are_complementary(requested: int, capacity: int) -> None:
    least, most = least_requested_score(requested, capacity), most_requested_score(requested, capacity)
    assert 0 <= least <= 100 and 0 <= most <= 100
    assert 99 <= least + most <= 100
