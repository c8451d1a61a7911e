"""min-nodes by node types: the types, dominance-closed count vectors, the covering bound and fill constraints."""

from solver import node_types
from solver.encoding import encode
from solver.instance import build
from tests.solver.helpers import anti, node, pod


def _plan(nodes, pods):
    instance = build(nodes, pods)
    encoding = encode(instance, with_used=True)
    return encoding, node_types.plan(encoding, {0: len(instance.pods)})


def test_count_vectors_are_closed_under_dominance_and_cover_the_demand():
    nodes = [node("big-0", cpu="8"), node("big-1", cpu="8"), *(node(f"small-{i}", cpu="4") for i in range(3))]
    pods = [pod(f"p{i}", cpu="1", memory="128Mi") for i in range(10)]
    _, p = _plan(nodes, pods)
    assert [len(t.nodes) for t in p.types] == [2, 3] and p.types[0].dominates(p.types[1])
    assert list(node_types.vectors(p, 1)) == []  # one node of 8 cpu cannot hold 10
    assert list(node_types.vectors(p, 2)) == [(2, 0)]  # (1, 1) uses a small node while a big one is free
    assert list(node_types.vectors(p, 3)) == [(2, 1)]
    assert node_types.covering_bound(p, 5) == 2


def test_incomparable_types_are_both_tried():
    nodes = [node("cpu-heavy", cpu="8", memory="2Gi"), node("memory-heavy", cpu="2", memory="8Gi")]
    _, p = _plan(nodes, [pod("a", cpu="1", memory="1Gi")])
    assert sorted(node_types.vectors(p, 1)) == [(0, 1), (1, 0)]


def test_pods_with_inter_pod_constraints_fall_back_to_the_plain_search():
    _, p = _plan([node("n0"), node("n1")], [pod("a", labels={"app": "a"}, affinity=anti("kubernetes.io/hostname",
                                                                                     {"app": "a"}))])
    assert p is None


def test_fill_constraints_ask_each_node_for_its_capacity_less_the_slack():
    nodes = [node("n0", cpu="4"), node("n1", cpu="4")]
    encoding, p = _plan(nodes, [pod(f"p{i}", cpu="1", memory="128Mi") for i in range(7)])
    sub = encode(node_types.restrict(encoding.instance, {"n0", "n1"}))
    floors = {c.bound for c in node_types.fill_constraints(sub, p) if len(c.terms) == 1}
    assert floors == {3}  # 8 cpu for 7: one spare, so each node carries at least 3 one-cpu pods
