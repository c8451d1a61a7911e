"""Tests for model.labels, porting upstream's tables (kubernetes/kubernetes,
staging/src/k8s.io/apimachinery/):

- pkg/labels/selector_test.go: TestSelectorParse, TestDeterministicParse, TestEverything,
  TestSelectorMatches, TestSetMatches, TestNilMapIsValid, TestSetIsEmpty, TestLexer,
  TestLexerSequence, TestParserLookahead, TestRequirementConstructor, TestToString,
  TestRequirementSelectorMatching, TestSetSelectorParser, TestAdd, TestSafeSort,
  TestRequiresExactMatch;
- pkg/labels/labels_test.go: TestSetString, TestLabelConflict;
- pkg/apis/meta/v1/helpers_test.go: TestLabelSelectorAsSelector;
- pkg/api/validate/content/kube_test.go: TestIsLabelKey, TestIsLabelValue.

Then Hypothesis properties: printing and re-parsing is the identity, whitespace between tokens
does not matter, and matching agrees with a direct reading of the semantics.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.labels import (
    DOES_NOT_EXIST,
    DOUBLE_EQUALS,
    EQUALS,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_EQUALS,
    NOT_IN,
    Requirement,
    Selector,
    SelectorError,
    Token,
    conflicts,
    everything,
    format_labels,
    is_qualified_name,
    is_valid_label_value,
    new_requirement,
    nothing,
    parse_selector,
    selector_from_dict,
    selector_from_set,
    tokenize,
    validate_label_key,
    validate_label_value,
    validate_labels,
)


def sel(*requirements: Requirement) -> Selector:
    return Selector(requirements)


# --- selector_test.go ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x",
                                  "x>1", "x>1,z<5"])
def test_selector_parse_good(text: str) -> None:
    """TestSelectorParse: good strings print back without their spaces."""
    assert str(parse_selector(text)) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["x=a||y=b", "x==a==b", "!x=a", "x<a"])
def test_selector_parse_bad(text: str) -> None:
    """TestSelectorParse: bad strings."""
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_deterministic_parse() -> None:
    """TestDeterministicParse: requirements are sorted by key."""
    assert parse_selector("x=a,a=x") == parse_selector("a=x,x=a")
    assert str(parse_selector("x=a,a=x")) == "a=x,x=a"


def test_everything() -> None:
    """TestEverything, TestNilMapIsValid, TestSetIsEmpty."""
    assert everything().matches({"x": "y"})
    assert everything().empty() and everything().is_empty
    assert selector_from_set(None).empty()
    assert selector_from_set({}).empty()
    assert parse_selector("") == everything()


def test_nothing_is_not_everything() -> None:
    """labels.Nothing(): matches nothing, is not empty, prints "", and Add keeps it Nothing."""
    none = nothing()
    assert not none.matches({}) and not none.matches({"x": "y"})
    assert not none.empty() and not none.is_empty
    assert str(none) == "" and none != everything()
    assert none.add(Requirement("x", EXISTS)) == none
    assert none.requires_exact_match("x") is None
    with pytest.raises(ValueError):
        Selector((Requirement("x", EXISTS),), matches_nothing=True)


SELECTOR_MATCHES = [
    ("", {"x": "y"}, True),
    ("x=y", {"x": "y"}, True),
    ("x=y,z=w", {"x": "y", "z": "w"}, True),
    ("x!=y,z!=w", {"x": "z", "z": "a"}, True),
    ("notin=in", {"notin": "in"}, True),  # in and notin in exactMatch
    ("x", {"x": "z"}, True),
    ("!x", {"y": "z"}, True),
    ("x>1", {"x": "2"}, True),
    ("x<1", {"x": "0"}, True),
    ("x=z", {}, False),
    ("x=y", {"x": "z"}, False),
    ("x=y,z=w", {"x": "w", "z": "w"}, False),
    ("x!=y,z!=w", {"x": "z", "z": "w"}, False),
    ("x", {"y": "z"}, False),
    ("!x", {"x": "z"}, False),
    ("x>1", {"x": "0"}, False),
    ("x<1", {"x": "2"}, False),
    ("foo=bar", {"foo": "bar", "baz": "blah"}, True),
    ("baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=bar,baz=blah", {"foo": "bar", "baz": "blah"}, True),
    ("foo=blah", {"foo": "bar", "baz": "blah"}, False),
    ("baz=bar", {"foo": "bar", "baz": "blah"}, False),
    ("foo=bar,foobar=bar,baz=blah", {"foo": "bar", "baz": "blah"}, False),
]


@pytest.mark.parametrize("text,labels,expected", SELECTOR_MATCHES)
def test_selector_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    """TestSelectorMatches."""
    assert parse_selector(text).matches(labels) is expected


@pytest.mark.parametrize("selector", [{}, {"foo": "bar"}, {"baz": "blah"}, {"foo": "bar", "baz": "blah"}])
def test_set_matches(selector: dict[str, str]) -> None:
    """TestSetMatches: SelectorFromSet."""
    assert selector_from_set(selector).matches({"foo": "bar", "baz": "blah"})


@pytest.mark.parametrize("text,token", [
    ("", Token.END_OF_STRING), (",", Token.COMMA), ("notin", Token.NOT_IN), ("in", Token.IN),
    ("=", Token.EQUALS), ("==", Token.DOUBLE_EQUALS), (">", Token.GREATER_THAN), ("<", Token.LESS_THAN),
    ("!", Token.DOES_NOT_EXIST), ("!=", Token.NOT_EQUALS),  # the longest valid token wins
    ("(", Token.OPEN_PAR), (")", Token.CLOSED_PAR),
    ("~", Token.IDENTIFIER), ("||", Token.IDENTIFIER),  # non-special characters make identifiers
])
def test_lexer(text: str, token: Token) -> None:
    """TestLexer: the first token and its literal."""
    assert tokenize(text)[0] == (token, text)


ID, C, OP, CP = Token.IDENTIFIER, Token.COMMA, Token.OPEN_PAR, Token.CLOSED_PAR


@pytest.mark.parametrize("text,tokens", [
    ("key in ( value )", [ID, Token.IN, OP, ID, CP]),
    ("key notin ( value )", [ID, Token.NOT_IN, OP, ID, CP]),
    ("key in ( value1, value2 )", [ID, Token.IN, OP, ID, C, ID, CP]),
    ("key", [ID]),
    ("!key", [Token.DOES_NOT_EXIST, ID]),
    ("()", [OP, CP]),
    ("", []),
    ("x in (),y", [ID, Token.IN, OP, CP, C, ID]),
    ("== != (), = notin", [Token.DOUBLE_EQUALS, Token.NOT_EQUALS, OP, CP, C, Token.EQUALS, Token.NOT_IN]),
    ("key>2", [ID, Token.GREATER_THAN, ID]),
    ("key<1", [ID, Token.LESS_THAN, ID]),
])
def test_lexer_sequence(text: str, tokens: list[Token]) -> None:
    """TestLexerSequence and TestParserLookahead: the scan always ends with END_OF_STRING."""
    assert [t for t, _ in tokenize(text)] == [*tokens, Token.END_OF_STRING]


def test_lexer_literals_and_nul() -> None:
    """Literals are the source text; Go's read() returns 0 at the end, so a NUL where a token
    starts ends the input, and a NUL right after a token is swallowed with it."""
    assert tokenize("a.b/c!=d") == ((ID, "a.b/c"), (Token.NOT_EQUALS, "!="), (ID, "d"), (Token.END_OF_STRING, ""))
    assert tokenize("x===") == ((ID, "x"), (Token.DOUBLE_EQUALS, "=="), (Token.EQUALS, "="),
                                (Token.END_OF_STRING, ""))
    assert parse_selector("x \0 garbage((") == parse_selector("x")
    assert tokenize("x\0y") == ((ID, "x"), (ID, "y"), (Token.END_OF_STRING, ""))
    with pytest.raises(SelectorError):
        parse_selector("x\0y")


@pytest.mark.parametrize("key,op,values,ok", [
    ("x", IN, [], False),
    ("x", NOT_IN, [], False),
    ("x", IN, ["foo"], True),
    ("x", NOT_IN, ["foo"], True),
    ("x", EXISTS, [], True),
    ("x", DOES_NOT_EXIST, [], True),
    ("1foo", IN, ["bar"], True),
    ("1234", IN, ["bar"], True),
    ("y", GREATER_THAN, ["1"], True),
    ("z", LESS_THAN, ["6"], True),
    ("foo", GREATER_THAN, ["bar"], False),
    ("barz", LESS_THAN, ["blah"], False),
    ("a" * 254, EXISTS, [], False),  # breaks DNS rule that len(key) <= 253
    # Beyond upstream's table: the remaining arity rules and an unknown operator.
    ("x", EQUALS, [], False),
    ("x", NOT_EQUALS, ["a", "b"], False),
    ("x", EXISTS, ["a"], False),
    ("x", GREATER_THAN, ["1", "2"], False),
    ("x", GREATER_THAN, ["9223372036854775808"], False),  # overflows int64
    ("x", "Exists", [], False),
    ("x", IN, ["-bad"], False),
])
def test_requirement_constructor(key: str, op: str, values: list[str], ok: bool) -> None:
    """TestRequirementConstructor: new_requirement is NewRequirement."""
    if ok:
        assert new_requirement(key, op, values) == Requirement(key, op, tuple(values))
    else:
        with pytest.raises(SelectorError):
            new_requirement(key, op, values)


def test_requirement_constructor_messages() -> None:
    """NewRequirement reports every broken rule, aggregated, naming the field."""
    with pytest.raises(SelectorError) as e:
        new_requirement("-k", IN, [])
    message = str(e.value)
    assert message.startswith('[key: Invalid value: "-k": name part must consist of alphanumeric')
    assert "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty]" in message
    with pytest.raises(SelectorError, match=re.escape(
            "matchExpressions[2].values[0][k]: Invalid value: \"a b\": a valid label must be an empty string")):
        new_requirement("k", IN, ["a b"], "matchExpressions[2]")
    with pytest.raises(SelectorError, match=r'operator: Unsupported value: "Exists": supported values: "in", '):
        new_requirement("k", "Exists")


def r(key: str, op: str, *values: str) -> Requirement:
    """upstream's getRequirement: a validated requirement."""
    return new_requirement(key, op, list(values))


