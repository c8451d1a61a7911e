"""Tests for model.rollout.

Tables are ported from pkg/controller/deployment/util/deployment_util_test.go and
staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr_test.go (each test names its upstream function).
"""

from __future__ import annotations

import math
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.errors import ManifestError
from model.rollout import (
    RECREATE,
    ROLLING_UPDATE,
    get_replica_set_fraction,
    get_replica_set_proportion,
    is_saturated,
    last_revision,
    max_revision,
    max_surge,
    max_unavailable,
    min_available,
    new_rs_new_replicas,
    replicas_annotation,
    resolve_fenceposts,
    revision,
    scaled_value,
    validate_rolling_update,
)

INT32_MAX = 2**31 - 1


@attrs.frozen
class Strategy:
    """Stand-in for a Deployment's spec.strategy, with rollingUpdate's two bounds flattened onto it."""

    type: str = ROLLING_UPDATE
    max_surge: int | str | None = None
    max_unavailable: int | str | None = None


@attrs.frozen
class Deployment:
    """Stand-in for the Deployment object: only what model.rollout reads."""

    replicas: int
    strategy: Strategy = Strategy()


def rolling(replicas: int, surge: int | str | None, unavailable: int | str | None) -> Deployment:
    return Deployment(replicas, Strategy(ROLLING_UPDATE, surge, unavailable))


percents = st.integers(0, 1000).map(lambda n: f"{n}%")
bounds = st.one_of(st.integers(0, 1000), percents)
replica_counts = st.integers(0, INT32_MAX)


# --- intstr.GetScaledValueFromIntOrPercent ---------------------------------------------------------------

@pytest.mark.parametrize(("value", "total", "round_up", "expected"), [
    (123, 0, False, 123),
    ("90%", 100, True, 90),
    ("90%", 95, True, 86),
    ("90%", 95, False, 85),
    ("%", 0, False, None),
    ("90#", 0, False, None),
    ("#%", 0, False, None),
    ("90", 0, False, None),
])
def test_scaled_value_upstream_table(value, total, round_up, expected):
    """intstr_test.go TestGetIntFromIntOrPercent (None: an error is expected)."""
    if expected is None:
        with pytest.raises(ValueError, match="IntOrString"):
            scaled_value(value, total, round_up)
    else:
        assert scaled_value(value, total, round_up) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (200, 200),  # an int is taken as is, whatever the total
    ("40%", 20),  # 40% of 50
    ("200", None), ("30%0", None), ("%", None), ("a%", None), ("a", None), ("40#", None), ("40%%", None),
])
def test_int_or_percent_parsing_upstream_table(value, expected):
    """intstr_test.go TestGetIntFromIntOrString (getIntOrPercentValueSafely), observed through a total of 50."""
    if expected is None:
        with pytest.raises(ValueError):
            scaled_value(value, 50, False)
    else:
        assert scaled_value(value, 50, False) == expected


@pytest.mark.parametrize(("value", "expected"), [("+5%", 5), ("-5%", -5), ("007%", 7), ("-0%", 0)])
def test_scaled_value_accepts_go_atoi_syntax(value, expected):
    """strconv.Atoi takes a sign and leading zeros; validation, not scaling, rejects negative percents."""
    assert scaled_value(value, 100, False) == expected


@pytest.mark.parametrize("value", [
    " 5%", "5 %", "1_0%", "\u0663%", "5%\n", "5.5%", "", "9223372036854775808%", True, None, 2.5,
])
def test_scaled_value_rejects_what_go_rejects(value):
    """Whitespace, underscores, non-ASCII digits, decimals and out-of-int64 numbers are not percentages."""
    with pytest.raises(ValueError):
        scaled_value(value, 10, True)


@given(st.integers(-1000, 1000), replica_counts, st.booleans())
def test_scaled_percent_matches_exact_rounding(percent, total, round_up):
    """Float64 scaling agrees with exact rational ceil/floor over every int32 total."""
    exact = Fraction(percent * total, 100)
    expected = math.ceil(exact) if round_up else math.floor(exact)
    assert scaled_value(f"{percent}%", total, round_up) == expected


