"""What the Score plugins share: the score range, plugin arguments, Go arithmetic and DefaultNormalizeScore.

Sources (kubernetes/kubernetes):
- ``staging/src/k8s.io/kube-scheduler/framework/interface.go``: MaxNodeScore, MinNodeScore;
- ``pkg/scheduler/framework/plugins/helper/normalize_score.go``: DefaultNormalizeScore;
- ``pkg/scheduler/apis/config/types_pluginargs.go``: MaxCustomPriorityScore.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import attrs

from model.objects import Namespace, Node, Pod

MAX_NODE_SCORE = 100
"""framework.MaxNodeScore: the highest score a plugin may give a node after NormalizeScore."""
MIN_NODE_SCORE = 0
"""framework.MinNodeScore."""
MAX_CUSTOM_PRIORITY_SCORE = 10
"""config.MaxCustomPriorityScore: the top of the 0-10 scale of RequestedToCapacityRatio shape scores."""


class SnapshotLike(Protocol):
    """What the scorers read of ``model.scheduler.snapshot.Snapshot``.

    The scorers also read, when the snapshot has them, ``services``, ``replication_controllers``,
    ``replica_sets`` and ``stateful_sets`` (PodTopologySpread's default selector); see
    :func:`listed`.
    """

    nodes: tuple[Node, ...]
    pods: tuple[Pod, ...]
    namespaces: Any

    def pods_on(self, node_name: str) -> tuple[Pod, ...]: ...

    def node(self, name: str) -> Node: ...


class ProfileLike(Protocol):
    """What the scorers read of a scheduler profile: ``args``, plugin name -> that plugin's ``args`` object
    as written in a KubeSchedulerConfiguration's ``pluginConfig`` (camelCase keys)."""

    args: Mapping[str, Mapping[str, Any]]


def plugin_args(profile: ProfileLike | None, name: str) -> Mapping[str, Any]:
    """The ``args`` the profile gives plugin ``name`` (``profile.args.get(name)``), or ``{}``.

    Each plugin fills in the v1 defaults itself (``pkg/scheduler/apis/config/v1/defaults.go``), so ``{}``
    means "the defaults", as an absent ``pluginConfig`` entry does upstream.
    """
    if profile is None:
        return {}
    return profile.args.get(name) or {}


def listed(snapshot: SnapshotLike, collection: str) -> tuple[Any, ...]:
    """The objects of an optional snapshot collection (``services``, ``replica_sets``, ...); none when the
    snapshot does not carry it. A mapping's values are its objects."""
    objects = getattr(snapshot, collection, ())
    return tuple(objects.values() if isinstance(objects, Mapping) else objects)


def namespace_labels(snapshot: SnapshotLike, name: str | None) -> Mapping[str, str]:
    """The labels of namespace ``name`` (GetNamespaceLabelsSnapshot); empty when the snapshot lacks it."""
    found: Iterable[Namespace] = (ns for ns in listed(snapshot, "namespaces") if ns.name == name)
    return next((ns.labels for ns in found), {})


def go_quotient(numerator: int, denominator: int) -> int:
    """Go's integer division ``a / b``: the quotient truncated toward zero (Python's ``//`` floors)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator < 0) == (denominator < 0) else -quotient


def go_round(value: float) -> int:
    """math.Round: the nearest integer, halves rounded away from zero (Python's round() goes to even)."""
    magnitude = abs(value)
    whole = math.floor(magnitude)
    rounded = whole + 1 if magnitude - whole >= 0.5 else whole
    return int(rounded) if value >= 0 else -int(rounded)


def default_normalize_score(raw: Mapping[str, int], reverse: bool,
                            max_priority: int = MAX_NODE_SCORE) -> dict[str, int]:
    """DefaultNormalizeScore: scale scores from [0, max] to [0, max_priority], reversed if asked.

    When every score is 0 nothing is scaled: the scores stay 0, or all become ``max_priority`` when
    ``reverse``. Scores are assumed non-negative, as upstream assumes.
    """
    highest = max(raw.values(), default=0)
    if highest == 0:
        return {name: max_priority if reverse else score for name, score in raw.items()}
    scaled = {name: go_quotient(max_priority * score, highest) for name, score in raw.items()}
    return {name: max_priority - score for name, score in scaled.items()} if reverse else scaled


@attrs.frozen
class ScorePlugin:
    """Defaults of the :class:`model.scheduler.scoring.Scorer` protocol: no PreScore state, and NormalizeScore
    the identity (plugins without ScoreExtensions)."""

    def pre_score(self, pod: Pod, nodes: Iterable[Node], snapshot: SnapshotLike, profile: ProfileLike | None) -> Any:
        return None

    def normalize(self, raw: Mapping[str, int], pod: Pod, snapshot: SnapshotLike, profile: ProfileLike | None,
                  state: Any = None) -> dict[str, int]:
        return dict(raw)
