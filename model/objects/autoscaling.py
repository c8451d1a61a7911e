"""HorizontalPodAutoscaler (autoscaling/v2) and the metrics.k8s.io PodMetrics/NodeMetrics metrics-server serves.

Sources: staging/src/k8s.io/api/autoscaling/v2/types.go; defaulting from pkg/apis/autoscaling/v2/defaults.go
(SetDefaults_HorizontalPodAutoscaler: minReplicas 1, a cpu Utilization 80 metric when none is given;
SetDefaults_HorizontalPodAutoscalerBehavior / GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: a given
``behavior`` has its missing rules and fields filled in); validation from pkg/apis/autoscaling/validation
(validateHorizontalPodAutoscalerSpec, validateBehavior, validateScalingRules, validateMetricTarget);
staging/src/k8s.io/metrics/pkg/apis/metrics/v1beta1/types.go.
Doc: https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/

Only ``Resource`` metrics (cpu, memory) are computed by the model's controller; the other metric types load and
validate, and the controller reports them as a failed metric (custom and external metrics APIs are not modelled).
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from model.errors import join_path
from model.frozendict import FrozenDict
from model.objects.meta import KubeObject, ObjectMeta, metadata_field
from model.quantity import Quantity
from model.schema import (
    INT,
    QUANTITY,
    RAW,
    RESOURCE_LIST,
    STR,
    TIMESTAMP,
    Serializable,
    enum,
    field,
    list_of,
    nested,
    require,
)

MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600
DEFAULT_CPU_UTILIZATION = 80


@attrs.frozen
class CrossVersionObjectReference(Serializable):
    kind: str = field("kind", STR, required=True)
    name: str = field("name", STR, required=True)
    api_version: str | None = field("apiVersion", STR)


@attrs.frozen
class MetricTarget(Serializable):
    """autoscaling/v2 MetricTarget: ``Utilization`` (averageUtilization, percent of the requests), ``AverageValue``
    or ``Value``."""

    type: str = field("type", enum("Utilization", "Value", "AverageValue"), required=True)
    average_utilization: int | None = field("averageUtilization", INT)
    average_value: Quantity | None = field("averageValue", QUANTITY)
    value: Quantity | None = field("value", QUANTITY)

    def _defaulted(self, path: str) -> MetricTarget:
        """validateMetricTarget: the field the type names must be set and positive."""
        if self.type == "Utilization":
            require(self.average_utilization is not None, "Required value: must set either a target raw value or "
                    "a target utilization", join_path(path, "averageUtilization"))
            require(self.average_utilization > 0, f"Invalid value: {self.average_utilization}: must be greater than "
                    "0", join_path(path, "averageUtilization"))
        elif self.type == "AverageValue":
            require(self.average_value is not None, "Required value: must set either a target raw value or a target "
                    "utilization", join_path(path, "averageValue"))
            require(self.average_value.milli > 0, "Invalid value: must be positive", join_path(path, "averageValue"))
        else:
            require(self.value is not None and self.value.milli > 0, "Invalid value: must be positive",
                    join_path(path, "value"))
        return self


@attrs.frozen
class ResourceMetricSource(Serializable):
    name: str = field("name", STR, required=True)
    target: MetricTarget = field("target", nested(MetricTarget), required=True)


@attrs.frozen
class ContainerResourceMetricSource(Serializable):
    name: str = field("name", STR, required=True)
    container: str = field("container", STR, required=True)
    target: MetricTarget = field("target", nested(MetricTarget), required=True)


@attrs.frozen
class MetricSpec(Serializable):
    """autoscaling/v2 MetricSpec; ``pods``, ``object`` and ``external`` sources are kept as given."""

    type: str = field("type", enum("Resource", "ContainerResource", "Pods", "Object", "External"), required=True)
    resource: ResourceMetricSource | None = field("resource", nested(ResourceMetricSource))
    container_resource: ContainerResourceMetricSource | None = field(
        "containerResource", nested(ContainerResourceMetricSource))
    pods: Any = field("pods", RAW)
    object: Any = field("object", RAW)
    external: Any = field("external", RAW)

    def _defaulted(self, path: str) -> MetricSpec:
        """validateMetricSpec: the source the type names must be given (and only that one)."""
        sources = {"Resource": self.resource, "ContainerResource": self.container_resource, "Pods": self.pods,
                   "Object": self.object, "External": self.external}
        name = self.type[0].lower() + self.type[1:]
        require(sources[self.type] is not None, "Required value: must populate information for the given metric "
                "source", join_path(path, name))
        for other, value in sources.items():
            require(other == self.type or value is None, "Invalid value: must populate the given metric source "
                    "only", join_path(path, other[0].lower() + other[1:]))
        return self


@attrs.frozen
class HPAScalingPolicy(Serializable):
    type: str = field("type", enum("Pods", "Percent"), required=True)
    value: int = field("value", INT, required=True)
    period_seconds: int = field("periodSeconds", INT, required=True)

    def _defaulted(self, path: str) -> HPAScalingPolicy:
        """validateScalingPolicy: value > 0, 0 < periodSeconds <= 1800."""
        require(self.value > 0, f"Invalid value: {self.value}: must be greater than zero", join_path(path, "value"))
        require(0 < self.period_seconds <= MAX_PERIOD_SECONDS, f"Invalid value: {self.period_seconds}: must be "
                f"greater than zero and less than or equal to {MAX_PERIOD_SECONDS}", join_path(path, "periodSeconds"))
        return self


@attrs.frozen
class HPAScalingRules(Serializable):
    """autoscaling/v2 HPAScalingRules. ``stabilization_window_seconds`` None on scaleDown means the controller's
    --horizontal-pod-autoscaler-downscale-stabilization (300 s)."""

    stabilization_window_seconds: int | None = field("stabilizationWindowSeconds", INT)
    select_policy: str | None = field("selectPolicy", enum("Max", "Min", "Disabled"))
    policies: tuple[HPAScalingPolicy, ...] | None = field("policies", list_of(nested(HPAScalingPolicy)))

    def _defaulted(self, path: str) -> HPAScalingRules:
        """validateScalingRules: 0 <= stabilizationWindowSeconds <= 3600; at least one policy unless Disabled."""
        window = self.stabilization_window_seconds
        require(window is None or 0 <= window <= MAX_STABILIZATION_WINDOW_SECONDS, f"Invalid value: {window}: must "
                f"be greater than or equal to zero and less than or equal to {MAX_STABILIZATION_WINDOW_SECONDS}",
                join_path(path, "stabilizationWindowSeconds"))
        if self.policies is not None and self.select_policy != "Disabled":
            require(len(self.policies) > 0, "Required value: must specify at least one Policy",
                    join_path(path, "policies"))
        return self


SCALE_UP_DEFAULTS = HPAScalingRules(0, "Max", (HPAScalingPolicy("Pods", 4, 15), HPAScalingPolicy("Percent", 100, 15)))
"""GenerateHPAScaleUpRules' defaults: no stabilization, at most +4 pods or +100% per 15 s, whichever is more."""
SCALE_DOWN_DEFAULTS = HPAScalingRules(None, "Max", (HPAScalingPolicy("Percent", 100, 15),))
"""GenerateHPAScaleDownRules' defaults: the controller's 300 s window, at most -100% per 15 s."""


