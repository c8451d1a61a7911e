"""Tests for model.store: the API server's storage (Objects, Store) and its watch events.

Store semantics follow etcd as the API server uses it (staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go):
every write gets the next revision as its resourceVersion, and the watch reports ADDED for a new key,
MODIFIED for an existing one and DELETED with the object's last state at the deleting revision.
"""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model.manifests import from_dict
from model.objects import Namespace, Pod
from model.store import ADDED, DELETED, MODIFIED, Objects, Store, WatchEvent, key_of


def pod(name: str, namespace: str = "default", node: str | None = None) -> Pod:
    spec = {"containers": [{"name": "c", "image": "nginx"}]}
    if node:
        spec["nodeName"] = node
    return Pod.from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
                          "spec": spec})


def namespace(name: str) -> Namespace:
    return Namespace.from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


# --- Objects -------------------------------------------------------------------------------------------


def test_key_of_names_kind_namespace_and_name() -> None:
    assert key_of(pod("a", "dev")) == ("Pod", "dev", "a")
    assert key_of(namespace("dev")) == ("Namespace", None, "dev")


def test_objects_get_list_and_iteration_order() -> None:
    objects = Objects()
    for obj in (pod("b", "dev"), pod("a", "test"), pod("c", "dev"), namespace("zeta"), namespace("alpha")):
        objects = objects.put(obj)
    assert objects.get("Pod", "dev", "b").name == "b"
    assert objects.get("Pod", "dev", "missing") is None
    assert objects.get("Service", "dev", "b") is None
    assert [(p.namespace, p.name) for p in objects.list("Pod")] == [("dev", "b"), ("dev", "c"), ("test", "a")]
    assert [p.name for p in objects.list("Pod", "dev")] == ["b", "c"]
    assert objects.list("Pod", "prod") == ()
    assert objects.kinds() == ("Namespace", "Pod")
    assert [o.name for o in objects] == ["alpha", "zeta", "b", "c", "a"]
    assert len(objects) == 5


def test_objects_are_values_put_and_remove_return_new_views() -> None:
    empty = Objects()
    one = empty.put(pod("a"))
    assert len(empty) == 0 and len(one) == 1
    assert one.remove(("Pod", "default", "missing")) is one
    assert one.remove(("Service", "default", "a")) is one
    # Removing the last object of a kind gives back a view equal to one that never had it.
    emptied = one.remove(("Pod", "default", "a"))
    assert emptied == empty and hash(emptied) == hash(empty)
    assert emptied.kinds() == ()


def test_objects_with_the_same_contents_are_equal_and_hash_equal() -> None:
    first = Objects().put(pod("a")).put(pod("b"))
    second = Objects().put(pod("b")).put(pod("a"))
    assert first == second
    assert hash(first) == hash(second)
    assert len({first, second}) == 1


def test_objects_apply_watch_events() -> None:
    objects = Objects().put(pod("a"))
    labelled = attrs.evolve(pod("a"), metadata=attrs.evolve(pod("a").metadata, labels={"x": "y"}))
    modified = objects.apply(WatchEvent(MODIFIED, labelled, 2))
    assert modified.get("Pod", "default", "a").metadata.labels == {"x": "y"}
    assert modified.apply(WatchEvent(DELETED, labelled, 3)).get("Pod", "default", "a") is None
    assert objects.apply(WatchEvent(ADDED, pod("b"), 4)).list("Pod")[1].name == "b"


def test_puts_share_the_maps_of_other_kinds() -> None:
    objects = Objects().put(namespace("dev")).put(pod("a"))
    after = objects.put(pod("b"))
    assert after.by_kind["Namespace"] is objects.by_kind["Namespace"]


# --- Store ---------------------------------------------------------------------------------------------


def test_write_stamps_the_next_revision_and_reports_added_then_modified() -> None:
    store, stored, event = Store().write(pod("a"))
    assert store.revision == 1
    assert stored.metadata.resource_version == "1"
    assert event == WatchEvent(ADDED, stored, 1)
    assert store.get("Pod", "default", "a") == stored
    relabelled = attrs.evolve(stored, metadata=attrs.evolve(stored.metadata, labels={"a": "b"}))
    store2, stored2, event2 = store.write(relabelled)
    assert store2.revision == 2 and stored2.metadata.resource_version == "2"
    assert event2.type == MODIFIED and event2.revision == 2 and event2.key == ("Pod", "default", "a")
    # The earlier store is untouched.
    assert store.get("Pod", "default", "a").metadata.resource_version == "1"


def test_delete_reports_the_last_state_at_a_new_revision() -> None:
    store, _, _ = Store().write(pod("a"))
    after, event = store.delete(("Pod", "default", "a"))
    assert after.get("Pod", "default", "a") is None
    assert after.revision == 2
    assert event.type == DELETED and event.revision == 2
    assert event.object.name == "a" and event.object.metadata.resource_version == "2"
    assert store.get("Pod", "default", "a") is not None


def test_delete_of_a_missing_key_raises_key_error() -> None:
    try:
        Store().delete(("Pod", "default", "ghost"))
    except KeyError as e:
        assert e.args[0] == ("Pod", "default", "ghost")
    else:
        raise AssertionError("expected KeyError")


def test_uids_are_a_deterministic_counter() -> None:
    store, first = Store().next_uid()
    store, second = store.next_uid()
    assert (first, second) == ("uid-000001", "uid-000002")
    assert Store().next_uid()[1] == first


def test_kinds_the_model_carries_opaquely_are_stored_by_their_kind() -> None:
    config_map = from_dict({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "dev"}})
    store, stored, event = Store().write(config_map)
    assert event.key == ("ConfigMap", "dev", "cfg")
    assert store.list("ConfigMap", "dev") == (stored,)


OPERATIONS = st.lists(st.tuples(st.sampled_from(["write", "delete"]), st.sampled_from(["a", "b", "c"]),
                                st.sampled_from(["dev", "test"])), max_size=25)


@settings(max_examples=60, deadline=None)
@given(OPERATIONS)
def test_revisions_strictly_increase_and_the_store_matches_its_event_log(operations) -> None:
    """Replaying a store's watch events from empty rebuilds its contents (the informer contract)."""
    store, events = Store(), []
    for op, name, ns in operations:
        key = ("Pod", ns, name)
        if op == "write":
            store, _, event = store.write(pod(name, ns))
        elif store.get(*key) is not None:
            store, event = store.delete(key)
        else:
            continue
        events.append(event)
    revisions = [e.revision for e in events]
    assert revisions == list(range(1, len(events) + 1))
    assert store.revision == len(events)
    replayed = Objects()
    for event in events:
        replayed = replayed.apply(event)
    assert replayed == store.objects
    for obj in store.objects:
        assert int(obj.metadata.resource_version) <= store.revision