@given(st.integers(-INT32_MAX, INT32_MAX), replica_counts, st.booleans())
def test_scaled_int_is_unchanged(value, total, round_up):
    assert scaled_value(value, total, round_up) == value


# --- ResolveFenceposts -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("surge", "unavailable", "desired", "expected"), [
    ("0%", "0%", 0, (0, 1)),
    ("39%", "39%", 10, (4, 3)),
    ("oops", "39%", 10, None),
    ("55%", "urg", 10, None),
    (0, "39%", 10, (0, 3)),  # upstream: nil maxSurge, which ResolveFenceposts reads as 0
    ("39%", 0, 10, (4, 0)),  # upstream: nil maxUnavailable
    (0, 0, 10, (0, 1)),  # upstream: both nil
])
def test_resolve_fenceposts_upstream_table(surge, unavailable, desired, expected):
    """deployment_util_test.go TestResolveFenceposts (None: an error is expected)."""
    if expected is None:
        with pytest.raises(ValueError):
            resolve_fenceposts(surge, unavailable, desired)
    else:
        assert resolve_fenceposts(surge, unavailable, desired) == expected


@pytest.mark.parametrize(("surge", "unavailable", "desired", "expected"), [
    ("0%", "1%", 2, (0, 1)),  # scale old(-1), then new(+1), ...
    ("0%", "1%", 1, (0, 1)),
    ("1%", "25%", 2, (1, 0)),  # scale new(+1), then old(-1), ...
    ("1%", "25%", 1, (1, 0)),
    ("1%", "0%", 2, (1, 0)),
    ("1%", "0%", 1, (1, 0)),
])
def test_resolve_fenceposts_doc_examples(surge, unavailable, desired, expected):
    """The six examples in ResolveFenceposts' doc comment (deployment_util.go)."""
    assert resolve_fenceposts(surge, unavailable, desired) == expected


@pytest.mark.parametrize(("surge", "unavailable", "desired", "expected"), [
    (None, None, 10, (3, 2)),  # 25% of 10: 2.5 rounds up for surge, down for unavailable
    (None, None, 4, (1, 1)),
    (None, None, 1, (1, 0)),
    (None, None, 0, (0, 1)),
    (None, 0, 3, (1, 0)),
    (2, None, 3, (2, 0)),
])
def test_resolve_fenceposts_none_is_the_default_25_percent(surge, unavailable, desired, expected):
    """apps/v1 SetDefaults_Deployment: an unset bound is 25%."""
    assert resolve_fenceposts(surge, unavailable, desired) == expected


@given(bounds, st.one_of(st.integers(0, 1000), st.integers(0, 100).map(lambda n: f"{n}%")), replica_counts)
def test_resolve_fenceposts_properties(surge_bound, unavailable_bound, desired):
    """Surge is the exact ceiling and unavailable the exact floor, except that the pair is never (0, 0)
    (for desired == 0 too); a percent maxUnavailable (<= 100%) never exceeds max(desired, 1)."""
    surge, unavailable = resolve_fenceposts(surge_bound, unavailable_bound, desired)

    def exact(bound, up):
        if isinstance(bound, int):
            return bound
        share = Fraction(int(bound[:-1]) * desired, 100)
        return math.ceil(share) if up else math.floor(share)

    assert surge == exact(surge_bound, True) >= 0
    assert (surge, unavailable) != (0, 0)
    assert unavailable == (exact(unavailable_bound, False) or (1 if surge == 0 else 0))
    if isinstance(unavailable_bound, str):
        assert 0 <= unavailable <= max(desired, 1)


# --- MaxUnavailable, MinAvailable, MaxSurge --------------------------------------------------------------

