"""Making a counterexample shorter after Hypothesis has shrunk it.

Hypothesis shrinks the choices that drew the run, which cannot always drop one action without shifting the ones
after it. :func:`minimise` finishes the job on the actions themselves, as delta debugging's last pass does
(Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input", 2002): it drops blocks of actions,
single actions and pairs whenever what is left is a run in which every action is still one the explorer could have
taken at that point (others are skipped) and the same property still breaks, until no such removal does.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence
from typing import Any

from model import cluster
from properties.budget import Settle, count, fault_allowed
from properties.explore import PropertyViolated, Scenario, Transition, checked_step
from properties.registry import LIVENESS, Property
from properties.users import user_actions


def _possible(scenario: Scenario, state: Any, action: Any) -> bool:
    """Whether the explorer could take ``action`` in ``state`` (a component's enabled action or a user command)."""
    if isinstance(action, Settle):
        return scenario.settle_between_faults
    if action in cluster.enabled(state, scenario.config):
        return True
    return scenario.kubectl and action in user_actions(state)


def _rerun(scenario: Scenario, actions: Sequence[Any], properties: Sequence[Property]) -> PropertyViolated | None:
    """The violation running ``actions`` from the scenario's start gives (skipping those not possible where they come,
    as an action that only followed from a dropped one is no longer possible), or None."""
    state = scenario.initial()
    transitions: list[Transition] = []
    used: dict[str, int] = {}
    for action in actions:
        if not _possible(scenario, state, action) or not fault_allowed(scenario, state, action, used):
            continue
        count(used, action)
        try:
            state = checked_step(state, action, scenario.config, properties, transitions)
        except PropertyViolated as violated:
            return violated
    return None


def _removals(length: int) -> Iterator[tuple[int, ...]]:
    """The index sets to try dropping, largest first: contiguous blocks of every size from half the run down, then
    single actions, then pairs (a fault and the recovery that undoes it are seldom adjacent)."""
    for size in range(length // 2, 1, -1):
        for start in range(length - size, -1, -1):
            yield tuple(range(start, start + size))
    yield from ((i,) for i in range(length - 1, -1, -1))
    yield from itertools.combinations(range(length), 2)


def minimise(scenario: Scenario, found: PropertyViolated, properties: Sequence[Property],
             deadline: float | None = None) -> PropertyViolated:
    """A run no longer than ``found``'s that breaks the same property, from which no single action, pair of actions
    or block of actions can be dropped. A liveness violation is returned as it is (its run ends with fair
    convergence, not with the failing step). Past ``deadline`` (``time.monotonic``) it stops with the shortest run so
    far, marked not minimal."""
    name = found.violation.property
    if next((p.kind for p in properties if p.name == name), None) in (LIVENESS, None):
        return found
    checked = tuple(p for p in properties if p.kind != LIVENESS)
    best, changed = found, True
    while changed:
        changed = False
        actions = [t.action for t in best.transitions]
        for dropped in _removals(len(actions)):
            if deadline is not None and time.monotonic() > deadline:
                return not_minimal(best)
            kept = [a for i, a in enumerate(actions) if i not in dropped]
            shorter = _rerun(scenario, kept, checked)
            if shorter is not None and shorter.violation.property == name:
                best, changed = shorter, True
                break
    return best


def not_minimal(violation: PropertyViolated) -> PropertyViolated:
    """Mark a counterexample whose shrinking ran out of time (``kubeproof check --shrink-seconds``): the trace says
    ``"minimal": false``."""
    violation.minimal = False  # type: ignore[attr-defined]
    return violation
