"""The kubelet's own admission of a pod bound to its node (the part of the scheduler's checks it repeats).

Upstream: pkg/kubelet/lifecycle/predicate.go (Admit, generalFilter: AdmissionCheck = NodeResourcesFit,
NodeAffinity, NodeName, NodePorts; then untolerated NoExecute taints only; the first reason is reported,
``OutOf<resource>`` with InsufficientResourceError's message, or the predicate name with
``Predicate <name> failed: <reason>``; extended resources the node does not have are ignored).
Ported: pkg/kubelet/kubelet_test.go TestHandleMemExceeded and TestHandleNodeSelector.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from model.kubelet.admission import admit
from model.objects import Node, Pod
from tests.model.kubelet.support import container


def node(allocatable: dict[str, str], labels: dict[str, str] | None = None,
         taints: list[dict[str, str]] | None = None) -> Node:
    return Node.from_dict({"apiVersion": "v1", "kind": "Node",
                           "metadata": {"name": "testnode", "labels": labels or {}},
                           "spec": {"taints": taints or []}, "status": {"allocatable": allocatable}})


def bound(name: str, requests: dict[str, str] | None = None, **spec: Any) -> Pod:
    resources = {"resources": {"requests": requests}} if requests else {}
    return Pod.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "foo"},
                          "spec": {"nodeName": "testnode", "containers": [container("c", **resources)], **spec}})


MEM_NODE = node({"cpu": "10m", "memory": "100", "pods": "40"})


def test_handle_mem_exceeded() -> None:
    """TestHandleMemExceeded: two pods of 90 bytes on a node with 100 allocatable; the newer is rejected."""
    old, new = bound("oldpod", {"memory": "90"}), bound("newpod", {"memory": "90"})
    assert admit(old, MEM_NODE, []) is None
    assert admit(new, MEM_NODE, [old]) == (
        "OutOfmemory", "Node didn't have enough resource: memory, requested: 90, used: 90, capacity: 100")


def test_handle_node_selector() -> None:
    """TestHandleNodeSelector: the node is labelled key=B; the pod selecting key=A is rejected."""
    labelled = node({"pods": "110"}, labels={"key": "B"})
    assert admit(bound("podA", nodeSelector={"key": "A"}), labelled, []) == (
        "NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector")
    assert admit(bound("podB", nodeSelector={"key": "B"}), labelled, []) is None


def test_cpu_is_reported_in_millicores() -> None:
    cpu_node = node({"cpu": "4", "memory": "8Gi", "pods": "110"})
    assert admit(bound("big", {"cpu": "5"}), cpu_node, []) == (
        "OutOfcpu", "Node didn't have enough resource: cpu, requested: 5000, used: 0, capacity: 4000")
    assert admit(bound("second", {"cpu": "1500m"}), cpu_node, [bound("first", {"cpu": "3"})]) == (
        "OutOfcpu", "Node didn't have enough resource: cpu, requested: 1500, used: 3000, capacity: 4000")


def test_too_many_pods_comes_first() -> None:
    full = node({"cpu": "1", "pods": "1"})
    assert admit(bound("second", {"cpu": "2"}), full, [bound("first")]) == (
        "OutOfpods", "Node didn't have enough resource: pods, requested: 1, used: 1, capacity: 1")


def test_extended_resources() -> None:
    """removeMissingExtendedResources: a resource the node does not list is not checked (cluster-level
    resources); one it lists is, with reason OutOf<name>."""
    plain = node({"cpu": "1", "pods": "10"})
    assert admit(bound("fpga", {"example.com/fpga": "1"}), plain, []) is None
    gpus = node({"cpu": "1", "pods": "10", "nvidia.com/gpu": "4"})
    assert admit(bound("greedy", {"nvidia.com/gpu": "5"}), gpus, []) == (
        "OutOfnvidia.com/gpu", "Node didn't have enough resource: nvidia.com/gpu, requested: 5, used: 0, capacity: 4")


TAINTED = node({"cpu": "1", "pods": "10"}, taints=[{"key": "maintenance", "value": "true", "effect": "NoExecute"},
                                                    {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])


def test_untolerated_no_execute_taint_rejects() -> None:
    assert admit(bound("plain"), TAINTED, []) == (
        "TaintToleration", "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate")


def test_only_no_execute_taints_matter_to_the_kubelet() -> None:
    """A pod bound past the scheduler needs to tolerate NoExecute taints only (NoSchedule is the scheduler's)."""
    tolerant = bound("tolerant", tolerations=[{"key": "maintenance", "operator": "Exists", "effect": "NoExecute"}])
    assert admit(tolerant, TAINTED, []) is None


def test_resources_are_checked_before_affinity_and_taints() -> None:
    everything_wrong = bound("wrong", {"cpu": "2"}, nodeSelector={"key": "A"})
    assert admit(everything_wrong, TAINTED, [])[0] == "OutOfcpu"
    assert admit(bound("wrong", nodeSelector={"key": "A"}), TAINTED, [])[0] == "NodeAffinity"


def test_without_its_node_object_the_kubelet_rejects() -> None:
    assert admit(bound("p"), None, []) == ("InvalidNodeInfo", "Kubelet cannot get node info.")


@given(st.lists(st.integers(0, 3000), max_size=6), st.integers(0, 3000))
def test_a_pod_is_admitted_exactly_when_its_cpu_fits_beside_the_admitted(used: list[int], request: int) -> None:
    cpu_node = node({"cpu": "4", "pods": "110"})
    admitted = [bound(f"p{i}", {"cpu": f"{m}m"}) for i, m in enumerate(used)]
    verdict = admit(bound("new", {"cpu": f"{request}m"}), cpu_node, admitted)
    fits = request == 0 or request <= 4000 - sum(used)
    assert (verdict is None) == fits
    if not fits:
        assert verdict == ("OutOfcpu", f"Node didn't have enough resource: cpu, requested: {request}, "
                                       f"used: {sum(used)}, capacity: 4000")
