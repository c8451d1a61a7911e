"""The taint eviction controller: pods on a node with NoExecute taints they do not tolerate are deleted.

kube-controller-manager's ``taint-eviction-controller`` (formerly the node lifecycle controller's
NoExecuteTaintManager; a controller of its own since SeparateTaintEvictionController, 1.29). It runs with the
``node-controller`` service account's credentials (cmd/kube-controller-manager: "taint-manager uses existing
cluster role from node-controller"), so its requests are made as ``system:serviceaccount:kube-system:node-
controller`` and no role of its own is shipped.
Source: pkg/controller/tainteviction/taint_eviction.go (processPodOnNode, getMinTolerationTime,
addConditionAndDeletePod, handleNodeUpdate, handlePodUpdate), timed_workers.go (TimedWorkerQueue),
pkg/apis/core/v1/helper (GetMatchingTolerations).
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions

For each pod on a node with NoExecute taints:

- a taint no toleration of the pod tolerates: the pod is deleted at once;
- every taint tolerated, some matching toleration with ``tolerationSeconds``: the deletion is scheduled at the
  time the controller observed the taints plus the smallest such ``tolerationSeconds`` (<= 0 means at once); a
  deletion already scheduled keeps its time, even if the tolerations change (upstream: "lengthening toleration
  shouldn't work");
- every taint tolerated forever: any scheduled deletion is cancelled, as it is when the taints go away or the
  pod does.

A deletion reads the pod afresh (GET; a pod already gone is skipped), sets its ``DisruptionTarget`` condition
(reason ``DeletionByTaintManager``; the model's API has no PATCH, so this is a status update of the pod just
read, which nothing can change in between), then sends an ordinary graceful DELETE: on a node that cannot
confirm, the pod stays Terminating. An error answer (other than NotFound) ends the attempt; deletePodHandler makes up
to five attempts, and when all fail the worker is dropped and the sync fails (retried with back-off).

The work queue key is the node ``(name,)``; pod changes that matter (tolerations, node name, creation,
deletion) queue their node. The scheduled deletions (TimedWorkerQueue) live in the controller's memory and are
lost when it restarts. Deliberate difference: a pod already deleted by this controller is not deleted again
when its node's taints change while it terminates (upstream re-sends the DELETE, which changes nothing).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import controller_identity
from model.controllers.base import Context, Controller, Key, Program, Result, drive, send
from model.controllers.node_lifecycle import update_pod_condition
from model.frozendict import FrozenDict
from model.objects import Pod
from model.objects.pod import PodCondition
from model.store import ADDED, DELETED, Objects, WatchEvent
from model.taints import NO_EXECUTE, Taint, Toleration

NAME = "taint-eviction-controller"
IDENTITY = controller_identity("node-controller")
RETRIES = 5
"""``retries`` in taint_eviction.go: deletePodHandler attempts addConditionAndDeletePod up to five times, 10 ms
apart."""


@attrs.frozen
class ScheduledEviction:
    """One TimedWorker: the pod's node, when the work was created and when it fires (None once it fired: the
    finished worker stays, preventing the same deletion from being scheduled again)."""

    node: str
    created: int
    fire_at: int | None


def no_execute_taints(taints: Iterable[Taint]) -> tuple[Taint, ...]:
    """getNoExecuteTaints."""
    return tuple(t for t in taints if t.effect == NO_EXECUTE)


def matching_tolerations(taints: Sequence[Taint],
                         tolerations: Sequence[Toleration]) -> tuple[bool, tuple[Toleration, ...]]:
    """GetMatchingTolerations: whether every taint is tolerated, and the first toleration tolerating each."""
    used: list[Toleration] = []
    for taint in taints:
        match = next((t for t in tolerations if t.tolerates(taint)), None)
        if match is None:
            return False, ()
        used.append(match)
    return True, tuple(used)


def min_toleration_seconds(tolerations: Sequence[Toleration]) -> int | None:
    """getMinTolerationTime: the smallest ``tolerationSeconds`` (0 for none at all or any <= 0); None when every
    toleration lasts forever."""
    if not tolerations:
        return 0
    seconds = [t.toleration_seconds for t in tolerations if t.toleration_seconds is not None]
    if not seconds:
        return None
    return max(0, min(seconds))


def schedule(existing: ScheduledEviction | None, pod: Pod, node: str, taints: Sequence[Taint],
             now: int) -> ScheduledEviction | None:
    """processPodOnNode: the pod's scheduled deletion after the controller sees ``taints`` on its node."""
    if not taints:
        return None
    tolerated, used = matching_tolerations(taints, pod.spec.tolerations)
    if not tolerated:
        done = existing is not None and existing.fire_at is None
        return existing if done else ScheduledEviction(node, now, now)
    seconds = min_toleration_seconds(used)
    if seconds is None:
        return None
    if existing is not None and (existing.fire_at is None or existing.created < now):
        return existing
    created = now if existing is None else existing.created
    return ScheduledEviction(node, created, now + seconds)


