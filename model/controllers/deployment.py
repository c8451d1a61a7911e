"""The Deployment controller: ReplicaSets per pod template, rolling and Recreate rollouts, proportional scaling,
rollback, pause, progress deadlines and revision history.

Ported from kubernetes/kubernetes pkg/controller/deployment/:

- deployment_controller.go: the event handlers (``addDeployment`` ... ``addReplicaSet``, ``updateReplicaSet``,
  ``deleteReplicaSet``, ``deletePod``), ``getReplicaSetsForDeployment`` (``ClaimReplicaSets`` and
  ``RecheckDeletionTimestamp`` of pkg/controller/controller_ref_manager.go), ``getPodMapForDeployment``,
  ``syncDeployment`` and ``handleErr`` (a create refused because the namespace is terminating is not retried);
- sync.go: ``sync``, ``syncStatusOnly``, ``checkPausedConditions``, ``getAllReplicaSetsAndSyncRevision``,
  ``getNewReplicaSet`` (name ``<deployment>-<pod-template-hash>``, hash collisions bump ``status.collisionCount``),
  ``scale`` (proportional scaling), ``scaleReplicaSet``, ``cleanupDeployment``, ``syncDeploymentStatus``,
  ``calculateStatus``, ``isScalingEvent``;
- rolling.go: ``rolloutRolling``, ``reconcileNewReplicaSet``, ``reconcileOldReplicaSets``,
  ``cleanupUnhealthyReplicas``, ``scaleDownOldReplicaSetsForRollingUpdate``;
- recreate.go: ``rolloutRecreate``, ``oldPodsRunning``; rollback.go: ``rollback`` (the ``deprecated.deployment.
  rollback.to`` annotation that apps/v1 keeps for the old ``spec.rollbackTo``); progress.go: ``syncRolloutStatus``,
  ``getReplicaFailures``, ``requeueStuckDeployment``;
- util/deployment_util.go: conditions, revisions and their annotations, ``FindNewReplicaSet``,
  ``FindOldReplicaSets``, ``FindActiveOrLatest``, ``EqualIgnoreHash``, ``DeploymentComplete``,
  ``DeploymentProgressing``, ``DeploymentTimedOut`` (the rollout arithmetic itself is :mod:`model.rollout`);
- pkg/controller/controller_utils.go: ``ComputeHash``, ``FilterActiveReplicaSets``, the ReplicaSet orderings;
- :func:`rollout_undo` is ``kubectl rollout undo`` (staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollback.go).

Doc: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/

Deliberate differences:

- ``ComputeHash`` is FNV-1a 32 of the template then of the collision count, safe-encoded as upstream, but the
  template is hashed as canonical JSON (``to_dict`` with sorted keys) rather than as Go's ``spew`` dump of the Go
  struct, which cannot be reproduced outside Go: hashes (and so ReplicaSet names) differ from a real cluster's,
  with the same properties (deterministic, changed by any template change and by the collision count).
- A sync is one action whose requests go out one after another, as upstream's do. The in-memory Deployment is
  threaded through the sync as upstream mutates it, so a second status write in the same sync carries the
  resourceVersion of the cache and gets Conflict, exactly as upstream's does.
- Times are the model's whole seconds; a time from a snapshot (RFC 3339 text) counts as time 0. A requeue that
  upstream rate-limits to a few milliseconds happens after one second.
- Events, metrics, the ``maxRetries`` drop from the queue (the model keeps retrying with capped back-off) and the
  alpha ``status.terminatingReplicas`` (feature gate DeploymentReplicaSetTerminatingReplicas, off) are not modelled;
  nor is the ``SelectingAll`` branch of ``syncDeployment``, since the model cannot store an empty selector.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from model import rollout
from model.apiserver import requests as rq
from model.apiserver.server import NAME_ALPHABET
from model.auth.identity import ADMIN, UserInfo, controller_identity
from model.controllers import base
from model.frozendict import FrozenDict
from model.objects import ObjectMeta, OwnerReference, Pod, ReplicaSet
from model.objects.pod import PodTemplateSpec
from model.objects.workloads import Deployment, DeploymentStatus, ReplicaSetSpec
from model.store import ADDED, DELETED, Objects, WatchEvent

CONTROLLER_NAME = "deployment-controller"
IGNORES_MAX_UNAVAILABLE = "deployment-ignores-max-unavailable"
"""The ``ModelConfig.variants`` switch that makes rolling updates scale old ReplicaSets down regardless of
availability (see ``model.config.VARIANTS``)."""

POD_TEMPLATE_HASH = "pod-template-hash"
"""apps.DefaultDeploymentUniqueLabelKey."""
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to"
"""apps.DeprecatedRollbackTo: the revision to roll back to (0: the previous one)."""
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
ANNOTATIONS_TO_SKIP = frozenset({
    LAST_APPLIED_ANNOTATION, rollout.REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
    rollout.DESIRED_REPLICAS_ANNOTATION, rollout.MAX_REPLICAS_ANNOTATION, ROLLBACK_TO_ANNOTATION,
})
"""annotationsToSkip: annotations not copied between a Deployment and its ReplicaSets."""
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000
MAX_INT32 = 2**31 - 1
"""``progressDeadlineSeconds`` / ``revisionHistoryLimit`` of MaxInt32 mean no deadline / keep every revision."""

PROGRESSING, AVAILABLE, REPLICA_FAILURE = "Progressing", "Available", "ReplicaFailure"
REPLICA_SET_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_REPLICA_SET = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"

_USER = controller_identity(CONTROLLER_NAME)
_FNV32_OFFSET, _FNV32_PRIME = 0x811C9DC5, 0x01000193


# --- pod-template-hash (pkg/controller/controller_utils.go) -----------------------------------------------


def fnv32a(data: bytes, hash_: int = _FNV32_OFFSET) -> int:
    """hash/fnv New32a: ``data`` folded into ``hash_``."""
    for byte in data:
        hash_ = ((hash_ ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return hash_


def safe_encode_string(text: str) -> str:
    """rand.SafeEncodeString: each character mapped onto the alphabet of generated names."""
    return "".join(NAME_ALPHABET[ord(c) % len(NAME_ALPHABET)] for c in text)


def compute_hash(template: PodTemplateSpec, collision_count: int | None) -> str:
    """ComputeHash: FNV-1a of the template, then of the collision count (8 bytes, the first 4 its little-endian
    uint32), printed in decimal and safe-encoded. The template is hashed as canonical JSON (see the module's
    deliberate differences)."""
    hash_ = fnv32a(json.dumps(template.to_dict(), sort_keys=True, separators=(",", ":")).encode())
    if collision_count is not None:
        hash_ = fnv32a((collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4), hash_)
    return safe_encode_string(str(hash_))


# --- ReplicaSets (deployment_util.go, controller_utils.go) ------------------------------------------------


def _time(value: int | str | None) -> int | None:
    """A time on the model's clock: None is Go's zero time, a snapshot's RFC 3339 text counts as 0."""
    return value if value is None or isinstance(value, int) else 0


