"""The container runtime's restart back-off and writable layer.

Upstream: pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff: a restart is held back while
IsInBackOffSince(finishedAt), otherwise Backoff.Next advances the entry and the container starts),
staging/src/k8s.io/client-go/util/flowcontrol/backoff.go (Next: 10 s initial entry, doubled, capped at
MaxContainerBackOff = 300 s; hasExpired: an entry last advanced more than 2 x 300 s before the event is
forgotten). So the first restart after an exit is immediate and later ones wait 10, 20, 40 ... 300 s.
Doc: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts
"""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from model.kubelet.runtime import BACKOFF_RESET, INITIAL_BACKOFF, MAX_BACKOFF, ContainerRuntime


def crash_loop(run_for: int, crashes: int) -> list[int]:
    """Start a container, then ``crashes`` times: let it run ``run_for`` s, crash, restart as soon as allowed.
    Returns each wait between an exit and the restart."""
    c, now, waits = ContainerRuntime("app").start(0), 0, []
    for _ in range(crashes):
        now += run_for
        c = c.stop(now, 1, "Error")
        waits.append(c.may_restart_at() - now)
        now = c.may_restart_at()
        c = c.start(now)
    return waits


def test_first_restart_is_immediate_then_10_20_40_capped_at_300() -> None:
    assert crash_loop(run_for=1, crashes=9) == [0, 10, 20, 40, 80, 160, 300, 300, 300]


def test_restart_count_counts_restarts_not_the_first_start() -> None:
    c = ContainerRuntime("app").start(0)
    assert c.restart_count == 0
    for expected in (1, 2, 3):
        c = c.stop(5, 1, "Error").start(c.stop(5, 1, "Error").may_restart_at())
        assert c.restart_count == expected


def test_a_container_that_ran_longer_than_ten_minutes_restarts_its_back_off() -> None:
    """hasExpired: the entry was advanced at the last restart; an exit more than 600 s later forgets it, so the
    restart is immediate and the next entry is the initial 10 s."""
    c = ContainerRuntime("app").start(0)
    for _ in range(5):  # back-off grows to 160 s
        c = c.stop(c.started_at + 1, 1, "Error")
        c = c.start(c.may_restart_at())
    assert c.backoff == 160
    c = c.stop(c.started_at + BACKOFF_RESET + 1, 1, "Error")
    assert c.may_restart_at() == c.finished_at
    assert c.start(c.finished_at).backoff == INITIAL_BACKOFF


def test_exactly_ten_minutes_is_not_long_enough_to_reset() -> None:
    c = ContainerRuntime("app").start(0)
    c = c.stop(1, 1, "Error").start(1)  # entry 10 s, advanced at t=1
    c = c.stop(1 + BACKOFF_RESET, 1, "Error")
    assert c.may_restart_at() == c.finished_at + INITIAL_BACKOFF


def test_a_restart_gets_a_fresh_writable_layer() -> None:
    c = ContainerRuntime("app").start(0)
    c = attrs.evolve(c, disk=frozenset({"t"})).stop(3, 1, "Error")
    assert c.disk == {"t"}
    assert c.start(3).disk == frozenset()


@given(st.lists(st.integers(0, 2 * BACKOFF_RESET), min_size=1, max_size=12))
def test_back_off_is_never_negative_nor_above_the_cap(runs: list[int]) -> None:
    c, now = ContainerRuntime("app").start(0), 0
    for ran in runs:
        now += ran
        c = c.stop(now, 1, "Error")
        wait = c.may_restart_at() - now
        assert 0 <= wait <= MAX_BACKOFF
        assert wait == 0 or ran <= BACKOFF_RESET
        now = c.may_restart_at()
        c = c.start(now)
        assert INITIAL_BACKOFF <= c.backoff <= MAX_BACKOFF
