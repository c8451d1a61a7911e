"""On random heterogeneous instances (up to 12 pods in Deployments x 5 nodes of different sizes), the solver's
proven ``min-nodes`` and ``balance`` optima equal an independent exhaustive search's, with Z3 and with CP-SAT.

The exhaustive search knows nothing of the encoding: it reads each pod's requests and each node's allocatable
through ``model.resources`` (what NodeResourcesFit reads) and, node by node, tries every number of pods of each
shape that fits, memoised on the pods left; the best is the most pods placed, then the fewest nodes used (or
the lowest highest cpu/memory utilisation of a node, in permille of allocatable rounded up).
"""

from __future__ import annotations

import functools
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.objects import Node
from model.resources import allowed_pod_number, pod_requests, scheduler_resources
from solver import cpsat
from solver.api import Options, schedule
from solver.families import container, deployment
from solver.workloads import expand
from tests.solver.helpers import node

CPU = ("250m", "500m", "1", "1500m", "2")
MEMORY = ("256Mi", "512Mi", "1Gi", "2Gi")


@st.composite
def instances(draw: st.DrawFn) -> tuple[list, list]:
    nodes = [node(f"n{i}", cpu=draw(st.sampled_from(["1", "2", "4"])), memory=draw(st.sampled_from(["1Gi", "2Gi",
                                                                                                  "4Gi"])),
                  pods=draw(st.integers(2, 6))) for i in range(draw(st.integers(1, 5)))]
    shapes = draw(st.lists(st.tuples(st.sampled_from(CPU), st.sampled_from(MEMORY)), min_size=1, max_size=4,
                           unique=True))
    counts = draw(st.lists(st.integers(1, 4), min_size=len(shapes), max_size=len(shapes)))
    while sum(counts) > 12:
        counts[counts.index(max(counts))] -= 1
    apps = [deployment(f"app-{i}", n, {"containers": [container(cpu, memory)]})
            for i, ((cpu, memory), n) in enumerate(zip(shapes, counts, strict=True))]
    return nodes, apps


def exhaustive(nodes: list[Node], apps: list, objective: str = "min-nodes") -> tuple[int, int]:
    """(pods left pending, nodes used or highest utilisation in permille) of the best placement, by memoised
    search over pods left per shape."""
    shapes: dict[tuple[tuple[str, int], ...], int] = {}
    for pod in expand(apps).pods:
        request = tuple(sorted(scheduler_resources(pod_requests(pod)).items()))
        shapes[request] = shapes.get(request, 0) + 1
    requests = [dict(r) for r in shapes]
    capacity = [(scheduler_resources(n.allocatable), allowed_pod_number(n)) for n in nodes]

    def fits(j: int, take: tuple[int, ...]) -> bool:
        allocatable, pods = capacity[j]
        if sum(take) > pods:
            return False
        return all(sum(k * r.get(name, 0) for k, r in zip(take, requests, strict=True)) <= allocatable.get(name, 0)
                   for name in {name for r in requests for name in r})

    @functools.cache
    def best(j: int, left: tuple[int, ...]) -> tuple[int, int]:
        if j == len(nodes):
            return sum(left), 0
        options = []
        for take in itertools.product(*(range(k + 1) for k in left)):
            if fits(j, take):
                pending, value = best(j + 1, tuple(a - b for a, b in zip(left, take, strict=True)))
                here = (1 if any(take) else 0) if objective == "min-nodes" else utilisation(j, take)
                options.append((pending, value + here if objective == "min-nodes" else max(value, here)))
        return min(options)

    def utilisation(j: int, take: tuple[int, ...]) -> int:
        allocatable = capacity[j][0]
        return max((math.ceil(sum(k * r.get(name, 0) for k, r in zip(take, requests, strict=True)) * 1000
                              / allocatable[name]) for name in ("cpu", "memory") if allocatable.get(name)), default=0)

    return best(0, tuple(shapes.values()))


def _solve(nodes: list, apps: list, backend: str, objective: str = "min-nodes") -> tuple[int, int]:
    result = schedule(nodes, apps, Options(objectives=(objective,), timeout=60, backend=backend))
    assert result.status == "optimal"
    value = result.value if objective == "min-nodes" else round(result.value * 10)  # balance: percent
    # replicas beyond the cluster's pod slots are counted, not built (Result.unschedulable): count from the apps
    return len(expand(apps).pods) - sum(1 for v in result.placements.values() if v), value


@settings(max_examples=30, deadline=None)
@given(instances())
def test_z3_proves_the_exhaustive_optimum(case):
    nodes, apps = case
    assert _solve(nodes, apps, "z3") == exhaustive(nodes, apps)


@pytest.mark.skipif(not cpsat.available(), reason="OR-tools is not installed (pip install 'kubeproof[cpsat]')")
@settings(max_examples=15, deadline=None)
@given(instances())
def test_cpsat_and_z3_prove_the_same_optimum_as_the_exhaustive_search(case):
    nodes, apps = case
    expected = exhaustive(nodes, apps)
    assert _solve(nodes, apps, "cpsat") == expected == _solve(nodes, apps, "z3")


@settings(max_examples=30, deadline=None)
@given(instances())
def test_z3_proves_the_exhaustive_balance_optimum(case):
    nodes, apps = case
    assert _solve(nodes, apps, "z3", "balance") == exhaustive(nodes, apps, "balance")


@pytest.mark.skipif(not cpsat.available(), reason="OR-tools is not installed (pip install 'kubeproof[cpsat]')")
@settings(max_examples=15, deadline=None)
@given(instances())
def test_cpsat_and_z3_prove_the_same_balance_optimum_as_the_exhaustive_search(case):
    nodes, apps = case
    expected = exhaustive(nodes, apps, "balance")
    assert _solve(nodes, apps, "cpsat", "balance") == expected == _solve(nodes, apps, "z3", "balance")


def test_the_exhaustive_search_packs_by_shape():
    nodes = [node("big", cpu="4", memory="4Gi"), node("small", cpu="2", memory="2Gi")]
    apps = [deployment("a", 3, {"containers": [container("1500m", "1Gi")]})]
    assert exhaustive(nodes, apps) == (0, 2)  # two fit the big node, the third needs the small one
    assert exhaustive(nodes[1:], apps) == (2, 1)
    # balance: the only placement of all three is two on the big node (75 % cpu) and one on the small (75 %)
    assert exhaustive(nodes, apps, "balance") == (0, 750)