def _created(rs: ReplicaSet) -> int:
    created = _time(rs.metadata.creation_timestamp)
    return -1 if created is None else created


def by_creation(rss: Iterable[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsByCreationTimestamp: oldest first, then by name."""
    return sorted(rss, key=lambda rs: (_created(rs), rs.name))


def by_size_older(rss: Iterable[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsBySizeOlder: largest first; among equals, the older first."""
    return sorted(rss, key=lambda rs: (-rs.spec.replicas, _created(rs), rs.name))


def by_size_newer(rss: Iterable[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsBySizeNewer: largest first; among equals, the newer first."""
    by_name = sorted(rss, key=lambda rs: rs.name, reverse=True)
    return sorted(by_name, key=lambda rs: (-rs.spec.replicas, -_created(rs)))


def _revision_or_none(rs: ReplicaSet) -> int | None:
    try:
        return rollout.revision(rs.metadata.annotations.get(rollout.REVISION_ANNOTATION))
    except ValueError:
        return None


def by_revision(rss: Iterable[ReplicaSet]) -> list[ReplicaSet]:
    """ReplicaSetsByRevision: lower revision first; creation order when either does not parse or they tie."""
    def less(a: ReplicaSet, b: ReplicaSet) -> bool:
        ra, rb = _revision_or_none(a), _revision_or_none(b)
        if ra is None or rb is None or ra == rb:
            return (_created(a), a.name) < (_created(b), b.name)
        return ra < rb
    return sorted(rss, key=functools.cmp_to_key(lambda a, b: -1 if less(a, b) else 1 if less(b, a) else 0))


def filter_active(rss: Iterable[ReplicaSet | None]) -> list[ReplicaSet]:
    """FilterActiveReplicaSets: the ReplicaSets with replicas wanted."""
    return [rs for rs in rss if rs is not None and rs.spec.replicas > 0]


def _without_hash(template: PodTemplateSpec) -> PodTemplateSpec:
    labels = template.metadata.labels.discard(POD_TEMPLATE_HASH)
    return attrs.evolve(template, metadata=attrs.evolve(template.metadata, labels=labels))


def equal_ignore_hash(template1: PodTemplateSpec, template2: PodTemplateSpec) -> bool:
    """EqualIgnoreHash: the templates are equal but for their pod-template-hash labels."""
    return _without_hash(template1) == _without_hash(template2)


def find_new_replica_set(d: Deployment, rs_list: Sequence[ReplicaSet]) -> ReplicaSet | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's."""
    return next((rs for rs in by_creation(rs_list) if equal_ignore_hash(rs.spec.template, d.spec.template)), None)


def find_old_replica_sets(d: Deployment, rs_list: Sequence[ReplicaSet]) -> tuple[list[ReplicaSet], list[ReplicaSet]]:
    """FindOldReplicaSets: the old ReplicaSets with replicas wanted, and all of them (oldest first)."""
    new = find_new_replica_set(d, rs_list)
    old = [rs for rs in by_creation(rs_list) if new is None or rs.metadata.uid != new.metadata.uid]
    return [rs for rs in old if rs.spec.replicas != 0], old


def find_active_or_latest(new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet]) -> ReplicaSet | None:
    """FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active; None when several are."""
    if new_rs is None and not old_rss:
        return None
    newest_first = list(reversed(by_creation(old_rss)))
    active = filter_active([*newest_first, new_rs])
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    return active[0] if len(active) == 1 else None


def is_saturated(d: Deployment, rs: ReplicaSet | None) -> bool:
    """IsSaturated: the ReplicaSet is meant to own, and owns available, all the Deployment's replicas."""
    if rs is None:
        return False
    desired = rollout.replicas_annotation(rs.metadata.annotations.get(rollout.DESIRED_REPLICAS_ANNOTATION))
    return rollout.is_saturated(d.spec.replicas, rs.spec.replicas, desired, rs.status.available_replicas or 0)


def _total(rss: Iterable[ReplicaSet | None], count: Callable[[ReplicaSet], int | None]) -> int:
    return sum(count(rs) or 0 for rs in rss if rs is not None)


def replica_count(rss: Iterable[ReplicaSet | None]) -> int:
    """GetReplicaCountForReplicaSets: the replicas the ReplicaSets want."""
    return _total(rss, lambda rs: rs.spec.replicas)


def actual_replica_count(rss: Iterable[ReplicaSet | None]) -> int:
    """GetActualReplicaCountForReplicaSets: the replicas their statuses report."""
    return _total(rss, lambda rs: rs.status.replicas)


def available_replica_count(rss: Iterable[ReplicaSet | None]) -> int:
    """GetAvailableReplicaCountForReplicaSets."""
    return _total(rss, lambda rs: rs.status.available_replicas)


def has_progress_deadline(d: Deployment) -> bool:
    """HasProgressDeadline."""
    return d.spec.progress_deadline_seconds != MAX_INT32


def has_revision_history_limit(d: Deployment) -> bool:
    """HasRevisionHistoryLimit."""
    return d.spec.revision_history_limit != MAX_INT32


def _max_replicas(d: Deployment) -> int:
    return d.spec.replicas + rollout.max_surge(d)


# --- annotations (deployment_util.go) ---------------------------------------------------------------------


def set_replicas_annotations(annotations: FrozenDict, desired: int, maximum: int) -> tuple[FrozenDict, bool]:
    """SetReplicasAnnotations: the desired- and max-replicas annotations, and whether they changed."""
    updated = annotations.set(rollout.DESIRED_REPLICAS_ANNOTATION, str(desired)) \
        .set(rollout.MAX_REPLICAS_ANNOTATION, str(maximum))
    return updated, updated != annotations


def replicas_annotations_need_update(annotations: FrozenDict, desired: int, maximum: int) -> bool:
    """ReplicasAnnotationsNeedUpdate."""
    return set_replicas_annotations(annotations, desired, maximum)[1]


def _go_int64(text: str) -> int | None:
    try:
        return rollout.revision(text)
    except ValueError:
        return None


def set_new_replica_set_annotations(d: Deployment, annotations: FrozenDict, new_revision: str, exists: bool,
                                    history_limit: int = MAX_REV_HISTORY_LENGTH_IN_CHARS) -> tuple[FrozenDict, bool]:
    """SetNewReplicaSetAnnotations: the new ReplicaSet's annotations (the Deployment's own copied over, its
    revision raised to ``new_revision``, the revisions it served before kept in revision-history up to
    ``history_limit`` characters, replica annotations on a new one) and whether they changed.

    An unparseable revision annotation stops the update, returning False with the copied annotations."""
    changed = False
    for key, value in d.metadata.annotations.items():
        if key in ANNOTATIONS_TO_SKIP or annotations.get(key) == value:
            continue
        annotations, changed = annotations.set(key, value), True
    old_revision = annotations.get(rollout.REVISION_ANNOTATION)
    old = _go_int64(old_revision or "0")
    if old is None:
        return annotations, False
    new = int(new_revision)
    if old < new:
        annotations, changed = annotations.set(rollout.REVISION_ANNOTATION, new_revision), True
        if old_revision is not None:
            annotations = annotations.set(REVISION_HISTORY_ANNOTATION, _revision_history(
                annotations.get(REVISION_HISTORY_ANNOTATION, ""), old_revision, history_limit))
    if not exists:
        annotations, replicas_changed = set_replicas_annotations(annotations, d.spec.replicas, _max_replicas(d))
        changed = changed or replicas_changed
    return annotations, changed


def _revision_history(history: str, old_revision: str, limit: int) -> str:
    """The revision-history annotation with ``old_revision`` appended, the oldest dropped to stay within
    ``limit`` characters (unchanged when even that is not enough)."""
    revisions = history.split(",")
    if not revisions[0]:
        return old_revision
    total, start = len(history) + len(old_revision) + 1, 0
    while total > limit and start < len(revisions):
        total -= len(revisions[start]) + 1
        start += 1
    return ",".join([*revisions[start:], old_revision]) if total <= limit else history


def _skipped(annotations: FrozenDict) -> FrozenDict:
    return FrozenDict({k: v for k, v in annotations.items() if k in ANNOTATIONS_TO_SKIP})


def annotations_for_rollback(d: Deployment, rs: ReplicaSet) -> FrozenDict:
    """SetDeploymentAnnotationsTo: the Deployment's skipped annotations, and all others from ``rs``."""
    restored = {k: v for k, v in rs.metadata.annotations.items() if k not in ANNOTATIONS_TO_SKIP}
    return FrozenDict({**_skipped(d.metadata.annotations), **restored})


def rollback_to(d: Deployment) -> int | None:
    """getRollbackTo: the revision the deprecated rollback annotation asks for (None: none or unparseable)."""
    value = d.metadata.annotations.get(ROLLBACK_TO_ANNOTATION)
    return None if not value else _go_int64(value)


# --- conditions (deployment_util.go) ----------------------------------------------------------------------


def new_condition(type_: str, status: str, reason: str, message: str, now: int) -> FrozenDict:
    """NewDeploymentCondition, updated and transitioned ``now``."""
    return FrozenDict({"type": type_, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
                       "reason": reason, "message": message})


def get_condition(conditions: Any, type_: str) -> FrozenDict | None:
    """GetDeploymentCondition."""
    return next((c for c in conditions or () if c.get("type") == type_), None)


def remove_condition(conditions: Any, type_: str) -> tuple | None:
    """RemoveDeploymentCondition (no conditions left is None, as an empty list is omitted)."""
    return tuple(c for c in conditions or () if c.get("type") != type_) or None


def set_condition(conditions: Any, condition: FrozenDict) -> tuple | None:
    """SetDeploymentCondition: nothing changes when one of the type has the same status and reason; the
    transition time is kept when the status does not change; the condition goes last."""
    current = get_condition(conditions, condition["type"])
    if current is not None and current.get("status") == condition["status"] \
            and current.get("reason") == condition.get("reason"):
        return conditions
    if current is not None and current.get("status") == condition["status"]:
        condition = condition.set("lastTransitionTime", current.get("lastTransitionTime"))
    return (*(remove_condition(conditions, condition["type"]) or ()), condition)


def replica_set_to_deployment_condition(condition: FrozenDict) -> FrozenDict:
    """ReplicaSetToDeploymentCondition: updated when it transitioned."""
    converted = {"type": condition.get("type"), "status": condition.get("status"),
                 "lastUpdateTime": condition.get("lastTransitionTime"),
                 "lastTransitionTime": condition.get("lastTransitionTime"),
                 "reason": condition.get("reason"), "message": condition.get("message")}
    return FrozenDict({k: v for k, v in converted.items() if v is not None})


def _with_conditions(status: DeploymentStatus, conditions: Any) -> DeploymentStatus:
    return attrs.evolve(status, conditions=conditions)


# --- status and progress (sync.go, progress.go, deployment_util.go) ---------------------------------------


def calculate_status(all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None, d: Deployment,
                     now: int) -> DeploymentStatus:
    """calculateStatus: counts from the ReplicaSets' statuses, the Deployment's conditions with Available set by
    whether ``replicas - maxUnavailable`` replicas are available."""
    available = available_replica_count(all_rss)
    ready = _total(all_rss, lambda rs: rs.status.ready_replicas)
    status = DeploymentStatus(
        observed_generation=d.metadata.generation, replicas=actual_replica_count(all_rss),
        updated_replicas=actual_replica_count([new_rs]), ready_replicas=ready, available_replicas=available,
        unavailable_replicas=max(replica_count(all_rss) - available, 0),
        collision_count=d.status.collision_count, conditions=d.status.conditions)
    if available >= d.spec.replicas - rollout.max_unavailable(d):
        condition = new_condition(AVAILABLE, "True", MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability.",
                                  now)
    else:
        condition = new_condition(AVAILABLE, "False", MINIMUM_REPLICAS_UNAVAILABLE,
                                  "Deployment does not have minimum availability.", now)
    return _with_conditions(status, set_condition(status.conditions, condition))


def deployment_complete(d: Deployment, status: DeploymentStatus) -> bool:
    """DeploymentComplete: every desired replica updated and available, no old one left, generation observed."""
    replicas = d.spec.replicas
    return (status.updated_replicas == replicas and status.replicas == replicas
            and status.available_replicas == replicas
            and (status.observed_generation or 0) >= (d.metadata.generation or 0))


def deployment_progressing(d: Deployment, status: DeploymentStatus) -> bool:
    """DeploymentProgressing: more updated, ready or available replicas, or fewer old ones, than last recorded."""
    old = d.status
    return (status.updated_replicas > old.updated_replicas
            or status.replicas - status.updated_replicas < old.replicas - old.updated_replicas
            or status.ready_replicas > old.ready_replicas or status.available_replicas > old.available_replicas)


def deployment_timed_out(d: Deployment, status: DeploymentStatus, now: int) -> bool:
    """DeploymentTimedOut: the Progressing condition was last updated more than progressDeadlineSeconds ago
    (never after a completed rollout; always once timed out)."""
    if not has_progress_deadline(d):
        return False
    condition = get_condition(status.conditions, PROGRESSING)
    if condition is None or condition.get("reason") == NEW_RS_AVAILABLE:
        return False
    if condition.get("reason") == TIMED_OUT:
        return True
    since = _time(condition.get("lastUpdateTime"))
    return (0 if since is None else since) + d.spec.progress_deadline_seconds < now


def replica_failures(all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None) -> list[FrozenDict]:
    """getReplicaFailures: the new ReplicaSet's ReplicaFailure conditions, else the others'."""
    def failures(rss: Iterable[ReplicaSet | None]) -> list[FrozenDict]:
        return [replica_set_to_deployment_condition(c) for rs in rss if rs is not None
                for c in rs.status.conditions or () if c.get("type") == REPLICA_FAILURE]
    return failures([new_rs]) or failures(all_rss)


def rollout_status(all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None, d: Deployment,
                   now: int) -> DeploymentStatus:
    """The status ``syncRolloutStatus`` writes: calculateStatus, then Progressing (NewReplicaSetAvailable once
    complete, ReplicaSetUpdated on progress, ProgressDeadlineExceeded on timeout; none without a deadline), then
    the ReplicaSets' ReplicaFailure."""
    status = calculate_status(all_rss, new_rs, d, now)
    if not has_progress_deadline(d):
        status = _with_conditions(status, remove_condition(status.conditions, PROGRESSING))
    current = get_condition(d.status.conditions, PROGRESSING)
    complete = status.replicas == status.updated_replicas and current is not None \
        and current.get("reason") == NEW_RS_AVAILABLE
    subject = f'Deployment "{d.name}"' if new_rs is None else f'ReplicaSet "{new_rs.name}"'
    if has_progress_deadline(d) and not complete:
        if deployment_complete(d, status):
            condition = new_condition(PROGRESSING, "True", NEW_RS_AVAILABLE, f"{subject} has successfully progressed.",
                                      now)
            status = _with_conditions(status, set_condition(status.conditions, condition))
        elif deployment_progressing(d, status):
            condition = new_condition(PROGRESSING, "True", REPLICA_SET_UPDATED, f"{subject} is progressing.", now)
            conditions = status.conditions
            if current is not None:
                if current.get("status") == "True":
                    condition = condition.set("lastTransitionTime", current.get("lastTransitionTime"))
                conditions = remove_condition(conditions, PROGRESSING)
            status = _with_conditions(status, set_condition(conditions, condition))
        elif deployment_timed_out(d, status, now):
            condition = new_condition(PROGRESSING, "False", TIMED_OUT, f"{subject} has timed out progressing.", now)
            status = _with_conditions(status, set_condition(status.conditions, condition))
    failures = replica_failures(all_rss, new_rs)
    if failures:
        return _with_conditions(status, set_condition(status.conditions, failures[0]))
    return _with_conditions(status, remove_condition(status.conditions, REPLICA_FAILURE))


def requeue_stuck_deployment(d: Deployment, status: DeploymentStatus, now: int) -> int | None:
    """requeueStuckDeployment: seconds until the deadline of a rollout showing no progress (0: it has passed, so
    check again right away), or None when there is nothing to wait for."""
    current = get_condition(d.status.conditions, PROGRESSING)
    if not has_progress_deadline(d) or current is None:
        return None
    if deployment_complete(d, status) or current.get("reason") == TIMED_OUT:
        return None
    since = _time(current.get("lastUpdateTime"))
    after = (0 if since is None else since) + d.spec.progress_deadline_seconds - now
    return 0 if after < 1 else after


# --- rollout arithmetic on ReplicaSets (sync.go, rolling.go) ----------------------------------------------


def proportional_scale(d: Deployment, new_rs: ReplicaSet | None,
                       old_rss: Sequence[ReplicaSet]) -> list[tuple[ReplicaSet, int]]:
    """The rolling-update branch of ``scale``: every active ReplicaSet's new size when replicas + maxSurge
    changed, each keeping its proportion (GetReplicaSetProportion), the rounding leftover going to the first
    (the largest; newest first when scaling up, oldest first when scaling down)."""
    active = filter_active([*old_rss, new_rs])
    allowed = d.spec.replicas + rollout.max_surge(d) if d.spec.replicas > 0 else 0
    to_add = allowed - replica_count(active)
    ordered = by_size_newer(active) if to_add > 0 else by_size_older(active) if to_add < 0 else active
    sizes, added = [], 0
    for rs in ordered:
        proportion = rollout.get_replica_set_proportion(
            rs_replicas=rs.spec.replicas, deployment_replicas_to_add=to_add, deployment_replicas_added=added,
            deployment_replicas=d.spec.replicas, deployment_max_surge=rollout.max_surge(d),
            max_replicas_annotation=rollout.replicas_annotation(
                rs.metadata.annotations.get(rollout.MAX_REPLICAS_ANNOTATION)),
            deployment_status_replicas=d.status.replicas) if to_add != 0 else 0
        sizes.append(rs.spec.replicas + proportion)
        added += proportion
    if ordered and to_add != 0:
        sizes[0] = max(sizes[0] + to_add - added, 0)
    return list(zip(ordered, sizes, strict=True))


def new_replica_set_size(all_rss: Sequence[ReplicaSet], new_rs: ReplicaSet, d: Deployment) -> int | None:
    """reconcileNewReplicaSet's decision: the size to scale the new ReplicaSet to (None: leave it)."""
    if new_rs.spec.replicas == d.spec.replicas:
        return None
    if new_rs.spec.replicas > d.spec.replicas:
        return d.spec.replicas
    size = rollout.new_rs_new_replicas(d.spec.strategy.type, d.spec.replicas, rollout.max_surge(d),
                                       replica_count(all_rss), new_rs.spec.replicas)
    return None if size == new_rs.spec.replicas else size


def max_scaled_down(all_rss: Sequence[ReplicaSet], new_rs: ReplicaSet, d: Deployment) -> int:
    """reconcileOldReplicaSets' bound: all replicas, less minAvailable, less the new ReplicaSet's unavailable ones
    (which must not let old ReplicaSets shrink further)."""
    new_unavailable = new_rs.spec.replicas - (new_rs.status.available_replicas or 0)
    return replica_count(all_rss) - rollout.min_available(d) - new_unavailable


def unhealthy_cleanup(old_rss: Sequence[ReplicaSet], max_cleanup: int) -> list[tuple[ReplicaSet, int]]:
    """cleanupUnhealthyReplicas' scale-downs, oldest ReplicaSet first: each loses its replicas that are not
    available, ``max_cleanup`` in all. A size above the current one (more available than wanted) is upstream's
    "invalid request to scale down" error, which ends the cleanup."""
    plan, total = [], 0
    for rs in by_creation(old_rss):
        if total >= max_cleanup:
            break
        available = rs.status.available_replicas or 0
        if rs.spec.replicas == 0 or rs.spec.replicas == available:
            continue
        count = min(max_cleanup - total, rs.spec.replicas - available)
        plan.append((rs, rs.spec.replicas - count))
        if count < 0:
            break
        total += count
    return plan


def old_scale_down(all_rss: Sequence[ReplicaSet], old_rss: Sequence[ReplicaSet],
                   d: Deployment) -> list[tuple[ReplicaSet, int]]:
    """scaleDownOldReplicaSetsForRollingUpdate's scale-downs, oldest first: as many as are available above
    minAvailable."""
    excess = available_replica_count(all_rss) - rollout.min_available(d)
    return _scale_down_oldest(old_rss, excess)


def _scale_down_oldest(old_rss: Sequence[ReplicaSet], count: int) -> list[tuple[ReplicaSet, int]]:
    plan, total = [], 0
    for rs in by_creation(old_rss):
        if total >= count:
            break
        if rs.spec.replicas == 0:
            continue
        step = min(rs.spec.replicas, count - total)
        plan.append((rs, rs.spec.replicas - step))
        total += step
    return plan


def surplus_scale_down(all_rss: Sequence[ReplicaSet], old_rss: Sequence[ReplicaSet],
                       d: Deployment) -> list[tuple[ReplicaSet, int]]:
    """The ``deployment-ignores-max-unavailable`` variant: old ReplicaSets shrink by whatever exceeds
    ``replicas``, oldest first, whether or not the new pods are available."""
    return _scale_down_oldest(old_rss, replica_count(all_rss) - d.spec.replicas)


def old_pods_running(new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet], pod_map: dict[str, list[Pod]]) -> bool:
    """oldPodsRunning: an old ReplicaSet reports replicas, or one of its pods is not Succeeded or Failed."""
    if actual_replica_count(old_rss) > 0:
        return True
    new_uid = None if new_rs is None else new_rs.metadata.uid
    return any(pod.status.phase not in ("Failed", "Succeeded")
               for uid, pods in pod_map.items() if uid != new_uid for pod in pods)


# --- the sync --------------------------------------------------------------------------------------------


class _SyncError(Exception):
    """The sync returns an error: its key is requeued with back-off, unless ``forget`` (a create refused because
    the namespace is terminating, which handleErr does not retry)."""

    def __init__(self, forget: bool = False) -> None:
        super().__init__()
        self.forget = forget


def _must(request: rq.Request) -> base.Program:
    """Send ``request``; the sync fails if it does. The object answered."""
    response = yield from base.send(request)
    if not response.ok:
        raise _SyncError()
    return response.object


def _namespace_terminating(response: rq.Response) -> bool:
    """A create refused because the namespace is terminating (``NamespaceTerminatingCause``)."""
    return response.code == 403 and response.message.endswith("because it is being terminated")


def _controller_ref(d: Deployment) -> OwnerReference:
    """metav1.NewControllerRef."""
    return OwnerReference(api_version="apps/v1", kind="Deployment", name=d.name, uid=d.metadata.uid or "",
                          controller=True, block_owner_deletion=True)


def _with_status(d: Deployment, **fields: Any) -> Deployment:
    return attrs.evolve(d, status=attrs.evolve(d.status, **fields))


def _with_annotations(obj: Any, annotations: FrozenDict) -> Any:
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, annotations=annotations))


