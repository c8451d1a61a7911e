"""The controller pattern shared by every controller: informer events enqueue keys; one reconcile of
one key is one action; its writes go through the API server as the controller's own identity.

Mirrors client-go's informer + workqueue pattern and kube-controller-manager's controllers
(e.g. pkg/controller/replicaset/replica_set.go: event handlers enqueue the owner's key, ``syncHandler``
reconciles one key from the listers, errors requeue the key with rate-limited back-off).
A controller's in-memory state (expectations, back-off) lives in ``memory`` and is lost when the
controller restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import UserInfo, controller_identity
from model.component import Step
from model.config import ModelConfig
from model.frozendict import FrozenDict
from model.informers import Informer
from model.state import ClusterState, submit
from model.store import Objects, WatchEvent

Key = tuple
"""A work-queue key: ``(namespace, name)`` of the object a controller reconciles (or ``(name,)``)."""

MAX_REQUEUE_DELAY = 1000
"""workqueue.DefaultControllerRateLimiter: per-item exponential back-off from 5 ms capped at 1000 s; the
model's clock counts whole seconds, so failed keys are retried after 1, 2, 4 ... seconds."""


@attrs.frozen
class Context:
    """What a reconcile sees: the controller's (possibly stale) cache, its memory, the key and the clock."""

    cache: Objects
    key: Key
    now: int
    memory: FrozenDict
    config: ModelConfig


@attrs.frozen
class Result:
    """A reconcile's decisions: requests to send in order, the memory to keep, and when to look again."""

    requests: tuple[rq.Request, ...] = ()
    memory: FrozenDict | None = None
    requeue_after: int | None = None


@attrs.frozen
class Controller:
    """One controller.

    ``enqueue(event, old, cache)`` gives the keys a watch event concerns (``old`` is the cached object the
    event replaces, ``cache`` the cache after it); ``initial_keys(cache)`` the keys queued when the
    controller starts (its informer's initial list); ``reconcile(ctx)`` one sync; ``observe(memory,
    request, response)`` lets the controller learn from each response (e.g. lower an expectation when a
    create fails).
    """

    name: str
    watches: frozenset[str]
    enqueue: Callable[[WatchEvent, Any, Objects], Iterable[Key]]
    initial_keys: Callable[[Objects], Iterable[Key]]
    reconcile: Callable[[Context], Result]
    observe: Callable[[FrozenDict, rq.Request, rq.Response], FrozenDict] = lambda memory, request, response: memory

    @property
    def identity(self) -> UserInfo:
        """The controller's service account (kube-controller-manager ``--use-service-account-credentials``)."""
        return controller_identity(self.name)


@attrs.frozen
class Reconcile:
    """``controller`` reconciles the object at ``key``."""

    controller: str
    key: Key

    def describe(self) -> str:
        return f"{self.controller} reconciles {'/'.join(str(k) for k in self.key)}"


def start(controller: Controller, state: ClusterState) -> ClusterState:
    """The controller starts: a synced informer, every initial key queued, empty memory."""
    informer = Informer(kinds=controller.watches).relist(state.store.objects, state.store.revision)
    informer = informer.enqueue(*controller.initial_keys(informer.cache))
    return state.with_informer(controller.name, informer)


def on_event(controller: Controller, informer: Informer, event: WatchEvent, old: Any) -> Informer:
    """Enqueue what an observed event concerns."""
    return informer.enqueue(*controller.enqueue(event, old, informer.cache))


def ready_keys(informer: Informer, now: int) -> tuple[Key, ...]:
    """Queued keys whose requeue delay (if any) has passed."""
    return tuple(k for k in informer.queue if informer.delayed.get(k, 0) <= now)


def enabled(controllers: Iterable[Controller], state: ClusterState) -> Iterator[Reconcile]:
    for controller in controllers:
        informer = state.informers.get(controller.name)
        if informer is None:
            continue
        for key in ready_keys(informer, state.time):
            yield Reconcile(controller.name, key)


def reconcile(controller: Controller, state: ClusterState, key: Key, config: ModelConfig) -> Step:
    """Run one reconcile and send its requests; any failed request requeues the key with back-off."""
    informer = state.informer(controller.name).dequeue(key)
    result = controller.reconcile(Context(informer.cache, key, state.time, informer.memory, config))
    memory = informer.memory if result.memory is None else result.memory
    responses: list[rq.Response] = []
    events: list[WatchEvent] = []
    failed = False
    for request in result.requests:
        state, response, caused = submit(state, request, config)
        memory = controller.observe(memory, request, response)
        responses.append(response)
        events.extend(caused)
        failed = failed or not response.ok
    informer = attrs.evolve(state.informer(controller.name), queue=informer.queue, memory=memory)
    delay = None
    if failed:
        failures = informer.failures.get(key, 0) + 1
        informer = attrs.evolve(informer, failures=informer.failures.set(key, failures))
        delay = min(2 ** (failures - 1), MAX_REQUEUE_DELAY)
    else:
        informer = attrs.evolve(informer, failures=informer.failures.discard(key))
        delay = result.requeue_after
    if delay is not None:
        queue = informer.queue if key in informer.queue else informer.queue + (key,)
        informer = attrs.evolve(informer, queue=queue, delayed=informer.delayed.set(key, state.time + delay))
    else:
        informer = attrs.evolve(informer, delayed=informer.delayed.discard(key))
    return Step(state.with_informer(controller.name, informer), tuple(responses), tuple(events))
