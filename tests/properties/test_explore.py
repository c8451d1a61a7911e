"""properties.explore: checked steps, fixed action lists, fair convergence and the exploration state machine."""

from __future__ import annotations

import pytest

from model import cluster
from model.actions import DeliverWatchEvent, Submit, SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.config import ModelConfig
from model.controllers.base import Reconcile
from model.controllers.manager import Resync
from model.faults import WatchReconnect
from model.kubelet.component import ContainerExit, HealPartition, PartitionNode
from model.manifests import load_text
from properties.explore import (
    CONVERGENCE_STEPS,
    IDLE_SECONDS,
    PropertyViolated,
    Scenario,
    Transition,
    check_liveness,
    checked_step,
    converge,
    execute,
    machine_for,
)
from properties.registry import Property, all_properties, by_name, invariant
from properties.variants import NODES, REPLICASET

SCENARIO = Scenario("cart", tuple(load_text(NODES, "nodes") + load_text(REPLICASET, "cart")))
CONFIG = ModelConfig()


def no_pods_property(calls: list[str] | None = None, store_only: bool = False) -> Property:
    """A property that fails as soon as any pod exists (and records each time it is checked)."""

    def check(state, config):  # noqa: ANN001, ANN202 - the registry's check signature
        if calls is not None:
            calls.append("checked")
        return [f"pod {p.namespace}/{p.name} exists" for p in state.store.list("Pod")]

    return invariant("no-pods", "No pod exists.", "https://example.invalid/no-pods", store_only)(check)


def test_checked_step_applies_the_action_and_records_it() -> None:
    transitions: list[Transition] = []
    state = checked_step(SCENARIO.initial(), SubmitPending(), CONFIG, all_properties(), transitions)
    assert state.store.get("ReplicaSet", "shop", "cart") is not None
    (step,) = transitions
    assert step.action == SubmitPending() and step.result.state is state
    assert [r.reason for r in step.result.responses] == ["Created"]


def test_a_violation_carries_the_run_up_to_and_including_the_failing_step() -> None:
    actions = [SubmitPending(), DeliverWatchEvent("replicaset-controller"), Reconcile("replicaset-controller",
                                                                                      ("shop", "cart"))]
    with pytest.raises(PropertyViolated) as raised:
        execute(SCENARIO.initial(), actions, CONFIG, (no_pods_property(),))
    violated = raised.value
    assert violated.violation.property == "no-pods" and "shop/cart-" in violated.violation.message
    assert [t.action for t in violated.transitions] == actions
    assert "(after 3 steps)" in str(violated)


def test_store_only_invariants_are_skipped_when_nothing_was_written() -> None:
    calls: list[str] = []
    transitions: list[Transition] = []
    state = checked_step(SCENARIO.initial(), SubmitPending(), CONFIG, (no_pods_property(calls, True),), transitions)
    assert calls == ["checked"]
    checked_step(state, Tick(), CONFIG, (no_pods_property(calls, True),), transitions)
    assert calls == ["checked"]
    checked_step(state, Tick(), CONFIG, (no_pods_property(calls, False),), transitions)
    assert calls == ["checked", "checked"]


def test_fair_execution_brings_the_replica_set_up_and_then_idles() -> None:
    transitions: list[Transition] = []
    final = converge(SCENARIO.initial(), CONFIG, all_properties(), transitions)
    check_liveness(final, CONFIG, all_properties(), transitions)
    pods = final.store.list("Pod", "shop")
    assert len(pods) == 2 and all(p.status.phase == "Running" for p in pods)
    assert len(transitions) < CONVERGENCE_STEPS
    # It ends only after IDLE_SECONDS in which nothing but node heartbeats changed.
    last_change = max(i for i, t in enumerate(transitions) if any(e.object.kind != "Node" for e in t.result.events))
    assert final.time - transitions[last_change].result.state.time >= IDLE_SECONDS
    # Fair execution never takes user, client or fault actions.
    assert not [t for t in transitions if cluster.component_of(t.action).name in ("faults", "user")
                and not isinstance(t.action, SubmitPending)]


def test_liveness_fails_when_the_desired_state_is_not_reached() -> None:
    liveness = by_name(["replicasets-converge"])
    stuck = execute(SCENARIO.initial(), [SubmitPending()], CONFIG, ())[0]
    with pytest.raises(PropertyViolated) as raised:
        check_liveness(stuck, CONFIG, liveness, [])
    assert raised.value.violation.message.startswith("ReplicaSet shop/cart wants 2 replicas but has 0 live pods")


