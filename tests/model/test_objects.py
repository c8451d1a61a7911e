"""Tests for model.objects: Kubernetes' defaulting and validation per kind, and from_dict/to_dict round trips.

Defaulting tables are ported from kubernetes/kubernetes:
- pkg/apis/apps/v1/defaults_test.go (TestSetDefaultDaemonSetSpec, TestSetDefaultStatefulSet,
  TestSetDefaultDeployment, TestDefaultDeploymentAvailability, TestSetDefaultReplicaSetReplicas);
- pkg/apis/batch/v1/defaults_test.go (TestSetDefaultJob);
- pkg/apis/core/v1/defaults_test.go (TestSetDefaultReplicationController, TestSetDefaultReplicationControllerReplicas,
  TestSetDefaultRequestsPod, TestSetDefaultPodSpecHostNetwork, TestSetDefaultSchedulerName,
  TestSetDefaulServiceTargetPort, TestSetDefaultServicePort, TestSetDefaulServiceExternalTraffic,
  TestSetDefaultNodeStatusAllocatable, TestSetDefaultLimitRangeItem, TestSetDefaultPersistentVolume,
  TestSetDefaultPersistentVolumeClaim, TestSetDefaulEndpointsProtocol, TestSetDefaultNamespace).
Validation rules (and their field paths and messages) follow pkg/apis/apps/validation/validation.go
(ValidateDeploymentSpec, ValidateRollingUpdateDeployment, ValidateRollingUpdateDaemonSet,
validateRollingUpdateStatefulSet, ValidatePodTemplateSpecForReplicaSet), pkg/apis/batch/validation/validation.go
(the Job template's restartPolicy) and pkg/apis/core/validation/validation.go (ValidateTolerations,
ValidateContainerResourceRequirements, validateContainers' duplicate names, ValidateNodeSelector), with cases
from the matching validation_test.go files.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.apiserver.validation import server_side_problem
from model.errors import ManifestError
from model.manifests import from_dict
from model.objects import MODELLED_KINDS, Deployment, Job, Pod
from model.quantity import parse_quantity
from model.rollout import scaled_value

# --------------------------------------------------------------------------------------------------------------
# Builders: the smallest valid manifest of each kind, and workloads around a pod template.

CONTAINER = {"name": "app", "image": "nginx:1.27"}
LABELS = {"app": "web"}


def pod_spec(**extra: Any) -> dict[str, Any]:
    return {"containers": [dict(CONTAINER)], **extra}


def template(labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"spec": pod_spec(**spec)}
    if labels is not None:
        out["metadata"] = {"labels": labels}
    return out


def doc(kind: str, api_version: str, name: str = "x", namespace: str | None = None,
        labels: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **body}


def pod(**spec: Any) -> dict[str, Any]:
    return doc("Pod", "v1", spec=pod_spec(**spec))


def deployment(spec: dict[str, Any] | None = None, **template_spec: Any) -> dict[str, Any]:
    return doc("Deployment", "apps/v1", spec={"selector": {"matchLabels": LABELS},
                                              "template": template(LABELS, **template_spec), **(spec or {})})


def replica_set(spec: dict[str, Any] | None = None, **template_spec: Any) -> dict[str, Any]:
    return doc("ReplicaSet", "apps/v1", spec={"selector": {"matchLabels": LABELS},
                                              "template": template(LABELS, **template_spec), **(spec or {})})


def daemon_set(spec: dict[str, Any] | None = None, **template_spec: Any) -> dict[str, Any]:
    return doc("DaemonSet", "apps/v1", spec={"selector": {"matchLabels": LABELS},
                                             "template": template(LABELS, **template_spec), **(spec or {})})


def stateful_set(spec: dict[str, Any] | None = None, **template_spec: Any) -> dict[str, Any]:
    return doc("StatefulSet", "apps/v1", spec={"selector": {"matchLabels": LABELS},
                                               "template": template(LABELS, **template_spec), **(spec or {})})


def replication_controller(spec: dict[str, Any] | None = None, labels: dict[str, str] | None = None,
                           template_labels: dict[str, str] | None = None, **template_spec: Any) -> dict[str, Any]:
    return doc("ReplicationController", "v1", labels=labels,
               spec={"template": template(template_labels or LABELS, **template_spec), **(spec or {})})


def job(spec: dict[str, Any] | None = None, labels: dict[str, str] | None = None,
        template_labels: dict[str, str] | None = None, **template_spec: Any) -> dict[str, Any]:
    template_spec.setdefault("restartPolicy", "Never")
    return doc("Job", "batch/v1", labels=labels, spec={"template": template(template_labels, **template_spec),
                                                       **(spec or {})})


MINIMAL: dict[str, dict[str, Any]] = {
    "Namespace": doc("Namespace", "v1"),
    "Node": doc("Node", "v1"),
    "Pod": pod(),
    "Service": doc("Service", "v1", spec={"ports": [{"port": 80}]}),
    "Endpoints": doc("Endpoints", "v1"),
    "PersistentVolume": doc("PersistentVolume", "v1"),
    "PersistentVolumeClaim": doc("PersistentVolumeClaim", "v1"),
    "ResourceQuota": doc("ResourceQuota", "v1"),
    "LimitRange": doc("LimitRange", "v1", spec={"limits": [{"type": "Container"}]}),
    "Role": doc("Role", "rbac.authorization.k8s.io/v1"),
    "ClusterRole": doc("ClusterRole", "rbac.authorization.k8s.io/v1"),
    "RoleBinding": doc("RoleBinding", "rbac.authorization.k8s.io/v1", roleRef={"kind": "Role", "name": "r"}),
    "ClusterRoleBinding": doc("ClusterRoleBinding", "rbac.authorization.k8s.io/v1",
                              roleRef={"kind": "ClusterRole", "name": "r"}),
    "ReplicationController": replication_controller(),
    "ReplicaSet": replica_set(),
    "Deployment": deployment(),
    "DaemonSet": daemon_set(),
    "Job": job(),
    "StatefulSet": stateful_set(),
    "PriorityClass": doc("PriorityClass", "scheduling.k8s.io/v1", value=1000),
    "ServiceAccount": doc("ServiceAccount", "v1"),
    "HorizontalPodAutoscaler": doc("HorizontalPodAutoscaler", "autoscaling/v2", spec={
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3}),
    "PodMetrics": doc("PodMetrics", "metrics.k8s.io/v1beta1"),
    "NodeMetrics": doc("NodeMetrics", "metrics.k8s.io/v1beta1"),
    "PodDisruptionBudget": doc("PodDisruptionBudget", "policy/v1", spec={"minAvailable": 1}),
}


def error_of(data: dict[str, Any]) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        from_dict(data)
    return info.value


def test_minimal_manifests_cover_every_modelled_kind() -> None:
    assert sorted(MINIMAL) == sorted(cls.KIND for cls in MODELLED_KINDS)


# --------------------------------------------------------------------------------------------------------------
# Namespaces: namespaced kinds default to "default"; cluster-scoped kinds have none.

@pytest.mark.parametrize("cls", MODELLED_KINDS, ids=lambda cls: cls.KIND)
def test_namespace_defaulting(cls: type) -> None:
    data = copy.deepcopy(MINIMAL[cls.KIND])
    obj = from_dict(data)
    assert type(obj) is cls
    assert obj.namespace == ("default" if cls.NAMESPACED else None)
    data["metadata"]["namespace"] = "team-a"
    assert from_dict(data).namespace == ("team-a" if cls.NAMESPACED else None)


@pytest.mark.parametrize("cls", MODELLED_KINDS, ids=lambda cls: cls.KIND)
def test_minimal_manifests_round_trip(cls: type) -> None:
    obj = from_dict(MINIMAL[cls.KIND])
    out = obj.to_dict()
    assert (out["apiVersion"], out["kind"]) == (cls.API_VERSION, cls.KIND)
    assert from_dict(out) == obj
    assert hash(from_dict(out)) == hash(obj)


@pytest.mark.parametrize("metadata", [{}, {"name": ""}, {"namespace": "a"}])
def test_a_name_or_generate_name_is_required(metadata: dict[str, Any]) -> None:
    """ValidateObjectMeta: ``name or generateName is required`` (an empty name is no name)."""
    error = error_of({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec()})
    assert str(error) == "metadata.name: Required value: name or generateName is required"


def test_generate_name_alone_is_enough() -> None:
    obj = from_dict({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-"}, "spec": pod_spec()})
    assert obj.metadata.generate_name == "web-" and obj.metadata.name is None


# --------------------------------------------------------------------------------------------------------------
# Deployment: TestSetDefaultDeployment, TestDefaultDeploymentAvailability.

@pytest.mark.parametrize("spec, expected", [
    ({}, (1, "RollingUpdate", "25%", "25%", 10, 600)),
    ({"replicas": 5, "strategy": {"rollingUpdate": {"maxSurge": 5}}}, (5, "RollingUpdate", 5, "25%", 10, 600)),
    ({"replicas": 3, "strategy": {"type": "RollingUpdate"}}, (3, "RollingUpdate", "25%", "25%", 10, 600)),
    ({"replicas": 5, "strategy": {"type": "Recreate"}, "revisionHistoryLimit": 0}, (5, "Recreate", None, None, 0, 600)),
    ({"replicas": 5, "strategy": {"type": "Recreate"}, "progressDeadlineSeconds": 30, "revisionHistoryLimit": 2},
     (5, "Recreate", None, None, 2, 30)),
])
def test_deployment_defaults(spec: dict[str, Any], expected: tuple) -> None:
    d = from_dict(deployment(spec))
    s = d.spec
    assert (s.replicas, s.strategy.type, s.strategy.max_surge, s.strategy.max_unavailable,
            s.revision_history_limit, s.progress_deadline_seconds) == expected
    assert (s.min_ready_seconds, s.paused) == (0, False)
    out = d.to_dict()["spec"]
    assert out["replicas"] == expected[0] and out["progressDeadlineSeconds"] == expected[5]
    if expected[1] == "RollingUpdate":
        assert out["strategy"] == {"type": "RollingUpdate",
                                   "rollingUpdate": {"maxSurge": expected[2], "maxUnavailable": expected[3]}}
    else:
        assert out["strategy"] == {"type": "Recreate"}


def test_default_deployment_keeps_a_replica_available() -> None:
    """TestDefaultDeploymentAvailability: the default maxUnavailable never takes every replica down."""
    d = from_dict(deployment())
    assert d.spec.replicas - scaled_value(d.spec.strategy.max_unavailable, d.spec.replicas, False) > 0


@pytest.mark.parametrize("replicas, expected", [(None, 1), (0, 0), (3, 3)])
def test_replica_set_replicas_default(replicas: int | None, expected: int) -> None:
    """TestSetDefaultReplicaSetReplicas."""
    spec = {} if replicas is None else {"replicas": replicas}
    assert from_dict(replica_set(spec)).spec.replicas == expected


# --------------------------------------------------------------------------------------------------------------
# Pods: SetDefaults_PodSpec, SetDefaults_Pod, SetDefaults_ContainerPort.

def test_pod_spec_defaults() -> None:
    """SetDefaults_PodSpec (TestSetDefaultSchedulerName) and SetDefaults_ContainerPort."""
    p = from_dict(pod(containers=[{"name": "c", "ports": [{"containerPort": 80}]}]))
    assert (p.spec.restart_policy, p.spec.termination_grace_period_seconds, p.spec.scheduler_name) == (
        "Always", 30, "default-scheduler")
    assert p.spec.containers[0].ports[0].protocol == "TCP"
    assert p.spec.containers[0].ports[0].host_port is None
    assert p.status.phase == "Pending"
    out = p.to_dict()["spec"]
    assert (out["restartPolicy"], out["terminationGracePeriodSeconds"], out["schedulerName"]) == (
        "Always", 30, "default-scheduler")


def test_requests_default_to_limits() -> None:
    """TestSetDefaultRequestsPod: a limit without a request is also the request; an explicit 0 stays."""
    resources = {"requests": {"memory": "0"}, "limits": {"cpu": "100m", "memory": "1Gi"}}
    p = from_dict(pod(containers=[{"name": "c", "resources": resources}],
                      initContainers=[{"name": "i", "resources": resources}]))
    for container in (p.spec.containers[0], p.spec.init_containers[0]):
        assert {k: str(v) for k, v in container.resources.requests.items()} == {"cpu": "100m", "memory": "0"}
    assert p.to_dict()["spec"]["containers"][0]["resources"]["requests"] == {"memory": "0", "cpu": "100m"}
    bare = from_dict(pod(containers=[{"name": "c"}], initContainers=[{"name": "i"}]))
    assert not bare.spec.containers[0].resources.requests and not bare.spec.init_containers[0].resources.requests


def test_host_network_pods_use_their_container_ports_on_the_host() -> None:
    """TestSetDefaultPodSpecHostNetwork (defaultHostNetworkPorts), for containers and init containers."""
    ports = [{"containerPort": 8080}, {"containerPort": 9090, "hostPort": 9091}]
    p = from_dict(pod(hostNetwork=True, containers=[{"name": "c", "ports": ports}],
                      initContainers=[{"name": "i", "ports": ports[:1]}]))
    assert [port.host_port for port in p.spec.containers[0].ports] == [8080, 9091]
    assert p.spec.init_containers[0].ports[0].host_port == 8080
    assert from_dict(p.to_dict()) == p
    plain = from_dict(pod(containers=[{"name": "c", "ports": ports}]))
    assert [port.host_port for port in plain.spec.containers[0].ports] == [None, 9091]


# --------------------------------------------------------------------------------------------------------------
# Jobs: TestSetDefaultJob.

@pytest.mark.parametrize("name, spec, labels, expected, labels_defaulted", [
    ("All unspecified -> sets all to default values", {}, None, (1, 1, 6, "NonIndexed", False), True),
    ("suspend set, everything else is defaulted", {"suspend": True}, None, (1, 1, 6, "NonIndexed", True), True),
    ("All unspecified -> all pointers, CompletionMode are defaulted and no default labels", {},
     {"mylabel": "myvalue"}, (1, 1, 6, "NonIndexed", False), False),
    ("WQ: Parallelism explicitly 0 and completions unset -> BackoffLimit is defaulted", {"parallelism": 0}, None,
     (None, 0, 6, "NonIndexed", False), True),
    ("WQ: Parallelism explicitly 2 and completions unset -> BackoffLimit is defaulted", {"parallelism": 2}, None,
     (None, 2, 6, "NonIndexed", False), True),
    ("Completions explicitly 2 and others unset -> parallelism and BackoffLimit are defaulted", {"completions": 2},
     None, (2, 1, 6, "NonIndexed", False), True),
    ("BackoffLimit explicitly 5 and others unset -> parallelism and completions are defaulted",
     {"backoffLimit": 5}, None, (1, 1, 5, "NonIndexed", False), True),
    ("All set -> no change", {"completions": 8, "parallelism": 9, "backoffLimit": 10, "completionMode": "NonIndexed",
                              "suspend": True}, None, (8, 9, 10, "NonIndexed", True), True),
    ("All set, flipped -> no change", {"completions": 11, "parallelism": 10, "backoffLimit": 9,
                                       "completionMode": "Indexed", "suspend": True}, None,
     (11, 10, 9, "Indexed", True), True),
])
def test_job_defaults(name: str, spec: dict, labels: dict | None, expected: tuple, labels_defaulted: bool) -> None:
    template_labels = {"default": "default"}
    j = from_dict(job(spec, labels=labels, template_labels=template_labels))
    s = j.spec
    assert (s.completions, s.parallelism, s.backoff_limit, s.completion_mode, s.suspend) == expected, name
    assert (j.metadata.labels == template_labels) is labels_defaulted


def test_job_backoff_limit_per_index_defaults_backoff_limit_to_max_int32() -> None:
    """SetDefaults_Job: with backoffLimitPerIndex the job-level backoffLimit is effectively unlimited."""
    j = from_dict(job({"completions": 3, "completionMode": "Indexed", "backoffLimitPerIndex": 1}))
    assert j.spec.backoff_limit == 2**31 - 1


# --------------------------------------------------------------------------------------------------------------
# ReplicationController: TestSetDefaultReplicationController, TestSetDefaultReplicationControllerReplicas.

@pytest.mark.parametrize("labels, selector, expect_labels, expect_selector", [
    (None, None, True, True),
    ({"bar": "foo"}, None, False, True),
    ({"bar": "foo"}, {"some": "other"}, False, False),
    (None, {"some": "other"}, True, False),
])
def test_replication_controller_selector_and_labels_default_to_the_template_labels(
        labels: dict | None, selector: dict | None, expect_labels: bool, expect_selector: bool) -> None:
    template_labels = {"foo": "bar"} if selector is None else {"foo": "bar", "some": "other"}
    spec = {} if selector is None else {"selector": selector}
    rc = from_dict(replication_controller(spec, labels=labels, template_labels=template_labels))
    assert (rc.spec.selector == template_labels) is expect_selector
    assert (rc.metadata.labels == template_labels) is expect_labels
    assert rc.spec.selector == (selector or template_labels)


@pytest.mark.parametrize("replicas, expected", [(None, 1), (0, 0), (3, 3)])
def test_replication_controller_replicas_default(replicas: int | None, expected: int) -> None:
    spec = {} if replicas is None else {"replicas": replicas}
    assert from_dict(replication_controller(spec)).spec.replicas == expected


# --------------------------------------------------------------------------------------------------------------
# DaemonSet and StatefulSet: TestSetDefaultDaemonSetSpec, TestSetDefaultStatefulSet.

def test_daemon_set_defaults() -> None:
    ds = from_dict(daemon_set())
    strategy = ds.spec.update_strategy
    assert (strategy.type, strategy.rolling_update.max_unavailable, strategy.rolling_update.max_surge) == (
        "RollingUpdate", 1, 0)
    assert ds.spec.revision_history_limit == 10
    assert not ds.metadata.labels  # apps/v1 does not copy the template's labels (extensions/v1beta1 did)
    assert ds.to_dict()["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                                      "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert from_dict(daemon_set({"revisionHistoryLimit": 1})).spec.revision_history_limit == 1
    on_delete = from_dict(daemon_set({"updateStrategy": {"type": "OnDelete"}})).spec.update_strategy
    assert (on_delete.type, on_delete.rolling_update) == ("OnDelete", None)


@pytest.mark.parametrize("spec, policy, strategy, partition, max_unavailable, retention", [
    ({}, "OrderedReady", "RollingUpdate", 0, None, ("Retain", "Retain")),
    ({"updateStrategy": {"type": "OnDelete"}}, "OrderedReady", "OnDelete", None, None, ("Retain", "Retain")),
    ({"podManagementPolicy": "Parallel"}, "Parallel", "RollingUpdate", 0, None, ("Retain", "Retain")),
    ({"updateStrategy": {"rollingUpdate": {"partition": 42}}}, "OrderedReady", "RollingUpdate", 42, None,
     ("Retain", "Retain")),
    ({"persistentVolumeClaimRetentionPolicy": {"whenScaled": "Delete"}}, "OrderedReady", "RollingUpdate", 0, None,
     ("Retain", "Delete")),
    ({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete"}}, "OrderedReady", "RollingUpdate", 0, None,
     ("Delete", "Retain")),
    ({"updateStrategy": {"rollingUpdate": {"partition": 42, "maxUnavailable": 3}}}, "OrderedReady", "RollingUpdate",
     42, 3, ("Retain", "Retain")),
])
def test_stateful_set_defaults(spec: dict, policy: str, strategy: str, partition: int | None,
                               max_unavailable: int | None, retention: tuple[str, str]) -> None:
    s = from_dict(stateful_set(spec)).spec
    assert (s.replicas, s.revision_history_limit, s.min_ready_seconds, s.ordinals.start) == (1, 10, 0, 0)
    assert s.pod_management_policy == policy
    assert s.update_strategy.type == strategy
    rolling = s.update_strategy.rolling_update
    assert (None if rolling is None else rolling.partition) == partition
    assert (None if rolling is None else rolling.max_unavailable) == max_unavailable
    policy_ = s.persistent_volume_claim_retention_policy
    assert (policy_.when_deleted, policy_.when_scaled) == retention


# --------------------------------------------------------------------------------------------------------------
# Services and Endpoints.

def service(*ports: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return doc("Service", "v1", spec={"ports": list(ports), **spec})


def test_service_defaults() -> None:
    """SetDefaults_Service and TestSetDefaulServiceTargetPort."""
    s = from_dict(service({"port": 1234})).spec
    assert (s.type, s.session_affinity, s.external_traffic_policy) == ("ClusterIP", "None", None)
    assert (s.ports[0].protocol, s.ports[0].target_port) == ("TCP", 1234)
    assert from_dict(service({"port": 1234, "targetPort": 5678})).spec.ports[0].target_port == 5678


def test_service_port_defaults() -> None:
    """TestSetDefaultServicePort: set values are kept; an empty or zero targetPort is the port."""
    kept = from_dict(service({"protocol": "UDP", "port": 9376, "targetPort": "p"},
                             {"protocol": "UDP", "port": 8675, "targetPort": 309})).spec.ports
    assert [(p.protocol, p.target_port) for p in kept] == [("UDP", "p"), ("UDP", 309)]
    defaulted = from_dict(service({"port": 9376, "targetPort": ""}, {"port": 8675, "targetPort": 0})).spec.ports
    assert [(p.protocol, p.target_port) for p in defaulted] == [("TCP", 9376), ("TCP", 8675)]


@pytest.mark.parametrize("type_, expected", [("ClusterIP", None), ("NodePort", "Cluster"), ("LoadBalancer", "Cluster")])
def test_service_external_traffic_policy_default(type_: str, expected: str | None) -> None:
    """TestSetDefaulServiceExternalTraffic."""
    assert from_dict(service({"port": 80}, type=type_)).spec.external_traffic_policy == expected


def test_endpoints_ports_default_to_tcp() -> None:
    """TestSetDefaulEndpointsProtocol."""
    e = from_dict(doc("Endpoints", "v1", subsets=[{"ports": [{"port": 1}, {"port": 2, "protocol": "UDP"}]}]))
    assert [p.protocol for p in e.subsets[0].ports] == ["TCP", "UDP"]


# --------------------------------------------------------------------------------------------------------------
# Cluster and storage kinds.

CAPACITY = {"cpu": "1000m", "memory": "10G"}
ALLOCATABLE = {"cpu": "500m", "memory": "5G"}


@pytest.mark.parametrize("capacity, allocatable, expected", [
    (CAPACITY, ALLOCATABLE, ALLOCATABLE),  # everything set, no defaulting
    (None, ALLOCATABLE, ALLOCATABLE),  # allocatable set, no defaulting
    (CAPACITY, None, CAPACITY),  # allocatable defaults to capacity
    (None, None, {}),
])
def test_node_allocatable_defaults_to_capacity(capacity: dict | None, allocatable: dict | None,
                                               expected: dict) -> None:
    """TestSetDefaultNodeStatusAllocatable."""
    status = {k: v for k, v in (("capacity", capacity), ("allocatable", allocatable)) if v is not None}
    node = from_dict(doc("Node", "v1", status=status))
    assert node.allocatable == {k: parse_quantity(v) for k, v in expected.items()}


def test_namespace_defaults() -> None:
    """TestSetDefaultNamespace and SetDefaults_Namespace's kubernetes.io/metadata.name label (which overrides
    a user's value for it)."""
    ns = from_dict(doc("Namespace", "v1", name="prod", labels={"env": "prod", "kubernetes.io/metadata.name": "x"}))
    assert ns.status.phase == "Active"
    assert ns.labels == {"env": "prod", "kubernetes.io/metadata.name": "prod"}


