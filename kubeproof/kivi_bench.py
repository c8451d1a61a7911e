"""``kubeproof bench --kivi``: time to decision for each of Kivi's eight cases (``properties.kivi``): the violating
manifests must be found violated, the "no violation" twin must hold. Seconds are CPU seconds of this process."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from kubeproof.render import write_report
from properties import kivi


def _timed(name: str, manifests: str, seed: int) -> tuple[kivi.Decision, float]:
    started = time.process_time()
    decision = kivi.decide(name, manifests, seed)
    return decision, round(time.process_time() - started, 2)


def measure(seed: int, note: Any) -> list[dict[str, Any]]:
    rows = []
    for name, description in kivi.CASES:
        if name in kivi.NOT_WRITTEN:
            rows.append({"case": name, "description": description, "written": False,
                         "why": kivi.NOT_WRITTEN[name]})
            continue
        note(f"Kivi {name.upper()}")
        found, found_cpu = _timed(name, "violated", seed)
        held, held_cpu = _timed(name, "holds", seed)
        rows.append({"case": name, "description": description, "written": True,
                     "folder": str(kivi.directory(name)), "violated": found.violated, "violated_cpu_seconds": found_cpu,
                     "twin_violated": held.violated, "twin_cpu_seconds": held_cpu})
    return rows


def markdown(rows: list[dict[str, Any]], seed: int) -> str:
    lines = ["# Kivi's eight cases: time to decision", "",
             f"`kubeproof bench --kivi` (seed {seed}; {platform.platform(terse=True)}, {os.cpu_count()} cores, load "
             f"average {' '.join(f'{x:.1f}' for x in os.getloadavg())}). CPU seconds of one process. Each case's "
             "violating manifests are decided as `tests/examples/test_kivi.py` decides them (`properties.kivi`): "
             "C3, C5, C7, C8 by one `kubeproof check --spec` run (C6 by the `ci` profile), C1 (Kivi's load drop), C2 "
             "and C4 by their fixed sequence of events with the intents checked at every step; the twin is decided "
             "the same way (C1's, without the drop, by one run).", "",
             "| case | Kivi's failure | verdict (violating) | CPU s | twin | CPU s |", "|---|---|---|---:|---|---:|"]
    notes = []
    for r in rows:
        if not r["written"]:
            lines.append(f"| {r['case'].upper()} | {r['description']} | not written (below) | - | - | - |")
            notes.append(f"{r['case'].upper()} is not written: {r['why']}.")
            continue
        verdict = f"violated: `{r['violated']}`" if r["violated"] else "**not found**"
        twin = "held" if r["twin_violated"] is None else f"**violated**: `{r['twin_violated']}`"
        lines.append(f"| {r['case'].upper()} | {r['description']} | {verdict} | {r['violated_cpu_seconds']} | {twin} "
                     f"| {r['twin_cpu_seconds']} |")
    return "\n".join([*lines, "", *notes]) + "\n"


def cmd_bench_kivi(args: argparse.Namespace, note: Any) -> int:
    rows = measure(args.seed, note)
    text = markdown(rows, args.seed)
    write_report(Path(args.output_dir), "kivi", text, rows)
    print(json.dumps(rows, indent=1) if args.json else text)
    return 0
