"""A scheduling problem: the cluster, the pods to place in kube-scheduler's queue order, what admission let
through, and for each pod the nodes the model's filters allow before any other pod is placed.

The semantics the solver optimises over: the admitted pods are taken in queue order (PrioritySort: higher
``spec.priority`` first, then arrival), and each is either left pending or bound to a node on which the model's
Filter plugins accept it given the pods bound before it. This is kube-scheduler's own cycle with the choice of
node (and of which pods to leave pending) made globally instead of by Score plugins, so every greedy profile's
placement is one of the solver's candidates. Quota follows Kubernetes in ``admission`` mode (the ResourceQuota
plugin admits pods in arrival order before any placement, after LimitRanger defaults) and lets the solver pick
which pods to admit in ``solver`` mode (the admitted pods are exactly the placed ones).

Filters split in two: the node-local ones (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity,
NodePorts and the volume plugins against the pods already bound, NodeResourcesFit for the pod alone,
InterPodAffinity against the bound pods both ways, PodTopologySpread's missing-key check) are evaluated here with
the model's plugins; what depends on the pods being placed (resources shared with them, quota in solver mode,
pod (anti-)affinity and topology spread among them, host ports) is encoded by :mod:`solver.encoding`.

With ``movable`` (the ``min-moves`` objective) the running pods become pods to place too, ahead of the others,
except DaemonSet and static (Node-owned) pods, which stay where they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from model.admission import default_tolerations, limitranger, priority, resourcequota
from model.errors import ManifestError
from model.frozendict import FrozenDict
from model.objects import (
    LimitRange,
    Namespace,
    Node,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    PriorityClass,
    ReplicaSet,
    ReplicationController,
    ResourceQuota,
    Service,
    StatefulSet,
)
from model.objects.opaque import OpaqueObject
from model.quantity import Quantity
from model.resources import allowed_pod_number, node_requested, pod_requests, scheduler_resources
from model.scheduler import Profile, Snapshot, interpod, spread
from model.scheduler.filters import REGISTRY, host_ports
from model.scheduler.framework import pod_priority
from solver.names import ADMISSION, QUOTA_MODES
from solver.names import SOLVER as SOLVER  # re-exported: the encoding and the re-check read it here
from solver.workloads import WORKLOAD_KINDS, expand, replica_count

NEW, PENDING, RUNNING = "new", "pending", "running"
STATIC_FILTERS = ("NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts",
                  "VolumeRestrictions", "VolumeBinding", "VolumeZone")
"""The Filter plugins whose verdict does not depend on the pods being placed (NodePorts is checked against the
bound pods here; host ports shared by pods being placed are encoded)."""
PINNED_OWNERS = ("DaemonSet", "Node")
MAX_PODS = 150_000
"""The most pods ``build`` makes: Kubernetes' largest supported cluster (a few hundred MB of pod values)."""


def pod_key(pod: Pod) -> str:
    return f"{pod.namespace}/{pod.name}"


def topology_pair(node: Node, key: str) -> tuple[str, str] | None:
    """The node's (key, value) topology domain, None when it lacks the label."""
    return (key, node.labels[key]) if key in node.labels else None


@attrs.frozen
class PodInfo:
    """A pod to place: as admission left it, its queue position and where it runs now (running pods)."""

    pod: Pod
    key: str
    priority: int
    arrival: int
    origin: str
    original_node: str | None = None


@attrs.frozen
class Relations:
    """What a pod's own pod-affinity, anti-affinity and topology-spread terms say about the pods around it."""

    affinity: tuple[interpod.AffinityTerm, ...] = ()
    anti_affinity: tuple[interpod.AffinityTerm, ...] = ()
    anti_affinity_raw: tuple[interpod.AffinityTerm, ...] = ()
    spread: tuple[spread.SpreadConstraint, ...] = ()
    ports: tuple[Any, ...] = ()

    @property
    def plain(self) -> bool:
        """No (anti-)affinity, no DoNotSchedule spreading, no host ports: the pod's feasibility on a node
        depends only on resources and quota, so identical plain pods can be counted instead of named."""
        return not (self.affinity or self.anti_affinity or self.spread or self.ports)


