"""``kubeproof bench --explorer``: the exhaustive explorer's figures (states per second, symmetry reduction, each
variant's proven shortest trace beside the shrunk one, the evict/recreate lasso and its twin),
written to ``reports/bench/explore.md`` and ``.json``. Seconds are CPU seconds of this process (one core)."""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from kubeproof.render import write_report
from model import manifests
from model.examples import DIRECTORY as EXAMPLES
from model.manifests import load_text
from properties.exhaustive import Bounds
from properties.explore import Scenario
from properties.livelocks import LIVENESS, NODES, evict_recreate
from properties.registry import all_properties, by_name
from properties.small_scope import ExploreResult, Scope, explore
from properties.timers_last import explore_timers_last
from properties.variants import REPLICASET, VARIANTS

TARGETS = {"states_per_second": 3000, "symmetry_factor": 3.0, "variant_seconds": 60, "loop_seconds": 10}

IDENTICAL_NODES = NODES.replace("""  spec: {taints: [{key: maintenance, value: "true", effect: NoExecute}]}
""", "")
"""The livelock scenarios' three nodes without the taint: three interchangeable nodes."""


def _row(result: ExploreResult) -> dict[str, Any]:
    found = result.search
    return {"status": result.status, "states": found.states, "transitions": found.transitions, "depth": found.depth,
            "exhausted": found.exhausted and result.violation is None, "bound": found.bound,
            "cpu_seconds": round(found.seconds, 2), "states_per_second": round(found.states / max(found.seconds, 1e-9)),
            "property": result.violation.violation.property if result.violation else None,
            "trace_steps": len(result.violation.transitions) if result.violation else None,
            "loop_start": result.loop_start}


def _throughput(seconds: float) -> dict[str, Any]:
    """Distinct states per second with every property: the bundled example (5 nodes, the default scope: one user
    command) and the three-node livelock twin (no user command: with one, scaling the Deployment to 0 meets the
    stale-cache proportional-scaling finding within a second), each for ``seconds`` CPU seconds with the deadline
    clock."""
    default = Scenario("default", tuple(manifests.load([EXAMPLES])))
    rows = {}
    for name, scenario, users in (("default (5 nodes, 1 user command)", default, 1),
                                  ("evict-recreate twin (3 nodes, no user command)", evict_recreate(True), 0)):
        scope = Scope(user_budget=users, bounds=Bounds(max_seconds=seconds), liveness=False)
        rows[name] = _row(explore(scenario, all_properties(), scope))
    return rows


def _symmetry(depth: int) -> dict[str, Any]:
    """Three identical nodes and a ReplicaSet of two, clock frozen, every safety property, to ``depth``: distinct
    states without and with symmetry reduction."""
    objects = tuple(load_text(IDENTICAL_NODES, "nodes") + load_text(REPLICASET, "replicaset"))
    scenario = Scenario("three-identical-nodes", objects)
    safety = tuple(p for p in all_properties() if p.kind != "liveness")
    rows = {}
    for label, symmetry in (("without", False), ("with", True)):
        scope = Scope(user_budget=0, clock="frozen", liveness=False, symmetry=symmetry,
                      bounds=Bounds(max_depth=depth))
        rows[label] = _row(explore(scenario, safety, scope))
    rows["factor"] = round(rows["without"]["states"] / max(rows["with"]["states"], 1), 2)
    return rows


def _variants(shrunk: dict[str, int | None], seconds: float) -> list[dict[str, Any]]:
    """Each variant with ``--timers-last`` (``properties.timers_last``): the clock frozen first, then the full scope
    to one step less to prove the trace shortest, ``seconds`` CPU s in all."""
    rows = []
    for chosen in VARIANTS:
        scope = Scope(user_budget=chosen.user_budget, kubectl=chosen.kubectl, liveness=False,
                      bounds=Bounds(max_seconds=seconds))
        two = explore_timers_last(chosen.scenario(), by_name([chosen.property]), scope)
        row = _row(two.result)
        rows.append({"variant": chosen.name, "property": chosen.property, "shrunk_trace": shrunk.get(chosen.name),
                     **row, "cpu_seconds": round(two.seconds, 2), "proven_shortest": two.proven,
                     "found_cpu_seconds": round(two.frozen.search.seconds if two.frozen and two.frozen.violation
                                                else two.seconds, 2),
                     "full_scope_depth": two.full.search.depth if two.full is not None else None})
    return rows


