"""The integer-linear encoding of an :class:`~solver.instance.Instance`, shared by every solver backend.

Variables are numbered from 1 and bounded integers ``0..ub``; most are Booleans (``ub`` 1), for which a
literal ``-v`` stands for ``1 - v``. Each unit has one variable per candidate node counting its pods there:
a Boolean for a single pod, an integer for a unit of identical replicas (aggregated: replicas are counted,
never named, which removes their symmetry). Constraints are ``sum(a * var) <op> bound`` with integer
coefficients divided by their GCD (small coefficients), optionally enforced only under a guard literal; the
named ones carry a :data:`Label` for unsat cores. Auxiliary variables (a unit present on a node or in a
topology domain, a node used) have a :class:`Definition` from which :func:`derive` recomputes them.

What is encoded (the rest is static, see :mod:`solver.instance`), in kube-scheduler's terms:
- NodeResourcesFit: per node, the requests of the pods placed there fit what the bound pods leave, for every
  resource any candidate pod requests, and the number of pods fits allocatable ``pods``;
- ResourceQuota in ``solver`` mode: per quota and resource, the usage of the placed pods it matches fits
  ``hard - used``;
- NodePorts between pods being placed; InterPodAffinity's required anti-affinity, both ways (the symmetry),
  between pods being placed; required pod affinity against the pods bound before in queue order, with the
  "first pod of a group" exception; PodTopologySpread DoNotSchedule skews against the pods bound before;
- symmetry breaking: nodes that are interchangeable (same allocatable, labels but the hostname when some pod's
  constraints read them, taints, no pods staying, same static verdicts) hold non-increasing pod counts in
  node order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from model.admission import resourcequota
from model.frozendict import FrozenDict
from model.scheduler import interpod
from model.scheduler.filters import ports_conflict
from model.scheduler.spread import count_matching
from solver.instance import NEW, RUNNING, SOLVER, Instance, Unit

HARD, SYMMETRY = "hard", "symmetry"
HOSTNAME = "kubernetes.io/hostname"
Label = tuple[Any, ...]
"""A named constraint: ("capacity", node, resource), ("pods", node), ("quota", namespace, quota, resource),
("ports", unit, unit), ("anti-affinity", key, unit, unit), ("affinity", unit, key), ("spread", unit, key, maxSkew),
("require", unit)."""


def literal_value(values: Sequence[int], lit: int) -> int:
    """A variable's value, or 1 minus a Boolean's for a negative literal."""
    return values[lit] if lit > 0 else 1 - values[-lit]


def normalise(terms: Iterable[tuple[int, int]], op: str, bound: int) -> tuple[tuple[tuple[int, int], ...], int]:
    """Signed coefficients over variables (negative literals folded into the bound), one term per variable,
    divided by their GCD (a ``<=`` bound rounds down, a ``>=`` bound up)."""
    weights: dict[int, int] = {}
    for lit, c in terms:
        if lit > 0:
            weights[lit] = weights.get(lit, 0) + c
        else:
            weights[-lit] = weights.get(-lit, 0) - c
            bound -= c
    result = tuple((var, c) for var, c in sorted(weights.items()) if c)
    if result:
        g = math.gcd(*(abs(c) for _, c in result))
        if g > 1:
            result = tuple((var, c // g) for var, c in result)
            bound = bound // g if op == "<=" else -((-bound) // g)
    return result, bound


@attrs.frozen
class Constraint:
    """``sum(a * var) <op> bound`` (``op`` "<=" or ">="), enforced when the literal ``guard`` holds (always
    when 0)."""

    terms: tuple[tuple[int, int], ...]
    op: str
    bound: int
    guard: int = 0
    label: Label | None = None
    role: str = HARD

    def lhs(self, values: Sequence[int]) -> int:
        return sum(a * values[var] for var, a in self.terms)

    def holds(self, values: Sequence[int]) -> bool:
        if self.guard and not literal_value(values, self.guard):
            return True
        lhs = self.lhs(values)
        return lhs <= self.bound if self.op == "<=" else lhs >= self.bound


@attrs.frozen
class Definition:
    """How an auxiliary Boolean follows from others: ``or``/``and`` of literals, or ``any`` (some of the
    variables in ``literals`` is above 0)."""

    var: int
    kind: str
    literals: tuple[int, ...]

    def value(self, values: Sequence[int]) -> int:
        if self.kind == "any":
            return int(any(values[v] > 0 for v in self.literals))
        truth = (any if self.kind == "or" else all)(literal_value(values, lit) for lit in self.literals)
        return int(truth)


@attrs.frozen
class Encoding:
    """The variables (names, owning unit or -1, upper bounds), constraints and definitions.

    ``slots[u][node]``: the variable counting the unit's pods on that node. ``used``: a Boolean per node
    without staying pods ("some pod placed there"), when built with them; ``classes``: interchangeable nodes.
    """

    instance: Instance
    names: tuple[str, ...]
    owners: tuple[int, ...]
    upper: tuple[int, ...]
    constraints: tuple[Constraint, ...]
    definitions: tuple[Definition, ...]
    slots: tuple[FrozenDict, ...]
    used: FrozenDict
    classes: tuple[tuple[str, ...], ...]

    @property
    def num_vars(self) -> int:
        return len(self.names) - 1

    @property
    def units(self) -> tuple[Unit, ...]:
        return self.instance.units

    def count_terms(self, unit: int) -> list[tuple[int, int]]:
        """Terms whose sum is the number of the unit's pods placed."""
        return [(var, 1) for var in self.slots[unit].values()]

    def counts(self, values: Sequence[int]) -> dict[tuple[int, str], int]:
        """(unit, node) -> number of the unit's pods on the node under ``values``."""
        return {(u, node): values[var] for u, slots in enumerate(self.slots) for node, var in slots.items()
                if values[var]}


