"""The wall-clock limit and the replica limits of ``schedule`` and ``compare`` (issue #18's solver items)."""

import time

import pytest

from model.errors import ManifestError
from solver import compare, greedy
from solver.api import Options, schedule
from solver.families import container, deployment, hetero
from solver.instance import MAX_PODS, build
from tests.solver.helpers import node


def test_replicas_beyond_the_pod_slots_are_counted_not_built():
    huge = deployment("huge", 2147483647, {"containers": [container("100m", "64Mi")]})
    nodes = [node("n1", pods=5), node("n2", pods=5)]
    instance = build(nodes, [huge])
    assert len(instance.pods) == 10
    assert instance.surplus == (("Deployment default/huge", 2147483647 - 10),)
    result = schedule(nodes, [huge], Options(timeout=5))
    assert result.status == "optimal" and sum(1 for n in result.placements.values() if n) == 10
    reasons = result.unschedulable[f"Deployment default/huge: {2147483647 - 10} more replicas"]
    assert "10 pod slots" in reasons[0]


def test_more_pods_than_kubernetes_supports_are_refused_naming_the_workload():
    nodes = [node(f"n{i}", pods=110) for i in range(MAX_PODS // 110 + 1)]
    huge = deployment("huge", 2147483647, {"containers": [container("100m", "64Mi")]})
    with pytest.raises(ManifestError, match=r"Deployment default/huge \(2147483647 replicas\).*more than 150000"):
        build(nodes, [huge])


def test_a_spent_time_limit_still_returns_a_rechecked_placement():
    workload = hetero(60, 20, 0)
    result = schedule(workload.cluster, workload.to_place, Options(objectives=("min-nodes",), timeout=0.001))
    assert result.status in ("feasible", "unknown")
    assert len(result.placements) == 60  # every pod reported, placed or pending


def test_a_greedy_profile_stops_at_the_deadline():
    workload = hetero(30, 10, 0)
    instance = build(workload.cluster, workload.to_place)
    placement, failures, _ = greedy.place(instance, "least-allocated", deadline=time.monotonic() - 1)
    assert not placement and set(failures.values()) == {greedy.TIME_LIMIT_MESSAGE}
    outcome = compare.run_strategy("least-allocated", workload.cluster, workload.to_place, 1e-9, 0)
    assert outcome.status == "unknown"
    assert compare.run_strategy("least-allocated", workload.cluster, workload.to_place, 60, 0).status == "greedy"


def test_the_hetero_family_is_seeded_and_heterogeneous():
    a = hetero(200, 60, 1)
    assert a == hetero(200, 60, 1) and a.to_place != hetero(200, 60, 2).to_place
    types = {n.labels["node.kubernetes.io/instance-type"] for n in a.cluster}
    assert len(types) >= 5 and len(a.to_place) >= 20
    assert sum(d.spec.replicas for d in a.to_place) == 200
