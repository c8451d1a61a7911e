"""The solver benchmark: ``python -m solver.bench``.

Runs an objective (``min-nodes`` by default, or ``balance``) on a built-in family (``bench`` or ``hetero``,
sizes x seeds) with Z3 and, when OR-tools is installed, CP-SAT on the same encoding; then, for ``bench``, the
large instance (1,000 pods x 100 nodes) with Z3. Prints one line per run and a summary against the targets
(every instance proven optimal within the time limit; the large one placed within 60 s with its gap; Z3's
median time to a proven optimum within 3x of CP-SAT's), and writes ``<family>-<objective>.md`` and ``.json``
(``solver.md``/``solver.json`` for the original bench min-nodes run) to ``--out``.

``--startup`` instead times the command line from the shell: ``kubeproof --help``, ``kubeproof schedule`` on
a hetero 20 x 8 instance and ``kubeproof validate`` of the same manifests, each run several times in fresh
processes (wall time and the processes' CPU time, with the machine's load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from solver import cpsat
from solver.api import Options, schedule
from solver.families import bench, hetero
from solver.names import BALANCE, MIN_NODES
from solver.startup import startup_main

DEFAULT_SIZES = ("20x5", "50x10", "50x20", "100x30", "150x40", "200x60")
PROVE_WITHIN = 10.0
LARGE_WITHIN = 60.0
CPSAT_FACTOR = 3.0


def parse_size(text: str) -> tuple[int, int]:
    """``200x60`` -> (200, 60); ValueError otherwise."""
    pods, _, nodes = text.partition("x")
    if not (pods.isdigit() and nodes.isdigit()) or int(pods) < 1 or int(nodes) < 1:
        raise ValueError(f"invalid size {text!r}: expected PODSxNODES, e.g. 200x60")
    return int(pods), int(nodes)


FAMILY_SIZES = {"bench": DEFAULT_SIZES, "hetero": ("20x8", "50x20", "100x40", "120x30", "200x60")}


def run(pods: int, nodes: int, seed: int, backend: str, timeout: float, family: str = "bench",
        objective: str = MIN_NODES) -> dict[str, Any]:
    """One run of ``objective`` on an instance of ``family``."""
    workload = (hetero if family == "hetero" else bench)(pods, nodes, seed)
    processor = time.process_time()
    result = schedule(workload.cluster, workload.to_place,
                      Options(objectives=(objective,), timeout=timeout, backend=backend))
    cpu = time.process_time() - processor
    placed = sum(1 for node in result.placements.values() if node)
    return {"instance": f"{pods}x{nodes}", "seed": seed, "backend": backend, "status": result.status,
            "nodes": result.value, "bound": result.bound, "placed": placed, "pods": len(result.placements),
            "seconds": round(result.seconds, 3), "cpu": round(cpu, 3), "checks": sum(s.checks for s in result.stages)}


def _line(row: dict[str, Any]) -> str:
    return (f"{row['backend']:<6} {row['instance']:>9} seed {row['seed']}  {row['status']:<9} value {row['nodes']} "
            f"(bound {row['bound']})  placed {row['placed']}/{row['pods']}  {row['seconds']:.2f} s  "
            f"{row['checks']} solver call(s)")


def summary(rows: Sequence[dict[str, Any]], large: Sequence[dict[str, Any]], within: float = PROVE_WITHIN,
            what: str = "min-nodes", family: str = "bench") -> list[str]:
    """The targets, met or not, in plain sentences."""
    z3_rows = [r for r in rows if r["backend"] == "z3"]
    proven = [r for r in z3_rows if r["status"] == "optimal" and r["seconds"] <= within]
    lines = [f"{what} proven optimal within {within:.0f} s: {len(proven)}/{len(z3_rows)} {family} instances "
             f"({'met' if len(proven) == len(z3_rows) else 'NOT met'})"] if z3_rows else []
    for row in large:
        gap = row["nodes"] - row["bound"] if row["nodes"] is not None else None
        met = row["placed"] == row["pods"] and row["seconds"] <= LARGE_WITHIN
        lines.append(f"{row['instance']}: placed {row['placed']}/{row['pods']} in {row['seconds']:.1f} s, "
                     f"{row['nodes']} nodes, lower bound {row['bound']} (gap {gap}) ({'met' if met else 'NOT met'})")
    cp_rows = {(r["instance"], r["seed"]): r for r in rows if r["backend"] == "cpsat"}
    both = [(r, cp_rows[(r["instance"], r["seed"])]) for r in z3_rows
            if r["status"] == "optimal" and (r["instance"], r["seed"]) in cp_rows
            and cp_rows[(r["instance"], r["seed"])]["status"] == "optimal"]
    cp_proven = sum(1 for r in cp_rows.values() if r["status"] == "optimal")
    if cp_rows:
        extra = sum(1 for r in proven if cp_rows.get((r["instance"], r["seed"]), {}).get("status") != "optimal")
        lines.append(f"CP-SAT proved {cp_proven}/{len(cp_rows)}; Z3 proved {len(both)} of those and {extra} that "
                     "CP-SAT did not")
    for key, what in (("seconds", "wall"), ("cpu", "CPU")):
        if not both:
            break
        z3_median = statistics.median(z[key] for z, _ in both)
        cp_median = statistics.median(c[key] for _, c in both)
        ratio = z3_median / cp_median if cp_median else float("inf")
        lines.append(f"median {what} time to a proven optimum on {len(both)} instances both proved: Z3 "
                     f"{z3_median:.2f} s, CP-SAT {cp_median:.2f} s, ratio {ratio:.2f} "
                     f"({'met' if ratio <= CPSAT_FACTOR else 'NOT met'}: within {CPSAT_FACTOR:.0f}x)")
    return lines


def pairs(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Z3 and CP-SAT side by side per instance (Markdown rows): status, value, wall and CPU seconds, ratio."""
    cp_rows = {(r["instance"], r["seed"]): r for r in rows if r["backend"] == "cpsat"}
    out = ["| size (pods x nodes) | seed | Z3 | Z3 s (cpu) | CP-SAT | CP-SAT s (cpu) | Z3/CP-SAT |",
           "|---|---|---|---|---|---|---|"]
    for r in (r for r in rows if r["backend"] == "z3"):
        c = cp_rows.get((r["instance"], r["seed"]))
        ratio = f"{r['seconds'] / c['seconds']:.2f}" if c and c["seconds"] else ""
        cp = f"{c['status']} {c['nodes']}" if c else "not run"
        cp_time = f"{c['seconds']:.2f} ({c.get('cpu', 0):.2f})" if c else ""
        out.append(f"| {r['instance']} | {r['seed']} | {r['status']} {r['nodes']} | {r['seconds']:.2f} "
                   f"({r.get('cpu', 0):.2f}) | {cp} | {cp_time} | {ratio} |")
    return out