@attrs.frozen
class Unit:
    """Consecutive pods of the queue placed as one: a single pod, or identical plain pods (replicas of one
    template) whose number per node is what matters.

    ``candidates``: the nodes the static filters allow, in node order; ``static``: the other nodes' reasons.
    ``requests``: NodeResourcesFit's view of one pod (cpu in millicores, the rest in units).
    """

    index: int
    pods: tuple[int, ...]
    candidates: tuple[str, ...]
    static: FrozenDict
    requests: FrozenDict
    relations: Relations

    @property
    def size(self) -> int:
        return len(self.pods)


@attrs.frozen
class Instance:
    """Everything the encoding, the greedy strategies and the re-check need.

    ``snapshot``: the cluster with only the pods that stay put (bound and not movable). ``pods``: the pods to
    place in queue order. ``rejected``: pods admission refused, with the reason. ``quotas``: every quota with
    ``status`` filled (hard from spec; used recounted when missing), before any new pod is charged (pending and
    running pods are already admitted); ``charged``: the same after admission mode charged the admitted new
    pods (equal to ``quotas`` in solver mode).
    """

    snapshot: Snapshot
    pods: tuple[PodInfo, ...]
    units: tuple[Unit, ...]
    rejected: FrozenDict
    quotas: tuple[ResourceQuota, ...]
    charged: tuple[ResourceQuota, ...]
    quota_mode: str
    profile: Profile
    owners: tuple[Any, ...] = ()
    surplus: tuple[tuple[str, int], ...] = ()
    """Workload replicas beyond the cluster's pod slots: counted (pending), never built."""

    @property
    def nodes(self) -> tuple[Node, ...]:
        return self.snapshot.nodes

    def node(self, name: str) -> Node:
        return self.snapshot.node(name)

    def free(self, node: str) -> dict[str, int]:
        """What is left of the node's allocatable after the pods that stay put (``pods`` included)."""
        return free_resources(self.snapshot.node(node), self.snapshot.pods_on(node))


def free_resources(node: Node, pods: Sequence[Pod]) -> dict[str, int]:
    """Allocatable minus requested per scheduler resource, and ``pods`` slots left."""
    allocatable = scheduler_resources(node.allocatable)
    used = node_requested(pods)
    free = {name: allocatable.get(name, 0) - used.get(name, 0) for name in set(allocatable) | set(used)}
    free["pods"] = allowed_pod_number(node) - len(pods)
    return free


def normalise_quota(quota: ResourceQuota, pods: Iterable[Pod]) -> ResourceQuota:
    """A quota as admission reads it: ``status.hard`` from ``spec.hard`` when absent, and ``status.used``
    recounted from ``pods`` (ResourceQuota controller) unless it already covers every hard resource."""
    hard = quota.status.hard or quota.spec.hard
    quota = attrs.evolve(quota, status=attrs.evolve(quota.status, hard=hard))
    if all(name in quota.status.used for name in hard):
        return quota
    recounted = attrs.evolve(quota, spec=attrs.evolve(quota.spec, hard=hard))
    return attrs.evolve(quota, status=attrs.evolve(quota.status, used=resourcequota.recompute(recounted, pods)))


def quota_reason(quota: ResourceQuota, resource: str, used: Quantity | None = None) -> str:
    """``quota requests.cpu in namespace dev: 95/100 used`` (with ``used`` if given, else the status)."""
    hard = quota.status.hard[resource]
    amount = quota.status.used.get(resource) if used is None else used
    return f"quota {resource} in namespace {quota.namespace}: {amount or 0}/{hard} used"


