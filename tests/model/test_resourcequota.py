"""ResourceQuota usage, scopes, admission and recount.

Ported tables (kubernetes/kubernetes):
- pkg/quota/v1/evaluator/core/pods_test.go: TestPodEvaluatorUsage, TestPodConstraintsFunc,
  TestPodEvaluatorMatchingScopes, TestPodEvaluatorUsageStats, TestPodEvaluatorHandles;
- pkg/quota/v1/evaluator/core/persistent_volume_claims_test.go: TestPersistentVolumeClaimEvaluatorUsage,
  TestPersistentVolumeClaimEvaluatorMatchingResources, TestPersistentVolumeClaimEvaluatorMatchingScopes;
- pkg/quota/v1/evaluator/core/services_test.go: TestServiceEvaluatorUsage;
- plugin/pkg/admission/resourcequota/admission_test.go: TestAdmitBelowQuotaLimit, TestAdmitHandlesOldObjects,
  TestAdmitHandlesNegativePVCUpdates, TestAdmitHandlesPVCUpdates, TestAdmitHandlesCreatingUpdates,
  TestAdmitExceedQuotaLimit, TestAdmitEnforceQuotaConstraints, TestAdmitPodInNamespaceWithoutQuota,
  TestAdmitBelowTerminatingQuotaLimit, TestAdmitBelowBestEffortQuotaLimit,
  TestAdmitBestEffortQuotaLimitIgnoresBurstable, TestAdmitRejectsNegativeUsage,
  TestAdmitWhenUnrelatedResourceExceedsQuota, TestAdmitLimitedScopeWithCoverQuota (the quota part).
Doc examples: https://kubernetes.io/docs/concepts/policy/resource-quotas/ and the
quota-*.yaml manifests of kubernetes/website (content/en/examples/admin/resource/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.admission.resourcequota import QuotaResult, check, matches_scopes, recompute, usage
from model.frozendict import FrozenDict
from model.manifests import from_dict, load
from model.objects import PersistentVolumeClaim, Pod, ResourceQuota, Service
from model.quantity import Quantity, parse_quantity

EXAMPLES = Path(__file__).resolve().parents[2] / "model" / "examples" / "cluster.yaml"
CORPUS = Path("/work/shared/corpus/k8s-docs-examples/admin/resource")


# --- builders ------------------------------------------------------------------------------------

def ql(**amounts: str) -> dict[str, Quantity]:
    return {name.replace("__", "/").replace("_", "."): parse_quantity(v) for name, v in amounts.items()}


def rl(items: dict[str, str]) -> dict[str, Quantity]:
    return {name: parse_quantity(value) for name, value in items.items()}


def shown(items: Any) -> dict[str, str]:
    """Canonical strings, as Kubernetes prints quota values."""
    return {name: str(q) for name, q in items.items()}


def ctr(name: str, requests: dict[str, str] | None = None, limits: dict[str, str] | None = None,
        **extra: Any) -> dict[str, Any]:
    return {"name": name, "resources": {"requests": requests or {}, "limits": limits or {}}, **extra}


def make_pod(name: str = "p", containers: list[dict[str, Any]] | None = None, *, init: list | None = None,
             ns: str = "test", status: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
             **spec: Any) -> Pod:
    return Pod.from_dict({
        "metadata": {"name": name, "namespace": ns, **(meta or {})},
        "spec": {"containers": containers or [ctr("c0")], "initContainers": init or [], **spec},
        "status": status or {},
    })


def valid_pod(name: str, cpu: str = "", memory: str = "", limit_cpu: str = "", limit_memory: str = "",
              **spec: Any) -> Pod:
    """admission_test.go validPod(name, 1, getResourceRequirements(...)) in namespace "test"."""
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    limits = {k: v for k, v in (("cpu", limit_cpu), ("memory", limit_memory)) if v}
    return make_pod(name, [ctr("c0", requests, limits)], **spec)


def make_quota(name: str = "quota", hard: dict[str, str] | None = None, used: dict[str, str] | None = None,
               *, ns: str = "test", scopes: tuple[str, ...] = (), selector: list[dict[str, Any]] | None = None,
               spec_hard: dict[str, str] | None = None) -> ResourceQuota:
    spec: dict[str, Any] = {"hard": spec_hard if spec_hard is not None else (hard or {}), "scopes": list(scopes)}
    if selector is not None:
        spec["scopeSelector"] = {"matchExpressions": selector}
    return ResourceQuota.from_dict({
        "metadata": {"name": name, "namespace": ns, "resourceVersion": "124"}, "spec": spec,
        "status": {"hard": hard or {}, "used": used or {}},
    })


def pvc(name: str = "pvc", storage: str | None = "10Gi", cls: str | None = None, ns: str = "test",
        rv: str | None = None, annotations: dict[str, str] | None = None) -> PersistentVolumeClaim:
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": storage} if storage else {}}}
    if cls is not None:
        spec["storageClassName"] = cls
    return PersistentVolumeClaim.from_dict({"metadata": {"name": name, "namespace": ns, "resourceVersion": rv,
                                                         "annotations": annotations or {}}, "spec": spec})


def service(kind: str, ports: int = 0, name: str = "service", rv: str | None = None, ns: str = "test") -> Service:
    return Service.from_dict({"metadata": {"name": name, "namespace": ns, "resourceVersion": rv},
                              "spec": {"type": kind, "ports": [{"port": 1234 + i} for i in range(ports)]}})


def only(result: QuotaResult) -> ResourceQuota:
    assert result.allowed, result.message
    assert len(result.quotas) == 1
    return result.quotas[0]


# --- pod usage (pods_test.go TestPodEvaluatorUsage) ---------------------------------------------

# Upstream's hugepages rows set only requests (its test objects skip validation); the model validates,
# and hugepages cannot be overcommitted, so those rows also set the equal limit. Usage is unchanged.
USAGE_CASES = {
    "init container CPU": (
        dict(init=[ctr("i0", {"cpu": "1m"}, {"cpu": "2m"})]),
        ql(requests_cpu="1m", limits_cpu="2m", pods="1", cpu="1m", count__pods="1")),
    "init container MEM": (
        dict(init=[ctr("i0", {"memory": "1m"}, {"memory": "2m"})]),
        ql(requests_memory="1m", limits_memory="2m", pods="1", memory="1m", count__pods="1")),
    "init container local ephemeral storage": (
        dict(init=[ctr("i0", {"ephemeral-storage": "32Mi"}, {"ephemeral-storage": "64Mi"})]),
        {**rl({"ephemeral-storage": "32Mi", "requests.ephemeral-storage": "32Mi",
               "limits.ephemeral-storage": "64Mi"}), **ql(pods="1", count__pods="1")}),
    "init container hugepages": (
        dict(init=[ctr("i0", {"hugepages-2Mi": "100Mi"}, {"hugepages-2Mi": "100Mi"})]),
        {**rl({"hugepages-2Mi": "100Mi", "requests.hugepages-2Mi": "100Mi"}), **ql(pods="1", count__pods="1")}),
    "init container extended resources": (
        dict(init=[ctr("i0", {"example.com/dongle": "3"}, {"example.com/dongle": "3"})]),
        {**rl({"requests.example.com/dongle": "3"}), **ql(pods="1", count__pods="1")}),
    "init container implicit extended resources": (
        dict(init=[ctr("i0", {"deviceclass.resource.kubernetes.io/dongle": "3"},
                       {"deviceclass.resource.kubernetes.io/dongle": "3"})]),
        {**rl({"requests.deviceclass.resource.kubernetes.io/dongle": "3"}), **ql(pods="1", count__pods="1")}),
    "container CPU": (
        dict(containers=[ctr("c0", {"cpu": "1m"}, {"cpu": "2m"})]),
        ql(requests_cpu="1m", limits_cpu="2m", pods="1", cpu="1m", count__pods="1")),
    "container MEM": (
        dict(containers=[ctr("c0", {"memory": "1m"}, {"memory": "2m"})]),
        ql(requests_memory="1m", limits_memory="2m", pods="1", memory="1m", count__pods="1")),
    "container local ephemeral storage": (
        dict(containers=[ctr("c0", {"ephemeral-storage": "32Mi"}, {"ephemeral-storage": "64Mi"})]),
        {**rl({"ephemeral-storage": "32Mi", "requests.ephemeral-storage": "32Mi",
               "limits.ephemeral-storage": "64Mi"}), **ql(pods="1", count__pods="1")}),
    "container hugepages": (
        dict(containers=[ctr("c0", {"hugepages-2Mi": "100Mi"}, {"hugepages-2Mi": "100Mi"})]),
        {**rl({"hugepages-2Mi": "100Mi", "requests.hugepages-2Mi": "100Mi"}), **ql(pods="1", count__pods="1")}),
    "container extended resources": (
        dict(containers=[ctr("c0", {"example.com/dongle": "3"}, {"example.com/dongle": "3"})]),
        {**rl({"requests.example.com/dongle": "3"}), **ql(pods="1", count__pods="1")}),
    "container implicit extended resources": (
        dict(containers=[ctr("c0", {"deviceclass.resource.kubernetes.io/dongle": "3"},
                             {"deviceclass.resource.kubernetes.io/dongle": "3"})]),
        {**rl({"requests.deviceclass.resource.kubernetes.io/dongle": "3"}), **ql(pods="1", count__pods="1")}),
    "terminated generic count still appears": (
        dict(containers=[ctr("c0", {"example.com/dongle": "3"}, {"example.com/dongle": "3"})],
             status={"phase": "Succeeded"}),
        ql(count__pods="1")),
    "init container maximums override sum of containers": (
        dict(init=[ctr("i0", {"cpu": "4", "memory": "100M", "example.com/dongle": "4"},
                       {"cpu": "8", "memory": "200M", "example.com/dongle": "4"}),
                   ctr("i1", {"cpu": "1", "memory": "50M", "example.com/dongle": "2"},
                       {"cpu": "2", "memory": "100M", "example.com/dongle": "2"})],
             containers=[ctr("c0", {"cpu": "1", "memory": "50M", "example.com/dongle": "1"},
                             {"cpu": "2", "memory": "100M", "example.com/dongle": "1"}),
                         ctr("c1", {"cpu": "2", "memory": "25M", "example.com/dongle": "2"},
                             {"cpu": "5", "memory": "50M", "example.com/dongle": "2"})]),
        {**ql(requests_cpu="4", requests_memory="100M", limits_cpu="8", limits_memory="200M", pods="1", cpu="4",
              memory="100M", count__pods="1"), **rl({"requests.example.com/dongle": "4"})}),
    "count pod overhead as usage": (
        dict(containers=[ctr("c0", {"cpu": "1"}, {"cpu": "2"})], overhead={"cpu": "1"}),
        ql(requests_cpu="2", limits_cpu="3", pods="1", cpu="2", count__pods="1")),
}


@pytest.mark.parametrize("name", list(USAGE_CASES))
def test_pod_usage_table(name: str) -> None:
    kwargs, expected = USAGE_CASES[name]
    assert usage(make_pod(**kwargs)) == expected


def test_pod_usage_with_a_gpu_request() -> None:
    """Extended resources are charged only as ``requests.<name>`` (requests.nvidia.com/gpu)."""
    p = make_pod(containers=[ctr("cuda", {"cpu": "1", "nvidia.com/gpu": "2"}, {"nvidia.com/gpu": "2"})])
    assert shown(usage(p)) == {"count/pods": "1", "pods": "1", "cpu": "1", "requests.cpu": "1",
                               "requests.nvidia.com/gpu": "2"}


def test_pod_usage_counts_sidecars_for_the_whole_life_of_the_pod() -> None:
    """PodRequests with KEP-753 sidecars (component-helpers resource/helpers.go): sidecars add to the
    app containers, and each init container runs beside the sidecars started before it."""
    sidecar = ctr("sidecar", limits={"cpu": "1"}, restartPolicy="Always")
    init = ctr("init", limits={"cpu": "2"})
    app = [ctr("app", limits={"cpu": "1"})]
    before = usage(make_pod(containers=app, init=[sidecar, init]))
    after = usage(make_pod(containers=app, init=[init, sidecar]))
    assert (str(before["requests.cpu"]), str(before["limits.cpu"])) == ("3", "3")
    assert (str(after["requests.cpu"]), str(after["limits.cpu"])) == ("2", "2")


def test_pod_stuck_terminating_past_its_grace_period_is_not_charged() -> None:
    """pods_test.go "pod deletion timestamp exceeded"/"not exceeded" with a logical clock: charged
    until deletionTimestamp + deletionGracePeriodSeconds."""
    p = make_pod(containers=[ctr("c0", {"cpu": "1"}, {"cpu": "2"})],
                 meta={"deletionTimestamp": 100, "deletionGracePeriodSeconds": 30})
    charged = ql(requests_cpu="1", limits_cpu="2", pods="1", cpu="1", count__pods="1")
    assert usage(p, now=130) == charged
    assert usage(p) == charged
    assert usage(p, now=131) == ql(count__pods="1")


def test_failed_pods_keep_only_their_object_count() -> None:
    p = make_pod(containers=[ctr("c0", {"cpu": "1"})], status={"phase": "Failed"})
    assert usage(p) == ql(count__pods="1")


# --- "must specify" (pods_test.go TestPodConstraintsFunc) ----------------------------------------

def _with_quota_on(*names: str) -> ResourceQuota:
    return make_quota(hard={n: "100" for n in names}, used={n: "0" for n in names})


@pytest.mark.parametrize("pod_kwargs,required,message", [
    # "init container resource missing" (an app container that states both is added: pods need one)
    (dict(containers=[ctr("app", {"cpu": "1m", "memory": "1Mi"})],
          init=[ctr("dummy", {"cpu": "1m"}, {"cpu": "2m"})]), ["memory"], "must specify memory for: dummy"),
    (dict(containers=[ctr("app", {"cpu": "1m", "memory": "1Mi"})],
          init=[ctr("foo", {"cpu": "1m"}, {"cpu": "2m"}), ctr("bar", {"cpu": "1m"}, {"cpu": "2m"})]),
     ["memory"], "must specify memory for: bar,foo"),
    (dict(containers=[ctr("dummy", {"cpu": "1m"}, {"cpu": "2m"})]), ["memory"], "must specify memory for: dummy"),
    (dict(containers=[ctr("foo", {"cpu": "1m"}, {"cpu": "2m"}), ctr("bar", {"cpu": "1m"}, {"cpu": "2m"})]),
     ["memory"], "must specify memory for: bar,foo"),
    (dict(containers=[ctr("foo"), ctr("bar")]), ["memory", "cpu"],
     "must specify cpu for: bar,foo; memory for: bar,foo"),
], ids=["init container resource missing", "multiple init container resource missing",
        "container resource missing", "multiple container resource missing", "container resource missing multiple"])
def test_pod_constraints_table(pod_kwargs: dict, required: list[str], message: str) -> None:
    result = check(make_pod(**pod_kwargs), [_with_quota_on(*required)])
    assert result == QuotaResult(allowed=False, message=f"failed quota: quota: {message}")


def test_must_specify_limits_as_kubectl_reports_it() -> None:
    q = make_quota("compute", hard={"requests.cpu": "1", "limits.cpu": "2", "limits.memory": "2Gi"},
                   used={"requests.cpu": "0", "limits.cpu": "0", "limits.memory": "0"})
    nginx = make_pod("nginx", [ctr("nginx", {"cpu": "100m"})])
    assert check(nginx, [q]).message == \
        "failed quota: compute: must specify limits.cpu for: nginx; limits.memory for: nginx"


def test_extended_and_storage_quotas_do_not_require_container_requests() -> None:
    """Only CPU and memory are in the validation set: a GPU quota admits a pod without GPU requests."""
    q = make_quota(hard={"requests.nvidia.com/gpu": "1", "requests.ephemeral-storage": "1Gi"},
                   used={"requests.nvidia.com/gpu": "0", "requests.ephemeral-storage": "0"})
    result = check(make_pod(containers=[ctr("c0", {"cpu": "1"})]), [q])
    assert result == QuotaResult(allowed=True)


# --- scopes (pods_test.go TestPodEvaluatorMatchingScopes, TestPodEvaluatorUsageStats) -------------

SCOPES = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass In class1",
          "CrossNamespacePodAffinity"]


def scoped(scope: str) -> ResourceQuota:
    if scope == "PriorityClass In class1":
        return make_quota(hard={"pods": "1"}, selector=[{"scopeName": "PriorityClass", "operator": "In",
                                                         "values": ["class1"]}])
    return make_quota(hard={"pods": "1"}, scopes=(scope,))


def affinity(kind: str, when: str, **term: Any) -> dict[str, Any]:
    term = {"topologyKey": "zone", "labelSelector": {}, **term}
    if when == "preferred":
        return {kind: {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": term}]}}
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}


MATCHING_SCOPES = {
    "EmptyPod": ({}, ["NotTerminating", "BestEffort"]),
    "PriorityClass": ({"priorityClassName": "class1"}, ["NotTerminating", "BestEffort", "PriorityClass In class1"]),
    "NotBestEffort": ({"containers": [ctr("c0", {"cpu": "1", "memory": "50M", "example.com/dongle": "1"},
                                          {"cpu": "2", "memory": "100M", "example.com/dongle": "1"})]},
                      ["NotTerminating", "NotBestEffort"]),
    "Terminating": ({"activeDeadlineSeconds": 30}, ["Terminating", "BestEffort"]),
    "CrossNamespaceRequiredAffinity": (
        {"activeDeadlineSeconds": 30, "affinity": affinity("podAffinity", "required", namespaces=["ns1"],
                                                           namespaceSelector={})},
        ["Terminating", "BestEffort", "CrossNamespacePodAffinity"]),
    "CrossNamespaceRequiredAffinityWithSlice": (
        {"activeDeadlineSeconds": 30, "affinity": affinity("podAffinity", "required", namespaces=["ns1"])},
        ["Terminating", "BestEffort", "CrossNamespacePodAffinity"]),
    "CrossNamespacePreferredAffinity": (
        {"activeDeadlineSeconds": 30, "affinity": affinity("podAffinity", "preferred", namespaces=["ns2"],
                                                           namespaceSelector={})},
        ["Terminating", "BestEffort", "CrossNamespacePodAffinity"]),
    "CrossNamespacePreferredAffinityWithSelector": (
        {"activeDeadlineSeconds": 30, "affinity": affinity("podAffinity", "preferred", namespaceSelector={})},
        ["Terminating", "BestEffort", "CrossNamespacePodAffinity"]),
    "CrossNamespacePreferredAntiAffinity": (
        {"activeDeadlineSeconds": 30, "affinity": affinity("podAntiAffinity", "preferred", namespaceSelector={})},
        ["Terminating", "BestEffort", "CrossNamespacePodAffinity"]),
    "CrossNamespaceRequiredAntiAffinity": (
        {"activeDeadlineSeconds": 30, "affinity": affinity("podAntiAffinity", "required", namespaces=["ns3"])},
        ["Terminating", "BestEffort", "CrossNamespacePodAffinity"]),
    "SameNamespaceAffinity": (
        {"affinity": affinity("podAffinity", "required")}, ["NotTerminating", "BestEffort"]),
}


@pytest.mark.parametrize("name", list(MATCHING_SCOPES))
def test_pod_matching_scopes_table(name: str) -> None:
    spec, expected = MATCHING_SCOPES[name]
    p = make_pod(**spec)
    assert [s for s in SCOPES if matches_scopes(scoped(s), p)] == expected


@pytest.mark.parametrize("operator,values,with_class,without_class", [
    ("In", ["high"], True, False), ("NotIn", ["high"], False, True), ("NotIn", ["low"], True, True),
    ("Exists", [], True, False), ("DoesNotExist", [], False, True),
])
def test_priority_class_scope_selector_operators(operator: str, values: list[str], with_class: bool,
                                                 without_class: bool) -> None:
    """podMatchesSelector: the pod's priorityClassName as label ``PriorityClass`` (absent when unset)."""
    q = make_quota(hard={"pods": "5"}, selector=[{"scopeName": "PriorityClass", "operator": operator,
                                                  "values": values}])
    assert matches_scopes(q, make_pod(priorityClassName="high")) is with_class
    assert matches_scopes(q, make_pod()) is without_class


