"""What Services guarantee: traffic goes only to ready pods selected by the Service in its namespace."""

from __future__ import annotations

import functools

from model.config import ModelConfig
from model.frozendict import FrozenDict
from model.kubeproxy import POD_NETWORK_PREFIX, informer_name, routing_table
from model.labels import selector_from_set
from model.memo import IdentityMemo
from model.state import ClusterState, awaits
from model.store import Objects
from properties.registry import invariant

ENDPOINTS_CONTROLLER = "endpoint-controller"


_TABLES: dict[tuple[int, str], tuple[Objects, FrozenDict]] = {}


def _table(cache: Objects, node: str) -> FrozenDict:
    """``routing_table`` memoised by the cache's identity: a kube-proxy's cache changes only when a Service or
    Endpoints event reaches it, and this invariant asks after every step (a pure cache; each entry keeps its cache
    alive, so its id is not reused while the entry exists)."""
    entry = _TABLES.get((id(cache), node))
    if entry is not None and entry[0] is cache:
        return entry[1]
    table = routing_table(cache, node)
    if len(_TABLES) >= 1024:
        _TABLES.pop(next(iter(_TABLES)))
    _TABLES[(id(cache), node)] = (cache, table)
    return table


_selector = functools.lru_cache(maxsize=256)(selector_from_set)
"""A Service's selector, parsed once per distinct ``spec.selector`` (a FrozenDict, hashable by value)."""


def _synced(state: ClusterState, name: str) -> bool:
    informer = state.informers.get(name)
    return informer is not None and not awaits(state, name) and not informer.queue


@invariant(
    "routes-only-to-ready-selected-pods",
    "Once the endpoints controller and a node's kube-proxy have synced, that node routes a Service only to "
    "ready pods that match the Service's selector in the Service's namespace.",
    "https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service",
    reads=frozenset({"store", "informers", "events", "routes"}),
)
def routes_only_to_ready_pods(state: ClusterState, config: ModelConfig) -> list[str]:
    if not _synced(state, ENDPOINTS_CONTROLLER):
        return []
    messages: list[str] = []
    pods, services = state.store.list("Pod"), state.store.objects.by_kind.get("Service")
    for node, table in sorted(state.routes.items()):
        proxy = state.informers.get(informer_name(node))
        if proxy is None or awaits(state, informer_name(node)) or table != _table(proxy.cache, node):
            continue
        found = _MISROUTED.get((table, pods, services), node)
        if found is None:
            found = _misrouted(state, node, table)
            _MISROUTED.put((table, pods, services), node, found)
        messages.extend(found)
    return messages


_MISROUTED = IdentityMemo(256)
"""(a node's routing table, the stored pods, the stored Services) -> :func:`_misrouted`'s answer: all it reads."""


def _misrouted(state: ClusterState, node: str, table: FrozenDict) -> tuple[str, ...]:
    """What the synced ``table`` of ``node`` routes wrongly: backends no pod has, or whose pod the Service does not
    select or is not ready (reads only the store's pods and Services)."""
    pods_by_ip = {p.status.pod_ip: p for p in state.store.list("Pod") if p.status.pod_ip and not p.is_terminated}
    messages = []
    for (namespace, name, port), backends in sorted(table.items()):
        service = state.store.get("Service", namespace, name)
        if service is None or not service.spec.selector:
            continue
        selector = _selector(service.spec.selector)
        for ip, target in backends:
            if not ip.startswith(POD_NETWORK_PREFIX):
                continue
            pod = pods_by_ip.get(ip)
            where = f"node {node} routes {namespace}/{name}:{port} to {ip}:{target}"
            if pod is None:
                messages.append(f"{where}, which no pod has")
            elif pod.namespace != namespace or not selector.matches(pod.labels):
                messages.append(f"{where}, pod {pod.namespace}/{pod.name}, which the Service does not select")
            elif not pod.is_ready:
                messages.append(f"{where}, pod {pod.namespace}/{pod.name}, which is not ready")
    return tuple(messages)
