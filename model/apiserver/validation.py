"""Validation the API server applies on create that a manifest can still carry through loading.

Loading keeps documents the real API server would reject for reasons that do not stop the model
from reading them, so that ``kubeproof validate`` can show them; creating one is Invalid.
Sources: pkg/apis/core/validation/validation.go (validateLimitRangeTypeName, ValidateNodeSelector,
ValidateContainerResourceRequirements), pkg/apis/core/helper/helpers.go (IsOvercommitAllowed).
"""

from __future__ import annotations

from typing import Any

from model.errors import join_path
from model.labels import SelectorError, validate_label_key

STANDARD_LIMIT_TYPES = ("Container", "Pod", "PersistentVolumeClaim")


def server_side_problem(obj: Any) -> tuple[str, str] | None:
    """(field path, detail) of the first problem the API server would reject ``obj`` for, else None."""
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


def _pod_spec_problem(pod_spec: Any, path: str) -> tuple[str, str] | None:
    """ValidatePodSpec's rules that the scheduler's own test tables break (so loading accepts them)."""
    node_affinity = pod_spec.affinity.node_affinity if pod_spec.affinity is not None else None
    if node_affinity is not None and node_affinity.required is not None \
            and not node_affinity.required.node_selector_terms:
        return (join_path(path, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
                                "nodeSelectorTerms"), "Required value: must have at least one node selector term")
    return _overcommit_problem(pod_spec, path)


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
