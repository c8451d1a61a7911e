"""Guarantees of the seed's objects that no other property states: the kubelet reports Ready only for what its
probes found ready, Job outcomes and back-off, StatefulSet ordering, quota release of terminal pods, a rollout's
surge bound, the garbage collector sparing owned objects, and adoption only of selected pods. Each judges the
component from what it wrote (the step's requests and responses) and the objects it acted on, with its own small
reading of the docs rather than the component's helpers.
"""

from __future__ import annotations

import re
from typing import Any

from model.apiserver import requests as rq
from model.auth.identity import node_identity
from model.config import ModelConfig
from model.controllers.base import Reconcile
from model.state import ClusterState
from properties.oracles import pod_request
from properties.registry import invariant, liveness, step_property


def _true(conditions: Any, type_: str) -> dict | None:
    """The condition of ``type_`` with status True (conditions as dicts or objects)."""
    for c in conditions or ():
        c = {"type": c.type, "status": c.status, "reason": c.reason} if hasattr(c, "type") else dict(c)
        if c.get("type") == type_ and c.get("status") == "True":
            return c
    return None


def _accepted(step: Any) -> list[tuple[Any, rq.Response]]:
    return [(r.request, r) for r in step.result.responses if r.ok and r.request is not None]


def _owned_by(pod: Any, uid: str) -> bool:
    ref = pod.metadata.controller_ref()
    return ref is not None and ref.uid == uid


