"""VolumeBinding's Reserve and PreBind: assume the chosen volumes, write the bindings, wait for the PV controller.

The Filter half of the plugin (which nodes can satisfy the pod's claims, and with which volumes) is in
:mod:`model.scheduler.volumes`; this module is what happens once a node is chosen. For each unbound
WaitForFirstConsumer claim the scheduler either pre-binds the static volume FindPodVolumes chose (the volume's
``claimRef``, marked ``pv.kubernetes.io/bound-by-controller``; the PV controller completes the claim's side) or
asks for a volume to be provisioned by annotating the claim with ``volume.kubernetes.io/selected-node``; then it
waits until the PV controller has bound every such claim, and only then binds the pod.

Sources (kubernetes/kubernetes, ``pkg/scheduler/framework/plugins/volumebinding/``):
- ``volume_binding.go``: Reserve (AssumePodVolumes; ``allBound`` when nothing is left to do), PreBind
  (BindPodVolumes; an error sends the pod back to scheduling), Unreserve (RevertAssumedPodVolumes);
  VolumeBindingArgs ``bindTimeoutSeconds`` (default 600);
- ``binder.go``: AssumePodVolumes (arePodVolumesBound; GetBindVolumeToClaim for each static binding, the
  selected-node annotation on each claim to provision, each assumed in the PV/PVC assume caches), BindPodVolumes
  (bindAPIUpdate, then checkBindings polled until bindTimeout: ``binding volumes: %w``), bindAPIUpdate (volumes
  first, then claims, stopping at the first error; the objects the API server returned are what checkBindings
  compares against), checkBindings (its errors, and when it keeps waiting);
- ``assume_cache.go``: Assume, Restore, and the informer handler that replaces an assumed object only with a
  strictly newer resourceVersion; its ``could not find <type> "<name>"`` error;
- ``pkg/scheduler/framework/runtime/framework.go``: RunPreBindPlugins wraps a plugin error as
  ``running PreBind plugin "VolumeBinding": <error>``.
Doc: https://kubernetes.io/docs/concepts/storage/storage-classes/#volume-binding-mode

Deliberate differences: bindAPIUpdate also sends the volumes and claims that need no change (a volume the claim
already pre-bound); kube-apiserver writes nothing for them, so the model does not send them. The poll's one-second
period is not modelled: the binding cycle ends at any time after checkBindings has an answer (or the timeout has
passed). ``context deadline exceeded`` is the timeout error of ``wait.PollUntilContextTimeout``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from model.objects import PersistentVolume, PersistentVolumeClaim, Pod
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.volumes import (
    ANN_SELECTED_NODE,
    PodVolumeClaims,
    PodVolumes,
    binding_pre_filter,
    claim_name,
    find_pod_volumes,
    get_bind_volume_to_claim,
    is_bound,
    pv_matches_node,
)
from model.store import Objects

PLUGIN = "VolumeBinding"
DEFAULT_BIND_TIMEOUT = 600
"""VolumeBindingArgs.bindTimeoutSeconds' default."""
TIMED_OUT = "context deadline exceeded"
VOLUME_KINDS = frozenset({"PersistentVolume", "PersistentVolumeClaim"})


def bind_timeout(profile: Profile) -> int:
    """The profile's VolumeBindingArgs.bindTimeoutSeconds."""
    return int(profile.plugin_args(PLUGIN).get("bindTimeoutSeconds", DEFAULT_BIND_TIMEOUT))


def prebind_message(error: str) -> str:
    """RunPreBindPlugins' wrapping of the plugin's error (the PodScheduled condition's message)."""
    return f'running PreBind plugin "{PLUGIN}": {error}'


def _version(obj: Any) -> int:
    return int(obj.metadata.resource_version or 0)


# --- the assume cache -----------------------------------------------------------------------------------------


def shadowed(obj: Any, assumed: Mapping[Any, Any]) -> Any:
    """What the PV/PVC assume cache returns for an informer object: the assumed version while the informer has
    nothing newer (Get / List), else the informer's."""
    mine = assumed.get(obj.key) if obj.kind in VOLUME_KINDS else None
    return mine if mine is not None and _version(mine) >= _version(obj) else obj


def superseded(assumed: Any, event_type: str, observed: Any) -> bool:
    """Whether an informer event ends an assumption: the object was deleted, or came with a newer version
    (the cache's add handler replaces the assumed object only then)."""
    return event_type == "DELETED" or _version(observed) > _version(assumed)


# --- Reserve ----------------------------------------------------------------------------------------------------


@attrs.frozen
class Reservation:
    """What Reserve leaves for PreBind: the decisions with the assumed objects, and those that changed (the
    writes bindAPIUpdate makes, volumes first)."""

    volumes: PodVolumes
    writes: tuple[Any, ...]


def pod_volume_claims(pod: Pod, snapshot: Snapshot, profile: Profile) -> PodVolumeClaims | None:
    """The PreFilter state VolumeBinding left in the cycle (None without claims, or when the plugin is off)."""
    if PLUGIN not in profile.filters:
        return None
    result = binding_pre_filter(pod, snapshot, profile)
    return None if result.skip or result.status is not None else result.state


def are_pod_volumes_bound(pod: Pod, snapshot: Snapshot) -> bool:
    """arePodVolumesBound over the assume cache: every claim the pod uses is fully bound."""
    for volume in pod.spec.volumes:
        name = claim_name(pod, volume)
        if name is None:
            continue
        pvc = snapshot.pvc(pod.namespace, name)
        if pvc is None or not is_bound(pvc):
            return False
    return True


