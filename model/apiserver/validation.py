"""Validation the API server applies on create that a manifest can still carry through loading.

Loading keeps documents the real API server would reject for reasons that do not stop the model
from reading them, so that ``kubeproof validate`` can show them; creating one is Invalid.
Sources: pkg/apis/core/validation/validation.go (ValidateObjectMeta, validateLimitRangeTypeName,
ValidateNodeSelector, ValidateContainerResourceRequirements, validateContainerCommon, validateContainerPorts,
validateContainersOnlyForPod, validateServicePort, ValidateResourceQuotaSpec, ValidatePersistentVolumeClaimSpec),
pkg/apis/apps/validation/validation.go (the workload name rules, via ``model.apiserver.names``),
pkg/apis/core/helper/helpers.go (IsOvercommitAllowed, isIntegerResourceName).
"""

from __future__ import annotations

from typing import Any

from model.apiserver.names import is_dns1123_label, is_valid_port_name, name_problems
from model.errors import join_path
from model.labels import SelectorError, validate_label_key

STANDARD_LIMIT_TYPES = ("Container", "Pod", "PersistentVolumeClaim")


def server_side_problem(obj: Any) -> tuple[str, str] | None:
    """(field path, detail) of the first problem the API server would reject ``obj`` for, else None."""
    problem = _meta_problem(obj) or _kind_problem(obj)
    if problem is not None:
        return problem
    if obj.kind == "LimitRange":
        for i, item in enumerate(obj.spec.limits):
            path = join_path(join_path("spec.limits", i), "type")
            if item.type == "":
                return (path, 'Invalid value: "": name part must be non-empty')
            if "/" not in item.type and item.type not in STANDARD_LIMIT_TYPES:
                return (path, f'Invalid value: "{item.type}": must be a standard limit type or fully qualified')
            if "/" in item.type:
                try:
                    validate_label_key(item.type)
                except SelectorError as e:
                    return (path, f'Invalid value: "{item.type}": {e}')
    if obj.kind == "Pod":
        return _pod_spec_problem(obj.spec, "spec")
    template = getattr(getattr(obj, "spec", None), "template", None)
    if template is not None:
        return _pod_spec_problem(template.spec, "spec.template.spec")
    return None


def _invalid(value: str, reasons: list[str]) -> str:
    return f'Invalid value: "{value}": {"; ".join(reasons)}'


def _meta_problem(obj: Any) -> tuple[str, str] | None:
    """ValidateObjectMeta: the name follows the kind's rule (a generateName prefix may end in a dash), and a
    namespaced object's namespace is a DNS label."""
    meta = obj.metadata
    if meta.name:
        if reasons := name_problems(obj.kind, meta.name):
            return ("metadata.name", _invalid(meta.name, reasons))
    elif meta.generate_name:
        prefix = meta.generate_name.rstrip("-") or "a"
        if reasons := name_problems(obj.kind, prefix):
            return ("metadata.generateName", _invalid(meta.generate_name, reasons))
    if obj.namespaced and meta.namespace and (reasons := is_dns1123_label(meta.namespace)):
        return ("metadata.namespace", _invalid(meta.namespace, reasons))
    return None


def _kind_problem(obj: Any) -> tuple[str, str] | None:
    """Per-kind rules: ValidateService's port names, ValidateResourceQuotaSpec's non-negative (and, for object
    counts, integer) values."""
    if obj.kind == "Service":
        return _service_ports_problem(obj.spec.ports)
    if obj.kind == "ResourceQuota":
        for resource, quantity in obj.spec.hard.items():
            path = f"spec.hard[{resource}]"
            if quantity.nano < 0:
                return (path, f'Invalid value: "{quantity}": must be greater than or equal to 0')
            if _integer_resource(resource) and quantity.nano % 1_000_000_000:
                return (path, f'Invalid value: "{quantity}": must be an integer')
    return None


def input_problem(obj: Any) -> tuple[str, str] | None:
    """(field path, detail) of the first problem the API server would reject a user's manifest for, else None:
    :func:`server_side_problem` and the rules below, which kubeproof applies where it reads a user's manifests
    rather than in the model's API server. Deliberate difference: the model's API server accepts a Pod without an
    image and a claim without a storage request, because the controller and scheduler test tables ported from
    upstream (whose unit tests use fake clients that validate nothing) omit them, and the model's behaviour does not
    depend on either.

    validateContainersOnlyForPod: a Pod's containers name an image (a template's may leave it to admission);
    ValidatePersistentVolumeClaimSpec: at least one access mode and a storage request (also for a StatefulSet's
    volumeClaimTemplates)."""
    if (problem := server_side_problem(obj)) is not None:
        return problem
    if obj.kind == "Pod":
        return _images_problem(obj.spec, "spec")
    if obj.kind == "PersistentVolumeClaim":
        return _claim_problem(obj.spec, "spec")
    if obj.kind == "StatefulSet":
        for i, template in enumerate(obj.spec.volume_claim_templates):
            if problem := _claim_problem(template.spec, f"spec.volumeClaimTemplates[{i}].spec"):
                return problem
    return None


