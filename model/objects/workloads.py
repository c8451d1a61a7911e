"""Workload controllers' kinds: ReplicationController, ReplicaSet, Deployment, DaemonSet, Job, StatefulSet.

Sources: staging/src/k8s.io/api/{core,apps,batch}/v1/types.go; defaulting from pkg/apis/core/v1/defaults.go
(SetDefaults_ReplicationController), pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment, _ReplicaSet,
_DaemonSet, _StatefulSet) and pkg/apis/batch/v1/defaults.go (SetDefaults_Job); the selector/template rule
from pkg/apis/apps/validation/validation.go (``selector`` does not match template ``labels``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import attrs

from model.errors import ManifestError, join_path
from model.frozendict import FrozenDict
from model.labels import selector_from_set
from model.objects.meta import KubeObject, LabelSelector, ObjectMeta, metadata_field
from model.objects.pod import PodTemplateSpec
from model.objects.storage import PersistentVolumeClaimTemplate
from model.schema import (
    BOOL,
    INT,
    INT32,
    INT_OR_STRING,
    RAW,
    STR,
    STR_MAP,
    Serializable,
    enum,
    field,
    list_of,
    nested,
    non_negative,
    require,
)

_PERCENT = re.compile(r"[0-9]+%")
"""validation.IsValidPercent."""


def _int_or_percent(value: int | str | None, path: str) -> int | None:
    """ValidatePositiveIntOrPercent: a non-negative integer or ``NN%``; returns the number (getIntOrPercentValue)."""
    if value is None:
        return None
    if isinstance(value, int):
        non_negative(value, path)
        return value
    require(_PERCENT.fullmatch(value) is not None, f'Invalid value: "{value}": a valid percent string must be a '
            "numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is "
            "'[0-9]+%')", path)
    return int(value[:-1])


def _not_more_than_100_percent(value: int | str | None, path: str) -> None:
    """IsNotMoreThan100Percent."""
    if isinstance(value, str):
        require(int(value[:-1]) <= 100, f'Invalid value: "{value}": must not be greater than 100%', path)


def _shown(value: int | str) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _check_template(spec: Any, path: str, selector: LabelSelector | None, kind: str) -> None:
    """apps validation shared by ReplicaSet, Deployment, DaemonSet and StatefulSet: a non-empty selector that
    selects the pod template's labels, and a template whose pods are restarted forever (``restartPolicy: Always``,
    no ``activeDeadlineSeconds``). ``kind`` names the workload as upstream's messages do (a Deployment's template
    is checked as a ReplicaSet's, ValidatePodTemplateSpecForReplicaSet)."""
    labels_path = join_path(path, "template.metadata.labels")
    if selector is None:
        raise ManifestError("Required value", join_path(path, "selector"))
    empty_kind = "deployment" if kind == "ReplicaSet" else kind.lower()
    require(bool(selector.match_labels) or bool(selector.match_expressions),
            f"Invalid value: empty selector is invalid for {empty_kind}", join_path(path, "selector"))
    require(selector.matches(spec.template.metadata.labels),
            f"Invalid value: {dict(spec.template.metadata.labels)}: `selector` does not match template `labels`",
            labels_path)
    _check_restarts_forever(spec.template.spec, join_path(path, "template.spec"), kind)
    non_negative(getattr(spec, "replicas", None), join_path(path, "replicas"))
    non_negative(getattr(spec, "min_ready_seconds", None), join_path(path, "minReadySeconds"))


def _check_restarts_forever(pod_spec: Any, path: str, kind: str) -> None:
    """The pods of a ReplicationController, ReplicaSet, DaemonSet or StatefulSet must run forever."""
    policy = pod_spec.restart_policy
    require(policy == "Always", f'Unsupported value: "{policy}": supported values: "Always"',
            join_path(path, "restartPolicy"))
    require(pod_spec.active_deadline_seconds is None, f"Forbidden: activeDeadlineSeconds in {kind} is not Supported",
            join_path(path, "activeDeadlineSeconds"))


