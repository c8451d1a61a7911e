"""The DaemonSet controller (kube-controller-manager's ``daemon-set-controller``).

Sources (kubernetes/kubernetes, ``pkg/controller/daemon/``):

- ``daemon_controller.go``: ``syncDaemonSet`` (a DaemonSet being deleted is left alone; only the status is
  written while expectations are unmet), ``manage`` / ``podsShouldBeOnNode`` (one pod per eligible node; failed
  pods deleted behind a per-node back-off, succeeded pods deleted, excess pods pruned down to the oldest, or with
  surge to the oldest current and the oldest old pod), ``getUnscheduledPodsWithoutNode``, ``syncNodes``
  (expectations, slow-start create batches, burst of 250), ``updateDaemonSetStatus`` / ``storeDaemonSetStatus``
  (one re-GET and retry), ``NodeShouldRunDaemonPod`` / ``predicates`` / ``NewPod``, ``getNodesToDaemonPods``
  (terminal pods being deleted are ignored), ``podByCreationTimestampAndPhase``, ``failedPodsBackoffKey`` and the
  event handlers (``addPod``, ``updatePod``, ``deletePod``, ``addNode``, ``updateNode`` with
  ``shouldIgnoreNodeUpdate``, ``add/update/deleteDaemonset``);
- ``update.go``: ``rollingUpdate`` (maxUnavailable: delete old pods while few enough are unavailable, the manage
  loop creates their replacements; maxSurge: create the new pod beside the old one and delete the old one once
  the new one is available), ``findUpdatedPodsOnNode``, ``updatedDesiredNodeCounts``;
- ``util/daemonset_util.go``: ``AddOrUpdateDaemonPodTolerations`` (not-ready/unreachable NoExecute, disk-, memory-
  and pid-pressure and unschedulable NoSchedule, network-unavailable NoSchedule with host networking),
  ``CreatePodTemplate``, ``AllowsSurge``, ``SurgeCount``, ``UnavailableCount``, ``IsPodUpdated``,
  ``GetTemplateGeneration``, ``ReplaceDaemonSetPodNodeNameNodeAffinity`` (pods are created with the required node
  affinity ``metadata.name In [node]`` and the default scheduler binds them), ``GetTargetNodeName``;
- ``pkg/controller/controller_utils.go`` (``ComputeHash``, ``ControllerExpectations``, ``GetPodFromTemplate``,
  ``SlowStartInitialBatchSize``), ``controller_ref_manager.go`` (``ClaimPods``), client-go
  ``util/flowcontrol/backoff.go`` (the failed-pods back-off kube-controller-manager builds with 1 s and 15 min).

Doc: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/

Deliberate differences:

- ControllerRevisions are not modelled. The current revision's ``controller-revision-hash`` is computed
  directly as ``ComputeHash`` does (FNV-32a, ``SafeEncodeString``), but over the template's canonical JSON rather
  than Go's ``DeepHashObject`` dump, so the values differ from a real cluster's; there is no ``collisionCount``
  (a hash collision between two templates is not handled) and no history to clean up (``revisionHistoryLimit``).
  Pods of a snapshot count as up to date through the ``pod-template-generation`` label when the DaemonSet carries
  the ``deprecated.daemonset.template.generation`` annotation (``IsPodUpdated``).
- The pods are claimed once per sync; upstream claims again in ``rollingUpdate`` and the status update, but the
  model's cache does not change within a sync (a legal interleaving: the informer has not caught up yet).
- ``rollingUpdate`` looks at the nodes in name order; upstream ranges over a Go map, whose order is random.
- A sync's requests go out one after another; the earliest of its ``AddAfter`` delays requeues the key.
- Events, metrics and the empty-selector guard (DaemonSet validation never lets an empty selector in) are not
  modelled; pods bound to a deleted node are left to the pod garbage collector, as upstream.
- Times are the model's whole seconds; a snapshot's RFC 3339 creation time counts as time 0.

The ``daemonset-bypasses-scheduler`` variant (``ModelConfig.variants``) re-creates kubernetes/kubernetes#16967: the
controller writes ``spec.nodeName`` itself and its predicate ignores taints (a cordoned node's unschedulable taint
included). Its node event handlers still use the faithful predicate (handlers do not see the configuration), so
such a controller notices a tainted node joining only at its next sync.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from model.affinity import OBJECT_NAME_FIELD, pod_matches_node
from model.apiserver import requests as rq
from model.auth.identity import controller_identity
from model.controllers import base
from model.controllers.replicaset import (
    ControlleeExpectations,
    Expectations,
    expectations_of,
    is_pod_available,
    owner_event,
)
from model.frozendict import FrozenDict
from model.objects import DaemonSet, Node, ObjectMeta, OwnerReference, Pod
from model.objects.pod import (
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodSpec,
    PodTemplateSpec,
)
from model.rollout import scaled_value
from model.store import ADDED, DELETED, Objects, WatchEvent
from model.taints import NO_EXECUTE, NO_SCHEDULE, Toleration, first_untolerated

NAME = "daemon-set-controller"
IDENTITY = controller_identity(NAME)
BYPASS_SCHEDULER = "daemonset-bypasses-scheduler"
"""The ``ModelConfig.variants`` switch that re-creates kubernetes/kubernetes#16967."""
BURST_REPLICAS = 250
"""``BurstReplicas``: the most pods one sync creates, and the most it deletes."""
STATUS_UPDATE_RETRIES = 1
"""``StatusUpdateRetries``."""
HASH_LABEL = "controller-revision-hash"
"""``apps.DefaultDaemonSetUniqueLabelKey`` (= ``ControllerRevisionHashLabelKey``)."""
TEMPLATE_GENERATION_LABEL = "pod-template-generation"
"""``extensions.DaemonSetTemplateGenerationKey``."""
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
"""``apps.DeprecatedTemplateGeneration``."""
BACKOFF_INITIAL, BACKOFF_MAX = 1, 900
"""``flowcontrol.NewBackOff(1*time.Second, 15*time.Minute)`` (startDaemonSetController)."""
ROLLING_UPDATE, ON_DELETE = "RollingUpdate", "OnDelete"
_EXPECTATIONS, _BACKOFF = "expectations", "failed-pods-backoff"
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
"""``rand.SafeEncodeString``'s alphabet (no vowels, no 0/1/3)."""
_INT64 = (-(2**63), 2**63 - 1)
_GO_INT = re.compile(r"[+-]?[0-9]+")
"""What ``strconv.ParseInt(s, 10, 64)`` accepts (range aside)."""


