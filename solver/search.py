"""Lexicographic optimisation by incremental bound tightening, with Z3 as the backend.

One plain ``Solver`` holds the encoding for the whole run (see :class:`Z3Backend` for how variables and
constraints become Z3 terms). For each stage, starting from the incumbent (the warm
start, then each better model), it asserts "value <= k" under a fresh guard literal and checks with that guard
as an assumption, so learned clauses survive between checks: first k = the stage's lower bound (a sat answer
proves optimality at once), then k = best - 1 until unsat (optimal) or the time runs out (feasible, with the
proven bound). The stage's final value is then asserted for good and the next stage starts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

import attrs
import z3

from solver.encoding import Constraint, Encoding

OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN = "optimal", "feasible", "infeasible", "unknown"
SAT, UNSAT = "sat", "unsat"
NEIGHBOURHOOD_SHARE = 0.5
"""The share of the remaining time large neighbourhood search may take before the exact descent."""
NEIGHBOURHOOD_SECONDS = 1.0
"""The time limit of one neighbourhood check."""
FIRST_SHARE = 0.3
"""The share of the remaining time a first check at the stage's lower bound may take (restricted to the
nodes the volume bound picked, then unrestricted), before the search falls back to tightening from the
incumbent."""


@attrs.frozen
class StageResult:
    """A stage's outcome: the best value found, the proven lower bound, and the status."""

    name: str
    objective: str
    value: int | None
    bound: int
    status: str
    seconds: float
    checks: int = 0


