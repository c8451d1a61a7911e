"""Tests for ``kubeproof simulate``: a seeded random walk through the model of the bundled example cluster."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from kubeproof.cli import EXIT_OK, EXIT_USAGE, main

REPO = Path(__file__).resolve().parents[2]
STEP = re.compile(r"^#(\d+)\s+\S")
SUMMARY = re.compile(r"^after (\d+) steps: (\d+) objects, revision (\d+), time (\d+)s$")


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["simulate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_simulate_prints_numbered_steps_and_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = simulate(capsys, "--steps", "30", "--seed", "1")
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert re.fullmatch(r"initial state: \d+ objects, \d+ manifests to submit", lines[0])
    numbers = [int(m.group(1)) for line in lines if (m := STEP.match(line))]
    assert numbers == list(range(1, 31))
    summary = SUMMARY.match(lines[-1])
    assert summary is not None and summary.group(1) == "30"
    assert lines[-2] == ""
    # Every step's effects are indented under it: responses (->) and watch events (+ ~ -).
    for line in lines[1:-2]:
        assert STEP.match(line) or re.match(r"^ {7}(-> |[+~-] )", line), line
    # The walk submits the example workloads through the API server.
    assert "user submits the next manifest" in out and "-> Created" in out


def test_the_summary_agrees_with_the_revisions_the_steps_printed(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = simulate(capsys, "--steps", "30", "--seed", "1")
    revisions = [int(r) for r in re.findall(r"\(rv (\d+)\)$", out, flags=re.MULTILINE)]
    summary = SUMMARY.match(out.splitlines()[-1])
    assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)
    if revisions:
        assert int(summary.group(3)) == revisions[-1]


def test_simulate_is_deterministic_for_a_seed(capsys: pytest.CaptureFixture[str]) -> None:
    first = simulate(capsys, "--steps", "30", "--seed", "1")
    second = simulate(capsys, "--steps", "30", "--seed", "1")
    other = simulate(capsys, "--steps", "30", "--seed", "2")
    assert first == second
    assert other[0] == EXIT_OK and other[1] != first[1]


def test_simulate_reads_given_manifests(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: team}\n"
                        "spec:\n  containers: [{name: c, image: nginx}]\n")
    code, out, _ = simulate(capsys, str(manifest), "--steps", "5", "--seed", "0")
    assert code == EXIT_OK
    assert out.splitlines()[0].endswith("1 manifests to submit")


@pytest.mark.parametrize("content, message", [
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: notalist\n",
     "doc 1: spec.containers: expected an array, got string"),
    ("a: [\n", "doc 1: invalid YAML at line 2, column 1"),
])
def test_a_bad_manifest_is_one_line_on_stderr_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        content: str, message: str) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(content)
    code, out, err = simulate(capsys, str(manifest))
    assert code == EXIT_USAGE
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"kubeproof: {manifest} ") and message in err


def test_the_command_exits_2_without_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = subprocess.run([sys.executable, "-m", "kubeproof", "simulate", str(missing)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == EXIT_USAGE
    assert result.stdout == ""
    assert result.stderr == f"kubeproof: {missing}: no such file or directory\n"
