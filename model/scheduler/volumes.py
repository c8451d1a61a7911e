"""The volume Filter plugins: VolumeRestrictions (ReadWriteOncePod), VolumeBinding and VolumeZone.

Sources (kubernetes/kubernetes):
- ``pkg/scheduler/framework/plugins/volumerestrictions/volume_restrictions.go``: PreFilter
  (readWriteOncePodPVCsForPod, the conflicting-reference count over every NodeInfo's PVCRefCounts), Filter;
- ``pkg/scheduler/framework/plugins/volumebinding/volume_binding.go``: podHasPVCs, PreFilter, Filter;
- ``pkg/scheduler/framework/plugins/volumebinding/binder.go``: GetPodVolumeClaims, GetEligibleNodes,
  FindPodVolumes (its reasons and their order, and the PodVolumes decisions Reserve and PreBind use:
  :mod:`model.scheduler.volume_binding`), checkBoundClaims, findMatchingVolumes, checkVolumeProvisions;
  ``pkg/scheduler/util/utils.go`` GetLocalPersistentVolumeNodeNames;
- ``staging/src/k8s.io/component-helpers/storage/volume/pv_helpers.go``: FindMatchingVolume,
  IsVolumeBoundToClaim, GetBindVolumeToClaim (shared with the PV controller), CheckAccessModes,
  CheckVolumeModeMismatches, GetPersistentVolumeClass, GetPersistentVolumeClaimClass; ``helpers.go``
  IsDelayBindingMode, CheckNodeAffinity;
- ``pkg/scheduler/framework/plugins/volumezone/volume_zone.go``: PreFilter (getPVbyPod), Filter;
- ``staging/src/k8s.io/component-helpers/storage/ephemeral/ephemeral.go``: VolumeClaimName, VolumeIsForPod.
Doc: https://kubernetes.io/docs/concepts/storage/persistent-volumes/ and .../storage-classes/#volume-binding-mode

What is modelled: a PVC is bound when it names a volume and is bind-completed (the
``pv.kubernetes.io/bind-completed`` annotation, or ``status.phase: Bound`` as the model's PV controller
records it). StorageClasses are read from OpaqueObjects (``volumeBindingMode`` absent means Immediate, the
API default; ``provisioner``, ``allowedTopologies``). Not modelled: inline-disk conflicts (GCE PD, EBS,
RBD, iSCSI sources are not parsed), CSI migration, CSIStorageCapacity (provisioning always has room),
VolumeAttributesClasses, and NodeVolumeLimits (needs CSINode objects).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from model.affinity import node_selector_matches
from model.objects import Node, OpaqueObject, PersistentVolume, PersistentVolumeClaim, Pod
from model.objects.meta import ObjectReference, selector_of
from model.objects.pod import Volume
from model.quantity import Quantity
from model.scheduler.plugin import SKIP, PreFilterResult
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import Status

READ_WRITE_ONCE_POD = "ReadWriteOncePod"
ERR_RWOP_CONFLICT = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_NODE_CONFLICT = "node(s) didn't match PersistentVolume's node affinity"
ERR_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
ERR_ZONE_CONFLICT = "node(s) had no available volume zone"

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"
LABEL_HOSTNAME = "kubernetes.io/hostname"
TOPOLOGY_LABELS = ("failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
                   "topology.kubernetes.io/zone", "topology.kubernetes.io/region")
_GA_LABEL = {"failure-domain.beta.kubernetes.io/zone": "topology.kubernetes.io/zone",
             "failure-domain.beta.kubernetes.io/region": "topology.kubernetes.io/region"}


def claim_name(pod: Pod, volume: Volume) -> str | None:
    """The PVC a volume uses: ``persistentVolumeClaim.claimName``, or ``<pod>-<volume>`` for a generic
    ephemeral volume (ephemeral.VolumeClaimName); None for other sources."""
    if volume.persistent_volume_claim is not None:
        return volume.persistent_volume_claim.claim_name
    if volume.ephemeral is not None:
        return f"{pod.name}-{volume.name}"
    return None


def _not_found(resource: str, name: str) -> str:
    """apierrors.NewNotFound(...).Error()."""
    return f'{resource} "{name}" not found'


def pvc_class(pvc: PersistentVolumeClaim) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation, else ``spec.storageClassName``, else ""."""
    return pvc.metadata.annotations.get(ANN_STORAGE_CLASS, pvc.spec.storage_class_name or "")


