"""Tests for model.admission.limitranger.

Tables are ported from plugin/pkg/admission/limitranger/admission_test.go (each test names its upstream
function); scenarios use the repo's example cluster (model/examples/cluster.yaml) and the Kubernetes docs
examples under /work/shared/corpus/k8s-docs-examples/ (https://kubernetes.io/docs/concepts/policy/limit-range/
and the "Configure Default/Minimum and Maximum ... Constraints" tasks).

Upstream's tables build internal objects directly: neither the LimitRange (createLimitRange converts without
SetDefaults_LimitRangeItem) nor the pod (no SetDefaults_Pod) is defaulted. Here pods are always decoded, as
the API server decodes them, so a container with only a limit requests its limit; LimitRanges are built both
ways: undefaulted (``create_limit_range``, as upstream's tests) and decoded (what a real cluster stores).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.admission import limitranger as lr
from model.errors import ManifestError
from model.frozendict import FrozenDict
from model.manifests import load
from model.objects import LimitRange, Namespace, ObjectMeta, PersistentVolumeClaim, Pod
from model.objects.policy import LimitRangeItem, LimitRangeSpec
from model.quantity import parse_quantity

CORPUS = Path("/work/shared/corpus/k8s-docs-examples")
EXAMPLES = Path(__file__).resolve().parents[2] / "model" / "examples" / "cluster.yaml"


# --- upstream's helpers (admission_test.go) ---------------------------------------------------------


def compute(cpu: str = "", memory: str = "") -> dict[str, str]:
    """getComputeResourceList."""
    return {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}


def local(ephemeral: str = "") -> dict[str, str]:
    """getLocalStorageResourceList."""
    return {"ephemeral-storage": ephemeral} if ephemeral else {}


def storage(amount: str = "") -> dict[str, str]:
    """getStorageResourceList."""
    return {"storage": amount} if amount else {}


def _resources(requests: dict[str, str], limits: dict[str, str]) -> dict[str, Any]:
    return {"requests": dict(requests), "limits": dict(limits)}


def valid_pod(name: str, n: int, requests: dict[str, str], limits: dict[str, str],
              init: tuple[tuple[dict[str, str], dict[str, str]], ...] = (),
              sidecars: tuple[tuple[dict[str, str], dict[str, str]], ...] = ()) -> Pod:
    """validPod + validPodInit + withRestartableInitContainer, decoded as the API server decodes a pod.

    Upstream names init containers ``foo-<i>`` like the app containers; a decoded pod may not repeat a name,
    so here they are ``init-<i>``.
    """
    containers = [{"name": f"foo-{i}", "image": f"foo:V{i}", "resources": _resources(requests, limits)}
                  for i in range(n)]
    inits = [{"name": f"init-{i}", "image": f"foo:V{i}", "resources": _resources(r, lim)}
             for i, (r, lim) in enumerate(init)]
    inits += [{"name": f"init-{len(inits) + i}", "image": "foo", "restartPolicy": "Always",
               "resources": _resources(r, lim)} for i, (r, lim) in enumerate(sidecars)]
    return Pod.from_dict({"metadata": {"name": name, "namespace": "test"},
                          "spec": {"containers": containers, "initContainers": inits}})


def _rl(values: dict[str, str]) -> FrozenDict:
    return FrozenDict({k: parse_quantity(v) for k, v in values.items()})


def create_limit_range(limit_type: str, min: dict[str, str] = {}, max: dict[str, str] = {},  # noqa: B006
                       default: dict[str, str] = {}, default_request: dict[str, str] = {},  # noqa: B006
                       ratio: dict[str, str] = {}) -> LimitRange:  # noqa: B006
    """createLimitRange: one item, not defaulted (upstream converts the internal object without defaulting)."""
    return _undefaulted([(limit_type, min, max, default, default_request, ratio)])


def _undefaulted(items: list[tuple]) -> LimitRange:
    built = tuple(LimitRangeItem(type=t, min=_rl(mn), max=_rl(mx), default=_rl(d), default_request=_rl(dr),
                                 max_limit_request_ratio=_rl(r)) for t, mn, mx, d, dr, r in items)
    return LimitRange(metadata=ObjectMeta(name="abc", namespace="test"), spec=LimitRangeSpec(limits=built))


def decoded(limit_range: LimitRange) -> LimitRange:
    """The same LimitRange as a real cluster stores it: through from_dict, with SetDefaults_LimitRangeItem."""
    return LimitRange.from_dict(limit_range.to_dict())


def valid_limit_range() -> LimitRange:
    """validLimitRange."""
    return _undefaulted([
        ("Pod", compute("50m", "2Mi"), compute("200m", "4Gi"), {}, {}, {}),
        ("Container", compute("25m", "1Mi"), compute("100m", "2Gi"), compute("75m", "10Mi"), compute("50m", "5Mi"),
         {}),
    ])


def valid_limit_range_no_defaults() -> LimitRange:
    """validLimitRangeNoDefaults."""
    return _undefaulted([
        ("Pod", compute("50m", "2Mi"), compute("200m", "4Gi"), {}, {}, {}),
        ("Container", compute("25m", "1Mi"), compute("100m", "2Gi"), {}, {}, {}),
    ])


def strs(resources: FrozenDict) -> dict[str, str]:
    return {k: str(v) for k, v in resources.items()}


def mutate_and_validate(limit_range: LimitRange, pod: Pod) -> tuple[Pod, list[str]]:
    """PodMutateLimitFunc then PodValidateLimitFunc, as upstream's TestPodLimitFunc calls them."""
    pod = lr.apply_defaults(pod, [limit_range])
    return pod, lr.pod_validate_limit_func(limit_range, pod)


# --- TestDefaultContainerResourceRequirements, TestMergePodResourceRequirements ---------------------


def test_default_container_resource_requirements() -> None:
    """TestDefaultContainerResourceRequirements."""
    for limit_range in (valid_limit_range(), decoded(valid_limit_range())):
        got = lr.default_container_resource_requirements(limit_range)
        assert strs(got.requests) == {"cpu": "50m", "memory": "5Mi"}
        assert strs(got.limits) == {"cpu": "75m", "memory": "10Mi"}


def test_default_container_resource_requirements_later_item_wins() -> None:
    """Several Container items merge into one set of defaults; a later item overrides an earlier one."""
    limit_range = _undefaulted([
        ("Container", {}, {}, compute("1", "1Gi"), compute("500m", "512Mi"), {}),
        ("Pod", {}, {}, {}, {}, {}),
        ("Container", {}, {}, compute("2"), compute("250m"), {}),
    ])
    got = lr.default_container_resource_requirements(limit_range)
    assert strs(got.limits) == {"cpu": "2", "memory": "1Gi"}
    assert strs(got.requests) == {"cpu": "250m", "memory": "512Mi"}


