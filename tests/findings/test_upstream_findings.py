"""Upstream findings: behaviours exploration found that Kubernetes itself has, each a named scenario replayed step by
step on the faithful model (README, "Findings"). Each test shows the behaviour, that the property concerned states
the assumption or limit that keeps it from being reported as a model bug, and a control run without the trigger.

1. ``rollout_never_starts``: a ReplicaSet scaled directly to the Deployment's new replicas before the controller
   annotated it leaves ``isScalingEvent`` true for ever and ``scale`` returns early (pkg/controller/deployment/
   sync.go), so a later image change never rolls out. Open upstream: kubernetes/kubernetes PRs #138840 and #138036
   (the same in gardener/machine-controller-manager#815, a port of the controller).
2. ``proportional_scale_below_min_available``: from a cache that has not seen the ReplicaSet it just created, the
   controller creates a second surge-sized one (the Deployment controller keeps no creation expectations), then a
   scale-down is a scaling event whose proportional ``scale`` cuts the old ReplicaSet without regard to
   availability (sync.go ``scale``; maxUnavailable governs rollouts only: kubernetes/kubernetes#23885, #40304).
3. ``rollout_counts_pods_being_removed``: a scale-down mid-rollout cuts the new ReplicaSet below the available
   pods its status still reports, and the next rollout sync sizes the old ReplicaSet's scale-down from
   ``status.availableReplicas`` (rolling.go ``reconcileOldReplicaSets`` / ``scaleDownOldReplicaSetsForRollingUpdate``
   via ``deploymentutil.GetAvailableReplicaCountForReplicaSets``), counting pods that are about to go.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pytest

from model import cluster
from model.actions import DeliverWatchEvent, Submit, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.controllers.base import Reconcile
from model.controllers.replicaset import is_pod_available
from model.kubelet.component import NodeHeartbeat
from model.manifests import from_dict
from model.rollout import DESIRED_REPLICAS_ANNOTATION
from model.state import ClusterState
from properties.explore import PropertyViolated, Scenario, Transition, check_liveness, converge, execute
from properties.invariants import rollouts
from properties.invariants.liveness import stuck_scaling_event
from properties.registry import all_properties, by_name
from properties.users import _new_image

Step = Any | Callable[[ClusterState], Any]
"""An action, or a user command built from the state it is sent in (kubectl reads the object first)."""
CONTROLLER_MANAGER = DeliverWatchEvent("kube-controller-manager")
SYNC = Reconcile("deployment-controller", ("default", "web"))


def _node(name: str, cpu: str) -> dict:
    resources = {"cpu": cpu, "memory": "8Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def _web(replicas: int) -> dict:
    container = {"name": "c", "image": "nginx:v1", "resources": {"requests": {"cpu": "1"}}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}}


def _scenario(name: str, replicas: int, nodes: int) -> Scenario:
    """``web`` (one container requesting 1 cpu) on ``nodes`` nodes with room for three such pods each, started
    settled (the workload up and running)."""
    docs = [_node(f"n{i}", "3") for i in range(1, nodes + 1)] + [_web(replicas)]
    return Scenario(name, tuple(from_dict(d) for d in docs), settled=True)


def _scale(kind: str, replicas: Callable[[int], int]) -> Callable[[ClusterState], Submit]:
    """``kubectl scale``: the first ``kind`` object in the store gets ``replicas(current)``."""
    def command(state: ClusterState) -> Submit:
        obj = state.store.list(kind, "default")[0]
        spec = attrs.evolve(obj.spec, replicas=replicas(obj.spec.replicas))
        return Submit(rq.Update(ADMIN, attrs.evolve(obj, spec=spec)))
    return command


def _set_image(state: ClusterState) -> Submit:
    """``kubectl set image``: the next image tag (v2, v3, ...)."""
    return Submit(rq.Update(ADMIN, _new_image(state.store.get("Deployment", "default", "web"))))


def play(scenario: Scenario, steps: Sequence[Step],
         skip: tuple[str, ...] = ()) -> tuple[ClusterState, list[Transition]]:
    """Run the steps from the scenario's initial state with every property (but ``skip``) checked after each (as a
    replay)."""
    state, transitions = scenario.initial(), []
    checked = tuple(p for p in all_properties() if p.name not in skip)
    for step in steps:
        action = step(state) if callable(step) else step
        state, done = execute(state, [action], scenario.config, checked)
        transitions += done
    return state, transitions


def _images(state: ClusterState) -> dict[str, tuple[int, str | None]]:
    """Each ReplicaSet's image: (spec.replicas, desired-replicas annotation)."""
    return {rs.spec.template.spec.containers[0].image: (rs.spec.replicas,
                                                        rs.metadata.annotations.get(DESIRED_REPLICAS_ANNOTATION))
            for rs in state.store.list("ReplicaSet", "default")}


