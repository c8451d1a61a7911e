"""The namespace controller: empties a terminating namespace, then releases its ``kubernetes`` finalizer so that the
API server removes it.

Ported from pkg/controller/namespace/namespace_controller.go (a namespace being deleted is queued
``namespaceDeletionGracePeriod`` (5 s) after each add or update event; ``syncNamespaceFromKey`` reads the lister;
content remaining after ``estimate`` seconds requeues after ``estimate/2 + 1``, other errors with back-off) and
pkg/controller/namespace/deletion/namespaced_resources_deleter.go (``Delete``: a live GET, ``retryOnConflictError``
around ``updateNamespaceStatusFunc`` and ``finalizeNamespace``; ``deleteAllContent`` over the namespaced resources
discovery reports, each ``deleteAllContentForGroupVersionResource``: ``estimateGracefulTermination`` (the longest
``terminationGracePeriodSeconds`` of the namespace's non-terminal pods, zero once that long has passed since the
namespace's deletion), deletion with propagation Background, a verifying list, and ``finalizerEstimateSeconds``
(15 s) when what remains waits on finalizers), with status_condition_utils.go (the five deletion conditions, their
reasons and messages, updated when they change).

Deliberate differences:

- ``deletecollection`` is served as the API server's registry serves it, a list then a delete of each item: the
  model has no DeleteCollection request, so the controller lists and deletes each item itself.
- Resources are processed in discovery's (kind) order (upstream: map order). Group-version parsing never fails
  in the model, so its condition is always False; discovery fails only as a whole (an error answer to ``/api``),
  when nothing is deleted and ``NamespaceDeletionDiscoveryFailure`` is True with the error's message.
- Namespaces already terminating when the controller starts are synced at once (upstream: 5 s after the
  informer's initial list).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.apiserver.server import NAMESPACE_FINALIZER
from model.auth.identity import controller_identity
from model.controllers import base
from model.objects import Namespace, Pod
from model.objects.cluster import NamespaceCondition
from model.store import DELETED, Objects, WatchEvent

NAME = "namespace-controller"
DELETION_GRACE_PERIOD = 5
"""``namespaceDeletionGracePeriod``: lets every API server observe the deletion before content is removed."""
FINALIZER_ESTIMATE_SECONDS = 15
"""``finalizerEstimateSeconds``: the wait assumed for content held by finalizers."""
_USER = controller_identity(NAME)

DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure"
GV_PARSING_FAILURE = "NamespaceDeletionGVParsingFailure"
CONTENT_FAILURE = "NamespaceDeletionContentFailure"
CONTENT_REMAINING = "NamespaceContentRemaining"
FINALIZERS_REMAINING = "NamespaceFinalizersRemaining"
CONDITION_TYPES = (DISCOVERY_FAILURE, GV_PARSING_FAILURE, CONTENT_FAILURE, CONTENT_REMAINING, FINALIZERS_REMAINING)
"""``conditionTypes``, in the order they are added to the status."""
_OK = {
    DISCOVERY_FAILURE: ("ResourcesDiscovered", "All resources successfully discovered"),
    GV_PARSING_FAILURE: ("ParsedGroupVersions", "All legacy kube types successfully parsed"),
    CONTENT_FAILURE: ("ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
    CONTENT_REMAINING: ("ContentRemoved", "All content successfully removed"),
    FINALIZERS_REMAINING: ("ContentRemoved", "All content successfully removed"),
}
"""``okReasons`` and ``okMessages``."""


# --- conditions (status_condition_utils.go) -------------------------------------------------------------------


@attrs.frozen
class ResourceRemaining:
    """What ``deleteAllContentForGroupVersionResource`` reports for one resource: its estimate, how many of its
    objects remain (and the resource as ``resource.group``), and how many remain per finalizer."""

    estimate: int = 0
    remaining: int = 0
    resource: str = ""
    finalizers: tuple[tuple[str, int], ...] = ()
    error: str | None = None


def failure_conditions(results: list[ResourceRemaining], now: int) -> dict[str, NamespaceCondition]:
    """The failing conditions ``ProcessContentTotals`` and ``ProcessDeleteContentErr`` make of the results."""
    conditions: dict[str, NamespaceCondition] = {}
    remaining = sorted(f"{r.resource} has {r.remaining} resource instances" for r in results if r.remaining)
    if remaining:
        conditions[CONTENT_REMAINING] = NamespaceCondition(
            type=CONTENT_REMAINING, status="True", last_transition_time=now, reason="SomeResourcesRemain",
            message=f"Some resources are remaining: {', '.join(remaining)}")
    by_finalizer: dict[str, int] = {}
    for result in results:
        if result.remaining:
            for finalizer, count in result.finalizers:
                by_finalizer[finalizer] = by_finalizer.get(finalizer, 0) + count
    if by_finalizer:
        held = sorted(f"{finalizer} in {count} resource instances" for finalizer, count in by_finalizer.items())
        conditions[FINALIZERS_REMAINING] = NamespaceCondition(
            type=FINALIZERS_REMAINING, status="True", last_transition_time=now, reason="SomeFinalizerRemain",
            message=f"Some finalizers are remaining: {', '.join(held)}")
    errors = sorted(r.error for r in results if r.error is not None)
    if errors:
        conditions[CONTENT_FAILURE] = NamespaceCondition(
            type=CONTENT_FAILURE, status="True", last_transition_time=now, reason="ContentDeletionFailed",
            message=f"Failed to delete all resource types, {len(errors)} remaining: {', '.join(errors)}")
    return conditions


def update_conditions(current: tuple[NamespaceCondition, ...], failing: dict[str, NamespaceCondition],
                      now: int) -> tuple[NamespaceCondition, ...]:
    """``updateConditions``: each maintained type set to its failing condition or its "ok" variant; a condition
    already there keeps its place, and its transition time unless its status changes; new ones are appended."""
    conditions = list(current)
    for type_ in CONDITION_TYPES:
        reason, message = _OK[type_]
        wanted = failing.get(type_) or NamespaceCondition(type=type_, status="False", last_transition_time=now,
                                                          reason=reason, message=message)
        index = next((i for i, c in enumerate(conditions) if c.type == type_), None)
        if index is None:
            conditions.append(wanted)
            continue
        old = conditions[index]
        if (old.status, old.reason, old.message) != (wanted.status, wanted.reason, wanted.message):
            time = now if old.status != wanted.status else old.last_transition_time
            conditions[index] = attrs.evolve(wanted, last_transition_time=time)
    return tuple(conditions)


# --- the deleter (namespaced_resources_deleter.go) -------------------------------------------------------------


def _seconds(time: int | str | None) -> int:
    """A time on the model's clock; a snapshot's RFC 3339 time predates the scenario (time 0)."""
    return time if isinstance(time, int) else 0


def _group_version_resource(obj: Any) -> tuple[str, str, str]:
    """(group, version, resource) of an object."""
    api_version = obj.API_VERSION if hasattr(obj, "API_VERSION") else obj.api_version
    group, _, version = api_version.rpartition("/")
    return group, version, obj.resource


def estimate_graceful_termination(pods: tuple[Pod, ...], deleted_at: int | str | None, now: int) -> int:
    """``estimateGracefulTerminationForPods`` and ``estimateGracefulTermination``: the longest
    ``terminationGracePeriodSeconds`` of the non-terminal pods, or 0 once that long has passed since the
    namespace's deletion."""
    estimate = max((p.spec.termination_grace_period_seconds for p in pods if not p.is_terminated), default=0)
    return 0 if now - _seconds(deleted_at) >= estimate else estimate


