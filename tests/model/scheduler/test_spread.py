"""PodTopologySpread's Filter, ported from ``pkg/scheduler/framework/plugins/podtopologyspread/filtering_test.go``
(TestSingleConstraint, TestMultipleConstraints, the minDomains and node-inclusion-policy cases), plus the
default constraints of ``common.go``/``plugin.go``."""

from __future__ import annotations

from typing import Any

import pytest

from model.objects import ReplicaSet, Service
from model.scheduler.filters import REGISTRY
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.spread import default_selector
from model.scheduler.status import UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE
from tests.model.scheduler.builders import exists, make_node, make_pod, spread

OK = "Success"


def _node(name: str, zone: str | None, *, zone_key: str = "zone", **kwargs: Any) -> Any:
    labels = {"node": name} if zone is None else {zone_key: zone, "node": name}
    return make_node(name, labels, **kwargs)


FOUR = [_node("node-a", "zone1"), _node("node-b", "zone1"), _node("node-x", "zone2"), _node("node-y", "zone2")]


def _existing(*placements: str, labels: dict[str, str] | None = None, **kwargs: Any) -> list[Any]:
    return [
        make_pod(f"p-{i}", node=node, labels={"foo": ""} if labels is None else labels, **kwargs)
        for i, node in enumerate(placements)
    ]


def _codes(pod: Any, nodes: list, pods: list, profile: Profile | None = None) -> dict[str, str]:
    snapshot = Snapshot.of([*nodes, *pods])
    result = {}
    for node in nodes:
        status = REGISTRY["PodTopologySpread"].status(pod, node, snapshot, profile or Profile.default())
        result[node.name] = OK if status is None else status.code
    return result


def _pod(*constraints: dict[str, Any], labels: dict[str, str] | None = None, **spec: Any) -> Any:
    return make_pod(
        labels={"foo": ""} if labels is None else labels, topologySpreadConstraints=list(constraints), **spec
    )


U, UU = UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE

SINGLE = [
    ("no existing pods", _pod(spread(1, "zone", exists("foo"))), FOUR, [], [OK, OK, OK, OK]),
    (
        "no existing pods, incoming pod doesn't match itself",
        _pod(spread(1, "zone", exists("bar"))),
        FOUR,
        [],
        [OK, OK, OK, OK],
    ),
    (
        "existing pods in a different namespace do not count",
        _pod(spread(1, "zone", exists("foo"))),
        FOUR,
        [
            make_pod("a1", namespace="ns1", node="node-a", labels={"foo": ""}),
            make_pod("b1", namespace="ns2", node="node-a", labels={"foo": ""}),
            *_existing("node-x", "node-y"),
        ],
        [OK, OK, U, U],
    ),
    (
        "pods spread across zones as 3/3, all nodes fit",
        _pod(spread(1, "zone", exists("foo"))),
        FOUR,
        _existing("node-a", "node-a", "node-b", "node-y", "node-y", "node-y"),
        [OK, OK, OK, OK],
    ),
    (
        "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
        _pod(spread(1, "zone", exists("foo"))),
        [FOUR[0], _node("node-b", "zone1", zone_key="zon"), FOUR[2], FOUR[3]],
        _existing("node-a", "node-b", "node-x", "node-y"),
        [OK, UU, U, U],
    ),
    ("all nodes lack the 'rack' label", _pod(spread(1, "rack", exists("foo"))), [FOUR[0], FOUR[2]], [], [UU, UU]),
    (
        "pods spread across nodes as 2/1/0/3, only node-x fits",
        _pod(spread(1, "node", exists("foo"))),
        FOUR,
        _existing("node-a", "node-a", "node-b", "node-y", "node-y", "node-y"),
        [U, U, OK, U],
    ),
    (
        "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
        _pod(spread(2, "node", exists("foo"))),
        FOUR,
        _existing("node-a", "node-a", "node-b", "node-y", "node-y", "node-y"),
        [U, OK, OK, U],
    ),
    (
        "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
        _pod(spread(1, "node", exists("foo")), labels={"bar": ""}),
        FOUR,
        _existing("node-a", "node-a", "node-b", "node-y", "node-y", "node-y"),
        [U, OK, OK, U],
    ),
    (
        "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
        _pod(
            spread(1, "node", exists("foo")),
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [{"key": "node", "operator": "In", "values": ["node-a", "node-y"]}]}
                        ]
                    }
                }
            },
        ),
        FOUR,
        _existing("node-a", "node-a", "node-b", "node-y", "node-y", "node-y"),
        [OK, OK, OK, U],
    ),
    (
        "terminating Pods should be excluded",
        _pod(spread(1, "node", exists("foo"))),
        [_node("node-a", None), _node("node-b", None)],
        [
            make_pod("p-a", node="node-a", labels={"foo": ""}, metadata={"deletionTimestamp": 5}),
            make_pod("p-b", node="node-b", labels={"foo": ""}),
        ],
        [OK, U],
    ),
]


