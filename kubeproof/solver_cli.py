"""``kubeproof schedule`` and ``kubeproof compare``: argument handling and output for the solver.

Wire into the main parser with ``register(subparsers)``; each subcommand sets ``run``. User errors (a bad
manifest, a bad flag value) print one line to stderr and return exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from kubeproof.arguments import loading, writable_dir
from kubeproof.render import table
from model import manifests
from model.errors import ManifestError
from properties import interrupts
from solver.names import (
    BACKENDS,
    CPSAT_STRATEGIES,
    FAMILIES,
    GREEDY_PROFILES,
    QUOTA_MODES,
    Z3_STRATEGIES,
    cpsat_available,
)

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130


def _fail(message: str) -> int:
    print(f"kubeproof: {message}", file=sys.stderr)
    return EXIT_USAGE


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _load(pods: Sequence[str], cluster: list[str] | None, args: argparse.Namespace) -> tuple[list, list]:
    if not cluster:
        raise ManifestError("--cluster SNAPSHOT.yaml is required with PODS")
    return manifests.load(cluster, **loading(args)), manifests.load(list(pods), **loading(args))


def cmd_schedule(args: argparse.Namespace) -> int:
    """Place pods and workloads on a cluster snapshot and explain what stays pending."""
    from solver import objectives  # Z3 and the solver load only when a command needs them (start-up time)
    from solver.api import Options, schedule

    try:
        names = objectives.parse_objectives(args.objective)
        if args.backend == "cpsat" and not cpsat_available():
            return _fail("--backend cpsat needs OR-tools: pip install 'kubeproof[cpsat]'")
        cluster, to_place = _load(args.pods, args.cluster, args)
        result = schedule(cluster, to_place, Options(objectives=names, quota_mode=args.quota_mode,
                                                     timeout=args.timeout, require_all=args.all_or_nothing,
                                                     backend=args.backend))
    except (ManifestError, ValueError) as e:
        return _fail(str(e))
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return EXIT_OK
    rows = [(key, node or "<pending>") for key, node in result.placements.items()]
    print(table(("POD", "NODE"), rows))
    bound = "" if result.bound is None else f" (bound {result.bound})"
    print(f"\nstatus: {result.status}   {result.objective}: {result.value}{bound}   {result.seconds:.2f} s")
    if result.unschedulable:
        print("\npending:")
        for key, reasons in result.unschedulable.items():
            print(f"  {key}")
            for reason in reasons:
                print(f"    - {reason}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    """Run strategies on one workload and write the report."""
    from solver import compare
    from solver.families import family

    try:
        strategies = compare.parse_strategies(args.strategies)
        if args.workload and (args.pods or args.cluster):
            raise ManifestError("give either --workload or PODS with --cluster, not both")
        if args.workload:
            workload = family(args.workload, args.seed)
            cluster, to_place, name = list(workload.cluster), list(workload.to_place), args.workload
            description = workload.description
        else:
            cluster, to_place = _load(args.pods, args.cluster, args)
            name, description = "custom", f"{', '.join(args.pods)} on {', '.join(args.cluster)}"
        out = Path(args.out) if args.out else Path("reports") / "compare" / name
        writable_dir("--out", str(out))
        report = compare.run(name, description, cluster, to_place, strategies, args.timeout, args.seed,
                             args.quota_mode, progress=None if args.quiet else compare.progress_bar(sys.stderr),
                             with_compaction=not args.no_compaction)
        written = compare.write(report, out, command=_command(args)) if report.complete else []
    except (ManifestError, ValueError) as e:
        return _fail(str(e))
    rows = [compare.flat(row) for row in report.rows]
    print(table(compare.COLUMNS, [[row[c] for c in compare.COLUMNS] for row in rows]))
    if written:
        print("\nwrote " + ", ".join(str(p) for p in written))
    if not report.complete:
        if not args.quiet:
            print(file=sys.stderr)  # end the progress bar's line
        print(f"\nincomplete: interrupted after {len(rows)} of {len(strategies)} strategies (no report written)")
        return interrupts.exit_code() or EXIT_INTERRUPTED
    return EXIT_OK


def _command(args: argparse.Namespace) -> str:
    """The compare command line that regenerates a report (output folder aside)."""
    parts = ["kubeproof compare"]
    clusters = [f"--cluster {c}" for c in args.cluster or ()]
    parts += [f"--workload {args.workload}"] if args.workload else [*args.pods, *clusters]
    if args.strategies:
        parts.append(f"--strategies {args.strategies}")
    parts += [f"--timeout {args.timeout:g}", f"--seed {args.seed}"]
    if args.quota_mode != "admission":
        parts.append(f"--quota-mode {args.quota_mode}")
    if args.no_compaction:
        parts.append("--no-compaction")
    return " ".join(parts)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``schedule`` and ``compare`` to the ``kubeproof`` parser."""
    sched = subparsers.add_parser("schedule", help="place pods optimally on a cluster snapshot (Z3) and explain "
                                                   "pending pods")
    sched.add_argument("pods", nargs="+", metavar="PODS", help="manifests of pods and workloads to place")
    sched.add_argument("--cluster", metavar="SNAPSHOT.yaml", action="append",
                       help="cluster snapshot (see the README's snapshot command: nodes, pods and their owners, plus "
                            "any Namespaces, ResourceQuotas, LimitRanges, PriorityClasses); one path, repeatable")
    sched.add_argument("--objective", default="max-placed",
                       help="max-placed, min-nodes, balance, min-moves, or a comma list (lexicographic; "
                            "max-placed first unless listed)")
    sched.add_argument("--quota-mode", choices=QUOTA_MODES, default="admission",
                       help="admission: quota admits pods in arrival order (Kubernetes); solver: the solver "
                            "chooses which pods to admit")
    sched.add_argument("--timeout", type=_positive, default=10.0, metavar="SECONDS",
                       help="wall-clock limit for the whole run: building, warm start, search, re-check "
                            "(default 10); when it runs out, the best placement so far (status feasible or unknown)")
    sched.add_argument("--all-or-nothing", action="store_true", help="every pod must be placed (else infeasible)")
    sched.add_argument("--backend", choices=BACKENDS, default="z3", help="z3 (default) or cpsat (OR-tools)")
    sched.add_argument("--json", action="store_true", help="print the result as JSON")
    sched.set_defaults(run=cmd_schedule)

    comp = subparsers.add_parser("compare", help="compare kube-scheduler strategies with solver objectives and "
                                                 "write a report")
    comp.add_argument("pods", nargs="*", metavar="PODS", help="manifests to place (with --cluster)")
    comp.add_argument("--workload", choices=FAMILIES, help="a built-in seeded workload family")
    comp.add_argument("--cluster", metavar="SNAPSHOT.yaml", action="append",
                      help="cluster snapshot (with PODS); one path, repeatable")
    known = GREEDY_PROFILES + Z3_STRATEGIES + (CPSAT_STRATEGIES if cpsat_available() else ())
    comp.add_argument("--strategies", default="", help=f"comma list (default all): {', '.join(known)}")
    comp.add_argument("--timeout", type=_positive, default=10.0, metavar="SECONDS",
                      help="wall-clock limit per strategy run, greedy ones too (default 10)")
    comp.add_argument("--quota-mode", choices=QUOTA_MODES, default="admission",
                      help="admission (default: quota admits pods in arrival order) or solver")
    comp.add_argument("--seed", type=int, default=0, help="workload and tie-break seed (default 0)")
    comp.add_argument("--out", metavar="DIR", help="report folder (default reports/compare/<workload>)")
    comp.add_argument("--no-compaction", action="store_true", help="skip the cluster-compaction measurement")
    comp.add_argument("--quiet", action="store_true", help="no progress bar")
    comp.set_defaults(run=cmd_compare)
