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
    ``node_monitor_grace_period``, ``node_startup_grace_period``: how long a node (one that never reported
    Ready) may go without a heartbeat before the node lifecycle controller marks it Unknown
    (kube-controller-manager ``--node-monitor-grace-period`` 50 s since 1.32, ``--node-startup-grace-period`` 60 s).
    ``node_eviction_rate``, ``secondary_node_eviction_rate``, ``large_cluster_size_threshold``,
    ``unhealthy_zone_threshold``: NoExecute tainting per zone (``--node-eviction-rate`` 0.1 nodes/s,
    ``--secondary-node-eviction-rate`` 0.01 in partially disrupted zones of more than
    ``--large-cluster-size-threshold`` 50 nodes, ``--unhealthy-zone-threshold`` 0.55).
    ``variants``: which known Kubernetes bugs to re-create (see ``VARIANTS``); none by default.
    """

    default_toleration_seconds: int = 300
    faults: frozenset[str] = frozenset()
    node_status_update_frequency: int = 10
    node_monitor_grace_period: int = 50
    node_startup_grace_period: int = 60
    node_eviction_rate: float = 0.1
    secondary_node_eviction_rate: float = 0.01
    large_cluster_size_threshold: int = 50
    unhealthy_zone_threshold: float = 0.55
    variants: frozenset[str] = frozenset()


FAULTS = ("container-crash", "node-crash", "partition")
"""container-crash: a running container exits with an error; node-crash: a node's machine stops (and may
come back); partition: a node loses its connection to the API server (and may regain it)."""

VARIANTS = ("replicaset-no-expectations",)
"""replicaset-no-expectations: the ReplicaSet and ReplicationController controllers manage replicas on every sync
instead of waiting until their informer has observed their own creates and deletes (controller expectations),
so a lagging informer makes them create more pods than ``replicas`` (the overshoot expectations exist to prevent;
kubernetes/kubernetes#129795 is the same overshoot once expectations expire)."""