def test_merge_pod_resource_requirements_empty() -> None:
    """TestMergePodResourceRequirements: a pod with no resources gets every default."""
    defaults = lr.default_container_resource_requirements(valid_limit_range())
    pod = lr.merge_pod_resource_requirements(valid_pod("empty-resources", 1, {}, {}), defaults)
    assert pod.spec.containers[0].resources == defaults
    assert pod.metadata.annotations[lr.LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu, memory request for container foo-0; cpu, memory limit for container foo-0")


def test_merge_pod_resource_requirements_partial() -> None:
    """TestMergePodResourceRequirements: only what is missing is merged, in containers and init containers.

    Upstream expects the annotation to name the app container only: its test gives the init container the
    very same Go maps as the app container, so defaulting the first fills the second. Separate containers,
    as an API request has, each get their own part of the annotation.
    """
    defaults = lr.default_container_resource_requirements(valid_limit_range())
    pod = valid_pod("limit-memory", 1, compute("", "512Mi"), {}, init=((compute("", "512Mi"), {}),))
    pod = lr.merge_pod_resource_requirements(pod, defaults)
    for container in (*pod.spec.containers, *pod.spec.init_containers):
        assert strs(container.resources.requests) == {"cpu": "50m", "memory": "512Mi"}
        assert strs(container.resources.limits) == {"cpu": "75m", "memory": "10Mi"}
    assert pod.metadata.annotations[lr.LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu request for container foo-0; cpu, memory limit for container foo-0; "
        "cpu request for init container init-0; cpu, memory limit for init container init-0")


def test_merge_pod_resource_requirements_complete() -> None:
    """TestMergePodResourceRequirements: a pod with every resource set is unchanged and not annotated."""
    defaults = lr.default_container_resource_requirements(valid_limit_range())
    pod = valid_pod("limit-memory", 1, compute("100m", "512Mi"), compute("200m", "1G"),
                    init=((compute("200m", "1G"), compute("400m", "2G")),))
    assert lr.merge_pod_resource_requirements(pod, defaults) is pod


def test_pod_limit_func_apply_default() -> None:
    """TestPodLimitFuncApplyDefault: containers and init containers get validLimitRange's defaults."""
    pod = valid_pod("foo", 1, {}, {}, init=(({}, {}),))
    pod = lr.apply_defaults(pod, [valid_limit_range()])
    for container in (*pod.spec.containers, *pod.spec.init_containers):
        assert strs(container.resources.limits) == {"cpu": "75m", "memory": "10Mi"}
        assert strs(container.resources.requests) == {"cpu": "50m", "memory": "5Mi"}
    assert lr.validate_pod(pod, [valid_limit_range()]) == []


# --- TestPodLimitFunc -------------------------------------------------------------------------------

C, P = "Container", "Pod"

POD_SUCCESS = [
    ("ctr-min-cpu-request", valid_pod("p", 1, compute("100m"), {}), create_limit_range(C, min=compute("50m"))),
    ("ctr-min-cpu-request-limit", valid_pod("p", 1, compute("100m"), compute("200m")),
     create_limit_range(C, min=compute("50m"))),
    ("ctr-min-memory-request", valid_pod("p", 1, compute("", "60Mi"), {}),
     create_limit_range(C, min=compute("", "50Mi"))),
    ("ctr-min-memory-request-limit", valid_pod("p", 1, compute("", "60Mi"), compute("", "100Mi")),
     create_limit_range(C, min=compute("", "50Mi"))),
    ("ctr-max-cpu-request-limit", valid_pod("p", 1, compute("500m"), compute("1")),
     create_limit_range(C, max=compute("2"))),
    ("ctr-max-cpu-limit", valid_pod("p", 1, {}, compute("1")), create_limit_range(C, max=compute("2"))),
    ("ctr-max-mem-request-limit", valid_pod("p", 1, compute("", "250Mi"), compute("", "500Mi")),
     create_limit_range(C, max=compute("", "1Gi"))),
    ("ctr-max-cpu-ratio", valid_pod("p", 1, compute("500m"), compute("750m")),
     create_limit_range(C, ratio=compute("1.5"))),
    ("ctr-max-mem-limit", valid_pod("p", 1, {}, compute("", "500Mi")), create_limit_range(C, max=compute("", "1Gi"))),
    ("pod-min-cpu-request", valid_pod("p", 2, compute("75m"), {}), create_limit_range(P, min=compute("100m"))),
    ("pod-min-cpu-request-limit", valid_pod("p", 2, compute("75m"), compute("200m")),
     create_limit_range(P, min=compute("100m"))),
    ("pod-min-memory-request", valid_pod("p", 2, compute("", "60Mi"), {}),
     create_limit_range(P, min=compute("", "100Mi"))),
    ("pod-min-memory-request-limit", valid_pod("p", 2, compute("", "60Mi"), compute("", "100Mi")),
     create_limit_range(P, min=compute("", "100Mi"))),
    ("pod-init-min-memory-request",
     valid_pod("p", 2, compute("", "60Mi"), {}, init=((compute("", "100Mi"), {}),)),
     create_limit_range(P, min=compute("", "100Mi"))),
    ("pod-init-min-memory-request-limit",
     valid_pod("p", 2, compute("", "60Mi"), compute("", "100Mi"), init=((compute("", "80Mi"), compute("", "100Mi")),)),
     create_limit_range(P, min=compute("", "100Mi"))),
    ("pod-max-cpu-request-limit", valid_pod("p", 2, compute("500m"), compute("1")),
     create_limit_range(P, max=compute("2"))),
    ("pod-max-cpu-limit", valid_pod("p", 2, {}, compute("1")), create_limit_range(P, max=compute("2"))),
    ("pod-init-max-cpu-request-limit",
     valid_pod("p", 2, compute("500m"), compute("1"),
               init=((compute("1"), compute("2")), (compute("1"), compute("1")))),
     create_limit_range(P, max=compute("2"))),
    ("pod-init-max-cpu-limit",
     valid_pod("p", 2, {}, compute("1"), init=(({}, compute("2")), ({}, compute("2")))),
     create_limit_range(P, max=compute("2"))),
    ("pod-max-mem-request-limit", valid_pod("p", 2, compute("", "250Mi"), compute("", "500Mi")),
     create_limit_range(P, max=compute("", "1Gi"))),
    ("pod-max-mem-limit", valid_pod("p", 2, {}, compute("", "500Mi")), create_limit_range(P, max=compute("", "1Gi"))),
    ("pod-max-mem-ratio", valid_pod("p", 3, compute("", "300Mi"), compute("", "450Mi")),
     create_limit_range(P, max=compute("", "2Gi"), ratio=compute("", "1.5"))),
    ("ctr-1-min-local-ephemeral-storage-request", valid_pod("p", 1, local("60Mi"), {}),
     create_limit_range(C, min=local("50Mi"))),
    ("ctr-1-min-local-ephemeral-storage-request-limit", valid_pod("p", 1, local("60Mi"), local("100Mi")),
     create_limit_range(C, min=local("50Mi"))),
    ("ctr-1-max-local-ephemeral-storage-request-limit", valid_pod("p", 1, local("250Mi"), local("500Mi")),
     create_limit_range(C, max=local("1Gi"))),
    ("ctr-1-max-local-ephemeral-storage-limit", valid_pod("p", 1, {}, local("500Mi")),
     create_limit_range(C, max=local("1Gi"))),
    ("ctr-2-min-local-ephemeral-storage-request", valid_pod("p", 2, local("60Mi"), {}),
     create_limit_range(C, min=local("50Mi"))),
    ("ctr-2-min-local-ephemeral-storage-request-limit", valid_pod("p", 2, local("60Mi"), local("100Mi")),
     create_limit_range(C, min=local("50Mi"))),
    ("ctr-2-max-local-ephemeral-storage-request-limit", valid_pod("p", 2, local("250Mi"), local("500Mi")),
     create_limit_range(C, max=local("600Mi"))),
    ("ctr-2-max-local-ephemeral-storage-limit", valid_pod("p", 2, {}, local("500Mi")),
     create_limit_range(C, max=local("600Mi"))),
    ("pod-min-local-ephemeral-storage-request", valid_pod("p", 2, local("60Mi"), {}),
     create_limit_range(P, min=local("100Mi"))),
    ("pod-min-local-ephemeral-storage-request-limit", valid_pod("p", 2, local("60Mi"), local("100Mi")),
     create_limit_range(P, min=local("100Mi"))),
    ("pod-init-min-local-ephemeral-storage-request",
     valid_pod("p", 2, local("60Mi"), {}, init=((local("100Mi"), {}),)), create_limit_range(P, min=local("100Mi"))),
    ("pod-init-min-local-ephemeral-storage-request-limit",
     valid_pod("p", 2, local("60Mi"), local("100Mi"), init=((local("80Mi"), local("100Mi")),)),
     create_limit_range(P, min=local("100Mi"))),
    ("pod-max-local-ephemeral-storage-request-limit", valid_pod("p", 2, local("250Mi"), local("500Mi")),
     create_limit_range(P, max=local("1Gi"))),
    ("pod-max-local-ephemeral-storage-limit", valid_pod("p", 2, {}, local("500Mi")),
     create_limit_range(P, max=local("1Gi"))),
    ("pod-max-local-ephemeral-storage-ratio", valid_pod("p", 3, local("300Mi"), local("450Mi")),
     create_limit_range(P, max=local("2Gi"), ratio=local("1.5"))),
]


def _twice(message: str) -> list[str]:
    return [message, message]


POD_ERRORS = [
    ("ctr-min-cpu-request", valid_pod("p", 1, compute("40m"), {}), create_limit_range(C, min=compute("50m")),
     ["minimum cpu usage per Container is 50m, but request is 40m"]),
    ("ctr-min-cpu-request-limit", valid_pod("p", 1, compute("40m"), compute("200m")),
     create_limit_range(C, min=compute("50m")), ["minimum cpu usage per Container is 50m, but request is 40m"]),
    ("ctr-min-cpu-no-request-limit", valid_pod("p", 1, {}, {}), create_limit_range(C, min=compute("50m")),
     ["minimum cpu usage per Container is 50m.  No request is specified"]),
    ("ctr-min-memory-request", valid_pod("p", 1, compute("", "40Mi"), {}),
     create_limit_range(C, min=compute("", "50Mi")),
     ["minimum memory usage per Container is 50Mi, but request is 40Mi"]),
    ("ctr-min-memory-request-limit", valid_pod("p", 1, compute("", "40Mi"), compute("", "100Mi")),
     create_limit_range(C, min=compute("", "50Mi")),
     ["minimum memory usage per Container is 50Mi, but request is 40Mi"]),
    ("ctr-min-memory-no-request-limit", valid_pod("p", 1, {}, {}), create_limit_range(C, min=compute("", "50Mi")),
     ["minimum memory usage per Container is 50Mi.  No request is specified"]),
    ("ctr-max-cpu-request-limit", valid_pod("p", 1, compute("500m"), compute("2500m")),
     create_limit_range(C, max=compute("2")), ["maximum cpu usage per Container is 2, but limit is 2500m"]),
    ("ctr-max-cpu-limit", valid_pod("p", 1, {}, compute("2500m")), create_limit_range(C, max=compute("2")),
     ["maximum cpu usage per Container is 2, but limit is 2500m"]),
    ("ctr-max-cpu-no-request-limit", valid_pod("p", 1, {}, {}), create_limit_range(C, max=compute("2")),
     ["maximum cpu usage per Container is 2.  No limit is specified"]),
    ("ctr-max-cpu-ratio", valid_pod("p", 1, compute("1250m"), compute("2500m")),
     create_limit_range(C, ratio=compute("1")),
     ["cpu max limit to request ratio per Container is 1, but provided ratio is 2.000000"]),
    ("ctr-max-mem-request-limit", valid_pod("p", 1, compute("", "250Mi"), compute("", "2Gi")),
     create_limit_range(C, max=compute("", "1Gi")), ["maximum memory usage per Container is 1Gi, but limit is 2Gi"]),
    ("ctr-max-mem-limit", valid_pod("p", 1, {}, compute("", "2Gi")), create_limit_range(C, max=compute("", "1Gi")),
     ["maximum memory usage per Container is 1Gi, but limit is 2Gi"]),
    ("ctr-max-mem-no-request-limit", valid_pod("p", 1, {}, {}), create_limit_range(C, max=compute("", "1Gi")),
     ["maximum memory usage per Container is 1Gi.  No limit is specified"]),
    ("pod-min-cpu-request", valid_pod("p", 1, compute("75m"), {}), create_limit_range(P, min=compute("100m")),
     ["minimum cpu usage per Pod is 100m, but request is 75m"]),
    ("pod-min-cpu-request-limit", valid_pod("p", 1, compute("75m"), compute("200m")),
     create_limit_range(P, min=compute("100m")), ["minimum cpu usage per Pod is 100m, but request is 75m"]),
    ("pod-min-memory-request", valid_pod("p", 1, compute("", "60Mi"), {}),
     create_limit_range(P, min=compute("", "100Mi")), ["minimum memory usage per Pod is 100Mi, but request is 60Mi"]),
    ("pod-min-memory-request-limit", valid_pod("p", 1, compute("", "60Mi"), compute("", "100Mi")),
     create_limit_range(P, min=compute("", "100Mi")), ["minimum memory usage per Pod is 100Mi, but request is 60Mi"]),
    ("pod-max-cpu-request-limit", valid_pod("p", 3, compute("500m"), compute("1")),
     create_limit_range(P, max=compute("2")), ["maximum cpu usage per Pod is 2, but limit is 3"]),
    ("pod-max-cpu-limit", valid_pod("p", 3, {}, compute("1")), create_limit_range(P, max=compute("2")),
     ["maximum cpu usage per Pod is 2, but limit is 3"]),
    ("pod-max-mem-request-limit", valid_pod("p", 3, compute("", "250Mi"), compute("", "500Mi")),
     create_limit_range(P, max=compute("", "1Gi")), ["maximum memory usage per Pod is 1Gi, but limit is 1500Mi"]),
    ("pod-max-mem-limit", valid_pod("p", 3, {}, compute("", "500Mi")), create_limit_range(P, max=compute("", "1Gi")),
     ["maximum memory usage per Pod is 1Gi, but limit is 1500Mi"]),
    ("pod-init-max-mem-limit", valid_pod("p", 1, {}, compute("", "500Mi"), init=(({}, compute("", "1.5Gi")),)),
     create_limit_range(P, max=compute("", "1Gi")), ["maximum memory usage per Pod is 1Gi, but limit is 1536Mi"]),
    ("pod-max-mem-ratio", valid_pod("p", 3, compute("", "250Mi"), compute("", "500Mi")),
     create_limit_range(P, max=compute("", "2Gi"), ratio=compute("", "1.5")),
     ["memory max limit to request ratio per Pod is 1500m, but provided ratio is 2.000000"]),
    ("ctr-1-min-local-ephemeral-storage-request", valid_pod("p", 1, local("40Mi"), {}),
     create_limit_range(C, min=local("50Mi")),
     ["minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi"]),
    ("ctr-1-min-local-ephemeral-storage-request-limit", valid_pod("p", 1, local("40Mi"), local("100Mi")),
     create_limit_range(C, min=local("50Mi")),
     ["minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi"]),
    ("ctr-1-min-local-ephemeral-storage-no-request-limit", valid_pod("p", 1, {}, {}),
     create_limit_range(C, min=local("50Mi")),
     ["minimum ephemeral-storage usage per Container is 50Mi.  No request is specified"]),
    ("ctr-1-max-local-ephemeral-storage-request-limit", valid_pod("p", 1, local("250Mi"), local("2Gi")),
     create_limit_range(C, max=local("1Gi")),
     ["maximum ephemeral-storage usage per Container is 1Gi, but limit is 2Gi"]),
    ("ctr-1-max-local-ephemeral-storage-limit", valid_pod("p", 1, {}, local("2Gi")),
     create_limit_range(C, max=local("1Gi")),
     ["maximum ephemeral-storage usage per Container is 1Gi, but limit is 2Gi"]),
    ("ctr-1-max-local-ephemeral-storage-no-request-limit", valid_pod("p", 1, {}, {}),
     create_limit_range(C, max=local("1Gi")),
     ["maximum ephemeral-storage usage per Container is 1Gi.  No limit is specified"]),
    ("ctr-2-min-local-ephemeral-storage-request", valid_pod("p", 2, local("40Mi"), {}),
     create_limit_range(C, min=local("50Mi")),
     _twice("minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi")),
    ("ctr-2-min-local-ephemeral-storage-request-limit", valid_pod("p", 2, local("40Mi"), local("100Mi")),
     create_limit_range(C, min=local("50Mi")),
     _twice("minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi")),
    ("ctr-2-min-local-ephemeral-storage-no-request-limit", valid_pod("p", 2, {}, {}),
     create_limit_range(C, min=local("50Mi")),
     _twice("minimum ephemeral-storage usage per Container is 50Mi.  No request is specified")),
    ("ctr-2-max-local-ephemeral-storage-request-limit", valid_pod("p", 2, local("250Mi"), local("2Gi")),
     create_limit_range(C, max=local("1Gi")),
     _twice("maximum ephemeral-storage usage per Container is 1Gi, but limit is 2Gi")),
    ("ctr-2-max-local-ephemeral-storage-limit", valid_pod("p", 2, {}, local("2Gi")),
     create_limit_range(C, max=local("1Gi")),
     _twice("maximum ephemeral-storage usage per Container is 1Gi, but limit is 2Gi")),
    ("ctr-2-max-local-ephemeral-storage-no-request-limit", valid_pod("p", 2, {}, {}),
     create_limit_range(C, max=local("1Gi")),
     _twice("maximum ephemeral-storage usage per Container is 1Gi.  No limit is specified")),
    ("pod-min-local-ephemeral-storage-request", valid_pod("p", 1, local("60Mi"), {}),
     create_limit_range(P, min=local("100Mi")),
     ["minimum ephemeral-storage usage per Pod is 100Mi, but request is 60Mi"]),
    ("pod-min-local-ephemeral-storage-request-limit", valid_pod("p", 1, local("60Mi"), local("100Mi")),
     create_limit_range(P, min=local("100Mi")),
     ["minimum ephemeral-storage usage per Pod is 100Mi, but request is 60Mi"]),
    ("pod-max-local-ephemeral-storage-request-limit", valid_pod("p", 3, local("250Mi"), local("500Mi")),
     create_limit_range(P, max=local("1Gi")),
     ["maximum ephemeral-storage usage per Pod is 1Gi, but limit is 1500Mi"]),
    ("pod-max-local-ephemeral-storage-limit", valid_pod("p", 3, {}, local("500Mi")),
     create_limit_range(P, max=local("1Gi")),
     ["maximum ephemeral-storage usage per Pod is 1Gi, but limit is 1500Mi"]),
    ("pod-init-max-local-ephemeral-storage-limit",
     valid_pod("p", 1, {}, local("500Mi"), init=(({}, local("1.5Gi")),)), create_limit_range(P, max=local("1Gi")),
     ["maximum ephemeral-storage usage per Pod is 1Gi, but limit is 1536Mi"]),
    ("pod-max-local-ephemeral-storage-ratio", valid_pod("p", 3, local("250Mi"), local("500Mi")),
     create_limit_range(P, max=local("2Gi"), ratio=local("1.5")),
     ["ephemeral-storage max limit to request ratio per Pod is 1500m, but provided ratio is 2.000000"]),
    ("ctr-max-cpu-limit-restartable-init-container",
     valid_pod("p", 1, compute("1000m"), compute("1500m"), sidecars=((compute("1500m"), {}),)),
     create_limit_range(P, max=compute("2")), ["maximum cpu usage per Pod is 2, but request is 2500m"]),
]

ADMITTED_ONCE_DEFAULTED = {
    # SetDefaults_LimitRangeItem turns a Container max into the default limit and a min into the default
    # request, so in a real cluster these pods are defaulted into the range rather than rejected.
    "ctr-min-cpu-no-request-limit", "ctr-min-memory-no-request-limit", "ctr-max-cpu-no-request-limit",
    "ctr-max-mem-no-request-limit", "ctr-1-min-local-ephemeral-storage-no-request-limit",
    "ctr-1-max-local-ephemeral-storage-no-request-limit", "ctr-2-min-local-ephemeral-storage-no-request-limit",
    "ctr-2-max-local-ephemeral-storage-no-request-limit",
}


@pytest.mark.parametrize(("name", "pod", "limit_range"), POD_SUCCESS, ids=[c[0] for c in POD_SUCCESS])
def test_pod_limit_func_success(name: str, pod: Pod, limit_range: LimitRange) -> None:
    """TestPodLimitFunc successCases, with upstream's undefaulted LimitRange and with the stored one."""
    for variant in (limit_range, decoded(limit_range)):
        assert mutate_and_validate(variant, pod)[1] == []
        assert lr.admit(pod, [variant])[1] == []


@pytest.mark.parametrize(("name", "pod", "limit_range", "expected"), POD_ERRORS, ids=[c[0] for c in POD_ERRORS])
def test_pod_limit_func_errors(name: str, pod: Pod, limit_range: LimitRange, expected: list[str]) -> None:
    """TestPodLimitFunc errorCases, with upstream's exact messages (upstream asserts only that one occurs)."""
    assert mutate_and_validate(limit_range, pod)[1] == expected
    admitted, errors = lr.admit(pod, [decoded(limit_range)])
    if name in ADMITTED_ONCE_DEFAULTED:
        assert errors == []
        assert admitted.metadata.annotations[lr.LIMIT_RANGER_ANNOTATION].startswith("LimitRanger plugin set: ")
    else:
        assert errors == expected


def test_ctr_2_duplicates_collapse_in_forbidden_message() -> None:
    """Two containers breaking the same rule give two equal errors; the aggregate prints it once."""
    _, pod, limit_range, expected = next(c for c in POD_ERRORS if c[0] == "ctr-2-min-local-ephemeral-storage-request")
    assert lr.forbidden_message(pod, expected) == (
        'pods "p" is forbidden: minimum ephemeral-storage usage per Container is 50Mi, but request is 40Mi')


def test_defaulted_container_range_fills_in_min_and_max() -> None:
    """What a real cluster does with ctr-min-cpu-no-request-limit and ctr-max-cpu-no-request-limit."""
    pod = valid_pod("p", 1, {}, {})
    low = lr.admit(pod, [decoded(create_limit_range(C, min=compute("50m")))])[0].spec.containers[0]
    assert (strs(low.resources.requests), strs(low.resources.limits)) == ({"cpu": "50m"}, {})
    high = lr.admit(pod, [decoded(create_limit_range(C, max=compute("2")))])[0].spec.containers[0]
    assert (strs(high.resources.requests), strs(high.resources.limits)) == ({"cpu": "2"}, {"cpu": "2"})


# --- TestLimitRangerAdmitPod ------------------------------------------------------------------------

NO_DEFAULTS_ERRORS = [
    "minimum cpu usage per Pod is 50m.  No request is specified",
    "minimum memory usage per Pod is 2Mi.  No request is specified",
    "maximum cpu usage per Pod is 200m.  No limit is specified",
    "maximum memory usage per Pod is 4Gi.  No limit is specified",
    "minimum cpu usage per Container is 25m.  No request is specified",
    "minimum memory usage per Container is 1Mi.  No request is specified",
    "maximum cpu usage per Container is 100m.  No limit is specified",
    "maximum memory usage per Container is 2Gi.  No limit is specified",
]


def test_limit_ranger_admit_pod() -> None:
    """TestLimitRangerAdmitPod: a pod without resources is rejected on create (every message, items in order),
    is not checked on update, and a pod marked for deletion is never blocked."""
    pod = valid_pod("testPod", 1, {}, {})
    ranges = [valid_limit_range_no_defaults()]
    admitted, errors = lr.admit(pod, ranges)
    assert admitted is pod
    assert errors == NO_DEFAULTS_ERRORS
    assert lr.forbidden_message(admitted, errors) == f'pods "testPod" is forbidden: [{", ".join(NO_DEFAULTS_ERRORS)}]'
    assert lr.admit(pod, ranges, old=pod) == (pod, [])
    terminating = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, deletion_timestamp=5))
    assert lr.admit(terminating, ranges, old=terminating) == (terminating, [])


