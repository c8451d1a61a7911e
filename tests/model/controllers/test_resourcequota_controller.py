"""The ResourceQuota controller (model.controllers.resourcequota), and quota admission under API servers whose quota
listers lag (the default, and the ``stale-quota-apiservers`` variant of kubernetes/kubernetes#24494).

Ported from kubernetes/kubernetes ``pkg/controller/resourcequota/resource_quota_controller_test.go``
(TestSyncResourceQuota rows for BestEffort and PriorityClass scopes, TestSyncResourceQuotaSpecChange,
TestSyncResourceQuotaSpecHardChange, TestSyncResourceQuotaNoChange, TestAddQuota: which quota events queue a
sync) and ``pkg/quota/v1/install/update_filter_test.go`` (which updates of tracked objects replenish), with the
recount repairing a charge left by a create that failed after admission (the model's ``server.py`` and
``test_apiserver.py::test_already_exists_leaves_the_quota_charge_behind``), and
``staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller_test.go``'s conflict case (a stale
quota's status update conflicts and the request is re-checked against the reloaded quota).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, Submit, SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.config import ModelConfig
from model.controllers import base
from model.controllers import resourcequota as rqc
from model.controllers.base import CONTROLLER_MANAGER
from model.frozendict import FrozenDict
from model.manifests import from_dict
from model.quantity import parse_quantity
from model.state import QUOTA_LISTER, ClusterState, behind
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent

FAITHFUL = ModelConfig()
STALE = ModelConfig(variants=frozenset({"stale-quota-apiservers"}))
KEY = ("q", "quota")


# --- objects and driving ---------------------------------------------------------------------------------------


def _quota(hard: dict[str, str], name: str = "quota", namespace: str = "q", status: dict | None = None,
           **spec: Any) -> Any:
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "ResourceQuota",
                           "metadata": {"name": name, "namespace": namespace}, "spec": {"hard": hard, **spec}}
    if status is not None:
        doc["status"] = status
    return from_dict(doc)


def _pod(name: str, cpu: str = "", memory: str = "", phase: str = "Running", priority_class: str = "",
         namespace: str = "q") -> Any:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    spec: dict[str, Any] = {"containers": [{"name": "ctr", "image": "image", "resources": {"requests": requests}}]}
    if priority_class:
        spec["priorityClassName"] = priority_class
    return from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
                      "spec": spec, "status": {"phase": phase}})


def _start(*objects: Any) -> ClusterState:
    """Namespace ``q`` with ``objects`` (a quota among them), stored as a snapshot would have them."""
    state = cluster.initial_state([from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "q"}}),
                                   *objects])
    while state.pending:
        state = cluster.apply(state, SubmitPending())
    return state


def _send(state: ClusterState, request: Any, config: ModelConfig = FAITHFUL) -> tuple[ClusterState, rq.Response]:
    step = cluster.step(state, Submit(request), config)
    return step.state, step.responses[0]


def _settle(state: ClusterState) -> ClusterState:
    """Run the quota controller (its informer and the syncs due now) until it has nothing left to do."""
    for _ in range(500):
        actions = [a for a in cluster.enabled(state)
                   if (isinstance(a, DeliverWatchEvent) and a.component in (rqc.NAME, CONTROLLER_MANAGER))
                   or (isinstance(a, base.Reconcile) and a.controller == rqc.NAME)]
        if not actions:
            return state
        state = cluster.apply(state, actions[0])
    raise AssertionError("the quota controller did not settle")


def _used(state: ClusterState, name: str = "quota", namespace: str = "q") -> dict[str, str]:
    return {k: str(v) for k, v in state.store.get("ResourceQuota", namespace, name).status.used.items()}


def _cache(*objects: Any) -> Objects:
    cache = Objects()
    for obj in objects:
        cache = cache.put(obj)
    return cache


def _context(quota: Any, *objects: Any) -> base.Context:
    return base.Context(_cache(quota, *objects), (quota.namespace, quota.name), 0, FrozenDict(), FAITHFUL)


# --- the recount -------------------------------------------------------------------------------------------------


TEST_PODS = (_pod("pod-running", "100m", "1Gi"), _pod("pod-running-2", "100m", "1Gi"),
             _pod("pod-failed", "100m", "1Gi", phase="Failed"))
BEST_EFFORT_PODS = (_pod("pod-running"), _pod("pod-running-2"), _pod("pod-failed", "100m", "1Gi", phase="Failed"))
PRIORITY_PODS = (_pod("pod-running", "500m", "50Gi", priority_class="high"),
                 _pod("pod-running-2", "100m", "1Gi", priority_class="low"),
                 _pod("pod-failed", "100m", "1Gi", phase="Failed"))
HARD = {"cpu": "3", "memory": "100Gi", "pods": "5"}


@pytest.mark.parametrize(("pods", "spec", "used"), [
    pytest.param(TEST_PODS, {"scopes": ["BestEffort"]}, {"cpu": "0", "memory": "0", "pods": "0"},
                 id="non-matching-best-effort-scoped-quota"),
    pytest.param(BEST_EFFORT_PODS, {"scopes": ["BestEffort"]}, {"cpu": "0", "memory": "0", "pods": "2"},
                 id="matching-best-effort-scoped-quota"),
    pytest.param(TEST_PODS, {"scopeSelector": {"matchExpressions": [{"scopeName": "PriorityClass",
                                                                      "operator": "Exists"}]}},
                 {"cpu": "0", "memory": "0", "pods": "0"}, id="non-matching-priorityclass-scoped-quota-OpExists"),
    pytest.param(PRIORITY_PODS, {"scopeSelector": {"matchExpressions": [{"scopeName": "PriorityClass",
                                                                          "operator": "In", "values": ["high"]}]}},
                 {"cpu": "500m", "memory": "50Gi", "pods": "1"}, id="matching-priorityclass-scoped-quota-OpIn-high"),
    pytest.param(TEST_PODS, {}, {"cpu": "200m", "memory": "2Gi", "pods": "2"}, id="pods"),
])
def test_sync_resource_quota(pods: tuple[Any, ...], spec: dict, used: dict[str, str]) -> None:
    """TestSyncResourceQuota: the sync writes ``hard`` = ``spec.hard`` and the recounted usage of the pods its
    scopes select (terminal pods are not charged)."""
    quota = _quota(HARD, namespace="q", **spec)
    result = rqc.sync(_context(quota, *pods))
    (request,) = result.requests
    assert isinstance(request, rq.UpdateStatus)
    assert {k: str(v) for k, v in request.object.status.hard.items()} == HARD
    assert {k: str(v) for k, v in request.object.status.used.items()} == used
    assert result.requeue_after == rqc.RESYNC_PERIOD


def test_sync_resource_quota_spec_change() -> None:
    """TestSyncResourceQuotaSpecChange: a new ``spec.hard`` is copied into the status."""
    quota = _quota({"cpu": "4"}, status={"hard": {"cpu": "3"}, "used": {"cpu": "0"}})
    (request,) = rqc.sync(_context(quota)).requests
    assert request.object.status.hard == {"cpu": parse_quantity("4")}
    assert request.object.status.used == {"cpu": parse_quantity("0")}


def test_sync_resource_quota_spec_hard_change() -> None:
    """TestSyncResourceQuotaSpecHardChange: a resource removed from ``spec.hard`` leaves ``hard`` and ``used``."""
    quota = _quota({"cpu": "4"}, status={"hard": {"cpu": "3", "memory": "1Gi"}, "used": {"cpu": "0", "memory": "0"}})
    (request,) = rqc.sync(_context(quota)).requests
    assert set(request.object.status.hard) == set(request.object.status.used) == {"cpu"}


def test_sync_resource_quota_no_change() -> None:
    """TestSyncResourceQuotaNoChange: nothing is written when limits and usage are as recorded."""
    quota = _quota({"cpu": "4"}, status={"hard": {"cpu": "4"}, "used": {"cpu": "0"}})
    result = rqc.sync(_context(quota))
    assert result.requests == () and result.requeue_after == rqc.RESYNC_PERIOD


def test_usage_of_unmonitored_resources_is_kept() -> None:
    """A ``count/`` of a resource the controller does not monitor (a custom resource) keeps its recorded usage,
    or stays absent; a monitored one is recounted."""
    quota = _quota({"count/widgets.example.com": "5", "count/gadgets.example.com": "5", "count/configmaps": "5"},
                   status={"hard": {}, "used": {"count/widgets.example.com": "3", "count/configmaps": "4"}})
    config_map = from_dict({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "q"}})
    status = rqc.calculate_status(quota, _cache(quota, config_map), now=0)
    assert {k: str(v) for k, v in status.used.items()} == {"count/widgets.example.com": "3", "count/configmaps": "1"}


def test_a_deleted_quota_is_not_synced() -> None:
    result = rqc.sync(base.Context(Objects(), KEY, 0, FrozenDict(), FAITHFUL))
    assert result == base.Result()


# --- the queue ---------------------------------------------------------------------------------------------------


def test_what_queues_a_quota() -> None:
    """TestAddQuota and the quota informer's handlers: adds and deletions queue the quota, an update only when
    ``spec.hard`` changes (its own status updates do not); a created object never does."""
    quota = _quota({"pods": "5"}, status={"hard": {"pods": "5"}, "used": {"pods": "1"}})
    cache = _cache(quota)
    recounted = attrs.evolve(quota, status=attrs.evolve(quota.status, used=FrozenDict({"pods": parse_quantity("2")})))
    raised = attrs.evolve(quota, spec=attrs.evolve(quota.spec, hard=FrozenDict({"pods": parse_quantity("6")})))
    assert rqc.enqueue(WatchEvent(ADDED, quota, 1), None, cache) == (KEY,)
    assert rqc.enqueue(WatchEvent(MODIFIED, recounted, 2), quota, cache) == ()
    assert rqc.enqueue(WatchEvent(MODIFIED, raised, 3), quota, cache) == (KEY,)
    assert rqc.enqueue(WatchEvent(DELETED, raised, 4), raised, cache) == (KEY,)
    assert rqc.enqueue(WatchEvent(ADDED, _pod("p"), 5), None, cache) == ()


def test_what_replenishes_a_quota() -> None:
    """DefaultUpdateFilter and replenishQuota: deleting a tracked object, a pod turning terminal or changing its
    Terminating scope, a service changing its quota type: the namespace's quotas that track the kind are queued."""
    pods_quota = _quota({"pods": "5"}, name="pods", status={"hard": {"pods": "5"}, "used": {}})
    services_quota = _quota({"services.nodeports": "2"}, name="ports",
                            status={"hard": {"services.nodeports": "2"}, "used": {}})
    cache = _cache(pods_quota, services_quota)
    running = _pod("p")
    done = attrs.evolve(running, status=attrs.evolve(running.status, phase="Succeeded"))
    deadline = attrs.evolve(running, spec=attrs.evolve(running.spec, active_deadline_seconds=30))
    relabelled = attrs.evolve(running, metadata=attrs.evolve(running.metadata, labels=FrozenDict({"a": "b"})))
    assert rqc.enqueue(WatchEvent(DELETED, running, 1), running, cache) == (("q", "pods"),)
    assert rqc.enqueue(WatchEvent(MODIFIED, done, 2), running, cache) == (("q", "pods"),)
    assert rqc.enqueue(WatchEvent(MODIFIED, running, 3), done, cache) == ()
    assert rqc.enqueue(WatchEvent(MODIFIED, deadline, 4), running, cache) == (("q", "pods"),)
    assert rqc.enqueue(WatchEvent(MODIFIED, relabelled, 5), running, cache) == ()
    service = from_dict({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "q"},
                         "spec": {"type": "NodePort", "ports": [{"port": 80}]}})
    cluster_ip = attrs.evolve(service, spec=attrs.evolve(service.spec, type="ClusterIP"))
    assert rqc.enqueue(WatchEvent(MODIFIED, cluster_ip, 6), service, cache) == (("q", "ports"),)
    assert rqc.enqueue(WatchEvent(MODIFIED, service, 7), service, cache) == ()


