"""The PersistentVolume controller (model.controllers.persistentvolume).

Ported from kubernetes/kubernetes ``pkg/controller/volume/persistentvolume/``: ``index_test.go`` (TestMatchVolume
with ``createTestVolumes``, TestMatchingWithBoundVolumes, TestFindingVolumeWithDifferentAccessModes,
TestFindingPreboundVolumes, TestBestMatchDelayed, TestStorageObjectInUseProtectionFiltering, TestVolumeModeCheck)
and ``binder_test.go`` / ``provision_test.go`` (TestSync's "1-x" unbound claims, "2-x" bound claims, "4-x" volumes
whose claim is gone, and dynamic provisioning). Upstream's tests feed one sync fake listers; here the scenarios run
the model's API server and the controller through its own informer.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, Submit, SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.controllers import base
from model.controllers import persistentvolume as pvc_controller
from model.controllers.base import CONTROLLER_MANAGER
from model.manifests import from_dict
from model.objects import PersistentVolume, PersistentVolumeClaim
from model.objects.meta import ObjectReference
from model.state import ClusterState, behind
from tests.model.driving import run_until_idle

NAME = pvc_controller.NAME
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
ZONE = "topology.kubernetes.io/zone"


# --- objects ---------------------------------------------------------------------------------------------------


def _volume(name: str, size: str, modes: tuple[str, ...] = ("ReadWriteOnce",), klass: str | None = None,
            labels: dict | None = None, claim_ref: dict | None = None, phase: str = "Available",
            mode: str = "Filesystem", reclaim: str = "Retain", deleting: bool = False) -> PersistentVolume:
    spec: dict[str, Any] = {"capacity": {"storage": size}, "accessModes": list(modes), "volumeMode": mode,
                            "persistentVolumeReclaimPolicy": reclaim}
    if klass is not None:
        spec["storageClassName"] = klass
    if claim_ref is not None:
        spec["claimRef"] = claim_ref
    meta: dict[str, Any] = {"name": name, "labels": labels or {}}
    if deleting:
        meta["deletionTimestamp"] = 0
    return PersistentVolume.from_dict({"metadata": meta, "spec": spec, "status": {"phase": phase}})


def _claim(size: str, modes: tuple[str, ...] = ("ReadOnlyMany", "ReadWriteOnce"), klass: str | None = None,
           selector: dict | None = None, name: str = "claim01", namespace: str = "myns", mode: str = "Filesystem",
           uid: str | None = None, volume: str | None = None) -> PersistentVolumeClaim:
    """``makePVC``."""
    spec: dict[str, Any] = {"accessModes": list(modes), "resources": {"requests": {"storage": size}},
                            "volumeMode": mode}
    if klass is not None:
        spec["storageClassName"] = klass
    if selector is not None:
        spec["selector"] = {"matchLabels": selector}
    if volume is not None:
        spec["volumeName"] = volume
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if uid is not None:
        meta["uid"] = uid
    return PersistentVolumeClaim.from_dict({"metadata": meta, "spec": spec})


RWO_ROX = ("ReadWriteOnce", "ReadOnlyMany")
ALL = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany")


def _test_volumes() -> dict[str, PersistentVolume]:
    """``createTestVolumes``, keyed by the uid the upstream assertions name (the node-affinity volumes only matter
    on the scheduler's path: here they are in class ``wait`` and never match)."""
    return {
        "gce-pd-10": _volume("gce003", "10G", RWO_ROX),
        "gce-pd-20": _volume("gce004", "20G", RWO_ROX, claim_ref={"uid": "def456"}, phase="Bound"),
        "nfs-5": _volume("nfs002", "5G", ALL),
        "gce-pd-1": _volume("gce001", "1G", RWO_ROX, claim_ref={"uid": "abc123"}, phase="Bound"),
        "nfs-10": _volume("nfs003", "10G", ALL),
        "gce-pd-5": _volume("gce002", "5G", RWO_ROX),
        "nfs-1": _volume("nfs001", "1G", ALL),
        "gce-pd-2": _volume("gce0022", "20000G", ("ReadWriteOnce",), labels={"should-exist": "true"}),
        "gce-pd-silver1": _volume("gce0023", "10000G", ("ReadWriteOnce",), klass="silver",
                                  labels={"should-exist": "true"}),
        "gce-pd-silver2": _volume("gce0024", "100G", ("ReadWriteOnce",), klass="silver"),
        "gce-pd-gold": _volume("gce0025", "50G", ("ReadWriteOnce",), klass="gold"),
        "local-pd-very-large": _volume("local001", "200E", ALL, klass="large"),
        "local-pd-extremely-large": _volume("local002", "800E", ALL, klass="large"),
        "affinity-pv": _volume("affinity001", "100G", RWO_ROX, klass="wait"),
        "affinity-pv2": _volume("affinity002", "150G", RWO_ROX, klass="wait"),
        "affinity-prebound": _volume("affinity003", "100G", RWO_ROX, klass="wait",
                                     claim_ref={"name": "claim02", "namespace": "myns"}),
    }


def _uid_of(volume: PersistentVolume | None) -> str:
    if volume is None:
        return ""
    return next(uid for uid, v in _test_volumes().items() if v.name == volume.name)


# --- matching (index_test.go) -------------------------------------------------------------------------------


@pytest.mark.parametrize(("expected", "claim"), [
    ("gce-pd-10", _claim("8G")),
    ("nfs-5", _claim("5G", ALL)),
    ("gce-pd-5", _claim("1G")),
    ("", _claim("999G")),
    ("", _claim("999G", selector={"should-not-exist": "true"})),
    ("", _claim("20000G", selector={"should-exist": "true"})),
    ("gce-pd-2", _claim("20000G", ("ReadWriteOnce",), selector={"should-exist": "true"})),
    ("gce-pd-silver1", _claim("1G", ("ReadWriteOnce",), klass="silver", selector={"should-exist": "true"})),
    ("gce-pd-silver2", _claim("1G", ("ReadWriteOnce",), klass="silver")),
    ("local-pd-very-large", _claim("1E", ("ReadWriteOnce",), klass="large")),
    ("local-pd-extremely-large", _claim("800E", ("ReadWriteOnce",), klass="large")),
    ("", _claim("950E", ("ReadWriteOnce",), klass="large")),
], ids=["gce-10", "nfs-5", "skip-1g-bound", "no-match", "no-match-label", "no-match-size-with-label",
        "match-constraint-and-label", "class", "class-and-labels", "very-large", "exact-extremely-large",
        "way-too-large"])
def test_match_volume(expected: str, claim: PersistentVolumeClaim) -> None:
    """TestMatchVolume: the smallest fitting Available volume of the claim's class, among the volumes with the
    fewest access modes that include the claim's; selectors filter by label; bound volumes are skipped."""
    found = pvc_controller.find_best_match(claim, tuple(_test_volumes().values()), False)
    assert _uid_of(found) == expected


def test_matching_with_bound_volumes() -> None:
    """TestMatchingWithBoundVolumes: of two similar volumes the one already bound is skipped."""
    bound = _volume("gce001", "1G", RWO_ROX, claim_ref={"uid": "abc123"}, phase="Bound")
    free = _volume("gce002", "1G", RWO_ROX)
    assert pvc_controller.find_best_match(_claim("1G"), (bound, free), False) == free


def test_finding_volume_with_different_access_modes() -> None:
    """TestFindingVolumeWithDifferentAccessModes: the volume with the fewest modes covering the claim's wins;
    the order of the requested modes does not matter; a bound exact match moves the choice up a level."""
    gce, ebs, nfs = _volume("gce", "10G", RWO_ROX), _volume("ebs", "10G"), _volume("nfs", "10G", ALL)

    def best(modes: tuple[str, ...], *volumes: PersistentVolume) -> str:
        found = pvc_controller.find_best_match(_claim("1G", modes), volumes, False)
        return found.name if found is not None else ""
    assert best(("ReadWriteOnce",), gce, ebs, nfs) == "ebs"
    assert best(("ReadWriteOnce", "ReadOnlyMany"), gce, ebs, nfs) == "gce"
    assert best(("ReadWriteMany", "ReadWriteOnce", "ReadOnlyMany"), gce, ebs, nfs) == "nfs"
    assert best(("ReadWriteMany",), gce, ebs, nfs) == "nfs"
    claimed = lambda v: attrs.evolve(v, spec=attrs.evolve(v.spec, claim_ref=ObjectReference()))
    assert best(("ReadWriteOnce",), gce, claimed(ebs), nfs) == "gce"
    assert best(("ReadWriteOnce",), claimed(gce), claimed(ebs), nfs) == "nfs"
    assert best(("ReadOnlyMany",), gce, claimed(ebs), nfs) == "gce"


def test_finding_prebound_volumes() -> None:
    """TestFindingPreboundVolumes: the exact size first; a volume pre-bound to the claim wins over any other, unless
    it is too small or lacks the claim's access modes."""
    claim = _claim("1Gi", ("ReadWriteOnce",))
    ref = {"name": "claim01", "namespace": "myns"}
    pv1, pv5, pv8 = _volume("pv1", "1Gi"), _volume("pv5", "5Gi"), _volume("pv8", "8Gi")
    bad_size, bad_mode = _volume("pvBadSize", "1Mi"), _volume("pvBadMode", "1Gi", ("ReadOnlyMany",))
    prebound = lambda v, r: attrs.evolve(v, spec=attrs.evolve(v.spec, claim_ref=ObjectReference(**r)))
    match = lambda *vs: pvc_controller.find_best_match(claim, vs, False).name
    assert match(pv1, pv5, pv8, bad_size, bad_mode) == "pv1"
    assert match(prebound(pv1, {"name": "foo", "namespace": "bar"}), pv5, pv8, bad_size, bad_mode) == "pv5"
    assert match(pv1, pv5, prebound(pv8, ref), bad_size, bad_mode) == "pv8"
    assert match(pv1, pv5, pv8, prebound(bad_size, ref), bad_mode) == "pv1"
    assert match(pv1, pv5, pv8, bad_size, prebound(bad_mode, ref)) == "pv1"


def test_best_match_delayed() -> None:
    """TestBestMatchDelayed: with WaitForFirstConsumer the PV controller binds nothing but a pre-bound volume."""
    volumes = tuple(_test_volumes().values())
    assert pvc_controller.find_best_match(_claim("8G"), volumes, True) is None
    prebound = pvc_controller.find_best_match(_claim("100G", ("ReadWriteOnce",), klass="wait", name="claim02"),
                                              volumes, True)
    assert _uid_of(prebound) == "affinity-prebound"


@pytest.mark.parametrize(("claim_mode", "volume_mode", "matches"), [
    ("Block", "Filesystem", False), ("Filesystem", "Block", False), ("Block", "Block", True),
    ("Filesystem", "Filesystem", True),
])
def test_volume_mode_check(claim_mode: str, volume_mode: str, matches: bool) -> None:
    """TestVolumeModeCheck / TestFilteringVolumeModes: the volume modes must agree."""
    found = pvc_controller.find_best_match(_claim("8G", ("ReadWriteOnce",), mode=claim_mode),
                                           (_volume("local", "10G", mode=volume_mode),), False)
    assert (found is not None) is matches


def test_storage_object_in_use_protection_filtering() -> None:
    """TestStorageObjectInUseProtectionFiltering: a volume being deleted is not matched."""
    claim = _claim("1G", ("ReadWriteOnce",), name="pvc1")
    assert pvc_controller.find_best_match(claim, (_volume("pv1", "1G"),), False) is not None
    assert pvc_controller.find_best_match(claim, (_volume("pv1", "1G", deleting=True),), False) is None


# --- the controller in the model (binder_test.go, provision_test.go) ---------------------------------------------


def _doc(obj: Any) -> Any:
    return from_dict(obj.to_dict())


def _start(*objects: Any) -> ClusterState:
    state = cluster.initial_state([_doc(o) for o in objects])
    while state.pending:
        state = cluster.apply(state, SubmitPending())
    return state


def _ours(action: Any) -> bool:
    """The controller's syncs and the deliveries of its (shared) informer's events."""
    return action in (DeliverWatchEvent(NAME), DeliverWatchEvent(CONTROLLER_MANAGER)) or (
        isinstance(action, base.Reconcile) and action.controller == NAME)


def _settle(state: ClusterState, idle: int = 20, limit: int = 2000) -> ClusterState:
    """Run the PersistentVolume controller and its informer (time passing when it is idle) until the store has not
    changed for ``idle`` seconds."""
    return run_until_idle(state, _ours, idle, limit)


def _send(state: ClusterState, request: Any) -> ClusterState:
    step = cluster.step(state, Submit(request))
    assert step.responses[0].ok, step.responses[0]
    return step.state


def _pvc(state: ClusterState, name: str = "claim01") -> PersistentVolumeClaim:
    return state.store.get("PersistentVolumeClaim", "myns", name)


def _pv(state: ClusterState, name: str) -> PersistentVolume | None:
    return state.store.get("PersistentVolume", None, name)


def _namespace() -> Any:
    return from_dict({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "myns"}})


