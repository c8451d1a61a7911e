"""The node lifecycle controller: node health from heartbeats, condition taints, NoExecute taints.

kube-controller-manager's ``node-lifecycle-controller``, running as the ``node-controller`` service account.
Source: pkg/controller/nodelifecycle/node_lifecycle_controller.go (monitorNodeHealth, tryUpdateNodeHealth,
processTaintBaseEviction, doNoExecuteTaintingPass, doNoScheduleTaintingPass, handleDisruption,
ComputeZoneState), pkg/controller/util/node/controller_utils.go (MarkPodsNotReady,
SwapNodeControllerTaint), component-helpers/node/topology (GetZoneKey), pkg/api/v1/pod (UpdatePodCondition).
Doc: https://kubernetes.io/docs/concepts/architecture/nodes/#node-controller

What it does, per node (work-queue key ``(node,)``):

- **Health.** The controller remembers, per node, the local time (``probe``) at which it last saw the Ready
  condition's ``lastHeartbeatTime`` change. When ``now > probe + grace`` (``nodeMonitorGracePeriod``, 50 s since
  1.32; ``nodeStartupGracePeriod`` for a node that never reported Ready) it writes Ready, MemoryPressure,
  DiskPressure and PIDPressure ``Unknown`` (``NodeStatusUnknown`` "Kubelet stopped posting node status.", or
  ``NodeStatusNeverUpdated`` for a condition the kubelet never posted), and, when this write takes Ready from
  True to not-True, marks every pod on the node not Ready (MarkPodsNotReady).
- **NoSchedule condition taints** (TaintNodesByCondition): ``not-ready`` (Ready False), ``unreachable``
  (Ready Unknown), ``memory-pressure``, ``disk-pressure``, ``pid-pressure``, ``network-unavailable`` (condition
  True) and ``unschedulable`` (``spec.unschedulable``), each added with ``timeAdded`` and removed when it no
  longer applies.
- **NoExecute taints** (taint-based eviction): ``node.kubernetes.io/not-ready`` for Ready False,
  ``node.kubernetes.io/unreachable`` for Ready Unknown, added with ``timeAdded``; one is swapped for the other
  at once when the Ready status flips between False and Unknown; both are removed when the node is Ready.
  Adding one is rate limited per zone (a token bucket of burst 1 at ``--node-eviction-rate`` 0.1/s, so one
  node per zone every 10 s), and depends on the zone's disruption state (ComputeZoneState): a zone where more
  than 2 nodes and at least ``--unhealthy-zone-threshold`` (55 %) are not Ready is partially disrupted and
  taints at ``--secondary-node-eviction-rate`` if it has more than ``--large-cluster-size-threshold`` nodes,
  otherwise not at all; when every zone is fully disrupted (no Ready node) the controller stops tainting and
  removes these taints ("master disruption mode"); leaving that mode gives every node a fresh grace period.
  Evicting the pods is the taint eviction controller's job (``model.controllers.taint_eviction``).

Deliberate simplifications (the model's clock counts whole seconds; the controller runs per key, not in the
5 s ``nodeMonitorPeriod`` loop, and looks again exactly when a heartbeat becomes overdue or a zone's token is
due):

- Leases are not modelled: the kubelet's heartbeat is the Ready condition's ``lastHeartbeatTime``.
- The per-zone tainting queue is not FIFO: when several nodes of a zone wait for the token, whichever node's
  reconcile runs first takes it; a limiter swap (zone state change) does not refill the bucket.
- Master disruption mode removes the not-ready/unreachable NoExecute taints of each node when that node is next
  reconciled (upstream removes them from all nodes in the pass that enters the mode).
- The Unknown write carries the cached node's resourceVersion; when it loses a race with a fresh heartbeat
  (Conflict) the sync is retried after back-off (upstream re-reads the node at once). Taint changes are applied
  to a freshly read node, as SwapNodeControllerTaint does.
- The remembered health of a deleted node is dropped. Not modelled: beta OS/arch label reconciliation, and
  processPod (marking a pod newly bound to an unready node not Ready: in the model a pod is created and bound
  without a Ready condition, so it has nothing to do).
- A node that never reported Ready and whose ``creationTimestamp`` is not a model time (a snapshot's RFC 3339
  string) counts from when the controller first sees it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from model.admission.default_tolerations import NOT_READY, UNREACHABLE
from model.apiserver import requests as rq
from model.auth.identity import controller_identity
from model.config import ModelConfig
from model.controllers.base import Context, Controller, Key, Result
from model.frozendict import FrozenDict
from model.objects import Node, Pod
from model.objects.cluster import NodeCondition
from model.objects.pod import PodCondition, PodStatus
from model.store import ADDED, DELETED, Objects, WatchEvent
from model.taints import NO_EXECUTE, NO_SCHEDULE, Taint

NAME = "node-controller"
IDENTITY = controller_identity(NAME)

UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
CONDITION_TAINTS: FrozenDict = FrozenDict({
    "Ready": FrozenDict({"False": NOT_READY, "Unknown": UNREACHABLE}),
    "MemoryPressure": FrozenDict({"True": "node.kubernetes.io/memory-pressure"}),
    "DiskPressure": FrozenDict({"True": "node.kubernetes.io/disk-pressure"}),
    "NetworkUnavailable": FrozenDict({"True": "node.kubernetes.io/network-unavailable"}),
    "PIDPressure": FrozenDict({"True": "node.kubernetes.io/pid-pressure"}),
})
"""nodeConditionToTaintKeyStatusMap: which condition status is tainted with which key (NoSchedule)."""
CONDITION_TAINT_KEYS = frozenset(key for by_status in CONDITION_TAINTS.values() for key in by_status.values())
SILENCED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
"""Conditions set to Unknown when the kubelet stops posting (NetworkUnavailable belongs to the control plane)."""

ZONE_LABELS = ("failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/zone")
REGION_LABELS = ("failure-domain.beta.kubernetes.io/region", "topology.kubernetes.io/region")
EXCLUDE_DISRUPTION_LABEL = "node.kubernetes.io/exclude-disruption"

NORMAL, PARTIAL_DISRUPTION, FULL_DISRUPTION = "Normal", "PartialDisruption", "FullDisruption"


@attrs.frozen
class NodeHealth:
    """nodeHealthData: when the controller last saw the node's heartbeat change (its own clock), the heartbeat
    it saw (``reported``: whether the node had a Ready condition at all), and whether MarkPodsNotReady is owed
    (nodesToRetry)."""

    probe: int
    heartbeat: Any = None
    reported: bool = False
    mark_pods: bool = False


# --- pure helpers -------------------------------------------------------------------------------------


def zone_key(node: Node) -> str:
    """GetZoneKey: region and zone (beta labels first), joined by ``:\\x00:``; empty without either."""
    labels = node.metadata.labels
    zone = next((labels[k] for k in ZONE_LABELS if k in labels), "")
    region = next((labels[k] for k in REGION_LABELS if k in labels), "")
    return "" if not region and not zone else f"{region}:\x00:{zone}"


def compute_zone_state(ready: Sequence[NodeCondition | None], unhealthy_threshold: float) -> tuple[int, str]:
    """ComputeZoneState: (not-Ready nodes, state) for the Ready conditions of one zone's nodes."""
    ready_nodes = sum(1 for c in ready if c is not None and c.status == "True")
    not_ready = len(ready) - ready_nodes
    if ready_nodes == 0 and not_ready > 0:
        return not_ready, FULL_DISRUPTION
    if not_ready > 2 and not_ready / (not_ready + ready_nodes) >= unhealthy_threshold:
        return not_ready, PARTIAL_DISRUPTION
    return not_ready, NORMAL


