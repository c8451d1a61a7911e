"""LimitRanger admission: default container requests and limits, then enforce min, max and
maxLimitRequestRatio per Container, per Pod and per PersistentVolumeClaim.

Source: plugin/pkg/admission/limitranger/admission.go (defaultContainerResourceRequirements,
mergeContainerResources, mergePodResourceRequirements, requestLimitEnforcedValues, minConstraint,
maxConstraint, maxRequestConstraint, limitRequestRatioConstraint, podRequests, podLimits,
PodValidateLimitFunc, PersistentVolumeClaimValidateLimitFunc, SupportsAttributes, runLimitFunc);
the Forbidden text from staging/src/k8s.io/apiserver/pkg/admission/errors.go (NewForbidden),
staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewForbidden) and
staging/src/k8s.io/apimachinery/pkg/util/errors/errors.go (aggregate.Error).
Doc: https://kubernetes.io/docs/concepts/policy/limit-range/

Deliberate differences from upstream:

- Upstream walks each LimitRangeItem's resource maps in Go's random map order, so the order of the
  messages for one container varies between calls; the model checks resources in name order.
- Quantities are exact (see ``model.quantity``): upstream's int64 ``Value()`` saturates beyond 2**63.
- Pod-level ``spec.resources`` (PodLevelResources) and in-place resize's allocated resources are not
  modelled, so a pod's totals come from its containers only, as on pod create.
- After defaulting, a container that got a limit but no request requests its limit: that is what
  SetDefaults_Pod gives the stored pod. A LimitRange that went through SetDefaults_LimitRangeItem
  never leaves that case (its defaultRequest covers every default), so only hand-built ones differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from model.frozendict import FrozenDict
from model.objects import Container, LimitRange, PersistentVolumeClaim, Pod
from model.objects.pod import ResourceRequirements
from model.quantity import ZERO, Quantity

LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger"
CONTAINER = "Container"
POD = "Pod"
PERSISTENT_VOLUME_CLAIM = "PersistentVolumeClaim"
MAX_MILLI_VALUE = (2**63 - 1) // 1000
"""resource.MaxMilliValue: above it upstream compares whole units instead of thousandths."""

ResourceList = Mapping[str, Quantity]


# --- defaulting (the mutating half) -----------------------------------------------------------------


def default_container_resource_requirements(limit_range: LimitRange) -> ResourceRequirements:
    """defaultContainerResourceRequirements: ``defaultRequest`` and ``default`` of the Container items
    (a later item overrides an earlier one for the same resource)."""
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    for item in limit_range.spec.limits:
        if item.type == CONTAINER:
            requests.update(item.default_request)
            limits.update(item.default)
    return ResourceRequirements(requests=FrozenDict(requests), limits=FrozenDict(limits))


def merge_container_resources(
    container: Container, defaults: ResourceRequirements, prefix: str
) -> tuple[Container, tuple[str, ...]]:
    """mergeContainerResources: fill the container's missing limits, then requests, from ``defaults``.

    Returns the container and its annotation parts, e.g. ``cpu, memory request for container nginx``
    then ``cpu limit for container nginx`` (resource names sorted; a part only when something was set).
    """
    resources = container.resources
    set_limits = sorted(k for k in defaults.limits if k not in resources.limits)
    set_requests = sorted(k for k in defaults.requests if k not in resources.requests)
    if not set_limits and not set_requests:
        return container, ()
    limits = FrozenDict({**resources.limits, **{k: defaults.limits[k] for k in set_limits}})
    requests = FrozenDict({**resources.requests, **{k: defaults.requests[k] for k in set_requests}})
    parts = []
    if set_requests:
        parts.append(f"{', '.join(set_requests)} request for {prefix} {container.name}")
    if set_limits:
        parts.append(f"{', '.join(set_limits)} limit for {prefix} {container.name}")
    merged = attrs.evolve(container, resources=attrs.evolve(resources, requests=requests, limits=limits))
    return merged, tuple(parts)


def merge_pod_resource_requirements(pod: Pod, defaults: ResourceRequirements) -> Pod:
    """mergePodResourceRequirements: default every container, then every init container, and when
    anything was set, (over)write the ``kubernetes.io/limit-ranger`` annotation listing what."""
    parts: list[str] = []
    groups = []
    for group, prefix in ((pod.spec.containers, "container"), (pod.spec.init_containers, "init container")):
        merged = []
        for container in group:
            container, added = merge_container_resources(container, defaults, prefix)
            merged.append(container)
            parts.extend(added)
        groups.append(tuple(merged))
    if not parts:
        return pod
    spec = attrs.evolve(pod.spec, containers=groups[0], init_containers=groups[1])
    text = "LimitRanger plugin set: " + "; ".join(parts)
    meta = attrs.evolve(pod.metadata, annotations=pod.metadata.annotations.set(LIMIT_RANGER_ANNOTATION, text))
    return attrs.evolve(pod, metadata=meta, spec=spec)


def apply_defaults(pod: Pod, limit_ranges: Sequence[LimitRange]) -> Pod:
    """LimitRanger.Admit for a pod create: PodMutateLimitFunc for each LimitRange in turn.

    Explicit values are never changed. With several LimitRanges the first to offer a resource's default
    wins, and the annotation names what the last LimitRange that set anything set. Finally a container
    with a limit and no request requests its limit (see the module docstring).
    """
    for limit_range in limit_ranges:
        pod = merge_pod_resource_requirements(pod, default_container_resource_requirements(limit_range))
    return _requests_cover_limits(pod)


def _requests_cover_limits(pod: Pod) -> Pod:
    """SetDefaults_Pod's rule, as the stored pod shows it: a missing request is the limit."""

    def fill(container: Container) -> Container:
        res = container.resources
        missing = {k: q for k, q in res.limits.items() if k not in res.requests}
        if not missing:
            return container
        requests = FrozenDict({**res.requests, **missing})
        return attrs.evolve(container, resources=attrs.evolve(res, requests=requests))

    containers = tuple(fill(c) for c in pod.spec.containers)
    init_containers = tuple(fill(c) for c in pod.spec.init_containers)
    if containers == pod.spec.containers and init_containers == pod.spec.init_containers:
        return pod
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, containers=containers, init_containers=init_containers))


