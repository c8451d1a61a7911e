"""Bounded breadth-first search over any transition system given by an ``expand`` function: the engine of
``kubeproof explore``, generic so that tests can check it against brute force on hand-built systems.

Breadth-first, level by level, so the first problem found is on a shortest path from the initial node. Nodes are
identified by ``key(node)`` (the visited set holds keys, with the parent link each was first reached by); a problem
is whatever ``check_node`` (for each node reached for the first time) or ``expand`` (for each transition) reports.
The search stops at the first problem, when every reachable node has been expanded (the scope is *exhausted*), at a
bound (nodes, depth, seconds, memory), or on KeyboardInterrupt; the result says which.
"""

from __future__ import annotations

import gc
import resource
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import attrs

VIOLATED, HELD, INCOMPLETE = "violated", "held within scope", "incomplete"


@attrs.frozen
class Bounds:
    """When to stop looking. ``max_depth`` bounds the path length from the initial node: a search that expands
    every node up to that depth but no further is complete *for that depth* and reported as not exhausted."""

    max_states: int | None = 200_000
    max_depth: int | None = None
    max_seconds: float | None = None
    max_memory_mb: int | None = 4096


@attrs.frozen
class Edge:
    """A transition the search took: from and to node keys, and its label."""

    source: Hashable
    target: Hashable
    label: Any


@attrs.frozen
class Result:
    """What a search found. ``path``: the labels from the initial node to the problem (the last one is the
    transition that broke something; empty when the initial node itself did); ``bound``: which bound stopped an
    incomplete search (``states``, ``depth``, ``seconds``, ``memory``, ``interrupted``)."""

    status: str
    problem: Any
    path: tuple[Any, ...]
    states: int
    transitions: int
    depth: int
    exhausted: bool
    bound: str | None
    seconds: float
    edges: tuple[Edge, ...] = ()
    nodes: dict = attrs.field(factory=dict, repr=False)
    """Key -> node, for every node reached, in the order reached (only when the search was asked to keep them)."""
    parents: dict = attrs.field(factory=dict, repr=False)
    """Key -> (parent key, label) it was first reached by (None for the initial node); kept with the nodes."""

    def path_to(self, key: Hashable) -> list[Any]:
        """The labels of the shortest path the search found to ``key`` (a kept node)."""
        return _path(self.parents, key)


def _path(parents: dict[Hashable, tuple[Hashable, Any] | None], key: Hashable) -> list[Any]:
    labels = []
    link = parents[key]
    while link is not None:
        key, label = link
        labels.append(label)
        link = parents[key]
    return labels[::-1]


def _memory_mb() -> float:
    """The process's peak resident memory (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def search(initial: Any, expand: Callable[[Any], Iterable[tuple[Any, Any, Any]]], key: Callable[[Any], Hashable],
           bounds: Bounds = Bounds(), check_node: Callable[[Any, Any], Any] | None = None,
           keep_edge: Callable[[Any], bool] | None = None, keep_nodes: bool = False) -> Result:
    """Breadth-first search from ``initial``. ``expand(node)`` yields ``(label, next_node, problem)`` for every
    transition (``problem`` None when the transition broke nothing); ``check_node(node, parent)`` gives the problem
    of a node reached for the first time (or None). ``keep_edge(label)`` selects the transitions to return in
    ``edges`` (for cycle analysis); ``keep_nodes`` keeps every node reached, by key."""
    started = time.process_time()
    first = key(initial)
    parents: dict[Hashable, tuple[Hashable, Any] | None] = {first: None}
    kept: dict[Hashable, Any] = {first: initial} if keep_nodes else {}
    edges: list[Edge] = []
    transitions, depth = 0, 0

    def result(status: str, problem: Any = None, path: tuple = (), exhausted: bool = False,
               bound: str | None = None) -> Result:
        return Result(status, problem, path, len(parents), transitions, depth, exhausted, bound,
                      time.process_time() - started, tuple(edges), kept, parents if keep_nodes else {})

    problem = check_node(initial, None) if check_node else None
    if problem is not None:
        return result(VIOLATED, problem)
    frontier = [(first, initial)]
    # Python's cyclic garbage collector is paused for the search: it would rescan the growing visited set and the
    # key memos again and again (18-24% of the CPU on the bundled scenario), and collected next to nothing meanwhile
    # (the states are acyclic and freed by reference counting; as much cyclic garbage was left at the end of a
    # 12,000-state search with it as without, and the peak memory was the same). The memory bound still holds.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while frontier:
            if bounds.max_depth is not None and depth >= bounds.max_depth:
                return result(INCOMPLETE, bound="depth")
            following = []
            for source, node in frontier:
                stop = _bound_hit(bounds, started, len(parents))  # every node: one expansion can take 0.1 s
                if stop:
                    return result(INCOMPLETE, bound=stop)
                for label, target_node, problem in expand(node):
                    transitions += 1
                    if problem is not None:
                        depth += 1
                        return result(VIOLATED, problem, (*_path(parents, source), label))
                    target = key(target_node)
                    if keep_edge is not None and keep_edge(label):
                        edges.append(Edge(source, target, label))
                    if target in parents:
                        continue
                    parents[target] = (source, label)
                    if keep_nodes:
                        kept[target] = target_node
                    problem = check_node(target_node, node) if check_node else None
                    if problem is not None:
                        depth += 1
                        return result(VIOLATED, problem, tuple(_path(parents, target)))
                    following.append((target, target_node))
            frontier = following
            if frontier:
                depth += 1
    except KeyboardInterrupt:
        return result(INCOMPLETE, bound="interrupted")
    finally:
        if collecting:
            gc.enable()
    return result(HELD, exhausted=True)


def _bound_hit(bounds: Bounds, started: float, states: int) -> str | None:
    if bounds.max_states is not None and states >= bounds.max_states:
        return "states"
    if bounds.max_seconds is not None and time.process_time() - started >= bounds.max_seconds:
        return "seconds"
    if bounds.max_memory_mb is not None and _memory_mb() >= bounds.max_memory_mb:
        return "memory"
    return None
