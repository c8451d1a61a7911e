"""``kubeproof bench --intents``: time to the first counterexample for every intent scenario of
``model/examples/intents`` (its violating configuration), the shrunk trace's length, and the same search on its
holding configuration (which must find nothing). Seconds are CPU seconds of this process (one core)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import attrs

from kubeproof.render import write_report
from model.examples.intents import DIRECTORY
from model.manifests import load
from properties.check import PROFILES, run
from properties.explore import Scenario
from properties.spec import budget_properties, compile_intents, load_spec, scenario_for

VARIANT = "daemonset-bypasses-scheduler"
CASES = (
    ("maintenance", "MinAvailable", "violated.yaml", "holds.yaml", False),
    ("spread", "MaxSkew", "violated.yaml", "holds.yaml", False),
    ("schedulable", "AlwaysSchedulable", "violated.yaml", "holds.yaml", False),
    ("endpoints", "EndpointsAtLeast", "violated.yaml", "holds.yaml", False),
    ("converges", "Converges", "violated.yaml", "holds.yaml", False),
    ("oscillation", "NoOscillation", "manifests.yaml", "manifests.yaml", True),
    ("budget", "PodDisruptionBudget (MinAvailable)", "violated.yaml", "holds.yaml", False),
)
"""(folder, intent kind, violating manifests, holding manifests, whether the violating run takes ``--variant
daemonset-bypasses-scheduler``)."""


def _scenario(case: str, manifests: str, variant: bool) -> tuple[Scenario, tuple]:
    spec = load_spec(str(DIRECTORY / case / "spec.yaml"))
    base = Scenario(f"{case}/{manifests}", tuple(load([DIRECTORY / case / manifests])))
    if variant:
        base = attrs.evolve(base, config=attrs.evolve(base.config, variants=frozenset({VARIANT})))
    budgets = budget_properties(base.objects)
    return scenario_for(base, spec), (*budgets, *compile_intents(spec))


def _timed(work: Any) -> tuple[Any, float]:
    started = time.process_time()
    result = work()
    return result, round(time.process_time() - started, 2)


def measure(seed: int, note: Any, only: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One row per scenario (those named in ``only``, or all)."""
    rows = []
    profile = PROFILES["ci"]
    for case, kind, violated, holds, variant in CASES:
        if only and case not in only:
            continue
        note(f"intent scenario {case} ({kind})")
        scenario, properties = _scenario(case, violated, variant)
        first, cpu_first = _timed(lambda s=scenario, p=properties: run(s, p, profile, seed, shrink=False))
        shrunk, cpu_shrunk = (first, cpu_first) if first.violation is None else \
            _timed(lambda s=scenario, p=properties: run(s, p, profile, seed))
        scenario, properties = _scenario(case, holds, False)
        held, cpu_held = _timed(lambda s=scenario, p=properties: run(s, p, profile, seed))
        rows.append({"case": case, "intent": kind, "variant": VARIANT if variant else None,
                     "found": first.violation is not None, "runs_to_first": first.examples,
                     "first_cpu_seconds": cpu_first, "shrunk_cpu_seconds": cpu_shrunk,
                     "trace_actions": None if shrunk.violation is None else len(shrunk.violation.transitions),
                     "explored_actions": getattr(shrunk.violation, "explored", None),
                     "minimal": getattr(shrunk.violation, "minimal", True),
                     "holding_found": None if held.violation is None else str(held.violation.violation),
                     "holding_runs": held.examples, "holding_cpu_seconds": cpu_held})
    return rows


def markdown(rows: list[dict[str, Any]], seed: int) -> str:
    lines = ["# Intent scenarios: time to counterexample", "",
             f"`kubeproof bench --intents`, profile `ci`, seed {seed}, each intent alone (`--only-intents`). CPU "
             "seconds of one process. The violating configuration is searched without shrinking (time to the first "
             "counterexample), then with it (the trace's length; shrinking replays the run's actions, "
             "`properties.minimise`); the holding configuration gets the same search and must find nothing.", "",
             "| scenario | intent | runs to first | first counterexample (CPU s) | with shrinking (CPU s) | "
             "trace (actions) | holding configuration |", "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        found = r["first_cpu_seconds"] if r["found"] else f"not found ({r['first_cpu_seconds']})"
        held = f"held ({r['holding_runs']} runs, {r['holding_cpu_seconds']} s)" if r["holding_found"] is None \
            else f"**violated**: {r['holding_found']}"
        name = f"`{r['case']}`" + (f" (`--variant {r['variant']}`)" if r["variant"] else "")
        trace = str(r["trace_actions"] or "-") + (f" ({r['explored_actions']} explored, then fair convergence)"
                                                   if r.get("explored_actions") is not None else "") + \
            ("" if r.get("minimal", True) else ", not minimal")
        lines.append(f"| {name} | {r['intent']} | {r['runs_to_first']} | {found} | {r['shrunk_cpu_seconds']} | "
                     f"{trace} | {held} |")
    return "\n".join(lines) + "\n"


def cmd_bench_intents(args: argparse.Namespace, note: Any) -> int:
    rows = measure(args.seed, note)
    text = markdown(rows, args.seed)
    write_report(Path(args.output_dir), "intents", text, rows)
    print(json.dumps(rows, indent=1) if args.json else text)
    return 0