def _admission_denial(pod: Pod, quotas: Sequence[ResourceQuota], message: str) -> str:
    """The exceeded quota resources in the issue's wording, else admission's own message."""
    charged = resourcequota.usage(pod)
    reasons = []
    for quota in quotas:
        if quota.namespace != pod.namespace or not resourcequota.matches_scopes(quota, pod):
            continue
        for name in sorted(quota.status.hard):
            amount = charged.get(name)
            if amount is not None and amount.nano and quota.status.used.get(name, Quantity.from_int(0)) + amount \
                    > quota.status.hard[name]:
                reasons.append(f"{quota_reason(quota, name)} (the pod needs {amount})")
    return "; ".join(reasons) if reasons else f"admission: {message}"


def _admit(pod: Pod, limit_ranges: Sequence[LimitRange], classes: Sequence[PriorityClass]) -> Pod | str:
    """The mutating and validating admission a pod create goes through, short of quota: LimitRanger defaults
    and limits, Priority, DefaultTolerationSeconds."""
    ranges = [lr for lr in limit_ranges if lr.namespace == pod.namespace]
    pod = limitranger.apply_defaults(pod, ranges)
    errors = limitranger.validate_pod(pod, ranges)
    if errors:
        return f"admission: {limitranger.forbidden_message(pod, errors)}"
    resolved = priority.admit(pod, classes)
    if isinstance(resolved, str):
        return f"admission: {resolved}"
    return default_tolerations.admit(resolved)


def relations(pod: Pod, snapshot: Snapshot, profile: Profile) -> Relations:
    """The pod's required (anti-)affinity terms (namespace selectors resolved, as the incoming pod's), its raw
    anti-affinity terms (as an existing pod's, matched against later pods), its DoNotSchedule spread
    constraints and its host ports."""
    merged = lambda anti: tuple(interpod.merge_namespaces(t, snapshot) for t in interpod.required_terms(pod, anti))
    return Relations(affinity=merged(False), anti_affinity=merged(True),
                     anti_affinity_raw=interpod.required_terms(pod, True),
                     spread=spread.spread_constraints(pod, snapshot, profile, spread.DO_NOT_SCHEDULE),
                     ports=host_ports(pod))


def static_verdicts(pod: Pod, snapshot: Snapshot, profile: Profile, rel: Relations) -> dict[str, str | None]:
    """Each node's static verdict: None when the node-local filters pass, else the reason."""
    verdicts: dict[str, str | None] = {}
    pre = {name: REGISTRY[name].run_pre_filter(pod, snapshot, profile) for name in STATIC_FILTERS
           if name in profile.filters}
    request = scheduler_resources(pod_requests(pod))
    ipa = REGISTRY["InterPodAffinity"].run_pre_filter(pod, snapshot, profile)
    ipa_state = None if ipa.skip or ipa.status is not None else ipa.state
    for node in snapshot.nodes:
        verdicts[node.name] = _static_reason(pod, node, snapshot, profile, pre, request, ipa_state, rel)
    return verdicts


