"""The user's ``kubectl drain`` (properties.users, model.maintenance): a drain the user budget cuts off still runs to
its end in fair execution, node uncordoned, before convergence is judged (``properties.explore.quiet_since``)."""

from __future__ import annotations

from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.maintenance import DrainStep
from model.manifests import from_dict
from model.user_actions import cordon
from properties import trace as traces
from properties.explore import PropertyViolated, Scenario, check_liveness, converge, execute, quiet_since
from properties.registry import INVARIANT, Property, all_properties
from properties.users import user_actions
from tests.model.controllers.test_node_lifecycle import node

PINNED = from_dict({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "default"},
                    "spec": {"serviceName": "db", "replicas": 1, "selector": {"matchLabels": {"app": "db"}},
                             "template": {"metadata": {"labels": {"app": "db"}}, "spec": {
                                 "nodeSelector": {"kubernetes.io/hostname": "n1"},
                                 "containers": [{"name": "c", "image": "db:1"}]}}}})
"""A StatefulSet whose one pod can only run on n1: while n1 is cordoned its replacement waits, unscheduled."""
SCENARIO = Scenario("user-drain", (node("n1", {"kubernetes.io/hostname": "n1"}),
                                   node("n2", {"kubernetes.io/hostname": "n2"}), PINNED), user_budget=1, settled=True)


def _db_running_on_n1(state: object) -> bool:
    pod = state.store.get("Pod", "default", "db-0")  # type: ignore[attr-defined]
    return pod is not None and pod.spec.node_name == "n1" and pod.status.phase == "Running"


def test_a_drain_cut_off_by_the_user_budget_still_ends_and_the_cluster_converges() -> None:
    properties = all_properties()
    start = SCENARIO.initial()
    (drain,) = [a for a in user_actions(start) if isinstance(a, DrainStep)]  # n2 has nothing to evict
    assert drain.by_user and drain.request.object.name == "n1"
    state, transitions = execute(start, [drain], SCENARIO.config, properties)  # the budget's one command
    final = converge(state, SCENARIO.config, properties, transitions)
    check_liveness(final, SCENARIO.config, properties, transitions, quiet_since(transitions, state.time))
    steps = [t for t in transitions if isinstance(t.action, DrainStep)]
    assert [type(t.action.request).__name__ for t in steps] == ["Update", "Evict", "Update"]
    assert steps[1].result.responses[0].code == 201 and not steps[2].action.request.object.spec.unschedulable
    assert quiet_since(transitions, state.time) == steps[2].result.state.time
    assert not final.drains and not final.store.get("Node", None, "n1").spec.unschedulable
    assert _db_running_on_n1(final)


def test_a_cordon_left_in_place_keeps_the_pod_off_its_node() -> None:
    """The control: evicted by hand under a plain ``kubectl cordon`` that nobody undoes, db-0 stays unplaced."""
    start = SCENARIO.initial()
    requests = [*cordon(start, "n1"), rq.Evict(ADMIN, "default", "db-0")]
    state, transitions = execute(start, [Submit(r) for r in requests], SCENARIO.config, ())
    final = converge(state, SCENARIO.config, (), transitions)
    assert final.store.get("Node", None, "n1").spec.unschedulable and not _db_running_on_n1(final)


def test_a_trace_with_the_users_drain_replays() -> None:
    """The user's drain is a user's command: ``kubectl replay`` takes it as it takes a ``Submit``."""
    cordoned = Property("no-cordoned-node", INVARIANT, "No node is cordoned.", "test",
                        lambda state, config: [n.name for n in state.store.list("Node") if n.spec.unschedulable])
    start = SCENARIO.initial()
    (drain,) = [a for a in user_actions(start) if isinstance(a, DrainStep)]
    try:
        execute(start, [drain], SCENARIO.config, (cordoned,))
    except PropertyViolated as violated:
        trace = traces.to_json(violated, SCENARIO, 0, None, {})
    assert trace["steps"][0]["action"]["by_user"] is True
    assert traces.replay(trace, (cordoned,)).reproduced
