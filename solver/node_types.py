"""``min-nodes`` by node types with Z3: how many nodes of each type first, then the assignment.

When every pod to place is plain (resources only: no pod (anti-)affinity, DoNotSchedule spreading or host
ports), the nodes without staying pods fall into *types*: the same free capacity in every resource (pods
included) and the same pods allowed by the static filters. Three facts make the search small:

- symmetry: nodes of one type are interchangeable, so a placement is fixed up to how many nodes of each type
  it uses, and those can be the type's first nodes (the encoding's symmetry breaking orders them so);
- dominance: a type at least as large in every resource, allowing every pod the other allows, can take over
  the pods of a smaller type's node; so some optimal placement uses a node of a smaller type only when every
  node of each type dominating it is used ("closed" count vectors);
- covering: the used nodes' capacity covers the least total request of the pods that must be placed, in
  every resource at once. The fewest nodes whose type counts do so is the proven lower bound (an integer
  covering over types, at least the per-resource volume bound).

For each number of nodes k from that bound up to the incumbent's, every closed, covering count vector with
sum k is a bin packing over fixed nodes. Each is checked by its own Z3 solver on the instance restricted to
those nodes, with *fill* constraints: the chosen nodes' total slack (capacity minus least demand) is small,
so each node carries at least its capacity minus that slack (redundant, but Z3's propagation does not find
it; on hetero 100 x 40 seed 0 they take a fixed six-node check from > 10 s to < 1 s). The checks run in
rounds with doubling time limits; a level whose vectors are all refuted raises the lower bound, and a
satisfiable vector at the lowest open level is a proven optimum. A check gets at least the remaining time
shared among the vectors still open (one vector left gets all of it: a Z3 check stopped and resumed loses
much of its progress).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping, Sequence

import attrs

from solver.encoding import Constraint, Encoding, derive, encode, normalise, violated
from solver.instance import Instance
from solver.objectives import Stage, least_demand, placed_stages
from solver.search import FEASIBLE, OPTIMAL, SAT, UNSAT, StageResult, Z3Backend
from solver.warm import canonical, check

MAX_TYPES = 16
"""More types than this (e.g. staying pods making every node different): fall back to the plain descent."""
MAX_VECTORS = 400
"""Count vectors enumerated per number of nodes; beyond that a level cannot be refuted by this search."""
PACK_SHARE, PACK_SECONDS = 0.3, 1.0
"""The share of each check's time the packing heuristics get before Z3, and at most this many seconds."""
PACK_NOISE = 0.3
"""How much the later passes perturb the largest-first order."""
FIRST_BUDGET = 0.5
"""Seconds for each check in the first round; each further round doubles it."""


@attrs.frozen
class NodeType:
    """Interchangeable nodes (in node order), their free capacity per resource and the units allowed there."""

    nodes: tuple[str, ...]
    free: tuple[int, ...]
    units: frozenset[int]

    def dominates(self, other: NodeType) -> bool:
        return self is not other and self.units >= other.units and all(
            a >= b for a, b in zip(self.free, other.free, strict=True))


@attrs.frozen
class Plan:
    """What the type search needs: the resources, the least demand per resource of the pods that must be
    placed, the fixed nodes (staying pods: always used) with their free capacity, and the types."""

    resources: tuple[str, ...]
    demand: tuple[int, ...]
    fixed: tuple[str, ...]
    fixed_free: tuple[int, ...]
    types: tuple[NodeType, ...]


def plan(encoding: Encoding, placed: Mapping[int, int]) -> Plan | None:
    """The node types of an instance, or None when the search does not apply (a pod with inter-pod
    relations, too many types, nothing to choose)."""
    instance = encoding.instance
    if not encoding.used or any(not u.relations.plain for u in instance.units):
        return None
    resources = tuple(sorted({r for u in instance.units for r, a in u.requests.items() if a > 0} | {"pods"}))
    free = {n.name: instance.free(n.name) for n in instance.nodes}
    groups: dict[tuple, list[str]] = {}
    for node in instance.nodes:
        if node.name in encoding.used:
            allowed = frozenset(u.index for u in instance.units if node.name in encoding.slots[u.index])
            key = (tuple(max(free[node.name].get(r, 0), 0) for r in resources), allowed)
            groups.setdefault(key, []).append(node.name)
    if len(groups) > MAX_TYPES:
        return None
    fixed = tuple(n.name for n in instance.nodes if instance.snapshot.pods_on(n.name))
    tops = [max(column) for column in zip(*(key[0] for key in groups), strict=True)]
    types = sorted((NodeType(tuple(nodes), key[0], key[1]) for key, nodes in groups.items()),
                   key=lambda t: (-sum(a / max(1, top) for a, top in zip(t.free, tops, strict=True)), t.nodes[0]))
    return Plan(resources, tuple(least_demand(encoding, placed, r) for r in resources), fixed,
                tuple(sum(max(free[n].get(r, 0), 0) for n in fixed) for r in resources), tuple(types))


