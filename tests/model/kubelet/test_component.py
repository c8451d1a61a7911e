"""The kubelets in the cluster: scenarios on the example cluster, driven by watch deliveries and kubelet actions.

Each scenario creates pods already bound to a node (as the scheduler would have), delivers watch events to
the node's kubelet and lets it act. Upstream behaviour reproduced: pkg/kubelet/kubelet.go (SyncPod,
SyncTerminatingPod, HandlePodRemoves), pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions,
doBackOff), pkg/kubelet/kubelet_pods.go (getPhase, generateAPIPodStatus), pkg/kubelet/prober (readiness),
pkg/kubelet/lifecycle/predicate.go (admission), pkg/kubelet/status/status_manager.go (status updates and the
final grace-0 delete), pkg/kubelet/nodestatus/setters.go (ReadyCondition: ``KubeletReady``, ``kubelet is
posting ready status``). Docs: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/,
https://kubernetes.io/docs/concepts/storage/volumes/#emptydir,
https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/ (the at-most-one hazard).
"""

from __future__ import annotations

from typing import Any

import pytest

from model.actions import DeliverWatchEvent
from model.cluster import apply, enabled, step
from model.config import ModelConfig
from model.kubelet.component import (
    ContainerBecomesReady,
    ContainerExit,
    ContainerWrites,
    CrashNode,
    HealPartition,
    KubeletSyncPod,
    NodeHeartbeat,
    PartitionNode,
    RecoverNode,
)
from model.kubelet.sync import KILL_EXIT_CODE
from model.state import ClusterState
from tests.model.kubelet.support import (
    FAITHFUL,
    FAULTY,
    api_pod,
    bound_claim,
    cluster,
    condition,
    container,
    create,
    delete,
    kubelet_sees,
    pod,
    running,
    runtime,
    settle,
    shown_state,
    status_of,
    tick,
)

