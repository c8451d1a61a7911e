"""The eviction properties (properties/invariants/disruptions.py) hold on the faithful model and catch a model
broken on purpose: an eviction subresource that ignores budgets, one that refuses everything, and a disruption
controller that miscounts the desired healthy pods (the oracle does not read the status it writes)."""

from __future__ import annotations

from typing import Any

import pytest

from model import cluster
from model.actions import Submit
from model.apiserver import eviction
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.controllers import disruption
from model.manifests import from_dict
from model.state import ClusterState
from properties.explore import Transition
from properties.invariants.disruptions import eviction_refusals_justified, evictions_within_budget
from tests.model.controllers.test_node_lifecycle import node, run, settle

LABELS = {"app": "web"}


def synced() -> ClusterState:
    """Three ready replicas under a budget of maxUnavailable 1, its status current (one disruption allowed)."""
    deployment = from_dict({"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": "web", "namespace": "default"},
                            "spec": {"replicas": 3, "selector": {"matchLabels": LABELS}, "template": {
                                "metadata": {"labels": LABELS},
                                "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    pdb = from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                     "metadata": {"name": "web", "namespace": "default"},
                     "spec": {"selector": {"matchLabels": LABELS}, "maxUnavailable": 1}})
    return run(settle(cluster.initial_state([node("n1"), node("n2"), deployment, pdb])), 5)


def controllers_settle(state: ClusterState) -> ClusterState:
    """Watch deliveries and the controller manager only (no pod gets scheduled or started meanwhile)."""
    for _ in range(500):
        actions = [a for a in cluster.enabled(state)
                   if cluster.component_of(a).name in ("informers", "controller-manager")]
        if not actions:
            return state
        state = cluster.apply(state, actions[0])
    raise AssertionError("the controllers did not settle")


def evict_two(state: ClusterState) -> list[tuple[Any, list[str], list[str]]]:
    """Evict two pods in a row, the controllers (not the scheduler or kubelets) settling in between; each answer
    with both properties' verdicts."""
    names = sorted(p.name for p in state.store.list("Pod", "default"))
    verdicts = []
    for name in names[:2]:
        action = Submit(rq.Evict(ADMIN, "default", name))
        step = cluster.step(state, action)
        transition = Transition(action, step)
        verdicts.append((step.responses[0].code, evictions_within_budget.check(state, transition, step.state, None),
                         eviction_refusals_justified.check(state, transition, step.state, None)))
        state = controllers_settle(step.state)
    return verdicts


def test_the_faithful_model_holds() -> None:
    assert evict_two(synced()) == [(201, [], []), (429, [], [])]


def test_an_eviction_subresource_ignoring_budgets_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    state = synced()
    monkeypatch.setattr(eviction, "_refusal", lambda pdb: None)
    (_, second) = evict_two(state)
    assert second[0] == 201
    assert second[1] and "which requires 2: 1 left" in second[1][0]


def test_an_eviction_subresource_refusing_everything_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    state = synced()
    monkeypatch.setattr(eviction, "_refusal", lambda pdb: rq.too_many_requests(eviction.VIOLATES))
    (first, _) = evict_two(state)
    assert first[0] == 429 and first[2] and "has 3 healthy pod(s) and requires 2" in first[2][0]


def test_a_miscounting_disruption_controller_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The controller computes one desired pod fewer: its status allows two disruptions, the subresource trusts it,
    and the property (which recounts from the pods) reports the second eviction."""
    real = disruption.expected_pod_count
    monkeypatch.setattr(disruption, "expected_pod_count",
                        lambda pdb, pods, cache: (real(pdb, pods, cache)[0], real(pdb, pods, cache)[1] - 1))
    (_, second) = evict_two(synced())
    assert second[0] == 201 and second[1]