def _class(name: str = "standard", provisioner: str = "csi.example.com", **body: Any) -> Any:
    return from_dict({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
                      "provisioner": provisioner, **body})


def _node(name: str, **labels: str) -> Any:
    return from_dict({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}})


def _csi_node(name: str, driver: str, *keys: str) -> Any:
    return from_dict({"apiVersion": "storage.k8s.io/v1", "kind": "CSINode", "metadata": {"name": name},
                      "spec": {"drivers": [{"name": driver, "nodeID": name, "topologyKeys": list(keys)}]}})


def _select(state: ClusterState, node: str, claim: str = "claim01") -> ClusterState:
    """What the scheduler's PreBind does for a claim to provision: annotate it with the selected node."""
    pvc = _pvc(state, claim)
    selected = attrs.evolve(pvc, metadata=attrs.evolve(pvc.metadata, annotations=pvc.metadata.annotations.set(
        SELECTED_NODE, node)))
    return _settle(_send(state, rq.Update(ADMIN, selected)))


def _bound(state: ClusterState, claim: str, volume: str) -> bool:
    pvc, pv = _pvc(state, claim), _pv(state, volume)
    return (pvc.spec.volume_name == volume and pvc.status.phase == "Bound"
            and BIND_COMPLETED in pvc.metadata.annotations and pv.status.phase == "Bound"
            and pv.spec.claim_ref.name == claim and pv.spec.claim_ref.uid == pvc.metadata.uid)


