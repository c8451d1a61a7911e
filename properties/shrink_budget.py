"""A time budget for shrinking (``kubeproof check --shrink-seconds``): a violation already found must not be held
back for minutes while it is made shorter. Hypothesis's own shrink phase stops at its ``MAX_SHRINKING_SECONDS``
(300 s by default; lowered here for the run), the 1-minimal pass (``properties.minimise``) at the same deadline;
either way the best counterexample so far is kept and marked not minimal."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hypothesis.internal.conjecture import engine


@contextlib.contextmanager
def hypothesis_shrink_limit(seconds: float | None) -> Iterator[None]:
    """Let Hypothesis shrink for at most ``seconds`` (None: its default) during the block."""
    if seconds is None:
        yield
        return
    saved = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = seconds  # type: ignore[assignment] - read by each run's shrink phase
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = saved
