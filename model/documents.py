"""Parsing manifest text into JSON-like documents as kubectl does, refusing hostile input.

YAML is read with PyYAML's safe loader, on libyaml's C parser when PyYAML was built with it (:data:`LIBYAML`);
both share the resolvers and constructors below, so they give the same documents. Resolvers follow
sigs.k8s.io/yaml: timestamps stay strings, and a bare ``=`` is the string ``"="`` (PyYAML resolves it to a
``tag:yaml.org,2002:value`` tag nothing constructs; the Kubernetes Python client dropped that resolver too,
kubernetes-client/python#1223). Text that starts with ``{`` is a stream of concatenated JSON values, as
YAMLOrJSONDecoder (staging/src/k8s.io/apimachinery/pkg/util/yaml/decoder.go) reads it, unless it is not JSON
throughout and reads as YAML (flow style, or ``{}`` followed by ``---``).

Limits, each a :class:`ManifestError` naming the file and document, checked on the composed node graph before
anything is built from it, so that refusing costs time and memory in proportion to the text, not to what it
would expand to:

- excessive aliasing ("billion laughs"): go-yaml's rule, which kubectl applies (gopkg.in/yaml.v2 decode.go,
  ``allowedAliasRatio``): past 1,000 decoded values and 100 decoded through aliases, at most 99 % of the values
  (falling to 10 % between 400,000 and 4,000,000 values) may come from alias expansion. go-yaml checks as it
  decodes; here the counts grow in document order, an alias adding its whole expansion at once;
- a recursive alias (an anchor used inside its own value), which go-yaml also refuses;
- nesting deeper than :data:`MAX_DEPTH` levels, aliases expanded (kubeproof's limit: the model's values are
  built recursively; Kubernetes objects, CRD schemas included, nest a few dozen levels);
- more than :data:`MAX_VALUES` values in one document, aliases expanded (kubeproof's limit, bounding memory; a
  ``kubectl get pods -A -o yaml`` List of 10,000 pods has about 2 million);
- files over :data:`MAX_BYTES` (kubeproof's limit; the API server refuses request bodies over 3 MiB, and a
  snapshot of a large cluster is tens of megabytes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml

from model.errors import ManifestError

MAX_DEPTH = 200
MAX_VALUES = 5_000_000
MAX_BYTES = 256 * 1024 * 1024
LIBYAML = getattr(yaml, "__with_libyaml__", False)
"""Whether PyYAML has libyaml's C parser (``yaml.CSafeLoader``)."""

_DROPPED_RESOLVERS = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")
_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_RESOLVERS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class PurePythonLoader(yaml.SafeLoader):
    """SafeLoader with sigs.k8s.io/yaml's resolvers. A ``!!set`` is the mapping to nulls it is in JSON, so that
    every loaded value is hashable."""

    yaml_implicit_resolvers = _RESOLVERS


PurePythonLoader.add_constructor("tag:yaml.org,2002:set", PurePythonLoader.construct_mapping)

if LIBYAML:
    class LibyamlLoader(yaml.CSafeLoader):
        """The same loader on libyaml's C parser."""

        yaml_implicit_resolvers = _RESOLVERS

    LibyamlLoader.add_constructor("tag:yaml.org,2002:set", LibyamlLoader.construct_mapping)
    Loader: type = LibyamlLoader
else:  # pragma: no cover - depends on how PyYAML was built
    Loader = PurePythonLoader


