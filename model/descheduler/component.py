"""The descheduler (kubernetes-sigs/descheduler) as an optional component: it runs when the cluster has a
``DeschedulerPolicy`` (:mod:`model.descheduler.policy`), every ``deschedulingInterval``.

Sources (commit 7d2b28bf2): pkg/descheduler/descheduler.go (``Run``: ``wait.NonSlidingUntil`` runs a cycle at once and
then every interval, once only with interval 0; ``runDeschedulerLoop`` / ``runProfiles``: the ready nodes matching the
policy's ``nodeSelector`` from the informer's lister, nothing when there is at most one, then every profile's
Deschedule plugins followed by every profile's Balance plugins); pkg/descheduler/evictions/evictions.go (``PodEvictor``:
``maxNoOfPodsToEvictPerNode`` / ``PerNamespace`` / ``Total`` counted over one cycle; each eviction is a
``pods/eviction`` create, so a PodDisruptionBudget can refuse it); kubernetes/base/rbac.yaml (the
``descheduler-sa`` service account and ``descheduler-cluster-role``, which the component's setup installs as the
descheduler's manifests do). The plugins' decisions are :mod:`model.descheduler.plugins`.

Deliberate differences: upstream reads its policy from a file (a ConfigMap mounted into its pod); the model keeps the
policy document in the store, where the manifests put it, and reads it from there. The descheduler lists pods and
nodes from its own informer, which lags the store like every component's; a cycle is one atomic action (upstream's
plugins run one after another within a few milliseconds). Plugins' namespace and label-selector args filter the pods a
plugin chose rather than the pods it considers (except RemovePodsViolatingTopologySpreadConstraint, which counts only
the pods in scope, as upstream).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import KUBE_SYSTEM, service_account
from model.component import Component, Step
from model.config import ModelConfig
from model.descheduler.plugins import BALANCE, DESCHEDULE, Cycle, in_scope
from model.descheduler.policy import KIND, DeschedulerPolicy, parse_policy
from model.informers import Informer
from model.labels import parse_selector
from model.memo import IdentityMemo
from model.objects import ClusterRole, ClusterRoleBinding, Node, Pod, ServiceAccount
from model.objects.meta import ObjectMeta
from model.state import ClusterState, submit

NAME = "descheduler"
SERVICE_ACCOUNT = "descheduler-sa"
USER = service_account(KUBE_SYSTEM, SERVICE_ACCOUNT)
WATCHES = frozenset({"Pod", "Node", "Namespace"})
ROLE = "descheduler-cluster-role"
_POLICIES = IdentityMemo(64)


@attrs.frozen
class Deschedule:
    """The descheduler runs one cycle: every profile's plugins, and the evictions they ask for."""

    def describe(self) -> str:
        return "the descheduler runs its profiles"


def policy(state: ClusterState) -> DeschedulerPolicy | None:
    """The cluster's descheduler policy (the first, by name, if the manifests hold several), or None: no
    descheduler runs."""
    documents = state.store.list(KIND)
    if not documents:
        return None
    document = documents[0]
    parsed = _POLICIES.get((document,))
    if parsed is None:
        parsed = parse_policy(document.to_dict())
        _POLICIES.put((document,), None, parsed)
    return parsed


def _rbac() -> tuple[Any, ...]:
    """kubernetes/base/rbac.yaml: the service account, the cluster role (the rules the model's requests need) and its
    binding."""
    rules = [{"apiGroups": [""], "resources": ["nodes", "namespaces", "pods"], "verbs": ["get", "watch", "list"]},
             {"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]},
             {"apiGroups": ["scheduling.k8s.io"], "resources": ["priorityclasses"], "verbs": ["get", "watch", "list"]},
             {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["get", "watch", "list"]}]
    return (ServiceAccount(metadata=ObjectMeta(name=SERVICE_ACCOUNT, namespace=KUBE_SYSTEM)),
            ClusterRole.from_dict({"metadata": {"name": ROLE}, "rules": rules}),
            ClusterRoleBinding.from_dict({"metadata": {"name": f"{ROLE}-binding"},
                                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                                      "name": ROLE},
                                          "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT,
                                                        "namespace": KUBE_SYSTEM}]}))


