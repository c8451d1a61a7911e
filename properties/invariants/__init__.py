"""Every property kubeproof checks, by area."""

from properties.invariants import apiserver, liveness, nodes, refusals, rollouts, services, workloads
from properties.registry import Property

PROPERTIES: tuple[Property, ...] = (
    nodes.node_capacity,
    nodes.kubelet_runs_own_pods,
    services.routes_only_to_ready_pods,
    workloads.job_completions,
    workloads.daemonset_one_per_node,
    workloads.statefulset_identity,
    workloads.statefulset_storage,
    apiserver.quota_never_exceeded,
    apiserver.only_authorized,
    apiserver.names_unique,
    apiserver.resource_versions_increase,
    refusals.refusals_justified,
    refusals.no_lost_updates,
    nodes.scheduled_pods_fit,
    workloads.replicaset_bound,
    workloads.job_parallelism,
    rollouts.deployment_min_available,
    rollouts.pods_placed_where_tolerated,
    liveness.replicasets_converge,
    liveness.bound_pods_run,
    liveness.endpoints_converge,
    liveness.deployments_complete,
    liveness.daemonsets_converge,
    liveness.jobs_finish,
    liveness.statefulsets_converge,
)
