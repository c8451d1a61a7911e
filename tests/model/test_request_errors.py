"""The ``request-error`` fault (model.faults.FailNextRequest): the API server answers one request with an error
instead of serving it, and every component copes as its upstream counterpart does.

Upstream behaviour checked here: a controller's failed sync is requeued with rate-limited back-off
(client-go util/workqueue ``AddRateLimited``, pkg/controller/replicaset/replica_set.go ``processNextWorkItem``); the
scheduler's failed binding backs the pod off and records ``PodScheduled=False/SchedulerError``
(pkg/scheduler/schedule_one.go ``handleBindingCycleError``, ``handleSchedulingFailure``); the kubelet's status
manager records a status as sent only once the API server accepted it and deletes a pod only after its final
status went through (pkg/kubelet/status/status_manager.go ``syncPod``), and its node status update is retried at
once (pkg/kubelet/kubelet_node_status.go ``updateNodeStatus``, ``nodeStatusUpdateRetry``); the namespace
controller's discovery errors set ``NamespaceDeletionDiscoveryFailure``
(pkg/controller/namespace/deletion/namespaced_resources_deleter.go ``deleteAllContent``,
status_condition_utils.go ``ProcessDiscoverResourcesErr``); the PV controller does not release a volume whose claim
it could not read (pkg/controller/volume/persistentvolume/pv_controller.go ``syncVolume``); the node lifecycle
controller tries a taint change again when reading the node failed (``SwapNodeControllerTaint``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, SCHEDULER, SYSTEM_MASTERS, controller_identity, kubelet_identity, user
from model.config import FAULTS, ModelConfig
from model.controllers import base, namespace, node_lifecycle, persistentvolume
from model.faults import ERRORS, REQUEST_ERROR, FailNextRequest, RestartController, WatchReconnect
from model.frozendict import FrozenDict
from model.kubelet.component import (
    CrashNode,
    HealPartition,
    KubeletSyncPod,
    NodeHeartbeat,
    PartitionNode,
    RecoverNode,
)
from model.kubeproxy import RouteRequest
from model.manifests import from_dict
from model.objects import Pod
from model.scheduler.component import SCHEDULER_ERROR, SchedulePod
from model.state import ClusterState, submit
from model.store import Objects
from properties.check import PROFILES, run
from properties.explore import Scenario
from properties.registry import all_properties
from properties.simulate import random_walk
from tests.properties.test_machines import OBJECTS

ERRORS_ON = ModelConfig(faults=frozenset({REQUEST_ERROR}))
RS = "replicaset-controller"
KEY = ("shop", "cart")
HELD = (Tick, RouteRequest, FailNextRequest, RestartController, WatchReconnect, CrashNode, RecoverNode, PartitionNode,
        HealPartition)
"""Actions the tests take themselves: the clock, client traffic and faults."""
INTERNAL, THROTTLED = ERRORS[500], ERRORS[429]


def settle(state: ClusterState, limit: int = 3000) -> ClusterState:
    """Run every component (in the cluster's fixed order) until only the clock and faults are left."""
    for _ in range(limit):
        actions = [a for a in cluster.enabled(state, ERRORS_ON) if not isinstance(a, HELD)]
        if not actions:
            return state
        state = cluster.apply(state, actions[0], ERRORS_ON)
    raise AssertionError(f"not quiescent after {limit} actions")


def later(state: ClusterState, seconds: int) -> ClusterState:
    """``seconds`` pass one at a time, the components settling after each."""
    for _ in range(seconds):
        state = settle(cluster.apply(state, Tick(), ERRORS_ON))
    return state


def deliver(state: ClusterState) -> ClusterState:
    """Hand every connected informer every watch event it has still to see (nothing else acts)."""
    while True:
        deliveries = [a for a in cluster.enabled(state, ERRORS_ON) if isinstance(a, DeliverWatchEvent)]
        if not deliveries:
            return state
        state = cluster.apply(state, deliveries[0], ERRORS_ON)


def submitted() -> ClusterState:
    """The cluster with the ReplicaSet and the Service created, nothing else having acted."""
    state = cluster.initial_state(OBJECTS)
    while state.pending:
        state = cluster.apply(state, SubmitPending(), ERRORS_ON)
    return state


def running() -> ClusterState:
    """The cluster with the ReplicaSet's two pods scheduled, running and ready."""
    return later(settle(submitted()), 2)


def failing(state: ClusterState, name: str, code: int = 500) -> ClusterState:
    """The fault marks ``name``'s next request (it must be offered)."""
    action = FailNextRequest(name, code)
    assert action in cluster.enabled(state, ERRORS_ON), f"{action} is not offered"
    return cluster.apply(state, action, ERRORS_ON)


def faults_offered(state: ClusterState, config: ModelConfig = ERRORS_ON) -> list[FailNextRequest]:
    return [a for a in cluster.enabled(state, config) if isinstance(a, FailNextRequest)]


def pods(state: ClusterState) -> tuple[Pod, ...]:
    return state.store.list("Pod", "shop")


def create_pod(state: ClusterState, name: str, node: str | None = None) -> ClusterState:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "shop/solo:1"}]}
    if node is not None:
        spec["nodeName"] = node
    obj = from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop"},
                     "spec": spec})
    state, response, _ = submit(state, rq.Create(ADMIN, obj))
    assert response.ok, response
    return state