PROBE = {"readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}}


def start(state: ClusterState, *pods: Any, config: ModelConfig = FAITHFUL) -> tuple[ClusterState, list[str]]:
    """Create the pods and let their kubelets run them; returns the state and the pods' uids."""
    uids = []
    for p in pods:
        state, stored = create(state, p)
        uids.append(stored.metadata.uid)
    return settle(state, config=config), uids


def node_actions(state: ClusterState, node: str) -> list[Any]:
    """What the node's kubelet (or a fault on it) could do, with every fault enabled."""
    return [a for a in enabled(state, FAULTY) if getattr(a, "node", None) == node
            or a == DeliverWatchEvent(f"kubelet/{node}")]


# --- a pod starts ----------------------------------------------------------------------------------------


def test_a_pod_goes_from_pending_to_running_and_ready() -> None:
    state, created = create(cluster(), pod("web"))
    uid = created.metadata.uid
    assert created.status.phase == "Pending" and condition(created, "PodScheduled") == "True"
    assert not [a for a in enabled(state) if isinstance(a, KubeletSyncPod)]  # the kubelet has not seen it yet
    state = apply(state, DeliverWatchEvent("kubelet/worker-1"))
    assert [a for a in enabled(state) if isinstance(a, KubeletSyncPod)] == [
        KubeletSyncPod("worker-1", uid, "default", "web")]
    state = settle(state)
    web = api_pod(state, "web")
    assert web.status.phase == "Running"
    assert [(c.type, c.status) for c in web.status.conditions] == [
        ("PodScheduled", "True"), ("Initialized", "True"), ("ContainersReady", "True"), ("Ready", "True")]
    assert shown_state(web, "app") == "running" and status_of(web, "app").ready
    assert web.status.pod_ip and web.status.start_time == 0
    assert running(state, "worker-1", uid, "app").running
    assert runtime(state, "worker-2", uid) is None


def test_with_a_readiness_probe_the_pod_is_ready_only_after_the_probe_succeeds() -> None:
    state, (uid,) = start(cluster(), pod("web", containers=[container("app", **PROBE)]))
    web = api_pod(state, "web")
    assert web.status.phase == "Running" and shown_state(web, "app") == "running"
    assert condition(web, "Ready") == "False" and web.status.condition("Ready").reason == "ContainersNotReady"
    probe = ContainerBecomesReady("worker-1", uid, "app")
    assert probe in enabled(state)
    state = settle(apply(tick(state, 5), probe))
    web = api_pod(state, "web")
    assert condition(web, "Ready") == "True" and web.status.condition("Ready").last_transition_time == 5
    assert status_of(web, "app").ready
    assert probe not in enabled(state)


# --- init containers and sidecars -----------------------------------------------------------------------


def test_init_containers_run_one_at_a_time_before_the_app_containers() -> None:
    spec = pod("web", initContainers=[container("fetch"), container("migrate")])
    state, (uid,) = start(cluster(), spec)
    seen = []
    for name in ("fetch", "migrate"):
        web = api_pod(state, "web")
        seen.append({n: shown_state(web, n) for n in ("fetch", "migrate", "app")})
        assert web.status.phase == "Pending" and condition(web, "Initialized") == "False"
        assert status_of(web, "app").state["waiting"]["reason"] == "PodInitializing"
        exits = [a for a in enabled(state) if isinstance(a, ContainerExit)]
        assert exits == [ContainerExit("worker-1", uid, name, 0)]  # only the running init container can finish
        state = settle(apply(tick(state, 1), exits[0]))
    assert seen == [{"fetch": "running", "migrate": "waiting", "app": "waiting"},
                    {"fetch": "terminated", "migrate": "running", "app": "waiting"}]
    web = api_pod(state, "web")
    assert web.status.phase == "Running" and condition(web, "Initialized") == "True"
    assert {n: shown_state(web, n) for n in ("fetch", "migrate", "app")} == {
        "fetch": "terminated", "migrate": "terminated", "app": "running"}
    assert status_of(web, "fetch").ready and status_of(web, "migrate").ready


def test_a_sidecar_runs_beside_the_app_container_and_stops_when_it_finishes() -> None:
    spec = pod("job", restartPolicy="Never",
               initContainers=[container("proxy", restartPolicy="Always")], containers=[container("work")])
    state, (uid,) = start(cluster(), spec)
    job = api_pod(state, "job")
    assert job.status.phase == "Running"
    assert shown_state(job, "proxy") == shown_state(job, "work") == "running"
    exits = [a for a in enabled(state) if isinstance(a, ContainerExit)]
    assert exits == [ContainerExit("worker-1", uid, "work", 0)]  # a sidecar does not run to completion
    state = apply(state, exits[0])
    assert api_pod(state, "job").status.phase == "Running"
    state = settle(state)
    job = api_pod(state, "job")
    assert job.status.phase == "Succeeded"
    assert shown_state(job, "proxy") == "terminated"
    assert not runtime(state, "worker-1", uid).any_running


def test_an_unready_sidecar_keeps_the_pod_out_of_ready() -> None:
    spec = pod("web", initContainers=[container("proxy", restartPolicy="Always", **PROBE)])
    state, (uid,) = start(cluster(), spec)
    assert condition(api_pod(state, "web"), "Ready") == "False"
    state = settle(apply(state, ContainerBecomesReady("worker-1", uid, "proxy")))
    assert condition(api_pod(state, "web"), "Ready") == "True"


# --- crash loops and restart policies ----------------------------------------------------------------------


def test_a_crash_looping_container_backs_off_10_20_40_up_to_300_seconds() -> None:
    """doBackOff: the first restart is immediate; then each restart waits twice as long, at most 300 s, while
    the container shows CrashLoopBackOff with its last termination."""
    state, (uid,) = start(cluster(), pod("crashy"), config=FAULTY)
    waits = []
    for crash in range(1, 9):
        state = settle(apply(tick(state, 1), ContainerExit("worker-1", uid, "app", 1), FAULTY), config=FAULTY)
        crashed_at, wait = state.time, 0
        while not running(state, "worker-1", uid, "app").running:
            shown = status_of(api_pod(state, "crashy"), "app")
            assert dict(shown.state) == {"waiting": {"reason": "CrashLoopBackOff"},
                                         "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}
            assert shown.restart_count == crash - 1
            state = settle(tick(state, 1), config=FAULTY)
            wait = state.time - crashed_at
        waits.append(wait)
        shown = status_of(api_pod(state, "crashy"), "app")
        assert shown.restart_count == crash and "running" in shown.state
    assert waits == [0, 10, 20, 40, 80, 160, 300, 300]
    assert api_pod(state, "crashy").status.phase == "Running"


@pytest.mark.parametrize("policy,exit_codes,phase", [
    ("Always", (0, 1), "Running"), ("OnFailure", (0, 0), "Succeeded"), ("OnFailure", (0, 1), "Running"),
    ("Never", (0, 0), "Succeeded"), ("Never", (0, 1), "Failed"), ("Never", (1, 1), "Failed"),
])
def test_restart_policy_decides_the_phase(policy: str, exit_codes: tuple[int, int], phase: str) -> None:
    spec = pod("p", restartPolicy=policy, containers=[container("a"), container("b")])
    state, (uid,) = start(cluster(), spec)
    for name, code in zip("ab", exit_codes, strict=True):
        state = apply(state, ContainerExit("worker-1", uid, name, code))
    state = settle(state)
    assert api_pod(state, "p").status.phase == phase
    restarted = [n for n in "ab" if running(state, "worker-1", uid, n).restart_count]
    expected = {"Always": ["a", "b"], "OnFailure": [n for n, c in zip("ab", exit_codes, strict=True) if c], "Never": []}
    assert restarted == expected[policy]


# --- volumes ----------------------------------------------------------------------------------------------


def test_container_disk_empty_dir_and_claim_data_have_their_own_lifetimes() -> None:
    """A restart gets a fresh writable layer; an emptyDir lives as long as the pod on the node; a
    PersistentVolumeClaim's data outlives the pod."""
    state, stored_claim = bound_claim(cluster(), "data")
    mounts = [{"name": "scratch", "mountPath": "/scratch"}, {"name": "data", "mountPath": "/data"}]
    volumes = [{"name": "scratch", "emptyDir": {}}, {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    state, (uid,) = start(state, pod("web", containers=[container("app", volumeMounts=mounts)], volumes=volumes),
                          config=FAULTY)
    write = ContainerWrites("worker-1", uid, "app")
    state = apply(state, write, FAULTY)
    assert write not in enabled(state, FAULTY)  # this incarnation has written its data
    first = "default/web/app#0"
    assert running(state, "worker-1", uid, "app").disk == {first}
    assert runtime(state, "worker-1", uid).empty_dirs["scratch"] == {first}
    assert state.volumes[stored_claim.metadata.uid] == {first}

    state = settle(apply(state, ContainerExit("worker-1", uid, "app", 1), FAULTY), config=FAULTY)
    assert running(state, "worker-1", uid, "app").restart_count == 1
    assert running(state, "worker-1", uid, "app").disk == frozenset()  # the writable layer is gone ...
    assert runtime(state, "worker-1", uid).empty_dirs["scratch"] == {first}  # ... the emptyDir is not
    state = apply(state, write, FAULTY)
    second = "default/web/app#1"
    assert runtime(state, "worker-1", uid).empty_dirs["scratch"] == {first, second}

    state = settle(delete(state, "web"), config=FAULTY)
    assert api_pod(state, "web") is None and runtime(state, "worker-1", uid) is None  # the emptyDir went with it
    assert state.volumes[stored_claim.metadata.uid] == {first, second}
    state, (uid2,) = start(state, pod("web-2", node="worker-2", containers=[container("app", volumeMounts=mounts)],
                                      volumes=volumes), config=FAULTY)
    assert runtime(state, "worker-2", uid2).empty_dirs["scratch"] == frozenset()
    state = apply(state, ContainerWrites("worker-2", uid2, "app"), FAULTY)
    assert state.volumes[stored_claim.metadata.uid] == {first, second, "default/web-2/app#0"}


# --- graceful termination -----------------------------------------------------------------------------


def test_graceful_deletion_kills_the_containers_reports_and_then_removes_the_pod() -> None:
    state, (uid,) = start(cluster(), pod("web"))  # terminationGracePeriodSeconds defaults to 30
    state = delete(tick(state, 4), "web")
    web = api_pod(state, "web")
    assert web.metadata.deletion_timestamp == 34 and web.metadata.deletion_grace_period_seconds == 30
    assert running(state, "worker-1", uid, "app").running  # nothing happens until the kubelet sees it
    state = apply(state, DeliverWatchEvent("kubelet/worker-1"))
    state = apply(state, KubeletSyncPod("worker-1", uid, "default", "web"))
    web = api_pod(state, "web")
    assert web is not None and web.status.phase == "Failed"
    assert dict(status_of(web, "app").state) == {"terminated": {"exitCode": KILL_EXIT_CODE, "reason": "Error"}}
    assert not runtime(state, "worker-1", uid).any_running
    state = apply(state, DeliverWatchEvent("kubelet/worker-1"))
    result = step(state, KubeletSyncPod("worker-1", uid, "default", "web"))
    assert [r.code for r in result.responses] == [200]  # the final delete with grace period 0
    assert api_pod(result.state, "web") is None and runtime(result.state, "worker-1", uid) is None
    state = settle(result.state)
    assert api_pod(state, "web") is None and not [a for a in enabled(state) if isinstance(a, KubeletSyncPod)]


def test_a_completed_pod_keeps_its_succeeded_phase_through_deletion() -> None:
    state, (uid,) = start(cluster(), pod("job", restartPolicy="Never"))
    state = settle(apply(state, ContainerExit("worker-1", uid, "app", 0)))
    assert api_pod(state, "job").status.phase == "Succeeded"
    state = settle(delete(state, "job"))  # a terminated pod is deleted at once
    assert api_pod(state, "job") is None and runtime(state, "worker-1", uid) is None


# --- kubelet admission ----------------------------------------------------------------------------------


def requesting(name: str, cpu: str, node: str = "worker-1") -> Any:
    return pod(name, node=node, containers=[container("app", resources={"requests": {"cpu": cpu}})])


def test_a_pod_that_does_not_fit_is_rejected_as_out_of_cpu() -> None:
    state, (hog, _, late) = start(cluster(), requesting("hog", "20"), requesting("big", "10"),
                                  requesting("late", "8"))
    rejected = api_pod(state, "hog")
    assert (rejected.status.phase, rejected.status.reason) == ("Failed", "OutOfcpu")
    assert rejected.status.message == ("Pod was rejected: Node didn't have enough resource: cpu, requested: 20000, "
                                       "used: 0, capacity: 15800")
    assert not runtime(state, "worker-1", hog).any_running
    assert api_pod(state, "big").status.phase == "Running"  # the rejected pod holds nothing
    assert api_pod(state, "late").status.message == (
        "Pod was rejected: Node didn't have enough resource: cpu, requested: 8000, used: 10000, capacity: 15800")


def test_no_execute_taints_must_be_tolerated_but_no_schedule_taints_are_the_schedulers() -> None:
    edge = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "edge-1", "labels": {"kubernetes.io/os": "linux"}},
            "spec": {"taints": [{"key": "site", "value": "edge", "effect": "NoExecute"}]},
            "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}}
    tolerant = pod("tolerant", node="edge-1", tolerations=[{"key": "site", "operator": "Equal", "value": "edge",
                                                            "effect": "NoExecute"}])
    state, _ = start(cluster(edge), pod("intolerant", node="edge-1"), tolerant, pod("on-control-plane", node="cp-1"))
    intolerant = api_pod(state, "intolerant")
    assert (intolerant.status.phase, intolerant.status.reason) == ("Failed", "TaintToleration")
    assert intolerant.status.message == ("Pod was rejected: Predicate TaintToleration failed: node(s) had taints "
                                         "that the pod didn't tolerate")
    assert api_pod(state, "tolerant").status.phase == "Running"
    assert api_pod(state, "on-control-plane").status.phase == "Running"


# --- node heartbeats --------------------------------------------------------------------------------------


def test_heartbeats_post_ready_every_ten_seconds() -> None:
    state = cluster()
    assert NodeHeartbeat("worker-1") in enabled(state)
    state = apply(tick(state, 3), NodeHeartbeat("worker-1"))
    ready = state.store.get("Node", None, "worker-1").status.condition("Ready")
    assert (ready.status, ready.reason, ready.message, ready.last_heartbeat_time) == (
        "True", "KubeletReady", "kubelet is posting ready status", 3)
    assert NodeHeartbeat("worker-1") not in enabled(tick(state, 9))
    state = apply(tick(state, 10), NodeHeartbeat("worker-1"))
    again = state.store.get("Node", None, "worker-1").status.condition("Ready")
    assert again.last_heartbeat_time == 13 and again.last_transition_time == ready.last_transition_time


def test_a_heartbeat_turns_a_not_ready_node_ready() -> None:
    sick = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "sick-1"},
            "status": {"capacity": {"cpu": "4", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                                       "lastTransitionTime": 0}]}}
    state = apply(tick(cluster(sick), 7), NodeHeartbeat("sick-1"))
    ready = state.store.get("Node", None, "sick-1").status.condition("Ready")
    assert (ready.status, ready.last_transition_time, ready.last_heartbeat_time) == ("True", 7, 7)


