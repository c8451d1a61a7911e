"""What users do during exploration: scale workloads, roll out a new image, delete a pod, change a container's load.
The user also drains a node (``kubectl drain``, ``model.maintenance``): one command, after which the drain runs on as
a client process (its evictions, retries and the final uncordon are not further commands). An administrator's drain
outside the user's control is the ``node-drain`` disruption, which a CheckSpec budgets.

Each user action is a ``Submit`` of the request ``kubectl`` would send (``kubectl scale``,
``kubectl set image``, ``kubectl delete pod``), as the cluster administrator. They are offered only while
the scenario's user budget lasts, so that runs end with the cluster left to its controllers.

The explorer draws the user's next move by kind (:func:`by_kind`): first a kind of move, each equally likely, then
one move of that kind. Drawn from the flat list, a move offered once per object (scale a StatefulSet, delete with a
stale precondition, a Job's container exiting 1) was one draw among ~140 and a run's budget of three rarely reached
it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
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


def move_kind(state: ClusterState, action: Any, owners: dict[Any, str]) -> Hashable:
    """What kind of move ``action`` is, from what it does rather than which object it names: a request's verb, the
    kind of its object, whether the cluster administrator or another user sends it and whether it carries a
    resourceVersion precondition, current or stale; any other action's type and exit code (if it has one); and, for
    a move on a pod, the kind of the pod's controller (``owners``: by pod key and by uid), so that a Job's pod and a
    Deployment's are different kinds of target; for an update of another object, the spec fields it changes. An
    action added later gets a kind of its own with no change here."""
    if isinstance(action, Submit):
        request = action.request
        obj = getattr(request, "object", None)
        kind = obj.kind if obj is not None else getattr(request, "kind", None)
        target = obj.metadata if obj is not None else request
        key = (getattr(target, "namespace", None), getattr(target, "name", None))
        version = getattr(request, "precondition_resource_version", None)
        if version is not None:
            current = state.store.get(kind, *key)
            version = "current" if current is not None and current.metadata.resource_version == version else "stale"
        owner = owners.get(key, "") if kind == "Pod" else _changed(state.store.get(kind, *key), obj)
        return type(request).__name__, kind, owner, request.user == ADMIN, version
    return type(action).__name__, getattr(action, "exit_code", None), owners.get(getattr(action, "uid", None), "")


def _changed(current: Any, obj: Any) -> tuple[str, ...]:
    """The spec fields an update of ``current`` to ``obj`` changes (a scale changes ``replicas``, ``kubectl set
    image`` the ``template``): different kinds of edit of one kind of object."""
    spec, new = getattr(current, "spec", None), getattr(obj, "spec", None)
    if not (attrs.has(type(spec)) and type(new) is type(spec)):
        return ()
    return tuple(f.name for f in attrs.fields(type(spec)) if getattr(spec, f.name) != getattr(new, f.name))


def by_kind(state: ClusterState, actions: Sequence[Any]) -> list[list[Any]]:
    """``actions`` grouped by :func:`move_kind`, groups and moves in the order given."""
    owners: dict[Any, str] = {}
    for pod in state.store.list("Pod"):
        ref = pod.metadata.controller_ref()
        owner = ref.kind if ref is not None else "none"
        owners[(pod.namespace, pod.name)] = owners[pod.metadata.uid] = owner
    groups: dict[Hashable, list[Any]] = {}
    for action in actions:
        groups.setdefault(move_kind(state, action, owners), []).append(action)
    return list(groups.values())


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
