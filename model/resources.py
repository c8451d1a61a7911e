"""Pod resource requests and kube-scheduler's NodeResourcesFit filter.

Sources (kubernetes/kubernetes):
- ``staging/src/k8s.io/component-helpers/resource/helpers.go``: PodRequests and
  aggregateContainerResourcesByFn (the sidecar formula of KEP-753), applyNonMissing, addResourceList,
  maxResourceList;
- ``pkg/scheduler/framework/types.go``: Resource.Add / SetMaxResource (cpu in MilliValue, everything else
  in Value, only scalar resources beyond cpu/memory/ephemeral-storage), NodeInfo.update (a node's
  Requested is the sum of its pods' converted requests), PodInfo.CalculateResource (the non-zero
  requests, with defaults for missing cpu/memory requests);
- ``pkg/scheduler/framework/plugins/noderesources/fit.go``: computePodResourceRequest, fitsRequest;
- ``pkg/scheduler/util/pod_resources.go``: DefaultMilliCPURequest, DefaultMemoryRequest;
- ``pkg/apis/core/v1/helper/helpers.go``: IsExtendedResourceName, IsScalarResourceName and friends.
Doc: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/

Not modelled: pod-level resources (``spec.resources``), in-place resize (status resources), DRA claims,
and NodeResourcesFit's ``ignoredResources``/``ignoredResourceGroups`` arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from model.frozendict import FrozenDict
from model.labels import is_qualified_name
from model.objects.cluster import Node
from model.objects.pod import Container, Pod
from model.quantity import Quantity

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
PODS = "pods"

DEFAULT_MILLI_CPU_REQUEST = 100
"""schedutil.DefaultMilliCPURequest: what scoring assumes a container without a cpu request asks for."""
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
"""schedutil.DefaultMemoryRequest (200Mi): likewise for memory."""

_NON_ZERO_DEFAULTS = FrozenDict({CPU: Quantity.from_milli(DEFAULT_MILLI_CPU_REQUEST),
                                 MEMORY: Quantity.from_int(DEFAULT_MEMORY_REQUEST)})
_KUBERNETES_IO = "kubernetes.io/"
_REQUESTS_PREFIX = "requests."


def is_prefixed_native_resource(name: str) -> bool:
    """IsPrefixedNativeResource: the name contains ``kubernetes.io/``."""
    return _KUBERNETES_IO in name


def is_native_resource(name: str) -> bool:
    """IsNativeResource: unprefixed (no ``/``) or in the ``*kubernetes.io/`` namespace."""
    return "/" not in name or is_prefixed_native_resource(name)


def is_extended_resource_name(name: str) -> bool:
    """IsExtendedResourceName: not native, not ``requests.``-prefixed, and ``requests.<name>`` is a
    qualified name (e.g. ``nvidia.com/gpu``)."""
    if is_native_resource(name) or name.startswith(_REQUESTS_PREFIX):
        return False
    return not is_qualified_name(_REQUESTS_PREFIX + name)


def is_scalar_resource_name(name: str) -> bool:
    """IsScalarResourceName: extended, ``hugepages-*``, ``*kubernetes.io/*`` or ``attachable-volumes-*``.

    These are the resources the scheduler tracks besides cpu, memory, ephemeral-storage and pods; any
    other name (``storage``, say) is ignored by NodeResourcesFit.
    """
    return (is_extended_resource_name(name) or name.startswith("hugepages-")
            or is_prefixed_native_resource(name) or name.startswith("attachable-volumes-"))


def resource_amount(resource: str, quantity: Quantity) -> int:
    """The integer the scheduler keeps for an amount: MilliValue for cpu, Value (rounded up) otherwise."""
    return quantity.milli if resource == CPU else quantity.value


def _add(total: dict[str, Quantity], extra: Mapping[str, Quantity]) -> None:
    """addResourceList."""
    for name, quantity in extra.items():
        total[name] = total[name] + quantity if name in total else quantity


def _max(total: dict[str, Quantity], other: Mapping[str, Quantity]) -> None:
    """maxResourceList."""
    for name, quantity in other.items():
        if name not in total or quantity > total[name]:
            total[name] = quantity


def _container_requests(container: Container, defaults: Mapping[str, Quantity]) -> dict[str, Quantity]:
    """The container's requests, with ``defaults`` for the resources it does not request (applyNonMissing;
    an explicit zero request stays zero)."""
    return {**defaults, **container.resources.requests}


def _aggregate(pod: Pod, defaults: Mapping[str, Quantity]) -> dict[str, Quantity]:
    """PodRequests: max(sum of app containers + sidecars, each init container's peak) + overhead.

    Init containers run in order; a restartable one (a sidecar) keeps running, so it adds to the app
    containers' sum and to what every later init container needs: init container i needs its own
    requests plus those of the sidecars started before it.
    """
    total: dict[str, Quantity] = {}
    for container in pod.spec.containers:
        _add(total, _container_requests(container, defaults))
    sidecars: dict[str, Quantity] = {}
    init_peak: dict[str, Quantity] = {}
    for container in pod.spec.init_containers:
        requests = _container_requests(container, defaults)
        if container.is_sidecar:
            _add(total, requests)
            _add(sidecars, requests)
            _max(init_peak, sidecars)
        else:
            running = dict(requests)
            _add(running, sidecars)
            _max(init_peak, running)
    _max(total, init_peak)
    _add(total, pod.spec.overhead)
    return total


def pod_requests(pod: Pod) -> dict[str, Quantity]:
    """resourcehelper.PodRequests with default options: what the pod needs a node to reserve, per resource
    name, including ``spec.overhead``. Resources no container requests are absent."""
    return _aggregate(pod, {})


def non_zero_requests(pod: Pod) -> dict[str, int]:
    """PodInfo.CalculateResource's Non0CPU (milli) and Non0Mem (bytes), used by resource scoring.

    PodRequests with NonMissingContainerRequests: every container (app, init, sidecar) without a cpu or
    memory request counts as requesting 100m cpu and 200Mi memory; the sidecar formula and the overhead
    then apply as in :func:`pod_requests`. A pod without containers requests nothing, so both are 0 (a missing
    key of upstream's ResourceList reads as the zero Quantity; noderesources' least_allocated_test.go scores
    such pods as zero requests).
    """
    requests = _aggregate(pod, _NON_ZERO_DEFAULTS)
    cpu, memory = requests.get(CPU), requests.get(MEMORY)
    return {CPU: 0 if cpu is None else cpu.milli, MEMORY: 0 if memory is None else memory.value}


def scheduler_resources(resources: Mapping[str, Quantity]) -> dict[str, int]:
    """framework.Resource of a ResourceList: cpu in milli, memory, ephemeral-storage and scalar resources in
    whole units; ``pods`` and any other name are dropped."""
    return {name: resource_amount(name, quantity) for name, quantity in resources.items()
            if name in (CPU, MEMORY, EPHEMERAL_STORAGE) or is_scalar_resource_name(name)}


def node_requested(pods: Iterable[Pod]) -> dict[str, int]:
    """NodeInfo.Requested: the sum over ``pods`` of each pod's converted requests (rounded per pod)."""
    total: dict[str, int] = {}
    for pod in pods:
        for name, amount in scheduler_resources(pod_requests(pod)).items():
            total[name] = total.get(name, 0) + amount
    return total


def allowed_pod_number(node: Node) -> int:
    """NodeInfo.Allocatable.AllowedPodNumber: the node's allocatable ``pods`` (0 when absent)."""
    pods = node.allocatable.get(PODS)
    return 0 if pods is None else pods.value


def fits(pod: Pod, node: Node, pods_on_node: Sequence[Pod]) -> tuple[bool, list[str]]:
    """NodeResourcesFit's Filter (fitsRequest): whether ``pod`` fits on ``node`` beside ``pods_on_node``.

    ``pods_on_node`` must be the pods that count against the node, as in the scheduler's NodeInfo: the
    pods bound (or assumed) to it that are not terminated (Succeeded/Failed pods are dropped from the
    scheduler cache). Returns (fits, reasons), reasons in upstream's order: "Too many pods" when the pod
    count would exceed allocatable ``pods``; then "Insufficient cpu", "Insufficient memory",
    "Insufficient ephemeral-storage", then "Insufficient <name>" for scalar resources sorted by name
    (upstream iterates a map, in no fixed order). A resource the pod requests zero of is not checked; one
    the node does not list has 0 allocatable.
    """
    reasons = []
    if len(pods_on_node) + 1 > allowed_pod_number(node):
        reasons.append("Too many pods")
    request = scheduler_resources(pod_requests(pod))
    allocatable = scheduler_resources(node.allocatable)
    requested = node_requested(pods_on_node)
    scalars = sorted(name for name in request if name not in (CPU, MEMORY, EPHEMERAL_STORAGE))
    for name in (CPU, MEMORY, EPHEMERAL_STORAGE, *scalars):
        amount = request.get(name, 0)
        if amount > 0 and amount > allocatable.get(name, 0) - requested.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return not reasons, reasons
