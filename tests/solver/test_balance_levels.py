"""The balance levels' bounds (solver.balance_levels): what they refute, checked against hand-computed levels."""

from __future__ import annotations

from solver import balance_levels, objectives
from solver.api import Options, schedule
from solver.encoding import encode
from solver.families import container, deployment
from solver.instance import build
from tests.solver.helpers import node

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
