"""The HorizontalPodAutoscaler controller (kube-controller-manager's ``horizontal-pod-autoscaler``).

Ported from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go: ``reconcileAutoscaler`` (get the
target's scale, the replica count from the metrics, normalisation, the scale update, the status),
``computeReplicasForMetrics`` / ``computeReplicasForMetric`` / ``computeStatusForResourceMetric`` (the highest
proposal wins; a failed metric fails the sync unless another metric proposes more than the current count),
``recordInitialRecommendation``, ``setCondition``, ``setStatus`` and ``updateStatusIfNeeded``; the metrics client
(pkg/controller/podautoscaler/metrics/client.go ``GetResourceMetric``: a LIST of ``pods.metrics.k8s.io`` with the
target's selector, a pod's value the sum of its containers', or the named container's). The arithmetic is in
:mod:`model.podautoscaler.replica_calculator` and :mod:`model.podautoscaler.horizontal`.

Each HPA is synced every 15 s (``--horizontal-pod-autoscaler-sync-period``: the HPA work queue's fixed-interval rate
limiter, for failed syncs too), first when the controller starts. Recommendations and scale events are the
controller's memory, lost when it restarts, as upstream. Only ``Resource`` and ``ContainerResource`` metrics are
computed: the custom and external metrics APIs are not modelled, so ``Pods``, ``Object`` and ``External`` metrics
fail as they do on a cluster without them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import controller_identity
from model.controllers import base
from model.frozendict import FrozenDict, freeze
from model.labels import Selector, selector_from_set
from model.objects.autoscaling import HorizontalPodAutoscaler, MetricSpec
from model.objects.meta import selector_of
from model.podautoscaler import horizontal as norm
from model.podautoscaler.replica_calculator import (
    MetricsError,
    PodMetric,
    raw_resource_replicas,
    resource_replicas,
)
from model.quantity import Quantity
from model.store import DELETED, Objects, WatchEvent

NAME = "horizontal-pod-autoscaler"
SYNC_PERIOD = 15
"""--horizontal-pod-autoscaler-sync-period."""
_USER = controller_identity(NAME)
_MEMORY = "hpa"
NO_CUSTOM_METRICS = "unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) " \
                    "registered"
NO_EXTERNAL_METRICS = "unable to fetch metrics from external metrics API: no external metrics API " \
                      "(external.metrics.k8s.io) registered"


@attrs.frozen
class HPAMemory:
    """One HPA's recommendations and scale events (``recommendations``, ``scaleUpEvents``, ``scaleDownEvents``)."""

    recommendations: tuple[norm.Recommendation, ...] = ()
    up: tuple[norm.ScaleEvent, ...] = ()
    down: tuple[norm.ScaleEvent, ...] = ()
    selector: Selector | None = None
    """The target's selector at the last sync that computed metrics (upstream's ``hpaSelectors`` entry)."""


def _memory(memory: FrozenDict, key: base.Key) -> HPAMemory:
    return memory.get(_MEMORY, FrozenDict()).get(key, HPAMemory())


def _remember(memory: FrozenDict, key: base.Key, kept: HPAMemory | None) -> FrozenDict:
    table = memory.get(_MEMORY, FrozenDict())
    table = table.discard(key) if kept is None else table.set(key, kept)
    return memory.set(_MEMORY, table)


def target_selector(target: Any) -> Selector:
    """The scale subresource's ``status.selector``: the workload's pod selector."""
    if target.kind == "ReplicationController":
        return selector_from_set(target.spec.selector)
    return selector_of(target.spec.selector)


def set_condition(conditions: Any, type_: str, status: str, reason: str, message: str, now: int) -> tuple:
    """``setCondition``: replace the condition of ``type_`` (its transition time moves only when the status changes),
    or append it."""
    conditions = tuple(conditions or ())
    for i, old in enumerate(conditions):
        if old.get("type") == type_:
            since = old.get("lastTransitionTime") if old.get("status") == status else now
            new = freeze({"type": type_, "status": status, "lastTransitionTime": since, "reason": reason,
                          "message": message})
            return conditions[:i] + (new,) + conditions[i + 1:]
    return (*conditions, freeze({"type": type_, "status": status, "lastTransitionTime": now, "reason": reason,
                                 "message": message}))