def setup(state: ClusterState) -> ClusterState:
    """With a policy: the descheduler's RBAC installed, its informer synced, its first cycle due now."""
    if policy(state) is None:
        return state
    store = state.store
    for obj in _rbac():
        if store.get(obj.kind, obj.namespace, obj.name) is None:
            store, uid = store.next_uid()
            store, _, _ = store.write(attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, uid=uid,
                                                                              creation_timestamp=state.time)))
    state = attrs.evolve(state, store=store)
    informer = Informer(kinds=WATCHES).relist(state.store.objects, state.store.revision)
    return state.with_informer(NAME, attrs.evolve(informer, memory=informer.memory.set("next", state.time)))


def next_run(state: ClusterState) -> int | None:
    """When the next cycle is due (None: no descheduler, or it ran its one cycle); a deadline for the clock."""
    informer = state.informers.get(NAME)
    return None if informer is None else informer.memory.get("next")


def _ready(node: Node) -> bool:
    condition = node.status.condition("Ready")
    return condition is not None and condition.status == "True"


def plan(state: ClusterState) -> list[Pod]:
    """The pods one cycle evicts, in order: runProfiles over the informer's ready nodes (matching the policy's
    ``nodeSelector``), every profile's Deschedule plugins then every profile's Balance plugins; each plugin's choice
    within its namespace/label scope, under the policy's per-node, per-namespace and total limits."""
    chosen = policy(state)
    if chosen is None:
        return []
    cache = state.informer(NAME).cache
    selector = parse_selector(chosen.node_selector) if chosen.node_selector else None
    nodes = tuple(sorted((n for n in cache.list("Node") if _ready(n) and (selector is None
                                                                          or selector.matches(n.labels))),
                         key=lambda n: n.name))
    if len(nodes) <= 1:
        return []
    pods = tuple(sorted(cache.list("Pod"), key=lambda p: (p.namespace or "", p.name)))
    evicted: list[Pod] = []
    per_node: dict[str, int] = {}
    per_namespace: dict[str, int] = {}
    for point, registry in (("deschedule", DESCHEDULE), ("balance", BALANCE)):
        for profile in chosen.profiles:
            cycle = Cycle(nodes, pods, profile.evictor)
            for name in getattr(profile, point):
                args = profile.plugin_args(name)
                for pod in registry[name](cycle, args):
                    if pod in evicted or not in_scope(pod, args):
                        continue
                    node, namespace = pod.node_name or "", pod.namespace or ""
                    if chosen.max_total is not None and len(evicted) >= chosen.max_total:
                        return evicted
                    if (chosen.max_per_node is not None and per_node.get(node, 0) >= chosen.max_per_node) or \
                            (chosen.max_per_namespace is not None
                             and per_namespace.get(namespace, 0) >= chosen.max_per_namespace):
                        continue
                    evicted.append(pod)
                    per_node[node] = per_node.get(node, 0) + 1
                    per_namespace[namespace] = per_namespace.get(namespace, 0) + 1
    return evicted


def evict(state: ClusterState, pod: Pod, config: ModelConfig) -> tuple[ClusterState, rq.Response, tuple]:
    """The descheduler evicts one pod (evictions.go ``EvictPod``: a ``pods/eviction`` create as ``descheduler-sa``,
    policy ``gracePeriodSeconds`` unset, so the pod's own grace period): the API server refuses it with 429 while a
    PodDisruptionBudget allows no disruption (``model.apiserver.eviction``), and the descheduler goes on with the next
    pod, as upstream logs the error and continues."""
    return submit(state, rq.Evict(USER, pod.namespace, pod.name), config)


def _enabled(state: ClusterState, config: ModelConfig) -> Iterator[Any]:
    due = next_run(state)
    if due is not None and due <= state.time:
        yield Deschedule()


def _apply(state: ClusterState, action: Deschedule, config: ModelConfig) -> Step:
    interval = policy(state).interval
    responses, events = [], []
    for pod in plan(state):
        state, response, caused = evict(state, pod, config)
        responses.append(response)
        events.extend(caused)
    informer = state.informer(NAME)
    memory = informer.memory.set("next", state.time + interval) if interval else informer.memory.discard("next")
    return Step(state.with_informer(NAME, attrs.evolve(informer, memory=memory)), tuple(responses), tuple(events))


COMPONENT = Component(NAME, (Deschedule,), _enabled, _apply, setup)