def eviction_rate(state: str, zone_size: int, rate: float, secondary_rate: float, large_cluster: int) -> float:
    """setLimiterInZone: the zone's tainting rate (HealthyQPSFunc for Normal and FullDisruption, ReducedQPSFunc
    for PartialDisruption: the secondary rate in large zones, nothing in small ones)."""
    if state == PARTIAL_DISRUPTION:
        return secondary_rate if zone_size > large_cluster else 0.0
    return rate


def update_pod_condition(status: PodStatus, condition: PodCondition) -> tuple[PodStatus, bool]:
    """UpdatePodCondition: set ``condition`` (its lastTransitionTime kept when the status does not change);
    whether anything changed."""
    old = status.condition(condition.type)
    if old is None:
        return attrs.evolve(status, conditions=status.conditions + (condition,)), True
    if condition.status == old.status:
        condition = attrs.evolve(condition, last_transition_time=old.last_transition_time)
    if condition == old:
        return status, False
    conditions = tuple(condition if c.type == condition.type else c for c in status.conditions)
    return attrs.evolve(status, conditions=conditions), True


def mark_pods_not_ready(pods: Iterable[Pod], node: str, now: int) -> tuple[rq.Request, ...]:
    """MarkPodsNotReady: each pod on ``node`` whose Ready condition is not False gets it False (status update
    with the cached resourceVersion)."""
    requests: list[rq.Request] = []
    for pod in pods:
        ready = pod.status.condition("Ready")
        if pod.spec.node_name != node or ready is None:
            continue
        status, changed = update_pod_condition(pod.status, attrs.evolve(ready, status="False",
                                                                         last_transition_time=now))
        if changed:
            requests.append(rq.UpdateStatus(IDENTITY, attrs.evolve(pod, status=status)))
    return tuple(requests)


