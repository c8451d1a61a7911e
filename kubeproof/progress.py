"""Progress of a long check on stderr: a live ``rich`` bar on a terminal, one plain line every 30 s otherwise (CI
logs). stdout is never touched, so ``--json`` output stays clean."""

from __future__ import annotations

import sys
import time
from typing import IO, Any

PLAIN_EVERY_SECONDS = 30.0
"""How often a plain progress line is printed when stderr is not a terminal (the first at once)."""


def _figures(planned: int, runs: int, steps: int, violations: int, elapsed: float) -> str:
    rate = steps / elapsed if elapsed > 0 else 0.0
    left = "?" if runs == 0 else f"~{max(0.0, elapsed * (planned - runs) / runs):.0f}s"
    return (f"{runs}/{planned} runs, {steps:,} steps ({rate:,.0f} steps/s), {violations} violated, "
            f"{elapsed:.0f}s elapsed, {left} left")


class Progress:
    """A context manager whose ``update(runs, steps, violations)`` shows how far a check of ``planned`` runs got."""

    def __init__(self, planned: int, label: str, stream: IO[str] | None = None, live: bool | None = None,
                 every: float = PLAIN_EVERY_SECONDS) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.planned, self.label, self.every = planned, label, every
        self.started = time.monotonic()
        self.last = self.started - every  # the first update prints at once: the log shows the check has begun
        self.bar: Any = None
        self.latest = (0, 0, 0)

    def __enter__(self) -> Progress:
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[figures]}"),
                           console=Console(file=self.stream), transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task(self.label, total=self.planned, figures="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def update(self, runs: int, steps: int, violations: int) -> None:
        self.latest = (runs, steps, violations)
        now = time.monotonic()
        if self.bar is not None:
            self.bar.update(self.task, completed=min(runs, self.planned),
                            figures=_figures(self.planned, runs, steps, violations, now - self.started))
        elif now - self.last >= self.every:
            self.last = now
            self._line()

    def _line(self) -> None:
        figures = _figures(self.planned, *self.latest, time.monotonic() - self.started)
        print(f"{self.label}: {figures}", file=self.stream, flush=True)