def _pod_metrics(listed: Iterable[Any], selector: Selector, resource: str, container: str | None) -> dict[
        str, PodMetric]:
    """``GetResourceMetric``: each selected pod's usage of ``resource`` (milli), the sum over its containers or the
    named one; a pod missing that container's metric is left out."""
    metrics = {}
    for item in listed:
        if not selector.matches(item.labels):
            continue
        total, found = 0, False
        for c in item.containers:
            if container is not None and c.name != container:
                continue
            quantity = c.usage.get(resource)
            if quantity is None:
                found = False
                break
            total += quantity.milli
            found = True
        if found:
            window = int(item.window.rstrip("s")) if item.window.rstrip("s").isdigit() else 15
            metrics[item.name] = PodMetric(total, item.timestamp if isinstance(item.timestamp, int) else 0, window)
    return metrics


@attrs.frozen
class Proposal:
    replicas: int
    name: str
    status: FrozenDict


def _resource_proposal(spec: MetricSpec, current: int, pods: list[Any], listed: Iterable[Any], selector: Selector,
                       now: int) -> Proposal:
    """``computeStatusForResourceMetric`` / ``computeStatusForContainerResourceMetric``."""
    source = spec.resource if spec.type == "Resource" else spec.container_resource
    container = None if spec.type == "Resource" else source.container
    target = source.target
    metrics = _pod_metrics(listed, selector, source.name, container)
    if not metrics:
        raise MetricsError(f"unable to get metrics for resource {source.name}: no metrics returned from resource "
                           "metrics API")
    key = "resource" if spec.type == "Resource" else "containerResource"
    described = {"name": source.name} if container is None else {"name": source.name, "container": container}
    if target.average_value is not None:
        found = raw_resource_replicas(current, target.average_value.milli, source.name, pods, metrics, now)
        status = {"type": spec.type, key: {**described, "current": {
            "averageValue": str(Quantity.from_milli(found.current))}}}
        return Proposal(found.replicas, f"{source.name} resource", freeze(status))
    if target.average_utilization is None:
        raise MetricsError("invalid resource metric source: neither a utilization target nor a value target was set")
    found = resource_replicas(current, target.average_utilization, source.name, pods, metrics, now, container)
    status = {"type": spec.type, key: {**described, "current": {
        "averageUtilization": found.current, "averageValue": str(Quantity.from_milli(found.raw_average))}}}
    what = f"{source.name} resource utilization (percentage of request)" if container is None else \
        f"{source.name} container resource utilization (percentage of request)"
    return Proposal(found.replicas, what, freeze(status))


_FAILED_REASON = {"Resource": "FailedGetResourceMetric", "ContainerResource": "FailedGetContainerResourceMetric",
                  "Pods": "FailedGetPodsMetric", "Object": "FailedGetObjectMetric",
                  "External": "FailedGetExternalMetric"}


