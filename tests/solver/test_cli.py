"""``kubeproof schedule`` and ``kubeproof compare`` through their argument handling."""

import argparse
import json

import pytest
import yaml

from kubeproof import solver_cli


def run(argv, capsys):
    parser = argparse.ArgumentParser(prog="kubeproof")
    solver_cli.register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
        code = args.run(args)
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def files(tmp_path):
    cluster = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": f"n{i}", "labels": {"kubernetes.io/hostname": f"n{i}"}},
         "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "10"}}} for i in range(2)]}
    cluster["items"].append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "old", "namespace": "default"},
                             "spec": {"nodeName": "n0", "containers": [{"name": "c", "image": "app", "resources": {
                                 "requests": {"cpu": "1"}}}]}, "status": {"phase": "Running"}})
    work = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {
        "replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "app", "resources": {"requests": {"cpu": "1"}}}]}}}}
    (tmp_path / "cluster.yaml").write_text(yaml.safe_dump(cluster))
    (tmp_path / "web.yaml").write_text(yaml.safe_dump(work))
    return tmp_path


def test_schedule_prints_the_table_status_and_reasons(files, capsys):
    code, out, _ = run(["schedule", str(files / "web.yaml"), "--cluster", str(files / "cluster.yaml")], capsys)
    assert code == 0
    assert "status: optimal   max-placed: 3 (bound 3)" in out
    assert out.count("<pending>") == 0


def test_schedule_json(files, capsys):
    code, out, _ = run(["schedule", str(files / "web.yaml"), "--cluster", str(files / "cluster.yaml"),
                        "--objective", "min-nodes", "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["status"] == "optimal"
    assert data["objective"] == {"name": "min-nodes", "value": 2, "bound": 2}
    assert len(data["placements"]) == 3 and data["unschedulable"] == {}
    assert isinstance(data["seconds"], float)


@pytest.mark.parametrize("extra, message", [
    (["--objective", "fastest"], "unknown objective 'fastest'"),
    (["--quota-mode", "never"], "invalid choice: 'never'"),
    (["--timeout", "0"], "must be positive"),
])
def test_bad_flags_exit_2(files, capsys, extra, message):
    code, _, err = run(["schedule", str(files / "web.yaml"), "--cluster", str(files / "cluster.yaml"), *extra], capsys)
    assert code == 2 and message in err


def test_bad_manifests_print_one_line_and_exit_2(files, capsys):
    (files / "bad.yaml").write_text("kind: Pod\napiVersion: v1\nmetadata: {name: x}\nspec: {containers: 3}\n")
    code, out, err = run(["schedule", str(files / "bad.yaml"), "--cluster", str(files / "cluster.yaml")], capsys)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "bad.yaml" in err
    code, _, err = run(["schedule", str(files / "web.yaml")], capsys)
    assert code == 2 and "--cluster" in err


def test_compare_writes_the_report(files, tmp_path, capsys):
    out = tmp_path / "report"
    code, stdout, _ = run(["compare", str(files / "web.yaml"), "--cluster", str(files / "cluster.yaml"),
                           "--strategies", "least-allocated,z3-min-nodes", "--timeout", "5", "--out", str(out),
                           "--quiet"], capsys)
    assert code == 0
    assert {p.name for p in out.iterdir()} == {"report.md", "results.csv", "results.json", "summary.png",
                                                "utilisation.png"}
    data = json.loads((out / "results.json").read_text())
    rows = {r["strategy"]: r for r in data["results"]}
    assert rows["z3-min-nodes"]["nodes_used"] == 2 and rows["z3-min-nodes"]["status"] == "optimal"
    assert rows["least-allocated"]["placed"] == 3
    assert "kubeproof compare" in (out / "report.md").read_text()
    assert "z3-min-nodes" in stdout


def test_compare_rejects_unknown_strategies_and_mixed_inputs(files, capsys):
    code, _, err = run(["compare", "--workload", "uniform", "--strategies", "magic"], capsys)
    assert code == 2 and "unknown strategy 'magic'" in err
    code, _, err = run(["compare", "--workload", "uniform", str(files / "web.yaml")], capsys)
    assert code == 2 and "either --workload" in err