@pytest.mark.parametrize("selector,text", [
    (sel(r("x", IN, "abc", "def"), r("y", NOT_IN, "jkl"), r("z", EXISTS)), "x in (abc,def),y notin (jkl),z"),
    (sel(r("x", NOT_IN, "abc", "def"), r("y", NOT_EQUALS, "jkl"), r("z", DOES_NOT_EXIST)),
     "x notin (abc,def),y!=jkl,!z"),
    (sel(r("x", NOT_IN, "abc"), r("y", IN, "jkl", "mno"), r("z", NOT_IN, "")),
     "x notin (abc),y in (jkl,mno),z notin ()"),
    (sel(r("x", EQUALS, "abc"), r("y", DOUBLE_EQUALS, "jkl"), r("z", NOT_EQUALS, "a"), r("z", EXISTS)),
     "x=abc,y==jkl,z!=a,z"),
    (sel(r("x", GREATER_THAN, "2"), r("y", LESS_THAN, "8"), r("z", EXISTS)), "x>2,y<8,z"),
])
def test_to_string(selector: Selector, text: str) -> None:
    """TestToString (valid rows)."""
    assert str(selector) == text


def test_zero_requirement() -> None:
    """TestToString's and TestRequirementSelectorMatching's zero Requirement: prints "" (hence
    upstream's trailing ',') and matches nothing."""
    assert str(Requirement("", "")) == ""
    assert not sel(Requirement("", "")).matches({"x": "foo", "y": "baz"})


