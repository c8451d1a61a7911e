"""A pod's declared load profile (the ``kubeproof.io/load`` annotation), the levels it names, and the level a
container starts at: shared by the kubelet (which starts containers at their profile) and :mod:`model.load`."""

from __future__ import annotations

from typing import Any

IDLE, REQUEST, LIMIT, OVER = "idle", "request", "limit", "over"
LEVELS = (IDLE, REQUEST, LIMIT, OVER)
RESOURCES = ("cpu", "memory")
LOAD_ANNOTATION = "kubeproof.io/load"


def declared(pod: Any) -> dict[str, str]:
    """The pod's declared load profile (``kubeproof.io/load``: ``resource=level`` pairs, comma-separated; other
    pairs are ignored)."""
    if pod is None:
        return {}
    text = pod.metadata.annotations.get(LOAD_ANNOTATION, "")
    profile = {}
    for item in text.split(","):
        resource, _, level = item.strip().partition("=")
        if resource in RESOURCES and level in LEVELS:
            profile[resource] = level
    return profile


def starting_levels(pod: Any) -> dict[str, str | None]:
    """The ``cpu_load``/``memory_load`` a container of ``pod`` starts with (None: idle)."""
    profile = declared(pod)
    return {"cpu_load": profile.get("cpu"), "memory_load": profile.get("memory")}
