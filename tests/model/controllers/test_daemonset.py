"""The DaemonSet controller (model.controllers.daemonset).

Ported from kubernetes/kubernetes ``pkg/controller/daemon/``: daemon_controller_test.go and update_test.go (each
case names its upstream test), util/daemonset_util_test.go (TestIsPodUpdated, TestCreatePodTemplate,
TestReplaceDaemonSetPodNodeNameNodeAffinity, TestGetTargetNodeName); the FNV vectors are Go's
``hash/fnv/fnv_test.go`` golden32a. Upstream's unit tests call ``syncHandler`` once against fake listers and a fake
pod control that observes its own creates and deletes at once; here one sync is one ``Reconcile`` action on the
whole model, and where upstream's instant observation lets one sync both manage and roll, the model needs a
second sync after its informer has seen the first one's writes (``_rounds``). Upstream's ``updateStrategies()``
(OnDelete, and RollingUpdate with maxUnavailable 1) is ``STRATEGIES``. The scenarios at the end drive the whole
model (scheduler, kubelets, node lifecycle and taint eviction controllers) on the example cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.component import Step
from model.config import ModelConfig
from model.controllers import base
from model.controllers import daemonset as dsc
from model.controllers.replicaset import expectations_of
from model.examples import DIRECTORY
from model.frozendict import FrozenDict
from model.manifests import from_dict, load
from model.objects import DaemonSet, Node, Pod
from model.objects.pod import Affinity, PodCondition, PodSpec, PodTemplateSpec
from model.state import ClusterState, behind
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent
from model.taints import Toleration
from tests.model.controllers.test_node_lifecycle import HELD, run, settle

NAME = dsc.NAME
FAITHFUL = ModelConfig()
BYPASS = ModelConfig(variants=frozenset({dsc.BYPASS_SCHEDULER}))
SIMPLE_DS_LABEL = {"name": "simple-daemon", "type": "production"}
SIMPLE_DS_LABEL2 = {"name": "simple-daemon", "type": "test"}
SIMPLE_NODE_LABEL = {"color": "blue", "speed": "fast"}
SIMPLE_NODE_LABEL2 = {"color": "red", "speed": "fast"}
ON_DELETE = {"type": "OnDelete"}
ROLLING = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
STRATEGIES = (ON_DELETE, ROLLING)
NO_SCHEDULE_TAINTS = [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}]
NO_EXECUTE_TAINTS = [{"key": "dedicated", "value": "user1", "effect": "NoExecute"}]
NO_SCHEDULE_TOLERATIONS = [{"key": "dedicated", "value": "user1", "effect": "NoSchedule"}]
KEY = ("default", "foo")


def surge(value: int | str) -> dict:
    """newUpdateSurge."""
    return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": value}}


def unavailable(value: int | str) -> dict:
    """newUpdateUnavailable."""
    return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": value}}


# --- objects (upstream's newDaemonSet, newNode, newPod) ------------------------------------------------------


def ds_doc(name: str = "foo", strategy: dict | None = None, labels: dict | None = None, namespace: str = "default",
           min_ready: int = 0, deleting: int | None = None, **template_spec: Any) -> dict:
    """newDaemonSet: selector and template labels ``simpleDaemonSetLabel``, one ``foo/bar`` container."""
    labels = labels or SIMPLE_DS_LABEL
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "uid": f"{name}-uid", "generation": 1}
    if deleting is not None:
        metadata.update(deletionTimestamp=deleting, finalizers=["example.com/hold"])
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": metadata,
            "spec": {"selector": {"matchLabels": labels}, "updateStrategy": strategy or ON_DELETE,
                     "minReadySeconds": min_ready,
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "foo/bar"}], **template_spec}}}}


def node_doc(name: str, labels: dict | None = None, taints: list | None = None, unschedulable: bool = False,
             conditions: list | None = None, allocatable: dict | None = None) -> dict:
    """newNode: Ready, 100 pods allocatable."""
    resources = allocatable or {"pods": "100", "cpu": "4", "memory": "8Gi"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"taints": taints or [], "unschedulable": unschedulable},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": conditions or [{"type": "Ready", "status": "True"}]}}


def nodes(start: int, count: int, labels: dict | None = None) -> list[dict]:
    """addNodes: ``node-<i>``."""
    return [node_doc(f"node-{i}", labels) for i in range(start, start + count)]


def pod_doc(name: str, node: str, labels: dict, ds: dict | None = None, *, current: bool = True,
            phase: str = "Running", ready: bool | None = None, ready_since: int | None = None,
            created: int | None = None, deleting: int | None = None, **spec: Any) -> dict:
    """newPod: bound to ``node`` (unless ``node`` is empty), owned by ``ds`` if given, with the hash label of
    ``ds``'s template when ``current``."""
    labels = dict(labels)
    metadata: dict[str, Any] = {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": labels}
    if ds is not None:
        if current:
            labels[dsc.HASH_LABEL] = template_hash(ds)
        metadata["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": ds["metadata"]["name"],
                                        "uid": ds["metadata"]["uid"], "controller": True}]
    if created is not None:
        metadata["creationTimestamp"] = created
    if deleting is not None:
        metadata.update(deletionTimestamp=deleting, deletionGracePeriodSeconds=30)
    status: dict[str, Any] = {"phase": phase}
    if ready is not None:
        condition: dict[str, Any] = {"type": "Ready", "status": "True" if ready else "False"}
        if ready_since is not None:
            condition["lastTransitionTime"] = ready_since
        status["conditions"] = [condition]
    pod_spec: dict[str, Any] = {"containers": [{"name": "c", "image": "foo/bar"}], **spec}
    if node:
        pod_spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec, "status": status}


def pods_on(node: str, labels: dict, ds: dict, count: int, **fields: Any) -> list[dict]:
    """addPods."""
    return [pod_doc(f"{node}-{i}-{labels['type']}", node, labels, ds, **fields) for i in range(count)]


def template_hash(ds: dict) -> str:
    return dsc.compute_hash(DaemonSet.from_dict(ds).spec.template)


def affinity_to(node: str) -> dict:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}}


# --- driving the model ------------------------------------------------------------------------------------


def state_of(*docs: dict, now: int = 0) -> ClusterState:
    """The cluster with these objects stored as they are (they carry uids); every controller synced."""
    return attrs.evolve(cluster.initial_state([from_dict(d) for d in docs]), time=now)


def sync(state: ClusterState, key: tuple = KEY, config: ModelConfig = FAITHFUL) -> Step:
    """One sync of ``key`` (upstream tests call ``syncHandler``)."""
    return cluster.step(state, base.Reconcile(NAME, key), config)


def writes(step: Step) -> tuple[list[Pod], list[str]]:
    """The pods a step created and the names of those it deleted (at once, or gracefully)."""
    created = [e.object for e in step.events if e.object.kind == "Pod" and e.type == ADDED]
    deleted = [e.object.name for e in step.events if e.object.kind == "Pod"
               and (e.type == DELETED or (e.type == MODIFIED and e.object.metadata.deletion_timestamp is not None))]
    return created, deleted


def counts(step: Step) -> tuple[int, int]:
    created, deleted = writes(step)
    return len(created), len(deleted)


def deliver(state: ClusterState, component: str = NAME) -> ClusterState:
    while behind(state, component):
        state = cluster.apply(state, DeliverWatchEvent(component))
    return state


def rounds(state: ClusterState, key: tuple = KEY, config: ModelConfig = FAITHFUL,
           limit: int = 20) -> tuple[ClusterState, tuple[int, int]]:
    """Sync, let the informer see the writes, and sync again until a sync writes no pod: what upstream's
    ``syncHandler`` does in one call when its fake pod control observes its own writes at once."""
    total = (0, 0)
    for _ in range(limit):
        step = sync(state, key, config)
        state = deliver(step.state)
        done = counts(step)
        if done == (0, 0):
            return state, total
        total = (total[0] + done[0], total[1] + done[1])
    raise AssertionError("the controller kept writing")


def send(state: ClusterState, request: Any) -> ClusterState:
    step = cluster.step(state, Submit(request))
    assert step.responses[0].ok, step.responses[0]
    return step.state


def mark_ready(state: ClusterState, ready: bool = True, count: int | None = None,
               which: Callable[[Pod], bool] = lambda pod: True) -> ClusterState:
    """markPodsReady / setPodReadiness: the Ready condition of (up to ``count``) live pods, set now."""
    for pod in state.store.list("Pod", "default"):
        if count == 0:
            break
        if pod.metadata.deletion_timestamp is not None or pod.is_ready == ready or not which(pod):
            continue
        condition = PodCondition(type="Ready", status="True" if ready else "False", last_transition_time=state.time)
        others = tuple(c for c in pod.status.conditions if c.type != "Ready")
        state = send(state, rq.UpdateStatus(ADMIN, attrs.evolve(pod, status=attrs.evolve(
            pod.status, conditions=others + (condition,)))))
        count = None if count is None else count - 1
    return deliver(state)


def update_ds(state: ClusterState, name: str = "foo", image: str | None = None, strategy: dict | None = None,
              min_ready: int | None = None, tolerations: tuple[Toleration, ...] | None = None,
              namespace: str = "default") -> ClusterState:
    """The user edits the DaemonSet's template and strategy (``kubectl apply``)."""
    ds = state.store.get("DaemonSet", namespace, name)
    spec = ds.spec
    if image is not None:
        container = attrs.evolve(spec.template.spec.containers[0], image=image)
        spec = attrs.evolve(spec, template=attrs.evolve(spec.template, spec=attrs.evolve(
            spec.template.spec, containers=(container,) + spec.template.spec.containers[1:])))
    if tolerations is not None:
        spec = attrs.evolve(spec, template=attrs.evolve(spec.template, spec=attrs.evolve(
            spec.template.spec, tolerations=tolerations)))
    if strategy is not None:
        spec = attrs.evolve(spec, update_strategy=DaemonSet.from_dict(ds_doc(strategy=strategy)).spec.update_strategy)
    if min_ready is not None:
        spec = attrs.evolve(spec, min_ready_seconds=min_ready)
    return deliver(send(state, rq.Update(ADMIN, attrs.evolve(ds, spec=spec))))


def expectations(state: ClusterState) -> Any:
    return expectations_of(state.informer(NAME).memory)


def daemon_pods(state: ClusterState, namespace: str = "default") -> list[Pod]:
    return [p for p in state.store.list("Pod", namespace) if p.metadata.deletion_timestamp is None]


def current_hash(state: ClusterState, name: str = "foo", namespace: str = "default") -> str:
    return dsc.compute_hash(state.store.get("DaemonSet", namespace, name).spec.template)


# --- util/daemonset_util.go ----------------------------------------------------------------------------------


@pytest.mark.parametrize("data, expected", [(b"", 0x811C9DC5), (b"a", 0xE40C292C), (b"ab", 0x4D2505CA),
                                            (b"abc", 0x1A47E90B), (b"foobar", 0xBF9CF968)])
