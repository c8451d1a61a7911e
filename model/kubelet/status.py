"""The PodStatus a kubelet reports for what it runs.

Source: pkg/kubelet/kubelet_pods.go (getPhase, generateAPIPodStatus, convertToAPIContainerStatuses),
pkg/kubelet/status/generate.go (GeneratePodReadyCondition, GeneratePodInitializedCondition,
GenerateContainersReadyCondition). Doc: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
"""

from __future__ import annotations

from typing import Any

import attrs

from model.frozendict import freeze
from model.kubelet.runtime import RUNNING, TERMINATED, ContainerRuntime, PodRuntime
from model.objects import Pod
from model.objects.pod import Container, ContainerStatus, PodCondition, PodStatus

FAILED, SUCCEEDED, RUNNING_PHASE, PENDING = "Failed", "Succeeded", "Running", "Pending"
KUBELET_CONDITIONS = frozenset({"PodScheduled", "Ready", "Initialized", "ContainersReady",
                                "PodReadyToStartContainers"})
"""pkg/kubelet/types.PodConditionsByKubelet: the pod conditions the kubelet writes itself."""


def will_restart(container: Container, runtime: ContainerRuntime, restart_policy: str, init: bool) -> bool:
    """Whether the kubelet restarts this terminated container (kuberuntime ShouldContainerBeRestarted):
    sidecars always; init containers unless they succeeded or the policy is Never; app containers per
    restartPolicy (Always: always, OnFailure: on a non-zero exit, Never: never)."""
    if container.is_sidecar:
        return True
    if runtime.exit_code == 0 and (init or restart_policy != "Always"):
        return False
    if init:
        return restart_policy != "Never"
    return restart_policy == "Always" or (restart_policy == "OnFailure" and runtime.exit_code != 0)


def phase(pod: Pod, runtime: PodRuntime) -> str:
    """getPhase: the pod phase implied by its containers' states."""
    if runtime.rejected is not None:
        return FAILED
    spec = pod.spec
    pending_init = failed_init = 0
    running = waiting = stopped = succeeded = 0
    for container, state in zip(spec.init_containers, runtime.init_containers, strict=False):
        if container.is_sidecar:
            # A running sidecar counts as a running container; a stopped one does not count at all.
            running += state.state == RUNNING
            pending_init += state.state not in (RUNNING, TERMINATED)
            continue
        if state.state == RUNNING:
            pending_init += 1
        elif state.state == TERMINATED:
            if state.exit_code != 0:
                failed_init += 1
        else:
            pending_init += 1
    for state in runtime.containers:
        if state.state == RUNNING:
            running += 1
        elif state.state == TERMINATED:
            stopped += 1
            succeeded += state.exit_code == 0
        else:
            waiting += 1
    if failed_init > 0 and spec.restart_policy == "Never":
        return FAILED
    if runtime.killed:
        return SUCCEEDED if stopped == succeeded == len(runtime.containers) else FAILED
    if pending_init > 0 or failed_init > 0 or waiting > 0:
        return PENDING
    if running > 0:
        return RUNNING_PHASE
    if stopped > 0:
        if spec.restart_policy == "Always":
            return RUNNING_PHASE
        if stopped == succeeded:
            return SUCCEEDED
        if spec.restart_policy == "Never":
            return FAILED
        return RUNNING_PHASE
    return PENDING


