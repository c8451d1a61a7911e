"""A ``DeschedulerPolicy`` (descheduler/v1alpha2): read, validated and defaulted as the descheduler does at start-up.

Sources (kubernetes-sigs/descheduler, commit 7d2b28bf2): pkg/api/v1alpha2/types.go (DeschedulerPolicy,
DeschedulerProfile, Plugins, PluginSet, PluginConfig); pkg/descheduler/policyconfig.go (``decode``,
``validateDeschedulerConfiguration``: a pluginConfig of an unregistered plugin, each plugin's args validator;
``setDefaultEvictor``: DefaultEvictor is always the profile's filter with default args unless configured);
pkg/framework/profile/profile.go (``NewProfile``: an enabled plugin must implement the extension point it is enabled
at, ``buildPlugin``: every enabled plugin needs a pluginConfig entry, whose missing ``args`` are the plugin's
defaults); each plugin's ``validation.go`` and ``defaults.go`` (defaultevictor, removeduplicates, nodeutilization,
removepodsviolatingnodetaints, removepodsviolatingnodeaffinity, removepodsviolatinginterpodantiaffinity,
removepodsviolatingtopologyspreadconstraint). Doc: https://github.com/kubernetes-sigs/descheduler#policy-default-evictor-and-strategy-plugins

Every mistake is one :class:`ManifestError` naming the field (the manifest loader adds the file and document).
Unknown fields are refused (kubectl-style strict reading; upstream's decoder would drop them silently, which is how
a misspelt ``evictLocalStoragePods`` goes unnoticed). Fields upstream has that the model does not honour are refused
as "not modelled" rather than ignored, so a policy is never checked as something it is not.

The descheduling interval is the descheduler's ``--descheduling-interval`` flag, not a policy field; the model reads it
from the policy's annotation ``kubeproof.io/descheduling-interval`` (a Go duration such as ``5m``, or seconds), and
without one uses the Helm chart's ``deschedulingInterval: 5m`` (charts/descheduler/values.yaml). ``0`` runs once, as
upstream does with interval 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from model.descheduler.plugins import BALANCE, DESCHEDULE, EvictorArgs
from model.errors import ManifestError, join_path
from model.frozendict import FrozenDict, freeze
from model.labels import SelectorError, parse_selector, selector_from_dict
from model.schema import type_name

API_VERSION = "descheduler/v1alpha2"
KIND = "DeschedulerPolicy"
INTERVAL_ANNOTATION = "kubeproof.io/descheduling-interval"
DEFAULT_INTERVAL = 300
"""The Helm chart's ``deschedulingInterval: 5m`` (upstream's flag defaults to 0, one run, as the chart's CronJob)."""
DEFAULT_EVICTOR = "DefaultEvictor"

_POLICY_FIELDS = ("apiVersion", "kind", "metadata", "profiles", "nodeSelector", "maxNoOfPodsToEvictPerNode",
                  "maxNoOfPodsToEvictPerNamespace", "maxNoOfPodsToEvictTotal", "evictionFailureEventNotification",
                  "metricsCollector", "metricsProviders", "gracePeriodSeconds")
_NOT_MODELLED = {"metricsCollector": "metrics-based utilization is not modelled (requested resources are)",
                 "metricsProviders": "metrics-based utilization is not modelled (requested resources are)",
                 "gracePeriodSeconds": "graceful deletion periods are not modelled (evicted pods go at the "
                                       "kubelet's next sync)"}
_PROFILE_FIELDS = ("name", "pluginConfig", "plugins")
_EXTENSION_POINTS = ("presort", "sort", "deschedule", "balance", "filter", "preevictionfilter")
_NAMESPACES = ("include", "exclude")

_EVICTOR_BOOLS = {"evictLocalStoragePods": "evict_local_storage_pods", "evictDaemonSetPods": "evict_daemon_set_pods",
                  "evictSystemCriticalPods": "evict_system_critical_pods", "ignorePvcPods": "ignore_pvc_pods",
                  "evictFailedBarePods": "evict_failed_bare_pods", "nodeFit": "node_fit"}
_PROTECTIONS = {"PodsWithLocalStorage": "evict_local_storage_pods", "DaemonSetPods": "evict_daemon_set_pods",
                "SystemCriticalPods": "evict_system_critical_pods", "FailedBarePods": "evict_failed_bare_pods"}