def pv_class(pv: PersistentVolume) -> str:
    """GetPersistentVolumeClass."""
    return pv.metadata.annotations.get(ANN_STORAGE_CLASS, pv.spec.storage_class_name or "")


def _class_field(storage_class: OpaqueObject, name: str, default: Any) -> Any:
    return storage_class.body.get(name, default)


def is_bound(pvc: PersistentVolumeClaim) -> bool:
    """isPVCFullyBound: a volume name and a completed bind (annotation, or phase Bound in the model)."""
    return bool(pvc.spec.volume_name) and (ANN_BIND_COMPLETED in pvc.metadata.annotations
                                          or pvc.status.phase == "Bound")


def is_delay_binding(pvc: PersistentVolumeClaim, snapshot: Snapshot) -> bool:
    """IsDelayBindingMode: the claim's class exists and binds WaitForFirstConsumer."""
    name = pvc_class(pvc)
    storage_class = snapshot.storage_class(name) if name else None
    return storage_class is not None and _class_field(storage_class, "volumeBindingMode", "Immediate") \
        == WAIT_FOR_FIRST_CONSUMER


def pv_matches_node(pv: PersistentVolume, node: Node) -> bool:
    """CheckNodeAffinity: the PV's required node affinity matches the node's labels (fields ignored)."""
    required = pv.spec.node_affinity.required if pv.spec.node_affinity else None
    return required is None or node_selector_matches(required, node, match_fields=False)


def _pod_claims(pod: Pod) -> Iterable[tuple[Volume, str]]:
    for volume in pod.spec.volumes:
        name = claim_name(pod, volume)
        if name is not None:
            yield volume, name


# --- VolumeRestrictions ---------------------------------------------------------------------------

def restrictions_pre_filter(pod: Pod, snapshot: Snapshot, profile: Profile) -> PreFilterResult:
    """VolumeRestrictions PreFilter: the pod's ReadWriteOncePod claims, and how many of them live pods use."""
    rwop: list[str] = []
    for volume in pod.spec.volumes:
        if volume.persistent_volume_claim is None:
            continue
        name = volume.persistent_volume_claim.claim_name
        pvc = snapshot.pvc(pod.namespace, name)
        if pvc is None:
            return PreFilterResult(status=Status.unresolvable(_not_found("persistentvolumeclaim", name)))
        if READ_WRITE_ONCE_POD in pvc.spec.access_modes:
            rwop.append(name)
    used = {(other.namespace, name) for _, other in snapshot.bound_pods() for _, name in _pod_claims(other)}
    conflicts = sum(1 for name in rwop if (pod.namespace, name) in used)
    return SKIP if conflicts == 0 else PreFilterResult(state=conflicts)


def restrictions_filter(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile, state: int) -> Status | None:
    """VolumeRestrictions Filter: a ReadWriteOncePod claim already in use blocks every node."""
    return Status.unschedulable(ERR_RWOP_CONFLICT) if state > 0 else None


# --- VolumeBinding --------------------------------------------------------------------------------

@attrs.frozen
class PodVolumeClaims:
    """GetPodVolumeClaims: the pod's bound claims and its unbound WaitForFirstConsumer claims."""

    bound: tuple[PersistentVolumeClaim, ...]
    delayed: tuple[PersistentVolumeClaim, ...]


def _claim_problem(pod: Pod, volume: Volume, name: str, pvc: PersistentVolumeClaim | None) -> str | None:
    """podHasPVCs' errors for one claim."""
    if pvc is None:
        if volume.ephemeral is not None:
            return f'waiting for ephemeral volume controller to create the persistentvolumeclaim "{name}"'
        return _not_found("persistentvolumeclaim", name)
    if pvc.status.phase == "Lost":
        return f'persistentvolumeclaim "{name}" bound to non-existent persistentvolume "{pvc.spec.volume_name or ""}"'
    if pvc.metadata.deletion_timestamp is not None:
        return f'persistentvolumeclaim "{name}" is being deleted'
    if volume.ephemeral is not None:
        owner = pvc.metadata.controller_ref()
        if owner is None or owner.uid != pod.metadata.uid:
            return (f"PVC {pvc.namespace}/{pvc.name} was not created for pod {pod.namespace}/{pod.name} "
                    "(pod is not owner)")
    return None


