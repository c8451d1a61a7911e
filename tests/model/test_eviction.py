"""The ``pods/eviction`` subresource (model/apiserver/eviction.py) and PodDisruptionBudget validation.

Cases follow pkg/registry/core/pod/storage/eviction_test.go (TestEviction, TestEvictionIgnorePDB,
TestEvictionPDBStatus, TestAddConditionAndDelete) and pkg/apis/policy/validation/validation_test.go
(TestValidateMinAvailablePodDisruptionBudgetSpec, TestValidateUnhealthyPodEvictionPolicyDisruptionBudgetSpec).
"""

from __future__ import annotations

from typing import Any

import pytest

from model.apiserver import requests as rq
from model.auth.identity import ADMIN, kubelet_identity, user
from model.errors import ManifestError
from model.manifests import from_dict
from model.state import ClusterState, build, submit
from model.store import DELETED

PDB_STATUS = {"observedGeneration": 1, "disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1,
              "expectedPods": 2}


def pod(name: str, ready: bool = True, phase: str = "Running", labels: dict | None = None, **meta: Any) -> Any:
    status: dict[str, Any] = {"phase": phase}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False"}]
    return from_dict({"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": name, "namespace": "default", "labels": labels or {"app": "web"}, **meta},
                      "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]}, "status": status})


def pdb(name: str = "web", status: dict | None = None, selector: dict | None = None, **spec: Any) -> Any:
    return from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                      "metadata": {"name": name, "namespace": "default", "generation": 1, "uid": f"{name}-uid"},
                      "spec": {"selector": {"matchLabels": {"app": "web"}} if selector is None else selector,
                               "minAvailable": 1, **spec},
                      "status": PDB_STATUS if status is None else {**PDB_STATUS, **status}})


def evict(state: ClusterState, name: str, who: Any = ADMIN, **options: Any) -> tuple[ClusterState, rq.Response]:
    after, response, _ = submit(state, rq.Evict(who, "default", name, **options))
    return after, response


def budget(state: ClusterState, name: str = "web") -> Any:
    return state.store.get("PodDisruptionBudget", "default", name)


def test_without_a_budget_the_pod_is_marked_and_deleted_gracefully() -> None:
    state, response = evict(build([pod("a")]), "a", grace_period_seconds=5)
    assert response.code == 201
    evicted = state.store.get("Pod", "default", "a")
    assert evicted.metadata.deletion_grace_period_seconds == 5
    condition = evicted.status.condition("DisruptionTarget")
    assert (condition.status, condition.reason) == ("True", "EvictionByEvictionAPI")


def test_an_allowed_eviction_spends_the_budget_and_records_the_pod() -> None:
    state = build([pod("a"), pod("b"), pdb()])
    state, response = evict(state, "a")
    assert response.ok
    status = budget(state).status
    assert status.disruptions_allowed == 0 and dict(status.disrupted_pods) == {"a": state.time}
    assert [(c.type, c.status, c.reason) for c in status.conditions] == [
        ("DisruptionAllowed", "False", "InsufficientPods")]
    # The budget is spent: the next healthy pod is refused with 429 and stays.
    state, response = evict(state, "b")
    assert (response.code, response.reason) == (429, "TooManyRequests")
    assert "needs 1 healthy pods and has 2 currently" in response.message
    assert state.store.get("Pod", "default", "b").metadata.deletion_timestamp is None


def test_a_budget_the_controller_has_not_observed_refuses_with_429() -> None:
    """checkAndDecrement: observedGeneration < generation ("still being processed")."""
    state = build([pod("a"), pdb(status={"observedGeneration": 0})])
    after, response = evict(state, "a")
    assert response.code == 429 and "still being processed" in response.message
    assert after.store == state.store


@pytest.mark.parametrize(("status", "detail"), [
    ({"disruptionsAllowed": -1}, "pdb disruptions allowed is negative"),
    ({"disruptedPods": {f"p{i}": 0 for i in range(2001)}}, "DisruptedPods map too big"),
])
def test_a_broken_budget_status_is_forbidden(status: dict, detail: str) -> None:
    after, response = evict(build([pod("a"), pdb(status=status)]), "a")
    assert response.code == 403 and detail in response.message


