"""The same encoding solved by OR-tools CP-SAT (the optional ``cpsat`` extra): the ``cpsat-*`` strategies.

Each variable becomes a CP-SAT Boolean or bounded integer, each constraint a linear constraint (enforced only
if its guard literal holds), and each stage a native minimisation with the incumbent as solution hint. A
stage's optimum is then added as a constraint and the next stage is solved. CP-SAT runs its default parallel
portfolio with one worker per core.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from solver.encoding import Constraint, Encoding
from solver.names import cpsat_available as available
from solver.objectives import PERMILLE, Stage
from solver.search import FEASIBLE, INFEASIBLE, OPTIMAL, UNKNOWN, StageResult


class CpSatBackend:
    """An encoding as a CP-SAT model, minimised stage by stage."""

    def __init__(self, encoding: Encoding) -> None:
        if not available():
            raise RuntimeError("the cpsat strategies need OR-tools: pip install 'kubeproof[cpsat]'")
        from ortools.sat.python import cp_model

        self.cp_model = cp_model
        self.encoding = encoding
        self.model = cp_model.CpModel()
        self.vars = [None] + [
            self.model.NewBoolVar(f"v{v}") if encoding.upper[v] == 1 else self.model.NewIntVar(0, encoding.upper[v],
                                                                                                f"v{v}")
            for v in range(1, encoding.num_vars + 1)]
        self.add(encoding.constraints)

    def _literal(self, lit: int) -> object:
        return self.vars[lit] if lit > 0 else self.vars[-lit].Not()

    def add(self, constraints: Sequence[Constraint]) -> None:
        for c in constraints:
            if not c.terms:
                if not (0 <= c.bound if c.op == "<=" else 0 >= c.bound):
                    self.model.AddBoolOr([self._literal(-c.guard)] if c.guard else [])
                continue
            total = sum(a * self.vars[v] for v, a in c.terms)
            ct = self.model.Add(total <= c.bound) if c.op == "<=" else self.model.Add(total >= c.bound)
            if c.guard:
                ct.OnlyEnforceIf(self._literal(c.guard))

    def minimise(self, stage: Stage, incumbent: list[int] | None,
                 deadline: float) -> tuple[StageResult, list[int] | None]:
        start = time.monotonic()
        if stage.linear:
            objective = sum(a * self.vars[v] for v, a in stage.terms) + stage.const
        else:
            worst = self.model.NewIntVar(stage.fixed_floor, max(stage.upper, stage.fixed_floor), "highest")
            for terms, fixed, allocatable in stage.rows:
                self.model.Add(PERMILLE * (fixed + sum(a * self.vars[v] for v, a in terms)) <= worst * allocatable)
            objective = worst
        self.model.Minimize(objective)
        self.model.ClearHints()
        if incumbent is not None:
            for v in range(1, len(self.vars)):
                self.model.AddHint(self.vars[v], incumbent[v])
        cp_model = self.cp_model
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, deadline - time.monotonic())
        solver.parameters.num_workers = max(1, os.cpu_count() or 1)
        status = solver.Solve(self.model)
        seconds = time.monotonic() - start
        if status == cp_model.INFEASIBLE:
            return StageResult(stage.name, stage.objective, None, stage.lower, INFEASIBLE, seconds, 1), None
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = None if incumbent is None else stage.evaluate(incumbent)
            return StageResult(stage.name, stage.objective, value, stage.lower, UNKNOWN if value is None else FEASIBLE,
                               seconds, 1), incumbent
        values = [0] + [int(solver.Value(var)) for var in self.vars[1:]]
        value = stage.evaluate(values)
        bound = max(stage.lower, int(-(-solver.BestObjectiveBound() // 1)))
        optimal = status == cp_model.OPTIMAL or bound >= value
        return StageResult(stage.name, stage.objective, value, value if optimal else min(bound, value),
                           OPTIMAL if optimal else FEASIBLE, seconds, 1), values
