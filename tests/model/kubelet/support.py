"""Helpers for the kubelet tests: the example cluster, bound pods, claims the PersistentVolume controller binds,
driving the cluster until quiescent, and an independent port of the kubelet's getPhase over reported container
statuses (the oracle the model's reports are checked against).

The oracle follows pkg/kubelet/kubelet_pods.go (getPhase, and the terminal-phase three-way merge of
generateAPIPodStatus) and pkg/kubelet/status/status_manager.go (TerminatePod: a pod whose containers were
stopped because it is being deleted ends Failed unless it already had a terminal phase).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from model.actions import DeliverWatchEvent, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.cluster import apply, enabled, initial_state
from model.config import ModelConfig
from model.controllers import persistentvolume
from model.controllers.base import CONTROLLER_MANAGER, Reconcile
from model.examples import DIRECTORY
from model.kubelet.component import KubeletSyncPod, informer_name
from model.kubelet.runtime import ContainerRuntime, PodRuntime
from model.manifests import from_dict, load
from model.objects import PersistentVolume, PersistentVolumeClaim, Pod
from model.objects.pod import ContainerStatus
from model.state import ClusterState, submit

FAITHFUL = ModelConfig()
FAULTY = ModelConfig(faults=frozenset({"container-crash", "node-crash", "partition"}))
DELIVER_AND_SYNC = (DeliverWatchEvent, KubeletSyncPod)


@lru_cache(maxsize=1)
def example_objects() -> tuple[Any, ...]:
    """The bundled example cluster (model/examples/cluster.yaml), loaded once."""
    return tuple(load(DIRECTORY / "cluster.yaml"))


def cluster(*extra: Mapping[str, Any]) -> ClusterState:
    """The example cluster (plus ``extra`` objects, as dicts) with every component set up."""
    return initial_state([*example_objects(), *(from_dict(doc) for doc in extra)])


def container(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": "registry.example/app:1", **fields}


def pod(name: str, node: str = "worker-1", containers: Iterable[dict[str, Any]] | None = None,
        namespace: str = "default", **spec: Any) -> Pod:
    """A pod already bound to ``node`` (the scheduler's work is done)."""
    containers = list(containers) if containers is not None else [container("app")]
    return Pod.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
                          "spec": {"nodeName": node, "containers": containers, **spec}})


def create(state: ClusterState, obj: Any) -> tuple[ClusterState, Any]:
    """Create ``obj`` as the cluster admin; returns the state and the stored object."""
    state, response, _ = submit(state, rq.Create(ADMIN, obj))
    assert response.ok, response
    return state, response.object


def delete(state: ClusterState, name: str, grace: int | None = None, namespace: str = "default") -> ClusterState:
    """The admin deletes a pod (``grace=0``: ``kubectl delete --force --grace-period=0``)."""
    state, response, _ = submit(state, rq.Delete(ADMIN, "Pod", namespace, name, grace_period_seconds=grace))
    assert response.ok, response
    return state


def settle(state: ClusterState, kinds: tuple[type, ...] = DELIVER_AND_SYNC, config: ModelConfig = FAITHFUL,
           limit: int = 500) -> ClusterState:
    """Apply the first enabled action of the given types (watch events only to kubelets) until none is left."""
    for _ in range(limit):
        actions = [a for a in enabled(state, config) if isinstance(a, kinds)
                   and (not isinstance(a, DeliverWatchEvent) or a.component.startswith("kubelet/"))]
        if not actions:
            return state
        state = apply(state, actions[0], config)
    raise AssertionError(f"not quiescent after {limit} actions")


