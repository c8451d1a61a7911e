"""The disruption controller (model/controllers/disruption.py), alone on a cache and with the eviction subresource.

Cases follow pkg/controller/disruption/disruption_test.go: TestNoSelector, TestUnavailable, TestIntegerMaxUnavailable,
TestNakedPod (a percentage over pods without a controller), TestReplicaSet / TestMultipleControllers /
TestReplicationController / TestStatefulSetController (the expected count from the controllers' scale),
TestTwoControllers, TestPDBNotExist, TestUpdateDisruptedPods (the disrupted-pods map and its timeout) and
TestInvalidSelectors.
"""

from __future__ import annotations

from typing import Any

import pytest

from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.controllers import disruption as dc
from model.manifests import from_dict
from model.objects import PodDisruptionBudget
from model.state import submit
from model.store import Objects
from tests.model.controllers.test_node_lifecycle import cluster, node, run, settle

LABELS = {"app": "web"}


def budget(status: dict | None = None, selector: dict | None = None, **spec: Any) -> PodDisruptionBudget:
    return from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                      "metadata": {"name": "web", "namespace": "default", "generation": 1, "uid": "pdb-uid"},
                      "spec": {"selector": {"matchLabels": LABELS} if selector is None else selector, **spec},
                      "status": status or {}})


def pod(name: str, ready: bool = True, owner: tuple[str, str] | None = ("ReplicaSet", "rs"),
        deleting: bool = False) -> Any:
    meta: dict[str, Any] = {"name": name, "namespace": "default", "labels": LABELS}
    if owner is not None:
        version = "v1" if owner[0] == "ReplicationController" else "batch/v1" if owner[0] == "Job" else "apps/v1"
        meta["ownerReferences"] = [{"apiVersion": version, "kind": owner[0], "name": owner[1],
                                    "uid": f"{owner[1]}-uid", "controller": True}]
    if deleting:
        meta["deletionTimestamp"] = 0
    return from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                      "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
                      "status": {"phase": "Running",
                                 "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}})


def workload(kind: str, name: str, replicas: int, owner: str | None = None) -> Any:
    meta: dict[str, Any] = {"name": name, "namespace": "default", "uid": f"{name}-uid"}
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": owner,
                                    "uid": f"{owner}-uid", "controller": True}]
    version = "v1" if kind == "ReplicationController" else "apps/v1"
    template = {"metadata": {"labels": LABELS}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    spec: dict[str, Any] = {"replicas": replicas, "template": template}
    spec["selector"] = LABELS if kind == "ReplicationController" else {"matchLabels": LABELS}
    return from_dict({"apiVersion": version, "kind": kind, "metadata": meta, "spec": spec})


def status_of(pdb: PodDisruptionBudget, *objects: Any, now: int = 0) -> tuple[int, int, int, int]:
    cache = Objects()
    for obj in (pdb, *objects):
        cache = cache.put(obj)
    status, _ = dc.computed_status(pdb, cache, now)
    return status.current_healthy, status.desired_healthy, status.expected_pods, status.disruptions_allowed


def test_integer_min_available_counts_the_selected_pods() -> None:
    """TestUnavailable: minAvailable 3 of four pods, one unready: nothing may go; all ready: one may."""
    pods = [pod(f"p{i}") for i in range(3)]
    assert status_of(budget(minAvailable=3), *pods, pod("p3", ready=False)) == (3, 3, 4, 0)
    assert status_of(budget(minAvailable=3), *pods, pod("p3")) == (4, 3, 4, 1)


def test_max_unavailable_and_percentages_use_the_controllers_scale() -> None:
    """TestReplicaSet / TestIntegerMaxUnavailable: the expected count is the owners' spec.replicas, not the
    number of pods; percentages round up."""
    rs = workload("ReplicaSet", "rs", 4)
    pods = [pod(f"p{i}") for i in range(3)]
    assert status_of(budget(maxUnavailable=1), rs, *pods) == (3, 3, 4, 0)
    assert status_of(budget(minAvailable="50%"), rs, *pods) == (3, 2, 4, 1)
    assert status_of(budget(maxUnavailable="30%"), rs, *pods) == (3, 2, 4, 1)  # 30% of 4 rounds up to 2


def test_a_deployments_scale_counts_for_its_replica_sets_pods() -> None:
    deployment = workload("Deployment", "web", 5)
    rs = workload("ReplicaSet", "rs", 2, owner="web")
    assert status_of(budget(maxUnavailable=1), deployment, rs, pod("p0"), pod("p1")) == (2, 4, 5, 0)


def test_two_controllers_add_up() -> None:
    """TestTwoControllers / TestMultipleControllers: distinct owners' scales are summed."""
    objects = (workload("ReplicationController", "rc", 2), workload("StatefulSet", "ss", 3),
               pod("a", owner=("ReplicationController", "rc")), pod("b", owner=("StatefulSet", "ss")))
    assert status_of(budget(minAvailable="100%"), *objects) == (2, 5, 5, 0)


def test_naked_pods_are_left_out_of_a_percentage() -> None:
    """TestNakedPod: pods without a controller are not counted in the expected scale; with none left the
    expected count is 0 and nothing may be disrupted."""
    assert status_of(budget(minAvailable="50%"), pod("a", owner=None)) == (1, 0, 0, 0)


@pytest.mark.parametrize(("owner", "message"), [
    (("ReplicaSet", "gone"), 'found no controllers for pod "a"'),
    (("Job", "j"), "jobs.batch does not implement the scale subresource"),
])
def test_an_unknown_scale_fails_safe(owner: tuple[str, str], message: str) -> None:
    pdb = budget(maxUnavailable=1, status={"disruptionsAllowed": 3})
    cache = Objects().put(pdb).put(pod("a", owner=owner))
    with pytest.raises(dc.ExpectedCountError, match=message):
        dc.computed_status(pdb, cache, 0)
    failed = dc.fail_safe(pdb, message, 0)
    condition = failed.condition("DisruptionAllowed")
    assert failed.disruptions_allowed == 0 and (condition.status, condition.reason) == ("False", "SyncFailed")


def test_selectors() -> None:
    """TestNoSelector: an empty selector selects every pod of the namespace; an absent one none."""
    assert status_of(budget(minAvailable=1, selector={}), pod("a"), pod("b")) == (2, 1, 2, 1)
    absent = from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
                        "spec": {"minAvailable": 1}})
    assert status_of(absent, pod("a")) == (0, 1, 0, 0)


