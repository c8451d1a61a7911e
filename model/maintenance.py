"""Node maintenance by ``kubectl drain``, one node at a time: the requests an administrator's drain sends next.

A drain is not one action: kubectl cordons the node, then sends one eviction per pod (``pods/eviction``) and
retries each refused one every 5 seconds (staging/src/k8s.io/kubectl/pkg/drain/drain.go ``evictPods``), while the
cluster's controllers act in between; once the node is empty the administrator uncordons it. So the next requests
are (:func:`drain_requests`):

- when no node is cordoned, the cordon that starts ``kubectl drain --ignore-daemonsets --delete-emptydir-data``
  of any node it would evict something from (and that would not abort on errors, e.g. a pod without a
  controller); none in a single-node cluster;
- for a cordoned node, each eviction the running drain still owes (``model.user_actions.evictions``): a 429 leaves
  it owed, and sending it again later is kubectl's retry;
- once a cordoned node has nothing left to evict or to wait for, ``kubectl uncordon`` (the maintenance is over).

They are explored two ways: as the user's kubectl commands (``properties.users``, under the user budget), and as
the ``node-drain`` fault (:class:`DrainStep`, this module's component, enabled when ``ModelConfig.faults`` names
it), which a CheckSpec budgets like a crash (``faults: {node-drain: 2}``: two maintenances; the cordon that starts
one is what the budget counts) without the user's other commands. Doc:
https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.component import Component, Step
from model.config import ModelConfig
from model.state import ClusterState, submit
from model.user_actions import DrainOptions, drain, evictions, uncordon

NODE_DRAIN = "node-drain"
DRAIN_OPTIONS = DrainOptions(ignore_daemonsets=True, delete_emptydir_data=True)
"""The flags a drain is usually run with (DaemonSet pods stay, emptyDir data may go; pods without a controller
abort it, as without ``--force``)."""


def drain_requests(state: ClusterState) -> Iterator[rq.Request]:
    """The requests an administrator's drain may send next in ``state``, in a fixed order (see the module
    docstring)."""
    nodes = state.store.list("Node")
    cordoned = [n for n in nodes if n.spec.unschedulable]
    if not cordoned:
        if len(nodes) < 2:
            return
        for node in nodes:
            plan = drain(state, node.name, ADMIN, DRAIN_OPTIONS)
            if not plan.errors and any(isinstance(r, rq.Evict) for r in plan.requests):
                yield plan.requests[0]
        return
    for node in cordoned:
        owed = evictions(state, node.name, ADMIN, DRAIN_OPTIONS)
        yield from owed
        waiting = any(p.spec.node_name == node.name and p.metadata.deletion_timestamp is not None
                      for p in state.store.list("Pod"))
        if not owed and not waiting:
            yield from uncordon(state, node.name, ADMIN)


def starts_drain(request: Any) -> bool:
    """Whether ``request`` is the cordon that starts a drain (what a ``node-drain`` budget counts)."""
    return isinstance(request, rq.Update) and request.object.kind == "Node" and request.object.spec.unschedulable


@attrs.frozen
class DrainStep:
    """The ``node-drain`` fault's move: the administrator's drain sends its next request."""

    request: Any

    def describe(self) -> str:
        request = self.request
        if isinstance(request, rq.Evict):
            return f"kubectl drain evicts pod {request.namespace}/{request.name}"
        verb = "cordon (kubectl drain starts)" if starts_drain(request) else "uncordon (the maintenance is over)"
        return f"kubectl {verb} node {request.object.name}"


def _enabled(state: ClusterState, config: ModelConfig) -> Iterator[DrainStep]:
    if NODE_DRAIN in config.faults:
        yield from (DrainStep(request) for request in drain_requests(state))


def _apply(state: ClusterState, action: DrainStep, config: ModelConfig) -> Step:
    state, response, events = submit(state, action.request, config)
    return Step(state, (response,), events)


COMPONENT = Component("maintenance", (DrainStep,), _enabled, _apply)
