"""properties.small_scope and properties.lasso: the explorer finds each known bug with a shortest trace that replays,
finds nothing in the faithful model within the same depth, gives the same verdicts with and without canonical keys
and symmetry reduction, and reports the evict/recreate livelock as a lasso that replays (and not its twin).

The three fast variants run by default; all six (the ReplicaSet one takes ~10 CPU s per test, the StatefulSet ones
a minute or more) with KUBEPROOF_HYPOTHESIS_PROFILE=deep."""

from __future__ import annotations

import os

import attrs
import pytest

from model.objects import Node
from properties import trace
from properties.exhaustive import HELD, INCOMPLETE, VIOLATED, Bounds
from properties.explore import Scenario
from properties.lasso import mark_loop, replay_lasso
from properties.livelocks import LIVENESS, evict_recreate
from properties.registry import all_properties, by_name
from properties.small_scope import Explorer, Scope, explore, fault_kind, quiet
from properties.variants import VARIANTS, variant

DEEP = os.environ.get("KUBEPROOF_HYPOTHESIS_PROFILE") == "deep"
FAST = ("stale-quota-apiservers", "daemonset-bypasses-scheduler", "deployment-ignores-max-unavailable")
CHOSEN = [v.name for v in VARIANTS if DEEP or v.name in FAST]
SAFETY = tuple(p for p in all_properties() if p.kind != "liveness")


def scope_for(name: str, **changes: object) -> Scope:
    chosen = variant(name)
    return attrs.evolve(Scope(user_budget=chosen.user_budget, kubectl=chosen.kubectl, liveness=False), **changes)


@pytest.mark.parametrize("name", CHOSEN)
def test_each_variant_is_found_with_a_shortest_trace_that_replays(name: str) -> None:
    chosen = variant(name)
    scenario = chosen.scenario()
    found = explore(scenario, SAFETY, scope_for(name))
    assert found.status == VIOLATED and found.violation.violation.property == chosen.property
    length = len(found.violation.transitions)
    data = trace.to_json(found.violation, scenario, None, name)
    replayed = trace.replay(data, all_properties())
    assert replayed.reproduced and replayed.steps_run == length
    shorter = explore(scenario, SAFETY, scope_for(name, bounds=Bounds(max_depth=length - 1)))
    assert shorter.status == INCOMPLETE and shorter.search.bound == "depth" and shorter.search.depth == length - 1
    faithful = explore(chosen.scenario(faithful=True), SAFETY, scope_for(name, bounds=Bounds(max_depth=length)))
    assert faithful.violation is None


@pytest.mark.parametrize("name", CHOSEN)
def test_canonical_keys_keep_the_verdict_and_the_shortest_length(name: str) -> None:
    scenario = variant(name).scenario()
    plain = explore(scenario, SAFETY, scope_for(name, canonical=False, symmetry=False))
    canonical = explore(scenario, SAFETY, scope_for(name, symmetry=False))
    assert plain.status == canonical.status == VIOLATED
    assert plain.violation.violation.property == canonical.violation.violation.property
    assert len(plain.violation.transitions) == len(canonical.violation.transitions)
    assert canonical.search.states <= plain.search.states


def identical_nodes(scenario: Scenario) -> Scenario:
    """The scenario with its nodes made interchangeable (their labels reduced to the hostname)."""
    def same(obj: object) -> object:
        if not isinstance(obj, Node):
            return obj
        labels = {"kubernetes.io/hostname": obj.name}
        return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, labels=type(obj.metadata.labels)(labels)))
    return attrs.evolve(scenario, objects=tuple(same(o) for o in scenario.objects))


@pytest.mark.parametrize("name", CHOSEN)
def test_symmetry_never_hides_a_violation(name: str) -> None:
    scenario = identical_nodes(variant(name).scenario())
    without = explore(scenario, SAFETY, scope_for(name, symmetry=False))
    with_symmetry = explore(scenario, SAFETY, scope_for(name, symmetry=True))
    assert with_symmetry.symmetric_nodes == (("node-a", "node-b"),)
    assert without.status == with_symmetry.status
    assert (without.violation is None) == (with_symmetry.violation is None)
    if without.violation is not None:
        assert without.violation.violation.property == with_symmetry.violation.violation.property
        assert len(without.violation.transitions) == len(with_symmetry.violation.transitions)
    assert with_symmetry.search.states <= without.search.states


