"""The Job controller's podFailurePolicy and podReplacementPolicy (model.controllers.pod_failure_policy and their use
in model.controllers.job).

Ported from kubernetes/kubernetes pkg/controller/job/pod_failure_policy_test.go (TestMatchPodFailurePolicy: the
cases below keep upstream's names; those with an unknown action or operator are left out, as the model's decoder
refuses both) and, for one sync, the shape of job_controller_test.go's TestControllerSyncJob rows with
podReplacementPolicy and podFailurePolicy. Scenario tests drive the whole model (API server, scheduler, kubelet,
taint-eviction and Job controllers).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from model import cluster
from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.controllers.pod_failure_policy import (
    COUNT,
    FAIL_INDEX,
    FAIL_JOB,
    IGNORE,
    is_pod_failed,
    match_pod_failure_policy,
    only_replace_failed_pods,
)
from model.manifests import from_dict
from model.objects import Pod
from model.objects.workloads import PodFailurePolicy
from tests.model.controllers.test_job import (
    NS,
    _exit,
    _job,
    _job_pods,
    _node,
    _pods,
    _run,
    _running,
    _scenario_job,
    _start,
    _state,
    _status,
    _sync,
)

# --- TestMatchPodFailurePolicy ---------------------------------------------------------------------------------


def _failed(containers: tuple[tuple[str, int | None], ...] = (), inits: tuple[tuple[str, int | None], ...] = (),
            conditions: tuple[tuple[str, str], ...] = ()) -> Pod:
    """A Failed pod default/mypod: (name, exit code) per container status (None: not terminated)."""
    def statuses(entries: tuple[tuple[str, int | None], ...]) -> list[dict]:
        return [{"name": name, "state": {} if code is None else {"terminated": {"exitCode": code}}}
                for name, code in entries]
    names = [n for n, _ in containers] or ["main-container"]
    return Pod.from_dict({
        "metadata": {"name": "mypod", "namespace": "default"},
        "spec": {"restartPolicy": "Never", "containers": [{"name": n} for n in names],
                 "initContainers": [{"name": n} for n, _ in inits]},
        "status": {"phase": "Failed", "containerStatuses": statuses(containers),
                   "initContainerStatuses": statuses(inits),
                   "conditions": [{"type": t, "status": s} for t, s in conditions]}})


def _codes(action: str, operator: str, values: list[int], container: str | None = None) -> dict:
    requirement: dict[str, Any] = {"operator": operator, "values": values}
    if container is not None:
        requirement["containerName"] = container
    return {"action": action, "onExitCodes": requirement}


def _on_conditions(action: str, *patterns: tuple[str, str]) -> dict:
    return {"action": action, "onPodConditions": [{"type": t, "status": s} for t, s in patterns]}


DISRUPTED = (("DisruptionTarget", "True"),)
MAIN_2 = (("main-container", 2),)


def _message(code: int, index: int, container: str = "main-container") -> str:
    return f"Container {container} for pod default/mypod failed with exit code {code} matching FailJob rule at index " \
           f"{index}"


MATCH_CASES: dict[str, tuple[list[dict] | None, Pod, str | None, bool, str | None]] = {
    "no policy rules": (None, _failed(MAIN_2), None, True, None),
    "ignore rule matched for exit codes": ([_codes(IGNORE, "In", [1, 2, 3])], _failed(MAIN_2), None, False, IGNORE),
    "ignore rule matched on negative exit codes - needed for Windows support": (
        [_codes(IGNORE, "In", [-1073741676, -1073741510])], _failed((("main-container", -1073741510),)),
        None, False, IGNORE),
    "FailJob rule matched for exit codes": ([_codes(FAIL_JOB, "In", [1, 2, 3])], _failed(MAIN_2), _message(2, 0),
                                            True, FAIL_JOB),
    "successful containers are skipped by the rules": (
        [_codes(FAIL_JOB, "NotIn", [111])],
        _failed((("main-container", 111), ("suppport-container", 0)), inits=(("init-container", 0),)),
        None, True, None),
    "FailIndex rule matched for exit codes": ([_codes(FAIL_INDEX, "In", [1, 2, 3])], _failed(MAIN_2), None, True,
                                              FAIL_INDEX),
    "pod failure policy with NotIn operator and value 0": (
        [_codes(FAIL_JOB, "NotIn", [0])], _failed((("main-container", 1), ("suppport-container", 0))),
        _message(1, 0), True, FAIL_JOB),
    "second jobfail rule matched for exit codes": (
        [_codes(COUNT, "In", [1, 2, 3]), _codes(FAIL_JOB, "In", [4, 5, 6])], _failed((("main-container", 6),)),
        _message(6, 1), True, FAIL_JOB),
    "count rule matched for exit codes": ([_codes(COUNT, "In", [1, 2, 3])], _failed((("foo", None), ("bar", 2))),
                                          None, True, COUNT),
    "FailIndex rule matched for pod conditions": ([_on_conditions(FAIL_INDEX, *DISRUPTED)],
                                                  _failed(conditions=DISRUPTED), None, True, FAIL_INDEX),
    "ignore rule matched for pod conditions": ([_on_conditions(IGNORE, *DISRUPTED)], _failed(conditions=DISRUPTED),
                                               None, False, IGNORE),
    "ignore rule matches by the status=False": (
        [_on_conditions(IGNORE, ("DisruptionTarget", "False"))], _failed(conditions=(("DisruptionTarget", "False"),)),
        None, False, IGNORE),
    "ignore rule matches by the status=Unknown": (
        [_on_conditions(IGNORE, ("DisruptionTarget", "Unknown"))],
        _failed(conditions=(("DisruptionTarget", "Unknown"),)), None, False, IGNORE),
    "ignore rule does not match when status for pattern is False, but actual True": (
        [_on_conditions(IGNORE, ("DisruptionTarget", "False"))], _failed(conditions=DISRUPTED), None, True, None),
    "ignore rule does not match when status for pattern is True, but actual False": (
        [_on_conditions(IGNORE, *DISRUPTED)], _failed(conditions=(("DisruptionTarget", "False"),)), None, True, None),
    "FailJob rule matched for pod conditions": (
        [_on_conditions(FAIL_JOB, *DISRUPTED)], _failed(conditions=DISRUPTED),
        "Pod default/mypod has condition DisruptionTarget matching FailJob rule at index 0", True, FAIL_JOB),
    "init container exit codes are matched after the app containers'": (
        [_codes(FAIL_JOB, "In", [5], container="init")], _failed((("main-container", 0),), inits=(("init", 5),)),
        _message(5, 0, "init"), True, FAIL_JOB),
    "a rule naming another container does not match": (
        [_codes(IGNORE, "In", [2], container="other")], _failed(MAIN_2), None, True, None),
}


@pytest.mark.parametrize("name", list(MATCH_CASES))
def test_match_pod_failure_policy(name: str) -> None:
    rules, pod, message, count_failed, action = MATCH_CASES[name]
    policy = None if rules is None else PodFailurePolicy.from_dict({"rules": rules})
    assert match_pod_failure_policy(policy, pod) == (message, count_failed, action)


# --- defaulting and validation --------------------------------------------------------------------------------


def _manifest(template_policy: str = "Never", **spec: Any) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": NS},
            "spec": {"template": {"spec": {"restartPolicy": template_policy,
                                           "containers": [{"name": "main", "image": "busybox"}]}}, **spec}}


ONE_RULE = {"rules": [_codes(FAIL_JOB, "In", [42])]}


def test_pod_replacement_policy_defaults_to_failed_only_with_a_pod_failure_policy() -> None:
    """SetDefaults_Job: TerminatingOrFailed, or Failed when a podFailurePolicy is given."""
    assert from_dict(_manifest()).spec.pod_replacement_policy == "TerminatingOrFailed"
    assert from_dict(_manifest(podFailurePolicy=ONE_RULE)).spec.pod_replacement_policy == "Failed"
    assert from_dict(_manifest(podReplacementPolicy="Failed")).spec.pod_replacement_policy == "Failed"


@pytest.mark.parametrize(("spec", "template_policy", "error"), [
    ({"podFailurePolicy": ONE_RULE}, "OnFailure",
     'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy '
     "is specified"),
    ({"podFailurePolicy": ONE_RULE, "podReplacementPolicy": "TerminatingOrFailed"}, "Never",
     'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"'),
    ({"podFailurePolicy": {"rules": [_codes(FAIL_INDEX, "In", [1])]}}, "Never",
     'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": valid only when backoffLimitPerIndex is set'),
    ({"podFailurePolicy": {"rules": [_codes(COUNT, "In", [1], container="sidecar")]}}, "Never",
     'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "sidecar": must be one of the '
     "container or initContainer names in the pod template"),
    ({"podFailurePolicy": {"rules": [_codes(IGNORE, "In", [0, 1])]}}, "Never",
     "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator"),
    ({"podFailurePolicy": {"rules": [_codes(IGNORE, "NotIn", [3, 1])]}}, "Never",
     "spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Invalid value: 1: must be ordered"),
    ({"podFailurePolicy": {"rules": [_codes(IGNORE, "In", [1, 1])]}}, "Never",
     "spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 1"),
    ({"podFailurePolicy": {"rules": [{"action": IGNORE}]}}, "Never",
     "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required"),
    ({"podFailurePolicy": {"rules": [{**_codes(IGNORE, "In", [1]), **_on_conditions(IGNORE, *DISRUPTED)}]}},
     "Never", "spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is "
     "not supported"),
    ({"podFailurePolicy": {"rules": [_codes(IGNORE, "In", [1])] * 21}}, "Never",
     "spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items"),
    ({"podReplacementPolicy": "Never"}, "Never",
     'spec.podReplacementPolicy: unsupported value "Never": supported values: "TerminatingOrFailed", "Failed"'),
])
def test_pod_failure_policy_validation(spec: dict, template_policy: str, error: str) -> None:
    """pkg/apis/batch/validation/validation.go: validatePodFailurePolicy and validatePodReplacementPolicy."""
    from model.errors import ManifestError
    with pytest.raises(ManifestError) as info:
        from_dict(_manifest(template_policy, **spec))
    assert str(info.value).endswith(error), str(info.value)


def test_valid_policies_are_accepted() -> None:
    """Good requests are not refused: NotIn may list 0, a rule may name an init container, FailIndex with
    backoffLimitPerIndex."""
    spec = _manifest(podFailurePolicy={"rules": [_codes(IGNORE, "NotIn", [0, 7]),
                                                 _on_conditions(COUNT, *DISRUPTED)]})
    assert len(from_dict(spec).spec.pod_failure_policy.rules) == 2
    indexed = _manifest(podFailurePolicy={"rules": [_codes(FAIL_INDEX, "In", [3])]}, completionMode="Indexed",
                        completions=2, backoffLimitPerIndex=1)
    assert from_dict(indexed).spec.pod_failure_policy.rules[0].action == FAIL_INDEX


# --- one sync --------------------------------------------------------------------------------------------------


def _policy_job(replacement: str | None = None, policy: dict | None = None, **kwargs: Any) -> dict:
    doc = _job(**kwargs)
    if replacement is not None:
        doc["spec"]["podReplacementPolicy"] = replacement
    if policy is not None:
        doc["spec"]["podFailurePolicy"] = policy
    return doc


@pytest.mark.parametrize(("replacement", "creations", "active"), [("TerminatingOrFailed", 1, 2), ("Failed", 0, 1)])
def test_terminating_pods_are_replaced_only_under_terminating_or_failed(
        replacement: str, creations: int, active: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Job of parallelism 2 with one running and one terminating pod: TerminatingOrFailed replaces the terminating
    one at once; Failed waits for it to be Failed. status.terminating counts it either way."""
    job = _policy_job(replacement, parallelism=2, completions=5)
    synced = _sync(_state(job, *_pods(active=1, terminating=1)), monkeypatch)
    status = synced.job.status
    assert (len(synced.creates), status.active, status.terminating) == (creations, active, 1)
    assert status.failed == (1 if replacement == "TerminatingOrFailed" else 0), \
        "isPodFailed counts a terminating pod as failed only under TerminatingOrFailed"


