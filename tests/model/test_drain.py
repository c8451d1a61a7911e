"""Cordon, uncordon and drain as kubectl does them (model/user_actions.py).

The drain table is staging/src/k8s.io/kubectl/pkg/cmd/drain/drain_test.go's TestDrain (its descriptions kept;
"fail to list pods" has no counterpart, the model's reads do not fail), plus cases for the paths of
staging/src/k8s.io/kubectl/pkg/drain/filters.go it does not reach; error texts follow PodDeleteList.errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, user
from model.cluster import initial_state
from model.cluster import step as cluster_step
from model.manifests import from_dict
from model.state import ClusterState
from model.taints import NO_SCHEDULE
from model.user_actions import Drain, DrainOptions, cordon, drain, evictions, uncordon
from tests.model.controllers.test_node_lifecycle import apply, cluster, get_node, node, run, settle, taints

DAEMON_SET = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds", "namespace": "default",
                                                                        "uid": "ds-uid"},
              "spec": {"selector": {"matchLabels": {"app": "ds"}}, "template": {
                  "metadata": {"labels": {"app": "ds"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}


def owned(kind: str, name: str) -> list[dict[str, Any]]:
    group = "v1" if kind == "ReplicationController" else "apps/v1"
    return [{"apiVersion": group, "kind": kind, "name": name, "uid": f"{name}-uid", "controller": True}]


def pod(name: str, node_name: str = "n1", owner: tuple[str, str] | None = ("ReplicaSet", "rs"),
        annotations: dict[str, str] | None = None, phase: str | None = None, **spec: Any) -> Any:
    metadata: dict[str, Any] = {"name": name, "namespace": "default", "annotations": annotations or {}}
    if owner is not None:
        metadata["ownerReferences"] = owned(*owner)
        if owner[0] == "DaemonSet":
            metadata["labels"] = {"app": "ds"}  # selected by the fixture's DaemonSet, which keeps (not releases) it
    data: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                            "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": "i"}], **spec}}
    if phase is not None:
        data["status"] = {"phase": phase}
    return from_dict(data)


EMPTY_DIR = {"volumes": [{"name": "scratch", "emptyDir": {}}]}


def state_with(*pods: Any) -> ClusterState:
    """The API state kubectl plans from: the pods as given (before any controller has acted on them)."""
    return initial_state((node("n1"), node("n2"), from_dict(DAEMON_SET), *pods))


def deleted(plan: Drain) -> list[str]:
    """The pods the drain evicts (kubectl's default; the Eviction API deletes a pod no budget protects)."""
    return [r.name for r in plan.requests if isinstance(r, rq.Evict)]


def test_cordon_marks_the_node_unschedulable_and_the_node_controller_taints_it() -> None:
    """kubectl cordon; TaintNodesByCondition adds node.kubernetes.io/unschedulable:NoSchedule."""
    state = cluster(node("n1"), node("n2"))
    (request,) = cordon(state, "n1")
    assert isinstance(request, rq.Update) and request.user == ADMIN
    assert request.object.spec.unschedulable and request.object.metadata.resource_version is None
    state = settle(apply(state, Submit(request)))
    assert get_node(state, "n1").spec.unschedulable
    assert taints(state, "n1", NO_SCHEDULE) == {"node.kubernetes.io/unschedulable": state.time}
    assert cordon(state, "n1") == ()  # "node/n1 already cordoned"
    (request,) = uncordon(state, "n1")
    state = settle(apply(state, Submit(request)))
    assert not get_node(state, "n1").spec.unschedulable
    assert taints(state, "n1") == {}
    assert uncordon(state, "n1") == () and cordon(state, "missing") == ()


def test_cordon_keeps_the_status_the_kubelet_posts_meanwhile() -> None:
    """The update changes the spec only: heartbeats posted after it was built survive."""
    state = cluster(node("n1"), node("n2"))
    requests = cordon(state, "n1")
    state = run(state, 30)
    beat = get_node(state, "n1").status.condition("Ready").last_heartbeat_time
    state = settle(apply(state, Submit(requests[0])))
    assert get_node(state, "n1").spec.unschedulable
    assert get_node(state, "n1").status.condition("Ready").last_heartbeat_time == beat


def test_drain_refuses_daemon_set_pods_without_ignore_daemonsets() -> None:
    """daemonSetFilter: an error unless --ignore-daemonsets; the node is cordoned all the same."""
    state = state_with(pod("web"), pod("ds-abc", owner=("DaemonSet", "ds")))
    plan = drain(state, "n1")
    assert plan.errors == ("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): "
                           "default/ds-abc",)
    assert plan.requests == cordon(state, "n1")


def test_drain_with_ignore_daemonsets_deletes_all_but_daemon_set_and_mirror_pods() -> None:
    state = state_with(
        pod("web"), pod("rc-pod", owner=("ReplicationController", "rc")), pod("ds-abc", owner=("DaemonSet", "ds")),
        pod("static-n1", owner=("Node", "n1"), annotations={"kubernetes.io/config.mirror": "hash"}),
        pod("elsewhere", node_name="n2"))
    plan = drain(state, "n1", options=DrainOptions(ignore_daemonsets=True))
    assert plan.errors == ()
    assert plan.warnings == ("ignoring DaemonSet-managed Pods: default/ds-abc",)
    assert isinstance(plan.requests[0], rq.Update) and plan.requests[0].object.spec.unschedulable
    assert deleted(plan) == ["rc-pod", "web"]
    assert all(r.grace_period_seconds is None for r in plan.requests[1:])


JOB = ("Job", "job")
DS = ("DaemonSet", "ds")
IGNORE_DS, FORCE = DrainOptions(ignore_daemonsets=True), DrainOptions(force=True)
ALL_IN = DrainOptions(force=True, delete_emptydir_data=True)
NO_CONTROLLER = "deleting Pods that declare no controller: default/bar"


@pytest.mark.parametrize("description, pods, options, fatal, deletes, warnings", [
    # cmd/drain/drain_test.go TestDrain (every pod is default/bar).
    ("RC-managed pod", [pod("bar", owner=("ReplicationController", "rc"))], DrainOptions(), False, True, ()),
    ("DS-managed pod", [pod("bar", owner=DS)], DrainOptions(), True, False, ()),
    ("DS-managed terminated pod", [pod("bar", owner=DS, phase="Succeeded")], DrainOptions(), False, True, ()),
    ("orphaned DS-managed pod", [pod("bar", owner=None)], DrainOptions(), True, False, ()),
    ("orphaned DS-managed pod with --force", [pod("bar", owner=None)], FORCE, False, True, (NO_CONTROLLER,)),
    ("DS-managed pod with --ignore-daemonsets", [pod("bar", owner=DS)], IGNORE_DS, False, False,
     ("ignoring DaemonSet-managed Pods: default/bar",)),
    ("DS-managed pod with emptyDir with --ignore-daemonsets", [pod("bar", owner=DS, **EMPTY_DIR)], IGNORE_DS,
     False, False, ("ignoring DaemonSet-managed Pods: default/bar",)),
    ("Job-managed pod with local storage", [pod("bar", owner=JOB, **EMPTY_DIR)], ALL_IN, False, True, ()),
    ("Job-managed terminated pod", [pod("bar", owner=JOB, phase="Succeeded", **EMPTY_DIR)], DrainOptions(),
     False, True, ()),
    ("RS-managed pod", [pod("bar")], DrainOptions(), False, True, ()),
    ("naked pod", [pod("bar", owner=None)], DrainOptions(), True, False, ()),
    ("naked pod with --force", [pod("bar", owner=None)], FORCE, False, True, (NO_CONTROLLER,)),
    ("pod with EmptyDir", [pod("bar", owner=None, **EMPTY_DIR)], FORCE, True, False, ()),
    ("terminated pod with emptyDir", [pod("bar", owner=None, phase="Failed", **EMPTY_DIR)], DrainOptions(),
     False, True, ()),
    ("pod with EmptyDir and --delete-emptydir-data", [pod("bar", owner=None, **EMPTY_DIR)], ALL_IN, False, True,
     (NO_CONTROLLER,)),
    ("empty node", [], DrainOptions(), False, False, ()),
    # A later filter's Okay replaces an earlier warning (filters.go: "this warning gets dropped by subsequent
    # filters"): a controlled pod with local storage is deleted without one.
    ("controlled pod with EmptyDir and --delete-emptydir-data", [pod("bar", **EMPTY_DIR)],
     DrainOptions(delete_emptydir_data=True), False, True, ()),
    # daemonSetFilter's NotFound path: the controlling DaemonSet is gone.
    ("DS-managed pod of a deleted DaemonSet", [pod("bar", owner=("DaemonSet", "gone"))], IGNORE_DS, True, False,
     ()),
    ("DS-managed pod of a deleted DaemonSet with --force", [pod("bar", owner=("DaemonSet", "gone"))], FORCE,
     False, True, ()),
])
def test_drain(description: str, pods: list[Any], options: DrainOptions, fatal: bool, deletes: bool,
               warnings: tuple[str, ...]) -> None:
    state = state_with(*pods)
    plan = drain(state, "n1", options=options)
    assert bool(plan.errors) == fatal, description
    assert plan.requests[0] == cordon(state, "n1")[0]  # cordoned in every case
    assert deleted(plan) == (["bar"] if deletes else []), description
    assert plan.warnings == warnings, description


@pytest.mark.parametrize("pods, options, errors", [
    ([pod("bar", owner=DS)], DrainOptions(),
     ("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/bar",)),
    ([pod("bar", owner=None, **EMPTY_DIR)], FORCE,
     ("cannot delete Pods with local storage (use --delete-emptydir-data to override): default/bar",)),
    ([pod("bar", owner=("DaemonSet", "gone"))], IGNORE_DS,
     ('cannot delete daemonsets.apps "gone" not found: default/bar',)),
    # Grouped by message, in the order their first pod is listed.
    ([pod("a", owner=None), pod("b", owner=None), pod("ds-x", owner=DS)], DrainOptions(), (
        "cannot delete Pods that declare no controller (use --force to override): default/a, default/b",
        "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-x")),
])
def test_drain_error_messages(pods: list[Any], options: DrainOptions, errors: tuple[str, ...]) -> None:
    """PodDeleteList.errors: kubectl's messages, each prefixed "cannot delete" once."""
    assert drain(state_with(*pods), "n1", options=options).errors == errors


def test_drain_with_a_grace_period() -> None:
    # The fixture's DaemonSet runs a pod on n1 too: --ignore-daemonsets lets the drain go ahead.
    plan = drain(state_with(pod("web")), "n1", options=DrainOptions(grace_period_seconds=5, ignore_daemonsets=True))
    assert [r.grace_period_seconds for r in plan.requests if isinstance(r, rq.Evict)] == [5]


def test_draining_a_missing_node() -> None:
    assert drain(state_with(), "nope") == Drain((), errors=('nodes "nope" not found',))


def test_drain_end_to_end() -> None:
    """Submitting the drain: the node is cordoned and tainted unschedulable, its ordinary pods are deleted (the
    kubelet finishes each deletion), the DaemonSet and mirror pods stay."""
    state = state_with(pod("web"), pod("ds-abc", owner=("DaemonSet", "ds")),
                       pod("static-n1", owner=("Node", "n1"), annotations={"kubernetes.io/config.mirror": "h"}),
                       pod("elsewhere", node_name="n2", owner=None))
    plan = drain(state, "n1", options=DrainOptions(ignore_daemonsets=True))
    for request in plan.requests:
        state = apply(state, Submit(request))
    state = run(settle(state), 5)
    assert get_node(state, "n1").spec.unschedulable
    assert "node.kubernetes.io/unschedulable" in taints(state, "n1", NO_SCHEDULE)
    remaining = [p for p in state.store.list("Pod") if p.spec.node_name == "n1"]
    # Only DaemonSet pods may remain (the DaemonSet controller may have replaced ds-abc by a pod of its current
    # revision; the fixture's mirror pod names a made-up Node uid, so the garbage collector removes it).
    assert "web" not in {p.name for p in remaining}
    assert remaining and all((ref := p.metadata.controller_ref()) is not None and ref.kind == "DaemonSet"
                             for p in remaining), [p.name for p in remaining]
    assert state.store.get("Pod", "default", "elsewhere").metadata.deletion_timestamp is None


def test_drain_as_a_user_without_rights_is_forbidden() -> None:
    state = state_with(pod("web"))
    alice = user("alice")
    plan = drain(state, "n1", user=alice, options=DrainOptions(ignore_daemonsets=True))
    assert any(isinstance(r, rq.Evict) for r in plan.requests)
    assert {r.user for r in plan.requests} == {alice}
    for request in plan.requests:
        state = apply(state, Submit(request))
    assert not get_node(state, "n1").spec.unschedulable
    assert state.store.get("Pod", "default", "web").metadata.deletion_timestamp is None


def test_drain_retries_evictions_a_budget_refuses() -> None:
    """A Deployment of 3 spread over two nodes, a budget of maxUnavailable 1: draining the node with two of them
    evicts one, the other is refused (429) until its replacement runs elsewhere; kubectl's retry then succeeds."""
    labels = {"app": "web"}
    deployment = from_dict({"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": "web", "namespace": "default"},
                            "spec": {"replicas": 3, "selector": {"matchLabels": labels}, "template": {
                                "metadata": {"labels": labels},
                                "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    pdb = from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                     "metadata": {"name": "web", "namespace": "default"},
                     "spec": {"selector": {"matchLabels": labels}, "maxUnavailable": 1}})
    state = run(cluster(node("n1"), node("n2"), deployment, pdb), 5)
    by_node: dict[str, list[str]] = {}
    for p in state.store.list("Pod", "default"):
        by_node.setdefault(p.spec.node_name, []).append(p.name)
    target = max(by_node, key=lambda n: len(by_node[n]))
    assert len(by_node[target]) >= 2
    plan = drain(state, target)
    codes = []
    for request in plan.requests:
        step = cluster_step(state, Submit(request))
        state, codes = step.state, codes + [step.responses[0].code]
    assert codes[0] == 200 and codes[1:].count(201) == 1 and 429 in codes[1:]
    for _ in range(10):
        state = run(settle(state), 5)
        owed = evictions(state, target)
        if not owed:
            break
        for request in owed:
            state = apply(state, Submit(request))
    assert evictions(state, target) == ()
    assert not [p for p in state.store.list("Pod", "default") if p.spec.node_name == target
                and p.metadata.deletion_timestamp is None]
