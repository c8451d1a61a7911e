"""Tests for model.manifests: reading YAML and JSON manifests from text, files and folders.

What kubectl accepts is the reference: multi-document streams (staging/src/k8s.io/apimachinery/pkg/util/yaml,
YAMLOrJSONDecoder), ``kind: List`` as ``kubectl get -o yaml`` prints it and typed lists as the API server returns
them (meta.ExtractList), and YAML read the way sigs.k8s.io/yaml reads it (timestamps stay strings). Every
manifest of the Kubernetes documentation in the shared corpus (``../shared/corpus`` from the repository root)
must load; its INDEX.tsv gives the kinds and document count of each file.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.errors import ManifestError
from model.examples import DIRECTORY as EXAMPLES
from model.manifests import KINDS, from_dict, from_documents, is_modelled, load, load_text
from model.objects import Deployment, Namespace, OpaqueObject, Pod

CORPUS = Path(__file__).parents[3] / "shared" / "corpus" / "k8s-docs-examples"

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod}
spec:
  containers: [{name: app, image: nginx}]
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx
        resources: {requests: {cpu: %s}}
"""


def error_of(text: str, source: str = "m.yaml") -> ManifestError:
    with pytest.raises(ManifestError) as info:
        load_text(text, source)
    return info.value


# --------------------------------------------------------------------------------------------------------------
# Streams of documents.

def test_multi_document_stream_keeps_order() -> None:
    objects = load_text(POD + "---\n" + DEPLOYMENT % "100m" + "---\n" + "apiVersion: v1\nkind: Namespace\n"
                        "metadata: {name: prod}\n")
    assert [(o.kind, o.namespace, o.name) for o in objects] == [
        ("Pod", "prod", "web"), ("Deployment", "default", "web"), ("Namespace", None, "prod")]
    assert [type(o) for o in objects] == [Pod, Deployment, Namespace]


@pytest.mark.parametrize("text", ["", "\n", "---\n", "---\n---\n...\n", "# only a comment\n", "---\n# c\n---\n"])
def test_empty_documents_are_skipped(text: str) -> None:
    assert load_text(text) == []
    assert load_text(text + "---\n" + POD)[0].name == "web"


def test_documents_are_numbered_by_position_counting_empty_ones() -> None:
    """``doc N`` is the Nth document of the stream, so a user can count the ``---`` separators."""
    text = "---\n# nothing here\n---\n" + POD + "---\n" + DEPLOYMENT % "1.1.1"
    assert str(error_of(text)) == (
        'm.yaml doc 3: spec.template.spec.containers[0].resources.requests.cpu: invalid quantity "1.1.1"')