def _local_node_names(pv: PersistentVolume) -> frozenset[str]:
    """GetLocalPersistentVolumeNodeNames: the hostname values a PV's node affinity pins it to."""
    required = pv.spec.node_affinity.required if pv.spec.node_affinity else None
    result: set[str] = set()
    for term in required.node_selector_terms if required else ():
        nodes: set[str] | None = None
        for expr in term.match_expressions:
            if expr.key == LABEL_HOSTNAME and expr.operator == "In":
                nodes = set(expr.values) if nodes is None else nodes & set(expr.values)
        result |= nodes or set()
    return frozenset(result)


def _eligible_nodes(bound: Sequence[PersistentVolumeClaim], snapshot: Snapshot) -> frozenset[str] | None:
    """GetEligibleNodes: the nodes every bound local PV allows; None when unrestricted or a PV is missing."""
    eligible: frozenset[str] | None = None
    for pvc in bound:
        pv = snapshot.pv(pvc.spec.volume_name or "")
        if pv is None:
            return None
        names = _local_node_names(pv)
        if names:
            eligible = names if eligible is None else eligible & names
    return eligible


def binding_pre_filter(pod: Pod, snapshot: Snapshot, profile: Profile) -> PreFilterResult:
    """VolumeBinding PreFilter: reject missing, lost, deleting or unbound-Immediate claims; Skip without
    claims; narrow to the nodes bound local volumes allow."""
    claims = [(volume, name, snapshot.pvc(pod.namespace, name)) for volume, name in _pod_claims(pod)]
    if not claims:
        return SKIP
    for volume, name, pvc in claims:
        problem = _claim_problem(pod, volume, name, pvc)
        if problem is not None:
            return PreFilterResult(status=Status.unresolvable(problem))
    bound, delayed, immediate = [], [], []
    for _, _, pvc in claims:
        if is_bound(pvc):
            bound.append(pvc)
        elif is_delay_binding(pvc, snapshot) and not pvc.spec.volume_name:
            delayed.append(pvc)
        else:
            immediate.append(pvc)
    if immediate:
        return PreFilterResult(status=Status.unresolvable(ERR_UNBOUND_IMMEDIATE))
    return PreFilterResult(node_names=_eligible_nodes(bound, snapshot),
                           state=PodVolumeClaims(tuple(bound), tuple(delayed)))


def _storage_request(pvc: PersistentVolumeClaim) -> Quantity:
    return pvc.spec.resources.requests.get("storage", Quantity.from_int(0))


def _bound_to(pv: PersistentVolume, pvc: PersistentVolumeClaim) -> bool:
    """IsVolumeBoundToClaim."""
    ref = pv.spec.claim_ref
    return ref is not None and ref.name == pvc.name and ref.namespace == pvc.namespace \
        and (not ref.uid or ref.uid == pvc.metadata.uid)


def claim_reference(pvc: PersistentVolumeClaim) -> ObjectReference:
    """``ref.GetReference`` of a claim: what a volume's claimRef holds once it is bound to it."""
    return ObjectReference(kind="PersistentVolumeClaim", namespace=pvc.namespace, name=pvc.name,
                           uid=pvc.metadata.uid, api_version="v1", resource_version=pvc.metadata.resource_version)


def get_bind_volume_to_claim(pv: PersistentVolume, pvc: PersistentVolumeClaim) -> tuple[PersistentVolume, bool]:
    """GetBindVolumeToClaim: the volume with its claimRef pointing at the claim (unless it already names the
    claim's namespace, name and uid) and marked ``pv.kubernetes.io/bound-by-controller`` when the claim did not
    choose it; and whether that changed anything."""
    updated = pv
    ref = pv.spec.claim_ref
    if ref is None or (ref.name, ref.namespace, ref.uid) != (pvc.name, pvc.namespace, pvc.metadata.uid):
        updated = attrs.evolve(pv, spec=attrs.evolve(pv.spec, claim_ref=claim_reference(pvc)))
    if not _bound_to(pv, pvc) and ANN_BOUND_BY_CONTROLLER not in pv.metadata.annotations:
        annotations = pv.metadata.annotations.set(ANN_BOUND_BY_CONTROLLER, "yes")
        updated = attrs.evolve(updated, metadata=attrs.evolve(updated.metadata, annotations=annotations))
    return updated, updated != pv


