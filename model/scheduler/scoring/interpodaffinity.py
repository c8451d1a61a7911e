"""InterPodAffinity's Score: preferred pod affinity and anti-affinity, both ways round.

Sources (kubernetes/kubernetes):
- ``pkg/scheduler/framework/plugins/interpodaffinity/scoring.go``: processTerm, processExistingPod,
  PreScore, Score, NormalizeScore (min-max onto 0-100);
- ``pkg/scheduler/framework/plugins/interpodaffinity/plugin.go``: mergeAffinityTermNamespacesIfNotEmpty,
  GetNamespaceLabelsSnapshot;
- ``pkg/scheduler/framework/types.go``: NewPodInfo, AffinityTerm.Matches, getNamespacesFromPodAffinityTerm;
- ``pkg/scheduler/apis/config/v1/defaults.go``: hardPodAffinityWeight 1.
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity

For every pod already bound to a node with labels, the node's topology domain of a term's key gains the
term's weight when: an existing pod matches one of the incoming pod's preferred affinity terms (minus the
weight for its anti-affinity terms); the incoming pod matches an existing pod's required affinity term
(``hardPodAffinityWeight``) or preferred affinity term (minus for its preferred anti-affinity terms). A
node's raw score is the sum over the domains it belongs to. ``matchLabelKeys``/``mismatchLabelKeys`` are
not applied here: the API server merges them into ``labelSelector`` when it creates a pod.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import attrs

from model.frozendict import FrozenDict
from model.labels import Selector, nothing
from model.objects import Node, Pod
from model.objects.meta import selector_of
from model.objects.pod import PodAffinityTerm
from model.scheduler.scoring.helper import (
    MAX_NODE_SCORE,
    ProfileLike,
    ScorePlugin,
    SnapshotLike,
    listed,
    namespace_labels,
    plugin_args,
)

NAME = "InterPodAffinity"


@attrs.frozen
class Term:
    """framework.WeightedAffinityTerm: the namespaces and selectors of a pod affinity term, and its weight."""

    namespaces: frozenset[str]
    selector: Selector
    topology_key: str
    namespace_selector: Selector
    weight: int

    def matches(self, pod: Pod, ns_labels: Mapping[str, str]) -> bool:
        """AffinityTerm.Matches: the pod is in one of the namespaces (or its namespace's labels match the
        namespace selector) and its labels match the selector."""
        in_namespace = pod.namespace in self.namespaces or self.namespace_selector.matches(ns_labels)
        return in_namespace and self.selector.matches(pod.labels)


def affinity_term(owner: Pod, term: PodAffinityTerm, weight: int) -> Term:
    """newAffinityTerm: no namespaces and no namespace selector mean the owning pod's namespace."""
    namespaces = set(term.namespaces)
    if not namespaces and term.namespace_selector is None:
        namespaces = {owner.namespace}
    return Term(frozenset(namespaces), selector_of(term.label_selector), term.topology_key,
                selector_of(term.namespace_selector), weight)


@attrs.frozen
class PodTerms:
    """The terms of a pod's PodInfo that scoring uses."""

    required_affinity: tuple[Term, ...] = ()
    preferred_affinity: tuple[Term, ...] = ()
    preferred_anti_affinity: tuple[Term, ...] = ()


def pod_terms(pod: Pod, hard_weight: int) -> PodTerms:
    """NewPodInfo's terms; required affinity terms carry ``hard_weight``."""
    affinity = pod.spec.affinity
    pod_affinity = affinity.pod_affinity if affinity else None
    anti_affinity = affinity.pod_anti_affinity if affinity else None
    return PodTerms(
        tuple(affinity_term(pod, t, hard_weight) for t in (pod_affinity.required if pod_affinity else ())),
        tuple(affinity_term(pod, t.pod_affinity_term, t.weight)
              for t in (pod_affinity.preferred if pod_affinity else ())),
        tuple(affinity_term(pod, t.pod_affinity_term, t.weight)
              for t in (anti_affinity.preferred if anti_affinity else ())),
    )


def merge_namespaces(term: Term, snapshot: SnapshotLike) -> Term:
    """mergeAffinityTermNamespacesIfNotEmpty: resolve a non-empty namespace selector into namespace names
    (then it selects nothing more); an empty one (``{}``, every namespace) stays."""
    if term.namespace_selector.empty():
        return term
    selected = {ns.name for ns in listed(snapshot, "namespaces") if term.namespace_selector.matches(ns.labels)}
    return attrs.evolve(term, namespaces=term.namespaces | selected, namespace_selector=nothing())


