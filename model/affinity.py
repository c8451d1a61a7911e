"""Node affinity: whether a pod's ``nodeSelector`` and node affinity admit a node, and how much it prefers it.

Sources (kubernetes/kubernetes):
- ``staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity.go``:
  GetRequiredNodeAffinity, RequiredNodeAffinity.Match, NewLazyErrorNodeSelector and its Match,
  NewPreferredSchedulingTerms, PreferredSchedulingTerms.Score, nodeSelectorRequirementsAsSelector,
  nodeSelectorRequirementsAsFieldSelector, extractNodeFields;
- ``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go``: the NodeAffinity plugin's Filter and
  Score (before NormalizeScore; the plugin's ``addedAffinity`` arguments are not modelled);
- ``staging/src/k8s.io/component-helpers/storage/volume/helpers.go``: CheckNodeAffinity (PersistentVolumes).
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/

Semantics: terms are OR-ed; within a term, matchExpressions and matchFields are AND-ed; a term with neither
matches nothing. A term that does not parse (an invalid key or label value, a Gt/Lt value that is not an
int64, a matchFields requirement other than In/NotIn with exactly one value) matches nothing, and the other
terms still count (LazyErrorNodeSelector). The only node field is ``metadata.name``; a field requirement on
any other key compares against "" (fields.Set.Get of a missing key), and a node without a name has no
fields, so matchFields do not constrain it (nodeSelectorTerm.match checks ``len(nodeFields) > 0``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import attrs

from model.labels import (
    DOES_NOT_EXIST,
    EXISTS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_IN,
    Requirement,
    Selector,
    SelectorError,
    new_requirement,
    selector_from_set,
)
from model.objects.cluster import Node
from model.objects.pod import NodeSelector, NodeSelectorTerm, Pod

OBJECT_NAME_FIELD = "metadata.name"
"""metav1.ObjectNameField: the one node field matchFields can select on."""

_LABEL_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST,
                    "Gt": GREATER_THAN, "Lt": LESS_THAN}
_FIELD_OPERATORS = ("In", "NotIn")


class NodeAffinityError(ValueError):
    """Preferred node affinity terms that do not parse.

    Upstream, NewPreferredSchedulingTerms returns these errors and the NodeAffinity plugin's PreScore turns
    them into an error status: the scheduling attempt for the pod fails (it is retried, not scored).
    """


@attrs.frozen
class _FieldRequirement:
    """fields.OneTermEqualSelector (``equal``) or OneTermNotEqualSelector."""

    key: str
    value: str
    equal: bool

    def matches(self, fields: Mapping[str, str]) -> bool:
        return (fields.get(self.key, "") == self.value) == self.equal


@attrs.frozen
class _Term:
    """nodeaffinity.nodeSelectorTerm: the parsed selectors, or the errors that stop it matching."""

    labels: Selector | None
    fields: tuple[_FieldRequirement, ...] | None
    errors: tuple[str, ...]

    def matches(self, node_labels: Mapping[str, str], node_fields: Mapping[str, str]) -> bool:
        if self.errors:
            return False
        if self.labels is not None and not self.labels.matches(node_labels):
            return False
        if self.fields is not None and node_fields and not all(f.matches(node_fields) for f in self.fields):
            return False
        return True


def _unsupported(path: str, operator: str, supported: tuple[str, ...]) -> str:
    """field.NotSupported(path.operator, ...).Error()."""
    choices = ", ".join(json.dumps(s) for s in supported)
    return f"{path}.operator: Unsupported value: {json.dumps(operator)}: supported values: {choices}"


def _parse_term(term: NodeSelectorTerm, path: str) -> _Term:
    """newNodeSelectorTerm: matchExpressions as a label selector, matchFields as a field selector."""
    errors: list[str] = []
    labels = None
    if term.match_expressions:
        requirements: list[Requirement] = []
        for i, expr in enumerate(term.match_expressions):
            where = f"{path}.matchExpressions[{i}]"
            operator = _LABEL_OPERATORS.get(expr.operator)
            if operator is None:
                errors.append(_unsupported(where, expr.operator, tuple(_LABEL_OPERATORS)))
                continue
            try:
                requirements.append(new_requirement(expr.key, operator, expr.values, where))
            except SelectorError as e:
                errors.append(str(e))
        labels = Selector(requirements)
    fields = None
    if term.match_fields:
        field_requirements: list[_FieldRequirement] = []
        for i, expr in enumerate(term.match_fields):
            where = f"{path}.matchFields[{i}]"
            if expr.operator not in _FIELD_OPERATORS:
                errors.append(_unsupported(where, expr.operator, _FIELD_OPERATORS))
            elif len(expr.values) != 1:
                errors.append(f"{where}.values: Invalid value: {json.dumps(list(expr.values))}: must have one element")
            else:
                field_requirements.append(_FieldRequirement(expr.key, expr.values[0], expr.operator == "In"))
        fields = tuple(field_requirements)
    return _Term(labels, fields, tuple(errors))


def _is_empty(term: NodeSelectorTerm) -> bool:
    """isEmptyNodeSelectorTerm: no matchExpressions and no matchFields (selects nothing)."""
    return not term.match_expressions and not term.match_fields


def _node_fields(node: Node) -> dict[str, str]:
    """extractNodeFields: ``metadata.name`` when the node has a name."""
    return {OBJECT_NAME_FIELD: node.name} if node.name else {}


def node_selector_matches(selector: NodeSelector, node: Node, *, match_fields: bool = True) -> bool:
    """LazyErrorNodeSelector.Match: some non-empty, parseable term matches the node's labels and fields.

    ``match_fields=False`` matches against the labels alone, as storage's CheckNodeAffinity does for a
    PersistentVolume's ``nodeAffinity.required`` (it builds a Node carrying only the labels, so
    matchFields never constrain there).
    """
    fields = _node_fields(node) if match_fields else {}
    return any(_parse_term(term, f"nodeSelectorTerms[{i}]").matches(node.labels, fields)
               for i, term in enumerate(selector.node_selector_terms) if not _is_empty(term))


def pod_matches_node(pod: Pod, node: Node) -> bool:
    """RequiredNodeAffinity.Match: ``spec.nodeSelector`` (every pair a node label) AND the required node
    affinity, if any. This is the NodeAffinity plugin's Filter; parse errors are ignored, as there."""
    if pod.spec.node_selector and not selector_from_set(pod.spec.node_selector).matches(node.labels):
        return False
    affinity = pod.spec.affinity
    required = affinity.node_affinity.required if affinity and affinity.node_affinity else None
    return required is None or node_selector_matches(required, node)


def preferred_node_affinity_score(pod: Pod, node: Node) -> int:
    """PreferredSchedulingTerms.Score: the sum of the weights of the preferred terms the node matches.

    This is the NodeAffinity plugin's raw Score, before NormalizeScore scales it to 0-100 across nodes.
    Terms with weight 0 or an empty preference are skipped. Raises NodeAffinityError when a preferred term
    does not parse (upstream fails the pod's scheduling attempt with that error).
    """
    affinity = pod.spec.affinity
    if affinity is None or affinity.node_affinity is None:
        return 0
    weighted: list[tuple[int, _Term]] = []
    errors: list[str] = []
    for i, preferred in enumerate(affinity.node_affinity.preferred):
        if preferred.weight == 0 or _is_empty(preferred.preference):
            continue
        term = _parse_term(preferred.preference, f"[{i}]")
        errors.extend(term.errors)
        weighted.append((preferred.weight, term))
    if errors:
        raise NodeAffinityError(errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
    fields = _node_fields(node)
    return sum(weight for weight, term in weighted if term.matches(node.labels, fields))
