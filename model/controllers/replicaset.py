"""The ReplicaSet and ReplicationController controllers: one implementation, run twice.

Upstream runs the same code for both kinds: pkg/controller/replicaset/replica_set.go, which
pkg/controller/replication/replication_controller.go wraps so that a ReplicationController reads as a
ReplicaSet whose selector is its equality-based ``spec.selector``. Ported here:

- ``syncReplicaSet``: claim pods (adopt orphans, release what no longer matches), ``manageReplicas`` when the
  controller's expectations are satisfied and the owner is not being deleted, then ``calculateStatus`` and
  ``updateReplicaSetStatus`` (one re-GET and retry on failure), a resync after ``minReadySeconds``;
- ``manageReplicas``: creates in slow-start batches (1, 2, 4, ...; ``slowStartBatch``) up to ``burstReplicas``,
  deletions chosen by ``getPodsToDelete`` (``ActivePodsWithRanks`` with same-node ranks among the pods of
  ReplicaSets sharing the owner's controller, pkg/controller/controller_utils.go);
- expectations (controller_utils.go ``ControllerExpectations``, ``UIDTrackingControllerExpectations``,
  ``ExpectationsTimeout`` 5 minutes), kept in the controller's memory and lowered by its informer's events
  (``Controller.on_event``) and by failed requests;
- ``ClaimPods`` / ``ClaimObject`` / ``AdoptPod`` / ``ReleasePod`` (pkg/controller/controller_ref_manager.go),
  with the uncached ``RecheckDeletionTimestamp`` GET before the first adoption;
- the event handlers ``addPod``, ``updatePod``, ``deletePod``, ``addRS``, ``updateRS``, ``deleteRS``;
- ``podutil.IsPodAvailable`` (pkg/api/v1/pod/util.go) and ``GetDeletionCostFromPodAnnotations``
  (pkg/apis/core/helper).

Feature gates are at their defaults: PodDeletionCost and LogarithmicScaleDown on,
DeploymentReplicaSetTerminatingReplicas (alpha) off, so ``status.terminatingReplicas`` is not written.

Deliberate differences:

- A sync is one atomic action: its requests go out one after another (upstream sends a batch's creates and
  all deletions concurrently, so the first error reported is the first in that order here).
- Times are the model's whole seconds. An RFC 3339 time from a snapshot (it predates the scenario) counts as
  time 0; a missing time is Go's zero time.
- ``sort.Sort`` is not stable upstream; the model's sort is, so ties keep the cache's (namespace, name) order.
- Events (``SuccessfulCreate``, ``FailedCreate`` ...) and metrics are not modelled.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import UserInfo, controller_identity
from model.controllers import base
from model.frozendict import FrozenDict
from model.labels import Selector, selector_from_set
from model.objects import ObjectMeta, OwnerReference, Pod
from model.objects.workloads import ReplicaSetStatus
from model.store import ADDED, DELETED, Objects, WatchEvent

BURST_REPLICAS = 500
"""``BurstReplicas``: the most pods one sync creates or deletes."""
SLOW_START_INITIAL_BATCH_SIZE = 1
"""``controller.SlowStartInitialBatchSize``."""
EXPECTATIONS_TIMEOUT = 300
"""``controller.ExpectationsTimeout``: expectations not met within 5 minutes are ignored."""
STATUS_UPDATE_RETRIES = 1
"""``statusUpdateRetries``: a failed status update is retried once, after a fresh GET."""
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
"""``core.PodDeletionCost``: pods with a lower cost are deleted first."""
REPLICA_FAILURE = "ReplicaFailure"
NO_EXPECTATIONS = "replicaset-no-expectations"
"""The ``ModelConfig.variants`` switch that makes the controllers ignore their expectations."""
_MEMORY_KEY = "expectations"
_INT32 = (-(2**31), 2**31 - 1)


# --- expectations (pkg/controller/controller_utils.go) ---------------------------------------------------


@attrs.frozen
class ControlleeExpectations:
    """What one owner still expects to observe: ``add`` creations and ``delete`` deletions, set at
    ``timestamp``."""

    add: int
    delete: int
    timestamp: int

    def fulfilled(self) -> bool:
        return self.add <= 0 and self.delete <= 0

    def expired(self, now: int) -> bool:
        return now - self.timestamp > EXPECTATIONS_TIMEOUT


@attrs.frozen
class Expectations:
    """``UIDTrackingControllerExpectations`` over ``ControllerExpectations``: per owner key, the counts and
    the keys of the pods whose deletion it waits to observe (so a graceful deletion, seen first as an update
    and then as a delete, is counted once)."""

    counts: FrozenDict = FrozenDict()
    deleting: FrozenDict = FrozenDict()

    def satisfied(self, key: base.Key, now: int) -> bool:
        """``SatisfiedExpectations``: no expectations, fulfilled ones, or expired ones."""
        exp = self.counts.get(key)
        return exp is None or exp.fulfilled() or exp.expired(now)

    def expect_creations(self, key: base.Key, adds: int, now: int) -> Expectations:
        """``ExpectCreations``: replaces the owner's counts (the deletion keys stay, as upstream)."""
        return attrs.evolve(self, counts=self.counts.set(key, ControlleeExpectations(adds, 0, now)))

    def expect_deletions(self, key: base.Key, pod_keys: Iterable[base.Key], now: int) -> Expectations:
        """``ExpectDeletions`` with the keys of the pods to be deleted."""
        keys = frozenset(pod_keys)
        return Expectations(self.counts.set(key, ControlleeExpectations(0, len(keys), now)),
                            self.deleting.set(key, keys))

    def lower(self, key: base.Key, add: int = 0, delete: int = 0) -> Expectations:
        """``LowerExpectations``: only existing expectations are lowered (they may go below zero)."""
        exp = self.counts.get(key)
        if exp is None:
            return self
        return attrs.evolve(self, counts=self.counts.set(
            key, attrs.evolve(exp, add=exp.add - add, delete=exp.delete - delete)))

    def creation_observed(self, key: base.Key) -> Expectations:
        return self.lower(key, add=1)

    def deletion_observed(self, key: base.Key, pod_key: base.Key) -> Expectations:
        """``DeletionObserved``: counts only a pod the owner is waiting for, once."""
        keys = self.deleting.get(key, frozenset())
        if pod_key not in keys:
            return self
        return attrs.evolve(self.lower(key, delete=1), deleting=self.deleting.set(key, keys - {pod_key}))

    def forget(self, key: base.Key) -> Expectations:
        """``DeleteExpectations``."""
        return Expectations(self.counts.discard(key), self.deleting.discard(key))


