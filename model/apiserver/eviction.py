"""The ``pods/eviction`` subresource: delete a pod unless a PodDisruptionBudget forbids it.

Ported from pkg/registry/core/pod/storage/eviction.go (``EvictionREST.Create``, ``checkAndDecrement``,
``canIgnorePDB``, ``shouldEnforceResourceVersion``, ``getPodDisruptionBudgets``, ``addConditionAndDeletePod``),
with the ``unhealthyPodEvictionPolicy`` rule of KEP-3017 and the DisruptionTarget condition of KEP-3329:

- authorization is ``create`` on ``pods/eviction`` (RBAC, or the Node authorizer and NodeRestriction for a
  kubelet evicting its own pods); the deletion itself is not authorised again (the subresource calls the pod
  storage directly, which the model does as the API server's own privileged identity);
- a pod that is Pending, Succeeded, Failed or already being deleted is deleted without looking at budgets (with
  its resourceVersion as the precondition unless it is terminal or terminating);
- more than one budget selecting the pod is an error (500); none: the pod is deleted;
- with one budget, a pod that is not Ready is deleted without spending the budget when the budget's policy is
  AlwaysAllow, or when ``currentHealthy >= desiredHealthy > 0`` (IfHealthyBudget, the default); otherwise the
  budget is checked and decremented: a status the disruption controller has not caught up with
  (``observedGeneration < generation``) or ``disruptionsAllowed == 0`` is 429 TooManyRequests; a negative
  ``disruptionsAllowed`` or a ``disruptedPods`` map of more than 2000 entries is 403; else ``disruptionsAllowed``
  goes down by one (the DisruptionAllowed condition turns False at zero) and the pod is recorded in
  ``disruptedPods`` at the current time, so the controller does not count it healthy until it is gone or two
  minutes have passed;
- the pod then gets the ``DisruptionTarget`` condition (reason ``EvictionByEvictionAPI``) and is deleted
  gracefully with the eviction's delete options.

Deliberate differences: one request is one atomic step of the model, so upstream's retries on conflicts (of the
budget's status update and of the pod's resourceVersion precondition) never happen; what the client sees on
success is 201 with the pod as the deletion left it (upstream: a ``Status`` of Success); the 500 for several
budgets has reason ``InternalError`` (upstream: a failure ``Status`` with code 500 and no reason); the 429's
``details.causes`` message is appended to the message; dry-run is not modelled.
"""

from __future__ import annotations

import attrs

from model.apiserver import requests as rq
from model.apiserver.server import Outcome, _delete, _denied, _node_restricted, _write
from model.auth.identity import SYSTEM_MASTERS, UserInfo
from model.config import ModelConfig
from model.controllers.node_lifecycle import update_pod_condition
from model.objects import Pod, PodDisruptionBudget
from model.objects.disruption import ALWAYS_ALLOW, with_disruption_allowed_condition
from model.objects.pod import PodCondition
from model.store import Store, WatchEvent

MAX_DISRUPTED_POD_SIZE = 2000
"""MaxDisruptedPodSize: beyond it the subresource refuses until the disruption controller catches up."""
VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget."
SEVERAL_BUDGETS = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
POD_STORAGE = UserInfo("system:apiserver", (SYSTEM_MASTERS,))
"""user.APIServerUser in system:masters: the identity the model's pod deletion runs as on behalf of the subresource
(upstream calls the pod storage directly, below authorization)."""


def can_ignore_pdb(pod: Pod) -> bool:
    """canIgnorePDB: a terminal, pending or terminating pod is deleted without looking at budgets."""
    return pod.status.phase in ("Succeeded", "Failed", "Pending") or pod.metadata.deletion_timestamp is not None


def _enforce_resource_version(pod: Pod) -> bool:
    """shouldEnforceResourceVersion: a pod that might still become Ready is deleted only as read."""
    return not pod.is_terminated and pod.metadata.deletion_timestamp is None


def budgets_of(store: Store, pod: Pod) -> tuple[PodDisruptionBudget, ...]:
    """getPodDisruptionBudgets: the budgets of the pod's namespace whose selector matches its labels. Unlike the
    disruption controller, the subresource lets an absent or empty selector match nothing."""
    found = []
    for pdb in store.list("PodDisruptionBudget", pod.namespace):
        selector = pdb.spec.selector
        if selector is None or selector == type(selector)():
            continue
        if selector.matches(pod.labels):
            found.append(pdb)
    return tuple(found)


