"""Tests for model.taints (Toleration.ToleratesTaint, FindMatchingUntoleratedTaint, validation).

Tables are ported from kubernetes/kubernetes:
- staging/src/k8s.io/api/core/v1/toleration_test.go (TestTolerationToleratesTaint, TestCompareNumericValues;
  the Gt/Lt cases belong to the alpha TaintTolerationComparisonOperators gate);
- staging/src/k8s.io/component-helpers/scheduling/corev1/helpers_test.go (TestFindMatchingUntoleratedTaint);
- pkg/apis/core/validation/validation.go ValidateTolerations / validateTaints for the decoding rules.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.errors import ManifestError
from model.objects import Node, Pod
from model.taints import (
    EFFECTS,
    NO_EXECUTE,
    NO_SCHEDULE,
    PREFER_NO_SCHEDULE,
    Taint,
    Toleration,
    first_untolerated,
    tolerated,
    tolerates,
)


def toleration(key: str = "", operator: str = "", value: str = "", effect: str = "", **extra: Any) -> Toleration:
    return Toleration.from_dict({"key": key, "operator": operator, "value": value, "effect": effect, **extra})


def taint(key: str, effect: str, value: str = "") -> Taint:
    return Taint.from_dict({"key": key, "value": value, "effect": effect})


SLA = "node.kubernetes.io/sla"

# TestTolerationToleratesTaint: (description, toleration, taint, tolerated).
TOLERATES_CASES = [
    ("toleration and taint have the same key and effect, and operator is Exists, and taint has no value, expect "
     "tolerated", toleration("foo", "Exists", effect=NO_SCHEDULE), taint("foo", NO_SCHEDULE), True),
    ("toleration and taint have the same key and effect, and operator is Exists, and taint has some value, "
     "expect tolerated", toleration("foo", "Exists", effect=NO_SCHEDULE), taint("foo", NO_SCHEDULE, "bar"), True),
    ("toleration and taint have the same effect, toleration has empty key and operator is Exists, means match all "
     "taints, expect tolerated", toleration("", "Exists", effect=NO_SCHEDULE), taint("foo", NO_SCHEDULE, "bar"),
     True),
    ("toleration and taint have the same key, effect and value, and operator is Equal, expect tolerated",
     toleration("foo", "Equal", "bar", NO_SCHEDULE), taint("foo", NO_SCHEDULE, "bar"), True),
    ("toleration and taint have the same key and effect, but different values, and operator is Equal, expect not "
     "tolerated", toleration("foo", "Equal", "value1", NO_SCHEDULE), taint("foo", NO_SCHEDULE, "value2"), False),
    ("toleration and taint have the same key and value, but different effects, and operator is Equal, expect not "
     "tolerated", toleration("foo", "Equal", "bar", NO_SCHEDULE), taint("foo", NO_EXECUTE, "bar"), False),
    ("toleration with Gt operator - taint value less than toleration value, expect not tolerated",
     toleration(SLA, "Gt", "950", NO_SCHEDULE), taint(SLA, NO_SCHEDULE, "800"), False),
    ("toleration with Gt operator - taint value greater than toleration value, expect tolerated",
     toleration(SLA, "Gt", "750", NO_SCHEDULE), taint(SLA, NO_SCHEDULE, "950"), True),
    ("toleration with Lt operator - taint value greater than toleration value, expect not tolerated",
     toleration(SLA, "Lt", "800", NO_SCHEDULE), taint(SLA, NO_SCHEDULE, "950"), False),
    ("toleration with Lt operator - taint value less than toleration value, expect tolerated",
     toleration(SLA, "Lt", "950", NO_SCHEDULE), taint(SLA, NO_SCHEDULE, "800"), True),
    ("toleration with Gt operator and taint with equal numeric value, expect not tolerated",
     toleration(SLA, "Gt", "950", NO_SCHEDULE), taint(SLA, NO_SCHEDULE, "950"), False),
    ("toleration with Gt operator and taint with non-numeric value, expect not tolerated",
     toleration(SLA, "Gt", "950", NO_SCHEDULE), taint(SLA, NO_SCHEDULE, "high"), False),
    ("toleration with Gt operator and large int64 values - taint value less than threshold, expect not tolerated",
     toleration("test-key", "Gt", "9223372036854775806", NO_SCHEDULE), taint("test-key", NO_SCHEDULE, "100"), False),
    # further cases
    ("empty operator means Equal", toleration("foo", "", "bar"), taint("foo", NO_EXECUTE, "bar"), True),
    ("empty effect matches every effect", toleration("foo", "Exists"), taint("foo", PREFER_NO_SCHEDULE), True),
    ("Equal with an empty value matches a taint without value", toleration("foo", "Equal"), taint("foo", NO_SCHEDULE),
     True),
    ("Equal with an empty value does not match a taint with a value", toleration("foo", "Equal"),
     taint("foo", NO_SCHEDULE, "bar"), False),
    ("different key", toleration("foo", "Exists"), taint("bar", NO_SCHEDULE), False),
    ("empty key and effect with Exists tolerates everything", toleration("", "Exists"),
     taint("anything", NO_EXECUTE, "x"), True),
]


@pytest.mark.parametrize("description, tol, t, want", TOLERATES_CASES, ids=[c[0] for c in TOLERATES_CASES])
def test_toleration_tolerates_taint(description: str, tol: Toleration, t: Taint, want: bool) -> None:
    assert tol.tolerates(t) is want
    assert tolerates(tol.to_dict(), t.to_dict()) is want


# TestCompareNumericValues: (description, toleration value, taint value, operator, result). The negative
# taint values are not valid label values, so the taints are built directly.
NUMERIC_CASES = [
    ("Gt operator - taint value greater than toleration value, expect true", "100", "200", "Gt", True),
    ("Gt operator - taint value less than toleration value, expect false", "200", "100", "Gt", False),
    ("Gt operator - taint value equal to toleration value, expect false", "100", "100", "Gt", False),
    ("Gt operator - negative numbers, taint greater, expect true", "-100", "-50", "Gt", True),
    ("Gt operator - negative numbers, taint less, expect false", "-50", "-100", "Gt", False),
    ("Gt operator - zero and positive, expect true", "0", "1", "Gt", True),
    ("Gt operator - large int64 values, taint greater, expect true", "9223372036854775806", "9223372036854775807",
     "Gt", True),
    ("Lt operator - taint value less than toleration value, expect true", "200", "100", "Lt", True),
    ("Lt operator - taint value greater than toleration value, expect false", "100", "200", "Lt", False),
    ("Lt operator - taint value equal to toleration value, expect false", "100", "100", "Lt", False),
    ("Lt operator - negative numbers, taint less, expect true", "-50", "-100", "Lt", True),
    ("Lt operator - negative numbers, taint greater, expect false", "-100", "-50", "Lt", False),
    ("Lt operator - zero and negative, expect true", "0", "-1", "Lt", True),
    ("Gt operator - invalid toleration value (non-numeric), expect false", "abc", "100", "Gt", False),
    ("Gt operator - invalid toleration value (empty string), expect false", "", "100", "Gt", False),
    ("Gt operator - invalid toleration value (leading zero), expect false", "0100", "200", "Gt", False),
    ("Gt operator - invalid toleration value (plus sign), expect false", "+100", "200", "Gt", False),
    ("Gt operator - invalid toleration value (floating point), expect false", "100.5", "200", "Gt", False),
    ("Gt operator - invalid toleration value (just minus sign), expect false", "-", "100", "Gt", False),
    ("Gt operator - invalid taint value (non-numeric), expect false", "100", "xyz", "Gt", False),
    ("Gt operator - invalid taint value (empty string), expect false", "100", "", "Gt", False),
    ("Gt operator - invalid taint value (leading zero), expect false", "100", "0200", "Gt", False),
    ("Lt operator - invalid taint value (plus sign), expect false", "100", "+200", "Lt", False),
    ("Lt operator - invalid taint value (spaces), expect false", "100", " 200 ", "Lt", False),
    ("Gt operator - both zero, expect false", "0", "0", "Gt", False),
    ("Lt operator - both zero, expect false", "0", "0", "Lt", False),
    ("Gt operator - max int64 as taint, expect true", "0", "9223372036854775807", "Gt", True),
    ("Lt operator - min int64 as taint, expect true", "0", "-9223372036854775808", "Lt", True),
]


@pytest.mark.parametrize("description, tol_value, taint_value, operator, want", NUMERIC_CASES,
                         ids=[c[0] for c in NUMERIC_CASES])
def test_compare_numeric_values(description: str, tol_value: str, taint_value: str, operator: str,
                                want: bool) -> None:
    tol = Toleration(key="k", operator=operator, value=tol_value)
    assert tol.tolerates(Taint(key="k", effect=NO_SCHEDULE, value=taint_value)) is want


def test_equal_and_exists_never_compare_numerically() -> None:
    """TestCompareNumericValues "Equal/Exists operator (unsupported for numeric comparison)": Equal compares
    the strings, so "100" and "0100" differ."""
    assert not toleration("k", "Equal", "100").tolerates(taint("k", NO_SCHEDULE, "0100"))
    assert toleration("k", "Exists").tolerates(taint("k", NO_SCHEDULE, "0100"))


def test_empty_operator_built_directly_means_equal() -> None:
    """ToleratesTaint's ``case "", TolerationOpEqual``: also for a Toleration not decoded from JSON."""
    tol = Toleration(key="foo", operator="", value="bar")
    assert tol.tolerates(Taint(key="foo", effect=NO_SCHEDULE, value="bar"))
    assert not tol.tolerates(Taint(key="foo", effect=NO_SCHEDULE, value="baz"))


