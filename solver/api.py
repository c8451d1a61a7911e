"""``schedule``: place pods on a cluster snapshot optimally, re-check the placement with the model, and
explain every pod left pending.

The steps: build the instance (admission, queue order, static filters), encode it, compute the warm start
(a greedy placement over the encoding, confirmed against every constraint), optimise the objective stages
with the chosen backend, replay the result through the model's filters and quota admission, and explain the
pending pods from admission, static verdicts and unsat cores.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from model.frozendict import FrozenDict
from model.resources import allowed_pod_number
from solver import balance_levels, explain, node_types, objectives
from solver.encoding import Encoding, derive, encode, violated
from solver.instance import ADMISSION, Instance, build
from solver.names import BACKENDS as BACKENDS  # re-exported: the command line reads it here
from solver.names import BALANCE, MAX_PLACED, MIN_MOVES, MIN_NODES
from solver.objectives import Stage
from solver.search import FEASIBLE, INFEASIBLE, OPTIMAL, UNKNOWN, StageResult, Z3Backend, minimise
from solver.verify import verify
from solver.warm import ORDERS, SolverBug, canonical, check, empty_nodes, greedy

RECHECK_SHARE = 0.4
RECHECK_SECONDS = (0.001, 1.5e-6)
"""The time limit covers every stage: the search stops early enough to leave ``a * pods + b * pods ** 2``
processor seconds (the re-check binds pods one by one, each on a snapshot holding the ones before), scaled by
how much slower than the processor time the wall clock ran so far (a loaded machine), and at most
``RECHECK_SHARE`` of the limit, for the model's re-check and the explanations of pending pods. The re-check
always runs whole, so on a machine that slows down later the limit can still be exceeded."""
MIN_CORE_SECONDS = 0.05


@attrs.frozen
class Options:
    """How to solve: the objective stages, quota mode, time limit (wall-clock seconds for the whole run:
    building, warm start, search, re-check), all-or-nothing, the backend, and how Z3 sees the variables (see
    :class:`~solver.search.Z3Backend`)."""

    objectives: tuple[str, ...] = (MAX_PLACED,)
    quota_mode: str = ADMISSION
    timeout: float = 10.0
    require_all: bool = False
    backend: str = "z3"
    z3_mode: str = "hybrid"


@attrs.frozen
class Result:
    """A placement and its certificate. ``placements``: every admitted pod (and each pod admission refused)
    to its node or None; ``unschedulable``: the reasons for each pending pod; ``objective``: the requested
    objective's value and proven bound (pods placed for ``max-placed``, nodes for ``min-nodes``, highest
    utilisation in percent for ``balance``, running pods moved for ``min-moves``); ``stages``: every
    lexicographic stage."""

    strategy: str
    status: str
    objective: str
    value: float | int | None
    bound: float | int | None
    placements: FrozenDict
    unschedulable: FrozenDict
    seconds: float
    stages: tuple[StageResult, ...] = ()
    placed_by_priority: FrozenDict = FrozenDict()

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": {"name": self.objective, "value": self.value, "bound": self.bound},
            "placements": dict(self.placements),
            "unschedulable": {k: list(v) for k, v in self.unschedulable.items()},
            "seconds": round(self.seconds, 3),
            "strategy": self.strategy,
            "placed_by_priority": {str(k): v for k, v in self.placed_by_priority.items()},
            "stages": [{"name": s.name, "value": s.value, "bound": s.bound, "status": s.status,
                        "seconds": round(s.seconds, 3)} for s in self.stages],
        }


def stages_for(encoding: Encoding, name: str, placed: Mapping[int, int]) -> list[Stage]:
    """The stages of one objective; ``placed``: pods per priority level every solution still places."""
    if name == MAX_PLACED:
        return objectives.placed_stages(encoding)
    if name == MIN_NODES:
        return [objectives.nodes_stage(encoding, placed)]
    if name == BALANCE:
        return [objectives.balance_stage(encoding, placed)]
    return [objectives.moves_stage(encoding)]


def warm_start(encoding: Encoding, stages: Sequence[Stage],
               deadline: float | None = None) -> tuple[list[int] | None, list[int]]:
    """The best of the greedy placements over the encoding (each unit order packing, then queue order
    spreading, then for ``balance`` largest first balancing; packings also try to empty nodes), compared on
    the stages in order: (the best that meets every constraint or None, the best that meets all but the
    all-or-nothing requirement). At ``deadline`` the passes stop (the first one then places what it has
    placed so far)."""
    feasible: tuple[tuple[int, ...], list[int]] | None = None
    partial: tuple[tuple[int, ...], list[int]] | None = None
    balancing = [(False, "dominant", True)] if any(stage.objective == BALANCE for stage in stages) else []
    for pack, order, balance in [(True, order, False) for order in ORDERS] + [(False, "queue", False), *balancing]:
        if partial is not None and deadline is not None and time.monotonic() > deadline:
            break
        counts = greedy(encoding, pack, order, deadline, balance)
        if pack and encoding.used:
            counts = empty_nodes(encoding, counts, deadline=deadline)
        values = derive(encoding, canonical(encoding, counts))
        broken = violated(encoding, values)
        if any(c.label is None or c.label[0] != "require" for c in broken):
            raise SolverBug(f"warm start breaks {len(broken)} constraint(s), e.g. {broken[0]}")
        key = tuple(stage.evaluate(values) for stage in stages)
        if partial is None or key < partial[0]:
            partial = (key, values)
        if not broken and (feasible is None or key < feasible[0]):
            feasible = (key, values)
    return (None if feasible is None else feasible[1]), partial[1]


def solve_stages(encoding: Encoding, options: Options, incumbent: list[int] | None,
                 deadline: float) -> tuple[list[StageResult], list[int] | None]:
    """Run the stages in order with the backend, each one's result then held as a constraint; returns the
    stage results and the final assignment."""
    if options.backend == "cpsat":
        from solver.cpsat import CpSatBackend

        backend: Any = CpSatBackend(encoding)
    else:
        backend = Z3Backend(encoding, options.z3_mode)
        if incumbent is not None:
            backend.hint(incumbent)
    results: list[StageResult] = []
    placed: dict[int, int] = {}
    values = incumbent
    for position, name in enumerate(options.objectives):
        # dominance between node types holds for min-nodes only after max-placed stages (see solver.node_types)
        typed = name == MIN_NODES and set(options.objectives[:position]) <= {MAX_PLACED}
        # the balance levels restate only the max-placed stages' results (see solver.balance_levels)
        leveled = name == BALANCE and set(options.objectives[:position]) <= {MAX_PLACED}
        for stage in stages_for(encoding, name, placed):
            by_types = by_levels = None
            if options.backend == "cpsat":
                result, values = backend.minimise(stage, values, deadline)
            elif typed and (by_types := node_types.minimise(encoding, stage, placed, values, deadline,
                                                            options.require_all, options.z3_mode)):
                result, values = by_types
            elif leveled and (by_levels := balance_levels.minimise(encoding, stage, placed, values, deadline,
                                                            options.z3_mode)):
                result, values = by_levels
            else:
                result, values = minimise(backend, stage, values, deadline,
                                          try_lower_first=name in (MIN_NODES, BALANCE, MIN_MOVES))
            results.append(result)
            if values is None:
                return results, None
            if stage.priority is not None:
                placed[stage.priority] = stage.upper - result.value
            backend.add(stage.at_most(result.value))
    return results, values


def _status(results: Sequence[StageResult], values: list[int] | None) -> str:
    if values is None:
        return results[-1].status if results else UNKNOWN
    return OPTIMAL if all(r.status == OPTIMAL for r in results) else FEASIBLE


def _summary(instance: Instance, name: str, results: Sequence[StageResult]) -> tuple[Any, Any]:
    """The requested objective's value and bound, in the units :class:`Result` documents."""
    if name == MAX_PLACED:
        levels = [r for r in results if r.objective == MAX_PLACED]
        if any(r.value is None for r in levels):
            return None, None
        total = sum(u.size for u in instance.units)
        return total - sum(r.value for r in levels), total - sum(r.bound for r in levels)
    stage = next((r for r in results if r.objective == name), None)
    if stage is None or stage.value is None:
        return None, None
    if name == BALANCE:
        return stage.value / 10, stage.bound / 10
    return stage.value, stage.bound


