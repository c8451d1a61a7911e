"""``kubeproof check``, ``trace``, ``replay``, ``variants``, ``properties`` and ``bench``: output formats, exit codes
(0 all hold, 1 violation, 2 bad input) and one-line errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kubeproof import bench_workers, check_cli
from kubeproof.cli import EXIT_OK, EXIT_USAGE, EXIT_VIOLATION, main
from properties.registry import all_properties
from properties.variants import NODES, QUOTA_AND_PODS, VARIANTS, variant


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def only_progress(err: str) -> bool:
    """Whether stderr holds nothing but progress lines (``kubeproof.progress``)."""
    return all(line.startswith("kubeproof check (") for line in err.splitlines())


@pytest.fixture
def quota_scenario(tmp_path: Path) -> tuple[Path, Path]:
    """A two-node cluster (``--cluster``) and a namespace quota of one pod with two pods to create."""
    nodes, app = tmp_path / "nodes.yaml", tmp_path / "app.yaml"
    nodes.write_text(NODES)
    app.write_text(QUOTA_AND_PODS)
    return nodes, app


def test_check_json_reports_every_chosen_property(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "check", "--json", "--property", "names-unique", "--property", "node-capacity")
    assert code == EXIT_OK and only_progress(err)
    report = json.loads(out)
    assert {"scenario", "profile", "seed", "runs", "steps", "seconds", "properties", "trace"} <= set(report)
    assert (report["scenario"], report["profile"], report["seed"], report["trace"]) == ("default", "dev", 0, None)
    assert report["runs"] >= 20 and report["steps"] >= report["runs"]
    assert report["properties"] == [{"name": "names-unique", "status": "held", "message": ""},
                                    {"name": "node-capacity", "status": "held", "message": ""}]


def test_a_violation_exits_1_with_a_trace_and_junit(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    quota_scenario: tuple[Path, Path]) -> None:
    nodes, app = quota_scenario
    junit, traces = tmp_path / "junit.xml", tmp_path / "traces"
    code, out, err = cli(capsys, "check", str(app), "--cluster", str(nodes), "--variant", "stale-quota-apiservers",
                         "--property", "quota-never-exceeded", "--property", "names-unique", "--json",
                         "--junit", str(junit), "--traces", str(traces), "--profile", "ci")
    assert code == EXIT_VIOLATION and only_progress(err)
    report = json.loads(out)
    assert report["scenario"] == "app.yaml"
    statuses = {p["name"]: p for p in report["properties"]}
    assert statuses["names-unique"]["status"] == "held"
    assert statuses["quota-never-exceeded"]["status"] == "violated"
    assert "ResourceQuota shop/pods" in statuses["quota-never-exceeded"]["message"]
    saved = Path(report["trace"])
    assert saved.parent == traces and saved.suffix == ".json" and saved.with_suffix(".md").exists()
    assert json.loads(saved.read_text())["property"] == "quota-never-exceeded"
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite" and (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"quota-never-exceeded", "names-unique"}
    failure = cases["quota-never-exceeded"].find("failure")
    assert failure is not None and "ResourceQuota shop/pods" in failure.get("message")
    assert cases["names-unique"].find("failure") is None

    code, out, _ = cli(capsys, "replay", str(saved))
    assert code == EXIT_VIOLATION and out.startswith("reproduced after ")
    fixed = json.loads(saved.read_text())
    fixed["initial"]["config"]["variants"] = []
    saved.write_text(json.dumps(fixed))
    code, out, _ = cli(capsys, "replay", str(saved))
    assert code == EXIT_OK and out.startswith("not reproduced")


def test_check_prints_a_table_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "check", "--property", "names-unique")
    lines = out.splitlines()
    assert code == EXIT_OK and lines[0].split() == ["PROPERTY", "STATUS", "DETAIL"]
    assert lines[1].split() == ["names-unique", "held"]
    assert "runs," in lines[-1] and "steps/s" in lines[-1] and "profile dev, seed 0" in lines[-1]


def test_junit_lists_every_property_when_all_hold(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    names = [p.name for p in all_properties() if p.kind != "liveness"][:4]
    args = [arg for name in names for arg in ("--property", name)]
    code, _, _ = cli(capsys, "check", "--junit", str(junit), *args)
    suite = ET.parse(junit).getroot()
    assert code == EXIT_OK and (suite.get("tests"), suite.get("failures")) == (str(len(names)), "0")
    assert [c.get("name") for c in suite.iter("testcase")] == names


@pytest.mark.parametrize("args, message", [
    (["check", "--property", "nope"], 'unknown property "nope"'),
    (["check", "--variant", "nope"], "unknown variant 'nope'"),
    (["check", "--fault", "nope"], "unknown fault 'nope'"),
    (["trace", "--variant", "nope"], 'unknown variant "nope"'),
    (["bench", "--variant", "nope"], 'unknown variant "nope"'),
    (["replay", "no-such-trace.json"], "cannot read"),
    (["check", "no-such-manifest.yaml"], "no-such-manifest.yaml"),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    code, out, err = cli(capsys, *args)
    assert code == EXIT_USAGE and out == ""
    assert err.count("\n") == 1 and err.startswith("kubeproof: ") and message in err
    assert "Traceback" not in err


def test_variants_and_properties_list_names_and_references(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "variants", "--json")
    listed = json.loads(out)
    assert code == EXIT_OK and [v["name"] for v in listed] == [v.name for v in VARIANTS]
    assert all(v["reference"].startswith("https://") and v["property"] for v in listed)
    code, out, _ = cli(capsys, "properties", "--json")
    listed = json.loads(out)
    assert code == EXIT_OK and [p["name"] for p in listed] == [p.name for p in all_properties()]
    assert all(p["reference"].startswith("https://") and p["kind"] and p["statement"] for p in listed)
    code, out, _ = cli(capsys, "variants")
    assert out.splitlines()[0].split() == ["VARIANT", "BREAKS", "REFERENCE"] and len(out.splitlines()) == \
        len(VARIANTS) + 1


def test_trace_prints_a_counterexample_in_each_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "trace.json"
    code, out, _ = cli(capsys, "trace", "--variant", "stale-quota-apiservers", "--format", "json", "-o", str(output))
    data = json.loads(output.read_text())
    assert code == EXIT_VIOLATION and out == f"wrote {output} ({len(data['steps'])} steps)\n"
    assert (data["variant"], data["property"]) == ("stale-quota-apiservers", "quota-never-exceeded")
    code, out, _ = cli(capsys, "trace", "--variant", "stale-quota-apiservers")
    assert code == EXIT_VIOLATION and out.startswith("# Counterexample: quota-never-exceeded")
    code, out, _ = cli(capsys, "trace", "--variant", "stale-quota-apiservers", "--format", "kubectl")
    assert code == EXIT_VIOLATION and out.startswith("# Initial objects: apply the scenario's manifests\n")
    assert out.count("# cluster: ") == len(data["steps"])  # the steps are the cluster's own (no user command)


def test_bench_measures_a_variant() -> None:
    figures = check_cli._bench_variant(variant("stale-quota-apiservers"), 0)
    assert figures["found"] and figures["property"] == "quota-never-exceeded"
    # Both searches are timed; the one with shrinking reuses the scenario's cached start, so it may be the faster.
    assert figures["runs_to_first"] >= 1 and figures["first_cpu_seconds"] > 0 and figures["shrunk_cpu_seconds"] > 0
    assert 1 <= figures["trace_actions"] <= check_cli.TARGETS["trace_actions"]


def _report(steps_per_second: float, firsts: list[float], actions: list[int | None]) -> dict:
    row = {"runs": 20, "steps": 1000, "cpu_seconds": 1.0, "wall_seconds": 1.1, "steps_per_second": steps_per_second,
           "violation": None}
    variants = [{"variant": f"v{i}", "property": "p", "found": n is not None, "runs_to_first": 3,
                 "first_cpu_seconds": s, "first_wall_seconds": s, "shrunk_cpu_seconds": s + 1,
                 "shrunk_wall_seconds": s + 1, "trace_actions": n}
                for i, (s, n) in enumerate(zip(firsts, actions, strict=True))]
    report = {"environment": {"date": "2026-01-01 00:00", "python": "3.11", "hypothesis": "6", "platform": "Linux",
                              "cpus": 1, "load_average": "0.00 0.00 0.00"}, "targets": check_cli.TARGETS,
              "steps": {"scenario": "default", "profile": "dev", "seeds": [0, 2], "repeat": 2, "properties": 19,
                        "runs": {"exploration": {**row, "passes_steps_per_second": [steps_per_second, 700.0]},
                                 "convergence": row, "exploration+convergence": row}},
              "variants_seed": 0, "variants": variants}
    report["targets_met"] = check_cli._verdicts(report)
    return report


def test_bench_judges_the_targets() -> None:
    good = _report(1200, [0.5, 2.0, 30.0], [4, 15, 9])
    assert good["targets_met"] == {"steps_per_second": True, "variant_seconds": True, "variant_median_seconds": True,
                                   "trace_actions": True, "exploration_steps_per_second": False,
                                   "convergence_steps_per_second": False, "workers_ci_wall_seconds": None}
    slow = _report(999, [0.5, 12.0, 61.0], [4, 16, None])
    assert slow["targets_met"] == {"steps_per_second": False, "variant_seconds": False,
                                   "variant_median_seconds": False, "trace_actions": False,
                                   "exploration_steps_per_second": False, "convergence_steps_per_second": False,
                                   "workers_ci_wall_seconds": None}
    fast = _report(3000, [0.5], [4])
    assert fast["targets_met"]["exploration_steps_per_second"] and fast["targets_met"]["convergence_steps_per_second"]


def test_bench_judges_the_workers_target_on_two_workers_only() -> None:
    def section(profile: str, wall: float, workers: int = 2) -> dict:
        rows = [{"workers": 1, "wall_seconds": 2 * wall}, {"workers": workers, "wall_seconds": wall}]
        return {"profile": profile, "rows": rows}

    assert bench_workers.met(section("ci", 59.0)) is True
    assert bench_workers.met(section("ci", 61.0)) is False
    assert bench_workers.met(section("dev", 10.0)) is None and bench_workers.met(section("ci", 10.0, 4)) is None


def test_bench_markdown_shows_the_figures_and_verdicts() -> None:
    text = check_cli._bench_markdown(_report(1200, [0.5, 12.0, 14.0], [4, None, 6]))
    assert text.startswith("# Exploration benchmark\n")
    assert "| exploration (users, components, every property after every step) | 20 | 1000 | 1.0 | 1200 | 1.1 |" \
        in text
    assert "| `v0` | p | 3 | 0.5 | 1.5 | 4 |" in text and "| `v1` | p | 3 | not found (12.0) | 13.0 | - |" in text
    assert "at least 1,000 steps/s of exploration: met" in text
    assert "the fastest of 2 passes (all passes: 1200, 700 steps/s)" in text
    assert "median under 10 s (12.00 s): **missed**" in text


def test_bench_shows_the_workers_speed_up() -> None:
    rows = [{"workers": 1, "runs": 100, "steps": 9000, "wall_seconds": 80.0, "cpu_seconds": 79.0, "speed_up": 1.0,
             "speed_up_per_worker": 1.0},
            {"workers": 2, "runs": 100, "steps": 9000, "wall_seconds": 42.0, "cpu_seconds": 81.0, "speed_up": 1.9,
             "speed_up_per_worker": 0.95}]
    text = "\n".join(bench_workers.markdown({"profile": "ci", "seed": 0, "rows": rows, "identical": True}, "1.00"))
    assert "| 2 | 100 | 9000 | 42.0 | 81.0 | 1.9 | 0.95 |" in text and "worker counts: yes" in text
    assert "within 60 s wall with 2 workers: met" in text and "load average was 1.00" in text
