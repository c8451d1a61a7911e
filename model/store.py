"""The API server's storage (etcd): objects by kind and (namespace, name), and the global revision.

Every write stamps the object with a new ``resourceVersion`` (the store's revision, as etcd's
mod revision) and yields a :class:`WatchEvent`, which informers consume later and in order.
Objects are grouped per kind so that a write copies only that kind's map: successive states share
all other kinds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model.frozendict import FrozenDict
from model.memo import IdentityMemo

ObjectKey = tuple[str, "str | None", str]
"""(kind, namespace, name); namespace is None for cluster-scoped kinds."""

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"


def key_of(obj: Any) -> ObjectKey:
    return (obj.KIND if hasattr(obj, "KIND") else obj.kind, obj.metadata.namespace, obj.metadata.name)


@attrs.frozen(cache_hash=True)
class WatchEvent:
    """One change as a watch stream delivers it: ADDED, MODIFIED or DELETED with the object."""

    type: str
    object: Any
    revision: int

    @property
    def key(self) -> ObjectKey:
        return key_of(self.object)


@attrs.frozen(cache_hash=True)
class Objects:
    """An immutable view of objects by kind: the store's contents, or an informer's cache."""

    by_kind: FrozenDict = FrozenDict()

    def get(self, kind: str, namespace: str | None, name: str) -> Any | None:
        return self.by_kind.get(kind, FrozenDict()).get((namespace, name))

    def list(self, kind: str, namespace: str | None = None) -> tuple[Any, ...]:
        """Objects of ``kind`` (in one namespace, or all when None), in (namespace, name) order. Memoised by the
        identity of the kind's objects, which states share while no object of that kind changes."""
        items = self.by_kind.get(kind)
        if items is None:
            return ()
        listed = _LISTS.get((items,), namespace)
        if listed is None:
            listed = tuple(obj for (ns, _), obj in sorted(items.items(), key=_sort_key)
                           if namespace is None or ns == namespace)
            _LISTS.put((items,), namespace, listed)
        return listed

    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(k for k, v in self.by_kind.items() if v))

    def __iter__(self) -> Iterator[Any]:
        for kind in self.kinds():
            yield from self.list(kind)

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_kind.values())

    def put(self, obj: Any) -> Objects:
        kind, ns, name = key_of(obj)
        return Objects(self.by_kind.set(kind, self.by_kind.get(kind, FrozenDict()).set((ns, name), obj)))

    def remove(self, key: ObjectKey) -> Objects:
        kind, ns, name = key
        items = self.by_kind.get(kind)
        if items is None or (ns, name) not in items:
            return self
        rest = items.discard((ns, name))
        # An emptied kind is dropped, so that views with the same objects are equal whatever their history.
        return Objects(self.by_kind.set(kind, rest) if rest else self.by_kind.discard(kind))

    def apply(self, event: WatchEvent) -> Objects:
        """The view after a watch event (what an informer's cache does with it)."""
        return self.remove(event.key) if event.type == DELETED else self.put(event.object)


_LISTS = IdentityMemo(4096)


def _sort_key(item: tuple[tuple[str | None, str], Any]) -> tuple[str, str]:
    (ns, name), _ = item
    return (ns or "", name)


@attrs.frozen(cache_hash=True)
class Store:
    """etcd as the API server sees it: the objects, the last revision, and the uid counter."""

    objects: Objects = Objects()
    revision: int = 0
    uids: int = 0

    def get(self, kind: str, namespace: str | None, name: str) -> Any | None:
        return self.objects.get(kind, namespace, name)

    def list(self, kind: str, namespace: str | None = None) -> tuple[Any, ...]:
        return self.objects.list(kind, namespace)

    def next_uid(self) -> tuple[Store, str]:
        """A fresh uid (deterministic: a counter, not a random UUID)."""
        uids = self.uids + 1
        return attrs.evolve(self, uids=uids), f"uid-{uids:06d}"

    def write(self, obj: Any) -> tuple[Store, Any, WatchEvent]:
        """Store ``obj`` at a new revision; returns the new store, the stamped object and its event."""
        revision = self.revision + 1
        existed = self.get(*key_of(obj)) is not None
        stamped = attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, resource_version=str(revision)))
        event = WatchEvent(MODIFIED if existed else ADDED, stamped, revision)
        return attrs.evolve(self, objects=self.objects.put(stamped), revision=revision), stamped, event

    def delete(self, key: ObjectKey) -> tuple[Store, WatchEvent]:
        """Remove the object at ``key`` (which must exist) at a new revision."""
        obj = self.get(*key)
        if obj is None:
            raise KeyError(key)
        revision = self.revision + 1
        gone = attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, resource_version=str(revision)))
        event = WatchEvent(DELETED, gone, revision)
        return attrs.evolve(self, objects=self.objects.remove(key), revision=revision), event
