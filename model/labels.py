"""Labels and label selectors: parsing, matching, canonical printing and validation.

Sources (kubernetes/kubernetes, staging/src/k8s.io/apimachinery/):
- ``pkg/labels/selector.go``: Requirement, NewRequirement, the selector lexer and parser (Parse),
  Matches, String, Everything/Nothing, SelectorFromSet, RequiresExactMatch;
- ``pkg/labels/labels.go``: Set.String, FormatLabels, Conflicts;
- ``pkg/apis/meta/v1/helpers.go``: LabelSelectorAsSelector;
- ``pkg/api/validate/content/kube.go`` and ``dns.go`` (re-exported by ``pkg/util/validation`` as
  IsQualifiedName and IsValidLabelValue): label key and value syntax;
- ``pkg/apis/meta/v1/validation/validation.go``: ValidateLabels.
Doc: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/

Deliberate differences, none of which changes what a selector accepts or matches:
- ``Requirement.values`` is kept sorted (as older NewRequirement did; today's String() sorts when
  printing), so equal requirements compare and hash equal. Duplicates are kept, as upstream.
- Error messages follow upstream's wording, but name the field (``key``, ``values[0][app]``,
  ``matchExpressions[1].operator``) where upstream, called without a path, prints ``<nil>``, and
  render non-string bad values as JSON.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs


class SelectorError(ValueError):
    """An invalid label key, label value, selector string or LabelSelector."""


# --- validation (content/kube.go, content/dns.go, content/errors.go) --------------------------

_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', "
                  "and must start and end with an alphanumeric character")
_LABEL_VALUE_FMT = f"({_LABEL_KEY_FMT})?"
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
                    "'-', '_' or '.', and must start and end with an alphanumeric character")
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = rf"{_DNS1123_LABEL_FMT}(\.{_DNS1123_LABEL_FMT})*"
_DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                          "characters, '-' or '.', and must start and end with an alphanumeric character")
_LABEL_KEY_RE = re.compile(_LABEL_KEY_FMT)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT)
_INT64_RE = re.compile("[+-]?[0-9]+")

LABEL_KEY_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} bytes"


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    """content.RegexError, including its ``'a',  or 'b', `` example punctuation."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    listed = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {listed}regex used for validation is '{fmt}')"


def _byte_len(text: str) -> int:
    """Go's ``len(string)``: the UTF-8 length in bytes."""
    return len(text.encode("utf-8"))


