"""The Endpoints controller.

Ported from pkg/controller/endpoint/endpoints_controller_test.go (test names cited per case),
pkg/api/v1/endpoints/util_test.go (TestPackSubsets) and the event-handler rules of
staging/src/k8s.io/endpointslice/util/controller_utils.go. Upstream's ``Selector: {}`` cases use
``foo=bar`` here (the model treats an empty selector as none), and Services without a cluster IP get no
headless label (the model's API server allocates no cluster IPs; see the module docstring).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.actions import DeliverWatchEvent, Submit, SubmitPending
from model.apiserver import requests as rq
from model.auth.identity import ADMIN, controller_identity
from model.cluster import enabled, initial_state, step
from model.config import ModelConfig
from model.controllers import base
from model.controllers import endpoints as ep
from model.frozendict import FrozenDict
from model.kubelet.component import KubeletSyncPod, NodeHeartbeat
from model.manifests import from_dict
from model.objects import Endpoints, Pod, Service
from model.objects.meta import ObjectReference
from model.objects.network import EndpointAddress, EndpointPort, EndpointSubset
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent

MANAGED = {ep.MANAGED_BY_LABEL: ep.NAME}


def _pod(ns: str, i: int, ports: int = 1, ready: bool = True, **extra: Any) -> Pod:
    """testPod: pod<i> labelled foo=bar, named container ports port<j> = 8080+j, IP 1.2.3.<4+i>."""
    data: dict[str, Any] = {
        "metadata": {"name": f"pod{i}", "namespace": ns, "labels": {"foo": "bar"}, "resourceVersion": str(i)},
        "spec": {"containers": [{"name": "c", "ports": [{"name": f"port{j}", "containerPort": 8080 + j}
                                                        for j in range(ports)]}]},
        "status": {"podIP": f"1.2.3.{4 + i}",
                   "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }
    for path, value in extra.items():
        section, field = path.split("__")
        data[section][field] = value
    return Pod.from_dict(data)


def _service(ns: str = "other", name: str = "foo", labels: dict | None = None, **spec: Any) -> Service:
    spec.setdefault("selector", {"foo": "bar"})
    return Service.from_dict({"metadata": {"name": name, "namespace": ns, "labels": labels or {}}, "spec": spec})


def _endpoints(ns: str = "other", name: str = "foo", subsets: list | None = None, labels: dict | None = None,
               annotations: dict | None = None, rv: str = "1") -> Endpoints:
    return Endpoints.from_dict({"metadata": {"name": name, "namespace": ns, "resourceVersion": rv,
                                             "labels": labels or {}, "annotations": annotations or {}},
                                "subsets": subsets or []})


def _address(ip: str, pod: str, ns: str, node: str = "") -> dict:
    return {"ip": ip, "nodeName": node, "targetRef": {"kind": "Pod", "name": pod, "namespace": ns}}


def _subsets(*subsets: dict) -> tuple[EndpointSubset, ...]:
    return _endpoints(subsets=list(subsets)).subsets


def _sync(*objects: Any, key: tuple[str, str] = ("other", "foo"), memory: FrozenDict | None = None) -> base.Result:
    return ep.reconcile(base.Context(_cache(*objects), key, 0, memory or FrozenDict(), ModelConfig()))


def _written(result: base.Result) -> Endpoints:
    (request,) = result.requests
    assert isinstance(request, (rq.Create, rq.Update))
    assert request.user == controller_identity("endpoint-controller")
    return request.object


# --- syncService ------------------------------------------------------------------------------------


def test_selectorless_service_is_left_alone() -> None:
    """TestSyncEndpointsItemsPreserveNoSelector: hand-managed Endpoints of a Service without selector."""
    existing = _endpoints(ns="default", subsets=[{"addresses": [{"ip": "6.7.8.9"}], "ports": [{"port": 1000}]}])
    service = _service(ns="default", selector={}, ports=[{"port": 80}])
    assert _sync(existing, service, key=("default", "foo")).requests == ()


@pytest.mark.parametrize("subsets", [None, []])
def test_existing_empty_endpoints_need_no_update(subsets: list | None) -> None:
    """TestSyncEndpointsExistingNilSubsets, TestSyncEndpointsExistingEmptySubsets."""
    existing = _endpoints(ns="default", labels=MANAGED, subsets=subsets)
    service = _service(ns="default", ports=[{"port": 80}])
    assert _sync(existing, service, key=("default", "foo")).requests == ()


def test_pod_resource_version_alone_changes_nothing() -> None:
    """TestSyncEndpointsWithPodResourceVersionUpdateOnly: target resourceVersions are ignored."""
    ns = "default"
    existing = _endpoints(ns=ns, labels=MANAGED, subsets=[{
        "addresses": [{**_address("1.2.3.4", "pod0", ns), "targetRef": {"kind": "Pod", "name": "pod0",
                                                                          "namespace": ns, "resourceVersion": "1"}}],
        "notReadyAddresses": [{**_address("1.2.3.5", "pod1", ns), "targetRef": {
            "kind": "Pod", "name": "pod1", "namespace": ns, "resourceVersion": "2"}}],
        "ports": [{"port": 8080, "protocol": "TCP"}]}])
    service = _service(ns=ns, ports=[{"port": 80, "protocol": "TCP", "targetPort": 8080}])
    pods = [_pod(ns, 0, ready=True), _pod(ns, 1, ready=False)]
    assert _sync(existing, service, *pods, key=(ns, "foo")).requests == ()


def test_new_service_without_pods_gets_empty_endpoints_created() -> None:
    """TestSyncEndpointsNewNoSubsets."""
    result = _sync(_service(ns="default", ports=[{"port": 80}]), key=("default", "foo"))
    (request,) = result.requests
    assert isinstance(request, rq.Create)
    assert request.object.subsets == () and dict(request.object.metadata.labels) == MANAGED


@pytest.mark.parametrize("protocol", ["TCP", "UDP", "SCTP"])
def test_endpoints_replace_stale_addresses(protocol: str) -> None:
    """TestSyncEndpointsProtocolTCP/UDP/SCTP and TestSyncEndpointsItemsPreexisting: the endpoint port carries
    the Service port's protocol; the update keeps the cached resourceVersion as its precondition."""
    existing = _endpoints(subsets=[{"addresses": [{"ip": "6.7.8.9", "nodeName": ""}],
                                    "ports": [{"port": 1000, "protocol": protocol}]}])
    service = _service(ports=[{"port": 80, "targetPort": 8080, "protocol": protocol}])
    written = _written(_sync(existing, service, _pod("other", 0)))
    assert written.metadata.resource_version == "1"
    assert written.subsets == _subsets({"addresses": [_address("1.2.3.4", "pod0", "other")],
                                        "ports": [{"port": 8080, "protocol": protocol}]})
    assert dict(written.metadata.labels) == MANAGED


