"""ResourceQuota: what an object charges, which quotas it falls under, admission's check, the recount.

Sources (kubernetes/kubernetes):
- pkg/quota/v1/evaluator/core/pods.go: PodUsageFunc, QuotaV1Pod, podComputeUsageHelper, Constraints
  ("must specify"), MatchingResources, podMatchesScopeFunc, IsTerminating, Handles;
- pkg/quota/v1/evaluator/core/persistent_volume_claims.go, services.go, registry.go (legacy aliases);
- staging/src/k8s.io/apiserver/pkg/quota/v1/generic/evaluator.go: ObjectCountQuotaResourceNameFor,
  Matches, CalculateUsageStats, the object-count evaluator; resources.go: Add, Mask,
  SubtractWithNonNegativeResult, LessThanOrEqual, RemoveZeros, IsNegative, CalculateUsage;
- pkg/quota/v1/install/registry.go: the resources quota ignores (events, reviews, bindings);
- staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go: CheckRequest,
  hasUsageStats, prettyPrint;
- staging/src/k8s.io/component-helpers/resource/helpers.go: PodLimits (PodRequests is
  :func:`model.resources.pod_requests`);
- pkg/scheduler/util/utils.go: IsDRAExtendedResourceName.
Doc: https://kubernetes.io/docs/concepts/policy/resource-quotas/

Not modelled: the admission configuration's ``limitedResources`` (kube-apiserver has none by
default), dry-run, pod-level resources and resize status, PVC ``status.allocatedResources`` and
VolumeAttributesClass names (the model's PVC has neither), ResourceClaims. A pod update that changes
container resources stands for the ``pods/resize`` subresource; PVC status updates are not charged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from model.frozendict import FrozenDict
from model.labels import DOES_NOT_EXIST, EXISTS, IN, NOT_IN, Requirement
from model.objects import KubeObject, OpaqueObject, PersistentVolumeClaim, Pod, ResourceQuota, Service
from model.objects.policy import ScopedResourceSelectorRequirement
from model.qos import BEST_EFFORT, pod_qos_class
from model.quantity import ZERO, Quantity
from model.resources import is_extended_resource_name, is_native_resource, pod_requests

Object = KubeObject | OpaqueObject
ResourceList = Mapping[str, Quantity]

ONE = Quantity.from_int(1)
REQUESTS_PREFIX = "requests."
HUGEPAGES_PREFIX = "hugepages-"
DEVICE_CLASS_PREFIX = "deviceclass.resource.kubernetes.io/"
STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"

_POD_RESOURCES = frozenset({
    "count/pods", "pods", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage",
})
_POD_RESOURCE_PREFIXES = (HUGEPAGES_PREFIX, REQUESTS_PREFIX + HUGEPAGES_PREFIX)
_MUST_SPECIFY = frozenset({"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"})
"""validationSet: quota on these makes every container state them ("it was a mistake", upstream says)."""
_PVC_RESOURCES = ("persistentvolumeclaims", "requests.storage")
_SERVICE_RESOURCES = frozenset({"count/services", "services", "services.nodeports", "services.loadbalancers"})
_LEGACY_ALIASES = FrozenDict({
    ("", "configmaps"): "configmaps", ("", "resourcequotas"): "resourcequotas",
    ("", "replicationcontrollers"): "replicationcontrollers", ("", "secrets"): "secrets",
})
"""registry.go legacyObjectCountAliases: object counts that also answer to their pre-``count/`` name."""
_IGNORED = frozenset({
    ("", "bindings"), ("", "componentstatuses"), ("", "events"), ("events.k8s.io", "events"),
    ("authentication.k8s.io", "tokenreviews"), ("authentication.k8s.io", "selfsubjectreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"), ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "localsubjectaccessreviews"), ("authorization.k8s.io", "selfsubjectrulesreviews"),
})
_OPERATORS = FrozenDict({"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST})


@attrs.frozen
class QuotaResult:
    """The ResourceQuota admission verdict on one request.

    ``message`` is the text after ``<resource> "<name>" is forbidden: ``; ``quotas`` are the
    quotas whose ``status.used`` the request raised, to be written before the object is stored.
    """

    allowed: bool
    message: str = ""
    quotas: tuple[ResourceQuota, ...] = ()


# --- resource lists (staging/src/k8s.io/apiserver/pkg/quota/v1/resources.go) ---------------------

def _add(a: ResourceList, b: ResourceList) -> dict[str, Quantity]:
    """Add: a + b per name (a value keeps ``a``'s format unless it is zero)."""
    result = dict(a)
    for name, quantity in b.items():
        result[name] = result[name] + quantity if name in result else quantity
    return result


def _max_into(result: dict[str, Quantity], items: ResourceList) -> None:
    """maxResourceList: raise each of ``result``'s entries to the one in ``items``."""
    for name, quantity in items.items():
        if name not in result or quantity > result[name]:
            result[name] = quantity


def _subtract_non_negative(a: ResourceList, b: ResourceList) -> dict[str, Quantity]:
    """SubtractWithNonNegativeResult: a - b per name, floored at zero; names only in ``b`` are zero."""
    result = {}
    for name, quantity in a.items():
        difference = quantity - b[name] if name in b else quantity
        result[name] = difference if difference.nano > 0 else ZERO
    return {**result, **{name: ZERO for name in b if name not in a}}


def _mask(items: ResourceList, names: Iterable[str]) -> dict[str, Quantity]:
    """Mask: only the entries named in ``names``."""
    keep = set(names)
    return {name: quantity for name, quantity in items.items() if name in keep}


def _pretty(items: ResourceList) -> str:
    """prettyPrint: ``name=value`` pairs sorted by name, comma-separated."""
    return ",".join(f"{name}={items[name]}" for name in sorted(items))


# --- resource names -------------------------------------------------------------------------------

def object_count_name(group: str, resource: str) -> str:
    """ObjectCountQuotaResourceNameFor: ``count/<resource>`` in the core group, else ``count/<resource>.<group>``."""
    return f"count/{resource}.{group}" if group else f"count/{resource}"


def _is_extended(name: str) -> bool:
    """IsDRAExtendedResourceName: an extended resource (``nvidia.com/gpu``) or an implicit DRA one
    (``deviceclass.resource.kubernetes.io/<class>``)."""
    return is_extended_resource_name(name) or name.startswith(DEVICE_CLASS_PREFIX)


def _is_extended_for_quota(name: str) -> bool:
    """isExtendedResourceNameForQuota: ``requests.<extended>``; extended resources take no limits quota."""
    return name.startswith(REQUESTS_PREFIX) and (
        not is_native_resource(name) or name.startswith(REQUESTS_PREFIX + DEVICE_CLASS_PREFIX))


def _pod_tracks(name: str) -> bool:
    return name in _POD_RESOURCES or name.startswith(_POD_RESOURCE_PREFIXES) or _is_extended_for_quota(name)


def _pvc_tracks(name: str) -> bool:
    return (name in ("count/persistentvolumeclaims", *_PVC_RESOURCES)
            or any(name.endswith(STORAGE_CLASS_SUFFIX + r) for r in _PVC_RESOURCES))


def _count_names(obj: Object) -> tuple[str, ...]:
    """The object-count evaluator's names: ``count/...`` and, for four core kinds, the legacy alias."""
    group, resource = obj.api_group, obj.resource
    alias = _LEGACY_ALIASES.get((group, resource))
    return (object_count_name(group, resource),) + ((alias,) if alias else ())


def _ignored(obj: Object) -> bool:
    return (obj.api_group, obj.resource) in _IGNORED


def _matching_resources(obj: Object, names: Iterable[str]) -> frozenset[str]:
    """The evaluator's MatchingResources: which of ``names`` the object's kind is charged for."""
    if isinstance(obj, Pod):
        tracks = _pod_tracks
    elif isinstance(obj, PersistentVolumeClaim):
        tracks = _pvc_tracks
    elif isinstance(obj, Service):
        tracks = _SERVICE_RESOURCES.__contains__
    elif _ignored(obj):
        return frozenset()
    else:
        tracks = set(_count_names(obj)).__contains__
    return frozenset(name for name in names if tracks(name))


def _tracked_by_any(name: str) -> bool:
    """Whether some evaluator of the quota controller computes ``name`` (CalculateUsage's matched set).

    The controller adds an object-count evaluator for every resource it discovers, so every
    ``count/...`` name counts as tracked.
    """
    return (_pod_tracks(name) or _pvc_tracks(name) or name in _SERVICE_RESOURCES
            or name.startswith("count/") or name in _LEGACY_ALIASES.values())


# --- pods ----------------------------------------------------------------------------------------

def pod_limits(pod: Pod) -> dict[str, Quantity]:
    """PodLimits: app-container and sidecar limits summed, raised to the largest init-container moment
    (an init container plus the sidecars started before it; a sidecar's own moment never exceeds the
    sum), plus ``spec.overhead`` on each non-zero limit."""
    limits: dict[str, Quantity] = {}
    for container in pod.spec.containers:
        limits = _add(limits, container.resources.limits)
    sidecars: dict[str, Quantity] = {}
    init: dict[str, Quantity] = {}
    for container in pod.spec.init_containers:
        own = container.resources.limits
        if container.is_sidecar:
            limits = _add(limits, own)
            sidecars = _add(sidecars, own)
        else:
            _max_into(init, _add(own, sidecars))
    _max_into(limits, init)
    for name, quantity in pod.spec.overhead.items():
        if name in limits and limits[name].nano != 0:
            limits[name] = limits[name] + quantity
    return limits


def _compute_usage(requests: ResourceList, limits: ResourceList) -> dict[str, Quantity]:
    """podComputeUsageHelper: ``pods`` plus each request under its bare and ``requests.`` names
    (extended resources only as ``requests.<name>``) and each limit as ``limits.<name>``."""
    result = {"pods": ONE}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            result[name] = requests[name]
            result[REQUESTS_PREFIX + name] = requests[name]
        if name in limits:
            result["limits." + name] = limits[name]
    for name, quantity in requests.items():
        if name.startswith(HUGEPAGES_PREFIX):
            result[name] = quantity
            result[REQUESTS_PREFIX + name] = quantity
        if _is_extended(name):
            result[REQUESTS_PREFIX + name] = quantity
    return result


def _charged(pod: Pod, now: int | None) -> bool:
    """QuotaV1Pod: not Succeeded/Failed, and not stuck terminating past ``deletionTimestamp`` plus
    its grace period (checked only with a logical clock ``now`` and an integer timestamp)."""
    if pod.is_terminated:
        return False
    meta = pod.metadata
    if now is not None and isinstance(meta.deletion_timestamp, int) and meta.deletion_grace_period_seconds is not None:
        return now <= meta.deletion_timestamp + meta.deletion_grace_period_seconds
    return True


def _is_terminating(pod: Pod) -> bool:
    """IsTerminating: ``activeDeadlineSeconds`` is set (and not negative)."""
    deadline = pod.spec.active_deadline_seconds
    return deadline is not None and deadline >= 0


def _cross_namespace_affinity(pod: Pod) -> bool:
    """usesCrossNamespacePodAffinity: an (anti-)affinity term names namespaces or a namespace selector."""
    affinity = pod.spec.affinity
    if affinity is None:
        return False
    for group in (affinity.pod_affinity, affinity.pod_anti_affinity):
        if group is None:
            continue
        terms = group.required + tuple(weighted.pod_affinity_term for weighted in group.preferred)
        if any(term.namespaces or term.namespace_selector is not None for term in terms):
            return True
    return False


def _selector_matches(selector: ScopedResourceSelectorRequirement, labels: Mapping[str, str]) -> bool:
    """ScopedResourceSelectorRequirementsAsSelector(selector).Matches(labels)."""
    return Requirement(selector.scope_name, _OPERATORS[selector.operator], selector.values).matches(labels)


def _pod_matches_scope(selector: ScopedResourceSelectorRequirement, pod: Pod) -> bool:
    """podMatchesScopeFunc."""
    scope = selector.scope_name
    if scope in ("Terminating", "NotTerminating"):
        return _is_terminating(pod) == (scope == "Terminating")
    if scope in ("BestEffort", "NotBestEffort"):
        return (pod_qos_class(pod) == BEST_EFFORT) == (scope == "BestEffort")
    if scope == "PriorityClass":
        name = pod.spec.priority_class_name
        return _selector_matches(selector, {"PriorityClass": name} if name else {})
    if scope == "CrossNamespacePodAffinity":
        return _cross_namespace_affinity(pod)
    return False


def _constraints(obj: Object, required: frozenset[str]) -> str | None:
    """The pod evaluator's Constraints: every container must state each tracked CPU/memory request
    and limit. Other kinds have no constraints."""
    if not isinstance(obj, Pod):
        return None
    must = required & _MUST_SPECIFY
    missing: dict[str, set[str]] = {}
    for container in obj.spec.containers + obj.spec.init_containers:
        stated = _compute_usage(container.resources.requests, container.resources.limits)
        for name in must.difference(stated):
            missing.setdefault(name, set()).add(container.name)
    if not missing:
        return None
    return "must specify " + "; ".join(f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing))


