"""``--max-seconds`` bounds the whole of ``kubeproof explore``: the search and the fair execution after it."""

from __future__ import annotations

import time

from properties.exhaustive import INCOMPLETE, Bounds
from properties.livelocks import LIVENESS, evict_recreate
from properties.registry import by_name
from properties.small_scope import Scope, explore


def test_fair_execution_after_the_search_stops_at_the_time_bound() -> None:
    """The search to depth 1 takes a fraction of the bound; fair execution from the evict/recreate loop's states runs
    for seconds without it (to the lasso it finds: ``kubeproof bench --explorer``)."""
    bound, scenario = 0.6, evict_recreate()  # built before the clock starts: a cold process takes its time
    started = time.process_time()
    result = explore(scenario, by_name(LIVENESS), Scope(user_budget=0, bounds=Bounds(max_depth=1,
                                                                                             max_seconds=bound)))
    spent = time.process_time() - started
    assert result.search.seconds < bound
    assert result.violation is None and result.status == INCOMPLETE
    assert result.search.bound == "seconds" and not result.search.exhausted
    assert any("time bound ran out during fair execution" in note for note in result.notes)
    assert spent < bound + 0.5

