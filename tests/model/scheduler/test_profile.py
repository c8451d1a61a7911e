"""Scheduler profiles: defaults, merging, MultiPoint expansion, weights, args, validation.

Sources (kubernetes/kubernetes): ``pkg/scheduler/apis/config/v1/default_plugins_test.go`` (TestApplyFeatureGates,
TestMergePlugins), ``pkg/scheduler/apis/config/v1/defaults_test.go`` (TestSchedulerDefaults, TestPluginArgsDefaults),
``pkg/scheduler/framework/runtime/framework_test.go`` (TestNewFrameworkMultiPointExpansion, the score weights),
``pkg/scheduler/apis/config/validation/validation_test.go`` and ``validation_pluginargs_test.go``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from model.scheduler import Profile, load_profiles
from model.scheduler.profile import DEFAULT_SCHEDULER_NAME

CORPUS = Path("/work/shared/corpus/k8s-docs-examples")


def _profile(**fields: Any) -> Profile:
    return Profile.from_dict(fields)


def test_default_profile() -> None:
    profile = Profile.default()
    assert profile == Profile.from_dict({}) and profile.scheduler_name == DEFAULT_SCHEDULER_NAME
    assert dict(profile.scores) == {
        "TaintToleration": 3,
        "NodeAffinity": 2,
        "NodeResourcesFit": 1,
        "PodTopologySpread": 2,
        "InterPodAffinity": 2,
        "NodeResourcesBalancedAllocation": 1,
        "ImageLocality": 1,
    }
    assert profile.filters == (
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
        "NodePorts",
        "NodeResourcesFit",
        "VolumeRestrictions",
        "NodeVolumeLimits",
        "VolumeBinding",
        "VolumeZone",
        "PodTopologySpread",
        "InterPodAffinity",
        "DynamicResources",
    )
    assert profile.post_filters == ("DynamicResources", "DefaultPreemption")
    assert profile.percentage_of_nodes_to_score == 0


def test_default_plugin_args() -> None:
    """setDefaults_KubeSchedulerProfile adds defaulted args for every enabled plugin that has an Args kind."""
    profile = Profile.default()
    assert profile.plugin_args("NodeResourcesFit") == {
        "scoringStrategy": {
            "type": "LeastAllocated",
            "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}],
        }
    }
    assert profile.plugin_args("InterPodAffinity") == {"hardPodAffinityWeight": 1}
    assert profile.plugin_args("PodTopologySpread") == {"defaultingType": "System"}
    assert profile.plugin_args("DefaultPreemption") == {
        "minCandidateNodesPercentage": 10,
        "minCandidateNodesAbsolute": 100,
    }
    assert profile.plugin_args("NodeResourcesBalancedAllocation") == {
        "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]
    }
    assert profile.plugin_args("VolumeBinding") == {"bindTimeoutSeconds": 600}


def test_disabling_every_score_plugin_and_enabling_one() -> None:
    profile = _profile(
        plugins={"score": {"disabled": [{"name": "*"}], "enabled": [{"name": "NodeResourcesFit", "weight": 5}]}}
    )
    assert profile.scores == (("NodeResourcesFit", 5),)
    assert "TaintToleration" in profile.filters


def test_reconfigured_score_plugin_comes_first_with_its_own_weight() -> None:
    """expandMultiPointPlugins: a plugin enabled at the point overrides MultiPoint and runs first."""
    profile = _profile(plugins={"score": {"enabled": [{"name": "NodeResourcesFit", "weight": 5}]}})
    assert profile.scores[0] == ("NodeResourcesFit", 5) and len(profile.scores) == 7


def test_score_entry_without_weight_weighs_one() -> None:
    """A Score entry's weight beats MultiPoint's; weight 0 (or none) means 1."""
    profile = _profile(plugins={"score": {"enabled": [{"name": "TaintToleration"}]}})
    assert profile.weight("TaintToleration") == 1


def test_multi_point_reconfiguration_keeps_the_default_position() -> None:
    """mergePluginSet: a re-configured default plugin stays where it was."""
    profile = _profile(plugins={"multiPoint": {"enabled": [{"name": "TaintToleration", "weight": 7}]}})
    assert profile.scores[0] == ("TaintToleration", 7)
    assert profile.filters[2] == "TaintToleration"


def test_disabling_one_filter_keeps_its_other_extension_points() -> None:
    profile = _profile(plugins={"filter": {"disabled": [{"name": "NodePorts"}]}})
    assert "NodePorts" not in profile.filters and "NodePorts" in profile.pre_filters


def test_disabling_multi_point_everything() -> None:
    profile = _profile(
        plugins={
            "multiPoint": {
                "disabled": [{"name": "*"}],
                "enabled": [{"name": "NodeResourcesFit", "weight": 2}, {"name": "TaintToleration"}],
            }
        }
    )
    assert profile.filters == ("NodeResourcesFit", "TaintToleration")
    assert profile.scores == (("NodeResourcesFit", 2), ("TaintToleration", 1))
    assert profile.post_filters == ()


def test_percentage_of_nodes_to_score() -> None:
    assert _profile(percentageOfNodesToScore=30).percentage_of_nodes_to_score == 30
    with pytest.raises(
        ValueError,
        match=r"profiles\[0\]\.percentageOfNodesToScore: Invalid value: 101: "
        r"not in valid range \[0-100\]",
    ):
        _profile(percentageOfNodesToScore=101)


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"plugins": {"filter": {"enabled": [{"name": "Nope"}]}}},
            r'profiles\[0\]\.plugins\.filter\.enabled\[0\]: FilterPlugin "Nope" does not exist',
        ),
        (
            {"plugins": {"filter": {"enabled": [{"name": "ImageLocality"}]}}},
            r'plugin "ImageLocality" does not extend FilterPlugin plugin',
        ),
        (
            {"plugins": {"filter": {"enabled": [{"name": "NodePorts"}, {"name": "NodePorts"}]}}},
            r'plugin "NodePorts" already registered as "FilterPlugin"',
        ),
        ({"plugins": {"sore": {}}}, r"profiles\[0\]\.plugins\.sore: unknown field"),
        (
            {"plugins": {"score": {"enabled": [{"name": "ImageLocality", "weight": "2"}]}}},
            r"plugins\.score\.enabled\[0\]\.weight: expected an integer",
        ),
        (
            {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "Biggest"}}}]},
            r'pluginConfig\[0\]\.args\.scoringStrategy\.type: Unsupported value: "Biggest"',
        ),
        (
            {
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {
                            "scoringStrategy": {"type": "LeastAllocated", "resources": [{"name": "cpu", "weight": 101}]}
                        },
                    }
                ]
            },
            r"resources\[0\]\.weight: Invalid value: 101: resource weight of cpu not in valid range \(0, 100\]",
        ),
        (
            {
                "pluginConfig": [
                    {
                        "name": "NodeResourcesFit",
                        "args": {
                            "scoringStrategy": {
                                "type": "RequestedToCapacityRatio",
                                "requestedToCapacityRatio": {
                                    "shape": [{"utilization": 50, "score": 5}, {"utilization": 10, "score": 1}]
                                },
                            }
                        },
                    }
                ]
            },
            r"shape\[1\]\.utilization: Invalid value: 10: values must be sorted in increasing order",
        ),
        (
            {
                "pluginConfig": [
                    {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "RequestedToCapacityRatio"}}}
                ]
            },
            r"requestedToCapacityRatio: Required value",
        ),
        (
            {"pluginConfig": [{"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 101}}]},
            r"hardPodAffinityWeight: Invalid value: 101: not in valid range \[0, 100\]",
        ),
        (
            {
                "pluginConfig": [
                    {
                        "name": "PodTopologySpread",
                        "args": {
                            "defaultConstraints": [
                                {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}
                            ]
                        },
                    }
                ]
            },
            r'defaultingType: Invalid value: "System": when \.defaultConstraints are not empty',
        ),
        (
            {
                "pluginConfig": [
                    {
                        "name": "PodTopologySpread",
                        "args": {
                            "defaultingType": "List",
                            "defaultConstraints": [
                                {
                                    "maxSkew": 1,
                                    "topologyKey": "zone",
                                    "whenUnsatisfiable": "DoNotSchedule",
                                    "labelSelector": {"matchLabels": {"a": "b"}},
                                }
                            ],
                        },
                    }
                ]
            },
            r"labelSelector: Forbidden: constraint must not define a selector",
        ),
        (
            {
                "pluginConfig": [
                    {"name": "NodeResourcesBalancedAllocation", "args": {"resources": [{"name": "cpu", "weight": 2}]}}
                ]
            },
            r"resources\[0\]\.weight: Invalid value: 2: must be 1",
        ),
        (
            {"pluginConfig": [{"name": "InterPodAffinity", "args": {}}, {"name": "InterPodAffinity", "args": {}}]},
            r'pluginConfig\[1\]: Duplicate value: "InterPodAffinity"',
        ),
        (
            {"pluginConfig": [{"name": "InterPodAffinity", "args": {"hardPodAffinityWieght": 2}}]},
            r"args\.hardPodAffinityWieght: unknown field",
        ),
    ],
)
def test_invalid_profiles(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Profile.from_dict(fields)


def test_plugin_args_override_the_defaults() -> None:
    profile = _profile(
        pluginConfig=[
            {
                "name": "NodeResourcesFit",
                "args": {
                    "apiVersion": "kubescheduler.config.k8s.io/v1",
                    "kind": "NodeResourcesFitArgs",
                    "scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 0}]},
                },
            }
        ]
    )
    assert profile.plugin_args("NodeResourcesFit") == {
        "scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 1}]}
    }


CONFIG = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 20
profiles:
  - schedulerName: default-scheduler
  - schedulerName: no-scoring-scheduler
    percentageOfNodesToScore: 60
    plugins:
      preScore:
        disabled:
          - name: '*'
      score:
        disabled:
          - name: '*'
"""