def observe_heartbeat(health: NodeHealth | None, node: Node, now: int) -> NodeHealth:
    """tryUpdateNodeHealth's bookkeeping: the probe time moves to ``now`` whenever the Ready condition's
    heartbeat changes (or appears, or disappears); a node never seen with a Ready condition counts from its
    creation."""
    ready = node.status.condition("Ready")
    heartbeat = None if ready is None else ready.last_heartbeat_time
    if health is None:
        created = node.metadata.creation_timestamp
        start = created if ready is None and isinstance(created, int) else now
        return NodeHealth(probe=start, heartbeat=heartbeat, reported=ready is not None)
    if (ready is None) != (not health.reported) or (ready is not None and heartbeat != health.heartbeat):
        return attrs.evolve(health, probe=now, heartbeat=heartbeat, reported=ready is not None)
    return health


def grace_period(node: Node, monitor: int, startup: int) -> int:
    """nodeMonitorGracePeriod, or nodeStartupGracePeriod while the node has never reported Ready."""
    return startup if node.status.condition("Ready") is None else monitor


def silenced(node: Node, now: int) -> Node:
    """The node with Ready, MemoryPressure, DiskPressure and PIDPressure Unknown (tryUpdateNodeHealth)."""
    conditions = list(node.status.conditions)
    for type_ in SILENCED_CONDITIONS:
        current = next((i for i, c in enumerate(conditions) if c.type == type_), None)
        if current is None:
            conditions.append(NodeCondition(type=type_, status="Unknown", reason="NodeStatusNeverUpdated",
                                            message="Kubelet never posted node status.",
                                            last_heartbeat_time=node.metadata.creation_timestamp,
                                            last_transition_time=now))
        elif conditions[current].status != "Unknown":
            conditions[current] = attrs.evolve(conditions[current], status="Unknown", reason="NodeStatusUnknown",
                                               message="Kubelet stopped posting node status.",
                                               last_transition_time=now)
    return attrs.evolve(node, status=attrs.evolve(node.status, conditions=tuple(conditions)))


def condition_taints(node: Node) -> tuple[Taint, ...]:
    """doNoScheduleTaintingPass: the NoSchedule taints the node's conditions and ``spec.unschedulable`` call for."""
    wanted = [Taint(key=CONDITION_TAINTS[c.type][c.status], effect=NO_SCHEDULE) for c in node.status.conditions
              if c.type in CONDITION_TAINTS and c.status in CONDITION_TAINTS[c.type]]
    if node.spec.unschedulable:
        wanted.append(Taint(key=UNSCHEDULABLE, effect=NO_SCHEDULE))
    return tuple(wanted)


def _matches(a: Taint, b: Taint) -> bool:
    """Taint.MatchTaint: same key and effect."""
    return a.key == b.key and a.effect == b.effect


def _has(taints: Iterable[Taint], key: str, effect: str) -> bool:
    return any(t.key == key and t.effect == effect for t in taints)


def swap_taints(taints: tuple[Taint, ...], add: Iterable[Taint], remove: Iterable[Taint],
                now: int) -> tuple[Taint, ...]:
    """SwapNodeControllerTaint: add (stamped ``timeAdded``, unless a matching taint is there) then remove."""
    remove = tuple(remove)
    result = list(taints)
    for taint in add:
        if not any(_matches(taint, t) for t in result):
            result.append(attrs.evolve(taint, time_added=now))
    return tuple(t for t in result if not any(_matches(t, r) for r in remove))


# --- memory -------------------------------------------------------------------------------------------


def _health(memory: FrozenDict) -> FrozenDict:
    return memory.get("health", FrozenDict())