def test_fnv32a_golden_values(data: bytes, expected: int) -> None:
    assert dsc.fnv32a(data) == expected


def test_safe_encode_string_maps_digits_onto_the_hash_alphabet() -> None:
    """rand.SafeEncodeString: a decimal hash becomes the familiar ``[4-9bcdf]`` revision hash."""
    assert dsc.safe_encode_string("0123456789") == "456789bcdf"


@given(st.sampled_from(["foo/bar", "nginx:1.27", "busybox"]), st.dictionaries(
    st.sampled_from(["a", "b", "tier"]), st.sampled_from(["x", "y"]), max_size=2))
@settings(max_examples=25, deadline=None)
def test_compute_hash_is_a_deterministic_function_of_the_template(image: str, extra: dict) -> None:
    """ComputeHash: equal templates (however built) hash equal; the value reads as a Kubernetes revision hash;
    a different image gives a different hash here."""
    doc = ds_doc(labels={**SIMPLE_DS_LABEL, **extra})
    doc["spec"]["template"]["spec"]["containers"][0]["image"] = image
    template = DaemonSet.from_dict(doc).spec.template
    again = PodTemplateSpec.from_dict(template.to_dict())
    hashed = dsc.compute_hash(template)
    assert hashed == dsc.compute_hash(again)
    assert set(hashed) <= set("456789bcdf") and 1 <= len(hashed) <= 10
    other = attrs.evolve(template, spec=attrs.evolve(template.spec, containers=(attrs.evolve(
        template.spec.containers[0], image=image + "-2"),)))
    assert dsc.compute_hash(other) != hashed


GENERATION_LABELS = {dsc.TEMPLATE_GENERATION_LABEL: "12345", dsc.HASH_LABEL: "55555"}


@pytest.mark.parametrize("generation, labels, hash_, updated", [
    # TestIsPodUpdated.
    (12345, GENERATION_LABELS, "55555", True),  # templateGeneration and hash both match
    (12345, GENERATION_LABELS, "55555123", True),  # templateGeneration matches, hash doesn't
    (12345, {dsc.TEMPLATE_GENERATION_LABEL: "12345"}, "55555", True),  # no hash label, has hash
    (12345, {dsc.TEMPLATE_GENERATION_LABEL: "12345"}, "", True),  # no hash label, no hash
    (12345, GENERATION_LABELS, "", True),  # has hash label, no hash
    (12350, GENERATION_LABELS, "55555", True),  # templateGeneration doesn't match, hash does
    (12350, GENERATION_LABELS, "55555123", False),  # templateGeneration and hash don't match
    (12345, {}, "", False),  # empty labels, no hash
    (12345, {}, "55555", False),  # empty labels
    (None, GENERATION_LABELS, "55555123", False),  # no generation annotation
])
def test_is_pod_updated(generation: int | None, labels: dict, hash_: str, updated: bool) -> None:
    pod = Pod.from_dict(pod_doc("pod1", "node1", labels))
    assert dsc.is_pod_updated(pod, hash_, generation) is updated


@pytest.mark.parametrize("annotation, generation", [
    ("7", 7), ("+7", 7), ("-3", -3), (None, None), ("7 ", None), ("x", None), ("9223372036854775808", None),
])
def test_template_generation_parses_the_deprecated_annotation(annotation: str | None,
                                                              generation: int | None) -> None:
    """GetTemplateGeneration: strconv.ParseInt(annotation, 10, 64); a parse error means no generation."""
    doc = ds_doc()
    if annotation is not None:
        doc["metadata"]["annotations"] = {dsc.TEMPLATE_GENERATION_ANNOTATION: annotation}
    assert dsc.template_generation(DaemonSet.from_dict(doc)) == generation


@pytest.mark.parametrize("generation, hash_, unique_label", [(1, "", False), (2, "3242341807", True)])
def test_create_pod_template(generation: int, hash_: str, unique_label: bool) -> None:
    """TestCreatePodTemplate: the generation label always, the hash label only with a hash; and the daemon
    tolerations."""
    template = dsc.create_pod_template(DaemonSet.from_dict(ds_doc()).spec.template, generation, hash_)
    assert template.metadata.labels[dsc.TEMPLATE_GENERATION_LABEL] == str(generation)
    assert template.metadata.labels.get(dsc.HASH_LABEL) == (hash_ if unique_label else None)
    assert template.spec.tolerations == dsc.DAEMON_TOLERATIONS


def _affinity(doc: dict | None) -> Affinity | None:
    return None if doc is None else Affinity.from_dict(doc)


def _expression(key: str, operator: str, *values: str) -> dict:
    return {"key": key, "operator": operator, "values": list(values)}


def _required(*terms: dict) -> dict:
    return {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}


PREFERRED = {"preferredDuringSchedulingIgnoredDuringExecution": [
    {"weight": 1, "preference": {"matchExpressions": [_expression("kubernetes.io/hostname", "In", "host_1")]}}]}
HOST_1 = {"matchFields": [_expression("metadata.name", "In", "host_1")]}


