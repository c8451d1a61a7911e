"""Known upstream bugs the model re-creates under a ModelConfig variant, each with a small scenario in which
exploration finds it, and the property it breaks.

The faithful configuration runs the same scenarios without finding anything (tested).
"""

from __future__ import annotations


import attrs

from model.config import ModelConfig
from model.manifests import load_text
from properties.explore import Scenario

NODES = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a, topology.kubernetes.io/zone: a}}
  status:
    capacity: {cpu: "4", memory: 8Gi, pods: "20"}
    conditions: [{type: Ready, status: "True"}]
- apiVersion: v1
  kind: Node
  metadata: {name: node-b, labels: {kubernetes.io/hostname: node-b, topology.kubernetes.io/zone: b}}
  status:
    capacity: {cpu: "4", memory: 8Gi, pods: "20"}
    conditions: [{type: Ready, status: "True"}]
- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
"""

REPLICASET = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cart, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers: [{name: cart, image: "shop/cart:1", resources: {requests: {cpu: 100m, memory: 64Mi}}}]
"""


@attrs.frozen
class Variant:
    """A re-created upstream bug: its name (a ModelConfig variant), the issue it re-creates, the property
    exploration breaks with it on, and the scenario to explore."""

    name: str
    reference: str
    property: str
    summary: str
    manifests: str
    faults: frozenset[str] = frozenset()
    user_budget: int = 0

    def scenario(self, faithful: bool = False) -> Scenario:
        variants = frozenset() if faithful else frozenset({self.name})
        config = ModelConfig(faults=self.faults, variants=variants)
        objects = tuple(load_text(NODES, "nodes") + load_text(self.manifests, self.name))
        return Scenario(self.name if not faithful else f"{self.name} (faithful)", objects, config, self.user_budget)


VARIANTS: tuple[Variant, ...] = (
    Variant(
        "replicaset-no-expectations",
        "https://github.com/kubernetes/kubernetes/issues/129795",
        "replicaset-never-exceeds-replicas",
        "A ReplicaSet controller without expectations acts on a cache that has not seen its own creates and "
        "creates more pods than replicas.",
        REPLICASET,
    ),
)

BY_NAME: dict[str, Variant] = {v.name: v for v in VARIANTS}


def variant(name: str) -> Variant:
    if name not in BY_NAME:
        raise ValueError(f'unknown variant "{name}" (see `kubeproof variants`)')
    return BY_NAME[name]


