"""Service and Endpoints.

Source: staging/src/k8s.io/api/core/v1/types.go; defaulting from pkg/apis/core/v1/defaults.go
(SetDefaults_Service: type ClusterIP, sessionAffinity None, port protocol TCP, targetPort = port).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from model.errors import join_path
from model.frozendict import FrozenDict
from model.objects.meta import KubeObject, ObjectMeta, ObjectReference, metadata_field
from model.objects.pod import PROTOCOLS
from model.schema import (
    BOOL,
    INT,
    INT_OR_STRING,
    STR,
    STR_MAP,
    Serializable,
    enum,
    field,
    list_of,
    nested,
    require,
)


@attrs.frozen
class ServicePort(Serializable):
    port: int = field("port", INT, required=True)
    name: str | None = field("name", STR)
    protocol: str = field("protocol", enum(*PROTOCOLS), "TCP")
    target_port: int | str | None = field("targetPort", INT_OR_STRING)
    node_port: int | None = field("nodePort", INT)

    def _defaulted(self, path: str) -> ServicePort:
        require(1 <= self.port <= 65535, f"Invalid value: {self.port}: must be between 1 and 65535, inclusive",
                join_path(path, "port"))
        return attrs.evolve(self, target_port=self.port) if self.target_port in (None, 0, "") else self


@attrs.frozen
class ServiceSpec(Serializable):
    """core/v1 ServiceSpec. ``selector`` None (or empty) means a selector-less Service whose
    Endpoints are managed by hand (the endpoints controller skips it)."""

    type: str = field("type", enum("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"), "ClusterIP")
    selector: FrozenDict = field("selector", STR_MAP, FrozenDict())
    ports: tuple[ServicePort, ...] = field("ports", list_of(nested(ServicePort)), ())
    cluster_ip: str | None = field("clusterIP", STR)
    session_affinity: str = field("sessionAffinity", enum("None", "ClientIP"), "None")
    external_name: str | None = field("externalName", STR)
    external_traffic_policy: str | None = field("externalTrafficPolicy", enum("Cluster", "Local"))
    internal_traffic_policy: str | None = field("internalTrafficPolicy", enum("Cluster", "Local"))
    publish_not_ready_addresses: bool = field("publishNotReadyAddresses", BOOL, False)

    def _defaulted(self, path: str) -> ServiceSpec:
        if self.type in ("NodePort", "LoadBalancer") and self.external_traffic_policy is None:
            return attrs.evolve(self, external_traffic_policy="Cluster")
        return self

    @property
    def is_headless(self) -> bool:
        return self.cluster_ip == "None"


@attrs.frozen
class Service(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "Service"
    RESOURCE: ClassVar[str] = "services"

    metadata: ObjectMeta = metadata_field()
    spec: ServiceSpec = field("spec", nested(ServiceSpec), ServiceSpec())


@attrs.frozen
class EndpointAddress(Serializable):
    ip: str = field("ip", STR, required=True)
    hostname: str | None = field("hostname", STR)
    node_name: str | None = field("nodeName", STR)
    target_ref: ObjectReference | None = field("targetRef", nested(ObjectReference))


@attrs.frozen
class EndpointPort(Serializable):
    port: int = field("port", INT, required=True)
    name: str | None = field("name", STR)
    protocol: str = field("protocol", enum(*PROTOCOLS), "TCP")


@attrs.frozen
class EndpointSubset(Serializable):
    addresses: tuple[EndpointAddress, ...] = field("addresses", list_of(nested(EndpointAddress)), ())
    not_ready_addresses: tuple[EndpointAddress, ...] = field(
        "notReadyAddresses", list_of(nested(EndpointAddress)), ())
    ports: tuple[EndpointPort, ...] = field("ports", list_of(nested(EndpointPort)), ())


@attrs.frozen
class Endpoints(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "Endpoints"
    RESOURCE: ClassVar[str] = "endpoints"

    metadata: ObjectMeta = metadata_field()
    subsets: tuple[EndpointSubset, ...] = field("subsets", list_of(nested(EndpointSubset)), ())