# --- constraints (the validating half) --------------------------------------------------------------


def request_limit_enforced_values(request: Quantity, limit: Quantity, enforced: Quantity) -> tuple[int, int, int]:
    """requestLimitEnforcedValues: the three amounts in thousandths when all three fit, else in units
    (each rounded away from zero, as Value() and MilliValue() round)."""
    values = (request.value, limit.value, enforced.value)
    if all(v <= MAX_MILLI_VALUE for v in values):
        return request.milli, limit.milli, enforced.milli
    return values


def min_constraint(limit_type: str, resource: str, enforced: Quantity, requests: ResourceList,
                   limits: ResourceList) -> str | None:
    """minConstraint: the request must exist and, like any limit, be at least ``enforced``."""
    request, limit = requests.get(resource), limits.get(resource)
    req, lim, want = request_limit_enforced_values(request or ZERO, limit or ZERO, enforced)
    if request is None:
        return f"minimum {resource} usage per {limit_type} is {enforced}.  No request is specified"
    if req < want:
        return f"minimum {resource} usage per {limit_type} is {enforced}, but request is {request}"
    if limit is not None and lim < want:
        return f"minimum {resource} usage per {limit_type} is {enforced}, but limit is {limit}"
    return None


def max_constraint(limit_type: str, resource: str, enforced: Quantity, requests: ResourceList,
                   limits: ResourceList) -> str | None:
    """maxConstraint: the limit must exist and, like any request, be at most ``enforced``."""
    request, limit = requests.get(resource), limits.get(resource)
    req, lim, want = request_limit_enforced_values(request or ZERO, limit or ZERO, enforced)
    if limit is None:
        return f"maximum {resource} usage per {limit_type} is {enforced}.  No limit is specified"
    if lim > want:
        return f"maximum {resource} usage per {limit_type} is {enforced}, but limit is {limit}"
    if request is not None and req > want:
        return f"maximum {resource} usage per {limit_type} is {enforced}, but request is {request}"
    return None