def _intents(seconds: float) -> list[dict[str, Any]]:
    """Each intent configuration of ``model/examples/intents`` and its holding twin, explored with its intent alone
    (as ``kubeproof explore --spec``: settled start, the spec's faults and user actions) for ``seconds`` CPU s."""
    from kubeproof.intents_bench import CASES, VARIANT
    from kubeproof.intents_bench import _scenario as intent_scenario
    rows = []
    for case, kind, violated, holds, variant in CASES:
        for label, manifests_file, with_variant in (("violated", violated, variant), ("holds", holds, False)):
            scenario, properties = intent_scenario(case, manifests_file, with_variant)
            scope = Scope(user_budget=1 if scenario.kubectl else 0, faults=tuple(scenario.fault_budget or ()),
                          settle_between_faults=scenario.settle_between_faults, bounds=Bounds(max_seconds=seconds))
            started = time.process_time()
            row = _row(explore(scenario, properties, scope))
            rows.append({"case": case, "intent": kind, "configuration": label,
                         "variant": VARIANT if with_variant else None, **row,
                         "cpu_seconds": round(time.process_time() - started, 2)})
    return rows


def _loops(seconds: float) -> dict[str, Any]:
    started = time.process_time()
    loop = explore(evict_recreate(), by_name(LIVENESS), Scope(user_budget=0, bounds=Bounds(max_depth=2)))
    total = round(time.process_time() - started, 2)  # the search, then fair execution finding the lasso
    settled_twin = attrs.evolve(evict_recreate(True), settled=True)
    twin = explore(settled_twin, by_name(LIVENESS), Scope(user_budget=1, clock="frozen",
                                                           bounds=Bounds(max_seconds=seconds)))
    return {"loop": {**_row(loop), "cpu_seconds": total}, "twin (settled, 1 user command, clock frozen)": _row(twin)}


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _table(rows: dict[str, Any], labels: tuple[str, ...]) -> list[str]:
    lines = ["| | distinct states | transitions | depth | CPU s |", "|---|---:|---:|---:|---:|"]
    for label in labels:
        row = rows[label]
        lines.append(f"| {label} | {row['states']:,} | {row['transitions']:,} | {row['depth']} | "
                     f"{row['cpu_seconds']} |")
    return lines


