"""properties.trace: a counterexample round-trips through JSON, ``replay`` reproduces it exactly (and stops
reproducing once the bug variant is switched off), and it renders as Markdown and as kubectl commands."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

import pytest
import yaml

from model.errors import ManifestError
from model.faults import RestartController, WatchReconnect
from properties import trace
from properties.check import PROFILES, run
from properties.registry import all_properties, by_name
from properties.variants import variant


@cache
def found(name: str) -> str:
    """The shrunk counterexample the ci profile finds for a variant, as JSON text."""
    chosen = variant(name)
    scenario = chosen.scenario()
    result = run(scenario, by_name([chosen.property]), PROFILES["ci"], 0)
    assert result.violation is not None
    return json.dumps(trace.to_json(result.violation, scenario, 0, chosen.name))


def counterexample(name: str = "deployment-ignores-max-unavailable") -> dict:
    return json.loads(found(name))


def test_the_trace_json_has_the_documented_keys() -> None:
    data = counterexample()
    assert {"variant", "property", "message", "seed", "initial", "steps"} <= set(data)
    assert data["variant"] == "deployment-ignores-max-unavailable"
    assert data["property"] == "deployment-keeps-min-available" and data["seed"] == 0
    assert data["message"].startswith("Deployment shop/web scaled its ReplicaSets down")
    assert data["initial"]["config"] == {"faults": [], "variants": ["deployment-ignores-max-unavailable"]}
    assert {m["kind"] for m in data["initial"]["manifests"]} >= {"Node", "Namespace", "Deployment"}
    for step in data["steps"]:
        assert {"action", "description", "responses", "changed"} <= set(step)
        assert isinstance(step["action"]["type"], str)
        for change in step["changed"]:
            assert change["event"] in ("ADDED", "MODIFIED", "DELETED") and int(change["resourceVersion"]) > 0
    assert any(c["kind"] == "ReplicaSet" for s in data["steps"] for c in s["changed"])


def test_actions_decode_to_what_was_encoded() -> None:
    chosen = variant("deployment-ignores-max-unavailable")
    result = run(chosen.scenario(), by_name([chosen.property]), PROFILES["ci"], 0)
    for transition, step in zip(result.violation.transitions, counterexample()["steps"], strict=True):
        assert trace.decode_value(json.loads(json.dumps(step["action"]))) == transition.action


@pytest.mark.parametrize("name", ["deployment-ignores-max-unavailable", "stale-quota-apiservers"])
def test_replay_reproduces_the_violation_and_stops_once_the_variant_is_off(name: str) -> None:
    data = counterexample(name)
    outcome = trace.replay(data, all_properties())
    assert outcome.reproduced and outcome.steps_run == len(data["steps"])
    assert data["message"] in outcome.message
    fixed = copy.deepcopy(data)
    fixed["initial"]["config"]["variants"] = []
    outcome = trace.replay(fixed, all_properties())
    assert not outcome.reproduced and outcome.steps_run == len(data["steps"])


def test_a_replay_that_breaks_another_property_does_not_count_as_reproduced() -> None:
    data = counterexample("stale-quota-apiservers")
    data["property"] = "node-capacity"
    assert not trace.replay(data, all_properties()).reproduced


def test_markdown_has_one_row_per_step() -> None:
    data = counterexample()
    text = trace.to_markdown(data)
    assert text.startswith("# Counterexample: deployment-keeps-min-available\n")
    assert "Bug variant: `deployment-ignores-max-unavailable`" in text and data["message"] in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    assert len(rows) == len(data["steps"])
    assert rows[0].startswith("| 1 | kubernetes-admin sends Update | OK; ~Deployment shop/web")


def test_kubectl_export_replays_the_user_s_commands_and_comments_the_cluster_s_steps() -> None:
    data = counterexample()
    text = trace.to_kubectl(data)
    heredocs = text.split("<<'EOF'\n")[1:]
    applied = list(yaml.safe_load_all(heredocs[0].split("\nEOF")[0]))
    assert applied == data["initial"]["manifests"]
    replaced = yaml.safe_load(heredocs[1].split("\nEOF")[0])
    assert replaced["kind"] == "Deployment" and replaced["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "shop/web:v2"
    assert text.count("kubectl replace -f -") == 1
    cluster_steps = [s for s in data["steps"] if s["action"]["type"] != "Submit"]
    assert text.count("# cluster: ") == len(cluster_steps)


def test_loading_rejects_what_is_not_a_trace(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read"):
        trace.load(str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ManifestError, match="invalid JSON"):
        trace.load(str(broken))
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"property": "x", "initial": {}}))
    with pytest.raises(ManifestError, match="missing steps"):
        trace.load(str(partial))
    whole = tmp_path / "whole.json"
    whole.write_text(found("stale-quota-apiservers"))
    assert trace.load(str(whole)) == counterexample("stale-quota-apiservers")


def test_fault_actions_survive_the_json_round_trip() -> None:
    for action in (RestartController("replicaset-controller"), WatchReconnect("kubelet/node-a")):
        assert trace.decode_value(json.loads(json.dumps(trace.encode_value(action)))) == action


def test_kubectl_export_force_deletes_and_waits_for_a_settled_start() -> None:
    data = counterexample("force-delete-partitioned")
    text = trace.to_kubectl(data)
    assert data["initial"]["settled"] and "# Wait until the workloads are up" in text
    forced = [s for s in data["steps"] if s["action"]["type"] == "ForceDeletePod"]
    assert forced and text.count("kubectl delete pod db-0 -n shop --grace-period=0 --force") == len(forced)
    assert text.count("# cluster: ") == len(data["steps"]) - len(forced)
