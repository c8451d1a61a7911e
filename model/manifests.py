"""Reading Kubernetes manifests: YAML or JSON files, multi-document streams, folders and ``kind: List``.

Text becomes documents in :mod:`model.documents` (safe YAML as sigs.k8s.io/yaml reads it, JSON streams, and the
limits that refuse hostile input). Every problem raises :class:`ManifestError` naming the file, the
document (1-based) and the field path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from model.apiserver.validation import input_problem
from model.descheduler.policy import KIND as DESCHEDULER_POLICY
from model.descheduler.policy import parse_policy
from model.documents import MAX_BYTES, documents
from model.errors import ManifestError, join_path
from model.fields import unknown_fields
from model.objects import MODELLED_KINDS, KubeObject, OpaqueObject
from model.schema import type_name

Object = KubeObject | OpaqueObject

KINDS: dict[str, type[KubeObject]] = {cls.KIND: cls for cls in MODELLED_KINDS}
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


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
    if doc["kind"] == DESCHEDULER_POLICY:
        parse_policy(doc, path)  # validated here; the descheduler reads the document from the store
    if cls is None:
        try:
            return OpaqueObject.from_dict(doc, path)
        except RecursionError:
            raise ManifestError("document nests too deeply", path) from None
    if doc["apiVersion"] != cls.API_VERSION:
        raise ManifestError(f'{cls.KIND} is not served at "{doc["apiVersion"]}": use apiVersion '
                            f'"{cls.API_VERSION}"', join_path(path, "apiVersion"))
    return cls.from_dict(doc, path)


def from_documents(docs: Iterable[Any], source: str = "", validation: str | None = None,
                   warn: Callable[[str], None] | None = None) -> list[Object]:
    """Model objects for parsed documents (``None`` documents are skipped; Lists are expanded).

    ``validation`` reads the documents as a user's input to kubectl: field validation (:mod:`model.fields`;
    ``strict`` refuses a field the kind's schema does not have, ``warn`` passes each such field's located
    description to ``warn``, ``ignore`` drops it) and whatever the API server would refuse on create
    (``model.apiserver.validation.input_problem``). None (the default) reads them as test fixtures: unknown fields
    are dropped and what only the API server refuses is kept (the model's API server answers Invalid)."""
    objects: list[Object] = []
    for number, doc in enumerate(docs, start=1):
        if doc is None:
            continue
        try:
            objects.extend(_expand(doc, validation))
        except ManifestError as e:
            raise e.located(source, number) from None
        except _UnknownField as e:
            if validation == "strict":
                raise ManifestError("unknown field", e.path, source, number) from None
            if warn is not None:
                warn(str(ManifestError("unknown field", e.path, source, number)))
            objects.extend(_expand(doc, "ignore"))
    return objects


class _UnknownField(Exception):
    def __init__(self, path: str):
        self.path = path


def _object(doc: Any, path: str, validation: str | None) -> Object:
    """One object, read as :func:`from_documents` says."""
    if validation in ("strict", "warn") and isinstance(doc, Mapping):
        unknown = unknown_fields(doc, path)
        if unknown:
            raise _UnknownField(unknown[0])
    obj = from_dict(doc, path)
    if validation is not None and is_modelled(obj) and (problem := input_problem(obj)) is not None:
        raise ManifestError(problem[1], join_path(path, problem[0]))
    return obj


def _expand(doc: Any, validation: str | None = None) -> list[Object]:
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
        return [_object(item, join_path("items", i), validation) for i, item in enumerate(items)]
    return [_object(doc, "", validation)]


def load_text(text: str, source: str = "<input>", validation: str | None = None,
              warn: Callable[[str], None] | None = None) -> list[Object]:
    """Model objects for a YAML (or JSON) stream of one or more documents (see :mod:`model.documents`;
    ``validation`` and ``warn`` as :func:`from_documents`)."""
    duplicates: list[tuple[int, str]] = []
    try:
        docs = documents(text, duplicates=duplicates if validation in ("strict", "warn") else None)
    except ManifestError as e:
        raise e.located(source, e.document) from None
    for number, message in duplicates:  # strict field validation refuses them; YAML keeps the last value
        if validation == "strict":
            raise ManifestError(message, "", source, number)
        if warn is not None:
            warn(str(ManifestError(message, "", source, number)))
    return from_documents(docs, source, validation, warn)


def load(paths: str | Path | Iterable[str | Path], validation: str | None = None,
         warn: Callable[[str], None] | None = None) -> list[Object]:
    """Model objects from files and folders (folders are read recursively, ``.yaml``/``.yml``/``.json``
    files in name order; ``validation`` and ``warn`` as :func:`from_documents`)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    objects: list[Object] = []
    for path in map(Path, paths):
        for file in _files(path):
            try:
                with file.open("rb") as handle:  # bounded: a device or pipe may never end
                    data = handle.read(MAX_BYTES + 1)
                if len(data) > MAX_BYTES:
                    raise ManifestError(f"larger than {MAX_BYTES // 2**20} MiB", "", str(file))
                text = data.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ManifestError(f"not UTF-8 text (byte {e.start})", "", str(file)) from None
            except OSError as e:
                raise ManifestError(f"cannot read: {e.strerror}", "", str(file)) from None
            objects.extend(load_text(text, str(file), validation, warn))
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
    """Whether the model interprets this object (as opposed to carrying it as "not modelled"): a DeschedulerPolicy
    is kept as a document, which the descheduler reads (``model.descheduler.component``)."""
    return not isinstance(obj, OpaqueObject) or obj.kind == DESCHEDULER_POLICY