@pytest.mark.parametrize("labels,selector,expected", [
    ({"x": "foo", "y": "baz"}, sel(r("x", IN, "foo"), r("y", NOT_IN, "alpha")), True),
    ({"x": "foo", "y": "baz"}, sel(r("x", IN, "foo"), r("y", IN, "alpha")), False),
    ({"y": ""}, sel(r("x", NOT_IN, ""), r("y", EXISTS)), True),
    ({"y": ""}, sel(r("x", DOES_NOT_EXIST), r("y", EXISTS)), True),
    ({"y": ""}, sel(r("x", NOT_IN, ""), r("y", DOES_NOT_EXIST)), False),
    ({"y": "baz"}, sel(r("x", IN, "")), False),
    ({"z": "2"}, sel(r("z", GREATER_THAN, "1")), True),
    ({"z": "v2"}, sel(r("z", GREATER_THAN, "1")), False),
])
def test_requirement_selector_matching(labels: dict[str, str], selector: Selector, expected: bool) -> None:
    """TestRequirementSelectorMatching."""
    assert selector.matches(labels) is expected


@pytest.mark.parametrize("text,expected", [
    ("", sel()),
    ("\rx", sel(r("x", EXISTS))),
    ("this-is-a-dns.domain.com/key-with-dash", sel(r("this-is-a-dns.domain.com/key-with-dash", EXISTS))),
    ("this-is-another-dns.domain.com/key-with-dash in (so,what)",
     sel(r("this-is-another-dns.domain.com/key-with-dash", IN, "so", "what"))),
    ("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
     sel(r("0.1.2.domain/99", NOT_IN, "10.10.100.1", "tick.tack.clock"))),
    ("foo  in\t (abc)", sel(r("foo", IN, "abc"))),
    ("x notin\n (abc)", sel(r("x", NOT_IN, "abc"))),
    ("x  notin\t\t\t(abc,def)", sel(r("x", NOT_IN, "abc", "def"))),
    ("x in (abc,def)", sel(r("x", IN, "abc", "def"))),
    ("x in (abc,)", sel(r("x", IN, "abc", ""))),
    ("x in ()", sel(r("x", IN, ""))),
    ("x notin (abc,,def),bar,z in (),w",
     sel(r("bar", EXISTS), r("w", EXISTS), r("x", NOT_IN, "abc", "", "def"), r("z", IN, ""))),
    ("x,y in (a)", sel(r("x", EXISTS), r("y", IN, "a"))),
    ("x=a", sel(r("x", EQUALS, "a"))),
    ("x>1", sel(r("x", GREATER_THAN, "1"))),
    ("x<7", sel(r("x", LESS_THAN, "7"))),
    ("x=a,y!=b", sel(r("x", EQUALS, "a"), r("y", NOT_EQUALS, "b"))),
    ("x=a,y!=b,z in (h,i,j)", sel(r("x", EQUALS, "a"), r("y", NOT_EQUALS, "b"), r("z", IN, "h", "i", "j"))),
    ("x notin ( )", sel(r("x", NOT_IN, ""))),
    ("x notin (, a)", sel(r("x", NOT_IN, "", "a"))),
    ("a ", sel(r("a", EXISTS))),
    ("a in (x,y,notin, z,in)", sel(r("a", IN, "in", "notin", "x", "y", "z"))),  # 'in' inside the list
    # Beyond upstream's table: duplicates collapse (the parser collects a set), keywords as keys.
    ("x in (b,a,b)", sel(r("x", IN, "a", "b"))),
    ("in in (notin),notin", sel(r("in", IN, "notin"), r("notin", EXISTS))),
])
def test_set_selector_parser_valid(text: str, expected: Selector) -> None:
    """TestSetSelectorParser, valid rows."""
    assert parse_selector(text) == expected


