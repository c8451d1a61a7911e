"""Livelock scenarios for the exhaustive explorer's lasso search, each with a twin that converges.

The evict/recreate loop (one of the livelocks Kivi reports, Liu et al., USENIX ATC 2024): a Deployment's pod
template sets ``nodeName`` to a node with a NoExecute taint its pods do not tolerate. The pods skip the scheduler
and land there; taint-based eviction deletes each one at once (no toleration, so no ``tolerationSeconds``:
pkg/controller/tainteviction/taint_eviction.go), and the ReplicaSet controller creates the next: the ReplicaSet
never has its replicas. Its twin pins the pods to an untainted node and converges.
"""

from __future__ import annotations

from model.manifests import load_text
from properties.explore import Scenario

NODES = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Node
  metadata: {name: node-b, labels: {kubernetes.io/hostname: node-b}}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Node
  metadata: {name: node-c, labels: {kubernetes.io/hostname: node-c}}
  spec: {taints: [{key: maintenance, value: "true", effect: NoExecute}]}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
"""

PINNED_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: %s
      containers: [{name: web, image: "shop/web:1", resources: {requests: {cpu: 100m, memory: 64Mi}}}]
"""

LIVENESS = ("replicasets-converge", "deployments-complete")
"""The properties the loop breaks (its pods are also created where they are not tolerated, which the safety
property ``pods-placed-only-where-tolerated`` flags at once; the lasso is about what happens after)."""


def evict_recreate(twin: bool = False) -> Scenario:
    """The evict/recreate loop on three nodes (``twin``: the same Deployment pinned to an untainted node)."""
    node = "node-a" if twin else "node-c"
    objects = tuple(load_text(NODES, "nodes") + load_text(PINNED_DEPLOYMENT % node, "deployment"))
    return Scenario("evict-recreate-twin" if twin else "evict-recreate", objects)
