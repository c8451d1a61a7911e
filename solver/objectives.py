"""Objectives as lexicographic stages over an :class:`~solver.encoding.Encoding`, each minimised.

- ``max-placed``: one stage per priority level, highest first, minimising the pods of that level left pending
  (so a pod never stays pending to make room for lower-priority pods: the 2025 "Priority Matters" order);
- ``min-nodes``: nodes hosting at least one pod (nodes with pods that stay put always count);
- ``balance``: the highest cpu or memory utilisation of any node, in permille of allocatable (requests,
  including the pods that stay put);
- ``min-moves``: running pods not on their original node (a running pod left pending counts as moved).

``max-placed`` comes first unless the list names it elsewhere: any other objective alone is trivially met by
placing nothing. Each stage knows a cheap proven lower bound (volume arguments), evaluates a placement, and
states "value <= k" as constraints for bound tightening.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from functools import partial

import attrs

from model.resources import scheduler_resources
from solver.encoding import Constraint, Encoding, normalise
from solver.instance import RUNNING
from solver.names import BALANCE, MAX_PLACED, MIN_MOVES, MIN_NODES, OBJECTIVES

BALANCE_RESOURCES = ("cpu", "memory")
PERMILLE = 1000
NEIGHBOURHOOD_NODES = 6


def parse_objectives(text: str | Sequence[str]) -> tuple[str, ...]:
    """``min-nodes`` or ``max-placed,balance``: the stages' order, with ``max-placed`` first unless named.
    Raises ValueError for unknown or repeated names."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    for name in names:
        if name not in OBJECTIVES:
            raise ValueError(f"unknown objective {name!r} (choose from {', '.join(OBJECTIVES)})")
    if len(set(names)) != len(names):
        raise ValueError(f"objective repeated in {','.join(names)}")
    if MAX_PLACED not in names:
        names.insert(0, MAX_PLACED)
    return tuple(names)


@attrs.frozen
class Stage:
    """One minimisation: ``value = const + sum(coefficient * literal)`` for linear stages; balance stages keep
    ``rows`` (literal terms of one node and resource, the amount already there, the allocatable)."""

    name: str
    objective: str
    lower: int
    upper: int
    terms: tuple[tuple[int, int], ...] = ()
    const: int = 0
    rows: tuple[tuple[tuple[tuple[int, int], ...], int, int], ...] = ()
    fixed_floor: int = 0
    focus: tuple[int, ...] = ()
    """Variables to hold at 0 when first trying the lower bound (the nodes the volume bound did not pick)."""
    priority: int | None = None
    """The priority level of a max-placed stage (``upper`` is then the number of its pods)."""
    units: tuple[int, ...] = ()
    """The units of a max-placed stage's priority level."""
    neighbourhoods: tuple[Callable[[Sequence[int], random.Random], list[int]], ...] = ()
    """For large neighbourhood search: each gives, for an incumbent, the variables to keep as they are."""

    @property
    def linear(self) -> bool:
        return not self.rows

    def evaluate(self, values: Sequence[int]) -> int:
        if self.linear:
            return self.const + sum(a * values[var] for var, a in self.terms)
        worst = self.fixed_floor
        for terms, fixed, allocatable in self.rows:
            amount = fixed + sum(a * values[var] for var, a in terms)
            worst = max(worst, math.ceil(amount * PERMILLE / allocatable))
        return worst

    def at_most(self, k: int) -> list[Constraint]:
        """Constraints stating ``value <= k`` (an unsatisfiable one when k is below what is fixed)."""
        if self.linear:
            terms, bound = normalise(self.terms, "<=", k - self.const)
            return [Constraint(terms, "<=", bound)]
        if k < self.fixed_floor:
            return [Constraint((), "<=", -1)]
        constraints = []
        for terms, fixed, allocatable in self.rows:
            cap = k * allocatable // PERMILLE - fixed
            normal, bound = normalise(terms, "<=", cap)
            constraints.append(Constraint(normal, "<=", bound))
        return constraints


def _level_bound(encoding: Encoding, units: Sequence[int]) -> int:
    """An upper bound on how many pods of ``units`` can be placed: those with a candidate node, capped per
    resource by how many of the smallest requests fit the free capacity of the whole cluster."""
    instance = encoding.instance
    sizes = [(instance.units[u], len(encoding.slots[u])) for u in units]
    possible = [u for u, n in sizes if n]
    best = sum(u.size for u in possible)
    free = [instance.free(node.name) for node in instance.nodes]
    for resource in {r for u in possible for r in u.requests}:
        total = sum(max(f.get(resource, 0), 0) for f in free)
        amounts = sorted(a for u in possible for a in [u.requests.get(resource, 0)] * u.size)
        fit, used = 0, 0
        for amount in amounts:
            if used + amount > total:
                break
            used, fit = used + amount, fit + 1
        best = min(best, fit)
    return best


def placed_stages(encoding: Encoding) -> list[Stage]:
    """One stage per priority level (highest first): pods of the level left pending."""
    instance = encoding.instance
    levels: dict[int, list[int]] = {}
    for unit in instance.units:
        levels.setdefault(instance.pods[unit.pods[0]].priority, []).append(unit.index)
    stages = []
    for priority in sorted(levels, reverse=True):
        units = levels[priority]
        total = sum(instance.units[u].size for u in units)
        terms = tuple((var, -1) for u in units for var, _ in encoding.count_terms(u))
        const = total
        stages.append(Stage(f"{MAX_PLACED} (priority {priority})", MAX_PLACED,
                            lower=total - _level_bound(encoding, units), upper=total, terms=terms, const=const,
                            priority=priority, units=tuple(units)))
    return stages