def answered(result: base.Result, answer: Callable[[rq.Request], rq.Response]
             ) -> tuple[base.Result, list[rq.Request]]:
    """Run a controller sync's Result chain against ``answer`` as the API server: its last Result and every
    request it sent."""
    memory, sent = result.memory or FrozenDict(), []
    while True:
        sent += result.requests
        responses = tuple(answer(r) for r in result.requests)
        if result.then is None:
            return result, sent
        result = result.then(memory, responses)
        memory = memory if result.memory is None else result.memory


# --- the fault and the API server -----------------------------------------------------------------


def test_the_fault_is_listed_with_the_others() -> None:
    assert REQUEST_ERROR in FAULTS
    assert cluster.component_of(FailNextRequest("x", 500)).name == "faults"
    assert FailNextRequest(SCHEDULER.name, 429).describe() == \
        "the API server answers system:kube-scheduler's next request with 429 TooManyRequests"


def test_the_fault_is_offered_only_when_configured_and_not_twice() -> None:
    state = deliver(submitted())
    assert faults_offered(state, ModelConfig()) == []
    assert faults_offered(state, ModelConfig(faults=frozenset(set(FAULTS) - {REQUEST_ERROR}))) == []
    name = controller_identity(RS).name
    assert [a for a in faults_offered(state) if a.user == name] == [FailNextRequest(name, 500),
                                                                   FailNextRequest(name, 429)]
    marked = cluster.apply(state, FailNextRequest(name, 429), ERRORS_ON)
    assert marked.failing == FrozenDict({name: THROTTLED}) and marked.store is state.store
    assert not [a for a in faults_offered(marked) if a.user == name]


def test_the_fault_is_offered_to_the_identities_about_to_send() -> None:
    """Controllers with a key ready, the scheduler with a pod queued, kubelets of reachable nodes with a pod to
    sync; nobody once the cluster is idle."""
    state = running()
    assert faults_offered(state) == []
    state = deliver(create_pod(state, "solo"))
    assert {a.user for a in faults_offered(state)} == {SCHEDULER.name}
    state = deliver(create_pod(state, "pinned", "node-a"))
    assert kubelet_identity("node-a").name in {a.user for a in faults_offered(state)}
    partitioned = cluster.apply(state, PartitionNode("node-a"), ModelConfig(faults=frozenset({"partition"})))
    assert kubelet_identity("node-a").name not in {a.user for a in faults_offered(partitioned)}
    # The taint eviction controller sends with the node-controller's credentials.
    assert base.Controller("taint-eviction-controller", frozenset(), lambda *a: (), lambda c: (),
                           lambda c: base.Result(), credentials="node-controller").identity == \
        controller_identity("node-controller")


def test_submit_answers_the_marked_request_with_the_error_and_spends_the_mark() -> None:
    state = running()
    name = controller_identity(RS).name
    marked = attrs.evolve(state, failing=FrozenDict({name: INTERNAL}))
    replicaset = state.store.get("ReplicaSet", "shop", "cart")
    after, response, events = submit(marked, rq.UpdateStatus(controller_identity(RS), replicaset))
    assert (response, events) == (INTERNAL, ())
    assert after.store is state.store and after.failing == FrozenDict()
    assert submit(after, rq.Get(controller_identity(RS), "ReplicaSet", "shop", "cart"))[1].ok


USERS = [user(f"user-{i}", SYSTEM_MASTERS) for i in range(3)]


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(range(3))), st.lists(st.sampled_from(range(3)), max_size=8),
       st.sampled_from(sorted(ERRORS)))
def test_each_marked_identity_gets_exactly_one_error(marked: set[int], senders: list[int], code: int) -> None:
    """Whatever the order of requests, each marked identity's first request gets the error and changes nothing;
    every other request is served as if no mark existed."""
    state = cluster.initial_state(OBJECTS)
    plain = state
    state = attrs.evolve(state, failing=FrozenDict({USERS[i].name: ERRORS[code] for i in marked}))
    seen: set[int] = set()
    for n, i in enumerate(senders):
        request = rq.Create(USERS[i], from_dict({"apiVersion": "v1", "kind": "ConfigMap",
                                                 "metadata": {"name": f"cm-{n}", "namespace": "shop"}}))
        before = state.store
        state, response, events = submit(state, request)
        if i in marked and i not in seen:
            assert response == ERRORS[code] and events == () and state.store is before
        else:
            plain, expected, _ = submit(plain, request)
            assert response == expected and response.ok
        seen.add(i)
    assert set(state.failing) == {USERS[i].name for i in marked - seen}
    assert state.store.objects == plain.store.objects


