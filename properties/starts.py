"""Checking from both starts: half of a profile's runs begin from the manifests (workloads still being created, so
faults strike before pods are Ready) and half from the settled cluster (``Scenario.settled``: workloads up, so
users and faults act on a running system). The verdict is the first violation in that order; the trace records the
start it was found from (``initial.settled``), so replay builds the same initial state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from properties.check import CheckResult, Profile, run
from properties.explore import Scenario
from properties.registry import Property


def halves(profile: Profile) -> tuple[Profile, Profile]:
    """The profile's runs split between the two starts (from scratch gets the odd one)."""
    scratch = (profile.examples + 1) // 2
    return attrs.evolve(profile, examples=scratch), attrs.evolve(profile, examples=profile.examples - scratch)


def run_both_starts(scenario: Scenario, properties: Sequence[Property], profile: Profile, seed_value: int = 0,
                    progress: Callable[[int, int], None] | None = None,
                    shrink: bool = True) -> tuple[CheckResult, Scenario]:
    """:func:`properties.check.run` from scratch, then (unless that found a violation) from the settled cluster; the
    merged result and the scenario (start) of its violation. A scenario already marked settled runs as it is."""
    if scenario.settled:
        return run(scenario, properties, profile, seed_value, progress, shrink), scenario
    results: list[CheckResult] = []
    for start, part in zip((scenario, attrs.evolve(scenario, settled=True)), halves(profile), strict=True):
        if part.examples == 0:
            continue
        done = sum(r.examples for r in results)
        shown = None if progress is None else (lambda n, _t, done=done: progress(done + n, profile.examples))
        result = run(start, properties, part, seed_value, shown, shrink)
        results.append(result)
        if result.violation is not None:
            return _merged(results), start
    return _merged(results), scenario


def _merged(results: list[CheckResult]) -> CheckResult:
    return CheckResult(sum(r.examples for r in results), sum(r.steps for r in results),
                       sum(r.seconds for r in results), results[-1].violation)