@pytest.mark.parametrize(("deployment", "expected"), [
    (rolling(10, 1, 5), 5),  # maxUnavailable less than replicas
    (rolling(10, 1, 10), 10),  # maxUnavailable equal replicas
    (rolling(5, 1, 10), 5),  # maxUnavailable greater than replicas
    (rolling(0, 1, 10), 0),  # maxUnavailable with replicas is 0
    (Deployment(10, Strategy(RECREATE)), 0),  # maxUnavailable with Recreate deployment strategy
    (rolling(10, 1, "50%"), 5),  # less than replicas with percents
    (rolling(10, 1, "100%"), 10),  # equal replicas with percents
    (rolling(5, 1, "100%"), 5),  # greater than replicas with percents
])
def test_max_unavailable_upstream_table(deployment, expected):
    """deployment_util_test.go TestMaxUnavailable."""
    assert max_unavailable(deployment) == expected


@pytest.mark.parametrize(("deployment", "expected"), [
    (rolling(10, 1, 5), 5),  # replicas greater than maxUnavailable
    (rolling(10, 1, 10), 0),  # replicas equal maxUnavailable
    (rolling(5, 1, 10), 0),  # replicas less than maxUnavailable
    (rolling(0, 1, 10), 0),  # replicas is 0
    (Deployment(10, Strategy(RECREATE)), 0),  # minAvailable with Recreate deployment strategy
    (rolling(10, 1, "60%"), 4),
    (rolling(10, 1, "100%"), 0),
    (rolling(5, 1, "100%"), 0),
])
def test_min_available_upstream_table(deployment, expected):
    """deployment_util_test.go TestMinAvailable."""
    assert min_available(deployment) == expected


@pytest.mark.parametrize(("deployment", "expected"), [
    (Deployment(10, Strategy(RECREATE)), 0),
    (rolling(10, None, None), 3),
    (rolling(10, "39%", 1), 4),
    (rolling(0, 3, 1), 3),  # an int surge stands even at 0 replicas (no short-cut as in MaxUnavailable)
    (rolling(0, "50%", 1), 0),
    (rolling(10, 0, 0), 0),  # the fencepost rule raises unavailable, never surge
])
def test_max_surge(deployment, expected):
    """MaxSurge (deployment_util.go): the surge half of ResolveFenceposts, 0 for Recreate."""
    assert max_surge(deployment) == expected


def test_max_unavailable_fencepost_when_both_round_to_zero():
    """1 replica at 10%/10%: surge rounds up to 1, so unavailable stays 0; at 0%/10% it becomes 1."""
    assert (max_surge(rolling(1, "10%", "10%")), max_unavailable(rolling(1, "10%", "10%"))) == (1, 0)
    assert (max_surge(rolling(1, "0%", "10%")), max_unavailable(rolling(1, "0%", "10%"))) == (0, 1)


def test_invalid_bound_raises_instead_of_resolving_to_zero():
    """Upstream swallows the error and returns 0; the bounds are not read at all for 0 replicas or Recreate."""
    with pytest.raises(ValueError):
        max_unavailable(rolling(3, "oops", 1))
    with pytest.raises(ValueError):
        max_surge(rolling(3, 1, "50"))
    assert max_unavailable(rolling(0, "oops", "oops")) == 0
    assert max_surge(Deployment(3, Strategy(RECREATE, "oops", "oops"))) == 0


@given(st.sampled_from([ROLLING_UPDATE, RECREATE]), bounds, bounds, st.integers(0, 10_000))
def test_deployment_bounds_properties(strategy_type, surge, unavailable, replicas):
    """0 <= maxUnavailable <= replicas, minAvailable is the rest, maxSurge >= 0; a rolling update with
    replicas can always move (surge + unavailable >= 1); Recreate has no bounds at all."""
    deployment = Deployment(replicas, Strategy(strategy_type, surge, unavailable))
    assert 0 <= max_unavailable(deployment) <= replicas
    assert max_surge(deployment) >= 0
    if strategy_type == RECREATE:
        assert (max_surge(deployment), max_unavailable(deployment), min_available(deployment)) == (0, 0, 0)
    else:
        assert min_available(deployment) == replicas - max_unavailable(deployment)
        if replicas > 0:
            assert max_surge(deployment) + max_unavailable(deployment) >= 1


