"""``kubeproof explore``: verdicts, JSON, exit codes (0 held or incomplete, 1 violated, 2 bad input), traces that
``kubeproof replay`` reproduces, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubeproof.cli import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, main
from model.examples.intents import DIRECTORY
from properties.variants import NODES


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_variant_is_violated_with_a_shortest_trace_that_replays(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    code, out, err = cli(capsys, "explore", "--variant", "stale-quota-apiservers", "--json", "--traces", str(tmp_path))
    assert (code, err) == (EXIT_VIOLATION, "")
    report = json.loads(out)
    assert report["status"] == "violated" and report["property"] == "quota-never-exceeded"
    assert report["trace_steps"] == 2 and report["loop_start"] is None and not report["exhausted"]
    assert Path(report["trace"]).exists() and Path(report["trace"]).with_suffix(".md").exists()
    code, out, _ = cli(capsys, "replay", report["trace"])
    assert code == EXIT_VIOLATION and out.startswith("reproduced after 2 steps")


def test_a_quiet_cluster_is_held_with_the_scope_exhausted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text(NODES)
    code, out, err = cli(capsys, "explore", str(nodes), "--clock", "frozen", "--users", "0", "--traces", str(tmp_path))
    assert (code, err) == (EXIT_OK, "")
    assert "held within scope" in out and "exhausted        yes" in out


def test_a_bound_gives_an_incomplete_verdict_naming_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = cli(capsys, "explore", "--variant", "replicaset-no-expectations", "--max-depth", "2",
                       "--no-liveness", "--json", "--traces", str(tmp_path))
    report = json.loads(out)
    assert code == EXIT_OK and report["status"] == "incomplete" and report["bound"] == "depth"
    assert report["depth"] == 2 and report["states"] > 1


@pytest.mark.parametrize("args, message", [
    (["--max-states", "-1"], "--max-states must not be negative"),
    (["--fault", "meteor"], "unknown fault 'meteor'"),
    (["--property", "nope"], 'unknown property "nope"'),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = cli(capsys, "explore", *args)
    assert code == EXIT_USAGE and out == "" and message in err and err.count("\n") == 1


def test_a_budget_in_the_manifests_is_an_intent_explore_checks(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    """As ``check`` does, ``explore`` turns a PodDisruptionBudget into its MinAvailable intent: a crash during a drain
    breaks a budget of one (model/examples/intents/budget); the trace replays with the intent rebuilt."""
    case = DIRECTORY / "budget"
    code, out, _ = cli(capsys, "explore", str(case / "violated.yaml"), "--spec", str(case / "spec.yaml"),
                       "--no-liveness", "--max-depth", "3", "--json", "--traces", str(tmp_path))
    report = json.loads(out)
    assert code == EXIT_VIOLATION and report["property"] == "pdb-prod-web" and report["trace_steps"] == 3
    code, out, _ = cli(capsys, "replay", report["trace"])
    assert code == EXIT_VIOLATION and out.startswith("reproduced after 3 steps")
