"""Workload expansion: the pods a controller would create for a Deployment, ReplicaSet, ReplicationController,
StatefulSet, Job or DaemonSet, built from its pod template and named the way the controllers name them.

Sources (kubernetes/kubernetes):
- ``pkg/controller/controller_utils.go``: GetPodFromTemplate (template labels, annotations, finalizers and spec;
  ``generateName: <owner>-``; a controller owner reference);
- ``staging/src/k8s.io/apiserver/pkg/storage/names/generate.go``: SimpleNameGenerator (the base, cut to 58
  characters, plus 5 characters of ``utilrand.String``), ``staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go``
  (its alphabet ``bcdfghjklmnpqrstvwxz2456789`` and SafeEncodeString);
- ``pkg/controller/deployment/sync.go`` and ``pkg/controller/controller_utils.go`` ComputeHash: the ReplicaSet
  ``<deployment>-<pod-template-hash>`` whose pods carry the ``pod-template-hash`` label;
- ``pkg/controller/statefulset/stateful_set_utils.go``: newStatefulSetPod (``<set>-<ordinal>`` from
  ``spec.ordinals.start``, the pod-name and pod-index labels, hostname and subdomain);
- ``pkg/controller/job/job_controller.go`` and ``indexed_job_utils.go``: active pods = parallelism, capped by the
  completions left; Indexed pods ``<job>-<index>-`` with the completion-index annotation and label; the
  ``job-name``/``controller-uid`` labels (legacy and ``batch.kubernetes.io/`` forms);
- ``pkg/controller/daemon/daemon_controller.go`` (NodeShouldRunDaemonPod: nodeName, required node affinity and
  NoSchedule/NoExecute taints) and ``pkg/controller/daemon/util/daemonset_util.go``
  (AddOrUpdateDaemonPodTolerations, ReplaceDaemonSetPodNodeNameNodeAffinity).

Deliberate differences: upstream's random name suffixes and template hashes (FNV over Go's printed object) are
replaced by deterministic FNV-1a values of the names and the template's JSON, in the same alphabet and lengths.
StatefulSet volumeClaimTemplates are not turned into claims: the solver does not place storage. A Job's pods are
its currently active ones (no completions yet).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import attrs

from model.affinity import pod_matches_node
from model.frozendict import FrozenDict
from model.objects import (
    DaemonSet,
    Deployment,
    Job,
    Node,
    ObjectMeta,
    OwnerReference,
    Pod,
    PodTemplateSpec,
    ReplicaSet,
    ReplicationController,
    StatefulSet,
)
from model.objects.pod import Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm
from model.taints import NO_EXECUTE, NO_SCHEDULE, Toleration, first_untolerated

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"
"""utilrand's alphabet: no vowels (no words) and no confusable characters."""
RANDOM_LENGTH = 5
MAX_GENERATED_BASE = 63 - RANDOM_LENGTH
POD_TEMPLATE_HASH = "pod-template-hash"
STATEFULSET_POD_NAME = "statefulset.kubernetes.io/pod-name"
POD_INDEX = "apps.kubernetes.io/pod-index"
JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")
CONTROLLER_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
OBJECT_NAME_FIELD = "metadata.name"

WORKLOAD_KINDS = (Deployment, ReplicaSet, ReplicationController, StatefulSet, Job, DaemonSet)
Workload = Deployment | ReplicaSet | ReplicationController | StatefulSet | Job | DaemonSet

_DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", NO_EXECUTE), ("node.kubernetes.io/unreachable", NO_EXECUTE),
    ("node.kubernetes.io/disk-pressure", NO_SCHEDULE), ("node.kubernetes.io/memory-pressure", NO_SCHEDULE),
    ("node.kubernetes.io/pid-pressure", NO_SCHEDULE), ("node.kubernetes.io/unschedulable", NO_SCHEDULE),
)
_NETWORK_UNAVAILABLE = ("node.kubernetes.io/network-unavailable", NO_SCHEDULE)


@attrs.frozen
class Expansion:
    """What expanding workloads gives: the pods, and the ReplicaSets Deployments would create (so that the
    scheduler's default spreading finds the pods' controller)."""

    pods: tuple[Pod, ...]
    owners: tuple[ReplicaSet, ...] = ()
    surplus: tuple[tuple[str, int], ...] = ()
    """Replicas counted but not built (``Deployment default/web``, how many): beyond ``limit`` per workload."""