def _static_reason(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile, pre: Mapping[str, Any],
                   request: Mapping[str, int], ipa_state: Any, rel: Relations) -> str | None:
    for name, result in pre.items():
        if result.status is not None:
            return f"{name}: {result.status.message}"
        if result.skip:
            continue
        if result.node_names is not None and node.name not in result.node_names:
            return f"{name}: node(s) didn't satisfy plugin(s) [{name}]"
        status = REGISTRY[name].filter(pod, node, snapshot, profile, result.state)
        if status is not None:
            return f"{name}: {status.message}"
    free = free_resources(node, snapshot.pods_on(node.name))
    if free["pods"] < 1:
        return f"NodeResourcesFit: Too many pods ({allowed_pod_number(node)} allowed)"
    short = [name for name, amount in sorted(request.items()) if amount > 0 and amount > free.get(name, 0)]
    if short:
        return "NodeResourcesFit: " + ", ".join(f"Insufficient {name}" for name in short)
    if ipa_state is not None:
        if any(topology_pair(node, t.topology_key) is None for t in ipa_state.affinity_terms):
            return f"InterPodAffinity: {interpod.ERR_AFFINITY} (missing topology key)"
        if any(ipa_state.anti_affinity.get(pair, 0) > 0 for t in ipa_state.anti_affinity_terms
               if (pair := topology_pair(node, t.topology_key))):
            return f"InterPodAffinity: {interpod.ERR_ANTI_AFFINITY}"
        if any(ipa_state.existing_anti_affinity.get(pair, 0) > 0 for pair in node.labels.items()):
            return f"InterPodAffinity: {interpod.ERR_EXISTING_ANTI_AFFINITY}"
    if any(c.topology_key not in node.labels for c in rel.spread):
        return f"PodTopologySpread: {spread.ERR_MISSING_LABEL}"
    return None


def _signature(info: PodInfo) -> tuple[Any, ...]:
    pod = info.pod
    return (pod.namespace, pod.labels, pod.spec, info.priority, info.origin == RUNNING)


def _movable(pod: Pod) -> bool:
    owner = pod.metadata.controller_ref()
    return owner is None or owner.kind not in PINNED_OWNERS


def build(cluster: Sequence[Any], to_place: Sequence[Any], quota_mode: str = ADMISSION, movable: bool = False,
          profile: Profile | None = None) -> Instance:
    """The instance for placing ``to_place`` (pods and workloads) on the cluster ``cluster`` (a snapshot:
    Nodes, Pods, Namespaces, ResourceQuotas, LimitRanges, PriorityClasses, Services, controllers, volumes).

    Pending pods of the snapshot (not bound, not finished) are placed too, after the running ones and before
    the new ones; they are already admitted. Raises ManifestError for duplicate pod names or a bad quota mode.
    """
    if quota_mode not in QUOTA_MODES:
        raise ManifestError(f"unknown quota mode {quota_mode!r} (use {' or '.join(QUOTA_MODES)})")
    profile = profile or Profile.default()
    nodes = tuple(o for o in cluster if isinstance(o, Node))
    names = {n.name for n in nodes}
    live = [o for o in cluster if isinstance(o, Pod) and not o.is_terminated]
    bound = [p for p in live if p.node_name in names]
    pending = [p for p in live if not p.node_name]
    moving = [p for p in bound if movable and _movable(p)]
    staying = [p for p in bound if not (movable and _movable(p))]
    limit_ranges = [o for o in (*cluster, *to_place) if isinstance(o, LimitRange)]
    classes = [o for o in (*cluster, *to_place) if isinstance(o, PriorityClass)]
    quotas = tuple(normalise_quota(q, live) for q in (*cluster, *to_place) if isinstance(q, ResourceQuota))
    workloads = [o for o in to_place if isinstance(o, (Pod, *WORKLOAD_KINDS))]
    slots = sum(allowed_pod_number(n) for n in nodes)
    _refuse_too_many(workloads, nodes, slots)
    expansion = expand(workloads, nodes, limit=slots)
    context = [o for o in (*cluster, *to_place) if isinstance(o, (Namespace, Service, ReplicationController,
               ReplicaSet, StatefulSet, PersistentVolumeClaim, PersistentVolume))
               or (isinstance(o, OpaqueObject) and o.kind == "StorageClass")]
    snapshot = Snapshot.of((*nodes, *staying, *context, *expansion.owners))

    infos: list[PodInfo] = []
    rejected: dict[str, tuple[str, ...]] = {}
    seen = {pod_key(p) for p in staying}
    charged = list(quotas)
    arrival = 0
    for origin, pods in ((RUNNING, moving), (PENDING, pending), (NEW, expansion.pods)):
        for pod in pods:
            key = pod_key(pod)
            if key in seen:
                raise ManifestError(f"pod {key} is given more than once")
            seen.add(key)
            arrival += 1
            if origin == RUNNING:
                loose = attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=None))
                infos.append(PodInfo(loose, key, pod_priority(pod), arrival, origin, pod.node_name))
                continue
            if origin == PENDING:
                infos.append(PodInfo(pod, key, pod_priority(pod), arrival, origin))
                continue
            admitted = _admit(pod, limit_ranges, classes)
            if isinstance(admitted, str):
                rejected[key] = (admitted,)
                continue
            verdict = resourcequota.check(admitted, charged if quota_mode == ADMISSION else quotas)
            if not verdict.allowed:
                rejected[key] = (_admission_denial(admitted, charged if quota_mode == ADMISSION else quotas,
                                                   verdict.message),)
                continue
            if quota_mode == ADMISSION:
                raised = {q.metadata.name: q for q in verdict.quotas}
                charged = [raised.get(q.metadata.name, q) if q.namespace == admitted.namespace else q
                           for q in charged]
            infos.append(PodInfo(admitted, key, pod_priority(admitted), arrival, origin))
    ordered = sorted(infos, key=lambda i: (i.origin != RUNNING, -i.priority, i.arrival))
    bare = attrs.evolve(snapshot, pods=tuple(staying))
    units = _units(ordered, bare, profile)
    return Instance(snapshot=bare, pods=tuple(ordered), units=units, rejected=FrozenDict(rejected),
                    quotas=quotas, charged=tuple(charged), quota_mode=quota_mode,
                    profile=profile, owners=expansion.owners, surplus=expansion.surplus)