def test_1_1_an_unmatched_volume_becomes_available() -> None:
    """syncVolume: a volume without a claimRef is Available (a new one starts Pending)."""
    state = _settle(_start(_volume("volume1-1", "1Gi", phase="Pending")))
    assert _pv(state, "volume1-1").status.phase == "Available"


def test_1_2_a_claim_without_a_match_or_a_class_stays_pending() -> None:
    """TestSync 1-2: nothing to bind to and no class to provision from: the claim stays Pending."""
    state = _settle(_start(_namespace(), _claim("10Gi"), _volume("volume1-2", "1Gi")))
    assert _pvc(state).status.phase == "Pending" and not _pvc(state).spec.volume_name
    assert _pv(state, "volume1-2").status.phase == "Available"


def test_1_3_a_claim_binds_to_a_matching_volume() -> None:
    """TestSync 1-3 (bind): claimRef and bound-by-controller on the volume, Bound; volumeName, bind-completed and
    bound-by-controller on the claim, Bound with the volume's capacity and access modes."""
    state = _settle(_start(_namespace(), _claim("1Gi", ("ReadWriteOnce",)), _volume("volume1-3", "2Gi")))
    assert _bound(state, "claim01", "volume1-3")
    pvc, pv = _pvc(state), _pv(state, "volume1-3")
    assert pvc.metadata.annotations == {BIND_COMPLETED: "yes", BOUND_BY_CONTROLLER: "yes"}
    assert pv.metadata.annotations == {BOUND_BY_CONTROLLER: "yes"}
    assert str(pvc.status.capacity["storage"]) == "2Gi" and pvc.status.access_modes == ("ReadWriteOnce",)


