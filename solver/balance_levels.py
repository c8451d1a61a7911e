"""``balance`` by levels: the lowest highest-utilisation level at which every pod still fits, bounded from below
by counting arguments and from above by packing heuristics, with Z3 deciding the levels in between.

"Highest cpu/memory utilisation <= k permille" is a bin packing over all nodes with capacities
``k * allocatable // 1000`` minus what the staying pods request (:meth:`Levels.caps`). Two facts make it small:

- reachable loads: a node's load in a resource is a sum of some of the requests of the pods allowed there, so
  a capacity can be lowered to the largest such subset sum below it (computed once per node type as a bitset).
  Levels whose reduced capacities are all equal are one level: refuting one refutes the whole run of them.
  Both resources at once: a load ``m`` in one resource needs at least the least load in the other of the
  subsets with load ``m`` (a knapsack table per node type), so the capacity is lowered to the largest load
  whose least companion load fits the other capacity (hetero 50 x 20 seed 4 at 20.4 %: a 4-core 16Gi node
  takes 800m of cpu and 3.25Gi of memory, but the pods' subsets with 3.25Gi all request at least 950m);
- counting (a lower bound much stronger than the cluster-wide average on heterogeneous nodes): for every
  resource and every request size ``t``, the pods requesting at least ``t`` must fit, and a node holds at most
  as many of them as its capacity takes of the smallest ones (in that resource, and in the other one). With
  the volume bound over the reduced capacities, this proves the level of most hetero instances outright (e.g.
  eight 2-core pods on eight nodes of which five have 4 cores: below 50 % a 4-core node takes none of them);
- unavoidable waste (what the volume bound misses when the requests are coarse): every unit of capacity a
  node leaves unused at a level is waste, and the nodes together may waste only the slack (capacity minus
  demand). For one request size ``s`` of one resource, a node taking ``j`` pods of size ``s`` wastes at least
  its capacity minus ``j * s`` minus the largest load the other pods allowed there reach below that (a bitset
  per node type and size); a dynamic programme over the nodes finds the least total waste over every way of
  sharing out the pods of size ``s``. On hetero 100 x 40 seed 2 the cpu capacities at 26.9-27.9 % are odd
  multiples of 50m that only the ten 100m pods can fill exactly, so every level below 28.2 % (the optimum)
  wastes more cpu than it has slack.

It applies when every pod to place is placed (the max-placed stages placed them all; the counting bound
counts every pod). The search: the smallest level no bound refutes (a binary search: a level that cannot be
met refutes every level below it, whose capacities are no larger); vector bin packing heuristics
(:func:`solver.node_types.pack` with the level's capacities) at that level (half a second) and upwards (exact
passes), then with noisy passes too (half a second a level) halving the gap to the incumbent; then at the
lowest open level, Z3 on
the whole encoding with the level's capacities and *fill* constraints (each node carries at least its reduced
capacity minus the total slack over the demand) in unary mode (Z3's SAT core with native pseudo-Boolean
constraints, see :class:`~solver.search.Z3Backend`) for a share of the time; when that is undecided, the
*one-resource relaxation* of the resource with the least slack (:meth:`Levels.projection`: Gilmore and Gomory's
pattern model, decided by Z3's linear arithmetic), which refutes the level or, when satisfiable, fixes how many
pods of each request size each node takes while Z3 places the pods (:func:`_expand`); failing both, Z3 on the
whole level again in the chosen mode (hybrid by default) for the rest of the time.
Unsat raises the proven bound to the next distinct level; sat lowers the incumbent to its value. What each
step measured on the hetero family: ``solver/README.md``.
"""

from __future__ import annotations

import bisect
import math
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence

import attrs
import z3

from solver.encoding import Constraint, Encoding, derive, normalise, violated
from solver.node_types import pack
from solver.objectives import BALANCE_RESOURCES, PERMILLE, Stage, _allocatable, least_demand
from solver.search import FEASIBLE, OPTIMAL, SAT, UNKNOWN, UNSAT, StageResult, Z3Backend
from solver.warm import canonical

