"""The Job controller (model.controllers.job) and the Job parts of the API server it relies on.

Ported from kubernetes/kubernetes pkg/controller/job: job_controller_test.go (TestControllerSyncJob,
TestSyncJobPastDeadline, TestSingleJobFailedCondition, TestSyncJobComplete, TestSyncJobDeleted,
TestJobBackoffForOnFailure, TestJobBackoffOnRestartPolicyNever, TestEnsureJobConditions,
TestFinalizersRemovedExpectations, TestGetNewFinshedPods), indexed_job_utils_test.go
(TestCalculateSucceededIndexes, TestIntervalsHaveIndex, TestFirstPendingIndexes,
TestAppendDuplicatedIndexPodsForRemoval, TestPodGenerateNameWithIndex) and backoff_utils_test.go
(TestNewBackoffRecord, TestGetFinishedTime, TestGetRemainingBackoffTime); the selector
generation from pkg/registry/batch/job/strategy.go and pkg/apis/batch/validation/validation.go.

Upstream's unit tables call ``syncJob`` once against fake listers and a fake pod control; here the same rows run
one ``Reconcile`` of the model's controller against a cluster state holding the Job and its pods, recording the
requests it sends. Upstream runs each row with the feature gates off unless the row turns them on; the model runs
v1.33's defaults (JobPodReplacementPolicy, JobManagedBy, JobSuccessPolicy on), so rows whose expectations depend
on a gate are ported with the expectations of the gate-on twin row (named in the row), and rows testing
podReplacementPolicy Failed, podFailurePolicy (both in test_pod_failure_policy.py) or a disabled gate are left
out. Scenario tests then drive the whole model (API server, scheduler, kubelets, controllers, clock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, Submit, SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.config import ModelConfig
from model.controllers import base
from model.controllers import job as jc
from model.controllers.replicaset import ControlleeExpectations
from model.frozendict import FrozenDict
from model.kubelet.component import ContainerExit
from model.manifests import from_dict
from model.objects import Pod
from model.objects.workloads import Job, UncountedTerminatedPods
from model.state import ClusterState, behind

FAITHFUL = ModelConfig()
NS = "default"
JOB_UID = "job-uid"
KEY = (NS, "foobar")
NOW = 10_000
"""The clock of the table rows: long after their pods finished (upstream's ``testFinishedAt``), so no back-off."""
FINISHED_AT = 1
TRACKING = jc.JOB_TRACKING_FINALIZER
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
CONDITIONS = {"SCM": ("SuccessCriteriaMet", "True", *COMPLETIONS_REACHED),
              "Complete": ("Complete", "True", *COMPLETIONS_REACHED),
              "FT-backoff": ("FailureTarget", "True", "BackoffLimitExceeded",
                             "Job has reached the specified backoff limit"),
              "Failed-backoff": ("Failed", "True", "BackoffLimitExceeded",
                                 "Job has reached the specified backoff limit"),
              "FT-deadline": ("FailureTarget", "True", "DeadlineExceeded",
                              "Job was active longer than specified deadline"),
              "Failed-deadline": ("Failed", "True", "DeadlineExceeded",
                                  "Job was active longer than specified deadline"),
              "Suspended": ("Suspended", "True", "JobSuspended", "Job suspended"),
              "Resumed": ("Suspended", "False", "JobResumed", "Job resumed")}


# --- objects ---------------------------------------------------------------------------------------------------


def _job(parallelism: int | None = 2, completions: int | None = 5, backoff_limit: int = 6, mode: str = "NonIndexed",
         suspend: bool = False, deleting: bool = False, status: dict | None = None, deadline: int | None = None,
         restart_policy: str = "Never") -> dict:
    """newJob (job_controller_test.go): selector and template labels foo=bar, a uid; None leaves a count unset."""
    spec: dict[str, Any] = {"selector": {"matchLabels": {"foo": "bar"}}, "manualSelector": True,
                            "backoffLimit": backoff_limit, "completionMode": mode, "suspend": suspend,
                            "template": {"metadata": {"labels": {"foo": "bar"}},
                                         "spec": {"restartPolicy": restart_policy,
                                                  "containers": [{"name": "c", "image": "foo/bar"}]}}}
    if parallelism is not None:
        spec["parallelism"] = parallelism
    if completions is not None:
        spec["completions"] = completions
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    metadata: dict[str, Any] = {"name": "foobar", "namespace": NS, "uid": JOB_UID, "generation": 1}
    if deleting:
        metadata.update(deletionTimestamp=NOW - 1, finalizers=["foregroundDeletion"])
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": spec, "status": status or {}}


def _pod(name: str, phase: str, index: str | None = None, ready: bool = False, deleting: bool = False,
         tracking: bool = True, finished_at: int | None = FINISHED_AT, labels: dict | None = None,
         owner: bool = True) -> dict:
    """newPodList / setPodsStatusesWithIndexes: a pod of the Job with the tracking finalizer and a terminated
    container status finished at ``testFinishedAt``."""
    metadata: dict[str, Any] = {"name": name, "namespace": NS, "uid": f"uid-{name}",
                                "labels": labels or {"foo": "bar"}, "finalizers": [TRACKING] if tracking else []}
    if owner:
        metadata["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": "Job", "name": "foobar", "uid": JOB_UID,
                                        "controller": True, "blockOwnerDeletion": True}]
    if index is not None:
        metadata["annotations"] = {jc.JOB_COMPLETION_INDEX: index}
    if deleting:
        metadata["deletionTimestamp"] = NOW
        metadata["deletionGracePeriodSeconds"] = 0
    status: dict[str, Any] = {"phase": phase}
    if finished_at is not None:
        terminated = {"exitCode": 0, "finishedAt": finished_at}
        status["containerStatuses"] = [{"name": "c", "state": {"terminated": terminated}}]
    if ready:
        status["conditions"] = [{"type": "Ready", "status": "True"}]
    spec: dict[str, Any] = {"restartPolicy": "Never", "containers": [{"name": "c", "image": "foo/bar"}]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def _pods(pending: int = 0, active: int = 0, succeeded: int = 0, failed: int = 0, terminating: int = 0,
          ready: int = 0, indexed: tuple[tuple[str, str], ...] = ()) -> list[dict]:
    """setPodsStatuses and setPodsStatusesWithIndexes: the first ``ready`` running pods are ready; an index of
    "-" means no index annotation."""
    docs = [_pod(f"pending-{i}", "Pending") for i in range(pending)]
    docs += [_pod(f"running-{i}", "Running", ready=i < ready) for i in range(active)]
    docs += [_pod(f"succeeded-{i}", "Succeeded") for i in range(succeeded)]
    docs += [_pod(f"failed-{i}", "Failed") for i in range(failed)]
    docs += [_pod(f"terminating-{i}", "Running", deleting=True) for i in range(terminating)]
    docs += [_pod(f"indexed-{i}", phase, index=None if index == "-" else index)
             for i, (index, phase) in enumerate(indexed)]
    return docs


def _node(name: str = "n1") -> dict:
    resources = {"cpu": "8", "memory": "16Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


# --- one sync, as upstream's unit tests run it ---------------------------------------------------------------


def _state(*docs: dict, time: int = NOW, memory: jc.JobMemory | None = None) -> ClusterState:
    """The Job and its pods stored as they are (they carry uids), every informer synced, the clock at ``time``."""
    state = cluster.initial_state([from_dict(d) for d in docs])
    state = attrs.evolve(state, time=time)
    if memory is not None:
        informer = state.informer(jc.NAME)
        state = state.with_informer(jc.NAME, attrs.evolve(informer, memory=FrozenDict({"job": memory})))
    return state


def _without_pod_writes(state: ClusterState) -> ClusterState:
    """Upstream's ``FakePodControl{Err: ...}``: the job-controller may no longer create, delete or patch pods (its
    role loses the pod rule), while Job status updates still go through."""
    name = "system:controller:job-controller"
    role = state.store.get("ClusterRole", None, name)
    rules = tuple(r for r in role.rules if "pods" not in r.resources)
    store, _, _ = state.store.write(attrs.evolve(role, rules=rules))
    return attrs.evolve(state, store=store)


def _quota(pods: int) -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pods", "namespace": NS},
            "spec": {"hard": {"pods": str(pods)}}}


@attrs.frozen
class Synced:
    """What one sync did: the requests it sent with their responses, the state after it, whether it failed."""

    state: ClusterState
    sent: tuple[tuple[Any, rq.Response], ...]
    failed: bool

    def attempted(self, kind: type, quota_refused: bool = True) -> list[Any]:
        return [r for r, resp in self.sent if isinstance(r, kind)
                and (quota_refused or "exceeded quota" not in resp.message)]

    @property
    def creates(self) -> list[Pod]:
        """Pod creations upstream's FakePodControl records: attempted, unless past its ``CreateLimit`` (here: a
        quota)."""
        return [r.object for r in self.attempted(rq.Create, quota_refused=False)]

    @property
    def deletes(self) -> list[str]:
        return [r.name for r in self.attempted(rq.Delete)]

    @property
    def patches(self) -> list[Any]:
        return self.attempted(rq.PatchOwnerReferences)

    @property
    def job(self) -> Job:
        return self.state.store.get("Job", NS, "foobar")


def _sync(state: ClusterState, monkeypatch: pytest.MonkeyPatch, key: tuple = KEY) -> Synced:
    """One ``Reconcile`` of ``key`` by the job-controller, recording every request it sends."""
    sent: list[tuple[Any, rq.Response]] = []
    real = base.submit

    def recording(state: ClusterState, request: Any, config: ModelConfig = FAITHFUL) -> Any:
        after, response, events = real(state, request, config)
        sent.append((request, response))
        return after, response, events
    monkeypatch.setattr(base, "submit", recording)
    after = cluster.apply(state, base.Reconcile(jc.NAME, key))
    monkeypatch.setattr(base, "submit", real)
    return Synced(after, tuple(sent), key in after.informer(jc.NAME).failures)


def _conditions(job: Job) -> list[tuple[str, ...]]:
    return [(c["type"], c["status"], c.get("reason", ""), c.get("message", "")) for c in job.status.conditions or ()]


# --- TestControllerSyncJob ---------------------------------------------------------------------------------


@attrs.frozen
class Row:
    """One row of TestControllerSyncJob (job_controller_test.go)."""

    parallelism: int | None = 2
    completions: int | None = 5
    backoff_limit: int = 6
    mode: str = "NonIndexed"
    suspend: bool = False
    was_suspended: bool = False
    deleting: bool = False
    pods: tuple[dict, ...] = ()
    status: dict | None = None
    pod_control_error: bool = False
    pod_limit: int = 0
    expectations: int = 0
    """fakeExpectationAtCreation: positive ExpectCreations, negative ExpectDeletions."""
    backoff: jc.BackoffRecord | None = None
    creations: int = 0
    created_indexes: frozenset[int] | None = None
    deletions: int = 0
    active: int = 0
    ready: int = 0
    succeeded: int = 0
    failed: int = 0
    terminating: int = 0
    completed_indexes: str | None = None
    conditions: tuple[str, ...] = ()
    raw_conditions: tuple[tuple[str, ...], ...] = ()
    patches: int = 0


def _p(**counts: Any) -> tuple[dict, ...]:
    return tuple(_pods(**counts))


SYNC_ROWS: dict[str, Row] = {
    "job start": Row(creations=2, active=2),
    "WQ job start": Row(completions=None, creations=2, active=2),
    "pending pods": Row(pods=_p(pending=2), active=2),
    "correct # of pods": Row(parallelism=3, pods=_p(active=3, ready=2), active=3, ready=2),
    "WQ job: correct # of pods": Row(completions=None, pods=_p(active=2), active=2),
    "too few active pods": Row(pods=_p(active=1, succeeded=1), creations=1, active=2, succeeded=1, patches=1),
    "WQ job: turn on PodReplacementPolicy but not set PodReplacementPolicy": Row(
        parallelism=1, completions=1, pods=_p(active=1, failed=1, terminating=1), terminating=1, active=1, patches=2,
        failed=2),
    "WQ job: recreate pods when terminating or failed": Row(
        parallelism=1, completions=None, pods=_p(active=1, failed=1, terminating=1), terminating=1, active=1,
        patches=2, failed=2),
    "too few active pods and active back-off": Row(
        parallelism=1, completions=1, backoff=jc.BackoffRecord(1, NOW), status={"startTime": NOW}),
    "too few active pods and no back-offs": Row(
        parallelism=1, completions=1, backoff=jc.BackoffRecord(0, NOW), creations=1, active=1),
    "too few active pods with a dynamic job": Row(completions=None, pods=_p(active=1), creations=1, active=2),
    "too few active pods, with controller error": Row(
        pod_control_error=True, pods=_p(active=1, succeeded=1), creations=1, active=1, patches=1),
    "too many active pods; PodReplacementPolicy enabled": Row(
        pods=_p(active=3), deletions=1, active=2, patches=1, terminating=1),
    "too many active pods, with controller error": Row(pod_control_error=True, pods=_p(active=3), patches=1, active=3),
    "count ready pods when too many active pods": Row(
        pods=_p(active=3, ready=3), deletions=1, active=2, patches=1, ready=2, terminating=1),
    "failed + succeed pods: reset backoff delay": Row(
        pods=_p(active=1, succeeded=1, failed=1), creations=1, active=2, succeeded=1, failed=1, patches=2),
    "new failed pod": Row(pods=_p(active=1, failed=1), creations=1, active=2, failed=1, patches=1),
    "no new pod; possible finalizer update of failed pod": Row(
        parallelism=1, completions=1, status={"active": 1, "failed": 1, "startTime": NOW}, pods=_p(active=1),
        active=1, failed=1),
    "only new failed pod with controller error": Row(
        pod_control_error=True, pods=_p(active=1, failed=1), creations=1, active=1, patches=1),
    # Gate-off row: Complete alone; with JobSuccessPolicy and JobManagedBy on, SuccessCriteriaMet comes first.
    "job finish": Row(pods=_p(succeeded=5), succeeded=5, conditions=("SCM", "Complete"), patches=5),
    "WQ job finishing": Row(completions=None, pods=_p(active=1, succeeded=1), active=1, succeeded=1, patches=1),
    "WQ job all finished": Row(completions=None, pods=_p(succeeded=2), succeeded=2, conditions=("SCM", "Complete"),
                               patches=2),
    "WQ job all finished despite one failure": Row(
        completions=None, pods=_p(succeeded=1, failed=1), succeeded=1, failed=1, conditions=("SCM", "Complete"),
        patches=2),
    "more active pods than parallelism": Row(pods=_p(active=10), deletions=8, active=2, patches=8, terminating=8),
    "more active pods than remaining completions": Row(
        parallelism=3, completions=4, pods=_p(active=3, succeeded=2), deletions=1, active=2, succeeded=2, patches=3,
        terminating=1),
    "status change": Row(pods=_p(active=2, succeeded=2), active=2, succeeded=2, patches=2),
    "deleting job": Row(deleting=True, pods=_p(pending=1, active=1, succeeded=1), active=2, succeeded=1, patches=3),
    "limited pods": Row(parallelism=100, completions=200, pod_limit=10, creations=10, active=10),
    # Gate-off row: Failed alone; "activeDeadlineSeconds exceeded and backofflimit reached; JobManagedBy enabled"
    # (TestSyncJobPastDeadline) shows FailureTarget then Failed in the same sync when no pod is terminating.
    "too many job failures": Row(backoff_limit=0, deleting=True, pods=_p(failed=1), failed=1,
                                 conditions=("FT-backoff", "Failed-backoff"), patches=1),
    "job failures, unsatisfied expectations": Row(
        backoff_limit=0, deleting=True, pods=_p(failed=1), expectations=1, failed=1, patches=1),
    "indexed job start": Row(mode="Indexed", creations=2, active=2, created_indexes=frozenset({0, 1})),
    "indexed job with some pods deleted, podReplacementPolicy TerminatingOrFailed": Row(
        mode="Indexed", pods=_p(terminating=1), creations=2, active=2, created_indexes=frozenset({0, 1}),
        terminating=1, patches=1),
    "indexed job completed": Row(
        completions=3, mode="Indexed",
        pods=_p(indexed=(("0", "Succeeded"), ("1", "Failed"), ("1", "Succeeded"), ("2", "Succeeded"))),
        succeeded=3, failed=1, completed_indexes="0-2", conditions=("SCM", "Complete"), patches=4),
    # The gate-on twin of "indexed job failed".
    "count terminating pods when indexed job fails and PodReplacementPolicy enabled": Row(
        completions=3, backoff_limit=0, mode="Indexed",
        pods=_p(indexed=(("0", "Succeeded"), ("1", "Failed"), ("2", "Running"))), succeeded=1, failed=2,
        completed_indexes="0", conditions=("FT-backoff",), patches=3, deletions=1, terminating=1),
    # Gate-off row: Failed at once; with the gates on the deleted pods are terminating, so FailureTarget only.
    "count ready pods when job fails": Row(
        completions=3, backoff_limit=0, pods=_p(active=2, ready=2, failed=1), failed=3, conditions=("FT-backoff",),
        patches=3, deletions=2, terminating=2),
    "indexed job repeated completed index": Row(
        completions=3, mode="Indexed", pods=_p(indexed=(("0", "Succeeded"), ("1", "Succeeded"), ("1", "Succeeded"))),
        creations=1, active=1, succeeded=2, completed_indexes="0,1", created_indexes=frozenset({2}), patches=3),
    "indexed job some running and completed pods": Row(
        parallelism=8, completions=20, mode="Indexed",
        pods=_p(indexed=(("0", "Running"), ("2", "Succeeded"), ("3", "Pending"), ("4", "Succeeded"),
                         ("5", "Succeeded"), ("7", "Succeeded"), ("8", "Succeeded"), ("9", "Succeeded"))),
        creations=6, active=8, succeeded=6, completed_indexes="2,4,5,7-9",
        created_indexes=frozenset({1, 6, 10, 11, 12, 13}), patches=6),
    "indexed job some failed pods": Row(
        parallelism=3, completions=4, mode="Indexed",
        pods=_p(indexed=(("0", "Failed"), ("1", "Pending"), ("2", "Failed"))), creations=2, active=3, failed=2,
        created_indexes=frozenset({0, 2}), patches=2),
    "indexed job some pods without index": Row(
        mode="Indexed",
        pods=_p(active=1, succeeded=1, failed=1,
                indexed=(("invalid", "Running"), ("invalid", "Succeeded"), ("invalid", "Failed"),
                         ("invalid", "Pending"), ("0", "Succeeded"), ("1", "Running"), ("2", "Running"))),
        deletions=3, active=2, succeeded=1, completed_indexes="0", patches=8, terminating=3),
    "indexed job repeated indexes": Row(
        parallelism=5, mode="Indexed",
        pods=_p(succeeded=1, failed=1, indexed=(("invalid", "Running"), ("0", "Succeeded"), ("1", "Running"),
                                                ("2", "Running"), ("2", "Pending"))),
        deletions=2, active=2, succeeded=1, completed_indexes="0", patches=5, terminating=2),
    "indexed job with indexes outside of range": Row(
        mode="Indexed",
        pods=_p(indexed=(("0", "Succeeded"), ("5", "Running"), ("6", "Succeeded"), ("7", "Pending"), ("8", "Failed"))),
        succeeded=1, deletions=2, completed_indexes="0", patches=5, terminating=2),
    "suspending a job with satisfied expectations; PodReplacementPolicy enabled": Row(
        suspend=True, completions=4, pods=_p(active=2), deletions=2, conditions=("Suspended",), patches=2,
        terminating=2),
    "count ready pods when suspending a job with satisfied expectations": Row(
        suspend=True, completions=4, pods=_p(active=2, ready=2), deletions=2, conditions=("Suspended",), patches=2,
        terminating=2),
    "suspending a job with unsatisfied expectations; PodReplacementPolicy enabled": Row(
        suspend=True, completions=4, pods=_p(active=3), expectations=-1, active=3),
    "count ready pods when suspending a job with unsatisfied expectations": Row(
        suspend=True, completions=4, pods=_p(active=3, ready=3), expectations=-1, active=3, ready=3),
    "resuming a suspended job": Row(
        was_suspended=True, completions=4, creations=2, active=2, conditions=("Resumed",)),
    "suspending a deleted job; PodReplacementPolicy enabled": Row(
        suspend=True, deleting=True, completions=4, pods=_p(active=2), active=2, patches=2),
    "FailureTarget=False condition added manually is ignored": Row(
        parallelism=1, completions=1, pods=_p(active=1, ready=1),
        status={"active": 1, "startTime": NOW, "conditions": [
            {"type": "FailureTarget", "status": "False", "reason": "ConditionAddedManually", "message": "Testing"}]},
        active=1, ready=1,
        raw_conditions=(("FailureTarget", "False", "ConditionAddedManually", "Testing"),)),
    "SuccessCriteriaMet=False condition added manually is ignored": Row(
        parallelism=1, completions=1, pods=_p(active=1, ready=1),
        status={"active": 1, "startTime": NOW, "conditions": [
            {"type": "SuccessCriteriaMet", "status": "False", "reason": "ConditionAddedManually",
             "message": "Testing"}]},
        active=1, ready=1,
        raw_conditions=(("SuccessCriteriaMet", "False", "ConditionAddedManually", "Testing"),)),
}


def _row_state(row: Row) -> ClusterState:
    status = dict(row.status or {})
    if row.was_suspended:
        status["conditions"] = [{"type": "Suspended", "status": "True", "reason": "JobSuspended",
                                 "message": "Job suspended", "lastProbeTime": 0, "lastTransitionTime": 0}]
    job = _job(row.parallelism, row.completions, row.backoff_limit, row.mode, row.suspend, row.deleting, status)
    docs = [job, *row.pods, *([_quota(row.pod_limit)] if row.pod_limit else [])]
    memory = jc.JobMemory()
    if row.expectations:
        memory = memory.expect(KEY, max(row.expectations, 0), max(-row.expectations, 0), NOW)
    if row.backoff is not None:
        memory = memory.with_backoff(KEY, row.backoff)
    state = _state(*docs, memory=memory)
    return _without_pod_writes(state) if row.pod_control_error else state


@pytest.mark.parametrize("name", list(SYNC_ROWS))
def test_controller_sync_job(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """TestControllerSyncJob: one sync's creations (with their controller reference, indexes, hostnames and
    generateName), deletions, finalizer patches, and the status it writes."""
    row = SYNC_ROWS[name]
    synced = _sync(_row_state(row), monkeypatch)
    assert synced.failed == (row.pod_control_error or bool(row.pod_limit))
    assert len(synced.creates) == row.creations
    for pod in synced.creates:
        (ref,) = pod.metadata.owner_references
        assert (ref.api_version, ref.kind, ref.name, ref.uid, ref.controller) == ("batch/v1", "Job", "foobar",
                                                                                  JOB_UID, True)
        assert TRACKING in pod.metadata.finalizers
        if row.mode == "Indexed":
            index = jc.completion_index(pod)
            assert pod.labels[jc.JOB_COMPLETION_INDEX] == str(index)
            assert pod.spec.hostname == f"foobar-{index}"
            assert pod.metadata.generate_name == f"foobar-{index}-"
            assert all(any(v["name"] == "JOB_COMPLETION_INDEX" for v in c.env) for c in pod.spec.containers)
        else:
            assert pod.spec.hostname is None and pod.metadata.generate_name == "foobar-"
    if row.created_indexes is not None:
        assert {jc.completion_index(p) for p in synced.creates} == row.created_indexes
    assert len(synced.deletes) == row.deletions
    assert len(synced.patches) == row.patches
    status = synced.job.status
    assert (status.active, status.ready, status.succeeded, status.failed, status.terminating) == (
        row.active, row.ready, row.succeeded, row.failed, row.terminating)
    assert (status.completed_indexes or "") == (row.completed_indexes or "")
    assert (status.start_time is not None) == (not row.suspend)
    expected = list(row.raw_conditions) + [CONDITIONS[c] for c in row.conditions]
    assert _conditions(synced.job) == expected


def test_sync_job_deleted(monkeypatch: pytest.MonkeyPatch) -> None:
    """TestSyncJobDeleted: a Job gone from the cache creates and deletes nothing, and its memory is dropped."""
    state = _state(_node(), memory=jc.JobMemory().expect(KEY, 2, 0, NOW).with_backoff(KEY, jc.BackoffRecord(1, 5)))
    synced = _sync(state, monkeypatch)
    assert synced.sent == () and not synced.failed
    assert synced.state.informer(jc.NAME).memory["job"] == jc.JobMemory()


def test_sync_job_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    """TestSyncJobComplete: a complete Job is left alone (its conditions stay as they are)."""
    complete = {"type": "Complete", "status": "True", "lastProbeTime": 0, "lastTransitionTime": 0}
    synced = _sync(_state(_job(1, 1, status={"conditions": [complete]}), *_pods(active=1)), monkeypatch)
    assert synced.sent == ()
    assert len(synced.job.status.conditions) == 1


def test_single_job_failed_condition(monkeypatch: pytest.MonkeyPatch) -> None:
    """TestSingleJobFailedCondition: an existing Failed=False condition is turned True, not duplicated."""
    failed = {"type": "Failed", "status": "False", "reason": "DeadlineExceeded",
              "message": "Job was active longer than specified deadline", "lastProbeTime": 0, "lastTransitionTime": 0}
    job = _job(1, 1, deadline=10, status={"startTime": NOW - 15, "conditions": [failed]})
    synced = _sync(_state(job), monkeypatch)
    assert synced.deletes == []
    failed_conditions = [c for c in _conditions(synced.job) if c[0] == "Failed"]
    assert failed_conditions == [CONDITIONS["Failed-deadline"]]


# --- TestSyncJobPastDeadline -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "completions", "deadline", "started", "backoff_limit", "suspend", "pods",
                          "deletions", "succeeded", "failed", "conditions"), [
    # Gate-off rows expect Failed at once; with the gates on a pod still terminating holds it back.
    ("activeDeadlineSeconds less than single pod execution", 1, 10, 15, 6, False, {"active": 1}, 1, 0, 1,
     ("FT-deadline",)),
    ("activeDeadlineSeconds exceeded; JobPodReplacementPolicy enabled", 2, 10, 15, 6, False,
     {"active": 1, "succeeded": 1}, 1, 1, 1, ("FT-deadline",)),
    ("activeDeadlineSeconds times-out before any pod starts", 1, 10, 10, 6, False, {}, 0, 0, 0,
     ("FT-deadline", "Failed-deadline")),
    ("activeDeadlineSeconds exceeded and backofflimit reached; JobManagedBy enabled", 1, 1, 10, 0, False,
     {"failed": 1}, 0, 0, 1, ("FT-backoff", "Failed-backoff")),
    ("activeDeadlineSeconds is not triggered when Job is suspended", 2, 10, 15, 6, True, {}, 0, 0, 0,
     ("Suspended",)),
])
def test_sync_job_past_deadline(name: str, completions: int, deadline: int, started: int, backoff_limit: int,
                                suspend: bool, pods: dict, deletions: int, succeeded: int, failed: int,
                                conditions: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    """TestSyncJobPastDeadline: activeDeadlineSeconds past ``startTime`` fails the Job (DeadlineExceeded) and
    deletes its active pods; the backoff limit is checked first; a suspended Job has no deadline."""
    job = _job(1, completions, backoff_limit, suspend=suspend, deadline=deadline, status={"startTime": NOW - started})
    synced = _sync(_state(job, *_pods(**pods)), monkeypatch)
    assert synced.creates == [] and len(synced.deletes) == deletions
    status = synced.job.status
    assert (status.active, status.succeeded, status.failed) == (0, succeeded, failed)
    assert status.start_time is not None
    assert _conditions(synced.job) == [CONDITIONS[c] for c in conditions]


def test_active_deadline_requeues_the_job_when_it_will_pass() -> None:
    """syncJob: a Job with activeDeadlineSeconds is synced again when the deadline passes."""
    state = _state(_job(1, 1, deadline=30, status={"startTime": NOW - 12}), *_pods(active=1))
    after = cluster.apply(state, base.Reconcile(jc.NAME, KEY))
    informer = after.informer(jc.NAME)
    assert KEY in informer.queue and informer.delayed[KEY] == NOW + 18


@pytest.mark.parametrize(("name", "parallelism", "completions", "backoff_limit", "restarts", "phase", "active",
                          "failed", "conditions"), [
    ("backoffLimit 0 should have 1 pod active", 1, 1, 0, [0], "Running", 1, 0, ()),
    ("backoffLimit 1 with restartCount 0 should have 1 pod active", 1, 1, 1, [0], "Running", 1, 0, ()),
    ("backoffLimit 1 with restartCount 1 and podRunning should have 0 pod active", 1, 1, 1, [1], "Running", 0, 1,
     ("FT-backoff",)),
    ("backoffLimit 1 with restartCount 1 and podPending should have 0 pod active", 1, 1, 1, [1], "Pending", 0, 1,
     ("FT-backoff",)),
    ("too many job failures with podRunning - single pod", 1, 5, 2, [2], "Running", 0, 1, ("FT-backoff",)),
    ("too many job failures with podPending - single pod", 1, 5, 2, [2], "Pending", 0, 1, ("FT-backoff",)),
    ("too many job failures with podRunning - multiple pods", 2, 5, 2, [1, 1], "Running", 0, 2, ("FT-backoff",)),
    ("too many job failures with podPending - multiple pods", 2, 5, 2, [1, 1], "Pending", 0, 2, ("FT-backoff",)),
    ("not enough failures", 2, 5, 3, [1, 1], "Running", 2, 0, ()),
])
def test_job_backoff_for_on_failure(name: str, parallelism: int, completions: int, backoff_limit: int,
                                    restarts: list[int], phase: str, active: int, failed: int,
                                    conditions: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    """TestJobBackoffForOnFailure: with restartPolicy OnFailure the container restarts of pending and running pods
    count against backoffLimit; the deleted pods of the failed Job count as failed (FailureTarget first: they are
    still terminating)."""
    pods = []
    for i, count in enumerate(restarts):
        doc = _pod(f"p{i}", phase)
        doc["status"]["containerStatuses"] = [{"name": "c", "restartCount": count}]
        pods.append(doc)
    job = _job(parallelism, completions, backoff_limit, restart_policy="OnFailure")
    synced = _sync(_state(job, *pods), monkeypatch)
    status = synced.job.status
    assert (status.active, status.succeeded, status.failed) == (active, 0, failed) and not synced.failed
    assert _conditions(synced.job) == [CONDITIONS[c] for c in conditions]


@pytest.mark.parametrize(("name", "parallelism", "completions", "backoff_limit", "pods", "active", "failed",
                          "conditions"), [
    ("not enough failures with backoffLimit 0 - single pod", 1, 1, 0, {"active": 1}, 1, 0, ()),
    ("not enough failures with backoffLimit 1 - single pod", 1, 1, 1, {"failed": 1}, 1, 1, ()),
    ("too many failures with backoffLimit 1 - single pod", 1, 1, 1, {"failed": 2}, 0, 2,
     ("FT-backoff", "Failed-backoff")),
    ("not enough failures with backoffLimit 6 - multiple pods", 2, 2, 6, {"active": 1, "failed": 6}, 2, 6, ()),
    ("too many failures with backoffLimit 6 - multiple pods", 2, 2, 6, {"failed": 7}, 0, 7,
     ("FT-backoff", "Failed-backoff")),
])
def test_job_backoff_on_restart_policy_never(name: str, parallelism: int, completions: int, backoff_limit: int,
                                            pods: dict, active: int, failed: int, conditions: tuple[str, ...],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """TestJobBackoffOnRestartPolicyNever: failed pods past backoffLimit fail the Job; below it, long-finished
    failures are replaced at once (the back-off record, which replaced the older rows' requeue error)."""
    synced = _sync(_state(_job(parallelism, completions, backoff_limit), *_pods(**pods)), monkeypatch)
    status = synced.job.status
    assert (status.active, status.succeeded, status.failed) == (active, 0, failed) and not synced.failed
    assert _conditions(synced.job) == [CONDITIONS[c] for c in conditions]


@pytest.mark.parametrize(("have", "status", "reason", "expected", "updated"), [
    ((), "True", "foo", (("True", "foo"),), True),
    ((), "False", "foo", (), False),
    ((("True", "foo"),), "True", "bar", (("True", "bar"),), True),
    ((("True", "foo"),), "False", "foo", (("False", "foo"),), True),
    ((("False", "foo"),), "True", "foo", (("True", "foo"),), True),
    ((("True", "foo"),), "True", "foo", (("True", "foo"),), False),
])
def test_ensure_job_conditions(have: tuple, status: str, reason: str, expected: tuple, updated: bool) -> None:
    """TestEnsureJobConditions."""
    conditions = tuple(jc.new_condition("Suspended", s, r, "", 0) for s, r in have)
    got, changed = jc.ensure_condition(conditions, "Suspended", status, reason, "", 5)
    assert changed is updated
    assert [(c["type"], c["status"], c["reason"]) for c in got] == [("Suspended", s, r) for s, r in expected]


def test_finalizers_removed_expectations(monkeypatch: pytest.MonkeyPatch) -> None:
    """TestFinalizersRemovedExpectations: a failed removal is not expected; a successful one is until the
    informer shows the finalizer gone (or the pod deleted); a pod that keeps it stays expected."""
    state = _state(_job(2, 2), *_pods(succeeded=2, failed=2))
    failing = _sync(_without_pod_writes(state), monkeypatch)
    assert jc.memory_of(failing.state.informer(jc.NAME).memory).expected_removals(KEY) == set()
    synced = _sync(state, monkeypatch)
    expected = jc.memory_of(synced.state.informer(jc.NAME).memory).expected_removals(KEY)
    assert expected == {"uid-succeeded-0", "uid-succeeded-1", "uid-failed-0", "uid-failed-1"}
    after = synced.state
    while behind(after, jc.NAME):
        after = cluster.apply(after, DeliverWatchEvent(jc.NAME))
    assert jc.memory_of(after.informer(jc.NAME).memory).expected_removals(KEY) == set()


# --- TestGetNewFinshedPods -------------------------------------------------------------------------------------


def _bare(uid: str, phase: str, tracking: bool = False, deleting: bool = False) -> Pod:
    """buildPod(): only what getNewFinishedPods looks at."""
    metadata: dict[str, Any] = {"name": uid, "namespace": NS, "uid": uid, "finalizers": [TRACKING] if tracking else []}
    if deleting:
        metadata["deletionTimestamp"] = 1
    return Pod.from_dict({"metadata": metadata, "spec": {"containers": [{"name": "c"}]}, "status": {"phase": phase}})


@pytest.mark.parametrize(("status", "uncounted", "expected", "pods", "want"), [
    ("some counted", ((), ()), (),
     [("a", "Succeeded", False), ("b", "Succeeded", True), ("c", "Succeeded", True), ("d", "Failed", False),
      ("e", "Failed", True), ("f", "Running", False)], (4, 2)),
    ("some uncounted", (("a", "c"), ("e", "f")), (),
     [("a", "Succeeded", False), ("b", "Succeeded", False), ("c", "Succeeded", True), ("d", "Succeeded", True),
      ("e", "Failed", False), ("f", "Failed", True), ("g", "Failed", True)], (4, 4)),
    ("with expected removed finalizers", (("a",), ("d",)), ("b", "f"),
     [("a", "Succeeded", False), ("b", "Succeeded", True), ("c", "Succeeded", True), ("d", "Failed", False),
      ("e", "Failed", True), ("f", "Failed", True), ("g", "Failed", True)], (4, 5)),
])
def test_get_new_finished_pods(status: str, uncounted: tuple, expected: tuple, pods: list, want: tuple) -> None:
    """TestGetNewFinshedPods: counted + uncounted + newly finished pods (with the finalizer, not uncounted, not
    awaiting the finalizer's removal)."""
    base_counts = {"some counted": (2, 1), "some uncounted": (1, 1), "with expected removed finalizers": (2, 2)}
    job = Job.from_dict(_job(1, 1))
    found = [_bare(uid, phase, tracking) for uid, phase, tracking in pods]
    record = UncountedTerminatedPods(*uncounted)
    new_succeeded, new_failed = jc.new_finished_pods(job, found, record, frozenset(expected))
    succeeded, failed = base_counts[status]
    assert (succeeded + len(new_succeeded) + len(record.succeeded),
            failed + len(new_failed) + len(record.failed)) == want


def test_get_new_finished_pods_counts_deleted_pods_as_failed() -> None:
    """TestGetNewFinshedPods "deleted pods": a pod deleted before it succeeded counts as failed (only with the
    finalizer)."""
    pods = [_bare("a", "Succeeded", True, True), _bare("b", "Failed", True, True), _bare("c", "Running", True, True),
            _bare("d", "Pending", True, True), _bare("e", "Running", False, True), _bare("f", "Pending", False, True)]
    new_succeeded, new_failed = jc.new_finished_pods(Job.from_dict(_job(1, 1)), pods, UncountedTerminatedPods(),
                                                     frozenset())
    assert (1 + len(new_succeeded), 1 + len(new_failed)) == (2, 4)


# --- indexed_job_utils_test.go -----------------------------------------------------------------------------------


def _indexed_pods(descs: list[tuple[str, str]]) -> list[Pod]:
    """hollowPodsWithIndexPhase (with the tracking finalizer): an index of "-" means none."""
    pods = []
    for i, (index, phase) in enumerate(descs):
        metadata: dict[str, Any] = {"name": f"p{i}", "namespace": NS, "finalizers": [TRACKING]}
        if index != "-":
            metadata["annotations"] = {jc.JOB_COMPLETION_INDEX: index}
        pods.append(Pod.from_dict({"metadata": metadata, "spec": {"containers": [{"name": "c"}]},
                                   "status": {"phase": phase}}))
    return pods


@pytest.mark.parametrize(("previous", "pods", "completions", "want_status", "want"), [
    ("", [("1", "Succeeded")], 2, (), ((1, 1),)),
    ("", [("2", "Failed"), ("5", "Succeeded"), ("5", "Succeeded"), ("10", "Failed"), ("10", "Succeeded")], 11, (),
     ((5, 5), (10, 10))),
    ("", [("0", "Running"), ("1", "Pending"), ("2", "Succeeded"), ("3", "Succeeded"), ("5", "Succeeded"),
          ("6", "Succeeded"), ("7", "Succeeded")], 8, (), ((2, 3), (5, 7))),
    ("", [("0", "Succeeded"), ("1", "Failed"), ("2", "Succeeded"), ("3", "Succeeded"), ("4", "Succeeded"),
          ("5", "Succeeded"), ("-", "Succeeded"), ("-2", "Succeeded")], 6, (), ((0, 0), (2, 5))),
    ("", [("0", "Succeeded"), ("1", "Succeeded"), ("2", "Succeeded"), ("3", "Failed"), ("4", "Succeeded"),
          ("5", "Succeeded"), ("-", "Succeeded"), ("-2", "Succeeded")], 5, (), ((0, 2), (4, 4))),
    ("0-5,8-10", [], 8, ((0, 5),), ((0, 5),)),
    ("0-5,8-10", [], 10, ((0, 5), (8, 9)), ((0, 5), (8, 9))),
    ("0,4,5,10-12", [("2", "Succeeded"), ("7", "Succeeded"), ("8", "Succeeded")], 13, ((0, 0), (4, 5), (10, 12)),
     ((0, 0), (2, 2), (4, 5), (7, 8), (10, 12))),
    ("3,4,6", [("2", "Succeeded"), ("7", "Succeeded"), ("8", "Succeeded")], 9, ((3, 4), (6, 6)), ((2, 4), (6, 8))),
    ("2,7,8", [("3", "Succeeded"), ("4", "Succeeded"), ("6", "Succeeded")], 9, ((2, 2), (7, 8)), ((2, 4), (6, 8))),
    ("2-7", [("0", "Succeeded"), ("3", "Succeeded"), ("5", "Succeeded"), ("9", "Succeeded")], 10, ((2, 7),),
     ((0, 0), (2, 7), (9, 9))),
    ("0,1-foo,bar", [("3", "Succeeded")], 4, ((0, 0),), ((0, 0), (3, 3))),
])
def test_calculate_succeeded_indexes(previous: str, pods: list, completions: int, want_status: tuple,
                                     want: tuple) -> None:
    """TestCalculateSucceededIndexes (tracking with finalizers; the rows predating it ignore the status)."""
    job = Job.from_dict(_job(2, completions, mode="Indexed", status={"completedIndexes": previous}))
    assert jc.calculate_succeeded_indexes(job, _indexed_pods(pods)) == (want_status, want)


@pytest.mark.parametrize(("intervals", "index", "has"), [
    ((), 4, False), (((2, 4), (5, 7)), 1, False), (((2, 4), (6, 8)), 9, False), (((2, 4), (6, 8)), 5, False),
    (((2, 4), (6, 8)), 2, True), (((2, 4), (6, 8)), 8, True),
])
def test_intervals_have_index(intervals: tuple, index: int, has: bool) -> None:
    """TestIntervalsHaveIndex."""
    assert jc.has_index(intervals, index) is has


@pytest.mark.parametrize(("active", "succeeded", "count", "completions", "want"), [
    ([], (), 5, 3, [0, 1, 2]),
    ([], (), 2, 5, [0, 1]),
    ([("0", "Running"), ("1", "Pending")], (), 3, 10, [2, 3, 4]),
    ([("6", "Pending")], ((4, 5),), 6, 6, [0, 1, 2, 3]),
    ([("3", "Pending"), ("5", "Running"), ("8", "Pending"), ("-", "Running"), ("-3", "Running")], ((2, 4), (9, 9)),
     5, 20, [0, 1, 6, 7, 10]),
])
def test_first_pending_indexes(active: list, succeeded: tuple, count: int, completions: int, want: list) -> None:
    """TestFirstPendingIndexes."""
    assert jc.first_pending_indexes(_indexed_pods(active), succeeded, count, completions) == want


@pytest.mark.parametrize(("pods", "want_rm", "want_left"), [
    ([("-", "Pending"), ("2", "Pending"), ("5", "Running"), ("6", "Running")],
     [("-", "Pending"), ("6", "Running")], [("2", "Pending"), ("5", "Running")]),
    ([("5", "Pending"), ("0", "Running"), ("3", "Pending"), ("0", "Running"), ("3", "Running"), ("0", "Pending"),
      ("6", "Running"), ("6", "Pending")],
     [("0", "Pending"), ("0", "Running"), ("3", "Pending"), ("6", "Running"), ("6", "Pending")],
     [("0", "Running"), ("3", "Running"), ("5", "Pending")]),
    ([("-", "Pending"), ("invalid", "Running"), ("-2", "Running"), ("0", "Pending"), ("1", "Pending"),
      ("1", "Pending"), ("1", "Running")],
     [("-", "Pending"), ("invalid", "Running"), ("-2", "Running"), ("1", "Pending"), ("1", "Pending")],
     [("0", "Pending"), ("1", "Running")]),
])
def test_append_duplicated_index_pods_for_removal(pods: list, want_rm: list, want_left: list) -> None:
    """TestAppendDuplicatedIndexPodsForRemoval, through activePodsForRemoval with nothing more to remove."""
    job = Job.from_dict(_job(2, 6, mode="Indexed"))
    found = _indexed_pods(pods)
    shown = lambda ps: [(p.metadata.annotations.get(jc.JOB_COMPLETION_INDEX, "-"), p.status.phase) for p in ps]
    remove = jc.active_pods_for_removal(job, found, 0)
    assert shown(remove) == want_rm
    assert sorted(shown(p for p in found if p not in remove)) == sorted(want_left)


@pytest.mark.parametrize(("name", "index", "want"), [
    ("indexed-job", 1, "indexed-job-1-"),
    ("hhhhhooooo" * 7, 1, "hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhh-1-"),
    ("hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhoo", 1,
     "hhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhhooooohhhhh-1-"),
])
def test_pod_generate_name_with_index(name: str, index: int, want: str) -> None:
    """TestPodGenerateNameWithIndex."""
    assert jc.pod_generate_name_with_index(name, index) == want


@given(st.sets(st.integers(0, 40), max_size=20), st.sets(st.integers(0, 40), max_size=20))
@settings(max_examples=60)
def test_intervals_text_round_trips(first: set[int], second: set[int]) -> None:
    """orderedIntervals: merging indexes in any order gives the same intervals as the set union, whose text
    (``1,3-5,7,8``) parses back to them."""
    merged = jc.with_ordered_indexes(jc.with_ordered_indexes((), sorted(first)), sorted(second))
    assert {i for a, b in merged for i in range(a, b + 1)} == first | second
    assert jc.total(merged) == len(first | second)
    assert jc.parse_intervals(jc.intervals_text(merged), 41) == merged
    assert all(b + 1 < c for (_, b), (c, _) in zip(merged, merged[1:], strict=False))


# --- backoff_utils_test.go -------------------------------------------------------------------------------------


def _finished(phase: str, at: int) -> Pod:
    return Pod.from_dict({"metadata": {"name": f"p{at}", "namespace": NS}, "spec": {"containers": [{"name": "c"}]},
                          "status": {"phase": phase, "containerStatuses": [
                              {"name": "c", "state": {"terminated": {"exitCode": 0, "finishedAt": at}}}]}})


T = 1_000


@pytest.mark.parametrize(("stored", "succeeded", "failed", "want"), [
    (jc.BackoffRecord(), [], [T], jc.BackoffRecord(1, T)),
    (jc.BackoffRecord(), [], [T, T - 1], jc.BackoffRecord(2, T)),
    (jc.BackoffRecord(), [T], [T - 2, T - 1], jc.BackoffRecord(0, None)),
    (jc.BackoffRecord(), [T - 2], [T, T - 4, T - 3, T - 1], jc.BackoffRecord(2, T)),
    (jc.BackoffRecord(2, None), [], [T], jc.BackoffRecord(3, T)),
    (jc.BackoffRecord(), [T], [T], jc.BackoffRecord(0, None)),
    (jc.BackoffRecord(), [], [], jc.BackoffRecord(0, None)),
    (jc.BackoffRecord(), [T], [], jc.BackoffRecord(0, None)),
])
def test_new_backoff_record(stored: jc.BackoffRecord, succeeded: list[int], failed: list[int],
                            want: jc.BackoffRecord) -> None:
    """TestNewBackoffRecord (upstream's milliseconds are seconds here)."""
    pods = lambda phase, times: [_finished(phase, t) for t in times]
    assert stored.updated(pods("Succeeded", succeeded), pods("Failed", failed)) == want


@pytest.mark.parametrize(("pod", "want"), [
    ({"status": {"containerStatuses": [{"name": "a", "state": {"terminated": {"finishedAt": T - 1}}},
                                       {"name": "b", "state": {"terminated": {"finishedAt": T}}},
                                       {"name": "c", "state": {"terminated": {"finishedAt": T - 2}}}]}}, T),
    ({"status": {"containerStatuses": [{"name": "a", "state": {"terminated": {"finishedAt": T - 1}}},
                                       {"name": "b", "state": {"running": {}}}]},
      "metadata": {"deletionTimestamp": T}}, T),
    ({"status": {"containerStatuses": [{"name": "a", "state": {"running": {}}}]},
      "metadata": {"deletionTimestamp": T, "deletionGracePeriodSeconds": 30}}, T - 30),
    ({"status": {"containerStatuses": [{"name": "a", "state": {"terminated": {}}}],
                 "conditions": [{"type": "Ready", "status": "False", "reason": "PodFailed",
                                 "lastTransitionTime": T}]}}, T),
    ({"status": {"containerStatuses": [{"name": "a", "state": {"terminated": {}}}],
                 "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": T - 30}]},
      "metadata": {"deletionTimestamp": T}}, T),
    ({"status": {"containerStatuses": [{"name": "a", "state": {"terminated": {}}}]},
      "metadata": {"creationTimestamp": T}}, T),
    ({"spec": {"initContainers": [{"name": "sidecar", "restartPolicy": "Always"}]},
      "status": {"containerStatuses": [{"name": "a", "state": {"terminated": {"finishedAt": T - 1}}}],
                 "initContainerStatuses": [{"name": "sidecar", "state": {"terminated": {"finishedAt": T}}}]}}, T),
])
def test_get_finished_time(pod: dict, want: int) -> None:
    """TestGetFinishedTime: containers, then Ready=False, then deletion less grace, then creation."""
    spec = {"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}], **pod.get("spec", {})}
    found = Pod.from_dict({"metadata": {"name": "p", "namespace": NS, **pod.get("metadata", {})}, "spec": spec,
                           "status": pod["status"]})
    assert jc.finished_time(found) == want


@pytest.mark.parametrize(("record", "now", "want"), [
    (jc.BackoffRecord(0, None), T, 0),
    (jc.BackoffRecord(1, T), T, 5),
    (jc.BackoffRecord(1, T), T + 1, 4),
    (jc.BackoffRecord(1, T), T + 5, 0),
    (jc.BackoffRecord(1, T), T + 6, 0),
    (jc.BackoffRecord(3, T), T, 20),
    (jc.BackoffRecord(8, T), T, 640),
    (jc.BackoffRecord(9, T), T, 700),
])
def test_get_remaining_backoff_time(record: jc.BackoffRecord, now: int, want: int) -> None:
    """TestGetRemainingBackoffTime (default back-off 5 s, maximum 700 s, as the upstream table)."""
    assert record.remaining(now, initial=5, maximum=700) == want


def test_default_pod_failure_backoff_doubles_from_10s_to_10_minutes() -> None:
    """DefaultJobPodFailureBackOff 10 s and MaxJobPodFailureBackOff 10 minutes."""
    assert [jc.BackoffRecord(n, 0).remaining(0) for n in range(1, 9)] == [10, 20, 40, 80, 160, 320, 600, 600]


# --- event handlers --------------------------------------------------------------------------------------------


def _event_cache(*docs: dict) -> Any:
    return cluster.initial_state([from_dict(d) for d in docs]).informer(jc.NAME).cache


def _react(cache: Any, event_type: str, obj: Any, old: Any = None) -> tuple[tuple, jc.JobMemory]:
    from model.store import WatchEvent
    event = WatchEvent(event_type, obj, 99)
    memory = FrozenDict({"job": jc.JobMemory().expect(KEY, 2, 2, 0).expect_finalizers_removed(KEY, ["uid-p"])})
    keys = jc.CONTROLLER.enqueue(event, old, cache)
    return tuple(keys), jc.memory_of(jc.CONTROLLER.on_event(memory, event, old, cache))


def _pod_object(**fields: Any) -> Pod:
    return Pod.from_dict(_pod("p", "Running", **fields))


def test_pod_events_wake_their_job_a_second_later_and_lower_its_expectations() -> None:
    """addPod, updatePod, deletePod: the owning Job is synced after syncJobBatchPeriod; a new pod is an observed
    creation; a deletion (the deletion timestamp, then the delete) counts each time; the finalizer's removal is
    observed when it is gone, or on the final delete."""
    cache = _event_cache(_job(), _node())
    pod = _pod_object()
    keys, memory = _react(cache, "ADDED", pod)
    assert keys == (base.After(KEY, 1),) and memory.expectations[KEY] == ControlleeExpectations(1, 2, 0)
    deleting = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, deletion_timestamp=5, resource_version="2"))
    keys, memory = _react(cache, "MODIFIED", deleting, pod)
    assert keys == (base.After(KEY, 1),) and memory.expectations[KEY] == ControlleeExpectations(2, 1, 0)
    assert memory.expected_removals(KEY) == {"uid-p"}
    _, memory = _react(cache, "DELETED", deleting)
    assert memory.expectations[KEY] == ControlleeExpectations(2, 1, 0) and memory.expected_removals(KEY) == set()
    released = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, finalizers=(), resource_version="3"))
    keys, memory = _react(cache, "MODIFIED", released, pod)
    assert keys == (base.After(KEY, 1),) and memory.expected_removals(KEY) == set()
    keys, _ = _react(cache, "MODIFIED", pod, pod)
    assert keys == ()