@attrs.frozen
class _Sync(base.Sync):
    """One ``syncDeployment``."""

    @property
    def variant(self) -> bool:
        return IGNORES_MAX_UNAVAILABLE in self.ctx.config.variants

    def run(self) -> base.Program:
        """syncDeployment: the requeue delay it asks for (None: none)."""
        d = self.cache.get("Deployment", *self.key)
        if d is None:
            return None
        rs_list = yield from self.claim(d)
        pod_map = self.pod_map(d, rs_list)
        if d.metadata.deletion_timestamp is not None:
            d, new_rs, old_rss = yield from self.all_replica_sets(d, rs_list, False)
            yield from self.sync_deployment_status([*old_rss, new_rs], new_rs, d)
            return None
        d = yield from self.check_paused_conditions(d)
        if d.spec.paused:
            return (yield from self.sync(d, rs_list))
        if rollback_to(d) is not None:
            return (yield from self.rollback(d, rs_list))
        d, scaling = yield from self.is_scaling_event(d, rs_list)
        if scaling:
            return (yield from self.sync(d, rs_list))
        if d.spec.strategy.type == rollout.RECREATE:
            return (yield from self.rollout_recreate(d, rs_list, pod_map))
        return (yield from self.rollout_rolling(d, rs_list))

    # getReplicaSetsForDeployment, getPodMapForDeployment

    def claim(self, d: Deployment) -> base.Program:
        """ClaimReplicaSets: adopt matching orphans (after a fresh GET shows the Deployment is not being
        deleted), release owned ReplicaSets that no longer match; any failure fails the sync."""
        claimed, actions = base.claim_actions(self.cache.list("ReplicaSet", d.namespace), d.spec.selector.selector(), d)
        failed, can_adopt = False, None
        for action, rs in actions:
            if action == "adopt" and can_adopt is None:
                fresh = yield from base.send(rq.Get(_USER, "Deployment", d.namespace, d.name))
                can_adopt = base.can_adopt(d, fresh)
            if action == "adopt" and not can_adopt:
                failed = True
                continue
            patch = rq.PatchOwnerReferences(
                _USER, "ReplicaSet", rs.namespace, rs.name, uid=rs.metadata.uid,
                add=(_controller_ref(d),) if action == "adopt" else (),
                remove=(d.metadata.uid,) if action == "release" else ())
            response = yield from base.send(patch)
            if response.ok and action == "adopt":
                claimed.append(rs)
            elif base.claim_failed(action, response):
                failed = True
        if failed:
            raise _SyncError()
        return by_creation(claimed)

    def pod_map(self, d: Deployment, rs_list: Sequence[ReplicaSet]) -> dict[str, list[Pod]]:
        """getPodMapForDeployment: the pods the Deployment selects, by the uid of their (claimed) ReplicaSet."""
        selector = d.spec.selector.selector()
        pod_map: dict[str, list[Pod]] = {rs.metadata.uid: [] for rs in rs_list}
        for pod in self.cache.list("Pod", d.namespace):
            ref = pod.metadata.controller_ref()
            if selector.matches(pod.labels) and ref is not None and ref.uid in pod_map:
                pod_map[ref.uid].append(pod)
        return pod_map

    # sync.go

    def check_paused_conditions(self, d: Deployment) -> base.Program:
        """checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed on a pause or resume,
        so that a paused rollout does not time out (never over ProgressDeadlineExceeded)."""
        if not has_progress_deadline(d):
            return d
        current = get_condition(d.status.conditions, PROGRESSING)
        if current is not None and current.get("reason") == TIMED_OUT:
            return d
        paused_recorded = current is not None and current.get("reason") == PAUSED
        if d.spec.paused and not paused_recorded:
            condition = new_condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused", self.now)
        elif not d.spec.paused and paused_recorded:
            condition = new_condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed", self.now)
        else:
            return d
        d = _with_status(d, conditions=set_condition(d.status.conditions, condition))
        yield from _must(rq.UpdateStatus(_USER, d))
        return d

    def sync(self, d: Deployment, rs_list: Sequence[ReplicaSet]) -> base.Program:
        """sync: a scaling event or a paused Deployment: scale, clean up (paused), write the status."""
        d, new_rs, old_rss = yield from self.all_replica_sets(d, rs_list, False)
        yield from self.scale(d, new_rs, old_rss)
        if d.spec.paused and rollback_to(d) is None:
            yield from self.cleanup_deployment(old_rss, d)
        yield from self.sync_deployment_status([*old_rss, new_rs], new_rs, d)
        return None

    def all_replica_sets(self, d: Deployment, rs_list: Sequence[ReplicaSet], create: bool) -> base.Program:
        """getAllReplicaSetsAndSyncRevision: the (possibly updated) Deployment, the new ReplicaSet (created if
        asked) and all old ones."""
        _, old_rss = find_old_replica_sets(d, rs_list)
        d, new_rs = yield from self.new_replica_set(d, rs_list, old_rss, create)
        return d, new_rs, old_rss

    def new_replica_set(self, d: Deployment, rs_list: Sequence[ReplicaSet], old_rss: Sequence[ReplicaSet],
                        create: bool) -> base.Program:
        """getNewReplicaSet."""
        existing = find_new_replica_set(d, rs_list)
        new_revision = str(rollout.max_revision(rs.metadata.annotations.get(rollout.REVISION_ANNOTATION)
                                                for rs in old_rss) + 1)
        if existing is not None:
            annotations, changed = set_new_replica_set_annotations(d, existing.metadata.annotations, new_revision,
                                                                   True)
            rs = _with_annotations(existing, annotations)
            if changed or rs.spec.min_ready_seconds != d.spec.min_ready_seconds:
                rs = attrs.evolve(rs, spec=attrs.evolve(rs.spec, min_ready_seconds=d.spec.min_ready_seconds))
                return d, (yield from _must(rq.Update(_USER, rs)))
            d, needs_update = self._with_revision(d, annotations.get(rollout.REVISION_ANNOTATION, ""))
            if has_progress_deadline(d) and get_condition(d.status.conditions, PROGRESSING) is None:
                condition = new_condition(PROGRESSING, "True", FOUND_NEW_RS, f'Found new replica set "{rs.name}"',
                                          self.now)
                d, needs_update = _with_status(d, conditions=set_condition(d.status.conditions, condition)), True
            if needs_update:
                yield from _must(rq.UpdateStatus(_USER, d))
            return d, rs
        if not create:
            return d, None
        return (yield from self.create_new_replica_set(d, old_rss, new_revision))

    def create_new_replica_set(self, d: Deployment, old_rss: Sequence[ReplicaSet], new_revision: str) -> base.Program:
        """getNewReplicaSet's creation of ``<deployment>-<pod-template-hash>``: on AlreadyExists the cached one is
        the new ReplicaSet if the Deployment owns it and its template matches; otherwise it is a hash collision
        and collisionCount goes up. Other errors set Progressing False ReplicaSetCreateError."""
        template = d.spec.template
        hash_ = compute_hash(template, d.status.collision_count)
        labels = template.metadata.labels.set(POD_TEMPLATE_HASH, hash_)
        selector = attrs.evolve(d.spec.selector, match_labels=d.spec.selector.match_labels.set(POD_TEMPLATE_HASH,
                                                                                               hash_))
        replicas = rollout.new_rs_new_replicas(d.spec.strategy.type, d.spec.replicas, rollout.max_surge(d),
                                               replica_count(old_rss), 0)
        annotations, _ = set_new_replica_set_annotations(d, FrozenDict(), new_revision, False)
        meta = ObjectMeta(name=f"{d.name}-{hash_}", namespace=d.namespace, labels=labels, annotations=annotations,
                          owner_references=(_controller_ref(d),))
        spec = ReplicaSetSpec(template=attrs.evolve(template, metadata=attrs.evolve(template.metadata, labels=labels)),
                              selector=selector, replicas=replicas, min_ready_seconds=d.spec.min_ready_seconds)
        response = yield from base.send(rq.Create(_USER, ReplicaSet(metadata=meta, spec=spec)))
        already_exists = response.code == 409 and response.reason == "AlreadyExists"
        if already_exists:
            found = self.cache.get("ReplicaSet", d.namespace, meta.name)
            if found is None:
                raise _SyncError()
            ref = found.metadata.controller_ref()
            if ref is None or ref.uid != d.metadata.uid or not equal_ignore_hash(template, found.spec.template):
                d = _with_status(d, collision_count=(d.status.collision_count or 0) + 1)
                yield from base.send(rq.UpdateStatus(_USER, d))
                raise _SyncError()
            created = found
        elif _namespace_terminating(response):
            raise _SyncError(forget=True)
        elif not response.ok:
            if has_progress_deadline(d):
                message = f'Failed to create new replica set "{meta.name}": {response.message}'
                condition = new_condition(PROGRESSING, "False", FAILED_RS_CREATE, message, self.now)
                d = _with_status(d, conditions=set_condition(d.status.conditions, condition))
                yield from base.send(rq.UpdateStatus(_USER, d))
            raise _SyncError()
        else:
            created = response.object
        d, needs_update = self._with_revision(d, new_revision)
        if not already_exists and has_progress_deadline(d):
            condition = new_condition(PROGRESSING, "True", NEW_REPLICA_SET, f'Created new replica set "{meta.name}"',
                                      self.now)
            d, needs_update = _with_status(d, conditions=set_condition(d.status.conditions, condition)), True
        if needs_update:
            yield from _must(rq.UpdateStatus(_USER, d))
        return d, created

    @staticmethod
    def _with_revision(d: Deployment, revision: str) -> tuple[Deployment, bool]:
        """SetDeploymentRevision."""
        if d.metadata.annotations.get(rollout.REVISION_ANNOTATION) == revision:
            return d, False
        return _with_annotations(d, d.metadata.annotations.set(rollout.REVISION_ANNOTATION, revision)), True

    def scale(self, d: Deployment, new_rs: ReplicaSet | None, old_rss: Sequence[ReplicaSet]) -> base.Program:
        """scale: the only active (or the newest) ReplicaSet takes all replicas; a saturated new one takes them from
        the old ones; otherwise a rolling Deployment scales its active ReplicaSets proportionally."""
        newest_first = list(reversed(by_creation(old_rss)))
        active_or_latest = find_active_or_latest(new_rs, old_rss)
        if active_or_latest is not None:
            if active_or_latest.spec.replicas != d.spec.replicas:
                yield from self.scale_replica_set(active_or_latest, d.spec.replicas, d)
            return
        if is_saturated(d, new_rs):
            for old in filter_active(newest_first):
                yield from self.scale_replica_set(old, 0, d)
            return
        if d.spec.strategy.type == rollout.ROLLING_UPDATE:
            for rs, size in proportional_scale(d, new_rs, newest_first):
                yield from self.scale_replica_set(rs, size, d, always=True)

    def scale_replica_set(self, rs: ReplicaSet, size: int, d: Deployment, always: bool = False) -> base.Program:
        """scaleReplicaSetAndRecordEvent (nothing to do at the same size) or, ``always``, scaleReplicaSet: update
        the size and the replica annotations if either changes. Whether the size changed, and the ReplicaSet."""
        if rs.spec.replicas == size and not always:
            return False, rs
        resize = rs.spec.replicas != size
        annotations, annotate = set_replicas_annotations(rs.metadata.annotations, d.spec.replicas, _max_replicas(d))
        if not (resize or annotate):
            return False, rs
        scaled = _with_annotations(attrs.evolve(rs, spec=attrs.evolve(rs.spec, replicas=size)), annotations)
        return resize, (yield from _must(rq.Update(_USER, scaled)))

    def cleanup_deployment(self, old_rss: Sequence[ReplicaSet], d: Deployment) -> base.Program:
        """cleanupDeployment: delete the oldest revisions beyond revisionHistoryLimit, only those scaled to zero
        whose status agrees (and is observed)."""
        if not has_revision_history_limit(d):
            return
        cleanable = [rs for rs in old_rss if rs.metadata.deletion_timestamp is None]
        diff = len(cleanable) - d.spec.revision_history_limit
        for rs in by_revision(cleanable)[:max(diff, 0)]:
            if rs.status.replicas != 0 or rs.spec.replicas != 0 \
                    or (rs.metadata.generation or 0) > (rs.status.observed_generation or 0):
                continue
            response = yield from base.send(rq.Delete(_USER, "ReplicaSet", rs.namespace, rs.name))
            if not response.ok and response.code != 404:
                raise _SyncError()

    def sync_deployment_status(self, all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None,
                               d: Deployment) -> base.Program:
        """syncDeploymentStatus: write calculateStatus when it differs."""
        status = calculate_status(all_rss, new_rs, d, self.now)
        if status != d.status:
            yield from _must(rq.UpdateStatus(_USER, attrs.evolve(d, status=status)))

    def is_scaling_event(self, d: Deployment, rs_list: Sequence[ReplicaSet]) -> base.Program:
        """isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from spec.replicas."""
        d, new_rs, old_rss = yield from self.all_replica_sets(d, rs_list, False)
        for rs in filter_active([*old_rss, new_rs]):
            desired = rollout.replicas_annotation(rs.metadata.annotations.get(rollout.DESIRED_REPLICAS_ANNOTATION))
            if desired is not None and desired != d.spec.replicas:
                return d, True
        return d, False

    # rolling.go

    def rollout_rolling(self, d: Deployment, rs_list: Sequence[ReplicaSet]) -> base.Program:
        """rolloutRolling: scale the new ReplicaSet up if it may, else the old ones down if they may; clean up
        once complete; write the rollout status."""
        d, new_rs, old_rss = yield from self.all_replica_sets(d, rs_list, True)
        all_rss = [*old_rss, new_rs]
        size = new_replica_set_size(all_rss, new_rs, d)
        if size is not None:
            yield from self.scale_replica_set(new_rs, size, d)
            return (yield from self.sync_rollout_status(all_rss, new_rs, d))
        if (yield from self.reconcile_old_replica_sets(all_rss, filter_active(old_rss), new_rs, d)):
            return (yield from self.sync_rollout_status(all_rss, new_rs, d))
        if deployment_complete(d, d.status):
            yield from self.cleanup_deployment(old_rss, d)
        return (yield from self.sync_rollout_status(all_rss, new_rs, d))

    def reconcile_old_replica_sets(self, all_rss: Sequence[ReplicaSet], old_rss: Sequence[ReplicaSet],
                                   new_rs: ReplicaSet, d: Deployment) -> base.Program:
        """reconcileOldReplicaSets: within maxScaledDown, first the old ReplicaSets' unavailable replicas, then
        available ones above minAvailable. Whether any was scaled down (a failure counts as none, as upstream)."""
        if replica_count(old_rss) == 0:
            return False
        if self.variant:
            removed, _ = yield from self._scale_down(surplus_scale_down(all_rss, old_rss, d), d)
            return bool(removed)
        bound = max_scaled_down(all_rss, new_rs, d)
        if bound <= 0:
            return False
        cleaned, old_rss = yield from self._scale_down(unhealthy_cleanup(old_rss, bound), d, old_rss)
        if cleaned is None:
            return False
        scaled, _ = yield from self._scale_down(old_scale_down([*old_rss, new_rs], old_rss, d), d)
        return scaled is not None and cleaned + scaled > 0

    def _scale_down(self, plan: Sequence[tuple[ReplicaSet, int]], d: Deployment,
                    old_rss: Sequence[ReplicaSet] = ()) -> base.Program:
        """Carry out a scale-down plan in order: the replicas removed (None when an update failed or the plan asks
        to grow one), and ``old_rss`` with the updated ReplicaSets in place."""
        updated = {rs.metadata.uid: rs for rs in old_rss}
        removed = 0
        for rs, size in plan:
            if size > rs.spec.replicas:
                return None, list(updated.values())
            try:
                _, after = yield from self.scale_replica_set(rs, size, d)
            except _SyncError:
                return None, list(updated.values())
            updated[rs.metadata.uid] = after
            removed += rs.spec.replicas - size
        return removed, list(updated.values())

    def sync_rollout_status(self, all_rss: Sequence[ReplicaSet | None], new_rs: ReplicaSet | None,
                            d: Deployment) -> base.Program:
        """syncRolloutStatus: write :func:`rollout_status` when it differs, else look again at the deadline."""
        status = rollout_status(all_rss, new_rs, d, self.now)
        if status == d.status:
            after = requeue_stuck_deployment(d, status, self.now)
            return None if after is None else after + 1
        yield from _must(rq.UpdateStatus(_USER, attrs.evolve(d, status=status)))
        return None

    # recreate.go

    def rollout_recreate(self, d: Deployment, rs_list: Sequence[ReplicaSet],
                         pod_map: dict[str, list[Pod]]) -> base.Program:
        """rolloutRecreate: scale every old ReplicaSet to zero, wait until none of their pods runs, then create
        (if need be) and scale up the new one."""
        d, new_rs, old_rss = yield from self.all_replica_sets(d, rs_list, False)
        all_rss = [*old_rss, new_rs]
        scaled_down = False
        for rs in filter_active(old_rss):
            scaled, _ = yield from self.scale_replica_set(rs, 0, d)
            scaled_down = scaled_down or scaled
        if scaled_down or old_pods_running(new_rs, old_rss, pod_map):
            return (yield from self.sync_rollout_status(all_rss, new_rs, d))
        if new_rs is None:
            d, new_rs, old_rss = yield from self.all_replica_sets(d, rs_list, True)
            all_rss = [*old_rss, new_rs]
        yield from self.scale_replica_set(new_rs, d.spec.replicas, d)
        if deployment_complete(d, d.status):
            yield from self.cleanup_deployment(old_rss, d)
        return (yield from self.sync_rollout_status(all_rss, new_rs, d))

    # rollback.go

    def rollback(self, d: Deployment, rs_list: Sequence[ReplicaSet]) -> base.Program:
        """rollback: copy the template (and annotations) of the ReplicaSet of the asked revision (0: the previous
        one) into the Deployment and clear the request; a revision not found only clears it."""
        d, new_rs, old_rss = yield from self.all_replica_sets(d, rs_list, True)
        all_rss = [*old_rss, new_rs]
        revision = rollback_to(d)
        if revision == 0:
            revision = rollout.last_revision(rs.metadata.annotations.get(rollout.REVISION_ANNOTATION)
                                             for rs in all_rss)
        target = next((rs for rs in all_rss if revision != 0 and _revision_or_none(rs) == revision), None)
        if target is not None and not equal_ignore_hash(d.spec.template, target.spec.template):
            d = _with_annotations(d, annotations_for_rollback(d, target))
            d = attrs.evolve(d, spec=attrs.evolve(d.spec, template=_without_hash(target.spec.template)))
        d = _with_annotations(d, d.metadata.annotations.discard(ROLLBACK_TO_ANNOTATION))
        yield from _must(rq.Update(_USER, d))
        return None


