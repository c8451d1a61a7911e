"""VolumeBinding's Reserve and PreBind (model.scheduler.volume_binding), alone and end to end with the scheduler
component, the PersistentVolume controller and the kubelets.

Ported from kubernetes/kubernetes ``pkg/scheduler/framework/plugins/volumebinding/``: ``binder_test.go``
(TestAssumePodVolumes, TestCheckBindings, TestBindPodVolumes: its static and dynamic successes after the PV
controller's work, "bound-by-pv-controller-before-bind", "pod-deleted-after-time", "binding-times-out", and the
selected-node checks) and ``volume_binding_test.go`` (TestVolumeBinding's "local volumes with close capacity are
preferred": which volume each node would bind). The scenarios drive the model's own API server and informers
instead of fake clients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from model import cluster
from model.actions import DeliverWatchEvent, Submit, SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.controllers import base
from model.controllers import persistentvolume as pvc_controller
from model.controllers.base import CONTROLLER_MANAGER
from model.kubelet.component import ContainerBecomesReady, KubeletSyncPod
from model.manifests import from_dict
from model.objects import PersistentVolume, PersistentVolumeClaim, Pod
from model.scheduler import component as scheduler
from model.scheduler import volume_binding as vb
from model.scheduler.component import FinishBinding, FlushUnschedulable, SchedulePod
from model.scheduler.filters import DEFAULT_PROFILE
from model.scheduler.snapshot import Snapshot
from model.scheduler.volumes import ERR_BIND_CONFLICT, PodVolumes, binding_pre_filter, find_pod_volumes
from model.state import ClusterState, behind
from model.store import Objects
from tests.model.driving import run_until_idle
from tests.model.scheduler.builders import claim_volume, make_node, make_pod, make_pv, make_pvc

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
DRIVER = "csi.example.com"
CONTROLLERS = ("statefulset-controller", pvc_controller.NAME)


# --- objects --------------------------------------------------------------------------------------------------


def _node(name: str, zone: str) -> dict:
    resources = {"cpu": "8", "memory": "16Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {HOSTNAME: name, ZONE: zone}},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def _csi_node(name: str) -> dict:
    return {"apiVersion": "storage.k8s.io/v1", "kind": "CSINode", "metadata": {"name": name},
            "spec": {"drivers": [{"name": DRIVER, "nodeID": name, "topologyKeys": [ZONE]}]}}


def _class(name: str, provisioner: str) -> dict:
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
            "provisioner": provisioner, "volumeBindingMode": "WaitForFirstConsumer"}


LOCAL = _class("local", "kubernetes.io/no-provisioner")
CSI = _class("csi", DRIVER)


def _local_pv(name: str, node: str, size: str = "1Gi") -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
            "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "storageClassName": "local",
                     "local": {"path": f"/mnt/{name}"},
                     "nodeAffinity": {"required": {"nodeSelectorTerms": [
                         {"matchExpressions": [{"key": HOSTNAME, "operator": "In", "values": [node]}]}]}}}}


def _claim(name: str, klass: str, size: str = "1Gi") -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": klass,
                     "resources": {"requests": {"storage": size}}}}


def _pod(name: str, *claims: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1",
                                     "volumeMounts": [{"name": c, "mountPath": f"/{c}"} for c in claims]}],
                     "volumes": [claim_volume(c, c) for c in claims]}}


def _stateful_set(klass: str) -> dict:
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
        {"name": "app", "image": "nginx:1", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 1, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
                     "template": template, "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                         "accessModes": ["ReadWriteOnce"], "storageClassName": klass,
                         "resources": {"requests": {"storage": "1Gi"}}}}]}}


# --- driving the model ------------------------------------------------------------------------------------------


def _start(*docs: dict) -> ClusterState:
    nodes = (_node("node-a", "z1"), _node("node-b", "z2"))
    state = cluster.initial_state([from_dict(d) for d in (*nodes, *docs)])
    while state.pending:
        state = cluster.apply(state, SubmitPending())
    return state


def _available(state: ClusterState) -> ClusterState:
    """The PV controller's first syncs: new volumes become Available (the scheduler only binds those)."""
    for _ in range(200):
        actions = [a for a in cluster.enabled(state) if a == DeliverWatchEvent(CONTROLLER_MANAGER)
                   or (isinstance(a, base.Reconcile) and a.controller == pvc_controller.NAME)]
        if not actions:
            return state
        state = cluster.apply(state, actions[0])
    raise AssertionError("the PV controller did not settle")


