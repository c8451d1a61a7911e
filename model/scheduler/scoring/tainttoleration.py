"""TaintToleration's Score: fewer untolerated PreferNoSchedule taints is better.

Source: ``pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go`` (getAllTolerationPreferNoSchedule,
countIntolerableTaintsPreferNoSchedule, Score, NormalizeScore).
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from model.objects import Node, Pod
from model.scheduler.scoring.helper import ProfileLike, ScorePlugin, SnapshotLike, default_normalize_score
from model.taints import PREFER_NO_SCHEDULE, tolerated


def intolerable_prefer_no_schedule_taints(pod: Pod, node: Node) -> int:
    """countIntolerableTaintsPreferNoSchedule: the node's PreferNoSchedule taints that none of the pod's
    tolerations with an empty or PreferNoSchedule effect tolerates."""
    tolerations = tuple(t for t in pod.spec.tolerations if t.effect in ("", PREFER_NO_SCHEDULE))
    return sum(1 for taint in node.taints if taint.effect == PREFER_NO_SCHEDULE and not tolerated(taint, tolerations))


@attrs.frozen
class TaintToleration(ScorePlugin):
    """Raw score: the number of intolerable PreferNoSchedule taints; NormalizeScore reverses it, so a node
    with none scores 100 (every node scores 100 when no node has any)."""

    name: ClassVar[str] = "TaintToleration"

    def score(self, pod: Pod, node: Node, snapshot: SnapshotLike, profile: ProfileLike | None,
              state: Any = None) -> int:
        return intolerable_prefer_no_schedule_taints(pod, node)

    def normalize(self, raw: Mapping[str, int], pod: Pod, snapshot: SnapshotLike, profile: ProfileLike | None,
                  state: Any = None) -> dict[str, int]:
        return default_normalize_score(raw, reverse=True)