_EXTRA_PROTECTIONS = {"PodsWithPVC": "ignore_pvc_pods"}
_EVICTOR_NOT_MODELLED = ("nodeSelector", "labelSelector", "namespaceLabelSelector", "minReplicas", "minPodAge",
                         "noEvictionPolicy", "ignorePodsWithoutPDB")

_ARGS: dict[str, tuple[str, ...]] = {
    DEFAULT_EVICTOR: (*_EVICTOR_BOOLS, "priorityThreshold", "podProtections", *_EVICTOR_NOT_MODELLED),
    "RemoveDuplicates": ("namespaces", "excludeOwnerKinds"),
    "LowNodeUtilization": ("thresholds", "targetThresholds", "numberOfNodes", "useDeviationThresholds",
                           "evictableNamespaces", "metricsUtilization", "evictionLimits"),
    "HighNodeUtilization": ("thresholds", "numberOfNodes", "evictableNamespaces", "evictionModes"),
    "RemovePodsViolatingNodeTaints": ("namespaces", "labelSelector", "includePreferNoSchedule", "excludedTaints",
                                      "includedTaints"),
    "RemovePodsViolatingNodeAffinity": ("namespaces", "labelSelector", "nodeAffinityType"),
    "RemovePodsViolatingInterPodAntiAffinity": ("namespaces", "labelSelector"),
    "RemovePodsViolatingTopologySpreadConstraint": ("namespaces", "labelSelector", "constraints",
                                                    "topologyBalanceNodeFit"),
}
"""Each plugin's args fields (its ``types.go``)."""
_ARGS_NOT_MODELLED = {"metricsUtilization": "metrics-based utilization is not modelled (requested resources are)",
                      "evictionLimits": "per-plugin eviction limits are not modelled", "includedTaints":
                      "includedTaints is not modelled (excludedTaints is)", "evictionModes":
                      "evictionModes is not modelled"}


@attrs.frozen
class DeschedulerProfile:
    """One profile: its Deschedule and Balance plugins in the order given, every plugin's defaulted args (plugin name
    -> FrozenDict, camelCase keys as the plugins in :mod:`model.descheduler.plugins` read them), and the
    DefaultEvictor's arguments."""

    name: str
    deschedule: tuple[str, ...] = ()
    balance: tuple[str, ...] = ()
    args: FrozenDict = FrozenDict()
    evictor: EvictorArgs = EvictorArgs()

    def plugin_args(self, plugin: str) -> Mapping[str, Any]:
        return self.args.get(plugin, FrozenDict())


@attrs.frozen
class DeschedulerPolicy:
    """A validated policy: profiles in order, the nodes it works on, its eviction limits and interval (seconds)."""

    profiles: tuple[DeschedulerProfile, ...]
    node_selector: str | None = None
    max_per_node: int | None = None
    max_per_namespace: int | None = None
    max_total: int | None = None
    interval: int = DEFAULT_INTERVAL


def _fail(message: str, path: str) -> ManifestError:
    return ManifestError(message, path)


def _mapping(value: Any, path: str, allowed: tuple[str, ...], what: str = "") -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(f"expected an object, got {type_name(value)}", path)
    for key in value:
        if key not in allowed:
            raise _fail(f'unknown field "{key}"{what}', join_path(path, str(key)))
    return value


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise _fail(f"expected an array, got {type_name(value)}", path)
    return list(value)


def _strings(value: Any, path: str) -> list[str]:
    items = _list(value, path)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise _fail(f"expected a non-empty string, got {type_name(item)}", join_path(path, i))
    return items


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"expected true or false, got {type_name(value)}", path)
    return value


def _count(value: Any, path: str) -> int | None:
    """A ``*uint`` field."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(f"Invalid value: {value!r}: must be a non-negative integer", path)
    return value


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")


def parse_interval(value: Any, path: str) -> int:
    """A Go duration (``5m``, ``1h30m``, ``90s``) or a number of seconds, in whole seconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = _DURATION.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise _fail(f'Invalid value: "{text}": must be a duration such as 5m, 90s or 1h30m', path)
    return int(sum(float(n) * scale[u] for n, u in parts))


