"""InterPodAffinity's Filter, ported from
``pkg/scheduler/framework/plugins/interpodaffinity/filtering_test.go`` (TestRequiredAffinitySingleNode,
TestRequiredAffinityMultipleNodes), plus namespaceSelector and matchLabelKeys cases."""

from __future__ import annotations

from typing import Any

import pytest

from model.objects import Namespace
from model.scheduler import filters
from model.scheduler.filters import REGISTRY
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from tests.model.scheduler.builders import affinity_term, make_node, make_pod, pod_affinity

AFFINITY = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules"

POD_LABEL = {"service": "securityscan"}
POD_LABEL2 = {"security": "S1"}
NODE1 = make_node("node1", {"region": "r1", "zone": "z11"})
EXISTING_POD = make_pod("existing", labels=POD_LABEL, node="node1")


def _in(key: str, topology: str, *values: str) -> dict[str, Any]:
    return affinity_term(key, "In", list(values), topology)


def _not_in(key: str, topology: str, *values: str) -> dict[str, Any]:
    return affinity_term(key, "NotIn", list(values), topology)


def _exists(key: str, topology: str) -> dict[str, Any]:
    return affinity_term(key, "Exists", None, topology)


SINGLE_NODE = [
    (
        "affinity In matches the existing pod",
        POD_LABEL2,
        pod_affinity([_in("service", "region", "securityscan", "value2")]),
        [EXISTING_POD],
        None,
    ),
    (
        "affinity NotIn matches the existing pod",
        POD_LABEL2,
        pod_affinity([_not_in("service", "region", "securityscan3", "value3")]),
        [EXISTING_POD],
        None,
    ),
    (
        "affinity in another namespace does not match",
        POD_LABEL2,
        pod_affinity(
            [{**_in("service", "", "securityscan", "value2"), "namespaces": ["DiffNameSpace"], "topologyKey": "region"}]
        ),
        [make_pod("x", namespace="ns", labels=POD_LABEL, node="node1")],
        AFFINITY,
    ),
    (
        "unmatching label selector",
        POD_LABEL,
        pod_affinity([_in("service", "region", "antivirusscan", "value2")]),
        [EXISTING_POD],
        AFFINITY,
    ),
    (
        "several terms, all matched",
        POD_LABEL2,
        pod_affinity(
            [
                {
                    "labelSelector": {
                        "matchExpressions": [
                            {"key": "service", "operator": "Exists"},
                            {"key": "wrongkey", "operator": "DoesNotExist"},
                        ]
                    },
                    "topologyKey": "region",
                },
                {
                    "labelSelector": {
                        "matchExpressions": [
                            {"key": "service", "operator": "In", "values": ["securityscan"]},
                            {"key": "service", "operator": "NotIn", "values": ["WrongValue"]},
                        ]
                    },
                    "topologyKey": "region",
                },
            ]
        ),
        [EXISTING_POD],
        None,
    ),
    (
        "requirements are ANDed",
        POD_LABEL2,
        pod_affinity(
            [
                {
                    "labelSelector": {
                        "matchExpressions": [
                            {"key": "service", "operator": "Exists"},
                            {"key": "wrongkey", "operator": "DoesNotExist"},
                        ]
                    },
                    "topologyKey": "region",
                },
                {
                    "labelSelector": {
                        "matchExpressions": [
                            {"key": "service", "operator": "In", "values": ["securityscan2"]},
                            {"key": "service", "operator": "NotIn", "values": ["WrongValue"]},
                        ]
                    },
                    "topologyKey": "region",
                },
            ]
        ),
        [EXISTING_POD],
        AFFINITY,
    ),
    (
        "affinity and anti-affinity satisfied",
        POD_LABEL2,
        pod_affinity(
            [_in("service", "region", "securityscan", "value2")], [_in("service", "node", "antivirusscan", "value2")]
        ),
        [EXISTING_POD],
        None,
    ),
    (
        "affinity, anti-affinity and symmetry satisfied",
        POD_LABEL2,
        pod_affinity(
            [_in("service", "region", "securityscan", "value2")], [_in("service", "node", "antivirusscan", "value2")]
        ),
        [
            make_pod(
                "x",
                labels=POD_LABEL,
                node="node1",
                affinity=pod_affinity(anti_affinity=[_in("service", "node", "antivirusscan", "value2")]),
            )
        ],
        None,
    ),
    (
        "affinity satisfied, anti-affinity not",
        POD_LABEL2,
        pod_affinity(
            [_in("service", "region", "securityscan", "value2")], [_in("service", "zone", "securityscan", "value2")]
        ),
        [EXISTING_POD],
        ANTI_AFFINITY,
    ),
    (
        "affinity and anti-affinity satisfied, symmetry not",
        POD_LABEL,
        pod_affinity(
            [_in("service", "region", "securityscan", "value2")], [_in("service", "node", "antivirusscan", "value2")]
        ),
        [
            make_pod(
                "x",
                labels=POD_LABEL,
                node="node1",
                affinity=pod_affinity(anti_affinity=[_in("service", "zone", "securityscan", "value2")]),
            )
        ],
        EXISTING,
    ),
    (
        "pod matches its own NotIn term but a pod elsewhere exists",
        POD_LABEL,
        pod_affinity([_not_in("service", "region", "securityscan", "value2")]),
        [make_pod("x", labels=POD_LABEL, node="node2")],
        AFFINITY,
    ),
    (
        "existing anti-affinity applies to a pod without affinity",
        POD_LABEL,
        {},
        [
            make_pod(
                "x",
                labels=POD_LABEL,
                node="node1",
                affinity=pod_affinity(anti_affinity=[_in("service", "zone", "securityscan", "value2")]),
            )
        ],
        EXISTING,
    ),
    (
        "existing anti-affinity that does not select the pod",
        POD_LABEL,
        {},
        [
            make_pod(
                "x",
                labels=POD_LABEL,
                node="node1",
                affinity=pod_affinity(anti_affinity=[_not_in("service", "zone", "securityscan", "value2")]),
            )
        ],
        None,
    ),
    (
        "anti-affinity to the existing pod, symmetric",
        POD_LABEL,
        pod_affinity(anti_affinity=[_exists("service", "region"), _exists("security", "region")]),
        [
            make_pod(
                "x", labels=POD_LABEL2, node="node1", affinity=pod_affinity(anti_affinity=[_exists("security", "zone")])
            )
        ],
        ANTI_AFFINITY,
    ),
    (
        "symmetry a1",
        POD_LABEL,
        pod_affinity(anti_affinity=[_exists("service", "zone"), _exists("security", "zone")]),
        [
            make_pod(
                "x", labels=POD_LABEL2, node="node1", affinity=pod_affinity(anti_affinity=[_exists("security", "zone")])
            )
        ],
        ANTI_AFFINITY,
    ),
    (
        "symmetry a2",
        POD_LABEL2,
        pod_affinity(anti_affinity=[_exists("security", "zone")]),
        [
            make_pod(
                "x",
                labels=POD_LABEL,
                node="node1",
                affinity=pod_affinity(anti_affinity=[_exists("service", "zone"), _exists("security", "zone")]),
            )
        ],
        EXISTING,
    ),
    (
        "symmetry b1",
        {"abc": "", "xyz": ""},
        pod_affinity(anti_affinity=[_exists("abc", "zone"), _exists("def", "zone")]),
        [
            make_pod(
                "x",
                labels={"def": "", "xyz": ""},
                node="node1",
                affinity=pod_affinity(anti_affinity=[_exists("abc", "zone"), _exists("def", "zone")]),
            )
        ],
        ANTI_AFFINITY,
    ),
    (
        "symmetry b2",
        {"def": "", "xyz": ""},
        pod_affinity(anti_affinity=[_exists("abc", "zone"), _exists("def", "zone")]),
        [
            make_pod(
                "x",
                labels={"abc": "", "xyz": ""},
                node="node1",
                affinity=pod_affinity(anti_affinity=[_exists("abc", "zone"), _exists("def", "zone")]),
            )
        ],
        ANTI_AFFINITY,
    ),
]


