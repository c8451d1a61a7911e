"""NodeResourcesBalancedAllocation's Score: nodes whose resources would be used in equal shares score higher.

Source: ``pkg/scheduler/framework/plugins/noderesources/balanced_allocation.go`` (PreScore, which skips
best-effort pods (kubernetes/kubernetes#129138), Score, balancedResourceScorer; no NormalizeScore) and
``pkg/scheduler/apis/config/v1/defaults.go`` (SetDefaults_NodeResourcesBalancedAllocationArgs: cpu, memory).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import attrs

from model.objects import Node, Pod
from model.scheduler.scoring.helper import MAX_NODE_SCORE, ProfileLike, ScorePlugin, SnapshotLike, plugin_args
from model.scheduler.scoring.resource_allocation import (
    ResourceSpec,
    allocation_score,
    is_best_effort,
    resource_specs,
)

NAME = "NodeResourcesBalancedAllocation"


def balanced_resource_score(requested: Sequence[int], allocatable: Sequence[int],
                            resources: Sequence[ResourceSpec] = ()) -> int:
    """balancedResourceScorer: ⌊(1 - std) · 100⌋ over each resource's requested share of allocatable,
    capped at 1 (resources with no allocatable are left out; weights are ignored).

    With two shares the standard deviation is |a - b| / 2; with more, the population standard deviation;
    with fewer, 0. The float operations follow upstream's order, so results match Go's float64.
    """
    fractions: list[float] = []
    total = 0.0
    for req, alloc in zip(requested, allocatable, strict=True):
        if alloc == 0:
            continue
        fraction = min(float(req) / float(alloc), 1.0)
        total += fraction
        fractions.append(fraction)
    std = 0.0
    if len(fractions) == 2:
        std = abs((fractions[0] - fractions[1]) / 2)
    elif len(fractions) > 2:
        mean = total / len(fractions)
        squares = 0.0
        for fraction in fractions:
            squares = squares + (fraction - mean) * (fraction - mean)
        std = math.sqrt(squares / len(fractions))
    return int((1 - std) * float(MAX_NODE_SCORE))


@attrs.frozen
class NodeResourcesBalancedAllocation(ScorePlugin):
    """Raw score 0-100 from the node's actual requests plus the pod's (not the non-zero ones).

    A pod requesting none of the scored resources is skipped upstream (PreScore returns Skip, or Score
    returns 0 without PreScore); here it scores 0 on every node, which adds the same nothing.
    """

    name: ClassVar[str] = NAME

    def score(self, pod: Pod, node: Node, snapshot: SnapshotLike, profile: ProfileLike | None,
              state: Any = None) -> int:
        resources = resource_specs(plugin_args(profile, NAME).get("resources"))
        if is_best_effort(pod, resources, use_requested=True):
            return 0
        return allocation_score(pod, node, snapshot.pods_on(node.name), resources, True, balanced_resource_score)
