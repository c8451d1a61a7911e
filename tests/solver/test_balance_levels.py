"""The balance levels' bounds (solver.balance_levels): what they refute, checked against hand-computed levels."""

from __future__ import annotations

from hypothesis import assume, given, settings

from solver import balance_levels, objectives
from solver.api import Options, schedule
from solver.encoding import encode
from solver.families import container, deployment, hetero
from solver.instance import build
from tests.solver.helpers import node
from tests.solver.test_hetero_optimum import exhaustive, instances

NODES = [node("small", cpu="4", memory="16Gi"), node("big", cpu="16", memory="64Gi")]
APPS = [deployment("app", 3, {"containers": [container("2", "1Gi")]})]


def _levels() -> tuple[balance_levels.Levels, objectives.Stage]:
    encoding = encode(build(NODES, APPS, "admission"))
    return balance_levels.levels(encoding, {0: 3}), objectives.balance_stage(encoding, {0: 3})


def test_counting_refutes_what_the_average_allows():
    lv, stage = _levels()
    assert stage.lower == 300  # 6 of 20 cores
    # below 50 % the small node takes no 2-core pod, and the big one takes three only from 6/16 = 37.5 % up
    assert lv.refuted(374) and not lv.refuted(375)
    assert lv.lowest(stage.lower, 1000) == 375


def test_reachable_loads_merge_levels():
    lv, _ = _levels()
    # the big node's cpu loads are multiples of 2 cores: 37.5 % up to 49.9 % is one level (6 cores)
    assert lv.caps(lv.types[1], 375)[0] == lv.caps(lv.types[1], 499)[0] == 6000
    assert lv.next_level(375, 1000) == 500


def test_the_bound_proves_the_optimum_without_a_solver_call():
    result = schedule(NODES, APPS, Options(objectives=("balance",), timeout=30))
    assert (result.status, result.value) == ("optimal", 37.5)
    assert result.stages[-1].checks == 0


THREE = [node(f"n{i}", cpu="2", memory="8Gi") for i in range(3)]
ODD = [deployment("big", 2, {"containers": [container("700m", "1Gi")]}),
       deployment("small", 4, {"containers": [container("300m", "1Gi")]})]


def test_unavoidable_waste_refutes_what_volume_and_counting_allow():
    encoding = encode(build(THREE, ODD, "admission"))
    lv, stage = balance_levels.levels(encoding, {0: 6}), objectives.balance_stage(encoding, {0: 6})
    caps = [lv.caps(t, 450) for t in lv.types]
    # at 45 % each node has 900m (three 300m pods): 2700m for 2600m of demand, and no counting argument fails
    assert caps == [(900, 3 * 2 ** 30)] and not lv._wasteful(caps, 1)
    assert not any(lv._too_many(caps, 0, size) for size in (300, 700))
    # but a node with a 700m pod takes nothing else below 1000m: two of them waste 200m each, the slack is 100m
    assert lv._wasteful(caps, 0) and lv.refuted(450)
    assert lv.lowest(stage.lower, 1000) == 500
    result = schedule(THREE, ODD, Options(objectives=("balance",), timeout=30))
    assert (result.status, result.value, result.stages[-1].checks) == ("optimal", 50.0, 0)


@settings(max_examples=40, deadline=None)
@given(instances())
def test_a_refuted_level_is_below_the_exhaustive_optimum(case):
    nodes, apps = case
    pending, optimum = exhaustive(nodes, apps, "balance")
    encoding = encode(build(nodes, apps, "admission"))
    placed = {0: sum(u.size for u in encoding.instance.units)}
    assume(pending == 0 and balance_levels.applies(encoding, placed))
    lv = balance_levels.levels(encoding, placed)
    assert not lv.refuted(optimum)
    assert lv.lowest(0, 1000) <= optimum


def test_a_node_that_allows_no_pod_of_a_size_wastes_only_what_the_others_leave():
    nodes = [*(node(f"n{i}", cpu="2", memory="8Gi", labels={"big": "yes"}) for i in range(2)),
             node("n2", cpu="2", memory="8Gi")]
    apps = [deployment("big", 2, {"nodeSelector": {"big": "yes"}, "containers": [container("700m", "1Gi")]}),
            ODD[1]]
    encoding = encode(build(nodes, apps, "admission"))
    lv = balance_levels.levels(encoding, {0: 6})
    # at 50 %: 700m + 300m on each labelled node, two 300m pods on n2 (its 400m of waste is the slack)
    assert not lv.refuted(500) and lv.refuted(499)


def test_a_capacity_is_lowered_to_the_largest_load_whose_least_companion_load_fits():
    workload = hetero(50, 20, 4)
    encoding = encode(build(workload.cluster, workload.to_place, "admission"))
    lv = balance_levels.levels(encoding, {0: 50})
    small = next(t for t in lv.types if t.allocatable == (4000, 16 * 2 ** 30))
    # at 20.4 %: 816m -> 800m of cpu and 3.26Gi -> 3.25Gi (26 x 128Mi) reachable, but every subset of the pods
    # with 3.25Gi requests at least 950m of cpu; 3.125Gi is the most that fits with 800m
    assert small.least[1][26] * 50 == 950 and small.least[1][25] * 50 <= 800
    assert lv.caps(small, 204) == (800, 25 * 2 ** 27)
    # the counting and waste arguments alone stop at 20.4 %; with the lowered capacities at 21.1 % (optimum 21.9)
    assert lv.lowest(204, 1000) == 211
