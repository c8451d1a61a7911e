"""Control-plane faults (model.faults): a controller restart and a broken watch.

The relist follows client-go: ``Reflector.ListAndWatch`` re-lists after a watch error
(staging/src/k8s.io/client-go/tools/cache/reflector.go), ``DeltaFIFO.Replace`` queues every listed object and
then a ``DeletedFinalStateUnknown`` tombstone for every known key the list lacks
(tools/cache/delta_fifo.go, as TestDeltaFIFO_ReplaceMakesDeletions in delta_fifo_test.go checks), and
``HandleDeltas`` updates the indexer and calls OnUpdate for an object it had, OnAdd for a new one
(tools/cache/shared_informer.go). A restart is a fresh ``Run`` of the controller: a new informer, a new queue,
no expectations (pkg/controller/replicaset/replica_set.go NewBaseController).
"""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, SubmitPending
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.config import FAULTS, ModelConfig
from model.controllers import base
from model.controllers import replicaset as rsc
from model.controllers.base import CONTROLLER_MANAGER, Reconcile
from model.controllers.manager import BY_NAME
from model.faults import CONTROLLER_RESTART, WATCH_RELIST, RestartController, WatchReconnect, relist_events
from model.frozendict import FrozenDict
from model.informers import pending
from model.kubelet.component import PartitionNode, informer_name
from model.manifests import load_text
from model.objects import Pod
from model.state import ClusterState, behind, lagging, members, submit
from model.store import ADDED, DELETED, MODIFIED, Objects
from properties.simulate import random_walk

