"""The controller pattern shared by every controller: informer events enqueue keys; one reconcile of
one key is one action; its writes go through the API server as the controller's own identity.

Mirrors client-go's informer + workqueue pattern and kube-controller-manager's controllers
(e.g. pkg/controller/replicaset/replica_set.go: event handlers enqueue the owner's key, ``syncHandler``
reconciles one key from the listers, errors requeue the key with rate-limited back-off).
A controller's in-memory state (expectations, back-off) lives in ``memory`` and is lost when the
controller restarts.

Optional extensions, for controllers that learn from their informer's events or whose syncs depend on what
the API server answered (the ReplicaSet controller's expectations, slow-start batches and status retry):

- ``Controller.on_event(memory, event, old, cache)`` updates the memory when the informer observes an event,
  before the enqueue handler runs (e.g. ``expectations.CreationObserved`` in ``addPod``);
- an enqueue handler may give :class:`After` instead of a key (``queue.AddAfter``);
- ``Result.then(memory, responses)`` continues the same sync once ``requests`` were answered, and
  ``Result.failed`` says whether the sync returned an error (by default: whether any request failed).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
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

CONTROLLER_MANAGER = "kube-controller-manager"
"""The shared informers every controller reads (``Informer.shared``): kube-controller-manager starts each controller
with one ``SharedInformerFactory`` (cmd/kube-controller-manager/app/controllermanager.go, ``ControllerContext``)."""

Key = tuple
"""A work-queue key: ``(namespace, name)`` of the object a controller reconciles (or ``(name,)``)."""


def key_of(obj: Any) -> Key:
    """The work-queue key of a namespaced object (cache.MetaNamespaceKeyFunc)."""
    return (obj.namespace, obj.name)

MAX_REQUEUE_DELAY = 1000
"""workqueue.DefaultControllerRateLimiter: per-item exponential back-off from 5 ms capped at 1000 s; the
model's clock counts whole seconds, so failed keys are retried after 1, 2, 4 ... seconds."""


@attrs.frozen
class After:
    """What an enqueue handler gives to queue ``key`` once ``seconds`` have passed (workqueue ``AddAfter``)."""

    key: Key
    seconds: int


@attrs.frozen
class Timer:
    """A work-queue entry waiting to add ``key`` at time ``at`` (the delaying queue's waiting heap): it does not
    replace the key's own entry, so a key queued now and added again later is processed twice, as upstream."""

    key: Key
    at: int


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
    then: Callable[[FrozenDict, tuple[rq.Response, ...]], Result] | None = None
    """The rest of the sync: given the memory so far and the responses to ``requests``, the next Result
    (whose ``requeue_after`` and ``failed`` then count instead of these)."""
    failed: bool | None = None
    """Whether the sync failed, so that its key is requeued with back-off; None: whether any request failed."""


@attrs.frozen
class Controller:
    """One controller.

    ``enqueue(event, old, cache)`` gives the keys a watch event concerns (``old`` is the cached object the
    event replaces, ``cache`` the cache after it); ``initial_keys(cache)`` the keys queued when the
    controller starts (its informer's initial list); ``reconcile(ctx)`` one sync; ``observe(memory,
    request, response)`` lets the controller learn from each response (e.g. lower an expectation when a
    create fails); ``on_event(memory, event, old, cache)`` lets it learn from each event its informer
    observes (e.g. lower an expectation when its own create is seen).
    """

    name: str
    watches: frozenset[str]
    enqueue: Callable[[WatchEvent, Any, Objects], Iterable[Key]]
    initial_keys: Callable[[Objects], Iterable[Key]]
    reconcile: Callable[[Context], Result]
    observe: Callable[[FrozenDict, rq.Request, rq.Response], FrozenDict] = lambda memory, request, response: memory
    on_event: Callable[[FrozenDict, WatchEvent, Any, Objects], FrozenDict] = \
        lambda memory, event, old, cache: memory
    credentials: str | None = None
    """The service account whose credentials the controller runs with, when not its own."""

    @property
    def identity(self) -> UserInfo:
        """The controller's service account (kube-controller-manager ``--use-service-account-credentials``)."""
        return controller_identity(self.credentials or self.name)


