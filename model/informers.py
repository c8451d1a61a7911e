"""Informers: each component's lagging, watch-fed copy of the API server's objects.

A component never reads the store directly. Its informer has observed the store up to some
revision; :func:`deliver` hands it the next watch event for a kind it watches. Between deliveries
the component acts on stale data, which is exactly where real controller bugs live
(client-go tools/cache: reflector, DeltaFIFO, indexer).
"""

from __future__ import annotations

from bisect import bisect_right

import attrs

from model.frozendict import FrozenDict
from model.memo import IdentityMemo
from model.store import DELETED, Objects, WatchEvent


@attrs.frozen(cache_hash=True)
class Informer:
    """What one component has observed: the revision its watch reached and its cache at that point.

    ``queue`` is the component's work queue of object keys (client-go workqueue: deduplicated, FIFO).
    ``node`` restricts the watch as a kubelet's does (field selector ``spec.nodeName=<node>`` for pods,
    ``metadata.name=<node>`` for nodes): objects leaving the selection are dropped from the cache.
    """

    kinds: frozenset[str]
    revision: int = 0
    cache: Objects = Objects()
    queue: tuple = ()
    node: str | None = None
    delayed: FrozenDict = FrozenDict()
    """Queued key -> the time before which it is not processed (workqueue AddAfter / AddRateLimited)."""
    failures: FrozenDict = FrozenDict()
    """Key -> consecutive failed reconciles (the rate limiter's per-item back-off)."""
    memory: FrozenDict = FrozenDict()
    """The owning controller's in-memory state (e.g. expectations); lost when it restarts."""
    shared: str | None = None
    """The process whose shared informers feed this one (kube-controller-manager's controllers all read one
    ``SharedInformerFactory``: one watch per kind, one cache, every controller's handlers called on each event), or
    None for a component with a watch of its own. Deliberate differences: upstream hands each handler its events
    through its own ``processorListener`` buffer, so one controller's handler may run later than another's; the
    model calls them all in the delivery step (each controller still reconciles when it likes). And one watch carries
    all of a process's kinds, where upstream has one reflector per kind."""

    def selects(self, obj: object) -> bool:
        """Whether ``obj`` is within this informer's watch (kind and field selector)."""
        kind = obj.kind
        if kind not in self.kinds:
            return False
        if self.node is None:
            return True
        if kind == "Pod":
            return obj.spec.node_name == self.node
        if kind == "Node":
            return obj.name == self.node
        return True

    def relevant(self, event: WatchEvent) -> bool:
        """Whether the watch delivers ``event`` to this informer at all: its kind is watched and the object is
        (or was) within the field selector."""
        if event.object.kind not in self.kinds:
            return False
        return self.selects(event.object) or self.cache.get(*event.key) is not None

    def observe(self, event: WatchEvent) -> Informer:
        """Consume one watch event (events outside its selection only advance the revision, or drop
        an object that left the selection)."""
        if event.key[0] not in self.kinds:
            return attrs.evolve(self, revision=event.revision)
        if event.type == DELETED or not self.selects(event.object):
            cache = self.cache.remove(event.key)
        else:
            cache = self.cache.put(event.object)
        return attrs.evolve(self, revision=event.revision, cache=cache)

    def relist(self, objects: Objects, revision: int) -> Informer:
        """A fresh LIST: the cache becomes the store's current contents within the selection."""
        cache = Objects()
        for kind in self.kinds:
            for obj in objects.list(kind):
                if self.selects(obj):
                    cache = cache.put(obj)
        return attrs.evolve(self, revision=revision, cache=cache)

    def enqueue(self, *keys: object) -> Informer:
        """Add keys to the work queue (deduplicated, FIFO); a key waiting on a delay becomes ready now."""
        queue = self.queue + tuple(k for i, k in enumerate(keys) if k not in self.queue and k not in keys[:i])
        delayed = self.delayed
        for key in keys:
            delayed = delayed.discard(key)
        if queue == self.queue and delayed is self.delayed:
            return self
        return attrs.evolve(self, queue=queue, delayed=delayed)

    def dequeue(self, key: object) -> Informer:
        return attrs.evolve(self, queue=tuple(k for k in self.queue if k != key))


def _revision(event: WatchEvent) -> int:
    return event.revision


_PENDING = IdentityMemo(4096)
_LAST = IdentityMemo(4096)
"""An informer's watch (its cache and :func:`_watch`) -> the last event log it was asked about and its pending events
there (see :func:`pending`)."""


def scan(informer: Informer, events: tuple[WatchEvent, ...]) -> tuple[WatchEvent, ...]:
    """The events of ``events`` the watch will still deliver to the informer, found by reading the log."""
    start = bisect_right(events, informer.revision, key=_revision)
    return tuple(e for e in events[start:] if informer.relevant(e))