RS = "replicaset-controller"
KEY = ("default", "web")
FAULTY = ModelConfig(faults=frozenset({CONTROLLER_RESTART, WATCH_RELIST}))
MANIFESTS = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1, labels: {kubernetes.io/hostname: n1}}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: web, namespace: default}
  spec:
    replicas: 2
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec: {containers: [{name: c, image: nginx}]}
"""


def initial() -> ClusterState:
    return cluster.initial_state(load_text(MANIFESTS, "faults"))


def after_first_sync() -> ClusterState:
    """The ReplicaSet created, seen by its controller, and synced once: two pods created, expectations set, and
    the controller's informer behind by the two pod creations and the ReplicaSet's status update."""
    state = cluster.apply(initial(), SubmitPending())
    while behind(state, RS):
        state = cluster.apply(state, DeliverWatchEvent(RS))
    state = cluster.apply(state, Reconcile(RS, KEY))
    assert len(state.store.list("Pod", "default")) == 2
    return state


def pod(name: str, rv: str, phase: str = "Pending") -> Pod:
    return Pod.from_dict({"apiVersion": "v1", "kind": "Pod",
                          "metadata": {"name": name, "namespace": "default", "resourceVersion": rv},
                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}, "status": {"phase": phase}})


def objects(*pods: Pod) -> Objects:
    view = Objects()
    for p in pods:
        view = view.put(p)
    return view


def test_the_fault_names_are_documented_in_the_config() -> None:
    assert CONTROLLER_RESTART in FAULTS and WATCH_RELIST in FAULTS


def test_faults_are_offered_only_when_the_config_enables_them() -> None:
    state = after_first_sync()
    fault_types = (RestartController, WatchReconnect)
    assert not [a for a in cluster.enabled(state, ModelConfig()) if isinstance(a, fault_types)]
    only_restarts = ModelConfig(faults=frozenset({CONTROLLER_RESTART}))
    offered = [a for a in cluster.enabled(state, only_restarts) if isinstance(a, fault_types)]
    assert RestartController(RS) in offered and not any(isinstance(a, WatchReconnect) for a in offered)
    only_relists = ModelConfig(faults=frozenset({WATCH_RELIST}))
    offered = [a for a in cluster.enabled(state, only_relists) if isinstance(a, fault_types)]
    assert WatchReconnect(CONTROLLER_MANAGER) in offered and not any(isinstance(a, RestartController) for a in offered)
    assert cluster.component_of(RestartController(RS)).name == "faults"


def test_a_restart_loses_memory_and_queue_and_relists() -> None:
    state = after_first_sync()
    before = state.informer(RS)
    assert rsc.expectations_of(before.memory).counts.get(KEY) is not None
    assert len(pending(before, state.events)) == 3
    after = cluster.apply(state, RestartController(RS), FAULTY)
    informer = after.informer(RS)
    assert informer.memory == FrozenDict() and informer.failures == FrozenDict()
    assert informer.revision == state.store.revision and not pending(informer, after.events)
    assert {p.name for p in informer.cache.list("Pod")} == {p.name for p in state.store.list("Pod")}
    # The initial list queues every ReplicaSet, as the controller's first start does.
    assert informer.queue == (KEY,)
    assert informer == base.start(BY_NAME[RS], state).informer(RS)
    # Nothing else changed: the store and every other informer are as they were.
    assert after.store is state.store
    assert {n: i for n, i in after.informers.items() if n != RS} == {n: i for n, i in state.informers.items()
                                                                      if n != RS}


def test_a_restarted_controller_resyncs_from_the_fresh_list_without_creating_more() -> None:
    state = cluster.apply(after_first_sync(), RestartController(RS), FAULTY)
    state = cluster.apply(state, Reconcile(RS, KEY), FAULTY)
    assert len(state.store.list("Pod", "default")) == 2


def test_a_restart_is_not_offered_to_a_controller_with_nothing_to_lose() -> None:
    state = after_first_sync()
    idle = attrs.evolve(state.informer(RS), memory=FrozenDict(), queue=(), delayed=FrozenDict(),
                        failures=FrozenDict(), revision=state.store.revision)
    state = state.with_informer(RS, idle)
    assert not pending(state.informer(RS), state.events)
    assert RestartController(RS) not in list(cluster.enabled(state, FAULTY))


def test_a_broken_watch_relists_and_the_handlers_see_the_listed_objects() -> None:
    state = after_first_sync()
    after = cluster.apply(state, WatchReconnect(CONTROLLER_MANAGER), FAULTY)
    # The shared watch broke: every controller's view re-lists, the ReplicaSet controller's included.
    for name in members(state, CONTROLLER_MANAGER):
        relisted = after.informer(name)
        assert relisted.revision == state.store.revision and not pending(relisted, after.events)
        assert relisted.cache == relisted.relist(state.store.objects, state.store.revision).cache
    informer = after.informer(RS)
    # The two creations were observed through the relist (OnAdd): the expectations are met, the memory kept.
    expectations = rsc.expectations_of(informer.memory)
    assert expectations.counts[KEY].add == 0 and expectations.satisfied(KEY, after.time)
    # ... and the handlers queued the owner again.
    assert KEY in informer.queue


def test_a_broken_watch_needs_two_events_to_miss() -> None:
    """Offered while some controller's view has at least two events to miss (with one, a relist is a delivery)."""
    state = after_first_sync()
    most = lambda s: max(len(pending(s.informer(m), s.events)) for m in members(s, CONTROLLER_MANAGER))  # noqa: E731
    assert most(state) >= 2 and WatchReconnect(CONTROLLER_MANAGER) in list(cluster.enabled(state, FAULTY))
    while most(state) > 1:
        state = cluster.apply(state, DeliverWatchEvent(CONTROLLER_MANAGER), FAULTY)
    assert most(state) == 1 and CONTROLLER_MANAGER in lagging(state)
    assert WatchReconnect(CONTROLLER_MANAGER) not in list(cluster.enabled(state, FAULTY))


