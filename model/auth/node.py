"""The Node authorizer and the NodeRestriction admission plugin: what a kubelet may read and write.

Sources: plugin/pkg/auth/authorizer/node/node_authorizer.go (NodeAuthorizer.Authorize and its authorize*
helpers), plugin/pkg/auth/authorizer/node/graph.go and graph_populator.go (the object graph: AddPod, AddPV),
pkg/api/v1/pod/util.go (VisitPodSecretNames, VisitPodConfigmapNames), pkg/api/v1/persistentvolume/util.go
(VisitPVSecretNames), plugin/pkg/admission/noderestriction/admission.go (Plugin.Admit),
staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go (IsKubeletLabel) and
staging/src/k8s.io/apiserver/pkg/authorization/union/union.go (the authorizer chain).
Docs: https://kubernetes.io/docs/reference/access-authn-authz/node/ and
https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction

Upstream keeps the graph incrementally from informers; here it is recomputed from the pods and
PersistentVolumes given, which is the same relation. The model's objects carry no imagePullSecrets,
envFrom, ResourceClaims, VolumeAttachments or ResourceSlices, so those edges never exist; ResourceSlice
requests and service account TokenRequest admission are not modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from model.auth import rbac
from model.auth.bootstrap import node_rules
from model.auth.identity import node_identity
from model.auth.rbac import Decision, RequestAttributes, forbidden_message, qualified_resource, rules_allow
from model.frozendict import FrozenDict
from model.objects.cluster import Node
from model.objects.pod import Pod
from model.objects.rbac import ClusterRole, ClusterRoleBinding, Role, RoleBinding
from model.objects.storage import PersistentVolume, PersistentVolumeClaim

MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"
NODE_LEASE_NAMESPACE = "kube-node-lease"
NODE_RESTRICTION_LABEL_NAMESPACE = "node-restriction.kubernetes.io"

Vertex = tuple[str, str, str]
"""(type, namespace, name) of an object in the Node authorizer's graph; namespace is "" for PVs."""

POD, SECRET, CONFIGMAP, PVC, PV, SERVICE_ACCOUNT = "pod", "secret", "configmap", "pvc", "pv", "serviceAccount"
RESOURCE_CLAIM, VOLUME_ATTACHMENT = "resourceclaim", "volumeattachment"

KUBELET_LABELS = frozenset({
    "kubernetes.io/hostname", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
    "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type", "kubernetes.io/os",
    "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
})
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")


# --- what a pod references (pkg/api/v1/pod/util.go) ---------------------------------------------------------

def _at(value: Any, *path: str) -> Any:
    """The value at ``path`` inside frozen JSON, or None where any step is missing."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _names(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v))


def pod_secret_names(pod: Pod) -> tuple[str, ...]:
    """VisitPodSecretNames over what the model's Pod carries: env secretKeyRefs, secret volumes, projected
    secret sources and CSI nodePublishSecretRefs."""
    spec = pod.spec
    env = [_at(e, "valueFrom", "secretKeyRef", "name")
           for c in (*spec.init_containers, *spec.containers) for e in (c.env or ())]
    volumes = [_at(v.secret, "secretName") for v in spec.volumes]
    projected = [_at(s, "secret", "name") for v in spec.volumes for s in (_at(v.projected, "sources") or ())]
    csi = [_at(v.csi, "nodePublishSecretRef", "name") for v in spec.volumes]
    return _names([*env, *volumes, *projected, *csi])


def pod_configmap_names(pod: Pod) -> tuple[str, ...]:
    """VisitPodConfigmapNames: env configMapKeyRefs, configMap volumes and projected configMap sources."""
    spec = pod.spec
    env = [_at(e, "valueFrom", "configMapKeyRef", "name")
           for c in (*spec.init_containers, *spec.containers) for e in (c.env or ())]
    volumes = [_at(v.config_map, "name") for v in spec.volumes]
    projected = [_at(s, "configMap", "name") for v in spec.volumes for s in (_at(v.projected, "sources") or ())]
    return _names([*env, *volumes, *projected])


def pod_claim_names(pod: Pod) -> tuple[str, ...]:
    """The PVCs a pod mounts: persistentVolumeClaim volumes, and ``<pod>-<volume>`` for ephemeral volumes
    (ephemeral.VolumeClaimName)."""
    return _names(v.persistent_volume_claim.claim_name if v.persistent_volume_claim is not None
                  else f"{pod.name}-{v.name}" if v.ephemeral is not None else None
                  for v in pod.spec.volumes)


def pv_kubelet_secrets(pv: PersistentVolume) -> tuple[tuple[str, str], ...]:
    """VisitPVSecretNames, kubelet-visible only: a CSI volume's node stage/publish/expand secret refs."""
    refs = [_at(pv.spec.csi, key) for key in ("nodeStageSecretRef", "nodePublishSecretRef", "nodeExpandSecretRef")]
    return tuple(dict.fromkeys((ref.get("namespace", ""), ref["name"]) for ref in refs
                               if isinstance(ref, Mapping) and ref.get("name")))


