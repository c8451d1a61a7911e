"""Tests for model.informers: watch-fed caches, kubelet field selectors, relists and the work queue.

The behaviour follows client-go: a reflector LISTs then WATCHes (tools/cache/reflector.go), a watch with a
field selector reports an object leaving the selection as DELETED (staging/src/k8s.io/apiserver/pkg/storage/
cacher/cacher.go, watchCacheEvent filtering on prevObject), the kubelet watches pods with
``spec.nodeName=<node>`` and its Node with ``metadata.name=<node>`` (pkg/kubelet/config/apiserver.go,
pkg/kubelet/kubelet.go), and the work queue is a deduplicated FIFO (util/workqueue/queue.go).
"""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model.frozendict import FrozenDict
from model.informers import Informer, pending, position
from model.objects import Node, Pod, Service
from model.store import ADDED, DELETED, MODIFIED, Objects, Store, WatchEvent


def pod(name: str, node: str | None = None, namespace: str = "default") -> Pod:
    spec: dict = {"containers": [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return Pod.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
                          "spec": spec})


def node(name: str) -> Node:
    return Node.from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})


def service(name: str) -> Service:
    return Service.from_dict({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"},
                              "spec": {"ports": [{"port": 80}]}})


KUBELET = Informer(kinds=frozenset({"Pod", "Node"}), node="n1")
CONTROLLER = Informer(kinds=frozenset({"Pod"}))


# --- selection ----------------------------------------------------------------------------------------------


def test_kubelet_informer_selects_its_bound_pods_and_its_own_node() -> None:
    assert KUBELET.selects(pod("a", "n1"))
    assert not KUBELET.selects(pod("a", "n2"))
    assert not KUBELET.selects(pod("a"))
    assert KUBELET.selects(node("n1"))
    assert not KUBELET.selects(node("n2"))
    assert not KUBELET.selects(service("s"))


def test_unrestricted_informer_selects_every_object_of_its_kinds() -> None:
    assert CONTROLLER.selects(pod("a")) and CONTROLLER.selects(pod("a", "n2"))
    assert not CONTROLLER.selects(node("n1"))


def test_relevant_events_are_those_in_the_selection_or_about_a_cached_object() -> None:
    assert KUBELET.relevant(WatchEvent(ADDED, pod("a", "n1"), 1))
    assert not KUBELET.relevant(WatchEvent(ADDED, pod("a"), 1))
    assert not KUBELET.relevant(WatchEvent(ADDED, service("s"), 1))
    cached = attrs.evolve(KUBELET, cache=Objects().put(pod("a", "n1")))
    # The pod was re-created unbound under the same name: the watch reports it leaving the selection.
    assert cached.relevant(WatchEvent(MODIFIED, pod("a"), 2))
    assert cached.relevant(WatchEvent(DELETED, pod("a", "n1"), 2))


# --- observing and relisting ----------------------------------------------------------------------------------


def test_observe_adds_updates_and_deletes_cached_objects() -> None:
    informer = CONTROLLER.observe(WatchEvent(ADDED, pod("a"), 3))
    assert informer.revision == 3 and informer.cache.get("Pod", "default", "a") == pod("a")
    moved = pod("a", "n2")
    informer = informer.observe(WatchEvent(MODIFIED, moved, 4))
    assert informer.cache.get("Pod", "default", "a") == moved
    informer = informer.observe(WatchEvent(DELETED, moved, 5))
    assert informer.revision == 5 and informer.cache.get("Pod", "default", "a") is None


def test_observing_an_object_leaving_the_field_selector_drops_it() -> None:
    informer = KUBELET.observe(WatchEvent(ADDED, pod("a", "n1"), 1))
    assert informer.cache.list("Pod") == (pod("a", "n1"),)
    informer = informer.observe(WatchEvent(MODIFIED, pod("a", "n2"), 2))
    assert informer.cache.list("Pod") == ()
    assert informer.revision == 2


def test_events_of_unwatched_kinds_only_advance_the_revision() -> None:
    informer = CONTROLLER.observe(WatchEvent(ADDED, service("s"), 7))
    assert informer.revision == 7
    assert informer.cache == CONTROLLER.cache


