"""The node-local Filter plugins, with upstream's test tables ported.

Sources (kubernetes/kubernetes, ``pkg/scheduler/framework/plugins/``):
``nodeunschedulable/node_unschedulable_test.go`` (TestNodeUnschedulable), ``nodename/node_name_test.go``
(TestNodeName), ``tainttoleration/taint_toleration_test.go`` (TestTaintTolerationFilter; current upstream's
reason no longer names the taint), ``nodeaffinity/node_affinity_test.go`` (TestNodeAffinity, Filter and
PreFilter results), ``nodeports/node_ports_test.go`` (TestNodePorts), ``noderesources/fit_test.go``
(TestEnoughRequests, the unresolvable-status cases).
"""

from __future__ import annotations

from typing import Any

import pytest

from model.scheduler import filters
from model.scheduler.filters import REGISTRY
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE
from tests.model.scheduler.builders import make_node, make_pod

UNTOLERATED = "node(s) had untolerated taint(s)"
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"


def _status(plugin: str, pod: Any, node: Any, pods: tuple = (), profile: Profile | None = None) -> Any:
    snapshot = Snapshot.of([node, *pods])
    return REGISTRY[plugin].status(pod, node, snapshot, profile or Profile.default())


# --- NodeUnschedulable: TestNodeUnschedulable --------------------------------------------------------


@pytest.mark.parametrize(
    "unschedulable, tolerations, want",
    [
        (True, [], "node(s) were unschedulable"),
        (False, [], None),
        (True, [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}], None),
    ],
)
def test_node_unschedulable(unschedulable: bool, tolerations: list, want: str | None) -> None:
    node = make_node("n", unschedulable=unschedulable)
    pod = make_pod(tolerations=tolerations)
    assert filters.node_unschedulable(pod, node, Snapshot.of([node])) == want
    if want:
        assert _status("NodeUnschedulable", pod, node).code == UNSCHEDULABLE_AND_UNRESOLVABLE


# --- NodeName: TestNodeName ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pod_node, node_name, want",
    [
        (None, "foo", None),
        ("foo", "foo", None),
        ("bar", "foo", "node(s) didn't match the requested node name"),
    ],
)
def test_node_name(pod_node: str | None, node_name: str, want: str | None) -> None:
    node = make_node(node_name)
    assert filters.node_name(make_pod(node=pod_node), node, Snapshot.of([node])) == want


# --- TaintToleration: TestTaintTolerationFilter --------------------------------------------------------

TAINT_CASES = [
    (
        "no tolerations vs a NoSchedule taint",
        [],
        [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}],
        UNTOLERATED,
    ),
    (
        "tolerated by key, value and effect",
        [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}],
        [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}],
        None,
    ),
    (
        "value differs",
        [{"key": "dedicated", "operator": "Equal", "value": "user2", "effect": "NoSchedule"}],
        [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}],
        UNTOLERATED,
    ),
    (
        "Exists tolerates any value",
        [{"key": "foo", "operator": "Exists", "effect": "NoSchedule"}],
        [{"key": "foo", "value": "bar", "effect": "NoSchedule"}],
        None,
    ),
    (
        "several tolerations, several taints, all tolerated",
        [
            {"key": "dedicated", "operator": "Equal", "value": "user2", "effect": "NoSchedule"},
            {"key": "foo", "operator": "Exists", "effect": "NoSchedule"},
        ],
        [
            {"key": "dedicated", "value": "user2", "effect": "NoSchedule"},
            {"key": "foo", "value": "bar", "effect": "NoSchedule"},
        ],
        None,
    ),
    (
        "a non-empty toleration effect must equal the taint's",
        [{"key": "foo", "operator": "Equal", "value": "bar", "effect": "PreferNoSchedule"}],
        [{"key": "foo", "value": "bar", "effect": "NoSchedule"}],
        UNTOLERATED,
    ),
    (
        "an empty toleration effect matches every effect",
        [{"key": "foo", "operator": "Equal", "value": "bar"}],
        [{"key": "foo", "value": "bar", "effect": "NoSchedule"}],
        None,
    ),
    (
        "PreferNoSchedule taints never filter",
        [{"key": "dedicated", "operator": "Equal", "value": "user2", "effect": "NoSchedule"}],
        [{"key": "dedicated", "value": "user1", "effect": "PreferNoSchedule"}],
        None,
    ),
    (
        "PreferNoSchedule taints never filter, no tolerations",
        [],
        [{"key": "dedicated", "value": "user1", "effect": "PreferNoSchedule"}],
        None,
    ),
    ("NoExecute taints filter too", [], [{"key": "k", "effect": "NoExecute"}], UNTOLERATED),
]


