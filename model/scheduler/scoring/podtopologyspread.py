"""PodTopologySpread's Score: prefer the topology domains holding the fewest matching pods.

Sources (kubernetes/kubernetes, ``pkg/scheduler/framework/plugins/``):
- ``podtopologyspread/scoring.go``: initPreScoreState, PreScore, Score, NormalizeScore,
  topologyNormalizingWeight, scoreForCount;
- ``podtopologyspread/common.go``: filterTopologySpreadConstraints (matchLabelKeys, node inclusion policy
  defaults Honor/Ignore), buildDefaultConstraints, nodeLabelsMatchSpreadConstraints,
  matchNodeInclusionPolicies, countPodsMatchSelector (skips terminating pods and other namespaces);
- ``podtopologyspread/plugin.go``: systemDefaultConstraints (hostname maxSkew 3, zone maxSkew 5, both
  ScheduleAnyway) used when ``defaultingType`` is System, the v1 default;
- ``helper/spread.go``: DefaultSelector, GetPodServices.
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/

Only ``whenUnsatisfiable: ScheduleAnyway`` constraints score. A pod with none of its own gets the
profile's default constraints, whose selector is built from the Services, ReplicationController,
ReplicaSet or StatefulSet selecting the pod; the snapshot's ``services``, ``replication_controllers``,
``replica_sets`` and ``stateful_sets`` supply them, and without them there are no default constraints.
The feature gates NodeInclusionPolicyInPodTopologySpread and MatchLabelKeysInPodTopologySpread are on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import attrs

from model.affinity import pod_matches_node
from model.frozendict import FrozenDict
from model.labels import Selector, selector_from_set
from model.objects import Node, Pod
from model.objects.meta import selector_of
from model.objects.pod import TopologySpreadConstraint
from model.scheduler.scoring.helper import (
    MAX_NODE_SCORE,
    ProfileLike,
    ScorePlugin,
    SnapshotLike,
    go_quotient,
    go_round,
    listed,
    plugin_args,
)
from model.taints import first_untolerated

NAME = "PodTopologySpread"
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"
SCHEDULE_ANYWAY = "ScheduleAnyway"
HONOR = "Honor"
SYSTEM_DEFAULTING = "System"
LIST_DEFAULTING = "List"

SYSTEM_DEFAULT_CONSTRAINTS = (
    TopologySpreadConstraint(max_skew=3, topology_key=LABEL_HOSTNAME, when_unsatisfiable=SCHEDULE_ANYWAY),
    TopologySpreadConstraint(max_skew=5, topology_key=LABEL_TOPOLOGY_ZONE, when_unsatisfiable=SCHEDULE_ANYWAY),
)
"""systemDefaultConstraints."""


@attrs.frozen
class Constraint:
    """topologySpreadConstraint: a constraint with its selector parsed and its policies defaulted."""

    max_skew: int
    topology_key: str
    selector: Selector
    node_affinity_policy: str = HONOR
    node_taints_policy: str = "Ignore"

    def includes(self, pod: Pod, node: Node) -> bool:
        """matchNodeInclusionPolicies: Honor nodeAffinity admits only nodes the pod's nodeSelector and
        required node affinity match; Honor nodeTaints only nodes whose NoSchedule/NoExecute taints the
        pod tolerates."""
        if self.node_affinity_policy == HONOR and not pod_matches_node(pod, node):
            return False
        return self.node_taints_policy != HONOR or first_untolerated(node.taints, pod.spec.tolerations) is None


def _with_match_label_keys(selector: Selector, keys: Sequence[str], pod_labels: Mapping[str, str]) -> Selector:
    """mergeLabelSetWithSelector: AND ``key=value`` for each matchLabelKeys key the pod has (Nothing stays)."""
    match_labels = {key: pod_labels[key] for key in keys if key in pod_labels}
    if not match_labels or selector.matches_nothing:
        return selector
    return selector_from_set(match_labels).add(*selector.requirements)


def filter_constraints(constraints: Iterable[TopologySpreadConstraint], pod_labels: Mapping[str, str],
                       action: str = SCHEDULE_ANYWAY) -> tuple[Constraint, ...]:
    """filterTopologySpreadConstraints: the constraints with ``whenUnsatisfiable == action``, parsed."""
    return tuple(
        Constraint(c.max_skew, c.topology_key,
                   _with_match_label_keys(selector_of(c.label_selector), c.match_label_keys, pod_labels),
                   c.node_affinity_policy or HONOR, c.node_taints_policy or "Ignore")
        for c in constraints if c.when_unsatisfiable == action)


def _owned(objects: Iterable[Any], namespace: str | None, name: str) -> Any:
    return next((o for o in objects if o.namespace == namespace and o.name == name), None)


def default_selector(pod: Pod, snapshot: SnapshotLike) -> Selector:
    """DefaultSelector: the selectors of the pod's Services merged, ANDed with its controller's selector.

    A Service counts when its selector matches the pod (an empty selector is taken as absent, which
    selects nothing; the model cannot tell ``selector: {}`` from no selector). The controller is the
    pod's controller ownerReference when it is a v1 ReplicationController (its selector map is merged),
    or an apps/v1 ReplicaSet or StatefulSet (its selector's requirements are added).
    """
    label_set: dict[str, str] = {}
    for service in listed(snapshot, "services"):
        if service.namespace == pod.namespace and service.spec.selector \
                and selector_from_set(service.spec.selector).matches(pod.labels):
            label_set.update(service.spec.selector)
    selector = selector_from_set(label_set)
    owner = pod.metadata.controller_ref()
    if owner is None:
        return selector
    if (owner.api_version, owner.kind) == ("v1", "ReplicationController"):
        rc = _owned(listed(snapshot, "replication_controllers"), pod.namespace, owner.name)
        return selector if rc is None else selector_from_set({**label_set, **rc.spec.selector})
    collection = {("apps/v1", "ReplicaSet"): "replica_sets", ("apps/v1", "StatefulSet"): "stateful_sets"}
    kind = collection.get((owner.api_version, owner.kind))
    controller = None if kind is None else _owned(listed(snapshot, kind), pod.namespace, owner.name)
    if controller is None:
        return selector
    other = selector_of(controller.spec.selector)
    return selector if other.matches_nothing else selector.add(*other.requirements)


@attrs.frozen
class SpreadArgs:
    """PodTopologySpreadArgs, defaulted: System defaulting unless ``defaultingType: List``."""

    system_defaulted: bool
    default_constraints: tuple[TopologySpreadConstraint, ...]


def spread_args(profile: ProfileLike | None) -> SpreadArgs:
    args = plugin_args(profile, NAME)
    if (args.get("defaultingType") or SYSTEM_DEFAULTING) == SYSTEM_DEFAULTING:
        return SpreadArgs(True, SYSTEM_DEFAULT_CONSTRAINTS)
    return SpreadArgs(False, tuple(TopologySpreadConstraint.from_dict(c, f"defaultConstraints[{i}]")
                                   for i, c in enumerate(args.get("defaultConstraints") or ())))


def pod_constraints(pod: Pod, snapshot: SnapshotLike, args: SpreadArgs) -> tuple[Constraint, ...]:
    """The pod's ScheduleAnyway constraints, or else the default ones (buildDefaultConstraints), which
    apply only when the default selector is not empty."""
    if pod.spec.topology_spread_constraints:
        return filter_constraints(pod.spec.topology_spread_constraints, pod.labels)
    constraints = filter_constraints(args.default_constraints, pod.labels)
    if not constraints:
        return ()
    selector = default_selector(pod, snapshot)
    return () if selector.empty() else tuple(attrs.evolve(c, selector=selector) for c in constraints)


def count_pods_match_selector(pods: Iterable[Pod], selector: Selector, namespace: str | None) -> int:
    """countPodsMatchSelector: pods of ``namespace``, not terminating, that ``selector`` matches (none
    when the selector is empty)."""
    if selector.empty():
        return 0
    return sum(1 for p in pods
               if p.metadata.deletion_timestamp is None and p.namespace == namespace and selector.matches(p.labels))


def _has_all_keys(node: Node, constraints: Iterable[Constraint]) -> bool:
    """nodeLabelsMatchSpreadConstraints."""
    return all(c.topology_key in node.labels for c in constraints)


@attrs.frozen
class SpreadState:
    """preScoreState: the constraints (none: the plugin is skipped), the feasible nodes left unscored for
    lacking a topology key, the matching-pod count of each domain per constraint (hostname constraints
    count per node at Score), and each constraint's weight ln(domains + 2)."""

    constraints: tuple[Constraint, ...] = ()
    ignored_nodes: frozenset[str] = frozenset()
    counts: tuple[FrozenDict, ...] = ()
    weights: tuple[float, ...] = ()


def spread_state(pod: Pod, nodes: Sequence[Node], snapshot: SnapshotLike, profile: ProfileLike | None) -> SpreadState:
    """initPreScoreState and PreScore over the feasible ``nodes``; pods are counted on every snapshot node.

    Nodes must carry every topology key unless the constraints are the system defaults (then a node
    without a zone label still spreads by hostname, and nodes without it form the zone "" when counting).
    """
    args = spread_args(profile)
    constraints = pod_constraints(pod, snapshot, args)
    if not constraints or not snapshot.nodes:
        return SpreadState()
    require_all = bool(pod.spec.topology_spread_constraints) or not args.system_defaulted
    ignored = frozenset(n.name for n in nodes if require_all and not _has_all_keys(n, constraints))
    counts: list[dict[str, int]] = [{} for _ in constraints]
    for node in nodes:
        if node.name in ignored:
            continue
        for i, c in enumerate(constraints):
            if c.topology_key != LABEL_HOSTNAME:
                counts[i].setdefault(node.labels.get(c.topology_key, ""), 0)
    weights = tuple(math.log((len(nodes) - len(ignored) if c.topology_key == LABEL_HOSTNAME else len(counts[i])) + 2)
                    for i, c in enumerate(constraints))
    for node in snapshot.nodes:
        if require_all and not _has_all_keys(node, constraints):
            continue
        for i, c in enumerate(constraints):
            value = node.labels.get(c.topology_key, "")
            if value in counts[i] and c.includes(pod, node):
                counts[i][value] += count_pods_match_selector(snapshot.pods_on(node.name), c.selector, pod.namespace)
    return SpreadState(constraints, ignored, tuple(FrozenDict(c) for c in counts), weights)


def score_for_count(count: int, max_skew: int, weight: float) -> float:
    """scoreForCount: count · weight + (maxSkew - 1); maxSkew - 1 makes small skews count less."""
    return float(count) * weight + float(max_skew - 1)


@attrs.frozen
class PodTopologySpread(ScorePlugin):
    """Raw score: Σ over constraints of scoreForCount for the node's domain, rounded; NormalizeScore maps
    the lowest raw score to 100 (100 · (max + min - s) / max), and nodes lacking a required key to 0.

    Call ``pre_score`` with the feasible nodes and pass its state to ``score`` and ``normalize``: domain
    sizes depend on the feasible nodes. Without a state, ``score`` treats every snapshot node as feasible
    and ``normalize`` the nodes it is given. A pod without constraints is skipped upstream; here every
    node then scores 0, before and after normalization.
    """

    name: ClassVar[str] = NAME

    def pre_score(self, pod: Pod, nodes: Iterable[Node], snapshot: SnapshotLike,
                  profile: ProfileLike | None) -> SpreadState:
        return spread_state(pod, tuple(nodes), snapshot, profile)

    def score(self, pod: Pod, node: Node, snapshot: SnapshotLike, profile: ProfileLike | None,
              state: SpreadState | None = None) -> int:
        if state is None:
            state = spread_state(pod, tuple(snapshot.nodes), snapshot, profile)
        if not state.constraints or node.name in state.ignored_nodes:
            return 0
        total = 0.0
        for i, c in enumerate(state.constraints):
            value = node.labels.get(c.topology_key)
            if value is None:
                continue
            if c.topology_key == LABEL_HOSTNAME:
                count = count_pods_match_selector(snapshot.pods_on(node.name), c.selector, pod.namespace)
            else:
                count = state.counts[i][value]
            total += score_for_count(count, c.max_skew, state.weights[i])
        return go_round(total)

    def normalize(self, raw: Mapping[str, int], pod: Pod, snapshot: SnapshotLike, profile: ProfileLike | None,
                  state: SpreadState | None = None) -> dict[str, int]:
        if state is None:
            state = spread_state(pod, tuple(snapshot.node(name) for name in raw), snapshot, profile)
        if not state.constraints:
            return {name: 0 for name in raw}
        scored = [s for name, s in raw.items() if name not in state.ignored_nodes]
        lowest, highest = min(scored, default=0), max([0, *scored])
        return {name: 0 if name in state.ignored_nodes
                else MAX_NODE_SCORE if highest == 0
                else go_quotient(MAX_NODE_SCORE * (highest + lowest - s), highest)
                for name, s in raw.items()}
