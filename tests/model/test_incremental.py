"""The model's incremental and memoised computations give exactly what computing afresh gives: an informer's pending
events worked out from its answer for an earlier log (``model.informers._extended``) equal a scan of the log, a
memoised ``Objects.list`` equals sorting the kind's objects, a memoised routing table equals building it, and a
log trimmed with the early exit of ``model.state._trimmed`` is the log trimmed by the minimum position. They are
compared on every state of seeded random walks through the bundled example cluster, with and without faults."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from hypothesis import given, settings
from hypothesis import strategies as st

from model import informers, kubeproxy, store
from model.cluster import initial_state
from model.config import FAULTS, ModelConfig
from model.examples import DIRECTORY as EXAMPLES
from model.manifests import load
from model.state import ClusterState, _trimmed
from properties.simulate import random_walk

CONFIGS = (ModelConfig(), ModelConfig(faults=frozenset(FAULTS)))
WALK = 150


@lru_cache(maxsize=1)
def start() -> ClusterState:
    return initial_state(load([EXAMPLES]))


def walk(seed: int, config: ModelConfig) -> Iterator[ClusterState]:
    for walked in random_walk(start(), WALK, seed, config):
        yield walked.step.state


def fresh_list(objects: store.Objects, kind: str) -> tuple:
    items = objects.by_kind.get(kind, {})
    return tuple(obj for (ns, name), obj in sorted(items.items(), key=lambda item: (item[0][0] or "", item[0][1])))


def minimum_trim(state: ClusterState) -> tuple:
    """The log as trimming by the lowest position over every informer leaves it."""
    if not state.events:
        return ()
    newest = state.store.revision
    oldest = min((informers.position(i, state.events, newest) for i in state.informers.values()), default=newest)
    return tuple(e for e in state.events if e.revision > oldest)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 2), config=st.sampled_from(CONFIGS))
def test_incremental_answers_equal_fresh_ones(seed: int, config: ModelConfig) -> None:
    extended = 0
    for state in walk(seed, config):
        for name, informer in state.informers.items():
            assert informers.pending(informer, state.events) == informers.scan(informer, state.events), name
            if name.startswith("kube-proxy"):
                node = informer.node
                assert kubeproxy.routing_table(informer.cache, node) == kubeproxy._routing_table(informer.cache, node)
        for kind in state.store.objects.kinds():
            assert state.store.list(kind) == fresh_list(state.store.objects, kind)
        assert state.events == _trimmed(state).events == minimum_trim(state)  # every state the model makes is trimmed
        extended += sum(informers._LAST.get((i.cache,), informers._watch(i)) is not None
                        for i in state.informers.values())
    assert extended > 0  # the incremental path was taken, not only scans


def test_a_grown_log_is_read_only_from_where_the_earlier_one_ended() -> None:
    state = start()
    informer, compared = next(iter(state.informers.values())), 0
    for walked in random_walk(state, 40, 1, ModelConfig()):
        grown = walked.step.state.events
        if state.events and grown is not state.events and grown and grown[0].revision >= state.events[0].revision:
            informers.pending(informer, state.events)
            assert informers._extended(informer, grown) == informers.scan(informer, grown)
            compared += 1
        state = walked.step.state
    assert compared > 0
