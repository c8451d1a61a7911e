"""Issue 18 at the command line: hostile input, vacuous checks, unwritable outputs and bad numbers each get one line
on stderr and exit 2, before any long work starts; never a traceback, a hang or a misleading exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubeproof.cli import EXIT_OK, EXIT_USAGE, main
from properties.variants import NODES

BOMB = "\n".join(['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] +
                 [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 30)]) + "\n"
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers: [{name: app, image: nginx, resources: {requests: {cpu: 100m}}}]
"""


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as e:  # argparse's parse errors
        code = e.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    """The one line a command printed on stderr, besides ``check``'s progress lines (``kubeproof.progress``)."""
    err = "".join(line for line in err.splitlines(keepends=True) if not line.startswith("kubeproof check ("))
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"bomb": tmp_path / "bomb.yaml", "nodes": tmp_path / "nodes.yaml", "pod": tmp_path / "pod.yaml",
             "empty": tmp_path / "empty.yaml", "folder": tmp_path / "folder"}
    paths["bomb"].write_text(BOMB)
    paths["nodes"].write_text(NODES)
    paths["pod"].write_text(POD)
    paths["empty"].write_text("")
    paths["folder"].mkdir()
    return paths


@pytest.mark.parametrize("command", [
    ["validate", "{bomb}"], ["simulate", "{bomb}"], ["check", "{bomb}", "--cluster", "{nodes}"],
    ["check", "--cluster", "{bomb}", "{pod}"], ["explain", "{bomb}", "--cluster", "{nodes}"],
    ["explain", "{pod}", "--cluster", "{bomb}"], ["schedule", "{bomb}", "--cluster", "{nodes}"],
    ["explain", "{pod}", "--cluster", "{nodes}", "--scheduler-config", "{bomb}"],
])
def test_an_alias_bomb_is_refused_by_every_command(capsys: pytest.CaptureFixture[str], files: dict[str, Path],
                                                   command: list[str]) -> None:
    code, out, err = cli(capsys, *[arg.format(**files) for arg in command])
    assert code == EXIT_USAGE and out == ""
    assert one_line(err) == f"kubeproof: {files['bomb']} doc 1: excessive aliasing (YAML anchors and aliases expand " \
                            "too much)"


@pytest.mark.parametrize(("args", "reason"), [
    (["{empty}"], "no manifests were loaded"),
    (["{folder}"], "no manifests were loaded"),
    (["{pod}"], "no nodes: the 1 workload(s) have nowhere to run"),
    (["--cluster", "{nodes}"], "no workloads"),
])
def test_vacuous_checks_exit_2_unless_allowed(capsys: pytest.CaptureFixture[str], files: dict[str, Path],
                                              args: list[str], reason: str) -> None:
    code, out, err = cli(capsys, "check", *[a.format(**files) for a in args])
    assert code == EXIT_USAGE and out == ""
    assert one_line(err).startswith(f"kubeproof: vacuous check: {reason}")
    assert "--allow-vacuous" in err


