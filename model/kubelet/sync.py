"""One kubelet sync of one pod: admit, start and restart containers, terminate, report status.

Sources: pkg/kubelet/kubelet.go (SyncPod, with its wait for volumes: :mod:`model.kubelet.volumes`;
SyncTerminatingPod, HandlePodCleanups), pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions:
init containers one at a time, sidecars before the next init container, restarts per restartPolicy after
back-off), pkg/kubelet/status/status_manager.go (status updates; the final delete with grace period 0 once
the pod's containers are stopped).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from model.apiserver import requests as rq
from model.auth.identity import kubelet_identity
from model.frozendict import FrozenDict
from model.kubelet.admission import admit
from model.kubelet.runtime import RUNNING, TERMINATED, WAITING, ContainerRuntime, PodRuntime
from model.kubelet.status import KUBELET_CONDITIONS, phase, pod_status, will_restart
from model.loadprofile import starting_levels
from model.objects import Node, Pod
from model.objects.pod import Container

KILL_EXIT_CODE = 143
"""A container stopped with SIGTERM exits 128 + 15."""


@attrs.frozen
class SyncResult:
    """What one sync leaves on the node (None: the pod is gone from it) and the requests it sends."""

    runtime: PodRuntime | None
    requests: tuple[rq.Request, ...] = ()


def new_runtime(pod: Pod) -> PodRuntime:
    """A freshly admitted pod: every container waiting to be created, at its pod's declared load profile."""
    levels = starting_levels(pod)
    fresh = lambda cs: tuple(ContainerRuntime(c.name, **levels) for c in cs)
    empty_dirs = {v.name: frozenset() for v in pod.spec.volumes if v.empty_dir is not None}
    return PodRuntime(pod.metadata.uid or "", pod.namespace or "", pod.name,
                      init_containers=fresh(pod.spec.init_containers), containers=fresh(pod.spec.containers),
                      empty_dirs=FrozenDict(empty_dirs))


def _start(container: Container, state: ContainerRuntime, now: int) -> ContainerRuntime:
    started = state.start(now)
    # Without a readiness probe a running container is ready at once (prober: no probe means success).
    return attrs.evolve(started, ready=container.readiness_probe is None)


def _restartable(container: Container, state: ContainerRuntime, policy: str, init: bool, now: int) -> bool:
    return state.state == TERMINATED and will_restart(container, state, policy, init) and now >= state.may_restart_at()


def _stop_sidecars(pod: Pod, inits: tuple[ContainerRuntime, ...], now: int) -> tuple[ContainerRuntime, ...]:
    return tuple(s.stop(now, 0, "Completed") if c.is_sidecar and s.running else s
                 for c, s in zip(pod.spec.init_containers, inits, strict=False))


def progress(pod: Pod, runtime: PodRuntime, now: int) -> PodRuntime:
    """computePodActions: what the runtime starts now. Init containers run one at a time (a sidecar must be
    running before the next one starts); app containers start together once initialisation is done. Once an
    app container runs the pod has initialised (computeInitContainerActions' podHasInitialized): regular init
    containers are done with, and a stopped sidecar is restarted without holding anything up."""
    if runtime.rejected is not None or runtime.killed:
        return runtime
    if phase(pod, runtime) in ("Succeeded", "Failed"):
        # KillPod: a pod that is done (an init container failed under restartPolicy Never) keeps nothing running.
        return attrs.evolve(runtime, init_containers=_stop_sidecars(pod, runtime.init_containers, now))
    spec = pod.spec
    policy = spec.restart_policy
    initialized = any(s.running for s in runtime.containers)
    inits = list(runtime.init_containers)
    for i, (container, state) in enumerate(zip(spec.init_containers, inits, strict=False)):
        if initialized and not container.is_sidecar:
            continue
        if state.state == WAITING or _restartable(container, state, policy, True, now):
            inits[i] = _start(container, state, now)
            if not container.is_sidecar:
                return attrs.evolve(runtime, init_containers=tuple(inits))
            continue
        if container.is_sidecar and (state.state == RUNNING or initialized):
            continue
        if not state.succeeded:
            return attrs.evolve(runtime, init_containers=tuple(inits))
    apps = tuple(
        _start(c, s, now) if s.state == WAITING or _restartable(c, s, policy, False, now) else s
        for c, s in zip(spec.containers, runtime.containers, strict=False))
    done = all(s.state == TERMINATED and not will_restart(c, s, policy, False)
               for c, s in zip(spec.containers, apps, strict=False))
    # Sidecars are stopped once every app container has finished for good (KEP-753).
    return attrs.evolve(runtime, init_containers=_stop_sidecars(pod, tuple(inits), now) if done else tuple(inits),
                        containers=apps)