@pytest.mark.parametrize("name, labels, affinity, pods, want", SINGLE_NODE, ids=[c[0] for c in SINGLE_NODE])
def test_required_affinity_single_node(name: str, labels: dict, affinity: dict, pods: list, want: str | None) -> None:
    pod = make_pod(labels=labels, affinity=affinity or None)
    assert filters.inter_pod_affinity(pod, NODE1, Snapshot.of([NODE1, *pods])) == want


def test_pre_filter_skips_when_nothing_can_reject() -> None:
    """TestRequiredAffinitySingleNode: no terms and no existing anti-affinity mean Skip."""
    snapshot = Snapshot.of([NODE1, EXISTING_POD])
    assert REGISTRY["InterPodAffinity"].run_pre_filter(make_pod(), snapshot, Profile.default()).skip


ZONE_NODES = [
    make_node("nodeA", {"region": "r1", "zone": "z1", "hostname": "nodeA"}),
    make_node("nodeB", {"region": "r1", "zone": "z2", "hostname": "nodeB"}),
    make_node("nodeC", {"region": "r2", "zone": "z3", "hostname": "nodeC"}),
]


def _verdicts(pod: Any, pods: list) -> dict[str, str | None]:
    snapshot = Snapshot.of([*ZONE_NODES, *pods])
    return {node.name: filters.inter_pod_affinity(pod, node, snapshot) for node in ZONE_NODES}


