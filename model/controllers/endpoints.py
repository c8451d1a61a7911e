"""The Endpoints controller: every Service with a selector gets an Endpoints object listing its pods.

Sources: pkg/controller/endpoint/endpoints_controller.go (``syncService``, ``addEndpointSubset``,
``podToEndpointAddressForService``, ``truncateEndpoints``, the event handlers and ``checkLeftoverEndpoints``),
pkg/controller/endpoint/endpoints_tracker.go (``staleEndpointsTracker``), staging/src/k8s.io/endpointslice/util/
controller_utils.go (``ShouldPodBeInEndpoints``, ``ShouldSetHostname``, ``GetPodUpdateProjectionKey``,
``podEndpointsChanged``, ``determineNeededServiceUpdates``), pkg/api/v1/endpoints/util.go (``RepackSubsets``),
pkg/api/v1/pod/util.go (``FindPort``). Doc: https://kubernetes.io/docs/concepts/services-networking/service/ .

As in Kubernetes 1.33+, written Endpoints carry ``endpoints.kubernetes.io/managed-by: endpoint-controller``.
The controller's memory is its staleEndpointsTracker: (namespace, name) -> the resourceVersion its last update
replaced; a sync whose cache still shows that version fails and is retried with back-off instead of acting on
stale data. Pod events resolve the Services they concern at once (upstream batches them through a second
queue after ``endpointUpdatesBatchPeriod``, 0 by default).

Deliberate differences, each because the model lacks what upstream depends on:

- The model's API server does not allocate cluster IPs, so a Service without ``spec.clusterIP`` is treated as
  having one (only ``clusterIP: None`` is headless, ``helper.IsServiceIPSet``).
- Pods have one IP (``status.podIP``); the IP-family matching of dual-stack clusters is not modelled.
- An empty ``spec.selector`` counts as no selector: a real API server stores ``selector: {}`` as absent
  (protobuf drops empty maps), so the controller sees nil there too.
- The ``endpoints.kubernetes.io/last-change-trigger-time`` annotation (TriggerTimeTracker) is not written.
- ``RepackSubsets`` orders ports and subsets by the MD5 of their Go dump; the model uses a readable fixed order
  (addresses are ordered exactly as upstream, by IP then target uid).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import controller_identity
from model.controllers import base
from model.frozendict import FrozenDict
from model.labels import selector_from_set
from model.objects import Endpoints, Pod, Service
from model.objects.meta import ObjectMeta, ObjectReference
from model.objects.network import EndpointAddress, EndpointPort, EndpointSubset, ServicePort
from model.store import DELETED, Objects, WatchEvent

NAME = "endpoint-controller"
"""The controller's name and service account (``ControllerName``)."""
MANAGED_BY_LABEL = "endpoints.kubernetes.io/managed-by"
"""``LabelManagedBy``: marks Endpoints the controller manages (value ``endpoint-controller``)."""
HEADLESS_LABEL = "service.kubernetes.io/headless"
"""``v1.IsHeadlessService``: set on the Endpoints of a Service without a cluster IP."""
OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity"
"""``v1.EndpointsOverCapacity``: set to ``truncated`` when addresses were dropped."""
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
"""``resourcelock.LeaderElectionRecordAnnotationKey``: leader-election Endpoints are never cleaned up."""
MAX_CAPACITY = 1000
"""``maxCapacity``: the most addresses one Endpoints object carries."""
WATCHES = frozenset({"Service", "Pod", "Endpoints"})


# --- which pods, at which addresses and ports ---------------------------------------------------------


def should_pod_be_in_endpoints(pod: Pod, include_terminating: bool) -> bool:
    """``ShouldPodBeInEndpoints``: not terminal, has an IP, and not terminating unless that is tolerated."""
    if pod.is_terminated or not pod.status.pod_ip:
        return False
    return include_terminating or pod.metadata.deletion_timestamp is None


def should_set_hostname(pod: Pod, service: Service) -> bool:
    """``ShouldSetHostname``: the pod names a hostname and this Service as its subdomain."""
    return bool(pod.spec.hostname) and pod.spec.subdomain == service.name and pod.namespace == service.namespace


def find_port(pod: Pod, port: ServicePort) -> int | None:
    """``podutil.FindPort``: a numeric targetPort as is; a named one is looked up among the ports of the
    pod's containers and sidecars (restartable init containers) with the Service port's protocol."""
    target = port.target_port
    if isinstance(target, int):
        return target
    containers = pod.spec.containers + tuple(c for c in pod.spec.init_containers if c.is_sidecar)
    return next((p.container_port for c in containers for p in c.ports
                 if p.name == target and p.protocol == port.protocol), None)


