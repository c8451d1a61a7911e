"""``kubeproof check``, ``trace``, ``replay``, ``variants``, ``properties`` and ``bench``: argument handling and
output."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from kubeproof import bench_workers, intents_bench, intents_cli
from kubeproof.arguments import loading, positive_int, without_dangling_owners, writable_dir, writable_file
from kubeproof.progress import Progress
from kubeproof.render import table, write_report
from model import manifests
from model.config import FAULTS, ModelConfig
from model.config import VARIANTS as MODEL_VARIANTS
from model.examples import DIRECTORY as EXAMPLES
from properties import interrupts, oscillation
from properties import trace as traces
from properties.check import PROFILES, CheckResult, Profile, run
from properties.chunks import check as check_in_chunks
from properties.explore import Scenario
from properties.registry import LIVENESS, all_properties, by_name
from properties.spec import replay_properties
from properties.vacuity import run_vacuity, scenario_vacuity
from properties.variants import VARIANTS, variant
from properties.workers import Workers, default_count

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input (unknown property, variant, fault); printed as one line, exit 2."""


def _properties(names: list[str] | None) -> tuple:
    try:
        return by_name(names or None)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _scenario(args: argparse.Namespace) -> Scenario:
    unknown = set(args.fault or ()) - set(FAULTS)
    if unknown:
        raise UsageError(f"unknown fault {sorted(unknown)[0]!r} (known: {', '.join(FAULTS)})")
    unknown = set(args.variant or ()) - set(MODEL_VARIANTS)
    if unknown:
        raise UsageError(f"unknown variant {sorted(unknown)[0]!r} (known: {', '.join(MODEL_VARIANTS)})")
    config = ModelConfig(faults=frozenset(args.fault or ()), variants=frozenset(args.variant or ()))
    paths = (args.cluster or []) + (args.manifests or [])
    objects = without_dangling_owners(manifests.load(paths, **loading(args))) if paths else manifests.load([EXAMPLES])
    name = "default" if not args.manifests else ",".join(Path(p).name for p in args.manifests)
    return Scenario(name, tuple(objects), config)


def _write_trace(result: CheckResult, scenario: Scenario, seed: int, variant_name: str | None,
                 directory: Path, extra: dict | None = None) -> Path:
    trace = traces.to_json(result.violation, scenario, seed, variant_name, extra)
    trace = oscillation.lasso_trace(trace) or trace  # a NoOscillation loop, as a lasso of its observable state
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{variant_name or scenario.name.replace(',', '_')}-{trace['property']}-seed{seed}"
    path = directory / f"{stem}.json"
    path.write_text(json.dumps(trace, indent=1))
    (directory / f"{stem}.md").write_text(traces.to_markdown(trace) + (oscillation.note(trace) if "lasso" in trace
                                                                        else ""))
    return path


def _junit(path: str, rows: list[tuple[str, str, str, float]]) -> None:
    """One JUnit test case per property (held / violated with its message)."""
    failures = sum(1 for _, status, _, _ in rows if status == "violated")
    cases = []
    for name, status, message, seconds in rows:
        body = f"<failure message={quoteattr(message)}>{escape(message)}</failure>" if status == "violated" else ""
        if status == "incomplete":
            body = '<skipped message="the check stopped before its end"/>'

        cases.append(f'  <testcase classname="kubeproof" name={quoteattr(name)} time="{seconds:.3f}">{body}</testcase>')
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="kubeproof" '
                          f'tests="{len(rows)}" failures="{failures}">\n' + "\n".join(cases) + "\n</testsuite>\n")


def _vacuous(reason: str | None, allowed: bool) -> None:
    if reason and not allowed:
        raise UsageError(f"vacuous check: {reason}; the check would prove nothing (--allow-vacuous runs it "
                         "anyway)")
    if reason:
        print(f"kubeproof: note: vacuous check: {reason}", file=sys.stderr)


def _workers(args: argparse.Namespace) -> Workers:
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1 (got {args.workers})")
    if args.max_seconds is not None and args.max_seconds <= 0:
        raise UsageError(f"--max-seconds must be positive (got {args.max_seconds:g})")
    if args.dask:
        try:
            import distributed  # noqa: F401 - only to say clearly when the extra is missing
        except ImportError:
            raise UsageError("--dask needs the distributed package: pip install 'kubeproof[dask]'") from None
    return Workers(args.workers or default_count(), args.dask)


