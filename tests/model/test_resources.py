"""Tests for model.resources (pod requests, NodeResourcesFit, non-zero requests).

Tables are ported from kubernetes/kubernetes:
- staging/src/k8s.io/component-helpers/resource/helpers_test.go (TestPodRequestsAndLimits,
  TestPodRequestsAndLimitsWithoutOverhead, TestPodResourceRequests: the spec-only cases, sidecars included);
- pkg/scheduler/framework/plugins/noderesources/fit_test.go (TestEnoughRequests, TestNotEnoughRequests,
  TestStorageRequests);
- pkg/scheduler/framework/types_test.go (TestNewResource; TestCalculateResource for the non-zero requests).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.objects import Node, Pod
from model.quantity import parse_quantity
from model.resources import (
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
    fits,
    is_extended_resource_name,
    is_scalar_resource_name,
    node_requested,
    non_zero_requests,
    pod_requests,
    resource_amount,
    scheduler_resources,
)

MI = 1024 * 1024


def container(name: str, requests: dict[str, str] | None = None, limits: dict[str, str] | None = None,
              sidecar: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "resources": {"requests": requests or {}, "limits": limits or {}}}
    if sidecar:
        out["restartPolicy"] = "Always"
    return out


def make_pod(containers: list[dict], init: list[dict] | None = None, overhead: dict[str, str] | None = None,
             name: str = "p") -> Pod:
    spec: dict[str, Any] = {"containers": containers, "initContainers": init or []}
    if overhead:
        spec["overhead"] = overhead
    return Pod.from_dict({"metadata": {"name": name}, "spec": spec})


def quantities(resources: dict[str, str]) -> dict:
    return {name: parse_quantity(text) for name, text in resources.items()}


def cpu(n: str) -> dict[str, str]:
    return {"cpu": n}


# --- pod_requests ----------------------------------------------------------------------------------------

# (name, containers, init containers, overhead, want). helpers_test.go names; the first block is
# TestPodRequestsAndLimits (getPod: one container), the second TestPodRequestsAndLimitsWithoutOverhead (run
# with the overhead included, as PodRequests' default options do), the third TestPodResourceRequests.
POD_REQUESTS_CASES = [
    ("just-limit-no-overhead (the API server defaults the request to the limit)",
     [container("foo", limits=cpu("9"))], [], None, cpu("9")),
    ("just-overhead", [container("foo")], [], {"cpu": "5", "memory": "5"}, {"cpu": "5", "memory": "5"}),
    ("req-and-overhead", [container("foo", {"cpu": "1", "memory": "10"})], [], {"cpu": "5", "memory": "5"},
     {"cpu": "6", "memory": "15"}),
    ("all-req-lim-and-overhead",
     [container("foo", {"cpu": "1", "memory": "10"}, {"cpu": "2", "memory": "12"})], [],
     {"cpu": "5", "memory": "5"}, {"cpu": "6", "memory": "15"}),
    ("req-some-lim-and-overhead", [container("foo", {"cpu": "1", "memory": "10"}, {"cpu": "2"})], [],
     {"cpu": "5", "memory": "5"}, {"cpu": "6", "memory": "15"}),
    ("two container no overhead - should just be sum of containers",
     [container("foobar", {"cpu": "1", "memory": "5"}, {"cpu": "2", "memory": "10"}),
      container("foobar2", {"cpu": "4", "memory": "12"}, {"cpu": "8", "memory": "24"})], [], None,
     {"cpu": "5", "memory": "17"}),
    ("two container with overhead (overhead included here)",
     [container("foobar", {"cpu": "1", "memory": "5"}), container("foobar2", {"cpu": "4", "memory": "12"})], [],
     {"cpu": "3", "memory": "8"}, {"cpu": "8", "memory": "25"}),
    ("two container with overhead, massive init - should just be the largest init (plus overhead here)",
     [container("foobar", {"cpu": "1", "memory": "5"}), container("foobar2", {"cpu": "4", "memory": "12"})],
     [container("small-init", {"cpu": "1", "memory": "5"}), container("big-init", {"cpu": "40", "memory": "120"})],
     {"cpu": "3", "memory": "8"}, {"cpu": "43", "memory": "128"}),
    ("nil options, larger init container", [container("c", cpu("1"))], [container("i", cpu("4"))], None, cpu("4")),
    ("nil options, larger containers", [container("c1", cpu("2")), container("c2", cpu("3"))],
     [container("i", cpu("2"))], None, cpu("5")),
    ("pod overhead included", [container("c1", cpu("2")), container("c2", cpu("3"))],
     [container("i", cpu("2"), cpu("2"))], {"cpu": "1", "memory": "1Gi"}, {"cpu": "6", "memory": "1Gi"}),
    ("restartable init container", [container("container-1", cpu("1"))],
     [container("restartable-init-1", cpu("1"), sidecar=True)], None, cpu("2")),
    ("multiple restartable init containers", [container("container-1", cpu("1"))],
     [container("init-1", cpu("5")), container("restartable-init-1", cpu("1"), sidecar=True),
      container("restartable-init-2", cpu("2"), sidecar=True),
      container("restartable-init-3", cpu("3"), sidecar=True)], None, cpu("7")),
    ("multiple restartable and regular init containers", [container("container-1", cpu("1"))],
     [container("init-1", cpu("5")), container("restartable-init-1", cpu("1"), sidecar=True),
      container("restartable-init-2", cpu("2"), sidecar=True), container("init-2", cpu("5")),
      container("restartable-init-3", cpu("3"), sidecar=True)], None, cpu("8")),
    ("restartable-init, init and regular", [container("container-1", cpu("100"))],
     [container("restartable-init-1", cpu("10"), sidecar=True), container("init-1", cpu("200"))], None,
     cpu("210")),
    # further cases
    ("a resource only an init container requests is kept", [container("c", cpu("1"))],
     [container("i", {"nvidia.com/gpu": "1"})], None, {"cpu": "1", "nvidia.com/gpu": "1"}),
    ("a sidecar's resource adds to later init containers only per resource",
     [container("c", {"cpu": "1"})],
     [container("s", {"memory": "1Gi"}, sidecar=True), container("i", {"cpu": "3", "memory": "1Gi"})], None,
     {"cpu": "3", "memory": "2Gi"}),
    ("nothing requested", [container("c")], [], None, {}),
]


@pytest.mark.parametrize("name, containers, init, overhead, want", POD_REQUESTS_CASES,
                         ids=[c[0] for c in POD_REQUESTS_CASES])
def test_pod_requests(name: str, containers: list, init: list, overhead: dict | None, want: dict) -> None:
    assert pod_requests(make_pod(containers, init, overhead)) == quantities(want)


# --- resource names and the scheduler's integer view -----------------------------------------------------

@pytest.mark.parametrize("name, extended, scalar", [
    ("cpu", False, False), ("memory", False, False), ("pods", False, False), ("storage", False, False),
    ("ephemeral-storage", False, False), ("example.com/aaa", True, True), ("nvidia.com/gpu", True, True),
    ("kubernetes.io/something", False, True), ("subdomain.kubernetes.io/something", False, True),
    ("hugepages-2Mi", False, True), ("attachable-volumes-aws-ebs", False, True),
    ("requests.example.com/foo", False, False), ("example.com/bad name", False, False),
])
def test_resource_name_classes(name: str, extended: bool, scalar: bool) -> None:
    """helpers.go IsExtendedResourceName / IsScalarResourceName, on fit_test.go's resource names."""
    assert is_extended_resource_name(name) is extended
    assert is_scalar_resource_name(name) is scalar