def test_scopes_and_selectors_are_anded() -> None:
    q = make_quota(hard={"pods": "5"}, scopes=("BestEffort",),
                   selector=[{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}])
    assert matches_scopes(q, make_pod(priorityClassName="high"))
    assert not matches_scopes(q, make_pod(priorityClassName="low"))
    assert not matches_scopes(q, make_pod(containers=[ctr("c0", {"cpu": "1"})], priorityClassName="high"))


def test_non_pod_objects_only_match_unscoped_quotas() -> None:
    svc, dep = service("ClusterIP"), from_dict({"apiVersion": "apps/v1", "kind": "Deployment",
                                                "metadata": {"name": "d", "namespace": "test"},
                                                "spec": {"selector": {"matchLabels": {"a": "b"}},
                                                         "template": {"metadata": {"labels": {"a": "b"}},
                                                                      "spec": {"containers": [{"name": "c"}]}}}})
    assert matches_scopes(make_quota(hard={"services": "1"}), svc)
    for scope in ("BestEffort", "NotBestEffort", "Terminating", "NotTerminating", "CrossNamespacePodAffinity"):
        assert not matches_scopes(make_quota(hard={"services": "1"}, scopes=(scope,)), svc)
        assert not matches_scopes(make_quota(hard={"count/deployments.apps": "1"}, scopes=(scope,)), dep)


