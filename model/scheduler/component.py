"""kube-scheduler as a component: its informer, scheduling queue and cache, one cycle per action.

The scheduler sees the cluster only through its informer. It takes the head of its active queue
(PrioritySort: higher priority first, then earlier arrival), runs one scheduling cycle over its
cache plus the pods it has *assumed* (bound but not yet seen back through the watch), and binds
through the API server as ``system:kube-scheduler``. Every node tied for the best score is offered
as its own action, so exploration covers upstream's random tie-break. A pod that fits nowhere gets
``PodScheduled=False/Unschedulable`` with the FitError message, may preempt lower-priority pods
(DefaultPreemption: victims deleted, the pod nominated), and waits in the unschedulable pool until a
cluster event moves it back, after its back-off.

A pod with unbound WaitForFirstConsumer claims goes through VolumeBinding's Reserve and PreBind first
(:mod:`model.scheduler.volume_binding`): the chosen volumes are pre-bound and the claims to provision annotated
with the node, in the same action as the scheduling cycle; the pod stays assumed on the node while its binding
cycle waits for the PV controller, and a later :class:`FinishBinding` binds it (or fails the binding cycle), as
upstream's asynchronous binding goroutine does while the next pods are scheduled.

Sources: pkg/scheduler/schedule_one.go (scheduleOne, assume, bindingCycle: Reserve, PreBind, Bind;
handleBindingCycleError, handleSchedulingFailure),
pkg/scheduler/backend/queue/scheduling_queue.go (activeQ, backoffQ with podInitialBackoffSeconds 1 and
podMaxBackoffSeconds 10, unschedulablePods flushed after podMaxInUnschedulablePodsDuration 5 min,
MoveAllToActiveOrBackoffQueue on cluster events), pkg/scheduler/eventhandlers.go.
Deliberate simplifications: every Node/Pod/PVC/PV/Namespace/Service event moves unschedulable pods back
(upstream filters with per-plugin queueing hints, so the model retries more often, never less), and
queue arrival order is the pod's creation (or its last requeue) time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import SCHEDULER
from model.component import Component, Step, by_inputs
from model.config import ModelConfig
from model.frozendict import FrozenDict
from model.informers import Informer
from model.objects import Pod
from model.objects.pod import PodCondition
from model.scheduler import volume_binding as vb
from model.scheduler.framework import DEFAULT_PROFILE, pod_priority, schedule
from model.scheduler.preemption import failure_message, post_filter
from model.scheduler.snapshot import Snapshot
from model.state import ClusterState, submit
from model.store import WatchEvent

NAME = "scheduler"
WATCHES = frozenset({"Pod", "Node", "PersistentVolumeClaim", "PersistentVolume", "Namespace", "Service",
                     "ReplicationController", "ReplicaSet", "StatefulSet", "StorageClass"})
INITIAL_BACKOFF, MAX_BACKOFF = 1, 10
MAX_UNSCHEDULABLE_SECONDS = 300
SCHEDULER_NAME = "default-scheduler"
UNSCHEDULABLE, SCHEDULER_ERROR = "Unschedulable", "SchedulerError"
"""v1.PodReasonUnschedulable and v1.PodReasonSchedulerError: PodScheduled False after a cycle that found no node,
and after one that failed with an error (such as an error answer to the binding)."""


@attrs.frozen
class SchedulePod:
    """One scheduling cycle for the pod at the head of the queue: bind it to ``node`` (one of the nodes tied
    for the best score), or, with ``node`` None, record that it fits nowhere (and preempt if that helps)."""

    namespace: str
    name: str
    node: str | None

    def describe(self) -> str:
        target = f"binds it to {self.node}" if self.node else "finds no node for it"
        return f"scheduler picks pod {self.namespace}/{self.name} and {target}"


def _memory(informer: Informer, name: str) -> FrozenDict:
    return informer.memory.get(name, FrozenDict())


def _remember(informer: Informer, name: str, value: FrozenDict) -> Informer:
    return attrs.evolve(informer, memory=informer.memory.set(name, value))


def setup(state: ClusterState) -> ClusterState:
    informer = Informer(kinds=WATCHES).relist(state.store.objects, state.store.revision)
    return state.with_informer(NAME, informer)


def _snapshot(informer: Informer) -> Snapshot:
    """The scheduler cache: the informer's objects with assumed pods shown bound to their nodes, and the volumes
    and claims VolumeBinding assumed in place of the informer's (the PV/PVC assume caches)."""
    assumed = _memory(informer, "assumed")
    pods = []
    for pod in informer.cache.list("Pod"):
        node = assumed.get(pod.key)
        pods.append(attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=node)) if node and not pod.node_name
                    else pod)
    volumes = _memory(informer, "assumed-volumes")
    objects = [vb.shadowed(obj, volumes) for kind in WATCHES if kind != "Pod" for obj in informer.cache.list(kind)]
    return Snapshot.of([*objects, *pods])


