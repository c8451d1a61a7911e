"""A check split into fixed chunks of runs, so that workers can share it and the answer does not depend on how many
there are.

A profile's runs are cut into chunks of :data:`CHUNK_RUNS`; chunk ``i`` is its own Hypothesis search with a seed
derived from the check's seed and ``i`` (:func:`chunk_seed`) and no example database, so it explores the same runs
wherever and whenever it runs. Chunks go through ``properties.workers`` and are merged in chunk order: the violation
reported is the one of the first chunk (by index) that found one, chunks after it are cancelled, and that one run is
shrunk once, here, by searching that chunk again with shrinking (Hypothesis finds the same run first, then shrinks
it). Runs and steps count every chunk up to it. So the same seed and profile give the same verdicts, counts and
trace with one worker, several, or a Dask cluster.

A scenario that does not start settled is checked from both starts: even-numbered chunks begin from the
manifests (workloads still being created, so faults strike before pods are Ready), odd-numbered ones from the settled
cluster (``Scenario.settled``: workloads up, so users and faults act on a running system; its user budget is
:data:`SETTLED_BUDGET_FACTOR` times the scenario's). The trace records the
start its violation was found from (``initial.settled``), so replay builds the same initial state.

The price of chunking: each chunk's search starts over with Hypothesis's simplest run, so a profile of ``n`` runs
repeats that run once per chunk (one run in CHUNK_RUNS).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence

import attrs

from properties.check import CheckResult, Profile, run
from properties.explore import Scenario
from properties.interrupts import Stopped
from properties.registry import Property
from properties.workers import IN_PROCESS, Context, Workers, map_ordered

CHUNK_RUNS = 10
"""Runs per chunk: small enough that two or more workers share even the ``dev`` profile's 20 runs and that a chunk
cancelled mid-way wastes little, large enough that Hypothesis's per-search start (its simplest run first) stays a
small share."""

SETTLED_BUDGET_FACTOR = 2
"""The settled start's user budget, as a multiple of the scenario's: from the manifests the user's first moves go on
the cluster's configuration before any workload exists, from the settled cluster every move meets running
workloads. Measured on the bundled scenario (the ``ci`` profile's 50 settled runs, moves drawn by
``properties.users.by_kind``): with a budget of three, 106 moves, three of them a ``kubectl set image`` of a
Deployment and three a stale precondition delete; with six, 208 moves, six and ten."""


def chunk_seed(seed: int, index: int) -> int:
    """The seed of chunk ``index`` of a check with ``seed``: a hash, so neighbouring chunks are unrelated."""
    digest = hashlib.blake2b(f"kubeproof-chunk:{seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 2**32


@attrs.frozen
class Chunk:
    """One chunk's search: everything a worker needs (picklable)."""

    index: int
    seed: int
    profile: Profile
    scenario: Scenario
    properties: tuple[Property, ...]


def plan(scenario: Scenario, properties: Sequence[Property], profile: Profile, seed: int) -> list[Chunk]:
    """The chunks of a check, in order: ``profile.examples`` runs in chunks of CHUNK_RUNS (the last may be smaller),
    alternately from the manifests and from the settled cluster unless the scenario already starts settled."""
    sizes = [min(CHUNK_RUNS, profile.examples - start) for start in range(0, profile.examples, CHUNK_RUNS)]
    starts = (scenario,) if scenario.settled else \
        (scenario, attrs.evolve(scenario, settled=True, user_budget=SETTLED_BUDGET_FACTOR * scenario.user_budget))
    return [Chunk(i, chunk_seed(seed, i), Profile(f"{profile.name}/{i}", size, profile.steps), starts[i % len(starts)],
                  tuple(properties)) for i, size in enumerate(sizes)]


def search(chunk: Chunk, context: Context) -> CheckResult:
    """A worker's task: the chunk's runs without shrinking, stopping early when the context says so."""
    return run(chunk.scenario, chunk.properties, chunk.profile, chunk.seed, shrink=False,
               on_run=lambda steps: context.report(1, steps), stop=context.cancelled)


def _counts(result: CheckResult) -> tuple[int, int]:
    return result.examples, result.steps


def check(scenario: Scenario, properties: Sequence[Property], profile: Profile, seed: int = 0,
          workers: Workers = IN_PROCESS, shrink: bool = True, max_seconds: float | None = None,
          progress: Callable[[int, int, int], None] | None = None,
          shrink_seconds: float | None = None) -> CheckResult:
    """Explore ``scenario`` with ``profile`` on ``workers`` (see the module docstring). ``max_seconds`` bounds the
    wall-clock time; a search cut short by it or by a signal is marked incomplete and keeps any violation found.
    ``shrink_seconds`` bounds the shrinking of a violation (see :func:`properties.check.run`).
    ``progress(runs, steps, violations)`` receives the totals so far."""
    started = time.perf_counter()
    deadline = None if max_seconds is None else time.time() + max_seconds
    chunks = plan(scenario, properties, profile, seed)
    mapped = map_ordered(search, chunks, workers, until=lambda r: r.violation is not None, deadline=deadline,
                         progress=progress, counts=_counts)
    found = next((i for i, r in enumerate(mapped.results) if r is not None and r.violation is not None), None)
    # Chunks after the first violating one count for nothing, even those another worker finished before it was
    # cancelled: otherwise the counts would depend on the worker count.
    counted = mapped.results if found is None else mapped.results[:found + 1]
    results = [r for r in counted if r is not None]
    complete = mapped.stopped is None and all(r is not None and r.complete for r in counted)
    violation = None if found is None else mapped.results[found].violation
    examples, steps = sum(r.examples for r in results), sum(r.steps for r in results)
    if not complete:  # stopped chunks may not have handed back their counts: what they reported counts instead
        examples, steps = max(examples, mapped.reported[0]), max(steps, mapped.reported[1])
    if violation is not None and shrink and mapped.stopped is None:
        try:
            shrunk = run(chunks[found].scenario, properties, chunks[found].profile, chunks[found].seed,
                         stop=lambda: deadline is not None and time.time() >= deadline,
                         shrink_seconds=shrink_seconds)
        except Stopped:  # interrupted while making the run 1-minimal: keep the run as found
            shrunk, complete = None, False
        if shrunk is not None and shrunk.violation is not None:
            examples += shrunk.examples - mapped.results[found].examples
            steps += shrunk.steps - mapped.results[found].steps
            violation = shrunk.violation
        elif shrunk is not None:
            complete = False
    start = None if found is None else chunks[found].scenario
    return CheckResult(examples, steps, time.perf_counter() - started, violation, complete, start)
