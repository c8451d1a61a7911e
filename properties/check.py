"""Running the property suite on a scenario with a Hypothesis profile: the engine of ``kubeproof check``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import attrs
from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from properties.explore import PropertyViolated, Scenario, machine_for
from properties.interrupts import Interrupted, Stopped
from properties.minimise import minimise, not_minimal
from properties.registry import Property


@attrs.frozen
class Profile:
    """How hard to look: examples (runs) and steps per run."""

    name: str
    examples: int
    steps: int


PROFILES = {
    "dev": Profile("dev", 20, 50),
    "ci": Profile("ci", 100, 80),
    "deep": Profile("deep", 1500, 200),
}


@attrs.frozen
class CheckResult:
    """What a check found: the runs, the steps taken in them (exploration and the fair convergence that ends
    each run), and the shrunk violation if any."""

    examples: int
    steps: int
    seconds: float
    violation: PropertyViolated | None
    complete: bool = True
    """False when the search stopped before its end (an interrupt, a time limit, or a cancelled worker)."""
    scenario: Scenario | None = None
    """The start the violation was found from, when a check explores more than one (``properties.chunks``)."""


def run(scenario: Scenario, properties: Sequence[Property], profile: Profile, seed_value: int = 0,
        progress: Callable[[int, int], None] | None = None, shrink: bool = True,
        on_run: Callable[[int], None] | None = None, stop: Callable[[], bool] | None = None,
        shrink_seconds: float | None = None) -> CheckResult:
    """Explore ``scenario`` with ``profile``; the same seed gives the same runs and the same trace. Without
    ``shrink`` the first violating run is returned as found (what the benchmark times); with it, that run is shrunk
    by replaying its actions (``properties.minimise``: delta debugging, then 1-minimal; Hypothesis's own shrinking
    of the choices is not used, it re-ran whole runs with their convergence for minutes), within ``shrink_seconds``
    of the first failure when given (past it the best run so far, marked not minimal). ``on_run(steps)`` is
    called after each run; when ``stop()`` (asked after each run) is true, or a :class:`Stopped` is raised within it,
    the search ends there and the result, marked incomplete, counts the runs so far; an :class:`Interrupted` (a
    signal) propagates."""
    machine = machine_for(scenario, properties)
    counted = {"examples": 0, "steps": 0}
    failed_at: list[float] = []
    teardown = machine.teardown

    def counting_teardown(self: machine) -> None:  # type: ignore[valid-type]
        counted["examples"] += 1
        explored = len(self.transitions)
        try:
            teardown(self)
        except PropertyViolated as violated:  # a liveness violation: its run's explored actions, then convergence
            violated.explored = explored  # type: ignore[attr-defined] - what properties.minimise replays
            failed_at.append(time.monotonic())
            raise
        finally:
            if self.violated:
                failed_at.append(time.monotonic())
            counted["steps"] += len(self.transitions)
            if progress is not None:
                progress(counted["examples"], profile.examples)
            if on_run is not None:
                on_run(len(self.transitions))
        if stop is not None and not (self.violated or self.stopped) and stop():
            raise Stopped("asked to stop")

    machine.teardown = counting_teardown
    configured = settings(max_examples=profile.examples, stateful_step_count=profile.steps, deadline=None,
                          database=None, verbosity=Verbosity.quiet, print_blob=False, report_multiple_bugs=False,
                          phases=(Phase.generate,),
                          suppress_health_check=list(HealthCheck))
    started = time.perf_counter()
    violation, complete = None, True
    try:
        run_state_machine_as_test(seed(seed_value)(machine), settings=configured)
    except Interrupted:  # the caller's to handle: a result without it would read as a search that found nothing
        raise
    except Stopped:
        complete = False
    except PropertyViolated as found:
        deadline = None if shrink_seconds is None else min(failed_at, default=time.monotonic()) + shrink_seconds
        violation = minimise(scenario, found, properties, deadline) if shrink else found
        if deadline is not None and time.monotonic() > deadline:
            violation = not_minimal(violation)
    except Flaky as flaky:  # the model is deterministic: a flaky failure is a bug in kubeproof itself
        raise RuntimeError(f"non-deterministic exploration: {flaky}") from flaky
    return CheckResult(counted["examples"], counted["steps"], time.perf_counter() - started, violation, complete)