def _wants_scheduling(pod: Pod) -> bool:
    return (not pod.spec.node_name and pod.spec.scheduler_name == SCHEDULER_NAME and not pod.is_terminated
            and pod.metadata.deletion_timestamp is None and not pod.spec.scheduling_gates)


def _queue(informer: Informer, now: int) -> list[Pod]:
    """The active queue in PrioritySort order: pods waiting for a node, not assumed, not parked as
    unschedulable, and past their back-off."""
    assumed, parked = _memory(informer, "assumed"), _memory(informer, "unschedulable")
    backoff, arrival = _memory(informer, "backoff"), _memory(informer, "arrival")
    waiting = [p for p in informer.cache.list("Pod") if _wants_scheduling(p) and p.key not in assumed
               and p.key not in parked and backoff.get(p.key, 0) <= now]
    created = lambda p: p.metadata.creation_timestamp if isinstance(p.metadata.creation_timestamp, int) else 0
    return sorted(waiting, key=lambda p: (-pod_priority(p), arrival.get(p.key, created(p)), p.metadata.uid or ""))


def _prebinding_outcome(state: ClusterState, informer: Informer, binding: vb.PreBinding) -> bool | str | None:
    return vb.outcome(binding, informer.cache, state.time, vb.bind_timeout(DEFAULT_PROFILE))


def _finishable(state: ClusterState, informer: Informer) -> list[vb.PreBinding]:
    """The pods whose PreBind wait is over: their claims are bound, binding failed, or it timed out."""
    return [binding for _, binding in sorted(_memory(informer, "prebind").items())
            if _prebinding_outcome(state, informer, binding) is not None]


def enabled(state: ClusterState, config: ModelConfig) -> Iterator[Any]:
    informer = state.informers.get(NAME)
    if informer is None:
        return
    queue = _queue(informer, state.time)
    if queue:
        pod = queue[0]
        result = schedule(pod, _snapshot(informer), DEFAULT_PROFILE, _memory(informer, "cursor").get("next", 0))
        for node in result.best or (None,):
            yield SchedulePod(pod.namespace, pod.name, node)
    for binding in _finishable(state, informer):
        yield FinishBinding(binding.pod.namespace, binding.pod.name)
    parked = _memory(informer, "unschedulable")
    if any(state.time - since >= MAX_UNSCHEDULABLE_SECONDS for since in parked.values()):
        yield FlushUnschedulable()


def cycle_due(state: ClusterState) -> bool:
    """Whether the scheduler is about to send requests: some pod waits in the active queue, or a binding cycle
    waiting in PreBind can finish."""
    informer = state.informers.get(NAME)
    return informer is not None and (bool(_queue(informer, state.time)) or bool(_finishable(state, informer)))