def test_scheduler_resources_like_new_resource() -> None:
    """types_test.go TestNewResource "complex resource" (pods is counted apart, see allowed_pod_number)."""
    resources = {"cpu": parse_quantity("4m"), "memory": parse_quantity("2000"), "pods": parse_quantity("80"),
                 "ephemeral-storage": parse_quantity("5000"), "scalar.test/scalar1": parse_quantity("1"),
                 "hugepages-test": parse_quantity("2"), "storage": parse_quantity("1Gi")}
    assert scheduler_resources(resources) == {"cpu": 4, "memory": 2000, "ephemeral-storage": 5000,
                                              "scalar.test/scalar1": 1, "hugepages-test": 2}


def test_resource_amount_rounds_up() -> None:
    assert resource_amount("cpu", parse_quantity("1.5")) == 1500
    assert resource_amount("cpu", parse_quantity("0.0001")) == 1
    assert resource_amount("memory", parse_quantity("1.5")) == 2
    assert resource_amount("memory", parse_quantity("1500m")) == 2
    assert resource_amount("example.com/aaa", parse_quantity("1Ki")) == 1024


def test_node_requested_rounds_each_pod() -> None:
    """NodeInfo.update adds each pod's converted requests: two pods of 1.5 bytes count as 2 + 2."""
    pods = [make_pod([container("c", {"memory": "1500m", "cpu": "0.5"})], name=f"p{i}") for i in range(2)]
    assert node_requested(pods) == {"memory": 4, "cpu": 1000}