@attrs.frozen
class _Sync(base.Sync):
    """One ``reconcileAutoscaler``."""

    hpa: HorizontalPodAutoscaler

    def run(self) -> base.Program:
        hpa, now = self.hpa, self.now
        original = hpa.status
        status = hpa.status
        ref = hpa.spec.scale_target_ref
        answer = yield (rq.GetScale(_USER, ref.kind, hpa.namespace, ref.name),)
        scale = answer[0]
        if not scale.ok:
            conditions = set_condition(status.conditions, "AbleToScale", "False", "FailedGetScale",
                                       f"the HPA controller was unable to get the target's current scale: "
                                       f"{scale.message}", now)
            yield from self._write(original, attrs.evolve(status, conditions=conditions))
            return base.Result(requeue_after=SYNC_PERIOD, failed=False)
        conditions = set_condition(status.conditions, "AbleToScale", "True", "SucceededGetScale",
                                   "the HPA controller was able to get the target's current scale", now)
        target = scale.object
        current = target.spec.replicas
        kept = _memory(self.ctx.memory, self.key)
        if not kept.recommendations:  # recordInitialRecommendation
            kept = attrs.evolve(kept, recommendations=(norm.Recommendation(current, now),))
        minimum, maximum = hpa.spec.min_replicas, hpa.spec.max_replicas
        rescale, desired, statuses = True, 0, ()
        if current == 0 and minimum != 0:
            rescale = False
            conditions = set_condition(conditions, "ScalingActive", "False", "ScalingDisabled",
                                       "scaling is disabled since the replica count of the target is zero", now)
        elif current > maximum:
            desired = maximum
        elif current < minimum:
            desired = minimum
        else:
            if not target_selector(target).empty():  # validateAndParseSelector's PutSelector
                kept = attrs.evolve(kept, selector=target_selector(target))
            computed, conditions, statuses = yield from self._from_metrics(target, current, conditions)
            if computed is None:
                status = attrs.evolve(status, conditions=conditions, current_replicas=current,
                                      current_metrics=tuple(statuses) or None)
                yield from self._write(original, status)
                return base.Result(memory=_remember(self.ctx.memory, self.key, kept), requeue_after=SYNC_PERIOD,
                                   failed=False)
            if hpa.spec.behavior is None:
                normalized = norm.normalize(kept.recommendations, current, computed, minimum, maximum, now)
            else:
                normalized = norm.normalize_with_behaviors(kept.recommendations, current, computed, minimum,
                                                           maximum, hpa.spec.behavior, kept.up, kept.down, now)
            kept = attrs.evolve(kept, recommendations=normalized.recommendations)
            conditions = set_condition(conditions, "AbleToScale", *normalized.able_to_scale, now)
            conditions = set_condition(conditions, "ScalingLimited", *normalized.scaling_limited, now)
            desired = normalized.replicas
            rescale = desired != current
        last_scale = status.last_scale_time
        if rescale:
            updated = yield (rq.UpdateScale(_USER, ref.kind, hpa.namespace, ref.name, desired),)
            if not updated[0].ok:
                conditions = set_condition(conditions, "AbleToScale", "False", "FailedUpdateScale",
                                           f"the HPA controller was unable to update the target scale: "
                                           f"{updated[0].message}", now)
                status = attrs.evolve(status, conditions=conditions, current_replicas=current,
                                      current_metrics=tuple(statuses) or None)
                yield from self._write(original, status)
                return base.Result(memory=_remember(self.ctx.memory, self.key, kept), requeue_after=SYNC_PERIOD,
                                   failed=False)
            conditions = set_condition(conditions, "AbleToScale", "True", "SucceededRescale",
                                       f"the HPA controller was able to update the target scale to {desired}", now)
            kept = self._store_scale_event(kept, current, desired)
            last_scale = now
        else:
            desired = current
        status = attrs.evolve(status, current_replicas=current, desired_replicas=desired, last_scale_time=last_scale,
                              current_metrics=tuple(statuses) or None, conditions=conditions)
        yield from self._write(original, status)
        return base.Result(memory=_remember(self.ctx.memory, self.key, kept), requeue_after=SYNC_PERIOD,
                           failed=False)

    def _store_scale_event(self, kept: HPAMemory, current: int, desired: int) -> HPAMemory:
        """``storeScaleEvent`` (only with a behavior)."""
        behavior = self.hpa.spec.behavior
        if behavior is None:
            return kept
        if desired > current:
            return attrs.evolve(kept, up=norm.store_scale_event(kept.up, desired - current, behavior.scale_up,
                                                                self.now))
        return attrs.evolve(kept, down=norm.store_scale_event(kept.down, current - desired, behavior.scale_down,
                                                              self.now))

    def _from_metrics(self, target: Any, current: int, conditions: tuple) -> base.Program:
        """``computeReplicasForMetrics``: (the highest proposal, or None when the metrics fail the sync, the
        conditions, the metric statuses)."""
        selector = target_selector(target)
        if selector.empty():
            conditions = set_condition(conditions, "ScalingActive", "False", "InvalidSelector",
                                       "the HPA target's scale is missing a selector", self.now)
            return None, conditions, ()
        pods = [p for p in self.cache.list("Pod", self.hpa.namespace) if selector.matches(p.labels)]
        selecting = self._selecting_hpas(pods, selector)
        if len(selecting) > 1:
            message = (f"pods by selector {selector} are controlled by multiple HPAs: "
                       f"[{' '.join(f'{self.hpa.namespace}/{n}' for n in selecting)}]")
            return None, set_condition(conditions, "ScalingActive", "False", "AmbiguousSelector", message,
                                       self.now), ()
        listed = yield (rq.List(_USER, "PodMetrics", self.hpa.namespace),)
        items = listed[0].object if listed[0].ok else ()
        best: Proposal | None = None
        failures: list[tuple[str, str]] = []
        statuses = []
        for spec in self.hpa.spec.metrics:
            try:
                if not listed[0].ok and spec.type in ("Resource", "ContainerResource"):
                    raise MetricsError(f"unable to get metrics: {listed[0].message}")
                if spec.type not in ("Resource", "ContainerResource"):
                    raise MetricsError(NO_EXTERNAL_METRICS if spec.type == "External" else NO_CUSTOM_METRICS)
                proposal = _resource_proposal(spec, current, pods, items, selector, self.now)
            except MetricsError as error:
                failures.append((_FAILED_REASON[spec.type],
                                 f"the HPA was unable to compute the replica count: {error}"))
                continue
            statuses.append(proposal.status)
            if best is None or proposal.replicas > best.replicas:
                best = proposal
        if failures and (len(failures) >= len(self.hpa.spec.metrics) or best is None or best.replicas < current):
            reason, message = failures[0]
            return None, set_condition(conditions, "ScalingActive", "False", reason, message, self.now), statuses
        conditions = set_condition(conditions, "ScalingActive", "True", "ValidMetricFound",
                                   f"the HPA was able to successfully calculate a replica count from {best.name}",
                                   self.now)
        return best.replicas, conditions, statuses

    def _selecting_hpas(self, pods: list[Any], selector: Selector) -> list[str]:
        """``hpasControllingPodsUnderSelector`` (horizontal.go ``validateAndParseSelector``): the HPAs of the
        namespace whose selector as each last synced it (upstream's ``hpaSelectors``: this controller's memory) matches
        one of ``pods``, by name; this HPA with ``selector``, just parsed."""
        known = {k: m.selector for k, m in self.ctx.memory.get(_MEMORY, FrozenDict()).items()
                 if k[0] == self.hpa.namespace and k != self.key and m.selector is not None}
        known[self.key] = selector
        return sorted(k[1] for k, chosen in known.items() if any(chosen.matches(p.labels) for p in pods))

    def _write(self, original: Any, status: Any) -> base.Program:
        """``updateStatusIfNeeded``: write the status only when it changed."""
        if status != original:
            yield (rq.UpdateStatus(_USER, attrs.evolve(self.hpa, status=status)),)