def related_objects(node_name: str, pods: Iterable[Pod],
                    persistent_volumes: Iterable[PersistentVolume] = ()) -> frozenset[Vertex]:
    """Every object with a path to ``node_name`` in the Node authorizer's graph.

    node <- pod (bound by spec.nodeName) <- secret, configmap, pvc, service account; pvc <- pv (by the PV's
    claimRef) <- secret. A mirror pod gets only the pod edge (AddPod short-circuits for them).
    """
    related: set[Vertex] = set()
    for pod in pods:
        if pod.spec.node_name != node_name:
            continue
        ns = pod.namespace or ""
        related.add((POD, ns, pod.name))
        if MIRROR_POD_ANNOTATION in pod.metadata.annotations:
            continue
        if pod.spec.service_account_name:
            related.add((SERVICE_ACCOUNT, ns, pod.spec.service_account_name))
        related.update((SECRET, ns, name) for name in pod_secret_names(pod))
        related.update((CONFIGMAP, ns, name) for name in pod_configmap_names(pod))
        related.update((PVC, ns, name) for name in pod_claim_names(pod))
    for pv in persistent_volumes:
        ref = pv.spec.claim_ref
        if ref is None or (PVC, ref.namespace or "", ref.name or "") not in related:
            continue
        related.add((PV, "", pv.name))
        related.update((SECRET, ns, name) for ns, name in pv_kubelet_secrets(pv))
    return frozenset(related)


# --- the Node authorizer -----------------------------------------------------------------------------------

Graph = Callable[[], frozenset[Vertex]]
Verdict = tuple[bool, str]


def node_authorize(attributes: RequestAttributes, pods: Iterable[Pod],
                   persistent_volumes: Iterable[PersistentVolume] = (), *, selectors: bool = True) -> Decision | None:
    """NodeAuthorizer.Authorize, or None when the user is not a node (upstream's NoOpinion with no reason).

    A denial is the Node authorizer's NoOpinion: the API server still asks RBAC (see :func:`authorize`), and
    the denial's ``authorizer_reason`` is what the Forbidden message carries if RBAC declines too.
    ``selectors`` is the AuthorizeNodeWithSelectors feature (on by default since 1.32): with it a kubelet
    reads only its own Node and the pods bound to it (or listed by ``spec.nodeName``); without it, every node
    and pod, per the ``system:node`` rules.
    """
    node_name = node_identity(attributes.user)
    if node_name is None:
        return None
    if not node_name:
        allowed, reason = False, f'unknown node for user "{attributes.user.name}"'
    else:
        items, volumes = tuple(pods), tuple(persistent_volumes)
        allowed, reason = _decide(node_name, attributes, lambda: related_objects(node_name, items, volumes),
                                  selectors)
    if allowed:
        return Decision(True, f'allowed by the Node authorizer for node "{node_name}"')
    return Decision(False, forbidden_message(attributes, reason), reason)