def _stopped_note(result: CheckResult, profile: Profile, args: argparse.Namespace) -> str | None:
    """Why the check is incomplete, or None."""
    if result.complete:
        return None
    signum = interrupts.received()
    why = f"interrupted ({signal.Signals(signum).name})" if signum else f"stopped at --max-seconds {args.max_seconds:g}"
    return f"incomplete: {why} after {result.examples} of {profile.examples} planned runs"


def cmd_check(args: argparse.Namespace) -> int:
    properties = _properties(args.property)
    writable_file("--junit", args.junit)
    writable_dir("--traces", args.traces)
    scenario = _scenario(args)
    _vacuous(scenario_vacuity(scenario.objects), args.allow_vacuous)
    scenario, properties, extra = intents_cli.with_intents(args, scenario, properties)
    profile = PROFILES[args.profile]
    workers = _workers(args)
    with interrupts.handling():
        try:
            with Progress(profile.examples, f"kubeproof check ({workers.describe()})") as shown:
                result = check_in_chunks(scenario, properties, profile, args.seed, workers,
                                         max_seconds=args.max_seconds, progress=shown.update,
                                         shrink_seconds=args.shrink_seconds)
        except interrupts.Interrupted:  # between two chunks' results: nothing of the search is lost
            result = CheckResult(0, 0, 0.0, None, complete=False)
        if result.complete:
            _vacuous(run_vacuity(result.steps), args.allow_vacuous)
        scenario = result.scenario or scenario
        with interrupts.deferred():
            return _report_check(args, scenario, properties, profile, result, extra)


def _report_check(args: argparse.Namespace, scenario: Scenario, properties: tuple, profile: Profile,
                  result: CheckResult, extra: dict | None) -> int:
    """Print (and write) a check's results; exit 1 on a violation, 130/143 when a signal cut it short."""
    violated = result.violation.violation.property if result.violation else None
    detail = result.violation.violation.message if result.violation else ""
    if result.violation is not None and not getattr(result.violation, "minimal", True):
        detail += f" (trace not minimal: shrinking stopped after {args.shrink_seconds:g}s)"
    unfinished = "held" if result.complete else "incomplete"
    rows = [(p.name, "violated" if p.name == violated else unfinished, detail if p.name == violated else "",
             result.seconds) for p in properties]
    note = _stopped_note(result, profile, args)
    trace_path = None
    if result.violation is not None:
        trace_path = _write_trace(result, scenario, args.seed, None, Path(args.traces), extra)
    if args.junit:
        _junit(args.junit, rows)
    if args.json:
        print(json.dumps({"scenario": scenario.name, "profile": profile.name, "seed": args.seed,
                          "runs": result.examples, "steps": result.steps, "seconds": round(result.seconds, 2),
                          "complete": result.complete, "incomplete": note,
                          "properties": [{"name": n, "status": s, "message": m} for n, s, m, _ in rows],
                          "trace": str(trace_path) if trace_path else None}, indent=1))
    else:
        print(table(("PROPERTY", "STATUS", "DETAIL"), [(n, s, m) for n, s, m, _ in rows]))
        print(f"\n{result.examples} runs, {result.steps} steps in {result.seconds:.1f}s "
              f"({result.steps / max(result.seconds, 1e-9):.0f} steps/s), profile {profile.name}, seed {args.seed}")
        if note:
            print(note)
        if trace_path:
            minimal = "" if getattr(result.violation, "minimal", True) else \
                f", not minimal: shrinking stopped after --shrink-seconds {args.shrink_seconds:g}"
            print(f"counterexample ({len(result.violation.transitions)} steps{minimal}): {trace_path} (and .md)")
            if (lasso := json.loads(trace_path.read_text()).get("lasso")) is not None:
                print(f"lasso of the intent's observable state: steps {lasso['loop_start'] + 1}-"
                      f"{lasso['loop_start'] + lasso['loop_length']} are a loop, seen {lasso['rounds']} times")
    code = interrupts.exit_code()
    if code is not None:
        return code
    return EXIT_VIOLATION if result.violation else EXIT_OK


