"""kube-scheduler's Filter plugins, one function each, and the registry the framework runs them from.

Each public function ``<plugin>(pod, node, snapshot, profile=None) -> str | None`` runs the plugin's
PreFilter and Filter for one node, as upstream would with only that plugin enabled: None when the node
passes, else upstream's reason text (several reasons, as NodeResourcesFit can give, joined with ", " like
Status.Message). The framework uses :data:`REGISTRY`, which keeps codes and PreFilter state.

Sources (kubernetes/kubernetes, ``pkg/scheduler/framework/plugins/``):
- ``nodeunschedulable/node_unschedulable.go`` (tolerating the ``node.kubernetes.io/unschedulable:NoSchedule``
  taint also tolerates ``spec.unschedulable``);
- ``nodename/node_name.go``;
- ``tainttoleration/taint_toleration.go`` (current upstream reports ``node(s) had untolerated taint(s)``;
  earlier releases named the taint, ``node(s) had untolerated taint {key: value}``);
- ``nodeaffinity/node_affinity.go`` (PreFilter: a ``metadata.name`` matchFields shortlist, "pod affinity
  terms conflict"; Filter: the profile's ``addedAffinity``, then nodeSelector and required affinity);
- ``nodeports/node_ports.go`` with ``pkg/scheduler/util/utils.go`` GetHostPorts (sidecar init containers'
  ports count) and ``framework/types.go`` HostPortInfo.CheckConflict (0.0.0.0 conflicts with every IP);
- ``noderesources/fit.go`` Filter (via :func:`model.resources.fits`; a request above the node's whole
  allocatable is unresolvable, so preemption skips the node);
- the volume plugins (:mod:`model.scheduler.volumes`), PodTopologySpread (:mod:`model.scheduler.spread`) and
  InterPodAffinity (:mod:`model.scheduler.interpod`).
NodeVolumeLimits (needs CSINode objects) and DynamicResources (the model's pods carry no ResourceClaims, so
upstream's PreFilter skips it) are in profiles but have no model implementation: they pass every node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from model.affinity import node_selector_matches, pod_matches_node
from model.frozendict import FrozenDict
from model.objects import Node, Pod
from model.objects.pod import ContainerPort, NodeAffinity
from model.resources import fits, pod_requests, scheduler_resources
from model.scheduler import interpod, spread, volumes
from model.scheduler.plugin import SKIP, FilterPlugin, PreFilterResult
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import Status
from model.taints import Taint, first_untolerated, tolerated

ERR_UNSCHEDULABLE = "node(s) were unschedulable"
ERR_NODE_NAME = "node(s) didn't match the requested node name"
ERR_UNTOLERATED_TAINT = "node(s) had untolerated taint(s)"
ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
ERR_ENFORCED_NODE_AFFINITY = "node(s) didn't match scheduler-enforced node affinity"
ERR_AFFINITY_CONFLICT = "pod affinity terms conflict"
ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"
OBJECT_NAME_FIELD = "metadata.name"
UNSCHEDULABLE_TAINT = Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")
DEFAULT_BIND_ALL_HOST_IP = "0.0.0.0"
NOT_MODELLED = ("NodeVolumeLimits", "DynamicResources")
DEFAULT_PROFILE = Profile.default()


def _node_unschedulable(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile, state: object) -> Status | None:
    if node.spec.unschedulable and not tolerated(UNSCHEDULABLE_TAINT, pod.spec.tolerations):
        return Status.unresolvable(ERR_UNSCHEDULABLE)
    return None


def _node_name(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile, state: object) -> Status | None:
    if pod.spec.node_name and pod.spec.node_name != node.name:
        return Status.unresolvable(ERR_NODE_NAME)
    return None


def _taint_toleration(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile, state: object) -> Status | None:
    if first_untolerated(node.taints, pod.spec.tolerations) is not None:
        return Status.unresolvable(ERR_UNTOLERATED_TAINT)
    return None


def _added_affinity(profile: Profile) -> NodeAffinity | None:
    """NodeAffinityArgs.addedAffinity of the profile, if any."""
    added = profile.plugin_args("NodeAffinity").get("addedAffinity")
    return None if added is None else NodeAffinity.from_dict(added)


def _node_affinity_pre_filter(pod: Pod, snapshot: Snapshot, profile: Profile) -> PreFilterResult:
    """NodeAffinity PreFilter: the node names the required terms pin by ``metadata.name In`` (a term without
    one allows every node); the profile's added affinity is the state."""
    affinity = pod.spec.affinity
    required = affinity.node_affinity.required if affinity and affinity.node_affinity else None
    added = _added_affinity(profile)
    if required is None and added is None and not pod.spec.node_selector:
        return SKIP
    if required is None or not required.node_selector_terms:
        return PreFilterResult(state=added)
    names: set[str] = set()
    for term in required.node_selector_terms:
        term_names: set[str] | None = None
        for field in term.match_fields:
            if field.key == OBJECT_NAME_FIELD and field.operator == "In":
                term_names = set(field.values) if term_names is None else term_names & set(field.values)
        if term_names is None:
            return PreFilterResult(state=added)
        names |= term_names
    if not names:
        return PreFilterResult(status=Status.unresolvable(ERR_AFFINITY_CONFLICT))
    return PreFilterResult(node_names=frozenset(names), state=added)


