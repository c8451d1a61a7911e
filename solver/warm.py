"""A fast greedy placement over the encoding itself: the solver's warm start.

Pods are taken in queue order; each goes to the first node, in a packing (or spreading) order, on which
every hard constraint it touches still holds, judged by incrementally maintained left-hand sides. Every
constraint about a later pod is guarded by (or satisfied without) that pod's own variables, so a pod not
yet placed never breaks one and the result is a valid placement of the encoding; :func:`canonical` then
orders interchangeable nodes for the symmetry breaking and :func:`check` confirms the whole assignment (a
failure is a bug, raised as :class:`SolverBug`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from model.resources import scheduler_resources
from solver.encoding import HARD, Definition, Encoding, derive, literal_value, violated


class SolverBug(AssertionError):
    """The encoding, the solver and the model disagree: never expected, always raised loudly."""


class _State:
    """An assignment with incrementally maintained left-hand sides of the hard constraints."""

    def __init__(self, encoding: Encoding) -> None:
        self.values = [0] * (encoding.num_vars + 1)
        self.constraints = [c for c in encoding.constraints if c.role == HARD]
        self.watch: dict[int, list[tuple[int, int]]] = {}
        self.guarded: dict[int, list[int]] = {}
        self.lhs = [0] * len(self.constraints)
        for i, c in enumerate(self.constraints):
            for var, a in c.terms:
                self.watch.setdefault(var, []).append((i, a))
            if c.guard:
                self.guarded.setdefault(abs(c.guard), []).append(i)

    def holds(self, i: int) -> bool:
        c = self.constraints[i]
        if c.guard and not literal_value(self.values, c.guard):
            return True
        return self.lhs[i] <= c.bound if c.op == "<=" else self.lhs[i] >= c.bound

    def set(self, var: int, value: int, touched: set[int], journal: list[tuple[int, int]]) -> None:
        old = self.values[var]
        if old == value:
            return
        journal.append((var, old))
        self.values[var] = value
        for i, a in self.watch.get(var, ()):
            self.lhs[i] += a * (value - old)
            touched.add(i)
        touched.update(self.guarded.get(var, ()))

    def refresh(self, definitions: Sequence[Definition], touched: set[int], journal: list[tuple[int, int]]) -> None:
        for d in definitions:
            self.set(d.var, d.value(self.values), touched, journal)


BALANCED = ("cpu", "memory")
"""The resources whose utilisation the ``balance`` objective and the balancing greedy read."""
ORDERS = ("queue", "dominant", "cpu", "memory")
"""Unit orders for the greedy: the scheduling queue, or largest pods first (first-fit decreasing) by their
dominant cpu/memory share, by cpu, or by memory. Any order is sound: every constraint a placement touches is
checked."""


def greedy(encoding: Encoding, pack: bool = True, order: str = "queue",
           deadline: float | None = None, balance: bool = False) -> dict[tuple[int, str], int]:
    """A placement (unit, node) -> count, units in ``order``; nodes tried fullest first, then largest
    (``pack``), or emptiest first, by the dominant cpu/memory share; with ``balance``, the node whose highest
    cpu/memory utilisation (requests over allocatable, staying pods included) would be least once the pod is
    there first (the ``balance`` objective's own measure). At ``deadline`` (``time.monotonic()``) the units not
    yet placed stay pending."""
    state = _State(encoding)
    instance = encoding.instance
    own: dict[int, list[Definition]] = {}
    by_node: dict[str, list[Definition]] = {}
    used_vars = {var: node for node, var in encoding.used.items()}
    for d in encoding.definitions:
        if d.var in used_vars:
            by_node.setdefault(used_vars[d.var], []).append(d)
        elif encoding.owners[d.var] >= 0:
            own.setdefault(encoding.owners[d.var], []).append(d)
    load = {n.name: 0.0 for n in instance.nodes}
    size = {n.name: _size(n) for n in instance.nodes}
    allocatable = {n.name: scheduler_resources(n.allocatable) for n in instance.nodes}
    requested = {n.name: {r: allocatable[n.name].get(r, 0) - instance.free(n.name).get(r, 0) for r in BALANCED}
                 for n in instance.nodes}
    units = list(instance.units)
    if order != "queue":
        top = {r: max((scheduler_resources(n.allocatable).get(r, 0) for n in instance.nodes), default=0) or 1
               for r in ("cpu", "memory")}
        weight = {"dominant": lambda u: max(u.requests.get(r, 0) / top[r] for r in top),
                  "cpu": lambda u: (u.requests.get("cpu", 0), u.requests.get("memory", 0)),
                  "memory": lambda u: (u.requests.get("memory", 0), u.requests.get("cpu", 0))}[order]
        units.sort(key=weight, reverse=True)
    for unit in units:
        if deadline is not None and time.monotonic() > deadline:
            break
        state.refresh(own.get(unit.index, ()), set(), [])
        share = _share(encoding, unit)
        for _ in range(unit.size):
            if balance:
                order = sorted(encoding.slots[unit.index], key=lambda n: (max(
                    ((requested[n][r] + unit.requests.get(r, 0)) / allocatable[n][r] for r in BALANCED
                     if allocatable[n].get(r)), default=0.0), size[n], n))
            else:
                order = sorted(encoding.slots[unit.index],
                               key=lambda n: (-load[n], size[n], n) if pack else (load[n], size[n], n))
            for node in order:
                var = encoding.slots[unit.index][node]
                if state.values[var] >= encoding.upper[var]:
                    continue
                touched: set[int] = set()
                journal: list[tuple[int, int]] = []
                state.set(var, state.values[var] + 1, touched, journal)
                state.refresh(own.get(unit.index, ()), touched, journal)
                state.refresh(by_node.get(node, ()), touched, journal)
                if all(state.holds(i) for i in touched):
                    load[node] += share[node]
                    for r in BALANCED:
                        requested[node][r] += unit.requests.get(r, 0)
                    break
                for v, old in reversed(journal):
                    state.set(v, old, set(), [])
    return encoding.counts(state.values)


def empty_nodes(encoding: Encoding, counts: Mapping[tuple[int, str], int], rounds: int = 50,
                deadline: float | None = None) -> dict[tuple[int, str], int]:
    """Local search for fewer nodes: repeatedly try to move every pod off the least-loaded node onto the other
    used nodes (best fit, each move checked like a placement); keep the moves when the node empties. Stops
    after ``rounds`` or at ``deadline`` (``time.monotonic()``)."""
    state = _State(encoding)
    for (unit, node), k in counts.items():
        state.values[encoding.slots[unit][node]] = k
    for d in encoding.definitions:
        state.values[d.var] = d.value(state.values)
    for i, c in enumerate(state.constraints):
        state.lhs[i] = c.lhs(state.values)
    readers = _readers(encoding)
    shares = [_share(encoding, unit) for unit in encoding.units]
    failed: set[str] = set()
    for _ in range(rounds):
        if deadline is not None and time.monotonic() > deadline:
            break
        load = _loads(encoding, state.values, shares)
        candidates = sorted((n for n in load if load[n] > 0 and n not in failed), key=lambda n: load[n])
        if not candidates:
            break
        node = candidates[0]
        journal: list[tuple[int, int]] = []
        moved = True
        for slots in encoding.slots:
            var = slots.get(node)
            while moved and var and state.values[var] > 0:
                moved = False
                targets = sorted((m for m in slots if m != node and load.get(m, 0) > 0), key=lambda m: -load[m])
                for target in targets:
                    touched: set[int] = set()
                    mark = len(journal)
                    state.set(var, state.values[var] - 1, touched, journal)
                    state.set(slots[target], state.values[slots[target]] + 1, touched, journal)
                    state.refresh(_dependent(encoding, readers, (var, slots[target])), touched, journal)
                    room = state.values[slots[target]] <= encoding.upper[slots[target]]
                    if room and all(state.holds(i) for i in touched):
                        moved = True
                        break
                    for v, old in reversed(journal[mark:]):
                        state.set(v, old, set(), [])
                    del journal[mark:]
        if not moved:
            for v, old in reversed(journal):
                state.set(v, old, set(), [])
            failed.add(node)
    return encoding.counts(state.values)


def _readers(encoding: Encoding) -> dict[int, list[int]]:
    """Variable -> the positions of the definitions that read it."""
    readers: dict[int, list[int]] = {}
    for i, d in enumerate(encoding.definitions):
        for lit in d.literals:
            readers.setdefault(abs(lit), []).append(i)
    return readers


def _dependent(encoding: Encoding, readers: Mapping[int, list[int]], variables: Sequence[int]) -> list[Definition]:
    """The definitions that read ``variables``, directly or through other definitions, in creation order
    (a definition only reads variables created before it)."""
    definitions = encoding.definitions
    found: set[int] = set()
    todo = list(variables)
    while todo:
        for i in readers.get(todo.pop(), ()):
            if i not in found:
                found.add(i)
                todo.append(definitions[i].var)
    return [definitions[i] for i in sorted(found)]


def _loads(encoding: Encoding, values: Sequence[int], shares: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Each node's dominant cpu/memory share of what the placement put there."""
    load: dict[str, float] = {}
    for unit, slots in enumerate(encoding.slots):
        share = shares[unit]
        for node, var in slots.items():
            if values[var]:
                load[node] = load.get(node, 0.0) + share[node] * values[var]
    return load


def _size(node: object) -> tuple[int, int]:
    """Sorts larger nodes first."""
    allocatable = scheduler_resources(node.allocatable)
    return -allocatable.get("cpu", 0), -allocatable.get("memory", 0)


def _share(encoding: Encoding, unit: object) -> dict[str, float]:
    """The dominant cpu/memory share one pod of the unit takes on each candidate node."""
    shares = {}
    for node in encoding.slots[unit.index]:
        allocatable = scheduler_resources(encoding.instance.node(node).allocatable)
        share = max((unit.requests.get(r, 0) / allocatable[r] for r in ("cpu", "memory") if allocatable.get(r)),
                    default=0.0)
        shares[node] = share or 1e-6
    return shares


def canonical(encoding: Encoding, counts: Mapping[tuple[int, str], int]) -> dict[tuple[int, str], int]:
    """The same placement with each class of interchangeable nodes holding non-increasing pod counts."""
    result = dict(counts)
    for members in encoding.classes:
        contents = [{u: k for (u, n), k in counts.items() if n == node} for node in members]
        contents.sort(key=lambda c: -sum(c.values()))
        for node in members:
            for u in range(len(encoding.slots)):
                result.pop((u, node), None)
        for node, content in zip(members, contents, strict=True):
            for u, k in content.items():
                result[(u, node)] = k
    return result


def check(encoding: Encoding, counts: Mapping[tuple[int, str], int], exempt: str | None = None) -> list[int]:
    """The derived assignment of a placement; SolverBug when it breaks a constraint (other than those whose
    label kind is ``exempt``)."""
    values = derive(encoding, counts)
    broken = [c for c in violated(encoding, values) if exempt is None or c.label is None or c.label[0] != exempt]
    if broken:
        raise SolverBug(f"placement breaks {len(broken)} encoded constraint(s), e.g. {broken[0]}")
    return values
