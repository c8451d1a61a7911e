"""The Job controller's pod failure policy: how a failed pod's exit codes and conditions decide what its failure does.

Ported from kubernetes/kubernetes pkg/controller/job/pod_failure_policy.go (``matchPodFailurePolicy``,
``matchOnExitCodes``, ``matchOnPodConditions``, ``getMatchingContainerFromList``,
``isOnExitCodesOperatorMatching``) and job_controller.go (``getFailJobMessage``, ``nonIgnoredFailedPodsCount``,
``isPodFailed``, ``onlyReplaceFailedPods``). Doc: https://kubernetes.io/docs/concepts/workloads/controllers/job/
#pod-failure-policy and #pod-replacement-policy.

A ``FailIndex`` rule (validation accepts it only with ``backoffLimitPerIndex``) fails the pod's index; the
per-index back-off is the Job controller's (:func:`model.controllers.job.is_index_failed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from model.objects import Pod
from model.objects.workloads import FAILED_ONLY, Job, PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement

FAIL_JOB, FAIL_INDEX, IGNORE, COUNT = "FailJob", "FailIndex", "Ignore", "Count"
POD_FAILURE_POLICY_REASON = "PodFailurePolicy"
"""batch.JobReasonPodFailurePolicy: the reason of the FailureTarget/Failed conditions a FailJob rule sets."""


def only_replace_failed_pods(job: Job) -> bool:
    """``onlyReplaceFailedPods``: podReplacementPolicy Failed (the default with a podFailurePolicy)."""
    return job.spec.pod_replacement_policy == FAILED_ONLY or job.spec.pod_failure_policy is not None


def is_pod_failed(pod: Pod, job: Job) -> bool:
    """``isPodFailed``: Failed; or, unless only failed pods are replaced, being deleted before it succeeded (an
    orphaned pod may never reach Failed)."""
    phase = pod.status.phase
    if phase == "Failed":
        return True
    if only_replace_failed_pods(job):
        return False
    return pod.metadata.deletion_timestamp is not None and phase != "Succeeded"


def _terminated(status: Any) -> Any | None:
    return (status.state or {}).get("terminated")


def _matching_container(statuses: Iterable[Any], requirement: PodFailurePolicyOnExitCodesRequirement) -> Any | None:
    """``getMatchingContainerFromList``: the first terminated container (named, if the requirement names one) whose
    non-zero exit code the operator matches."""
    for status in statuses:
        terminated = _terminated(status)
        if terminated is None:
            continue
        if requirement.container_name is not None and requirement.container_name != status.name:
            continue
        code = terminated.get("exitCode", 0)
        if code != 0 and (code in requirement.values) == (requirement.operator == "In"):
            return status
    return None


def _matching_condition(pod: Pod, patterns: Iterable[Any]) -> Any | None:
    """``matchOnPodConditions``: the first pod condition (in the pod's order) some pattern matches."""
    patterns = tuple(patterns)
    for condition in pod.status.conditions:
        if any(condition.type == p.type and condition.status == p.status for p in patterns):
            return condition
    return None


def match_pod_failure_policy(policy: PodFailurePolicy | None, pod: Pod) -> tuple[str | None, bool, str | None]:
    """``matchPodFailurePolicy``: (the Job failure message of a matching FailJob rule, whether the failure counts
    towards backoffLimit, the matched rule's action). Rules are tried in order; the first match decides; no match
    counts the failure."""
    if policy is None:
        return None, True, None
    for index, rule in enumerate(policy.rules):
        if rule.on_exit_codes is not None:
            status = _matching_container(pod.status.container_statuses, rule.on_exit_codes) or \
                _matching_container(pod.status.init_container_statuses, rule.on_exit_codes)
            if status is None:
                continue
            message = (f"Container {status.name} for pod {pod.namespace}/{pod.name} failed with exit code "
                       f"{_terminated(status).get('exitCode')} matching {rule.action} rule at index {index}")
        elif rule.on_pod_conditions is not None:
            condition = _matching_condition(pod, rule.on_pod_conditions)
            if condition is None:
                continue
            message = (f"Pod {pod.namespace}/{pod.name} has condition {condition.type} matching {rule.action} rule "
                       f"at index {index}")
        else:
            continue
        if rule.action == IGNORE:
            return None, False, IGNORE
        if rule.action == FAIL_JOB:
            return message, True, FAIL_JOB
        return None, True, rule.action
    return None, True, None


def fail_job_message(job: Job, pods: Iterable[Pod]) -> str | None:
    """``getFailJobMessage``: the message of the first failed pod that matches a FailJob rule."""
    if job.spec.pod_failure_policy is None:
        return None
    for pod in pods:
        if is_pod_failed(pod, job):
            message, _, _ = match_pod_failure_policy(job.spec.pod_failure_policy, pod)
            if message is not None:
                return message
    return None


def counts_failed(job: Job, pod: Pod) -> bool:
    """Whether ``pod``'s failure counts towards backoffLimit (``nonIgnoredFailedPodsCount`` for one pod)."""
    return match_pod_failure_policy(job.spec.pod_failure_policy, pod)[1]