@pytest.mark.parametrize(("ready", "not_ready", "expected"), [
    (0, 1, {"notReadyAddresses": [_address("1.2.3.4", "pod0", "other")]}),
    (1, 1, {"addresses": [_address("1.2.3.4", "pod0", "other")],
            "notReadyAddresses": [_address("1.2.3.5", "pod1", "other")]}),
])
def test_not_ready_pods_are_not_ready_addresses(ready: int, not_ready: int, expected: dict) -> None:
    """TestSyncEndpointsItemsEmptySelectorSelectsAllNotReady, ...SelectsAllMixed."""
    pods = [_pod("other", i, ready=i < ready) for i in range(ready + not_ready)]
    written = _written(_sync(_endpoints(), _service(ports=[{"port": 80, "targetPort": 8080}]), *pods))
    assert written.subsets == _subsets({**expected, "ports": [{"port": 8080}]})


def test_identical_endpoints_are_not_rewritten() -> None:
    """TestSyncEndpointsItemsPreexistingIdentical."""
    existing = _endpoints(ns="default", labels=MANAGED, subsets=[{
        "addresses": [_address("1.2.3.4", "pod0", "default")], "ports": [{"port": 8080, "protocol": "TCP"}]}])
    service = _service(ns="default", ports=[{"port": 80, "targetPort": 8080}])
    assert _sync(existing, service, _pod("default", 0), key=("default", "foo")).requests == ()


def test_pods_of_other_namespaces_are_ignored() -> None:
    """TestSyncEndpointsItems: three pods with two ports each; the pods of namespace blah are not selected."""
    pods = [_pod("other", i, ports=2) for i in range(3)] + [_pod("blah", i, ports=2) for i in range(5)]
    service = _service(ports=[{"name": "port0", "port": 80, "targetPort": 8080},
                              {"name": "port1", "port": 88, "targetPort": 8088}])
    result = _sync(service, *pods)
    assert isinstance(result.requests[0], rq.Create)
    assert _written(result).subsets == _subsets({
        "addresses": [_address(f"1.2.3.{4 + i}", f"pod{i}", "other") for i in range(3)],
        "ports": [{"name": "port0", "port": 8080}, {"name": "port1", "port": 8088}]})


def test_endpoints_carry_the_service_labels() -> None:
    """TestSyncEndpointsItemsWithLabels, TestSyncEndpointsItemsPreexistingLabelsChange."""
    service = _service(labels={"baz": "blah"}, ports=[{"port": 80, "targetPort": 8080}])
    created = _written(_sync(service, _pod("other", 0)))
    assert dict(created.metadata.labels) == {"baz": "blah", **MANAGED}
    existing = _endpoints(labels={"foo": "bar"}, subsets=[
        {"addresses": [_address("1.2.3.4", "pod0", "other")], "ports": [{"port": 8080}]}])
    updated = _written(_sync(existing, service, _pod("other", 0)))
    assert dict(updated.metadata.labels) == {"baz": "blah", **MANAGED}


def test_headless_service_without_ports() -> None:
    """TestSyncEndpointsHeadlessService, TestSyncEndpointsHeadlessWithoutPort: addresses without ports, and the
    headless label."""
    service = _service(labels={"a": "b"}, clusterIP="None", ports=[])
    written = _written(_sync(_endpoints(), service, _pod("other", 0)))
    assert written.subsets == _subsets({"addresses": [_address("1.2.3.4", "pod0", "other")]})
    assert dict(written.metadata.labels) == {"a": "b", ep.HEADLESS_LABEL: "", **MANAGED}


