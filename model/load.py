"""Load: each container's CPU and memory usage, part of the environment the model explores, and what it causes.

A container's usage of a resource is one of a few levels: ``idle`` (nothing), ``request`` (what it requests),
``limit`` (its limit, or its request without one) and ``over`` (a quarter above that). CPU is throttled at the limit
(CFS quota), so a CPU-limited container never goes ``over``; memory over the limit is an OOM kill: the kernel kills
the container (exit code 137, reason ``OOMKilled``) and the kubelet restarts it as its restartPolicy says
(https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run,
https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-container-s-memory-limit).

The level lives with the container on its node (``ContainerRuntime.cpu_load``/``memory_load``, None: idle); a
container starts at its pod's declared profile, the ``kubeproof.io/load`` annotation of the pod (from its template),
e.g. ``cpu=request,memory=idle`` (:mod:`model.loadprofile`), and ``idle`` for a resource it does not name.
:class:`LoadChange` moves one container to another level, :class:`TrafficChange` every container of a workload's
pods (the user's actions, offered by ``properties.users`` within the run's user budget).

With the ``node-overload`` fault a node whose running containers use at least ``OVERLOAD_THRESHOLD`` of its
allocatable CPU may fail (Kivi's "kernel panic": a node goes down when free CPU falls to 2% or below, and recovers
later); a node's ``kubeproof.io/overload-threshold`` annotation (a fraction) overrides the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from model.component import Component, Step, by_inputs
from model.config import ModelConfig
from model.kubelet import component as kubelet
from model.kubelet.runtime import ContainerRuntime, PodRuntime
from model.loadprofile import IDLE, LEVELS, LIMIT, LOAD_ANNOTATION, OVER, REQUEST, RESOURCES, declared
from model.objects import Node, Pod
from model.objects.pod import Container
from model.state import ClusterState

__all__ = ["IDLE", "LEVELS", "LIMIT", "LOAD_ANNOTATION", "OVER", "REQUEST", "RESOURCES", "declared"]

OVERLOAD_ANNOTATION = "kubeproof.io/overload-threshold"
OVERLOAD_THRESHOLD = 0.98
NODE_OVERLOAD = "node-overload"
OOM_EXIT_CODE = 137
"""128 + SIGKILL."""


def level(pod: Pod | None, container: ContainerRuntime, resource: str) -> str:
    """The container's current level of ``resource`` (it started at its pod's declared profile)."""
    chosen = container.cpu_load if resource == "cpu" else container.memory_load
    return chosen or IDLE


def usage(spec: Container, level_: str, resource: str) -> int:
    """What a container at ``level_`` uses of ``resource``, in milli-units."""
    request = spec.resources.requests.get(resource)
    limit = spec.resources.limits.get(resource)
    requested = 0 if request is None else request.milli
    ceiling = requested if limit is None else limit.milli
    if level_ == IDLE:
        return 0
    if level_ == REQUEST:
        return requested
    if level_ == LIMIT:
        return ceiling
    over = ceiling * 5 // 4
    return min(over, ceiling) if resource == "cpu" and limit is not None else over


def over_memory_limit(spec: Container, container: ContainerRuntime, pod: Pod | None) -> bool:
    """The running container uses more memory than its limit."""
    limit = spec.resources.limits.get("memory")
    return container.running and limit is not None and usage(spec, level(pod, container, "memory"),
                                                             "memory") > limit.milli


def _specs(pod: Pod) -> dict[str, Container]:
    return {c.name: c for c in (*pod.spec.init_containers, *pod.spec.containers)}


def node_pods(state: ClusterState, node: str) -> Iterator[tuple[Pod, PodRuntime]]:
    """The pods running on ``node`` with the spec its kubelet knows them by (its informer's cache)."""
    informer = state.informers.get(kubelet.informer_name(node))
    if informer is None:
        return
    by_uid = {p.metadata.uid: p for p in informer.cache.list("Pod")}
    for uid, runtime in sorted(state.nodes[node].pods.items()):
        pod = by_uid.get(uid)
        if pod is not None:
            yield pod, runtime


def container_usage(pod: Pod, runtime: PodRuntime) -> dict[str, dict[str, int]]:
    """Each running container's usage: container name -> resource -> milli-units (what cAdvisor reports)."""
    specs = _specs(pod)
    return {c.name: {r: usage(specs[c.name], level(pod, c, r), r) for r in RESOURCES}
            for c in (*runtime.init_containers, *runtime.containers) if c.running and c.name in specs}


def node_usage(state: ClusterState, node: str) -> dict[str, int]:
    total = dict.fromkeys(RESOURCES, 0)
    for pod, runtime in node_pods(state, node):
        for used in container_usage(pod, runtime).values():
            for resource in RESOURCES:
                total[resource] += used[resource]
    return total


def overloaded(state: ClusterState, node: Node) -> bool:
    """The node's running containers use at least its threshold of its allocatable CPU."""
    allocatable = node.allocatable.get("cpu")
    if allocatable is None or allocatable.milli == 0:
        return False
    threshold = float(node.metadata.annotations.get(OVERLOAD_ANNOTATION, OVERLOAD_THRESHOLD))
    return node_usage(state, node.name)["cpu"] >= threshold * allocatable.milli


@attrs.frozen
class LoadChange:
    """The load of one container of a running pod moves to ``level`` for ``resource`` (user side: traffic)."""

    node: str
    uid: str
    container: str
    resource: str
    level: str

    def describe(self) -> str:
        return f"{self.resource} load of container {self.container} of pod {self.uid} on {self.node} goes to " \
               f"{self.level}"


@attrs.frozen
class TrafficChange:
    """The traffic a workload serves changes: the ``resource`` load of every running container of the pods the
    workload selects moves to ``level`` (user side; one action instead of one per container)."""

    namespace: str
    kind: str
    name: str
    resource: str
    level: str

    def describe(self) -> str:
        return f"{self.resource} load of {self.kind} {self.namespace}/{self.name} goes to {self.level}"


@attrs.frozen
class OOMKill:
    """The kernel's OOM killer kills a container using more memory than its limit."""

    node: str
    uid: str
    container: str

    def describe(self) -> str:
        return f"container {self.container} of pod {self.uid} on {self.node} is OOM-killed"


@attrs.frozen
class OverloadNode:
    """Fault (``node-overload``): an overloaded node fails (as :class:`model.kubelet.component.CrashNode`)."""

    node: str

    def describe(self) -> str:
        return f"node {self.node} fails under load"


def changes(state: ClusterState, pod: Pod) -> Iterator[LoadChange]:
    """Every level change one of ``pod``'s running containers may undergo (``over`` only where the runtime lets a
    container exceed its ceiling: memory, or CPU without a limit)."""
    node = pod.spec.node_name
    runtime = state.nodes.get(node or "")
    pod_runtime = None if runtime is None or not runtime.up else runtime.pod(pod.metadata.uid or "")
    if pod_runtime is None:
        return
    specs = _specs(pod)
    for container in (*pod_runtime.init_containers, *pod_runtime.containers):
        if not container.running or container.name not in specs:
            continue
        spec = specs[container.name]
        for resource in RESOURCES:
            current = level(pod, container, resource)
            for target in LEVELS:
                if target == current:
                    continue
                if target == OVER and resource == "cpu" and "cpu" in spec.resources.limits:
                    continue
                yield LoadChange(node or "", pod.metadata.uid or "", container.name, resource, target)


def workload_pods(state: ClusterState, namespace: str, kind: str, name: str) -> list[Pod]:
    """The pods a workload's selector selects (none for a workload that does not exist)."""
    from model.controllers.hpa import target_selector
    workload = state.store.get(kind, namespace, name)
    if workload is None:
        return []
    selector = target_selector(workload)
    return [p for p in state.store.list("Pod", namespace) if selector.matches(p.labels)]


def traffic_changes(state: ClusterState, namespace: str, kind: str, name: str,
                    resources: Iterable[str]) -> Iterator[TrafficChange]:
    """The levels the workload's traffic may move to: any other than the one all its running containers share."""
    pods = workload_pods(state, namespace, kind, name)
    for resource in resources:
        reachable = {change.level for pod in pods for change in changes(state, pod) if change.resource == resource}
        for target in LEVELS:
            if target in reachable:
                yield TrafficChange(namespace, kind, name, resource, target)


def _enabled(state: ClusterState, config: ModelConfig) -> Iterator[Any]:
    """OOM kills of running containers over their memory limit (only a container at ``over`` can be), and with the
    ``node-overload`` fault, overloaded nodes failing."""
    for node, runtime in sorted(state.nodes.items()):
        if not runtime.up:
            continue
        for uid, pod_runtime in sorted(runtime.pods.items()):
            for container in (*pod_runtime.init_containers, *pod_runtime.containers):
                if container.memory_load != OVER or not container.running:
                    continue
                pod = state.informer(kubelet.informer_name(node)).cache.get("Pod", pod_runtime.namespace,
                                                                             pod_runtime.name)
                spec = None if pod is None else _specs(pod).get(container.name)
                if spec is not None and over_memory_limit(spec, container, pod):
                    yield OOMKill(node, uid, container.name)
        if NODE_OVERLOAD in config.faults:
            node_object = state.store.get("Node", None, node)
            if node_object is not None and overloaded(state, node_object):
                yield OverloadNode(node)


def _with_container(state: ClusterState, node: str, uid: str, name: str, change: Any) -> ClusterState:
    runtime = state.nodes[node]
    pod = runtime.pod(uid)
    return state.with_node(node, runtime.with_pod(pod.with_container(change(pod.container(name)))))


def _apply(state: ClusterState, action: Any, config: ModelConfig) -> Step:
    if isinstance(action, LoadChange):
        field = "cpu_load" if action.resource == "cpu" else "memory_load"
        return Step(_with_container(state, action.node, action.uid, action.container,
                                    lambda c: attrs.evolve(c, **{field: action.level})))
    if isinstance(action, TrafficChange):
        for pod in workload_pods(state, action.namespace, action.kind, action.name):
            for change in changes(state, pod):
                if change.resource == action.resource and change.level == action.level:
                    state = _apply(state, change, config).state
        return Step(state)
    if isinstance(action, OOMKill):
        # The process dies; its replacement starts from the pod's declared profile.
        pod_runtime = state.nodes[action.node].pod(action.uid)
        pod = state.informer(kubelet.informer_name(action.node)).cache.get("Pod", pod_runtime.namespace,
                                                                            pod_runtime.name)
        restart = declared(pod).get("memory")
        return Step(_with_container(state, action.node, action.uid, action.container,
                                    lambda c: attrs.evolve(c.stop(state.time, OOM_EXIT_CODE, "OOMKilled"),
                                                           memory_load=restart)))
    return kubelet.apply(state, kubelet.CrashNode(action.node), config)


def _inputs(state: ClusterState) -> tuple[tuple, None]:
    """What :func:`_enabled` reads: the nodes' runtimes, their kubelets' informers and (for ``node-overload``) the
    store."""
    return (state.store, state.nodes, *(state.informers.get(kubelet.informer_name(n)) for n in state.nodes)), None


COMPONENT = Component("load", (LoadChange, TrafficChange, OOMKill, OverloadNode), by_inputs(_enabled, _inputs),
                      _apply)
"""The environment's load: OOM kills (and, with ``node-overload``, overloaded nodes failing) are enabled by the
state; load changes are the user's (``properties.users``), never offered here."""