# --- NewRSNewReplicas ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("strategy_type", "dep_replicas", "new_rs_replicas", "surge", "expected"), [
    (ROLLING_UPDATE, 1, 5, 1, 5),  # can not scale up - to newRSReplicas
    (ROLLING_UPDATE, 6, 2, 10, 6),  # scale up - to depReplicas
    (RECREATE, 3, 1, 1, 3),  # recreate - to depReplicas
])
def test_new_rs_new_replicas_upstream_table(strategy_type, dep_replicas, new_rs_replicas, surge, expected):
    """deployment_util_test.go TestNewRSNewReplicas: allRSs is one other ReplicaSet of 5 replicas."""
    assert new_rs_new_replicas(strategy_type, dep_replicas, surge, 5, new_rs_replicas) == expected


def test_new_rs_new_replicas_scales_up_by_the_room_left_under_surge():
    """10 replicas, surge 2, old 10 + new 0 = 10 pods: room for 2 more."""
    assert new_rs_new_replicas(ROLLING_UPDATE, 10, 2, 10, 0) == 2
    assert new_rs_new_replicas(ROLLING_UPDATE, 10, 2, 12, 2) == 2


def test_new_rs_new_replicas_rejects_unknown_strategy():
    with pytest.raises(ValueError, match="isn't supported"):
        new_rs_new_replicas("BlueGreen", 3, 1, 0, 0)


@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000))
def test_new_rs_new_replicas_properties(replicas, surge, old_replicas, new_replicas):
    """The new ReplicaSet grows, never past replicas, and the total never newly exceeds replicas + maxSurge."""
    new_replicas = min(new_replicas, replicas)  # reconcileNewReplicaSet scales a larger one down before asking
    result = new_rs_new_replicas(ROLLING_UPDATE, replicas, surge, old_replicas + new_replicas, new_replicas)
    assert new_replicas <= result <= replicas
    assert old_replicas + result <= max(old_replicas + new_replicas, replicas + surge)
    if old_replicas + new_replicas < replicas + surge:
        assert result > new_replicas or new_replicas == replicas


# --- Replica annotations and IsSaturated -----------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (None, None),  # invalid empty
    ("invalid", None),
    ("-1", None),  # invalid negative
    ("0", 0),  # valid zero
    ("13", 13),
    (str(INT32_MAX), INT32_MAX),  # valid max
    (str(INT32_MAX + 1), None),  # invalid max out of range
    (str(2**32), None),  # invalid max out of range 2
    ("+1", None), ("", None), (" 1", None),
])
def test_replicas_annotation_upstream_table(value, expected):
    """deployment_util_test.go TestGetNonNegativeInt32FromAnnotation (plus strconv.ParseUint's syntax)."""
    assert replicas_annotation(value) == expected


def test_is_saturated():
    """deployment_util_test.go TestAnnotationUtils/IsSaturated, then each condition broken in turn."""
    assert is_saturated(1, rs_replicas=1, rs_desired_replicas=replicas_annotation("1"), rs_available_replicas=1)
    assert not is_saturated(1, rs_replicas=1, rs_desired_replicas=None, rs_available_replicas=1)
    assert not is_saturated(2, rs_replicas=1, rs_desired_replicas=2, rs_available_replicas=2)
    assert not is_saturated(2, rs_replicas=2, rs_desired_replicas=1, rs_available_replicas=2)
    assert not is_saturated(2, rs_replicas=2, rs_desired_replicas=2, rs_available_replicas=1)


# --- getReplicaSetFraction and GetReplicaSetProportion ----------------------------------------------------