@pytest.mark.parametrize("name, pod, nodes, pods, want", SINGLE, ids=[c[0] for c in SINGLE])
def test_single_constraint(name: str, pod: Any, nodes: list, pods: list, want: list[str]) -> None:
    assert list(_codes(pod, nodes, pods).values()) == want


MULTIPLE = [
    (
        "two constraints on zone and node, spreads = [3/3, 2/1/0/3]",
        _pod(spread(1, "zone", exists("foo")), spread(1, "node", exists("foo"))),
        FOUR,
        _existing("node-a", "node-a", "node-b", "node-y", "node-y", "node-y"),
        [U, U, OK, U],
    ),
    (
        "two constraints on zone and node, spreads = [3/4, 2/1/0/4]",
        _pod(spread(1, "zone", exists("foo")), spread(1, "node", exists("foo"))),
        FOUR,
        _existing("node-a", "node-a", "node-b", "node-y", "node-y", "node-y", "node-y"),
        [U, U, U, U],
    ),
    (
        "constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]",
        _pod(spread(1, "zone", exists("foo")), spread(1, "node", exists("bar")), labels={"foo": "", "bar": ""}),
        FOUR,
        [make_pod("p-a1", node="node-a", labels={"foo": ""}), make_pod("p-y1", node="node-y", labels={"bar": ""})],
        [U, U, OK, U],
    ),
]


@pytest.mark.parametrize("name, pod, nodes, pods, want", MULTIPLE, ids=[c[0] for c in MULTIPLE])
def test_multiple_constraints(name: str, pod: Any, nodes: list, pods: list, want: list[str]) -> None:
    assert list(_codes(pod, nodes, pods).values()) == want


def test_min_domains_treats_the_global_minimum_as_zero() -> None:
    """minDomains 3 with two zones: the minimum is 0, so a zone already holding maxSkew pods is full."""
    nodes = [_node("node-a", "zone1"), _node("node-x", "zone2")]
    pods = _existing("node-a", "node-a", "node-x", "node-x")
    with_min = _pod(spread(2, "zone", exists("foo"), minDomains=3))
    without = _pod(spread(2, "zone", exists("foo")))
    assert _codes(with_min, nodes, pods) == {"node-a": U, "node-x": U}
    assert _codes(without, nodes, pods) == {"node-a": OK, "node-x": OK}


def test_node_taints_policy_honor_ignores_untolerated_nodes() -> None:
    """nodeTaintsPolicy Honor: a tainted node's domain does not take part in the minimum."""
    nodes = [_node("node-a", "zone1"), _node("node-x", "zone2", taints=[{"key": "k", "effect": "NoSchedule"}])]
    pods = _existing("node-a")
    honor = _pod(spread(1, "zone", exists("foo"), nodeTaintsPolicy="Honor"))
    ignore = _pod(spread(1, "zone", exists("foo")))
    assert _codes(honor, nodes, pods)["node-a"] == OK
    assert _codes(ignore, nodes, pods)["node-a"] == U


