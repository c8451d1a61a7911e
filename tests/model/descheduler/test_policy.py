"""Reading a DeschedulerPolicy (model.descheduler.policy): defaults as upstream's policyconfig.go and each plugin's
defaults.go set them, and one located error per mistake, as each plugin's validation.go (and validation_test.go)
refuses it; through ``kubeproof validate`` a bad policy is one line naming file, document and field, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from model.descheduler.plugins import EvictorArgs
from model.descheduler.policy import DEFAULT_INTERVAL, parse_policy
from model.errors import ManifestError
from model.manifests import load_text


def policy(profile: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    profiles = [] if profile is None else [{"name": "p", **profile}]
    return {"apiVersion": "descheduler/v1alpha2", "kind": "DeschedulerPolicy", "profiles": profiles, **top}


def duplicates(**evictor: Any) -> dict[str, Any]:
    return {"pluginConfig": [{"name": "DefaultEvictor", "args": evictor}, {"name": "RemoveDuplicates"}],
            "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}


def test_defaults() -> None:
    spread = "RemovePodsViolatingTopologySpreadConstraint"
    parsed = parse_policy(policy({"pluginConfig": [{"name": spread}], "plugins": {"balance": {"enabled": [spread]}}}))
    profile = parsed.profiles[0]
    assert profile.balance == ("RemovePodsViolatingTopologySpreadConstraint",) and profile.deschedule == ()
    assert dict(profile.plugin_args("RemovePodsViolatingTopologySpreadConstraint")) == {
        "constraints": ("DoNotSchedule",), "topologyBalanceNodeFit": True}
    assert profile.evictor == EvictorArgs()  # setDefaultEvictor: every protection on
    assert parsed.interval == DEFAULT_INTERVAL == 300


def test_evictor_args_and_protections() -> None:
    assert parse_policy(policy(duplicates(evictLocalStoragePods=True, nodeFit=True))).profiles[0].evictor == \
        EvictorArgs(evict_local_storage_pods=True, node_fit=True)
    protections = {"defaultDisabled": ["DaemonSetPods", "SystemCriticalPods"], "extraEnabled": ["PodsWithPVC"]}
    assert parse_policy(policy(duplicates(podProtections=protections))).profiles[0].evictor == \
        EvictorArgs(evict_daemon_set_pods=True, evict_system_critical_pods=True, ignore_pvc_pods=True)
    assert parse_policy(policy(duplicates(priorityThreshold={"value": 1000}))).profiles[0].evictor == \
        EvictorArgs(priority_threshold=1000)


def test_interval_from_the_annotation() -> None:
    for text, seconds in (("5m", 300), ("90s", 90), ("1h30m", 5400), ("0", 0), (45, 45)):
        doc = policy(metadata={"annotations": {"kubeproof.io/descheduling-interval": text}})
        assert parse_policy(doc).interval == seconds


@pytest.mark.parametrize(("doc", "field", "message"), [
    (policy(apiVersion="descheduler/v1alpha1"), "apiVersion", "reads \"descheduler/v1alpha2\""),
    (policy(strategies={}), "strategies", 'unknown field "strategies"'),
    (policy(duplicates(evictLocalStoragePod=True)), "profiles[0].pluginConfig[0].args.evictLocalStoragePod",
     'unknown field "evictLocalStoragePod" for DefaultEvictor'),
    (policy(duplicates(evictLocalStoragePods="yes")), "profiles[0].pluginConfig[0].args.evictLocalStoragePods",
     "expected true or false"),
    (policy(duplicates(evictDaemonSetPods=True, podProtections={"defaultDisabled": ["DaemonSetPods"]})),
     "profiles[0].pluginConfig[0].args.podProtections", "cannot use Deprecated fields"),
    (policy(duplicates(podProtections={"defaultDisabled": ["PodsWithPVC"]})),
     "profiles[0].pluginConfig[0].args.podProtections.defaultDisabled[0]", "invalid pod protection policy"),
    (policy(duplicates(priorityThreshold={"value": 1, "name": "high"})),
     "profiles[0].pluginConfig[0].args.priorityThreshold", "only one of priorityThreshold fields"),
    (policy(duplicates(labelSelector={"matchLabels": {"a": "b"}})),
     "profiles[0].pluginConfig[0].args.labelSelector", "not modelled"),
    (policy({"plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}), "profiles[0].plugins.balance.enabled[0]",
     'unable to find "RemoveDuplicates" plugin config'),
    (policy({"pluginConfig": [{"name": "RemoveDuplicates"}], "plugins": {"deschedule": {"enabled":
                                                                                       ["RemoveDuplicates"]}}}),
     "profiles[0].plugins.deschedule.enabled[0]", "configures deschedule extension point of non-existing plugins"),
    (policy({"pluginConfig": [{"name": "RemoveEverything"}]}), "profiles[0].pluginConfig[0].name",
     "plugin RemoveEverything in pluginConfig not registered"),
    (policy({"pluginConfig": [{"name": "LowNodeUtilization", "args": {"thresholds": {"cpu": 30},
                                                                       "targetThresholds": {"cpu": 20}}}]}),
     "profiles[0].pluginConfig[0].args.thresholds.cpu", "percentage is greater than targetThresholds'"),
    (policy({"pluginConfig": [{"name": "LowNodeUtilization", "args": {"thresholds": {"cpu": 130},
                                                                       "targetThresholds": {"cpu": 140}}}]}),
     "profiles[0].pluginConfig[0].args.thresholds.cpu", "cpu threshold not in [0, 100] range"),
    (policy({"pluginConfig": [{"name": "HighNodeUtilization", "args": {}}]}),
     "profiles[0].pluginConfig[0].args.thresholds", "no resource threshold is configured"),
    (policy({"pluginConfig": [{"name": "RemovePodsViolatingNodeAffinity", "args": {}}]}),
     "profiles[0].pluginConfig[0].args.nodeAffinityType", "nodeAffinityType needs to be set"),
    (policy({"pluginConfig": [{"name": "RemovePodsViolatingTopologySpreadConstraint", "args": {
        "constraints": ["Sometimes"]}}]}), "profiles[0].pluginConfig[0].args.constraints[0]",
     "constraint Sometimes is not one of [DoNotSchedule ScheduleAnyway]"),
    (policy({"pluginConfig": [{"name": "RemoveDuplicates", "args": {"namespaces": {
        "include": ["a"], "exclude": ["b"]}}}]}), "profiles[0].pluginConfig[0].args.namespaces",
     "only one of Include/Exclude namespaces can be set"),
    (policy(maxNoOfPodsToEvictPerNode=-1), "maxNoOfPodsToEvictPerNode", "must be a non-negative integer"),
    (policy(metadata={"annotations": {"kubeproof.io/descheduling-interval": "soon"}}),
     "metadata.annotations.kubeproof.io/descheduling-interval", "must be a duration"),
])
def test_mistakes_name_their_field(doc: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ManifestError) as error:
        parse_policy(doc)
    assert error.value.field == field
    assert message in error.value.message


def test_a_good_policy_loads_as_modelled_and_a_bad_one_is_one_line() -> None:
    good = "apiVersion: descheduler/v1alpha2\nkind: DeschedulerPolicy\nprofiles: []\n"
    assert [o.kind for o in load_text(good, "policy.yaml")] == ["DeschedulerPolicy"]
    bad = "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n" + good + "nodeFit: true\n"
    with pytest.raises(ManifestError) as error:
        load_text(bad, "policy.yaml")
    assert str(error.value) == 'policy.yaml doc 2: nodeFit: unknown field "nodeFit"'


def test_validate_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("apiVersion: descheduler/v1alpha2\nkind: DeschedulerPolicy\nprofiles:\n- name: p\n"
                    "  pluginConfig: [{name: DefaultEvictor, args: {evictSystemCriticalPods: 1}}]\n")
    done = subprocess.run([sys.executable, "-m", "kubeproof", "validate", str(path)], capture_output=True, text=True,
                          cwd=Path(__file__).parents[3])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (f"kubeproof: {path} doc 1: profiles[0].pluginConfig[0].args."
                                                    "evictSystemCriticalPods: expected true or false, got number")