# --- fits (fit_test.go) ------------------------------------------------------------------------------------

EXT_A, EXT_B = "example.com/aaa", "example.com/bbb"
K8S_A, K8S_B = "kubernetes.io/something", "subdomain.kubernetes.io/something"
HUGE_A = "hugepages-2Mi"


def usage(milli_cpu: int = 0, memory: int = 0, storage: int = 0, **scalars: int) -> dict[str, str]:
    """fit_test.go newResourcePod's requests for one container: cpu, memory, pods and ephemeral-storage
    always present (zero when unset), plus the scalar resources by full name."""
    out = {"cpu": f"{milli_cpu}m", "memory": str(memory), "pods": "0", "ephemeral-storage": str(storage)}
    out.update({name: str(amount) for name, amount in scalars.items()})
    return out


def resource_pod(*usages: dict[str, str], init: tuple = (), overhead: dict | None = None, name: str = "p") -> Pod:
    return make_pod([container(f"c{i}", u) for i, u in enumerate(usages)] or [container("c0")],
                    [container(f"i{i}", u) for i, u in enumerate(init)], overhead, name)


def allocatable_node(milli_cpu: int, memory: int, pods: int, ext_a: int, storage: int, huge_a: int) -> Node:
    """fit_test.go makeAllocatableResources."""
    return Node.from_dict({"metadata": {"name": "n"}, "status": {"allocatable": {
        "cpu": f"{milli_cpu}m", "memory": str(memory), "pods": str(pods), EXT_A: str(ext_a),
        "ephemeral-storage": str(storage), HUGE_A: str(huge_a)}}})


def s(**scalars: int) -> dict[str, int]:
    """Scalar requests keyed by resource name."""
    names = {"ext_a": EXT_A, "ext_b": EXT_B, "k8s_a": K8S_A, "k8s_b": K8S_B, "huge_a": HUGE_A}
    return {names[k]: v for k, v in scalars.items()}


def u(milli_cpu: int = 0, memory: int = 0, storage: int = 0, **scalars: int) -> dict[str, str]:
    return usage(milli_cpu, memory, storage, **s(**scalars))


def insufficient(*names: str) -> list[str]:
    return [f"Insufficient {n}" for n in names]