@pytest.mark.parametrize("affinity, expected", [
    # TestReplaceDaemonSetPodNodeNameNodeAffinity.
    (None, {"nodeAffinity": _required(HOST_1)}),
    ({"nodeAffinity": _required({"matchExpressions": [_expression("kubernetes.io/hostname", "In", "host_1")]})},
     {"nodeAffinity": _required(HOST_1)}),
    ({"nodeAffinity": PREFERRED}, {"nodeAffinity": {**PREFERRED, **_required(HOST_1)}}),
    ({"nodeAffinity": _required({"matchFields": [_expression("metadata.name", "In", "host_1", "host_2")]})},
     {"nodeAffinity": _required(HOST_1)}),
    ({"nodeAffinity": _required({"matchExpressions": [_expression("hostname", "In", "host_1")]},
                                {"matchFields": [_expression("metadata.name", "In", "host_2")]})},
     {"nodeAffinity": _required(HOST_1)}),
    ({"nodeAffinity": _required({"matchFields": [_expression("metadata.name", "NotIn", "host_2")]})},
     {"nodeAffinity": _required(HOST_1)}),
    ({"nodeAffinity": _required({"matchFields": [_expression("metadata.foo", "In", "bar")]})},
     {"nodeAffinity": _required(HOST_1)}),
    # Pod anti-affinity is kept.
    ({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone"}]}},
     {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone"}]},
      "nodeAffinity": _required(HOST_1)}),
])
def test_replace_node_name_affinity(affinity: dict | None, expected: dict) -> None:
    assert dsc.replace_node_name_affinity(_affinity(affinity), "host_1") == Affinity.from_dict(expected)


@pytest.mark.parametrize("spec, node", [
    # TestGetTargetNodeName.
    ({"nodeName": "node-1"}, "node-1"),
    ({"affinity": affinity_to("node-1")}, "node-1"),
    ({"affinity": {"nodeAffinity": _required({"matchFields": [_expression("metadata.name", "In", "node-1",
                                                                          "node-2")]})}}, None),
    ({}, None),
])
def test_target_node_name(spec: dict, node: str | None) -> None:
    pod = Pod.from_dict({"metadata": {"name": "pod", "namespace": "default"},
                         "spec": {"containers": [{"name": "c"}], **spec}})
    assert dsc.target_node_name(pod) == node


def test_daemon_tolerations_are_added_or_updated() -> None:
    """AddOrUpdateDaemonPodTolerations: the infinite not-ready/unreachable NoExecute tolerations replace finite ones
    with the same key, operator and effect (DefaultTolerationSeconds' 300 s ones included); the others are
    appended; network-unavailable only with host networking; the pod's own tolerations stay, in place."""
    finite = Toleration(key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute",
                        toleration_seconds=300)
    own = Toleration(key="node-role.kubernetes.io/control-plane", operator="Exists", effect="NoSchedule")
    spec = PodSpec.from_dict({"containers": [{"name": "c"}]})
    added = dsc.add_daemon_pod_tolerations(attrs.evolve(spec, tolerations=(own, finite)))
    assert added.tolerations == (own,) + dsc.DAEMON_TOLERATIONS
    assert dsc.add_daemon_pod_tolerations(added) == added
    host = dsc.add_daemon_pod_tolerations(attrs.evolve(spec, host_network=True))
    assert host.tolerations == dsc.DAEMON_TOLERATIONS + (dsc.HOST_NETWORK_TOLERATION,)
    assert all(t.toleration_seconds is None for t in host.tolerations)


# --- NodeShouldRunDaemonPod --------------------------------------------------------------------------------


def _resources(memory: str, cpu: str) -> dict:
    return {"requests": {"memory": memory, "cpu": cpu}}


def _template(**spec: Any) -> dict:
    containers = spec.pop("containers", [{"name": "c", "image": "foo/bar"}])
    return {"containers": containers, **spec}


HOST_PORT_666 = [{"name": "c", "image": "foo/bar", "ports": [{"containerPort": 666, "hostPort": 666}]}]
TYPE_AFFINITY = lambda value: {"nodeAffinity": _required({"matchExpressions": [_expression("type", "In", value)]})}


@pytest.mark.parametrize("template, unschedulable, expected", [
    # TestNodeShouldRunDaemonPod: resources and host ports are the scheduler's business now.
    (_template(containers=[{"name": "c", "resources": _resources("50M", "0.5")}]), False, (True, True)),
    (_template(containers=[{"name": "c", "resources": _resources("200M", "0.5")}]), False, (True, True)),
    (_template(nodeName="other-node"), False, (False, False)),  # ErrPodNotMatchHostName
    (_template(containers=HOST_PORT_666), False, (True, True)),  # ErrPodNotFitsHostPorts
    (_template(nodeSelector=SIMPLE_DS_LABEL2), False, (False, False)),  # ErrNodeSelectorNotMatch
    (_template(nodeSelector=SIMPLE_DS_LABEL), False, (True, True)),
    (_template(affinity=TYPE_AFFINITY("test")), False, (False, False)),  # ErrPodAffinityNotMatch
    (_template(affinity=TYPE_AFFINITY("production")), False, (True, True)),
    (_template(), True, (True, True)),  # ShouldRunDaemonPodOnUnschedulableNode
])
def test_node_should_run_daemon_pod(template: dict, unschedulable: bool, expected: tuple[bool, bool]) -> None:
    node = Node.from_dict(node_doc("test-node", SIMPLE_DS_LABEL, unschedulable=unschedulable,
                                   allocatable={"memory": "100M", "cpu": "1", "pods": "100"}))
    for strategy in STRATEGIES:
        ds = DaemonSet.from_dict(ds_doc(strategy=strategy, **template))
        assert dsc.node_should_run_daemon_pod(node, ds) == expected


def _taint(key: str, effect: str, value: str = "") -> dict:
    return {"key": key, "value": value, "effect": effect}


@pytest.mark.parametrize("taints, template, expected, bypassed", [
    # TestNoScheduleTaintedDoesntEvicitRunningIntolerantPod / TestTaintedNodeDaemonDoesNotLaunchIntolerantPod.
    (NO_SCHEDULE_TAINTS, {}, (False, True), (True, True)),
    # TestNoExecuteTaintedDoesEvicitRunningIntolerantPod.
    (NO_EXECUTE_TAINTS, {}, (False, False), (True, True)),
    # TestTaintedNodeDaemonLaunchesToleratePod.
    (NO_SCHEDULE_TAINTS, {"tolerations": NO_SCHEDULE_TOLERATIONS}, (True, True), (True, True)),
    # TestNotReadyNodeDaemonLaunchesPod, TestUnreachableNodeDaemonLaunchesPod: the added NoExecute tolerations.
    ([_taint("node.kubernetes.io/not-ready", "NoExecute")], {}, (True, True), (True, True)),
    ([_taint("node.kubernetes.io/unreachable", "NoExecute")], {}, (True, True), (True, True)),
    # ... but a NotReady node's NoSchedule condition taint is not tolerated: pods stay, none are added.
    ([_taint("node.kubernetes.io/unreachable", "NoSchedule"), _taint("node.kubernetes.io/unreachable", "NoExecute")],
     {}, (False, True), (True, True)),
    # TestTaintPressureNodeDaemonLaunchesPod, and a cordoned node's taint.
    ([_taint(f"node.kubernetes.io/{k}", "NoSchedule") for k in ("disk-pressure", "memory-pressure", "pid-pressure",
                                                                 "unschedulable")], {}, (True, True), (True, True)),
    # network-unavailable is tolerated with host networking only.
    ([_taint("node.kubernetes.io/network-unavailable", "NoSchedule")], {}, (False, True), (True, True)),
    ([_taint("node.kubernetes.io/network-unavailable", "NoSchedule")], {"hostNetwork": True}, (True, True),
     (True, True)),
    # PreferNoSchedule never matters.
    ([_taint("dedicated", "PreferNoSchedule")], {}, (True, True), (True, True)),
])
def test_taints_and_the_daemon_tolerations(taints: list, template: dict, expected: tuple[bool, bool],
                                           bypassed: tuple[bool, bool]) -> None:
    """Taint cases of daemon_controller_test.go; the #16967 variant ignores taints altogether."""
    node = Node.from_dict(node_doc("tainted", taints=taints))
    ds = DaemonSet.from_dict(ds_doc(**template))
    assert dsc.node_should_run_daemon_pod(node, ds) == expected
    assert dsc.node_should_run_daemon_pod(node, ds, bypass=True) == bypassed


@given(st.lists(st.sampled_from(["NoSchedule", "NoExecute", "PreferNoSchedule"]), max_size=3),
       st.lists(st.sampled_from(["NoSchedule", "NoExecute", ""]), max_size=3))
@settings(max_examples=60, deadline=None)
def test_should_run_implies_should_continue_and_matches_the_scheduler(effects: list[str],
                                                                    tolerated: list[str]) -> None:
    """A node that should run a daemon pod is one where it may keep running; and ``shouldRun`` agrees with the
    scheduler's TaintToleration filter for the pod the controller would create there."""
    from model.scheduler.filters import taint_toleration
    from model.scheduler.snapshot import Snapshot
    node = Node.from_dict(node_doc("n", taints=[_taint(f"k{i}", e) for i, e in enumerate(effects)]))
    ds = DaemonSet.from_dict(ds_doc(tolerations=[{"key": f"k{i}", "operator": "Exists", "effect": e}
                                                 for i, e in enumerate(tolerated)]))
    should_run, should_continue = dsc.node_should_run_daemon_pod(node, ds)
    assert not should_run or should_continue
    pod = dsc.daemon_pod(ds, "n", "h")
    assert should_run == (taint_toleration(pod, node, Snapshot.of([node])) is None)


@pytest.mark.parametrize("max_unavailable, max_surge, node_count, expected", [
    # TestGetUnavailableNumbers: (maxSurge, maxUnavailable, desiredNumberScheduled); rows with both 0 are built
    # past validation, as upstream builds them.
    (0, 0, 0, (0, 0, 0)),  # No nodes
    (1, 0, 2, (0, 1, 2)),  # Two nodes with ready pods
    (0, 0, 2, (0, 1, 2)),  # Two nodes, one node without pods (and its surge twin)
    ("50%", 0, 2, (0, 1, 2)),  # MaxUnavailable in percents
    (0, "50%", 2, (1, 0, 2)),  # MaxUnavailable in percents, surge
    (0, "100%", 2, (2, 0, 2)),  # MaxUnavailable is 100%, surge
    ("50%", 0, 3, (0, 2, 3)),  # MaxUnavailable in percents, pod terminating (50% of 3 rounds up)
])
def test_updated_desired_node_counts(max_unavailable: int | str, max_surge: int | str, node_count: int,
                                     expected: tuple[int, int, int]) -> None:
    ds = DaemonSet.from_dict(ds_doc(strategy=ROLLING))
    strategy = ds.spec.update_strategy
    rolling = attrs.evolve(strategy.rolling_update, max_unavailable=max_unavailable, max_surge=max_surge)
    ds = attrs.evolve(ds, spec=attrs.evolve(ds.spec, update_strategy=attrs.evolve(strategy, rolling_update=rolling)))
    assert dsc.updated_desired_node_counts(ds, [Node.from_dict(d) for d in nodes(0, node_count)]) == expected
    on_delete = attrs.evolve(ds, spec=attrs.evolve(ds.spec, update_strategy=attrs.evolve(strategy, type="OnDelete")))
    assert dsc.surge_count(on_delete, node_count) == dsc.unavailable_count(on_delete, node_count) == 0


# --- one sync (daemon_controller_test.go) -------------------------------------------------------------------


def _foreign_pod(name: str, node: str, **spec: Any) -> dict:
    """A pod no DaemonSet selects (upstream's bare ``&v1.Pod{Spec: podSpec}``)."""
    return pod_doc(name, node, {"app": "other"}, **spec)


SYNC_CASES: list[tuple[str, dict, Callable[[dict], list[dict]], int, int]] = [
    ("TestSimpleDaemonSetLaunchesPods", {}, lambda ds: nodes(0, 5), 5, 0),
    ("TestNoNodesDoesNothing", {}, lambda ds: [], 0, 0),
    ("TestOneNodeDaemonLaunchesPod", {}, lambda ds: [node_doc("only-node")], 1, 0),
    ("TestNotReadyNodeDaemonDoesLaunchPod", {},
     lambda ds: [node_doc("not-ready", conditions=[{"type": "Ready", "status": "False"}])], 1, 0),
    ("TestNetworkUnavailableNodeDaemonLaunchesPod", {},
     lambda ds: [node_doc("network-unavailable", conditions=[{"type": "NetworkUnavailable", "status": "True"}])],
     1, 0),
    ("TestInsufficientCapacityNodeDaemonDoesNotUnscheduleRunningPod",
     {"nodeName": "too-much-mem", "containers": [{"name": "c", "resources": _resources("75M", "75m")}]},
     lambda ds: [node_doc("too-much-mem", allocatable={"memory": "100M", "cpu": "200m", "pods": "100"}),
                 _foreign_pod("hog", "too-much-mem", containers=[{"name": "c", "resources": _resources("75M",
                                                                                                       "75m")}])],
     1, 0),
    ("TestPortConflictWithSameDaemonPodDoesNotDeletePod", {"containers": HOST_PORT_666},
     lambda ds: [node_doc("port-conflict"), pod_doc("foo-1", "port-conflict", SIMPLE_DS_LABEL, ds,
                                                    containers=HOST_PORT_666)], 0, 0),
    ("TestNoPortConflictNodeDaemonLaunchesPod",
     {"containers": [{"name": "c", "ports": [{"containerPort": 6662, "hostPort": 6662}]}]},
     lambda ds: [node_doc("no-port-conflict"), _foreign_pod("other", "no-port-conflict", containers=[
         {"name": "c", "ports": [{"containerPort": 6661, "hostPort": 6661}]}])], 1, 0),
    ("TestDealsWithExistingPods", {},
     lambda ds: nodes(0, 5) + pods_on("node-1", SIMPLE_DS_LABEL, ds, 1) + pods_on("node-2", SIMPLE_DS_LABEL, ds, 2)
     + pods_on("node-3", SIMPLE_DS_LABEL, ds, 5) + pods_on("node-4", SIMPLE_DS_LABEL2, ds, 2), 2, 5),
    ("TestSelectorDaemonLaunchesPods", {"nodeSelector": SIMPLE_NODE_LABEL},
     lambda ds: nodes(0, 4) + nodes(4, 3, SIMPLE_NODE_LABEL), 3, 0),
    ("TestSelectorDaemonDeletesUnselectedPods", {"nodeSelector": SIMPLE_NODE_LABEL},
     lambda ds: nodes(0, 5) + nodes(5, 5, SIMPLE_NODE_LABEL) + pods_on("node-0", SIMPLE_DS_LABEL2, ds, 2)
     + pods_on("node-1", SIMPLE_DS_LABEL, ds, 3) + pods_on("node-1", SIMPLE_DS_LABEL2, ds, 1)
     + pods_on("node-4", SIMPLE_DS_LABEL, ds, 1), 5, 4),
    ("TestSelectorDaemonDealsWithExistingPods", {"nodeSelector": SIMPLE_NODE_LABEL},
     lambda ds: nodes(0, 5) + nodes(5, 5, SIMPLE_NODE_LABEL) + pods_on("node-0", SIMPLE_DS_LABEL, ds, 1)
     + pods_on("node-1", SIMPLE_DS_LABEL, ds, 3) + pods_on("node-1", SIMPLE_DS_LABEL2, ds, 2)
     + pods_on("node-2", SIMPLE_DS_LABEL, ds, 4) + pods_on("node-6", SIMPLE_DS_LABEL, ds, 13)
     + pods_on("node-7", SIMPLE_DS_LABEL2, ds, 4) + pods_on("node-9", SIMPLE_DS_LABEL, ds, 1)
     + pods_on("node-9", SIMPLE_DS_LABEL2, ds, 1), 3, 20),
    ("TestBadSelectorDaemonDoesNothing", {"nodeSelector": SIMPLE_NODE_LABEL2},
     lambda ds: nodes(0, 4) + nodes(4, 3, SIMPLE_NODE_LABEL), 0, 0),
    ("TestNameDaemonSetLaunchesPods", {"nodeName": "node-0"}, lambda ds: nodes(0, 5), 1, 0),
    ("TestBadNameDaemonSetDoesNothing", {"nodeName": "node-10"}, lambda ds: nodes(0, 5), 0, 0),
    ("TestNameAndSelectorDaemonSetLaunchesPods", {"nodeSelector": SIMPLE_NODE_LABEL, "nodeName": "node-6"},
     lambda ds: nodes(0, 4) + nodes(4, 3, SIMPLE_NODE_LABEL), 1, 0),
    ("TestInconsistentNameSelectorDaemonSetDoesNothing", {"nodeSelector": SIMPLE_NODE_LABEL, "nodeName": "node-0"},
     lambda ds: nodes(0, 4) + nodes(4, 3, SIMPLE_NODE_LABEL), 0, 0),
    ("TestNodeAffinityDaemonLaunchesPods",
     {"affinity": {"nodeAffinity": _required({"matchExpressions": [_expression("color", "In", "blue")]})}},
     lambda ds: nodes(0, 4) + nodes(4, 3, SIMPLE_NODE_LABEL), 3, 0),
    ("TestNoScheduleTaintedDoesntEvicitRunningIntolerantPod", {},
     lambda ds: [node_doc("tainted", taints=NO_SCHEDULE_TAINTS), pod_doc("keep-running-me", "tainted",
                                                                         SIMPLE_DS_LABEL, ds)], 0, 0),
    ("TestNoExecuteTaintedDoesEvicitRunningIntolerantPod", {},
     lambda ds: [node_doc("tainted", taints=NO_EXECUTE_TAINTS), pod_doc("stop-running-me", "tainted",
                                                                        SIMPLE_DS_LABEL, ds)], 0, 1),
    ("TestTaintedNodeDaemonDoesNotLaunchIntolerantPod", {},
     lambda ds: [node_doc("tainted", taints=NO_SCHEDULE_TAINTS)], 0, 0),
    ("TestTaintedNodeDaemonLaunchesToleratePod", {"tolerations": NO_SCHEDULE_TOLERATIONS},
     lambda ds: [node_doc("tainted", taints=NO_SCHEDULE_TAINTS)], 1, 0),
    ("TestNotReadyNodeDaemonLaunchesPod", {},
     lambda ds: [node_doc("tainted", taints=[_taint("node.kubernetes.io/not-ready", "NoExecute")],
                          conditions=[{"type": "Ready", "status": "False"}])], 1, 0),
    ("TestUnreachableNodeDaemonLaunchesPod", {},
     lambda ds: [node_doc("tainted", taints=[_taint("node.kubernetes.io/unreachable", "NoExecute")],
                          conditions=[{"type": "Ready", "status": "Unknown"}])], 1, 0),
    ("TestNodeDaemonLaunchesToleratePod", {"tolerations": NO_SCHEDULE_TOLERATIONS}, lambda ds: nodes(0, 1), 1, 0),
    ("TestDaemonSetRespectsTermination", {},
     lambda ds: nodes(0, 1, SIMPLE_NODE_LABEL) + [pod_doc("node-0-x", "node-0", SIMPLE_DS_LABEL, ds, deleting=0)],
     0, 0),
    # (upstream also makes the pods system-critical; the model's Priority admission would refuse a bare priority)
    ("TestTaintPressureNodeDaemonLaunchesPod", {},
     lambda ds: [node_doc("resources-pressure", taints=[_taint(f"node.kubernetes.io/{k}", "NoSchedule")
                                                        for k in ("disk-pressure", "memory-pressure", "pid-pressure")],
                          conditions=[{"type": t, "status": "True"} for t in ("DiskPressure", "MemoryPressure",
                                                                                "PIDPressure")])], 1, 0),
    ("TestDeleteUnscheduledPodForNotExistingNode", {},
     lambda ds: nodes(0, 1) + pods_on("node-0", SIMPLE_DS_LABEL, ds, 1) + pods_on("node-1", SIMPLE_DS_LABEL, ds, 1)
     + [pod_doc("pod1-node-3", "", SIMPLE_DS_LABEL, ds, affinity=affinity_to("node-2"))], 0, 1),
]


@pytest.mark.parametrize("name, template, objects, creates, deletes", SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
@pytest.mark.parametrize("strategy", STRATEGIES, ids=["OnDelete", "RollingUpdate"])
def test_one_sync(name: str, template: dict, objects: Callable[[dict], list[dict]], creates: int, deletes: int,
                  strategy: dict) -> None:
    """Cases of daemon_controller_test.go: the pods one sync creates and deletes. Every created pod is owned by
    the DaemonSet (``validateSyncDaemonSets``), carries the current hash and waits for the scheduler with the
    node-name affinity, unless the template names a node (TestSimpleDaemonSetScheduleDaemonSetPodsLaunchesPods)."""
    ds = ds_doc(strategy=strategy, **template)
    step = sync(state_of(ds, *objects(ds)))
    created, deleted = writes(step)
    assert (len(created), len(deleted)) == (creates, deletes)
    for pod in created:
        ref = pod.metadata.controller_ref()
        assert (ref.api_version, ref.kind, ref.uid, ref.controller) == ("apps/v1", "DaemonSet", "foo-uid", True)
        assert pod.labels[dsc.HASH_LABEL] == template_hash(ds)
        assert pod.spec.node_name == template.get("nodeName")
        if pod.spec.node_name is None:
            assert pod.spec.affinity.node_affinity.required.node_selector_terms[0].match_fields[0].values \
                == (dsc.target_node_name(pod),)
    targets = sorted(dsc.target_node_name(p) for p in created)
    assert len(set(targets)) == len(targets), "one pod per node"


def test_launched_pods_cover_every_node_through_the_scheduler() -> None:
    """TestSimpleDaemonSetScheduleDaemonSetPodsLaunchesPods: no nodeName, one matchFields term per node."""
    created, _ = writes(sync(state_of(ds_doc(), *nodes(0, 5))))
    assert sorted(dsc.target_node_name(p) for p in created) == [f"node-{i}" for i in range(5)]
    assert all(p.spec.node_name is None and len(p.spec.affinity.node_affinity.required.node_selector_terms) == 1
               for p in created)


@pytest.mark.parametrize("failed, normal, creates, deletes", [
    # TestDaemonKillFailedPods.
    (0, 1, 0, 0),  # normal (do nothing)
    (0, 0, 1, 0),  # no pods (create 1)
    (1, 0, 0, 1),  # 1 failed pod (kill 1), 0 normal pod (create 0; will create in the next sync)
    (1, 3, 0, 3),  # 1 failed pod (kill 1), 3 normal pods (kill 2)
])
@pytest.mark.parametrize("strategy", STRATEGIES, ids=["OnDelete", "RollingUpdate"])
def test_kill_failed_pods(failed: int, normal: int, creates: int, deletes: int, strategy: dict) -> None:
    ds = ds_doc(strategy=strategy)
    pods = [pod_doc(f"failed-{i}", "node-0", SIMPLE_DS_LABEL, ds, phase="Failed") for i in range(failed)]
    pods += [pod_doc(f"normal-{i}", "node-0", SIMPLE_DS_LABEL, ds, created=i) for i in range(normal)]
    step = sync(state_of(ds, *nodes(0, 1), *pods))
    assert counts(step) == (creates, deletes)
    assert "normal-0" not in writes(step)[1], "the oldest pod is kept"


def test_daemon_kill_failed_pods_backoff() -> None:
    """TestDaemonKillFailedPodsBackoff: the first sync deletes the failed pod and starts the back-off; a sync
    within it deletes nothing (and asks to look again when it ends) without raising it; once it has passed the
    failed pod is deleted again and the back-off doubles. Upstream's fake back-off starts at 50 ms; the model's
    clock has whole seconds and kube-controller-manager's 1 s start."""
    ds = ds_doc()
    state = state_of(ds, *nodes(0, 1), pod_doc("node-0-failed", "node-0", SIMPLE_DS_LABEL, ds, phase="Failed"))
    key = dsc.failed_pods_backoff_key(DaemonSet.from_dict(ds), "node-0")
    first = sync(state)
    assert counts(first) == (0, 1)
    backoff = dsc.backoff_of(first.state.informer(NAME).memory)
    assert backoff.get(key) == 1 and backoff.in_backoff_since_update(key, 0)
    # The immediate second sync (its informer has not seen the deletion, the expectation is forgotten as upstream's
    # clearExpectations does) is limited by the back-off.
    again = attrs.evolve(first.state, informers=first.state.informers.set(NAME, attrs.evolve(
        first.state.informer(NAME), memory=first.state.informer(NAME).memory.discard("expectations"))))
    second = sync(again)
    assert counts(second) == (0, 0)
    assert dsc.backoff_of(second.state.informer(NAME).memory).get(key) == 1
    assert second.state.informer(NAME).delayed[KEY] == 1, "requeued when the back-off ends"
    third = sync(attrs.evolve(second.state, time=1))
    assert [r.message for r in third.responses if r.code == 404] == ['pods "node-0-failed" not found'], \
        "deleted again (a terminal pod went at once, so the stale cache's second deletion finds nothing)"
    assert dsc.backoff_of(third.state.informer(NAME).memory).get(key) == 2


def test_failed_pods_backoff_doubles_to_fifteen_minutes_and_expires() -> None:
    """client-go flowcontrol.Backoff as kube-controller-manager builds it (NewBackOff(1s, 15min)): Next doubles
    from 1 s up to the maximum, IsInBackOffSinceUpdate holds for the current delay after the last update, and an
    entry untouched for more than twice the maximum starts over (and is dropped from the memory)."""
    backoff, now = dsc.FailedPodsBackoff(), 0
    delays = []
    for _ in range(12):
        backoff = backoff.next("k", now)
        delays.append(backoff.get("k"))
        assert backoff.in_backoff_since_update("k", now + backoff.get("k") - 1)
        assert not backoff.in_backoff_since_update("k", now + backoff.get("k"))
        now += backoff.get("k")
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    last_update = now - 900
    assert backoff.next("k", last_update + 2 * dsc.BACKOFF_MAX).get("k") == 900, "not yet expired"
    later = last_update + 2 * dsc.BACKOFF_MAX + 1
    assert backoff.next("k", later).get("k") == 1
    assert "old" not in backoff.next("old", 0).next("k", later).entries


def test_failed_pods_are_replaced_with_back_off_in_a_running_cluster() -> None:
    """A daemon pod that keeps failing (the kubelet rejecting it, here the admin reporting it Failed) is deleted
    and recreated, each time after the back-off: 1 s, then 2 s (the controller does not hot-loop against the
    kubelet)."""
    ds = ds_doc()
    state = settle(state_of(ds, *nodes(0, 1)))
    deletions: list[int] = []
    for _ in range(3):
        (pod,) = daemon_pods(state)
        failed = attrs.evolve(pod, status=attrs.evolve(pod.status, phase="Failed"))
        state = settle(send(state, rq.UpdateStatus(ADMIN, failed)))
        while state.store.get("Pod", "default", pod.name) is not None:
            state = run(state, 1)
        deletions.append(state.time)
    assert [b - a for a, b in zip(deletions, deletions[1:], strict=False)] == [1, 2]


# --- status, deletion, claiming ------------------------------------------------------------------------------


def _status(state: ClusterState, name: str = "foo", namespace: str = "default") -> Any:
    return state.store.get("DaemonSet", namespace, name).status


@pytest.mark.parametrize("strategy", STRATEGIES, ids=["OnDelete", "RollingUpdate"])
def test_number_ready_status_and_observed_generation(strategy: dict) -> None:
    """TestNumberReadyStatus, TestObservedGeneration: the status counts ready pods once they are, and observes
    the generation the sync worked on."""
    ds = ds_doc(strategy=strategy)
    state = state_of(ds, *nodes(0, 2, SIMPLE_NODE_LABEL), *pods_on("node-0", SIMPLE_DS_LABEL, ds, 1),
                     *pods_on("node-1", SIMPLE_DS_LABEL, ds, 1))
    state = deliver(sync(state).state)
    status = _status(state)
    assert (status.number_ready, status.observed_generation, status.desired_number_scheduled,
            status.current_number_scheduled, status.updated_number_scheduled) == (0, 1, 2, 2, 2)
    state = sync(mark_ready(state)).state
    assert (_status(state).number_ready, _status(state).number_available, _status(state).number_unavailable) == \
        (2, 2, 0)


def test_status_after_launching_pods() -> None:
    """TestSimpleDaemonSetUpdatesStatusAfterLaunchingPods: the status shows the launched pods once the informer has
    seen them (upstream's fake pod control adds them to the lister within the sync; the model's first status is
    written from the cache the sync started with)."""
    state, done = rounds(state_of(ds_doc(), *nodes(0, 5)))
    assert done == (5, 0)
    assert (_status(state).desired_number_scheduled, _status(state).current_number_scheduled) == (5, 5)


def test_status_counts_misscheduled_and_the_oldest_pod_per_node() -> None:
    """updateDaemonSetStatus: a pod on a node that should not run one is misscheduled; per node the oldest pod
    (scheduled first, then by creation time) decides readiness and whether the node is up to date."""
    ds = ds_doc(nodeSelector=SIMPLE_NODE_LABEL, min_ready=10)
    state = state_of(ds, *nodes(0, 1), *nodes(1, 2, SIMPLE_NODE_LABEL),
                     pod_doc("stray", "node-0", SIMPLE_DS_LABEL, ds),
                     pod_doc("old", "node-1", SIMPLE_DS_LABEL, ds, current=False, ready=True, ready_since=0, created=1),
                     pod_doc("new", "node-1", SIMPLE_DS_LABEL, ds, ready=False, created=5),
                     pod_doc("ready", "node-2", SIMPLE_DS_LABEL, ds, ready=True, ready_since=20, created=2), now=25)
    counted = dsc.status_counts(DaemonSet.from_dict(ds), state.store.list("Node"), dsc.nodes_to_daemon_pods(
        state.store.list("Pod", "default")), template_hash(ds), 25)
    assert counted == dsc.Counts(desired_number_scheduled=2, current_number_scheduled=2, number_misscheduled=1,
                                 number_ready=2, updated_number_scheduled=1, number_available=1,
                                 number_unavailable=1)
    step = sync(state)
    assert step.state.informer(NAME).delayed[KEY] == 35, "resynced after minReadySeconds"


def test_status_update_conflict_is_retried_after_a_fresh_read() -> None:
    """storeDaemonSetStatus: a failed status update is retried once with the DaemonSet read afresh."""
    ds = ds_doc()
    state = state_of(ds, *nodes(0, 1))
    stored = state.store.get("DaemonSet", "default", "foo")
    relabelled = attrs.evolve(stored, metadata=attrs.evolve(stored.metadata, labels=FrozenDict({"edited": "yes"})))
    state = send(state, rq.Update(ADMIN, relabelled))
    step = sync(state)
    assert [r.reason for r in step.responses] == ["Created", "Conflict", "OK", "OK"]
    assert _status(step.state).desired_number_scheduled == 1
    assert KEY not in step.state.informer(NAME).failures


def test_pod_create_errors_are_slow_started_and_lower_the_expectations() -> None:
    """TestSimpleDaemonSetPodCreateErrors, TestDaemonSetPodCreateExpectationsError: with room for 10 pods (a
    quota) and 100 nodes, one sync makes at most 1+2+4+8 create calls, 10 succeed, and the creations never
    attempted or failed are no longer expected, so the DaemonSet is not stuck waiting for them."""
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pods", "namespace": "default",
                                                                          "uid": "quota"},
             "spec": {"hard": {"pods": "10"}}}
    state = state_of(ds_doc(), quota, *nodes(0, 100))
    step = sync(state)
    created = [r for r in step.responses if r.reason == "Created"]
    refused = [r for r in step.responses if r.reason == "Forbidden"]
    assert (len(created), len(created) + len(refused)) == (10, 15)
    assert KEY in step.state.informer(NAME).failures, "the sync failed and is retried with back-off"
    state = deliver(step.state)
    assert expectations(state).satisfied(KEY, state.time)
    assert _status(state).desired_number_scheduled == 100


