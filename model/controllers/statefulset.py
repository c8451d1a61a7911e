"""The StatefulSet controller (``statefulset-controller``): stable identities, ordered creation and deletion,
per-ordinal storage, revisions and rolling updates.

Ported from kubernetes/kubernetes ``pkg/controller/statefulset/``:

- ``stateful_set.go``: the event handlers (``addPod``, ``updatePod``, ``deletePod``, ``enqueueStatefulSet``; the
  PersistentVolumeClaim and ControllerRevision informers only fill caches), ``sync`` (``adoptOrphanRevisions``,
  ``getPodsForStatefulSet``: ``ClaimPods`` over the owned and orphaned pods with the ``isMemberOf`` filter) and
  ``syncStatefulSet`` (a resync after ``minReadySeconds`` while not every replica is available);
- ``stateful_set_control.go``: ``UpdateStatefulSet`` / ``performUpdate`` (``getStatefulSetRevisions``,
  ``updateStatefulSet``, ``updateStatefulSetStatus``, ``truncateHistory``), ``processReplica``,
  ``processCondemned``, ``runForAll``, ``slowStartBatch`` and ``updateStatefulSetAfterInvariantEstablished``;
- ``stateful_pod_control.go``: ``CreateStatefulPod``, ``UpdateStatefulPod``, ``DeleteStatefulPod``,
  ``createPersistentVolumeClaims``, ``createMissingPersistentVolumeClaims``, ``ClaimsMatchRetentionPolicy``,
  ``UpdatePodClaimForRetentionPolicy``, ``PodClaimIsStale``;
- ``stateful_set_utils.go``: ordinals, identity, storage, the retention policy's owner references, revisions and
  status helpers (names kept below);
- ``pkg/controller/history/controller_history.go``: ControllerRevision names, hashes, order, equality, and creation
  with a collision count.

What it guarantees (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/ and
https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/): pod ``<set>-<ordinal>`` with
hostname ``<set>-<ordinal>`` and subdomain ``serviceName``; PersistentVolumeClaim ``<claim>-<set>-<ordinal>``
created once and mounted by every incarnation of that ordinal; with ``OrderedReady`` ordinal k is created only
when 0..k-1 are Running and Ready (and available), nothing new is created while a pod is unhealthy, and scale-down
deletes the highest ordinal first, one at a time, waiting for its termination; ``Parallel`` creates and deletes
without waiting; a new pod for ordinal k is created only once the old pod object is gone from the API (names are
unique, so at most one pod per identity exists in the API); Failed or Succeeded pods are deleted and recreated.

Feature gates are at their Kubernetes 1.35 defaults: StatefulSetStartOrdinal, PodIndexLabel and
StatefulSetAutoDeletePVC (all GA) and MaxUnavailableStatefulSet (beta, on: rolling updates delete up to
``maxUnavailable`` pods, default 1, counting every unavailable replica).

Deliberate differences:

- A sync is one atomic action whose requests go out one after another; the concurrent work of ``Parallel``
  (``slowStartBatch``) is done in ordinal order within each batch.
- ControllerRevisions are kept as ``apps/v1`` ControllerRevision objects the model does not interpret
  (:class:`~model.objects.OpaqueObject`); their ``data`` is upstream's patch ``{"spec": {"template": ...,
  "$patch": "replace"}}``. The ``controller-revision-hash`` is FNV-32a (then ``rand.SafeEncodeString``) of that data's
  canonical JSON and the collision count: deterministic, but not the bytes Go's encoder hashes, so names differ
  from a real cluster's.
- ``RetryOnConflict`` re-reads the controller's own cache, which cannot change within one atomic sync, so the
  model sends a conflicting update once and fails the sync (requeued with back-off), as the retries would.
- The pods' volumes are laid out in template order (upstream iterates a Go map, in random order).
- Events and metrics are not modelled.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import controller_identity
from model.controllers import base
from model.controllers.replicaset import is_pod_available
from model.frozendict import freeze, thaw
from model.labels import Selector
from model.objects import ObjectMeta, OpaqueObject, OwnerReference, PersistentVolumeClaim, Pod, StatefulSet
from model.objects.pod import PersistentVolumeClaimVolumeSource, PodTemplateSpec, Volume
from model.objects.workloads import StatefulSetStatus
from model.store import ADDED, DELETED, Objects, WatchEvent

NAME = "statefulset-controller"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
"""``apps.StatefulSetPodNameLabel``."""
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
"""``apps.PodIndexLabel``."""
REVISION_LABEL = "controller-revision-hash"
"""``apps.StatefulSetRevisionLabel`` (= ``ControllerRevisionHashLabelKey``)."""
REVISION_KIND = "ControllerRevision"
MAX_BATCH_SIZE = 500
"""``MaxBatchSize``: the largest slow-start batch."""
RETAIN, DELETE = "Retain", "Delete"
_ORDINAL = re.compile(r"(.*)-([0-9]+)$")
_INT32_MAX = 2**31 - 1
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
"""k8s.io/apimachinery/pkg/util/rand ``alphanums``."""
_USER = controller_identity(NAME)

def aggregate(errors: Sequence[str]) -> str | None:
    """``utilerrors.NewAggregate(...).Error()``: nothing, the one message, or ``[a, b]``."""
    if not errors:
        return None
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


# --- ordinals and identity (stateful_set_utils.go) -------------------------------------------------------


def parent_name_and_ordinal(pod: Pod) -> tuple[str, int]:
    """``getParentNameAndOrdinal``: ``<parent>-<ordinal>``; ("", -1) for other names, (parent, -1) when the
    ordinal is not an int32."""
    match = _ORDINAL.fullmatch(pod.name)
    if match is None:
        return "", -1
    ordinal = int(match.group(2))
    return match.group(1), ordinal if ordinal <= _INT32_MAX else -1


def ordinal_of(pod: Pod) -> int:
    """``getOrdinal``."""
    return parent_name_and_ordinal(pod)[1]


def start_ordinal(sts: StatefulSet) -> int:
    """``getStartOrdinal``: ``spec.ordinals.start``."""
    return sts.spec.ordinals.start


def end_ordinal(sts: StatefulSet) -> int:
    """``getEndOrdinal``: the last ordinal (inclusive)."""
    return start_ordinal(sts) + sts.spec.replicas - 1


def in_ordinal_range(pod: Pod, sts: StatefulSet) -> bool:
    """``podInOrdinalRange``."""
    return start_ordinal(sts) <= ordinal_of(pod) <= end_ordinal(sts)


def pod_name(sts: StatefulSet, ordinal: int) -> str:
    """``getPodName``."""
    return f"{sts.name}-{ordinal}"


def claim_name(sts: StatefulSet, template: str, ordinal: int) -> str:
    """``getPersistentVolumeClaimName``: ``<claim>-<set>-<ordinal>``."""
    return f"{template}-{sts.name}-{ordinal}"


def is_member_of(sts: StatefulSet, pod: Pod) -> bool:
    """``isMemberOf``: the name's parent is the set."""
    return parent_name_and_ordinal(pod)[0] == sts.name


