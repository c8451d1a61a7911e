"""What a PodDisruptionBudget promises about evictions, judged at each eviction the API server answers.

The expectation is computed here from the pods and controllers the API server held when it served the eviction
(``Response.served``), following the PDB documentation, never from the budget's ``status`` (which the disruption
controller computes and the eviction subresource trusts):

- a budget covers the pods of its namespace its selector matches (the subresource ignores a budget with an empty
  selector, eviction.go ``getPodDisruptionBudgets``, so it is left out here too);
- a pod is healthy when its Ready condition is True and it is not being deleted ("Healthiness of a Pod");
- the desired healthy count is ``minAvailable`` as an integer, or a percentage (rounded up) of the expected pods,
  or the expected pods less ``maxUnavailable`` (rounded up); the expected pods are the covered pods for an integer
  ``minAvailable``, else the sum of the ``replicas`` of their controllers (a ReplicaSet's Deployment stands for it);
- an eviction may take a healthy pod only while more pods are healthy than desired.

Doc: https://kubernetes.io/docs/tasks/run-application/configure-pdb/ (rounding, "Healthiness of a Pod", "Arbitrary
Controllers and Selectors") and https://kubernetes.io/docs/concepts/workloads/pods/disruptions/.
"""

from __future__ import annotations

import math
from typing import Any

from model.apiserver import requests as rq
from model.config import ModelConfig
from model.controllers.base import ready_keys
from model.informers import pending
from model.state import ClusterState
from model.store import Store
from properties.registry import step_property

DISRUPTION_CONTROLLER = "disruption-controller"
REFERENCE = "https://kubernetes.io/docs/tasks/run-application/configure-pdb/"


def covering(served: Store, pod: Any) -> list[Any]:
    """The budgets whose (non-empty) selector matches the pod."""
    return [pdb for pdb in served.list("PodDisruptionBudget", pod.namespace)
            if pdb.spec.selector is not None and pdb.spec.selector.to_dict()
            and pdb.spec.selector.matches(pod.labels)]


def healthy(pod: Any) -> bool:
    ready = pod.status.condition("Ready")
    return pod.metadata.deletion_timestamp is None and ready is not None and ready.status == "True"


def _replicas(served: Store, namespace: str, ref: Any) -> tuple[str, int] | None:
    """The controller a pod's controller reference names, as (uid, replicas); a ReplicaSet of a Deployment counts as
    the Deployment."""
    owner = served.get(ref.kind, namespace, ref.name)
    if owner is None or owner.metadata.uid != ref.uid or not hasattr(owner.spec, "replicas"):
        return None
    parent = owner.metadata.controller_ref()
    if ref.kind == "ReplicaSet" and parent is not None and parent.kind == "Deployment":
        return _replicas(served, namespace, parent)
    return owner.metadata.uid, owner.spec.replicas


def _percent(value: int | str, total: int) -> int:
    return math.ceil(int(value[:-1]) * total / 100) if isinstance(value, str) else value


def desired_healthy(pdb: Any, served: Store) -> int | None:
    """How many covered pods must stay healthy (None: the documentation gives no number, e.g. a controller without
    a scale, or a budget with neither field)."""
    selector = pdb.spec.pod_selector()
    pods = [p for p in served.list("Pod", pdb.namespace) if selector.matches(p.labels)]
    spec = pdb.spec
    if isinstance(spec.min_available, int):
        return spec.min_available
    if spec.min_available is None and spec.max_unavailable is None:
        return None
    scales: dict[str, int] = {}
    for pod in pods:
        ref = pod.metadata.controller_ref()
        if ref is None:
            continue
        found = _replicas(served, pod.namespace, ref)
        if found is None:
            return None
        scales[found[0]] = found[1]
    expected = sum(scales.values())
    if spec.min_available is not None:
        return _percent(spec.min_available, expected)
    return max(0, expected - _percent(spec.max_unavailable, expected))


def _healthy_count(pdb: Any, served: Store) -> int:
    return sum(1 for p in served.list("Pod", pdb.namespace) if pdb.spec.selector.matches(p.labels) and healthy(p))


def _controller_behind(state: ClusterState, pdb: Any) -> bool:
    """Whether the disruption controller has not yet caught up with the cluster: events it has not observed, or the
    budget's key due for a sync (then the budget's status may rightly lag what the pods show)."""
    informer = state.informers.get(DISRUPTION_CONTROLLER)
    if informer is None:
        return True
    return bool(pending(informer, state.events)) or (pdb.namespace, pdb.name) in ready_keys(informer, state.time)


def _evictions(step: Any) -> list[tuple[rq.Response, Any, Any, int, int]]:
    """Each answered eviction of a healthy, running pod covered by exactly one budget with a documented number:
    (response, pod, budget, healthy pods when it was served, desired healthy)."""
    judged = []
    for response in step.result.responses:
        request, served = response.request, response.served
        if not isinstance(request, rq.Evict) or served is None:
            continue
        pod = served.get("Pod", request.namespace, request.name)
        if pod is None or pod.status.phase != "Running" or not healthy(pod):
            continue
        budgets = covering(served, pod)
        if len(budgets) != 1 or (desired := desired_healthy(budgets[0], served)) is None:
            continue
        judged.append((response, pod, budgets[0], _healthy_count(budgets[0], served), desired))
    return judged


@step_property(
    "evictions-within-budget",
    "No eviction succeeds that takes a PodDisruptionBudget below its budget: a healthy pod is evicted only while "
    "more of the budget's pods are healthy (Ready, not being deleted) than it requires, counted from the pods and "
    "their controllers' replicas, not from the budget's status.",
    REFERENCE,
)
def evictions_within_budget(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    return [f"eviction of pod {pod.namespace}/{pod.name} succeeded with {count} healthy pod(s) under "
            f"PodDisruptionBudget {pdb.name}, which requires {desired}: {count - 1} left"
            for response, pod, pdb, count, desired in _evictions(step) if response.ok and count - 1 < desired]


@step_property(
    "eviction-refusals-justified",
    "An eviction is refused with 429 only when its PodDisruptionBudget forbids it: one fewer healthy pod would fall "
    "below the budget, or the disruption controller has not yet caught up (the budget's generation unobserved, "
    "watch events or a sync of the budget pending), so that its status may rightly lag.",
    REFERENCE,
)
def eviction_refusals_justified(before: ClusterState, step: Any, after: ClusterState,
                                config: ModelConfig) -> list[str]:
    messages = []
    for response, pod, pdb, count, desired in _evictions(step):
        if response.code != 429 or count - 1 < desired:
            continue
        if pdb.status.observed_generation < (pdb.metadata.generation or 0) or _controller_behind(before, pdb):
            continue
        messages.append(f"eviction of pod {pod.namespace}/{pod.name} was refused ({response.message}) though "
                        f"PodDisruptionBudget {pdb.name} has {count} healthy pod(s) and requires {desired}")
    return messages
