"""One kubelet sync of one pod: which containers start, restart or stop, and which requests it sends.

Upstream: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: app containers restart per
restartPolicy, KillPod when nothing is left to run), pkg/kubelet/kuberuntime/kuberuntime_container.go
(computeInitContainerActions: init containers one at a time, a restartable init container (sidecar) started
before the next, a failed init container restarted unless restartPolicy is Never, sidecars kept running and
restarted after initialisation), pkg/kubelet/container/helpers.go (ShouldContainerBeRestarted),
pkg/kubelet/status/status_manager.go (the final delete with grace period 0 once the containers stopped).
Doc: https://kubernetes.io/docs/concepts/workloads/pods/init-containers/ and
https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from model.apiserver import requests as rq
from model.auth.identity import kubelet_identity
from model.kubelet.runtime import RUNNING, TERMINATED, WAITING, PodRuntime
from model.kubelet.status import phase
from model.kubelet.sync import KILL_EXIT_CODE, RECONCILE_SECONDS, new_runtime, progress, sync_pod
from model.objects import Node, Pod
from tests.model.kubelet.support import container

SIDECAR = {"restartPolicy": "Always"}
NODE = Node.from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
                       "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}})


def make(policy: str = "Always", inits: tuple[tuple[str, bool], ...] = (), apps: tuple[str, ...] = ("app",),
         **meta: Any) -> Pod:
    return Pod.from_dict({"apiVersion": "v1", "kind": "Pod",
                          "metadata": {"name": "p", "namespace": "default", "uid": "uid-000042", **meta},
                          "spec": {"nodeName": "n1", "restartPolicy": policy,
                                   "initContainers": [container(n, **(SIDECAR if s else {})) for n, s in inits],
                                   "containers": [container(n) for n in apps]}})


def states(runtime: PodRuntime) -> dict[str, str]:
    return {c.name: c.state for c in runtime.init_containers + runtime.containers}


def exit_(runtime: PodRuntime, name: str, code: int, now: int) -> PodRuntime:
    return runtime.with_container(runtime.container(name).stop(now, code, "Completed" if code == 0 else "Error"))


def test_init_containers_run_one_at_a_time_before_app_containers() -> None:
    pod = make(inits=(("first", False), ("second", False)), apps=("web", "worker"))
    r = progress(pod, new_runtime(pod), 0)
    assert states(r) == {"first": RUNNING, "second": WAITING, "web": WAITING, "worker": WAITING}
    assert progress(pod, r, 1) == r  # nothing more starts while "first" runs
    r = progress(pod, exit_(r, "first", 0, 2), 2)
    assert states(r) == {"first": TERMINATED, "second": RUNNING, "web": WAITING, "worker": WAITING}
    r = progress(pod, exit_(r, "second", 0, 3), 3)
    assert states(r) == {"first": TERMINATED, "second": TERMINATED, "web": RUNNING, "worker": RUNNING}
    assert phase(pod, r) == "Running"


@pytest.mark.parametrize("policy,restarted,pod_phase", [
    ("Always", True, "Pending"), ("OnFailure", True, "Pending"), ("Never", False, "Failed")])
def test_a_failed_init_container_is_retried_unless_restart_policy_is_never(policy: str, restarted: bool,
                                                                          pod_phase: str) -> None:
    pod = make(policy, inits=(("setup", False),))
    r = exit_(progress(pod, new_runtime(pod), 0), "setup", 1, 5)
    r = progress(pod, r, 5)  # the first restart is not held back
    assert (r.container("setup").state == RUNNING) == restarted
    assert r.container("app").state == WAITING
    assert phase(pod, r) == pod_phase


def test_a_failing_init_container_backs_off_between_restarts() -> None:
    pod = make("OnFailure", inits=(("setup", False),))
    r = progress(pod, new_runtime(pod), 0)
    r = progress(pod, exit_(r, "setup", 1, 1), 1)  # restart 1, immediately
    r = exit_(r, "setup", 1, 2)
    assert progress(pod, r, 11) == r  # held back for 10 s
    assert progress(pod, r, 12).container("setup").restart_count == 2


def test_a_sidecar_starts_before_the_next_init_container_and_keeps_running() -> None:
    pod = make("Never", inits=(("proxy", True), ("migrate", False)), apps=("job",))
    r = progress(pod, new_runtime(pod), 0)
    assert states(r) == {"proxy": RUNNING, "migrate": RUNNING, "job": WAITING}
    r = progress(pod, exit_(r, "migrate", 0, 4), 4)
    assert states(r) == {"proxy": RUNNING, "migrate": TERMINATED, "job": RUNNING}
    assert phase(pod, r) == "Running"


def test_sidecars_are_stopped_once_the_app_containers_finished_for_good() -> None:
    """computePodActions: no app container to keep or start -> KillPod; the pod then completes."""
    pod = make("Never", inits=(("proxy", True),), apps=("job",))
    r = progress(pod, new_runtime(pod), 0)
    r = exit_(r, "job", 0, 7)
    assert phase(pod, r) == "Running"  # the sidecar still runs: not Succeeded yet (getPhase counts it)
    r = progress(pod, r, 7)
    assert states(r) == {"proxy": TERMINATED, "job": TERMINATED}
    assert phase(pod, r) == "Succeeded"


def test_sidecars_keep_running_while_an_app_container_will_restart() -> None:
    pod = make("OnFailure", inits=(("proxy", True),), apps=("job",))
    r = exit_(progress(pod, new_runtime(pod), 0), "job", 1, 3)
    r = progress(pod, r, 3)
    assert states(r) == {"proxy": RUNNING, "job": RUNNING}


def test_a_crashed_sidecar_is_restarted_and_does_not_hold_up_app_containers() -> None:
    """computeInitContainerActions: after initialisation only restartable init containers are looked at, and
    computePodActions goes on to the app containers."""
    pod = make("Always", inits=(("setup", False), ("proxy", True)), apps=("web", "worker"))
    r = progress(pod, exit_(progress(pod, new_runtime(pod), 0), "setup", 0, 1), 1)
    r = progress(pod, exit_(r, "proxy", 1, 2), 2)  # first restart: immediate
    r = exit_(exit_(r, "proxy", 1, 3), "worker", 1, 3)  # the proxy is now in back-off; the worker crashes
    r = progress(pod, r, 3)
    assert states(r) == {"setup": TERMINATED, "proxy": TERMINATED, "web": RUNNING, "worker": RUNNING}
    assert r.container("setup").restart_count == 0  # regular init containers do not run again
    assert progress(pod, r, 13).container("proxy").state == RUNNING


def test_a_pod_whose_init_container_failed_under_never_stops_its_sidecars() -> None:
    pod = make("Never", inits=(("proxy", True), ("migrate", False)))
    r = exit_(progress(pod, new_runtime(pod), 0), "migrate", 1, 2)
    assert phase(pod, r) == "Failed"
    r = progress(pod, r, 2)
    assert states(r) == {"proxy": TERMINATED, "migrate": TERMINATED, "app": WAITING}


@pytest.mark.parametrize("policy,exit_code,restarted,pod_phase", [
    ("Always", 0, True, "Running"), ("Always", 1, True, "Running"),
    ("OnFailure", 0, False, "Succeeded"), ("OnFailure", 1, True, "Running"),
    ("Never", 0, False, "Succeeded"), ("Never", 1, False, "Failed"),
])
def test_restart_policy(policy: str, exit_code: int, restarted: bool, pod_phase: str) -> None:
    """ShouldContainerBeRestarted and the phase the pod then has (doc: pod-lifecycle#restart-policy)."""
    pod = make(policy)
    r = progress(pod, exit_(progress(pod, new_runtime(pod), 0), "app", exit_code, 10), 10)
    assert (r.container("app").state == RUNNING) == restarted
    assert phase(pod, r) == pod_phase


def test_on_failure_with_two_containers_waits_for_the_failed_one() -> None:
    pod = make("OnFailure", apps=("a", "b"))
    r = progress(pod, new_runtime(pod), 0)
    r = progress(pod, exit_(exit_(r, "a", 0, 1), "b", 1, 1), 1)
    assert states(r) == {"a": TERMINATED, "b": RUNNING}
    assert phase(pod, exit_(r, "b", 0, 2)) == "Succeeded"


def test_never_with_one_failure_among_successes_fails() -> None:
    pod = make("Never", apps=("a", "b"))
    r = exit_(exit_(progress(pod, new_runtime(pod), 0), "a", 0, 1), "b", 1, 1)
    assert phase(pod, r) == "Failed"


# --- sync_pod: admission, termination, requests --------------------------------------------------------


def test_admission_starts_containers_and_reports_status_in_one_sync() -> None:
    pod = make()
    result = sync_pod("n1", pod, None, NODE, [], 3)
    assert result.runtime.container("app").state == RUNNING
    (request,) = result.requests
    assert isinstance(request, rq.UpdateStatus) and request.user == kubelet_identity("n1")
    assert request.object.status.phase == "Running"
    assert request.object.metadata.resource_version is None  # an unconditional status update


def test_a_rejected_pod_starts_nothing_and_is_reported_failed() -> None:
    big = Pod.from_dict({**make().to_dict(), "spec": {
        "nodeName": "n1", "containers": [container("app", resources={"requests": {"cpu": "5"}})]}})
    result = sync_pod("n1", big, None, NODE, [], 0)
    assert result.runtime.rejected[0] == "OutOfcpu"
    assert not result.runtime.any_running
    assert result.requests[0].object.status.phase == "Failed"


def test_nothing_to_do_is_none_and_a_vanished_pod_is_dropped() -> None:
    pod = make()
    running = sync_pod("n1", pod, None, NODE, [], 0).runtime
    reported = attrs.evolve(pod, status=sync_pod("n1", pod, None, NODE, [], 0).requests[0].object.status)
    assert sync_pod("n1", reported, running, NODE, [], 5) is None
    gone = sync_pod("n1", None, running, NODE, [], 5)
    assert gone.runtime is None and gone.requests == ()
    assert sync_pod("n1", None, None, NODE, [], 5) is None


def test_a_finished_pod_the_kubelet_never_ran_is_left_alone() -> None:
    done = attrs.evolve(make(), status=attrs.evolve(make().status, phase="Succeeded"))
    assert sync_pod("n1", done, None, NODE, [], 0) is None


def test_graceful_deletion_kills_reports_then_deletes_with_grace_zero() -> None:
    pod = make()
    running = sync_pod("n1", pod, None, NODE, [], 0).runtime
    deleting = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, deletion_timestamp=30,
                                                       deletion_grace_period_seconds=30))
    first = sync_pod("n1", deleting, running, NODE, [], 2)
    assert first.runtime.killed and first.runtime.container("app").exit_code == KILL_EXIT_CODE
    (status,) = first.requests
    assert status.object.status.phase == "Failed"
    assert dict(status.object.status.container_statuses[0].state) == {
        "terminated": {"exitCode": KILL_EXIT_CODE, "reason": "Error"}}
    reported = attrs.evolve(deleting, status=status.object.status)
    second = sync_pod("n1", reported, first.runtime, NODE, [], 3)
    assert second.runtime is None
    assert second.requests == (rq.Delete(kubelet_identity("n1"), "Pod", "default", "p", grace_period_seconds=0,
                                         precondition_uid="uid-000042"),)


