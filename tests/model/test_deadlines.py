"""model.deadlines and the deadline clock: the clock jumps to the next time a component waits for, and nothing any
component does changes between now and that deadline (checked against the states one-second ticks would reach)."""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import ForceDeletePod, Tick
from model.config import ModelConfig
from model.deadlines import HEARTBEAT_MARGIN, heartbeat_limit, next_deadline
from model.kubelet.component import (
    ContainerBecomesReady,
    ContainerExit,
    CrashNode,
    KubeletSyncPod,
    NodeHeartbeat,
    RecoverNode,
)
from model.manifests import load_text
from model.state import ClusterState
from properties.variants import DEPLOYMENT, NODES

CONFIG = ModelConfig(faults=frozenset({"node-crash", "container-crash"}))
OBJECTS = tuple(load_text(NODES, "nodes") + load_text(DEPLOYMENT.replace("replicas: 3", "replicas: 2"), "web"))
INITIAL = cluster.initial_state(OBJECTS)


def _at(state: ClusterState, time: int) -> ClusterState:
    """``state`` with the clock at ``time`` (what one-second ticks reach when nothing else acts)."""
    return attrs.evolve(state, time=time)


def _observed(state: ClusterState, action: object) -> tuple:
    """What an action does, without the times it writes: its responses' codes and its watch events' types and keys."""
    step = cluster.step(state, action, CONFIG)
    return (tuple(r.code for r in step.responses), tuple((e.type, e.key) for e in step.events),
            tuple(sorted(step.state.nodes)))


def _behaviour(state: ClusterState) -> dict:
    """Every enabled action but the clock's, with what it does."""
    return {a: _observed(state, a) for a in cluster.enabled(state, CONFIG) if not isinstance(a, Tick)}


def _walk(choices: list[int]) -> ClusterState:
    state = INITIAL
    for choice in choices:
        actions = cluster.enabled(state, CONFIG)
        state = cluster.apply(state, actions[choice % len(actions)], CONFIG)
    return state


def test_the_clock_jumps_to_the_next_heartbeat_and_then_to_the_node_monitor_grace_period() -> None:
    state = INITIAL
    while (actions := [a for a in cluster.enabled(state, CONFIG)
                       if not isinstance(a, (Tick, CrashNode)) and "Container" not in type(a).__name__]):
        state = cluster.apply(state, actions[0], CONFIG)
    heartbeat = max(r.last_heartbeat for r in state.nodes.values())
    assert next_deadline(state, CONFIG) == heartbeat + CONFIG.node_status_update_frequency
    (tick,) = [a for a in cluster.enabled(state, CONFIG) if isinstance(a, Tick)]
    assert state.time + tick.seconds == next_deadline(state, CONFIG)
    # Both nodes down: no heartbeat is due any more; the node lifecycle controller's grace period is what waits.
    for node in state.nodes:
        state = cluster.apply(state, CrashNode(node), CONFIG)
    deadline = next_deadline(state, CONFIG)
    assert deadline == heartbeat + CONFIG.node_monitor_grace_period + 1
    state = cluster.apply(state, cluster.clock_tick(state, CONFIG), CONFIG)
    assert state.time == deadline
    assert any(type(a).__name__ == "Reconcile" and a.controller == "node-controller"
               for a in cluster.enabled(state, CONFIG))


def test_with_nothing_waiting_the_clock_moves_one_second() -> None:
    state = cluster.initial_state(())  # no nodes; the controllers' initial syncs do not wait for time
    assert next_deadline(state, CONFIG) is None
    assert cluster.clock_tick(state, CONFIG) == Tick(1)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 10_000), max_size=60), st.integers(0, 10_000))
def test_nothing_changes_between_now_and_the_next_deadline(choices: list[int], pick: int) -> None:
    """Every action enabled one second before the deadline (or long after now, when nothing waits) is enabled now
    and does the same; so a jump to the deadline reaches what one-second ticks would, and skips nothing."""
    state = _walk(choices)
    deadline = next_deadline(state, CONFIG)
    later = state.time + 900 if deadline is None else deadline - 1
    if later <= state.time:
        return
    middle = state.time + 1 + pick % (later - state.time)
    now = _behaviour(state)
    assert _behaviour(_at(state, later)) == now
    assert _behaviour(_at(state, middle)) == now


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 10_000), max_size=40))
def test_a_jump_reaches_the_state_one_second_ticks_reach(choices: list[int]) -> None:
    state = _walk(choices)
    jumped = cluster.apply(state, cluster.clock_tick(state, CONFIG), CONFIG)
    ticked = state
    while ticked.time < jumped.time:
        ticked = cluster.apply(ticked, Tick(1), CONFIG)
    assert ticked == jumped


def test_a_crashed_node_s_pods_are_evicted_after_a_few_jumps() -> None:
    """The 50 s grace period and 300 s toleration cost a few jumps: with only the clock and the components' own
    work, a crashed node's pod is evicted and replaced on the other node."""
    state = INITIAL
    for _ in range(400):
        actions = [a for a in cluster.enabled(state, CONFIG) if not isinstance(a, (Tick, CrashNode, RecoverNode))
                   and "Container" not in type(a).__name__]
        if not actions:
            break
        state = cluster.apply(state, actions[0], CONFIG)
    victim = state.store.list("Pod", "shop")[0].spec.node_name
    state = cluster.apply(state, CrashNode(victim), CONFIG)
    ticks = 0
    replaced = lambda s: [p.spec.node_name for p in s.store.list("Pod", "shop")  # noqa: E731
                          if p.metadata.deletion_timestamp is None] == [other, other]
    (other,) = set(state.nodes) - {victim}
    for _ in range(3000):
        actions = [a for a in cluster.enabled(state, CONFIG) if not isinstance(a, (Tick, CrashNode, RecoverNode))
                   and "Container" not in type(a).__name__ and not isinstance(a, ForceDeletePod)]
        if replaced(state):
            break
        if not actions:
            ticks += 1
            actions = [cluster.clock_tick(state, CONFIG)]
        state = cluster.apply(state, actions[0], CONFIG)
    assert replaced(state)  # the evicted pod stays Terminating on its node, as upstream, until the node is back
    assert state.time >= CONFIG.node_monitor_grace_period + CONFIG.default_toleration_seconds
    assert ticks < 60