def test_affinity_follows_the_topology_domain() -> None:
    """TestRequiredAffinityMultipleNodes: a match in region r1 admits every r1 node, not r2's."""
    pod = make_pod(labels={"foo": "bar"}, affinity=pod_affinity([_in("foo", "region", "bar")]))
    existing = make_pod("e", labels={"foo": "bar"}, node="nodeA")
    assert _verdicts(pod, [existing]) == {"nodeA": None, "nodeB": None, "nodeC": AFFINITY}


def test_first_pod_of_a_group_matching_its_own_terms_goes_anywhere() -> None:
    """satisfyPodAffinity's exception: no pod matches anywhere and the pod matches its own terms."""
    pod = make_pod(labels={"foo": "bar"}, affinity=pod_affinity([_in("foo", "region", "bar")]))
    assert _verdicts(pod, []) == {"nodeA": None, "nodeB": None, "nodeC": None}


def test_affinity_requires_the_topology_key_on_the_node() -> None:
    pod = make_pod(labels={"foo": "bar"}, affinity=pod_affinity([_in("foo", "rack", "bar")]))
    assert set(_verdicts(pod, []).values()) == {AFFINITY}


def test_anti_affinity_blocks_the_whole_domain() -> None:
    pod = make_pod(affinity=pod_affinity(anti_affinity=[_in("app", "region", "db")]))
    existing = make_pod("db", labels={"app": "db"}, node="nodeB")
    assert _verdicts(pod, [existing]) == {"nodeA": ANTI_AFFINITY, "nodeB": ANTI_AFFINITY, "nodeC": None}


def test_existing_anti_affinity_is_symmetric() -> None:
    pod = make_pod(labels={"app": "web"})
    existing = make_pod("db", node="nodeC", affinity=pod_affinity(anti_affinity=[_in("app", "zone", "web")]))
    assert _verdicts(pod, [existing]) == {"nodeA": None, "nodeB": None, "nodeC": EXISTING}


def test_namespace_selector_picks_namespaces_by_label() -> None:
    """An affinity term's namespaceSelector: pods in namespaces it selects count; {} selects all."""
    team = Namespace.from_dict({"metadata": {"name": "team", "labels": {"team": "a"}}})
    other = Namespace.from_dict({"metadata": {"name": "other"}})
    existing = make_pod("e", namespace="team", labels={"foo": "bar"}, node="nodeA")
    term = _in("foo", "zone", "bar")
    for selector, want in (
        ({"matchLabels": {"team": "a"}}, None),
        ({"matchLabels": {"team": "b"}}, AFFINITY),
        ({}, None),
    ):
        pod = make_pod(labels={"x": "y"}, affinity=pod_affinity([{**term, "namespaceSelector": selector}]))
        snapshot = Snapshot.of([*ZONE_NODES, team, other, existing])
        assert filters.inter_pod_affinity(pod, ZONE_NODES[0], snapshot) == want


def test_match_label_keys_narrow_the_selector() -> None:
    """matchLabelKeys: only pods with the incoming pod's value for the key count."""
    term = {**_exists("app", "hostname"), "matchLabelKeys": ["version"]}
    pod = make_pod(labels={"app": "web", "version": "v2"}, affinity=pod_affinity(anti_affinity=[term]))
    old = make_pod("old", labels={"app": "web", "version": "v1"}, node="nodeA")
    new = make_pod("new", labels={"app": "web", "version": "v2"}, node="nodeB")
    assert _verdicts(pod, [old, new]) == {"nodeA": None, "nodeB": ANTI_AFFINITY, "nodeC": None}