def endpoint_address(service: Service, pod: Pod) -> EndpointAddress:
    """``podToEndpointAddressForService`` (and the hostname ``syncService`` adds)."""
    ref = ObjectReference(kind="Pod", namespace=pod.namespace, name=pod.name, uid=pod.metadata.uid)
    hostname = pod.spec.hostname if should_set_hostname(pod, service) else None
    return EndpointAddress(ip=pod.status.pod_ip, hostname=hostname, node_name=pod.spec.node_name or "",
                           target_ref=ref)


def _subset(address: EndpointAddress, port: EndpointPort | None, ready: bool) -> EndpointSubset:
    """``addEndpointSubset``: one address, ready or not ready, with its port (if any)."""
    ports = () if port is None else (port,)
    if ready:
        return EndpointSubset(addresses=(address,), ports=ports)
    return EndpointSubset(not_ready_addresses=(address,), ports=ports)


def desired_subsets(service: Service, pods: Iterable[Pod]) -> tuple[EndpointSubset, ...]:
    """The subsets ``syncService`` computes for ``service`` from the pods its selector matches, repacked."""
    tolerate = service.spec.publish_not_ready_addresses
    subsets: list[EndpointSubset] = []
    for pod in pods:
        if not should_pod_be_in_endpoints(pod, tolerate):
            continue
        address = endpoint_address(service, pod)
        ready = tolerate or pod.is_ready
        if not service.spec.ports:
            if service.spec.is_headless:
                subsets.append(_subset(address, None, ready))
            continue
        for port in service.spec.ports:
            number = find_port(pod, port)
            if number is not None:
                subsets.append(_subset(address, EndpointPort(port=number, name=port.name, protocol=port.protocol),
                                       ready))
    return repack_subsets(subsets)


# --- RepackSubsets ---------------------------------------------------------------------------------


def _address_key(address: EndpointAddress) -> tuple[str, str]:
    """Addresses are de-duplicated by IP and target uid."""
    ref = address.target_ref
    return (address.ip, (ref.uid or "") if ref is not None else "")


def _address_order(address: EndpointAddress) -> tuple[bytes, bool, str]:
    """``LessEndpointAddress``: by IP bytes, then no target before a target, then target uid."""
    ref = address.target_ref
    return (address.ip.encode(), ref is not None, (ref.uid or "") if ref is not None else "")


def _port_order(port: EndpointPort) -> tuple[int, str, str]:
    return (port.port, port.name or "", port.protocol)


def repack_subsets(subsets: Iterable[EndpointSubset]) -> tuple[EndpointSubset, ...]:
    """``RepackSubsets``: the canonical layout. Each port maps to the addresses offering it (de-duplicated;
    not ready trumps ready); ports offered by the same (address, readiness) set share one subset. Addresses
    without ports (a headless Service without ports) keep a subset with no ports."""
    addresses: dict[tuple[str, str], EndpointAddress] = {}
    by_port: dict[EndpointPort | None, dict[tuple[str, str], bool]] = {}
    for subset in subsets:
        for port in subset.ports or (None,):
            marked = [(a, True) for a in subset.addresses] + [(a, False) for a in subset.not_ready_addresses]
            for address, ready in marked:
                key = _address_key(address)
                addresses.setdefault(key, address)
                readiness = by_port.setdefault(port, {})
                if readiness.get(key, True):
                    readiness[key] = ready
    groups: dict[frozenset, list[EndpointPort]] = {}
    for port, readiness in by_port.items():
        ports = groups.setdefault(frozenset(readiness.items()), [])
        if port is not None:
            ports.append(port)
    packed = []
    for members, ports in groups.items():
        ready = sorted((addresses[k] for k, r in members if r), key=_address_order)
        not_ready = sorted((addresses[k] for k, r in members if not r), key=_address_order)
        packed.append(EndpointSubset(addresses=tuple(ready), not_ready_addresses=tuple(not_ready),
                                     ports=tuple(sorted(ports, key=_port_order))))
    return tuple(sorted(packed, key=_subset_order))


def _subset_order(subset: EndpointSubset) -> tuple:
    return (tuple(_port_order(p) for p in subset.ports),
            tuple(_address_order(a) for a in subset.addresses + subset.not_ready_addresses))


