"""What the HorizontalPodAutoscaler guarantees: it scales its target only within [minReplicas, maxReplicas]."""

from __future__ import annotations

from typing import Any

from model.config import ModelConfig
from model.controllers.base import Reconcile
from model.controllers.hpa import NAME
from model.state import ClusterState
from properties.registry import step_property


@step_property(
    "hpa-replicas-within-bounds",
    "Every scale a HorizontalPodAutoscaler writes to its target is within [minReplicas, maxReplicas].",
    "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details",
)
def hpa_replicas_within_bounds(before: ClusterState, step: Any, after: ClusterState,
                               config: ModelConfig) -> list[str]:
    action = step.action
    if not isinstance(action, Reconcile) or action.controller != NAME:
        return []
    hpa = before.store.get("HorizontalPodAutoscaler", *action.key)
    if hpa is None:
        return []
    ref = hpa.spec.scale_target_ref
    messages = []
    for event in step.result.events:
        obj = event.object
        if (obj.kind, obj.namespace, obj.name) != (ref.kind, hpa.namespace, ref.name):
            continue
        replicas = obj.spec.replicas
        if not hpa.spec.min_replicas <= replicas <= hpa.spec.max_replicas:
            messages.append(f"HorizontalPodAutoscaler {hpa.namespace}/{hpa.name} scaled {ref.kind} {ref.name} to "
                            f"{replicas}, outside [{hpa.spec.min_replicas}, {hpa.spec.max_replicas}]")
    return messages