def _tokens(memory: FrozenDict, now: int) -> FrozenDict:
    """Each zone's next token time; tokens already due are dropped (the same as a full bucket)."""
    return FrozenDict({z: t for z, t in memory.get("tokens", FrozenDict()).items() if t > now})


# --- reconcile ----------------------------------------------------------------------------------------


def _zones(cache: Objects, config: ModelConfig) -> tuple[dict[str, str], dict[str, int], bool]:
    """handleDisruption's view: each zone's state and size, and whether every zone is fully disrupted."""
    by_zone: dict[str, list[NodeCondition | None]] = {}
    for node in cache.list("Node"):
        if EXCLUDE_DISRUPTION_LABEL not in node.metadata.labels:
            by_zone.setdefault(zone_key(node), []).append(node.status.condition("Ready"))
    states = {z: compute_zone_state(c, config.unhealthy_zone_threshold)[1] for z, c in by_zone.items()}
    sizes = {z: len(c) for z, c in by_zone.items()}
    return states, sizes, all(s == FULL_DISRUPTION for s in states.values())


def _no_execute(node: Node, ready: NodeCondition | None, halted: bool) -> tuple[Taint | None, Taint | None, bool]:
    """processTaintBaseEviction: (taint to add, taint to remove, whether the addition waits for the zone's
    rate limiter). A flip between not-ready and unreachable swaps at once; a new taint is rate limited."""
    taints = node.spec.taints
    not_ready, unreachable = Taint(key=NOT_READY, effect=NO_EXECUTE), Taint(key=UNREACHABLE, effect=NO_EXECUTE)
    if halted or (ready is not None and ready.status == "True"):
        present = next((t for t in (not_ready, unreachable) if _has(taints, t.key, t.effect)), None)
        return None, present, False
    if ready is None:
        return None, None, False
    want, opposite = (not_ready, unreachable) if ready.status == "False" else (unreachable, not_ready)
    if _has(taints, opposite.key, opposite.effect):
        return want, opposite, False
    if _has(taints, want.key, want.effect):
        return None, None, False
    return want, None, True


def _condition_taint_changes(node: Node) -> tuple[tuple[Taint, ...], tuple[Taint, ...]]:
    """doNoScheduleTaintingPass's TaintSetDiff: condition/unschedulable NoSchedule taints to add and to remove."""
    managed = tuple(t for t in node.spec.taints
                    if t.effect == NO_SCHEDULE and (t.key == UNSCHEDULABLE or t.key in CONDITION_TAINT_KEYS))
    wanted = condition_taints(node)
    return (tuple(t for t in wanted if not any(_matches(t, m) for m in managed)),
            tuple(m for m in managed if not any(_matches(m, t) for t in wanted)))