def truncate(subsets: tuple[EndpointSubset, ...]) -> tuple[tuple[EndpointSubset, ...], bool]:
    """``truncateEndpoints``: at most MAX_CAPACITY addresses, shared among subsets in proportion, ready
    addresses first; returns the subsets and whether any address was dropped."""
    total_ready = sum(len(s.addresses) for s in subsets)
    total_not_ready = sum(len(s.not_ready_addresses) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return subsets, False
    truncate_ready = total_ready > MAX_CAPACITY
    limit, total = (MAX_CAPACITY, total_ready) if truncate_ready else (MAX_CAPACITY - total_ready, total_not_ready)
    room = limit
    kept = []
    for subset in subsets:
        count = len(subset.addresses) if truncate_ready else len(subset.not_ready_addresses)
        share = min(math.ceil(count / total * limit), room)
        if truncate_ready:
            subset = attrs.evolve(subset, addresses=subset.addresses[:share], not_ready_addresses=())
            room -= len(subset.addresses)
        else:
            subset = attrs.evolve(subset, not_ready_addresses=subset.not_ready_addresses[:share])
            room -= len(subset.not_ready_addresses)
        kept.append(subset)
    return tuple(kept), True


def _without_ref_versions(subsets: tuple[EndpointSubset, ...]) -> tuple[EndpointSubset, ...]:
    """``endpointSubsetsEqualIgnoreResourceVersion`` compares subsets ignoring the targets' resourceVersion."""
    def clear(address: EndpointAddress) -> EndpointAddress:
        ref = address.target_ref
        if ref is None or ref.resource_version is None:
            return address
        return attrs.evolve(address, target_ref=attrs.evolve(ref, resource_version=None))
    return tuple(attrs.evolve(s, addresses=tuple(map(clear, s.addresses)),
                              not_ready_addresses=tuple(map(clear, s.not_ready_addresses))) for s in subsets)


# --- event handlers ---------------------------------------------------------------------------------


def _has_selector(service: Service) -> bool:
    return bool(service.spec.selector)


def services_for_labels(cache: Objects, namespace: str, labels: Any) -> set[base.Key]:
    """``getServicesForPod``: keys of the Services in ``namespace`` whose selector matches ``labels``."""
    return {(s.namespace, s.name) for s in cache.list("Service", namespace)
            if _has_selector(s) and selector_from_set(s.spec.selector).matches(labels)}


def pod_endpoints_changed(old: Pod, new: Pod) -> tuple[bool, bool]:
    """``podEndpointsChanged``: (whether the pod's endpoint may have changed, whether its Service memberships
    may have changed)."""
    labels_changed = old.metadata.labels != new.metadata.labels or old.spec.hostname != new.spec.hostname \
        or old.spec.subdomain != new.spec.subdomain
    pod_changed = old.metadata.deletion_timestamp != new.metadata.deletion_timestamp \
        or old.is_ready != new.is_ready or old.status.pod_ip != new.status.pod_ip
    return pod_changed, labels_changed


def _pod_keys(event: WatchEvent, old: Pod | None, cache: Objects) -> set[base.Key]:
    """``GetPodUpdateProjectionKey`` + ``GetServicesToUpdate``: an added or deleted pod concerns the Services
    selecting it; an update concerns them only if its readiness, IP, deletion or labels changed, and a pure
    label change only the Services it joined or left."""
    pod = event.object
    if event.type == DELETED or old is None:
        return services_for_labels(cache, pod.namespace, pod.metadata.labels)
    if old.metadata.resource_version == pod.metadata.resource_version:
        return set()
    pod_changed, labels_changed = pod_endpoints_changed(old, pod)
    if not pod_changed and not labels_changed:
        return set()
    now = services_for_labels(cache, pod.namespace, pod.metadata.labels)
    if not labels_changed:
        return now
    before = services_for_labels(cache, pod.namespace, old.metadata.labels)
    return now | before if pod_changed else now ^ before


def enqueue(event: WatchEvent, old: Any, cache: Objects) -> list[base.Key]:
    """The informer handlers: any Service event queues the Service; a deleted Endpoints queues its Service
    (to recreate it); pod events queue the Services they concern."""
    kind = event.key[0]
    obj = event.object
    if kind == "Service" or (kind == "Endpoints" and event.type == DELETED):
        return [(obj.namespace, obj.name)]
    if kind == "Pod":
        return sorted(_pod_keys(event, old, cache))
    return []


def initial_keys(cache: Objects) -> list[base.Key]:
    """The initial list queues every Service, and ``checkLeftoverEndpoints`` every Endpoints object (except
    leader-election records), so Endpoints whose Service is gone get deleted."""
    keys = {(s.namespace, s.name) for s in cache.list("Service")}
    keys |= {(e.namespace, e.name) for e in cache.list("Endpoints")
             if LEADER_ANNOTATION not in e.metadata.annotations}
    return sorted(keys)


# --- syncService ------------------------------------------------------------------------------------


def _is_service_ip_set(service: Service) -> bool:
    """``helper.IsServiceIPSet`` with the model's unallocated cluster IPs counting as set (module docstring)."""
    return not service.spec.is_headless


def desired_labels(service: Service) -> FrozenDict:
    """The Service's labels, the managed-by label, and the headless label when it has no cluster IP."""
    labels = dict(service.metadata.labels)
    labels[MANAGED_BY_LABEL] = NAME
    if _is_service_ip_set(service):
        labels.pop(HEADLESS_LABEL, None)
    else:
        labels[HEADLESS_LABEL] = ""
    return FrozenDict(labels)


def _up_to_date(current: Endpoints, service: Service, subsets: tuple[EndpointSubset, ...]) -> bool:
    """The no-op check: same subsets (ignoring target resourceVersions), labels that differ at most by the
    headless label, and ``capacityAnnotationSetCorrectly`` (at most MAX_CAPACITY addresses, no over-capacity
    annotation)."""
    labels = dict(current.metadata.labels)
    labels.pop(HEADLESS_LABEL, None)
    expected = dict(service.metadata.labels)
    expected[MANAGED_BY_LABEL] = NAME
    count = sum(len(s.addresses) + len(s.not_ready_addresses) for s in current.subsets)
    capacity_ok = count <= MAX_CAPACITY and OVER_CAPACITY_ANNOTATION not in current.metadata.annotations
    return _without_ref_versions(current.subsets) == _without_ref_versions(subsets) and labels == expected \
        and capacity_ok


def reconcile(ctx: base.Context) -> base.Result:
    """``syncService`` for the Service at ``ctx.key``."""
    namespace, name = ctx.key
    cache = ctx.cache
    identity = controller_identity(NAME)
    service = cache.get("Service", namespace, name)
    if service is None:
        return base.Result(requests=(rq.Delete(identity, "Endpoints", namespace, name),), then=_after_delete)
    if service.spec.type == "ExternalName" or not _has_selector(service):
        return base.Result()
    selector = selector_from_set(service.spec.selector)
    pods = [p for p in cache.list("Pod", namespace) if selector.matches(p.metadata.labels)]
    subsets = desired_subsets(service, pods)
    current = cache.get("Endpoints", namespace, name)
    if current is not None and ctx.memory.get(ctx.key) == current.metadata.resource_version:
        # staleEndpointsTracker: the cache still shows the version this controller replaced; retry later.
        return base.Result(failed=True)
    if current is not None and _up_to_date(current, service, subsets):
        return base.Result()
    subsets, truncated = truncate(subsets)
    base_meta = current.metadata if current is not None else ObjectMeta(name=name, namespace=namespace)
    annotations = dict(base_meta.annotations)
    if truncated:
        annotations[OVER_CAPACITY_ANNOTATION] = "truncated"
    else:
        annotations.pop(OVER_CAPACITY_ANNOTATION, None)
    meta = attrs.evolve(base_meta, labels=desired_labels(service), annotations=FrozenDict(annotations))
    endpoints = Endpoints(metadata=meta, subsets=subsets)
    if current is not None:
        return base.Result(requests=(rq.Update(identity, endpoints),))
    return base.Result(requests=(rq.Create(identity, endpoints),), then=_after_create)


def _after_delete(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
    """The Service is gone: its Endpoints being gone already (NotFound) is no error."""
    (response,) = responses
    return base.Result(failed=not (response.ok or response.code == 404))


def _after_create(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
    """A create forbidden because the namespace is terminating is dropped (it would keep failing)."""
    (response,) = responses
    terminating = response.code == 403 and "because it is being terminated" in response.message
    return base.Result(failed=not (response.ok or terminating))


def observe(memory: FrozenDict, request: rq.Request, response: rq.Response) -> FrozenDict:
    """The staleEndpointsTracker: after an update that produced a new resourceVersion, remember the one it
    replaced (a cache still showing it is stale); once the Service's Endpoints are deleted (or found gone),
    forget it."""
    if isinstance(request, rq.Delete) and request.kind == "Endpoints":
        if response.ok or response.code == 404:
            return memory.discard((request.namespace, request.name))
        return memory
    if not isinstance(request, rq.Update) or request.object.kind != "Endpoints" or not response.ok:
        return memory
    replaced = request.object.metadata.resource_version
    if response.object.metadata.resource_version == replaced:
        return memory
    return memory.set((request.object.namespace, request.object.name), replaced)


CONTROLLER = base.Controller(NAME, WATCHES, enqueue, initial_keys, reconcile, observe)