def identity_matches(sts: StatefulSet, pod: Pod) -> bool:
    """``identityMatches``: name, namespace and the pod-name label conform to the set."""
    parent, ordinal = parent_name_and_ordinal(pod)
    return (ordinal >= 0 and parent == sts.name and pod.name == pod_name(sts, ordinal)
            and pod.namespace == sts.namespace and pod.labels.get(POD_NAME_LABEL) == pod.name)


def storage_matches(sts: StatefulSet, pod: Pod) -> bool:
    """``storageMatches``: every claim template is mounted as a volume of its name naming this ordinal's claim."""
    ordinal = ordinal_of(pod)
    if ordinal < 0:
        return False
    volumes = {v.name: v for v in pod.spec.volumes}
    for template in sts.spec.volume_claim_templates:
        volume = volumes.get(template.metadata.name or "")
        if volume is None or volume.persistent_volume_claim is None or \
                volume.persistent_volume_claim.claim_name != claim_name(sts, template.metadata.name or "", ordinal):
            return False
    return True


def persistent_volume_claims(sts: StatefulSet, ordinal: int) -> tuple[PersistentVolumeClaim, ...]:
    """``getPersistentVolumeClaims``: each template as this ordinal's claim, labelled with the template's labels
    and the set's ``matchLabels`` (which win)."""
    selector_labels = sts.spec.selector.match_labels if sts.spec.selector is not None else {}
    claims = []
    for template in sts.spec.volume_claim_templates:
        meta = attrs.evolve(template.metadata, name=claim_name(sts, template.metadata.name or "", ordinal),
                            namespace=sts.namespace, labels=freeze({**template.metadata.labels, **selector_labels}),
                            uid=None, resource_version=None)
        claims.append(PersistentVolumeClaim(metadata=meta, spec=template.spec))
    return tuple(claims)


def update_storage(sts: StatefulSet, pod: Pod) -> Pod:
    """``updateStorage``: the claim templates' volumes, then the pod's other volumes."""
    ordinal = ordinal_of(pod)
    names = {t.metadata.name for t in sts.spec.volume_claim_templates}
    claims = tuple(Volume(name=t.metadata.name or "", persistent_volume_claim=PersistentVolumeClaimVolumeSource(
        claim_name=claim_name(sts, t.metadata.name or "", ordinal))) for t in sts.spec.volume_claim_templates)
    volumes = claims + tuple(v for v in pod.spec.volumes if v.name not in names)
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, volumes=volumes))


def update_identity(sts: StatefulSet, pod: Pod) -> Pod:
    """``updateIdentity``: name, namespace and the pod-name and pod-index labels."""
    ordinal = ordinal_of(pod)
    name = pod_name(sts, ordinal)
    labels = pod.labels.set(POD_NAME_LABEL, name).set(POD_INDEX_LABEL, str(ordinal))
    return attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name=name, namespace=sts.namespace, labels=labels))


def init_identity(sts: StatefulSet, pod: Pod) -> Pod:
    """``initIdentity``: ``updateIdentity`` plus the immutable hostname and subdomain, set only at creation."""
    pod = update_identity(sts, pod)
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, hostname=pod.name, subdomain=sts.spec.service_name))


def controller_ref(sts: StatefulSet) -> OwnerReference:
    """``metav1.NewControllerRef(set, controllerKind)``."""
    return OwnerReference(api_version="apps/v1", kind="StatefulSet", name=sts.name, uid=sts.metadata.uid or "",
                          controller=True, block_owner_deletion=True)


def new_pod(sts: StatefulSet, ordinal: int) -> Pod:
    """``newStatefulSetPod``: ``GetPodFromTemplate`` with the set as controller, then identity and storage."""
    template = sts.spec.template
    meta = ObjectMeta(name=pod_name(sts, ordinal), namespace=sts.namespace, labels=template.metadata.labels,
                      annotations=template.metadata.annotations, finalizers=template.metadata.finalizers,
                      owner_references=(controller_ref(sts),))
    return update_storage(sts, init_identity(sts, Pod(metadata=meta, spec=template.spec)))


def pod_revision(pod: Pod) -> str:
    """``getPodRevision``."""
    return pod.labels.get(REVISION_LABEL, "")


def with_revision(pod: Pod, revision: str) -> Pod:
    """``setPodRevision``."""
    return attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, labels=pod.labels.set(REVISION_LABEL, revision)))


def new_versioned_pod(current_set: StatefulSet, update_set: StatefulSet, current_revision: str,
                      update_revision: str, ordinal: int) -> Pod:
    """``newVersionedStatefulSetPod``: below the partition a RollingUpdate set creates the current revision, any
    other ordinal the update revision. (Upstream's condition, kept as written, lets a partition alone decide even
    for OnDelete; API defaulting leaves ``rollingUpdate`` unset for OnDelete, so it never does.)"""
    strategy = current_set.spec.update_strategy
    rolling = strategy.rolling_update
    if (strategy.type == "RollingUpdate" and rolling is None
            and ordinal < start_ordinal(current_set) + current_set.status.current_replicas) \
            or (rolling is not None and ordinal < start_ordinal(current_set) + rolling.partition):
        return with_revision(new_pod(current_set, ordinal), current_revision)
    return with_revision(new_pod(update_set, ordinal), update_revision)


