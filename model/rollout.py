"""Deployment rollout arithmetic: maxSurge/maxUnavailable, new ReplicaSet sizing, saturation, proportional
scaling and revisions.

Sources: pkg/controller/deployment/util/deployment_util.go (ResolveFenceposts, MaxUnavailable, MinAvailable,
MaxSurge, NewRSNewReplicas, IsSaturated, GetReplicaSetProportion, getReplicaSetFraction,
getNonNegativeInt32FromAnnotation, Revision, MaxRevision, LastRevision);
staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go (GetScaledValueFromIntOrPercent);
pkg/apis/apps/validation/validation.go (ValidateRollingUpdateDeployment, ValidatePositiveIntOrPercent,
IsNotMoreThan100Percent) with IsValidPercent from staging/src/k8s.io/apimachinery/pkg/util/validation.
Doc: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment

Percentages are scaled in float64 exactly as upstream scales them. Deliberate differences: values are unbounded
Python ints, so upstream's int32 truncation and overflow (e.g. the int32 product in getReplicaSetFraction) are
not reproduced; and an unset (``None``) maxSurge/maxUnavailable means the apps/v1 default ``25%``
(SetDefaults_Deployment), the only value a defaulted Deployment can carry there, where ResolveFenceposts itself
would read a nil pointer as 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Protocol

from model.errors import ManifestError, join_path

ROLLING_UPDATE = "RollingUpdate"
RECREATE = "Recreate"
DEFAULT_MAX_SURGE = "25%"
DEFAULT_MAX_UNAVAILABLE = "25%"

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"

_INT32_MAX = 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_GO_INT = re.compile(r"[+-]?[0-9]+")  # strconv.Atoi and ParseInt(s, 10, 64)
_GO_UINT = re.compile(r"[0-9]+")  # strconv.ParseUint(s, 10, 32)
_PERCENT = re.compile(r"[0-9]+%")  # validation.IsValidPercent
_PERCENT_MESSAGE = ("a valid percent string must be a numeric string followed by an ending '%' "
                    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")


class RolloutStrategy(Protocol):
    """What this module reads of a Deployment's ``spec.strategy`` (``rollingUpdate`` flattened)."""

    @property
    def type(self) -> str: ...

    @property
    def max_surge(self) -> int | str | None: ...

    @property
    def max_unavailable(self) -> int | str | None: ...


class RolloutDeployment(Protocol):
    """What this module reads of a Deployment: ``spec.replicas`` and ``spec.strategy``."""

    @property
    def replicas(self) -> int: ...

    @property
    def strategy(self) -> RolloutStrategy: ...


def _go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64) (and Atoi): an optionally signed ASCII decimal in int64 range, else None."""
    if not _GO_INT.fullmatch(text):
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _int_or_percent(value: int | str) -> tuple[int, bool]:
    """intstr getIntOrPercentValueSafely: ``(value, is_percent)``; a string must be an integer and a trailing '%'."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"invalid value for IntOrString {value!r}: neither int nor percentage")
    if isinstance(value, int):
        return value, False
    if not value.endswith("%"):
        raise ValueError(f'invalid value for IntOrString "{value}": a string is not a percentage')
    number = _go_int(value[:-1])
    if number is None:
        raise ValueError(f'invalid value for IntOrString "{value}": not an integer followed by \'%\'')
    return number, True