def _program(ctx: base.Context) -> base.Program:
    """The sync program: the requeue delay :meth:`_Sync.run` asks for, or its error (requeued with back-off unless
    it is to be forgotten)."""
    try:
        requeue = yield from _Sync(ctx).run()
    except _SyncError as error:
        return base.Result(failed=not error.forget)
    return base.Result(failed=False, requeue_after=requeue)


def sync(ctx: base.Context) -> base.Result:
    """``syncDeployment`` for the Deployment at ``ctx.key``."""
    return base.drive(functools.partial(_program, ctx))


# --- event handlers (deployment_controller.go) ------------------------------------------------------------



_resolve = functools.partial(base.resolve_controller_ref, "Deployment")


def _selecting(rs: ReplicaSet, cache: Objects) -> list[base.Key]:
    """GetDeploymentsForReplicaSet: Deployments whose non-empty selector matches the ReplicaSet's labels."""
    if not rs.labels:
        return []
    return [base.key_of(d) for d in cache.list("Deployment", rs.namespace)
            if not d.spec.selector.selector().empty() and d.spec.selector.selector().matches(rs.labels)]


def _owner_keys(rs: ReplicaSet, cache: Objects) -> list[base.Key]:
    d = _resolve(rs.namespace, rs.metadata.controller_ref(), cache)
    return [] if d is None else [base.key_of(d)]


