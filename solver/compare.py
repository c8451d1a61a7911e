"""The comparison harness behind ``kubeproof compare``: run strategies on one workload, measure the
placements the same way, and write the report (Markdown, CSV, JSON, PNG).

Strategies: kube-scheduler's greedy profiles (:mod:`solver.greedy`) and the solver's objectives with Z3
(``z3-<objective>``) and, when OR-tools is installed, CP-SAT (``cpsat-<objective>``).

Measures (every strategy, from its final placement; utilisation is requests over allocatable):
- pods placed per priority; nodes used (hosting any pod);
- mean (over used nodes) and max utilisation per resource (cpu, memory and extended resources);
- stranded capacity: free cpu (memory, ...) on nodes where another resource is too short for the smallest pod
  of the workload, as a share of the cluster's capacity (Verma et al., CLUSTER 2014);
- quota use after placement; running pods moved;
- cluster compaction: the fewest nodes (a seeded random order, nodes with pods that stay always kept) on which
  the strategy still places as many pods, by binary search (Borg's method with one trial);
- time, status and gap (solver strategies: objective value against the proven bound).
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from model.admission import resourcequota
from model.objects import Node, Pod
from model.quantity import Quantity
from model.resources import pod_requests, scheduler_resources
from solver import cpsat, greedy
from solver.api import Options, Result, schedule
from solver.instance import ADMISSION, NEW, Instance, build
from solver.names import CPSAT_STRATEGIES, GREEDY_PROFILES, Z3_STRATEGIES

GREEDY = GREEDY_PROFILES
SOLVER = Z3_STRATEGIES
CPSAT = CPSAT_STRATEGIES
STRATEGIES = GREEDY + SOLVER
COMPACTION_PROBE_SECONDS = 3.0


def parse_strategies(text: str) -> tuple[str, ...]:
    """A comma list of strategy names ("" for all available); ValueError for unknown ones."""
    known = STRATEGIES + (CPSAT if cpsat.available() else ())
    names = tuple(n.strip() for n in text.split(",") if n.strip()) or known
    for name in names:
        if name not in known:
            hint = " (install kubeproof[cpsat] for cpsat-*)" if name in CPSAT else ""
            raise ValueError(f"unknown strategy {name!r}{hint}; choose from {', '.join(known)}")
    return names


@attrs.frozen
class Outcome:
    """One strategy's run: where each pod went, how long it took, and what the solver proved."""

    strategy: str
    placements: dict[str, str | None]
    seconds: float
    status: str
    objective: str = ""
    value: Any = None
    bound: Any = None
    pending: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    refused: frozenset[str] = frozenset()
    """Pods admission refused (greedy strategies admit in arrival order whatever the report's quota mode)."""


def run_strategy(strategy: str, cluster: Sequence[Any], to_place: Sequence[Any], timeout: float, seed: int,
                 quota_mode: str = ADMISSION) -> Outcome:
    """Run one strategy on the workload (greedy profiles always admit pods as Kubernetes does). ``timeout`` is
    a wall-clock limit on the whole run; a greedy profile cut short reports status ``unknown``."""
    if strategy in GREEDY:
        start = time.monotonic()
        instance = build(cluster, to_place, ADMISSION)
        placement, failures, _ = greedy.place(instance, strategy, seed, start + timeout)
        placements = {info.key: placement.get(i) for i, info in enumerate(instance.pods)}
        placements.update({key: None for key in instance.rejected})
        pending = {instance.pods[i].key: (message,) for i, message in failures.items()} | dict(instance.rejected)
        status = "unknown" if greedy.TIME_LIMIT_MESSAGE in failures.values() else "greedy"
        return Outcome(strategy, placements, time.monotonic() - start, status, pending=pending,
                       refused=frozenset(instance.rejected))
    backend, _, objective = strategy.partition("-")
    result: Result = schedule(cluster, to_place, Options(objectives=(objective,), timeout=timeout,
                                                         quota_mode=quota_mode, backend=backend), strategy)
    return Outcome(strategy, dict(result.placements), result.seconds, result.status, objective, result.value,
                   result.bound, dict(result.unschedulable))


