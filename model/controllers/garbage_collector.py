"""The garbage collector: deletes objects whose owners are gone, and carries out foreground and orphan deletion.

Ported from pkg/controller/garbagecollector/:

- graph_builder.go: the dependency graph (``uidToNode``): one node per observed object, a "virtual" node for an
  owner referenced but not observed (with the coordinates its dependent's ``ownerReference`` gives, in the
  dependent's namespace), an edge from owner to dependent carrying the reference; ``processGraphChanges`` decides
  what an observed event queues (``addDependentToOwners``: a virtual owner, to verify it exists;
  ``addUnblockedOwnersToDeleteQueue``; ``processTransitions``: an object starting deletion with the ``orphan``
  finalizer goes to attemptToOrphan, one starting with ``foregroundDeletion`` to attemptToDelete with all its
  dependents; a deletion queues the dependents and the owners deleting dependents), and records owners that had
  dependents when deleted in the absent owner cache;
- garbagecollector.go: ``attemptToDeleteItem`` (the item is read live and must still have the node's uid;
  ``classifyReferences`` with ``isDangling``, which confirms an owner's absence with a live GET whose uid must
  match, through the absent owner cache; then: remove dangling and waiting references when a solid owner remains,
  delete in Foreground when an owner waits for its dependents and the item has dependents (unblocking its
  references first if a dependent also deletes in Foreground), else delete with the policy its own finalizers
  name, Background by default, with the item's uid as the precondition), ``processDeletingDependentsItem``
  (remove ``foregroundDeletion`` once no dependent blocks the owner's deletion), ``orphanDependents`` and
  ``attemptToOrphanWorker``, ``removeFinalizer``;
- uid_cache.go / absent_owner_cache.go: ``ReferenceCache``, an LRU of 500 owner coordinates known to be absent.

Work-queue keys are ``("attemptToDelete", uid)`` and ``("attemptToOrphan", uid)``.

Deliberate differences:

- The graph is rebuilt from the controller's informer cache at every sync: it is what upstream's incremental graph
  holds once the same events are processed; a virtual node takes the coordinates of its first dependent in the
  cache's (kind, namespace, name) order.
- A sync also processes the items its own work queues upstream: an owner found absent (the "virtual delete event")
  is followed, in the same action, by attemptToDelete of the dependents that referenced it by those coordinates;
  an owner deleting its dependents by attemptToDelete of each blocking dependent not itself deleting dependents.
  A failure of any of them requeues the sync's key with back-off, and the retry finds them again.
- An observed object that a live GET no longer finds is treated like a virtual one (its dependents are processed);
  upstream removes it from the graph through the same virtual delete event. Dependents referencing an observed
  owner by other coordinates (kind, name, namespace) are processed whenever the owner is.
- The monitored kinds are the modelled and built-in kinds (``model.apiserver.server.BUILT_IN_KINDS``), fixed at
  start-up: custom resources are not monitored (upstream re-runs discovery every 30 seconds).
- The ``OwnerRefInvalidNamespace`` event and metrics are not modelled.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any

import attrs

from model.apiserver import requests as rq
from model.apiserver.server import BUILT_IN_KINDS, FOREGROUND_FINALIZER, ORPHAN_FINALIZER
from model.auth.identity import controller_identity
from model.controllers import base
from model.frozendict import FrozenDict
from model.manifests import KINDS
from model.objects import OwnerReference
from model.objects.opaque import CLUSTER_SCOPED_KINDS
from model.store import ADDED, DELETED, Objects, WatchEvent

if TYPE_CHECKING:  # imported where the graph is built: networkx costs a quarter second at start-up
    import networkx as nx

NAME = "generic-garbage-collector"
IGNORED_KINDS = frozenset({"Event"})
"""``DefaultIgnoredResources``: events (core and events.k8s.io) are not collected."""
WATCHES = (frozenset(KINDS) | BUILT_IN_KINDS) - IGNORED_KINDS
"""The kinds the graph builder's monitors watch (``GetDeletableResources``)."""
ATTEMPT_TO_DELETE, ATTEMPT_TO_ORPHAN = "attemptToDelete", "attemptToOrphan"
ABSENT_OWNER_CACHE_SIZE = 500
"""``NewReferenceCache(500)``."""
_MEMORY_KEY = "absentOwnerCache"
USER = controller_identity(NAME)


