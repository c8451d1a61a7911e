"""The cost of one transition of the model (``model.cluster.apply``) on a 5-node, 50-pod cluster.

Run ``pytest tests/benchmarks --benchmark-enable`` for figures; by default (``--benchmark-disable`` in
pyproject) each benchmark runs once, as a test. The assertions check only the result, never the timing.
The cluster is the bundled example (five nodes) with 50 pods created through the API server by their
namespaces' users and bound by the scheduler, and every watch event delivered.
"""

from __future__ import annotations

import itertools

import pytest

from model import actions as act
from model import cluster, manifests
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, SCHEDULER, user
from model.examples import DIRECTORY as EXAMPLES
from model.manifests import from_dict
from model.state import ClusterState, lagging

SCHEDULABLE = ("worker-1", "worker-2", "worker-3")
CREATORS = {"dev": user("alice"), "prod": ADMIN}


def pod(name: str, namespace: str) -> object:
    return from_dict({"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": name, "namespace": namespace, "labels": {"app": "bench"}},
                      "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {
                          "requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "200m"}}}]}})


def settle(state: ClusterState) -> ClusterState:
    while waiting := lagging(state):
        state = cluster.apply(state, act.DeliverWatchEvent(waiting[0]))
    return state


@pytest.fixture(scope="module")
def fifty_pods() -> ClusterState:
    state = cluster.initial_state(manifests.load([EXAMPLES / "cluster.yaml"]))
    nodes = itertools.cycle(SCHEDULABLE)
    for i in range(50):
        namespace = "dev" if i % 2 else "prod"
        name = f"bench-{i:02d}"
        state = cluster.apply(state, act.Submit(rq.Create(CREATORS[namespace], pod(name, namespace))))
        state = cluster.apply(state, act.Submit(rq.Bind(SCHEDULER, namespace, name, next(nodes))))
    state = settle(state)
    assert len(state.store.list("Node")) == 5
    assert len(state.store.list("Pod")) == 50
    assert all(p.spec.node_name for p in state.store.list("Pod"))
    return state


def test_an_api_request_transition(benchmark, fifty_pods: ClusterState) -> None:
    """A user creates one more pod: authorization, admission, quota charge and storage."""
    action = act.Submit(rq.Create(user("alice"), pod("one-more", "dev")))
    after = benchmark(cluster.apply, fifty_pods, action)
    assert after.store.get("Pod", "dev", "one-more") is not None
    assert after.store.revision == fifty_pods.store.revision + 2  # the quota charge, then the pod
    used = after.store.get("ResourceQuota", "dev", "compute").status.used
    before = fifty_pods.store.get("ResourceQuota", "dev", "compute").status.used
    assert used["pods"].value == before["pods"].value + 1
    assert fifty_pods.store.get("Pod", "dev", "one-more") is None


def test_a_watch_delivery_transition(benchmark, fifty_pods: ClusterState) -> None:
    """A kubelet's informer observes a pod newly bound to its node."""
    state = cluster.apply(fifty_pods, act.Submit(rq.Create(user("alice"), pod("one-more", "dev"))))
    state = cluster.apply(state, act.Submit(rq.Bind(SCHEDULER, "dev", "one-more", "worker-1")))
    assert "kubelet/worker-1" in lagging(state)
    action = act.DeliverWatchEvent("kubelet/worker-1")
    after = benchmark(cluster.apply, state, action)
    assert after.informer("kubelet/worker-1").cache.get("Pod", "dev", "one-more") is not None


def test_a_component_transition(benchmark, fifty_pods: ClusterState) -> None:
    """The first action the components have enabled on the settled cluster (enumerating them included)."""
    def first_enabled(state: ClusterState) -> ClusterState:
        return cluster.apply(state, cluster.enabled(state)[0])

    after = benchmark(first_enabled, fifty_pods)
    assert after != fifty_pods
    assert len(after.store.list("Pod")) == 50