# --- pod template (util/daemonset_util.go, controller_utils.go) --------------------------------------------


def _toleration(key: str, effect: str) -> Toleration:
    return Toleration(key=f"node.kubernetes.io/{key}", operator="Exists", effect=effect)


DAEMON_TOLERATIONS = (
    _toleration("not-ready", NO_EXECUTE), _toleration("unreachable", NO_EXECUTE),
    _toleration("disk-pressure", NO_SCHEDULE), _toleration("memory-pressure", NO_SCHEDULE),
    _toleration("pid-pressure", NO_SCHEDULE), _toleration("unschedulable", NO_SCHEDULE),
)
"""What ``AddOrUpdateDaemonPodTolerations`` gives every daemon pod: it survives taint-based eviction and is
scheduled on nodes under pressure and on cordoned nodes."""
HOST_NETWORK_TOLERATION = _toleration("network-unavailable", NO_SCHEDULE)
"""... and, with ``hostNetwork``, on nodes whose network is not ready."""


def add_or_update_toleration(tolerations: tuple[Toleration, ...], toleration: Toleration) -> tuple[Toleration, ...]:
    """``AddOrUpdateTolerationInPodSpec``: unchanged if an equal toleration is there; otherwise every toleration
    with the same key, operator, value and effect (``MatchToleration``) is replaced by it, or it is appended."""
    if toleration in tolerations:
        return tolerations
    same = lambda t: (t.key, t.operator, t.value, t.effect) == (
        toleration.key, toleration.operator, toleration.value, toleration.effect)
    if any(same(t) for t in tolerations):
        return tuple(toleration if same(t) else t for t in tolerations)
    return tolerations + (toleration,)


def add_daemon_pod_tolerations(spec: PodSpec) -> PodSpec:
    """``AddOrUpdateDaemonPodTolerations``."""
    tolerations = spec.tolerations
    for toleration in DAEMON_TOLERATIONS + ((HOST_NETWORK_TOLERATION,) if spec.host_network else ()):
        tolerations = add_or_update_toleration(tolerations, toleration)
    return attrs.evolve(spec, tolerations=tolerations)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def fnv32a(data: bytes) -> int:
    """``hash/fnv.New32a``: 32-bit FNV-1a."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode_string(text: str) -> str:
    """``rand.SafeEncodeString``: each character mapped onto an alphabet without vowels or look-alike digits."""
    return "".join(_ALPHANUMS[ord(c) % len(_ALPHANUMS)] for c in text)


def compute_hash(template: PodTemplateSpec) -> str:
    """``controller.ComputeHash`` (without a collision count): the FNV-1a hash of the template, its decimal digits
    encoded by ``SafeEncodeString``. The template is hashed as canonical JSON (sorted keys)."""
    data = json.dumps(_canonical(template.to_dict()), sort_keys=True, separators=(",", ":")).encode()
    return safe_encode_string(str(fnv32a(data)))


def template_generation(ds: DaemonSet) -> int | None:
    """``GetTemplateGeneration``: the deprecated annotation as an int64; None when absent or unparsable (upstream
    then ignores the generation and relies on the hash)."""
    value = ds.metadata.annotations.get(TEMPLATE_GENERATION_ANNOTATION)
    if value is None or not _GO_INT.fullmatch(value):
        return None
    generation = int(value)
    return generation if _INT64[0] <= generation <= _INT64[1] else None


def is_pod_updated(pod: Pod, hash_: str, generation: int | None) -> bool:
    """``IsPodUpdated``: the pod carries the current template generation or the current hash."""
    template_matches = generation is not None and pod.labels.get(TEMPLATE_GENERATION_LABEL) == str(generation)
    return template_matches or (bool(hash_) and pod.labels.get(HASH_LABEL) == hash_)


def create_pod_template(template: PodTemplateSpec, generation: int | None, hash_: str) -> PodTemplateSpec:
    """``CreatePodTemplate``: the daemon tolerations, and the generation and hash labels."""
    labels = dict(template.metadata.labels)
    if generation is not None:
        labels[TEMPLATE_GENERATION_LABEL] = str(generation)
    if hash_:
        labels[HASH_LABEL] = hash_
    return PodTemplateSpec(metadata=attrs.evolve(template.metadata, labels=FrozenDict(labels)),
                           spec=add_daemon_pod_tolerations(template.spec))


def replace_node_name_affinity(affinity: Affinity | None, node_name: str) -> Affinity:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: the required node affinity becomes the one term
    ``matchFields metadata.name In [node]``; preferred terms and pod (anti-)affinity stay."""
    term = NodeSelectorTerm(match_fields=(NodeSelectorRequirement(key=OBJECT_NAME_FIELD, operator="In",
                                                                  values=(node_name,)),))
    required = NodeSelector(node_selector_terms=(term,))
    affinity = affinity or Affinity()
    node_affinity = affinity.node_affinity or NodeAffinity()
    return attrs.evolve(affinity, node_affinity=attrs.evolve(node_affinity, required=required))