def test_node_affinity_policy_ignore_counts_every_node() -> None:
    nodes = [_node("node-a", "zone1"), _node("node-x", "zone2")]
    pods = _existing("node-a")
    selector = {"node": "node-a"}
    honor = _pod(spread(1, "zone", exists("foo")), nodeSelector=selector)
    ignore = _pod(spread(1, "zone", exists("foo"), nodeAffinityPolicy="Ignore"), nodeSelector=selector)
    assert _codes(honor, nodes, pods)["node-a"] == OK
    assert _codes(ignore, nodes, pods)["node-a"] == U


def test_match_label_keys_split_the_count_by_value() -> None:
    nodes = [_node("node-a", "zone1"), _node("node-x", "zone2")]
    pods = [*_existing("node-a", labels={"foo": "", "rev": "1"}), *_existing("node-a", labels={"foo": "", "rev": "1"})]
    pod = _pod(spread(1, "zone", exists("foo"), matchLabelKeys=["rev"]), labels={"foo": "", "rev": "2"})
    assert _codes(pod, nodes, pods) == {"node-a": OK, "node-x": OK}


def test_schedule_anyway_constraints_never_filter() -> None:
    pod = _pod(spread(1, "node", exists("foo"), when="ScheduleAnyway"))
    pods = _existing("node-a", "node-a", "node-a")
    snapshot = Snapshot.of([*FOUR, *pods])
    assert REGISTRY["PodTopologySpread"].run_pre_filter(pod, snapshot, Profile.default()).skip


def _service(selector: dict[str, str]) -> Service:
    return Service.from_dict({"metadata": {"name": "svc"}, "spec": {"selector": selector}})


def test_default_selector_merges_services_and_the_controller() -> None:
    """helper.DefaultSelector: Services selecting the pod, then its ReplicaSet's selector requirements."""
    rs = ReplicaSet.from_dict(
        {
            "metadata": {"name": "rs"},
            "spec": {
                "selector": {"matchLabels": {"app": "web", "tier": "fe"}},
                "template": {
                    "metadata": {"labels": {"app": "web", "tier": "fe"}},
                    "spec": {"containers": [{"name": "c"}]},
                },
            },
        }
    )
    owner = {
        "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u", "controller": True}
        ]
    }
    pod = make_pod(labels={"app": "web", "tier": "fe"}, metadata=owner)
    snapshot = Snapshot.of([_service({"app": "web"}), _service({"app": "db"}), rs])
    assert str(default_selector(pod, snapshot)) == "app=web,app=web,tier=fe"
    assert default_selector(make_pod(labels={"x": "y"}), snapshot).empty()


def test_list_default_constraints_filter_with_the_default_selector() -> None:
    """PodTopologySpreadArgs ``List`` with a DoNotSchedule default constraint applies to a Service's pods."""
    profile = Profile.from_dict(
        {
            "pluginConfig": [
                {
                    "name": "PodTopologySpread",
                    "args": {
                        "defaultingType": "List",
                        "defaultConstraints": [
                            {"maxSkew": 1, "topologyKey": "node", "whenUnsatisfiable": "DoNotSchedule"}
                        ],
                    },
                }
            ]
        }
    )
    pods = _existing("node-a", labels={"app": "web"})
    pod = make_pod(labels={"app": "web"})
    nodes = FOUR[:2]
    with_service = _codes(pod, nodes, [*pods, _service({"app": "web"})], profile)
    assert with_service == {"node-a": U, "node-b": OK}
    assert _codes(pod, nodes, pods, profile) == {"node-a": OK, "node-b": OK}
    assert _codes(pod, nodes, [*pods, _service({"app": "web"})]) == {"node-a": OK, "node-b": OK}
