"""backoffLimitPerIndex, maxFailedIndexes and the FailIndex action (model.controllers.job), after upstream's
TestSyncJobWithJobBackoffLimitPerIndex and TestGetPodsWithDelayedDeletionPerIndex (pkg/controller/job/
job_controller_test.go, indexed_job_utils_test.go; case names kept) and the Job validation of
pkg/apis/batch/validation (TestValidateJob's backoffLimitPerIndex / maxFailedIndexes cases)."""

from __future__ import annotations

from typing import Any

import pytest

from model.controllers import job as jc
from model.errors import ManifestError
from model.manifests import from_dict
from tests.model.controllers.test_job import NOW, _job, _pod, _state, _sync

FAIL_INDEX_ON_42 = {"rules": [{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [42]}},
                              {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [137]}}]}


def per_index_job(completions: int = 2, limit: int = 1, most: int | None = None, policy: dict | None = None,
                  status: dict | None = None) -> dict:
    job = _job(parallelism=completions, completions=completions, mode="Indexed", status=status)
    spec = job["spec"]
    spec["backoffLimitPerIndex"] = limit
    del spec["backoffLimit"]
    if most is not None:
        spec["maxFailedIndexes"] = most
    if policy is not None:
        spec["podFailurePolicy"] = policy
    return job


def indexed_pod(name: str, phase: str, index: int, failures: int | None = None, exit_code: int = 1,
                finished_at: int = NOW - 100, **annotations: str) -> dict:
    pod = _pod(name, phase, index=str(index), finished_at=finished_at)
    if failures is not None:
        pod["metadata"]["annotations"][jc.INDEX_FAILURE_COUNT] = str(failures)
    pod["metadata"]["annotations"].update(annotations)
    if phase == "Failed":
        pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] = exit_code
    return pod


def created(synced: Any) -> dict[int, dict[str, str]]:
    return {int(p.metadata.annotations[jc.JOB_COMPLETION_INDEX]): dict(p.metadata.annotations)
            for p in synced.creates}


def test_single_failed_pod_replacement_carries_the_failure_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """"single failed pod, not counted as the replacement pod creation is delayed" then the replacement: once the
    index's back-off (10 s after its first failure) has passed the new pod carries failure count 1, the failed pod
    keeps its finalizer until then, and failedIndexes is empty."""
    docs = (per_index_job(), indexed_pod("a", "Failed", 0, failures=0, finished_at=NOW - 5),
            indexed_pod("b", "Running", 1, failures=0))
    early = _sync(_state(*docs), monkeypatch)
    assert early.creates == [] and early.patches == []  # backing off; the failed pod's finalizer stays
    assert early.job.status.failed_indexes == ""
    later = _sync(_state(*docs, time=NOW + 10), monkeypatch)
    assert created(later)[0][jc.INDEX_FAILURE_COUNT] == "1"
    assert later.job.status.failed_indexes == "" and later.job.status.failed == 0


def test_single_failed_index_due_to_exceeding_the_backoff_limit_per_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """"single failed index due to exceeding the backoff limit per index, the job continues": the pod had failed
    once before (count 1 = backoffLimitPerIndex), so index 0 fails and is not retried; index 1 runs on."""
    synced = _sync(_state(per_index_job(), indexed_pod("a", "Failed", 0, failures=1),
                          indexed_pod("b", "Running", 1, failures=0)), monkeypatch)
    assert synced.creates == []
    assert synced.job.status.failed_indexes == "0"
    assert synced.job.status.failed == 1
    assert not any(c["type"] in ("FailureTarget", "Failed") for c in synced.job.status.conditions or ())


def test_single_failed_index_due_to_fail_index_action(monkeypatch: pytest.MonkeyPatch) -> None:
    """"single failed index due to FailIndex action, the job continues": exit code 42 matches FailIndex, so index 0
    fails at its first failure, with backoffLimitPerIndex 1 left unspent."""
    synced = _sync(_state(per_index_job(policy=FAIL_INDEX_ON_42), indexed_pod("a", "Failed", 0, 0, exit_code=42),
                          indexed_pod("b", "Running", 1, failures=0)), monkeypatch)
    assert synced.job.status.failed_indexes == "0" and synced.creates == []