def target_node_name(pod: Pod) -> str | None:
    """``GetTargetNodeName``: ``spec.nodeName``, else the single value of the first ``metadata.name In``
    field requirement of the required node affinity; None when there is none (or it names several nodes)."""
    if pod.spec.node_name:
        return pod.spec.node_name
    affinity = pod.spec.affinity
    required = affinity.node_affinity.required if affinity and affinity.node_affinity else None
    if required is None:
        return None
    for term in required.node_selector_terms:
        for requirement in term.match_fields:
            if requirement.key == OBJECT_NAME_FIELD and requirement.operator == "In":
                return requirement.values[0] if len(requirement.values) == 1 else None
    return None


def controller_ref(ds: DaemonSet) -> OwnerReference:
    """``metav1.NewControllerRef(ds, apps/v1 DaemonSet)``."""
    return OwnerReference(api_version="apps/v1", kind="DaemonSet", name=ds.name, uid=ds.metadata.uid or "",
                          controller=True, block_owner_deletion=True)


def daemon_pod(ds: DaemonSet, node_name: str, hash_: str, bypass: bool = False) -> Pod:
    """What ``syncNodes`` creates for ``node_name``: ``CreatePodTemplate`` with the node-name affinity (or, when
    bypassing the scheduler, ``spec.nodeName``), through ``GetPodFromTemplate`` (generateName ``<ds>-``, the
    template's labels, annotations and finalizers, the controller reference)."""
    template = create_pod_template(ds.spec.template, template_generation(ds), hash_)
    spec = (attrs.evolve(template.spec, node_name=node_name) if bypass
            else attrs.evolve(template.spec, affinity=replace_node_name_affinity(template.spec.affinity, node_name)))
    meta = ObjectMeta(generate_name=f"{ds.name}-", namespace=ds.namespace, labels=template.metadata.labels,
                      annotations=template.metadata.annotations, finalizers=template.metadata.finalizers,
                      owner_references=(controller_ref(ds),))
    return Pod(metadata=meta, spec=spec)


# --- which nodes run a daemon pod (daemon_controller.go) -------------------------------------------------


def new_pod(ds: DaemonSet, node_name: str) -> Pod:
    """``NewPod``: the template's pod on ``node_name``, with the daemon tolerations (what the predicates see)."""
    meta = attrs.evolve(ds.spec.template.metadata, namespace=ds.namespace)
    spec = add_daemon_pod_tolerations(attrs.evolve(ds.spec.template.spec, node_name=node_name))
    return Pod(metadata=meta, spec=spec)


def node_should_run_daemon_pod(node: Node, ds: DaemonSet, bypass: bool = False) -> tuple[bool, bool]:
    """``NodeShouldRunDaemonPod``: ``(shouldRun, shouldContinueRunning)``.

    The template's ``nodeName`` (if any) and its node selector and required node affinity must admit the node;
    every NoSchedule and NoExecute taint must be tolerated for a new pod, and a pod already there keeps running
    while every NoExecute taint is tolerated. Resources, ports and ``spec.unschedulable`` are the scheduler's
    business. ``bypass`` (the #16967 variant) ignores taints.
    """
    if ds.spec.template.spec.node_name not in (None, "", node.name):
        return False, False
    pod = new_pod(ds, node.name)
    if not pod_matches_node(pod, node):
        return False, False
    if bypass or first_untolerated(node.taints, pod.spec.tolerations) is None:
        return True, True
    untolerated = first_untolerated(node.taints, pod.spec.tolerations, lambda t: t.effect == NO_EXECUTE)
    return False, untolerated is None


# --- update strategy arithmetic (util/daemonset_util.go, update.go) ---------------------------------------


def surge_count(ds: DaemonSet, number_to_schedule: int) -> int:
    """``SurgeCount``: ``maxSurge`` of ``number_to_schedule`` (percentages round up); 0 unless RollingUpdate."""
    strategy = ds.spec.update_strategy
    if strategy.type != ROLLING_UPDATE or strategy.rolling_update is None:
        return 0
    return scaled_value(strategy.rolling_update.max_surge, number_to_schedule, True)


def unavailable_count(ds: DaemonSet, number_to_schedule: int) -> int:
    """``UnavailableCount``: ``maxUnavailable`` of ``number_to_schedule`` (percentages round up)."""
    strategy = ds.spec.update_strategy
    if strategy.type != ROLLING_UPDATE or strategy.rolling_update is None:
        return 0
    return scaled_value(strategy.rolling_update.max_unavailable, number_to_schedule, True)