# --- identities and the absent owner cache --------------------------------------------------------------------


def namespaced(kind: str) -> bool:
    """Whether ``kind`` is namespaced (the REST mapper's scope): a modelled kind's own, else the model's list of
    cluster-scoped kinds it carries opaquely."""
    cls = KINDS.get(kind)
    return cls.NAMESPACED if cls is not None else kind not in CLUSTER_SCOPED_KINDS


@attrs.frozen
class Identity:
    """``objectReference``: an owner reference's coordinates (apiVersion, kind, name, uid) and a namespace
    (None for cluster scope)."""

    api_version: str
    kind: str
    name: str
    uid: str
    namespace: str | None

    @classmethod
    def of(cls, obj: Any) -> Identity:
        api_version = obj.API_VERSION if hasattr(obj, "API_VERSION") else obj.api_version
        return cls(api_version, obj.kind, obj.name, obj.metadata.uid or "", obj.namespace)

    @classmethod
    def referenced(cls, ref: OwnerReference, namespace: str | None) -> Identity:
        """The identity a dependent in ``namespace`` gives its owner (``ownerReferenceCoordinates``, in the
        dependent's namespace when the owner's kind is namespaced)."""
        return cls(ref.api_version, ref.kind, ref.name, ref.uid, namespace if namespaced(ref.kind) else None)

    def get(self) -> rq.Get:
        """The live read of the object (``getObject``)."""
        return rq.Get(USER, self.kind, self.namespace, self.name)


@attrs.frozen
class AbsentOwnerCache:
    """``ReferenceCache``: the most recently used owner identities known to be absent, oldest first."""

    identities: tuple[Identity, ...] = ()
    size: int = ABSENT_OWNER_CACHE_SIZE

    def has(self, identity: Identity) -> tuple[bool, AbsentOwnerCache]:
        """``Has``: whether the identity is cached; a hit becomes the most recently used."""
        if identity not in self.identities:
            return False, self
        return True, self.add(identity)

    def add(self, identity: Identity) -> AbsentOwnerCache:
        """``Add``: the identity becomes the most recently used; the least recently used beyond ``size`` goes."""
        kept = tuple(i for i in self.identities if i != identity) + (identity,)
        return attrs.evolve(self, identities=kept[-self.size:])


def absent_owners(memory: FrozenDict) -> AbsentOwnerCache:
    return memory.get(_MEMORY_KEY, AbsentOwnerCache())


# --- the dependency graph (graph_builder.go) ------------------------------------------------------------------


def dependency_graph(cache: Objects) -> nx.DiGraph:
    """``uidToNode``: a node per uid, with ``identity`` and ``object`` (None for a virtual node); an edge from
    each owner to each dependent, with the dependent's ``ref``."""
    import networkx as nx

    graph = nx.DiGraph()
    objects = [obj for obj in cache if obj.metadata.uid]
    for obj in objects:
        graph.add_node(obj.metadata.uid, identity=Identity.of(obj), object=obj)
    for obj in objects:
        for ref in obj.metadata.owner_references:
            if ref.uid not in graph:
                graph.add_node(ref.uid, identity=Identity.referenced(ref, obj.namespace), object=None)
            graph.add_edge(ref.uid, obj.metadata.uid, ref=ref)
    return graph


def being_deleted(obj: Any) -> bool:
    return obj is not None and obj.metadata.deletion_timestamp is not None


def deleting_dependents(obj: Any) -> bool:
    """``isDeletingDependents``: being deleted with the ``foregroundDeletion`` finalizer."""
    return being_deleted(obj) and FOREGROUND_FINALIZER in obj.metadata.finalizers


def _starts_deletion_with(old: Any, new: Any, finalizer: str) -> bool:
    """``deletionStartsWithFinalizer``."""
    if not being_deleted(new) or finalizer not in new.metadata.finalizers:
        return False
    return old is None or not being_deleted(old) or finalizer not in old.metadata.finalizers