def expectations_of(memory: FrozenDict) -> Expectations:
    return memory.get(_MEMORY_KEY, Expectations())


def _remember(memory: FrozenDict, expectations: Expectations) -> FrozenDict:
    return memory.set(_MEMORY_KEY, expectations)


# --- pods (pkg/api/v1/pod/util.go, pkg/controller/controller_utils.go) -----------------------------------


def _seconds(time: int | str | None) -> int | None:
    """A time on the model's clock; None is Go's zero time; a snapshot's RFC 3339 text counts as time 0."""
    if time is None or isinstance(time, int):
        return time
    return 0


def is_pod_active(pod: Pod) -> bool:
    """``IsPodActive``: neither Succeeded nor Failed, and not being deleted."""
    return pod.status.phase not in ("Succeeded", "Failed") and pod.metadata.deletion_timestamp is None


def _ready_since(pod: Pod) -> int | None:
    """``podReadyTime``: when a ready pod's Ready condition became True (None: zero or not ready)."""
    if not pod.is_ready:
        return None
    return _seconds(pod.status.condition("Ready").last_transition_time)


def is_pod_available(pod: Pod, min_ready_seconds: int, now: int) -> bool:
    """``podutil.IsPodAvailable``: ready, and (with ``minReadySeconds``) ready since strictly before
    ``now - minReadySeconds`` by the Ready condition's lastTransitionTime."""
    if not pod.is_ready:
        return False
    if min_ready_seconds == 0:
        return True
    since = _ready_since(pod)
    return since is not None and since + min_ready_seconds < now


def deletion_cost(pod: Pod) -> int:
    """``GetDeletionCostFromPodAnnotations``: the annotation as an int32; 0 when absent or invalid (a leading
    ``+`` or zero is invalid)."""
    value = pod.metadata.annotations.get(POD_DELETION_COST)
    if value is None or not re.fullmatch(r"-[0-9]+|0|[1-9][0-9]*", value):
        return 0
    cost = int(value)
    return cost if _INT32[0] <= cost <= _INT32[1] else 0


