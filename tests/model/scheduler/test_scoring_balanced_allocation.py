"""Tests for model.scheduler.scoring.balanced_allocation (NodeResourcesBalancedAllocation).

Table ported from kubernetes/kubernetes
``pkg/scheduler/framework/plugins/noderesources/balanced_allocation_test.go`` (TestNodeResourcesBalancedAllocation);
the DRA extended-resource cases are left out (DRA is not modelled).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.frozendict import FrozenDict
from model.objects import Node, Pod
from model.scheduler.scoring.balanced_allocation import balanced_resource_score
from model.scheduler.snapshot import Snapshot
from tests.model.scheduler.test_scoring_common import EMPTY, FakeProfile, make_node, make_pod, run_plugin

GPU = "nvidia.com/gpu"
CPU_AND_MEMORY = [{"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000"}]
CPU_ONLY = [{"cpu": "1000m", "memory": "0"}, {"cpu": "2000m", "memory": "0"}]
CPU_MEMORY_GPU = [{"cpu": "1000m", "memory": "2000"}, {"cpu": "2000m", "memory": "3000", GPU: "3"}]
WITH_GPU = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}, {"name": GPU, "weight": 1}]


def node(name: str, milli_cpu: int, memory: int, scalars: Mapping[str, str] | None = None) -> Node:
    """test_util.go makeNode."""
    allocatable = {"cpu": f"{milli_cpu}m", "memory": str(memory), "pods": "110", **(scalars or {})}
    return make_node(name, allocatable=allocatable)


def pod_on(node_name: str, requests: list[dict[str, str]], name: str) -> Pod:
    return make_pod(name, node=node_name, requests=requests)


def scores(pod: Pod, nodes: Sequence[Node], existing: Sequence[Pod] = (),
           resources: list[dict[str, Any]] | None = None) -> list[int]:
    profile = None if resources is None else FakeProfile(
        FrozenDict({"NodeResourcesBalancedAllocation": {"resources": resources}}))
    raw, normalized = run_plugin("NodeResourcesBalancedAllocation", pod, Snapshot(tuple(nodes), tuple(existing)),
                                 profile)
    assert normalized == raw
    return [raw[n.name] for n in nodes]


EXISTING = [pod_on("node1", CPU_ONLY, "cpu-only"), pod_on("node2", CPU_AND_MEMORY, "cpu-and-memory")]

CASES = [
    ("nothing scheduled, nothing requested, skipped", make_pod(requests=[EMPTY]),
     [node("node1", 4000, 10000), node("node2", 4000, 10000)], [], None, [0, 0]),
    ("nothing scheduled, resources requested, differently sized nodes", make_pod(requests=CPU_AND_MEMORY),
     [node("node1", 4000, 10000), node("node2", 6000, 10000)], [], None, [87, 100]),
    ("resources requested, pods scheduled with resources", make_pod(requests=CPU_AND_MEMORY),
     [node("node1", 10000, 20000), node("node2", 10000, 20000)], EXISTING, None, [82, 95]),
    ("resources requested, pods scheduled with resources, differently sized nodes", make_pod(requests=CPU_AND_MEMORY),
     [node("node1", 10000, 20000), node("node2", 10000, 50000)], EXISTING, None, [82, 80]),
    ("requested resources at node capacity", make_pod(requests=CPU_ONLY),
     [node("node1", 6000, 10000), node("node2", 6000, 10000)], EXISTING, None, [50, 75]),
    ("include scalar resource on a node for balanced resource allocation",
     make_pod(requests=[{"memory": "0", GPU: "1"}]),
     [node("node1", 3500, 40000, {GPU: "8"}), node("node2", 3500, 40000, {GPU: "8"})],
     [pod_on("node2", CPU_AND_MEMORY, "cpu-and-memory"), pod_on("node1", CPU_MEMORY_GPU, "with-gpu")], WITH_GPU,
     [70, 65]),
    ("node without the scalar resource should skip the scalar resource", make_pod(requests=CPU_AND_MEMORY),
     [node("node1", 3500, 40000, {GPU: "8"}), node("node2", 3500, 40000)], [], WITH_GPU, [63, 63]),
]


@pytest.mark.parametrize(("name", "pod", "nodes", "existing", "resources", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_balanced_allocation(name: str, pod: Pod, nodes: list[Node], existing: list[Pod],
                             resources: list[dict[str, Any]] | None, expected: list[int]) -> None:
    assert scores(pod, nodes, existing, resources) == expected


def test_actual_requests_count_not_the_non_zero_defaults() -> None:
    """A pod without a memory request adds no memory (unlike NodeResourcesFit's non-zero requests)."""
    pod = make_pod(requests=[{"cpu": "1"}])
    assert scores(pod, [node("node1", 4000, 2**30)]) == [int((1 - 0.25 / 2) * 100)]


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=5))
def test_score_is_one_minus_the_standard_deviation(pairs: list[tuple[int, int]]) -> None:
    requested, allocatable = [r for r, _ in pairs], [a for _, a in pairs]
    fractions = [min(r / a, 1.0) for r, a in pairs if a]
    mean = sum(fractions) / len(fractions) if fractions else 0.0
    std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions)) if len(fractions) > 1 else 0.0
    score = balanced_resource_score(requested, allocatable)
    assert 50 <= score <= 100
    assert abs(score - (1 - std) * 100) <= 1 + 1e-9