def test_error_message_format_is_file_doc_field_message(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(POD + "---\n" + DEPLOYMENT % '"1.1.1"')
    with pytest.raises(ManifestError) as info:
        load(path)
    error = info.value
    assert str(error) == (
        f'{path} doc 2: spec.template.spec.containers[0].resources.requests.cpu: invalid quantity "1.1.1"')
    assert (error.source, error.document, error.field, error.message) == (
        str(path), 2, "spec.template.spec.containers[0].resources.requests.cpu", 'invalid quantity "1.1.1"')


def test_errors_without_a_field_leave_it_out() -> None:
    assert str(error_of("- a\n- b\n")) == (
        "m.yaml doc 1: expected a Kubernetes object (a mapping with apiVersion and kind), got array")
    assert str(ManifestError("Required value", "spec")) == "spec: Required value"
    assert str(ManifestError("boom", "", "f.yaml")) == "f.yaml: boom"


# --------------------------------------------------------------------------------------------------------------
# Lists.

KUBECTL_LIST = """\
apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    creationTimestamp: 2024-05-01T10:00:00Z
    labels: {app: web, pod-template-hash: 7d4b9c}
    name: web-7d4b9c-abcde
    namespace: prod
    ownerReferences:
    - {apiVersion: apps/v1, blockOwnerDeletion: true, controller: true, kind: ReplicaSet, name: web-7d4b9c,
       uid: 0b9d8c7e-1111-2222-3333-444455556666}
    resourceVersion: "4711"
    uid: 5c7e9a10-aaaa-bbbb-cccc-ddddeeeeffff
  spec:
    containers:
    - image: nginx:1.27
      imagePullPolicy: IfNotPresent
      name: nginx
      resources: {requests: {cpu: 500m, memory: 256Mi}}
      terminationMessagePath: /dev/termination-log
    dnsPolicy: ClusterFirst
    nodeName: worker-1
    restartPolicy: Always
    schedulerName: default-scheduler
    terminationGracePeriodSeconds: 30
  status:
    conditions:
    - {lastProbeTime: null, lastTransitionTime: 2024-05-01T10:00:05Z, status: "True", type: Ready}
    containerStatuses:
    - {name: nginx, ready: true, restartCount: 2, started: true, state: {running: {startedAt: 2024-05-01T10:00:04Z}}}
    hostIP: 192.0.2.11
    phase: Running
    podIP: 10.244.1.7
    qosClass: Burstable
    startTime: 2024-05-01T10:00:00Z
- apiVersion: v1
  kind: Node
  metadata:
    labels: {kubernetes.io/hostname: worker-1}
    name: worker-1
  spec: {podCIDR: 10.244.1.0/24}
  status:
    allocatable: {cpu: 3800m, memory: 15Gi, pods: "110"}
    capacity: {cpu: "4", memory: 16Gi, pods: "110"}
    conditions:
    - {lastHeartbeatTime: 2024-05-01T10:00:00Z, reason: KubeletReady, status: "True", type: Ready}
kind: List
metadata:
  resourceVersion: ""
"""


def test_kubectl_get_list_with_status() -> None:
    pod, node = load_text(KUBECTL_LIST)
    assert (pod.kind, pod.namespace, pod.name, pod.node_name) == ("Pod", "prod", "web-7d4b9c-abcde", "worker-1")
    assert pod.status.phase == "Running" and pod.is_ready
    assert pod.status.container_statuses[0].restart_count == 2
    assert pod.metadata.controller_ref().name == "web-7d4b9c"
    assert pod.metadata.creation_timestamp == "2024-05-01T10:00:00Z"
    assert pod.status.start_time == "2024-05-01T10:00:00Z"
    assert (node.kind, node.namespace, node.is_ready) == ("Node", None, True)
    assert str(node.allocatable["cpu"]) == "3800m"
    assert from_dict(pod.to_dict()) == pod and from_dict(node.to_dict()) == node


def test_list_item_errors_name_the_item() -> None:
    text = KUBECTL_LIST.replace("restartCount: 2", "restartCount: two")
    assert str(error_of(text)) == (
        "m.yaml doc 1: items[0].status.containerStatuses[0].restartCount: expected an integer, got string")


@pytest.mark.parametrize("items, count", [("[]", 0), ("null", 0)])
def test_empty_lists(items: str, count: int) -> None:
    assert len(load_text(f"apiVersion: v1\nkind: List\nitems: {items}\n")) == count


def test_list_items_must_be_an_array() -> None:
    assert str(error_of("apiVersion: v1\nkind: List\nitems: {a: 1}\n")) == (
        "m.yaml doc 1: items: expected an array, got object")


def test_typed_lists_as_the_api_server_returns_them() -> None:
    """A PodList's items carry no apiVersion or kind; they are the list's."""
    text = json.dumps({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "12"},
                       "items": [{"metadata": {"name": "a", "namespace": "n"}, "spec": {"containers": [{"name": "c"}]}},
                                 {"metadata": {"name": "b"}, "spec": {"containers": [{"name": "c"}]}}]})
    assert [(type(o), o.name, o.namespace) for o in load_text(text)] == [(Pod, "a", "n"), (Pod, "b", "default")]
    deployments = {"apiVersion": "apps/v1", "kind": "DeploymentList", "items": [yaml.safe_load(DEPLOYMENT % "1")]}
    assert [o.kind for o in load_text(json.dumps(deployments))] == ["Deployment"]
    config_maps = {"apiVersion": "v1", "kind": "ConfigMapList", "items": [{"metadata": {"name": "c"}}]}
    (config_map,) = load_text(json.dumps(config_maps))
    assert (config_map.kind, is_modelled(config_map)) == ("ConfigMap", False)


