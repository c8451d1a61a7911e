"""The comparison harness: strategy names, the measures and the greedy profiles."""

import pytest

from solver import compare, greedy
from solver.compare import Outcome, measure
from solver.instance import build
from tests.solver.helpers import node, pod


def test_strategy_names_are_checked():
    assert compare.parse_strategies("least-allocated,z3-min-nodes") == ("least-allocated", "z3-min-nodes")
    assert set(compare.GREEDY) <= set(compare.parse_strategies(""))
    with pytest.raises(ValueError, match="unknown strategy 'fastest'"):
        compare.parse_strategies("fastest")


def test_greedy_profiles_use_upstream_scoring_strategies():
    assert greedy.profile("least-allocated").plugin_args("NodeResourcesFit")["scoringStrategy"]["type"] == \
        "LeastAllocated"
    assert greedy.profile("most-allocated").plugin_args("NodeResourcesFit")["scoringStrategy"]["type"] == \
        "MostAllocated"
    shape = greedy.profile("bin-packing").plugin_args("NodeResourcesFit")["scoringStrategy"]
    assert shape["requestedToCapacityRatio"]["shape"] == [{"utilization": 0, "score": 0},
                                                          {"utilization": 100, "score": 10}]
    assert "NodeResourcesFit" not in dict(greedy.profile("balanced-allocation").scores)


def test_least_and_most_allocated_spread_and_pack():
    instance = build([node("n1"), node("n2")], [pod("a", cpu="1"), pod("b", cpu="1")])
    spread, _, _ = greedy.place(instance, "least-allocated")
    packed, _, _ = greedy.place(instance, "most-allocated")
    assert len(set(spread.values())) == 2 and len(set(packed.values())) == 1


def test_measures_of_a_placement():
    nodes = [node("n1", cpu="4", memory="4Gi"), node("n2", cpu="4", memory="4Gi")]
    instance = build(nodes, [pod("a", cpu="3", memory="1Gi"), pod("b", cpu="1", memory="3Gi"), pod("c", cpu="1")])
    outcome = Outcome("x", {"default/a": "n1", "default/b": "n1", "default/c": None}, 0.5, "optimal")
    row = measure(outcome, instance, 50.0)
    assert (row["placed"], row["pods"], row["nodes_used"]) == (2, 3, 1)
    assert row["utilisation"]["cpu"] == {"mean": 100.0, "max": 100.0}
    assert row["utilisation"]["memory"] == {"mean": 100.0, "max": 100.0}
    assert row["stranded"] == {"cpu": 0.0, "memory": 0.0}
    flat = compare.flat(row)
    assert flat["placed"] == "2/3" and flat["compaction"] == "50.0%"


def test_stranded_capacity_counts_what_another_resource_blocks():
    nodes = [node("n1", cpu="4", memory="2Gi")]
    instance = build(nodes, [pod("a", cpu="1", memory="2Gi"), pod("b", cpu="1", memory="1Gi")])
    row = measure(Outcome("x", {"default/a": "n1", "default/b": None}, 0.1, "greedy"), instance, None)
    assert row["stranded"]["cpu"] == 75.0 and row["stranded"]["memory"] == 0.0


def test_the_command_line_names_match_the_strategies():
    from solver.names import GREEDY_PROFILES

    assert tuple(greedy.PROFILES) == GREEDY_PROFILES
