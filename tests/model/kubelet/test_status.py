"""The PodStatus the kubelet reports: phase, container statuses and conditions.

Ported tables (kubernetes/kubernetes pkg/kubelet/kubelet_pods_test.go): TestPodPhaseWithRestartAlways,
TestPodPhaseWithRestartAlwaysInitContainers, TestPodPhaseWithRestartAlwaysRestartableInitContainers,
TestPodPhaseWithRestartAlwaysAndPodHasRun, TestPodPhaseWithRestartNever,
TestPodPhaseWithRestartNeverInitContainers, TestPodPhaseWithRestartNeverRestartableInitContainers,
TestPodPhaseWithRestartOnFailure. Each row is checked twice: against ``support.upstream_phase`` (our port of
getPhase, the oracle) and, where the model's runtime can express it, against ``model.kubelet.status.phase``.
Conditions follow pkg/kubelet/status/generate.go; container statuses convertToAPIContainerStatuses and the
prober manager's UpdatePodStatus (pkg/kubelet/prober/prober_manager.go).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.frozendict import freeze
from model.kubelet.runtime import RUNNING, TERMINATED, WAITING, ContainerRuntime, PodRuntime
from model.kubelet.status import phase, pod_ip, pod_status
from model.kubelet.sync import new_runtime
from model.objects import Pod
from model.objects.pod import ContainerStatus, PodCondition, PodStatus
from tests.model.kubelet.support import container, expected_reported_phase, upstream_phase

SIDECAR = {"restartPolicy": "Always"}
PROBE = {"readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}}

# Status codes of the upstream test helpers: runningState (R), startedState (ST), succeededState/stoppedState (S),
# failedState (F, exit -1), waitingState (W), waitingStateWithLastTermination (WL, last exit 0),
# waitingStateWithNonZeroTermination (WN, last exit -1); a missing name has no status.
_API: dict[str, dict[str, Any]] = {
    "R": {"running": {}}, "ST": {"running": {}}, "S": {"terminated": {"exitCode": 0}},
    "F": {"terminated": {"exitCode": -1}}, "W": {"waiting": {}},
    "WL": {"waiting": {}, "lastState": {"terminated": {"exitCode": 0}}},
    "WN": {"waiting": {}, "lastState": {"terminated": {"exitCode": -1}}},
}
# The model's runtime for the same code: a container waiting after a termination is a terminated container
# whose restart is pending.
_RUNTIME = {"R": (RUNNING, None), "ST": (RUNNING, None), "S": (TERMINATED, 0), "F": (TERMINATED, -1),
            "W": (WAITING, None), "WL": (TERMINATED, 0), "WN": (TERMINATED, -1)}

AB = ("containerA", "containerB")
X = (("containerX", False),)
X_SIDECAR = (("containerX", True),)
XY = (("containerX", False), ("containerY", True))

# (upstream test, policy, init containers (name, sidecar), app containers, statuses, podIsTerminal, phase)
PHASE_TABLE = [
    ("Always: waiting", "Always", (), AB, {}, False, "Pending"),
    ("Always: all running", "Always", (), AB, {"containerA": "R", "containerB": "R"}, False, "Running"),
    ("Always: all stopped with restart always", "Always", (), AB, {"containerA": "S", "containerB": "S"}, False,
     "Running"),
    ("Always: all succeeded with restart always, but the pod is terminal", "Always", (), AB,
     {"containerA": "S", "containerB": "S"}, True, "Succeeded"),
    ("Always: all stopped with restart always, but the pod is terminal", "Always", (), AB,
     {"containerA": "S", "containerB": "F"}, True, "Failed"),
    ("Always: mixed state #1", "Always", (), AB, {"containerA": "R", "containerB": "S"}, False, "Running"),
    ("Always: mixed state #2", "Always", (), AB, {"containerA": "R"}, False, "Pending"),
    ("Always: mixed state #3", "Always", (), AB, {"containerA": "R", "containerB": "W"}, False, "Pending"),
    ("Always: backoff crashloop container", "Always", (), AB, {"containerA": "R", "containerB": "WL"}, False,
     "Running"),
    ("AlwaysInit: empty, waiting", "Always", X, AB, {}, False, "Pending"),
    ("AlwaysInit: init container running", "Always", X, AB, {"containerX": "R"}, False, "Pending"),
    ("AlwaysInit: init container terminated non-zero", "Always", X, AB, {"containerX": "F"}, False, "Pending"),
    ("AlwaysInit: init container waiting, terminated zero", "Always", X, AB, {"containerX": "WL"}, False,
     "Pending"),
    ("AlwaysInit: init container waiting, terminated non-zero", "Always", X, AB, {"containerX": "WN"}, False,
     "Pending"),
    ("AlwaysInit: init container waiting, not terminated", "Always", X, AB, {"containerX": "W"}, False, "Pending"),
    ("AlwaysInit: init container succeeded", "Always", X, AB,
     {"containerX": "S", "containerA": "R", "containerB": "R"}, False, "Running"),
    ("AlwaysSidecar: empty, waiting", "Always", X_SIDECAR, AB, {}, False, "Pending"),
    ("AlwaysSidecar: restartable init container running", "Always", X_SIDECAR, AB, {"containerX": "R"}, False,
     "Pending"),
    ("AlwaysSidecar: restartable init container stopped", "Always", X_SIDECAR, AB, {"containerX": "S"}, False,
     "Pending"),
    ("AlwaysSidecar: restartable init container waiting, terminated zero", "Always", X_SIDECAR, AB,
     {"containerX": "WL"}, False, "Pending"),
    ("AlwaysSidecar: restartable init container waiting, terminated non-zero", "Always", X_SIDECAR, AB,
     {"containerX": "WN"}, False, "Pending"),
    ("AlwaysSidecar: restartable init container waiting, not terminated", "Always", X_SIDECAR, AB,
     {"containerX": "W"}, False, "Pending"),
    ("AlwaysSidecar: restartable init container started, 1/2 regular container running", "Always", X_SIDECAR, AB,
     {"containerX": "ST", "containerA": "R"}, False, "Pending"),
    ("AlwaysSidecar: restartable init container started, all regular containers running", "Always", X_SIDECAR,
     AB, {"containerX": "ST", "containerA": "R", "containerB": "R"}, False, "Running"),
    ("AlwaysSidecar: restartable init container running, all regular containers running", "Always", X_SIDECAR,
     AB, {"containerX": "R", "containerA": "R", "containerB": "R"}, False, "Running"),
    ("AlwaysSidecar: restartable init container stopped, all regular containers running", "Always", X_SIDECAR,
     AB, {"containerX": "S", "containerA": "R", "containerB": "R"}, False, "Running"),
    ("AlwaysSidecar: backoff crashloop restartable init container, all regular containers running", "Always",
     X_SIDECAR, AB, {"containerX": "WL", "containerA": "R", "containerB": "R"}, False, "Running"),
    ("AlwaysSidecar: all regular containers succeeded and restartable init container failed, pod terminal",
     "Always", X_SIDECAR, AB, {"containerX": "F", "containerA": "S", "containerB": "S"}, True, "Succeeded"),
    ("AlwaysSidecar: all regular containers succeeded and restartable init container succeeded, pod terminal",
     "Always", X_SIDECAR, AB, {"containerX": "S", "containerA": "S", "containerB": "S"}, True, "Succeeded"),
    ("AlwaysAndPodHasRun: regular init, restartable init and regular container all running", "Always", XY,
     ("containerA",), {"containerX": "R", "containerY": "R", "containerA": "R"}, False, "Pending"),
    ("AlwaysAndPodHasRun: regular container stopped, both init containers running", "Always", XY,
     ("containerA",), {"containerX": "R", "containerY": "R", "containerA": "S"}, False, "Pending"),
    ("AlwaysAndPodHasRun: regular init succeeded, restartable running, regular container stopped", "Always", XY,
     ("containerA",), {"containerX": "S", "containerY": "R", "containerA": "S"}, False, "Running"),
    ("AlwaysAndPodHasRun: regular init succeeded, restartable and regular container running", "Always", XY,
     ("containerA",), {"containerX": "S", "containerY": "R", "containerA": "R"}, False, "Running"),
    ("Never: waiting", "Never", (), AB, {}, False, "Pending"),
    ("Never: all running", "Never", (), AB, {"containerA": "R", "containerB": "R"}, False, "Running"),
    ("Never: all succeeded", "Never", (), AB, {"containerA": "S", "containerB": "S"}, False, "Succeeded"),
    ("Never: all failed", "Never", (), AB, {"containerA": "F", "containerB": "F"}, False, "Failed"),
    ("Never: mixed state #1", "Never", (), AB, {"containerA": "R", "containerB": "S"}, False, "Running"),
    ("Never: mixed state #2", "Never", (), AB, {"containerA": "R"}, False, "Pending"),
    ("Never: mixed state #3", "Never", (), AB, {"containerA": "R", "containerB": "W"}, False, "Pending"),
    ("NeverInit: empty, waiting", "Never", X, AB, {}, False, "Pending"),
    ("NeverInit: init container running", "Never", X, AB, {"containerX": "R"}, False, "Pending"),
    ("NeverInit: init container terminated non-zero", "Never", X, AB, {"containerX": "F"}, False, "Failed"),
    ("NeverInit: init container waiting, terminated zero", "Never", X, AB, {"containerX": "WL"}, False, "Pending"),
    ("NeverInit: init container waiting, terminated non-zero", "Never", X, AB, {"containerX": "WN"}, False,
     "Failed"),
    ("NeverInit: init container waiting, not terminated", "Never", X, AB, {"containerX": "W"}, False, "Pending"),
    ("NeverInit: init container succeeded", "Never", X, AB,
     {"containerX": "S", "containerA": "R", "containerB": "R"}, False, "Running"),
    ("NeverSidecar: empty, waiting", "Never", X_SIDECAR, AB, {}, False, "Pending"),
    ("NeverSidecar: restartable init container running", "Never", X_SIDECAR, AB, {"containerX": "R"}, False,
     "Pending"),
    ("NeverSidecar: restartable init container stopped", "Never", X_SIDECAR, AB, {"containerX": "S"}, False,
     "Pending"),
    ("NeverSidecar: restartable init container waiting, terminated zero", "Never", X_SIDECAR, AB,
     {"containerX": "WL"}, False, "Pending"),
    ("NeverSidecar: restartable init container waiting, terminated non-zero", "Never", X_SIDECAR, AB,
     {"containerX": "WN"}, False, "Pending"),
    ("NeverSidecar: restartable init container waiting, not terminated", "Never", X_SIDECAR, AB,
     {"containerX": "W"}, False, "Pending"),
    ("NeverSidecar: restartable init container started, one main container running", "Never", X_SIDECAR, AB,
     {"containerX": "ST", "containerA": "R"}, False, "Pending"),
    ("NeverSidecar: restartable init container started, main containers succeeded", "Never", X_SIDECAR, AB,
     {"containerX": "ST", "containerA": "S", "containerB": "S"}, False, "Running"),
    ("NeverSidecar: restartable init container running, main containers succeeded", "Never", X_SIDECAR, AB,
     {"containerX": "R", "containerA": "S", "containerB": "S"}, False, "Running"),
    ("NeverSidecar: all containers succeeded", "Never", X_SIDECAR, AB,
     {"containerX": "S", "containerA": "S", "containerB": "S"}, False, "Succeeded"),
    ("NeverSidecar: restartable init container terminated non-zero, main containers succeeded", "Never",
     X_SIDECAR, AB, {"containerX": "F", "containerA": "S", "containerB": "S"}, False, "Succeeded"),
    ("NeverSidecar: backoff crashloop restartable init container, main containers succeeded", "Never", X_SIDECAR,
     AB, {"containerX": "WL", "containerA": "S", "containerB": "S"}, False, "Succeeded"),
    ("NeverSidecar: backoff crashloop with non-zero restartable init container, main containers succeeded",
     "Never", X_SIDECAR, AB, {"containerX": "WN", "containerA": "S", "containerB": "S"}, False, "Succeeded"),
    ("OnFailure: waiting", "OnFailure", (), AB, {}, False, "Pending"),
    ("OnFailure: all running", "OnFailure", (), AB, {"containerA": "R", "containerB": "R"}, False, "Running"),
    ("OnFailure: all succeeded", "OnFailure", (), AB, {"containerA": "S", "containerB": "S"}, False, "Succeeded"),
    ("OnFailure: all failed", "OnFailure", (), AB, {"containerA": "F", "containerB": "F"}, False, "Running"),
    ("OnFailure: mixed state #1", "OnFailure", (), AB, {"containerA": "R", "containerB": "S"}, False, "Running"),
    ("OnFailure: mixed state #2", "OnFailure", (), AB, {"containerA": "R"}, False, "Pending"),
    ("OnFailure: mixed state #3", "OnFailure", (), AB, {"containerA": "R", "containerB": "W"}, False, "Pending"),
    ("OnFailure: backoff crashloop container", "OnFailure", (), AB, {"containerA": "R", "containerB": "WL"}, False,
     "Running"),
]


def spec_pod(policy: str, inits: tuple[tuple[str, bool], ...], apps: tuple[str, ...], **extra: Any) -> Pod:
    return Pod.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default",
                                                                          "uid": "uid-000001"},
                          "spec": {"nodeName": "machine", "restartPolicy": policy,
                                   "initContainers": [container(n, **(SIDECAR if s else {})) for n, s in inits],
                                   "containers": [container(n) for n in apps], **extra}})


def api_status(name: str, code: str) -> ContainerStatus:
    return ContainerStatus(name=name, started=code == "ST", state=freeze(_API[code]))


@pytest.mark.parametrize("name,policy,inits,apps,statuses,terminal,expected", PHASE_TABLE,
                         ids=[row[0] for row in PHASE_TABLE])
def test_oracle_reproduces_upstream_get_phase(name: str, policy: str, inits: Any, apps: Any,
                                              statuses: dict[str, str], terminal: bool, expected: str) -> None:
    pod = spec_pod(policy, inits, apps)
    shown = [api_status(n, code) for n, code in statuses.items()]
    assert upstream_phase(pod, shown, pod_is_terminal=terminal) == expected


def runtime_for(pod: Pod, statuses: dict[str, str], killed: bool) -> PodRuntime:
    def state(name: str) -> ContainerRuntime:
        kind, exit_code = _RUNTIME[statuses.get(name, "W")]
        base = ContainerRuntime(name)
        if kind == RUNNING:
            return base.start(0)
        if kind == TERMINATED:
            return base.start(0).stop(1, exit_code, "Completed" if exit_code == 0 else "Error")
        return base
    runtime = new_runtime(pod)
    return attrs.evolve(runtime, init_containers=tuple(state(c.name) for c in pod.spec.init_containers),
                        containers=tuple(state(c.name) for c in pod.spec.containers), killed=killed)


MODEL_ROWS = [row for row in PHASE_TABLE  # every app container has a status, or none has (not created yet)
              if len({n in row[4] for n in row[3]}) == 1]


@pytest.mark.parametrize("name,policy,inits,apps,statuses,terminal,expected", MODEL_ROWS,
                         ids=[row[0] for row in MODEL_ROWS])
def test_model_phase_matches_upstream_get_phase(name: str, policy: str, inits: Any, apps: Any,
                                                statuses: dict[str, str], terminal: bool, expected: str) -> None:
    """The same rows on the model's runtime (a container with no status has not been created yet)."""
    pod = spec_pod(policy, inits, apps)
    assert phase(pod, runtime_for(pod, statuses, killed=terminal)) == expected