# --- in the cluster ------------------------------------------------------------------------------------------------


def test_the_recount_repairs_a_charge_left_by_a_failed_create() -> None:
    """A create refused with AlreadyExists after quota admission charged it leaves the charge; nothing queues the
    quota for it, so the periodic resync, five minutes on, repairs it."""
    state = _settle(_start(_quota({"pods": "5"})))
    state, response = _send(state, rq.Create(ADMIN, _pod("a")))
    assert response.ok and _used(state) == {"pods": "1"}
    state, response = _send(state, rq.Create(ADMIN, _pod("a")))
    assert response.reason == "AlreadyExists" and _used(state) == {"pods": "2"}
    state = _settle(state)
    assert _used(state) == {"pods": "2"}
    state = _settle(cluster.apply(state, Tick(rqc.RESYNC_PERIOD - 1)))
    assert _used(state) == {"pods": "2"}
    state = _settle(cluster.apply(state, Tick(1)))
    assert _used(state) == {"pods": "1"}


def test_a_deleted_pod_is_released_at_once() -> None:
    state = _settle(_start(_quota({"pods": "5", "count/pods": "5"})))
    state, _ = _send(state, rq.Create(ADMIN, _pod("a")))
    state, _ = _send(state, rq.Create(ADMIN, _pod("b")))
    state, response = _send(state, rq.Delete(ADMIN, "Pod", "q", "a"))
    assert response.ok and _used(state) == {"pods": "2", "count/pods": "2"}
    state = _settle(state)
    assert _used(state) == {"pods": "1", "count/pods": "1"}
    b = state.store.get("Pod", "q", "b")
    state, _ = _send(state, rq.UpdateStatus(ADMIN, attrs.evolve(b, status=attrs.evolve(b.status, phase="Failed"))))
    state = _settle(state)
    assert _used(state) == {"pods": "0", "count/pods": "1"}