def references_diffs(old: Iterable[OwnerReference], new: Iterable[OwnerReference]) -> tuple[
        list[OwnerReference], list[OwnerReference], list[tuple[OwnerReference, OwnerReference]]]:
    """``referencesDiffs``: references added, removed, and changed (same uid), by uid."""
    before = {ref.uid: ref for ref in old}
    after = {ref.uid: ref for ref in new}
    added = [ref for uid, ref in after.items() if uid not in before]
    removed = [ref for uid, ref in before.items() if uid not in after]
    changed = [(before[uid], ref) for uid, ref in after.items() if uid in before and before[uid] != ref]
    return added, removed, changed


def _observed_owner(cache: Objects, ref: OwnerReference, namespace: str | None) -> Any | None:
    """The cached object a reference from ``namespace`` resolves to, if it has the referenced uid."""
    owner = cache.get(ref.kind, namespace if namespaced(ref.kind) else None, ref.name)
    return owner if owner is not None and owner.metadata.uid == ref.uid else None


def _dependents(cache: Objects, uid: str) -> list[Any]:
    return [obj for obj in cache if any(ref.uid == uid for ref in obj.metadata.owner_references)]


def enqueue(event: WatchEvent, old: Any, cache: Objects) -> tuple[base.Key, ...]:
    """``processGraphChanges``: what an observed event queues."""
    obj = event.object
    uid = obj.metadata.uid
    if not uid:
        return ()
    if event.type == DELETED:
        keys = [(ATTEMPT_TO_DELETE, dep.metadata.uid) for dep in _dependents(cache, uid)]
        for ref in obj.metadata.owner_references:
            if deleting_dependents(_observed_owner(cache, ref, obj.namespace)):
                keys.append((ATTEMPT_TO_DELETE, ref.uid))
        return tuple(keys)
    added, removed, changed = references_diffs(() if old is None else old.metadata.owner_references,
                                               obj.metadata.owner_references)
    keys = [(ATTEMPT_TO_DELETE, ref.uid) for ref in removed if ref.block_owner_deletion]
    keys += [(ATTEMPT_TO_DELETE, after.uid) for before, after in changed
             if before.block_owner_deletion and not after.block_owner_deletion]
    keys += [(ATTEMPT_TO_DELETE, ref.uid) for ref in added if _observed_owner(cache, ref, obj.namespace) is None]
    if _starts_deletion_with(old, obj, ORPHAN_FINALIZER):
        return (*keys, (ATTEMPT_TO_ORPHAN, uid))
    if _starts_deletion_with(old, obj, FOREGROUND_FINALIZER):
        keys += [(ATTEMPT_TO_DELETE, dep.metadata.uid) for dep in _dependents(cache, uid)]
        keys.append((ATTEMPT_TO_DELETE, uid))
    return tuple(keys)


def on_event(memory: FrozenDict, event: WatchEvent, old: Any, cache: Objects) -> FrozenDict:
    """An observed deletion of an object that had dependents records it as an absent owner."""
    obj = event.object
    if event.type != DELETED or not obj.metadata.uid or not _dependents(cache, obj.metadata.uid):
        return memory
    return memory.set(_MEMORY_KEY, absent_owners(memory).add(Identity.of(obj)))


def initial_keys(cache: Objects) -> list[base.Key]:
    """The monitors' initial list: every cached object as an add event."""
    keys: dict[base.Key, None] = {}
    for obj in cache:
        keys.update(dict.fromkeys(enqueue(WatchEvent(ADDED, obj, 0), None, cache)))
    return list(keys)


# --- the workers (garbagecollector.go) ------------------------------------------------------------------------


@attrs.frozen
class _Outcome:
    """What processing one item leaves: the absent owner cache, the items it leads to, and whether it failed."""

    absent: AbsentOwnerCache
    more: tuple[str, ...] = ()
    failed: bool = False


def _dependents_referring_as(graph: nx.DiGraph, uid: str, identity: Identity) -> list[str]:
    return [dep for dep in graph.successors(uid)
            if Identity.referenced(graph.edges[uid, dep]["ref"], graph.nodes[dep]["identity"].namespace) == identity]


def _coordinates(graph: nx.DiGraph, uid: str) -> list[Identity]:
    """The identities under which the node may exist: its own, then those its dependents give it (``partition-
    Dependents`` / ``getAlternateOwnerIdentity``)."""
    identities = [graph.nodes[uid]["identity"]]
    for dep in graph.successors(uid):
        identity = Identity.referenced(graph.edges[uid, dep]["ref"], graph.nodes[dep]["identity"].namespace)
        if identity not in identities:
            identities.append(identity)
    return identities


