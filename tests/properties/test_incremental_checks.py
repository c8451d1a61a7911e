"""Invariants declare the state fields they read (``Property.reads``); ``check_state`` skips one after a step that
replaced none of them. That is only sound if the invariant's answer really depends on nothing else. On every step of
seeded random walks (with every fault, on the bug variants' scenarios): the invariant, handed a state that records
which fields are read, reads only those it declares; and one the step did not need to re-check gives the same answer
after the step as before it."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from model.admission import resourcequota
from model.config import FAULTS, ModelConfig
from model.state import ClusterState
from properties.explore import Transition
from properties.invariants.apiserver import _in_namespace, _same_usage, _touched, quota_never_exceeded
from properties.registry import INVARIANT, _reads, all_properties, changed_fields
from properties.simulate import random_walk
from properties.variants import VARIANTS

SCENARIOS = [(v.name, v.scenario()) for v in VARIANTS]
DECLARED = [p for p in all_properties() if p.kind == INVARIANT and _reads(p) is not None]
METHODS = {"informer": "informers"}
"""ClusterState methods an invariant may call, by the field they read."""


class Recording:
    """A state that notes every field (or method) read through it."""

    def __init__(self, state: ClusterState) -> None:
        self._state, self.read = state, set()

    def __getattr__(self, name: str) -> Any:
        self.read.add(METHODS.get(name, name))
        return getattr(self._state, name)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 2), chosen=st.sampled_from(SCENARIOS), faults=st.booleans())
def test_a_skipped_invariant_could_not_have_changed_its_answer(seed: int, chosen: tuple, faults: bool) -> None:
    _, scenario = chosen
    config = ModelConfig(faults=frozenset(FAULTS) if faults else frozenset(), variants=scenario.config.variants)
    state, skipped = scenario.initial(), 0
    for walked in random_walk(state, 120, seed, config):
        after = walked.step.state
        changed = changed_fields(state, after)
        for prop in DECLARED:
            recording = Recording(after)
            assert prop.check(recording, config) == prop.check(after, config)
            assert recording.read <= _reads(prop), (prop.name, recording.read - _reads(prop))
            if _reads(prop).isdisjoint(changed):
                assert prop.check(after, config) == prop.check(state, config), prop.name
                skipped += 1
        state = after
    assert skipped > 0


def test_the_costly_invariants_declare_what_they_read() -> None:
    declared = {p.name for p in DECLARED}
    assert {"kubelet-runs-own-pods", "routes-only-to-ready-selected-pods",
            "statefulset-at-most-one-pod-per-identity"} <= declared


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 2), chosen=st.sampled_from(SCENARIOS), faults=st.booleans())
def test_quota_checked_in_written_namespaces_only_gives_the_full_answer(seed: int, chosen: tuple, faults: bool) -> None:
    """quota-never-exceeded re-counts only the namespaces a step's events wrote; with no step to read them from
    (``None``) it re-counts every quota. Both give the same messages on every step (the stale-quota variant's scenario
    is among the chosen, where they are not empty)."""
    name, scenario = chosen
    config = ModelConfig(faults=frozenset(FAULTS) if faults else frozenset(), variants=scenario.config.variants)
    state, narrowed = scenario.initial(), 0
    for walked in random_walk(state, 120, seed, config):
        after = walked.step.state
        full = quota_never_exceeded.check(state, None, after, config)
        assert quota_never_exceeded.check(state, Transition(walked.action, walked.step), after, config) == full, name
        narrowed += after.store is not state.store
        state = after
    assert narrowed > 0


QUOTA_SCENARIOS = [(name, s) for name, s in SCENARIOS if s.initial().store.list("ResourceQuota")]


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 2), chosen=st.sampled_from(QUOTA_SCENARIOS), faults=st.booleans())
def test_a_quota_whose_usage_the_check_takes_as_unchanged_recounts_the_same(seed: int, chosen: tuple,
                                                                           faults: bool) -> None:
    """quota-never-exceeded passes over a quota when the objects a step wrote count the same for it before and after
    (``_same_usage``): the quota controller's recount over the namespace's objects is then the same; the walks also
    meet writes that change a recount, which it must not pass over."""
    name, scenario = chosen
    config = ModelConfig(faults=frozenset(FAULTS) if faults else frozenset(), variants=scenario.config.variants)
    state, kept, changed = scenario.initial(), 0, 0
    for walked in random_walk(state, 120, seed, config):
        after = walked.step.state
        touched = _touched(state, Transition(walked.action, walked.step), after)
        for quota in after.store.list("ResourceQuota"):
            prior = state.store.get(*quota.key)
            if touched is None or prior is None:
                continue
            same = resourcequota.recompute(quota, _in_namespace(after.store.objects, quota.namespace)) == \
                resourcequota.recompute(prior, _in_namespace(state.store.objects, quota.namespace))
            if _same_usage(quota, prior, state, after, touched):
                assert same, (name, quota.key, walked.action)
                kept += 1
            changed += not same
        state = after
    assert kept > 0 and changed > 0
