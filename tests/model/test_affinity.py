"""Tests for model.affinity (nodeSelector, required and preferred node affinity).

Tables are ported from kubernetes/kubernetes:
- staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity_test.go
  (TestNodeSelectorMatch, TestPreferredSchedulingTermsScore, TestNodeSelectorRequirementsAsSelector,
  TestPodMatchesNodeSelectorAndAffinityTerms);
- pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go (TestNodeAffinity's Filter table and
  TestNodeAffinityPriority's raw scores; cases using the plugin's addedAffinity args are not modelled);
- staging/src/k8s.io/component-helpers/scheduling/corev1/helpers_test.go (TestMatchNodeSelectorTerms).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.affinity import (
    NodeAffinityError,
    node_selector_matches,
    pod_matches_node,
    preferred_node_affinity_score,
)
from model.objects import Node, Pod
from model.objects.pod import (
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PreferredSchedulingTerm,
)


def make_node(name: str = "", labels: dict[str, str] | None = None) -> Node:
    """A node; without a name it is created from generateName, so it has no ``metadata.name`` field."""
    meta: dict[str, Any] = {"labels": labels or {}}
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = "node-"
    return Node.from_dict({"metadata": meta})


def make_pod(**spec: Any) -> Pod:
    return Pod.from_dict({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}], **spec}})


def expr(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": operator, "values": list(values)}


def term(expressions: list | None = None, fields: list | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if expressions is not None:
        out["matchExpressions"] = expressions
    if fields is not None:
        out["matchFields"] = fields
    return out


def required(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def selector(*terms: dict[str, Any]) -> NodeSelector:
    return NodeSelector.from_dict({"nodeSelectorTerms": list(terms)})


def name_in(*values: str) -> dict[str, Any]:
    return expr("metadata.name", "In", *values)


def with_preferred(pod: Pod, *preferred: PreferredSchedulingTerm) -> Pod:
    """The pod with these preferred terms, built directly so that invalid terms (weight 0) get through."""
    affinity = Affinity(node_affinity=NodeAffinity(preferred=preferred))
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, affinity=affinity))


def preferred(weight: int, **term_fields: Any) -> PreferredSchedulingTerm:
    return PreferredSchedulingTerm(weight=weight, preference=NodeSelectorTerm.from_dict(term(**term_fields)))


# --- required: nodeSelector AND required node affinity ---------------------------------------------------

FOO_BAR = {"foo": "bar"}

# (name, pod spec, node labels, node name, want). Names are upstream's; the first block is
# TestPodMatchesNodeSelectorAndAffinityTerms (nodeaffinity_test.go), the second TestNodeAffinity's Filter
# cases that the first lacks (node_affinity_test.go).
REQUIRED_CASES = [
    ("no selector", {}, {}, "", True),
    ("missing labels", {"nodeSelector": FOO_BAR}, {}, "", False),
    ("same labels", {"nodeSelector": FOO_BAR}, FOO_BAR, "", True),
    ("node labels are superset", {"nodeSelector": FOO_BAR}, {"foo": "bar", "baz": "blah"}, "", True),
    ("node labels are subset", {"nodeSelector": {"foo": "bar", "baz": "blah"}}, FOO_BAR, "", False),
    ("Pod with matchExpressions using In operator that matches the existing node",
     {"affinity": required(term([expr("foo", "In", "bar", "value2")]))}, FOO_BAR, "", True),
    ("Pod with matchExpressions using Gt operator that matches the existing node",
     {"affinity": required(term([expr("kernel-version", "Gt", "0204")]))}, {"kernel-version": "0206"}, "", True),
    ("Pod with matchExpressions using NotIn operator that matches the existing node",
     {"affinity": required(term([expr("mem-type", "NotIn", "DDR", "DDR2")]))}, {"mem-type": "DDR3"}, "", True),
    ("Pod with matchExpressions using Exists operator that matches the existing node",
     {"affinity": required(term([expr("GPU", "Exists")]))}, {"GPU": "NVIDIA-GRID-K1"}, "", True),
    ("Pod with affinity that don't match node's labels won't schedule onto the node",
     {"affinity": required(term([expr("foo", "In", "value1", "value2")]))}, FOO_BAR, "", False),
    ("Pod with an empty []NodeSelectorTerm in affinity, can't match the node's labels and won't schedule onto "
     "the node", {"affinity": required()}, FOO_BAR, "", False),
    ("Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the "
     "node", {"affinity": required(term([]))}, FOO_BAR, "", False),
    ("Pod with no Affinity will schedule onto a node", {}, FOO_BAR, "", True),
    ("Pod with Affinity but nil NodeSelector will schedule onto a node", {"affinity": {"nodeAffinity": {}}},
     FOO_BAR, "", True),
    ("Pod with multiple matchExpressions ANDed that matches the existing node",
     {"affinity": required(term([expr("GPU", "Exists"), expr("GPU", "NotIn", "AMD", "INTER")]))},
     {"GPU": "NVIDIA-GRID-K1"}, "", True),
    ("Pod with multiple matchExpressions ANDed that doesn't match the existing node",
     {"affinity": required(term([expr("GPU", "Exists"), expr("GPU", "In", "AMD", "INTER")]))},
     {"GPU": "NVIDIA-GRID-K1"}, "", False),
    ("Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto "
     "the node", {"affinity": required(term([expr("foo", "In", "bar", "value2")]),
                                       term([expr("diffkey", "In", "wrong", "value2")]))}, FOO_BAR, "", True),
    ("Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are "
     "satisfied, will schedule onto the node",
     {"nodeSelector": FOO_BAR, "affinity": required(term([expr("foo", "Exists")]))}, FOO_BAR, "", True),
    ("Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are "
     "deprecating) is not satisfied, won't schedule onto the node",
     {"nodeSelector": FOO_BAR, "affinity": required(term([expr("foo", "Exists")]))}, {"foo": "barrrrrr"}, "",
     False),
    ("Pod with an invalid value in Affinity term won't be scheduled onto the node",
     {"affinity": required(term([expr("foo", "NotIn", "invalid value: ___@#$%^")]))}, FOO_BAR, "", False),
    ("Pod with matchFields using In operator that matches the existing node",
     {"affinity": required(term(fields=[name_in("node_1")]))}, {}, "node_1", True),
    ("Pod with matchFields using In operator that does not match the existing node",
     {"affinity": required(term(fields=[name_in("node_1")]))}, {}, "node_2", False),
    ("Pod with two terms: matchFields does not match, but matchExpressions matches",
     {"affinity": required(term(fields=[name_in("node_1")]), term([expr("foo", "In", "bar")]))}, FOO_BAR,
     "node_2", True),
    ("Pod with one term: matchFields does not match, but matchExpressions matches",
     {"affinity": required(term([expr("foo", "In", "bar")], [name_in("node_1")]))}, FOO_BAR, "node_2", False),
    ("Pod with one term: both matchFields and matchExpressions match",
     {"affinity": required(term([expr("foo", "In", "bar")], [name_in("node_1")]))}, FOO_BAR, "node_1", True),
    ("Pod with two terms: both matchFields and matchExpressions do not match",
     {"affinity": required(term(fields=[name_in("node_1")]), term([expr("foo", "In", "not-match-to-bar")]))},
     FOO_BAR, "node_2", False),
    # node_affinity_test.go TestNodeAffinity
    ("[plugin] Pod with two terms: matchFields does not match, but matchExpressions matches",
     {"affinity": required(term(fields=[name_in("node1"), name_in("node2")]), term([expr("foo", "In", "bar")]))},
     FOO_BAR, "node2", True),
    ("Pod with two terms of node.Name affinity",
     {"affinity": required(term(fields=[name_in("node1")]), term(fields=[name_in("node2")]))}, {}, "node2", True),
    ("Pod with two conflicting mach field requirements",
     {"affinity": required(term(fields=[name_in("node1"), name_in("node2")]))}, FOO_BAR, "node2", False),
    ("Matches node selector correctly even if PreFilter is not called",
     {"nodeSelector": FOO_BAR}, {"foo": "bar", "baz": "blah"}, "", True),
]


@pytest.mark.parametrize("name, spec, labels, node_name, want", REQUIRED_CASES, ids=[c[0] for c in REQUIRED_CASES])
def test_pod_matches_node_upstream_tables(name: str, spec: dict, labels: dict, node_name: str, want: bool) -> None:
    assert pod_matches_node(make_pod(**spec), make_node(node_name, labels)) is want


# --- node selectors (TestNodeSelectorMatch, TestMatchNodeSelectorTerms) ---------------------------------

def test_lazy_node_selector_ignores_terms_that_do_not_parse() -> None:
    """TestNodeSelectorMatch "invalid field selector and label selector": terms 0 (matchFields In with two
    values) and 2 (an invalid key) do not parse; NewNodeSelector reports both, the lazy selector that the
    scheduler and volume binding use lets term 1 decide."""
    ns = selector(
        term(fields=[name_in("host_1", "host_2")]),
        term([expr("label_1", "In", "label_1_val")], [name_in("host_1")]),
        term([expr("invalid key", "In", "label_value")]),
    )
    assert node_selector_matches(ns, make_node("host_1", {"label_1": "label_1_val"}))
    assert not node_selector_matches(ns, make_node("host_1", {}))
    assert not node_selector_matches(ns, make_node("host_2", {"label_1": "label_1_val"}))


NODE_SELECTOR_CASES = [
    # TestNodeSelectorMatch
    ("node matches field selector, but not labels",
     selector(term([expr("label_1", "In", "label_1_val")], [name_in("host_1")])), "host_1", {}, False),
    ("node matches field selector and label selector",
     selector(term([expr("label_1", "In", "label_1_val")], [name_in("host_1")])), "host_1",
     {"label_1": "label_1_val"}, True),
    ("second term matches",
     selector(term([expr("label_1", "In", "label_1_val")]), term(fields=[name_in("host_1")])), "host_1", {}, True),
    # TestMatchNodeSelectorTerms (helpers_test.go)
    ("node label matches matchExpressions terms", selector(term([expr("label_1", "In", "label_1_val")])), "",
     {"label_1": "label_1_val"}, True),
    ("node field matches matchFields terms", selector(term(fields=[name_in("host_1")])), "host_1", {}, True),
    ("invalid node field requirement", selector(term(fields=[name_in("host_1", "host_2")])), "host_1", {}, False),
    ("fieldSelectorTerm with node labels", selector(term(fields=[name_in("host_1")])), "not_host_1",
     {"metadata.name": "host_1"}, False),
    ("labelSelectorTerm with node fields", selector(term([expr("metadata.name", "In", "host_1")])), "host_1", {},
     False),
    ("labelSelectorTerm and fieldSelectorTerm was set, but only node fields",
     selector(term([expr("label_1", "In", "label_1_val")], [name_in("host_1")])), "host_1", {}, False),
    ("labelSelectorTerm and fieldSelectorTerm was set, both node fields and labels (both matched)",
     selector(term([expr("label_1", "In", "label_1_val")], [name_in("host_1")])), "host_1",
     {"label_1": "label_1_val"}, True),
    ("labelSelectorTerm and fieldSelectorTerm was set, both node fields and labels (one mismatched)",
     selector(term([expr("label_1", "In", "label_1_val")], [name_in("host_1")])), "host_1",
     {"label_1": "label_1_val-failed"}, False),
    ("multi-selector was set, both node fields and labels (one mismatched)",
     selector(term([expr("label_1", "In", "label_1_val")]), term(fields=[name_in("host_1")])), "host_1",
     {"label_1": "label_1_val-failed"}, True),
    # TestNodeSelectorRequirementsAsSelector: foo>1, bar<7
    ("Gt 1 matches 2", selector(term([expr("foo", "Gt", "1")])), "", {"foo": "2"}, True),
    ("Gt 1 does not match 1", selector(term([expr("foo", "Gt", "1")])), "", {"foo": "1"}, False),
    ("Lt 7 matches 6", selector(term([expr("bar", "Lt", "7")])), "", {"bar": "6"}, True),
    ("Lt 7 does not match 7", selector(term([expr("bar", "Lt", "7")])), "", {"bar": "7"}, False),
    # further cases from labels.Requirement.Matches and nodeSelectorTerm.match
    ("In does not match an absent key", selector(term([expr("foo", "In", "")])), "n", {}, False),
    ("NotIn matches an absent key", selector(term([expr("foo", "NotIn", "bar")])), "n", {}, True),
    ("DoesNotExist matches an absent key", selector(term([expr("foo", "DoesNotExist")])), "n", {}, True),
    ("DoesNotExist does not match a present key", selector(term([expr("foo", "DoesNotExist")])), "n",
     {"foo": ""}, False),
    ("Gt does not match a label that is not an integer", selector(term([expr("v", "Gt", "1")])), "n",
     {"v": "2.5"}, False),
    ("Gt does not match an absent key", selector(term([expr("v", "Gt", "-1")])), "n", {}, False),
    ("Gt accepts leading zeros", selector(term([expr("v", "Gt", "007")])), "n", {"v": "0010"}, True),
    ("a negative Gt value is not a label value, so the term does not parse",
     selector(term([expr("v", "Gt", "-5")])), "n", {"v": "3"}, False),
    ("Lt with a value beyond int64 does not parse", selector(term([expr("v", "Lt", "9223372036854775808")])), "n",
     {"v": "1"}, False),
    ("Gt with a value that is not an integer does not parse", selector(term([expr("v", "Gt", "one")])), "n",
     {"v": "2"}, False),
    ("Gt with an unparseable value leaves other terms to match",
     selector(term([expr("v", "Gt", "one")]), term([expr("v", "Exists")])), "n", {"v": "2"}, True),
    ("a node label beyond int64 never satisfies Gt", selector(term([expr("v", "Gt", "1")])), "n",
     {"v": "99999999999999999999"}, False),
    ("In with an invalid label value does not parse", selector(term([expr("foo", "In", "bar", "not valid")])), "n",
     FOO_BAR, False),
    ("NotIn on another field compares with the empty string", selector(term(fields=[expr("spec.x", "NotIn", "a")])),
     "n", {}, True),
    ("In on another field matches only the empty string", selector(term(fields=[expr("spec.x", "In", "a")])),
     "n", {}, False),
    ("In on another field with the empty string matches", selector(term(fields=[expr("spec.x", "In", "")])),
     "n", {}, True),
    ("NotIn on the name", selector(term(fields=[expr("metadata.name", "NotIn", "n")])), "n", {}, False),
    ("matchFields do not constrain a node without a name", selector(term(fields=[name_in("node1")])), "", {}, True),
    ("Exists on matchFields does not parse", selector(term(fields=[expr("metadata.name", "Exists")])), "n", {},
     False),
]


@pytest.mark.parametrize("name, ns, node_name, labels, want", NODE_SELECTOR_CASES,
                         ids=[c[0] for c in NODE_SELECTOR_CASES])
def test_node_selector_matches(name: str, ns: NodeSelector, node_name: str, labels: dict, want: bool) -> None:
    assert node_selector_matches(ns, make_node(node_name, labels)) is want


def test_requirements_that_model_validation_rejects_still_do_not_parse() -> None:
    """TestNodeSelectorRequirementsAsSelector: Exists with values is a parse error (so the term matches
    nothing). The API rejects it; built directly, it must still not match. Likewise an unknown operator."""
    bad_exists = NodeSelectorRequirement(key="foo", operator="Exists", values=("bar", "baz"))
    bad_operator = NodeSelectorRequirement(key="foo", operator="Has")
    node = make_node("n", FOO_BAR)
    for requirement in (bad_exists, bad_operator):
        ns = NodeSelector(node_selector_terms=(NodeSelectorTerm(match_expressions=(requirement,)),))
        assert not node_selector_matches(ns, node)
    good = NodeSelectorRequirement(key="foo", operator="Exists")
    assert node_selector_matches(NodeSelector(node_selector_terms=(NodeSelectorTerm(match_expressions=(good,)),)),
                                 node)


def test_volume_node_affinity_ignores_match_fields() -> None:
    """storage CheckNodeAffinity matches a PV's nodeAffinity against a Node carrying only the labels."""
    ns = selector(term([expr("zone", "In", "a")], [name_in("other")]))
    node = make_node("n", {"zone": "a"})
    assert not node_selector_matches(ns, node)
    assert node_selector_matches(ns, node, match_fields=False)
    assert not node_selector_matches(ns, make_node("n", {"zone": "b"}), match_fields=False)


