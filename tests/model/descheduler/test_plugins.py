"""The descheduler's plugins (model.descheduler.plugins).

Ported from kubernetes-sigs/descheduler (commit 7d2b28bf2) pkg/framework/plugins: removeduplicates_test.go
(TestFindDuplicatePods, TestRemoveDuplicatesUniformly: descriptions kept), node_taint_test.go, node_affinity_test.go,
pod_antiaffinity_test.go and lownodeutilization_test.go (the shapes of their first cases), with test.BuildTestNode
(2000m cpu, 3000 memory, 10 pods) and test.BuildTestPod (100m cpu) as upstream builds them.
"""

from __future__ import annotations

from typing import Any

import pytest

from model.descheduler.plugins import (
    Cycle,
    EvictorArgs,
    evictable,
    high_node_utilization,
    low_node_utilization,
    remove_duplicates,
    remove_pods_violating_inter_pod_anti_affinity,
    remove_pods_violating_node_affinity,
    remove_pods_violating_node_taints,
)
from model.objects import Node, Pod

RS = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "rs-uid", "controller": True}


def node(name: str, cpu: str = "2000m", taints: list | None = None, labels: dict | None = None,
         unschedulable: bool = False) -> Node:
    resources = {"cpu": cpu, "memory": "3000", "pods": "10"}
    return Node.from_dict({"metadata": {"name": name, "labels": labels or {}},
                           "spec": {"taints": taints or [], "unschedulable": unschedulable},
                           "status": {"allocatable": resources, "capacity": resources,
                                      "conditions": [{"type": "Ready", "status": "True"}]}})


def pod(name: str, node_name: str, owners: list | None = None, namespace: str = "dev", cpu: str = "100m",
        image: str = "", **spec: Any) -> Pod:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                            "ownerReferences": [RS] if owners is None else owners}
    return Pod.from_dict({"metadata": meta, "spec": {"nodeName": node_name, "containers": [
        {"name": "c", "image": image, "resources": {"requests": {"cpu": cpu}}}], **spec},
        "status": {"phase": "Running"}})


def names(pods: list[Pod]) -> list[str]:
    return [p.name for p in pods]


def test_three_pods_bound_to_the_same_replica_set_one_is_evicted() -> None:
    cycle = Cycle((node("n1"), node("n2")), tuple(pod(f"p{i}", "n1") for i in (1, 2, 3)))
    assert len(remove_duplicates(cycle, {})) == 1
    assert remove_duplicates(cycle, {"excludeOwnerKinds": ["ReplicaSet"]}) == []


def test_duplicates_in_two_namespaces() -> None:
    """Three pods in `dev` and three in `test`, owners of the same name: one per namespace is evicted (upstream's
    description says 4, its expectation is 2)."""
    pods = tuple(pod(f"p{i}", "n1", namespace=ns) for ns in ("dev", "test") for i in (1, 2, 3))
    assert len(remove_duplicates(Cycle((node("n1"), node("n2")), pods), {})) == 2


@pytest.mark.parametrize(("description", "placement", "nodes", "evicted"), [
    ("Evict pods uniformly", [5, 3, 1], 3, 2),
    ("Evict pods uniformly with one node left out", [5, 3, 1], 2, 1),
    ("Evict pods with a single pod with three nodes", [1, 0, 0], 3, 0),
])
def test_remove_duplicates_uniformly(description: str, placement: list[int], nodes: int, evicted: int) -> None:
    pods = tuple(pod(f"p{n}-{i}", f"n{n + 1}") for n, count in enumerate(placement) for i in range(count))
    assert len(remove_duplicates(Cycle(tuple(node(f"n{i + 1}") for i in range(nodes)), pods), {})) == evicted


def test_remove_duplicates_respects_taints() -> None:
    """Evict pods uniformly respecting taints: a tainted node is no target, so (5,3,1) over two targets."""
    taint = [{"key": "hardware", "value": "gpu", "effect": "NoSchedule"}]
    pods = tuple(pod(f"p{n}-{i}", f"n{n + 1}") for n, count in enumerate([5, 3]) for i in range(count))
    cycle = Cycle((node("n1"), node("n2"), node("n3", taints=taint)), pods)
    assert len(remove_duplicates(cycle, {})) == 1


