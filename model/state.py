"""ClusterState: the whole cluster as one immutable, hashable value.

It holds the API server's store, the log of watch events not yet seen by every informer, each
component's informer (cache, observed revision, work queue), the requests the scenario's user has
still to submit, and the logical clock. Equal states compare and hash equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from model.admission import resourcequota
from model.apiserver import requests as rq
from model.apiserver.server import NAMESPACE_FINALIZER, handle
from model.auth.bootstrap import bootstrap_policy
from model.auth.identity import ADMIN, UserInfo
from model.config import DEFAULT_CONFIG, ModelConfig
from model.frozendict import FrozenDict
from model.informers import Informer, owed, pending, remember
from model.objects import Namespace, ObjectMeta, Pod
from model.store import Store, WatchEvent

ALWAYS_PRESENT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
INFRASTRUCTURE_KINDS = frozenset({
    "Namespace", "Node", "PriorityClass", "ServiceAccount", "Role", "ClusterRole", "RoleBinding",
    "ClusterRoleBinding", "ResourceQuota", "LimitRange", "PersistentVolume",
})
"""Kinds a cluster administrator set up before the scenario starts; they are stored as they are."""
QUOTA_LISTER = "kube-apiserver"
"""The informer behind the API server's ResourceQuota lister, which quota admission reads (it lags the store like
any informer; see ``model.apiserver.server._charge_quota``)."""


@attrs.frozen(cache_hash=True)
class ClusterState:
    """One state of the modelled cluster."""

    store: Store = Store()
    events: tuple[WatchEvent, ...] = ()
    informers: FrozenDict = FrozenDict()
    pending: tuple[Any, ...] = ()
    time: int = 0
    nodes: FrozenDict = FrozenDict()
    """Node name -> :class:`model.kubelet.runtime.NodeRuntime`: what each machine really runs."""
    volumes: FrozenDict = FrozenDict()
    """PersistentVolumeClaim uid -> tokens written to its volume (the data outlives pods)."""
    routes: FrozenDict = FrozenDict()
    """Node name -> the Service routing table kube-proxy last programmed there (its iptables/nftables rules):
    FrozenDict[(namespace, service, port) -> tuple of backend (ip, port)] (see ``model.kubeproxy``)."""
    failing: FrozenDict = FrozenDict()
    """User name -> the error :class:`model.apiserver.requests.Response` the API server gives that identity's next
    request instead of serving it (the ``request-error`` fault, ``model.faults.FailNextRequest``)."""
    drains: FrozenDict = FrozenDict()
    """Node name -> :class:`model.maintenance.DrainProcess`: a ``kubectl drain`` still running (a client process:
    its eviction retries and the uncordon that ends the maintenance are still to come)."""

    def informer(self, component: str) -> Informer:
        return self.informers[component]

    def record(self, store: Store, events: Iterable[WatchEvent]) -> ClusterState:
        """The state after the API server wrote ``events`` into ``store``."""
        events = tuple(events)
        if not events and store is self.store:
            return self
        written = attrs.evolve(self, store=store, events=self.events + events)
        # An informer still owed an event of a trimmed, non-empty log is owed it after the write too: nothing to drop.
        return written if self.events else _trimmed(written)

    def with_informer(self, component: str, informer: Informer) -> ClusterState:
        """The state with ``component``'s informer replaced; the log is trimmed again only when the informer's
        position in it can have moved (:func:`_same_position`: otherwise trimming would keep every event)."""
        old = self.informers.get(component)
        if old is informer:
            return self
        state = attrs.evolve(self, informers=self.informers.set(component, informer))
        return state if old is not None and _same_position(old, informer) else _trimmed(state)

    def with_node(self, name: str, runtime: Any) -> ClusterState:
        return attrs.evolve(self, nodes=self.nodes.set(name, runtime))


def _same_position(old: Informer, new: Informer) -> bool:
    """Whether the watch still owes ``new`` exactly the events it owed ``old`` in any log: what :func:`pending`
    reads of an informer (its revision, kinds, field selector and cache) is the same. A state's log is trimmed
    (:func:`_trimmed`), so replacing ``old`` by such an informer leaves nothing more to drop."""
    return old.revision == new.revision and old.cache is new.cache and old.kinds == new.kinds and \
        old.node == new.node


def _trimmed(state: ClusterState) -> ClusterState:
    """Drop the events every informer has already observed (the log only serves lagging informers)."""
    if not state.events:
        return state
    newest, first = state.store.revision, state.events[0].revision
    # the lowest position (model.informers.position) of any informer: just before the oldest event one still awaits
    oldest = min((ends[0] - 1 for ends in owed(state.informers, state.events).values() if ends is not None),
                 default=newest)
    if oldest < first:  # the oldest event is still awaited
        return state
    kept = tuple(e for e in state.events if e.revision > oldest)
    return attrs.evolve(state, events=kept)


def submit(state: ClusterState, request: rq.Request,
           config: ModelConfig = DEFAULT_CONFIG) -> tuple[ClusterState, rq.Response, tuple[WatchEvent, ...]]:
    """Serve one API request against the state's store at the state's time: the next state, the
    response (carrying the request and the store that served it) and the watch events the request caused. A
    request whose user is marked ``failing`` is not served:
    it gets the marked error, the store is untouched and the mark is spent."""
    if state.failing:
        error = state.failing.get(request.user.name)
        if error is not None:
            error = attrs.evolve(error, request=request, served=state.store)
            return attrs.evolve(state, failing=state.failing.discard(request.user.name)), error, ()
    lister = state.informers.get(QUOTA_LISTER)
    outcome = handle(state.store, request, state.time, config, None if lister is None else lister.cache)
    response = attrs.evolve(outcome.response, request=request, served=state.store)
    return state.record(outcome.store, outcome.events), response, outcome.events


def deliver(state: ClusterState, component: str) -> tuple[ClusterState, WatchEvent | None, Any]:
    """Hand ``component``'s informer the next watch event it has not seen: the new state, the event and
    the cached object it replaced (None, None when the informer is synced)."""
    informer = state.informer(component)
    waiting = pending(informer, state.events)
    if not waiting:
        return state, None, None
    observed, old = _observed_next(state, informer, waiting)
    return state.with_informer(component, observed), waiting[0], old


def _observed_next(state: ClusterState, informer: Informer, waiting: tuple[WatchEvent, ...]) -> tuple[Informer, Any]:
    """The informer once it has observed the first of ``waiting`` (its pending events), its next pending one (its
    revision then reaches just before the following event it awaits, or the store's), and the cached object the event
    replaced. Without a field selector which events an informer awaits does not depend on its cache, so it then awaits
    the rest of ``waiting`` (:func:`model.informers.remember`)."""
    event = waiting[0]
    old = informer.cache.get(*event.key)
    informer = informer.observe(event)
    following = waiting[1:] if informer.node is None else pending(informer, state.events)
    caught_up = following[0].revision - 1 if following else state.store.revision
    informer = attrs.evolve(informer, revision=caught_up)
    if informer.node is None:
        remember(informer, state.events, following)
    return informer, old


def members(state: ClusterState, name: str) -> tuple[str, ...]:
    """The informers one watch delivery to ``name`` feeds: every informer a process shares (``Informer.shared``),
    or the informer ``name`` itself."""
    if name in state.informers:
        return (name,)
    return tuple(n for n, i in sorted(state.informers.items()) if i.shared == name)


def deliver_shared(state: ClusterState, name: str) -> tuple[ClusterState, tuple[tuple[str, WatchEvent, Any], ...]]:
    """The next watch event reaches ``name`` (a process's shared informers, or one informer): every member for which
    it is the next event observes it. Gives the new state and, per member, the event and the object it replaced."""
    ends = owed(state.informers, state.events)  # each member's oldest owed revision, without reading the log
    firsts = {m: ends[m][0] for m in members(state, name) if ends[m] is not None}
    if not firsts:
        return state, ()
    revision = min(firsts.values())
    delivered, informers = [], dict(state.informers)
    for member, first in firsts.items():
        if first == revision:
            events = pending(informers[member], state.events)
            informers[member], old = _observed_next(state, informers[member], events)
            delivered.append((member, events[0], old))
    return _trimmed(attrs.evolve(state, informers=FrozenDict(informers))), tuple(delivered)


def connected(state: ClusterState, informer: Informer) -> bool:
    """Whether an informer's watch reaches the API server (a kubelet's does not while its node is down or
    partitioned)."""
    if informer.node is None:
        return True
    runtime = state.nodes.get(informer.node)
    return runtime is None or (runtime.up and runtime.reachable)


def behind(state: ClusterState, name: str) -> bool:
    """Whether informer ``name`` is connected and has events still to observe."""
    informer = state.informer(name)
    return connected(state, informer) and bool(pending(informer, state.events))


def awaits(state: ClusterState, name: str) -> bool:
    """Whether the watch still owes informer ``name`` events (connected or not): :func:`pending` is not empty."""
    return owed(state.informers, state.events)[name] is not None


def lagging(state: ClusterState) -> tuple[str, ...]:
    """Connected watches with events still to deliver: a component's own informer by name, a process's shared
    informers by the process's name (see :func:`members`)."""
    newest = owed(state.informers, state.events)
    names = {informer.shared or name for name, informer in state.informers.items()
             if newest[name] is not None and connected(state, informer)}
    return tuple(sorted(names))


def _existing(obj: Any) -> bool:
    """Objects already present in the cluster: infrastructure kinds, kinds the model carries opaquely,
    and anything from a live snapshot (it has a uid or resourceVersion, or is a pod already bound)."""
    meta = obj.metadata
    return (obj.kind in INFRASTRUCTURE_KINDS or not hasattr(obj, "KIND") or meta.uid is not None
            or meta.resource_version is not None or (isinstance(obj, Pod) and bool(obj.spec.node_name)))


def _as_created(namespace: Namespace) -> Namespace:
    """A namespace as the API server stores it on create (the namespace strategy's PrepareForCreate): the
    ``kubernetes`` finalizer added and the status reset to Active. Namespaces from a live snapshot (with a uid or
    resourceVersion) went through that when their cluster created them, and are kept as recorded."""
    meta = namespace.metadata
    if meta.uid is not None or meta.resource_version is not None:
        return namespace
    finalizers = tuple(dict.fromkeys(namespace.spec.finalizers + (NAMESPACE_FINALIZER,)))
    return attrs.evolve(namespace, spec=attrs.evolve(namespace.spec, finalizers=finalizers),
                        status=type(namespace.status)())


def build(objects: Iterable[Any], user: UserInfo = ADMIN) -> ClusterState:
    """The initial state for a set of loaded objects.

    Existing objects (see :func:`_existing`) and Kubernetes' bootstrap RBAC policy are stored directly,
    with every namespace they mention (real clusters always have ``default``, ``kube-system``,
    ``kube-public`` and ``kube-node-lease``), namespaces as the API server creates them (:func:`_as_created`);
    ResourceQuota status is computed as the quota controller would have, and the API server's quota lister
    (:data:`QUOTA_LISTER`) starts synced. Everything else becomes a pending create by ``user``, to pass through
    admission when the scenario submits it. Components add their informers and runtimes afterwards
    (``Component.setup``).
    """
    objects = list(objects)
    existing = [o for o in objects if _existing(o)]
    later = [o for o in objects if not _existing(o)]
    namespaces = {o.name for o in existing if o.kind == "Namespace"}
    mentioned = dict.fromkeys([*ALWAYS_PRESENT_NAMESPACES, *(o.namespace for o in objects
                                                              if o.namespaced and o.namespace)])
    implicit = [Namespace(metadata=ObjectMeta(name=ns)) for ns in mentioned if ns not in namespaces]
    store = Store()
    for obj in [*bootstrap_policy(), *implicit, *existing]:
        if isinstance(obj, Namespace):
            obj = _as_created(obj)
        store, uid = store.next_uid()
        meta = obj.metadata
        meta = attrs.evolve(meta, uid=meta.uid or uid, creation_timestamp=meta.creation_timestamp or 0)
        store, _, _ = store.write(attrs.evolve(obj, metadata=meta))
    for quota in store.list("ResourceQuota"):
        used = resourcequota.recompute(quota, store.objects)
        status = attrs.evolve(quota.status, hard=quota.spec.hard, used=used)
        store, _, _ = store.write(attrs.evolve(quota, status=status))
    pending_requests = tuple(rq.Create(user, obj) for obj in later)
    lister = Informer(kinds=frozenset({"ResourceQuota"})).relist(store.objects, store.revision)
    return ClusterState(store=store, pending=pending_requests, informers=FrozenDict({QUOTA_LISTER: lister}))
