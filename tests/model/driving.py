"""Driving the whole model in scenario tests: run the chosen components until the store has been quiet a while."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from model import cluster
from model.actions import Tick
from model.state import ClusterState


def run_until_idle(state: ClusterState, allowed: Callable[[Any], bool], idle: int, limit: int,
                   check: Callable[[ClusterState], None] | None = None) -> ClusterState:
    """Take the first enabled action ``allowed`` accepts (the clock passing when there is none) until the store has
    not changed for ``idle`` seconds, calling ``check`` after every step; fails after ``limit`` steps."""
    changed_at, revision = state.time, state.store.revision
    for _ in range(limit):
        if state.store.revision != revision:
            changed_at, revision = state.time, state.store.revision
        actions = [a for a in cluster.enabled(state) if allowed(a)]
        if actions:
            state = cluster.apply(state, actions[0])
        elif state.time - changed_at < idle:
            state = cluster.apply(state, Tick())
        else:
            return state
        if check is not None:
            check(state)
    raise AssertionError("the cluster did not settle")
