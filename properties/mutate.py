"""Our own mutation score: plant one small bug in ``model/`` at a time and see whether ``kubeproof check`` notices.

Two sources of mutants:

- **curated** (``tests/mutants/*.yaml``): hand-written bugs of the kind a Kubernetes contributor writes (an inverted
  condition, ``>=`` for ``>``, the wrong field, a missing case), each an exact text replacement in one file with the
  property expected to kill it; a mutant that cannot change behaviour is marked ``equivalent`` with the reason.
- **generated** (``--generate PATH``): a small AST-based mutator applying classic operators to a module: a
  comparison's operator swapped for its off-by-one or negated twin (``<``/``<=``, ``>``/``>=``, ``==``/``!=``,
  ``in``/``not in``), ``and``/``or`` swapped, a ``not`` dropped, ``+ 1``/``- 1`` swapped.

Each mutant runs in its own copy of the source tree, in a subprocess (``--jobs N`` of them at a time), with the
bundled scenario checked from both starts (``properties.starts``) without shrinking: a violation (or a crash of the
mutated model) kills it. The report gives killed / survived / equivalent per module and the score: killed out of
the non-equivalent mutants.

Usage: ``python -m properties.mutate [--profile dev|ci|deep] [--jobs N] [--fault NAME]... [--only ID]...
[--generate model/x.py] [--limit N] [--json]``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import yaml

ROOT = Path(__file__).resolve().parent.parent
CURATED = ROOT / "tests" / "mutants"
COPIED = ("model", "properties", "kubeproof")
TIMEOUT = 1800
"""Seconds one mutant's check may take before it counts as a timeout (not a kill)."""
KILLED, SURVIVED, EQUIVALENT, CRASHED, TIMEOUT_ = "killed", "survived", "equivalent", "crashed", "timeout"


@attrs.frozen
class Mutant:
    """One planted bug: ``find`` (exactly once in ``file``) becomes ``replace``."""

    id: str
    file: str
    find: str
    replace: str
    expect: str | None = None
    """The property expected to kill it (curated mutants)."""
    equivalent: str | None = None
    """Why the mutant cannot change behaviour (it is then left out of the score)."""
    note: str = ""
    occurrence: int = 0
    """Which occurrence of ``find`` to replace (generated mutants; curated ones must be unique)."""

    @property
    def module(self) -> str:
        return self.file.removesuffix(".py").replace("/", ".")


@attrs.frozen
class Outcome:
    mutant: Mutant
    status: str
    killed_by: str | None = None
    detail: str = ""
    seconds: float = 0.0


BASELINE = Mutant("baseline", "model/__init__.py", "", "")
"""The unmutated tree: checked first, since a violation on the faithful model would make every mutant look killed."""


# --- curated mutants -------------------------------------------------------------------------------------------


def load_curated(directory: Path = CURATED) -> list[Mutant]:
    """Every mutant in ``directory``'s YAML files (a list of mappings with the fields of :class:`Mutant`)."""
    mutants: list[Mutant] = []
    for path in sorted(directory.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text()) or ():
            mutants.append(Mutant(**entry))
    ids = [m.id for m in mutants]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"duplicate mutant ids: {', '.join(duplicated)}")
    return mutants


def apply(mutant: Mutant, source: str) -> str:
    """``source`` with the mutant planted; ValueError unless ``find`` occurs as required (once, for curated ones)."""
    count = source.count(mutant.find)
    if count == 0 or (mutant.occurrence == 0 and count > 1 and not mutant.id.startswith("gen:")):
        raise ValueError(f"mutant {mutant.id}: {mutant.find!r} occurs {count} times in {mutant.file}")
    start = -1
    for _ in range(mutant.occurrence + 1):
        start = source.index(mutant.find, start + 1)
    return source[:start] + mutant.replace + source[start + len(mutant.find):]


# --- generated mutants ---------------------------------------------------------------------------------------------

_SWAPS = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">", ast.Eq: "!=", ast.NotEq: "==", ast.In: "not in",
          ast.NotIn: "in", ast.Is: "is not", ast.IsNot: "is"}
_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
         ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def _segment(lines: list[str], node: ast.AST) -> str | None:
    if node.lineno != node.end_lineno:  # type: ignore[attr-defined]
        return None
    return lines[node.lineno - 1][node.col_offset:node.end_col_offset]  # type: ignore[attr-defined]