def test_node_selector_requires_the_exact_value_even_when_empty() -> None:
    pod = make_pod(nodeSelector={"gpu": ""})
    assert pod_matches_node(pod, make_node("n", {"gpu": ""}))
    assert not pod_matches_node(pod, make_node("n", {}))
    assert not pod_matches_node(pod, make_node("n", {"gpu": "yes"}))


# --- preferred (TestPreferredSchedulingTermsScore, TestNodeAffinityPriority) -----------------------------

def test_preferred_score_sums_matching_weights() -> None:
    """TestPreferredSchedulingTermsScore "first and third term match": 5 + 11."""
    pod = with_preferred(make_pod(),
                         preferred(5, fields=[name_in("host_1")]),
                         preferred(7, expressions=[expr("unknown_label", "In", "unknown_label_val")]),
                         preferred(11, expressions=[expr("label_1", "In", "label_1_val")]))
    assert preferred_node_affinity_score(pod, make_node("host_1", {"label_1": "label_1_val"})) == 16


def test_preferred_terms_that_do_not_parse_fail_scoring() -> None:
    """TestPreferredSchedulingTermsScore "invalid field selector and label selector"."""
    pod = with_preferred(make_pod(),
                         preferred(1, fields=[name_in("host_1", "host_2")]),
                         preferred(1, expressions=[expr("label_1", "In", "label_1_val")], fields=[name_in("host_1")]),
                         preferred(1, expressions=[expr("invalid key", "In", "label_value")]))
    with pytest.raises(NodeAffinityError) as info:
        preferred_node_affinity_score(pod, make_node("host_1"))
    message = str(info.value)
    assert "[0].matchFields[0].values" in message and "must have one element" in message
    assert "[2].matchExpressions[0].key" in message and "name part must consist of" in message