def max_request_constraint(limit_type: str, resource: str, enforced: Quantity, requests: ResourceList) -> str | None:
    """maxRequestConstraint: for kinds without limits (PVCs), the request must exist and be at most ``enforced``."""
    request = requests.get(resource)
    req, _, want = request_limit_enforced_values(request or ZERO, ZERO, enforced)
    if request is None:
        return f"maximum {resource} usage per {limit_type} is {enforced}.  No request is specified"
    if req > want:
        return f"maximum {resource} usage per {limit_type} is {enforced}, but request is {request}"
    return None


def limit_request_ratio_constraint(limit_type: str, resource: str, enforced: Quantity, requests: ResourceList,
                                   limits: ResourceList) -> str | None:
    """limitRequestRatioConstraint: a non-zero request and limit whose ratio is at most ``enforced``.

    The ratio is a float64 as upstream computes it (``limit / request``, compared in thousandths when
    ``enforced`` fits) and prints with six decimals (Go's ``%f``).
    """
    request, limit = requests.get(resource), limits.get(resource)
    req, lim, _ = request_limit_enforced_values(request or ZERO, limit or ZERO, enforced)
    if request is None or req == 0:
        return (f"{resource} max limit to request ratio per {limit_type} is {enforced}, "
                "but no request is specified or request is 0")
    if limit is None or lim == 0:
        return (f"{resource} max limit to request ratio per {limit_type} is {enforced}, "
                "but no limit is specified or limit is 0")
    observed = float(lim) / float(req)
    shown = observed
    allowed = float(enforced.value)
    if enforced.value <= MAX_MILLI_VALUE:
        observed *= 1000
        allowed = float(enforced.milli)
    if observed > allowed:
        return (f"{resource} max limit to request ratio per {limit_type} is {enforced}, "
                f"but provided ratio is {shown:f}")
    return None


def _check_all(limit_type: str, item_min: ResourceList, item_max: ResourceList, ratio: ResourceList,
               requests: ResourceList, limits: ResourceList) -> list[str]:
    """min, then max, then maxLimitRequestRatio of one item against one set of requests and limits."""
    found = [min_constraint(limit_type, k, item_min[k], requests, limits) for k in sorted(item_min)]
    found += [max_constraint(limit_type, k, item_max[k], requests, limits) for k in sorted(item_max)]
    found += [limit_request_ratio_constraint(limit_type, k, ratio[k], requests, limits) for k in sorted(ratio)]
    return [e for e in found if e is not None]


def _add(total: dict[str, Quantity], extra: ResourceList) -> None:
    """addResourceList (Quantity.Add keeps the first operand's format)."""
    for name, q in extra.items():
        total[name] = total[name] + q if name in total else q


def _max_into(total: dict[str, Quantity], other: ResourceList) -> None:
    """maxResourceList: the larger of the two for every resource in ``other``."""
    for name, q in other.items():
        if name not in total or q > total[name]:
            total[name] = q


def _pod_total(pod: Pod, field: str) -> dict[str, Quantity]:
    """podRequests / podLimits: the containers' sum plus sidecars, or the largest init container
    (each plus the sidecars started before it), whichever is larger per resource."""
    total: dict[str, Quantity] = {}
    for c in pod.spec.containers:
        _add(total, getattr(c.resources, field))
    sidecars: dict[str, Quantity] = {}
    init_peak: dict[str, Quantity] = {}
    for c in pod.spec.init_containers:
        own = getattr(c.resources, field)
        if c.is_sidecar:
            _add(total, own)
            _add(sidecars, own)
            running = dict(sidecars)
        else:
            running = dict(own)
            _add(running, sidecars)
        _max_into(init_peak, running)
    _max_into(total, init_peak)
    return total


def pod_requests(pod: Pod) -> dict[str, Quantity]:
    """podRequests (limitranger's copy of PodRequests against the internal pod)."""
    return _pod_total(pod, "requests")


def pod_limits(pod: Pod) -> dict[str, Quantity]:
    """podLimits (limitranger's copy of PodLimits against the internal pod)."""
    return _pod_total(pod, "limits")