def test_limit_ranger_admit_pod_stored_range_defaults_it() -> None:
    """The same LimitRange as a cluster stores it (default = max, defaultRequest = default) admits the pod."""
    admitted, errors = lr.admit(valid_pod("testPod", 1, {}, {}), [decoded(valid_limit_range_no_defaults())])
    assert errors == []
    resources = admitted.spec.containers[0].resources
    assert strs(resources.limits) == strs(resources.requests) == {"cpu": "100m", "memory": "2Gi"}


def test_validate_reports_only_the_first_rejecting_limit_range() -> None:
    """runLimitFunc returns Forbidden at the first LimitRange whose check fails."""
    pod = valid_pod("p", 1, compute("40m"), compute("40m"))
    first = create_limit_range(C, max=compute("1"))
    second = create_limit_range(C, min=compute("50m"))
    third = create_limit_range(P, min=compute("100m"))
    assert lr.validate_pod(pod, [first, second, third]) == [
        "minimum cpu usage per Container is 50m, but request is 40m"]
    assert lr.validate_pod(pod, [first, third, second]) == ["minimum cpu usage per Pod is 100m, but request is 40m"]


def test_defaults_from_several_limit_ranges() -> None:
    """Each LimitRange defaults in turn: the first to offer a resource wins, and the annotation is the last
    non-empty one (each PodMutateLimitFunc call overwrites it)."""
    pod = valid_pod("p", 1, {}, {})
    cpu = _undefaulted([(C, {}, {}, compute("1"), compute("500m"), {})])
    both = _undefaulted([(C, {}, {}, compute("2", "1Gi"), compute("1", "512Mi"), {})])
    got = lr.apply_defaults(pod, [cpu, both])
    assert strs(got.spec.containers[0].resources.requests) == {"cpu": "500m", "memory": "512Mi"}
    assert strs(got.spec.containers[0].resources.limits) == {"cpu": "1", "memory": "1Gi"}
    assert got.metadata.annotations[lr.LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: memory request for container foo-0; memory limit for container foo-0")


def test_limit_without_default_request_still_requests_it() -> None:
    """A hand-built LimitRange with a default but no defaultRequest: the stored pod requests its limit."""
    limit_range = _undefaulted([(C, {}, {}, compute("1"), {}, {})])
    got = lr.apply_defaults(valid_pod("p", 1, {}, {}), [limit_range])
    assert strs(got.spec.containers[0].resources.requests) == {"cpu": "1"}
    assert got.metadata.annotations[lr.LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu limit for container foo-0")


# --- TestPersistentVolumeClaimLimitFunc -------------------------------------------------------------


def valid_pvc(name: str, requests: dict[str, str]) -> PersistentVolumeClaim:
    """validPersistentVolumeClaim."""
    return PersistentVolumeClaim.from_dict({"metadata": {"name": name, "namespace": "test"},
                                            "spec": {"resources": {"requests": requests}}})


PVC = "PersistentVolumeClaim"
PVC_CASES = [
    ("pvc-is-min-storage-request", storage("1Gi"), create_limit_range(PVC, min=storage("1Gi")), []),
    ("pvc-is-max-storage-request", storage("1Gi"), create_limit_range(PVC, max=storage("1Gi")), []),
    ("pvc-no-minmax-storage-request", storage("100Gi"), create_limit_range(PVC), []),
    ("pvc-within-minmax-storage-request", storage("5Gi"),
     create_limit_range(PVC, min=storage("1Gi"), max=storage("10Gi")), []),
    ("pvc-below-min-storage-request", storage("500Mi"), create_limit_range(PVC, min=storage("1Gi")),
     ["minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"]),
    ("pvc-exceeds-max-storage-request", storage("100Gi"),
     create_limit_range(PVC, min=storage("1Gi"), max=storage("1Gi")),
     ["maximum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Gi"]),
    # Not upstream: a claim without a storage request under a min and a max.
    ("pvc-no-request", {}, create_limit_range(PVC, min=storage("1Gi"), max=storage("2Gi")),
     ["minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified",
      "maximum storage usage per PersistentVolumeClaim is 2Gi.  No request is specified"]),
]


@pytest.mark.parametrize(("name", "requests", "limit_range", "expected"), PVC_CASES, ids=[c[0] for c in PVC_CASES])
def test_persistent_volume_claim_limit_func(name: str, requests: dict[str, str], limit_range: LimitRange,
                                            expected: list[str]) -> None:
    """TestPersistentVolumeClaimLimitFunc (success and error cases, with exact messages)."""
    pvc = valid_pvc(name, requests)
    assert lr.persistent_volume_claim_validate_limit_func(limit_range, pvc) == expected
    assert lr.admit(pvc, [limit_range]) == (pvc, expected)


def test_pvc_checked_on_update_unless_deleting() -> None:
    """Claims are checked on update too (a resize above max is refused), except once marked for deletion."""
    limit_range = create_limit_range(PVC, max=storage("1Gi"))
    old = valid_pvc("data", storage("1Gi"))
    grown = valid_pvc("data", storage("2Gi"))
    assert lr.admit(grown, [limit_range], old=old)[1] == [
        "maximum storage usage per PersistentVolumeClaim is 1Gi, but request is 2Gi"]
    deleting = attrs.evolve(old, metadata=attrs.evolve(old.metadata, deletion_timestamp=3))
    assert lr.admit(grown, [limit_range], old=deleting) == (grown, [])


def test_pod_items_ignore_claims_and_claim_items_ignore_pods() -> None:
    """Each kind is checked against its own item types only; other kinds pass unchanged."""
    claim_range = create_limit_range(PVC, min=storage("1Gi"))
    pod_range = create_limit_range(C, min=compute("1"))
    pod = valid_pod("p", 1, {}, {})
    assert lr.admit(pod, [claim_range]) == (pod, [])
    pvc = valid_pvc("c", storage("1Mi"))
    assert lr.admit(pvc, [pod_range]) == (pvc, [])
    namespace = Namespace.from_dict({"metadata": {"name": "dev"}})
    assert lr.admit(namespace, [pod_range, claim_range]) == (namespace, [])


# --- the constraint functions -----------------------------------------------------------------------


def q(text: str) -> Any:
    return parse_quantity(text)


def test_constraints_compare_in_rounded_thousandths() -> None:
    """requestLimitEnforcedValues compares MilliValue()s, each rounded up: 99.5m meets a 100m minimum."""
    assert lr.min_constraint(C, "cpu", q("100m"), {"cpu": q("99.5m")}, {}) is None
    assert lr.min_constraint(C, "cpu", q("100m"), {"cpu": q("99m")}, {}) == (
        "minimum cpu usage per Container is 100m, but request is 99m")
    assert lr.max_constraint(C, "cpu", q("1"), {}, {"cpu": q("1000.5m")}) == (
        "maximum cpu usage per Container is 1, but limit is 1000500u")


def test_constraints_compare_in_units_beyond_max_milli_value() -> None:
    """Once any amount exceeds MaxMilliValue, whole units are compared (rounded up)."""
    enforced = q("10000000000000000")
    assert enforced.value > lr.MAX_MILLI_VALUE
    assert lr.max_constraint(P, "memory", enforced, {}, {"memory": q("10000000000000000")}) is None
    assert lr.max_constraint(P, "memory", enforced, {}, {"memory": q("10000000000000000500m")}) == (
        "maximum memory usage per Pod is 10P, but limit is 10000000000000000500m")


def test_min_constraint_checks_the_limit_too() -> None:
    """minConstraint: a request at the minimum with a limit below it fails on the limit."""
    assert lr.min_constraint(C, "memory", q("1Gi"), {"memory": q("1Gi")}, {"memory": q("512Mi")}) == (
        "minimum memory usage per Container is 1Gi, but limit is 512Mi")


def test_max_constraint_checks_the_request_too() -> None:
    assert lr.max_constraint(C, "memory", q("1Gi"), {"memory": q("2Gi")}, {"memory": q("1Gi")}) == (
        "maximum memory usage per Container is 1Gi, but request is 2Gi")


RATIO = "cpu max limit to request ratio per Container is 2, but "


@pytest.mark.parametrize(("requests", "limits", "expected"), [
    ({"cpu": "250m"}, {"cpu": "1"}, RATIO + "provided ratio is 4.000000"),
    ({"cpu": "300m"}, {"cpu": "1"}, RATIO + "provided ratio is 3.333333"),
    ({"cpu": "500m"}, {"cpu": "1"}, None),
    ({}, {"cpu": "1"}, RATIO + "no request is specified or request is 0"),
    ({"cpu": "0"}, {"cpu": "1"}, RATIO + "no request is specified or request is 0"),
    ({"cpu": "1"}, {}, RATIO + "no limit is specified or limit is 0"),
    ({"cpu": "1"}, {"cpu": "0"}, RATIO + "no limit is specified or limit is 0"),
])
def test_limit_request_ratio_constraint(requests: dict[str, str], limits: dict[str, str],
                                        expected: str | None) -> None:
    """limitRequestRatioConstraint: the ratio prints with Go's %f; a missing or zero side is its own error."""
    got = lr.limit_request_ratio_constraint(C, "cpu", q("2"), _rl(requests), _rl(limits))
    assert got == expected


def test_pod_totals_count_sidecars_and_the_largest_init_container() -> None:
    """podRequests: containers + sidecars, or an init container plus the sidecars started before it."""
    pod = valid_pod("p", 2, compute("100m", "100Mi"), {},
                    init=((compute("1", "50Mi"), {}),), sidecars=((compute("200m", "10Mi"), {}),))
    assert strs(FrozenDict(lr.pod_requests(pod))) == {"cpu": "1", "memory": "210Mi"}
    later = attrs.evolve(pod, spec=attrs.evolve(pod.spec, init_containers=pod.spec.init_containers[::-1]))
    assert strs(FrozenDict(lr.pod_requests(later))) == {"cpu": "1200m", "memory": "210Mi"}
    assert lr.pod_limits(pod) == {}


# --- the Forbidden response -------------------------------------------------------------------------


def test_aggregate_message() -> None:
    """utilerrors aggregate.Error(): one error bare, several bracketed, duplicates dropped."""
    assert lr.aggregate_message(["a"]) == "a"
    assert lr.aggregate_message(["a", "a"]) == "a"
    assert lr.aggregate_message(["a", "b", "a"]) == "[a, b]"


def test_forbidden_message_names() -> None:
    """extractResourceName: the name, else generateName, else Unknown; the resource as it is served."""
    pod = valid_pod("web", 1, {}, {})
    assert lr.forbidden_message(pod, ["x"]) == 'pods "web" is forbidden: x'
    generated = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name=None, generate_name="web-"))
    assert lr.forbidden_message(generated, ["x", "y"]) == 'pods "web-" is forbidden: [x, y]'
    nameless = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name=None))
    assert lr.forbidden_message(nameless, ["x"]) == 'pods "Unknown" is forbidden: x'
    assert lr.forbidden_message(valid_pvc("data", {}), ["x"]) == 'persistentvolumeclaims "data" is forbidden: x'