def _program(ctx: base.Context) -> base.Program:
    hpa = ctx.cache.get("HorizontalPodAutoscaler", *ctx.key)
    if hpa is None:
        return base.Result(memory=_remember(ctx.memory, ctx.key, None))
    return (yield from _Sync(ctx, hpa).run())


def sync(ctx: base.Context) -> base.Result:
    return base.drive(functools.partial(_program, ctx))


def _enqueue(event: WatchEvent, old: Any, cache: Objects) -> list[base.After]:
    """``enqueueHPA``: every request waits the sync period in the queue (the HPA queue's fixed-interval rate limiter),
    so an HPA is processed every 15 s. Upstream drops a request for an HPA already queued; here a status-only update
    (the controller's own writes) is not enqueued, which is the same when the HPA is queued anyway."""
    obj = event.object
    if obj.kind != "HorizontalPodAutoscaler":
        return []
    if event.type == DELETED or old is None or old.spec != obj.spec:
        return [base.After(base.key_of(obj), SYNC_PERIOD)]
    return []


def _initial_keys(cache: Objects) -> list[base.Key]:
    return [base.key_of(h) for h in cache.list("HorizontalPodAutoscaler")]


CONTROLLER = base.Controller(NAME, frozenset({"HorizontalPodAutoscaler", "Pod"}), _enqueue, _initial_keys, sync)