def test_pvc_volume_attributes_class_scopes() -> None:
    """persistent_volume_claims_test.go TestPersistentVolumeClaimEvaluatorMatchingScopes "EmptyPVC": a
    claim without a VolumeAttributesClass matches DoesNotExist and NotIn only."""
    def vac(operator: str, values: list[str]) -> ResourceQuota:
        return make_quota(hard={"persistentvolumeclaims": "1"}, selector=[
            {"scopeName": "VolumeAttributesClass", "operator": operator, "values": values}])
    claim = pvc()
    assert matches_scopes(vac("DoesNotExist", []), claim)
    assert not matches_scopes(vac("Exists", []), claim)
    assert not matches_scopes(vac("In", ["class1"]), claim)
    assert matches_scopes(vac("NotIn", ["class4"]), claim)
    assert not matches_scopes(make_quota(hard={"persistentvolumeclaims": "1"}, scopes=("BestEffort",)), claim)


def make_stats_pod(name: str, priority_class: str, cpu: str | None, phase: str) -> Pod:
    """pods_test.go makePod(name, pcName, resList, phase): requests = limits = resList."""
    resources = {"cpu": cpu} if cpu else {}
    return make_pod(name, [ctr("c0", resources, resources)], status={"phase": phase},
                    **({"priorityClassName": priority_class} if priority_class else {}))


