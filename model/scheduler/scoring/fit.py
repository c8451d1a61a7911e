"""NodeResourcesFit's Score: LeastAllocated, MostAllocated or RequestedToCapacityRatio.

Sources (kubernetes/kubernetes, ``pkg/scheduler/framework/plugins/``):
- ``noderesources/fit.go``: nodeResourceStrategyTypeMap, PreScore, Score (no NormalizeScore);
- ``noderesources/least_allocated.go``: leastResourceScorer, leastRequestedScore;
- ``noderesources/most_allocated.go``: mostResourceScorer, mostRequestedScore;
- ``noderesources/requested_to_capacity_ratio.go``: buildRequestedToCapacityRatioScorerFunction,
  requestedToCapacityRatioScorer (shape scores 0-10 scaled to 0-100);
- ``helper/shape_score.go``: BuildBrokenLinearFunction;
- ``pkg/scheduler/apis/config/v1/defaults.go``: SetDefaults_NodeResourcesFitArgs (LeastAllocated, cpu:1 memory:1).
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/

Every division is Go's truncating integer division, except RequestedToCapacityRatio's final average,
which upstream rounds (math.Round) and which counts only the resources scoring above 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import attrs

from model.objects import Node, Pod
from model.scheduler.scoring.helper import (
    MAX_CUSTOM_PRIORITY_SCORE,
    MAX_NODE_SCORE,
    ProfileLike,
    ScorePlugin,
    SnapshotLike,
    go_quotient,
    plugin_args,
)
from model.scheduler.scoring.resource_allocation import ResourceSpec, allocation_score, resource_specs

NAME = "NodeResourcesFit"
LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"
MAX_UTILIZATION = 100
"""maxUtilization: a resource's utilization is scored on 0-100."""

Shape = tuple[tuple[int, int], ...]
"""FunctionShape: (utilization, score) points, utilization ascending."""


def least_requested_score(requested: int, capacity: int) -> int:
    """leastRequestedScore: the unused share of capacity on 0-100; 0 when over capacity."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    """mostRequestedScore: the used share of capacity on 0-100, requests above capacity counting as full."""
    if capacity == 0:
        return 0
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


def _weighted_average(resource_score: Callable[[int, int], int]) -> Callable[..., int]:
    """leastResourceScorer / mostResourceScorer: Σ score·weight / Σ weight over resources with capacity."""

    def score(requested: Sequence[int], allocatable: Sequence[int], resources: Sequence[ResourceSpec]) -> int:
        total = weights = 0
        for req, alloc, spec in zip(requested, allocatable, resources, strict=True):
            if alloc == 0:
                continue
            total += resource_score(req, alloc) * spec.weight
            weights += spec.weight
        return total // weights if weights else 0

    return score


def broken_linear_function(shape: Shape) -> Callable[[int], int]:
    """BuildBrokenLinearFunction: shape[0]'s score below the first point, the last point's score above the
    last, and linear (Go integer arithmetic) in between."""

    def value(p: int) -> int:
        for i, (utilization, score) in enumerate(shape):
            if p <= utilization:
                if i == 0:
                    return score
                prev_utilization, prev_score = shape[i - 1]
                return prev_score + go_quotient((score - prev_score) * (p - prev_utilization),
                                                utilization - prev_utilization)
        return shape[-1][1]

    return value


def _requested_to_capacity_ratio(shape: Shape) -> Callable[..., int]:
    """buildRequestedToCapacityRatioScorerFunction: the shape at each resource's utilization, averaged over
    the resources scoring above 0 by weight, rounded half away from zero."""
    raw = broken_linear_function(shape)

    def resource_score(requested: int, capacity: int) -> int:
        if capacity == 0 or requested > capacity:
            return raw(MAX_UTILIZATION)
        return raw(requested * MAX_UTILIZATION // capacity)

    def score(requested: Sequence[int], allocatable: Sequence[int], resources: Sequence[ResourceSpec]) -> int:
        total = weights = 0
        for req, alloc, spec in zip(requested, allocatable, resources, strict=True):
            if alloc == 0:
                continue
            value = resource_score(req, alloc)
            if value > 0:
                total += value * spec.weight
                weights += spec.weight
        return (2 * total + weights) // (2 * weights) if weights else 0

    return score


@attrs.frozen
class FitScoring:
    """NodeResourcesFitArgs.scoringStrategy, defaulted: the strategy, its resources, and for
    RequestedToCapacityRatio the shape with scores scaled to 0-100."""

    strategy: str
    resources: tuple[ResourceSpec, ...]
    shape: Shape = ()

    def scorer(self) -> Callable[..., int]:
        if self.strategy == LEAST_ALLOCATED:
            return _weighted_average(least_requested_score)
        if self.strategy == MOST_ALLOCATED:
            return _weighted_average(most_requested_score)
        return _requested_to_capacity_ratio(self.shape)


def fit_scoring(profile: ProfileLike | None) -> FitScoring:
    """The profile's scoring strategy for NodeResourcesFit, LeastAllocated (cpu:1, memory:1) by default.

    Raises ValueError for an unknown strategy or a RequestedToCapacityRatio strategy without a shape
    (upstream's config validation rejects both).
    """
    strategy = plugin_args(profile, NAME).get("scoringStrategy") or {"type": LEAST_ALLOCATED}
    kind = strategy.get("type")
    if kind not in (LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO):
        raise ValueError(f"NodeResourcesFit: scoring strategy {kind} is not supported")
    shape: Shape = ()
    if kind == REQUESTED_TO_CAPACITY_RATIO:
        points = (strategy.get("requestedToCapacityRatio") or {}).get("shape") or ()
        if not points:
            raise ValueError("NodeResourcesFit: scoringStrategy.requestedToCapacityRatio.shape: Required value")
        scale = MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE
        shape = tuple((point.get("utilization", 0), point.get("score", 0) * scale) for point in points)
    return FitScoring(kind, resource_specs(strategy.get("resources")), shape)


@attrs.frozen
class NodeResourcesFit(ScorePlugin):
    """Raw score 0-100 from the node's requests (non-zero for cpu and memory) plus the pod's, against its
    allocatable; no NormalizeScore. PreScore only caches the pod's requests, so it has no state here."""

    name: ClassVar[str] = NAME

    def score(self, pod: Pod, node: Node, snapshot: SnapshotLike, profile: ProfileLike | None,
              state: Any = None) -> int:
        scoring = fit_scoring(profile)
        return allocation_score(pod, node, snapshot.pods_on(node.name), scoring.resources, False, scoring.scorer())
