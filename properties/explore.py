"""Exploring a scenario: random (Hypothesis-driven) sequences of user actions, component steps and faults,
with every property checked after every step, and fair convergence at the end (liveness).

:class:`Transition` records one step; :func:`execute` runs a fixed list of actions (replays and
shrinking use it); :func:`converge` runs the components fairly once users and faults stop; the
Hypothesis state machine is built by :func:`machine_for`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from model import cluster, kubeproxy
from model.actions import SubmitPending, Tick
from model.cluster import Step
from model.config import ModelConfig
from model.controllers.manager import Resync
from model.kubelet.component import CrashNode, PartitionNode
from model.kubeproxy import RouteRequest
from model.maintenance import DrainStep
from model.state import ClusterState
from properties.interrupts import Stopped
from properties.registry import LIVENESS, Property, Violation, changed_fields, check_state, check_step
from properties.users import by_kind, user_actions

FAULT_ACTIONS = (CrashNode, PartitionNode)
CONVERGENCE_STEPS = 4000
"""The liveness step bound: fair execution must reach the desired state within this many actions."""
IDLE_SECONDS = 320
"""Fair execution stops once nothing but periodic work (heartbeats, node health checks) has changed an object for
this long: the model's longest timers (300 s toleration evictions, the scheduler's 5-minute flush, the
300 s back-off cap) fit within it."""
PERIODIC_KINDS = ("Node", "PodMetrics", "NodeMetrics")
"""Kinds written by periodic work alone (kubelet heartbeats and node health checks, metrics-server's scrapes every
15 s): their writes do not end fair execution's idle period."""
IDLE_TICK = 20
"""How far the clock jumps when only the clock can act (well inside the 50 s node monitor grace period)."""


@attrs.frozen
class Transition:
    """One step of a run: the action and what it did."""

    action: Any
    result: Step


@attrs.frozen
class Scenario:
    """What to explore: the manifests (cluster and workloads), the configuration and how much users act."""

    name: str
    objects: tuple[Any, ...]
    config: ModelConfig = ModelConfig()
    user_budget: int = 3
    settled: bool = False
    """Start from the state fair execution reaches from the manifests (workloads up and running), rather than
    from the manifests themselves."""
    kubectl: bool = True
    """Whether the user's budget also goes on ``properties.users`` commands (scale, edit, delete); without them it
    only goes on what the model's user offers (force-deleting pods on a down node)."""
    fault_budget: tuple[tuple[str, int], ...] | None = None
    """How many faults of each kind (``model.config.FAULTS`` names) a run may take (``properties.budget``); kinds not
    named, and every kind when None, are not bounded."""
    settle_between_faults: bool = False
    """A fault only in a settled state (no component has work); the explorer may also wait for the cluster to settle
    (``properties.budget.Settle``)."""

    def initial(self) -> ClusterState:
        return _settled(self) if self.settled else _initial(self)