def test_only_rows_with_some_app_containers_unknown_are_left_out_for_the_model() -> None:
    """The model always knows every container of a pod it runs, so upstream's "unknown" rows have no runtime."""
    left_out = [row[0] for row in PHASE_TABLE if row not in MODEL_ROWS]
    assert left_out == ["Always: mixed state #2",
                        "AlwaysSidecar: restartable init container started, 1/2 regular container running",
                        "Never: mixed state #2",
                        "NeverSidecar: restartable init container started, one main container running",
                        "OnFailure: mixed state #2"]


# --- container statuses ---------------------------------------------------------------------------------


def status_for(pod: Pod, runtime: PodRuntime, now: int = 0) -> PodStatus:
    return pod_status(pod, runtime, now)


def shown(status: PodStatus, name: str) -> dict[str, Any]:
    found = next(s for s in status.init_container_statuses + status.container_statuses if s.name == name)
    return {"ready": found.ready, "restarts": found.restart_count, "state": dict(found.state)}


def test_a_container_without_readiness_probe_is_ready_once_running() -> None:
    pod = spec_pod("Always", (), ("app",))
    runtime = attrs.evolve(new_runtime(pod), containers=(attrs.evolve(ContainerRuntime("app").start(5),
                                                                       ready=True),))
    status = status_for(pod, runtime, 5)
    assert shown(status, "app")["state"] == {"running": {"startedAt": 5}}
    assert shown(status, "app")["ready"] is True
    assert [(c.type, c.status) for c in status.conditions] == [
        ("Initialized", "True"), ("ContainersReady", "True"), ("Ready", "True")]
    assert status.phase == "Running" and status.start_time == 5 and status.pod_ip == pod_ip("uid-000001")