@attrs.frozen
class FinishBinding:
    """The binding cycle of a pod waiting in VolumeBinding's PreBind goes on: its claims are all bound, so the pod
    is bound; or checkBindings failed or timed out, so the pod goes back to scheduling."""

    namespace: str
    name: str

    def describe(self) -> str:
        return f"scheduler finishes the volume binding of pod {self.namespace}/{self.name}"


@attrs.frozen
class FlushUnschedulable:
    """flushUnschedulablePodsLeftover: pods parked for 5 minutes go back to the queue."""

    def describe(self) -> str:
        return "scheduler retries pods unschedulable for 5 minutes"


def apply(state: ClusterState, action: Any, config: ModelConfig) -> Step:
    informer = state.informer(NAME)
    if isinstance(action, FlushUnschedulable):
        parked = _memory(informer, "unschedulable")
        keep = FrozenDict({k: v for k, v in parked.items() if state.time - v < MAX_UNSCHEDULABLE_SECONDS})
        return Step(state.with_informer(NAME, _remember(informer, "unschedulable", keep)))
    if isinstance(action, FinishBinding):
        return _finish_binding(state, informer, action, config)
    pod = informer.cache.get("Pod", action.namespace, action.name)
    snapshot = _snapshot(informer)
    result = schedule(pod, snapshot, DEFAULT_PROFILE, _memory(informer, "cursor").get("next", 0))
    informer = _remember(informer, "cursor", FrozenDict({"next": result.next_start_index}))
    if action.node is not None:
        return _reserve(state, informer, pod, action.node, snapshot, config)
    return _fail(state, informer, pod, result.message or "", config)


def _send(state: ClusterState, informer: Informer, requests: list[rq.Request], config: ModelConfig
          ) -> tuple[ClusterState, list[rq.Response], list[WatchEvent]]:
    state = state.with_informer(NAME, informer)
    responses, events = [], []
    for request in requests:
        state, response, caused = submit(state, request, config)
        responses.append(response)
        events.extend(caused)
    return state, responses, events


def _reserve(state: ClusterState, informer: Informer, pod: Pod, node: str, snapshot: Snapshot,
             config: ModelConfig) -> Step:
    """Reserve, then the binding cycle: a pod whose claims are all bound is bound at once; otherwise VolumeBinding
    assumes its decisions and PreBind writes them (bindAPIUpdate: volumes, then claims, stopping at the first
    error), and the pod, assumed on the node, waits for the PV controller (:class:`FinishBinding`)."""
    reservation = vb.reserve(pod, node, snapshot, DEFAULT_PROFILE)
    if reservation is None:
        return _bind(state, informer, pod, node, config)
    volumes = _memory(informer, "assumed-volumes")
    for obj in reservation.writes:
        volumes = volumes.set(obj.key, obj)
    informer = _remember(informer, "assumed-volumes", volumes)
    informer = _remember(informer, "assumed", _memory(informer, "assumed").set(pod.key, node))
    responses: list[rq.Response] = []
    events: list[WatchEvent] = []
    for obj in reservation.writes:
        state, sent, caused = _send(state, informer, [rq.Update(SCHEDULER, obj)], config)
        informer = state.informer(NAME)
        responses += sent
        events += caused
        if not sent[0].ok:
            binding = vb.PreBinding(pod, node, reservation.volumes, state.time)
            step = _binding_failed(state, informer, pod, binding, vb.prebind_message(sent[0].message), config)
            return Step(step.state, tuple(responses) + step.responses, tuple(events) + step.events)
    binding = vb.PreBinding(pod, node, vb.written(reservation.volumes, (r.object for r in responses)), state.time)
    informer = _remember(informer, "prebind", _memory(informer, "prebind").set(pod.key, binding))
    return Step(state.with_informer(NAME, informer), tuple(responses), tuple(events))


