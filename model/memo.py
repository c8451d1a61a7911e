"""A bounded memo keyed by the identity of immutable arguments: the model's states share unchanged parts from step
to step, so a result computed for those very objects can be reused."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class IdentityMemo:
    """A bounded memo keyed by the identity of immutable arguments (and a hashable rest of the key). Each entry keeps
    its arguments alive, so an entry found by their ids is for these very objects (live objects have distinct ids).
    A pure cache: it changes no result."""

    __slots__ = ("entries", "size")

    def __init__(self, size: int) -> None:
        self.entries: dict[tuple, tuple[tuple, Any]] = {}
        self.size = size

    def get(self, objects: tuple, key: Hashable = None) -> Any:
        """The value stored for ``objects`` and ``key``, or None."""
        entry = self.entries.get((*map(id, objects), key))
        return None if entry is None else entry[1]

    def put(self, objects: tuple, key: Hashable, value: Any) -> None:
        if len(self.entries) >= self.size:
            self.entries.pop(next(iter(self.entries)))
        self.entries[(*map(id, objects), key)] = (objects, value)