def test_a_list_kind_without_items_is_an_ordinary_object() -> None:
    (obj,) = load_text("apiVersion: example.com/v1\nkind: ShoppingList\nmetadata: {name: groceries}\n")
    assert isinstance(obj, OpaqueObject) and obj.kind == "ShoppingList"


# --------------------------------------------------------------------------------------------------------------
# JSON.

def test_json_documents(tmp_path: Path) -> None:
    data = yaml.safe_load(DEPLOYMENT % '"250m"')
    path = tmp_path / "deploy.json"
    path.write_text(json.dumps(data, indent=2))
    (d,) = load(path)
    assert isinstance(d, Deployment) and str(d.spec.template.spec.containers[0].resources.requests["cpu"]) == "250m"
    listed = json.dumps({"apiVersion": "v1", "kind": "List", "items": [data, yaml.safe_load(POD)]})
    assert [o.kind for o in load_text(listed)] == ["Deployment", "Pod"]


def test_json_indented_with_tabs_and_escaped_characters() -> None:
    """JSON allows tab indentation and surrogate-pair escapes, which YAML does not read as JSON does."""
    data = yaml.safe_load(POD)
    data["metadata"]["annotations"] = {"note": "\U0001F600 caf\u00e9"}
    text = json.dumps(data, indent="\t", ensure_ascii=True)
    assert "\t" in text and "\\ud83d\\ude00" in text
    (p,) = load_text(text)
    assert p.metadata.annotations["note"] == "\U0001F600 caf\u00e9"


def test_flow_style_yaml_that_is_not_json_still_loads() -> None:
    (ns,) = load_text("{apiVersion: v1, kind: Namespace, metadata: {name: dev}}")
    assert ns.name == "dev"


# --------------------------------------------------------------------------------------------------------------
# Kinds the model does not interpret, and the dispatch on apiVersion/kind.

@pytest.mark.parametrize("text, kind, api_group, name, namespace, namespaced", [
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: prod}\ndata: {LOG_LEVEL: info}\n",
     "ConfigMap", "", "c", "prod", True),
    ("apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '*/5 * * * *', jobTemplate: {}}\n",
     "CronJob", "batch", "c", None, True),
    ("apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: c, namespace: ns}\n"
     "spec: {cronSpec: '* * * * */5', replicas: '3'}\n", "CronTab", "stable.example.com", "c", "ns", True),
    ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
     "metadata: {name: crontabs.stable.example.com}\nspec: {group: stable.example.com}\n",
     "CustomResourceDefinition", "apiextensions.k8s.io", "crontabs.stable.example.com", None, False),
])
def test_opaque_kinds_are_kept_and_reported_as_not_modelled(text: str, kind: str, api_group: str, name: str,
                                                           namespace: str | None, namespaced: bool) -> None:
    (obj,) = load_text(text)
    assert isinstance(obj, OpaqueObject) and not is_modelled(obj)
    assert (obj.kind, obj.api_group, obj.name, obj.namespace, obj.namespaced) == (
        kind, api_group, name, namespace, namespaced)
    assert from_dict(obj.to_dict()) == obj
    assert obj.to_dict() == yaml.safe_load(text)
    assert isinstance(hash(obj), int)


def test_every_modelled_kind_is_modelled() -> None:
    for kind, cls in KINDS.items():
        assert cls.KIND == kind
    assert is_modelled(load_text(POD)[0])