def cmd_trace(args: argparse.Namespace) -> int:
    try:
        chosen = variant(args.variant)
    except ValueError as e:
        raise UsageError(str(e)) from None
    properties = _properties([args.property or chosen.property])
    writable_file("-o", args.output)
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
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text + "\n")
        print(f"wrote {args.output} ({len(trace['steps'])} steps)")
    else:
        print(text)
    return EXIT_VIOLATION


def cmd_replay(args: argparse.Namespace) -> int:
    trace = traces.load(args.trace)
    outcome = traces.replay(trace, replay_properties(trace, all_properties()), args.trace)
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


TARGETS = {"steps_per_second": 1000, "variant_seconds": 60, "variant_median_seconds": 10, "trace_actions": 15,
           "exploration_steps_per_second": 3000, "convergence_steps_per_second": 3000,
           "workers_ci_wall_seconds": bench_workers.TARGET_WALL_SECONDS}
"""The exploration targets of the benchmark (issue 7): steps/s on one core, seconds to each variant's first
counterexample with the ``ci`` profile (each, median), actions in a shrunk trace; and issue 15's: exploration and
convergence each at 3,000 steps/s on one core, and the ``ci`` check within 60 s wall with 2 workers."""


def _timed(work: Callable[[], CheckResult]) -> tuple[CheckResult, float]:
    """The result and the CPU seconds this process spent on it (one core, unaffected by other processes)."""
    started = time.process_time()
    result = work()
    return result, time.process_time() - started


def _rate(steps: int, seconds: float) -> float:
    return round(steps / max(seconds, 1e-9), 1)


def _bench_steps(profile_name: str, seed: int, seeds: int, repeat: int, note: Callable[[str], None]) -> dict[str, Any]:
    """Exploration of the default scenario with every invariant and step property checked after every step: after a
    short warm-up, the runs of seeds ``seed`` .. ``seed + seeds - 1``, measured ``repeat`` times and the fastest
    pass kept (other processes only ever slow a pass down). Then the first seed's runs again, each ending with fair
    convergence and the liveness properties: the difference is the convergence."""
    scenario = Scenario("default", tuple(manifests.load([EXAMPLES])))
    profile = PROFILES[profile_name]
    properties = all_properties()
    safety = tuple(p for p in properties if p.kind != LIVENESS)
    run(scenario, safety, Profile("warm-up", 2, 10), seed)
    note(f"exploring the default scenario ({repeat} x {seeds} x {profile.examples} runs of {profile.steps} steps)")
    passes = [[_timed(lambda s=s: run(scenario, safety, profile, s)) for s in range(seed, seed + seeds)]
              for _ in range(repeat)]
    best = min(passes, key=lambda done: sum(cpu for _, cpu in done))
    note(f"seed {seed}'s runs again, each ending with fair convergence and the liveness properties")
    full, cpu_full = _timed(lambda: run(scenario, properties, profile, seed))
    first, cpu_first = best[0]

    def row(runs: int, steps: int, cpu: float, wall: float, violations: list[Any]) -> dict[str, Any]:
        found = [str(v) for v in violations if v is not None]
        return {"runs": runs, "steps": steps, "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
                "steps_per_second": _rate(steps, cpu), "violation": found[0] if found else None}

    rows = {
        "exploration": row(sum(r.examples for r, _ in best), sum(r.steps for r, _ in best),
                           sum(cpu for _, cpu in best), sum(r.seconds for r, _ in best),
                           [r.violation for r, _ in best]),
        "convergence": row(full.examples, full.steps - first.steps, cpu_full - cpu_first,
                           full.seconds - first.seconds, []),
        "exploration+convergence": row(full.examples, full.steps, cpu_full, full.seconds, [full.violation]),
    }
    rows["exploration"]["passes_steps_per_second"] = [
        _rate(sum(r.steps for r, _ in done), sum(cpu for _, cpu in done)) for done in passes]
    return {"scenario": scenario.name, "profile": profile.name, "seeds": [seed, seed + seeds - 1],
            "repeat": repeat, "properties": len(properties), "runs": rows}