def _allowed(action: Any) -> bool:
    if isinstance(action, base.Reconcile):
        return action.controller in CONTROLLERS
    return isinstance(action, (DeliverWatchEvent, SchedulePod, FinishBinding, FlushUnschedulable, KubeletSyncPod,
                               ContainerBecomesReady))


def _claims_bound(state: ClusterState) -> None:
    """PreBind before Bind: a pod is bound to a node only once every claim it uses is fully bound."""
    for pod in state.store.list("Pod"):
        if pod.node_name:
            for volume in pod.spec.volumes:
                pvc = state.store.get("PersistentVolumeClaim", pod.namespace, volume.persistent_volume_claim.claim_name)
                assert pvc.spec.volume_name and BIND_COMPLETED in pvc.metadata.annotations, (pod.name, pvc)


def _settle(state: ClusterState, idle: int = 30, limit: int = 3000,
            check: Callable[[ClusterState], None] = _claims_bound) -> ClusterState:
    """Run informers, the StatefulSet and PV controllers, the scheduler and the kubelets (time passing when nothing
    is enabled) until the store has not changed for ``idle`` seconds, checking ``check`` after every step."""
    return run_until_idle(state, _allowed, idle, limit, check)


def _deliver(state: ClusterState, component: str = scheduler.NAME) -> ClusterState:
    while behind(state, component):
        state = cluster.apply(state, DeliverWatchEvent(component))
    return state


def _send(state: ClusterState, request: Any) -> ClusterState:
    step = cluster.step(state, Submit(request))
    assert step.responses[0].ok, step.responses[0]
    return step.state


def _schedule(state: ClusterState, name: str) -> cluster.Step:
    """The scheduler's informer catches up, then one scheduling cycle of pod ``name`` (the first node offered)."""
    state = _deliver(state)
    action = next(a for a in cluster.enabled(state) if isinstance(a, SchedulePod) and a.name == name)
    return cluster.step(state, action)


def _pod_of(state: ClusterState, name: str) -> Pod:
    return state.store.get("Pod", "default", name)


def _pvc(state: ClusterState, name: str) -> PersistentVolumeClaim:
    return state.store.get("PersistentVolumeClaim", "default", name)


def _pv(state: ClusterState, name: str) -> PersistentVolume:
    return state.store.get("PersistentVolume", None, name)


def _memory(state: ClusterState, name: str) -> Any:
    return state.informer(scheduler.NAME).memory.get(name, {})


def _scheduled_condition(pod: Pod) -> tuple[str, str, str]:
    condition = pod.status.condition("PodScheduled")
    return condition.status, condition.reason or "", condition.message or ""


def _finishes(state: ClusterState) -> list[FinishBinding]:
    return [a for a in cluster.enabled(state) if isinstance(a, FinishBinding)]


# --- end to end -------------------------------------------------------------------------------------------------


def test_a_stateful_set_pod_lands_on_the_node_of_its_static_local_volume_and_runs() -> None:
    """A StatefulSet's claim of a WaitForFirstConsumer class without a provisioner, one local volume pinned to
    node-b: node-a is infeasible (no volume to bind there), the scheduler pre-binds the volume, the PV controller
    completes the binding, and only then is the pod bound to node-b, where it runs."""
    state = _settle(_start(LOCAL, _local_pv("local-b", "node-b"), _stateful_set("local")))
    pod = _pod_of(state, "web-0")
    assert pod.node_name == "node-b" and pod.status.phase == "Running"
    pvc, pv = _pvc(state, "data-web-0"), _pv(state, "local-b")
    assert pvc.spec.volume_name == "local-b" and pvc.status.phase == "Bound"
    assert pv.spec.claim_ref.name == "data-web-0" and pv.spec.claim_ref.uid == pvc.metadata.uid
    assert pv.status.phase == "Bound" and pv.metadata.annotations[BOUND_BY_CONTROLLER] == "yes"
    assert not _memory(state, "prebind") and not _memory(state, "assumed-volumes")


