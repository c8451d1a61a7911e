"""Fault budgets: how many faults of each kind a run may take, and whether the next one waits until the cluster has
settled (a user's ``CheckSpec``: ``faults`` and ``settleBetweenFaults``).

Capacity planning speaks this way ("at most one node down at a time, the next one only after the cluster has
settled"): the budget is part of the run, so the explorer never draws a fault past it (:func:`fault_allowed`), and
with ``settleBetweenFaults`` only in a settled state, one where no component has work (:func:`settled`: fair
execution has nothing to do, repairs of earlier faults included, so a crashed node is back first).

:class:`Settle` is the environment's matching move: the operator waits while every component does its work and time
passes (faults left unrepaired), until none has any. It is one action of a run and of its trace, and re-runs
deterministically on replay; every state it passes through is still checked.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from model.actions import Tick
from model.component import Step
from model.config import ModelConfig
from model.deadlines import next_deadline
from model.faults import fault_of
from model.kubelet.component import HealPartition, RecoverNode
from model.state import ClusterState
from properties.explore import (
    CONVERGENCE_STEPS,
    IDLE_SECONDS,
    PropertyViolated,
    Scenario,
    Transition,
    _fair_actions,
    checked_step,
)
from properties.registry import Property

REPAIRS = (RecoverNode, HealPartition)
"""What undoes a fault: the environment's choice, not a component's work, so :class:`Settle` leaves it."""


@functools.lru_cache(maxsize=256)
def settled(state: ClusterState, config: ModelConfig) -> bool:
    """No component has work: fair execution (users and faults aside, repairs included) has nothing to do (cached:
    the explorer asks once per fault it may draw, and the intents again)."""
    return not _fair_actions(state, config)


def unrepaired(state: ClusterState) -> bool:
    """Whether a node is still down or cut off: the cluster may also be left to settle then (the operator waits with
    the last fault unrepaired, e.g. for a replica to be evicted and recreated elsewhere), not only before a fault."""
    return any(not runtime.up or not runtime.reachable for runtime in state.nodes.values())


def fault_allowed(scenario: Scenario, state: ClusterState, action: Any, used: Mapping[str, int]) -> bool:
    """Whether a run that has taken ``used`` faults (by kind) may take ``action`` now: not a fault, or a fault within
    the scenario's budget (kinds the budget does not name are not bounded) and, with ``settle_between_faults``, in a
    settled state."""
    kind = fault_of(action)
    if kind is None or scenario.fault_budget is None:
        return True
    budget = dict(scenario.fault_budget)
    if kind in budget and used.get(kind, 0) >= budget[kind]:
        return False
    return not scenario.settle_between_faults or settled(state, scenario.config)


def count(used: dict[str, int], action: Any) -> None:
    """Record ``action`` against the budget if it is a fault."""
    kind = fault_of(action)
    if kind is not None:
        used[kind] = used.get(kind, 0) + 1


def _quiet_tick(state: ClusterState, config: ModelConfig) -> Tick:
    """While the cluster settles and nothing else can act: to the next deadline, heartbeats aside, but no further than
    lets every running node's heartbeat (10 s apart) still reach the node lifecycle controller within its 50 s grace
    period; a kubelet's heartbeat late by up to that much changes nothing a component does, and settling a
    toleration's 300 s then costs a handful of heartbeat rounds rather than thirty."""
    slack = config.node_monitor_grace_period - config.node_status_update_frequency
    deadline = next_deadline(state, config, heartbeats=False)
    return Tick(max(1, min(slack, slack if deadline is None else deadline - state.time)))


@attrs.frozen
class Settle:
    """The operator waits for the cluster to settle: components take turns doing their work (as in fair execution,
    ``properties.explore.converge``), time passing when nothing else can happen, faults left unrepaired, until no
    object but Nodes (heartbeats) has changed for ``IDLE_SECONDS`` with nothing left to do."""

    def describe(self) -> str:
        return "the cluster settles (components do their work and time passes; faults stay unrepaired)"

    def run(self, state: ClusterState, config: ModelConfig, properties: Sequence[Property],
            transitions: list[Transition]) -> ClusterState:
        """Every inner step is checked; a violation inside carries the run up to it, inner steps spelled out."""
        inner: list[Transition] = []
        turn, last_change = 0, state.time
        visits: dict[str, int] = {}
        try:
            for _ in range(CONVERGENCE_STEPS):
                fair = {name: [a for a in actions if not isinstance(a, REPAIRS)]
                        for name, actions in _fair_actions(state, config).items()}
                fair = {name: actions for name, actions in fair.items() if actions}
                if not fair:
                    if state.time - last_change >= IDLE_SECONDS:
                        break
                    state = checked_step(state, _quiet_tick(state, config), config, properties, inner)
                    continue
                names = sorted(fair)
                name = names[turn % len(names)]
                turn += 1
                action = fair[name][visits.get(name, 0) % len(fair[name])]
                visits[name] = visits.get(name, 0) + 1
                state = checked_step(state, action, config, properties, inner)
                if any(event.object.kind != "Node" for event in inner[-1].result.events):
                    last_change = state.time
        except PropertyViolated as violated:
            raise PropertyViolated(violated.violation, [*transitions, *violated.transitions]) from None
        transitions.append(Transition(self, Step(state, *_summary(inner))))
        return state


def _summary(inner: Sequence[Transition]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """What a settle did, for its one line in a trace: the error responses its steps got, and each object's last
    watch event (objects whose every write was a heartbeat's or a status touch show once)."""
    errors = tuple(r for t in inner for r in t.result.responses if not r.ok)
    last: dict[Any, Any] = {}
    for transition in inner:
        for event in transition.result.events:
            last.pop(event.key, None)
            last[event.key] = event
    return errors, tuple(last.values())