def generate(file: str, root: Path = ROOT) -> Iterator[Mutant]:
    """Mutants of one module by the classic operators (single-line expressions only, so each is an exact text
    replacement of that line's expression; docstrings and type annotations are left alone)."""
    source = (root / file).read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    seen: dict[str, int] = {}
    for node in ast.walk(tree):
        text = _segment(lines, node) if isinstance(node, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp)) else None
        if text is None:
            continue
        replacements: list[tuple[str, str]] = []
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _SWAPS:
            left, right = _segment(lines, node.left), _segment(lines, node.comparators[0])
            if left is not None and right is not None:
                op = type(node.ops[0])
                replacements.append((f"{_TEXT[op]} -> {_SWAPS[op]}", f"{left} {_SWAPS[op]} {right}"))
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            parts = [_segment(lines, v) for v in node.values]
            if None not in parts:
                other = "or" if isinstance(node.op, ast.And) else "and"
                replacements.append((f"-> {other}", f"({parts[0]}) {other} ({parts[1]})"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = _segment(lines, node.operand)
            if operand is not None:
                replacements.append(("drop not", f"({operand})"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and \
                isinstance(node.right, ast.Constant) and node.right.value == 1:
            left = _segment(lines, node.left)
            if left is not None:
                replacements.append(("+1 <-> -1", f"{left} {'-' if isinstance(node.op, ast.Add) else '+'} 1"))
        for operator, replacement in replacements:
            occurrence = _occurrence(source, lines, node, text)
            key = f"{file}:{node.lineno}:{operator}"
            seen[key] = seen.get(key, 0) + 1
            yield Mutant(f"gen:{key}#{seen[key]}", file, text, replacement, note=operator, occurrence=occurrence)


def _occurrence(source: str, lines: list[str], node: ast.AST, text: str) -> int:
    """Which occurrence of ``text`` in ``source`` the node is."""
    offset = sum(len(line) + 1 for line in lines[:node.lineno - 1]) + node.col_offset  # type: ignore[attr-defined]
    return source[:offset].count(text)


# --- running --------------------------------------------------------------------------------------------------------


def _tree_copy(mutant: Mutant, into: Path, source: Path = ROOT) -> None:
    for name in COPIED:
        shutil.copytree(source / name, into / name, ignore=shutil.ignore_patterns("__pycache__"))
    if mutant is not BASELINE:
        target = into / mutant.file
        target.write_text(apply(mutant, target.read_text()))


def run_one(mutant: Mutant, profile: str, faults: Sequence[str], seed: int = 0, source: Path = ROOT) -> Outcome:
    """Check the bundled scenario on a copy of the tree at ``source`` with ``mutant`` planted, in a subprocess."""
    if mutant.equivalent:
        return Outcome(mutant, EQUIVALENT, detail=mutant.equivalent)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kubeproof-mutant-") as tmp:
        _tree_copy(mutant, Path(tmp), source)
        command = [sys.executable, "-m", "properties.mutate", "--verdict", "--profile", profile, "--seed", str(seed),
                   *(f"--fault={f}" for f in faults)]
        env = {**os.environ, "PYTHONPATH": tmp, "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return Outcome(mutant, TIMEOUT_, seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not done.stdout.strip():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Outcome(mutant, CRASHED, detail=last[:200], seconds=seconds)
    verdict = json.loads(done.stdout.strip().splitlines()[-1])
    if verdict["property"] is None:
        return Outcome(mutant, SURVIVED, seconds=seconds)
    return Outcome(mutant, KILLED, verdict["property"], verdict["message"][:200], seconds)


def run_all(mutants: Sequence[Mutant], profile: str, faults: Sequence[str] = (), jobs: int = 1, seed: int = 0,
            progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Every mutant's outcome, in the mutants' order (``jobs`` subprocesses at a time). This is the one place the
    work is spread: a worker layer can replace the pool without changing the verdicts. The source is copied once,
    at the start, so that edits made while a long run goes on do not reach the mutants checked later."""
    with tempfile.TemporaryDirectory(prefix="kubeproof-mutate-source-") as source:
        _tree_copy(BASELINE, Path(source))

        def one(mutant: Mutant) -> Outcome:
            outcome = run_one(mutant, profile, faults, seed, Path(source))
            if progress is not None:
                progress(outcome)
            return outcome
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, mutants))


def _verdict(profile: str, faults: Sequence[str], seed: int) -> int:
    """Inside a mutant's tree: check the bundled scenario (both starts, no shrinking) and print the verdict."""
    from model import manifests
    from model.config import ModelConfig
    from model.examples import DIRECTORY as EXAMPLES
    from properties.check import PROFILES
    from properties.chunks import check
    from properties.explore import Scenario
    from properties.registry import all_properties

    scenario = Scenario("default", tuple(manifests.load([EXAMPLES])), ModelConfig(faults=frozenset(faults)))
    result = check(scenario, all_properties(), PROFILES[profile], seed, shrink=False)
    found = result.violation
    print(json.dumps({"property": found.violation.property if found else None,
                      "message": found.violation.message if found else ""}))
    return 0


# --- report ---------------------------------------------------------------------------------------------------------


def summary(outcomes: Iterable[Outcome]) -> dict[str, dict[str, int]]:
    """Counts per module (and ``total``) of each status."""
    table: dict[str, dict[str, int]] = {}
    for outcome in outcomes:
        for key in (outcome.mutant.module, "total"):
            row = table.setdefault(key, {s: 0 for s in (KILLED, CRASHED, SURVIVED, TIMEOUT_, EQUIVALENT)})
            row[outcome.status] += 1
    return table


def score(outcomes: Iterable[Outcome]) -> tuple[int, int]:
    """(killed, non-equivalent): a crash of the mutated model counts as a kill (the check noticed), a timeout not."""
    outcomes = list(outcomes)
    killed = sum(1 for o in outcomes if o.status in (KILLED, CRASHED))
    return killed, sum(1 for o in outcomes if o.status != EQUIVALENT)


def report(outcomes: Sequence[Outcome]) -> str:
    lines = [f"{'MODULE':44} {'KILLED':>6} {'CRASHED':>7} {'SURVIVED':>8} {'TIMEOUT':>7} {'EQUIV':>5}"]
    for module, row in sorted(summary(outcomes).items(), key=lambda kv: (kv[0] == "total", kv[0])):
        lines.append(f"{module:44} {row[KILLED]:>6} {row[CRASHED]:>7} {row[SURVIVED]:>8} {row[TIMEOUT_]:>7} "
                     f"{row[EQUIVALENT]:>5}")
    survivors = [o for o in outcomes if o.status in (SURVIVED, TIMEOUT_)]
    if survivors:
        lines += ["", "survived:"] + [f"  {o.mutant.id} ({o.mutant.file}): {o.mutant.note or o.mutant.replace}"
                                      for o in survivors]
    unexpected = [o for o in outcomes if o.status == KILLED and o.mutant.expect and o.killed_by != o.mutant.expect]
    if unexpected:
        lines += ["", "killed by another property than expected:"] + [
            f"  {o.mutant.id}: expected {o.mutant.expect}, killed by {o.killed_by}" for o in unexpected]
    killed, total = score(outcomes)
    lines += ["", f"score: {killed}/{total} non-equivalent mutants killed ({100 * killed / max(total, 1):.1f}%)"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m properties.mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="dev", choices=("dev", "ci", "deep"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--jobs", type=int, default=1, help="mutants checked at a time (subprocesses)")
    parser.add_argument("--only", action="append", help="run only the curated mutant(s) with this id")
    parser.add_argument("--generate", metavar="PATH", help="mutate this model module by the AST operators instead")
    parser.add_argument("--limit", type=int, help="run at most this many mutants")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verdict", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.verdict:
        return _verdict(args.profile, args.fault, args.seed)
    try:
        mutants = list(generate(args.generate)) if args.generate else load_curated()
    except (OSError, ValueError, SyntaxError) as e:
        print(f"mutate: {e}", file=sys.stderr)
        return 2
    if args.only:
        mutants = [m for m in mutants if m.id in set(args.only)]
    mutants = mutants[:args.limit] if args.limit else mutants

    def shown(outcome: Outcome) -> None:
        if not args.json:
            print(f"  {outcome.mutant.id:40} {outcome.status:10} {outcome.killed_by or ''} ({outcome.seconds:.0f}s)",
                  file=sys.stderr, flush=True)

    # the unmutated tree is checked alongside the mutants (first, so with one job before them): a violation there
    # would make every kill meaningless, and no score is given
    baseline, *outcomes = run_all([BASELINE, *mutants], args.profile, args.fault, args.jobs, args.seed, shown)
    if baseline.status != SURVIVED:
        print(f"mutate: the unmutated model does not pass the check ({baseline.status}: "
              f"{baseline.killed_by or ''} {baseline.detail}); no score", file=sys.stderr)
        return 1
    if args.json:
        killed, total = score(outcomes)
        print(json.dumps({"profile": args.profile, "faults": args.fault, "killed": killed, "scored": total,
                          "modules": summary(outcomes),
                          "mutants": [{"id": o.mutant.id, "file": o.mutant.file, "status": o.status,
                                       "expected": o.mutant.expect, "killed_by": o.killed_by,
                                       "seconds": round(o.seconds, 1)} for o in outcomes]}, indent=1))
    else:
        print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())

