"""What a cluster administrator does with kubectl to take a node out of service: cordon, uncordon, drain.

Each helper reads the API server's current objects (``state.store``, as kubectl reads them with GET/LIST) and
builds the API requests kubectl would send, as ``user``; a scenario or the explorer submits each with
``model.actions.Submit``. Build them right before submitting them.

Sources: staging/src/k8s.io/kubectl/pkg/drain/cordon.go (CordonHelper: ``spec.unschedulable``, nothing sent
when it already has the desired value), drain.go (RunCordonOrUncordon, GetPodsForDeletion, DeleteOrEvictPods),
filters.go (the pod filters and their messages), staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go.
Doc: https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/

A drain evicts (``pods/eviction``, ``model.apiserver.eviction``), as kubectl does by default: the API server refuses
with 429 an eviction a PodDisruptionBudget forbids, and kubectl retries it every 5 seconds
(drain.go ``evictPods``: "error when evicting pods/... (will retry after 5s)") until the pod is gone or
``--timeout`` (default: none) runs out. :func:`drain` gives the first round of requests; :func:`evictions` the
retries still owed for a cordoned node. Deliberate differences: the model's API server has no PATCH, so a cordon is
an update of the node as it is now (kubectl sends a strategic-merge patch of ``spec.unschedulable``; the update
needs ``update`` rather than ``patch`` on nodes); ``--disable-eviction`` (delete instead) is not modelled. kubectl
then waits for the pods to disappear; here the scenario observes that in the state.
"""

from __future__ import annotations

import attrs

from model.apiserver import requests as rq
from model.auth.identity import ADMIN, UserInfo
from model.objects import Node, Pod
from model.state import ClusterState

MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
DAEMON_SET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMON_SET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"


def _set_unschedulable(state: ClusterState, node_name: str, value: bool, user: UserInfo) -> tuple[rq.Request, ...]:
    node: Node | None = state.store.get("Node", None, node_name)
    if node is None or node.spec.unschedulable == value:
        return ()
    unconditional = attrs.evolve(node.metadata, resource_version=None)
    return (rq.Update(user, attrs.evolve(node, metadata=unconditional,
                                         spec=attrs.evolve(node.spec, unschedulable=value))),)


def cordon(state: ClusterState, node: str, user: UserInfo = ADMIN) -> tuple[rq.Request, ...]:
    """``kubectl cordon NODE``: mark the node unschedulable (nothing to send if it already is, or is gone)."""
    return _set_unschedulable(state, node, True, user)


def uncordon(state: ClusterState, node: str, user: UserInfo = ADMIN) -> tuple[rq.Request, ...]:
    """``kubectl uncordon NODE``: mark the node schedulable again."""
    return _set_unschedulable(state, node, False, user)


@attrs.frozen
class PodDeleteStatus:
    """filters.go PodDeleteStatus: whether drain deletes the pod, and why (Okay, Skip, Warning, Error)."""

    delete: bool
    reason: str = "Okay"
    message: str = ""


@attrs.frozen
class DrainOptions:
    """kubectl drain's flags: ``--ignore-daemonsets``, ``--delete-emptydir-data``, ``--force``,
    ``--grace-period`` (None: each pod's own ``terminationGracePeriodSeconds``). ``--pod-selector``,
    ``--skip-wait-for-delete-timeout`` and ``--disable-eviction`` are not modelled."""

    ignore_daemonsets: bool = False
    delete_emptydir_data: bool = False
    force: bool = False
    grace_period_seconds: int | None = None