def test_orphan_pods_with_the_finalizer_go_to_the_orphan_queue() -> None:
    """addPod of a pod without controller but with the finalizer: the orphan queue, plus every Job selecting it."""
    cache = _event_cache(_job(), _node())
    keys, _ = _react(cache, "ADDED", _pod_object(owner=False))
    assert keys == (("Pod", NS, "p"), base.After(KEY, 1))
    keys, _ = _react(cache, "ADDED", _pod_object(owner=False, tracking=False, labels={"app": "x"}))
    assert keys == ()


def test_job_events() -> None:
    """addJob and a spec change sync at once; a status update a second later; a finished Job (or a deleted one)
    sends its pods still holding the finalizer to the orphan queue."""
    job = Job.from_dict(_job())
    cache = _event_cache(_job(), _pod("p", "Succeeded"), _pod("q", "Running", tracking=False))
    assert _react(cache, "ADDED", job)[0] == (KEY,)
    status_update = attrs.evolve(job, metadata=attrs.evolve(job.metadata, resource_version="5"))
    assert _react(cache, "MODIFIED", status_update, job)[0] == (base.After(KEY, 1),)
    spec_change = attrs.evolve(job, metadata=attrs.evolve(job.metadata, generation=2))
    assert _react(cache, "MODIFIED", spec_change, job)[0] == (KEY,)
    complete = attrs.evolve(job, status=attrs.evolve(job.status, conditions=(FrozenDict(
        {"type": "Complete", "status": "True"}),)))
    assert _react(cache, "MODIFIED", complete, job)[0] == (base.After(KEY, 1), ("Pod", NS, "p"))
    assert _react(cache, "DELETED", job)[0] == (KEY, ("Pod", NS, "p"))