# --- pod state (stateful_set_utils.go) ---------------------------------------------------------------------


def is_created(pod: Pod) -> bool:
    """``isCreated``: the pod came from the API server (upstream: it has a phase; a pod the controller has only
    built here has no uid)."""
    return pod.metadata.uid is not None


def is_terminating(pod: Pod) -> bool:
    """``isTerminating``: a deletion timestamp is set."""
    return pod.metadata.deletion_timestamp is not None


def is_running_and_ready(pod: Pod) -> bool:
    """``isRunningAndReady``: phase Running and the Ready condition True."""
    return pod.status.phase == "Running" and pod.is_ready


def is_running_and_available(pod: Pod, min_ready_seconds: int, now: int) -> bool:
    """``isRunningAndAvailable``: ``podutil.IsPodAvailable``."""
    return is_pod_available(pod, min_ready_seconds, now)


def is_unavailable(pod: Pod, min_ready_seconds: int, now: int) -> bool:
    """An unhealthy replica for ordering and updates: terminating, not Running and Ready, or not yet available."""
    return is_terminating(pod) or not is_running_and_ready(pod) or \
        not is_running_and_available(pod, min_ready_seconds, now)


def allows_burst(sts: StatefulSet) -> bool:
    """``allowsBurst``: podManagementPolicy Parallel."""
    return sts.spec.pod_management_policy == "Parallel"


def max_unavailable(sts: StatefulSet) -> int:
    """``getStatefulSetMaxUnavailable``: ``maxUnavailable`` (default 1), a percentage of the replicas rounded
    down, never below 1."""
    rolling = sts.spec.update_strategy.rolling_update
    value = 1 if rolling is None or rolling.max_unavailable is None else rolling.max_unavailable
    number = value if isinstance(value, int) else int(value[:-1]) * sts.spec.replicas // 100
    return max(number, 1)


# --- the PVC retention policy (stateful_set_utils.go) ------------------------------------------------------

_SET_KIND = ("apps/v1", "StatefulSet")
_POD_KIND = ("v1", "Pod")


def _uid(obj: Any) -> str:
    return obj.metadata.uid or ""


def matches_ref(ref: OwnerReference, obj: Any, kind: tuple[str, str]) -> bool:
    """``matchesRef``: same API version, kind and name (the uid is not compared)."""
    return (ref.api_version, ref.kind) == kind and ref.name == obj.name


def has_owner_ref(target: Any, owner: Any) -> bool:
    """``hasOwnerRef``: some reference carries the owner's uid."""
    return any(ref.uid == _uid(owner) for ref in target.metadata.owner_references)


def has_stale_owner_ref(target: Any, obj: Any, kind: tuple[str, str]) -> bool:
    """``hasStaleOwnerRef``: the first reference naming the object carries another uid."""
    for ref in target.metadata.owner_references:
        if matches_ref(ref, obj, kind):
            return ref.uid != _uid(obj)
    return False


def _policy(sts: StatefulSet) -> tuple[str, str]:
    policy = sts.spec.persistent_volume_claim_retention_policy
    return policy.when_scaled, policy.when_deleted


def has_unexpected_controller(claim: PersistentVolumeClaim, sts: StatefulSet, pod: Pod) -> bool:
    """``hasUnexpectedController``: with a Delete policy, another controller owns the claim (a stale reference
    to the set or the pod counts as one)."""
    if _policy(sts) == (RETAIN, RETAIN):
        return False
    for ref in claim.metadata.owner_references:
        if matches_ref(ref, sts, _SET_KIND):
            if ref.uid != _uid(sts):
                return True
            continue
        if matches_ref(ref, pod, _POD_KIND):
            if ref.uid != _uid(pod):
                return True
            continue
        if ref.controller:
            return True
    return False


def has_non_controller_owner(claim: PersistentVolumeClaim, sts: StatefulSet, pod: Pod) -> bool:
    """``hasNonControllerOwner``: the set or the pod owns the claim without being its controller."""
    return any(ref.uid in (_uid(sts), _uid(pod)) and not ref.controller for ref in claim.metadata.owner_references)


def is_claim_owner_up_to_date(claim: PersistentVolumeClaim, sts: StatefulSet, pod: Pod) -> bool:
    """``isClaimOwnerUpToDate``: the claim's owners follow the policy (Retain/Retain: neither; Delete when the set
    is deleted: the set; Delete on scale-down: the pod once it is scaled down; both: the set, then the pod once
    scaled down). Stale or unexpected owners leave the claim alone, unless the set or pod also owns it."""
    if has_stale_owner_ref(claim, sts, _SET_KIND) or has_stale_owner_ref(claim, pod, _POD_KIND):
        return True
    if has_unexpected_controller(claim, sts, pod):
        return not (has_owner_ref(claim, sts) or has_owner_ref(claim, pod))
    if has_non_controller_owner(claim, sts, pod):
        return False
    set_ref, pod_ref = has_owner_ref(claim, sts), has_owner_ref(claim, pod)
    scaled_down = not in_ordinal_range(pod, sts)
    when_scaled, when_deleted = _policy(sts)
    if when_scaled == RETAIN:
        return not pod_ref and set_ref == (when_deleted == DELETE)
    if when_deleted == RETAIN:
        return not set_ref and scaled_down == pod_ref
    return scaled_down != set_ref and scaled_down == pod_ref


def _add_controller_ref(refs: list[OwnerReference], owner: Any, kind: tuple[str, str]) -> list[OwnerReference]:
    """``addControllerRef``."""
    if any(ref.uid == _uid(owner) for ref in refs):
        return refs
    return [*refs, OwnerReference(api_version=kind[0], kind=kind[1], name=owner.name, uid=_uid(owner),
                                  controller=True, block_owner_deletion=True)]