# --- controllers ---------------------------------------------------------------------------------------


def test_a_failed_reconcile_is_requeued_with_back_off_and_the_replicas_still_converge() -> None:
    state = failing(deliver(submitted()), controller_identity(RS).name)
    step = cluster.step(state, base.Reconcile(RS, KEY), ERRORS_ON)
    assert step.responses[0] == INTERNAL and not pods(step.state)
    informer = step.state.informer(RS)
    assert informer.failures[KEY] == 1 and informer.delayed[KEY] == state.time + 1
    assert KEY not in base.ready_keys(informer, state.time) and KEY in base.ready_keys(informer, state.time + 1)
    state = later(settle(step.state), 3)
    assert len(pods(state)) == 2 and all(p.status.phase == "Running" and p.node_name for p in pods(state))
    assert KEY not in state.informer(RS).failures


def test_a_taint_change_whose_node_read_failed_is_tried_again() -> None:
    """Cordoning a node: the node lifecycle controller's GET before its taint update fails; the sync is retried
    with back-off and the ``unschedulable`` taint lands."""
    state = running()
    node = state.store.get("Node", None, "node-b")
    state, response, _ = submit(state, rq.Update(ADMIN, attrs.evolve(node, spec=attrs.evolve(
        node.spec, unschedulable=True))))
    assert response.ok
    state = failing(deliver(state), controller_identity(node_lifecycle.NAME).name)
    step = cluster.step(state, base.Reconcile(node_lifecycle.NAME, ("node-b",)), ERRORS_ON)
    assert [r.code for r in step.responses] == [500]
    assert step.state.informer(node_lifecycle.NAME).failures[("node-b",)] == 1
    state = later(settle(step.state), 2)
    assert [t.key for t in state.store.get("Node", None, "node-b").spec.taints] == [
        "node.kubernetes.io/unschedulable"]


def test_namespace_discovery_failure_is_a_condition_and_a_retry() -> None:
    """deleteAllContent: a failed discovery deletes nothing, sets NamespaceDeletionDiscoveryFailure (reason
    DiscoveryFailed, the error's message), and the sync fails, to be retried with back-off."""
    ns = from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "shop", "uid": "u1", "deletionTimestamp": 0}, "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Terminating"}})
    written: list[Any] = []

    def api(request: rq.Request) -> rq.Response:
        if isinstance(request, rq.Get):
            return rq.ok(ns)
        if isinstance(request, rq.Discover):
            return INTERNAL
        written.append(request.object)
        return rq.ok(request.object)

    result, sent = answered(base.drive(lambda: namespace.delete("shop", 10)), api)
    assert [type(r) for r in sent] == [rq.Get, rq.Discover, rq.UpdateStatus] and result.failed is True
    condition = next(c for c in written[0].status.conditions if c.type == namespace.DISCOVERY_FAILURE)
    assert (condition.status, condition.reason, condition.message) == ("True", "DiscoveryFailed", INTERNAL.message)


def test_a_volume_whose_claim_could_not_be_read_is_not_released() -> None:
    """syncVolume: an error other than NotFound reading the claim fails the sync; the volume keeps its phase."""
    volume = from_dict({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1"}, "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete",
        "hostPath": {"path": "/data"}, "claimRef": {"namespace": "shop", "name": "data", "uid": "c1"}},
        "status": {"phase": "Bound"}})
    ctx = base.Context(Objects().put(volume), ("pv1",), 10, FrozenDict(), ModelConfig())
    result, sent = answered(persistentvolume.sync(ctx), lambda request: INTERNAL)
    assert [type(r) for r in sent] == [rq.Get] and result.failed is True
    result, sent = answered(persistentvolume.sync(ctx), lambda request: rq.not_found("persistentvolumeclaims",
                                                                                      "data"))
    assert [type(r) for r in sent][:2] == [rq.Get, rq.UpdateStatus]  # gone for real: Released


# --- the scheduler ----------------------------------------------------------------------------------------