@pytest.mark.parametrize("name, tolerations, taints, want", TAINT_CASES, ids=[c[0] for c in TAINT_CASES])
def test_taint_toleration(name: str, tolerations: list, taints: list, want: str | None) -> None:
    node = make_node("nodeA", taints=taints)
    pod = make_pod(tolerations=tolerations)
    assert filters.taint_toleration(pod, node, Snapshot.of([node])) == want
    if want:
        assert _status("TaintToleration", pod, node).code == UNSCHEDULABLE_AND_UNRESOLVABLE


# --- NodeAffinity: TestNodeAffinity ----------------------------------------------------------------------


def _required(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def _expr(key: str, operator: str, values: list[str] | None = None) -> dict[str, Any]:
    return {"key": key, "operator": operator, **({"values": values} if values is not None else {})}


def _name_in(*names: str) -> dict[str, Any]:
    return {"key": "metadata.name", "operator": "In", "values": list(names)}


NODE_AFFINITY_CASES = [
    ("missing labels", {"nodeSelector": {"foo": "bar"}}, {}, "", NODE_AFFINITY, None),
    ("same labels", {"nodeSelector": {"foo": "bar"}}, {"foo": "bar"}, "", None, None),
    ("node labels are superset", {"nodeSelector": {"foo": "bar"}}, {"foo": "bar", "baz": "blah"}, "", None, None),
    (
        "node labels are subset",
        {"nodeSelector": {"foo": "bar", "baz": "blah"}},
        {"foo": "bar"},
        "",
        NODE_AFFINITY,
        None,
    ),
    (
        "In matches",
        {"affinity": _required({"matchExpressions": [_expr("foo", "In", ["bar", "value2"])]})},
        {"foo": "bar"},
        "",
        None,
        None,
    ),
    (
        "Gt matches",
        {"affinity": _required({"matchExpressions": [_expr("kernel-version", "Gt", ["0204"])]})},
        {"kernel-version": "0206"},
        "",
        None,
        None,
    ),
    (
        "NotIn matches",
        {"affinity": _required({"matchExpressions": [_expr("mem-type", "NotIn", ["DDR", "DDR2"])]})},
        {"mem-type": "DDR3"},
        "",
        None,
        None,
    ),
    (
        "Exists matches",
        {"affinity": _required({"matchExpressions": [_expr("GPU", "Exists")]})},
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        None,
        None,
    ),
    (
        "affinity does not match",
        {"affinity": _required({"matchExpressions": [_expr("foo", "In", ["value1", "value2"])]})},
        {"foo": "bar"},
        "",
        NODE_AFFINITY,
        None,
    ),
    (
        "empty matchExpressions match nothing",
        {"affinity": _required({"matchExpressions": []})},
        {"foo": "bar"},
        "",
        NODE_AFFINITY,
        None,
    ),
    ("no affinity", {}, {"foo": "bar"}, "", None, None),
    (
        "expressions ANDed, match",
        {
            "affinity": _required(
                {"matchExpressions": [_expr("GPU", "Exists"), _expr("GPU", "NotIn", ["AMD", "INTER"])]}
            )
        },
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        None,
        None,
    ),
    (
        "expressions ANDed, no match",
        {"affinity": _required({"matchExpressions": [_expr("GPU", "Exists"), _expr("GPU", "In", ["AMD", "INTER"])]})},
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        NODE_AFFINITY,
        None,
    ),
    (
        "terms ORed",
        {
            "affinity": _required(
                {"matchExpressions": [_expr("foo", "In", ["bar", "value2"])]},
                {"matchExpressions": [_expr("diffkey", "In", ["wrong", "value2"])]},
            )
        },
        {"foo": "bar"},
        "",
        None,
        None,
    ),
    (
        "affinity and nodeSelector both satisfied",
        {"nodeSelector": {"foo": "bar"}, "affinity": _required({"matchExpressions": [_expr("foo", "Exists")]})},
        {"foo": "bar"},
        "",
        None,
        None,
    ),
    (
        "affinity satisfied, nodeSelector not",
        {"nodeSelector": {"foo": "bar"}, "affinity": _required({"matchExpressions": [_expr("foo", "Exists")]})},
        {"foo": "barrrrrr"},
        "",
        NODE_AFFINITY,
        None,
    ),
    (
        "an invalid value in a term matches nothing",
        {"affinity": _required({"matchExpressions": [_expr("foo", "NotIn", ["invalid value: ___@#$%^"])]})},
        {"foo": "bar"},
        "",
        NODE_AFFINITY,
        None,
    ),
    (
        "matchFields In matches the node",
        {"affinity": _required({"matchFields": [_name_in("node1")]})},
        {},
        "node1",
        None,
        frozenset({"node1"}),
    ),
    (
        "matchFields In does not match the node",
        {"affinity": _required({"matchFields": [_name_in("node1")]})},
        {},
        "node2",
        NODE_AFFINITY,
        frozenset({"node1"}),
    ),
    (
        "two terms: matchFields fails, matchExpressions matches",
        {
            "affinity": _required(
                {"matchFields": [_name_in("node1"), _name_in("node2")]},
                {"matchExpressions": [_expr("foo", "In", ["bar"])]},
            )
        },
        {"foo": "bar"},
        "node2",
        None,
        None,
    ),
    (
        "one term: matchFields fails, matchExpressions matches",
        {
            "affinity": _required(
                {"matchFields": [_name_in("node1")], "matchExpressions": [_expr("foo", "In", ["bar"])]}
            )
        },
        {"foo": "bar"},
        "node2",
        NODE_AFFINITY,
        frozenset({"node1"}),
    ),
    (
        "one term: both match",
        {
            "affinity": _required(
                {"matchFields": [_name_in("node1")], "matchExpressions": [_expr("foo", "In", ["bar"])]}
            )
        },
        {"foo": "bar"},
        "node1",
        None,
        frozenset({"node1"}),
    ),
    (
        "two terms: neither matches",
        {
            "affinity": _required(
                {"matchFields": [_name_in("node1")]}, {"matchExpressions": [_expr("foo", "In", ["not-match-to-bar"])]}
            )
        },
        {"foo": "bar"},
        "node2",
        NODE_AFFINITY,
        None,
    ),
    (
        "two terms of node name affinity",
        {"affinity": _required({"matchFields": [_name_in("node1")]}, {"matchFields": [_name_in("node2")]})},
        {},
        "node2",
        None,
        frozenset({"node1", "node2"}),
    ),
]


@pytest.mark.parametrize(
    "name, spec, labels, node_name, want, shortlist", NODE_AFFINITY_CASES, ids=[c[0] for c in NODE_AFFINITY_CASES]
)
def test_node_affinity(
    name: str, spec: dict, labels: dict, node_name: str, want: str | None, shortlist: frozenset | None
) -> None:
    node = make_node(node_name or "n", labels)
    pod = make_pod(**spec)
    snapshot = Snapshot.of([node])
    assert filters.node_affinity(pod, node, snapshot) == want
    assert REGISTRY["NodeAffinity"].run_pre_filter(pod, snapshot, Profile.default()).node_names == shortlist


def test_node_affinity_pre_filter_skips_pods_without_node_constraints() -> None:
    """TestNodeAffinity: "Pod with no Affinity" and "Affinity but nil NodeSelector" return Skip."""
    node = make_node("n", {"foo": "bar"})
    for pod in (make_pod(), make_pod(affinity={"nodeAffinity": {}})):
        assert REGISTRY["NodeAffinity"].run_pre_filter(pod, Snapshot.of([node]), Profile.default()).skip


def test_node_affinity_conflicting_match_fields_reject_at_pre_filter() -> None:
    """TestNodeAffinity "Pod with two conflicting mach field requirements": errReasonConflict."""
    pod = make_pod(affinity=_required({"matchFields": [_name_in("node1"), _name_in("node2")]}))
    node = make_node("node2", {"foo": "bar"})
    pre = REGISTRY["NodeAffinity"].run_pre_filter(pod, Snapshot.of([node]), Profile.default())
    assert pre.status is not None and pre.status.reasons == ("pod affinity terms conflict",)
    assert pre.status.code == UNSCHEDULABLE_AND_UNRESOLVABLE


def _added(*terms: dict[str, Any]) -> Profile:
    return Profile.from_dict(
        {
            "pluginConfig": [
                {
                    "name": "NodeAffinity",
                    "args": {
                        "addedAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}
                        }
                    },
                }
            ]
        }
    )


