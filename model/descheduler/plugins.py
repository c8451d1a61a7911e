"""The descheduler's decisions: which pods one descheduling cycle evicts, given the nodes and the pods it lists.

Ported from kubernetes-sigs/descheduler (commit 7d2b28bf2): pkg/descheduler/descheduler.go (``runProfiles``: every
profile's Deschedule plugins, then every profile's Balance plugins), pkg/framework/plugins/defaultevictor
(``Filter``: mirror, static and terminating pods, and with the default protections DaemonSet pods, pods with local
storage, system-critical pods and bare pods are not evicted; the ``descheduler.alpha.kubernetes.io/evict`` annotation
overrides; ``PreEvictionFilter`` with ``nodeFit``), removeduplicates (``Balance``, ``getTargetNodes``),
removepodsviolatingnodetaints, removepodsviolatingnodeaffinity (required and preferred), removepodsviolatinginterpod
antiaffinity, removepodsviolatingtopologyspreadconstraint (``Balance``, ``balanceDomains``, ``sortDomains``),
nodeutilization (LowNodeUtilization / HighNodeUtilization on requested resources with static thresholds) and
pkg/descheduler/node/node.go (``PodFitsAnyNode``, ``PodFitsAnyOtherNode``, ``IsNodeUnschedulable``).

A plan is a list of pods in eviction order; evicting them (through the Eviction API, which a PodDisruptionBudget can
refuse) is the component's job. Within one cycle a plugin sees the pods as they were when the cycle listed them, as
upstream's informer-backed listers do; pods a plugin already chose are not chosen again.

Deliberate simplifications: utilization is the pods' requests (upstream's default ``requested`` usage client; its
metrics-server and Prometheus sources are not modelled); ``useDeviationThresholds``, ``evictableNamespaces`` and
``numberOfNodes`` are honoured (the policy's eviction limits are the component's, :mod:`model.descheduler.component`).
Where upstream iterates a Go map (namespaces, topology domains, the pods chosen) the model takes name order, and
where it sorts without stability, a stable sort over that order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from model.affinity import node_selector_matches, preferred_node_affinity_score
from model.labels import selector_from_dict
from model.objects import Node, Pod
from model.resources import node_requested, pod_requests, resource_amount, scheduler_resources
from model.scheduler import filters
from model.scheduler.interpod import required_terms
from model.scheduler.snapshot import Snapshot
from model.scheduler.spread import SCHEDULE_ANYWAY, SpreadConstraint, filter_constraints
from model.taints import NO_EXECUTE, NO_SCHEDULE, PREFER_NO_SCHEDULE, first_untolerated

EVICT_ANNOTATION = "descheduler.alpha.kubernetes.io/evict"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
SYSTEM_CRITICAL_PRIORITY = 2_000_000_000
"""utils.SystemCriticalPriority: pods at or above it are system-critical."""


@attrs.frozen
class EvictorArgs:
    """DefaultEvictorArgs (legacy fields; their defaults protect DaemonSet, local-storage, system-critical and bare
    pods)."""

    evict_local_storage_pods: bool = False
    evict_daemon_set_pods: bool = False
    evict_system_critical_pods: bool = False
    evict_failed_bare_pods: bool = False
    ignore_pvc_pods: bool = False
    node_fit: bool = False
    priority_threshold: int | None = None


def _owners(pod: Pod) -> tuple[Any, ...]:
    return pod.metadata.owner_references


def evictable(pod: Pod, args: EvictorArgs) -> bool:
    """DefaultEvictor.Filter."""
    if EVICT_ANNOTATION in pod.metadata.annotations:
        return True
    if MIRROR_ANNOTATION in pod.metadata.annotations or pod.metadata.deletion_timestamp is not None:
        return False
    if not args.evict_local_storage_pods and any(v.empty_dir is not None or getattr(v, "host_path", None) is not None
                                                 for v in pod.spec.volumes):
        return False
    if not args.evict_daemon_set_pods and any(o.kind == "DaemonSet" for o in _owners(pod)):
        return False
    priority = pod.spec.priority or 0
    if not args.evict_system_critical_pods:
        if priority >= SYSTEM_CRITICAL_PRIORITY:
            return False
        if args.priority_threshold is not None and priority >= args.priority_threshold:
            return False
    if not _owners(pod) and not (args.evict_failed_bare_pods and pod.status.phase == "Failed"):
        return False
    return not (args.ignore_pvc_pods and any(v.persistent_volume_claim is not None for v in pod.spec.volumes))


def node_unschedulable(node: Node) -> bool:
    """nodeutil.IsNodeUnschedulable."""
    return bool(node.spec.unschedulable)


def pod_fits_node(pod: Pod, node: Node, snapshot: Snapshot) -> bool:
    """nodeutil.NodeFit: the node selector and required affinity, NoSchedule/NoExecute taints, unschedulable, and the
    pod's requests on top of the node's pods (the pod itself not counted twice)."""
    without = Snapshot(snapshot.nodes, tuple(p for p in snapshot.pods if p.metadata.uid != pod.metadata.uid))
    checks = (filters.node_affinity, filters.taint_toleration, filters.node_unschedulable,
              filters.node_resources_fit)
    return all(check(pod, node, without) is None for check in checks)


def pod_fits_any_other_node(pod: Pod, nodes: Sequence[Node], snapshot: Snapshot) -> bool:
    """nodeutil.PodFitsAnyOtherNode."""
    return any(node.name != pod.node_name and pod_fits_node(pod, node, snapshot) for node in nodes)


def pod_fits_any_node(pod: Pod, nodes: Sequence[Node], snapshot: Snapshot) -> bool:
    """nodeutil.PodFitsAnyNode."""
    return any(pod_fits_node(pod, node, snapshot) for node in nodes)


@attrs.frozen
class Cycle:
    """What one descheduling cycle sees: the nodes (in name order), every pod, and the evictor's arguments."""

    nodes: tuple[Node, ...]
    pods: tuple[Pod, ...]
    evictor: EvictorArgs = EvictorArgs()

    @property
    def snapshot(self) -> Snapshot:
        return Snapshot(self.nodes, self.pods)

    def on(self, node: str) -> list[Pod]:
        """podutil.ListPodsOnANode: the node's pods that are not finished."""
        return [p for p in self.pods if p.node_name == node and p.status.phase not in ("Succeeded", "Failed")]

    def can_evict(self, pod: Pod) -> bool:
        """The evictor's Filter and, with nodeFit, PreEvictionFilter (the pod fits some other ready node)."""
        if not evictable(pod, self.evictor):
            return False
        return not self.evictor.node_fit or pod_fits_any_other_node(pod, self.ready_nodes(), self.snapshot)

    def ready_nodes(self) -> list[Node]:
        ready = []
        for node in self.nodes:
            condition = node.status.condition("Ready")
            if condition is not None and condition.status == "True" and not node_unschedulable(node):
                ready.append(node)
        return ready


