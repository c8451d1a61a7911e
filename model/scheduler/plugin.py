"""What a Filter plugin is to the framework: an optional PreFilter and a Filter.

Source: ``staging/src/k8s.io/kube-scheduler/framework/interface.go`` (PreFilterPlugin, PreFilterResult,
FilterPlugin). A PreFilter may reject the pod for every node, narrow the nodes worth filtering
(``node_names``), or report Skip, after which the plugin's Filter is not run in this cycle. Its state is
what Filter reads; the model recomputes it from a snapshot rather than updating it with AddPod/RemovePod.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from model.objects import Node, Pod
from model.scheduler.profile import Profile
from model.scheduler.snapshot import Snapshot
from model.scheduler.status import Status


@attrs.frozen
class PreFilterResult:
    """A PreFilter's outcome: a rejection, a Skip, or success with state and maybe a node-name shortlist."""

    status: Status | None = None
    skip: bool = False
    node_names: frozenset[str] | None = None
    state: Any = None


SKIP = PreFilterResult(skip=True)
PASS = PreFilterResult()

PreFilter = Callable[[Pod, Snapshot, Profile], PreFilterResult]
Filter = Callable[[Pod, Node, Snapshot, Profile, Any], "Status | None"]


@attrs.frozen
class FilterPlugin:
    """A plugin's Filter and, if it has one, its PreFilter."""

    name: str
    filter: Filter
    pre_filter: PreFilter | None = None

    def run_pre_filter(self, pod: Pod, snapshot: Snapshot, profile: Profile) -> PreFilterResult:
        return PASS if self.pre_filter is None else self.pre_filter(pod, snapshot, profile)

    def status(self, pod: Pod, node: Node, snapshot: Snapshot, profile: Profile) -> Status | None:
        """PreFilter then Filter for one node, as a cycle with only this plugin would run them."""
        pre = self.run_pre_filter(pod, snapshot, profile)
        if pre.status is not None:
            return pre.status.by(self.name)
        if pre.skip:
            return None
        status = self.filter(pod, node, snapshot, profile, pre.state)
        return None if status is None else status.by(self.name)
