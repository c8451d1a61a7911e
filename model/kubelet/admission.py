"""The kubelet's own admission of a pod bound to its node.

Source: pkg/kubelet/lifecycle/predicate.go (predicateAdmitHandler.Admit, generalFilter: the scheduler's
AdmissionCheck of NodeResourcesFit, NodeAffinity, NodeName, NodePorts, and NoExecute taints only),
pkg/kubelet/kubelet.go (rejectPod: ``Pod was rejected: <message>``).
"""

from __future__ import annotations

from collections.abc import Sequence

from model.affinity import pod_matches_node
from model.objects import Node, Pod
from model.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    allowed_pod_number,
    node_requested,
    pod_requests,
    scheduler_resources,
)
from model.taints import NO_EXECUTE, first_untolerated

_OUT_OF = {CPU: "OutOfcpu", MEMORY: "OutOfmemory", EPHEMERAL_STORAGE: "OutOfephemeral-storage", "pods": "OutOfpods"}


def admit(pod: Pod, node: Node | None, admitted: Sequence[Pod]) -> tuple[str, str] | None:
    """None when the kubelet admits ``pod`` beside the pods it already ``admitted``, else (reason, message)
    for the first failed check, as upstream reports only the first."""
    if node is None:
        return ("InvalidNodeInfo", "Kubelet cannot get node info.")
    allowed = allowed_pod_number(node)
    if len(admitted) + 1 > allowed:
        return (_OUT_OF["pods"], f"Node didn't have enough resource: pods, requested: 1, used: {len(admitted)}, "
                                 f"capacity: {allowed}")
    request = scheduler_resources(pod_requests(pod))
    allocatable = scheduler_resources(node.allocatable)
    used = node_requested(admitted)
    scalars = sorted(r for r in request if r not in (CPU, MEMORY, EPHEMERAL_STORAGE))
    for name in (CPU, MEMORY, EPHEMERAL_STORAGE, *scalars):
        amount = request.get(name, 0)
        if name in scalars and name not in allocatable:
            continue  # removeMissingExtendedResources: extended resources the node does not know are skipped
        if amount > 0 and amount > allocatable.get(name, 0) - used.get(name, 0):
            return (_OUT_OF.get(name, f"OutOf{name}"), f"Node didn't have enough resource: {name}, requested: "
                                                       f"{amount}, used: {used.get(name, 0)}, capacity: "
                                                       f"{allocatable.get(name, 0)}")
    if not pod_matches_node(pod, node):
        return ("NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector")
    if first_untolerated(node.taints, pod.spec.tolerations, lambda t: t.effect == NO_EXECUTE) is not None:
        return ("TaintToleration", "Predicate TaintToleration failed: node(s) had taints that the pod didn't "
                                   "tolerate")
    return None
