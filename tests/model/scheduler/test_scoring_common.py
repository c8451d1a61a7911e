"""Tests for model.scheduler.scoring (the registry and the Scorer protocol) and scoring.helper, plus the
builders the other test_scoring_* modules share. Scorers run on the real model.scheduler.snapshot.Snapshot;
profiles are a stand-in carrying only ``args`` (all a scorer reads), except in the test against the real
model.scheduler.profile.Profile.

Ported from kubernetes/kubernetes ``pkg/scheduler/framework/plugins/helper/normalize_score_test.go``
(TestDefaultNormalizeScore). The Hypothesis properties check the framework's contract
(``pkg/scheduler/framework/runtime/framework.go`` RunScorePlugins rejects a normalized score outside
0..100) on random clusters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.frozendict import FrozenDict
from model.objects import Namespace, Node, Pod
from model.scheduler.profile import Profile
from model.scheduler.scoring import MAX_NODE_SCORE, MIN_NODE_SCORE, SCORERS, Scorer, plugin_args
from model.scheduler.scoring.helper import default_normalize_score, go_quotient, go_round, namespace_labels
from model.scheduler.snapshot import Snapshot

HOSTNAME = "kubernetes.io/hostname"


@attrs.frozen
class FakeProfile:
    """A stand-in for model.scheduler.profile.Profile: plugin name -> args (as given, not defaulted)."""

    args: Mapping[str, Mapping[str, Any]] = FrozenDict()


def make_node(name: str, labels: Mapping[str, str] | None = None, allocatable: Mapping[str, str] | None = None,
              taints: Sequence[Mapping[str, str]] = (), images: Sequence[Mapping[str, Any]] | None = None) -> Node:
    status: dict[str, Any] = {"allocatable": dict(allocatable or {})}
    if images is not None:
        status["images"] = list(images)
    return Node.from_dict({"metadata": {"name": name, "labels": dict(labels or {})},
                           "spec": {"taints": list(taints)}, "status": status})


def make_pod(name: str = "p", node: str | None = None, labels: Mapping[str, str] | None = None,
             namespace: str | None = None, requests: Sequence[Mapping[str, str] | None] = (None,),
             metadata: Mapping[str, Any] | None = None, **spec: Any) -> Pod:
    """A pod with one container per entry of ``requests`` (None: a container without requests)."""
    meta: dict[str, Any] = {"name": name, "labels": dict(labels or {}), **(metadata or {})}
    if namespace is not None:
        meta["namespace"] = namespace
    containers = [{"name": f"c{i}", **({"resources": {"requests": dict(r)}} if r is not None else {})}
                  for i, r in enumerate(requests)]
    body: dict[str, Any] = {"containers": containers, **spec}
    if node is not None:
        body["nodeName"] = node
    return Pod.from_dict({"metadata": meta, "spec": body})


EMPTY = {"cpu": "0", "memory": "0"}
"""Requests of a pod that asks for nothing: upstream's test pods without containers count 0, not the
non-zero defaults, and explicit zero requests do the same."""


def run_plugin(name: str, pod: Pod, snapshot: Snapshot, profile: FakeProfile | None = None,
               feasible: Sequence[str] | None = None, with_state: bool = True) -> tuple[dict[str, int], dict[str, int]]:
    """PreScore, Score and NormalizeScore of one plugin over the feasible nodes (all by default), as the
    framework runs them: (raw, normalized)."""
    scorer = SCORERS[name]
    nodes = tuple(snapshot.nodes if feasible is None else (snapshot.node(n) for n in feasible))
    state = scorer.pre_score(pod, nodes, snapshot, profile) if with_state else None
    raw = {n.name: scorer.score(pod, n, snapshot, profile, state) for n in nodes}
    return raw, scorer.normalize(raw, pod, snapshot, profile, state)


# --- the registry ---------------------------------------------------------------------------------------------


def test_scorers_are_the_default_profiles_score_plugins() -> None:
    assert set(SCORERS) == {"TaintToleration", "NodeAffinity", "PodTopologySpread", "InterPodAffinity",
                            "NodeResourcesFit", "NodeResourcesBalancedAllocation", "ImageLocality"}
    for name, scorer in SCORERS.items():
        assert scorer.name == name


def test_plugins_without_normalize_score_pass_raw_scores_through() -> None:
    pod = make_pod(requests=[{"cpu": "1", "memory": "1Gi"}])
    snapshot = Snapshot((make_node("n1", allocatable={"cpu": "4", "memory": "4Gi"}),
                             make_node("n2", allocatable={"cpu": "2", "memory": "2Gi"})))
    for name in ("NodeResourcesFit", "NodeResourcesBalancedAllocation", "ImageLocality"):
        scorer: Scorer = SCORERS[name]
        assert scorer.pre_score(pod, snapshot.nodes, snapshot, None) is None or name == "ImageLocality"
        assert scorer.normalize({"n1": 7, "n2": 3}, pod, snapshot, None) == {"n1": 7, "n2": 3}


def test_plugin_args_reads_the_profile_and_defaults_to_nothing() -> None:
    profile = FakeProfile(FrozenDict({"NodeResourcesFit": {"scoringStrategy": {"type": "MostAllocated"}}}))
    assert plugin_args(profile, "NodeResourcesFit") == {"scoringStrategy": {"type": "MostAllocated"}}
    assert plugin_args(profile, "NodeAffinity") == {}
    assert plugin_args(None, "NodeAffinity") == {}


def test_namespace_labels() -> None:
    snapshot = Snapshot((), namespaces=(Namespace.from_dict({"metadata": {"name": "a", "labels": {"t": "1"}}}),))
    assert namespace_labels(snapshot, "a") == {"t": "1", "kubernetes.io/metadata.name": "a"}
    assert namespace_labels(snapshot, "b") == {}


def test_scorers_read_the_defaulted_args_of_a_real_profile() -> None:
    """Profile.args holds each plugin's v1-defaulted args, the shape plugin_args hands the scorers."""
    profile = Profile.from_dict({"pluginConfig": [
        {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]})
    nodes = (make_node("a", {HOSTNAME: "a"}, {"cpu": "2", "memory": "2Gi"}),
             make_node("b", {HOSTNAME: "b"}, {"cpu": "4", "memory": "4Gi"}))
    snapshot = Snapshot(nodes, (make_pod("e", node="a", requests=[{"cpu": "1"}]),))
    pod = make_pod(requests=[{"cpu": "500m", "memory": "1Gi"}])
    # MostAllocated, a: cpu 1500m/2 -> 75, memory (200Mi + 1Gi)/2Gi -> 59; b: cpu 500m/4 -> 12, memory 1Gi/4Gi -> 25
    assert run_plugin("NodeResourcesFit", pod, snapshot, profile)[0] == {"a": 67, "b": 18}
    assert run_plugin("NodeResourcesFit", pod, snapshot, Profile.default())[0] == {"a": 32, "b": 81}
    assert {name for name, _ in profile.scores} == set(SCORERS)


def test_every_scorer_scores_a_pod_without_containers_as_one_requesting_nothing() -> None:
    """A pod without containers (the API refuses it, so it is built past validation) is scored as zero requests,
    as noderesources' least_allocated_test.go "nothing scheduled, nothing requested" scores its container-less
    pod ([100, 100]); ImageLocality's calculatePriority gives it 0 (Go: 0 / (0 - 23MB))."""
    nodes = (make_node("n1", allocatable={"cpu": "4", "memory": "10Gi", "pods": "110"}),
             make_node("n2", allocatable={"cpu": "4", "memory": "10Gi", "pods": "110"}))
    snapshot = Snapshot(nodes, (make_pod("busy", node="n1", requests=[{"cpu": "1", "memory": "1Gi"}]),))
    nothing = make_pod(requests=[EMPTY])
    containerless = attrs.evolve(nothing, spec=attrs.evolve(nothing.spec, containers=()))
    for name in SCORERS:
        assert run_plugin(name, containerless, snapshot) == run_plugin(name, nothing, snapshot), name
    idle = Snapshot(nodes)
    assert run_plugin("NodeResourcesFit", containerless, idle)[0] == {"n1": 100, "n2": 100}
    assert run_plugin("ImageLocality", containerless, idle)[0] == {"n1": 0, "n2": 0}


# --- helper ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("reverse", "scores", "expected"), [
    # normalize_score_test.go TestDefaultNormalizeScore
    (False, [1, 2, 3, 4, 5], [20, 40, 60, 80, 100]),
    (True, [1, 2, 3, 4, 5], [80, 60, 40, 20, 0]),
    (False, [1000, 10, 20, 30], [100, 1, 2, 3]),
    (True, [1000, 10, 20, 30], [0, 99, 98, 97]),
    (False, [1, 1, 1, 1], [100, 100, 100, 100]),
    (True, [1, 1, 1, 1], [0, 0, 0, 0]),
    (False, [0, 0, 0, 0], [0, 0, 0, 0]),
    (True, [0, 0, 0, 0], [100, 100, 100, 100]),
])
def test_default_normalize_score(reverse: bool, scores: list[int], expected: list[int]) -> None:
    raw = {f"n{i}": s for i, s in enumerate(scores)}
    assert list(default_normalize_score(raw, reverse).values()) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (0.5, 1), (1.5, 2), (2.5, 3), (2.4999, 2), (-0.5, -1), (-2.5, -3), (0.49999999999999994, 0), (7.0, 7),
])
def test_go_round_rounds_halves_away_from_zero(value: float, expected: int) -> None:
    assert go_round(value) == expected