SLOW_HEARTBEATS = attrs.evolve(CONFIG, node_status_update_frequency=40)


def test_a_crash_looping_container_s_back_off_is_a_deadline() -> None:
    """The first restart is immediate, the second waits the 10 s back-off: the clock jumps to its end, where the
    kubelet's sync restarting the container becomes enabled (and not a second earlier). Heartbeats are 40 s apart
    here, so the jump is the back-off's own."""
    def settle(state: ClusterState) -> ClusterState:
        for _ in range(200):
            actions = [a for a in cluster.enabled(state, SLOW_HEARTBEATS)
                       if not isinstance(a, (Tick, CrashNode, ContainerExit, ContainerBecomesReady))]
            if not actions:
                break
            state = cluster.apply(state, actions[0], SLOW_HEARTBEATS)
        return state

    state, crashed = INITIAL, None
    for _ in range(2):
        state = settle(state)
        crashed = next(a for a in cluster.enabled(state, SLOW_HEARTBEATS)
                       if isinstance(a, ContainerExit) and a.exit_code and (crashed is None or a.uid == crashed.uid))
        state = cluster.apply(state, crashed, SLOW_HEARTBEATS)
    state = settle(state)
    container = state.nodes[crashed.node].pods[crashed.uid].containers[0]
    assert container.restart_count == 1 and container.backoff > 0
    restart = container.may_restart_at()
    assert restart > state.time and next_deadline(state, SLOW_HEARTBEATS) <= restart
    syncs = lambda s: [a for a in cluster.enabled(s, SLOW_HEARTBEATS) if isinstance(a, KubeletSyncPod)]  # noqa: E731
    assert not syncs(_at(state, restart - 1)) and syncs(_at(state, restart))
    state = cluster.apply(state, cluster.clock_tick(state, SLOW_HEARTBEATS), SLOW_HEARTBEATS)
    assert state.time == restart


def test_the_clock_stops_at_the_scheduler_s_flush_of_an_unschedulable_pod() -> None:
    """A pod that fits nowhere is parked; 5 minutes later kube-scheduler's flush moves it back to the queue. Jumping
    with nothing else acting lands on that moment rather than past it."""
    from model.examples.intents import DIRECTORY
    from model.manifests import load
    from model.scheduler.component import MAX_UNSCHEDULABLE_SECONDS, NAME, FlushUnschedulable
    state = cluster.initial_state(load([DIRECTORY / "schedulable" / "violated.yaml"]))
    parked = lambda s: s.informer(NAME).memory.get("unschedulable", {})  # noqa: E731
    for _ in range(600):
        actions = [a for a in cluster.enabled(state) if not isinstance(a, Tick)]
        if not actions and parked(state):
            break
        state = cluster.apply(state, actions[0] if actions else cluster.clock_tick(state))
    (since,) = parked(state).values()
    flush = since + MAX_UNSCHEDULABLE_SECONDS
    visited = []
    while state.time < flush:
        tick = cluster.clock_tick(state)
        if tick.seconds == 0:  # the kubelets renew their node status before the clock may go on
            state = cluster.apply(state, next(a for a in cluster.enabled(state) if isinstance(a, NodeHeartbeat)))
            continue
        state = cluster.apply(state, tick)
        visited.append(state.time)
    assert flush in visited and FlushUnschedulable() in cluster.enabled(state)


def test_the_clock_never_jumps_past_a_healthy_kubelet_s_grace_period() -> None:
    """Ticks alone stop HEARTBEAT_MARGIN seconds before the node monitor grace period of the running node that
    renewed its status longest ago; the clock is not offered again until that kubelet's heartbeat is taken, so no
    clock jump stands for a silent kubelet (only a crash or a partition may)."""
    state = INITIAL
    for heartbeat in [a for a in cluster.enabled(state, CONFIG) if isinstance(a, NodeHeartbeat)]:
        state = cluster.apply(state, heartbeat, CONFIG)
    for _ in range(50):
        tick = cluster.clock_tick(state, CONFIG)
        if tick.seconds == 0:
            break
        state = cluster.apply(state, tick, CONFIG)
    oldest = min(r.last_heartbeat for r in state.nodes.values() if r.last_heartbeat is not None)
    assert state.time == heartbeat_limit(state, CONFIG) == oldest + CONFIG.node_monitor_grace_period - HEARTBEAT_MARGIN
    assert not [a for a in cluster.enabled(state, CONFIG) if isinstance(a, Tick)]
    heartbeats = [a for a in cluster.enabled(state, CONFIG) if isinstance(a, NodeHeartbeat)]
    assert heartbeats
    for heartbeat in heartbeats:
        state = cluster.apply(state, heartbeat, CONFIG)
    assert [a for a in cluster.enabled(state, CONFIG) if isinstance(a, Tick)]
