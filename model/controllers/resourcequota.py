"""The ResourceQuota controller: keeps every quota's ``status`` current, ``hard`` from ``spec.hard`` and ``used``
recounted from the controller's informer cache.

Ported from pkg/controller/resourcequota/resource_quota_controller.go: ``addQuota`` and the quota informer's
handlers (a quota is queued when added, deleted, or when its ``spec.hard`` changes; status-only updates are
ignored), ``enqueueAll`` every ``--resource-quota-sync-period`` (5 minutes), ``syncResourceQuota`` (recount with
``CalculateUsage`` over the listers, keep the usage of resources no evaluator computes, drop resources no longer in
``spec.hard``, write with ``UpdateStatus`` only when something changed) and ``replenishQuota``; and from
resource_quota_monitor.go with pkg/quota/v1/install/update_filter.go (``DefaultUpdateFilter``): a deletion of a
tracked object, or an update that releases quota (a pod becoming terminal, changing its resources or its
Terminating scope; a Service changing between NodePort/LoadBalancer and other types), queues the namespace's
quotas that track its kind. Creations are not watched: admission charged them.

The recount repairs charges admission left behind for objects that were never stored (a create that failed with
AlreadyExists after its quota charge), at the latest at the next periodic resync.

Deliberate differences:

- Upstream has a second, prioritised queue (``missingUsageQueue``) for quotas whose status lacks usage; both are
  one work queue here, the model's scheduler of actions choosing the order.
- The periodic resync is a requeue of each quota five minutes after its last successful sync (upstream: one timer
  queues all quotas every five minutes).
- The monitored kinds are the modelled and built-in kinds (``model.apiserver.server.BUILT_IN_KINDS``), fixed at
  start-up (upstream re-runs discovery every 30 seconds): ``count/...`` usage of a custom resource is kept as
  recorded, as upstream does for a resource it has no evaluator for.
- PersistentVolumeClaim updates never replenish: the model's claims have no ``status.allocatedResources``.
"""

from __future__ import annotations

from typing import Any

import attrs

from model.admission import resourcequota as quota_admission
from model.apiserver import requests as rq
from model.apiserver.server import BUILT_IN_KINDS
from model.auth.identity import controller_identity
from model.controllers import base
from model.frozendict import FrozenDict
from model.manifests import KINDS
from model.objects import ObjectMeta, OpaqueObject, Pod, ResourceQuota
from model.objects.opaque import CLUSTER_SCOPED_KINDS
from model.objects.policy import ResourceQuotaStatus
from model.store import ADDED, MODIFIED, Objects, WatchEvent

NAME = "resourcequota-controller"
RESYNC_PERIOD = 300
"""``--resource-quota-sync-period``: seconds between full recalculations of every quota."""
IGNORED_KINDS = frozenset({"Event"})
"""``install.DefaultIgnoredResources``: events are never counted (the review kinds are never stored)."""
WATCHES = frozenset({kind for kind, cls in KINDS.items() if cls.NAMESPACED}
                    | {kind for kind in BUILT_IN_KINDS if kind not in CLUSTER_SCOPED_KINDS}) - IGNORED_KINDS
"""What the quota monitor watches: ResourceQuotas and every namespaced kind quota can count
(``GetQuotableResources``: the namespaced resources discovery reports)."""
_USER = controller_identity(NAME)


def _resource(kind: str) -> str:
    """The REST resource of a monitored kind (modelled: its ``RESOURCE``; built-in: the model's guess from the kind,
    as for any object it carries opaquely)."""
    cls = KINDS.get(kind)
    return cls.RESOURCE if cls is not None else OpaqueObject("v1", kind, ObjectMeta(), {}).resource


MONITORED_RESOURCES = frozenset(_resource(kind) for kind in WATCHES)


def _evaluated(name: str) -> bool:
    """Whether an evaluator of the controller computes ``name``: every name but the ``count/<resource>[.<group>]``
    of a resource it does not monitor."""
    if not name.startswith("count/"):
        return True
    return name.removeprefix("count/").split(".", 1)[0] in MONITORED_RESOURCES