def _resources(nodes: Sequence[Node]) -> list[str]:
    names = {"cpu", "memory"}
    for node in nodes:
        names |= {r for r in scheduler_resources(node.allocatable) if r not in ("ephemeral-storage",)}
    return sorted(names, key=lambda r: (r not in ("cpu", "memory"), r))


def measure(outcome: Outcome, instance: Instance, compaction: float | None) -> dict[str, Any]:
    """The report's numbers for one outcome (``instance``: the workload built without moves)."""
    nodes = instance.nodes
    by_key = {info.key: info for info in instance.pods}
    requested: dict[str, dict[str, int]] = {n.name: {} for n in nodes}
    hosting: dict[str, int] = {n.name: 0 for n in nodes}
    moved = 0
    for pod in instance.snapshot.pods:
        if pod.node_name in requested:
            _charge(requested[pod.node_name], pod)
            hosting[pod.node_name] += 1
    for key, node in outcome.placements.items():
        info = by_key.get(key)
        if info is not None:
            if node is not None:
                _charge(requested[node], info.pod)
                hosting[node] += 1
            continue
        pod = _running(instance, key)
        if pod is None or pod.node_name == node:
            continue
        moved += 1
        _charge(requested[pod.node_name], pod, -1)
        hosting[pod.node_name] -= 1
        if node is not None:
            _charge(requested[node], pod)
            hosting[node] += 1
    resources = _resources(nodes)
    used = [n for n in nodes if hosting[n.name] > 0]
    util: dict[str, dict[str, float]] = {}
    for r in resources:
        shares = [requested[n.name].get(r, 0) / a for n in used if (a := scheduler_resources(n.allocatable).get(r, 0))]
        util[r] = {"mean": 100 * sum(shares) / len(shares) if shares else 0.0, "max": 100 * max(shares, default=0.0)}
    priorities: dict[int, list[int]] = {}
    for info in instance.pods:
        entry = priorities.setdefault(info.priority, [0, 0])
        entry[1] += 1
        entry[0] += 1 if outcome.placements.get(info.key) else 0
    placed = sum(p for p, _ in priorities.values())
    total = len(instance.pods) + len(instance.rejected)
    gap = None
    if isinstance(outcome.value, (int, float)) and isinstance(outcome.bound, (int, float)):
        gap = round(abs(outcome.value - outcome.bound), 2)
    return {
        "strategy": outcome.strategy, "status": outcome.status, "seconds": round(outcome.seconds, 3),
        "placed": placed, "pods": total,
        "placed_by_priority": {str(p): f"{a}/{b}" for p, (a, b) in sorted(priorities.items(), reverse=True)},
        "nodes_used": len(used), "nodes": len(nodes), "compaction": compaction,
        "utilisation": {r: {k: round(v, 1) for k, v in u.items()} for r, u in util.items()},
        "stranded": _stranded(instance, nodes, requested, resources),
        "quota": _quota_use(instance, outcome),
        "moved": moved, "objective": outcome.objective, "value": outcome.value, "bound": outcome.bound, "gap": gap,
        "node_utilisation": {r: sorted((round(100 * requested[n.name].get(r, 0) / a, 1) for n in nodes
                                        if (a := scheduler_resources(n.allocatable).get(r, 0))), reverse=True)
                             for r in ("cpu", "memory")},
    }


def _running(instance: Instance, key: str) -> Pod | None:
    return next((p for p in instance.snapshot.pods if f"{p.namespace}/{p.name}" == key), None)


def _charge(total: dict[str, int], pod: Pod, sign: int = 1) -> None:
    for r, amount in scheduler_resources(pod_requests(pod)).items():
        total[r] = total.get(r, 0) + sign * amount