def test_preferred_term_with_zero_weight_is_not_parsed() -> None:
    """TestPreferredSchedulingTermsScore "invalid field selector but no weight, error not reported"."""
    pod = with_preferred(make_pod(), preferred(0, fields=[name_in("host_1", "host_2")]))
    assert preferred_node_affinity_score(pod, make_node("host_1")) == 0


def test_preferred_term_with_empty_preference_scores_nothing() -> None:
    pod = with_preferred(make_pod(), preferred(9), preferred(3, expressions=[expr("a", "Exists")]))
    assert preferred_node_affinity_score(pod, make_node("n", {"a": "1"})) == 3


LABEL1 = {"foo": "bar"}
LABEL2 = {"key": "value"}
LABEL3 = {"az": "az1"}
LABEL4 = {"abc": "az11", "def": "az22"}
LABEL5 = {"foo": "bar", "key": "value", "az": "az1"}
AFFINITY1 = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    {"weight": 2, "preference": term([expr("foo", "In", "bar")])}]}}
AFFINITY2 = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
    {"weight": 2, "preference": term([expr("foo", "In", "bar")])},
    {"weight": 4, "preference": term([expr("key", "In", "value")])},
    {"weight": 5, "preference": term([expr("foo", "In", "bar"), expr("key", "In", "value"),
                                      expr("az", "In", "az1")])}]}}