def fnv32a(data: bytes) -> int:
    """The 32-bit FNV-1a hash (hash/fnv New32a)."""
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each byte mapped into :data:`ALPHANUMS`."""
    return "".join(ALPHANUMS[b % len(ALPHANUMS)] for b in text.encode())


def template_hash(template: PodTemplateSpec) -> str:
    """ComputeHash's shape: the decimal FNV-1a of the template, safe-encoded (of its JSON, not Go's dump)."""
    return safe_encode(str(fnv32a(json.dumps(template.to_dict(), sort_keys=True).encode())))


def generated_name(base: str, salt: str, taken: set[str]) -> str:
    """SimpleNameGenerator.GenerateName, deterministic: the base cut to 58 characters, then 5 characters of
    the alphabet derived from ``salt``; re-salted until unused in ``taken`` (which it then joins)."""
    base = base[:MAX_GENERATED_BASE]
    attempt = 0
    while True:
        h = fnv32a(f"{base}\x00{salt}\x00{attempt}".encode())
        suffix = ""
        for _ in range(RANDOM_LENGTH):
            h, digit = divmod(h, len(ALPHANUMS))
            suffix += ALPHANUMS[digit]
        name = base + suffix
        if name not in taken:
            taken.add(name)
            return name
        attempt += 1


def _uid(obj: Workload) -> str:
    return obj.metadata.uid or f"{obj.kind.lower()}-{obj.namespace}-{obj.name}"


def controller_ref(owner: Workload | ReplicaSet) -> OwnerReference:
    """metav1.NewControllerRef."""
    return OwnerReference(api_version=owner.API_VERSION, kind=owner.KIND, name=owner.name, uid=_uid(owner),
                          controller=True, block_owner_deletion=True)


def pod_from_template(template: PodTemplateSpec, owner: Workload | ReplicaSet, name: str,
                      labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None) -> Pod:
    """GetPodFromTemplate, named ``name`` (what the API server's name generation would give)."""
    meta = ObjectMeta(name=name, generate_name=None, namespace=owner.namespace,
                      labels=FrozenDict({**template.metadata.labels, **(labels or {})}),
                      annotations=FrozenDict({**template.metadata.annotations, **(annotations or {})}),
                      finalizers=template.metadata.finalizers, owner_references=(controller_ref(owner),))
    return Pod(metadata=meta, spec=template.spec)


def _replicas(owner: ReplicaSet | ReplicationController, taken: set[str], limit: int) -> list[Pod]:
    """A ReplicaSet's or ReplicationController's ``replicas`` pods (at most ``limit``), ``<owner>-xxxxx``."""
    return [pod_from_template(owner.spec.template, owner, generated_name(f"{owner.name}-", str(i), taken))
            for i in range(min(owner.spec.replicas, limit))]


def deployment_replica_set(deployment: Deployment) -> ReplicaSet:
    """The new ReplicaSet of a Deployment: ``<name>-<hash>``, the hash label on its selector and template."""
    template = deployment.spec.template
    digest = template_hash(template)
    labels = FrozenDict({**template.metadata.labels, POD_TEMPLATE_HASH: digest})
    selector = deployment.spec.selector
    selector = attrs.evolve(selector, match_labels=FrozenDict({**selector.match_labels, POD_TEMPLATE_HASH: digest}))
    meta = ObjectMeta(name=f"{deployment.name}-{digest}", namespace=deployment.namespace, labels=labels,
                      owner_references=(controller_ref(deployment),))
    spec = attrs.evolve(deployment.spec, template=attrs.evolve(
        template, metadata=attrs.evolve(template.metadata, labels=labels)))
    return ReplicaSet.from_dict({"metadata": meta.to_dict(), "spec": {
        "replicas": spec.replicas, "selector": selector.to_dict(), "template": spec.template.to_dict()}})


def _stateful_pods(sts: StatefulSet, limit: int) -> list[Pod]:
    """newStatefulSetPod for each ordinal from ``spec.ordinals.start`` (the first ``limit``)."""
    pods = []
    for i in range(min(sts.spec.replicas, limit)):
        ordinal = sts.spec.ordinals.start + i
        name = f"{sts.name}-{ordinal}"
        pod = pod_from_template(sts.spec.template, sts, name,
                                labels={STATEFULSET_POD_NAME: name, POD_INDEX: str(ordinal)})
        spec = attrs.evolve(pod.spec, hostname=name, subdomain=sts.spec.service_name or pod.spec.subdomain)
        pods.append(attrs.evolve(pod, spec=spec))
    return pods


def job_active_count(job: Job) -> int:
    """How many pods a Job runs at once before any completes: 0 when suspended, else parallelism, capped by
    completions when set."""
    if job.spec.suspend:
        return 0
    parallelism = job.spec.parallelism or 0
    return parallelism if job.spec.completions is None else min(parallelism, job.spec.completions)


def _job_pods(job: Job, taken: set[str], limit: int) -> list[Pod]:
    labels = {key: job.name for key in JOB_NAME_LABELS} | {key: _uid(job) for key in CONTROLLER_UID_LABELS}
    pods = []
    for i in range(min(job_active_count(job), limit)):
        if job.spec.completion_mode == "Indexed":
            name = generated_name(f"{job.name}-{i}-", "0", taken)
            pods.append(pod_from_template(job.spec.template, job, name, labels={**labels, JOB_COMPLETION_INDEX: str(i)},
                                          annotations={JOB_COMPLETION_INDEX: str(i)}))
        else:
            pods.append(pod_from_template(job.spec.template, job, generated_name(f"{job.name}-", str(i), taken),
                                          labels=labels))
    return pods


def daemon_tolerations(pod: Pod) -> Pod:
    """AddOrUpdateDaemonPodTolerations: Exists tolerations for the node-condition taints (and, with host
    networking, network-unavailable), replacing any toleration with the same key and effect."""
    wanted = list(_DAEMON_TOLERATIONS) + ([_NETWORK_UNAVAILABLE] if pod.spec.host_network else [])
    keys = set(wanted)
    kept = tuple(t for t in pod.spec.tolerations if (t.key, t.effect) not in keys)
    added = tuple(Toleration(key=key, operator="Exists", effect=effect) for key, effect in wanted)
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, tolerations=kept + added))


