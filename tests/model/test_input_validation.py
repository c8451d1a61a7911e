"""What the API server (and kubectl's strict field validation) refuses in a user's manifests: the rules ported from
pkg/apis/core/validation, pkg/apis/apps/validation and pkg/apis/rbac/validation (model.apiserver.validation,
model.apiserver.names), the OpenAPI field table (model.fields), and the real manifests that must still load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from model.apiserver.validation import input_problem, server_side_problem
from model.errors import ManifestError
from model.examples import DIRECTORY as EXAMPLES
from model.manifests import from_dict, load, load_text

CORPUS = Path(__file__).parents[3] / "shared" / "corpus"
REAL_WORLD = CORPUS / "real-world"
DOCS = CORPUS / "k8s-docs-examples"


def pod(name: str = "web", **spec: Any) -> dict[str, Any]:
    spec.setdefault("containers", [{"name": "app", "image": "nginx"}])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "prod"}, "spec": spec}


def deployment(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec,
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}


def service(*ports: dict[str, Any], name: str = "web") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"ports": list(ports)}}


def claim(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"}, "spec": spec}


def quota(hard: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": hard}}


def binding(kind: str, subject: dict[str, Any]) -> dict[str, Any]:
    role = "ClusterRole"
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": "b", "namespace": "ns"},
            "roleRef": {"kind": role, "name": "view", "apiGroup": "rbac.authorization.k8s.io"}, "subjects": [subject]}


def strict_error(doc: dict[str, Any]) -> str:
    with pytest.raises(ManifestError) as info:
        load_text(yaml.safe_dump(doc), "m.yaml", "strict")
    return str(info.value)


PORT = {"name": "http", "containerPort": 80}


@pytest.mark.parametrize(("doc", "expected"), [
    (pod("Web_1"), 'metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of'),
    (pod(containers=[{"name": "App", "image": "nginx"}]),
     'spec.containers[0].name: Invalid value: "App": a lowercase RFC 1123 label must consist of'),
    (pod(containers=[{"name": "app", "image": "nginx", "ports": [PORT, {**PORT, "containerPort": 81}]}]),
     'spec.containers[0].ports[1].name: Duplicate value: "http"'),
    (pod(containers=[{"name": "app", "image": "nginx", "ports": [{"name": "http--2", "containerPort": 80}]}]),
     'spec.containers[0].ports[0].name: Invalid value: "http--2": must not contain consecutive hyphens'),
    (pod(containers=[{"name": "app"}]), "spec.containers[0].image: Required value"),
    (pod(containers=[{"name": "app", "image": "nginx", "imagePullPolicy": "always"}]),
     'spec.containers[0].imagePullPolicy: unsupported value "always": supported values: "Always", "IfNotPresent", '
     '"Never"'),
    (pod(dnsPolicy="ClusterLast"), 'spec.dnsPolicy: unsupported value "ClusterLast"'),
    (deployment(replicas=2**31), "spec.replicas: expected a 32-bit integer, got 2147483648"),
    (deployment(replica=3), "spec.replica: unknown field"),
    ({**deployment(), "metadata": {"name": "web", "namespace": "Prod"}},
     'metadata.namespace: Invalid value: "Prod": a lowercase RFC 1123 label'),
    (service({"port": 80}, name="1web"), 'metadata.name: Invalid value: "1web": a DNS-1035 label must'),
    (service({"port": 80}, {"port": 81}), "spec.ports[0].name: Required value"),
    (service({"port": 80, "name": "a"}, {"port": 81, "name": "a"}), 'spec.ports[1].name: Duplicate value: "a"'),
    (claim({"accessModes": ["ReadWriteOnce"]}), "spec.resources[storage]: Required value"),
    (claim({"resources": {"requests": {"storage": "1Gi"}}}),
     "spec.accessModes: Required value: at least 1 access mode is required"),
    (quota({"pods": "-1"}), 'spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0'),
    (quota({"pods": "1.5"}), 'spec.hard[pods]: Invalid value: "1500m": must be an integer'),
    (binding("ClusterRoleBinding", {"kind": "ServiceAccount", "name": "sa"}), "subjects[0].namespace: Required value"),
])
def test_what_the_api_server_refuses_is_one_located_line(doc: dict[str, Any], expected: str) -> None:
    assert strict_error(doc).startswith(f"m.yaml doc 1: {expected}")


def test_the_same_objects_pass_when_valid() -> None:
    """Each rule's good side: the documents above, mended, load under strict validation."""
    good = [
        pod(containers=[{"name": "app", "image": "nginx", "imagePullPolicy": "Always",
                         "ports": [PORT, {"name": "https", "containerPort": 443}]}], dnsPolicy="ClusterFirst"),
        deployment(replicas=2**31 - 1), service({"port": 80, "name": "a"}, {"port": 81, "name": "b"}),
        service({"port": 80}), claim({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}),
        quota({"pods": "0", "requests.cpu": "1.5"}),
        binding("RoleBinding", {"kind": "ServiceAccount", "name": "sa"}),  # kube-state-metrics' autosharding example
        binding("ClusterRoleBinding", {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"}),
    ]
    for doc in good:
        (obj,) = load_text(yaml.safe_dump(doc), "m.yaml", "strict")
        assert input_problem(obj) is None


def test_the_model_api_server_refuses_invalid_names_on_create() -> None:
    """The name, container, port and quota rules hold in the model's API server too, not only on loading."""
    assert server_side_problem(from_dict(pod("Web_1")))[0] == "metadata.name"
    assert server_side_problem(from_dict(quota({"pods": "-1"})))[0] == "spec.hard[pods]"
    assert server_side_problem(from_dict(pod(containers=[{"name": "app"}]))) is None  # image: fixtures omit it


def test_unknown_fields_warn_or_are_ignored_on_request() -> None:
    text = yaml.safe_dump(deployment(replica=3))
    warnings: list[str] = []
    (obj,) = load_text(text, "m.yaml", "warn", warnings.append)
    assert warnings == ["m.yaml doc 1: spec.replica: unknown field"] and obj.spec.replicas == 1
    (obj,) = load_text(text, "m.yaml", "ignore", warnings.append)
    assert len(warnings) == 1
    assert load_text(text) == [obj]  # fixtures (no validation) load as before


def test_duplicate_fields_are_refused_by_strict_validation() -> None:
    text = yaml.safe_dump(deployment(replicas=3)).replace("replicas: 3", "replicas: 3\n  replicas: 1")
    with pytest.raises(ManifestError) as info:
        load_text(text, "m.yaml", "strict")
    assert str(info.value).startswith('m.yaml doc 1: duplicate field "replicas" (line ')
    warnings: list[str] = []
    (obj,) = load_text(text, "m.yaml", "warn", warnings.append)
    assert obj.spec.replicas == 1 and warnings == [str(info.value)]
    merged = "a: &a {x: 1}\nb: {<<: *a, <<: *a, y: 2}\n"  # merge keys are not fields
    assert load_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" + merged, "m.yaml", "strict")


def test_bundled_examples_pass_strict_validation() -> None:
    assert load(EXAMPLES, "strict") == load(EXAMPLES)


DOCS_REFUSED = {
    "concepts/policy/limit-range/problematic-limit-range.yaml": "spec.limits[0].type: Invalid value",
    "pods/probe/grpc-liveness.yaml": "livenessProbe.gRPC: unknown field",  # the field is `grpc`: JSON is case-sensitive
    "pods/restart-policy/restart-all-containers.yaml": "restartPolicyRules[0].onExit: unknown field",  # pre-1.37 shape
}
"""Kubernetes documentation examples the API server (release 1.37, strict field validation) refuses, and why."""


def test_docs_corpus_under_strict_validation() -> None:
    if not (DOCS / "INDEX.tsv").is_file():
        pytest.skip(f"corpus not found: {DOCS / 'INDEX.tsv'} is missing")
    for line in (DOCS / "INDEX.tsv").read_text().splitlines():
        relative = line.split("\t")[0]
        if relative in DOCS_REFUSED:
            with pytest.raises(ManifestError, match=DOCS_REFUSED[relative].replace("[", r"\[").replace("]", r"\]")):
                load(DOCS / relative, "strict")
        else:
            assert load(DOCS / relative, "strict") == load(DOCS / relative), relative


REAL_WORLD_REFUSED = {
    "kube-state-metrics/examples/prometheus-alerting-rules/alerts.yaml": "doc 1: apiVersion: Required value",
    "microservices-demo/kustomize/components/without-loadgenerator/delete-loadgenerator.patch.yaml":
        "doc 1: $patch: unknown field",
}
"""Files of the real-world corpus that are not objects the API server accepts: a Prometheus rule file (no
apiVersion or kind) and a kustomize deletion patch (``$patch: delete``, no spec)."""


def real_world_entries() -> list[Any]:
    index = REAL_WORLD / "INDEX.tsv"
    if not index.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus not found: {index} is missing"))]
    rows = [line.split("\t") for line in index.read_text().splitlines()[1:] if line.strip()]
    return [pytest.param(f"{row[0]}/{row[1]}", id=f"{row[0]}/{row[1]}") for row in rows]


@pytest.mark.parametrize("relative", real_world_entries())
def test_real_world_corpus_loads_what_the_api_server_accepts(relative: str) -> None:
    """Every file of ../shared/corpus/real-world (INDEX.tsv) loads with strict validation, except the two that are
    not Kubernetes objects. Among them: kube-prometheus' AlertmanagerConfig CRD (a bare ``=``) and
    kube-state-metrics' autosharding RoleBinding (a ServiceAccount subject without a namespace)."""
    path = REAL_WORLD / relative
    if relative in REAL_WORLD_REFUSED:
        with pytest.raises(ManifestError) as info:
            load(path, "strict")
        assert str(info.value) == f"{path} {REAL_WORLD_REFUSED[relative]}"
        return
    objects = load(path, "strict")
    assert objects and objects == load(path)