def _filled(rules: HPAScalingRules | None, defaults: HPAScalingRules) -> HPAScalingRules:
    """copyHPAScalingRules: each field given wins over the default."""
    if rules is None:
        return defaults
    return HPAScalingRules(
        defaults.stabilization_window_seconds if rules.stabilization_window_seconds is None
        else rules.stabilization_window_seconds,
        rules.select_policy or defaults.select_policy,
        defaults.policies if rules.policies is None else rules.policies)


@attrs.frozen
class HorizontalPodAutoscalerBehavior(Serializable):
    scale_up: HPAScalingRules | None = field("scaleUp", nested(HPAScalingRules))
    scale_down: HPAScalingRules | None = field("scaleDown", nested(HPAScalingRules))

    def _defaulted(self, path: str) -> HorizontalPodAutoscalerBehavior:
        return HorizontalPodAutoscalerBehavior(_filled(self.scale_up, SCALE_UP_DEFAULTS),
                                               _filled(self.scale_down, SCALE_DOWN_DEFAULTS))


@attrs.frozen
class HorizontalPodAutoscalerSpec(Serializable):
    scale_target_ref: CrossVersionObjectReference = field("scaleTargetRef", nested(CrossVersionObjectReference),
                                                          required=True)
    max_replicas: int = field("maxReplicas", INT, required=True)
    min_replicas: int | None = field("minReplicas", INT)
    metrics: tuple[MetricSpec, ...] = field("metrics", list_of(nested(MetricSpec)), ())
    behavior: HorizontalPodAutoscalerBehavior | None = field("behavior", nested(HorizontalPodAutoscalerBehavior))

    def _defaulted(self, path: str) -> HorizontalPodAutoscalerSpec:
        """SetDefaults_HorizontalPodAutoscaler, then validateHorizontalPodAutoscalerSpec (minReplicas >= 1 without the
        HPAScaleToZero alpha gate; maxReplicas >= minReplicas)."""
        spec = self
        if spec.min_replicas is None:
            spec = attrs.evolve(spec, min_replicas=1)
        if not spec.metrics:
            target = MetricTarget("Utilization", average_utilization=DEFAULT_CPU_UTILIZATION)
            spec = attrs.evolve(spec, metrics=(MetricSpec("Resource", ResourceMetricSource("cpu", target)),))
        require(spec.min_replicas >= 1, f"Invalid value: {spec.min_replicas}: must be greater than or equal to 1",
                join_path(path, "minReplicas"))
        require(spec.max_replicas >= spec.min_replicas, f"Invalid value: {spec.max_replicas}: must be greater than "
                "or equal to `minReplicas`", join_path(path, "maxReplicas"))
        return spec


