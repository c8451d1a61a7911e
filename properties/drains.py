"""``kubectl drain`` among the explorer's user commands: the requests ``model.maintenance.drain_requests`` gives
(cordon one node, its owed evictions, retried after a 429, then uncordon), each a ``Submit`` as the administrator."""

from __future__ import annotations

from collections.abc import Iterator

from model.actions import Submit
from model.maintenance import drain_requests
from model.state import ClusterState


def drain_actions(state: ClusterState) -> Iterator[Submit]:
    """The drain steps open to the administrator in ``state``, in a fixed order."""
    yield from (Submit(request) for request in drain_requests(state))