# --- the API server: selector generation and finalizer patches ---------------------------------------------------


def _create(state: ClusterState, doc: dict) -> rq.Response:
    return cluster.step(state, Submit(rq.Create(ADMIN, from_dict(doc)))).responses[0]


def _user_job(**spec: Any) -> dict:
    template = {"metadata": {"labels": {"app": "pi"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "perl"}]}}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "namespace": NS},
            "spec": {"template": template, **spec}}


def test_job_selector_is_generated_on_create() -> None:
    """generateSelector (pkg/registry/batch/job/strategy.go): the template gets job-name and controller-uid
    labels (legacy and batch.kubernetes.io/), the selector matches the Job's uid; the Job's own labels default to
    the user's template labels only."""
    response = _create(_state(_node(), time=0), _user_job())
    assert response.ok, response
    job = response.object
    uid = job.metadata.uid
    assert dict(job.spec.template.metadata.labels) == {
        "app": "pi", "job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": uid,
        "batch.kubernetes.io/controller-uid": uid}
    assert dict(job.spec.selector.match_labels) == {"batch.kubernetes.io/controller-uid": uid}
    assert dict(job.metadata.labels) == {"app": "pi"}


def test_generated_job_name_label_uses_the_generated_name() -> None:
    doc = _user_job()
    doc["metadata"] = {"generateName": "pi-", "namespace": NS}
    job = _create(_state(_node(), time=0), doc).object
    assert job.name.startswith("pi-") and job.spec.template.metadata.labels["job-name"] == job.name


