"""``kubeproof explore``: argument handling and output for the exhaustive small-scope explorer
(``properties.small_scope``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import attrs

from kubeproof.check_cli import EXIT_OK, EXIT_VIOLATION, UsageError, _properties, _scenario
from kubeproof.render import table
from model.config import FAULTS
from properties import oscillation
from properties import trace as traces
from properties.exhaustive import Bounds
from properties.lasso import mark_loop
from properties.small_scope import CLOCKS, ExploreResult, Scope, explore
from properties.spec import budget_properties, check_targets, compile_intents, load_spec, scenario_for
from properties.variants import BY_NAME as VARIANT_SCENARIOS


def _scope(args: argparse.Namespace, users: int, kubectl: bool) -> Scope:
    for name, value in (("--max-states", args.max_states), ("--max-depth", args.max_depth),
                        ("--max-seconds", args.max_seconds), ("--users", args.users),
                        ("--fault-budget", args.fault_budget)):
        if value is not None and value < 0:
            raise UsageError(f"{name} must not be negative (got {value})")
    bounds = Bounds(max_states=args.max_states, max_depth=args.max_depth, max_seconds=args.max_seconds,
                    max_memory_mb=args.max_memory_mb)
    return Scope(user_budget=users if args.users is None else args.users, kubectl=kubectl,
                 fault_budget=args.fault_budget, settle_between_faults=args.settle, bounds=bounds,
                 symmetry=args.symmetry, liveness=not args.no_liveness, clock=args.clock)


def _chosen(args: argparse.Namespace) -> tuple[Any, str | None, int, bool]:
    """The scenario, the variant it re-creates (if any), the default user budget and whether users run kubectl. With
    one ``--variant`` and no manifests, the variant's own small scenario (as ``kubeproof trace`` explores)."""
    variants = args.variant or []
    if len(variants) == 1 and not args.manifests and not args.cluster and variants[0] in VARIANT_SCENARIOS:
        chosen = VARIANT_SCENARIOS[variants[0]]
        if args.fault:
            raise UsageError("--fault cannot be combined with a variant's own scenario (it sets its faults)")
        return chosen.scenario(), chosen.name, chosen.user_budget, chosen.kubectl
    return attrs.evolve(_scenario(args), settled=args.settled), None, 1, True


def _write(result: ExploreResult, scenario: Any, variant: str | None, directory: Path, extra: dict) -> Path:
    trace = traces.to_json(result.violation, scenario, None, variant, extra)
    markdown = traces.to_markdown(trace)
    if result.loop_start is not None:
        trace, markdown = mark_loop(trace, markdown, result.loop_start)
    elif (looped := oscillation.lasso_trace(trace)) is not None:  # a NoOscillation loop of its observable state
        trace, markdown = looped, traces.to_markdown(looped) + oscillation.note(looped)
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"explore-{variant or scenario.name.replace(',', '_')}-{trace['property']}"
    path = directory / f"{stem}.json"
    path.write_text(json.dumps(trace, indent=1))
    (directory / f"{stem}.md").write_text(markdown)
    return path


def _scope_text(scope: Scope, result: ExploreResult) -> str:
    faults = ", ".join(f"{k} x{n}" for k, n in zip(result.fault_kinds, result.fault_budgets, strict=True)) or "none"
    symmetric = "; ".join("=".join(c) for c in result.symmetric_nodes) or "none"
    return (f"users {scope.user_budget}{' (kubectl)' if scope.kubectl else ''}, faults {faults}"
            f"{' settled between' if scope.settle_between_faults else ''}, clock {scope.clock}, interchangeable "
            f"nodes {symmetric}")


def _with_spec(args: argparse.Namespace, scenario: Any, properties: tuple, scope: Scope) -> tuple[Any, tuple, Scope,
                                                                                                  dict]:
    """The scenario, properties and scope under ``--spec``: its intents are checked too, its fault budget and
    settling bound the faults, and without user actions the user budget is 0. Each PodDisruptionBudget among the
    manifests is an intent too, with or without a spec, as in ``check`` (``properties.spec.budget_intents``)."""
    properties = (*properties, *budget_properties(scenario.objects))
    if not args.spec:
        return scenario, properties, scope, {}
    spec = load_spec(args.spec)
    check_targets(spec, scenario.objects, args.spec)
    scenario = scenario_for(scenario, spec)
    scope = attrs.evolve(scope, faults=tuple(scenario.fault_budget or ()),
                         settle_between_faults=scope.settle_between_faults or scenario.settle_between_faults,
                         user_budget=scope.user_budget if spec.user_actions else 0)
    return scenario, (*properties, *compile_intents(spec)), scope, {"spec": spec.document}