def _markdown(report: dict[str, Any]) -> str:
    env = report["environment"]
    lines = ["# Exhaustive explorer benchmark", "",
             f"Measured by `kubeproof bench --explorer` on {env['date']} (Python {env['python']}, {env['platform']}, "
             f"{env['cpus']} CPUs shared, load average {env['load_average']} at the start). Seconds are CPU seconds "
             "of one process (one core).", "", "## Distinct states per second, every property checked", "",
             "| scope | verdict | distinct states | transitions | depth | CPU s | states/s |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for name, row in report["throughput"].items():
        lines.append(f"| {name} | {row['status']} ({row['bound'] or 'done'}) | {row['states']:,} | "
                     f"{row['transitions']:,} | {row['depth']} | {row['cpu_seconds']} | {row['states_per_second']:,} |")
    best = max(r["states_per_second"] for r in report["throughput"].values())
    target = TARGETS["states_per_second"]
    lines += ["", f"Target {target:,} states/s: {_mark(best >= target)} (best {best:,}).", "",
              "## Symmetry reduction: three identical nodes, a ReplicaSet of two, clock frozen", ""]
    sym = report["symmetry"]
    lines += [f"Breadth-first to depth {sym['without']['depth']}, every safety property checked.", ""]
    lines += _table(sym, ("without", "with"))
    lines += ["", f"Reduction {sym['factor']}x; target {TARGETS['symmetry_factor']}x: "
              f"{_mark(sym['factor'] >= TARGETS['symmetry_factor'])}.", "",
              "## Known-bug variants: proven shortest trace", "",
              "`kubeproof explore --variant NAME --timers-last`: breadth-first with the clock frozen (a shortest trace "
              "among runs in which no timer fires), then the full scope (the model's clock) to one step less: "
              "*proven* when that finds nothing with every state to that depth expanded. `kubeproof trace` shrinks a "
              "random run (length from `reports/bench/exploration.json`).", "",
              "| variant | verdict | explorer trace | proven shortest | full scope searched to depth | "
              "`kubeproof trace` | distinct states (frozen pass) | CPU s to the trace | CPU s (both passes) |",
              "|---|---|---:|---|---:|---:|---:|---:|---:|"]
    for row in report["variants"]:
        proven = "yes" if row.get("proven_shortest") else "no (without timers only)"
        lines.append(f"| `{row['variant']}` | {row['status']} | {row['trace_steps'] or '-'} | {proven} | "
                     f"{row.get('full_scope_depth', '-')} | {row['shrunk_trace'] or '-'} | {row['states']:,} | "
                     f"{row.get('found_cpu_seconds', '-')} | {row['cpu_seconds']} |")
    ok = all(r["status"] == "violated" and r.get("proven_shortest") and r["cpu_seconds"] < TARGETS["variant_seconds"]
             for r in report["variants"])
    found = all(r["status"] == "violated" and r.get("found_cpu_seconds", r["cpu_seconds"]) < TARGETS["variant_seconds"]
                for r in report["variants"])
    lines += ["", f"Target: each proven shortest under {TARGETS['variant_seconds']} s: {_mark(ok)} (each found: "
              f"{_mark(found)}).", "",
              "## The evict/recreate livelock (3 nodes) and its twin", "",
              "| scenario | verdict | trace | distinct states | exhausted | CPU s |", "|---|---|---|---:|---|---:|"]
    for name, row in report["loops"].items():
        trace = (f"lasso: {row['loop_start']} + {row['trace_steps'] - row['loop_start']} steps"
                 if row["loop_start"] is not None else "-")
        exhausted = "yes" if row["exhausted"] else f"no ({row['bound']})"
        lines.append(f"| {name} | {row['status']} | {trace} | {row['states']:,} | {exhausted} | "
                     f"{row['cpu_seconds']} |")
    lines += ["", "## The intent configurations (3 nodes or fewer) and their holding twins", "",
              f"`kubeproof explore MANIFESTS --spec spec.yaml` with the intent alone, {TARGETS['loop_seconds']} CPU s "
              "each: settled start, the spec's faults (settled between them where it says so) and user actions "
              "(one command).", "",
              "| case | intent | configuration | verdict | trace | distinct states | depth | exhausted | CPU s |",
              "|---|---|---|---|---|---:|---:|---|---:|"]
    for row in report.get("intents", ()):
        trace = "-" if row["trace_steps"] is None else (
            f"lasso: {row['loop_start']} + {row['trace_steps'] - row['loop_start']} steps"
            if row["loop_start"] is not None else f"{row['trace_steps']} steps")
        exhausted = "yes" if row["exhausted"] else f"no ({row['bound'] or 'stopped at the violation'})"
        name = row["configuration"] + (f" (`--variant {row['variant']}`)" if row["variant"] else "")
        lines.append(f"| {row['case']} | {row['intent']} | {name} | {row['status']} | {trace} | {row['states']:,} | "
                     f"{row['depth']} | {exhausted} | {row['cpu_seconds']} |")
    decided = [r for r in report.get("intents", ()) if r["status"] == "violated" or r["exhausted"]]
    lines += ["", f"Decided within {TARGETS['loop_seconds']} s: {len(decided)} of {len(report.get('intents', ()))}; "
              f"target all: {_mark(len(decided) == len(report.get('intents', ())))}."]
    return "\n".join(lines) + "\n"


def run(output_dir: str, note: Callable[[str], None], seconds: float = 10.0) -> str:
    """Measure, write ``explore.md`` and ``explore.json`` under ``output_dir``; returns the Markdown."""
    environment = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "python": platform.python_version(),
                   "platform": platform.platform(terse=True), "cpus": os.cpu_count(),
                   "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    directory = Path(output_dir)
    previous = directory / "exploration.json"
    shrunk = {r["variant"]: r["trace_actions"] for r in json.loads(previous.read_text())["variants"]} \
        if previous.exists() else {}
    note("throughput")
    report: dict[str, Any] = {"environment": environment, "targets": TARGETS, "throughput": _throughput(seconds)}
    note("symmetry")
    report["symmetry"] = _symmetry(depth=5)
    note("variants")
    report["variants"] = _variants(shrunk, seconds=TARGETS["variant_seconds"])
    note("livelock")
    report["loops"] = _loops(seconds)
    note("intents")
    report["intents"] = _intents(TARGETS["loop_seconds"])
    markdown = _markdown(report)
    write_report(directory, "explore", markdown, report)
    return markdown
