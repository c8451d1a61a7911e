"""Liveness over the explored graph: livelock lassos and quiescent states where a liveness property fails.

Over the transitions of the cluster left alone (no user command, no fault, no client traffic:
:func:`properties.small_scope.quiet`), a reachable cycle along which the components keep acting and a liveness
property fails again on every round (so the desired state is never reached for good, Anvil's ESR) is a livelock:
Kivi reports Kubernetes' evict/recreate and descheduler loops this way
(Liu et al., "Kivi: Verification for Cluster Management", USENIX ATC 2024). The cycles are found with strongly
connected components (networkx): a component with a state where the property fails holds such a cycle if it is
*fair* to components: every component (other than the clock) that can act in all of its
states takes a step on it, as fair execution (``properties.explore.converge``) lets each component act in turn. The
lasso is the shortest path the search found to the component's first-reached failing state, then a loop through it that
gives each such component a step and returns to a state with the same canonical key; it is re-run from the initial
state to confirm that it closes.

A state where no component but the clock can act (quiescent) is handed to fair execution, which lets the timers
run out and the informers resync before the liveness properties are checked (``properties.explore.converge``,
``check_liveness``): a property failing there is a violation whose trace is the path to that state plus that run.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from typing import Any

import attrs
import networkx as nx

from model import cluster
from model.actions import SubmitPending, Tick
from properties.exhaustive import Result
from properties.explore import PropertyViolated, Transition, check_liveness, converge, execute
from properties.interrupts import Stopped
from properties.registry import Property, Violation

MAX_QUIESCENT = 50
"""How many quiescent states (in the order the search reached them) fair execution is run from."""


@attrs.frozen
class LivenessVerdict:
    violation: PropertyViolated | None = None
    loop_start: int | None = None
    notes: tuple[str, ...] = ()
    stopped: bool = False
    """The time bound ran out before fair execution was run from every start: the judgement is incomplete."""


def _failing(prop: Property, state: Any, config: Any) -> list[str]:
    """A liveness property's messages in ``state`` (an intent judged since the cluster was left alone is judged over
    the whole run: ``since`` None)."""
    return prop.check(state, config, None) if getattr(prop, "since_quiet", False) else prop.check(state, config)


def _acting(explorer: Any, node: Any) -> frozenset[str]:
    """The components (not the clock) with a cluster-alone action enabled in ``node``."""
    from properties.small_scope import quiet
    return frozenset(cluster.component_of(a).name for a in explorer.actions(node)
                     if quiet(a) and not isinstance(a, Tick))


def _graph(found: Result) -> nx.DiGraph:
    graph = nx.DiGraph()
    for edge in found.edges:
        if edge.source == edge.target:
            continue  # a step that changes nothing is not progress (nor a loop of one)
        if graph.has_edge(edge.source, edge.target):
            graph[edge.source][edge.target]["labels"].append(edge.label)
        else:
            graph.add_edge(edge.source, edge.target, labels=[edge.label])
    return graph


def _loop(graph: nx.DiGraph, entry: Hashable, required: frozenset[str]) -> list[tuple[Hashable, Any]]:
    """A closed walk from ``entry`` within ``graph`` (strongly connected) in which every component of ``required``
    takes a step: (state key, action) pairs, each action taken from that state."""
    walk: list[tuple[Hashable, Any]] = []
    here = entry
    for component in sorted(required):
        sources = {(u, v, a) for u, v, d in graph.edges(data=True) for a in d["labels"]
                   if cluster.component_of(a).name == component}
        lengths = nx.single_source_shortest_path_length(graph, here)
        u, v, action = min(sources, key=lambda e: (lengths.get(e[0], 1 << 30), repr(e[2])))
        walk += _walk(graph, nx.shortest_path(graph, here, u))
        walk.append((u, action))
        here = v
    if here == entry:
        if walk:
            return walk
        following = min(graph.successors(entry), key=repr)
        walk.append((entry, graph[entry][following]["labels"][0]))
        here = following
    return walk + _walk(graph, nx.shortest_path(graph, here, entry))


def _walk(graph: nx.DiGraph, nodes: Sequence[Hashable]) -> list[tuple[Hashable, Any]]:
    return [(u, graph[u][v]["labels"][0]) for u, v in zip(nodes, nodes[1:], strict=False)]


def _lassos(explorer: Any, found: Result, properties: Sequence[Property]) -> list[tuple[int, Property, str, Hashable,
                                                                                         list, frozenset[str]]]:
    """Candidate lassos: (index of the entry state in search order, property, its message there, entry key, loop,
    the components the loop must serve)."""
    graph = _graph(found)
    order = {k: i for i, k in enumerate(found.nodes)}
    candidates = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        sub = graph.subgraph(component)
        required = frozenset.intersection(*(_acting(explorer, found.nodes[k]) for k in component))
        taken = {cluster.component_of(a).name for _, _, d in sub.edges(data=True) for a in d["labels"]}
        if not required <= taken:
            continue  # a component that could always act never does: not a fair run
        for prop in properties:
            messages = {k: _failing(prop, found.nodes[k].state, explorer.config) for k in component}
            failing = [k for k, m in messages.items() if m]
            if failing:
                entry = min(failing, key=order.__getitem__)
                candidates.append((order[entry], prop, messages[entry][0], entry, _loop(sub, entry, required),
                                   required))
    return sorted(candidates, key=lambda c: (c[0], len(c[4]), c[1].name))


def _replayed(explorer: Any, actions: Sequence[Any]) -> tuple[Any, list[Transition]]:
    node, transitions = explorer.initial(), []
    for action in actions:
        node, transition = explorer.successor(node, action)
        transitions.append(transition)
    return node, transitions


def _follow(explorer: Any, node: Any, walk: Sequence[tuple[Hashable, Any]], entry: Hashable) -> list[Transition]:
    """Walk the loop from ``node``, a state with the entry's key. A state reached again may carry other names than
    the one the graph recorded (that is what the key leaves out), so each step takes the action of the recorded
    component that leads to the next recorded key, as the state at hand names it."""
    targets = [k for k, _ in walk[1:]] + [entry]
    transitions = []
    for (_, recorded), target in zip(walk, targets, strict=True):
        component = cluster.component_of(recorded)
        for action in explorer.actions(node):
            if cluster.component_of(action) is not component:
                continue
            following, transition = explorer.successor(node, action)
            if explorer.key(following) == target:
                node = following
                transitions.append(transition)
                break
        else:
            raise RuntimeError(f"a lasso's loop cannot be followed: no step of {component.name} leads on")
    return transitions


def _fair_lasso(explorer: Any, node: Any, run: Sequence[Transition],
                properties: Sequence[Property]) -> tuple[int, int, Property, str] | None:
    """A loop within a fair run from ``node``: the first recurring key such that some liveness property fails in
    the loop (so it fails again on every round: the desired state is never reached for good) and every component
    able to act throughout acts in it. Gives (i, j, property,
    message): the run's states after steps i and j (-1: ``node`` itself) have the same key."""
    states = [node.state, *(t.result.state for t in run)]
    seen: dict[Hashable, int] = {}
    for index, state in enumerate(states):
        key = explorer.key(attrs.evolve(node, state=state))
        if key not in seen:
            seen[key] = index
            continue
        first = seen[key]
        loop = states[first:index + 1]
        nodes = [attrs.evolve(node, state=st) for st in loop[:-1]]
        required = frozenset.intersection(*(_acting(explorer, n) for n in nodes))
        taken = {cluster.component_of(t.action).name for t in run[first:index]}
        seen[key] = index
        if not required <= taken:
            continue
        for prop in properties:
            failing = [m for m in (_failing(prop, st, explorer.config) for st in loop) if m]
            if failing:
                return first - 1, index - 1, prop, failing[0][0]
    return None