def _max_container_restarts(pod: Pod) -> tuple[int, int]:
    """``maxContainerRestarts``: the most restarts of a regular container, and of a sidecar."""
    regular = max((s.restart_count for s in pod.status.container_statuses), default=0)
    sidecars = {c.name for c in pod.spec.init_containers if c.is_sidecar}
    sidecar = max((s.restart_count for s in pod.status.init_container_statuses if s.name in sidecars), default=0)
    return regular, sidecar


def _after_or_zero(t1: int | None, t2: int | None) -> bool:
    """``afterOrZero``: the zero time first, then the later time."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def _log_rank(time: int, now: int) -> int:
    """floor(log2) of the nanoseconds from ``time`` to ``now``; -1 when not positive."""
    elapsed = (now - time) * 1_000_000_000
    return int(math.log2(elapsed)) if elapsed > 0 else -1


def _newer_first(t1: int | None, t2: int | None, uid1: str, uid2: str, now: int | None) -> bool:
    """Rules 6 and 8 of ``ActivePodsWithRanks.Less`` with LogarithmicScaleDown: times compared on a
    logarithmic scale from ``now``, ties broken by uid (``now`` None is Go's zero ``Now``)."""
    if now is None or t1 is None or t2 is None:
        return _after_or_zero(t1, t2)
    diff = _log_rank(t1, now) - _log_rank(t2, now)
    return uid1 < uid2 if diff == 0 else diff < 0


_PHASE_ORDINAL = FrozenDict({"Pending": 0, "Unknown": 1, "Running": 2})


def active_pods_less(pi: Pod, pj: Pod, rank_i: int, rank_j: int, now: int | None) -> bool:
    """``ActivePodsWithRanks.Less``: whether ``pi`` should be deleted before ``pj``.

    1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready; 4. lower
    pod-deletion-cost first; 5. higher rank (more related pods on the node) first; 6. both ready: ready for
    less time first; 7. more container restarts (then more sidecar restarts) first; 8. newer first.
    """
    node_i, node_j = pi.spec.node_name or "", pj.spec.node_name or ""
    if node_i != node_j and (not node_i or not node_j):
        return not node_i
    phase_i, phase_j = _PHASE_ORDINAL.get(pi.status.phase, 0), _PHASE_ORDINAL.get(pj.status.phase, 0)
    if phase_i != phase_j:
        return phase_i < phase_j
    if pi.is_ready != pj.is_ready:
        return not pi.is_ready
    cost_i, cost_j = deletion_cost(pi), deletion_cost(pj)
    if cost_i != cost_j:
        return cost_i < cost_j
    if rank_i != rank_j:
        return rank_i > rank_j
    uid_i, uid_j = pi.metadata.uid or "", pj.metadata.uid or ""
    if pi.is_ready and pj.is_ready:
        ready_i, ready_j = _ready_since(pi), _ready_since(pj)
        if ready_i != ready_j:
            return _newer_first(ready_i, ready_j, uid_i, uid_j, now)
    restarts_i, restarts_j = _max_container_restarts(pi), _max_container_restarts(pj)
    if restarts_i != restarts_j:
        return restarts_i > restarts_j
    created_i, created_j = _seconds(pi.metadata.creation_timestamp), _seconds(pj.metadata.creation_timestamp)
    if created_i != created_j:
        return _newer_first(created_i, created_j, uid_i, uid_j, now)
    return False


def sort_active_pods_with_ranks(pods: Sequence[Pod], ranks: Sequence[int], now: int | None) -> list[Pod]:
    """The pods in deletion order (``sort.Sort(ActivePodsWithRanks{...})``)."""
    def compare(a: tuple[Pod, int], b: tuple[Pod, int]) -> int:
        if active_pods_less(a[0], b[0], a[1], b[1], now):
            return -1
        return 1 if active_pods_less(b[0], a[0], b[1], a[1], now) else 0
    return [pod for pod, _ in sorted(zip(pods, ranks, strict=True), key=functools.cmp_to_key(compare))]


def get_pods_to_delete(filtered: Sequence[Pod], related: Sequence[Pod], diff: int, now: int | None) -> list[Pod]:
    """``getPodsToDelete``: the first ``diff`` pods by ``ActivePodsWithRanks``, each ranked by how many active
    related pods share its node (``getPodsRankedByRelatedPodsOnSameNode``); no sort when all go."""
    if diff >= len(filtered):
        return list(filtered[:diff])
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            on_node[pod.spec.node_name or ""] = on_node.get(pod.spec.node_name or "", 0) + 1
    ranks = [on_node.get(pod.spec.node_name or "", 0) for pod in filtered]
    return sort_active_pods_with_ranks(filtered, ranks, now)[:diff]


def _pod_key(pod: Pod) -> base.Key:
    """``controller.PodKey``."""
    return (pod.namespace, pod.name)


# --- the two kinds -------------------------------------------------------------------------------------


@attrs.frozen
class OwnerKind:
    """What differs between the ReplicaSet and the ReplicationController instance of the controller."""

    kind: str
    api_version: str
    controller_name: str
    selector: Callable[[Any], Selector]
    """The owner's pod selector (``LabelSelectorAsSelector``, or ``SelectorFromSet`` for a
    ReplicationController)."""

    def controller_ref(self, owner: Any) -> OwnerReference:
        """``metav1.NewControllerRef``: controller and blockOwnerDeletion set."""
        return OwnerReference(api_version=self.api_version, kind=self.kind, name=owner.name,
                              uid=owner.metadata.uid or "", controller=True, block_owner_deletion=True)

    def resolve(self, namespace: str | None, ref: OwnerReference | None, cache: Objects) -> Any | None:
        """``resolveControllerRef`` for this kind."""
        return base.resolve_controller_ref(self.kind, namespace, ref, cache)

    def owners_selecting(self, pod: Pod, cache: Objects) -> list[Any]:
        """``GetPodReplicaSets`` / ``GetPodControllers``: owners in the pod's namespace whose non-empty
        selector matches its labels."""
        if not pod.labels:
            return []
        return [o for o in cache.list(self.kind, pod.namespace)
                if not self.selector(o).empty() and self.selector(o).matches(pod.labels)]


REPLICA_SET = OwnerKind("ReplicaSet", "apps/v1", "replicaset-controller", lambda rs: rs.spec.selector.selector())
REPLICATION_CONTROLLER = OwnerKind("ReplicationController", "v1", "replication-controller",
                                   lambda rc: selector_from_set(rc.spec.selector))



# --- event handlers ------------------------------------------------------------------------------------


def _deleted_pod(kind: OwnerKind, pod: Pod, cache: Objects) -> base.Reaction:
    """``deletePod``: the owner observes the deletion of one of its pods (``DeletionObserved``)."""
    owner = kind.resolve(pod.namespace, pod.metadata.controller_ref(), cache)
    if owner is None:
        return base.Reaction()
    key = base.key_of(owner)
    return base.Reaction((key,), (lambda exp: exp.deletion_observed(key, _pod_key(pod)),))


def _orphan(kind: OwnerKind, pod: Pod, cache: Objects) -> base.Reaction:
    return base.Reaction(tuple(base.key_of(o) for o in kind.owners_selecting(pod, cache)))


def _added_pod(kind: OwnerKind, pod: Pod, cache: Objects) -> base.Reaction:
    """``addPod``: an owned pod's creation is observed (``CreationObserved``)."""
    if pod.metadata.deletion_timestamp is not None:
        return _deleted_pod(kind, pod, cache)
    ref = pod.metadata.controller_ref()
    if ref is None:
        return _orphan(kind, pod, cache)
    owner = kind.resolve(pod.namespace, ref, cache)
    if owner is None:
        return base.Reaction()
    key = base.key_of(owner)
    return base.Reaction((key,), (lambda exp: exp.creation_observed(key),))


def _updated_pod(kind: OwnerKind, old: Pod, cur: Pod, cache: Objects) -> base.Reaction:
    """``updatePod``."""
    if cur.metadata.resource_version == old.metadata.resource_version:
        return base.Reaction()
    label_changed = cur.labels != old.labels
    if cur.metadata.deletion_timestamp is not None:
        reaction = _deleted_pod(kind, cur, cache)
        return reaction + _deleted_pod(kind, old, cache) if label_changed else reaction
    cur_ref, old_ref = cur.metadata.controller_ref(), old.metadata.controller_ref()
    reaction = base.Reaction()
    if cur_ref != old_ref and old_ref is not None:
        previous = kind.resolve(old.namespace, old_ref, cache)
        if previous is not None:
            reaction = base.Reaction((base.key_of(previous),))
    if cur_ref is not None:
        owner = kind.resolve(cur.namespace, cur_ref, cache)
        return reaction if owner is None else reaction + base.Reaction(base.pod_update_keys(owner, old, cur))
    if label_changed or cur_ref != old_ref:
        return reaction + _orphan(kind, cur, cache)
    return reaction


def owner_event(event: WatchEvent, old: Any) -> base.Reaction:
    """``addRS``, ``updateRS``, ``deleteRS``: the owner is synced; a deleted owner, or one replaced by another of
    the same name (a new uid), loses its expectations (``DeleteExpectations``)."""
    obj = event.object
    if event.type == DELETED:
        gone = obj
    elif old is not None and event.type != ADDED and old.metadata.uid != obj.metadata.uid:
        gone = old
    else:
        return base.Reaction((base.key_of(obj),))
    key = base.key_of(gone)
    return base.Reaction((base.key_of(obj),), (lambda exp: exp.forget(key),))


def _react(kind: OwnerKind, event: WatchEvent, old: Any, cache: Objects) -> base.Reaction:
    """The event handlers; their changes apply to the expectations."""
    obj = event.object
    if obj.kind != "Pod":
        return owner_event(event, old)
    if event.type == DELETED:
        return _deleted_pod(kind, obj, cache)
    if event.type == ADDED or old is None:
        return _added_pod(kind, obj, cache)
    return _updated_pod(kind, old, obj, cache)


def _initial_keys(kind: OwnerKind, cache: Objects) -> list[base.Key]:
    return [base.key_of(owner) for owner in cache.list(kind.kind)]


# --- status (replica_set_utils.go) ---------------------------------------------------------------------


def _condition(conditions: Any, type_: str) -> Any | None:
    return next((c for c in conditions or () if c.get("type") == type_), None)


def calculate_status(owner: Any, pods: Sequence[Pod], manage_error: str | None, now: int) -> ReplicaSetStatus:
    """``calculateStatus``: replicas, fullyLabeledReplicas (pods whose labels include the template's),
    readyReplicas and availableReplicas of the claimed active pods; a ``ReplicaFailure`` condition added
    when managing replicas failed (and none was there), removed once it succeeds."""
    template = selector_from_set(owner.spec.template.metadata.labels)
    conditions = owner.status.conditions
    failure = _condition(conditions, REPLICA_FAILURE)
    if manage_error is not None and failure is None:
        diff = len(pods) - owner.spec.replicas
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        condition = {"type": REPLICA_FAILURE, "status": "True", "lastTransitionTime": now, "reason": reason,
                     "message": manage_error}
        condition = FrozenDict({k: v for k, v in condition.items() if v != ""})
        conditions = tuple(c for c in conditions or () if c.get("type") != REPLICA_FAILURE) + (condition,)
    elif manage_error is None and failure is not None:
        conditions = tuple(c for c in conditions if c.get("type") != REPLICA_FAILURE) or None
    ready = [p for p in pods if p.is_ready]
    return attrs.evolve(
        owner.status, replicas=len(pods), fully_labeled_replicas=sum(template.matches(p.labels) for p in pods),
        ready_replicas=len(ready),
        available_replicas=sum(is_pod_available(p, owner.spec.min_ready_seconds, now) for p in ready),
        conditions=conditions)


def _status_unchanged(owner: Any, status: ReplicaSetStatus) -> bool:
    """``updateReplicaSetStatus``'s steady state: same counts and conditions, generation observed."""
    current = owner.status
    counts = lambda s: (s.replicas, s.fully_labeled_replicas or 0, s.ready_replicas or 0, s.available_replicas or 0)
    return (counts(current) == counts(status) and (owner.metadata.generation or 0) == (current.observed_generation or 0)
            and current.conditions == status.conditions)


# --- syncReplicaSet ------------------------------------------------------------------------------------


@attrs.frozen
class _Sync(base.Sync):
    """One sync of one owner."""

    kind: OwnerKind
    owner: Any

    @property
    def user(self) -> UserInfo:
        return controller_identity(self.kind.controller_name)

    # claimPods

    def claim(self, needs_sync: bool) -> base.Result:
        """``ClaimPods`` over the active pods of the owner's namespace; adoption waits for a fresh GET of the
        owner (``RecheckDeletionTimestamp``)."""
        pods = [p for p in self.cache.list("Pod", self.owner.namespace) if is_pod_active(p)]
        return base.claim_objects(
            self.owner, self.user, pods, self.kind.selector(self.owner), self.kind.controller_ref(self.owner),
            lambda claimed, memory: self.manage(sorted(claimed, key=_pod_key), needs_sync, memory))

    # manageReplicas

    def manage(self, pods: list[Pod], needs_sync: bool, memory: FrozenDict) -> base.Result:
        if not needs_sync or self.owner.metadata.deletion_timestamp is not None:
            return self.status(pods, None, memory)
        diff = len(pods) - self.owner.spec.replicas
        if diff < 0:
            count = min(-diff, BURST_REPLICAS)
            memory = _remember(memory, expectations_of(memory).expect_creations(self.key, count, self.now))
            return self._create(pods, count, min(count, SLOW_START_INITIAL_BATCH_SIZE), 0, memory)
        if diff > 0:
            return self._delete(pods, min(diff, BURST_REPLICAS), memory)
        return self.status(pods, None, memory)

    def _new_pod(self) -> Pod:
        """``GetPodFromTemplate``: the template's labels, annotations, finalizers and spec, generateName
        ``<owner>-``, the owner's controller reference."""
        template = self.owner.spec.template
        meta = ObjectMeta(generate_name=f"{self.owner.name}-", namespace=self.owner.namespace,
                          labels=template.metadata.labels, annotations=template.metadata.annotations,
                          finalizers=template.metadata.finalizers,
                          owner_references=(self.kind.controller_ref(self.owner),))
        return Pod(metadata=meta, spec=template.spec)

    def _create(self, pods: list[Pod], count: int, batch: int, successes: int, memory: FrozenDict) -> base.Result:
        """One ``slowStartBatch`` batch; the next is twice as large, and none follows a failure. Creations
        never attempted or failed are no longer expected."""
        if not self.owner.spec.template.metadata.labels:
            return self._created(pods, count, successes, "unable to create pods, no labels", memory)
        requests = tuple(rq.Create(self.user, self._new_pod()) for _ in range(batch))

        def answered(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            errors = [r.message for r in responses if not r.ok and not _namespace_terminating(r)]
            done = successes + batch - len(errors)
            remaining = count - (done + len(errors))
            if errors or remaining == 0:
                return self._created(pods, count, done, errors[0] if errors else None, memory)
            return self._create(pods, count, min(2 * batch, remaining), done, memory)
        return base.Result(requests, memory=memory, then=answered)

    def _created(self, pods: list[Pod], count: int, successes: int, error: str | None,
                 memory: FrozenDict) -> base.Result:
        skipped = count - successes
        memory = _remember(memory, expectations_of(memory).lower(self.key, add=skipped))
        return self.status(pods, error, memory)

    def _delete(self, pods: list[Pod], count: int, memory: FrozenDict) -> base.Result:
        """Delete the ``count`` pods ``getPodsToDelete`` ranks first; a failed deletion is no longer expected
        (NotFound is not an error)."""
        doomed = get_pods_to_delete(pods, self._related_pods(), count, self.now)
        memory = _remember(memory, expectations_of(memory).expect_deletions(
            self.key, (_pod_key(p) for p in doomed), self.now))
        requests = tuple(rq.Delete(self.user, "Pod", p.namespace, p.name) for p in doomed)

        def answered(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            expectations = expectations_of(memory)
            errors = []
            for pod, response in zip(doomed, responses, strict=True):
                if not response.ok:
                    expectations = expectations.deletion_observed(self.key, _pod_key(pod))
                    if response.code != 404:
                        errors.append(response.message)
            return self.status(pods, errors[0] if errors else None, _remember(memory, expectations))
        return base.Result(requests, memory=memory, then=answered)

    def _related_pods(self) -> list[Pod]:
        """``getIndirectlyRelatedPods``: the pods selected by any owner (this one included) that shares this
        owner's controller; none when it has no controller."""
        ref = self.owner.metadata.controller_ref()
        if ref is None:
            return []
        seen: set[str | None] = set()
        related = []
        for other in self.cache.list(self.kind.kind):
            other_ref = other.metadata.controller_ref()
            if other_ref is None or other_ref.uid != ref.uid:
                continue
            selector = self.kind.selector(other)
            for pod in self.cache.list("Pod", other.namespace):
                if selector.matches(pod.labels) and pod.metadata.uid not in seen:
                    seen.add(pod.metadata.uid)
                    related.append(pod)
        return related

    # updateReplicaSetStatus

    def status(self, pods: list[Pod], manage_error: str | None, memory: FrozenDict) -> base.Result:
        """Write the new status unless nothing changed; on failure GET the owner and retry once."""
        status = calculate_status(self.owner, pods, manage_error, self.now)
        if _status_unchanged(self.owner, status):
            return self._finish(self.owner, manage_error, memory)
        status = attrs.evolve(status, observed_generation=self.owner.metadata.generation)
        return self._update_status(self.owner, status, STATUS_UPDATE_RETRIES, manage_error, memory)

    def _update_status(self, owner: Any, status: ReplicaSetStatus, retries: int, manage_error: str | None,
                       memory: FrozenDict) -> base.Result:
        def answered(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            if responses[0].ok:
                return self._finish(responses[0].object, manage_error, memory)
            if retries == 0:
                return base.Result(memory=memory, failed=True)
            return base.Result((rq.Get(self.user, self.kind.kind, owner.namespace, owner.name),), then=refetched)

        def refetched(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            if not responses[0].ok:
                return base.Result(memory=memory, failed=True)
            return self._update_status(responses[0].object, status, retries - 1, manage_error, memory)
        request = rq.UpdateStatus(self.user, attrs.evolve(owner, status=status))
        return base.Result((request,), memory=memory, then=answered)

    def _finish(self, updated: Any, manage_error: str | None, memory: FrozenDict) -> base.Result:
        """The sync's outcome: an error requeues with back-off; otherwise, with ``minReadySeconds``, all
        replicas ready but not all available, look again after ``minReadySeconds``."""
        if manage_error is not None:
            return base.Result(memory=memory, failed=True)
        spec, status = updated.spec, updated.status
        waiting = (spec.min_ready_seconds > 0 and (status.ready_replicas or 0) == spec.replicas
                   and (status.available_replicas or 0) != spec.replicas)
        return base.Result(memory=memory, requeue_after=spec.min_ready_seconds if waiting else None, failed=False)


def _namespace_terminating(response: rq.Response) -> bool:
    """A create refused because the namespace is terminating (``NamespaceTerminatingCause``): upstream counts
    it as done and reports no error."""
    return response.code == 403 and response.message.endswith("because it is being terminated")


def sync(kind: OwnerKind, ctx: base.Context) -> base.Result:
    """``syncReplicaSet`` for the owner at ``ctx.key``."""
    namespace, name = ctx.key
    owner = ctx.cache.get(kind.kind, namespace, name)
    expectations = expectations_of(ctx.memory)
    if owner is None:
        return base.Result(memory=_remember(ctx.memory, expectations.forget(ctx.key)))
    needs_sync = NO_EXPECTATIONS in ctx.config.variants or expectations.satisfied(ctx.key, ctx.now)
    return _Sync(ctx, kind, owner).claim(needs_sync)


def controller(kind: OwnerKind) -> base.Controller:
    enqueue, on_event = base.event_handlers(functools.partial(_react, kind), expectations_of, _remember)
    return base.Controller(
        name=kind.controller_name, watches=frozenset({"Pod", kind.kind}), enqueue=enqueue,
        initial_keys=functools.partial(_initial_keys, kind), reconcile=functools.partial(sync, kind),
        on_event=on_event)


REPLICA_SET_CONTROLLER = controller(REPLICA_SET)
"""kube-controller-manager's ``replicaset-controller``."""
REPLICATION_CONTROLLER_CONTROLLER = controller(REPLICATION_CONTROLLER)
"""kube-controller-manager's ``replication-controller``."""
