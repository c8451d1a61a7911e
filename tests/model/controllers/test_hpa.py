"""The HorizontalPodAutoscaler controller (model.controllers.hpa) with metrics-server (model.metrics_server) and load
(model.load), driven on the whole model: users change load, metrics-server scrapes every 15 s, the HPA syncs every
15 s and writes its target's scale through the API server.

Expectations follow pkg/controller/podautoscaler/horizontal.go and the HPA doc's algorithm (desired =
ceil(current * usage / target), the 10% tolerance, min/max, the 300 s scale-down stabilisation, the max(2x, 4)
scale-up limit without ``behavior``) and horizontal_test.go's conditions (TestScaleUp's ``SucceededRescale``,
TestConditionFailedGetMetrics, TestZeroReplicas' ``ScalingDisabled``, TestUpscaleCap's ``ScaleUpLimit``).
"""

from __future__ import annotations

from typing import Any

import pytest

from model import cluster, load
from model.actions import SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, user
from model.config import ModelConfig
from model.kubelet.component import ContainerExit, HealPartition, PartitionNode, RecoverNode
from model.manifests import from_dict
from model.podautoscaler import horizontal as norm
from model.state import ClusterState, submit
from properties.explore import PropertyViolated, execute
from properties.registry import by_name
from properties.users import user_actions

CONFIG = ModelConfig()
NS = "default"


def _node(name: str, cpu: str = "8") -> dict:
    resources = {"cpu": cpu, "memory": "16Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def _web(replicas: int = 2, annotations: dict | None = None, memory_limit: str | None = None) -> dict:
    resources: dict[str, Any] = {"requests": {"cpu": "500m", "memory": "128Mi"}}
    if memory_limit is not None:
        resources["limits"] = {"memory": memory_limit}
    template: dict[str, Any] = {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "c", "image": "nginx", "resources": resources}]}}
    if annotations:
        template["metadata"]["annotations"] = annotations
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": NS},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, "template": template}}


def _hpa(minimum: int = 1, maximum: int = 5, target: int = 50, **spec: Any) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": NS},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": minimum, "maxReplicas": maximum,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": target}}}], **spec}}


QUIET = (Tick, ContainerExit, SubmitPending, HealPartition, RecoverNode)
"""Not taken by the drivers: the clock (they move it), containers finishing, pending manifests, nodes coming back."""


def _quiesce(state: ClusterState, config: ModelConfig = CONFIG, limit: int = 5000) -> ClusterState:
    """Run the cluster's own actions (no clock, no container exits) until none changes the state."""
    for _ in range(limit):
        for action in cluster.enabled(state, config):
            if isinstance(action, QUIET) or isinstance(action, load.OverloadNode):
                continue
            after = cluster.apply(state, action, config)
            if after != state:
                state = after
                break
        else:
            return state
    raise AssertionError("not quiescent")


def _run(state: ClusterState, seconds: int, config: ModelConfig = CONFIG) -> ClusterState:
    state = _quiesce(state, config)
    for _ in range(seconds):
        state = _quiesce(cluster.apply(state, Tick(1), config), config)
    return state


def _start(*docs: dict, nodes: int = 1, cpu: str = "8") -> ClusterState:
    state = cluster.initial_state([from_dict(d) for d in (*[_node(f"n{i}", cpu) for i in range(1, nodes + 1)],
                                                         *docs)])
    while state.pending:
        state = cluster.apply(state, SubmitPending())
    return _run(state, 2)


def _replicas(state: ClusterState) -> int:
    return state.store.get("Deployment", NS, "web").spec.replicas


def _conditions(state: ClusterState) -> dict[str, tuple[str, str]]:
    hpa = state.store.get("HorizontalPodAutoscaler", NS, "web")
    return {c["type"]: (c["status"], c["reason"]) for c in hpa.status.conditions or ()}


def _set_load(state: ClusterState, resource: str, level: str) -> ClusterState:
    """Every running web container's ``resource`` load goes to ``level`` (the user's LoadChange actions)."""
    for pod in state.store.list("Pod", NS):
        for change in load.changes(state, pod):
            if change.resource == resource and change.level == level:
                state = cluster.apply(state, change)
    return state


