"""The disruption controller: keeps every PodDisruptionBudget's status current, so that the ``pods/eviction``
subresource (``model.apiserver.eviction``) can judge evictions from it.

Ported from pkg/controller/disruption/disruption.go: the handlers (a budget is queued when added, updated or
deleted; a pod's add, update or delete queues the first budget selecting it, ``getPdbForPod``); ``trySync``
(``getPodsForPdb``, ``getExpectedPodCount``, ``buildDisruptedPodMap``, ``countHealthyPods``, ``updatePdbStatus``);
``getExpectedScale`` and the controller finders (ReplicationController, Deployment through its ReplicaSet,
ReplicaSet not owned by a Deployment, StatefulSet, then any other owner's scale subresource); ``failSafe`` when the
expected count cannot be computed; and ``enqueuePdbForRecheck`` when a disrupted pod's two minutes run out.

- ``minAvailable`` as an integer: ``desiredHealthy`` is it, ``expectedPods`` the number of selected pods.
- ``minAvailable`` as a percentage, or ``maxUnavailable``: ``expectedPods`` is the sum of the ``spec.replicas`` of
  the selected pods' controllers (pods without a controller are left out); the percentage rounds up; a pod whose
  controller is not found, or whose controller kind has no scale subresource, makes the sync fail safe
  (``disruptionsAllowed: 0``, DisruptionAllowed False with reason SyncFailed).
- ``currentHealthy`` counts the selected pods that are Ready, not being deleted, and not recorded in
  ``disruptedPods`` less than ``DeletionTimeout`` (2 min) ago; ``disruptedPods`` keeps only such pods.
- ``disruptionsAllowed = max(0, currentHealthy - desiredHealthy)``, and 0 while ``expectedPods`` is 0.

Deliberate differences: the controllers' scale is read from the controller manager's informer cache (upstream: the
listers for the kinds it knows, a live ``GET <resource>/scale`` for the others, here only DaemonSets, Jobs and
custom resources, which the model treats as lacking one); the stale ``DisruptionTarget`` condition clean-up
(``syncStalePodDisruption``) is not modelled; a ``disruptedPods`` time written by a real cluster (an RFC 3339 text,
not the model's clock) counts as expired; a fail-safe status already in place is not written again (upstream's
update of an unchanged object is a no-op without a watch event; the model's API server would store it anew).
"""

from __future__ import annotations

from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import controller_identity
from model.controllers import base
from model.frozendict import FrozenDict
from model.objects import Pod, PodDisruptionBudget
from model.objects.disruption import (
    DISRUPTION_ALLOWED,
    SYNC_FAILED,
    Condition,
    PodDisruptionBudgetStatus,
    set_status_condition,
    with_disruption_allowed_condition,
)
from model.rollout import scaled_value
from model.store import Objects, WatchEvent

NAME = "disruption-controller"
DELETION_TIMEOUT = 120
"""DeletionTimeout: how long an evicted pod may take to be deleted before it counts again."""
WATCHES = frozenset({"PodDisruptionBudget", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
                     "StatefulSet"})
_NO_SCALE = {"DaemonSet": "daemonsets.apps", "Job": "jobs.batch"}
"""Owner kinds without a scale subresource, as the error names their resource."""


_USER = controller_identity(NAME)


class ExpectedCountError(Exception):
    """getExpectedPodCount failed: the budget's status is set fail-safe."""


def pods_of(pdb: PodDisruptionBudget, cache: Objects) -> tuple[Pod, ...]:
    """getPodsForPdb: the namespace's pods the budget's selector matches (absent selector: none; empty: all)."""
    selector = pdb.spec.pod_selector()
    return tuple(p for p in cache.list("Pod", pdb.namespace) if selector.matches(p.labels))


def _controller_scale(ref: Any, namespace: str, cache: Objects) -> tuple[str, int] | None:
    """The finders in order: (uid, replicas) of the controller ``ref`` names, or None when none finds it."""
    if ref.kind == "ReplicationController":
        owner = base.resolve_controller_ref("ReplicationController", namespace, ref, cache)
        return None if owner is None else (owner.metadata.uid, owner.spec.replicas)
    if ref.kind == "ReplicaSet":
        rs = base.resolve_controller_ref("ReplicaSet", namespace, ref, cache)
        if rs is None:
            return None
        rs_ref = rs.metadata.controller_ref()
        if rs_ref is not None and rs_ref.kind == "Deployment":
            deployment = base.resolve_controller_ref("Deployment", namespace, rs_ref, cache)
            return None if deployment is None else (deployment.metadata.uid, deployment.spec.replicas)
        return (rs.metadata.uid, rs.spec.replicas)
    if ref.kind in ("StatefulSet", "Deployment"):
        owner = base.resolve_controller_ref(ref.kind, namespace, ref, cache)
        return None if owner is None else (owner.metadata.uid, owner.spec.replicas)
    resource = _NO_SCALE.get(ref.kind, f"{ref.kind.lower()}s.{ref.api_version.rpartition('/')[0]}")
    raise ExpectedCountError(f"{resource} does not implement the scale subresource")


def expected_scale(pods: tuple[Pod, ...], namespace: str, cache: Objects) -> int:
    """getExpectedScale: the sum of the distinct controllers' ``spec.replicas`` (pods without one left out)."""
    scales: dict[str, int] = {}
    for pod in pods:
        ref = pod.metadata.controller_ref()
        if ref is None or ref.uid in scales:
            continue
        found = _controller_scale(ref, namespace, cache)
        if found is None:
            raise ExpectedCountError(f'found no controllers for pod "{pod.name}"')
        scales[found[0]] = found[1]
    return sum(scales.values())