def test_unknown_operator_never_tolerates() -> None:
    assert not Toleration(key="foo", operator="Matches", value="bar").tolerates(
        Taint(key="foo", effect=NO_SCHEDULE, value="bar"))


# --- FindMatchingUntoleratedTaint ---------------------------------------------------------------------------

def everything(_: Taint) -> bool:
    return True


def nothing(_: Taint) -> bool:
    return False


def no_execute(t: Taint) -> bool:
    return t.effect == NO_EXECUTE


FOO_NO_SCHEDULE = toleration("foo", "Exists", effect=NO_SCHEDULE)

# TestFindMatchingUntoleratedTaint (a nil applyFilter is ``everything``); the numeric cases need the gate.
UNTOLERATED_CASES = [
    ("empty tolerations tolerate empty taints", [], [], everything, True),
    ("non-empty tolerations tolerate empty taints", [FOO_NO_SCHEDULE], [], everything, True),
    ("tolerations match all taints, expect tolerated", [FOO_NO_SCHEDULE], [taint("foo", NO_SCHEDULE)], everything,
     True),
    ("tolerations don't match taints, but no taints apply to the filter, expect tolerated", [FOO_NO_SCHEDULE],
     [taint("bar", NO_SCHEDULE)], nothing, True),
    ("no filterFunc indicated, means all taints apply to the filter, tolerations don't match taints, expect "
     "untolerated", [FOO_NO_SCHEDULE], [taint("bar", NO_SCHEDULE)], everything, False),
    ("tolerations match taints, expect tolerated", [toleration("foo", "Exists", effect=NO_EXECUTE)],
     [taint("foo", NO_EXECUTE), taint("bar", NO_SCHEDULE)], no_execute, True),
    ("numeric Gt operator with taint value below threshold, expect not tolerated",
     [toleration(SLA, "Gt", "950", NO_SCHEDULE)], [taint(SLA, NO_SCHEDULE, "800")], everything, False),
    ("numeric Gt operator with taint value above threshold, expect tolerated",
     [toleration(SLA, "Gt", "750", NO_SCHEDULE)], [taint(SLA, NO_SCHEDULE, "950")], everything, True),
    ("numeric Lt operator with taint value above threshold, expect not tolerated",
     [toleration(SLA, "Lt", "800", NO_SCHEDULE)], [taint(SLA, NO_SCHEDULE, "950")], everything, False),
    ("numeric Gt operator with non-numeric taint value, expect not tolerated",
     [toleration(SLA, "Gt", "950", NO_SCHEDULE)], [taint(SLA, NO_SCHEDULE, "high")], everything, False),
    ("numeric Gt parse error is ignored when a later toleration matches the taint",
     [toleration(SLA, "Gt", "950", NO_SCHEDULE), toleration(SLA, "Exists", effect=NO_SCHEDULE)],
     [taint(SLA, NO_SCHEDULE, "high")], everything, True),
]