def test_headless_label_is_kept_for_headless_services() -> None:
    """TestSyncEndpointsHeadlessServiceLabel: the headless label alone does not make Endpoints differ."""
    existing = _endpoints(ns="default", labels={**MANAGED, ep.HEADLESS_LABEL: ""})
    service = _service(ns="default", clusterIP="None", ports=[{"port": 80}])
    assert _sync(existing, service, key=("default", "foo")).requests == ()


def test_services_without_cluster_ip_field_are_not_headless() -> None:
    """The model's deliberate difference: an unallocated cluster IP counts as allocated, so a written Endpoints
    drops the headless label (which alone does not cause a write)."""
    existing = _endpoints(labels={**MANAGED, ep.HEADLESS_LABEL: ""})
    written = _written(_sync(existing, _service(ports=[{"port": 80, "targetPort": 8080}]), _pod("other", 0)))
    assert dict(written.metadata.labels) == MANAGED
    assert dict(ep.desired_labels(_service(clusterIP="None"))) == {**MANAGED, ep.HEADLESS_LABEL: ""}


@pytest.mark.parametrize(("policy", "phase"), [("Never", "Failed"), ("Never", "Succeeded"),
                                               ("OnFailure", "Succeeded")])
def test_terminal_pods_are_excluded(policy: str, phase: str) -> None:
    """TestSyncEndpointsItemsExcludeNotReadyPodsWithRestartPolicy{Never,OnFailure}AndPhase{Failed,Succeeded}."""
    pod = _pod("other", 0, ready=False, spec__restartPolicy=policy, status__phase=phase)
    existing = _endpoints(labels={**MANAGED, "foo": "bar"})
    written = _written(_sync(existing, _service(ports=[{"port": 80, "targetPort": 8080}]), pod))
    assert written.subsets == ()
    assert dict(written.metadata.labels) == MANAGED


@pytest.mark.parametrize("spec", [
    {"selector": {"foo": "bar"}, "ports": [{"port": 80}]}, {"selector": {}, "ports": [{"port": 80}]},
    {"selector": {"foo": "bar"}}, {"selector": {}},
])
def test_external_name_services_get_no_endpoints(spec: dict) -> None:
    """TestSyncServiceExternalNameType."""
    service = _service(ns="default", type="ExternalName", **spec)
    assert _sync(service, _pod("default", 0), key=("default", "foo")).requests == ()


def test_endpoints_of_a_deleted_service_are_deleted() -> None:
    """TestSyncEndpointsServiceNotFound: the Endpoints are deleted (whether or not the cache shows them); a
    NotFound answer is no error, any other failure is retried."""
    for objects in ((_endpoints(ns="default"),), ()):
        result = _sync(*objects, key=("default", "foo"))
        assert result.requests == (rq.Delete(controller_identity("endpoint-controller"), "Endpoints", "default",
                                             "foo"),)
        assert result.then(FrozenDict(), (rq.not_found("endpoints", "foo"),)).failed is False
        assert result.then(FrozenDict(), (rq.forbidden("no"),)).failed is True


def test_create_in_a_terminating_namespace_is_dropped() -> None:
    """syncService drops a create refused because the namespace is terminating; other failures are retried."""
    result = _sync(_service(ports=[{"port": 80}]))
    terminating = rq.forbidden('endpoints "foo" is forbidden: unable to create new content in namespace other '
                               "because it is being terminated")
    assert result.then(FrozenDict(), (terminating,)).failed is False
    assert result.then(FrozenDict(), (rq.forbidden("RBAC says no"),)).failed is True
    assert result.then(FrozenDict(), (rq.created(_endpoints()),)).failed is False


