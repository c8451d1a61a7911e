"""The PersistentVolume controller (``persistent-volume-binder``): binds claims to volumes, provisions volumes
for claims whose StorageClass allows it, and releases volumes whose claims are gone.

Ported from kubernetes/kubernetes ``pkg/controller/volume/persistentvolume/``:

- ``pv_controller.go``: ``syncClaim`` (``syncUnboundClaim`` / ``syncBoundClaim``), ``syncVolume``, ``bind``
  (``bindVolumeToClaim``, ``updateVolumePhase``, ``bindClaimToVolume``, ``updateClaimStatus``), ``unbindVolume``,
  ``reclaimVolume`` (Retain, Delete), ``provisionClaim`` / ``setClaimProvisioner``;
- ``index.go``: ``findBestMatchForClaim`` (access-mode groups, fewest modes first) over
  ``staging/src/k8s.io/component-helpers/storage/volume/pv_helpers.go`` ``FindMatchingVolume`` (pre-bound volume
  first, else the smallest Available volume of the claim's class, size, volume mode and selector; with
  WaitForFirstConsumer only a pre-bound volume);
- ``pv_controller_base.go``: the event handlers (a deleted claim wakes its volume, a deleted volume its claim) and
  the periodic resync (``--pvclaimbinder-sync-period``, 15 s) for claims still waiting.

Dynamic provisioning is the external provisioner's job upstream (sigs.k8s.io/sig-storage-lib-external-provisioner
``provisionClaimOperation``, ``rescheduleProvisioning``; kubernetes-csi/external-provisioner ``pkg/controller``
``Provision`` and ``topology.go``): the PV controller only annotates the claim with
``volume.kubernetes.io/storage-provisioner``, and the provisioner creates ``pvc-<claim uid>`` pre-bound to the claim
(capacity as requested, the claim's access and volume modes, the class's ``reclaimPolicy`` (default Delete) and
``mountOptions``, annotated ``pv.kubernetes.io/provisioned-by``), which the next claim sync binds. The model does
both in the claim's sync: annotate, then create the volume. A StorageClass (a kind the model does not interpret)
provisions unless its ``provisioner`` is ``kubernetes.io/no-provisioner``; a claim without a class never does.

WaitForFirstConsumer (``syncUnboundClaim``): a delayed claim is bound here only to a volume pre-bound to it (the
scheduler's VolumeBinding PreBind pre-binds the volume it chose: :mod:`model.scheduler.volume_binding`), and is
provisioned only once it carries the scheduler's ``volume.kubernetes.io/selected-node`` annotation. The volume
then gets the selected node's topology: for a driver whose CSINode entry on that node lists ``topologyKeys``, one
node-affinity term requiring the node's value of each key (GenerateAccessibilityRequirements with a selected
node, then GenerateVolumeNodeAffinity of the accessible topology, the driver honouring the preferred segment). A
driver without topology keys there provisions without node affinity, as one without the topology capability does
(deliberately simpler than external-provisioner with its Topology feature on, which fails such an attempt).
A selected node the provisioner does not know (its node lister) gives the claim back to the scheduler: the
annotation is removed, and the scheduler's checkBindings reports ``provisioning failed``. The controller's
informer therefore also watches Nodes and CSINodes, as the provisioner's does.

Deliberate differences: upstream writes each successful update into the controller's own cache at once
(``storeVolumeUpdate`` / ``storeClaimUpdate``); the model's controller sees its writes only through its informer,
so a sync on a stale cache fails on the API server's resourceVersion check and is retried (no volume is ever bound
twice either way). The Recycle policy (deprecated) is left alone like Retain. Events and metrics are not modelled.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import controller_identity
from model.controllers import base
from model.frozendict import FrozenDict
from model.objects import Node, ObjectMeta, OpaqueObject, PersistentVolume, PersistentVolumeClaim
from model.objects.meta import selector_of
from model.objects.storage import PersistentVolumeSpec, VolumeNodeAffinity
from model.quantity import Quantity
from model.scheduler.volumes import (
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_SELECTED_NODE,
    NOT_SUPPORTED_PROVISIONER,
    WAIT_FOR_FIRST_CONSUMER,
    claim_reference,
    get_bind_volume_to_claim,
    pv_class,
    pvc_class,
)
from model.store import DELETED, Objects, WatchEvent

NAME = "persistent-volume-binder"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
RESYNC_PERIOD = 15
"""``--pvclaimbinder-sync-period``: every claim and volume is synced again this often."""
_USER = controller_identity(NAME)
_ZERO = Quantity.from_int(0)


def _storage(resources: Any) -> Quantity:
    return resources.get("storage", _ZERO)


def is_volume_bound_to_claim(volume: PersistentVolume, claim: PersistentVolumeClaim) -> bool:
    """``IsVolumeBoundToClaim``: the claimRef names the claim (and its uid, when the claimRef has one)."""
    ref = volume.spec.claim_ref
    return ref is not None and ref.name == claim.name and ref.namespace == claim.namespace \
        and (not ref.uid or ref.uid == claim.metadata.uid)


def storage_class(name: str, cache: Objects) -> OpaqueObject | None:
    return cache.get("StorageClass", None, name) if name else None


def is_delay_binding(claim: PersistentVolumeClaim, cache: Objects) -> bool:
    """``IsDelayBindingMode``: the claim's class exists and binds WaitForFirstConsumer."""
    found = storage_class(pvc_class(claim), cache)
    return found is not None and found.body.get("volumeBindingMode", "Immediate") == WAIT_FOR_FIRST_CONSUMER


