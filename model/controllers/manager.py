"""kube-controller-manager: the controllers it runs, as one component of the model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from model.component import Component, Step, by_inputs
from model.config import ModelConfig
from model.controllers import (
    base,
    daemonset,
    deployment,
    disruption,
    endpoints,
    garbage_collector,
    hpa,
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
from model.store import MODIFIED, WatchEvent

CONTROLLERS: tuple[base.Controller, ...] = (endpoints.CONTROLLER, replicaset.REPLICA_SET_CONTROLLER,
                                            replicaset.REPLICATION_CONTROLLER_CONTROLLER,
                                            node_lifecycle.CONTROLLER, taint_eviction.CONTROLLER,
                                            daemonset.CONTROLLER, statefulset.CONTROLLER, deployment.CONTROLLER,
                                            persistentvolume.CONTROLLER, job.CONTROLLER, namespace.CONTROLLER,
                                            garbage_collector.CONTROLLER, resourcequota.CONTROLLER, hpa.CONTROLLER,
                                            disruption.CONTROLLER)
"""Every controller the model runs, each named after its service account (``endpoint-controller`` ...; the
``taint-eviction-controller`` uses ``node-controller``'s credentials, as kube-controller-manager runs it)."""

BY_NAME = {c.name: c for c in CONTROLLERS}

@attrs.frozen
class Resync:
    """The controller manager's shared informers resync: every handler is handed every cached object as an update
    of itself (client-go tools/cache/shared_informer.go: ``defaultResync``; kube-controller-manager's
    ``ResyncPeriod``, a random period between ``--min-resync-period`` and twice it). Not among the enabled actions:
    no explored run lasts 12 hours; fair execution (``properties.explore.converge``) takes it once the cluster has
    otherwise been idle, which is what lets controllers whose expectations expired sync again."""

    def describe(self) -> str:
        return "the controller manager's informers resync (every 12-24 h)"


def setup(state: ClusterState) -> ClusterState:
    for controller in CONTROLLERS:
        state = base.start(controller, state)
    return state


def enabled(state: ClusterState, config: ModelConfig) -> Iterable[Any]:
    return base.enabled(CONTROLLERS, state)


def apply(state: ClusterState, action: base.Reconcile | Resync, config: ModelConfig) -> Step:
    if isinstance(action, Resync):
        return Step(resync(state))
    return base.reconcile(BY_NAME[action.controller], state, action.key, config)


def resync(state: ClusterState) -> ClusterState:
    """Every controller sees each object its informer holds as an unchanged update (``old`` is the object itself,
    as upstream's resync hands handlers the same object twice)."""
    for controller in CONTROLLERS:
        informer = state.informers.get(controller.name)
        if informer is None:
            continue
        for kind in sorted(informer.cache.kinds()):
            for obj in informer.cache.list(kind):
                event = WatchEvent(MODIFIED, obj, informer.revision)
                informer = base.on_event(controller, informer, event, obj, state.time)
        state = state.with_informer(controller.name, informer)
    return state


def observed(state: ClusterState, informer_name: str, event: WatchEvent, old: Any) -> ClusterState:
    """After a controller's informer observed ``event``: the controller learns from it and enqueues the keys it
    concerns."""
    controller = BY_NAME.get(informer_name)
    if controller is None:
        return state
    informer = base.on_event(controller, state.informer(informer_name), event, old, state.time)
    return state.with_informer(informer_name, informer)


def inputs(state: ClusterState) -> tuple[tuple, int]:
    """What :func:`enabled` reads: each controller's informer, and the time."""
    return tuple(state.informers.get(c.name) for c in CONTROLLERS), state.time


COMPONENT = Component("controller-manager", (base.Reconcile, Resync), by_inputs(enabled, inputs), apply, setup,
                      observed)