@pytest.mark.parametrize("strategy", STRATEGIES, ids=["OnDelete", "RollingUpdate"])
def test_dont_do_anything_if_being_deleted(strategy: dict) -> None:
    """TestDontDoAnythingIfBeingDeleted: a DaemonSet being deleted is neither managed nor given a status."""
    ds = ds_doc(strategy=strategy, deleting=0)
    step = sync(state_of(ds, *nodes(0, 1), pod_doc("orphan", "node-0", SIMPLE_DS_LABEL)))
    assert step.responses == ()


@pytest.mark.parametrize("strategy", STRATEGIES, ids=["OnDelete", "RollingUpdate"])
def test_dont_do_anything_if_being_deleted_race(strategy: dict) -> None:
    """TestDontDoAnythingIfBeingDeletedRace: the cache says the DaemonSet lives, the API server that it is being
    deleted; the fresh read before adopting a matching orphan blocks every action."""
    ds = ds_doc(strategy=strategy)
    ds["metadata"]["finalizers"] = ["example.com/hold"]
    state = state_of(ds, *nodes(0, 5), pod_doc("pod1", "node-0", SIMPLE_DS_LABEL))
    state = send(state, rq.Delete(ADMIN, "DaemonSet", "default", "foo"))
    step = sync(state)
    assert counts(step) == (0, 0)
    assert [r.reason for r in step.responses] == ["OK"], "only the uncached GET"
    assert KEY in step.state.informer(NAME).failures


