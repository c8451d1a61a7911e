"""The scheduling cycle: PreFilter, Filter (with nominated pods), Score, and the choice of node.

Sources (kubernetes/kubernetes):
- ``pkg/scheduler/schedule_one.go``: schedulePod (no nodes; one feasible node skips scoring),
  findNodesThatFitPod (a PreFilter rejection applies to every node; a PreFilterResult shortlist leaves the
  other nodes "didn't satisfy plugin(s)"; the nominated node is tried first), findNodesThatPassFilters
  (numFeasibleNodesToFind, starting at nextStartNodeIndex; one node suffices without Score plugins),
  numFeasibleNodesToFind, prioritizeNodes (every node scores 1 without Score plugins), the node choice
  (highest total; ties broken at random upstream, all reported here);
- ``pkg/scheduler/framework/runtime/framework.go``: RunPreFilterPlugins (Skip; stop at the first
  UnschedulableAndUnresolvable; intersect PreFilterResults), RunFilterPlugins (stop at the first rejection),
  RunFilterPluginsWithNominatedPods / addGENominatedPods (filters pass both with and without the nominated
  pods of equal or higher priority), RunScorePlugins (normalize, check 0..100, multiply by weight);
- ``pkg/scheduler/framework/types.go``: FitError.Error (the sorted "N reason" histogram).

Deliberate differences: the scan is sequential, so it stops exactly when enough feasible nodes are found
(upstream's 16 goroutines may look at a few more) and ``next_start_index`` is deterministic; the
nominated-pod pass and preemption recompute the affected PreFilter states from a modified snapshot instead
of applying AddPod/RemovePod (the same counts, except that upstream would decrement counts a terminating
victim never added). Scores come from :data:`model.scheduler.scoring.SCORERS`; a profile plugin without a
scorer there scores 0 on every node.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from model.frozendict import FrozenDict
from model.objects import Node, Pod
from model.scheduler.filters import DEFAULT_PROFILE, REGISTRY
from model.scheduler.plugin import PreFilterResult
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import UNSCHEDULABLE_AND_UNRESOLVABLE, Status

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
MAX_NODE_SCORE = 100
NO_NODES_AVAILABLE = "no nodes available to schedule pods"
EXTENSIBLE = frozenset({"InterPodAffinity", "PodTopologySpread", "VolumeRestrictions"})
"""The plugins with PreFilterExtensions (AddPod/RemovePod): their state depends on the pods placed."""


def pod_priority(pod: Pod) -> int:
    """corev1helpers.PodPriority: ``spec.priority``, 0 when unset."""
    return pod.spec.priority or 0


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """numFeasibleNodesToFind: all nodes below 100; else the percentage (adaptive ``50 - n/125`` floored at 5
    when 0) of the nodes, but at least 100."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage == 0:
        percentage = max(50 - num_all_nodes // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    return max(num_all_nodes * percentage // 100, MIN_FEASIBLE_NODES_TO_FIND)


def fit_error_message(num_all_nodes: int, statuses: Mapping[str, Status], absent: Status | None = None,
                      pre_filter_msg: str = "", post_filter_msg: str = "") -> str:
    """FitError.Error: ``0/N nodes are available:`` then the PreFilter message, or each reason with the number
    of nodes giving it (nodes without a status count under ``absent``), sorted as strings; then the
    PostFilter message."""
    message = f"0/{num_all_nodes} nodes are available:"
    if pre_filter_msg:
        message += f" {pre_filter_msg}."
    else:
        counts = Counter(reason for status in statuses.values() for reason in status.reasons)
        if absent is not None and len(statuses) < num_all_nodes:
            for reason in absent.reasons:
                counts[reason] += num_all_nodes - len(statuses)
        histogram = sorted(f"{count} {reason}" for reason, count in counts.items())
        if histogram:
            message += " " + ", ".join(histogram) + "."
    if post_filter_msg:
        message += f" {post_filter_msg}"
    return message


# --- PreFilter and Filter ------------------------------------------------------------------------------

@attrs.frozen
class CycleState:
    """What RunPreFilterPlugins leaves: each plugin's result, a rejection, and the node shortlist."""

    results: Mapping[str, PreFilterResult]
    status: Status | None = None
    node_names: frozenset[str] | None = None
    plugins_with_nodes: tuple[str, ...] = ()

    @property
    def absent_status(self) -> Status:
        """The status of the nodes a PreFilterResult left out."""
        return Status.unresolvable(f"node(s) didn't satisfy plugin(s) [{' '.join(self.plugins_with_nodes)}]")


def pre_filter(pod: Pod, snapshot: Snapshot, profile: Profile) -> CycleState:
    """RunPreFilterPlugins over the profile's modelled PreFilter plugins."""
    results: dict[str, PreFilterResult] = {}
    rejected: Status | None = None
    names: frozenset[str] | None = None
    with_nodes: set[str] = set()
    for name in profile.pre_filters:
        plugin = REGISTRY.get(name)
        if plugin is None or plugin.pre_filter is None:
            continue
        result = plugin.pre_filter(pod, snapshot, profile)
        results[name] = result
        if result.skip:
            continue
        if result.status is not None:
            status = result.status.by(name)
            if status.code == UNSCHEDULABLE_AND_UNRESOLVABLE:
                return CycleState(FrozenDict(results), status)
            rejected = status
            continue
        if result.node_names is not None:
            with_nodes.add(name)
            names = result.node_names if names is None else names & result.node_names
            if not names:
                plugins = sorted(with_nodes)
                message = (f"node(s) didn't satisfy plugin {plugins[0]}" if len(plugins) == 1 else
                           f"node(s) didn't satisfy plugin(s) [{' '.join(plugins)}] simultaneously")
                return CycleState(FrozenDict(results), Status.unresolvable(message).by(name), names, tuple(plugins))
    return CycleState(FrozenDict(results), rejected, names, tuple(sorted(with_nodes)))


def with_pods_state(state: CycleState, pod: Pod, snapshot: Snapshot, profile: Profile) -> CycleState:
    """The cycle state after pods were added to or removed from ``snapshot`` (RunPreFilterExtensionAddPod /
    RemovePod): plugins with extensions that were not skipped recompute their state."""
    results = {name: (REGISTRY[name].pre_filter(pod, snapshot, profile)
                      if name in EXTENSIBLE and not result.skip and result.status is None else result)
               for name, result in state.results.items()}
    return attrs.evolve(state, results=FrozenDict(results))


def run_filters(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile, state: CycleState) -> Status | None:
    """RunFilterPlugins: the profile's modelled Filter plugins in order, stopping at the first rejection. A
    plugin whose PreFilter is not in the profile computes its state here (as NodeAffinity's Filter falls
    back to doing)."""
    for name in profile.filters:
        plugin = REGISTRY.get(name)
        if plugin is None:
            continue
        result = state.results.get(name)
        if result is None:
            result = plugin.run_pre_filter(pod, snapshot, profile)
        if result.status is not None:
            return result.status.by(name)
        if result.skip:
            continue
        status = plugin.filter(pod, node, snapshot, profile, result.state)
        if status is not None:
            return status.by(name)
    return None


def _nominated(pod: Pod, node: Node, snapshot: Snapshot) -> tuple[Pod, ...]:
    """addGENominatedPods' pods: nominated to the node, other than the pod, priority at least the pod's."""
    return tuple(p for p in snapshot.nominated_pods(node.name)
                 if pod_priority(p) >= pod_priority(pod) and p.key != pod.key)


def filter_with_nominated_pods(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile,
                               state: CycleState) -> Status | None:
    """RunFilterPluginsWithNominatedPods: with the nominated pods placed on the node, then (if any) without."""
    nominated = _nominated(pod, node, snapshot)
    if nominated:
        keys = {p.key for p in nominated}
        placed = snapshot.with_pods((*(p for p in snapshot.pods if p.key not in keys),
                                     *(attrs.evolve(p, spec=attrs.evolve(p.spec, node_name=node.name))
                                       for p in nominated)))
        status = run_filters(pod, node, placed, profile, with_pods_state(state, pod, placed, profile))
        if status is not None:
            return status
    return run_filters(pod, node, snapshot, profile, state)


def without_pod(pod: Pod, snapshot: Snapshot) -> Snapshot:
    """The snapshot without ``pod`` counting on a node (a pod is never filtered against itself)."""
    if not snapshot.is_bound(pod):
        return snapshot
    return snapshot.with_pods(p for p in snapshot.pods if p.key != pod.key)


def node_statuses(pod: Pod, snapshot: Snapshot, profile: Profile) -> dict[str, Status | None]:
    """Every node's verdict in one full cycle (no percentageOfNodesToScore cut), in scan order."""
    snapshot = without_pod(pod, snapshot)
    state = pre_filter(pod, snapshot, profile)
    verdicts: dict[str, Status | None] = {}
    for node in snapshot.node_list:
        if state.status is not None:
            verdicts[node.name] = state.status
        elif state.node_names is not None and node.name not in state.node_names:
            verdicts[node.name] = state.absent_status
        else:
            verdicts[node.name] = filter_with_nominated_pods(pod, node, snapshot, profile, state)
    return verdicts


def feasible(pod: Pod, snapshot: Snapshot, profile: Profile | None = None) -> dict[str, list[str]]:
    """Each node's rejection reasons (an empty list when the pod fits), running every filter in order."""
    verdicts = node_statuses(pod, snapshot, profile or DEFAULT_PROFILE)
    return {node.name: [] if verdicts[node.name] is None else list(verdicts[node.name].reasons)
            for node in snapshot.nodes}


# --- Score ----------------------------------------------------------------------------------------------

@attrs.frozen
class NodeScore:
    """A node's normalised score from each Score plugin (0..100, before weights) and the weighted total."""

    node: str
    scores: FrozenDict
    total: int


def _call(method: Any, stateful: bool, *args: Any, state: Any) -> Any:
    return method(*args, state) if stateful else method(*args)


def score_nodes(pod: Pod, feasible_nodes: Iterable[Node | str], snapshot: Snapshot,
                profile: Profile | None = None) -> dict[str, NodeScore]:
    """RunPreScorePlugins and RunScorePlugins over ``feasible_nodes`` (nodes or names).

    Raises ValueError when a plugin's normalised score leaves 0..100, as the framework errors then.
    """
    from model.scheduler.scoring import SCORERS

    profile = profile or DEFAULT_PROFILE
    nodes = [snapshot.node(n) if isinstance(n, str) else n for n in feasible_nodes]
    if not profile.scores:
        return {n.name: NodeScore(n.name, FrozenDict(), 1) for n in nodes}
    per_plugin: dict[str, dict[str, int]] = {}
    for name, _ in profile.scores:
        scorer = SCORERS.get(name)
        if scorer is None:
            per_plugin[name] = {n.name: 0 for n in nodes}
            continue
        stateful = hasattr(scorer, "pre_score")
        state = scorer.pre_score(pod, nodes, snapshot, profile) if stateful else None
        raw = {n.name: _call(scorer.score, stateful, pod, n, snapshot, profile, state=state) for n in nodes}
        normalized = _call(scorer.normalize, stateful, raw, pod, snapshot, profile, state=state)
        for value in normalized.values():
            if not 0 <= value <= MAX_NODE_SCORE:
                raise ValueError(f'plugin "{name}" returns an invalid score {value}, it should in the range of '
                                 f"[0, {MAX_NODE_SCORE}] after normalizing")
        per_plugin[name] = dict(normalized)
    weights = dict(profile.scores)
    return {n.name: NodeScore(n.name, FrozenDict({p: s[n.name] for p, s in per_plugin.items()}),
                              sum(weights[p] * s[n.name] for p, s in per_plugin.items()))
            for n in nodes}


def _best(names: Sequence[str], scores: Mapping[str, NodeScore]) -> tuple[str, ...]:
    top = max(scores[name].total for name in names)
    return tuple(name for name in names if scores[name].total == top)


# --- schedule -------------------------------------------------------------------------------------------

@attrs.frozen
class ScheduleResult:
    """One scheduling cycle's outcome.

    ``best``: every feasible node with the highest total (upstream picks one at random); ``feasible``: the
    feasible nodes found, in scan order; ``reasons``: each evaluated node's rejection reasons (empty when it
    fits; nodes a PreFilterResult left out have "didn't satisfy plugin(s)"; nodes the
    percentageOfNodesToScore cut never looked at are absent); ``scores``: per node, empty
    when scoring was skipped; ``message``: FitError.Error() when no node fits (without a PostFilter
    message; see :func:`model.scheduler.preemption.post_filter`); ``next_start_index``: where the next
    cycle's scan starts.
    """

    best: tuple[str, ...]
    feasible: tuple[str, ...]
    reasons: FrozenDict
    scores: FrozenDict
    message: str | None
    next_start_index: int


def _reasons(verdicts: Mapping[str, Status | None]) -> FrozenDict:
    return FrozenDict({name: () if status is None else status.reasons for name, status in verdicts.items()})


def schedule(pod: Pod, snapshot: Snapshot, profile: Profile | None = None, start_index: int = 0) -> ScheduleResult:
    """schedulePod: the nodes ``pod`` may go to and the best of them.

    ``start_index`` is the scheduler's nextStartNodeIndex (0 for a fresh scheduler); pass the result's
    ``next_start_index`` to the next cycle to reproduce upstream's round-robin scan.
    """
    profile = profile or DEFAULT_PROFILE
    snapshot = without_pod(pod, snapshot)
    all_nodes = snapshot.node_list
    if not all_nodes:
        return ScheduleResult((), (), FrozenDict(), FrozenDict(), NO_NODES_AVAILABLE, start_index)
    state = pre_filter(pod, snapshot, profile)
    if state.status is not None:
        verdicts = {node.name: state.status for node in all_nodes}
        return ScheduleResult((), (), _reasons(verdicts), FrozenDict(),
                              fit_error_message(len(all_nodes), {}, pre_filter_msg=state.status.message), start_index)
    nominated = pod.status.nominated_node_name
    if nominated and snapshot.has_node(nominated):
        node = snapshot.node(nominated)
        if filter_with_nominated_pods(pod, node, snapshot, profile, state) is None:
            return ScheduleResult((nominated,), (nominated,), FrozenDict({nominated: ()}), FrozenDict(), None,
                                  start_index)
    nodes = all_nodes if state.node_names is None else tuple(n for n in all_nodes if n.name in state.node_names)
    to_find = num_feasible_nodes_to_find(profile.percentage_of_nodes_to_score, len(nodes))
    if not profile.scores:
        to_find = 1
    found: list[str] = []
    verdicts: dict[str, Status | None] = {}
    for i in range(len(nodes)):
        node = nodes[(start_index + i) % len(nodes)]
        status = filter_with_nominated_pods(pod, node, snapshot, profile, state)
        verdicts[node.name] = status
        if status is None:
            found.append(node.name)
            if len(found) >= to_find:
                break
    next_start = (start_index + len(verdicts)) % len(all_nodes)
    rejected = {name: status for name, status in verdicts.items() if status is not None}
    absent = state.absent_status if state.node_names is not None else None
    if absent is not None:
        verdicts.update({n.name: absent for n in all_nodes if n.name not in state.node_names})
    if not found:
        return ScheduleResult((), (), _reasons(verdicts), FrozenDict(),
                              fit_error_message(len(all_nodes), rejected, absent), next_start)
    if len(found) == 1:
        return ScheduleResult((found[0],), (found[0],), _reasons(verdicts), FrozenDict(), None, next_start)
    scores = score_nodes(pod, found, snapshot, profile)
    return ScheduleResult(_best(found, scores), tuple(found), _reasons(verdicts), FrozenDict(scores), None, next_start)


# --- explain --------------------------------------------------------------------------------------------

@attrs.frozen
class FilterVerdict:
    """One Filter plugin's verdict on one node. ``note`` says how it was reached: "" (its Filter ran),
    "PreFilter" (its PreFilter rejected the pod or left the node out), "skipped" (its PreFilter returned
    Skip) or "not modelled"."""

    plugin: str
    passed: bool
    reason: str | None = None
    note: str = ""


@attrs.frozen
class NodeExplanation:
    """A node: every filter's verdict, the framework's verdict (``reasons``, empty when feasible; the first
    rejection, as the scheduler stops there), and for feasible nodes the per-plugin normalised scores and
    the weighted total."""

    node: str
    filters: tuple[FilterVerdict, ...]
    reasons: tuple[str, ...]
    scores: FrozenDict
    total: int | None

    @property
    def feasible(self) -> bool:
        return not self.reasons


@attrs.frozen
class Explanation:
    """Why each node can or cannot take the pod, and how the feasible ones score. ``best`` is what
    :func:`schedule` would choose from; ``message`` the FitError message when nothing fits."""

    pod: str
    nodes: tuple[NodeExplanation, ...]
    best: tuple[str, ...]
    message: str | None


def _verdict(name: str, pod: Pod, node: Node, snapshot: Snapshot, profile: Profile) -> FilterVerdict:
    plugin = REGISTRY.get(name)
    if plugin is None:
        return FilterVerdict(name, True, note="not modelled")
    pre = plugin.run_pre_filter(pod, snapshot, profile)
    if pre.status is not None:
        return FilterVerdict(name, False, pre.status.message, "PreFilter")
    if pre.skip:
        return FilterVerdict(name, True, note="skipped")
    if pre.node_names is not None and node.name not in pre.node_names:
        return FilterVerdict(name, False, f"node(s) didn't satisfy plugin(s) [{name}]", "PreFilter")
    status = plugin.filter(pod, node, snapshot, profile, pre.state)
    return FilterVerdict(name, status is None, None if status is None else status.message)


def explain(pod: Pod, nodes: Sequence[Node], bound_pods: Sequence[Pod], profile: Profile | None = None) -> Explanation:
    """Every filter's verdict on every node (each run on its own, as if it were the only plugin), the
    framework's verdict, and the scores of the feasible nodes (scored together, even when only one is
    feasible and the scheduler would skip scoring). ``best`` comes from a cycle that looks at every node
    (percentageOfNodesToScore 100)."""
    profile = profile or DEFAULT_PROFILE
    snapshot = without_pod(pod, Snapshot.of((*nodes, *bound_pods)))
    verdicts = node_statuses(pod, snapshot, profile)
    fit = [node.name for node in snapshot.node_list if verdicts[node.name] is None]
    scores = score_nodes(pod, fit, snapshot, profile) if fit else {}
    explained = tuple(
        NodeExplanation(node.name, tuple(_verdict(name, pod, node, snapshot, profile) for name in profile.filters),
                        () if verdicts[node.name] is None else verdicts[node.name].reasons,
                        scores[node.name].scores if node.name in scores else FrozenDict(),
                        scores[node.name].total if node.name in scores else None)
        for node in snapshot.nodes)
    result = schedule(pod, snapshot, attrs.evolve(profile, percentage_of_nodes_to_score=100))
    return Explanation(pod.name, explained, result.best, result.message)
