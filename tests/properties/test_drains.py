"""Drain as the explorer's user action (properties/drains.py): cordon, owed evictions (retried after a 429), then
uncordon; one node at a time."""

from __future__ import annotations

from model.actions import Submit
from model.apiserver import requests as rq
from model.manifests import from_dict
from properties.drains import drain_actions
from tests.model.controllers.test_node_lifecycle import apply, cluster, node, run, settle

LABELS = {"app": "web"}
DEPLOYMENT = from_dict({"apiVersion": "apps/v1", "kind": "Deployment",
                        "metadata": {"name": "web", "namespace": "default"},
                        "spec": {"replicas": 2, "selector": {"matchLabels": LABELS}, "template": {
                            "metadata": {"labels": LABELS}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})


def kinds(actions: list[Submit]) -> list[tuple[str, str]]:
    return [(type(a.request).__name__, getattr(a.request, "name", "") or a.request.object.name) for a in actions]


def test_a_drain_is_offered_step_by_step() -> None:
    state = run(cluster(node("n1"), node("n2"), DEPLOYMENT), 5)
    offered = list(drain_actions(state))
    assert [k for k, _ in kinds(offered)] == ["Update", "Update"]  # a cordon of either node (one pod on each)
    state = settle(apply(state, offered[0]))
    target = offered[0].request.object.name
    (evict,) = drain_actions(state)
    assert isinstance(evict.request, rq.Evict)
    assert state.store.get("Pod", "default", evict.request.name).spec.node_name == target
    state = settle(apply(state, evict))
    state = run(state, 5)
    assert kinds(list(drain_actions(state))) == [("Update", target)]  # uncordon, once the pod is gone
    (uncordon,) = drain_actions(state)
    assert not uncordon.request.object.spec.unschedulable


def test_no_drain_in_a_single_node_cluster() -> None:
    state = run(cluster(node("n1"), DEPLOYMENT), 5)
    assert list(drain_actions(state)) == []