def _namespaces(args: Mapping[str, Any], path: str, exclude_only: bool = False) -> None:
    for name in ("namespaces", "evictableNamespaces"):
        if name not in args:
            continue
        namespaces = _mapping(args[name], join_path(path, name), _NAMESPACES)
        include = _strings(namespaces.get("include"), join_path(path, f"{name}.include"))
        exclude = _strings(namespaces.get("exclude"), join_path(path, f"{name}.exclude"))
        if exclude_only and include:
            raise _fail("only Exclude namespaces can be set, inclusion is not supported",
                        join_path(path, f"{name}.include"))
        if include and exclude:
            raise _fail("only one of Include/Exclude namespaces can be set", join_path(path, name))


def _label_selector(args: Mapping[str, Any], path: str) -> None:
    if args.get("labelSelector") is not None:
        try:
            selector_from_dict(args["labelSelector"])
        except (SelectorError, ValueError, TypeError, AttributeError) as e:
            raise _fail(f"failed to get label selectors from strategy's params: {e}",
                        join_path(path, "labelSelector")) from None


def _thresholds(value: Any, path: str) -> dict[str, float]:
    """validateThresholds: at least one resource, each percentage within [0, 100]."""
    thresholds = _mapping(value, path, tuple(value) if isinstance(value, Mapping) else ())
    if not thresholds:
        raise _fail("no resource threshold is configured", path)
    out = {}
    for name, percent in thresholds.items():
        if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
            raise _fail(f"{name} threshold not in [0, 100] range", join_path(path, str(name)))
        out[str(name)] = float(percent)
    return out


def _validate_args(plugin: str, args: Mapping[str, Any], path: str) -> dict[str, Any]:
    """The plugin's args checked as its validator does, with its defaults filled in."""
    args = dict(_mapping(args, path, _ARGS[plugin], f" for {plugin}"))
    for key, reason in _ARGS_NOT_MODELLED.items():
        if key in args:
            raise _fail(f"not modelled: {reason}", join_path(path, key))
    if plugin == DEFAULT_EVICTOR:
        return args
    _namespaces(args, path, exclude_only=plugin in ("LowNodeUtilization", "HighNodeUtilization"))
    _label_selector(args, path)
    if plugin == "RemoveDuplicates":
        _strings(args.get("excludeOwnerKinds"), join_path(path, "excludeOwnerKinds"))
    elif plugin in ("LowNodeUtilization", "HighNodeUtilization"):
        low = _thresholds(args.get("thresholds"), join_path(path, "thresholds"))
        if "numberOfNodes" in args:
            _count(args["numberOfNodes"], join_path(path, "numberOfNodes"))
        if plugin == "LowNodeUtilization":
            deviation = _bool(args.get("useDeviationThresholds", False), join_path(path, "useDeviationThresholds"))
            if deviation:
                raise _fail("not modelled: deviation thresholds", join_path(path, "useDeviationThresholds"))
            high = _thresholds(args.get("targetThresholds"), join_path(path, "targetThresholds"))
            if set(low) != set(high):
                raise _fail("thresholds and targetThresholds configured different resources", path)
            for name, value in low.items():
                if value > high[name]:
                    raise _fail(f"thresholds' {name} percentage is greater than targetThresholds'",
                                join_path(path, f"thresholds.{name}"))
    elif plugin == "RemovePodsViolatingNodeTaints":
        if "includePreferNoSchedule" in args:
            _bool(args["includePreferNoSchedule"], join_path(path, "includePreferNoSchedule"))
        _strings(args.get("excludedTaints"), join_path(path, "excludedTaints"))
    elif plugin == "RemovePodsViolatingNodeAffinity":
        kinds = _strings(args.get("nodeAffinityType"), join_path(path, "nodeAffinityType"))
        if not kinds:
            raise _fail("nodeAffinityType needs to be set", join_path(path, "nodeAffinityType"))
        for i, kind in enumerate(kinds):
            if kind not in ("requiredDuringSchedulingIgnoredDuringExecution",
                            "preferredDuringSchedulingIgnoredDuringExecution"):
                raise _fail(f'Unsupported value: "{kind}": supported values: '
                            '"requiredDuringSchedulingIgnoredDuringExecution", '
                            '"preferredDuringSchedulingIgnoredDuringExecution"',
                            join_path(path, f"nodeAffinityType[{i}]"))
    elif plugin == "RemovePodsViolatingTopologySpreadConstraint":
        constraints = _strings(args.get("constraints"), join_path(path, "constraints"))
        for i, constraint in enumerate(constraints):
            if constraint not in ("DoNotSchedule", "ScheduleAnyway"):
                raise _fail(f"constraint {constraint} is not one of [DoNotSchedule ScheduleAnyway]",
                            join_path(path, f"constraints[{i}]"))
        args["constraints"] = constraints or ["DoNotSchedule"]  # SetDefaults_...Args
        args["topologyBalanceNodeFit"] = _bool(args.get("topologyBalanceNodeFit", True),
                                               join_path(path, "topologyBalanceNodeFit"))
    return args


