"""``kubeproof check``, ``trace``, ``replay``, ``variants`` and ``properties``: argument handling and output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from kubeproof.render import table
from model import manifests
from model.config import FAULTS, ModelConfig
from model.examples import DIRECTORY as EXAMPLES
from properties import trace as traces
from properties.check import PROFILES, CheckResult, run
from properties.explore import Scenario
from properties.registry import all_properties, by_name
from properties.variants import VARIANTS, variant

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input (unknown property, variant, fault); printed as one line, exit 2."""


def _properties(names: list[str] | None) -> tuple:
    try:
        return by_name(names or None)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _progress(enabled: bool):  # noqa: ANN202 - a small closure
    def show(done: int, total: int) -> None:
        if enabled:
            width = 30
            filled = min(width, width * done // max(total, 1))
            print(f"\r  exploring [{'#' * filled}{'.' * (width - filled)}] {done} runs", end="", file=sys.stderr)
    return show


def _scenario(args: argparse.Namespace) -> Scenario:
    unknown = set(args.fault or ()) - set(FAULTS)
    if unknown:
        raise UsageError(f"unknown fault {sorted(unknown)[0]!r} (known: {', '.join(FAULTS)})")
    config = ModelConfig(faults=frozenset(args.fault or ()), variants=frozenset(args.variant or ()))
    objects = manifests.load((args.cluster or []) + (args.manifests or [])) if (args.manifests or args.cluster) \
        else manifests.load([EXAMPLES])
    name = "default" if not args.manifests else ",".join(Path(p).name for p in args.manifests)
    return Scenario(name, tuple(objects), config)


def _write_trace(result: CheckResult, scenario: Scenario, seed: int, variant_name: str | None,
                 directory: Path) -> Path:
    trace = traces.to_json(result.violation, scenario, seed, variant_name)
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{variant_name or scenario.name.replace(',', '_')}-{trace['property']}-seed{seed}"
    path = directory / f"{stem}.json"
    path.write_text(json.dumps(trace, indent=1))
    (directory / f"{stem}.md").write_text(traces.to_markdown(trace))
    return path


def _junit(path: str, rows: list[tuple[str, str, str, float]]) -> None:
    """One JUnit test case per property (held / violated with its message)."""
    failures = sum(1 for _, status, _, _ in rows if status == "violated")
    cases = []
    for name, status, message, seconds in rows:
        body = f"<failure message={quoteattr(message)}>{escape(message)}</failure>" if status == "violated" else ""
        cases.append(f'  <testcase classname="kubeproof" name={quoteattr(name)} time="{seconds:.3f}">{body}</testcase>')
    Path(path).write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="kubeproof" '
                          f'tests="{len(rows)}" failures="{failures}">\n' + "\n".join(cases) + "\n</testsuite>\n")


def cmd_check(args: argparse.Namespace) -> int:
    properties = _properties(args.property)
    scenario = _scenario(args)
    profile = PROFILES[args.profile]
    result = run(scenario, properties, profile, args.seed, _progress(not args.json and sys.stderr.isatty()))
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    violated = result.violation.violation.property if result.violation else None
    rows = [(p.name, "violated" if p.name == violated else "held",
             result.violation.violation.message if p.name == violated else "", result.seconds) for p in properties]
    trace_path = None
    if result.violation is not None:
        trace_path = _write_trace(result, scenario, args.seed, None, Path(args.traces))
    if args.junit:
        _junit(args.junit, rows)
    if args.json:
        print(json.dumps({"scenario": scenario.name, "profile": profile.name, "seed": args.seed,
                          "runs": result.examples, "steps": result.steps, "seconds": round(result.seconds, 2),
                          "properties": [{"name": n, "status": s, "message": m} for n, s, m, _ in rows],
                          "trace": str(trace_path) if trace_path else None}, indent=1))
    else:
        print(table(("PROPERTY", "STATUS", "DETAIL"), [(n, s, m) for n, s, m, _ in rows]))
        print(f"\n{result.examples} runs, {result.steps} steps in {result.seconds:.1f}s "
              f"({result.steps / max(result.seconds, 1e-9):.0f} steps/s), profile {profile.name}, seed {args.seed}")
        if trace_path:
            print(f"counterexample ({len(result.violation.transitions)} steps): {trace_path} (and .md)")
    return EXIT_VIOLATION if result.violation else EXIT_OK