def reserve(pod: Pod, node: str, snapshot: Snapshot, profile: Profile) -> Reservation | None:
    """Reserve (AssumePodVolumes) for the chosen node: None when the pod's volumes are all bound (PreBind then
    has nothing to do), else the static bindings with each volume pre-bound to its claim (GetBindVolumeToClaim)
    and the claims to provision annotated with the node."""
    claims = pod_volume_claims(pod, snapshot, profile)
    if claims is None or are_pod_volumes_bound(pod, snapshot):
        return None
    decisions, _ = find_pod_volumes(claims, snapshot.node(node), snapshot)
    bindings: list[tuple[PersistentVolumeClaim, PersistentVolume]] = []
    writes: list[Any] = []
    for pvc, pv in decisions.static_bindings:
        bound, dirty = get_bind_volume_to_claim(pv, pvc)
        bindings.append((pvc, bound))
        writes += [bound] if dirty else []
    provisions: list[PersistentVolumeClaim] = []
    for pvc in decisions.dynamic_provisions:
        annotated = attrs.evolve(pvc, metadata=attrs.evolve(
            pvc.metadata, annotations=pvc.metadata.annotations.set(ANN_SELECTED_NODE, node)))
        provisions.append(annotated)
        writes += [annotated] if annotated != pvc else []
    return Reservation(PodVolumes(tuple(bindings), tuple(provisions)), tuple(writes))


def written(volumes: PodVolumes, responses: Iterable[Any]) -> PodVolumes:
    """The decisions with each object bindAPIUpdate wrote replaced by what the API server returned."""
    stored = {obj.key: obj for obj in responses}
    return PodVolumes(tuple((pvc, stored.get(pv.key, pv)) for pvc, pv in volumes.static_bindings),
                      tuple(stored.get(pvc.key, pvc) for pvc in volumes.dynamic_provisions))


# --- PreBind ----------------------------------------------------------------------------------------------------


@attrs.frozen
class PreBinding:
    """A pod whose binding cycle waits in PreBind: the pod as scheduled, its node, the volumes and claims as
    written (or found), and when the wait began."""

    pod: Pod
    node: str
    volumes: PodVolumes
    since: int

    def keys(self) -> tuple[Any, ...]:
        """The assume-cache entries Unreserve restores."""
        return (*(pv.key for _, pv in self.volumes.static_bindings),
                *(pvc.key for pvc in self.volumes.dynamic_provisions))


def _not_found(kind: str, name: str) -> str:
    return f'could not find v1.{kind} "{name}"'


def check_bindings(binding: PreBinding, cache: Objects) -> bool | str:
    """checkBindings over the scheduler's informer cache (the assume caches' API objects): True once every claim
    is fully bound; False to keep waiting (an object older than what was written, a claim not bound yet); else
    the error that sends the pod back to scheduling."""
    pod, node_name = binding.pod, binding.node
    node = cache.get("Node", None, node_name)
    if node is None:
        return f'failed to get node "{node_name}": node "{node_name}" not found'
    if cache.get("Pod", pod.namespace, pod.name) is None:
        return f'pod does not exist any more: pod "{pod.name}" not found'
    for claim, written_pv in binding.volumes.static_bindings:
        pv = cache.get("PersistentVolume", None, written_pv.name)
        if pv is None:
            return "failed to check binding: " + _not_found("PersistentVolume", written_pv.name)
        pvc = cache.get("PersistentVolumeClaim", claim.namespace, claim.name)
        if pvc is None:
            return "failed to check binding: " + _not_found("PersistentVolumeClaim", f"{claim.namespace}/{claim.name}")
        if _version(written_pv) > _version(pv):
            return False
        if not pv_matches_node(pv, node):
            return f'pv "{pv.name}" node affinity doesn\'t match node "{node_name}": no matching NodeSelectorTerms'
        if pv.spec.claim_ref is None or not pv.spec.claim_ref.uid:
            return f'ClaimRef got reset for pv "{pv.name}"'
        if not is_bound(pvc):
            return False
    for claim in binding.volumes.dynamic_provisions:
        pvc = cache.get("PersistentVolumeClaim", claim.namespace, claim.name)
        if pvc is None:
            return "failed to check provisioning pvc: " + _not_found("PersistentVolumeClaim",
                                                                      f"{claim.namespace}/{claim.name}")
        if _version(claim) > _version(pvc):
            return False
        if not pvc.metadata.annotations:
            return f'selectedNode annotation reset for PVC "{pvc.name}"'
        if pvc.metadata.annotations.get(ANN_SELECTED_NODE) != node_name:
            return f'provisioning failed for PVC "{pvc.name}"'
        if pvc.spec.volume_name:
            pv = cache.get("PersistentVolume", None, pvc.spec.volume_name)
            if pv is None:
                return False
            if not pv_matches_node(pv, node):
                return f'pv "{pv.name}" node affinity doesn\'t match node "{node_name}": no matching NodeSelectorTerms'
        if not is_bound(pvc):
            return False
    return True


def outcome(binding: PreBinding, cache: Objects, now: int, timeout: int) -> bool | str | None:
    """Where BindPodVolumes' poll stands: True (bind the pod), an error (``binding volumes: ...``), or None
    while it still waits."""
    checked = check_bindings(binding, cache)
    if checked is True:
        return True
    if isinstance(checked, str):
        return f"binding volumes: {checked}"
    return f"binding volumes: {TIMED_OUT}" if now - binding.since >= timeout else None