def _ready_pod(phase: str, ready: bool, terminating: bool) -> Pod:
    meta: dict[str, Any] = {"namespace": "ns", "name": "fakepod", "labels": {"foo": "bar"}}
    if terminating:
        meta["deletionTimestamp"] = 5
    return Pod.from_dict({"metadata": meta,
                          "spec": {"containers": [{"name": "c", "ports": [{"name": "port1", "containerPort": 8080}]}]},
                          "status": {"phase": phase, "podIP": "10.1.1.1",
                                     "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}})


@pytest.mark.parametrize(("phase", "ready", "terminating", "tolerate", "expected"), [
    ("Running", True, False, False, (1, 0)),
    ("Running", True, True, False, (0, 0)),
    ("Unknown", True, False, False, (1, 0)),
    ("Unknown", True, True, False, (0, 0)),
    ("Pending", True, False, False, (1, 0)),
    ("Pending", True, True, False, (0, 0)),
    ("Unknown", False, False, False, (0, 1)),
    ("Pending", False, False, False, (0, 1)),
    ("Failed", False, False, False, (0, 0)),
    ("Succeeded", False, False, False, (0, 0)),
    ("Running", False, False, True, (1, 0)),
    ("Running", False, True, True, (1, 0)),
    ("Unknown", False, False, True, (1, 0)),
    ("Unknown", False, True, True, (1, 0)),
    ("Pending", False, False, True, (1, 0)),
    ("Pending", False, True, True, (1, 0)),
    ("Failed", False, False, True, (0, 0)),
    ("Succeeded", False, False, True, (0, 0)),
])
def test_sync_service_addresses(phase: str, ready: bool, terminating: bool, tolerate: bool,
                                expected: tuple[int, int]) -> None:
    """TestSyncServiceAddresses: terminal pods never count; terminating pods count only with
    publishNotReadyAddresses, which also makes every address ready."""
    service = Service.from_dict({"metadata": {"name": "foo", "namespace": "ns"}, "spec": {
        "selector": {"foo": "bar"}, "publishNotReadyAddresses": tolerate, "type": "ClusterIP",
        "clusterIP": "1.1.1.1", "ports": [{"port": 80}]}})
    written = _written(_sync(service, _ready_pod(phase, ready, terminating), key=("ns", "foo")))
    counts = (sum(len(s.addresses) for s in written.subsets), sum(len(s.not_ready_addresses) for s in written.subsets))
    assert counts == expected


def test_over_capacity_annotation_is_removed_below_capacity() -> None:
    """TestSyncServiceOverCapacity, "annotation removed below capacity"."""
    existing = _endpoints(labels=MANAGED, annotations={ep.OVER_CAPACITY_ANNOTATION: "truncated"},
                          subsets=[{"addresses": [_address("1.2.3.4", "pod0", "other")], "ports": [{"port": 8080}]}])
    written = _written(_sync(existing, _service(ports=[{"port": 80, "targetPort": 8080}]), _pod("other", 0)))
    assert ep.OVER_CAPACITY_ANNOTATION not in written.metadata.annotations
    assert written.subsets == existing.subsets


@pytest.mark.parametrize(("ready", "not_ready", "expected_ready", "expected_not_ready"), [
    ([], [], [], []),
    ([50, 100, 100, 100, 100], [50, 100, 100, 100, 100], [50, 100, 100, 100, 100], [50, 100, 100, 100, 100]),
    ([100, 100, 100, 100, 100], [100, 100, 100, 100, 100], [100, 100, 100, 100, 100], [100, 100, 100, 100, 100]),
    ([90, 110, 50, 10, 20], [101, 200, 200, 201, 298], [90, 110, 50, 10, 20], [73, 144, 144, 145, 214]),
    ([205, 400, 402, 400, 693], [100, 200, 200, 200, 300], [98, 191, 192, 191, 328], [0, 0, 0, 0, 0]),
])
def test_truncate_endpoints(ready: list[int], not_ready: list[int], expected_ready: list[int],
                            expected_not_ready: list[int]) -> None:
    """TestTruncateEndpoints."""
    address = EndpointAddress(ip="")
    subsets = tuple(EndpointSubset(addresses=(address,) * r, not_ready_addresses=(address,) * n)
                    for r, n in zip(ready, not_ready, strict=True))
    truncated, dropped = ep.truncate(subsets)
    assert [len(s.addresses) for s in truncated] == expected_ready
    assert [len(s.not_ready_addresses) for s in truncated] == expected_not_ready
    assert dropped == (sum(ready) + sum(not_ready) > ep.MAX_CAPACITY)


def test_pod_to_endpoint_address() -> None:
    """TestPodToEndpointAddressForService: node name and a target reference without resourceVersion."""
    pod = _pod("test", 0, metadata__uid="uid-7", spec__nodeName="n1")
    address = ep.endpoint_address(_service(ns="test"), pod)
    assert address == EndpointAddress(ip="1.2.3.4", node_name="n1", target_ref=ObjectReference(
        kind="Pod", namespace="test", name="pod0", uid="uid-7"))


def test_hostname_is_set_for_the_pods_subdomain() -> None:
    """ShouldSetHostname: only when the pod's subdomain is this Service."""
    pod = _pod("other", 0, spec__hostname="web-0", spec__subdomain="foo")
    assert ep.endpoint_address(_service(), pod).hostname == "web-0"
    assert ep.endpoint_address(_service(name="bar"), pod).hostname is None


def test_stale_cache_is_retried_without_writing() -> None:
    """TestMultiplePodChanges (staleEndpointsTracker): after an update, a cache still showing the replaced
    version is stale; the sync retries later instead of acting on it."""
    existing = _endpoints(labels=MANAGED, rv="7",
                          subsets=[{"addresses": [_address("1.2.3.4", "pod0", "other")], "ports": [{"port": 8080}]}])
    service = _service(ports=[{"port": 80, "targetPort": 8080}])
    pod = _pod("other", 0, ready=False)
    written = _written(_sync(existing, service, pod))
    stored = attrs.evolve(written, metadata=attrs.evolve(written.metadata, resource_version="8"))
    memory = ep.observe(FrozenDict(), rq.Update(ADMIN, written), rq.ok(stored))
    assert memory == FrozenDict({("other", "foo"): "7"})
    stale = _sync(existing, service, _pod("other", 0, ready=True), memory=memory)
    assert stale.requests == () and stale.failed is True
    assert _sync(stored, service, _pod("other", 0, ready=True), memory=memory).requests != ()


def test_stale_tracker_forgets_deleted_endpoints() -> None:
    """staleEndpointsTracker.Delete once the Service's Endpoints are gone; failed updates track nothing."""
    memory = FrozenDict({("other", "foo"): "7"})
    delete = rq.Delete(ADMIN, "Endpoints", "other", "foo")
    assert ep.observe(memory, delete, rq.not_found("endpoints", "foo")) == FrozenDict()
    assert ep.observe(memory, delete, rq.ok(_endpoints())) == FrozenDict()
    assert ep.observe(memory, delete, rq.forbidden("no")) == memory
    update = rq.Update(ADMIN, _endpoints(rv="7"))
    assert ep.observe(FrozenDict(), update, rq.conflict("endpoints", "foo", rq.STALE)) == FrozenDict()


# --- FindPort ---------------------------------------------------------------------------------------


def _named_port_pod(**container: Any) -> Pod:
    return Pod.from_dict({"metadata": {"name": "p"}, "spec": {
        "containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080},
                                                 {"name": "dns", "containerPort": 5353, "protocol": "UDP"}]}],
        "initContainers": [{"name": "init", "ports": [{"name": "setup", "containerPort": 9000}]},
                           {"name": "proxy", "restartPolicy": "Always",
                            "ports": [{"name": "metrics", "containerPort": 9090}]}]}})


