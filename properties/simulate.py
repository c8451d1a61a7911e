"""Seeded random walks through the model: the engine behind ``kubeproof simulate``."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import attrs

from model import cluster
from model.cluster import Step
from model.config import ModelConfig
from model.state import ClusterState


@attrs.frozen
class WalkStep:
    """One step of a walk: its number, the action taken and the resulting :class:`Step`."""

    number: int
    action: Any
    step: Step


def random_walk(state: ClusterState, steps: int, seed: int,
                config: ModelConfig = ModelConfig()) -> Iterator[WalkStep]:
    """Take up to ``steps`` actions, each chosen uniformly (with ``seed``) among the enabled ones."""
    rng = random.Random(seed)
    for number in range(1, steps + 1):
        choices = cluster.enabled(state, config)
        if not choices:
            return
        action = rng.choice(choices)
        result = cluster.step(state, action, config)
        yield WalkStep(number, action, result)
        state = result.state
