"""kube-scheduler's Score plugins as pure functions, keyed by their upstream names in :data:`SCORERS`.

Source: ``pkg/scheduler/framework/runtime/framework.go`` (RunPreScorePlugins, RunScorePlugins) for how the
framework drives a Score plugin; each plugin module cites its own sources.

How to score a pod (what RunPreScorePlugins and RunScorePlugins do, per plugin ``s = SCORERS[name]``)::

    state = s.pre_score(pod, feasible_nodes, snapshot, profile)
    raw = {n.name: s.score(pod, n, snapshot, profile, state) for n in feasible_nodes}
    normalized = s.normalize(raw, pod, snapshot, profile, state)   # every value in 0..100
    total[n] += weight(name) * normalized[n]

``state`` is optional: ``score(pod, node, snapshot, profile)`` and ``normalize(raw, pod, snapshot, profile)``
compute what they need themselves. Only PodTopologySpread's ``score`` then differs from upstream (it treats
every snapshot node as feasible), so pass the state whenever the feasible nodes are known.

A plugin that upstream skips for a pod (PreScore returns Skip: no preferred node affinity, no spread
constraints, no inter-pod affinity match, a best-effort pod for BalancedAllocation) scores 0 on every
node, before and after ``normalize``, which adds to the totals exactly what a skipped plugin adds.
Scoring raises :class:`model.affinity.NodeAffinityError` where upstream's PreScore or Score returns an
error (preferred node affinity terms that do not parse; the pod's scheduling attempt then fails), and
ValueError or :class:`model.errors.ManifestError` for plugin arguments upstream's validation rejects.

``profile`` may be None (every plugin with its default arguments); otherwise scorers read only
``profile.args[plugin name]``, the plugin's ``args`` as in a KubeSchedulerConfiguration (see
:func:`plugin_args`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from model.objects import Node, Pod
from model.scheduler.scoring.balanced_allocation import NodeResourcesBalancedAllocation
from model.scheduler.scoring.fit import NodeResourcesFit
from model.scheduler.scoring.helper import (
    MAX_NODE_SCORE,
    MIN_NODE_SCORE,
    ProfileLike,
    SnapshotLike,
    default_normalize_score,
    plugin_args,
)
from model.scheduler.scoring.imagelocality import ImageLocality
from model.scheduler.scoring.interpodaffinity import InterPodAffinity
from model.scheduler.scoring.nodeaffinity import NodeAffinity
from model.scheduler.scoring.podtopologyspread import PodTopologySpread
from model.scheduler.scoring.tainttoleration import TaintToleration


class Scorer(Protocol):
    """A Score plugin: PreScore over the feasible nodes, Score for one node, NormalizeScore over all.

    ``score`` returns the raw score; ``normalize`` maps raw scores (node name -> score, the feasible nodes)
    into ``MIN_NODE_SCORE..MAX_NODE_SCORE`` (the identity for plugins without NormalizeScore, whose raw
    scores already are in range).
    """

    name: str

    def pre_score(self, pod: Pod, nodes: Iterable[Node], snapshot: SnapshotLike, profile: ProfileLike | None) -> Any:
        ...

    def score(self, pod: Pod, node: Node, snapshot: SnapshotLike, profile: ProfileLike | None,
              state: Any = None) -> int:
        ...

    def normalize(self, raw: Mapping[str, int], pod: Pod, snapshot: SnapshotLike, profile: ProfileLike | None,
                  state: Any = None) -> dict[str, int]:
        ...


SCORERS: Mapping[str, Scorer] = {
    scorer.name: scorer
    for scorer in (
        TaintToleration(), NodeAffinity(), PodTopologySpread(), InterPodAffinity(), NodeResourcesFit(),
        NodeResourcesBalancedAllocation(), ImageLocality(),
    )
}
"""The default profile's Score plugins (``pkg/scheduler/apis/config/v1/default_plugins.go``), by name."""

__all__ = [
    "MAX_NODE_SCORE", "MIN_NODE_SCORE", "SCORERS", "ImageLocality", "InterPodAffinity", "NodeAffinity",
    "NodeResourcesBalancedAllocation", "NodeResourcesFit", "PodTopologySpread", "ProfileLike", "Scorer",
    "SnapshotLike", "TaintToleration", "default_normalize_score", "plugin_args",
]