class PropertyViolated(AssertionError):
    """A property failed; carries the run that led there."""

    def __init__(self, violation: Violation, transitions: Sequence[Transition]):
        self.violation = violation
        self.transitions = tuple(transitions)
        super().__init__(f"{violation.property}: {violation.message} (after {len(self.transitions)} steps)")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its run, so a worker process can hand it back (``properties.workers``)."""
        return PropertyViolated, (self.violation, self.transitions)


def checked_step(state: ClusterState, action: Any, config: ModelConfig, properties: Sequence[Property],
                 transitions: list[Transition]) -> ClusterState:
    """Apply ``action`` and check every property; raises PropertyViolated with the run so far."""
    if hasattr(action, "run"):  # an environment move made of checked steps (properties.budget.Settle)
        return action.run(state, config, properties, transitions)
    result = cluster.step(state, action, config)
    transition = Transition(action, result)
    transitions.append(transition)
    violations = check_step(state, transition, result.state, config, properties) + \
        check_state(result.state, config, properties, changed=changed_fields(state, result.state))
    if violations:
        raise PropertyViolated(violations[0], transitions)
    return result.state


def execute(state: ClusterState, actions: Sequence[Any], config: ModelConfig,
            properties: Sequence[Property]) -> tuple[ClusterState, list[Transition]]:
    """Run ``actions`` in order, checking every property after each (raises PropertyViolated)."""
    transitions: list[Transition] = []
    for action in actions:
        state = checked_step(state, action, config, properties, transitions)
    return state, transitions


_NOT_FAIR = ("Submit", "ForceDeletePod")
"""User requests are not part of fair execution (nor are client traffic and the clock, excluded by type)."""


@functools.lru_cache(maxsize=16)
def _quiet(config: ModelConfig) -> ModelConfig:
    """``config`` without faults (fair execution's)."""
    return attrs.evolve(config, faults=frozenset())


def _fair_actions(state: ClusterState, config: ModelConfig) -> dict[str, list[Any]]:
    """Each component's enabled actions, without users, faults, crashes or client traffic."""
    quiet = _quiet(config)
    actions: dict[str, list[Any]] = {}
    for component in cluster.COMPONENTS:
        if component is cluster.CLOCK:  # its one action, a Tick, is never fair: not worth working out
            continue
        listed = kubeproxy.SYNCS(state, quiet) if component is kubeproxy.COMPONENT else component.enabled(state, quiet)
        fair = [a for a in listed
                if not (isinstance(a, (RouteRequest, Tick)) or type(a).__name__ in _NOT_FAIR)]
        if fair:
            actions[component.name] = fair
    return actions


def converge(state: ClusterState, config: ModelConfig, properties: Sequence[Property],
             transitions: list[Transition], deadline: float | None = None) -> ClusterState:
    """Fair execution once users and faults stop (Anvil's ESR premise): components take turns, and each cycles
    through its enabled actions, so an action that stays enabled is taken (weak fairness per action); the clock
    advances only when nothing else can act. Every invariant is still checked at every step.

    Once nothing but periodic work (heartbeats, node health checks) has changed an object for IDLE_SECONDS, the
    controller manager's informers resync (:class:`model.controllers.manager.Resync`, due every 12-24 h; the
    quiet hours in between are not stepped through) and execution goes on; it stops when the cluster has been idle
    for IDLE_SECONDS since that resync, or after CONVERGENCE_STEPS actions. Past ``deadline`` (``time.process_time``)
    it raises :class:`Stopped`."""
    turn, last_change, resynced = 0, state.time, False
    visits: dict[str, int] = {}
    for step in range(CONVERGENCE_STEPS):
        if deadline is not None and step % 64 == 0 and time.process_time() > deadline:
            raise Stopped("the time bound ran out during fair execution")
        fair = _fair_actions(state, config)
        if not fair:
            if state.time - last_change < IDLE_SECONDS:
                action: Any = Tick(IDLE_TICK)
            elif resynced:
                return state
            else:
                action, resynced = Resync(), True
            state = checked_step(state, action, config, properties, transitions)
            continue
        names = sorted(fair)
        name = names[turn % len(names)]
        turn += 1
        options = fair[name]
        action = options[visits.get(name, 0) % len(options)]
        visits[name] = visits.get(name, 0) + 1
        state = checked_step(state, action, config, properties, transitions)
        if any(event.object.kind not in PERIODIC_KINDS for event in transitions[-1].result.events):
            last_change, resynced = state.time, False
    return state


@functools.lru_cache(maxsize=16)
def _initial(scenario: Scenario) -> ClusterState:
    """The scenario's initial state (built once per scenario: every run starts from it)."""
    return cluster.initial_state(scenario.objects)


@functools.lru_cache(maxsize=16)
def _settled(scenario: Scenario) -> ClusterState:
    """The scenario's state once fair execution has brought its workloads up (computed once per scenario)."""
    return converge(cluster.initial_state(scenario.objects), scenario.config, (), [])


def check_liveness(state: ClusterState, config: ModelConfig, properties: Sequence[Property],
                   transitions: Sequence[Transition], since: int | None = None) -> None:
    """Check the liveness properties in the state fair execution reached (``since``: when users and faults
    stopped)."""
    for prop in properties:
        if prop.kind == LIVENESS:
            messages = prop.check(state, config, since) if prop.since_quiet else prop.check(state, config)
            if messages:
                raise PropertyViolated(Violation(prop.name, messages[0]), transitions)


def quiet_since(transitions: Sequence[Transition], stopped: int) -> int:
    """When users and faults stopped: at ``stopped``, or later, when fair execution took the last step of a drain
    they left running (it is their maintenance, a client process that goes on: ``model.maintenance``)."""
    return max([stopped, *(t.result.state.time for t in transitions if isinstance(t.action, DrainStep))])


_COMPONENTS = {c.name: c for c in cluster.COMPONENTS}
SETTLE = "settle"
"""The machine's name for the environment waiting for the cluster to settle (``properties.budget.Settle``)."""


@functools.cache
def _index(size: int) -> st.SearchStrategy[int]:
    """A choice among ``size`` options, shrinking towards the first (``sampled_from``'s behaviour, built once per
    size rather than once per draw: the draws are a good part of each exploration step's cost)."""
    return st.integers(0, size - 1)


def machine_for(scenario: Scenario, properties: Sequence[Property]) -> type[RuleBasedStateMachine]:
    """A Hypothesis state machine exploring ``scenario``: each step picks a component, then one of its
    enabled actions (users while their budget lasts, faults when the configuration enables them and the scenario's
    fault budget allows; with ``settle_between_faults`` also waiting for the cluster to settle)."""
    from properties import budget  # it builds on this module

    class ClusterMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.state = scenario.initial()
            self.transitions: list[Transition] = []
            self.user_actions_left = scenario.user_budget
            self.violated = False
            self.stopped = False
            self.faults_used: dict[str, int] = {}
            self._listed_for: ClusterState | None = None
            self._listed: dict[str, list[Any]] = {}

        def _user_commands(self) -> list[Any]:
            if scenario.kubectl and self.user_actions_left > 0:
                return list(user_actions(self.state))
            return []

        def components(self) -> list[str]:
            """The components with an enabled action (the user's commands count for ``user``), in name order with
            the clock last: an index draw favours the first option (in name order the clock took
            half of all steps), and shrinking moves towards it. Each component's actions are generated only up to
            the first."""
            if scenario.fault_budget is not None:
                names = {c.name for c in cluster.COMPONENTS if self.actions(c.name)}
                if scenario.settle_between_faults and (self._faults_left() or budget.unrepaired(self.state)) and \
                        not budget.settled(self.state, scenario.config):
                    names.add(SETTLE)
                return sorted(names, key=lambda name: (name == "clock", name))
            # the clock too: it offers no Tick when a healthy kubelet's node status is due (model.deadlines)
            names = {c.name for c in cluster.COMPONENTS if c.name != "user" and self._enabled(c.name)}
            if self._user_can_act():
                names.add("user")
            return sorted(names, key=lambda name: (name == "clock", name))

        def _user_can_act(self) -> bool:
            """Whether ``actions("user")`` is not empty, found without listing every command the user could give
            (they are listed when the user is chosen)."""
            listed = self._enabled("user")
            if self.user_actions_left <= 0:
                return any(isinstance(a, SubmitPending) for a in listed)
            return bool(listed) or (scenario.kubectl and next(iter(user_actions(self.state)), None) is not None)

        def _faults_left(self) -> bool:
            """Whether the budget leaves a fault of some kind the configuration enables (settling is offered only
            then: it is the wait before the next fault)."""
            return any(self.faults_used.get(kind, 0) < count for kind, count in scenario.fault_budget or ()
                       if kind in scenario.config.faults)

        def actions(self, component: str) -> list[Any]:
            """``component``'s enabled actions, in the order it gives them (then the user's commands); once the
            user's budget is spent it only submits the scenario's remaining manifests."""
            if component == SETTLE:
                return [budget.Settle()]
            listed = self._enabled(component)
            if scenario.fault_budget is not None:
                listed = [a for a in listed if budget.fault_allowed(scenario, self.state, a, self.faults_used)]
            if component != "user":
                return listed
            if self.user_actions_left <= 0:
                listed = [a for a in listed if isinstance(a, SubmitPending)]
            return listed + self._user_commands()

        def _enabled(self, component: str) -> list[Any]:
            """``component``'s enabled actions in the current state, worked out once per state (a step asks for the
            chosen component's twice: to offer it, then to pick from it)."""
            if self._listed_for is not self.state:
                self._listed_for, self._listed = self.state, {}
            listed = self._listed.get(component)
            if listed is None:
                listed = self._listed[component] = list(_COMPONENTS[component].enabled(self.state, scenario.config))
            return listed

        def choices(self) -> dict[str, list[Any]]:
            """Every enabled action by component."""
            return {name: self.actions(name) for name in self.components()}

        @precondition(lambda self: True)
        @rule(data=st.data())
        def act(self, data: st.DataObject) -> None:
            names = self.components()
            component = names[data.draw(_index(len(names)), label="component")]
            actions = self.actions(component)
            if component == "user":  # a kind of move first, each equally likely (properties.users.by_kind)
                kinds = by_kind(self.state, actions)
                actions = kinds[data.draw(_index(len(kinds)), label="kind")] if len(kinds) > 1 else kinds[0]
            action = actions[data.draw(_index(len(actions)), label="action")] if len(actions) > 1 else actions[0]
            if component == "user" and not isinstance(action, SubmitPending):
                self.user_actions_left -= 1
            budget.count(self.faults_used, action)
            try:
                self.state = checked_step(self.state, action, scenario.config, properties, self.transitions)
            except PropertyViolated:
                self.violated = True  # the run ends here: no convergence from the state before the failed step
                raise
            except Stopped:
                self.stopped = True  # nor after an interrupt: the teardown Hypothesis still calls must not converge
                raise

        def teardown(self) -> None:
            if not (self.violated or self.stopped) and any(p.kind == LIVENESS for p in properties):
                final = converge(self.state, scenario.config, properties, self.transitions)
                check_liveness(final, scenario.config, properties, self.transitions,
                               quiet_since(self.transitions, self.state.time))

    ClusterMachine.__name__ = f"Explore_{scenario.name.replace('-', '_')}"
    return ClusterMachine