def claim_owner_refs_for(claim: PersistentVolumeClaim, sts: StatefulSet, pod: Pod) -> tuple[OwnerReference, ...]:
    """``updateClaimOwnerRefForSetAndPod``: the claim's references with those to the set and the pod replaced as
    the policy asks (none when another controller owns the claim)."""
    unexpected = has_unexpected_controller(claim, sts, pod)
    refs = [r for r in claim.metadata.owner_references
            if not (matches_ref(r, sts, _SET_KIND) or matches_ref(r, pod, _POD_KIND))]
    if unexpected:
        return tuple(refs)
    when_scaled, when_deleted = _policy(sts)
    scaled_down = not in_ordinal_range(pod, sts)
    if when_scaled == DELETE and scaled_down:
        refs = _add_controller_ref(refs, pod, _POD_KIND)
    if when_deleted == DELETE and (when_scaled == RETAIN or not scaled_down):
        refs = _add_controller_ref(refs, sts, _SET_KIND)
    return tuple(refs)


# --- revisions (stateful_set_utils.go, pkg/controller/history) ---------------------------------------------


def revision_data(sts: StatefulSet) -> Any:
    """``getPatch``: the template, to be restored with a ``$patch: replace``."""
    return freeze({"spec": {"template": {**sts.spec.template.to_dict(), "$patch": "replace"}}})


