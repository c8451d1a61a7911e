"""NodeAffinity's Score: the summed weights of the preferred node affinity terms a node matches.

Source: ``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go`` (New with ``addedAffinity``,
PreScore, Score, NormalizeScore); the term matching is :func:`model.affinity.preferred_node_affinity_score`.
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity-per-scheduling-profile
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from model.affinity import NodeAffinityError, preferred_node_affinity_score
from model.objects import Node, Pod
from model.objects.pod import Affinity
from model.objects.pod import NodeAffinity as NodeAffinitySpec
from model.scheduler.scoring.helper import (
    ProfileLike,
    ScorePlugin,
    SnapshotLike,
    default_normalize_score,
    plugin_args,
)

NAME = "NodeAffinity"


def added_affinity(profile: ProfileLike | None) -> NodeAffinitySpec | None:
    """NodeAffinityArgs.addedAffinity: node affinity the profile adds to every pod (None by default).

    Only its preferred terms score; its required terms are a Filter (scheduler-enforced node affinity).
    """
    added = plugin_args(profile, NAME).get("addedAffinity")
    return None if added is None else NodeAffinitySpec.from_dict(added, "addedAffinity")


def _added_score(terms: NodeAffinitySpec, pod: Pod, node: Node) -> int:
    """addedPrefSchedTerms.Score: the added preferred terms, scored as if they were the pod's own."""
    with_added = attrs.evolve(pod, spec=attrs.evolve(pod.spec, affinity=Affinity(node_affinity=terms)))
    try:
        return preferred_node_affinity_score(with_added, node)
    except NodeAffinityError as e:
        raise NodeAffinityError(f"parsing addedAffinity.preferredDuringSchedulingIgnoredDuringExecution: {e}") from None


@attrs.frozen
class NodeAffinity(ScorePlugin):
    """Raw score: the pod's matching preferred-term weights plus the profile's added ones; NormalizeScore
    scales by the best node (DefaultNormalizeScore, not reversed).

    Preferred terms that do not parse raise :class:`model.affinity.NodeAffinityError`: upstream's PreScore
    then fails the pod's scheduling attempt. A pod with no preferred terms and a profile without added ones
    is skipped upstream (PreScore returns Skip); here every node scores 0, which adds the same nothing.
    """

    name: ClassVar[str] = NAME

    def score(self, pod: Pod, node: Node, snapshot: SnapshotLike, profile: ProfileLike | None,
              state: Any = None) -> int:
        added = added_affinity(profile)
        added_score = 0 if added is None or not added.preferred else _added_score(added, pod, node)
        return added_score + preferred_node_affinity_score(pod, node)

    def normalize(self, raw: Mapping[str, int], pod: Pod, snapshot: SnapshotLike, profile: ProfileLike | None,
                  state: Any = None) -> dict[str, int]:
        return default_normalize_score(raw, reverse=False)
