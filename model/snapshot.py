"""Cluster snapshots whose objects name owners the snapshot lacks.

``kubectl get nodes,pods -A -o yaml`` has no ReplicaSets, DaemonSets or Jobs, so every controller-owned pod of such
a snapshot references an owner that is not there. Upstream's garbage collector deletes a dependent whose owners are
all absent (pkg/controller/garbagecollector/garbagecollector.go: ``attemptToDeleteItem`` confirms each owner's
absence with a live GET, ``isDangling``, and deletes the item when no solid owner remains). Deliberate difference:
absence from a snapshot says nothing about the live cluster, where those owners exist, so deleting the pods would
invent an event the cluster never sees. The references that dangle within the snapshot are removed instead, and the
objects are reported: they stay as orphans (nothing recreates them) until the user adds their owners to the
snapshot or accepts them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs


@attrs.frozen
class Orphan:
    """An object of the snapshot whose named owner is not in it."""

    kind: str
    namespace: str | None
    name: str
    owner_kind: str
    owner_name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where} (owner {self.owner_kind} {self.owner_name})"


def _owner_present(ref: Any, obj: Any, by_uid: set[str], by_key: set[tuple[str, str | None, str]]) -> bool:
    """An owner is the object with the reference's uid; without uids, the one with its kind and name in the
    dependent's namespace (or cluster-scoped)."""
    if ref.uid and by_uid:
        return ref.uid in by_uid
    return (ref.kind, obj.namespace, ref.name) in by_key or (ref.kind, None, ref.name) in by_key


def orphaned(objects: Sequence[Any]) -> tuple[list[Any], list[Orphan]]:
    """The objects with every dangling owner reference removed, and one :class:`Orphan` per removed reference."""
    by_uid = {o.metadata.uid for o in objects if o.metadata.uid}
    by_key = {(o.kind, o.namespace, o.name) for o in objects}
    kept: list[Any] = []
    orphans: list[Orphan] = []
    for obj in objects:
        refs = obj.metadata.owner_references
        solid = tuple(r for r in refs if _owner_present(r, obj, by_uid, by_key))
        if len(solid) == len(refs):
            kept.append(obj)
            continue
        orphans.extend(Orphan(obj.kind, obj.namespace, obj.name, r.kind, r.name) for r in refs if r not in solid)
        kept.append(attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, owner_references=solid)))
    return kept, orphans


def orphans_warning(orphans: Sequence[Orphan], shown: int = 5) -> str:
    """One line naming the orphans (the first ``shown`` of them)."""
    names = ", ".join(str(o) for o in orphans[:shown])
    more = f" and {len(orphans) - shown} more" if len(orphans) > shown else ""
    return (f"{len(orphans)} object(s) name owners missing from the snapshot: {names}{more}; they are kept as "
            "orphans (no controller recreates them, the garbage collector leaves them): add their owners to the "
            "snapshot to model their controllers (see the README's snapshot command)")
