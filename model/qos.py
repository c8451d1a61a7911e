"""Pod Quality of Service classes: Guaranteed, Burstable, BestEffort.

Source: pkg/apis/core/v1/helper/qos/qos.go (GetPodQOS, ComputePodQOS).
Doc: https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/

The model has no pod-level ``spec.resources`` (PodLevelResources) and no ephemeral containers,
so only the container-level computation is ported.
"""

from __future__ import annotations

from model.objects import Pod
from model.quantity import Quantity

GUARANTEED = "Guaranteed"
BURSTABLE = "Burstable"
BEST_EFFORT = "BestEffort"

_QOS_RESOURCES = ("cpu", "memory")
"""supportedQoSComputeResources: only CPU and memory decide the class."""


def pod_qos_class(pod: Pod) -> str:
    """GetPodQOS: ``status.qosClass`` once the API server has recorded it, else :func:`compute_pod_qos`."""
    return pod.status.qos_class or compute_pod_qos(pod)


def compute_pod_qos(pod: Pod) -> str:
    """ComputePodQOS over app and init containers (zero amounts count as unset).

    BestEffort: no container sets a CPU or memory request or limit. Guaranteed: every container
    limits both CPU and memory, and the summed requests equal the summed limits. Else Burstable.
    """
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for container in pod.spec.containers + pod.spec.init_containers:
        for name, quantity in container.resources.requests.items():
            if name in _QOS_RESOURCES and quantity.nano > 0:
                requests[name] = requests[name] + quantity if name in requests else quantity
        limited = set()
        for name, quantity in container.resources.limits.items():
            if name in _QOS_RESOURCES and quantity.nano > 0:
                limited.add(name)
                limits[name] = limits[name] + quantity if name in limits else quantity
        if not limited.issuperset(_QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return BEST_EFFORT
    if guaranteed and all(name in limits and limits[name] == req for name, req in requests.items()):
        if len(requests) == len(limits):
            return GUARANTEED
    return BURSTABLE