def _stranded(instance: Instance, nodes: Sequence[Node], requested: dict[str, dict[str, int]],
              resources: Sequence[str]) -> dict[str, float]:
    smallest: dict[str, int] = {}
    for unit in instance.units:
        for r in ("cpu", "memory"):
            amount = unit.requests.get(r, 0)
            smallest[r] = min(smallest.get(r, amount), amount)
    stranded = {r: 0 for r in resources}
    capacity = {r: 0 for r in resources}
    for n in nodes:
        allocatable = scheduler_resources(n.allocatable)
        free = {r: allocatable.get(r, 0) - requested[n.name].get(r, 0) for r in resources}
        short = {r for r in ("cpu", "memory") if smallest.get(r, 0) > 0 and free.get(r, 0) < smallest[r]}
        for r in resources:
            capacity[r] += allocatable.get(r, 0)
            if short - {r}:
                stranded[r] += max(free[r], 0)
    return {r: round(100 * stranded[r] / capacity[r], 1) if capacity[r] else 0.0 for r in resources}


def _quota_use(instance: Instance, outcome: Outcome) -> list[str]:
    """``namespace/quota resource used/hard`` after placement (admission mode charges every admitted pod)."""
    lines = []
    for quota in instance.quotas:
        used = dict(quota.status.used)
        for info in instance.pods:
            if outcome.strategy in GREEDY:
                charged = info.key not in outcome.refused
            else:
                charged = instance.quota_mode == ADMISSION or outcome.placements.get(info.key)
            if info.origin == NEW and charged and info.pod.namespace == quota.namespace \
                    and resourcequota.matches_scopes(quota, info.pod):
                for r, amount in resourcequota.usage(info.pod).items():
                    if r in quota.status.hard:
                        used[r] = used.get(r, Quantity.from_int(0)) + amount
        for r in sorted(quota.status.hard):
            lines.append(f"{quota.namespace}/{quota.name} {r} {used.get(r, 0)}/{quota.status.hard[r]}")
    return lines


def compaction(strategy: str, cluster: Sequence[Any], to_place: Sequence[Any], target: int, timeout: float,
               seed: int, quota_mode: str) -> float:
    """Borg's cluster compaction with one trial: the fewest nodes of a seeded random order (nodes with pods
    that stay always kept) on which the strategy still places ``target`` pods, as a percentage of the nodes."""
    nodes = [o for o in cluster if isinstance(o, Node)]
    hosts = {o.node_name for o in cluster if isinstance(o, Pod) and o.node_name}
    keep = [n for n in nodes if n.name in hosts]
    order = [n for n in nodes if n.name not in hosts]
    random.Random(f"compaction-{seed}").shuffle(order)
    others = [o for o in cluster if not isinstance(o, Node)]

    def places(k: int) -> bool:
        subset = keep + order[:k]
        outcome = run_strategy(strategy, [*subset, *others], to_place, min(timeout, COMPACTION_PROBE_SECONDS), seed,
                               quota_mode)
        return sum(1 for v in outcome.placements.values() if v) >= target

    low, high = 0, len(order)
    while low < high:
        middle = (low + high) // 2
        if places(middle):
            high = middle
        else:
            low = middle + 1
    return round(100 * (len(keep) + low) / len(nodes), 1) if nodes else 0.0


@attrs.frozen
class Report:
    name: str
    description: str
    rows: tuple[dict[str, Any], ...]
    outcomes: tuple[Outcome, ...]
    seed: int
    timeout: float
    complete: bool = True
    """False when a signal stopped the comparison: ``rows`` are the strategies finished before it."""


def run(name: str, description: str, cluster: Sequence[Any], to_place: Sequence[Any], strategies: Sequence[str],
        timeout: float, seed: int = 0, quota_mode: str = ADMISSION,
        progress: Callable[[int, int, str], None] | None = None, with_compaction: bool = True) -> Report:
    """Run every strategy (and its compaction probe) and measure the outcomes."""
    instance = build(cluster, to_place, quota_mode)
    rows, outcomes = [], []
    try:
        for i, strategy in enumerate(strategies):
            if progress:
                progress(i, len(strategies), strategy)
            outcome = run_strategy(strategy, cluster, to_place, timeout, seed, quota_mode)
            placed = sum(1 for v in outcome.placements.values() if v)
            moved_only = strategy.endswith("min-moves")
            packed = compaction(strategy, cluster, to_place, placed, timeout, seed, quota_mode) \
                if with_compaction and not moved_only else None
            outcomes.append(outcome)
            rows.append(measure(outcome, instance, packed))
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM as properties.interrupts raises it: the strategies finished so far
        return Report(name, description, tuple(rows), tuple(outcomes[:len(rows)]), seed, timeout, complete=False)
    if progress:
        progress(len(strategies), len(strategies), "done")
    return Report(name, description, tuple(rows), tuple(outcomes), seed, timeout)