def test_fail_job_rule_fails_the_job_with_the_policy_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed pod matching a FailJob rule: FailureTarget (reason PodFailurePolicy, upstream's message) at once,
    however high backoffLimit is; the running pod is deleted."""
    pods = _pods(active=1)
    failed = _pods(failed=1)[0]
    failed["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] = 42
    job = _policy_job(policy=ONE_RULE, parallelism=2, completions=5, backoff_limit=100)
    synced = _sync(_state(job, *pods, failed), monkeypatch)
    reasons = [(c["type"], c["reason"]) for c in synced.job.status.conditions]
    assert reasons[0] == ("FailureTarget", "PodFailurePolicy")
    message = synced.job.status.conditions[0]["message"]
    assert message == "Container c for pod default/failed-0 failed with exit code 42 matching FailJob rule at index 0"
    assert synced.deletes == ["running-0"]


def test_ignored_failures_do_not_count_towards_the_backoff_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two failed pods with a DisruptionTarget condition under an Ignore rule and backoffLimit 0: the Job keeps
    going (failed stays 0, replacements are created) and their finalizers come off."""
    pods = _pods(failed=2)
    for pod in pods:
        pod["status"]["conditions"] = [{"type": "DisruptionTarget", "status": "True"}]
    job = _policy_job(policy={"rules": [_on_conditions(IGNORE, *DISRUPTED)]}, parallelism=2, completions=5,
                      backoff_limit=0)
    synced = _sync(_state(job, *pods), monkeypatch)
    status = synced.job.status
    assert (status.failed, len(synced.creates)) == (0, 2)
    assert not status.conditions
    assert len(synced.patches) == 2


def test_only_failed_pods_count_as_failed_under_the_failed_policy() -> None:
    job = from_dict(_policy_job("Failed"))
    deleting = Pod.from_dict(_pods(terminating=1)[0])
    assert only_replace_failed_pods(job) and not is_pod_failed(deleting, job)
    assert is_pod_failed(deleting, from_dict(_policy_job("TerminatingOrFailed")))
    assert only_replace_failed_pods(from_dict(_policy_job(policy=ONE_RULE)))


# --- scenarios on the whole model ------------------------------------------------------------------------------


def _with_policy(doc: dict, policy: dict) -> dict:
    doc["spec"]["podFailurePolicy"] = policy
    return doc


def test_exit_code_matching_fail_job_fails_the_job_without_retries() -> None:
    state = _run(_start(_node(), _with_policy(_scenario_job(completions=3, parallelism=2, backoff_limit=10),
                                              {"rules": [_codes(FAIL_JOB, "In", [42], container="c")]})), 1)
    first = {p.name for p in _job_pods(state)}
    state = _run(_exit(state, _running(state)[0], 42), 5)
    status = _status(state)
    assert [(c["type"], c["reason"]) for c in status.conditions] == [("FailureTarget", "PodFailurePolicy"),
                                                                       ("Failed", "PodFailurePolicy")]
    assert status.active == 0 and status.terminating == 0 and status.failed == 2
    assert len(first) == 2 and {p.name for p in _job_pods(state)} <= first, "no replacement was created"


def test_a_taint_eviction_under_an_ignore_rule_is_not_a_failure() -> None:
    """The taint-eviction controller sets DisruptionTarget (DeletionByTaintManager) and deletes the pod; the kubelet
    kills it (Failed, exit 143); an Ignore rule on DisruptionTarget keeps it out of the failures (backoffLimit 0 would
    otherwise fail the Job), and the replacement (after the 10 s pod-failure back-off, which upstream applies to ignored
    failures too) waits until it is Failed (podReplacementPolicy Failed)."""
    job = _with_policy(_scenario_job(completions=1, parallelism=1, backoff_limit=0),
                       {"rules": [_on_conditions(IGNORE, *DISRUPTED)]})
    state = _run(_start(_node(), job), 1)
    victim = _running(state)[0]
    seen: list[tuple[str, bool]] = []

    def observe(state: Any) -> None:
        pod = state.store.get("Pod", NS, victim.name)
        if pod is not None:
            seen.append((pod.status.phase, pod.status.condition("DisruptionTarget") is not None))
    node = state.store.get("Node", None, "n1")
    taint = {"key": "maintenance", "effect": "NoExecute"}
    tainted = from_dict({**node.to_dict(), "spec": {**node.to_dict().get("spec", {}), "taints": [taint]}})
    state = cluster.apply(state, Submit(rq.Update(ADMIN, attrs.evolve(tainted, metadata=node.metadata))))
    state = _run(state, 15, observe=observe)
    # the kubelet's Failed status keeps the condition the taint manager set (status_manager.go mergePodStatus)
    assert ("Failed", True) in seen and ("Failed", False) not in seen
    status = _status(state)
    assert status.failed == 0 and not any(c["type"] in ("FailureTarget", "Failed") for c in status.conditions or ())
    assert [p.name for p in _job_pods(state)] != [victim.name] and _job_pods(state), "replaced"
