"""Pod and the types it is made of: containers, resources, volumes, affinity, spread constraints.

Source: staging/src/k8s.io/api/core/v1/types.go; defaulting from pkg/apis/core/v1/defaults.go
(SetDefaults_Pod, SetDefaults_PodSpec, SetDefaults_ContainerPort); validation rules the model relies on
from pkg/apis/core/validation/validation.go (ValidatePodSpec, ValidateResourceRequirements).
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from model.errors import join_path
from model.frozendict import FrozenDict
from model.objects.meta import KubeObject, LabelSelector, ObjectMeta, metadata_field
from model.schema import (
    BOOL,
    INT,
    RAW,
    RESOURCE_LIST,
    STR,
    STR_MAP,
    TIMESTAMP,
    Serializable,
    enum,
    field,
    list_of,
    merged,
    nested,
    non_negative,
    require,
)
from model.taints import Toleration

RESTART_POLICIES = ("Always", "OnFailure", "Never")
PROTOCOLS = ("TCP", "UDP", "SCTP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
"""core/v1 PullPolicy (validatePullPolicy). The model does not pull images, so it keeps the value as given and does
not default it (SetDefaults_Container would: Always for ``:latest`` or no tag, else IfNotPresent)."""


@attrs.frozen
class ResourceRequirements(Serializable):
    """core/v1 ResourceRequirements: ``requests`` and ``limits`` per resource name."""

    requests: FrozenDict = field("requests", RESOURCE_LIST, FrozenDict())
    limits: FrozenDict = field("limits", RESOURCE_LIST, FrozenDict())

    def _defaulted(self, path: str) -> ResourceRequirements:
        """A resource with a limit and no request requests its limit (SetDefaults_Pod); requests <= limits
        (ValidateContainerResourceRequirements, which reports the whole ``requests`` field). The rule for
        resources that cannot be overcommitted is the API server's (``model.apiserver.validation``)."""
        for source, name in ((self.requests, "requests"), (self.limits, "limits")):
            for resource, q in source.items():
                require(q.nano >= 0, f'Invalid value: "{q}": must be greater than or equal to 0',
                        join_path(join_path(path, name), resource))
        requests = merged(self.requests, self.limits)
        for resource, q in requests.items():
            limit = self.limits.get(resource)
            require(limit is None or q <= limit, f'Invalid value: "{q}": must be less than or equal to '
                    f"{resource} limit of {limit}", join_path(path, "requests"))
        return attrs.evolve(self, requests=requests) if requests != self.requests else self


@attrs.frozen
class ContainerPort(Serializable):
    """core/v1 ContainerPort (``hostPort`` is what NodePorts filters on)."""

    container_port: int = field("containerPort", INT, required=True)
    name: str | None = field("name", STR)
    protocol: str = field("protocol", enum(*PROTOCOLS), "TCP")
    host_port: int | None = field("hostPort", INT)
    host_ip: str | None = field("hostIP", STR)

    def _defaulted(self, path: str) -> ContainerPort:
        for value, name in ((self.container_port, "containerPort"), (self.host_port, "hostPort")):
            require(value is None or (name == "hostPort" and value == 0) or 1 <= value <= 65535,
                    f"Invalid value: {value}: must be between 1 and 65535, inclusive", join_path(path, name))
        return self


@attrs.frozen
class VolumeMount(Serializable):
    name: str = field("name", STR, required=True)
    mount_path: str = field("mountPath", STR, required=True)
    read_only: bool = field("readOnly", BOOL, False)
    sub_path: str | None = field("subPath", STR)


