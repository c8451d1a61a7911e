"""The kubelets as a component: their actions, when each is enabled, and what it does.

Each node's kubelet reads its own informer (pods bound to the node and its Node object) and acts through the
API server as ``system:node:<name>``. The claims and volumes its pods mount it GETs from the API server, as
upstream's volume manager does (the Node authorizer lets a kubelet get them, never list or watch them: see
:mod:`model.kubelet.volumes`), so its informer watches no more than upstream's. What the node runs lives in the
state's ``nodes`` map; the API server learns of it only through status reports, which a down or partitioned node
cannot send. Sources: pkg/kubelet/kubelet.go, pkg/kubelet/nodestatus/setters.go (the Ready condition, ``kubelet is
posting ready status``), pkg/kubelet/prober (readiness).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import kubelet_identity
from model.component import Step, by_inputs
from model.config import ModelConfig
from model.frozendict import FrozenDict
from model.informers import Informer
from model.kubelet.runtime import NodeRuntime, PodRuntime
from model.kubelet.sync import sync_pod
from model.kubelet.volumes import mount_error, waits_for_volumes
from model.memo import IdentityMemo
from model.objects import Node, Pod
from model.objects.cluster import NodeCondition
from model.state import ClusterState, submit
from model.store import WatchEvent

UNREACHABLE = rq.Response(503, "ServiceUnavailable", "the node cannot reach the API server")
NODE_STATUS_UPDATE_RETRY = 5
"""nodeStatusUpdateRetry (pkg/kubelet/kubelet.go): how many times updateNodeStatus tries the node status update."""
STALE_CACHE_AFTER_RESTART = "kubelet-stale-cache-after-restart"
"""The ``ModelConfig.variants`` switch for a kubelet that does not re-list after a crash."""


def informer_name(node: str) -> str:
    return f"kubelet/{node}"


@attrs.frozen
class KubeletSyncPod:
    """A node's kubelet syncs one pod (its pod worker runs once)."""

    node: str
    uid: str
    namespace: str
    name: str

    def describe(self) -> str:
        return f"kubelet on {self.node} syncs pod {self.namespace}/{self.name}"


@attrs.frozen
class ContainerExit:
    """A running container exits with ``exit_code`` (0: it finished its work; otherwise it crashed)."""

    node: str
    uid: str
    container: str
    exit_code: int

    def describe(self) -> str:
        verb = "completes" if self.exit_code == 0 else f"crashes (exit {self.exit_code})"
        return f"container {self.container} of pod {self.uid} on {self.node} {verb}"


@attrs.frozen
class ContainerBecomesReady:
    """A running container's readiness probe succeeds."""

    node: str
    uid: str
    container: str

    def describe(self) -> str:
        return f"readiness probe of {self.container} in pod {self.uid} on {self.node} succeeds"


@attrs.frozen
class ContainerBecomesUnready:
    """A running container's readiness probe starts failing (the prober's result turns to Failure; the container
    keeps running, and a later success, :class:`ContainerBecomesReady`, makes it ready again). No component offers it:
    the environment does (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes)."""

    node: str
    uid: str
    container: str

    def describe(self) -> str:
        return f"readiness probe of {self.container} in pod {self.uid} on {self.node} fails"


@attrs.frozen
class ContainerWrites:
    """A running container writes data: to its own writable layer and to every volume it mounts."""

    node: str
    uid: str
    container: str

    def describe(self) -> str:
        return f"container {self.container} of pod {self.uid} on {self.node} writes data"


@attrs.frozen
class NodeHeartbeat:
    """The kubelet posts its Node's status (Ready, with a fresh lastHeartbeatTime)."""

    node: str

    def describe(self) -> str:
        return f"kubelet on {self.node} posts node status"


@attrs.frozen
class CrashNode:
    """Fault: the node's machine stops; every container on it dies."""

    node: str

    def describe(self) -> str:
        return f"node {self.node} crashes"


