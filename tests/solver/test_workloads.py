"""Workload expansion: the pods each controller would create, named like upstream's.

Upstream sources: pkg/controller/controller_utils.go (GetPodFromTemplate), pkg/controller/statefulset/
stateful_set_utils.go (newStatefulSetPod), pkg/controller/job/indexed_job_utils.go, pkg/controller/daemon/
util/daemonset_util.go (AddOrUpdateDaemonPodTolerations, ReplaceDaemonSetPodNodeNameNodeAffinity).
"""

import re

from model.affinity import pod_matches_node
from model.objects import DaemonSet, Deployment, Job, Pod, ReplicaSet, ReplicationController, StatefulSet
from solver.workloads import (
    ALPHANUMS,
    POD_TEMPLATE_HASH,
    expand,
    fnv32a,
    generated_name,
    job_active_count,
    safe_encode,
)
from tests.solver.helpers import node

TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
SUFFIX = f"[{ALPHANUMS}]{{5}}"


def test_fnv32a_matches_the_reference_values():
    # hash/fnv test vectors (FNV-1a 32-bit)
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C
    assert fnv32a(b"foobar") == 0xBF9CF968


def test_safe_encode_maps_every_byte_into_the_alphabet():
    assert set(safe_encode("0123456789")) <= set(ALPHANUMS)
    assert safe_encode("0") == ALPHANUMS[ord("0") % len(ALPHANUMS)]


def test_generated_names_are_cut_to_58_characters_and_unique():
    taken: set[str] = set()
    names = [generated_name("x" * 70 + "-", str(i), taken) for i in range(50)]
    assert len(set(names)) == 50
    assert all(len(n) == 63 and n.startswith("x" * 58) for n in names)


def test_deployment_creates_a_hashed_replica_set_and_its_pods():
    deploy = Deployment.from_dict({"metadata": {"name": "web", "namespace": "prod"},
                                   "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                                            "template": TEMPLATE}})
    expansion = expand([deploy])
    (rs,) = expansion.owners
    digest = rs.spec.template.metadata.labels[POD_TEMPLATE_HASH]
    assert rs.name == f"web-{digest}" and set(digest) <= set(ALPHANUMS)
    assert len(expansion.pods) == 3
    for p in expansion.pods:
        assert re.fullmatch(f"web-{digest}-{SUFFIX}", p.name)
        assert p.namespace == "prod"
        assert p.labels == {"app": "web", POD_TEMPLATE_HASH: digest}
        ref = p.metadata.controller_ref()
        assert (ref.kind, ref.name) == ("ReplicaSet", rs.name)


def test_the_template_hash_follows_the_template():
    a = Deployment.from_dict({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
                                                                    "template": TEMPLATE}})
    other = {**TEMPLATE, "spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}
    b = Deployment.from_dict({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
                                                                    "template": other}})
    assert expand([a]).owners[0].name != expand([b]).owners[0].name
    assert expand([a]).owners[0].name == expand([a]).owners[0].name


def test_replica_set_and_replication_controller_pods():
    rs = ReplicaSet.from_dict({"metadata": {"name": "cache"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE}})
    rc = ReplicationController.from_dict({"metadata": {"name": "legacy"}, "spec": {"replicas": 4,
                                                                                   "template": TEMPLATE}})
    pods = expand([rs, rc]).pods
    assert [p.name[:-5] for p in pods] == ["cache-"] * 2 + ["legacy-"] * 4
    assert pods[2].metadata.controller_ref().kind == "ReplicationController"


def test_stateful_set_pods_are_ordinal_with_identity_labels():
    sts = StatefulSet.from_dict({"metadata": {"name": "db"}, "spec": {
        "replicas": 3, "serviceName": "db-svc", "ordinals": {"start": 5},
        "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE}})
    pods = expand([sts]).pods
    assert [p.name for p in pods] == ["db-5", "db-6", "db-7"]
    assert pods[0].labels["statefulset.kubernetes.io/pod-name"] == "db-5"
    assert pods[0].labels["apps.kubernetes.io/pod-index"] == "5"
    assert (pods[0].spec.hostname, pods[0].spec.subdomain) == ("db-5", "db-svc")


def _job(**spec):
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}
    return Job.from_dict({"metadata": {"name": "batch"}, "spec": {"template": template, **spec}})


def test_job_runs_parallelism_pods_capped_by_completions():
    assert job_active_count(_job(parallelism=5, completions=3)) == 3
    assert job_active_count(_job(parallelism=2)) == 2
    assert job_active_count(_job()) == 1
    assert job_active_count(_job(parallelism=4, suspend=True)) == 0
    pods = expand([_job(parallelism=2, completions=4)]).pods
    assert len(pods) == 2 and all(p.labels["job-name"] == "batch" for p in pods)
    assert all(p.labels["batch.kubernetes.io/job-name"] == "batch" for p in pods)


def test_indexed_job_pods_carry_their_completion_index():
    pods = expand([_job(parallelism=3, completions=3, completionMode="Indexed")]).pods
    assert [p.metadata.annotations["batch.kubernetes.io/job-completion-index"] for p in pods] == ["0", "1", "2"]
    assert all(re.fullmatch(f"batch-{i}-{SUFFIX}", p.name) for i, p in enumerate(pods))


def test_daemon_set_gets_one_pod_per_eligible_node_pinned_by_name():
    ds = DaemonSet.from_dict({"metadata": {"name": "agent", "namespace": "kube-system"}, "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {**TEMPLATE, "spec": {**TEMPLATE["spec"], "nodeSelector": {"os": "linux"}}}}})
    tainted = node("n3", labels={"os": "linux"}, taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}])
    cordoned = node("n4", labels={"os": "linux"}, taints=[{"key": "node.kubernetes.io/unschedulable",
                                                          "effect": "NoSchedule"}])
    nodes = [node("n1", labels={"os": "linux"}), node("n2", labels={"os": "windows"}), tainted, cordoned]
    pods = expand([ds], nodes).pods
    targets = [[n.name for n in nodes if pod_matches_node(p, n)] for p in pods]
    assert targets == [["n1"], ["n4"]]
    assert any(t.key == "node.kubernetes.io/unschedulable" and t.operator == "Exists" for t in pods[1].spec.tolerations)


def test_bare_pods_pass_through_and_other_kinds_are_ignored():
    bare = Pod.from_dict({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}})
    assert expand([bare, node("n1")]).pods == (bare,)