def _retry_on_conflict(namespace: Namespace, request_for: Any) -> Generator[
        tuple[rq.Request, ...], tuple[rq.Response, ...], rq.Response]:
    """``retryOnConflictError``: on a Conflict, GET the namespace again (it must keep its uid) and retry."""
    while True:
        request = request_for(namespace)
        if request is None:
            return rq.ok(namespace)
        response = yield from base.send(request)
        if response.reason != "Conflict":
            return response
        latest = yield from base.send(rq.Get(_USER, "Namespace", None, namespace.name))
        if not latest.ok:
            return latest
        if latest.object.metadata.uid != namespace.metadata.uid:
            return rq.Response(500, "InternalError", "namespace uid has changed across retries")
        namespace = latest.object


def _mark_terminating(namespace: Namespace) -> rq.Request | None:
    """``updateNamespaceStatusFunc``: the phase becomes Terminating if it is not yet."""
    if namespace.metadata.deletion_timestamp is None or namespace.status.phase == "Terminating":
        return None
    return rq.UpdateStatus(_USER, attrs.evolve(namespace, status=attrs.evolve(namespace.status,
                                                                              phase="Terminating")))


def _finalize(namespace: Namespace) -> rq.Request:
    """``finalizeNamespace``: the namespace's finalizers less ``kubernetes``, as a sorted set."""
    finalizers = tuple(sorted({f for f in namespace.spec.finalizers if f != NAMESPACE_FINALIZER}))
    return rq.Finalize(_USER, attrs.evolve(namespace, spec=attrs.evolve(namespace.spec, finalizers=finalizers)))