def cmd_trace(args: argparse.Namespace) -> int:
    try:
        chosen = variant(args.variant)
    except ValueError as e:
        raise UsageError(str(e)) from None
    properties = _properties([args.property or chosen.property])
    scenario = chosen.scenario()
    result = run(scenario, properties, PROFILES[args.profile], args.seed)
    if result.violation is None:
        print(f"no counterexample found for {chosen.name} with profile {args.profile}, seed {args.seed}",
              file=sys.stderr)
        return EXIT_OK
    trace = traces.to_json(result.violation, scenario, args.seed, chosen.name)
    text = {"json": lambda: json.dumps(trace, indent=1), "md": lambda: traces.to_markdown(trace),
            "kubectl": lambda: traces.to_kubectl(trace)}[args.format]()
    if args.output:
        Path(args.output).write_text(text + "\n")
        print(f"wrote {args.output} ({len(trace['steps'])} steps)")
    else:
        print(text)
    return EXIT_VIOLATION


def cmd_replay(args: argparse.Namespace) -> int:
    trace = traces.load(args.trace)
    outcome = traces.replay(trace, all_properties())
    if outcome.reproduced:
        print(f"reproduced after {outcome.steps_run} steps: {outcome.message}")
        return EXIT_VIOLATION
    print(f"not reproduced ({outcome.steps_run} steps replayed): {outcome.message}")
    return EXIT_OK


def cmd_variants(args: argparse.Namespace) -> int:
    rows = [{"name": v.name, "reference": v.reference, "property": v.property, "summary": v.summary}
            for v in VARIANTS]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(table(("VARIANT", "BREAKS", "REFERENCE"), [(r["name"], r["property"], r["reference"]) for r in rows]))
    return EXIT_OK


def cmd_properties(args: argparse.Namespace) -> int:
    rows = [{"name": p.name, "kind": p.kind, "statement": p.statement, "reference": p.reference}
            for p in all_properties()]
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(table(("PROPERTY", "KIND", "STATEMENT"), [(r["name"], r["kind"], r["statement"]) for r in rows]))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help="explore workloads under user actions and faults, checking every property")
    check.add_argument("manifests", nargs="*", help="workload manifests (default: the bundled example scenario)")
    check.add_argument("--cluster", nargs="+", help="cluster snapshot (`kubectl get nodes,pods -A -o yaml`) or Node "
                                                    "manifests")
    check.add_argument("--profile", choices=sorted(PROFILES), default="dev")
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--property", action="append", help="check only this property (repeatable)")
    check.add_argument("--variant", action="append", help="re-create a known bug (see `kubeproof variants`)")
    check.add_argument("--fault", action="append", help=f"enable a fault ({', '.join(FAULTS)}; repeatable)")
    check.add_argument("--junit", help="write JUnit XML, one test case per property")
    check.add_argument("--traces", default="reports/traces", help="where counterexample traces go")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(run=cmd_check)

    trace = sub.add_parser("trace", help="find and print a minimal counterexample for a known bug variant")
    trace.add_argument("--variant", required=True)
    trace.add_argument("--property")
    trace.add_argument("--profile", choices=sorted(PROFILES), default="ci")
    trace.add_argument("--seed", type=int, default=0)
    trace.add_argument("--format", choices=("md", "json", "kubectl"), default="md")
    trace.add_argument("-o", "--output")
    trace.set_defaults(run=cmd_trace)

    replay = sub.add_parser("replay", help="re-run a saved trace; exit 1 if its violation reproduces")
    replay.add_argument("trace")
    replay.set_defaults(run=cmd_replay)

    for name, handler, text in (("variants", cmd_variants, "list the known bug variants"),
                                ("properties", cmd_properties, "list the properties kubeproof checks")):
        listing = sub.add_parser(name, help=text)
        listing.add_argument("--json", action="store_true")
        listing.set_defaults(run=handler)
