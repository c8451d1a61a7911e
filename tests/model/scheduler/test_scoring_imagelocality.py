"""Tests for model.scheduler.scoring.imagelocality (ImageLocality's Score).

Tables ported from kubernetes/kubernetes ``pkg/scheduler/framework/plugins/imagelocality/image_locality_test.go``
(TestImageLocalityPriority, TestNormalizedImageName).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.scheduler.scoring.imagelocality import MB, calculate_priority, image_states, normalized_image_name
from model.scheduler.snapshot import Snapshot
from tests.model.scheduler.test_scoring_common import make_node, make_pod, run_plugin


def images(*entries: tuple[list[str], int]) -> list[dict[str, Any]]:
    return [{"names": names, "sizeBytes": size * MB} for names, size in entries]


NODE_40_300_2000 = images((["gcr.io/40:latest", "gcr.io/40:v1", "gcr.io/40:v1"], 40),
                          (["gcr.io/300:latest", "gcr.io/300:v1"], 300), (["gcr.io/2000:latest"], 2000))
NODE_250_10 = images((["gcr.io/250:latest"], 250), (["gcr.io/10:latest", "gcr.io/10:v1"], 10))
NODE_600_40_900 = images((["gcr.io/600:latest"], 600), (["gcr.io/40:latest"], 40), (["gcr.io/900:latest"], 900))
NODE_300_600_900 = images((["gcr.io/300:latest"], 300), (["gcr.io/600:latest"], 600), (["gcr.io/900:latest"], 900))
NODE_4000_30 = images((["gcr.io/4000:latest"], 4000), (["gcr.io/30:latest"], 30))
NODE_20_30_40 = images((["gcr.io/20:latest"], 20), (["gcr.io/30:latest"], 30), (["gcr.io/40:latest"], 40))
NO_IMAGES = None


def pod(*images_: str, init: tuple[str, ...] = ()) -> Any:
    return make_pod(containers=[{"name": f"c{i}", "image": image} for i, image in enumerate(images_)],
                    initContainers=[{"name": f"i{i}", "image": image} for i, image in enumerate(init)])


CASES = [
    ("two images spread on two nodes, prefer the larger image one", pod("gcr.io/40", "gcr.io/250"),
     [NODE_40_300_2000, NODE_250_10], [0, 5]),
    ("two images on one node, prefer this node", pod("gcr.io/40", "gcr.io/300"), [NODE_40_300_2000, NODE_250_10],
     [7, 0]),
    ("if exceed limit, use limit", pod("gcr.io/10", "gcr.io/4000"), [NODE_4000_30, NODE_250_10], [100, 0]),
    ("if exceed limit, use limit (with node which has no images present)", pod("gcr.io/10", "gcr.io/4000"),
     [NODE_4000_30, NODE_250_10, NO_IMAGES], [66, 0, 0]),
    ("pod with multiple large images, node2 is preferred", pod("gcr.io/300", "gcr.io/600", "gcr.io/900"),
     [NODE_600_40_900, NODE_300_600_900, NO_IMAGES], [32, 36, 0]),
    ("pod with multiple small images", pod("gcr.io/30", "gcr.io/40"), [NODE_20_30_40, NODE_4000_30], [1, 0]),
    ("include InitContainers: two images spread on two nodes, prefer the larger image one",
     pod("gcr.io/30", init=("gcr.io/300",)), [NODE_40_300_2000, NODE_20_30_40], [6, 0]),
]


@pytest.mark.parametrize(("name", "incoming", "node_images", "expected"), CASES, ids=[case[0] for case in CASES])
def test_image_locality_priority(name: str, incoming: Any, node_images: list[Any], expected: list[int]) -> None:
    nodes = tuple(make_node(f"node{i}", images=imgs) for i, imgs in enumerate(node_images))
    for with_state in (True, False):
        raw, normalized = run_plugin("ImageLocality", incoming, Snapshot(nodes), with_state=with_state)
        assert list(raw.values()) == expected
        assert normalized == raw


def fake_digest(content: str) -> str:
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


@pytest.mark.parametrize(("name", "expected"), [
    ("root", "root:latest"),
    ("gcr.io:5000/root", "gcr.io:5000/root:latest"),
    ("root:tag", "root:tag"),
    ("root@" + fake_digest("root"), "root@" + fake_digest("root")),
])
def test_normalized_image_name(name: str, expected: str) -> None:
    assert normalized_image_name(name) == expected


def test_image_states_count_nodes_and_keep_the_first_size() -> None:
    nodes = (make_node("a", images=images((["x:latest"], 10))), make_node("b", images=images((["x:latest"], 99))),
             make_node("c"))
    state = image_states(nodes)["x:latest"]
    assert (state.size, state.num_nodes) == (10 * MB, 2)


@given(st.integers(0, 10**12), st.integers(1, 8))
def test_calculate_priority_is_within_range_and_monotone(total: int, containers: int) -> None:
    score = calculate_priority(total, containers)
    assert 0 <= score <= 100
    assert calculate_priority(total + 50 * MB, containers) >= score