_READ_ONLY_RELATED = FrozenDict({("", "secrets"): SECRET, ("", "configmaps"): CONFIGMAP})
"""Kinds a kubelet may get/list/watch by name when related to it (authorizeReadNamespacedObject)."""
_GET_ONLY_RELATED = FrozenDict({("", "persistentvolumes"): PV, ("resource.k8s.io", "resourceclaims"): RESOURCE_CLAIM,
                                ("storage.k8s.io", "volumeattachments"): VOLUME_ATTACHMENT})
"""Kinds a kubelet may only get, by name, when related to it (authorizeGet)."""


def _decide(node: str, a: RequestAttributes, graph: Graph, selectors: bool) -> Verdict:
    """NodeAuthorizer.Authorize's dispatch on the requested group and resource."""
    group_resource = (a.api_group, a.resource)
    if group_resource in _READ_ONLY_RELATED:
        return _read_namespaced(node, _READ_ONLY_RELATED[group_resource], a, graph)
    if group_resource == ("", "persistentvolumeclaims"):
        return _status_update(node, PVC, a, graph) if a.subresource == "status" else _get(node, PVC, a, graph)
    if group_resource in _GET_ONLY_RELATED:
        return _get(node, _GET_ONLY_RELATED[group_resource], a, graph)
    if group_resource == ("", "serviceaccounts"):
        return _create_token(node, a, graph)
    if group_resource == ("coordination.k8s.io", "leases"):
        return _lease(node, a)
    if group_resource == ("storage.k8s.io", "csinodes"):
        return _csinode(node, a)
    if selectors and group_resource == ("", "nodes"):
        return _node(node, a)
    if selectors and group_resource == ("", "pods"):
        return _pod(node, a, graph)
    return rules_allow(a, node_rules()), ""


def _related(node: str, vertex_type: str, a: RequestAttributes, graph: Graph) -> Verdict:
    """NodeAuthorizer.authorize: the named object must have a path to the node."""
    if not a.request_name:
        return False, "No Object name found"
    if (vertex_type, a.scope_namespace, a.request_name) in graph():
        return True, ""
    return False, f"no relationship found between node '{node}' and this object"


def _read_namespaced(node: str, vertex_type: str, a: RequestAttributes, graph: Graph) -> Verdict:
    if a.verb not in ("get", "list", "watch"):
        return False, "can only read resources of this type"
    if a.subresource:
        return False, "cannot read subresource"
    if not a.scope_namespace:
        return False, "can only read namespaced object of this type"
    return _related(node, vertex_type, a, graph)


def _get(node: str, vertex_type: str, a: RequestAttributes, graph: Graph) -> Verdict:
    if a.verb != "get":
        return False, "can only get individual resources of this type"
    if a.subresource:
        return False, "cannot get subresource"
    return _related(node, vertex_type, a, graph)


def _status_update(node: str, vertex_type: str, a: RequestAttributes, graph: Graph) -> Verdict:
    if a.verb not in ("update", "patch"):
        return False, "can only get/update/patch this type"
    return _related(node, vertex_type, a, graph)


def _create_token(node: str, a: RequestAttributes, graph: Graph) -> Verdict:
    if a.verb != "create" or not a.request_name:
        return False, "can only create tokens for individual service accounts"
    if a.subresource != "token":
        return False, "can only create token subresource of serviceaccount"
    return _related(node, SERVICE_ACCOUNT, a, graph)


def _lease(node: str, a: RequestAttributes) -> Verdict:
    if a.verb not in ("get", "create", "update", "patch", "delete"):
        return False, "can only get, create, update, patch, or delete a node lease"
    if a.scope_namespace != NODE_LEASE_NAMESPACE:
        return False, f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace'
    if a.verb != "create" and a.request_name != node:
        return False, "can only access node lease with the same name as the requesting node"
    return True, ""


def _csinode(node: str, a: RequestAttributes) -> Verdict:
    if a.verb not in ("get", "create", "update", "patch", "delete"):
        return False, "can only get, create, update, patch, or delete a CSINode"
    if a.subresource:
        return False, "cannot authorize CSINode subresources"
    if a.verb != "create" and a.request_name != node:
        return False, "can only access CSINode with the same name as the requesting node"
    return True, ""