class Z3Backend:
    """The encoding as Z3 terms, with guarded extra constraints and assumption-based checks.

    ``mode`` "hybrid" (the default): 0/1 variables are Z3 Booleans and a constraint over Booleans only is a
    native clause, cardinality (``at-most``/``at-least``) or pseudo-Boolean (``pble``/``pbge``) atom; count
    variables are bounded integers, and a constraint mixing both is linear arithmetic with ``ite`` for the
    Booleans. ``mode`` "unary": a count variable ``0..u`` is ``u`` ordered Booleans ("at least j"), so every
    constraint is a native pseudo-Boolean atom (Z3's SAT core with its PB solver; no arithmetic). ``mode``
    "lia": every variable is a bounded integer. The constraints reach Z3 as one SMT-LIB script (building them
    term by term through the Python API costs far more than solving small instances).
    """

    def __init__(self, encoding: Encoding, mode: str = "hybrid") -> None:
        self.solver = z3.SolverFor("QF_FD" if mode == "unary" else "QF_LIA")
        self.encoding = encoding
        self.unary = mode == "unary"
        self.boolean = [mode != "lia" and (self.unary or encoding.upper[v] == 1) for v in range(encoding.num_vars + 1)]
        self.vars: list[z3.ExprRef | None] = [None] + [
            z3.Bool(f"v{v}") if self.boolean[v] and encoding.upper[v] == 1 else z3.Int(f"v{v}")
            for v in range(1, encoding.num_vars + 1)]
        self.guards = 0
        script = [self._declarations()]
        script += [f"(assert {self.smt(c)})" for c in encoding.constraints]
        self.solver.from_string("".join(script))

    def _bits(self, v: int) -> list[str]:
        """The Booleans standing for variable ``v``: itself, or its unary bits ("v is at least j")."""
        upper = self.encoding.upper[v]
        return [f"v{v}"] if upper == 1 else [f"v{v}_{j}" for j in range(1, upper + 1)]

    def _declarations(self) -> str:
        parts = []
        for v in range(1, self.encoding.num_vars + 1):
            if self.boolean[v]:
                bits = self._bits(v)
                parts += [f"(declare-const {b} Bool)" for b in bits]
                parts += [f"(assert (=> {later} {earlier}))" for earlier, later in zip(bits, bits[1:], strict=False)]
            else:
                parts.append(f"(declare-const v{v} Int)(assert (and (>= v{v} 0) (<= v{v} {self.encoding.upper[v]})))")
        return "".join(parts)

    def literal(self, lit: int) -> z3.BoolRef:
        """A literal as a Z3 Boolean."""
        v = abs(lit)
        truth = z3.Bool(self._bits(v)[0]) if self.boolean[v] else self.vars[v] >= 1
        return truth if lit > 0 else z3.Not(truth)

    def equals(self, v: int, value: int) -> z3.BoolRef:
        """``variable v == value`` as a Z3 Boolean."""
        if not self.boolean[v]:
            return self.vars[v] == value
        bits = [z3.Bool(b) for b in self._bits(v)]
        return z3.And(*(b if j < value else z3.Not(b) for j, b in enumerate(bits)))

    def _literal_smt(self, lit: int) -> str:
        v = abs(lit)
        truth = self._bits(v)[0] if self.boolean[v] else f"(>= v{v} 1)"
        return truth if lit > 0 else f"(not {truth})"

    def smt(self, c: Constraint) -> str:
        """The constraint in SMT-LIB: a native clause, cardinality or pseudo-Boolean atom when it is over
        Booleans, else linear arithmetic."""
        if not c.terms:
            body = "true" if (0 <= c.bound if c.op == "<=" else 0 >= c.bound) else "false"
        elif all(self.boolean[v] for v, _ in c.terms):
            body = self._pseudo_boolean(c)
        else:
            parts = []
            for v, a in c.terms:
                coefficient = str(a) if a >= 0 else f"(- {-a})"
                parts.append(f"(ite v{v} {coefficient} 0)" if self.boolean[v] else f"(* {coefficient} v{v})")
            total = parts[0] if len(parts) == 1 else f"(+ {' '.join(parts)})"
            bound = str(c.bound) if c.bound >= 0 else f"(- {-c.bound})"
            body = f"({c.op} {total} {bound})"
        return f"(=> {self._literal_smt(c.guard)} {body})" if c.guard else body

    def _pseudo_boolean(self, c: Constraint) -> str:
        bound = c.bound
        lits, weights = [], []
        for v, a in c.terms:
            for bit in self._bits(v):
                if a > 0:
                    lits.append(bit)
                    weights.append(a)
                else:
                    lits.append(f"(not {bit})")
                    weights.append(-a)
                    bound -= a
        if c.op == "<=" and bound < 0 or c.op == ">=" and bound > sum(weights):
            return "false"
        args = " ".join(lits)
        if all(w == 1 for w in weights):
            if c.op == ">=" and bound == 1:
                return f"(or {args})"
            return f"((_ {'at-most' if c.op == '<=' else 'at-least'} {bound}) {args})"
        return f"((_ {'pble' if c.op == '<=' else 'pbge'} {bound} {' '.join(map(str, weights))}) {args})"

    def add(self, constraints: Sequence[Constraint]) -> None:
        if constraints:
            self.solver.from_string("".join(f"(assert {self.smt(c)})" for c in constraints))

    def guarded(self, constraints: Sequence[Constraint]) -> z3.BoolRef:
        """A fresh guard literal enforcing ``constraints`` when assumed."""
        self.guards += 1
        name = f"guard{self.guards}"
        self.solver.from_string(f"(declare-const {name} Bool)"
                                + "".join(f"(assert (=> {name} {self.smt(c)}))" for c in constraints))
        return z3.Bool(name)

    def check(self, assumptions: Sequence[z3.BoolRef], seconds: float) -> str:
        self.solver.set("timeout", max(1, int(seconds * 1000)))
        result = self.solver.check(*assumptions)
        return SAT if result == z3.sat else UNSAT if result == z3.unsat else UNKNOWN

    def values(self) -> list[int]:
        model = self.solver.model()
        values = [0]
        for v in range(1, len(self.vars)):
            if self.boolean[v]:
                values.append(sum(int(z3.is_true(model.eval(z3.Bool(b), model_completion=True)))
                                  for b in self._bits(v)))
            else:
                values.append(model.eval(self.vars[v], model_completion=True).as_long())
        return values

    def hint(self, values: Sequence[int]) -> None:
        """Initial values from an incumbent (``Solver.set_initial_value``, z3 >= 4.13; skipped before)."""
        if not hasattr(self.solver, "set_initial_value"):
            return
        for v in range(1, len(self.vars)):
            if self.boolean[v]:
                for j, bit in enumerate(self._bits(v)):
                    self.solver.set_initial_value(z3.Bool(bit), z3.BoolVal(j < values[v]))
            else:
                self.solver.set_initial_value(self.vars[v], z3.IntVal(values[v]))