@pytest.mark.parametrize(
    "spec, want",
    [
        ({"affinity": _required({"matchExpressions": [_expr("zone", "In", ["foo"])]})}, None),
        ({"affinity": _required({"matchExpressions": [_expr("zone", "In", ["bar"])]})}, NODE_AFFINITY),
    ],
)
def test_node_affinity_with_added_affinity(spec: dict, want: str | None) -> None:
    """TestNodeAffinity: "Matches added affinity and Pod's node affinity" / "... but not Pod's"."""
    node = make_node("node2", {"zone": "foo"})
    profile = _added({"matchFields": [_name_in("node2")]})
    assert filters.node_affinity(make_pod(**spec), node, Snapshot.of([node]), profile) == want


def test_node_affinity_scheduler_enforced_affinity() -> None:
    """TestNodeAffinity "Doesn't match added affinity": errReasonEnforced, even for a pod without affinity."""
    node = make_node("node2", {"zone": "foo"})
    profile = _added({"matchExpressions": [_expr("zone", "In", ["bar"])]})
    assert (
        filters.node_affinity(make_pod(), node, Snapshot.of([node]), profile)
        == "node(s) didn't match scheduler-enforced node affinity"
    )


# --- NodePorts: TestNodePorts ----------------------------------------------------------------------------