def test_persistent_volume_defaults() -> None:
    """TestSetDefaultPersistentVolume and TestSetDefaultPersistentVolumeClaim."""
    pv = from_dict(doc("PersistentVolume", "v1"))
    assert (pv.spec.persistent_volume_reclaim_policy, pv.spec.volume_mode, pv.status.phase) == (
        "Retain", "Filesystem", "Pending")
    assert from_dict(doc("PersistentVolume", "v1", spec={"volumeMode": "Block"})).spec.volume_mode == "Block"
    pvc = from_dict(doc("PersistentVolumeClaim", "v1"))
    assert (pvc.spec.volume_mode, pvc.status.phase) == ("Filesystem", "Pending")


def test_priority_class_and_rbac_defaults() -> None:
    pc = from_dict(MINIMAL["PriorityClass"])
    assert (pc.global_default, pc.preemption_policy) == (False, "PreemptLowerPriority")
    rb = from_dict(doc("RoleBinding", "rbac.authorization.k8s.io/v1", roleRef={"kind": "Role", "name": "r"},
                       subjects=[{"kind": "User", "name": "alice"},
                                 {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}]))
    assert rb.role_ref.api_group == "rbac.authorization.k8s.io"
    assert [s.api_group for s in rb.subjects] == ["rbac.authorization.k8s.io", None]  # SetDefaults_Subject