@attrs.frozen
class Container(Serializable):
    """core/v1 Container. Probes are kept opaque: the model needs only whether they exist.

    An init container with ``restartPolicy: Always`` is a sidecar (KEP-753).
    """

    name: str = field("name", STR, required=True)
    image: str | None = field("image", STR)
    command: tuple[str, ...] = field("command", list_of(STR), ())
    args: tuple[str, ...] = field("args", list_of(STR), ())
    ports: tuple[ContainerPort, ...] = field("ports", list_of(nested(ContainerPort)), ())
    resources: ResourceRequirements = field("resources", nested(ResourceRequirements), ResourceRequirements())
    volume_mounts: tuple[VolumeMount, ...] = field("volumeMounts", list_of(nested(VolumeMount)), ())
    readiness_probe: Any = field("readinessProbe", RAW)
    liveness_probe: Any = field("livenessProbe", RAW)
    startup_probe: Any = field("startupProbe", RAW)
    restart_policy: str | None = field("restartPolicy", enum("Always"))
    env: Any = field("env", RAW)
    image_pull_policy: str | None = field("imagePullPolicy", enum(*PULL_POLICIES))
    termination_message_policy: str | None = field("terminationMessagePolicy",
                                                   enum("File", "FallbackToLogsOnError"))

    @property
    def is_sidecar(self) -> bool:
        return self.restart_policy == "Always"