def test_a_waiting_container_shows_container_creating_or_pod_initializing() -> None:
    """convertToAPIContainerStatuses: the default waiting reason is PodInitializing when the pod has init
    containers (for its init containers too), else ContainerCreating."""
    plain = spec_pod("Always", (), ("app",))
    assert shown(status_for(plain, new_runtime(plain)), "app")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    with_init = spec_pod("Always", X, ("app",))
    status = status_for(with_init, new_runtime(with_init))
    for name in ("containerX", "app"):
        assert shown(status, name)["state"] == {"waiting": {"reason": "PodInitializing"}}


def test_a_crashed_container_shows_crash_loop_back_off_only_while_held_back() -> None:
    pod = spec_pod("Always", (), ("app",))
    app = ContainerRuntime("app").start(0).stop(1, 1, "Error").start(1).stop(2, 1, "Error")  # back-off 10 s
    runtime = attrs.evolve(new_runtime(pod), containers=(app,))
    waiting = shown(status_for(pod, runtime, 5), "app")
    assert waiting["state"] == {"waiting": {"reason": "CrashLoopBackOff"},
                                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}
    assert waiting["restarts"] == 1 and waiting["ready"] is False
    assert shown(status_for(pod, runtime, 12), "app")["state"] == {"terminated": {"exitCode": 1, "reason": "Error"}}