def _finish_binding(state: ClusterState, informer: Informer, action: FinishBinding, config: ModelConfig) -> Step:
    """The end of BindPodVolumes' wait: bind the pod once checkBindings reports every claim bound; on its error or
    the timeout, fail the binding cycle."""
    key = ("Pod", action.namespace, action.name)
    binding = _memory(informer, "prebind").get(key)
    result = None if binding is None else _prebinding_outcome(state, informer, binding)
    if result is None:
        return Step(state)
    informer = _remember(informer, "prebind", _memory(informer, "prebind").discard(key))
    if result is True:
        return _bind(state, informer, binding.pod, binding.node, config, binding)
    current = informer.cache.get("Pod", action.namespace, action.name)
    return _binding_failed(state, informer, current, binding, vb.prebind_message(result), config)


def _bind(state: ClusterState, informer: Informer, pod: Pod, node: str, config: ModelConfig,
          binding: vb.PreBinding | None = None) -> Step:
    """assume, then bind (DefaultBinder); a failed binding fails the binding cycle (:func:`_binding_failed`)."""
    request = rq.Bind(SCHEDULER, pod.namespace, pod.name, node, uid=pod.metadata.uid)
    state, responses, events = _send(state, informer, [request], config)
    informer = state.informer(NAME)
    if responses[0].ok:
        informer = _remember(informer, "assumed", _memory(informer, "assumed").set(pod.key, node))
        informer = _remember(informer, "attempts", _memory(informer, "attempts").discard(pod.key))
        informer = _remember(informer, "backoff", _memory(informer, "backoff").discard(pod.key))
        return Step(state.with_informer(NAME, informer), tuple(responses), tuple(events))
    current = informer.cache.get("Pod", pod.namespace, pod.name)
    step = _binding_failed(state, informer, current, binding, responses[0].message, config)
    return Step(step.state, tuple(responses) + step.responses, tuple(events) + step.events)


def _binding_failed(state: ClusterState, informer: Informer, pod: Pod | None, binding: vb.PreBinding | None,
                    message: str, config: ModelConfig) -> Step:
    """handleBindingCycleError: Unreserve (the assumed volumes and claims are restored), forget the assumed pod,
    back it off, and record the error in its status: PodScheduled False with reason ``SchedulerError`` and the
    error's message, the nominated node cleared (handleSchedulingFailure's updatePod). A pod that is gone
    meanwhile is only forgotten. Upstream patches only those fields; the model's API has no status patch, so the
    update carries the cached resourceVersion and cannot overwrite a status written since (it gets Conflict,
    which upstream's updatePod would only log)."""
    if binding is not None:
        volumes = _memory(informer, "assumed-volumes")
        for key in binding.keys():
            volumes = volumes.discard(key)
        informer = _remember(informer, "assumed-volumes", volumes)
        informer = _remember(informer, "assumed", _memory(informer, "assumed").discard(binding.pod.key))
    if pod is None or (binding is not None and pod.metadata.uid != binding.pod.metadata.uid):
        return Step(state.with_informer(NAME, informer))
    informer = _back_off(informer, pod, state.time)
    status = _not_scheduled(pod, SCHEDULER_ERROR, message, None, state.time)
    update = [] if status == pod.status else [rq.UpdateStatus(SCHEDULER, attrs.evolve(pod, status=status))]
    state, responses, events = _send(state, informer, update, config)
    return Step(state, tuple(responses), tuple(events))


def _not_scheduled(pod: Pod, reason: str, message: str, nominated: str | None, now: int) -> Any:
    """The pod's status with PodScheduled False for ``reason`` (its lastTransitionTime kept while it stays False)
    and ``nominated`` as its nominated node."""
    condition = PodCondition(type="PodScheduled", status="False", reason=reason, message=message,
                             last_transition_time=now)
    old = pod.status.condition("PodScheduled")
    if old is not None and old.status == "False":
        condition = attrs.evolve(condition, last_transition_time=old.last_transition_time)
    conditions = tuple(c for c in pod.status.conditions if c.type != "PodScheduled") + (condition,)
    return attrs.evolve(pod.status, conditions=conditions, nominated_node_name=nominated)


