"""Independent tasks (a check's chunks of runs, the exhaustive explorer's scopes, mutants) run in this process, in
local worker processes, or on an existing Dask distributed cluster; their results come back in a fixed order.

:func:`map_ordered` calls ``fn(item, context)`` for every item and returns the results by item index, so what a
caller merges never depends on how many workers there were or which finished first. With ``until``, the first item
(by index) whose result satisfies it ends the work: items after it are cancelled (those running are told through
``context.cancelled()`` and drop out at their next check) while those before it still run, because one of them may
satisfy it too. A task reports progress through ``context.report(runs, steps)``.

Dask is imported only when an address is given (``pip install 'kubeproof[dask]'``); tasks and their items must then
be importable and picklable on the workers.
"""

from __future__ import annotations

import _thread
import concurrent.futures
import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import Any, Generic, TypeVar

import attrs

from properties import interrupts

T = TypeVar("T")
R = TypeVar("R")
NO_LIMIT = 2**31 - 1
POLL_SECONDS = 0.2
"""How often the coordinator looks at the workers' progress, the clock and signals while it waits."""
DASK_POLL_SECONDS = 1.0
"""How often a task on a Dask worker asks the scheduler whether it should stop (a network round trip)."""
GRACE_SECONDS = 5.0
"""How long, once stopped, the coordinator waits for running tasks to hand back what they have before it ends
them."""


@attrs.frozen
class Workers:
    """Where tasks run: ``count`` local processes (1: this process, as before workers existed), or the Dask cluster
    whose scheduler is at ``dask`` (then ``count`` is ignored)."""

    count: int = 1
    dask: str | None = None

    def describe(self) -> str:
        if self.dask:
            return f"Dask cluster {self.dask}"
        return "this process" if self.count <= 1 else f"{self.count} local processes"


IN_PROCESS = Workers()
"""This process only."""