def find_matching_volume(claim: PersistentVolumeClaim, volumes: list[PersistentVolume],
                         delay_binding: bool) -> PersistentVolume | None:
    """``FindMatchingVolume`` without a node: a volume pre-bound to the claim wins; with delayed binding nothing
    else; otherwise the smallest Available volume of the claim's class that is large enough, has its volume mode,
    is not being deleted and has the labels the claim selects."""
    requested = _storage(claim.spec.resources.requests)
    selector = selector_of(claim.spec.selector) if claim.spec.selector is not None else None
    smallest: PersistentVolume | None = None
    for volume in volumes:
        if volume.spec.claim_ref is not None and not is_volume_bound_to_claim(volume, claim):
            continue
        size = _storage(volume.spec.capacity)
        if size < requested or volume.spec.volume_mode != claim.spec.volume_mode \
                or volume.metadata.deletion_timestamp is not None:
            continue
        if is_volume_bound_to_claim(volume, claim):
            return volume
        if delay_binding or volume.status.phase != "Available":
            continue
        if selector is not None and not selector.matches(volume.labels):
            continue
        if pv_class(volume) != pvc_class(claim):
            continue
        if smallest is None or size < _storage(smallest.spec.capacity):
            smallest = volume
    return smallest


def find_best_match(claim: PersistentVolumeClaim, volumes: tuple[PersistentVolume, ...],
                    delay_binding: bool) -> PersistentVolume | None:
    """``findBestMatchForClaim`` (``findByClaim``): the volumes grouped by their access modes; the groups offering
    every mode the claim asks for are tried with the fewest modes first."""
    wanted = set(claim.spec.access_modes)
    groups: dict[tuple[str, ...], list[PersistentVolume]] = {}
    for volume in volumes:
        groups.setdefault(tuple(sorted(set(volume.spec.access_modes))), []).append(volume)
    for modes in sorted((m for m in groups if wanted <= set(m)), key=lambda m: (len(m), m)):
        found = find_matching_volume(claim, groups[modes], delay_binding)
        if found is not None:
            return found
    return None


def _annotated(obj: Any, key: str, value: str) -> Any:
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, annotations=obj.metadata.annotations.set(key, value)))


def provisioned_topology(provisioner: str, node: Node, csi_node: OpaqueObject | None) -> VolumeNodeAffinity | None:
    """The node affinity a topology-aware CSI driver gives a volume provisioned for a claim the scheduler put on
    ``node``: the driver's topology keys (its CSINode entry's ``topologyKeys``), each required to have the node's
    value (external-provisioner GenerateAccessibilityRequirements prefers the selected node's segment, and
    GenerateVolumeNodeAffinity turns the accessible topology the driver returns into one term). None when the
    driver reports no topology keys on that node: it provisions without topology. Raises KeyError naming a key
    the node has no label for (upstream's "topology labels from selected node ... does not match topology keys"
    error, which fails the provisioning attempt)."""
    drivers = csi_node.body.get("spec", {}).get("drivers", ()) if csi_node is not None else ()
    keys = next((tuple(d.get("topologyKeys") or ()) for d in drivers if d.get("name") == provisioner), ())
    if not keys:
        return None
    terms = [{"matchExpressions": [{"key": key, "operator": "In", "values": [node.labels[key]]}
                                   for key in sorted(keys)]}]
    return VolumeNodeAffinity.from_dict({"required": {"nodeSelectorTerms": terms}})


