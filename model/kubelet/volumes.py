"""The kubelet's volume manager, as far as it holds a pod back: no container starts before every volume is mounted.

Sources: pkg/kubelet/kubelet.go (SyncPod: the pod's status is generated and handed to the status manager, then
``kl.volumeManager.WaitForAttachAndMount``; when that fails the sync ends with a ``FailedMount`` event and is retried,
so the pod stays Pending, its containers waiting in ContainerCreating), pkg/kubelet/volumemanager/volume_manager.go
(WaitForAttachAndMount), pkg/kubelet/volumemanager/populator/desired_state_of_world_populator.go (createVolumeSpec,
getPVCExtractPV, getPVSpec) and staging/src/k8s.io/component-helpers/storage/ephemeral/ephemeral.go
(VolumeClaimName, VolumeIsForPod).

The populator reads claims and volumes with GETs to the API server, not from an informer: the Node authorizer lets a
kubelet only *get* the claims of the pods bound to it and the volumes bound to those claims, never list or watch
them (plugin/pkg/auth/authorizer/node/node_authorizer.go, authorizeGet; ``model.auth.node``). The model sends the
same GETs, as ``system:node:<name>``, to the model's API server, so they see the store as it is now and are
authorized as upstream's are (a claim of a pod the store no longer binds to the node is forbidden). The kubelet's
informer keeps its upstream selection (its pods and its Node); a node that cannot reach the API server fetches
nothing and so mounts nothing new.

Once mounted, a pod's volumes stay mounted while it is on the node (the populator drops the volumes of pods that are
gone or terminated only), so only a pod none of whose containers has started yet waits: the model mounts a pod's
volumes in the sync that first starts one of its containers (``PodRuntime.volumes_mounted``).

Deliberately not modelled: attaching (the attach/detach controller and VolumeAttachments: a bound volume counts as
attached), failures of the volume plugins themselves, secret, configMap and projected volumes (always mountable
here), the ``FailedMount`` event, and the ``request-error`` fault on these GETs (a failed GET only delays the mount
to a later sync, which the interleavings of syncs already cover).
"""

from __future__ import annotations

from model.apiserver import requests as rq
from model.apiserver.server import handle
from model.auth.identity import kubelet_identity
from model.kubelet.runtime import PodRuntime
from model.objects import PersistentVolume, PersistentVolumeClaim, Pod
from model.objects.pod import Volume
from model.scheduler.volumes import claim_name
from model.store import Store

PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
"""pkg/volume/util.PVCProtectionFinalizer: a claim in use by a pod is kept until no pod uses it."""
FILESYSTEM = "Filesystem"


def claims(pod: Pod) -> tuple[tuple[Volume, str], ...]:
    """The pod's volumes backed by a PersistentVolumeClaim, with the claim's name (``<pod>-<volume>`` for a generic
    ephemeral volume)."""
    return tuple((volume, name) for volume in pod.spec.volumes if (name := claim_name(pod, volume)) is not None)


def waits_for_volumes(pod: Pod | None, runtime: PodRuntime | None) -> bool:
    """Whether syncing the pod now depends on mounting claims: it is to run (present, not being deleted, not
    finished, not rejected), has not mounted its volumes yet and uses a claim. Every other sync ignores the answer
    of :func:`mount_error`."""
    if pod is None or pod.metadata.deletion_timestamp is not None:
        return False
    if runtime is None:
        return not pod.is_terminated and bool(claims(pod))
    return runtime.rejected is None and not runtime.killed and not runtime.volumes_mounted and bool(claims(pod))


def mount_error(store: Store, node: str, pod: Pod, now: int) -> str | None:
    """None when every claim the pod uses can be mounted on ``node`` now, else the populator's error for the first
    that cannot (createVolumeSpec)."""
    mounted = {m.name for c in (*pod.spec.init_containers, *pod.spec.containers) for m in c.volume_mounts}
    for volume, name in claims(pod):
        error = _claim_error(store, node, pod, volume, name, volume.name in mounted, now)
        if error is not None:
            return error
    return None


def _get(store: Store, node: str, kind: str, namespace: str | None, name: str, now: int) -> rq.Response:
    """A GET by the node's kubelet, served (and authorized) by the API server."""
    return handle(store, rq.Get(kubelet_identity(node), kind, namespace, name), now).response


def _claim_error(store: Store, node: str, pod: Pod, volume: Volume, name: str, mounted: bool, now: int) -> str | None:
    """createVolumeSpec for one claim: getPVCExtractPV, VolumeIsForPod for an ephemeral volume, getPVSpec, and the
    volume mode check for a mounted volume."""
    namespace = pod.namespace or ""
    processing = f"error processing PVC {namespace}/{name}: "
    got = _get(store, node, "PersistentVolumeClaim", namespace, name, now)
    if not got.ok:
        return f"{processing}failed to fetch PVC from API server: {got.message}"
    claim: PersistentVolumeClaim = got.object
    # Current upstream refuses only a deleting claim that pvc-protection no longer holds (which no pod uses).
    if claim.metadata.deletion_timestamp is not None and PVC_PROTECTION_FINALIZER not in claim.metadata.finalizers:
        return f"{processing}PVC is being deleted"
    if claim.status.phase != "Bound":
        return f"{processing}PVC is not bound"
    if not claim.spec.volume_name:
        return f"{processing}PVC has empty pvc.Spec.VolumeName"
    if volume.ephemeral is not None:
        owner = claim.metadata.controller_ref()
        if owner is None or owner.uid != pod.metadata.uid:
            return f"PVC {namespace}/{name} was not created for pod {namespace}/{pod.name} (pod is not owner)"
    pv_name = claim.spec.volume_name
    got = _get(store, node, "PersistentVolume", None, pv_name, now)
    if not got.ok:
        return f"{processing}failed to fetch PV {pv_name} from API server: {got.message}"
    pv: PersistentVolume = got.object
    if pv.spec.claim_ref is None:
        return (f"{processing}found PV object {pv_name} but it has a nil pv.Spec.ClaimRef indicating it is not yet "
                "bound to the claim")
    if pv.spec.claim_ref.uid != claim.metadata.uid:
        return (f"{processing}found PV object {pv_name} but its pv.Spec.ClaimRef.UID {pv.spec.claim_ref.uid or ''} "
                f"does not point to claim.UID {claim.metadata.uid}")
    if mounted and pv.spec.volume_mode != FILESYSTEM:
        return f"volume {volume.name} has volumeMode {pv.spec.volume_mode}, but is specified in volumeMounts"
    return None