def _is_dangling(ref: OwnerReference, namespace: str | None, absent: AbsentOwnerCache) -> Generator[
        tuple[rq.Request, ...], tuple[rq.Response, ...], tuple[str, Any, AbsentOwnerCache]]:
    """``isDangling``: ("dangling" | "owner" | "invalid" | "error", the owner read live, the cache)."""
    key = Identity.referenced(ref, namespace)
    hit, absent = absent.has(key)
    if hit:
        return "dangling", None, absent
    if namespace is None and namespaced(ref.kind):
        return "invalid", None, absent
    response = yield from base.send(key.get())
    if response.code == 404 or (response.ok and response.object.metadata.uid != ref.uid):
        return "dangling", None, absent.add(key)
    if not response.ok:
        return "error", None, absent
    return "owner", response.object, absent


def _remove_finalizer(identity: Identity, finalizer: str) -> Generator[
        tuple[rq.Request, ...], tuple[rq.Response, ...], bool]:
    """``removeFinalizer``: read the object, drop the finalizer, write it back with its resourceVersion as the
    precondition (upstream: a JSON merge patch carrying it). Whether it failed."""
    response = yield from base.send(identity.get())
    if response.code == 404:
        return False
    if not response.ok:
        return True
    obj = response.object
    if finalizer not in obj.metadata.finalizers:
        return False
    kept = tuple(f for f in obj.metadata.finalizers if f != finalizer)
    updated = attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, finalizers=kept))
    response = yield from base.send(rq.Update(USER, updated))
    return not response.ok


def _process_deleting_dependents(graph: nx.DiGraph, uid: str, identity: Identity, absent: AbsentOwnerCache,
                                 unobserved: bool) -> Generator[tuple[rq.Request, ...], tuple[rq.Response, ...],
                                                                _Outcome]:
    """``processDeletingDependentsItem``: without blocking dependents the ``foregroundDeletion`` finalizer goes;
    otherwise the blocking dependents not themselves deleting dependents are attempted."""
    blocking = [dep for dep in graph.successors(uid) if graph.edges[uid, dep]["ref"].block_owner_deletion]
    if not blocking:
        failed = yield from _remove_finalizer(identity, FOREGROUND_FINALIZER)
        return _Outcome(absent, failed=failed or unobserved)
    more = tuple(dep for dep in blocking if not deleting_dependents(graph.nodes[dep]["object"]))
    return _Outcome(absent, more, failed=unobserved)


