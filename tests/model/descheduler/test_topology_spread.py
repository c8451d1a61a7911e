"""RemovePodsViolatingTopologySpreadConstraint (model.descheduler.plugins), with cases ported from upstream's
pkg/framework/plugins/removepodsviolatingtopologyspreadconstraint/topologyspreadconstraint_test.go (kubernetes-sigs/
descheduler 7d2b28bf2; names kept): createTestPods puts the constraint on the first pod of a list only, every pod
labelled foo=bar, owned by a ReplicaSet, 100m CPU; BuildTestNode gives 2000m CPU and 10 pods."""

from __future__ import annotations

from typing import Any

import pytest

from model.descheduler.plugins import Cycle, remove_pods_violating_topology_spread_constraint
from tests.model.descheduler.test_plugins import node, pod

ARGS: dict[str, Any] = {"constraints": ["DoNotSchedule"], "topologyBalanceNodeFit": True}


def constraint(max_skew: int = 1, key: str = "zone", when: str = "DoNotSchedule") -> list[dict[str, Any]]:
    return [{"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": when,
             "labelSelector": {"matchLabels": {"foo": "bar"}}}]


def pods(*groups: tuple[int, str, dict[str, Any]]) -> tuple:
    """createTestPods: (count, node, extra spec of the group's first pod)."""
    made = []
    for g, (count, node_name, first) in enumerate(groups):
        for i in range(count):
            spec = first if i == 0 else {}
            made.append(pod(f"pod-{g}-{i}", node_name, namespace="ns1", **spec))
    return tuple(made)


def zones(*names: str, **extra: Any) -> tuple:
    return tuple(node(f"n{i + 1}", labels={"zone": zone}, **extra) for i, zone in enumerate(names))


def evicted(cycle: Cycle, args: dict[str, Any] = ARGS) -> int:
    labelled = tuple(p.__class__.from_dict({**p.to_dict(), "metadata": {**p.to_dict()["metadata"],
                                                                        "labels": {"foo": "bar"}}})
                     for p in cycle.pods)
    return len(remove_pods_violating_topology_spread_constraint(Cycle(cycle.nodes, labelled, cycle.evictor), args))


@pytest.mark.parametrize(("name", "nodes", "placed", "count"), [
    ("2 domains, sizes [2,1], maxSkew=1, move 0 pods", zones("zoneA", "zoneB"),
     pods((1, "n1", {"topologySpreadConstraints": constraint()}), (1, "n1", {}), (1, "n2", {})), 0),
    ("2 domains, sizes [3,1], maxSkew=1, move 1 pod to achieve [2,2]", zones("zoneA", "zoneB"),
     pods((1, "n1", {"topologySpreadConstraints": constraint()}), (2, "n1", {}), (1, "n2", {})), 1),
    ("2 domains, sizes [5,2], maxSkew=1, move 1 pod to achieve [4,3]", zones("zoneA", "zoneB"),
     pods((1, "n1", {"topologySpreadConstraints": constraint()}), (4, "n1", {}), (2, "n2", {})), 1),
    ("2 domains, sizes [4,0], maxSkew=1, move 2 pods to achieve [2,2]", zones("zoneA", "zoneB"),
     pods((1, "n1", {"topologySpreadConstraints": constraint()}), (3, "n1", {})), 2),
    ("3 domains, sizes [0, 1, 100], maxSkew=1, move 66 pods to get [34, 33, 34]", zones("zoneA", "zoneB", "zoneC"),
     pods((1, "n2", {"topologySpreadConstraints": constraint()}), (100, "n3", {})), 66),
    ("4 domains, sizes [0, 1, 3, 5], should move 3 to get [2, 2, 3, 2]", zones("zoneA", "zoneB", "zoneC", "zoneD"),
     pods((1, "n2", {"topologySpreadConstraints": constraint()}), (3, "n3", {}), (5, "n4", {})), 3),
    ("2 domains size [2 6], maxSkew=2, should move 1 to get [3 5]", zones("zoneA", "zoneB"),
     pods((1, "n1", {"topologySpreadConstraints": constraint(2)}), (1, "n1", {}), (6, "n2", {})), 1),
    ("3 domains size [8 7 0], maxSkew=1, should move 5 to get [5 5 5]", zones("zoneA", "zoneB", "zoneC"),
     pods((1, "n1", {"topologySpreadConstraints": constraint()}), (7, "n1", {}), (7, "n2", {})), 5),
    ("3 domains size [5 5 5], maxSkew=1, should move 0 to retain [5 5 5]", zones("zoneA", "zoneB", "zoneC"),
     pods((1, "n1", {"topologySpreadConstraints": constraint()}), (4, "n1", {}), (5, "n2", {}), (5, "n3", {})), 0),
])
def test_balance_domains(name: str, nodes: tuple, placed: tuple, count: int) -> None:
    assert evicted(Cycle(nodes, placed)) == count, name


def test_soft_constraints_only_when_asked() -> None:
    """"2 domains, sizes [3,1], maxSkew=1, move 1 pod to achieve [2,2] (soft constraints)" moves one with
    ScheduleAnyway among the constraints, none with the default DoNotSchedule only."""
    cycle = Cycle(zones("zoneA", "zoneB"), pods((1, "n1", {"topologySpreadConstraints": constraint(
        when="ScheduleAnyway")}), (2, "n1", {}), (1, "n2", {})))
    assert evicted(cycle) == 0
    assert evicted(cycle, {**ARGS, "constraints": ["DoNotSchedule", "ScheduleAnyway"]}) == 1


def test_no_move_when_the_pods_do_not_fit_the_smaller_domain() -> None:
    """"2 domains size [2 6], maxSkew=2, can't move any because node1 does not have enough CPU" (with
    topologyBalanceNodeFit); without it one moves anyway (the "force scale-up" cases)."""
    nodes = (node("n1", cpu="200m", labels={"zone": "zoneA"}), node("n2", labels={"zone": "zoneB"}))
    cycle = Cycle(nodes, pods((1, "n1", {"topologySpreadConstraints": constraint(2)}), (1, "n1", {}),
                              (6, "n2", {})))
    assert evicted(cycle) == 0
    assert evicted(cycle, {**ARGS, "topologyBalanceNodeFit": False}) == 1


def test_terminating_pods_do_not_count() -> None:
    """"2 domains, sizes [4,2], maxSkew=1, 2 pods in termination; nothing should be moved"."""
    placed = list(pods((1, "n1", {"topologySpreadConstraints": constraint()}), (3, "n1", {}), (2, "n2", {})))
    for i in (2, 3):
        meta = {**placed[i].to_dict()["metadata"], "deletionTimestamp": 5}
        placed[i] = placed[i].__class__.from_dict({**placed[i].to_dict(), "metadata": meta})
    assert evicted(Cycle(zones("zoneA", "zoneB"), tuple(placed))) == 0
