"""Timestamps relative to now, for the explorer's canonical keys: two states that differ only by a shift of every
absolute time get the same key.

**Which values are times.** The model's clock is ``ClusterState.time`` (whole seconds); every absolute time it stores
is a copy of it, or a copy plus a duration, in one of these places (the registry below; ``tests/properties/
test_relative_time.py`` checks it is complete over random runs of every bundled scenario, see *Soundness*):

- API objects (``model/objects``): every field declared as a metav1.Time (``model.schema.TIMESTAMP``:
  ``metadata.creationTimestamp`` / ``deletionTimestamp``, conditions' ``lastTransitionTime`` /
  ``lastHeartbeatTime``, a pod's ``status.startTime``, the HPA's ``lastScaleTime``, metrics' ``timestamp``, a
  taint's ``timeAdded``, ...), a Job's ``startTime`` / ``completionTime``, a PodDisruptionBudget's ``disruptedPods``
  (pod name -> time); and in the raw-map fields (Deployment/ReplicaSet/HPA/Job conditions, a container status's
  ``state``) every key named like upstream's metav1.Time fields: ``...Time``, ``...Timestamp``, ``startedAt``,
  ``finishedAt``.
- The kubelets' runtimes: a node's ``last_heartbeat``, a pod's ``reported_at``, a container's ``started_at`` /
  ``finished_at`` (its ``backoff`` is a duration).
- Controller memory and work queues: a queued :class:`~model.controllers.base.Timer`'s ``at`` and every requeue time
  in ``Informer.delayed``; expectations' ``timestamp``; node lifecycle's ``NodeHealth`` (``probe``, and
  ``heartbeat``, a copy of the node's heartbeat) and its zones' next ``tokens``; taint eviction's
  ``ScheduledEviction`` (``created``, ``fire_at``); the DaemonSet failed-pods back-off's ``last_update``; the Job
  back-off record's ``last_failure_time``; the HPA's recommendations and scale events (``at``); the scheduler's
  ``backoff`` expiries, ``unschedulable`` / ``arrival`` times and PreBind ``since``; the descheduler's ``next`` run;
  a running ``kubectl drain``'s start and the times its refused evictions are sent again
  (``model.maintenance.DrainProcess``).

**The key.** :class:`properties.canonical.Canonicaliser` takes each of those ints ``t`` as an atom labelled
``t - now`` (the clock itself is labelled 0), so a state and its shift by any ``d`` get one key; :class:`Shifter` is
the shift itself (the tests compare the two). A time held as a string (an RFC 3339 timestamp written in a manifest) is
read by the model as an absolute time (``_seconds`` parses it; some readers take it as 0), so a state holding one
keeps its absolute clock in the key (sound, just no merging).

**Soundness.** Merging ``s`` with ``s + d`` (every time shifted by ``d``) is sound when the model is
translation-invariant: every step commutes with the shift (``step(s + d, a + d) == step(s, a) + d``, and the enabled
actions of ``s + d`` are those of ``s`` shifted), so the two futures are the same up to the shift and every property
judges them alike (properties compare times with each other or with now, never with a constant). The model only
ever adds durations to times, subtracts times, compares them, or stores now (``model.deadlines`` lists every deadline:
each is a stored time plus a duration); the ReplicaSet's logarithmic scale-down ranks pods by ``log2`` of their age
``now - t`` (pkg/controller/controller_utils.go ``ActivePodsWithRanks``), still a function of differences. The test
checks the commutation step by step over random runs (a field missed here that holds a copy of the clock, or a
reader that compares a time with a constant, breaks it).

**No collapse of old times.** Times older than every deadline are *not* merged into one "long ago": the ReplicaSet's
logarithmic scale-down compares the ``floor(log2)`` of two pods' ages (creation and Ready transition times) with no
bound on the age, so two settled pods whose ages differ keep crossing power-of-two boundaries at different moments,
and no finite abstraction of old times keeps that future; likewise a kubelet's back-off reset compares
``finished_at - started_at`` with 10 minutes whatever their age. A state whose times grow without bound (the clock
ticking over heartbeats in a settled cluster) therefore still has infinitely many keys, and such a scope is not
exhausted with the model's clock (``--clock frozen`` and ``properties.timers_last`` are the scopes that end).
"""

from __future__ import annotations

import functools
from typing import Any

import attrs

from model.controllers.base import Context, Timer
from model.controllers.daemonset import BackoffEntry
from model.controllers.job import BackoffRecord
from model.controllers.node_lifecycle import NodeHealth
from model.controllers.replicaset import ControlleeExpectations
from model.controllers.taint_eviction import ScheduledEviction
from model.frozendict import FrozenDict
from model.informers import Informer
from model.kubelet.runtime import ContainerRuntime, NodeRuntime, PodRuntime
from model.maintenance import DrainProcess
from model.memo import IdentityMemo
from model.objects.disruption import PodDisruptionBudgetStatus
from model.objects.workloads import JobStatus
from model.podautoscaler.horizontal import Recommendation, ScaleEvent
from model.podautoscaler.replica_calculator import PodMetric
from model.scheduler.volume_binding import PreBinding
from model.schema import TIMESTAMP
from model.state import ClusterState

