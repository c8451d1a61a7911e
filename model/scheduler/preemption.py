"""DefaultPreemption (PostFilter): evict lower-priority pods so a pod that fits nowhere fits somewhere.

Sources (kubernetes/kubernetes):
- ``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go``: PostFilter (the
  ``preemption:`` message prefix), PodEligibleToPreemptOthers (preemptionPolicy Never; a victim on the
  nominated node still terminating because of preemption), SelectVictimsOnNode (remove every lower-priority
  pod; if the pod then fits, reprieve them from the most important down, keeping as victims those without
  which it no longer fits), calculateNumCandidates, isPreemptionAllowed;
- ``pkg/scheduler/framework/preemption/preemption.go``: Preempt, findCandidates (only nodes whose filter
  status is Unschedulable, not UnschedulableAndUnresolvable), DryRunPreemption, pickOneNodeForPreemption,
  getLowerPriorityNominatedPods, the "Preemption is not helpful for scheduling" FitError;
- ``pkg/scheduler/util/utils.go``: MoreImportantPod, GetPodStartTime, GetEarliestPodStartTime.
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/

Deliberate differences: PodDisruptionBudgets are not modelled, so no victim violates one (criterion 1 of
pickOneNodeForPreemption never separates nodes); the dry run starts at the first potential node instead
of a random offset (which only matters with more potential nodes than candidates wanted, 100 by default);
ties the criteria leave are reported (``tied``) and the first in scan order is chosen, where upstream
takes whichever its map iteration yields. A pod without ``status.startTime`` counts as started now.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from model.objects import Node, Pod
from model.scheduler.filters import DEFAULT_PROFILE
from model.scheduler.framework import (
    CycleState,
    filter_with_nominated_pods,
    fit_error_message,
    node_statuses,
    pod_priority,
    pre_filter,
    with_pods_state,
    without_pod,
)
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE, Status

NAME = "DefaultPreemption"
NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never."
NOT_ELIGIBLE_TERMINATING = "not eligible due to a terminating pod on the nominated node."
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
MAX_INT32 = 2**31 - 1


@attrs.frozen
class Preemption:
    """The chosen preemption: the node to nominate, the pods to evict there (most important first), and the
    lower-priority pods nominated to that node whose nomination is cleared. ``tied`` lists every node
    pickOneNodeForPreemption could not separate from ``node`` (``node`` included)."""

    node: str
    victims: tuple[Pod, ...]
    nominated_to_clear: tuple[Pod, ...]
    tied: tuple[str, ...]


@attrs.frozen
class PostFilterOutcome:
    """What the PostFilter extension point yields: a preemption, or why there is none (``message``, the
    FitError's PostFilterMsg; empty when preemption succeeded or no PostFilter plugin ran)."""

    preemption: Preemption | None
    message: str


def _start_key(pod: Pod) -> tuple[int, int, int | str]:
    """GetPodStartTime as a sort key: a recorded start time, else "now" (later than any recorded one).
    The model's logical-clock integers sort before RFC 3339 strings."""
    start = pod.status.start_time
    if start is None:
        return (1, 0, 0)
    return (0, 0 if isinstance(start, int) else 1, start)


def importance_order(pods: Sequence[Pod]) -> list[Pod]:
    """Sorted by MoreImportantPod: higher priority first, then the earlier started."""
    return sorted(pods, key=lambda p: (-pod_priority(p), _start_key(p)))


def terminating_by_preemption(pod: Pod) -> bool:
    """podTerminatingByPreemption: deleting, with a DisruptionTarget=True condition from the scheduler."""
    if pod.metadata.deletion_timestamp is None:
        return False
    condition = pod.status.condition("DisruptionTarget")
    return condition is not None and condition.status == "True" and condition.reason == "PreemptionByScheduler"


def select_victims_on_node(pod: Pod, node: Node, snapshot: Snapshot, profile: Profile,
                           state: CycleState) -> tuple[tuple[Pod, ...], Status | None]:
    """SelectVictimsOnNode: the fewest lower-priority pods whose removal lets ``pod`` pass the filters.

    Returns (victims, None), or ((), the status explaining why this node cannot help).
    """
    lower = [p for p in snapshot.pods_on(node.name) if pod_priority(p) < pod_priority(pod)]
    if not lower:
        return (), Status.unresolvable(NO_VICTIMS)
    removed = {p.key for p in lower}
    remaining = tuple(p for p in snapshot.pods if p.key not in removed)

    def check(pods: tuple[Pod, ...]) -> Status | None:
        placed = snapshot.with_pods(pods)
        return filter_with_nominated_pods(pod, node, placed, profile, with_pods_state(state, pod, placed, profile))

    status = check(remaining)
    if status is not None:
        return (), status
    victims = []
    for candidate in importance_order(lower):
        if check((*remaining, candidate)) is None:
            remaining = (*remaining, candidate)
        else:
            victims.append(candidate)
    return tuple(victims), None


def num_candidates(num_nodes: int, profile: Profile) -> int:
    """calculateNumCandidates from DefaultPreemptionArgs (10 % of the nodes, at least 100, at most all)."""
    args = profile.plugin_args(NAME)
    wanted = max(num_nodes * args.get("minCandidateNodesPercentage", 10) // 100,
                 args.get("minCandidateNodesAbsolute", 100))
    return min(wanted, num_nodes)


def _earliest_top_start(victims: Sequence[Pod]) -> tuple[int, int, int | str]:
    """GetEarliestPodStartTime: the earliest start among the highest-priority victims."""
    top = max(pod_priority(v) for v in victims)
    return min(_start_key(v) for v in victims if pod_priority(v) == top)


def pick_one_node(candidates: Sequence[tuple[str, tuple[Pod, ...]]]) -> tuple[str, ...]:
    """pickOneNodeForPreemption's criteria in order; returns the nodes still tied (the first is chosen):
    lowest highest-victim priority, lowest sum of priorities (each shifted by 2^31), fewest victims, latest
    earliest-start of the highest-priority victims."""
    criteria = (
        lambda victims: -pod_priority(victims[0]),
        lambda victims: -sum(pod_priority(v) + MAX_INT32 + 1 for v in victims),
        lambda victims: -len(victims),
        _earliest_top_start,
    )
    remaining = list(candidates)
    for score in criteria:
        best = max(score(victims) for _, victims in remaining)
        remaining = [(name, victims) for name, victims in remaining if score(victims) == best]
        if len(remaining) == 1:
            break
    return tuple(name for name, _ in remaining)


def post_filter(pod: Pod, snapshot: Snapshot, profile: Profile | None = None) -> PostFilterOutcome:
    """RunPostFilterPlugins after a failed cycle: DefaultPreemption's Preempt, if the profile enables it.

    A pod that fits some node needs no preemption, and a cluster without nodes fails before PostFilter
    (ErrNoNodesAvailable): the outcome is then empty.
    """
    profile = profile or DEFAULT_PROFILE
    if NAME not in profile.post_filters or not snapshot.nodes:
        return PostFilterOutcome(None, "")
    if pod.spec.preemption_policy == "Never":
        return PostFilterOutcome(None, f"preemption: {NOT_ELIGIBLE_NEVER}")
    snapshot = without_pod(pod, snapshot)
    verdicts = node_statuses(pod, snapshot, profile)
    if any(status is None for status in verdicts.values()):
        return PostFilterOutcome(None, "")
    nominated = pod.status.nominated_node_name
    if nominated and snapshot.has_node(nominated):
        if verdicts[nominated].code != UNSCHEDULABLE_AND_UNRESOLVABLE:
            if any(pod_priority(p) < pod_priority(pod) and terminating_by_preemption(p)
                   for p in snapshot.pods_on(nominated)):
                return PostFilterOutcome(None, f"preemption: {NOT_ELIGIBLE_TERMINATING}")
    potential = [node for node in snapshot.node_list if verdicts[node.name].code == UNSCHEDULABLE]
    state = pre_filter(pod, snapshot, profile)
    wanted = num_candidates(len(potential), profile)
    candidates: list[tuple[str, tuple[Pod, ...]]] = []
    dry_run: dict[str, Status] = {}
    for node in potential:
        victims, status = select_victims_on_node(pod, node, snapshot, profile, state)
        if victims:
            candidates.append((node.name, victims))
            if len(candidates) >= wanted:
                break
        else:
            dry_run[node.name] = status or Status.unresolvable(
                f'expected at least one victim pod on node "{node.name}"')
    if not candidates:
        message = fit_error_message(len(snapshot.nodes), dry_run, Status.unresolvable(NOT_HELPFUL))
        return PostFilterOutcome(None, f"preemption: {message}")
    tied = pick_one_node(candidates)
    victims = dict(candidates)[tied[0]]
    to_clear = tuple(p for p in snapshot.nominated_pods(tied[0]) if pod_priority(p) < pod_priority(pod))
    return PostFilterOutcome(Preemption(tied[0], victims, to_clear, tied), "")


def failure_message(fit_error: str, outcome: PostFilterOutcome) -> str:
    """The FailedScheduling message (and PodScheduled condition message) of a failed cycle: the FitError
    message of :func:`model.scheduler.framework.schedule`, then the PostFilter message, if any."""
    return f"{fit_error} {outcome.message}" if outcome.message else fit_error


def preempt(pod: Pod, snapshot: Snapshot, profile: Profile | None = None) -> Preemption | None:
    """The node and victims DefaultPreemption would choose for ``pod``, or None when preemption cannot help
    (or is not allowed: ``preemptionPolicy: Never``, or the profile lacks DefaultPreemption)."""
    return post_filter(pod, snapshot, profile).preemption