def _ports(*infos: str) -> list[dict[str, Any]]:
    """newPod's "PROTOCOL/hostIP/hostPort" strings."""
    result = []
    for info in infos:
        protocol, ip, port = info.split("/")
        result.append({"containerPort": int(port), "protocol": protocol, "hostIP": ip, "hostPort": int(port)})
    return result


NODE_PORT_CASES = [
    ("other port", ["UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/9090"], False),
    ("same udp port", ["UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/8080"], True),
    ("same tcp port", ["TCP/127.0.0.1/8080"], ["TCP/127.0.0.1/8080"], True),
    ("different host ip", ["TCP/127.0.0.1/8080"], ["TCP/127.0.0.2/8080"], False),
    ("different protocol", ["UDP/127.0.0.1/8080"], ["TCP/127.0.0.1/8080"], False),
    ("second udp port conflict", ["UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"], ["UDP/127.0.0.1/8080"], True),
    (
        "first tcp port conflict",
        ["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"],
        ["TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081"],
        True,
    ),
    ("first tcp port conflict due to 0.0.0.0 hostIP", ["TCP/0.0.0.0/8001"], ["TCP/127.0.0.1/8001"], True),
    (
        "TCP hostPort conflict due to 0.0.0.0 hostIP",
        ["TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"],
        ["TCP/127.0.0.1/8001"],
        True,
    ),
    ("second tcp port conflict to 0.0.0.0 hostIP", ["TCP/127.0.0.1/8001"], ["TCP/0.0.0.0/8001"], True),
    ("second different protocol", ["UDP/127.0.0.1/8001"], ["TCP/0.0.0.0/8001"], False),
    (
        "UDP hostPort conflict due to 0.0.0.0 hostIP",
        ["UDP/127.0.0.1/8001"],
        ["TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001"],
        True,
    ),
]


