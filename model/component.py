"""What every component of the model provides: its actions, when they are enabled, what they do.

A component's ``apply`` returns a :class:`Step`: the next state plus what API clients saw and which
watch events the action caused, so traces and ``kubeproof simulate`` can show them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

import attrs

from model.apiserver.requests import Response
from model.config import ModelConfig
from model.memo import IdentityMemo
from model.state import ClusterState
from model.store import WatchEvent


@attrs.frozen
class Step:
    """One transition: the next state, the API responses it produced, and the watch events it caused."""

    state: ClusterState
    responses: tuple[Response, ...] = ()
    events: tuple[WatchEvent, ...] = ()


def _unchanged(state: ClusterState) -> ClusterState:
    return state


def _ignores(state: ClusterState, informer: str, event: WatchEvent, old: Any) -> ClusterState:
    return state


@attrs.frozen
class Component:
    """A part of the cluster that acts.

    ``setup`` prepares its part of an initial state (informers, node runtimes) after the store is built;
    ``observed(state, informer, event, old)`` reacts when one of its informers has observed a watch event
    (``old`` is the cached object the event replaced), e.g. to enqueue work.
    """

    name: str
    actions: tuple[type, ...]
    enabled: Callable[[ClusterState, ModelConfig], Iterable[Any]]
    apply: Callable[[ClusterState, Any, ModelConfig], Step]
    setup: Callable[[ClusterState], ClusterState] = _unchanged
    observed: Callable[[ClusterState, str, WatchEvent, Any], ClusterState] = _ignores


Inputs = Callable[[ClusterState], tuple[tuple, Hashable]]
"""What a component's ``enabled`` reads of a state: the objects it reads, compared by identity (a step shares every
part it did not change with the state before it), and the plain values it reads (e.g. the time), compared by value."""


def by_inputs(enabled: Callable[[ClusterState, ModelConfig], Iterable[Any]], inputs: Inputs,
              size: int = 512) -> Callable[[ClusterState, ModelConfig], tuple[Any, ...]]:
    """``enabled`` listed once per distinct inputs (``inputs(state)``, plus the config by value): a step that left a
    component's inputs the very same objects leaves its enabled actions the same, so only the components whose inputs
    a step changed list theirs again. A pure cache: each entry keeps its inputs alive, so an entry found by their ids
    is for these very objects, and the answer is the one ``enabled`` gives (``__wrapped__``; a test compares both on
    random walks)."""
    memo = IdentityMemo(size)

    def listed(state: ClusterState, config: ModelConfig) -> tuple[Any, ...]:
        objects, key = inputs(state)
        found = memo.get(objects, (key, config))
        if found is None:
            found = tuple(enabled(state, config))
            memo.put(objects, (key, config), found)
        return found

    listed.__wrapped__ = enabled  # type: ignore[attr-defined]
    listed.__name__ = getattr(enabled, "__name__", "enabled")
    return listed