@pytest.mark.parametrize(("spec", "labels", "error"), [
    ({"manualSelector": True}, None, "spec.selector: Required value"),
    ({"selector": {"matchLabels": {"app": "pi"}}}, None, "spec.selector: Invalid value: "),
    ({}, {"app": "pi", "controller-uid": "wrong"}, "spec.template.metadata.labels[controller-uid]: Invalid value: "),
    ({}, {"app": "pi", "batch.kubernetes.io/job-name": "other"},
     "spec.template.metadata.labels[batch.kubernetes.io/job-name]: Invalid value: "),
])
def test_job_selector_validation(spec: dict, labels: dict | None, error: str) -> None:
    """validateGeneratedSelector and ValidateJobSpec: a manual selector is required and must select the
    template; a generated one cannot be overridden by conflicting labels or a user selector."""
    doc = _user_job(**spec)
    if labels is not None:
        doc["spec"]["template"]["metadata"]["labels"] = labels
    response = _create(_state(_node(), time=0), doc)
    assert response.code == 422 and error in response.message, response
    if "selector: Invalid" in error:
        assert response.message.endswith("`selector` not auto-generated")


def test_manual_selector_is_kept() -> None:
    job = _create(_state(_node(), time=0), _user_job(manualSelector=True,
                                                     selector={"matchLabels": {"app": "pi"}})).object
    assert dict(job.spec.template.metadata.labels) == {"app": "pi"}
    assert dict(job.spec.selector.match_labels) == {"app": "pi"}