def test_a_failed_binding_backs_the_pod_off_with_a_scheduler_error_and_it_is_bound_later() -> None:
    state = failing(deliver(create_pod(running(), "solo")), SCHEDULER.name, 429)
    action = next(a for a in cluster.enabled(state, ERRORS_ON) if isinstance(a, SchedulePod))
    step = cluster.step(state, action, ERRORS_ON)
    assert [r.code for r in step.responses] == [429, 200]
    solo = step.state.store.get("Pod", "shop", "solo")
    condition = solo.status.condition("PodScheduled")
    assert not solo.node_name and (condition.status, condition.reason, condition.message) == (
        "False", SCHEDULER_ERROR, THROTTLED.message)
    assert not [a for a in cluster.enabled(step.state, ERRORS_ON) if isinstance(a, SchedulePod)]  # backed off
    state = later(settle(step.state), 2)
    solo = state.store.get("Pod", "shop", "solo")
    assert solo.node_name and solo.status.condition("PodScheduled").status == "True"
    assert solo.status.phase == "Running"


# --- the kubelet ----------------------------------------------------------------------------------------


def test_a_failed_pod_status_update_is_sent_again() -> None:
    """The status manager records what it sent only once the API server accepted it: after the error the sync stays
    enabled and the next one reports the running pod."""
    state = deliver(create_pod(running(), "pinned", "node-a"))
    uid = state.store.get("Pod", "shop", "pinned").metadata.uid
    state = failing(state, kubelet_identity("node-a").name)
    sync = KubeletSyncPod("node-a", uid, "shop", "pinned")
    step = cluster.step(state, sync, ERRORS_ON)
    assert step.responses == (INTERNAL,)
    runtime = step.state.nodes["node-a"].pod(uid)
    assert runtime is not None and runtime.reported is None and runtime.any_running  # started, not reported
    assert step.state.store.get("Pod", "shop", "pinned").status.phase == "Pending"
    assert sync in cluster.enabled(step.state, ERRORS_ON)
    state = settle(step.state)
    assert state.store.get("Pod", "shop", "pinned").status.phase == "Running"


def test_the_pod_is_deleted_only_after_its_final_status_went_through() -> None:
    state = deliver(create_pod(running(), "pinned", "node-a"))
    state = settle(state)
    uid = state.store.get("Pod", "shop", "pinned").metadata.uid
    state, response, _ = submit(state, rq.Delete(ADMIN, "Pod", "shop", "pinned"))
    assert response.ok
    state = deliver(state)
    sync = KubeletSyncPod("node-a", uid, "shop", "pinned")
    # The kill's status report fails: the next sync sends it again, then the final DELETE ...
    state = cluster.apply(failing(state, kubelet_identity("node-a").name), sync, ERRORS_ON)
    assert state.nodes["node-a"].pod(uid).killed
    requests = cluster.step(state, sync, ERRORS_ON).responses
    assert len(requests) == 2
    # ... unless that status update fails too: then no DELETE is sent, and the pod stays on the node.
    step = cluster.step(failing(state, kubelet_identity("node-a").name), sync, ERRORS_ON)
    assert step.responses == (INTERNAL,)
    assert step.state.store.get("Pod", "shop", "pinned") is not None and step.state.nodes["node-a"].pod(uid)
    state = settle(step.state)
    assert state.store.get("Pod", "shop", "pinned") is None and state.nodes["node-a"].pod(uid) is None


def test_a_failed_node_status_update_is_retried_at_once() -> None:
    state = later(running(), 10)
    state = failing(deliver(create_pod(state, "pinned", "node-a")),
                    kubelet_identity("node-a").name)
    state = cluster.apply(state, Tick(10), ERRORS_ON)
    step = cluster.step(state, NodeHeartbeat("node-a"), ERRORS_ON)
    assert [r.code for r in step.responses] == [500, 200]
    ready = step.state.store.get("Node", None, "node-a").status.condition("Ready")
    assert ready.last_heartbeat_time == state.time and step.state.failing == FrozenDict()


# --- exploration ----------------------------------------------------------------------------------------


def test_a_walk_through_the_scenario_answers_requests_with_errors() -> None:
    """The fault is reachable in the explored scenario: a seeded walk marks identities and their requests get the
    errors."""
    walk = list(random_walk(Scenario("walk", OBJECTS, ERRORS_ON).initial(), 300, 0, ERRORS_ON))
    assert any(isinstance(w.action, FailNextRequest) for w in walk)
    assert {r for w in walk for r in w.step.responses if r in ERRORS.values()}


def test_exploration_with_request_errors_finds_no_violation() -> None:
    """Every property, invariants after every step and liveness after each run's fair convergence, holds with
    request errors among the explored actions."""
    scenario = Scenario("request-errors", OBJECTS, ERRORS_ON, user_budget=2)
    result = run(scenario, all_properties(), PROFILES["dev"], seed_value=0)
    assert result.violation is None, result.violation
    assert result.examples >= PROFILES["dev"].examples
