"""What a node actually runs: the kubelet's container runtime state, outside the API server.

The API server only learns about it from the kubelet's status reports, which may be late or never
arrive (a crashed or partitioned node). Data written by containers is modelled as sets of tokens so
volume lifetimes can be checked: a container's writable layer is lost when it restarts, an emptyDir
lives as long as the pod on this node, and a PersistentVolumeClaim's data outlives pods.
Sources: pkg/kubelet/container/runtime.go, pkg/kubelet/kuberuntime/kuberuntime_container.go,
https://kubernetes.io/docs/concepts/storage/volumes/#emptydir .
"""

from __future__ import annotations

import attrs

from model.frozendict import FrozenDict

WAITING, RUNNING, TERMINATED = "waiting", "running", "terminated"

INITIAL_BACKOFF = 10
"""kubelet's container restart back-off starts at 10 s (pkg/kubelet/kubelet.go backOffPeriod) ..."""
MAX_BACKOFF = 300
"""... doubles per restart and is capped at 300 s (MaxContainerBackOff)."""
BACKOFF_RESET = 600
"""A container that ran this long without crashing restarts its back-off from the start (2 x MaxContainerBackOff)."""


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
    """The back-off the next restart waits (0: no restart has failed yet)."""
    disk: frozenset[str] = frozenset()
    """Tokens written to the container's writable layer in this incarnation."""

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def terminated(self) -> bool:
        return self.state == TERMINATED

    @property
    def succeeded(self) -> bool:
        return self.state == TERMINATED and self.exit_code == 0

    def start(self, now: int) -> "ContainerRuntime":
        """Start (or restart) the container: a fresh writable layer."""
        restarts = self.restart_count + (1 if self.started_at is not None else 0)
        return attrs.evolve(self, state=RUNNING, reason="", exit_code=None, restart_count=restarts, ready=False,
                            started_at=now, finished_at=None, disk=frozenset())

    def stop(self, now: int, exit_code: int, reason: str) -> "ContainerRuntime":
        """The container exits. Its back-off grows unless it had run for BACKOFF_RESET seconds."""
        ran = now - (self.started_at if self.started_at is not None else now)
        backoff = INITIAL_BACKOFF if ran >= BACKOFF_RESET or self.backoff == 0 else min(self.backoff * 2, MAX_BACKOFF)
        return attrs.evolve(self, state=TERMINATED, reason=reason, exit_code=exit_code, ready=False,
                            finished_at=now, backoff=backoff)

    def may_restart_at(self) -> int:
        """The earliest time a terminated container may be started again."""
        return (self.finished_at or 0) + self.backoff


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

    def container(self, name: str) -> ContainerRuntime | None:
        return next((c for c in self.init_containers + self.containers if c.name == name), None)

    def with_container(self, updated: ContainerRuntime) -> "PodRuntime":
        replace = lambda cs: tuple(updated if c.name == updated.name else c for c in cs)
        return attrs.evolve(self, init_containers=replace(self.init_containers), containers=replace(self.containers))

    @property
    def any_running(self) -> bool:
        return any(c.running for c in self.init_containers + self.containers)


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

    def with_pod(self, pod: PodRuntime) -> "NodeRuntime":
        return attrs.evolve(self, pods=self.pods.set(pod.uid, pod))

    def without_pod(self, uid: str) -> "NodeRuntime":
        return attrs.evolve(self, pods=self.pods.discard(uid))
