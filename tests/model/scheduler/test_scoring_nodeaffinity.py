"""Tests for model.scheduler.scoring.nodeaffinity (NodeAffinity's Score with ``addedAffinity``, NormalizeScore).

Table ported from kubernetes/kubernetes
``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go`` (TestNodeAffinityPriority).
"""

from __future__ import annotations

from typing import Any

import pytest

from model.affinity import NodeAffinityError
from model.errors import ManifestError
from model.frozendict import FrozenDict
from model.scheduler.snapshot import Snapshot
from tests.model.scheduler.test_scoring_common import FakeProfile, make_node, make_pod, run_plugin

LABEL1 = {"foo": "bar"}
LABEL2 = {"key": "value"}
LABEL3 = {"az": "az1"}
LABEL4 = {"abc": "az11", "def": "az22"}
LABEL5 = {"foo": "bar", "key": "value", "az": "az1"}


def preference(weight: int, *expressions: tuple[str, str]) -> dict[str, Any]:
    return {"weight": weight, "preference": {"matchExpressions": [
        {"key": key, "operator": "In", "values": [value]} for key, value in expressions]}}


AFFINITY1 = {"preferredDuringSchedulingIgnoredDuringExecution": [preference(2, ("foo", "bar"))]}
AFFINITY2 = {"preferredDuringSchedulingIgnoredDuringExecution": [
    preference(2, ("foo", "bar")), preference(4, ("key", "value")),
    preference(5, ("foo", "bar"), ("key", "value"), ("az", "az1"))]}


def pod_with(node_affinity: dict[str, Any] | None) -> Any:
    return make_pod(affinity={"nodeAffinity": node_affinity}) if node_affinity else make_pod()


CASES = [
    ("all nodes are same priority as NodeAffinity is nil", None, [LABEL1, LABEL2, LABEL3], None, [0, 0, 0]),
    ("no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero",
     AFFINITY1, [LABEL4, LABEL2, LABEL3], None, [0, 0, 0]),
    ("only node1 matches the preferred scheduling requirements of pod", AFFINITY1, [LABEL1, LABEL2, LABEL3], None,
     [100, 0, 0]),
    ("all nodes matches the preferred scheduling requirements of pod but with different priorities", AFFINITY2,
     [LABEL1, LABEL5, LABEL2], None, [18, 100, 36]),
    ("added affinity", None, [LABEL1, LABEL2], AFFINITY1, [100, 0]),
    ("added affinity and pod has default affinity", AFFINITY1, [LABEL1, LABEL2, LABEL5],
     {"preferredDuringSchedulingIgnoredDuringExecution": [preference(3, ("key", "value"))]}, [40, 60, 100]),
]


@pytest.mark.parametrize(("name", "affinity", "labels", "added", "expected"), CASES, ids=[case[0] for case in CASES])
def test_node_affinity_priority(name: str, affinity: dict[str, Any] | None, labels: list[dict[str, str]],
                                added: dict[str, Any] | None, expected: list[int]) -> None:
    nodes = tuple(make_node(f"node{i}", node_labels) for i, node_labels in enumerate(labels))
    profile = FakeProfile(FrozenDict({"NodeAffinity": {"addedAffinity": added}})) if added else None
    for with_state in (True, False):
        _, normalized = run_plugin("NodeAffinity", pod_with(affinity), Snapshot(nodes), profile,
                                   with_state=with_state)
        assert list(normalized.values()) == expected


def test_added_required_affinity_does_not_score() -> None:
    added = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "foo", "operator": "In", "values": ["bar"]}]}]}}
    profile = FakeProfile(FrozenDict({"NodeAffinity": {"addedAffinity": added}}))
    raw, _ = run_plugin("NodeAffinity", make_pod(), Snapshot((make_node("node0", LABEL1),)), profile)
    assert raw == {"node0": 0}


def test_a_preferred_term_that_does_not_parse_fails_scoring() -> None:
    """PreScore returns an error for the key "invalid key" (upstream's case "PreScore returns error when an
    incoming Pod has a broken affinity")."""
    pod = pod_with({"preferredDuringSchedulingIgnoredDuringExecution": [preference(2, ("invalid key", "bar"))]})
    with pytest.raises(NodeAffinityError, match='key: Invalid value: "invalid key"'):
        run_plugin("NodeAffinity", pod, Snapshot((make_node("node1", LABEL1),)))
    profile = FakeProfile(FrozenDict({"NodeAffinity": {"addedAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [preference(2, ("invalid key", "bar"))]}}}))
    with pytest.raises(NodeAffinityError, match="^parsing addedAffinity.preferred"):
        run_plugin("NodeAffinity", make_pod(), Snapshot((make_node("node1", LABEL1),)), profile)


def test_malformed_added_affinity_is_a_manifest_error() -> None:
    profile = FakeProfile(FrozenDict({"NodeAffinity": {"addedAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 500, "preference": {}}]}}}))
    with pytest.raises(ManifestError, match="addedAffinity"):
        run_plugin("NodeAffinity", make_pod(), Snapshot((make_node("node1", LABEL1),)), profile)
