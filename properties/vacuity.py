"""When a check would prove nothing: every property holds trivially of a scenario with no workloads, or with
workloads and no node to run them on, or of a run that took no step. ``kubeproof check`` says so and exits 2
unless the user asks for such a check (``--allow-vacuous``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

WORKLOAD_KINDS = ("Pod", "ReplicationController", "ReplicaSet", "Deployment", "DaemonSet", "Job", "StatefulSet")
"""The kinds that make pods run: what a check's properties are about."""


def scenario_vacuity(objects: Sequence[Any]) -> str | None:
    """Why checking these objects would be vacuous, or None."""
    if not objects:
        return "no manifests were loaded"
    workloads = [o for o in objects if o.kind in WORKLOAD_KINDS]
    if not workloads:
        return f"no workloads ({', '.join(WORKLOAD_KINDS)}) among the {len(objects)} objects loaded"
    if not any(o.kind == "Node" for o in objects):
        return f"no nodes: the {len(workloads)} workload(s) have nowhere to run (give a cluster with --cluster)"
    return None


def run_vacuity(steps: int) -> str | None:
    """Why a finished run proved nothing, or None."""
    return "no step was taken" if steps == 0 else None
