"""The volume Filter plugins: VolumeBinding (after ``volumebinding/volume_binding_test.go`` TestVolumeBinding and
``binder_test.go`` TestFindPodVolumes*), VolumeZone (``volumezone/volume_zone_test.go`` TestSingleZone) and
VolumeRestrictions' ReadWriteOncePod check (``volumerestrictions/volume_restrictions_test.go``)."""

from __future__ import annotations

from typing import Any

from model.objects import OpaqueObject
from model.scheduler import filters
from model.scheduler.filters import REGISTRY
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE
from model.scheduler.volumes import ERR_BIND_CONFLICT, ERR_NODE_CONFLICT, ERR_PV_NOT_EXIST
from tests.model.scheduler.builders import claim_volume, make_node, make_pod, make_pv, make_pvc

NODE1 = make_node("node1", {"kubernetes.io/hostname": "node1", "topology.kubernetes.io/zone": "us-west1-a"})
NODE2 = make_node("node2", {"kubernetes.io/hostname": "node2", "topology.kubernetes.io/zone": "us-west1-b"})


def storage_class(
    name: str, mode: str | None = None, provisioner: str = "example.com/csi", **extra: Any
) -> OpaqueObject:
    body: dict[str, Any] = {"provisioner": provisioner, **extra}
    if mode is not None:
        body["volumeBindingMode"] = mode
    return OpaqueObject.from_dict(
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name}, **body}
    )


WAIT = storage_class("wait", "WaitForFirstConsumer")
IMMEDIATE = storage_class("immediate")


def _pod(*claims: str) -> Any:
    return make_pod(volumes=[claim_volume(f"v{i}", claim) for i, claim in enumerate(claims)])


def _binding(pod: Any, node: Any, *objects: Any) -> str | None:
    return filters.volume_binding(pod, node, Snapshot.of([NODE1, NODE2, *objects]))


def test_pod_without_claims_skips_volume_binding() -> None:
    snapshot = Snapshot.of([NODE1])
    assert REGISTRY["VolumeBinding"].run_pre_filter(make_pod(), snapshot, Profile.default()).skip


def test_missing_claim_rejects_every_node_at_pre_filter() -> None:
    pre = REGISTRY["VolumeBinding"].run_pre_filter(_pod("data"), Snapshot.of([NODE1]), Profile.default())
    assert pre.status is not None and pre.status.message == 'persistentvolumeclaim "data" not found'
    assert pre.status.code == UNSCHEDULABLE_AND_UNRESOLVABLE


def test_claim_problems_at_pre_filter() -> None:
    """podHasPVCs: a Lost claim and a claim being deleted."""
    lost = make_pvc("data", volume="pv1", phase="Lost")
    assert (
        _binding(_pod("data"), NODE1, lost)
        == 'persistentvolumeclaim "data" bound to non-existent persistentvolume "pv1"'
    )
    deleting = make_pvc("data", deletionTimestamp=3)
    assert _binding(_pod("data"), NODE1, deleting) == 'persistentvolumeclaim "data" is being deleted'


