"""The memoised ``model.kubelet.component.enabled`` offers exactly the actions a straightforward computation does.

``enabled`` reuses each node's actions while the node's runtime and its informer are the same objects and the time,
the config and the pods that cannot mount their claims are the same; the reference below syncs every pod of every
node afresh and asks the volume manager about every pod (which fails on a partitioned node). They are compared on
every state of seeded random walks through the bundled example cluster (with faults, and with pods that wait for a
claim the PersistentVolume controller binds later); and the memoised answer is compared with the one computed with
every memo emptied.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model.cluster import apply, initial_state
from model.config import FAULTS, ModelConfig
from model.controllers import persistentvolume
from model.examples import DIRECTORY as EXAMPLES
from model.kubelet import component
from model.kubelet.component import ContainerExit, KubeletSyncPod, informer_name
from model.kubelet.sync import sync_pod
from model.kubelet.volumes import mount_error, waits_for_volumes
from model.manifests import load
from model.state import ClusterState
from properties.simulate import random_walk
from tests.model.kubelet.support import (
    FAITHFUL,
    FAULTY,
    binder_steps,
    claim,
    cluster,
    container,
    create,
    pod,
    settle,
    tick,
    volume,
)

CONFIGS = (ModelConfig(), ModelConfig(faults=frozenset(FAULTS)))
WALK = 40


@lru_cache(maxsize=1)
def start() -> ClusterState:
    """The example cluster and workloads, plus pods bound to worker-1 by hand: two mount claims not yet bound, with one
    volume for the two (the PersistentVolume controller binds one of them, so one pod starts once that is done and
    the other waits for good), and one has only an emptyDir."""
    mounts = [{"name": "data", "mountPath": "/data"}]
    claims = [attrs.evolve(c, metadata=attrs.evolve(c.metadata, uid=f"claim-{c.name}"))
              for c in (claim("data"), claim("orphan"))]  # already in the store, as in a live cluster's snapshot
    extra = [
        *claims, volume("pv-data"),
        pod("web", containers=[container("app", volumeMounts=mounts)],
            volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]),
        pod("other", containers=[container("app", volumeMounts=mounts)],
            volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "orphan"}}]),
        pod("scratch", containers=[container("app")], volumes=[{"name": "tmp", "emptyDir": {}}]),
    ]
    return initial_state([*load([EXAMPLES]), *extra])


def reference_syncs(state: ClusterState) -> list[KubeletSyncPod]:
    """Every running node's pods, each synced afresh from the informer, in node then uid order; a sync that changes
    nothing, or (on an unreachable node) nothing but what it would report, is not offered."""
    found = []
    for node, runtime in sorted(state.nodes.items()):
        if not runtime.up:
            continue
        informer = state.informer(informer_name(node))
        pods = {p.metadata.uid: p for p in informer.cache.list("Pod")}
        node_obj = informer.cache.get("Node", None, node)
        for uid in sorted(set(pods) | set(runtime.pods)):
            pod_obj, before = pods.get(uid), runtime.pod(uid)
            admitted = [pods[u] for u, r in sorted(runtime.pods.items())
                        if u != uid and u in pods and r.rejected is None and not pods[u].is_terminated]
            ready = pod_obj is None or (
                runtime.reachable and mount_error(state.store, node, pod_obj, state.time) is None)
            result = sync_pod(node, pod_obj, before, node_obj, admitted, state.time, ready)
            if result is None:
                continue
            if not runtime.reachable:
                kept = None if result.runtime is None else attrs.evolve(
                    result.runtime, reported=None if before is None else before.reported,
                    reported_at=None if before is None else before.reported_at)
                if kept == before:
                    continue
            shown: Any = pod_obj or before
            found.append(KubeletSyncPod(node, uid, shown.namespace, shown.name))
    return found


def _forget() -> None:
    for memo in (component._VIEWS, component._WAITING, component._NODE_ACTIONS):
        memo.entries.clear()


def walk(seed: int, config: ModelConfig) -> Iterator[ClusterState]:
    """A random walk; then the PersistentVolume controller doing all it can, its resync of waiting claims coming
    round, and the controller again, step by step (so a claim gets bound while the kubelet's runtime, informer and
    clock stay as they were); then another random walk."""
    state = start()
    for walked in random_walk(state, WALK, seed, config):
        state = walked.step.state
        yield state
    before = [state, *binder_steps(state)]
    yield from before[1:]
    state = tick(before[-1], persistentvolume.RESYNC_PERIOD)
    yield state
    after = [state, *binder_steps(state)]
    yield from after[1:]
    for walked in random_walk(after[-1], WALK, seed + 1, config):
        yield walked.step.state


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 2), config=st.sampled_from(CONFIGS))
def test_memoised_enabled_matches_a_fresh_computation(seed: int, config: ModelConfig) -> None:
    for state in walk(seed, config):
        actions = list(component.enabled(state, config))
        assert [a for a in actions if isinstance(a, KubeletSyncPod)] == reference_syncs(state)
        _forget()
        assert list(component.enabled(state, config)) == actions  # a cold memo gives the same, in the same order


def test_a_walk_sees_a_pod_wait_for_its_claim_and_then_start() -> None:
    """The walks above cover the case the memo must not miss: a claim bound under a waiting pod."""
    waited = started = False
    for state in walk(0, CONFIGS[0]):
        web = [(p, state.nodes["worker-1"].pod(p.metadata.uid)) for p in state.store.list("Pod")
               if p.name in ("web", "other")]
        waited |= any(r is not None and waits_for_volumes(p, r) for p, r in web)
        started |= waited and any(r is not None and r.volumes_mounted for _, r in web)
    assert waited and started


def test_a_restart_held_back_by_back_off_is_offered_when_only_the_clock_has_moved() -> None:
    """The memo is keyed by the time as well: a crash-looping container's restart falls due with the node's runtime
    and informer untouched."""
    state, created = create(cluster(), pod("crashy"))
    uid = created.metadata.uid
    state = settle(state)
    for _ in range(2):  # the first restart is immediate, the second waits 10 s
        state = settle(apply(state, ContainerExit("worker-1", uid, "app", 1), FAULTY), config=FAULTY)
    sync = KubeletSyncPod("worker-1", uid, "default", "crashy")
    assert sync not in component.enabled(state, FAITHFUL)
    later = tick(state, 10)
    assert later.nodes["worker-1"] is state.nodes["worker-1"]
    assert later.informer(informer_name("worker-1")) is state.informer(informer_name("worker-1"))
    assert [a for a in component.enabled(later, FAITHFUL) if isinstance(a, KubeletSyncPod)] == \
        reference_syncs(later) == [sync]