def test_the_machine_is_named_after_its_scenario_and_offers_each_component_s_actions() -> None:
    machine = machine_for(Scenario("my-cluster", SCENARIO.objects), all_properties())
    assert machine.__name__ == "Explore_my_cluster"
    instance = machine()
    groups = instance.choices()
    assert groups["user"][0] == SubmitPending() and groups["clock"] == [Tick()]
    assert len(groups["user"]) > 1  # the environment's commands interleave with the manifests' submission
    assert "faults" not in groups  # no fault is enabled in the default configuration
    faulty = machine_for(Scenario("faulty", SCENARIO.objects, ModelConfig(faults=frozenset({"node-crash"}))), ())
    assert "CrashNode" in {type(a).__name__ for a in faulty().choices()["kubelet"]}


def test_users_act_while_their_budget_lasts() -> None:
    submitted = execute(SCENARIO.initial(), [SubmitPending()], CONFIG, ())[0]
    with_budget = machine_for(Scenario("users", SCENARIO.objects, user_budget=1), ())()
    with_budget.state = submitted
    users = with_budget.choices()["user"]
    scaled = {a.request.object.spec.replicas for a in users if isinstance(a, Submit) and a.request.user == ADMIN
              and getattr(getattr(a.request, "object", None), "kind", "") == "ReplicaSet"}
    assert scaled == {1, 3}  # kubectl scale down and up
    assert {a.request.user.name for a in users if isinstance(a, Submit)} >= {"alice", "bob"}
    without = machine_for(Scenario("no-users", SCENARIO.objects, user_budget=0), ())()
    without.state = submitted
    assert "user" not in without.choices()


def _settled(config: ModelConfig = CONFIG):
    state = converge(SCENARIO.initial(), config, (), [])
    pods = sorted(state.store.list("Pod", "shop"), key=lambda p: p.name)
    assert len(pods) == 2
    return state, pods


def test_fair_execution_heals_a_partition_even_while_the_kubelet_has_a_status_it_cannot_send() -> None:
    """A partitioned kubelet whose container crashed keeps a status to report that cannot reach the API server;
    fair execution must still heal the partition (weak fairness per action), after which the status goes out and
    the replica set is whole again."""
    state, pods = _settled()
    node, uid = pods[0].spec.node_name, pods[0].metadata.uid
    state = cluster.apply(state, PartitionNode(node), CONFIG)
    state = cluster.apply(state, ContainerExit(node, uid, "cart", 1), CONFIG)
    transitions: list[Transition] = []
    final = converge(state, CONFIG, all_properties(), transitions)
    check_liveness(final, CONFIG, all_properties(), transitions)
    assert HealPartition(node) in [t.action for t in transitions]
    assert final.nodes[node].reachable and len(transitions) < CONVERGENCE_STEPS


def test_a_resync_lets_the_replica_set_controller_replace_a_pod_its_relist_never_showed_it() -> None:
    """The ReplicaSet controller creates a replacement that a user deletes before its informer sees either event;
    its watch then breaks and the re-list shows neither, so the creation stays expected. Once the expectation has
    expired, only the informers' periodic resync syncs the set again (pkg/controller/replicaset/replica_set.go:
    updateRS queues on every update, a resync included): fair execution includes it and the set is whole again."""
    state, pods = _settled()
    rs = "replicaset-controller"
    state = execute(state, [Submit(rq.Delete(ADMIN, "Pod", "shop", pods[0].name)), DeliverWatchEvent(rs),
                            Reconcile(rs, ("shop", "cart"))], CONFIG, ())[0]
    (created,) = [p for p in state.store.list("Pod", "shop") if p.name not in {q.name for q in pods}]
    state = cluster.apply(state, Submit(rq.Delete(ADMIN, "Pod", "shop", created.name, grace_period_seconds=0)))
    state = cluster.apply(state, WatchReconnect(rs), CONFIG)
    transitions: list[Transition] = []
    final = converge(state, CONFIG, all_properties(), transitions)
    check_liveness(final, CONFIG, all_properties(), transitions)
    resync = [i for i, t in enumerate(transitions) if isinstance(t.action, Resync)]
    assert resync, "the set became whole again without a resync"
    creates = [i for i, t in enumerate(transitions) if isinstance(t.action, Reconcile)
               and any(e.type == "ADDED" and e.object.kind == "Pod" for e in t.result.events)]
    assert creates and creates[-1] > resync[0]
