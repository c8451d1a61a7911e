"""``kubeproof replay`` of a liveness counterexample from ``kubeproof check`` (properties.replay): the trace ends where
fair execution ended, and the property is judged there, so Kivi C5's NoOscillation violation (the descheduler and the
scheduler undoing each other) reproduces; with the descheduler's policy taken out of the trace, its steps no longer
apply and replay says so instead of reporting a fix."""

from __future__ import annotations

import copy

import pytest
import yaml

from model.errors import ManifestError
from properties import kivi, trace
from properties.check import run
from properties.replay import replay
from properties.spec import replay_properties


@pytest.fixture(scope="module")
def c5_trace() -> dict:
    scenario, intents = kivi.case("c5", "violated")
    result = run(scenario, intents, kivi.ONE_RUN, 0, shrink=False)
    assert result.violation is not None
    spec = (kivi.directory("c5") / "spec.yaml").read_text()
    return trace.to_json(result.violation, scenario, 0, None, {"spec": yaml.safe_load(spec), "onlyIntents": True})


def test_a_no_oscillation_trace_reproduces(c5_trace: dict) -> None:
    replayed = replay(c5_trace, replay_properties(c5_trace, ()))
    assert replayed.reproduced, replayed.message
    assert "cycle without users or faults" in replayed.message


def test_without_the_policy_the_trace_no_longer_applies(c5_trace: dict) -> None:
    stale = copy.deepcopy(c5_trace)
    stale["initial"]["manifests"] = [m for m in stale["initial"]["manifests"] if m["kind"] != "DeschedulerPolicy"]
    with pytest.raises(ManifestError, match="the trace no longer applies"):
        replay(stale, replay_properties(stale, ()))