def _extended(informer: Informer, events: tuple[WatchEvent, ...]) -> tuple[WatchEvent, ...] | None:
    """:func:`scan`'s answer worked out from the informer's answer for an earlier log, or None when there is none.

    A state's log only drops its oldest events and appends new ones, so a log that holds the very event that ended the
    earlier log, and starts no earlier than it, shares everything up to that event with it: the answer is the earlier
    one (less what this log dropped) plus the relevant events appended after it."""
    last = _LAST.get((informer.cache,), _watch(informer))
    if last is None or not events:
        return None
    earlier, found = last
    if not earlier or events[0].revision < earlier[0].revision:
        return None
    end = bisect_right(events, earlier[-1].revision, key=_revision)
    if end == 0 or events[end - 1] is not earlier[-1]:
        return None
    first = events[0].revision
    kept = found if not found or found[0].revision >= first else tuple(e for e in found if e.revision >= first)
    start = max(end, bisect_right(events, informer.revision, key=_revision))
    appended = tuple(e for e in events[start:] if informer.relevant(e))
    return kept + appended if appended else kept


def pending(informer: Informer, events: tuple[WatchEvent, ...]) -> tuple[WatchEvent, ...]:
    """The events the watch will still deliver to the informer, oldest first.

    ``events`` is in revision order (a state's log only appends and drops its oldest events), so the scan starts
    after the informer's revision. Memoised by identity: states share their informers and their log from step to
    step, and every step asks again for every informer; for a log that only grew since the informer was last asked
    about, only the appended events are read (:func:`_extended`, equal to :func:`scan` as a test checks). Keyed by
    what the answer depends on (the cache's identity and :func:`_watch`), not by the informer object."""
    if not events or informer.revision >= events[-1].revision:  # caught up with the whole log: no lookup needed
        return ()
    watch = _watch(informer)
    cached = _PENDING.get((informer.cache, events), watch)
    if cached is None:
        cached = _extended(informer, events)
        if cached is None:
            cached = scan(informer, events)
        _PENDING.put((informer.cache, events), watch, cached)
        _LAST.put((informer.cache,), watch, (events, cached))
    return cached


def remember(informer: Informer, events: tuple[WatchEvent, ...], waiting: tuple[WatchEvent, ...]) -> None:
    """Record that the watch owes ``informer`` exactly ``waiting`` in ``events`` (what :func:`pending` answers), when
    the caller knows it without reading the log (``model.state._observed_next``)."""
    if events and informer.revision < events[-1].revision:
        _PENDING.put((informer.cache, events), _watch(informer), waiting)
        _LAST.put((informer.cache,), _watch(informer), (events, waiting))


def _watch(informer: Informer) -> tuple:
    """What, besides its cache, decides which events the watch owes an informer (:meth:`Informer.relevant`): so
    informers that differ only in their work queue or memory share :func:`pending`'s memo."""
    return informer.revision, informer.kinds, informer.node


def position(informer: Informer, events: tuple[WatchEvent, ...], newest: int) -> int:
    """The revision up to which the informer needs no event: just before its first undelivered one."""
    waiting = pending(informer, events)
    return waiting[0].revision - 1 if waiting else newest


_OWED: list[tuple[FrozenDict, tuple[WatchEvent, ...], FrozenDict]] = []
"""The last answer of :func:`owed`: the informers and log it was for, and the answer (one entry: a step asks about the
state after it, whose informers and log mostly are, or continue, the ones before it)."""


def owed(informers: FrozenDict, events: tuple[WatchEvent, ...]) -> FrozenDict:
    """Informer name -> the revisions of the oldest and the newest event the watch still owes it in ``events``, or
    None when it owes none (the first and last of :func:`pending`).

    Worked out from the previous answer when ``events`` continues the log it was for (that log less some of its oldest
    events, plus events appended after it; a step only appends and trims): an informer that is the very same object
    keeps its owed events that are still in the log and is owed the relevant appended ones; only the others (and one
    whose oldest owed event the log dropped) are asked again. A pure cache (a test compares it with :func:`pending` on
    random walks)."""
    last = _OWED[0] if _OWED else None
    if last is not None and last[0] is informers and last[1] is events:
        return last[2]
    appended = None if last is None else _continuation(last[1], events)
    answer: dict[str, tuple[int, int] | None] = {}
    for name, informer in informers.items():
        if appended is None or last[0].get(name) is not informer:
            answer[name] = _ends(pending(informer, events))
            continue
        kept = last[2][name]
        if kept is not None and (not events or kept[0] < events[0].revision):  # the log dropped an event it owed
            answer[name] = _ends(pending(informer, events))
            continue
        for event in appended:
            if event.revision > informer.revision and informer.relevant(event):
                kept = (event.revision, event.revision) if kept is None else (kept[0], event.revision)
        answer[name] = kept
    result = FrozenDict(answer)
    _OWED[:] = [(informers, events, result)]
    return result


def _ends(waiting: tuple[WatchEvent, ...]) -> tuple[int, int] | None:
    return (waiting[0].revision, waiting[-1].revision) if waiting else None


def _continuation(old: tuple[WatchEvent, ...], new: tuple[WatchEvent, ...]) -> tuple[WatchEvent, ...] | None:
    """The events ``new`` appends to ``old`` when ``new`` is ``old`` less some of its oldest events plus those (None
    when it is not)."""
    if not new:
        return ()
    start = bisect_right(old, new[0].revision - 1, key=_revision)
    shared = old[start:]
    if new[:len(shared)] != shared:
        return None
    return new[len(shared):]