@pytest.mark.parametrize("description, tols, taints, considered, want", UNTOLERATED_CASES,
                         ids=[c[0] for c in UNTOLERATED_CASES])
def test_find_matching_untolerated_taint(description: str, tols: list, taints: list, considered: Any,
                                         want: bool) -> None:
    found = first_untolerated(taints, tols, considered)
    assert (found is None) is want
    if found is not None:
        assert considered(found) and not tolerated(found, tols)


def test_first_untolerated_returns_the_first_in_node_order() -> None:
    taints = [taint("a", NO_SCHEDULE), taint("b", NO_EXECUTE), taint("c", NO_SCHEDULE)]
    assert first_untolerated(taints, [toleration("a", "Exists")]) == taints[1]
    assert first_untolerated(taints, []) == taints[0]


def test_default_filter_is_the_taint_toleration_filter() -> None:
    """TaintToleration's Filter considers NoSchedule and NoExecute taints; PreferNoSchedule only scores."""
    assert first_untolerated([taint("a", PREFER_NO_SCHEDULE)], []) is None
    assert first_untolerated([taint("a", NO_EXECUTE)], []) == taint("a", NO_EXECUTE)


def test_node_and_pod_carry_taints_and_tolerations() -> None:
    node = Node.from_dict({"metadata": {"name": "n"}, "spec": {"taints": [
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}})
    pod = Pod.from_dict({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}], "tolerations": [
        {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]}})
    assert first_untolerated(node.taints, pod.spec.tolerations) is None
    assert first_untolerated(node.taints, ()) == node.taints[0]