STATS_HARD = {"pods": "100", "count/pods": "100", "cpu": "100", "requests.cpu": "100", "limits.cpu": "100"}


@pytest.mark.parametrize("objs,scopes,selector,want", [
    ([], (), None, {"pods": "0", "count/pods": "0", "cpu": "0", "requests.cpu": "0", "limits.cpu": "0"}),
    ([("p1", "", "1", "Running"), ("p2", "", "1", "Running")], (), None,
     {"pods": "2", "count/pods": "2", "cpu": "2", "requests.cpu": "2", "limits.cpu": "2"}),
    ([("p1", "", "1", "Running"), ("p2", "", "1", "Succeeded")], (), None,
     {"pods": "1", "count/pods": "2", "cpu": "1", "requests.cpu": "1", "limits.cpu": "1"}),
    ([("p1", "high-priority", "1", "Running"), ("p2", "high-priority", "1", "Succeeded"),
      ("p3", "low-priority", "1", "Running")], (), "high-priority",
     {"pods": "1", "count/pods": "2", "cpu": "1", "requests.cpu": "1", "limits.cpu": "1"}),
    ([("p1", "high-priority", "1", "Running"), ("p2", "high-priority", "1", "Succeeded"),
      ("p3", "low-priority", "1", "Running")], ("PriorityClass",), "high-priority",
     {"pods": "1", "count/pods": "2", "cpu": "1", "requests.cpu": "1", "limits.cpu": "1"}),
    ([("p1", "high-priority", "1", "Running"), ("p2", "high-priority", "1", "Succeeded"),
      ("p3", "low-priority", "1", "Running"), ("p4", "high-priority", None, "Failed")],
     ("PriorityClass", "BestEffort"), "high-priority",
     {"pods": "0", "count/pods": "1", "cpu": "0", "requests.cpu": "0", "limits.cpu": "0"}),
], ids=["nil case", "all pods in running state", "one pods in terminal state",
        "partial pods matching quotaScopeSelector", "partial pods matching quotaScopeSelector - w/ scopeName specified",
        "partial pods matching quotaScopeSelector - w/ multiple scopeNames specified"])
def test_pod_usage_stats_table(objs: list, scopes: tuple, selector: str | None, want: dict[str, str]) -> None:
    """TestPodEvaluatorUsageStats through the controller's recount (tracked resources start at zero)."""
    expressions = None if selector is None else [{"scopeName": "PriorityClass", "operator": "In",
                                                 "values": [selector]}]
    q = make_quota(spec_hard=STATS_HARD, scopes=scopes, selector=expressions)
    assert shown(recompute(q, [make_stats_pod(*o) for o in objs])) == want


# --- PVCs and services ---------------------------------------------------------------------------

@pytest.mark.parametrize("claim,want", [
    (pvc(), {"requests.storage": "10Gi", "persistentvolumeclaims": "1", "count/persistentvolumeclaims": "1"}),
    (pvc(cls="gold"), {"requests.storage": "10Gi", "persistentvolumeclaims": "1",
                       "count/persistentvolumeclaims": "1",
                       "gold.storageclass.storage.k8s.io/requests.storage": "10Gi",
                       "gold.storageclass.storage.k8s.io/persistentvolumeclaims": "1"}),
    (pvc(storage="1001m"), {"requests.storage": "2", "persistentvolumeclaims": "1",
                            "count/persistentvolumeclaims": "1"}),
    (pvc(storage="1001m", cls="gold"), {"requests.storage": "2", "persistentvolumeclaims": "1",
                                        "count/persistentvolumeclaims": "1",
                                        "gold.storageclass.storage.k8s.io/requests.storage": "2",
                                        "gold.storageclass.storage.k8s.io/persistentvolumeclaims": "1"}),
    (pvc(storage=None), {"persistentvolumeclaims": "1", "count/persistentvolumeclaims": "1"}),
    (pvc(cls="gold", annotations={"volume.beta.kubernetes.io/storage-class": "silver"}),
     {"requests.storage": "10Gi", "persistentvolumeclaims": "1", "count/persistentvolumeclaims": "1",
      "silver.storageclass.storage.k8s.io/requests.storage": "10Gi",
      "silver.storageclass.storage.k8s.io/persistentvolumeclaims": "1"}),
], ids=["pvc-usage", "pvc-usage-by-class", "pvc-usage-rounded", "pvc-usage-by-class-rounded", "no-request",
        "beta-annotation-wins"])