def test_1_4_a_volume_pre_bound_to_the_claim_is_bound_without_the_controller_mark() -> None:
    """TestSync 1-4: a volume whose claimRef names the claim (no uid) is chosen and completed; the volume is not
    marked bound-by-controller (the user chose it), the claim is."""
    prebound = _volume("volume1-4", "1Gi", claim_ref={"name": "claim01", "namespace": "myns"})
    state = _settle(_start(_namespace(), _claim("1Gi", ("ReadWriteOnce",)), prebound, _volume("other", "1Gi")))
    assert _bound(state, "claim01", "volume1-4")
    assert BOUND_BY_CONTROLLER not in _pv(state, "volume1-4").metadata.annotations
    assert _pv(state, "other").spec.claim_ref is None


def test_1_5_a_claim_naming_its_volume_is_bound_to_it() -> None:
    """TestSync 1-5: a claim that names a free volume gets it (the claim is not marked bound-by-controller)."""
    state = _settle(_start(_namespace(), _claim("1Gi", ("ReadWriteOnce",), volume="volume1-5"),
                           _volume("volume1-5", "1Gi"), _volume("smaller", "1Gi")))
    assert _bound(state, "claim01", "volume1-5")
    assert BOUND_BY_CONTROLLER not in _pvc(state).metadata.annotations


