"""kube-controller-manager: the controllers it runs, as one component of the model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from model.component import Component, Step
from model.config import ModelConfig
from model.controllers import (
    base,
    daemonset,
    deployment,
    endpoints,
    garbage_collector,
    job,
    namespace,
    node_lifecycle,
    persistentvolume,
    replicaset,
    resourcequota,
    statefulset,
    taint_eviction,
)
from model.state import ClusterState
from model.store import WatchEvent

CONTROLLERS: tuple[base.Controller, ...] = (endpoints.CONTROLLER, replicaset.REPLICA_SET_CONTROLLER,
                                            replicaset.REPLICATION_CONTROLLER_CONTROLLER,
                                            node_lifecycle.CONTROLLER, taint_eviction.CONTROLLER,
                                            daemonset.CONTROLLER, statefulset.CONTROLLER, deployment.CONTROLLER,
                                            persistentvolume.CONTROLLER, job.CONTROLLER, namespace.CONTROLLER,
                                            garbage_collector.CONTROLLER, resourcequota.CONTROLLER)
"""Every controller the model runs, each named after its service account (``endpoint-controller`` ...; the
``taint-eviction-controller`` uses ``node-controller``'s credentials, as kube-controller-manager runs it)."""

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
    """After a controller's informer observed ``event``: the controller learns from it and enqueues the keys it
    concerns."""
    controller = BY_NAME.get(informer_name)
    if controller is None:
        return state
    informer = base.on_event(controller, state.informer(informer_name), event, old, state.time)
    return state.with_informer(informer_name, informer)


COMPONENT = Component("controller-manager", (base.Reconcile,), enabled, apply, setup, observed)
