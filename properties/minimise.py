"""Shrinking a counterexample by replaying its actions, instead of Hypothesis's shrinking of the choices that drew it.

Hypothesis shrinks the byte choices behind a run and re-runs the state machine for each try, a fair convergence at
the end of every try that no longer fails included, and it cannot always drop one action without shifting the ones
after it; on a run of a few dozen actions that took minutes. :func:`minimise` works on the actions themselves, as
delta debugging does (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input", 2002): first
``ddmin``'s complement steps (drop one of ``n`` chunks, later chunks first; on success start again from two chunks of
the shorter run, else twice as many, until single actions), then a 1-minimal pass dropping blocks, single actions and
pairs, until no removal keeps the failure. A try keeps the actions that are still ones the explorer could have taken at
that point (others are skipped) and must break the same property. Each try resumes from the state the current run
reached just before the first dropped action (states are immutable values, kept for every prefix), so dropping late
actions is cheap.

A liveness violation's run is its explored actions then fair convergence (``properties.explore``): a try replays the
kept explored actions, converges and judges liveness again; the convergence itself is not cut.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence
from typing import Any

from model import cluster
from properties.budget import Settle, count, fault_allowed
from properties.explore import (
    PropertyViolated,
    Scenario,
    Transition,
    check_liveness,
    checked_step,
    converge,
    quiet_since,
)
from properties.registry import LIVENESS, Property
from properties.users import user_actions


def _possible(scenario: Scenario, state: Any, action: Any) -> bool:
    """Whether the explorer could take ``action`` in ``state`` (a component's enabled action or a user command)."""
    if isinstance(action, Settle):
        return scenario.settle_between_faults
    if action in cluster.enabled(state, scenario.config):
        return True
    return scenario.kubectl and action in user_actions(state)


class _Replay:
    """Re-runs variants of one run (``actions``, the explored actions when ``liveness``), resuming each from the
    state its unchanged prefix reached."""

    def __init__(self, scenario: Scenario, actions: Sequence[Any], properties: Sequence[Property],
                 liveness: bool) -> None:
        self.scenario, self.properties, self.liveness = scenario, properties, liveness
        self.actions = list(actions)
        self.prefixes: list[tuple[Any, int, dict[str, int]]] = []
        self.transitions: list[Transition] = []
        state, used = scenario.initial(), {}
        try:
            for action in self.actions:
                self.prefixes.append((state, len(self.transitions), dict(used)))
                state = self._step(state, action, used, self.transitions)
        except PropertyViolated:
            pass

    def _step(self, state: Any, action: Any, used: dict[str, int], transitions: list[Transition]) -> Any:
        if not _possible(self.scenario, state, action) or not fault_allowed(self.scenario, state, action, used):
            return state
        count(used, action)
        return checked_step(state, action, self.scenario.config, self.properties, transitions)

    def without(self, dropped: Sequence[int]) -> PropertyViolated | None:
        """The violation the run without the actions at ``dropped`` gives (None: none); its ``explored`` attribute is
        the number of its transitions before fair convergence (None for a violation within the explored actions)."""
        drop = set(dropped)
        kept = [a for i, a in enumerate(self.actions) if i not in drop]
        resume = min(min(dropped), len(self.prefixes) - 1)
        state, taken, used = self.prefixes[resume]
        transitions, used, explored = self.transitions[:taken], dict(used), None
        try:
            for action in kept[resume:]:
                state = self._step(state, action, used, transitions)
            if not self.liveness:
                return None
            explored, stopped = len(transitions), state.time
            final = converge(state, self.scenario.config, self.properties, transitions)
            check_liveness(final, self.scenario.config, self.properties, transitions, quiet_since(transitions, stopped))
        except PropertyViolated as violated:
            violated.explored = explored  # type: ignore[attr-defined]
            return violated
        return None


def _chunks(length: int, n: int) -> Iterator[tuple[int, ...]]:
    """ddmin's ``n`` chunks of ``range(length)``, last first."""
    bounds = [length * i // n for i in range(n + 1)]
    for i in range(n - 1, -1, -1):
        if bounds[i] < bounds[i + 1]:
            yield tuple(range(bounds[i], bounds[i + 1]))


def _removals(length: int) -> Iterator[tuple[int, ...]]:
    """The 1-minimal pass's index sets: single actions, pairs (a fault and the recovery that undoes it are seldom
    adjacent), then contiguous blocks of every size from half the run down (ddmin tried only aligned ones)."""
    yield from ((i,) for i in range(length - 1, -1, -1))
    yield from itertools.combinations(range(length), 2)
    for size in range(length // 2, 1, -1):
        for start in range(length - size, -1, -1):
            yield tuple(range(start, start + size))


def _ddmin(length: int) -> Iterator[Iterator[tuple[int, ...]]]:
    """Rounds of removals: ddmin's complements at doubling granularity, then the 1-minimal pass."""
    n = 2
    while n < length:
        yield _chunks(length, n)
        n *= 2
    yield _removals(length)


def minimise(scenario: Scenario, found: PropertyViolated, properties: Sequence[Property],
             deadline: float | None = None) -> PropertyViolated:
    """A run no longer than ``found``'s that breaks the same property, from which no single action, pair of actions
    or block of actions can be dropped (see the module docstring). A liveness violation whose explored length is not
    known (``explored``, set by ``properties.check``) is returned as it is. Past ``deadline`` (``time.monotonic``) it
    stops with the shortest run so far, marked not minimal."""
    name = found.violation.property
    kind = next((p.kind for p in properties if p.name == name), None)
    explored = getattr(found, "explored", None)
    if kind is None or (kind == LIVENESS and explored is None):
        return found
    liveness = kind == LIVENESS
    checked = tuple(properties) if liveness else tuple(p for p in properties if p.kind != LIVENESS)
    best = found
    actions = [t.action for t in best.transitions[:explored if liveness else None]]
    replay, changed = _Replay(scenario, actions, checked, liveness), True
    while changed:
        changed = False
        for removals in _ddmin(len(replay.actions)):
            for dropped in removals:
                if deadline is not None and time.monotonic() > deadline:
                    return not_minimal(best)
                shorter = replay.without(dropped)
                if shorter is not None and shorter.violation.property == name:
                    best, changed = shorter, True
                    kept = [t.action for t in shorter.transitions[:shorter.explored]]  # type: ignore[attr-defined]
                    replay = _Replay(scenario, kept, checked, liveness)
                    break
            if changed:
                break
    return best


def not_minimal(violation: PropertyViolated) -> PropertyViolated:
    """Mark a counterexample whose shrinking ran out of time (``kubeproof check --shrink-seconds``): the trace says
    ``"minimal": false``."""
    violation.minimal = False  # type: ignore[attr-defined]
    return violation
