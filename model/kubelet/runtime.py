"""What a node actually runs: the kubelet's container runtime state, outside the API server.

The API server only learns about it from the kubelet's status reports, which may be late or never
arrive (a crashed or partitioned node). Data written by containers is modelled as sets of tokens so
volume lifetimes can be checked: a container's writable layer is lost when it restarts, an emptyDir
lives as long as the pod on this node, and a PersistentVolumeClaim's data outlives pods.
Sources: pkg/kubelet/container/runtime.go, pkg/kubelet/kuberuntime/kuberuntime_container.go,
https://kubernetes.io/docs/concepts/storage/volumes/#emptydir .
"""

from __future__ import annotations

from typing import Any

import attrs

from model.frozendict import FrozenDict

WAITING, RUNNING, TERMINATED = "waiting", "running", "terminated"

INITIAL_BACKOFF = 10
"""kubelet's container restart back-off starts at 10 s (pkg/kubelet/kubelet.go backOffPeriod) ..."""
MAX_BACKOFF = 300
"""... doubles per restart and is capped at 300 s (MaxContainerBackOff)."""
BACKOFF_RESET = 600
"""A container that ran longer than this before exiting restarts its back-off from the start (client-go
flowcontrol.Backoff hasExpired: 2 x MaxContainerBackOff since the back-off was last advanced)."""


@attrs.frozen(cache_hash=True)
class ContainerRuntime:
    """One container as the runtime sees it."""

    name: str
    state: str = WAITING
    reason: str = "ContainerCreating"
    exit_code: int | None = None
    restart_count: int = 0
    ready: bool = False
    started_at: int | None = None
    finished_at: int | None = None
    backoff: int = 0
    """The kubelet's back-off entry for the container (0: none yet, the container was never restarted).

    As kuberuntime doBackOff with flowcontrol.Backoff: the entry is created (10 s) or doubled (capped at
    300 s) when a restart goes ahead, so the first restart after an exit is immediate and each later exit
    waits the current entry: 0, 10, 20, 40, ... 300 s."""
    disk: frozenset[str] = frozenset()
    """Tokens written to the container's writable layer in this incarnation."""
    cpu_load: str | None = None
    """The container's CPU usage level (:mod:`model.load`; None: idle)."""
    memory_load: str | None = None
    """The container's memory usage level (:mod:`model.load`; None: idle)."""

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def terminated(self) -> bool:
        return self.state == TERMINATED

    @property
    def succeeded(self) -> bool:
        return self.state == TERMINATED and self.exit_code == 0

    def start(self, now: int) -> ContainerRuntime:
        """Start (or restart) the container: a fresh writable layer. A restart advances the back-off
        (flowcontrol.Backoff.Next)."""
        backoff = self.backoff
        if self.started_at is not None:
            backoff = INITIAL_BACKOFF if self._backoff_expired() else min(self.backoff * 2, MAX_BACKOFF)
        restarts = self.restart_count + (1 if self.started_at is not None else 0)
        return attrs.evolve(self, state=RUNNING, reason="", exit_code=None, restart_count=restarts, ready=False,
                            started_at=now, finished_at=None, backoff=backoff, disk=frozenset())

    def stop(self, now: int, exit_code: int, reason: str) -> ContainerRuntime:
        """The container exits."""
        return attrs.evolve(self, state=TERMINATED, reason=reason, exit_code=exit_code, ready=False,
                            finished_at=now)

    def _backoff_expired(self) -> bool:
        """No back-off entry, or it was last advanced (at this incarnation's start) more than BACKOFF_RESET
        seconds before the exit."""
        return self.backoff == 0 or (self.finished_at or 0) - (self.started_at or 0) > BACKOFF_RESET

    def may_restart_at(self) -> int:
        """The earliest time a terminated container may be started again (IsInBackOffSince its finish)."""
        return (self.finished_at or 0) + (0 if self._backoff_expired() else self.backoff)


@attrs.frozen(cache_hash=True)
class PodRuntime:
    """A pod the kubelet admitted (or rejected) on its node."""

    uid: str
    namespace: str
    name: str
    init_containers: tuple[ContainerRuntime, ...] = ()
    containers: tuple[ContainerRuntime, ...] = ()
    empty_dirs: FrozenDict = FrozenDict()
    """emptyDir volume name -> tokens written to it (lives as long as the pod on this node)."""
    rejected: tuple[str, str] | None = None
    """(reason, message) when the kubelet's admission rejected the pod."""
    killed: bool = False
    """Its containers were stopped because the pod is being deleted."""
    reported: Any = None
    """The PodStatus the status manager last sent (None: nothing sent since the kubelet (re)connected)."""
    reported_at: int | None = None
    """When it sent it: while the API server's copy differs (the node controller's MarkPodsNotReady), it sends it
    again once ``model.kubelet.sync.RECONCILE_SECONDS`` have passed."""

    def container(self, name: str) -> ContainerRuntime | None:
        return next((c for c in self.init_containers + self.containers if c.name == name), None)

    def with_container(self, updated: ContainerRuntime) -> PodRuntime:
        replace = lambda cs: tuple(updated if c.name == updated.name else c for c in cs)
        return attrs.evolve(self, init_containers=replace(self.init_containers), containers=replace(self.containers))

    @property
    def any_running(self) -> bool:
        return any(c.running for c in self.init_containers + self.containers)

    @property
    def volumes_mounted(self) -> bool:
        """Whether the volume manager has mounted the pod's volumes: the model mounts them in the sync that first
        starts one of its containers, and they stay mounted while the pod is on the node (see
        ``model.kubelet.volumes``)."""
        return any(c.started_at is not None for c in self.init_containers + self.containers)


@attrs.frozen(cache_hash=True)
class NodeRuntime:
    """A node's machine and kubelet: whether it is up, whether it reaches the API server, and its pods.

    ``pods`` is keyed by pod uid, as the kubelet keys its pod workers.
    """

    up: bool = True
    reachable: bool = True
    pods: FrozenDict = FrozenDict()
    last_heartbeat: int | None = None

    def pod(self, uid: str) -> PodRuntime | None:
        return self.pods.get(uid)

    def with_pod(self, pod: PodRuntime) -> NodeRuntime:
        return attrs.evolve(self, pods=self.pods.set(pod.uid, pod))

    def without_pod(self, uid: str) -> NodeRuntime:
        return attrs.evolve(self, pods=self.pods.discard(uid))
