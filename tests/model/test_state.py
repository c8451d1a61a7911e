"""Tests for model.state (ClusterState, build, submit, deliver, lagging) and the transition function
model.cluster.apply as a whole.

The properties are the ones the design relies on for exploration: a transition never raises and never
changes the state it is given, states are hashable values (equal states hash equal, so they can be put in
sets), ``apply`` is deterministic, the store's revision (etcd's) grows by exactly one per write, and the
watch-event log keeps only what some informer has still to observe (client-go's watch cache is bounded the
same way). Requests are random creates, updates (including stale ones), status updates, binds and deletes of
pods, deployments, services and quotas by users who may or may not be authorized, interleaved with watch
deliveries, clock ticks and any action a component has enabled.
"""

from __future__ import annotations

import pickle
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model import actions as act
from model import cluster, manifests
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, SCHEDULER, controller_identity, kubelet_identity, user
from model.examples import DIRECTORY as EXAMPLES
from model.informers import Informer, pending, position
from model.manifests import from_dict
from model.state import ALWAYS_PRESENT_NAMESPACES, ClusterState, build, deliver, lagging, submit
from model.store import ADDED

CLUSTER = manifests.load([EXAMPLES / "cluster.yaml"])
START = cluster.initial_state(CLUSTER)

USERS = (ADMIN, user("alice"), user("bob"), user("carol", "oncall"), user("mallory"), SCHEDULER,
         kubelet_identity("worker-1"), controller_identity("replicaset-controller"))
NAMESPACES = ("dev", "test", "prod", "nowhere")
NAMES = ("a", "b", "c")
NODES = ("worker-1", "worker-2", "cp-1")


def pod_doc(name: str, namespace: str, cpu: str | None, node: str | None) -> dict:
    container: dict[str, Any] = {"name": "c", "image": "nginx"}
    if cpu:
        container["resources"] = {"requests": {"cpu": cpu, "memory": "64Mi"}, "limits": {"cpu": cpu}}
    spec: dict[str, Any] = {"containers": [container]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace,
                                                            "labels": {"app": name}}, "spec": spec}


def deployment_doc(name: str, namespace: str, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx",
                                                           "resources": {"requests": {"cpu": "100m",
                                                                                      "memory": "64Mi"}}}]}}}}


def service_doc(name: str, namespace: str, kind: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"type": kind, "selector": {"app": name}, "ports": [{"port": 80}]}}


def quota_doc(name: str, namespace: str, cpu: int) -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name, "namespace": namespace},
            "spec": {"hard": {"requests.cpu": str(cpu), "pods": "4"}}}


KINDS = ("Pod", "Deployment", "Service", "ResourceQuota")
who = st.sampled_from(USERS)
namespace = st.sampled_from(NAMESPACES)
name = st.sampled_from(NAMES)

OPERATIONS = st.one_of(
    st.tuples(st.just("create"), who, st.one_of(
        st.builds(pod_doc, name, namespace, st.sampled_from([None, "100m", "3"]), st.sampled_from([None, *NODES])),
        st.builds(deployment_doc, name, namespace, st.integers(0, 3)),
        st.builds(service_doc, name, namespace, st.sampled_from(["ClusterIP", "NodePort"])),
        st.builds(quota_doc, st.sampled_from(["compute", "extra"]), namespace, st.integers(0, 5)))),
    st.tuples(st.just("update"), who, st.sampled_from(KINDS), st.integers(0, 20),
              st.sampled_from(["label", "stale", "spec", "unconditional"])),
    st.tuples(st.just("status"), who, st.integers(0, 20), st.sampled_from(["Running", "Succeeded"])),
    st.tuples(st.just("delete"), who, st.sampled_from(KINDS), namespace, name,
              st.sampled_from([None, 0, 5, -1]), st.sampled_from([None, rq.FOREGROUND, rq.ORPHAN])),
    st.tuples(st.just("bind"), who, namespace, name, st.sampled_from(NODES)),
    st.tuples(st.just("delete-namespace"), who, st.sampled_from(["test", "default"])),
    st.tuples(st.just("deliver"), st.integers(0, 50)),
    st.tuples(st.just("tick"), st.integers(1, 40)),
    st.tuples(st.just("enabled"), st.integers(0, 10_000)),
)


