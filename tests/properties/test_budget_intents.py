"""A PodDisruptionBudget in the manifests is a MinAvailable intent of its own (properties.spec.budget_intents), on
model/examples/intents/budget: a node crash during a drain breaks a budget of one and not one sized for a drain
plus a failure; the intent travels with the manifests, so replay rebuilds it."""

from __future__ import annotations

import attrs
import pytest

from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.examples.intents import DIRECTORY
from model.kubelet.component import CrashNode
from model.maintenance import DrainStep, drain_requests
from model.manifests import load
from properties import trace as traces
from properties.explore import PropertyViolated, Scenario, execute
from properties.spec import budget_intents, build_intent, load_spec, replay_properties, scenario_for


def _case(manifests: str) -> tuple[Scenario, tuple]:
    objects = tuple(load([DIRECTORY / "budget" / f"{manifests}.yaml"]))
    spec = load_spec(str(DIRECTORY / "budget" / "spec.yaml"))
    scenario = scenario_for(Scenario(f"budget-{manifests}", objects), spec)
    return scenario, tuple(build_intent(i) for i in budget_intents(objects))


def _drain_during_a_crash(scenario: Scenario, properties: tuple) -> None:
    """Cordon node-1 (the drain starts), node-2 crashes, the drain evicts node-1's replica: the API server still
    sees node-2's replica Ready, so the budget's status allows the eviction."""
    state = scenario.initial()
    cordon = next(r for r in drain_requests(state) if r.object.name == "node-1")
    state, _ = execute(state, [DrainStep(cordon), CrashNode("node-2")], scenario.config, ())
    (evict,) = drain_requests(state)
    execute(scenario.initial(), [DrainStep(cordon), CrashNode("node-2"), DrainStep(evict)], scenario.config,
            properties)


def test_the_budget_is_an_intent_named_after_it() -> None:
    scenario, properties = _case("violated")
    assert [(p.name, p.kind) for p in properties] == [("pdb-prod-web", "step")]


def test_a_crash_during_a_drain_breaks_a_budget_of_one() -> None:
    scenario, properties = _case("violated")
    with pytest.raises(PropertyViolated) as raised:
        _drain_during_a_crash(scenario, properties)
    assert raised.value.violation.property == "pdb-prod-web"
    assert "has 1 available pod(s)" in raised.value.violation.message
    trace = traces.to_json(raised.value, scenario, 0, None, {})
    assert [p.name for p in replay_properties(trace, ())] == ["pdb-prod-web"]
    assert traces.replay(trace, replay_properties(trace, ())).reproduced


def test_a_budget_sized_for_a_drain_and_a_failure_holds() -> None:
    scenario, properties = _case("holds")
    _drain_during_a_crash(scenario, properties)


def test_users_own_deletions_are_not_the_budgets_to_govern() -> None:
    """Only evictions among the user's commands are judged: deleting pods directly bypasses a budget (doc:
    "deleting deployments or pods bypasses Pod Disruption Budgets")."""
    scenario, properties = _case("violated")
    scenario = attrs.evolve(scenario, kubectl=True)
    pods = sorted(p.name for p in scenario.initial().store.list("Pod", "prod"))
    deletes = [Submit(rq.Delete(ADMIN, "Pod", "prod", name)) for name in pods[:2]]
    state, _ = execute(scenario.initial(), deletes, scenario.config, properties)
    assert len([p for p in state.store.list("Pod", "prod") if p.metadata.deletion_timestamp is None]) == 1