def provisioned_volume(claim: PersistentVolumeClaim, klass: OpaqueObject,
                       node_affinity: VolumeNodeAffinity | None = None) -> PersistentVolume:
    """What the external provisioner creates for a claim: ``pvc-<uid>``, pre-bound to it."""
    provisioner = klass.body.get("provisioner", "")
    spec = PersistentVolumeSpec(
        capacity=FrozenDict({"storage": _storage(claim.spec.resources.requests)}),
        access_modes=claim.spec.access_modes, volume_mode=claim.spec.volume_mode,
        persistent_volume_reclaim_policy=klass.body.get("reclaimPolicy", "Delete"), storage_class_name=klass.name,
        mount_options=tuple(klass.body.get("mountOptions", ())), claim_ref=claim_reference(claim),
        node_affinity=node_affinity)
    meta = ObjectMeta(name=f"pvc-{claim.metadata.uid}",
                      annotations=FrozenDict({ANN_DYNAMICALLY_PROVISIONED: provisioner}))
    return PersistentVolume(metadata=meta, spec=spec)


@attrs.frozen
class _Sync:
    """One sync of one claim or volume, as straight-line generator code."""

    ctx: base.Context

    @property
    def cache(self) -> Objects:
        return self.ctx.cache

    def volume(self, name: str | None) -> PersistentVolume | None:
        return self.cache.get("PersistentVolume", None, name) if name else None

    # syncClaim

    def sync_claim(self, claim: PersistentVolumeClaim) -> Generator[Any, Any, base.Result]:
        """``syncClaim``: a claim without the bind-completed annotation is unbound."""
        if ANN_BIND_COMPLETED not in claim.metadata.annotations:
            error, waiting = yield from self.sync_unbound_claim(claim)
        else:
            error, waiting = yield from self.sync_bound_claim(claim)
        if error is not None:
            return base.Result(failed=True)
        return base.Result(requeue_after=RESYNC_PERIOD if waiting else None, failed=False)

    def sync_unbound_claim(self, claim: PersistentVolumeClaim) -> Generator[Any, Any, tuple[str | None, bool]]:
        """``syncUnboundClaim``: bind to the best matching volume, or provision one, or wait; a claim that names
        its volume is bound to it when that volume is free or already points back. Gives (error, still waiting)."""
        if not claim.spec.volume_name:
            delay = is_delay_binding(claim, self.cache)
            volume = find_best_match(claim, self.cache.list("PersistentVolume"), delay)
            if volume is not None:
                return (yield from self.bind(volume, claim)), False
            if delay and ANN_SELECTED_NODE not in claim.metadata.annotations:
                return None, True
            if pvc_class(claim):
                return (yield from self.provision(claim)), True
            return (yield from self.update_claim_status(claim, "Pending", None))[1], True
        volume = self.volume(claim.spec.volume_name)
        if volume is None:
            return (yield from self.update_claim_status(claim, "Pending", None))[1], True
        if volume.spec.claim_ref is None:
            if not self.satisfies(volume, claim):
                return (yield from self.update_claim_status(claim, "Pending", None))[1], True
            return (yield from self.bind(volume, claim)), False
        if is_volume_bound_to_claim(volume, claim):
            return (yield from self.bind(volume, claim)), False
        if ANN_BOUND_BY_CONTROLLER not in claim.metadata.annotations:
            return (yield from self.update_claim_status(claim, "Pending", None))[1], True
        return "Invalid binding of claim to volume bound to another claim", True

    @staticmethod
    def satisfies(volume: PersistentVolume, claim: PersistentVolumeClaim) -> bool:
        """``checkVolumeSatisfyClaim``: size, class, volume mode and access modes."""
        return (_storage(volume.spec.capacity) >= _storage(claim.spec.resources.requests)
                and pv_class(volume) == pvc_class(claim) and volume.spec.volume_mode == claim.spec.volume_mode
                and set(claim.spec.access_modes) <= set(volume.spec.access_modes))

    def sync_bound_claim(self, claim: PersistentVolumeClaim) -> Generator[Any, Any, tuple[str | None, bool]]:
        """``syncBoundClaim``: a bound claim whose volume is gone or taken by another claim is Lost; otherwise
        the binding is completed again (each step is a no-op when done)."""
        volume = self.volume(claim.spec.volume_name)
        if volume is None or (volume.spec.claim_ref is not None and volume.spec.claim_ref.uid != claim.metadata.uid):
            return (yield from self.update_claim_status(claim, "Lost", None))[1], False
        return (yield from self.bind(volume, claim)), False

    def provision(self, claim: PersistentVolumeClaim) -> Generator[Any, Any, str | None]:
        """``provisionClaim`` for an external provisioner (``setClaimProvisioner``), then the provisioner's
        ``provisionClaimOperation``: create the volume, pre-bound to the claim, with the selected node's topology.
        A selected node that does not exist (in the provisioner's node lister) makes the provisioner give the
        claim back to the scheduler (``rescheduleProvisioning``: the selected-node annotation is removed)."""
        klass = storage_class(pvc_class(claim), self.cache)
        if klass is None or klass.body.get("provisioner", NOT_SUPPORTED_PROVISIONER) == NOT_SUPPORTED_PROVISIONER:
            return None
        if self.volume(f"pvc-{claim.metadata.uid}") is not None:
            return None
        provisioner = klass.body.get("provisioner")
        if claim.metadata.annotations.get(ANN_STORAGE_PROVISIONER) != provisioner:
            marked = _annotated(_annotated(claim, ANN_STORAGE_PROVISIONER, provisioner), ANN_BETA_STORAGE_PROVISIONER,
                                provisioner)
            response = yield from base.send(rq.Update(_USER, marked))
            if not response.ok:
                return response.message
            claim = response.object
        selected = claim.metadata.annotations.get(ANN_SELECTED_NODE)
        affinity = None
        if selected is not None:
            node = self.cache.get("Node", None, selected)
            if node is None:
                return (yield from self.reschedule(claim))
            try:
                affinity = provisioned_topology(provisioner, node, self.cache.get("CSINode", None, selected))
            except KeyError as missing:
                return f"error generating accessibility requirements: selected node {selected} has no label {missing}"
        response = yield from base.send(rq.Create(_USER, provisioned_volume(claim, klass, affinity)))
        return None if response.ok or response.reason == "AlreadyExists" else response.message

    def reschedule(self, claim: PersistentVolumeClaim) -> Generator[Any, Any, str | None]:
        """``rescheduleProvisioning``: drop the selected-node annotation so that the scheduler picks again."""
        meta = attrs.evolve(claim.metadata, annotations=claim.metadata.annotations.discard(ANN_SELECTED_NODE))
        response = yield from base.send(rq.Update(_USER, attrs.evolve(claim, metadata=meta)))
        return None if response.ok else response.message

    # bind

    def bind(self, volume: PersistentVolume, claim: PersistentVolumeClaim) -> Generator[Any, Any, str | None]:
        """``bind``: the volume's claimRef, the volume Bound, the claim's volumeName and annotations, the claim
        Bound; each step only when needed, stopping at the first failure."""
        volume, error = yield from self.bind_volume_to_claim(volume, claim)
        if error is not None:
            return error
        volume, error = yield from self.update_volume_phase(volume, "Bound")
        if error is not None:
            return error
        claim, error = yield from self.bind_claim_to_volume(claim, volume)
        if error is not None:
            return error
        _, error = yield from self.update_claim_status(claim, "Bound", volume)
        return error

    def bind_volume_to_claim(self, volume: PersistentVolume,
                             claim: PersistentVolumeClaim) -> Generator[Any, Any, tuple[Any, str | None]]:
        """``bindVolumeToClaim`` (``GetBindVolumeToClaim``): point the claimRef at the claim, marking the volume
        bound-by-controller when the controller made the choice."""
        updated, dirty = get_bind_volume_to_claim(volume, claim)
        if not dirty:
            return volume, None
        response = yield from base.send(rq.Update(_USER, updated))
        return (response.object, None) if response.ok else (volume, response.message)

    def update_volume_phase(self, volume: PersistentVolume,
                            phase: str) -> Generator[Any, Any, tuple[Any, str | None]]:
        """``updateVolumePhase``."""
        if volume.status.phase == phase:
            return volume, None
        response = yield from base.send(rq.UpdateStatus(_USER, attrs.evolve(
            volume, status=attrs.evolve(volume.status, phase=phase))))
        return (response.object, None) if response.ok else (volume, response.message)

    def bind_claim_to_volume(self, claim: PersistentVolumeClaim,
                             volume: PersistentVolume) -> Generator[Any, Any, tuple[Any, str | None]]:
        """``bindClaimToVolume``: ``volumeName`` (bound-by-controller when the controller set it) and the
        bind-completed annotation."""
        updated = claim
        if claim.spec.volume_name != volume.name:
            updated = _annotated(attrs.evolve(claim, spec=attrs.evolve(claim.spec, volume_name=volume.name)),
                                 ANN_BOUND_BY_CONTROLLER, "yes")
        if ANN_BIND_COMPLETED not in updated.metadata.annotations:
            updated = _annotated(updated, ANN_BIND_COMPLETED, "yes")
        if updated == claim:
            return claim, None
        response = yield from base.send(rq.Update(_USER, updated))
        return (response.object, None) if response.ok else (claim, response.message)

    def update_claim_status(self, claim: PersistentVolumeClaim, phase: str,
                            volume: PersistentVolume | None) -> Generator[Any, Any, tuple[Any, str | None]]:
        """``updateClaimStatus``: the phase and the volume's access modes, and its capacity when the phase changes
        (both cleared without a volume)."""
        if volume is None:
            status = attrs.evolve(claim.status, phase=phase, access_modes=(), capacity=FrozenDict())
        else:
            status = attrs.evolve(claim.status, phase=phase, access_modes=volume.spec.access_modes)
            if claim.status.phase != phase:
                status = attrs.evolve(status, capacity=FrozenDict({"storage": _storage(volume.spec.capacity)}))
        if status == claim.status:
            return claim, None
        response = yield from base.send(rq.UpdateStatus(_USER, attrs.evolve(claim, status=status)))
        return (response.object, None) if response.ok else (claim, response.message)

    # syncVolume

    def sync_volume(self, volume: PersistentVolume) -> Generator[Any, Any, base.Result]:
        """``syncVolume``: an unclaimed (or user pre-bound) volume is Available; one whose claim is gone (from the
        cache and, unless the controller bound it, from a fresh GET, whose errors other than NotFound fail the
        sync) is Released and reclaimed; one whose claim is bound elsewhere is released again (deleted when it was
        provisioned for it with reclaim policy Delete, else unbound if the controller bound it)."""
        ref = volume.spec.claim_ref
        if ref is None or not ref.uid:
            _, error = yield from self.update_volume_phase(volume, "Available")
            return base.Result(failed=error is not None)
        claim = self.cache.get("PersistentVolumeClaim", ref.namespace, ref.name or "")
        if claim is None and ANN_BOUND_BY_CONTROLLER not in volume.metadata.annotations:
            response = yield from base.send(rq.Get(_USER, "PersistentVolumeClaim", ref.namespace, ref.name or ""))
            if not response.ok and response.code != 404:
                return base.Result(failed=True)
            claim = response.object if response.ok else None
        if claim is not None and claim.metadata.uid != ref.uid:
            claim = None
        if claim is None:
            error = None
            if volume.status.phase not in ("Released", "Failed"):
                volume, error = yield from self.update_volume_phase(volume, "Released")
            if error is None:
                error = yield from self.reclaim(volume)
            return base.Result(failed=error is not None)
        if not claim.spec.volume_name:
            return base.Result(failed=False)
        if claim.spec.volume_name == volume.name:
            _, error = yield from self.update_volume_phase(volume, "Bound")
            return base.Result(failed=error is not None)
        if ANN_DYNAMICALLY_PROVISIONED in volume.metadata.annotations \
                and volume.spec.persistent_volume_reclaim_policy == "Delete":
            error = None
            if volume.status.phase not in ("Released", "Failed"):
                volume, error = yield from self.update_volume_phase(volume, "Released")
            if error is None:
                error = yield from self.reclaim(volume)
            return base.Result(failed=error is not None)
        if ANN_BOUND_BY_CONTROLLER in volume.metadata.annotations:
            error = yield from self.unbind(volume)
            return base.Result(failed=error is not None)
        _, error = yield from self.update_volume_phase(volume, "Available")
        return base.Result(failed=error is not None)

    def reclaim(self, volume: PersistentVolume) -> Generator[Any, Any, str | None]:
        """``reclaimVolume``: Delete removes the volume (its deleter or external provisioner does); Retain and
        Recycle leave it Released."""
        if volume.spec.persistent_volume_reclaim_policy != "Delete":
            return None
        response = yield from base.send(rq.Delete(_USER, "PersistentVolume", None, volume.name))
        return None if response.ok or response.code == 404 else response.message

    def unbind(self, volume: PersistentVolume) -> Generator[Any, Any, str | None]:
        """``unbindVolume``: drop the claimRef the controller set (or only its uid, for a user's pre-binding),
        then Available."""
        if ANN_BOUND_BY_CONTROLLER in volume.metadata.annotations:
            annotations = volume.metadata.annotations.discard(ANN_BOUND_BY_CONTROLLER)
            meta = attrs.evolve(volume.metadata, annotations=annotations)
            updated = attrs.evolve(volume, metadata=meta, spec=attrs.evolve(volume.spec, claim_ref=None))
        else:
            updated = attrs.evolve(volume, spec=attrs.evolve(
                volume.spec, claim_ref=attrs.evolve(volume.spec.claim_ref, uid=None)))
        response = yield from base.send(rq.Update(_USER, updated))
        if not response.ok:
            return response.message
        _, error = yield from self.update_volume_phase(response.object, "Available")
        return error


