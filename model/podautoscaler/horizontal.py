"""The HorizontalPodAutoscaler's normalisation of a recommendation: stabilisation windows, scaling policies and the
[minReplicas, maxReplicas] bounds.

Ported from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go: ``normalizeDesiredReplicas``,
``stabilizeRecommendation``, ``convertDesiredReplicasWithRules``, ``calculateScaleUpLimit`` (no ``behavior``) and
``normalizeDesiredReplicasWithBehaviors``, ``stabilizeRecommendationWithBehaviors``,
``convertDesiredReplicasWithBehaviorRate``, ``calculateScaleUpLimitWithScalingRules``,
``calculateScaleDownLimitWithBehaviors``, ``getReplicasChangePerPeriod``, ``storeScaleEvent`` (with one).
Doc: https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#configurable-scaling-behavior

Upstream keeps the recommendations and scale events in the controller's memory (lost on restart); here they are
values passed in and returned. Times are the model's whole seconds; upstream compares ``time.Time`` values with
``Before``/``After``, i.e. strictly.
"""

from __future__ import annotations

import math

import attrs

from model.objects.autoscaling import HorizontalPodAutoscalerBehavior, HPAScalingRules

DOWNSCALE_STABILIZATION_WINDOW = 300
"""--horizontal-pod-autoscaler-downscale-stabilization (5 minutes)."""
SCALE_UP_LIMIT_FACTOR, SCALE_UP_LIMIT_MINIMUM = 2, 4
"""scaleUpLimitFactor and scaleUpLimitMinimum: without ``behavior``, at most max(2 * current, 4)."""


@attrs.frozen
class Recommendation:
    """timestampedRecommendation."""

    replicas: int
    at: int


@attrs.frozen
class ScaleEvent:
    """timestampedScaleEvent: a change of replicas (always positive) at a time; ``outdated`` once it is older than the
    longest policy period of its direction."""

    change: int
    at: int
    outdated: bool = False


@attrs.frozen
class Normalized:
    """The replicas to scale to, the recommendation history to keep, and the AbleToScale and ScalingLimited
    conditions' (status, reason, message)."""

    replicas: int
    recommendations: tuple[Recommendation, ...]
    able_to_scale: tuple[str, str, str]
    scaling_limited: tuple[str, str, str]


READY = ("True", "ReadyForNewScale", "recommended size matches current size")
DOWN_STABILIZED = ("True", "ScaleDownStabilized",
                   "recent recommendations were higher than current one, applying the highest recent recommendation")
UP_STABILIZED = ("True", "ScaleUpStabilized",
                 "recent recommendations were lower than current one, applying the lowest recent recommendation")
WITHIN_RANGE = ("DesiredWithinRange", "the desired count is within the acceptable range")
TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
UP_LIMIT = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
DOWN_LIMIT = ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")


def _recorded(history: tuple[Recommendation, ...], old: int | None, new: Recommendation) -> tuple[
        Recommendation, ...]:
    """Replace the (last found) outdated sample, or append."""
    if old is None:
        return (*history, new)
    return history[:old] + (new,) + history[old + 1:]


def _limited(desired: int, stabilized: int, rule: tuple[str, str]) -> tuple[str, str, str]:
    return ("False" if desired == stabilized else "True", *rule)


def stabilize(history: tuple[Recommendation, ...], desired: int, now: int,
              window: int = DOWNSCALE_STABILIZATION_WINDOW) -> tuple[int, tuple[Recommendation, ...]]:
    """``stabilizeRecommendation``: the highest recommendation of the last ``window`` seconds (the new one included),
    and the history with the new one recorded."""
    highest, old = desired, None
    for i, rec in enumerate(history):
        if rec.at < now - window:
            old = i
        elif rec.replicas > highest:
            highest = rec.replicas
    return highest, _recorded(history, old, Recommendation(desired, now))


def convert_with_rules(current: int, desired: int, minimum: int, maximum: int) -> tuple[int, tuple[str, str]]:
    """``convertDesiredReplicasWithRules``: clamp to [minReplicas, min(maxReplicas, max(2 * current, 4))]."""
    scale_up_limit = max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM)
    allowed_max, rule = (scale_up_limit, UP_LIMIT) if maximum > scale_up_limit else (maximum, TOO_MANY)
    if desired < minimum:
        return minimum, TOO_FEW
    if desired > allowed_max:
        return allowed_max, rule
    return desired, WITHIN_RANGE


def normalize(history: tuple[Recommendation, ...], current: int, desired: int, minimum: int, maximum: int,
              now: int) -> Normalized:
    """``normalizeDesiredReplicas`` (no ``behavior``)."""
    stabilized, history = stabilize(history, desired, now)
    able = DOWN_STABILIZED if stabilized != desired else READY
    replicas, rule = convert_with_rules(current, stabilized, minimum, maximum)
    return Normalized(replicas, history, able, _limited(replicas, stabilized, rule))


def changed_in_period(period: int, events: tuple[ScaleEvent, ...], now: int) -> int:
    """``getReplicasChangePerPeriod``: the replicas changed by the events of the last ``period`` seconds."""
    return sum(e.change for e in events if e.at > now - period)