def _running_and_ready(pod: Any) -> bool:
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions: phase Running and the Ready
    condition True."""
    return pod.status.phase == "Running" and _true(pod.status.conditions, "Ready") is not None


# --- kubelet readiness -------------------------------------------------------------------------------------------


@step_property(
    "kubelet-reports-ready-only-when-probed",
    "A kubelet reports a pod Ready only while its node's runtime runs every container of it and every container with "
    "a readiness probe has passed it (readiness judged from the runtime's probe results, not the posted status).",
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes",
)
def kubelet_ready_only_when_probed(before: ClusterState, step: Any, after: ClusterState,
                                   config: ModelConfig) -> list[str]:
    messages = []
    for request, _ in _accepted(step):
        node = node_identity(request.user)
        if node is None or not isinstance(request, rq.UpdateStatus) or request.object.kind != "Pod":
            continue
        pod = request.object
        if _true(pod.status.conditions, "Ready") is None:
            continue
        runtime = after.nodes.get(node)
        pod_runtime = None if runtime is None else runtime.pod(pod.metadata.uid)
        for container in pod.spec.containers:
            state = None if pod_runtime is None else pod_runtime.container(container.name)
            if state is None or not state.running or (container.readiness_probe is not None and not state.ready):
                messages.append(f"kubelet on {node} reported pod {pod.namespace}/{pod.name} Ready while its "
                                f"container {container.name} is "
                                f"{'not running' if state is None or not state.running else 'failing its probe'}")
                break
    return messages


# --- Jobs (https://kubernetes.io/docs/concepts/workloads/controllers/job/) ------------------------------------------


def _never_restarts(job: Any) -> bool:
    """restartPolicy Never: each failure is a failed pod (with OnFailure the back-off counts container restarts,
    which leave no trace once the Job's pods are gone)."""
    return job.spec.template.spec.restart_policy == "Never"


@invariant(
    "job-outcome-matches-counts",
    "A Job is never both Complete and Failed; Complete only with as many succeeded pods as completions (one, "
    "without completions), and (restartPolicy Never) Failed for BackoffLimitExceeded only with more failed pods "
    "than backoffLimit.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy",
    store_only=True,
)
def job_outcome(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for job in state.store.list("Job"):
        complete, failed = _true(job.status.conditions, "Complete"), _true(job.status.conditions, "Failed")
        where = f"Job {job.namespace}/{job.name}"
        succeeded, failures = job.status.succeeded or 0, job.status.failed or 0
        if complete and failed:
            messages.append(f"{where} is both Complete and Failed")
        elif complete and succeeded < (job.spec.completions or 1):
            messages.append(f"{where} is Complete with {succeeded} succeeded pods for completions "
                            f"{job.spec.completions}")
        elif failed and failed.get("reason") == "BackoffLimitExceeded" and _never_restarts(job) and \
                failures <= (6 if job.spec.backoff_limit is None else job.spec.backoff_limit):
            messages.append(f"{where} failed for BackoffLimitExceeded with {failures} failed pods for backoffLimit "
                            f"{job.spec.backoff_limit}")
    return messages


@step_property(
    "job-stops-at-backoff-limit",
    "The Job controller creates no new pod for a Job once more of its pods have failed than its backoffLimit.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy",
)
def job_backoff(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    action = step.action
    if not isinstance(action, Reconcile) or action.controller != "job-controller":
        return []
    job = before.store.get("Job", *action.key)
    created = [r for r, _ in _accepted(step) if isinstance(r, rq.Create) and r.object.kind == "Pod"]
    if job is None or not created or job.spec.backoff_limit_per_index is not None:
        return []
    limit = 6 if job.spec.backoff_limit is None else job.spec.backoff_limit
    failed = [p for p in before.store.list("Pod", job.namespace)
              if _owned_by(p, job.metadata.uid) and p.status.phase == "Failed"]
    if len(failed) > limit:
        return [f"Job {job.namespace}/{job.name} got a new pod after {len(failed)} of its pods failed "
                f"(backoffLimit {limit})"]
    return []


@liveness(
    "jobs-end-complete-without-failures",
    "In a run without faults, a Job (restartPolicy Never) none of whose pods failed is never Failed for back-off.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup",
)
def jobs_complete(state: ClusterState, config: ModelConfig) -> list[str]:
    if config.faults:
        return []
    messages = []
    for job in state.store.list("Job"):
        failed = _true(job.status.conditions, "Failed")
        any_failed = any(_owned_by(p, job.metadata.uid) and p.status.phase == "Failed"
                         for p in state.store.list("Pod", job.namespace))
        if failed and failed.get("reason") == "BackoffLimitExceeded" and _never_restarts(job) and not any_failed \
                and not job.status.failed:
            messages.append(f"Job {job.namespace}/{job.name} failed for BackoffLimitExceeded though none of its "
                            "pods failed")
    return messages


# --- StatefulSets (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/) ---------------------------


def _ordinal(sts: Any, pod: Any) -> int | None:
    match = re.fullmatch(rf"{re.escape(sts.name)}-(\d+)", pod.name)
    return int(match.group(1)) if match else None


def _set_pods(cache: Any, sts: Any) -> dict[int, Any]:
    return {k: p for p in cache.list("Pod", sts.namespace)
            if _owned_by(p, sts.metadata.uid) and (k := _ordinal(sts, p)) is not None}


def _ordered_ready_sync(before: ClusterState, step: Any) -> tuple[Any, dict[int, Any]] | None:
    """For a StatefulSet controller sync of an OrderedReady StatefulSet: the StatefulSet and its pods by ordinal, as
    the controller's informer had them (else None)."""
    action = step.action
    if not isinstance(action, Reconcile) or action.controller != "statefulset-controller":
        return None
    cache = before.informer(action.controller).cache
    sts = cache.get("StatefulSet", *action.key)
    if sts is None or sts.spec.pod_management_policy != "OrderedReady":
        return None
    return sts, _set_pods(cache, sts)


@step_property(
    "statefulset-ordered-startup",
    "Under OrderedReady, the StatefulSet controller creates pod k only when pods 0..k-1 are Running and Ready, and "
    "none of them terminating (as its informer has them; a terminating pod is on its way out: upstream "
    "stateful_set_control.go processReplica waits for its graceful deletion to complete).",
    "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees",
)
def statefulset_ordered_startup(before: ClusterState, step: Any, after: ClusterState,
                                config: ModelConfig) -> list[str]:
    seen = _ordered_ready_sync(before, step)
    if seen is None:
        return []
    sts, pods = seen
    messages = []
    for request, _ in _accepted(step):
        if not isinstance(request, rq.Create) or request.object.kind != "Pod":
            continue
        k = _ordinal(sts, request.object)
        waiting = [j for j in range(k or 0) if j not in pods or not _running_and_ready(pods[j])
                   or pods[j].metadata.deletion_timestamp is not None]
        if k is not None and waiting:
            messages.append(f"StatefulSet {sts.namespace}/{sts.name} created {request.object.name} before "
                            f"{', '.join(f'{sts.name}-{j}' for j in waiting)} was Running and Ready")
    return messages


@step_property(
    "statefulset-ordered-termination",
    "Under OrderedReady, the StatefulSet controller deletes a pod beyond spec.replicas only once every pod of a higher "
    "ordinal is gone (as its informer has them).",
    "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#deployment-and-scaling-guarantees",
)
def statefulset_ordered_termination(before: ClusterState, step: Any, after: ClusterState,
                                    config: ModelConfig) -> list[str]:
    seen = _ordered_ready_sync(before, step)
    if seen is None:
        return []
    sts, pods = seen
    messages = []
    for request, _ in _accepted(step):
        if not isinstance(request, rq.Delete) or request.kind != "Pod" or request.namespace != sts.namespace:
            continue
        k = next((j for j, p in pods.items() if p.name == request.name), None)
        if k is None or k < sts.spec.replicas:
            continue
        higher = sorted(j for j in pods if j > k)
        if higher:
            messages.append(f"StatefulSet {sts.namespace}/{sts.name} deleted {request.name} while "
                            f"{', '.join(f'{sts.name}-{j}' for j in higher)} still existed")
    return messages


@step_property(
    "statefulset-status-counts-ready-pods",
    "A status the StatefulSet controller writes counts as readyReplicas exactly the StatefulSet's pods (as its "
    "informer has them) that are Running with the Ready condition True (upstream stateful_set_utils.go "
    "isRunningAndReady, counted by computeReplicaStatus).",
    "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/stateful-set-v1/#StatefulSetStatus",
)
def statefulset_ready_count(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    action = step.action
    if not isinstance(action, Reconcile) or action.controller != "statefulset-controller":
        return []
    cache = before.informer(action.controller).cache
    messages = []
    for request, _ in _accepted(step):
        sts = request.object if isinstance(request, rq.UpdateStatus) else None
        if sts is None or sts.kind != "StatefulSet":
            continue
        ready = sorted(p.name for p in _set_pods(cache, sts).values() if _running_and_ready(p))
        if sts.status.ready_replicas != len(ready):
            messages.append(f"StatefulSet {sts.namespace}/{sts.name} reported readyReplicas "
                            f"{sts.status.ready_replicas} with {len(ready)} pods Running and Ready "
                            f"({', '.join(ready) or 'none'})")
    return messages


# --- quota release (https://kubernetes.io/docs/concepts/policy/resource-quotas/) --------------------------------------


def _charged(pod: Any, now: int) -> bool:
    """A pod counts against quota until it is terminal (Succeeded/Failed) or its deletion's grace period ran out."""
    deletion = pod.metadata.deletion_timestamp
    return pod.status.phase not in ("Succeeded", "Failed") and not (isinstance(deletion, int) and deletion <= now)


def _best_effort(pod: Any) -> bool:
    return not any(c.resources.requests or c.resources.limits for c in (*pod.spec.containers,
                                                                          *pod.spec.init_containers))


@liveness(
    "quota-releases-terminal-pods",
    "Once the cluster settles, every ResourceQuota's recorded usage of pods and compute requests equals what the "
    "namespace's pods that are not terminal (nor past their deletion) request: finished pods are released.",
    "https://kubernetes.io/docs/concepts/policy/resource-quotas/#compute-resource-quota",
)
def quota_released(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for quota in state.store.list("ResourceQuota"):
        scopes = set(quota.spec.scopes or ())
        if scopes - {"BestEffort", "NotBestEffort"} or quota.spec.scope_selector is not None:
            continue
        pods = [p for p in state.store.list("Pod", quota.namespace) if _charged(p, state.time)
                and ("BestEffort" not in scopes or _best_effort(p)) and ("NotBestEffort" not in scopes
                                                                          or not _best_effort(p))]
        for name, used in sorted(quota.status.used.items()):
            if name in ("pods", "count/pods"):
                expected = len(pods) * 10**9
            elif (name.startswith("requests.") and name != "requests.storage") or name in ("cpu", "memory"):
                resource = name.removeprefix("requests.")
                expected = sum(pod_request(p).get(resource, 0) for p in pods)
            else:
                continue
            if used.nano != expected:
                messages.append(f"ResourceQuota {quota.namespace}/{quota.name} records {name} used {used} but its "
                                f"live pods use {expected / 1e9:g}")
    return messages


# --- Deployments, garbage collection, adoption -----------------------------------------------------------------------


def _surge(deployment: Any) -> int:
    """#max-surge: an absolute number or a percentage of replicas rounded up (default 25%); 0 under Recreate."""
    strategy = deployment.spec.strategy
    if strategy.type != "RollingUpdate":
        return 0
    value = "25%" if strategy.max_surge is None else strategy.max_surge
    if isinstance(value, int):
        return value
    return -(-int(str(value).rstrip("%")) * deployment.spec.replicas // 100)


def _rs_total(state: ClusterState, deployment: Any, known: set[str]) -> int:
    return sum(rs.spec.replicas for rs in state.store.list("ReplicaSet", deployment.namespace)
               if _owned_by(rs, deployment.metadata.uid) and rs.metadata.uid in known)


@step_property(
    "rollout-within-max-surge",
    "The Deployment controller never raises the ReplicaSets it knows of (those in its informer, and those it writes) "
    "above spec.replicas + maxSurge in total, for the Deployment as its informer has it (a sync from a cache that "
    "has not seen a scale-down sizes the ReplicaSets for the replicas it saw, as upstream's does; the next sync "
    "corrects it).",
    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge",
)
def rollout_within_surge(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    action = step.action
    if not isinstance(action, Reconcile) or action.controller != "deployment-controller":
        return []
    deployment = after.store.get("Deployment", *action.key)
    if deployment is None:
        return []
    # A ReplicaSet its informer has not delivered yet is invisible to the controller (upstream reasons from its cache
    # too): the bound is on what it could see.
    known = {rs.metadata.uid for rs in before.informer(action.controller).cache.list("ReplicaSet",
                                                                                    deployment.namespace)}
    known |= {r.object.metadata.uid for r in step.result.responses
              if r.ok and getattr(r.object, "kind", None) == "ReplicaSet"}
    seen = before.informer(action.controller).cache.get("Deployment", *action.key) or deployment
    total, was = _rs_total(after, deployment, known), _rs_total(before, deployment, known)
    bound = seen.spec.replicas + _surge(seen)
    if total > was and total > bound:
        return [f"Deployment {deployment.namespace}/{deployment.name} raised its ReplicaSets to {total} replicas "
                f"(from {was}); replicas {seen.spec.replicas} with maxSurge {_surge(seen)} allows {bound}"]
    return []


@step_property(
    "gc-spares-owned-objects",
    "The garbage collector deletes an object only when none of its owners is still there and not being deleted.",
    "https://kubernetes.io/docs/concepts/architecture/garbage-collection/#owners-dependents",
)
def gc_spares_owned(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for request, response in _accepted(step):
        if not isinstance(request, rq.Delete) or request.user.name != "system:serviceaccount:kube-system:" \
                                                                      "generic-garbage-collector":
            continue
        obj = response.served.get(request.kind, request.namespace, request.name)
        for ref in () if obj is None else obj.metadata.owner_references:
            owners = [o for o in response.served.list(ref.kind, obj.namespace if obj.namespaced else None)
                      if o.metadata.uid == ref.uid] if obj.namespaced else \
                [o for o in response.served.list(ref.kind) if o.metadata.uid == ref.uid]
            if any(o.metadata.deletion_timestamp is None for o in owners):
                messages.append(f"the garbage collector deleted {request.kind} {request.namespace}/{request.name} "
                                f"while its owner {ref.kind} {ref.name} is alive")
    return messages


def _selects(selector: Any, labels: Any) -> bool:
    """https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors: every matchLabels
    pair present, every matchExpressions requirement met (a map, as a ReplicationController has, is matchLabels)."""
    if not hasattr(selector, "match_labels"):
        return all(labels.get(k) == v for k, v in selector.items())
    if any(labels.get(k) != v for k, v in selector.match_labels.items()):
        return False
    for e in selector.match_expressions:
        value = labels.get(e.key)
        ok = {"In": value is not None and value in e.values, "NotIn": value is None or value not in e.values,
              "Exists": value is not None, "DoesNotExist": value is None}[e.operator]
        if not ok:
            return False
    return True


@step_property(
    "controllers-adopt-only-selected-pods",
    "A controller adopts (adds its controller reference to) only pods its selector matches.",
    "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#non-template-pod-acquisitions",
)
def adopt_only_selected(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for request, response in _accepted(step):
        if not isinstance(request, rq.PatchOwnerReferences) or request.kind != "Pod":
            continue
        pod = response.served.get("Pod", request.namespace, request.name)
        for ref in request.add:
            if not ref.controller or pod is None or any(r.uid == ref.uid for r in pod.metadata.owner_references):
                continue
            owner = response.served.get(ref.kind, request.namespace, ref.name)
            selector = None if owner is None else owner.spec.selector
            if selector is not None and not _selects(selector, pod.labels):
                messages.append(f"{ref.kind} {request.namespace}/{ref.name} adopted pod {pod.name}, which its "
                                "selector does not match")
    return messages
