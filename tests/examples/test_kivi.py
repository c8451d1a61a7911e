"""Kivi's failure cases (model/examples/kivi/) decided by kubeproof (properties.kivi) with the cases' CheckSpecs.

C3, C5, C7 and C8 are checked as ``kubeproof check --spec`` checks them (one short run suffices, since the cluster
acts without users); C2 (the re-apply of a manifest) and C4 (maintenance, then nodes failing under load) are their
fixed sequences of events, replayed with the intents checked at every step. Each case's "holds" twin is decided the
same way and must hold. C6 is issue 12's maintenance scenario (tests/properties/test_spec.py). C1 is decided held:
Kivi's oscillation is its HPA (no scale-down stabilisation) following a load drop it scheduled itself.
"""

from __future__ import annotations

import os

import attrs
import pytest

from model.manifests import from_dict
from properties import kivi
from properties.check import run


def test_c1_kivis_load_drop_is_followed_once_not_an_oscillation() -> None:
    """Kivi reports H1 violated (replicas at max, then down by 3 or more); under the upstream HPA the replicas
    follow the load up to maxReplicas, then its drop down to minReplicas, once, and the cluster settles there
    (NoOscillation holds where it settled)."""
    scenario, intents = kivi.case("c1", "violated")
    hpa = scenario.initial().store.get("HorizontalPodAutoscaler", "prod", "app")
    assert {c["type"]: c["reason"] for c in hpa.status.conditions}["ScalingLimited"] == "TooManyReplicas"
    assert kivi.load_drop(scenario, intents) == [6, 1]  # maxReplicas, then minReplicas


def test_c1_twin_without_the_drop_stays_at_max() -> None:
    assert kivi.decide("c1", "holds") == kivi.Decision(None)


def test_c1_two_hpas_on_one_deployment_refuse_to_act_rather_than_fight() -> None:
    """horizontal.go validateAndParseSelector: pods that several HPAs select make each HPA's ScalingActive False
    (AmbiguousSelector), so app keeps its replica count and nothing cycles."""
    scenario, _ = kivi.case("c1", "two-hpas")
    state = scenario.initial()
    for name in ("app", "app-memory"):
        active = next(c for c in state.store.get("HorizontalPodAutoscaler", "prod", name).status.conditions
                      if c["type"] == "ScalingActive")
        assert (active["status"], active["reason"]) == ("False", "AmbiguousSelector")
        assert "controlled by multiple HPAs: [prod/app prod/app-memory]" in active["message"]
    assert state.store.get("Deployment", "prod", "app").spec.replicas == 1
    assert kivi.decide("c1", "two-hpas") == kivi.Decision(None)


@pytest.mark.skipif(not os.environ.get("KUBEPROOF_SLOW"), reason="10 CPU s of fair execution (the default run's "
                    "budget): KUBEPROOF_SLOW=1 runs it")