def allows_surge(ds: DaemonSet) -> bool:
    """``AllowsSurge``: more than one pod may run on a node."""
    return surge_count(ds, 1) > 0


def updated_desired_node_counts(ds: DaemonSet, nodes: Iterable[Node], bypass: bool = False) -> tuple[int, int, int]:
    """``updatedDesiredNodeCounts``: ``(maxSurge, maxUnavailable, desiredNumberScheduled)``; a rolling update
    that allows neither surge nor unavailability on a non-empty set of nodes may take one node down."""
    desired = sum(node_should_run_daemon_pod(node, ds, bypass)[0] for node in nodes)
    surge, unavailable = surge_count(ds, desired), unavailable_count(ds, desired)
    if desired > 0 and surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable, desired


# --- pods per node ------------------------------------------------------------------------------------------


def _created_at(pod: Pod) -> int:
    """The creation time on the model's clock: a snapshot's RFC 3339 time counts as 0, none as before it."""
    created = pod.metadata.creation_timestamp
    return created if isinstance(created, int) else (0 if created else -1)


def by_creation_timestamp_and_phase(pods: Iterable[Pod]) -> list[Pod]:
    """``podByCreationTimestampAndPhase``: pods with a node first, then the oldest, then by name."""
    return sorted(pods, key=lambda p: (not p.spec.node_name, _created_at(p), p.name))


def nodes_to_daemon_pods(pods: Iterable[Pod]) -> dict[str, list[Pod]]:
    """``getNodesToDaemonPods`` over claimed pods: grouped by target node (pods without one are skipped); a
    Succeeded or Failed pod being deleted is left out (the kubelet or the pod GC finishes it)."""
    grouped: dict[str, list[Pod]] = {}
    for pod in pods:
        if pod.status.phase in ("Succeeded", "Failed") and pod.metadata.deletion_timestamp is not None:
            continue
        node = target_node_name(pod)
        if node is not None:
            grouped.setdefault(node, []).append(pod)
    return grouped


def unscheduled_pods_without_node(nodes: Iterable[Node], node_to_pods: Mapping[str, Sequence[Pod]]) -> list[str]:
    """``getUnscheduledPodsWithoutNode``: pods waiting for a node that no longer exists (no pod GC would delete
    them, as they were never bound)."""
    existing = {node.name for node in nodes}
    return [pod.name for node in sorted(node_to_pods) if node not in existing
            for pod in node_to_pods[node] if not pod.spec.node_name]


@attrs.frozen
class BackoffEntry:
    backoff: int
    last_update: int


@attrs.frozen
class FailedPodsBackoff:
    """client-go ``flowcontrol.Backoff`` (1 s doubling up to 15 min, no jitter), one entry per
    ``failedPodsBackoffKey``. An entry untouched for more than twice the maximum has expired (``hasExpired``);
    writing drops expired entries (the back-off's ``GC``)."""

    entries: FrozenDict = FrozenDict()

    def get(self, key: str) -> int:
        entry = self.entries.get(key)
        return 0 if entry is None else entry.backoff

    def in_backoff_since_update(self, key: str, now: int) -> bool:
        """``IsInBackOffSinceUpdate``: less than the current back-off has passed since the last ``next``."""
        entry = self.entries.get(key)
        return entry is not None and not _expired(entry, now) and now - entry.last_update < entry.backoff

    def next(self, key: str, now: int) -> FailedPodsBackoff:
        """``Next``: start at 1 s (or restart, once expired), else double up to the maximum."""
        entry = self.entries.get(key)
        backoff = BACKOFF_INITIAL if entry is None or _expired(entry, now) else min(2 * entry.backoff, BACKOFF_MAX)
        kept = {k: e for k, e in self.entries.items() if not _expired(e, now)}
        kept[key] = BackoffEntry(backoff, now)
        return FailedPodsBackoff(FrozenDict(kept))


def _expired(entry: BackoffEntry, now: int) -> bool:
    return now - entry.last_update > 2 * BACKOFF_MAX


def failed_pods_backoff_key(ds: DaemonSet, node_name: str) -> str:
    """``failedPodsBackoffKey``: per DaemonSet uid, observed generation and node."""
    return f"{ds.metadata.uid}/{ds.status.observed_generation or 0}/{node_name}"


@attrs.frozen
class NodePlan:
    """What ``podsShouldBeOnNode`` decides for one node."""

    create: bool = False
    delete: tuple[str, ...] = ()
    backoff: FailedPodsBackoff = FailedPodsBackoff()
    requeue_after: int | None = None


