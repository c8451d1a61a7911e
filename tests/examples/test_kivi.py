"""Kivi's failure cases (model/examples/kivi/) decided by kubeproof's check engine with the cases' CheckSpecs.

C3, C5, C7 and C8 are explored as ``kubeproof check --spec`` explores them (``properties.check.run`` with the spec's
scenario and intents; one short run suffices, since the cluster acts without users), C4 is driven by its fixed
maintenance-then-overload action list, as tests/properties/test_spec.py drives the intent scenarios (the explorer's
search for it takes longer than a unit test should), and C2 by its one user command, the re-apply of the manifest
(``kubectl apply``, model.apply), on the settled cluster. Each case's "holds" twin is checked the same way.
"""

from __future__ import annotations

import os

import pytest
import yaml

from model import cluster
from model.actions import Submit
from model.apply import reapplied
from model.examples.kivi import DIRECTORY
from model.kubelet.component import CrashNode
from model.load import OverloadNode
from model.manifests import load
from properties.budget import Settle
from properties.check import Profile, run
from properties.explore import PropertyViolated, Scenario, execute
from properties.spec import compile_intents, load_spec, scenario_for

ONE_RUN = Profile("kivi", 1, 10)


def _case(case: str, manifests: str) -> tuple[Scenario, tuple]:
    spec = load_spec(str(DIRECTORY / case / "spec.yaml"))
    base = Scenario(f"kivi-{case}-{manifests}", tuple(load([DIRECTORY / case / f"{manifests}.yaml"])))
    return scenario_for(base, spec), compile_intents(spec)


def test_c3_the_sixth_replica_is_never_schedulable() -> None:
    scenario, intents = _case("c3-spread", "violated")
    result = run(scenario, intents, ONE_RUN, 0, shrink=False)
    assert result.violation is not None
    assert result.violation.violation.property == "app-always-schedulable"
    assert "didn't match pod topology spread constraints" in result.violation.violation.message


def test_c3_twin_with_the_node_spread_alone_schedules_all_six() -> None:
    scenario, intents = _case("c3-spread", "holds")
    result = run(scenario, intents, ONE_RUN, 0, shrink=False)
    assert result.violation is None, str(result.violation)


def _maintenance_then_overload(scenario: Scenario, intents: tuple) -> list[str]:
    """node-3 down for maintenance; once its replicas are replaced, every overloaded node fails in turn. The
    overloaded nodes, in order."""
    state, _ = execute(scenario.initial(), [CrashNode("node-3"), Settle()], scenario.config, intents)
    failed = []
    while True:
        overloaded = [a for a in cluster.enabled(state, scenario.config) if isinstance(a, OverloadNode)]
        if not overloaded:
            return failed
        failed.append(overloaded[0].node)
        state, _ = execute(state, [overloaded[0], Settle()], scenario.config, intents)


def test_c4_overloaded_nodes_fail_one_after_another() -> None:
    scenario, intents = _case("c4-overload", "violated")
    assert "node-overload" in scenario.config.faults
    try:
        failed = _maintenance_then_overload(scenario, intents)
    except PropertyViolated as violated:
        assert violated.violation.property == "app-loses-at-most-two"
        return
    raise AssertionError(f"no violation (overloaded: {failed})")


def test_c4_twin_at_the_request_survives_the_maintenance() -> None:
    scenario, intents = _case("c4-overload", "holds")
    assert _maintenance_then_overload(scenario, intents) == []


@pytest.mark.skipif(not os.environ.get("KUBEPROOF_SLOW"), reason="fair execution loops to its step bound before "
                    "NoOscillation decides (about a minute): KUBEPROOF_SLOW=1 runs it")
def test_c7_a_pod_named_onto_a_noexecute_node_is_evicted_and_recreated_for_ever() -> None:
    scenario, intents = _case("c7-nodename-noexecute", "violated")
    result = run(scenario, intents, ONE_RUN, 0, shrink=False)
    assert result.violation is not None
    assert result.violation.violation.property == "app-does-not-flap"


def test_c7_twin_on_the_untainted_node_settles() -> None:
    scenario, intents = _case("c7-nodename-noexecute", "holds")
    result = run(scenario, intents, ONE_RUN, 0, shrink=False)
    assert result.violation is None, str(result.violation)


def _reapply(manifests: str) -> tuple[object, object]:
    """C2: on the settled cluster (the HPA has scaled app to its minimum), the user re-applies app's manifest."""
    scenario, intents = _case("c2-reapply-below-min", manifests)
    path = DIRECTORY / "c2-reapply-below-min" / f"{manifests}.yaml"
    document = next(d for d in yaml.safe_load(path.read_text())["items"] if d["kind"] == "Deployment")
    state = scenario.initial()
    assert state.store.get("Deployment", "prod", "app").spec.replicas == 3  # the HPA's minReplicas
    request = reapplied(state, document)
    return request, execute(state, ([Submit(request)] if request else []) + [Settle()], scenario.config, intents)


def test_c2_a_reapplied_manifest_takes_replicas_below_the_hpa_minimum() -> None:
    with pytest.raises(PropertyViolated) as violated:
        _reapply("violated")
    assert violated.value.violation.property == "app-keeps-hpa-minimum"
    assert "has 1 available pod(s)" in violated.value.violation.message


def test_c2_twin_without_replicas_in_the_manifest_is_unchanged_by_the_reapply() -> None:
    request, (state, _) = _reapply("holds")
    assert request is None  # kubectl apply: "unchanged"
    assert state.store.get("Deployment", "prod", "app").spec.replicas == 3


def test_c5_remove_duplicates_and_the_scheduler_undo_each_other() -> None:
    scenario, intents = _case("c5-remove-duplicates", "violated")
    result = run(scenario, intents, ONE_RUN, 0, shrink=False)
    assert result.violation is not None
    assert result.violation.violation.property == "app-does-not-flap"


def test_c5_twin_with_room_on_every_node_settles() -> None:
    scenario, intents = _case("c5-remove-duplicates", "holds")
    result = run(scenario, intents, ONE_RUN, 0, shrink=False)
    assert result.violation is None, str(result.violation)


def test_c8_the_descheduler_balancing_soft_constraints_fights_the_scheduler() -> None:
    """A descheduler policy (balance ScheduleAnyway constraints, each on its own) and the scheduler's default profile
    (weighing both constraints and the node affinity together) disagree: a NoOscillation violation."""
    scenario, intents = _case("c8-topology-spread", "violated")
    result = run(scenario, intents, ONE_RUN, 0, shrink=False)
    assert result.violation is not None
    assert result.violation.violation.property == "app-does-not-flap"


def test_c8_twin_balancing_hard_constraints_only_settles() -> None:
    scenario, intents = _case("c8-topology-spread", "holds")
    result = run(scenario, intents, ONE_RUN, 0, shrink=False)
    assert result.violation is None, str(result.violation)
