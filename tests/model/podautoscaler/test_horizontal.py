"""The HPA's normalisation (model.podautoscaler.horizontal) and the HorizontalPodAutoscaler object.

The table cases are those of TestConvertDesiredReplicasWithRules, TestCalculateScaleUpLimit,
TestCalculateScaleUpLimitWithScalingRules, TestCalculateScaleDownLimitWithBehaviors,
TestConvertDesiredReplicasWithBehaviorRate and TestStabilizeRecommendationWithBehaviors, as found in karmada's
pkg/controllers/federatedhpa/federatedhpa_controller_test.go, whose functions are copies of upstream's
pkg/controller/podautoscaler/horizontal.go (the names and expectations are kept). Times are seconds before NOW.
"""

from __future__ import annotations

import pytest

from model.errors import ManifestError
from model.objects.autoscaling import (
    SCALE_DOWN_DEFAULTS,
    SCALE_UP_DEFAULTS,
    HorizontalPodAutoscaler,
    HorizontalPodAutoscalerBehavior,
    HPAScalingPolicy,
    HPAScalingRules,
)
from model.podautoscaler.horizontal import (
    DOWN_STABILIZED,
    READY,
    TOO_FEW,
    TOO_MANY,
    UP_LIMIT,
    UP_STABILIZED,
    WITHIN_RANGE,
    Recommendation,
    ScaleEvent,
    convert_with_behavior_rate,
    convert_with_rules,
    normalize,
    scale_down_limit,
    scale_up_limit,
    stabilize_with_behaviors,
    store_scale_event,
)

NOW = 10_000


def _rules(*policies: tuple[str, int, int], select: str | None = None, window: int | None = None) -> HPAScalingRules:
    return HPAScalingRules(window, select, tuple(HPAScalingPolicy(*p) for p in policies))


@pytest.mark.parametrize(("current", "desired", "minimum", "maximum", "expected"), [
    (5, 7, 3, 10, (7, WITHIN_RANGE)),
    (5, 2, 3, 10, (3, TOO_FEW)),
    (5, 15, 3, 10, (10, TOO_MANY)),
    (1, 30, 1, 100, (4, UP_LIMIT)),
    (10, 30, 1, 100, (20, UP_LIMIT)),
])
def test_convert_desired_replicas_with_rules(current: int, desired: int, minimum: int, maximum: int,
                                             expected: tuple) -> None:
    """TestConvertDesiredReplicasWithRules, and calculateScaleUpLimit's max(2 * current, 4) (TestCalculateScaleUpLimit:
    1 -> 4, 10 -> 20)."""
    assert convert_with_rules(current, desired, minimum, maximum) == expected


@pytest.mark.parametrize(("name", "current", "up", "rules", "expected"), [
    ("No previous events", 5, (), _rules(("Pods", 4, 60)), 9),
    ("With previous scale up event", 5, (ScaleEvent(2, NOW - 30),), _rules(("Pods", 4, 60)), 7),
    ("Disabled policy", 5, (), _rules(("Pods", 4, 60), select="Disabled"), 5),
    ("MinChange policy", 5, (), _rules(("Pods", 4, 60), ("Pods", 2, 60), select="Min"), 7),
    ("Percent scaling policy", 10, (), _rules(("Percent", 50, 60)), 15),
])
def test_calculate_scale_up_limit_with_scaling_rules(name: str, current: int, up: tuple, rules: HPAScalingRules,
                                                     expected: int) -> None:
    assert scale_up_limit(current, up, (), rules, NOW) == expected


@pytest.mark.parametrize(("name", "current", "down", "rules", "expected"), [
    ("No previous events", 10, (), _rules(("Percent", 20, 60)), 8),
    ("With previous scale down event", 10, (ScaleEvent(1, NOW - 30),), _rules(("Percent", 20, 60)), 8),
    ("Multiple policies", 100, (), _rules(("Percent", 10, 60), ("Pods", 5, 60)), 90),
    ("Disabled policy", 10, (), _rules(("Percent", 20, 60), select="Disabled"), 10),
    ("MinChange policy", 100, (), _rules(("Percent", 10, 60), ("Pods", 15, 60), select="Min"), 90),
])
def test_calculate_scale_down_limit_with_behaviors(name: str, current: int, down: tuple, rules: HPAScalingRules,
                                                   expected: int) -> None:
    assert scale_down_limit(current, (), down, rules, NOW) == expected


def test_events_older_than_the_period_do_not_count() -> None:
    assert scale_up_limit(5, (ScaleEvent(2, NOW - 61),), (), _rules(("Pods", 4, 60)), NOW) == 9


