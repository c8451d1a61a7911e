"""Objects of kinds the model does not cover (ConfigMap, Secret, CronJob, CRDs, ...): kept, not interpreted."""

from __future__ import annotations

from typing import Any

import attrs

from model.frozendict import FrozenDict, freeze, thaw
from model.objects.meta import ObjectMeta

CLUSTER_SCOPED_KINDS = frozenset({
    "StorageClass", "CustomResourceDefinition", "IngressClass", "RuntimeClass", "CSIDriver", "CSINode",
    "VolumeAttachment", "APIService", "CertificateSigningRequest", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "PriorityLevelConfiguration", "FlowSchema", "ComponentStatus", "DeviceClass",
})
"""Cluster-scoped kinds among those the model carries without interpreting."""


@attrs.frozen
class OpaqueObject:
    """A document the loader keeps as it is and reports as "not modelled", never as an error."""

    api_version: str
    kind: str
    metadata: ObjectMeta
    body: FrozenDict = attrs.field(converter=freeze)

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: str = "") -> OpaqueObject:
        meta = data.get("metadata")
        metadata = ObjectMeta.from_dict(meta, f"{path}.metadata" if path else "metadata") if meta else ObjectMeta()
        body = {k: v for k, v in data.items() if k not in ("apiVersion", "kind", "metadata")}
        return cls(str(data["apiVersion"]), str(data["kind"]), metadata, body)

    def to_dict(self) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind, "metadata": self.metadata.to_dict(),
                **thaw(self.body)}

    @property
    def api_group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def resource(self) -> str:
        """The REST resource, guessed from the kind as client-go's UnsafeGuessKindToResource does."""
        lower = self.kind.lower()
        if lower.endswith("s"):
            return lower + "es"
        if lower.endswith("y"):
            return lower[:-1] + "ies"
        return lower + "s"

    @property
    def namespaced(self) -> bool:
        return self.kind not in CLUSTER_SCOPED_KINDS

    @property
    def name(self) -> str:
        return self.metadata.name or self.metadata.generate_name or ""

    @property
    def namespace(self) -> str | None:
        return self.metadata.namespace

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.kind, self.metadata.namespace, self.name)
