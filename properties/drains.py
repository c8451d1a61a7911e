"""``kubectl drain`` as the exploration's administrator runs it: node maintenance one node at a time.

A drain is not one action: kubectl cordons the node, then sends one eviction per pod (``pods/eviction``) and
retries each refused one every 5 seconds (staging/src/k8s.io/kubectl/pkg/drain/drain.go ``evictPods``), while the
cluster's controllers act in between. So the explorer is offered, under the user budget:

- when no node is cordoned, the cordon that starts ``kubectl drain --ignore-daemonsets --delete-emptydir-data``
  of any node it would evict something from (and that would not abort on errors, e.g. a pod without a controller);
  not in a single-node cluster;
- for a cordoned node, each eviction the running drain still owes (``model.user_actions.evictions``): a 429 leaves
  it owed, and taking it again later is kubectl's retry;
- once a cordoned node has nothing left to evict or wait for, ``kubectl uncordon`` (the maintenance is over).

Doc: https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/.
"""

from __future__ import annotations

from collections.abc import Iterator

from model.actions import Submit
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.state import ClusterState
from model.user_actions import DrainOptions, drain, evictions, uncordon

DRAIN_OPTIONS = DrainOptions(ignore_daemonsets=True, delete_emptydir_data=True)
"""The flags a drain is usually run with (DaemonSet pods stay, emptyDir data may go; pods without a controller
abort it, as without ``--force``)."""


def drain_actions(state: ClusterState) -> Iterator[Submit]:
    """The drain steps open to the administrator in ``state``, in a fixed order (see the module docstring)."""
    nodes = state.store.list("Node")
    cordoned = [n for n in nodes if n.spec.unschedulable]
    if not cordoned:
        if len(nodes) < 2:
            return
        for node in nodes:
            plan = drain(state, node.name, ADMIN, DRAIN_OPTIONS)
            if not plan.errors and any(isinstance(r, rq.Evict) for r in plan.requests):
                yield Submit(plan.requests[0])
        return
    for node in cordoned:
        owed = evictions(state, node.name, ADMIN, DRAIN_OPTIONS)
        yield from (Submit(request) for request in owed)
        waiting = any(p.spec.node_name == node.name and p.metadata.deletion_timestamp is not None
                      for p in state.store.list("Pod"))
        if not owed and not waiting:
            yield from (Submit(request) for request in uncordon(state, node.name, ADMIN))