# TestNodeAffinityPriority, raw scores (upstream normalises 2,11,4 to 18,100,36).
PRIORITY_CASES = [
    ("all nodes are same priority as NodeAffinity is nil", {}, [LABEL1, LABEL2, LABEL3], [0, 0, 0]),
    ("no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' priority is zero",
     {"affinity": AFFINITY1}, [LABEL4, LABEL2, LABEL3], [0, 0, 0]),
    ("only node1 matches the preferred scheduling requirements of pod", {"affinity": AFFINITY1},
     [LABEL1, LABEL2, LABEL3], [2, 0, 0]),
    ("all nodes matches the preferred scheduling requirements of pod but with different priorities",
     {"affinity": AFFINITY2}, [LABEL1, LABEL5, LABEL2], [2, 11, 4]),
]


@pytest.mark.parametrize("name, spec, node_labels, want", PRIORITY_CASES, ids=[c[0] for c in PRIORITY_CASES])
def test_node_affinity_priority_raw_scores(name: str, spec: dict, node_labels: list, want: list) -> None:
    pod = make_pod(**spec)
    assert [preferred_node_affinity_score(pod, make_node(f"node{i}", labels))
            for i, labels in enumerate(node_labels)] == want


def test_required_affinity_does_not_affect_score() -> None:
    pod = make_pod(affinity=required(term([expr("foo", "Exists")])))
    assert preferred_node_affinity_score(pod, make_node("n", FOO_BAR)) == 0