def _nth(state: ClusterState, kind: str, index: int) -> Any | None:
    objects = state.store.list(kind)
    return objects[index % len(objects)] if objects else None


def _updated(obj: Any, change: str) -> Any:
    meta = obj.metadata
    if change == "label":
        return attrs.evolve(obj, metadata=attrs.evolve(meta, labels={**meta.labels, "touched": "yes"}))
    if change == "stale":
        return attrs.evolve(obj, metadata=attrs.evolve(meta, resource_version="1", labels={"stale": "yes"}))
    if change == "unconditional":
        return attrs.evolve(obj, metadata=attrs.evolve(meta, resource_version=None, annotations={"x": "y"}))
    if obj.kind == "Pod":
        return attrs.evolve(obj, spec=attrs.evolve(obj.spec, restart_policy="Never"))
    if obj.kind == "Deployment":
        return attrs.evolve(obj, spec=attrs.evolve(obj.spec, replicas=(obj.spec.replicas or 0) + 1))
    if obj.kind == "ResourceQuota":
        return from_dict({**obj.to_dict(), "spec": {"hard": {"pods": "1"}}})
    return attrs.evolve(obj, metadata=attrs.evolve(meta, annotations={"changed": "spec"}))


def to_action(state: ClusterState, op: tuple) -> Any | None:
    """The action an operation stands for in ``state`` (None when it names nothing that exists)."""
    verb = op[0]
    if verb == "create":
        return act.Submit(rq.Create(op[1], from_dict(op[2])))
    if verb == "update":
        _, requester, kind, index, change = op
        obj = _nth(state, kind, index)
        return None if obj is None else act.Submit(rq.Update(requester, _updated(obj, change)))
    if verb == "status":
        _, requester, index, phase = op
        obj = _nth(state, "Pod", index)
        if obj is None:
            return None
        return act.Submit(rq.UpdateStatus(requester, attrs.evolve(obj, status=attrs.evolve(obj.status, phase=phase))))
    if verb == "delete":
        _, requester, kind, ns, obj_name, grace, policy = op
        return act.Submit(rq.Delete(requester, kind, ns, obj_name, grace_period_seconds=grace,
                                    propagation_policy=policy))
    if verb == "bind":
        _, requester, ns, obj_name, node = op
        return act.Submit(rq.Bind(requester, ns, obj_name, node))
    if verb == "delete-namespace":
        return act.Submit(rq.Delete(op[1], "Namespace", None, op[2]))
    if verb == "deliver":
        components = sorted(state.informers)
        return act.DeliverWatchEvent(components[op[1] % len(components)]) if components else None
    if verb == "tick":
        return act.Tick(op[1])
    choices = cluster.enabled(state)
    return choices[op[1] % len(choices)] if choices else None


def snapshot(state: ClusterState) -> bytes:
    """Every byte of a state. Hashing first fills every cached hash, so that a later snapshot of an untouched
    state is identical (caches are the only thing a transition may legitimately add to its input)."""
    hash(state)
    return pickle.dumps(state)


def run(ops: list[tuple], start: ClusterState = START) -> list[tuple[Any, ClusterState]]:
    """Apply the operations in turn, checking after every step the per-transition properties."""
    state, trace = start, []
    for op in ops:
        action = to_action(state, op)
        if action is None:
            continue
        before = snapshot(state)
        result = cluster.step(state, action)
        assert snapshot(state) == before, f"{action} changed the state it was given"
        check_revisions(state, result)
        check_log(result.state)
        trace.append((action, result.state))
        state = result.state
    return trace


