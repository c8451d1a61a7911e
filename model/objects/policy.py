"""ResourceQuota and LimitRange.

Sources: staging/src/k8s.io/api/core/v1/types.go; defaulting from pkg/apis/core/v1/defaults.go
(SetDefaults_LimitRangeItem); doc https://kubernetes.io/docs/concepts/policy/resource-quotas/ and
https://kubernetes.io/docs/concepts/policy/limit-range/.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from model.errors import join_path
from model.frozendict import FrozenDict
from model.objects.meta import KubeObject, ObjectMeta, metadata_field
from model.schema import RESOURCE_LIST, STR, Serializable, enum, field, list_of, merged, nested, require

QUOTA_SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
                "CrossNamespacePodAffinity", "VolumeAttributesClass")


@attrs.frozen
class ScopedResourceSelectorRequirement(Serializable):
    scope_name: str = field("scopeName", enum(*QUOTA_SCOPES), required=True)
    operator: str = field("operator", enum("In", "NotIn", "Exists", "DoesNotExist"), required=True)
    values: tuple[str, ...] = field("values", list_of(STR), ())

    def _defaulted(self, path: str) -> ScopedResourceSelectorRequirement:
        """validateScopedResourceSelectorRequirement: only PriorityClass and VolumeAttributesClass take values."""
        vpath = join_path(path, "values")
        if self.operator in ("In", "NotIn"):
            require(bool(self.values), "Required value: must be at least one value when `operator` is 'In' or "
                    "'NotIn' for scope selector", vpath)
        else:
            require(not self.values, "Invalid value: may not be specified when `operator` is 'Exists' or "
                    "'DoesNotExist'", vpath)
        if self.scope_name not in ("PriorityClass", "VolumeAttributesClass"):
            require(self.operator == "Exists", f'Invalid value: "{self.operator}": must be '
                    f"'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, "
                    "ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or "
                    "ResourceQuotaScopeCrossNamespacePodAffinity", join_path(path, "operator"))
        return self


@attrs.frozen
class ScopeSelector(Serializable):
    match_expressions: tuple[ScopedResourceSelectorRequirement, ...] = field(
        "matchExpressions", list_of(nested(ScopedResourceSelectorRequirement)), ())


@attrs.frozen
class ResourceQuotaSpec(Serializable):
    hard: FrozenDict = field("hard", RESOURCE_LIST, FrozenDict())
    scopes: tuple[str, ...] = field("scopes", list_of(enum(*QUOTA_SCOPES)), ())
    scope_selector: ScopeSelector | None = field("scopeSelector", nested(ScopeSelector))


@attrs.frozen
class ResourceQuotaStatus(Serializable):
    """What the quota controller (and admission) last recorded: ``hard`` as enforced, ``used`` as charged."""

    hard: FrozenDict = field("hard", RESOURCE_LIST, FrozenDict())
    used: FrozenDict = field("used", RESOURCE_LIST, FrozenDict())


@attrs.frozen
class ResourceQuota(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "ResourceQuota"
    RESOURCE: ClassVar[str] = "resourcequotas"

    metadata: ObjectMeta = metadata_field()
    spec: ResourceQuotaSpec = field("spec", nested(ResourceQuotaSpec), ResourceQuotaSpec())
    status: ResourceQuotaStatus = field("status", nested(ResourceQuotaStatus), ResourceQuotaStatus())


@attrs.frozen
class LimitRangeItem(Serializable):
    """core/v1 LimitRangeItem, with SetDefaults_LimitRangeItem for ``type: Container``: an absent default
    limit is the max; an absent default request is the default limit, else the min.

    ``type`` is checked by the API server, not on loading (see ``model.apiserver.validation``): the
    Kubernetes docs themselves ship a LimitRange without it (``problematic-limit-range.yaml``)."""

    type: str = field("type", STR, "")
    max: FrozenDict = field("max", RESOURCE_LIST, FrozenDict())
    min: FrozenDict = field("min", RESOURCE_LIST, FrozenDict())
    default: FrozenDict = field("default", RESOURCE_LIST, FrozenDict())
    default_request: FrozenDict = field("defaultRequest", RESOURCE_LIST, FrozenDict())
    max_limit_request_ratio: FrozenDict = field("maxLimitRequestRatio", RESOURCE_LIST, FrozenDict())

    def _defaulted(self, path: str) -> LimitRangeItem:
        if self.type != "Container":
            return self
        default = merged(self.default, self.max)
        default_request = merged(merged(self.default_request, default), self.min)
        return attrs.evolve(self, default=default, default_request=default_request)


@attrs.frozen
class LimitRangeSpec(Serializable):
    limits: tuple[LimitRangeItem, ...] = field("limits", list_of(nested(LimitRangeItem)), ())


@attrs.frozen
class LimitRange(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "LimitRange"
    RESOURCE: ClassVar[str] = "limitranges"

    metadata: ObjectMeta = metadata_field()
    spec: LimitRangeSpec = field("spec", nested(LimitRangeSpec), LimitRangeSpec())