Plugin = Callable[[Cycle, Mapping[str, Any]], list[Pod]]


def _tolerated(pod: Pod, node: Node, effects: tuple[str, ...], excluded: Iterable[str] = ()) -> bool:
    excluded = tuple(excluded)

    def considered(taint: Any) -> bool:
        if taint.effect not in effects:
            return False
        return not any(e == taint.key or e == f"{taint.key}={taint.value or ''}" for e in excluded)
    return first_untolerated(node.taints, pod.spec.tolerations, considered) is None


def remove_pods_violating_node_taints(cycle: Cycle, args: Mapping[str, Any]) -> list[Pod]:
    """RemovePodsViolatingNodeTaints.Deschedule: pods that do not tolerate their node's NoSchedule taints (and
    PreferNoSchedule ones with ``includePreferNoSchedule``), but those ``excludedTaints`` names."""
    effects = (NO_SCHEDULE, PREFER_NO_SCHEDULE) if args.get("includePreferNoSchedule") else (NO_SCHEDULE,)
    chosen = []
    for node in cycle.nodes:
        for pod in cycle.on(node.name):
            if cycle.can_evict(pod) and not _tolerated(pod, node, effects, args.get("excludedTaints") or ()):
                chosen.append(pod)
    return chosen


def remove_pods_violating_node_affinity(cycle: Cycle, args: Mapping[str, Any]) -> list[Pod]:
    """RemovePodsViolatingNodeAffinity.Deschedule for each ``nodeAffinityType``: a pod whose required node affinity
    its node no longer matches, or with a better preferred-affinity node elsewhere, that fits some node."""
    chosen: list[Pod] = []
    for kind in args.get("nodeAffinityType") or ():
        for node in cycle.nodes:
            for pod in cycle.on(node.name):
                if pod in chosen or not cycle.can_evict(pod):
                    continue
                affinity = pod.spec.affinity.node_affinity if pod.spec.affinity is not None else None
                if affinity is None or not pod_fits_any_node(pod, cycle.nodes, cycle.snapshot):
                    continue
                if kind == "requiredDuringSchedulingIgnoredDuringExecution":
                    required = affinity.required
                    if required is not None and not node_selector_matches(required, node):
                        chosen.append(pod)
                elif kind == "preferredDuringSchedulingIgnoredDuringExecution":
                    if affinity.preferred:
                        best = max(preferred_node_affinity_score(pod, n) for n in cycle.nodes
                                   if pod_fits_node(pod, n, cycle.snapshot))
                        if best > preferred_node_affinity_score(pod, node):
                            chosen.append(pod)
    return chosen