@attrs.frozen
class NodeSelectorRequirement(Serializable):
    """core/v1 NodeSelectorRequirement (node affinity expressions and fields)."""

    key: str = field("key", STR, required=True)
    operator: str = field("operator", enum("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"), required=True)
    values: tuple[str, ...] = field("values", list_of(STR), ())

    def _defaulted(self, path: str) -> NodeSelectorRequirement:
        """validateNodeSelectorRequirement."""
        vpath = join_path(path, "values")
        if self.operator in ("In", "NotIn"):
            require(len(self.values) > 0, "Required value: must be specified when `operator` is 'In' or 'NotIn'", vpath)
        elif self.operator in ("Exists", "DoesNotExist"):
            require(not self.values, "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    vpath)
        else:
            require(len(self.values) == 1, "Required value: must be specified single value when `operator` is "
                    "'Lt' or 'Gt'", vpath)
        return self


@attrs.frozen
class NodeSelectorTerm(Serializable):
    """core/v1 NodeSelectorTerm: expressions and fields are AND-ed; an empty term matches nothing."""

    match_expressions: tuple[NodeSelectorRequirement, ...] = field(
        "matchExpressions", list_of(nested(NodeSelectorRequirement)), ())
    match_fields: tuple[NodeSelectorRequirement, ...] = field(
        "matchFields", list_of(nested(NodeSelectorRequirement)), ())


@attrs.frozen
class NodeSelector(Serializable):
    """core/v1 NodeSelector: terms are OR-ed."""

    node_selector_terms: tuple[NodeSelectorTerm, ...] = field(
        "nodeSelectorTerms", list_of(nested(NodeSelectorTerm)), required=True)


@attrs.frozen
class PreferredSchedulingTerm(Serializable):
    weight: int = field("weight", INT, required=True)
    preference: NodeSelectorTerm = field("preference", nested(NodeSelectorTerm), required=True)

    def _defaulted(self, path: str) -> PreferredSchedulingTerm:
        require(1 <= self.weight <= 100, f"Invalid value: {self.weight}: must be in the range 1-100",
                join_path(path, "weight"))
        return self


@attrs.frozen
class NodeAffinity(Serializable):
    required: NodeSelector | None = field("requiredDuringSchedulingIgnoredDuringExecution", nested(NodeSelector))
    preferred: tuple[PreferredSchedulingTerm, ...] = field(
        "preferredDuringSchedulingIgnoredDuringExecution", list_of(nested(PreferredSchedulingTerm)), ())


@attrs.frozen
class PodAffinityTerm(Serializable):
    """core/v1 PodAffinityTerm: pods matching ``label_selector`` in ``namespaces`` (or those selected by
    ``namespace_selector``; both empty means the pod's own namespace) within one ``topology_key`` domain."""

    topology_key: str = field("topologyKey", STR, required=True)
    label_selector: LabelSelector | None = field("labelSelector", nested(LabelSelector))
    namespaces: tuple[str, ...] = field("namespaces", list_of(STR), ())
    namespace_selector: LabelSelector | None = field("namespaceSelector", nested(LabelSelector))
    match_label_keys: tuple[str, ...] = field("matchLabelKeys", list_of(STR), ())
    mismatch_label_keys: tuple[str, ...] = field("mismatchLabelKeys", list_of(STR), ())

    def _defaulted(self, path: str) -> PodAffinityTerm:
        require(self.topology_key != "", "Required value: can not be empty", join_path(path, "topologyKey"))
        return self


@attrs.frozen
class WeightedPodAffinityTerm(Serializable):
    weight: int = field("weight", INT, required=True)
    pod_affinity_term: PodAffinityTerm = field("podAffinityTerm", nested(PodAffinityTerm), required=True)

    def _defaulted(self, path: str) -> WeightedPodAffinityTerm:
        require(1 <= self.weight <= 100, f"Invalid value: {self.weight}: must be in the range 1-100",
                join_path(path, "weight"))
        return self


@attrs.frozen
class PodAffinity(Serializable):
    """core/v1 PodAffinity or PodAntiAffinity (the same shape)."""

    required: tuple[PodAffinityTerm, ...] = field(
        "requiredDuringSchedulingIgnoredDuringExecution", list_of(nested(PodAffinityTerm)), ())
    preferred: tuple[WeightedPodAffinityTerm, ...] = field(
        "preferredDuringSchedulingIgnoredDuringExecution", list_of(nested(WeightedPodAffinityTerm)), ())


@attrs.frozen
class Affinity(Serializable):
    node_affinity: NodeAffinity | None = field("nodeAffinity", nested(NodeAffinity))
    pod_affinity: PodAffinity | None = field("podAffinity", nested(PodAffinity))
    pod_anti_affinity: PodAffinity | None = field("podAntiAffinity", nested(PodAffinity))


@attrs.frozen
class TopologySpreadConstraint(Serializable):
    """core/v1 TopologySpreadConstraint (PodTopologySpread).

    ``node_affinity_policy`` defaults to Honor and ``node_taints_policy`` to Ignore in the scheduler
    (pkg/scheduler/framework/plugins/podtopologyspread/common.go), not in the API; they stay None here.
    """

    max_skew: int = field("maxSkew", INT, required=True)
    topology_key: str = field("topologyKey", STR, required=True)
    when_unsatisfiable: str = field("whenUnsatisfiable", enum("DoNotSchedule", "ScheduleAnyway"), required=True)
    label_selector: LabelSelector | None = field("labelSelector", nested(LabelSelector))
    min_domains: int | None = field("minDomains", INT)
    node_affinity_policy: str | None = field("nodeAffinityPolicy", enum("Honor", "Ignore"))
    node_taints_policy: str | None = field("nodeTaintsPolicy", enum("Honor", "Ignore"))
    match_label_keys: tuple[str, ...] = field("matchLabelKeys", list_of(STR), ())

    def _defaulted(self, path: str) -> TopologySpreadConstraint:
        require(self.max_skew > 0, f"Invalid value: {self.max_skew}: must be greater than zero",
                join_path(path, "maxSkew"))
        if self.min_domains is not None:
            require(self.min_domains > 0, f"Invalid value: {self.min_domains}: must be greater than zero",
                    join_path(path, "minDomains"))
            require(self.when_unsatisfiable == "DoNotSchedule", f"Invalid value: {self.min_domains}: can only use "
                    "minDomains if whenUnsatisfiable=DoNotSchedule", join_path(path, "minDomains"))
        return self


@attrs.frozen
class EmptyDirVolumeSource(Serializable):
    medium: str | None = field("medium", STR)
    size_limit: Any = field("sizeLimit", RAW)


@attrs.frozen
class PersistentVolumeClaimVolumeSource(Serializable):
    claim_name: str = field("claimName", STR, required=True)
    read_only: bool = field("readOnly", BOOL, False)


@attrs.frozen
class Volume(Serializable):
    """core/v1 Volume. emptyDir and persistentVolumeClaim are modelled (their lifetimes differ);
    other sources are carried as they are."""

    name: str = field("name", STR, required=True)
    empty_dir: EmptyDirVolumeSource | None = field("emptyDir", nested(EmptyDirVolumeSource))
    persistent_volume_claim: PersistentVolumeClaimVolumeSource | None = field(
        "persistentVolumeClaim", nested(PersistentVolumeClaimVolumeSource))
    host_path: Any = field("hostPath", RAW)
    config_map: Any = field("configMap", RAW)
    secret: Any = field("secret", RAW)
    projected: Any = field("projected", RAW)
    downward_api: Any = field("downwardAPI", RAW)
    nfs: Any = field("nfs", RAW)
    csi: Any = field("csi", RAW)
    ephemeral: Any = field("ephemeral", RAW)


@attrs.frozen
class PodSpec(Serializable):
    """core/v1 PodSpec, with SetDefaults_PodSpec's defaults."""

    containers: tuple[Container, ...] = field("containers", list_of(nested(Container)), required=True)
    init_containers: tuple[Container, ...] = field("initContainers", list_of(nested(Container)), ())
    restart_policy: str = field("restartPolicy", enum(*RESTART_POLICIES), "Always")
    node_selector: FrozenDict = field("nodeSelector", STR_MAP, FrozenDict())
    node_name: str | None = field("nodeName", STR)
    affinity: Affinity | None = field("affinity", nested(Affinity))
    tolerations: tuple[Toleration, ...] = field("tolerations", list_of(nested(Toleration)), ())
    topology_spread_constraints: tuple[TopologySpreadConstraint, ...] = field(
        "topologySpreadConstraints", list_of(nested(TopologySpreadConstraint)), ())
    priority: int | None = field("priority", INT)
    priority_class_name: str | None = field("priorityClassName", STR)
    preemption_policy: str | None = field("preemptionPolicy", enum("PreemptLowerPriority", "Never"))
    scheduler_name: str = field("schedulerName", STR, "default-scheduler")
    volumes: tuple[Volume, ...] = field("volumes", list_of(nested(Volume)), ())
    termination_grace_period_seconds: int = field("terminationGracePeriodSeconds", INT, 30)
    active_deadline_seconds: int | None = field("activeDeadlineSeconds", INT)
    overhead: FrozenDict = field("overhead", RESOURCE_LIST, FrozenDict())
    service_account_name: str | None = field("serviceAccountName", STR)
    host_network: bool = field("hostNetwork", BOOL, False)
    hostname: str | None = field("hostname", STR)
    subdomain: str | None = field("subdomain", STR)
    scheduling_gates: Any = field("schedulingGates", RAW)
    dns_policy: str | None = field("dnsPolicy", enum("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"))

    def _defaulted(self, path: str) -> PodSpec:
        require(len(self.containers) > 0, "Required value", join_path(path, "containers"))
        seen: set[str] = set()
        for group, name in ((self.init_containers, "initContainers"), (self.containers, "containers")):
            for i, c in enumerate(group):
                require(c.name not in seen, f'Duplicate value: "{c.name}"',
                        join_path(join_path(join_path(path, name), i), "name"))
                seen.add(c.name)
                if name == "containers":
                    require(c.restart_policy is None, "Forbidden: may not be set for non-init containers",
                            join_path(join_path(join_path(path, name), i), "restartPolicy"))
        non_negative(self.termination_grace_period_seconds, join_path(path, "terminationGracePeriodSeconds"))
        if self.active_deadline_seconds is not None:
            require(self.active_deadline_seconds > 0, f"Invalid value: {self.active_deadline_seconds}: must be "
                    "between 1 and 2147483647, inclusive", join_path(path, "activeDeadlineSeconds"))
        volumes = [v.name for v in self.volumes]
        for i, v in enumerate(volumes):
            require(v not in volumes[:i], f'Duplicate value: "{v}"',
                    join_path(join_path(join_path(path, "volumes"), i), "name"))
        return self


@attrs.frozen
class PodCondition(Serializable):
    type: str = field("type", STR, required=True)
    status: str = field("status", enum("True", "False", "Unknown"), required=True)
    reason: str | None = field("reason", STR)
    message: str | None = field("message", STR)
    last_transition_time: int | str | None = field("lastTransitionTime", TIMESTAMP)


@attrs.frozen
class ContainerStatus(Serializable):
    name: str = field("name", STR, required=True)
    ready: bool = field("ready", BOOL, False)
    restart_count: int = field("restartCount", INT, 0)
    started: bool | None = field("started", BOOL)
    state: Any = field("state", RAW)


@attrs.frozen
class PodStatus(Serializable):
    """core/v1 PodStatus as the kubelet reports it (phase, conditions, container statuses)."""

    phase: str = field("phase", enum("Pending", "Running", "Succeeded", "Failed", "Unknown"), "Pending")
    conditions: tuple[PodCondition, ...] = field("conditions", list_of(nested(PodCondition)), ())
    container_statuses: tuple[ContainerStatus, ...] = field(
        "containerStatuses", list_of(nested(ContainerStatus)), ())
    init_container_statuses: tuple[ContainerStatus, ...] = field(
        "initContainerStatuses", list_of(nested(ContainerStatus)), ())
    pod_ip: str | None = field("podIP", STR)
    host_ip: str | None = field("hostIP", STR)
    nominated_node_name: str | None = field("nominatedNodeName", STR)
    qos_class: str | None = field("qosClass", STR)
    reason: str | None = field("reason", STR)
    message: str | None = field("message", STR)
    start_time: int | str | None = field("startTime", TIMESTAMP)

    def condition(self, type_: str) -> PodCondition | None:
        return next((c for c in self.conditions if c.type == type_), None)


@attrs.frozen
class PodTemplateSpec(Serializable):
    """core/v1 PodTemplateSpec: the pods a workload controller creates."""

    metadata: ObjectMeta = field("metadata", nested(ObjectMeta), ObjectMeta())
    spec: PodSpec = field("spec", nested(PodSpec), required=True)


@attrs.frozen
class Pod(KubeObject):
    API_VERSION: ClassVar[str] = "v1"
    KIND: ClassVar[str] = "Pod"
    RESOURCE: ClassVar[str] = "pods"

    metadata: ObjectMeta = metadata_field()
    spec: PodSpec = field("spec", nested(PodSpec), required=True)
    status: PodStatus = field("status", nested(PodStatus), PodStatus())

    def _defaulted(self, path: str) -> Pod:
        """SetDefaults_Pod's defaultHostNetworkPorts: with host networking every container port is a host port."""
        if not self.spec.host_network:
            return self

        def with_host_ports(containers: tuple[Container, ...]) -> tuple[Container, ...]:
            return tuple(attrs.evolve(c, ports=tuple(p if p.host_port else attrs.evolve(p, host_port=p.container_port)
                                                      for p in c.ports)) for c in containers)

        spec = attrs.evolve(self.spec, containers=with_host_ports(self.spec.containers),
                            init_containers=with_host_ports(self.spec.init_containers))
        return attrs.evolve(self, spec=spec) if spec != self.spec else self

    @property
    def node_name(self) -> str | None:
        return self.spec.node_name

    @property
    def is_terminated(self) -> bool:
        """Succeeded or Failed: the pod holds no resources and is never restarted."""
        return self.status.phase in ("Succeeded", "Failed")

    @property
    def is_ready(self) -> bool:
        """podutil.IsPodReady: the Ready condition is True."""
        ready = self.status.condition("Ready")
        return ready is not None and ready.status == "True"
