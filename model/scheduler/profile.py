"""Scheduler profiles: which plugins run at each extension point, their weights and their arguments.

Sources (kubernetes/kubernetes):
- ``pkg/scheduler/apis/config/v1/default_plugins.go``: getDefaultPlugins (the MultiPoint list and weights),
  mergePlugins / mergePluginSet (``disabled`` incl. ``"*"``, in-place override of a default plugin);
- ``pkg/scheduler/apis/config/v1/defaults.go``: SetDefaults_KubeSchedulerConfiguration (one profile gets
  ``default-scheduler``), setDefaults_KubeSchedulerProfile (default args for every enabled plugin) and the
  SetDefaults_*Args functions;
- ``pkg/scheduler/framework/runtime/framework.go``: expandMultiPointPlugins (per extension point: plugins
  re-configured at that point first, then MultiPoint plugins, then the point's other plugins), the score
  weights (a Score entry beats the MultiPoint one; weight 0 means 1), updatePluginList's errors;
- ``pkg/scheduler/apis/config/validation/validation.go`` and ``validation_pluginargs.go``: the checks and
  their messages.
Doc: https://kubernetes.io/docs/reference/scheduling/config/

Deliberate differences: only ``kubescheduler.config.k8s.io/v1`` is read (kube-scheduler >= 1.29 reads
nothing else); extenders are rejected (not modelled); unknown fields are errors, as kube-scheduler's strict
decoding makes them. VolumeBinding implements Score but its PreScore skips unless the alpha
StorageCapacityScoring gate is on, so the model registers it without a Score extension.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import yaml

from model.errors import ManifestError
from model.frozendict import FrozenDict, freeze, thaw
from model.labels import is_qualified_name
from model.objects.pod import NodeAffinity

API_VERSION = "kubescheduler.config.k8s.io/v1"
KIND = "KubeSchedulerConfiguration"
DEFAULT_SCHEDULER_NAME = "default-scheduler"

EXTENSION_POINTS = ("preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore", "score",
                    "reserve", "permit", "preBind", "bind", "postBind")
_INTERFACE = {"preEnqueue": "PreEnqueuePlugin", "queueSort": "QueueSortPlugin", "preFilter": "PreFilterPlugin",
              "filter": "FilterPlugin", "postFilter": "PostFilterPlugin", "preScore": "PreScorePlugin",
              "score": "ScorePlugin", "reserve": "ReservePlugin", "permit": "PermitPlugin",
              "preBind": "PreBindPlugin", "bind": "BindPlugin", "postBind": "PostBindPlugin"}

PLUGINS: Mapping[str, frozenset[str]] = FrozenDict({
    "SchedulingGates": frozenset({"preEnqueue"}),
    "PrioritySort": frozenset({"queueSort"}),
    "NodeUnschedulable": frozenset({"filter"}),
    "NodeName": frozenset({"filter"}),
    "TaintToleration": frozenset({"filter", "preScore", "score"}),
    "NodeAffinity": frozenset({"preFilter", "filter", "preScore", "score"}),
    "NodePorts": frozenset({"preFilter", "filter"}),
    "NodeResourcesFit": frozenset({"preFilter", "filter", "preScore", "score"}),
    "VolumeRestrictions": frozenset({"preFilter", "filter"}),
    "NodeVolumeLimits": frozenset({"preFilter", "filter"}),
    "VolumeBinding": frozenset({"preFilter", "filter", "reserve", "preBind"}),
    "VolumeZone": frozenset({"preFilter", "filter"}),
    "PodTopologySpread": frozenset({"preFilter", "filter", "preScore", "score"}),
    "InterPodAffinity": frozenset({"preFilter", "filter", "preScore", "score"}),
    "DynamicResources": frozenset({"preEnqueue", "preFilter", "filter", "postFilter", "reserve", "preBind"}),
    "DefaultPreemption": frozenset({"preEnqueue", "postFilter"}),
    "NodeResourcesBalancedAllocation": frozenset({"preScore", "score"}),
    "ImageLocality": frozenset({"score"}),
    "DefaultBinder": frozenset({"bind"}),
})
"""The in-tree plugins of the registry (``pkg/scheduler/framework/plugins/registry.go``) the model knows,
with the extension points each implements."""

DEFAULT_MULTI_POINT: tuple[tuple[str, int | None], ...] = (
    ("SchedulingGates", None), ("PrioritySort", None), ("NodeUnschedulable", None), ("NodeName", None),
    ("TaintToleration", 3), ("NodeAffinity", 2), ("NodePorts", None), ("NodeResourcesFit", 1),
    ("VolumeRestrictions", None), ("NodeVolumeLimits", None), ("VolumeBinding", None), ("VolumeZone", None),
    ("PodTopologySpread", 2), ("InterPodAffinity", 2), ("DynamicResources", None), ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1), ("ImageLocality", 1), ("DefaultBinder", None),
)
"""getDefaultPlugins' MultiPoint list (DynamicResources is on by default since DRA went GA)."""

