"""Taints and tolerations.

Sources: staging/src/k8s.io/api/core/v1/toleration.go (ToleratesTaint), taint.go (MatchTaint),
pkg/apis/core/validation/validation.go (validateTaints, ValidateTolerations),
staging/src/k8s.io/component-helpers/scheduling/corev1/helpers.go (FindMatchingUntoleratedTaint).
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from model.errors import ManifestError, join_path
from model.schema import INT, STR, TIMESTAMP, Serializable, enum, field, require

NO_SCHEDULE = "NoSchedule"
PREFER_NO_SCHEDULE = "PreferNoSchedule"
NO_EXECUTE = "NoExecute"
EFFECTS = (NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE)


@attrs.frozen
class Taint(Serializable):
    """core/v1 Taint: ``key=value:effect`` on a node."""

    key: str = field("key", STR, required=True)
    effect: str = field("effect", enum(*EFFECTS), required=True)
    value: str = field("value", STR, "")
    time_added: int | str | None = field("timeAdded", TIMESTAMP)

    def _defaulted(self, path: str) -> Taint:
        require(self.key != "", "Required value", join_path(path, "key"))
        return self

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


@attrs.frozen
class Toleration(Serializable):
    """core/v1 Toleration. An empty operator means ``Equal``, an empty key (with Exists) any key."""

    key: str = field("key", STR, "")
    operator: str = field("operator", enum("", "Equal", "Exists", "Gt", "Lt"), "Equal")
    value: str = field("value", STR, "")
    effect: str = field("effect", enum("", *EFFECTS), "")
    toleration_seconds: int | None = field("tolerationSeconds", INT)

    def _defaulted(self, path: str) -> Toleration:
        """ValidateTolerations' rules; an empty operator is ``Equal``."""
        if self.operator == "":
            return attrs.evolve(self, operator="Equal")._defaulted(path)
        if self.key == "":
            require(self.operator == "Exists", 'Invalid value: "Equal": operator must be Exists when `key` is empty, '
                    "which means \"match all values and all keys\"", join_path(path, "operator"))
        if self.operator == "Exists":
            require(self.value == "", f'Invalid value: "{self.value}": value must be empty when `operator` is '
                    "'Exists'", join_path(path, "value"))
        if self.toleration_seconds is not None:
            require(self.effect == NO_EXECUTE, f'Invalid value: "{self.effect}": effect must be \'NoExecute\' when '
                    "`tolerationSeconds` is set", join_path(path, "effect"))
        return self

    def tolerates(self, taint: Taint) -> bool:
        """Toleration.ToleratesTaint. An empty operator means Equal, as upstream's switch has it, also for a
        Toleration built directly rather than decoded (decoding defaults it)."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        if self.operator in ("Gt", "Lt"):
            return _compare_numeric(self.operator, self.value, taint.value)
        return self.operator in ("", "Equal") and self.value == taint.value


_DECIMAL_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
"""content.IsDecimalInteger: an optional minus sign, no leading zeros."""


def _compare_numeric(operator: str, toleration_value: str, taint_value: str) -> bool:
    """The Gt/Lt toleration operators (KEP-5471, alpha in 1.35): Gt tolerates a taint whose integer value is
    greater than the toleration's, Lt one whose value is less; values that are not decimal integers never match."""
    if not (_DECIMAL_INTEGER.fullmatch(toleration_value) and _DECIMAL_INTEGER.fullmatch(taint_value)):
        return False
    toleration, taint = int(toleration_value), int(taint_value)
    return taint > toleration if operator == "Gt" else taint < toleration


def _as_toleration(value: Toleration | Mapping[str, Any]) -> Toleration:
    if isinstance(value, Toleration):
        return value
    try:
        return Toleration.from_dict(value)
    except ManifestError as e:
        raise ValueError(f"invalid toleration: {e}") from None


def _as_taint(value: Taint | Mapping[str, Any]) -> Taint:
    if isinstance(value, Taint):
        return value
    try:
        return Taint.from_dict(value)
    except ManifestError as e:
        raise ValueError(f"invalid taint: {e}") from None


def tolerates(toleration: Toleration | Mapping[str, Any], taint: Taint | Mapping[str, Any]) -> bool:
    """Whether ``toleration`` tolerates ``taint`` (core/v1 Toleration.ToleratesTaint).

    Accepts model objects or Kubernetes dicts; an invalid dict raises ValueError.
    """
    return _as_toleration(toleration).tolerates(_as_taint(taint))


def tolerated(taint: Taint, tolerations: Iterable[Toleration]) -> bool:
    """TolerationsTolerateTaint: whether any of ``tolerations`` tolerates ``taint``."""
    return any(t.tolerates(taint) for t in tolerations)


def first_untolerated(
    taints: Iterable[Taint],
    tolerations: Iterable[Toleration],
    considered: Callable[[Taint], bool] = lambda taint: taint.effect in (NO_SCHEDULE, NO_EXECUTE),
) -> Taint | None:
    """FindMatchingUntoleratedTaint: the first considered taint no toleration tolerates.

    By default only NoSchedule and NoExecute taints are considered, as TaintToleration's filter does.
    """
    tolerations = tuple(tolerations)
    return next((t for t in taints if considered(t) and not tolerated(t, tolerations)), None)
