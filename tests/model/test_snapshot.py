"""model.snapshot: a snapshot's pods whose owners it lacks are reported and kept as orphans, where the garbage
collector would otherwise delete them (issue 18: coredns and kube-proxy vanished within ~25 steps)."""

from __future__ import annotations

from model.cluster import initial_state
from model.config import DEFAULT_CONFIG
from model.manifests import load_text
from model.snapshot import Orphan, orphaned, orphans_warning
from model.state import ClusterState
from properties.explore import converge

SNAPSHOT = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1, uid: u-n1, resourceVersion: "5"}
  status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Pod
  metadata:
    name: coredns-abc
    namespace: kube-system
    uid: u-p1
    resourceVersion: "7"
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: coredns-5d, uid: u-rs1, controller: true}]
  spec: {nodeName: n1, containers: [{name: coredns, image: coredns}]}
  status: {phase: Running}
- apiVersion: v1
  kind: Pod
  metadata:
    name: kube-apiserver-n1
    namespace: kube-system
    uid: u-p2
    resourceVersion: "8"
    ownerReferences: [{apiVersion: v1, kind: Node, name: n1, uid: u-n1, controller: true}]
  spec: {nodeName: n1, containers: [{name: apiserver, image: kube-apiserver}]}
  status: {phase: Running}
"""


def pods_after_convergence(objects: list) -> set[str]:
    state: ClusterState = converge(initial_state(objects), DEFAULT_CONFIG, (), [])
    return {p.name for p in state.store.list("Pod")}


def test_dangling_owner_references_are_removed_and_reported() -> None:
    objects = load_text(SNAPSHOT)
    kept, orphans = orphaned(objects)
    assert orphans == [Orphan("Pod", "kube-system", "coredns-abc", "ReplicaSet", "coredns-5d")]
    coredns = next(o for o in kept if o.name == "coredns-abc")
    assert coredns.metadata.owner_references == ()
    mirror = next(o for o in kept if o.name == "kube-apiserver-n1")  # its owner, the Node, is in the snapshot
    assert mirror == next(o for o in objects if o.name == "kube-apiserver-n1")
    assert "Pod kube-system/coredns-abc (owner ReplicaSet coredns-5d)" in orphans_warning(orphans)


def test_orphans_survive_where_the_garbage_collector_would_delete_them() -> None:
    objects = load_text(SNAPSHOT)
    assert "coredns-abc" not in pods_after_convergence(objects)  # upstream GC: every owner absent -> deleted
    kept, _ = orphaned(objects)
    assert pods_after_convergence(kept) == {"coredns-abc", "kube-apiserver-n1"}


def test_owners_in_the_snapshot_keep_their_dependents() -> None:
    owner = """\
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: coredns-5d, namespace: kube-system, uid: u-rs1, resourceVersion: "3"}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec: {containers: [{name: coredns, image: coredns}]}
"""
    objects = load_text(SNAPSHOT + owner)
    kept, orphans = orphaned(objects)
    assert orphans == [] and kept == objects