@attrs.frozen
class HorizontalPodAutoscalerStatus(Serializable):
    current_replicas: int = field("currentReplicas", INT, 0)
    desired_replicas: int = field("desiredReplicas", INT, 0)
    last_scale_time: int | str | None = field("lastScaleTime", TIMESTAMP)
    observed_generation: int | None = field("observedGeneration", INT)
    current_metrics: Any = field("currentMetrics", RAW)
    conditions: Any = field("conditions", RAW)


@attrs.frozen
class HorizontalPodAutoscaler(KubeObject):
    API_VERSION: ClassVar[str] = "autoscaling/v2"
    KIND: ClassVar[str] = "HorizontalPodAutoscaler"
    RESOURCE: ClassVar[str] = "horizontalpodautoscalers"

    metadata: ObjectMeta = metadata_field()
    spec: HorizontalPodAutoscalerSpec = field("spec", nested(HorizontalPodAutoscalerSpec), required=True)
    status: HorizontalPodAutoscalerStatus = field("status", nested(HorizontalPodAutoscalerStatus),
                                                  HorizontalPodAutoscalerStatus())


@attrs.frozen
class ContainerMetrics(Serializable):
    name: str = field("name", STR, required=True)
    usage: FrozenDict = field("usage", RESOURCE_LIST, FrozenDict())


@attrs.frozen
class PodMetrics(KubeObject):
    """metrics.k8s.io/v1beta1 PodMetrics: each container's usage over ``window`` seconds ending at ``timestamp``."""

    API_VERSION: ClassVar[str] = "metrics.k8s.io/v1beta1"
    KIND: ClassVar[str] = "PodMetrics"
    RESOURCE: ClassVar[str] = "pods"

    metadata: ObjectMeta = metadata_field()
    timestamp: int | str | None = field("timestamp", TIMESTAMP)
    window: str = field("window", STR, "15s")
    containers: tuple[ContainerMetrics, ...] = field("containers", list_of(nested(ContainerMetrics)), ())


@attrs.frozen
class NodeMetrics(KubeObject):
    """metrics.k8s.io/v1beta1 NodeMetrics: the node's usage."""

    API_VERSION: ClassVar[str] = "metrics.k8s.io/v1beta1"
    KIND: ClassVar[str] = "NodeMetrics"
    RESOURCE: ClassVar[str] = "nodes"
    NAMESPACED: ClassVar[bool] = False

    metadata: ObjectMeta = metadata_field()
    timestamp: int | str | None = field("timestamp", TIMESTAMP)
    window: str = field("window", STR, "15s")
    usage: FrozenDict = field("usage", RESOURCE_LIST, FrozenDict())