# (name, pod, the one pod already on the node, reasons). Node: makeAllocatableResources(10, 20, 32, 5, 20, 5).
ENOUGH_REQUESTS_CASES = [
    ("no resources requested always fits", resource_pod(), u(10, 20), []),
    ("too many resources fails", resource_pod(u(1, 1)), u(10, 20), insufficient("cpu", "memory")),
    ("too many resources fails due to init container cpu", resource_pod(u(1, 1), init=(u(3, 1),)), u(8, 19),
     insufficient("cpu")),
    ("too many resources fails due to highest init container cpu", resource_pod(u(1, 1), init=(u(3, 1), u(2, 1))),
     u(8, 19), insufficient("cpu")),
    ("too many resources fails due to init container memory", resource_pod(u(1, 1), init=(u(1, 3),)), u(9, 19),
     insufficient("memory")),
    ("too many resources fails due to highest init container memory",
     resource_pod(u(1, 1), init=(u(1, 3), u(1, 2))), u(9, 19), insufficient("memory")),
    ("init container fits because it's the max, not sum, of containers and init containers",
     resource_pod(u(1, 1), init=(u(1, 1),)), u(9, 19), []),
    ("multiple init containers fit because it's the max, not sum, of containers and init containers",
     resource_pod(u(1, 1), init=(u(1, 1), u(1, 1))), u(9, 19), []),
    ("both resources fit", resource_pod(u(1, 1)), u(5, 5), []),
    ("one resource memory fits", resource_pod(u(2, 1)), u(9, 5), insufficient("cpu")),
    ("one resource cpu fits", resource_pod(u(1, 2)), u(5, 19), insufficient("memory")),
    ("equal edge case", resource_pod(u(5, 1)), u(5, 19), []),
    ("equal edge case for init container", resource_pod(u(4, 1), init=(u(5, 1),)), u(5, 19), []),
    ("extended resource fits", resource_pod(u(ext_a=1)), u(), []),
    ("extended resource fits for init container", resource_pod(u(), init=(u(ext_a=1),)), u(), []),
    ("extended resource capacity enforced", resource_pod(u(1, 1, ext_a=10)), u(0, 0, ext_a=0),
     insufficient(EXT_A)),
    ("extended resource capacity enforced for init container", resource_pod(u(), init=(u(1, 1, ext_a=10),)),
     u(0, 0, ext_a=0), insufficient(EXT_A)),
    ("extended resource allocatable enforced", resource_pod(u(1, 1, ext_a=1)), u(0, 0, ext_a=5),
     insufficient(EXT_A)),
    ("extended resource allocatable enforced for init container", resource_pod(u(), init=(u(1, 1, ext_a=1),)),
     u(0, 0, ext_a=5), insufficient(EXT_A)),
    ("extended resource allocatable enforced for multiple containers",
     resource_pod(u(1, 1, ext_a=3), u(1, 1, ext_a=3)), u(0, 0, ext_a=2), insufficient(EXT_A)),
    ("extended resource allocatable admits multiple init containers",
     resource_pod(u(), init=(u(1, 1, ext_a=3), u(1, 1, ext_a=3))), u(0, 0, ext_a=2), []),
    ("extended resource allocatable enforced for multiple init containers",
     resource_pod(u(), init=(u(1, 1, ext_a=6), u(1, 1, ext_a=3))), u(0, 0, ext_a=2), insufficient(EXT_A)),
    ("extended resource allocatable enforced for unknown resource", resource_pod(u(1, 1, ext_b=1)), u(),
     insufficient(EXT_B)),
    ("extended resource allocatable enforced for unknown resource for init container",
     resource_pod(u(), init=(u(1, 1, ext_b=1),)), u(), insufficient(EXT_B)),
    ("kubernetes.io resource capacity enforced", resource_pod(u(1, 1, k8s_a=10)), u(), insufficient(K8S_A)),
    ("kubernetes.io resource capacity enforced for init container", resource_pod(u(), init=(u(1, 1, k8s_b=10),)),
     u(), insufficient(K8S_B)),
    ("hugepages resource capacity enforced", resource_pod(u(1, 1, huge_a=10)), u(0, 0, huge_a=0),
     insufficient(HUGE_A)),
    ("hugepages resource capacity enforced for init container", resource_pod(u(), init=(u(1, 1, huge_a=10),)),
     u(0, 0, huge_a=0), insufficient(HUGE_A)),
    ("hugepages resource allocatable enforced for multiple containers",
     resource_pod(u(1, 1, huge_a=3), u(1, 1, huge_a=3)), u(0, 0, huge_a=2), insufficient(HUGE_A)),
    ("resources + pod overhead fits", resource_pod(u(1, 1), overhead={"cpu": "3m", "memory": "13"}), u(5, 5), []),
    ("requests + overhead does not fit for memory", resource_pod(u(1, 1), overhead={"cpu": "1m", "memory": "15"}),
     u(5, 5), insufficient("memory")),
    ("skip checking ignored extended resource via resource groups (no ignore args here: both reported, sorted)",
     resource_pod(u(1, 1, ext_b=1, k8s_a=1)), u(), insufficient(EXT_B, K8S_A)),
    ("skip checking extended resource request with quantity zero via resource groups",
     resource_pod(u(1, 1, ext_a=0)), u(0, 0, ext_a=6), []),
    ("skip checking resource request with quantity zero", resource_pod(u(ext_a=1)), u(20, 30, ext_a=1), []),
]


@pytest.mark.parametrize("name, pod, existing, want", ENOUGH_REQUESTS_CASES, ids=[c[0] for c in ENOUGH_REQUESTS_CASES])
def test_enough_requests(name: str, pod: Pod, existing: dict, want: list) -> None:
    node = allocatable_node(10, 20, 32, 5, 20, 5)
    assert fits(pod, node, [resource_pod(existing, name="existing")]) == (not want, want)


# TestNotEnoughRequests: makeAllocatableResources(10, 20, 1, 0, 0, 0) and one pod already there.
NOT_ENOUGH_CASES = [
    ("even without specified resources, predicate fails when there's no space for additional pod",
     resource_pod(), u(10, 20)),
    ("even if both resources fit, predicate fails when there's no space for additional pod",
     resource_pod(u(1, 1)), u(5, 5)),
    ("even for equal edge case, predicate fails when there's no space for additional pod",
     resource_pod(u(5, 1)), u(5, 19)),
    ("even for equal edge case, predicate fails when there's no space for additional pod due to init container",
     resource_pod(u(5, 1), init=(u(5, 1),)), u(5, 19)),
]


