"""Tests for model.scheduler.scoring.resource_allocation (what NodeResourcesFit and BalancedAllocation count).

Behaviour from kubernetes/kubernetes ``pkg/scheduler/framework/plugins/noderesources/resource_allocation.go``
(calculateResourceAllocatableRequest, calculatePodResourceRequest, isBestEffortPod) and
``pkg/scheduler/apis/config/v1/defaults.go`` (default resources and weights).
"""

from __future__ import annotations

from model.scheduler.scoring.resource_allocation import (
    ResourceSpec,
    allocatable_and_requested,
    is_best_effort,
    pod_resource_request,
    resource_specs,
)
from tests.model.scheduler.test_scoring_common import make_node, make_pod

NODE = make_node("n", allocatable={"cpu": "4", "memory": "8Gi", "ephemeral-storage": "10Gi", "example.com/gpu": "2",
                                   "pods": "110"})
EXISTING = (make_pod("e1", node="n", requests=[None]),
            make_pod("e2", node="n", requests=[{"cpu": "1", "ephemeral-storage": "1Gi", "example.com/gpu": "1"}]))


def test_fit_counts_non_zero_requests_for_cpu_and_memory() -> None:
    pod = make_pod(requests=[None])
    assert pod_resource_request(pod, "cpu", use_requested=False) == 100
    assert pod_resource_request(pod, "memory", use_requested=False) == 200 * 2**20
    assert allocatable_and_requested(NODE, EXISTING, "cpu", 100, False) == (4000, 100 + 1000 + 100)
    assert allocatable_and_requested(NODE, EXISTING, "memory", 0, False) == (8 * 2**30, 2 * 200 * 2**20)


def test_balanced_allocation_counts_actual_requests() -> None:
    pod = make_pod(requests=[None])
    assert pod_resource_request(pod, "cpu", use_requested=True) == 0
    assert allocatable_and_requested(NODE, EXISTING, "cpu", 0, True) == (4000, 1000)
    assert allocatable_and_requested(NODE, EXISTING, "memory", 0, True) == (8 * 2**30, 0)


def test_ephemeral_storage_and_scalars_always_count_actual_requests() -> None:
    assert allocatable_and_requested(NODE, EXISTING, "ephemeral-storage", 5, False) == (10 * 2**30, 2**30 + 5)
    assert allocatable_and_requested(NODE, EXISTING, "example.com/gpu", 1, False) == (2, 2)


def test_unrequested_scalars_and_unknown_resources_are_skipped() -> None:
    assert allocatable_and_requested(NODE, EXISTING, "example.com/gpu", 0, False) == (0, 0)
    assert allocatable_and_requested(NODE, EXISTING, "example.com/fpga", 1, False) == (0, 0)
    assert allocatable_and_requested(NODE, EXISTING, "pods", 1, False) == (0, 0)


def test_best_effort_means_no_request_of_a_scored_resource() -> None:
    specs = resource_specs(None)
    assert is_best_effort(make_pod(requests=[None]), specs, use_requested=True)
    assert not is_best_effort(make_pod(requests=[None]), specs, use_requested=False)
    assert not is_best_effort(make_pod(requests=[{"memory": "1"}]), specs, use_requested=True)


def test_resource_specs_defaults() -> None:
    assert resource_specs(None) == (ResourceSpec("cpu", 1), ResourceSpec("memory", 1))
    assert resource_specs([{"name": "example.com/gpu", "weight": 0}, {"name": "cpu", "weight": 3}]) == \
        (ResourceSpec("example.com/gpu", 1), ResourceSpec("cpu", 3))
