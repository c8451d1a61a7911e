"""Tests for model.scheduler.scoring.tainttoleration (TaintToleration's Score and NormalizeScore).

Table ported from kubernetes/kubernetes
``pkg/scheduler/framework/plugins/tainttoleration/taint_toleration_test.go`` (TestTaintTolerationScore).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.scheduler.scoring.tainttoleration import intolerable_prefer_no_schedule_taints
from model.scheduler.snapshot import Snapshot
from tests.model.scheduler.test_scoring_common import make_node, make_pod, run_plugin


def taint(key: str, value: str, effect: str = "PreferNoSchedule") -> dict[str, str]:
    return {"key": key, "value": value, "effect": effect}


def toleration(key: str, value: str, effect: str = "PreferNoSchedule") -> dict[str, str]:
    return {"key": key, "operator": "Equal", "value": value, "effect": effect}


CPU_ARM = taint("cpu-type", "arm64")
DISK_SSD = taint("disk-type", "ssd")

CASES: list[tuple[str, list[dict[str, Any]], list[list[dict[str, str]]], list[int]]] = [
    ("node with taints tolerated by the pod gets a higher score than those with intolerable taints",
     [toleration("foo", "bar")], [[taint("foo", "bar")], [taint("foo", "blah")]], [100, 0]),
    ("nodes whose taints are all tolerated score the same, however many they have",
     [toleration("cpu-type", "arm64"), toleration("disk-type", "ssd")], [[], [CPU_ARM], [CPU_ARM, DISK_SSD]],
     [100, 100, 100]),
    ("the more intolerable taints a node has, the lower its score",
     [toleration("foo", "bar")], [[], [CPU_ARM], [CPU_ARM, DISK_SSD]], [100, 50, 0]),
    ("only PreferNoSchedule taints and tolerations with that effect count",
     [toleration("cpu-type", "arm64", "NoSchedule"), toleration("disk-type", "ssd", "NoSchedule")],
     [[], [taint("cpu-type", "arm64", "NoSchedule")], [CPU_ARM, DISK_SSD]], [100, 100, 0]),
    ("no tolerations: the node without taints wins", [], [[], [CPU_ARM]], [100, 0]),
]


@pytest.mark.parametrize(("name", "tolerations", "taints", "expected"), CASES, ids=[case[0] for case in CASES])
def test_taint_toleration_score(name: str, tolerations: list[dict[str, Any]], taints: list[list[dict[str, str]]],
                                expected: list[int]) -> None:
    nodes = tuple(make_node(f"node{i}", taints=t) for i, t in enumerate(taints))
    _, normalized = run_plugin("TaintToleration", make_pod(tolerations=tolerations), Snapshot(nodes))
    assert list(normalized.values()) == expected


def test_a_toleration_without_effect_tolerates_prefer_no_schedule() -> None:
    pod = make_pod(tolerations=[{"key": "cpu-type", "operator": "Exists"}])
    assert intolerable_prefer_no_schedule_taints(pod, make_node("n", taints=[CPU_ARM, DISK_SSD])) == 1


@given(st.lists(st.integers(0, 4), min_size=1, max_size=6))
def test_fewer_intolerable_taints_never_score_lower(counts: list[int]) -> None:
    nodes = tuple(make_node(f"node{i}", taints=[taint(f"k{j}", "v") for j in range(c)]) for i, c in enumerate(counts))
    raw, normalized = run_plugin("TaintToleration", make_pod(), Snapshot(nodes))
    assert list(raw.values()) == counts
    for a, b in zip(counts, normalized.values(), strict=True):
        for c, d in zip(counts, normalized.values(), strict=True):
            assert (a <= c) <= (b >= d)
    assert min(normalized.values()) == (0 if max(counts) else 100)
