"""kube-scheduler: the scheduling framework, its profiles, and its Filter plugins (Score plugins live in
:mod:`model.scheduler.scoring`). Pure functions over a :class:`Snapshot` of the cluster."""

from model.scheduler.framework import explain, feasible, schedule
from model.scheduler.preemption import preempt
from model.scheduler.profile import Profile, load_profiles
from model.scheduler.snapshot import Snapshot

__all__ = ["Profile", "Snapshot", "explain", "feasible", "load_profiles", "preempt", "schedule"]