def judge_liveness(explorer: Any, found: Result, properties: Sequence[Property],
                   deadline: float | None = None) -> LivenessVerdict:
    """The first liveness violation: a lasso in the explored graph (shortest prefix first); else, from the initial
    state and from each quiescent state the search reached (nothing but the clock can act), fair execution
    (``properties.explore.converge``): a loop in it (a lasso), or a liveness property failing where it ends. Past
    ``deadline`` (``time.process_time``) fair execution stops and the verdict says so (``stopped``)."""
    for _, prop, message, entry, loop, required in _lassos(explorer, found, properties):
        prefix = found.path_to(entry)
        start, transitions = _replayed(explorer, prefix)
        transitions += _follow(explorer, start, loop, entry)
        return _lasso(explorer, prop, message, transitions, len(prefix), required, "the explored graph")
    starts = [k for k, node in found.nodes.items() if not _acting(explorer, node)
              and not any(isinstance(a, SubmitPending) for a in cluster.enabled(node.state))][:MAX_QUIESCENT]
    first = next(iter(found.nodes), None)
    if first is not None and first not in starts:
        starts.insert(0, first)
    for done, key in enumerate(starts):
        if deadline is not None and time.process_time() > deadline:
            return _stopped(done, len(starts))
        node = found.nodes[key]
        _, transitions = _replayed(explorer, found.path_to(key))
        prefix = len(transitions)
        try:
            final = converge(node.state, explorer.config, explorer.checked, transitions, deadline)
            looped = _fair_lasso(explorer, node, transitions[prefix:], properties)
            if looped is not None:
                i, j, prop, message = looped
                run = transitions[:prefix + j + 1]
                required = frozenset(cluster.component_of(t.action).name for t in run[prefix + i + 1:])
                return _lasso(explorer, prop, message, run, prefix + i + 1, required, "fair execution")
            check_liveness(final, explorer.config, properties, transitions)
        except PropertyViolated as violated:
            return LivenessVerdict(violated, notes=("found by fair execution from a state the search reached",))
        except Stopped:
            return _stopped(done, len(starts))
    notes = (f"{len(found.edges)} cluster-alone transitions judged for lassos; fair execution run from "
             f"{len(starts)} state(s) (the initial one and quiescent ones)",)
    return LivenessVerdict(notes=notes)