# --------------------------------------------------------------------------------------------------------------
# LimitRange: TestSetDefaultLimitRangeItem (SetDefaults_LimitRangeItem).

def limit_range(*items: dict[str, Any]) -> dict[str, Any]:
    return doc("LimitRange", "v1", spec={"limits": list(items)})


def shown(resources: Any) -> dict[str, str]:
    return {k: str(v) for k, v in resources.items()}


def test_limit_range_item_defaults() -> None:
    item = from_dict(limit_range({"type": "Container", "max": {"cpu": "100m"}, "min": {"memory": "100Mi"},
                                  "default": {}, "defaultRequest": {}})).spec.limits[0]
    assert shown(item.default) == {"cpu": "100m"}  # default limit <- max
    assert shown(item.default_request) == {"cpu": "100m", "memory": "100Mi"}  # <- default, else <- min


@pytest.mark.parametrize("item, default, default_request", [
    ({"max": {"cpu": "2"}, "default": {"cpu": "1"}}, {"cpu": "1"}, {"cpu": "1"}),
    ({"default": {"cpu": "1"}, "defaultRequest": {"cpu": "500m"}, "min": {"cpu": "100m"}}, {"cpu": "1"},
     {"cpu": "500m"}),
    ({"max": {"memory": "1Gi"}, "min": {"memory": "64Mi"}}, {"memory": "1Gi"}, {"memory": "1Gi"}),
    ({"min": {"memory": "64Mi"}}, {}, {"memory": "64Mi"}),
])
def test_limit_range_item_explicit_values_win(item: dict, default: dict, default_request: dict) -> None:
    got = from_dict(limit_range({"type": "Container", **item})).spec.limits[0]
    assert (shown(got.default), shown(got.default_request)) == (default, default_request)