@attrs.frozen
class RecoverNode:
    """The crashed node boots again; its kubelet re-lists its pods from the API server."""

    node: str

    def describe(self) -> str:
        return f"node {self.node} recovers"


@attrs.frozen
class PartitionNode:
    """Fault: the node loses its connection to the API server; its containers keep running."""

    node: str

    def describe(self) -> str:
        return f"node {self.node} is partitioned from the API server"


@attrs.frozen
class HealPartition:
    """The partitioned node reaches the API server again (its watch re-lists)."""

    node: str

    def describe(self) -> str:
        return f"node {self.node}'s partition heals"


ACTIONS = (KubeletSyncPod, ContainerExit, ContainerBecomesReady, ContainerWrites, NodeHeartbeat, CrashNode,
           RecoverNode, PartitionNode, HealPartition, ContainerBecomesUnready)


def setup(state: ClusterState) -> ClusterState:
    """A running kubelet, with a synced informer, for every Node in the store; pods a snapshot shows
    running are running."""
    informers, nodes = dict(state.informers), dict(state.nodes)
    for node in state.store.list("Node"):
        informer = Informer(kinds=frozenset({"Pod", "Node"}), node=node.name)
        informers[informer_name(node.name)] = informer.relist(state.store.objects, state.store.revision)
        runtime = NodeRuntime()
        for pod in informers[informer_name(node.name)].cache.list("Pod"):
            if pod.status.phase == "Running":
                runtime = runtime.with_pod(_running_from_snapshot(pod, state.time))
        nodes[node.name] = runtime
    return attrs.evolve(state, informers=FrozenDict(informers), nodes=FrozenDict(nodes))


def _running_from_snapshot(pod: Pod, now: int) -> PodRuntime:
    from model.kubelet.sync import new_runtime
    runtime = new_runtime(pod)
    ready = {s.name: s.ready for s in pod.status.container_statuses}
    restarts = {s.name: s.restart_count for s in pod.status.container_statuses}
    started = lambda cs: tuple(attrs.evolve(c.start(now), ready=ready.get(c.name, False),
                                            restart_count=restarts.get(c.name, 0)) for c in cs)
    return attrs.evolve(runtime, init_containers=tuple(attrs.evolve(c, state="terminated", exit_code=0,
                                                                     reason="Completed")
                                                       for c in runtime.init_containers),
                        containers=started(runtime.containers))


_VIEWS = IdentityMemo(4096)
_WAITING = IdentityMemo(4096)
_NODE_ACTIONS = IdentityMemo(4096)


def _view(informer: Informer) -> tuple[Node | None, Mapping[str, Pod]]:
    """What the kubelet's informer shows: its Node and its pods by uid (read-only; memoised per informer)."""
    cached = _VIEWS.get((informer,), None)
    if cached is None:
        pods = MappingProxyType({p.metadata.uid: p for p in informer.cache.list("Pod")})
        cached = (informer.cache.get("Node", None, informer.node), pods)
        _VIEWS.put((informer,), None, cached)
    return cached


def _admitted(runtime: NodeRuntime, pods: Mapping[str, Pod], excluding: str) -> list[Pod]:
    """Pods the kubelet runs that count against the node for admission (not rejected, not finished)."""
    return [pods[uid] for uid, r in sorted(runtime.pods.items())
            if uid != excluding and uid in pods and r.rejected is None and not pods[uid].is_terminated]


_SYNCS = IdentityMemo(4096)


def _sync_with(node: str, runtime: NodeRuntime, node_obj: Node | None, pods: Mapping[str, Pod], uid: str, now: int,
               volumes_ready: bool) -> Any:
    """:func:`sync_pod` for one pod. Only admission (a pod the node does not run yet) reads the Node and the pods
    already admitted; any other sync is memoised by the identity of the pod and its runtime (a heartbeat or another
    pod's change leaves both the same objects), the node's name, the time and whether its volumes can be mounted."""
    pod, pod_runtime = pods.get(uid), runtime.pod(uid)
    if pod_runtime is None:
        return sync_pod(node, pod, None, node_obj, _admitted(runtime, pods, uid), now, volumes_ready)
    key = (node, now, volumes_ready)
    cached = _SYNCS.get((pod, pod_runtime), key)
    if cached is None:
        cached = (sync_pod(node, pod, pod_runtime, node_obj, (), now, volumes_ready),)
        _SYNCS.put((pod, pod_runtime), key, cached)
    return cached[0]


