"""The loop a ``NoOscillation`` intent sees, as a lasso: fair execution from the state a run converged to, until the
target's pods come back to a placement they had with other pods (Kivi's checkEvictionCycle, which counts a pod
evicted and re-added ``LOOP_TIMES`` = 3 times: github.com/bingzheliu/Kivi ``kivi/`` checker).

The loop is one of the *intent's observable state* (live pods per node, revision and phase): the clock, uids, pod
names and resourceVersions move on every round (each round passes the descheduler's ``deschedulingInterval``), so
the full state never recurs and :mod:`properties.lasso`'s canonical keys cannot close it. A lasso trace written from
it says so (``lasso.observable``), and replaying it checks the observable state at the loop's two ends: the same
placement, other pods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from model import cluster
from model.state import ClusterState
from properties.explore import IDLE_SECONDS, PropertyViolated, _fair_actions, execute
from properties.registry import Property, Violation
from properties.spec import Target, target_pods

OSCILLATION_STEPS = 1500
"""How far :func:`find` follows fair execution looking for a loop."""
LOOP_TIMES = 3
"""How many times Kivi's checker wants a pod evicted and re-added before it reports a loop; :func:`find` reports the
first recurrence and goes on counting up to this many."""
OBSERVABLE = "NoOscillation: the target's live pods per node, revision and phase (times, uids and names advance)"


@attrs.frozen
class Cycle:
    """Fair execution's actions from the state judged, up to the loop's first return to its first state
    (``actions[loop_start:]`` is the loop); how many times that placement came back with other pods within the look;
    and the loop's steps described."""

    actions: tuple[Any, ...]
    loop_start: int
    rounds: int
    described: tuple[str, ...]


def shape(state: ClusterState, target: Target) -> tuple[tuple[Any, ...], frozenset[str]]:
    """The intent's observable state: (node, revision, phase) of each live pod, sorted; and the pods' names."""
    pods = [p for p in target_pods(state, target) if p.metadata.deletion_timestamp is None]
    revision = lambda p: tuple(sorted((k, v) for k, v in p.metadata.labels.items()  # noqa: E731
                                      if k in ("pod-template-hash", "controller-revision-hash")))
    return (tuple(sorted((p.spec.node_name or "", revision(p), p.status.phase or "") for p in pods)),
            frozenset(p.name for p in pods))


def find(state: ClusterState, config: Any, target: Target) -> Cycle | None:
    """Follow fair execution (the enabled actions of every component taken round-robin, time passing when nothing
    else can happen) from ``state``
    until the target's placement recurs with other pods; then on, until it has recurred ``LOOP_TIMES`` times or the
    look ends. None: the look ended (nothing but Nodes changed for ``IDLE_SECONDS``, or ``OSCILLATION_STEPS``)
    without a recurrence."""
    first: dict[tuple[Any, ...], tuple[int, frozenset[str]]] = {}
    actions: list[Any] = []
    found: tuple[int, int, tuple[Any, ...]] | None = None  # (loop start, loop end, its placement)
    rounds, names_seen = 0, set()
    turn, last_change = 0, state.time
    for i in range(OSCILLATION_STEPS):
        placed, names = shape(state, target)
        at, earlier = first.setdefault(placed, (i, names))
        if found is None and earlier != names:
            found, rounds, names_seen = (at, i, placed), 1, {earlier, names}
        elif found is not None and placed == found[2] and names not in names_seen:
            rounds += 1
            names_seen.add(names)
        if found is not None and rounds >= LOOP_TIMES - 1:
            break  # the first visit and LOOP_TIMES - 1 returns: LOOP_TIMES placements of the same shape
        fair = _fair_actions(state, config)
        if not fair and state.time - last_change >= IDLE_SECONDS:
            break
        options = [a for name in sorted(fair) for a in fair[name]] or [cluster.clock_tick(state, config)]
        action = options[turn % len(options)]
        turn += 1
        actions.append(action)
        result = cluster.step(state, action, config)
        state = result.state
        if any(e.object.kind != "Node" for e in result.events):
            last_change = state.time
    if found is None:
        return None
    at, end, _ = found
    return Cycle(tuple(actions[:end]), at, rounds + 1, tuple(a.describe() for a in actions[at:end]))


