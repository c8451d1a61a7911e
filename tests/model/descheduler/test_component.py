"""The descheduler component (model.descheduler.component): present only with a DeschedulerPolicy, a cycle at once
and then every deschedulingInterval (a deadline of the clock), evictions through ``pods/eviction`` (so a
PodDisruptionBudget can refuse them), the policy's eviction limits (pkg/descheduler/evictions/evictions.go)."""

from __future__ import annotations

from typing import Any

from model import cluster
from model.deadlines import next_deadline
from model.descheduler import component as descheduler
from model.manifests import from_dict
from model.state import ClusterState

RS_UID = "rs-uid"


def node(name: str, cpu: str) -> Any:
    return from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
                      "status": {"capacity": {"cpu": cpu, "memory": "8Gi", "pods": "20"},
                                 "conditions": [{"type": "Ready", "status": "True"}]}})


def pod(name: str, node_name: str) -> Any:
    """A running replica of ReplicaSet ``app`` (2 CPUs), already bound."""
    return from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": name, "namespace": "prod", "uid": f"uid-{name}", "labels": {"app": "app"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "app", "uid": RS_UID,
                             "controller": True}]},
        "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": "prod/app:1",
                                                         "resources": {"requests": {"cpu": "2"}}}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})


def policy(interval: str = "2m", **top: Any) -> Any:
    return from_dict({"apiVersion": "descheduler/v1alpha2", "kind": "DeschedulerPolicy",
                      "metadata": {"annotations": {"kubeproof.io/descheduling-interval": interval}},
                      "profiles": [{"name": "p", "pluginConfig": [{"name": "RemoveDuplicates"}],
                                    "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}], **top})


def crowded(*extra: Any) -> ClusterState:
    """Kivi C5's shape: one replica on each small node, three on the big one."""
    objects = [node("node-1", "3"), node("node-2", "3"), node("node-3", "16"), pod("a", "node-1"), pod("b", "node-2"),
               *(pod(n, "node-3") for n in ("c", "d", "e")), *extra]
    return cluster.initial_state(objects)


def deschedule(state: ClusterState) -> cluster.Step:
    assert descheduler.Deschedule() in cluster.enabled(state)
    return cluster.step(state, descheduler.Deschedule())


def test_without_a_policy_there_is_no_descheduler() -> None:
    state = crowded()
    assert descheduler.NAME not in state.informers
    assert state.store.get("ClusterRole", None, descheduler.ROLE) is None
    assert not any(isinstance(a, descheduler.Deschedule) for a in cluster.enabled(state))


def test_remove_duplicates_evicts_through_the_eviction_api_then_waits_an_interval() -> None:
    state = crowded(policy())
    assert state.store.get("ClusterRole", None, descheduler.ROLE) is not None
    assert [p.name for p in descheduler.plan(state)] == ["e"]  # ceil(5 / 3) = 2 per node: node-3's third goes
    step = deschedule(state)
    assert [(r.request.name, r.code) for r in step.responses] == [("e", 201)]
    evicted = step.state.store.get("Pod", "prod", "e")
    assert evicted.metadata.deletion_timestamp is not None
    assert evicted.status.condition("DisruptionTarget").reason == "EvictionByEvictionAPI"
    assert descheduler.next_run(step.state) == state.time + 120
    assert not any(isinstance(a, descheduler.Deschedule) for a in cluster.enabled(step.state))
    assert next_deadline(step.state, cluster.DEFAULT_CONFIG, heartbeats=False) <= state.time + 120


def test_the_clock_jumps_to_the_next_cycle() -> None:
    """With nothing else waiting (no heartbeats, no policy's evictions pending anywhere), one Tick reaches the next
    cycle 10 minutes on."""
    state = crowded(policy("10m", profiles=[]))
    state = deschedule(state).state
    assert next_deadline(state, cluster.DEFAULT_CONFIG, heartbeats=False) == state.time + 600


def test_a_disruption_budget_refuses_the_eviction() -> None:
    budget = from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                        "metadata": {"name": "app", "namespace": "prod", "generation": 1, "uid": "pdb-uid"},
                        "spec": {"selector": {"matchLabels": {"app": "app"}}, "minAvailable": 5},
                        "status": {"observedGeneration": 1, "disruptionsAllowed": 0, "currentHealthy": 5,
                                   "desiredHealthy": 5, "expectedPods": 5}})
    step = deschedule(crowded(policy(), budget))
    assert [(r.request.name, r.code) for r in step.responses] == [("e", 429)]
    assert step.state.store.get("Pod", "prod", "e").metadata.deletion_timestamp is None


def test_interval_zero_runs_once() -> None:
    step = deschedule(crowded(policy("0")))
    assert descheduler.next_run(step.state) is None
    assert not any(isinstance(a, descheduler.Deschedule) for a in cluster.enabled(step.state))


def test_eviction_limits() -> None:
    """maxNoOfPodsToEvictPerNode: node-3 has two duplicates too many (four there), one may go."""
    state = crowded(policy(maxNoOfPodsToEvictPerNode=1), pod("f", "node-3"))
    assert len(descheduler.plan(crowded(policy(), pod("f", "node-3")))) == 2
    assert [p.node_name for p in descheduler.plan(state)] == ["node-3"]
    assert descheduler.plan(crowded(policy(maxNoOfPodsToEvictTotal=0))) == []


def test_one_ready_node_is_left_alone() -> None:
    """runDeschedulerLoop: with at most one ready node nothing is evicted."""
    objects = [node("node-3", "16"), *(pod(n, "node-3") for n in ("c", "d", "e")), policy()]
    assert descheduler.plan(cluster.initial_state(objects)) == []
