"""kube-scheduler's own strategies: the model's scheduling cycle (``model.scheduler.schedule``) run pod by pod
in queue order with a scoring profile, each pod bound to a best-scoring node before the next is scheduled.

Profiles (``pkg/scheduler/apis/config/v1/default_plugins.go`` and the NodeResourcesFit scoring strategies of
``pkg/scheduler/framework/plugins/noderesources``; doc
https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/):
- ``least-allocated``: the default profile (NodeResourcesFit LeastAllocated, cpu and memory weight 1);
- ``most-allocated``: NodeResourcesFit MostAllocated;
- ``bin-packing``: NodeResourcesFit RequestedToCapacityRatio with the bin-packing shape {0: 0, 100: 10};
- ``balanced-allocation``: NodeResourcesFit's Score disabled, so NodeResourcesBalancedAllocation decides
  among the resource scores.
Ties are broken as upstream does, uniformly at random (selectHost's reservoir sampling), from a seeded
generator; the scan start rotates (nextStartNodeIndex).
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping

from model.frozendict import FrozenDict
from model.scheduler import Profile, schedule
from solver.instance import Instance
from solver.verify import bind, unbound

PROFILES: Mapping[str, dict] = FrozenDict({
    "least-allocated": {},
    "most-allocated": {"pluginConfig": [{"name": "NodeResourcesFit", "args": {
        "scoringStrategy": {"type": "MostAllocated"}}}]},
    "bin-packing": {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {
        "type": "RequestedToCapacityRatio",
        "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 0},
                                               {"utilization": 100, "score": 10}]}}}}]},
    "balanced-allocation": {"plugins": {"score": {"disabled": [{"name": "NodeResourcesFit"}]}}},
})


def profile(name: str) -> Profile:
    """The scheduler profile of a greedy strategy (KeyError for unknown names)."""
    return Profile.from_dict(PROFILES[name])


TIME_LIMIT_MESSAGE = "not scheduled: the time limit ran out first"


def place(instance: Instance, strategy: str, seed: int = 0,
          deadline: float | None = None) -> tuple[dict[int, str], dict[int, str], float]:
    """Schedule the instance's pods in queue order with the strategy's profile; at ``deadline``
    (``time.monotonic()``) the pods not yet scheduled stay pending with :data:`TIME_LIMIT_MESSAGE`.

    Returns (pod index -> node, pod index -> FitError message for pods left pending, seconds).
    """
    start = time.monotonic()
    chosen = profile(strategy)
    rng = random.Random(seed)
    snapshot = instance.snapshot
    pods = list(snapshot.pods)
    placement: dict[int, str] = {}
    failures: dict[int, str] = {}
    index = 0
    for i, info in enumerate(instance.pods):
        if deadline is not None and time.monotonic() > deadline:
            failures[i] = TIME_LIMIT_MESSAGE
            continue
        pod = unbound(info.pod)
        result = schedule(pod, snapshot, chosen, index)
        index = result.next_start_index
        if not result.best:
            failures[i] = result.message or "no node fits"
            continue
        node = result.best[0] if len(result.best) == 1 else rng.choice(sorted(result.best))
        placement[i] = node
        pods.append(bind(pod, node))
        snapshot = snapshot.with_pods(pods)
    return placement, failures, time.monotonic() - start