@attrs.frozen
class ReplicaSetStatus(Serializable):
    """apps/v1 ReplicaSetStatus, also core/v1 ReplicationControllerStatus."""

    replicas: int = field("replicas", INT, 0)
    fully_labeled_replicas: int | None = field("fullyLabeledReplicas", INT)
    ready_replicas: int | None = field("readyReplicas", INT)
    available_replicas: int | None = field("availableReplicas", INT)
    observed_generation: int | None = field("observedGeneration", INT)
    conditions: Any = field("conditions", RAW)


@attrs.frozen
class ReplicationControllerSpec(Serializable):
    """core/v1 ReplicationControllerSpec: an equality-based selector that defaults to the template's labels."""

    template: PodTemplateSpec = field("template", nested(PodTemplateSpec), required=True)
    replicas: int = field("replicas", INT32, 1)
    selector: FrozenDict = field("selector", STR_MAP, FrozenDict())
    min_ready_seconds: int = field("minReadySeconds", INT, 0)

    def _defaulted(self, path: str) -> ReplicationControllerSpec:
        spec = self if self.selector else attrs.evolve(self, selector=self.template.metadata.labels)
        require(bool(spec.selector), "Required value", join_path(path, "selector"))
        require(selector_from_set(spec.selector).matches(spec.template.metadata.labels),
                f"Invalid value: {dict(spec.template.metadata.labels)}: `selector` does not match template `labels`",
                join_path(path, "template.metadata.labels"))
        _check_restarts_forever(spec.template.spec, join_path(path, "template.spec"), "ReplicationController")
        non_negative(spec.replicas, join_path(path, "replicas"))
        return spec