# --- 1. the rollout that never starts ---------------------------------------------------------------------------

ROLLOUT_NEVER_STARTS = (_scale("Deployment", lambda n: n + 1), _scale("ReplicaSet", lambda n: n + 1), _set_image)
"""kubectl scale deployment web --replicas 3; kubectl scale rs web-<hash> --replicas 3 (before the controller has
synced); kubectl set image deployment/web c=nginx:v2."""


def test_rollout_never_starts_after_a_direct_replica_set_scale() -> None:
    scenario = _scenario("rollout-never-starts", 2, 2)
    state, transitions = play(scenario, ROLLOUT_NEVER_STARTS)
    state = converge(state, scenario.config, all_properties(), transitions)
    d = state.store.get("Deployment", "default", "web")
    assert (d.spec.replicas, d.spec.template.spec.containers[0].image) == (3, "nginx:v2")
    assert _images(state) == {"nginx:v1": (3, "2")}, "no ReplicaSet for nginx:v2, the old one still annotated 2"
    assert stuck_scaling_event(d, state.store.list("ReplicaSet", "default"))
    unexcused = by_name(["deployments-complete"])[0]
    # the property states its assumption and does not count this upstream state ...
    check_liveness(state, scenario.config, [unexcused], transitions)
    # ... while the raw rollout check it would otherwise apply fails: no pod of the current template runs
    pods = state.store.list("Pod", "default")
    assert {p.spec.containers[0].image for p in pods if p.metadata.deletion_timestamp is None} == {"nginx:v1"}


def test_without_the_direct_scale_the_rollout_completes() -> None:
    scenario = _scenario("rollout-never-starts-control", 2, 2)
    steps = (ROLLOUT_NEVER_STARTS[0], ROLLOUT_NEVER_STARTS[2])
    state, transitions = play(scenario, steps)
    state = converge(state, scenario.config, all_properties(), transitions)
    check_liveness(state, scenario.config, all_properties(), transitions)
    assert {image: replicas for image, (replicas, _) in _images(state).items()} == {"nginx:v1": 0, "nginx:v2": 3}


# --- 2. proportional scaling below minAvailable -------------------------------------------------------------------

PROPORTIONAL_SCALE = (
    *[Tick(1)] * 10, _set_image, NodeHeartbeat("n2"), NodeHeartbeat("n1"), CONTROLLER_MANAGER, _set_image,
    CONTROLLER_MANAGER, SYNC, CONTROLLER_MANAGER, _scale("Deployment", lambda n: n - 1), CONTROLLER_MANAGER, SYNC,
    CONTROLLER_MANAGER, CONTROLLER_MANAGER, CONTROLLER_MANAGER, SYNC, CONTROLLER_MANAGER, SYNC)
"""6 replicas filling two nodes; set image v2, set image v3 (the controller syncs v2 after both), scale to 5: the
sync creating v3's ReplicaSet has not seen v2's, and the last sync is the scaling event (the 27-action trace the
explorer found, cut to 1-minimal by ``properties.minimise``)."""