def _replica_set_keys(event: WatchEvent, old: Any, cache: Objects) -> list[base.Key]:
    """addReplicaSet, updateReplicaSet, deleteReplicaSet."""
    rs = event.object
    if event.type == DELETED or (rs.metadata.deletion_timestamp is not None and (event.type == ADDED or old is None)):
        return _owner_keys(rs, cache)
    if event.type == ADDED or old is None:
        return _owner_keys(rs, cache) if rs.metadata.controller_ref() is not None else _selecting(rs, cache)
    if rs.metadata.resource_version == old.metadata.resource_version:
        return []
    cur_ref, old_ref = rs.metadata.controller_ref(), old.metadata.controller_ref()
    keys = _owner_keys(old, cache) if cur_ref != old_ref and old_ref is not None else []
    if cur_ref is not None:
        return keys + _owner_keys(rs, cache)
    if rs.labels != old.labels or cur_ref != old_ref:
        return keys + _selecting(rs, cache)
    return keys


def _deleted_pod_keys(pod: Pod, cache: Objects) -> list[base.Key]:
    """deletePod: a Recreate Deployment is synced once it has no pods left."""
    rs = base.resolve_controller_ref("ReplicaSet", pod.namespace, pod.metadata.controller_ref(), cache)
    if rs is None:
        return []
    d = _resolve(rs.namespace, rs.metadata.controller_ref(), cache)
    if d is None or d.spec.strategy.type != rollout.RECREATE:
        return []
    selector = d.spec.selector.selector()
    owned = {r.metadata.uid for r in cache.list("ReplicaSet", d.namespace)
             if selector.matches(r.labels) and _controller_uid(r) == d.metadata.uid}
    left = any(selector.matches(p.labels) and _controller_uid(p) in owned for p in cache.list("Pod", d.namespace))
    return [] if left else [base.key_of(d)]


