"""kubectl drain as a client process (model/maintenance.py): the cordon starts it (the user's command or the node-drain
disruption), it evicts the pods it listed through pods/eviction (DaemonSet and mirror pods stay), retries a 429 5 s
later, ends at its timeout, then uncordons; one node at a time; only the disruption's cordon counts against a
budget."""

from __future__ import annotations

from typing import Any

from model.actions import Tick
from model.apiserver import requests as rq
from model.cluster import clock_tick, enabled
from model.config import ModelConfig
from model.deadlines import next_deadline
from model.faults import fault_of
from model.maintenance import COMPONENT, RETRY_SECONDS, TIMEOUT_SECONDS, DrainStep, user_drains
from model.manifests import from_dict
from tests.model.controllers.test_node_lifecycle import HELD, apply, cluster, node, run
from tests.model.test_drain import pod, state_with

LABELS = {"app": "web"}
DEPLOYMENT = from_dict({"apiVersion": "apps/v1", "kind": "Deployment",
                        "metadata": {"name": "web", "namespace": "default"},
                        "spec": {"replicas": 2, "selector": {"matchLabels": LABELS}, "template": {
                            "metadata": {"labels": LABELS}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
FAULT = ModelConfig(faults=frozenset({"node-drain"}))


def drain_actions(state: Any, config: ModelConfig = FAULT) -> list[DrainStep]:
    return list(COMPONENT.enabled(state, config))


def kinds(actions: list[DrainStep]) -> list[tuple[str, str]]:
    return [(type(a.request).__name__, getattr(a.request, "name", "") or a.request.object.name) for a in actions]


def others(state: Any, limit: int = 5000) -> Any:
    """Every component but the drain acts until only the clock, faults and the drain are left."""
    for _ in range(limit):
        actions = [a for a in enabled(state, ModelConfig()) if not isinstance(a, (*HELD, DrainStep))]
        if not actions:
            return state
        state = apply(state, actions[0])
    raise AssertionError(f"not quiescent after {limit} actions")


def test_a_drain_is_offered_step_by_step() -> None:
    state = run(cluster(node("n1"), node("n2"), DEPLOYMENT), 5)
    offered = drain_actions(state)
    assert [k for k, _ in kinds(offered)] == ["Update", "Update"]  # a cordon of either node (one pod on each)
    assert [fault_of(a) for a in offered] == ["node-drain", "node-drain"]
    state = others(apply(state, offered[0]))
    target = offered[0].request.object.name
    assert list(state.drains) == [target] and drain_actions(state, ModelConfig()) == drain_actions(state)
    (evict,) = drain_actions(state)
    assert isinstance(evict.request, rq.Evict) and fault_of(evict) is None
    assert state.store.get("Pod", "default", evict.request.name).spec.node_name == target
    state = others(apply(state, evict))
    for _ in range(5):
        state = others(apply(state, Tick()))
    assert kinds(drain_actions(state)) == [("Update", target)]  # uncordon, once the pod is gone
    (uncordon,) = drain_actions(state)
    assert not uncordon.request.object.spec.unschedulable
    state = apply(state, uncordon)
    assert not state.drains and not state.store.get("Node", None, target).spec.unschedulable
    assert kinds(drain_actions(state)) == [("Update", "n2" if target == "n1" else "n1")]  # the next may start


def test_only_the_listed_pods_are_evicted_daemon_set_and_mirror_pods_stay() -> None:
    """GetPodsForDeletion: with --ignore-daemonsets the DaemonSet's pod and the mirror pod are not evicted."""
    mirror = {"kubernetes.io/config.mirror": "hash"}
    state = state_with(pod("web"), pod("ds-abc", owner=("DaemonSet", "ds")),
                       pod("static-n1", owner=("Node", "n1"), annotations=mirror), pod("other", node_name="n2"))
    (start,) = [a for a in user_drains(state) if a.request.object.name == "n1"]
    state = apply(state, start)
    assert [name for _, name, _ in state.drains["n1"].pods] == ["web"]
    assert kinds(drain_actions(state)) == [("Evict", "web")]


def test_a_user_drain_is_the_users_and_one_runs_at_a_time() -> None:
    state = run(cluster(node("n1"), node("n2"), DEPLOYMENT), 5)
    drains = list(user_drains(state))
    assert len(drains) == 2 and all(a.by_user and fault_of(a) is None for a in drains)
    state = apply(state, drains[0])
    assert state.drains[drains[0].request.object.name].by_user
    assert list(user_drains(state)) == [] and all(a.by_user and not a.request.object.spec.unschedulable
                                                  for a in drain_actions(state) if isinstance(a.request, rq.Update))


def test_a_budget_refusal_is_retried_5s_later_until_the_timeout_ends_the_maintenance() -> None:
    """A PodDisruptionBudget that allows no disruption: every eviction is a 429; kubectl sends it again 5 s later
    (a deadline, so the clock jumps to it) until --timeout, when the maintenance ends with the uncordon."""
    pdb = from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                     "metadata": {"name": "web", "namespace": "default"},
                     "spec": {"selector": {"matchLabels": LABELS}, "minAvailable": 2}})
    state = run(cluster(node("n1"), node("n2"), DEPLOYMENT, pdb), 5)
    state = others(apply(state, drain_actions(state)[0]))
    started, attempts = state.time, []
    while state.time < started + TIMEOUT_SECONDS:
        steps = [a for a in drain_actions(state) if isinstance(a.request, rq.Evict)]
        if steps:
            (evict,) = steps
            step_state = apply(state, evict)
            attempts.append(state.time)
            assert state.drains != step_state.drains  # refused: its retry is set
            state = others(step_state)
            assert next_deadline(state, ModelConfig()) <= state.time + RETRY_SECONDS
        state = others(apply(state, clock_tick(state)))
    assert len(attempts) > 10 and all(b - a >= RETRY_SECONDS for a, b in zip(attempts, attempts[1:], strict=False))
    assert [(p.spec.node_name, p.metadata.deletion_timestamp) for p in state.store.list("Pod", "default")
            if p.spec.node_name == next(iter(state.drains))] != []  # never evicted
    assert kinds(drain_actions(state)) == [("Update", next(iter(state.drains)))]  # the uncordon