def scaled_value(int_or_percent: int | str, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is; ``"NN%"`` of ``total``, rounded up or down.

    Raises ValueError for any other string (``"5"``, ``"%"``, ``"5.5%"``, ``"5%%"``).
    """
    value, is_percent = _int_or_percent(int_or_percent)
    if not is_percent:
        return value
    scaled = float(value) * float(total) / 100
    return math.ceil(scaled) if round_up else math.floor(scaled)


def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None,
                       desired: int) -> tuple[int, int]:
    """ResolveFenceposts: ``(surge, unavailable)`` for ``desired`` replicas; surge rounds up, unavailable down.

    If both resolve to 0 (whatever ``desired``, 0 included) unavailable becomes 1, so a rollout can always
    progress. ``None`` is the default ``25%``; an invalid value raises ValueError.
    """
    surge = scaled_value(DEFAULT_MAX_SURGE if max_surge is None else max_surge, desired, True)
    unavailable = scaled_value(DEFAULT_MAX_UNAVAILABLE if max_unavailable is None else max_unavailable,
                               desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_unavailable(deployment: RolloutDeployment) -> int:
    """MaxUnavailable: pods a rolling update may take down; 0 for Recreate or 0 replicas, at most replicas.

    Upstream ignores a resolution error ("caught by validation"); here an invalid value raises ValueError.
    """
    if deployment.strategy.type != ROLLING_UPDATE or deployment.replicas == 0:
        return 0
    _, unavailable = resolve_fenceposts(deployment.strategy.max_surge, deployment.strategy.max_unavailable,
                                        deployment.replicas)
    return min(unavailable, deployment.replicas)


def min_available(deployment: RolloutDeployment) -> int:
    """MinAvailable: pods that must stay available during a rolling update; 0 for Recreate."""
    if deployment.strategy.type != ROLLING_UPDATE:
        return 0
    return deployment.replicas - max_unavailable(deployment)


def max_surge(deployment: RolloutDeployment) -> int:
    """MaxSurge: pods a rolling update may add above replicas; 0 for Recreate (not short-cut for 0 replicas)."""
    if deployment.strategy.type != ROLLING_UPDATE:
        return 0
    surge, _ = resolve_fenceposts(deployment.strategy.max_surge, deployment.strategy.max_unavailable,
                                  deployment.replicas)
    return surge


def new_rs_new_replicas(strategy_type: str, deployment_replicas: int, max_surge: int, all_rs_replicas: int,
                        new_rs_replicas: int) -> int:
    """NewRSNewReplicas: the size the new ReplicaSet should be scaled to now.

    ``max_surge`` is the resolved surge (:func:`max_surge`), ``all_rs_replicas`` the sum of ``spec.replicas``
    over all the Deployment's ReplicaSets (GetReplicaCountForReplicaSets). A rolling update grows the new
    ReplicaSet while the total stays within replicas + maxSurge, never past replicas; Recreate jumps to replicas.
    """
    if strategy_type == RECREATE:
        return deployment_replicas
    if strategy_type != ROLLING_UPDATE:
        raise ValueError(f"deployment type {strategy_type} isn't supported")
    max_total_pods = deployment_replicas + max_surge
    if all_rs_replicas >= max_total_pods:
        return new_rs_replicas
    scale_up = min(max_total_pods - all_rs_replicas, deployment_replicas - new_rs_replicas)
    return new_rs_replicas + scale_up


def replicas_annotation(value: str | None) -> int | None:
    """getNonNegativeInt32FromAnnotation: a desired-/max-replicas annotation as an int32 >= 0, or None when the
    annotation is missing or invalid (a sign, a non-digit, or above 2147483647)."""
    if value is None or not _GO_UINT.fullmatch(value):
        return None
    number = int(value)
    return number if number <= _INT32_MAX else None


def is_saturated(deployment_replicas: int, rs_replicas: int, rs_desired_replicas: int | None,
                 rs_available_replicas: int) -> bool:
    """IsSaturated: the ReplicaSet owns all the Deployment's replicas and they are all available.

    ``rs_desired_replicas`` is the ReplicaSet's desired-replicas annotation (:func:`replicas_annotation`);
    None (missing or invalid) is never saturated.
    """
    if rs_desired_replicas is None:
        return False
    return rs_replicas == rs_desired_replicas == rs_available_replicas == deployment_replicas


def _round_half_away_from_zero(value: float) -> int:
    """Go's math.Round (integer.RoundToInt32): halves round away from zero, unlike Python's round()."""
    magnitude = abs(value)
    whole = math.floor(magnitude)
    rounded = whole + 1 if magnitude - whole >= 0.5 else whole
    return rounded if value >= 0 else -rounded


def get_replica_set_fraction(*, rs_replicas: int, deployment_replicas: int, deployment_max_surge: int,
                             max_replicas_annotation: int | None, deployment_status_replicas: int) -> int:
    """getReplicaSetFraction: how many replicas a ReplicaSet gains (or loses) when its Deployment is scaled.

    The ReplicaSet keeps its share of replicas + maxSurge relative to its max-replicas annotation (the
    Deployment's replicas + maxSurge when the ReplicaSet was last sized). A missing or zero annotation falls back
    to the Deployment's ``status.replicas``; if that is 0 too the ReplicaSet is left alone. Scaling to 0 removes
    all its replicas.
    """
    if deployment_replicas == 0:
        return -rs_replicas
    deployment_max_replicas = deployment_replicas + deployment_max_surge
    before_scale = max_replicas_annotation or deployment_status_replicas
    if before_scale == 0:
        return 0
    new_size = float(rs_replicas * deployment_max_replicas) / float(before_scale)
    return _round_half_away_from_zero(new_size) - rs_replicas


def get_replica_set_proportion(*, rs_replicas: int, deployment_replicas_to_add: int,
                               deployment_replicas_added: int, deployment_replicas: int,
                               deployment_max_surge: int, max_replicas_annotation: int | None,
                               deployment_status_replicas: int) -> int:
    """GetReplicaSetProportion (formerly GetProportion): one ReplicaSet's share of a scaling event.

    The ReplicaSet's fraction (:func:`get_replica_set_fraction`), bounded by what is still left to add
    (``deployment_replicas_to_add - deployment_replicas_added``): at most that when scaling up, at least that
    when scaling down. An empty ReplicaSet, or nothing (left) to add, gives 0.
    """
    if rs_replicas == 0 or deployment_replicas_to_add in (0, deployment_replicas_added):
        return 0
    fraction = get_replica_set_fraction(
        rs_replicas=rs_replicas, deployment_replicas=deployment_replicas,
        deployment_max_surge=deployment_max_surge, max_replicas_annotation=max_replicas_annotation,
        deployment_status_replicas=deployment_status_replicas)
    allowed = deployment_replicas_to_add - deployment_replicas_added
    return min(fraction, allowed) if deployment_replicas_to_add > 0 else max(fraction, allowed)


def revision(annotation: str | None) -> int:
    """Revision: a ReplicaSet's revision annotation as an int64; a missing annotation is revision 0.

    Raises ValueError if the annotation is not a base-10 int64.
    """
    if annotation is None:
        return 0
    number = _go_int(annotation)
    if number is None:
        raise ValueError(f'invalid {REVISION_ANNOTATION} annotation "{annotation}": not a base-10 int64')
    return number


def _parsed_revisions(annotations: Iterable[str | None]) -> list[int]:
    """The revisions of ``annotations``, skipping the unparseable ones as MaxRevision/LastRevision do."""
    parsed = []
    for annotation in annotations:
        try:
            parsed.append(revision(annotation))
        except ValueError:
            continue
    return parsed


def max_revision(annotations: Iterable[str | None]) -> int:
    """MaxRevision: the highest revision among the ReplicaSets' revision annotations, and at least 0."""
    return max([0, *_parsed_revisions(annotations)])


def last_revision(annotations: Iterable[str | None]) -> int:
    """LastRevision: the second highest revision (a repeated maximum counts twice), and at least 0."""
    highest, second = 0, 0
    for value in _parsed_revisions(annotations):
        if value >= highest:
            highest, second = value, highest
        elif value > second:
            second = value
    return second


def _check_int_or_percent(value: int | str, path: str) -> None:
    """ValidatePositiveIntOrPercent: a non-negative integer or a ``[0-9]+%`` string."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ManifestError(f"Invalid value: {value!r}: must be an integer or percentage (e.g '5%')", path)
    if isinstance(value, int):
        if value < 0:
            raise ManifestError(f"Invalid value: {value}: must be greater than or equal to 0", path)
    elif not _PERCENT.fullmatch(value):
        raise ManifestError(f'Invalid value: "{value}": {_PERCENT_MESSAGE}', path)


def validate_rolling_update(max_surge: int | str | None, max_unavailable: int | str | None,
                            path: str = "spec.strategy.rollingUpdate") -> None:
    """ValidateRollingUpdateDeployment: raise a ManifestError for the first rule broken, in upstream order.

    Each bound is a non-negative int or ``NN%``; they may not both be zero (``0`` or ``0%``); maxUnavailable
    may not exceed ``100%``. ``None`` is the default ``25%``.
    """
    surge = DEFAULT_MAX_SURGE if max_surge is None else max_surge
    unavailable = DEFAULT_MAX_UNAVAILABLE if max_unavailable is None else max_unavailable
    unavailable_path = join_path(path, "maxUnavailable")
    _check_int_or_percent(unavailable, unavailable_path)
    _check_int_or_percent(surge, join_path(path, "maxSurge"))
    surge_amount, _ = _int_or_percent(surge)
    unavailable_amount, unavailable_is_percent = _int_or_percent(unavailable)
    shown = f'"{unavailable}"' if unavailable_is_percent else str(unavailable)
    if surge_amount == 0 and unavailable_amount == 0:
        raise ManifestError(f"Invalid value: {shown}: may not be 0 when `maxSurge` is 0", unavailable_path)
    if unavailable_is_percent and unavailable_amount > 100:
        raise ManifestError(f"Invalid value: {shown}: must not be greater than 100%", unavailable_path)