def test_finalizer_patches() -> None:
    """The metadata patch: finalizers merge in, ``$deleteFromPrimitiveList`` drops them, none may be added to an
    object being deleted, and an object being deleted goes once its last finalizer does."""
    state = _state(_job(), _pod("p", "Running", tracking=False))
    patch = lambda **kw: rq.PatchOwnerReferences(ADMIN, "Pod", NS, "p", **kw)
    step = cluster.step(state, Submit(patch(add_finalizers=(TRACKING, TRACKING))))
    assert step.state.store.get("Pod", NS, "p").metadata.finalizers == (TRACKING,)
    state = cluster.step(step.state, Submit(rq.Delete(ADMIN, "Pod", NS, "p"))).state
    assert state.store.get("Pod", NS, "p").metadata.deletion_timestamp is not None
    refused = cluster.step(state, Submit(patch(add_finalizers=("other",)))).responses[0]
    assert refused.code == 422 and 'no new finalizers can be added if the object is being deleted, found new ' \
        'finalizers ["other"]' in refused.message
    removed = cluster.step(state, Submit(patch(remove_finalizers=(TRACKING,))))
    assert removed.responses[0].ok and removed.state.store.get("Pod", NS, "p") is None


# --- scenarios on the whole model ------------------------------------------------------------------------------


