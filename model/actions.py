"""Actions: the small frozen values that name one transition of one component (or user, or fault)."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class SubmitPending:
    """The scenario's user submits its next prepared request (e.g. ``kubectl create -f``)."""

    def describe(self) -> str:
        return "user submits the next manifest"


@attrs.frozen
class Submit:
    """A user (or test) sends one API request."""

    request: Any

    def describe(self) -> str:
        return f"{self.request.user.name} sends {type(self.request).__name__}"


@attrs.frozen
class ForceDeletePod:
    """The user force-deletes a pod (``kubectl delete pod --force --grace-period=0``): the object is removed at once,
    whatever its kubelet still runs."""

    namespace: str
    name: str

    def describe(self) -> str:
        return f"user force-deletes pod {self.namespace}/{self.name}"


@attrs.frozen
class DeliverWatchEvent:
    """The next watch event reaches ``component``'s informer."""

    component: str

    def describe(self) -> str:
        return f"watch event delivered to {self.component}"


@attrs.frozen
class Tick:
    """The logical clock advances by ``seconds``."""

    seconds: int = 1

    def describe(self) -> str:
        return f"{self.seconds}s pass"