def test_get_nodes_to_daemon_pods_claims_and_groups() -> None:
    """TestGetNodesToDaemonPods: owned and orphaned matching pods are grouped by node (orphans adopted), finished
    pods too unless they are being deleted; non-matching pods, pods of another DaemonSet and deleted finished pods
    are not."""
    ds, ds2 = ds_doc(), ds_doc("foo2")
    wanted = [pod_doc("matching-owned-0", "node-0", SIMPLE_DS_LABEL, ds),
              pod_doc("matching-orphan-0", "node-0", SIMPLE_DS_LABEL),
              pod_doc("matching-owned-1", "node-1", SIMPLE_DS_LABEL, ds),
              pod_doc("matching-orphan-1", "node-1", SIMPLE_DS_LABEL),
              pod_doc("matching-owned-succeeded-pod-0", "node-0", SIMPLE_DS_LABEL, ds, phase="Succeeded"),
              pod_doc("matching-owned-failed-pod-1", "node-1", SIMPLE_DS_LABEL, ds, phase="Failed")]
    ignored = [pod_doc("non-matching-owned-0", "node-0", SIMPLE_DS_LABEL2, ds),
               pod_doc("non-matching-orphan-1", "node-1", SIMPLE_DS_LABEL2),
               pod_doc("matching-owned-by-other-0", "node-0", SIMPLE_DS_LABEL, ds2),
               pod_doc("matching-owned-succeeded-deleted-pod-0", "node-0", SIMPLE_DS_LABEL, ds, phase="Succeeded",
                       deleting=0),
               pod_doc("matching-owned-failed-deleted-pod-1", "node-1", SIMPLE_DS_LABEL, ds, phase="Failed",
                       deleting=0)]
    state = state_of(ds, ds2, *nodes(0, 2), *wanted, *ignored)
    grouped = dsc.nodes_to_daemon_pods(Pod.from_dict(d) for d in wanted + ignored[3:])
    assert {n: sorted(p.name for p in pods) for n, pods in grouped.items()} == {
        "node-0": ["matching-orphan-0", "matching-owned-0", "matching-owned-succeeded-pod-0"],
        "node-1": ["matching-orphan-1", "matching-owned-1", "matching-owned-failed-pod-1"]}
    step = sync(state)
    owners = {p.name: [r.uid for r in p.metadata.owner_references] for p in step.state.store.list("Pod", "default")}
    assert owners["matching-orphan-0"] == owners["matching-orphan-1"] == ["foo-uid"], "adopted"
    assert owners["non-matching-owned-0"] == [], "released"
    assert owners["matching-owned-by-other-0"] == ["foo2-uid"]


# --- event handlers ------------------------------------------------------------------------------------------


def _cache(*docs: dict) -> Objects:
    objects = Objects()
    for doc in docs:
        objects = objects.put(from_dict(doc))
    return objects


def _pod(doc: dict, rv: str = "1", **meta: Any) -> Pod:
    pod = Pod.from_dict(doc)
    return attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, resource_version=rv, **meta))


def _keys(event_type: str, obj: Any, old: Any, cache: Objects) -> list:
    return list(CONTROLLER.enqueue(WatchEvent(event_type, obj, 2), old, cache))


CONTROLLER = dsc.CONTROLLER
DS1, DS2 = ds_doc("foo1"), ds_doc("foo2")
DS3 = ds_doc("foo3", labels=SIMPLE_DS_LABEL2)
HANDLER_CACHE = _cache(DS1, DS2, DS3)


def test_add_pod_wakes_its_owner_and_observes_the_creation() -> None:
    """TestAddPod: a pod with a controller reference wakes only its owner (CreationObserved); TestAddPodOrphan:
    an orphan wakes every DaemonSet selecting it."""
    pod = _pod(pod_doc("pod1", "node-0", SIMPLE_DS_LABEL, DS1))
    assert _keys(ADDED, pod, None, HANDLER_CACHE) == [("default", "foo1")]
    step = sync(state_of(DS1, *nodes(0, 1)), ("default", "foo1"))
    memory = step.state.informer(NAME).memory
    assert not expectations_of(memory).satisfied(("default", "foo1"), 0)
    (created,) = writes(step)[0]
    observed = CONTROLLER.on_event(memory, WatchEvent(ADDED, created, 2), None, HANDLER_CACHE)
    assert expectations_of(observed).satisfied(("default", "foo1"), 0)
    orphan = _pod(pod_doc("pod1", "node-0", SIMPLE_DS_LABEL))
    assert _keys(ADDED, orphan, None, HANDLER_CACHE) == [("default", "foo1"), ("default", "foo2")]