# --- usage and matching ---------------------------------------------------------------------------

def _storage_class(pvc: PersistentVolumeClaim) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation first, then ``spec.storageClassName``."""
    annotations = pvc.metadata.annotations
    if BETA_STORAGE_CLASS_ANNOTATION in annotations:
        return annotations[BETA_STORAGE_CLASS_ANNOTATION]
    return pvc.spec.storage_class_name or ""


def _pvc_usage(pvc: PersistentVolumeClaim) -> dict[str, Quantity]:
    """pvcEvaluator.Usage: one claim (also per storage class) and its storage request, rounded up
    to whole bytes (kubernetes/kubernetes#94313)."""
    result = {"persistentvolumeclaims": ONE, "count/persistentvolumeclaims": ONE}
    storage_class = _storage_class(pvc)
    if storage_class:
        result[storage_class + STORAGE_CLASS_SUFFIX + "persistentvolumeclaims"] = ONE
    request = pvc.spec.resources.requests.get("storage")
    if request is not None:
        rounded = Quantity.from_int(request.value, request.format)
        result["requests.storage"] = rounded
        if storage_class:
            result[storage_class + STORAGE_CLASS_SUFFIX + "requests.storage"] = rounded
    return result


def _service_usage(service: Service) -> dict[str, Quantity]:
    """serviceEvaluator.Usage: NodePort and LoadBalancer services use one node port per port."""
    kind = service.spec.type
    ports = Quantity.from_int(len(service.spec.ports)) if kind in ("NodePort", "LoadBalancer") else ZERO
    return {
        "count/services": ONE, "services": ONE, "services.nodeports": ports,
        "services.loadbalancers": ONE if kind == "LoadBalancer" else ZERO,
    }


def usage(obj: Object, now: int | None = None) -> dict[str, Quantity]:
    """The quota usage one object contributes (its evaluator's Usage).

    Pods: ``count/pods`` always; unless terminal (see QuotaV1Pod), also ``pods`` and their
    effective requests and limits. PVCs, Services: their own resources. Every other kind:
    ``count/<resource>[.<group>]`` (plus the legacy name for configmaps, secrets, resourcequotas and
    replicationcontrollers). Events and the review kinds are ignored by quota.
    """
    if isinstance(obj, Pod):
        result = {"count/pods": ONE}
        if not _charged(obj, now):
            return result
        return _add(result, _compute_usage(pod_requests(obj), pod_limits(obj)))
    if isinstance(obj, PersistentVolumeClaim):
        return _pvc_usage(obj)
    if isinstance(obj, Service):
        return _service_usage(obj)
    if _ignored(obj):
        return {}
    return {name: ONE for name in _count_names(obj)}


def _scope_selectors(quota: ResourceQuota) -> tuple[ScopedResourceSelectorRequirement, ...]:
    """getScopeSelectorsFromQuota: each ``spec.scopes`` entry as an Exists selector, then ``scopeSelector``."""
    scopes = tuple(ScopedResourceSelectorRequirement(scope_name=s, operator="Exists") for s in quota.spec.scopes)
    selector = quota.spec.scope_selector
    return scopes + (selector.match_expressions if selector is not None else ())


def matches_scopes(quota: ResourceQuota, obj: Object) -> bool:
    """Whether ``obj`` falls under every scope of ``quota`` (podMatchesScopeFunc, pvcMatchesScopeFunc,
    MatchesNoScopeFunc): a quota without scopes takes every object; other kinds than pods match no
    scope, except PVCs, which (carrying no VolumeAttributesClass in the model) match
    ``VolumeAttributesClass`` selectors with NotIn or DoesNotExist."""
    for selector in _scope_selectors(quota):
        if isinstance(obj, Pod):
            matched = _pod_matches_scope(selector, obj)
        elif isinstance(obj, PersistentVolumeClaim):
            matched = selector.scope_name == "VolumeAttributesClass" and _selector_matches(selector, {})
        else:
            matched = False
        if not matched:
            return False
    return True


def _matches(quota: ResourceQuota, obj: Object) -> bool:
    """generic.Matches: the quota enforces something the object is charged for, and its scopes match."""
    return bool(_matching_resources(obj, quota.status.hard)) and matches_scopes(quota, obj)


def _handles(obj: Object, old: Object | None) -> bool:
    """The evaluators' Handles: creates of every kind quota does not ignore; updates of Services and
    PVCs, and of pods whose Terminating scope or container resources (a resize) change."""
    if _ignored(obj):
        return False
    if old is None:
        return True
    if isinstance(obj, Pod) and isinstance(old, Pod):
        resources = [tuple(c.resources for c in p.spec.containers + p.spec.init_containers) for p in (old, obj)]
        return _is_terminating(old) != _is_terminating(obj) or resources[0] != resources[1]
    return isinstance(obj, (Service, PersistentVolumeClaim))


def _denied(message: str) -> QuotaResult:
    return QuotaResult(allowed=False, message=message)


def check(obj: Object, quotas: Sequence[ResourceQuota], old: Object | None = None) -> QuotaResult:
    """CheckRequest for one create (``old`` None) or update of ``obj`` against ``obj``'s namespace's quotas.

    Quotas match on what their ``status.hard`` enforces and on their scopes; a match with unmet
    "must specify" constraints, or without ``status.used`` for a tracked resource, forbids the
    request. An update charges only the increase over ``old`` to quotas ``old`` also matched (the
    full usage when ``old`` has no resourceVersion, i.e. create-on-update). The first quota the
    charge would exceed forbids the request; else the raised quotas are returned, in order.
    """
    in_namespace = [q for q in quotas if q.namespace == obj.namespace]
    if not in_namespace or not _handles(obj, old):
        return QuotaResult(allowed=True)
    interesting = []
    for quota in in_namespace:
        if not _matches(quota, obj):
            continue
        restricted = _matching_resources(obj, quota.status.hard)
        problem = _constraints(obj, restricted)
        if problem is not None:
            return _denied(f"failed quota: {quota.name}: {problem}")
        if any(name not in quota.status.used for name in restricted):
            return _denied(f"status unknown for quota: {quota.name}, resources: {','.join(sorted(restricted))}")
        interesting.append(quota)
    charged = usage(obj)
    negative = sorted(name for name, quantity in charged.items() if quantity.nano < 0)
    if negative:
        return _denied(f"quota usage is negative for resource(s): {','.join(negative)}")
    deltas = [charged] * len(interesting)
    if old is not None and old.metadata.resource_version:
        increase = _subtract_non_negative(charged, usage(old))
        deltas = [increase if _matches(q, old) else charged for q in interesting]
    raised = []
    for quota, delta in zip(interesting, deltas, strict=True):
        hard, used = quota.status.hard, quota.status.used
        requested = _mask({name: q for name, q in delta.items() if q.nano != 0}, hard)
        if not requested:
            continue
        new_used = _add(used, requested)
        exceeded = [name for name in requested if new_used[name] > hard[name]]
        if exceeded:
            return _denied(f"exceeded quota: {quota.name}, requested: {_pretty(_mask(requested, exceeded))}, "
                           f"used: {_pretty(_mask(used, exceeded))}, limited: {_pretty(_mask(hard, exceeded))}")
        raised.append(attrs.evolve(quota, status=attrs.evolve(quota.status, used=FrozenDict(new_used))))
    return QuotaResult(allowed=True, quotas=tuple(raised))


def recompute(quota: ResourceQuota, objects: Iterable[Object], now: int | None = None) -> FrozenDict:
    """The quota controller's recalculation of ``status.used`` (CalculateUsage, CalculateUsageStats).

    Every resource of ``spec.hard`` an evaluator tracks is the sum, from zero, of the usage of the
    objects in the quota's namespace that match its scopes; other ``spec.hard`` resources keep their
    recorded ``status.used`` value, and anything no longer in ``spec.hard`` is dropped.
    """
    hard = quota.spec.hard
    tracked = [name for name in hard if _tracked_by_any(name)]
    total: dict[str, Quantity] = {name: ZERO for name in tracked}
    for obj in objects:
        part = counted(quota, obj, tracked, now)
        if part is not None:
            total = _add(total, part)
    return FrozenDict(_mask({**quota.status.used, **total}, hard))


def counted(quota: ResourceQuota, obj: Object | None, tracked: Iterable[str] | None = None,
            now: int | None = None) -> dict[str, Quantity] | None:
    """What :func:`recompute` adds to ``quota``'s usage for ``obj`` (None: it does not count it, being absent, in
    another namespace or out of the quota's scopes); ``tracked`` is the ``spec.hard`` resources an evaluator
    tracks (worked out when not given)."""
    if obj is None or obj.namespace != quota.namespace or not matches_scopes(quota, obj):
        return None
    if tracked is None:
        tracked = [name for name in quota.spec.hard if _tracked_by_any(name)]
    return _mask(usage(obj, now), tracked)