def _cannot_mount(state: ClusterState, node: str, pod: Pod) -> bool:
    """WaitForAttachAndMount fails for the pod: its kubelet cannot reach the API server to GET the claims, or a claim
    cannot be mounted (:func:`model.kubelet.volumes.mount_error`)."""
    return not state.nodes[node].reachable or mount_error(state.store, node, pod, state.time) is not None


def _sync(state: ClusterState, node: str, uid: str) -> Any:
    runtime = state.nodes[node]
    node_obj, pods = _view(state.informer(informer_name(node)))
    pod = pods.get(uid)
    ready = not waits_for_volumes(pod, runtime.pod(uid)) or not _cannot_mount(state, node, pod)
    return _sync_with(node, runtime, node_obj, pods, uid, state.time, ready)


def _waiting(runtime: NodeRuntime, informer: Informer) -> tuple[Pod, ...]:
    """The pods whose next sync depends on whether their claims can be mounted (memoised per runtime and informer)."""
    cached = _WAITING.get((runtime, informer), None)
    if cached is None:
        _, pods = _view(informer)
        cached = tuple(p for uid, p in sorted(pods.items()) if waits_for_volumes(p, runtime.pod(uid)))
        _WAITING.put((runtime, informer), None, cached)
    return cached


def enabled(state: ClusterState, config: ModelConfig) -> Iterator[Any]:
    """Node by node: a crashed node can only recover; a running one offers :func:`_node_actions`."""
    for node, runtime in sorted(state.nodes.items()):
        if runtime.up:
            yield from _node_actions(state, node, runtime, config)
        else:
            yield RecoverNode(node)


def inputs(state: ClusterState) -> tuple[tuple, int]:
    """What :func:`enabled` reads: every node's runtime and its kubelet's informer, the time, and the store only while
    some running node has a pod whose sync depends on mounting its claims (the volume manager's GETs,
    :func:`_cannot_mount`)."""
    informers = tuple(state.informers.get(informer_name(node)) for node in state.nodes)
    mounting = any(runtime.up and informer is not None and _waiting(runtime, informer)
                   for runtime, informer in zip(state.nodes.values(), informers, strict=True))
    return (state.nodes, state.store if mounting else None, *informers), state.time


OFFERED = by_inputs(enabled, inputs)
""":func:`enabled`, listed again only when a step changed what it reads (the component's ``enabled``)."""


def _node_actions(state: ClusterState, node: str, runtime: NodeRuntime, config: ModelConfig) -> tuple[Any, ...]:
    """What the running node's kubelet, its containers and faults on it can do.

    Memoised by the identity of the node's runtime and its informer (a state shares both with its predecessor unless
    the step changed them), the time, which pods cannot mount their claims now, and the config (by value: callers
    derive configs afresh): together everything these actions depend on. The volume manager's GETs are the only
    reads of the store; they are made afresh on every call, for the few pods whose sync depends on them
    (:func:`_waiting`)."""
    informer = state.informer(informer_name(node))
    blocked = frozenset(p.metadata.uid for p in _waiting(runtime, informer) if _cannot_mount(state, node, p))
    key = (node, state.time, blocked, config)
    cached = _NODE_ACTIONS.get((runtime, informer), key)
    if cached is None:
        cached = tuple(_fresh_node_actions(node, runtime, informer, state.time, blocked, config))
        _NODE_ACTIONS.put((runtime, informer), key, cached)
    return cached