def test_1_8_a_claim_naming_a_volume_bound_elsewhere_stays_pending() -> None:
    """TestSync 1-8: the volume it names is bound to another claim: the claim waits, nothing changes."""
    taken = _volume("volume1-8", "1Gi", claim_ref={"name": "other", "namespace": "myns", "uid": "uid-other"},
                    phase="Bound")
    state = _settle(_start(_namespace(), _claim("1Gi", ("ReadWriteOnce",), volume="volume1-8"), taken))
    assert _pvc(state).status.phase == "Pending" and _pv(state, "volume1-8").spec.claim_ref.name == "other"


def test_2_a_bound_claim_whose_volume_disappears_is_lost() -> None:
    """TestSync 2-x: a bound claim whose volume is gone becomes Lost."""
    state = _settle(_start(_namespace(), _claim("1Gi", ("ReadWriteOnce",)), _volume("volume2", "1Gi")))
    assert _bound(state, "claim01", "volume2")
    state = _settle(_send(state, rq.Delete(ADMIN, "PersistentVolume", None, "volume2")))
    assert _pvc(state).status.phase == "Lost" and _pvc(state).status.capacity == {}


@pytest.mark.parametrize(("reclaim", "remains"), [("Retain", True), ("Delete", False)])
def test_4_a_volume_whose_claim_is_deleted_is_released_and_reclaimed(reclaim: str, remains: bool) -> None:
    """TestSync 4-x / reclaimVolume: the claim goes, the volume is Released; Retain keeps it (still referring to
    the old claim, so never bound again), Delete removes it."""
    state = _settle(_start(_namespace(), _claim("1Gi", ("ReadWriteOnce",)), _volume("volume4", "1Gi",
                                                                                      reclaim=reclaim)))
    state = _settle(_send(state, rq.Delete(ADMIN, "PersistentVolumeClaim", "myns", "claim01")))
    volume = _pv(state, "volume4")
    assert (volume is not None) is remains
    if remains:
        assert volume.status.phase == "Released" and volume.spec.claim_ref.name == "claim01"
        state = _settle(_send(state, rq.Create(ADMIN, _claim("1Gi", ("ReadWriteOnce",)))))
        assert _pvc(state).status.phase == "Pending", "a Released volume is not bound again"


def test_dynamic_provisioning_creates_a_pre_bound_volume_then_binds_it() -> None:
    """provisionClaim with an external provisioner: the claim is annotated with the provisioner, the provisioner
    creates ``pvc-<uid>`` pre-bound to it (class reclaim policy, requested size and modes), and the claim binds."""
    klass = _class(reclaimPolicy="Retain", mountOptions=["debug"])
    state = _settle(_start(_namespace(), klass, _claim("3Gi", ("ReadWriteOnce",), klass="standard")))
    pvc = _pvc(state)
    name = f"pvc-{pvc.metadata.uid}"
    assert _bound(state, "claim01", name)
    assert pvc.metadata.annotations[pvc_controller.ANN_STORAGE_PROVISIONER] == "csi.example.com"
    pv = _pv(state, name)
    assert pv.metadata.annotations[pvc_controller.ANN_DYNAMICALLY_PROVISIONED] == "csi.example.com"
    assert (str(pv.spec.capacity["storage"]), pv.spec.access_modes, pv.spec.storage_class_name,
            pv.spec.persistent_volume_reclaim_policy, pv.spec.mount_options) == (
        "3Gi", ("ReadWriteOnce",), "standard", "Retain", ("debug",))