@pytest.mark.parametrize("text,message", [
    ("x=a||y=b", "unable to parse requirement: values[0][x]: Invalid value: \"a||y\""),
    ("x,,y", "found ',', expected: identifier after ','"),
    (",x,y", "found ',', expected: !, identifier, or 'end of string'"),
    ("x nott in (y)", "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"),
    ("a in (xyz),", "found '', expected: identifier after ','"),
    ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'"),
    ("a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"),  # no comma
    ("a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"),  # bad formed
    ("a (", "unable to parse requirement: found '(', expected: in, notin"),  # cpar
    ("(", "found '(', expected: !, identifier, or 'end of string'"),  # opar
    # Beyond upstream's table.
    ("x in a", "unable to parse requirement: found 'a' expected: '('"),
    ("x in (a=)", "unable to parse requirement: found '=', expected: ',' or ')'"),
    ("x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("x in (a,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
    ("x=(", "unable to parse requirement: found '(', expected: identifier"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("!x!", "found '!', expected: ',' or 'end of string'"),
    ("-x", "unable to parse requirement: key: Invalid value: \"-x\": name part must consist of"),
    ("x>a", "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"),
    ("x>-1", "values[0][x]: Invalid value: \"-1\": a valid label must be"),
    ("x=" + "a" * 64, "must be no more than 63 bytes"),
])
def test_set_selector_parser_invalid(text: str, message: str) -> None:
    """TestSetSelectorParser, invalid rows, with upstream's error texts."""
    with pytest.raises(SelectorError) as e:
        parse_selector(text)
    assert message in str(e.value)


def test_add() -> None:
    """TestAdd: Add keeps requirements sorted by key."""
    one = everything().add(r("key", IN, "value"))
    assert one == sel(Requirement("key", IN, ("value",)))
    two = one.add(r("key2", EQUALS, "value2"))
    assert two.requirements == (Requirement("key", IN, ("value",)), Requirement("key2", EQUALS, ("value2",)))
    assert Selector((r("b", EXISTS), r("a", EXISTS))).requirements == (r("a", EXISTS), r("b", EXISTS))


def test_values_sorted_duplicates_kept() -> None:
    """TestSafeSort: values print sorted, duplicates kept; here they are stored sorted."""
    req = Requirement("k", IN, ["foo", "bar", "foo", "bar"])
    assert req.values == ("bar", "bar", "foo", "foo")
    assert str(req) == "k in (bar,bar,foo,foo)"
    assert Requirement("k", IN, ("b", "a")) == Requirement("k", IN, ("a", "b"))
    with pytest.raises(TypeError):
        Requirement("k", EQUALS, "v")  # type: ignore[arg-type]


@pytest.mark.parametrize("selector,label,expected", [
    (sel(Requirement("key", IN, ("value",))), "key", "value"),
    (sel(Requirement("key", IN, ("value", "value2"))), "key", None),
    (sel(Requirement("key", IN, ("value", "value1")), Requirement("key2", IN, ("value2",))), "key2", "value2"),
    (sel(Requirement("key", EQUALS, ("value",))), "key", "value"),
    (sel(Requirement("key", DOUBLE_EQUALS, ("value",))), "key", "value"),
    (sel(Requirement("key", NOT_EQUALS, ("value",))), "key", None),
    (sel(Requirement("key", IN, ("value",)), Requirement("key2", IN, ("value2",))), "key", "value"),
    (sel(Requirement("key", EQUALS, ("",))), "key", ""),
    (sel(Requirement("key", EXISTS), Requirement("key", EQUALS, ("v",))), "key", None),  # first one decides
])
def test_requires_exact_match(selector: Selector, label: str, expected: str | None) -> None:
    """TestRequiresExactMatch (None where upstream returns found=false)."""
    assert selector.requires_exact_match(label) == expected


def test_gt_lt_parse_int64() -> None:
    """Gt/Lt compare as int64 (strconv.ParseInt): leading zeros are fine, out-of-range and
    non-numeric label values never match."""
    gt = parse_selector("x>7")
    assert gt.matches({"x": "08"}) and not gt.matches({"x": "007"})
    assert not gt.matches({"x": "9223372036854775808"})
    assert gt.matches({"x": "9223372036854775807"})
    assert not gt.matches({"x": "1_0"}) and not gt.matches({"x": " 9"}) and not gt.matches({"x": "٩"})
    assert Requirement("x", LESS_THAN, ("0",)).matches({"x": "-5"})
    assert not Requirement("x", LESS_THAN, ("0", "1")).matches({"x": "-5"})
    assert not parse_selector("x<7").matches({})


# --- labels_test.go --------------------------------------------------------------------------

def test_set_string() -> None:
    """TestSetString (Set.String, via FormatLabels, which prints <none> for no labels)."""
    assert format_labels({"x": "y"}) == "x=y"
    assert format_labels({"foo": "bar", "baz": "qup"}) == "baz=qup,foo=bar"
    assert format_labels({}) == "<none>"
    assert str(selector_from_set({"foo": "bar", "baz": "qup"})) == "baz=qup,foo=bar"


@pytest.mark.parametrize("labels1,labels2,expected", [
    ({}, {}, False),
    ({"env": "test"}, {"infra": "true"}, False),
    ({"env": "test"}, {"infra": "true", "env": "test"}, False),
    ({"env": "test"}, {"env": "dev"}, True),
    ({"env": "test", "infra": "false"}, {"infra": "true", "color": "blue"}, True),
])
def test_label_conflict(labels1: dict[str, str], labels2: dict[str, str], expected: bool) -> None:
    """TestLabelConflict."""
    assert conflicts(labels1, labels2) is expected
    assert conflicts(labels2, labels1) is expected


# --- helpers_test.go -------------------------------------------------------------------------

BAZ_IN = [{"key": "baz", "operator": "In", "values": ["qux", "norf"]}]


@pytest.mark.parametrize("label_selector,expected", [
    (None, nothing()),
    ({}, everything()),
    ({"matchLabels": None, "matchExpressions": None}, everything()),
    ({"matchLabels": {"foo": "bar"}}, parse_selector("foo=bar")),
    ({"matchExpressions": BAZ_IN}, parse_selector("baz in (norf,qux)")),
    ({"matchLabels": {"foo": "bar"}, "matchExpressions": BAZ_IN}, parse_selector("baz in (norf,qux),foo=bar")),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["x"]},
                           {"key": "b", "operator": "Exists"},
                           {"key": "c", "operator": "DoesNotExist", "values": []}]},
     parse_selector("a notin (x),b,!c")),
    ({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "a", "operator": "Exists"}]},
     Selector((Requirement("a", EQUALS, ("1",)), Requirement("a", EXISTS)))),
])
def test_label_selector_as_selector(label_selector: dict | None, expected: Selector) -> None:
    """TestLabelSelectorAsSelector: None is Nothing, {} is Everything."""
    got = selector_from_dict(label_selector)
    assert got == expected
    assert str(got) == str(expected)