def test_a_stale_recount_cannot_overwrite_a_newer_charge() -> None:
    """The status update carries the cached quota's resourceVersion: a recount from a cache that has not observed
    the latest charge conflicts and is retried with back-off."""
    state = _settle(_start(_quota({"pods": "5"})))
    state, _ = _send(state, rq.Create(ADMIN, _pod("a")))
    state, _ = _send(state, rq.Create(ADMIN, _pod("a")))  # leaked charge: used 2 in the store
    state = cluster.apply(_settle(state), Tick(rqc.RESYNC_PERIOD))
    state, _ = _send(state, rq.Create(ADMIN, _pod("b")))  # used 3; the controller has not observed it
    step = cluster.step(state, base.Reconcile(rqc.NAME, KEY))
    assert [r.reason for r in step.responses] == ["Conflict"]
    assert _used(step.state) == {"pods": "3"}
    assert step.state.informer(rqc.NAME).failures[KEY] == 1
    assert _used(_settle(cluster.apply(step.state, Tick(1)))) == {"pods": "2"}


# --- quota admission with lagging listers (kubernetes/kubernetes#24494) ---------------------------------------------


def _lister_lags(state: ClusterState) -> bool:
    lister = state.informer(QUOTA_LISTER).cache.get("ResourceQuota", "q", "quota")
    return lister != state.store.get("ResourceQuota", "q", "quota")