@pytest.mark.parametrize("type_", ["Pod", "PersistentVolumeClaim"])
def test_only_container_limits_are_defaulted(type_: str) -> None:
    got = from_dict(limit_range({"type": type_, "max": {"cpu": "2"}, "min": {"cpu": "1"}})).spec.limits[0]
    assert not got.default and not got.default_request


def test_a_limit_range_may_have_no_limits() -> None:
    """LimitRangeSpec.limits is not required by validation; an empty list survives a round trip."""
    for data in (doc("LimitRange", "v1"), limit_range()):
        obj = from_dict(data)
        assert obj.spec.limits == () and from_dict(obj.to_dict()) == obj


# --------------------------------------------------------------------------------------------------------------
# Validation errors, with exact field paths.

def test_selector_must_match_template_labels() -> None:
    error = error_of(deployment({"selector": {"matchLabels": {"app": "db"}}}))
    assert error.field == "spec.template.metadata.labels"
    assert error.message == "Invalid value: {'app': 'web'}: `selector` does not match template `labels`"


@pytest.mark.parametrize("build, message", [
    (deployment, "Invalid value: empty selector is invalid for deployment"),
    (replica_set, "Invalid value: empty selector is invalid for deployment"),  # upstream's own wording
    (daemon_set, "Invalid value: empty selector is invalid for daemonset"),
    (stateful_set, "Invalid value: empty selector is invalid for statefulset"),
])
def test_empty_selectors_are_invalid(build: Callable[..., dict], message: str) -> None:
    assert str(error_of(build({"selector": {}}))) == f"spec.selector: {message}"
    data = build()
    del data["spec"]["selector"]
    assert str(error_of(data)) == "spec.selector: Required value"


def test_job_rejects_restart_policy_always() -> None:
    """The Job's pods must be OnFailure or Never; a template without restartPolicy defaults to Always."""
    expected = ('spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", '
                '"Never"')
    assert str(error_of(job(restartPolicy="Always"))) == expected
    data = job()
    del data["spec"]["template"]["spec"]["restartPolicy"]
    assert str(error_of(data)) == expected
    assert from_dict(job(restartPolicy="OnFailure")).spec.template.spec.restart_policy == "OnFailure"


@pytest.mark.parametrize("build, kind", [
    (deployment, "ReplicaSet"), (replica_set, "ReplicaSet"), (daemon_set, "DaemonSet"),
    (stateful_set, "StatefulSet"), (replication_controller, "ReplicationController"),
])
def test_long_running_workloads_need_pods_that_run_forever(build: Callable[..., dict], kind: str) -> None:
    """ValidatePodTemplateSpecForReplicaSet (and its RC, DaemonSet, StatefulSet counterparts)."""
    assert str(error_of(build(restartPolicy="OnFailure"))) == (
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"')
    assert str(error_of(build(activeDeadlineSeconds=30))) == (
        f"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in {kind} is not Supported")


def test_invalid_quantity_names_its_field() -> None:
    data = deployment()
    data["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1.1.1"}}
    assert str(error_of(data)) == 'spec.template.spec.containers[0].resources.requests.cpu: invalid quantity "1.1.1"'


