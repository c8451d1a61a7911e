"""The resource arithmetic NodeResourcesFit and NodeResourcesBalancedAllocation score with.

Source: ``pkg/scheduler/framework/plugins/noderesources/resource_allocation.go`` (resourceAllocationScorer:
score, calculateResourceAllocatableRequest, calculatePodResourceRequest, isBestEffortPod) and
``pkg/scheduler/apis/config/v1/defaults.go`` (the default resources cpu:1, memory:1; a weight of 0 means 1).

``use_requested`` picks which requests count: NodeResourcesFit uses the *non-zero* requests for cpu and
memory (a container without a request counts as 100m / 200Mi, so empty pods still spread), while
BalancedAllocation uses the actual requests. Ephemeral storage and scalar resources always use the actual
requests. Not modelled: DRA-backed extended resources, pod-level resources, in-place resize.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from model.objects import Node, Pod
from model.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    is_scalar_resource_name,
    node_requested,
    non_zero_requests,
    pod_requests,
    resource_amount,
    scheduler_resources,
)

DEFAULT_RESOURCES: tuple[tuple[str, int], ...] = ((CPU, 1), (MEMORY, 1))
"""defaultResourceSpec: the resources scored when the arguments name none."""


@attrs.frozen
class ResourceSpec:
    """config.ResourceSpec: a resource to score and its weight."""

    name: str
    weight: int


def resource_specs(specs: Sequence[Mapping[str, Any]] | None) -> tuple[ResourceSpec, ...]:
    """The ``resources`` argument with v1 defaulting: none listed means cpu:1, memory:1; weight 0 means 1."""
    if not specs:
        return tuple(ResourceSpec(name, weight) for name, weight in DEFAULT_RESOURCES)
    return tuple(ResourceSpec(spec["name"], spec.get("weight") or 1) for spec in specs)


def pod_resource_request(pod: Pod, resource: str, use_requested: bool) -> int:
    """calculatePodResourceRequest: the pod's request of ``resource`` (milli for cpu), non-zero for
    cpu and memory unless ``use_requested``."""
    if not use_requested and resource in (CPU, MEMORY):
        return non_zero_requests(pod)[resource]
    quantity = pod_requests(pod).get(resource)
    return 0 if quantity is None else resource_amount(resource, quantity)


def allocatable_and_requested(node: Node, pods_on_node: Sequence[Pod], resource: str, pod_request: int,
                              use_requested: bool) -> tuple[int, int]:
    """calculateResourceAllocatableRequest: (allocatable, node's requests + the pod's) for ``resource``.

    (0, 0), which scoring skips, for a scalar resource the pod does not request and for a resource the
    scheduler does not track or the node does not list.
    """
    if pod_request == 0 and is_scalar_resource_name(resource):
        return 0, 0
    allocatable = scheduler_resources(node.allocatable)
    if resource in (CPU, MEMORY):
        if use_requested:
            requested = node_requested(pods_on_node).get(resource, 0)
        else:
            requested = sum(non_zero_requests(pod)[resource] for pod in pods_on_node)
        return allocatable.get(resource, 0), requested + pod_request
    if resource == EPHEMERAL_STORAGE or resource in allocatable:
        return allocatable.get(resource, 0), node_requested(pods_on_node).get(resource, 0) + pod_request
    return 0, 0


def allocation_score(pod: Pod, node: Node, pods_on_node: Sequence[Pod], resources: Sequence[ResourceSpec],
                     use_requested: bool,
                     scorer: Callable[[Sequence[int], Sequence[int], Sequence[ResourceSpec]], int]) -> int:
    """resourceAllocationScorer.score: ``scorer(requested, allocatable, resources)``, with both lists 0 for
    the resources whose allocatable is 0 (every scorer skips those)."""
    requested: list[int] = []
    allocatable: list[int] = []
    for spec in resources:
        alloc, req = allocatable_and_requested(
            node, pods_on_node, spec.name, pod_resource_request(pod, spec.name, use_requested), use_requested)
        allocatable.append(alloc)
        requested.append(req if alloc else 0)
    return scorer(requested, allocatable, resources)


def is_best_effort(pod: Pod, resources: Sequence[ResourceSpec], use_requested: bool) -> bool:
    """isBestEffortPod: the pod requests none of the scored resources."""
    return all(pod_resource_request(pod, spec.name, use_requested) == 0 for spec in resources)
