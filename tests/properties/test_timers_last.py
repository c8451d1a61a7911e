"""properties.timers_last: a violation found with the clock frozen is a real one, and the full scope searched to one
step less proves it a shortest trace (the same length plain breadth-first search finds)."""

from __future__ import annotations

import pytest

from properties.exhaustive import Bounds
from properties.registry import by_name
from properties.small_scope import Scope, explore
from properties.timers_last import explore_timers_last
from properties.variants import BY_NAME


@pytest.mark.parametrize("name", ["stale-quota-apiservers", "daemonset-bypasses-scheduler"])
def test_the_timer_free_trace_is_proven_shortest_and_as_long_as_breadth_first_search_finds(name: str) -> None:
    chosen = BY_NAME[name]
    scope = Scope(user_budget=chosen.user_budget, kubectl=chosen.kubectl, liveness=False,
                  bounds=Bounds(max_seconds=30))
    properties = by_name([chosen.property])
    two = explore_timers_last(chosen.scenario(), properties, scope)
    plain = explore(chosen.scenario(), properties, scope)
    assert two.result.violation is not None and plain.violation is not None
    assert two.proven
    assert len(two.result.violation.transitions) == len(plain.violation.transitions)
    assert two.result.violation.violation.property == chosen.property
    assert "shortest" in two.notes[0]


def test_when_the_time_runs_out_in_the_full_scope_the_trace_stands_unproven() -> None:
    """force-delete-partitioned: 9 steps without timers in about a second; the full scope to depth 8 takes minutes."""
    chosen = BY_NAME["force-delete-partitioned"]
    scope = Scope(user_budget=chosen.user_budget, kubectl=chosen.kubectl, liveness=False,
                  bounds=Bounds(max_seconds=3))
    two = explore_timers_last(chosen.scenario(), by_name([chosen.property]), scope)
    assert two.result.violation is not None and not two.proven
    assert two.full is not None and two.full.search.bound == "seconds"
    assert "not proven" in two.notes[0]