def vectors(p: Plan, k: int) -> Iterator[tuple[int, ...]]:
    """Count vectors with sum ``k``, closed under dominance, whose capacity covers the demand (types are
    sorted larger first, so a dominating type comes before the types it dominates)."""
    types = p.types
    dominators = [[j for j in range(len(types)) if types[j].dominates(t)] for t in types]
    best_rest = [tuple(max((t.free[r] for t in types[i:]), default=0) for r in range(len(p.resources)))
                 for i in range(len(types) + 1)]
    counts = [0] * len(types)

    def walk(i: int, left: int, capacity: list[int]) -> Iterator[tuple[int, ...]]:
        if any(capacity[r] + left * best_rest[i][r] < p.demand[r] for r in range(len(p.resources))):
            return
        if i == len(types):
            if left == 0:
                yield tuple(counts)
            return
        t = types[i]
        for n in range(min(len(t.nodes), left), -1, -1):
            if n and any(counts[j] < len(types[j].nodes) for j in dominators[i]):
                continue
            counts[i] = n
            yield from walk(i + 1, left - n, [c + n * f for c, f in zip(capacity, t.free, strict=True)])
        counts[i] = 0

    yield from walk(0, k, list(p.fixed_free))


def covering_bound(p: Plan, upto: int) -> int | None:
    """The fewest non-fixed nodes with a closed count vector covering the demand (None: none up to ``upto``)."""
    for k in range(upto + 1):
        if next(vectors(p, k), None) is not None:
            return k
    return None


def restrict(instance: Instance, keep: set[str]) -> Instance:
    """The instance on the nodes in ``keep`` only (pods, admission and verdicts unchanged)."""
    snapshot = attrs.evolve(instance.snapshot, nodes=tuple(n for n in instance.nodes if n.name in keep))
    units = tuple(attrs.evolve(u, candidates=tuple(c for c in u.candidates if c in keep)) for u in instance.units)
    return attrs.evolve(instance, snapshot=snapshot, units=units)


class _VectorCheck:
    """One count vector: the restricted instance, its encoding with the earlier stages' results and fill
    constraints, and a Z3 solver kept between rounds (its learned clauses too)."""

    def __init__(self, encoding: Encoding, p: Plan, vector: Sequence[int], placed: Mapping[int, int],
                 require_all: bool, z3_mode: str) -> None:
        chosen = [n for t, count in zip(p.types, vector, strict=True) for n in t.nodes[:count]]
        self.nodes = set(chosen) | set(p.fixed)
        sub = encode(restrict(encoding.instance, self.nodes), require_all=require_all)
        self.encoding = sub
        self.z3_mode = z3_mode
        self.backend: Z3Backend | None = None
        constraints = []
        for stage in placed_stages(sub):
            if placed.get(stage.priority, 0) < stage.upper:
                constraints += stage.at_most(stage.upper - placed.get(stage.priority, 0))
            else:  # the whole level is placed: say so per unit, which Z3 propagates far better
                constraints += [Constraint(tuple(sub.count_terms(u)), ">=", sub.units[u].size)
                                for u in stage.units]
        constraints += fill_constraints(sub, p)
        self.extra = constraints
        self.resources = p.resources
        self.rng = random.Random(0)
        self.passes = 0
        self.found: dict[tuple[int, str], int] | None = None

    def _pack(self, seconds: float) -> dict[tuple[int, str], int] | None:
        """A placement by vector bin packing heuristics on these nodes, within ``seconds``, when one meets
        every constraint: pods largest first, each to the node that fits it best (dot product of its request
        and the node's free capacity, or least squared normalised free capacity left; Panigrahy et al.,
        "Heuristics for Vector Bin Packing", 2011); the first passes exactly, the later ones with seeded noise
        on the order (a random restart each)."""
        stop = time.monotonic() + seconds
        while self.passes == 0 or time.monotonic() < stop:
            noise = 0.0 if self.passes < 2 else PACK_NOISE
            counts = pack(self.encoding, self.resources, ("dot", "squares")[self.passes % 2], self.rng, noise)
            self.passes += 1
            if counts is None:
                continue
            values = derive(self.encoding, canonical(self.encoding, counts))
            if not violated(self.encoding, values) and all(c.holds(values) for c in self.extra):
                return counts
        return None

    def check(self, seconds: float) -> str:
        """A share of the time for the packing heuristics, the rest for Z3 (which alone can refute)."""
        if self.found is None:
            self.found = self._pack(min(PACK_SHARE * seconds, PACK_SECONDS))
        if self.found is not None:
            return SAT
        if self.backend is None:  # built once, kept with its learned clauses for the later rounds
            self.backend = Z3Backend(self.encoding, self.z3_mode)
            self.backend.add(self.extra)
        return self.backend.check([], seconds - min(PACK_SHARE * seconds, PACK_SECONDS))

    def counts(self) -> dict[tuple[int, str], int]:
        return self.found if self.found is not None else self.encoding.counts(self.backend.values())


