"""Tests for model.scheduler.scoring.interpodaffinity (InterPodAffinity's PreScore, Score, NormalizeScore).

Tables ported from kubernetes/kubernetes ``pkg/scheduler/framework/plugins/interpodaffinity/scoring_test.go``
(TestPreferredAffinity, TestPreferredAffinityWithHardPodAffinitySymmetricWeight). Left out: the cases with a
label value that does not parse (the model's LabelSelector rejects it when the pod is decoded). Upstream's
namespace "" is "default" here, as the model defaults a missing namespace.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from model.frozendict import FrozenDict
from model.objects import Namespace, Node, Pod
from model.scheduler.scoring.interpodaffinity import topology_scores
from model.scheduler.snapshot import Snapshot
from tests.model.scheduler.test_scoring_common import FakeProfile, make_node, make_pod, run_plugin

NAMESPACES = tuple(Namespace.from_dict({"metadata": {"name": name, "labels": {"team": team}}})
                   for name, team in (("subteam1.team1", "team1"), ("subteam2.team1", "team1"),
                                      ("subteam1.team2", "team2"), ("subteam2.team2", "team2")))
CHINA = {"region": "China"}
INDIA = {"region": "India"}
AZ1 = {"az": "az1"}
AZ2 = {"az": "az2"}
CHINA_AZ1 = {"region": "China", "az": "az1"}
S1 = {"security": "S1"}
S2 = {"security": "S2"}


def expression(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": operator, **({"values": list(values)} if values else {})}


def term(key: str, *expressions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"topologyKey": key, "labelSelector": {"matchExpressions": list(expressions)}, **extra}


def weighted(weight: int, key: str, *expressions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"weight": weight, "podAffinityTerm": term(key, *expressions, **extra)}


def preferred(affinity: list[dict[str, Any]] | None = None, anti: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if affinity is not None:
        out["podAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": affinity}
    if anti is not None:
        out["podAntiAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": anti}
    return out


TEAM1 = {"namespaces": ["subteam2.team2"],
         "namespaceSelector": {"matchExpressions": [expression("team", "In", "team1")]}}
STAY_WITH_S1_IN_REGION = preferred([weighted(5, "region", expression("security", "In", "S1"))])
STAY_WITH_S2_IN_REGION = preferred([weighted(6, "region", expression("security", "In", "S2"))])
AFFINITY3 = preferred([
    weighted(8, "region", expression("security", "NotIn", "S1"), expression("security", "In", "S2")),
    weighted(2, "region", expression("security", "Exists"), expression("wrongkey", "DoesNotExist"))])
HARD_AFFINITY = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    term("region", expression("security", "In", "S1", "value2")),
    term("region", expression("security", "Exists"), expression("wrongkey", "DoesNotExist"))]}}
AWAY_FROM_S1_IN_AZ = preferred(anti=[weighted(5, "az", expression("security", "In", "S1"))])
AWAY_FROM_S2_IN_AZ = preferred(anti=[weighted(5, "az", expression("security", "In", "S2"))])
WITH_S1_AWAY_FROM_S2 = preferred([weighted(8, "region", expression("security", "In", "S1"))],
                                 [weighted(5, "az", expression("security", "In", "S2"))])
AFFINITY_NAMESPACE_SELECTOR = preferred([weighted(5, "region", expression("security", "In", "S1"), **TEAM1)])
ANTI_AFFINITY_NAMESPACE_SELECTOR = preferred(anti=[weighted(5, "region", expression("security", "In", "S1"), **TEAM1)])


def pod(labels: dict[str, str] | None = None, affinity: dict[str, Any] | None = None, node: str | None = None,
        namespace: str | None = None, name: str = "p") -> Pod:
    return make_pod(name, node=node, labels=labels, namespace=namespace, **({"affinity": affinity} if affinity else {}))


def on(node: str, labels: dict[str, str] | None = None, affinity: dict[str, Any] | None = None,
       namespace: str | None = None) -> Pod:
    return pod(labels, affinity, node, namespace, name=f"on-{node}")


def nodes(*labels: dict[str, str]) -> tuple[Node, ...]:
    return tuple(make_node(f"node{i + 1}", node_labels) for i, node_labels in enumerate(labels))


def normalized_scores(incoming: Pod, existing: Sequence[Pod], cluster: tuple[Node, ...],
                      args: dict[str, Any] | None = None) -> list[int]:
    profile = FakeProfile(FrozenDict({"InterPodAffinity": args})) if args else None
    snapshot = Snapshot(cluster, tuple(existing), namespaces=NAMESPACES)
    _, normalized = run_plugin("InterPodAffinity", incoming, snapshot, profile)
    assert run_plugin("InterPodAffinity", incoming, snapshot, profile, with_state=False)[1] == normalized
    return [normalized[n.name] for n in cluster]


PREFERRED = [
    ("all nodes are same priority as Affinity is nil", pod(S1), [], nodes(CHINA, INDIA, AZ1), [0, 0, 0]),
    ("Affinity: pod that matches topology key & pods in nodes will get high score",
     pod(S1, STAY_WITH_S1_IN_REGION), [on("node1", S1), on("node2", S2), on("node3", S1)], nodes(CHINA, INDIA, AZ1),
     [100, 0, 0]),
    ("All the nodes that have the same topology key & label value as a matching pod's node score the same",
     pod(None, STAY_WITH_S1_IN_REGION), [on("node1", S1)], nodes(CHINA, CHINA_AZ1, INDIA), [100, 100, 0]),
    ("Affinity: the region with more matching pods scores higher", pod(S1, STAY_WITH_S2_IN_REGION),
     [on("node1", S2), on("node1", S2), on("node2", S2), on("node3", S2), on("node4", S2), on("node5", S2)],
     nodes(CHINA, INDIA, CHINA, CHINA, INDIA), [100, 0, 100, 100, 0]),
    ("Affinity: different Label operators and values, including some match failures", pod(S1, AFFINITY3),
     [on("node1", S1), on("node2", S2), on("node3", S1)], nodes(CHINA, INDIA, AZ1), [20, 100, 0]),
    ("Affinity symmetry: the existing pods' preferred pod affinity", pod(S2),
     [on("node1", S1, STAY_WITH_S1_IN_REGION), on("node2", S2, STAY_WITH_S2_IN_REGION)], nodes(CHINA, INDIA, AZ1),
     [0, 100, 0]),
    ("Affinity symmetry with namespace selector", pod(S1, namespace="subteam1.team1"),
     [on("node1", S1, AFFINITY_NAMESPACE_SELECTOR), on("node2", S2, STAY_WITH_S2_IN_REGION)],
     nodes(CHINA, INDIA, AZ1), [100, 0, 0]),
    ("AntiAffinity symmetry with namespace selector", pod(S1, namespace="subteam1.team1"),
     [on("node1", S1, ANTI_AFFINITY_NAMESPACE_SELECTOR), on("node2", S2, STAY_WITH_S2_IN_REGION)],
     nodes(CHINA, INDIA, AZ1), [0, 100, 100]),
    ("Affinity symmetry: the existing pods' required pod affinity", pod(S1),
     [on("node1", S1, HARD_AFFINITY), on("node2", S2, HARD_AFFINITY)], nodes(CHINA, INDIA, AZ1), [100, 100, 0]),
    ("Anti Affinity: pod that does not match existing pods in node will get high score", pod(S1, AWAY_FROM_S1_IN_AZ),
     [on("node1", S1), on("node2", S2)], nodes(AZ1, CHINA), [0, 100]),
    ("Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score",
     pod(S1, AWAY_FROM_S1_IN_AZ), [on("node1", S1), on("node2", S1)], nodes(AZ1, CHINA), [0, 100]),
    ("Anti Affinity: the node with more matching pods scores lower", pod(S1, AWAY_FROM_S1_IN_AZ),
     [on("node1", S1), on("node1", S1), on("node2", S2)], nodes(AZ1, INDIA), [0, 100]),
    ("Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score", pod(S2),
     [on("node1", S1, AWAY_FROM_S2_IN_AZ), on("node2", S2, AWAY_FROM_S1_IN_AZ)], nodes(AZ1, AZ2), [0, 100]),
    ("Affinity and Anti Affinity: preferred terms of both", pod(S1, WITH_S1_AWAY_FROM_S2),
     [on("node1", S1), on("node2", S1)], nodes(CHINA, AZ1), [100, 0]),
    ("Affinity and Anti Affinity: the pod to schedule and existing pods have the same labels",
     pod(S1, WITH_S1_AWAY_FROM_S2),
     [on("node1", S1), on("node1", S1), on("node2", S1), on("node3", S1), on("node3", S1), on("node4", S1),
      on("node5", S1)], nodes(CHINA_AZ1, INDIA, CHINA, CHINA, INDIA), [100, 0, 100, 100, 0]),
    ("Affinity and Anti Affinity and symmetry", pod(S1, WITH_S1_AWAY_FROM_S2),
     [on("node1", S1), on("node2", S2), on("node3", None, WITH_S1_AWAY_FROM_S2), on("node4", None, AWAY_FROM_S1_IN_AZ)],
     nodes(CHINA, AZ1, INDIA, AZ2), [100, 0, 100, 0]),
    ("Avoid panic when partial nodes in a topology don't have pods with affinity", pod(S1),
     [on("node1", S1), on("node2", None, WITH_S1_AWAY_FROM_S2)], nodes(CHINA, CHINA), [0, 0]),
    ("Affinity with pods matching NamespaceSelector", pod(S1, AFFINITY_NAMESPACE_SELECTOR, namespace="subteam1.team1"),
     [on("node1", S1, namespace="subteam1.team1"), on("node1", S1, namespace="subteam1.team1"),
      on("node1", S1, namespace="subteam1.team2"), on("node2", S1, namespace="subteam2.team1")],
     nodes(CHINA, INDIA), [100, 0]),
    ("Affinity with pods matching both NamespaceSelector and Namespaces fields",
     pod(S1, AFFINITY_NAMESPACE_SELECTOR, namespace="subteam1.team1"),
     [on("node1", S1, namespace="subteam1.team1"), on("node1", S1, namespace="subteam1.team1"),
      on("node1", S1, namespace="subteam2.team2"), on("node2", S1, namespace="subteam2.team1")],
     nodes(CHINA, INDIA), [100, 0]),
    ("Anti affinity with pods matching NamespaceSelector",
     pod(S1, ANTI_AFFINITY_NAMESPACE_SELECTOR, namespace="subteam1.team1"),
     [on("node1", S1, namespace="subteam1.team1"), on("node1", S1, namespace="subteam1.team1"),
      on("node1", S1, namespace="subteam1.team2"), on("node2", S1, namespace="subteam2.team1")],
     nodes(CHINA, INDIA), [0, 100]),
    ("Do not ignore preferred terms of existing pods", pod(S2),
     [on("node1", S1, WITH_S1_AWAY_FROM_S2), on("node2", S2, STAY_WITH_S2_IN_REGION)], nodes(CHINA, INDIA), [0, 100]),
]


@pytest.mark.parametrize(("name", "incoming", "existing", "cluster", "expected"), PREFERRED,
                         ids=[case[0] for case in PREFERRED])
def test_preferred_affinity(name: str, incoming: Pod, existing: list[Pod], cluster: tuple[Node, ...],
                            expected: list[int]) -> None:
    assert normalized_scores(incoming, existing, cluster) == expected


def test_ignore_preferred_terms_of_existing_pods() -> None:
    existing = [on("node1", S1, WITH_S1_AWAY_FROM_S2), on("node2", S2, STAY_WITH_S2_IN_REGION)]
    snapshot = Snapshot(nodes(CHINA, INDIA), tuple(existing), namespaces=NAMESPACES)
    profile = FakeProfile(FrozenDict({"InterPodAffinity": {"ignorePreferredTermsOfExistingPods": True}}))
    assert topology_scores(pod(S2), snapshot, profile) == {}
    assert normalized_scores(pod(S2), existing, nodes(CHINA, INDIA), {"ignorePreferredTermsOfExistingPods": True}) \
        == [0, 0]


HARD_SYMMETRIC = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    term("region", expression("service", "In", "S1"), namespaces=["default", "subteam2.team2"],
         namespaceSelector={"matchExpressions": [expression("team", "In", "team1")]})]}}


@pytest.mark.parametrize(("namespace", "weight", "expected"), [
    (None, None, [100, 100, 0]),  # with default weight
    (None, 0, [0, 0, 0]),  # with zero weight: skipped
    ("subteam1.team2", None, [0, 0, 0]),  # with no matching namespace: skipped
    ("subteam1.team1", None, [100, 100, 0]),  # with matching NamespaceSelector
    ("subteam2.team2", None, [100, 100, 0]),  # with matching Namespaces
])
def test_preferred_affinity_with_hard_pod_affinity_symmetric_weight(namespace: str | None, weight: int | None,
                                                                    expected: list[int]) -> None:
    existing = [on("node1", None, HARD_SYMMETRIC), on("node2", None, HARD_SYMMETRIC)]
    args = None if weight is None else {"hardPodAffinityWeight": weight}
    assert normalized_scores(pod({"service": "S1"}, namespace=namespace), existing, nodes(CHINA, INDIA, AZ1),
                             args) == expected


def test_raw_scores_are_signed_sums_of_domain_weights() -> None:
    """Upstream's "Affinity and Anti Affinity and symmetry" case: weights 8, -5, 8, -5 before normalization."""
    existing = [on("node1", S1), on("node2", S2), on("node3", None, WITH_S1_AWAY_FROM_S2),
                on("node4", None, AWAY_FROM_S1_IN_AZ)]
    raw, _ = run_plugin("InterPodAffinity", pod(S1, WITH_S1_AWAY_FROM_S2),
                        Snapshot(nodes(CHINA, AZ1, INDIA, AZ2), tuple(existing), namespaces=NAMESPACES))
    assert list(raw.values()) == [8, -5, 8, -5]


def test_normalization_is_min_max() -> None:
    existing = [on("node1", S1), on("node2", S1), on("node2", S1), on("node3", S1), on("node3", S1), on("node3", S1)]
    stay = preferred([weighted(10, "kubernetes.io/hostname", expression("security", "In", "S1"))])
    cluster = tuple(make_node(f"node{i}", {"kubernetes.io/hostname": f"node{i}"}) for i in (1, 2, 3))
    raw, normalized = run_plugin("InterPodAffinity", pod(S1, stay), Snapshot(cluster, tuple(existing)))
    assert list(raw.values()) == [10, 20, 30]
    assert list(normalized.values()) == [0, 50, 100]