def test_update_pod_handlers() -> None:
    """TestUpdatePod, TestUpdatePodOrphanSameLabels, TestUpdatePodOrphanWithNewLabels,
    TestUpdatePodChangeControllerRef, TestUpdatePodControllerRefRemoved."""
    owned = pod_doc("pod1", "node-0", SIMPLE_DS_LABEL, DS1)
    assert _keys(MODIFIED, _pod(owned, "2"), _pod(owned), HANDLER_CACHE) == [("default", "foo1")]
    assert _keys(MODIFIED, _pod(owned), _pod(owned), HANDLER_CACHE) == [], "a resync changes nothing"
    orphan = pod_doc("pod1", "node-0", SIMPLE_DS_LABEL)
    assert _keys(MODIFIED, _pod(orphan, "2"), _pod(orphan), HANDLER_CACHE) == []
    relabelled = _pod(orphan, labels=FrozenDict({"foo2": "bar2"}))
    assert _keys(MODIFIED, _pod(orphan, "2"), relabelled, HANDLER_CACHE) == [("default", "foo1"), ("default", "foo2")]
    moved = _pod(pod_doc("pod1", "node-0", SIMPLE_DS_LABEL, DS2))
    assert sorted(_keys(MODIFIED, _pod(owned, "2"), moved, HANDLER_CACHE)) == [("default", "foo1"), ("default", "foo2")]
    released = _pod(orphan, "2")
    assert set(_keys(MODIFIED, released, _pod(owned), HANDLER_CACHE)) == {("default", "foo1"), ("default", "foo2")}, \
        "the queue holds each key once"


def test_a_pod_turning_ready_wakes_its_owner_again_after_min_ready_seconds() -> None:
    """updatePod: with minReadySeconds the owner is also queued minReadySeconds + 1 s later."""
    ds = ds_doc("slow", min_ready=10)
    cache = _cache(ds)
    unready = _pod(pod_doc("p", "node-0", SIMPLE_DS_LABEL, ds, ready=False))
    ready = _pod(pod_doc("p", "node-0", SIMPLE_DS_LABEL, ds, ready=True), "2")
    assert _keys(MODIFIED, ready, unready, cache) == [("default", "slow"), base.After(("default", "slow"), 11)]