def _back_off(informer: Informer, pod: Pod, now: int) -> Informer:
    """Each failed attempt doubles the pod's back-off: 1 s, 2 s, ... capped at 10 s."""
    attempts = _memory(informer, "attempts")
    count = attempts.get(pod.key, 0) + 1
    delay = min(INITIAL_BACKOFF * 2 ** (count - 1), MAX_BACKOFF)
    informer = _remember(informer, "attempts", attempts.set(pod.key, count))
    return _remember(informer, "backoff", _memory(informer, "backoff").set(pod.key, now + delay))


def _fail(state: ClusterState, informer: Informer, pod: Pod, fit_error: str, config: ModelConfig) -> Step:
    """handleSchedulingFailure: PostFilter (preemption), the PodScheduled condition, park the pod."""
    outcome = post_filter(pod, _snapshot(informer), DEFAULT_PROFILE)
    message = failure_message(fit_error, outcome)
    requests: list[rq.Request] = []
    nominated = pod.status.nominated_node_name
    if outcome.preemption is not None:
        preemption = outcome.preemption
        nominated = preemption.node
        for victim in preemption.victims:
            requests.append(rq.Delete(SCHEDULER, "Pod", victim.namespace, victim.name,
                                      precondition_uid=victim.metadata.uid))
        for other in preemption.nominated_to_clear:
            cleared = attrs.evolve(other.status, nominated_node_name=None)
            requests.append(rq.UpdateStatus(SCHEDULER, attrs.evolve(other, status=cleared, metadata=attrs.evolve(
                other.metadata, resource_version=None))))
    status = _not_scheduled(pod, UNSCHEDULABLE, message, nominated, state.time)
    if status != pod.status:
        requests.append(rq.UpdateStatus(SCHEDULER, attrs.evolve(
            pod, status=status, metadata=attrs.evolve(pod.metadata, resource_version=None))))
    informer = _back_off(informer, pod, state.time)
    informer = _remember(informer, "unschedulable", _memory(informer, "unschedulable").set(pod.key, state.time))
    state, responses, events = _send(state, informer, requests, config)
    return Step(state, tuple(responses), tuple(events))


def observed(state: ClusterState, informer_name: str, event: WatchEvent, old: Any) -> ClusterState:
    """After the scheduler's informer observed ``event``: confirm or drop assumptions (pods, and the volumes and
    claims of the assume caches once the informer has a newer version), and move unschedulable pods back to the
    queue (MoveAllToActiveOrBackoffQueue)."""
    if informer_name != NAME:
        return state
    informer = state.informer(NAME)
    if event.object.kind == "Pod":
        assumed = _memory(informer, "assumed")
        if event.key in assumed and (event.type == "DELETED" or event.object.node_name):
            informer = _remember(informer, "assumed", assumed.discard(event.key))
        if event.type == "DELETED":
            for name in ("unschedulable", "attempts", "backoff", "arrival"):
                informer = _remember(informer, name, _memory(informer, name).discard(event.key))
    volumes = _memory(informer, "assumed-volumes")
    if event.key in volumes and vb.superseded(volumes[event.key], event.type, event.object):
        informer = _remember(informer, "assumed-volumes", volumes.discard(event.key))
    parked = _memory(informer, "unschedulable")
    if parked and event.object.kind in WATCHES and event.key not in parked:
        arrival = _memory(informer, "arrival")
        for key in parked:
            arrival = arrival.set(key, state.time)
        informer = _remember(_remember(informer, "unschedulable", FrozenDict()), "arrival", arrival)
    return state.with_informer(NAME, informer)


def inputs(state: ClusterState) -> tuple[tuple, int]:
    """What :func:`enabled` reads: the scheduler's informer, and the time."""
    return (state.informers.get(NAME),), state.time


COMPONENT = Component(NAME, (SchedulePod, FinishBinding, FlushUnschedulable), by_inputs(enabled, inputs), apply, setup,
                      observed)