@pytest.mark.parametrize("api_version, served", [("extensions/v1beta1", "apps/v1"), ("apps/v1beta2", "apps/v1"),
                                                 ("v1", "apps/v1")])
def test_a_modelled_kind_under_another_api_version_is_an_error(api_version: str, served: str) -> None:
    text = (DEPLOYMENT % "1").replace("apps/v1", api_version)
    assert str(error_of(text)) == (
        f'm.yaml doc 1: apiVersion: Deployment is not served at "{api_version}": use apiVersion "{served}"')


@pytest.mark.parametrize("text, expected", [
    ("kind: Pod\nmetadata: {name: a}\n", "apiVersion: Required value"),
    ("apiVersion: v1\nmetadata: {name: a}\n", "kind: Required value"),
    ("apiVersion: v1\nkind: ''\n", "kind: Required value"),
    ("apiVersion: 1\nkind: Pod\n", "apiVersion: expected a string, got number"),
    ("apiVersion: v1\nkind: [Pod]\n", "kind: expected a string, got array"),
    ("just a string\n", "expected a Kubernetes object (a mapping with apiVersion and kind), got string"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", "spec: Required value"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: [a]\n", "metadata: expected an object, got array"),
])
def test_missing_or_malformed_identity(text: str, expected: str) -> None:
    assert str(error_of(text)) == f"m.yaml doc 1: {expected}"


# --------------------------------------------------------------------------------------------------------------
# YAML.

@pytest.mark.parametrize("text, expected", [
    ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: 1\n",
     "doc 1: invalid YAML at line 5, column 7: mapping values are not allowed here"),
    (POD + "---\nkey: [1,\n", "doc 2: invalid YAML at line 8, column 1: expected the node content, but found "
     "'<stream end>'"),
    ("a: 'unterminated\n", "doc 1: invalid YAML at line 2, column 1: found unexpected end of stream"),
    ("a:\n\t- b\n", "doc 1: invalid YAML at line 2, column 1: found character '\\t' that cannot start any token"),
])
def test_yaml_syntax_errors_give_the_line(text: str, expected: str) -> None:
    assert str(error_of(text)) == f"m.yaml {expected}"


@pytest.mark.parametrize("text", [
    "a: !!int abc\n", "a: !!float abc\n", "a: !!timestamp yesterday\n", "a: !!binary x\n",
    "a: " + "9" * 5000 + "\n", "a: !!python/object:os.system {}\n", "? [1, 2]\n: x\n", "a: *undefined\n",
    "[" * 2000 + "]" * 2000 + "\n",
], ids=["bad-int", "bad-float", "bad-timestamp", "bad-base64", "5000-digit-int", "python-tag", "list-key",
        "undefined-alias", "deep-nesting"])
def test_yaml_that_python_cannot_construct_is_a_manifest_error(text: str) -> None:
    error = error_of(text)
    assert error.source == "m.yaml" and error.document == 1
    assert error.message.startswith(("invalid YAML", "nests deeper than"))


def test_unquoted_timestamps_stay_strings() -> None:
    """sigs.k8s.io/yaml reads YAML timestamps as strings; so does the loader."""
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  creationTimestamp: 2024-01-02T03:04:05Z\n"
            "  annotations: {built: 2001-12-14t21:59:43.10-05:00}\ndata: {day: 2024-01-02, n: '1'}\n")
    (cm,) = load_text(text)
    assert cm.metadata.creation_timestamp == "2024-01-02T03:04:05Z"
    assert cm.metadata.annotations["built"] == "2001-12-14t21:59:43.10-05:00"
    assert cm.body["data"] == {"day": "2024-01-02", "n": "1"}
    (p,) = load_text(POD.replace("metadata: {", "metadata: {creationTimestamp: 2024-01-02T03:04:05Z, "))
    assert p.metadata.creation_timestamp == "2024-01-02T03:04:05Z"