def test_load_at_the_request_doubles_a_deployment_with_a_50_percent_target() -> None:
    """100% of the requested cpu against a 50% target: ceil(2 * 100 / 50) = 4 (within max(2 * 2, 4))."""
    state = _start(_web(2), _hpa(maximum=10))
    assert _replicas(state) == 2
    state = _run(_set_load(state, "cpu", load.REQUEST), 31)
    assert _replicas(state) == 4
    hpa = state.store.get("HorizontalPodAutoscaler", NS, "web")
    assert (hpa.status.current_replicas, hpa.status.desired_replicas) == (2, 4)
    assert _conditions(state)["AbleToScale"] == ("True", "SucceededRescale")
    assert _conditions(state)["ScalingActive"] == ("True", "ValidMetricFound")
    assert hpa.status.current_metrics[0]["resource"]["current"]["averageUtilization"] == 100


def test_users_change_the_traffic_of_autoscaled_workloads() -> None:
    """The user's load actions: one TrafficChange per level the web Deployment's cpu load may move to (its HPA reads
    cpu only); applying one moves every running web container."""
    state = _start(_web(2), _hpa())
    offered = [a for a in user_actions(state) if isinstance(a, load.TrafficChange)]
    assert sorted(a.level for a in offered) == [load.LIMIT, load.OVER, load.REQUEST]
    assert {(a.kind, a.name, a.resource) for a in offered} == {("Deployment", "web", "cpu")}
    state = cluster.apply(state, next(a for a in offered if a.level == load.REQUEST))
    levels = {load.level(None, c, "cpu") for r in state.nodes.values() for p in r.pods.values() for c in p.containers}
    assert levels == {load.REQUEST}


def test_the_scale_up_limit_and_max_replicas() -> None:
    """Load at the cpu limit-less ``over`` level (125%) against a 10% target: the proposal is capped at
    max(2 * current, 4) per sync (ScaleUpLimit), then at maxReplicas (TooManyReplicas)."""
    state = _start(_web(1), _hpa(maximum=6, target=10))
    state = _run(_set_load(state, "cpu", load.OVER), 31)
    seen = []
    for _ in range(6):
        seen.append(_replicas(state))
        state = _run(state, 15)
    assert seen[0] == 4 and max(seen) == 6 and all(r <= 6 for r in seen)
    assert _conditions(state)["ScalingLimited"] == ("True", "TooManyReplicas")


def test_scale_down_waits_for_the_stabilization_window() -> None:
    """Idle pods against the minimum 1: the default 300 s window holds the highest recent recommendation."""
    state = _start(_web(3), _hpa())
    state = _run(state, 200)
    assert _replicas(state) == 3
    assert _conditions(state)["AbleToScale"] == ("True", "ScaleDownStabilized")
    state = _run(state, 150)
    assert _replicas(state) == 1
    assert _conditions(state)["ScalingLimited"] == ("True", "TooFewReplicas")


def test_behavior_policies_limit_the_scale_up_rate() -> None:
    """scaleUp: at most 1 pod per 60 s (Pods policy), no stabilisation."""
    behavior = {"scaleUp": {"stabilizationWindowSeconds": 0, "policies": [
        {"type": "Pods", "value": 1, "periodSeconds": 60}]}}
    state = _start(_web(1), _hpa(maximum=10, target=10, behavior=behavior))
    state = _run(_set_load(state, "cpu", load.REQUEST), 31)
    assert _replicas(state) == 2
    assert _conditions(state)["ScalingLimited"] == ("True", "ScaleUpLimit")
    state = _run(state, 30)
    assert _replicas(state) == 2
    state = _run(state, 45)
    assert _replicas(state) == 3


def test_without_metrics_the_hpa_is_not_scaling_active() -> None:
    """The node cannot be scraped (partitioned): no PodMetrics, ScalingActive False FailedGetResourceMetric, and the
    replicas stay (TestConditionFailedGetMetrics)."""
    state = _start(_web(2), _hpa())
    state = cluster.apply(state, PartitionNode("n1"))
    state = _run(state, 40)
    assert state.store.list("PodMetrics", NS) == ()
    assert _conditions(state)["ScalingActive"][0] == "False"
    assert _conditions(state)["ScalingActive"][1] == "FailedGetResourceMetric"
    assert _replicas(state) == 2


def test_a_target_scaled_to_zero_disables_scaling() -> None:
    state = _start(_web(0), _hpa())
    state = _run(state, 20)
    assert _conditions(state)["ScalingActive"] == ("False", "ScalingDisabled")
    assert _replicas(state) == 0


def test_pod_metrics_are_readable_through_the_api_with_rbac() -> None:
    """metrics.k8s.io PodMetrics are listed through the API server: the admin may, a user without a role may not."""
    state = _run(_start(_web(2), _hpa()), 16)
    _, allowed, _ = submit(state, rq.List(ADMIN, "PodMetrics", NS))
    assert allowed.ok and len(allowed.object) == 2
    assert {c.name for m in allowed.object for c in m.containers} == {"c"}
    _, denied, _ = submit(state, rq.List(user("mallory"), "PodMetrics", NS))
    assert denied.code == 403