def test_a_container_that_will_not_restart_shows_terminated() -> None:
    """ShouldContainerBeRestarted is false under restartPolicy Never, for a deleted pod and for a sidecar of a
    finished pod: the terminated state is shown, not CrashLoopBackOff."""
    never = spec_pod("Never", (), ("app",))
    failed = attrs.evolve(new_runtime(never), containers=(ContainerRuntime("app").start(0).stop(1, 2, "Error"),))
    assert shown(status_for(never, failed, 1), "app")["state"] == {"terminated": {"exitCode": 2, "reason": "Error"}}
    always = spec_pod("Always", (), ("app",))
    killed = attrs.evolve(new_runtime(always), killed=True,
                          containers=(ContainerRuntime("app").start(0).stop(1, 1, "Error").start(1).stop(2, 143,
                                                                                                      "Error"),))
    assert "terminated" in shown(status_for(always, killed, 3), "app")["state"]


def test_a_regular_init_container_is_ready_once_it_succeeded() -> None:
    """prober manager UpdatePodStatus: a regular init container's Ready is "terminated with exit 0"; a sidecar is
    ready like an app container."""
    pod = spec_pod("Always", (("setup", False), ("proxy", True)), ("app",))
    setup_running = attrs.evolve(new_runtime(pod), init_containers=(
        attrs.evolve(ContainerRuntime("setup").start(0), ready=True), ContainerRuntime("proxy")))
    assert shown(status_for(pod, setup_running), "setup")["ready"] is False
    done = attrs.evolve(new_runtime(pod), init_containers=(
        ContainerRuntime("setup").start(0).stop(1, 0, "Completed"),
        attrs.evolve(ContainerRuntime("proxy").start(1), ready=True)))
    status = status_for(pod, done, 1)
    assert shown(status, "setup")["ready"] is True and shown(status, "proxy")["ready"] is True


