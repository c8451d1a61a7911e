"""PodTopologySpread's PreFilter and Filter (``whenUnsatisfiable: DoNotSchedule``) and the constraint
building the Score side shares.

Sources (kubernetes/kubernetes, ``pkg/scheduler/framework/plugins/``):
- ``podtopologyspread/filtering.go``: calPreFilterState (counts per domain over nodes that carry every
  constraint's key and pass the node-inclusion policies), preFilterState.minMatchNum (0 while there are
  fewer domains than ``minDomains``), Filter (skew = matching pods in the domain + self match - global
  minimum, compared with ``maxSkew``; a node without the key is unresolvable);
- ``podtopologyspread/common.go``: filterTopologySpreadConstraints (``matchLabelKeys`` merged into the
  selector, ``minDomains`` default 1, nodeAffinityPolicy Honor / nodeTaintsPolicy Ignore by default),
  matchNodeInclusionPolicies, buildDefaultConstraints, countPodsMatchSelector (an empty selector counts
  nothing; terminating pods and other namespaces are skipped);
- ``podtopologyspread/plugin.go``: getConstraints, systemDefaultConstraints;
- ``helper/spread.go``: DefaultSelector, GetPodServices.
The feature gates NodeInclusionPolicyInPodTopologySpread and MatchLabelKeysInPodTopologySpread are on
(their defaults). Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from model.affinity import pod_matches_node
from model.labels import Selector, selector_from_set
from model.objects import Node, Pod
from model.objects.meta import selector_of
from model.objects.pod import TopologySpreadConstraint
from model.scheduler.plugin import SKIP, PreFilterResult
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import Status
from model.taints import first_untolerated

NAME = "PodTopologySpread"
ERR_CONSTRAINTS = "node(s) didn't match pod topology spread constraints"
ERR_MISSING_LABEL = ERR_CONSTRAINTS + " (missing required label)"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
HONOR, IGNORE = "Honor", "Ignore"
MAX_INT32 = 2**31 - 1

SYSTEM_DEFAULT_CONSTRAINTS = (
    TopologySpreadConstraint(max_skew=3, topology_key="kubernetes.io/hostname", when_unsatisfiable=SCHEDULE_ANYWAY),
    TopologySpreadConstraint(max_skew=5, topology_key="topology.kubernetes.io/zone",
                             when_unsatisfiable=SCHEDULE_ANYWAY),
)
"""systemDefaultConstraints: both ScheduleAnyway, so they never filter."""


@attrs.frozen
class SpreadConstraint:
    """topologySpreadConstraint: a constraint with its selector parsed and its defaults applied."""

    max_skew: int
    topology_key: str
    selector: Selector
    min_domains: int = 1
    node_affinity_policy: str = HONOR
    node_taints_policy: str = IGNORE

    def includes(self, pod: Pod, node: Node) -> bool:
        """matchNodeInclusionPolicies: Honor nodeAffinity keeps the nodes the pod's nodeSelector and required
        node affinity admit; Honor nodeTaints keeps the nodes whose NoSchedule/NoExecute taints it tolerates."""
        if self.node_affinity_policy == HONOR and not pod_matches_node(pod, node):
            return False
        return self.node_taints_policy != HONOR or first_untolerated(node.taints, pod.spec.tolerations) is None


def _merge_label_keys(selector: Selector, keys: Sequence[str], pod_labels: Mapping[str, str]) -> Selector:
    """mergeLabelSetWithSelector: ``key=value`` for each matchLabelKeys key the pod has, ANDed with the
    selector (a Nothing selector stays Nothing)."""
    match = {key: pod_labels[key] for key in keys if key in pod_labels}
    if not match or selector.matches_nothing:
        return selector
    return selector_from_set(match).add(*selector.requirements)


def filter_constraints(constraints: Iterable[TopologySpreadConstraint], pod_labels: Mapping[str, str],
                       action: str) -> tuple[SpreadConstraint, ...]:
    """filterTopologySpreadConstraints: the constraints whose ``whenUnsatisfiable`` is ``action``, parsed."""
    return tuple(
        SpreadConstraint(c.max_skew, c.topology_key,
                         _merge_label_keys(selector_of(c.label_selector), c.match_label_keys, pod_labels),
                         c.min_domains if c.min_domains is not None else 1,
                         c.node_affinity_policy or HONOR, c.node_taints_policy or IGNORE)
        for c in constraints if c.when_unsatisfiable == action)


def _controller(objects: Iterable[Any], namespace: str | None, name: str) -> Any:
    return next((o for o in objects if o.namespace == namespace and o.name == name), None)


def default_selector(pod: Pod, snapshot: Snapshot) -> Selector:
    """DefaultSelector: the selectors of the Services selecting the pod merged, then its controller's.

    A Service with an empty selector selects nothing (the model cannot tell ``{}`` from an absent map,
    and GetPodServices skips nil ones). A v1 ReplicationController's selector map is merged in; an
    apps/v1 ReplicaSet's or StatefulSet's selector requirements are added.
    """
    label_set: dict[str, str] = {}
    for service in snapshot.services:
        if service.namespace == pod.namespace and service.spec.selector \
                and selector_from_set(service.spec.selector).matches(pod.labels):
            label_set.update(service.spec.selector)
    selector = selector_from_set(label_set)
    owner = pod.metadata.controller_ref()
    if owner is None:
        return selector
    if (owner.api_version, owner.kind) == ("v1", "ReplicationController"):
        rc = _controller(snapshot.replication_controllers, pod.namespace, owner.name)
        return selector if rc is None else selector_from_set({**label_set, **rc.spec.selector})
    kinds = {("apps/v1", "ReplicaSet"): snapshot.replica_sets, ("apps/v1", "StatefulSet"): snapshot.stateful_sets}
    controller = _controller(kinds.get((owner.api_version, owner.kind), ()), pod.namespace, owner.name)
    if controller is None:
        return selector
    other = selector_of(controller.spec.selector)
    return selector if other.matches_nothing else selector.add(*other.requirements)


def profile_default_constraints(profile: Profile) -> tuple[TopologySpreadConstraint, ...]:
    """The profile's PodTopologySpreadArgs default constraints: the system ones, or its ``List``."""
    args = profile.plugin_args(NAME)
    if args.get("defaultingType", "System") == "System":
        return SYSTEM_DEFAULT_CONSTRAINTS
    return tuple(TopologySpreadConstraint.from_dict(c) for c in args.get("defaultConstraints", ()))


