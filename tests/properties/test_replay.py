"""properties.replay and ``kubeproof replay``'s exit codes: 1 when the violation reproduces, 0 when it does not, 2
(one line naming the file and the field or step) for a trace that is malformed or no longer applies, never a
traceback. Issue 18: a corrupt trace exited 1 (a live bug, to CI) and one with an unknown variant, component,
property or another scenario's steps exited 0 (fixed)."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubeproof.cli import main
from properties import trace
from properties.check import PROFILES, run
from properties.registry import by_name
from properties.variants import variant


@cache
def found(name: str) -> str:
    chosen = variant(name)
    scenario = chosen.scenario()
    result = run(scenario, by_name([chosen.property]), PROFILES["ci"], 0)
    assert result.violation is not None
    return json.dumps(trace.to_json(result.violation, scenario, 0, chosen.name))


def counterexample(name: str = "replicaset-no-expectations") -> dict:
    return json.loads(found(name))


def replay_exit(tmp_path: Path, data: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    code = main(["replay", str(path)])
    captured = capsys.readouterr()
    return code, captured.err.strip() or captured.out.strip()


def test_reproduces_exits_1_and_fixed_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = counterexample()
    assert replay_exit(tmp_path, data, capsys)[0] == 1
    data["initial"]["config"]["variants"] = []
    code, text = replay_exit(tmp_path, data, capsys)
    assert code == 0 and text.startswith("not reproduced")


def edit(path: str, value: Any = None, *, delete: bool = False) -> Callable[[dict], None]:
    """Set (or delete) the value at a dotted path with ``[i]`` indexes."""
    def apply(data: dict) -> None:
        parts = [int(p) if p.isdigit() else p for p in path.replace("[", ".").replace("]", "").split(".")]
        parent = data
        for part in parts[:-1]:
            parent = parent[part]
        if delete:
            del parent[parts[-1]]
        else:
            parent[parts[-1]] = value
    return apply


def swap_steps(data: dict) -> None:
    """Steps recorded on another scenario (the stale-quota one) replayed on this trace's initial state."""
    data["steps"] = counterexample("stale-quota-apiservers")["steps"]


@pytest.mark.parametrize(("change", "expected"), [
    (edit("initial.config", delete=True), "t.json: initial.config: Required value"),
    (edit("steps", "abc"), "t.json: steps: expected an array, got string"),
    (edit("steps[0].action", delete=True), "t.json: steps[0].action: Required value"),
    (edit("extra", 1), 't.json: unknown field "extra"'),
    (edit("steps[1].note", 1), 't.json: steps[1]: unknown field "note"'),
    (edit("schema", 2), "t.json: schema: unsupported trace schema 2 (this kubeproof reads schema 1)"),
    (edit("variant", "no-such-bug"), 't.json: variant: unknown variant "no-such-bug" (see `kubeproof variants`)'),
    (edit("initial.config.variants", ["no-such-bug"]), 't.json: initial.config.variants[0]: unknown variant '
                                                         '"no-such-bug"'),
    (edit("initial.config.faults", ["meteor"]), 't.json: initial.config.faults[0]: unknown fault "meteor"'),
    (edit("property", "no-such-property"), 't.json: property: unknown property "no-such-property"'),
    (edit("steps[1].action.type", "Teleport"), "t.json: steps[1].action.type: unknown action type 'Teleport'"),
    (edit("steps[1].action.component", "no-such-component"), "t.json: steps[1].action: the trace no longer "
                                                              "applies: step 2 (watch event delivered to "
                                                              "no-such-component)"),
    (edit("steps[1].action.component", 7), "t.json: steps[1].action.component: expected str, got number"),
    (edit("steps[2].action.bogus", 1), 't.json: steps[2].action: unknown field "bogus" of Reconcile'),
    (edit("initial.manifests[0].spec.taints", "x"), "t.json: initial.manifests[0].spec.taints: expected an "
                                                    "array, got string"),
    (swap_steps, "t.json: steps[1].action: the trace no longer applies: step 2"),
    (edit("lasso", {"loop_start": 99}), "t.json: lasso.loop_start: Invalid value: 99: must be a step index below 5"),
    (edit("minimal", "no"), "t.json: minimal: expected a boolean, got string"),
    (edit("initial.userActions", 1), "t.json: initial.userActions: expected a boolean, got number"),
])
def test_malformed_or_stale_traces_exit_2_naming_file_and_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Callable[[dict], None], expected: str) -> None:
    data = counterexample()
    change(data)
    code, text = replay_exit(tmp_path, data, capsys)
    assert code == 2, text
    assert text.startswith(f"kubeproof: {tmp_path / expected}"), text
    assert "\n" not in text and "Traceback" not in text


def test_fields_other_writers_add_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``minimal`` (shrinking stopped early) and a user's spec in ``initial`` are part of the schema."""
    data = counterexample()
    data["minimal"] = False
    data["initial"]["spec"] = {"apiVersion": "kubeproof.dev/v1alpha1", "kind": "CheckSpec", "intents": []}
    assert replay_exit(tmp_path, data, capsys)[0] == 1


def test_a_missing_trace_file_is_no_such_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "none.json")]) == 2
    assert "No such file or directory" in capsys.readouterr().err


JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5)),
                           lambda c: st.one_of(st.lists(c, max_size=2), st.dictionaries(st.text(max_size=5), c,
                                                                                        max_size=2)), max_leaves=5)


def paths_in(value: Any, prefix: tuple = ()) -> list[tuple]:
    found_paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found_paths += paths_in(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found_paths += paths_in(child, (*prefix, i))
    return found_paths


FUZZ_EXAMPLES = int(os.environ.get("KUBEPROOF_FUZZ_EXAMPLES", "25"))
"""Examples of the replay fuzz test (25 in the default run; set KUBEPROOF_FUZZ_EXAMPLES for a deeper search)."""


def test_fuzzed_traces_exit_0_1_or_2_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Replace, delete or add values anywhere in a real trace (manifests and actions included): replay answers
    with an exit code and one line, whatever the damage."""
    names = ["replicaset-no-expectations", "stale-quota-apiservers"]
    seeds = [counterexample(name) for name in names]  # found outside the fuzzed function (no nested search)

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(seeds), st.data())
    def fuzz(seed: dict, data: st.DataObject) -> None:
        doc = copy.deepcopy(seed)
        for _ in range(data.draw(st.integers(1, 3))):
            path = data.draw(st.sampled_from([p for p in paths_in(doc) if p]))
            *parents, last = path
            parent = doc
            for step in parents:
                parent = parent[step]
            action = data.draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[last] = data.draw(JSON_VALUES)
            elif action == "delete":
                del parent[last]
            elif isinstance(parent[last], dict):
                parent[last][data.draw(st.sampled_from(["type", "name", "x", "manifest", "user"]))] = \
                    data.draw(JSON_VALUES)
        code, text = replay_exit(tmp_path, doc, capsys)
        assert code in (0, 1, 2)
        assert "Traceback" not in text
        if code == 2:
            assert text.startswith(f"kubeproof: {tmp_path / 't.json'}") and "\n" not in text

    fuzz()