def _stopped(done: int, starts: int) -> LivenessVerdict:
    return LivenessVerdict(notes=(f"the time bound ran out during fair execution, after {done} of {starts} start(s): "
                                  "liveness not judged in full",), stopped=True)


def _lasso(explorer: Any, prop: Property, message: str, transitions: list[Transition], loop_start: int,
           acting: frozenset[str], where: str) -> LivenessVerdict:
    """A lasso verdict, once re-running its actions from the initial state confirms that the loop closes."""
    start, _ = _replayed(explorer, [t.action for t in transitions[:loop_start]])
    end, _ = _replayed(explorer, [t.action for t in transitions])
    if explorer.key(end) != explorer.key(start):
        raise RuntimeError(f"a lasso for {prop.name} does not close when re-run")
    loop = len(transitions) - loop_start
    text = (f"{message} and never does: a loop of {loop} actions ({', '.join(sorted(acting))} acting) returns to "
            f"the same state (up to renaming) after step {loop_start}")
    return LivenessVerdict(PropertyViolated(Violation(prop.name, text), transitions), loop_start,
                           (f"lasso found in {where}",))


def mark_loop(trace: dict, markdown: str, loop_start: int) -> tuple[dict, str]:
    """A lasso's trace: JSON with ``lasso: {loop_start}`` (steps from that index on form the loop) and Markdown
    saying so."""
    trace = {**trace, "lasso": {"loop_start": loop_start, "loop_length": len(trace["steps"]) - loop_start}}
    note = (f"\n\nLasso: steps 1-{loop_start} lead to a state; steps {loop_start + 1}-{len(trace['steps'])} are a loop "
            "that returns to it (up to resourceVersions, uids, generated names and a shift in time), and repeats for "
            "ever.")
    return trace, markdown + note


def replay_lasso(trace: dict, properties: Sequence[Property]) -> tuple[bool, int, str]:
    """Re-run a lasso trace (checking no safety property: the explorer may have been asked for the liveness ones
    only): whether its loop returns to the state it started from (the same canonical key, with
    symmetry over the scenario's interchangeable nodes) while its liveness property fails in it; the steps run; a
    message."""
    if trace["lasso"].get("observable"):  # a loop of an intent's observable state (properties.oscillation)
        from properties.oscillation import replay
        return replay(trace, properties)
    from properties.canonical import Canonicaliser, interchangeable_nodes
    from properties.trace import _action_types, decode_value, scenario_of
    scenario = scenario_of(trace)
    types = _action_types()
    actions = [decode_value(step["action"], types) for step in trace["steps"]]
    prop = next((p for p in properties if p.name == trace["property"]), None)
    initial = scenario.initial()
    _, transitions = execute(initial, actions, scenario.config, ())
    start = trace["lasso"]["loop_start"]
    states = [initial, *(t.result.state for t in transitions)]
    keys = Canonicaliser(interchangeable_nodes(initial))
    closes = keys.key(states[start]) == keys.key(states[-1])
    failing = [m for st in states[start:] for m in (_failing(prop, st, scenario.config) if prop else [])]
    if closes and failing:
        return True, len(actions), (f"{trace['property']}: the loop of steps {start + 1}-{len(actions)} returns to the "
                                    f"state it left, and the property fails in it: {failing[0]}")
    reason = "the loop no longer returns to the state it left" if not closes else "the property holds throughout"
    return False, len(actions), reason
