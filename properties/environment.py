"""What else the world does to a cluster during exploration, beyond ``properties.users``' scale/edit/delete: an
administrator deletes a namespace, edits a quota, a LimitRange, an RBAC binding or a Service's selector, scales a
StatefulSet to zero, suspends or resumes a Job; users
without cluster-admin rights issue the same kubectl commands (and are refused where RBAC grants them nothing); a
client re-creates a pod that exists or deletes one with a resourceVersion precondition; a container's readiness
probe fails (it recovers by itself: the kubelet offers the success), and a running container exits on its own with
a chosen code.

Each is offered with the user's commands, under the same budget, in a fixed order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, user
from model.controllers.job import is_job_finished
from model.kubelet.component import ContainerBecomesUnready, ContainerExit
from model.objects.meta import ObjectMeta
from model.objects.pod import PodStatus
from model.quantity import Quantity, parse_quantity
from model.state import ClusterState

PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
"""Namespaces the API server refuses to delete (NamespaceLifecycle), not worth the explorer's draws."""
USERS = (user("alice"), user("bob"), user("carol", "oncall"))
"""The example's people: alice edits workloads in ``dev``, bob in ``test``; carol, on call, may only read pods in
``prod`` (get, list, watch: not delete); each is refused elsewhere."""
EXIT_CODES = (0, 1)
EDITED = "track"
"""The label a Service selector edit adds (and the next edit removes)."""
MAX_CPU = "1"


def _live(obj: Any) -> bool:
    return obj.metadata.deletion_timestamp is None


def _admin_edits(state: ClusterState) -> Iterator[Submit]:
    """Namespace deletion, quota tightening and loosening, a LimitRange max toggled, RBAC bindings deleted, Service
    selectors narrowed and widened, all as the cluster administrator."""
    for ns in state.store.list("Namespace"):
        if ns.name not in PROTECTED_NAMESPACES and _live(ns):
            yield Submit(rq.Delete(ADMIN, "Namespace", None, ns.name))
    for quota in state.store.list("ResourceQuota"):
        used, hard = quota.status.used.get("pods"), quota.spec.hard.get("pods")
        if used is None or hard is None:
            continue
        for pods in {used, hard + Quantity.from_int(2)} - {hard}:  # full now, or room for two more
            spec = attrs.evolve(quota.spec, hard=quota.spec.hard.set("pods", pods))
            yield Submit(rq.Update(ADMIN, attrs.evolve(quota, spec=spec)))
    for limit_range in state.store.list("LimitRange"):
        items = limit_range.spec.limits
        if items and items[0].type == "Container":
            first = items[0]
            maximum = first.max.discard("cpu") if "cpu" in first.max else first.max.set("cpu", parse_quantity(MAX_CPU))
            spec = attrs.evolve(limit_range.spec, limits=(attrs.evolve(first, max=maximum), *items[1:]))
            yield Submit(rq.Update(ADMIN, attrs.evolve(limit_range, spec=spec)))
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for binding in state.store.list(kind):
            if not binding.name.startswith(("system:", "kubeadm:", "cluster-admin")):
                yield Submit(rq.Delete(ADMIN, kind, binding.namespace if kind == "RoleBinding" else None,
                                       binding.name))
    for service in state.store.list("Service"):
        selector = service.spec.selector
        if selector:
            edited = selector.discard(EDITED) if EDITED in selector else selector.set(EDITED, "canary")
            yield Submit(rq.Update(ADMIN, attrs.evolve(service, spec=attrs.evolve(service.spec, selector=edited))))


def _workload_commands(state: ClusterState) -> Iterator[Submit]:
    """The administrator scales a StatefulSet to zero (``kubectl scale --replicas=0``: its pods go, highest ordinal
    first) and suspends an unfinished Job or resumes a suspended one (``kubectl patch job --patch
    '{"spec":{"suspend":...}}'``, https://kubernetes.io/docs/concepts/workloads/controllers/job/#suspending-a-job)."""
    for sts in state.store.list("StatefulSet"):
        if _live(sts) and sts.spec.replicas > 1:
            yield Submit(rq.Update(ADMIN, attrs.evolve(sts, spec=attrs.evolve(sts.spec, replicas=0))))
    for job in state.store.list("Job"):
        if _live(job) and not is_job_finished(job):
            spec = attrs.evolve(job.spec, suspend=not job.spec.suspend)
            yield Submit(rq.Update(ADMIN, attrs.evolve(job, spec=spec)))


def _users_commands(state: ClusterState) -> Iterator[Submit]:
    """alice, bob and carol scale every ReplicaSet, Deployment and StatefulSet up by one, and delete an owned pod of
    each namespace: allowed only where a binding grants it."""
    for kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        for obj in state.store.list(kind):
            if _live(obj):
                scaled = attrs.evolve(obj, spec=attrs.evolve(obj.spec, replicas=obj.spec.replicas + 1))
                yield from (Submit(rq.Update(who, scaled)) for who in USERS)
    first: dict[str, Any] = {}
    for pod in state.store.list("Pod"):
        if _live(pod) and pod.metadata.owner_references:
            first.setdefault(pod.namespace, pod)
    for pod in first.values():
        yield from (Submit(rq.Delete(who, "Pod", pod.namespace, pod.name)) for who in USERS)


def _client_requests(state: ClusterState) -> Iterator[Submit]:
    """A second ``kubectl create -f`` of a standalone pod that is still there (refused: AlreadyExists), and a
    client's delete of an owned pod with a resourceVersion precondition (client-go ``DeleteOptions.Preconditions``),
    once with the version it holds and once with an older read (refused: Conflict)
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#conflicts)."""
    for pod in state.store.list("Pod"):
        if _live(pod) and not pod.metadata.owner_references:
            meta = ObjectMeta(name=pod.name, namespace=pod.namespace, labels=pod.metadata.labels)
            spec = attrs.evolve(pod.spec, node_name=None)
            yield Submit(rq.Create(ADMIN, attrs.evolve(pod, metadata=meta, spec=spec, status=PodStatus())))
            break
    pod = next((p for p in state.store.list("Pod") if _live(p) and p.metadata.owner_references), None)
    if pod is not None:
        version = int(pod.metadata.resource_version)
        for held in (version, version - 1):
            yield Submit(rq.Delete(ADMIN, "Pod", pod.namespace, pod.name, precondition_resource_version=str(held)))


def _runtime_events(state: ClusterState) -> Iterator[Any]:
    """A running container exits with each chosen code; a ready container with a readiness probe fails it."""
    for node, runtime in sorted(state.nodes.items()):
        if not (runtime.up and runtime.reachable):
            continue
        for uid, pod_runtime in sorted(runtime.pods.items()):
            pod = state.store.get("Pod", pod_runtime.namespace, pod_runtime.name)
            if pod is None or pod.metadata.uid != uid or pod_runtime.killed:
                continue
            probed = {c.name for c in pod.spec.containers if c.readiness_probe is not None}
            for container in pod_runtime.containers:
                if not container.running:
                    continue
                yield from (ContainerExit(node, uid, container.name, code) for code in EXIT_CODES)
                if container.name in probed and container.ready:
                    yield ContainerBecomesUnready(node, uid, container.name)


def environment_actions(state: ClusterState) -> Iterator[Any]:
    """Every further move of the environment, in a fixed order."""
    yield from _admin_edits(state)
    yield from _workload_commands(state)
    yield from _users_commands(state)
    yield from _client_requests(state)
    yield from _runtime_events(state)