def expected_pod_count(pdb: PodDisruptionBudget, pods: tuple[Pod, ...], cache: Objects) -> tuple[int, int]:
    """getExpectedPodCount: (expectedPods, desiredHealthy)."""
    spec = pdb.spec
    if spec.max_unavailable is not None:
        expected = expected_scale(pods, pdb.namespace, cache)
        return expected, max(0, expected - scaled_value(spec.max_unavailable, expected, True))
    if isinstance(spec.min_available, int):
        return len(pods), spec.min_available
    if spec.min_available is not None:
        expected = expected_scale(pods, pdb.namespace, cache)
        return expected, scaled_value(spec.min_available, expected, True)
    return 0, 0


def _still_disrupted(since: Any, now: int) -> bool:
    return isinstance(since, int) and since + DELETION_TIMEOUT >= now


def disrupted_pods(pdb: PodDisruptionBudget, pods: tuple[Pod, ...], now: int) -> tuple[FrozenDict, int | None]:
    """buildDisruptedPodMap: the recorded pods still expected to go (not yet being deleted, recorded at most two
    minutes ago), and the earliest time one of them expires (the recheck)."""
    recorded = pdb.status.disrupted_pods
    kept: dict[str, Any] = {}
    recheck = None
    for pod in pods:
        since = recorded.get(pod.name)
        if pod.metadata.deletion_timestamp is not None or since is None or not _still_disrupted(since, now):
            continue
        kept[pod.name] = since
        recheck = since + DELETION_TIMEOUT if recheck is None else min(recheck, since + DELETION_TIMEOUT)
    return FrozenDict(kept), recheck


def count_healthy(pods: tuple[Pod, ...], disrupted: FrozenDict, now: int) -> int:
    """countHealthyPods: Ready pods neither being deleted nor recently evicted (strictly within the timeout)."""
    return sum(1 for p in pods if p.metadata.deletion_timestamp is None and p.is_ready
               and not (p.name in disrupted and isinstance(disrupted[p.name], int)
                        and disrupted[p.name] + DELETION_TIMEOUT > now))


def computed_status(pdb: PodDisruptionBudget, cache: Objects, now: int) -> tuple[PodDisruptionBudgetStatus,
                                                                                     int | None]:
    """trySync's status (updatePdbStatus) and the time to look again; raises ExpectedCountError."""
    pods = pods_of(pdb, cache)
    expected, desired = expected_pod_count(pdb, pods, cache)
    disrupted, recheck = disrupted_pods(pdb, pods, now)
    healthy = count_healthy(pods, disrupted, now)
    allowed = healthy - desired if expected > 0 and healthy - desired > 0 else 0
    status = attrs.evolve(pdb.status, current_healthy=healthy, desired_healthy=desired, expected_pods=expected,
                          disruptions_allowed=allowed, disrupted_pods=disrupted,
                          observed_generation=pdb.metadata.generation or 0)
    return with_disruption_allowed_condition(status, now), recheck


def fail_safe(pdb: PodDisruptionBudget, message: str, now: int) -> PodDisruptionBudgetStatus:
    """failSafe: no disruption allowed, DisruptionAllowed False with reason SyncFailed and the error."""
    condition = Condition(DISRUPTION_ALLOWED, "False", observed_generation=pdb.status.observed_generation,
                          reason=SYNC_FAILED, message=message)
    return attrs.evolve(pdb.status, disruptions_allowed=0,
                        conditions=set_status_condition(pdb.status.conditions, condition, now))


def sync(ctx: base.Context) -> base.Result:
    """``sync`` of the budget at ``ctx.key``: its status written when it changed (with the cached
    resourceVersion as the precondition), a recheck queued for when a disrupted pod's timeout runs out."""
    namespace, name = ctx.key
    pdb = ctx.cache.get("PodDisruptionBudget", namespace, name)
    if pdb is None:
        return base.Result()
    recheck = None
    try:
        status, recheck = computed_status(pdb, ctx.cache, ctx.now)
    except ExpectedCountError as e:
        status = fail_safe(pdb, str(e), ctx.now)
    after = None if recheck is None else max(recheck - ctx.now, 0)
    if status == pdb.status:
        return base.Result(requeue_after=after)
    return base.Result((rq.UpdateStatus(_USER, attrs.evolve(pdb, status=status)),),
                       requeue_after=after)


def _budget_for(pod: Pod, cache: Objects) -> tuple[base.Key, ...]:
    """getPdbForPod: the first budget (by name) whose selector matches the pod; none for a pod without labels."""
    if not pod.labels:
        return ()
    for pdb in cache.list("PodDisruptionBudget", pod.namespace):
        if pdb.spec.pod_selector().matches(pod.labels):
            return (base.key_of(pdb),)
    return ()


def enqueue(event: WatchEvent, old: Any, cache: Objects) -> tuple[base.Key, ...]:
    obj = event.object
    if obj.kind == "PodDisruptionBudget":
        return (base.key_of(obj),)
    if obj.kind == "Pod":
        return _budget_for(obj, cache)
    return ()


def initial_keys(cache: Objects) -> list[base.Key]:
    return [base.key_of(pdb) for pdb in cache.list("PodDisruptionBudget")]


CONTROLLER = base.Controller(name=NAME, watches=WATCHES, enqueue=enqueue, initial_keys=initial_keys, reconcile=sync)
"""kube-controller-manager's ``disruption-controller``."""
