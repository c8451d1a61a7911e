"""What every component of the model provides: its actions, when they are enabled, what they do.

A component's ``apply`` returns a :class:`Step`: the next state plus what API clients saw and which
watch events the action caused, so traces and ``kubeproof simulate`` can show them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from model.apiserver.requests import Response
from model.config import ModelConfig
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
