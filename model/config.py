"""ModelConfig: cluster-wide settings and the switches that re-create known Kubernetes bugs.

The default configuration is the faithful one; it must satisfy every invariant.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class ModelConfig:
    """Settings of one modelled cluster.

    ``default_toleration_seconds``: DefaultTolerationSeconds admission (300 s upstream).
    ``faults``: which fault actions exploration may take (see ``FAULTS``); none by default.
    ``node_status_update_frequency``: seconds between kubelet heartbeats (kubelet default 10 s).
    """

    default_toleration_seconds: int = 300
    faults: frozenset[str] = frozenset()
    node_status_update_frequency: int = 10


FAULTS = ("container-crash", "node-crash", "partition")
"""container-crash: a running container exits with an error; node-crash: a node's machine stops (and may
come back); partition: a node loses its connection to the API server (and may regain it)."""