def test_request_above_limit_is_invalid() -> None:
    """ValidateContainerResourceRequirements reports the whole requests field."""
    data = pod(containers=[{"name": "c", "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}])
    assert str(error_of(data)) == (
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1')
    ok = pod(containers=[{"name": "c", "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "1000m"}}}])
    assert from_dict(ok).spec.containers[0].resources.requests["cpu"] == parse_quantity("1")


def test_negative_quantities_are_invalid() -> None:
    data = pod(containers=[{"name": "c", "resources": {"limits": {"memory": "-1"}}}])
    assert str(error_of(data)) == (
        'spec.containers[0].resources.limits.memory: Invalid value: "-1": must be greater than or equal to 0')


@pytest.mark.parametrize("build", [deployment, replica_set, stateful_set, replication_controller])
def test_negative_replicas_are_invalid(build: Callable[..., dict]) -> None:
    assert str(error_of(build({"replicas": -1}))) == (
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0")


def test_wrong_types_name_their_field() -> None:
    assert str(error_of(deployment({"replicas": "3"}))) == "spec.replicas: expected an integer, got string"
    assert str(error_of(deployment({"paused": 1}))) == "spec.paused: expected a boolean, got number"
    assert str(error_of(deployment({"replicas": True}))) == "spec.replicas: expected an integer, got boolean"
    assert str(error_of(pod(containers={"name": "c"}))) == "spec.containers: expected an array, got object"
    assert str(error_of(pod(restartPolicy="Sometimes"))) == (
        'spec.restartPolicy: unsupported value "Sometimes": supported values: "Always", "OnFailure", "Never"')


def toleration_error(toleration: dict[str, Any]) -> str:
    return str(error_of(pod(tolerations=[{"key": "ok", "operator": "Exists"}, toleration])))


@pytest.mark.parametrize("toleration, expected", [
    ({"operator": "Equal", "value": "v"}, 'spec.tolerations[1].operator: Invalid value: "Equal": operator must be '
     'Exists when `key` is empty, which means "match all values and all keys"'),
    ({"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 60},
     "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when "
     "`tolerationSeconds` is set"),
    ({"key": "k", "operator": "In"}, 'spec.tolerations[1].operator: unsupported value "In": supported values: "", '
     '"Equal", "Exists", "Gt", "Lt"'),
    ({"key": "k", "effect": "NoRun"}, 'spec.tolerations[1].effect: unsupported value "NoRun": supported values: "", '
     '"NoSchedule", "PreferNoSchedule", "NoExecute"'),
])
def test_toleration_rules(toleration: dict[str, Any], expected: str) -> None:
    """ValidateTolerations (cases from TestValidatePod's toleration errors)."""
    assert toleration_error(toleration) == expected


@pytest.mark.xfail(strict=True, reason="model/taints.py reports spec.tolerations[i].value; upstream "
                   "ValidateTolerations (and TestValidatePod's \"value must be empty when `operator` is 'Exists'\") "
                   "reports spec.tolerations[i].operator")
def test_toleration_with_exists_and_a_value_is_reported_at_the_operator() -> None:
    error = error_of(pod(tolerations=[{"key": "foo", "operator": "Exists", "value": "bar", "effect": "NoSchedule"}]))
    assert error.field == "spec.tolerations[0].operator"


def test_valid_tolerations_and_the_empty_operator() -> None:
    p = from_dict(pod(tolerations=[{"operator": "Exists"}, {"key": "k", "value": "v"},
                                   {"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}]))
    assert [t.operator for t in p.spec.tolerations] == ["Exists", "Equal", "Exists"]


def test_container_names_are_unique_across_init_and_regular_containers() -> None:
    twice = pod(containers=[{"name": "app"}, {"name": "app"}])
    assert str(error_of(twice)) == 'spec.containers[1].name: Duplicate value: "app"'
    across = pod(initContainers=[{"name": "app"}], containers=[{"name": "app"}])
    assert str(error_of(across)) == 'spec.containers[0].name: Duplicate value: "app"'


@pytest.mark.parametrize("rolling_update, expected", [
    ({"maxSurge": 0, "maxUnavailable": 0}, "Invalid value: 0: may not be 0 when `maxSurge` is 0"),
    ({"maxSurge": "0%", "maxUnavailable": "0%"}, 'Invalid value: "0%": may not be 0 when `maxSurge` is 0'),
    ({"maxSurge": 0, "maxUnavailable": "00%"}, 'Invalid value: "00%": may not be 0 when `maxSurge` is 0'),
    ({"maxUnavailable": "150%"}, 'Invalid value: "150%": must not be greater than 100%'),
    ({"maxUnavailable": -1}, "Invalid value: -1: must be greater than or equal to 0"),
    ({"maxUnavailable": "5.5%"}, "Invalid value: \"5.5%\": a valid percent string must be a numeric string followed "
     "by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"),
    ({"maxUnavailable": "\u00b2%"}, "Invalid value: \"\u00b2%\": a valid percent string must be a numeric string "
     "followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"),
])
def test_deployment_rolling_update_bounds(rolling_update: dict[str, Any], expected: str) -> None:
    """ValidateRollingUpdateDeployment: both bounds zero, more than 100% unavailable, not a percent."""
    error = error_of(deployment({"strategy": {"rollingUpdate": rolling_update}}))
    assert str(error) == f"spec.strategy.rollingUpdate.maxUnavailable: {expected}"


def test_deployment_strategy_rules() -> None:
    ok = from_dict(deployment({"strategy": {"rollingUpdate": {"maxSurge": "100%", "maxUnavailable": 0}}}))
    assert ok.spec.strategy.max_surge == "100%"
    assert str(error_of(deployment({"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}))) == (
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'")
    assert str(error_of(deployment({"minReadySeconds": 600}))) == (
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds")


@pytest.mark.parametrize("rolling_update, expected", [
    ({"maxSurge": 1}, "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when "
     "maxUnavailable is non-zero"),
    ({"maxUnavailable": 0}, "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when "
     "maxSurge is 0"),
    ({"maxUnavailable": "0%", "maxSurge": "0%"}, "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: "
     "cannot be 0 when maxSurge is 0"),
    ({"maxUnavailable": 0, "maxSurge": "101%"}, 'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "101%": '
     "must not be greater than 100%"),
])
def test_daemon_set_rolling_update_needs_exactly_one_non_zero_bound(rolling_update: dict, expected: str) -> None:
    """ValidateRollingUpdateDaemonSet: defaulting fills maxUnavailable 1, so a lone maxSurge is rejected."""
    assert str(error_of(daemon_set({"updateStrategy": {"rollingUpdate": rolling_update}}))) == expected


def test_daemon_set_surge_without_unavailability_is_valid() -> None:
    ds = from_dict(daemon_set({"updateStrategy": {"rollingUpdate": {"maxSurge": "10%", "maxUnavailable": 0}}}))
    assert (ds.spec.update_strategy.rolling_update.max_surge, ds.spec.update_strategy.rolling_update.max_unavailable) \
        == ("10%", 0)
    on_delete = daemon_set({"updateStrategy": {"type": "OnDelete", "rollingUpdate": {"maxSurge": 1}}})
    assert from_dict(on_delete).spec.update_strategy.type == "OnDelete"  # not validated for OnDelete


@pytest.mark.parametrize("max_unavailable, expected", [
    (0, "Invalid value: 0: cannot be 0"), ("0%", 'Invalid value: "0%": cannot be 0'),
    ("101%", 'Invalid value: "101%": must not be greater than 100%'),
])
def test_stateful_set_max_unavailable(max_unavailable: int | str, expected: str) -> None:
    """validateRollingUpdateStatefulSet."""
    error = error_of(stateful_set({"updateStrategy": {"rollingUpdate": {"maxUnavailable": max_unavailable}}}))
    assert str(error) == f"spec.updateStrategy.rollingUpdate.maxUnavailable: {expected}"


def test_job_rules() -> None:
    """An Indexed job needs completions (defaulting gives it 1 only when parallelism is unset too)."""
    assert str(error_of(job({"completionMode": "Indexed", "parallelism": 2}))) == (
        "spec.completions: Required value: when completion mode is Indexed")
    assert from_dict(job({"completionMode": "Indexed"})).spec.completions == 1
    assert str(error_of(job({"parallelism": -1}))) == (
        "spec.parallelism: Invalid value: -1: must be greater than or equal to 0")


@pytest.mark.parametrize("data, expected", [
    (service({"port": 0}), "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    (pod(containers=[{"name": "c", "ports": [{"containerPort": 70000}]}]),
     "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
    (doc("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", roleRef={"kind": "Role", "name": "r"}),
     'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"'),
    (doc("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", roleRef={"kind": "ClusterRole", "name": "r"},
         subjects=[{"kind": "ServiceAccount", "name": "sa"}]), "subjects[0].namespace: Required value"),
    (doc("Role", "rbac.authorization.k8s.io/v1", rules=[{"verbs": []}]),
     "rules[0].verbs: Required value: verbs must contain at least one value"),
    (doc("PriorityClass", "scheduling.k8s.io/v1", value=2_000_000_000),
     "value: Invalid value: 2000000000: maximum allowed value of a user defined priority is 1000000000"),
    (pod(topologySpreadConstraints=[{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]),
     "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"),
    (pod(topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway",
                                     "minDomains": 2}]),
     "spec.topologySpreadConstraints[0].minDomains: Invalid value: 2: can only use minDomains if "
     "whenUnsatisfiable=DoNotSchedule"),
    (pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "zone", "operator": "In"}]}]}}}),
     "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]."
     "matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"),
    (pod(volumes=[{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]),
     'spec.volumes[1].name: Duplicate value: "v"'),
    (doc("Pod", "v1"), "spec: Required value"),
])
def test_other_validation_rules(data: dict[str, Any], expected: str) -> None:
    assert str(error_of(data)) == expected


# --------------------------------------------------------------------------------------------------------------
# What the API server rejects on create although loading keeps it (model.apiserver.validation).

@pytest.mark.parametrize("data, expected", [
    (limit_range({"max": {"cpu": "1"}}), ("spec.limits[0].type", 'Invalid value: "": name part must be non-empty')),
    (limit_range({"type": "Container"}, {"type": "Node"}),
     ("spec.limits[1].type", 'Invalid value: "Node": must be a standard limit type or fully qualified')),
    (pod(containers=[{"name": "c", "resources": {"requests": {"example.com/gpu": "1"}}}]),
     ("spec.containers[0].resources.limits", "Required value: Limit must be set for non overcommitable resources")),
    (pod(initContainers=[{"name": "i", "resources": {"requests": {"hugepages-2Mi": "2Mi"},
                                                     "limits": {"hugepages-2Mi": "4Mi"}}}]),
     ("spec.initContainers[0].resources.requests", 'Invalid value: "2Mi": must be equal to hugepages-2Mi limit of '
      "4Mi")),
    (deployment(containers=[{"name": "c", "resources": {"requests": {"nvidia.com/gpu": "1"},
                                                        "limits": {"nvidia.com/gpu": "2"}}}]),
     ("spec.template.spec.containers[0].resources.requests", 'Invalid value: "1": must be equal to nvidia.com/gpu '
      "limit of 2")),
    (pod(affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}}),
     ("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
      "Required value: must have at least one node selector term")),
])
def test_server_side_problems(data: dict[str, Any], expected: tuple[str, str]) -> None:
    obj = from_dict(data)
    assert server_side_problem(obj) == expected
    assert from_dict(obj.to_dict()) == obj


@pytest.mark.parametrize("data", [
    pod(containers=[{"name": "c", "resources": {"limits": {"example.com/gpu": "2"}}}]),  # request defaults to 2
    pod(containers=[{"name": "c", "resources": {"requests": {"cpu": "1", "kubernetes.io/batch": "1"}}}]),
    limit_range({"type": "Container"}, {"type": "example.com/thing"}),
    MINIMAL["Service"],
])
def test_valid_objects_have_no_server_side_problem(data: dict[str, Any]) -> None:
    assert server_side_problem(from_dict(data)) is None


# --------------------------------------------------------------------------------------------------------------
# Round trips: generated Kubernetes dicts for several kinds.
#
# Each strategy draws only fields the model understands, with valid values, so that from_dict accepts every
# example. The properties: from_dict(to_dict(x)) == x for x = from_dict(d); to_dict keeps every key of d
# (empty lists and maps may be left out, being the defaults); defaulted fields appear in to_dict; unknown
# keys are ignored; the objects are hashable.

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
NAMES = st.builds(lambda first, rest: first + rest, st.sampled_from("abcdexyz"),
                  st.text(ALNUM + "-", max_size=6)).map(lambda s: s.rstrip("-"))
LABEL_KEYS = st.builds(lambda prefix, name: prefix + name,
                       st.sampled_from(["", "example.com/", "app.kubernetes.io/"]), NAMES)
LABEL_VALUES = st.one_of(st.just(""), NAMES, st.sampled_from(["web", "v1.2", "A_b-c"]))
LABEL_MAPS = st.dictionaries(LABEL_KEYS, LABEL_VALUES, max_size=3)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
TIMESTAMPS = st.builds("2024-{:02d}-{:02d}T{:02d}:00:00Z".format, st.integers(1, 12), st.integers(1, 28),
                       st.integers(0, 23))
PORTS = st.integers(1, 65535)


def canonical(text: str) -> str:
    """The canonical form to_dict prints a quantity in."""
    return str(parse_quantity(text))


def quantities(unit: str, high: int = 4096) -> st.SearchStrategy[str]:
    return st.integers(0, high).map(lambda n: canonical(f"{n}{unit}"))


def int_or_percent(low: int, high_percent: int = 100) -> st.SearchStrategy[int | str]:
    return st.one_of(st.integers(low, 20), st.integers(low, high_percent).map(lambda n: f"{n}%"))


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    """requests <= limits for native resources; extended resources requested at their limit."""
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    for name, unit in (("cpu", "m"), ("memory", "Mi"), ("ephemeral-storage", "Gi"), ("example.com/gpu", "")):
        low, high = sorted(draw(st.lists(st.integers(0, 4000), min_size=2, max_size=2)))
        mode = draw(st.sampled_from(["none", "request", "limit", "both"]))
        if name == "example.com/gpu":
            low = high
            mode = "none" if mode == "request" else mode
        if mode in ("request", "both"):
            requests[name] = canonical(f"{low}{unit}")
        if mode in ("limit", "both"):
            limits[name] = canonical(f"{high}{unit}")
    out = {}
    if requests or draw(st.booleans()):
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out


CONTAINER_PORTS = st.fixed_dictionaries({"containerPort": PORTS}, optional={
    "name": NAMES, "protocol": st.sampled_from(["TCP", "UDP", "SCTP"]), "hostPort": PORTS,
    "hostIP": st.just("0.0.0.0")})
PROBES = st.sampled_from([{"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
                          {"exec": {"command": ["true"]}}, {"tcpSocket": {"port": "http"}}])
ENV = st.lists(st.fixed_dictionaries({"name": NAMES}, optional={"value": TEXT}), max_size=2)


def containers(names: list[str], sidecars: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    optional: dict[str, st.SearchStrategy[Any]] = {
        "image": st.sampled_from(["nginx:1.27", "busybox", "registry.example.com/app@sha256:abc"]),
        "command": st.lists(TEXT, max_size=2), "args": st.lists(TEXT, max_size=2),
        "ports": st.lists(CONTAINER_PORTS, max_size=2), "resources": resources(), "env": ENV,
        "readinessProbe": PROBES, "livenessProbe": PROBES,
        "volumeMounts": st.lists(st.fixed_dictionaries({"name": NAMES, "mountPath": st.just("/data")},
                                                       optional={"readOnly": st.booleans()}), max_size=1),
    }
    if sidecars:
        optional["restartPolicy"] = st.just("Always")
    return st.tuples(*(st.fixed_dictionaries({"name": st.just(n)}, optional=optional) for n in names)).map(list)


@st.composite
def tolerations(draw: st.DrawFn) -> dict[str, Any]:
    key = draw(st.sampled_from(["", "dedicated", "node.kubernetes.io/unreachable", "example.com/gpu"]))
    operator = "Exists" if not key else draw(st.sampled_from(["Equal", "Exists"]))
    out: dict[str, Any] = {"key": key} if key or draw(st.booleans()) else {}
    if operator == "Exists" or draw(st.booleans()):
        out["operator"] = operator
    if operator == "Equal" and draw(st.booleans()):
        out["value"] = draw(LABEL_VALUES)
    effect = draw(st.sampled_from(["", "NoSchedule", "PreferNoSchedule", "NoExecute"]))
    if effect or draw(st.booleans()):
        out["effect"] = effect
    if effect == "NoExecute" and draw(st.booleans()):
        out["tolerationSeconds"] = draw(st.integers(0, 3600))
    return out


LABEL_SELECTOR_REQUIREMENTS = st.one_of(
    st.fixed_dictionaries({"key": LABEL_KEYS, "operator": st.sampled_from(["In", "NotIn"]),
                           "values": st.lists(LABEL_VALUES, min_size=1, max_size=2)}),
    st.fixed_dictionaries({"key": LABEL_KEYS, "operator": st.sampled_from(["Exists", "DoesNotExist"])}))
LABEL_SELECTORS = st.fixed_dictionaries({}, optional={
    "matchLabels": LABEL_MAPS, "matchExpressions": st.lists(LABEL_SELECTOR_REQUIREMENTS, max_size=2)})
NODE_SELECTOR_REQUIREMENTS = st.one_of(
    LABEL_SELECTOR_REQUIREMENTS,
    st.fixed_dictionaries({"key": LABEL_KEYS, "operator": st.sampled_from(["Gt", "Lt"]),
                           "values": st.integers(0, 99).map(lambda n: [str(n)])}))
NODE_SELECTOR_TERMS = st.fixed_dictionaries({}, optional={
    "matchExpressions": st.lists(NODE_SELECTOR_REQUIREMENTS, min_size=1, max_size=2),
    "matchFields": st.just([{"key": "metadata.name", "operator": "In", "values": ["node-1"]}])})
TOPOLOGY_KEYS = st.sampled_from(["kubernetes.io/hostname", "topology.kubernetes.io/zone"])
POD_AFFINITY_TERMS = st.fixed_dictionaries({"topologyKey": TOPOLOGY_KEYS}, optional={
    "labelSelector": LABEL_SELECTORS, "namespaces": st.lists(NAMES, max_size=2),
    "namespaceSelector": LABEL_SELECTORS, "matchLabelKeys": st.lists(LABEL_KEYS, max_size=1)})
POD_AFFINITIES = st.fixed_dictionaries({}, optional={
    "requiredDuringSchedulingIgnoredDuringExecution": st.lists(POD_AFFINITY_TERMS, max_size=2),
    "preferredDuringSchedulingIgnoredDuringExecution": st.lists(st.fixed_dictionaries(
        {"weight": st.integers(1, 100), "podAffinityTerm": POD_AFFINITY_TERMS}), max_size=2)})
AFFINITIES = st.fixed_dictionaries({}, optional={
    "nodeAffinity": st.fixed_dictionaries({}, optional={
        "requiredDuringSchedulingIgnoredDuringExecution": st.fixed_dictionaries(
            {"nodeSelectorTerms": st.lists(NODE_SELECTOR_TERMS, min_size=1, max_size=2)}),
        "preferredDuringSchedulingIgnoredDuringExecution": st.lists(st.fixed_dictionaries(
            {"weight": st.integers(1, 100), "preference": NODE_SELECTOR_TERMS}), max_size=2)}),
    "podAffinity": POD_AFFINITIES, "podAntiAffinity": POD_AFFINITIES})


@st.composite
def spread_constraints(draw: st.DrawFn) -> dict[str, Any]:
    out = draw(st.fixed_dictionaries(
        {"maxSkew": st.integers(1, 5), "topologyKey": TOPOLOGY_KEYS,
         "whenUnsatisfiable": st.sampled_from(["DoNotSchedule", "ScheduleAnyway"])},
        optional={"labelSelector": LABEL_SELECTORS, "nodeAffinityPolicy": st.sampled_from(["Honor", "Ignore"]),
                  "nodeTaintsPolicy": st.sampled_from(["Honor", "Ignore"]),
                  "matchLabelKeys": st.lists(LABEL_KEYS, max_size=1)}))
    if out["whenUnsatisfiable"] == "DoNotSchedule" and draw(st.booleans()):
        out["minDomains"] = draw(st.integers(1, 5))
    return out


VOLUME_SOURCES = st.sampled_from([
    {"emptyDir": {}}, {"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
    {"persistentVolumeClaim": {"claimName": "data"}},
    {"persistentVolumeClaim": {"claimName": "logs", "readOnly": True}},
    {"configMap": {"name": "config"}}, {"secret": {"secretName": "tls"}}, {"hostPath": {"path": "/var/log"}},
    {"downwardAPI": {}},
])


@st.composite
def pod_specs(draw: st.DrawFn, restart_policies: tuple[str, ...] = ("Always", "OnFailure", "Never"),
              required_restart_policy: bool = False) -> dict[str, Any]:
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    split = draw(st.integers(0, len(names) - 1))
    spec: dict[str, Any] = {"containers": draw(containers(names[split:], sidecars=False))}
    if split:
        spec["initContainers"] = draw(containers(names[:split], sidecars=True))
    volume_names = draw(st.lists(NAMES, max_size=2, unique=True))
    optional = draw(st.fixed_dictionaries({}, optional={
        "nodeSelector": LABEL_MAPS, "nodeName": NAMES, "affinity": AFFINITIES,
        "tolerations": st.lists(tolerations(), max_size=3),
        "topologySpreadConstraints": st.lists(spread_constraints(), max_size=2),
        "priority": st.integers(-10, 10**9), "priorityClassName": NAMES,
        "preemptionPolicy": st.sampled_from(["PreemptLowerPriority", "Never"]),
        "schedulerName": st.sampled_from(["default-scheduler", "my-scheduler"]),
        "volumes": st.tuples(*(VOLUME_SOURCES.map(lambda s, n=n: {"name": n, **s}) for n in volume_names)).map(list),
        "terminationGracePeriodSeconds": st.integers(0, 600),
        "overhead": st.fixed_dictionaries({"cpu": quantities("m")}), "serviceAccountName": NAMES,
        "hostNetwork": st.booleans(), "hostname": NAMES, "subdomain": NAMES,
        "schedulingGates": st.lists(st.fixed_dictionaries({"name": NAMES}), max_size=1),
    }))
    spec.update(optional)
    if required_restart_policy or draw(st.booleans()):
        spec["restartPolicy"] = draw(st.sampled_from(restart_policies))
    if "Always" not in restart_policies and draw(st.booleans()):
        spec["activeDeadlineSeconds"] = draw(st.integers(1, 10**6))  # pods that may run forever have no deadline
    return spec


OWNER_REFERENCES = st.fixed_dictionaries(
    {"apiVersion": st.just("apps/v1"), "kind": st.just("ReplicaSet"), "name": NAMES, "uid": NAMES},
    optional={"controller": st.booleans(), "blockOwnerDeletion": st.booleans()})


def metadata(labels: st.SearchStrategy[dict[str, str]] = LABEL_MAPS) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"name": NAMES}, optional={
        "namespace": NAMES, "labels": labels, "annotations": st.dictionaries(LABEL_KEYS, TEXT, max_size=2),
        "uid": NAMES, "resourceVersion": st.integers(1, 10**6).map(str), "generation": st.integers(1, 100),
        "creationTimestamp": TIMESTAMPS, "finalizers": st.lists(st.just("example.com/cleanup"), max_size=1),
        "ownerReferences": st.lists(OWNER_REFERENCES, max_size=1)})


POD_STATUSES = st.fixed_dictionaries({}, optional={
    "phase": st.sampled_from(["Pending", "Running", "Succeeded", "Failed", "Unknown"]),
    "conditions": st.lists(st.fixed_dictionaries(
        {"type": st.sampled_from(["Ready", "PodScheduled"]), "status": st.sampled_from(["True", "False", "Unknown"])},
        optional={"lastTransitionTime": TIMESTAMPS, "reason": NAMES}), max_size=2),
    "podIP": st.just("10.0.0.7"), "hostIP": st.just("192.0.2.1"), "qosClass": st.sampled_from(["Burstable"]),
    "startTime": TIMESTAMPS,
    "containerStatuses": st.lists(st.fixed_dictionaries({"name": NAMES}, optional={
        "ready": st.booleans(), "restartCount": st.integers(0, 9), "state": st.just({"running": {}})}), max_size=1)})


@st.composite
def pods(draw: st.DrawFn) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": draw(metadata()), "spec": draw(pod_specs(("Always",))),
            **draw(st.fixed_dictionaries({}, optional={"status": POD_STATUSES}))}


@st.composite
def selected_template(draw: st.DrawFn, restart_policies: tuple[str, ...], required_restart_policy: bool = False
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(selector, pod template) where the selector selects the template's labels."""
    labels = draw(st.dictionaries(LABEL_KEYS, LABEL_VALUES, min_size=1, max_size=3))
    keys = draw(st.lists(st.sampled_from(sorted(labels)), min_size=1, unique=True))
    selector: dict[str, Any] = {"matchLabels": {k: labels[k] for k in keys}}
    if draw(st.booleans()):
        selector["matchExpressions"] = [{"key": draw(st.sampled_from(sorted(labels))), "operator": "Exists"}]
    template_ = {"metadata": draw(st.fixed_dictionaries({"labels": st.just(labels)}, optional={
        "annotations": st.dictionaries(LABEL_KEYS, TEXT, max_size=1)})),
        "spec": draw(pod_specs(restart_policies, required_restart_policy))}
    return selector, template_


@st.composite
def deployments(draw: st.DrawFn) -> dict[str, Any]:
    selector, template_ = draw(selected_template(("Always",)))
    spec: dict[str, Any] = {"selector": selector, "template": template_}
    strategy = draw(st.sampled_from(["none", "Recreate", "RollingUpdate", "bounds only"]))
    if strategy != "none":
        spec["strategy"] = {} if strategy == "bounds only" else {"type": strategy}
        if strategy != "Recreate" and draw(st.booleans()):
            bounds = draw(st.fixed_dictionaries({}, optional={"maxSurge": int_or_percent(0, 300),
                                                              "maxUnavailable": int_or_percent(0)}))
            if bounds.get("maxSurge") in (0, "0%") and bounds.get("maxUnavailable") in (0, "0%"):
                bounds["maxSurge"] = 1
            spec["strategy"]["rollingUpdate"] = bounds
    min_ready = draw(st.integers(0, 100))
    spec.update(draw(st.fixed_dictionaries({}, optional={
        "replicas": st.integers(0, 50), "minReadySeconds": st.just(min_ready),
        "revisionHistoryLimit": st.integers(0, 20), "paused": st.booleans(),
        "progressDeadlineSeconds": st.integers(min_ready + 1, 1000)})))
    status = st.fixed_dictionaries({}, optional={"replicas": st.integers(0, 9), "readyReplicas": st.integers(0, 9),
                                                 "observedGeneration": st.integers(0, 9)})
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": draw(metadata()), "spec": spec,
            **draw(st.fixed_dictionaries({}, optional={"status": status}))}


@st.composite
def jobs(draw: st.DrawFn) -> dict[str, Any]:
    labels = draw(LABEL_MAPS)
    template_ = {"spec": draw(pod_specs(("OnFailure", "Never"), required_restart_policy=True))}
    if labels:
        template_["metadata"] = {"labels": labels}
    spec: dict[str, Any] = {"template": template_}
    spec.update(draw(st.fixed_dictionaries({}, optional={
        "parallelism": st.integers(0, 10), "completions": st.integers(0, 10), "backoffLimit": st.integers(0, 10),
        "activeDeadlineSeconds": st.integers(1, 10**5), "ttlSecondsAfterFinished": st.integers(0, 10**5),
        "suspend": st.booleans(), "completionMode": st.just("NonIndexed"),
        "podFailurePolicy": st.sampled_from([
            {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}]},
            {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
                       {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [0, 1]}}]}]),
        "podReplacementPolicy": st.sampled_from(["TerminatingOrFailed", "Failed"])})))
    if "podFailurePolicy" in spec:  # validation: only restartPolicy Never, and podReplacementPolicy Failed
        template_["spec"]["restartPolicy"] = "Never"
        spec["podReplacementPolicy"] = "Failed"
    if draw(st.booleans()):
        spec.update(completionMode="Indexed", completions=draw(st.integers(1, 10)))
        if draw(st.booleans()):
            spec["backoffLimitPerIndex"] = draw(st.integers(0, 3))
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": draw(metadata()), "spec": spec}


PVC_SPECS = st.fixed_dictionaries({}, optional={
    "accessModes": st.lists(st.sampled_from(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"]), max_size=2,
                            unique=True),
    "resources": st.fixed_dictionaries({"requests": st.fixed_dictionaries({"storage": quantities("Gi")})}),
    "storageClassName": NAMES, "volumeMode": st.sampled_from(["Filesystem", "Block"])})


@st.composite
def stateful_sets(draw: st.DrawFn) -> dict[str, Any]:
    selector, template_ = draw(selected_template(("Always",)))
    spec: dict[str, Any] = {"selector": selector, "template": template_}
    rolling = st.fixed_dictionaries({}, optional={"partition": st.integers(0, 5),
                                                  "maxUnavailable": int_or_percent(1)})
    spec.update(draw(st.fixed_dictionaries({}, optional={
        "replicas": st.integers(0, 10), "serviceName": NAMES,
        "podManagementPolicy": st.sampled_from(["OrderedReady", "Parallel"]),
        "updateStrategy": st.one_of(st.just({"type": "OnDelete"}), st.fixed_dictionaries(
            {}, optional={"type": st.just("RollingUpdate"), "rollingUpdate": rolling})),
        "volumeClaimTemplates": st.lists(st.fixed_dictionaries({"metadata": st.fixed_dictionaries({"name": NAMES}),
                                                                "spec": PVC_SPECS}), max_size=2),
        "revisionHistoryLimit": st.integers(0, 10), "minReadySeconds": st.integers(0, 60),
        "persistentVolumeClaimRetentionPolicy": st.fixed_dictionaries({}, optional={
            "whenDeleted": st.sampled_from(["Retain", "Delete"]), "whenScaled": st.sampled_from(["Retain", "Delete"])}),
        "ordinals": st.fixed_dictionaries({}, optional={"start": st.integers(0, 5)})})))
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": draw(metadata()), "spec": spec}


@st.composite
def services(draw: st.DrawFn) -> dict[str, Any]:
    type_ = draw(st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName", None]))
    external = type_ in ("NodePort", "LoadBalancer")
    port_optional: dict[str, st.SearchStrategy[Any]] = {
        "name": NAMES, "protocol": st.sampled_from(["TCP", "UDP", "SCTP"]),
        "targetPort": st.one_of(PORTS, NAMES)}
    if external:
        port_optional["nodePort"] = st.integers(30000, 32767)
    spec: dict[str, Any] = {} if type_ is None else {"type": type_}
    spec.update(draw(st.fixed_dictionaries({}, optional={
        "selector": LABEL_MAPS, "ports": st.lists(st.fixed_dictionaries({"port": PORTS}, optional=port_optional),
                                                  max_size=3),
        "clusterIP": st.sampled_from(["None", "10.96.0.10"]), "sessionAffinity": st.sampled_from(["None", "ClientIP"]),
        "internalTrafficPolicy": st.sampled_from(["Cluster", "Local"]), "publishNotReadyAddresses": st.booleans()})))
    if external and draw(st.booleans()):
        spec["externalTrafficPolicy"] = draw(st.sampled_from(["Cluster", "Local"]))
    if type_ == "ExternalName":
        spec["externalName"] = "db.example.com"
    return {"apiVersion": "v1", "kind": "Service", "metadata": draw(metadata()), "spec": spec}


QUOTA_RESOURCES = st.dictionaries(
    st.sampled_from(["pods", "requests.cpu", "limits.memory", "count/deployments.apps", "requests.nvidia.com/gpu",
                     "persistentvolumeclaims", "requests.storage", "services"]), quantities(""), max_size=4)
SCOPE_REQUIREMENTS = st.one_of(
    st.fixed_dictionaries({"scopeName": st.just("PriorityClass"), "operator": st.sampled_from(["In", "NotIn"]),
                           "values": st.lists(NAMES, min_size=1, max_size=2)}),
    st.fixed_dictionaries({"scopeName": st.sampled_from(["PriorityClass", "BestEffort", "Terminating"]),
                           "operator": st.just("Exists")}))


@st.composite
def resource_quotas(draw: st.DrawFn) -> dict[str, Any]:
    spec = draw(st.fixed_dictionaries({}, optional={
        "hard": QUOTA_RESOURCES, "scopes": st.lists(st.sampled_from(["BestEffort", "NotTerminating"]), max_size=1),
        "scopeSelector": st.fixed_dictionaries({"matchExpressions": st.lists(SCOPE_REQUIREMENTS, max_size=2)})}))
    status = st.fixed_dictionaries({}, optional={"hard": QUOTA_RESOURCES, "used": QUOTA_RESOURCES})
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": draw(metadata()), "spec": spec,
            **draw(st.fixed_dictionaries({}, optional={"status": status}))}


LIMIT_MAPS = st.fixed_dictionaries({}, optional={"cpu": quantities("m"), "memory": quantities("Mi"),
                                                 "storage": quantities("Gi")})


@st.composite
def limit_ranges(draw: st.DrawFn) -> dict[str, Any]:
    types = st.sampled_from(["Container", "Pod", "PersistentVolumeClaim"])
    items = draw(st.lists(st.fixed_dictionaries({"type": types}, optional={
        "max": LIMIT_MAPS, "min": LIMIT_MAPS, "default": LIMIT_MAPS, "defaultRequest": LIMIT_MAPS,
        "maxLimitRequestRatio": LIMIT_MAPS}), max_size=3))
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": draw(metadata()), "spec": {"limits": items}}


POLICY_RULES = st.fixed_dictionaries(
    {"verbs": st.lists(st.sampled_from(["get", "list", "watch", "create", "update", "delete", "*"]), min_size=1,
                       max_size=3)},
    optional={"apiGroups": st.lists(st.sampled_from(["", "apps", "batch", "*"]), max_size=2),
              "resources": st.lists(st.sampled_from(["pods", "deployments", "pods/log", "*"]), max_size=2),
              "resourceNames": st.lists(NAMES, max_size=1),
              "nonResourceURLs": st.lists(st.just("/healthz"), max_size=1)})
SUBJECTS = st.one_of(
    st.fixed_dictionaries({"kind": st.sampled_from(["User", "Group"]), "name": NAMES},
                          optional={"apiGroup": st.just("rbac.authorization.k8s.io")}),
    st.fixed_dictionaries({"kind": st.just("ServiceAccount"), "name": NAMES, "namespace": NAMES},
                          optional={"apiGroup": st.just("")}))


@st.composite
def roles(draw: st.DrawFn) -> dict[str, Any]:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": draw(metadata()),
            **draw(st.fixed_dictionaries({}, optional={"rules": st.lists(POLICY_RULES, max_size=3)}))}


@st.composite
def role_bindings(draw: st.DrawFn) -> dict[str, Any]:
    role_ref = draw(st.fixed_dictionaries({"kind": st.sampled_from(["Role", "ClusterRole"]), "name": NAMES},
                                          optional={"apiGroup": st.just("rbac.authorization.k8s.io")}))
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": draw(metadata()),
            "roleRef": role_ref, **draw(st.fixed_dictionaries({}, optional={"subjects": st.lists(SUBJECTS,
                                                                                                max_size=3)}))}


GENERATORS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "Pod": pods(), "Deployment": deployments(), "Job": jobs(), "StatefulSet": stateful_sets(), "Service": services(),
    "ResourceQuota": resource_quotas(), "LimitRange": limit_ranges(), "Role": roles(), "RoleBinding": role_bindings(),
}

DEFAULTED_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("metadata.namespace", "spec.restartPolicy", "spec.terminationGracePeriodSeconds", "spec.schedulerName",
            "status.phase"),
    "Deployment": ("spec.replicas", "spec.strategy.type", "spec.revisionHistoryLimit", "spec.progressDeadlineSeconds",
                   "spec.template.spec.restartPolicy"),
    "Job": ("spec.parallelism", "spec.backoffLimit", "spec.completionMode", "spec.suspend",
            "spec.podReplacementPolicy"),
    "StatefulSet": ("spec.replicas", "spec.podManagementPolicy", "spec.updateStrategy.type",
                    "spec.persistentVolumeClaimRetentionPolicy.whenDeleted",
                    "spec.persistentVolumeClaimRetentionPolicy.whenScaled", "spec.revisionHistoryLimit"),
    "Service": ("spec.type", "spec.sessionAffinity"),
    "ResourceQuota": ("metadata.namespace",),
    "LimitRange": ("metadata.namespace",),
    "Role": ("metadata.namespace",),
    "RoleBinding": ("roleRef.apiGroup",),
}


def assert_kept(given: Any, out: Any, path: str = "") -> None:
    """Every key of ``given`` is in ``out`` with the same value (``out`` may hold more: defaults). An empty
    list or map may be absent from ``out``, where it is the field's default."""
    if isinstance(given, dict):
        assert isinstance(out, dict), f"{path}: {out!r} is not an object"
        for key, value in given.items():
            if key not in out:
                assert value in ({}, []), f"{path}.{key} was dropped"
                continue
            assert_kept(value, out[key], f"{path}.{key}")
    elif isinstance(given, list):
        assert isinstance(out, list) and len(out) == len(given), f"{path}: {out!r} != {given!r}"
        for i, (a, b) in enumerate(zip(given, out, strict=True)):
            assert_kept(a, b, f"{path}[{i}]")
    else:
        assert (type(out), out) == (type(given), given), f"{path}: {out!r} != {given!r}"


def lookup(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def with_unknown_fields(data: dict[str, Any]) -> dict[str, Any]:
    noisy = copy.deepcopy(data)
    noisy["x-unknown"] = {"a": [1, 2]}
    for value in noisy.values():
        if isinstance(value, dict):
            value["x-unknown"] = "ignored"
    return noisy


@pytest.mark.parametrize("kind", sorted(GENERATORS))
@given(data=st.data())
def test_generated_manifests_round_trip(kind: str, data: st.DataObject) -> None:
    manifest = data.draw(GENERATORS[kind])
    obj = from_dict(manifest)
    out = obj.to_dict()
    assert from_dict(out) == obj
    assert out == from_dict(out).to_dict()
    assert_kept(manifest, out)
    for path in DEFAULTED_PATHS[kind]:
        assert lookup(out, path) is not None, path
    assert from_dict(with_unknown_fields(manifest)) == obj
    assert "x-unknown" not in out
    assert isinstance(hash(obj), int)


@given(manifest=GENERATORS["Pod"])
def test_pods_from_templates_match_their_workloads(manifest: dict[str, Any]) -> None:
    """A Deployment's template spec decodes to the same PodSpec as a Pod with that spec (one codec), apart
    from defaults that SetDefaults_Pod applies to Pods only (host ports under hostNetwork)."""
    spec = manifest["spec"]
    spec["restartPolicy"] = "Always"
    labels = {"app": "x"}
    dep = from_dict(doc("Deployment", "apps/v1", spec={"selector": {"matchLabels": labels},
                                                       "template": {"metadata": {"labels": labels}, "spec": spec}}))
    p = from_dict(manifest)
    assert isinstance(dep, Deployment) and isinstance(p, Pod)
    if not spec.get("hostNetwork"):
        assert dep.spec.template.spec == p.spec


def test_a_job_copies_its_template_labels() -> None:
    """SetDefaults_Job, as the round trip keeps them."""
    j = from_dict(job(template_labels={"batch": "nightly"}))
    assert isinstance(j, Job) and j.labels == {"batch": "nightly"}
    assert j.to_dict()["metadata"]["labels"] == {"batch": "nightly"}
