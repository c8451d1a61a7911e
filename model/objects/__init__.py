"""The Kubernetes kinds the model reads, as frozen attrs classes with ``from_dict``/``to_dict``."""

from model.objects.autoscaling import HorizontalPodAutoscaler, NodeMetrics, PodMetrics
from model.objects.cluster import Namespace, Node, PriorityClass, ServiceAccount
from model.objects.disruption import PodDisruptionBudget
from model.objects.meta import KubeObject, LabelSelector, ObjectMeta, OwnerReference
from model.objects.network import Endpoints, Service
from model.objects.opaque import OpaqueObject
from model.objects.pod import Container, Pod, PodSpec, PodTemplateSpec
from model.objects.policy import LimitRange, ResourceQuota
from model.objects.rbac import ClusterRole, ClusterRoleBinding, Role, RoleBinding
from model.objects.storage import PersistentVolume, PersistentVolumeClaim
from model.objects.workloads import DaemonSet, Deployment, Job, ReplicaSet, ReplicationController, StatefulSet

MODELLED_KINDS: tuple[type[KubeObject], ...] = (
    Namespace, Node, Pod, Service, Endpoints, PersistentVolume, PersistentVolumeClaim, ResourceQuota,
    LimitRange, Role, ClusterRole, RoleBinding, ClusterRoleBinding, ReplicationController, ReplicaSet,
    Deployment, DaemonSet, Job, StatefulSet, PriorityClass, ServiceAccount, HorizontalPodAutoscaler, PodMetrics,
    NodeMetrics, PodDisruptionBudget,
)
"""Every kind the model interprets; anything else loads as an :class:`OpaqueObject`."""

__all__ = [
    "MODELLED_KINDS", "ClusterRole", "ClusterRoleBinding", "Container", "DaemonSet", "Deployment", "Endpoints",
    "HorizontalPodAutoscaler", "Job", "KubeObject", "LabelSelector", "LimitRange", "Namespace", "Node", "NodeMetrics",
    "ObjectMeta", "OpaqueObject", "OwnerReference", "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodMetrics",
    "PodDisruptionBudget",
    "PodSpec", "PodTemplateSpec", "PriorityClass", "ReplicaSet", "ReplicationController", "ResourceQuota", "Role",
    "RoleBinding", "Service", "ServiceAccount", "StatefulSet",
]
