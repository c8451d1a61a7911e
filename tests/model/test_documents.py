"""Tests for model.documents: hostile text is refused with one located error, real text reads as kubectl reads it,
and libyaml's loader gives what the pure-Python one gives."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kubeproof.cli import main
from model import documents as docs_module
from model.documents import LIBYAML, MAX_DEPTH, PurePythonLoader, documents
from model.errors import ManifestError
from model.examples import DIRECTORY as EXAMPLES
from model.manifests import load, load_text

CORPUS = Path(__file__).parents[3] / "shared" / "corpus"
LOADERS = [PurePythonLoader] + ([docs_module.LibyamlLoader] if LIBYAML else [])


def billion_laughs(levels: int) -> str:
    """The classic alias bomb: each level is nine aliases of the previous one (9**levels strings)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def error_of(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        load_text(text, "m.yaml")
    return info.value


@pytest.mark.parametrize("loader", LOADERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("levels", [9, 40])
def test_alias_bomb_is_refused(loader: type, levels: int) -> None:
    """9**40 strings could never be built: the refusal comes from the composed graph, before construction."""
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n" + billion_laughs(levels)
    with pytest.raises(ManifestError) as info:
        documents(text, loader)
    assert info.value.document == 2
    assert "excessive aliasing" in info.value.message
    assert str(error_of(text)).startswith("m.yaml doc 2: excessive aliasing")


def test_recursive_alias_is_refused() -> None:
    assert str(error_of("a: &a [1, *a]\n")) == "m.yaml doc 1: an alias refers to the value that contains it"


def test_ordinary_anchors_and_merge_keys_load() -> None:
    """Anchors reused a few times (and ``<<`` merge keys, which go-yaml supports) are not aliasing abuse."""
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: &l {app: web}}\n"
            "data: {<<: *l, other: x}\n")
    (obj,) = load_text(text)
    assert obj.body["data"] == {"app": "web", "other": "x"}


def test_nesting_limit() -> None:
    ok = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert documents(f"a: {ok}\n")
    assert str(error_of("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")) == \
        f"m.yaml doc 1: nests deeper than {MAX_DEPTH} levels"
    deep_json = '{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)
    assert str(error_of(deep_json)) == f"m.yaml doc 1: nests deeper than {MAX_DEPTH} levels"


def test_nesting_through_aliases_counts_expanded() -> None:
    """Each anchored value is shallow, but aliases stack them deeper than the limit."""
    step = 30
    lines = [f"a0: &a0 {'[' * step}1{']' * step}"]
    lines += [f"a{i}: &a{i} {'[' * step}*a{i - 1}{']' * step}" for i in range(1, MAX_DEPTH // step + 1)]
    assert "nests deeper than" in error_of("\n".join(lines) + "\n").message


def test_value_count_and_size_limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(docs_module, "MAX_VALUES", 50)
    assert str(error_of("a: [" + ", ".join(["1"] * 60) + "]\n")) == "m.yaml doc 1: more than 50 values in one document"
    assert "more than 50 values" in error_of(json.dumps({"a": list(range(60))})).message
    monkeypatch.setattr("model.manifests.MAX_BYTES", 1000)
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 2000 + "\n")
    with pytest.raises(ManifestError) as info:
        load(big)
    assert str(info.value) == f"{big}: larger than 0 MiB" or "larger than" in str(info.value)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda cls: cls.__name__)
def test_bare_equals_sign_is_a_string(loader: type) -> None:
    """kube-prometheus' AlertmanagerConfig CRD has ``enum: [=, "!=", =~, "!~"]``."""
    assert documents("enum: [=, '!=', =~]\nv: =\n", loader) == [{"enum": ["=", "!=", "=~"], "v": "="}]


def test_timestamps_stay_strings_with_both_loaders() -> None:
    for loader in LOADERS:
        assert documents("t: 2024-01-01T00:00:00Z\n", loader) == [{"t": "2024-01-01T00:00:00Z"}]