def _node(node: str, a: RequestAttributes) -> Verdict:
    """authorizeNode: writes are left to NodeRestriction; reads only of the node's own object."""
    if not a.subresource and a.verb in ("create", "update", "patch"):
        return True, ""
    if not a.subresource and a.verb in ("get", "list", "watch"):
        if a.request_name == node:
            return True, ""
        if not a.request_name:
            return False, f"node '{node}' cannot read all nodes, only its own Node object"
        return False, f"node '{node}' cannot read '{a.request_name}', only its own Node object"
    return a.subresource == "status" and a.verb in ("update", "patch"), ""


def _pod(node: str, a: RequestAttributes, graph: Graph) -> Verdict:
    """authorizePod: reads of bound pods; create/delete (mirror pods), status and eviction left to NodeRestriction."""
    if not a.subresource:
        if a.verb == "get":
            return _get(node, POD, a, graph)
        if a.verb in ("list", "watch"):
            if ("spec.nodeName", node) in a.field_selector:
                return True, ""
            if a.request_name:
                return _related(node, POD, a, graph)
            return False, "can only list/watch pods with spec.nodeName field selector"
        return a.verb in ("create", "delete"), ""
    if a.subresource == "status":
        return a.verb in ("update", "patch"), ""
    return a.subresource == "eviction" and a.verb == "create", ""


def authorize(attributes: RequestAttributes, *, pods: Iterable[Pod] = (),
              persistent_volumes: Iterable[PersistentVolume] = (), roles: Iterable[Role] = (),
              cluster_roles: Iterable[ClusterRole] = (), role_bindings: Iterable[RoleBinding] = (),
              cluster_role_bindings: Iterable[ClusterRoleBinding] = (), selectors: bool = True) -> Decision:
    """kube-apiserver's authorizer chain ``--authorization-mode=Node,RBAC`` (behind the ``system:masters``
    bypass): the first authorizer to allow wins; if none does, the Forbidden message carries every
    authorizer's reason, joined by newlines (union.Authorize)."""
    node = node_authorize(attributes, pods, persistent_volumes, selectors=selectors)
    if node is not None and node.allowed:
        return node
    decision = rbac.authorize(attributes, roles, cluster_roles, role_bindings, cluster_role_bindings)
    if decision.allowed or node is None:
        return decision
    reason = "\n".join(r for r in (node.authorizer_reason, decision.authorizer_reason) if r)
    return Decision(False, forbidden_message(attributes, reason), reason)


# --- NodeRestriction admission ---------------------------------------------------------------------------

_OPERATIONS = FrozenDict({"create": "CREATE", "update": "UPDATE", "patch": "UPDATE", "delete": "DELETE",
                          "deletecollection": "DELETE"})
"""The admission operation each verb is (CONNECT and reads are never admitted by NodeRestriction)."""


