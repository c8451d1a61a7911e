"""The integer-linear encoding: normal form, derivation, node classes and symmetry breaking, the warm start."""

import pytest

from solver.encoding import SYMMETRY, Constraint, derive, encode, normalise, violated
from solver.instance import build
from solver.objectives import nodes_stage, parse_objectives, placed_stages
from solver.warm import ORDERS, canonical, check, empty_nodes, greedy
from tests.solver.helpers import HOST, anti, node, pod


def test_normalise_folds_negative_literals_and_divides_by_the_gcd():
    # 2*x + 4*(1 - y) <= 6  ->  2x - 4y <= 2  ->  x - 2y <= 1
    assert normalise([(1, 2), (-2, 4)], "<=", 6) == (((1, 1), (2, -2)), 1)
    # 3x + 3y >= 4 -> x + y >= 2 (rounded up)
    assert normalise([(1, 3), (2, 3)], ">=", 4) == (((1, 1), (2, 1)), 2)
    # 250m and 500m requests against 1900m: 1x + 2y <= 7 (rounded down)
    assert normalise([(1, 250), (2, 500)], "<=", 1900) == (((1, 1), (2, 2)), 7)


def test_constraints_hold_under_their_guard_only():
    c = Constraint(((1, 1), (2, 1)), "<=", 1, guard=3)
    assert c.holds([0, 1, 1, 0]) and not c.holds([0, 1, 1, 1])


def test_replicas_are_counted_per_node_with_their_capacity():
    instance = build([node("n1", cpu="2"), node("n2", cpu="4")], [pod(f"p{i}", cpu="1") for i in range(5)])
    encoding = encode(instance)
    (unit,) = instance.units
    assert unit.size == 5
    assert [encoding.upper[v] for v in encoding.slots[0].values()] == [2, 4]
    values = derive(encoding, {(0, "n1"): 2, (0, "n2"): 3})
    assert not violated(encoding, values)
    assert [c.label for c in violated(encoding, derive(encoding, {(0, "n1"): 2, (0, "n2"): 4}))] == [None]


def test_interchangeable_nodes_form_classes_with_ordered_counts():
    nodes = [node("a1"), node("a2"), node("a3"), node("big", cpu="16"), node("busy")]
    cluster = [*nodes, pod("stays", node_name="busy")]
    instance = build(cluster, [pod(f"p{i}") for i in range(3)])
    encoding = encode(instance, with_used=True)
    assert encoding.classes == (("a1", "a2", "a3"),)
    ordered = [c for c in encoding.constraints if c.role == SYMMETRY]
    assert len(ordered) == 2
    assert violated(encoding, derive(encoding, {(0, "a2"): 1}), (SYMMETRY,))
    assert not violated(encoding, derive(encoding, canonical(encoding, {(0, "a2"): 1})))


def test_hostname_node_selectors_break_interchangeability():
    nodes = [node("a1"), node("a2"), node("a3")]
    instance = build(nodes, [pod("p", nodeSelector={HOST: "a3"}), pod("q", cpu="2")])
    assert encode(instance).classes == (("a1", "a2"),)


@pytest.mark.parametrize("order", ORDERS)
def test_every_greedy_order_gives_a_valid_placement(order):
    labels = {"app": "web"}
    nodes = [node(f"n{i}", cpu="3") for i in range(3)]
    pods = [pod(f"w{i}", labels=labels, affinity=anti(HOST, labels)) for i in range(4)]
    pods += [pod(f"b{i}", cpu="2") for i in range(3)]
    encoding = encode(build(nodes, pods), with_used=True)
    for pack in (True, False):
        counts = canonical(encoding, greedy(encoding, pack, order))
        check(encoding, counts)
        assert sum(counts.values()) >= 5


def test_emptying_nodes_never_adds_one():
    nodes = [node(f"n{i}", cpu="4") for i in range(4)]
    encoding = encode(build(nodes, [pod(f"p{i}", cpu=c) for i, c in enumerate("2211")]), with_used=True)
    spread_out = {(u, f"n{u}"): 1 for u in range(len(encoding.units))}
    stage = nodes_stage(encoding, {0: 4})
    before = stage.evaluate(check(encoding, canonical(encoding, spread_out)))
    packed = canonical(encoding, empty_nodes(encoding, spread_out))
    assert stage.evaluate(check(encoding, packed)) < before


def test_placed_stages_follow_priority_levels():
    instance = build([node("n1")], [pod("a")])
    (stage,) = placed_stages(encode(instance))
    assert (stage.priority, stage.lower, stage.upper) == (0, 0, 1)
    assert parse_objectives("min-nodes") == ("max-placed", "min-nodes")
    assert parse_objectives("balance,max-placed") == ("balance", "max-placed")
    with pytest.raises(ValueError, match="repeated"):
        parse_objectives("balance,balance")
