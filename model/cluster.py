"""The cluster's transition relation: every component's enabled actions, and applying one.

``enabled(state, config)`` is the union of what each component (and the scenario's user) could do
now; ``apply(state, action, config)`` performs one action and returns the next state; ``step`` does
the same and also returns what API clients saw and which objects changed, for traces and the
``simulate`` command. All are pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from model import actions as act
from model import faults, kubeproxy, load, maintenance, metrics_server
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.component import Component, Step, by_inputs
from model.config import DEFAULT_CONFIG, ModelConfig
from model.controllers import manager as controller_manager
from model.deadlines import heartbeat_limit, next_deadline
from model.descheduler import component as descheduler
from model.kubelet import component as kubelet
from model.scheduler import component as scheduler
from model.state import ClusterState, build, deliver_shared, lagging, submit

FORCE_DELETE_PARTITIONED = "force-delete-partitioned"
"""The ``ModelConfig.variants`` switch that lets the user force-delete pods on partitioned nodes too."""


def _force_deletable(state: ClusterState, node: str | None, config: ModelConfig) -> bool:
    """Whether the user may force-delete a pod bound to ``node``: the documented remedy once its node is known to be
    down (https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/: "only ... when the Node
    is confirmed to be shut down"). With ``force-delete-partitioned`` the user also does it to a node that is
    merely partitioned (its kubelet still runs the pod), the hazard that page warns about."""
    runtime = state.nodes.get(node) if node else None
    if runtime is None:
        return False
    if not runtime.up:
        return True
    return not runtime.reachable and FORCE_DELETE_PARTITIONED in config.variants


def _user_enabled(state: ClusterState, config: ModelConfig) -> Iterable[Any]:
    actions: list[Any] = [act.SubmitPending()] if state.pending else []
    actions += [act.ForceDeletePod(p.namespace, p.name) for p in state.store.list("Pod")
                if _force_deletable(state, p.spec.node_name, config)]
    return actions


def _user_inputs(state: ClusterState) -> tuple[tuple, None]:
    """What :func:`_user_enabled` reads: the requests still to submit, the store's pods and the nodes."""
    return (state.pending, state.store, state.nodes), None


def _user_apply(state: ClusterState, action: Any, config: ModelConfig) -> Step:
    if isinstance(action, act.SubmitPending):
        request, rest = state.pending[0], state.pending[1:]
        state = attrs.evolve(state, pending=rest)
    elif isinstance(action, act.ForceDeletePod):
        request = rq.Delete(ADMIN, "Pod", action.namespace, action.name, grace_period_seconds=0)
    else:
        request = action.request
    after, response, events = submit(state, request, config)
    return Step(after, (response,), events)


def _informers_enabled(state: ClusterState, config: ModelConfig) -> Iterable[Any]:
    return tuple(act.DeliverWatchEvent(name) for name in lagging(state))


def _observed(state: ClusterState, informer: str, event: Any, old: Any) -> ClusterState:
    """Every component reacts to an event ``informer`` has observed (``Component.observed``)."""
    for component in COMPONENTS:
        state = component.observed(state, informer, event, old)
    return state


def _informers_apply(state: ClusterState, action: act.DeliverWatchEvent, config: ModelConfig) -> Step:
    state, delivered = deliver_shared(state, action.component)
    for informer, event, old in delivered:
        state = _observed(state, informer, event, old)
    return Step(state)


IDLE_TICK = 1
"""How far the clock moves when no component waits for anything (:func:`model.deadlines.next_deadline` is None): no
behaviour depends on how much time passes then, and keeping the clock enabled means an explorer always has an
action."""


WATCH_LATENCY = 1
"""How far the clock moves at most while a connected watch has events still to deliver: the API server's watches
deliver within well under a second, so a jump past a timer with a component's informer still behind it would be a
watch stalled for that long (``watch-relist`` is the fault that breaks a watch), e.g. a ReplicaSet controller's
expectations expiring after 5 min while its informer has not yet seen its own creates."""


def clock_tick(state: ClusterState, config: ModelConfig = DEFAULT_CONFIG) -> act.Tick:
    """The clock's one action: to the next deadline any component waits for (``model.deadlines``), so a timer costs
    one action however long it is; one second (:data:`WATCH_LATENCY`) while a watch is behind; never past the time
    by which a healthy kubelet must have renewed its node status (``model.deadlines.heartbeat_limit``; a Tick of 0
    seconds, which is not offered, when that time has come)."""
    deadline = next_deadline(state, config)
    seconds = IDLE_TICK if deadline is None else deadline - state.time
    seconds = min(seconds, WATCH_LATENCY) if lagging(state) else seconds
    limit = heartbeat_limit(state, config)
    return act.Tick(seconds if limit is None else max(0, min(seconds, limit - state.time)))


def _clock_enabled(state: ClusterState, config: ModelConfig) -> Iterable[Any]:
    tick = clock_tick(state, config)
    return (tick,) if tick.seconds > 0 else ()


def _clock_apply(state: ClusterState, action: act.Tick, config: ModelConfig) -> Step:
    return Step(attrs.evolve(state, time=state.time + action.seconds))


USER = Component("user", (act.SubmitPending, act.Submit, act.ForceDeletePod), by_inputs(_user_enabled, _user_inputs),
                 _user_apply)
INFORMERS = Component("informers", (act.DeliverWatchEvent,), _informers_enabled, _informers_apply)
CLOCK = Component("clock", (act.Tick,), _clock_enabled, _clock_apply)
KUBELET = Component("kubelet", kubelet.ACTIONS, kubelet.OFFERED, kubelet.apply, kubelet.setup)
FAULTS = faults.component(_observed)
COMPONENTS: tuple[Component, ...] = (USER, INFORMERS, scheduler.COMPONENT, KUBELET, controller_manager.COMPONENT,
                                     kubeproxy.COMPONENT, metrics_server.COMPONENT, load.COMPONENT, FAULTS,
                                     maintenance.COMPONENT, CLOCK, descheduler.COMPONENT)

_BY_ACTION: dict[type, Component] = {t: c for c in COMPONENTS for t in c.actions}


def initial_state(objects: Iterable[Any]) -> ClusterState:
    """The state for loaded manifests, each component set up (informers synced, kubelets running)."""
    state = build(objects)
    for component in COMPONENTS:
        state = component.setup(state)
    return state


def enabled(state: ClusterState, config: ModelConfig = DEFAULT_CONFIG) -> list[Any]:
    """Every action any component or the scenario's user could take in ``state``, in a fixed order."""
    return [a for c in COMPONENTS for a in c.enabled(state, config)]


def component_of(action: Any) -> Component:
    """The component that performs ``action``."""
    component = _BY_ACTION.get(type(action))
    if component is None:
        raise TypeError(f"no component performs {type(action).__name__}")
    return component


def step(state: ClusterState, action: Any, config: ModelConfig = DEFAULT_CONFIG) -> Step:
    """Perform ``action``; also report responses and the watch events it caused."""
    return component_of(action).apply(state, action, config)


def apply(state: ClusterState, action: Any, config: ModelConfig = DEFAULT_CONFIG) -> ClusterState:
    """The state after ``action``."""
    return step(state, action, config).state