def sync(ctx: base.Context) -> base.Result:
    """A claim key ``(namespace, name)`` runs ``syncClaim``, a volume key ``(name,)`` ``syncVolume``; a key whose
    object is gone does nothing."""
    if len(ctx.key) == 2:
        claim = ctx.cache.get("PersistentVolumeClaim", *ctx.key)
        return base.Result() if claim is None else base.drive(lambda: _Sync(ctx).sync_claim(claim))
    volume = ctx.cache.get("PersistentVolume", None, ctx.key[0])
    return base.Result() if volume is None else base.drive(lambda: _Sync(ctx).sync_volume(volume))


def _enqueue(event: WatchEvent, old: Any, cache: Objects) -> list[base.Key]:
    """Claim events queue the claim (a deleted claim its volume); volume events queue the volume (a deleted one
    its claim), and a volume pre-bound to a claim not yet bound also queues that claim, as ``syncVolume`` does to
    speed up binding."""
    obj = event.object
    if obj.kind == "PersistentVolumeClaim":
        if event.type == DELETED:
            return [(obj.spec.volume_name,)] if obj.spec.volume_name else []
        return [(obj.namespace, obj.name)]
    if obj.kind != "PersistentVolume":
        return []
    ref = obj.spec.claim_ref
    claim_key = (ref.namespace, ref.name) if ref is not None and ref.name else None
    if event.type == DELETED:
        return [claim_key] if claim_key is not None else []
    keys: list[base.Key] = [(obj.name,)]
    if claim_key is not None and ref.uid:
        claim = cache.get("PersistentVolumeClaim", *claim_key)
        if claim is not None and claim.metadata.uid == ref.uid and not claim.spec.volume_name:
            keys.append(claim_key)
    return keys


def _initial_keys(cache: Objects) -> list[base.Key]:
    return [(c.namespace, c.name) for c in cache.list("PersistentVolumeClaim")] + \
        [(v.name,) for v in cache.list("PersistentVolume")]


CONTROLLER = base.Controller(
    name=NAME, watches=frozenset({"PersistentVolumeClaim", "PersistentVolume", "StorageClass", "Node", "CSINode"}),
    enqueue=_enqueue, initial_keys=_initial_keys, reconcile=sync)
"""kube-controller-manager's ``persistent-volume-binder`` (the PersistentVolume controller)."""
