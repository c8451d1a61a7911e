"""The deadline clock: the earliest future model time at which any component has something new to do.

Every timer of the model is one of these (the clock's :class:`model.actions.Tick` jumps straight to the earliest, so
a 300 s toleration costs one action instead of 300):

- kube-controller-manager's work queues (``k8s.io/client-go/util/workqueue``, delaying and rate-limiting queues):
  every controller expresses its waits as a queued :class:`model.controllers.base.Timer` (``AddAfter``) or a
  key's requeue delay (``AddRateLimited``, ``Result.requeue_after``). That covers the node monitor grace period and
  the eviction rate limiter's tokens (node lifecycle), taint-based eviction at toleration expiry, ReplicaSet /
  StatefulSet / DaemonSet ``minReadySeconds``, Deployment ``progressDeadlineSeconds``, Job
  ``activeDeadlineSeconds`` and pod-failure back-off, DaemonSet failed-pods back-off, the namespace deletion grace
  period, the ResourceQuota and PersistentVolume resync periods and every failed sync's back-off.
- Controller expectations (``pkg/controller/controller_utils.go``: ``ExpectationsTimeout``, 5 min): nothing
  enqueues a key when they expire, but a sync after expiry does what one before it would not, so their expiry is a
  time at which a queued reconcile starts to behave differently.
- The kubelet (``pkg/kubelet``): the node status heartbeat (``nodeStatusUpdateFrequency``) of a running, reachable
  node, and each terminated container's restart back-off (``may_restart_at``; the CrashLoopBackOff status changes
  then too).
- kube-scheduler (``pkg/scheduler/backend/queue/scheduling_queue.go``): a pod's back-off expiry, the 5 min flush
  of unschedulable pods (``podMaxInUnschedulablePodsDuration``) and VolumeBinding's PreBind timeout.
- metrics-server's next scrape (every 15 s while an HPA needs it, ``model.metrics_server``); the HPA controller's
  15 s sync period is a work-queue delay like any controller's.
- The descheduler's next cycle (every ``deschedulingInterval``, ``model.descheduler.component``).
- A running ``kubectl drain``'s next eviction retry (5 s after a 429) and its ``--timeout`` (``model.maintenance``).

Not timers in this model (so not deadlines): graceful deletion (the kubelet kills a deleted pod's containers at its
next sync rather than waiting out ``terminationGracePeriodSeconds``), probe periods (readiness changes are the
containers' own actions), kube-proxy (it syncs on every change) and the controller manager's 12-24 h informer
resync (:class:`model.controllers.manager.Resync`, taken only by fair execution once the cluster is idle), and the
kubelet status manager's re-send of a status the API server no longer holds (``model.kubelet.sync``, due
``RECONCILE_SECONDS`` after the last report): once due it stays due, so it is sent at the next deadline's time rather
than exactly then; the jump may delay it by up to one heartbeat period, never skip it.

Between two deadlines nothing the components do depends on the time, so jumping from one to the next loses no
behaviour; ``tests/model/test_deadlines.py`` checks that against one-second steps.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterator
from itertools import chain
from typing import Any

from model import maintenance, metrics_server
from model.config import ModelConfig
from model.controllers import base
from model.controllers.manager import BY_NAME
from model.controllers.replicaset import EXPECTATIONS_TIMEOUT, ControlleeExpectations, Expectations
from model.descheduler import component as descheduler
from model.informers import Informer
from model.kubelet.runtime import TERMINATED, NodeRuntime
from model.memo import IdentityMemo
from model.scheduler import component as scheduler
from model.scheduler import volume_binding as vb
from model.state import ClusterState


def next_deadline(state: ClusterState, config: ModelConfig, heartbeats: bool = True) -> int | None:
    """The earliest time after ``state.time`` at which a component waits to act (None: nothing waits); without
    ``heartbeats``, the kubelets' node status heartbeats are left out. The earliest of :func:`deadlines` after now,
    taken from each part's times (:func:`_parts`, sorted once per part)."""
    now, earliest = state.time, None
    for times in _parts(state, config, heartbeats):
        after = bisect_right(times, now)
        if after < len(times) and (earliest is None or times[after] < earliest):
            earliest = times[after]
    return earliest


_TIMES = IdentityMemo(2048)
"""A controller's or the scheduler's informer, or a node's runtime -> the sorted times it waits for (what
:func:`deadlines` yields for it): a step shares the parts it did not change with the state before it."""


def _sorted(part: Any, key: Hashable, times: Callable[[], Iterator[int]]) -> tuple[int, ...]:
    found = _TIMES.get((part,), key)
    if found is None:
        found = tuple(sorted(times()))
        _TIMES.put((part,), key, found)
    return found