def _available(state: ClusterState) -> int:
    """Available pods the ReplicaSets keep: each counts at most its spec.replicas (the rest the ReplicaSet
    controller is about to delete)."""
    total = 0
    for rs in state.store.list("ReplicaSet", "default"):
        total += min(rs.spec.replicas, sum(
            1 for p in state.store.list("Pod", "default")
            if p.metadata.controller_ref().uid == rs.metadata.uid and p.metadata.deletion_timestamp is None
            and is_pod_available(p, 0, state.time)))
    return total


def test_proportional_scaling_takes_available_pods_below_the_rollout_minimum() -> None:
    scenario = _scenario("proportional-scale-below-min-available", 6, 2)
    # rollout-within-max-surge judges each sync by the Deployment and ReplicaSets its cache held (replicas 6, v1's
    # ReplicaSet only, so v3's at surge size keeps within 6 + 2): the 10 replicas come from what it could not see
    state, transitions = play(scenario, PROPORTIONAL_SCALE[:-1])
    assert _images(state) == {"nginx:v1": (6, "6"), "nginx:v2": (2, "6"), "nginx:v3": (2, "6")}, \
        "two surge-sized ReplicaSets: 10 replicas for a Deployment of 6 with maxSurge 2"
    assert _available(state) == 6
    # no property reports it ...
    state, _ = execute(state, [SYNC], scenario.config, all_properties())
    assert {image: replicas for image, (replicas, _) in _images(state).items()} == \
        {"nginx:v1": 3, "nginx:v2": 2, "nginx:v3": 2}
    d = state.store.get("Deployment", "default", "web")
    assert d.spec.replicas == 5 and _available(state) == 3  # ... though 3 < 5 - maxUnavailable 1


def test_the_property_still_judges_rollout_steps() -> None:
    """The same sync judged as if it were a rollout step (the cache's annotations agreeing with spec.replicas)
    is reported: the exemption is the scaling event, not the drop."""
    scenario = _scenario("proportional-scale-below-min-available", 6, 2)
    state, _ = play(scenario, PROPORTIONAL_SCALE[:-1], skip=("rollout-within-max-surge",))
    informer = state.informer("deployment-controller")
    cache = informer.cache
    for rs in cache.list("ReplicaSet", "default"):
        annotations = rs.metadata.annotations.set(DESIRED_REPLICAS_ANNOTATION, "5")
        cache = cache.put(attrs.evolve(rs, metadata=attrs.evolve(rs.metadata, annotations=annotations)))
    disguised = state.with_informer("deployment-controller", attrs.evolve(informer, cache=cache))
    prop = by_name(["deployment-keeps-min-available"])[0]
    step = cluster.step(state, SYNC)
    assert prop.check(disguised, Transition(SYNC, step), step.state, scenario.config)
    assert not prop.check(state, Transition(SYNC, step), step.state, scenario.config)


# --- 3. a rollout step counts pods a scale-down is removing -----------------------------------------------------

NOISE = ("NodeHeartbeat", "node-controller", "taint-eviction", "endpoint", "kube-proxy", "garbage")
"""Components the phases below leave alone when anything else can act (they only lengthen the run)."""


def _replica_set(state: ClusterState, image: str) -> Any:
    return next(rs for rs in state.store.list("ReplicaSet", "default")
                if rs.spec.template.spec.containers[0].image == image)


def _sizes(state: ClusterState, image: str) -> tuple[int, int]:
    """A ReplicaSet's (spec.replicas, status.availableReplicas)."""
    rs = _replica_set(state, image)
    return rs.spec.replicas, rs.status.available_replicas or 0


def _run_until(state: ClusterState, scenario: Scenario, held: Callable[[Any], bool],
               done: Callable[[ClusterState], bool], properties: Sequence[Any]) -> ClusterState:
    """Let the cluster act, leaving out the actions ``held`` names, until ``done``: a deterministic schedule (the
    first enabled action in the model's order, components in ``NOISE`` and the clock only when nothing else can
    act), every property checked after each step."""
    for _ in range(400):
        if done(state):
            return state
        enabled = [a for a in cluster.enabled(state, scenario.config) if not held(a)]
        busy = [a for a in enabled if not isinstance(a, Tick) and not any(n in str(a) for n in NOISE)]
        action = (busy or [a for a in enabled if not isinstance(a, Tick)] or enabled)[0]
        state, _ = execute(state, [action], scenario.config, properties)
    raise AssertionError("the phase did not reach its state")