def pod_validate_limit_func(limit_range: LimitRange, pod: Pod) -> list[str]:
    """PodValidateLimitFunc: for each item in order, Container items check every container then every
    init container; Pod items check the pod's totals."""
    errors: list[str] = []
    for item in limit_range.spec.limits:
        if item.type == CONTAINER:
            for c in (*pod.spec.containers, *pod.spec.init_containers):
                errors += _check_all(CONTAINER, item.min, item.max, item.max_limit_request_ratio,
                                     c.resources.requests, c.resources.limits)
        elif item.type == POD:
            errors += _check_all(POD, item.min, item.max, item.max_limit_request_ratio,
                                 pod_requests(pod), pod_limits(pod))
    return errors


def persistent_volume_claim_validate_limit_func(limit_range: LimitRange, pvc: PersistentVolumeClaim) -> list[str]:
    """PersistentVolumeClaimValidateLimitFunc: min and max of PersistentVolumeClaim items against the
    claim's requests only (its limits are not user input here; claims are never defaulted)."""
    errors: list[str] = []
    requests = pvc.spec.resources.requests
    for item in limit_range.spec.limits:
        if item.type != PERSISTENT_VOLUME_CLAIM:
            continue
        found = [min_constraint(PERSISTENT_VOLUME_CLAIM, k, item.min[k], requests, FrozenDict())
                 for k in sorted(item.min)]
        found += [max_request_constraint(PERSISTENT_VOLUME_CLAIM, k, item.max[k], requests)
                  for k in sorted(item.max)]
        errors += [e for e in found if e is not None]
    return errors


def _first_failure(results: Iterable[list[str]]) -> list[str]:
    """runLimitFunc stops at the first LimitRange that rejects, and reports only its errors."""
    return next((errors for errors in results if errors), [])


def validate_pod(pod: Pod, limit_ranges: Sequence[LimitRange]) -> list[str]:
    """LimitRanger.Validate for a pod create: the errors of the first LimitRange that rejects it."""
    return _first_failure(pod_validate_limit_func(lr, pod) for lr in limit_ranges)


def validate_pvc(pvc: PersistentVolumeClaim, limit_ranges: Sequence[LimitRange]) -> list[str]:
    """LimitRanger.Validate for a claim: the errors of the first LimitRange that rejects it."""
    return _first_failure(persistent_volume_claim_validate_limit_func(lr, pvc) for lr in limit_ranges)


def admit(obj: object, limit_ranges: Sequence[LimitRange], old: object | None = None) -> tuple[object, list[str]]:
    """The plugin's Admit then Validate: (the object, possibly defaulted; the errors, empty if allowed).

    ``old`` is the stored object on an update (None on create). SupportsAttributes: pods are handled on
    create only (their containers are immutable); claims on create and update; other kinds pass. An
    update of an object already marked for deletion is never blocked.
    """
    if old is not None and getattr(old.metadata, "deletion_timestamp", None) is not None:
        return obj, []
    if isinstance(obj, Pod):
        if old is not None:
            return obj, []
        pod = apply_defaults(obj, limit_ranges)
        return pod, validate_pod(pod, limit_ranges)
    if isinstance(obj, PersistentVolumeClaim):
        return obj, validate_pvc(obj, limit_ranges)
    return obj, []


# --- the API server's response ----------------------------------------------------------------------


def aggregate_message(errors: Sequence[str]) -> str:
    """utilerrors.NewAggregate(errs).Error(): one message as it is; several de-duplicated, comma-joined
    and bracketed (no brackets when all were the same)."""
    if len(errors) <= 1:
        return "".join(errors)
    unique = list(dict.fromkeys(errors))
    joined = ", ".join(unique)
    return joined if len(unique) == 1 else f"[{joined}]"


def forbidden_message(obj: object, errors: Sequence[str]) -> str:
    """admission.NewForbidden's text: ``pods "x" is forbidden: <aggregate>``.

    The name is the object's name, else its generateName, else ``Unknown`` (extractResourceName); the
    resource is qualified with its API group when it has one.
    """
    meta = obj.metadata
    name = meta.name or meta.generate_name or "Unknown"
    group = obj.api_group
    resource = f"{obj.RESOURCE}.{group}" if group else obj.RESOURCE
    return f'{resource} "{name}" is forbidden: {aggregate_message(errors)}'
