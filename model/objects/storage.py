"""PersistentVolume and PersistentVolumeClaim.

Source: staging/src/k8s.io/api/core/v1/types.go; defaulting from pkg/apis/core/v1/defaults.go
(SetDefaults_PersistentVolume: reclaim policy Retain, volumeMode Filesystem, phase Pending;
SetDefaults_PersistentVolumeClaim: volumeMode Filesystem, phase Pending).
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from model.frozendict import FrozenDict
from model.objects.meta import KubeObject, LabelSelector, ObjectMeta, ObjectReference, metadata_field
from model.objects.pod import NodeSelector
from model.schema import RAW, RESOURCE_LIST, STR, Serializable, enum, field, list_of, nested

ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
VOLUME_MODES = ("Filesystem", "Block")


@attrs.frozen
class VolumeNodeAffinity(Serializable):
    required: NodeSelector | None = field("required", nested(NodeSelector))


@attrs.frozen
class PersistentVolumeSpec(Serializable):
    capacity: FrozenDict = field("capacity", RESOURCE_LIST, FrozenDict())
    access_modes: tuple[str, ...] = field("accessModes", list_of(enum(*ACCESS_MODES)), ())
    persistent_volume_reclaim_policy: str = field(
        "persistentVolumeReclaimPolicy", enum("Retain", "Delete", "Recycle"), "Retain")
    storage_class_name: str | None = field("storageClassName", STR)
    claim_ref: ObjectReference | None = field("claimRef", nested(ObjectReference))
    node_affinity: VolumeNodeAffinity | None = field("nodeAffinity", nested(VolumeNodeAffinity))
    volume_mode: str = field("volumeMode", enum(*VOLUME_MODES), "Filesystem")
    host_path: Any = field("hostPath", RAW)
    local: Any = field("local", RAW)
    nfs: Any = field("nfs", RAW)
    csi: Any = field("csi", RAW)
    mount_options: tuple[str, ...] = field("mountOptions", list_of(STR), ())


@attrs.frozen
class PersistentVolumeStatus(Serializable):
    phase: str = field("phase", enum("Pending", "Available", "Bound", "Released", "Failed"), "Pending")


@attrs.frozen
class PersistentVolume(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "PersistentVolume"
    NAMESPACED: ClassVar[bool] = False
    RESOURCE: ClassVar[str] = "persistentvolumes"

    metadata: ObjectMeta = metadata_field()
    spec: PersistentVolumeSpec = field("spec", nested(PersistentVolumeSpec), PersistentVolumeSpec())
    status: PersistentVolumeStatus = field("status", nested(PersistentVolumeStatus), PersistentVolumeStatus())


@attrs.frozen
class VolumeResourceRequirements(Serializable):
    """core/v1 VolumeResourceRequirements: unlike a container's, limits are not copied into requests."""

    requests: FrozenDict = field("requests", RESOURCE_LIST, FrozenDict())
    limits: FrozenDict = field("limits", RESOURCE_LIST, FrozenDict())


@attrs.frozen
class PersistentVolumeClaimSpec(Serializable):
    access_modes: tuple[str, ...] = field("accessModes", list_of(enum(*ACCESS_MODES)), ())
    resources: VolumeResourceRequirements = field(
        "resources", nested(VolumeResourceRequirements), VolumeResourceRequirements())
    storage_class_name: str | None = field("storageClassName", STR)
    volume_name: str | None = field("volumeName", STR)
    volume_mode: str = field("volumeMode", enum(*VOLUME_MODES), "Filesystem")
    selector: LabelSelector | None = field("selector", nested(LabelSelector))


@attrs.frozen
class PersistentVolumeClaimStatus(Serializable):
    phase: str = field("phase", enum("Pending", "Bound", "Lost"), "Pending")
    capacity: FrozenDict = field("capacity", RESOURCE_LIST, FrozenDict())
    access_modes: tuple[str, ...] = field("accessModes", list_of(enum(*ACCESS_MODES)), ())


@attrs.frozen
class PersistentVolumeClaim(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "PersistentVolumeClaim"
    RESOURCE: ClassVar[str] = "persistentvolumeclaims"

    metadata: ObjectMeta = metadata_field()
    spec: PersistentVolumeClaimSpec = field("spec", nested(PersistentVolumeClaimSpec), PersistentVolumeClaimSpec())
    status: PersistentVolumeClaimStatus = field(
        "status", nested(PersistentVolumeClaimStatus), PersistentVolumeClaimStatus())


@attrs.frozen
class PersistentVolumeClaimTemplate(Serializable):
    """A StatefulSet's volumeClaimTemplates entry: a PVC without identity of its own."""

    metadata: ObjectMeta = field("metadata", nested(ObjectMeta), ObjectMeta())
    spec: PersistentVolumeClaimSpec = field("spec", nested(PersistentVolumeClaimSpec), PersistentVolumeClaimSpec())
