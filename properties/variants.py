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


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "shop/web:v1", resources: {requests: {cpu: 100m, memory: 64Mi}},
         readinessProbe: {httpGet: {path: /, port: 80}}}
"""

TAINTED_NODE = """
apiVersion: v1
kind: Node
metadata: {name: node-gpu, labels: {kubernetes.io/hostname: node-gpu}}
spec:
  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "20"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "shop/agent:1", resources: {requests: {cpu: 50m, memory: 32Mi}}}]
"""

QUOTA_AND_PODS = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: pods, namespace: shop}
spec: {hard: {pods: "1"}}
---
apiVersion: v1
kind: Pod
metadata: {name: first, namespace: shop}
spec: {containers: [{name: c, image: "shop/job:1"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: second, namespace: shop}
spec: {containers: [{name: c, image: "shop/job:1"}]}
"""

STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "shop/db:1", resources: {requests: {cpu: 100m, memory: 64Mi}}}]
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
    settled: bool = False
    kubectl: bool = True

    def scenario(self, faithful: bool = False) -> Scenario:
        variants = frozenset() if faithful else frozenset({self.name})
        config = ModelConfig(faults=self.faults, variants=variants)
        objects = tuple(load_text(NODES, "nodes") + load_text(self.manifests, self.name))
        return Scenario(self.name if not faithful else f"{self.name} (faithful)", objects, config, self.user_budget,
                        self.settled, self.kubectl)


VARIANTS: tuple[Variant, ...] = (
    Variant(
        "replicaset-no-expectations",
        "https://github.com/kubernetes/kubernetes/issues/129795",
        "replicaset-never-exceeds-replicas",
        "A ReplicaSet controller without expectations acts on a cache that has not seen its own creates and "
        "creates more pods than replicas.",
        REPLICASET,
    ),
    Variant(
        "deployment-ignores-max-unavailable",
        "https://github.com/kubernetes/kubernetes/issues/21810",
        "deployment-keeps-min-available",
        "During a rolling update the Deployment controller scales the old ReplicaSet down by however many pods "
        "exceed replicas, before the new pods are available, so availability drops below replicas - "
        "maxUnavailable.",
        DEPLOYMENT,
        user_budget=1,
        settled=True,
    ),
    Variant(
        "daemonset-bypasses-scheduler",
        "https://github.com/kubernetes/kubernetes/issues/16967",
        "pods-placed-only-where-tolerated",
        "The DaemonSet controller binds its pods itself and ignores taints and cordoning, so a daemon pod lands on "
        "a node whose NoSchedule taint it does not tolerate.",
        TAINTED_NODE,
    ),
    Variant(
        "stale-quota-apiservers",
        "https://github.com/kubernetes/kubernetes/issues/24494",
        "quota-never-exceeded",
        "A second API server admits against a stale ResourceQuota and charges it without a resourceVersion "
        "precondition, so two creates together exceed the quota.",
        QUOTA_AND_PODS,
    ),
    Variant(
        "force-delete-partitioned",
        "https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/",
        "statefulset-at-most-one-pod-per-identity",
        "The user force-deletes a StatefulSet pod whose node is partitioned, not down: the controller recreates the "
        "identity on the other node while the partitioned kubelet still runs the old pod.",
        STATEFULSET,
        faults=frozenset({"partition"}),
        user_budget=1,
        settled=True,
        kubectl=False,
    ),
    Variant(
        "kubelet-stale-cache-after-restart",
        "https://github.com/kubernetes/kubernetes/issues/59848",
        "statefulset-at-most-one-pod-per-identity",
        "A StatefulSet pod's node crashes and the user force-deletes the pod; its replacement runs on the other node. "
        "The crashed node comes back and its kubelet, listing from a stale watch cache, restarts the deleted pod.",
        STATEFULSET,
        faults=frozenset({"node-crash"}),
        user_budget=1,
        settled=True,
        kubectl=False,
    ),
)

BY_NAME: dict[str, Variant] = {v.name: v for v in VARIANTS}


def variant(name: str) -> Variant:
    if name not in BY_NAME:
        raise ValueError(f'unknown variant "{name}" (see `kubeproof variants`)')
    return BY_NAME[name]


