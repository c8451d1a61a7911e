"""properties.relative_time: a state and its shift in time get one canonical key, and that merge is sound: every step
of the model commutes with the shift (checked along random runs of the bundled scenarios, faults enabled), so the
registry of time fields misses no copy of the clock and no reader compares a time with a constant."""

from __future__ import annotations

import random

import attrs
import pytest

from kubeproof.intents_bench import CASES
from kubeproof.intents_bench import _scenario as intent_scenario
from model import cluster
from model.actions import Tick
from model.config import FAULTS
from model.state import ClusterState
from properties.canonical import Canonicaliser
from properties.explore import Scenario
from properties.livelocks import evict_recreate
from properties.relative_time import Shifter
from properties.variants import VARIANTS

SHIFT = 1000
"""Longer than any deadline of these scenarios, so that a reader comparing a time with a constant (or taking a
missing time as 0) behaves differently on the shifted state."""


def _scenarios() -> list[Scenario]:
    scenarios = [evict_recreate(), evict_recreate(True)]
    scenarios += [intent_scenario(case, violated, variant)[0] for case, _, violated, _, variant in CASES]
    scenarios += [variant.scenario() for variant in VARIANTS]
    return scenarios


def _run(scenario: Scenario, seed: int, steps: int) -> list[tuple[ClusterState, object]]:
    """A random run with every fault enabled, the clock taking one step in four at most: (state, action) pairs."""
    rng = random.Random(seed)
    config = attrs.evolve(scenario.config, faults=frozenset(FAULTS))
    state, run = scenario.initial(), []
    for _ in range(steps):
        actions = list(cluster.enabled(state, config))
        if not actions:
            break
        ticks = [a for a in actions if isinstance(a, Tick)]
        others = [a for a in actions if not isinstance(a, Tick)]
        action = rng.choice(ticks if ticks and (not others or rng.random() < 0.25) else others)
        run.append((state, action))
        state = cluster.step(state, action, config).state
    return run


@pytest.mark.parametrize("scenario", _scenarios(), ids=lambda s: s.name)
def test_every_step_commutes_with_a_shift_in_time(scenario: Scenario) -> None:
    """Also: the canonical key treats as times exactly what the shift moves (a shifted state keeps its key)."""
    config = attrs.evolve(scenario.config, faults=frozenset(FAULTS))
    shifter, keys = Shifter(), Canonicaliser()
    for seed in range(2):
        for state, action in _run(scenario, seed, 40):
            shifted = shifter.shift(state, SHIFT)
            assert shifted.time == state.time + SHIFT
            assert keys.key(shifted) == keys.key(state)
            assert list(cluster.enabled(shifted, config)) == [shifter.shift(a, SHIFT)
                                                               for a in cluster.enabled(state, config)]
            after = cluster.step(shifted, shifter.shift(action, SHIFT), config).state
            assert after == shifter.shift(cluster.step(state, action, config).state, SHIFT), action


def _settled() -> ClusterState:
    scenario = attrs.evolve(evict_recreate(True), settled=True)
    return scenario.initial()


def test_states_that_differ_only_by_a_shift_in_time_have_one_key() -> None:
    state = _settled()
    assert state.time > 0
    later = Shifter().shift(state, 370)
    assert later != state
    keys = Canonicaliser()
    assert keys.key(later) == keys.key(state)
    assert Canonicaliser().key(later) == Canonicaliser().key(state)


def test_states_whose_futures_differ_keep_their_keys_apart() -> None:
    """A node whose heartbeat is 10 s older (the node controller marks it unknown 10 s sooner), or every time but the
    clock's moved (the same relative ages only if the clock moves too), is another state."""
    state = _settled()
    shifter = Shifter()
    name, runtime = sorted(state.nodes.items())[0]
    older = state.with_node(name, attrs.evolve(runtime, last_heartbeat=runtime.last_heartbeat - 10))
    frozen_clock = attrs.evolve(shifter.shift(state, 30), time=state.time)
    keys = Canonicaliser()
    assert len({keys.key(state), keys.key(older), keys.key(frozen_clock)}) == 3


def _stamped(state: ClusterState) -> ClusterState:
    node = state.store.get("Node", None, "node-a")
    stamped = attrs.evolve(node, metadata=attrs.evolve(node.metadata, creation_timestamp="2024-01-01T00:00:00Z"))
    return attrs.evolve(state, store=attrs.evolve(state.store, objects=state.store.objects.put(stamped)))


def test_a_time_written_as_a_string_keeps_the_absolute_clock() -> None:
    """An RFC 3339 timestamp from a manifest is read as an absolute time: no merging across shifts then."""
    state = _settled()
    later = Shifter().shift(state, 370)
    keys = Canonicaliser()
    assert keys.key(later) == keys.key(state)
    assert keys.key(_stamped(later)) != keys.key(_stamped(state))