def _node_affinity(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile,
                   added: NodeAffinity | None) -> Status | None:
    if added is not None and added.required is not None and not node_selector_matches(added.required, node):
        return Status.unresolvable(ERR_ENFORCED_NODE_AFFINITY)
    if not pod_matches_node(pod, node):
        return Status.unresolvable(ERR_NODE_AFFINITY)
    return None


def host_ports(pod: Pod) -> tuple[ContainerPort, ...]:
    """GetHostPorts: the ports with a host port of the sidecar init containers, then of the containers."""
    containers = (*(c for c in pod.spec.init_containers if c.is_sidecar), *pod.spec.containers)
    return tuple(port for c in containers for port in c.ports if port.host_port and port.host_port > 0)


def _bound_address(port: ContainerPort) -> tuple[str, str, int]:
    """HostPortInfo's sanitized key: host IP (default 0.0.0.0), protocol (default TCP), port."""
    return port.host_ip or DEFAULT_BIND_ALL_HOST_IP, port.protocol or "TCP", port.host_port or 0


def ports_conflict(wanted: Iterable[ContainerPort], used: Iterable[ContainerPort]) -> bool:
    """HostPortInfo.CheckConflict for each wanted port: same protocol and port, and the same IP or either
    side bound to 0.0.0.0."""
    in_use = {_bound_address(port) for port in used}
    for port in wanted:
        ip, protocol, number = _bound_address(port)
        if any(p == protocol and n == number and (ip == DEFAULT_BIND_ALL_HOST_IP or i in (ip, DEFAULT_BIND_ALL_HOST_IP))
               for i, p, n in in_use):
            return True
    return False


def _node_ports_pre_filter(pod: Pod, snapshot: Snapshot, profile: Profile) -> PreFilterResult:
    wanted = host_ports(pod)
    return PreFilterResult(state=wanted) if wanted else SKIP


def _node_ports(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile,
                state: tuple[ContainerPort, ...]) -> Status | None:
    used = (port for other in snapshot.pods_on(node.name) for port in host_ports(other))
    return Status.unschedulable(ERR_NODE_PORTS) if ports_conflict(state, used) else None


def _node_resources_fit(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile, state: object) -> Status | None:
    """fitsRequest via :func:`model.resources.fits`; unresolvable when one request exceeds allocatable."""
    ok, reasons = fits(pod, node, snapshot.pods_on(node.name))
    if ok:
        return None
    request = scheduler_resources(pod_requests(pod))
    allocatable = scheduler_resources(node.allocatable)
    unresolvable = any(request.get(r, 0) > allocatable.get(r, 0) for r in request
                       if f"Insufficient {r}" in reasons)
    return (Status.unresolvable if unresolvable else Status.unschedulable)(*reasons)


