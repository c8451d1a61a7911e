"""properties.spec and properties.budget: CheckSpec parsing (bad specs are one line naming file, intent and field),
each intent kind on a scenario that violates it and one that holds it (model/examples/intents/), fault budgets and
settling in the explorer, and the spec travelling in traces so that replay reproduces intent violations.

The scenarios are driven by fixed action lists here (the explorer's search for them is timed by
``kubeproof bench --intents``); the maintenance search, with its shrinking, is also a test."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from kubeproof.cli import main
from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.errors import ManifestError
from model.examples.intents import DIRECTORY
from model.kubelet.component import CrashNode, RecoverNode
from model.manifests import load
from properties import trace as traces
from properties.budget import Settle, fault_allowed, settled
from properties.check import PROFILES, run
from properties.explore import PropertyViolated, Scenario, check_liveness, converge, execute, machine_for
from properties.spec import compile_intents, load_spec, parse_spec, replay_properties, scenario_for


def _case(case: str, manifests: str, variants: frozenset[str] = frozenset()) -> tuple[Scenario, tuple]:
    spec = load_spec(str(DIRECTORY / case / "spec.yaml"))
    base = Scenario(f"{case}-{manifests}", tuple(load([DIRECTORY / case / f"{manifests}.yaml"])))
    base = attrs.evolve(base, config=attrs.evolve(base.config, variants=variants))
    return scenario_for(base, spec), compile_intents(spec)


def _pods_by_node(state, namespace: str) -> dict[str, int]:  # noqa: ANN001 - a ClusterState
    counts: dict[str, int] = {}
    for pod in state.store.list("Pod", namespace):
        if pod.metadata.deletion_timestamp is None and pod.spec.node_name:
            counts[pod.spec.node_name] = counts.get(pod.spec.node_name, 0) + 1
    return counts


def _maintenance(scenario: Scenario, properties: tuple) -> None:
    """Kivi's maintenance: a node down until its replica is replaced, back, then the fullest node down."""
    first = [CrashNode("node-3"), Settle(), RecoverNode("node-3"), Settle()]
    state, _ = execute(scenario.initial(), first, scenario.config, ())
    fullest = max(sorted(_pods_by_node(state, "prod").items()), key=lambda item: item[1])[0]
    execute(scenario.initial(), [*first, CrashNode(fullest)], scenario.config, properties)


# --- parsing --------------------------------------------------------------------------------------------------------

GOOD = {"apiVersion": "kubeproof.dev/v1alpha1", "kind": "CheckSpec", "faults": {"node-crash": 1},
        "intents": [{"name": "web-keeps-two", "kind": "MinAvailable",
                     "target": {"kind": "Deployment", "namespace": "prod", "name": "web"}, "minAvailable": "66%"}]}


def _with(intent: dict | None = None, **top: object) -> dict:
    doc = {**GOOD, **top}
    if intent is not None:
        doc["intents"] = [{**GOOD["intents"][0], **intent}]
    return doc


def test_a_good_spec_parses_with_its_budget_and_intents() -> None:
    spec = parse_spec(GOOD, "spec.yaml")
    assert spec.faults == (("node-crash", 1),) and spec.user_actions and not spec.settle_between_faults
    (intent,) = spec.intents
    assert intent.kind == "MinAvailable" and intent.param("minAvailable") == "66%"
    (prop,) = compile_intents(spec)
    assert prop.name == "web-keeps-two" and prop.kind == "step"


@pytest.mark.parametrize(("doc", "expected"), [
    (_with({"minAvailble": 2}), 'spec.yaml: intents[0] (web-keeps-two).minAvailble: unknown field "minAvailble"'),
    (_with({"minAvailable": "66"}), "intents[0] (web-keeps-two).minAvailable: Invalid value"),
    (_with({"minAvailable": -1}), "intents[0] (web-keeps-two).minAvailable: Invalid value: -1"),
    (_with({"maxUnavailable": 1}), "intents[0] (web-keeps-two): Invalid value: exactly one of"),
    (_with({"kind": "MinAvailble"}), "intents[0] (web-keeps-two).kind: Unsupported value: 'MinAvailble'"),
    (_with({"target": {"kind": "Service", "name": "web"}}), "intents[0] (web-keeps-two).target.kind"),
    (_with(faults={"node-crash": "two"}), "spec.yaml: faults.node-crash: Invalid value: 'two'"),
    (_with(faults={"disk-full": 1}), 'faults.disk-full: Unsupported value: "disk-full"'),
    (_with(settleBetweenFaults="yes"), "settleBetweenFaults: Invalid value"),
    (_with(apiVersion="v1"), "apiVersion: Unsupported value"),
    ({**GOOD, "intents": [GOOD["intents"][0], GOOD["intents"][0]]}, "intents[1] (web-keeps-two).name: Duplicate"),
])
def test_a_bad_spec_is_one_line_naming_file_intent_and_field(doc: dict, expected: str) -> None:
    with pytest.raises(ManifestError) as raised:
        parse_spec(doc, "spec.yaml")
    assert expected in str(raised.value) and "\n" not in str(raised.value)


