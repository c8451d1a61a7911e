"""InterPodAffinity's PreFilter and Filter: required pod affinity, anti-affinity, and existing pods'
anti-affinity towards the incoming pod (the symmetry).

Sources (kubernetes/kubernetes):
- ``pkg/scheduler/framework/plugins/interpodaffinity/filtering.go``: PreFilter (existingAntiAffinityCounts,
  affinityCounts, antiAffinityCounts; Skip when all are irrelevant), satisfyPodAffinity (incl. the "first
  pod of a group" exception), satisfyPodAntiAffinity, satisfyExistingPodsAntiAffinity, Filter;
- ``pkg/scheduler/framework/plugins/interpodaffinity/plugin.go``: mergeAffinityTermNamespacesIfNotEmpty;
- ``pkg/scheduler/framework/types.go``: AffinityTerm.Matches, newAffinityTerm,
  getNamespacesFromPodAffinityTerm;
- ``pkg/registry/core/pod/strategy.go``: applyMatchLabelKeysAndMismatchLabelKeys. The API server folds a
  term's ``matchLabelKeys``/``mismatchLabelKeys`` into its label selector when the pod is created; the
  model does it here, which selects the same pods (a requirement added twice matches as once).
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import attrs

from model.labels import IN, NOT_IN, Requirement, Selector, nothing
from model.objects import Node, Pod
from model.objects.meta import selector_of
from model.objects.pod import PodAffinityTerm
from model.scheduler.plugin import SKIP, PreFilterResult
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import Status

NAME = "InterPodAffinity"
ERR_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"

TopologyPair = tuple[str, str]


@attrs.frozen
class AffinityTerm:
    """framework.AffinityTerm: a PodAffinityTerm with its selectors parsed and namespaces resolved."""

    namespaces: frozenset[str]
    namespace_selector: Selector
    selector: Selector
    topology_key: str

    def matches(self, pod: Pod, namespace_labels: Mapping[str, str]) -> bool:
        """AffinityTerm.Matches: the pod is in the term's namespaces (or a namespace the namespace selector
        picks, judged by ``namespace_labels``) and its labels match the selector."""
        in_scope = pod.namespace in self.namespaces or self.namespace_selector.matches(namespace_labels)
        return in_scope and self.selector.matches(pod.labels)


def _selector(pod: Pod, term: PodAffinityTerm) -> Selector:
    """The term's label selector, with matchLabelKeys (In) and mismatchLabelKeys (NotIn) applied."""
    selector = selector_of(term.label_selector)
    if term.label_selector is None:
        return selector
    extra = [Requirement(key, IN, (pod.labels[key],)) for key in term.match_label_keys if key in pod.labels]
    extra += [Requirement(key, NOT_IN, (pod.labels[key],)) for key in term.mismatch_label_keys if key in pod.labels]
    return selector.add(*extra) if extra else selector


def affinity_term(pod: Pod, term: PodAffinityTerm) -> AffinityTerm:
    """newAffinityTerm: no namespaces and no namespace selector means the pod's own namespace."""
    if not term.namespaces and term.namespace_selector is None:
        namespaces = frozenset({pod.namespace or ""})
    else:
        namespaces = frozenset(term.namespaces)
    return AffinityTerm(namespaces, selector_of(term.namespace_selector), _selector(pod, term), term.topology_key)


def required_terms(pod: Pod, anti: bool) -> tuple[AffinityTerm, ...]:
    """PodInfo.RequiredAffinityTerms / RequiredAntiAffinityTerms."""
    affinity = pod.spec.affinity
    group = None if affinity is None else (affinity.pod_anti_affinity if anti else affinity.pod_affinity)
    return tuple(affinity_term(pod, term) for term in group.required) if group else ()