def _controller_uid(obj: Any) -> str | None:
    ref = obj.metadata.controller_ref()
    return None if ref is None else ref.uid


def _enqueue(event: WatchEvent, old: Any, cache: Objects) -> list[base.Key]:
    kind = event.object.kind
    if kind == "Deployment":
        return [base.key_of(event.object)]
    if kind == "ReplicaSet":
        return _replica_set_keys(event, old, cache)
    if kind == "Pod" and event.type == DELETED:
        return _deleted_pod_keys(event.object, cache)
    return []


def _initial_keys(cache: Objects) -> list[base.Key]:
    return [base.key_of(d) for d in cache.list("Deployment")]


CONTROLLER = base.Controller(name=CONTROLLER_NAME, watches=frozenset({"Deployment", "ReplicaSet", "Pod"}),
                             enqueue=_enqueue, initial_keys=_initial_keys, reconcile=sync)
"""kube-controller-manager's ``deployment-controller``."""


# --- kubectl rollout undo ---------------------------------------------------------------------------------


class RollbackError(ValueError):
    """``kubectl rollout undo`` refused (its error message)."""


def _revision_replica_set(objects: Objects, d: Deployment, to_revision: int) -> ReplicaSet:
    """deploymentRevision: the ReplicaSet of ``to_revision``, or of the revision before the latest (0)."""
    selector = d.spec.selector.selector()
    rss = [rs for rs in objects.list("ReplicaSet", d.namespace)
           if selector.matches(rs.labels) and _controller_uid(rs) == d.metadata.uid]
    new = find_new_replica_set(d, rss)
    _, old = find_old_replica_sets(d, rss)
    latest: tuple[int, ReplicaSet | None] = (-1, None)
    previous: tuple[int, ReplicaSet | None] = (-1, None)
    for rs in [*old, *([new] if new is not None else [])]:
        revision = _revision_or_none(rs)
        if revision is None:
            continue
        if to_revision == revision and to_revision != 0:
            return rs
        if to_revision == 0 and latest[0] < revision:
            latest, previous = (revision, rs), latest
        elif to_revision == 0 and previous[0] < revision:
            previous = (revision, rs)
    if to_revision > 0:
        raise RollbackError(f"unable to find specified revision {to_revision} in history")
    if previous[1] is None:
        raise RollbackError(f'no rollout history found for deployment "{d.name}"')
    return previous[1]