def _violates_anti_affinity(pod: Pod, others: Iterable[Pod], nodes: Mapping[str, Node]) -> bool:
    """checkPodsWithAntiAffinityExist: another pod matches one of the pod's required anti-affinity terms and runs in
    the same topology domain (both nodes carry the term's topology key with the same value)."""
    node = nodes.get(pod.node_name or "")
    if node is None:
        return False
    for term in required_terms(pod, anti=True):
        if term.topology_key not in node.labels:
            continue
        for other in others:
            there = nodes.get(other.node_name or "")
            if other is pod or there is None or not term.matches(other, {}):
                continue
            if there.labels.get(term.topology_key) == node.labels[term.topology_key]:
                return True
    return False


def remove_pods_violating_inter_pod_anti_affinity(cycle: Cycle, args: Mapping[str, Any]) -> list[Pod]:
    """RemovePodsViolatingInterPodAntiAffinity.Deschedule: lowest priority first, a pod whose required anti-affinity
    another (not yet evicted) pod violates is evicted."""
    nodes = {n.name: n for n in cycle.nodes}
    pods = [p for n in cycle.nodes for p in cycle.on(n.name)]
    chosen: list[Pod] = []
    for pod in sorted(pods, key=lambda p: p.spec.priority or 0):
        left = [p for p in pods if p not in chosen]
        if _violates_anti_affinity(pod, left, nodes) and cycle.can_evict(pod):
            chosen.append(pod)
    return chosen


def _images_key(pod: Pod) -> str:
    return "#".join(sorted(c.image or "" for c in pod.spec.containers))


def _target_nodes(pods: Iterable[Pod], nodes: Sequence[Node]) -> list[Node]:
    """getTargetNodes: nodes (two or more) where some of the duplicates could land by taints and node selector."""
    targets: dict[str, Node] = {}
    for pod in pods:
        matching = [n for n in nodes if _tolerated(pod, n, (NO_SCHEDULE, NO_EXECUTE))
                    and filters.node_affinity(pod, n, Snapshot((n,))) is None]
        if len(matching) > 1:
            targets.update((n.name, n) for n in matching)
    return list(targets.values())


def remove_duplicates(cycle: Cycle, args: Mapping[str, Any]) -> list[Pod]:
    """RemoveDuplicates.Balance: pods of one owner with the same images are spread evenly over the nodes they could
    run on: on each node, the duplicates beyond ceil(occurrences / target nodes) are evicted. (Upstream does not check
    that the evicted pods fit elsewhere: kubernetes-sigs/descheduler#1237, one of Kivi's findings.)"""
    excluded = set(args.get("excludeOwnerKinds") or ())
    occurrence: dict[tuple, int] = {}
    duplicates: dict[tuple, dict[str, list[Pod]]] = {}
    for node in cycle.nodes:
        seen: set[tuple] = set()
        for pod in cycle.on(node.name):
            if not evictable(pod, cycle.evictor) or not _owners(pod) or any(o.kind in excluded for o in _owners(pod)):
                continue
            keys = tuple(sorted(f"{pod.namespace}/{o.kind}/{o.name}/{c.image}" for o in _owners(pod)
                                for c in pod.spec.containers))
            for owner in _owners(pod):
                occurrence[(pod.namespace, owner.kind, owner.name, _images_key(pod))] = occurrence.get(
                    (pod.namespace, owner.kind, owner.name, _images_key(pod)), 0) + 1
            if keys in seen:
                for owner in _owners(pod):
                    key = (pod.namespace, owner.kind, owner.name, _images_key(pod))
                    duplicates.setdefault(key, {}).setdefault(node.name, []).append(pod)
            else:
                seen.add(keys)
    chosen: list[Pod] = []
    for key, per_node in sorted(duplicates.items()):
        targets = _target_nodes((p for pods in per_node.values() for p in pods), cycle.nodes)
        if len(targets) < 2:
            continue
        upper = math.ceil(occurrence[key] / len(targets))
        for node_name in sorted(per_node):
            pods = per_node[node_name]
            if len(pods) + 1 > upper:
                chosen += [p for p in pods[upper - 1:] if p not in chosen and cycle.can_evict(p)]
    return chosen