@attrs.frozen
class ReplicationController(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "ReplicationController"
    RESOURCE: ClassVar[str] = "replicationcontrollers"

    metadata: ObjectMeta = metadata_field()
    spec: ReplicationControllerSpec = field("spec", nested(ReplicationControllerSpec), required=True)
    status: ReplicaSetStatus = field("status", nested(ReplicaSetStatus), ReplicaSetStatus())

    def _defaulted(self, path: str) -> ReplicationController:
        """SetDefaults_ReplicationController: empty labels default to the template's labels."""
        if self.metadata.labels:
            return self
        return attrs.evolve(self, metadata=attrs.evolve(self.metadata, labels=self.spec.template.metadata.labels))


@attrs.frozen
class ReplicaSetSpec(Serializable):
    template: PodTemplateSpec = field("template", nested(PodTemplateSpec), required=True)
    selector: LabelSelector | None = field("selector", nested(LabelSelector))
    replicas: int = field("replicas", INT32, 1)
    min_ready_seconds: int = field("minReadySeconds", INT, 0)

    def _defaulted(self, path: str) -> ReplicaSetSpec:
        _check_template(self, path, self.selector, "ReplicaSet")
        return self


@attrs.frozen
class ReplicaSet(KubeObject):
    API_VERSION: ClassVar[str] = "apps/v1"
    KIND: ClassVar[str] = "ReplicaSet"
    RESOURCE: ClassVar[str] = "replicasets"

    metadata: ObjectMeta = metadata_field()
    spec: ReplicaSetSpec = field("spec", nested(ReplicaSetSpec), required=True)
    status: ReplicaSetStatus = field("status", nested(ReplicaSetStatus), ReplicaSetStatus())


@attrs.frozen
class RollingUpdateDeployment(Serializable):
    max_unavailable: int | str = field("maxUnavailable", INT_OR_STRING, "25%")
    max_surge: int | str = field("maxSurge", INT_OR_STRING, "25%")

    def _defaulted(self, path: str) -> RollingUpdateDeployment:
        """ValidateRollingUpdateDeployment."""
        unavailable_path = join_path(path, "maxUnavailable")
        unavailable = _int_or_percent(self.max_unavailable, unavailable_path)
        surge = _int_or_percent(self.max_surge, join_path(path, "maxSurge"))
        require(unavailable != 0 or surge != 0, f"Invalid value: {_shown(self.max_unavailable)}: may not be 0 when "
                "`maxSurge` is 0", unavailable_path)
        _not_more_than_100_percent(self.max_unavailable, unavailable_path)
        return self


@attrs.frozen
class DeploymentStrategy(Serializable):
    """apps/v1 DeploymentStrategy: RollingUpdate (default, 25%/25%) or Recreate."""

    type: str = field("type", enum("RollingUpdate", "Recreate"), "RollingUpdate")
    rolling_update: RollingUpdateDeployment | None = field("rollingUpdate", nested(RollingUpdateDeployment))

    def _defaulted(self, path: str) -> DeploymentStrategy:
        if self.type == "Recreate":
            require(self.rolling_update is None, "Forbidden: may not be specified when strategy `type` is "
                    "'Recreate'", join_path(path, "rollingUpdate"))
            return self
        if self.rolling_update is None:
            return attrs.evolve(self, rolling_update=RollingUpdateDeployment())
        return self

    @property
    def max_surge(self) -> int | str | None:
        return None if self.rolling_update is None else self.rolling_update.max_surge

    @property
    def max_unavailable(self) -> int | str | None:
        return None if self.rolling_update is None else self.rolling_update.max_unavailable


@attrs.frozen
class DeploymentSpec(Serializable):
    template: PodTemplateSpec = field("template", nested(PodTemplateSpec), required=True)
    selector: LabelSelector | None = field("selector", nested(LabelSelector))
    replicas: int = field("replicas", INT32, 1)
    strategy: DeploymentStrategy = field("strategy", nested(DeploymentStrategy), DeploymentStrategy())
    min_ready_seconds: int = field("minReadySeconds", INT, 0)
    revision_history_limit: int = field("revisionHistoryLimit", INT, 10)
    paused: bool = field("paused", BOOL, False)
    progress_deadline_seconds: int = field("progressDeadlineSeconds", INT, 600)

    def _defaulted(self, path: str) -> DeploymentSpec:
        _check_template(self, path, self.selector, "ReplicaSet")
        if self.strategy.type == "RollingUpdate" and self.strategy.rolling_update is None:
            spec = attrs.evolve(self, strategy=attrs.evolve(self.strategy, rolling_update=RollingUpdateDeployment()))
        else:
            spec = self
        non_negative(spec.revision_history_limit, join_path(path, "revisionHistoryLimit"))
        require(spec.progress_deadline_seconds > spec.min_ready_seconds, f"Invalid value: "
                f"{spec.progress_deadline_seconds}: must be greater than minReadySeconds",
                join_path(path, "progressDeadlineSeconds"))
        return spec


@attrs.frozen
class DeploymentStatus(Serializable):
    observed_generation: int | None = field("observedGeneration", INT)
    replicas: int = field("replicas", INT, 0)
    updated_replicas: int = field("updatedReplicas", INT, 0)
    ready_replicas: int = field("readyReplicas", INT, 0)
    available_replicas: int = field("availableReplicas", INT, 0)
    unavailable_replicas: int = field("unavailableReplicas", INT, 0)
    collision_count: int | None = field("collisionCount", INT)
    conditions: Any = field("conditions", RAW)


@attrs.frozen
class Deployment(KubeObject):
    API_VERSION: ClassVar[str] = "apps/v1"
    KIND: ClassVar[str] = "Deployment"
    RESOURCE: ClassVar[str] = "deployments"

    metadata: ObjectMeta = metadata_field()
    spec: DeploymentSpec = field("spec", nested(DeploymentSpec), required=True)
    status: DeploymentStatus = field("status", nested(DeploymentStatus), DeploymentStatus())

    @property
    def replicas(self) -> int:
        return self.spec.replicas

    @property
    def strategy(self) -> DeploymentStrategy:
        return self.spec.strategy


@attrs.frozen
class RollingUpdateDaemonSet(Serializable):
    max_unavailable: int | str = field("maxUnavailable", INT_OR_STRING, 1)
    max_surge: int | str = field("maxSurge", INT_OR_STRING, 0)

    def _defaulted(self, path: str) -> RollingUpdateDaemonSet:
        for value, name in ((self.max_unavailable, "maxUnavailable"), (self.max_surge, "maxSurge")):
            _int_or_percent(value, join_path(path, name))
            _not_more_than_100_percent(value, join_path(path, name))
        return self

    def validate(self, path: str) -> None:
        """ValidateRollingUpdateDaemonSet: exactly one of maxSurge and maxUnavailable is non-zero."""
        unavailable_path, surge_path = join_path(path, "maxUnavailable"), join_path(path, "maxSurge")
        unavailable = _int_or_percent(self.max_unavailable, unavailable_path)
        surge = _int_or_percent(self.max_surge, surge_path)
        require(not (unavailable and surge), f"Invalid value: {_shown(self.max_surge)}: may not be set when "
                "maxUnavailable is non-zero", surge_path)
        require(bool(unavailable or surge), "Required value: cannot be 0 when maxSurge is 0", unavailable_path)


@attrs.frozen
class DaemonSetUpdateStrategy(Serializable):
    type: str = field("type", enum("RollingUpdate", "OnDelete"), "RollingUpdate")
    rolling_update: RollingUpdateDaemonSet | None = field("rollingUpdate", nested(RollingUpdateDaemonSet))

    def _defaulted(self, path: str) -> DaemonSetUpdateStrategy:
        if self.type != "RollingUpdate":
            return self
        strategy = self if self.rolling_update else attrs.evolve(self, rolling_update=RollingUpdateDaemonSet())
        strategy.rolling_update.validate(join_path(path, "rollingUpdate"))
        return strategy


@attrs.frozen
class DaemonSetSpec(Serializable):
    template: PodTemplateSpec = field("template", nested(PodTemplateSpec), required=True)
    selector: LabelSelector | None = field("selector", nested(LabelSelector))
    update_strategy: DaemonSetUpdateStrategy = field(
        "updateStrategy", nested(DaemonSetUpdateStrategy),
        DaemonSetUpdateStrategy(rolling_update=RollingUpdateDaemonSet()))
    min_ready_seconds: int = field("minReadySeconds", INT, 0)
    revision_history_limit: int = field("revisionHistoryLimit", INT, 10)

    def _defaulted(self, path: str) -> DaemonSetSpec:
        _check_template(self, path, self.selector, "DaemonSet")
        return self


@attrs.frozen
class DaemonSetStatus(Serializable):
    current_number_scheduled: int = field("currentNumberScheduled", INT, 0)
    number_misscheduled: int = field("numberMisscheduled", INT, 0)
    desired_number_scheduled: int = field("desiredNumberScheduled", INT, 0)
    number_ready: int = field("numberReady", INT, 0)
    updated_number_scheduled: int | None = field("updatedNumberScheduled", INT)
    number_available: int | None = field("numberAvailable", INT)
    number_unavailable: int | None = field("numberUnavailable", INT)
    observed_generation: int | None = field("observedGeneration", INT)


@attrs.frozen
class DaemonSet(KubeObject):
    API_VERSION: ClassVar[str] = "apps/v1"
    KIND: ClassVar[str] = "DaemonSet"
    RESOURCE: ClassVar[str] = "daemonsets"

    metadata: ObjectMeta = metadata_field()
    spec: DaemonSetSpec = field("spec", nested(DaemonSetSpec), required=True)
    status: DaemonSetStatus = field("status", nested(DaemonSetStatus), DaemonSetStatus())


MAX_POD_FAILURE_POLICY_RULES = 20
"""validation.go maxPodFailurePolicyRules (also the most onPodConditions patterns of one rule)."""
MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES = 255
"""validation.go maxPodFailurePolicyOnExitCodesValues."""


@attrs.frozen
class PodFailurePolicyOnExitCodesRequirement(Serializable):
    """batch/v1 PodFailurePolicyOnExitCodesRequirement: a container (any, when ``containerName`` is unset) that
    terminated with a non-zero exit code ``In`` / ``NotIn`` ``values``."""

    container_name: str | None = field("containerName", STR)
    operator: str = field("operator", enum("In", "NotIn"), required=True)
    values: tuple[int, ...] = field("values", list_of(INT), ())

    def _defaulted(self, path: str) -> PodFailurePolicyOnExitCodesRequirement:
        """validatePodFailurePolicyRuleOnExitCodes: 1..255 values, strictly ascending, no 0 for ``In``."""
        values_path = join_path(path, "values")
        require(len(self.values) > 0, "Required value: at least one value is required", values_path)
        require(len(self.values) <= MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES,
                f"Too many: {len(self.values)}: must have at most {MAX_POD_FAILURE_POLICY_ON_EXIT_CODES_VALUES} items",
                values_path)
        for i, value in enumerate(self.values):
            item = f"{values_path}[{i}]"
            require(value not in self.values[:i], f"Duplicate value: {value}", item)
            require(i == 0 or value > self.values[i - 1], f"Invalid value: {value}: must be ordered", item)
            require(not (self.operator == "In" and value == 0),
                    "Invalid value: 0: must not be 0 for the In operator", item)
        return self


@attrs.frozen
class PodFailurePolicyOnPodConditionsPattern(Serializable):
    """batch/v1 PodFailurePolicyOnPodConditionsPattern (``status`` defaults to True)."""

    type: str = field("type", STR, required=True)
    status: str = field("status", enum("True", "False", "Unknown"), "True")


@attrs.frozen
class PodFailurePolicyRule(Serializable):
    """batch/v1 PodFailurePolicyRule: ``action`` for a failed pod matching exactly one of the two requirements."""

    action: str = field("action", enum("FailJob", "FailIndex", "Ignore", "Count"), required=True)
    on_exit_codes: PodFailurePolicyOnExitCodesRequirement | None = field(
        "onExitCodes", nested(PodFailurePolicyOnExitCodesRequirement))
    on_pod_conditions: tuple[PodFailurePolicyOnPodConditionsPattern, ...] | None = field(
        "onPodConditions", list_of(nested(PodFailurePolicyOnPodConditionsPattern)))

    def _defaulted(self, path: str) -> PodFailurePolicyRule:
        """validatePodFailurePolicyRule: exactly one of onExitCodes and onPodConditions (at most 20 patterns)."""
        require(not (self.on_exit_codes is not None and self.on_pod_conditions is not None),
                "Invalid value: specifying both OnExitCodes and OnPodConditions is not supported", path)
        require(self.on_exit_codes is not None or self.on_pod_conditions is not None,
                "Invalid value: specifying one of OnExitCodes and OnPodConditions is required", path)
        require(len(self.on_pod_conditions or ()) <= MAX_POD_FAILURE_POLICY_RULES,
                f"Too many: {len(self.on_pod_conditions or ())}: must have at most {MAX_POD_FAILURE_POLICY_RULES} "
                "items", join_path(path, "onPodConditions"))
        return self


@attrs.frozen
class PodFailurePolicy(Serializable):
    """batch/v1 PodFailurePolicy: rules checked in order against a failed pod; the first match decides."""

    rules: tuple[PodFailurePolicyRule, ...] = field("rules", list_of(nested(PodFailurePolicyRule)), ())

    def _defaulted(self, path: str) -> PodFailurePolicy:
        require(len(self.rules) <= MAX_POD_FAILURE_POLICY_RULES,
                f"Too many: {len(self.rules)}: must have at most {MAX_POD_FAILURE_POLICY_RULES} items",
                join_path(path, "rules"))
        return self


TERMINATING_OR_FAILED, FAILED_ONLY = "TerminatingOrFailed", "Failed"
"""batch/v1 PodReplacementPolicy values."""


def _validate_pod_failure_policy(spec: JobSpec, path: str) -> None:
    """validateJobSpec's podFailurePolicy rules (pkg/apis/batch/validation/validation.go): restartPolicy Never,
    FailIndex only with backoffLimitPerIndex, onExitCodes' containerName naming a (init) container of the template,
    and podReplacementPolicy Failed."""
    template = spec.template.spec
    require(template.restart_policy == "Never", f'Invalid value: "{template.restart_policy}": only "Never" is '
            "supported when podFailurePolicy is specified", join_path(path, "template.spec.restartPolicy"))
    names = {c.name for c in (*template.containers, *template.init_containers)}
    for i, rule in enumerate(spec.pod_failure_policy.rules):
        rule_path = f"{join_path(path, 'podFailurePolicy.rules')}[{i}]"
        require(rule.action != "FailIndex" or spec.backoff_limit_per_index is not None,
                'Invalid value: "FailIndex": valid only when backoffLimitPerIndex is set',
                join_path(rule_path, "action"))
        name = rule.on_exit_codes.container_name if rule.on_exit_codes is not None else None
        require(name is None or name in names, f'Invalid value: "{name}": must be one of the container or '
                "initContainer names in the pod template", join_path(rule_path, "onExitCodes.containerName"))
    require(spec.pod_replacement_policy == FAILED_ONLY, f'Unsupported value: "{spec.pod_replacement_policy}": '
            f'supported values: "{FAILED_ONLY}"', join_path(path, "podReplacementPolicy"))


@attrs.frozen
class JobSpec(Serializable):
    """batch/v1 JobSpec with SetDefaults_Job: both completions and parallelism unset means 1 and 1;
    only parallelism set leaves completions unset (a work queue); backoffLimit 6; NonIndexed."""

    template: PodTemplateSpec = field("template", nested(PodTemplateSpec), required=True)
    parallelism: int | None = field("parallelism", INT32)
    completions: int | None = field("completions", INT32)
    backoff_limit: int | None = field("backoffLimit", INT)
    backoff_limit_per_index: int | None = field("backoffLimitPerIndex", INT)
    max_failed_indexes: int | None = field("maxFailedIndexes", INT)
    active_deadline_seconds: int | None = field("activeDeadlineSeconds", INT)
    ttl_seconds_after_finished: int | None = field("ttlSecondsAfterFinished", INT)
    completion_mode: str = field("completionMode", enum("NonIndexed", "Indexed"), "NonIndexed")
    suspend: bool = field("suspend", BOOL, False)
    manual_selector: bool | None = field("manualSelector", BOOL)
    selector: LabelSelector | None = field("selector", nested(LabelSelector))
    pod_failure_policy: PodFailurePolicy | None = field("podFailurePolicy", nested(PodFailurePolicy))
    pod_replacement_policy: str | None = field("podReplacementPolicy", enum(TERMINATING_OR_FAILED, FAILED_ONLY))

    def _defaulted(self, path: str) -> JobSpec:
        spec = self
        if spec.pod_replacement_policy is None:
            # SetDefaults_Job (JobPodReplacementPolicy, GA in v1.34): Failed with a podFailurePolicy.
            spec = attrs.evolve(spec, pod_replacement_policy=FAILED_ONLY if spec.pod_failure_policy is not None
                                else TERMINATING_OR_FAILED)
        if spec.completions is None and spec.parallelism is None:
            spec = attrs.evolve(spec, completions=1, parallelism=1)
        if spec.parallelism is None:
            spec = attrs.evolve(spec, parallelism=1)
        if spec.backoff_limit is None:
            spec = attrs.evolve(spec, backoff_limit=2**31 - 1 if spec.backoff_limit_per_index is not None else 6)
        for name in ("parallelism", "completions", "backoff_limit", "active_deadline_seconds"):
            json = {"backoff_limit": "backoffLimit", "active_deadline_seconds": "activeDeadlineSeconds"}.get(name, name)
            non_negative(getattr(spec, name), join_path(path, json))
        if spec.completion_mode == "Indexed":
            require(spec.completions is not None, "Required value: when completion mode is Indexed",
                    join_path(path, "completions"))
        policy = spec.template.spec.restart_policy
        require(policy in ("OnFailure", "Never"), f'Unsupported value: "{policy}": supported values: "OnFailure", '
                '"Never"', join_path(path, "template.spec.restartPolicy"))
        if spec.manual_selector and spec.selector is not None:
            require(spec.selector.matches(spec.template.metadata.labels), "Invalid value: `selector` does not "
                    "match template `labels`", join_path(path, "template.metadata.labels"))
        if spec.pod_failure_policy is not None:
            _validate_pod_failure_policy(spec, path)
        _validate_backoff_limit_per_index(spec, path)
        return spec


PER_INDEX_LIMIT = 100_000
"""completionsHardLimitForBackoffLimitPerIndex and maxFailedIndexesLimit (pkg/apis/batch/validation)."""


def _validate_backoff_limit_per_index(spec: JobSpec, path: str) -> None:
    """validateJobSpec for backoffLimitPerIndex (Indexed Jobs only, completions at most 10^5) and maxFailedIndexes
    (only with backoffLimitPerIndex, at most completions and 10^5)."""
    per_index, most = spec.backoff_limit_per_index, spec.max_failed_indexes
    if per_index is not None:
        non_negative(per_index, join_path(path, "backoffLimitPerIndex"))
        require(spec.completion_mode == "Indexed", "Invalid value: requires indexed completion mode",
                join_path(path, "backoffLimitPerIndex"))
        require(spec.completions is None or spec.completions <= PER_INDEX_LIMIT, f"Invalid value: "
                f"{spec.completions}: must be less than or equal to {PER_INDEX_LIMIT} when backoffLimitPerIndex is "
                "specified", join_path(path, "completions"))
    if most is not None:
        require(per_index is not None, "Required value: when maxFailedIndexes is specified",
                join_path(path, "backoffLimitPerIndex"))
        non_negative(most, join_path(path, "maxFailedIndexes"))
        require(most <= PER_INDEX_LIMIT, f"Invalid value: {most}: must be less than or equal to {PER_INDEX_LIMIT}",
                join_path(path, "maxFailedIndexes"))
        require(spec.completions is None or most <= spec.completions, f"Invalid value: {most}: must be less than or "
                "equal to completions", join_path(path, "maxFailedIndexes"))


@attrs.frozen
class UncountedTerminatedPods(Serializable):
    """batch/v1 UncountedTerminatedPods: uids of finished pods the Job controller is removing the tracking
    finalizer from, not yet added to the ``succeeded`` and ``failed`` counters."""

    succeeded: tuple[str, ...] = field("succeeded", list_of(STR), ())
    failed: tuple[str, ...] = field("failed", list_of(STR), ())


@attrs.frozen
class JobStatus(Serializable):
    active: int = field("active", INT, 0)
    succeeded: int = field("succeeded", INT, 0)
    failed: int = field("failed", INT, 0)
    ready: int | None = field("ready", INT)
    terminating: int | None = field("terminating", INT)
    uncounted_terminated_pods: UncountedTerminatedPods | None = field(
        "uncountedTerminatedPods", nested(UncountedTerminatedPods))
    completed_indexes: str | None = field("completedIndexes", STR)
    failed_indexes: str | None = field("failedIndexes", STR)
    conditions: Any = field("conditions", RAW)
    start_time: Any = field("startTime", RAW)
    completion_time: Any = field("completionTime", RAW)


@attrs.frozen
class Job(KubeObject):
    API_VERSION: ClassVar[str] = "batch/v1"
    KIND: ClassVar[str] = "Job"
    RESOURCE: ClassVar[str] = "jobs"

    metadata: ObjectMeta = metadata_field()
    spec: JobSpec = field("spec", nested(JobSpec), required=True)
    status: JobStatus = field("status", nested(JobStatus), JobStatus())

    def _defaulted(self, path: str) -> Job:
        """SetDefaults_Job: empty labels default to the template's labels."""
        if self.metadata.labels or not self.spec.template.metadata.labels:
            return self
        return attrs.evolve(self, metadata=attrs.evolve(self.metadata, labels=self.spec.template.metadata.labels))


@attrs.frozen
class RollingUpdateStatefulSetStrategy(Serializable):
    partition: int = field("partition", INT, 0)
    max_unavailable: int | str | None = field("maxUnavailable", INT_OR_STRING)

    def _defaulted(self, path: str) -> RollingUpdateStatefulSetStrategy:
        """validateRollingUpdateStatefulSet."""
        non_negative(self.partition, join_path(path, "partition"))
        unavailable_path = join_path(path, "maxUnavailable")
        if _int_or_percent(self.max_unavailable, unavailable_path) == 0:
            raise ManifestError(f"Invalid value: {_shown(self.max_unavailable)}: cannot be 0", unavailable_path)
        _not_more_than_100_percent(self.max_unavailable, unavailable_path)
        return self


@attrs.frozen
class StatefulSetUpdateStrategy(Serializable):
    type: str = field("type", enum("RollingUpdate", "OnDelete"), "RollingUpdate")
    rolling_update: RollingUpdateStatefulSetStrategy | None = field(
        "rollingUpdate", nested(RollingUpdateStatefulSetStrategy))

    def _defaulted(self, path: str) -> StatefulSetUpdateStrategy:
        if self.type == "RollingUpdate" and self.rolling_update is None:
            return attrs.evolve(self, rolling_update=RollingUpdateStatefulSetStrategy())
        return self


@attrs.frozen
class PersistentVolumeClaimRetentionPolicy(Serializable):
    when_deleted: str = field("whenDeleted", enum("Retain", "Delete"), "Retain")
    when_scaled: str = field("whenScaled", enum("Retain", "Delete"), "Retain")


@attrs.frozen
class StatefulSetOrdinals(Serializable):
    start: int = field("start", INT, 0)


@attrs.frozen
class StatefulSetSpec(Serializable):
    template: PodTemplateSpec = field("template", nested(PodTemplateSpec), required=True)
    selector: LabelSelector | None = field("selector", nested(LabelSelector))
    replicas: int = field("replicas", INT32, 1)
    service_name: str | None = field("serviceName", STR)
    pod_management_policy: str = field("podManagementPolicy", enum("OrderedReady", "Parallel"), "OrderedReady")
    update_strategy: StatefulSetUpdateStrategy = field(
        "updateStrategy", nested(StatefulSetUpdateStrategy),
        StatefulSetUpdateStrategy(rolling_update=RollingUpdateStatefulSetStrategy()))
    volume_claim_templates: tuple[PersistentVolumeClaimTemplate, ...] = field(
        "volumeClaimTemplates", list_of(nested(PersistentVolumeClaimTemplate)), ())
    revision_history_limit: int = field("revisionHistoryLimit", INT, 10)
    min_ready_seconds: int = field("minReadySeconds", INT, 0)
    persistent_volume_claim_retention_policy: PersistentVolumeClaimRetentionPolicy = field(
        "persistentVolumeClaimRetentionPolicy", nested(PersistentVolumeClaimRetentionPolicy),
        PersistentVolumeClaimRetentionPolicy())
    ordinals: StatefulSetOrdinals = field("ordinals", nested(StatefulSetOrdinals), StatefulSetOrdinals())

    def _defaulted(self, path: str) -> StatefulSetSpec:
        _check_template(self, path, self.selector, "StatefulSet")
        return self


@attrs.frozen
class StatefulSetStatus(Serializable):
    observed_generation: int | None = field("observedGeneration", INT)
    replicas: int = field("replicas", INT, 0)
    ready_replicas: int = field("readyReplicas", INT, 0)
    current_replicas: int = field("currentReplicas", INT, 0)
    updated_replicas: int = field("updatedReplicas", INT, 0)
    available_replicas: int = field("availableReplicas", INT, 0)
    current_revision: str | None = field("currentRevision", STR)
    update_revision: str | None = field("updateRevision", STR)
    collision_count: int | None = field("collisionCount", INT)


@attrs.frozen
class StatefulSet(KubeObject):
    API_VERSION: ClassVar[str] = "apps/v1"
    KIND: ClassVar[str] = "StatefulSet"
    RESOURCE: ClassVar[str] = "statefulsets"

    metadata: ObjectMeta = metadata_field()
    spec: StatefulSetSpec = field("spec", nested(StatefulSetSpec), required=True)
    status: StatefulSetStatus = field("status", nested(StatefulSetStatus), StatefulSetStatus())
