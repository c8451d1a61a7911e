"""Liveness in Anvil's ESR form: once users and faults stop, fair execution of the components reaches each
controller's desired state (and, running on, keeps it). Checked on the state fair execution reaches within
the step bound (``properties.explore.CONVERGENCE_STEPS`` actions, ending after ``IDLE_SECONDS`` with nothing
to do)."""

from __future__ import annotations

from typing import Any

from model.config import ModelConfig
from model.labels import selector_from_set
from model.state import ClusterState
from properties.registry import liveness


def _conditions(status: Any) -> list[dict]:
    return [dict(c) for c in (status.conditions or ())]


def _has_condition(status: Any, type_: str, value: str = "True") -> bool:
    return any(c.get("type") == type_ and c.get("status") == value for c in _conditions(status))


def _live_owned(state: ClusterState, owner: Any) -> list[Any]:
    return [p for p in state.store.list("Pod", owner.namespace)
            if (ref := p.metadata.controller_ref()) is not None and ref.uid == owner.metadata.uid
            and not p.is_terminated and p.metadata.deletion_timestamp is None]


@liveness(
    "replicasets-converge",
    "Every ReplicaSet and ReplicationController ends with exactly spec.replicas live pods (unless it reports "
    "ReplicaFailure, e.g. a quota refuses its pods), and its status says so.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/",
)
def replicasets_converge(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for kind in ("ReplicaSet", "ReplicationController"):
        for rs in state.store.list(kind):
            if rs.metadata.deletion_timestamp is not None or _has_condition(rs.status, "ReplicaFailure"):
                continue
            live = len(_live_owned(state, rs))
            if live != rs.spec.replicas or rs.status.replicas != rs.spec.replicas:
                messages.append(f"{kind} {rs.namespace}/{rs.name} wants {rs.spec.replicas} replicas but has {live} "
                                f"live pods (status.replicas {rs.status.replicas})")
    return messages


@liveness(
    "bound-pods-run",
    "Every pod bound to a healthy node ends Running or finished (Succeeded/Failed).",
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/",
)
def bound_pods_run(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for pod in state.store.list("Pod"):
        runtime = state.nodes.get(pod.node_name or "")
        if runtime is None or not (runtime.up and runtime.reachable) or pod.metadata.deletion_timestamp is not None:
            continue
        if pod.status.phase not in ("Running", "Succeeded", "Failed"):
            messages.append(f"pod {pod.namespace}/{pod.name} on {pod.node_name} is still {pod.status.phase}")
    return messages


@liveness(
    "endpoints-converge",
    "Every Service with a selector ends with Endpoints listing exactly the ready pods it selects.",
    "https://kubernetes.io/docs/concepts/services-networking/service/#endpoints",
)
def endpoints_converge(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for service in state.store.list("Service"):
        if not service.spec.selector or service.spec.type == "ExternalName":
            continue
        selector = selector_from_set(service.spec.selector)
        ready = {p.status.pod_ip for p in state.store.list("Pod", service.namespace)
                 if selector.matches(p.labels) and p.is_ready and p.status.pod_ip
                 and p.metadata.deletion_timestamp is None and not p.is_terminated}
        endpoints = state.store.get("Endpoints", service.namespace, service.name)
        listed = set() if endpoints is None else {a.ip for s in endpoints.subsets for a in s.addresses}
        if listed != ready:
            messages.append(f"Service {service.namespace}/{service.name} lists {sorted(listed)} but its ready pods "
                            f"are {sorted(ready)}")
    return messages