def test_the_default_evictor_protects_pods() -> None:
    """Pods of a DaemonSet, with local storage, mirror pods, system-critical and bare pods are not evicted; the
    evict annotation overrides."""
    args = EvictorArgs()
    daemon = pod("ds", "n1", owners=[{**RS, "kind": "DaemonSet"}])
    local = pod("local", "n1", volumes=[{"name": "v", "emptyDir": {}}])
    critical = pod("critical", "n1", priority=2_000_000_000)
    bare = pod("bare", "n1", owners=[])
    assert not any(evictable(p, args) for p in (daemon, local, critical, bare))
    assert evictable(pod("ok", "n1"), args)
    forced = Pod.from_dict({**bare.to_dict(), "metadata": {**bare.to_dict()["metadata"], "annotations": {
        "descheduler.alpha.kubernetes.io/evict": "true"}}})
    assert evictable(forced, args)
    assert evictable(daemon, EvictorArgs(evict_daemon_set_pods=True))


def test_node_taints() -> None:
    """A pod not tolerating its node's NoSchedule taint is evicted; PreferNoSchedule only when asked."""
    hard = node("n1", taints=[{"key": "k", "value": "v", "effect": "NoSchedule"}])
    soft = node("n2", taints=[{"key": "k", "value": "v", "effect": "PreferNoSchedule"}])
    tolerant = pod("tolerant", "n1", tolerations=[{"key": "k", "operator": "Equal", "value": "v",
                                                   "effect": "NoSchedule"}])
    cycle = Cycle((hard, soft), (pod("p1", "n1"), tolerant, pod("p2", "n2")))
    assert names(remove_pods_violating_node_taints(cycle, {})) == ["p1"]
    assert names(remove_pods_violating_node_taints(cycle, {"includePreferNoSchedule": True})) == ["p1", "p2"]
    assert names(remove_pods_violating_node_taints(cycle, {"excludedTaints": ["k=v"]})) == []


def test_node_affinity() -> None:
    """A pod whose required node affinity its node no longer matches is evicted when another node fits it."""
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}}
    p = pod("p1", "n1", affinity=affinity)
    required = {"nodeAffinityType": ["requiredDuringSchedulingIgnoredDuringExecution"]}
    assert names(remove_pods_violating_node_affinity(Cycle((node("n1"), node("n2", labels={"zone": "a"})), (p,)),
                                                     required)) == ["p1"]
    assert remove_pods_violating_node_affinity(Cycle((node("n1"), node("n2")), (p,)), required) == []


def test_inter_pod_anti_affinity() -> None:
    """Two pods on one node, one of which must not share the node with the other: the lower-priority violator goes."""
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    n1 = node("n1", labels={"kubernetes.io/hostname": "n1"})
    web = pod("web", "n1", affinity=anti)
    db = Pod.from_dict({**pod("db", "n1").to_dict(), "metadata": {**pod("db", "n1").to_dict()["metadata"],
                                                                   "labels": {"app": "db"}}})
    assert names(remove_pods_violating_inter_pod_anti_affinity(Cycle((n1,), (web, db)), {})) == ["web"]


def test_low_node_utilization_moves_pods_from_overutilized_nodes() -> None:
    """n1 at 80% cpu (8 pods of 200m), n2 idle: thresholds 20%, targets 50%: pods leave n1 until it is at 50%."""
    pods = tuple(pod(f"p{i}", "n1", cpu="200m") for i in range(8))
    cycle = Cycle((node("n1"), node("n2")), pods)
    evicted = low_node_utilization(cycle, {"thresholds": {"cpu": 20}, "targetThresholds": {"cpu": 50}})
    assert len(evicted) == 3
    assert low_node_utilization(cycle, {"thresholds": {"cpu": 20}, "targetThresholds": {"cpu": 90}}) == []


def test_high_node_utilization_empties_underutilized_nodes() -> None:
    """n2 holds one small pod (5%): below the 20% threshold, its pod goes, so that n2 can be removed."""
    pods = (*(pod(f"p{i}", "n1", cpu="200m") for i in range(4)), pod("lonely", "n2"))
    cycle = Cycle((node("n1"), node("n2")), pods)
    assert names(high_node_utilization(cycle, {"thresholds": {"cpu": 20}})) == ["lonely"]
