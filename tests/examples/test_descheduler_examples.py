"""A descheduler policy and the scheduler's profile that disagree (model/examples/descheduler/): decided as ``kubeproof
check --spec`` decides them, one short run, the cluster left to itself."""

from __future__ import annotations

import os

import pytest

from model.examples.descheduler import DIRECTORY
from model.manifests import load
from properties.check import run
from properties.explore import Scenario
from properties.kivi import ONE_RUN
from properties.spec import compile_intents, load_spec, scenario_for


def _decide(case: str, manifests: str) -> str | None:
    spec = load_spec(str(DIRECTORY / case / "spec.yaml"))
    scenario = scenario_for(Scenario(f"{case}-{manifests}", tuple(load([DIRECTORY / case / f"{manifests}.yaml"]))),
                            spec)
    result = run(scenario, compile_intents(spec), ONE_RUN, 0, shrink=False)
    return None if result.violation is None else result.violation.violation.property


@pytest.mark.skipif(not os.environ.get("KUBEPROOF_SLOW"), reason="7 CPU s (the default run's budget; C8 in "
                    "tests/examples/test_kivi.py is the default run's policy-against-profile case): KUBEPROOF_SLOW=1 "
                    "runs it")
def test_high_node_utilization_against_least_allocated_scheduling_oscillates() -> None:
    assert _decide("high-utilization", "violated") == "app-does-not-flap"


def test_low_node_utilization_agrees_with_the_default_scheduler() -> None:
    assert _decide("high-utilization", "holds") is None