def test_delete_pod_handlers() -> None:
    """TestDeletePod: the owner is woken and observes the deletion (a plain count: a graceful deletion seen first
    as an update with deletionTimestamp and then as a delete is counted twice, as upstream); TestDeletePodOrphan:
    an orphan wakes nobody; TestDeleteNoDaemonPod: neither does a pod of another controller."""
    doc = pod_doc("pod1", "node-0", SIMPLE_DS_LABEL, DS1)
    step = sync(state_of(DS1, node_doc("node-0", taints=NO_EXECUTE_TAINTS), doc), ("default", "foo1"))
    assert writes(step)[1] == ["pod1"]
    memory = step.state.informer(NAME).memory
    assert expectations_of(memory).counts[("default", "foo1")].delete == 1
    terminating = _pod(doc, "2", deletion_timestamp=5)
    assert _keys(MODIFIED, terminating, _pod(doc), HANDLER_CACHE) == [("default", "foo1")]
    memory = CONTROLLER.on_event(memory, WatchEvent(MODIFIED, terminating, 2), _pod(doc), HANDLER_CACHE)
    memory = CONTROLLER.on_event(memory, WatchEvent(DELETED, terminating, 3), terminating, HANDLER_CACHE)
    assert expectations_of(memory).counts[("default", "foo1")].delete == -1
    assert _keys(DELETED, _pod(pod_doc("pod1", "node-0", SIMPLE_DS_LABEL)), None, HANDLER_CACHE) == []
    foreign = pod_doc("pod_0", "node1", {"app": "x"})
    foreign["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                                               "uid": "rs-uid", "controller": True}]
    assert _keys(DELETED, _pod(foreign), None, HANDLER_CACHE) == []


SELECTING = ds_doc("ds", nodeSelector=SIMPLE_NODE_LABEL)


@pytest.mark.parametrize("old, new, ds, enqueued", [
    # TestUpdateNode.
    (node_doc("node1"), node_doc("node1"), SELECTING, False),  # Nothing changed, should not enqueue
    (node_doc("node1"), node_doc("node1", SIMPLE_NODE_LABEL), SELECTING, True),  # Node labels changed
    (node_doc("node1", taints=NO_SCHEDULE_TAINTS), node_doc("node1"), ds_doc("ds"), True),  # Node taints changed
    (node_doc("node1"), node_doc("node1", allocatable={"memory": "200M", "cpu": "200m", "pods": "100"}),
     ds_doc("ds"), False),  # Node Allocatable changed
    # shouldIgnoreNodeUpdate: cordoning alone is ignored (the unschedulable taint follows, and is tolerated).
    (node_doc("node1"), node_doc("node1", unschedulable=True), ds_doc("ds"), False),
    (node_doc("node1"), node_doc("node1", taints=[_taint("node.kubernetes.io/unschedulable", "NoSchedule")]),
     ds_doc("ds"), False),
    # A change that does not change the verdict.
    (node_doc("node1"), node_doc("node1", SIMPLE_NODE_LABEL), ds_doc("ds"), False),
])
def test_update_node(old: dict, new: dict, ds: dict, enqueued: bool) -> None:
    keys = _keys(MODIFIED, Node.from_dict(new), Node.from_dict(old), _cache(ds, new))
    assert keys == ([("default", "ds")] if enqueued else [])


def test_add_node_wakes_the_daemon_sets_that_should_run_there() -> None:
    """TestAddNode; a deleted node wakes nobody."""
    cache = _cache(ds_doc("ds", nodeSelector=SIMPLE_NODE_LABEL), ds_doc("all"))
    plain, labelled = Node.from_dict(node_doc("node1")), Node.from_dict(node_doc("node2", SIMPLE_NODE_LABEL))
    assert _keys(ADDED, plain, None, cache) == [("default", "all")]
    assert _keys(ADDED, labelled, None, cache) == [("default", "all"), ("default", "ds")]
    assert _keys(DELETED, labelled, labelled, cache) == []


def test_expectations_on_recreate() -> None:
    """TestExpectationsOnRecreate: a sync that creates leaves unmet expectations; deleting the DaemonSet drops
    them, so a new DaemonSet of the same name (another uid) syncs at once and creates its own pod."""
    state = state_of(ds_doc(), node_doc("master-0"))
    state = sync(state).state
    assert not expectations(state).satisfied(KEY, state.time)
    ds = state.store.get("DaemonSet", "default", "foo")
    state = deliver(send(state, rq.Delete(ADMIN, "DaemonSet", "default", "foo")))
    assert KEY not in expectations(state).counts
    recreated = DaemonSet.from_dict(ds_doc())
    recreated = attrs.evolve(recreated, metadata=attrs.evolve(recreated.metadata, uid=None))
    state = deliver(send(state, rq.Create(ADMIN, recreated)))
    assert state.store.get("DaemonSet", "default", "foo").metadata.uid != ds.metadata.uid
    created, _ = writes(sync(state))
    assert [p.metadata.controller_ref().uid for p in created] == [state.store.get("DaemonSet", "default",
                                                                                  "foo").metadata.uid]


# --- surge (daemon_controller_test.go) --------------------------------------------------------------------


def _surge_state(*pods: Callable[[dict], dict], min_ready: int = 0, now: int = 0) -> tuple[dict, ClusterState]:
    ds = ds_doc(strategy=surge(1), min_ready=min_ready)
    return ds, state_of(ds, *nodes(0, 5), *(make(ds) for make in pods), now=now)


def _old(name: str, node: str, **fields: Any) -> Callable[[dict], dict]:
    return lambda ds: pod_doc(name, node, SIMPLE_DS_LABEL, ds, current=False, **fields)


def _new(name: str, node: str, **fields: Any) -> Callable[[dict], dict]:
    return lambda ds: pod_doc(name, node, SIMPLE_DS_LABEL, ds, **fields)


def test_surge_deals_with_existing_pods() -> None:
    """TestSurgeDealsWithExistingPods."""
    ds = ds_doc(strategy=surge(1))
    state = state_of(ds, *nodes(0, 5), *pods_on("node-1", SIMPLE_DS_LABEL, ds, 1),
                     *pods_on("node-2", SIMPLE_DS_LABEL, ds, 2), *pods_on("node-3", SIMPLE_DS_LABEL, ds, 5),
                     *pods_on("node-4", SIMPLE_DS_LABEL2, ds, 2))
    assert counts(sync(state)) == (2, 5)


@pytest.mark.parametrize("pods, min_ready, now, creates, deleted", [
    # TestSurgePreservesReadyOldPods: the current pod, and the oldest old pod as it is ready, stay.
    ([_new("node-1-new", "node-1", created=100), _old("node-1-old", "node-1", created=50, ready=True),
      _old("node-1-delete", "node-1", created=60, ready=True), _new("node-2-0", "node-2")],
     0, 0, 3, ["node-1-delete"]),
    # TestSurgeCreatesNewPodWhenAtMaxSurgeAndOldPodDeleted: node-4 has only a pod being deleted.
    ([_new("node-0-new", "node-0", created=100, ready=False), _old("node-0-old-ready", "node-0", created=50,
                                                                  ready=True)]
     + [_old(f"node-{i}-preserve", f"node-{i}", created=1, ready=True) for i in range(1, 4)]
     + [_old("node-4-preserve", "node-4", created=1, ready=True, deleting=31)], 0, 0, 1, []),
    # TestSurgeDeletesUnreadyOldPods.
    ([_new("node-1-new", "node-1", created=100), _old("node-1-old-unready", "node-1", created=50, ready=False),
      _old("node-1-delete", "node-1", created=60, ready=True), _new("node-2-0", "node-2")],
     0, 0, 3, ["node-1-delete", "node-1-old-unready"]),
    # TestSurgePreservesOldReadyWithUnsatisfiedMinReady: ready for 10 s of the 15 needed.
    ([_new("node-1-new", "node-1", created=100, ready=True, ready_since=50),
      _old("node-1-old-ready", "node-1", created=50, ready=True),
      _old("node-1-delete", "node-1", created=60, ready=True), _new("node-2-0", "node-2")],
     15, 60, 3, ["node-1-delete"]),
    # TestSurgeDeletesOldReadyWithUnsatisfiedMinReady: ready for 20 s, so available.
    ([_new("node-1-new", "node-1", created=100, ready=True, ready_since=50),
      _old("node-1-old-ready", "node-1", created=50, ready=True),
      _old("node-1-delete", "node-1", created=60, ready=True), _new("node-2-0", "node-2")],
     15, 70, 3, ["node-1-delete", "node-1-old-ready"]),
])
def test_surge_keeps_the_oldest_old_pod_until_the_new_one_is_available(
        pods: list, min_ready: int, now: int, creates: int, deleted: list[str]) -> None:
    _, state = _surge_state(*pods, min_ready=min_ready, now=now)
    created, removed = writes(sync(state))
    assert (len(created), sorted(removed)) == (creates, deleted)


# --- rolling updates (update_test.go) --------------------------------------------------------------------


def _launched(strategy: dict | None = None, node_count: int = 5, ready: bool = True,
              **template: Any) -> ClusterState:
    """A DaemonSet whose pods the controller created on ``node_count`` nodes (and the test marked ready)."""
    state, done = rounds(state_of(ds_doc(strategy=strategy, **template), *nodes(0, node_count)))
    assert done == (node_count, 0)
    return mark_ready(state) if ready else state


def _round_counts(state: ClusterState, *phases: Any) -> tuple[list[tuple[int, int]], ClusterState]:
    """Run ``rounds`` for each phase; a callable phase transforms the state in between (e.g. mark pods ready)."""
    seen = []
    for phase in phases:
        if callable(phase):
            state = phase(state)
        else:
            state, done = rounds(state)
            seen.append(done)
    return seen, state


def test_daemon_set_updates_pods() -> None:
    """TestDaemonSetUpdatesPods (maxUnavailable 2, five nodes): upstream's syncs (0,2),(2,0) | (0,2),(2,0) |
    (0,1),(1,0) | (0,0), each pair one round here."""
    state = update_ds(_launched(), image="foo2/bar2", strategy=unavailable(2))
    seen, state = _round_counts(state, "r", mark_ready, "r", mark_ready, "r", mark_ready, "r")
    assert seen == [(2, 2), (2, 2), (1, 1), (0, 0)]
    assert {p.labels[dsc.HASH_LABEL] for p in daemon_pods(state)} == {current_hash(state)}


def test_daemon_set_updates_pods_with_max_surge() -> None:
    """TestDaemonSetUpdatesPodsWithMaxSurge (maxSurge 2): (2,0),(0,0) | (2,2),(0,0) | (1,2),(0,0) | (0,1)."""
    state = update_ds(_launched(), image="foo2/bar2", strategy=surge(2))
    seen, state = _round_counts(state, "r", mark_ready, "r", mark_ready, "r", mark_ready, "r")
    assert seen == [(2, 0), (2, 2), (1, 2), (0, 1)]
    assert len(daemon_pods(state)) == 5


def test_daemon_set_updates_pods_not_match_taints_with_max_surge() -> None:
    """TestDaemonSetUpdatesPodsNotMatchTainstWithMaxSurge: node-0 is a tainted control-plane node the new template
    no longer tolerates; its old pod goes only while more pods are available than desired."""
    ds = ds_doc(strategy=surge(1), tolerations=[{"key": "node-role.kubernetes.io/control-plane",
                                                 "operator": "Exists"}])
    tainted = node_doc("node-0", taints=[_taint("node-role.kubernetes.io/control-plane", "NoSchedule")])
    state, done = rounds(state_of(ds, tainted, *nodes(1, 4)))
    assert done == (5, 0)
    state = update_ds(mark_ready(state), tolerations=())
    seen, state = _round_counts(state, "r", mark_ready, "r", mark_ready, "r", mark_ready, "r", mark_ready, "r")
    assert seen == [(1, 1), (1, 1), (1, 1), (1, 1), (0, 1)]
    assert sorted(dsc.target_node_name(p) for p in daemon_pods(state)) == [f"node-{i}" for i in range(1, 5)]


@pytest.mark.parametrize("max_unavailable, ready, expected", [
    (3, True, [(3, 3), (0, 0)]),  # TestDaemonSetUpdatesWhenNewPodIsNotReady: the new pods never turn ready
    (3, False, [(5, 5), (0, 0)]),  # TestDaemonSetUpdatesAllOldPodsNotReady: unavailable old pods go at once
])
def test_daemon_set_updates_with_unready_pods(max_unavailable: int, ready: bool, expected: list) -> None:
    state = update_ds(_launched(ready=ready), image="foo2/bar2", strategy=unavailable(max_unavailable))
    assert _round_counts(state, "r", "r")[0] == expected


def test_daemon_set_updates_no_template_changed() -> None:
    """TestDaemonSetUpdatesNoTemplateChanged: switching to RollingUpdate alone replaces nothing."""
    state = update_ds(_launched(ready=False), strategy=unavailable(3))
    assert _round_counts(state, "r")[0] == [(0, 0)]


def test_daemon_set_updates_all_old_pods_not_ready_max_surge() -> None:
    """TestDaemonSetUpdatesAllOldPodsNotReadyMaxSurge (maxSurge 3): unready old pods are surged past at once and
    deleted; then, with minReadySeconds 15, new pods replace old ones only once available."""
    state = attrs.evolve(update_ds(_launched(ready=False), image="foo2/bar2", strategy=surge(3)), time=100)
    state, done = rounds(state)
    assert done == (5, 5), "upstream (5,0) at t=100 then (0,5) at t=200"
    state = mark_ready(attrs.evolve(state, time=200))
    state = update_ds(state, image="foo3/bar3", min_ready=15)
    state, done = rounds(attrs.evolve(state, time=300))
    assert done == (3, 0)
    hash_ = current_hash(state)
    current_nodes = {dsc.target_node_name(p) for p in daemon_pods(state) if p.labels.get(dsc.HASH_LABEL) == hash_}
    state = mark_ready(state, count=2, which=lambda p: p.labels.get(dsc.HASH_LABEL) == hash_)
    state = mark_ready(state, ready=False, count=1, which=lambda p: p.labels.get(dsc.HASH_LABEL) != hash_
                       and dsc.target_node_name(p) not in current_nodes)
    state, done = rounds(attrs.evolve(state, time=310))
    assert done == (1, 1), "the unready old pod is surged past and then deleted (upstream: (1,0), the deletion " \
        "comes with its next sync at t=320)"
    state, done = rounds(attrs.evolve(state, time=320))
    assert done == (1, 2), "the new pods are available: their old pods go, one more node surges (upstream (1,3))"
    state = mark_ready(state, count=3, which=lambda p: p.labels.get(dsc.HASH_LABEL) == hash_)
    state, done = rounds(attrs.evolve(state, time=340))
    assert done == (0, 2)
    state, done = rounds(attrs.evolve(state, time=350))
    assert done == (0, 0)
    assert all(p.labels[dsc.HASH_LABEL] == hash_ for p in daemon_pods(state)) and len(daemon_pods(state)) == 5


# --- the whole model on the example cluster ---------------------------------------------------------------


EXPORTER = ("kube-system", "node-exporter")
ELIGIBLE = ("cp-1", "worker-1", "worker-2", "worker-3")
"""The example cluster's nodes node-exporter runs on: it tolerates the control-plane taint, not the GPU one."""


def example(config: ModelConfig = FAITHFUL, host_port: bool = True) -> ClusterState:
    """The example cluster with the example node-exporter DaemonSet, settled (without its host port, the new pod
    of a surge can sit beside the old one)."""
    objects = list(load(DIRECTORY / "cluster.yaml"))
    (exporter,) = [o for o in load(DIRECTORY / "workloads.yaml") if o.kind == "DaemonSet"]
    if not host_port:
        container = attrs.evolve(exporter.spec.template.spec.containers[0], ports=())
        exporter = attrs.evolve(exporter, spec=attrs.evolve(exporter.spec, template=attrs.evolve(
            exporter.spec.template, spec=attrs.evolve(exporter.spec.template.spec, containers=(container,)))))
    return settle(cluster.initial_state([*objects, exporter]), config)


def exporters(state: ClusterState) -> dict[str, list[Pod]]:
    """Live node-exporter pods by the node they are bound to ('' for pending ones)."""
    found: dict[str, list[Pod]] = {}
    for pod in daemon_pods(state, "kube-system"):
        found.setdefault(pod.spec.node_name or "", []).append(pod)
    return found


def exporter_status(state: ClusterState) -> Any:
    return state.store.get("DaemonSet", *EXPORTER).status


def edit_node(state: ClusterState, name: str, taints: Iterable[dict] = (), unschedulable: bool | None = None,
              config: ModelConfig = FAITHFUL) -> ClusterState:
    node = state.store.get("Node", None, name)
    spec = attrs.evolve(node.spec, taints=node.spec.taints + tuple(Node.from_dict(node_doc(name, taints=list(
        taints))).spec.taints))
    if unschedulable is not None:
        spec = attrs.evolve(spec, unschedulable=unschedulable)
    return settle(send(state, rq.Update(ADMIN, attrs.evolve(node, spec=spec))), config)


def drive(state: ClusterState, config: ModelConfig = FAITHFUL, choose: Callable[[list], Any] = lambda a: a[0],
          check: Callable[[ClusterState], None] = lambda s: None, limit: int = 4000) -> ClusterState:
    """Run every component but the clock and faults, taking the action ``choose`` picks, checking each state."""
    for _ in range(limit):
        actions = [a for a in cluster.enabled(state, config) if not isinstance(a, HELD)]
        if not actions:
            return state
        state = cluster.apply(state, choose(actions), config)
        check(state)
    raise AssertionError(f"not quiescent after {limit} actions")


def test_one_daemon_pod_per_eligible_node() -> None:
    """node-exporter runs once on every node it tolerates: the control-plane node (its own toleration) and the
    workers, not the GPU node (an untolerated NoSchedule taint). Each pod was created for its node with the
    ``metadata.name`` node affinity and bound there by the default scheduler."""
    state = example()
    placed = exporters(state)
    assert sorted(placed) == list(ELIGIBLE) and all(len(pods) == 1 for pods in placed.values())
    for node, (pod,) in placed.items():
        assert dsc.target_node_name(attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=None))) == node
        assert pod.status.condition("PodScheduled").status == "True" and pod.is_ready
    status = exporter_status(state)
    assert (status.desired_number_scheduled, status.current_number_scheduled, status.number_ready,
            status.number_available, status.updated_number_scheduled, status.number_misscheduled,
            status.number_unavailable, status.observed_generation) == (4, 4, 4, 4, 4, 0, 0, 1)


def test_daemon_pods_follow_a_node_joining() -> None:
    """A node that joins gets its daemon pod, bound there by the scheduler."""
    state = settle(send(example(), rq.Create(ADMIN, from_dict(node_doc("worker-4", {"kubernetes.io/os": "linux"})))))
    assert [p.spec.node_name for p in exporters(state)["worker-4"]] == ["worker-4"]
    assert exporter_status(state).desired_number_scheduled == 5


