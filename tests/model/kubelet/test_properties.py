"""Random kubelet runs on a small cluster: nothing raises, and every status a kubelet reports is one
Kubernetes' kubelet could report.

Hypothesis picks, step after step, any enabled kubelet action (syncs, container exits and crashes, readiness,
writes, heartbeats, node crashes and recoveries, partitions and heals), watch deliveries to the kubelets, the
clock (1, 10 or 300 s) and the admin deleting pods (gracefully or by force). After every step:
- a pod status that changed has the phase upstream getPhase gives for the container statuses it reports
  (pkg/kubelet/kubelet_pods.go, with the terminal three-way merge and status_manager.go TerminatePod);
- Ready is True exactly when the pod is Running and every app container and sidecar reports ready
  (pkg/kubelet/status/generate.go);
- a pod the API server shows Succeeded or Failed runs nothing on its node;
- restart counts the API server shows never go down for the same pod.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from model.actions import DeliverWatchEvent, Submit, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.cluster import apply, enabled
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
from model.objects import Pod
from model.state import ClusterState
from tests.model.kubelet.support import FAULTY, bound_claim, cluster, container, create, expected_reported_phase, pod

PROBE = {"readinessProbe": {"exec": {"command": ["true"]}}}
MOUNTS = [{"name": "scratch", "mountPath": "/scratch"}, {"name": "data", "mountPath": "/data"}]
VOLUMES = [{"name": "scratch", "emptyDir": {}}, {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]


@lru_cache(maxsize=1)
def small_cluster() -> ClusterState:
    """The example cluster with four pods bound to two workers, not yet seen by their kubelets."""
    state, _ = bound_claim(cluster(), "data")
    for spec in (
        pod("web", containers=[container("app", volumeMounts=MOUNTS, **PROBE)], volumes=VOLUMES),
        pod("job", restartPolicy="Never", initContainers=[container("setup"), container(
            "proxy", restartPolicy="Always", **PROBE)], containers=[container("work")]),
        pod("batch", node="worker-2", restartPolicy="OnFailure", initContainers=[container("fetch")],
            containers=[container("a"), container("b")]),
        pod("hog", node="worker-2", containers=[container("app", resources={"requests": {"cpu": "20"}})]),
    ):
        state, _ = create(state, spec)
    return state


NODES = ("worker-1", "worker-2")
FAULTS = (CrashNode, RecoverNode, PartitionNode, HealPartition)
CONTAINERS = (ContainerExit, ContainerBecomesReady, ContainerWrites)
KINDS = ("sync",) * 6 + ("container",) * 3 + ("clock",) * 2 + ("fault", "delete")
"""How often each kind of step is drawn: mostly the kubelets at work, now and then a fault or a deletion."""


def choices(state: ClusterState, kind: str) -> list[Any]:
    """The actions of one kind enabled in ``state`` (on the two workers that run pods)."""
    if kind == "clock":
        return [Tick(1), Tick(10), Tick(300)]
    if kind == "delete":
        return [Submit(rq.Delete(ADMIN, "Pod", p.namespace, p.name, grace_period_seconds=grace))
                for p in state.store.list("Pod") for grace in (None, 0)]
    kinds = {"sync": (KubeletSyncPod, NodeHeartbeat), "container": CONTAINERS, "fault": FAULTS}[kind]
    return [a for a in enabled(state, FAULTY)
            if (isinstance(a, kinds) and a.node in NODES)
            or (kind == "sync" and a in (DeliverWatchEvent(f"kubelet/{n}") for n in NODES))]


def pods_by_uid(state: ClusterState) -> dict[str, Pod]:
    return {p.metadata.uid: p for p in state.store.list("Pod")}


def check_reported(before: ClusterState, after: ClusterState, restarts: dict[tuple[str, str], int]) -> None:
    old = pods_by_uid(before)
    for uid, p in pods_by_uid(after).items():
        node_runtime = after.nodes[p.spec.node_name]
        if p.status.phase in ("Succeeded", "Failed") and node_runtime.pod(uid) is not None:
            assert not node_runtime.pod(uid).any_running, f"{p.name} is {p.status.phase} but still runs"
        for s in p.status.init_container_statuses + p.status.container_statuses:
            assert s.restart_count >= restarts.get((uid, s.name), 0), f"{p.name}/{s.name} restart count went down"
            restarts[(uid, s.name)] = s.restart_count
        previous = old.get(uid)
        if previous is None or previous.status == p.status:
            continue
        if p.status.message and p.status.message.startswith("Pod was rejected: "):
            assert p.status.phase == "Failed"
            continue
        runtimes = (before.nodes[p.spec.node_name].pod(uid), node_runtime.pod(uid))
        killed = any(r is not None and r.killed for r in runtimes)
        assert p.status.phase == expected_reported_phase(p, previous.status.phase, killed), (
            f"{p.name} reported {p.status.phase} with {p.status}")
        sidecars = {c.name for c in p.spec.init_containers if c.is_sidecar}
        serving = [s for s in p.status.container_statuses] + [
            s for s in p.status.init_container_statuses if s.name in sidecars]
        ready = p.status.condition("Ready").status == "True"
        assert ready == (p.status.phase == "Running" and all(s.ready for s in serving)), p.status


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_random_kubelet_runs_report_only_statuses_a_kubelet_could_report(data: st.DataObject) -> None:
    state = small_cluster()
    restarts: dict[tuple[str, str], int] = {}
    for _ in range(data.draw(st.integers(10, 60), label="steps")):
        options = choices(state, data.draw(st.sampled_from(KINDS), label="kind")) or choices(state, "clock")
        action = data.draw(st.sampled_from(options), label="action")
        after = apply(state, action, FAULTY)
        check_reported(state, after, restarts)
        state = after
