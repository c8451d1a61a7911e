"""Only the components whose inputs a step changed list their enabled actions again (``model.component.by_inputs``),
and which watches are behind is worked out from the previous state's answer (``model.informers.owed``). Both are
pure caches: on every state of seeded random walks (the bundled example and the bug variants' scenarios, with and
without every fault) each component's memoised list equals the one its ``enabled`` gives afresh, ``owed`` equals
reading every informer's pending events, and the next deadline taken from each part's sorted times
(``model.deadlines._parts``) equals the earliest future one of all; a kubelet's memoised pod sync equals
``sync_pod`` given everything. The walks alternate between scenarios, so
entries made for one scenario's states are looked up from another's."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster, deadlines, informers, kubeproxy
from model.config import FAULTS, ModelConfig
from model.examples import DIRECTORY as EXAMPLES
from model.kubelet import component as kubelet
from model.kubelet.sync import sync_pod
from model.manifests import load
from model.state import ClusterState, connected
from properties.simulate import random_walk
from properties.variants import VARIANTS

WALK = 120
MEMOISED = [c for c in cluster.COMPONENTS if hasattr(c.enabled, "__wrapped__")]


@lru_cache(maxsize=1)
def starts() -> tuple[tuple[ClusterState, frozenset[str]], ...]:
    """The example cluster's initial state and each variant scenario's, with the variants its config switches on."""
    return ((cluster.initial_state(load([EXAMPLES])), frozenset()),
            *((v.scenario().initial(), v.scenario().config.variants) for v in VARIANTS))


def fresh_lagging(state: ClusterState) -> tuple[str, ...]:
    """The watches behind, read from every informer's pending events (what ``lagging`` computed before ``owed``)."""
    return tuple(sorted({i.shared or name for name, i in state.informers.items()
                         if connected(state, i) and informers.scan(i, state.events)}))


def test_the_components_that_dominate_a_step_are_memoised() -> None:
    assert {"scheduler", "kubelet", "controller-manager", "metrics-server", "kube-proxy", "user", "load"} <= \
        {c.name for c in MEMOISED}


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 2), chosen=st.integers(0, len(VARIANTS)), faults=st.booleans())
def test_memoised_enabled_actions_and_owed_events_equal_fresh_ones(seed: int, chosen: int, faults: bool) -> None:
    start, variants = starts()[chosen]
    config = ModelConfig(faults=frozenset(FAULTS) if faults else frozenset(), variants=variants)
    unchanged, state = 0, start
    for walked in random_walk(start, WALK, seed, config):
        before, state = state, walked.step.state
        for component in MEMOISED:
            assert component.enabled(state, config) == tuple(component.enabled.__wrapped__(state, config)), \
                component.name
        assert kubeproxy.SYNCS(state, config) == tuple(kubeproxy.syncs(state))
        for node, runtime in state.nodes.items():
            node_obj, pods = kubelet._view(state.informer(kubelet.informer_name(node)))
            for uid in set(pods) | set(runtime.pods):
                for ready in (True, False):
                    assert kubelet._sync_with(node, runtime, node_obj, pods, uid, state.time, ready) == sync_pod(
                        node, pods.get(uid), runtime.pod(uid), node_obj, kubelet._admitted(runtime, pods, uid),
                        state.time, ready), (node, uid)
        ends = informers.owed(state.informers, state.events)
        for name, informer in state.informers.items():
            waiting = informers.scan(informer, state.events)
            assert ends[name] == ((waiting[0].revision, waiting[-1].revision) if waiting else None), name
        assert cluster.lagging(state) == fresh_lagging(state)
        for heartbeats in (True, False):
            assert deadlines.next_deadline(state, config, heartbeats) == \
                min((t for t in deadlines.deadlines(state, config, heartbeats) if t > state.time), default=None)
        unchanged += before.informers.get("scheduler") is state.informers.get("scheduler") and before.time == state.time
    assert unchanged > 0  # some steps left a component's inputs as they were: the memo was looked up, not only filled