def member_placement(encoding: Encoding, counts: Mapping[tuple[int, str], int]) -> dict[int, str]:
    """Pod index -> node: a unit's pods fill its nodes in node order; the last ones stay pending."""
    placement = {}
    for unit in encoding.instance.units:
        members = iter(unit.pods)
        for node in encoding.slots[unit.index]:
            for _ in range(counts.get((unit.index, node), 0)):
                placement[next(members)] = node
    return placement


def schedule(cluster: Sequence[Any], to_place: Sequence[Any], options: Options = Options(),
             strategy: str | None = None) -> Result:
    """Place ``to_place`` (pods and workloads) on the snapshot ``cluster`` under ``options``."""
    start, processor = time.monotonic(), time.process_time()
    deadline = start + options.timeout
    names = objectives.parse_objectives(options.objectives)
    options = attrs.evolve(options, objectives=names)
    instance = build(cluster, to_place, options.quota_mode, movable=MIN_MOVES in names)
    encoding = encode(instance, with_used=MIN_NODES in names, require_all=options.require_all)
    pods = len(instance.pods)
    slowdown = max(1.0, (time.monotonic() - start) / max(time.process_time() - processor, 1e-3))
    search = deadline - min(options.timeout * RECHECK_SHARE,
                            slowdown * (RECHECK_SECONDS[0] * pods + RECHECK_SECONDS[1] * pods ** 2))
    incumbent, best_found = warm_start(encoding, [st for name in names for st in stages_for(encoding, name, {})],
                                       search)
    results, values = solve_stages(encoding, options, incumbent, search)
    status = _status(results, values)
    if status == UNKNOWN:
        values = best_found
    return finish(encoding, options, strategy or f"{options.backend}-{names[-1]}", status, results, values, start,
                  deadline)


