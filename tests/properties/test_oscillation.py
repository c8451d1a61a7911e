"""A NoOscillation violation written as a lasso of the intent's observable state (properties.oscillation): Kivi's
C8 (the descheduler balancing soft spread constraints against the scheduler's default profile) loops; its twin
(hard constraints only) does not; the trace's loop replays, and a loop cut at the wrong place does not."""

from __future__ import annotations

import yaml

from properties import kivi, oscillation
from properties.explore import PropertyViolated
from properties.registry import Violation
from properties.spec import replay_properties
from properties.trace import to_json, to_markdown


def _lasso() -> dict:
    """The loop appended to a counterexample of no steps from the settled cluster (``kubeproof check`` finds the
    violation itself in tests/examples/test_kivi.py; its trace ends where the run's fair execution ended)."""
    scenario, _ = kivi.case("c8", "violated")
    spec = yaml.safe_load((kivi.directory("c8") / "spec.yaml").read_text())
    violated = PropertyViolated(Violation("app-does-not-flap", "found by check"), [])
    trace = to_json(violated, scenario, 0, None, {"spec": spec, "onlyIntents": True})
    looped = oscillation.lasso_trace(trace)
    assert looped is not None
    return looped


def test_c8_loop_is_a_replayable_lasso_of_the_placement_and_a_misplaced_loop_is_not() -> None:
    trace = _lasso()
    lasso = trace["lasso"]
    assert 2 <= lasso["rounds"] <= oscillation.LOOP_TIMES and lasso["observable"] == oscillation.OBSERVABLE
    assert 0 <= lasso["loop_start"] < len(trace["steps"]) == lasso["loop_start"] + lasso["loop_length"]
    assert f"seen {lasso['rounds']} times" in trace["message"]
    assert "not a proof that the full state recurs" in (to_markdown(trace) + oscillation.note(trace))
    properties = replay_properties(trace, ())
    reproduced, steps, message = oscillation.replay(trace, properties)
    assert reproduced and steps == len(trace["steps"]), message
    # the loop cut after its first step: no pod is evicted and re-created in one step
    cut = {**trace, "steps": trace["steps"][:lasso["loop_start"] + 1], "lasso": {**lasso, "loop_length": 1}}
    reproduced, _, message = oscillation.replay(cut, properties)
    assert not reproduced and "the same pods" in message


def test_c8_twin_with_hard_constraints_has_no_loop() -> None:
    scenario, intents = kivi.case("c8", "holds")
    state = scenario.initial()
    target = next(i for i in intents if i.name == "app-does-not-flap").origin[2][0].target
    assert oscillation.find(state, scenario.config, target) is None