# --- faults -----------------------------------------------------------------------------------------------


def test_a_crashed_node_stops_everything_sends_nothing_and_restarts_its_pods_on_recovery() -> None:
    state, (web, doomed) = start(cluster(), pod("web"), pod("doomed"), config=FAULTY)
    assert CrashNode("worker-1") in enabled(state, FAULTY) and CrashNode("worker-1") not in enabled(state)
    state = apply(state, CrashNode("worker-1"), FAULTY)
    assert not runtime(state, "worker-1", web).any_running
    assert running(state, "worker-1", web, "app").exit_code == 137
    state = delete(tick(state, 30), "doomed")
    assert node_actions(state, "worker-1") == [RecoverNode("worker-1")]  # no syncs, heartbeats or watch events
    assert api_pod(state, "web").status.phase == "Running" and condition(api_pod(state, "web"), "Ready") == "True"
    state = apply(state, RecoverNode("worker-1"), FAULTY)
    assert kubelet_sees(state, "worker-1", "doomed").metadata.deletion_timestamp is not None  # re-listed
    state = settle(state, config=FAULTY)
    assert running(state, "worker-1", web, "app").running
    assert status_of(api_pod(state, "web"), "app").restart_count == 1  # restarted at once: back-off was lost
    assert api_pod(state, "doomed") is None and runtime(state, "worker-1", doomed) is None
    assert NodeHeartbeat("worker-1") in enabled(state, FAULTY)