_DEFAULT_RESOURCES = ({"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1})
_PROFILE_FIELDS = ("schedulerName", "plugins", "pluginConfig", "percentageOfNodesToScore")
_CONFIG_FIELDS = ("apiVersion", "kind", "parallelism", "leaderElection", "clientConnection", "healthzBindAddress",
                  "metricsBindAddress", "enableProfiling", "enableContentionProfiling", "percentageOfNodesToScore",
                  "podInitialBackoffSeconds", "podMaxBackoffSeconds", "profiles", "extenders",
                  "delayCacheUntilActive")
_DO_NOT_SCHEDULE, _SCHEDULE_ANYWAY = "DoNotSchedule", "ScheduleAnyway"


def _fail(path: str, message: str) -> ValueError:
    return ValueError(f"{path}: {message}" if path else message)


def _quote(value: Any) -> str:
    return json.dumps(value)


def _mapping(value: Any, path: str, allowed: Sequence[str]) -> Mapping[str, Any]:
    """A JSON object whose keys are all in ``allowed`` (strict decoding); None is {}."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(path, f"expected an object, got {type(value).__name__}")
    for key in value:
        if key not in allowed:
            raise _fail(f"{path}.{key}" if path else str(key), "unknown field")
    return value


def _list(value: Any, path: str) -> Sequence[Any]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _fail(path, f"expected a list, got {type(value).__name__}")
    return value


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"expected an integer, got {_quote(value) if isinstance(value, str) else value!r}")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, f"expected a string, got {value!r}")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, f"expected a boolean, got {value!r}")
    return value


def _percentage(value: Any, path: str) -> int | None:
    """validatePercentageOfNodesToScore."""
    if value is None:
        return None
    number = _int(value, path)
    if not 0 <= number <= 100:
        raise _fail(path, f"Invalid value: {number}: not in valid range [0-100]")
    return number


# --- plugin sets -----------------------------------------------------------------------------------

@attrs.frozen
class _PluginSet:
    """config.PluginSet: enabled (name, weight) in order, and the disabled names."""

    enabled: tuple[tuple[str, int | None], ...] = ()
    disabled: tuple[str, ...] = ()


def _plugin_set(value: Any, path: str) -> _PluginSet:
    data = _mapping(value, path, ("enabled", "disabled"))
    enabled = []
    for i, entry in enumerate(_list(data.get("enabled"), f"{path}.enabled")):
        where = f"{path}.enabled[{i}]"
        plugin = _mapping(entry, where, ("name", "weight"))
        name = _str(plugin.get("name"), f"{where}.name")
        weight = plugin.get("weight")
        enabled.append((name, None if weight is None else _int(weight, f"{where}.weight")))
    disabled = []
    for i, entry in enumerate(_list(data.get("disabled"), f"{path}.disabled")):
        where = f"{path}.disabled[{i}]"
        disabled.append(_str(_mapping(entry, where, ("name", "weight")).get("name"), f"{where}.name"))
    return _PluginSet(tuple(enabled), tuple(disabled))


def _merge(defaults: _PluginSet, custom: _PluginSet) -> _PluginSet:
    """mergePluginSet: defaults minus the disabled (all of them for ``"*"``), a re-configured default kept in
    its place with the custom settings, then the other custom plugins in order."""
    disabled = set(custom.disabled) | set(defaults.disabled)
    custom_index = {name: i for i, (name, _) in enumerate(custom.enabled)}
    replaced: set[int] = set()
    enabled: list[tuple[str, int | None]] = []
    if "*" not in disabled:
        for plugin in defaults.enabled:
            if plugin[0] in disabled:
                continue
            if plugin[0] in custom_index:
                replaced.add(custom_index[plugin[0]])
                plugin = custom.enabled[custom_index[plugin[0]]]
            enabled.append(plugin)
    enabled.extend(plugin for i, plugin in enumerate(custom.enabled) if i not in replaced)
    return _PluginSet(tuple(enabled), tuple(custom.disabled) + tuple(defaults.disabled))


def _expand(point: str, specific: _PluginSet, multi_point: _PluginSet, path: str) -> tuple[str, ...]:
    """The plugins that run at ``point``: updatePluginList's checks, then expandMultiPointPlugins."""
    interface = _INTERFACE[point]
    enabled: list[str] = []
    for i, (name, _) in enumerate(specific.enabled):
        where = f"{path}.{point}.enabled[{i}]"
        if name not in PLUGINS:
            raise _fail(where, f"{interface} {_quote(name)} does not exist")
        if point not in PLUGINS[name]:
            raise _fail(where, f"plugin {_quote(name)} does not extend {interface} plugin")
        if name in enabled:
            raise _fail(where, f"plugin {_quote(name)} already registered as {_quote(interface)}")
        enabled.append(name)
    if "*" in specific.disabled:
        return tuple(enabled)
    overrides: list[str] = []
    from_multi_point: list[str] = []
    for i, (name, _) in enumerate(multi_point.enabled):
        if name not in PLUGINS:
            raise _fail(f"{path}.multiPoint.enabled[{i}]", f"{interface} {_quote(name)} does not exist")
        if point not in PLUGINS[name] or name in specific.disabled:
            continue
        if name in enabled:
            overrides.append(name)
            continue
        if name in from_multi_point:
            raise _fail(f"{path}.multiPoint.enabled[{i}]", f"plugin {_quote(name)} already registered as "
                        f"{_quote(interface)}")
        from_multi_point.append(name)
    first = [name for name in enabled if name in overrides]
    return tuple(first + from_multi_point + [name for name in enabled if name not in overrides])


def _score_weights(scores: Sequence[str], score: _PluginSet, multi_point: _PluginSet) -> tuple[tuple[str, int], ...]:
    """The weight of each Score plugin: its Score entry, else its MultiPoint entry; 0 (or none) means 1."""
    weights: dict[str, int] = {}
    for name, weight in (*score.enabled, *multi_point.enabled):
        weights.setdefault(name, weight or 1)
    return tuple((name, weights.get(name, 1)) for name in scores)


# --- plugin args (SetDefaults_*Args and Validate*Args) ------------------------------------------------

def _resources(value: Any, path: str, balanced: bool) -> tuple[dict[str, Any], ...]:
    """ResourceSpec lists: weight 0 (or absent) defaults to 1; Fit needs (0, 100], BalancedAllocation 1."""
    resources = []
    seen: set[str] = set()
    for i, entry in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        spec = _mapping(entry, where, ("name", "weight"))
        name = _str(spec.get("name"), f"{where}.name")
        weight = _int(spec.get("weight", 0), f"{where}.weight") or 1
        if balanced:
            if name in seen:
                raise _fail(f"{where}.name", f"Duplicate value: {_quote(name)}")
            if weight != 1:
                raise _fail(f"{where}.weight", f"Invalid value: {weight}: must be 1")
        elif not 0 < weight <= 100:
            raise _fail(f"{where}.weight", f"Invalid value: {weight}: resource weight of {name} not in valid "
                        "range (0, 100]")
        seen.add(name)
        resources.append({"name": name, "weight": weight})
    return tuple(resources) or _DEFAULT_RESOURCES


def _shape(value: Any, path: str) -> tuple[dict[str, int], ...]:
    """validateFunctionShape: utilizations strictly increasing in [0, 100], scores in [0, 10]."""
    points = []
    for i, entry in enumerate(_list(value, path)):
        where = f"{path}[{i}]"
        point = _mapping(entry, where, ("utilization", "score"))
        points.append({"utilization": _int(point.get("utilization", 0), f"{where}.utilization"),
                       "score": _int(point.get("score", 0), f"{where}.score")})
    if not points:
        raise _fail(path, "Required value: at least one point must be specified")
    for i in range(1, len(points)):
        if points[i - 1]["utilization"] >= points[i]["utilization"]:
            raise _fail(f"{path}[{i}].utilization", f"Invalid value: {points[i]['utilization']}: values must be "
                        "sorted in increasing order")
    for i, point in enumerate(points):
        if not 0 <= point["utilization"] <= 100:
            raise _fail(f"{path}[{i}].utilization", f"Invalid value: {point['utilization']}: not in valid range "
                        "[0, 100]")
        if not 0 <= point["score"] <= 10:
            raise _fail(f"{path}[{i}].score", f"Invalid value: {point['score']}: not in valid range [0, 10]")
    return tuple(points)


def _fit_args(args: Mapping[str, Any], path: str) -> dict[str, Any]:
    """NodeResourcesFitArgs: LeastAllocated over cpu and memory unless a scoring strategy says otherwise."""
    data = _mapping(args, path, ("ignoredResources", "ignoredResourceGroups", "scoringStrategy"))
    if data.get("ignoredResources") or data.get("ignoredResourceGroups"):
        raise _fail(f"{path}.ignoredResources", "not modelled (NodeResourcesFit checks every resource)")
    strategy_path = f"{path}.scoringStrategy"
    strategy = _mapping(data.get("scoringStrategy") or {"type": "LeastAllocated"}, strategy_path,
                        ("type", "resources", "requestedToCapacityRatio"))
    kind = strategy.get("type")
    supported = ("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")
    if kind not in supported:
        raise _fail(f"{strategy_path}.type", f"Unsupported value: {_quote(kind)}: supported values: "
                    + ", ".join(_quote(s) for s in supported))
    result: dict[str, Any] = {"type": kind,
                              "resources": _resources(strategy.get("resources"), f"{strategy_path}.resources", False)}
    ratio = strategy.get("requestedToCapacityRatio")
    ratio_path = f"{strategy_path}.requestedToCapacityRatio"
    if kind == "RequestedToCapacityRatio":
        if ratio is None:
            raise _fail(ratio_path, "Required value: must be specified when type is RequestedToCapacityRatio")
        shape = _shape(_mapping(ratio, ratio_path, ("shape",)).get("shape"), f"{ratio_path}.shape")
        result["requestedToCapacityRatio"] = {"shape": shape}
    elif ratio is not None:
        raise _fail(ratio_path, "Forbidden: must be nil when type is not RequestedToCapacityRatio")
    return {"scoringStrategy": result}


def _spread_args(args: Mapping[str, Any], path: str) -> dict[str, Any]:
    """PodTopologySpreadArgs: ``System`` defaulting unless ``List`` with default constraints."""
    data = _mapping(args, path, ("defaultConstraints", "defaultingType"))
    defaulting = data.get("defaultingType") or "System"
    constraints_path = f"{path}.defaultConstraints"
    constraints = _list(data.get("defaultConstraints"), constraints_path)
    if defaulting not in ("System", "List"):
        raise _fail(f"{path}.defaultingType", f'Unsupported value: {_quote(defaulting)}: supported values: '
                    '"System", "List"')
    if defaulting == "System" and constraints:
        raise _fail(f"{path}.defaultingType", 'Invalid value: "System": when .defaultConstraints are not empty')
    checked = []
    for i, entry in enumerate(constraints):
        where = f"{constraints_path}[{i}]"
        c = _mapping(entry, where, ("maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector", "minDomains",
                                    "nodeAffinityPolicy", "nodeTaintsPolicy", "matchLabelKeys"))
        max_skew = _int(c.get("maxSkew", 0), f"{where}.maxSkew")
        if max_skew <= 0:
            raise _fail(f"{where}.maxSkew", f"Invalid value: {max_skew}: not in valid range (0, inf)")
        key = _str(c.get("topologyKey", ""), f"{where}.topologyKey")
        if not key:
            raise _fail(f"{where}.topologyKey", "Required value: can not be empty")
        if is_qualified_name(key):
            raise _fail(f"{where}.topologyKey", f"Invalid value: {_quote(key)}: " + "; ".join(is_qualified_name(key)))
        action = _str(c.get("whenUnsatisfiable", ""), f"{where}.whenUnsatisfiable")
        if not action:
            raise _fail(f"{where}.whenUnsatisfiable", "Required value: can not be empty")
        if action not in (_DO_NOT_SCHEDULE, _SCHEDULE_ANYWAY):
            raise _fail(f"{where}.whenUnsatisfiable", f'Unsupported value: {_quote(action)}: supported values: '
                        '"DoNotSchedule", "ScheduleAnyway"')
        if c.get("labelSelector") is not None:
            raise _fail(f"{where}.labelSelector", "Forbidden: constraint must not define a selector, as they "
                        "deduced for each pod")
        if any(o.get("topologyKey") == key and o.get("whenUnsatisfiable") == action for o in checked):
            raise _fail(where, f'Duplicate value: "{{{key}, {action}}}"')
        checked.append(dict(c))
    result: dict[str, Any] = {"defaultingType": defaulting}
    if checked:
        result["defaultConstraints"] = tuple(checked)
    return result


def _inter_pod_affinity_args(args: Mapping[str, Any], path: str) -> dict[str, Any]:
    data = _mapping(args, path, ("hardPodAffinityWeight", "ignorePreferredTermsOfExistingPods"))
    weight = _int(data.get("hardPodAffinityWeight", 1), f"{path}.hardPodAffinityWeight")
    if not 0 <= weight <= 100:
        raise _fail(f"{path}.hardPodAffinityWeight", f"Invalid value: {weight}: not in valid range [0, 100]")
    ignore = _bool(data.get("ignorePreferredTermsOfExistingPods", False), f"{path}.ignorePreferredTermsOfExistingPods")
    result: dict[str, Any] = {"hardPodAffinityWeight": weight}
    if ignore:
        result["ignorePreferredTermsOfExistingPods"] = True
    return result


def _balanced_args(args: Mapping[str, Any], path: str) -> dict[str, Any]:
    data = _mapping(args, path, ("resources",))
    return {"resources": _resources(data.get("resources"), f"{path}.resources", True)}


def _node_affinity_args(args: Mapping[str, Any], path: str) -> dict[str, Any]:
    data = _mapping(args, path, ("addedAffinity",))
    if data.get("addedAffinity") is None:
        return {}
    try:
        NodeAffinity.from_dict(data["addedAffinity"], f"{path}.addedAffinity")
    except ManifestError as e:
        raise ValueError(str(e)) from None
    return {"addedAffinity": data["addedAffinity"]}


def _preemption_args(args: Mapping[str, Any], path: str) -> dict[str, Any]:
    data = _mapping(args, path, ("minCandidateNodesPercentage", "minCandidateNodesAbsolute"))
    percentage = _int(data.get("minCandidateNodesPercentage", 10), f"{path}.minCandidateNodesPercentage")
    absolute = _int(data.get("minCandidateNodesAbsolute", 100), f"{path}.minCandidateNodesAbsolute")
    if not 0 <= percentage <= 100:
        raise _fail(f"{path}.minCandidateNodesPercentage", f"Invalid value: {percentage}: not in valid range [0, 100]")
    if absolute < 0:
        raise _fail(f"{path}.minCandidateNodesAbsolute", f"Invalid value: {absolute}: not in valid range [0, inf)")
    if percentage == 0 and absolute == 0:
        raise _fail(f"{path}.minCandidateNodesPercentage", "Invalid value: 0: cannot be zero at the same time as "
                    "minCandidateNodesAbsolute")
    return {"minCandidateNodesPercentage": percentage, "minCandidateNodesAbsolute": absolute}


def _volume_binding_args(args: Mapping[str, Any], path: str) -> dict[str, Any]:
    data = _mapping(args, path, ("bindTimeoutSeconds", "shape"))
    timeout = _int(data.get("bindTimeoutSeconds", 600), f"{path}.bindTimeoutSeconds")
    if timeout < 0:
        raise _fail(f"{path}.bindTimeoutSeconds", f"Invalid value: {timeout}: invalid BindTimeoutSeconds, should "
                    "not be a negative value")
    if data.get("shape") is not None:
        raise _fail(f"{path}.shape", "Invalid value: unexpected field `shape`, remove it or turn on the feature "
                    "gate StorageCapacityScoring")
    return {"bindTimeoutSeconds": timeout}


_ARGS = {
    "NodeResourcesFit": _fit_args, "PodTopologySpread": _spread_args, "InterPodAffinity": _inter_pod_affinity_args,
    "NodeResourcesBalancedAllocation": _balanced_args, "NodeAffinity": _node_affinity_args,
    "DefaultPreemption": _preemption_args, "VolumeBinding": _volume_binding_args,
}
"""The plugins with an ``<Name>Args`` kind, and how each is defaulted and validated."""


def _plugin_args(config: Any, path: str, enabled: Sequence[str]) -> FrozenDict:
    """pluginConfig, each entry defaulted and validated, plus default args for enabled plugins without one."""
    args: dict[str, Any] = {}
    for i, entry in enumerate(_list(config, path)):
        where = f"{path}[{i}]"
        item = _mapping(entry, where, ("name", "args"))
        name = _str(item.get("name"), f"{where}.name")
        if name in args:
            raise _fail(where, f"Duplicate value: {_quote(name)}")
        raw = item.get("args")
        if name in _ARGS:
            given = {k: v for k, v in (raw or {}).items() if k not in ("apiVersion", "kind")} \
                if isinstance(raw, Mapping) else raw
            args[name] = _ARGS[name](given, f"{where}.args")
        else:
            args[name] = raw or {}
    for name in enabled:
        if name in _ARGS and name not in args:
            args[name] = _ARGS[name]({}, "")
    return freeze(args)


# --- Profile ---------------------------------------------------------------------------------------

@attrs.frozen
class Profile:
    """One KubeSchedulerProfile, defaulted and expanded the way kube-scheduler builds its framework.

    ``pre_filters``, ``filters`` and ``post_filters`` are the plugins of those extension points in run
    order; ``scores`` the Score plugins with their weights; ``args`` each plugin's defaulted arguments in
    their v1 JSON shape (camelCase keys, frozen). ``percentage_of_nodes_to_score`` is the effective value
    (the profile's, else the configuration's; 0 = adaptive).
    """

    scheduler_name: str
    pre_filters: tuple[str, ...]
    filters: tuple[str, ...]
    post_filters: tuple[str, ...]
    scores: tuple[tuple[str, int], ...]
    args: FrozenDict
    percentage_of_nodes_to_score: int = 0

    @classmethod
    def default(cls) -> Profile:
        """kube-scheduler's default profile (``default-scheduler``)."""
        return cls.from_dict({})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "profiles[0]",
                  default_percentage: int = 0) -> Profile:
        """One entry of a KubeSchedulerConfiguration's ``profiles``, merged onto the defaults.

        A profile without ``schedulerName`` is ``default-scheduler`` (the single-profile default).
        Raises ValueError naming the offending field.
        """
        profile = _mapping(data, path, _PROFILE_FIELDS)
        name = _str(profile.get("schedulerName", DEFAULT_SCHEDULER_NAME), f"{path}.schedulerName")
        if not name:
            raise _fail(f"{path}.schedulerName", "Required value")
        plugins_path = f"{path}.plugins"
        plugins = _mapping(profile.get("plugins"), plugins_path, ("multiPoint", *EXTENSION_POINTS))
        multi_point = _merge(_PluginSet(DEFAULT_MULTI_POINT),
                             _plugin_set(plugins.get("multiPoint"), f"{plugins_path}.multiPoint"))
        points = {point: _plugin_set(plugins.get(point), f"{plugins_path}.{point}") for point in EXTENSION_POINTS}
        expanded = {point: _expand(point, points[point], multi_point, plugins_path) for point in EXTENSION_POINTS}
        enabled = {plugin for names in expanded.values() for plugin in names}
        enabled.update(plugin for plugin, _ in multi_point.enabled)
        percentage = _percentage(profile.get("percentageOfNodesToScore"), f"{path}.percentageOfNodesToScore")
        return cls(
            scheduler_name=name,
            pre_filters=expanded["preFilter"],
            filters=expanded["filter"],
            post_filters=expanded["postFilter"],
            scores=_score_weights(expanded["score"], points["score"], multi_point),
            args=_plugin_args(profile.get("pluginConfig"), f"{path}.pluginConfig", sorted(enabled)),
            percentage_of_nodes_to_score=default_percentage if percentage is None else percentage,
        )

    def weight(self, plugin: str) -> int:
        """The Score weight of ``plugin`` (KeyError when it does not score in this profile)."""
        return dict(self.scores)[plugin]

    def plugin_args(self, plugin: str) -> Mapping[str, Any]:
        """The plugin's defaulted args, thawed into plain dicts and lists; {} when it has none."""
        return thaw(self.args.get(plugin, FrozenDict()))


def _queue_sort(profile: Mapping[str, Any]) -> Any:
    plugins = profile.get("plugins")
    return plugins.get("queueSort") if isinstance(plugins, Mapping) else None


def load_profiles(config: str | Mapping[str, Any]) -> dict[str, Profile]:
    """Every profile of a KubeSchedulerConfiguration (YAML/JSON text or a dict), by scheduler name.

    Applies SetDefaults_KubeSchedulerConfiguration (no profiles means one default profile; a lone profile
    is ``default-scheduler``) and ValidateKubeSchedulerConfiguration's checks; raises ValueError.
    """
    data = yaml.safe_load(config) if isinstance(config, str) else config
    data = _mapping(data, "", _CONFIG_FIELDS)
    if data.get("apiVersion") != API_VERSION:
        raise _fail("apiVersion", f"{_quote(data.get('apiVersion'))}: kube-scheduler reads only {API_VERSION}")
    if data.get("kind") != KIND:
        raise _fail("kind", f"{_quote(data.get('kind'))}: expected {KIND}")
    if _list(data.get("extenders"), "extenders"):
        raise _fail("extenders", "scheduler extenders are not modelled")
    parallelism = _int(data.get("parallelism", 16), "parallelism")
    if parallelism <= 0:
        raise _fail("parallelism", f"Invalid value: {parallelism}: should be an integer value greater than zero")
    percentage = _percentage(data.get("percentageOfNodesToScore"), "percentageOfNodesToScore") or 0
    entries = list(_list(data.get("profiles"), "profiles")) or [{}]
    profiles: dict[str, Profile] = {}
    first: dict[str, int] = {}
    for i, entry in enumerate(entries):
        path = f"profiles[{i}]"
        entry = _mapping(entry, path, _PROFILE_FIELDS)
        if len(entries) > 1 and not entry.get("schedulerName"):
            raise _fail(f"{path}.schedulerName", "Required value")
        profile = Profile.from_dict(entry, path, percentage)
        if profile.scheduler_name in first:
            raise _fail(f"{path}.schedulerName", f"Duplicate value: {_quote(profile.scheduler_name)} (also "
                        f"profiles[{first[profile.scheduler_name]}].schedulerName)")
        if i > 0 and _queue_sort(entry) != _queue_sort(entries[0]):
            raise _fail(f"{path}.plugins.queueSort", "Invalid value: queueSort must be the same for all profiles")
        first[profile.scheduler_name] = i
        profiles[profile.scheduler_name] = profile
    return profiles