@attrs.frozen
class Drain:
    """What ``kubectl drain`` does: the requests in order (the cordon first), and what it reports. With errors
    the node is cordoned and no pod is deleted ("unable to drain node ..., aborting command")."""

    requests: tuple[rq.Request, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _finished(pod: Pod) -> bool:
    return pod.status.phase in ("Succeeded", "Failed")


def pod_delete_status(state: ClusterState, pod: Pod, options: DrainOptions) -> PodDeleteStatus:
    """filterPods: the filters in kubectl's order (daemonSet, mirrorPod, localStorage, unreplicated), stopping
    at the first that keeps the pod."""
    for check in (_daemon_set, _mirror_pod, _local_storage, _unreplicated):
        status = check(state, pod, options)
        if not status.delete:
            return status
    return status


def _daemon_set(state: ClusterState, pod: Pod, options: DrainOptions) -> PodDeleteStatus:
    ref = pod.metadata.controller_ref()
    if ref is None or ref.kind != "DaemonSet" or _finished(pod):
        return PodDeleteStatus(True)
    if state.store.get("DaemonSet", pod.namespace, ref.name) is None:
        missing = f'daemonsets.apps "{ref.name}" not found'
        return PodDeleteStatus(True, "Warning", missing) if options.force else PodDeleteStatus(False, "Error", missing)
    if not options.ignore_daemonsets:
        return PodDeleteStatus(False, "Error", DAEMON_SET_FATAL)
    return PodDeleteStatus(False, "Warning", DAEMON_SET_WARNING)


def _mirror_pod(state: ClusterState, pod: Pod, options: DrainOptions) -> PodDeleteStatus:
    mirror = MIRROR_POD_ANNOTATION in pod.metadata.annotations
    return PodDeleteStatus(False, "Skip") if mirror else PodDeleteStatus(True)


def _local_storage(state: ClusterState, pod: Pod, options: DrainOptions) -> PodDeleteStatus:
    if not any(v.empty_dir is not None for v in pod.spec.volumes) or _finished(pod):
        return PodDeleteStatus(True)
    if not options.delete_emptydir_data:
        return PodDeleteStatus(False, "Error", LOCAL_STORAGE_FATAL)
    return PodDeleteStatus(True, "Warning", LOCAL_STORAGE_WARNING)


def _unreplicated(state: ClusterState, pod: Pod, options: DrainOptions) -> PodDeleteStatus:
    if _finished(pod) or pod.metadata.controller_ref() is not None:
        return PodDeleteStatus(True)
    if options.force:
        return PodDeleteStatus(True, "Warning", UNMANAGED_WARNING)
    return PodDeleteStatus(False, "Error", UNMANAGED_FATAL)


def _grouped(statuses: list[tuple[Pod, PodDeleteStatus]], reason: str) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for pod, status in statuses:
        if status.reason == reason:
            grouped.setdefault(status.message, []).append(f"{pod.namespace}/{pod.name}")
    return grouped


def drain(state: ClusterState, node: str, user: UserInfo = ADMIN, options: DrainOptions = DrainOptions()) -> Drain:
    """``kubectl drain NODE``: cordon, then evict every pod on the node that the filters let go.

    DaemonSet-managed pods stay (an error unless ``--ignore-daemonsets``), mirror pods stay, pods with emptyDir
    volumes need ``--delete-emptydir-data``, pods without a controller need ``--force``; finished pods always go.
    Errors read as kubectl's (``cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore):
    default/ds-x``), warnings as ``ignoring DaemonSet-managed Pods: default/ds-x``; as in kubectl, a pod keeps
    only the last filter's verdict, so a warning is lost when a later filter passes the pod. Messages are grouped
    in the order their first pod is listed (kubectl's order is its map's).
    """
    if state.store.get("Node", None, node) is None:
        return Drain((), errors=(f'nodes "{node}" not found',))
    requests = cordon(state, node, user)
    pods = [p for p in state.store.list("Pod") if p.spec.node_name == node]
    statuses = [(p, pod_delete_status(state, p, options)) for p in pods]
    errors = tuple(f"{msg}: {', '.join(names)}" if msg.lower().startswith("cannot delete")
                   else f"cannot delete {msg}: {', '.join(names)}"
                   for msg, names in _grouped(statuses, "Error").items())
    warnings = tuple(f"{msg}: {', '.join(names)}" for msg, names in _grouped(statuses, "Warning").items())
    if errors:
        return Drain(requests, errors, warnings)
    evicts = tuple(rq.Evict(user, p.namespace, p.name, grace_period_seconds=options.grace_period_seconds)
                   for p, status in statuses if status.delete)
    return Drain(requests + evicts, (), warnings)


def evictions(state: ClusterState, node: str, user: UserInfo = ADMIN,
              options: DrainOptions = DrainOptions()) -> tuple[rq.Evict, ...]:
    """The evictions a running ``kubectl drain NODE`` still sends: one for each pod on the node that the filters
    let go and that is not yet being deleted (kubectl then only waits for it). Empty when the drain aborts on
    errors or the node is gone."""
    plan = drain(state, node, user, options)
    live = {(p.namespace, p.name) for p in state.store.list("Pod") if p.spec.node_name == node
            and p.metadata.deletion_timestamp is None}
    return tuple(r for r in plan.requests if isinstance(r, rq.Evict) and (r.namespace, r.name) in live)