def calculate_status(quota: ResourceQuota, cache: Objects, now: int) -> ResourceQuotaStatus:
    """The status ``syncResourceQuota`` writes: ``hard`` = ``spec.hard``; ``used`` recounted from the cached objects
    of the quota's namespace (``CalculateUsage``), recorded usage kept for resources no evaluator computes, and
    masked to ``spec.hard``."""
    objects = (obj for kind in cache.kinds() for obj in cache.list(kind, quota.namespace))
    used = dict(quota_admission.recompute(quota, objects, now))
    for name in quota.spec.hard:
        if not _evaluated(name):
            if name in quota.status.used:
                used[name] = quota.status.used[name]
            else:
                used.pop(name, None)
    return ResourceQuotaStatus(hard=quota.spec.hard, used=FrozenDict(used))


def sync(ctx: base.Context) -> base.Result:
    """``syncResourceQuota`` for the quota at ``ctx.key``, from the cache: write the status when its limits or usage
    changed (or it has none yet), with the cached resourceVersion as the precondition; look again after the
    resync period."""
    namespace, name = ctx.key
    quota = ctx.cache.get("ResourceQuota", namespace, name)
    if quota is None:
        return base.Result()
    status = calculate_status(quota, ctx.cache, ctx.now)
    dirty = not quota.status.hard or not quota.status.used or status != quota.status
    if not dirty:
        return base.Result(requeue_after=RESYNC_PERIOD)
    return base.Result((rq.UpdateStatus(_USER, attrs.evolve(quota, status=status)),), requeue_after=RESYNC_PERIOD)


# --- event handlers -----------------------------------------------------------------------------------------


def _charged(pod: Pod) -> bool:
    """``QuotaV1Pod``: whether the pod is charged (not terminal; the clock-dependent part is left to the recount)."""
    return "pods" in quota_admission.usage(pod)


def _terminating_scope(pod: Pod) -> bool:
    """``IsTerminating``: ``activeDeadlineSeconds`` set and not negative."""
    deadline = pod.spec.active_deadline_seconds
    return deadline is not None and deadline >= 0


def _quota_service_type(service: Any) -> str:
    """``GetQuotaServiceType``: NodePort and LoadBalancer count; every other type is no type."""
    return service.spec.type if service.spec.type in ("NodePort", "LoadBalancer") else ""


def requires_replenishment(old: Any, new: Any) -> bool:
    """``DefaultUpdateFilter``: whether an update of a tracked object may release quota."""
    if isinstance(new, Pod):
        resources = [tuple(c.resources for c in p.spec.containers + p.spec.init_containers) for p in (old, new)]
        return (resources[0] != resources[1] or _terminating_scope(old) != _terminating_scope(new)
                or (_charged(old) and not _charged(new)))
    if new.kind == "Service":
        return _quota_service_type(old) != _quota_service_type(new)
    return False


def _replenish(obj: Any, cache: Objects) -> tuple[base.Key, ...]:
    """``replenishQuota``: the namespace's quotas whose ``status.hard`` has a resource the object's evaluator
    computes (``MatchingResources``)."""
    return tuple((q.namespace, q.name) for q in cache.list("ResourceQuota", obj.namespace)
                 if quota_admission._matching_resources(obj, q.status.hard))


def enqueue(event: WatchEvent, old: Any, cache: Objects) -> tuple[base.Key, ...]:
    obj = event.object
    if obj.kind == "ResourceQuota":
        if event.type == MODIFIED and old is not None and old.spec.hard == obj.spec.hard:
            return ()
        return ((obj.namespace, obj.name),)
    if not obj.namespaced or event.type == ADDED:
        return ()
    if event.type == MODIFIED and (old is None or not requires_replenishment(old, obj)):
        return ()
    return _replenish(obj, cache)


def initial_keys(cache: Objects) -> list[base.Key]:
    return [(q.namespace, q.name) for q in cache.list("ResourceQuota")]


CONTROLLER = base.Controller(name=NAME, watches=WATCHES, enqueue=enqueue, initial_keys=initial_keys, reconcile=sync)
"""kube-controller-manager's ``resourcequota-controller``."""