def test_the_fault_budget_bounds_each_kind() -> None:
    from model.kubelet.component import CrashNode
    chosen = variant("kubelet-stale-cache-after-restart")
    for budget, offered in ((0, False), (1, True)):
        explorer = Explorer(chosen.scenario(), SAFETY, scope_for(chosen.name, fault_budget=budget))
        node = explorer.initial()
        assert explorer.kinds == ("node-crash",) and node.faults == (budget,)
        assert any(isinstance(a, CrashNode) for a in explorer.actions(node)) == offered
        if offered:
            crash = next(a for a in explorer.actions(node) if isinstance(a, CrashNode))
            after, _ = explorer.successor(node, crash)
            assert after.faults == (0,) and not any(isinstance(a, CrashNode) for a in explorer.actions(after))


def test_faults_and_users_are_not_quiet() -> None:
    from model.actions import ForceDeletePod, Tick
    from model.kubelet.component import ContainerExit, CrashNode
    assert fault_kind(CrashNode("a")) == "node-crash" and fault_kind(ContainerExit("a", "u", "c", 0)) is None
    assert not quiet(ForceDeletePod("ns", "p")) and not quiet(CrashNode("a")) and quiet(Tick())


def test_the_evict_recreate_loop_is_a_lasso_that_replays() -> None:
    scenario = evict_recreate()
    found = explore(scenario, by_name(LIVENESS), Scope(user_budget=0, bounds=Bounds(max_depth=2)))
    assert found.status == VIOLATED and found.loop_start is not None
    assert found.violation.violation.property in LIVENESS and "never does" in found.violation.violation.message
    assert 0 < found.loop_start < len(found.violation.transitions)
    data = trace.to_json(found.violation, scenario, None, None)
    data, markdown = mark_loop(data, trace.to_markdown(data), found.loop_start)
    assert "Lasso: steps 1-" in markdown and data["lasso"]["loop_start"] == found.loop_start
    reproduced, steps, message = replay_lasso(data, all_properties())
    assert reproduced and steps == len(data["steps"]), message
    broken = {**data, "steps": data["steps"][:-1]}
    assert not replay_lasso(broken, all_properties())[0]


def test_the_twin_of_the_loop_has_no_lasso() -> None:
    found = explore(evict_recreate(twin=True), by_name(LIVENESS), Scope(user_budget=0, bounds=Bounds(max_depth=2)))
    assert found.violation is None and found.status == INCOMPLETE and found.search.bound == "depth"


def test_a_settled_twin_with_a_frozen_clock_is_held_with_the_scope_exhausted() -> None:
    scenario = attrs.evolve(evict_recreate(twin=True), settled=True)
    found = explore(scenario, by_name(LIVENESS), Scope(user_budget=0, clock="frozen"))
    assert found.status == HELD and found.search.exhausted


def test_symmetry_merges_the_choices_between_three_identical_nodes() -> None:
    """Three identical nodes and a ReplicaSet of two, clock frozen, to depth 4: symmetry explores fewer states (the
    scheduler's choice among the nodes is one choice up to renaming) and finds nothing the plain search finds."""
    from kubeproof.explore_bench import IDENTICAL_NODES
    from model.manifests import load_text
    from properties.variants import REPLICASET
    scenario = Scenario("three", tuple(load_text(IDENTICAL_NODES, "nodes") + load_text(REPLICASET, "replicaset")))
    scope = Scope(user_budget=0, clock="frozen", liveness=False, bounds=Bounds(max_depth=4))
    without = explore(scenario, SAFETY, attrs.evolve(scope, symmetry=False))
    with_symmetry = explore(scenario, SAFETY, scope)
    assert with_symmetry.symmetric_nodes == (("node-a", "node-b", "node-c"),)
    assert without.violation is None and with_symmetry.violation is None
    assert without.search.depth == with_symmetry.search.depth == 4
    assert with_symmetry.search.states * 2 < without.search.states