@given(st.integers(-10**6, 10**6), st.integers(-1000, 1000).filter(bool))
def test_go_quotient_truncates_toward_zero(numerator: int, denominator: int) -> None:
    q = go_quotient(numerator, denominator)
    assert q == int(numerator / denominator)
    assert abs(q * denominator) <= abs(numerator)


# --- properties over random clusters --------------------------------------------------------------------------

ZONES = st.sampled_from([None, "z1", "z2"])
APPS = st.sampled_from(["a", "b"])
IMAGES = ["img/a:latest", "img/b:latest", "img/c:v1"]


@st.composite
def clusters(draw: st.DrawFn) -> tuple[Pod, Snapshot, tuple[str, ...]]:
    """A random small cluster, an incoming pod exercising every plugin, and a non-empty feasible subset."""
    nodes = []
    for i in range(draw(st.integers(1, 4))):
        zone = draw(ZONES)
        labels = {HOSTNAME: f"n{i}", **({"topology.kubernetes.io/zone": zone} if zone else {})}
        taints = draw(st.lists(st.sampled_from([{"key": "k", "value": "v", "effect": "PreferNoSchedule"},
                                                {"key": "d", "value": "x", "effect": "PreferNoSchedule"}]),
                               unique_by=lambda t: t["key"]))
        images = [{"names": [name], "sizeBytes": draw(st.integers(0, 3000)) * 2**20}
                  for name in draw(st.lists(st.sampled_from(IMAGES), unique=True))]
        allocatable = {"cpu": draw(st.sampled_from(["1", "2", "4"])), "memory": draw(st.sampled_from(["1Gi", "4Gi"])),
                       "pods": "110"}
        nodes.append(make_node(f"n{i}", labels, allocatable, taints, images))
    requests = st.one_of(st.none(), st.fixed_dictionaries({"cpu": st.sampled_from(["0", "100m", "1500m"]),
                                                           "memory": st.sampled_from(["0", "300Mi", "2Gi"])}))
    soft_anti = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 7, "podAffinityTerm": {"topologyKey": HOSTNAME, "labelSelector": {"matchLabels": {"app": "a"}}}}]}}
    pods = tuple(
        make_pod(f"e{i}", node=f"n{draw(st.integers(0, len(nodes) - 1))}", labels={"app": draw(APPS)},
                 requests=[draw(requests)], **({"affinity": soft_anti} if draw(st.booleans()) else {}))
        for i in range(draw(st.integers(0, 6))))
    incoming = make_pod(
        "incoming", labels={"app": draw(APPS)}, requests=[draw(requests)],
        tolerations=[{"key": "k", "operator": "Exists"}] if draw(st.booleans()) else [],
        topologySpreadConstraints=[{"maxSkew": draw(st.integers(1, 3)), "topologyKey": "topology.kubernetes.io/zone",
                                    "whenUnsatisfiable": "ScheduleAnyway",
                                    "labelSelector": {"matchLabels": {"app": "a"}}}] if draw(st.booleans()) else [],
        affinity={
            "nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": draw(st.integers(1, 100)), "preference": {"matchExpressions": [
                    {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["z1"]}]}}]},
            "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": draw(st.integers(1, 100)), "podAffinityTerm": {
                    "topologyKey": "topology.kubernetes.io/zone", "labelSelector": {"matchLabels": {"app": "b"}}}}]},
        } if draw(st.booleans()) else None,
    )
    incoming = attrs.evolve(incoming, spec=attrs.evolve(incoming.spec, containers=tuple(
        attrs.evolve(c, image=draw(st.sampled_from(["img/a", "img/b", "img/c:v1", "other"])))
        for c in incoming.spec.containers)))
    names = tuple(n.name for n in nodes)
    feasible = tuple(draw(st.lists(st.sampled_from(names), min_size=1, unique=True)))
    return incoming, Snapshot(tuple(nodes), pods), feasible