def _alias_ratio_allowed(decoded: int) -> float:
    """go-yaml's allowedAliasRatio."""
    low, high = 400_000, 4_000_000
    if decoded <= low:
        return 0.99
    if decoded >= high:
        return 0.10
    return 0.99 - 0.89 * (decoded - low) / (high - low)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_node_graph(root: yaml.Node) -> None:
    """Refuse a composed YAML document that aliasing, nesting or size make hostile (see the module docstring).

    PyYAML's composer returns an anchored node again for each alias to it, so an alias is an edge to a node
    already walked. The walk is iterative and visits each distinct node once, keeping for each its expanded size
    and height."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    in_progress: set[int] = set()
    decoded = aliased = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finishing = stack.pop()
        key = id(node)
        if finishing:
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            height[key] = 1 + max((height[id(c)] for c in children), default=0)
            in_progress.discard(key)
            if height[key] > MAX_DEPTH:
                raise ManifestError(f"nests deeper than {MAX_DEPTH} levels")
            continue
        if key in in_progress:
            raise ManifestError("an alias refers to the value that contains it")
        if key in size:
            decoded += size[key]
            aliased += size[key]
        else:
            decoded += 1
            in_progress.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_children(node)))
        if aliased > 100 and decoded > 1000 and aliased / decoded > _alias_ratio_allowed(decoded):
            raise ManifestError("excessive aliasing (YAML anchors and aliases expand too much)")
        if decoded > MAX_VALUES:
            raise ManifestError(f"more than {MAX_VALUES:,} values in one document")


def duplicate_fields(root: yaml.Node) -> list[str]:
    """Keys given twice in one mapping (``replicas`` twice in a spec): YAML loading keeps the last, while the API
    server's strict field validation refuses them (``duplicate field "replicas"``). ``<<`` merge keys are not
    fields."""
    found: list[str] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in keys:
                        found.append(f'duplicate field "{key.value}" (line {key.start_mark.line + 1})')
                    keys.add(key.value)
        stack.extend(_children(node))
    return found


def check_value(value: Any) -> None:
    """The depth and size limits for a parsed JSON value (JSON has no aliases)."""
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise ManifestError(f"nests deeper than {MAX_DEPTH} levels")
        if count > MAX_VALUES:
            raise ManifestError(f"more than {MAX_VALUES:,} values in one document")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _json_documents(text: str) -> list[Any] | None:
    """The values of a concatenated JSON stream, or None when its first value is not JSON."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position == len(text):
            return docs
        try:
            doc, position = decoder.raw_decode(text, position)
        except RecursionError:
            raise ManifestError(f"nests deeper than {MAX_DEPTH} levels", document=len(docs) + 1) from None
        except ValueError as e:
            if not docs:
                return None
            raise ManifestError(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}",  # type: ignore[attr-defined]
                                document=len(docs) + 1) from None
        try:
            check_value(doc)
        except ManifestError as e:
            raise ManifestError(e.message, document=len(docs) + 1) from None
        docs.append(doc)


def _yaml_documents(text: str, loader: type, duplicates: list[tuple[int, str]] | None) -> Iterator[Any]:
    """The documents of a YAML stream, each checked before it is constructed. Errors carry no document number;
    :func:`documents` adds it."""
    parser = loader(text)
    number = 0
    try:
        while parser.check_node():
            node = parser.get_node()
            number += 1
            if node is None:
                yield None
                continue
            check_node_graph(node)
            if duplicates is not None:
                duplicates.extend((number, message) for message in duplicate_fields(node))
            yield parser.construct_document(node)
    finally:
        parser.dispose()


def documents(text: str, loader: type | None = None, duplicates: list[tuple[int, str]] | None = None) -> list[Any]:
    """The documents of a YAML or JSON stream (``None`` for empty ones), or a ManifestError whose ``document``
    is the 1-based number of the document at fault. ``loader`` is :data:`Loader` unless given (tests compare
    the pure-Python one with libyaml's). When ``duplicates`` is a list, (document number, message) pairs for the
    YAML keys given twice in one mapping are appended to it (JSON's are not detected)."""
    if len(text) > MAX_BYTES:
        raise ManifestError(f"larger than {MAX_BYTES // 2**20} MiB")
    if text.lstrip().startswith("{"):
        try:
            docs = _json_documents(text)
        except ManifestError as json_error:  # a later value is not JSON: the whole text may still be YAML
            try:
                return _yaml_stream(text, loader or Loader, duplicates)
            except ManifestError:
                raise json_error from None
        if docs is not None:
            return docs
    return _yaml_stream(text, loader or Loader, duplicates)


def _yaml_stream(text: str, loader: type, duplicates: list[tuple[int, str]] | None) -> list[Any]:
    docs: list[Any] = []
    try:
        for doc in _yaml_documents(text, loader, duplicates):
            docs.append(doc)
    except ManifestError as e:
        raise ManifestError(e.message, document=len(docs) + 1) from None
    except yaml.YAMLError as e:
        if "exceeded maximum nesting depth" in str(e):  # libyaml's own limit (1000 levels)
            raise ManifestError(f"nests deeper than {MAX_DEPTH} levels", document=len(docs) + 1) from None
        if loader is not PurePythonLoader:  # libyaml words its errors differently: give PyYAML's, as without it
            return _yaml_stream(text, PurePythonLoader, duplicates)
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ManifestError(f"invalid YAML{where}: {problem}", document=len(docs) + 1) from None
    except RecursionError:
        raise ManifestError(f"nests deeper than {MAX_DEPTH} levels", document=len(docs) + 1) from None
    except (ValueError, TypeError, AttributeError) as e:
        # PyYAML's constructors fail this way on explicit tags with bad values (``!!int x``,
        # ``!!timestamp x``) and on integers longer than Python converts.
        raise ManifestError(f"invalid YAML: {e}", document=len(docs) + 1) from None
    return docs