def test_relist_replaces_the_cache_with_the_selected_current_objects() -> None:
    store = Store()
    for obj in (pod("a", "n1"), pod("b", "n2"), pod("c"), node("n1"), node("n2"), service("s")):
        store, _, _ = store.write(obj)
    stale = attrs.evolve(KUBELET, cache=Objects().put(pod("gone", "n1")), revision=1)
    informer = stale.relist(store.objects, store.revision)
    assert informer.revision == store.revision
    assert [p.name for p in informer.cache.list("Pod")] == ["a"]
    assert [n.name for n in informer.cache.list("Node")] == ["n1"]
    assert informer.cache.list("Service") == ()
    everything = CONTROLLER.relist(store.objects, store.revision)
    assert [p.name for p in everything.cache.list("Pod")] == ["a", "b", "c"]


def _log(*objects_and_types: tuple[str, object]) -> tuple[WatchEvent, ...]:
    return tuple(WatchEvent(kind, obj, revision) for revision, (kind, obj) in enumerate(objects_and_types, start=1))


def test_pending_lists_the_relevant_undelivered_events_oldest_first() -> None:
    events = _log((ADDED, pod("x", "n2")), (ADDED, pod("a", "n1")), (ADDED, service("s")), (ADDED, node("n1")))
    assert [e.revision for e in pending(KUBELET, events)] == [2, 4]
    assert [e.revision for e in pending(attrs.evolve(KUBELET, revision=2), events)] == [4]
    assert [e.revision for e in pending(CONTROLLER, events)] == [1, 2]


def test_position_is_just_before_the_first_undelivered_event() -> None:
    events = _log((ADDED, pod("x", "n2")), (ADDED, pod("a", "n1")), (ADDED, service("s")))
    assert position(KUBELET, events, newest=3) == 1
    assert position(attrs.evolve(KUBELET, revision=2), events, newest=3) == 3
    assert position(CONTROLLER, (), newest=9) == 9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["write", "delete"]), st.sampled_from(["a", "b", "c"]),
                          st.sampled_from([None, "n1", "n2"])), max_size=20))
def test_delivering_every_pending_event_equals_a_fresh_relist(operations) -> None:
    """A kubelet informer fed its watch events one at a time (relevance judged against its cache at that
    moment, as ``model.state.deliver`` does) ends with the cache a LIST would give it."""
    store, events = Store(), []
    for op, name, bound_to in operations:
        key = ("Pod", "default", name)
        if op == "write":
            store, _, event = store.write(pod(name, bound_to))
        elif store.get(*key) is not None:
            store, event = store.delete(key)
        else:
            continue
        events.append(event)
    informer = KUBELET
    while waiting := pending(informer, tuple(events)):
        informer = informer.observe(waiting[0])
    assert informer.cache == KUBELET.relist(store.objects, store.revision).cache


# --- the work queue -------------------------------------------------------------------------------------------


def test_enqueue_is_a_deduplicated_fifo() -> None:
    informer = CONTROLLER.enqueue(("dev", "a"), ("dev", "b"), ("dev", "a"))
    assert informer.queue == (("dev", "a"), ("dev", "b"))
    informer = informer.enqueue(("dev", "b"), ("dev", "c"))
    assert informer.queue == (("dev", "a"), ("dev", "b"), ("dev", "c"))


def test_enqueue_of_queued_keys_returns_the_same_informer() -> None:
    informer = CONTROLLER.enqueue(("dev", "a"))
    assert informer.enqueue(("dev", "a")) is informer
    assert informer.enqueue() is informer


def test_enqueue_makes_a_delayed_key_ready_now() -> None:
    informer = attrs.evolve(CONTROLLER, queue=(("dev", "a"),), delayed=FrozenDict({("dev", "a"): 10}))
    again = informer.enqueue(("dev", "a"))
    assert again.queue == (("dev", "a"),)
    assert again.delayed == FrozenDict()


def test_dequeue_removes_only_that_key() -> None:
    informer = CONTROLLER.enqueue(("dev", "a"), ("dev", "b"))
    assert informer.dequeue(("dev", "a")).queue == (("dev", "b"),)
    assert informer.dequeue(("dev", "zzz")).queue == informer.queue


def test_informers_are_hashable_values() -> None:
    first = CONTROLLER.observe(WatchEvent(ADDED, pod("a"), 1)).enqueue(("default", "a"))
    second = CONTROLLER.enqueue(("default", "a")).observe(WatchEvent(ADDED, pod("a"), 1))
    assert first == second and hash(first) == hash(second)