@pytest.mark.parametrize(("replicas", "status_replicas", "surge", "rs_replicas", "annotation", "expected"), [
    (0, 0, 0, 10, None, -10),  # empty deployment always scales to 0
    (10, 0, 0, 5, None, 0),  # unsynced deployment does not scale when max-replicas annotation is missing
    (10, 0, 0, 5, "0", 0),  # ... or incorrectly set to 0
    (120, 100, 0, 50, None, 10),  # scale up by 1/5 when the annotation is missing: falls back to status
    (120, 100, 0, 50, "0", 10),  # ... or set to 0
    (120, 0, 0, 50, "100", 10),  # scale up by 1/5 should increase RS replicas by 1/5
    (120, 0, 10, 50, "110", 9),  # scale up with maxSurge by 1/5: approximately 1/5
    (10, 0, 0, 6, "12", -1),  # scale down by 1/6 should decrease RS replicas by 1/6
    (100, 0, 10, 50, "130", -8),  # scale down with maxSurge by 1/6: approximately 1/6
])
def test_get_replica_set_fraction_upstream_table(replicas, status_replicas, surge, rs_replicas, annotation,
                                                 expected):
    """deployment_util_test.go TestGetReplicaSetFraction (maxUnavailable 1, so maxSurge resolves to itself)."""
    resolved_surge = max_surge(rolling(replicas, surge, 1))
    assert get_replica_set_fraction(
        rs_replicas=rs_replicas, deployment_replicas=replicas, deployment_max_surge=resolved_surge,
        max_replicas_annotation=replicas_annotation(annotation),
        deployment_status_replicas=status_replicas) == expected


def test_get_replica_set_fraction_rounds_halves_away_from_zero():
    """integer.RoundToInt32 is math.Round: 1 * 5 / 2 = 2.5 becomes 3 (Python's round() would give 2)."""
    assert get_replica_set_fraction(rs_replicas=1, deployment_replicas=5, deployment_max_surge=0,
                                    max_replicas_annotation=2, deployment_status_replicas=0) == 2
    assert get_replica_set_fraction(rs_replicas=3, deployment_replicas=1, deployment_max_surge=0,
                                    max_replicas_annotation=2, deployment_status_replicas=0) == -1


def proportion(rs_replicas: int, to_add: int, added: int, replicas: int = 12, annotation: int | None = 10) -> int:
    return get_replica_set_proportion(
        rs_replicas=rs_replicas, deployment_replicas_to_add=to_add, deployment_replicas_added=added,
        deployment_replicas=replicas, deployment_max_surge=0, max_replicas_annotation=annotation,
        deployment_status_replicas=0)


def test_get_replica_set_proportion():
    """GetReplicaSetProportion: 0 for an empty ReplicaSet or nothing left to add; else the fraction, capped."""
    assert proportion(0, 2, 0) == 0
    assert proportion(5, 0, 0) == 0
    assert proportion(5, 2, 2) == 0
    assert proportion(5, 2, 0) == 1  # 5 * 12 / 10 = 6: its fraction, under the 2 allowed
    assert proportion(10, 2, 1) == 1  # fraction 2, but only 1 is left to add
    assert proportion(5, -3, 0, replicas=8) == -1  # 5 * 8 / 10 = 4: its fraction, within the 3 allowed
    assert proportion(10, -3, -2, replicas=7) == -1  # fraction -3, but only 1 is left to remove


@given(st.integers(1, 1000), st.integers(-1000, 1000), st.integers(-1000, 1000), st.integers(0, 1000),
       st.integers(0, 100), st.one_of(st.none(), st.integers(0, 1100)), st.integers(0, 1100))
def test_get_replica_set_proportion_stays_within_what_is_left(rs_replicas, to_add, added, replicas, surge,
                                                              annotation, status_replicas):
    """A ReplicaSet never takes more than is left to add, nor gives up more than is left to remove."""
    share = get_replica_set_proportion(
        rs_replicas=rs_replicas, deployment_replicas_to_add=to_add, deployment_replicas_added=added,
        deployment_replicas=replicas, deployment_max_surge=surge, max_replicas_annotation=annotation,
        deployment_status_replicas=status_replicas)
    left = to_add - added
    if to_add == 0 or left == 0:
        assert share == 0
    elif to_add > 0:
        assert share <= left
    else:
        assert share >= left


@given(st.integers(1, 10_000), st.integers(1, 10_000), st.integers(1, 10_000))
def test_get_replica_set_fraction_matches_exact_rounding(rs_replicas, replicas, before):
    """The new size is rs * maxReplicas / annotation, rounded half away from zero, minus the current size."""
    new_size = math.floor(Fraction(rs_replicas * replicas, before) + Fraction(1, 2))
    assert get_replica_set_fraction(
        rs_replicas=rs_replicas, deployment_replicas=replicas, deployment_max_surge=0,
        max_replicas_annotation=before, deployment_status_replicas=0) == new_size - rs_replicas