def spread_constraints(pod: Pod, snapshot: Snapshot, profile: Profile, action: str) -> tuple[SpreadConstraint, ...]:
    """getConstraints: the pod's own constraints with ``action``, else the profile's default constraints
    with ``action`` selecting by DefaultSelector (none when that selector is empty)."""
    if pod.spec.topology_spread_constraints:
        return filter_constraints(pod.spec.topology_spread_constraints, pod.labels, action)
    constraints = filter_constraints(profile_default_constraints(profile), pod.labels, action)
    if not constraints:
        return ()
    selector = default_selector(pod, snapshot)
    if selector.empty():
        return ()
    return tuple(attrs.evolve(c, selector=selector) for c in constraints)


def count_matching(pods: Iterable[Pod], selector: Selector, namespace: str | None) -> int:
    """countPodsMatchSelector."""
    if selector.empty():
        return 0
    return sum(1 for p in pods if p.metadata.deletion_timestamp is None and p.namespace == namespace
               and selector.matches(p.labels))


@attrs.frozen
class SpreadState:
    """preFilterState: the constraints, matching pods per domain value, and each constraint's minimum."""

    constraints: tuple[SpreadConstraint, ...]
    counts: tuple[Mapping[str, int], ...]

    def min_match(self, i: int) -> int:
        """minMatchNum: 0 below ``minDomains`` eligible domains; MaxInt32 when there are none at all."""
        if len(self.counts[i]) < self.constraints[i].min_domains:
            return 0
        return min(self.counts[i].values(), default=MAX_INT32)


def pre_filter(pod: Pod, snapshot: Snapshot, profile: Profile) -> PreFilterResult:
    """PreFilter (calPreFilterState): Skip without DoNotSchedule constraints."""
    constraints = spread_constraints(pod, snapshot, profile, DO_NOT_SCHEDULE)
    if not constraints:
        return SKIP
    counts: list[dict[str, int]] = [{} for _ in constraints]
    for node in snapshot.nodes:
        if not all(c.topology_key in node.labels for c in constraints):
            continue
        for i, c in enumerate(constraints):
            if not c.includes(pod, node):
                continue
            value = node.labels[c.topology_key]
            counts[i][value] = counts[i].get(value, 0) + count_matching(snapshot.pods_on(node.name), c.selector,
                                                                        pod.namespace)
    return PreFilterResult(state=SpreadState(constraints, tuple(counts)))


def filter_node(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile, state: SpreadState) -> Status | None:
    """Filter: every constraint's key is on the node and placing the pod keeps the skew within maxSkew."""
    for i, c in enumerate(state.constraints):
        if c.topology_key not in node.labels:
            return Status.unresolvable(ERR_MISSING_LABEL)
        self_match = 1 if c.selector.matches(pod.labels) else 0
        skew = state.counts[i].get(node.labels[c.topology_key], 0) + self_match - state.min_match(i)
        if skew > c.max_skew:
            return Status.unschedulable(ERR_CONSTRAINTS)
    return None