def message(target: Target, cycle: Cycle) -> str:
    loop = len(cycle.actions) - cycle.loop_start
    steps = "; ".join(cycle.described[:12]) + ("; ..." if loop > 12 else "")
    return (f"{target}'s pods cycle without users or faults: the same placement with new pods again after {loop} "
            f"steps, seen {cycle.rounds} times (Kivi counts {LOOP_TIMES}) ({steps})")


def _target(prop: Property) -> Target | None:
    """The target of a NoOscillation intent's property (built by ``properties.spec.build_intent``)."""
    origin = prop.origin
    if origin is None or origin[:2] != ("properties.spec", "build_intent"):
        return None
    intent = origin[2][0]
    return intent.target if intent.kind == "NoOscillation" else None


def lasso_trace(trace: dict) -> dict | None:
    """A NoOscillation counterexample (``properties.trace.to_json``) with the loop its intent saw appended as a
    lasso: the trace's steps, then fair execution's up to the loop (the prefix), then one round of the loop. None:
    the trace is not of a NoOscillation intent of its spec, or the loop is not seen again from where it ends."""
    from properties.spec import replay_properties
    from properties.trace import _action_types, decode_value, scenario_of, to_json
    prop = next((p for p in replay_properties(trace, ()) if p.name == trace["property"]), None)
    target = _target(prop) if prop is not None else None
    if target is None or "lasso" in trace:
        return None
    scenario = scenario_of(trace)
    types = _action_types()
    actions = [decode_value(step["action"], types) for step in trace["steps"]]
    state, _ = execute(scenario.initial(), actions, scenario.config, ())
    cycle = find(state, scenario.config, target)
    if cycle is None:
        return None
    _, transitions = execute(state, cycle.actions, scenario.config, ())
    looped = to_json(PropertyViolated(Violation(prop.name, ""), transitions), scenario, None, None)["steps"]
    steps = [*trace["steps"], *looped]
    start = len(trace["steps"]) + cycle.loop_start
    lasso = {"loop_start": start, "loop_length": len(steps) - start, "rounds": cycle.rounds, "observable": OBSERVABLE}
    return {**trace, "message": message(target, cycle), "steps": steps, "lasso": lasso}


def note(trace: dict) -> str:
    """The Markdown saying what the lasso is (appended to ``properties.trace.to_markdown``'s)."""
    lasso = trace["lasso"]
    start, end = lasso["loop_start"], len(trace["steps"])
    return (f"\n\nLasso of the intent's observable state: steps 1-{start} lead to a placement of the target's pods; "
            f"steps {start + 1}-{end} are a loop that returns to the same placement with other pods (seen "
            f"{lasso['rounds']} times in fair execution; Kivi counts {LOOP_TIMES}). Times, uids and names advance on "
            "every round: this is a loop of the placement the intent observes, not a proof that the full state "
            "recurs.")


def replay(trace: dict, properties: Sequence[Property]) -> tuple[bool, int, str]:
    """Re-run an observable lasso: whether the target's placement at the loop's start and end is the same with
    other pods; the steps run; a message."""
    from properties.trace import _action_types, decode_value, scenario_of
    prop = next((p for p in properties if p.name == trace["property"]), None)
    target = _target(prop) if prop is not None else None
    scenario = scenario_of(trace)
    types = _action_types()
    actions = [decode_value(step["action"], types) for step in trace["steps"]]
    if target is None:
        return False, 0, f"{trace['property']} is not a NoOscillation intent of the trace's spec"
    initial = scenario.initial()
    _, transitions = execute(initial, actions, scenario.config, ())
    states = [initial, *(t.result.state for t in transitions)]
    start = trace["lasso"]["loop_start"]
    (placed, names), (again, renamed) = shape(states[start], target), shape(states[-1], target)
    if placed == again and names != renamed:
        return True, len(actions), (f"{trace['property']}: the loop of steps {start + 1}-{len(actions)} brings "
                                    f"{target}'s pods back to the same placement with other pods")
    reason = "a different placement" if placed != again else "the same pods (nothing was evicted and re-created)"
    return False, len(actions), f"the loop of steps {start + 1}-{len(actions)} ends with {reason}"