def test_a_node_leaving() -> None:
    """A deleted node wakes no DaemonSet and its bound pod is left to the pod garbage collector (not modelled);
    the next sync no longer counts the node. A pod still waiting for a node that is gone is deleted
    (getUnscheduledPodsWithoutNode)."""
    state = settle(send(example(), rq.Delete(ADMIN, "Node", None, "worker-3")))
    assert sorted(exporters(state)) == list(ELIGIBLE), "nothing happened"
    state = settle(sync(state, EXPORTER).state)
    assert exporter_status(state).desired_number_scheduled == 3
    assert sorted(exporters(state)) == list(ELIGIBLE), "no replacement, and the orphaned pod is the pod GC's"
    # A node that joins and leaves before the scheduler binds its daemon pod.
    state = deliver(send(state, rq.Create(ADMIN, from_dict(node_doc("worker-4")))))
    state = deliver(sync(state, EXPORTER).state)
    (waiting,) = exporters(state)[""]
    assert dsc.target_node_name(waiting) == "worker-4"
    state = deliver(send(state, rq.Delete(ADMIN, "Node", None, "worker-4")))
    step = sync(state, EXPORTER)
    assert writes(step)[1] == [waiting.name]


@pytest.mark.parametrize("effect", ["NoExecute", "NoSchedule"])
def test_a_tainted_node(effect: str) -> None:
    """A NoExecute taint the pod does not tolerate evicts it (the controller deletes it, so does the taint eviction
    controller) and no new one comes; with a NoSchedule taint the running pod stays, is counted misscheduled, and
    once gone is not replaced."""
    state = edit_node(example(), "worker-1", [{"key": "maintenance", "value": "true", "effect": effect}])
    status = exporter_status(state)
    if effect == "NoExecute":
        assert "worker-1" not in exporters(state)
        assert (status.desired_number_scheduled, status.number_misscheduled) == (3, 0)
        return
    (pod,) = exporters(state)["worker-1"]
    assert (status.desired_number_scheduled, status.number_misscheduled) == (3, 1)
    state = settle(send(state, rq.Delete(ADMIN, "Pod", "kube-system", pod.name, grace_period_seconds=0)))
    assert "worker-1" not in exporters(state)


def test_a_cordoned_node_keeps_and_gets_daemon_pods() -> None:
    """Cordoning sets ``spec.unschedulable``; the node lifecycle controller adds the unschedulable taint, which
    daemon pods tolerate: the pod stays, and a replacement is scheduled there (a plain pod is not)."""
    state = edit_node(example(), "worker-3", unschedulable=True)
    taints = state.store.get("Node", None, "worker-3").spec.taints
    assert [t.key for t in taints] == ["node.kubernetes.io/unschedulable"]
    (pod,) = exporters(state)["worker-3"]
    plain = pod_doc("plain", "", {"app": "plain"}, nodeSelector={"kubernetes.io/hostname": "worker-3"})
    del plain["metadata"]["uid"]
    state = settle(send(state, rq.Delete(ADMIN, "Pod", "kube-system", pod.name, grace_period_seconds=0)))
    state = settle(send(state, rq.Create(ADMIN, from_dict(plain))))
    (replacement,) = exporters(state)["worker-3"]
    assert replacement.name != pod.name and replacement.is_ready
    assert state.store.get("Pod", "default", "plain").spec.node_name is None
    assert exporter_status(state).desired_number_scheduled == 4


def _unavailable_nodes(state: ClusterState) -> list[str]:
    """Eligible nodes without a ready daemon pod that is not being deleted."""
    placed = exporters(state)
    return [n for n in ELIGIBLE if not any(p.is_ready for p in placed.get(n, ()))]


@given(st.sampled_from([1, 2, "50%"]), st.randoms(use_true_random=False))
@settings(max_examples=5, deadline=None)
def test_rolling_update_respects_max_unavailable(max_unavailable: int | str, random: Any) -> None:
    """Whatever the interleaving of informers, scheduler, kubelets and controllers, a rolling update never has
    more than maxUnavailable eligible nodes without a ready daemon pod, uses that budget, and ends with every
    node running one updated pod."""
    budget = {1: 1, 2: 2, "50%": 2}[max_unavailable]
    state = update_ds(example(host_port=False), "node-exporter", image="prom/node-exporter:v1.9.0",
                      strategy=unavailable(max_unavailable), namespace="kube-system")
    seen: list[int] = []

    def check(state: ClusterState) -> None:
        seen.append(len(_unavailable_nodes(state)))
        assert seen[-1] <= budget, _unavailable_nodes(state)
    state = drive(state, choose=random.choice, check=check)
    assert max(seen) == budget
    hash_ = current_hash(state, *EXPORTER[::-1])
    assert {n: [p.labels[dsc.HASH_LABEL] for p in pods] for n, pods in exporters(state).items()} == \
        {n: [hash_] for n in ELIGIBLE}
    assert exporter_status(state).updated_number_scheduled == 4


@given(st.randoms(use_true_random=False))
@settings(max_examples=5, deadline=None)
def test_surge_creates_the_new_pod_before_deleting_the_old(random: Any) -> None:
    """With maxSurge 1 every eligible node keeps a ready pod throughout, at most one node runs two, and the
    update completes."""
    state = update_ds(example(host_port=False), "node-exporter", image="prom/node-exporter:v1.9.0",
                      strategy=surge(1), namespace="kube-system")
    doubled: list[int] = []

    def check(state: ClusterState) -> None:
        assert _unavailable_nodes(state) == []
        doubled.append(sum(len(pods) > 1 for node, pods in exporters(state).items() if node))
        assert doubled[-1] <= 1
    state = drive(state, choose=random.choice, check=check)
    assert max(doubled) == 1
    assert {p.labels[dsc.HASH_LABEL] for p in daemon_pods(state, "kube-system")} == \
        {current_hash(state, *EXPORTER[::-1])}


def test_surge_with_a_host_port_cannot_place_the_new_pod() -> None:
    """node-exporter binds host port 9100: the surge pod cannot be scheduled beside the old one (NodePorts), so the
    update waits with every old pod running, as upstream (surge and host ports do not mix)."""
    state = update_ds(example(), "node-exporter", image="prom/node-exporter:v1.9.0", strategy=surge(1),
                      namespace="kube-system")
    state = settle(state)
    (pending,) = exporters(state)[""]
    assert "didn't have free ports" in pending.status.condition("PodScheduled").message
    assert all(len(exporters(state)[n]) == 1 and exporters(state)[n][0].is_ready for n in ELIGIBLE)
    assert exporter_status(state).updated_number_scheduled == 0


def test_on_delete_replaces_only_the_pods_the_user_deletes() -> None:
    """OnDelete: a template change touches no pod; a deleted pod comes back with the new template."""
    state = update_ds(example(), "node-exporter", image="prom/node-exporter:v1.9.0", strategy=ON_DELETE,
                      namespace="kube-system")
    state = settle(state)
    before = {n: pods[0].name for n, pods in exporters(state).items()}
    assert exporter_status(state).updated_number_scheduled == 0
    state = settle(send(state, rq.Delete(ADMIN, "Pod", "kube-system", before["worker-2"])))
    after = exporters(state)
    assert {n: pods[0].name for n, pods in after.items() if n != "worker-2"} == \
        {n: name for n, name in before.items() if n != "worker-2"}
    assert after["worker-2"][0].spec.containers[0].image == "prom/node-exporter:v1.9.0"
    assert exporter_status(state).updated_number_scheduled == 1


# --- the daemonset-bypasses-scheduler variant (kubernetes/kubernetes#16967) -------------------------------


def test_bypassing_the_scheduler_places_pods_on_tainted_nodes() -> None:
    """The variant writes ``spec.nodeName`` itself and ignores taints: node-exporter lands on the GPU node, whose
    NoSchedule taint it does not tolerate; the faithful controller leaves it alone."""
    faithful, variant = example(), example(BYPASS)
    assert "gpu-1" not in exporters(faithful)
    (pod,) = exporters(variant)["gpu-1"]
    assert pod.spec.affinity is None, "never went through the scheduler"
    assert exporter_status(variant).desired_number_scheduled == 5


def test_bypassing_the_scheduler_fights_a_no_execute_taint() -> None:
    """On a node with an untolerated NoExecute taint the variant keeps creating pods that the kubelet rejects and
    the taint eviction controller deletes, without end; the faithful controller deletes its pod once and stops."""
    taint = {"key": "maintenance", "value": "true", "effect": "NoExecute"}
    made: dict[str, int] = {}
    for label, config in (("faithful", FAITHFUL), ("variant", BYPASS)):
        state = example(config)
        node = state.store.get("Node", None, "worker-1")
        state = send(state, rq.Update(ADMIN, attrs.evolve(node, spec=attrs.evolve(
            node.spec, taints=Node.from_dict(node_doc("worker-1", taints=[taint])).spec.taints))))
        made[label] = 0
        for _ in range(600):
            actions = [a for a in cluster.enabled(state, config) if not isinstance(a, HELD)]
            if not actions:
                break
            step = cluster.step(state, actions[0], config)
            made[label] += sum(e.type == ADDED and e.object.kind == "Pod" and e.object.spec.node_name == "worker-1"
                               for e in step.events)
            state = step.state
        else:
            made[label] = -made[label]
    assert made["faithful"] == 0
    assert made["variant"] <= -3, "still creating pods after 600 actions"


@given(st.lists(st.tuples(st.sampled_from(["", "a", "b"]), st.sampled_from(["", "NoSchedule", "NoExecute"]),
                          st.booleans()), min_size=1, max_size=4),
       st.sampled_from([None, "a"]), st.sampled_from([None, "NoSchedule", "NoExecute"]))
@settings(max_examples=15, deadline=None)
def test_daemon_pods_run_exactly_on_the_nodes_that_should_run_them(
        node_specs: list[tuple[str, str, bool]], selector: str | None, tolerated: str | None) -> None:
    """On any set of nodes (labels, a taint, cordoned or not), after the cluster settles each node runs one
    daemon pod exactly when NodeShouldRunDaemonPod says it should, and the status agrees."""
    node_docs = []
    for i, (label, effect, cordoned) in enumerate(node_specs):
        taints = [_taint("dedicated", effect, "x")] if effect else []
        node_docs.append(node_doc(f"n{i}", {"pool": label} if label else {}, taints=taints, unschedulable=cordoned))
    template: dict[str, Any] = {}
    if selector:
        template["nodeSelector"] = {"pool": selector}
    if tolerated:
        template["tolerations"] = [{"key": "dedicated", "operator": "Exists", "effect": tolerated}]
    ds = ds_doc(**template)
    state = settle(state_of(ds, *node_docs))
    ds_obj = state.store.get("DaemonSet", "default", "foo")
    placed = {}
    for pod in daemon_pods(state):
        placed.setdefault(pod.spec.node_name, []).append(pod)
    expected = [n.name for n in state.store.list("Node") if dsc.node_should_run_daemon_pod(n, ds_obj)[0]]
    assert sorted(placed) == expected and all(len(pods) == 1 for pods in placed.values())
    assert ds_obj.status.desired_number_scheduled == ds_obj.status.current_number_scheduled == len(expected)
