"""``run(..., shrink_seconds=...)``: once the budget is spent the best counterexample
so far is kept, marked not minimal in the trace; without a budget shrinking goes to the end."""

from __future__ import annotations

from properties import trace as traces
from properties.check import PROFILES, run
from properties.registry import by_name
from properties.variants import variant

CHOSEN = variant("replicaset-no-expectations")


def test_a_spent_budget_keeps_the_counterexample_and_marks_it_not_minimal() -> None:
    scenario, properties = CHOSEN.scenario(), by_name([CHOSEN.property])
    rushed = run(scenario, properties, PROFILES["ci"], 0, shrink_seconds=0)
    assert rushed.violation is not None and rushed.violation.violation.property == CHOSEN.property
    assert traces.to_json(rushed.violation, scenario, 0, CHOSEN.name)["minimal"] is False
    patient = run(scenario, properties, PROFILES["ci"], 0, shrink_seconds=600)
    assert traces.to_json(patient.violation, scenario, 0, CHOSEN.name)["minimal"] is True
    assert len(patient.violation.transitions) <= len(rushed.violation.transitions)