def _usage_percent(cycle: Cycle, node: Node, resources: Sequence[str]) -> dict[str, float]:
    """A node's requested resources in percent of its allocatable (``pods``: the pod count)."""
    allocatable = scheduler_resources(node.allocatable)
    pods = [p for p in cycle.on(node.name)]
    requested = node_requested(pods)
    usage = {}
    for resource in resources:
        if resource == "pods":
            capacity = resource_amount("pods", node.allocatable["pods"]) if "pods" in node.allocatable else 0
            used = len(pods)
        else:
            capacity, used = allocatable.get(resource, 0), requested.get(resource, 0)
        usage[resource] = 100.0 * used / capacity if capacity else 0.0
    return usage


def _evict_until(cycle: Cycle, sources: list[Node], stop: Callable[[Node, list[Pod]], bool],
                 room: dict[str, float], resources: Sequence[str]) -> list[Pod]:
    """evictPodsFromSourceNodes: from each source node, lowest priority first, evictable pods until ``stop`` or the
    destinations have no room left for every resource considered."""
    chosen: list[Pod] = []
    for node in sources:
        removed: list[Pod] = []
        candidates = sorted((p for p in cycle.on(node.name) if cycle.can_evict(p)),
                            key=lambda p: (p.spec.priority or 0, p.name))
        for pod in candidates:
            if stop(node, removed) or any(room[r] <= 0 for r in resources):
                break
            requests = scheduler_resources(pod_requests(pod))
            for resource in resources:
                room[resource] -= 1 if resource == "pods" else requests.get(resource, 0)
            removed.append(pod)
        chosen += removed
    return chosen


def _thresholds(args: Mapping[str, Any], name: str) -> dict[str, float]:
    return {k: float(v) for k, v in (args.get(name) or {}).items()}


def low_node_utilization(cycle: Cycle, args: Mapping[str, Any]) -> list[Pod]:
    """LowNodeUtilization.Balance (static thresholds, requested usage): nodes below ``thresholds`` in every resource
    are underutilized (unless unschedulable), nodes above ``targetThresholds`` in some resource overutilized; pods move
    from overutilized nodes while they stay above target and the underutilized nodes have room up to the target."""
    low, high = _thresholds(args, "thresholds"), _thresholds(args, "targetThresholds")
    resources = sorted(set(low) | set(high))
    usage = {n.name: _usage_percent(cycle, n, resources) for n in cycle.nodes}
    under = [n for n in cycle.nodes if not node_unschedulable(n)
             and all(usage[n.name][r] < low.get(r, 100.0) for r in resources)]
    over = [n for n in cycle.nodes if any(usage[n.name][r] > high.get(r, 100.0) for r in resources)]
    if not under or len(under) <= int(args.get("numberOfNodes") or 0) or len(under) == len(cycle.nodes) or not over:
        return []
    room = dict.fromkeys(resources, 0.0)
    for node in under:
        allocatable = scheduler_resources(node.allocatable)
        for resource in resources:
            capacity = resource_amount("pods", node.allocatable["pods"]) if resource == "pods" else \
                allocatable.get(resource, 0)
            room[resource] += capacity * (high.get(resource, 100.0) - usage[node.name][resource]) / 100.0
    over.sort(key=lambda n: [-usage[n.name][r] for r in resources])

    def below_target(node: Node, removed: list[Pod]) -> bool:
        left = Cycle(cycle.nodes, tuple(p for p in cycle.pods if p not in removed), cycle.evictor)
        now = _usage_percent(left, node, resources)
        return all(now[r] <= high.get(r, 100.0) for r in resources)
    return _evict_until(cycle, over, below_target, room, resources)


