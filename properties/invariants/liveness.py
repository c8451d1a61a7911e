"""Liveness in Anvil's ESR form: once users and faults stop, fair execution of the components reaches each
controller's desired state (and, running on, keeps it). Checked on the state fair execution reaches within
the step bound (``properties.explore.CONVERGENCE_STEPS`` actions, ending after ``IDLE_SECONDS`` with nothing
to do)."""

from __future__ import annotations

from typing import Any

from model.config import ModelConfig
from model.controllers import deployment
from model.labels import selector_from_set
from model.state import ClusterState
from properties.invariants.rollouts import scaling_event
from properties.oracles import admission_blocks, could_any_node_take, daemon_placement, pod_target_node
from properties.registry import liveness


def _conditions(status: Any) -> list[dict]:
    return [{"type": c.type, "status": c.status} if hasattr(c, "type") else dict(c) for c in (status.conditions or ())]


def _has_condition(status: Any, type_: str, value: str = "True") -> bool:
    return any(c.get("type") == type_ and c.get("status") == value for c in _conditions(status))


def _owned(state: ClusterState, kind: str, owner: Any) -> list[Any]:
    """The objects of ``kind`` whose controller is ``owner``."""
    return [o for o in state.store.list(kind, owner.namespace)
            if (ref := o.metadata.controller_ref()) is not None and ref.uid == owner.metadata.uid]


def _live_owned(state: ClusterState, owner: Any) -> list[Any]:
    """``owner``'s pods that are neither finished nor being deleted."""
    return [p for p in _owned(state, "Pod", owner) if not p.is_terminated and p.metadata.deletion_timestamp is None]


def _standing(state: ClusterState, kind: str) -> list[Any]:
    """The objects of ``kind`` not being deleted (a deleted owner has no desired state left to reach)."""
    return [o for o in state.store.list(kind) if o.metadata.deletion_timestamp is None]