QUIET = (Tick, ContainerExit, SubmitPending, Submit)


def _scenario_job(name: str = "pi", completions: int | None = 3, parallelism: int = 2, backoff_limit: int = 6,
                  mode: str = "NonIndexed", deadline: int | None = None) -> dict:
    spec: dict[str, Any] = {"parallelism": parallelism, "backoffLimit": backoff_limit, "completionMode": mode,
                            "template": {"spec": {"restartPolicy": "Never",
                                                  "containers": [{"name": "c", "image": "busybox"}]}}}
    if completions is not None:
        spec["completions"] = completions
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": NS}, "spec": spec}


def _start(*docs: dict, config: ModelConfig = FAITHFUL) -> ClusterState:
    state = cluster.initial_state([from_dict(d) for d in docs])
    while state.pending:
        state = cluster.apply(state, SubmitPending(), config)
    return state


def _invariants(state: ClusterState) -> None:
    """What the Job controller guarantees in every state (the store's truth, not a cache): no more active pods
    than parallelism, no more successes counted than completions, a uid counted once."""
    for job in state.store.list("Job"):
        active = [p for p in _job_pods(state, job) if jc.is_pod_active(p)]
        assert len(active) <= job.spec.parallelism, (job.name, [p.name for p in active])
        status = job.status
        if job.spec.completions is not None:
            assert status.succeeded <= job.spec.completions, status
        uncounted = status.uncounted_terminated_pods or UncountedTerminatedPods()
        uids = uncounted.succeeded + uncounted.failed
        assert len(uids) == len(set(uids)), uncounted