def _container_status(pod: Pod, container: Container, state: ContainerRuntime, init: bool, restarting: bool,
                      now: int) -> ContainerStatus:
    """convertToAPIContainerStatuses: a terminated container shows as waiting (``CrashLoopBackOff``, the
    last termination kept) only while the kubelet holds back its restart; a container not yet created
    waits in ``PodInitializing`` when the pod has init containers, else ``ContainerCreating``. A regular
    init container is ready once it has succeeded (prober manager UpdatePodStatus)."""
    if state.state == RUNNING:
        shown: Any = {"running": {"startedAt": state.started_at}}
    elif state.state == TERMINATED and restarting and \
            will_restart(container, state, pod.spec.restart_policy, init) and now < state.may_restart_at():
        shown = {"waiting": {"reason": "CrashLoopBackOff"},
                 "lastState": {"terminated": {"exitCode": state.exit_code, "reason": state.reason}}}
    elif state.state == TERMINATED:
        shown = {"terminated": {"exitCode": state.exit_code, "reason": state.reason}}
    else:
        shown = {"waiting": {"reason": "PodInitializing" if pod.spec.init_containers else "ContainerCreating"}}
    ready = state.succeeded if init and not container.is_sidecar else state.ready
    return ContainerStatus(name=state.name, ready=ready, restart_count=state.restart_count,
                           started=state.state == RUNNING, state=freeze(shown))


def _condition(previous: PodStatus, type_: str, true: bool, now: int, reason: str | None = None) -> PodCondition:
    """A condition whose lastTransitionTime moves only when its status changes."""
    status = "True" if true else "False"
    old = previous.condition(type_)
    since = old.last_transition_time if old is not None and old.status == status else now
    return PodCondition(type=type_, status=status, reason=None if true else reason, last_transition_time=since)


def pod_ip(uid: str) -> str:
    """A deterministic pod IP from the pod's uid (the model's uids are counters)."""
    n = int("".join(ch for ch in uid if ch.isdigit()) or "0")
    return f"10.244.{n // 256 % 256}.{n % 256}"


def pod_status(pod: Pod, runtime: PodRuntime, now: int) -> PodStatus:
    """The status the kubelet's status manager writes for ``pod`` given what runs on the node."""
    previous = pod.status
    scheduled = previous.condition("PodScheduled")
    # Conditions other components own (DisruptionTarget, readiness gates, ...) are carried over
    # (generateAPIPodStatus copies every condition not in kubetypes.PodConditionsByKubelet).
    kept = ((scheduled,) if scheduled is not None else ()) + tuple(
        c for c in previous.conditions if c.type not in KUBELET_CONDITIONS)
    if runtime.rejected is not None:
        reason, message = runtime.rejected
        return attrs.evolve(previous, phase=FAILED, reason=reason, message=f"Pod was rejected: {message}",
                            conditions=kept)
    spec = pod.spec
    current = phase(pod, runtime)
    terminal = current in (SUCCEEDED, FAILED)
    restarting = not (terminal or runtime.killed)
    inits = tuple(_container_status(pod, c, s, True, restarting, now)
                  for c, s in zip(spec.init_containers, runtime.init_containers, strict=False))
    apps = tuple(_container_status(pod, c, s, False, restarting, now)
                 for c, s in zip(spec.containers, runtime.containers, strict=False))
    # GeneratePodInitializedCondition: every init container done (a sidecar started), or an app container has
    # started (initialized before; sidecars may be restarting), or the pod Succeeded.
    initialized = current == SUCCEEDED or any(s.started_at is not None for s in runtime.containers) or all(
        s.succeeded or (c.is_sidecar and s.running)
        for c, s in zip(spec.init_containers, runtime.init_containers, strict=False))
    # GenerateContainersReadyCondition: app containers and sidecars all ready; terminal pods are never ready.
    sidecars = (s for c, s in zip(spec.init_containers, runtime.init_containers, strict=False) if c.is_sidecar)
    containers_ready = all(s.ready for s in (*sidecars, *runtime.containers)) and not terminal
    not_ready = {SUCCEEDED: "PodCompleted", FAILED: "PodFailed"}.get(current, "ContainersNotReady")
    conditions = kept + (
        _condition(previous, "Initialized", initialized, now, "ContainersNotInitialized"),
        _condition(previous, "ContainersReady", containers_ready, now, not_ready),
        _condition(previous, "Ready", containers_ready, now, not_ready),
    )
    return attrs.evolve(
        previous, phase=current, conditions=conditions, container_statuses=apps, init_container_statuses=inits,
        pod_ip=previous.pod_ip or pod_ip(runtime.uid),
        start_time=previous.start_time if previous.start_time is not None else now, reason=None, message=None)