def cmd_explore(args: argparse.Namespace) -> int:
    properties = _properties(args.property)
    scenario, variant, users, kubectl = _chosen(args)
    scenario, properties, scope, extra = _with_spec(args, scenario, properties, _scope(args, users, kubectl))
    timers_notes: tuple[str, ...] = ()
    if args.timers_last:
        from properties.timers_last import explore_timers_last
        two = explore_timers_last(scenario, properties, scope)
        timers_notes = (*two.notes, f"both passes: {two.seconds:.1f} CPU seconds")
        result = attrs.evolve(two.result, notes=(*two.result.notes, *timers_notes))
    else:
        result = explore(scenario, properties, scope)
    found = result.search
    trace_path = _write(result, scenario, variant, Path(args.traces), extra) if result.violation is not None else None
    summary = {"scenario": scenario.name, "status": result.status,
               "property": result.violation.violation.property if result.violation else None,
               "message": result.violation.violation.message if result.violation else None,
               "trace": str(trace_path) if trace_path else None,
               "trace_steps": len(result.violation.transitions) if result.violation else None,
               "loop_start": result.loop_start, "states": found.states, "transitions": found.transitions,
               "depth": found.depth, "exhausted": found.exhausted and result.violation is None, "bound": found.bound,
               "cpu_seconds": round(found.seconds, 2), "scope": _scope_text(scope, result), "notes": list(result.notes)}
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        rows = [("verdict", result.status), ("scope", summary["scope"]),
                ("distinct states", f"{found.states:,}"), ("transitions", f"{found.transitions:,}"),
                ("depth reached", str(found.depth)),
                ("exhausted", "yes" if summary["exhausted"] else f"no ({found.bound or 'stopped at the violation'})"),
                ("CPU seconds", f"{found.seconds:.1f} ({found.states / max(found.seconds, 1e-9):,.0f} states/s)")]
        if result.violation is not None:
            rows.insert(1, ("property", f"{summary['property']}: {summary['message']}"))
            kind = "lasso" if result.loop_start is not None else \
                "trace (fair execution)" if any("fair execution" in n for n in result.notes) else "shortest trace"
            rows.append((kind, f"{summary['trace_steps']} steps: {trace_path} (and .md)"))
        if args.timers_last:
            rows.append(("timers last", "; ".join(timers_notes)))
        print(table(("", ""), rows).split("\n", 1)[1])
    return EXIT_VIOLATION if result.violation is not None else EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    explore_cmd = sub.add_parser("explore", help="search every interleaving within a small scope: a proof within the "
                                                 "scope, a shortest trace, or a livelock lasso")
    explore_cmd.add_argument("manifests", nargs="*", help="workload manifests (default: the bundled example scenario)")
    explore_cmd.add_argument("--cluster", action="append",
                             help="cluster snapshot or Node manifests; one path, repeatable")
    explore_cmd.add_argument("--property", action="append", help="check only this property (repeatable)")
    explore_cmd.add_argument("--spec", help="a CheckSpec: its intents are checked too, its fault budget and settling "
                                            "bound the faults")
    explore_cmd.add_argument("--variant", action="append",
                             help="re-create a known bug; alone and without manifests, explores its own scenario")
    explore_cmd.add_argument("--fault", action="append", help=f"enable a fault ({', '.join(FAULTS)}; repeatable)")
    explore_cmd.add_argument("--fault-budget", type=int, default=1, help="faults of each enabled kind (default 1)")
    explore_cmd.add_argument("--settle", action="store_true", help="a further fault only once the cluster has settled")
    explore_cmd.add_argument("--users", type=int, help="user commands (default 1; a variant's own budget)")
    explore_cmd.add_argument("--clock", choices=CLOCKS, default="model",
                             help="model: the clock ticks as the model offers; frozen: no timer fires")
    explore_cmd.add_argument("--settled", action="store_true",
                             help="start once fair execution has brought the workloads up")
    explore_cmd.add_argument("--max-states", type=int, default=200_000,
                             help="stop, incomplete, after this many distinct states (default 200,000)")
    explore_cmd.add_argument("--max-depth", type=int, help="explore no deeper than this many actions")
    explore_cmd.add_argument("--max-seconds", type=float,
                             help="CPU seconds for the search and the fair execution after it")
    explore_cmd.add_argument("--max-memory-mb", type=int, default=4096,
                             help="stop, incomplete, when the visited set would pass this (default 4096)")
    explore_cmd.add_argument("--symmetry", action=argparse.BooleanOptionalAction, default=True,
                             help="merge states that differ by a permutation of interchangeable nodes (default on)")
    explore_cmd.add_argument("--no-liveness", action="store_true", help="check safety properties only")
    explore_cmd.add_argument("--timers-last", action="store_true",
                             help="look for a safety violation with the clock frozen first, then prove it shortest "
                                  "with the model's clock to one step less (properties/timers_last.py)")
    explore_cmd.add_argument("--traces", default="reports/traces", help="where the trace goes")
    explore_cmd.add_argument("--json", action="store_true", help="print the result as JSON")
    explore_cmd.set_defaults(run=cmd_explore)

