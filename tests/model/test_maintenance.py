"""The node-drain disruption (model/maintenance.py): cordon, owed evictions (retried after a 429), then uncordon; one
node at a time; only the cordon counts against a budget."""

from __future__ import annotations

from typing import Any

from model.apiserver import requests as rq
from model.config import ModelConfig
from model.faults import fault_of
from model.maintenance import COMPONENT, DrainStep
from model.manifests import from_dict
from tests.model.controllers.test_node_lifecycle import apply, cluster, node, run, settle

LABELS = {"app": "web"}
DEPLOYMENT = from_dict({"apiVersion": "apps/v1", "kind": "Deployment",
                        "metadata": {"name": "web", "namespace": "default"},
                        "spec": {"replicas": 2, "selector": {"matchLabels": LABELS}, "template": {
                            "metadata": {"labels": LABELS}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})


def drain_actions(state: Any) -> list[DrainStep]:
    return list(COMPONENT.enabled(state, ModelConfig(faults=frozenset({"node-drain"}))))


def kinds(actions: list[DrainStep]) -> list[tuple[str, str]]:
    return [(type(a.request).__name__, getattr(a.request, "name", "") or a.request.object.name) for a in actions]


def test_a_drain_is_offered_step_by_step() -> None:
    state = run(cluster(node("n1"), node("n2"), DEPLOYMENT), 5)
    offered = list(drain_actions(state))
    assert [k for k, _ in kinds(offered)] == ["Update", "Update"]  # a cordon of either node (one pod on each)
    assert [fault_of(a) for a in offered] == ["node-drain", "node-drain"]
    state = settle(apply(state, offered[0]))
    target = offered[0].request.object.name
    (evict,) = drain_actions(state)
    assert isinstance(evict.request, rq.Evict) and fault_of(evict) is None
    assert state.store.get("Pod", "default", evict.request.name).spec.node_name == target
    state = settle(apply(state, evict))
    state = run(state, 5)
    assert kinds(list(drain_actions(state))) == [("Update", target)]  # uncordon, once the pod is gone
    (uncordon,) = drain_actions(state)
    assert not uncordon.request.object.spec.unschedulable


def test_no_drain_unless_the_fault_is_enabled() -> None:
    state = run(cluster(node("n1"), node("n2"), DEPLOYMENT), 5)
    assert list(COMPONENT.enabled(state, ModelConfig())) == []


def test_no_drain_in_a_single_node_cluster() -> None:
    state = run(cluster(node("n1"), DEPLOYMENT), 5)
    assert list(drain_actions(state)) == []
