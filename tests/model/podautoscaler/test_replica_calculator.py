"""The HPA replica calculator (model.podautoscaler.replica_calculator).

Ported from kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go: the Resource-metric
cases of TestReplicaCalc* (names kept) and TestGroupPods. Upstream's pods have two containers each with the same
request and usage, so its ``expectedValue`` is ``numContainersPerPod`` times the per-container level; the ports use
one container per pod (every ratio is the same) and expect the level itself. Upstream's "hot" pods started 2 minutes
before now (inside the 5-minute cpu initialization period), its other pods long before; readiness changed at time 0
and every sample was taken at time 0 over a one-minute window, as in upstream's fake metrics client.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from model.objects import Pod
from model.podautoscaler.replica_calculator import (
    MetricsError,
    PodMetric,
    Replicas,
    group_pods,
    raw_resource_replicas,
    resource_replicas,
)

NOW = 10_000
HOT, COOL = NOW - 120, 0


def _pods(count: int, requests: Sequence[str] = (), readiness: Sequence[str] = (), start: Sequence[int] = (),
          phase: Sequence[str] = (), deleting: Sequence[bool] = (), resource: str = "cpu") -> list[Pod]:
    pods = []
    for i in range(count):
        container: dict = {"name": "c", "image": "x"}
        if i < len(requests):
            container["resources"] = {"requests": {resource: requests[i]}}
        meta: dict = {"name": f"test-pod-{i}", "namespace": "test-namespace"}
        if i < len(deleting) and deleting[i]:
            meta["deletionTimestamp"] = NOW
        pods.append(Pod.from_dict({"metadata": meta, "spec": {"containers": [container]}, "status": {
            "phase": phase[i] if i < len(phase) else "Running",
            "startTime": start[i] if i < len(start) else COOL,
            "conditions": [{"type": "Ready", "status": readiness[i] if i < len(readiness) else "True",
                            "lastTransitionTime": 0}]}}))
    return pods


def _metrics(levels: Sequence[int]) -> dict[str, PodMetric]:
    return {f"test-pod-{i}": PodMetric(level, timestamp=0, window=60) for i, level in enumerate(levels)}


ONE = "1.0"
CASES: dict[str, tuple[int, dict, Sequence[int], int, Replicas]] = {
    # name: (current replicas, pod options, levels, target utilization, expected (replicas, utilization, raw value))
    "TestReplicaCalcScaleUp": (3, {"requests": [ONE] * 3}, [300, 500, 700], 30, Replicas(5, 50, 500)),
    "TestReplicaCalcScaleUpUnreadyLessScale": (
        3, {"requests": [ONE] * 3, "readiness": ["False", "True", "True"]}, [300, 500, 700], 30, Replicas(4, 60, 600)),
    "TestReplicaCalcScaleUpHotCpuLessScale": (
        3, {"requests": [ONE] * 3, "start": [HOT, COOL, COOL]}, [300, 500, 700], 30, Replicas(4, 60, 600)),
    "TestReplicaCalcScaleUpUnreadyNoScale": (
        3, {"requests": [ONE] * 3, "readiness": ["True", "False", "False"]}, [400, 500, 700], 30,
        Replicas(3, 40, 400)),
    "TestReplicaCalcScaleHotCpuNoScale": (
        3, {"requests": [ONE] * 3, "readiness": ["True", "False", "False"], "start": [COOL, HOT, HOT]},
        [400, 500, 700], 30, Replicas(3, 40, 400)),
    "TestReplicaCalcScaleUpIgnoresFailedPods": (
        2, {"requests": [ONE] * 4, "readiness": ["True", "True", "False", "False"],
            "phase": ["Running", "Running", "Failed", "Failed"]}, [500, 700], 30, Replicas(4, 60, 600)),
    "TestReplicaCalcScaleUpIgnoresDeletionPods": (
        2, {"requests": [ONE] * 4, "readiness": ["True", "True", "False", "False"],
            "deleting": [False, False, True, True]}, [500, 700], 30, Replicas(4, 60, 600)),
    "TestReplicaCalcScaleDown": (5, {"requests": [ONE] * 5}, [100, 300, 500, 250, 250], 50, Replicas(3, 28, 280)),
    "TestReplicaCalcScaleDownIncludeUnreadyPods": (
        5, {"requests": [ONE] * 5, "readiness": ["True", "True", "True", "False", "False"]},
        [100, 300, 500, 250, 250], 50, Replicas(2, 30, 300)),
    "TestReplicaCalcScaleDownExcludeUnscheduledPods": (
        5, {"requests": [ONE] * 5, "readiness": ["True"] + ["False"] * 4, "phase": ["Running"] + ["Pending"] * 4},
        [100], 50, Replicas(1, 10, 100)),
    "TestReplicaCalcScaleDownIgnoreHotCpuPods": (
        5, {"requests": [ONE] * 5, "start": [COOL, COOL, COOL, HOT, HOT]}, [100, 300, 500, 250, 250], 50,
        Replicas(2, 30, 300)),
    "TestReplicaCalcScaleDownIgnoresFailedPods": (
        5, {"requests": [ONE] * 7, "readiness": ["True"] * 5 + ["False"] * 2,
            "phase": ["Running"] * 5 + ["Failed"] * 2}, [100, 300, 500, 250, 250], 50, Replicas(3, 28, 280)),
    "TestReplicaCalcScaleDownIgnoresDeletionPods": (
        5, {"requests": [ONE] * 7, "readiness": ["True"] * 5 + ["False"] * 2,
            "deleting": [False] * 5 + [True] * 2}, [100, 300, 500, 250, 250], 50, Replicas(3, 28, 280)),
    "TestReplicaCalcTolerance": (3, {"requests": ["0.9", "1.0", "1.1"]}, [1010, 1030, 1020], 100,
                                 Replicas(3, 102, 1020)),
    "TestReplicaCalcSuperfluousMetrics": (4, {"requests": [ONE] * 4}, [4000, 9500, 3000, 7000, 3200, 2000], 100,
                                          Replicas(24, 587, 5875)),
    "TestReplicaCalcMissingMetrics": (4, {"requests": [ONE] * 4}, [400, 95], 100, Replicas(3, 24, 247)),
    "TestReplicaCalcMissingMetricsNoChangeEq": (2, {"requests": [ONE] * 2}, [1000], 100, Replicas(2, 100, 1000)),
    "TestReplicaCalcMissingMetricsNoChangeGt": (2, {"requests": [ONE] * 2}, [1900], 100, Replicas(2, 190, 1900)),
    "TestReplicaCalcMissingMetricsNoChangeLt": (2, {"requests": [ONE] * 2}, [600], 100, Replicas(2, 60, 600)),
    "TestReplicaCalcMissingMetricsUnreadyChange": (
        3, {"requests": [ONE] * 3, "readiness": ["False", "True", "True"]}, [100, 450], 50, Replicas(3, 45, 450)),
    "TestReplicaCalcMissingMetricsHotCpuNoChange": (
        3, {"requests": [ONE] * 3, "start": [HOT, COOL, COOL]}, [100, 450], 50, Replicas(3, 45, 450)),
    "TestReplicaCalcMissingMetricsUnreadyScaleUp": (
        3, {"requests": [ONE] * 3, "readiness": ["False", "True", "True"]}, [100, 2000], 50, Replicas(4, 200, 2000)),
    "TestReplicaCalcMissingMetricsHotCpuScaleUp": (
        3, {"requests": [ONE] * 3, "readiness": ["False", "True", "True"], "start": [HOT, COOL, COOL]},
        [100, 2000], 50, Replicas(4, 200, 2000)),
    "TestReplicaCalcMissingMetricsUnreadyScaleDown": (
        4, {"requests": [ONE] * 4, "readiness": ["False", "True", "True", "True"]}, [100, 100, 100], 50,
        Replicas(3, 10, 100)),
    "TestReplicaCalcDuringRollingUpdateWithMaxSurge": (
        2, {"requests": [ONE] * 3, "phase": ["Running"] * 3}, [100, 100], 50, Replicas(2, 10, 100)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_resource_replicas(name: str) -> None:
    current, options, levels, target, expected = CASES[name]
    count = max(current, len(options.get("phase", ())), len(options.get("deleting", ())))
    pods = _pods(count, **options)
    assert resource_replicas(current, target, "cpu", pods, _metrics(levels), NOW) == expected


@pytest.mark.parametrize(("name", "current", "requests", "levels", "error"), [
    ("TestReplicaCalcDisjointResourcesMetrics", 1, [ONE], [100], "no metrics returned matched known pods"),
    ("TestReplicaCalcEmptyMetrics", 4, [ONE] * 3, [],
     "did not receive metrics for targeted pods (pods might be unready)"),
    ("TestReplicaCalcEmptyCPURequest", 1, [], [200], "missing request for cpu in container c of Pod test-pod-0"),
])
def test_resource_replicas_errors(name: str, current: int, requests: list[str], levels: list[int],
                                  error: str) -> None:
    """Upstream's error cases (the first names a metric of a pod the selector does not match, the second an empty
    metrics list, which upstream's metrics client already refuses as "no metrics returned")."""
    metrics = {"an-unknown-pod": PodMetric(100)} if name == "TestReplicaCalcDisjointResourcesMetrics" else \
        _metrics(levels)
    with pytest.raises(MetricsError, match=error.replace("(", r"\(").replace(")", r"\)")):
        resource_replicas(current, 100, "cpu", _pods(current, requests=requests), metrics, NOW)


