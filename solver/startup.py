"""The command line's start-up time, measured from the shell: ``python -m solver.bench --startup``.

Each command runs ``repeat`` times in a fresh process (``python -m kubeproof ...``, as a user's shell would start
it): ``--help``; ``schedule --objective min-nodes`` on the hetero 20 pods x 8 nodes instance written as
Deployments and Nodes; ``validate`` of the same two manifests. Reported: the fastest and the median wall time,
and the median CPU time of the process (what a loaded machine does not inflate), against the targets (under 1 s
for ``--help`` and ``schedule``, under 0.5 s for ``validate``).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from solver.families import hetero

TARGETS = {"help": 1.0, "schedule 20x8": 1.0, "validate": 0.5}


def _commands(folder: Path) -> dict[str, list[str]]:
    workload = hetero(20, 8, 0)
    cluster, pods = folder / "cluster.yaml", folder / "workloads.yaml"
    cluster.write_text(yaml.safe_dump_all([o.to_dict() for o in workload.cluster]))
    pods.write_text(yaml.safe_dump_all([o.to_dict() for o in workload.to_place]))
    kubeproof = [sys.executable, "-m", "kubeproof"]
    return {"help": [*kubeproof, "--help"],
            "schedule 20x8": [*kubeproof, "schedule", str(pods), "--cluster", str(cluster), "--objective",
                              "min-nodes", "--timeout", "60"],
            "validate": [*kubeproof, "validate", str(cluster), str(pods)]}


def _time(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run; RuntimeError when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(repeat: int) -> list[dict[str, object]]:
    """Each command's figures over ``repeat`` fresh processes."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, argv in _commands(Path(folder)).items():
            runs = [_time(argv) for _ in range(repeat)]
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            rows.append({"command": name, "fastest": round(min(walls), 3), "median": round(statistics.median(walls), 3),
                         "cpu": round(statistics.median(cpus), 3), "target": TARGETS[name]})
    return rows


def startup_main(repeat: int, out: str, command: str, machine: str) -> int:
    if repeat < 1:
        print("solver.bench: --repeat must be at least 1", file=sys.stderr)
        return 2
    rows = measure(repeat)
    lines = [f"Command: `{command}`", "", f"Machine: {machine}.", "",
             "| command | fastest wall s | median wall s | median CPU s | target s | met (CPU) |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        met = "met" if row["cpu"] <= row["target"] else "NOT met"
        lines.append(f"| {row['command']} | {row['fastest']:.2f} | {row['median']:.2f} | {row['cpu']:.2f} | "
                     f"{row['target']:.1f} | {met} |")
    print("\n".join(lines))
    if out:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "startup.md").write_text("# Command-line start-up\n\n" + "\n".join(lines) + "\n")
        (folder / "startup.json").write_text(json.dumps({"command": command, "machine": machine, "runs": rows},
                                                        indent=1) + "\n")
    return 0