def high_node_utilization(cycle: Cycle, args: Mapping[str, Any]) -> list[Pod]:
    """HighNodeUtilization.Balance: every pod of the nodes below ``thresholds`` in every resource moves, so that those
    nodes can be removed, while the other schedulable nodes have room (bin packing: meant with a MostAllocated
    scheduler profile, kubernetes-sigs/descheduler#668)."""
    low = _thresholds(args, "thresholds")
    resources = sorted(low)
    usage = {n.name: _usage_percent(cycle, n, resources) for n in cycle.nodes}
    under = [n for n in cycle.nodes if all(usage[n.name][r] < low[r] for r in resources)]
    rest = [n for n in cycle.nodes if n not in under and not node_unschedulable(n)]
    if not under or len(under) <= int(args.get("numberOfNodes") or 0) or not rest:
        return []
    room = dict.fromkeys(resources, 0.0)
    for node in rest:
        allocatable = scheduler_resources(node.allocatable)
        for resource in resources:
            capacity = resource_amount("pods", node.allocatable["pods"]) if resource == "pods" else \
                allocatable.get(resource, 0)
            room[resource] += capacity * (100.0 - usage[node.name][resource]) / 100.0
    under.sort(key=lambda n: [usage[n.name][r] for r in resources])
    return _evict_until(cycle, under, lambda node, removed: False, room, resources)


def in_scope(pod: Pod, args: Mapping[str, Any]) -> bool:
    """podutil's WithNamespaces / WithoutNamespaces / WithLabelSelector filter a plugin builds from its args."""
    namespaces = args.get("namespaces") or {}
    if namespaces.get("include") and pod.namespace not in namespaces["include"]:
        return False
    if pod.namespace in (namespaces.get("exclude") or ()):
        return False
    selector = args.get("labelSelector")
    return selector is None or selector_from_dict(selector).matches(pod.labels)


def _has_selector_or_affinity(pod: Pod) -> bool:
    return bool(pod.spec.node_selector) or (pod.spec.affinity is not None
                                            and pod.spec.affinity.node_affinity is not None)


def _namespace_constraints(pods: Sequence[Pod], allowed: Sequence[str]) -> list[tuple[SpreadConstraint, Pod]]:
    """The namespace's distinct constraints (newTopologySpreadConstraint, hasIdenticalConstraints), each with the
    first pod that has it (its node affinity and tolerations decide the constraint's eligible nodes)."""
    found: list[tuple[SpreadConstraint, Pod]] = []
    for pod in pods:
        for action in allowed:
            for constraint in filter_constraints(pod.spec.topology_spread_constraints, pod.labels, action):
                honoured = (_honoured_affinity(pod, constraint), _honoured_tolerations(pod, constraint))
                if not any(c == constraint and (_honoured_affinity(p, c), _honoured_tolerations(p, c)) == honoured
                           for c, p in found):
                    found.append((constraint, pod))
    return found


def _honoured_affinity(pod: Pod, constraint: SpreadConstraint) -> Any:
    """What of the pod the constraint carries for nodeAffinityPolicy Honor (its required node affinity)."""
    if constraint.node_affinity_policy != "Honor":
        return None
    affinity = pod.spec.affinity.node_affinity if pod.spec.affinity and pod.spec.affinity.node_affinity else None
    return (pod.spec.node_selector, None if affinity is None else affinity.required)


def _honoured_tolerations(pod: Pod, constraint: SpreadConstraint) -> Any:
    """What of the pod the constraint carries for nodeTaintsPolicy Honor (its tolerations)."""
    return pod.spec.tolerations if constraint.node_taints_policy == "Honor" else None