# --- conditions -----------------------------------------------------------------------------------------


def ready_runtime(pod: Pod, sidecar_ready: bool = True, app_ready: bool = True) -> PodRuntime:
    inits = tuple(attrs.evolve(ContainerRuntime(c.name).start(0), ready=sidecar_ready) if c.is_sidecar
                  else ContainerRuntime(c.name).start(0).stop(0, 0, "Completed") for c in pod.spec.init_containers)
    apps = tuple(attrs.evolve(ContainerRuntime(c.name).start(0), ready=app_ready) for c in pod.spec.containers)
    return attrs.evolve(new_runtime(pod), init_containers=inits, containers=apps)


def conditions(status: PodStatus) -> dict[str, tuple[str, str | None]]:
    return {c.type: (c.status, c.reason) for c in status.conditions}


def test_an_unready_sidecar_keeps_the_pod_unready() -> None:
    """GenerateContainersReadyCondition counts restartable init containers with the app containers."""
    pod = spec_pod("Always", (("proxy", True),), ("app",))
    assert conditions(status_for(pod, ready_runtime(pod, sidecar_ready=False)))["Ready"] == (
        "False", "ContainersNotReady")
    assert conditions(status_for(pod, ready_runtime(pod)))["Ready"] == ("True", None)


def test_an_unready_app_container_keeps_the_pod_unready() -> None:
    pod = spec_pod("Always", (), ("app",))
    got = conditions(status_for(pod, ready_runtime(pod, app_ready=False)))
    assert got["ContainersReady"] == ("False", "ContainersNotReady") and got["Ready"] == ("False", "ContainersNotReady")


