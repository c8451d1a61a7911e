"""The re-check every reported placement goes through: the model's own filters and quota admission.

Pods are bound one by one in queue order; before each is bound, kube-scheduler's PreFilter and Filter plugins
(the model's, with the instance's profile) must accept its node given the pods bound so far. In ``solver``
quota mode the placed new pods must then pass ResourceQuota admission in arrival order. Any disagreement is a
:class:`~solver.warm.SolverBug`: the encoding and the model are meant to be the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from model.admission import resourcequota
from model.objects import Node, Pod
from model.scheduler import Profile, Snapshot
from model.scheduler.framework import pre_filter, run_filters
from solver.instance import NEW, SOLVER, Instance
from solver.warm import SolverBug


def filter_reasons(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile) -> tuple[str, ...]:
    """RunPreFilterPlugins then RunFilterPlugins for one node: () when the node passes."""
    state = pre_filter(pod, snapshot, profile)
    if state.status is not None:
        return state.status.reasons
    if state.node_names is not None and node.name not in state.node_names:
        return state.absent_status.reasons
    status = run_filters(pod, node, snapshot, profile, state)
    return () if status is None else status.reasons


def unbound(pod: Pod) -> Pod:
    """The pod as the scheduler sees it before binding (a running pod being moved loses its node)."""
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=None)) if pod.spec.node_name else pod


def bind(pod: Pod, node: str) -> Pod:
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=node))


def verify(instance: Instance, placement: Mapping[int, str]) -> Snapshot:
    """Replay ``placement`` (pod index -> node) through the model; returns the final snapshot."""
    snapshot = instance.snapshot
    pods = list(snapshot.pods)
    for i, info in enumerate(instance.pods):
        node = placement.get(i)
        if node is None:
            continue
        pod = unbound(info.pod)
        reasons = filter_reasons(pod, snapshot.node(node), snapshot, instance.profile)
        if reasons:
            raise SolverBug(f"the model's filters reject {info.key} on {node}: {', '.join(reasons)}")
        pods.append(bind(pod, node))
        snapshot = snapshot.with_pods(pods)
    if instance.quota_mode == SOLVER:
        quotas = list(instance.quotas)
        for i, info in sorted(enumerate(instance.pods), key=lambda item: item[1].arrival):
            if info.origin != NEW or i not in placement:
                continue
            verdict = resourcequota.check(info.pod, quotas)
            if not verdict.allowed:
                raise SolverBug(f"ResourceQuota admission rejects placed pod {info.key}: {verdict.message}")
            raised = {q.metadata.name: q for q in verdict.quotas}
            quotas = [raised.get(q.metadata.name, q) if q.namespace == info.pod.namespace else q for q in quotas]
    return snapshot
