"""ImageLocality's Score: nodes that already hold the pod's container images score higher.

Sources (kubernetes/kubernetes):
- ``pkg/scheduler/framework/plugins/imagelocality/image_locality.go``: Score, calculatePriority,
  sumImageScores (init and app containers), scaledImageScore, normalizedImageName (no NormalizeScore);
- ``pkg/scheduler/backend/cache/cache.go``: addNodeImageStates (one ImageStateSummary per image name,
  its size from the first node seen with it, and the number of nodes having it).

Images come from each node's ``status.images`` (``[{names: [...], sizeBytes: n}]``); a node reporting
none holds none, so scores 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

import attrs

from model.objects import Node, Pod
from model.scheduler.scoring.helper import MAX_NODE_SCORE, ProfileLike, ScorePlugin, SnapshotLike, go_quotient

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
"""minThreshold: image totals below this score 0."""
MAX_CONTAINER_THRESHOLD = 1000 * MB
"""maxContainerThreshold: per container, image totals above this times the container count score 100."""


@attrs.frozen
class ImageState:
    """ImageStateSummary: an image's size and how many nodes hold it."""

    size: int
    num_nodes: int


def node_image_names(node: Node) -> tuple[tuple[str, int], ...]:
    """(name, sizeBytes) for every name of every image in the node's ``status.images``."""
    return tuple((name, image.get("sizeBytes") or 0)
                 for image in node.status.images or () for name in image.get("names") or ())


def image_states(nodes: tuple[Node, ...]) -> dict[str, ImageState]:
    """The scheduler cache's image states: per image name, the size first seen and the nodes holding it."""
    sizes: dict[str, int] = {}
    holders: dict[str, set[str]] = {}
    for node in nodes:
        for name, size in node_image_names(node):
            sizes.setdefault(name, size)
            holders.setdefault(name, set()).add(node.name)
    return {name: ImageState(sizes[name], len(holders[name])) for name in sizes}


def normalized_image_name(name: str) -> str:
    """normalizedImageName: add ``:latest`` when the reference has no tag (no ``:`` after the last ``/``)."""
    return name + ":latest" if name.rfind(":") <= name.rfind("/") else name


def scaled_image_score(state: ImageState, total_nodes: int) -> int:
    """scaledImageScore: the image size scaled by the share of nodes holding it (against "node heating")."""
    spread = float(state.num_nodes) / float(total_nodes)
    return int(float(state.size) * spread)


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    """calculatePriority: the summed image scores, clamped to [23MB, 1000MB·containers], mapped onto 0-100. The
    clamp is upstream's if/else (a sum below 23MB is raised to it and not then capped), so a pod without containers
    (maximum 0) scores 0 / -23MB = 0 as in Go, not 100."""
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    if sum_scores < MIN_THRESHOLD:
        sum_scores = MIN_THRESHOLD
    elif sum_scores > max_threshold:
        sum_scores = max_threshold
    return go_quotient(MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD), max_threshold - MIN_THRESHOLD)


def image_locality_score(pod: Pod, node: Node, states: Mapping[str, ImageState], total_nodes: int) -> int:
    """The raw score of ``node``: the pod's images present on it (init containers included), each scored
    by size and spread, summed and mapped onto 0-100."""
    on_node = {name for name, _ in node_image_names(node)}
    containers = pod.spec.init_containers + pod.spec.containers
    total = sum(scaled_image_score(states[image], total_nodes)
                for image in (normalized_image_name(c.image or "") for c in containers) if image in on_node)
    return calculate_priority(total, len(containers))


@attrs.frozen
class ImageLocality(ScorePlugin):
    """Raw score 0-100; no NormalizeScore. Nodes and image spread are those of the whole snapshot.

    ``pre_score`` gathers the snapshot's image states once (upstream keeps them in the scheduler cache);
    ``score`` gathers them itself when given no state.
    """

    name: ClassVar[str] = "ImageLocality"

    def pre_score(self, pod: Pod, nodes: Iterable[Node], snapshot: SnapshotLike,
                  profile: ProfileLike | None) -> dict[str, ImageState]:
        return image_states(tuple(snapshot.nodes))

    def score(self, pod: Pod, node: Node, snapshot: SnapshotLike, profile: ProfileLike | None,
              state: Mapping[str, ImageState] | None = None) -> int:
        states = image_states(tuple(snapshot.nodes)) if state is None else state
        return image_locality_score(pod, node, states, len(snapshot.nodes))