def default_count() -> int:
    """The cores this process may use (its CPU affinity where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows
        return os.cpu_count() or 1


class Context:
    """What a task sees of the coordinator: whether to stop, and where progress goes."""

    def __init__(self, index: int, limit: Callable[[], int], deadline: float | None,
                 report: Callable[[int, int], None]) -> None:
        self.index = index
        self._limit = limit
        self._deadline = deadline
        self._report = report

    def cancelled(self) -> bool:
        """Whether the task should stop now: an earlier item already settled the answer, the time limit passed, or
        the user interrupted."""
        if interrupts.received() is not None:
            return True
        if self._deadline is not None and time.time() >= self._deadline:
            return True
        return self._limit() <= self.index

    def report(self, runs: int, steps: int) -> None:
        """Add ``runs`` finished runs and ``steps`` steps to the progress shown."""
        self._report(runs, steps)


@attrs.frozen
class Mapped(Generic[R]):
    """What :func:`map_ordered` gives: ``results[i]`` for each item ``i`` up to the first that satisfied ``until``
    (or all), None for an item that never ran; ``stopped`` is why the work ended early ("interrupted", "time"),
    or None."""

    results: tuple[R | None, ...]
    stopped: str | None = None
    reported: tuple[int, int] = (0, 0)
    """The runs and steps tasks reported, including those of tasks stopped before they handed back a result."""


def map_ordered(fn: Callable[[T, Context], R], items: Sequence[T], workers: Workers = IN_PROCESS, *,
                until: Callable[[R], bool] | None = None, deadline: float | None = None,
                progress: Callable[[int, int, int], None] | None = None,
                counts: Callable[[R], tuple[int, int]] | None = None) -> Mapped[R]:
    """Run ``fn`` on every item and give the results in item order (see the module docstring). ``deadline`` is a
    ``time.time()`` after which tasks stop; ``progress(runs, steps, found)`` receives the totals reported so far and
    how many results satisfied ``until`` (on a Dask cluster, where tasks cannot stream reports, ``counts(result)``
    gives each finished task's totals instead)."""
    if workers.dask:
        backend: _Backend = _Dask(workers.dask)
    elif workers.count > 1 and len(items) > 1:
        backend = _Processes(min(workers.count, len(items)))
    else:
        backend = _Serial()
    return _Coordinator(backend, until, deadline, progress, counts).run(fn, items)


class _Coordinator:
    """Submits every item, then gathers results until every item up to the cut (the first satisfying ``until``) is
    in, the time is up, or a signal arrives."""

    def __init__(self, backend: _Backend, until: Callable[[Any], bool] | None, deadline: float | None,
                 progress: Callable[[int, int, int], None] | None,
                 counts: Callable[[Any], tuple[int, int]] | None) -> None:
        self.backend, self.until, self.deadline, self.progress, self.counts = backend, until, deadline, progress, counts
        self.found = 0
        backend.on_report = self._show

    def run(self, fn: Callable[[Any, Context], Any], items: Sequence[Any]) -> Mapped[Any]:
        results: dict[int, Any] = {}
        cut, stopped = len(items) - 1, None
        with self.backend:
            self.backend.submit(fn, items, self.deadline)
            try:
                while any(i not in results for i in range(cut + 1)):
                    stopped = stopped or self._why_stop()
                    if stopped:
                        self.backend.stop()
                        self._drain(results, time.monotonic() + GRACE_SECONDS)
                        break
                    for index, result in self.backend.finished(POLL_SECONDS):
                        results[index] = result
                        satisfied = result is not None and self.until is not None and self.until(result)
                        self.found += satisfied
                        if satisfied and index < cut:
                            cut = index
                            self.backend.cut(index + 1)
                    self._show()
            except interrupts.Interrupted:
                stopped = "interrupted"
                with interrupts.deferred():
                    self.backend.stop()
                    self._drain(results, time.monotonic() + GRACE_SECONDS)
            self._show()
        if stopped is None and any(i not in results for i in range(cut + 1)):
            stopped = "interrupted"
        return Mapped(tuple(results.get(i) for i in range(cut + 1)), stopped, self.backend.totals(self.counts))

    def _why_stop(self) -> str | None:
        if interrupts.received() is not None:
            return "interrupted"
        if self.deadline is not None and time.time() >= self.deadline:
            return "time"
        return None

    def _drain(self, results: dict[int, Any], until: float) -> None:
        """Collect what running tasks hand back once told to stop, for a while."""
        while self.backend.running() and time.monotonic() < until:
            for index, result in self.backend.finished(POLL_SECONDS):
                results[index] = result

    def _show(self) -> None:
        if self.progress is not None:
            self.progress(*self.backend.totals(self.counts), self.found)


class _Backend:
    """One way of running tasks; a context manager that releases its workers on exit."""

    def __init__(self) -> None:
        self.on_report: Callable[[], None] = lambda: None

    def __enter__(self) -> _Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[[Any, Context], Any], items: Sequence[Any], deadline: float | None) -> None:
        raise NotImplementedError

    def finished(self, wait: float) -> list[tuple[int, Any]]:
        """Results that arrived (waiting up to ``wait`` seconds for one)."""
        raise NotImplementedError

    def cut(self, limit: int) -> None:
        """Items from ``limit`` on are no longer needed."""
        raise NotImplementedError

    def stop(self) -> None:
        self.cut(0)

    def running(self) -> bool:
        raise NotImplementedError

    def totals(self, counts: Callable[[Any], tuple[int, int]] | None) -> tuple[int, int]:
        raise NotImplementedError


class _Serial(_Backend):
    """This process, one item after another, in order (so ``until`` never runs an item it will discard)."""

    def __init__(self) -> None:
        super().__init__()
        self.limit = NO_LIMIT
        self.reported = [0, 0]

    def submit(self, fn: Callable[[Any, Context], Any], items: Sequence[Any], deadline: float | None) -> None:
        self.fn, self.items, self.deadline, self.next = fn, items, deadline, 0

    def _report(self, runs: int, steps: int) -> None:
        self.reported[0] += runs
        self.reported[1] += steps
        self.on_report()

    def finished(self, wait: float) -> list[tuple[int, Any]]:
        index = self.next
        if index >= min(self.limit, len(self.items)):
            return []
        self.next += 1
        context = Context(index, lambda: self.limit, self.deadline, self._report)
        try:
            with _alarm(self.deadline):
                return [(index, self.fn(self.items[index], context))]
        except interrupts.Stopped:  # a task that does not keep partial results itself: it gave nothing
            return [(index, None)]

    def cut(self, limit: int) -> None:
        self.limit = min(self.limit, limit)

    def running(self) -> bool:
        return False

    def totals(self, counts: Callable[[Any], tuple[int, int]] | None) -> tuple[int, int]:
        return self.reported[0], self.reported[1]