@pytest.mark.parametrize(("name", "up_rules", "down_rules", "current", "desired", "expected"), [
    ("Scale up within limits", _rules(("Percent", 200, 60)), SCALE_DOWN_DEFAULTS, 5, 8, (8, WITHIN_RANGE)),
    ("Scale down within limits", SCALE_UP_DEFAULTS, _rules(("Percent", 100, 60)), 5, 3, (3, WITHIN_RANGE)),
    ("Scale up beyond MaxReplicas", _rules(("Percent", 200, 60)), SCALE_DOWN_DEFAULTS, 8, 12, (10, TOO_MANY)),
])
def test_convert_desired_replicas_with_behavior_rate(name: str, up_rules: HPAScalingRules,
                                                     down_rules: HPAScalingRules, current: int, desired: int,
                                                     expected: tuple) -> None:
    behavior = HorizontalPodAutoscalerBehavior(up_rules, down_rules)
    assert convert_with_behavior_rate(current, desired, 1, 10, behavior, (), (), NOW) == expected


@pytest.mark.parametrize(("name", "desired", "current", "history", "expected", "reason"), [
    ("Scale up stabilized", 10, 5, (Recommendation(8, NOW - 120), Recommendation(7, NOW - 240)), 7, UP_STABILIZED),
    ("Scale down stabilized", 3, 8, (Recommendation(5, NOW - 300), Recommendation(4, NOW - 480)), 5,
     DOWN_STABILIZED),
    ("No change needed", 5, 5, (Recommendation(5, NOW - 60),), 5, UP_STABILIZED),
])
def test_stabilize_recommendation_with_behaviors(name: str, desired: int, current: int, history: tuple,
                                                 expected: int, reason: tuple) -> None:
    """Scale-up window 300 s, scale-down window 600 s; the new recommendation is recorded."""
    behavior = HorizontalPodAutoscalerBehavior(_rules(("Pods", 4, 15), window=300),
                                               _rules(("Percent", 100, 15), window=600))
    replicas, recorded, why = stabilize_with_behaviors(history, current, desired, behavior, NOW)
    assert (replicas, why) == (expected, reason)
    assert Recommendation(desired, NOW) in recorded and len(recorded) == len(history) + 1


def test_default_scale_down_stabilization_keeps_the_highest_recommendation_for_five_minutes() -> None:
    """Without ``behavior``: a drop from 6 to 2 is held at 6 while a 6 is in the last 300 s, then allowed."""
    history = (Recommendation(6, NOW - 200),)
    held = normalize(history, 6, 2, 1, 10, NOW)
    assert (held.replicas, held.able_to_scale) == (6, DOWN_STABILIZED)
    assert held.scaling_limited == ("False", *WITHIN_RANGE)
    later = normalize(held.recommendations, 6, 2, 1, 10, NOW + 301)
    assert (later.replicas, later.able_to_scale) == (2, READY)
    assert len(later.recommendations) == 2, "an outdated sample is replaced, not appended"


def test_store_scale_event_replaces_an_outdated_event() -> None:
    rules = _rules(("Pods", 4, 60))
    events = store_scale_event((ScaleEvent(1, NOW - 100), ScaleEvent(2, NOW - 10)), 3, rules, NOW)
    assert events == (ScaleEvent(3, NOW), ScaleEvent(2, NOW - 10))


def _hpa(**spec: object) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, **spec}}


def test_hpa_defaults() -> None:
    """SetDefaults_HorizontalPodAutoscaler: minReplicas 1, cpu Utilization 80; a given behavior is completed with
    GenerateHPAScaleUpRules / GenerateHPAScaleDownRules; no behavior stays none."""
    hpa = HorizontalPodAutoscaler.from_dict(_hpa(maxReplicas=5))
    assert hpa.spec.min_replicas == 1 and hpa.spec.behavior is None
    (metric,) = hpa.spec.metrics
    assert (metric.resource.name, metric.resource.target.type, metric.resource.target.average_utilization) == (
        "cpu", "Utilization", 80)
    given = HorizontalPodAutoscaler.from_dict(_hpa(maxReplicas=5, behavior={"scaleDown": {"selectPolicy": "Min"}}))
    assert given.spec.behavior.scale_up == SCALE_UP_DEFAULTS
    assert given.spec.behavior.scale_down == HPAScalingRules(None, "Min", SCALE_DOWN_DEFAULTS.policies)
    assert HorizontalPodAutoscaler.from_dict(given.to_dict()) == given


@pytest.mark.parametrize(("spec", "error"), [
    ({"maxReplicas": 1, "minReplicas": 2}, "spec.maxReplicas: Invalid value: 1: must be greater than or equal to "
     "`minReplicas`"),
    ({"maxReplicas": 3, "minReplicas": 0}, "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"),
    ({"maxReplicas": 3, "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization"}}}]}, "spec.metrics[0].resource.target.averageUtilization: Required value"),
    ({"maxReplicas": 3, "metrics": [{"type": "Resource"}]}, "spec.metrics[0].resource: Required value"),
    ({"maxReplicas": 3, "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 0, "periodSeconds": 15}]}}},
     "spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero"),
    ({"maxReplicas": 3, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 3601}}},
     "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 3601"),
])
def test_hpa_validation(spec: dict, error: str) -> None:
    with pytest.raises(ManifestError) as info:
        HorizontalPodAutoscaler.from_dict(_hpa(**spec))
    assert error in str(info.value), str(info.value)