def is_dns1123_subdomain(value: str) -> list[str]:
    """content.IsDNS1123Subdomain: the reasons ``value`` is not a lowercase RFC 1123 subdomain."""
    errs = []
    if _byte_len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(_max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_qualified_name(key: str) -> list[str]:
    """validation.IsQualifiedName (content.IsLabelKey): ``[prefix/]name``; empty when valid.

    The optional prefix is a DNS subdomain (at most 253 bytes); the name is at most 63 bytes of
    ``[-A-Za-z0-9_.]`` starting and ending with an alphanumeric character.
    """
    examples = ("MyName", "my.name", "123-abc")
    parts = key.split("/")
    if len(parts) > 2:
        return ["a valid label key " + _regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, *examples)
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    errs = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + msg for msg in is_dns1123_subdomain(prefix))
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > LABEL_KEY_NAME_MAX_LENGTH:
        errs.append("name part " + _max_len_error(LABEL_KEY_NAME_MAX_LENGTH))
    if not _LABEL_KEY_RE.fullmatch(name):
        errs.append("name part " + _regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, *examples))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """validation.IsValidLabelValue (content.IsLabelValue): empty, or at most 63 bytes of
    ``[-A-Za-z0-9_.]`` starting and ending with an alphanumeric character. Empty when valid."""
    errs = []
    if _byte_len(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(_max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errs.append(_regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def _render(value: str | list[str]) -> str:
    """A bad value as field.Invalid prints it: strings quoted, lists as JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _invalid(path: str, value: str | list[str], detail: str) -> str:
    """field.Invalid(path, value, detail).Error()."""
    body = f"Invalid value: {_render(value)}: {detail}"
    return f"{path}: {body}" if path else body


def _aggregate(errors: Sequence[str]) -> str:
    """utilerrors.Aggregate.Error(): one message alone, several in brackets."""
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


def validate_label_key(key: str, path: str = "") -> None:
    """Raise SelectorError unless ``key`` is a qualified name (selector.go validateLabelKey)."""
    errs = is_qualified_name(key)
    if errs:
        raise SelectorError(_invalid(path, key, "; ".join(errs)))


def validate_label_value(value: str, path: str = "") -> None:
    """Raise SelectorError unless ``value`` is a valid label value (selector.go validateLabelValue)."""
    errs = is_valid_label_value(value)
    if errs:
        raise SelectorError(_invalid(path, value, "; ".join(errs)))


def validate_labels(labels: Mapping[str, str], path: str = "") -> None:
    """metav1 validation.ValidateLabels: every key a qualified name, every value a label value.

    Raises SelectorError for the first offending label in key order (upstream lists them all).
    """
    for key in sorted(labels):
        validate_label_key(key, path)
        validate_label_value(labels[key], path)


# --- labels.go -------------------------------------------------------------------------------


def format_labels(labels: Mapping[str, str]) -> str:
    """labels.FormatLabels: ``k=v`` pairs sorted and comma-joined (Set.String), or ``<none>``."""
    return ",".join(sorted(f"{k}={v}" for k, v in labels.items())) or "<none>"


def conflicts(labels1: Mapping[str, str], labels2: Mapping[str, str]) -> bool:
    """labels.Conflicts: some key is in both maps with different values."""
    return any(k in labels2 and labels2[k] != v for k, v in labels1.items())


# --- requirements ----------------------------------------------------------------------------

# selection.Operator values (staging/src/k8s.io/apimachinery/pkg/selection/operator.go).
DOES_NOT_EXIST = "!"
EQUALS = "="
DOUBLE_EQUALS = "=="
IN = "in"
NOT_EQUALS = "!="
NOT_IN = "notin"
EXISTS = "exists"
GREATER_THAN = "gt"
LESS_THAN = "lt"
BINARY_OPERATORS = (IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN)
UNARY_OPERATORS = (EXISTS, DOES_NOT_EXIST)
OPERATORS = BINARY_OPERATORS + UNARY_OPERATORS

_OPERATOR_TEXT = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", IN: " in ", NOT_IN: " notin ",
                  GREATER_THAN: ">", LESS_THAN: "<"}


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where Go returns an error."""
    if not _INT64_RE.fullmatch(text):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


def _sorted_values(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError("Requirement values must be a sequence of strings, not a string")
    return tuple(sorted(values))


@attrs.frozen
class Requirement:
    """labels.Requirement: ``key`` related to ``values`` by ``operator`` (a selection.Operator).

    Built unchecked, like upstream's struct literal; :func:`new_requirement` is NewRequirement,
    which validates. An unknown operator matches nothing, as upstream's ``default`` case.
    """

    key: str
    operator: str
    values: tuple[str, ...] = attrs.field(default=(), converter=_sorted_values)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Requirement.Matches. NotIn and ``!=`` match an absent key; Gt/Lt compare int64s and
        never match a value that is not one."""
        op = self.operator
        present = self.key in labels
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return present and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return not present or labels[self.key] not in self.values
        if op == EXISTS:
            return present
        if op == DOES_NOT_EXIST:
            return not present
        if op in (GREATER_THAN, LESS_THAN):
            if not present or len(self.values) != 1:
                return False
            have, bound = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is None or bound is None:
                return False
            return have > bound if op == GREATER_THAN else have < bound
        return False

    def __str__(self) -> str:
        """Requirement.String: ``!key``, ``key``, ``key=v``, ``key>1``, ``key in (a,b)``."""
        if self.operator == DOES_NOT_EXIST:
            return "!" + self.key
        if self.operator == EXISTS:
            return self.key
        values = ",".join(self.values)
        if self.operator in (IN, NOT_IN):
            values = f"({values})"
        return self.key + _OPERATOR_TEXT.get(self.operator, "") + values


def new_requirement(key: str, operator: str, values: Sequence[str] = (), path: str = "") -> Requirement:
    """labels.NewRequirement: a Requirement, or SelectorError listing every rule it breaks.

    In/NotIn need at least one value; ``=``, ``==``, ``!=`` exactly one; Exists and ``!`` none;
    Gt/Lt exactly one, an integer. The key must be a qualified name, each value a label value.
    ``path`` prefixes the field names in messages (upstream's field.WithPath).
    """
    values = list(values)
    errs = []
    key_errs = is_qualified_name(key)
    if key_errs:
        errs.append(_invalid(_child(path, "key"), key, "; ".join(key_errs)))
    values_path = _child(path, "values")
    if operator in (IN, NOT_IN):
        if not values:
            errs.append(_invalid(values_path, values, "for 'in', 'notin' operators, values set can't be empty"))
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            errs.append(_invalid(values_path, values, "exact-match compatibility requires one single value"))
    elif operator in UNARY_OPERATORS:
        if values:
            errs.append(_invalid(values_path, values, "values set must be empty for exists and does not exist"))
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(_invalid(values_path, values, "for 'Gt', 'Lt' operators, exactly one value is required"))
        errs.extend(_invalid(f"{values_path}[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer")
                    for i, v in enumerate(values) if _parse_int64(v) is None)
    else:
        supported = ", ".join(json.dumps(op) for op in OPERATORS)
        errs.append(f"{_child(path, 'operator')}: Unsupported value: {json.dumps(operator)}: "
                    f"supported values: {supported}")
    for i, value in enumerate(values):
        value_errs = is_valid_label_value(value)
        if value_errs:
            errs.append(_invalid(f"{values_path}[{i}][{key}]", value, "; ".join(value_errs)))
    if errs:
        raise SelectorError(_aggregate(errs))
    return Requirement(key, operator, values)


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# --- selectors -------------------------------------------------------------------------------


def _by_key(requirements: Iterable[Requirement]) -> tuple[Requirement, ...]:
    """sort.Sort(ByKey(...)); Python's sort is stable, so same-key requirements keep their order."""
    return tuple(sorted(requirements, key=lambda r: r.key))


@attrs.frozen
class Selector:
    """labels.Selector: the AND of ``requirements`` (kept sorted by key, like upstream).

    ``Selector()`` is labels.Everything() (matches all label sets); ``nothing()`` is
    labels.Nothing(), the selector of an absent (null) LabelSelector, which matches none.
    """

    requirements: tuple[Requirement, ...] = attrs.field(default=(), converter=_by_key)
    matches_nothing: bool = attrs.field(default=False, kw_only=True)

    @matches_nothing.validator
    def _check(self, _attribute: Any, value: bool) -> None:
        if value and self.requirements:
            raise ValueError("labels.Nothing() has no requirements")

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Selector.Matches: every requirement matches (never, for Nothing)."""
        return not self.matches_nothing and all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        """Selector.Empty: this selector does not restrict the selection (Nothing is not empty)."""
        return not self.matches_nothing and not self.requirements

    @property
    def is_empty(self) -> bool:
        """Same as :meth:`empty`."""
        return self.empty()

    def add(self, *requirements: Requirement) -> Selector:
        """Selector.Add: a copy with more requirements, re-sorted by key (Nothing stays Nothing)."""
        if self.matches_nothing:
            return self
        return Selector(self.requirements + requirements)

    def requires_exact_match(self, label: str) -> str | None:
        """Selector.RequiresExactMatch: the one value the first requirement on ``label`` demands
        (``=``, ``==`` or a single-valued ``in``), else None."""
        for r in self.requirements:
            if r.key == label:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        """Selector.String: the requirements joined by ``,`` ("" for Everything and Nothing)."""
        return ",".join(str(r) for r in self.requirements)


def everything() -> Selector:
    """labels.Everything(): the empty selector, which matches every label set."""
    return Selector()


def nothing() -> Selector:
    """labels.Nothing(): matches no label set."""
    return Selector(matches_nothing=True)


def selector_from_set(labels: Mapping[str, str] | None) -> Selector:
    """labels.SelectorFromSet: ``key=value`` for each label; None or {} is Everything.

    Like upstream it does not validate (callers pass labels that were validated on admission).
    """
    return Selector(Requirement(k, EQUALS, (v,)) for k, v in (labels or {}).items())


# --- the selector-string lexer and parser ----------------------------------------------------


class Token(enum.Enum):
    """selector.go Token: what the lexer recognises."""

    END_OF_STRING = "end of string"
    CLOSED_PAR = ")"
    COMMA = ","
    DOES_NOT_EXIST = "!"
    DOUBLE_EQUALS = "=="
    EQUALS = "="
    GREATER_THAN = ">"
    IDENTIFIER = "identifier"
    IN = "in"
    LESS_THAN = "<"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    OPEN_PAR = "("


_LITERAL_TOKENS = {t.value: t for t in Token if t not in (Token.END_OF_STRING, Token.IDENTIFIER)}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_END = "\0"
"""Go's Lexer.read() returns 0 at the end of input, so a NUL where a token would start ends the
input, and a NUL right after a token is swallowed with it."""
_TOKEN_OPERATORS = {Token.IN: IN, Token.NOT_IN: NOT_IN, Token.EQUALS: EQUALS, Token.DOUBLE_EQUALS: DOUBLE_EQUALS,
                    Token.NOT_EQUALS: NOT_EQUALS, Token.GREATER_THAN: GREATER_THAN, Token.LESS_THAN: LESS_THAN}


def tokenize(text: str) -> tuple[tuple[Token, str], ...]:
    """The selector Lexer run to the end, as Parser.scan does: (token, literal) pairs, the last
    being END_OF_STRING. Whitespace separates tokens; ``in``/``notin`` are keywords; special
    symbols take the longest match (``!=`` rather than ``!``)."""
    items: list[tuple[Token, str]] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= n or text[pos] == _END:
            items.append((Token.END_OF_STRING, ""))
            return tuple(items)
        if text[pos] in _SPECIAL:
            # scanSpecialSymbol: extend while the buffer still spells a token.
            end = pos + 1
            while end < n and text[end] in _SPECIAL and text[pos:end + 1] in _LITERAL_TOKENS:
                end += 1
            literal = text[pos:end]
            items.append((_LITERAL_TOKENS[literal], literal))
        else:
            end = pos
            while end < n and text[end] not in _SPECIAL and text[end] not in _WHITESPACE and text[end] != _END:
                end += 1
            literal = text[pos:end]
            token = _LITERAL_TOKENS.get(literal, Token.IDENTIFIER)
            items.append((token, literal))
        pos = end + 1 if end < n and text[end] == _END else end


class _Parser:
    """selector.go Parser over the scanned tokens. In a "values" context the keywords ``in`` and
    ``notin`` are identifiers, so ``in in (in)`` is a valid requirement."""

    def __init__(self, text: str) -> None:
        self.items = tokenize(text)
        self.position = 0

    def lookahead(self, values: bool = True) -> tuple[Token, str]:
        token, literal = self.items[self.position]
        if values and token in (Token.IN, Token.NOT_IN):
            token = Token.IDENTIFIER
        return token, literal

    def consume(self, values: bool = True) -> tuple[Token, str]:
        item = self.lookahead(values)
        self.position = min(self.position + 1, len(self.items) - 1)
        return item

    def parse(self) -> list[Requirement]:
        requirements = []
        while True:
            token, literal = self.lookahead()
            if token == Token.END_OF_STRING:
                return requirements
            if token not in (Token.IDENTIFIER, Token.DOES_NOT_EXIST):
                raise SelectorError(f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                requirements.append(self.parse_requirement())
            except SelectorError as e:
                raise SelectorError(f"unable to parse requirement: {e}") from None
            token, literal = self.consume()
            if token == Token.END_OF_STRING:
                return requirements
            if token != Token.COMMA:
                raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            token, literal = self.lookahead()
            if token not in (Token.IDENTIFIER, Token.DOES_NOT_EXIST):
                raise SelectorError(f"found '{literal}', expected: identifier after ','")

    def parse_requirement(self) -> Requirement:
        key, operator = self.parse_key_and_infer_operator()
        if operator in UNARY_OPERATORS:
            return new_requirement(key, operator, ())
        operator = self.parse_operator()
        values = self.parse_values() if operator in (IN, NOT_IN) else self.parse_exact_value()
        return new_requirement(key, operator, sorted(values))

    def parse_key_and_infer_operator(self) -> tuple[str, str | None]:
        operator = None
        token, literal = self.consume()
        if token == Token.DOES_NOT_EXIST:
            operator = DOES_NOT_EXIST
            token, literal = self.consume()
        if token != Token.IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        validate_label_key(literal, "key")
        if self.lookahead()[0] in (Token.END_OF_STRING, Token.COMMA) and operator is None:
            operator = EXISTS
        return literal, operator

    def parse_operator(self) -> str:
        token, literal = self.consume(values=False)
        if token not in _TOKEN_OPERATORS:
            raise SelectorError(f"found '{literal}', expected: {', '.join(BINARY_OPERATORS)}")
        return _TOKEN_OPERATORS[token]

    def parse_values(self) -> set[str]:
        """``( v1, v2 )``: ``()`` is the set {""}, and empty items between commas are ""."""
        token, literal = self.consume()
        if token != Token.OPEN_PAR:
            raise SelectorError(f"found '{literal}' expected: '('")
        token, literal = self.lookahead()
        if token == Token.CLOSED_PAR:
            self.consume()
            return {""}
        if token not in (Token.IDENTIFIER, Token.COMMA):
            raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self.parse_identifiers_list()
        self.consume()  # the ')' that ended the list
        return values

    def parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            token, literal = self.consume()
            if token == Token.IDENTIFIER:
                values.add(literal)
                following, following_literal = self.lookahead()
                if following == Token.CLOSED_PAR:
                    return values
                if following != Token.COMMA:
                    raise SelectorError(f"found '{following_literal}', expected: ',' or ')'")
            elif token == Token.COMMA:
                if not values:
                    values.add("")  # "(,"
                following = self.lookahead()[0]
                if following in (Token.CLOSED_PAR, Token.COMMA):
                    values.add("")  # ",)" and ",,"
                if following == Token.CLOSED_PAR:
                    return values
            else:
                raise SelectorError(f"found '{literal}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        """The one value after ``=``, ``==``, ``!=``, ``>``, ``<``; nothing there means ""."""
        if self.lookahead()[0] in (Token.END_OF_STRING, Token.COMMA):
            return {""}
        token, literal = self.consume()
        if token != Token.IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        return {literal}


def parse_selector(text: str) -> Selector:
    """labels.Parse: a selector string such as ``app=web,tier in (a,b),!canary,env!=prod``.

    Grammar: requirements separated by ``,``; each is ``[!]KEY``, ``KEY (=|==|!=|>|<) [VALUE]``
    or ``KEY (in|notin) (VALUE, ...)``; whitespace (space, tab, CR, LF) between tokens is ignored;
    "" selects everything. Keys and values are validated. Raises SelectorError.
    """
    return Selector(_Parser(text).parse())


# --- metav1.LabelSelector --------------------------------------------------------------------

_LABEL_SELECTOR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def selector_from_dict(label_selector: Mapping[str, Any] | None) -> Selector:
    """metav1.LabelSelectorAsSelector for a LabelSelector in its JSON shape.

    None (an absent selector) is Nothing; one without matchLabels and matchExpressions is
    Everything. matchLabels become ``=`` requirements; matchExpressions use the operators In,
    NotIn, Exists and DoesNotExist (Gt/Lt are not LabelSelector operators). Raises SelectorError
    for an unknown operator, In/NotIn without values, Exists/DoesNotExist with values, or an
    invalid key or value. Same-key requirements keep matchLabels-then-matchExpressions order.
    """
    if label_selector is None:
        return nothing()
    if not isinstance(label_selector, Mapping):
        raise SelectorError(f"a label selector must be an object, not {type(label_selector).__name__}")
    match_labels = label_selector.get("matchLabels") or {}
    expressions = label_selector.get("matchExpressions") or ()
    if not isinstance(match_labels, Mapping) or not all(isinstance(v, str) for v in match_labels.values()):
        raise SelectorError("matchLabels: must be a map of strings")
    requirements = []
    for key in sorted(match_labels):
        validate_label_key(key, "matchLabels")
        validate_label_value(match_labels[key], f"matchLabels[{key}]")
        requirements.append(Requirement(key, EQUALS, (match_labels[key],)))
    for i, expression in enumerate(expressions):
        path = f"matchExpressions[{i}]"
        if not isinstance(expression, Mapping):
            raise SelectorError(f"{path}: must be an object with key, operator and values")
        operator = expression.get("operator") or ""
        if operator not in _LABEL_SELECTOR_OPERATORS:
            raise SelectorError(f"{path}.operator: {json.dumps(operator)} is not a valid pod selector operator")
        values = list(expression.get("values") or ())
        if not all(isinstance(v, str) for v in values):
            raise SelectorError(f"{path}.values: must be a list of strings")
        requirements.append(new_requirement(expression.get("key") or "", _LABEL_SELECTOR_OPERATORS[operator],
                                            values, path))
    return Selector(requirements)
