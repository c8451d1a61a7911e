"""Reading Kubernetes manifests: YAML or JSON files, multi-document streams, folders and ``kind: List``.

Only safe YAML loading is used. Timestamps stay strings, as Kubernetes' YAML-to-JSON decoding
(sigs.k8s.io/yaml) keeps them. Every problem raises :class:`ManifestError` naming the file, the
document (1-based) and the field path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from model.errors import ManifestError, join_path
from model.objects import MODELLED_KINDS, KubeObject, OpaqueObject
from model.schema import type_name

Object = KubeObject | OpaqueObject

KINDS: dict[str, type[KubeObject]] = {cls.KIND: cls for cls in MODELLED_KINDS}
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: ``2024-01-01T00:00:00Z`` stays a string. A ``!!set`` is
    the mapping to nulls it is in JSON (sigs.k8s.io/yaml), so that every loaded value is hashable."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor("tag:yaml.org,2002:set", _Loader.construct_mapping)


def from_dict(doc: Mapping[str, Any], path: str = "") -> Object:
    """Turn one Kubernetes object (a dict) into its model object, dispatching on apiVersion and kind.

    Kinds the model does not cover become an :class:`OpaqueObject`. A modelled kind under an
    apiVersion Kubernetes no longer serves for it (``extensions/v1beta1`` Deployments) is an error.
    """
    if not isinstance(doc, Mapping):
        raise ManifestError(f"expected a Kubernetes object (a mapping with apiVersion and kind), "
                            f"got {type_name(doc)}", path)
    for key in ("apiVersion", "kind"):
        value = doc.get(key)
        if value is None or value == "":
            raise ManifestError("Required value", join_path(path, key))
        if not isinstance(value, str):
            raise ManifestError(f"expected a string, got {type_name(value)}", join_path(path, key))
    cls = KINDS.get(doc["kind"])
    if cls is None:
        try:
            return OpaqueObject.from_dict(doc, path)
        except RecursionError:
            raise ManifestError("document nests too deeply", path) from None
    if doc["apiVersion"] != cls.API_VERSION:
        raise ManifestError(f'{cls.KIND} is not served at "{doc["apiVersion"]}": use apiVersion '
                            f'"{cls.API_VERSION}"', join_path(path, "apiVersion"))
    return cls.from_dict(doc, path)


def from_documents(docs: Iterable[Any], source: str = "") -> list[Object]:
    """Model objects for parsed documents (``None`` documents are skipped; Lists are expanded)."""
    objects: list[Object] = []
    for number, doc in enumerate(docs, start=1):
        if doc is None:
            continue
        try:
            objects.extend(_expand(doc))
        except ManifestError as e:
            raise e.located(source, number) from None
    return objects


def _expand(doc: Any) -> list[Object]:
    """``kind: List`` (as ``kubectl get -o yaml`` prints) and ``*List`` kinds hold objects under ``items``.

    The items of a typed list (``PodList``, as the API server returns it) may omit their apiVersion and
    kind: they are the list's apiVersion and its kind without ``List``.
    """
    if isinstance(doc, Mapping) and isinstance(doc.get("kind"), str) and doc["kind"].endswith("List") \
            and "items" in doc:
        items = doc.get("items") or []
        if not isinstance(items, list):
            raise ManifestError(f"expected an array, got {type_name(items)}", "items")
        if doc["kind"] != "List":
            typed = {"apiVersion": doc.get("apiVersion"), "kind": doc["kind"][: -len("List")]}
            items = [{**item, **{k: v for k, v in typed.items() if item.get(k) is None}}
                     if isinstance(item, Mapping) else item for item in items]
        return [from_dict(item, join_path("items", i)) for i, item in enumerate(items)]
    return [from_dict(doc)]


def load_text(text: str, source: str = "<input>") -> list[Object]:
    """Model objects for a YAML (or JSON) stream of one or more documents.

    Text that starts with ``{`` is first read as one JSON document, as kubectl's YAMLOrJSONDecoder does
    (JSON may be indented with tabs, and its ``\\uD83D\\uDE00`` escapes are surrogate pairs), then as YAML.
    """
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            pass  # not JSON: YAML in flow style
        else:
            return from_documents([doc], source)
    docs: list[Any] = []
    try:
        for doc in yaml.load_all(text, Loader=_Loader):
            docs.append(doc)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ManifestError(f"invalid YAML{where}: {problem}", "", source, len(docs) + 1) from None
    except RecursionError:
        raise ManifestError("invalid YAML: nests too deeply", "", source, len(docs) + 1) from None
    except (ValueError, TypeError, AttributeError) as e:
        # PyYAML's constructors fail this way on explicit tags with bad values (``!!int x``,
        # ``!!timestamp x``) and on integers longer than Python converts.
        raise ManifestError(f"invalid YAML: {e}", "", source, len(docs) + 1) from None
    return from_documents(docs, source)


def load(paths: str | Path | Iterable[str | Path]) -> list[Object]:
    """Model objects from files and folders (folders are read recursively, ``.yaml``/``.yml``/``.json``
    files in name order)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    objects: list[Object] = []
    for path in map(Path, paths):
        for file in _files(path):
            try:
                text = file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as e:
                raise ManifestError(f"not UTF-8 text (byte {e.start})", "", str(file)) from None
            except OSError as e:
                raise ManifestError(f"cannot read: {e.strerror}", "", str(file)) from None
            objects.extend(load_text(text, str(file)))
    return objects


def _files(path: Path) -> list[Path]:
    """The manifest files in ``path``: the file itself, or a folder's, recursively, except in sub-folders that are
    Python packages of their own (``model/examples/intents``: scenarios bundled beside the default example, not part
    of it)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES
                      and not any((parent / "__init__.py").exists() for parent in p.parents
                                  if parent != path and path in parent.parents))
    if not path.exists():
        raise ManifestError("no such file or directory", "", str(path))
    return [path]


def is_modelled(obj: Object) -> bool:
    """Whether the model interprets this object (as opposed to carrying it as "not modelled")."""
    return not isinstance(obj, OpaqueObject)