PROFILES = st.sampled_from([
    None,
    FakeProfile(FrozenDict({"NodeResourcesFit": {"scoringStrategy": {"type": "MostAllocated"}}})),
    FakeProfile(FrozenDict({"NodeResourcesFit": {"scoringStrategy": {
        "type": "RequestedToCapacityRatio", "resources": [{"name": "cpu", "weight": 3}, {"name": "memory"}],
        "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]}}},
        "PodTopologySpread": {"defaultingType": "List"},
        "InterPodAffinity": {"hardPodAffinityWeight": 5}})),
])


@settings(max_examples=80, deadline=None)
@given(clusters(), PROFILES)
def test_every_normalized_score_is_within_0_and_100(cluster: tuple[Pod, Snapshot, tuple[str, ...]],
                                                   profile: FakeProfile | None) -> None:
    pod, snapshot, feasible = cluster
    for name in SCORERS:
        _, normalized = run_plugin(name, pod, snapshot, profile, feasible)
        assert set(normalized) == set(feasible)
        assert all(MIN_NODE_SCORE <= s <= MAX_NODE_SCORE for s in normalized.values()), (name, normalized)


@settings(max_examples=60, deadline=None)
@given(clusters(), PROFILES)
def test_the_prescore_state_is_only_a_cache(cluster: tuple[Pod, Snapshot, tuple[str, ...]],
                                           profile: FakeProfile | None) -> None:
    """Score and NormalizeScore without a state give what they give with one; PodTopologySpread's Score
    only when every node is feasible (without a state it takes every snapshot node as feasible)."""
    pod, snapshot, feasible = cluster
    everything = tuple(n.name for n in snapshot.nodes)
    for name in SCORERS:
        for nodes in (feasible, everything):
            if name == "PodTopologySpread" and nodes != everything:
                continue
            assert run_plugin(name, pod, snapshot, profile, nodes, with_state=False) == \
                run_plugin(name, pod, snapshot, profile, nodes), name