@pytest.mark.parametrize("klass", [None, _class(provisioner="kubernetes.io/no-provisioner")])
def test_a_class_that_cannot_provision_leaves_the_claim_pending(klass: Any) -> None:
    """No StorageClass object, or ``kubernetes.io/no-provisioner``: the claim waits for a volume to appear; one
    created later is bound (at the next resync)."""
    objects = [_namespace(), _claim("1Gi", ("ReadWriteOnce",), klass="standard")]
    state = _settle(_start(*objects, *([klass] if klass is not None else [])))
    assert _pvc(state).status.phase == "Pending" and state.store.list("PersistentVolume") == ()
    state = _send(state, rq.Create(ADMIN, _volume("late", "1Gi", klass="standard", phase="Pending")))
    assert _bound(_settle(state), "claim01", "late")


def test_wait_for_first_consumer_provisions_only_once_a_node_is_selected() -> None:
    """WaitForFirstConsumer: no binding to existing volumes and no provisioning until the scheduler annotates the
    claim with volume.kubernetes.io/selected-node; then the volume is provisioned and bound. The driver reports no
    topology keys on the node (no CSINode), so the volume has no node affinity."""
    klass = _class(volumeBindingMode="WaitForFirstConsumer")
    state = _settle(_start(_namespace(), klass, _claim("1Gi", ("ReadWriteOnce",), klass="standard"),
                           _volume("existing", "1Gi", klass="standard"), _node("n1")))
    assert _pvc(state).status.phase == "Pending" and _pv(state, "existing").spec.claim_ref is None
    uid = _pvc(state).metadata.uid
    state = _select(state, "n1")
    assert _bound(state, "claim01", f"pvc-{uid}") and _pv(state, "existing").spec.claim_ref is None
    assert _pv(state, f"pvc-{uid}").spec.node_affinity is None


