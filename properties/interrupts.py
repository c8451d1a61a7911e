"""Ctrl-C (SIGINT) and SIGTERM during a long command: stop the work, keep what was found, exit 130 or 143.

:func:`handling` installs handlers for the duration of a command. The first signal is recorded and raised in the main
thread as :class:`Interrupted`, a ``KeyboardInterrupt`` (so a ``BaseException``), so neither the model nor Hypothesis
(which treats ``Exception`` as a test failure to shrink and report) can catch it as an ordinary error; the command
catches it where it can still report its results so far, marked incomplete. A second signal while the results are
being written is only recorded, so that writing is not cut short. A signal that arrives within a garbage-collector
callback, where Python would print and drop the exception, is delivered again a moment later.

Long loops that would rather stop between two steps than be unwound (the exhaustive explorer's breadth-first levels,
a worker pool's wait) ask :func:`received` instead.
"""

from __future__ import annotations

import _thread
import gc
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""The shell's convention: 128 + the signal number."""
REDELIVER_SECONDS = 0.05


class Stopped(BaseException):
    """Work was asked to stop before its end (an interrupt, a time limit, or another worker's find made it moot)."""


class Interrupted(Stopped, KeyboardInterrupt):
    """The user (SIGINT) or the system (SIGTERM) stopped the command. A ``KeyboardInterrupt`` too, so code that must
    not depend on ``properties`` (the solver's comparison) can keep its results so far by catching that."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(signal.Signals(self.signum), 128 + self.signum)


class _Received:
    """The signal received while handlers are installed (None: none yet), whether to raise it, and whether it was."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.raising = True
        self.raised = False


_STATE = _Received()
"""The process's one record of a received signal: signal handlers are per process, so this is too."""


def received() -> int | None:
    """The signal received since :func:`handling` was entered, or None."""
    return _STATE.signum


def exit_code() -> int | None:
    """The exit code the received signal calls for, or None."""
    return None if _STATE.signum is None else Interrupted(_STATE.signum).exit_code


def in_gc_callback(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs within a garbage-collector callback (Hypothesis installs one), where an exception is
    printed and dropped ("Exception ignored in ...") instead of propagating."""
    callbacks = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in callbacks:
            return True
        frame = frame.f_back
    return False


def raise_soon(signum: int) -> None:
    """Deliver ``signum`` to the main thread again shortly (a handler that must not raise where it was called)."""
    threading.Timer(REDELIVER_SECONDS, _thread.interrupt_main, (signum,)).start()


def _handle(signum: int, frame: FrameType | None) -> None:
    _STATE.signum = _STATE.signum or signum
    if not _STATE.raising or _STATE.raised:
        return
    if in_gc_callback(frame):
        raise_soon(signum)
        return
    _STATE.raised = True
    raise Interrupted(_STATE.signum)


@contextmanager
def handling() -> Iterator[None]:
    """Record SIGINT and SIGTERM (raising :class:`Interrupted` at the first) until the block ends; outside the main
    thread (where Python cannot install handlers) nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _handle) for s in EXIT_CODES}
    _STATE.signum, _STATE.raising, _STATE.raised = None, True, False
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block a signal is only recorded, not raised (writing the results of an interrupted command)."""
    raising, _STATE.raising = _STATE.raising, False
    try:
        yield
    finally:
        _STATE.raising = raising
