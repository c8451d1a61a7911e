"""Control-plane faults: a controller restarts, a watch breaks and its informer re-lists, a request gets an error.

Each is enabled only when its name is in ``ModelConfig.faults`` (see ``model.config.FAULTS``):

- ``controller-restart`` (:class:`RestartController`): kube-controller-manager restarts a controller. Its
  informer LISTs afresh, every key its initial list yields is queued, and what it kept in memory (expectations,
  back-off, its work queue) is gone: ``model.controllers.base.start``, as on the first start.
- ``watch-relist`` (:class:`WatchReconnect`): a component's watch breaks (the API server restarts, or the watch
  expires with ``410 Gone``: "too old resource version"), and its reflector re-LISTs
  (staging/src/k8s.io/client-go/tools/cache/reflector.go, ListAndWatch). The events it had not yet observed are
  never delivered one by one: ``DeltaFIFO.Replace`` (tools/cache/delta_fifo.go) hands the handlers each listed
  object (an update of the cached one, or an add) and then a ``DeletedFinalStateUnknown`` tombstone, carrying the
  last cached state, for every cached object the list no longer has; ``sharedIndexInformer.HandleDeltas``
  (tools/cache/shared_informer.go) turns these into OnAdd/OnUpdate/OnDelete after updating the cache one object
  at a time (tools/cache/controller.go processDeltas). An object the cache already has is handed over as an
  update even when unchanged: handlers decide, as upstream's do (the ReplicaSet controller's ``updatePod`` returns
  on equal resourceVersions while its ``updateRS`` queues the ReplicaSet on every call,
  pkg/controller/replicaset/replica_set.go).
- ``request-error`` (:class:`FailNextRequest`): the API server answers a component's next request with an error
  instead of serving it (nothing is written; ``model.state.submit`` spends the mark): ``500 InternalError`` (e.g.
  etcd timing out: "etcdserver: request timed out"), or ``429 TooManyRequests`` from API Priority and Fairness or
  ``--max-requests-inflight`` (staging/src/k8s.io/apiserver/pkg/server/filters/priority-and-fairness.go and
  maxinflight.go, ``tooManyRequests``). client-go retries by itself, up to 10 times, an answer of 429 or 5xx that
  carries ``Retry-After`` (as the 429 does: staging/src/k8s.io/client-go/rest/request.go ``checkWait``,
  with_retry.go ``IsNextRetry``), so a component sees a 429 only once those retries are spent: the model's 429 is
  that last answer, with client-go's message for it (``NewGenericServerResponse``). Components cope as upstream's
  do: a controller's sync fails and its key is requeued with rate-limited back-off (pkg/controller/* ``syncHandler``
  errors, workqueue ``AddRateLimited``); the scheduler backs the pod off and marks it ``SchedulerError``
  (``handleBindingCycleError``); the kubelet
  sends the pod status again (pkg/kubelet/status/status_manager.go ``syncPod``) and retries a node status update at
  once (``nodeStatusUpdateRetry``). It is offered for each identity with a request about to go out: a controller with
  a key ready to reconcile, the scheduler with a pod to schedule, a kubelet of a reachable, running node with a pod
  to sync.

Deliberate simplifications: an error answer always means the request was not served (an etcd timeout may leave a
write applied after all; that ambiguity is not explored). One model informer watches all its kinds through one
watch, so they re-list together (upstream each kind has its own reflector; re-listing them at one moment is one of
the behaviours a real controller can see, e.g. after an API server restart). kube-controller-manager's controllers
share their informers (``Informer.shared``), so a broken watch there re-lists every controller's view at once. The
scheduler, kubelets and kube-proxy keep their memory across a broken watch (only their informer re-lists);
restarting them is not modelled here (a kubelet's restart is ``model.kubelet.component.CrashNode``/``RecoverNode``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs

from model import maintenance
from model.apiserver import requests as rq
from model.auth.identity import SCHEDULER, kubelet_identity
from model.component import Component, Step
from model.config import ModelConfig
from model.controllers import base
from model.controllers.manager import BY_NAME as CONTROLLERS
from model.informers import Informer, pending
from model.kubelet import component as kubelet
from model.load import NODE_OVERLOAD, OverloadNode
from model.scheduler import component as scheduler
from model.state import ClusterState, lagging, members
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent

CONTROLLER_RESTART = "controller-restart"
WATCH_RELIST = "watch-relist"
REQUEST_ERROR = "request-error"
ERRORS = {
    500: rq.Response(500, "InternalError", "Internal error occurred: etcdserver: request timed out"),
    429: rq.Response(429, "TooManyRequests",
                     "the server has received too many requests and has asked us to try again later"),
}
"""The answers a ``request-error`` fault gives, by HTTP code."""

Notify = Callable[[ClusterState, str, WatchEvent, Any], ClusterState]
"""How the cluster lets every component react to an event an informer observed (``Component.observed``)."""


@attrs.frozen
class RestartController:
    """kube-controller-manager restarts ``controller``: a fresh informer, its initial keys queued, no memory."""

    controller: str

    def describe(self) -> str:
        return f"{self.controller} restarts (re-lists; its memory and work queue are lost)"


@attrs.frozen
class WatchReconnect:
    """``component``'s watch breaks (a component's own, or a process's shared informers: see
    ``model.state.members``); every informer it feeds re-lists, skipping the events it had not yet observed."""

    component: str

    def describe(self) -> str:
        return f"{self.component}'s watch breaks and its informer re-lists"


@attrs.frozen
class FailNextRequest:
    """The API server answers the next request of the identity named ``user`` with the error ``code`` (a key of
    :data:`ERRORS`) instead of serving it."""

    user: str
    code: int

    def describe(self) -> str:
        error = ERRORS[self.code]
        return f"the API server answers {self.user}'s next request with {error.code} {error.reason}"


ACTIONS = (RestartController, WatchReconnect, FailNextRequest)


def _has_state_to_lose(informer: Informer, events: tuple[WatchEvent, ...]) -> bool:
    """Whether a restart changes more than a periodic resync would: the controller remembers something, has work
    queued or failing, or has events still to observe."""
    return bool(informer.memory or informer.queue or informer.failures or pending(informer, events))


def enabled(state: ClusterState, config: ModelConfig) -> Iterator[Any]:
    """A restart of every controller with state to lose; a broken watch for every connected informer with at
    least two events still to observe (with one, re-listing is the same as delivering it)."""
    if CONTROLLER_RESTART in config.faults:
        for name in sorted(CONTROLLERS):
            informer = state.informers.get(name)
            if informer is not None and _has_state_to_lose(informer, state.events):
                yield RestartController(name)
    if WATCH_RELIST in config.faults:
        for name in lagging(state):
            if max(len(pending(state.informer(m), state.events)) for m in members(state, name)) >= 2:
                yield WatchReconnect(name)
    if REQUEST_ERROR in config.faults:
        for user in dict.fromkeys(_about_to_send(state, config)):
            if user not in state.failing:
                yield from (FailNextRequest(user, code) for code in ERRORS)


def _about_to_send(state: ClusterState, config: ModelConfig) -> Iterator[str]:
    """The identities whose next action sends requests: controllers with a key ready to reconcile, the scheduler
    with a cycle due, kubelets of reachable, running nodes with a pod to sync."""
    for name, controller in sorted(CONTROLLERS.items()):
        informer = state.informers.get(name)
        if informer is not None and base.ready_keys(informer, state.time):
            yield controller.identity.name
    if scheduler.cycle_due(state):
        yield SCHEDULER.name
    syncing = {a.node for a in kubelet.enabled(state, config) if isinstance(a, kubelet.KubeletSyncPod)}
    for node in sorted(syncing):
        runtime = state.nodes[node]
        if runtime.up and runtime.reachable:
            yield kubelet_identity(node).name


def relist_events(cached: Objects, listed: Objects, revision: int) -> tuple[tuple[WatchEvent, Any], ...]:
    """What a re-list hands the handlers, with the cached object each replaces: per kind, every listed object in
    list order (ADDED when the cache lacks it, else MODIFIED, changed or not), then a DELETED tombstone with the
    last cached state for every cached object the list no longer has."""
    changes: list[tuple[WatchEvent, Any]] = []
    for kind in sorted(set(cached.kinds()) | set(listed.kinds())):
        for obj in listed.list(kind):
            old = cached.get(*obj.key)
            changes.append((WatchEvent(ADDED if old is None else MODIFIED, obj, revision), old))
        for old in cached.list(kind):
            if listed.get(*old.key) is None:
                changes.append((WatchEvent(DELETED, old, revision), old))
    return tuple(changes)


def relist(state: ClusterState, name: str, notify: Notify) -> ClusterState:
    """``name``'s informer re-lists; its owner's handlers see the list one object at a time, each after the cache
    took it in."""
    informer = state.informer(name)
    listed = informer.relist(state.store.objects, state.store.revision)
    for event, old in relist_events(informer.cache, listed.cache, state.store.revision):
        state = state.with_informer(name, state.informer(name).observe(event))
        state = notify(state, name, event, old)
    return state.with_informer(name, attrs.evolve(state.informer(name), revision=state.store.revision))


def apply(state: ClusterState, action: Any, config: ModelConfig, notify: Notify) -> Step:
    if isinstance(action, RestartController):
        return Step(base.start(CONTROLLERS[action.controller], state))
    if isinstance(action, FailNextRequest):
        return Step(attrs.evolve(state, failing=state.failing.set(action.user, ERRORS[action.code])))
    for name in members(state, action.component):
        state = relist(state, name, notify)
    return Step(state)


def component(notify: Notify) -> Component:
    """The faults component; ``notify`` is the cluster's dispatch of observed events to every component."""
    return Component("faults", ACTIONS, enabled, lambda state, action, config: apply(state, action, config, notify))


def fault_of(action: Any) -> str | None:
    """The ``FAULTS`` name of a fault action (a node crash, a partition, a container crashing, a controller restart,
    a broken watch, a failed request), or None for every other action, recoveries included."""
    if isinstance(action, kubelet.ContainerExit):
        return "container-crash" if action.exit_code != 0 else None
    if isinstance(action, maintenance.DrainStep):
        return maintenance.NODE_DRAIN if maintenance.starts_drain(action.request) and not action.by_user else None
    return {kubelet.CrashNode: "node-crash", kubelet.PartitionNode: "partition", RestartController: CONTROLLER_RESTART,
            WatchReconnect: WATCH_RELIST, FailNextRequest: REQUEST_ERROR,
            OverloadNode: NODE_OVERLOAD}.get(type(action))