def test_concatenated_json_objects_are_read_as_kubectl_reads_them() -> None:
    """YAMLOrJSONDecoder decodes a stream of JSON values when the text starts with ``{``."""
    cm = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "%s"}}'
    objects = load_text(cm % "a" + "\n" + cm % "b" + " " + cm % "c")
    assert [o.name for o in objects] == ["a", "b", "c"]
    assert str(error_of(cm % "a" + '\n{"apiVersion":')) == \
        "m.yaml doc 2: invalid JSON at line 2, column 15: Expecting value"
    (flow,) = load_text("{apiVersion: v1, kind: ConfigMap, metadata: {name: flow}}")  # YAML flow style
    assert flow.name == "flow"


@settings(max_examples=60)
def _containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=4), children, max_size=3))


@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6)), _containers,
                    max_leaves=10))
def test_loaders_agree_on_generated_yaml(value: object) -> None:
    text = yaml.safe_dump_all([value, value])
    assert documents(text, PurePythonLoader) == documents(text) == [value, value]


ALL_CORPUS_FILES = os.environ.get("KUBEPROOF_WHOLE_CORPUS") == "1"
"""The loaders' comparison reads corpus files under 64 KiB by default (the pure-Python loader takes seconds on the
large CRDs); KUBEPROOF_WHOLE_CORPUS=1 compares every file."""


def corpus_files() -> list[Path]:
    files = sorted(EXAMPLES.glob("*.yaml"))
    for name in ("k8s-docs-examples", "real-world"):
        files += sorted(p for p in (CORPUS / name).rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                        and (ALL_CORPUS_FILES or p.stat().st_size < 64 * 1024))
    return files


@pytest.mark.skipif(not LIBYAML, reason="PyYAML was built without libyaml: there is only one loader")
def test_libyaml_and_pure_python_loaders_agree_on_the_corpus() -> None:
    """Same documents (or the same error) for every bundled example and, where ../shared/corpus exists, every file
    of the docs and real-world corpora (see ALL_CORPUS_FILES)."""
    files = corpus_files()
    if not (CORPUS / "real-world").is_dir():
        pytest.skip(f"corpus not found: {CORPUS / 'real-world'} is missing (bundled examples agree)")
    for path in files:
        text = path.read_text()
        results = []
        for loader in LOADERS:
            try:
                results.append(documents(text, loader))
            except ManifestError as e:
                results.append(str(e))
        assert results[0] == results[1], path


@st.composite
def aliased_yaml(draw: st.DrawFn) -> str:
    """A Kubernetes object holding anchored values that alias earlier ones (sometimes themselves, sometimes nine
    times over), and aliasing them in its metadata and data."""
    lines = []
    anchors: list[str] = []
    for i in range(draw(st.integers(0, 12))):
        aliases = [f"*{a}" for a in anchors[-2:]]
        items = [draw(st.sampled_from([*aliases, *aliases, *aliases, "x", "1", "=", "{k: v}"]))
                 for _ in range(draw(st.integers(0, 9)))]
        if draw(st.integers(0, 15)) == 0 and items:
            items[0] = f"*a{i}"  # an alias to the value being defined
        flow = f"[ {', '.join(items)} ]" if draw(st.booleans()) else \
            "{ " + ", ".join(f"k{j}: {v}" for j, v in enumerate(items)) + " }"
        lines.append(f"  a{i}: &a{i} {flow}")
        anchors.append(f"a{i}")
    alias = draw(st.sampled_from([f"*{a}" for a in anchors] or ["{}"]))
    labels = draw(st.sampled_from([alias, "{}"]))
    defs = "defs:\n" + "\n".join(lines) + "\n" if lines else ""
    return f"apiVersion: v1\nkind: ConfigMap\n{defs}metadata: {{name: c, labels: {labels}}}\ndata: {{d: {alias}}}\n"


@settings(max_examples=80, deadline=None)
@given(aliased_yaml())
def test_aliased_documents_load_or_are_refused_at_once(text: str) -> None:
    """Whatever the aliasing, ``kubeproof validate`` exits 0 or 2 with one line, never a traceback, and takes well
    under a second of CPU (a bomb that slipped through would take minutes and gigabytes)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.yaml"
        path.write_text(text)
        started = time.process_time()
        try:
            code = main(["validate", str(path)])
        except SystemExit as e:  # pragma: no cover - argparse only
            code = e.code
        assert time.process_time() - started < 2.0
    assert code in (0, 2)
