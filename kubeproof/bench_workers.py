"""``kubeproof bench``'s worker part: the same check (every property, the bundled scenario) with one worker and with
N, its wall-clock and CPU seconds, the speed-up and the speed-up per worker, and whether the results are identical
(they must be: ``properties.chunks``)."""

from __future__ import annotations

import resource
import time
from typing import Any

from model import manifests
from model.examples import DIRECTORY as EXAMPLES
from properties.check import PROFILES
from properties.chunks import check
from properties.explore import Scenario
from properties.registry import all_properties
from properties.workers import Workers

TARGET_WALL_SECONDS = 60
"""Issue 15: ``kubeproof check --profile ci`` on the bundled scenario within 60 s wall on 2 cores with 2 workers."""


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(profile: str, seed: int, workers: Workers) -> dict[str, Any]:
    scenario = Scenario("default", tuple(manifests.load([EXAMPLES])))
    wall, cpu = time.perf_counter(), _cpu()
    result = check(scenario, all_properties(), PROFILES[profile], seed, workers)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {"workers": workers.count, "runs": result.examples, "steps": result.steps, "complete": result.complete,
            "violation": None if result.violation is None else str(result.violation),
            "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}


def measure(profile: str, seed: int, count: int) -> dict[str, Any]:
    """The check with one worker, then with ``count``."""
    rows = [_timed(profile, seed, Workers(1))]
    if count > 1:
        rows.append(_timed(profile, seed, Workers(count)))
    one = rows[0]["wall_seconds"]
    for row in rows:
        row["speed_up"] = round(one / max(row["wall_seconds"], 1e-9), 2)
        row["speed_up_per_worker"] = round(row["speed_up"] / row["workers"], 2)
    key = [(r["runs"], r["steps"], r["violation"]) for r in rows]
    same = all(k == key[0] for k in key)
    return {"profile": profile, "seed": seed, "rows": rows, "identical": same}


def met(section: dict[str, Any]) -> bool | None:
    """Whether the check took at most TARGET_WALL_SECONDS with 2 workers (None: not measured on 2 workers)."""
    two = [r for r in section["rows"] if r["workers"] == 2]
    return None if not two or section["profile"] != "ci" else two[0]["wall_seconds"] <= TARGET_WALL_SECONDS


def markdown(section: dict[str, Any], load_average: str) -> list[str]:
    lines = ["", f"## Workers: `kubeproof check --profile {section['profile']}` on the bundled scenario", "",
             f"Every property, seed {section['seed']}, with one worker and with {section['rows'][-1]['workers']} "
             f"(`--workers`); CPU seconds include the worker processes'. Wall-clock seconds depend on what else runs: "
             f"the load average was {load_average} when the benchmark started. Identical runs, steps and verdict "
             f"across worker counts: {'yes' if section['identical'] else '**no**'}.", "",
             "| workers | runs | steps | wall s | CPU s | speed-up | per worker |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for row in section["rows"]:
        lines.append(f"| {row['workers']} | {row['runs']} | {row['steps']} | {row['wall_seconds']} | "
                     f"{row['cpu_seconds']} | {row['speed_up']} | {row['speed_up_per_worker']} |")
    verdict = met(section)
    if verdict is not None:
        lines += ["", f"Target: the `ci` check within {TARGET_WALL_SECONDS} s wall with 2 workers: "
                  f"{'met' if verdict else '**missed**'}."]
    return lines
