"""The Z3 scheduler end to end: constraints, objectives, statuses, explanations and the re-check."""

import json

import pytest

from model.objects import PriorityClass, ResourceQuota
from solver.api import Options, schedule
from solver.encoding import encode
from solver.instance import build
from solver.verify import verify
from solver.warm import SolverBug, check
from tests.solver.helpers import HOST, ZONE, affinity, anti, node, pod, spread

FAST = dict(timeout=10)


def run(cluster, pods, *objectives, **options):
    return schedule(cluster, pods, Options(objectives=objectives or ("max-placed",), **{**FAST, **options}))


def test_a_request_no_node_offers_leaves_the_pod_pending_with_reasons():
    result = run([node("n1"), node("n2")], [pod("gpu", extra={"nvidia.com/gpu": "1"}), pod("web")])
    assert result.status == "optimal"
    assert result.placements["default/gpu"] is None and result.placements["default/web"] is not None
    assert result.unschedulable["default/gpu"] == (
        "not enough room even when empty of new pods: Insufficient nvidia.com/gpu on nodes n1,n2",)


def test_every_resource_and_the_pod_count_limit_the_packing():
    nodes = [node("n1", cpu="4", memory="4Gi", pods=3, extra={"example.com/fpga": "2"})]
    pods = [pod(f"p{i}", cpu="1", memory="1Gi", extra={"example.com/fpga": "1"} if i < 3 else {}) for i in range(5)]
    result = run(nodes, pods)
    assert result.value == 3
    assert sum(1 for v in result.placements.values() if v) == 3
    pending = result.unschedulable["default/p4"]
    assert any(line.startswith("pods full on 1 node(s)") for line in pending)


def test_max_placed_beats_first_fit_on_a_tight_packing():
    nodes = [node("n1", cpu="4"), node("n2", cpu="4")]
    pods = [pod("a", cpu="2"), pod("b", cpu="2"), pod("c", cpu="3"), pod("d", cpu="1")]
    result = run(nodes, pods)
    assert result.value == 4 and result.bound == 4


def test_higher_priority_pods_are_never_traded_for_lower_ones():
    high = PriorityClass.from_dict({"metadata": {"name": "high"}, "value": 100})
    pods = [pod(f"small{i}", cpu="1") for i in range(4)] + [pod("big", cpu="4", priorityClassName="high")]
    result = run([node("n1", cpu="4"), high], pods)
    assert result.placements["default/big"] == "n1"
    assert dict(result.placed_by_priority) == {100: 1, 0: 0}


def test_required_anti_affinity_holds_both_ways():
    labels = {"app": "web"}
    running = pod("old", labels={"app": "db"}, node_name="n1", affinity=anti(HOST, labels))
    pods = [pod(f"w{i}", labels=labels, affinity=anti(HOST, labels)) for i in range(3)]
    result = run([node("n1"), node("n2"), node("n3"), running], pods)
    placed = [v for k, v in result.placements.items() if v]
    assert sorted(placed) == ["n2", "n3"]
    (reasons,) = [v for k, v in result.unschedulable.items()]
    assert any("existing pods anti-affinity" in r for r in reasons)
    assert any(r.startswith("pod anti-affinity (kubernetes.io/hostname) with default/w") for r in reasons)


def test_required_affinity_follows_the_first_pod_of_a_group():
    labels = {"app": "cache"}
    pods = [pod(f"c{i}", labels=labels, affinity=affinity(ZONE, labels)) for i in range(3)]
    result = run([node("n1", zone="a"), node("n2", zone="b"), node("n3", zone="b")], pods, "max-placed", "balance")
    zones = {"n1": "a", "n2": "b", "n3": "b"}
    assert len({zones[n] for n in result.placements.values()}) == 1


def test_topology_spread_do_not_schedule_bounds_the_skew():
    labels = {"app": "w"}
    nodes = [node("n1", zone="a", cpu="16"), node("n2", zone="b", cpu="1")]
    pods = [pod(f"w{i}", labels=labels, cpu="1", topologySpreadConstraints=spread(ZONE, labels)) for i in range(4)]
    result = run(nodes, pods)
    assert result.value == 3
    assert sorted(v for v in result.placements.values() if v) == ["n1", "n1", "n2"]
    assert any("topology spread" in r for rs in result.unschedulable.values() for r in rs)


def test_taints_and_node_selectors_are_named_in_reasons():
    tainted = node("n2", taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}])
    result = run([node("n1", labels={"disk": "hdd"}), tainted], [pod("a", nodeSelector={"disk": "ssd"})])
    assert result.unschedulable["default/a"] == ("nodeSelector/node affinity not matched on nodes n1",
                                                 "taint gpu=true:NoSchedule on nodes n2")