def progress_bar(stream: TextIO) -> Callable[[int, int, str], None]:
    """A one-line progress bar on ``stream``."""
    def show(done: int, total: int, label: str) -> None:
        width = 30
        filled = width * done // max(total, 1)
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<28}")
        if done == total:
            stream.write("\n")
        stream.flush()
    return show


COLUMNS = ("strategy", "status", "placed", "placed_by_priority", "nodes_used", "compaction", "cpu_mean", "cpu_max",
           "memory_mean", "memory_max", "stranded_cpu", "stranded_memory", "moved", "seconds", "value", "bound", "gap")


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """A report row as the CSV and table columns."""
    util, stranded = row["utilisation"], row["stranded"]
    return {
        "strategy": row["strategy"], "status": row["status"], "placed": f"{row['placed']}/{row['pods']}",
        "placed_by_priority": " ".join(f"p{p}:{v}" for p, v in row["placed_by_priority"].items()),
        "nodes_used": row["nodes_used"], "compaction": "" if row["compaction"] is None else f"{row['compaction']}%",
        "cpu_mean": util["cpu"]["mean"], "cpu_max": util["cpu"]["max"],
        "memory_mean": util["memory"]["mean"], "memory_max": util["memory"]["max"],
        "stranded_cpu": stranded.get("cpu", 0.0), "stranded_memory": stranded.get("memory", 0.0),
        "moved": row["moved"], "seconds": row["seconds"], "value": "" if row["value"] is None else row["value"],
        "bound": "" if row["bound"] is None else row["bound"], "gap": "" if row["gap"] is None else row["gap"],
    }