def test_disrupted_pods_count_as_gone_until_the_timeout() -> None:
    """TestUpdateDisruptedPods: a recorded pod is not healthy for two minutes, then counts again and leaves the
    map; a pod being deleted leaves it at once; the recheck is when the first record expires."""
    pdb = budget(minAvailable=1, status={"disruptedPods": {"a": 10, "b": 10, "gone": 10}})
    pods = (pod("a"), pod("b", deleting=True), pod("c"))
    assert status_of(pdb, *pods, now=129) == (1, 1, 3, 0)
    disrupted, recheck = dc.disrupted_pods(pdb, pods, 129)
    assert dict(disrupted) == {"a": 10} and recheck == 130
    # At the deadline itself upstream already counts the pod healthy but keeps it in the map one more second.
    assert status_of(pdb, *pods, now=130) == (2, 1, 3, 1) and dict(dc.disrupted_pods(pdb, pods, 130)[0]) == {"a": 10}
    assert not dc.disrupted_pods(pdb, pods, 131)[0]


def test_the_controller_keeps_the_budget_current_and_evictions_follow_it() -> None:
    """End to end: a Deployment of 3 with maxUnavailable 1; the controller syncs the budget; one eviction is
    allowed and the next refused until the replacement is Ready and observed."""
    deployment = from_dict({"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": "web", "namespace": "default"},
                            "spec": {"replicas": 3, "selector": {"matchLabels": LABELS}, "template": {
                                "metadata": {"labels": LABELS},
                                "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    pdb = from_dict({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                     "metadata": {"name": "web", "namespace": "default"},
                     "spec": {"selector": {"matchLabels": LABELS}, "maxUnavailable": 1}})
    state = run(cluster(node("n1"), node("n2"), deployment, pdb), 5)
    status = state.store.get("PodDisruptionBudget", "default", "web").status
    assert (status.current_healthy, status.desired_healthy, status.expected_pods, status.disruptions_allowed,
            status.observed_generation) == (3, 2, 3, 1, 1)
    names = sorted(p.name for p in state.store.list("Pod", "default"))
    state, first, _ = submit(state, rq.Evict(ADMIN, "default", names[0]))
    state, second, _ = submit(state, rq.Evict(ADMIN, "default", names[1]))
    assert (first.code, second.code) == (201, 429)
    state = run(settle(state), 5)
    status = state.store.get("PodDisruptionBudget", "default", "web").status
    assert status.disruptions_allowed == 1 and not status.disrupted_pods
    assert submit(state, rq.Evict(ADMIN, "default", names[1]))[1].code == 201