# --- Revision, MaxRevision, LastRevision -----------------------------------------------------------------

def test_revision():
    """Revision: a missing annotation is revision 0; anything but a base-10 int64 is an error."""
    assert revision(None) == 0
    assert revision("7") == 7
    assert revision("-3") == -3
    for bad in ("", "x", "1.0", str(2**63)):
        with pytest.raises(ValueError, match="revision"):
            revision(bad)


@pytest.mark.parametrize(("annotations", "highest", "last"), [
    ([], 0, 0),
    (["1", None, "3", "2"], 3, 2),
    (["2", "bogus", "5"], 5, 2),  # unparseable revisions are skipped
    (["4", "4"], 4, 4),  # a repeated maximum is also the last revision
    (["-1"], 0, 0),  # both start from 0
    ([None, None], 0, 0),
])
def test_max_and_last_revision(annotations, highest, last):
    """MaxRevision and LastRevision over the ReplicaSets' revision annotations."""
    assert max_revision(annotations) == highest
    assert last_revision(annotations) == last


@given(st.lists(st.one_of(st.none(), st.integers(0, 10**6).map(str), st.just("bogus")), max_size=8))
def test_last_revision_is_second_of_sorted(annotations):
    revisions = sorted([0, 0, *(int(a) for a in annotations if a is not None and a != "bogus")])
    assert (max_revision(annotations), last_revision(annotations)) == (revisions[-1], revisions[-2])


# --- ValidateRollingUpdateDeployment ---------------------------------------------------------------------

@pytest.mark.parametrize(("surge", "unavailable"), [
    (None, None), (0, 1), (1, 0), ("0%", "1%"), ("200%", "100%"), (0, "100%"), ("00%", 2),
])
def test_validate_rolling_update_accepts(surge, unavailable):
    validate_rolling_update(surge, unavailable)


@pytest.mark.parametrize(("surge", "unavailable", "field", "message"), [
    (1, -1, "maxUnavailable", "Invalid value: -1: must be greater than or equal to 0"),
    (-2, 1, "maxSurge", "Invalid value: -2: must be greater than or equal to 0"),
    (1, "5", "maxUnavailable", 'Invalid value: "5": a valid percent string must be a numeric string'),
    ("-5%", 1, "maxSurge", 'Invalid value: "-5%": a valid percent string'),
    ("5%%", 1, "maxSurge", "a valid percent string"),
    (1, True, "maxUnavailable", "must be an integer or percentage"),
    (0, 0, "maxUnavailable", "Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    ("0%", "00%", "maxUnavailable", 'Invalid value: "00%": may not be 0 when `maxSurge` is 0'),
    (1, "101%", "maxUnavailable", 'Invalid value: "101%": must not be greater than 100%'),
    ("abc", -1, "maxUnavailable", "must be greater than or equal to 0"),  # maxUnavailable is checked first
])
def test_validate_rolling_update_rejects(surge, unavailable, field, message):
    """pkg/apis/apps/validation ValidateRollingUpdateDeployment, located at the offending field."""
    with pytest.raises(ManifestError) as raised:
        validate_rolling_update(surge, unavailable, "spec.strategy.rollingUpdate")
    assert raised.value.field == f"spec.strategy.rollingUpdate.{field}"
    assert message in raised.value.message


@given(bounds, st.one_of(st.integers(0, 1000), st.integers(0, 100).map(lambda n: f"{n}%")), replica_counts)
def test_validation_accepts_exactly_the_resolvable_nonzero_bounds(surge, unavailable, desired):
    """Non-negative bounds with maxUnavailable <= 100% validate unless both are zero, and then resolve."""
    both_zero = surge in (0, "0%") and unavailable in (0, "0%")
    if both_zero:
        with pytest.raises(ManifestError, match="may not be 0"):
            validate_rolling_update(surge, unavailable)
    else:
        validate_rolling_update(surge, unavailable)
    assert min(resolve_fenceposts(surge, unavailable, desired)) >= 0