def test_yaml_sets_load_as_hashable_mappings() -> None:
    (obj,) = load_text("apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}\nspec: !!set {a, b}\n")
    assert obj.body["spec"] == {"a": None, "b": None}
    assert isinstance(hash(obj), int)


# --------------------------------------------------------------------------------------------------------------
# Files and folders.

def test_folders_are_read_recursively_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "nested").mkdir()
    (tmp_path / "a.yaml").write_text(POD.replace("name: web", "name: first"))
    (tmp_path / "b" / "c.yml").write_text(POD.replace("name: web", "name: second"))
    (tmp_path / "b" / "nested" / "d.json").write_text(
        json.dumps(yaml.safe_load(POD.replace("name: web", "name: third"))))
    (tmp_path / "README.md").write_text("# not a manifest: {")
    (tmp_path / "notes.txt").write_text("kind: [")
    assert [o.name for o in load(tmp_path)] == ["first", "second", "third"]
    assert [o.name for o in load([tmp_path / "b" / "c.yml", str(tmp_path / "a.yaml")])] == ["second", "first"]
    assert load(tmp_path / "b" / "nested" / "d.json")[0].name == "third"


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ManifestError) as info:
        load(missing)
    assert str(info.value) == f"{missing}: no such file or directory"


@pytest.mark.parametrize("content, byte", [(b"\xff\xfeP\x00o\x00d\x00", 0), (POD.encode() + b"# caf\xe9\n", 117)])
def test_non_utf8_files_are_an_error(tmp_path: Path, content: bytes, byte: int) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(content)
    with pytest.raises(ManifestError) as info:
        load(path)
    assert str(info.value) == f"{path}: not UTF-8 text (byte {byte})"


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + POD.encode())
    assert load(path)[0].name == "web"


def test_bundled_examples_load() -> None:
    """The examples hold one object of every modelled kind but the metrics metrics-server writes and the
    PodDisruptionBudget (whose scenarios are under ``model/examples/intents/``, leaving the bundled cluster's
    explored behaviour as measured), a StorageClass (kept as it is: the PV controller reads its provisioner and
    binding mode) and a ConfigMap the model does not interpret."""
    objects = load(EXAMPLES)
    assert {o.kind for o in objects if is_modelled(o)} == set(KINDS) - {"PodMetrics", "NodeMetrics",
                                                                         "PodDisruptionBudget"}
    assert [o.kind for o in objects if not is_modelled(o)] == ["StorageClass", "ConfigMap"]
    for obj in objects:
        assert from_dict(obj.to_dict()) == obj


# --------------------------------------------------------------------------------------------------------------
# The corpus of Kubernetes documentation manifests.

def corpus_entries() -> list[Any]:
    index = CORPUS / "INDEX.tsv"
    if not index.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"corpus not found: {index} is missing"))]
    rows = [line.split("\t") for line in index.read_text().splitlines() if line.strip()]
    return [pytest.param(tuple(row), id=row[0]) for row in rows]


