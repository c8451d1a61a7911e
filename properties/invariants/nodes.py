"""What scheduling and the kubelets guarantee: nodes are never overcommitted, pods land only where their
taints and affinity allow, and a kubelet runs only pods bound to its node."""

from __future__ import annotations

from typing import Any

from model.config import ModelConfig
from model.scheduler.component import NAME as SCHEDULER
from model.scheduler.component import SchedulePod
from model.state import ClusterState
from properties.oracles import overcommitted, selects_node, untolerated
from properties.registry import invariant, step_property


@invariant(
    "node-capacity",
    "The pods bound to a node (not finished) never request more than its allocatable, for any resource or "
    "the pod count (judged by plain sums of the containers' requests, not the scheduler's fit check).",
    "https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation",
    store_only=True,
)
def node_capacity(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    pods = [p for p in state.store.list("Pod") if p.node_name and not p.is_terminated]
    for node in state.store.list("Node"):
        here = [p for p in pods if p.node_name == node.name]
        if over := overcommitted(node, here):
            messages.append(f"Node {node.name} is overcommitted by pods "
                            f"{', '.join(f'{p.namespace}/{p.name}' for p in here)}: requests {', '.join(over)}")
    return messages


@step_property(
    "scheduled-pods-fit-their-node",
    "The scheduler binds a pod only to a node whose NoSchedule/NoExecute taints it tolerates, whose labels "
    "satisfy its nodeSelector and required node affinity, and whose allocatable holds its requests beside the "
    "unfinished pods the scheduler saw bound or assumed there (plain sums), as far as its informer has seen the node "
    "and pods (a taint the node controller adds while the binding is in flight is upstream's race, handled by "
    "NoExecute eviction; a pod its informer has not seen is the kubelet's admission to refuse).",
    "https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/",
)
def scheduled_pods_fit(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    action = step.action
    if not isinstance(action, SchedulePod) or action.node is None:
        return []
    if not step.result.responses or not step.result.responses[0].ok:
        return []
    pod = after.store.get("Pod", action.namespace, action.name)
    node = before.informer(SCHEDULER).cache.get("Node", None, action.node)
    if pod is None or node is None:
        return []
    messages = []
    taints = untolerated(node, pod.spec.tolerations)
    if taints:
        messages.append(f"pod {pod.namespace}/{pod.name} was bound to {node.name} despite its taint {taints[0]}")
    if not selects_node(pod.spec, node):
        messages.append(f"pod {pod.namespace}/{pod.name} was bound to {node.name}, which fails its node "
                        "selector or required affinity")
    if over := overcommitted(node, [*_seen_on(before, node.name, pod), pod]):
        messages.append(f"pod {pod.namespace}/{pod.name} was bound to {node.name}, whose allocatable it exceeds "
                        f"beside the pods the scheduler saw there: requests {', '.join(over)}")
    return messages


def _seen_on(state: ClusterState, node: str, pod: Any) -> list[Any]:
    """The unfinished pods other than ``pod`` the scheduler's informer shows on ``node``, with those it assumed
    there (bound by it, not yet seen back through the watch: the ``assumed`` memory of ``model.scheduler``)."""
    informer = state.informer(SCHEDULER)
    assumed = informer.memory.get("assumed") or {}
    return [p for p in informer.cache.list("Pod") if p.metadata.uid != pod.metadata.uid and not p.is_terminated
            and (p.node_name or assumed.get(p.key)) == node]


@invariant(
    "kubelet-runs-own-pods",
    "A kubelet runs a pod only while the API server has that pod bound to the kubelet's node (or no longer has it).",
    "https://kubernetes.io/docs/concepts/architecture/#kubelet",
    reads=frozenset({"store", "nodes"}),
)
def kubelet_runs_own_pods(state: ClusterState, config: ModelConfig) -> list[str]:
    by_uid = {p.metadata.uid: p for p in state.store.list("Pod")}
    messages = []
    for node, runtime in sorted(state.nodes.items()):
        for uid, pod_runtime in sorted(runtime.pods.items()):
            if not pod_runtime.any_running:
                continue
            pod = by_uid.get(uid)
            if pod is not None and pod.node_name != node:
                messages.append(f"node {node} runs pod {pod_runtime.namespace}/{pod_runtime.name}, which is bound "
                                f"to {pod.node_name or 'no node'}")
    return messages


@invariant(
    "pod-phase-follows-container-exits",
    "A pod with restartPolicy Never that its kubelet reports finished is Succeeded only if every app container "
    "exited 0 and Failed only if one did not, judged from the exit codes in the node's runtime, not from the phase "
    "the kubelet computed (pods it rejected or killed for deletion are left out).",
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase",
    reads=frozenset({"store", "nodes"}),
)
def pod_phase_follows_exits(state: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for node, runtime in sorted(state.nodes.items()):
        for uid, pod_runtime in sorted(runtime.pods.items()):
            pod = state.store.get("Pod", pod_runtime.namespace, pod_runtime.name)
            if pod is None or pod.metadata.uid != uid or pod.spec.restart_policy != "Never" or \
                    pod.status.phase not in ("Succeeded", "Failed") or pod_runtime.rejected or pod_runtime.killed:
                continue
            codes = [c.exit_code for c in pod_runtime.containers]
            if None in codes:
                continue
            expected = "Succeeded" if all(code == 0 for code in codes) else "Failed"
            if pod.status.phase != expected:
                messages.append(f"pod {pod.namespace}/{pod.name} is {pod.status.phase} though its containers exited "
                                f"with {codes} on {node}")
    return messages
