"""pytest runs the exploration state machine itself, so ``pytest`` alone checks the invariants in CI.

The machine is ``properties.explore.machine_for`` (what ``kubeproof check`` runs) on a small scenario: two nodes,
a namespace, a ReplicaSet and its Service, with users scaling the ReplicaSet and deleting its pods, under every
fault (``model.config.FAULTS``). Every property is checked after every step, the liveness properties after each
run's fair convergence; any violation fails the test with Hypothesis's shrunk example. It runs under the active
Hypothesis profile (tests/conftest.py: ``dev`` locally, ``ci`` in CI, ``deep`` for long runs); in ``dev`` the
number of runs is capped so that the default test run stays fast.
"""

from __future__ import annotations

import os

from hypothesis import settings

from model.config import FAULTS, ModelConfig
from model.manifests import load_text
from properties.explore import Scenario, machine_for
from properties.registry import all_properties
from properties.simulate import random_walk
from properties.variants import NODES, REPLICASET

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{port: 80, targetPort: 8080}]
"""
OBJECTS = tuple(load_text(NODES, "nodes") + load_text(REPLICASET + "---\n" + SERVICE, "cart"))
EVERY_FAULT = Scenario("pytest-every-fault", OBJECTS, ModelConfig(faults=frozenset(FAULTS)), user_budget=2)
DEV_RUNS = 20
PROFILE = settings(settings.default, stateful_step_count=25, deadline=None,
                   max_examples=settings.default.max_examples
                   if os.environ.get("KUBEPROOF_HYPOTHESIS_PROFILE", "dev") != "dev"
                   else min(settings.default.max_examples, DEV_RUNS))

TestExploreCartUnderEveryFault = machine_for(EVERY_FAULT, all_properties()).TestCase
TestExploreCartUnderEveryFault.settings = PROFILE


def test_a_walk_through_the_scenario_takes_faults_of_every_kind() -> None:
    """The scenario's faults are reachable: a seeded walk choosing as the machine does (a component, then one of
    its actions) crashes and partitions nodes and containers, restarts controllers, breaks watches and fails
    requests. (800 steps: with the deadline clock a walk this full of faults reaches node timeouts and evictions
    sooner, so its pods run, and can crash, less often.)"""
    taken = {type(w.action).__name__ for w in random_walk(EVERY_FAULT.initial(), 800, 0, EVERY_FAULT.config)}
    assert {"CrashNode", "PartitionNode", "RestartController", "WatchReconnect", "FailNextRequest",
            "DrainStep"} <= taken
    # With node-drain the walk's drains evict the pods this seed's containers would have crashed in; without it:
    config = ModelConfig(faults=frozenset(FAULTS) - {"node-drain"})
    taken = {type(w.action).__name__ for w in random_walk(EVERY_FAULT.initial(), 800, 0, config)}
    assert {"CrashNode", "PartitionNode", "ContainerExit", "RestartController", "WatchReconnect",
            "FailNextRequest"} <= taken
