"""kube-controller-manager: the controllers it runs, as one component of the model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from model.component import Component, Step
from model.config import ModelConfig
from model.controllers import base
from model.state import ClusterState
from model.store import WatchEvent

CONTROLLERS: tuple[base.Controller, ...] = ()
"""Every controller the model runs, each named after its service account (``endpoint-controller`` ...)."""

BY_NAME = {c.name: c for c in CONTROLLERS}


def setup(state: ClusterState) -> ClusterState:
    for controller in CONTROLLERS:
        state = base.start(controller, state)
    return state


def enabled(state: ClusterState, config: ModelConfig) -> Iterable[Any]:
    return base.enabled(CONTROLLERS, state)


def apply(state: ClusterState, action: base.Reconcile, config: ModelConfig) -> Step:
    return base.reconcile(BY_NAME[action.controller], state, action.key, config)


def observed(state: ClusterState, informer_name: str, event: WatchEvent, old: Any) -> ClusterState:
    """After a controller's informer observed ``event``: enqueue the keys it concerns."""
    controller = BY_NAME.get(informer_name)
    if controller is None:
        return state
    return state.with_informer(informer_name, base.on_event(controller, state.informer(informer_name), event, old))


COMPONENT = Component("controller-manager", (base.Reconcile,), enabled, apply, setup)