def _markdown(report: Report, command: str) -> str:
    rows = [flat(r) for r in report.rows]
    extra = sorted({r for row in report.rows for r in row["utilisation"] if r not in ("cpu", "memory")})
    lines = [f"# Strategy comparison: `{report.name}`", "", report.description, "",
             f"Command: `{command}` (seed {report.seed}, solver time limit {report.timeout:g} s per run).", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    if extra:
        lines += ["", "Extended resources (mean/max utilisation of used nodes, %): " + "; ".join(
            f"{row['strategy']} {r} {row['utilisation'][r]['mean']}/{row['utilisation'][r]['max']}"
            for row in report.rows for r in extra)]
    quota = [(row["strategy"], q) for row in report.rows for q in row["quota"]]
    if quota:
        lines += ["", "## Quota use after placement", "", "| strategy | quota | resource | used/hard |",
                  "|---|---|---|---|"]
        lines += [f"| {s} | {q.split(' ')[0]} | {q.split(' ')[1]} | {q.split(' ')[2]} |" for s, q in quota]
    lines += ["", "![summary](summary.png)", "", "![utilisation](utilisation.png)", "",
              "## Columns", "",
              "- placed: pods placed of all pods (incl. those admission refused); by priority `pN:placed/total`.",
              "- nodes_used: nodes hosting any pod; compaction: the fewest nodes (seeded random order, one trial) on "
              "which the strategy still places as many pods, in % of the nodes.",
              "- cpu/memory mean and max: requests over allocatable, mean over used nodes and the busiest node (%).",
              "- stranded: free capacity on nodes where another resource cannot fit the workload's smallest pod "
              "(% of cluster capacity).",
              "- status/value/bound/gap: solver strategies' proven result for their objective (max-placed: pods; "
              "min-nodes: nodes; balance: highest utilisation %; min-moves: pods moved). Greedy strategies are "
              "kube-scheduler's scoring profiles run pod by pod in queue order.", ""]
    pending = [(o.strategy, k, v) for o in report.outcomes if o.strategy.startswith(("z3", "cpsat"))
               for k, v in list(o.pending.items())[:3]]
    if pending:
        lines += ["## Why pods stay pending (solver strategies, first three each)", ""]
        lines += [f"- `{s}` {k}: " + "; ".join(v) for s, k, v in pending]
        lines.append("")
    return "\n".join(lines)


def write(report: Report, out: Path, command: str) -> list[Path]:
    """Write report.md, results.csv, results.json, summary.png and utilisation.png to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.md", out / "results.csv", out / "results.json", out / "summary.png",
             out / "utilisation.png"]
    paths[0].write_text(_markdown(report, command))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        writer.writerow(flat(row))
    paths[1].write_text(buffer.getvalue())
    paths[2].write_text(json.dumps({"workload": report.name, "description": report.description, "command": command,
                                    "seed": report.seed, "timeout": report.timeout, "results": list(report.rows)},
                                   indent=1, default=str) + "\n")
    _plots(report, paths[3], paths[4])
    return paths


def _plots(report: Report, summary: Path, utilisation: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    names = [r["strategy"] for r in report.rows]
    x = range(len(names))
    fig, axes = plt.subplots(2, 2, figsize=(13, 8))
    levels = sorted({p for r in report.rows for p in r["placed_by_priority"]}, key=int, reverse=True)
    bottom = [0] * len(names)
    for level in levels:
        heights = [int(r["placed_by_priority"].get(level, "0/0").split("/")[0]) for r in report.rows]
        axes[0][0].bar(x, heights, bottom=bottom, label=f"priority {level}")
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    total = report.rows[0]["pods"] if report.rows else 0
    axes[0][0].axhline(total, color="grey", linestyle="--", linewidth=1, label="all pods")
    axes[0][0].set_title("pods placed")
    axes[0][0].legend(fontsize=8)
    axes[0][1].bar([i - 0.2 for i in x], [r["nodes_used"] for r in report.rows], width=0.4, label="nodes used")
    axes[0][1].bar([i + 0.2 for i in x], [(r["compaction"] or 0) * r["nodes"] / 100 for r in report.rows], width=0.4,
                   label="compaction (nodes)")
    axes[0][1].set_title("nodes")
    axes[0][1].legend(fontsize=8)
    axes[1][0].bar([i - 0.2 for i in x], [r["utilisation"]["cpu"]["max"] for r in report.rows], width=0.4, label="cpu")
    axes[1][0].bar([i + 0.2 for i in x], [r["utilisation"]["memory"]["max"] for r in report.rows], width=0.4,
                   label="memory")
    axes[1][0].set_title("busiest node's utilisation (%)")
    axes[1][0].legend(fontsize=8)
    colours = ["tab:green" if r["status"] == "optimal" else "tab:orange" if r["status"] == "feasible" else "tab:blue"
               for r in report.rows]
    axes[1][1].bar(x, [max(r["seconds"], 1e-3) for r in report.rows], color=colours)
    axes[1][1].set_yscale("log")
    axes[1][1].set_title("seconds (green: proven optimal, orange: bound only, blue: greedy)")
    for ax in (a for row in axes for a in row):
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, rotation=35, ha="right", fontsize=8)
    fig.suptitle(f"{report.name}: {report.description}", fontsize=10)
    fig.tight_layout()
    fig.savefig(summary, dpi=90)
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    for ax, resource in zip(axes, ("cpu", "memory"), strict=True):
        for r in report.rows:
            ax.plot(range(1, len(r["node_utilisation"][resource]) + 1), r["node_utilisation"][resource],
                    marker=".", label=r["strategy"])
        ax.set_title(f"{resource} requested per node, busiest first (%)")
        ax.set_xlabel("node rank")
        ax.set_ylim(0, 105)
    axes[1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(utilisation, dpi=90)
    plt.close(fig)

