"""Properties extended to close blind spots the curated mutants (tests/mutants/curated.yaml) found: each holds on the
faithful bundled scenario, settled, and fails on a state or step broken on purpose."""

from __future__ import annotations

import functools

import attrs

from model import cluster, manifests
from model.examples import DIRECTORY as EXAMPLES
from model.objects.network import EndpointAddress, EndpointPort, EndpointSubset
from model.scheduler.component import SchedulePod
from model.state import ClusterState
from properties.explore import Scenario, Transition
from properties.registry import by_name


@functools.cache
def _settled() -> ClusterState:
    return Scenario("default", tuple(manifests.load([EXAMPLES])), settled=True).initial()


def _check(name: str, *args: object) -> list[str]:
    return by_name([name])[0].check(*args)


def test_endpoints_converge_rejects_a_finished_pod_listed_as_not_ready() -> None:
    state = _settled()
    debug = state.store.get("Pod", "dev", "debug")
    assert debug.is_terminated and debug.status.pod_ip
    assert not _check("endpoints-converge", state, None)
    endpoints = state.store.get("Endpoints", "dev", "debug")
    address = EndpointAddress(ip=debug.status.pod_ip, node_name=debug.node_name)
    subset = EndpointSubset(not_ready_addresses=(address,), ports=(EndpointPort(port=8080),))
    broken = attrs.evolve(endpoints, subsets=(subset,))
    state = attrs.evolve(state, store=attrs.evolve(state.store, objects=state.store.objects.put(broken)))
    assert "as not ready" in _check("endpoints-converge", state, None)[0]


def test_a_binding_beyond_the_nodes_allocatable_is_reported() -> None:
    """The third ``reports`` pod waits: worker-3 holds two beside the others. Bound there anyway (as a scheduler
    whose fit check forgot cpu would), the binding is reported; the same pod bound to nowhere is not judged."""
    state = _settled()
    waiting = next(p for p in state.store.list("Pod", "test") if not p.node_name)
    bind = SchedulePod("test", waiting.name, "worker-3")
    step = cluster.step(state, bind)
    assert step.responses[0].ok
    messages = _check("scheduled-pods-fit-their-node", state, Transition(bind, step), step.state, None)
    assert any("whose allocatable it exceeds" in m and "cpu" in m for m in messages), messages
    nowhere = SchedulePod("test", waiting.name, None)
    assert not _check("scheduled-pods-fit-their-node", state, Transition(nowhere, cluster.step(state, nowhere)),
                      cluster.step(state, nowhere).state, None)


def crashed_but_succeeded() -> list[str]:
    """pod-phase-follows-container-exits on the settled bundled scenario whose finished debug pod's container is
    made to have exited 1 (as a kubelet that counts a failure as a success would leave it)."""
    state = _settled()
    debug = state.store.get("Pod", "dev", "debug")
    node = state.nodes[debug.node_name]
    pod_runtime = node.pod(debug.metadata.uid)
    crashed = pod_runtime.with_container(attrs.evolve(pod_runtime.containers[0], exit_code=1))
    broken = attrs.evolve(state, nodes=state.nodes.set(debug.node_name, node.with_pod(crashed)))
    return _check("pod-phase-follows-container-exits", broken, None)


def test_a_finished_pods_phase_is_judged_from_its_containers_exit_codes() -> None:
    state = _settled()
    assert state.store.get("Pod", "dev", "debug").status.phase == "Succeeded"
    assert not _check("pod-phase-follows-container-exits", state, None)
    assert "is Succeeded though its containers exited with [1]" in crashed_but_succeeded()[0]