@pytest.mark.parametrize("name, pod, existing", NOT_ENOUGH_CASES, ids=[c[0] for c in NOT_ENOUGH_CASES])
def test_not_enough_requests(name: str, pod: Pod, existing: dict) -> None:
    node = allocatable_node(10, 20, 1, 0, 0, 0)
    assert fits(pod, node, [resource_pod(existing, name="existing")]) == (False, ["Too many pods"])


# TestStorageRequests: makeAllocatableResources(10, 20, 32, 5, 20, 5).
STORAGE_CASES = [
    ("empty storage requested, and pod fits", resource_pod(u(1, 1)), u(2, 10), []),
    ("storage ephemeral local storage request exceeds allocatable", resource_pod(u(storage=25)), u(2, 2),
     insufficient("ephemeral-storage")),
    ("ephemeral local storage is sufficient", resource_pod(u(storage=5)), u(2, 2, storage=10), []),
    ("pod fits", resource_pod(u(storage=10)), u(2, 2), []),
]


@pytest.mark.parametrize("name, pod, existing, want", STORAGE_CASES, ids=[c[0] for c in STORAGE_CASES])
def test_storage_requests(name: str, pod: Pod, existing: dict, want: list) -> None:
    node = allocatable_node(10, 20, 32, 5, 20, 5)
    assert fits(pod, node, [resource_pod(existing, name="existing")]) == (not want, want)


def test_reasons_come_in_upstream_order() -> None:
    pod = resource_pod(u(11, 21, 21, ext_b=1, ext_a=6, huge_a=6))
    node = allocatable_node(10, 20, 1, 5, 20, 5)
    ok, reasons = fits(pod, node, [resource_pod(name="existing")])
    assert not ok
    assert reasons == ["Too many pods", *insufficient("cpu", "memory", "ephemeral-storage", EXT_A, EXT_B, HUGE_A)]


def test_node_without_allocatable_admits_no_pod() -> None:
    """A node that reports no allocatable ``pods`` has AllowedPodNumber 0."""
    node = Node.from_dict({"metadata": {"name": "n"}})
    assert fits(resource_pod(), node, []) == (False, ["Too many pods"])


def test_capacity_is_used_when_allocatable_is_missing() -> None:
    """SetDefaults_NodeStatus copies capacity into a missing allocatable."""
    node = Node.from_dict({"metadata": {"name": "n"}, "status": {"capacity": {"cpu": "1", "pods": "2"}}})
    assert fits(resource_pod({"cpu": "1"}), node, []) == (True, [])
    assert fits(resource_pod({"cpu": "1001m"}), node, []) == (False, insufficient("cpu"))


def test_sidecar_requests_count_on_the_node() -> None:
    """A sidecar keeps running, so it is part of what the pod occupies on the node."""
    pod = make_pod([container("c", {"cpu": "500m"})], [container("s", {"cpu": "500m"}, sidecar=True)])
    node = allocatable_node(1500, 20, 32, 5, 20, 5)
    assert fits(pod, node, []) == (True, [])
    assert fits(pod, node, [pod]) == (False, insufficient("cpu"))


# --- non_zero_requests (types.go PodInfo.CalculateResource) -------------------------------------------------

NON_ZERO_CASES = [
    # TestCalculateResource
    ("Pod with single container", [container("c", {"cpu": "100m", "memory": "200Mi"})], [], None, 100, 200 * MI),
    ("Pod with multiple containers",
     [container("c1", {"cpu": "100m", "memory": "200Mi"}), container("c2", {"cpu": "200m", "memory": "300Mi"})],
     [], None, 300, 500 * MI),
    ("Pod with init container", [container("c", {"cpu": "100m", "memory": "200Mi"})],
     [container("i", {"cpu": "500m", "memory": "1Gi"})], None, 500, 1024 * MI),
    ("Pod with overhead", [container("c", {"cpu": "100m", "memory": "200Mi"})], [],
     {"cpu": "50m", "memory": "100Mi"}, 150, 300 * MI),
    # defaults for missing requests
    ("no requests: the defaults", [container("c")], [], None, DEFAULT_MILLI_CPU_REQUEST, DEFAULT_MEMORY_REQUEST),
    ("an explicit zero request stays zero", [container("c", {"cpu": "0", "memory": "0"})], [], None, 0, 0),
    ("defaults per container", [container("c1"), container("c2", {"cpu": "1"})], [], None, 1100, 400 * MI),
    ("an init container without requests counts the defaults too", [container("c", {"cpu": "10m", "memory": "1"})],
     [container("i")], None, 100, 200 * MI),
    ("a sidecar without requests adds the defaults", [container("c", {"cpu": "10m", "memory": "1"})],
     [container("s", sidecar=True)], None, 110, 200 * MI + 1),
    ("overhead adds to the defaults", [container("c")], [], {"cpu": "1m"}, 101, 200 * MI),
]