def _evictor(args: Mapping[str, Any], path: str) -> EvictorArgs:
    """DefaultEvictorArgs (ValidateDefaultEvictorArgs): the deprecated booleans or ``podProtections``, not both."""
    for key in _EVICTOR_NOT_MODELLED:
        if args.get(key) not in (None, False, 0, ""):
            raise _fail(f"not modelled: {key} is not honoured by the model's DefaultEvictor", join_path(path, key))
    values: dict[str, Any] = {field: _bool(args[key], join_path(path, key))
                              for key, field in _EVICTOR_BOOLS.items() if key in args}
    protections = _mapping(args.get("podProtections"), join_path(path, "podProtections"),
                           ("extraEnabled", "defaultDisabled", "config"))
    disabled = _strings(protections.get("defaultDisabled"), join_path(path, "podProtections.defaultDisabled"))
    extra = _strings(protections.get("extraEnabled"), join_path(path, "podProtections.extraEnabled"))
    deprecated = any(values.get(f) for k, f in _EVICTOR_BOOLS.items() if k != "nodeFit")
    if deprecated and (disabled or extra):
        raise _fail("cannot use Deprecated fields alongside PodProtections.ExtraEnabled or "
                    "PodProtections.DefaultDisabled", join_path(path, "podProtections"))
    for name, items, known in (("defaultDisabled", disabled, _PROTECTIONS), ("extraEnabled", extra,
                                                                             _EXTRA_PROTECTIONS)):
        for i, item in enumerate(items):
            if item not in known:
                raise _fail(f'invalid pod protection policy in {name[0].upper() + name[1:]}: "{item}". Valid options '
                            f'are: [{" ".join(known)}]', join_path(path, f"podProtections.{name}[{i}]"))
            values[known[item]] = True
        if len(set(items)) != len(items):
            raise _fail(f"PodProtections.{name[0].upper() + name[1:]} contains duplicate entries",
                        join_path(path, f"podProtections.{name}"))
    threshold = _mapping(args.get("priorityThreshold"), join_path(path, "priorityThreshold"), ("value", "name"))
    if threshold.get("name"):
        if "value" in threshold:
            raise _fail("priority threshold misconfigured, only one of priorityThreshold fields can be set",
                        join_path(path, "priorityThreshold"))
        raise _fail("not modelled: a priority threshold by PriorityClass name (give its value)",
                    join_path(path, "priorityThreshold.name"))
    if "value" in threshold:
        value = threshold["value"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(f"expected an integer, got {type_name(value)}", join_path(path, "priorityThreshold.value"))
        values["priority_threshold"] = value
    return EvictorArgs(**values)


def _plugin_set(value: Any, path: str) -> list[str]:
    plugin_set = _mapping(value, path, ("enabled", "disabled"))
    return _strings(plugin_set.get("enabled"), join_path(path, "enabled"))


def _profile(data: Any, path: str) -> DeschedulerProfile:
    data = _mapping(data, path, _PROFILE_FIELDS)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise _fail("Required value: a profile needs a name", join_path(path, "name"))
    configs: dict[str, tuple[int, Any]] = {}
    for i, entry in enumerate(_list(data.get("pluginConfig"), join_path(path, "pluginConfig"))):
        where = join_path(path, f"pluginConfig[{i}]")
        entry = _mapping(entry, where, ("name", "args"))
        plugin = entry.get("name")
        if plugin not in _ARGS:
            raise _fail(f'plugin {plugin} in pluginConfig not registered (in profile {name})', join_path(where, "name"))
        if plugin in configs:
            raise _fail(f'Duplicate value: "{plugin}"', join_path(where, "name"))
        configs[plugin] = (i, entry.get("args"))
    plugins = _mapping(data.get("plugins"), join_path(path, "plugins"), _EXTENSION_POINTS)
    points = {point: _plugin_set(plugins.get(point), join_path(path, f"plugins.{point}"))
              for point in _EXTENSION_POINTS}
    for point in ("presort", "sort"):
        if points[point]:
            raise _fail(f"not modelled: the {point} extension point", join_path(path, f"plugins.{point}.enabled"))
    for point in ("filter", "preevictionfilter"):
        for i, plugin in enumerate(points[point]):
            if plugin != DEFAULT_EVICTOR:
                raise _fail(f"profile {name!r} configures {point} extension point of non-existing plugins: [{plugin}]",
                            join_path(path, f"plugins.{point}.enabled[{i}]"))
    for point, registry in (("deschedule", DESCHEDULE), ("balance", BALANCE)):
        for i, plugin in enumerate(points[point]):
            if plugin not in registry:
                raise _fail(f"profile {name!r} configures {point} extension point of non-existing plugins: [{plugin}]",
                            join_path(path, f"plugins.{point}.enabled[{i}]"))
            if plugin not in configs:
                raise _fail(f'unable to find "{plugin}" plugin config',
                            join_path(path, f"plugins.{point}.enabled[{i}]"))
    args = {plugin: freeze(_validate_args(plugin, raw or {}, join_path(path, f"pluginConfig[{i}].args")))
            for plugin, (i, raw) in configs.items()}
    evictor_index, evictor_raw = configs.get(DEFAULT_EVICTOR, (0, None))
    evictor = _evictor(evictor_raw or {}, join_path(path, f"pluginConfig[{evictor_index}].args"))
    return DeschedulerProfile(name, tuple(dict.fromkeys(points["deschedule"])), tuple(dict.fromkeys(points["balance"])),
                              FrozenDict(args), evictor)


def parse_policy(data: Mapping[str, Any], path: str = "") -> DeschedulerPolicy:
    """A validated :class:`DeschedulerPolicy` from the document; raises :class:`ManifestError` naming the field."""
    data = _mapping(data, path, _POLICY_FIELDS)
    if data.get("apiVersion") != API_VERSION:
        raise _fail(f'Unsupported value: "{data.get("apiVersion")}": the descheduler reads "{API_VERSION}"',
                    join_path(path, "apiVersion"))
    for key, reason in _NOT_MODELLED.items():
        if data.get(key) is not None:
            raise _fail(f"not modelled: {reason}", join_path(path, key))
    profiles, names = [], set()
    for i, entry in enumerate(_list(data.get("profiles"), join_path(path, "profiles"))):
        profile = _profile(entry, join_path(path, f"profiles[{i}]"))
        if profile.name in names:
            raise _fail(f'Duplicate value: "{profile.name}"', join_path(path, f"profiles[{i}].name"))
        names.add(profile.name)
        profiles.append(profile)
    selector = data.get("nodeSelector")
    if selector is not None:
        try:
            parse_selector(str(selector))
        except (SelectorError, ValueError) as e:
            raise _fail(f"invalid node selector: {e}", join_path(path, "nodeSelector")) from None
    if data.get("evictionFailureEventNotification") is not None:
        _bool(data["evictionFailureEventNotification"], join_path(path, "evictionFailureEventNotification"))
    metadata = data.get("metadata") or {}
    annotations = metadata.get("annotations") or {} if isinstance(metadata, Mapping) else {}
    interval = DEFAULT_INTERVAL
    if INTERVAL_ANNOTATION in annotations:
        interval = parse_interval(annotations[INTERVAL_ANNOTATION],
                                  join_path(path, f"metadata.annotations.{INTERVAL_ANNOTATION}"))
    return DeschedulerPolicy(tuple(profiles), None if selector is None else str(selector),
                             *(_count(data.get(k), join_path(path, k)) for k in
                               ("maxNoOfPodsToEvictPerNode", "maxNoOfPodsToEvictPerNamespace",
                                "maxNoOfPodsToEvictTotal")), interval=interval)