def test_a_dynamically_provisioned_volume_gets_the_chosen_nodes_topology() -> None:
    """A claim of a WaitForFirstConsumer class with a CSI provisioner: the scheduler annotates it with the chosen
    node, the provisioner creates a volume in that node's zone (the driver's topology key), the claim binds to it,
    and the pod is bound and runs there."""
    state = _settle(_start(CSI, _csi_node("node-a"), _csi_node("node-b"), _claim("data", "csi"),
                           _pod("app", "data")))
    pod, pvc = _pod_of(state, "app"), _pvc(state, "data")
    assert pod.node_name in ("node-a", "node-b") and pod.status.phase == "Running"
    assert pvc.metadata.annotations[SELECTED_NODE] == pod.node_name and pvc.status.phase == "Bound"
    pv = _pv(state, pvc.spec.volume_name)
    zone = {"node-a": "z1", "node-b": "z2"}[pod.node_name]
    assert pv.spec.node_affinity.to_dict() == {"required": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": ZONE, "operator": "In", "values": [zone]}]}]}}
    assert pv.spec.claim_ref.uid == pvc.metadata.uid and pv.metadata.annotations[
        pvc_controller.ANN_DYNAMICALLY_PROVISIONED] == DRIVER


def test_no_matching_volume_and_no_provisioner_is_unschedulable() -> None:
    """The only volume is too small and the class cannot provision: every node fails VolumeBinding's Filter with
    upstream's reason, and nothing is written to the claim."""
    state = _settle(_start(LOCAL, _local_pv("tiny", "node-a", size="1Mi"), _claim("data", "local"),
                           _pod("app", "data")))
    pod = _pod_of(state, "app")
    status, reason, message = _scheduled_condition(pod)
    assert not pod.node_name and (status, reason) == ("False", "Unschedulable")
    assert message.startswith(f"0/2 nodes are available: 2 {ERR_BIND_CONFLICT}.")
    assert SELECTED_NODE not in _pvc(state, "data").metadata.annotations
    assert _pv(state, "tiny").spec.claim_ref is None


# --- the binding cycle, step by step (TestBindPodVolumes) ----------------------------------------------------------


def test_prebind_writes_the_volume_and_waits_for_the_pv_controller() -> None:
    """binding-static-pv-succeeds-after-time: Reserve assumes the volume pre-bound to the claim, PreBind writes
    it, and the pod (assumed on the node, so later cycles count it) waits; FinishBinding is offered only once the
    scheduler has seen the claim fully bound, and then binds the pod."""
    state = _available(_start(LOCAL, _local_pv("local-a", "node-a"), _claim("data", "local"), _pod("app", "data")))
    step = _schedule(state, "app")
    assert [type(r.object).__name__ for r in step.responses] == ["PersistentVolume"]
    state = step.state
    pv = _pv(state, "local-a")
    assert pv.spec.claim_ref.name == "data" and pv.metadata.annotations == {BOUND_BY_CONTROLLER: "yes"}
    assert not _pod_of(state, "app").node_name
    assert _memory(state, "assumed")[("Pod", "default", "app")] == "node-a"
    assert not _finishes(_deliver(state))
    state = _settle(state)
    assert _pod_of(state, "app").node_name == "node-a" and _pod_of(state, "app").status.phase == "Running"


def test_an_assumed_volume_is_not_chosen_again_before_the_informer_sees_it() -> None:
    """The PV assume cache: the second pod's cycle runs before the scheduler's informer has seen the first pod's
    pre-binding, yet it does not pick the same volume; with nothing else to bind, it is unschedulable."""
    state = _available(_start(LOCAL, _local_pv("local-a", "node-a"), _claim("one", "local"), _claim("two", "local"),
                   _pod("first", "one"), _pod("second", "two")))
    state = _schedule(state, "first").state
    assert behind(state, scheduler.NAME)
    offered = [a for a in cluster.enabled(state) if isinstance(a, SchedulePod)]
    assert offered == [SchedulePod("default", "second", None)]
    state = _settle(state)
    assert _pod_of(state, "first").node_name == "node-a" and not _pod_of(state, "second").node_name
    assert _pv(state, "local-a").spec.claim_ref.name == "one"


def test_a_stale_volume_write_fails_the_binding_cycle() -> None:
    """bound-by-pv-controller-before-bind: the volume changed since the scheduler's informer saw it, so
    bindAPIUpdate gets Conflict; the binding cycle fails (PodScheduled False, SchedulerError, the PreBind error),
    the assumption is reverted, and a later cycle binds the pod."""
    state = _deliver(_available(_start(LOCAL, _local_pv("local-a", "node-a"), _claim("data", "local"),
                                       _pod("app", "data"))))
    pv = _pv(state, "local-a")
    state = _send(state, rq.Update(ADMIN, attrs.evolve(pv, metadata=attrs.evolve(
        pv.metadata, labels=pv.metadata.labels.set("touched", "yes")))))
    action = next(a for a in cluster.enabled(state) if isinstance(a, SchedulePod))
    step = cluster.step(state, action)
    assert [r.reason for r in step.responses] == ["Conflict", "OK"]
    status, reason, message = _scheduled_condition(_pod_of(step.state, "app"))
    assert (status, reason) == ("False", scheduler.SCHEDULER_ERROR)
    assert message == 'running PreBind plugin "VolumeBinding": ' + step.responses[0].message
    assert not _memory(step.state, "assumed-volumes") and not _memory(step.state, "assumed")
    state = _settle(step.state)
    assert _pod_of(state, "app").node_name == "node-a"


def test_binding_times_out_without_the_pv_controller() -> None:
    """binding-times-out: nobody completes the binding, so after bindTimeoutSeconds (600) the cycle fails with
    ``binding volumes: context deadline exceeded``; the volume stays pre-bound (there is no API rollback)."""
    state = _available(_start(LOCAL, _local_pv("local-a", "node-a"), _claim("data", "local"), _pod("app", "data")))
    state = _deliver(_schedule(state, "app").state)
    state = cluster.apply(state, Tick(vb.DEFAULT_BIND_TIMEOUT - 1))
    assert not _finishes(state)
    state = cluster.apply(state, Tick())
    assert _finishes(state) == [FinishBinding("default", "app")]
    step = cluster.step(state, FinishBinding("default", "app"))
    assert [type(r.object).__name__ for r in step.responses] == ["Pod"]
    assert _scheduled_condition(_pod_of(step.state, "app")) == (
        "False", scheduler.SCHEDULER_ERROR,
        'running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded')
    assert not _pod_of(step.state, "app").node_name and _pv(step.state, "local-a").spec.claim_ref.name == "data"
    assert not _memory(step.state, "prebind") and not _memory(step.state, "assumed")


def test_a_pod_deleted_while_its_volumes_bind_is_forgotten() -> None:
    """pod-deleted-after-time: checkBindings fails (the pod does not exist any more); the scheduler forgets the
    pod and its assumptions and writes nothing."""
    state = _start(CSI, _claim("data", "csi"), _pod("app", "data"))
    state = _schedule(state, "app").state
    state = _deliver(_send(state, rq.Delete(ADMIN, "Pod", "default", "app")))
    assert _finishes(state) == [FinishBinding("default", "app")]
    step = cluster.step(state, FinishBinding("default", "app"))
    assert step.responses == ()
    memory = step.state.informer(scheduler.NAME).memory
    assert all(not memory.get(name) for name in ("prebind", "assumed", "assumed-volumes", "backoff"))


def test_a_dropped_selected_node_sends_the_pod_back_to_scheduling() -> None:
    """provisioning-pvc-selected-node-dropped: the provisioner removed the annotation (rescheduleProvisioning), so
    checkBindings reports that provisioning failed (the claim keeps other annotations; with none left it would
    report the annotation reset) and the pod is scheduled again, which annotates the claim anew."""
    claim = _claim("data", "csi")
    claim["metadata"]["annotations"] = {"team": "storage"}
    step = _schedule(_start(CSI, claim, _pod("app", "data")), "app")
    assert [type(r.object).__name__ for r in step.responses] == ["PersistentVolumeClaim"]
    pvc = _pvc(step.state, "data")
    node = pvc.metadata.annotations[SELECTED_NODE]
    dropped = attrs.evolve(pvc, metadata=attrs.evolve(pvc.metadata,
                                                      annotations=pvc.metadata.annotations.discard(SELECTED_NODE)))
    state = _deliver(_send(step.state, rq.Update(ADMIN, dropped)))
    step = cluster.step(state, FinishBinding("default", "app"))
    assert _scheduled_condition(_pod_of(step.state, "app")) == (
        "False", scheduler.SCHEDULER_ERROR,
        'running PreBind plugin "VolumeBinding": binding volumes: provisioning failed for PVC "data"')
    state = _settle(step.state)
    assert _pod_of(state, "app").status.phase == "Running"
    assert _pvc(state, "data").metadata.annotations[SELECTED_NODE] == _pod_of(state, "app").node_name
    assert node in ("node-a", "node-b")


# --- Reserve (TestAssumePodVolumes) -----------------------------------------------------------------------------

NODE1 = make_node("node1", {HOSTNAME: "node1"})
WAIT = from_dict(_class("wait", "kubernetes.io/no-provisioner"))
WAIT_CSI = from_dict(_class("wait-csi", DRIVER))


def _unbound(name: str, klass: str = "wait", **meta: Any) -> PersistentVolumeClaim:
    return make_pvc(name, storage_class=klass, uid=f"uid-{name}", resourceVersion="1", **meta)


def _snapshot(*objects: Any) -> Snapshot:
    return Snapshot.of([NODE1, WAIT, WAIT_CSI, *objects])


def _claimed_by(pv: PersistentVolume) -> tuple[str | None, str | None]:
    return pv.spec.claim_ref.name, pv.spec.claim_ref.uid


def test_reserve_with_every_claim_bound_has_nothing_to_do() -> None:
    """all-bound: AssumePodVolumes reports allBound, and PreBind is skipped."""
    pvc = make_pvc("a", storage_class="wait", volume="pv-a", annotations={BIND_COMPLETED: "yes"})
    pv = make_pv("pv-a", storage_class="wait", claim=("default", "a"), phase="Bound")
    assert vb.reserve(make_pod(volumes=[claim_volume("a", "a")]), "node1", _snapshot(pvc, pv), DEFAULT_PROFILE) is None


def test_reserve_pre_binds_each_chosen_volume() -> None:
    """one-binding / two-bindings: each volume gets the claim's reference and bound-by-controller."""
    claims = [_unbound("a"), _unbound("b", request="2Gi")]
    pvs = [make_pv("pv-a", storage_class="wait", hostnames=["node1"]),
           make_pv("pv-b", storage_class="wait", capacity="2Gi", hostnames=["node1"])]
    pod = make_pod(volumes=[claim_volume("a", "a"), claim_volume("b", "b")])
    reservation = vb.reserve(pod, "node1", _snapshot(*claims, *pvs), DEFAULT_PROFILE)
    assert [(pvc.name, pv.name, _claimed_by(pv)) for pvc, pv in reservation.volumes.static_bindings] == [
        ("a", "pv-a", ("a", "uid-a")), ("b", "pv-b", ("b", "uid-b"))]
    assert [pv.metadata.annotations for pv in reservation.writes] == [{BOUND_BY_CONTROLLER: "yes"}] * 2
    assert reservation.volumes.dynamic_provisions == ()


def test_reserve_leaves_a_volume_already_pre_bound_to_the_claim_alone() -> None:
    """pv-already-bound: GetBindVolumeToClaim finds nothing to change, so nothing is written."""
    pvc = _unbound("a")
    pv = PersistentVolume.from_dict({"metadata": {"name": "pv-a", "resourceVersion": "1"}, "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "wait",
        "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "default", "name": "a", "uid": "uid-a"}},
        "status": {"phase": "Available"}})
    reservation = vb.reserve(make_pod(volumes=[claim_volume("a", "a")]), "node1", _snapshot(pvc, pv), DEFAULT_PROFILE)
    assert reservation.volumes.static_bindings == ((pvc, pv),) and reservation.writes == ()


def test_reserve_annotates_the_claims_to_provision() -> None:
    """one-binding, one-pvc-provisioned: the claim without a volume gets the selected-node annotation."""
    bind, provision = _unbound("a"), _unbound("b", klass="wait-csi")
    pv = make_pv("pv-a", storage_class="wait")
    pod = make_pod(volumes=[claim_volume("a", "a"), claim_volume("b", "b")])
    reservation = vb.reserve(pod, "node1", _snapshot(bind, provision, pv), DEFAULT_PROFILE)
    assert [pvc.name for pvc, _ in reservation.volumes.static_bindings] == ["a"]
    (annotated,) = reservation.volumes.dynamic_provisions
    assert annotated.name == "b" and annotated.metadata.annotations == {SELECTED_NODE: "node1"}
    assert [obj.kind for obj in reservation.writes] == ["PersistentVolume", "PersistentVolumeClaim"]


def test_filter_decisions_per_node_prefer_the_closest_capacity() -> None:
    """TestVolumeBinding "local volumes with close capacity are preferred": each node binds the smallest volume
    of its own that fits; a node without one (and no provisioner) has the bind conflict."""
    pvc = make_pvc("pvc-a", storage_class="wait", request="50Gi")
    nodes = [make_node(n, {HOSTNAME: n}) for n in ("node-a", "node-b", "node-c")]
    pvs = [make_pv(name, storage_class="wait", capacity=size, hostnames=[node]) for name, size, node in (
        ("pv-a-0", "200Gi", "node-a"), ("pv-a-1", "200Gi", "node-a"),
        ("pv-b-0", "100Gi", "node-b"), ("pv-b-1", "100Gi", "node-b"))]
    snapshot = Snapshot.of([*nodes, WAIT, pvc, *pvs])
    claims = binding_pre_filter(make_pod(volumes=[claim_volume("a", "pvc-a")]), snapshot, DEFAULT_PROFILE).state
    found = {node.name: find_pod_volumes(claims, node, snapshot) for node in nodes}
    assert [(c.name, pv.name) for c, pv in found["node-a"][0].static_bindings] == [("pvc-a", "pv-a-0")]
    assert [(c.name, pv.name) for c, pv in found["node-b"][0].static_bindings] == [("pvc-a", "pv-b-0")]
    assert found["node-c"] == (PodVolumes(), (ERR_BIND_CONFLICT,))


# --- checkBindings (TestCheckBindings) ----------------------------------------------------------------------------

POD = make_pod("test-pod", node="node1")
def _pv_bound_to(claim: str, uid: str | None, version: str = "2", hostnames: tuple[str, ...] = ("node1",)) -> Any:
    return PersistentVolume.from_dict({"metadata": {"name": f"pv-{claim}", "resourceVersion": version}, "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "wait",
        "claimRef": {"namespace": "default", "name": claim, **({"uid": uid} if uid else {})},
        "nodeAffinity": {"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": HOSTNAME, "operator": "In", "values": list(hostnames)}]}]}}}})


