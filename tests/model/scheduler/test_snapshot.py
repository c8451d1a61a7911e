"""The scheduler's snapshot: which pods a NodeInfo holds, nominated pods, and the nodeTree scan order
(``pkg/scheduler/backend/cache/node_tree_test.go`` TestNodeTree_List-style zone interleaving)."""

from __future__ import annotations

from model.objects import OpaqueObject, Service
from model.scheduler.snapshot import Snapshot, tree_order, zone_key
from tests.model.scheduler.builders import make_node, make_pod, make_pvc


def _zoned(name: str, zone: str, region: str = "r") -> object:
    return make_node(name, {"topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": region})


def test_node_info_holds_live_bound_pods() -> None:
    nodes = [make_node("a"), make_node("b")]
    pods = [
        make_pod("running", node="a"),
        make_pod("done", node="a", status={"phase": "Succeeded"}),
        make_pod("failed", node="a", status={"phase": "Failed"}),
        make_pod("leaving", node="a", metadata={"deletionTimestamp": 3}),
        make_pod("pending"),
        make_pod("ghost", node="gone"),
    ]
    snapshot = Snapshot.of([*nodes, *pods])
    assert [p.name for p in snapshot.pods_on("a")] == ["running", "leaving"]
    assert snapshot.pods_on("b") == () and snapshot.pods_on("gone") == ()
    assert len(snapshot.pods) == 6 and snapshot.is_bound(pods[0]) and not snapshot.is_bound(pods[4])


def test_nominated_pods_are_unbound_and_live() -> None:
    waiting = make_pod("waiting", status={"nominatedNodeName": "a"})
    deleted = make_pod("deleted", status={"nominatedNodeName": "a"}, metadata={"deletionTimestamp": 1})
    bound = make_pod("bound", node="b", status={"nominatedNodeName": "a"})
    snapshot = Snapshot.of([make_node("a"), make_node("b"), waiting, deleted, bound])
    assert snapshot.nominated_pods("a") == (waiting,)


def test_snapshot_of_sorts_objects_by_kind() -> None:
    sc = OpaqueObject.from_dict(
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"}, "provisioner": "x"}
    )
    cm = OpaqueObject.from_dict({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    svc = Service.from_dict({"metadata": {"name": "s"}, "spec": {"selector": {"a": "b"}}})
    pvc = make_pvc("data")
    snapshot = Snapshot.of([sc, cm, svc, pvc, make_node("n")])
    assert snapshot.storage_class("fast") is sc and snapshot.services == (svc,)
    assert snapshot.pvc("default", "data") is pvc and snapshot.node("n").name == "n"


def test_zone_key() -> None:
    assert zone_key(_zoned("a", "z1", "r1")) == "r1:\x00:z1"
    assert zone_key(make_node("b", {"failure-domain.beta.kubernetes.io/zone": "z"})) == ":\x00:z"
    assert zone_key(make_node("c")) == ""


def test_tree_order_interleaves_zones() -> None:
    """nodeTree.list: one node of each zone in turn, zones in first-seen order."""
    nodes = [
        _zoned("a1", "a"),
        _zoned("a2", "a"),
        _zoned("a3", "a"),
        _zoned("b1", "b"),
        _zoned("c1", "c"),
        _zoned("c2", "c"),
    ]
    assert [n.name for n in tree_order(nodes)] == ["a1", "b1", "c1", "a2", "c2", "a3"]
    assert [n.name for n in Snapshot.of(nodes).node_list] == ["a1", "b1", "c1", "a2", "c2", "a3"]