def test_allow_vacuous_runs_and_says_so(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, out, err = cli(capsys, "check", str(files["pod"]), "--allow-vacuous", "--property", "names-unique")
    assert code == EXIT_OK and "names-unique" in out
    assert "note: vacuous check: no nodes" in err


@pytest.mark.parametrize(("args", "message"), [
    (["check", "--junit", "{folder}"], "--junit {folder}: is a directory, expected a file"),
    (["check", "--traces", "{pod}"], "--traces {pod}: {pod} is a file, not a directory"),
    (["check", "--traces", "{pod}/sub"], "--traces {pod}/sub: {pod} is a file, not a directory"),
    (["trace", "--variant", "stale-quota-apiservers", "-o", "{folder}"],
     "-o {folder}: is a directory, expected a file"),
    (["bench", "--output-dir", "{pod}"], "--output-dir {pod}: {pod} is a file, not a directory"),
    (["compare", "--workload", "uniform", "--out", "{pod}"], "--out {pod}: {pod} is a file, not a directory"),
])
def test_output_paths_are_checked_before_the_run(capsys: pytest.CaptureFixture[str], files: dict[str, Path],
                                                 args: list[str], message: str) -> None:
    code, out, err = cli(capsys, *[a.format(**files) for a in args])
    assert code == EXIT_USAGE and out == ""
    assert one_line(err) == f"kubeproof: {message.format(**files)}"


@pytest.mark.parametrize(("args", "message"), [
    (["bench", "--repeat", "0"], "kubeproof bench: error: argument --repeat: must be at least 1, got 0"),
    (["bench", "--seeds", "0"], "kubeproof bench: error: argument --seeds: must be at least 1, got 0"),
    (["simulate", "--steps", "-5"], "kubeproof simulate: error: argument --steps: must be 0 or more, got -5"),
    (["simulate", "--steps", "ten"], "kubeproof simulate: error: argument --steps: expected an integer, got 'ten'"),
])
def test_bad_numbers_are_refused_at_parse_time(capsys: pytest.CaptureFixture[str], args: list[str],
                                               message: str) -> None:
    code, out, err = cli(capsys, *args)
    assert code == EXIT_USAGE and out == ""
    assert one_line(err).startswith(message)


SNAPSHOT_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: coredns-abc
  namespace: kube-system
  uid: u-p1
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: coredns-5d, uid: u-rs1, controller: true}]
spec: {nodeName: node-a, containers: [{name: coredns, image: coredns}]}
"""


@pytest.mark.parametrize("order", ["cluster-first", "manifests-first"])
def test_cluster_takes_one_path_and_manifests_go_either_side(capsys: pytest.CaptureFixture[str],
                                                             files: dict[str, Path], order: str) -> None:
    """``check --cluster snap.yaml web.yaml`` made the workload part of the cluster (nargs="+") and ``explain
    --cluster snap.yaml pod.yaml`` failed; now --cluster takes one path, repeatable, in any position."""
    snapshot = files["folder"] / "snapshot.yaml"
    snapshot.write_text(SNAPSHOT_POD)
    cluster = ["--cluster", str(files["nodes"]), "--cluster", str(snapshot)]
    args = [*cluster, str(files["pod"])] if order == "cluster-first" else [str(files["pod"]), *cluster]
    code, out, err = cli(capsys, "check", *args, "--property", "names-unique", "--json")
    assert code == EXIT_OK and '"scenario": "pod.yaml"' in out
    assert one_line(err).startswith("kubeproof: warning: 1 object(s) name owners missing from the snapshot: Pod "
                                    "kube-system/coredns-abc (owner ReplicaSet coredns-5d)")
    code, out, _ = cli(capsys, "explain", *args)
    assert code == EXIT_OK and out.startswith("Scheduling pod default/web")


def test_validate_option_as_kubectl(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    typo = tmp_path / "typo.yaml"
    typo.write_text(POD.replace("containers:", "nodeSelecter: {disk: ssd}\n  containers:"))
    code, _, err = cli(capsys, "validate", str(typo))
    assert code == EXIT_USAGE and one_line(err) == f"kubeproof: {typo} doc 1: spec.nodeSelecter: unknown field"
    code, out, err = cli(capsys, "validate", "--validate=warn", str(typo))
    assert code == EXIT_OK and one_line(err) == f"Warning: {typo} doc 1: spec.nodeSelecter: unknown field"
    code, out, err = cli(capsys, "validate", str(typo), "--validate", "false")
    assert code == EXIT_OK and err == ""


def test_a_mistyped_path_is_no_such_file(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, _, err = cli(capsys, "explain", "prod/web.yaml", "--cluster", str(files["nodes"]))
    assert code == EXIT_USAGE and one_line(err) == "kubeproof: prod/web.yaml: no such file or directory"
    code, _, err = cli(capsys, "explain", "prod/web", "--cluster", str(files["nodes"]))
    assert code == EXIT_USAGE and "no such file, nor a pod of that namespace/name" in one_line(err)


def test_scheduler_config_option_and_its_deprecated_alias(capsys: pytest.CaptureFixture[str],
                                                          files: dict[str, Path]) -> None:
    for option in ("--scheduler-config", "--profile"):
        code, _, err = cli(capsys, "explain", str(files["pod"]), "--cluster", str(files["nodes"]), option,
                           str(files["folder"] / "none.yaml"))
        assert code == EXIT_USAGE and one_line(err).endswith("none.yaml: No such file or directory")


def subcommands() -> dict:
    from kubeproof.cli import build_parser
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.choices and isinstance(a.choices, dict)]
    return sub.choices


def test_every_option_has_help_and_every_command_states_its_exit_codes() -> None:
    for name, command in subcommands().items():
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
        assert command.epilog and command.epilog.startswith("exit codes: "), name
        assert " 2 " in command.epilog or name in ("variants", "properties"), name


def test_broken_scheduler_config_and_deep_trace_json_are_one_line(capsys: pytest.CaptureFixture[str],
                                                                  files: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "config.yaml"
    broken.write_text("profiles: [\n")
    code, _, err = cli(capsys, "explain", str(files["pod"]), "--cluster", str(files["nodes"]), "--scheduler-config",
                       str(broken))
    assert code == EXIT_USAGE and one_line(err).startswith(f"kubeproof: {broken} doc 1: invalid YAML at line 2")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = cli(capsys, "replay", str(deep))
    assert code == EXIT_USAGE and one_line(err) == f"kubeproof: {deep}: not a trace (JSON nested too deeply)"