@attrs.frozen
class Reconcile:
    """``controller`` reconciles the object at ``key``."""

    controller: str
    key: Key

    def describe(self) -> str:
        return f"{self.controller} reconciles {'/'.join(str(k) for k in self.key)}"


def start(controller: Controller, state: ClusterState) -> ClusterState:
    """The controller starts: a synced informer, every initial key queued, empty memory."""
    informer = Informer(kinds=controller.watches, shared=CONTROLLER_MANAGER).relist(state.store.objects,
                                                                                   state.store.revision)
    informer = informer.enqueue(*controller.initial_keys(informer.cache))
    return state.with_informer(controller.name, informer)


def on_event(controller: Controller, informer: Informer, event: WatchEvent, old: Any, now: int = 0) -> Informer:
    """Let the controller's memory see an observed event, then enqueue what it concerns (at ``now``)."""
    memory = controller.on_event(informer.memory, event, old, informer.cache)
    if memory != informer.memory:
        informer = attrs.evolve(informer, memory=memory)
    for item in controller.enqueue(event, old, informer.cache):
        informer = informer.enqueue(Timer(item.key, now + item.seconds)) if isinstance(item, After) \
            else informer.enqueue(item)
    return informer


def ready_keys(informer: Informer, now: int) -> tuple[Key, ...]:
    """Queued keys whose requeue delay (if any) has passed, and keys of timers that have fired."""
    keys: dict[Key, None] = {}
    for entry in informer.queue:
        if isinstance(entry, Timer):
            if entry.at <= now:
                keys[entry.key] = None
        elif informer.delayed.get(entry, 0) <= now:
            keys[entry] = None
    return tuple(keys)


def _dequeue(informer: Informer, key: Key, now: int) -> Informer:
    """Take ``key`` and the timers for it that have fired off the queue (a fired timer's add is deduplicated
    with the key's own entry; that entry goes even if it was waiting on a back-off, whose sync happens now)."""
    fired = tuple(e for e in informer.queue if isinstance(e, Timer) and e.key == key and e.at <= now)
    for entry in (key, *fired):
        informer = informer.dequeue(entry)
    return informer


def enabled(controllers: Iterable[Controller], state: ClusterState) -> Iterator[Reconcile]:
    for controller in controllers:
        informer = state.informers.get(controller.name)
        if informer is None:
            continue
        for key in ready_keys(informer, state.time):
            yield Reconcile(controller.name, key)


def reconcile(controller: Controller, state: ClusterState, key: Key, config: ModelConfig) -> Step:
    """Run one reconcile and send its requests (continuing with ``Result.then`` while there is one); a failed
    sync (by default: any failed request) requeues the key with back-off."""
    informer = _dequeue(state.informer(controller.name), key, state.time)
    result = controller.reconcile(Context(informer.cache, key, state.time, informer.memory, config))
    memory = informer.memory
    responses: list[rq.Response] = []
    events: list[WatchEvent] = []
    any_failed = False
    while True:
        memory = memory if result.memory is None else result.memory
        answered: list[rq.Response] = []
        for request in result.requests:
            state, response, caused = submit(state, request, config)
            memory = controller.observe(memory, request, response)
            answered.append(response)
            events.extend(caused)
            any_failed = any_failed or not response.ok
        responses.extend(answered)
        if result.then is None:
            break
        result = result.then(memory, tuple(answered))
    failed = any_failed if result.failed is None else result.failed
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


Program = Generator[tuple[rq.Request, ...], tuple[rq.Response, ...], Any]
"""A sync written as straight-line code: it yields the requests to send and receives their responses."""


def drive(program: Callable[[], Program], answered: tuple[tuple[rq.Response, ...], ...] = ()) -> Result:
    """Run ``program`` as a chain of :class:`Result` continuations: replay it with the responses so far
    (``answered``), then either return the :class:`Result` it finished with or ask for its next requests.
    Replaying (instead of keeping a suspended generator) keeps every continuation a pure function."""
    steps = program()
    try:
        batch = next(steps)
        for responses in answered:
            batch = steps.send(responses)
    except StopIteration as done:
        return done.value
    return Result(batch, then=lambda memory, responses: drive(program, answered + (responses,)))


def send(request: rq.Request) -> Generator[tuple[rq.Request, ...], tuple[rq.Response, ...], rq.Response]:
    """Send one request and give its response."""
    (response,) = yield (request,)
    return response
