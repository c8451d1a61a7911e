"""Small builders for solver tests."""

from __future__ import annotations

from typing import Any

from model.objects import Node, Pod

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"


def node(name: str, cpu: str = "4", memory: str = "8Gi", pods: int = 110, zone: str = "a",
         taints: list[dict] | None = None, extra: dict | None = None, labels: dict | None = None) -> Node:
    allocatable = {"cpu": cpu, "memory": memory, "pods": str(pods), **(extra or {})}
    return Node.from_dict({"metadata": {"name": name, "labels": {HOST: name, ZONE: zone, **(labels or {})}},
                           "spec": {"taints": taints or []}, "status": {"allocatable": allocatable}})


def pod(name: str, cpu: str | None = "1", memory: str | None = "1Gi", namespace: str = "default",
        labels: dict | None = None, node_name: str | None = None, **spec: Any) -> Pod:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    requests.update(spec.pop("extra", {}))
    container: dict[str, Any] = {"name": "c", "image": "pause"}
    if requests:
        container["resources"] = {"requests": requests}
    if "ports" in spec:
        container["ports"] = spec.pop("ports")
    body = {"containers": [container], **spec}
    if node_name:
        body["nodeName"] = node_name
    return Pod.from_dict({"metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
                          "spec": body, "status": {"phase": "Running" if node_name else "Pending"}})


def anti(key: str, labels: dict) -> dict:
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": key, "labelSelector": {"matchLabels": labels}}]}}


def affinity(key: str, labels: dict) -> dict:
    return {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": key, "labelSelector": {"matchLabels": labels}}]}}


def spread(key: str, labels: dict, max_skew: int = 1) -> list[dict]:
    return [{"maxSkew": max_skew, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule",
             "labelSelector": {"matchLabels": labels}}]