def attempt_to_delete_item(graph: nx.DiGraph, uid: str, absent: AbsentOwnerCache) -> Generator[
        tuple[rq.Request, ...], tuple[rq.Response, ...], _Outcome]:
    """``attemptToDeleteItem`` for the node ``uid`` (with ``attemptToDeleteWorker``'s requeue of a node found live
    but not yet observed)."""
    node = graph.nodes[uid]
    cached = node["object"]
    if being_deleted(cached) and not deleting_dependents(cached):
        return _Outcome(absent)
    more: list[str] = []
    latest, identity = None, node["identity"]
    for candidate in _coordinates(graph, uid) if cached is None else [identity]:
        response = yield from base.send(candidate.get())
        if response.code == 404 or (response.ok and response.object.metadata.uid != uid):
            # The virtual delete event: the object is absent under these coordinates.
            referring = _dependents_referring_as(graph, uid, candidate)
            if referring:
                absent = absent.add(candidate)
            more += referring
            continue
        if not response.ok:
            return _Outcome(absent, tuple(more), failed=True)
        latest, identity = response.object, candidate
        break
    if latest is None:
        return _Outcome(absent, tuple(more))
    if cached is not None:
        more += [dep for dep in graph.successors(uid) if dep not in _dependents_referring_as(graph, uid, identity)]
    # Found live but not observed: look again later (an owner of a kind the monitors do not watch never will be).
    unobserved = cached is None and identity.kind in WATCHES
    if deleting_dependents(cached):
        outcome = yield from _process_deleting_dependents(graph, uid, identity, absent, unobserved)
        return attrs.evolve(outcome, more=tuple(more) + outcome.more)
    references = latest.metadata.owner_references
    if not references:
        return _Outcome(absent, tuple(more), failed=unobserved)
    solid, dangling, waiting = [], [], []
    for ref in references:
        verdict, owner, absent = yield from _is_dangling(ref, latest.namespace, absent)
        if verdict == "invalid":
            return _Outcome(absent, tuple(more))
        if verdict == "error":
            return _Outcome(absent, tuple(more), failed=True)
        if verdict == "dangling":
            dangling.append(ref)
        elif deleting_dependents(owner):
            waiting.append(ref)
        else:
            solid.append(ref)
    target = identity.get()
    if solid:
        if not dangling and not waiting:
            return _Outcome(absent, tuple(more), failed=unobserved)
        patch = rq.PatchOwnerReferences(USER, target.kind, target.namespace, target.name, uid=uid,
                                        remove=tuple(ref.uid for ref in dangling + waiting))
        response = yield from base.send(patch)
        return _Outcome(absent, tuple(more), failed=not response.ok or unobserved)
    if waiting and graph.out_degree(uid):
        if any(deleting_dependents(graph.nodes[dep]["object"]) for dep in graph.successors(uid)):
            owners = (cached or latest).metadata.owner_references
            unblocked = tuple(attrs.evolve(ref, block_owner_deletion=False) for ref in owners
                              if ref.block_owner_deletion)
            response = yield from base.send(rq.PatchOwnerReferences(USER, target.kind, target.namespace, target.name,
                                                               uid=uid, add=unblocked))
            if not response.ok:
                return _Outcome(absent, tuple(more), failed=True)
        policy = rq.FOREGROUND
    elif ORPHAN_FINALIZER in latest.metadata.finalizers:
        policy = rq.ORPHAN
    elif FOREGROUND_FINALIZER in latest.metadata.finalizers:
        policy = rq.FOREGROUND
    else:
        policy = rq.BACKGROUND
    response = yield from base.send(rq.Delete(USER, target.kind, target.namespace, target.name,
                                         propagation_policy=policy, precondition_uid=uid))
    return _Outcome(absent, tuple(more), failed=not response.ok or unobserved)


def _attempt_to_delete(graph: nx.DiGraph, uid: str, memory: FrozenDict) -> base.Program:
    """The attemptToDelete worker for ``uid``, then for every item its work leads to (each once)."""
    absent, failed = absent_owners(memory), False
    worklist, done = [uid], set()
    while worklist:
        item = worklist.pop(0)
        if item in done or item not in graph:
            continue
        done.add(item)
        outcome = yield from attempt_to_delete_item(graph, item, absent)
        absent, failed = outcome.absent, failed or outcome.failed
        worklist += outcome.more
    return base.Result(memory=memory.set(_MEMORY_KEY, absent), failed=failed)


def _attempt_to_orphan(graph: nx.DiGraph, uid: str) -> base.Program:
    """``attemptToOrphanWorker``: remove the owner from every dependent's references (``orphanDependents``, the
    dependent's uid as the patch's precondition; NotFound is fine), then the owner's ``orphan`` finalizer."""
    dependents = [graph.nodes[dep]["identity"] for dep in graph.successors(uid)]
    if dependents:
        responses = yield tuple(
            rq.PatchOwnerReferences(USER, dep.kind, dep.namespace, dep.name, uid=dep.uid, remove=(uid,))
            for dep in dependents)
        if any(not r.ok and r.code != 404 for r in responses):
            return base.Result(failed=True)
    failed = yield from _remove_finalizer(graph.nodes[uid]["identity"], ORPHAN_FINALIZER)
    return base.Result(failed=failed)


def sync(ctx: base.Context) -> base.Result:
    queue, uid = ctx.key
    graph = dependency_graph(ctx.cache)
    if uid not in graph:
        return base.Result()
    if queue == ATTEMPT_TO_ORPHAN:
        if graph.nodes[uid]["object"] is None:
            return base.Result()
        return base.drive(lambda: _attempt_to_orphan(graph, uid))
    return base.drive(lambda: _attempt_to_delete(graph, uid, ctx.memory))


CONTROLLER = base.Controller(name=NAME, watches=WATCHES, enqueue=enqueue, initial_keys=initial_keys,
                             reconcile=sync, on_event=on_event)
"""kube-controller-manager's ``generic-garbage-collector``."""