MAX_BITS = 1 << 16
"""Reachable loads are tracked as bitsets in units of the requests' GCD up to this many bits; above that the
capacity is not reduced."""
PACK_SECONDS = 0.5
"""The packing heuristics' time at each level they try."""
PACK_NOISE = 0.3
PROJECTION_SHARE = 0.5
"""The share of the time left for the one-resource relaxation at a level, and again for the placement it
guides, before Z3 decides the level on the whole encoding."""
UNARY_SHARE = 0.1
"""The share of the time left for Z3 in unary mode (its SAT core with native pseudo-Boolean constraints) on the
whole encoding at a level, before the one-resource relaxation."""
JOINT_CELLS = 4_000_000
"""Cells (pods x loads) of a knapsack table of least companion loads beyond which a type has none."""
UNREACHABLE = 1 << 62
MAX_PATTERNS = 3000
VISITS_PER_PATTERN = 20
"""Packing patterns enumerated per one-resource relaxation (and steps of the enumeration per pattern); beyond
that it proves nothing."""


@attrs.frozen
class NodeType:
    """Nodes with the same allocatable cpu and memory, staying requests, free pod slots and allowed
    units; ``reach[r]``: the loads reachable in resource ``r`` as a bitset in units of ``step[r]``."""

    nodes: tuple[str, ...]
    allocatable: tuple[int, ...]
    fixed: tuple[int, ...]
    units: frozenset[int]
    reach: tuple[int | None, ...]
    others: tuple[tuple[tuple[int, int, int], ...] | None, ...]
    """Per resource (None where ``reach`` is None): for each request size ``s`` (in units of the step) of the
    allowed pods, ``(s, how many pods request s, loads the allowed pods of every other size reach)``."""
    least: tuple[tuple[int, ...] | None, ...] = ()
    """Per resource of two (None when too large to tabulate): for each load ``m`` (in steps) up to the
    allocatable, the least load in the other resource (in its steps) of the allowed pods' subsets with load
    ``m`` (``UNREACHABLE`` when none has)."""