class _Builder:
    """Collects variables and constraints while :func:`encode` runs (local to one call)."""

    def __init__(self) -> None:
        self.names: list[str] = [""]
        self.owners: list[int] = [-1]
        self.upper: list[int] = [0]
        self.constraints: list[Constraint] = []
        self.definitions: list[Definition] = []

    def var(self, name: str, owner: int, upper: int = 1) -> int:
        self.names.append(name)
        self.owners.append(owner)
        self.upper.append(upper)
        return len(self.names) - 1

    def add(self, terms: Iterable[tuple[int, int]], op: str, bound: int, label: Label | None = None,
            guard: int = 0, role: str = HARD) -> None:
        """Add a constraint unless it holds whatever the variables are."""
        normal, bound = normalise(terms, op, bound)
        low = sum(a * self.upper[v] for v, a in normal if a < 0)
        high = sum(a * self.upper[v] for v, a in normal if a > 0)
        if (op == "<=" and high <= bound) or (op == ">=" and low >= bound):
            return
        self.constraints.append(Constraint(normal, op, bound, guard, label, role))

    def clause(self, literals: Iterable[int], label: Label | None = None) -> None:
        self.add(((lit, 1) for lit in literals), ">=", 1, label)

    def define_or(self, name: str, owner: int, literals: Sequence[int], both: bool = True) -> int:
        """A Boolean true only when some literal is (and, with ``both``, whenever one is); one literal stands
        for itself."""
        if len(literals) == 1 and both:
            return literals[0]
        var = self.var(name, owner)
        if both:
            for lit in literals:
                self.clause((-lit, var))
        self.clause((-var, *literals))
        self.definitions.append(Definition(var, "or", tuple(literals)))
        return var


def _name(instance: Instance, unit: Unit) -> str:
    first = instance.pods[unit.pods[0]].key
    return first if unit.size == 1 else f"{first} (+{unit.size - 1} like it)"