TIME_FIELDS: dict[type, frozenset[str]] = {cls: frozenset(names) for cls, names in {
    ClusterState: ("time",),
    JobStatus: ("start_time", "completion_time"),
    NodeRuntime: ("last_heartbeat",),
    PodRuntime: ("reported_at",),
    ContainerRuntime: ("started_at", "finished_at"),
    Timer: ("at",),
    Context: ("now",),
    ControlleeExpectations: ("timestamp",),
    NodeHealth: ("probe", "heartbeat"),
    ScheduledEviction: ("created", "fire_at"),
    BackoffEntry: ("last_update",),
    BackoffRecord: ("last_failure_time",),
    Recommendation: ("at",),
    ScaleEvent: ("at",),
    PodMetric: ("timestamp",),
    PreBinding: ("since",),
    DrainProcess: ("started",),
}.items()}
"""attrs class -> its fields holding an absolute time (int, or None for none), besides every API object field
declared as a metav1.Time (``model.schema.TIMESTAMP``), found by :func:`time_fields`. (A Job's ``startTime`` and
``completionTime`` are declared RAW.)"""
TIME_MAPS: dict[type, frozenset[str]] = {
    Informer: frozenset({"delayed"}),
    PodDisruptionBudgetStatus: frozenset({"disrupted_pods"}),
    DrainProcess: frozenset({"retry_at"}),
}
"""attrs class -> its map fields whose values are absolute times."""
MEMORY_TIMES = frozenset({"backoff", "unschedulable", "arrival", "tokens", "next"})
"""Keys of a component's memory holding a time (``next``: the descheduler) or a map to times (the scheduler's
``backoff``, ``unschedulable``, ``arrival``; node lifecycle's ``tokens``). Only these components use those keys."""
_RAW_SUFFIXES = ("Time", "Timestamp")
_RAW_NAMES = frozenset({"startedAt", "finishedAt"})


class _Absolute(Exception):
    """A time held as a string: the state cannot be shifted (it keeps its absolute clock)."""


@functools.cache
def time_fields(cls: type) -> frozenset[str]:
    """``cls``'s fields holding an absolute time: those of :data:`TIME_FIELDS` and its ``TIMESTAMP`` fields."""
    declared = {f.name for f in attrs.fields(cls) if f.metadata.get("codec") is TIMESTAMP}
    return TIME_FIELDS.get(cls, frozenset()) | declared


TIME, TIME_MAP, TIME_MEMORY = "time", "time-map", "time-memory"


@functools.cache
def field_kinds(cls: type) -> dict[str, str]:
    """``cls``'s fields that hold times: name -> :data:`TIME` (a time), :data:`TIME_MAP` (a map to times) or
    :data:`TIME_MEMORY` (a component's memory: the keys of :data:`MEMORY_TIMES` hold times)."""
    kinds = dict.fromkeys(time_fields(cls), TIME)
    kinds.update(dict.fromkeys(TIME_MAPS.get(cls, ()), TIME_MAP))
    if cls is Informer:
        kinds["memory"] = TIME_MEMORY
    return kinds


def raw_time_key(key: Any) -> bool:
    """Whether a raw map's key names a time (upstream's metav1.Time fields: ``lastTransitionTime``, ``startedAt``)."""
    return isinstance(key, str) and (key.endswith(_RAW_SUFFIXES) or key in _RAW_NAMES)


class Shifter:
    """Shifts every absolute time of a value by a fixed amount (memoised by identity per amount, so the unchanged
    parts of successive states are shifted once)."""

    def __init__(self, memo_size: int = 200_000) -> None:
        self._memo = IdentityMemo(memo_size)

    def shift(self, value: Any, delta: int) -> Any:
        """``value`` with every absolute time moved by ``delta`` seconds (raises _Absolute on a string time)."""
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        cached = self._memo.get((value,), delta)
        if cached is not None:
            return cached
        result = self._compound(value, delta)
        self._memo.put((value,), delta, result)
        return result

    def _compound(self, value: Any, delta: int) -> Any:
        if isinstance(value, FrozenDict):
            return self._map(value, delta, raw=True)
        if isinstance(value, tuple):
            items = tuple(self.shift(v, delta) for v in value)
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        if isinstance(value, frozenset):
            return frozenset(self.shift(v, delta) for v in value)
        cls = type(value)
        if not attrs.has(cls):
            return value
        kinds = field_kinds(cls)
        changes = {}
        for field in attrs.fields(cls):
            if not field.init:
                continue
            old = getattr(value, field.name)
            kind = kinds.get(field.name)
            if kind == TIME:
                new = _moved(old, delta)
            elif kind == TIME_MAP:
                new = FrozenDict({k: _moved(t, delta) for k, t in old.items()})
            elif kind == TIME_MEMORY:
                new = self._memory(old, delta)
            else:
                new = self.shift(old, delta)
            if new is not old:
                changes[field.name] = new
        return attrs.evolve(value, **changes) if changes else value

    def _map(self, value: FrozenDict, delta: int, raw: bool) -> FrozenDict:
        changed = False
        items = {}
        for key, item in value.items():
            new = _moved(item, delta) if raw and raw_time_key(key) and not isinstance(item, FrozenDict) \
                else self.shift(item, delta)
            changed = changed or new is not item
            items[key] = new
        return FrozenDict(items) if changed else value

    def _memory(self, memory: FrozenDict, delta: int) -> FrozenDict:
        """A component's memory: the keys of :data:`MEMORY_TIMES` hold times, the rest is shifted as any value."""
        items = {}
        for key, item in memory.items():
            if key in MEMORY_TIMES:
                items[key] = FrozenDict({k: _moved(t, delta) for k, t in item.items()}) \
                    if isinstance(item, FrozenDict) else _moved(item, delta)
            else:
                items[key] = self.shift(item, delta)
        return FrozenDict(items)


def _moved(time: Any, delta: int) -> Any:
    if time is None or isinstance(time, bool):
        return time
    if isinstance(time, int):
        return time + delta
    if isinstance(time, str):
        raise _Absolute(time)
    raise TypeError(f"a time field holds a {type(time).__qualname__}: update properties.relative_time")
