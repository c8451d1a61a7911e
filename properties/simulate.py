"""Seeded random walks through the model: the engine behind ``kubeproof simulate``."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import attrs

from model import cluster
from model.cluster import Step
from model.config import DEFAULT_CONFIG, ModelConfig
from model.state import ClusterState


@attrs.frozen
class WalkStep:
    """One step of a walk: its number, the action taken and the resulting :class:`Step`."""

    number: int
    action: Any
    step: Step


def random_walk(state: ClusterState, steps: int, seed: int,
                config: ModelConfig = DEFAULT_CONFIG) -> Iterator[WalkStep]:
    """Take up to ``steps`` actions chosen with ``seed``: first a component uniformly among those with an
    enabled action, then one of its actions uniformly (so that, say, kube-proxy's many request choices do
    not starve the scheduler)."""
    rng = random.Random(seed)
    for number in range(1, steps + 1):
        choices = cluster.enabled(state, config)
        if not choices:
            return
        by_component: dict[str, list[Any]] = {}
        for choice in choices:
            by_component.setdefault(cluster.component_of(choice).name, []).append(choice)
        action = rng.choice(by_component[rng.choice(sorted(by_component))])
        result = cluster.step(state, action, config)
        yield WalkStep(number, action, result)
        state = result.state