def _fresh_node_actions(node: str, runtime: NodeRuntime, informer: Informer, now: int, blocked: frozenset[str],
                        config: ModelConfig) -> Iterator[Any]:
    """The pod syncs that change something (in uid order; the pods in ``blocked`` cannot mount their claims), the
    containers' actions, the heartbeat when due, and the node faults the config allows."""
    node_obj, pods = _view(informer)
    for uid in sorted(set(pods) | set(runtime.pods)):
        result = _sync_with(node, runtime, node_obj, pods, uid, now, uid not in blocked)
        if result is None or (not runtime.reachable and _kept(runtime, uid, result.runtime) == runtime.pod(uid)):
            continue
        pod = pods.get(uid) or runtime.pod(uid)
        yield KubeletSyncPod(node, uid, pod.namespace, pod.name)
    yield from _container_actions(node, runtime, pods, config)
    due = runtime.last_heartbeat is None or now - runtime.last_heartbeat >= config.node_status_update_frequency
    if runtime.reachable and due and node_obj is not None:
        yield NodeHeartbeat(node)
    if "node-crash" in config.faults:
        yield CrashNode(node)
    if "partition" in config.faults:
        yield PartitionNode(node) if runtime.reachable else HealPartition(node)
    elif not runtime.reachable:
        yield HealPartition(node)


def _token(pod: PodRuntime, container: str, restart_count: int) -> str:
    """What one incarnation of a container writes: unique per pod, container and restart."""
    return f"{pod.namespace}/{pod.name}/{container}#{restart_count}"


def _container_actions(node: str, runtime: NodeRuntime, pods: Mapping[str, Pod], config: ModelConfig) -> Iterator[Any]:
    for uid, pod_runtime in sorted(runtime.pods.items()):
        pod = pods.get(uid)
        if pod is None or pod_runtime.killed or pod_runtime.rejected is not None:
            continue
        specs = {c.name: (c, True) for c in pod.spec.init_containers}
        specs.update({c.name: (c, False) for c in pod.spec.containers})
        for state in pod_runtime.init_containers + pod_runtime.containers:
            if not state.running:
                continue
            container, init = specs[state.name]
            runs_to_completion = (init and not container.is_sidecar) or \
                (not init and pod.spec.restart_policy != "Always")
            if runs_to_completion:
                yield ContainerExit(node, uid, state.name, 0)
            if "container-crash" in config.faults:
                yield ContainerExit(node, uid, state.name, 1)
            if container.readiness_probe is not None and not state.ready:
                yield ContainerBecomesReady(node, uid, state.name)
            if container.volume_mounts and _token(pod_runtime, state.name, state.restart_count) not in state.disk:
                yield ContainerWrites(node, uid, state.name)


def apply(state: ClusterState, action: Any, config: ModelConfig) -> Step:
    handler = _APPLY[type(action)]
    return handler(state, action, config)


def _send(state: ClusterState, node: str, requests: Iterable[rq.Request], config: ModelConfig) -> Step:
    """Send the kubelet's requests in order, up to the first that fails (the status manager deletes a pod only once
    its final status went through); none arrive while the node is partitioned."""
    responses: list[rq.Response] = []
    events: list[WatchEvent] = []
    for request in requests:
        if responses and not responses[-1].ok:
            break
        if not state.nodes[node].reachable:
            responses.append(UNREACHABLE)
            continue
        state, response, caused = submit(state, request, config)
        responses.append(response)
        events.extend(caused)
    return Step(state, tuple(responses), tuple(events))


def _kept(runtime: NodeRuntime, uid: str, synced: PodRuntime | None) -> PodRuntime | None:
    """What a sync on an unreachable node leaves: its effect on the containers, but no status reported (nothing
    reaches the API server: the status manager still has to send what it computed)."""
    if synced is None:
        return None
    previous = runtime.pod(uid)
    return attrs.evolve(synced, reported=None if previous is None else previous.reported,
                        reported_at=None if previous is None else previous.reported_at)