@pytest.mark.parametrize("name, wanted, used, conflict", NODE_PORT_CASES, ids=[c[0] for c in NODE_PORT_CASES])
def test_node_ports(name: str, wanted: list[str], used: list[str], conflict: bool) -> None:
    node = make_node("m1")
    existing = make_pod("existing", node="m1", ports=_ports(*used))
    pod = make_pod(ports=_ports(*wanted))
    want = "node(s) didn't have free ports for the requested pod ports" if conflict else None
    assert filters.node_ports(pod, node, Snapshot.of([node, existing])) == want
    if conflict:
        assert _status("NodePorts", pod, node, (existing,)).code == UNSCHEDULABLE


def test_node_ports_pre_filter_skips_pods_without_host_ports() -> None:
    """TestNodePorts "skip filter" and "non-sidecar initContainer using hostPort"."""
    node = make_node("m1")
    init = make_pod(initContainers=[{"name": "i", "ports": [{"containerPort": 8001, "hostPort": 8001}]}])
    for pod in (make_pod(), init):
        assert REGISTRY["NodePorts"].run_pre_filter(pod, Snapshot.of([node]), Profile.default()).skip


def test_node_ports_sidecar_host_ports_conflict() -> None:
    """TestNodePorts "TCP hostPort conflict from sidecar initContainer"."""
    node = make_node("m1")
    existing = make_pod("existing", node="m1", ports=_ports("TCP/0.0.0.0/8001"))
    pod = make_pod(
        initContainers=[{"name": "i", "restartPolicy": "Always", "ports": [{"containerPort": 8001, "hostPort": 8001}]}]
    )
    assert filters.node_ports(pod, node, Snapshot.of([node, existing])) is not None


def test_host_network_ports_are_host_ports() -> None:
    """With hostNetwork every container port is a host port (SetDefaults_Pod), so two such pods clash."""
    node = make_node("m1")
    existing = make_pod("existing", node="m1", hostNetwork=True, ports=[{"containerPort": 80}])
    pod = make_pod(hostNetwork=True, ports=[{"containerPort": 80}])
    assert filters.node_ports(pod, node, Snapshot.of([node, existing])) is not None


# --- NodeResourcesFit: TestEnoughRequests (codes) --------------------------------------------------------


def test_node_resources_fit_reports_every_insufficient_resource() -> None:
    node = make_node("n", cpu="10", memory="20")
    used = make_pod("used", node="n", requests={"cpu": "5", "memory": "19"})
    pod = make_pod(requests={"cpu": "8", "memory": "2"})
    assert filters.node_resources_fit(pod, node, Snapshot.of([node, used])) == "Insufficient cpu, Insufficient memory"
    assert _status("NodeResourcesFit", pod, node, (used,)).code == UNSCHEDULABLE


def test_node_resources_fit_beyond_allocatable_is_unresolvable() -> None:
    """fitsRequest's Unresolvable: a request larger than the node's whole allocatable."""
    node = make_node("n", cpu="10", memory="20")
    pod = make_pod(requests={"cpu": "11"})
    status = _status("NodeResourcesFit", pod, node)
    assert status.reasons == ("Insufficient cpu",) and status.code == UNSCHEDULABLE_AND_UNRESOLVABLE


def test_node_resources_fit_pod_count_is_resolvable() -> None:
    node = make_node("n", pods="1")
    used = make_pod("used", node="n")
    status = _status("NodeResourcesFit", make_pod(), node, (used,))
    assert status.reasons == ("Too many pods",) and status.code == UNSCHEDULABLE


def test_terminal_pods_free_their_resources() -> None:
    node = make_node("n", cpu="1")
    done = make_pod("done", node="n", requests={"cpu": "1"}, status={"phase": "Succeeded"})
    assert filters.node_resources_fit(make_pod(requests={"cpu": "1"}), node, Snapshot.of([node, done])) is None


def test_registry_order_is_upstreams() -> None:
    """The modelled Filter plugins keep default_plugins.go's order."""
    assert list(filters.FILTERS) == [name for name in Profile.default().filters if name not in filters.NOT_MODELLED]