def test_min_nodes_packs_and_proves_the_bound():
    nodes = [node(f"n{i}", cpu="4") for i in range(6)]
    pods = [pod(f"p{i}", cpu="1", labels={"app": "a"}) for i in range(10)]
    result = run(nodes, pods, "min-nodes")
    assert (result.status, result.value, result.bound) == ("optimal", 3, 3)
    assert len({v for v in result.placements.values()}) == 3


def test_balance_minimises_the_busiest_node():
    nodes = [node("n1", cpu="4"), node("n2", cpu="4")]
    pods = [pod(f"p{i}", cpu="1", memory="100Mi") for i in range(4)]
    result = run(nodes, pods, "balance")
    assert result.value == 50.0 and result.status == "optimal"


def test_min_moves_moves_one_running_pod_to_make_room():
    cluster = [node("n1", cpu="4"), node("n2", cpu="4"), pod("r1", cpu="2", node_name="n1"),
               pod("r2", cpu="2", node_name="n2")]
    result = run(cluster, [pod("big", cpu="4")], "min-moves")
    assert result.placements["default/big"] is not None
    assert (result.value, result.status) == (1, "optimal")


def test_quota_solver_mode_places_more_than_admission_order():
    quota = ResourceQuota.from_dict({"metadata": {"name": "q", "namespace": "default"},
                                     "spec": {"hard": {"requests.cpu": "2"}}})
    cluster = [node("n1", cpu="8"), quota]
    pods = [pod("pinned", cpu="2", nodeSelector={"none": "x"}), pod("a", cpu="1"), pod("b", cpu="1")]
    admission = run(cluster, pods)
    solver = run(cluster, pods, quota_mode="solver")
    assert admission.value == 0 and solver.value == 2
    assert admission.unschedulable["default/a"][0].startswith("quota requests.cpu in namespace default: 2/2 used")


def test_quota_in_solver_mode_is_named_by_the_core():
    quota = ResourceQuota.from_dict({"metadata": {"name": "q", "namespace": "default"},
                                     "spec": {"hard": {"requests.cpu": "2"}}})
    result = run([node("n1", cpu="8"), quota], [pod(f"p{i}", cpu="1") for i in range(3)], quota_mode="solver")
    assert result.value == 2
    (reasons,) = result.unschedulable.values()
    assert reasons == ("quota requests.cpu in namespace default: 2/2 used (the pod needs 1)",)


def test_all_or_nothing_is_infeasible_with_a_core():
    result = run([node("n1", cpu="2")], [pod("a", cpu="2"), pod("b", cpu="1")], require_all=True)
    assert result.status == "infeasible" and result.value is None
    reasons = result.unschedulable["default/a"]
    assert any("cpu full" in r for r in reasons) and any("must be placed" in r for r in reasons)


def test_json_has_the_documented_shape():
    data = json.loads(json.dumps(run([node("n1")], [pod("a")], "min-nodes").to_json()))
    assert set(data) >= {"status", "objective", "placements", "unschedulable", "seconds"}
    assert data["objective"] == {"name": "min-nodes", "value": 1, "bound": 1}
    assert data["placements"] == {"default/a": "n1"}


def test_the_recheck_rejects_a_placement_the_model_refuses():
    instance = build([node("n1", cpu="1")], [pod("a", cpu="1"), pod("b", cpu="1")])
    with pytest.raises(SolverBug, match="Insufficient cpu"):
        verify(instance, {0: "n1", 1: "n1"})


def test_the_warm_start_is_checked_against_every_constraint():
    instance = build([node("n1", cpu="1")], [pod("a", cpu="1"), pod("b", cpu="1", memory="2Gi")])
    with pytest.raises(SolverBug, match="breaks 1 encoded constraint"):
        check(encode(instance), {(0, "n1"): 1, (1, "n1"): 1})


def test_cpsat_backend_agrees_when_installed():
    pytest.importorskip("ortools")
    nodes = [node(f"n{i}", cpu="4") for i in range(4)]
    pods = [pod(f"p{i}", cpu=c) for i, c in enumerate(["3", "2", "2", "1", "1", "3"])]
    z3_result = run(nodes, pods, "min-nodes")
    cp_result = run(nodes, pods, "min-nodes", backend="cpsat")
    assert (z3_result.value, cp_result.value) == (3, 3)
    assert cp_result.status == "optimal"


def test_replicas_beyond_what_a_node_holds_are_explained_by_its_capacity():
    result = run([node("n1", cpu="2")], [pod(f"r{i}", cpu="1", labels={"app": "r"}) for i in range(3)])
    assert result.value == 2
    (reasons,) = result.unschedulable.values()
    assert reasons == ("cpu full on 1 node(s) (requested/allocatable: n1 2/2; the pod needs 1)",)