def test_c1_two_hpas_without_the_ambiguity_check_fight_for_ever(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model broken on purpose (an HPA controller without the AmbiguousSelector check, as before upstream added
    it): the CPU HPA scales app up, the memory HPA (idle memory) back down, and NoOscillation sees the loop."""
    from model.controllers import hpa
    monkeypatch.setattr(hpa._Sync, "_selecting_hpas", lambda self, pods, selector: [self.hpa.name])
    assert kivi.decide("c1", "two-hpas").violated == "app-does-not-flap"


def test_c2_a_reapplied_manifest_takes_replicas_below_the_hpa_minimum() -> None:
    decision = kivi.decide("c2", "violated")
    assert decision.violated == "app-keeps-hpa-minimum"
    assert "has 1 available pod(s)" in decision.message


def test_c2_twin_without_replicas_in_the_manifest_is_unchanged_by_the_reapply() -> None:
    scenario, intents = kivi.case("c2", "holds")
    assert scenario.initial().store.get("Deployment", "prod", "app").spec.replicas == 3  # the HPA's minReplicas
    request, state = kivi.reapply_manifest(scenario, intents)
    assert request is None  # kubectl apply: "unchanged"
    assert state.store.get("Deployment", "prod", "app").spec.replicas == 3


def test_c3_the_sixth_replica_is_never_schedulable() -> None:
    decision = kivi.decide("c3", "violated")
    assert decision.violated == "app-always-schedulable"
    assert "didn't match pod topology spread constraints" in decision.message


def test_c3_twin_with_the_node_spread_alone_schedules_all_six() -> None:
    assert kivi.decide("c3", "holds") == kivi.Decision(None)


def test_c4_overloaded_nodes_fail_one_after_another() -> None:
    scenario, _ = kivi.case("c4", "violated")
    assert "node-overload" in scenario.config.faults
    assert kivi.decide("c4", "violated").violated == "app-loses-at-most-two"


def test_c4_twin_at_the_request_survives_the_maintenance() -> None:
    assert kivi.maintenance_then_overload(*kivi.case("c4", "holds")) == []


def test_c5_remove_duplicates_and_the_scheduler_undo_each_other() -> None:
    decision = kivi.decide("c5", "violated")
    assert decision.violated == "app-does-not-flap"
    assert "cycle without users or faults" in decision.message


def test_c5_twin_with_room_on_every_node_settles() -> None:
    assert kivi.decide("c5", "holds") == kivi.Decision(None)


@pytest.mark.skipif(not os.environ.get("KUBEPROOF_SLOW"), reason="8 CPU s of fair execution before NoOscillation "
                    "decides (kubeproof bench --kivi times it): KUBEPROOF_SLOW=1 runs it")
def test_c7_a_pod_named_onto_a_noexecute_node_is_evicted_and_recreated_for_ever() -> None:
    assert kivi.decide("c7", "violated").violated == "app-does-not-flap"


def test_c7_twin_on_the_untainted_node_settles() -> None:
    assert kivi.decide("c7", "holds") == kivi.Decision(None)


def test_c8_the_descheduler_balancing_soft_constraints_fights_the_scheduler() -> None:
    """A descheduler policy (balance ScheduleAnyway constraints, each on its own) and the scheduler's default profile
    (weighing both constraints and the node affinity together) disagree: a NoOscillation violation."""
    assert kivi.decide("c8", "violated").violated == "app-does-not-flap"


def test_c8_twin_balancing_hard_constraints_only_settles() -> None:
    assert kivi.decide("c8", "holds") == kivi.Decision(None)


def test_every_case_is_written() -> None:
    """Each of the eight cases has its folder (the bench would report a case in NOT_WRITTEN with its reason)."""
    assert kivi.NOT_WRITTEN == {}
    assert [name for name, _ in kivi.CASES] == [f"c{i}" for i in range(1, 9)]
    assert all((kivi.directory(name) / "violated.yaml").exists() for name, _ in kivi.CASES if name != "c6")


@pytest.mark.skipif(not os.environ.get("KUBEPROOF_SLOW"), reason="7 CPU s (the default run's budget): "
                    "KUBEPROOF_SLOW=1 runs it")
def test_c5_settles_with_the_evictors_node_fit() -> None:
    """The C5 loop comes from descheduler#1237 (RemoveDuplicates' getTargetNodes does not ask whether the pods fit):
    the same cluster with the DefaultEvictor's ``nodeFit: true`` (its PreEvictionFilter keeps a pod that fits no
    other node) settles, so the intent tells the buggy interaction from the guarded one on identical manifests."""
    scenario, intents = kivi.case("c5", "violated")
    policy = next(o for o in scenario.objects if o.kind == "DeschedulerPolicy").to_dict()
    policy["profiles"][0]["pluginConfig"][0]["args"] = {"nodeFit": True}
    objects = tuple(o for o in scenario.objects if o.kind != "DeschedulerPolicy") + (from_dict(policy),)
    guarded = attrs.evolve(scenario, objects=objects)
    assert run(guarded, intents, kivi.ONE_RUN, 0, shrink=False).violation is None