# --- scenarios: the example cluster -----------------------------------------------------------------


def _cluster_ranges(namespace: str) -> list[LimitRange]:
    return [o for o in load(EXAMPLES) if isinstance(o, LimitRange) and o.namespace == namespace]


def _pod(namespace: str, name: str, resources: dict[str, Any] | None = None) -> Pod:
    container = {"name": name, "image": "nginx", **({"resources": resources} if resources else {})}
    return Pod.from_dict({"metadata": {"name": name, "namespace": namespace}, "spec": {"containers": [container]}})


def test_example_dev_defaults_and_max() -> None:
    """dev: an empty pod gets 100m/128Mi requests and 500m/512Mi limits; a limit over max cpu 4 is refused."""
    ranges = _cluster_ranges("dev")
    admitted, errors = lr.admit(_pod("dev", "nginx"), ranges)
    assert errors == []
    resources = admitted.spec.containers[0].resources
    assert strs(resources.requests) == {"cpu": "100m", "memory": "128Mi"}
    assert strs(resources.limits) == {"cpu": "500m", "memory": "512Mi"}
    assert admitted.metadata.annotations[lr.LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx")
    big, errors = lr.admit(_pod("dev", "big", {"limits": {"cpu": "8"}}), ranges)
    assert errors == ["maximum cpu usage per Container is 4, but limit is 8"]
    assert lr.forbidden_message(big, errors) == (
        'pods "big" is forbidden: maximum cpu usage per Container is 4, but limit is 8')


def test_example_test_ratio() -> None:
    """test: maxLimitRequestRatio cpu 10 against the default 1-cpu limit and a 50m request."""
    _, errors = lr.admit(_pod("test", "tiny", {"requests": {"cpu": "50m"}}), _cluster_ranges("test"))
    assert errors == ["cpu max limit to request ratio per Container is 10, but provided ratio is 20.000000"]
    _, errors = lr.admit(_pod("test", "ok", {"requests": {"cpu": "100m"}}), _cluster_ranges("test"))
    assert errors == []


def test_example_prod_claims() -> None:
    """prod: claims between 1Gi and 500Gi."""
    ranges = _cluster_ranges("prod")
    pvc = PersistentVolumeClaim.from_dict({"metadata": {"name": "huge", "namespace": "prod"},
                                           "spec": {"resources": {"requests": {"storage": "1Ti"}}}})
    assert lr.admit(pvc, ranges)[1] == ["maximum storage usage per PersistentVolumeClaim is 500Gi, but request is 1Ti"]
    small = attrs.evolve(pvc, spec=attrs.evolve(pvc.spec, resources=attrs.evolve(
        pvc.spec.resources, requests=_rl(storage("10Gi")))))
    assert lr.admit(small, ranges) == (small, [])


# --- scenarios: the Kubernetes docs examples --------------------------------------------------------


def _corpus(relative: str) -> list[Any]:
    path = CORPUS / relative
    if not path.exists():
        pytest.skip(f"docs example {path} is not available")
    return load(path)


def _docs_pod(name: str, requests: dict[str, str] | None = None, limits: dict[str, str] | None = None) -> Pod:
    resources = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
    return _pod("default", name, resources)


def test_docs_memory_defaults() -> None:
    """Configure Default Memory Requests and Limits: defaults apply to an empty container, and a container
    that states only a limit requests that limit rather than the default request."""
    ranges = _corpus("admin/resource/memory-defaults.yaml")
    admitted, errors = lr.admit(_docs_pod("default-mem-demo"), ranges)
    assert errors == []
    resources = admitted.spec.containers[0].resources
    assert (strs(resources.requests), strs(resources.limits)) == ({"memory": "256Mi"}, {"memory": "512Mi"})
    (pod2,) = _corpus("admin/resource/memory-defaults-pod-2.yaml")
    admitted, errors = lr.admit(pod2, ranges)
    assert errors == []
    resources = admitted.spec.containers[0].resources
    assert (strs(resources.requests), strs(resources.limits)) == ({"memory": "1Gi"}, {"memory": "1Gi"})
    assert lr.LIMIT_RANGER_ANNOTATION not in admitted.metadata.annotations


def test_docs_cpu_constraints() -> None:
    """Configure Minimum and Maximum CPU Constraints for a Namespace (min 200m, max 800m)."""
    ranges = _corpus("admin/resource/cpu-constraints.yaml")
    pod, errors = lr.admit(_docs_pod("constraints-cpu-demo-2", {"cpu": "500m"}, {"cpu": "1.5"}), ranges)
    assert lr.forbidden_message(pod, errors) == (
        'pods "constraints-cpu-demo-2" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m')
    _, errors = lr.admit(_docs_pod("constraints-cpu-demo-3", {"cpu": "100m"}, {"cpu": "800m"}), ranges)
    assert errors == ["minimum cpu usage per Container is 200m, but request is 100m"]
    pod, errors = lr.admit(_docs_pod("constraints-cpu-demo-4"), ranges)
    assert errors == []
    assert strs(pod.spec.containers[0].resources.requests) == strs(pod.spec.containers[0].resources.limits) == {
        "cpu": "800m"}


def test_docs_memory_constraints() -> None:
    """Configure Minimum and Maximum Memory Constraints for a Namespace (min 500Mi, max 1Gi)."""
    ranges = _corpus("admin/resource/memory-constraints.yaml")
    _, errors = lr.admit(_docs_pod("constraints-mem-demo-2", {"memory": "800Mi"}, {"memory": "1.5Gi"}), ranges)
    assert errors == ["maximum memory usage per Container is 1Gi, but limit is 1536Mi"]
    _, errors = lr.admit(_docs_pod("constraints-mem-demo-3", {"memory": "100Mi"}, {"memory": "800Mi"}), ranges)
    assert errors == ["minimum memory usage per Container is 500Mi, but request is 100Mi"]
    pod, errors = lr.admit(_docs_pod("constraints-mem-demo-4"), ranges)
    assert errors == []
    assert strs(pod.spec.containers[0].resources.requests) == {"memory": "1Gi"}


def test_docs_container_and_pod_limit_ranges() -> None:
    """The busybox1 pod under the per-container LimitRange is defaulted and admitted; adding the per-pod
    LimitRange (max 2 cpu, 2Gi) rejects it on the defaulted totals."""
    container_range = _corpus("admin/resource/limit-mem-cpu-container.yaml")
    pod_range = _corpus("admin/resource/limit-mem-cpu-pod.yaml")
    (pod,) = _corpus("admin/resource/limit-range-pod-1.yaml")
    admitted, errors = lr.admit(pod, container_range)
    assert errors == []
    assert admitted.metadata.annotations[lr.LIMIT_RANGER_ANNOTATION] == (
        "LimitRanger plugin set: cpu, memory limit for container busybox-cnt02; "
        "cpu, memory request for container busybox-cnt04; cpu, memory limit for container busybox-cnt04")
    cnt03 = admitted.spec.containers[2].resources
    assert strs(cnt03.requests) == strs(cnt03.limits) == {"cpu": "500m", "memory": "200Mi"}
    admitted, errors = lr.admit(pod, container_range + pod_range)
    assert lr.forbidden_message(admitted, errors) == (
        'pods "busybox1" is forbidden: [maximum cpu usage per Pod is 2, but limit is 2400m, '
        "maximum memory usage per Pod is 2Gi, but limit is 2200Mi]")


def test_docs_storage_limits() -> None:
    """Limit Storage Consumption: a 500Mi claim under a 1Gi minimum."""
    ranges = _corpus("admin/resource/storagelimits.yaml")
    (pvc,) = _corpus("admin/resource/pvc-limit-lower.yaml")
    admitted, errors = lr.admit(pvc, ranges)
    assert lr.forbidden_message(admitted, errors) == (
        'persistentvolumeclaims "pvc-limit-lower" is forbidden: '
        "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi")


def test_docs_conflict_with_limit_range() -> None:
    """Limit Ranges concept page: a 700m request under a 500m default limit passes LimitRanger, but the
    defaulted pod fails validation (request above limit), which the API server reports as Invalid.

    The example file's item has no ``type`` (the API server would refuse it); an item of no known type
    neither defaults nor checks anything. The page's text means ``type: Container``, so that is added here.
    """
    (limit_range,) = _corpus("concepts/policy/limit-range/problematic-limit-range.yaml")
    (pod,) = _corpus("concepts/policy/limit-range/example-conflict-with-limitrange-cpu.yaml")
    assert lr.admit(pod, [limit_range]) == (pod, [])
    data = limit_range.to_dict()
    data["spec"]["limits"][0]["type"] = "Container"
    admitted, errors = lr.admit(pod, [LimitRange.from_dict(data)])
    assert errors == []
    assert strs(admitted.spec.containers[0].resources.limits) == {"cpu": "500m"}
    with pytest.raises(ManifestError, match='Invalid value: "700m": must be less than or equal to cpu limit of 500m'):
        Pod.from_dict(admitted.to_dict())


# --- properties -------------------------------------------------------------------------------------

RESOURCES = ("cpu", "memory", "ephemeral-storage")
_amounts = st.integers(min_value=1, max_value=4000)


def _quantity_text(resource: str, amount: int) -> str:
    return f"{amount}m" if resource == "cpu" else f"{amount}Mi"


@st.composite
def resource_maps(draw: Any) -> dict[str, str]:
    names = draw(st.lists(st.sampled_from(RESOURCES), unique=True, max_size=3))
    return {n: _quantity_text(n, draw(_amounts)) for n in names}


@st.composite
def container_dicts(draw: Any, name: str, sidecar: bool = False) -> dict[str, Any]:
    requests = draw(resource_maps())
    limits = draw(resource_maps())
    for k in requests.keys() & limits.keys():  # keep request <= limit so the pod decodes
        a, b = sorted((parse_quantity(requests[k]), parse_quantity(limits[k])))
        requests[k], limits[k] = str(a), str(b)
    container = {"name": name, "resources": {"requests": requests, "limits": limits}}
    return {**container, "restartPolicy": "Always"} if sidecar else container


@st.composite
def pods(draw: Any) -> Pod:
    n = draw(st.integers(1, 3))
    m = draw(st.integers(0, 2))
    containers = [draw(container_dicts(f"c{i}")) for i in range(n)]
    inits = [draw(container_dicts(f"i{i}", draw(st.booleans()))) for i in range(m)]
    annotations = draw(st.sampled_from([{}, {lr.LIMIT_RANGER_ANNOTATION: "set earlier"}]))
    return Pod.from_dict({"metadata": {"name": "p", "annotations": annotations},
                          "spec": {"containers": containers, "initContainers": inits}})


@st.composite
def limit_ranges(draw: Any) -> LimitRange:
    items = []
    for _ in range(draw(st.integers(1, 2))):
        item: dict[str, Any] = {"type": draw(st.sampled_from(["Container", "Container", "Pod"]))}
        for key in ("default", "defaultRequest", "min", "max"):
            if draw(st.booleans()):
                item[key] = draw(resource_maps())
        items.append(item)
    return LimitRange.from_dict({"metadata": {"name": "lr"}, "spec": {"limits": items}})


def _explicit(pod: Pod) -> list[tuple[str, str, str, Any]]:
    return [(c.name, kind, k, v) for c in (*pod.spec.containers, *pod.spec.init_containers)
            for kind, values in (("requests", c.resources.requests), ("limits", c.resources.limits))
            for k, v in values.items()]


@settings(max_examples=60, deadline=None)
@given(pods(), st.lists(limit_ranges(), max_size=3))
def test_apply_defaults_is_idempotent_and_keeps_explicit_values(pod: Pod, ranges: list[LimitRange]) -> None:
    once = lr.apply_defaults(pod, ranges)
    assert lr.apply_defaults(once, ranges) == once
    after = {(name, kind, k): v for name, kind, k, v in _explicit(once)}
    for name, kind, k, v in _explicit(pod):
        assert after[(name, kind, k)] == v and str(after[(name, kind, k)]) == str(v)
    defaults = [lr.default_container_resource_requirements(r) for r in ranges]
    for c in (*once.spec.containers, *once.spec.init_containers):
        assert set(c.resources.limits) <= set(c.resources.requests)
        for d in defaults:
            assert set(d.limits) <= set(c.resources.limits)
            assert set(d.requests) <= set(c.resources.requests)
    if once.spec == pod.spec:
        assert once.metadata == pod.metadata


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(["cpu", "memory"]))
def test_min_and_max_match_a_plain_comparison(request: int, bound: int, resource: str) -> None:
    """For amounts well inside MaxMilliValue, min/max reduce to comparing the amounts."""
    amount, enforced = q(_quantity_text(resource, request)), q(_quantity_text(resource, bound))
    below = lr.min_constraint(C, resource, enforced, {resource: amount}, {})
    above = lr.max_constraint(C, resource, enforced, {}, {resource: amount})
    assert (below is not None) == (amount < enforced)
    assert (above is not None) == (amount > enforced)