@liveness(
    "replicasets-converge",
    "Every ReplicaSet and ReplicationController ends with exactly spec.replicas live pods (unless it reports "
    "ReplicaFailure, e.g. a quota refuses its pods), and its status says so.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/",
)
def replicasets_converge(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for kind in ("ReplicaSet", "ReplicationController"):
        for rs in _standing(state, kind):
            if _has_condition(rs.status, "ReplicaFailure"):
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
    "Every Service with a selector ends with Endpoints listing exactly the ready pods it selects, and as not ready "
    "only pods it selects that have not finished (upstream's ShouldPodBeInEndpoints, staging/src/k8s.io/"
    "endpointslice/utils.go: a terminal pod is never an endpoint).",
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
        unfinished = {p.status.pod_ip for p in state.store.list("Pod", service.namespace)
                      if selector.matches(p.labels) and p.status.pod_ip and not p.is_terminated}
        endpoints = state.store.get("Endpoints", service.namespace, service.name)
        subsets = () if endpoints is None else endpoints.subsets
        listed = {a.ip for s in subsets for a in s.addresses}
        not_ready = {a.ip for s in subsets for a in s.not_ready_addresses}
        if listed != ready:
            messages.append(f"Service {service.namespace}/{service.name} lists {sorted(listed)} but its ready pods "
                            f"are {sorted(ready)}")
        elif not_ready - unfinished:
            messages.append(f"Service {service.namespace}/{service.name} lists {sorted(not_ready - unfinished)} as "
                            "not ready, which no unfinished pod it selects has")
    return messages


def _quota_full(state: ClusterState, owner: Any) -> bool:
    """Admission would refuse another of the owner's pods: a quota in its namespace has no room for one, or a
    LimitRange forbids its template's resources."""
    return admission_blocks(state.store, owner.namespace, owner.spec.template)


def _unschedulable(pods: list[Any], state: ClusterState) -> Any | None:
    """The first pod the scheduler has found no node for and that a reference check confirms no node could take
    (``properties.oracles.could_any_node_take``): the cluster cannot hold the desired state, so no controller
    guarantees progress. The scheduler's own verdict alone is no excuse: a bug in its filters would excuse itself."""
    for pod in pods:
        condition = pod.status.condition("PodScheduled")
        if not pod.node_name and condition is not None and condition.status == "False" and \
                condition.reason == "Unschedulable" and not could_any_node_take(pod, state.store):
            return pod
    return None


def stuck_scaling_event(d: Any, rss: list[Any]) -> bool:
    """The upstream state in which a rollout never starts (README, Findings): every sync is a scaling event
    (:func:`properties.invariants.rollouts.scaling_event`), yet ``scale`` changes nothing, because the only active
    ReplicaSet already has spec.replicas (someone else scaled it before the controller annotated it) and sync.go
    returns before updating its desired-replicas annotation (kubernetes/kubernetes PRs #138840, #138036, open)."""
    new_rs = deployment.find_new_replica_set(d, rss)
    only = deployment.find_active_or_latest(new_rs, [rs for rs in rss if rs is not new_rs])
    return scaling_event(d, rss) and only is not None and only.spec.replicas == d.spec.replicas


@liveness(
    "deployments-complete",
    "Every Deployment that is not paused ends with its rollout complete: the ReplicaSet of its current template owns "
    "spec.replicas live pods and no older ReplicaSet owns any (unless it reports ReplicaFailure, e.g. a quota refuses "
    "its pods, or one of its pods cannot be scheduled). Assumes nothing but the Deployment controller scales its "
    "ReplicaSets: one scaled directly to spec.replicas before the controller annotated it stops the rollout for ever "
    "upstream too (kubernetes/kubernetes#138840), and is not counted.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#complete-deployment",
)
def deployments_complete(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for d in _standing(state, "Deployment"):
        if d.spec.paused:
            continue
        rss = _owned(state, "ReplicaSet", d)
        if stuck_scaling_event(d, rss):
            continue
        pods = [p for rs in rss for p in _live_owned(state, rs)]
        failed = _has_condition(d.status, "ReplicaFailure") or any(
            _has_condition(rs.status, "ReplicaFailure") for rs in rss)
        if failed or _unschedulable(pods, state) is not None or _quota_full(state, d):
            continue
        new_rs = deployment.find_new_replica_set(d, rss)
        new = 0 if new_rs is None else len(_live_owned(state, new_rs))
        old = len(pods) - new
        if new != d.spec.replicas or old:
            messages.append(f"Deployment {d.namespace}/{d.name} wants {d.spec.replicas} replicas of its current "
                            f"template but has {new} (and {old} of older templates)")
    return messages


@liveness(
    "daemonsets-converge",
    "Every DaemonSet ends with exactly one live pod on each node that should run it (its node selector, affinity "
    "and taints allow it), at most one where a pod already running may stay (only a NoSchedule taint it does not "
    "tolerate) "
    "and none on any other node (judged by the DaemonSet docs' rules, not the controller's predicate).",
    "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
)
def daemonsets_converge(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    nodes = state.store.list("Node")
    for ds in _standing(state, "DaemonSet"):
        on_node: dict[str, int] = {}
        unbound: dict[str, int] = {}
        for pod in _live_owned(state, ds):
            target = pod_target_node(pod) or ""
            on_node[target] = on_node.get(target, 0) + 1
            unbound[target] = unbound.get(target, 0) + (not pod.spec.node_name)
        for node in nodes:
            should_run, may_stay = daemon_placement(ds, node)
            count = on_node.get(node.name, 0)
            if count > 1 or (should_run and count == 0) or (not may_stay and count) or \
                    (not should_run and unbound.get(node.name, 0)):
                wanted = "should run 1" if should_run else "may keep 1" if may_stay else "should run none"
                messages.append(f"DaemonSet {ds.namespace}/{ds.name} has {count} live pods for node {node.name}, "
                                f"which {wanted}")
    return messages


@liveness(
    "jobs-finish",
    "Every Job that is not suspended ends Complete or Failed (unless one of its pods cannot be scheduled, or a "
    "full quota or a LimitRange refuses one).",
    "https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup",
)
def jobs_finish(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for j in _standing(state, "Job"):
        if j.spec.suspend or _has_condition(j.status, "Complete") or _has_condition(j.status, "Failed") or \
                _quota_full(state, j):
            continue
        if _unschedulable(_owned(state, "Pod", j), state) is None:
            messages.append(f"Job {j.namespace}/{j.name} has neither completed nor failed "
                            f"({j.status.succeeded or 0} succeeded, {j.status.active or 0} active)")
    return messages


@liveness(
    "statefulsets-converge",
    "Every StatefulSet ends with pods of ordinals 0..replicas-1, each Running and Ready, and no other live member "
    "(unless one of its pods cannot be scheduled, or admission refuses one: a full quota or a LimitRange).",
    "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees",
)
def statefulsets_converge(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for sts in _standing(state, "StatefulSet"):
        pods = _live_owned(state, sts)
        if _unschedulable(pods, state) is not None or _quota_full(state, sts):
            continue
        wanted = {f"{sts.name}-{k}" for k in range(sts.spec.replicas)}
        ready = {p.name for p in pods if p.status.phase == "Running" and _has_condition(p.status, "Ready")}
        extra = sorted({p.name for p in pods} - wanted)
        if ready != wanted or extra:
            messages.append(f"StatefulSet {sts.namespace}/{sts.name} has ready {sorted(ready)} (wants "
                            f"{sorted(wanted)}; others live: {extra})")
    return messages