# --- properties ------------------------------------------------------------------------------------------

KEYS = ("a", "b", "c")
VALUES = ("x", "y", "1", "2", "07")
INTS = ("0", "1", "2", "07", "10")

node_labels = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)


@st.composite
def expressions(draw: st.DrawFn) -> dict[str, Any]:
    key = draw(st.sampled_from(KEYS))
    operator = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")))
    if operator in ("In", "NotIn"):
        return expr(key, operator, *draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3)))
    if operator in ("Gt", "Lt"):
        return expr(key, operator, draw(st.sampled_from(INTS)))
    return expr(key, operator)


terms = st.builds(lambda e, f: term(e or None, f or None),
                  st.lists(expressions(), max_size=3),
                  st.lists(st.builds(lambda op, v: expr("metadata.name", op, v), st.sampled_from(("In", "NotIn")),
                                     st.sampled_from(("n1", "n2"))), max_size=2))
node_names = st.sampled_from(("n1", "n2"))


@settings(max_examples=60)
@given(st.lists(terms, max_size=4), node_names, node_labels)
def test_terms_are_ored(term_list: list, name: str, labels: dict) -> None:
    node = make_node(name, labels)
    assert node_selector_matches(selector(*term_list), node) == any(
        node_selector_matches(selector(t), node) for t in term_list)