def test_ignored_failures_are_counted_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """getNewIndexFailureCounts: a failure an Ignore rule matches adds to the ignored count, not the failure count,
    so it does not spend the index's backoffLimitPerIndex."""
    synced = _sync(_state(per_index_job(policy=FAIL_INDEX_ON_42), indexed_pod("a", "Failed", 0, 0, exit_code=137),
                          indexed_pod("b", "Running", 1, failures=0)), monkeypatch)
    assert created(synced)[0][jc.INDEX_FAILURE_COUNT] == "0"
    assert created(synced)[0][jc.INDEX_IGNORED_FAILURE_COUNT] == "1"
    assert synced.job.status.failed_indexes == ""


def test_job_failed_index_due_to_exceeding_max_failed_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    """"job failed due to number of failed indexes exceeding maxFailedIndexes": two failed indexes, at most one
    allowed: FailureTarget with reason MaxFailedIndexesExceeded, the running pod deleted."""
    synced = _sync(_state(per_index_job(completions=3, limit=0, most=1), indexed_pod("a", "Failed", 0, failures=0),
                          indexed_pod("b", "Failed", 1, failures=0), indexed_pod("c", "Running", 2, failures=0)),
                   monkeypatch)
    reasons = [(c["type"], c.get("reason")) for c in synced.job.status.conditions]
    assert ("FailureTarget", "MaxFailedIndexesExceeded") in reasons
    assert synced.deletes == ["c"]
    assert synced.job.status.failed_indexes == "0,1"


def test_job_fails_with_failed_indexes_once_every_index_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    """Index 0 succeeded and index 1 failed its last attempt: the Job fails with reason FailedIndexes."""
    synced = _sync(_state(per_index_job(limit=0), indexed_pod("a", "Succeeded", 0, failures=0),
                          indexed_pod("b", "Failed", 1, failures=0)), monkeypatch)
    assert ("FailureTarget", "FailedIndexes") in [(c["type"], c.get("reason")) for c in synced.job.status.conditions]
    assert synced.job.status.completed_indexes == "0" and synced.job.status.failed_indexes == "1"


def test_without_backoff_limit_per_index_fail_index_is_refused_and_no_failed_indexes_are_kept() -> None:
    """Validation: FailIndex needs backoffLimitPerIndex, which needs Indexed completion; maxFailedIndexes needs
    backoffLimitPerIndex and at most completions."""
    plain = _job(mode="Indexed")
    plain["spec"]["podFailurePolicy"] = FAIL_INDEX_ON_42
    cases: list[tuple[dict, str]] = [(plain, "valid only when backoffLimitPerIndex is set")]
    non_indexed = per_index_job()
    non_indexed["spec"]["completionMode"] = "NonIndexed"
    cases.append((non_indexed, "requires indexed completion mode"))
    cases.append((per_index_job(most=3), "must be less than or equal to completions"))
    alone = _job(mode="Indexed")
    alone["spec"]["maxFailedIndexes"] = 1
    cases.append((alone, "Required value: when maxFailedIndexes is specified"))
    for doc, message in cases:
        with pytest.raises(ManifestError) as error:
            from_dict(doc)
        assert message in str(error.value)
    assert from_dict(per_index_job(most=2)).spec.max_failed_indexes == 2


def test_a_terminating_pods_index_is_not_pending_when_only_failed_pods_are_replaced(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """firstPendingIndexes with podReplacementPolicy Failed: the index of a pod still terminating is held by it, so the
    new pod takes the next index (with TerminatingOrFailed, the terminating pod's index is pending again)."""
    job = _job(parallelism=2, completions=3, mode="Indexed")
    job["spec"]["podReplacementPolicy"] = "Failed"
    terminating = _pod("t", "Running", index="0", deleting=True)
    running = _pod("r", "Running", index="1")
    synced = _sync(_state(job, terminating, running), monkeypatch)
    assert [p.metadata.annotations[jc.JOB_COMPLETION_INDEX] for p in synced.creates] == []  # 2 active-or-terminating
    job["spec"]["parallelism"] = 3
    synced = _sync(_state(job, terminating, running), monkeypatch)
    assert [p.metadata.annotations[jc.JOB_COMPLETION_INDEX] for p in synced.creates] == ["2"]