def test_terminal_pods_are_unready_with_pod_completed_or_pod_failed() -> None:
    pod = spec_pod("Never", (), ("app",))
    for exit_code, phase_, reason in ((0, "Succeeded", "PodCompleted"), (1, "Failed", "PodFailed")):
        runtime = attrs.evolve(new_runtime(pod), containers=(ContainerRuntime("app").start(0).stop(1, exit_code,
                                                                                                   "x"),))
        status = status_for(pod, runtime, 1)
        assert status.phase == phase_
        assert conditions(status)["Ready"] == ("False", reason) == conditions(status)["ContainersReady"]


def test_initialized_stays_true_while_a_sidecar_restarts_after_app_containers_started() -> None:
    """GeneratePodInitializedCondition: once a regular container has started the pod has been initialized."""
    pod = spec_pod("Always", (("proxy", True),), ("app",))
    runtime = ready_runtime(pod)
    crashed = runtime.with_container(runtime.container("proxy").stop(3, 1, "Error"))
    assert conditions(status_for(pod, crashed, 3))["Initialized"] == ("True", None)
    fresh = new_runtime(pod)
    assert conditions(status_for(pod, fresh))["Initialized"] == ("False", "ContainersNotInitialized")


def test_a_condition_keeps_its_transition_time_until_its_status_changes() -> None:
    pod = spec_pod("Always", (), ("app",))
    first = status_for(pod, ready_runtime(pod, app_ready=False), 3)
    pod = attrs.evolve(pod, status=first)
    same = status_for(pod, ready_runtime(pod, app_ready=False), 9)
    assert same.condition("Ready") == first.condition("Ready")
    pod = attrs.evolve(pod, status=same)
    flipped = status_for(pod, ready_runtime(pod), 20)
    assert flipped.condition("Ready").last_transition_time == 20
    assert flipped.condition("Initialized").last_transition_time == 3
    assert flipped.start_time == 3