@pytest.mark.parametrize("name, containers, init, overhead, want_cpu, want_memory", NON_ZERO_CASES,
                         ids=[c[0] for c in NON_ZERO_CASES])
def test_non_zero_requests(name: str, containers: list, init: list, overhead: dict | None, want_cpu: int,
                           want_memory: int) -> None:
    assert non_zero_requests(make_pod(containers, init, overhead)) == {"cpu": want_cpu, "memory": want_memory}


# --- properties --------------------------------------------------------------------------------------------

RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage", "example.com/gpu", "hugepages-2Mi")
amounts = st.integers(0, 4000)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, str]:
    chosen = draw(st.dictionaries(st.sampled_from(RESOURCE_NAMES), amounts, max_size=4))
    return {name: f"{amount}m" if name == "cpu" else str(amount) for name, amount in chosen.items()}


@st.composite
def pods(draw: st.DrawFn, name: str = "p") -> Pod:
    app = draw(st.lists(requests(), min_size=1, max_size=3))
    init = draw(st.lists(st.tuples(requests(), st.booleans()), max_size=3))
    overhead = draw(st.one_of(st.none(), requests()))
    return make_pod([container(f"c{i}", r) for i, r in enumerate(app)],
                    [container(f"i{i}", r, sidecar=side) for i, (r, side) in enumerate(init)], overhead or None, name)


@settings(max_examples=60)
@given(pods())
def test_pod_requests_cover_every_container(pod: Pod) -> None:
    total = pod_requests(pod)
    for c in (*pod.spec.containers, *pod.spec.init_containers):
        for name, quantity in c.resources.requests.items():
            assert total[name] >= quantity


@settings(max_examples=60)
@given(pods())
def test_pod_requests_cover_app_containers_plus_sidecars_plus_overhead(pod: Pod) -> None:
    total = pod_requests(pod)
    running = [*pod.spec.containers, *(c for c in pod.spec.init_containers if c.is_sidecar)]
    for name in {n for c in running for n in c.resources.requests} | set(pod.spec.overhead):
        steady = sum((c.resources.requests[name] for c in running if name in c.resources.requests),
                     parse_quantity("0"))
        assert total[name] >= steady + pod.spec.overhead.get(name, parse_quantity("0"))


@settings(max_examples=60)
@given(pods())
def test_non_zero_requests_are_at_least_the_requests(pod: Pod) -> None:
    plain = pod_requests(pod)
    non_zero = non_zero_requests(pod)
    assert non_zero["cpu"] >= resource_amount("cpu", plain.get("cpu", parse_quantity("0")))
    assert non_zero["memory"] >= resource_amount("memory", plain.get("memory", parse_quantity("0")))


node_allocatable = st.fixed_dictionaries({name: amounts for name in RESOURCE_NAMES})


@settings(max_examples=60)
@given(pods(), st.lists(pods(name="other"), max_size=3), node_allocatable, st.integers(0, 5))
def test_fits_exactly_when_every_requested_resource_has_room(pod: Pod, others: list, allocatable: dict,
                                                             max_pods: int) -> None:
    node = Node.from_dict({"metadata": {"name": "n"}, "status": {"allocatable": {
        **{name: f"{v}m" if name == "cpu" else str(v) for name, v in allocatable.items()}, "pods": str(max_pods)}}})
    ok, reasons = fits(pod, node, others)
    request = scheduler_resources(pod_requests(pod))
    used = node_requested(others)
    over = {name for name, amount in request.items() if amount > 0 and used.get(name, 0) + amount > allocatable[name]}
    assert ok == (not over and len(others) < max_pods)
    assert set(reasons) == {f"Insufficient {name}" for name in over} | (
        {"Too many pods"} if len(others) >= max_pods else set())