def _kill(runtime: PodRuntime, now: int) -> PodRuntime:
    stop = lambda s: s.stop(now, KILL_EXIT_CODE, "Error") if s.running else s
    return attrs.evolve(runtime, init_containers=tuple(map(stop, runtime.init_containers)),
                        containers=tuple(map(stop, runtime.containers)), killed=True)


RECONCILE_SECONDS = 10
"""The status manager's sync period (status_manager.go ``syncPeriod``)."""


def _report(node_name: str, pod: Pod, runtime: PodRuntime, now: int) -> tuple[PodRuntime, tuple[rq.Request, ...]]:
    """The status manager: compute the status from the last one it sent (its own cache, not the possibly
    lagging informer) and send it when it differs from what the informer shows, unless it is the one last sent
    less than RECONCILE_SECONDS ago (status_manager.go: ``syncBatch(all)`` on its 10 s ticker re-sends a status
    whose API copy ``needsReconcile``, which undoes the node controller's MarkPodsNotReady once the node is back;
    before that, a lagging informer is waited for). Conditions the
    kubelet does not own (DisruptionTarget set by an eviction, preemption or the taint manager, readiness gates)
    come from the pod as the API server has it (status_manager.go ``mergePodStatus``), not from what it sent."""
    base = pod
    if runtime.reported is not None:
        conditions = tuple(c for c in runtime.reported.conditions if c.type in KUBELET_CONDITIONS) + tuple(
            c for c in pod.status.conditions if c.type not in KUBELET_CONDITIONS)
        base = attrs.evolve(pod, status=attrs.evolve(runtime.reported, conditions=conditions))
    status = pod_status(base, runtime, now)
    if status == pod.status:
        return runtime, ()
    if status == runtime.reported and (runtime.reported_at is None or now < runtime.reported_at + RECONCILE_SECONDS):
        return runtime, ()
    unconditional = attrs.evolve(pod.metadata, resource_version=None)
    request = rq.UpdateStatus(kubelet_identity(node_name), attrs.evolve(pod, metadata=unconditional, status=status))
    return attrs.evolve(runtime, reported=status, reported_at=now), (request,)


def _final_delete(node_name: str, pod: Pod) -> rq.Request:
    return rq.Delete(kubelet_identity(node_name), "Pod", pod.namespace, pod.name, grace_period_seconds=0,
                     precondition_uid=pod.metadata.uid)


def _start_when_mounted(pod: Pod, runtime: PodRuntime, now: int, volumes_ready: bool) -> PodRuntime:
    """SyncPod's WaitForAttachAndMount before the runtime's SyncPod: containers start only once the pod's volumes
    are mounted, which they are for good once a container has started (``model.kubelet.volumes``)."""
    if volumes_ready or runtime.volumes_mounted:
        return progress(pod, runtime, now)
    return runtime


def sync_pod(node_name: str, pod: Pod | None, runtime: PodRuntime | None, node: Node | None,
             admitted: Sequence[Pod], now: int, volumes_ready: bool = True) -> SyncResult | None:
    """One sync of one pod as the kubelet sees it (``pod`` from its informer, None once gone from the API).

    ``volumes_ready`` is whether the volume manager can mount the pod's volumes now
    (``model.kubelet.volumes.mount_error``). A pod admitted while they cannot be mounted reports its status
    (Pending, containers waiting in ContainerCreating) and starts nothing until they can. Admission comes first
    (HandlePodAdditions admits before the pod worker's SyncPod), so a rejected pod never waits for volumes.

    Returns None when there is nothing to do, so ``enabled`` offers only syncs that change something.
    """
    if pod is None:
        return SyncResult(None) if runtime is not None else None
    if pod.metadata.deletion_timestamp is not None:
        if runtime is None:
            return SyncResult(None, (_final_delete(node_name, pod),))
        if not runtime.killed:
            return SyncResult(*_report(node_name, pod, _kill(runtime, now), now))
        _, requests = _report(node_name, pod, runtime, now)
        return SyncResult(None, requests + (_final_delete(node_name, pod),))
    if runtime is None:
        if pod.is_terminated:
            return None
        rejected = admit(pod, node, admitted)
        runtime = new_runtime(pod) if rejected is None else attrs.evolve(new_runtime(pod), rejected=rejected)
        return SyncResult(*_report(node_name, pod, _start_when_mounted(pod, runtime, now, volumes_ready), now))
    advanced, requests = _report(node_name, pod, _start_when_mounted(pod, runtime, now, volumes_ready), now)
    if advanced == runtime and not requests:
        return None
    return SyncResult(advanced, requests)