def _bench_variant(chosen: Any, seed: int) -> dict[str, Any]:
    """Time to the first counterexample for a variant with the ci profile (no shrinking), then the full search with
    shrinking and the length of the trace it gives."""
    properties = by_name([chosen.property])
    scenario = chosen.scenario()
    first, cpu_first = _timed(lambda: run(scenario, properties, PROFILES["ci"], seed, shrink=False))
    shrunk, cpu_shrunk = (first, cpu_first) if first.violation is None else \
        _timed(lambda: run(scenario, properties, PROFILES["ci"], seed))
    return {"variant": chosen.name, "property": chosen.property, "found": first.violation is not None,
            "runs_to_first": first.examples, "first_cpu_seconds": round(cpu_first, 2),
            "first_wall_seconds": round(first.seconds, 2), "shrunk_cpu_seconds": round(cpu_shrunk, 2),
            "shrunk_wall_seconds": round(shrunk.seconds, 2),
            "trace_actions": None if shrunk.violation is None else len(shrunk.violation.transitions)}


def _verdicts(report: dict[str, Any]) -> dict[str, bool]:
    """Whether each target is met."""
    rows = report["variants"]
    firsts = [r["first_cpu_seconds"] for r in rows]
    return {
        "steps_per_second": report["steps"]["runs"]["exploration"]["steps_per_second"] >= TARGETS["steps_per_second"],
        "variant_seconds": all(r["found"] and r["first_cpu_seconds"] < TARGETS["variant_seconds"] for r in rows),
        "variant_median_seconds": bool(firsts) and statistics.median(firsts) < TARGETS["variant_median_seconds"],
        "trace_actions": all(r["trace_actions"] is not None and r["trace_actions"] <= TARGETS["trace_actions"]
                             for r in rows),
        "exploration_steps_per_second": report["steps"]["runs"]["exploration"]["steps_per_second"]
        >= TARGETS["exploration_steps_per_second"],
        "convergence_steps_per_second": report["steps"]["runs"]["convergence"]["steps_per_second"]
        >= TARGETS["convergence_steps_per_second"],
        "workers_ci_wall_seconds": bench_workers.met(report["workers"]) if "workers" in report else None,
    }


def _bench_markdown(report: dict[str, Any]) -> str:
    env, steps, met = report["environment"], report["steps"], report["targets_met"]
    mark = lambda ok: "met" if ok else "**missed**"
    lines = ["# Exploration benchmark", "",
             f"Measured by `kubeproof bench` on {env['date']} (Python {env['python']}, Hypothesis {env['hypothesis']}, "
             f"{env['platform']}, {env['cpus']} CPUs, load average {env['load_average']} at the start, "
             f"{env.get('workers', 1)} workers for the parallel check). Seconds are "
             "CPU seconds of the benchmark's one process, i.e. one core; wall-clock seconds are given beside them.",
             "", f"## Steps per second: the default scenario, profile `{steps['profile']}`", "",
             f"Every invariant and step property ({steps['properties']} properties with the liveness ones) is checked "
             f"after every step. Exploration: the runs of seeds {steps['seeds'][0]} to {steps['seeds'][1]} after a "
             f"warm-up, the fastest of {steps['repeat']} passes (all passes: "
             f"{', '.join(f'{r:.0f}' for r in steps['runs']['exploration']['passes_steps_per_second'])} steps/s); "
             f"convergence: seed {steps['seeds'][0]}'s runs again, each ending with fair execution until nothing "
             "changes and the liveness properties, less the same runs without it.", "",
             "| part | runs | steps | CPU s | steps/s | wall s |", "|---|---:|---:|---:|---:|---:|"]
    labels = {"exploration": "exploration (users, components, every property after every step)",
              "convergence": "end-of-run fair convergence and liveness, alone",
              "exploration+convergence": "both"}
    for name, label in labels.items():
        row = steps["runs"][name]
        lines.append(f"| {label} | {row['runs']} | {row['steps']} | {row['cpu_seconds']} | "
                     f"{row['steps_per_second']:.0f} | {row['wall_seconds']} |")
    violated = [f"{name}: {row['violation']}" for name, row in steps["runs"].items() if row["violation"]]
    lines += [""] + [f"Violation found: {v}  " for v in violated]
    lines += [f"Target: at least {TARGETS['steps_per_second']:,} steps/s of exploration: "
              f"{mark(met['steps_per_second'])}; issue 15's {TARGETS['exploration_steps_per_second']:,} steps/s of "
              f"exploration: {mark(met['exploration_steps_per_second'])}, and of convergence "
              f"({TARGETS['convergence_steps_per_second']:,}): {mark(met['convergence_steps_per_second'])}.", "",
              "## Bug variants: profile `ci`, seed {}".format(report["variants_seed"]), "",
              "The first counterexample is timed without shrinking, from scratch: it includes building the "
              "scenario's initial state (for a scenario that starts settled, the fair execution settling it), which "
              "the search with shrinking then reuses. The shrunk trace is what `kubeproof trace` prints; its actions "
              "include the components' own steps.", "",
              "| variant | property | runs to first | first counterexample (CPU s) | with shrinking (CPU s) | "
              "shrunk trace (actions) |", "|---|---|---:|---:|---:|---:|"]
    for row in report["variants"]:
        found = row["first_cpu_seconds"] if row["found"] else f"not found ({row['first_cpu_seconds']})"
        lines.append(f"| `{row['variant']}` | {row['property']} | {row['runs_to_first']} | {found} | "
                     f"{row['shrunk_cpu_seconds']} | {row['trace_actions'] if row['trace_actions'] else '-'} |")
    firsts = [r["first_cpu_seconds"] for r in report["variants"]]
    median = f"{statistics.median(firsts):.2f} s" if firsts else "n/a"
    lines += ["", f"Targets: each under {TARGETS['variant_seconds']} s: {mark(met['variant_seconds'])}; median "
              f"under {TARGETS['variant_median_seconds']} s ({median}): {mark(met['variant_median_seconds'])}; "
              f"traces of at most {TARGETS['trace_actions']} actions: {mark(met['trace_actions'])}."]
    return "\n".join(lines) + "\n"