@attrs.frozen
class AffinityArgs:
    """InterPodAffinityArgs, defaulted."""

    hard_pod_affinity_weight: int = 1
    ignore_preferred_terms_of_existing_pods: bool = False


def affinity_args(profile: ProfileLike | None) -> AffinityArgs:
    args = plugin_args(profile, NAME)
    weight = args.get("hardPodAffinityWeight")
    return AffinityArgs(1 if weight is None else weight, bool(args.get("ignorePreferredTermsOfExistingPods")))


def _add(scores: dict[str, dict[str, int]], terms: Sequence[Term], pod: Pod, ns_labels: Mapping[str, str],
         node: Node, multiplier: int) -> None:
    """scoreMap.processTerms: credit the node's domain of each term ``pod`` matches."""
    for term in terms:
        value = node.labels.get(term.topology_key)
        if value is not None and term.matches(pod, ns_labels):
            domain = scores.setdefault(term.topology_key, {})
            domain[value] = domain.get(value, 0) + term.weight * multiplier


def topology_scores(pod: Pod, snapshot: SnapshotLike, profile: ProfileLike | None) -> FrozenDict:
    """PreScore: topology key -> domain value -> summed weights, over the pods bound to every snapshot node.

    Empty means the plugin is skipped (nothing matched, or ``ignorePreferredTermsOfExistingPods`` and the
    pod has no preferred terms of its own).
    """
    args = affinity_args(profile)
    incoming = pod_terms(pod, args.hard_pod_affinity_weight)
    if args.ignore_preferred_terms_of_existing_pods and not (incoming.preferred_affinity
                                                             or incoming.preferred_anti_affinity):
        return FrozenDict()
    affinity = tuple(merge_namespaces(t, snapshot) for t in incoming.preferred_affinity)
    anti_affinity = tuple(merge_namespaces(t, snapshot) for t in incoming.preferred_anti_affinity)
    ns_labels = namespace_labels(snapshot, pod.namespace)
    scores: dict[str, dict[str, int]] = {}
    for node in snapshot.nodes:
        if not node.labels:
            continue
        for existing in snapshot.pods_on(node.name):
            _add(scores, affinity, existing, {}, node, 1)
            _add(scores, anti_affinity, existing, {}, node, -1)
            terms = pod_terms(existing, args.hard_pod_affinity_weight)
            if args.hard_pod_affinity_weight > 0:
                _add(scores, terms.required_affinity, pod, ns_labels, node, 1)
            _add(scores, terms.preferred_affinity, pod, ns_labels, node, 1)
            _add(scores, terms.preferred_anti_affinity, pod, ns_labels, node, -1)
    return FrozenDict({key: FrozenDict(domains) for key, domains in scores.items()})


@attrs.frozen
class InterPodAffinity(ScorePlugin):
    """Raw score: the summed domain weights of the node (negative for anti-affinity); NormalizeScore maps
    the lowest raw score to 0 and the highest to 100 (all 0 when they are equal).

    ``pre_score`` returns the topology scores, which do not depend on the feasible nodes, so ``score`` and
    ``normalize`` compute the same themselves when given no state. When nothing matched, upstream skips the
    plugin; here every node then scores 0.
    """

    name: ClassVar[str] = NAME

    def pre_score(self, pod: Pod, nodes: Iterable[Node], snapshot: SnapshotLike,
                  profile: ProfileLike | None) -> FrozenDict:
        return topology_scores(pod, snapshot, profile)

    def score(self, pod: Pod, node: Node, snapshot: SnapshotLike, profile: ProfileLike | None,
              state: Mapping[str, Mapping[str, int]] | None = None) -> int:
        scores = topology_scores(pod, snapshot, profile) if state is None else state
        return sum(domains.get(node.labels[key], 0) for key, domains in scores.items() if key in node.labels)

    def normalize(self, raw: Mapping[str, int], pod: Pod, snapshot: SnapshotLike, profile: ProfileLike | None,
                  state: Any = None) -> dict[str, int]:
        scores = topology_scores(pod, snapshot, profile) if state is None else state
        if not scores or not raw:
            return {name: 0 for name in raw}
        lowest, highest = min(raw.values()), max(raw.values())
        spread = highest - lowest
        return {name: int(float(MAX_NODE_SCORE) * (float(s - lowest) / float(spread))) if spread > 0 else 0
                for name, s in raw.items()}
