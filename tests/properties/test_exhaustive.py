"""properties.exhaustive: the breadth-first search agrees with brute force on small hand-built transition systems (a
cycle, a diamond, a deep path, and random graphs): the same reachable nodes, a problem found exactly when one is
reachable, on a path that really leads there and is as short as any, and bounds reported as such."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from properties.exhaustive import HELD, INCOMPLETE, VIOLATED, Bounds, search

Graph = dict[int, list[tuple[str, int]]]


def expander(graph: Graph, bad_edges: frozenset[str] = frozenset()):  # noqa: ANN201 - a small closure
    def expand(node: int) -> Iterator[tuple[str, int, str | None]]:
        for label, target in graph.get(node, []):
            yield label, target, f"edge {label}" if label in bad_edges else None
    return expand


def checker(bad_nodes: frozenset[int]):  # noqa: ANN201
    return lambda node, parent: f"node {node}" if node in bad_nodes else None


def brute_force(graph: Graph, bad_nodes: frozenset[int], bad_edges: frozenset[str],
                limit: int) -> tuple[set, int | None]:
    """Every node reachable within ``limit`` steps (all paths enumerated), and the length of the shortest path that
    reaches a bad node or takes a bad edge (None: none within the limit)."""
    reached, shortest = {0}, (0 if 0 in bad_nodes else None)
    paths = [(0,)]
    for length in range(1, limit + 1):
        longer = []
        for path in paths:
            for label, target in graph.get(path[-1], []):
                reached.add(target)
                if (label in bad_edges or target in bad_nodes) and shortest is None:
                    shortest = length
                longer.append((*path, target))
        paths = longer
    return reached, shortest


def follows(graph: Graph, labels: tuple[str, ...]) -> int:
    """The node a path of labels from node 0 ends at (each label must be an edge of the node reached)."""
    node = 0
    for label in labels:
        node = dict(graph[node])[label]
    return node


def test_a_cycle_is_exhausted_with_every_node_once() -> None:
    graph = {0: [("a", 1)], 1: [("b", 2)], 2: [("c", 0)]}
    result = search(0, expander(graph), lambda n: n)
    assert (result.status, result.states, result.transitions, result.exhausted) == (HELD, 3, 3, True)
    assert result.depth == 2


def test_a_diamond_gives_the_shortest_of_its_paths() -> None:
    graph = {0: [("left", 1), ("right", 2)], 1: [("down", 3)], 2: [("long", 4)], 4: [("down", 3)]}
    result = search(0, expander(graph), lambda n: n, check_node=checker(frozenset({3})))
    assert result.status == VIOLATED and result.problem == "node 3"
    assert result.path == ("left", "down") and follows(graph, result.path) == 3


def test_a_bad_transition_is_reported_with_its_own_label_last() -> None:
    graph = {0: [("a", 1)], 1: [("b", 1), ("c", 2)]}
    result = search(0, expander(graph, frozenset({"c"})), lambda n: n)
    assert result.status == VIOLATED and result.path == ("a", "c") and result.problem == "edge c"


def test_a_deep_path_stops_at_the_depth_bound_and_is_found_without_it() -> None:
    graph = {i: [(f"s{i}", i + 1)] for i in range(50)}
    bounded = search(0, expander(graph), lambda n: n, Bounds(max_depth=10), check_node=checker(frozenset({50})))
    assert (bounded.status, bounded.bound, bounded.depth, bounded.states, bounded.exhausted) == \
        (INCOMPLETE, "depth", 10, 11, False)
    found = search(0, expander(graph), lambda n: n, check_node=checker(frozenset({50})))
    assert found.status == VIOLATED and len(found.path) == 50 and found.depth == 50


def test_the_state_bound_stops_the_search() -> None:
    graph = {i: [("next", i + 1)] for i in range(1000)}
    result = search(0, expander(graph), lambda n: n, Bounds(max_states=100))
    assert result.status == INCOMPLETE and result.bound == "states" and 100 <= result.states < 200


def test_the_initial_node_itself_can_be_the_problem() -> None:
    result = search(0, expander({}), lambda n: n, check_node=checker(frozenset({0})))
    assert result.status == VIOLATED and result.path == () and result.depth == 0


def test_keys_merge_nodes() -> None:
    graph = {0: [("a", 1), ("b", 2)], 1: [("c", 3)], 2: [("d", 4)]}
    result = search(0, expander(graph), lambda n: n % 2)
    assert result.states == 2 and result.status == HELD


def test_kept_edges_and_nodes_give_paths() -> None:
    graph = {0: [("a", 1), ("b", 2)], 1: [("c", 2)], 2: [("d", 0)]}
    result = search(0, expander(graph), lambda n: n, keep_edge=lambda label: label != "b", keep_nodes=True)
    assert sorted(e.label for e in result.edges) == ["a", "c", "d"]
    assert list(result.nodes) == [0, 1, 2] and result.path_to(2) == ["b"]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[Graph, frozenset[int], frozenset[str]]:
    size = draw(st.integers(1, 8))
    graph: Graph = {}
    for node in range(size):
        targets = draw(st.lists(st.integers(0, size - 1), max_size=3))
        graph[node] = [(f"{node}>{t}#{i}", t) for i, t in enumerate(targets)]
    bad_nodes = frozenset(draw(st.sets(st.integers(0, size - 1), max_size=2)))
    labels = [label for edges in graph.values() for label, _ in edges]
    bad_edges = frozenset(draw(st.sets(st.sampled_from(labels), max_size=1))) if labels else frozenset()
    return graph, bad_nodes, bad_edges


@given(graphs())
def test_agrees_with_brute_force_on_random_graphs(case: tuple[Graph, frozenset[int], frozenset[str]]) -> None:
    graph, bad_nodes, bad_edges = case
    reached, shortest = brute_force(graph, bad_nodes, bad_edges, limit=len(graph) + 1)
    result = search(0, expander(graph, bad_edges), lambda n: n, check_node=checker(bad_nodes))
    if shortest is None:
        assert result.status == HELD and result.exhausted and result.states == len(reached)
        return
    assert result.status == VIOLATED and len(result.path) == shortest
    end = follows(graph, result.path)
    assert end in bad_nodes or (result.path and result.path[-1] in bad_edges)