def test_check_with_a_spec_naming_an_absent_object_exits_2_with_one_line(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    spec = tmp_path / "spec.yaml"
    spec.write_text((DIRECTORY / "maintenance" / "spec.yaml").read_text().replace("name: web}", "name: webb}"))
    code = main(["check", str(DIRECTORY / "maintenance" / "violated.yaml"), "--spec", str(spec)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err
    assert err == (f"kubeproof: {spec}: intents[0] (web-loses-at-most-one).target: Not found: Deployment prod/webb "
                   "is not in the manifests")


def test_only_intents_needs_a_spec(capsys) -> None:  # noqa: ANN001
    assert main(["check", "--only-intents"]) == 2
    assert "--only-intents needs --spec" in capsys.readouterr().err


# --- budgets --------------------------------------------------------------------------------------------------------


def test_faults_stay_within_the_budget_and_wait_for_a_settled_cluster() -> None:
    scenario, _ = _case("maintenance", "violated")
    start = scenario.initial()
    assert settled(start, scenario.config)
    assert fault_allowed(scenario, start, CrashNode("node-1"), {})
    assert not fault_allowed(scenario, start, CrashNode("node-1"), {"node-crash": 2})
    down = execute(start, [CrashNode("node-1")], scenario.config, ())[0]
    assert not settled(down, scenario.config)  # the node is not back
    assert not fault_allowed(scenario, down, CrashNode("node-2"), {"node-crash": 1})
    assert fault_allowed(scenario, down, RecoverNode("node-1"), {"node-crash": 1})  # repairs are not faults
    unbudgeted = attrs.evolve(scenario, fault_budget=None)
    assert fault_allowed(unbudgeted, down, CrashNode("node-2"), {"node-crash": 5})


def test_the_explorer_never_draws_a_fault_past_the_budget_or_before_the_cluster_settled() -> None:
    scenario, _ = _case("maintenance", "holds")  # node-crash: 2, settling between faults
    machine = machine_for(scenario, ())()
    crash = CrashNode("node-1")
    assert crash in machine.actions("kubelet") and "settle" not in machine.components()  # settled already
    machine.state = execute(machine.state, [crash], scenario.config, ())[0]
    machine.faults_used = {"node-crash": 1}
    assert not [a for a in machine.actions("kubelet") if isinstance(a, CrashNode)]  # not settled
    assert "settle" in machine.components() and machine.actions("settle") == [Settle()]
    machine.state = execute(machine.state, [RecoverNode("node-1"), Settle()], scenario.config, ())[0]
    assert [a for a in machine.actions("kubelet") if isinstance(a, CrashNode)]  # settled, one crash left
    machine.faults_used = {"node-crash": 2}
    assert not [a for a in machine.actions("kubelet") if isinstance(a, CrashNode)]  # the budget is spent
    assert "settle" not in machine.components()


# --- each intent kind: violated and held ----------------------------------------------------------------------------


def test_min_available_maintenance_loses_two_replicas_with_a_soft_spread() -> None:
    scenario, properties = _case("maintenance", "violated")
    with pytest.raises(PropertyViolated) as raised:
        _maintenance(scenario, properties)
    assert raised.value.violation.property == "web-loses-at-most-one"
    assert "has 1 available pod(s)" in raised.value.violation.message
    assert [type(t.action).__name__ for t in raised.value.transitions] == \
        ["CrashNode", "Settle", "RecoverNode", "Settle", "CrashNode"]


def test_min_available_holds_with_a_hard_spread() -> None:
    scenario, properties = _case("maintenance", "holds")
    _maintenance(scenario, properties)


def _settled_after(scenario: Scenario, properties: tuple, actions: list) -> None:
    """Run ``actions``, then fair execution to rest, and check the liveness properties there."""
    state, transitions = execute(scenario.initial(), actions, scenario.config, properties)
    final = converge(state, scenario.config, properties, transitions)
    check_liveness(final, scenario.config, properties, transitions, state.time)


MAINTAIN_NODE_3 = [CrashNode("node-3"), Settle(), RecoverNode("node-3")]


def test_max_skew_is_broken_once_the_soft_spread_recreated_a_replica_beside_another() -> None:
    scenario, properties = _case("spread", "violated")
    with pytest.raises(PropertyViolated) as raised:
        _settled_after(scenario, properties, MAINTAIN_NODE_3)
    assert "skew 2 > 1 once the cluster has settled" in raised.value.violation.message
    scenario, properties = _case("spread", "holds")
    _settled_after(scenario, properties, MAINTAIN_NODE_3)


def test_always_schedulable_fails_for_the_third_replica_on_two_nodes_and_holds_on_three() -> None:
    scenario, properties = _case("schedulable", "violated")
    with pytest.raises(PropertyViolated) as raised:
        _settled_after(scenario, properties, [])
    assert "is Unschedulable once the cluster has settled" in raised.value.violation.message
    scenario, properties = _case("schedulable", "holds")
    _settled_after(scenario, properties, MAINTAIN_NODE_3)


def test_endpoints_at_least_two_fails_when_one_of_two_nodes_goes_and_holds_with_three() -> None:
    scenario, properties = _case("endpoints", "violated")
    with pytest.raises(PropertyViolated) as raised:
        execute(scenario.initial(), [CrashNode("node-1"), Settle()], scenario.config, properties)
    assert raised.value.violation.message.startswith("Service prod/web has 1 ready endpoint(s)")
    scenario, properties = _case("endpoints", "holds")
    execute(scenario.initial(), [CrashNode("node-1"), Settle()], scenario.config, properties)


def _scaled_up(scenario: Scenario) -> list[Submit]:
    web = scenario.initial().store.get("Deployment", "prod", "web")
    return [Submit(rq.Update(ADMIN, attrs.evolve(web, spec=attrs.evolve(web.spec, replicas=3))))]


def test_converges_misses_30s_with_min_ready_seconds_60_and_makes_it_without() -> None:
    for manifests, broken in (("violated", True), ("holds", False)):
        scenario, properties = _case("converges", manifests)
        state, transitions = execute(scenario.initial(), _scaled_up(scenario), scenario.config, properties)
        final = converge(state, scenario.config, properties, transitions)
        if broken:
            with pytest.raises(PropertyViolated) as raised:
                check_liveness(final, scenario.config, properties, transitions, state.time)
            assert "more than 30s" in raised.value.violation.message
        else:
            check_liveness(final, scenario.config, properties, transitions, state.time)


def test_converges_counts_a_deleted_target_as_reached() -> None:
    """The user may delete the Deployment (the explorer's one kubectl command): it has no desired state left to
    miss, and judging the intent there must not fail on the missing object."""
    scenario, properties = _case("converges", "holds")
    state = scenario.initial()
    gone = attrs.evolve(state, store=attrs.evolve(state.store, objects=state.store.objects.remove(
        ("Deployment", "prod", "web"))))
    (converges,) = properties
    assert converges.check(gone, scenario.config, state.time) == []


def test_no_oscillation_finds_the_daemon_set_fighting_the_taint_eviction_controller_and_holds_faithfully() -> None:
    """The check follows fair execution on from the state it is given (here the start; a run hands it the state its
    convergence reached)."""
    scenario, (prop,) = _case("oscillation", "manifests", frozenset({"daemonset-bypasses-scheduler"}))
    (message,) = prop.check(scenario.initial(), scenario.config)
    assert message.startswith("DaemonSet prod/agent's pods cycle without users or faults")
    scenario, (prop,) = _case("oscillation", "manifests")
    assert prop.check(scenario.initial(), scenario.config) == []


# --- traces ---------------------------------------------------------------------------------------------------------


def test_the_spec_travels_in_the_trace_and_replay_reproduces_the_intent_violation(tmp_path: Path) -> None:
    spec_path = DIRECTORY / "maintenance" / "spec.yaml"
    scenario, properties = _case("maintenance", "violated")
    with pytest.raises(PropertyViolated) as raised:
        _maintenance(scenario, properties)
    trace = traces.to_json(raised.value, scenario, 0, None, {"spec": load_spec(str(spec_path)).document})
    assert trace["initial"]["faultBudget"] == {"node-crash": 2} and trace["initial"]["settleBetweenFaults"]
    assert trace["initial"]["spec"]["intents"][0]["name"] == "web-loses-at-most-one"
    restored = traces.scenario_of(trace)
    assert restored.fault_budget == scenario.fault_budget and restored.settled and not restored.kubectl
    outcome = traces.replay(trace, replay_properties(trace, ()))
    assert outcome.reproduced and outcome.steps_run == 5


def test_the_ci_profile_finds_the_maintenance_case_in_at_most_15_actions() -> None:
    """The explorer's own search and its shrinking by replay (about 8 CPU s; ``kubeproof bench --intents`` times
    it): a minimal trace (no shrink budget here, so that a loaded machine's wall clock cannot cut it short)."""
    scenario, properties = _case("maintenance", "violated")
    result = run(scenario, properties, PROFILES["ci"], 0)
    assert result.violation is not None and len(result.violation.transitions) <= 15
    assert getattr(result.violation, "minimal", True)


def test_the_cluster_may_settle_with_the_last_fault_unrepaired() -> None:
    """With the budget spent and a node still down, the explorer may still wait for the cluster to settle (the
    replica is evicted and recreated elsewhere before the node is back): how MaxSkew's case is reached."""
    scenario, _ = _case("spread", "violated")  # node-crash: 1, settling between faults
    machine = machine_for(scenario, ())()
    machine.state = execute(machine.state, [CrashNode("node-3")], scenario.config, ())[0]
    machine.faults_used = {"node-crash": 1}
    assert "settle" in machine.components()
    machine.state = execute(machine.state, [RecoverNode("node-3"), Settle()], scenario.config, ())[0]
    assert "settle" not in machine.components()
