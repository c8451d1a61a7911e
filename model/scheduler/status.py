"""A plugin's verdict on a pod: the framework's Status, reduced to what filtering and preemption read.

Source: ``staging/src/k8s.io/kube-scheduler/framework/interface.go`` (Code, Status, Status.Message,
IsRejected). Only the two rejecting codes are modelled; Success is ``None`` and errors are exceptions.
"""

from __future__ import annotations

import attrs

UNSCHEDULABLE = "Unschedulable"
"""Rejected, but removing pods (preemption) may help."""
UNSCHEDULABLE_AND_UNRESOLVABLE = "UnschedulableAndUnresolvable"
"""Rejected whatever pods are removed: preemption skips the node."""


@attrs.frozen
class Status:
    """A rejection: its code, its reasons (usually one) and the plugin that gave it."""

    code: str
    reasons: tuple[str, ...]
    plugin: str = ""

    @classmethod
    def unschedulable(cls, *reasons: str) -> Status:
        return cls(UNSCHEDULABLE, reasons)

    @classmethod
    def unresolvable(cls, *reasons: str) -> Status:
        return cls(UNSCHEDULABLE_AND_UNRESOLVABLE, reasons)

    @property
    def message(self) -> str:
        """Status.Message: the reasons joined with ", "."""
        return ", ".join(self.reasons)

    @property
    def resolvable(self) -> bool:
        """Whether preemption may help (code Unschedulable)."""
        return self.code == UNSCHEDULABLE

    def by(self, plugin: str) -> Status:
        """The same status, attributed to ``plugin`` (Status.SetPlugin)."""
        return attrs.evolve(self, plugin=plugin)
