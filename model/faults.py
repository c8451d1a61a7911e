"""Control-plane faults: a controller restarts, a watch breaks and its informer re-lists.

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

Deliberate simplifications: one model informer watches all its kinds through one watch, so they re-list together
(upstream each kind has its own reflector; re-listing them at one moment is one of the behaviours a real
controller can see, e.g. after an API server restart). The scheduler, kubelets and kube-proxy keep their memory
across a broken watch (only their informer re-lists); restarting them is not modelled here (a kubelet's restart
is ``model.kubelet.component.CrashNode``/``RecoverNode``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs

from model.component import Component, Step
from model.config import ModelConfig
from model.controllers import base
from model.controllers.manager import BY_NAME as CONTROLLERS
from model.informers import Informer, pending
from model.state import ClusterState, lagging
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent

CONTROLLER_RESTART = "controller-restart"
WATCH_RELIST = "watch-relist"

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
    """``component``'s watch breaks; its informer re-lists, skipping the events it had not yet observed."""

    component: str

    def describe(self) -> str:
        return f"{self.component}'s watch breaks and its informer re-lists"


ACTIONS = (RestartController, WatchReconnect)


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
            if len(pending(state.informer(name), state.events)) >= 2:
                yield WatchReconnect(name)


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
    return Step(relist(state, action.component, notify))


def component(notify: Notify) -> Component:
    """The faults component; ``notify`` is the cluster's dispatch of observed events to every component."""
    return Component("faults", ACTIONS, enabled, lambda state, action, config: apply(state, action, config, notify))