def test_a_partitioned_kubelet_cannot_relist() -> None:
    state = initial()
    for name in ("p1", "p2"):
        bound = attrs.evolve(pod(name, ""), metadata=attrs.evolve(pod(name, "").metadata, resource_version=None))
        bound = attrs.evolve(bound, spec=attrs.evolve(bound.spec, node_name="n1"))
        state, response, _ = submit(state, rq.Create(ADMIN, bound))
        assert response.ok, response
    kubelet = informer_name("n1")
    assert len(pending(state.informer(kubelet), state.events)) == 2
    assert WatchReconnect(kubelet) in list(cluster.enabled(state, FAULTY))
    state = cluster.apply(state, PartitionNode("n1"), ModelConfig(faults=frozenset({"partition"})))
    assert WatchReconnect(kubelet) not in list(cluster.enabled(state, FAULTY))


def test_relist_events_are_updates_and_adds_in_list_order_then_tombstones() -> None:
    """TestDeltaFIFO_ReplaceMakesDeletions: known objects missing from the list become deletions carrying the
    last known state; listed ones are queued in list order."""
    cached = objects(pod("a", "5"), pod("b", "6"), pod("gone", "7"))
    listed = objects(pod("a", "5"), pod("b", "9", "Running"), pod("c", "8"))
    changes = relist_events(cached, listed, 10)
    assert [(e.type, e.object.name, e.revision) for e, _ in changes] == [
        (MODIFIED, "a", 10), (MODIFIED, "b", 10), (ADDED, "c", 10), (DELETED, "gone", 10)]
    unchanged, modified, added, deleted = changes
    # processDeltas hands an object the cache has to OnUpdate even when it did not change (handlers decide).
    assert unchanged[0].object == unchanged[1] == cached.get("Pod", "default", "a")
    assert modified[1] == cached.get("Pod", "default", "b") and modified[0].object.status.phase == "Running"
    assert added[1] is None
    # The tombstone is the last state the cache had (DeletedFinalStateUnknown).
    assert deleted[0].object == cached.get("Pod", "default", "gone") and deleted[1] == deleted[0].object


def test_an_object_created_and_deleted_between_lists_is_never_seen() -> None:
    (only,) = relist_events(objects(pod("a", "5")), objects(pod("a", "5")), 12)
    assert only[0].type == MODIFIED and only[0].object.name == "a"


def test_a_relist_queues_every_replica_set_as_a_resync_would() -> None:
    """updateRS queues the ReplicaSet on every update, the unchanged one a relist hands over included."""
    state = after_first_sync()
    state = state.with_informer(RS, attrs.evolve(state.informer(RS), queue=()))
    while behind(state, RS):
        state = cluster.apply(state, DeliverWatchEvent(RS))
    state = state.with_informer(RS, attrs.evolve(state.informer(RS), queue=()))
    store, _, event = state.store.write(pod("other", ""))  # one event the controller has not seen, then a second
    store, _, second = store.write(attrs.evolve(event.object, metadata=attrs.evolve(event.object.metadata,
                                                                                        labels={"x": "y"})))
    state = state.record(store, (event, second))
    assert len(pending(state.informer(RS), state.events)) == 2
    assert KEY in cluster.apply(state, WatchReconnect(CONTROLLER_MANAGER), FAULTY).informer(RS).queue


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_after_any_fault_the_informer_matches_a_fresh_list(seed: int) -> None:
    """Whatever the run, a relist leaves the cache equal to the store's contents within the selection at the
    store's revision, and a restart leaves exactly the informer a first start would."""
    state = cluster.apply(initial(), SubmitPending())
    for walked in random_walk(state, 120, seed, FAULTY):
        before, after, action = state, walked.step.state, walked.action
        if isinstance(action, WatchReconnect):
            for name in members(before, action.component):
                informer = after.informer(name)
                assert informer.cache == informer.relist(before.store.objects, before.store.revision).cache
                assert informer.revision == before.store.revision
        elif isinstance(action, RestartController):
            assert after.informer(action.controller) == \
                base.start(BY_NAME[action.controller], before).informer(action.controller)
        state = after