def pods_should_be_on_node(node: Node, node_to_pods: Mapping[str, Sequence[Pod]], ds: DaemonSet, hash_: str,
                           now: int, backoff: FailedPodsBackoff, bypass: bool = False) -> NodePlan:
    """``podsShouldBeOnNode``: create a pod where one should run and none is; where pods may keep running,
    delete failed ones (at most once per back-off period) and succeeded ones and prune the rest to the oldest
    (with surge: keep the oldest current and the oldest old pod while the old one is ready and the new one not yet
    available); where none may run, delete them all. Pods being deleted are left alone."""
    should_run, should_continue = node_should_run_daemon_pod(node, ds, bypass)
    pods = node_to_pods.get(node.name, ())
    if should_run and not pods:
        return NodePlan(create=True, backoff=backoff)
    if not should_continue:
        return NodePlan(delete=tuple(p.name for p in pods if p.metadata.deletion_timestamp is None), backoff=backoff)
    delete: list[str] = []
    running: list[Pod] = []
    requeue: int | None = None
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None:
            continue
        if pod.status.phase == "Failed":
            key = failed_pods_backoff_key(ds, node.name)
            if backoff.in_backoff_since_update(key, now):
                requeue = _earliest(requeue, backoff.get(key))
                continue
            backoff = backoff.next(key, now)
            delete.append(pod.name)
        elif pod.status.phase == "Succeeded":
            delete.append(pod.name)
        else:
            running.append(pod)
    create = False
    if not allows_surge(ds):
        delete.extend(p.name for p in by_creation_timestamp_and_phase(running)[1:])
    elif len(running) <= 1:
        create = not running and should_run
    else:
        oldest_new = oldest_old = None
        for pod in by_creation_timestamp_and_phase(running):
            if pod.labels.get(HASH_LABEL) == hash_:
                if oldest_new is None:
                    oldest_new = pod
                    continue
            elif oldest_old is None:
                oldest_old = pod
                continue
            delete.append(pod.name)
        if oldest_new is not None and oldest_old is not None and (
                not oldest_old.is_ready or is_pod_available(oldest_new, ds.spec.min_ready_seconds, now)):
            delete.append(oldest_old.name)
    return NodePlan(create, tuple(delete), backoff, requeue)


def find_updated_pods_on_node(ds: DaemonSet, pods: Sequence[Pod], hash_: str) -> tuple[Pod | None, Pod | None, bool]:
    """``findUpdatedPodsOnNode``: the node's one current and one old pod not being deleted; ``ok`` is False when
    there are more of either (the manage loop prunes them first)."""
    new = old = None
    generation = template_generation(ds)
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None:
            continue
        if is_pod_updated(pod, hash_, generation):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


@attrs.frozen
class UpdatePlan:
    """What ``rollingUpdate`` decides: pods to delete and nodes to create a pod on, or the error it returns."""

    delete: tuple[str, ...] = ()
    create: tuple[str, ...] = ()
    error: str | None = None


def rolling_update(ds: DaemonSet, nodes: Sequence[Node], node_to_pods: Mapping[str, Sequence[Pod]], hash_: str,
                   now: int, bypass: bool = False) -> UpdatePlan:
    """``rollingUpdate``. Without surge: an old pod that is not available is replaced at once; available old pods
    are deleted while fewer than ``maxUnavailable`` nodes (nodes without a pod, with an unavailable current pod, or
    with several pods) are unavailable, and the manage loop creates their replacements. With surge: a node whose
    old pod is unavailable gets its new pod at once, up to ``maxSurge`` nodes with an available old pod get one
    beside it, and an old pod is deleted once the node's new pod is available; old pods on nodes that should no
    longer run one are deleted only while more pods are available than desired."""
    surge, max_unavailable, desired = updated_desired_node_counts(ds, nodes, bypass)
    by_name = {node.name: node for node in nodes}
    wanted = {node.name for node in nodes if node_should_run_daemon_pod(node, ds, bypass)[0]}
    names = sorted(set(node_to_pods) | wanted)
    available = lambda pod: is_pod_available(pod, ds.spec.min_ready_seconds, now)
    if surge == 0:
        unavailable = 0
        allowed: list[str] = []
        candidates: list[str] = []
        for name in names:
            new, old, ok = find_updated_pods_on_node(ds, node_to_pods.get(name, ()), hash_)
            if not ok or (new is None) == (old is None):
                unavailable += 1
            elif new is not None:
                unavailable += not available(new)
            elif not available(old):
                allowed.append(old.name)
                unavailable += 1
            elif unavailable < max_unavailable:
                candidates.append(old.name)
        remaining = max(0, min(max_unavailable - unavailable, len(candidates)))
        return UpdatePlan(delete=tuple(allowed + candidates[:remaining]))
    old_to_delete: list[str] = []
    should_not_run: list[str] = []
    candidate_nodes: list[str] = []
    allowed_nodes: list[str] = []
    surging = num_available = 0
    for name in names:
        new, old, ok = find_updated_pods_on_node(ds, node_to_pods.get(name, ()), hash_)
        if not ok:
            surging += 1
            continue
        if old is not None or new is not None:
            num_available += available(old if old is not None else new)
        if old is None:
            continue
        if new is not None:
            if available(new):
                old_to_delete.append(old.name)
            else:
                surging += 1
            continue
        node = by_name.get(name)
        if node is None:
            return UpdatePlan(error=f'couldn\'t get node for nodeName "{name}": node "{name}" not found')
        should_run = node_should_run_daemon_pod(node, ds, bypass)[0]
        if not available(old) and should_run:
            allowed_nodes.append(name)
        elif not available(old):
            old_to_delete.append(old.name)
        elif not should_run:
            should_not_run.append(old.name)
        elif surging < surge:
            candidate_nodes.append(name)
    deletable = min(num_available - desired, len(should_not_run))
    old_to_delete.extend(should_not_run[:max(deletable, 0)])
    remaining = max(0, min(surge - surging, len(candidate_nodes)))
    return UpdatePlan(delete=tuple(old_to_delete), create=tuple(allowed_nodes + candidate_nodes[:remaining]))