def test_a_rejected_pod_is_failed_with_the_admission_reason_and_keeps_pod_scheduled() -> None:
    pod = spec_pod("Always", (), ("app",))
    scheduled = PodCondition(type="PodScheduled", status="True", last_transition_time=0)
    pod = attrs.evolve(pod, status=PodStatus(conditions=(scheduled,)))
    rejected = attrs.evolve(new_runtime(pod), rejected=("OutOfcpu", "Node didn't have enough resource: cpu, "
                                                                    "requested: 2000, used: 0, capacity: 1000"))
    status = status_for(pod, rejected)
    assert (status.phase, status.reason) == ("Failed", "OutOfcpu")
    assert status.message == "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 0, " \
                             "capacity: 1000"
    assert status.conditions == (scheduled,)


# --- the reported phase agrees with the reported container statuses ---------------------------------------


@st.composite
def pods_and_runtimes(draw: st.DrawFn) -> tuple[Pod, PodRuntime, int]:
    """A pod and a runtime the kubelet can reach: init containers done in order (a sidecar started before the
    next one), app containers created only after initialisation, nothing running once the pod was killed."""
    inits = tuple((f"init{i}", draw(st.booleans())) for i in range(draw(st.integers(0, 2))))
    apps = tuple(f"app{i}" for i in range(draw(st.integers(1, 3))))
    pod = spec_pod(draw(st.sampled_from(["Always", "OnFailure", "Never"])), inits, apps)
    now = draw(st.integers(0, 400))
    killed = draw(st.booleans())

    def exited(name: str, exit_codes: st.SearchStrategy[int]) -> ContainerRuntime:
        c = ContainerRuntime(name).start(0)
        for _ in range(draw(st.integers(0, 3))):
            c = c.stop(draw(st.integers(c.started_at, now)), 1, "Error").start(now)
        return c.stop(draw(st.integers(c.started_at, now)), draw(exit_codes), "Exited")

    def any_state(name: str, allow_running: bool = True) -> ContainerRuntime:
        kinds = ["running", "exited"] if allow_running and not killed else ["exited"]
        if draw(st.sampled_from(kinds)) == "running":
            return exited(name, st.just(0)).start(now) if draw(st.booleans()) else ContainerRuntime(name).start(now)
        return exited(name, st.sampled_from([0, 1, 137]))

    stage = draw(st.integers(0, len(inits)))
    init_states = []
    for i, (name, sidecar) in enumerate(inits):
        if i < stage:
            init_states.append(any_state(name) if sidecar else exited(name, st.just(0)))
        elif i == stage and draw(st.booleans()):
            init_states.append(exited(name, st.sampled_from([1, 137])) if killed else ContainerRuntime(name).start(now))
        elif i == stage and not sidecar and not killed:
            init_states.append(exited(name, st.integers(1, 2)))
        else:
            init_states.append(ContainerRuntime(name))
    initialized = stage == len(inits)
    app_states = tuple(any_state(n) if initialized and draw(st.booleans()) else ContainerRuntime(n) for n in apps)
    runtime = attrs.evolve(new_runtime(pod), init_containers=tuple(init_states), containers=app_states,
                           killed=killed)
    return pod, runtime, now


@given(pods_and_runtimes())
def test_reported_phase_agrees_with_upstream_get_phase_on_the_reported_statuses(case: Any) -> None:
    pod, runtime, now = case
    status = pod_status(pod, runtime, now)
    assert status.phase == phase(pod, runtime)
    reported = attrs.evolve(pod, status=status)
    assert status.phase == expected_reported_phase(reported, "Pending", killed=runtime.killed)
    ready = status.condition("Ready").status == "True"
    containers = [s for s in status.container_statuses] + [
        s for c, s in zip(pod.spec.init_containers, status.init_container_statuses, strict=True) if c.is_sidecar]
    assert ready == (status.phase == "Running" and all(s.ready for s in containers))