@settings(max_examples=60)
@given(st.lists(expressions(), min_size=1, max_size=4), node_labels)
def test_expressions_are_anded(exprs: list, labels: dict) -> None:
    node = make_node("n1", labels)
    assert node_selector_matches(selector(term(exprs)), node) == all(
        node_selector_matches(selector(term([e])), node) for e in exprs)


@settings(max_examples=60)
@given(st.sampled_from(KEYS), st.lists(st.sampled_from(VALUES), min_size=1, max_size=3), node_labels)
def test_in_and_notin_are_complements(key: str, values: list, labels: dict) -> None:
    node = make_node("n1", labels)
    is_in = node_selector_matches(selector(term([expr(key, "In", *values)])), node)
    assert is_in == (key in labels and labels[key] in values)
    assert node_selector_matches(selector(term([expr(key, "NotIn", *values)])), node) == (not is_in)
    exists = node_selector_matches(selector(term([expr(key, "Exists")])), node)
    assert exists == (key in labels)
    assert node_selector_matches(selector(term([expr(key, "DoesNotExist")])), node) == (not exists)


@settings(max_examples=60)
@given(st.integers(0, 2**64), st.integers(0, 2**64), st.integers(0, 3), st.integers(0, 3))
def test_gt_and_lt_compare_as_int64(label: int, bound: int, label_zeros: int, bound_zeros: int) -> None:
    """Label and bound are decimal int64s (leading zeros allowed); anything beyond int64 never matches.
    Negative numbers cannot occur: "-1" is not a valid label value, on the node or in the requirement."""
    node = make_node("n1", {"v": "0" * label_zeros + str(label)})
    bound_text = "0" * bound_zeros + str(bound)
    in_range = label < 2**63 and bound < 2**63
    assert node_selector_matches(selector(term([expr("v", "Gt", bound_text)])), node) == (in_range and label > bound)
    assert node_selector_matches(selector(term([expr("v", "Lt", bound_text)])), node) == (in_range and label < bound)


@settings(max_examples=60)
@given(node_labels, node_labels)
def test_node_selector_is_a_subset_test(wanted: dict, labels: dict) -> None:
    pod = make_pod(nodeSelector=wanted)
    assert pod_matches_node(pod, make_node("n1", labels)) == (wanted.items() <= labels.items())


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(1, 100), st.lists(expressions(), min_size=1, max_size=2)), max_size=4),
       node_labels)
def test_score_is_the_sum_of_matching_single_term_weights(weighted: list, labels: dict) -> None:
    pod = make_pod(affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": w, "preference": term(e)} for w, e in weighted]}})
    node = make_node("n1", labels)
    assert preferred_node_affinity_score(pod, node) == sum(
        w for w, e in weighted if node_selector_matches(selector(term(e)), node))
