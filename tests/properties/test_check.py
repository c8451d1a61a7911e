"""properties.check.run: exploration with a profile is deterministic (the same seed gives the same runs and the
same trace), counts its runs and steps, and reports the shrunk violation (or the first one, unshrunk)."""

from __future__ import annotations

import json

from properties import trace
from properties.check import PROFILES, Profile, run
from properties.registry import by_name
from properties.variants import variant

QUOTA = variant("stale-quota-apiservers")
DEPLOYMENT = variant("deployment-ignores-max-unavailable")
SMALL = Profile("small", 10, 20)


def trace_json(result, scenario, seed: int, name: str) -> str:  # noqa: ANN001 - test helper
    return json.dumps(trace.to_json(result.violation, scenario, seed, name), sort_keys=True)


def test_the_same_seed_gives_the_same_shrunk_trace() -> None:
    for chosen in (QUOTA, DEPLOYMENT):
        scenario, properties = chosen.scenario(), by_name([chosen.property])
        first = run(scenario, properties, PROFILES["ci"], 7)
        second = run(scenario, properties, PROFILES["ci"], 7)
        assert first.violation is not None
        assert trace_json(first, scenario, 7, chosen.name) == trace_json(second, scenario, 7, chosen.name)
        assert (first.examples, first.steps) == (second.examples, second.steps)


def test_the_same_seed_gives_the_same_runs_when_nothing_is_found() -> None:
    scenario, properties = DEPLOYMENT.scenario(faithful=True), by_name([DEPLOYMENT.property])
    first, second = run(scenario, properties, SMALL, 3), run(scenario, properties, SMALL, 3)
    assert first.violation is None and second.violation is None
    assert (first.examples, first.steps) == (second.examples, second.steps)
    assert first.examples >= SMALL.examples and first.examples <= first.steps <= first.examples * SMALL.steps


def test_without_shrinking_the_first_violating_run_is_returned_whole() -> None:
    scenario, properties = DEPLOYMENT.scenario(), by_name([DEPLOYMENT.property])
    found = run(scenario, properties, PROFILES["ci"], 0, shrink=False)
    shrunk = run(scenario, properties, PROFILES["ci"], 0)
    assert found.violation is not None and shrunk.violation is not None
    assert found.violation.violation.property == shrunk.violation.violation.property == DEPLOYMENT.property
    assert found.examples == shrunk.examples  # shrinking replays the run's actions (properties.minimise), no runs
    assert len(shrunk.violation.transitions) <= len(found.violation.transitions)


def test_progress_is_reported_after_every_run() -> None:
    seen: list[tuple[int, int]] = []
    result = run(DEPLOYMENT.scenario(faithful=True), by_name([DEPLOYMENT.property]), Profile("p", 3, 5), 0,
                 progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)] and result.examples == 3


def test_the_profiles_grow_deeper() -> None:
    dev, ci, deep = PROFILES["dev"], PROFILES["ci"], PROFILES["deep"]
    assert dev.examples < ci.examples < deep.examples and dev.steps <= ci.steps <= deep.steps
