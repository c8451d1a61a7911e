"""properties.minimise: a found run is cut down to one from which no block, single action or pair can be dropped."""

from __future__ import annotations

from kubeproof.intents_bench import _scenario
from model.actions import DeliverWatchEvent, ForceDeletePod, Tick
from model.controllers.base import CONTROLLER_MANAGER, Reconcile
from model.kubelet.component import HealPartition, KubeletSyncPod, PartitionNode
from model.scheduler.component import SchedulePod
from properties.check import PROFILES, run
from properties.explore import PropertyViolated, execute
from properties.minimise import minimise
from properties.registry import by_name
from properties.variants import variant

CHOSEN = variant("force-delete-partitioned")
PROPERTY = by_name([CHOSEN.property])


def _violation(actions: list) -> PropertyViolated:
    scenario = CHOSEN.scenario()
    try:
        execute(scenario.initial(), actions, scenario.config, PROPERTY)
    except PropertyViolated as violated:
        return violated
    raise AssertionError("the run breaks nothing")


def _shortest() -> list:
    """A known violating run: node-a (running db-0) partitioned, db-0 force-deleted and recreated on node-b."""
    scenario = CHOSEN.scenario()
    (pod,) = scenario.initial().store.list("Pod", "shop")
    other = "node-b" if pod.spec.node_name == "node-a" else "node-a"
    actions = [PartitionNode(pod.spec.node_name), ForceDeletePod("shop", "db-0"),
               DeliverWatchEvent(CONTROLLER_MANAGER), DeliverWatchEvent("scheduler"),
               Reconcile("statefulset-controller", ("shop", "db")), DeliverWatchEvent("scheduler"),
               SchedulePod("shop", "db-0", other), DeliverWatchEvent(f"kubelet/{other}")]
    state, _ = execute(scenario.initial(), actions, scenario.config, ())
    (created,) = state.store.list("Pod", "shop")
    return actions + [KubeletSyncPod(other, created.metadata.uid, "shop", "db-0")]


def test_padding_is_dropped_and_the_same_property_still_breaks() -> None:
    shortest = _shortest()
    assert _violation(shortest).violation.property == CHOSEN.property
    other = shortest[6].node
    padded = [Tick(), *shortest[:2], PartitionNode(other), Tick(), HealPartition(other), *shortest[2:6], Tick(),
              *shortest[6:]]
    found = _violation(padded)
    assert len(found.transitions) == len(padded)
    cut = minimise(CHOSEN.scenario(), found, PROPERTY)
    assert cut.violation.property == CHOSEN.property
    assert [t.action for t in cut.transitions] == shortest


def test_a_minimal_run_is_left_as_it_is() -> None:
    found = _violation(_shortest())
    assert [t.action for t in minimise(CHOSEN.scenario(), found, PROPERTY).transitions] == _shortest()


def test_a_liveness_violation_is_shrunk_by_replaying_its_explored_actions() -> None:
    """The intents' ``converges`` case: the run's explored actions are cut, fair convergence is re-run and judged."""
    scenario, properties = _scenario("converges", "violated.yaml", False)
    found = run(scenario, properties, PROFILES["ci"], 0, shrink=False).violation
    assert found is not None and found.explored is not None and found.explored > 1
    cut = minimise(scenario, found, properties)
    assert cut.violation.property == found.violation.property and cut.explored < found.explored
    assert getattr(cut, "minimal", True)