def test_pvc_usage_table(claim: PersistentVolumeClaim, want: dict[str, str]) -> None:
    assert shown(usage(claim)) == want


@pytest.mark.parametrize("name,tracked", [
    ("count/persistentvolumeclaims", True), ("requests.storage", True), ("persistentvolumeclaims", True),
    ("gold.storageclass.storage.k8s.io/requests.storage", True),
    ("gold.storageclass.storage.k8s.io/persistentvolumeclaims", True),
    ("storage", False), ("ephemeral-storage", False), ("bronze.storageclass.storage.k8s.io/storage", False),
    ("gold.storage.k8s.io/requests.storage", False),
])
def test_pvc_matching_resources(name: str, tracked: bool) -> None:
    """TestPersistentVolumeClaimEvaluatorMatchingResources: a quota on a name the PVC evaluator does not
    track never applies to a claim, even when that name is already over its limit."""
    q = make_quota(hard={name: "0"}, used={name: "0"})
    result = check(pvc(cls="gold"), [q])
    if tracked:
        assert not result.allowed and result.message.startswith(f"exceeded quota: quota, requested: {name}=")
    else:
        assert result == QuotaResult(allowed=True)


@pytest.mark.parametrize("kind,ports,want", [
    ("LoadBalancer", 1, {"services.nodeports": "1", "services.loadbalancers": "1"}),
    ("LoadBalancer", 2, {"services.nodeports": "2", "services.loadbalancers": "1"}),
    ("ClusterIP", 1, {"services.nodeports": "0", "services.loadbalancers": "0"}),
    ("NodePort", 1, {"services.nodeports": "1", "services.loadbalancers": "0"}),
    ("NodePort", 2, {"services.nodeports": "2", "services.loadbalancers": "0"}),
    ("ExternalName", 0, {"services.nodeports": "0", "services.loadbalancers": "0"}),
], ids=["loadbalancer", "loadbalancer_ports", "clusterip", "nodeports", "multi-nodeports", "externalname"])
def test_service_usage_table(kind: str, ports: int, want: dict[str, str]) -> None:
    """services_test.go TestServiceEvaluatorUsage."""
    assert shown(usage(service(kind, ports))) == {"count/services": "1", "services": "1", **want}


# --- object counts -------------------------------------------------------------------------------

def doc(api_version: str, kind: str, **body: Any) -> Any:
    return from_dict({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "test"},
                      **body})