def claim(name: str, namespace: str = "default") -> PersistentVolumeClaim:
    """A 1Gi ReadWriteOnce claim without a class (only a pre-made volume can bind it)."""
    return PersistentVolumeClaim.from_dict({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": namespace},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})


def volume(name: str, mode: str = "Filesystem") -> PersistentVolume:
    """A 1Gi ReadWriteOnce hostPath volume, free for any claim that fits."""
    return PersistentVolume.from_dict({
        "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "volumeMode": mode,
                 "hostPath": {"path": f"/data/{name}"}}})


def _binder(action: Any) -> bool:
    return action == DeliverWatchEvent(CONTROLLER_MANAGER) or (
        isinstance(action, Reconcile) and action.controller == persistentvolume.NAME)


def binder_steps(state: ClusterState, limit: int = 200) -> Iterator[ClusterState]:
    """The PersistentVolume controller's steps (its syncs and kube-controller-manager's informer deliveries), the
    state after each, until it has nothing left to do now (no time passes)."""
    for _ in range(limit):
        actions = [a for a in enabled(state, FAITHFUL) if _binder(a)]
        if not actions:
            return
        state = apply(state, actions[0], FAITHFUL)
        yield state
    raise AssertionError(f"the PersistentVolume controller is not done after {limit} actions")


def bind(state: ClusterState) -> ClusterState:
    """Let the PersistentVolume controller do all it can, then once more after its periodic resync of waiting claims:
    claims that fit a free volume are bound to it."""
    *_, state = state, *binder_steps(state)
    state = tick(state, persistentvolume.RESYNC_PERIOD)
    *_, state = state, *binder_steps(state)
    return state


def bound_claim(state: ClusterState, name: str, namespace: str = "default") -> tuple[ClusterState, Any]:
    """A claim the PersistentVolume controller bound to a volume created for it; returns the state and the claim."""
    state, _ = create(state, volume(f"pv-{namespace}-{name}"))
    state, _ = create(state, claim(name, namespace))
    state = bind(state)
    stored = state.store.get("PersistentVolumeClaim", namespace, name)
    assert stored.status.phase == "Bound", stored
    return state, stored


def tick(state: ClusterState, seconds: int) -> ClusterState:
    return apply(state, Tick(seconds))


def api_pod(state: ClusterState, name: str, namespace: str = "default") -> Pod | None:
    return state.store.get("Pod", namespace, name)


def runtime(state: ClusterState, node: str, uid: str) -> PodRuntime | None:
    return state.nodes[node].pod(uid)


def running(state: ClusterState, node: str, uid: str, name: str) -> ContainerRuntime:
    found = runtime(state, node, uid)
    assert found is not None, f"pod {uid} does not run on {node}"
    return found.container(name)


def kubelet_sees(state: ClusterState, node: str, name: str, namespace: str = "default") -> Pod | None:
    return state.informer(informer_name(node)).cache.get("Pod", namespace, name)


def status_of(pod_obj: Pod, name: str) -> ContainerStatus:
    return next(s for s in pod_obj.status.init_container_statuses + pod_obj.status.container_statuses
                if s.name == name)


def shown_state(pod_obj: Pod, name: str) -> str:
    """The state the API shows for a container: running, terminated or waiting."""
    return next(k for k in ("running", "terminated", "waiting") if k in status_of(pod_obj, name).state)


def condition(pod_obj: Pod, type_: str) -> str | None:
    found = pod_obj.status.condition(type_)
    return None if found is None else found.status


# --- the oracle: upstream getPhase over reported statuses ----------------------------------------------


def _last_termination(status: ContainerStatus) -> Mapping[str, Any] | None:
    last = status.state.get("lastState")
    return None if last is None else last.get("terminated")


def upstream_phase(pod_obj: Pod, statuses: Iterable[ContainerStatus], pod_is_terminal: bool = False,
                   pod_has_initialized: bool | None = None) -> str:
    """getPhase (ContainerRestartRules disabled) over API container statuses. ``pod_has_initialized``
    defaults to whether an app container shows running or terminated (HasAnyRegularContainerStarted)."""
    spec = pod_obj.spec
    by_name = {s.name: s for s in statuses}
    apps = {c.name for c in spec.containers}
    if pod_has_initialized is None:
        pod_has_initialized = any(n in apps and ("running" in s.state or "terminated" in s.state)
                                  for n, s in by_name.items())
    pending_regular = pending_restartable = failed_init = 0
    unknown = running = waiting = stopped = succeeded = 0
    for c in spec.init_containers:
        s = by_name.get(c.name)
        if c.is_sidecar:
            if s is None:
                unknown += 1
            elif "running" in s.state:
                pending_restartable += not s.started
                running += 1
            elif "waiting" in s.state and _last_termination(s) is None:
                pending_restartable += 1
                waiting += 1
            elif "terminated" not in s.state and "waiting" not in s.state:
                pending_restartable += 1
                unknown += 1
            continue
        if s is None or "running" in s.state:
            pending_regular += 1
        elif "terminated" in s.state:
            failed_init += s.state["terminated"]["exitCode"] != 0
        elif "waiting" in s.state and _last_termination(s) is not None:
            failed_init += _last_termination(s)["exitCode"] != 0
        else:
            pending_regular += 1
    for c in spec.containers:
        s = by_name.get(c.name)
        if s is None:
            unknown += 1
        elif "running" in s.state:
            running += 1
        elif "terminated" in s.state:
            stopped += 1
            succeeded += s.state["terminated"]["exitCode"] == 0
        elif "waiting" in s.state and _last_termination(s) is not None:
            stopped += 1
        elif "waiting" in s.state:
            waiting += 1
        else:
            unknown += 1
    if failed_init > 0 and spec.restart_policy == "Never":
        return "Failed"
    if pending_regular > 0 or (pending_restartable > 0 and not pod_has_initialized) or waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if pod_is_terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if spec.restart_policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        return "Failed" if spec.restart_policy == "Never" else "Running"
    return "Pending"


def expected_reported_phase(pod_obj: Pod, previous_phase: str, killed: bool) -> str:
    """The phase the kubelet must report with ``pod_obj``'s container statuses: getPhase, then the three-way
    merge (a terminal phase is never left), then TerminatePod (a killed pod ends terminal, Failed if not
    already decided)."""
    statuses = pod_obj.status.init_container_statuses + pod_obj.status.container_statuses
    phase = upstream_phase(pod_obj, statuses, pod_is_terminal=killed)
    if phase not in ("Succeeded", "Failed") and previous_phase in ("Succeeded", "Failed"):
        phase = previous_phase
    if killed and phase not in ("Succeeded", "Failed"):
        phase = "Failed"
    return phase

