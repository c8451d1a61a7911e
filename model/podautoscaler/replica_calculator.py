"""The HorizontalPodAutoscaler's replica calculator for Resource metrics (cpu, memory).

Ported from kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator.go (``GetResourceReplicas``,
``GetRawResourceReplicas`` / ``calcPlainMetricReplicas``, ``groupPods``, ``calculatePodRequests``) and
metrics/utilization.go (``GetResourceUtilizationRatio``, ``GetMetricUsageRatio``). Doc:
https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details

Quantities are milli-units, as upstream's metrics client reads them (``MilliValue``); times are the model's whole
seconds. A calculation that upstream ends with an error raises :class:`MetricsError` with upstream's message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import attrs

from model.objects import Pod

TOLERANCE = 0.1
"""--horizontal-pod-autoscaler-tolerance: ratios within 10% of 1.0 change nothing."""
CPU_INITIALIZATION_PERIOD = 300
"""--horizontal-pod-autoscaler-cpu-initialization-period (5 minutes)."""
DELAY_OF_INITIAL_READINESS_STATUS = 30
"""--horizontal-pod-autoscaler-initial-readiness-delay (30 seconds)."""


class MetricsError(Exception):
    """What upstream's replica calculator returns as an error (the HPA then sets ScalingActive False)."""


@attrs.frozen
class PodMetric:
    """metricsclient.PodMetric: a pod's usage (milli-units), when it was measured and over which window."""

    value: int
    timestamp: int = 0
    window: int = 30


@attrs.frozen
class Replicas:
    """The calculator's answer: the proposed replica count and the current metric value (utilization in percent of
    the requests for a Utilization target, else the average usage in milli-units)."""

    replicas: int
    current: int
    raw_average: int = 0


def within_tolerance(ratio: float, tolerance: float = TOLERANCE) -> bool:
    """``tolerances.isWithin``: the usage ratio is within ``tolerance`` of 1.0."""
    return 1.0 - tolerance <= ratio <= 1.0 + tolerance


def group_pods(pods: Sequence[Pod], metrics: Mapping[str, PodMetric], resource: str, now: int,
               readiness_delay: int = DELAY_OF_INITIAL_READINESS_STATUS) -> tuple[int, set[str], set[str], set[str]]:
    """``groupPods``: (ready pods with metrics, unready pods, pods missing metrics, ignored pods). Deleted and Failed
    pods are ignored, Pending ones unready; for cpu a pod is also unready while it has no Ready condition or start
    time, within the cpu initialization period if it is not ready or its sample predates a window after its last
    readiness change, and after it if it is not ready and has never been ready."""
    ready, unready, missing, ignored = 0, set(), set(), set()
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None or pod.status.phase == "Failed":
            ignored.add(pod.name)
            continue
        if pod.status.phase == "Pending":
            unready.add(pod.name)
            continue
        metric = metrics.get(pod.name)
        if metric is None:
            missing.add(pod.name)
            continue
        if resource == "cpu":
            condition = pod.status.condition("Ready")
            start = pod.status.start_time
            if condition is None or start is None:
                is_unready = True
            else:
                changed = condition.last_transition_time if isinstance(condition.last_transition_time, int) else 0
                if start + CPU_INITIALIZATION_PERIOD > now:
                    is_unready = condition.status == "False" or metric.timestamp < changed + metric.window
                else:
                    is_unready = condition.status == "False" and start + readiness_delay > changed
            if is_unready:
                unready.add(pod.name)
                continue
        ready += 1
    return ready, unready, missing, ignored


def pod_requests(pods: Sequence[Pod], resource: str, container: str | None = None) -> dict[str, int]:
    """``calculatePodRequests``: each pod's request of ``resource`` (milli-units), summed over its containers (or the
    named one); a container without that request is an error."""
    requests: dict[str, int] = {}
    for pod in pods:
        total = 0
        for c in pod.spec.containers:
            if container is not None and c.name != container:
                continue
            quantity = c.resources.requests.get(resource)
            if quantity is None:
                raise MetricsError(f"missing request for {resource} in container {c.name} of Pod {pod.name}")
            total += quantity.milli
        requests[pod.name] = total
    return requests