def _refusal(pdb: PodDisruptionBudget) -> rq.Response | None:
    """checkAndDecrement's refusals, in upstream order."""
    status = pdb.status
    if status.observed_generation < (pdb.metadata.generation or 0):
        return rq.too_many_requests(f"{VIOLATES} The disruption budget {pdb.name} is still being processed by the "
                                    "server.")
    if status.disruptions_allowed < 0:
        return rq.forbidden(f'poddisruptionbudget.policy "{pdb.name}" is forbidden: pdb disruptions allowed is '
                            "negative")
    if len(status.disrupted_pods) > MAX_DISRUPTED_POD_SIZE:
        return rq.forbidden(f'poddisruptionbudget.policy "{pdb.name}" is forbidden: DisruptedPods map too big - '
                            "too many evictions not confirmed by PDB controller")
    if status.disruptions_allowed == 0:
        return rq.too_many_requests(f"{VIOLATES} The disruption budget {pdb.name} needs {status.desired_healthy} "
                                    f"healthy pods and has {status.current_healthy} currently")
    return None


def _decremented(pdb: PodDisruptionBudget, pod: str, now: int) -> PodDisruptionBudget:
    """checkAndDecrement's status update: one disruption fewer, the pod recorded as disrupted at ``now``."""
    status = attrs.evolve(pdb.status, disruptions_allowed=pdb.status.disruptions_allowed - 1,
                          disrupted_pods=pdb.status.disrupted_pods.set(pod, now))
    if status.disruptions_allowed == 0:
        status = with_disruption_allowed_condition(status, now)
    return attrs.evolve(pdb, status=status)


def evict(store: Store, request: rq.Evict, now: int, config: ModelConfig) -> Outcome:
    """Serve one eviction (see the module docstring)."""
    if (denied := _denied(store, request.user, "create", Pod, request.namespace, request.name,
                          subresource="eviction")) is not None:
        return Outcome(store, denied)
    pod = store.get("Pod", request.namespace, request.name)
    if pod is None:
        return Outcome(store, rq.not_found("pods", request.name))
    if (restricted := _node_restricted(store, request.user, "create", None, pod, "eviction")) is not None:
        return Outcome(store, restricted)
    events: tuple[WatchEvent, ...] = ()
    enforce = request.precondition_resource_version
    if can_ignore_pdb(pod):
        if enforce is None and _enforce_resource_version(pod):
            enforce = pod.metadata.resource_version
        return _delete_with_condition(store, request, pod, enforce, now, config, events)
    budgets = budgets_of(store, pod)
    if len(budgets) > 1:
        return Outcome(store, rq.Response(500, "InternalError", SEVERAL_BUDGETS))
    if budgets:
        pdb = budgets[0]
        status = pdb.status
        unhealthy_free = not pod.is_ready and (
            pdb.spec.unhealthy_pod_eviction_policy == ALWAYS_ALLOW
            or status.current_healthy >= status.desired_healthy > 0)
        if unhealthy_free:
            enforce = pod.metadata.resource_version
        else:
            if (refused := _refusal(pdb)) is not None:
                return Outcome(store, refused)
            store, _, events = _write(store, _decremented(pdb, pod.name, now), events)
    return _delete_with_condition(store, request, pod, enforce, now, config, events)


def _delete_with_condition(store: Store, request: rq.Evict, pod: Pod, resource_version: str | None, now: int,
                           config: ModelConfig, events: tuple[WatchEvent, ...]) -> Outcome:
    """addConditionAndDeletePod: check the preconditions against the pod as stored, set its DisruptionTarget
    condition (the precondition follows the resourceVersion this write gives it), then delete it gracefully."""
    current = pod
    if request.precondition_uid not in (None, current.metadata.uid) or \
            resource_version not in (None, current.metadata.resource_version):
        deleted = _delete(store, rq.Delete(POD_STORAGE, "Pod", pod.namespace, pod.name,
                                           precondition_uid=request.precondition_uid,
                                           precondition_resource_version=resource_version), now, config)
        return Outcome(store, deleted.response, events)
    condition = PodCondition(type="DisruptionTarget", status="True", reason="EvictionByEvictionAPI",
                             message="Eviction API: evicting", last_transition_time=now)
    status, changed = update_pod_condition(current.status, condition)
    if changed:
        store, current, events = _write(store, attrs.evolve(current, status=status), events)
        if resource_version is not None:
            resource_version = current.metadata.resource_version
    deleted = _delete(store, rq.Delete(POD_STORAGE, "Pod", pod.namespace, pod.name,
                                       grace_period_seconds=request.grace_period_seconds,
                                       precondition_uid=request.precondition_uid,
                                       precondition_resource_version=resource_version), now, config)
    if not deleted.response.ok:
        return Outcome(store, deleted.response, events)
    return Outcome(deleted.store, rq.Response(201, "Created", object=deleted.response.object),
                   events + deleted.events)