def merge_namespaces(term: AffinityTerm, snapshot: Snapshot) -> AffinityTerm:
    """mergeAffinityTermNamespacesIfNotEmpty: a non-empty namespace selector becomes the namespaces it picks
    now (the incoming pod's terms are matched without namespace labels afterwards)."""
    if term.namespace_selector.empty():
        return term
    picked = {ns.name for ns in snapshot.namespaces if term.namespace_selector.matches(ns.labels)}
    return attrs.evolve(term, namespaces=term.namespaces | picked, namespace_selector=nothing())


def _matches_all(terms: tuple[AffinityTerm, ...], pod: Pod) -> bool:
    """podMatchesAllAffinityTerms (false for no terms)."""
    return bool(terms) and all(term.matches(pod, {}) for term in terms)


def _pair(node: Node, key: str) -> TopologyPair | None:
    return (key, node.labels[key]) if key in node.labels else None


@attrs.frozen
class InterPodAffinityState:
    """The PreFilter state: per topology pair, how many existing pods (1) have a required anti-affinity term
    matching the incoming pod, (2) match all its affinity terms, (3) match one of its anti-affinity terms."""

    affinity_terms: tuple[AffinityTerm, ...]
    anti_affinity_terms: tuple[AffinityTerm, ...]
    existing_anti_affinity: Mapping[TopologyPair, int]
    affinity: Mapping[TopologyPair, int]
    anti_affinity: Mapping[TopologyPair, int]
    pod_matches_own_terms: bool


def pre_filter(pod: Pod, snapshot: Snapshot, profile: Profile) -> PreFilterResult:
    """PreFilter: count matches over every NodeInfo; Skip when nothing can reject a node."""
    affinity_terms = tuple(merge_namespaces(t, snapshot) for t in required_terms(pod, anti=False))
    anti_terms = tuple(merge_namespaces(t, snapshot) for t in required_terms(pod, anti=True))
    namespace_labels = snapshot.namespace_labels(pod.namespace)
    existing: Counter[TopologyPair] = Counter()
    affinity: Counter[TopologyPair] = Counter()
    anti: Counter[TopologyPair] = Counter()
    for node, other in snapshot.bound_pods():
        for term in required_terms(other, anti=True):
            pair = _pair(node, term.topology_key)
            if pair and term.matches(pod, namespace_labels):
                existing[pair] += 1
        if _matches_all(affinity_terms, other):
            affinity.update(pair for term in affinity_terms if (pair := _pair(node, term.topology_key)))
        anti.update(pair for term in anti_terms
                    if term.matches(other, {}) and (pair := _pair(node, term.topology_key)))
    if not existing and not affinity_terms and not anti_terms:
        return SKIP
    state = InterPodAffinityState(affinity_terms, anti_terms, dict(existing), dict(affinity), dict(anti),
                                  _matches_all(affinity_terms, pod))
    return PreFilterResult(state=state)


def _satisfies_affinity(state: InterPodAffinityState, node: Node) -> bool:
    """satisfyPodAffinity: every term's key is on the node and its domain holds a match, unless no pod
    anywhere matches and the pod matches its own terms."""
    pods_exist = True
    for term in state.affinity_terms:
        pair = _pair(node, term.topology_key)
        if pair is None:
            return False
        if state.affinity.get(pair, 0) <= 0:
            pods_exist = False
    return pods_exist or (not state.affinity and state.pod_matches_own_terms)


def filter_node(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile,
                state: InterPodAffinityState) -> Status | None:
    """Filter: affinity (unresolvable), then anti-affinity, then existing pods' anti-affinity."""
    if not _satisfies_affinity(state, node):
        return Status.unresolvable(ERR_AFFINITY)
    if any(state.anti_affinity.get(pair, 0) > 0 for term in state.anti_affinity_terms
           if (pair := _pair(node, term.topology_key))):
        return Status.unschedulable(ERR_ANTI_AFFINITY)
    if any(state.existing_anti_affinity.get(pair, 0) > 0 for pair in node.labels.items()):
        return Status.unschedulable(ERR_EXISTING_ANTI_AFFINITY)
    return None
