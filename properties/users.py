"""What users do during exploration: scale workloads, roll out a new image, delete a pod, change a container's load.

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
from model.controllers.hpa import target_selector
from model.load import LoadChange
from model.state import ClusterState

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


def user_actions(state: ClusterState) -> Iterator[Submit | LoadChange]:
    """The user's possible next commands, in a fixed order."""
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
    yield from load_changes(state)


def load_changes(state: ClusterState) -> Iterator[LoadChange]:
    """Traffic: the load of a running container of a workload some HorizontalPodAutoscaler scales, or of a pod that
    declares a load profile (``kubeproof.io/load``), moves to another level (:mod:`model.load`)."""
    seen: set[str] = set()
    for hpa in state.store.list("HorizontalPodAutoscaler"):
        ref = hpa.spec.scale_target_ref
        target = state.store.get(ref.kind, hpa.namespace, ref.name) if ref.kind in SCALABLE else None
        if target is None:
            continue
        selector = target_selector(target)
        for pod in state.store.list("Pod", hpa.namespace):
            if selector.matches(pod.labels) and pod.metadata.uid not in seen:
                seen.add(pod.metadata.uid or "")
                yield from load.changes(state, pod)
    for pod in state.store.list("Pod"):
        if pod.metadata.uid not in seen and load.LOAD_ANNOTATION in pod.metadata.annotations:
            yield from load.changes(state, pod)