@pytest.mark.parametrize("label_selector,message", [
    ({"matchExpressions": [{"key": "baz", "operator": "Exists", "values": ["qux", "norf"]}]},
     'matchExpressions[0].values: Invalid value: ["qux","norf"]: values set must be empty for exists'),
    ({"matchExpressions": [{"key": "baz", "operator": "In"}]},
     "matchExpressions[0].values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "baz", "operator": "NotIn", "values": []}]}, "values set can't be empty"),
    ({"matchExpressions": [{"key": "baz", "operator": "Gt", "values": ["1"]}]},
     'matchExpressions[0].operator: "Gt" is not a valid pod selector operator'),
    ({"matchExpressions": [{"key": "baz", "operator": "in", "values": ["1"]}]}, '"in" is not a valid'),
    ({"matchExpressions": [{"key": "baz"}]}, '"" is not a valid pod selector operator'),
    ({"matchExpressions": [{"operator": "Exists"}]}, 'key: Invalid value: "": name part must be non-empty'),
    ({"matchLabels": {"bad key": "v"}}, 'matchLabels: Invalid value: "bad key": name part must consist'),
    ({"matchLabels": {"k": "-v"}}, 'matchLabels[k]: Invalid value: "-v": a valid label must be'),
    ({"matchLabels": {"k": 1}}, "matchLabels: must be a map of strings"),
    ({"matchExpressions": ["k"]}, "matchExpressions[0]: must be an object"),
    ({"matchExpressions": [{"key": "k", "operator": "In", "values": [1]}]}, "must be a list of strings"),
    ("app=web", "a label selector must be an object"),
])
def test_label_selector_as_selector_errors(label_selector: object, message: str) -> None:
    """TestLabelSelectorAsSelector's error row, and the other ways a LabelSelector is invalid."""
    with pytest.raises(SelectorError) as e:
        selector_from_dict(label_selector)  # type: ignore[arg-type]
    assert message in str(e.value)


# --- content/kube_test.go --------------------------------------------------------------------

@pytest.mark.parametrize("key", [
    "simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now-with-dashes/simple",
    "now-with-dashes/now-with-dashes", "now.with.dots/simple", "now-with.dashes-and.dots/simple",
    "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo", "a" * 63, "a" * 253 + "/" + "b" * 63,
])
def test_is_label_key_valid(key: str) -> None:
    """TestIsLabelKey, success cases."""
    assert is_qualified_name(key) == []
    validate_label_key(key)


@pytest.mark.parametrize("key", [
    "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash", "Example.com/abc",
    "example_com/abc", "example.com/", "/simple", "a" * 64, "a" * 254 + "/abc", "", "a" * 254 + "/" + "b" * 64,
])
def test_is_label_key_invalid(key: str) -> None:
    """TestIsLabelKey, error cases (plus the empty key and both parts too long)."""
    assert is_qualified_name(key)
    with pytest.raises(SelectorError):
        validate_label_key(key)


def test_label_key_messages() -> None:
    """content.IsLabelKey's messages: one per broken rule, prefixed by the part at fault."""
    assert is_qualified_name("/x") == ["prefix part must be non-empty"]
    assert is_qualified_name("x/") == [
        "name part must be non-empty",
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]
    assert is_qualified_name("a" * 64) == ["name part must be no more than 63 bytes"]
    long_prefix = is_qualified_name("A" * 254 + "/x")
    assert long_prefix[0] == "prefix part must be no more than 253 bytes"
    assert long_prefix[1].startswith("prefix part a lowercase RFC 1123 subdomain must consist of")
    assert len(long_prefix) == 2


@pytest.mark.parametrize("value", ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234",
                                   "a" * 63, ""])