def test_a_volume_provisioned_for_a_selected_node_gets_its_topology() -> None:
    """external-provisioner with a selected node: the driver's topology keys (its CSINode entry on that node) and
    the node's values for them become the volume's required node affinity (GenerateVolumeNodeAffinity)."""
    klass = _class(volumeBindingMode="WaitForFirstConsumer")
    state = _settle(_start(_namespace(), klass, _claim("1Gi", ("ReadWriteOnce",), klass="standard"),
                           _node("n1", **{ZONE: "z1", "kubernetes.io/hostname": "n1"}), _node("n2", **{ZONE: "z2"}),
                           _csi_node("n1", "csi.example.com", ZONE), _csi_node("n2", "csi.example.com", ZONE)))
    uid = _pvc(state).metadata.uid
    state = _select(state, "n1")
    assert _bound(state, "claim01", f"pvc-{uid}")
    affinity = _pv(state, f"pvc-{uid}").spec.node_affinity.to_dict()
    assert affinity == {"required": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": ZONE, "operator": "In", "values": ["z1"]}]}]}}


def test_another_drivers_topology_keys_do_not_apply() -> None:
    """Only the CSINode entry of the class's provisioner counts: another driver's keys leave no node affinity."""
    klass = _class(volumeBindingMode="WaitForFirstConsumer")
    state = _settle(_start(_namespace(), klass, _claim("1Gi", ("ReadWriteOnce",), klass="standard"),
                           _node("n1", **{ZONE: "z1"}), _csi_node("n1", "other.example.com", ZONE)))
    uid = _pvc(state).metadata.uid
    state = _select(state, "n1")
    assert _bound(state, "claim01", f"pvc-{uid}") and _pv(state, f"pvc-{uid}").spec.node_affinity is None


def test_a_selected_node_that_does_not_exist_gives_the_claim_back_to_the_scheduler() -> None:
    """rescheduleProvisioning: the provisioner cannot find the selected node, so it removes the annotation and
    creates nothing; the claim waits for the scheduler again."""
    klass = _class(volumeBindingMode="WaitForFirstConsumer")
    state = _settle(_start(_namespace(), klass, _claim("1Gi", ("ReadWriteOnce",), klass="standard")))
    state = _select(state, "gone")
    pvc = _pvc(state)
    assert SELECTED_NODE not in pvc.metadata.annotations and pvc.status.phase == "Pending"
    assert pvc.metadata.annotations[pvc_controller.ANN_STORAGE_PROVISIONER] == "csi.example.com"
    assert state.store.list("PersistentVolume") == ()


def test_a_volume_the_scheduler_pre_bound_is_bound_to_its_delayed_claim() -> None:
    """The scheduler's bindAPIUpdate sets the chosen volume's claimRef (with the claim's uid) and marks it
    bound-by-controller; syncUnboundClaim finds it pre-bound (FindMatchingVolume's first rule, also with delayed
    binding) and completes the claim's side; the volume's annotations are left as they are."""
    klass = _class(provisioner="kubernetes.io/no-provisioner", volumeBindingMode="WaitForFirstConsumer")
    state = _settle(_start(_namespace(), klass, _claim("1Gi", ("ReadWriteOnce",), klass="standard"),
                           _volume("local", "1Gi", klass="standard"), _volume("other", "1Gi", klass="standard")))
    pvc = _pvc(state)
    assert pvc.status.phase == "Pending"
    chosen = state.store.get("PersistentVolume", None, "local")
    pre_bound = attrs.evolve(
        chosen, metadata=attrs.evolve(chosen.metadata, annotations=chosen.metadata.annotations.set(
            BOUND_BY_CONTROLLER, "yes")),
        spec=attrs.evolve(chosen.spec, claim_ref=ObjectReference(kind="PersistentVolumeClaim", namespace="myns",
                                                                 name="claim01", uid=pvc.metadata.uid)))
    state = _settle(_send(state, rq.Update(ADMIN, pre_bound)))
    assert _bound(state, "claim01", "local") and _pv(state, "other").spec.claim_ref is None
    assert _pvc(state).metadata.annotations == {BIND_COMPLETED: "yes", BOUND_BY_CONTROLLER: "yes"}
    assert _pv(state, "local").metadata.annotations == {BOUND_BY_CONTROLLER: "yes"}


def test_a_stale_cache_cannot_bind_one_volume_to_two_claims() -> None:
    """Two claims, one volume, and a controller that syncs the second claim before it has observed the first
    binding: the second bind fails on the API server's resourceVersion check, and only one claim is bound."""
    state = _start(_namespace(), _claim("1Gi", ("ReadWriteOnce",), name="a"),
                   _claim("1Gi", ("ReadWriteOnce",), name="b"), _volume("only", "1Gi"))
    while behind(state, NAME):
        state = cluster.apply(state, DeliverWatchEvent(NAME))
    state = cluster.apply(state, base.Reconcile(NAME, ("only",)))
    state = cluster.apply(state, base.Reconcile(NAME, ("myns", "a")))
    second = cluster.step(state, base.Reconcile(NAME, ("myns", "b")))
    assert [r.reason for r in second.responses] == ["Conflict"]
    state = _settle(second.state)
    assert _bound(state, "a", "only") and _pvc(state, "b").status.phase == "Pending"


@given(st.lists(st.sampled_from(["1Gi", "2Gi", "5Gi"]), min_size=1, max_size=4),
       st.lists(st.sampled_from(["1Gi", "2Gi", "5Gi"]), min_size=1, max_size=4),
       st.lists(st.integers(0, 10**6), max_size=60))
@settings(max_examples=30, deadline=None)
def test_bindings_are_one_to_one_whatever_the_interleaving(claims: list[str], volumes: list[str],
                                                           choices: list[int]) -> None:
    """Random claims and volumes, the controller's syncs and event deliveries in any order: no volume is ever
    bound to two claims, a Bound claim's volume points back at it, and once settled every claim that some
    remaining Available volume could satisfy is bound."""
    state = _start(_namespace(), *(_claim(s, ("ReadWriteOnce",), name=f"c{i}") for i, s in enumerate(claims)),
                   *(_volume(f"v{i}", s) for i, s in enumerate(volumes)))

    def check(state: ClusterState) -> None:
        owners: dict[str, str] = {}
        for pvc in state.store.list("PersistentVolumeClaim", "myns"):
            if pvc.status.phase == "Bound":
                pv = _pv(state, pvc.spec.volume_name)
                assert pv.spec.claim_ref.uid == pvc.metadata.uid
                assert owners.setdefault(pv.name, pvc.name) == pvc.name
    for choice in choices:
        actions = [a for a in cluster.enabled(state) if _ours(a)] or [Tick()]
        state = cluster.apply(state, actions[choice % len(actions)])
        check(state)
    state = _settle(state, idle=40)
    check(state)
    free = [v for v in state.store.list("PersistentVolume") if v.status.phase == "Available"]
    for pvc in state.store.list("PersistentVolumeClaim", "myns"):
        if pvc.status.phase != "Bound":
            assert pvc_controller.find_best_match(pvc, tuple(free), False) is None