@attrs.frozen
class Counts:
    """The counts ``updateDaemonSetStatus`` writes."""

    desired_number_scheduled: int = 0
    current_number_scheduled: int = 0
    number_misscheduled: int = 0
    number_ready: int = 0
    updated_number_scheduled: int = 0
    number_available: int = 0
    number_unavailable: int = 0


def status_counts(ds: DaemonSet, nodes: Iterable[Node], node_to_pods: Mapping[str, Sequence[Pod]], hash_: str,
                  now: int, bypass: bool = False) -> Counts:
    """``updateDaemonSetStatus``: per node that should run a pod, whether it has one, and whether its oldest pod
    is ready, available and up to date; nodes that should not run one but do are misscheduled."""
    desired = current = misscheduled = ready = updated = available = 0
    generation = template_generation(ds)
    for node in nodes:
        pods = node_to_pods.get(node.name, ())
        if not node_should_run_daemon_pod(node, ds, bypass)[0]:
            misscheduled += bool(pods)
            continue
        desired += 1
        if not pods:
            continue
        current += 1
        pod = by_creation_timestamp_and_phase(pods)[0]
        if pod.is_ready:
            ready += 1
            available += is_pod_available(pod, ds.spec.min_ready_seconds, now)
        updated += is_pod_updated(pod, hash_, generation)
    return Counts(desired, current, misscheduled, ready, updated, available, desired - available)


def _status_unchanged(ds: DaemonSet, counts: Counts) -> bool:
    """``storeDaemonSetStatus``'s early return: the same counts, and the generation observed."""
    status = ds.status
    stored = Counts(status.desired_number_scheduled, status.current_number_scheduled, status.number_misscheduled,
                    status.number_ready, status.updated_number_scheduled or 0, status.number_available or 0,
                    status.number_unavailable or 0)
    return stored == counts and (status.observed_generation or 0) >= (ds.metadata.generation or 0)


# --- expectations and back-off in the controller's memory ------------------------------------------------


def _with_expectations(memory: FrozenDict, expectations: Expectations) -> FrozenDict:
    return memory.set(_EXPECTATIONS, expectations)


def _set_expectations(memory: FrozenDict, key: base.Key, add: int, delete: int, now: int) -> FrozenDict:
    """``SetExpectations``: the DaemonSet now waits for ``add`` creations and ``delete`` deletions."""
    expectations = expectations_of(memory)
    counts = expectations.counts.set(key, ControlleeExpectations(add, delete, now))
    return _with_expectations(memory, attrs.evolve(expectations, counts=counts))


def _lower(memory: FrozenDict, key: base.Key, add: int = 0, delete: int = 0) -> FrozenDict:
    return _with_expectations(memory, expectations_of(memory).lower(key, add=add, delete=delete))


def backoff_of(memory: FrozenDict) -> FailedPodsBackoff:
    return memory.get(_BACKOFF, FailedPodsBackoff())


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


# --- syncDaemonSet -----------------------------------------------------------------------------------------


Then = Callable[[FrozenDict, str | None], base.Result]