def test_ephemeral_volume_waits_for_its_claim() -> None:
    pod = make_pod("web", volumes=[{"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}}])
    assert (
        _binding(pod, NODE1)
        == 'waiting for ephemeral volume controller to create the persistentvolumeclaim "web-scratch"'
    )


def test_unbound_immediate_claim_is_unschedulable() -> None:
    pvc = make_pvc("data", storage_class="immediate")
    assert _binding(_pod("data"), NODE1, pvc, IMMEDIATE) == "pod has unbound immediate PersistentVolumeClaims"
    no_class = make_pvc("data")
    assert _binding(_pod("data"), NODE1, no_class) == "pod has unbound immediate PersistentVolumeClaims"


def test_bound_claim_follows_its_volume_node_affinity() -> None:
    pvc = make_pvc("data", volume="pv1", phase="Bound")
    pv = make_pv("pv1", hostnames=["node1"], claim=("default", "data"), phase="Bound")
    assert _binding(_pod("data"), NODE1, pvc, pv) is None
    assert _binding(_pod("data"), NODE2, pvc, pv) == ERR_NODE_CONFLICT


def test_bound_local_volume_shortlists_nodes() -> None:
    """GetEligibleNodes: a bound local PV pins the pod to its hostname values."""
    pvc = make_pvc("data", volume="pv1", phase="Bound")
    pv = make_pv("pv1", hostnames=["node1"], claim=("default", "data"), phase="Bound")
    pre = REGISTRY["VolumeBinding"].run_pre_filter(
        _pod("data"), Snapshot.of([NODE1, NODE2, pvc, pv]), Profile.default()
    )
    assert pre.node_names == frozenset({"node1"})


def test_bound_claim_to_missing_volume() -> None:
    pvc = make_pvc("data", volume="gone", phase="Bound")
    assert _binding(_pod("data"), NODE1, pvc) == ERR_PV_NOT_EXIST


def test_wait_for_first_consumer_binds_to_a_matching_volume() -> None:
    pvc = make_pvc("data", storage_class="wait")
    local = make_pv("pv1", hostnames=["node1"], storage_class="wait")
    assert (
        _binding(
            _pod("data"),
            NODE1,
            pvc,
            local,
            storage_class("wait", "WaitForFirstConsumer", provisioner="kubernetes.io/no-provisioner"),
        )
        is None
    )
    assert (
        _binding(
            _pod("data"),
            NODE2,
            pvc,
            local,
            storage_class("wait", "WaitForFirstConsumer", provisioner="kubernetes.io/no-provisioner"),
        )
        == ERR_BIND_CONFLICT
    )


def test_wait_for_first_consumer_without_volumes_is_provisioned() -> None:
    """checkVolumeProvisions: a class with a provisioner can make a volume anywhere its topologies allow."""
    pvc = make_pvc("data", storage_class="wait")
    assert _binding(_pod("data"), NODE1, pvc, WAIT) is None
    zoned = storage_class(
        "wait",
        "WaitForFirstConsumer",
        allowedTopologies=[
            {"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone", "values": ["us-west1-b"]}]}
        ],
    )
    assert _binding(_pod("data"), NODE1, pvc, zoned) == ERR_BIND_CONFLICT
    assert _binding(_pod("data"), NODE2, pvc, zoned) is None


def test_matching_volume_must_be_big_enough_and_of_the_class() -> None:
    no_provisioner = storage_class("wait", "WaitForFirstConsumer", provisioner="kubernetes.io/no-provisioner")
    pvc = make_pvc("data", storage_class="wait", request="5Gi")
    small = make_pv("small", capacity="1Gi", storage_class="wait")
    other_class = make_pv("other", capacity="10Gi", storage_class="fast")
    assert _binding(_pod("data"), NODE1, pvc, small, other_class, no_provisioner) == ERR_BIND_CONFLICT
    big = make_pv("big", capacity="10Gi", storage_class="wait")
    assert _binding(_pod("data"), NODE1, pvc, small, big, no_provisioner) is None


def test_two_claims_cannot_share_one_volume() -> None:
    no_provisioner = storage_class("wait", "WaitForFirstConsumer", provisioner="kubernetes.io/no-provisioner")
    claims = [make_pvc("a", storage_class="wait"), make_pvc("b", storage_class="wait")]
    one = make_pv("pv1", storage_class="wait")
    assert _binding(_pod("a", "b"), NODE1, *claims, one, no_provisioner) == ERR_BIND_CONFLICT
    two = make_pv("pv2", storage_class="wait")
    assert _binding(_pod("a", "b"), NODE1, *claims, one, two, no_provisioner) is None


def test_selected_node_annotation_pins_the_claim() -> None:
    pvc = make_pvc("data", storage_class="wait", annotations={"volume.kubernetes.io/selected-node": "node2"})
    assert _binding(_pod("data"), NODE1, pvc, WAIT) == ERR_BIND_CONFLICT
    assert _binding(_pod("data"), NODE2, pvc, WAIT) is None


# --- VolumeZone ------------------------------------------------------------------------------------


def _zoned_pv(zone_value: str, key: str = "topology.kubernetes.io/zone") -> Any:
    return make_pv("pv1", labels={key: zone_value}, claim=("default", "data"), phase="Bound")


def test_volume_zone_requires_the_volume_zone() -> None:
    """TestSingleZone: a node in another zone conflicts; a node without topology labels passes."""
    pvc = make_pvc("data", volume="pv1", phase="Bound")
    unlabelled = make_node("bare")
    snapshot = Snapshot.of([NODE1, NODE2, unlabelled, pvc, _zoned_pv("us-west1-a")])
    assert filters.volume_zone(_pod("data"), NODE1, snapshot) is None
    assert filters.volume_zone(_pod("data"), NODE2, snapshot) == "node(s) had no available volume zone"
    assert filters.volume_zone(_pod("data"), unlabelled, snapshot) is None


def test_volume_zone_multi_zone_label_and_beta_key() -> None:
    """LabelZonesToSet splits on "__"; a beta PV label matches the node's GA label."""
    pvc = make_pvc("data", volume="pv1", phase="Bound")
    pv = _zoned_pv("us-west1-b__us-west1-c", key="failure-domain.beta.kubernetes.io/zone")
    snapshot = Snapshot.of([NODE1, NODE2, pvc, pv])
    assert filters.volume_zone(_pod("data"), NODE2, snapshot) is None
    assert filters.volume_zone(_pod("data"), NODE1, snapshot) == "node(s) had no available volume zone"


def test_volume_zone_skips_unbound_wait_for_first_consumer_claims() -> None:
    pvc = make_pvc("data", storage_class="wait")
    assert REGISTRY["VolumeZone"].run_pre_filter(_pod("data"), Snapshot.of([NODE1, pvc, WAIT]), Profile.default()).skip


# --- VolumeRestrictions (ReadWriteOncePod) -----------------------------------------------------------


def test_read_write_once_pod_claim_in_use_blocks_every_node() -> None:
    pvc = make_pvc("data", volume="pv1", phase="Bound", access_modes=("ReadWriteOncePod",))
    user = make_pod("user", node="node1", volumes=[claim_volume("v", "data")])
    snapshot = Snapshot.of([NODE1, NODE2, pvc, user])
    for node in (NODE1, NODE2):
        status = REGISTRY["VolumeRestrictions"].status(_pod("data"), node, snapshot, Profile.default())
        assert status is not None and status.code == UNSCHEDULABLE
        assert status.message == (
            "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
        )
    assert filters.volume_restrictions(_pod("data"), NODE1, Snapshot.of([NODE1, pvc])) is None