def check_revisions(before: ClusterState, result: Any) -> None:
    """Each write of the step is one new revision, reported as one watch event, in order; no object carries a
    resourceVersion beyond the store's revision."""
    after = result.state
    revisions = [e.revision for e in result.events]
    assert revisions == list(range(before.store.revision + 1, after.store.revision + 1))
    for event in result.events:
        assert event.object.metadata.resource_version == str(event.revision)
    for obj in after.store.objects:
        assert int(obj.metadata.resource_version) <= after.store.revision


def check_log(state: ClusterState) -> None:
    """The event log is a contiguous run ending at the newest revision and holds nothing every informer has seen."""
    events, newest = state.events, state.store.revision
    assert [e.revision for e in events] == list(range(newest - len(events) + 1, newest + 1))
    if events:
        oldest = min((position(i, events, newest) for i in state.informers.values()), default=newest)
        assert events[0].revision == oldest + 1


def test_the_snapshot_sees_a_change_made_inside_a_state() -> None:
    """The non-mutation check can fail: breaking a fresh state's immutability from the inside changes its bytes."""
    state = cluster.initial_state(CLUSTER)
    before = snapshot(state)
    state.store.objects.by_kind["Node"]._data.pop((None, "cp-1"))
    assert snapshot(state) != before


def drained(state: ClusterState) -> ClusterState:
    """Deliver watch events until no connected informer lags."""
    while waiting := lagging(state):
        state = cluster.apply(state, act.DeliverWatchEvent(waiting[0]))
    return state


@settings(max_examples=30, deadline=None)
@given(st.lists(OPERATIONS, max_size=14))
def test_transitions_never_raise_never_mutate_and_keep_revisions_and_the_log_in_order(ops) -> None:
    trace = run(ops)
    settled = drained(trace[-1][1] if trace else START)
    # Without faults every node stays connected, so once no informer lags the log is empty.
    assert all(runtime.up and runtime.reachable for runtime in settled.nodes.values())
    assert settled.events == ()


@settings(max_examples=20, deadline=None)
@given(st.lists(OPERATIONS, max_size=12))
def test_apply_is_deterministic_and_equal_states_hash_equal(ops) -> None:
    first = run(ops)
    second = run(ops)
    assert [a for a, _ in first] == [a for a, _ in second]
    for (_, one), (_, other) in zip(first, second, strict=True):
        assert one == other
        assert hash(one) == hash(other)
        assert len({one, other}) == 1
    for action, state in first[:3]:
        assert cluster.apply(state, action) == cluster.apply(state, action)


# --- build -------------------------------------------------------------------------------------------------


def test_build_stores_existing_objects_and_queues_the_rest_as_creates() -> None:
    workloads = manifests.load([EXAMPLES])
    state = build(workloads)
    assert state.store.revision == len(state.store.objects) + len(state.store.list("ResourceQuota"))
    assert all(isinstance(request, rq.Create) and request.user == ADMIN for request in state.pending)
    pending_kinds = {request.object.kind for request in state.pending}
    assert "Deployment" in pending_kinds
    assert not pending_kinds & {"Namespace", "Node", "ResourceQuota", "LimitRange", "RoleBinding"}
    for ns in (*ALWAYS_PRESENT_NAMESPACES, "dev", "test", "prod"):
        assert state.store.get("Namespace", None, ns) is not None
    assert state.store.get("ClusterRole", None, "system:kube-scheduler") is not None
    uids = [o.metadata.uid for o in state.store.objects]
    assert len(set(uids)) == len(uids)


def test_build_computes_quota_usage_from_bound_pods_in_the_snapshot() -> None:
    running = from_dict(pod_doc("snap", "test", "1", "worker-1"))
    state = build([*CLUSTER, running])
    assert state.store.get("Pod", "test", "snap") is not None and state.pending == ()
    quota = state.store.get("ResourceQuota", "test", "compute")
    assert quota.status.hard == quota.spec.hard
    assert {k: str(v) for k, v in quota.status.used.items()} == {
        "requests.cpu": "1", "requests.memory": "64Mi", "pods": "1", "count/jobs.batch": "0"}


