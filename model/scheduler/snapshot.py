"""The scheduler's view of the cluster for one scheduling cycle: nodes, pods and the objects plugins read.

Sources (kubernetes/kubernetes):
- ``pkg/scheduler/framework/types.go``: NodeInfo (its pods, the pods with required anti-affinity);
- ``pkg/scheduler/backend/cache/cache.go`` and ``eventhandlers.go``: which pods the scheduler cache holds
  for a node: the pods bound to it (``spec.nodeName``) that are not terminal; a terminating pod
  (``deletionTimestamp`` set) still counts until it is gone;
- ``pkg/scheduler/backend/cache/node_tree.go`` (nodeTree.list) and ``component-helpers/node/topology``
  (GetZoneKey): the order the scheduler scans nodes in, one node of each zone in turn;
- ``pkg/scheduler/backend/queue/nominator.go``: the pods nominated to a node (``status.nominatedNodeName``)
  and not yet bound.

The model runs one kube-scheduler: pods nominated by any profile are honoured. Pods bound to a node the
snapshot lacks count nowhere, as in the scheduler's snapshot (which lists only nodes it has a Node for).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from model.frozendict import FrozenDict
from model.objects import (
    Namespace,
    Node,
    OpaqueObject,
    PersistentVolume,
    PersistentVolumeClaim,
    Pod,
    ReplicaSet,
    ReplicationController,
    Service,
    StatefulSet,
)

ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
BETA_ZONE_LABEL = "failure-domain.beta.kubernetes.io/zone"
BETA_REGION_LABEL = "failure-domain.beta.kubernetes.io/region"


def zone_key(node: Node) -> str:
    """GetZoneKey: ``region:\\x00:zone`` from the GA labels (else the beta ones); "" without either."""
    labels = node.labels
    zone = labels.get(ZONE_LABEL, labels.get(BETA_ZONE_LABEL, ""))
    region = labels.get(REGION_LABEL, labels.get(BETA_REGION_LABEL, ""))
    return "" if not region and not zone else f"{region}:\x00:{zone}"


def tree_order(nodes: Iterable[Node]) -> tuple[Node, ...]:
    """nodeTree.list: zones in the order their first node appears, then the i-th node of each zone in turn."""
    zones: dict[str, list[Node]] = {}
    for node in nodes:
        zones.setdefault(zone_key(node), []).append(node)
    ordered: list[Node] = []
    depth = max((len(members) for members in zones.values()), default=0)
    for i in range(depth):
        ordered.extend(members[i] for members in zones.values() if i < len(members))
    return tuple(ordered)


def has_required_anti_affinity(pod: Pod) -> bool:
    """NodeInfo.PodsWithRequiredAntiAffinity membership."""
    affinity = pod.spec.affinity
    return bool(affinity and affinity.pod_anti_affinity and affinity.pod_anti_affinity.required)


@attrs.frozen
class _Index:
    """Lookups built once per snapshot."""

    nodes: Mapping[str, Node]
    pods_on: Mapping[str, tuple[Pod, ...]]
    nominated: Mapping[str, tuple[Pod, ...]]
    pvcs: Mapping[tuple[str | None, str], PersistentVolumeClaim]
    pvs: Mapping[str, PersistentVolume]
    classes: Mapping[str, OpaqueObject]
    namespaces: Mapping[str, Namespace]
    node_list: tuple[Node, ...]
    bound_keys: frozenset[tuple[str, str | None, str]]


@attrs.frozen
class Snapshot:
    """The objects one scheduling cycle sees. Build it with :meth:`of`.

    ``pods`` holds every pod, bound or not; :meth:`pods_on` is a node's NodeInfo pods. ``services``,
    ``replication_controllers``, ``replica_sets`` and ``stateful_sets`` give PodTopologySpread its
    default selector; ``storage_classes`` (kept as OpaqueObjects) give VolumeBinding the binding mode.
    """

    nodes: tuple[Node, ...] = ()
    pods: tuple[Pod, ...] = ()
    pvcs: tuple[PersistentVolumeClaim, ...] = ()
    pvs: tuple[PersistentVolume, ...] = ()
    namespaces: tuple[Namespace, ...] = ()
    services: tuple[Service, ...] = ()
    replication_controllers: tuple[ReplicationController, ...] = ()
    replica_sets: tuple[ReplicaSet, ...] = ()
    stateful_sets: tuple[StatefulSet, ...] = ()
    storage_classes: tuple[OpaqueObject, ...] = ()
    _index: _Index = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        names = {node.name for node in self.nodes}
        pods_on: dict[str, list[Pod]] = {}
        nominated: dict[str, list[Pod]] = {}
        for pod in self.pods:
            if pod.is_terminated:
                continue
            if pod.node_name:
                if pod.node_name in names:
                    pods_on.setdefault(pod.node_name, []).append(pod)
            elif pod.status.nominated_node_name and pod.metadata.deletion_timestamp is None:
                nominated.setdefault(pod.status.nominated_node_name, []).append(pod)
        index = _Index(
            nodes=FrozenDict({node.name: node for node in self.nodes}),
            pods_on=FrozenDict({name: tuple(pods) for name, pods in pods_on.items()}),
            nominated=FrozenDict({name: tuple(pods) for name, pods in nominated.items()}),
            pvcs=FrozenDict({(pvc.namespace, pvc.name): pvc for pvc in self.pvcs}),
            pvs=FrozenDict({pv.name: pv for pv in self.pvs}),
            classes=FrozenDict({sc.name: sc for sc in self.storage_classes}),
            namespaces=FrozenDict({ns.name: ns for ns in self.namespaces}),
            node_list=tree_order(self.nodes),
            bound_keys=frozenset(pod.key for pods in pods_on.values() for pod in pods),
        )
        object.__setattr__(self, "_index", index)

    @classmethod
    def of(cls, objects: Iterable[Any]) -> Snapshot:
        """A snapshot of the scheduler-relevant objects among ``objects`` (others are ignored)."""
        kinds: dict[str, list[Any]] = {field.name: [] for field in attrs.fields(cls) if field.init}
        by_type = ((Node, "nodes"), (Pod, "pods"), (PersistentVolumeClaim, "pvcs"), (PersistentVolume, "pvs"),
                   (Namespace, "namespaces"), (Service, "services"),
                   (ReplicationController, "replication_controllers"), (ReplicaSet, "replica_sets"),
                   (StatefulSet, "stateful_sets"))
        for obj in objects:
            if isinstance(obj, OpaqueObject):
                if obj.kind == "StorageClass":
                    kinds["storage_classes"].append(obj)
                continue
            for kind, name in by_type:
                if isinstance(obj, kind):
                    kinds[name].append(obj)
                    break
        return cls(**{name: tuple(objs) for name, objs in kinds.items()})

    def node(self, name: str) -> Node:
        """The node called ``name``; KeyError when the snapshot has none."""
        return self._index.nodes[name]

    def has_node(self, name: str) -> bool:
        return name in self._index.nodes

    def pods_on(self, node_name: str) -> tuple[Pod, ...]:
        """NodeInfo.Pods: the non-terminal pods bound to ``node_name``."""
        return self._index.pods_on.get(node_name, ())

    def nominated_pods(self, node_name: str) -> tuple[Pod, ...]:
        """NominatedPodsForNode: unbound, live pods whose ``status.nominatedNodeName`` is ``node_name``."""
        return self._index.nominated.get(node_name, ())

    def is_bound(self, pod: Pod) -> bool:
        """Whether ``pod`` (by kind/namespace/name) counts on one of the snapshot's nodes."""
        return pod.key in self._index.bound_keys

    @property
    def node_list(self) -> tuple[Node, ...]:
        """The nodes in the order the scheduler scans them (nodeTree.list)."""
        return self._index.node_list

    def bound_pods(self) -> Iterable[tuple[Node, Pod]]:
        """Every (node, pod) of every NodeInfo, in node order."""
        for node in self.nodes:
            for pod in self.pods_on(node.name):
                yield node, pod

    def pvc(self, namespace: str | None, name: str) -> PersistentVolumeClaim | None:
        return self._index.pvcs.get((namespace, name))

    def pv(self, name: str) -> PersistentVolume | None:
        return self._index.pvs.get(name)

    def storage_class(self, name: str) -> OpaqueObject | None:
        return self._index.classes.get(name)

    def namespace(self, name: str | None) -> Namespace | None:
        return self._index.namespaces.get(name) if name is not None else None

    def namespace_labels(self, name: str | None) -> Mapping[str, str]:
        """GetNamespaceLabelsSnapshot: the namespace's labels, empty when it is not known."""
        namespace = self.namespace(name)
        return namespace.labels if namespace is not None else FrozenDict()

    def with_pods(self, pods: Iterable[Pod]) -> Snapshot:
        """The same cluster with ``pods`` as its pods."""
        return attrs.evolve(self, pods=tuple(pods))