def _retaint(name: str, add: tuple[Taint, ...], remove: tuple[Taint, ...], now: int, last: Result) -> Result:
    """SwapNodeControllerTaint: read the node afresh, apply the changes and write it (patch with its
    resourceVersion); then ``last``. A node found gone is left alone; any other error reading it fails the sync, so
    that the taints are tried again (upstream: in the next monitorNodeHealth pass)."""
    if not add and not remove:
        return last

    def write(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> Result:
        fresh = responses[-1].object if responses[-1].ok else None
        if fresh is None:
            return attrs.evolve(last, failed=responses[-1].code != 404)
        taints = swap_taints(fresh.spec.taints, add, remove, now)
        if taints == fresh.spec.taints:
            return last
        return attrs.evolve(last, requests=last.requests + (
            rq.Update(IDENTITY, attrs.evolve(fresh, spec=attrs.evolve(fresh.spec, taints=taints))),))

    return Result((rq.Get(IDENTITY, "Node", None, name),), then=write)


def _silence(node: Node, was_ready: bool, pods: tuple[Pod, ...], now: int, memory: FrozenDict) -> Result:
    """tryUpdateNodeHealth's write of the Unknown conditions; when it takes Ready from True to not-True, the
    pods on the node are marked not Ready in the same pass."""

    def mark(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> Result:
        return Result(mark_pods_not_ready(pods, node.name, now) if responses[0].ok and was_ready else ())

    return Result((rq.UpdateStatus(IDENTITY, silenced(node, now)),), memory, then=mark)


def _reconcile_node(ctx: Context, name: str) -> Result:
    config, now, memory = ctx.config, ctx.now, ctx.memory
    node = ctx.cache.get("Node", None, name)
    health_map = _health(memory)
    if node is None:
        return Result(memory=memory.set("health", health_map.discard(name)))
    ready = node.status.condition("Ready")
    pods = tuple(p for p in ctx.cache.list("Pod") if p.spec.node_name == name)
    health = observe_heartbeat(health_map.get(name), node, now)
    grace = grace_period(node, config.node_monitor_grace_period, config.node_startup_grace_period)
    can_silence = ready is None or ready.status != "Unknown"
    if can_silence and now > health.probe + grace:
        memory = memory.set("health", health_map.set(name, health))
        return _silence(node, ready is not None and ready.status == "True", pods, now, memory)
    marks: tuple[rq.Request, ...] = ()
    if health.mark_pods:
        if ready is not None and ready.status != "True":
            marks = mark_pods_not_ready(pods, name, now)
        health = attrs.evolve(health, mark_pods=False)
    states, sizes, halted = _zones(ctx.cache, config)
    if memory.get("disrupted", False) and not halted:
        # Leaving master disruption mode: every node gets a fresh grace period.
        health_map = FrozenDict({n: attrs.evolve(h, probe=now) for n, h in health_map.items()})
        health = attrs.evolve(health, probe=now)
    memory = memory.set("health", health_map.set(name, health)).set("disrupted", halted)
    memory = memory.set("tokens", _tokens(memory, now))
    add, remove, limited = _no_execute(node, ready, halted)
    delays = [health.probe + grace + 1 - now] if can_silence else []
    if limited:
        zone = zone_key(node)
        rate = eviction_rate(states.get(zone, NORMAL), sizes.get(zone, 0), config.node_eviction_rate,
                             config.secondary_node_eviction_rate, config.large_cluster_size_threshold)
        token = memory["tokens"].get(zone, now)
        if rate <= 0 or token > now:
            delays += [token - now] if rate > 0 else []
            add = None
        else:
            memory = memory.set("tokens", memory["tokens"].set(zone, now + max(1, round(1 / rate))))
    added, removed = _condition_taint_changes(node)
    last = Result(marks, requeue_after=min(delays) if delays else None)
    retaint = _retaint(name, added + ((add,) if add else ()), removed + ((remove,) if remove else ()), now, last)
    return attrs.evolve(retaint, memory=memory)


def reconcile(ctx: Context) -> Result:
    return _reconcile_node(ctx, ctx.key[0])


def _node_changed(old: Node, new: Node) -> bool:
    return (old.status.conditions != new.status.conditions or old.spec != new.spec
            or old.metadata.labels != new.metadata.labels)


def _ready_status(node: Node) -> str | None:
    ready = node.status.condition("Ready")
    return None if ready is None else ready.status


def enqueue(event: WatchEvent, old: Any, cache: Objects) -> Iterator[Key]:
    """A node's changes queue it; a change of a node's Ready status, zone or presence queues every node, since
    zone states depend on all of them."""
    obj = event.object
    if obj.kind != "Node":
        return
    excluded = EXCLUDE_DISRUPTION_LABEL in obj.metadata.labels
    if event.type in (ADDED, DELETED) or old is None or _ready_status(old) != _ready_status(obj) or \
            zone_key(old) != zone_key(obj) or (EXCLUDE_DISRUPTION_LABEL in old.metadata.labels) != excluded:
        yield (obj.name,)
        yield from ((n.name,) for n in cache.list("Node") if n.name != obj.name)
    elif _node_changed(old, obj):
        yield (obj.name,)


def initial_keys(cache: Objects) -> Iterator[Key]:
    """The first monitorNodeHealth pass looks at every node."""
    return ((n.name,) for n in cache.list("Node"))


def observe(memory: FrozenDict, request: rq.Request, response: rq.Response) -> FrozenDict:
    """A failed MarkPodsNotReady update (other than NotFound) leaves the node to retry (nodesToRetry)."""
    if response.ok or response.code == 404 or not isinstance(request, rq.UpdateStatus) or request.object.kind != "Pod":
        return memory
    node = request.object.spec.node_name
    health = _health(memory).get(node)
    if health is None:
        return memory
    return memory.set("health", _health(memory).set(node, attrs.evolve(health, mark_pods=True)))


CONTROLLER = Controller(NAME, frozenset({"Node", "Pod"}), enqueue, initial_keys, reconcile, observe)
"""Watches pods (MarkPodsNotReady reads them) but is queued by node events only."""
