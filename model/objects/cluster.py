"""Cluster-level kinds: Namespace, Node, PriorityClass, ServiceAccount.

Sources: staging/src/k8s.io/api/core/v1/types.go, staging/src/k8s.io/api/scheduling/v1/types.go;
defaulting from pkg/apis/core/v1/defaults.go (SetDefaults_NodeStatus, SetDefaults_NamespaceStatus) and
pkg/apis/scheduling/v1/defaults.go.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from model.errors import join_path
from model.frozendict import FrozenDict
from model.objects.meta import KubeObject, ObjectMeta, metadata_field
from model.schema import (
    BOOL,
    INT,
    RAW,
    RESOURCE_LIST,
    STR,
    TIMESTAMP,
    Serializable,
    enum,
    field,
    list_of,
    nested,
    require,
)
from model.taints import Taint

METADATA_NAME_LABEL = "kubernetes.io/metadata.name"
"""v1.LabelMetadataName, which namespaceSelectors match a namespace by."""


@attrs.frozen
class NamespaceSpec(Serializable):
    finalizers: tuple[str, ...] = field("finalizers", list_of(STR), ())


@attrs.frozen
class NamespaceCondition(Serializable):
    """core/v1 NamespaceCondition: what the namespace controller reports while deleting a namespace's content."""

    type: str = field("type", STR, required=True)
    status: str = field("status", enum("True", "False", "Unknown"), required=True)
    last_transition_time: int | str | None = field("lastTransitionTime", TIMESTAMP)
    reason: str | None = field("reason", STR)
    message: str | None = field("message", STR)


@attrs.frozen
class NamespaceStatus(Serializable):
    phase: str = field("phase", enum("Active", "Terminating"), "Active")
    conditions: tuple[NamespaceCondition, ...] = field("conditions", list_of(nested(NamespaceCondition)), ())

    def condition(self, type_: str) -> NamespaceCondition | None:
        return next((c for c in self.conditions if c.type == type_), None)


@attrs.frozen
class Namespace(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "Namespace"
    NAMESPACED: ClassVar[bool] = False
    RESOURCE: ClassVar[str] = "namespaces"

    metadata: ObjectMeta = metadata_field()
    spec: NamespaceSpec = field("spec", nested(NamespaceSpec), NamespaceSpec())
    status: NamespaceStatus = field("status", nested(NamespaceStatus), NamespaceStatus())

    def _defaulted(self, path: str) -> Namespace:
        """SetDefaults_Namespace: the immutable label ``kubernetes.io/metadata.name`` holds the name."""
        name = self.metadata.name
        if not name or self.metadata.labels.get(METADATA_NAME_LABEL) == name:
            return self
        return attrs.evolve(self, metadata=attrs.evolve(self.metadata,
                                                        labels=self.metadata.labels.set(METADATA_NAME_LABEL, name)))

    @property
    def is_terminating(self) -> bool:
        return self.status.phase == "Terminating" or self.metadata.deletion_timestamp is not None


@attrs.frozen
class NodeSpec(Serializable):
    unschedulable: bool = field("unschedulable", BOOL, False)
    taints: tuple[Taint, ...] = field("taints", list_of(nested(Taint)), ())
    provider_id: str | None = field("providerID", STR)
    pod_cidr: str | None = field("podCIDR", STR)


@attrs.frozen
class NodeCondition(Serializable):
    type: str = field("type", STR, required=True)
    status: str = field("status", enum("True", "False", "Unknown"), required=True)
    reason: str | None = field("reason", STR)
    message: str | None = field("message", STR)
    last_heartbeat_time: int | str | None = field("lastHeartbeatTime", TIMESTAMP)
    last_transition_time: int | str | None = field("lastTransitionTime", TIMESTAMP)


@attrs.frozen
class NodeStatus(Serializable):
    """core/v1 NodeStatus; ``allocatable`` defaults to ``capacity`` (SetDefaults_NodeStatus)."""

    capacity: FrozenDict = field("capacity", RESOURCE_LIST, FrozenDict())
    allocatable: FrozenDict = field("allocatable", RESOURCE_LIST, FrozenDict())
    conditions: tuple[NodeCondition, ...] = field("conditions", list_of(nested(NodeCondition)), ())
    addresses: Any = field("addresses", RAW)
    images: Any = field("images", RAW)

    def _defaulted(self, path: str) -> NodeStatus:
        if not self.allocatable and self.capacity:
            return attrs.evolve(self, allocatable=self.capacity)
        return self

    def condition(self, type_: str) -> NodeCondition | None:
        return next((c for c in self.conditions if c.type == type_), None)


@attrs.frozen
class Node(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "Node"
    NAMESPACED: ClassVar[bool] = False
    RESOURCE: ClassVar[str] = "nodes"

    metadata: ObjectMeta = metadata_field()
    spec: NodeSpec = field("spec", nested(NodeSpec), NodeSpec())
    status: NodeStatus = field("status", nested(NodeStatus), NodeStatus())

    @property
    def allocatable(self) -> FrozenDict:
        return self.status.allocatable

    @property
    def taints(self) -> tuple[Taint, ...]:
        return self.spec.taints

    @property
    def is_ready(self) -> bool:
        """The Ready condition is True (a node with no conditions yet is not ready)."""
        ready = self.status.condition("Ready")
        return ready is not None and ready.status == "True"


@attrs.frozen
class PriorityClass(KubeObject):
    """scheduling/v1 PriorityClass: ``value`` for pods naming it; ``globalDefault`` for pods naming none."""

    API_VERSION: ClassVar[str] = "scheduling.k8s.io/v1"
    KIND: ClassVar[str] = "PriorityClass"
    NAMESPACED: ClassVar[bool] = False
    RESOURCE: ClassVar[str] = "priorityclasses"

    metadata: ObjectMeta = metadata_field()
    value: int = field("value", INT, required=True)
    global_default: bool = field("globalDefault", BOOL, False)
    preemption_policy: str = field("preemptionPolicy", enum("PreemptLowerPriority", "Never"), "PreemptLowerPriority")
    description: str | None = field("description", STR)

    def _defaulted(self, path: str) -> PriorityClass:
        """ValidatePriorityClass: user classes may not exceed HighestUserDefinablePriority (1e9)."""
        name = self.metadata.name or ""
        if not name.startswith("system-"):
            require(self.value <= 1_000_000_000, f"Invalid value: {self.value}: maximum allowed value of a user "
                    "defined priority is 1000000000", join_path(path, "value"))
        return self


@attrs.frozen
class ServiceAccount(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "ServiceAccount"
    RESOURCE: ClassVar[str] = "serviceaccounts"

    metadata: ObjectMeta = metadata_field()
    automount_service_account_token: bool | None = field("automountServiceAccountToken", BOOL)
    secrets: Any = field("secrets", RAW)
    image_pull_secrets: Any = field("imagePullSecrets", RAW)