def rollout_undo(objects: Objects, namespace: str, name: str, to_revision: int = 0,
                 user: UserInfo = ADMIN) -> rq.Update | None:
    """``kubectl rollout undo deployment/<name> [--to-revision=N]`` against the objects it reads: the request that
    restores the template (without its pod-template-hash label) and the annotations of that revision's ReplicaSet,
    keeping the Deployment's own revision and apply annotations; None when the template already matches
    ("skipped rollback"). kubectl sends a JSON patch without a resourceVersion, so the update has none either.

    Raises :class:`RollbackError` as kubectl fails: a negative or unknown revision, no history, a paused
    Deployment."""
    d = objects.get("Deployment", namespace, name)
    if d is None:
        raise RollbackError(f'failed to retrieve Deployment {name}: deployments.apps "{name}" not found')
    if to_revision < 0:
        raise RollbackError(f"unable to find specified revision {to_revision} in history")
    rs = _revision_replica_set(objects, d, to_revision)
    if d.spec.paused:
        raise RollbackError("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume "
                            f"deployment/{name}' and try again")
    if equal_ignore_hash(rs.spec.template, d.spec.template):
        return None
    annotations = FrozenDict({**_skipped(d.metadata.annotations),
                              **{k: v for k, v in rs.metadata.annotations.items() if k not in ANNOTATIONS_TO_SKIP}})
    restored = attrs.evolve(
        d, metadata=attrs.evolve(d.metadata, annotations=annotations, resource_version=None),
        spec=attrs.evolve(d.spec, template=_without_hash(rs.spec.template)))
    return rq.Update(user, restored)