def test_is_label_value_valid(value: str) -> None:
    """TestIsLabelValue, success cases."""
    assert is_valid_label_value(value) == []
    validate_label_value(value)


@pytest.mark.parametrize("value", ["nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad",
                                   "-starts-with-dash", "ends-with-dash-", ".starts.with.dot", "ends.with.dot.",
                                   "a" * 64])
def test_is_label_value_invalid(value: str) -> None:
    """TestIsLabelValue, error cases."""
    assert is_valid_label_value(value)
    with pytest.raises(SelectorError):
        validate_label_value(value)


def test_label_value_length_is_in_bytes() -> None:
    """Go measures len() in bytes: 32 two-byte characters are too long (and not ASCII)."""
    assert is_valid_label_value("ā" * 32)[0] == "must be no more than 63 bytes"


def test_validate_labels() -> None:
    """ValidateLabels: keys are qualified names, values label values; the first bad one (in key
    order) is reported."""
    validate_labels({"app": "web", "example.com/tier": "", "a": "1"})
    validate_labels({})
    with pytest.raises(SelectorError, match='^Invalid value: "-b": name part must consist'):
        validate_labels({"z": "-bad", "-b": "ok"})
    with pytest.raises(SelectorError, match='^metadata.labels: Invalid value: "-bad": a valid label must'):
        validate_labels({"z": "-bad"}, "metadata.labels")