def find_matching_volume(pvc: PersistentVolumeClaim, pvs: Iterable[PersistentVolume], node: Node,
                         excluded: frozenset[str]) -> PersistentVolume | None:
    """FindMatchingVolume on the scheduler path: a PV pre-bound to the claim (if it fits the node), else the
    smallest Available PV of the claim's class that is big enough, has the volume mode, the labels the
    claim selects, the access modes it asks for, and node affinity matching the node."""
    requested = _storage_request(pvc)
    selector = selector_of(pvc.spec.selector) if pvc.spec.selector is not None else None
    smallest: PersistentVolume | None = None
    for pv in pvs:
        if pv.name in excluded or (pv.spec.claim_ref is not None and not _bound_to(pv, pvc)):
            continue
        capacity = pv.spec.capacity.get("storage", Quantity.from_int(0))
        if capacity < requested or pv.spec.volume_mode != pvc.spec.volume_mode \
                or pv.metadata.deletion_timestamp is not None:
            continue
        fits_node = pv_matches_node(pv, node)
        if _bound_to(pv, pvc):
            return pv if fits_node else None
        if pv.status.phase != "Available" or (selector is not None and not selector.matches(pv.labels)):
            continue
        if pv_class(pv) != pvc_class(pvc) or not fits_node:
            continue
        if not all(mode in pv.spec.access_modes for mode in pvc.spec.access_modes):
            continue
        if smallest is None or capacity < smallest.spec.capacity.get("storage", Quantity.from_int(0)):
            smallest = pv
    return smallest


def _topology_matches(terms: Any, labels: Mapping[str, str]) -> bool:
    """MatchTopologySelectorTerms: no terms match everything; terms are ORed, their expressions ANDed."""
    if not terms:
        return True
    return any(all(expr.get("key") in labels and labels[expr["key"]] in (expr.get("values") or ())
                   for expr in term.get("matchLabelExpressions") or ()) for term in terms)


def _can_provision(pvc: PersistentVolumeClaim, node: Node, snapshot: Snapshot) -> bool:
    """checkVolumeProvisions for one claim: its class has a real provisioner whose allowed topologies admit
    the node (storage capacity is not modelled)."""
    storage_class = snapshot.storage_class(pvc_class(pvc))
    provisioner = _class_field(storage_class, "provisioner", "") if storage_class is not None else ""
    if provisioner in ("", NOT_SUPPORTED_PROVISIONER):
        return False
    return _topology_matches(_class_field(storage_class, "allowedTopologies", ()), node.labels)


@attrs.frozen
class PodVolumes:
    """PodVolumes: what FindPodVolumes decided for one node. ``static_bindings`` pairs each claim with the
    available volume it is to be bound to (StaticBindings); ``dynamic_provisions`` are the claims to provision
    there (DynamicProvisions)."""

    static_bindings: tuple[tuple[PersistentVolumeClaim, PersistentVolume], ...] = ()
    dynamic_provisions: tuple[PersistentVolumeClaim, ...] = ()


def _unbound_volumes(claims: PodVolumeClaims, node: Node, snapshot: Snapshot) -> PodVolumes | None:
    """FindPodVolumes for the delayed claims: a selected-node annotation pins the claim to that node (and it is
    provisioned there); the others are matched to available volumes, smallest request first (findMatchingVolumes),
    and the rest must be provisionable (checkVolumeProvisions). None when the node cannot satisfy them."""
    to_provision: list[PersistentVolumeClaim] = []
    to_match: list[PersistentVolumeClaim] = []
    for pvc in claims.delayed:
        selected = pvc.metadata.annotations.get(ANN_SELECTED_NODE)
        if selected is not None:
            if selected != node.name:
                return None
            to_provision.append(pvc)
        else:
            to_match.append(pvc)
    bindings: list[tuple[PersistentVolumeClaim, PersistentVolume]] = []
    chosen: frozenset[str] = frozenset()
    for pvc in sorted(to_match, key=_storage_request):
        candidates = [pv for pv in snapshot.pvs if pv_class(pv) == pvc_class(pvc)]
        pv = find_matching_volume(pvc, candidates, node, chosen)
        if pv is None:
            to_provision.append(pvc)
        else:
            chosen |= {pv.name}
            bindings.append((pvc, pv))
    if not all(_can_provision(pvc, node, snapshot) for pvc in to_provision):
        return None
    return PodVolumes(tuple(bindings), tuple(to_provision))