def _integer_resource(resource: str) -> bool:
    """isIntegerResourceName: object counts (``pods``, ``count/...``, ``services``, ...) are whole numbers."""
    return resource.startswith("count/") or resource in (
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
        "persistentvolumeclaims", "services.nodeports", "services.loadbalancers")


def _claim_problem(spec: Any, path: str) -> tuple[str, str] | None:
    if not spec.access_modes:
        return (f"{path}.accessModes", "Required value: at least 1 access mode is required")
    if "storage" not in spec.resources.requests:
        return (f"{path}.resources[storage]", "Required value")
    return None


def _service_ports_problem(ports: Any) -> tuple[str, str] | None:
    """validateServicePort: with more than one port each needs a name, a DNS label, unique within the Service."""
    seen: set[str] = set()
    for i, port in enumerate(ports):
        path = f"spec.ports[{i}].name"
        if not port.name:
            if len(ports) > 1:
                return (path, "Required value")
            continue
        if reasons := is_dns1123_label(port.name):
            return (path, _invalid(port.name, reasons))
        if port.name in seen:
            return (path, f'Duplicate value: "{port.name}"')
        seen.add(port.name)
    return None


def _images_problem(pod_spec: Any, path: str) -> tuple[str, str] | None:
    """validateContainersOnlyForPod: a Pod's containers name an image (a template's may leave it to be set later)."""
    for group, name in ((pod_spec.init_containers, "initContainers"), (pod_spec.containers, "containers")):
        for i, container in enumerate(group):
            if not container.image or not container.image.strip():
                return (join_path(join_path(join_path(path, name), i), "image"), "Required value")
    return None


def _containers_problem(pod_spec: Any, path: str) -> tuple[str, str] | None:
    """validateContainerCommon: a container's name is a DNS label; its ports' names are IANA service names,
    unique within the container (validateContainerPorts)."""
    for group, name in ((pod_spec.init_containers, "initContainers"), (pod_spec.containers, "containers")):
        for i, container in enumerate(group):
            where = join_path(join_path(path, name), i)
            if reasons := is_dns1123_label(container.name):
                return (join_path(where, "name"), _invalid(container.name, reasons))
            seen: set[str] = set()
            for j, port in enumerate(container.ports):
                if not port.name:
                    continue
                port_path = join_path(join_path(join_path(where, "ports"), j), "name")
                if reasons := is_valid_port_name(port.name):
                    return (port_path, _invalid(port.name, reasons))
                if port.name in seen:
                    return (port_path, f'Duplicate value: "{port.name}"')
                seen.add(port.name)
    return None


def _pod_spec_problem(pod_spec: Any, path: str) -> tuple[str, str] | None:
    """ValidatePodSpec's rules that the scheduler's own test tables break (so loading accepts them)."""
    node_affinity = pod_spec.affinity.node_affinity if pod_spec.affinity is not None else None
    if node_affinity is not None and node_affinity.required is not None \
            and not node_affinity.required.node_selector_terms:
        return (join_path(path, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
                                "nodeSelectorTerms"), "Required value: must have at least one node selector term")
    return _containers_problem(pod_spec, path) or _overcommit_problem(pod_spec, path)


def overcommit_allowed(resource: str) -> bool:
    """IsOvercommitAllowed: native resources (no domain, or a ``kubernetes.io/`` one) other than hugepages."""
    native = "/" not in resource or "kubernetes.io/" in resource
    return native and not resource.startswith("hugepages-")


def _overcommit_problem(pod_spec: Any, path: str) -> tuple[str, str] | None:
    """A resource that cannot be overcommitted (extended resources, hugepages) needs a limit, and a request
    equal to it (ValidateContainerResourceRequirements)."""
    for group, name in ((pod_spec.init_containers, "initContainers"), (pod_spec.containers, "containers")):
        for i, container in enumerate(group):
            resources = join_path(join_path(join_path(path, name), i), "resources")
            limits = container.resources.limits
            for resource, request in container.resources.requests.items():
                if overcommit_allowed(resource):
                    continue
                if resource not in limits:
                    return (join_path(resources, "limits"),
                            "Required value: Limit must be set for non overcommitable resources")
                if request != limits[resource]:
                    return (join_path(resources, "requests"), f'Invalid value: "{request}": must be equal to '
                            f"{resource} limit of {limits[resource]}")
    return None