def utilization_ratio(metrics: Mapping[str, PodMetric], requests: Mapping[str, int],
                      target_utilization: int) -> tuple[float, int, int]:
    """``GetResourceUtilizationRatio``: (usage / target, utilization in percent, average usage) over the pods that
    have both a metric and a request."""
    total = requested = entries = 0
    for name, metric in metrics.items():
        if name not in requests:
            continue
        total += metric.value
        requested += requests[name]
        entries += 1
    if requested == 0:
        raise MetricsError("no metrics returned matched known pods")
    utilization = total * 100 // requested
    return utilization / target_utilization, utilization, total // entries


def usage_ratio(metrics: Mapping[str, PodMetric], target: int) -> tuple[float, int]:
    """``GetMetricUsageRatio``: (average usage / target, average usage)."""
    average = sum(m.value for m in metrics.values()) // len(metrics)
    return average / target, average


def _settle(current: int, ratio: float, new_ratio: float, counted: int) -> int:
    """The common end of both calculations once missing or unready pods were filled in: no change within the
    tolerance or when the direction flipped; otherwise ceil(new ratio * pods counted), unless that moves against
    the direction."""
    if within_tolerance(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current
    proposed = math.ceil(new_ratio * counted)
    if (new_ratio < 1.0 and proposed > current) or (new_ratio > 1.0 and proposed < current):
        return current
    return proposed


def _usable(pods: Sequence[Pod], metrics: Mapping[str, PodMetric], resource: str, now: int) -> tuple[
        dict[str, PodMetric], int, set[str], set[str]]:
    if not pods:
        raise MetricsError("no pods returned by selector while calculating replica count")
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now)
    usable = {name: m for name, m in metrics.items() if name not in ignored and name not in unready}
    if not usable:
        raise MetricsError("did not receive metrics for targeted pods (pods might be unready)")
    return usable, ready, unready, missing


def resource_replicas(current: int, target_utilization: int, resource: str, pods: Sequence[Pod],
                      metrics: Mapping[str, PodMetric], now: int, container: str | None = None) -> Replicas:
    """``GetResourceReplicas``: a Utilization target. Without unready pods on a scale-up nor missing metrics,
    ceil(ratio * ready pods) unless within the tolerance; otherwise missing pods count as using 100% (or the target,
    if higher) on a scale-down and 0 on a scale-up, unready pods 0 on a scale-up, and the ratio is recomputed."""
    usable, ready, unready, missing = _usable(pods, metrics, resource, now)
    requests = pod_requests(pods, resource, container)
    ratio, utilization, raw = utilization_ratio(usable, requests, target_utilization)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        replicas = current if within_tolerance(ratio) else math.ceil(ratio * ready)
        return Replicas(replicas, utilization, raw)
    filled = dict(usable)
    if missing:
        fallback = max(100, target_utilization)
        for name in missing:
            if ratio < 1.0:
                filled[name] = PodMetric(requests[name] * fallback // 100)
            elif ratio > 1.0:
                filled[name] = PodMetric(0)
    if scale_up_with_unready:
        filled.update({name: PodMetric(0) for name in unready})
    new_ratio, _, _ = utilization_ratio(filled, requests, target_utilization)
    return Replicas(_settle(current, ratio, new_ratio, len(filled)), utilization, raw)


def raw_resource_replicas(current: int, target_average: int, resource: str, pods: Sequence[Pod],
                          metrics: Mapping[str, PodMetric], now: int) -> Replicas:
    """``GetRawResourceReplicas`` (``calcPlainMetricReplicas``): an AverageValue target (milli-units per pod);
    missing pods count as using the target on a scale-down and 0 on a scale-up."""
    usable, ready, unready, missing = _usable(pods, metrics, resource, now)
    ratio, average = usage_ratio(usable, target_average)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        return Replicas(current if within_tolerance(ratio) else math.ceil(ratio * ready), average)
    filled = dict(usable)
    for name in missing:
        filled[name] = PodMetric(target_average if ratio < 1.0 else 0)
    if scale_up_with_unready:
        filled.update({name: PodMetric(0) for name in unready})
    new_ratio, _ = usage_ratio(filled, target_average)
    return Replicas(_settle(current, ratio, new_ratio, len(filled)), average)
