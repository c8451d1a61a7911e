"""What users do during exploration: scale workloads, roll out a new image, delete a pod, change a container's load.
The user also drains a node (``kubectl drain``, ``model.maintenance``): one command, after which the drain runs on as
a client process (its evictions, retries and the final uncordon are not further commands). An administrator's drain
outside the user's control is the ``node-drain`` disruption, which a CheckSpec budgets.

Each user action is a ``Submit`` of the request ``kubectl`` would send (``kubectl scale``,
``kubectl set image``, ``kubectl delete pod``), as the cluster administrator. They are offered only while
the scenario's user budget lasts, so that runs end with the cluster left to its controllers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model import load
from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.load import LoadChange, TrafficChange
from model.maintenance import user_drains
from model.state import ClusterState
from properties.environment import environment_actions

SCALABLE = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet")
MAX_REPLICAS = 4


def _scaled(obj: Any, replicas: int) -> Any:
    return attrs.evolve(obj, spec=attrs.evolve(obj.spec, replicas=replicas))


def _new_image(obj: Any) -> Any:
    """``kubectl set image``: the first container's image gets a new tag (``:v2``, ``:v3``, ...)."""
    template = obj.spec.template
    first = template.spec.containers[0]
    name, _, tag = (first.image or "image").partition(":")
    version = int(tag[1:]) + 1 if tag.startswith("v") and tag[1:].isdigit() else 2
    container = attrs.evolve(first, image=f"{name}:v{version}")
    spec = attrs.evolve(template.spec, containers=(container, *template.spec.containers[1:]))
    return attrs.evolve(obj, spec=attrs.evolve(obj.spec, template=attrs.evolve(template, spec=spec)))


def user_actions(state: ClusterState) -> Iterator[Any]:
    """The user's possible next commands, then the environment's further moves (``properties.environment``), in a
    fixed order."""
    for kind in SCALABLE:
        for obj in state.store.list(kind):
            if obj.metadata.deletion_timestamp is not None:
                continue
            replicas = obj.spec.replicas
            if replicas < MAX_REPLICAS:
                yield Submit(rq.Update(ADMIN, _scaled(obj, replicas + 1)))
            if replicas > 0:
                yield Submit(rq.Update(ADMIN, _scaled(obj, replicas - 1)))
            if kind in ("Deployment", "StatefulSet"):
                yield Submit(rq.Update(ADMIN, _new_image(obj)))
    for pod in state.store.list("Pod"):
        if pod.metadata.deletion_timestamp is None and pod.metadata.owner_references:
            yield Submit(rq.Delete(ADMIN, "Pod", pod.namespace, pod.name))
    yield from user_drains(state)
    yield from load_changes(state)
    yield from environment_actions(state)


def load_changes(state: ClusterState) -> Iterator[LoadChange | TrafficChange]:
    """Traffic: the load of the workloads HorizontalPodAutoscalers scale changes, for the resources their metrics
    read (one action per workload); a pod that declares a load profile (``kubeproof.io/load``) changes its own
    containers' load (:mod:`model.load`)."""
    for hpa in state.store.list("HorizontalPodAutoscaler"):
        ref = hpa.spec.scale_target_ref
        if ref.kind not in SCALABLE:
            continue
        resources = sorted({m.resource.name if m.type == "Resource" else m.container_resource.name
                            for m in hpa.spec.metrics if m.type in ("Resource", "ContainerResource")})
        yield from load.traffic_changes(state, hpa.namespace, ref.kind, ref.name, resources)
    for pod in state.store.list("Pod"):
        if load.LOAD_ANNOTATION in pod.metadata.annotations:
            yield from load.changes(state, pod)