# --- decoding and validation --------------------------------------------------------------------------------

def test_taint_to_string() -> None:
    """Taint.ToString: ``key=value:effect``, or ``key:effect`` without a value."""
    assert str(taint("foo", NO_SCHEDULE, "bar")) == "foo=bar:NoSchedule"
    assert str(taint("foo", NO_EXECUTE)) == "foo:NoExecute"


def test_empty_operator_is_defaulted_to_equal() -> None:
    assert toleration("foo", "", "bar").operator == "Equal"
    assert Toleration.from_dict({"key": "foo"}).operator == "Equal"


@pytest.mark.parametrize("data, path, message", [
    ({"key": "", "operator": "Equal"}, "operator", "operator must be Exists when `key` is empty"),
    ({"operator": ""}, "operator", "operator must be Exists when `key` is empty"),
    ({"key": "foo", "operator": "Exists", "value": "bar"}, "value", "value must be empty when `operator` is 'Exists'"),
    ({"key": "foo", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5}, "effect",
     "effect must be 'NoExecute' when `tolerationSeconds` is set"),
    ({"key": "foo", "operator": "Matches"}, "operator", "unsupported value"),
    ({"key": "foo", "operator": "Exists", "effect": "Sometimes"}, "effect", "unsupported value"),
])
def test_invalid_tolerations_are_rejected(data: dict, path: str, message: str) -> None:
    with pytest.raises(ManifestError) as info:
        Toleration.from_dict(data, "spec.tolerations[0]")
    assert info.value.field == f"spec.tolerations[0].{path}"
    assert message in info.value.message


def test_toleration_seconds_with_no_execute_is_valid() -> None:
    tol = toleration("foo", "Exists", effect=NO_EXECUTE, tolerationSeconds=300)
    assert tol.toleration_seconds == 300


@pytest.mark.parametrize("data, path", [
    ({"effect": "NoSchedule"}, "key"),
    ({"key": "", "effect": "NoSchedule"}, "key"),
    ({"key": "foo"}, "effect"),
    ({"key": "foo", "effect": ""}, "effect"),
])
def test_invalid_taints_are_rejected(data: dict, path: str) -> None:
    with pytest.raises(ManifestError) as info:
        Taint.from_dict(data, "spec.taints[0]")
    assert info.value.field == f"spec.taints[0].{path}"


def test_tolerates_rejects_invalid_dicts() -> None:
    with pytest.raises(ValueError, match="invalid toleration"):
        tolerates({"operator": "Equal"}, {"key": "a", "effect": "NoSchedule"})
    with pytest.raises(ValueError, match="invalid taint"):
        tolerates({"operator": "Exists"}, {"key": "a"})


# --- properties ----------------------------------------------------------------------------------------------

KEYS = ("a", "b")
VALUES = ("", "x", "y")
taints = st.builds(Taint, key=st.sampled_from(KEYS), effect=st.sampled_from(EFFECTS), value=st.sampled_from(VALUES))


@st.composite
def tolerations(draw: st.DrawFn) -> Toleration:
    operator = draw(st.sampled_from(("Equal", "Exists")))
    key = draw(st.sampled_from(KEYS + (("",) if operator == "Exists" else ())))
    value = draw(st.sampled_from(VALUES)) if operator == "Equal" else ""
    return toleration(key, operator, value, draw(st.sampled_from(("", *EFFECTS))))


@settings(max_examples=100)
@given(tolerations(), taints)
def test_tolerates_is_the_conjunction_of_effect_key_and_value(tol: Toleration, t: Taint) -> None:
    effect_ok = tol.effect in ("", t.effect)
    key_ok = tol.key in ("", t.key)
    value_ok = tol.operator == "Exists" or tol.value == t.value
    assert tol.tolerates(t) == (effect_ok and key_ok and value_ok)


@settings(max_examples=60)
@given(taints)
def test_a_taint_is_tolerated_by_its_own_image(t: Taint) -> None:
    assert toleration(t.key, "Equal", t.value, t.effect).tolerates(t)
    assert toleration("", "Exists").tolerates(t)


@settings(max_examples=60)
@given(st.lists(taints, max_size=4), st.lists(tolerations(), max_size=3))
def test_first_untolerated_is_none_exactly_when_all_considered_taints_are_tolerated(taint_list: list,
                                                                                    tol_list: list) -> None:
    found = first_untolerated(taint_list, tol_list)
    considered = [t for t in taint_list if t.effect in (NO_SCHEDULE, NO_EXECUTE)]
    assert (found is None) == all(any(tol.tolerates(t) for tol in tol_list) for t in considered)
