"""Tests for model.auth.node: the Node authorizer's graph and decisions, the authorizer chain, NodeRestriction.

Tables are ported from plugin/pkg/auth/authorizer/node/node_authorizer_test.go (TestNodeAuthorizer over the
sample data its generate() builds, TestNodeAuthorizerSharedResources) and follow
plugin/pkg/admission/noderestriction/admission_test.go for NodeRestriction's messages.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.auth.bootstrap import bootstrap_policy
from model.auth.identity import kubelet_identity, user
from model.auth.node import (
    CONFIGMAP,
    POD,
    PV,
    PVC,
    SECRET,
    SERVICE_ACCOUNT,
    authorize,
    forbidden_node_labels,
    is_kubelet_label,
    node_authorize,
    node_restriction,
    related_objects,
)
from model.auth.rbac import Decision, RequestAttributes
from model.objects import ClusterRole, ClusterRoleBinding, Node, PersistentVolume, PersistentVolumeClaim, Pod

NODE0 = kubelet_identity("node0")
UNREGISTERED = kubelet_identity("nodeunregistered")


def pod(name: str, namespace: str, node: str | None, *, volumes: list[dict[str, Any]] = (),
        env: list[dict[str, Any]] = (), service_account: str | None = None, **meta: Any) -> Pod:
    spec: dict[str, Any] = {"containers": [{"name": "c", "env": list(env)}], "volumes": list(volumes)}
    if node:
        spec["nodeName"] = node
    if service_account:
        spec["serviceAccountName"] = service_account
    return Pod.from_dict({"metadata": {"name": name, "namespace": namespace, **meta}, "spec": spec})


def sample_pod(index: int, node: str, namespace: str = "ns0") -> Pod:
    """node_authorizer_test.go generatePod: one unique configmap, secret, PVC and service account per pod, plus a
    secret shared by every pod in the namespace."""
    name = f"pod{index}-{node}"
    return pod(name, namespace, node, service_account=f"svcacct{index}-{node}", volumes=[
        {"name": "cm", "configMap": {"name": f"configmap0-{name}"}},
        {"name": "secret", "secret": {"secretName": f"secret0-{name}"}},
        {"name": "shared", "projected": {"sources": [{"secret": {"name": "secret0-shared"}}]}},
        {"name": "data", "persistentVolumeClaim": {"claimName": f"pvc0-{name}"}},
    ])


def sample_pv(pod_name: str, namespace: str = "ns0") -> PersistentVolume:
    """generatePV: bound to the pod's claim, with a kubelet-visible secret in the claim's namespace."""
    name = f"pv0-{pod_name}-{namespace}"
    return PersistentVolume.from_dict({"metadata": {"name": name}, "spec": {
        "claimRef": {"name": f"pvc0-{pod_name}", "namespace": namespace},
        "csi": {"driver": "d", "volumeHandle": "h",
                "nodePublishSecretRef": {"name": f"secret-{name}", "namespace": namespace},
                "controllerPublishSecretRef": {"name": f"controller-{name}", "namespace": namespace}}}})


PODS = tuple(sample_pod(i, node) for node in ("node0", "node1") for i in range(2))
PVS = tuple(sample_pv(p.name) for p in PODS)


def attrs_(who: Any = NODE0, verb: str = "get", resource: str = "pods", namespace: str | None = None, *,
           name: str = "", group: str = "", subresource: str = "",
           field_selector: tuple[tuple[str, str], ...] = ()) -> RequestAttributes:
    return RequestAttributes(who, verb, group, resource, subresource, namespace, name, field_selector)


ALLOW, DENY = True, False
BOTH = (True, False)

# (name, attributes, expected, selector settings the case applies to)
NODE_AUTHORIZER_CASES = [
    ("allowed configmap", attrs_(verb="get", resource="configmaps", name="configmap0-pod0-node0", namespace="ns0"),
     ALLOW, BOTH),
    ("allowed secret via pod", attrs_(resource="secrets", name="secret0-pod0-node0", namespace="ns0"), ALLOW, BOTH),
    ("list allowed secret via pod", attrs_(verb="list", resource="secrets", name="secret0-pod0-node0",
                                           namespace="ns0"), ALLOW, BOTH),
    ("watch allowed secret via pod", attrs_(verb="watch", resource="secrets", name="secret0-pod0-node0",
                                            namespace="ns0"), ALLOW, BOTH),
    ("disallowed list many secrets", attrs_(verb="list", resource="secrets", namespace="ns0"), DENY, BOTH),
    ("disallowed watch many secrets", attrs_(verb="watch", resource="secrets", namespace="ns0"), DENY, BOTH),
    ("disallowed list secrets from all namespaces with name",
     attrs_(verb="list", resource="secrets", name="secret0-pod0-node0"), DENY, BOTH),
    ("allowed shared secret via pod", attrs_(resource="secrets", name="secret0-shared", namespace="ns0"), ALLOW,
     BOTH),
    ("allowed shared secret via pvc", attrs_(resource="secrets", name="secret-pv0-pod0-node0-ns0", namespace="ns0"),
     ALLOW, BOTH),
    ("allowed pvc", attrs_(resource="persistentvolumeclaims", name="pvc0-pod0-node0", namespace="ns0"), ALLOW, BOTH),
    ("allowed pv", attrs_(resource="persistentvolumes", name="pv0-pod0-node0-ns0"), ALLOW, BOTH),
    ("disallowed configmap", attrs_(resource="configmaps", name="configmap0-pod0-node1", namespace="ns0"), DENY,
     BOTH),
    ("disallowed secret via pod", attrs_(resource="secrets", name="secret0-pod0-node1", namespace="ns0"), DENY, BOTH),
    ("disallowed shared secret via pvc", attrs_(resource="secrets", name="secret-pv0-pod0-node1-ns0",
                                                namespace="ns0"), DENY, BOTH),
    ("disallowed controller-only pv secret", attrs_(resource="secrets", name="controller-pv0-pod0-node0-ns0",
                                                    namespace="ns0"), DENY, BOTH),
    ("disallowed pvc", attrs_(resource="persistentvolumeclaims", name="pvc0-pod0-node1", namespace="ns0"), DENY,
     BOTH),
    ("disallowed pv", attrs_(resource="persistentvolumes", name="pv0-pod0-node1-ns0"), DENY, BOTH),
    ("disallowed attachment - no relationship", attrs_(resource="volumeattachments", group="storage.k8s.io",
                                                       name="attachment0-node1"), DENY, BOTH),
    ("allowed svcacct token create", attrs_(verb="create", resource="serviceaccounts", subresource="token",
                                            name="svcacct0-node0", namespace="ns0"), ALLOW, BOTH),
    ("disallowed svcacct token create - serviceaccount not attached to node",
     attrs_(verb="create", resource="serviceaccounts", subresource="token", name="svcacct0-node1", namespace="ns0"),
     DENY, BOTH),
    ("disallowed svcacct token create - no subresource",
     attrs_(verb="create", resource="serviceaccounts", name="svcacct0-node0", namespace="ns0"), DENY, BOTH),
    ("disallowed svcacct token create - non create",
     attrs_(verb="update", resource="serviceaccounts", subresource="token", name="svcacct0-node0", namespace="ns0"),
     DENY, BOTH),
    ("disallowed get lease in namespace other than kube-node-lease",
     attrs_(resource="leases", group="coordination.k8s.io", name="node0", namespace="foo"), DENY, BOTH),
    ("disallowed create lease in namespace other than kube-node-lease",
     attrs_(verb="create", resource="leases", group="coordination.k8s.io", name="node0", namespace="foo"), DENY, BOTH),
    ("disallowed get another node's lease",
     attrs_(resource="leases", group="coordination.k8s.io", name="node1", namespace="kube-node-lease"), DENY, BOTH),
    ("disallowed delete another node's lease",
     attrs_(verb="delete", resource="leases", group="coordination.k8s.io", name="node1", namespace="kube-node-lease"),
     DENY, BOTH),
    ("disallowed list node leases",
     attrs_(verb="list", resource="leases", group="coordination.k8s.io", namespace="kube-node-lease"), DENY, BOTH),
    ("allowed get node lease",
     attrs_(resource="leases", group="coordination.k8s.io", name="node0", namespace="kube-node-lease"), ALLOW, BOTH),
    ("allowed create node lease",
     attrs_(verb="create", resource="leases", group="coordination.k8s.io", name="node0", namespace="kube-node-lease"),
     ALLOW, BOTH),
    ("allowed update node lease",
     attrs_(verb="update", resource="leases", group="coordination.k8s.io", name="node0", namespace="kube-node-lease"),
     ALLOW, BOTH),
    ("disallowed CSINode with subresource",
     attrs_(resource="csinodes", subresource="csiDrivers", group="storage.k8s.io", name="node0"), DENY, BOTH),
    ("disallowed update another node's CSINode",
     attrs_(verb="update", resource="csinodes", group="storage.k8s.io", name="node1"), DENY, BOTH),
    ("disallowed list CSINodes", attrs_(verb="list", resource="csinodes", group="storage.k8s.io"), DENY, BOTH),
    ("allowed get CSINode", attrs_(resource="csinodes", group="storage.k8s.io", name="node0"), ALLOW, BOTH),
    ("allowed create CSINode", attrs_(verb="create", resource="csinodes", group="storage.k8s.io", name="node0"),
     ALLOW, BOTH),
    # pods
    ("get related pod", attrs_(name="pod0-node0", namespace="ns0"), ALLOW, BOTH),
    ("get unrelated pod - selector disabled", attrs_(name="pod0-node1", namespace="ns0"), ALLOW, (False,)),
    ("get unrelated pod - selector enabled", attrs_(name="pod0-node1", namespace="ns0"), DENY, (True,)),
    ("list related pods", attrs_(verb="list", field_selector=(("spec.nodeName", "node0"),)), ALLOW, BOTH),
    ("list single related pod", attrs_(verb="list", name="pod0-node0", namespace="ns0"), ALLOW, BOTH),
    ("list unrelated pods - selector disabled", attrs_(verb="list"), ALLOW, (False,)),
    ("list unrelated pods - selector enabled", attrs_(verb="list"), DENY, (True,)),
    ("list another node's pods - selector enabled",
     attrs_(verb="list", field_selector=(("spec.nodeName", "node1"),)), DENY, (True,)),
    ("watch related pods", attrs_(verb="watch", field_selector=(("spec.nodeName", "node0"),)), ALLOW, BOTH),
    ("watch single related pod", attrs_(verb="watch", name="pod0-node0", namespace="ns0"), ALLOW, BOTH),
    ("watch unrelated pods - selector disabled", attrs_(verb="watch"), ALLOW, (False,)),
    ("watch unrelated pods - selector enabled", attrs_(verb="watch"), DENY, (True,)),
    ("create unnamed pod", attrs_(verb="create", namespace="ns0"), ALLOW, BOTH),
    ("create pod proxy subresource forbidden", attrs_(verb="create", subresource="proxy", namespace="ns0"), DENY,
     BOTH),
    ("delete related pod", attrs_(verb="delete", name="pod0-node0", namespace="ns0"), ALLOW, BOTH),
    ("delete unrelated pod", attrs_(verb="delete", name="pod0-node1", namespace="ns0"), ALLOW, BOTH),
    ("delete pod proxy subresource forbidden", attrs_(verb="delete", name="pod0-node0", subresource="proxy",
                                                      namespace="ns0"), DENY, BOTH),
    ("update related pod status", attrs_(verb="update", subresource="status", name="pod0-node0", namespace="ns0"),
     ALLOW, BOTH),
    ("update unrelated pod status", attrs_(verb="update", subresource="status", name="pod0-node1", namespace="ns0"),
     ALLOW, BOTH),
    ("patch related pod status", attrs_(verb="patch", subresource="status", name="pod0-node0", namespace="ns0"),
     ALLOW, BOTH),
    ("get pod status", attrs_(subresource="status", name="pod0-node0", namespace="ns0"), DENY, BOTH),
    ("create related pod eviction", attrs_(verb="create", subresource="eviction", name="pod0-node0",
                                           namespace="ns0"), ALLOW, BOTH),
    ("create unrelated pod eviction", attrs_(verb="create", subresource="eviction", name="pod0-node1",
                                             namespace="ns0"), ALLOW, BOTH),
    # nodes
    ("get related unregistered node", attrs_(UNREGISTERED, resource="nodes", name="nodeunregistered"), ALLOW, BOTH),
    ("get related node", attrs_(resource="nodes", name="node0"), ALLOW, BOTH),
    ("get unrelated node - selector disabled", attrs_(resource="nodes", name="node1"), ALLOW, (False,)),
    ("get unrelated node - selector enabled", attrs_(resource="nodes", name="node1"), DENY, (True,)),
    ("list single related node", attrs_(verb="list", resource="nodes", name="node0"), ALLOW, BOTH),
    ("list single unrelated node - selector disabled", attrs_(verb="list", resource="nodes", name="node1"), ALLOW,
     (False,)),
    ("list single unrelated node - selector enabled", attrs_(verb="list", resource="nodes", name="node1"), DENY,
     (True,)),
    ("list all nodes - selector disabled", attrs_(verb="list", resource="nodes"), ALLOW, (False,)),
    ("list all nodes - selector enabled", attrs_(verb="list", resource="nodes"), DENY, (True,)),
    ("watch single related node", attrs_(verb="watch", resource="nodes", name="node0"), ALLOW, BOTH),
    ("watch all nodes - selector enabled", attrs_(verb="watch", resource="nodes"), DENY, (True,)),
    ("create node", attrs_(verb="create", resource="nodes"), ALLOW, BOTH),
    ("update related node", attrs_(verb="update", resource="nodes", name="node0"), ALLOW, BOTH),
    ("update unrelated node", attrs_(verb="update", resource="nodes", name="node1"), ALLOW, BOTH),
    ("patch unrelated node", attrs_(verb="patch", resource="nodes", name="node1"), ALLOW, BOTH),
    ("update related node status", attrs_(verb="update", resource="nodes", subresource="status", name="node0"),
     ALLOW, BOTH),
    ("patch unrelated node status", attrs_(verb="patch", resource="nodes", subresource="status", name="node1"),
     ALLOW, BOTH),
    ("delete own node", attrs_(verb="delete", resource="nodes", name="node0"), DENY, BOTH),
    # everything else: the static system:node rules
    ("create events", attrs_(verb="create", resource="events", namespace="ns0"), ALLOW, BOTH),
    ("watch services", attrs_(verb="watch", resource="services"), ALLOW, BOTH),
    ("delete services", attrs_(verb="delete", resource="services", name="s", namespace="ns0"), DENY, BOTH),
    ("create deployments", attrs_(verb="create", resource="deployments", group="apps", namespace="ns0"), DENY, BOTH),
]


@pytest.mark.parametrize(("case", "attributes", "expected", "variants"), NODE_AUTHORIZER_CASES,
                         ids=[c[0] for c in NODE_AUTHORIZER_CASES])
def test_node_authorizer(case: str, attributes: RequestAttributes, expected: bool, variants: tuple[bool, ...]) -> None:
    for selectors in variants:
        decision = node_authorize(attributes, PODS, PVS, selectors=selectors)
        assert decision is not None and decision.allowed is expected, (selectors, decision)


@pytest.mark.parametrize(("attributes", "reason"), [
    (attrs_(resource="secrets", name="secret0-pod0-node1", namespace="ns0"),
     "no relationship found between node 'node0' and this object"),
    (attrs_(verb="list", resource="secrets", namespace="ns0"), "No Object name found"),
    (attrs_(verb="update", resource="secrets", name="x", namespace="ns0"), "can only read resources of this type"),
    (attrs_(verb="list", resource="secrets", name="x"), "can only read namespaced object of this type"),
    (attrs_(verb="list", resource="persistentvolumes"), "can only get individual resources of this type"),
    (attrs_(verb="list"), "can only list/watch pods with spec.nodeName field selector"),
    (attrs_(verb="list", resource="nodes"), "node 'node0' cannot read all nodes, only its own Node object"),
    (attrs_(resource="nodes", name="node1"), "node 'node0' cannot read 'node1', only its own Node object"),
    (attrs_(resource="leases", group="coordination.k8s.io", name="node0", namespace="default"),
     'can only access leases in the "kube-node-lease" system namespace'),
    (attrs_(kubelet_identity(""), resource="pods", name="p", namespace="ns0"),
     'unknown node for user "system:node:"'),
    (attrs_(verb="delete", resource="services", name="s", namespace="ns0"), ""),
])
def test_node_authorizer_reasons(attributes: RequestAttributes, reason: str) -> None:
    decision = node_authorize(attributes, PODS, PVS)
    assert decision is not None and not decision.allowed
    assert decision.authorizer_reason == reason


def test_node_authorizer_ignores_non_nodes() -> None:
    assert node_authorize(attrs_(user("system:node:node0")), PODS, PVS) is None  # not in system:nodes
    assert node_authorize(attrs_(user("bob", "system:nodes")), PODS, PVS) is None


def test_denied_message() -> None:
    decision = node_authorize(attrs_(resource="secrets", name="secret0-pod0-node1", namespace="ns0"), PODS, PVS)
    assert decision == Decision(
        False, 'secrets "secret0-pod0-node1" is forbidden: User "system:node:node0" cannot get resource "secrets" in '
               "API group \"\" in the namespace \"ns0\": no relationship found between node 'node0' and this object",
        "no relationship found between node 'node0' and this object")


# --- TestNodeAuthorizerSharedResources ---------------------------------------------------------------------

def _secret_pod(name: str, node: str, *secrets: str) -> Pod:
    return pod(name, "ns1", node, volumes=[{"name": f"v{i}", "secret": {"secretName": s}}
                                           for i, s in enumerate(secrets)])


SHARED = (_secret_pod("pod1-node1", "node1", "node1-only", "node1-node2-only", "shared-all"),
          _secret_pod("pod2-node2", "node2", "node1-node2-only", "shared-all"),
          _secret_pod("pod3-node3", "node3", "shared-all"))


@pytest.mark.parametrize(("node", "secret", "allowed"), [
    ("node1", "node1-only", True), ("node1", "node1-node2-only", True), ("node1", "shared-all", True),
    ("node2", "node1-only", False), ("node2", "node1-node2-only", True), ("node2", "shared-all", True),
    ("node3", "node1-only", False), ("node3", "node1-node2-only", False), ("node3", "shared-all", True),
])
def test_shared_resources(node: str, secret: str, allowed: bool) -> None:
    decision = node_authorize(attrs_(kubelet_identity(node), resource="secrets", namespace="ns1", name=secret), SHARED)
    assert decision is not None and decision.allowed is allowed


def test_shared_resource_access_ends_with_the_reference() -> None:
    """The graph follows the pods: once pod3 no longer mounts the secret, node3 loses it."""
    get = attrs_(kubelet_identity("node3"), resource="secrets", namespace="ns1", name="shared-all")
    assert node_authorize(get, SHARED).allowed
    without = (*SHARED[:2], _secret_pod("pod3-node3", "node3"))
    assert not node_authorize(get, without).allowed


# --- the graph ---------------------------------------------------------------------------------------------

def test_related_objects_of_sample_node() -> None:
    assert related_objects("node0", PODS[:1], PVS) == frozenset({
        (POD, "ns0", "pod0-node0"), (SERVICE_ACCOUNT, "ns0", "svcacct0-node0"),
        (CONFIGMAP, "ns0", "configmap0-pod0-node0"), (SECRET, "ns0", "secret0-pod0-node0"),
        (SECRET, "ns0", "secret0-shared"), (PVC, "ns0", "pvc0-pod0-node0"), (PV, "", "pv0-pod0-node0-ns0"),
        (SECRET, "ns0", "secret-pv0-pod0-node0-ns0")})


def test_related_objects_edges() -> None:
    env = [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "env-secret", "key": "k"}}},
           {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "env-cm", "key": "k"}}}]
    volumes = [{"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}},
               {"name": "proj", "projected": {"sources": [{"configMap": {"name": "proj-cm"}}]}},
               {"name": "csi", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "csi-secret"}}}]
    p = pod("web", "app", "n1", env=env, volumes=volumes)
    unbound = pod("pending", "app", None, volumes=[{"name": "s", "secret": {"secretName": "pending-secret"}}])
    mirror = pod("static-n1", "kube-system", "n1", annotations={"kubernetes.io/config.mirror": "hash"},
                 volumes=[{"name": "s", "secret": {"secretName": "static-secret"}}])
    assert related_objects("n1", [p, unbound, mirror]) == frozenset({
        (POD, "app", "web"), (SECRET, "app", "env-secret"), (CONFIGMAP, "app", "env-cm"), (PVC, "app", "web-scratch"),
        (CONFIGMAP, "app", "proj-cm"), (SECRET, "app", "csi-secret"), (POD, "kube-system", "static-n1")})
    assert related_objects("n2", [p, unbound, mirror]) == frozenset()


@st.composite
def clusters(draw: st.DrawFn) -> tuple[list[Pod], dict[str, set[str]]]:
    """Random pods on random nodes (or unscheduled), each mounting random secrets; and, per node, the secrets
    some pod bound to it mounts."""
    nodes = ["n1", "n2", "n3"]
    pods, expected = [], {n: set() for n in nodes}
    for i in range(draw(st.integers(0, 6))):
        node = draw(st.sampled_from([*nodes, None]))
        secrets = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3, unique=True))
        pods.append(_secret_pod(f"p{i}", node, *secrets))
        if node:
            expected[node].update(secrets)
    return pods, expected


@given(cluster=clusters(), node=st.sampled_from(["n1", "n2", "n3"]), secret=st.sampled_from(["a", "b", "c", "d"]))
@settings(max_examples=60)
def test_a_node_reads_exactly_the_secrets_its_pods_mount(cluster: tuple[list[Pod], dict[str, set[str]]], node: str,
                                                         secret: str) -> None:
    pods, expected = cluster
    decision = node_authorize(attrs_(kubelet_identity(node), resource="secrets", namespace="ns1", name=secret), pods)
    assert decision.allowed is (secret in expected[node])


# --- the authorizer chain (Node, then RBAC) --------------------------------------------------------------

POLICY = bootstrap_policy()
CLUSTER_ROLES = [o for o in POLICY if isinstance(o, ClusterRole)]
BINDINGS = [o for o in POLICY if isinstance(o, ClusterRoleBinding)]


def test_chain_reports_the_node_reason_when_rbac_declines() -> None:
    attributes = attrs_(resource="secrets", name="secret0-pod0-node1", namespace="ns0")
    decision = authorize(attributes, pods=PODS, persistent_volumes=PVS, cluster_roles=CLUSTER_ROLES,
                         cluster_role_bindings=BINDINGS)
    assert decision == node_authorize(attributes, PODS, PVS)


def test_chain_lets_rbac_grant_a_node_more() -> None:
    """A NoOpinion from the Node authorizer is not a deny: a binding naming the node still applies."""
    extra = ClusterRoleBinding.from_dict({"metadata": {"name": "node0-secrets"},
                                          "roleRef": {"kind": "ClusterRole", "name": "view-secrets"},
                                          "subjects": [{"kind": "User", "name": "system:node:node0"}]})
    view = ClusterRole.from_dict({"metadata": {"name": "view-secrets"},
                                  "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"]}]})
    attributes = attrs_(resource="secrets", name="secret0-pod0-node1", namespace="ns0")
    decision = authorize(attributes, pods=PODS, cluster_roles=[*CLUSTER_ROLES, view],
                         cluster_role_bindings=[*BINDINGS, extra])
    assert decision.allowed and decision.reason.startswith('RBAC: allowed by ClusterRoleBinding "node0-secrets"')


def test_chain_for_non_nodes_is_rbac() -> None:
    attributes = attrs_(user("bob"), resource="secrets", name="s", namespace="ns0")
    decision = authorize(attributes, pods=PODS, cluster_roles=CLUSTER_ROLES, cluster_role_bindings=BINDINGS)
    assert decision == Decision(False, 'secrets "s" is forbidden: User "bob" cannot get resource "secrets" in API '
                                       'group "" in the namespace "ns0"')
    assert authorize(attrs_(kubelet_identity("node0"), verb="list", field_selector=(("spec.nodeName", "node0"),)),
                     pods=PODS).allowed


# --- NodeRestriction ---------------------------------------------------------------------------------------

NODE = Node.from_dict({"metadata": {"name": "node0", "uid": "node0-uid", "labels": {"kubernetes.io/hostname": "n0"}}})


def mirror_pod(**overrides: Any) -> Pod:
    meta = {"annotations": {"kubernetes.io/config.mirror": "hash"},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "node0", "uid": "node0-uid",
                                 "controller": True}]}
    meta.update(overrides.pop("meta", {}))
    return pod("static-web-node0", "default", overrides.pop("node", "node0"), **overrides, **meta)


def admit(verb: str, obj: Any, old: Any = None, *, resource: str = "pods", subresource: str = "", name: str = "",
          namespace: str | None = "default", group: str = "", who: Any = NODE0, node: Node | None = NODE) -> str | None:
    attributes = RequestAttributes(who, verb, group, resource, subresource, namespace, name)
    return node_restriction(attributes, obj, old, node=node)


def _owner(**changes: Any) -> dict[str, Any]:
    return {"ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "node0", "uid": "node0-uid",
                                 "controller": True, **changes}]}


@pytest.mark.parametrize(("obj", "node", "message"), [
    (mirror_pod(), NODE, None),
    (mirror_pod(meta={"annotations": {}}), NODE, 'pods "static-web-node0" is forbidden: pod does not have '
     '"kubernetes.io/config.mirror" annotation, node "node0" can only create mirror pods'),
    (mirror_pod(node="node1"), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can only create pods with spec.nodeName set to itself'),
    (mirror_pod(meta={"ownerReferences": []}), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can only create pods with an owner reference set to itself'),
    (mirror_pod(meta={"ownerReferences": _owner()["ownerReferences"] * 2}), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can only create pods with a single owner reference set to '
     "itself"),
    (mirror_pod(meta=_owner(kind="ReplicaSet")), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can only create pods with an owner reference set to itself'),
    (mirror_pod(meta=_owner(controller=False)), NODE, 'pods "static-web-node0" is forbidden: node "node0" can only '
     "create pods with a controller owner reference set to itself"),
    (mirror_pod(meta=_owner(blockOwnerDeletion=True)), NODE,
     'pods "static-web-node0" is forbidden: node "node0" must not set blockOwnerDeletion on an owner reference'),
    (mirror_pod(meta=_owner(uid="stale")), NODE,
     'pods "static-web-node0" is forbidden: node node0 UID mismatch: expected stale got node0-uid'),
    (mirror_pod(), None, 'nodes "node0" not found'),
    (mirror_pod(service_account="default"), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can not create pods that reference a service account'),
    (mirror_pod(volumes=[{"name": "s", "secret": {"secretName": "x"}}]), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can not create pods that reference secrets'),
    (mirror_pod(env=[{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}]), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can not create pods that reference configmaps'),
    (mirror_pod(volumes=[{"name": "t", "projected": {"sources": [{"clusterTrustBundle": {"name": "b"}}]}}]), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can not create pods that reference clustertrustbundles'),
    (mirror_pod(volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]), NODE,
     'pods "static-web-node0" is forbidden: node "node0" can not create pods that reference persistentvolumeclaims'),
])
def test_mirror_pod_creation(obj: Pod, node: Node | None, message: str | None) -> None:
    assert admit("create", obj, node=node) == message


def test_pod_writes() -> None:
    own, other = pod("a", "default", "node0"), pod("b", "default", "node1")
    assert admit("delete", None, own, name="a") is None
    assert admit("delete", None, other, name="b") == (
        'pods "b" is forbidden: node "node0" can only delete pods with spec.nodeName set to itself')
    assert admit("delete", None, None, name="gone") == 'pods "gone" not found'
    assert admit("update", own, own, name="a") == (
        'pods "a" is forbidden: unexpected operation "UPDATE", node "node0" can only create and delete mirror pods')
    assert admit("create", None, other, subresource="binding", name="b") == (
        "pods \"b\" is forbidden: unexpected pod subresource \"binding\", only 'status' and 'eviction' are allowed")


def test_pod_status_and_eviction() -> None:
    own, other = pod("a", "default", "node0"), pod("b", "default", "node1")
    running = attrs.evolve(own, status=attrs.evolve(own.status, phase="Running"))
    assert admit("update", running, own, subresource="status", name="a") is None
    assert admit("patch", other, other, subresource="status", name="b") == (
        'pods "b" is forbidden: node "node0" can only update pod status for pods with spec.nodeName set to itself')
    relabelled = pod("a", "default", "node0", labels={"role": "db"})
    assert admit("update", relabelled, own, subresource="status", name="a") == (
        'pods "a" is forbidden: node "node0" cannot update labels through pod status')
    assert admit("create", None, own, subresource="eviction", name="a") is None
    assert admit("create", None, other, subresource="eviction", name="b") == (
        'pods "b" is forbidden: node node0 can only evict pods with spec.nodeName set to itself')


def _node(name: str = "node0", labels: dict[str, str] | None = None, taints: list[dict[str, str]] = ()) -> Node:
    return Node.from_dict({"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": list(taints)}})


def test_node_writes() -> None:
    assert admit("update", _node(labels={"kubernetes.io/hostname": "n0"}), _node(), resource="nodes", name="node0",
                 namespace=None) is None
    assert admit("update", _node("node1"), _node("node1"), resource="nodes", name="node1", namespace=None) == (
        'nodes "node1" is forbidden: node "node0" is not allowed to modify node "node1"')
    assert admit("create", _node("node1"), resource="nodes", namespace=None) == (
        'nodes "node1" is forbidden: node "node0" is not allowed to modify node "node1"')
    tainted = _node(taints=[{"key": "k", "effect": "NoSchedule"}])
    assert admit("update", _node(), tainted, resource="nodes", name="node0", namespace=None) == (
        'nodes "node0" is forbidden: node "node0" is not allowed to modify taints')
    steer = _node(labels={"node-role.kubernetes.io/control-plane": "", "node-restriction.kubernetes.io/pool": "a"})
    assert admit("update", steer, _node(), resource="nodes", name="node0", namespace=None) == (
        'nodes "node0" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool, '
        "node-role.kubernetes.io/control-plane")
    assert admit("create", steer, resource="nodes", namespace=None) == (
        'nodes "node0" is forbidden: node "node0" is not allowed to set the following labels: '
        "node-restriction.kubernetes.io/pool, node-role.kubernetes.io/control-plane")


@pytest.mark.parametrize(("key", "kubelet"), [
    ("kubernetes.io/hostname", True), ("node.kubernetes.io/instance-type", True), ("kubernetes.io/arch", True),
    ("kubelet.kubernetes.io/custom", True), ("x.node.kubernetes.io/custom", True),
    ("topology.kubernetes.io/zone", True),
    ("node-role.kubernetes.io/worker", False), ("example.k8s.io/x", False), ("example.com/x", False),
])
def test_is_kubelet_label(key: str, kubelet: bool) -> None:
    assert is_kubelet_label(key) is kubelet


def test_forbidden_node_labels_only_counts_changes() -> None:
    old = {"node-role.kubernetes.io/worker": "", "example.com/team": "a"}
    assert forbidden_node_labels(old, old) == ()
    assert forbidden_node_labels({**old, "example.com/team": "b", "k8s.io/x": "1"}, old) == ("k8s.io/x",)
    assert forbidden_node_labels({}, old) == ("node-role.kubernetes.io/worker",)


def test_pvc_status_and_leases() -> None:
    pvc = PersistentVolumeClaim.from_dict({"metadata": {"name": "data", "namespace": "default"},
                                           "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}}})
    resized = PersistentVolumeClaim.from_dict({"metadata": {"name": "data", "namespace": "default",
                                                            "resourceVersion": "9"},
                                               "status": {"phase": "Bound", "capacity": {"storage": "2Gi"}}})
    lost = attrs.evolve(pvc, status=attrs.evolve(pvc.status, phase="Lost"))
    assert admit("update", resized, pvc, resource="persistentvolumeclaims", subresource="status", name="data") is None
    assert admit("update", lost, pvc, resource="persistentvolumeclaims", subresource="status", name="data") == (
        'persistentvolumeclaims "data" is forbidden: node "node0" is not allowed to update fields other than '
        "status.capacity and status.conditions")
    assert admit("update", resized, pvc, resource="persistentvolumeclaims", name="data") == (
        'persistentvolumeclaims "data" is forbidden: may only update PVC status')
    lease = {"resource": "leases", "group": "coordination.k8s.io", "namespace": "kube-node-lease"}
    assert admit("update", None, None, name="node0", **lease) is None
    assert admit("update", None, None, name="node1", **lease) == (
        'leases.coordination.k8s.io "node1" is forbidden: can only access node lease with the same name as the '
        "requesting node")


def test_node_restriction_only_restricts_node_writes() -> None:
    other = pod("b", "default", "node1")
    assert admit("delete", None, other, name="b", who=user("bob")) is None
    assert admit("get", None, other, name="b") is None
    assert admit("delete", None, other, name="b", who=kubelet_identity("")) == (
        'pods "b" is forbidden: could not determine node from user "system:node:"')


@given(owner=st.sampled_from(["n1", "n2", "n3"]), requester=st.sampled_from(["n1", "n2", "n3"]),
       verb=st.sampled_from(["delete", "evict", "status"]))
@settings(max_examples=40)
def test_a_node_modifies_only_pods_bound_to_it(owner: str, requester: str, verb: str) -> None:
    target = pod("p", "default", owner)
    subresource = {"delete": "", "evict": "eviction", "status": "status"}[verb]
    http_verb = {"delete": "delete", "evict": "create", "status": "update"}[verb]
    result = admit(http_verb, target, target, subresource=subresource, name="p", who=kubelet_identity(requester))
    assert (result is None) is (owner == requester)