def test_two_budgets_over_one_pod_is_a_server_error() -> None:
    state = build([pod("a"), pdb("one"), pdb("two")])
    after, response = evict(state, "a")
    assert response.code == 500 and "more than one PodDisruptionBudget" in response.message
    assert after.store == state.store


@pytest.mark.parametrize("phase", ["Pending", "Succeeded", "Failed"])
def test_pending_and_terminal_pods_ignore_the_budget(phase: str) -> None:
    state = build([pod("a", phase=phase), pdb(status={"disruptionsAllowed": 0})])
    after, response = evict(state, "a")
    assert response.ok
    assert budget(after).status == budget(state).status


@pytest.mark.parametrize(("policy", "status", "allowed"), [
    (None, {"disruptionsAllowed": 0, "currentHealthy": 2, "desiredHealthy": 2}, True),
    (None, {"disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 2}, False),
    ("IfHealthyBudget", {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0}, False),
    ("AlwaysAllow", {"disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 2}, True),
])
def test_unready_pods_follow_the_unhealthy_pod_eviction_policy(policy: str | None, status: dict,
                                                                 allowed: bool) -> None:
    """An unready pod goes without spending the budget when the budget is healthy (IfHealthyBudget) or always
    (AlwaysAllow); otherwise it is judged like a healthy one."""
    extra = {} if policy is None else {"unhealthyPodEvictionPolicy": policy}
    state = build([pod("a", ready=False), pdb(status=status, **extra)])
    after, response = evict(state, "a")
    assert response.ok is allowed, str(response)
    assert budget(after).status.disruptions_allowed == 0 and not budget(after).status.disrupted_pods


def test_an_empty_selector_covers_nothing_for_the_subresource() -> None:
    """getPodDisruptionBudgets: "a PDB with a nil or empty selector ... should match nothing"."""
    state = build([pod("a"), pdb(selector={}, status={"disruptionsAllowed": 0})])
    assert evict(state, "a")[1].ok


def test_authorisation_is_create_on_pods_eviction() -> None:
    state = build([pod("a")])
    after, response = evict(state, "a", who=user("mallory"))
    assert response.code == 403 and 'cannot create resource "pods/eviction"' in response.message
    assert evict(state, "missing")[1].code == 404
    # A kubelet may evict only pods bound to its own node.
    assert evict(state, "a", who=kubelet_identity("n1"))[1].ok
    assert evict(state, "a", who=kubelet_identity("n2"))[1].code == 403


def test_preconditions_are_honoured() -> None:
    state = build([pod("a")])
    stored = state.store.get("Pod", "default", "a")
    assert evict(state, "a", precondition_uid="other")[1].code == 409
    assert evict(state, "a", precondition_resource_version="0")[1].code == 409
    after, response = evict(state, "a", precondition_resource_version=stored.metadata.resource_version)
    assert response.ok and after.store.get("Pod", "default", "a").metadata.deletion_timestamp is not None


def test_an_unbound_pending_pod_is_removed_at_once() -> None:
    state = build([from_dict({"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": "a", "namespace": "default", "uid": "a-uid"},
                              "spec": {"containers": [{"name": "c", "image": "i"}]}})])
    after, response, events = submit(state, rq.Evict(ADMIN, "default", "a"))
    assert response.ok and events[-1].type == DELETED and after.store.get("Pod", "default", "a") is None


@pytest.mark.parametrize(("spec", "message"), [
    ({"minAvailable": 1, "maxUnavailable": 1}, "spec: Invalid value: minAvailable and maxUnavailable cannot be both"),
    ({"minAvailable": "101%"}, 'spec.minAvailable: Invalid value: "101%": must not be greater than 100%'),
    ({"maxUnavailable": -1}, "spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"),
    ({"maxUnavailable": "1.5%"}, 'spec.maxUnavailable: Invalid value: "1.5%": a valid percent string'),
    ({"unhealthyPodEvictionPolicy": "Never"}, 'spec.unhealthyPodEvictionPolicy: unsupported value "Never"'),
])
def test_budget_validation(spec: dict, message: str) -> None:
    with pytest.raises(ManifestError) as caught:
        from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "x"},
                   "spec": spec})
    assert str(caught.value).startswith(message)