@pytest.mark.parametrize(("target", "protocol", "expected"), [
    (7000, "TCP", 7000),
    ("http", "TCP", 8080),
    ("http", "UDP", None),
    ("dns", "UDP", 5353),
    ("metrics", "TCP", 9090),
    ("setup", "TCP", None),
    ("missing", "TCP", None),
])
def test_find_port(target: int | str, protocol: str, expected: int | None) -> None:
    """podutil.FindPort: named target ports resolve among containers and sidecars, with the same protocol."""
    service = _service(ports=[{"port": 80, "targetPort": target, "protocol": protocol}])
    assert ep.find_port(_named_port_pod(), service.spec.ports[0]) == expected


def test_named_target_port_per_pod() -> None:
    """A named targetPort resolves per pod; a pod without the name is left out of that port."""
    named = Pod.from_dict({"metadata": {"name": "a", "namespace": "other", "labels": {"foo": "bar"}},
                           "spec": {"containers": [{"name": "c", "ports": [{"name": "web", "containerPort": 9376}]}]},
                           "status": {"podIP": "10.0.0.1", "conditions": [{"type": "Ready", "status": "True"}]}})
    unnamed = _pod("other", 0)
    written = _written(_sync(_service(ports=[{"port": 80, "targetPort": "web"}]), named, unnamed))
    assert written.subsets == _subsets({"addresses": [_address("10.0.0.1", "a", "other")],
                                        "ports": [{"port": 9376}]})


# --- RepackSubsets ----------------------------------------------------------------------------------


def _addr(ip: str, uid: str | None = None, name: str | None = None) -> dict:
    ref = {} if uid is None and name is None else {"targetRef": {k: v for k, v in (("uid", uid), ("name", name))
                                                                 if v is not None}}
    return {"ip": ip, **ref}