@attrs.frozen
class _Sync(base.Sync):
    """One sync of one DaemonSet."""

    ds: DaemonSet
    revision: str
    """The current template's hash."""

    @property
    def bypass(self) -> bool:
        return BYPASS_SCHEDULER in self.ctx.config.variants

    @property
    def nodes(self) -> tuple[Node, ...]:
        return self.cache.list("Node")

    # getDaemonPods: ClaimPods

    def claim(self) -> base.Result:
        """``ClaimPods`` over every pod of the namespace: keep the owned pods the selector matches, release the
        owned ones it no longer matches, adopt matching orphans not being deleted (after a fresh GET shows the
        DaemonSet is still there and not being deleted)."""
        return base.claim_objects(
            self.ds, IDENTITY, self.cache.list("Pod", self.ds.namespace), self.ds.spec.selector.selector(),
            controller_ref(self.ds),
            lambda claimed, memory: self.claimed(nodes_to_daemon_pods(sorted(claimed, key=lambda p: p.name)), memory))

    def claimed(self, node_to_pods: dict[str, list[Pod]], memory: FrozenDict) -> base.Result:
        """While the expectations are unmet only the status is written (without observing the generation)."""
        if not expectations_of(memory).satisfied(self.key, self.now):
            return self.status(node_to_pods, None, False, None, memory)
        return self.manage(node_to_pods, memory)

    # manage

    def manage(self, node_to_pods: dict[str, list[Pod]], memory: FrozenDict) -> base.Result:
        """``manage``: ``podsShouldBeOnNode`` for every node, plus unscheduled pods whose node is gone."""
        backoff = backoff_of(memory)
        creates: list[str] = []
        deletes: list[str] = []
        requeue: int | None = None
        for node in self.nodes:
            plan = pods_should_be_on_node(node, node_to_pods, self.ds, self.revision, self.now, backoff,
                                          self.bypass)
            backoff, requeue = plan.backoff, _earliest(requeue, plan.requeue_after)
            if plan.create:
                creates.append(node.name)
            deletes.extend(plan.delete)
        deletes.extend(unscheduled_pods_without_node(self.nodes, node_to_pods))
        if backoff != backoff_of(memory):
            memory = memory.set(_BACKOFF, backoff)

        def managed(memory: FrozenDict, error: str | None) -> base.Result:
            if error is not None or not expectations_of(memory).satisfied(self.key, self.now) \
                    or self.ds.spec.update_strategy.type != ROLLING_UPDATE:
                return self.status(node_to_pods, error, True, requeue, memory)
            plan = rolling_update(self.ds, self.nodes, node_to_pods, self.revision, self.now, self.bypass)
            if plan.error is not None:
                return self.status(node_to_pods, plan.error, True, requeue, memory)
            return self.sync_nodes(list(plan.delete), list(plan.create), memory,
                                   lambda memory, error: self.status(node_to_pods, error, True, requeue, memory))
        return self.sync_nodes(deletes, creates, memory, managed)

    # syncNodes

    def sync_nodes(self, deletes: list[str], creates: list[str], memory: FrozenDict, then: Then) -> base.Result:
        """``syncNodes``: expect (at most ``BurstReplicas`` of) the creations and deletions, create in slow-start
        batches (a batch with a failure ends them, the rest no longer expected), then delete."""
        creates, deletes = creates[:BURST_REPLICAS], deletes[:BURST_REPLICAS]
        memory = _set_expectations(memory, self.key, len(creates), len(deletes), self.now)
        return self._create(creates, 0, min(len(creates), 1), deletes, None, memory, then)

    def _create(self, nodes: list[str], pos: int, batch: int, deletes: list[str], error: str | None,
                memory: FrozenDict, then: Then) -> base.Result:
        if pos >= len(nodes):
            return self._delete(deletes, error, memory, then)
        requests = tuple(rq.Create(IDENTITY, daemon_pod(self.ds, node, self.revision, self.bypass))
                         for node in nodes[pos:pos + batch])

        def answered(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            errors = [r.message for r in responses if not r.ok and not _namespace_terminating(r)]
            memory = _lower(memory, self.key, add=len(errors)) if errors else memory
            first = error if error is not None else (errors[0] if errors else None)
            skipped = len(nodes) - (pos + batch)
            if errors and skipped > 0:
                return self._delete(deletes, first, _lower(memory, self.key, add=skipped), then)
            return self._create(nodes, pos + batch, min(2 * batch, skipped), deletes, first, memory, then)
        return base.Result(requests, memory=memory, then=answered)

    def _delete(self, pods: list[str], error: str | None, memory: FrozenDict, then: Then) -> base.Result:
        """Delete by name; a failed deletion is no longer expected, and NotFound is no error."""
        requests = tuple(rq.Delete(IDENTITY, "Pod", self.ds.namespace, name) for name in pods)

        def answered(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            failed = [r for r in responses if not r.ok]
            if failed:
                memory = _lower(memory, self.key, delete=len(failed))
            errors = [r.message for r in failed if r.code != 404]
            return then(memory, error if error is not None else (errors[0] if errors else None))
        return base.Result(requests, memory=memory, then=answered)

    # updateDaemonSetStatus

    def status(self, node_to_pods: dict[str, list[Pod]], error: str | None, observe_generation: bool,
               requeue: int | None, memory: FrozenDict) -> base.Result:
        """Write the counts unless nothing changed (one re-GET and retry on failure); with ``minReadySeconds``,
        look again after it while some ready pods are not yet available. The sync fails if managing did."""
        counts = status_counts(self.ds, self.nodes, node_to_pods, self.revision, self.now, self.bypass)
        min_ready = self.ds.spec.min_ready_seconds
        if min_ready > 0 and counts.number_ready != counts.number_available:
            requeue = _earliest(requeue, min_ready)
        if _status_unchanged(self.ds, counts):
            return base.Result(memory=memory, requeue_after=requeue, failed=error is not None)
        return self._store(self.ds, counts, observe_generation, STATUS_UPDATE_RETRIES, error, requeue, memory)

    def _store(self, ds: DaemonSet, counts: Counts, observe_generation: bool, retries: int, error: str | None,
               requeue: int | None, memory: FrozenDict) -> base.Result:
        status = attrs.evolve(ds.status, **attrs.asdict(counts))
        if observe_generation:
            status = attrs.evolve(status, observed_generation=self.ds.metadata.generation)

        def answered(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            if responses[0].ok:
                return base.Result(memory=memory, requeue_after=requeue, failed=error is not None)
            if retries == 0:
                return base.Result(memory=memory, failed=True)
            return base.Result((rq.Get(IDENTITY, "DaemonSet", ds.namespace, ds.name),), then=refetched)

        def refetched(memory: FrozenDict, responses: tuple[rq.Response, ...]) -> base.Result:
            if not responses[0].ok:
                return base.Result(memory=memory, failed=True)
            return self._store(responses[0].object, counts, observe_generation, retries - 1, error, requeue, memory)
        return base.Result((rq.UpdateStatus(IDENTITY, attrs.evolve(ds, status=status)),), memory=memory,
                           then=answered)


def _namespace_terminating(response: rq.Response) -> bool:
    """A create refused because the namespace is being torn down (``NamespaceTerminatingCause``): upstream
    ignores it, without lowering the expectation."""
    return response.code == 403 and response.message.endswith("because it is being terminated")


def sync(ctx: base.Context) -> base.Result:
    """``syncDaemonSet`` for the DaemonSet at ``ctx.key``."""
    namespace, name = ctx.key
    ds = ctx.cache.get("DaemonSet", namespace, name)
    if ds is None:
        return base.Result(memory=_with_expectations(ctx.memory, expectations_of(ctx.memory).forget(ctx.key)))
    if ds.metadata.deletion_timestamp is not None:
        return base.Result()
    return _Sync(ctx, ds, compute_hash(ds.spec.template)).claim()


# --- event handlers ------------------------------------------------------------------------------------


_resolve = functools.partial(base.resolve_controller_ref, "DaemonSet")


def daemon_sets_for_pod(pod: Pod, cache: Objects) -> list[DaemonSet]:
    """``GetPodDaemonSets``: DaemonSets of the pod's namespace whose non-empty selector matches its labels."""
    if not pod.labels:
        return []
    return [ds for ds in cache.list("DaemonSet", pod.namespace)
            if not ds.spec.selector.selector().empty() and ds.spec.selector.selector().matches(pod.labels)]


def _deleted_pod(pod: Pod, cache: Objects) -> base.Reaction:
    """``deletePod``: ``DeletionObserved`` for the owner (a plain count, so a graceful deletion seen as an update
    and then as a delete is counted twice, as upstream)."""
    ds = _resolve(pod.namespace, pod.metadata.controller_ref(), cache)
    if ds is None:
        return base.Reaction()
    key = base.key_of(ds)
    return base.Reaction((key,), (lambda exp: exp.lower(key, delete=1),))


def _added_pod(pod: Pod, cache: Objects) -> base.Reaction:
    """``addPod``: ``CreationObserved`` for the owner."""
    if pod.metadata.deletion_timestamp is not None:
        return _deleted_pod(pod, cache)
    ref = pod.metadata.controller_ref()
    if ref is None:
        return base.Reaction(tuple(base.key_of(ds) for ds in daemon_sets_for_pod(pod, cache)))
    ds = _resolve(pod.namespace, ref, cache)
    if ds is None:
        return base.Reaction()
    key = base.key_of(ds)
    return base.Reaction((key,), (lambda exp: exp.lower(key, add=1),))


def _updated_pod(old: Pod, cur: Pod, cache: Objects) -> base.Reaction:
    """``updatePod``: the owner (and a previous owner) are woken; a pod turning ready wakes it again after
    ``minReadySeconds`` + 1 s; an orphan wakes the DaemonSets selecting it if its labels or owner changed."""
    if cur.metadata.resource_version == old.metadata.resource_version:
        return base.Reaction()
    if cur.metadata.deletion_timestamp is not None:
        return _deleted_pod(cur, cache)
    cur_ref, old_ref = cur.metadata.controller_ref(), old.metadata.controller_ref()
    reaction = base.Reaction()
    if cur_ref != old_ref and old_ref is not None:
        previous = _resolve(old.namespace, old_ref, cache)
        reaction = base.Reaction() if previous is None else base.Reaction((base.key_of(previous),))
    if cur_ref is not None:
        ds = _resolve(cur.namespace, cur_ref, cache)
        return reaction if ds is None else reaction + base.Reaction(base.pod_update_keys(ds, old, cur))
    if cur.labels != old.labels or cur_ref != old_ref:
        return reaction + base.Reaction(tuple(base.key_of(ds) for ds in daemon_sets_for_pod(cur, cache)))
    return reaction


def should_ignore_node_update(old: Node, cur: Node) -> bool:
    """``shouldIgnoreNodeUpdate``: the labels and taints (all the predicates read) are unchanged."""
    return old.labels == cur.labels and old.taints == cur.taints


def _node_event(event: WatchEvent, old: Node | None, cache: Objects) -> base.Reaction:
    """``addNode``: the DaemonSets that should run on the node; ``updateNode``: those whose verdict changed.
    A deleted node wakes nobody (its pods are the pod garbage collector's)."""
    node = event.object
    if event.type == DELETED:
        return base.Reaction()
    if event.type == ADDED or old is None:
        return base.Reaction(tuple(base.key_of(ds) for ds in cache.list("DaemonSet")
                                   if node_should_run_daemon_pod(node, ds)[0]))
    if should_ignore_node_update(old, node):
        return base.Reaction()
    return base.Reaction(tuple(base.key_of(ds) for ds in cache.list("DaemonSet")
                               if node_should_run_daemon_pod(old, ds) != node_should_run_daemon_pod(node, ds)))


def _react(event: WatchEvent, old: Any, cache: Objects) -> base.Reaction:
    """The event handlers; their changes apply to the expectations (``add/update/deleteDaemonset`` do what the
    ReplicaSet controller's owner handlers do)."""
    obj = event.object
    if obj.kind == "Pod":
        if event.type == DELETED:
            return _deleted_pod(obj, cache)
        if event.type == ADDED or old is None:
            return _added_pod(obj, cache)
        return _updated_pod(old, obj, cache)
    if obj.kind == "Node":
        return _node_event(event, old, cache)
    return owner_event(event, old)


_enqueue, _on_event = base.event_handlers(_react, expectations_of, _with_expectations)


def _initial_keys(cache: Objects) -> list[base.Key]:
    return [base.key_of(ds) for ds in cache.list("DaemonSet")]


CONTROLLER = base.Controller(name=NAME, watches=frozenset({"DaemonSet", "Pod", "Node"}), enqueue=_enqueue,
                             initial_keys=_initial_keys, reconcile=sync, on_event=_on_event)
"""kube-controller-manager's ``daemon-set-controller``."""