def raw_documents(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


@pytest.mark.parametrize("entry", corpus_entries())
def test_corpus_manifest_loads(entry: tuple[str, str, str]) -> None:
    """INDEX.tsv: path, kinds in order of first appearance (a List and its items' kinds), non-empty documents
    (a List is one document)."""
    relative, kinds, documents = entry
    path = CORPUS / relative
    objects = load(path)
    raw = raw_documents(path)
    assert len(raw) == int(documents)
    lists = [d for d in raw if isinstance(d, dict) and d.get("kind") == "List"]
    assert len(objects) == int(documents) + sum(len(d["items"]) - 1 for d in lists)
    expected_kinds = [k for k in kinds.split(",") if k != "List"]
    assert list(dict.fromkeys(o.kind for o in objects)) == expected_kinds
    assert ("List" in kinds.split(",")) == bool(lists)
    for obj in objects:
        assert is_modelled(obj) == (obj.kind in KINDS)
        assert from_dict(obj.to_dict()) == obj
        assert isinstance(hash(obj), int)


def test_whole_corpus_loads_as_one_folder() -> None:
    if not (CORPUS / "INDEX.tsv").is_file():
        pytest.skip(f"corpus not found: {CORPUS / 'INDEX.tsv'} is missing")
    rows = [line.split("\t") for line in (CORPUS / "INDEX.tsv").read_text().splitlines() if line.strip()]
    objects = load(CORPUS)
    assert len(objects) == sum(len(load(CORPUS / row[0])) for row in rows)
    listed = {kind for row in rows for kind in row[1].split(",")} - {"List"}
    assert {o.kind for o in objects} == listed
    assert {o.kind for o in objects if not is_modelled(o)} == listed - set(KINDS)


# --------------------------------------------------------------------------------------------------------------
# Fuzzing: whatever the input, the loader raises nothing but ManifestError.

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                         st.text(max_size=8))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)), max_leaves=12)
YAMLISH = st.lists(st.sampled_from(list(" \n\t:-[]{}#&*!|>'\",?%@`.~=") + list("abkindPo019") + [
    "apiVersion: ", "kind: ", "v1", "Pod", "List", "items:", "---\n", "!!", "\ufeff", "\u00e9", "\U0001F600",
    "\n  ", "\n- "]), max_size=40).map("".join)


def check_loaded(objects: list[Any]) -> None:
    for obj in objects:
        assert isinstance(hash(obj), int)
        if is_modelled(obj):
            assert from_dict(obj.to_dict()) == obj


def load_or_reject(text: str) -> None:
    try:
        objects = load_text(text)
    except ManifestError as e:
        assert str(e).startswith("<input>")
        return
    check_loaded(objects)


@given(st.text(max_size=200))
def test_arbitrary_text_only_raises_manifest_errors(text: str) -> None:
    load_or_reject(text)


@given(YAMLISH)
def test_yaml_like_text_only_raises_manifest_errors(text: str) -> None:
    load_or_reject(text)


@given(JSON_VALUES, st.booleans())
def test_arbitrary_structures_only_raise_manifest_errors(value: Any, as_json: bool) -> None:
    load_or_reject(json.dumps(value) if as_json else yaml.safe_dump_all([value, value]))


@given(st.sampled_from(sorted(KINDS)), st.dictionaries(st.sampled_from(
    ["metadata", "spec", "status", "data", "items", "rules", "subsets", "roleRef", "value", "x"]), JSON_VALUES,
    max_size=4), st.booleans())
def test_real_kinds_with_random_fields_only_raise_manifest_errors(kind: str, fields: dict[str, Any],
                                                                  with_name: bool) -> None:
    doc = {"apiVersion": KINDS[kind].API_VERSION, "kind": kind, **fields}
    if with_name:
        doc["metadata"] = {"name": "n", **(doc["metadata"] if isinstance(doc.get("metadata"), dict) else {})}
    load_or_reject(yaml.safe_dump(doc))


def seed_documents() -> list[dict[str, Any]]:
    """Valid documents to mutate: the bundled examples, List items expanded."""
    docs: list[dict[str, Any]] = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for d in raw_documents(path):
            docs.extend(d["items"] if d.get("kind") == "List" else [d])
    return docs


SEEDS = seed_documents()


def paths_in(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths_in(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from paths_in(child, (*prefix, i))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.data())
def test_mutated_manifests_only_raise_manifest_errors(seed: dict[str, Any], data: st.DataObject) -> None:
    """Replace, delete or add one value anywhere in a valid manifest: the result loads (and round-trips) or is
    rejected with a ManifestError."""
    doc = copy.deepcopy(seed)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in paths_in(doc) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        *parents, last = path
        parent = doc
        for step in parents:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[last] = data.draw(JSON_VALUES)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][data.draw(st.text(max_size=12))] = data.draw(JSON_VALUES)
    try:
        objects = from_documents([doc], "seed")
    except ManifestError as e:
        assert re.match(r"seed doc 1: ", str(e))
        return
    check_loaded(objects)