def finish(encoding: Encoding, options: Options, strategy: str, status: str, results: Sequence[StageResult],
           values: list[int] | None, start: float, deadline: float | None = None) -> Result:
    """Re-check, explain and package a solver run (with status ``unknown``, ``values`` is the best placement
    found, which may miss the all-or-nothing requirement). Unsat cores for the explanations get the time left
    before ``deadline``; the re-check always runs."""
    deadline = deadline if deadline is not None else start + options.timeout
    instance = encoding.instance
    if options.require_all and instance.rejected:
        status = INFEASIBLE
    counts = encoding.counts(values) if values is not None else {}
    if values is not None:
        values = check(encoding, counts, exempt="require" if status == UNKNOWN else None)
    placement = member_placement(encoding, counts)
    verify(instance, placement)
    unschedulable: dict[str, tuple[str, ...]] = dict(instance.rejected)
    slots = sum(allowed_pod_number(n) for n in instance.nodes)
    for workload, count in instance.surplus:
        unschedulable[f"{workload}: {count} more replicas"] = (
            f"the nodes have {slots} pod slots in all (allocatable pods): replicas beyond that can never be "
            "placed, so they are counted, not built",)
    if status == INFEASIBLE:
        labels = explain.infeasible_core(encoding, max(MIN_CORE_SECONDS, deadline - time.monotonic()))
        for unit in instance.units:
            lines = explain.static_reasons(instance, unit) + explain.render(instance, unit.index, labels, counts)
            for i in unit.pods:
                unschedulable[instance.pods[i].key] = tuple(lines)
    else:
        for unit in instance.units:
            pending = [i for i in unit.pods if i not in placement]
            if not pending:
                continue
            lines = explain.static_reasons(instance, unit)
            if unit.candidates:
                left = min(explain.CORE_SECONDS, deadline - time.monotonic())
                labels = explain.core(encoding, unit.index, values or [0] * (encoding.num_vars + 1), left) \
                    if left > MIN_CORE_SECONDS else None
                if labels is None:
                    lines.append("fits, but the search stopped before placing it (time limit)")
                else:
                    lines += explain.render(instance, unit.index, labels, counts)
            for i in pending:
                unschedulable[instance.pods[i].key] = tuple(lines)
    placements = {info.key: placement.get(i) for i, info in enumerate(instance.pods)}
    placements.update({key: None for key in instance.rejected})
    value, bound = _summary(instance, options.objectives[-1], results)
    by_priority: dict[int, int] = {}
    for i, info in enumerate(instance.pods):
        by_priority[info.priority] = by_priority.get(info.priority, 0) + (1 if i in placement else 0)
    return Result(strategy, status, options.objectives[-1], value, bound, FrozenDict(placements),
                  FrozenDict(unschedulable), time.monotonic() - start, tuple(results), FrozenDict(by_priority))