def markdown(command: str, rows: Sequence[dict[str, Any]], large: Sequence[dict[str, Any]],
             lines: Sequence[str], title: str = "min-nodes on the bench family") -> str:
    out = [f"# Solver benchmark: {title}", "",
           f"Command: `{command}`", "",
           f"Machine: {machine()}.", "",
           "## Targets", "", *(f"- {line}" for line in lines), "", "## Z3 and CP-SAT side by side", "",
           "Wall seconds of the whole `schedule` call (CPU seconds of the process in brackets; CP-SAT's portfolio "
           "runs one worker per core, so its CPU time can exceed its wall time).", "", *pairs(rows), "",
           "## Runs", "",
           "`solver calls`: Z3 checks after the warm start (0: the greedy warm start already met the lower bound, "
           "the volume bound or for min-nodes on plain pods the covering bound over node types, which proves it "
           "optimal); CP-SAT: one solve per stage. `value`: nodes used (min-nodes) or the highest utilisation in "
           "percent (balance).", "",
           "| backend | instance | seed | status | value | bound | placed | seconds | solver calls |",
           "|---|---|---|---|---|---|---|---|---|"]
    for row in [*rows, *large]:
        out.append(f"| {row['backend']} | {row['instance']} | {row['seed']} | {row['status']} | {row['nodes']} | "
                   f"{row['bound']} | {row['placed']}/{row['pods']} | {row['seconds']:.2f} | {row['checks']} |")
    return "\n".join(out) + "\n"


def machine() -> str:
    """The machine a figure was measured on: architecture, cores, load, Python."""
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return (f"{platform.machine()}, {os.cpu_count()} cores{load}, Python {platform.python_version()}, "
            f"{platform.system()}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solver.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=sorted(FAMILY_SIZES), default="bench", help="instances (default bench)")
    parser.add_argument("--objective", choices=(MIN_NODES, BALANCE), default=MIN_NODES)
    parser.add_argument("--sizes", default="", help="PODSxNODES,... (default: the family's sizes, bench "
                        f"{','.join(DEFAULT_SIZES)}, hetero {','.join(FAMILY_SIZES['hetero'])})")
    parser.add_argument("--seeds", type=int, default=3, help="instances per size (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=PROVE_WITHIN, help="seconds per run (default %(default)s)")
    parser.add_argument("--large", default="1000x100", help="the large instance, '' to skip (default %(default)s)")
    parser.add_argument("--large-timeout", type=float, default=45.0,
                        help="search time limit of the large run (default %(default)s; the target is the whole run "
                             f"within {LARGE_WITHIN:.0f} s)")
    parser.add_argument("--no-cpsat", action="store_true", help="skip CP-SAT even when OR-tools is installed")
    parser.add_argument("--out", default="", help="folder for the Markdown and JSON reports")
    parser.add_argument("--startup", action="store_true", help="time the command line's start-up instead")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command with --startup")
    args = parser.parse_args(argv)
    command = "python -m solver.bench " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.startup:
        return startup_main(args.repeat, args.out, command.strip(), machine())
    try:
        sizes = [parse_size(s) for s in (args.sizes or ",".join(FAMILY_SIZES[args.family])).split(",") if s]
        large_size = parse_size(args.large) if args.large and args.family == "bench" else None
    except ValueError as e:
        print(f"solver.bench: {e}", file=sys.stderr)
        return 2
    backends = ["z3"] + (["cpsat"] if cpsat.available() and not args.no_cpsat else [])
    rows = []
    for pods, nodes in sizes:
        for seed in range(args.seeds):
            for backend in backends:
                rows.append(run(pods, nodes, seed, backend, args.timeout, args.family, args.objective))
                print(_line(rows[-1]), flush=True)
    large = []
    if large_size is not None:
        large.append(run(*large_size, 0, "z3", args.large_timeout))
        print(_line(large[-1]), flush=True)
    lines = summary(rows, large, args.timeout, args.objective, args.family)
    print("\n".join(lines))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        stem = "solver" if (args.family, args.objective) == ("bench", MIN_NODES) else f"{args.family}-{args.objective}"
        (out / f"{stem}.md").write_text(markdown(command.strip(), rows, large, lines,
                                                 f"{args.objective} on the {args.family} family"))
        (out / f"{stem}.json").write_text(json.dumps({"command": command.strip(), "machine": machine(), "runs": rows,
                                                      "large": large, "summary": lines}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
