"""Exhaustive small-scope exploration of a scenario: every interleaving of the components' actions, the user's
commands and faults within a scope, checked against every property; the engine of ``kubeproof explore``.

A search node is the cluster state plus what is left of the scope (user actions, faults per kind); its key is the
state's canonical key (:mod:`properties.canonical`) with those budgets. Invariants are checked on every state
reached for the first time (store-only ones only when the store changed), step properties on every transition.
Breadth-first (:mod:`properties.exhaustive`), so the first safety violation comes with a shortest trace; the trace
is re-run through :func:`properties.explore.execute`, exactly as ``kubeproof replay`` re-runs it. Liveness
(livelock lassos, quiescent states) is judged afterwards over the recorded graph: :mod:`properties.lasso`.

The explorer is a pure function of its scenario, properties and :class:`Scope`, and returns an
:class:`ExploreResult` (a worker can run it and send the result back).
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterator, Sequence
from typing import Any

import attrs

from model import cluster
from model.actions import ForceDeletePod, Submit, SubmitPending, Tick
from model.faults import fault_of as fault_kind
from model.kubelet.component import ContainerBecomesUnready, ContainerExit
from model.kubeproxy import RouteRequest
from model.load import LoadChange, TrafficChange
from model.state import ClusterState
from properties.canonical import Canonicaliser, interchangeable_nodes
from properties.exhaustive import INCOMPLETE, VIOLATED, Bounds, Result, search
from properties.explore import PropertyViolated, Scenario, Transition, execute
from properties.registry import LIVENESS, Property, Violation, changed_fields, check_state, check_step
from properties.users import user_actions

USER_ACTIONS = (Submit, ForceDeletePod)
"""User actions that spend the user budget (submitting the scenario's own manifests does not)."""


ENVIRONMENT_ACTIONS = (LoadChange, TrafficChange, ContainerExit, ContainerBecomesUnready)
"""What the environment does besides faults (load, a container exiting on its own or failing its probe): not part
of the cluster left alone."""


def quiet(action: Any) -> bool:
    """Whether an action belongs to the cluster left alone (no user command, no fault, no client traffic): the
    transitions liveness is judged over, as fair execution (``properties.explore.converge``) takes them."""
    return not isinstance(action, (*USER_ACTIONS, *ENVIRONMENT_ACTIONS, RouteRequest)) and fault_kind(action) is None


@attrs.frozen
class Scope:
    """How far to look. ``user_budget``: user commands (``properties.users`` commands when ``kubectl``, and
    force-deletes); ``fault_budget``: faults of each enabled kind (``faults`` overrides it per kind);
    ``settle_between_faults``: a further fault only once nothing but the clock can act; ``symmetry``: merge states
    that differ by a permutation of interchangeable nodes (``properties.canonical``; a key costs one pass per
    permutation, so k identical nodes cost up to k! passes; same verdicts with and without, as the tests check);
    ``canonical``: merge
    states that differ only by resourceVersions, uids, generated names and a shift in time (off: states are compared
    as they are);
    ``liveness``: record the cluster-alone graph and judge the liveness properties on it; ``clock``: ``model`` takes
    the clock's ticks as the model offers them (jumping to the next deadline any component waits for,
    ``model.deadlines``), ``frozen`` leaves them out (no timer fires: a smaller scope, finite where time is not)."""

    user_budget: int = 1
    kubectl: bool = True
    fault_budget: int = 1
    faults: tuple[tuple[str, int], ...] = ()
    settle_between_faults: bool = False
    bounds: Bounds = Bounds()
    symmetry: bool = True
    canonical: bool = True
    liveness: bool = True
    clock: str = "model"


CLOCKS = ("model", "frozen")


@attrs.frozen
class Node:
    """A search node: the cluster state and what is left of the scope."""

    state: ClusterState
    users: int
    faults: tuple[int, ...]


@attrs.frozen
class ExploreResult:
    """The verdict (``violated``, ``held within scope``, ``incomplete``), the search figures, and for a violation
    the run that shows it (a shortest one for safety; for a liveness lasso, ``loop_start`` is where its loop
    begins)."""

    search: Result
    violation: PropertyViolated | None = None
    loop_start: int | None = None
    symmetric_nodes: tuple[tuple[str, ...], ...] = ()
    notes: tuple[str, ...] = ()
    fault_kinds: tuple[str, ...] = ()
    fault_budgets: tuple[int, ...] = ()

    @property
    def status(self) -> str:
        if self.violation is not None:
            return VIOLATED
        return self.search.status


class Explorer:
    """The transition system of a scenario within a scope, as :func:`properties.exhaustive.search` walks it."""

    def __init__(self, scenario: Scenario, properties: Sequence[Property], scope: Scope) -> None:
        self.scenario, self.scope, self.config = scenario, scope, scenario.config
        self.checked = tuple(p for p in properties if p.kind != LIVENESS)
        self.kinds = tuple(sorted(self.config.faults))
        budgets = dict(scope.faults)
        self.budgets = tuple(budgets.get(k, scope.fault_budget) for k in self.kinds)
        self.initial_state = scenario.initial()
        self.symmetric = interchangeable_nodes(self.initial_state) if scope.symmetry else ()
        self.canonical = Canonicaliser(self.symmetric) if scope.canonical else None

    def initial(self) -> Node:
        return Node(self.initial_state, self.scope.user_budget, self.budgets)

    def key(self, node: Node) -> Hashable:
        state_key = self.canonical.key(node.state) if self.canonical is not None else node.state
        return (state_key, node.users, node.faults)

    def actions(self, node: Node, user_side: Sequence[Any] | None = None) -> Iterator[Any]:
        """What can happen next: the components' enabled actions, faults while their kind's budget lasts (after
        the first, only once the cluster has settled, with ``settle_between_faults``), user commands while the
        user budget lasts (the scenario's own manifests are always submitted); ``user_side``: :meth:`user_side`'s
        actions, when the caller has them already."""
        enabled = cluster.enabled(node.state, self.config)
        settled = None
        for action in enabled:
            if isinstance(action, Tick) and self.scope.clock == "frozen":
                continue
            kind = fault_kind(action)
            if kind is not None:
                if node.faults[self.kinds.index(kind)] <= 0:
                    continue
                if self.scope.settle_between_faults and node.faults != self.budgets:
                    settled = _settled(enabled) if settled is None else settled
                    if not settled:
                        continue
            elif isinstance(action, USER_ACTIONS) and node.users <= 0:
                continue
            yield action
        yield from self.user_side(node) if user_side is None else user_side

    def user_side(self, node: Node) -> Iterator[Any]:
        """The user's commands and the environment's moves (``properties.users``), while the user budget lasts."""
        if self.scope.kubectl and node.users > 0 and not node.state.pending:
            yield from user_actions(node.state)

    def successor(self, node: Node, action: Any, user: bool | None = None) -> tuple[Node, Transition]:
        """The node after ``action``; ``user`` says whether it came from :meth:`user_side` (None: judge by its type),
        so that, say, a container exit the environment chose spends the user budget, not the fault budget."""
        user = isinstance(action, USER_ACTIONS) if user is None else user
        step = cluster.step(node.state, action, self.config)
        users = node.users - 1 if user else node.users
        faults = node.faults
        kind = None if user else fault_kind(action)
        if kind is not None:
            index = self.kinds.index(kind)
            faults = (*faults[:index], faults[index] - 1, *faults[index + 1:])
        return Node(step.state, users, faults), Transition(action, step)

    def expand(self, node: Node) -> Iterator[tuple[Any, Node, Violation | None]]:
        user_side = list(self.user_side(node))  # the user's commands are listed once per node (there are ~140)
        chosen = set(user_side)
        for action in self.actions(node, user_side):
            following, transition = self.successor(node, action, action in chosen)
            broken = check_step(node.state, transition, following.state, self.config, self.checked)
            yield action, following, broken[0] if broken else None

    def check_node(self, node: Node, parent: Node | None) -> Violation | None:
        """The first invariant ``node`` breaks; one that reads only state fields the step from ``parent`` (where every
        invariant held) left as they were is not re-checked (``Property.reads``)."""
        changed = None if parent is None else changed_fields(parent.state, node.state)
        broken = check_state(node.state, self.config, self.checked, changed=changed)
        return broken[0] if broken else None

    def run(self) -> Result:
        return search(self.initial(), self.expand, self.key, self.scope.bounds, self.check_node,
                      keep_edge=quiet if self.scope.liveness else None, keep_nodes=self.scope.liveness)

    def rerun(self, actions: Sequence[Any], properties: Sequence[Property]) -> tuple[ClusterState, list[Transition]]:
        """Re-run ``actions`` from the initial state with ``properties`` checked (raises PropertyViolated)."""
        return execute(self.initial_state, actions, self.config, properties)


def _settled(enabled: Sequence[Any]) -> bool:
    """Whether nothing but the clock, users, faults and client traffic can act."""
    return not any(quiet(a) and not isinstance(a, (Tick, SubmitPending)) for a in enabled)


def explore(scenario: Scenario, properties: Sequence[Property], scope: Scope = Scope()) -> ExploreResult:
    """Explore ``scenario`` within ``scope``: a safety violation with a shortest trace, else (with
    ``scope.liveness``) a liveness violation over the cluster-alone graph, else the search's verdict."""
    started = time.process_time()
    explorer = Explorer(scenario, properties, scope)
    found = explorer.run()
    if found.status == VIOLATED:
        actions = list(found.path)
        try:
            explorer.rerun(actions, explorer.checked)
        except PropertyViolated as violated:
            if violated.violation.property != found.problem.property or len(violated.transitions) != len(actions):
                raise RuntimeError(f"explorer and replay disagree: {violated} vs {found.problem}") from None
            return ExploreResult(_without_nodes(found), violated, symmetric_nodes=explorer.symmetric,
                                 fault_kinds=explorer.kinds, fault_budgets=explorer.budgets)
        raise RuntimeError(f"the explorer's trace for {found.problem.property} does not replay")
    notes: tuple[str, ...] = ()
    if scope.liveness and found.bound != "interrupted" and any(p.kind == LIVENESS for p in properties):
        from properties.lasso import judge_liveness
        seconds = scope.bounds.max_seconds
        deadline = None if seconds is None else started + seconds
        verdict = judge_liveness(explorer, found, [p for p in properties if p.kind == LIVENESS], deadline)
        if verdict.stopped:
            found = attrs.evolve(found, status=INCOMPLETE, exhausted=False, bound="seconds")
        if verdict.violation is not None:
            return ExploreResult(_without_nodes(found), verdict.violation, verdict.loop_start, explorer.symmetric,
                                 verdict.notes, explorer.kinds, explorer.budgets)
        notes = verdict.notes
    return ExploreResult(_without_nodes(found), symmetric_nodes=explorer.symmetric, notes=notes,
                         fault_kinds=explorer.kinds, fault_budgets=explorer.budgets)


def _without_nodes(found: Result) -> Result:
    """The search result without the states it kept (they are large, and a result may travel between processes)."""
    return attrs.evolve(found, nodes={}, edges=(), parents={})

