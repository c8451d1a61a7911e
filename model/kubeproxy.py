"""kube-proxy as a component: each node's proxy programs the Service routing rules from its own informer.

Every node runs kube-proxy with one informer (``kube-proxy/<node>``) on Services and Endpoints. Its proxier
rebuilds the node's rules from that cache in one sync (``KubeProxySync``), so the node's table lags the API
server until the proxy has observed the change and synced; while the node is down or partitioned its watch
does not advance (the informer carries ``node``). A client on a node sends a request to a Service
(``RouteRequest``); the rules pick one backend, and exploration tries each.

Sources: pkg/proxy/iptables/proxier.go and pkg/proxy/nftables/proxier.go (``syncProxyRules``: a rule set
rebuilt from the service and endpoints caches; services without endpoints get a REJECT rule),
pkg/proxy/servicechangetracker.go and pkg/proxy/util/utils.go (``ShouldSkipService``: headless and
ExternalName services are not proxied), pkg/proxy/endpointschangetracker.go (endpoints are matched to a
service port by port name and protocol), pkg/proxy/topology.go (``CategorizeEndpoints``: only ready endpoints
serve; ``internalTrafficPolicy: Local`` keeps only this node's). Doc:
https://kubernetes.io/docs/reference/networking/virtual-ips/ .

Deliberate simplifications: kube-proxy reads EndpointSlices, which the EndpointSlice controller derives from
the same pods as Endpoints; the model reads Endpoints, so terminating-but-serving endpoints (only visible in
slices) are never used as a fallback. The table models traffic from clients inside the cluster to the
Service's cluster IP or node port: ``externalTrafficPolicy`` (external traffic) and topology hints are not
modelled. A table entry is keyed by the Service port number; ports sharing a number across protocols share
the entry. A node's rules survive a crash of the node in the model (a rebooted node would start with none
until kube-proxy syncs; no client on a down node can send anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.component import Component, Step, by_inputs
from model.config import ModelConfig
from model.frozendict import FrozenDict
from model.informers import Informer
from model.kubelet.status import pod_ip
from model.memo import IdentityMemo
from model.objects import Service
from model.state import ClusterState
from model.store import Objects

WATCHES = frozenset({"Service", "Endpoints"})

Backend = tuple[str, int]
"""(IP, port) a Service port's traffic may be sent to."""
RouteKey = tuple[str, str, int]
"""(namespace, Service name, Service port number)."""


def informer_name(node: str) -> str:
    return f"kube-proxy/{node}"


@attrs.frozen
class KubeProxySync:
    """kube-proxy on ``node`` rebuilds the node's rules from its informer cache (``syncProxyRules``)."""

    node: str

    def describe(self) -> str:
        return f"kube-proxy on {self.node} syncs its rules"


@attrs.frozen
class RouteRequest:
    """A client on ``node`` sends a request to port ``port`` of Service ``namespace/service``; the node's rules
    send it to ``backend``."""

    node: str
    namespace: str
    service: str
    port: int
    backend: Backend

    def describe(self) -> str:
        ip, port = self.backend
        return f"a client on {self.node} reaches {self.namespace}/{self.service}:{self.port} at {ip}:{port}"


ACTIONS = (KubeProxySync, RouteRequest)


def proxied(service: Service) -> bool:
    """Not ``ShouldSkipService``: headless and ExternalName Services get no rules. The model's API server
    allocates no cluster IPs, so only ``clusterIP: None`` counts as headless."""
    return not service.spec.is_headless and service.spec.type != "ExternalName"


_TABLES = IdentityMemo(1024)


def routing_table(cache: Objects, node: str) -> FrozenDict:
    """The rules a sync programs on ``node`` from an informer cache: for every port of every proxied Service,
    the ready endpoints (Endpoints ``addresses``) whose port has the Service port's name and protocol, sorted;
    an empty tuple is a REJECT rule. ``internalTrafficPolicy: Local`` keeps the endpoints on ``node``. Memoised by
    the cache's identity (it changes only when a Service or Endpoints event reaches the proxy, and every step asks)."""
    table = _TABLES.get((cache,), node)
    if table is None:
        table = _routing_table(cache, node)
        _TABLES.put((cache,), node, table)
    return table


def _routing_table(cache: Objects, node: str) -> FrozenDict:
    ready: dict[tuple[str, str, str | None, str], set[tuple[str, int, str | None]]] = {}
    for endpoints in cache.list("Endpoints"):
        for subset in endpoints.subsets:
            for port in subset.ports:
                served = ready.setdefault((endpoints.namespace, endpoints.name, port.name, port.protocol), set())
                served |= {(a.ip, port.port, a.node_name) for a in subset.addresses}
    table: dict[RouteKey, set[Backend]] = {}
    for service in cache.list("Service"):
        if not proxied(service):
            continue
        local = service.spec.internal_traffic_policy == "Local"
        for port in service.spec.ports:
            endpoints = ready.get((service.namespace, service.name, port.name, port.protocol), set())
            backends = table.setdefault((service.namespace, service.name, port.port), set())
            backends |= {(ip, number) for ip, number, on in endpoints if not local or on == node}
    return FrozenDict({key: tuple(sorted(backends)) for key, backends in table.items()})