def _fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def revision_hash(data: Any, collision_count: int | None) -> str:
    """``HashControllerRevision``: FNV-32a of the data (and the collision count as four little-endian bytes),
    written in decimal and encoded with ``rand.SafeEncodeString``."""
    raw = json.dumps(thaw(data), sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        raw += collision_count.to_bytes(4, "little")
    return "".join(_ALPHANUMS[ord(c) % len(_ALPHANUMS)] for c in str(_fnv32a(raw)))


def new_revision(sts: StatefulSet, number: int, collision_count: int) -> OpaqueObject:
    """``newRevision`` / ``history.NewControllerRevision``: named ``<set>-<hash>``, labelled with the template's
    labels and the hash, annotated with the set's annotations, controlled by the set."""
    data = revision_data(sts)
    digest = revision_hash(data, collision_count)
    meta = ObjectMeta(name=f"{sts.name[:223]}-{digest}", namespace=sts.namespace,
                      labels=sts.spec.template.metadata.labels.set(REVISION_LABEL, digest),
                      annotations=sts.metadata.annotations, owner_references=(controller_ref(sts),))
    return OpaqueObject("apps/v1", REVISION_KIND, meta, {"data": data, "revision": number})


def revision_number(revision: OpaqueObject) -> int:
    return int(revision.body.get("revision", 0))


def apply_revision(sts: StatefulSet, revision: OpaqueObject) -> StatefulSet:
    """``ApplyRevision``: the set with the revision's template (a revision whose patch has none, such as one a user
    created, leaves the set as it is)."""
    template = thaw(revision.body.get("data") or {}).get("spec", {}).get("template")
    if template is None:
        return sts
    template = {k: v for k, v in template.items() if k != "$patch"}
    return attrs.evolve(sts, spec=attrs.evolve(sts.spec, template=PodTemplateSpec.from_dict(template)))


def equal_revision(a: OpaqueObject, b: OpaqueObject) -> bool:
    """``history.EqualRevision``: different hash labels differ; otherwise the data decides."""
    hash_a, hash_b = a.metadata.labels.get(REVISION_LABEL), b.metadata.labels.get(REVISION_LABEL)
    if hash_a is not None and hash_b is not None and hash_a != hash_b:
        return False
    return a.body.get("data") == b.body.get("data")


def sort_revisions(revisions: Iterable[OpaqueObject]) -> list[OpaqueObject]:
    """``history.SortControllerRevisions``: by revision number, then creation, then name."""
    created = lambda r: r.metadata.creation_timestamp if isinstance(r.metadata.creation_timestamp, int) else 0
    return sorted(revisions, key=lambda r: (revision_number(r), created(r), r.name))


def list_revisions(sts: StatefulSet, cache: Objects) -> list[OpaqueObject]:
    """``ListRevisions``: the cached revisions the set's selector selects that it controls or nobody does."""
    selector = _selector(sts)
    listed = []
    for revision in cache.list(REVISION_KIND, sts.namespace):
        ref = revision.metadata.controller_ref()
        if selector.matches(revision.metadata.labels) and (ref is None or ref.uid == _uid(sts)):
            listed.append(revision)
    return listed


def _selector(sts: StatefulSet) -> Selector:
    return sts.spec.selector.selector()


# --- status (stateful_set_control.go, stateful_set_utils.go) ----------------------------------------------


def replica_status(pods: Iterable[Pod], min_ready_seconds: int, current: str, update: str,
                   now: int) -> tuple[int, int, int, int, int]:
    """``computeReplicaStatus``: (replicas, ready, available, current, updated) over created pods; the revision
    counts leave terminating pods out."""
    replicas = ready = available = at_current = updated = 0
    for pod in pods:
        if is_created(pod):
            replicas += 1
        if is_running_and_ready(pod):
            ready += 1
            available += is_running_and_available(pod, min_ready_seconds, now)
        if is_created(pod) and not is_terminating(pod):
            at_current += pod_revision(pod) == current
            updated += pod_revision(pod) == update
    return replicas, ready, available, at_current, updated


def with_counts(status: StatefulSetStatus, sts: StatefulSet, pods: Iterable[Pod], now: int) -> StatefulSetStatus:
    """``updateStatus``: the counts recomputed over ``pods``."""
    replicas, ready, available, current, updated = replica_status(
        pods, sts.spec.min_ready_seconds, status.current_revision or "", status.update_revision or "", now)
    return attrs.evolve(status, replicas=replicas, ready_replicas=ready, available_replicas=available,
                        current_replicas=current, updated_replicas=updated)


def complete_rolling_update(sts: StatefulSet, status: StatefulSetStatus) -> StatefulSetStatus:
    """``completeRollingUpdate``: once every replica is updated and ready, the update revision becomes current."""
    replicas = sts.spec.replicas
    if sts.spec.update_strategy.type == "RollingUpdate" and status.updated_replicas == replicas \
            and status.ready_replicas == replicas and status.replicas == replicas:
        return attrs.evolve(status, current_replicas=status.updated_replicas, current_revision=status.update_revision)
    return status


def inconsistent_status(sts: StatefulSet, status: StatefulSetStatus) -> bool:
    """``inconsistentStatus``: a newer observed generation, or any count or revision differs."""
    old = sts.status
    counts = lambda s: (s.replicas, s.current_replicas, s.ready_replicas, s.updated_replicas, s.current_revision,
                        s.available_replicas, s.update_revision)
    return (status.observed_generation or 0) > (old.observed_generation or 0) or counts(status) != counts(old)


# --- event handlers (stateful_set.go) ----------------------------------------------------------------------



_resolve = functools.partial(base.resolve_controller_ref, "StatefulSet")


def _sets_for_pod(pod: Pod, cache: Objects) -> list[base.Key]:
    """``getStatefulSetsForPod`` (``GetPodStatefulSets``): sets in the namespace whose non-empty selector matches."""
    if not pod.labels:
        return []
    return [base.key_of(s) for s in cache.list("StatefulSet", pod.namespace)
            if not _selector(s).empty() and _selector(s).matches(pod.labels)]


def _owner_key(pod: Pod, cache: Objects) -> list[base.Key]:
    sts = _resolve(pod.namespace, pod.metadata.controller_ref(), cache)
    return [] if sts is None else [base.key_of(sts)]


def _enqueue(event: WatchEvent, old: Any, cache: Objects) -> list[base.Key | base.After]:
    obj = event.object
    if obj.kind == "StatefulSet":
        return [base.key_of(obj)]
    if obj.kind != "Pod":
        return []
    if event.type == DELETED or (obj.metadata.deletion_timestamp is not None and (event.type == ADDED or old is None)):
        return list(_owner_key(obj, cache))
    if event.type == ADDED or old is None:
        ref = obj.metadata.controller_ref()
        return _owner_key(obj, cache) if ref is not None else _sets_for_pod(obj, cache)
    return _updated_pod(old, obj, cache)


def _updated_pod(old: Pod, cur: Pod, cache: Objects) -> list[base.Key | base.After]:
    """``updatePod``."""
    if cur.metadata.resource_version == old.metadata.resource_version:
        return []
    keys: list[base.Key | base.After] = []
    cur_ref, old_ref = cur.metadata.controller_ref(), old.metadata.controller_ref()
    if cur_ref != old_ref and old_ref is not None:
        keys += _owner_key(old, cache)
    if cur_ref is not None:
        sts = _resolve(cur.namespace, cur_ref, cache)
        return keys if sts is None else keys + list(base.pod_update_keys(sts, old, cur))
    if cur.labels != old.labels or cur_ref != old_ref:
        keys += _sets_for_pod(cur, cache)
    return keys


def _initial_keys(cache: Objects) -> list[base.Key]:
    return [base.key_of(s) for s in cache.list("StatefulSet")]


# --- one sync ----------------------------------------------------------------------------------------------


@attrs.frozen
class _Sync(base.Sync):
    """One sync of one StatefulSet, as straight-line generator code (see :func:`base.drive`)."""

    sts: StatefulSet

    def claim_cached(self, name: str) -> PersistentVolumeClaim | None:
        return self.cache.get("PersistentVolumeClaim", self.sts.namespace, name)

    def run(self) -> base.Program:
        """``sync``: adopt orphaned revisions, claim pods, ``UpdateStatefulSet``, then a resync after
        ``minReadySeconds`` while some replica is not available."""
        error = yield from self.adopt_orphan_revisions()
        if error is not None:
            return base.Result(failed=True)
        pods, error = yield from self.claim_pods()
        if error is not None:
            return base.Result(failed=True)
        status, error = yield from self.update_stateful_set(pods)
        if error is not None:
            return base.Result(failed=True)
        spec = self.sts.spec
        waiting = spec.min_ready_seconds > 0 and status is not None and status.available_replicas != spec.replicas
        return base.Result(requeue_after=spec.min_ready_seconds if waiting else None, failed=False)

    # adoption (stateful_set.go, controller_ref_manager.go)

    def can_adopt(self) -> Generator[Any, Any, str | None]:
        """``RecheckDeletionTimestamp``: an uncached GET must show the same set, not being deleted."""
        response = yield from base.send(rq.Get(_USER, "StatefulSet", self.sts.namespace, self.sts.name))
        if not response.ok:
            return response.message
        fresh = response.object
        if fresh.metadata.uid != self.sts.metadata.uid:
            return (f"original StatefulSet {self.sts.namespace}/{self.sts.name} is gone: got uid "
                    f"{fresh.metadata.uid}, wanted {self.sts.metadata.uid}")
        if fresh.metadata.deletion_timestamp is not None:
            return f"{self.sts.namespace}/{self.sts.name} has just been deleted at {fresh.metadata.deletion_timestamp}"
        return None

    def adopt_orphan_revisions(self) -> Generator[Any, Any, str | None]:
        """``adoptOrphanRevisions``: the selected revisions nobody controls become the set's."""
        orphans = [r for r in list_revisions(self.sts, self.cache) if r.metadata.controller_ref() is None]
        if not orphans:
            return None
        error = yield from self.can_adopt()
        if error is not None:
            return f"can't adopt ControllerRevisions: {error}"
        for revision in orphans:
            response = yield from base.send(rq.PatchOwnerReferences(
                _USER, REVISION_KIND, revision.namespace, revision.name, uid=revision.metadata.uid,
                add=(controller_ref(self.sts),)))
            if not response.ok:
                return response.message
        return None

    def claim_pods(self) -> Generator[Any, Any, tuple[list[Pod], str | None]]:
        """``getPodsForStatefulSet``: ``ClaimPods`` over the pods the set controls and the orphans of its
        namespace, matching when the selector selects them and their name makes them members."""
        selector = _selector(self.sts)
        deleting = self.sts.metadata.deletion_timestamp is not None
        claimed: list[Pod] = []
        errors: list[str] = []
        adoption_error: str | None = None
        checked = False
        pods = self.cache.list("Pod", self.sts.namespace)
        owned = [p for p in pods if (r := p.metadata.controller_ref()) is not None and r.uid == _uid(self.sts)]
        orphans = [p for p in pods if p.metadata.controller_ref() is None]
        for pod in owned + orphans:
            match = selector.matches(pod.labels) and is_member_of(self.sts, pod)
            if pod.metadata.controller_ref() is not None:
                if match:
                    claimed.append(pod)
                elif not deleting:
                    response = yield from base.send(rq.PatchOwnerReferences(
                        _USER, "Pod", pod.namespace, pod.name, uid=pod.metadata.uid, remove=(_uid(self.sts),)))
                    if not response.ok and response.code not in (404, 422):
                        errors.append(response.message)
                continue
            if deleting or not match or pod.metadata.deletion_timestamp is not None:
                continue
            if not checked:
                adoption_error = yield from self.can_adopt()
                checked = True
            if adoption_error is not None:
                errors.append(adoption_error)
                continue
            response = yield from base.send(rq.PatchOwnerReferences(
                _USER, "Pod", pod.namespace, pod.name, uid=pod.metadata.uid, add=(controller_ref(self.sts),)))
            if response.ok:
                claimed.append(pod)
            elif response.code != 404:
                errors.append(response.message)
        return claimed, aggregate(errors)

    # revisions (stateful_set_control.go getStatefulSetRevisions, history.CreateControllerRevision)

    def revisions(self, revisions: list[OpaqueObject]) -> Generator[Any, Any, tuple[Any, str | None]]:
        """``getStatefulSetRevisions``: the update revision is the set's template (the newest equal revision,
        renumbered when it is not the latest, or a new one); the current one is ``status.currentRevision``'s,
        else the update revision. Gives ((current, update, collisionCount), error)."""
        collision_count = self.sts.status.collision_count or 0
        number = revision_number(revisions[-1]) + 1 if revisions else 1
        update = new_revision(self.sts, number, collision_count)
        equal = [r for r in revisions if equal_revision(r, update)]
        if equal and equal_revision(revisions[-1], equal[-1]):
            update = revisions[-1]
        elif equal:
            renumbered = OpaqueObject(equal[-1].api_version, equal[-1].kind, equal[-1].metadata,
                                      equal[-1].body.set("revision", number))
            response = yield from base.send(rq.Update(_USER, renumbered))
            if not response.ok:
                return None, response.message
            update = response.object
        else:
            update, collision_count, error = yield from self.create_revision(number, collision_count)
            if error is not None:
                return None, error
        current = next((r for r in revisions if r.name == self.sts.status.current_revision), update)
        return (current, update, collision_count), None

    def create_revision(self, number: int, collision_count: int) -> Generator[Any, Any, tuple[Any, int, str | None]]:
        """``CreateControllerRevision``: on a name collision with a different revision, count the collision and
        try the next name; an equal revision this set controls is taken as it is."""
        while True:
            revision = new_revision(self.sts, number, collision_count)
            response = yield from base.send(rq.Create(_USER, revision))
            if response.ok:
                return response.object, collision_count, None
            if response.code != 409 or response.reason != "AlreadyExists":
                return None, collision_count, response.message
            existing = yield from base.send(rq.Get(_USER, REVISION_KIND, revision.namespace, revision.name))
            if not existing.ok:
                return None, collision_count, existing.message
            found = existing.object
            owner = found.metadata.controller_ref()
            if owner is not None and owner.uid == _uid(self.sts) and found.body.get("data") == revision.body["data"]:
                return found, collision_count, None
            collision_count += 1

    # UpdateStatefulSet / performUpdate

    def update_stateful_set(self, pods: list[Pod]) -> Generator[Any, Any, tuple[StatefulSetStatus | None, str | None]]:
        """``UpdateStatefulSet``: revisions, ``updateStatefulSet``, the status (written even after an error), then
        ``truncateHistory``."""
        revisions = sort_revisions(list_revisions(self.sts, self.cache))
        found, error = yield from self.revisions(revisions)
        if error is not None:
            history_error = yield from self.truncate_history(pods, revisions, None, None)
            return None, aggregate([e for e in (error, history_error) if e])
        current, update, collision_count = found
        status, error = yield from self.update_pods(current, update, collision_count, pods)
        status_error = yield from self.update_status(status)
        history_error = yield from self.truncate_history(pods, revisions, current, update)
        return status, aggregate([e for e in (error or status_error, history_error) if e])

    def update_status(self, status: StatefulSetStatus) -> Generator[Any, Any, str | None]:
        """``updateStatefulSetStatus``: complete a finished rolling update; write the status when it differs."""
        status = complete_rolling_update(self.sts, status)
        if not inconsistent_status(self.sts, status):
            return None
        response = yield from base.send(rq.UpdateStatus(_USER, attrs.evolve(self.sts, status=status)))
        return None if response.ok else response.message

    def truncate_history(self, pods: list[Pod], revisions: list[OpaqueObject], current: Any,
                         update: Any) -> Generator[Any, Any, str | None]:
        """``truncateHistory``: delete the oldest revisions that neither status nor any pod uses, beyond
        ``revisionHistoryLimit``."""
        live = {r.name for r in (current, update) if r is not None} | {pod_revision(p) for p in pods}
        history = [r for r in revisions if r.name not in live]
        limit = self.sts.spec.revision_history_limit
        if limit < 0 or len(history) <= limit:
            return None
        for revision in history[:len(history) - limit]:
            response = yield from base.send(rq.Delete(_USER, REVISION_KIND, revision.namespace, revision.name))
            if not response.ok:
                return response.message
        return None

    # updateStatefulSet

    def update_pods(self, current_revision: Any, update_revision: Any, collision_count: int,
                    pods: list[Pod]) -> Generator[Any, Any, tuple[StatefulSetStatus, str | None]]:
        """``updateStatefulSet``: create, repair and delete pods towards ``replicas`` pods at the right revisions."""
        sts, now = self.sts, self.now
        current_set, update_set = apply_revision(sts, current_revision), apply_revision(sts, update_revision)
        status = StatefulSetStatus(observed_generation=sts.metadata.generation, current_revision=current_revision.name,
                                   update_revision=update_revision.name, collision_count=collision_count)
        status = with_counts(status, sts, pods, now)
        start = start_ordinal(sts)
        by_ordinal: dict[int, Pod] = {}
        condemned: list[Pod] = []
        for pod in pods:
            if in_ordinal_range(pod, sts):
                by_ordinal[ordinal_of(pod)] = pod
            elif ordinal_of(pod) >= 0:
                condemned.append(pod)
        replicas = [by_ordinal[ordinal] if ordinal in by_ordinal else new_versioned_pod(
            current_set, update_set, current_revision.name, update_revision.name, ordinal)
            for ordinal in range(start, end_ordinal(sts) + 1)]
        condemned.sort(key=ordinal_of, reverse=True)
        unavailable = [p for p in replicas + condemned[::-1] if is_unavailable(p, sts.spec.min_ready_seconds, now)]
        first_unavailable = unavailable[0] if unavailable else None
        if sts.metadata.deletion_timestamp is not None:
            return status, None
        monotonic = not allows_burst(sts)

        def finish(error: str | None) -> tuple[StatefulSetStatus, str | None]:
            return with_counts(status, sts, replicas + condemned, now), error

        stop, error = yield from self.run_for_all(
            len(replicas), lambda i: self.process_replica(update_set, monotonic, replicas, i), monotonic)
        if stop or error:
            return finish(error)
        stop, error = yield from self.run_for_all(
            len(condemned), lambda i: self.fix_pod_claim(update_set, condemned[i]), monotonic)
        if stop or error:
            return finish(error)
        stop, error = yield from self.run_for_all(
            len(condemned), lambda i: self.process_condemned(first_unavailable, monotonic, condemned[i]), monotonic)
        if stop or error:
            return finish(error)
        status, _ = finish(None)
        if sts.spec.update_strategy.type == "OnDelete":
            return status, None
        return (yield from self.rolling_update(replicas, update_revision.name, status))

    def rolling_update(self, replicas: list[Pod], update_revision: str,
                       status: StatefulSetStatus) -> Generator[Any, Any, tuple[StatefulSetStatus, str | None]]:
        """``updateStatefulSetAfterInvariantEstablished``: with fewer than ``maxUnavailable`` replicas unavailable,
        delete that many outdated pods from the highest ordinal down to the partition."""
        sts = self.sts
        rolling = sts.spec.update_strategy.rolling_update
        update_min = rolling.partition if rolling is not None else 0
        budget = max_unavailable(sts) - sum(is_unavailable(p, sts.spec.min_ready_seconds, self.now) for p in replicas)
        for target in range(len(replicas) - 1, update_min - 1, -1):
            if budget <= 0:
                break
            pod = replicas[target]
            if pod_revision(pod) != update_revision and not is_terminating(pod):
                response = yield from base.send(rq.Delete(_USER, "Pod", pod.namespace, pod.name))
                if not response.ok and response.code != 404:
                    return status, response.message
                budget -= 1
                status = attrs.evolve(status, current_replicas=status.current_replicas - 1)
        return status, None

    def run_for_all(self, count: int, work: Callable[[int], Generator[Any, Any, tuple[bool, str | None]]],
                    monotonic: bool) -> Generator[Any, Any, tuple[bool, str | None]]:
        """``runForAll``: in order until one asks to stop or fails (OrderedReady); else ``slowStartBatch`` batches
        of 1, 2, 4 ... (at most ``MaxBatchSize``), stopping after a batch with errors."""
        if monotonic:
            for i in range(count):
                stop, error = yield from work(i)
                if stop or error:
                    return True, error
            return False, None
        done, batch = 0, min(count, 1)
        while batch > 0:
            errors = []
            for i in range(done, done + batch):
                _, error = yield from work(i)
                if error:
                    errors.append(error)
            if errors:
                return True, aggregate(errors)
            done += batch
            batch = min(2 * batch, count - done, MAX_BATCH_SIZE)
        return False, None

    def process_replica(self, update_set: StatefulSet, monotonic: bool, replicas: list[Pod],
                        i: int) -> Generator[Any, Any, tuple[bool, str | None]]:
        """``processReplica``: replace a Failed or Succeeded pod (once its object is gone), create a missing one
        (after its claims; OrderedReady stops there), create missing claims of a Pending one, wait for a
        terminating or unhealthy one (OrderedReady), and repair identity, storage and claim owners."""
        sts, pod = self.sts, replicas[i]
        if is_created(pod) and pod.status.phase in ("Failed", "Succeeded"):
            if not is_terminating(pod):
                response = yield from base.send(rq.Delete(_USER, "Pod", pod.namespace, pod.name))
                if not response.ok:
                    return True, response.message
            return True, None
        if not is_created(pod):
            if self.pod_claim_is_stale(pod):
                return True, None
            error = yield from self.create_stateful_pod(pod)
            if error is not None:
                return True, error
            if monotonic:
                return True, None
        if is_created(pod) and pod.status.phase == "Pending":
            error = yield from self.create_missing_claims(sts, pod)
            if error is not None:
                return True, error
        if monotonic and (is_terminating(pod) or not is_running_and_ready(pod)
                          or not is_running_and_available(pod, sts.spec.min_ready_seconds, self.now)):
            return True, None
        if identity_matches(sts, pod) and storage_matches(sts, pod) and self.claims_match_retention_policy(
                update_set, pod):
            return False, None
        error = yield from self.update_stateful_pod(update_set, pod)
        return (True, error) if error is not None else (False, None)

    def fix_pod_claim(self, update_set: StatefulSet, pod: Pod) -> Generator[Any, Any, tuple[bool, str | None]]:
        """The condemned pods' claims follow the retention policy before the pods go."""
        if self.claims_match_retention_policy(update_set, pod):
            return False, None
        error = yield from self.update_pod_claims_for_retention_policy(update_set, pod)
        return (True, error) if error is not None else (False, None)

    def process_condemned(self, first_unavailable: Pod | None, monotonic: bool,
                          pod: Pod) -> Generator[Any, Any, tuple[bool, str | None]]:
        """``processCondemned``: OrderedReady waits for a terminating pod, and deletes an unhealthy one only when
        it is the first unhealthy pod; then the pod is deleted (one per sync with OrderedReady)."""
        if is_terminating(pod):
            return monotonic, None
        first = first_unavailable is not None and first_unavailable.name == pod.name
        healthy = is_running_and_ready(pod) and is_running_and_available(pod, self.sts.spec.min_ready_seconds, self.now)
        if monotonic and not healthy and not first:
            return True, None
        response = yield from base.send(rq.Delete(_USER, "Pod", pod.namespace, pod.name))
        return True, None if response.ok else response.message

    # StatefulPodControl (stateful_pod_control.go)

    def create_stateful_pod(self, pod: Pod) -> Generator[Any, Any, str | None]:
        """``CreateStatefulPod``: the claims first, then the pod, then the claims' owners as far as the cache
        already shows the claims."""
        error = yield from self.create_claims(self.sts, pod)
        if error is not None:
            return error
        response = yield from base.send(rq.Create(_USER, pod))
        if response.code == 409 and response.reason == "AlreadyExists":
            return response.message
        error = yield from self.update_pod_claims_for_retention_policy(self.sts, pod)
        if error is not None:
            return error
        return None if response.ok else response.message

    def create_claims(self, sts: StatefulSet, pod: Pod) -> Generator[Any, Any, str | None]:
        """``createPersistentVolumeClaims``: create each claim the cache lacks; a claim being deleted is an error."""
        errors = []
        for claim in persistent_volume_claims(sts, ordinal_of(pod)):
            cached = self.claim_cached(claim.name)
            if cached is None:
                response = yield from base.send(rq.Create(_USER, claim))
                if not response.ok:
                    errors.append(f"failed to create PVC {claim.name}: {response.message}")
            elif cached.metadata.deletion_timestamp is not None:
                errors.append(f"pvc {claim.name} is being deleted")
        return aggregate(errors)

    def create_missing_claims(self, sts: StatefulSet, pod: Pod) -> Generator[Any, Any, str | None]:
        """``createMissingPersistentVolumeClaims``."""
        error = yield from self.create_claims(sts, pod)
        if error is not None:
            return error
        return (yield from self.update_pod_claims_for_retention_policy(sts, pod))

    def claims_match_retention_policy(self, sts: StatefulSet, pod: Pod) -> bool:
        """``ClaimsMatchRetentionPolicy`` over the cached claims (a missing one is picked up later)."""
        for template in sts.spec.volume_claim_templates:
            claim = self.claim_cached(claim_name(sts, template.metadata.name or "", ordinal_of(pod)))
            if claim is not None and not is_claim_owner_up_to_date(claim, sts, pod):
                return False
        return True

    def update_pod_claims_for_retention_policy(self, sts: StatefulSet, pod: Pod) -> Generator[Any, Any, str | None]:
        """``UpdatePodClaimForRetentionPolicy``: update each cached claim whose owners do not follow the policy."""
        for template in sts.spec.volume_claim_templates:
            name = claim_name(sts, template.metadata.name or "", ordinal_of(pod))
            claim = self.claim_cached(name)
            if claim is None or is_claim_owner_up_to_date(claim, sts, pod):
                continue
            refs = claim_owner_refs_for(claim, sts, pod)
            updated = attrs.evolve(claim, metadata=attrs.evolve(claim.metadata, owner_references=refs))
            response = yield from base.send(rq.Update(_USER, updated))
            if not response.ok:
                return f"could not update claim {name} for delete policy ownerRefs: {response.message}"
        return None

    def pod_claim_is_stale(self, pod: Pod) -> bool:
        """``PodClaimIsStale``: with Delete on scale-down, a claim still owned by an earlier pod of this ordinal
        blocks the new pod until the garbage collector has removed it."""
        if _policy(self.sts)[0] == RETAIN:
            return False
        return any(claim is not None and has_stale_owner_ref(claim, pod, _POD_KIND)
                   for claim in (self.claim_cached(c.name)
                                 for c in persistent_volume_claims(self.sts, ordinal_of(pod))))

    def update_stateful_pod(self, sts: StatefulSet, pod: Pod) -> Generator[Any, Any, str | None]:
        """``UpdateStatefulPod``: repair identity and storage (creating missing claims), bring the claims' owners
        in line with the policy, and update the pod if anything changed."""
        consistent = True
        if not identity_matches(sts, pod):
            pod, consistent = update_identity(sts, pod), False
        if not storage_matches(sts, pod):
            pod, consistent = update_storage(sts, pod), False
            error = yield from self.create_claims(sts, pod)
            if error is not None:
                return error
        if not self.claims_match_retention_policy(sts, pod):
            error = yield from self.update_pod_claims_for_retention_policy(sts, pod)
            if error is not None:
                return error
            consistent = False
        if consistent:
            return None
        response = yield from base.send(rq.Update(_USER, pod))
        return None if response.ok else response.message


def sync(ctx: base.Context) -> base.Result:
    """``sync`` for the StatefulSet at ``ctx.key``; nothing when it is gone."""
    namespace, name = ctx.key
    sts = ctx.cache.get("StatefulSet", namespace, name)
    if sts is None:
        return base.Result()
    return base.drive(_Sync(ctx, sts).run)


CONTROLLER = base.Controller(
    name=NAME, watches=frozenset({"StatefulSet", "Pod", "PersistentVolumeClaim", REVISION_KIND}),
    enqueue=_enqueue, initial_keys=_initial_keys, reconcile=sync)
"""kube-controller-manager's ``statefulset-controller``."""

