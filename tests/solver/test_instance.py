"""Building a scheduling problem: admission (LimitRanger, Priority, ResourceQuota in arrival order), queue
order, grouping of identical replicas, the static filter verdicts, and which running pods may move."""

import pytest

from model.errors import ManifestError
from model.objects import LimitRange, PriorityClass, ResourceQuota
from solver.instance import ADMISSION, NEW, PENDING, RUNNING, SOLVER, build, normalise_quota
from tests.solver.helpers import node, pod

QUOTA = ResourceQuota.from_dict({"metadata": {"name": "q", "namespace": "default"},
                                 "spec": {"hard": {"requests.cpu": "2", "pods": "10"}}})


def test_limit_range_defaults_apply_before_the_quota_check():
    limits = LimitRange.from_dict({"metadata": {"name": "d", "namespace": "default"}, "spec": {"limits": [
        {"type": "Container", "defaultRequest": {"cpu": "500m"}, "default": {"cpu": "1"}}]}})
    instance = build([node("n1"), QUOTA, limits], [pod("a", cpu=None, memory=None)])
    (info,) = instance.pods
    assert info.pod.spec.containers[0].resources.requests["cpu"].milli == 500
    assert dict(instance.units[0].requests)["cpu"] == 500


def test_admission_mode_admits_in_arrival_order_and_charges_the_quota():
    pods = [pod("a", cpu="1500m"), pod("b", cpu="1"), pod("c", cpu="500m")]
    instance = build([node("n1"), QUOTA], pods, ADMISSION)
    assert [i.key for i in instance.pods] == ["default/a", "default/c"]
    assert instance.rejected["default/b"] == (
        "quota requests.cpu in namespace default: 1500m/2 used (the pod needs 1)",)
    assert instance.charged[0].status.used["requests.cpu"].milli == 2000


def test_solver_mode_admits_only_what_fits_alone_and_charges_nothing_yet():
    pods = [pod("a", cpu="1500m"), pod("b", cpu="1"), pod("huge", cpu="3")]
    instance = build([node("n1"), QUOTA], pods, SOLVER)
    assert [i.key for i in instance.pods] == ["default/a", "default/b"]
    assert "default/huge" in instance.rejected
    assert instance.charged[0].status.used["requests.cpu"].milli == 0


def test_quota_status_is_recounted_from_the_snapshot_when_missing():
    running = pod("r", cpu="1", node_name="n1")
    quota = normalise_quota(QUOTA, [running])
    assert quota.status.hard == QUOTA.spec.hard
    assert quota.status.used["requests.cpu"].milli == 1000


def test_priority_classes_resolve_and_order_the_queue():
    classes = [PriorityClass.from_dict({"metadata": {"name": "high"}, "value": 1000})]
    pods = [pod("low"), pod("top", priorityClassName="high"), pod("missing", priorityClassName="nope")]
    instance = build([node("n1"), *classes], pods)
    assert [(i.key, i.priority) for i in instance.pods] == [("default/top", 1000), ("default/low", 0)]
    assert instance.rejected["default/missing"] == ("admission: no PriorityClass with name nope was found",)


def test_identical_consecutive_replicas_form_one_unit_and_others_stay_single():
    labels = {"app": "web"}
    pods = [pod(f"r{i}", labels=labels) for i in range(3)]
    pods.append(pod("anti", labels=labels, affinity={"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": labels}}]}}))
    instance = build([node("n1")], pods)
    assert [u.size for u in instance.units] == [3, 1]
    assert instance.units[0].relations.plain and not instance.units[1].relations.plain


def test_static_verdicts_name_the_filter():
    tainted = node("n2", taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}])
    small = node("n3", cpu="500m")
    instance = build([node("n1"), tainted, small], [pod("a")])
    unit = instance.units[0]
    assert unit.candidates == ("n1",)
    assert unit.static["n2"] == "TaintToleration: node(s) had untolerated taint(s)"
    assert unit.static["n3"] == "NodeResourcesFit: Insufficient cpu"


def test_pending_snapshot_pods_are_placed_and_running_ones_move_only_for_min_moves():
    cluster = [node("n1"), pod("running", node_name="n1"), pod("waiting")]
    fixed = build(cluster, [pod("new")])
    assert [(i.key, i.origin) for i in fixed.pods] == [("default/waiting", PENDING), ("default/new", NEW)]
    assert [p.name for p in fixed.snapshot.pods] == ["running"]
    moving = build(cluster, [pod("new")], movable=True)
    assert moving.pods[0].origin == RUNNING and moving.pods[0].original_node == "n1"
    assert moving.snapshot.pods == ()


def test_duplicate_pods_and_bad_quota_modes_are_user_errors():
    with pytest.raises(ManifestError, match="given more than once"):
        build([node("n1")], [pod("a"), pod("a")])
    with pytest.raises(ManifestError, match="quota mode"):
        build([node("n1")], [pod("a")], "sometimes")