POD_TEMPLATE = {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c"}]}}


@pytest.mark.parametrize("obj,want", [
    (doc("apps/v1", "Deployment", spec={"selector": {"matchLabels": {"a": "b"}}, "template": POD_TEMPLATE}),
     {"count/deployments.apps": "1"}),
    (doc("batch/v1", "Job", spec={"template": {**POD_TEMPLATE, "spec": {"containers": [{"name": "c"}],
                                                                      "restartPolicy": "Never"}}}),
     {"count/jobs.batch": "1"}),
    (doc("v1", "ReplicationController", spec={"selector": {"a": "b"}, "template": POD_TEMPLATE}),
     {"count/replicationcontrollers": "1", "replicationcontrollers": "1"}),
    (doc("v1", "ResourceQuota"), {"count/resourcequotas": "1", "resourcequotas": "1"}),
    (doc("v1", "ConfigMap", data={"k": "v"}), {"count/configmaps": "1", "configmaps": "1"}),
    (doc("v1", "Secret", type="Opaque"), {"count/secrets": "1", "secrets": "1"}),
    (doc("batch/v1", "CronJob", spec={}), {"count/cronjobs.batch": "1"}),
    (doc("networking.k8s.io/v1", "Ingress", spec={}), {"count/ingresses.networking.k8s.io": "1"}),
    (doc("example.com/v1", "Widget"), {"count/widgets.example.com": "1"}),
    (doc("v1", "Event"), {}),
    (doc("events.k8s.io/v1", "Event"), {}),
], ids=["deployment", "job", "replicationcontroller", "resourcequota", "configmap", "secret", "cronjob",
        "ingress", "custom-resource", "event", "events.k8s.io-event"])
def test_object_count_usage(obj: Any, want: dict[str, str]) -> None:
    """ObjectCountQuotaResourceNameFor and the legacy aliases of registry.go; events are ignored."""
    assert shown(usage(obj)) == want


def test_object_count_quota_denies_the_next_job() -> None:
    q = make_quota("compute", hard={"count/jobs.batch": "3"}, used={"count/jobs.batch": "3"})
    job = doc("batch/v1", "Job", spec={"template": {**POD_TEMPLATE, "spec": {"containers": [{"name": "c"}],
                                                                           "restartPolicy": "Never"}}})
    assert check(job, [q]).message == \
        "exceeded quota: compute, requested: count/jobs.batch=1, used: count/jobs.batch=3, limited: count/jobs.batch=3"
    # The object-count evaluator handles creates only.
    assert check(job, [q], old=attrs.evolve(job, metadata=attrs.evolve(job.metadata, resource_version="7"))) \
        == QuotaResult(allowed=True)


def test_configmap_quota_by_legacy_name_and_count_name() -> None:
    q = make_quota(hard={"configmaps": "2", "count/configmaps": "5"}, used={"configmaps": "1", "count/configmaps": "1"})
    assert shown(only(check(doc("v1", "ConfigMap"), [q])).status.used) == {"configmaps": "2", "count/configmaps": "2"}


# --- admission (admission_test.go) ---------------------------------------------------------------

COMPUTE = {"cpu": "3", "memory": "100Gi", "pods": "5"}
COMPUTE_USED = {"cpu": "1", "memory": "50Gi", "pods": "3"}


def test_admit_below_quota_limit() -> None:
    q = only(check(valid_pod("allowed-pod", "100m", "2Gi"), [make_quota(hard=COMPUTE, used=COMPUTE_USED)]))
    assert shown(q.status.used) == {"cpu": "1100m", "memory": "52Gi", "pods": "4"}
    assert q.status.hard == make_quota(hard=COMPUTE).status.hard


def test_admit_exceed_quota_limit() -> None:
    result = check(valid_pod("not-allowed-pod", "3", "2Gi"), [make_quota(hard=COMPUTE, used=COMPUTE_USED)])
    assert result == QuotaResult(allowed=False,
                                 message="exceeded quota: quota, requested: cpu=3, used: cpu=1, limited: cpu=3")


def test_exceeded_message_lists_every_exceeded_resource_sorted() -> None:
    q = make_quota(hard={"requests.cpu": "100", "requests.memory": "1Gi", "pods": "10"},
                   used={"requests.cpu": "99", "requests.memory": "1Gi", "pods": "1"})
    result = check(valid_pod("p", "2", "1Mi"), [q])
    assert result.message == ("exceeded quota: quota, requested: requests.cpu=2,requests.memory=1Mi, "
                              "used: requests.cpu=99,requests.memory=1Gi, "
                              "limited: requests.cpu=100,requests.memory=1Gi")


def test_admit_enforce_quota_constraints() -> None:
    q = make_quota(hard={**COMPUTE, "limits.memory": "200Gi"}, used={**COMPUTE_USED, "limits.memory": "100Gi"})
    result = check(valid_pod("not-allowed-pod", "100m", "2Gi", limit_cpu="200m"), [q])
    assert result == QuotaResult(allowed=False, message="failed quota: quota: must specify limits.memory for: c0")


def test_admit_pod_in_namespace_without_quota() -> None:
    q = make_quota(hard={**COMPUTE, "limits.memory": "200Gi"}, used={**COMPUTE_USED, "limits.memory": "100Gi"},
                   ns="other")
    assert check(valid_pod("allowed-pod", "100m", "2Gi", limit_cpu="200m"), [q]) == QuotaResult(allowed=True)


def test_admit_below_terminating_quota_limit() -> None:
    non_terminating = make_quota("quota-non-terminating", COMPUTE, COMPUTE_USED, scopes=("NotTerminating",))
    terminating = make_quota("quota-terminating", COMPUTE, COMPUTE_USED, scopes=("Terminating",))
    q = only(check(valid_pod("allowed-pod", "100m", "2Gi", activeDeadlineSeconds=30), [terminating, non_terminating]))
    assert q.name == "quota-terminating"
    assert shown(q.status.used) == {"cpu": "1100m", "memory": "52Gi", "pods": "4"}


def test_admit_below_best_effort_quota_limit() -> None:
    best_effort = make_quota("quota-besteffort", {"pods": "5"}, {"pods": "3"}, scopes=("BestEffort",))
    not_best_effort = make_quota("quota-not-besteffort", {"pods": "5"}, {"pods": "3"}, scopes=("NotBestEffort",))
    q = only(check(valid_pod("allowed-pod"), [best_effort, not_best_effort]))
    assert q.name == "quota-besteffort"
    assert shown(q.status.used) == {"pods": "4"}


def test_admit_best_effort_quota_limit_ignores_burstable() -> None:
    best_effort = make_quota("quota-besteffort", {"pods": "5"}, {"pods": "3"}, scopes=("BestEffort",))
    assert check(valid_pod("allowed-pod", "100m", "1Gi"), [best_effort]) == QuotaResult(allowed=True)


def test_admit_when_unrelated_resource_exceeds_quota() -> None:
    q = make_quota(hard={"services": "3", "pods": "4"}, used={"services": "4", "pods": "1"})
    assert shown(only(check(valid_pod("allowed-pod"), [q])).status.used) == {"services": "4", "pods": "2"}


def test_admit_handles_old_objects() -> None:
    """A LoadBalancer becomes a NodePort: the node port is charged, nothing is refunded (deltas are
    floored at zero; the quota controller gives the load balancer back later)."""
    q = make_quota(hard={"services": "10", "services.loadbalancers": "10", "services.nodeports": "10"},
                   used={"services": "1", "services.loadbalancers": "1", "services.nodeports": "0"})
    result = check(service("NodePort", 1), [q], old=service("LoadBalancer", rv="1"))
    assert shown(only(result).status.used) == {"services": "1", "services.loadbalancers": "1",
                                               "services.nodeports": "1"}


def test_admit_handles_creating_updates() -> None:
    """An old object without resourceVersion means create-on-update: the full usage is charged."""
    q = make_quota(hard={"services": "10", "services.loadbalancers": "10", "services.nodeports": "10"},
                   used={"services": "1", "services.loadbalancers": "1", "services.nodeports": "0"})
    result = check(service("NodePort", 1), [q], old=service("LoadBalancer", rv=""))
    assert shown(only(result).status.used) == {"services": "2", "services.loadbalancers": "1",
                                               "services.nodeports": "1"}


PVC_QUOTA = ({"persistentvolumeclaims": "3", "requests.storage": "100Gi"},
             {"persistentvolumeclaims": "1", "requests.storage": "10Gi"})


def test_admit_handles_negative_pvc_updates() -> None:
    old = pvc("pvc-to-update", "10Gi", rv="1")
    result = check(pvc("pvc-to-update", "5Gi"), [make_quota("quota", *PVC_QUOTA)], old=old)
    assert result == QuotaResult(allowed=True)


def test_admit_handles_pvc_updates() -> None:
    old = pvc("pvc-to-update", "10Gi", rv="1")
    result = check(pvc("pvc-to-update", "15Gi"), [make_quota("quota", *PVC_QUOTA)], old=old)
    assert shown(only(result).status.used) == {"persistentvolumeclaims": "1", "requests.storage": "15Gi"}


def test_admit_rejects_negative_usage() -> None:
    claim = pvc("not-allowed-pvc", "1Gi")
    negative = attrs.evolve(claim, spec=attrs.evolve(claim.spec, resources=attrs.evolve(
        claim.spec.resources, requests=FrozenDict({"storage": parse_quantity("-1Gi")}))))
    assert check(negative, [make_quota("quota", *PVC_QUOTA)]) == QuotaResult(
        allowed=False, message="quota usage is negative for resource(s): requests.storage")
    assert check(claim, [make_quota("quota", *PVC_QUOTA)]).allowed


def test_status_unknown_until_the_controller_records_usage() -> None:
    """hasUsageStats: a tracked resource without ``status.used`` forbids the request."""
    q = make_quota(hard={"pods": "3", "services": "2"}, used={"services": "0"})
    assert check(valid_pod("p"), [q]) == QuotaResult(allowed=False,
                                                     message="status unknown for quota: quota, resources: pods")


def test_quota_without_status_does_not_apply_yet() -> None:
    """Admission matches on ``status.hard``: a quota the controller has not synced enforces nothing."""
    q = make_quota(spec_hard={"pods": "0"})
    assert check(valid_pod("p"), [q]) == QuotaResult(allowed=True)


def test_priority_class_scoped_quota_reports_exceeded_memory() -> None:
    """TestAdmitLimitedScopeWithCoverQuota "quota fails, though covering quota ... exists"."""
    q = make_quota(hard={"memory": "10Gi"}, used={"memory": "1Gi"},
                   selector=[{"scopeName": "PriorityClass", "operator": "Exists"}])
    result = check(valid_pod("not-allowed-pod", "3", "20Gi", priorityClassName="fake-priority"), [q])
    assert result.message == "exceeded quota: quota, requested: memory=20Gi, used: memory=1Gi, limited: memory=10Gi"
    assert check(valid_pod("allowed-pod", "3", "20Gi"), [q]) == QuotaResult(allowed=True)


@pytest.mark.parametrize("old_deadline,new_deadline,handled", [
    (1, None, True), (None, 1, True), (2, 1, False), (None, None, False),
], ids=["update-activeDeadlineSeconds-to-nil", "update-activeDeadlineSeconds-from-nil",
        "update-activeDeadlineSeconds-with-different-values", "update"])
def test_pod_updates_are_charged_only_when_the_terminating_scope_changes(
        old_deadline: int | None, new_deadline: int | None, handled: bool) -> None:
    """pods_test.go TestPodEvaluatorHandles: a pod update is charged only when its Terminating scope
    changes, and then only to quotas the old pod did not match (an unscoped quota sees no increase)."""
    def deadline(value: int | None) -> dict[str, Any]:
        return {} if value is None else {"activeDeadlineSeconds": value}
    old = attrs.evolve(valid_pod("p", **deadline(old_deadline)), metadata=attrs.evolve(
        valid_pod("p").metadata, resource_version="5"))
    new = valid_pod("p", **deadline(new_deadline))
    assert check(new, [make_quota(hard={"pods": "5"}, used={"pods": "1"})], old=old) == QuotaResult(allowed=True)
    terminating = make_quota("t", {"pods": "5"}, {"pods": "1"}, scopes=("Terminating",))
    result = check(new, [terminating], old=old)
    assert result.allowed
    if handled and new_deadline is not None:
        assert shown(only(result).status.used) == {"pods": "2"}
    else:
        assert result.quotas == ()
    # Created afresh, the same pod would be charged whenever it is terminating.
    assert bool(check(new, [terminating]).quotas) is (new_deadline is not None)


def test_pod_resize_charges_the_increase() -> None:
    """A change of container resources (the pods/resize path) charges only the increase."""
    q = make_quota(hard={"requests.cpu": "4"}, used={"requests.cpu": "1"})
    old = attrs.evolve(valid_pod("p", "1"), metadata=attrs.evolve(valid_pod("p").metadata, resource_version="3"))
    assert shown(only(check(valid_pod("p", "3"), [q], old=old)).status.used) == {"requests.cpu": "3"}
    assert check(valid_pod("p", "5"), [q], old=old).message == \
        "exceeded quota: quota, requested: requests.cpu=4, used: requests.cpu=1, limited: requests.cpu=4"


# --- the repository's example cluster and the documentation's examples -------------------------

def synced(quota: ResourceQuota, objects: list[Any] = ()) -> ResourceQuota:
    """What the quota controller writes: status.hard = spec.hard, status.used recounted."""
    status = attrs.evolve(quota.status, hard=quota.spec.hard, used=recompute(quota, objects))
    return attrs.evolve(quota, status=status)


@pytest.fixture(scope="module")
def cluster_quotas() -> list[ResourceQuota]:
    return [synced(o) for o in load(EXAMPLES) if isinstance(o, ResourceQuota)]


def in_ns(quotas: list[ResourceQuota], ns: str) -> list[ResourceQuota]:
    return [q for q in quotas if q.namespace == ns]


def test_example_dev_quota_requires_cpu_limits(cluster_quotas: list[ResourceQuota]) -> None:
    p = make_pod("web", [ctr("nginx", {"cpu": "500m", "memory": "256Mi"})], ns="dev")
    assert check(p, cluster_quotas).message == "failed quota: compute: must specify limits.cpu for: nginx"
    ok = make_pod("web", [ctr("nginx", {"cpu": "500m", "memory": "256Mi"}, {"cpu": "1"})], ns="dev")
    (compute,) = check(ok, cluster_quotas).quotas
    assert (compute.namespace, compute.name) == ("dev", "compute")
    assert shown(compute.status.used) == {"requests.cpu": "500m", "requests.memory": "256Mi", "limits.cpu": "1",
                                          "pods": "1"}


def test_example_dev_best_effort_quota(cluster_quotas: list[ResourceQuota]) -> None:
    """In dev, a best-effort pod is charged only to ``best-effort`` (``compute`` requires requests)."""
    quotas = in_ns(cluster_quotas, "dev")
    best_effort_only = [q for q in quotas if q.name == "best-effort"]
    assert shown(only(check(make_pod(ns="dev"), best_effort_only)).status.used) == {"pods": "1"}
    assert check(make_pod(ns="dev"), quotas).message.startswith("failed quota: compute: must specify")


def test_example_prod_gpu_quota(cluster_quotas: list[ResourceQuota]) -> None:
    def gpu_pod(gpus: str) -> Pod:
        return make_pod("train", [ctr("cuda", {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": gpus},
                                      {"nvidia.com/gpu": gpus})], ns="prod")
    (q,) = check(gpu_pod("4"), cluster_quotas).quotas
    assert str(q.status.used["requests.nvidia.com/gpu"]) == "4"
    assert check(gpu_pod("101"), cluster_quotas).message == (
        "exceeded quota: compute, requested: requests.nvidia.com/gpu=101, used: requests.nvidia.com/gpu=0, "
        "limited: requests.nvidia.com/gpu=100")


def test_example_test_namespace_counts_jobs(cluster_quotas: list[ResourceQuota]) -> None:
    job = from_dict({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "namespace": "test"},
                     "spec": {"template": {"spec": {"containers": [{"name": "c"}], "restartPolicy": "Never"}}}})
    quotas = in_ns(cluster_quotas, "test")
    for _ in range(3):
        (q,) = check(job, quotas).quotas
        quotas = [q]
    assert check(job, quotas).message == (
        "exceeded quota: compute, requested: count/jobs.batch=1, used: count/jobs.batch=3, limited: count/jobs.batch=3")


def corpus(name: str) -> list[Any]:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {path} not available")
    return load(path)


def test_docs_quota_mem_cpu() -> None:
    """quota-memory-cpu-namespace task: the first pod fits, the second exceeds requests.memory."""
    (quota,) = corpus("quota-mem-cpu.yaml")
    (first,) = corpus("quota-mem-cpu-pod.yaml")
    (charged,) = check(first, [synced(quota)]).quotas
    assert shown(charged.status.used) == {"requests.cpu": "400m", "requests.memory": "600Mi", "limits.cpu": "800m",
                                          "limits.memory": "800Mi"}
    second = make_pod("quota-mem-cpu-demo-2", [ctr("quota-mem-cpu-demo-2-ctr", {"memory": "700Mi", "cpu": "400m"},
                                                   {"memory": "1Gi", "cpu": "800m"})], ns=first.namespace)
    assert check(second, [charged]).message == (
        "exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, "
        "limited: requests.memory=1Gi")


def test_docs_quota_pod_with_deployment() -> None:
    """quota-pod-namespace task: a 3-replica Deployment gets 2 pods under ``pods: "2"``."""
    (quota,) = corpus("quota-pod.yaml")
    (deployment,) = corpus("quota-pod-deployment.yaml")
    quotas = [synced(quota)]
    assert check(deployment, quotas) == QuotaResult(allowed=True)
    template = deployment.spec.template
    results = []
    for i in range(3):
        p = Pod(metadata=attrs.evolve(template.metadata, name=f"pod-quota-demo-{i}", namespace="default"),
                spec=template.spec)
        result = check(p, quotas)
        results.append(result.allowed)
        quotas = list(result.quotas) or quotas
    assert results == [True, True, False]
    assert result.message == "exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2"


def test_docs_quota_objects() -> None:
    """quota-api-object task: one PVC allowed, a second forbidden; no NodePort services at all."""
    (quota,) = corpus("quota-objects.yaml")
    (claim,) = corpus("quota-objects-pvc.yaml")
    (q,) = check(claim, [synced(quota)]).quotas
    second = attrs.evolve(claim, metadata=attrs.evolve(claim.metadata, name="pvc-quota-demo-2"))
    assert check(second, [q]).message == ("exceeded quota: object-quota-demo, requested: persistentvolumeclaims=1, "
                                          "used: persistentvolumeclaims=1, limited: persistentvolumeclaims=1")
    assert check(service("NodePort", 1, ns="default"), [q]).message == (
        "exceeded quota: object-quota-demo, requested: services.nodeports=1, used: services.nodeports=0, "
        "limited: services.nodeports=0")
    assert check(service("ClusterIP", 1, ns="default"), [q]) == QuotaResult(allowed=True)


def test_docs_quota_objects_priority() -> None:
    """resource-quotas docs, "Resource quota per PriorityClass": a high-priority pod is charged to pods-high only."""
    quotas = [synced(q) for q in corpus("quota-objects-priority.yaml")]
    high = make_pod("high-priority", [ctr("high-priority", {"memory": "10Gi", "cpu": "500m"},
                                          {"memory": "10Gi", "cpu": "500m"})], ns="default",
                    priorityClassName="high")
    (q,) = check(high, quotas).quotas
    assert q.name == "pods-high"
    assert shown(q.status.used) == {"cpu": "500m", "memory": "10Gi", "pods": "1"}
    assert check(make_pod("none", [ctr("c", {"cpu": "1", "memory": "1Gi"})], ns="default"), quotas) \
        == QuotaResult(allowed=True)


# --- recompute -----------------------------------------------------------------------------------

def test_recompute_keeps_untracked_and_drops_removed_resources() -> None:
    q = make_quota(spec_hard={"pods": "10", "foo.example.com/bar": "3"},
                   used={"pods": "7", "foo.example.com/bar": "2", "services": "4"})
    assert shown(recompute(q, [make_pod(), make_pod("other", ns="elsewhere")])) == \
        {"pods": "1", "foo.example.com/bar": "2"}


# --- properties ----------------------------------------------------------------------------------

CPU = st.sampled_from(["", "100m", "250m", "1", "2"])
MEMORY = st.sampled_from(["", "64Mi", "1Gi"])
GPU = st.sampled_from(["", "1", "2"])


@st.composite
def pods(draw: st.DrawFn, index: int) -> Pod:
    requests = {k: v for k, v in (("cpu", draw(CPU)), ("memory", draw(MEMORY)), ("nvidia.com/gpu", draw(GPU))) if v}
    # Extended resources must be limited, to the amount requested (ValidateResourceRequirements).
    limits = {k: v for k, v in requests.items() if k == "nvidia.com/gpu" or draw(st.booleans())}
    spec: dict[str, Any] = {}
    if draw(st.booleans()):
        spec["priorityClassName"] = draw(st.sampled_from(["high", "low"]))
    if draw(st.booleans()):
        spec["activeDeadlineSeconds"] = 60
    phase = draw(st.sampled_from(["Pending", "Running", "Running", "Succeeded"]))
    return make_pod(f"p{index}", [ctr("c", requests, limits)], status={"phase": phase}, **spec)


QUOTA_SHAPES = [
    make_quota("compute", spec_hard={"requests.cpu": "3", "requests.memory": "2Gi", "pods": "6"}),
    make_quota("gpus", spec_hard={"requests.nvidia.com/gpu": "3", "count/pods": "8"}),
    make_quota("best-effort", spec_hard={"pods": "2"}, scopes=("BestEffort",)),
    make_quota("terminating", spec_hard={"cpu": "1", "limits.cpu": "2"}, scopes=("Terminating",)),
    make_quota("high", spec_hard={"pods": "3", "cpu": "2"},
               selector=[{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]),
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(QUOTA_SHAPES), min_size=1, max_size=3, unique_by=lambda q: q.name),
       st.data())
def test_admitting_pods_never_exceeds_hard_and_matches_the_recount(shapes: list[ResourceQuota],
                                                                   data: st.DataObject) -> None:
    """Admission in arrival order keeps used <= hard, and its running charge equals the controller's recount."""
    quotas = [synced(q) for q in shapes]
    admitted: list[Pod] = []
    for i in range(data.draw(st.integers(1, 10))):
        candidate = data.draw(pods(i))
        result = check(candidate, quotas)
        if not result.allowed:
            continue
        raised = {q.name: q for q in result.quotas}
        quotas = [raised.get(q.name, q) for q in quotas]
        admitted.append(candidate)
        for q in quotas:
            assert all(q.status.used[name] <= hard for name, hard in q.status.hard.items())
    for q in quotas:
        assert q.status.used == recompute(q, admitted)


OTHER_OBJECTS = st.sampled_from([
    pvc("a", "1Gi", cls="gold"), pvc("b", "1500m"), service("NodePort", 2, name="np"),
    service("LoadBalancer", 1, name="lb"), doc("v1", "ConfigMap"), doc("batch/v1", "CronJob", spec={}),
    pvc("c", "5Gi", ns="elsewhere"),
])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 99).flatmap(pods), OTHER_OBJECTS), max_size=8))
def test_recompute_is_the_sum_of_usages(objects: list[Any]) -> None:
    names = {name for obj in objects for name in usage(obj)} | {"pods", "requests.storage"}
    q = make_quota(spec_hard={name: "1000" for name in names})
    total = recompute(q, objects)
    for name in names:
        expected = sum((usage(o).get(name, Quantity.from_int(0)) for o in objects if o.namespace == "test"),
                       Quantity.from_int(0))
        assert total[name] == expected
