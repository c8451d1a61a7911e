"""Node maintenance by ``kubectl drain``, one node at a time: the administrator's drain as a client process.

The maintenance is ``kubectl drain --ignore-daemonsets --delete-emptydir-data --timeout=300s NODE; kubectl uncordon
NODE``. kubectl drain is not one request (staging/src/k8s.io/kubectl/pkg/drain/drain.go): it cordons the node, lists the
pods to evict once (``GetPodsForDeletion``: every pod but DaemonSet pods and mirror pods), then evicts each one
(``pods/eviction``) and, when the API server refuses with 429 (a PodDisruptionBudget forbids it), sleeps 5 s and tries
again (``evictPods``: "will retry after 5s"), and waits for each evicted pod to be gone (``waitForDelete``: gone, or its
UID changed). Upstream evicts the pods side by side and, when one eviction fails with another error, still finishes the
others before exiting with the errors collected; the model simplifies that to the drain ending at the first such error
(``DrainProcess.failed``), which only ends a maintenance sooner. ``--timeout`` ends it too (``globalTimeout``: "global
timeout reached"). The cluster's controllers act all the while. So a started drain is a :class:`DrainProcess` in the
state (``ClusterState.drains``), and its next requests are (:func:`drain_requests`):

- each eviction it still owes whose retry time has come (5 s after its last 429: :data:`RETRY_SECONDS`, a deadline
  of ``model.deadlines``, so a retry costs the clock one Tick);
- once it is over (every listed pod gone, an error, or the timeout), ``kubectl uncordon``, which ends the
  maintenance.

These steps are a client's pending work, not new decisions: they are offered whether or not the ``node-drain`` fault
is enabled, and fair execution takes them (``properties.explore.converge``), so a drain a run leaves half done still
finishes, and its node is uncordoned, before convergence is judged. That is the liveness assumption of a run with
drains: users stop, then their maintenance ends (every started drain finishes, or gives up at its timeout, and its
node is schedulable again), then the controllers must reach their desired state. A pod that cannot be placed while
its node is cordoned (e.g. a StatefulSet pod bound to a local volume there) is Kubernetes working as documented, not
a failure to converge (https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/: the node is
unschedulable until ``kubectl uncordon``). The timeout makes the assumption hold by construction: a drain that a
PodDisruptionBudget blocks forever (kubectl's default, no timeout, would retry forever) ends after 300 s, within fair
execution's idle period (``properties.explore.IDLE_SECONDS``).

Who starts a drain (only when no drain runs and no node is cordoned, and only of a node it would evict something
from without aborting on errors, e.g. a pod without a controller; none in a single-node cluster):

- the user (``kubectl drain``, one of ``properties.users``' commands, within the user's budget): ``by_user``;
- the ``node-drain`` disruption (enabled when ``ModelConfig.faults`` names it), which a CheckSpec budgets like a crash
  (``faults: {node-drain: 1}``; the cordon that starts a drain is what the budget counts).
Doc: https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.component import Component, Step
from model.config import ModelConfig
from model.frozendict import FrozenDict
from model.state import ClusterState, submit
from model.user_actions import DrainOptions, drain, uncordon

NODE_DRAIN = "node-drain"
DRAIN_OPTIONS = DrainOptions(ignore_daemonsets=True, delete_emptydir_data=True)
"""The flags a drain is usually run with (DaemonSet pods stay, emptyDir data may go; pods without a controller
abort it, as without ``--force``)."""
RETRY_SECONDS = 5
"""drain.go ``evictPods``: after a 429 each pod's eviction is sent again 5 s later."""
TIMEOUT_SECONDS = 300
"""The administrator's ``kubectl drain --timeout`` (see the module docstring)."""
TOO_MANY_REQUESTS, NOT_FOUND = 429, 404


@attrs.frozen
class DrainProcess:
    """A running ``kubectl drain``: the pods it listed when it started, when it started, who started it, and when
    each refused eviction is due again."""

    pods: tuple[tuple[str, str, str], ...]
    """(namespace, name, uid) of each pod it evicts, listed once after the cordon."""
    started: int
    by_user: bool = False
    retry_at: FrozenDict = FrozenDict()
    """uid -> the time a refused (429) eviction is sent again."""
    failed: bool = False
    """An eviction got an error other than 429 or 404: the drain ends (upstream finishes the other pods first, then
    exits with the errors; see the module docstring)."""

    def present(self, state: ClusterState) -> list[Any]:
        """The listed pods still in the API (same name and UID: a pod re-created under its name counts as gone)."""
        found = (state.store.get("Pod", namespace, name) for namespace, name, _ in self.pods)
        return [pod for pod, (_, _, uid) in zip(found, self.pods, strict=True)
                if pod is not None and pod.metadata.uid == uid]

    def over(self, state: ClusterState) -> bool:
        """Finished (every listed pod gone), failed, or timed out: the maintenance may end."""
        return self.failed or not self.present(state) or state.time >= self.started + TIMEOUT_SECONDS

    def owed(self, state: ClusterState) -> list[Any]:
        """The listed pods it still has to evict (not yet being deleted), due or not. Upstream evicts a terminating pod
        again, which the API server admits without asking the PodDisruptionBudget (``canIgnorePDB``) and which changes
        nothing, so leaving it out changes no outcome."""
        return [] if self.over(state) else [p for p in self.present(state) if p.metadata.deletion_timestamp is None]

    def deadlines(self, state: ClusterState) -> Iterator[int]:
        """When it next has something to do by itself: a retry, or its timeout."""
        if not self.over(state):
            yield self.started + TIMEOUT_SECONDS
            yield from (self.retry_at[p.metadata.uid] for p in self.owed(state) if p.metadata.uid in self.retry_at)


