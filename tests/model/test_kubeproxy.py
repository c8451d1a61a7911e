"""kube-proxy: per-node routing tables built from each proxy's own informer.

Behaviour from pkg/proxy/iptables/proxier.go (syncProxyRules, REJECT rules for services without endpoints),
pkg/proxy/util/utils.go (ShouldSkipService), pkg/proxy/endpointschangetracker.go (endpoints matched to
service ports by name and protocol) and pkg/proxy/topology.go (CategorizeEndpoints: ready endpoints only;
internalTrafficPolicy Local), driven through the cluster model: the endpoint controller writes Endpoints,
the kubelets report pod IPs and readiness.
"""

from __future__ import annotations

from typing import Any

import pytest

from model import kubeproxy
from model.actions import DeliverWatchEvent, Submit, SubmitPending
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.cluster import enabled, initial_state, step
from model.controllers import base
from model.kubelet.component import ContainerBecomesReady, CrashNode, KubeletSyncPod, NodeHeartbeat, PartitionNode
from model.manifests import from_dict
from model.state import ClusterState, lagging
from model.store import Objects

NODES = ("n1", "n2")
SETTLE = (SubmitPending, DeliverWatchEvent, KubeletSyncPod, NodeHeartbeat, base.Reconcile)


def _node(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "10"}}}


def _pod(name: str, labels: dict, node: str = "n1", ns: str = "default", probe: bool = False) -> dict:
    container: dict[str, Any] = {"name": "c", "ports": [{"name": "http", "containerPort": 8080},
                                                         {"name": "metrics", "containerPort": 9090}]}
    if probe:
        container["readinessProbe"] = {"httpGet": {"port": 8080}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"nodeName": node, "containers": [container]}}


def _service(name: str = "web", ns: str = "default", **spec: Any) -> dict:
    spec.setdefault("selector", {"app": "web"})
    spec.setdefault("ports", [{"port": 80, "targetPort": "http"}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def _cluster(*docs: dict) -> ClusterState:
    return initial_state([from_dict(d) for d in [_node(n) for n in NODES] + list(docs)])


def _run(state: ClusterState, kinds: tuple[type, ...] = SETTLE, limit: int = 300) -> ClusterState:
    """Take the first enabled action of ``kinds`` until there is none (the clock does not move)."""
    for _ in range(limit):
        actions = [a for a in enabled(state) if isinstance(a, kinds)]
        if not actions:
            return state
        state = step(state, actions[0]).state
    raise AssertionError("the cluster did not settle")


def _synced(state: ClusterState) -> ClusterState:
    return _run(state, SETTLE + (kubeproxy.KubeProxySync,))


def _ip(state: ClusterState, name: str, ns: str = "default") -> str:
    return state.store.get("Pod", ns, name).status.pod_ip


def _submit(state: ClusterState, request: Any) -> ClusterState:
    return step(state, Submit(request)).state


def test_service_routes_to_ready_selected_pods_of_its_namespace_from_every_node() -> None:
    """Only ready pods (Endpoints addresses) that the selector matches in the Service's namespace are
    backends, on every node, at the resolved target port."""
    state = _synced(_cluster(
        _pod("a", {"app": "web"}), _pod("b", {"app": "web"}, node="n2", probe=True),
        _pod("c", {"app": "web"}, ns="other"), _pod("d", {"app": "db"}, node="n2"), _service()))
    for node in NODES:
        assert kubeproxy.route_backends(state, node, "default", "web", 80) == ((_ip(state, "a"), 8080),)
    routes = [a for a in enabled(state) if isinstance(a, kubeproxy.RouteRequest)]
    assert {(a.node, a.backend) for a in routes} == {(n, (_ip(state, "a"), 8080)) for n in NODES}


def test_table_lags_until_the_proxy_syncs() -> None:
    """A newly ready pod is a backend only once the node's kube-proxy has observed the Endpoints change and
    synced; until then the node keeps the old rules (here a REJECT rule: no backends)."""
    state = _synced(_cluster(_pod("b", {"app": "web"}, probe=True), _service()))
    assert kubeproxy.route_backends(state, "n1", "default", "web", 80) == ()
    assert ("default", "web", 80) in state.routes["n1"]
    (ready,) = [a for a in enabled(state) if isinstance(a, ContainerBecomesReady)]
    state = _run(step(state, ready).state)
    assert state.store.get("Endpoints", "default", "web").subsets[0].addresses
    assert kubeproxy.route_backends(state, "n1", "default", "web", 80) == ()
    assert kubeproxy.KubeProxySync("n1") in enabled(state)
    state = step(state, kubeproxy.KubeProxySync("n1")).state
    assert kubeproxy.route_backends(state, "n1", "default", "web", 80) == ((_ip(state, "b"), 8080),)
    assert kubeproxy.route_backends(state, "n2", "default", "web", 80) == ()
    assert kubeproxy.KubeProxySync("n1") not in enabled(state)


def test_proxy_informer_lags_the_api_server() -> None:
    """Before the watch event reaches kube-proxy's informer, a sync has nothing new to program."""
    state = _synced(_cluster(_pod("a", {"app": "web"}), _service()))
    state = _run(_submit(state, rq.Delete(ADMIN, "Service", "default", "web")), (SubmitPending,))
    assert "kube-proxy/n1" in lagging(state)
    assert kubeproxy.KubeProxySync("n1") not in enabled(state)
    state = step(state, DeliverWatchEvent("kube-proxy/n1")).state
    state = step(state, kubeproxy.KubeProxySync("n1")).state
    assert state.routes["n1"] == {}
    assert kubeproxy.route_backends(state, "n2", "default", "web", 80) == ((_ip(state, "a"), 8080),)


def test_node_port_service_routes_from_every_node() -> None:
    state = _synced(_cluster(_pod("a", {"app": "web"}, node="n2"),
                             _service(type="NodePort", ports=[{"port": 80, "targetPort": 8080, "nodePort": 30080}])))
    for node in NODES:
        assert kubeproxy.route_backends(state, node, "default", "web", 80) == ((_ip(state, "a"), 8080),)


@pytest.mark.parametrize("spec", [{"clusterIP": "None"}, {"type": "ExternalName", "externalName": "db.example.com"}])
def test_headless_and_external_name_services_get_no_rules(spec: dict) -> None:
    """ShouldSkipService."""
    state = _synced(_cluster(_pod("a", {"app": "web"}), _service(**spec)))
    assert state.routes["n1"] == {}


def test_service_ports_match_endpoint_ports_by_name() -> None:
    """Each Service port routes to the endpoint port of the same name."""
    ports = [{"name": "http", "port": 80, "targetPort": "http"}, {"name": "metrics", "port": 9100,
                                                                   "targetPort": "metrics"}]
    state = _synced(_cluster(_pod("a", {"app": "web"}), _service(ports=ports)))
    assert kubeproxy.route_backends(state, "n2", "default", "web", 80) == ((_ip(state, "a"), 8080),)
    assert kubeproxy.route_backends(state, "n2", "default", "web", 9100) == ((_ip(state, "a"), 9090),)


def test_internal_traffic_policy_local_keeps_node_local_endpoints() -> None:
    state = _synced(_cluster(_pod("a", {"app": "web"}, node="n1"), _pod("b", {"app": "web"}, node="n2"),
                             _service(internalTrafficPolicy="Local")))
    assert kubeproxy.route_backends(state, "n1", "default", "web", 80) == ((_ip(state, "a"), 8080),)
    assert kubeproxy.route_backends(state, "n2", "default", "web", 80) == ((_ip(state, "b"), 8080),)


def test_selectorless_service_routes_to_its_manual_endpoints() -> None:
    manual = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "db", "namespace": "default"},
              "subsets": [{"addresses": [{"ip": "192.0.2.10"}], "notReadyAddresses": [{"ip": "192.0.2.11"}],
                           "ports": [{"port": 5432}]}]}
    state = _synced(_cluster(_service(name="db", selector={}, ports=[{"port": 5432}]), manual))
    assert kubeproxy.route_backends(state, "n1", "default", "db", 5432) == (("192.0.2.10", 5432),)


