"""What rollouts and placement guarantee beyond single objects: a Deployment's own scale-downs keep enough pods
available, and no component puts a pod on a node whose taints it does not tolerate."""

from __future__ import annotations

from typing import Any

from model.config import ModelConfig
from model.controllers.base import Reconcile
from model.controllers.replicaset import is_pod_available
from model.rollout import DESIRED_REPLICAS_ANNOTATION, max_unavailable, replicas_annotation
from model.state import ClusterState
from model.taints import NO_EXECUTE, NO_SCHEDULE, Taint, first_untolerated
from properties.registry import step_property


def _available(state: ClusterState, deployment: Any) -> int:
    """Available pods the Deployment's ReplicaSets keep: each ReplicaSet counts at most its spec.replicas."""
    total = 0
    for rs in state.store.list("ReplicaSet", deployment.namespace):
        ref = rs.metadata.controller_ref()
        if ref is None or ref.uid != deployment.metadata.uid:
            continue
        pods = [p for p in state.store.list("Pod", rs.namespace)
                if (owner := p.metadata.controller_ref()) is not None and owner.uid == rs.metadata.uid
                and p.metadata.deletion_timestamp is None
                and is_pod_available(p, deployment.spec.min_ready_seconds, state.time)]
        total += min(rs.spec.replicas, len(pods))
    return total


def scaling_event(deployment: Any, replica_sets: Any) -> bool:
    """Whether a sync of ``deployment`` seeing ``replica_sets`` is a scaling event (pkg/controller/deployment/
    sync.go ``isScalingEvent``): an active ReplicaSet it controls records a desired-replicas annotation other than
    spec.replicas. Such a sync (and a paused Deployment's) runs ``sync``/``scale``, not a rollout."""
    for rs in replica_sets:
        ref = rs.metadata.controller_ref()
        if ref is None or ref.uid != deployment.metadata.uid or rs.spec.replicas <= 0:
            continue
        desired = replicas_annotation(rs.metadata.annotations.get(DESIRED_REPLICAS_ANNOTATION))
        if desired is not None and desired != deployment.spec.replicas:
            return True
    return False


@step_property(
    "deployment-keeps-min-available",
    "A Deployment's rollout steps (syncs that are neither a scaling event nor of a paused Deployment, as the "
    "controller saw it) never take its available pods below replicas - maxUnavailable. Proportional scaling after "
    "a change of spec.replicas promises nothing about availability (upstream sync.go scale; kubernetes#23885).",
    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-unavailable",
)
def deployment_min_available(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    action = step.action
    if not isinstance(action, Reconcile) or action.controller != "deployment-controller":
        return []
    deployment = after.store.get("Deployment", *action.key)
    if deployment is None or deployment.metadata.deletion_timestamp is not None:
        return []
    cache = before.informer(action.controller).cache
    seen = cache.get("Deployment", *action.key)
    if seen is None or seen.spec.paused or scaling_event(seen, cache.list("ReplicaSet", seen.namespace)):
        return []
    minimum = deployment.spec.replicas - max_unavailable(deployment)
    was, now = _available(before, deployment), _available(after, deployment)
    if now < minimum and now < was:
        return [f"Deployment {deployment.namespace}/{deployment.name} scaled its ReplicaSets down to {now} "
                f"available pods (from {was}); replicas {deployment.spec.replicas} with maxUnavailable "
                f"{max_unavailable(deployment)} needs at least {minimum}"]
    return []


@step_property(
    "pods-placed-only-where-tolerated",
    "No pod is created already bound to a node whose NoSchedule/NoExecute taints it does not tolerate (or to a "
    "cordoned node, unless it tolerates node.kubernetes.io/unschedulable).",
    "https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/",
)
def pods_placed_where_tolerated(before: ClusterState, step: Any, after: ClusterState,
                                config: ModelConfig) -> list[str]:
    messages = []
    for response in step.result.responses:
        pod = response.object
        if response.reason != "Created" or getattr(pod, "kind", None) != "Pod" or not pod.spec.node_name:
            continue
        if before.store.get("Pod", pod.namespace, pod.name) is not None:
            continue  # a binding of an existing pod: scheduled-pods-fit-their-node covers the scheduler
        node = before.store.get("Node", None, pod.spec.node_name)
        if node is None:
            continue
        taints = node.taints
        if node.spec.unschedulable:
            taints = (*taints, Taint(key="node.kubernetes.io/unschedulable", effect=NO_SCHEDULE))
        taint = first_untolerated(taints, pod.spec.tolerations, lambda t: t.effect in (NO_SCHEDULE, NO_EXECUTE))
        if taint is not None:
            messages.append(f"pod {pod.namespace}/{pod.name} was created on node {node.name} despite its taint "
                            f"{taint}")
    return messages