def capacity(unit: Unit, free: Mapping[str, int]) -> int:
    """How many of the unit's pods fit on a node with ``free`` alone."""
    fit = min(unit.size, free["pods"])
    for name, amount in unit.requests.items():
        if amount > 0:
            fit = min(fit, free.get(name, 0) // amount)
    return max(fit, 0)


class _Presence:
    """Booleans "unit u has a pod on node n" and "... in the domain key=value", created on demand."""

    def __init__(self, b: _Builder, instance: Instance, slots: Sequence[Mapping[str, int]]) -> None:
        self.b, self.instance, self.slots = b, instance, slots
        self.on_cache: dict[tuple[int, str], int] = {}
        self.domain_cache: dict[tuple[int, str, str], int] = {}

    def on(self, unit: int, node: str) -> int:
        var = self.slots[unit][node]
        if self.b.upper[var] == 1:
            return var
        if (unit, node) not in self.on_cache:
            z = self.b.var(f"unit {unit} on {node}", unit)
            self.b.add(((var, 1), (z, -1)), ">=", 0)
            self.b.add(((var, 1), (z, -self.b.upper[var])), "<=", 0)
            self.b.definitions.append(Definition(z, "any", (var,)))
            self.on_cache[(unit, node)] = z
        return self.on_cache[(unit, node)]

    def nodes_in(self, unit: int, key: str, value: str) -> list[str]:
        return [n for n in self.slots[unit] if self.instance.node(n).labels.get(key) == value]

    def domain(self, unit: int, key: str, value: str) -> int:
        """0 when the unit has no candidate node in the domain."""
        k = (unit, key, value)
        if k not in self.domain_cache:
            lits = [self.on(unit, n) for n in self.nodes_in(unit, key, value)]
            self.domain_cache[k] = self.b.define_or(f"unit {unit} in {key}={value}", unit, lits) if lits else 0
        return self.domain_cache[k]

    def values(self, unit: int, key: str) -> set[str]:
        labels = (self.instance.node(node).labels for node in self.slots[unit])
        return {lab[key] for lab in labels if key in lab}


def encode(instance: Instance, with_used: bool = False, require_all: bool = False) -> Encoding:
    """Build the encoding. ``with_used`` adds the node-used Booleans (the ``min-nodes`` objective);
    ``require_all`` makes placing every admitted pod a named constraint."""
    b = _Builder()
    free = {node.name: instance.free(node.name) for node in instance.nodes}
    slots: list[dict[str, int]] = []
    for u in instance.units:
        name = _name(instance, u)
        unit_slots = {}
        for node in u.candidates:
            cap = 1 if u.size == 1 else capacity(u, free[node])
            if cap:
                unit_slots[node] = b.var(f"{name}@{node}", u.index, cap)
        slots.append(unit_slots)
        terms = [(var, 1) for var in unit_slots.values()]
        b.add(terms, "<=", u.size)
        if require_all:
            if terms:
                b.add(terms, ">=", u.size, ("require", u.index))
            else:
                b.constraints.append(Constraint((), ">=", u.size, 0, ("require", u.index)))
    used: dict[str, int] = {}
    if with_used:
        for node in instance.nodes:
            present = [s[node.name] for s in slots if node.name in s]
            if instance.snapshot.pods_on(node.name) or not present:
                continue
            used[node.name] = b.var(f"used {node.name}", -1)
            b.definitions.append(Definition(used[node.name], "any", tuple(present)))
    presence = _Presence(b, instance, slots)
    _resources(b, instance, slots, free, used)
    if instance.quota_mode == SOLVER:
        _quotas(b, instance, slots)
    _ports(b, instance, presence)
    _anti_affinity(b, instance, presence)
    _affinity(b, instance, presence)
    _spread(b, instance, slots, presence)
    classes = node_classes(instance, slots)
    for members in classes:
        for first, second in zip(members, members[1:], strict=False):
            terms = [(s[first], 1) for s in slots if first in s] + [(s[second], -1) for s in slots if second in s]
            b.add(terms, ">=", 0, role=SYMMETRY)
    return Encoding(instance, tuple(b.names), tuple(b.owners), tuple(b.upper), tuple(b.constraints),
                    tuple(b.definitions), tuple(FrozenDict(s) for s in slots), FrozenDict(used), classes)


def _resources(b: _Builder, instance: Instance, slots: Sequence[Mapping[str, int]],
               free: Mapping[str, Mapping[str, int]], used: Mapping[str, int]) -> None:
    """NodeResourcesFit per node: every requested resource, and the pod count. On a node with a used
    Boolean the capacity is multiplied by it (nothing fits an unused node), which gives the arithmetic
    relaxation the volume bound on the number of nodes."""
    for node in instance.nodes:
        present = [(u, slots[u.index][node.name]) for u in instance.units if node.name in slots[u.index]]
        if not present:
            continue
        link = used.get(node.name)
        for resource in sorted({r for u, _ in present for r, amount in u.requests.items() if amount > 0}):
            terms = [(var, u.requests.get(resource, 0)) for u, var in present if u.requests.get(resource, 0) > 0]
            _capacity_constraint(b, terms, free[node.name].get(resource, 0), link, ("capacity", node.name, resource))
        _capacity_constraint(b, [(var, 1) for _, var in present], free[node.name]["pods"], link, ("pods", node.name))


def _capacity_constraint(b: _Builder, terms: list[tuple[int, int]], amount: int, link: int | None,
                         label: Label) -> None:
    if link is None:
        b.add(terms, "<=", amount, label)
    else:
        b.add([*terms, (link, -amount)], "<=", 0, label)


def _quotas(b: _Builder, instance: Instance, slots: Sequence[Mapping[str, int]]) -> None:
    """Solver-mode quota: the placed new pods' usage fits each quota's hard limit."""
    for quota in instance.quotas:
        hard, used = quota.status.hard, quota.status.used
        charges = []
        for u in instance.units:
            info = instance.pods[u.pods[0]]
            if info.origin == NEW and info.pod.namespace == quota.namespace \
                    and resourcequota.matches_scopes(quota, info.pod):
                charges.append((u, resourcequota.usage(info.pod)))
        for resource in sorted(hard):
            terms = [(var, usage[resource].nano) for u, usage in charges
                     if resource in usage and usage[resource].nano > 0 for var in slots[u.index].values()]
            left = hard[resource].nano - (used[resource].nano if resource in used else 0)
            b.add(terms, "<=", left, ("quota", quota.namespace, quota.name, resource))


def _ports(b: _Builder, instance: Instance, presence: _Presence) -> None:
    """NodePorts between pods being placed: conflicting host ports never share a node."""
    with_ports = [u for u in instance.units if u.relations.ports]
    for i, u in enumerate(with_ports):
        for v in with_ports[i + 1:]:
            if ports_conflict(v.relations.ports, u.relations.ports):
                for node in sorted(set(presence.slots[u.index]) & set(presence.slots[v.index])):
                    b.clause((-presence.on(u.index, node), -presence.on(v.index, node)), ("ports", u.index, v.index))


def _pod(instance: Instance, unit: Unit) -> Any:
    return instance.pods[unit.pods[0]].pod


def anti_affinity_keys(instance: Instance, earlier: Unit, later: Unit) -> set[str]:
    """The topology keys on which ``later`` may not share a domain with ``earlier``: a required anti-affinity
    term of ``later`` selects ``earlier``'s pods, or one of ``earlier``'s (as an existing pod's term, namespace
    selectors read against ``later``'s namespace labels) selects ``later``."""
    first, second = _pod(instance, earlier), _pod(instance, later)
    labels = instance.snapshot.namespace_labels(second.namespace)
    keys = {t.topology_key for t in later.relations.anti_affinity if t.matches(first, {})}
    keys |= {t.topology_key for t in earlier.relations.anti_affinity_raw if t.matches(second, labels)}
    return keys


def _anti_affinity(b: _Builder, instance: Instance, presence: _Presence) -> None:
    units = instance.units
    involved = [u.index for u in units if u.relations.anti_affinity or u.relations.anti_affinity_raw]
    pairs = sorted({(min(i, j), max(i, j)) for i in involved for j in range(len(units)) if i != j})
    for first, second in pairs:
        u, v = units[first], units[second]
        for key in sorted(anti_affinity_keys(instance, u, v)):
            for value in sorted(presence.values(first, key) & presence.values(second, key)):
                b.clause((-presence.domain(first, key, value), -presence.domain(second, key, value)),
                         ("anti-affinity", key, first, second))


def _affinity(b: _Builder, instance: Instance, presence: _Presence) -> None:
    """Required pod affinity of single pods against the bound pods and the pods before them in the queue."""
    for v in instance.units:
        terms = v.relations.affinity
        if not terms:
            continue
        state = interpod.pre_filter(_pod(instance, v), instance.snapshot, instance.profile).state
        earlier = [u for u in instance.units[:v.index] if all(t.matches(_pod(instance, u), {}) for t in terms)]
        keys = {t.topology_key for t in terms}
        exception = 0
        if state.pod_matches_own_terms and not state.affinity:
            anywhere = [presence.on(u.index, n) for u in earlier for n in presence.slots[u.index]
                        if keys & set(instance.node(n).labels)]
            exception = b.var(f"first of group {v.index}", v.index)
            for lit in anywhere:
                b.clause((-exception, -lit))
            b.definitions.append(Definition(exception, "and", tuple(-lit for lit in anywhere)))
        for i, term in enumerate(terms):
            key = term.topology_key
            for value in sorted(presence.values(v.index, key)):
                if state.affinity.get((key, value), 0) > 0:
                    continue
                present = [lit for u in earlier if (lit := presence.domain(u.index, key, value))]
                found = b.define_or(f"affinity {v.index}/{i} in {key}={value}", v.index, present, both=False) \
                    if present else 0
                for node in presence.nodes_in(v.index, key, value):
                    b.clause([-presence.slots[v.index][node], *(x for x in (exception, found) if x)],
                             ("affinity", v.index, key))


def _spread(b: _Builder, instance: Instance, slots: Sequence[Mapping[str, int]], presence: _Presence) -> None:
    """PodTopologySpread DoNotSchedule: the skew a single pod sees when it is bound, counting the bound pods
    and the pods placed before it in the queue."""
    snapshot = instance.snapshot
    for v in instance.units:
        constraints = v.relations.spread
        if not constraints:
            continue
        pod = _pod(instance, v)
        keys = [c.topology_key for c in constraints]
        for c in constraints:
            eligible = [n for n in snapshot.nodes if all(k in n.labels for k in keys) and c.includes(pod, n)]
            existing: dict[str, int] = {}
            for n in eligible:
                value = n.labels[c.topology_key]
                existing[value] = existing.get(value, 0) + count_matching(snapshot.pods_on(n.name), c.selector,
                                                                          pod.namespace)
            if not existing:
                continue
            counted = [u for u in instance.units[:v.index] if count_matching((_pod(instance, u),), c.selector,
                                                                               pod.namespace)]
            count = {value: [(slots[u.index][n.name], 1) for u in counted for n in eligible
                             if n.labels[c.topology_key] == value and n.name in slots[u.index]] for value in existing}
            self_match = 1 if c.selector.matches(pod.labels) else 0
            label = ("spread", v.index, c.topology_key, c.max_skew)
            for value in sorted(presence.values(v.index, c.topology_key) & set(existing)):
                guard = presence.domain(v.index, c.topology_key, value)
                if len(existing) < c.min_domains:
                    b.add(count[value], "<=", c.max_skew - self_match - existing[value], label, guard)
                    continue
                for other in sorted(existing):
                    if other != value:
                        terms = count[value] + [(var, -1) for var, _ in count[other]]
                        b.add(terms, "<=", c.max_skew - self_match - existing[value] + existing[other], label, guard)


def node_classes(instance: Instance, slots: Sequence[Mapping[str, int]]) -> tuple[tuple[str, ...], ...]:
    """Interchangeable nodes (two or more, in node order): same allocatable, taints, unschedulable flag and
    labels but the hostname, no staying pods, not the original node of a running pod, and a slot for the
    same units (hence the same static verdicts). Labels count only when some pod has pod (anti-)affinity,
    spreading or host ports: otherwise they act only through the static filters, which the slots capture."""
    originals = {info.original_node for info in instance.pods if info.origin == RUNNING}
    related = any(not u.relations.plain for u in instance.units)
    groups: dict[Any, list[str]] = {}
    for node in instance.nodes:
        if instance.snapshot.pods_on(node.name) or node.name in originals:
            continue
        labels = node.labels.discard(HOSTNAME) if related else None
        key = (node.allocatable, node.taints, node.spec.unschedulable, labels, tuple(node.name in s for s in slots))
        groups.setdefault(key, []).append(node.name)
    return tuple(tuple(members) for members in groups.values() if len(members) > 1)


def derive(encoding: Encoding, counts: Mapping[tuple[int, str], int]) -> list[int]:
    """The full assignment for a placement given as (unit, node) -> count: the slots, then every auxiliary
    variable from its definition, in creation order."""
    values = [0] * (encoding.num_vars + 1)
    for (unit, node), k in counts.items():
        var = encoding.slots[unit].get(node)
        if var is None or k > encoding.upper[var]:
            raise ValueError(f"{k} pods of unit {unit} cannot go to {node}")
        values[var] = k
    for d in encoding.definitions:
        values[d.var] = d.value(values)
    return values


def violated(encoding: Encoding, values: Sequence[int], roles: Iterable[str] = (HARD, SYMMETRY)) -> list[Constraint]:
    """The constraints of the given roles that ``values`` breaks."""
    wanted = set(roles)
    return [c for c in encoding.constraints if c.role in wanted and not c.holds(values)]
