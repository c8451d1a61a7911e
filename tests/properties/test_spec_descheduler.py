"""A CheckSpec's ``deschedulerPolicy`` (properties.spec): validated with the spec (one line naming the spec file and
the field), and the descheduler runs with it on manifests that hold no policy of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from model.descheduler import component as descheduler
from model.errors import ManifestError
from model.examples.kivi import DIRECTORY
from model.manifests import load
from properties.explore import Scenario
from properties.spec import parse_spec, scenario_for

CASE = DIRECTORY / "c5-remove-duplicates"


def _policy() -> dict:
    return next(d for d in yaml.safe_load((CASE / "violated.yaml").read_text())["items"]
                if d["kind"] == "DeschedulerPolicy")


def _spec(policy: object) -> dict:
    return {"apiVersion": "kubeproof.dev/v1alpha1", "kind": "CheckSpec", "userActions": False,
            "deschedulerPolicy": policy}


def test_the_spec_policy_starts_the_descheduler(tmp_path: Path) -> None:
    manifests = [o for o in load([CASE / "violated.yaml"]) if o.kind != "DeschedulerPolicy"]
    without = Scenario("no-policy", tuple(manifests))
    assert descheduler.policy(without.initial()) is None
    scenario = scenario_for(without, parse_spec(_spec(_policy()), "spec.yaml"))
    policy = descheduler.policy(scenario.initial())
    assert policy is not None and policy.profiles[0].balance == ("RemoveDuplicates",) and policy.interval == 120


@pytest.mark.parametrize(("policy", "line"), [
    ({"apiVersion": "descheduler/v1alpha2"}, "spec.yaml: deschedulerPolicy.kind: Unsupported value"),
    ({**_policy(), "profiles": [{"name": "p", "pluginConfig": [{"name": "DefaultEvictor", "args": {"nodeFit": 1}}]}]},
     "spec.yaml: deschedulerPolicy.profiles[0].pluginConfig[0].args.nodeFit: expected true or false, got number"),
])
def test_a_bad_policy_is_one_line(policy: dict, line: str) -> None:
    with pytest.raises(ManifestError) as error:
        parse_spec(_spec(policy), "spec.yaml")
    assert str(error.value).startswith(line)