def test_initial_tables_come_from_the_snapshot() -> None:
    """Setup: the proxies' informers are synced and the tables built before any action."""
    endpoints = {"apiVersion": "v1", "kind": "Endpoints",
                 "metadata": {"name": "web", "namespace": "default", "resourceVersion": "3"},
                 "subsets": [{"addresses": [{"ip": "10.9.9.9"}], "ports": [{"port": 8080}]}]}
    service = _service()
    service["metadata"]["resourceVersion"] = "2"
    state = _cluster(service, endpoints)
    for node in NODES:
        assert kubeproxy.route_backends(state, node, "default", "web", 80) == (("10.9.9.9", 8080),)
        assert state.informer(kubeproxy.informer_name(node)).revision == state.store.revision


def test_route_request_reports_delivery_and_records_nothing() -> None:
    """A request reaches a running backend; after the pod is gone, a stale rule sends it to a refused
    connection until the proxy syncs."""
    state = _synced(_cluster(_pod("a", {"app": "web"}, node="n2"), _service()))
    backend = (_ip(state, "a"), 8080)
    request = kubeproxy.RouteRequest("n1", "default", "web", 80, backend)
    result = step(state, request)
    assert result.state == state and result.responses[0].code == 200
    state = _run(_submit(state, rq.Delete(ADMIN, "Pod", "default", "a", grace_period_seconds=0)))
    assert request in enabled(state)
    refused = step(state, request).responses[0]
    assert refused.code == 503 and backend[0] in refused.message
    state = _synced(state)
    assert request not in enabled(state)


def test_proxies_on_down_or_partitioned_nodes() -> None:
    """A partitioned node's proxy informer does not advance, so its rules stay stale while it keeps routing;
    a crashed node neither syncs nor sends requests."""
    state = _synced(_cluster(_pod("a", {"app": "web"}), _service()))
    state = step(state, PartitionNode("n1")).state
    state = _run(_submit(state, rq.Delete(ADMIN, "Service", "default", "web")), (SubmitPending,))
    assert "kube-proxy/n1" not in lagging(state) and "kube-proxy/n2" in lagging(state)
    state = _synced(state)
    assert kubeproxy.route_backends(state, "n1", "default", "web", 80) == ((_ip(state, "a"), 8080),)
    assert state.routes["n2"] == {}
    crashed = step(_synced(_cluster(_pod("a", {"app": "web"}), _service())), CrashNode("n2")).state
    actions = [a for a in enabled(crashed) if isinstance(a, kubeproxy.ACTIONS)]
    assert actions and all(a.node == "n1" for a in actions)


def test_routing_table_ignores_not_ready_addresses_and_other_protocols() -> None:
    """Endpoints ports match Service ports by name and protocol; notReadyAddresses never serve."""
    service = from_dict(_service(ports=[{"name": "dns", "port": 53, "protocol": "UDP"}]))
    endpoints = from_dict({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
                           "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "notReadyAddresses": [{"ip": "10.0.0.2"}],
                                        "ports": [{"name": "dns", "port": 5353, "protocol": "UDP"},
                                                  {"name": "dns", "port": 5354, "protocol": "TCP"}]}]})
    cache = Objects().put(service).put(endpoints)
    assert kubeproxy.routing_table(cache, "n1") == {("default", "web", 53): (("10.0.0.1", 5353),)}