def node_name_affinity(pod: Pod, node: str) -> Pod:
    """ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes ``metadata.name In [node]``."""
    term = NodeSelectorTerm(match_fields=(NodeSelectorRequirement(key=OBJECT_NAME_FIELD, operator="In",
                                                                  values=(node,)),))
    affinity = pod.spec.affinity or Affinity()
    node_affinity = affinity.node_affinity or NodeAffinity()
    node_affinity = attrs.evolve(node_affinity, required=NodeSelector(node_selector_terms=(term,)))
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, affinity=attrs.evolve(affinity, node_affinity=node_affinity)))


def should_run_daemon_pod(pod: Pod, node: Node) -> bool:
    """NodeShouldRunDaemonPod's predicates: nodeName, required node affinity (and nodeSelector), and every
    NoSchedule/NoExecute taint tolerated."""
    if pod.spec.node_name and pod.spec.node_name != node.name:
        return False
    return pod_matches_node(pod, node) and first_untolerated(node.taints, pod.spec.tolerations) is None


def _daemon_pods(ds: DaemonSet, nodes: Sequence[Node], taken: set[str]) -> list[Pod]:
    template = daemon_tolerations(pod_from_template(ds.spec.template, ds, ds.name))
    pods = []
    for node in nodes:
        if should_run_daemon_pod(template, node):
            pod = node_name_affinity(template, node.name)
            meta = attrs.evolve(pod.metadata, name=generated_name(f"{ds.name}-", node.name, taken))
            pods.append(attrs.evolve(pod, metadata=meta))
    return pods


def replica_count(obj: object) -> int | None:
    """How many pods a workload's controller creates (None for bare pods, DaemonSets and other kinds)."""
    if isinstance(obj, (Deployment, ReplicaSet, ReplicationController, StatefulSet)):
        return obj.spec.replicas
    if isinstance(obj, Job):
        return job_active_count(obj)
    return None


def expand(objects: Iterable[object], nodes: Sequence[Node] = (), limit: int | None = None) -> Expansion:
    """The pods to place for ``objects``: bare pods as they are, workloads expanded in order; other kinds are
    ignored. DaemonSets get one pod per node of ``nodes`` that should run it. A workload's replicas beyond
    ``limit`` are counted in ``surplus``, not built (replicas are identical: no more of them than the cluster has
    pod slots can ever be placed)."""
    pods: list[Pod] = []
    owners: list[ReplicaSet] = []
    surplus: list[tuple[str, int]] = []
    taken: set[str] = set()
    for obj in objects:
        count = replica_count(obj)
        cap = count if limit is None or count is None else min(count, limit)
        if count is not None and cap < count:
            surplus.append((f"{obj.kind} {obj.namespace}/{obj.name}", count - cap))
        if isinstance(obj, Pod):
            pods.append(obj)
        elif isinstance(obj, Deployment):
            replica_set = deployment_replica_set(obj)
            owners.append(replica_set)
            pods.extend(_replicas(replica_set, taken, cap))
        elif isinstance(obj, (ReplicaSet, ReplicationController)):
            pods.extend(_replicas(obj, taken, cap))
        elif isinstance(obj, StatefulSet):
            pods.extend(_stateful_pods(obj, cap))
        elif isinstance(obj, Job):
            pods.extend(_job_pods(obj, taken, cap))
        elif isinstance(obj, DaemonSet):
            pods.extend(_daemon_pods(obj, nodes, taken))
    return Expansion(tuple(pods), tuple(owners), tuple(surplus))