def _balance_domains(cycle: Cycle, chosen: dict[str, Pod], constraint: SpreadConstraint, source: Pod,
                     domains: dict[str, list[Pod]], total: int, node_fit: bool) -> None:
    """balanceDomains: move pods from domains above the ideal average to those below, at most half the excess skew
    per pair, only pods that fit some node of a domain below the average (with ``topologyBalanceNodeFit``)."""
    average = total / len(domains)

    def order(pod: Pod) -> tuple[bool, int, int]:  # sortDomains: pods popped from the back are evicted first
        return (evictable(pod, cycle.evictor), 0 if _has_selector_or_affinity(pod) else 1, pod.spec.priority or 0)
    ordered = sorted(((value, sorted(pods, key=order)) for value, pods in sorted(domains.items())),
                     key=lambda d: len(d[1]))
    eligible = [n for n in cycle.nodes if constraint.includes(source, n)]
    below_values = {value for value, pods in ordered if len(pods) < average}
    below = [n for n in eligible if n.labels.get(constraint.topology_key) in below_values]
    i, j = 0, len(ordered) - 1
    while i < j:
        if len(ordered[j][1]) <= average:
            j -= 1
        skew = len(ordered[j][1]) - len(ordered[i][1])
        if skew <= constraint.max_skew:
            i += 1
            continue
        above_avg = math.ceil(len(ordered[j][1]) - average)
        below_avg = math.ceil(average - len(ordered[i][1]))
        move = int(min(above_avg, below_avg, math.ceil((skew - constraint.max_skew) / 2)))
        if move <= 0:
            i += 1
            continue
        fits = {p.metadata.uid: pod_fits_any_other_node(p, below, cycle.snapshot) for p in ordered[j][1]}
        ordered[j][1].sort(key=lambda p: fits[p.metadata.uid])
        moving = ordered[j][1][len(ordered[j][1]) - move:]
        for pod in moving:
            if not node_fit or fits[pod.metadata.uid]:
                chosen.setdefault(pod.metadata.uid or pod.name, pod)
        ordered[j] = (ordered[j][0], ordered[j][1][:len(ordered[j][1]) - move])
        ordered[i] = (ordered[i][0], ordered[i][1] + moving)


def remove_pods_violating_topology_spread_constraint(cycle: Cycle, args: Mapping[str, Any]) -> list[Pod]:
    """RemovePodsViolatingTopologySpreadConstraint.Balance: per namespace and distinct constraint (of the kinds in
    ``constraints``, default DoNotSchedule), count the evictable in-scope pods per domain over the cycle's nodes;
    where two domains differ by more than maxSkew, :func:`_balance_domains` picks pods to move. Each constraint is
    balanced on its own: two constraints that pull different ways make it evict back and forth
    (kubernetes-sigs/descheduler#1219, #921)."""
    allowed = [a for a in ("DoNotSchedule", SCHEDULE_ANYWAY) if a in (args.get("constraints") or ("DoNotSchedule",))]
    node_fit = args.get("topologyBalanceNodeFit", True)
    nodes = {n.name: n for n in cycle.nodes}
    pods = [p for n in cycle.nodes for p in cycle.on(n.name) if evictable(p, cycle.evictor) and in_scope(p, args)]
    chosen: dict[str, Pod] = {}
    for namespace in sorted({p.namespace or "" for p in pods}):
        members = [p for p in pods if (p.namespace or "") == namespace]
        for constraint, source in _namespace_constraints(members, allowed):
            domains: dict[str, list[Pod]] = {n.labels[constraint.topology_key]: [] for n in cycle.nodes
                                             if constraint.topology_key in n.labels and constraint.includes(source, n)}
            total = 0
            for pod in members:
                node = nodes.get(pod.node_name or "")
                if pod.metadata.deletion_timestamp is not None or not constraint.selector.matches(pod.labels) \
                        or node is None or constraint.topology_key not in node.labels:
                    continue
                domains.setdefault(node.labels[constraint.topology_key], []).append(pod)
                total += 1
            sizes = [len(d) for d in domains.values()]
            if not sizes or max(sizes) - min(sizes) <= constraint.max_skew:
                continue  # topologyIsBalanced
            _balance_domains(cycle, chosen, constraint, source, domains, total, node_fit)
    return [p for _, p in sorted(chosen.items(), key=lambda kv: (kv[1].namespace or "", kv[1].name))
            if cycle.can_evict(p)]


DESCHEDULE: dict[str, Plugin] = {
    "RemovePodsViolatingNodeTaints": remove_pods_violating_node_taints,
    "RemovePodsViolatingNodeAffinity": remove_pods_violating_node_affinity,
    "RemovePodsViolatingInterPodAntiAffinity": remove_pods_violating_inter_pod_anti_affinity,
}
BALANCE: dict[str, Plugin] = {
    "RemoveDuplicates": remove_duplicates,
    "LowNodeUtilization": low_node_utilization,
    "HighNodeUtilization": high_node_utilization,
    "RemovePodsViolatingTopologySpreadConstraint": remove_pods_violating_topology_spread_constraint,
}