# --- properties ------------------------------------------------------------------------------

DNS_LABEL = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?", fullmatch=True)
NAME = st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?", fullmatch=True)
KEYS = st.one_of(
    NAME,
    st.sampled_from(["in", "notin"]),
    st.builds(lambda parts, name: ".".join(parts) + "/" + name, st.lists(DNS_LABEL, min_size=1, max_size=3), NAME),
)
VALUES = st.one_of(st.just(""), NAME, st.sampled_from(["in", "notin"]))
INTEGERS = st.one_of(st.integers(0, 10**6).map(str), st.from_regex(r"0[0-9]{1,3}", fullmatch=True))


def requirements(keys: st.SearchStrategy[str], values: st.SearchStrategy[str],
                 integers: st.SearchStrategy[str]) -> st.SearchStrategy[Requirement]:
    """Requirements the parser can produce (set-based values are distinct)."""
    return st.one_of(
        st.builds(Requirement, keys, st.sampled_from([IN, NOT_IN]), st.sets(values, min_size=1, max_size=3)),
        st.builds(lambda k, op, v: Requirement(k, op, (v,)), keys,
                  st.sampled_from([EQUALS, DOUBLE_EQUALS, NOT_EQUALS]), values),
        st.builds(lambda k, op, v: Requirement(k, op, (v,)), keys, st.sampled_from([GREATER_THAN, LESS_THAN]),
                  integers),
        st.builds(Requirement, keys, st.sampled_from([EXISTS, DOES_NOT_EXIST])),
    )


SELECTORS = st.lists(requirements(KEYS, VALUES, INTEGERS), max_size=4).map(Selector)
WHITESPACE = st.text(alphabet=" \t\r\n", max_size=2)
_SYMBOL = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", GREATER_THAN: ">", LESS_THAN: "<"}


def spaced(selector: Selector, draw_ws: Callable[[], str]) -> str:
    """Render ``selector`` with arbitrary whitespace between tokens (at least one space where
    an identifier meets ``in``/``notin``)."""
    def ws(required: bool = False) -> str:
        return (" " if required else "") + draw_ws()

    parts = []
    for req in selector.requirements:
        if req.operator == DOES_NOT_EXIST:
            text = f"{ws()}!{ws()}{req.key}"
        elif req.operator == EXISTS:
            text = f"{ws()}{req.key}"
        elif req.operator in (IN, NOT_IN):
            inner = f"{ws()},{ws()}".join(req.values)
            text = f"{ws()}{req.key}{ws(True)}{req.operator}{ws()}({ws()}{inner}{ws()})"
        else:
            text = f"{ws()}{req.key}{ws()}{_SYMBOL[req.operator]}{ws()}{req.values[0]}"
        parts.append(text + ws())
    return ",".join(parts)


@settings(max_examples=150)
@given(SELECTORS)
def test_print_parse_round_trip(selector: Selector) -> None:
    """parse_selector(str(s)) == s, and printing is stable under re-parsing."""
    text = str(selector)
    parsed = parse_selector(text)
    assert parsed == selector
    assert str(parsed) == text