def _out_of_time(signum: int, frame: object) -> None:
    raise interrupts.Stopped("time limit")


@contextlib.contextmanager
def _alarm(deadline: float | None) -> Iterator[None]:
    """Within the block, reaching ``deadline`` stops the task mid-run (SIGALRM, where the platform has it and this is
    the main thread); elsewhere tasks stop at their next check between runs."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if deadline is None or not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.time(), 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_SHARED: dict[str, Any] = {}
"""In a worker process: the coordinator's shared limit and progress counters (set by :func:`_worker_init`; each
worker process has its own copy of this module)."""


def _worker_init(limit: Any, runs: Any, steps: Any) -> None:
    # SIGINT stops the task at once (sent by the task's watcher, or by a terminal's Ctrl-C, which reaches the whole
    # process group): the task hands back what it has and the coordinator decides what happens next
    signal.signal(signal.SIGINT, _stop_task)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _SHARED.update(limit=limit, runs=runs, steps=steps, armed=False)


def _stop_task(signum: int, frame: FrameType | None) -> None:
    if _SHARED.get("armed") and not interrupts.in_gc_callback(frame):  # else the watcher sends it again
        _SHARED["armed"] = False
        raise interrupts.Stopped("cancelled by the coordinator")


def _shared_report(runs: int, steps: int) -> None:
    with _SHARED["runs"].get_lock():
        _SHARED["runs"].value += runs
    with _SHARED["steps"].get_lock():
        _SHARED["steps"].value += steps


class _Watcher:
    """While a task runs in a worker process, a thread that stops it mid-run (through SIGINT, see
    :func:`_worker_init`) once its context is cancelled, rather than at its next check between runs."""

    def __init__(self, context: Context) -> None:
        self.context, self.done = context, threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.done.wait(POLL_SECONDS):
            if self.context.cancelled() and _SHARED.get("armed"):
                _thread.interrupt_main(signal.SIGINT)

    def __enter__(self) -> None:
        _SHARED["armed"] = True
        self.thread.start()

    def __exit__(self, *exc: object) -> None:
        _SHARED["armed"] = False
        self.done.set()
        self.thread.join()


def _in_process(fn: Callable[[Any, Context], Any], index: int, item: Any, deadline: float | None) -> tuple[int, Any]:
    context = Context(index, lambda: _SHARED["limit"].value, deadline, _shared_report)
    result = None
    if context.cancelled():
        return index, result
    try:
        with _Watcher(context):
            result = fn(item, context)
    except interrupts.Stopped:  # stopped outside the task's own handling: what it did is in the shared counters
        pass
    return index, result


class _Processes(_Backend):
    """``count`` local worker processes (forked where the platform allows, so they start with the model loaded). A
    worker that dies breaks the pool, which is reported as an error rather than waited for."""

    def __init__(self, count: int) -> None:
        super().__init__()
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.limit = context.Value("l", NO_LIMIT)
        self.runs, self.steps = context.Value("q", 0), context.Value("q", 0)
        self.pool = concurrent.futures.ProcessPoolExecutor(count, context, _worker_init,
                                                           (self.limit, self.runs, self.steps))
        self.arrived: queue.Queue[concurrent.futures.Future] = queue.Queue()
        self.waiting: set[int] = set()

    def __exit__(self, *exc: object) -> None:
        self.cut(0)  # running tasks see it within POLL_SECONDS and return; queued ones are dropped
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, fn: Callable[[Any, Context], Any], items: Sequence[Any], deadline: float | None) -> None:
        for index, item in enumerate(items):
            self.waiting.add(index)
            self.pool.submit(_in_process, fn, index, item, deadline).add_done_callback(self.arrived.put)

    def finished(self, wait: float) -> list[tuple[int, Any]]:
        done = []
        try:
            done.append(self.arrived.get(timeout=wait))
            while True:
                done.append(self.arrived.get_nowait())
        except queue.Empty:
            pass
        got = [future.result() for future in done if not future.cancelled()]
        for index, _ in got:
            self.waiting.discard(index)
        return [(i, r) for i, r in got if r is not None]

    def cut(self, limit: int) -> None:
        with self.limit.get_lock():
            self.limit.value = min(self.limit.value, limit)
        self.waiting = {i for i in self.waiting if i < limit}

    def running(self) -> bool:
        return bool(self.waiting)

    def totals(self, counts: Callable[[Any], tuple[int, int]] | None) -> tuple[int, int]:
        return self.runs.value, self.steps.value


def _on_dask(fn: Callable[[Any, Context], Any], index: int, item: Any, deadline: float | None,
             variable: str) -> Any:
    """A task on a Dask worker: it asks the cluster's variable ``variable`` (the coordinator's limit), at most every
    DASK_POLL_SECONDS, whether it should stop."""
    import warnings

    from distributed import Variable

    # the worker's own threads use the random module while Hypothesis draws, which Hypothesis would warn about
    warnings.filterwarnings("ignore", message="Do not use the `random` module inside strategies")
    shared, last = Variable(variable), [0.0, NO_LIMIT]

    def limit() -> int:
        now = time.monotonic()
        if now - last[0] >= DASK_POLL_SECONDS:
            with contextlib.suppress(Exception):  # a slow scheduler: keep the last answer, ask again later
                last[1] = int(shared.get(timeout=10))
            last[0] = now
        return int(last[1])

    return fn(item, Context(index, limit, deadline, lambda runs, steps: None))


class _Dask(_Backend):
    """An existing Dask distributed cluster (its scheduler's address)."""

    def __init__(self, address: str) -> None:
        super().__init__()
        import uuid

        from distributed import Client, Variable

        self.client = Client(address, set_as_default=False)
        self.name = f"kubeproof-limit-{uuid.uuid4().hex}"
        self.variable = Variable(self.name, client=self.client)
        self.variable.set(NO_LIMIT)
        self.futures: dict[Any, int] = {}
        self.collected: list[Any] = []

    def __exit__(self, *exc: object) -> None:
        # the variable stays (at 0): a task still running on a worker reads it at its next check and stops, where a
        # deleted one would leave it waiting for the variable to reappear
        self.variable.set(0)
        self.client.cancel(list(self.futures))
        self.client.close()

    def submit(self, fn: Callable[[Any, Context], Any], items: Sequence[Any], deadline: float | None) -> None:
        futures = [self.client.submit(_on_dask, fn, i, item, deadline, self.name, pure=False)
                   for i, item in enumerate(items)]
        self.futures = {f: i for i, f in enumerate(futures)}

    def finished(self, wait: float) -> list[tuple[int, Any]]:
        got: list[tuple[int, Any]] = []
        deadline = time.monotonic() + wait
        while not got and self.futures:
            for future in [f for f in self.futures if f.done()]:
                got.append((self.futures.pop(future), future.result()))
            if got or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        self.collected += [r for _, r in got]
        return got

    def cut(self, limit: int) -> None:
        self.variable.set(min(int(self.variable.get()), limit))
        dropped = [f for f, i in self.futures.items() if i >= limit]
        for future in dropped:
            self.futures.pop(future)
        self.client.cancel(dropped)

    def running(self) -> bool:
        return bool(self.futures)

    def totals(self, counts: Callable[[Any], tuple[int, int]] | None) -> tuple[int, int]:
        if counts is None:
            return 0, 0
        pairs = [counts(r) for r in self.collected if r is not None]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
