"""What rollouts and placement guarantee beyond single objects: a Deployment's own scale-downs keep enough pods
available, and no component puts a pod on a node whose taints it does not tolerate."""

from __future__ import annotations

from typing import Any

from model.config import ModelConfig
from model.controllers.base import Reconcile
from model.rollout import DESIRED_REPLICAS_ANNOTATION, replicas_annotation
from model.state import ClusterState
from model.taints import NO_EXECUTE, NO_SCHEDULE, Taint, first_untolerated
from properties.registry import step_property


def _ready_since(pod: Any) -> int | None:
    condition = pod.status.condition("Ready")
    if condition is None or condition.status != "True":
        return None
    return condition.last_transition_time if isinstance(condition.last_transition_time, int) else 0


def _available(state: ClusterState, deployment: Any) -> int:
    """Available pods the Deployment's ReplicaSets keep, each counting at most its spec.replicas: a pod is
    available once Ready for minReadySeconds (#min-ready-seconds)."""
    total = 0
    for rs in state.store.list("ReplicaSet", deployment.namespace):
        ref = rs.metadata.controller_ref()
        if ref is None or ref.uid != deployment.metadata.uid:
            continue
        pods = [p for p in state.store.list("Pod", rs.namespace)
                if (owner := p.metadata.controller_ref()) is not None and owner.uid == rs.metadata.uid
                and p.metadata.deletion_timestamp is None and (since := _ready_since(p)) is not None
                and (deployment.spec.min_ready_seconds == 0 or since + deployment.spec.min_ready_seconds < state.time)]
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


def _scaled(value: int | str | None, default: str, replicas: int, round_up: bool) -> int:
    """An absolute number, or a percentage of replicas (#max-surge rounds up, #max-unavailable rounds down)."""
    value = default if value is None else value
    if isinstance(value, int):
        return value
    percent = int(str(value).rstrip("%"))
    return -(-percent * replicas // 100) if round_up else percent * replicas // 100


def allowed_unavailable(deployment: Any) -> int:
    """#max-unavailable: maxUnavailable (default 25%, rounded down) of replicas; it cannot be 0 when maxSurge is 0
    (a percentage that rounds both to 0 leaves 1, so the rollout can progress); all pods under Recreate."""
    replicas, strategy = deployment.spec.replicas, deployment.spec.strategy
    if strategy.type != "RollingUpdate":
        return replicas
    surge = _scaled(strategy.max_surge, "25%", replicas, True)
    unavailable = _scaled(strategy.max_unavailable, "25%", replicas, False)
    return min(replicas, 1 if surge == 0 and unavailable == 0 else unavailable)


def _status_lags(deployment: Any, replica_sets: Any) -> bool:
    """Whether a ReplicaSet of ``deployment`` (as the controller saw it) reports more available pods than it now
    wants: its status has not caught up with a scale-down. Upstream's rollout (pkg/controller/deployment/rolling.go
    ``reconcileOldReplicaSets``, ``scaleDownOldReplicaSetsForRollingUpdate``) counts available pods from
    ``status.availableReplicas`` (``deploymentutil.GetAvailableReplicaCountForReplicaSets``), so such a sync may scale
    the old ReplicaSets below the minimum: a finding, not a model bug."""
    for rs in replica_sets:
        ref = rs.metadata.controller_ref()
        owned = ref is not None and ref.uid == deployment.metadata.uid
        if owned and (rs.status.available_replicas or 0) > rs.spec.replicas:
            return True
    return False


@step_property(
    "deployment-keeps-min-available",
    "A Deployment's rollout steps (syncs that are neither a scaling event nor of a paused Deployment, as the "
    "controller saw it) never take its available pods below replicas - maxUnavailable (judged with the docs' "
    "rounding rules and availability, not the rollout module's arithmetic). Proportional scaling after a change of "
    "spec.replicas promises nothing about availability (upstream sync.go scale; kubernetes#23885); nor does a sync "
    "that counts a ReplicaSet's available pods from a status not yet caught up with its scale-down (upstream "
    "rolling.go counts status.availableReplicas; see the README's findings).",
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
    seen_sets = cache.list("ReplicaSet", seen.namespace) if seen is not None else ()
    if seen is None or seen.spec.paused or scaling_event(seen, seen_sets) or _status_lags(seen, seen_sets):
        return []
    allowed = allowed_unavailable(deployment)
    minimum = deployment.spec.replicas - allowed
    was, now = _available(before, deployment), _available(after, deployment)
    if now < minimum and now < was:
        return [f"Deployment {deployment.namespace}/{deployment.name} scaled its ReplicaSets down to {now} "
                f"available pods (from {was}); replicas {deployment.spec.replicas} with maxUnavailable "
                f"{allowed} needs at least {minimum}"]
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