def test_a_deleted_pod_the_kubelet_does_not_run_is_deleted_at_once() -> None:
    deleting = make(deletionTimestamp=30, deletionGracePeriodSeconds=30)
    result = sync_pod("n1", deleting, None, NODE, [], 0)
    assert result.runtime is None and isinstance(result.requests[0], rq.Delete)
    assert result.requests[0].grace_period_seconds == 0


def test_a_status_the_node_controller_overwrote_is_sent_again_after_the_sync_period() -> None:
    """status_manager.go syncBatch(all)/needsReconcile: MarkPodsNotReady's Ready=False is undone once the node's
    kubelet syncs again, but not before RECONCILE_SECONDS (a lagging informer is waited for first)."""
    pod = make()
    first = sync_pod("n1", pod, None, NODE, [], 0)
    sent = first.requests[0].object.status
    ready = next(c for c in sent.conditions if c.type == "Ready")
    assert ready.status == "True"
    marked = attrs.evolve(sent, conditions=tuple(attrs.evolve(c, status="False") if c.type == "Ready" else c
                                                 for c in sent.conditions))
    api_copy = attrs.evolve(pod, status=marked)
    assert sync_pod("n1", api_copy, first.runtime, NODE, [], RECONCILE_SECONDS - 1) is None
    again = sync_pod("n1", api_copy, first.runtime, NODE, [], RECONCILE_SECONDS)
    assert [r.object.status for r in again.requests] == [sent]
    assert sync_pod("n1", attrs.evolve(pod, status=sent), again.runtime, NODE, [], RECONCILE_SECONDS + 1) is None