def _claim_state(name: str, volume: str | None = None, completed: bool = False, selected: str | None = None,
                 version: str = "2") -> PersistentVolumeClaim:
    annotations = {**({BIND_COMPLETED: "yes"} if completed else {}), **({SELECTED_NODE: selected} if selected else {})}
    return make_pvc(name, storage_class="wait", volume=volume, uid=f"uid-{name}", resourceVersion=version,
                    annotations=annotations)


def _check(static: tuple = (), provisions: tuple = (), cache: tuple = (), pod: Pod = POD) -> bool | str:
    binding = vb.PreBinding(pod, "node1", PodVolumes(static, provisions), 0)
    objects = Objects()
    for obj in (NODE1, *cache):
        objects = objects.put(obj)
    return vb.check_bindings(binding, objects)


WRITTEN = _pv_bound_to("a", "uid-a")
TO_PROVISION = _claim_state("b", selected="node1")


@pytest.mark.parametrize(("static", "provisions", "cache", "expected"), [
    ((), (), (POD,), True),
    (((_claim_state("a"), WRITTEN),), (), (POD, WRITTEN, _claim_state("a", "pv-a", completed=True)), True),
    (((_claim_state("a"), WRITTEN),), (), (POD, WRITTEN, _claim_state("a", "pv-a")), False),
    (((_claim_state("a"), WRITTEN),), (), (POD, WRITTEN, _claim_state("a")), False),
    (((_claim_state("a"), WRITTEN),), (), (POD, _pv_bound_to("a", "uid-a", version="1"),
                                           _claim_state("a", "pv-a", completed=True)), False),
    (((_claim_state("a"), WRITTEN),), (), (POD, WRITTEN),
     'failed to check binding: could not find v1.PersistentVolumeClaim "default/a"'),
    (((_claim_state("a"), WRITTEN),), (), (POD, _claim_state("a", "pv-a", completed=True)),
     'failed to check binding: could not find v1.PersistentVolume "pv-a"'),
    (((_claim_state("a"), WRITTEN),), (), (POD, _pv_bound_to("a", None), _claim_state("a", "pv-a", completed=True)),
     'ClaimRef got reset for pv "pv-a"'),
    (((_claim_state("a"), WRITTEN),), (), (POD, _pv_bound_to("a", "uid-a", hostnames=("node2",)),
                                           _claim_state("a", "pv-a", completed=True)),
     'pv "pv-a" node affinity doesn\'t match node "node1": no matching NodeSelectorTerms'),
    ((), (TO_PROVISION,), (POD, _claim_state("b", "pv-b", completed=True, selected="node1"),
                           _pv_bound_to("b", "uid-b")), True),
    ((), (TO_PROVISION,), (POD, TO_PROVISION), False),
    ((), (TO_PROVISION,), (POD,), 'failed to check provisioning pvc: could not find v1.PersistentVolumeClaim '
                                  '"default/b"'),
    ((), (TO_PROVISION,), (POD, _claim_state("b", version="3")), 'selectedNode annotation reset for PVC "b"'),
    ((), (TO_PROVISION,), (POD, _claim_state("b", selected="wrong-node", version="3")),
     'provisioning failed for PVC "b"'),
    ((), (TO_PROVISION,), (POD, _claim_state("b", "pv-b", completed=True, selected="node1")), False),
    (((_claim_state("a"), WRITTEN),), (TO_PROVISION,),
     (POD, WRITTEN, _claim_state("a", "pv-a", completed=True), TO_PROVISION), False),
    ((), (), (), 'pod does not exist any more: pod "test-pod" not found'),
], ids=["nothing-to-bind", "binding-bound", "binding-prebound", "binding-unbound", "binding-cache-older",
        "binding-pvc-not-exists", "binding-pv-not-exists", "binding-claimref-uid-empty", "node-affinity-fails",
        "provisioning-pvc-bound", "provisioning-pvc-unbound", "provisioning-pvc-not-exists",
        "provisioning-pvc-annotations-nil", "provisioning-pvc-selected-node-wrong-node",
        "tolerate-provisioning-pvc-bound-pv-not-found", "binding-bound-provisioning-unbound", "pod-deleted"])
def test_check_bindings(static: tuple, provisions: tuple, cache: tuple, expected: bool | str) -> None:
    """TestCheckBindings: True once everything is fully bound, False to keep waiting, else the error."""
    assert _check(static, provisions, cache) == expected


def test_the_outcome_times_out_only_while_waiting() -> None:
    """BindPodVolumes' poll: an answer wins; without one, bindTimeout ends the wait."""
    binding = vb.PreBinding(POD, "node1", PodVolumes((), (TO_PROVISION,)), 100)
    waiting = Objects().put(NODE1).put(POD).put(TO_PROVISION)
    assert vb.outcome(binding, waiting, 699, 600) is None
    assert vb.outcome(binding, waiting, 700, 600) == "binding volumes: context deadline exceeded"
    assert vb.outcome(binding, Objects().put(NODE1).put(POD), 100, 600) == (
        'binding volumes: failed to check provisioning pvc: could not find v1.PersistentVolumeClaim "default/b"')