def route_backends(state: ClusterState, node: str, namespace: str, service: str, port: int) -> tuple[Backend, ...]:
    """The backends ``node``'s rules currently send traffic for ``namespace/service:port`` to (none when the
    node has no rule for it, or only a REJECT rule)."""
    return state.routes.get(node, FrozenDict()).get((namespace, service, port), ())


def setup(state: ClusterState) -> ClusterState:
    """kube-proxy on every Node: a synced informer and the rules built from it."""
    informers, routes = dict(state.informers), dict(state.routes)
    for node in state.store.list("Node"):
        informer = Informer(kinds=WATCHES, node=node.name).relist(state.store.objects, state.store.revision)
        informers[informer_name(node.name)] = informer
        routes[node.name] = routing_table(informer.cache, node.name)
    return attrs.evolve(state, informers=FrozenDict(informers), routes=FrozenDict(routes))


def _up(state: ClusterState, node: str) -> bool:
    runtime = state.nodes.get(node)
    return runtime is None or runtime.up


def _synced_table(state: ClusterState, node: str) -> FrozenDict:
    return routing_table(state.informer(informer_name(node)).cache, node)


def enabled(state: ClusterState, config: ModelConfig) -> Iterator[Any]:
    """A sync wherever the rules differ from what the proxy's cache implies; a request for every backend of
    every rule on a node that is up."""
    for node, table in sorted(state.routes.items()):
        if not _up(state, node):
            continue
        if _synced_table(state, node) != table:
            yield KubeProxySync(node)
        for (namespace, service, port), backends in sorted(table.items()):
            for backend in backends:
                yield RouteRequest(node, namespace, service, port, backend)


def syncs(state: ClusterState) -> Iterator[KubeProxySync]:
    """:func:`enabled`'s syncs alone, in its order (fair execution takes no client traffic, and building a request
    for every backend only to drop it was much of its cost)."""
    for node, table in sorted(state.routes.items()):
        if _up(state, node) and _synced_table(state, node) != table:
            yield KubeProxySync(node)


def serving_ips(state: ClusterState) -> frozenset[str]:
    """IPs of pods with a running container on a node that is up (the pod's reported IP, or the one the kubelet
    assigns it when the API server no longer has the pod)."""
    ips = set()
    for runtime in state.nodes.values():
        if not runtime.up:
            continue
        for uid, pod_runtime in runtime.pods.items():
            if not pod_runtime.any_running:
                continue
            pod = state.store.get("Pod", pod_runtime.namespace, pod_runtime.name)
            reported = pod.status.pod_ip if pod is not None and pod.metadata.uid == uid else None
            ips.add(reported or pod_ip(uid))
    return frozenset(ips)


def apply(state: ClusterState, action: Any, config: ModelConfig) -> Step:
    if isinstance(action, KubeProxySync):
        return Step(attrs.evolve(state, routes=state.routes.set(action.node, _synced_table(state, action.node))))
    return Step(state, (_delivery(state, action),))


POD_NETWORK_PREFIX = "10.244."
"""The pod network the kubelets assign addresses in (see ``model.kubelet.status.pod_ip``)."""


def _delivery(state: ClusterState, action: RouteRequest) -> rq.Response:
    """What the client sees; the state records nothing. An address inside the pod network is answered when a
    pod with a running container has it, and refused otherwise (a stale rule); an address outside it (a
    selector-less Service's hand-written Endpoints, e.g. an external database) leaves the cluster and is
    taken as delivered. Whether the container listens on the port is not modelled."""
    ip, port = action.backend
    if ip in serving_ips(state):
        return rq.Response(200, "OK", object=action.backend)
    if not ip.startswith(POD_NETWORK_PREFIX):
        return rq.Response(200, "OK", f"delivered to {ip}:{port} outside the cluster", object=action.backend)
    return rq.Response(503, "ServiceUnavailable", f"connection to {ip}:{port} refused: no running pod has that IP")


def inputs(state: ClusterState) -> tuple[tuple, None]:
    """What :func:`enabled` and :func:`syncs` read: the programmed rules, the nodes' runtimes, and each proxy's
    informer."""
    return (state.routes, state.nodes, *(state.informers.get(informer_name(n)) for n in state.routes)), None


def _syncs(state: ClusterState, config: ModelConfig) -> Iterator[KubeProxySync]:
    return syncs(state)


SYNCS = by_inputs(_syncs, inputs)
""":func:`syncs`, listed again only when a step changed what it reads."""
COMPONENT = Component("kube-proxy", ACTIONS, by_inputs(enabled, inputs), apply, setup)