def _quiesce(state: ClusterState, config: ModelConfig = FAITHFUL, observe: Callable[[ClusterState], None] =
             _invariants, limit: int = 3000) -> ClusterState:
    """Run the components (the clock and containers' exits aside) until no action changes the state."""
    for _ in range(limit):
        for action in cluster.enabled(state, config):
            if isinstance(action, QUIET):
                continue
            after = cluster.apply(state, action, config)
            if after != state:
                state = after
                observe(state)
                break
        else:
            return state
    raise AssertionError("not quiescent")


def _run(state: ClusterState, seconds: int, config: ModelConfig = FAITHFUL,
         observe: Callable[[ClusterState], None] = _invariants) -> ClusterState:
    """Let ``seconds`` pass a second at a time, the components running in between."""
    state = _quiesce(state, config, observe)
    for _ in range(seconds):
        state = _quiesce(cluster.apply(state, Tick(1), config), config, observe)
    return state


def _job_pods(state: ClusterState, job: Job | str = "pi") -> list[Pod]:
    uid = (state.store.get("Job", NS, job) if isinstance(job, str) else job).metadata.uid
    return [p for p in state.store.list("Pod", NS)
            if (ref := p.metadata.controller_ref()) is not None and ref.uid == uid]


def _exit(state: ClusterState, pod: Pod, code: int) -> ClusterState:
    """The pod's container exits with ``code`` (0: it did its work)."""
    return cluster.apply(state, ContainerExit(pod.spec.node_name, pod.metadata.uid, "c", code))


def _running(state: ClusterState, job: str = "pi") -> list[Pod]:
    return [p for p in _job_pods(state, job) if p.status.phase == "Running" and p.metadata.deletion_timestamp is None]


def _status(state: ClusterState, job: str = "pi") -> Any:
    return state.store.get("Job", NS, job).status


def _condition_types(state: ClusterState, job: str = "pi") -> list[str]:
    return [c["type"] for c in _status(state, job).conditions or () if c["status"] == "True"]


def test_job_completes_with_parallelism_and_no_extra_pods() -> None:
    """A NonIndexed Job: at most ``parallelism`` pods run, never more than the remaining completions; once
    ``completions`` pods succeeded, SuccessCriteriaMet then Complete, and every finalizer is gone."""
    state = _run(_start(_node(), _scenario_job(completions=3, parallelism=2)), 1)
    assert len(_running(state)) == 2
    for _ in range(3):
        state = _run(_exit(state, _running(state)[0], 0), 1)
    status = _status(state)
    assert (status.succeeded, status.failed, status.active) == (3, 0, 0)
    assert _condition_types(state) == ["SuccessCriteriaMet", "Complete"]
    assert status.completion_time is not None
    pods = _job_pods(state)
    assert len(pods) == 3 and all(not jc.has_tracking_finalizer(p) for p in pods)


def test_failed_pods_are_replaced_after_an_exponential_back_off() -> None:
    """A failed pod is replaced DefaultJobPodFailureBackOff (10 s) after it finished, the next after 20 s."""
    state = _run(_start(_node(), _scenario_job(completions=1, parallelism=1)), 5)
    creations = []
    for _ in range(2):
        failed_at = state.time
        state = _exit(state, _running(state)[0], 1)
        known = {p.name for p in _job_pods(state)}
        while not {p.name for p in _job_pods(state)} - known:
            state = _run(state, 1)
        creations.append(state.time - failed_at)
        state = _run(state, 3)
    assert creations == [10, 20]
    assert _status(state).failed == 2


def test_backoff_limit_exceeded_fails_the_job() -> None:
    """More failures than backoffLimit: FailureTarget, then (no pod left terminating) Failed, reason
    BackoffLimitExceeded; no replacement is created."""
    state = _run(_start(_node(), _scenario_job(completions=1, parallelism=1, backoff_limit=1)), 1)
    state = _run(_exit(state, _running(state)[0], 1), 12)
    state = _run(_exit(state, _running(state)[0], 1), 30)
    status = _status(state)
    assert status.failed == 2 and status.active == 0
    assert [(c["type"], c["reason"]) for c in status.conditions] == [
        ("FailureTarget", "BackoffLimitExceeded"), ("Failed", "BackoffLimitExceeded")]
    assert len(_job_pods(state)) == 2 and all(not jc.has_tracking_finalizer(p) for p in _job_pods(state))