def test_memory_over_the_limit_is_an_oom_kill() -> None:
    """A container whose memory load goes over its limit is killed (exit 137, OOMKilled) and restarted; the pod
    status shows the restart and the last state's reason."""
    state = _start(_web(1, memory_limit="256Mi"), _hpa())
    pod = state.store.list("Pod", NS)[0]
    state = _set_load(state, "memory", load.OVER)
    kills = [a for a in cluster.enabled(state) if isinstance(a, load.OOMKill)]
    assert len(kills) == 1
    state = _run(cluster.apply(state, kills[0]), 2)
    pod = state.store.get("Pod", NS, pod.name)
    (status,) = pod.status.container_statuses
    assert status.restart_count == 1
    assert dict(status.state).get("running") is not None or "waiting" in dict(status.state)
    assert not [a for a in cluster.enabled(state) if isinstance(a, load.OOMKill)], "the restarted process is idle"


def test_a_declared_profile_sets_the_initial_load() -> None:
    """``kubeproof.io/load: cpu=limit`` without a cpu limit: the pods use their request."""
    state = _run(_start(_web(1, annotations={load.LOAD_ANNOTATION: "cpu=limit,memory=request"}), _hpa()), 16)
    (metrics,) = state.store.list("PodMetrics", NS)
    assert metrics.containers[0].usage["cpu"].milli == 500
    assert metrics.containers[0].usage["memory"].value == 128 * 2**20


def test_node_overload_fault() -> None:
    """With ``node-overload`` a node whose pods use 98% of its allocatable cpu may fail."""
    config = ModelConfig(faults=frozenset({load.NODE_OVERLOAD}))
    state = _start(_web(2), _hpa(minimum=2, maximum=2), cpu="1")
    assert not [a for a in cluster.enabled(state, config) if isinstance(a, load.OverloadNode)]
    state = _set_load(state, "cpu", load.REQUEST)
    (fail,) = [a for a in cluster.enabled(state, config) if isinstance(a, load.OverloadNode)]
    assert not cluster.apply(state, fail, config).nodes["n1"].up
    assert not [a for a in cluster.enabled(state) if isinstance(a, load.OverloadNode)], "only with the fault"


def test_breaking_the_bounds_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property fails when the controller skips the [min, max] clamp (a broken model on purpose)."""
    monkeypatch.setattr(norm, "convert_with_rules", lambda current, desired, minimum, maximum: (desired,
                                                                                                norm.WITHIN_RANGE))
    state = _start(_web(2), _hpa(maximum=3, target=10))
    state = _set_load(state, "cpu", load.REQUEST)
    with pytest.raises(PropertyViolated, match="outside \\[1, 3\\]"):
        for _ in range(60):
            actions = [a for a in cluster.enabled(state) if not isinstance(a, QUIET)]
            action = actions[0] if actions else Tick(1)
            state, _ = execute(state, [action], CONFIG, by_name(["hpa-replicas-within-bounds"]))


def test_two_hpas_selecting_the_same_pods_are_ambiguous_until_one_goes() -> None:
    """horizontal.go validateAndParseSelector / hpasControllingPodsUnderSelector: pods that two HPAs select make both
    ScalingActive False (AmbiguousSelector) and neither scales; once one is deleted (deleteHPA forgets its selector)
    the other scales again."""
    second = _hpa(maximum=10)
    second["metadata"]["name"] = "web-2"
    state = _start(_web(2), _hpa(maximum=10), second)
    state = _run(_set_load(state, "cpu", load.REQUEST), 31)
    assert _replicas(state) == 2
    for name in ("web", "web-2"):
        active = next(c for c in state.store.get("HorizontalPodAutoscaler", NS, name).status.conditions
                      if c["type"] == "ScalingActive")
        assert (active["status"], active["reason"]) == ("False", "AmbiguousSelector")
        assert active["message"] == ("pods by selector app=web are controlled by multiple HPAs: "
                                     "[default/web default/web-2]")
    state, deleted, _ = submit(state, rq.Delete(ADMIN, "HorizontalPodAutoscaler", NS, "web-2"))
    assert deleted.ok
    state = _run(state, 31)
    assert _replicas(state) == 4
    assert _conditions(state)["ScalingActive"] == ("True", "ValidMetricFound")