def _delete_resource(kind: str, namespace: Namespace, now: int) -> Generator[
        tuple[rq.Request, ...], tuple[rq.Response, ...], ResourceRemaining]:
    """``deleteAllContentForGroupVersionResource`` for the namespace's objects of ``kind``."""
    name = namespace.name
    estimate = 0
    if kind == "Pod":
        pods = yield from base.send(rq.List(_USER, "Pod", name))
        if not pods.ok:
            return ResourceRemaining(error=pods.message)
        estimate = estimate_graceful_termination(pods.object, namespace.metadata.deletion_timestamp, now)
    listed = yield from base.send(rq.List(_USER, kind, name))
    if not listed.ok:
        return ResourceRemaining(estimate, error=listed.message)
    if listed.object:
        responses = yield tuple(rq.Delete(_USER, kind, name, obj.name, propagation_policy=rq.BACKGROUND)
                                for obj in listed.object)
        failure = next((r for r in responses if not r.ok and r.code != 404), None)
        if failure is not None:
            return ResourceRemaining(estimate, error=failure.message)
    listed = yield from base.send(rq.List(_USER, kind, name))
    if not listed.ok:
        return ResourceRemaining(estimate, error=listed.message)
    items = listed.object
    if not items:
        return ResourceRemaining()
    group, version, resource = _group_version_resource(items[0])
    counts: dict[str, int] = {}
    for item in items:
        for finalizer in item.metadata.finalizers:
            counts[finalizer] = counts.get(finalizer, 0) + 1
    remaining = ResourceRemaining(estimate, len(items), f"{resource}.{group}", tuple(sorted(counts.items())))
    if estimate:
        return remaining
    if counts:
        return attrs.evolve(remaining, estimate=FINALIZER_ESTIMATE_SECONDS)
    return attrs.evolve(remaining, error=f"unexpected items still remain in namespace: {name} for gvr: "
                                         f"{group}/{version}, Resource={resource}")


def _delete_all_content(namespace: Namespace, now: int) -> Generator[
        tuple[rq.Request, ...], tuple[rq.Response, ...], tuple[int, list[str]]]:
    """``deleteAllContent``: every namespaced resource emptied; the conditions updated when they change (an error
    doing so is only logged upstream). Returns the longest estimate and the errors."""
    discovered = yield from base.send(rq.Discover(_USER))
    results = []
    for kind, is_namespaced in discovered.object if discovered.ok else ():
        if is_namespaced:
            results.append((yield from _delete_resource(kind, namespace, now)))
    failing = failure_conditions(results, now)
    errors = [r.error for r in results if r.error is not None]
    if not discovered.ok:
        # ProcessDiscoverResourcesErr: discovery errors are not fatal, but with nothing discovered nothing is deleted.
        failing[DISCOVERY_FAILURE] = NamespaceCondition(type=DISCOVERY_FAILURE, status="True", last_transition_time=now,
                                                        reason="DiscoveryFailed", message=discovered.message)
        errors.insert(0, discovered.message)
    conditions = update_conditions(namespace.status.conditions, failing, now)
    if conditions != namespace.status.conditions:
        yield from base.send(rq.UpdateStatus(_USER, attrs.evolve(namespace, status=attrs.evolve(
            namespace.status, conditions=conditions))))
    return max((r.estimate for r in results), default=0), errors


def delete(name: str, now: int) -> base.Program:
    """``NamespacedResourcesDeleter.Delete`` and the worker's handling of its outcome."""
    response = yield from base.send(rq.Get(_USER, "Namespace", None, name))
    if response.code == 404:
        return base.Result(failed=False)
    if not response.ok:
        return base.Result(failed=True)
    namespace = response.object
    if namespace.metadata.deletion_timestamp is None:
        return base.Result(failed=False)
    response = yield from _retry_on_conflict(namespace, _mark_terminating)
    if not response.ok:
        return base.Result(failed=response.code != 404)
    namespace = response.object
    if not namespace.spec.finalizers:
        return base.Result(failed=False)
    estimate, errors = yield from _delete_all_content(namespace, now)
    if errors:
        return base.Result(failed=True)
    if estimate > 0:
        return base.Result(requeue_after=estimate // 2 + 1, failed=False)
    response = yield from _retry_on_conflict(namespace, _finalize)
    return base.Result(failed=not response.ok and response.code != 404)


def sync(ctx: base.Context) -> base.Result:
    """``syncNamespaceFromKey``: nothing to do for a namespace the lister no longer has."""
    (name,) = ctx.key
    if ctx.cache.get("Namespace", None, name) is None:
        return base.Result()
    return base.drive(lambda: delete(name, ctx.now))


def enqueue(event: WatchEvent, old: Any, cache: Objects) -> tuple[base.After, ...]:
    """``enqueueNamespace``: a namespace being deleted, after the deletion grace period (deletions are not
    handled)."""
    namespace = event.object
    if event.type == DELETED or namespace.metadata.deletion_timestamp is None:
        return ()
    return (base.After((namespace.name,), DELETION_GRACE_PERIOD),)


def initial_keys(cache: Objects) -> list[base.Key]:
    return [(ns.name,) for ns in cache.list("Namespace") if ns.metadata.deletion_timestamp is not None]


CONTROLLER = base.Controller(name=NAME, watches=frozenset({"Namespace"}), enqueue=enqueue,
                             initial_keys=initial_keys, reconcile=sync)
"""kube-controller-manager's ``namespace-controller``."""