def node_restriction(attributes: RequestAttributes, obj: Any, old: Any, *, node: Node | None = None) -> str | None:
    """NodeRestriction's Admit: None to admit, else the Forbidden (or NotFound) message.

    ``obj`` is the object being written (the new object on update), ``old`` the stored one (for a delete or
    an eviction, the pod it names). ``node`` is the requesting node's Node object, needed to check a mirror
    pod's owner reference UID. Only create, update/patch and delete requests from kubelets are checked.
    """
    node_name = node_identity(attributes.user)
    operation = _OPERATIONS.get(attributes.verb)
    if node_name is None or operation is None:
        return None
    name = attributes.request_name or (getattr(obj, "name", "") if operation == "CREATE" else "")
    deny = _Forbid(attributes, name)
    if not node_name:
        return deny(f'could not determine node from user "{attributes.user.name}"')
    group_resource = (attributes.api_group, attributes.resource)
    if group_resource == ("", "pods"):
        return _admit_pod_request(node_name, operation, attributes, obj, old, node, deny)
    if group_resource == ("", "nodes"):
        return _admit_node(node_name, operation, name, obj, old, deny)
    if group_resource == ("", "persistentvolumeclaims"):
        if attributes.subresource != "status":
            return deny("may only update PVC status")
        return _admit_pvc_status(node_name, operation, obj, old, deny)
    if group_resource == ("coordination.k8s.io", "leases"):
        if attributes.scope_namespace != NODE_LEASE_NAMESPACE:
            return deny(f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace')
        return None if name == node_name else deny("can only access node lease with the same name as the "
                                                    "requesting node")
    if group_resource == ("storage.k8s.io", "csinodes"):
        return None if name == node_name else deny("can only access CSINode with the same name as the "
                                                    "requesting node")
    return None


@attrs.frozen
class _Forbid:
    """admission.NewForbidden: ``<resource> "<name>" is forbidden: <reason>``."""

    attributes: RequestAttributes
    name: str

    def __call__(self, reason: str) -> str:
        resource = qualified_resource(self.attributes.api_group, self.attributes.resource)
        target = f'{resource} "{self.name}"' if self.name else resource
        return f"{target} is forbidden: {reason}"


def _not_found(resource: str, name: str) -> str:
    return f'{resource} "{name}" not found'


def _admit_pod_request(node_name: str, operation: str, a: RequestAttributes, obj: Any, old: Any,
                       node: Node | None, deny: _Forbid) -> str | None:
    if a.subresource == "":
        if operation == "CREATE":
            return _admit_mirror_pod(node_name, obj, node, deny)
        if operation == "DELETE":
            if old is None:
                return _not_found("pods", deny.name)
            if old.spec.node_name != node_name:
                return deny(f'node "{node_name}" can only delete pods with spec.nodeName set to itself')
            return None
        return deny(f'unexpected operation "{operation}", node "{node_name}" can only create and delete mirror pods')
    if a.subresource == "status":
        if operation != "UPDATE":
            return deny(f'unexpected operation "{operation}"')
        if old is None:
            return _not_found("pods", deny.name)
        if old.spec.node_name != node_name:
            return deny(f'node "{node_name}" can only update pod status for pods with spec.nodeName set to itself')
        if old.metadata.labels != obj.metadata.labels:
            return deny(f'node "{node_name}" cannot update labels through pod status')
        return None
    if a.subresource == "eviction":
        if operation != "CREATE":
            return deny(f"unexpected operation {operation}")
        if old is None:
            return _not_found("pods", deny.name)
        if old.spec.node_name != node_name:
            return deny(f"node {node_name} can only evict pods with spec.nodeName set to itself")
        return None
    return deny(f"unexpected pod subresource \"{a.subresource}\", only 'status' and 'eviction' are allowed")


def _admit_mirror_pod(node_name: str, pod: Pod, node: Node | None, deny: _Forbid) -> str | None:
    """admitPodCreate: a kubelet may create only mirror pods of its own static pods, owned by its Node."""
    if MIRROR_POD_ANNOTATION not in pod.metadata.annotations:
        return deny(f'pod does not have "{MIRROR_POD_ANNOTATION}" annotation, node "{node_name}" can only '
                    "create mirror pods")
    if pod.spec.node_name != node_name:
        return deny(f'node "{node_name}" can only create pods with spec.nodeName set to itself')
    owners = pod.metadata.owner_references
    if len(owners) > 1:
        return deny(f'node "{node_name}" can only create pods with a single owner reference set to itself')
    if not owners or (owners[0].api_version, owners[0].kind, owners[0].name) != ("v1", "Node", node_name):
        return deny(f'node "{node_name}" can only create pods with an owner reference set to itself')
    owner = owners[0]
    if not owner.controller:
        return deny(f'node "{node_name}" can only create pods with a controller owner reference set to itself')
    if owner.block_owner_deletion:
        return deny(f'node "{node_name}" must not set blockOwnerDeletion on an owner reference')
    if node is None:
        return _not_found("nodes", node_name)
    if owner.uid != node.metadata.uid:
        return deny(f"node {node_name} UID mismatch: expected {owner.uid} got {node.metadata.uid}")
    if pod.spec.service_account_name:
        return deny(f'node "{node_name}" can not create pods that reference a service account')
    if pod_secret_names(pod):
        return deny(f'node "{node_name}" can not create pods that reference secrets')
    if pod_configmap_names(pod):
        return deny(f'node "{node_name}" can not create pods that reference configmaps')
    if any(_at(s, "clusterTrustBundle") is not None
           for v in pod.spec.volumes for s in (_at(v.projected, "sources") or ())):
        return deny(f'node "{node_name}" can not create pods that reference clustertrustbundles')
    if any(v.persistent_volume_claim is not None for v in pod.spec.volumes):
        return deny(f'node "{node_name}" can not create pods that reference persistentvolumeclaims')
    return None


def is_kubelet_label(key: str) -> bool:
    """IsKubeletLabel: a label a kubelet may set on its own Node."""
    namespace = _label_namespace(key)
    return key in KUBELET_LABELS or any(namespace == allowed or namespace.endswith(f".{allowed}")
                                        for allowed in KUBELET_LABEL_NAMESPACES)


def _label_namespace(key: str) -> str:
    return key.split("/", 1)[0] if "/" in key else ""


def forbidden_node_labels(labels: Mapping[str, str], old_labels: Mapping[str, str]) -> tuple[str, ...]:
    """getForbiddenLabels(getModifiedLabels(...)), sorted: changed labels in ``node-restriction.kubernetes.io``
    or in an unknown kubernetes.io / k8s.io namespace."""
    modified = {k for k in {*labels, *old_labels} if labels.get(k) != old_labels.get(k)}
    forbidden = set()
    for key in modified:
        namespace = _label_namespace(key)
        if namespace == NODE_RESTRICTION_LABEL_NAMESPACE or namespace.endswith(f".{NODE_RESTRICTION_LABEL_NAMESPACE}"):
            forbidden.add(key)
        kubernetes = any(namespace == d or namespace.endswith(f".{d}") for d in ("kubernetes.io", "k8s.io"))
        if kubernetes and not is_kubelet_label(key):
            forbidden.add(key)
    return tuple(sorted(forbidden))


def _admit_node(node_name: str, operation: str, name: str, obj: Any, old: Any, deny: _Forbid) -> str | None:
    """admitNode: a kubelet may modify only its own Node, not its taints, and only kubelet labels."""
    if name != node_name:
        return deny(f'node "{node_name}" is not allowed to modify node "{name}"')
    if operation == "CREATE":
        labels = forbidden_node_labels(obj.metadata.labels, {})
        if labels:
            return deny(f'node "{node_name}" is not allowed to set the following labels: {", ".join(labels)}')
    if operation == "UPDATE":
        if old is None:
            return _not_found("nodes", name)
        if obj.spec.taints != old.spec.taints:
            return deny(f'node "{node_name}" is not allowed to modify taints')
        labels = forbidden_node_labels(obj.metadata.labels, old.metadata.labels)
        if labels:
            return deny(f"is not allowed to modify labels: {', '.join(labels)}")
    return None


def _admit_pvc_status(node_name: str, operation: str, obj: PersistentVolumeClaim, old: PersistentVolumeClaim,
                      deny: _Forbid) -> str | None:
    """admitPVCStatus: a kubelet may change only status.capacity (status.conditions is not modelled).

    Upstream appends a cmp.Diff of the two objects to the message; the model leaves it out.
    """
    if operation != "UPDATE":
        return deny(f'unexpected operation "{operation}"')
    if old is None:
        return _not_found("persistentvolumeclaims", deny.name)

    def comparable(pvc: PersistentVolumeClaim) -> PersistentVolumeClaim:
        return attrs.evolve(pvc, metadata=attrs.evolve(pvc.metadata, resource_version=None),
                            status=attrs.evolve(pvc.status, capacity=FrozenDict()))

    if comparable(obj) != comparable(old):
        return deny(f'node "{node_name}" is not allowed to update fields other than status.capacity and '
                    "status.conditions")
    return None
