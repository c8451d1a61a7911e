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


DEFAULT_CONFIG = ModelConfig()
"""The faithful configuration, the default wherever a ``ModelConfig`` is optional."""

FAULTS = ("container-crash", "node-crash", "partition", "controller-restart", "watch-relist", "request-error",
          "node-overload", "node-drain")
"""container-crash: a running container exits with an error; node-crash: a node's machine stops (and may
come back); partition: a node loses its connection to the API server (and may regain it);
controller-restart: a controller restarts, re-listing and losing its memory (expectations) and work queue;
watch-relist: a component's watch breaks and its informer re-lists, never observing the events in between one by
one; request-error: the API server answers a component's next request with an error (500 InternalError, 429
TooManyRequests) instead of serving it (see ``model.faults``); node-overload: a node whose running containers use
at least 98% of its allocatable CPU fails (Kivi's "kernel panic"; ``model.load``); node-drain: an administrator's
``kubectl drain`` of one node at a time, a voluntary disruption (``model.maintenance``)."""

VARIANTS = ("replicaset-no-expectations", "daemonset-bypasses-scheduler", "deployment-ignores-max-unavailable",
            "stale-quota-apiservers", "kubelet-stale-cache-after-restart", "force-delete-partitioned")
"""replicaset-no-expectations: the ReplicaSet and ReplicationController controllers manage replicas on every sync
instead of waiting until their informer has observed their own creates and deletes (controller expectations),
so a lagging informer makes them create more pods than ``replicas`` (the overshoot expectations exist to prevent;
kubernetes/kubernetes#129795 is the same overshoot once expectations expire).
daemonset-bypasses-scheduler: the DaemonSet controller places its pods itself, creating them with ``spec.nodeName``
instead of leaving them to the default scheduler, and its NodeShouldRunDaemonPod ignores taints (so also a cordoned
node's unschedulable taint): daemon pods land on tainted and cordoned nodes, and where the kubelet rejects them the
controller fights it (kubernetes/kubernetes#16967, the behaviour ScheduleDaemonSetPods replaced in 1.12).
deployment-ignores-max-unavailable: during a rolling update the Deployment controller scales old ReplicaSets down
by whatever the ReplicaSets' total exceeds ``replicas``, without waiting for the new pods to become available: the
available replicas drop below ``replicas - maxUnavailable`` (the minUnavailable violations of
kubernetes/kubernetes#21810, fixed by making scale-downs count available pods, #21957).
stale-quota-apiservers: ResourceQuota admission writes its charge to the quota's status without the resourceVersion
precondition, so an API server whose quota lister has not yet observed another's charge admits against the stale
``status.used`` and overwrites it: together they admit more than ``hard`` (kubernetes/kubernetes#24494; the default
writes with the precondition, and a Conflict re-checks against the reloaded quota, as upstream's quota evaluator).
kubelet-stale-cache-after-restart: a kubelet whose node comes back after a crash keeps its pre-crash pod cache
instead of re-listing (its LIST is served from a stale watch cache), so it restarts a pod the API server deleted
meanwhile while the pod's replacement runs elsewhere: one StatefulSet identity runs twice
(kubernetes/kubernetes#59848, fixed by PR #60478 "Prevent read anomalies from the watch cache").
force-delete-partitioned: the user may force-delete (grace period 0) any pod on an unreachable node
(``model.actions.ForceDeletePod``), the hazard
https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/ warns about: the object is gone, so
the StatefulSet controller recreates the identity while a partitioned kubelet still runs the old pod. The default
config never force-deletes."""