# --- submit, deliver, lagging and the event log ------------------------------------------------------------


def test_a_refused_request_returns_the_very_same_state() -> None:
    after, response, events = submit(START, rq.Create(user("mallory"), from_dict(pod_doc("x", "dev", None, None))))
    assert response.code == 403 and events == () and after is START


def test_an_accepted_request_records_its_events_for_the_informers_that_need_them() -> None:
    pod = from_dict(pod_doc("x", "dev", "100m", "worker-1"))
    after, response, events = submit(START, rq.Create(user("alice"), pod))
    assert response.code == 201
    assert after.store.revision == START.store.revision + len(events)
    assert "kubelet/worker-1" in lagging(after)
    assert after.events[-1] == events[-1]


def test_deliver_hands_the_next_relevant_event_and_the_cached_object_it_replaces() -> None:
    base = ClusterState(store=START.store)
    watcher = Informer(kinds=frozenset({"Pod"})).relist(base.store.objects, base.store.revision)
    state = base.with_informer("watcher", watcher)
    alice = user("alice")
    state, _, _ = submit(state, rq.Create(alice, from_dict(pod_doc("x", "dev", "100m", None))))
    state, created, _ = submit(state, rq.Update(alice, attrs.evolve(
        state.store.get("Pod", "dev", "x"), metadata=attrs.evolve(state.store.get("Pod", "dev", "x").metadata,
                                                                   labels={"v": "2"}))))
    assert lagging(state) == ("watcher",)
    # The quota's MODIFIED event is skipped: the informer does not watch quotas.
    state, event, old = deliver(state, "watcher")
    assert (event.type, event.key, old) == (ADDED, ("Pod", "dev", "x"), None)
    state, event, old = deliver(state, "watcher")
    assert event.object.metadata.labels == {"v": "2"} and old.metadata.labels == {"app": "x"}
    assert state.informer("watcher").revision == state.store.revision
    assert state.events == ()
    assert deliver(state, "watcher") == (state, None, None)
    assert lagging(state) == ()


def test_the_log_keeps_events_until_the_slowest_informer_has_them() -> None:
    base = ClusterState(store=START.store)
    fast = Informer(kinds=frozenset({"Pod"})).relist(base.store.objects, base.store.revision)
    state = base.with_informer("fast", fast).with_informer("slow", fast)
    alice = user("alice")
    for pod_name in ("x", "y"):
        state, _, _ = submit(state, rq.Create(alice, from_dict(pod_doc(pod_name, "dev", "100m", None))))
    # Each create wrote the quota, then the pod. The first quota write is needed by no informer (they watch
    # pods only) and is already gone; the second sits between two pod events and stays for now.
    keys = [("Pod", "dev", "x"), ("ResourceQuota", "dev", "compute"), ("Pod", "dev", "y")]
    assert [e.key for e in state.events] == keys
    while (delivered := deliver(state, "fast"))[1] is not None:
        state = delivered[0]
    assert [e.key for e in state.events] == keys
    state, _, _ = deliver(state, "slow")
    assert [e.key for e in state.events] == keys[2:]
    state, _, _ = deliver(state, "slow")
    assert state.events == ()


def test_a_disconnected_kubelet_does_not_lag_but_keeps_its_events() -> None:
    pod = from_dict(pod_doc("x", "dev", "100m", "worker-2"))
    state, _, _ = submit(START, rq.Create(user("alice"), pod))
    runtime = state.nodes["worker-2"]
    cut = state.with_node("worker-2", attrs.evolve(runtime, reachable=False))
    assert "kubelet/worker-2" not in lagging(cut)
    assert pending(cut.informer("kubelet/worker-2"), cut.events)
    assert cut.events