def scale_up_limit(current: int, up: tuple[ScaleEvent, ...], down: tuple[ScaleEvent, ...], rules: HPAScalingRules,
                   now: int) -> int:
    """``calculateScaleUpLimitWithScalingRules``: each policy's bound from the replicas at the start of its period;
    the highest (selectPolicy Max) or lowest (Min); the current count when Disabled."""
    if rules.select_policy == "Disabled":
        return current
    proposals = []
    for policy in rules.policies or ():
        start = current - changed_in_period(policy.period_seconds, up, now) + \
            changed_in_period(policy.period_seconds, down, now)
        proposals.append(start + policy.value if policy.type == "Pods"
                         else math.ceil(start * (1 + policy.value / 100)))
    return min(proposals) if rules.select_policy == "Min" else max(proposals)


def scale_down_limit(current: int, up: tuple[ScaleEvent, ...], down: tuple[ScaleEvent, ...], rules: HPAScalingRules,
                     now: int) -> int:
    """``calculateScaleDownLimitWithBehaviors``: each policy's floor from the replicas at the start of its period;
    the lowest (selectPolicy Max: the biggest change) or highest (Min); the current count when Disabled."""
    if rules.select_policy == "Disabled":
        return current
    proposals = []
    for policy in rules.policies or ():
        start = current - changed_in_period(policy.period_seconds, up, now) + \
            changed_in_period(policy.period_seconds, down, now)
        proposals.append(start - policy.value if policy.type == "Pods" else int(start * (1 - policy.value / 100)))
    return max(proposals) if rules.select_policy == "Min" else min(proposals)


def stabilize_with_behaviors(history: tuple[Recommendation, ...], current: int, desired: int,
                             behavior: HorizontalPodAutoscalerBehavior, now: int) -> tuple[
        int, tuple[Recommendation, ...], tuple[str, str, str]]:
    """``stabilizeRecommendationWithBehaviors``: bring the current count within [the lowest recommendation of the
    scale-up window, the highest of the scale-down window]."""
    up_window = behavior.scale_up.stabilization_window_seconds or 0
    down_window = behavior.scale_down.stabilization_window_seconds
    down_window = DOWNSCALE_STABILIZATION_WINDOW if down_window is None else down_window
    up, down, old = desired, desired, None
    for i, rec in enumerate(history):
        if rec.at > now - up_window:
            up = min(rec.replicas, up)
        if rec.at > now - down_window:
            down = max(rec.replicas, down)
        if rec.at < now - up_window and rec.at < now - down_window:
            old = i
    recommendation = min(max(current, up), down)
    reason = UP_STABILIZED if desired >= current else DOWN_STABILIZED
    return recommendation, _recorded(history, old, Recommendation(desired, now)), reason


def convert_with_behavior_rate(current: int, desired: int, minimum: int, maximum: int,
                               behavior: HorizontalPodAutoscalerBehavior, up: tuple[ScaleEvent, ...],
                               down: tuple[ScaleEvent, ...], now: int) -> tuple[int, tuple[str, str]]:
    """``convertDesiredReplicasWithBehaviorRate``."""
    if desired > current:
        limit = max(scale_up_limit(current, up, down, behavior.scale_up, now), current)
        allowed, rule = (limit, UP_LIMIT) if maximum > limit else (maximum, TOO_MANY)
        if desired > allowed:
            return allowed, rule
    elif desired < current:
        limit = min(scale_down_limit(current, up, down, behavior.scale_down, now), current)
        allowed, rule = (limit, DOWN_LIMIT) if minimum < limit else (minimum, TOO_FEW)
        if desired < allowed:
            return allowed, rule
    return desired, WITHIN_RANGE


def normalize_with_behaviors(history: tuple[Recommendation, ...], current: int, desired: int, minimum: int,
                             maximum: int, behavior: HorizontalPodAutoscalerBehavior, up: tuple[ScaleEvent, ...],
                             down: tuple[ScaleEvent, ...], now: int) -> Normalized:
    """``normalizeDesiredReplicasWithBehaviors``."""
    stabilized, history, reason = stabilize_with_behaviors(history, current, desired, behavior, now)
    able = reason if stabilized != desired else READY
    replicas, rule = convert_with_behavior_rate(current, stabilized, minimum, maximum, behavior, up, down, now)
    return Normalized(replicas, history, able, _limited(replicas, stabilized, rule))


def longest_period(rules: HPAScalingRules | None) -> int:
    return max((p.period_seconds for p in (rules.policies or ())), default=0) if rules is not None else 0


def store_scale_event(events: tuple[ScaleEvent, ...], change: int, rules: HPAScalingRules | None,
                      now: int) -> tuple[ScaleEvent, ...]:
    """``storeScaleEvent`` for one direction: events older than the longest policy period are outdated; the new event
    replaces the first outdated one, or is appended."""
    cutoff = now - longest_period(rules)
    marked = tuple(attrs.evolve(e, outdated=True) if e.at < cutoff else e for e in events)
    new = ScaleEvent(change, now)
    for i, event in enumerate(marked):
        if event.outdated:
            return marked[:i] + (new,) + marked[i + 1:]
    return (*marked, new)
