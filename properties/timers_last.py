"""Looking for a safety violation without timers first: ``kubeproof explore --timers-last``.

With the model's clock every state offers a Tick to the next deadline (a heartbeat every few seconds in a healthy
cluster), and each tick starts a round of heartbeats and watch deliveries that interleave with everything else: on
the two StatefulSet variants the breadth-first search reaches only depth 7 (28,000 states) in 60 CPU s, while their
traces need no timer at all (9 and 11 steps). So this searches in two passes:

1. the scope with the clock frozen (``Scope.clock == "frozen"``: the same actions but the Tick). Every run of that
   scope is a run of the full one, so a violation found there is a real one, replayed as any other, and its L steps
   are a shortest trace among the runs in which no timer fires;
2. if it found one, the full scope (the model's clock) breadth-first to depth L - 1 with the time left: a violation
   there is shorter (and a shortest one: breadth-first); none, with every state to depth L - 1 expanded, proves the
   L-step trace a shortest one of the full scope. If the time runs out first the trace stands, reported as shortest
   *without timers* and the depth to which the full scope was searched.

Without a violation in the first pass, the full scope is searched as ``explore`` does, with the time left.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import attrs

from properties.exhaustive import HELD
from properties.explore import Scenario
from properties.registry import Property
from properties.small_scope import ExploreResult, Scope, explore


@attrs.frozen
class TimersLast:
    """The verdict and how far the trace is proven shortest: ``proven`` (a shortest trace of the full scope),
    ``frozen`` (pass 1's search), ``full`` (pass 2's, or the only one when pass 1 found nothing)."""

    result: ExploreResult
    proven: bool
    frozen: ExploreResult | None
    full: ExploreResult | None
    seconds: float

    @property
    def notes(self) -> tuple[str, ...]:
        if self.frozen is None or self.frozen.violation is None:
            return ()
        steps = len(self.frozen.violation.transitions)
        if self.full is not None and self.full.violation is not None:
            return (f"a {steps}-step trace without timers, then a shorter one with them",)
        depth = self.full.search.depth if self.full is not None else 0
        if self.proven:
            return (f"shortest: {steps} steps without timers, and no violation with the model's clock to depth "
                    f"{steps - 1}",)
        return (f"shortest among runs in which no timer fires ({steps} steps); with the model's clock no violation "
                f"to depth {depth} (not proven shortest there: {self.full.search.bound if self.full else 'no time'})",)


def explore_timers_last(scenario: Scenario, properties: Sequence[Property], scope: Scope) -> TimersLast:
    """The two passes of the module docstring, within ``scope.bounds.max_seconds`` CPU seconds in all."""
    started = time.process_time()
    total = scope.bounds.max_seconds

    def left() -> float | None:
        return None if total is None else max(total - (time.process_time() - started), 0.01)

    frozen = explore(scenario, properties, attrs.evolve(scope, clock="frozen", liveness=False))
    if frozen.violation is None:
        full = explore(scenario, properties, attrs.evolve(scope, bounds=attrs.evolve(scope.bounds,
                                                                                     max_seconds=left())))
        return TimersLast(full, full.violation is not None and full.loop_start is None, frozen, full,
                          time.process_time() - started)
    steps = len(frozen.violation.transitions)
    depth = steps - 1 if scope.bounds.max_depth is None else min(steps - 1, scope.bounds.max_depth)
    bounds = attrs.evolve(scope.bounds, max_depth=depth, max_seconds=left())
    full = explore(scenario, properties, attrs.evolve(scope, bounds=bounds, liveness=False))
    if full.violation is not None:
        return TimersLast(full, True, frozen, full, time.process_time() - started)
    complete = full.search.status == HELD or (full.search.bound == "depth" and full.search.depth >= steps - 1)
    return TimersLast(frozen, complete, frozen, full, time.process_time() - started)