def _rollout_then_scale_down(properties: Sequence[Any], new_catches_up: bool) -> ClusterState:
    """``web`` (10 replicas, maxSurge and maxUnavailable 25%) on four nodes for ten such pods: set image v2 and let
    the rollout run until the old ReplicaSet is down to 4 of 4 available and the new one sized 5 (4 available); an
    autoscaler (here ``kubectl scale``, the same write) scales ``web`` to 4, and the Deployment controller's
    proportional ``scale`` cuts the new ReplicaSet to 2 (status: 4 available) and the old one to 3; only the old
    ReplicaSet's controller catches up (``new_catches_up``: the new one's too); then the next rollout sync."""
    scenario = _scenario("rollout-counts-pods-being-removed", 10, 4)
    state, _ = execute(scenario.initial(), [_set_image(scenario.initial())], scenario.config, properties)
    state = _run_until(state, scenario, lambda a: False,
                       lambda s: _sizes(s, "nginx:v1") == (4, 4) and _sizes(s, "nginx:v2")[0] == 5, properties)
    state, _ = execute(state, [_scale("Deployment", lambda n: 4)(state)], scenario.config, properties)
    state = _run_until(state, scenario, lambda a: "replicaset-controller" in str(a) or isinstance(a, Tick),
                       lambda s: _sizes(s, "nginx:v1")[0] < 4, properties)
    assert (_sizes(state, "nginx:v1"), _sizes(state, "nginx:v2")) == ((3, 4), (2, 4))
    new = _replica_set(state, "nginx:v2").name
    lagging = () if new_catches_up else (new,)
    held = ("deployment-controller", *lagging)
    state = _run_until(state, scenario, lambda a: any(n in str(a) for n in held),
                       lambda s: _sizes(s, "nginx:v1") == (3, 3)
                       and (not new_catches_up or _sizes(s, "nginx:v2") == (2, 2)), properties)
    return _run_until(state, scenario, lambda a: any(n in str(a) for n in lagging) or isinstance(a, Tick),
                      lambda s: _sizes(s, "nginx:v1")[0] < 3, properties)


def test_a_rollout_step_counts_pods_a_scale_down_is_removing(monkeypatch: pytest.MonkeyPatch) -> None:
    # every property holds: deployment-keeps-min-available does not judge a sync that saw a lagging status ...
    state = _rollout_then_scale_down(all_properties(), new_catches_up=False)
    assert (_sizes(state, "nginx:v1")[0], _sizes(state, "nginx:v2")) == (0, (2, 4)), \
        "the old ReplicaSet scaled to 0 from 3, counting the new one's 4 available pods of which 2 are going"
    # ... and without that exemption the same run breaks it: 2 available pods, below 4 - maxUnavailable 1
    monkeypatch.setattr(rollouts, "_status_lags", lambda deployment, replica_sets: False)
    with pytest.raises(PropertyViolated, match="down to 2 available pods.*needs at least 3"):
        _rollout_then_scale_down(by_name(["deployment-keeps-min-available"]), new_catches_up=False)


def test_when_the_new_replica_set_has_caught_up_the_rollout_keeps_its_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: the same run with the new ReplicaSet's status caught up before the sync is judged without the
    exemption, and holds (the old ReplicaSet goes from 3 to 1: 2 + 1 = 3 available)."""
    monkeypatch.setattr(rollouts, "_status_lags", lambda deployment, replica_sets: False)
    state = _rollout_then_scale_down(all_properties(), new_catches_up=True)
    assert (_sizes(state, "nginx:v1")[0], _sizes(state, "nginx:v2")) == (1, (2, 2))
