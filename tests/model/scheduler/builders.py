"""Builders for scheduler tests, after upstream's ``pkg/scheduler/testing/wrappers.go`` (MakePod, MakeNode):
plain Kubernetes dicts decoded through the model's own ``from_dict``."""

from __future__ import annotations

from typing import Any

from model.objects import Node, PersistentVolume, PersistentVolumeClaim, Pod


def make_node(
    name: str,
    labels: dict[str, str] | None = None,
    *,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    taints: list[dict[str, str]] | None = None,
    unschedulable: bool = False,
    extra: dict[str, str] | None = None,
) -> Node:
    allocatable = {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})}
    return Node.from_dict(
        {
            "metadata": {"name": name, "labels": labels or {}},
            "spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": {"allocatable": allocatable},
        }
    )


def make_pod(
    name: str = "p",
    *,
    namespace: str = "default",
    labels: dict[str, str] | None = None,
    node: str | None = None,
    requests: dict[str, str] | None = None,
    priority: int | None = None,
    ports: list[dict[str, Any]] | None = None,
    status: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    **spec: Any,
) -> Pod:
    """A pod with one container ``c`` (requests and host ports) and any other ``spec`` fields (camelCase)."""
    container: dict[str, Any] = {"name": "c"}
    if requests:
        container["resources"] = {"requests": requests}
    if ports:
        container["ports"] = ports
    body: dict[str, Any] = {"containers": [container], **spec}
    if node is not None:
        body["nodeName"] = node
    if priority is not None:
        body["priority"] = priority
    meta = {"name": name, "namespace": namespace, "labels": labels or {}, **(metadata or {})}
    return Pod.from_dict({"metadata": meta, "spec": body, "status": status or {}})


def affinity_term(key: str, operator: str, values: list[str] | None, topology_key: str, **extra: Any) -> dict[str, Any]:
    """PodAffinityTerm with one matchExpression (st.MakePod().PodAffinityIn / Exists / NotIn)."""
    expression: dict[str, Any] = {"key": key, "operator": operator}
    if values is not None:
        expression["values"] = values
    return {"labelSelector": {"matchExpressions": [expression]}, "topologyKey": topology_key, **extra}


def pod_affinity(
    affinity: list[dict[str, Any]] | None = None, anti_affinity: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if affinity:
        result["podAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": affinity}
    if anti_affinity:
        result["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": anti_affinity}
    return result


def spread(
    max_skew: int, key: str, selector: dict[str, Any] | None, when: str = "DoNotSchedule", **extra: Any
) -> dict[str, Any]:
    constraint: dict[str, Any] = {"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": when, **extra}
    if selector is not None:
        constraint["labelSelector"] = selector
    return constraint


def exists(key: str) -> dict[str, Any]:
    """MakeLabelSelector().Exists(key)."""
    return {"matchExpressions": [{"key": key, "operator": "Exists"}]}


def make_pvc(
    name: str,
    *,
    namespace: str = "default",
    volume: str | None = None,
    storage_class: str | None = None,
    phase: str = "Pending",
    access_modes: tuple[str, ...] = ("ReadWriteOnce",),
    request: str = "1Gi",
    annotations: dict[str, str] | None = None,
    **meta: Any,
) -> PersistentVolumeClaim:
    spec: dict[str, Any] = {"accessModes": list(access_modes), "resources": {"requests": {"storage": request}}}
    if volume is not None:
        spec["volumeName"] = volume
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    return PersistentVolumeClaim.from_dict(
        {
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}, **meta},
            "spec": spec,
            "status": {"phase": phase},
        }
    )


def make_pv(
    name: str,
    *,
    labels: dict[str, str] | None = None,
    capacity: str = "1Gi",
    storage_class: str | None = None,
    claim: tuple[str, str] | None = None,
    phase: str = "Available",
    hostnames: list[str] | None = None,
    access_modes: tuple[str, ...] = ("ReadWriteOnce",),
) -> PersistentVolume:
    spec: dict[str, Any] = {"capacity": {"storage": capacity}, "accessModes": list(access_modes)}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    if claim is not None:
        spec["claimRef"] = {"namespace": claim[0], "name": claim[1]}
    if hostnames is not None:
        spec["nodeAffinity"] = {
            "required": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": hostnames}]}
                ]
            }
        }
    return PersistentVolume.from_dict(
        {"metadata": {"name": name, "labels": labels or {}}, "spec": spec, "status": {"phase": phase}}
    )


def claim_volume(name: str, claim: str) -> dict[str, Any]:
    return {"name": name, "persistentVolumeClaim": {"claimName": claim}}
