"""``kubeproof explain``: per-node filter verdicts and per-plugin scores for a pod against a cluster snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubeproof.cli import main
from model.examples import DIRECTORY

CLUSTER = str(DIRECTORY / "cluster.yaml")
WORKLOADS = str(DIRECTORY / "workloads.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explains_the_first_workload_template(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", WORKLOADS, "--cluster", CLUSTER)
    assert code == 0
    assert "Scheduling a pod of Deployment prod/web" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith(("cp-1", "worker", "gpu"))}
    # The control-plane and GPU nodes carry NoSchedule taints the web pods do not tolerate.
    assert rows["cp-1"][1] == "no" and rows["gpu-1"][1] == "no"
    assert all(rows[n][1] == "yes" for n in ("worker-1", "worker-2", "worker-3"))
    assert "TaintToleration: node(s) had untolerated taint(s)" in out
    # worker-1 and worker-2 are identical and empty, so they tie; worker-3 is smaller and scores lower.
    assert "chosen: worker-1 or worker-2" in out or "chosen: worker-2 or worker-1" in out
    assert int(rows["worker-3"][-1]) < int(rows["worker-1"][-1]) == int(rows["worker-2"][-1])


def test_a_pod_that_fits_nowhere_shows_the_fit_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pod = tmp_path / "big.yaml"
    pod.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: big, namespace: dev}\nspec:\n"
                   "  containers: [{name: c, image: x, resources: {requests: {cpu: '64'}}}]\n")
    code, out, _ = run(capsys, "explain", str(pod), "--cluster", CLUSTER)
    assert code == 0
    assert "unschedulable: 0/5 nodes are available:" in out
    assert "Insufficient cpu" in out


def test_unknown_pod_name_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "dev/missing", "--cluster", CLUSTER)
    assert code == 2
    assert err.strip() == ("kubeproof: dev/missing: no such file, nor a pod of that namespace/name in the cluster "
                           "snapshot")


def test_a_bad_profile_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    profile = tmp_path / "sched.yaml"
    profile.write_text("apiVersion: kubescheduler.config.k8s.io/v1beta2\nkind: KubeSchedulerConfiguration\n")
    code, _, err = run(capsys, "explain", WORKLOADS, "--cluster", CLUSTER, "--profile", str(profile))
    assert code == 2
    assert err.startswith(f"kubeproof: {profile}: ") and "apiVersion" in err and len(err.strip().splitlines()) == 1


def test_most_allocated_profile_changes_the_scores(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    profile = tmp_path / "binpack.yaml"
    profile.write_text("""apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated, resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]}}
""")
    code, out, _ = run(capsys, "explain", WORKLOADS, "--cluster", CLUSTER, "--profile", str(profile))
    assert code == 0
    fit_column = {line.split()[0]: int(line.split()[4]) for line in out.splitlines() if line.startswith("worker")}
    # MostAllocated favours the smaller node, which the pod fills more.
    assert fit_column["worker-3"] > fit_column["worker-1"]
