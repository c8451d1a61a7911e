"""The Job controller (kube-controller-manager's ``job-controller``).

Ported from kubernetes/kubernetes pkg/controller/job: job_controller.go (event handlers, ``syncJob``,
``manageJob``, ``deleteJobPods``, ``deleteActivePods``, ``trackJobStatusAndRemoveFinalizers``,
``flushUncountedAndRemoveFinalizers``, ``enactJobFinished``, ``pastBackoffLimitOnFailure``,
``pastActiveDeadline``, ``syncOrphanPod``, ``getPodsForJob``), indexed_job_utils.go (completion indexes and
the ``completedIndexes`` interval text), backoff_utils.go (the pod-failure back-off record) and tracking_utils.go
(the tracking-finalizer expectations), with ``ControllerExpectations`` and ``controller.ActivePods`` from
pkg/controller/controller_utils.go and ``ClaimPods`` from pkg/controller/controller_ref_manager.go.

The version followed is Kubernetes v1.33 with its default feature gates: JobPodReplacementPolicy and
JobManagedBy on, so ``status.terminating`` is tracked and a finished Job first gets the interim
``FailureTarget`` or ``SuccessCriteriaMet`` condition, and ``Failed`` or ``Complete`` only once no pod is
terminating and every finished pod is counted (``delayTerminalCondition``); JobSuccessPolicy on, so the success
conditions carry reason ``CompletionsReached``; PodIndexLabel on, so Indexed pods also carry the completion index
as a label. Pods are tracked with the ``batch.kubernetes.io/job-tracking`` finalizer: a finished pod is first
recorded in ``status.uncountedTerminatedPods``, then its finalizer is removed, then it moves to the counters, so a
pod is counted once even across controller restarts and stale caches.

``podFailurePolicy`` and ``podReplacementPolicy`` are followed as upstream (:mod:`model.controllers.
pod_failure_policy`): a FailJob rule fails the Job (reason ``PodFailurePolicy``), an Ignore rule's failures do not
count towards backoffLimit, and with ``podReplacementPolicy: Failed`` (the default with a podFailurePolicy) a pod
counts as failed only once Failed, and terminating pods are not replaced until then.

``backoffLimitPerIndex`` (KEP-3850, GA in 1.33; indexed_job_utils.go, backoff_utils.go, job_controller.go): each
replacement pod carries its index's failure counts (``batch.kubernetes.io/job-index-failure-count``, and
``...-ignored-failure-count`` for failures an Ignore rule ignored), taken from the index's last failed pod, whose
tracking finalizer stays until the replacement exists; an index whose pod matches a FailIndex rule, or fails with
``backoffLimitPerIndex`` failures before it, is failed (``status.failedIndexes``) and not retried; each index backs
off on its own; the Job fails with ``MaxFailedIndexesExceeded`` past ``maxFailedIndexes`` failed indexes, or with
``FailedIndexes`` once every index succeeded or failed and some failed.

Not modelled (the controller behaves as if they were unset): ``successPolicy`` and ``managedBy``.

Deliberate differences:

- A sync is one atomic action; requests upstream sends concurrently (creates of one slow-start batch, deletions,
  finalizer removals) go out one after another, so the first error reported is the first in that order.
- Times are the model's whole seconds (an RFC 3339 time from a snapshot counts as time 0); upstream's sorts are
  not stable, the model's are.
- The model's kubelet reports no container ``finishedAt``, so a finished pod's finish time is usually the time its
  Ready condition turned False (``getFinishedTime``'s second rule, which upstream also relies on).
- The work queue's back-off after a failed sync is the model's shared one (``base.MAX_REQUEUE_DELAY``), not
  ``DefaultJobApiBackOff`` 1 s .. ``MaxJobApiBackOff`` 1 min; a failed sync drops the activeDeadlineSeconds or
  pod-failure requeue it asked for (the retry recomputes it). Orphan pods share the Job queue under the key
  ``("Pod", namespace, name)``. ``updateJob``'s requeue when activeDeadlineSeconds changes is left out: changing
  the spec bumps the generation, which syncs the Job at once, and that sync requeues.
- Events and metrics are not modelled.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import UserInfo, controller_identity
from model.controllers import base
from model.controllers.pod_failure_policy import (
    FAIL_INDEX,
    POD_FAILURE_POLICY_REASON,
    counts_failed,
    fail_job_message,
    is_pod_failed,
    match_pod_failure_policy,
    only_replace_failed_pods,
)
from model.controllers.replicaset import (
    SLOW_START_INITIAL_BATCH_SIZE,
    ControlleeExpectations,
    _after_or_zero,
    _max_container_restarts,
    _namespace_terminating,
    _ready_since,
    _seconds,
    is_pod_active,
)
from model.frozendict import FrozenDict, freeze
from model.objects import ObjectMeta, OwnerReference, Pod
from model.objects.meta import selector_of
from model.objects.pod import PodTemplateSpec
from model.objects.workloads import Job, JobStatus, UncountedTerminatedPods
from model.store import ADDED, DELETED, Objects, WatchEvent

NAME = "job-controller"
JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
"""batch.JobCompletionIndexAnnotation, also the label name (PodIndexLabel)."""
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
SYNC_JOB_BATCH_PERIOD = 1
"""``syncJobBatchPeriod``: pod events and status updates sync the Job a second later, batched."""
DEFAULT_POD_FAILURE_BACKOFF = 10
"""``DefaultJobPodFailureBackOff``: the first replacement of a failed pod waits 10 s ..."""
MAX_POD_FAILURE_BACKOFF = 600
"""... doubling per consecutive failure up to ``MaxJobPodFailureBackOff``, 10 minutes since v1.28 (6 minutes,
``MaxJobBackOff``, before the back-off record replaced the work queue's rate limiter)."""
MAX_UNCOUNTED_PODS = 500
"""``MaxUncountedPods``: the most pods one sync adds to ``uncountedTerminatedPods``."""
MAX_POD_CREATE_DELETE_PER_SYNC = 500
"""``MaxPodCreateDeletePerSync``."""
MAX_GENERATED_NAME_LENGTH = 58
"""names.MaxGeneratedNameLength: 63 less the 5 random characters."""
UNKNOWN_INDEX = -1

COMPLETE, FAILED, FAILURE_TARGET, SUCCESS_CRITERIA_MET, SUSPENDED = (
    "Complete", "Failed", "FailureTarget", "SuccessCriteriaMet", "Suspended")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
MAX_FAILED_INDEXES_EXCEEDED = ("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed "
                               "indexes")
FAILED_INDEXES = ("FailedIndexes", "Job has failed indexes")
INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"
INDEX_IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count"

Intervals = tuple[tuple[int, int], ...]
"""``orderedIntervals``: disjoint, non-adjacent (first, last) ranges in increasing order."""

_MEMORY_KEY = "job"
_INDEX_TEXT = re.compile(r"[+-]?[0-9]+")


# --- completion indexes (indexed_job_utils.go) -----------------------------------------------------------


def completion_index(pod: Pod) -> int:
    """``getCompletionIndex``: the pod's completion-index annotation, or -1 when absent, not a number or
    negative."""
    text = pod.metadata.annotations.get(JOB_COMPLETION_INDEX)
    if text is None or not _INDEX_TEXT.fullmatch(text):
        return UNKNOWN_INDEX
    index = int(text)
    return index if index >= 0 else UNKNOWN_INDEX


def with_ordered_indexes(intervals: Intervals, indexes: Sequence[int]) -> Intervals:
    """``orderedIntervals.withOrderedIndexes``: the intervals with ``indexes`` (increasing) merged in."""
    result: list[list[int]] = []

    def append(first: int, last: int) -> None:
        if not result or first > result[-1][1] + 1:
            result.append([first, last])
        elif result[-1][1] < last:
            result[-1][1] = last
    i = j = 0
    while i < len(intervals) and j < len(indexes):
        if intervals[i][0] < indexes[j]:
            append(*intervals[i])
            i += 1
        else:
            append(indexes[j], indexes[j])
            j += 1
    for first, last in intervals[i:]:
        append(first, last)
    for index in indexes[j:]:
        append(index, index)
    return tuple((first, last) for first, last in result)


def total(intervals: Intervals) -> int:
    """``orderedIntervals.total``: how many indexes the intervals hold."""
    return sum(last - first + 1 for first, last in intervals)


def intervals_text(intervals: Intervals) -> str:
    """``orderedIntervals.String``: ``1,3-5,7,8`` (two adjacent indexes are listed, three or more a range)."""
    parts = []
    for first, last in intervals:
        if last == first:
            parts.append(str(first))
        else:
            parts.append(f"{first}{',' if last == first + 1 else '-'}{last}")
    return ",".join(parts)


def has_index(intervals: Intervals, index: int) -> bool:
    """``orderedIntervals.has``."""
    return any(first <= index <= last for first, last in intervals)


def parse_intervals(text: str | None, completions: int) -> Intervals:
    """``parseIndexesFromString``: the intervals of ``completedIndexes`` below ``completions``; corrupted parts are
    skipped, ranges are clipped, and an interval adjacent to the previous one extends it."""
    result: list[list[int]] = []
    for part in text.split(",") if text else ():
        limits = part.split("-")
        if not _INDEX_TEXT.fullmatch(limits[0]):
            continue
        first = int(limits[0])
        if first >= completions:
            break
        if len(limits) > 1:
            if not _INDEX_TEXT.fullmatch(limits[1]):
                continue
            last = min(int(limits[1]), completions - 1)
        else:
            last = first
        if result and result[-1][1] == first - 1:
            result[-1][1] = last
        else:
            result.append([first, last])
    return tuple((first, last) for first, last in result)


def first_pending_indexes(active_pods: Iterable[Pod], succeeded: Intervals, count: int,
                          completions: int) -> list[int]:
    """``firstPendingIndexes``: the ``count`` lowest indexes below ``completions`` neither succeeded nor held by an
    active pod."""
    if count == 0:
        return []
    active = sorted({i for i in map(completion_index, active_pods) if i != UNKNOWN_INDEX})
    taken = with_ordered_indexes(succeeded, active)
    result: list[int] = []
    candidate = 0
    for first, last in taken:
        while candidate < completions and len(result) < count and candidate < first:
            result.append(candidate)
            candidate += 1
        candidate = max(candidate, last + 1)
    while candidate < completions and len(result) < count:
        result.append(candidate)
        candidate += 1
    return result


def valid_index(job: Job, pod: Pod) -> bool:
    """The pod's completion index is known and below ``completions``."""
    index = completion_index(pod)
    return index != UNKNOWN_INDEX and index < job.spec.completions


def pod_generate_name_with_index(job_name: str, index: int) -> str:
    """``podGenerateNameWithIndex``: ``<job>-<index>-``, the job name cut so that it fits a generated name."""
    suffix = f"-{index}-"
    prefix = job_name + suffix
    if len(prefix) > MAX_GENERATED_NAME_LENGTH:
        prefix = prefix[:MAX_GENERATED_NAME_LENGTH - len(suffix)] + suffix
    return prefix


# --- pods ------------------------------------------------------------------------------------------------


def has_tracking_finalizer(pod: Pod) -> bool:
    return JOB_TRACKING_FINALIZER in pod.metadata.finalizers


def is_pod_terminating(pod: Pod) -> bool:
    """``controller.IsPodTerminating``: being deleted and not yet Succeeded or Failed."""
    return pod.status.phase not in ("Succeeded", "Failed") and pod.metadata.deletion_timestamp is not None


def _finished_at(status: Any) -> int | None:
    terminated = (status.state or FrozenDict()).get("terminated")
    return None if terminated is None else _seconds(terminated.get("finishedAt"))


def finished_time(pod: Pod) -> int:
    """``getFinishedTime``: the latest container ``finishedAt`` when every container (and sidecar) has one; else
    when the Ready condition turned False; else the deletion time less the grace period; else the creation time."""
    sidecars = {c.name for c in pod.spec.init_containers if c.is_sidecar}
    statuses = (*pod.status.container_statuses,
                *(s for s in pod.status.init_container_statuses if s.name in sidecars))
    times = [_finished_at(s) for s in statuses]
    if times and all(t is not None for t in times):
        return max(times)
    ready = pod.status.condition("Ready")
    if ready is not None and ready.status == "False" and ready.last_transition_time is not None:
        return _seconds(ready.last_transition_time)
    meta = pod.metadata
    if meta.deletion_timestamp is not None:
        return _seconds(meta.deletion_timestamp) - (meta.deletion_grace_period_seconds or 0)
    return _seconds(meta.creation_timestamp) or 0


_PHASE_ORDINAL = FrozenDict({"Pending": 0, "Unknown": 1, "Running": 2})


def active_pods_less(pi: Pod, pj: Pod) -> bool:
    """``controller.ActivePods.Less``: unassigned < assigned; Pending < Unknown < Running; not ready < ready;
    both ready: ready for less time first; more container restarts first; newer first (a missing time first)."""
    node_i, node_j = pi.spec.node_name or "", pj.spec.node_name or ""
    if node_i != node_j and (not node_i or not node_j):
        return not node_i
    phase_i, phase_j = _PHASE_ORDINAL.get(pi.status.phase, 0), _PHASE_ORDINAL.get(pj.status.phase, 0)
    if phase_i != phase_j:
        return phase_i < phase_j
    if pi.is_ready != pj.is_ready:
        return not pi.is_ready
    if pi.is_ready and pj.is_ready:
        ready_i, ready_j = _ready_since(pi), _ready_since(pj)
        if ready_i != ready_j:
            return _after_or_zero(ready_i, ready_j)
    restarts_i, restarts_j = _max_container_restarts(pi), _max_container_restarts(pj)
    if restarts_i != restarts_j:
        return restarts_i > restarts_j
    created_i, created_j = _seconds(pi.metadata.creation_timestamp), _seconds(pj.metadata.creation_timestamp)
    if created_i != created_j:
        return _after_or_zero(created_i, created_j)
    return False


def sort_active_pods(pods: Iterable[Pod]) -> list[Pod]:
    """``sort.Sort(controller.ActivePods(pods))``: the pods to remove first come first."""
    def compare(a: Pod, b: Pod) -> int:
        return -1 if active_pods_less(a, b) else 1 if active_pods_less(b, a) else 0
    return sorted(pods, key=functools.cmp_to_key(compare))


def active_pods_for_removal(job: Job, pods: Sequence[Pod], rm_at_least: int) -> list[Pod]:
    """``activePodsForRemoval``: for an Indexed Job, every pod without a valid index, with an index past
    ``completions``, or repeating another's index (all but the one ActivePods ranks last); then, until
    ``rm_at_least`` are chosen, the remaining pods in ActivePods order."""
    remove: list[Pod] = []
    left = list(pods)
    if _indexed(job):
        remove, left = _duplicated_index_pods(pods, job.spec.completions)
    if len(remove) < rm_at_least:
        left = sort_active_pods(left)
        remove += left[:rm_at_least - len(remove)]
    return remove


def _duplicated_index_pods(pods: Sequence[Pod], completions: int) -> tuple[list[Pod], list[Pod]]:
    """``appendDuplicatedIndexPodsForRemoval``: (pods to remove, pods left), walking the pods in index order."""
    remove: list[Pod] = []
    left: list[Pod] = []

    def split(group: list[Pod], index: int) -> None:
        """``appendPodsWithSameIndexForRemovalAndRemaining``."""
        if index == UNKNOWN_INDEX:
            remove.extend(group)
        elif len(group) == 1:
            left.append(group[0])
        elif group:
            ranked = sort_active_pods(group)
            remove.extend(ranked[:-1])
            left.append(ranked[-1])
    ordered = sorted(pods, key=completion_index)
    last, start, looped = UNKNOWN_INDEX, 0, 0
    for position, pod in enumerate(ordered):
        index = completion_index(pod)
        if index >= completions:
            remove.extend(ordered[position:])
            break
        if index != last:
            split(ordered[start:position], last)
            start, last = position, index
        looped += 1
    split(ordered[start:looped], last)
    return remove, left


def _ready_count(pods: Iterable[Pod]) -> int:
    return sum(1 for p in pods if p.is_ready)


def _pod_key(pod: Pod) -> base.Key:
    return (pod.namespace, pod.name)


def _orphan_key(pod: Pod) -> base.Key:
    """The orphan queue's key of a pod (upstream's separate ``orphanQueue``)."""
    return ("Pod", pod.namespace, pod.name)


# --- Jobs and their conditions -----------------------------------------------------------------------------


def _indexed(job: Job) -> bool:
    return job.spec.completion_mode == "Indexed"



def find_condition(conditions: Any, type_: str) -> FrozenDict | None:
    """``findConditionByType``."""
    return next((c for c in conditions or () if c.get("type") == type_), None)


def _is_true(condition: FrozenDict | None, type_: str | None = None) -> bool:
    return condition is not None and condition.get("status") == "True" and (
        type_ is None or condition.get("type") == type_)


def is_job_finished(job: Job) -> bool:
    """``util.IsJobFinished``: a Complete or Failed condition that is True."""
    return any(_is_true(c) and c.get("type") in (COMPLETE, FAILED) for c in job.status.conditions or ())


def new_condition(type_: str, status: str, reason: str, message: str, now: int) -> FrozenDict:
    """``newCondition``, with Kubernetes' omitempty for an empty reason or message."""
    fields = {"type": type_, "status": status, "lastProbeTime": now, "lastTransitionTime": now,
              "reason": reason, "message": message}
    return FrozenDict({k: v for k, v in fields.items() if v != ""})


def ensure_condition(conditions: Any, type_: str, status: str, reason: str, message: str,
                     now: int) -> tuple[tuple[FrozenDict, ...], bool]:
    """``ensureJobConditionStatus``: replace a condition of that type whose status, reason or message differs;
    append a missing one unless it is False. Returns the conditions and whether they changed."""
    conditions = tuple(conditions or ())
    current = find_condition(conditions, type_)
    if current is not None:
        if (current.get("status"), current.get("reason", ""), current.get("message", "")) == (status, reason, message):
            return conditions, False
        fresh = new_condition(type_, status, reason, message, now)
        return tuple(fresh if c is current else c for c in conditions), True
    if status == "False":
        return conditions, False
    return conditions + (new_condition(type_, status, reason, message, now),), True


def _with_condition(conditions: Any, condition: FrozenDict) -> tuple[FrozenDict, ...]:
    return tuple(conditions or ()) + (condition,)


def new_finished_pods(job: Job, pods: Iterable[Pod], uncounted: UncountedTerminatedPods,
                      expected_removals: frozenset[str]) -> tuple[list[Pod], list[Pod]]:
    """``getNewFinishedPods`` (``getValidPodsWithFilter``): the succeeded and the failed pods not yet counted: still
    holding the finalizer, not in ``uncountedTerminatedPods``, not awaiting their finalizer's removal, and for an
    Indexed Job with a valid index."""
    def valid(pod: Pod, uncounted_uids: tuple[str, ...]) -> bool:
        uid = pod.metadata.uid or ""
        return (has_tracking_finalizer(pod) and uid not in uncounted_uids and uid not in expected_removals
                and (not _indexed(job) or valid_index(job, pod)))
    pods = list(pods)
    return ([p for p in pods if valid(p, uncounted.succeeded) and p.status.phase == "Succeeded"],
            [p for p in pods if valid(p, uncounted.failed) and is_pod_failed(p, job)])


def calculate_succeeded_indexes(job: Job, pods: Iterable[Pod]) -> tuple[Intervals, Intervals]:
    """``calculateSucceededIndexes``: the intervals of ``status.completedIndexes`` (below ``completions``), and
    those with the valid indexes of succeeded pods still holding the finalizer."""
    previous = parse_intervals(job.status.completed_indexes, job.spec.completions)
    new = sorted({completion_index(p) for p in pods
                  if p.status.phase == "Succeeded" and valid_index(job, p) and has_tracking_finalizer(p)})
    return previous, with_ordered_indexes(previous, new)


def past_backoff_limit_on_failure(job: Job, pods: Iterable[Pod]) -> bool:
    """``pastBackoffLimitOnFailure``: with ``restartPolicy: OnFailure``, the container restarts of the Pending and
    Running pods reach ``backoffLimit`` (exceed it when the limit is 0)."""
    if job.spec.template.spec.restart_policy != "OnFailure":
        return False
    restarts = sum(s.restart_count for p in pods if p.status.phase in ("Running", "Pending")
                   for s in (*p.status.init_container_statuses, *p.status.container_statuses))
    limit = job.spec.backoff_limit
    return restarts > 0 if limit == 0 else restarts >= limit


def past_active_deadline(job: Job, start_time: Any, now: int) -> bool:
    """``pastActiveDeadline``: activeDeadlineSeconds have passed since ``status.startTime`` (never while
    suspended)."""
    deadline = job.spec.active_deadline_seconds
    if deadline is None or start_time is None or job.spec.suspend:
        return False
    return now - _seconds(start_time) >= deadline


# --- backoffLimitPerIndex (indexed_job_utils.go, backoff_utils.go) ---------------------------------------


def has_backoff_limit_per_index(job: Job) -> bool:
    """``hasBackoffLimitPerIndex`` (JobBackoffLimitPerIndex is GA since 1.33)."""
    return job.spec.backoff_limit_per_index is not None


def _count_annotation(pod: Pod, key: str) -> int:
    """``parseInt32`` of a failure-count annotation: 0 when absent, not a number, negative or above MaxInt32."""
    text = pod.metadata.annotations.get(key)
    if text is None or not _INDEX_TEXT.fullmatch(text):
        return 0
    value = int(text)
    return value if 0 <= value <= 2**31 - 1 else 0


def index_failure_count(pod: Pod) -> int:
    """``getIndexFailureCount``: the ``job-index-failure-count`` annotation."""
    return _count_annotation(pod, INDEX_FAILURE_COUNT)


def index_absolute_failure_count(pod: Pod) -> int:
    """``getIndexAbsoluteFailureCount``: counted plus ignored failures of the pod's index before it."""
    return index_failure_count(pod) + _count_annotation(pod, INDEX_IGNORED_FAILURE_COUNT)


def is_index_failed(job: Job, pod: Pod) -> bool:
    """``isIndexFailed``: the failed pod matched a FailIndex rule, or its counted failure is the index's
    ``backoffLimitPerIndex``-th after earlier ones."""
    counted = False
    if is_pod_failed(pod, job):
        if job.spec.pod_failure_policy is not None:
            _, counted, action = match_pod_failure_policy(job.spec.pod_failure_policy, pod)
            if action == FAIL_INDEX:
                return True
        else:
            counted = True
    return counted and index_failure_count(pod) >= (job.spec.backoff_limit_per_index or 0)


def calculate_failed_indexes(job: Job, pods: Iterable[Pod]) -> Intervals:
    """``calculateFailedIndexes``: ``status.failedIndexes`` plus the indexes of failed pods not yet counted (with
    their tracking finalizer) that fail their index."""
    previous = parse_intervals(job.status.failed_indexes, job.spec.completions) \
        if job.status.failed_indexes is not None else ()
    new = sorted({completion_index(p) for p in pods
                  if valid_index(job, p) and has_tracking_finalizer(p) and is_index_failed(job, p)})
    return with_ordered_indexes(previous, new)


def _indexes_of(intervals: Intervals) -> list[int]:
    return [i for first, last in intervals for i in range(first, last + 1)]


def pods_with_delayed_deletion(job: Job, pods: Iterable[Pod], active_pods: Iterable[Pod], succeeded: Intervals,
                               failed: Intervals, expected_removals: frozenset[str]) -> FrozenDict:
    """``getPodsWithDelayedDeletionPerIndex``: per index neither succeeded, failed nor active, its last failed pod
    (most failures, then latest finish), whose finalizer stays until its replacement carries the index's failure
    count."""
    active = {completion_index(p) for p in active_pods}
    delayed: dict[int, Pod] = {}
    for pod in pods:
        if not has_tracking_finalizer(pod) or (pod.metadata.uid or "") in expected_removals \
                or not valid_index(job, pod) or not is_pod_failed(pod, job):
            continue
        index = completion_index(pod)
        if has_index(succeeded, index) or has_index(failed, index) or index in active:
            continue
        last = delayed.get(index)
        if last is None or (index_absolute_failure_count(last) <= index_absolute_failure_count(pod)
                            and finished_time(pod) >= finished_time(last)):
            delayed[index] = pod
    return FrozenDict(delayed)


def new_index_failure_counts(job: Job, replaced: Pod | None) -> tuple[int, int]:
    """``getNewIndexFailureCounts``: the failure and ignored-failure counts of the pod replacing ``replaced``."""
    if replaced is None:
        return 0, 0
    failures, ignored = index_failure_count(replaced), _count_annotation(replaced, INDEX_IGNORED_FAILURE_COUNT)
    if job.spec.pod_failure_policy is None or match_pod_failure_policy(job.spec.pod_failure_policy, replaced)[1]:
        return failures + 1, ignored
    return failures, ignored + 1


def remaining_time_per_index(now: int, last_failed: Pod | None) -> int:
    """``getRemainingTimePerIndex``: the index's back-off (10 s doubling per failure, at most 10 minutes) after its
    last failed pod finished."""
    if last_failed is None:
        return 0
    return BackoffRecord(index_absolute_failure_count(last_failed) + 1, finished_time(last_failed)).remaining(now)


# --- the controller's memory ---------------------------------------------------------------------------------


@attrs.frozen
class BackoffRecord:
    """``backoffRecord``: consecutive pod failures since the last success, and when the last one finished."""

    failures_after_last_success: int = 0
    last_failure_time: int | None = None

    def updated(self, succeeded: Sequence[Pod], failed: Sequence[Pod]) -> BackoffRecord:
        """``backoffStore.newBackoffRecord``: the record after newly finished pods (by finish time): failures add
        up; a success resets the count to the failures that finished after it."""
        failures = sorted(map(finished_time, failed))
        if not succeeded:
            if not failures:
                return self
            return BackoffRecord(self.failures_after_last_success + len(failures), failures[-1])
        last_success = max(map(finished_time, succeeded))
        later = [t for t in failures if t > last_success]
        return BackoffRecord(len(later), later[-1] if later else None)

    def remaining(self, now: int, initial: int = DEFAULT_POD_FAILURE_BACKOFF,
                  maximum: int = MAX_POD_FAILURE_BACKOFF) -> int:
        """``getRemainingTime``: ``initial`` (10 s) after one failure, doubling per further failure up to
        ``maximum`` (10 minutes), less the time since the last failure (0 once it has passed)."""
        if self.failures_after_last_success == 0 or self.last_failure_time is None:
            return 0
        backoff = initial
        for _ in range(1, self.failures_after_last_success):
            backoff *= 2
            if backoff >= maximum:
                backoff = maximum
                break
        elapsed = now - self.last_failure_time
        return 0 if backoff < elapsed else backoff - elapsed


@attrs.frozen
class JobMemory:
    """What the Job controller keeps in memory, per Job key: its ``ControllerExpectations`` for pod creations and
    deletions, the uids of the pods whose tracking-finalizer removal it waits to observe
    (``uidTrackingExpectations``), and the pod-failure ``backoffRecord``."""

    expectations: FrozenDict = FrozenDict()
    removing_finalizers: FrozenDict = FrozenDict()
    backoff: FrozenDict = FrozenDict()

    def satisfied(self, key: base.Key, now: int) -> bool:
        """``SatisfiedExpectations``: none recorded, fulfilled, or older than ``ExpectationsTimeout``."""
        exp = self.expectations.get(key)
        return exp is None or exp.fulfilled() or exp.expired(now)

    def expect(self, key: base.Key, add: int, delete: int, now: int) -> JobMemory:
        """``ExpectCreations`` / ``ExpectDeletions``: replace the Job's expectations."""
        return attrs.evolve(self, expectations=self.expectations.set(key, ControlleeExpectations(add, delete, now)))

    def lower(self, key: base.Key, add: int = 0, delete: int = 0) -> JobMemory:
        """``CreationObserved`` / ``DeletionObserved``: lower existing expectations (they may go below zero)."""
        exp = self.expectations.get(key)
        if exp is None:
            return self
        lowered = attrs.evolve(exp, add=exp.add - add, delete=exp.delete - delete)
        return attrs.evolve(self, expectations=self.expectations.set(key, lowered))

    def expected_removals(self, key: base.Key) -> frozenset[str]:
        """``getExpectedUIDs``."""
        return self.removing_finalizers.get(key, frozenset())

    def expect_finalizers_removed(self, key: base.Key, uids: Iterable[str]) -> JobMemory:
        """``expectFinalizersRemoved``."""
        uids = self.expected_removals(key) | frozenset(uids)
        return attrs.evolve(self, removing_finalizers=self.removing_finalizers.set(key, uids))

    def finalizer_removal_observed(self, key: base.Key, uid: str) -> JobMemory:
        """``finalizerRemovalObserved``: only an existing set changes."""
        uids = self.removing_finalizers.get(key)
        if uids is None or uid not in uids:
            return self
        return attrs.evolve(self, removing_finalizers=self.removing_finalizers.set(key, uids - {uid}))

    def with_backoff(self, key: base.Key, record: BackoffRecord) -> JobMemory:
        """``updateBackoffRecord``."""
        return attrs.evolve(self, backoff=self.backoff.set(key, record))

    def without_backoff(self, key: base.Key) -> JobMemory:
        """``removeBackoffRecord``."""
        return attrs.evolve(self, backoff=self.backoff.discard(key))

    def forget(self, key: base.Key) -> JobMemory:
        """A deleted Job: ``DeleteExpectations``, ``deleteExpectations`` and ``removeBackoffRecord``."""
        return JobMemory(self.expectations.discard(key), self.removing_finalizers.discard(key),
                         self.backoff.discard(key))


def memory_of(memory: FrozenDict) -> JobMemory:
    return memory.get(_MEMORY_KEY, JobMemory())


def _remember(memory: FrozenDict, job_memory: JobMemory) -> FrozenDict:
    return memory.set(_MEMORY_KEY, job_memory)


# --- event handlers ----------------------------------------------------------------------------------------


def _batched(job: Job) -> base.After:
    """``enqueueSyncJobBatched``."""
    return base.After(base.key_of(job), SYNC_JOB_BATCH_PERIOD)


_resolve = functools.partial(base.resolve_controller_ref, "Job")


def _jobs_selecting(pod: Pod, cache: Objects) -> list[Job]:
    """``GetPodJobs``: the Jobs of the pod's namespace whose selector matches its (non-empty) labels."""
    if not pod.labels:
        return []
    return [j for j in cache.list("Job", pod.namespace) if selector_of(j.spec.selector).matches(pod.labels)]


def _orphan(pod: Pod) -> base.Reaction:
    """``enqueueOrphanPod`` for a pod still holding the tracking finalizer."""
    return base.Reaction((_orphan_key(pod),)) if has_tracking_finalizer(pod) else base.Reaction()


def _deleted_pod(pod: Pod, cache: Objects, final: bool) -> base.Reaction:
    """``deletePod``: ``DeletionObserved``, and ``finalizerRemovalObserved`` once the finalizer is gone or the pod is;
    ``final`` for the DELETED event, not for the update that sets the deletion timestamp."""
    ref = pod.metadata.controller_ref()
    if ref is None:
        return _orphan(pod)
    job = _resolve(pod.namespace, ref, cache)
    if job is None or is_job_finished(job):
        return _orphan(pod)
    key, uid = base.key_of(job), pod.metadata.uid or ""
    removed = (lambda m: m.finalizer_removal_observed(key, uid),) if final or not has_tracking_finalizer(pod) else ()
    return base.Reaction((_batched(job),), (lambda m: m.lower(key, delete=1), *removed))


def _added_pod(pod: Pod, cache: Objects) -> base.Reaction:
    """``addPod``: ``CreationObserved`` for the owner."""
    if pod.metadata.deletion_timestamp is not None:
        return _deleted_pod(pod, cache, final=False)
    ref = pod.metadata.controller_ref()
    if ref is None:
        return _orphan(pod) + base.Reaction(tuple(_batched(j) for j in _jobs_selecting(pod, cache)))
    job = _resolve(pod.namespace, ref, cache)
    if job is None:
        return base.Reaction()
    key = base.key_of(job)
    return base.Reaction((_batched(job),), (lambda m: m.lower(key, add=1),))


def _updated_pod(old: Pod, cur: Pod, cache: Objects) -> base.Reaction:
    """``updatePod``: ``finalizerRemovalObserved`` for the owners once the finalizer is gone."""
    if cur.metadata.resource_version == old.metadata.resource_version:
        return base.Reaction()
    if cur.metadata.deletion_timestamp is not None:
        return _deleted_pod(cur, cache, final=False)
    uid = cur.metadata.uid or ""
    finalizer_removed = not has_tracking_finalizer(cur)
    cur_ref, old_ref = cur.metadata.controller_ref(), old.metadata.controller_ref()
    reaction = base.Reaction()

    def touched(job: Job) -> base.Reaction:
        key = base.key_of(job)
        removed = (lambda m: m.finalizer_removal_observed(key, uid),) if finalizer_removed else ()
        return base.Reaction((_batched(job),), removed)
    if cur_ref != old_ref and old_ref is not None:
        previous = _resolve(old.namespace, old_ref, cache)
        if previous is not None:
            reaction = touched(previous)
    if cur_ref is not None:
        job = _resolve(cur.namespace, cur_ref, cache)
        return reaction if job is None else reaction + touched(job)
    reaction += _orphan(cur)
    if cur.labels != old.labels or cur_ref != old_ref:
        reaction += base.Reaction(tuple(_batched(j) for j in _jobs_selecting(cur, cache)))
    return reaction


def _cleanup_pod_finalizers(job: Job, cache: Objects) -> base.Reaction:
    """``cleanupPodFinalizers``: the Job's pods (by selector and controller reference) that still hold the tracking
    finalizer go to the orphan queue."""
    selector = selector_of(job.spec.selector)
    return base.Reaction(tuple(
        _orphan_key(p) for p in cache.list("Pod", job.namespace)
        if selector.matches(p.labels) and has_tracking_finalizer(p)
        and (ref := p.metadata.controller_ref()) is not None and ref.uid == job.metadata.uid))


def _react(event: WatchEvent, old: Any, cache: Objects) -> base.Reaction:
    """The event handlers; their changes apply to the :class:`JobMemory`."""
    obj = event.object
    if obj.kind == "Pod":
        if event.type == DELETED:
            return _deleted_pod(obj, cache, final=True)
        if event.type == ADDED or old is None:
            return _added_pod(obj, cache)
        return _updated_pod(old, obj, cache)
    if event.type == DELETED:
        return base.Reaction((base.key_of(obj),)) + _cleanup_pod_finalizers(obj, cache)
    if event.type == ADDED or old is None:
        return base.Reaction((base.key_of(obj),))
    same_generation = obj.metadata.generation == old.metadata.generation
    reaction = base.Reaction((_batched(obj) if same_generation else base.key_of(obj),))
    return reaction + _cleanup_pod_finalizers(obj, cache) if is_job_finished(obj) else reaction


_enqueue, _on_event = base.event_handlers(_react, memory_of, _remember)


def _initial_keys(cache: Objects) -> list[base.Key]:
    """The informers' initial list: every Job (``addJob``), and every pod without a controller that still holds the
    tracking finalizer (``addPod`` sends it to the orphan queue)."""
    keys = [base.key_of(j) for j in cache.list("Job")]
    keys += [_orphan_key(p) for p in cache.list("Pod")
             if p.metadata.controller_ref() is None and has_tracking_finalizer(p)]
    return keys


# --- syncJob -------------------------------------------------------------------------------------------------


@attrs.frozen
class _Work:
    """``syncJobCtx``: what one sync has worked out so far. ``job`` is the working copy whose status the sync
    writes; ``uncounted_*`` are the uids in ``uncountedTerminatedPods`` when the sync started."""

    job: Job
    pods: tuple[Pod, ...]
    active_pods: tuple[Pod, ...]
    succeeded: int
    failed: int
    ready: int
    terminating: int
    finished: FrozenDict | None
    prev_succeeded_indexes: Intervals
    succeeded_indexes: Intervals
    new_backoff: BackoffRecord
    expected_removals: frozenset[str]
    uncounted_succeeded: frozenset[str]
    uncounted_failed: frozenset[str]
    requeue: int | None = None
    failed_indexes: Intervals | None = None
    """With backoffLimitPerIndex: the failed indexes (``jobCtx.failedIndexes``); None otherwise."""
    delayed: FrozenDict = FrozenDict()
    """With backoffLimitPerIndex: index -> the failed pod whose finalizer waits for its replacement."""

    def requeue_within(self, seconds: int) -> _Work:
        """``queue.AddAfter``: the earliest of the requeues asked for wins."""
        return attrs.evolve(self, requeue=seconds if self.requeue is None else min(self.requeue, seconds))

    def with_status(self, **changes: Any) -> _Work:
        return attrs.evolve(self, job=attrs.evolve(self.job, status=attrs.evolve(self.job.status, **changes)))


Then = Callable[..., base.Result]


@attrs.frozen
class _Sync(base.Sync):
    """One ``syncJob`` of one Job."""

    job: Job

    @property
    def user(self) -> UserInfo:
        return controller_identity(NAME)

    def controller_ref(self) -> OwnerReference:
        """``metav1.NewControllerRef(job, controllerKind)``."""
        return OwnerReference(api_version="batch/v1", kind="Job", name=self.job.name, uid=self.job.metadata.uid or "",
                              controller=True, block_owner_deletion=True)

    def _remove_finalizer(self, pod: Pod) -> rq.PatchOwnerReferences:
        """``removeTrackingFinalizerPatch``."""
        return rq.PatchOwnerReferences(self.user, "Pod", pod.namespace, pod.name,
                                       remove_finalizers=(JOB_TRACKING_FINALIZER,))

    # getPodsForJob

    def claim(self, satisfied: bool) -> base.Result:
        """``getPodsForJob``: ``ClaimPods`` over every pod of the namespace (adoption adds the controller reference
        and the tracking finalizer, release drops both); adoption waits for a fresh GET of the Job
        (``RecheckDeletionTimestamp``)."""
        pods = self.cache.list("Pod", self.job.namespace)
        owned, actions = base.claim_actions(pods, selector_of(self.job.spec.selector), self.job)
        return base.recheck_adoptions(self.job, self.user, actions,
                                      lambda sent, refused: self._patch(owned, sent, refused, satisfied))

    def _patch(self, owned: list[Pod], sent: list[tuple[str, Pod]], refused: bool, satisfied: bool) -> base.Result:
        requests = tuple(
            rq.PatchOwnerReferences(self.user, "Pod", pod.namespace, pod.name, uid=pod.metadata.uid,
                                    add=(self.controller_ref(),), add_finalizers=(JOB_TRACKING_FINALIZER,))
            if action == "adopt" else
            rq.PatchOwnerReferences(self.user, "Pod", pod.namespace, pod.name, uid=pod.metadata.uid,
                                    remove=(self.job.metadata.uid or "",), remove_finalizers=(JOB_TRACKING_FINALIZER,))
            for action, pod in sent)

        def patched(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            claimed = {_pod_key(p): p for p in owned}
            failed = refused
            for (action, pod), response in zip(sent, responses, strict=True):
                if response.ok and action == "adopt":
                    finalizers = pod.metadata.finalizers + (
                        () if has_tracking_finalizer(pod) else (JOB_TRACKING_FINALIZER,))
                    claimed[_pod_key(pod)] = attrs.evolve(
                        pod, metadata=attrs.evolve(pod.metadata, finalizers=finalizers))
                failed = failed or base.claim_failed(action, response)
            if failed:
                return base.Result(failed=True)
            pods = tuple(claimed[k] for k in sorted(claimed, key=lambda k: (k[0] or "", k[1])))
            return self.decide(pods, satisfied, memory)
        return base.Result(requests, then=patched)

    # syncJob

    def decide(self, pods: tuple[Pod, ...], satisfied: bool, memory: FrozenDict) -> base.Result:
        """``syncJob`` once the pods are claimed: the counts, the finish decision, then either the deletion of the
        active pods of a finished Job or ``manageJob``."""
        job, now = self.job, self.now
        spec, status = job.spec, job.status
        uncounted = status.uncounted_terminated_pods or UncountedTerminatedPods()
        active_pods = tuple(p for p in pods if is_pod_active(p))
        expected = memory_of(memory).expected_removals(self.key)
        succeeded_uids, failed_uids = frozenset(uncounted.succeeded), frozenset(uncounted.failed)
        new_succeeded, new_failed = new_finished_pods(job, pods, uncounted, expected)
        start_time = status.start_time
        if start_time is None and not spec.suspend:
            start_time = now
        working = attrs.evolve(job, status=attrs.evolve(status, uncounted_terminated_pods=uncounted,
                                                        start_time=start_time))
        work = _Work(
            job=working, pods=pods, active_pods=active_pods,
            succeeded=status.succeeded + len(new_succeeded) + len(uncounted.succeeded),
            failed=status.failed + sum(counts_failed(job, p) for p in new_failed) + len(uncounted.failed),
            ready=_ready_count(active_pods), terminating=sum(map(is_pod_terminating, pods)),
            finished=None, prev_succeeded_indexes=(), succeeded_indexes=(),
            new_backoff=memory_of(memory).backoff.get(self.key, BackoffRecord()).updated(new_succeeded, new_failed),
            expected_removals=expected, uncounted_succeeded=succeeded_uids, uncounted_failed=failed_uids)
        finished = find_condition(status.conditions, SUCCESS_CRITERIA_MET)
        finished = finished if _is_true(finished) else None
        if finished is None:
            target = find_condition(status.conditions, FAILURE_TARGET)
            if _is_true(target):
                finished = new_condition(FAILED, "True", target.get("reason", ""), target.get("message", ""), now)
            elif (message := fail_job_message(job, pods)) is not None:
                finished = new_condition(FAILURE_TARGET, "True", POD_FAILURE_POLICY_REASON, message, now)
            elif work.failed > spec.backoff_limit or past_backoff_limit_on_failure(job, pods):
                finished = new_condition(FAILURE_TARGET, "True", *BACKOFF_LIMIT_EXCEEDED, now)
            elif past_active_deadline(job, start_time, now):
                finished = new_condition(FAILURE_TARGET, "True", *DEADLINE_EXCEEDED, now)
            elif spec.active_deadline_seconds is not None and not spec.suspend:
                work = work.requeue_within(spec.active_deadline_seconds - (now - _seconds(start_time)))
        if _indexed(job):
            previous, indexes = calculate_succeeded_indexes(job, pods)
            work = attrs.evolve(work, prev_succeeded_indexes=previous, succeeded_indexes=indexes,
                                succeeded=total(indexes))
            if has_backoff_limit_per_index(job):
                failed_indexes = calculate_failed_indexes(job, pods)
                if finished is None:
                    most = spec.max_failed_indexes
                    if most is not None and total(failed_indexes) > most:
                        finished = new_condition(FAILURE_TARGET, "True", *MAX_FAILED_INDEXES_EXCEEDED, now)
                    elif total(failed_indexes) > 0 and total(failed_indexes) + total(indexes) >= spec.completions:
                        finished = new_condition(FAILURE_TARGET, "True", *FAILED_INDEXES, now)
                delayed = pods_with_delayed_deletion(job, pods, active_pods, indexes, failed_indexes, expected)
                work = attrs.evolve(work, failed_indexes=failed_indexes, delayed=delayed)
        work = attrs.evolve(work, finished=finished)
        if finished is not None:
            return self._delete_active_pods(work, satisfied, memory)
        if satisfied and job.metadata.deletion_timestamp is None:
            return self._manage(work, memory, functools.partial(self._after_manage, called=True))
        return self._after_manage(work, len(active_pods), None, memory, called=False)

    def _delete_active_pods(self, work: _Work, satisfied: bool, memory: FrozenDict) -> base.Result:
        """A finished Job: ``deleteActivePods`` (keeping their finalizers); it is declared finished only if every
        deletion went through and the expectations are satisfied."""
        doomed = work.active_pods
        requests = tuple(rq.Delete(self.user, "Pod", p.namespace, p.name) for p in doomed)

        def answered(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            errors = [r.message for r in responses if not r.ok and r.code != 404]
            deleted = len(doomed) - len(errors)
            finished = work.finished if deleted == len(doomed) and satisfied else None
            done = attrs.evolve(work, finished=finished, terminating=work.terminating + deleted,
                                ready=work.ready - _ready_count(doomed))
            return self._status(done, len(doomed) - deleted, False, errors[0] if errors else None, memory)
        return base.Result(requests, memory=memory, then=answered)

    def _after_manage(self, work: _Work, active: int, error: str | None, memory: FrozenDict,
                      called: bool) -> base.Result:
        """After ``manageJob``: complete when enough pods succeeded (a work queue: one, and none active);
        otherwise, if managed, the Suspended condition (resuming resets ``startTime``)."""
        spec, now = self.job.spec, self.now
        if spec.completions is None:
            complete = work.succeeded > 0 and active == 0
        else:
            complete = work.succeeded >= spec.completions and active == 0
        changed = False
        if complete:
            work = attrs.evolve(work, finished=new_condition(SUCCESS_CRITERIA_MET, "True", *COMPLETIONS_REACHED, now))
        elif called:
            status = work.job.status
            if spec.suspend:
                conditions, changed = ensure_condition(status.conditions, SUSPENDED, "True", "JobSuspended",
                                                       "Job suspended", now)
                work = work.with_status(conditions=conditions)
            else:
                conditions, changed = ensure_condition(status.conditions, SUSPENDED, "False", "JobResumed",
                                                       "Job resumed", now)
                work = work.with_status(conditions=conditions, start_time=now if changed else status.start_time)
        return self._status(work, active, changed, error, memory)

    def _status(self, work: _Work, active: int, changed: bool, error: str | None, memory: FrozenDict) -> base.Result:
        """The end of ``syncJob``: the new active, ready and terminating counts, then the tracking of finished
        pods; the sync's error is ``manageJob``'s unless the tracking failed."""
        status = work.job.status
        needs_update = changed or active != status.active or work.ready != status.ready \
            or work.terminating != status.terminating
        work = work.with_status(active=active, ready=work.ready, terminating=work.terminating)
        return _Tracking(self, work, error).track(needs_update, memory)

    # manageJob

    def _manage(self, work: _Work, memory: FrozenDict, then: Then) -> base.Result:
        """``manageJob``: a suspended Job loses its active pods; otherwise pods beyond ``min(parallelism, remaining
        completions)`` are deleted, or, once the pod-failure back-off has passed, missing ones created (for an
        Indexed Job, the lowest pending indexes). ``then(work, active, error, memory)`` continues the sync."""
        job, spec, now, key = self.job, self.job.spec, self.now, self.key
        active = len(work.active_pods)
        job_memory = memory_of(memory)
        if spec.suspend:
            doomed = active_pods_for_removal(job, work.active_pods, active)
            memory = _remember(memory, job_memory.expect(key, 0, len(doomed), now))
            return self._delete_job_pods(work, doomed, active, memory, then)
        if spec.completions is None:
            want = active if work.succeeded > 0 else spec.parallelism
        else:
            want = max(min(spec.completions - work.succeeded, spec.parallelism), 0)
        doomed = active_pods_for_removal(job, work.active_pods, max(active - want, 0))[:MAX_POD_CREATE_DELETE_PER_SYNC]
        if doomed:
            memory = _remember(memory, job_memory.expect(key, 0, len(doomed), now))
            return self._delete_job_pods(work, doomed, active, memory, then)
        # Only failed pods are replaced (podReplacementPolicy Failed): terminating ones still hold their places.
        diff = want - (work.terminating if only_replace_failed_pods(job) else 0) - active
        if diff <= 0:
            return then(work, active, None, memory)
        # With backoffLimitPerIndex each index has its own back-off (below) instead of the Job's.
        remaining = 0 if has_backoff_limit_per_index(job) else work.new_backoff.remaining(now)
        if remaining > 0:
            # As upstream, a sync waiting out the back-off reports no active pods.
            return then(work.requeue_within(max(remaining, SYNC_JOB_BATCH_PERIOD)), 0, None, memory)
        diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
        indexes: list[int | None] = [None] * diff
        if _indexed(job):
            # firstPendingIndexes: neither succeeded, failed, active nor (podReplacementPolicy Failed) terminating.
            held = _indexes_of(work.failed_indexes or ())
            if only_replace_failed_pods(job):
                held += [i for i in map(completion_index, filter(is_pod_terminating, work.pods)) if i != UNKNOWN_INDEX]
            taken = with_ordered_indexes(work.succeeded_indexes, sorted(set(held)))
            indexes = list(first_pending_indexes(work.active_pods, taken, diff, spec.completions))
            if has_backoff_limit_per_index(job):  # getPodCreationInfoForIndependentIndexes
                waits = {i: remaining_time_per_index(now, work.delayed.get(i)) for i in indexes}
                ready = [i for i in indexes if waits[i] == 0]
                if indexes and not ready:
                    return then(work.requeue_within(max(min(waits.values()), SYNC_JOB_BATCH_PERIOD)), 0, None,
                                memory)
                indexes = ready
            diff = len(indexes)
        memory = _remember(memory, job_memory.expect(key, diff, 0, now))
        return self._create(work, indexes, min(diff, SLOW_START_INITIAL_BATCH_SIZE), active + diff, None, memory,
                            then)

    def _template(self) -> PodTemplateSpec:
        """The pod template with the tracking finalizer and, for an Indexed Job, the ``JOB_COMPLETION_INDEX``
        variable read from the index label (``addCompletionIndexEnvVariables``)."""
        template = self.job.spec.template
        meta = template.metadata
        if JOB_TRACKING_FINALIZER not in meta.finalizers:
            meta = attrs.evolve(meta, finalizers=meta.finalizers + (JOB_TRACKING_FINALIZER,))
        spec = template.spec
        if _indexed(self.job):
            variable = freeze({"name": COMPLETION_INDEX_ENV, "valueFrom": {"fieldRef": {
                "fieldPath": f"metadata.labels['{JOB_COMPLETION_INDEX}']"}}})

            def with_index(containers: tuple) -> tuple:
                return tuple(c if any(v.get("name") == COMPLETION_INDEX_ENV for v in c.env or ())
                             else attrs.evolve(c, env=tuple(c.env or ()) + (variable,)) for c in containers)
            spec = attrs.evolve(spec, init_containers=with_index(spec.init_containers),
                                containers=with_index(spec.containers))
        return attrs.evolve(template, metadata=meta, spec=spec)

    def _new_pod(self, template: PodTemplateSpec, index: int | None, replaced: Pod | None = None) -> Pod:
        """``CreatePodsWithGenerateName``: the template's labels, annotations, finalizers and spec, the controller
        reference, generateName ``<job>-``; an indexed pod also gets the index annotation and label, hostname
        ``<job>-<index>`` and generateName ``<job>-<index>-``, and with backoffLimitPerIndex the index's failure
        counts after ``replaced`` (``addIndexFailureCountAnnotation``)."""
        meta, spec = template.metadata, template.spec
        generate_name = f"{self.job.name}-"
        labels, annotations = meta.labels, meta.annotations
        if index is not None:
            annotations = annotations.set(JOB_COMPLETION_INDEX, str(index))
            labels = labels.set(JOB_COMPLETION_INDEX, str(index))
            spec = attrs.evolve(spec, hostname=f"{self.job.name}-{index}")
            generate_name = pod_generate_name_with_index(self.job.name, index)
            if has_backoff_limit_per_index(self.job):
                failures, ignored = new_index_failure_counts(self.job, replaced)
                annotations = annotations.set(INDEX_FAILURE_COUNT, str(failures))
                if ignored > 0:
                    annotations = annotations.set(INDEX_IGNORED_FAILURE_COUNT, str(ignored))
        pod_meta = ObjectMeta(generate_name=generate_name, namespace=self.job.namespace, labels=labels,
                              annotations=annotations, finalizers=meta.finalizers,
                              owner_references=(self.controller_ref(),))
        return Pod(metadata=pod_meta, spec=spec)

    def _create(self, work: _Work, indexes: list[int | None], batch: int, active: int, error: str | None,
                memory: FrozenDict, then: Then) -> base.Result:
        """One slow-start batch of creations (1, 2, 4, ...); after a failed batch the rest are skipped and no
        longer expected. A create refused because the namespace is terminating counts as done."""
        template = self._template()
        requests = tuple(rq.Create(self.user, self._new_pod(template, i, None if i is None else work.delayed.get(i)))
                         for i in indexes[:batch])

        def answered(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            errors = [r.message for r in responses if not r.ok and not _namespace_terminating(r)]
            lowered = memory_of(memory).lower(self.key, add=len(errors))
            remaining = indexes[batch:]
            first_error = error or (errors[0] if errors else None)
            now_active = active - len(errors)
            if errors and remaining:
                lowered = lowered.lower(self.key, add=len(remaining))
                return then(work, now_active - len(remaining), first_error, _remember(memory, lowered))
            if not remaining:
                return then(work, now_active, first_error, _remember(memory, lowered))
            return self._create(work, remaining, min(2 * batch, len(remaining)), now_active, first_error,
                                _remember(memory, lowered), then)
        return base.Result(requests, memory=memory, then=answered)

    def _delete_job_pods(self, work: _Work, doomed: Sequence[Pod], active: int, memory: FrozenDict,
                         then: Then) -> base.Result:
        """``deleteJobPods``: remove each pod's tracking finalizer, then delete it (a removed pod is not counted).
        A failed step is no longer expected (NotFound is not an error); a ready pod whose finalizer came off counts
        as a deleted ready pod."""
        with_finalizer = [p for p in doomed if has_tracking_finalizer(p)]
        patches = tuple(self._remove_finalizer(p) for p in with_finalizer)

        def patched(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            failed_patch = {_pod_key(p): r for p, r in zip(with_finalizer, responses, strict=True) if not r.ok}
            errors = [r.message for r in failed_patch.values() if r.code != 404]
            job_memory = memory_of(memory).lower(self.key, delete=len(failed_patch))
            deleting = [p for p in doomed if _pod_key(p) not in failed_patch]
            requests = tuple(rq.Delete(self.user, "Pod", p.namespace, p.name) for p in deleting)

            def deleted(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
                failures = [r for r in responses if not r.ok]
                all_errors = errors + [r.message for r in failures if r.code != 404]
                removed = len(doomed) - len(all_errors)
                done = attrs.evolve(work, terminating=work.terminating + removed,
                                    ready=work.ready - _ready_count(deleting))
                memory = _remember(memory, memory_of(memory).lower(self.key, delete=len(failures)))
                return then(done, active - removed, all_errors[0] if all_errors else None, memory)
            return base.Result(requests, memory=_remember(memory, job_memory), then=deleted)
        return base.Result(patches, memory=memory, then=patched)


@attrs.frozen
class _Tracking:
    """``trackJobStatusAndRemoveFinalizers`` for one sync: record finished pods in ``uncountedTerminatedPods``,
    remove their finalizers, move them to the counters, and finish the Job when it may."""

    sync: _Sync
    work: _Work
    error: str | None

    def _result(self, memory: FrozenDict, failed: bool = False) -> base.Result:
        return base.Result(memory=memory, requeue_after=self.work.requeue,
                           failed=failed or self.error is not None)

    def track(self, needs_flush: bool, memory: FrozenDict) -> base.Result:
        work, job = self.work, self.work.job
        indexed = _indexed(job)
        pods = sorted(work.pods, key=completion_index) if indexed else list(work.pods)
        with_finalizer = {p.metadata.uid or "" for p in pods
                          if has_tracking_finalizer(p) and (p.metadata.uid or "") not in work.expected_removals}
        status, cleaned = _count_uncounted(job.status, with_finalizer)
        needs_flush = needs_flush or cleaned
        uncounted_succeeded = list(status.uncounted_terminated_pods.succeeded)
        uncounted_failed = list(status.uncounted_terminated_pods.failed)
        to_remove: list[Pod] = []
        new_indexes: list[int] = []
        reached_max = False
        for pod in pods:
            uid = pod.metadata.uid or ""
            if not has_tracking_finalizer(pod) or uid in work.expected_removals:
                continue
            considered_failed = is_pod_failed(pod, job)
            if not self._can_remove_finalizer(pod, considered_failed):
                continue
            to_remove.append(pod)
            if pod.status.phase == "Succeeded" and uid not in work.uncounted_failed:
                if indexed:
                    index = completion_index(pod)
                    if valid_index(job, pod) and not has_index(work.prev_succeeded_indexes, index):
                        new_indexes.append(index)
                        needs_flush = True
                elif uid not in work.uncounted_succeeded:
                    needs_flush = True
                    uncounted_succeeded.append(uid)
            elif considered_failed or (work.finished is not None
                                       and not _is_true(work.finished, SUCCESS_CRITERIA_MET)):
                # When the Job is finished, every pod that did not succeed counts as failed.
                if uid not in work.uncounted_failed and (not indexed or valid_index(job, pod)) \
                        and counts_failed(job, pod):
                    needs_flush = True
                    uncounted_failed.append(uid)
            if len(new_indexes) + len(uncounted_succeeded) + len(uncounted_failed) >= MAX_UNCOUNTED_PODS:
                reached_max = True
                break
        status = attrs.evolve(status, uncounted_terminated_pods=UncountedTerminatedPods(
            tuple(uncounted_succeeded), tuple(uncounted_failed)))
        if indexed:
            indexes = with_ordered_indexes(work.succeeded_indexes, new_indexes)
            text = intervals_text(indexes)
            needs_flush = needs_flush or text != (status.completed_indexes or "")
            status = attrs.evolve(status, succeeded=total(indexes), completed_indexes=text or None)
            failed_text = None if work.failed_indexes is None else intervals_text(work.failed_indexes)
            if failed_text != status.failed_indexes:
                status = attrs.evolve(status, failed_indexes=failed_text)
                needs_flush = True
        finished, now = work.finished, self.sync.now
        if finished is not None and finished.get("type") == FAILURE_TARGET:
            status = attrs.evolve(status, conditions=_with_condition(status.conditions, finished))
            needs_flush = True
            finished = new_condition(FAILED, "True", finished.get("reason", ""), finished.get("message", ""), now)
        if _is_true(finished, SUCCESS_CRITERIA_MET):
            if not _is_true(find_condition(status.conditions, SUCCESS_CRITERIA_MET)):
                status = attrs.evolve(status, conditions=_with_condition(status.conditions, finished))
                needs_flush = True
            finished = new_condition(COMPLETE, "True", finished.get("reason", ""), finished.get("message", ""), now)
        tracking = attrs.evolve(self, work=attrs.evolve(work, job=attrs.evolve(job, status=status), finished=finished))
        return tracking._flush(tuple(to_remove), frozenset(with_finalizer), needs_flush, reached_max, memory)

    def _can_remove_finalizer(self, pod: Pod, considered_failed: bool) -> bool:
        """``canRemoveFinalizer``: the Job is being deleted or finished, or the pod succeeded, or it failed and is
        not the failed pod of its index that waits for its replacement (backoffLimitPerIndex)."""
        job = self.work.job
        if job.metadata.deletion_timestamp is not None or self.work.finished is not None \
                or pod.status.phase == "Succeeded":
            return True
        if not considered_failed:
            return False
        waiting = self.work.delayed.get(completion_index(pod))
        return waiting is None or waiting.metadata.uid != pod.metadata.uid

    def _update_status(self, memory: FrozenDict, then: Then) -> base.Result:
        """``updateJobStatus`` with the working copy (its resourceVersion a precondition)."""
        request = rq.UpdateStatus(self.sync.user, self.work.job)
        return base.Result((request,), memory=memory, then=lambda memory, responses: then(memory, responses[0]))

    def _flush(self, to_remove: tuple[Pod, ...], with_finalizer: frozenset[str], needs_flush: bool,
               reached_max: bool, memory: FrozenDict) -> base.Result:
        """``flushUncountedAndRemoveFinalizers``, first step: write the status (new uncounted pods, interim
        conditions) before any finalizer comes off; the back-off record is kept once it is written."""
        if not needs_flush:
            return self._remove_finalizers(to_remove, with_finalizer, reached_max, memory)

        def flushed(memory: FrozenDict, response: rq.Response) -> base.Result:
            if not response.ok:
                return self._result(memory, failed=True)
            memory = _remember(memory, memory_of(memory).with_backoff(self.sync.key, self.work.new_backoff))
            tracking = attrs.evolve(self, work=attrs.evolve(self.work, job=response.object))
            return tracking._remove_finalizers(to_remove, with_finalizer, reached_max, memory)
        return self._update_status(memory, flushed)

    def _remove_finalizers(self, to_remove: tuple[Pod, ...], with_finalizer: frozenset[str], reached_max: bool,
                           memory: FrozenDict) -> base.Result:
        """``removeTrackingFinalizerFromPods``, expecting each removal first; then the counters take the pods whose
        finalizer is gone (NotFound counts as gone). A failed removal is no longer expected, and ends the sync in
        error after the partial progress is written."""
        key = self.sync.key
        if not to_remove:
            return self._finish(False, reached_max, memory)
        memory = _remember(memory, memory_of(memory).expect_finalizers_removed(
            key, (p.metadata.uid or "" for p in to_remove)))
        requests = tuple(self.sync._remove_finalizer(p) for p in to_remove)

        def removed(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            job_memory = memory_of(memory)
            remaining = set(with_finalizer)
            errors = []
            for pod, response in zip(to_remove, responses, strict=True):
                uid = pod.metadata.uid or ""
                if not response.ok:
                    job_memory = job_memory.finalizer_removal_observed(key, uid)
                    if response.code != 404:
                        errors.append(response.message)
                        continue
                remaining.discard(uid)
            memory = _remember(memory, job_memory)
            status, needs_flush = _count_uncounted(self.work.job.status, frozenset(remaining))
            tracking = attrs.evolve(self, work=attrs.evolve(self.work, job=attrs.evolve(self.work.job, status=status)))
            if errors:
                if not needs_flush:
                    return tracking._result(memory, failed=True)
                return tracking._update_status(memory, lambda memory, _: tracking._result(memory, failed=True))
            return tracking._finish(needs_flush, reached_max, memory)
        return base.Result(requests, memory=memory, then=removed)

    def _finish(self, needs_flush: bool, reached_max: bool, memory: FrozenDict) -> base.Result:
        """``enactJobFinished``: once nothing is uncounted and no pod is terminating, the Complete or Failed
        condition (and ``completionTime``); then the last status write if anything changed."""
        work = self.work
        status = work.job.status
        uncounted = status.uncounted_terminated_pods
        finished = work.finished
        if (not reached_max and finished is not None and not (uncounted.succeeded or uncounted.failed)
                and work.terminating == 0):
            conditions, _ = ensure_condition(status.conditions, finished["type"], finished["status"],
                                             finished.get("reason", ""), finished.get("message", ""), self.sync.now)
            completion = finished["lastTransitionTime"] if finished["type"] == COMPLETE else status.completion_time
            work = work.with_status(conditions=conditions, completion_time=completion)
            needs_flush = True
        if not needs_flush:
            return self._result(memory)
        tracking = attrs.evolve(self, work=work)
        return tracking._update_status(memory, lambda memory, response: tracking._result(memory,
                                                                                       failed=not response.ok))


def _count_uncounted(status: JobStatus, with_finalizer: frozenset[str]) -> tuple[JobStatus, bool]:
    """``cleanUncountedPodsWithoutFinalizers``: uncounted pods whose finalizer is gone move to the counters.
    Returns the status and whether it changed."""
    uncounted = status.uncounted_terminated_pods or UncountedTerminatedPods()
    succeeded = tuple(u for u in uncounted.succeeded if u in with_finalizer)
    failed = tuple(u for u in uncounted.failed if u in with_finalizer)
    if (succeeded, failed) == (uncounted.succeeded, uncounted.failed):
        return status, False
    return attrs.evolve(
        status, succeeded=status.succeeded + len(uncounted.succeeded) - len(succeeded),
        failed=status.failed + len(uncounted.failed) - len(failed),
        uncounted_terminated_pods=UncountedTerminatedPods(succeeded, failed)), True


def _sync_orphan_pod(ctx: base.Context) -> base.Result:
    """``syncOrphanPod``: remove the tracking finalizer from a pod no unfinished Job controls (a pod controlled by
    something else than a batch/v1 Job keeps it)."""
    _, namespace, name = ctx.key
    pod = ctx.cache.get("Pod", namespace, name)
    if pod is None:
        return base.Result()
    ref = pod.metadata.controller_ref()
    if ref is not None:
        if ref.kind != "Job" or ref.api_version != "batch/v1":
            return base.Result()
        job = _resolve(namespace, ref, ctx.cache)
        if job is not None and not is_job_finished(job):
            return base.Result()
    if not has_tracking_finalizer(pod):
        return base.Result()
    request = rq.PatchOwnerReferences(controller_identity(NAME), "Pod", namespace, name,
                                      remove_finalizers=(JOB_TRACKING_FINALIZER,))
    return base.Result((request,), then=lambda memory, responses: base.Result(
        failed=not responses[0].ok and responses[0].code != 404))


def sync(ctx: base.Context) -> base.Result:
    """``syncJob`` for a Job key, ``syncOrphanPod`` for an orphan pod's key. A deleted Job's memory is dropped; a
    finished Job only loses its back-off record."""
    if len(ctx.key) == 3:
        return _sync_orphan_pod(ctx)
    namespace, name = ctx.key
    job = ctx.cache.get("Job", namespace, name)
    job_memory = memory_of(ctx.memory)
    if job is None:
        return base.Result(memory=_remember(ctx.memory, job_memory.forget(ctx.key)))
    if is_job_finished(job):
        return base.Result(memory=_remember(ctx.memory, job_memory.without_backoff(ctx.key)))
    return _Sync(ctx, job).claim(job_memory.satisfied(ctx.key, ctx.now))


CONTROLLER = base.Controller(name=NAME, watches=frozenset({"Pod", "Job"}), enqueue=_enqueue,
                             initial_keys=_initial_keys, reconcile=sync, on_event=_on_event)
"""kube-controller-manager's ``job-controller``."""