def pack(encoding: Encoding, resources: Sequence[str], rule: str, rng: random.Random, noise: float,
         free: Mapping[str, Sequence[int]] | None = None) -> dict[tuple[int, str], int] | None:
    """Every pod placed by one vector bin packing pass (see ``_VectorCheck._pack``), or None when one fits
    nowhere; ``free``: each node's capacity per resource (default: what the staying pods leave). Only for plain
    pods: resources are the only constraints between them."""
    instance = encoding.instance
    free = {n.name: [max(a, 0) for a in free[n.name]] for n in instance.nodes} if free is not None else {
        n.name: [max(instance.free(n.name).get(r, 0), 0) for r in resources] for n in instance.nodes}
    capacity = {n: [max(a, 1) for a in f] for n, f in free.items()}
    largest = [max(max(c[i] for c in capacity.values()), 1) for i in range(len(resources))]
    pods = []
    for u in encoding.units:
        request = [1 if r == "pods" else u.requests.get(r, 0) for r in resources]
        weight = sum(a / top for a, top in zip(request, largest, strict=True))
        pods += [(weight * (1 + noise * rng.random()), u.index, request) for _ in range(u.size)]
    pods.sort(key=lambda pod: -pod[0])
    counts: dict[tuple[int, str], int] = {}
    for _, u, request in pods:
        best = None
        for node in encoding.slots[u]:
            left, cap = free[node], capacity[node]
            if any(a > f for a, f in zip(request, left, strict=True)):
                continue
            if rule == "dot":
                score = -sum(a * f / (c * c) for a, f, c in zip(request, left, cap, strict=True))
            else:
                score = sum(((f - a) / c) ** 2 for a, f, c in zip(request, left, cap, strict=True))
            if best is None or score < best[0]:
                best = (score, node)
        if best is None:
            return None
        node = best[1]
        free[node] = [f - a for f, a in zip(free[node], request, strict=True)]
        counts[(u, node)] = counts.get((u, node), 0) + 1
    return counts


def fill_constraints(sub: Encoding, p: Plan) -> list[Constraint]:
    """Each node of the restricted instance carries at least its free capacity minus the nodes' total slack
    (their capacity minus the least demand), per resource: the pods that must be placed fit nowhere else."""
    instance = sub.instance
    free = {n.name: instance.free(n.name) for n in instance.nodes}
    constraints = []
    for r, resource in enumerate(p.resources):
        slack = sum(max(free[n].get(resource, 0), 0) for n in free) - p.demand[r]
        for node, capacity in free.items():
            floor = max(capacity.get(resource, 0), 0) - slack
            if floor <= 0:
                continue
            terms = [(slots[node], 1 if resource == "pods" else sub.units[u].requests.get(resource, 0))
                     for u, slots in enumerate(sub.slots) if node in slots]
            terms = [(v, a) for v, a in terms if a > 0]
            normal, bound = normalise(terms, ">=", floor)
            constraints.append(Constraint(normal, ">=", bound))
    return constraints


def minimise(encoding: Encoding, stage: Stage, placed: Mapping[int, int], incumbent: list[int] | None,
             deadline: float, require_all: bool = False,
             z3_mode: str = "hybrid") -> tuple[StageResult, list[int] | None] | None:
    """The min-nodes stage by node types (None when it does not apply); the result and the assignment of the
    full encoding."""
    p = plan(encoding, placed)
    if p is None or incumbent is None:
        return None
    start = time.monotonic()
    fixed = len(p.fixed)
    best = stage.evaluate(incumbent)
    values = incumbent
    lower = covering_bound(p, best - fixed)
    if lower is None:
        return None
    lower += fixed
    checks = 0
    pending: dict[int, dict[tuple[int, ...], _VectorCheck | None]] = {}
    truncated: set[int] = set()
    budget = FIRST_BUDGET
    while lower < best and time.monotonic() < deadline:
        for level in range(lower, best):
            if level not in pending:
                found = {}
                for vector in vectors(p, level - fixed):
                    if len(found) == MAX_VECTORS:
                        truncated.add(level)
                        break
                    found[vector] = None
                pending[level] = found
            for vector in list(pending[level]):
                left = deadline - time.monotonic()
                if left <= 0 or level >= best:
                    break
                check_ = pending[level][vector] or _VectorCheck(encoding, p, vector, placed, require_all, z3_mode)
                pending[level][vector] = check_
                checks += 1
                # few vectors left open: share the time among them rather than rounding it up in small steps
                open_ = sum(len(pending.get(other, (None,))) for other in range(lower, best))
                verdict = check_.check(min(max(budget, left / max(open_, 1)), left))
                if verdict == SAT:
                    values = _full(encoding, check_.counts())
                    best = stage.evaluate(values)
                    break
                if verdict == UNSAT:
                    del pending[level][vector]
            while lower < best and not pending.get(lower, True) and lower not in truncated:
                lower += 1
            if level >= best or lower >= best:
                break
        budget *= 2
    status = OPTIMAL if best <= lower else FEASIBLE
    return StageResult(stage.name, stage.objective, best, min(lower, best), status, time.monotonic() - start,
                       checks), values


def _full(encoding: Encoding, counts: Mapping[tuple[int, str], int]) -> list[int]:
    """A restricted placement as an assignment of the full encoding (symmetric nodes reordered), checked."""
    ordered = canonical(encoding, counts)
    check(encoding, ordered)
    return derive(encoding, ordered)