REGISTRY: Mapping[str, FilterPlugin] = FrozenDict({
    "NodeUnschedulable": FilterPlugin("NodeUnschedulable", _node_unschedulable),
    "NodeName": FilterPlugin("NodeName", _node_name),
    "TaintToleration": FilterPlugin("TaintToleration", _taint_toleration),
    "NodeAffinity": FilterPlugin("NodeAffinity", _node_affinity, _node_affinity_pre_filter),
    "NodePorts": FilterPlugin("NodePorts", _node_ports, _node_ports_pre_filter),
    "NodeResourcesFit": FilterPlugin("NodeResourcesFit", _node_resources_fit),
    "VolumeRestrictions": FilterPlugin("VolumeRestrictions", volumes.restrictions_filter,
                                       volumes.restrictions_pre_filter),
    "VolumeBinding": FilterPlugin("VolumeBinding", volumes.binding_filter, volumes.binding_pre_filter),
    "VolumeZone": FilterPlugin("VolumeZone", volumes.zone_filter, volumes.zone_pre_filter),
    "PodTopologySpread": FilterPlugin("PodTopologySpread", spread.filter_node, spread.pre_filter),
    "InterPodAffinity": FilterPlugin("InterPodAffinity", interpod.filter_node, interpod.pre_filter),
})
"""The modelled Filter plugins in upstream's default order, with their PreFilters."""


def _message(plugin: str, pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None) -> str | None:
    status = REGISTRY[plugin].status(pod, node, snapshot, profile or DEFAULT_PROFILE)
    return None if status is None else status.message


def node_unschedulable(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """NodeUnschedulable: ``spec.unschedulable`` nodes reject pods not tolerating the unschedulable taint."""
    return _message("NodeUnschedulable", pod, node, snapshot, profile)


def node_name(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """NodeName: a pod naming a node (``spec.nodeName``) fits only that node."""
    return _message("NodeName", pod, node, snapshot, profile)


def taint_toleration(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """TaintToleration: every NoSchedule and NoExecute taint must be tolerated."""
    return _message("TaintToleration", pod, node, snapshot, profile)


def node_affinity(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """NodeAffinity: the profile's added affinity, the pod's nodeSelector and required node affinity."""
    return _message("NodeAffinity", pod, node, snapshot, profile)


def node_ports(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """NodePorts: the pod's host ports must be free on the node."""
    return _message("NodePorts", pod, node, snapshot, profile)


def node_resources_fit(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """NodeResourcesFit: the pod count and every requested resource fit the node's allocatable."""
    return _message("NodeResourcesFit", pod, node, snapshot, profile)


def volume_restrictions(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """VolumeRestrictions: a ReadWriteOncePod claim may be used by one pod only."""
    return _message("VolumeRestrictions", pod, node, snapshot, profile)


def volume_binding(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """VolumeBinding: the pod's claims exist and are (or can be) bound to volumes the node can reach."""
    return _message("VolumeBinding", pod, node, snapshot, profile)


def volume_zone(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """VolumeZone: the node is in the zones and regions of the pod's bound volumes."""
    return _message("VolumeZone", pod, node, snapshot, profile)


def pod_topology_spread(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """PodTopologySpread: DoNotSchedule constraints' skew stays within maxSkew."""
    return _message("PodTopologySpread", pod, node, snapshot, profile)


def inter_pod_affinity(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile | None = None) -> str | None:
    """InterPodAffinity: required pod affinity and anti-affinity, both ways."""
    return _message("InterPodAffinity", pod, node, snapshot, profile)


FILTERS: Mapping[str, Callable[[Pod, Node, Snapshot, Profile | None], str | None]] = FrozenDict({
    "NodeUnschedulable": node_unschedulable,
    "NodeName": node_name,
    "TaintToleration": taint_toleration,
    "NodeAffinity": node_affinity,
    "NodePorts": node_ports,
    "NodeResourcesFit": node_resources_fit,
    "VolumeRestrictions": volume_restrictions,
    "VolumeBinding": volume_binding,
    "VolumeZone": volume_zone,
    "PodTopologySpread": pod_topology_spread,
    "InterPodAffinity": inter_pod_affinity,
})
"""Each modelled Filter plugin's one-node check, in upstream's default order."""
