"""Tests for ``kubeproof validate``: the table of loaded objects, and one line on stderr (exit 2) for a bad
manifest, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kubeproof.cli import EXIT_OK, EXIT_USAGE, main
from model.examples import DIRECTORY as EXAMPLES
from model.manifests import is_modelled, load

REPO = Path(__file__).parents[2]
HEADER = ("KIND", "NAMESPACE", "NAME", "NOTE")
GOOD = """\
apiVersion: v1
kind: Namespace
metadata: {name: dev}
"""
BAD_QUANTITY = GOOD + """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dev}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: app, image: nginx, resources: {requests: {cpu: "1.1.1"}}}
"""


def parse_table(stdout: str) -> tuple[list[tuple[str, ...]], str]:
    """The table's rows (cells cut at the header's column starts) and the summary line after it."""
    table, _, summary = stdout.rstrip("\n").partition("\n\n")
    header, *lines = table.split("\n")
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    ends = [*starts[1:], None]
    assert tuple(header[a:b].strip() for a, b in zip(starts, ends, strict=True)) == HEADER
    return [tuple(line[a:b].strip() for a, b in zip(starts, ends, strict=True)) for line in lines], summary


def expected_rows(path: Path) -> list[tuple[str, ...]]:
    return [(o.kind, o.namespace or "", o.name, "" if is_modelled(o) else "not modelled") for o in load(path)]


def test_validate_lists_the_bundled_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert err == ""
    rows, summary = parse_table(out)
    assert rows == expected_rows(EXAMPLES)
    assert ("ConfigMap", "prod", "web-config", "not modelled") in rows
    assert ("Deployment", "prod", "web", "") in rows
    assert ("Node", "", "cp-1", "") in rows
    assert ("StorageClass", "", "standard", "not modelled") in rows  # read by the PV controller as it is
    not_modelled = sum(1 for row in rows if row[3] == "not modelled")
    assert not_modelled == 2
    assert summary == f"{len(rows)} objects loaded: {len(rows) - 2} modelled, 2 not modelled"


def test_validate_reads_the_paths_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ns.yaml").write_text(GOOD)
    (tmp_path / "cm.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}')
    assert main(["validate", str(tmp_path)]) == EXIT_OK
    rows, summary = parse_table(capsys.readouterr().out)
    assert rows == [("ConfigMap", "", "c", "not modelled"), ("Namespace", "", "dev", "")]
    assert summary == "2 objects loaded: 1 modelled, 1 not modelled"
    assert main(["validate", str(EXAMPLES)]) == EXIT_OK
    assert parse_table(capsys.readouterr().out)[0] == expected_rows(EXAMPLES)


@pytest.mark.parametrize("content, message", [
    (BAD_QUANTITY, 'doc 2: spec.template.spec.containers[0].resources.requests.cpu: invalid quantity "1.1.1"'),
    (GOOD + "---\nkind: Pod\n", "doc 2: apiVersion: Required value"),
    ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: 1\n",
     "doc 1: invalid YAML at line 5, column 7: mapping values are not allowed here"),
    (GOOD.replace("v1", "extensions/v1beta1").replace("Namespace", "Deployment"),
     'doc 1: apiVersion: Deployment is not served at "extensions/v1beta1": use apiVersion "apps/v1"'),
])
def test_a_bad_manifest_is_one_line_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
                                              message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    assert main(["validate", str(path)]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"kubeproof: {path} {message}\n"


def test_missing_and_undecodable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(EXAMPLES), str(missing)]) == EXIT_USAGE
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"kubeproof: {missing}: no such file or directory\n")
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"# caf\xe9\n")
    assert main(["validate", str(latin1)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"kubeproof: {latin1}: not UTF-8 text (byte 5)\n"


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "kubeproof", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    """``python -m kubeproof validate`` runs the same command, with the same exit codes."""
    ok = run_module("validate", str(EXAMPLES))
    assert (ok.returncode, ok.stderr) == (EXIT_OK, "")
    assert parse_table(ok.stdout)[0] == expected_rows(EXAMPLES)
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_QUANTITY)
    failed = run_module("validate", str(bad))
    assert failed.returncode == EXIT_USAGE and failed.stdout == ""
    assert failed.stderr == (f'kubeproof: {bad} doc 2: spec.template.spec.containers[0].resources.requests.cpu: '
                             'invalid quantity "1.1.1"\n')
    assert "Traceback" not in failed.stderr