def _apply_sync(state: ClusterState, action: KubeletSyncPod, config: ModelConfig) -> Step:
    """One sync; the status manager records a status as sent only once the API server accepted it
    (status_manager.go syncPod returns on an error before recording the version or deleting the pod): after an
    error answer the status is sent again, and a pod whose final status or deletion failed stays until they succeed."""
    result = _sync(state, action.node, action.uid)
    if result is None:
        return Step(state)
    before = state.nodes[action.node]
    pod_runtime = result.runtime if before.reachable else _kept(before, action.uid, result.runtime)
    runtime = before.without_pod(action.uid) if pod_runtime is None else before.with_pod(pod_runtime)
    sent = _send(state.with_node(action.node, runtime), action.node, result.requests, config)
    if not before.reachable or all(r.ok for r in sent.responses):
        return sent
    kept = before.pod(action.uid) if result.runtime is None else _kept(before, action.uid, result.runtime)
    runtime = before.without_pod(action.uid) if kept is None else before.with_pod(kept)
    return attrs.evolve(sent, state=sent.state.with_node(action.node, runtime))


def _with_container(state: ClusterState, node: str, uid: str, name: str, change: Any) -> ClusterState:
    runtime = state.nodes[node]
    pod = runtime.pod(uid)
    container = pod.container(name)
    return state.with_node(node, runtime.with_pod(pod.with_container(change(container))))


def _apply_exit(state: ClusterState, action: ContainerExit, config: ModelConfig) -> Step:
    reason = "Completed" if action.exit_code == 0 else "Error"
    return Step(_with_container(state, action.node, action.uid, action.container,
                                lambda c: c.stop(state.time, action.exit_code, reason)))


def _apply_ready(state: ClusterState, action: ContainerBecomesReady, config: ModelConfig) -> Step:
    return Step(_with_container(state, action.node, action.uid, action.container,
                                lambda c: attrs.evolve(c, ready=True)))


def _apply_unready(state: ClusterState, action: ContainerBecomesUnready, config: ModelConfig) -> Step:
    return Step(_with_container(state, action.node, action.uid, action.container,
                                lambda c: attrs.evolve(c, ready=False)))


def _apply_write(state: ClusterState, action: ContainerWrites, config: ModelConfig) -> Step:
    """The token lands in the container's own layer, its pod's mounted emptyDirs and its mounted claims' volumes."""
    runtime = state.nodes[action.node]
    pod_runtime = runtime.pod(action.uid)
    container_state = pod_runtime.container(action.container)
    token = _token(pod_runtime, action.container, container_state.restart_count)
    _, pods = _view(state.informer(informer_name(action.node)))
    pod = pods[action.uid]
    spec = next(c for c in pod.spec.init_containers + pod.spec.containers if c.name == action.container)
    mounted = {m.name for m in spec.volume_mounts}
    empty_dirs = FrozenDict({name: data | {token} if name in mounted else data
                             for name, data in pod_runtime.empty_dirs.items()})
    pod_runtime = attrs.evolve(pod_runtime, empty_dirs=empty_dirs).with_container(
        attrs.evolve(container_state, disk=container_state.disk | {token}))
    volumes = state.volumes
    for volume in pod.spec.volumes:
        if volume.name in mounted and volume.persistent_volume_claim is not None:
            claim = state.store.get("PersistentVolumeClaim", pod.namespace, volume.persistent_volume_claim.claim_name)
            if claim is not None:
                uid = claim.metadata.uid
                volumes = volumes.set(uid, volumes.get(uid, frozenset()) | {token})
    state = attrs.evolve(state.with_node(action.node, runtime.with_pod(pod_runtime)), volumes=volumes)
    return Step(state)


HEARTBEAT_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
"""The node conditions a healthy kubelet posts (pkg/kubelet/nodestatus/setters.go: MemoryPressureCondition,
DiskPressureCondition, PIDPressureCondition, ReadyCondition); resource pressure is not modelled."""


