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
  ``Result.failed`` says whether the sync returned an error (by default: whether any request failed);
- :func:`event_handlers` makes ``enqueue`` and ``on_event`` from one handler giving a :class:`Reaction`, and a sync
  split into stages can subclass :class:`Sync`.
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
from model.labels import Selector
from model.objects import OwnerReference
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
class Sync:
    """One sync written as stages (the methods of a subclass, which adds what is synced): the context they read."""

    ctx: Context

    @property
    def key(self) -> Key:
        return self.ctx.key

    @property
    def now(self) -> int:
        return self.ctx.now

    @property
    def cache(self) -> Objects:
        return self.ctx.cache


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
class Reaction:
    """What an event handler does: the keys it queues (or :class:`After`) and the changes it makes, in order, to
    the part of the controller's memory its handlers keep (e.g. ``CreationObserved`` on the expectations)."""

    keys: tuple[Key | After, ...] = ()
    changes: tuple[Callable[[Any], Any], ...] = ()

    def __add__(self, other: Reaction) -> Reaction:
        return Reaction(self.keys + other.keys, self.changes + other.changes)


def pod_update_keys(owner: Any, old: Any, cur: Any) -> tuple[Key | After, ...]:
    """``updatePod`` for a pod ``owner`` controls: the owner's key, and again ``minReadySeconds`` + 1 s later when
    the pod has just become ready (to see it available)."""
    keys: tuple[Key | After, ...] = (key_of(owner),)
    if not old.is_ready and cur.is_ready and owner.spec.min_ready_seconds > 0:
        keys += (After(key_of(owner), owner.spec.min_ready_seconds + 1),)
    return keys


def event_handlers(react: Callable[[WatchEvent, Any, Objects], Reaction], load: Callable[[FrozenDict], Any],
                   store: Callable[[FrozenDict, Any], FrozenDict]) -> tuple[
        Callable[[WatchEvent, Any, Objects], tuple[Key | After, ...]],
        Callable[[FrozenDict, WatchEvent, Any, Objects], FrozenDict]]:
    """A controller's ``enqueue`` and ``on_event`` from ``react(event, old, cache)``: the reaction's keys, and its
    changes applied to what ``load`` reads from the memory and ``store`` puts back (no changes: the same memory)."""
    def enqueue(event: WatchEvent, old: Any, cache: Objects) -> tuple[Key | After, ...]:
        return react(event, old, cache).keys

    def on_event(memory: FrozenDict, event: WatchEvent, old: Any, cache: Objects) -> FrozenDict:
        changes = react(event, old, cache).changes
        if not changes:
            return memory
        kept = load(memory)
        for change in changes:
            kept = change(kept)
        return store(memory, kept)
    return enqueue, on_event


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


# --- controller references (pkg/controller/controller_ref_manager.go, controller_utils.go) ---------------


def resolve_controller_ref(kind: str, namespace: str | None, ref: OwnerReference | None, cache: Objects) -> Any | None:
    """``resolveControllerRef``: the cached ``kind`` object a controller reference names, if kind, name and uid
    agree."""
    if ref is None or ref.kind != kind:
        return None
    owner = cache.get(kind, namespace, ref.name)
    return owner if owner is not None and owner.metadata.uid == ref.uid else None


def claim_actions(objects: Iterable[Any], selector: Selector, owner: Any) -> tuple[list[Any], list[tuple[str, Any]]]:
    """What ``ClaimObject`` (pkg/controller/controller_ref_manager.go) decides for ``objects``: those ``owner``
    controls that its selector matches, and in order ``("release", obj)`` for those it controls that no longer
    match and ``("adopt", obj)`` for matching orphans not being deleted (neither while ``owner`` is being deleted)."""
    deleting = owner.metadata.deletion_timestamp is not None
    owned: list[Any] = []
    actions: list[tuple[str, Any]] = []
    for obj in objects:
        ref = obj.metadata.controller_ref()
        matches = selector.matches(obj.labels)
        if ref is not None:
            if ref.uid != owner.metadata.uid:
                continue
            if matches:
                owned.append(obj)
            elif not deleting:
                actions.append(("release", obj))
        elif matches and not deleting and obj.metadata.deletion_timestamp is None:
            actions.append(("adopt", obj))
    return owned, actions


def can_adopt(owner: Any, response: rq.Response) -> bool:
    """``RecheckDeletionTimestamp``: the uncached GET of ``owner`` answered the same object, not being deleted."""
    return (response.ok and response.object.metadata.uid == owner.metadata.uid
            and response.object.metadata.deletion_timestamp is None)


def recheck_adoptions(owner: Any, user: UserInfo, actions: list[tuple[str, Any]],
                      patch: Callable[[list[tuple[str, Any]], bool], Result]) -> Result:
    """``patch(sent, refused)``: the ``actions`` to carry out, and whether adoptions were dropped because an uncached
    GET of ``owner`` refused them (:func:`can_adopt`; asked only when ``actions`` adopt something)."""
    if not any(action == "adopt" for action, _ in actions):
        return patch(actions, False)

    def rechecked(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> Result:
        allowed = can_adopt(owner, responses[0])
        sent = [(action, obj) for action, obj in actions if action == "release" or allowed]
        return patch(sent, len(sent) < len(actions))
    return Result((rq.Get(user, owner.kind, owner.namespace, owner.name),), then=rechecked)


def claim_failed(action: str, response: rq.Response) -> bool:
    """Whether an adopt or release patch fails the claim: it failed, but not NotFound, nor Invalid on a release."""
    return not response.ok and response.code != 404 and not (action == "release" and response.code == 422)


def claim_objects(owner: Any, user: UserInfo, objects: Iterable[Any], selector: Selector, ref: OwnerReference,
                  then: Callable[[list[Any], FrozenDict], Result]) -> Result:
    """``ClaimPods`` and the like: :func:`claim_actions`, then the patches (``AdoptPod`` adds ``ref``, ``ReleasePod``
    drops the owner's reference) once :func:`recheck_adoptions` allows; ``then(claimed, memory)`` with the owned
    and adopted objects, unless a refused adoption or a :func:`claim_failed` patch fails the sync."""
    owned, actions = claim_actions(objects, selector, owner)

    def patch(sent: list[tuple[str, Any]], refused: bool) -> Result:
        requests = tuple(
            rq.PatchOwnerReferences(user, obj.kind, obj.namespace, obj.name, uid=obj.metadata.uid,
                                    add=(ref,) if action == "adopt" else (),
                                    remove=(owner.metadata.uid,) if action == "release" else ())
            for action, obj in sent)

        def patched(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> Result:
            claimed = list(owned)
            failed = refused
            for (action, obj), response in zip(sent, responses, strict=True):
                if response.ok and action == "adopt":
                    claimed.append(obj)
                failed = failed or claim_failed(action, response)
            return Result(failed=True) if failed else then(claimed, memory)
        return Result(requests, then=patched)
    return recheck_adoptions(owner, user, actions, patch)
