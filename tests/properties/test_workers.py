"""properties.workers and properties.chunks: results in item order whatever the workers, the first item that settles
the answer cancels the later ones, and a check gives the same verdict, counts and trace in one process, in two worker
processes and on a two-worker Dask LocalCluster."""

from __future__ import annotations

import json
import time

import pytest

from properties import trace
from properties.check import Profile
from properties.chunks import CHUNK_RUNS, check, chunk_seed, plan
from properties.registry import by_name
from properties.variants import variant
from properties.workers import Context, Workers, map_ordered

DEPLOYMENT = variant("deployment-ignores-max-unavailable")
TINY = Profile("tiny", 3 * CHUNK_RUNS, 30)
"""Three chunks of short runs: the variant's violation is found with :data:`SEED` (the runs a seed draws depend on the
user's commands, ``kubectl drain`` among them, and on how they are drawn, ``properties.users.by_kind``)."""
SEED = 0


def square_slowly(item: int, context: Context) -> int:
    """A task: the earlier the item, the later it finishes (so completion order is the reverse of item order)."""
    time.sleep(0.05 * (4 - item) if item < 4 else 0)
    context.report(1, item)
    return item * item


def stop_at_two(item: int, context: Context) -> int | None:
    """A task that stops at its first check once cancelled (item 2 settles the answer)."""
    for _ in range(10):
        if context.cancelled():
            return None
        time.sleep(0.02)
    return item


def test_results_come_back_in_item_order_whatever_the_workers() -> None:
    items = list(range(6))
    for workers in (Workers(1), Workers(3)):
        mapped = map_ordered(square_slowly, items, workers)
        assert mapped.results == (0, 1, 4, 9, 16, 25) and mapped.stopped is None
        assert mapped.reported == (6, sum(items))


def test_the_first_item_that_settles_the_answer_cancels_the_later_ones() -> None:
    for workers in (Workers(1), Workers(2)):
        mapped = map_ordered(stop_at_two, list(range(8)), workers, until=lambda r: r == 2)
        assert mapped.results == (0, 1, 2) and mapped.stopped is None


def test_a_deadline_stops_the_work_and_says_so() -> None:
    for workers in (Workers(1), Workers(2)):
        mapped = map_ordered(stop_at_two, list(range(4)), workers, deadline=time.time() + 0.3)
        assert mapped.stopped == "time" and None in mapped.results


def test_chunks_have_fixed_sizes_and_unrelated_seeds() -> None:
    chunks = plan(DEPLOYMENT.scenario(), by_name([DEPLOYMENT.property]), Profile("p", 25, 7), 5)
    assert [c.profile.examples for c in chunks] == [10, 10, 5] and {c.profile.steps for c in chunks} == {7}
    assert [c.seed for c in chunks] == [chunk_seed(5, i) for i in range(3)] and len({c.seed for c in chunks}) == 3
    assert chunk_seed(5, 0) != chunk_seed(6, 0)


def _outcome(workers: Workers) -> tuple:
    scenario, properties = DEPLOYMENT.scenario(), by_name([DEPLOYMENT.property])
    result = check(scenario, properties, TINY, SEED, workers)
    assert result.violation is not None and result.complete
    return result.examples, result.steps, json.dumps(trace.to_json(result.violation, scenario, SEED, DEPLOYMENT.name),
                                                     sort_keys=True)


def test_one_worker_and_two_give_the_same_runs_and_the_same_shrunk_trace() -> None:
    alone = _outcome(Workers(1))
    assert alone[0] < TINY.examples + 50  # the chunk after the violating one was not run
    assert _outcome(Workers(2)) == alone


def test_a_dask_local_cluster_gives_the_same_as_one_process() -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra (distributed) is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        assert _outcome(Workers(dask=lc.scheduler_address)) == _outcome(Workers(1))
