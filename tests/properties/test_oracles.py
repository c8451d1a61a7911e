"""The oracles are independent of the components they judge: with a component's own function broken on purpose
(monkeypatched), the property that judges it fails; on the faithful model it holds. And the references themselves
agree with the documented rules on small cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from model import cluster
from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, user
from model.auth.rbac import Decision
from model.config import ModelConfig
from model.manifests import from_dict, load_text
from model.state import ClusterState
from properties import oracles
from properties.explore import PropertyViolated, Transition, check_liveness, converge, execute
from properties.registry import all_properties

CONFIG = ModelConfig()
CLUSTER = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1, labels: {kubernetes.io/hostname: n1, disk: ssd}}
  status: {capacity: {cpu: "2", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Node
  metadata: {name: n2, labels: {kubernetes.io/hostname: n2}}
  spec: {taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}
  status: {capacity: {cpu: "8", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
"""


def deployment(replicas: int, cpu: str = "1", image: str = "shop/app:1") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "front", "namespace": "shop"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "front"}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                     "template": {"metadata": {"labels": {"app": "front"}}, "spec": {"containers": [
                         {"name": "c", "image": image, "resources": {"requests": {"cpu": cpu}}}]}}}}


DAEMON_SET = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "shop"},
              "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {
                  "metadata": {"labels": {"app": "agent"}},
                  "spec": {"containers": [{"name": "c", "image": "agent:1"}]}}}}


def settle(*docs: dict, actions: Sequence[Any] = ()) -> str | None:
    """Run ``actions`` then fair execution on the small cluster with ``docs`` submitted, every property checked;
    the violated property's name, or None."""
    state: ClusterState = cluster.initial_state([*load_text(CLUSTER, "cluster"), *(from_dict(d) for d in docs)])
    transitions: list[Transition] = []
    try:
        state = converge(state, CONFIG, all_properties(), transitions)
        if actions:
            state, more = execute(state, actions, CONFIG, all_properties())
            transitions += more
            state = converge(state, CONFIG, all_properties(), transitions)
        check_liveness(state, CONFIG, all_properties(), transitions)
    except PropertyViolated as found:
        return found.violation.property
    return None


def test_node_capacity_catches_a_scheduler_that_overcommits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settle(deployment(3)) is None  # two fit on n1; the third is Unschedulable, and nothing could take it
    monkeypatch.setattr("model.scheduler.filters.fits", lambda pod, node, pods: (True, []))
    # the binding is judged first (by plain sums over the pods the scheduler saw); node-capacity's own case is in
    # test_invariants.CASES
    assert settle(deployment(3)) == "scheduled-pods-fit-their-node"


def test_an_unschedulable_pod_excuses_its_owner_only_when_no_node_could_take_it(monkeypatch: pytest.MonkeyPatch
                                                                                 ) -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once", "namespace": "shop"},
           "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
               {"name": "c", "image": "shop/job:1", "resources": {"requests": {"cpu": "1"}}}]}}}}
    assert settle(job) is None
    monkeypatch.setattr("model.scheduler.filters.fits", lambda pod, node, pods: (False, ["Insufficient cpu"]))
    assert settle(job) == "jobs-finish"


def test_only_authorized_catches_an_authorizer_that_allows_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    intruder = Submit(rq.Create(user("mallory"), from_dict(deployment(1))))
    assert settle(actions=[intruder]) is None  # refused, and refusals-justified agrees nothing grants it
    monkeypatch.setattr("model.apiserver.server.authorize", lambda *a, **k: Decision(True, "allowed"))
    assert settle(actions=[intruder]) == "only-authorized-requests-succeed"


def test_refusals_justified_catches_an_authorizer_that_refuses_a_granted_request(monkeypatch: pytest.MonkeyPatch
                                                                                  ) -> None:
    def deny_admin(attributes: Any, *args: Any, **kwargs: Any) -> Decision:
        return Decision(attributes.user != ADMIN, f'User "{attributes.user.name}" cannot {attributes.verb} it')
    monkeypatch.setattr("model.apiserver.server.authorize", deny_admin)
    assert settle(deployment(1)) == "refusals-justified"


def test_daemonsets_converge_catches_a_controller_predicate_that_ignores_taints(monkeypatch: pytest.MonkeyPatch
                                                                                ) -> None:
    assert settle(DAEMON_SET) is None
    monkeypatch.setattr("model.controllers.daemonset.node_should_run_daemon_pod",
                        lambda node, ds, bypass=False: (True, True))
    assert settle(DAEMON_SET) == "daemonsets-converge"


def test_min_available_catches_rollout_arithmetic_that_allows_one_more_unavailable(monkeypatch: pytest.MonkeyPatch
                                                                                   ) -> None:
    from model import rollout
    rollout_image = [Submit(rq.Update(ADMIN, from_dict(deployment(1, "500m", image="shop/app:2"))))]
    assert settle(deployment(1, "500m"), actions=rollout_image) is None
    faithful = rollout.resolve_fenceposts
    monkeypatch.setattr(rollout, "resolve_fenceposts",
                        lambda surge, unavailable, desired: (0, faithful(surge, unavailable, desired)[1] + 1))
    assert settle(deployment(1, "500m"), actions=rollout_image) == "deployment-keeps-min-available"


# --- the references on their own ---------------------------------------------------------------------------------


def test_pod_request_follows_the_init_container_rule() -> None:
    pod = from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"}, "spec": {
        "initContainers": [{"name": "init", "image": "i", "resources": {"requests": {"cpu": "2"}}}],
        "containers": [{"name": "a", "image": "a", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
                       {"name": "b", "image": "b", "resources": {"requests": {"cpu": "500m"}}}]}})
    assert oracles.pod_request(pod) == {"cpu": 2 * 10**9, "memory": 2**30 * 10**9}


def test_daemon_placement_follows_the_docs() -> None:
    nodes = {n.name: n for n in load_text(CLUSTER, "cluster") if n.kind == "Node"}
    ds = from_dict(DAEMON_SET)
    assert oracles.daemon_placement(ds, nodes["n1"]) == (True, True)
    assert oracles.daemon_placement(ds, nodes["n2"]) == (False, True)  # NoSchedule: no new pod, a running one stays
