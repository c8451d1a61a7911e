"""properties.canonical: states that differ only by the names the cluster made up (resourceVersions, uids,
generated names) or by a permutation of interchangeable nodes get one key; states that differ in anything else do
not."""

from __future__ import annotations

import functools
import re
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def renamed_nodes(value: Any, mapping: dict[str, str]) -> Any:
    """``value`` with the node names renamed by ``mapping`` wherever they stand alone, also inside strings (a pod's
    ``spec.nodeName``, the ``kubernetes.io/hostname`` label, ``kubelet/<node>`` informer names, ...): the state the
    cluster would be in had its nodes been named the other way round."""
    if isinstance(value, str):
        return re.sub(r"(?<![-a-z0-9])(" + "|".join(map(re.escape, mapping)) + r")(?![-a-z0-9])",
                      lambda m: mapping[m.group(1)], value)
    if isinstance(value, FrozenDict):
        return FrozenDict({renamed_nodes(k, mapping): renamed_nodes(v, mapping) for k, v in value.items()})
    if isinstance(value, tuple):
        return tuple(renamed_nodes(v, mapping) for v in value)
    if isinstance(value, frozenset):
        return frozenset(renamed_nodes(v, mapping) for v in value)
    if attrs.has(type(value)):
        changes = {f.name: renamed_nodes(getattr(value, f.name), mapping) for f in attrs.fields(type(value)) if f.init}
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


def test_minus_one_and_minus_two_are_different_numbers() -> None:
    """CPython hashes -1 and -2 alike; the key must not: a record field, a map value and a memory entry each."""
    state, _ = scheduling_choice()
    name, informer = next((n, i) for n, i in state.informers.items() if n.startswith("kubelet/"))
    keys = Canonicaliser()
    with_memory = [state.with_informer(name, attrs.evolve(informer, memory=informer.memory.set("x", v)))
                   for v in (-1, -2)]
    node = state.store.get("Node", None, "node-a")
    with_field = [attrs.evolve(state, store=attrs.evolve(state.store, objects=state.store.objects.put(
        attrs.evolve(node, metadata=attrs.evolve(node.metadata, generation=v))))) for v in (-1, -2)]
    assert keys.key(with_memory[0]) != keys.key(with_memory[1])
    assert keys.key(with_field[0]) != keys.key(with_field[1])


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
    swapped = renamed_nodes(bound, {"node-a": "node-b", "node-b": "node-a"})
    assert swapped != bound and swapped.store.get("Node", None, "node-a").metadata.uid == \
        bound.store.get("Node", None, "node-b").metadata.uid
    assert Canonicaliser().key(swapped) != Canonicaliser().key(bound)
    assert symmetric.key(swapped) == symmetric.key(bound)


def test_binding_to_either_identical_node_is_one_state_up_to_renaming() -> None:
    """The scheduler's choice between the two identical nodes: the two bindings differ only by the nodes' names
    (each keeps the uid and revision creation order gave it; the node controller's queue holds them in that order),
    so symmetry merges them; the node with another label stays apart, and without symmetry nothing merges."""
    state, choices = scheduling_choice()
    by_node = {c.node: cluster.apply(state, c) for c in choices}
    assert [key[0] for key in state.informer("node-controller").queue][:2] == ["node-a", "node-b"]
    symmetric = Canonicaliser(interchangeable_nodes(state))
    assert symmetric.key(by_node["node-a"]) == symmetric.key(by_node["node-b"]) != symmetric.key(by_node["node-c"])
    assert Canonicaliser().key(by_node["node-a"]) != Canonicaliser().key(by_node["node-b"])


ONE_REPLICA = NODES.replace(", disk: ssd", "")


@functools.cache
def settled_three_identical_nodes() -> tuple[Scenario, ClusterState]:
    from model.config import ModelConfig
    scenario = Scenario("three", tuple(load_text(ONE_REPLICA, "nodes")), ModelConfig(faults=frozenset({"node-crash"})),
                        settled=True)
    return scenario, scenario.initial()


def test_crashing_either_empty_identical_node_reaches_one_state_up_to_renaming() -> None:
    """Two states the cluster really reaches (not built by renaming): the settled cluster with its one pod on some
    node, after one or the other empty node crashes. The nodes' own uids and resourceVersions were handed out in
    creation order; labelled by node name, they no longer tell the two apart."""
    from model.kubelet.component import CrashNode
    scenario, state = settled_three_identical_nodes()
    (pod,) = state.store.list("Pod")
    empty = [n.name for n in state.store.list("Node") if n.name != pod.spec.node_name]
    crashed = [cluster.apply(state, CrashNode(name), scenario.config) for name in empty]
    symmetric = Canonicaliser(interchangeable_nodes(state))
    assert interchangeable_nodes(state) == (("node-a", "node-b", "node-c"),)
    assert symmetric.key(crashed[0]) == symmetric.key(crashed[1])
    assert Canonicaliser().key(crashed[0]) != Canonicaliser().key(crashed[1])
    on_pod_node = cluster.apply(state, CrashNode(pod.spec.node_name), scenario.config)
    assert symmetric.key(on_pod_node) != symmetric.key(crashed[0])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(choices=st.lists(st.integers(0, 1 << 16), min_size=1, max_size=20), permutation=st.permutations(
    ["node-a", "node-b", "node-c"]), uid_shift=st.integers(0, 50), rv_shift=st.integers(0, 500))
def test_a_renamed_state_has_the_same_key(choices: list[int], permutation: list[str], uid_shift: int,
                                          rv_shift: int) -> None:
    """Along a random run of the three-identical-nodes cluster (a crash allowed), the state with its nodes renamed by
    any permutation (each Node object keeps its uid and resourceVersion, every reference follows the name) and its
    uid and revision counters shifted has the key of the state itself."""
    scenario, state = settled_three_identical_nodes()
    symmetric = Canonicaliser(interchangeable_nodes(state))
    for choice in choices:
        enabled = cluster.enabled(state, scenario.config)
        state = cluster.apply(state, enabled[choice % len(enabled)], scenario.config)
    mapping = dict(zip(["node-a", "node-b", "node-c"], permutation, strict=True))
    index = symmetric._maps.index(mapping)
    swapped = renamed_nodes(state, mapping)
    assert symmetric.shape(swapped) == symmetric.shape(state, index)  # the renaming the key tries, without building it
    other = renamed(swapped, uid_shift, rv_shift)
    assert symmetric.key(other) == symmetric.key(state)


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


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(choices=st.lists(st.integers(0, 1 << 16), min_size=1, max_size=30), symmetric=st.booleans())
def test_a_key_from_memoised_parts_is_the_full_key(choices: list[int], symmetric: bool) -> None:
    """The explorer keys each successor with one long-lived canonicaliser: only what a step replaced is computed
    again (the rest is memoised by identity), and a raw state seen before gets its key from a memo without ranking.
    Along a random run (a node crash allowed), each state's key so computed is the key a fresh canonicaliser computes
    from nothing, and keying a state again (the raw memo) gives it back."""
    scenario, state = settled_three_identical_nodes()
    nodes = interchangeable_nodes(state) if symmetric else ()
    warm = Canonicaliser(nodes)
    warm.key(state)
    for choice in choices:
        enabled = cluster.enabled(state, scenario.config)
        state = cluster.apply(state, enabled[choice % len(enabled)], scenario.config)
        incremental = warm.key(state)
        assert incremental == Canonicaliser(nodes).key(state) == warm.key(state)