def cmd_bench(args: argparse.Namespace) -> int:
    writable_dir("--output-dir", args.output_dir)
    if args.explorer:  # the exhaustive explorer's figures (kubeproof/explore_bench.py)
        from kubeproof import explore_bench
        print(explore_bench.run(args.output_dir, lambda text: print(f"  {text} ...", file=sys.stderr, flush=True)))
        return EXIT_OK
    try:
        chosen = [variant(name) for name in args.variant] if args.variant else list(VARIANTS)
    except ValueError as e:
        raise UsageError(str(e)) from None
    import hypothesis

    def note(text: str) -> None:
        if not args.json:
            print(f"  {text} ...", file=sys.stderr, flush=True)

    if args.intents:
        return intents_bench.cmd_bench_intents(args, note)
    if args.kivi:
        from kubeproof import kivi_bench
        return kivi_bench.cmd_bench_kivi(args, note)

    environment = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "python": platform.python_version(),
                   "hypothesis": hypothesis.__version__, "platform": platform.platform(terse=True),
                   "cpus": os.cpu_count(), "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    workers = args.workers or default_count()
    environment["workers"] = workers
    report: dict[str, Any] = {"environment": environment, "targets": TARGETS, "variants_seed": args.seed,
                              "variants": []}
    with interrupts.handling():
        try:
            report["steps"] = _bench_steps(args.profile, args.seed, args.seeds, args.repeat, note)
            for each in chosen:
                note(f"variant {each.name}")
                report["variants"].append(_bench_variant(each, args.seed))
            if args.parallel_profile != "none":
                note(f"kubeproof check --profile {args.parallel_profile} with 1 worker, then {workers}")
                report["workers"] = bench_workers.measure(args.parallel_profile, args.seed, workers)
        except interrupts.Interrupted as e:
            if "steps" not in report:
                raise
            report["incomplete"] = f"interrupted ({e}) before the end: figures so far, no files written"
        with interrupts.deferred():
            return _bench_report(args, report)