_PACK_CASES = [
    ("empty everything", [{"addresses": [], "ports": []}], []),
    ("empty addresses", [{"addresses": [], "ports": [{"port": 111}]}], []),
    ("empty ports", [{"addresses": [_addr("1.2.3.4")], "ports": []}], [{"addresses": [_addr("1.2.3.4")]}]),
    ("empty ports, not ready", [{"notReadyAddresses": [_addr("1.2.3.4")]}],
     [{"notReadyAddresses": [_addr("1.2.3.4")]}]),
    ("empty ports, same addresses as a port", [{"addresses": [_addr("1.2.3.4")]},
                                              {"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}]),
    ("empty ports, other addresses than a port", [{"addresses": [_addr("1.2.3.4")]},
                                                 {"addresses": [_addr("5.6.7.8")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4")]}, {"addresses": [_addr("5.6.7.8")], "ports": [{"port": 111}]}]),
    ("one set, one ip, one port", [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}]),
    ("one set, one notReady ip, one UID, one port",
     [{"notReadyAddresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 111}]}],
     [{"notReadyAddresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 111}]}]),
    ("one set, two mixed ips, one port",
     [{"addresses": [_addr("1.2.3.4")], "notReadyAddresses": [_addr("5.6.7.8")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4")], "notReadyAddresses": [_addr("5.6.7.8")], "ports": [{"port": 111}]}]),
    ("one set, two duplicate ips, one port, notReady is covered by ready",
     [{"addresses": [_addr("1.2.3.4")], "notReadyAddresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}],
     [{"notReadyAddresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}]),
    ("one set, dup ips, one port", [{"addresses": [_addr("1.2.3.4"), _addr("1.2.3.4")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}]),
    ("one set, dup ips with target-refs, one port",
     [{"addresses": [_addr("1.2.3.4", name="foo"), _addr("1.2.3.4", name="bar")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4", name="foo")], "ports": [{"port": 111}]}]),
    ("one set, dup mixed ips with target-refs, one port",
     [{"addresses": [_addr("1.2.3.4", name="foo")], "notReadyAddresses": [_addr("1.2.3.4", name="bar")],
       "ports": [{"port": 111}]}],
     [{"notReadyAddresses": [_addr("1.2.3.4", name="foo")], "ports": [{"port": 111}]}]),
    ("one set, one ip, dup ports", [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}, {"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}]),
    ("two sets, dup ip, two ports",
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]},
      {"addresses": [_addr("1.2.3.4")], "ports": [{"port": 222}]}],
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}, {"port": 222}]}]),
    ("two sets, dup mixed ip, dup uids, two ports",
     [{"addresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 111}]},
      {"notReadyAddresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 222}]}],
     [{"addresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 111}]},
      {"notReadyAddresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 222}]}]),
    ("two set, dup ip, two uids, dup ports",
     [{"addresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 111}]},
      {"addresses": [_addr("1.2.3.4", "uid-2")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4", "uid-1"), _addr("1.2.3.4", "uid-2")], "ports": [{"port": 111}]}]),
    ("two sets, two ips, two dup ip with uid, dup port, wrong order",
     [{"addresses": [_addr("5.6.7.8")], "ports": [{"port": 111}]},
      {"addresses": [_addr("5.6.7.8", "uid-1")], "ports": [{"port": 111}]},
      {"addresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 111}]},
      {"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("1.2.3.4"), _addr("1.2.3.4", "uid-1"), _addr("5.6.7.8"), _addr("5.6.7.8", "uid-1")],
       "ports": [{"port": 111}]}]),
    ("two sets, two mixed ips, two dup ip with uid, dup port, wrong order, ends up with split addresses",
     [{"addresses": [_addr("5.6.7.8")], "ports": [{"port": 111}]},
      {"notReadyAddresses": [_addr("5.6.7.8", "uid-1")], "ports": [{"port": 111}]},
      {"notReadyAddresses": [_addr("1.2.3.4", "uid-1")], "ports": [{"port": 111}]},
      {"notReadyAddresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]}],
     [{"addresses": [_addr("5.6.7.8")],
       "notReadyAddresses": [_addr("1.2.3.4"), _addr("1.2.3.4", "uid-1"), _addr("5.6.7.8", "uid-1")],
       "ports": [{"port": 111}]}]),
    ("two sets, two ips, two ports",
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]},
      {"addresses": [_addr("5.6.7.8")], "ports": [{"port": 222}]}],
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]},
      {"addresses": [_addr("5.6.7.8")], "ports": [{"port": 222}]}]),
    ("four sets, three ips, three ports, jumbled",
     [{"addresses": [_addr("1.2.3.4")], "ports": [{"port": 111}]},
      {"addresses": [_addr("1.2.3.5")], "ports": [{"port": 222}]},
      {"addresses": [_addr("1.2.3.6")], "ports": [{"port": 111}]},
      {"addresses": [_addr("1.2.3.5")], "ports": [{"port": 333}]}],
     [{"addresses": [_addr("1.2.3.4"), _addr("1.2.3.6")], "ports": [{"port": 111}]},
      {"addresses": [_addr("1.2.3.5")], "ports": [{"port": 222}, {"port": 333}]}]),
]


@pytest.mark.parametrize(("given", "expected"), [c[1:] for c in _PACK_CASES], ids=[c[0] for c in _PACK_CASES])
def test_repack_subsets(given: list, expected: list) -> None:
    """TestPackSubsets (pkg/api/v1/endpoints/util_test.go); subsets without ports keep their addresses, as
    the sentinel port of the current RepackSubsets does (TestSyncEndpointsHeadlessWithoutPort)."""
    assert ep.repack_subsets(_subsets(*given)) == _subsets(*expected)


_ADDRESSES = st.builds(lambda ip, uid: EndpointAddress(ip=f"10.0.0.{ip}", target_ref=ObjectReference(uid=uid)),
                       st.integers(1, 4), st.sampled_from([None, "uid-1", "uid-2"]))
_SUBSETS = st.lists(st.builds(
    lambda ready, not_ready, ports: EndpointSubset(addresses=tuple(ready), not_ready_addresses=tuple(not_ready),
                                                   ports=tuple(EndpointPort(port=p) for p in ports)),
    st.lists(_ADDRESSES, max_size=3), st.lists(_ADDRESSES, max_size=3), st.lists(st.integers(1, 3), min_size=1,
                                                                              max_size=2)),
    max_size=4)


def _flatten(subsets: tuple[EndpointSubset, ...]) -> dict[tuple, bool]:
    """(address key, port) -> ready, with not ready winning over ready."""
    seen: dict[tuple, bool] = {}
    for subset in subsets:
        for port in subset.ports or (None,):
            for address, ready in [(a, True) for a in subset.addresses] + [(a, False) for a in
                                                                           subset.not_ready_addresses]:
                key = (address.ip, address.target_ref.uid or "", port)
                seen[key] = seen.get(key, True) and ready
    return seen


@settings(max_examples=60, deadline=None)
@given(_SUBSETS)
def test_repack_preserves_what_each_port_offers(subsets: list[EndpointSubset]) -> None:
    """RepackSubsets keeps each (address, port) pair with not-ready trumping ready, puts each pair in exactly
    one subset, and is idempotent. (Port-less subsets are covered by the table: their addresses merge into a
    port offered by exactly the same addresses, as upstream's sentinel port does.)"""
    packed = ep.repack_subsets(subsets)
    assert _flatten(packed) == _flatten(tuple(subsets))
    pairs = [(a.ip, a.target_ref.uid, p) for s in packed for p in s.ports or (None,)
             for a in s.addresses + s.not_ready_addresses]
    assert len(pairs) == len(set(pairs))
    assert ep.repack_subsets(packed) == packed


_POD_FLAGS = st.lists(st.tuples(st.booleans(), st.sampled_from(["Running", "Pending", "Succeeded", "Failed"]),
                                st.booleans(), st.booleans(), st.booleans()), max_size=6)


@settings(max_examples=60, deadline=None)
@given(_POD_FLAGS, st.booleans())
def test_addresses_follow_readiness_and_lifecycle(flags: list[tuple], tolerate: bool) -> None:
    """Every selected pod with an IP that is neither terminal nor (unless tolerated) terminating appears once per
    port, ready pods (or all, with publishNotReadyAddresses) in addresses and the rest in notReadyAddresses."""
    pods = []
    for i, (ready, phase, terminating, has_ip, selected) in enumerate(flags):
        meta: dict[str, Any] = {"name": f"p{i}", "namespace": "other", "uid": f"u{i}",
                                "labels": {"foo": "bar" if selected else "baz"}}
        if terminating:
            meta["deletionTimestamp"] = 1
        status: dict[str, Any] = {"phase": phase, "conditions": [{"type": "Ready", "status": str(ready)}]}
        if has_ip:
            status["podIP"] = f"10.1.0.{i}"
        pods.append(Pod.from_dict({"metadata": meta, "spec": {"containers": [{"name": "c"}]}, "status": status}))
    service = _service(publishNotReadyAddresses=tolerate, ports=[{"port": 80, "targetPort": 8080}])
    written = _written(_sync(service, *pods))
    eligible = [(f"10.1.0.{i}", tolerate or r) for i, (r, phase, term, ip, sel) in enumerate(flags)
                if sel and ip and phase not in ("Succeeded", "Failed") and (tolerate or not term)]
    assert sorted((a.ip, True) for s in written.subsets for a in s.addresses) + \
        sorted((a.ip, False) for s in written.subsets for a in s.not_ready_addresses) == \
        sorted(e for e in eligible if e[1]) + sorted(e for e in eligible if not e[1])
    assert all(s.ports == (EndpointPort(port=8080),) for s in written.subsets)


# --- event handlers ---------------------------------------------------------------------------------


def _cache(*objects: Any) -> Objects:
    cache = Objects()
    for obj in objects:
        cache = cache.put(obj)
    return cache


_SERVICES = (_service(name="a", selector={"foo": "bar"}), _service(name="b", selector={"foo": "baz"}),
             _service(name="c", selector={"tier": "web"}), _service(name="d", selector={}),
             _service(ns="elsewhere", name="e", selector={"foo": "bar"}))


def _relabel(pod: Pod, rv: str, **labels: str) -> Pod:
    return attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, labels=FrozenDict(labels), resource_version=rv))


def _with_rv(pod: Pod, rv: str, **changes: Any) -> Pod:
    meta = attrs.evolve(pod.metadata, resource_version=rv)
    return attrs.evolve(pod, metadata=meta, **changes)


def test_pod_added_or_deleted_queues_the_services_selecting_it() -> None:
    """addPod / deletePod: the Services of the pod's namespace whose selector matches it (not selector-less
    ones, not other namespaces)."""
    pod = _pod("other", 0)
    cache = _cache(*_SERVICES, pod)
    assert ep.enqueue(WatchEvent(ADDED, pod, 1), None, cache) == [("other", "a")]
    assert ep.enqueue(WatchEvent(DELETED, pod, 2), pod, cache) == [("other", "a")]


@pytest.mark.parametrize(("change", "expected"), [
    ("nothing but the resourceVersion", []),
    ("same resourceVersion (a resync)", []),
    ("readiness", [("other", "a")]),
    ("pod IP", [("other", "a")]),
    ("deletion", [("other", "a")]),
    ("labels only", [("other", "a"), ("other", "b")]),
    ("labels, to a superset", [("other", "c")]),
    ("labels and readiness", [("other", "a"), ("other", "b"), ("other", "c")]),
])
def test_pod_update_queues_services(change: str, expected: list) -> None:
    """GetPodUpdateProjectionKey / podEndpointsChanged / determineNeededServiceUpdates: only changes that can
    move the endpoint queue anything; a pure label change queues the Services joined or left, a label change
    with another change every Service selecting the old or the new pod."""
    old = _pod("other", 0)
    ready_false = attrs.evolve(old.status, conditions=(attrs.evolve(old.status.conditions[0], status="False"),))
    new = {
        "nothing but the resourceVersion": _with_rv(old, "9", status=attrs.evolve(old.status, host_ip="1.1.1.1")),
        "same resourceVersion (a resync)": _with_rv(old, old.metadata.resource_version, status=ready_false),
        "readiness": _with_rv(old, "9", status=ready_false),
        "pod IP": _with_rv(old, "9", status=attrs.evolve(old.status, pod_ip="9.9.9.9")),
        "deletion": attrs.evolve(old, metadata=attrs.evolve(old.metadata, resource_version="9",
                                                            deletion_timestamp=3)),
        "labels only": _relabel(old, "9", foo="baz"),
        "labels, to a superset": _relabel(old, "9", foo="bar", tier="web"),
        "labels and readiness": attrs.evolve(_relabel(old, "9", foo="baz", tier="web"), status=ready_false),
    }[change]
    assert ep.enqueue(WatchEvent(MODIFIED, new, 9), old, _cache(*_SERVICES, new)) == expected


def test_service_and_endpoints_events() -> None:
    """onServiceUpdate / onServiceDelete queue the Service; only Endpoints deletions are handled
    (TestEndpointsDeletionEvents)."""
    service, endpoints = _service(), _endpoints()
    for kind in (ADDED, MODIFIED, DELETED):
        assert ep.enqueue(WatchEvent(kind, service, 1), None, _cache()) == [("other", "foo")]
    assert ep.enqueue(WatchEvent(ADDED, endpoints, 1), None, _cache()) == []
    assert ep.enqueue(WatchEvent(MODIFIED, endpoints, 2), endpoints, _cache()) == []
    assert ep.enqueue(WatchEvent(DELETED, endpoints, 3), endpoints, _cache()) == [("other", "foo")]


def test_initial_keys_include_leftover_endpoints() -> None:
    """TestCheckLeftoverEndpoints: every Endpoints object is queued at start, except leader-election records."""
    leader = _endpoints(name="kube-scheduler", annotations={ep.LEADER_ANNOTATION: "{}"})
    cache = _cache(_service(name="web"), _endpoints(name="foo"), leader)
    assert ep.initial_keys(cache) == [("other", "foo"), ("other", "web")]


# --- through the API server -------------------------------------------------------------------------


def _cluster(*docs: dict) -> Any:
    base_docs = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
                  "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "10"}}}]
    return initial_state([from_dict(d) for d in base_docs + list(docs)])


def _settle(state: Any, limit: int = 200) -> Any:
    """Run submissions, watch deliveries, kubelet pod syncs and reconciles until none is left (no clock)."""
    wanted = (SubmitPending, DeliverWatchEvent, KubeletSyncPod, NodeHeartbeat, base.Reconcile)
    for _ in range(limit):
        actions = [a for a in enabled(state) if isinstance(a, wanted)]
        if not actions:
            return state
        state = step(state, actions[0]).state
    raise AssertionError("the cluster did not settle")


def _pod_doc(name: str, labels: dict, ns: str = "default", probe: bool = False) -> dict:
    container: dict[str, Any] = {"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}
    if probe:
        container["readinessProbe"] = {"httpGet": {"port": 8080}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"nodeName": "n1", "containers": [container]}}


_WEB = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}


def test_controller_writes_endpoints_through_the_api_server() -> None:
    """The controller's requests pass RBAC as system:serviceaccount:kube-system:endpoint-controller; the
    Endpoints list the kubelet-reported pod IPs."""
    state = _settle(_cluster(_pod_doc("a", {"app": "web"}), _pod_doc("b", {"app": "web"}, probe=True),
                             _pod_doc("c", {"app": "db"}), _WEB))
    endpoints = state.store.get("Endpoints", "default", "web")
    pods = {name: state.store.get("Pod", "default", name) for name in "abc"}
    (subset,) = endpoints.subsets
    assert [a.ip for a in subset.addresses] == [pods["a"].status.pod_ip]
    assert [a.ip for a in subset.not_ready_addresses] == [pods["b"].status.pod_ip]
    assert subset.ports == (EndpointPort(port=8080),)
    assert subset.addresses[0].node_name == "n1"


def test_endpoints_follow_the_service_lifecycle() -> None:
    """Deleting the Service deletes its Endpoints; deleting the Endpoints of a live Service recreates them."""
    state = _settle(_cluster(_pod_doc("a", {"app": "web"}), _WEB))
    first = state.store.get("Endpoints", "default", "web")
    state = _settle(step(state, Submit(rq.Delete(ADMIN, "Endpoints", "default", "web"))).state)
    recreated = state.store.get("Endpoints", "default", "web")
    assert recreated is not None and recreated.metadata.uid != first.metadata.uid
    assert recreated.subsets == first.subsets
    state = _settle(step(state, Submit(rq.Delete(ADMIN, "Service", "default", "web"))).state)
    assert state.store.get("Endpoints", "default", "web") is None


def test_hand_managed_endpoints_of_selectorless_services_survive() -> None:
    """A Service without selector keeps the Endpoints its owner wrote."""
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "default"},
               "spec": {"ports": [{"port": 5432}]}}
    manual = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "db", "namespace": "default"},
              "subsets": [{"addresses": [{"ip": "192.0.2.10"}], "ports": [{"port": 5432}]}]}
    state = _settle(_cluster(service, manual))
    assert state.store.get("Endpoints", "default", "db").subsets == from_dict(manual).subsets
    assert not any(isinstance(a, base.Reconcile) for a in enabled(state))