def test_a_partitioned_node_keeps_running_but_its_reports_arrive_only_after_healing() -> None:
    state, (uid,) = start(cluster(), pod("web"), config=FAULTY)
    state = apply(state, PartitionNode("worker-1"), FAULTY)
    assert running(state, "worker-1", uid, "app").running
    state = apply(state, ContainerExit("worker-1", uid, "app", 1), FAULTY)
    result = step(state, KubeletSyncPod("worker-1", uid, "default", "web"), FAULTY)
    assert [r.code for r in result.responses] == [503]
    state = result.state
    assert running(state, "worker-1", uid, "app").restart_count == 1  # the node restarted it ...
    assert status_of(api_pod(state, "web"), "app").restart_count == 0  # ... the API server does not know
    assert NodeHeartbeat("worker-1") not in enabled(state, FAULTY)
    state = delete(state, "web")  # the kubelet cannot see this either
    assert DeliverWatchEvent("kubelet/worker-1") not in enabled(state, FAULTY)
    assert kubelet_sees(state, "worker-1", "web").metadata.deletion_timestamp is None
    assert HealPartition("worker-1") in enabled(state, FAULTY)
    state = apply(state, HealPartition("worker-1"), FAULTY)
    state = apply(state, KubeletSyncPod("worker-1", uid, "default", "web"), FAULTY)
    web = api_pod(state, "web")
    assert status_of(web, "app").restart_count == 1 and web.status.phase == "Failed"  # reported, then killed
    state = settle(state, config=FAULTY)
    assert api_pod(state, "web") is None and NodeHeartbeat("worker-1") in enabled(state, FAULTY)