@given(SELECTORS, st.data())
def test_whitespace_between_tokens_is_ignored(selector: Selector, data: st.DataObject) -> None:
    """Whitespace (space, tab, CR, LF) between tokens never changes the parse."""
    text = spaced(selector, lambda: data.draw(WHITESPACE))
    assert parse_selector(text) == selector


POOL_KEYS = st.sampled_from(["a", "b", "in", "x.io/c"])
POOL_VALUES = st.sampled_from(["", "v", "w", "in", "1", "07", "42"])
POOL_INTEGERS = st.sampled_from(["0", "1", "7", "42"])
LABEL_SETS = st.dictionaries(POOL_KEYS, POOL_VALUES, max_size=4)


def reference(req: Requirement, labels: dict[str, str]) -> bool:
    """The selector semantics read straight from the Kubernetes labels documentation."""
    value = labels.get(req.key)
    if req.operator in (EQUALS, DOUBLE_EQUALS, IN):
        return value is not None and value in req.values
    if req.operator in (NOT_EQUALS, NOT_IN):
        return value is None or value not in req.values
    if req.operator == EXISTS:
        return value is not None
    if req.operator == DOES_NOT_EXIST:
        return value is None
    if value is None or not value.isdigit():
        return False
    bound = int(req.values[0])
    return int(value) > bound if req.operator == GREATER_THAN else int(value) < bound


@settings(max_examples=150)
@given(st.lists(requirements(POOL_KEYS, POOL_VALUES, POOL_INTEGERS), max_size=4).map(Selector), LABEL_SETS)
def test_matches_agrees_with_reference(selector: Selector, labels: dict[str, str]) -> None:
    """Selector.matches is the AND of each requirement's documented meaning, whether built
    directly or parsed from its string."""
    expected = all(reference(req, labels) for req in selector.requirements)
    assert selector.matches(labels) is expected
    assert parse_selector(str(selector)).matches(labels) is expected


@given(LABEL_SETS, LABEL_SETS)
def test_selector_from_set(wanted: dict[str, str], labels: dict[str, str]) -> None:
    """SelectorFromSet matches exactly the label sets that contain every wanted pair, and its
    string is the set's canonical string."""
    selector = selector_from_set(wanted)
    assert selector.matches(labels) is (wanted.items() <= labels.items())
    assert selector.matches(wanted)
    assert str(selector) == (format_labels(wanted) if wanted else "")
    assert parse_selector(str(selector)) == selector


EXPRESSIONS = st.one_of(
    st.builds(lambda k, op, vs: {"key": k, "operator": op, "values": vs}, POOL_KEYS, st.sampled_from(["In", "NotIn"]),
              st.lists(POOL_VALUES, min_size=1, max_size=3)),
    st.builds(lambda k, op: {"key": k, "operator": op}, POOL_KEYS, st.sampled_from(["Exists", "DoesNotExist"])),
)


@given(st.dictionaries(POOL_KEYS, POOL_VALUES, max_size=2), st.lists(EXPRESSIONS, max_size=3), LABEL_SETS)
def test_selector_from_dict_agrees_with_reference(match_labels: dict[str, str], expressions: list[dict],
                                                  labels: dict[str, str]) -> None:
    """LabelSelectorAsSelector: matchLabels AND every matchExpression, and it prints to a string
    that parses back to the same selector."""
    selector = selector_from_dict({"matchLabels": match_labels, "matchExpressions": expressions})

    def holds(e: dict) -> bool:
        value = labels.get(e["key"])
        if e["operator"] == "In":
            return value is not None and value in e["values"]
        if e["operator"] == "NotIn":
            return value is None or value not in e["values"]
        return (value is not None) is (e["operator"] == "Exists")

    expected = all(labels.get(k) == v for k, v in match_labels.items()) and all(map(holds, expressions))
    assert selector.matches(labels) is expected
    assert selector.empty() is (not match_labels and not expressions)
    duplicates = any(len(set(e.get("values", ()))) < len(e.get("values", ())) for e in expressions)
    if not duplicates:  # the parser collects values into a set
        assert parse_selector(str(selector)) == selector


@given(KEYS, VALUES)
def test_generated_keys_and_values_validate(key: str, value: str) -> None:
    """Keys built from the documented grammar are qualified names; values are label values;
    and adding a character outside the alphabet breaks both."""
    validate_labels({key: value})
    assert is_qualified_name(key + "$")
    assert is_valid_label_value(value + "$")