def _parts(state: ClusterState, config: ModelConfig, heartbeats: bool) -> Iterator[tuple[int, ...]]:
    """:func:`deadlines` in parts, each a sorted tuple of times (memoised by the identity of the part it reads)."""
    for name in BY_NAME:
        informer = state.informers.get(name)
        if informer is not None:
            yield _sorted(informer, "controller", lambda i=informer: chain(_work_queue(i), _expectations(i.memory)))
    frequency = config.node_status_update_frequency
    for runtime in state.nodes.values():
        yield _sorted(runtime, (frequency, heartbeats), lambda r=runtime: _kubelet(r, config, heartbeats))
    informer = state.informers.get(scheduler.NAME)
    if informer is not None:
        yield _sorted(informer, "scheduler", lambda: _scheduler(informer))
    singles = (metrics_server.next_scrape(state), descheduler.next_run(state))
    yield tuple(sorted(chain((t for t in singles if t is not None), maintenance.deadlines(state))))


HEARTBEAT_MARGIN = 5
"""Seconds before the node monitor grace period runs out by which a healthy kubelet's heartbeat is written, so that
its watch delivery to the node lifecycle controller has a few one-second ticks to happen in (the clock moves one
second at a time while a watch is behind)."""


def heartbeat_limit(state: ClusterState, config: ModelConfig) -> int | None:
    """The latest time the clock may reach before a running, reachable kubelet renews its node status: its last
    heartbeat plus the node monitor grace period, less :data:`HEARTBEAT_MARGIN` (None: no such kubelet).

    A healthy kubelet renews every ``nodeStatusUpdateFrequency`` (10 s); whether the model takes that heartbeat
    10 s or 40 s after the last one changes nothing any component does, so the clock may jump over due heartbeats,
    but not over this limit: a clock jump must never stand for a kubelet silent past the grace period, which only a
    crash or a partition (faults, with their budgets) may cause (pkg/kubelet/kubelet_node_status.go
    ``syncNodeStatus``, pkg/controller/nodelifecycle ``tryUpdateNodeHealth``)."""
    limits = [runtime.last_heartbeat + config.node_monitor_grace_period - HEARTBEAT_MARGIN
              for name, runtime in state.nodes.items()
              if runtime.up and runtime.reachable and runtime.last_heartbeat is not None
              and state.store.get("Node", None, name) is not None]
    return min(limits, default=None)


def deadlines(state: ClusterState, config: ModelConfig, heartbeats: bool = True) -> Iterator[int]:
    """Every time some component waits for (past ones included; :func:`next_deadline` keeps the future ones)."""
    for name in BY_NAME:
        informer = state.informers.get(name)
        if informer is not None:
            yield from _work_queue(informer)
            yield from _expectations(informer.memory)
    for runtime in state.nodes.values():
        yield from _kubelet(runtime, config, heartbeats)
    informer = state.informers.get(scheduler.NAME)
    if informer is not None:
        yield from _scheduler(informer)
    scrape = metrics_server.next_scrape(state)
    if scrape is not None:
        yield scrape
    run = descheduler.next_run(state)
    if run is not None:
        yield run
    yield from maintenance.deadlines(state)


def _work_queue(informer: Informer) -> Iterator[int]:
    """A controller's queued timers (``AddAfter``) and the requeue delays of its queued keys (``AddRateLimited``)."""
    for entry in informer.queue:
        if isinstance(entry, base.Timer):
            yield entry.at
        elif entry in informer.delayed:
            yield informer.delayed[entry]


def _expectations(memory: Any) -> Iterator[int]:
    """When each unfulfilled ``ControlleeExpectations`` in a controller's memory expires (``expired``: strictly more
    than ``ExpectationsTimeout`` after it was set). The ReplicaSet and DaemonSet controllers keep an
    :class:`Expectations`; the Job controller its ``JobMemory.expectations``."""
    for value in memory.values():
        if isinstance(value, Expectations):
            entries: Any = value.counts.values()
        else:
            entries = getattr(value, "expectations", {}).values()
        for entry in entries:
            if isinstance(entry, ControlleeExpectations) and not entry.fulfilled():
                yield entry.timestamp + EXPECTATIONS_TIMEOUT + 1


def _kubelet(runtime: NodeRuntime, config: ModelConfig, heartbeats: bool) -> Iterator[int]:
    """A running node's next heartbeat (while it reaches the API server) and its containers' restart back-offs."""
    if not runtime.up:
        return
    if heartbeats and runtime.reachable and runtime.last_heartbeat is not None:
        yield runtime.last_heartbeat + config.node_status_update_frequency
    for pod in runtime.pods.values():
        for container in pod.init_containers + pod.containers:
            if container.state == TERMINATED:
                yield container.may_restart_at()


def _scheduler(informer: Informer) -> Iterator[int]:
    """Back-off expiries, the unschedulable pods' flush, and PreBind timeouts."""
    memory = informer.memory
    yield from memory.get("backoff", {}).values()
    yield from (since + scheduler.MAX_UNSCHEDULABLE_SECONDS for since in memory.get("unschedulable", {}).values())
    timeout = vb.bind_timeout(scheduler.DEFAULT_PROFILE)
    yield from (binding.since + timeout for binding in memory.get("prebind", {}).values())