def evict(pod: Pod, now: int) -> tuple[rq.Request, ...]:
    """addConditionAndDeletePod on the freshly read ``pod``: the DisruptionTarget condition (if not already
    there), then a graceful DELETE."""
    condition = PodCondition(type="DisruptionTarget", status="True", reason="DeletionByTaintManager",
                             message="Taint manager: deleting due to NoExecute taint", last_transition_time=now)
    status, changed = update_pod_condition(pod.status, condition)
    patch = (rq.UpdateStatus(IDENTITY, attrs.evolve(pod, status=status)),) if changed else ()
    return patch + (rq.Delete(IDENTITY, "Pod", pod.namespace, pod.name),)


def _evict_attempts(key: tuple[str, str], now: int) -> Generator[tuple[rq.Request, ...], tuple[rq.Response, ...],
                                                                   bool]:
    """deletePodHandler for one due pod: up to RETRIES attempts of addConditionAndDeletePod (GET the pod, set its
    DisruptionTarget condition, DELETE it), each stopping at its first error. Whether the work is done: the pod was
    deleted, or found gone (NotFound)."""
    namespace, name = key
    for _ in range(RETRIES):
        response = yield from send(rq.Get(IDENTITY, "Pod", namespace, name))
        if response.code == 404:
            return True
        if not response.ok:
            continue
        *patch, delete = evict(response.object, now)
        if patch and not (yield from send(patch[0])).ok:
            continue
        response = yield from send(delete)
        if response.ok or response.code == 404:
            return True
    return False


def _evictions(due: tuple[tuple[str, str], ...], work: FrozenDict, now: int, requeue: int | None) -> Program:
    """The due pods' deletions in turn; a pod whose attempts all failed loses its finished worker (the
    TimedWorkerQueue drops a worker whose work returned an error, so the pod can be evicted again), and the sync
    fails so that it is retried."""
    given_up = []
    for key in due:
        done = yield from _evict_attempts(key, now)
        if not done:
            given_up.append(key)
    kept = FrozenDict({k: w for k, w in work.items() if k not in given_up})
    return Result(memory=kept, requeue_after=requeue, failed=bool(given_up))


def reconcile(ctx: Context) -> Result:
    """handleNodeUpdate for one node, then fire its pods' deletions that are due."""
    (name,) = ctx.key
    now = ctx.now
    node = ctx.cache.get("Node", None, name)
    pods = {(p.namespace, p.name): p for p in ctx.cache.list("Pod") if p.spec.node_name == name}
    work = {k: w for k, w in ctx.memory.items() if w.node != name or k in pods}
    if node is not None:
        # A deleted node's scheduled deletions stay and fire (handleNodeUpdate forgets only the taints).
        taints = no_execute_taints(node.spec.taints)
        for key, pod in sorted(pods.items()):
            scheduled = schedule(work.get(key), pod, name, taints, now)
            if scheduled is None:
                work.pop(key, None)
            else:
                work[key] = scheduled
    due = tuple(k for k, w in sorted(work.items()) if w.node == name and w.fire_at is not None and w.fire_at <= now)
    work.update({k: attrs.evolve(work[k], fire_at=None) for k in due})
    pending = [w.fire_at for w in work.values() if w.node == name and w.fire_at is not None]
    requeue = min(pending) - now if pending else None
    kept = FrozenDict(work)
    return attrs.evolve(drive(lambda: _evictions(due, kept, now, requeue)), memory=kept)


def enqueue(event: WatchEvent, old: Any, cache: Objects) -> Iterator[Key]:
    """NodeUpdated (NoExecute taints changed) and PodUpdated (tolerations or node changed, created, deleted)."""
    obj = event.object
    if obj.kind == "Node":
        if event.type in (ADDED, DELETED) or old is None or \
                no_execute_taints(old.spec.taints) != no_execute_taints(obj.spec.taints):
            yield (obj.name,)
    elif obj.kind == "Pod":
        if event.type in (ADDED, DELETED) or old is None:
            nodes = {obj.spec.node_name}
        elif old.spec.tolerations != obj.spec.tolerations or old.spec.node_name != obj.spec.node_name:
            nodes = {obj.spec.node_name, old.spec.node_name}
        else:
            nodes = set()
        yield from ((n,) for n in sorted(n for n in nodes if n))


def initial_keys(cache: Objects) -> Iterator[Key]:
    """The informers' initial lists: nodes with NoExecute taints (nothing is scheduled for the others)."""
    return ((n.name,) for n in cache.list("Node") if no_execute_taints(n.spec.taints))


CONTROLLER = Controller(NAME, frozenset({"Node", "Pod"}), enqueue, initial_keys, reconcile,
                        credentials="node-controller")
