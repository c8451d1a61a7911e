"""policy/v1 PodDisruptionBudget: how many of a set of pods must stay healthy through voluntary disruptions.

Sources: staging/src/k8s.io/api/policy/v1/types.go (the fields; ``disruptedPods`` maps a pod's name to when the
API server's eviction subresource let it go), pkg/apis/policy/validation/validation.go
(ValidatePodDisruptionBudgetSpec: not both ``minAvailable`` and ``maxUnavailable``, each a non-negative integer or
a percentage up to 100%, a valid selector, a supported ``unhealthyPodEvictionPolicy``), metav1.Condition
(staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go). policy/v1 has no defaulting
(pkg/apis/policy/v1 has no defaults.go): a budget with neither bound keeps neither. Doc:
https://kubernetes.io/docs/tasks/run-application/configure-pdb/.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from model.errors import ManifestError, join_path
from model.frozendict import FrozenDict
from model.labels import Selector
from model.objects.meta import KubeObject, LabelSelector, ObjectMeta, metadata_field, selector_of
from model.objects.workloads import _int_or_percent, _not_more_than_100_percent
from model.schema import INT, INT32, INT_OR_STRING, STR, TIMESTAMP, Serializable, enum, field, list_of, map_of, nested

IF_HEALTHY_BUDGET, ALWAYS_ALLOW = "IfHealthyBudget", "AlwaysAllow"
"""``unhealthyPodEvictionPolicy`` values; absent behaves as IfHealthyBudget."""
DISRUPTION_ALLOWED = "DisruptionAllowed"
"""policyv1.DisruptionAllowedCondition, with its reasons below."""
SUFFICIENT_PODS, INSUFFICIENT_PODS, SYNC_FAILED = "SufficientPods", "InsufficientPods", "SyncFailed"


@attrs.frozen
class Condition(Serializable):
    """metav1.Condition (a PDB's ``status.conditions``)."""

    type: str = field("type", STR, required=True)
    status: str = field("status", enum("True", "False", "Unknown"), required=True)
    observed_generation: int | None = field("observedGeneration", INT)
    last_transition_time: int | str | None = field("lastTransitionTime", TIMESTAMP)
    reason: str = field("reason", STR, "")
    message: str = field("message", STR, "")


@attrs.frozen
class PodDisruptionBudgetSpec(Serializable):
    min_available: int | str | None = field("minAvailable", INT_OR_STRING)
    selector: LabelSelector | None = field("selector", nested(LabelSelector))
    max_unavailable: int | str | None = field("maxUnavailable", INT_OR_STRING)
    unhealthy_pod_eviction_policy: str | None = field("unhealthyPodEvictionPolicy",
                                                      enum(IF_HEALTHY_BUDGET, ALWAYS_ALLOW))

    def _defaulted(self, path: str) -> PodDisruptionBudgetSpec:
        """ValidatePodDisruptionBudgetSpec, first error only."""
        if self.min_available is not None and self.max_unavailable is not None:
            raise ManifestError("Invalid value: minAvailable and maxUnavailable cannot be both set", path)
        for name, value in (("minAvailable", self.min_available), ("maxUnavailable", self.max_unavailable)):
            sub = join_path(path, name)
            _int_or_percent(value, sub)
            _not_more_than_100_percent(value, sub)
        return self

    def pod_selector(self) -> Selector:
        """The pods the budget covers, as the disruption controller selects them (LabelSelectorAsSelector: an
        absent selector selects nothing, an empty one every pod of the namespace)."""
        return selector_of(self.selector)


@attrs.frozen
class PodDisruptionBudgetStatus(Serializable):
    """What the disruption controller last computed (and the eviction subresource since decremented)."""

    observed_generation: int = field("observedGeneration", INT, 0)
    disrupted_pods: FrozenDict = field("disruptedPods", map_of(TIMESTAMP), FrozenDict())
    disruptions_allowed: int = field("disruptionsAllowed", INT32, 0)
    current_healthy: int = field("currentHealthy", INT32, 0)
    desired_healthy: int = field("desiredHealthy", INT32, 0)
    expected_pods: int = field("expectedPods", INT32, 0)
    conditions: tuple[Condition, ...] = field("conditions", list_of(nested(Condition)), ())

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


@attrs.frozen
class PodDisruptionBudget(KubeObject):
    API_VERSION: ClassVar[str] = "policy/v1"
    KIND: ClassVar[str] = "PodDisruptionBudget"
    RESOURCE: ClassVar[str] = "poddisruptionbudgets"

    metadata: ObjectMeta = metadata_field()
    spec: PodDisruptionBudgetSpec = field("spec", nested(PodDisruptionBudgetSpec), PodDisruptionBudgetSpec())
    status: PodDisruptionBudgetStatus = field("status", nested(PodDisruptionBudgetStatus),
                                              PodDisruptionBudgetStatus())


def set_status_condition(conditions: tuple[Condition, ...], condition: Condition, now: int) -> tuple[Condition, ...]:
    """apimeta.SetStatusCondition: add ``condition`` (transition time ``now``) or update the one of its type (its
    transition time moves only when the status changes)."""
    old = next((c for c in conditions if c.type == condition.type), None)
    if old is None:
        return conditions + (attrs.evolve(condition, last_transition_time=now),)
    moved = now if condition.status != old.status else old.last_transition_time
    new = attrs.evolve(condition, last_transition_time=moved)
    return tuple(new if c.type == condition.type else c for c in conditions)


def with_disruption_allowed_condition(status: PodDisruptionBudgetStatus, now: int) -> PodDisruptionBudgetStatus:
    """pdbhelper.UpdateDisruptionAllowedCondition (staging/src/k8s.io/component-helpers/apps/poddisruptionbudget/
    helpers.go): DisruptionAllowed True/SufficientPods while disruptions are allowed, else False/InsufficientPods."""
    allowed = status.disruptions_allowed > 0
    condition = Condition(DISRUPTION_ALLOWED, "True" if allowed else "False",
                          observed_generation=status.observed_generation,
                          reason=SUFFICIENT_PODS if allowed else INSUFFICIENT_PODS)
    return attrs.evolve(status, conditions=set_status_condition(status.conditions, condition, now))