def drain_starts(state: ClusterState) -> Iterator[rq.Request]:
    """The cordons that may start a drain now (see the module docstring), in node order."""
    nodes = state.store.list("Node")
    if state.drains or len(nodes) < 2 or any(n.spec.unschedulable for n in nodes):
        return
    for node in nodes:
        plan = drain(state, node.name, ADMIN, DRAIN_OPTIONS)
        if not plan.errors and any(isinstance(r, rq.Evict) for r in plan.requests):
            yield plan.requests[0]


def _steps(state: ClusterState, node: str, process: DrainProcess) -> Iterator[rq.Request]:
    if process.over(state):
        yield from uncordon(state, node, ADMIN)
        return
    for pod in process.owed(state):
        if process.retry_at.get(pod.metadata.uid, state.time) <= state.time:
            yield rq.Evict(ADMIN, pod.namespace, pod.name, grace_period_seconds=DRAIN_OPTIONS.grace_period_seconds)


def drain_requests(state: ClusterState) -> Iterator[rq.Request]:
    """The requests a drain may send next in ``state``, in a fixed order: the running drain's (its due evictions, or
    the uncordon that ends it), else the cordons that may start one."""
    if not state.drains:
        yield from drain_starts(state)
    for node, process in sorted(state.drains.items()):
        yield from _steps(state, node, process)


def starts_drain(request: Any) -> bool:
    """Whether ``request`` is the cordon that starts a drain (what a ``node-drain`` budget counts)."""
    return isinstance(request, rq.Update) and request.object.kind == "Node" and request.object.spec.unschedulable


def ends_drain(request: Any) -> bool:
    """Whether ``request`` is the uncordon that ends the maintenance."""
    return isinstance(request, rq.Update) and request.object.kind == "Node" and not request.object.spec.unschedulable


def deadlines(state: ClusterState) -> Iterator[int]:
    """When a running drain next acts by itself (``model.deadlines``)."""
    for process in state.drains.values():
        yield from process.deadlines(state)


@attrs.frozen
class DrainStep:
    """A drain's next request: the cordon that starts it (the ``node-drain`` fault's draw, or the user's command when
    ``by_user``), an eviction, or the uncordon that ends the maintenance."""

    request: Any
    by_user: bool = False

    def describe(self) -> str:
        request = self.request
        who = "user's " if self.by_user else ""
        if isinstance(request, rq.Evict):
            return f"{who}kubectl drain evicts pod {request.namespace}/{request.name}"
        verb = "cordon (kubectl drain starts)" if starts_drain(request) else "uncordon (the maintenance is over)"
        return f"{who}kubectl {verb} node {request.object.name}"


def user_drains(state: ClusterState) -> Iterator[DrainStep]:
    """The user's ``kubectl drain NODE`` commands (``properties.users``)."""
    yield from (DrainStep(request, by_user=True) for request in drain_starts(state))


def _enabled(state: ClusterState, config: ModelConfig) -> Iterator[DrainStep]:
    if not state.drains:
        if NODE_DRAIN in config.faults:
            yield from (DrainStep(request) for request in drain_starts(state))
        return
    for node, process in sorted(state.drains.items()):
        yield from (DrainStep(request, process.by_user) for request in _steps(state, node, process))


def _started(state: ClusterState, node: str, by_user: bool) -> ClusterState:
    plan = drain(state, node, ADMIN, DRAIN_OPTIONS)
    pods = tuple((r.namespace, r.name, state.store.get("Pod", r.namespace, r.name).metadata.uid)
                 for r in plan.requests if isinstance(r, rq.Evict))
    return attrs.evolve(state, drains=state.drains.set(node, DrainProcess(pods, state.time, by_user)))


def _answered(state: ClusterState, response: rq.Response, uid: str | None) -> ClusterState:
    """The drain that sent an eviction of the pod ``uid``, after the API server's ``response``: a 429 is retried in 5 s,
    another error ends the command (a 404 means the pod is gone, which kubectl takes as done)."""
    if response.ok or response.code == NOT_FOUND:
        return state
    for node, process in state.drains.items():
        if any(uid == listed for _, _, listed in process.pods):
            changed = attrs.evolve(process, retry_at=process.retry_at.set(uid, state.time + RETRY_SECONDS)) \
                if response.code == TOO_MANY_REQUESTS else attrs.evolve(process, failed=True)
            return attrs.evolve(state, drains=state.drains.set(node, changed))
    return state


def _apply(state: ClusterState, action: DrainStep, config: ModelConfig) -> Step:
    request = action.request
    pod = state.store.get("Pod", request.namespace, request.name) if isinstance(request, rq.Evict) else None
    after, response, events = submit(state, request, config)
    if starts_drain(request) and response.ok:
        after = _started(after, request.object.name, action.by_user)
    elif ends_drain(request) and response.ok:
        after = attrs.evolve(after, drains=after.drains.discard(request.object.name))
    elif isinstance(request, rq.Evict):
        after = _answered(after, response, None if pod is None else pod.metadata.uid)
    return Step(after, (response,), events)


COMPONENT = Component("maintenance", (DrainStep,), _enabled, _apply)