def test_a_stale_quota_conflicts_and_is_rechecked_against_the_current_one() -> None:
    """The default: the API server's lister has not observed the first pod's charge; the second pod's charge,
    computed from the stale quota, fails its resourceVersion precondition, and the re-check against the current
    quota refuses it."""
    state = _start(_quota({"pods": "1"}))
    state, response = _send(state, rq.Create(ADMIN, _pod("a")))
    assert response.ok and _lister_lags(state)
    state, response = _send(state, rq.Create(ADMIN, _pod("b")))
    assert (response.code, response.message) == (403, 'pods "b" is forbidden: exceeded quota: quota, requested: '
                                                       'pods=1, used: pods=1, limited: pods=1')
    assert [p.name for p in state.store.list("Pod", "q")] == ["a"]


def test_a_recheck_charges_the_current_usage() -> None:
    """The re-check adds to the current usage, not to the stale copy's."""
    state = _start(_quota({"pods": "3"}))
    state, _ = _send(state, rq.Create(ADMIN, _pod("a")))
    state, response = _send(state, rq.Create(ADMIN, _pod("b")))
    assert response.ok and _used(state) == {"pods": "2"}


def test_stale_quota_apiservers_exceed_the_quota() -> None:
    """The variant: without the precondition, the second charge is computed from, and written over, the stale
    quota: two pods are admitted under ``pods: 1`` and the recorded usage says one."""
    state = _start(_quota({"pods": "1"}))
    state, response = _send(state, rq.Create(ADMIN, _pod("a")), STALE)
    assert response.ok
    state, response = _send(state, rq.Create(ADMIN, _pod("b")), STALE)
    assert response.ok
    assert len(state.store.list("Pod", "q")) == 2 and _used(state) == {"pods": "1"}
    # Once the lister has caught up, the variant refuses like the default.
    while behind(state, QUOTA_LISTER):
        state = cluster.apply(state, DeliverWatchEvent(QUOTA_LISTER), STALE)
    state, response = _send(state, rq.Create(ADMIN, _pod("c")), STALE)
    assert response.code == 403


