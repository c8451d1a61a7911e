"""The kubelet waits for a pod's claims before starting its containers (model.kubelet.volumes).

Upstream: pkg/kubelet/kubelet.go SyncPod (the status is sent, then ``WaitForAttachAndMount``; the pod stays Pending
with its containers in ContainerCreating until it succeeds), pkg/kubelet/volumemanager/populator/
desired_state_of_world_populator.go (createVolumeSpec, getPVCExtractPV, getPVSpec: the error texts below, and
``desired_state_of_world_populator_test.go``'s TestCreateVolumeSpec_Valid_File_VolumeMounts and
TestCreateVolumeSpec_Invalid_Block_VolumeMounts for the volume mode check), staging/src/k8s.io/component-helpers/
storage/ephemeral/ephemeral.go (VolumeIsForPod) and plugin/pkg/auth/authorizer/node/node_authorizer.go (a kubelet may
get only the claims of pods bound to it and their volumes).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.cluster import apply, enabled
from model.kubelet.component import ContainerExit, HealPartition, KubeletSyncPod, PartitionNode
from model.kubelet.sync import new_runtime
from model.kubelet.volumes import mount_error, waits_for_volumes
from model.manifests import from_dict
from model.state import ClusterState, build
from tests.model.kubelet.support import (
    FAITHFUL,
    api_pod,
    bind,
    bound_claim,
    claim,
    cluster,
    container,
    create,
    delete,
    pod,
    running,
    runtime,
    settle,
    shown_state,
    status_of,
    volume,
)

MOUNTS = [{"name": "data", "mountPath": "/data"}]
CLAIM_VOLUMES = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]


# --- mount_error: the populator's checks, through the API server -----------------------------------------------


def _pod(mounted: bool = True, volumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    app = {"name": "app", "image": "app:1", **({"volumeMounts": MOUNTS} if mounted else {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default", "uid": "pod-1"},
            "spec": {"nodeName": "worker-1", "containers": [app], "volumes": volumes or CLAIM_VOLUMES}}


def _claim(name: str = "data", phase: str = "Bound", volume_name: str | None = "pv1", uid: str = "claim-1",
           **meta: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    if volume_name is not None:
        spec["volumeName"] = volume_name
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default", "uid": uid, **meta}, "spec": spec,
            "status": {"phase": phase}}


def _volume(claim_uid: str | None = "claim-1", mode: str = "Filesystem", claim_name: str = "data") -> dict[str, Any]:
    spec: dict[str, Any] = {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "volumeMode": mode,
                            "hostPath": {"path": "/data/pv1"},
                            "claimRef": {"namespace": "default", "name": claim_name, "uid": claim_uid}}
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv1", "uid": "pv-uid-1"},
            "spec": spec, "status": {"phase": "Bound"}}


def _store(*docs: dict[str, Any] | None) -> ClusterState:
    """The objects stored as they are (each has a uid, as a live cluster's do)."""
    return build([from_dict(d) for d in docs if d is not None])


PROCESSING = "error processing PVC default/data: "
FORBIDDEN_PV = (f'{PROCESSING}failed to fetch PV pv1 from API server: persistentvolumes "pv1" is forbidden: User '
                '"system:node:worker-1" cannot get resource "persistentvolumes" in API group "" at the cluster scope: '
                "no relationship found between node 'worker-1' and this object")


@pytest.mark.parametrize(("pod_doc", "claim_doc", "volume_doc", "expected"), [
    pytest.param(_pod(), _claim(), _volume(), None, id="bound claim and volume"),
    pytest.param(_pod(), None, _volume(), f'{PROCESSING}failed to fetch PVC from API server: persistentvolumeclaims '
                                          '"data" not found', id="claim missing"),
    pytest.param(_pod(), _claim(phase="Pending", volume_name=None), None, f"{PROCESSING}PVC is not bound",
                 id="claim pending"),
    pytest.param(_pod(), _claim(phase="Lost"), _volume(), f"{PROCESSING}PVC is not bound", id="claim lost"),
    pytest.param(_pod(), _claim(volume_name=None), _volume(), f"{PROCESSING}PVC has empty pvc.Spec.VolumeName",
                 id="bound claim without a volume name"),
    pytest.param(_pod(), _claim(deletionTimestamp=5, finalizers=["example.com/hold"]), _volume(),
                 f"{PROCESSING}PVC is being deleted", id="claim being deleted"),
    pytest.param(_pod(), _claim(deletionTimestamp=5, finalizers=["kubernetes.io/pvc-protection"]), _volume(), None,
                 id="claim being deleted but held by pvc-protection"),
    pytest.param(_pod(), _claim(), None, FORBIDDEN_PV, id="volume missing: no relationship, so forbidden"),
    pytest.param(_pod(), _claim(), _volume(claim_uid="claim-0"),
                 f"{PROCESSING}found PV object pv1 but its pv.Spec.ClaimRef.UID claim-0 does not point to claim.UID "
                 "claim-1", id="volume bound to an earlier claim of the same name"),
    pytest.param(_pod(), _claim(), _volume(mode="Block"),
                 "volume data has volumeMode Block, but is specified in volumeMounts", id="block volume mounted"),
    pytest.param(_pod(mounted=False), _claim(), _volume(mode="Block"), None, id="block volume not mounted"),
])
def test_mount_error_gives_the_populators_error(pod_doc: dict, claim_doc: dict | None, volume_doc: dict | None,
                                               expected: str | None) -> None:
    state = _store(pod_doc, claim_doc, volume_doc)
    web = state.store.get("Pod", "default", "web")
    assert mount_error(state.store, "worker-1", web, 0) == expected


def test_a_kubelet_may_not_read_the_claim_of_a_pod_bound_elsewhere() -> None:
    """The Node authorizer: the claim is related to worker-1 (its pod's node) only."""
    state = _store(_pod(), _claim(), _volume())
    web = state.store.get("Pod", "default", "web")
    error = mount_error(state.store, "worker-2", web, 0)
    assert error is not None and error.startswith(
        f'{PROCESSING}failed to fetch PVC from API server: persistentvolumeclaims "data" is forbidden: User '
        '"system:node:worker-2"')


EPHEMERAL = [{"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {
    "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}}]


@pytest.mark.parametrize(("owner_uid", "expected"), [
    ("pod-1", None),
    ("pod-0", "PVC default/web-scratch was not created for pod default/web (pod is not owner)"),
])
def test_an_ephemeral_volume_needs_the_claim_its_pod_owns(owner_uid: str, expected: str | None) -> None:
    """VolumeIsForPod: the claim ``<pod>-<volume>`` must be controlled by this very pod."""
    owner = {"apiVersion": "v1", "kind": "Pod", "name": "web", "uid": owner_uid, "controller": True}
    state = _store(_pod(mounted=False, volumes=EPHEMERAL),
                   _claim("web-scratch", ownerReferences=[owner]), _volume(claim_name="web-scratch"))
    web = state.store.get("Pod", "default", "web")
    assert mount_error(state.store, "worker-1", web, 0) == expected


def test_only_a_pod_about_to_start_its_containers_waits_for_volumes() -> None:
    web = from_dict(_pod())
    fresh = new_runtime(web)
    crashed = fresh.with_container(fresh.container("app").start(0).stop(1, 1, "Error"))
    assert waits_for_volumes(web, None) and waits_for_volumes(web, fresh)
    assert not waits_for_volumes(web, crashed)  # mounted when its container first started
    assert not waits_for_volumes(web, attrs.evolve(fresh, rejected=("OutOfcpu", "no room")))
    assert not waits_for_volumes(attrs.evolve(web, metadata=attrs.evolve(web.metadata, deletion_timestamp=3)), fresh)
    assert not waits_for_volumes(None, fresh)
    assert not waits_for_volumes(from_dict(_pod(volumes=[{"name": "data", "emptyDir": {}}])), None)


# --- the kubelet in the cluster --------------------------------------------------------------------------------


def _web(name: str = "web", **spec: Any) -> Any:
    return pod(name, containers=[container("app", volumeMounts=MOUNTS)], volumes=CLAIM_VOLUMES, **spec)


def _syncs(state: ClusterState, uid: str) -> list[Any]:
    return [a for a in enabled(state, FAITHFUL) if isinstance(a, KubeletSyncPod) and a.uid == uid]


def test_a_pod_bound_with_an_unbound_claim_stays_pending_until_the_claim_binds() -> None:
    """A pod created with spec.nodeName (no scheduler to check its claims) mounting a claim no volume fits: the
    kubelet admits it and reports it Pending, ContainerCreating, and starts nothing; once the PersistentVolume
    controller binds the claim to a new volume, the next sync starts the container."""
    state, _ = create(cluster(), claim("data"))
    state, created = create(state, _web())
    uid = created.metadata.uid
    state = settle(bind(state))
    assert state.store.get("PersistentVolumeClaim", "default", "data").status.phase == "Pending"
    web = api_pod(state, "web")
    assert web.status.phase == "Pending"
    assert status_of(web, "app").state == {"waiting": {"reason": "ContainerCreating"}}
    assert not runtime(state, "worker-1", uid).volumes_mounted  # admitted, nothing started
    assert running(state, "worker-1", uid, "app").started_at is None
    assert _syncs(state, uid) == []  # the kubelet waits: nothing to do until the claim changes

    state, _ = create(state, volume("pv1"))
    state = bind(state)
    assert state.store.get("PersistentVolumeClaim", "default", "data").status.phase == "Bound"
    assert _syncs(state, uid) == [KubeletSyncPod("worker-1", uid, "default", "web")]
    state = settle(state)
    assert running(state, "worker-1", uid, "app").running
    assert api_pod(state, "web").status.phase == "Running"


def test_a_partitioned_kubelet_cannot_fetch_the_claim_so_the_pod_waits_until_the_partition_heals() -> None:
    state, _ = create(cluster(), claim("data"))
    state, created = create(state, _web())
    uid = created.metadata.uid
    state = apply(settle(state), PartitionNode("worker-1"), FAITHFUL)
    state, _ = create(state, volume("pv1"))
    state = bind(state)
    assert state.store.get("PersistentVolumeClaim", "default", "data").status.phase == "Bound"
    assert _syncs(state, uid) == []  # its GETs do not reach the API server
    assert not runtime(state, "worker-1", uid).volumes_mounted
    state = settle(apply(state, HealPartition("worker-1"), FAITHFUL))
    assert running(state, "worker-1", uid, "app").running


def test_a_pod_whose_claim_does_not_exist_yet_starts_once_it_is_created_and_bound() -> None:
    state, created = create(cluster(), _web())
    uid = created.metadata.uid
    state = settle(state)
    assert api_pod(state, "web").status.phase == "Pending" and not runtime(state, "worker-1", uid).volumes_mounted
    state, _ = bound_claim(state, "data")
    state = settle(state)
    assert running(state, "worker-1", uid, "app").running


def test_a_pod_with_only_an_empty_dir_is_not_held_back() -> None:
    scratch = [{"name": "scratch", "emptyDir": {}}]
    state, created = create(cluster(), pod("web", containers=[container("app", volumeMounts=[
        {"name": "scratch", "mountPath": "/scratch"}])], volumes=scratch))
    state = settle(state)
    assert running(state, "worker-1", created.metadata.uid, "app").running
    assert api_pod(state, "web").status.phase == "Running"


def test_admission_comes_before_the_wait_for_volumes() -> None:
    """HandlePodAdditions rejects a pod that does not fit before its pod worker would wait for volumes."""
    state, _ = create(cluster(), claim("data"))
    state, created = create(state, pod("hog", containers=[container(
        "app", volumeMounts=MOUNTS, resources={"requests": {"cpu": "100"}})], volumes=CLAIM_VOLUMES))
    state = settle(state)
    hog = api_pod(state, "hog")
    assert hog.status.phase == "Failed" and hog.status.reason == "OutOfcpu"


def test_a_pod_waiting_for_volumes_can_still_be_deleted() -> None:
    state, _ = create(cluster(), claim("data"))
    state, created = create(state, _web())
    state = settle(delete(settle(state), "web"))
    assert api_pod(state, "web") is None and runtime(state, "worker-1", created.metadata.uid) is None


def test_mounted_volumes_stay_mounted_when_the_claim_goes() -> None:
    """Once mounted, a pod's volumes stay until it leaves the node: its crashed container restarts even though the
    claim is gone from the API server."""
    state, _ = bound_claim(cluster(), "data")
    state, created = create(state, _web())
    uid = created.metadata.uid
    state = settle(state)
    state = apply(state, ContainerExit("worker-1", uid, "app", 1), FAITHFUL)
    state = apply(state, Submit(rq.Delete(ADMIN, "PersistentVolumeClaim", "default", "data")), FAITHFUL)
    assert state.store.get("PersistentVolumeClaim", "default", "data") is None
    state = settle(state)
    assert running(state, "worker-1", uid, "app").running
    assert running(state, "worker-1", uid, "app").restart_count == 1
    assert shown_state(api_pod(state, "web"), "app") == "running"

