"""Kivi's eight failure cases (Liu et al., "Kivi: Verification for Cluster Management", USENIX ATC 2024;
github.com/bingzheliu/Kivi ``kivi/cases/case_generator.py``) decided by kubeproof: each case's violating manifests and
its "no violation" twin under the case's CheckSpec, as ``kubeproof check --spec`` checks them, or, where the case is
a fixed sequence of events, by replaying that sequence with the spec's intents checked at every step.

The cases live in ``model/examples/kivi/`` (C6, maintenance, is issue 12's ``model/examples/intents/maintenance``).
C1 (HPA replica oscillation) is decided *held*: Kivi's HPA (``kivi/templates/hpa.pml``) models neither the
scale-down stabilisation window nor unready/missing pods, and its checker (``checkOscillationReplicaNum``) calls
replicas going from max back down by 3 an oscillation even when the load it scheduled itself dropped (its
``loadChange`` is never set); under the upstream HPA the replicas follow that drop once and stay (:func:`load_drop`).
``c1-*/two-hpas.yaml`` puts a second HPA (on memory) on the same Deployment: upstream's HPAs then refuse to act
(AmbiguousSelector) rather than fight, and the case holds; without that check the two cycle for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import yaml

from model import cluster
from model.actions import Submit
from model.apply import reapplied
from model.examples import intents as intent_examples
from model.examples.kivi import DIRECTORY
from model.kubelet.component import CrashNode
from model.load import OverloadNode, TrafficChange
from model.manifests import load
from properties.budget import Settle
from properties.check import PROFILES, Profile, run
from properties.explore import PropertyViolated, Scenario, check_liveness, execute
from properties.spec import compile_intents, load_spec, scenario_for

ONE_RUN = Profile("kivi", 1, 10)
"""One short run: the cases' specs explore no user commands, so what matters is the cluster left to itself (the
run's end is followed by fair execution, where the liveness intents are judged)."""

NOT_WRITTEN: dict[str, str] = {}
"""Cases not written as kubeproof manifests, with the reason (none since C1 was written)."""


@attrs.frozen
class Decision:
    """A case's verdict: the intent violated (None: every intent held) and its message."""

    violated: str | None
    message: str = ""


def directory(case: str) -> Path:
    """The case's folder (C6 is the intents' maintenance scenario)."""
    if case == "c6":
        return intent_examples.DIRECTORY / "maintenance"
    return next(DIRECTORY.glob(f"{case}-*"))


def case(name: str, manifests: str) -> tuple[Scenario, tuple]:
    """The case's scenario under its spec, and the spec's intents."""
    folder = directory(name)
    spec = load_spec(str(folder / "spec.yaml"))
    base = Scenario(f"kivi-{name}-{manifests}", tuple(load([folder / f"{manifests}.yaml"])))
    return scenario_for(base, spec), compile_intents(spec)


def _checked(name: str, manifests: str, seed: int) -> Decision:
    """As ``kubeproof check --spec``: one run (C6: the ``ci`` profile, as issue 12's intent bench), no shrinking."""
    scenario, intents = case(name, manifests)
    profile = PROFILES["ci"] if name == "c6" else ONE_RUN
    result = run(scenario, intents, profile, seed, shrink=False)
    if result.violation is None:
        return Decision(None)
    return Decision(result.violation.violation.property, result.violation.violation.message)


def _sequence(name: str, manifests: str, steps: Callable[[Scenario, tuple], None]) -> Decision:
    try:
        steps(*case(name, manifests))
    except PropertyViolated as violated:
        return Decision(violated.violation.property, violated.violation.message)
    return Decision(None)


def reapply_manifest(scenario: Scenario, intents: tuple) -> Any:
    """C2's sequence: on the settled cluster (the HPA has scaled app to its minimum), ``kubectl apply -f`` of app's
    manifest again, then the cluster settles. Gives the request the re-apply sent (None: "unchanged") and the final
    state."""
    folder = directory("c2")
    manifests = scenario.name.rsplit("-", 1)[1]
    document = next(d for d in yaml.safe_load((folder / f"{manifests}.yaml").read_text())["items"]
                    if d["kind"] == "Deployment")
    state = scenario.initial()
    request = reapplied(state, document)
    state, _ = execute(state, ([Submit(request)] if request else []) + [Settle()], scenario.config, intents)
    return request, state


def maintenance_then_overload(scenario: Scenario, intents: tuple) -> list[str]:
    """C4's sequence: node-3 down for maintenance; once its replicas are replaced, every overloaded node fails in
    turn. Gives the nodes that failed, in order."""
    state, _ = execute(scenario.initial(), [CrashNode("node-3"), Settle()], scenario.config, intents)
    failed = []
    while True:
        overloaded = [a for a in cluster.enabled(state, scenario.config) if isinstance(a, OverloadNode)]
        if not overloaded:
            return failed
        failed.append(overloaded[0].node)
        state, _ = execute(state, [overloaded[0], Settle()], scenario.config, intents)


def replicas(state: Any) -> int:
    """app's desired replicas (C1 and C2's Deployment prod/app)."""
    return state.store.get("Deployment", "prod", "app").spec.replicas


def load_drop(scenario: Scenario, intents: tuple) -> list[int]:
    """C1's sequence: on the settled cluster (the HPA has scaled app up for its load), app's CPU load drops to idle
    (Kivi's scheduled drop from 8 to 3 CPU per pod; kubeproof's levels have none between idle and the request) and
    the cluster settles; the liveness intents are judged where it settled. Gives app's replicas before and after."""
    state = scenario.initial()
    before = replicas(state)
    drop = TrafficChange("prod", "Deployment", "app", "cpu", "idle")
    state, transitions = execute(state, [drop, Settle()], scenario.config, intents)
    check_liveness(state, scenario.config, intents, transitions)
    return [before, replicas(state)]


def decide(name: str, manifests: str, seed: int = 0) -> Decision:
    """Case ``name`` (``c1`` ... ``c8``) on its ``violated`` or ``holds`` manifests (C1 also ``two-hpas``)."""
    if name == "c1" and manifests == "violated":
        return _sequence(name, manifests, load_drop)
    if name == "c2":
        return _sequence(name, manifests, reapply_manifest)
    if name == "c4":
        return _sequence(name, manifests, maintenance_then_overload)
    return _checked(name, manifests, seed)


CASES = (("c1", "HPA replica oscillation"), ("c2", "replicas below the HPA minimum after a re-apply"),
         ("c3", "a replica never schedulable (zone + node spread)"), ("c4", "overloaded nodes fail one after another"),
         ("c5", "descheduler RemoveDuplicates evict/reschedule loop"), ("c6", "maintenance loses two replicas"),
         ("c7", "nodeName on a NoExecute node: evict/recreate loop"),
         ("c8", "descheduler topology-spread evict/reschedule loop"))
"""Every case with Kivi's description of it."""