def _bench_report(args: argparse.Namespace, report: dict[str, Any]) -> int:
    report["targets_met"] = _verdicts(report)
    markdown = _bench_markdown(report)
    if "workers" in report:
        markdown += "\n".join(bench_workers.markdown(report["workers"], report["environment"]["load_average"])) + "\n"
    if "incomplete" in report:
        markdown += f"\n{report['incomplete']}\n"
    else:
        write_report(Path(args.output_dir), "exploration", markdown, report)
    print(json.dumps(report, indent=1) if args.json else markdown)
    return interrupts.exit_code() or EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser("check", help="explore workloads under user actions and faults, checking every property")
    check.add_argument("manifests", nargs="*", help="workload manifests (default: the bundled example scenario)")
    check.add_argument("--cluster", action="append", metavar="SNAPSHOT.yaml",
                       help="cluster snapshot (see the README's snapshot command) or Node manifests; one path, "
                            "repeatable")
    check.add_argument("--profile", choices=sorted(PROFILES), default="dev",
                       help="how much to explore: dev (default), ci or deep (see the README)")
    check.add_argument("--seed", type=int, default=0, help="seed of the exploration (default 0): same seed, same runs")
    check.add_argument("--property", action="append", help="check only this property (repeatable)")
    check.add_argument("--variant", action="append", help="re-create a known bug (see `kubeproof variants`)")
    check.add_argument("--fault", action="append", help=f"enable a fault ({', '.join(FAULTS)}; repeatable)")
    check.add_argument("--junit", help="write JUnit XML, one test case per property")
    check.add_argument("--traces", default="reports/traces", help="where counterexample traces go")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.add_argument("--allow-vacuous", action="store_true",
                       help="run even when the check proves nothing (no manifests, no workloads, no nodes, no steps)")
    check.add_argument("--workers", type=int, help="local worker processes (default: the cores available; 1: this "
                                                    "process only); results do not depend on it")
    check.add_argument("--dask", metavar="ADDRESS", help="run on the Dask cluster whose scheduler is at ADDRESS "
                                                         "(e.g. tcp://scheduler:8786; needs kubeproof[dask])")
    check.add_argument("--max-seconds", type=float, help="stop after this many seconds and report what was explored, "
                                                         "marked incomplete")
    check.add_argument("--shrink-seconds", type=float, default=60.0,
                       help="time shrinking may take once a violation is found (default 60); then the best trace "
                            "so far is written, marked \"minimal\": false")
    intents_cli.add_arguments(check)
    check.set_defaults(run=cmd_check)

    trace = sub.add_parser("trace", help="find and print a minimal counterexample for a known bug variant")
    trace.add_argument("--variant", required=True, help="the bug variant (see `kubeproof variants`)")
    trace.add_argument("--property", help="the property to break (default: the one the variant breaks)")
    trace.add_argument("--profile", choices=sorted(PROFILES), default="ci", help="how much to explore (default ci)")
    trace.add_argument("--seed", type=int, default=0, help="seed of the exploration (default 0)")
    trace.add_argument("--format", choices=("md", "json", "kubectl"), default="md",
                       help="Markdown (default), trace JSON for `kubeproof replay`, or kubectl commands")
    trace.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    trace.set_defaults(run=cmd_trace)

    replay = sub.add_parser("replay", help="re-run a saved trace; exit 1 if its violation reproduces")
    replay.add_argument("trace", help="a trace JSON file (written by `check` or `trace --format json`)")
    replay.set_defaults(run=cmd_replay)

    bench = sub.add_parser("bench", help="measure exploration speed and how fast each bug variant is found")
    bench.add_argument("--profile", choices=sorted(PROFILES), default="dev",
                       help="profile for the steps/s measurement (variants always use ci)")
    bench.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    bench.add_argument("--seeds", type=positive_int, default=3, help="seeds per exploration pass (SEED, SEED+1, ...)")
    bench.add_argument("--repeat", type=positive_int, default=3, help="exploration passes; the fastest counts")
    bench.add_argument("--variant", action="append", help="measure only this variant (repeatable)")
    bench.add_argument("--output-dir", default="reports/bench", help="where exploration.md and .json go")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.add_argument("--workers", type=int, help="workers for the parallel check (default: the cores available)")
    bench.add_argument("--parallel-profile", choices=[*sorted(PROFILES), "none"], default="ci",
                       help="profile of the check timed with 1 worker and with --workers (none: skip it)")
    bench.add_argument("--explorer", action="store_true", help="measure the exhaustive explorer instead "
                                                               "(reports/bench/explore.md)")
    bench.add_argument("--intents", action="store_true", help="instead: time to counterexample for each intent "
                                                              "scenario of model/examples/intents (intents.md)")
    bench.add_argument("--kivi", action="store_true", help="instead: time to decision for Kivi's eight cases "
                                                           "(kivi.md)")
    bench.set_defaults(run=cmd_bench)

    for name, handler, text in (("variants", cmd_variants, "list the known bug variants"),
                                ("properties", cmd_properties, "list the properties kubeproof checks")):
        listing = sub.add_parser(name, help=text)
        listing.add_argument("--json", action="store_true", help="print a JSON list of objects")
        listing.set_defaults(run=handler)