OPERATIONS = st.lists(st.one_of(st.tuples(st.just("create"), st.integers(0, 4)),
                                st.tuples(st.just("delete"), st.integers(0, 4)),
                                st.just(("deliver",)), st.just(("recount",))), max_size=14)


def _explore(operations: list[tuple], config: ModelConfig) -> list[int]:
    """Apply the operations (creates and deletes of pods p0..p4, lister deliveries, quota controller steps) and
    return the number of pods after each."""
    state = _start(_quota({"pods": "2"}))
    counts = []
    for operation in operations:
        if operation[0] == "create":
            state, _ = _send(state, rq.Create(ADMIN, _pod(f"p{operation[1]}")), config)
        elif operation[0] == "delete":
            state, _ = _send(state, rq.Delete(ADMIN, "Pod", "q", f"p{operation[1]}"), config)
        elif operation[0] == "deliver" and behind(state, QUOTA_LISTER):
            state = cluster.apply(state, DeliverWatchEvent(QUOTA_LISTER), config)
        elif operation[0] == "recount":
            state = _settle(state)
        counts.append(len(state.store.list("Pod", "q")))
    return counts


@settings(max_examples=40, deadline=None)
@given(OPERATIONS)
def test_the_default_never_admits_more_than_hard(operations: list[tuple]) -> None:
    """However far the quota lister lags, with the precondition the namespace never holds more pods than
    ``pods: 2``."""
    assert max(_explore(operations, FAITHFUL), default=0) <= 2


def test_the_variant_does_exceed_hard() -> None:
    """The same exploration finds the violation under ``stale-quota-apiservers``."""
    operations = [("create", 0), ("create", 1), ("create", 2)]
    assert max(_explore(operations, STALE)) == 3
    assert max(_explore(operations, FAITHFUL)) == 2