def _apply_heartbeat(state: ClusterState, action: NodeHeartbeat, config: ModelConfig) -> Step:
    """The kubelet's node status update: its conditions, each with this heartbeat's time."""
    node, _ = _view(state.informer(informer_name(action.node)))
    posted = []
    for type_, status, reason, message in HEARTBEAT_CONDITIONS:
        old = node.status.condition(type_)
        since = old.last_transition_time if old is not None and old.status == status else state.time
        posted.append(NodeCondition(type=type_, status=status, reason=reason, message=message,
                                    last_heartbeat_time=state.time, last_transition_time=since))
    owned = {c.type for c in posted}
    conditions = tuple(c for c in node.status.conditions if c.type not in owned) + tuple(posted)
    updated = attrs.evolve(node, metadata=attrs.evolve(node.metadata, resource_version=None),
                           status=attrs.evolve(node.status, conditions=conditions))
    state = state.with_node(action.node, attrs.evolve(state.nodes[action.node], last_heartbeat=state.time))
    request = rq.UpdateStatus(kubelet_identity(action.node), updated)
    responses: list[rq.Response] = []
    events: list[WatchEvent] = []
    for _ in range(NODE_STATUS_UPDATE_RETRY):  # updateNodeStatus tries again at once after an error
        sent = _send(state, action.node, (request,), config)
        state, responses, events = sent.state, responses + list(sent.responses), events + list(sent.events)
        if sent.responses[0].ok:
            break
    return Step(state, tuple(responses), tuple(events))


def _apply_crash(state: ClusterState, action: CrashNode, config: ModelConfig) -> Step:
    """Every container dies (SIGKILL: exit 137); the kubelet's restart back-off, kept in its memory, is lost."""
    runtime = state.nodes[action.node]
    stop = lambda c: attrs.evolve(c.stop(state.time, 137, "Error") if c.running else c, backoff=0)
    pods = FrozenDict({uid: attrs.evolve(p, init_containers=tuple(map(stop, p.init_containers)),
                                         containers=tuple(map(stop, p.containers)))
                       for uid, p in runtime.pods.items()})
    return Step(state.with_node(action.node, attrs.evolve(runtime, up=False, pods=pods)))


def _reconnect(state: ClusterState, node: str) -> ClusterState:
    """The kubelet's watch re-lists, and its status manager re-syncs every pod's status with the API server."""
    name = informer_name(node)
    informer = state.informer(name).relist(state.store.objects, state.store.revision)
    runtime = state.nodes[node]
    pods = FrozenDict({uid: attrs.evolve(p, reported=None) for uid, p in runtime.pods.items()})
    return state.with_informer(name, informer).with_node(node, attrs.evolve(runtime, pods=pods))


def _apply_recover(state: ClusterState, action: RecoverNode, config: ModelConfig) -> Step:
    """The kubelet starts again and re-lists its pods; with the ``kubelet-stale-cache-after-restart`` variant the
    list is served from a stale watch cache, so it resumes from what it knew before the crash
    (kubernetes/kubernetes#59848)."""
    runtime = attrs.evolve(state.nodes[action.node], up=True, last_heartbeat=None)
    state = state.with_node(action.node, runtime)
    if STALE_CACHE_AFTER_RESTART in config.variants:
        return Step(state)
    return Step(_reconnect(state, action.node))


def _apply_partition(state: ClusterState, action: PartitionNode, config: ModelConfig) -> Step:
    return Step(state.with_node(action.node, attrs.evolve(state.nodes[action.node], reachable=False)))


def _apply_heal(state: ClusterState, action: HealPartition, config: ModelConfig) -> Step:
    runtime = attrs.evolve(state.nodes[action.node], reachable=True, last_heartbeat=None)
    return Step(_reconnect(state.with_node(action.node, runtime), action.node))


_APPLY = {
    KubeletSyncPod: _apply_sync, ContainerExit: _apply_exit, ContainerBecomesReady: _apply_ready,
    ContainerWrites: _apply_write, NodeHeartbeat: _apply_heartbeat, CrashNode: _apply_crash,
    RecoverNode: _apply_recover, PartitionNode: _apply_partition, HealPartition: _apply_heal,
    ContainerBecomesUnready: _apply_unready,
}