@attrs.frozen
class Levels:
    """The balance stage's data as a bin packing per level: the balanced resources, the node types, each
    resource's request GCD, the pods' requests per resource (one entry per pod) and the least demand."""

    resources: tuple[str, ...]
    types: tuple[NodeType, ...]
    step: tuple[int, ...]
    pods: tuple[tuple[tuple[int, ...], int], ...]
    """(requests per resource, unit) per pod to place."""
    demand: tuple[int, ...]
    slots: tuple[int, ...]
    """Pod slots (allocatable ``pods`` left) per node type."""

    def caps(self, t: NodeType, level: int) -> tuple[int, ...]:
        """The type's capacity per resource at ``level``, lowered to the largest reachable load, then to the
        largest whose least load in the other resource fits that one's capacity."""
        caps = []
        for r, (allocatable, fixed) in enumerate(zip(t.allocatable, t.fixed, strict=True)):
            cap = level * allocatable // PERMILLE - fixed
            if cap >= 0 and t.reach[r] is not None:
                bits = t.reach[r] & ((1 << (cap // self.step[r] + 1)) - 1)
                cap = (bits.bit_length() - 1) * self.step[r]
            caps.append(cap)
        if len(caps) != 2 or min(caps) < 0:
            return tuple(caps)
        joint = []
        for r, least in enumerate(t.least):
            other = caps[1 - r] // self.step[1 - r]
            m = caps[r] // self.step[r]
            while least is not None and least[m] > other:  # least[0] == 0 ends it
                m -= 1
            joint.append(caps[r] if least is None else m * self.step[r])
        return tuple(joint)

    def key(self, level: int) -> tuple[tuple[int, ...], ...]:
        return tuple(self.caps(t, level) for t in self.types)

    def refuted(self, level: int) -> bool:
        """Whether the counting and volume arguments prove that no placement stays within ``level``."""
        caps = [self.caps(t, level) for t in self.types]
        if any(c < 0 for cap in caps for c in cap):
            return True
        for r in range(len(self.resources)):
            if sum(len(t.nodes) * cap[r] for t, cap in zip(self.types, caps, strict=True)) < self.demand[r]:
                return True
        return any(self._too_many(caps, r, size) for r in range(len(self.resources))
                   for size in sorted({pod[r] for pod, _ in self.pods if pod[r] > 0})) \
            or any(self._wasteful(caps, r) for r in range(len(self.resources)))

    def _wasteful(self, caps: Sequence[tuple[int, ...]], r: int) -> bool:
        """For some request size of resource ``r``, every way of sharing its pods out over the nodes leaves more
        capacity unused than the slack: a node taking ``j`` of them wastes at least its capacity minus ``j``
        times the size minus the largest load the other allowed pods reach below that."""
        if any(t.others[r] is None for t in self.types):
            return False
        step = self.step[r]
        slack = sum(len(t.nodes) * cap[r] for t, cap in zip(self.types, caps, strict=True)) - self.demand[r]
        total = Counter(pod[r] // step for pod, _ in self.pods if pod[r] > 0)
        for size, count in total.items():
            least = [0] + [math.inf] * count  # least waste (in steps) with that many pods of the size placed
            for t, cap in zip(self.types, caps, strict=True):
                units = cap[r] // step
                allowed, others = next(((n, bits) for s, n, bits in t.others[r] if s == size), (0, t.reach[r]))
                waste = [units - j * size - (others & ((1 << (units - j * size + 1)) - 1)).bit_length() + 1
                         for j in range(min(allowed, units // size) + 1)]
                for _ in t.nodes:
                    least = [min((least[have - j] + w for j, w in enumerate(waste[:have + 1])), default=math.inf)
                             for have in range(count + 1)]
            if least[count] * step > slack:
                return True
        return False

    def _too_many(self, caps: Sequence[tuple[int, ...]], r: int, size: int) -> bool:
        """The pods requesting at least ``size`` of resource ``r`` cannot all fit: each node takes at most as
        many as its capacities hold of the smallest of those it allows, in every resource."""
        big = [(pod, u) for pod, u in self.pods if pod[r] >= size]
        room = 0
        for t, cap, slots in zip(self.types, caps, self.slots, strict=True):
            allowed = [pod for pod, u in big if u in t.units]
            most = min(len(allowed), slots)
            for s in range(len(self.resources)):
                sums = _prefix(sorted(pod[s] for pod in allowed))
                most = min(most, bisect.bisect_right(sums, cap[s]) - 1)
            room += len(t.nodes) * most
            if room >= len(big):
                return False
        return True

    def projection(self, level: int, r: int, seconds: float) -> tuple[str, dict[str, Counter] | None]:
        """Decide the one-resource relaxation of ``level`` (resource ``r`` alone, every pod allowed everywhere)
        as an integer program over packing patterns, Z3's linear arithmetic deciding how many nodes of each
        capacity take each pattern (Gilmore and Gomory's model; its linear relaxation is the strong
        configuration bound). A node's waste is at most the total slack, which keeps the patterns few (UNKNOWN
        when there are too many). When SAT, the patterns go to the nodes (those with the most room in the
        other resources taking the patterns with the most pods): node -> request in ``r`` -> pods."""
        sizes, counts = zip(*sorted(Counter(pod[r] for pod, _ in self.pods if pod[r]).items(), reverse=True),
                            strict=True) if self.demand[r] else ((), ())
        bins: dict[int, list[str]] = {}
        for t in sorted(self.types, key=lambda t: [-a + f for a, f in zip(t.allocatable, t.fixed, strict=True)]):
            bins.setdefault(self.caps(t, level)[r], []).extend(t.nodes)
        slack = sum(cap * len(nodes) for cap, nodes in bins.items()) - self.demand[r]
        if not sizes or slack < 0:
            return (SAT if slack >= 0 else UNSAT), None
        solver = z3.SolverFor("QF_LIA")
        used: list[list[z3.ArithRef]] = [[] for _ in sizes]
        choices = []
        for cap, nodes in sorted(bins.items()):
            found = patterns(sizes, counts, cap, cap - slack, MAX_PATTERNS - sum(len(f) for _, f, _ in choices))
            if found is None:
                return UNKNOWN, None
            ys = [z3.Int(f"y{cap}_{i}") for i in range(len(found))]
            solver.add(*(y >= 0 for y in ys), z3.Sum(ys) == len(nodes) if ys else z3.BoolVal(not nodes))
            for pattern, y in zip(found, ys, strict=True):
                for c, k in enumerate(pattern):
                    if k:
                        used[c].append(k * y)
            choices.append((nodes, found, ys))
        solver.add(*(z3.Sum(terms) == n if terms else z3.BoolVal(False) for terms, n in zip(used, counts,
                                                                                            strict=True)))
        solver.set("timeout", max(1, int(seconds * 1000)))
        verdict = solver.check()
        if verdict != z3.sat:
            return (UNSAT if verdict == z3.unsat else UNKNOWN), None
        model = solver.model()
        per_node = {}
        for nodes, found, ys in choices:
            chosen = [p for p, y in zip(found, ys, strict=True) for _ in range(model.eval(y).as_long())]
            chosen.sort(key=lambda p: -sum(p))
            per_node.update({node: Counter(dict(zip(sizes, p, strict=True))) for node, p in zip(nodes, chosen,
                                                                                               strict=True)})
        return SAT, per_node

    def tightest(self, level: int) -> int:
        """The resource with the least slack at ``level`` relative to its demand (the one-resource relaxation
        of the others, with far more slack, has too many patterns for Z3 to decide)."""
        def slack(r: int) -> float:
            capacity = sum(len(t.nodes) * self.caps(t, level)[r] for t in self.types)
            return (capacity - self.demand[r]) / self.demand[r] if self.demand[r] else math.inf

        return min(range(len(self.resources)), key=slack)

    def lowest(self, low: int, high: int) -> int:
        """The smallest level in ``low..high`` no argument refutes (``high`` when all below are refuted)."""
        while low < high:
            mid = (low + high) // 2
            if self.refuted(mid):
                low = mid + 1
            else:
                high = mid
        return low

    def next_level(self, level: int, high: int) -> int:
        """The first level above ``level`` (at most ``high``) with other capacities than ``level``."""
        key = self.key(level)
        low = level + 1
        while low < high:  # keys are monotone in the level: the first one differing
            mid = (low + high) // 2
            if self.key(mid) == key:
                low = mid + 1
            else:
                high = mid
        return low


def patterns(sizes: Sequence[int], counts: Sequence[int], cap: int, least: int,
             limit: int) -> list[tuple[int, ...]] | None:
    """Every count vector over ``sizes`` (at most ``counts``) whose load lies in ``least..cap``; None beyond
    ``limit`` vectors or ``VISITS_PER_PATTERN * limit`` steps of the enumeration."""
    found: list[tuple[int, ...]] = []
    chosen: list[int] = []
    room = [sum(a * n for a, n in zip(sizes[i:], counts[i:], strict=True)) for i in range(len(sizes) + 1)]
    steps = [VISITS_PER_PATTERN * limit]

    def walk(i: int, left: int) -> bool:
        steps[0] -= 1
        if steps[0] < 0:
            return False
        if cap - left + room[i] < least:  # even every remaining pod would not fill it enough
            return True
        if i == len(sizes):
            found.append(tuple(chosen))
            return len(found) <= limit
        for k in range(min(counts[i], left // sizes[i]), -1, -1):
            chosen.append(k)
            ok = walk(i + 1, left - k * sizes[i])
            chosen.pop()
            if not ok:
                return False
        return True

    return found if walk(0, cap) else None


def _prefix(values: Sequence[int]) -> list[int]:
    sums = [0]
    for v in values:
        sums.append(sums[-1] + v)
    return sums


def _subset_sums(sizes: Mapping[int, int], top: int) -> int:
    """The sums up to ``top`` of sub-multisets of ``sizes`` (size -> how many) as a bitset."""
    mask, bits = (1 << (top + 1)) - 1, 1
    for size, n in sizes.items():
        for _ in range(min(n, top // size)):
            bits = (bits | (bits << size)) & mask
    return bits


def _least_other(pods: Sequence[tuple[tuple[int, ...], int]], allowed: frozenset[int], step: Sequence[int], r: int,
                 top: int, tables: dict[tuple[frozenset[int], int], list[int]]) -> tuple[int, ...] | None:
    """For each load ``m <= top`` of resource ``r`` (in steps), the least load of the other resource over the
    subsets of the allowed pods with that load (a 0/1 knapsack table, shared by the node types allowing the
    same pods); None beyond ``JOINT_CELLS``."""
    chosen = [pod for pod, u in pods if u in allowed]
    if top * len(chosen) > JOINT_CELLS:
        return None
    table = tables.get((allowed, r))
    if table is None or len(table) <= top:
        table = [0] + [UNREACHABLE] * top
        for pod in chosen:
            a, b = pod[r] // step[r], pod[1 - r] // step[1 - r]
            if a == 0:
                continue  # no load in r: the least companion load never takes it
            for m in range(top - a, -1, -1):
                if table[m] + b < table[m + a]:
                    table[m + a] = table[m] + b
        tables[(allowed, r)] = table
    return tuple(table[:top + 1])


def levels(encoding: Encoding, placed: Mapping[int, int]) -> Levels:
    """The node types and pods of the balance stage's bin packing."""
    instance = encoding.instance
    resources = BALANCE_RESOURCES
    pods = tuple((tuple(u.requests.get(r, 0) for r in resources), u.index) for u in instance.units
                 for _ in range(u.size))
    step = tuple(math.gcd(*(pod[r] for pod, _ in pods)) or 1 for r in range(len(resources)))
    groups: dict[tuple, list[str]] = {}
    for node in instance.nodes:
        free = instance.free(node.name)
        allocatable = tuple(_allocatable(node, r) for r in resources)
        fixed = tuple(a - free.get(r, a) for r, a in zip(resources, allocatable, strict=True))
        allowed = frozenset(u.index for u in instance.units if node.name in encoding.slots[u.index])
        groups.setdefault((allocatable, fixed, max(free["pods"], 0), allowed), []).append(node.name)
    types, slots = [], []
    tables: dict[tuple[frozenset[int], int], list[int]] = {}
    for (allocatable, fixed, free_slots, allowed), nodes in groups.items():
        reach: list[int | None] = []
        others: list[tuple[tuple[int, int, int], ...] | None] = []
        for r in range(len(resources)):
            top = (allocatable[r] - fixed[r]) // step[r]
            if top > MAX_BITS:
                reach.append(None)
                others.append(None)
                continue
            sizes = Counter(pod[r] // step[r] for pod, u in pods if u in allowed and pod[r] > 0)
            reach.append(_subset_sums(sizes, top))
            others.append(tuple((size, n, _subset_sums({s: k for s, k in sizes.items() if s != size}, top))
                                for size, n in sorted(sizes.items())))
        least = tuple(None if reach[r] is None or len(resources) != 2 else
                      _least_other(pods, allowed, step, r, (allocatable[r] - fixed[r]) // step[r], tables)
                      for r in range(len(resources)))
        types.append(NodeType(tuple(nodes), allocatable, fixed, allowed, tuple(reach), tuple(others), least))
        slots.append(free_slots)
    demand = tuple(least_demand(encoding, placed, r) for r in resources)
    return Levels(resources, tuple(types), step, pods, demand, tuple(slots))


def applies(encoding: Encoding, placed: Mapping[int, int]) -> bool:
    """The level search needs every pod placed (the counting bound counts them all)."""
    instance = encoding.instance
    return sum(placed.values()) == len(instance.pods) and all(u.size and encoding.slots[u.index]
                                                               for u in instance.units)


def level_constraints(encoding: Encoding, lv: Levels, level: int) -> list[Constraint]:
    """Each node's load per balanced resource within its reduced capacity at ``level`` and at least that
    capacity minus the total slack (the fill constraints), and every unit wholly placed."""
    constraints = [Constraint(tuple(encoding.count_terms(u.index)), ">=", u.size) for u in encoding.units]
    caps = {t: lv.caps(t, level) for t in lv.types}
    for r in range(len(lv.resources)):
        slack = sum(len(t.nodes) * cap[r] for t, cap in caps.items()) - lv.demand[r]
        for t, cap in caps.items():
            for node in t.nodes:
                terms = [(slots[node], unit.requests.get(lv.resources[r], 0))
                         for unit, slots in zip(encoding.units, encoding.slots, strict=True) if node in slots]
                terms = [(v, a) for v, a in terms if a > 0]
                if not terms:
                    continue
                constraints += _linear(terms, "<=", cap[r]) + _linear(terms, ">=", cap[r] - slack)
    return constraints


def _linear(terms: Sequence[tuple[int, int]], op: str, bound: int) -> list[Constraint]:
    """``sum(a * var) op bound`` over non-negative variables: nothing when it always holds."""
    normal, bound = normalise(terms, op, bound)
    if op == ">=" and bound <= 0:
        return []
    return [Constraint(normal, op, bound)]


def _pack(encoding: Encoding, lv: Levels, level: int, seconds: float, rng: random.Random) -> list[int] | None:
    """A placement within ``level`` by the vector bin packing heuristics (exact passes, then noisy ones while
    ``seconds`` last), checked against the encoding and the level; None when none was found."""
    instance = encoding.instance
    if any(not u.relations.plain for u in instance.units):  # the heuristics know only resources
        return None
    free = {}
    for t in lv.types:
        cap = lv.caps(t, level)
        for node in t.nodes:
            free[node] = [*cap, instance.free(node)["pods"]]
    resources = (*lv.resources, "pods")
    extra = level_constraints(encoding, lv, level)
    stop = time.monotonic() + seconds
    passes = 0
    while passes < 2 or time.monotonic() < stop:
        counts = pack(encoding, resources, ("dot", "squares")[passes % 2], rng, 0.0 if passes < 2 else PACK_NOISE,
                      free)
        passes += 1
        if counts is None:
            continue
        values = derive(encoding, canonical(encoding, counts))
        if not violated(encoding, values) and all(c.holds(values) for c in extra):
            return values
    return None


def _expand(encoding: Encoding, lv: Levels, level: int, r: int, per_node: Mapping[str, Counter],
            seconds: float, z3_mode: str) -> list[int] | None:
    """A placement within ``level`` that follows a one-resource packing (each node takes the given number of
    pods of each request size in resource ``r``), the rest chosen by Z3; None when there is none in time."""
    resource = lv.resources[r]
    constraints = level_constraints(encoding, lv, level)
    for node, wanted in per_node.items():
        for size in {u.requests.get(resource, 0) for u in encoding.units} - {0}:
            terms = tuple((slots[node], 1) for u, slots in zip(encoding.units, encoding.slots, strict=True)
                          if node in slots and u.requests.get(resource, 0) == size)
            constraints += _linear(terms, "<=", wanted[size]) + _linear(terms, ">=", wanted[size])
    backend = Z3Backend(encoding, z3_mode)
    backend.add(constraints)
    return backend.values() if backend.check([], seconds) == SAT else None


def minimise(encoding: Encoding, stage: Stage, placed: Mapping[int, int], incumbent: list[int] | None,
             deadline: float, z3_mode: str = "hybrid") -> tuple[StageResult, list[int] | None] | None:
    """The balance stage by levels (None when it does not apply); the result and the assignment."""
    if incumbent is None or not applies(encoding, placed):
        return None
    start = time.monotonic()
    lv = levels(encoding, placed)
    best = stage.evaluate(incumbent)
    values = incumbent
    lower = lv.lowest(stage.lower, best)
    rng = random.Random(0)
    checks = 0
    level = lower
    while level < best and time.monotonic() < deadline:  # the heuristics' exact passes, lowest level first
        found = _pack(encoding, lv, level, min(PACK_SECONDS, deadline - time.monotonic()) if level == lower else 0,
                      rng)
        if found is not None:
            values, best = found, stage.evaluate(found)
            break
        level = lv.next_level(level, best)
    low, high = lv.next_level(lower, best), best
    while low < high and time.monotonic() < deadline:  # then noisy passes too, halving the gap to the incumbent
        level = (low + high) // 2
        found = _pack(encoding, lv, level, min(PACK_SECONDS, deadline - time.monotonic()), rng)
        if found is not None:
            values, best = found, stage.evaluate(found)
            high = best
        else:
            low = lv.next_level(level, high)
    while lower < best and time.monotonic() < deadline:
        checks += 1
        backend = Z3Backend(encoding, "unary")  # first Z3's SAT core on the whole level, for a share of the time
        backend.add(level_constraints(encoding, lv, lower))
        verdict = backend.check([], UNARY_SHARE * (deadline - time.monotonic()))
        if verdict == SAT:
            values = backend.values()
            best = stage.evaluate(values)
            continue
        per_node = None
        if verdict == UNKNOWN:  # the one-resource relaxation of the tightest resource refutes the level, or guides
            r = lv.tightest(lower)
            share = PROJECTION_SHARE * (deadline - time.monotonic())
            verdict, per_node = lv.projection(lower, r, share)
        found = None if per_node is None else _expand(encoding, lv, lower, r, per_node, share, z3_mode)
        if found is not None:
            values, best = found, stage.evaluate(found)
        elif verdict != UNSAT:
            backend = Z3Backend(encoding, z3_mode)
            backend.add(level_constraints(encoding, lv, lower))
            verdict = backend.check([], deadline - time.monotonic())
            if verdict == SAT:
                values = backend.values()
                best = stage.evaluate(values)
            elif verdict == UNKNOWN:
                break
        if verdict == UNSAT:
            lower = lv.lowest(lv.next_level(lower, best), best)
    status = OPTIMAL if best <= lower else FEASIBLE
    return StageResult(stage.name, stage.objective, best, min(lower, best), status, time.monotonic() - start,
                       checks), values
