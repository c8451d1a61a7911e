"""ObjectMeta, OwnerReference, LabelSelector and the base class of every top-level object.

Source: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import attrs

from model.errors import ManifestError, join_path
from model.frozendict import FrozenDict
from model.labels import Selector, SelectorError, selector_from_dict, validate_labels
from model.schema import (
    BOOL,
    INT,
    STR,
    STR_MAP,
    TIMESTAMP,
    Serializable,
    decode,
    encode,
    enum,
    field,
    list_of,
    nested,
)

T = TypeVar("T", bound="KubeObject")


@attrs.frozen
class OwnerReference(Serializable):
    """metav1.OwnerReference: who owns an object, for garbage collection and adoption."""

    api_version: str = field("apiVersion", STR, required=True)
    kind: str = field("kind", STR, required=True)
    name: str = field("name", STR, required=True)
    uid: str = field("uid", STR, required=True)
    controller: bool | None = field("controller", BOOL)
    block_owner_deletion: bool | None = field("blockOwnerDeletion", BOOL)


@attrs.frozen
class ObjectMeta(Serializable):
    """metav1.ObjectMeta: identity, labels, ownership and the deletion/finalizer state."""

    name: str | None = field("name", STR)
    generate_name: str | None = field("generateName", STR)
    namespace: str | None = field("namespace", STR)
    uid: str | None = field("uid", STR)
    resource_version: str | None = field("resourceVersion", STR)
    generation: int | None = field("generation", INT)
    creation_timestamp: int | str | None = field("creationTimestamp", TIMESTAMP)
    deletion_timestamp: int | str | None = field("deletionTimestamp", TIMESTAMP)
    deletion_grace_period_seconds: int | None = field("deletionGracePeriodSeconds", INT)
    labels: FrozenDict = field("labels", STR_MAP, FrozenDict())
    annotations: FrozenDict = field("annotations", STR_MAP, FrozenDict())
    owner_references: tuple[OwnerReference, ...] = field("ownerReferences", list_of(nested(OwnerReference)), ())
    finalizers: tuple[str, ...] = field("finalizers", list_of(STR), ())

    def _defaulted(self, path: str) -> ObjectMeta:
        try:
            validate_labels(self.labels)
        except SelectorError as e:
            raise ManifestError(str(e), join_path(path, "labels")) from None
        return self

    def controller_ref(self) -> OwnerReference | None:
        """metav1.GetControllerOf: the owner reference with ``controller: true``, if any."""
        return next((r for r in self.owner_references if r.controller), None)


@attrs.frozen
class LabelSelectorRequirement(Serializable):
    """metav1.LabelSelectorRequirement."""

    key: str = field("key", STR, required=True)
    operator: str = field("operator", enum("In", "NotIn", "Exists", "DoesNotExist"), required=True)
    values: tuple[str, ...] = field("values", list_of(STR), ())


@attrs.frozen
class LabelSelector(Serializable):
    """metav1.LabelSelector, validated on decode; :meth:`selector` gives the matching semantics."""

    match_labels: FrozenDict = field("matchLabels", STR_MAP, FrozenDict())
    match_expressions: tuple[LabelSelectorRequirement, ...] = field(
        "matchExpressions", list_of(nested(LabelSelectorRequirement)), ()
    )

    def _defaulted(self, path: str) -> LabelSelector:
        try:
            self.selector()
        except SelectorError as e:
            raise ManifestError(str(e), path) from None
        return self

    def selector(self) -> Selector:
        """metav1.LabelSelectorAsSelector (an empty selector matches everything)."""
        return selector_from_dict(self.to_dict())

    def matches(self, labels: Mapping[str, str]) -> bool:
        return self.selector().matches(labels)


def selector_of(label_selector: LabelSelector | None) -> Selector:
    """The Selector for an optional LabelSelector field: absent (null) selects nothing."""
    return selector_from_dict(None if label_selector is None else label_selector.to_dict())


@attrs.frozen
class ObjectReference(Serializable):
    """core/v1 ObjectReference (Endpoints targets, a PersistentVolume's claimRef)."""

    kind: str | None = field("kind", STR)
    namespace: str | None = field("namespace", STR)
    name: str | None = field("name", STR)
    uid: str | None = field("uid", STR)
    api_version: str | None = field("apiVersion", STR)
    resource_version: str | None = field("resourceVersion", STR)


class KubeObject(Serializable):
    """Base of every top-level kind: ``API_VERSION``/``KIND`` constants and identity shortcuts.

    Subclasses declare ``metadata`` as their first field. Namespaced kinds default an absent
    ``metadata.namespace`` to ``default``, as kubectl does with an empty context namespace.
    """

    __slots__ = ()
    API_VERSION: ClassVar[str]
    KIND: ClassVar[str]
    NAMESPACED: ClassVar[bool] = True
    RESOURCE: ClassVar[str]
    """The REST resource name (``pods``, ``deployments``) used by RBAC and quota ``count/...``."""

    metadata: ObjectMeta

    @classmethod
    def from_dict(cls: type[T], data: Mapping[str, Any], path: str = "") -> T:
        obj = decode(cls, data, path)
        meta = obj.metadata
        if cls.NAMESPACED and meta.namespace is None:
            meta = attrs.evolve(meta, namespace="default")
        if not cls.NAMESPACED and meta.namespace is not None:
            meta = attrs.evolve(meta, namespace=None)
        if not meta.name and not meta.generate_name:
            raise ManifestError("Required value: name or generateName is required", join_path(path, "metadata.name"))
        return attrs.evolve(obj, metadata=meta) if meta is not obj.metadata else obj

    def to_dict(self) -> dict[str, Any]:
        return {"apiVersion": self.API_VERSION, "kind": self.KIND, **encode(self)}

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def api_group(self) -> str:
        """The API group ("" for the core group), as RBAC rules name it."""
        return self.API_VERSION.rpartition("/")[0]

    @property
    def resource(self) -> str:
        return self.RESOURCE

    @property
    def namespaced(self) -> bool:
        return self.NAMESPACED

    @property
    def name(self) -> str:
        return self.metadata.name or ""

    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace

    @property
    def labels(self) -> FrozenDict:
        return self.metadata.labels

    @property
    def key(self) -> tuple[str, str | None, str]:
        """(kind, namespace, name): the object's identity in the API server's store."""
        return (self.KIND, self.metadata.namespace, self.name)


def metadata_field() -> Any:
    """The ``metadata`` field every top-level kind declares first."""
    return field("metadata", nested(ObjectMeta), ObjectMeta())