def least_demand(encoding: Encoding, placed: Mapping[int, int], resource: str) -> int:
    """The least total request of ``resource`` over any choice of the given number of pods per level."""
    instance = encoding.instance
    total = 0
    for priority, count in placed.items():
        amounts = sorted(a for u in instance.units if instance.pods[u.pods[0]].priority == priority
                         for a in [u.requests.get(resource, 0) if resource != "pods" else 1] * u.size)
        total += sum(amounts[:count])
    return total


def nodes_stage(encoding: Encoding, placed: Mapping[int, int]) -> Stage:
    """Nodes used. Lower bound: nodes with staying pods, plus for each resource the fewest other nodes whose
    free capacity (largest first) covers what the placed pods need beyond the free capacity of those nodes."""
    instance = encoding.instance
    fixed = [n.name for n in instance.nodes if instance.snapshot.pods_on(n.name)]
    others = [n.name for n in instance.nodes if n.name not in fixed]
    free = {n.name: instance.free(n.name) for n in instance.nodes}
    resources = {r for u in instance.units for r in u.requests} | {"pods"}
    extra = 0
    for resource in resources:
        need = least_demand(encoding, placed, resource) - sum(max(free[n].get(resource, 0), 0) for n in fixed)
        k = 0
        for amount in sorted((max(free[n].get(resource, 0), 0) for n in others), reverse=True):
            if need <= 0:
                break
            need, k = need - amount, k + 1
        extra = max(extra, k)
    largest = sorted((n for n in others if n in encoding.used),
                     key=lambda n: tuple(-max(free[n].get(r, 0), 0) for r in ("cpu", "memory", "pods")))
    focus = tuple(encoding.used[n] for n in largest[extra:])
    terms = tuple((var, 1) for var in encoding.used.values())
    return Stage(MIN_NODES, MIN_NODES, lower=len(fixed) + extra, upper=len(instance.nodes), terms=terms,
                 const=len(fixed), focus=focus, neighbourhoods=(partial(_free_nodes, encoding, True),
                                                                partial(_free_nodes, encoding, False)))


def _free_nodes(encoding: Encoding, lightest: bool, values: Sequence[int], rng: random.Random) -> list[int]:
    """A neighbourhood for min-nodes: the slots of every node but a few used ones (the three least loaded and
    three at random, or six at random) and the two largest unused ones."""
    load: dict[str, int] = {}
    for slots in encoding.slots:
        for node, var in slots.items():
            load[node] = load.get(node, 0) + values[var]
    used = sorted((n for n, k in load.items() if k), key=lambda n: (load[n], n))
    chosen = set(used[:3]) if lightest else set()
    rest = [n for n in used if n not in chosen]
    chosen |= set(rng.sample(rest, min(len(rest), NEIGHBOURHOOD_NODES - len(chosen))))
    empty = sorted((n for n in encoding.used if not load.get(n)),
                   key=lambda n: _capacity_key(encoding.instance.node(n)))
    chosen |= set(empty[:2])
    return [var for slots in encoding.slots for node, var in slots.items() if node not in chosen]


def balance_stage(encoding: Encoding, placed: Mapping[int, int]) -> Stage:
    """Highest cpu/memory utilisation (permille). Lower bound: the busiest node's staying pods, and the
    cluster-wide average once the placed pods' least possible demand is added."""
    instance = encoding.instance
    rows = []
    floor = 0
    for node in instance.nodes:
        free = instance.free(node.name)
        for resource in BALANCE_RESOURCES:
            allocatable = _allocatable(node, resource)
            if allocatable <= 0:
                continue
            fixed = allocatable - free.get(resource, allocatable)
            floor = max(floor, math.ceil(fixed * PERMILLE / allocatable))
            terms = tuple((encoding.slots[u.index][node.name], u.requests.get(resource, 0)) for u in instance.units
                          if u.requests.get(resource, 0) > 0 and node.name in encoding.slots[u.index])
            if terms:
                rows.append((terms, fixed, allocatable))
    average = floor
    for resource in BALANCE_RESOURCES:
        capacity = sum(_allocatable(n, resource) for n in instance.nodes)
        if capacity > 0:
            fixed = sum(_allocatable(n, resource) - instance.free(n.name).get(resource, 0) for n in instance.nodes
                        if _allocatable(n, resource) > 0)
            average = max(average, math.ceil((fixed + least_demand(encoding, placed, resource)) * PERMILLE / capacity))
    return Stage(BALANCE, BALANCE, lower=average, upper=max(average, PERMILLE * 10), rows=tuple(rows),
                 fixed_floor=floor)


def _capacity_key(node: object) -> tuple[int, int, str]:
    """Sorts larger nodes first."""
    allocatable = scheduler_resources(node.allocatable)
    return -allocatable.get("cpu", 0), -allocatable.get("memory", 0), node.name


def _allocatable(node: object, resource: str) -> int:
    return scheduler_resources(node.allocatable).get(resource, 0)


def moves_stage(encoding: Encoding) -> Stage:
    """Running pods not on their original node. Lower bound: those whose original node is no longer a
    candidate."""
    instance = encoding.instance
    terms = []
    forced = 0
    for unit in instance.units:
        info = instance.pods[unit.pods[0]]
        if info.origin != RUNNING:
            continue
        var = encoding.slots[unit.index].get(info.original_node)
        if var:
            terms.append((var, -1))
        else:
            forced += 1
    return Stage(MIN_MOVES, MIN_MOVES, lower=forced, upper=forced + len(terms), terms=tuple(terms),
                 const=forced + len(terms))