def test_no_pods_is_an_error() -> None:
    with pytest.raises(MetricsError, match="no pods returned by selector"):
        resource_replicas(1, 50, "cpu", [], {}, NOW)


def test_computed_tolerance() -> None:
    """TestReplicaCalcComputedToleranceAlgImplementation: 10 pods using 150m of ~300m requested; a target just past
    the tolerance scales down to ceil(used / (requested * target) * 10), one just inside it changes nothing."""
    requests = [f"{300 + d}m" for d in (100, -100, 10, -10, 2, -2, 1, -1, 0, 0)]
    pods = _pods(10, requests=requests)
    metrics = _metrics([150] * 10)
    target = abs(1 / (2.0 * (1 - 0.1))) + 0.01
    expected = -(-(1500 / (3000 * target) * 10) // 1)
    assert resource_replicas(10, int(target * 100), "cpu", pods, metrics, NOW) == Replicas(int(expected), 50, 150)
    near = abs(1 / (2.0 * (1 - 0.1))) + 0.004
    assert resource_replicas(10, int(near * 100), "cpu", pods, metrics, NOW).replicas == 10


def test_average_value_targets() -> None:
    """GetRawResourceReplicas (AverageValue): ceil(average / target * ready pods); missing pods count as the target on
    a scale-down (2 pods at 100m and one missing, target 200m: (100 + 100 + 200) // 3 = 133, ratio 0.665, ceil(0.665
    * 3) = 2) and 0 on a scale-up (2 pods at 400m and one missing, target 100m: 800 // 3 = 266, ceil(2.66 * 3) = 8)."""
    pods = _pods(3, requests=[ONE] * 3, resource="memory")
    assert raw_resource_replicas(3, 200, "memory", pods, _metrics([600, 600, 600]), NOW) == Replicas(9, 600)
    assert raw_resource_replicas(3, 200, "memory", pods, _metrics([100, 100]), NOW) == Replicas(2, 100)
    assert raw_resource_replicas(3, 200, "memory", pods, _metrics([210, 190, 200]), NOW) == Replicas(3, 200)
    assert raw_resource_replicas(3, 100, "memory", pods, _metrics([400, 400]), NOW) == Replicas(8, 400)


def _group_pod(name: str, start: int | None, ready: str | None, changed: int = 0) -> Pod:
    status: dict = {"phase": "Succeeded"}
    if start is not None:
        status["startTime"] = start
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": ready, "lastTransitionTime": changed}]
    return Pod.from_dict({"metadata": {"name": name}, "spec": {"containers": [{"name": "c"}]}, "status": status})


@pytest.mark.parametrize(("name", "pod", "metric", "resource", "ready", "unready", "missing"), [
    ("count in a ready pod - memory", _group_pod("bentham", None, None), PodMetric(1, NOW, 60), "memory", 1, 0, 0),
    ("ignore a pod without ready condition - CPU", _group_pod("lucretius", NOW, None), PodMetric(1), "cpu", 0, 1, 0),
    ("count in a ready pod with fresh metrics during initialization period - CPU",
     _group_pod("bentham", NOW - 60, "True", NOW - 30), PodMetric(1, NOW, 30), "cpu", 1, 0, 0),
    ("ignore a ready pod without fresh metrics during initialization period - CPU",
     _group_pod("bentham", NOW - 60, "True", NOW - 30), PodMetric(1, NOW, 60), "cpu", 0, 1, 0),
    ("ignore an unready pod during initialization period - CPU",
     _group_pod("lucretius", NOW - 600, "False", NOW - 594), PodMetric(1), "cpu", 0, 1, 0),
    ("count in a ready pod without fresh metrics after initialization period - CPU",
     _group_pod("bentham", NOW - 180, "True", NOW - 180), PodMetric(1, NOW - 120, 60), "cpu", 1, 0, 0),
    ("count in an unready pod that was ready after initialization period - CPU",
     _group_pod("lucretius", NOW - 600, "False", NOW - 540), PodMetric(1), "cpu", 1, 0, 0),
    ("ignore pod that has never been ready after initialization period - CPU",
     _group_pod("lucretius", NOW - 600, "False", NOW - 590), PodMetric(1), "cpu", 1, 0, 0),
    ("a missing pod", _group_pod("epicurus", NOW - 180, None), None, "cpu", 0, 0, 1),
])
def test_group_pods(name: str, pod: Pod, metric: PodMetric | None, resource: str, ready: int, unready: int,
                    missing: int) -> None:
    """TestGroupPods (one pod each), with upstream's testing delay of the initial readiness status, 10 s: a pod
    that turned unready within 10 s of starting has never been ready."""
    metrics = {} if metric is None else {pod.name: metric}
    counted, unready_pods, missing_pods, _ = group_pods([pod], metrics, resource, NOW, readiness_delay=10)
    assert (counted, len(unready_pods), len(missing_pods)) == (ready, unready, missing)