def test_failed_job_deletes_running_pods_and_waits_for_them() -> None:
    """With the pod failure past backoffLimit 0 the running pod is deleted (counted failed); Failed comes only
    once no pod is terminating (delayTerminalCondition)."""
    seen: list[tuple[bool, bool, int]] = []

    def observe(state: ClusterState) -> None:
        _invariants(state)
        types = _condition_types(state)
        terminating = sum(map(jc.is_pod_terminating, _job_pods(state)))
        seen.append(("FailureTarget" in types, "Failed" in types, terminating))
    state = _run(_start(_node(), _scenario_job(completions=4, parallelism=2, backoff_limit=0)), 1)
    state = _run(_exit(state, _running(state)[0], 1), 5, observe=observe)
    assert (True, False, 1) in seen
    assert all(terminating == 0 for _, failed, terminating in seen if failed)
    status = _status(state)
    assert (status.failed, status.succeeded, status.active, status.terminating) == (2, 0, 0, 0)
    assert _condition_types(state) == ["FailureTarget", "Failed"]


def test_active_deadline_fails_the_job_and_deletes_its_pods() -> None:
    """activeDeadlineSeconds after startTime: FailureTarget DeadlineExceeded at that second (the sync is requeued
    for it), the running pod deleted, then Failed."""
    state = _run(_start(_node(), _scenario_job(completions=1, parallelism=1, deadline=30)), 29)
    assert _condition_types(state) == [] and len(_running(state)) == 1
    state = _run(state, 1)
    target = next(c for c in _status(state).conditions if c["type"] == "FailureTarget")
    assert (target["reason"], target["lastTransitionTime"]) == ("DeadlineExceeded", 30)
    state = _run(state, 3)
    assert _condition_types(state) == ["FailureTarget", "Failed"]
    assert _status(state).failed == 1 and all(p.metadata.deletion_timestamp is not None or p.is_terminated
                                              for p in _job_pods(state))


def test_indexed_job_tracks_completed_indexes() -> None:
    """An Indexed Job: one pod per pending index (annotation, label, hostname, env var); completedIndexes as
    intervals whatever order the indexes finish in."""
    state = _run(_start(_node(), _scenario_job(name="train", completions=4, parallelism=2, mode="Indexed")), 1)
    by_index = lambda: {jc.completion_index(p): p for p in _running(state, "train")}
    assert sorted(by_index()) == [0, 1]
    pod = by_index()[1]
    assert pod.name.startswith("train-1-") and pod.spec.hostname == "train-1"
    assert pod.labels[jc.JOB_COMPLETION_INDEX] == "1"
    assert pod.spec.containers[0].env[0]["name"] == "JOB_COMPLETION_INDEX"
    shown = []
    for index in (1, 2, 0, 3):
        state = _run(_exit(state, by_index()[index], 0), 1)
        shown.append(_status(state, "train").completed_indexes)
    assert shown == ["1", "1,2", "0-2", "0-3"]
    assert _status(state, "train").succeeded == 4
    assert _condition_types(state, "train") == ["SuccessCriteriaMet", "Complete"]


def test_pod_deleted_while_running_counts_as_failed_once() -> None:
    """isPodFailed: a pod deleted before it succeeded is a failure, counted once, and replaced."""
    state = _run(_start(_node(), _scenario_job(completions=1, parallelism=1)), 1)
    victim = _running(state)[0]
    state = cluster.apply(state, Submit(rq.Delete(ADMIN, "Pod", NS, victim.name)))
    state = _run(state, 12)
    assert _status(state).failed == 1
    assert state.store.get("Pod", NS, victim.name) is None
    state = _run(_exit(state, _running(state)[0], 0), 2)
    status = _status(state)
    assert (status.succeeded, status.failed) == (1, 1) and _condition_types(state)[-1] == "Complete"


def test_expectations_hold_back_a_second_sync_while_the_informer_lags() -> None:
    """A second sync before the informer has seen the first one's pods creates nothing (ControllerExpectations)."""
    state = _start(_node(), _scenario_job(completions=5, parallelism=3))
    while behind(state, jc.NAME):
        state = cluster.apply(state, DeliverWatchEvent(jc.NAME))
    state = cluster.apply(state, base.Reconcile(jc.NAME, (NS, "pi")))
    assert len(_job_pods(state)) == 3
    state = cluster.apply(state, base.Reconcile(jc.NAME, (NS, "pi")))
    assert len(_job_pods(state)) == 3


def test_deleted_job_releases_its_pods_finalizers() -> None:
    """A Job deleted with its pods orphaned: the pods lose the tracking finalizer (the sync of a Job being deleted
    removes them all; deleteJob and syncOrphanPod would for what is left), so they do not hang on deletion."""
    state = _run(_start(_node(), _scenario_job(completions=2, parallelism=2)), 1)
    state = cluster.apply(state, Submit(rq.Delete(ADMIN, "Job", NS, "pi", propagation_policy=rq.ORPHAN)))
    state = _run(state, 2, observe=lambda s: None)
    assert state.store.get("Job", NS, "pi") is None
    pods = [p for p in state.store.list("Pod", NS) if p.name.startswith("pi-")]
    assert len(pods) == 2 and all(not jc.has_tracking_finalizer(p) and not p.metadata.owner_references for p in pods)


def test_orphan_pod_sync_removes_the_finalizer_unless_an_unfinished_job_controls_the_pod(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """syncOrphanPod: a pod without controller, or whose Job is gone or finished, loses the finalizer; a pod of a
    running Job, or controlled by another kind, keeps it."""
    other = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "rs-uid", "controller": True}
    complete = {"type": "Complete", "status": "True", "lastProbeTime": 0, "lastTransitionTime": 0}
    for job, pod, removed in [
        (None, _pod("p", "Succeeded", owner=False), True),
        (None, _pod("p", "Succeeded"), True),
        (_job(status={"conditions": [complete]}), _pod("p", "Succeeded"), True),
        (_job(), _pod("p", "Succeeded"), False),
        (None, {**_pod("p", "Succeeded"), "metadata": {**_pod("p", "Succeeded")["metadata"],
                                                       "ownerReferences": [other]}}, False),
    ]:
        synced = _sync(_state(*([job] if job else []), pod), monkeypatch, key=("Pod", NS, "p"))
        assert len(synced.patches) == removed and not synced.failed
        assert jc.has_tracking_finalizer(synced.state.store.get("Pod", NS, "p")) != removed


def test_orphan_pods_matching_a_manual_selector_are_adopted_with_the_finalizer() -> None:
    """ClaimPods: an orphan the selector matches is adopted (controller reference and tracking finalizer in one
    patch) and counts toward parallelism."""
    job = _scenario_job(completions=2, parallelism=2)
    job["spec"].update(manualSelector=True, selector={"matchLabels": {"app": "pi"}})
    job["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    orphan = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "namespace": NS,
                                                               "labels": {"app": "pi"}},
              "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}
    state = _run(_start(_node(), orphan, job), 1)
    stray = state.store.get("Pod", NS, "stray")
    assert stray.metadata.controller_ref().name == "pi" and jc.has_tracking_finalizer(stray)
    assert len(_job_pods(state)) == 2


# --- random interleavings ----------------------------------------------------------------------------------------


CRASHING = ModelConfig(faults=frozenset({"container-crash"}))


@st.composite
def _job_shapes(draw: Any) -> dict:
    completions = draw(st.integers(1, 4))
    return _scenario_job(completions=completions, parallelism=draw(st.integers(1, 3)),
                         backoff_limit=draw(st.integers(0, 3)), mode=draw(st.sampled_from(["NonIndexed", "Indexed"])))


def _relevant(action: Any) -> bool:
    """The actions that matter to a Job: its controller's and the scheduler's and kubelets' (other controllers'
    informers may lag), the kubelets' and containers', the clock."""
    if isinstance(action, DeliverWatchEvent):
        return action.component in (jc.NAME, "scheduler") or action.component.startswith("kubelet/")
    if isinstance(action, base.Reconcile):
        return action.controller == jc.NAME
    return not isinstance(action, (SubmitPending, Submit))


@given(_job_shapes(), st.lists(st.integers(0, 10**6), min_size=20, max_size=80))
@settings(max_examples=15, deadline=None)
def test_random_interleavings_keep_the_job_invariants(job: dict, choices: list[int]) -> None:
    """Any interleaving of watch deliveries (stale caches), syncs, scheduling, kubelets, container successes and
    crashes, admin pod deletions and ticks keeps the invariants; afterwards, with containers succeeding, the Job
    finishes (Complete with exactly ``completions`` successes, or Failed) and no pod keeps the finalizer."""
    state = _start(_node(), job)
    for choice in choices:
        actions = [a for a in cluster.enabled(state, CRASHING) if _relevant(a)] + [Tick(1), Tick(5)]
        actions += [Submit(rq.Delete(ADMIN, "Pod", NS, p.name)) for p in _running(state)]
        state = cluster.apply(state, actions[choice % len(actions)], CRASHING)
        _invariants(state)
    for _ in range(60):
        if jc.is_job_finished(state.store.get("Job", NS, "pi")):
            break
        state = _run(state, 1)
        for pod in _running(state):
            state = _exit(state, pod, 0)
    else:
        state = _run(state, 700)
    final = state.store.get("Job", NS, "pi")
    assert jc.is_job_finished(final), final.status
    if "Complete" in _condition_types(state):
        assert final.status.succeeded == job["spec"]["completions"]
    state = _run(state, 2)
    assert not any(jc.has_tracking_finalizer(p) for p in _job_pods(state))