def test_load_profiles() -> None:
    """The multiple-profiles example of https://kubernetes.io/docs/reference/scheduling/config/."""
    profiles = load_profiles(CONFIG)
    assert list(profiles) == ["default-scheduler", "no-scoring-scheduler"]
    assert profiles["default-scheduler"].percentage_of_nodes_to_score == 20
    assert profiles["no-scoring-scheduler"].percentage_of_nodes_to_score == 60
    assert profiles["no-scoring-scheduler"].scores == ()
    assert profiles["default-scheduler"] == Profile.from_dict({"schedulerName": "default-scheduler"}, "", 20)


def test_load_profiles_defaults_to_one_default_profile() -> None:
    assert load_profiles({"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration"}) == {
        "default-scheduler": Profile.default()
    }


@pytest.mark.parametrize(
    "config, message",
    [
        (
            {"apiVersion": "kubescheduler.config.k8s.io/v1beta3", "kind": "KubeSchedulerConfiguration"},
            r'apiVersion: "kubescheduler.config.k8s.io/v1beta3": kube-scheduler reads only '
            r"kubescheduler.config.k8s.io/v1",
        ),
        (
            {
                "apiVersion": "kubescheduler.config.k8s.io/v1",
                "kind": "KubeSchedulerConfiguration",
                "profiles": [{"schedulerName": "a"}, {}],
            },
            r"profiles\[1\]\.schedulerName: Required value",
        ),
        (
            {
                "apiVersion": "kubescheduler.config.k8s.io/v1",
                "kind": "KubeSchedulerConfiguration",
                "profiles": [{"schedulerName": "a"}, {"schedulerName": "a"}],
            },
            r'profiles\[1\]\.schedulerName: Duplicate value: "a"',
        ),
        (
            {
                "apiVersion": "kubescheduler.config.k8s.io/v1",
                "kind": "KubeSchedulerConfiguration",
                "profiles": [
                    {"schedulerName": "a"},
                    {"schedulerName": "b", "plugins": {"queueSort": {"disabled": [{"name": "*"}]}}},
                ],
            },
            r"queueSort must be the same for all profiles",
        ),
        (
            {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration", "parallelism": 0},
            r"parallelism: Invalid value: 0: should be an integer value greater than zero",
        ),
        (
            {
                "apiVersion": "kubescheduler.config.k8s.io/v1",
                "kind": "KubeSchedulerConfiguration",
                "extenders": [{"urlPrefix": "http://x"}],
            },
            r"extenders: scheduler extenders are not modelled",
        ),
        (
            {"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration", "profile": []},
            r"profile: unknown field",
        ),
    ],
)
def test_invalid_configurations(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_profiles(config)


def test_docs_corpus_scheduler_config() -> None:
    """The docs' second-scheduler example (admin/sched/my-scheduler.yaml) embeds a v1beta2 configuration,
    which current kube-scheduler no longer reads; the same profile as v1 loads."""
    path = CORPUS / "admin" / "sched" / "my-scheduler.yaml"
    if not path.exists():
        pytest.skip("docs corpus not available")
    configs = [
        doc["data"]["my-scheduler-config.yaml"]
        for doc in yaml.safe_load_all(path.read_text())
        if doc and doc.get("kind") == "ConfigMap"
    ]
    assert configs, "the example carries a scheduler configuration"
    with pytest.raises(ValueError, match="apiVersion"):
        load_profiles(configs[0])
    current = yaml.safe_load(configs[0])
    current["apiVersion"] = "kubescheduler.config.k8s.io/v1"
    profiles = load_profiles(current)
    assert list(profiles) == ["my-scheduler"]
    assert profiles["my-scheduler"] == Profile.from_dict({"schedulerName": "my-scheduler"})
