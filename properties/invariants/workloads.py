"""What the workload controllers guarantee about the pods they own."""

from __future__ import annotations

import re
from typing import Any

from model.config import ModelConfig
from model.controllers.base import Reconcile
from model.objects import Pod
from model.state import ClusterState
from properties.registry import invariant, step_property

REPLICA_CONTROLLERS = {"replicaset-controller": "ReplicaSet", "replication-controller": "ReplicationController"}


def _live(pod: Pod) -> bool:
    return not pod.is_terminated and pod.metadata.deletion_timestamp is None


def _owned(state: ClusterState, owner: Any) -> list[Pod]:
    uid = owner.metadata.uid
    return [p for p in state.store.list("Pod", owner.namespace)
            if (ref := p.metadata.controller_ref()) is not None and ref.uid == uid]


def _created_pods(step: Any) -> bool:
    return any(r.reason == "Created" and getattr(r.object, "kind", None) == "Pod" for r in step.result.responses)


@step_property(
    "replicaset-never-exceeds-replicas",
    "When the ReplicaSet (or ReplicationController) controller creates pods, the live pods it owns never exceed "
    "the spec.replicas it acted on.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#how-a-replicaset-works",
)
def replicaset_bound(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    action = step.action
    if not isinstance(action, Reconcile) or action.controller not in REPLICA_CONTROLLERS:
        return []
    if not _created_pods(step):
        return []
    kind = REPLICA_CONTROLLERS[action.controller]
    seen = before.informer(action.controller).cache.get(kind, *action.key)
    owner = after.store.get(kind, *action.key)
    if owner is None or seen is None or seen.metadata.uid != owner.metadata.uid:
        return []
    # The controller sized its creates by the replicas it had observed (its informer may lag a user's scale).
    wanted = seen.spec.replicas
    live = [p for p in _owned(after, owner) if _live(p)]
    if len(live) > wanted:
        return [f"{kind} {owner.namespace}/{owner.name} owns {len(live)} live pods for replicas {wanted}: "
                f"{', '.join(sorted(p.name for p in live))}"]
    return []


@step_property(
    "job-respects-parallelism",
    "When the Job controller creates pods, the Job's active pods never exceed its parallelism.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/job/#controlling-parallelism",
)
def job_parallelism(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    action = step.action
    if not isinstance(action, Reconcile) or action.controller != "job-controller" or not _created_pods(step):
        return []
    job = after.store.get("Job", *action.key)
    if job is None:
        return []
    active = [p for p in _owned(after, job) if _live(p)]
    if len(active) > (job.spec.parallelism or 0):
        return [f"Job {job.namespace}/{job.name} runs {len(active)} active pods for parallelism "
                f"{job.spec.parallelism}"]
    return []


@invariant(
    "job-succeeded-within-completions",
    "A Job never counts more succeeded pods than its completions.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode",
    store_only=True,
)
def job_completions(state: ClusterState, config: ModelConfig) -> list[str]:
    return [f"Job {job.namespace}/{job.name} counts {job.status.succeeded} succeeded pods for completions "
            f"{job.spec.completions}"
            for job in state.store.list("Job")
            if job.spec.completions is not None and job.status.succeeded > job.spec.completions]


@invariant(
    "daemonset-one-pod-per-node",
    "A DaemonSet never has two live pods on one node, except a surge pod of a newer revision during a rolling "
    "update with maxSurge.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    store_only=True,
)
def daemonset_one_per_node(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for ds in state.store.list("DaemonSet"):
        surge = ds.spec.update_strategy.rolling_update
        allows_surge = surge is not None and surge.max_surge not in (0, "0%")
        per_node: dict[str, list[Pod]] = {}
        for pod in _owned(state, ds):
            if _live(pod) and pod.node_name:
                per_node.setdefault(pod.node_name, []).append(pod)
        for node, pods in sorted(per_node.items()):
            revisions = {p.labels.get("controller-revision-hash") for p in pods}
            if len(pods) > 1 and not (allows_surge and len(pods) == 2 and len(revisions) == 2):
                messages.append(f"DaemonSet {ds.namespace}/{ds.name} has {len(pods)} pods on node {node}: "
                                f"{', '.join(sorted(p.name for p in pods))}")
    return messages


def _identity(name: str, sets: set[str]) -> str | None:
    match = re.fullmatch(r"(.+)-(\d+)", name)
    return match.group(1) if match and match.group(1) in sets else None


@invariant(
    "statefulset-at-most-one-pod-per-identity",
    "No two pods with one StatefulSet identity (name-ordinal) ever run at the same time, on any nodes.",
    "https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/#statefulset-considerations",
    reads=frozenset({"store", "nodes"}),
)
def statefulset_identity(state: ClusterState, config: ModelConfig) -> list[str]:
    sets: dict[str, set[str]] = {}
    for sts in state.store.list("StatefulSet"):
        sets.setdefault(sts.namespace, set()).add(sts.name)
    running: dict[tuple[str, str], list[str]] = {}
    for node, runtime in sorted(state.nodes.items()):
        for pod in runtime.pods.values():
            if pod.any_running and _identity(pod.name, sets.get(pod.namespace, set())) is not None:
                running.setdefault((pod.namespace, pod.name), []).append(f"{node} (uid {pod.uid})")
    return [f"StatefulSet identity {ns}/{name} runs twice: on {' and '.join(where)}"
            for (ns, name), where in sorted(running.items()) if len(where) > 1]


@invariant(
    "statefulset-stable-storage",
    "The pod for StatefulSet ordinal k always mounts the claims <template>-<set>-<k>.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage",
    store_only=True,
)
def statefulset_storage(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for sts in state.store.list("StatefulSet"):
        templates = [t.metadata.name for t in sts.spec.volume_claim_templates]
        for pod in _owned(state, sts):
            ordinal = pod.name.rsplit("-", 1)[-1]
            claims = {v.name: v.persistent_volume_claim.claim_name for v in pod.spec.volumes
                      if v.persistent_volume_claim is not None}
            for template in templates:
                expected = f"{template}-{sts.name}-{ordinal}"
                if claims.get(template) != expected:
                    messages.append(f"pod {pod.namespace}/{pod.name} mounts {claims.get(template)} as {template}, "
                                    f"not {expected}")
    return messages
