"""properties.canonical: states that differ only by the names the cluster made up (resourceVersions, uids,
generated names) or by a permutation of interchangeable nodes get one key; states that differ in anything else do
not."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest

from model import cluster
from model.actions import Tick
from model.frozendict import FrozenDict
from model.informers import Informer
from model.manifests import load_text
from model.scheduler.component import SchedulePod
from model.state import ClusterState
from model.store import Store, WatchEvent
from properties.canonical import Canonicaliser, interchangeable_nodes
from properties.explore import Scenario

NODES = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Node
  metadata: {name: node-b, labels: {kubernetes.io/hostname: node-b}}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- apiVersion: v1
  kind: Node
  metadata: {name: node-c, labels: {kubernetes.io/hostname: node-c, disk: ssd}}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "20"}, conditions: [{type: Ready, status: "True"}]}
- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cart, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers: [{name: cart, image: "shop/cart:1", resources: {requests: {cpu: 100m, memory: 64Mi}}}]
"""


def scheduling_choice() -> tuple[ClusterState, list[SchedulePod]]:
    """The state in which the scheduler first has a choice of nodes for the ReplicaSet's pod (taking the first
    enabled action other than the clock until then), and the choices."""
    state = cluster.initial_state(load_text(NODES, "nodes"))
    for _ in range(200):
        actions = [a for a in cluster.enabled(state) if not isinstance(a, Tick)]
        choices = [a for a in actions if isinstance(a, SchedulePod)]
        if len(choices) > 1:
            return state, choices
        state = cluster.apply(state, actions[0])
    raise AssertionError("the scheduler never had a choice")


def renamed(value: Any, uid_shift: int, rv_shift: int, field: str | None = None, owner: type | None = None) -> Any:
    """``value`` with every uid counter raised by ``uid_shift`` and every resourceVersion by ``rv_shift`` (both keep
    the order): the same state as the cluster would have reached with other counters."""
    if isinstance(value, str):
        if field in ("resource_version", "precondition_resource_version") and value.isdigit():
            return str(int(value) + rv_shift)
        if field == "memory-value" and value.isdigit():
            return str(int(value) + rv_shift)
        return re.sub(r"uid-(\d{6,})", lambda m: f"uid-{int(m.group(1)) + uid_shift:06d}", value)
    if isinstance(value, int) and not isinstance(value, bool):
        if field == "revision" and owner in (WatchEvent, Informer, Store):
            return value + rv_shift
        if field == "uids" and owner is Store:
            return value + uid_shift
        return value
    if isinstance(value, FrozenDict):
        inner = "memory-value" if field in ("memory", "memory-value") else None
        return FrozenDict({renamed(k, uid_shift, rv_shift): renamed(v, uid_shift, rv_shift, inner)
                           for k, v in value.items()})
    if isinstance(value, tuple):
        return tuple(renamed(v, uid_shift, rv_shift) for v in value)
    if isinstance(value, frozenset):
        return frozenset(renamed(v, uid_shift, rv_shift) for v in value)
    if attrs.has(type(value)):
        changes = {f.name: renamed(getattr(value, f.name), uid_shift, rv_shift, f.name, type(value))
                   for f in attrs.fields(type(value)) if f.init}
        return attrs.evolve(value, **changes)
    return value


def test_a_state_with_other_uids_and_resource_versions_has_the_same_key() -> None:
    state, _ = scheduling_choice()
    other = renamed(state, uid_shift=40, rv_shift=1000)
    assert other != state and other.store.revision == state.store.revision + 1000
    keys = Canonicaliser()
    assert keys.key(other) == keys.key(state)


def test_other_generated_names_of_the_same_order_give_the_same_key() -> None:
    keys = Canonicaliser()
    assert keys._string("cart-bcdfg") == keys._string("cart-zz999")[:1] + (keys._string("cart-bcdfg")[1],)
    first, second = keys._string("pods shop/cart-bcdfg/cart#0"), keys._string("pods shop/cart-xzzzz/cart#0")
    assert first[0] == second[0] and first[1] != second[1]
    assert keys._string("uid-000012")[0] == keys._string("uid-000099")[0]
    assert keys._string("node-a")[1] == ()  # not a generated name: kept as it is


def test_states_that_really_differ_get_different_keys() -> None:
    state, choices = scheduling_choice()
    keys = Canonicaliser()
    bound = cluster.apply(state, choices[0])
    ticked = cluster.apply(state, Tick())
    assert len({keys.key(state), keys.key(bound), keys.key(ticked)}) == 3
    node = state.store.get("Node", None, "node-a")
    relabelled = attrs.evolve(node, metadata=attrs.evolve(node.metadata, labels=node.metadata.labels.set("x", "y")))
    changed = attrs.evolve(state, store=attrs.evolve(state.store, objects=state.store.objects.put(relabelled)))
    assert keys.key(changed) != keys.key(state)


def test_the_order_of_revisions_matters() -> None:
    """A cache holding an object's current version and one holding an older version are different states, even
    though both are 'some revision'."""
    state, _ = scheduling_choice()
    name, informer = next((n, i) for n, i in state.informers.items() if n.startswith("kubelet/"))
    node = informer.cache.get("Node", None, informer.node)
    older = attrs.evolve(node, metadata=attrs.evolve(node.metadata, resource_version="1"))
    stale = state.with_informer(name, attrs.evolve(informer, cache=informer.cache.put(older)))
    assert Canonicaliser().key(stale) != Canonicaliser().key(state)


def test_identical_nodes_are_interchangeable_and_a_distinct_one_is_not() -> None:
    state, _ = scheduling_choice()
    assert interchangeable_nodes(state) == (("node-a", "node-b"),)


def test_symmetry_merges_a_state_with_its_interchangeable_nodes_swapped() -> None:
    state, choices = scheduling_choice()
    bound = cluster.apply(state, next(c for c in choices if c.node == "node-a"))
    symmetric = Canonicaliser(interchangeable_nodes(state))
    swapped = symmetric._permuted(bound, {"node-a": "node-b", "node-b": "node-a"}, 1)
    assert swapped != bound and swapped.store.get("Node", None, "node-a").metadata.uid == \
        bound.store.get("Node", None, "node-b").metadata.uid
    assert Canonicaliser().key(swapped) != Canonicaliser().key(bound)
    assert symmetric.key(swapped) == symmetric.key(bound)


def test_binding_to_either_identical_node_is_not_merged_while_the_nodes_own_order_differs() -> None:
    """The nodes' uids and resourceVersions were handed out in name order, and the key keeps their order (ranks): a
    pod bound to node-a is not a pod bound to node-b with the names swapped, since node-a's uid is the smaller."""
    state, choices = scheduling_choice()
    by_node = {c.node: cluster.apply(state, c) for c in choices}
    symmetric = Canonicaliser(interchangeable_nodes(state))
    assert symmetric.key(by_node["node-a"]) != symmetric.key(by_node["node-b"])


@pytest.mark.parametrize("steps", [5, 40])
def test_keys_are_stable_along_a_run(steps: int) -> None:
    """The same state keyed twice (memos warm or cold) gives the same key."""
    scenario = Scenario("nodes", tuple(load_text(NODES, "nodes")))
    state = scenario.initial()
    warm = Canonicaliser()
    for _ in range(steps):
        state = cluster.apply(state, next((a for a in cluster.enabled(state) if not isinstance(a, Tick)), Tick()))
        warm.key(state)
    assert warm.key(state) == Canonicaliser().key(state)
