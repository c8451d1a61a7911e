"""Tests for model.scheduler.scoring.podtopologyspread (PodTopologySpread's PreScore, Score, NormalizeScore).

Tables ported from kubernetes/kubernetes ``pkg/scheduler/framework/plugins/podtopologyspread/scoring_test.go``:
TestPodTopologySpreadScore (run, as upstream, with ``defaultingType: System``), TestPreScoreSkip and
TestPreScoreStateEmptyNodes. Left out: "minDomains has no effect when ScheduleAnyway" (the model's API
validation rejects minDomains with ScheduleAnyway, as the API server does) and the cases with the feature
gates MatchLabelKeysInPodTopologySpread or NodeInclusionPolicyInPodTopologySpread off (the model has them on).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

from model.frozendict import FrozenDict
from model.labels import Selector
from model.objects import Node, Pod, ReplicaSet, Service
from model.objects.meta import LabelSelector
from model.scheduler.scoring.podtopologyspread import (
    LABEL_HOSTNAME,
    LABEL_TOPOLOGY_ZONE,
    count_pods_match_selector,
    default_selector,
    spread_state,
)
from model.scheduler.snapshot import Snapshot
from tests.model.scheduler.test_scoring_common import FakeProfile, make_node, make_pod, run_plugin

FOO = {"matchExpressions": [{"key": "foo", "operator": "Exists"}]}
BAR = {"matchExpressions": [{"key": "bar", "operator": "Exists"}]}
SYSTEM = FakeProfile(FrozenDict({"PodTopologySpread": {"defaultingType": "System"}}))
LIST = FakeProfile(FrozenDict({"PodTopologySpread": {"defaultingType": "List"}}))


def constraint(max_skew: int, key: str, selector: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway", **extra}
    if selector is not None:
        out["labelSelector"] = selector
    return out


def incoming(*constraints: dict[str, Any], labels: Sequence[str] = ("foo",), **spec: Any) -> Pod:
    return make_pod("p", labels={k: "" for k in labels}, topologySpreadConstraints=list(constraints), **spec)


def existing(spread: str, *labels: str, namespace: str | None = None, terminating: bool = False) -> list[Pod]:
    """Pods spread as "node-a:2 node-b:1": that many pods on each node, labelled ``labels``."""
    pods = []
    for entry in spread.split():
        node, count = entry.split(":")
        for i in range(int(count)):
            metadata = {"deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["f"]} if terminating else None
            pods.append(make_pod(f"p-{node}-{i}-{''.join(labels)}", node=node, labels={k: "" for k in labels},
                                 namespace=namespace, metadata=metadata))
    return pods


def host(name: str, **labels: str) -> Node:
    return make_node(name, {LABEL_HOSTNAME: name, **labels})


def zoned(name: str, zone: str) -> Node:
    return host(name, zone=zone)


def normalized_scores(pod: Pod, nodes: Sequence[Node], pods: Sequence[Pod], failed: Sequence[Node] = (),
                      objs: Sequence[Any] = (), profile: FakeProfile = SYSTEM) -> list[int]:
    snapshot = Snapshot(tuple(nodes) + tuple(failed), tuple(pods), services=tuple(objs))
    _, normalized = run_plugin("PodTopologySpread", pod, snapshot, profile, [n.name for n in nodes])
    return [normalized[n.name] for n in nodes]


NODES_ABCD = [host("node-a"), host("node-b"), host("node-c"), host("node-d")]
SPREAD_4321 = existing("node-a:4 node-b:3 node-c:2 node-d:1", "foo")
ZONES_ABXY = [zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-x", "zone2"), zoned("node-y", "zone2")]
ZONE_AND_HOST = (constraint(1, "zone", FOO), constraint(1, LABEL_HOSTNAME, BAR))
DIFFERENT_SELECTORS = [*existing("node-a:1", "foo"), *existing("node-b:1", "foo", "bar"),
                       *existing("node-y:1", "foo"), *existing("node-y:1", "bar")]
INCLUSION_PODS = existing("node-a:2 node-b:1 node-c:1", "foo")
NODE_LABELLED = [make_node("node-a", {"node": "node-a", "foo": ""}), make_node("node-b", {"node": "node-b", "foo": ""}),
                 make_node("node-c", {"node": "node-c"})]
TAINTED = [make_node("node-a", {"node": "node-a"}), make_node("node-b", {"node": "node-b"}),
           make_node("node-c", {"node": "node-c"}, taints=[{"key": "foo", "value": "", "effect": "NoSchedule"}])]
FOO_IN = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "foo", "operator": "In", "values": [""]}]}]}}}

CASES: list[tuple[str, Pod, list[Node], list[Pod], list[Node], list[Any], list[int]]] = [
    ("one constraint on node, no existing pods", incoming(constraint(1, LABEL_HOSTNAME, FOO)),
     [host("node-a"), host("node-b")], [], [], [], [100, 100]),
    ("one constraint on node, only one node is candidate", incoming(constraint(1, LABEL_HOSTNAME, FOO)),
     [host("node-a")], existing("node-a:2 node-b:1", "foo"), [host("node-b")], [], [100]),
    ("one constraint on node, all nodes have the same number of matching pods",
     incoming(constraint(1, LABEL_HOSTNAME, FOO)), [host("node-a"), host("node-b")],
     existing("node-a:1 node-b:1", "foo"), [], [], [100, 100]),
    ("one constraint on node, all 4 nodes are candidates", incoming(constraint(1, LABEL_HOSTNAME, FOO)),
     NODES_ABCD, existing("node-a:2 node-b:1 node-d:3", "foo"), [], [], [20, 60, 100, 0]),
    ("one constraint on node, null selector", incoming(constraint(1, LABEL_HOSTNAME)),
     NODES_ABCD, existing("node-a:2 node-b:1 node-d:3", "foo"), [], [], [100, 100, 100, 100]),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=2", incoming(constraint(2, LABEL_HOSTNAME, FOO)),
     NODES_ABCD, existing("node-a:2 node-b:1 node-d:3", "foo"), [], [], [33, 66, 100, 16]),
    ("one constraint on node, all 4 nodes are candidates, maxSkew=3", incoming(constraint(3, LABEL_HOSTNAME, FOO)),
     NODES_ABCD, SPREAD_4321, [], [], [44, 66, 77, 100]),
    ("system defaulting, nodes don't have zone, pods match service", incoming(), NODES_ABCD, SPREAD_4321, [],
     [Service.from_dict({"metadata": {"name": "svc"}, "spec": {"selector": {"foo": ""}}})], [44, 66, 77, 100]),
    ("one constraint on node, 3 out of 4 nodes are candidates", incoming(constraint(1, LABEL_HOSTNAME, FOO)),
     [host("node-a"), host("node-b"), host("node-x")], existing("node-a:4 node-b:2 node-x:1 node-y:3", "foo"),
     [host("node-y")], [], [33, 83, 100]),
    ("one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
     incoming(constraint(1, LABEL_HOSTNAME, FOO)),
     [host("node-a"), make_node("node-b", {"n": "node-b"}), host("node-x")],
     existing("node-a:4 node-b:2 node-x:1 node-y:3", "foo"), [host("node-y")], [], [16, 0, 100]),
    ("one constraint on zone, 3 out of 4 nodes are candidates", incoming(constraint(1, "zone", FOO)),
     ZONES_ABXY[:3], existing("node-a:4 node-b:2 node-x:1 node-y:3", "foo"), ZONES_ABXY[3:], [], [75, 75, 100]),
    ("two Constraints on zone and node, 2 out of 4 nodes are candidates",
     incoming(constraint(1, "zone", FOO), constraint(1, LABEL_HOSTNAME, FOO)), [ZONES_ABXY[0], ZONES_ABXY[2]],
     existing("node-a:2 node-b:1 node-x:2 node-y:4", "foo"), [ZONES_ABXY[1], ZONES_ABXY[3]], [], [100, 63]),
    ("two Constraints on zone and node, with different labelSelectors", incoming(*ZONE_AND_HOST, labels=("foo", "bar")),
     ZONES_ABXY, DIFFERENT_SELECTORS, [], [], [60, 20, 100, 60]),
    ("two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
     incoming(*ZONE_AND_HOST, labels=("foo", "bar")), ZONES_ABXY,
     [*existing("node-b:1", "bar"), *existing("node-x:1", "foo"), *existing("node-y:1", "foo", "bar")], [], [],
     [100, 60, 40, 0]),
    ("two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
     incoming(*ZONE_AND_HOST, labels=("foo", "bar")), ZONES_ABXY[:3], DIFFERENT_SELECTORS, ZONES_ABXY[3:], [],
     [50, 25, 100]),
    ("existing pods in a different namespace do not count", incoming(constraint(1, LABEL_HOSTNAME, FOO)),
     [host("node-a"), host("node-b")],
     [*existing("node-a:1", "foo", namespace="ns1"), *existing("node-a:1 node-b:2", "foo")], [], [], [100, 33]),
    ("terminating Pods should be excluded", incoming(constraint(1, LABEL_HOSTNAME, FOO)),
     [host("node-a"), host("node-b")], [*existing("node-a:1", "foo", terminating=True), *existing("node-b:1", "foo")],
     [], [], [100, 0]),
    ("NodeAffinityPolicy honored with labelSelectors",
     incoming(constraint(1, "node", FOO), nodeSelector={"foo": ""}), NODE_LABELLED, INCLUSION_PODS, [], [],
     [0, 33, 100]),
    ("NodeAffinityPolicy ignored with labelSelectors",
     incoming(constraint(1, "node", FOO, nodeAffinityPolicy="Ignore"), nodeSelector={"foo": ""}), NODE_LABELLED,
     INCLUSION_PODS, [], [], [66, 100, 100]),
    ("NodeAffinityPolicy honored with nodeAffinity", incoming(constraint(1, "node", FOO), affinity=FOO_IN),
     NODE_LABELLED, INCLUSION_PODS, [], [], [0, 33, 100]),
    ("NodeAffinityPolicy ignored with nodeAffinity",
     incoming(constraint(1, "node", FOO, nodeAffinityPolicy="Ignore"), affinity=FOO_IN), NODE_LABELLED,
     INCLUSION_PODS, [], [], [66, 100, 100]),
    ("NodeTaintsPolicy honored", incoming(constraint(1, "node", FOO, nodeTaintsPolicy="Honor")), TAINTED,
     INCLUSION_PODS, [], [], [0, 33, 100]),
    ("NodeTaintsPolicy ignored", incoming(constraint(1, "node", FOO)), TAINTED, INCLUSION_PODS, [], [], [66, 100, 100]),
    ("matchLabelKeys ANDed with LabelSelector when LabelSelector is empty",
     incoming(constraint(1, "zone", {}, matchLabelKeys=["foo"]),
              constraint(1, LABEL_HOSTNAME, {}, matchLabelKeys=["bar"]), labels=("foo", "bar")),
     [zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-c", "zone2"), zoned("node-d", "zone2")],
     [*existing("node-a:1", "foo"), *existing("node-b:1", "foo", "bar"), *existing("node-c:1", "foo"),
      *existing("node-c:1", "bar")], [], [], [60, 20, 60, 100]),
    ("matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
     incoming(constraint(1, "zone", FOO), constraint(1, LABEL_HOSTNAME, BAR, matchLabelKeys=["baz"]),
              labels=("foo", "bar", "baz")),
     [zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-c", "zone2"), zoned("node-d", "zone2")],
     [*existing("node-a:1", "foo"), *existing("node-b:1", "foo", "bar", "baz"), *existing("node-c:1", "foo"),
      *existing("node-c:1", "bar"), *existing("node-c:1", "bar", "baz")], [], [], [60, 20, 60, 100]),
]


@pytest.mark.parametrize(("name", "pod", "nodes", "pods", "failed", "objs", "expected"), CASES,
                         ids=[case[0] for case in CASES])
def test_pod_topology_spread_score(name: str, pod: Pod, nodes: list[Node], pods: list[Pod], failed: list[Node],
                                   objs: list[Any], expected: list[int]) -> None:
    assert normalized_scores(pod, nodes, pods, failed, objs) == expected


def replica_set(name: str, selector: dict[str, Any]) -> ReplicaSet:
    labels = {"foo": "tar"} if selector is FOO else {"tar": "x"}
    return ReplicaSet.from_dict({"metadata": {"name": name}, "spec": {
        "selector": selector, "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c"}]}}}})


def owned_pod(owner: str, **spec: Any) -> Pod:
    return make_pod("p", labels={"foo": "tar", "baz": "sup"}, metadata={"ownerReferences": [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": "u", "controller": True}]}, **spec)


def list_profile(*constraints: dict[str, Any]) -> FakeProfile:
    return FakeProfile(FrozenDict({"PodTopologySpread": {"defaultingType": "List",
                                                         "defaultConstraints": list(constraints)}}))


@pytest.mark.parametrize(("pod", "profile", "replica_sets"), [
    # the pod doesn't have soft topology spread Constraints
    (make_pod("p"), LIST, ()),
    # default constraints and a replicaset that doesn't match
    (owned_pod("rs2"), list_profile({"maxSkew": 2, "topologyKey": "planet", "whenUnsatisfiable": "ScheduleAnyway"}),
     (replica_set("rs1", {"matchExpressions": [{"key": "tar", "operator": "Exists"}]}),)),
])
def test_prescore_skips(pod: Pod, profile: FakeProfile, replica_sets: tuple[ReplicaSet, ...]) -> None:
    snapshot = Snapshot((make_node("node-a", {"planet": "mars", LABEL_HOSTNAME: "node-a"}),),
                            replica_sets=replica_sets)
    assert spread_state(pod, snapshot.nodes, snapshot, profile).constraints == ()
    raw, normalized = run_plugin("PodTopologySpread", pod, snapshot, profile)
    assert raw == normalized == {"node-a": 0}


def test_prescore_state_normal_case() -> None:
    pod = incoming(constraint(1, "zone", FOO), constraint(1, LABEL_HOSTNAME, FOO))
    snapshot = Snapshot((zoned("node-a", "zone1"), zoned("node-b", "zone1"), zoned("node-x", "zone2")))
    state = spread_state(pod, snapshot.nodes, snapshot, LIST)
    assert [c.topology_key for c in state.constraints] == ["zone", LABEL_HOSTNAME]
    assert state.ignored_nodes == frozenset()
    assert state.counts == (FrozenDict({"zone1": 0, "zone2": 0}), FrozenDict())
    assert state.weights == (math.log(2 + 2), math.log(3 + 2))


def test_prescore_state_node_without_the_zone_label_is_ignored() -> None:
    pod = incoming(constraint(1, "zone", FOO), constraint(1, LABEL_HOSTNAME, BAR))
    snapshot = Snapshot((zoned("node-a", "zone1"), zoned("node-b", "zone1"), host("node-x")))
    state = spread_state(pod, snapshot.nodes, snapshot, LIST)
    assert state.ignored_nodes == {"node-x"}
    assert state.counts[0] == {"zone1": 0}
    assert state.weights == (math.log(1 + 2), math.log(2 + 2))


def test_prescore_state_system_default_constraints_and_a_replicaset() -> None:
    """Nodes with no zone are not excluded under system defaulting: they form the zone ""."""
    snapshot = Snapshot(
        (host("node-a", **{LABEL_TOPOLOGY_ZONE: "mars"}), host("node-b", **{LABEL_TOPOLOGY_ZONE: "mars"}),
         host("node-c"), host("node-d")), replica_sets=(replica_set("rs1", FOO),))
    state = spread_state(owned_pod("rs1"), snapshot.nodes, snapshot, SYSTEM)
    assert [(c.max_skew, c.topology_key) for c in state.constraints] == [(3, LABEL_HOSTNAME), (5, LABEL_TOPOLOGY_ZONE)]
    assert all(c.selector == LabelSelector.from_dict(FOO).selector() for c in state.constraints)
    assert state.counts == (FrozenDict(), FrozenDict({"mars": 0, "": 0}))
    assert state.weights == (math.log(4 + 2), math.log(2 + 2))


def test_prescore_state_default_constraints_and_a_replicaset() -> None:
    profile = list_profile({"maxSkew": 1, "topologyKey": LABEL_HOSTNAME, "whenUnsatisfiable": "ScheduleAnyway"},
                           {"maxSkew": 2, "topologyKey": "rack", "whenUnsatisfiable": "DoNotSchedule"},
                           {"maxSkew": 2, "topologyKey": "planet", "whenUnsatisfiable": "ScheduleAnyway"})
    snapshot = Snapshot((make_node("node-a", {"rack": "rack1", LABEL_HOSTNAME: "node-a", "planet": "mars"}),),
                            replica_sets=(replica_set("rs1", FOO),))
    state = spread_state(owned_pod("rs1"), snapshot.nodes, snapshot, profile)
    assert [(c.max_skew, c.topology_key) for c in state.constraints] == [(1, LABEL_HOSTNAME), (2, "planet")]
    assert state.counts == (FrozenDict(), FrozenDict({"mars": 0}))


def test_prescore_state_pod_constraints_win_over_defaults() -> None:
    pod = owned_pod("rs1", topologySpreadConstraints=[
        {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": BAR},
        constraint(2, "planet", {"matchLabels": {"baz": "sup"}})])
    profile = list_profile({"maxSkew": 2, "topologyKey": "galaxy", "whenUnsatisfiable": "ScheduleAnyway"})
    snapshot = Snapshot((make_node("node-a", {"planet": "mars", "galaxy": "andromeda"}),),
                            replica_sets=(replica_set("rs1", FOO),))
    state = spread_state(pod, snapshot.nodes, snapshot, profile)
    assert [(c.max_skew, c.topology_key) for c in state.constraints] == [(2, "planet")]


def test_default_selector_merges_services_and_the_controller() -> None:
    pod = owned_pod("rs1")
    services = (Service.from_dict({"metadata": {"name": "s1"}, "spec": {"selector": {"foo": "tar"}}}),
                Service.from_dict({"metadata": {"name": "s2"}, "spec": {"selector": {"other": "x"}}}),
                Service.from_dict({"metadata": {"name": "s3", "namespace": "elsewhere"},
                                   "spec": {"selector": {"baz": "sup"}}}))
    selector = default_selector(pod, Snapshot((), services=services, replica_sets=(replica_set("rs1", FOO),)))
    assert selector.matches({"foo": "tar"}) and not selector.matches({"foo": "other"})
    assert not selector.matches({"baz": "sup"})
    assert default_selector(make_pod("lonely"), Snapshot((), services=services)).empty()


def test_count_pods_match_selector_ignores_an_empty_selector() -> None:
    pods = existing("node-a:2", "foo")
    assert count_pods_match_selector(pods, Selector(), "default") == 0
    assert count_pods_match_selector(pods, LabelSelector.from_dict(FOO).selector(), "default") == 2