def test_a_pod_force_deleted_during_a_partition_keeps_running_beside_its_replacement() -> None:
    """The StatefulSet at-most-one hazard: ``kubectl delete --force`` removes the object, but the partitioned
    kubelet never hears of it and keeps the old incarnation running (and writing) until the partition heals."""
    state, stored_claim = bound_claim(cluster(), "data-db-0")
    mounts = [{"name": "data", "mountPath": "/var/lib/db"}]
    volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]

    def db(node: str) -> Any:
        return pod("db-0", node=node, containers=[container("db", volumeMounts=mounts)], volumes=volumes)

    state, (old,) = start(state, db("worker-1"), config=FAULTY)
    state = apply(state, PartitionNode("worker-1"), FAULTY)
    state = delete(state, "db-0", grace=0)
    assert api_pod(state, "db-0") is None
    state, (new,) = start(state, db("worker-2"), config=FAULTY)
    assert new != old
    assert running(state, "worker-1", old, "db").running and running(state, "worker-2", new, "db").running
    assert ContainerWrites("worker-1", old, "db") in enabled(state, FAULTY)  # both write to the same claim
    state = apply(state, ContainerWrites("worker-1", old, "db"), FAULTY)
    assert state.volumes[stored_claim.metadata.uid] == {"default/db-0/db#0"}
    state = settle(apply(state, HealPartition("worker-1"), FAULTY), config=FAULTY)
    assert runtime(state, "worker-1", old) is None
    assert running(state, "worker-2", new, "db").running
    assert api_pod(state, "db-0").metadata.uid == new
