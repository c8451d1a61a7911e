"""``kubeproof check`` over workers, under a time limit and interrupted: the same JSON whatever ``--workers`` (timings
aside), ``--max-seconds`` reports what was explored marked incomplete, and SIGINT/SIGTERM print the results so far,
write the JUnit file and exit 130/143 without a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kubeproof.cli import EXIT_OK, EXIT_VIOLATION, main
from properties.variants import NODES, QUOTA_AND_PODS

ROOT = Path(__file__).resolve().parents[2]


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["check", "--json", *args])
    report = json.loads(capsys.readouterr().out)
    report.pop("seconds")
    return code, report


def test_one_worker_and_two_print_the_same_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    nodes, app = tmp_path / "nodes.yaml", tmp_path / "app.yaml"
    nodes.write_text(NODES)
    app.write_text(QUOTA_AND_PODS)
    args = (str(app), "--cluster", str(nodes), "--variant", "stale-quota-apiservers", "--property",
            "quota-never-exceeded", "--property", "names-unique", "--profile", "ci", "--traces", str(tmp_path))
    alone = check_json(capsys, *args, "--workers", "1")
    trace = Path(alone[1]["trace"]).read_text()
    assert alone[0] == EXIT_VIOLATION and alone[1]["complete"] is True
    assert check_json(capsys, *args, "--workers", "2") == alone
    assert Path(alone[1]["trace"]).read_text() == trace


def test_max_seconds_reports_what_was_explored_as_incomplete(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    code, report = check_json(capsys, "--profile", "deep", "--max-seconds", "2", "--workers", "1",
                              "--junit", str(junit))
    assert code == EXIT_OK and report["complete"] is False
    assert report["incomplete"].startswith("incomplete: stopped at --max-seconds 2 after ")
    assert report["runs"] < 1500 and {p["status"] for p in report["properties"]} == {"incomplete"}
    assert ET.parse(junit).getroot().find("testcase/skipped") is not None


@pytest.mark.parametrize(("signum", "code", "workers"), [(signal.SIGINT, 130, "1"), (signal.SIGTERM, 143, "2")])
def test_a_signal_keeps_the_results_so_far(tmp_path: Path, signum: int, code: int, workers: str) -> None:
    junit = tmp_path / "junit.xml"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "kubeproof", "check", "--profile", "deep", "--workers", workers,
                                "--junit", str(junit), "--traces", str(tmp_path)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stderr.readline()  # the first progress line: the check has begun
    assert first.startswith("kubeproof check ("), first
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert "Traceback" not in err
    assert f"incomplete: interrupted ({signal.Signals(signum).name}) after " in out
    assert ET.parse(junit).getroot().find("testcase/skipped") is not None