def _refuse_too_many(workloads: Sequence[Any], nodes: Sequence[Node], slots: int) -> None:
    """ManifestError when the pods to build (each workload's replicas up to the cluster's pod slots) exceed
    :data:`MAX_PODS`, naming the largest workload."""
    counts = [(min(count, slots), o) for o in workloads if (count := replica_count(o)) is not None]
    total = sum(c for c, _ in counts) + sum(1 for o in workloads if isinstance(o, Pod)) + len(nodes) * sum(
        1 for o in workloads if replica_count(o) is None and not isinstance(o, Pod))
    if total > MAX_PODS:
        named = ""
        if counts:
            largest = max(counts, key=lambda item: item[0])[1]
            named = f"{largest.kind} {largest.namespace}/{largest.name} ({replica_count(largest)} replicas): "
        raise ManifestError(f"{named}{total} pods to place, more than {MAX_PODS} (Kubernetes' largest supported "
                            "cluster, https://kubernetes.io/docs/setup/best-practices/cluster-large/)")


def _units(infos: Sequence[PodInfo], snapshot: Snapshot, profile: Profile) -> tuple[Unit, ...]:
    """Group consecutive identical plain pods; evaluate the static filters once per distinct pod."""
    cache: dict[tuple[Any, ...], tuple[Relations, dict[str, str | None], FrozenDict]] = {}
    units: list[Unit] = []
    previous: tuple[Any, ...] | None = None
    for i, info in enumerate(infos):
        signature = _signature(info)
        if signature not in cache:
            rel = relations(info.pod, snapshot, profile)
            verdicts = static_verdicts(info.pod, snapshot, profile, rel)
            cache[signature] = (rel, verdicts, FrozenDict(scheduler_resources(pod_requests(info.pod))))
        rel, verdicts, requests = cache[signature]
        groupable = rel.plain and info.origin != RUNNING
        if groupable and signature == previous:
            last = units[-1]
            units[-1] = attrs.evolve(last, pods=(*last.pods, i))
            continue
        previous = signature if groupable else None
        candidates = tuple(name for name, reason in verdicts.items() if reason is None)
        static = FrozenDict({name: reason for name, reason in verdicts.items() if reason is not None})
        units.append(Unit(len(units), (i,), candidates, static, requests, rel))
    return tuple(units)