def repair(backend: Z3Backend, stage: object, values: list[int], best: int, lower: int,
           deadline: float) -> tuple[list[int], int, int]:
    """Large neighbourhood search with Z3: keep the incumbent's pods on most nodes, free the pods of a few
    (the least loaded ones and a seeded random few), and ask for a placement one better; stop at the lower
    bound, after a round without progress, or when the share of the time is spent."""
    stop = time.monotonic() + NEIGHBOURHOOD_SHARE * (deadline - time.monotonic())
    rng = random.Random(0)
    tries = 0
    stalled = 0
    while best > lower and time.monotonic() < stop and stalled < len(stage.neighbourhoods):
        kept = stage.neighbourhoods[tries % len(stage.neighbourhoods)](values, rng)
        tries += 1
        guard = backend.guarded(stage.at_most(best - 1))
        fixed = [backend.equals(v, values[v]) for v in kept]
        budget = min(NEIGHBOURHOOD_SECONDS, stop - time.monotonic())
        if budget > 0 and backend.check([guard, *fixed], budget) == SAT:
            values = backend.values()
            best = stage.evaluate(values)
            stalled = 0
        else:
            stalled += 1
    return values, best, tries


def minimise(backend: Z3Backend, stage: object, incumbent: list[int] | None, deadline: float,
             try_lower_first: bool) -> tuple[StageResult, list[int] | None]:
    """Bound tightening for one stage; returns its result and the best assignment (None: none found)."""
    start = time.monotonic()
    best = None if incumbent is None else stage.evaluate(incumbent)
    lower = stage.lower
    checks = 0
    values = incumbent
    if best is None:
        checks += 1
        verdict = backend.check([], deadline - time.monotonic())
        if verdict != SAT:
            status = INFEASIBLE if verdict == UNSAT else UNKNOWN
            return StageResult(stage.name, stage.objective, None, lower, status, time.monotonic() - start, checks), None
        values = backend.values()
        best = stage.evaluate(values)
    first = try_lower_first
    if stage.neighbourhoods and best > lower:
        if first and stage.focus:
            remaining = deadline - time.monotonic()
            checks += 1
            guard = backend.guarded(stage.at_most(lower))
            if backend.check([guard, *(backend.literal(-v) for v in stage.focus)], FIRST_SHARE * remaining) == SAT:
                values = backend.values()
                best = stage.evaluate(values)
            first = False
        values, best, tries = repair(backend, stage, values, best, lower, deadline)
        checks += tries
    while best > lower and time.monotonic() < deadline:
        target = lower if first else best - 1
        remaining = deadline - time.monotonic()
        checks += 1
        guard = backend.guarded(stage.at_most(target))
        if first and stage.focus:
            verdict = backend.check([guard, *(backend.literal(-v) for v in stage.focus)], FIRST_SHARE * remaining)
            if verdict != SAT:
                verdict = backend.check([guard], FIRST_SHARE * (deadline - time.monotonic())) \
                    if target < best - 1 else backend.check([guard], deadline - time.monotonic())
        else:
            verdict = backend.check([guard], FIRST_SHARE * remaining if first and target < best - 1 else remaining)
        first = False
        if verdict == SAT:
            values = backend.values()
            value = stage.evaluate(values)
            if value > target:
                raise AssertionError(f"solver model breaks its own bound: {stage.name} {value} > {target}")
            best = value
        elif verdict == UNSAT:
            lower = target + 1
        elif target == best - 1:
            break
    status = OPTIMAL if best <= lower else FEASIBLE
    return StageResult(stage.name, stage.objective, best, min(lower, best), status, time.monotonic() - start,
                       checks), values