def find_pod_volumes(claims: PodVolumeClaims, node: Node, snapshot: Snapshot) -> tuple[PodVolumes, tuple[str, ...]]:
    """FindPodVolumes: the node's binding decisions and the reasons it cannot take the pod, in upstream's order
    (a bound claim's volume does not fit the node; delayed claims find no volume and cannot be provisioned; a
    bound claim's volume is missing). The decisions mean something only without reasons."""
    bound_ok, pvs_found = True, True
    for pvc in claims.bound:
        pv = snapshot.pv(pvc.spec.volume_name or "")
        if pv is None:
            pvs_found = False
            break
        if not pv_matches_node(pv, node):
            bound_ok = False
            break
    reasons = []
    if not bound_ok:
        reasons.append(ERR_NODE_CONFLICT)
    decisions = _unbound_volumes(claims, node, snapshot) if claims.delayed else PodVolumes()
    if decisions is None:
        reasons.append(ERR_BIND_CONFLICT)
    if not pvs_found:
        reasons.append(ERR_PV_NOT_EXIST)
    return PodVolumes() if decisions is None else decisions, tuple(reasons)


def binding_filter(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile,
                   state: PodVolumeClaims) -> Status | None:
    """VolumeBinding Filter: FindPodVolumes' reasons, all unresolvable."""
    _, reasons = find_pod_volumes(state, node, snapshot)
    return Status.unresolvable(*reasons) if reasons else None


# --- VolumeZone -----------------------------------------------------------------------------------

def _zones(value: str) -> frozenset[str] | None:
    """LabelZonesToSet: ``a__b`` is {a, b}; None when a zone is empty."""
    zones = [zone.strip() for zone in value.replace("__", ",").split(",")]
    return None if any(not zone for zone in zones) else frozenset(zones)


def zone_pre_filter(pod: Pod, snapshot: Snapshot, profile: Profile) -> PreFilterResult:
    """VolumeZone PreFilter (getPVbyPod): the topology labels of the pod's bound PVs; unbound
    WaitForFirstConsumer claims are skipped; Skip when there are none."""
    topologies: list[tuple[str, frozenset[str]]] = []
    for _, name in _pod_claims(pod):
        pvc = snapshot.pvc(pod.namespace, name)
        if pvc is None:
            return PreFilterResult(status=Status.unresolvable(_not_found("persistentvolumeclaim", name)))
        if not pvc.spec.volume_name:
            class_name = pvc_class(pvc)
            if not class_name:
                return PreFilterResult(status=Status.unresolvable(
                    "PersistentVolumeClaim had no pv name and storageClass name"))
            storage_class = snapshot.storage_class(class_name)
            if storage_class is None:
                return PreFilterResult(status=Status.unresolvable(
                    _not_found("storageclass.storage.k8s.io", class_name)))
            if _class_field(storage_class, "volumeBindingMode", "Immediate") == WAIT_FOR_FIRST_CONSUMER:
                continue
            return PreFilterResult(status=Status.unresolvable("PersistentVolume had no name"))
        pv = snapshot.pv(pvc.spec.volume_name)
        if pv is None:
            return PreFilterResult(status=Status.unresolvable(_not_found("persistentvolume", pvc.spec.volume_name)))
        for key in TOPOLOGY_LABELS:
            zones = _zones(pv.labels[key]) if key in pv.labels else None
            if zones is not None:
                topologies.append((key, zones))
    return PreFilterResult(state=tuple(topologies)) if topologies else SKIP


def zone_filter(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile,
                state: tuple[tuple[str, frozenset[str]], ...]) -> Status | None:
    """VolumeZone Filter: a node with topology labels must be in every PV's zones and regions (a beta PV
    label may match the node's GA label)."""
    if not any(key in node.labels for key in TOPOLOGY_LABELS):
        return None
    for key, values in state:
        value = node.labels.get(key, node.labels.get(_GA_LABEL.get(key, key)))
        if value is None or value not in values:
            return Status.unresolvable(ERR_ZONE_CONFLICT)
    return None
