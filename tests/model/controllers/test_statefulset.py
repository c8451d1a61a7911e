"""The StatefulSet controller (model.controllers.statefulset), and the two StatefulSet hazards the model can
re-create (``kubelet-stale-cache-after-restart``, ``force-delete-partitioned``).

Ported from kubernetes/kubernetes ``pkg/controller/statefulset/``: ``stateful_set_utils_test.go``
(TestGetParentNameAndOrdinal, TestIsMemberOf, TestIdentityMatches, TestStorageMatches, TestUpdateIdentity,
TestUpdateStorage, TestMatchesRef, TestIsClaimOwnerUpToDate, TestClaimOwnerUpToDateEdgeCases,
TestUpdateClaimOwnerRefForSetAndPod, TestUpdateClaimControllerRef, TestHasOwnerRef, TestHasUnexpectedController,
TestCreateApplyRevision, TestGetStatefulSetMaxUnavailable, TestNewPodControllerRef),
``stateful_set_control_test.go`` (CreatesPods, ScaleUp, ScaleDown, ReplacesPods, RecreatesFailedPod,
TestStatefulSetControlRollingUpdateWithPartition, TestStatefulSetControlOnDeleteUpdate, the Parallel variants,
TestStatefulSetControlLimitsHistory) and ``stateful_pod_control_test.go`` (create claims then the pod; claims
re-used). Upstream drives ``UpdateStatefulSet`` against fake listers; here the scenarios run the whole model
(``model.cluster``): the API server, the scheduler, the kubelets, and the StatefulSet and PersistentVolume
controllers, each through its own informer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster
from model.actions import DeliverWatchEvent, ForceDeletePod, Submit, SubmitPending, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.config import ModelConfig
from model.controllers import base
from model.controllers import statefulset as ssc
from model.frozendict import FrozenDict
from model.kubelet.component import (
    ContainerBecomesReady,
    ContainerExit,
    ContainerWrites,
    CrashNode,
    HealPartition,
    KubeletSyncPod,
    NodeHeartbeat,
    PartitionNode,
    RecoverNode,
)
from model.manifests import from_dict
from model.objects import OwnerReference, PersistentVolumeClaim, Pod, StatefulSet
from model.objects.pod import PersistentVolumeClaimVolumeSource, Volume
from model.scheduler.component import SchedulePod
from model.state import ClusterState, behind
from model.user_actions import cordon

FAITHFUL = ModelConfig()
STALE_KUBELET = ModelConfig(variants=frozenset({"kubelet-stale-cache-after-restart"}))
FORCE_DELETE = ModelConfig(variants=frozenset({"force-delete-partitioned"}))
CONTROLLERS = (ssc.NAME, "persistent-volume-binder")
KEY = ("default", "web")


# --- objects --------------------------------------------------------------------------------------------------


def _node(name: str) -> dict:
    resources = {"cpu": "8", "memory": "16Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def _sts(replicas: int = 3, policy: str = "OrderedReady", claims: bool = False, probe: bool = False,
         image: str = "nginx:1", strategy: dict | None = None, retention: dict | None = None, **spec: Any) -> dict:
    """``newStatefulSet``-like: ``web`` selecting ``app: web``, serviceName ``web``; optionally a ``data`` claim
    template mounted by the container, and a readiness probe (so that readiness is a separate step)."""
    container: dict[str, Any] = {"name": "app", "image": image}
    if probe:
        container["readinessProbe"] = {"exec": {"command": ["true"]}}
    template_spec: dict[str, Any] = {"containers": [container]}
    body: dict[str, Any] = {"replicas": replicas, "serviceName": "web", "podManagementPolicy": policy,
                            "selector": {"matchLabels": {"app": "web"}},
                            "template": {"metadata": {"labels": {"app": "web"}}, "spec": template_spec}, **spec}
    if claims:
        container["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
        body["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    if strategy is not None:
        body["updateStrategy"] = strategy
    if retention is not None:
        body["persistentVolumeClaimRetentionPolicy"] = retention
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "namespace": "default"},
            "spec": body}


def _pvs(count: int) -> list[dict]:
    return [{"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": f"pv-{i}"},
             "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}} for i in range(count)]


def _set(replicas: int = 3, uid: str = "uid-set", **kwargs: Any) -> StatefulSet:
    """A StatefulSet object for the pure helpers (as if stored)."""
    sts = StatefulSet.from_dict(_sts(replicas, **kwargs))
    return attrs.evolve(sts, metadata=attrs.evolve(sts.metadata, uid=uid))


# --- driving the model ------------------------------------------------------------------------------------------


def _start(*docs: dict, nodes: tuple[str, ...] = ("n1", "n2"), config: ModelConfig = FAITHFUL) -> ClusterState:
    state = cluster.initial_state([from_dict(d) for d in (*(_node(n) for n in nodes), *docs)])
    while state.pending:
        state = cluster.apply(state, SubmitPending(), config)
    return state


def _allowed(action: Any, controllers: tuple[str, ...], ready: bool) -> bool:
    if isinstance(action, base.Reconcile):
        return action.controller in controllers
    return isinstance(action, (DeliverWatchEvent, SchedulePod, KubeletSyncPod)) or \
        (ready and isinstance(action, ContainerBecomesReady))


def _settle(state: ClusterState, config: ModelConfig = FAITHFUL, controllers: tuple[str, ...] = CONTROLLERS,
            ready: bool = True, idle: int = 20, limit: int = 4000,
            stop: Callable[[ClusterState], bool] | None = None) -> ClusterState:
    """Run informers, the chosen controllers, the scheduler and the kubelets (readiness probes succeeding when
    ``ready``), letting time pass when nothing is enabled, until the store has not changed for ``idle`` seconds
    (or ``stop`` holds)."""
    changed_at, revision = state.time, state.store.revision
    for _ in range(limit):
        if stop is not None and stop(state):
            return state
        if state.store.revision != revision:
            changed_at, revision = state.time, state.store.revision
        actions = [a for a in cluster.enabled(state, config) if _allowed(a, controllers, ready)]
        if actions:
            state = cluster.apply(state, actions[0], config)
        elif state.time - changed_at < idle:
            state = cluster.apply(state, Tick(), config)
        else:
            return state
    raise AssertionError("the cluster did not settle")


def _sync(state: ClusterState, config: ModelConfig = FAITHFUL) -> ClusterState:
    """Deliver every pending watch event to the StatefulSet controller, then one sync of ``web``."""
    state = _deliver(state, ssc.NAME)
    return cluster.apply(state, base.Reconcile(ssc.NAME, KEY), config)


def _deliver(state: ClusterState, component: str) -> ClusterState:
    while behind(state, component):
        state = cluster.apply(state, DeliverWatchEvent(component))
    return state


def _send(state: ClusterState, request: Any, config: ModelConfig = FAITHFUL) -> ClusterState:
    step = cluster.step(state, Submit(request), config)
    assert step.responses[0].ok, step.responses[0]
    return step.state


def _pods(state: ClusterState) -> dict[str, Pod]:
    return {p.name: p for p in state.store.list("Pod", "default")}


def _statefulset(state: ClusterState) -> StatefulSet:
    return state.store.get("StatefulSet", "default", "web")


def _edit(state: ClusterState, change: Callable[[Any], Any]) -> ClusterState:
    """The admin updates the StatefulSet's spec."""
    sts = _statefulset(state)
    return _send(state, rq.Update(ADMIN, attrs.evolve(sts, spec=change(sts.spec))))


def _scale(state: ClusterState, replicas: int) -> ClusterState:
    return _edit(state, lambda spec: attrs.evolve(spec, replicas=replicas))


def _set_image(state: ClusterState, image: str) -> ClusterState:
    def change(spec: Any) -> Any:
        template = spec.template
        containers = tuple(attrs.evolve(c, image=image) for c in template.spec.containers)
        return attrs.evolve(spec, template=attrs.evolve(template, spec=attrs.evolve(template.spec,
                                                                                     containers=containers)))
    return _edit(state, change)


def _images(state: ClusterState) -> dict[str, str]:
    return {name: pod.spec.containers[0].image for name, pod in _pods(state).items()}


def _running_identities(state: ClusterState) -> dict[str, list[str]]:
    """For each pod name, the nodes whose runtime runs a container of a pod with that name (any incarnation)."""
    found: dict[str, list[str]] = {}
    for node, runtime in sorted(state.nodes.items()):
        for pod in runtime.pods.values():
            if pod.any_running:
                found.setdefault(pod.name, []).append(node)
    return found


def _duplicated(state: ClusterState) -> dict[str, list[str]]:
    """Identities running on more than one node (the StatefulSet at-most-one guarantee broken)."""
    return {name: nodes for name, nodes in _running_identities(state).items() if len(nodes) > 1}


# --- identity and storage (stateful_set_utils_test.go) ----------------------------------------------------------


def test_get_parent_name_and_ordinal() -> None:
    """TestGetParentNameAndOrdinal: ``<set>-<ordinal>``; other names have no parent and ordinal -1."""
    sts = _set(3, claims=True)
    pod = ssc.new_pod(sts, 1)
    assert ssc.parent_name_and_ordinal(pod) == ("web", 1)
    renamed = lambda name: attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name=name))
    assert ssc.parent_name_and_ordinal(renamed("1-bar")) == ("", -1)
    assert ssc.parent_name_and_ordinal(renamed("web-2147483648")) == ("web", -1)  # not an int32


@given(st.from_regex(r"[a-z]([-a-z0-9]{0,20}[a-z0-9])?", fullmatch=True), st.integers(0, 2**31 - 1))
@settings(max_examples=50)
def test_pod_names_round_trip(name: str, ordinal: int) -> None:
    """getPodName and getParentNameAndOrdinal are inverse, whatever dashes and digits the set's name has."""
    sts = attrs.evolve(_set(1), metadata=attrs.evolve(_set(1).metadata, name=name))
    assert ssc.parent_name_and_ordinal(ssc.new_pod(sts, ordinal)) == (name, ordinal)


def test_is_member_of() -> None:
    """TestIsMemberOf."""
    sts = _set(3)
    other = attrs.evolve(sts, metadata=attrs.evolve(sts.metadata, name="foo2"))
    pod = ssc.new_pod(sts, 1)
    assert ssc.is_member_of(sts, pod) and not ssc.is_member_of(other, pod)


def _renamed(pod: Pod, name: str | None = None, namespace: str | None = None) -> Pod:
    meta = pod.metadata
    return attrs.evolve(pod, metadata=attrs.evolve(meta, name=name or meta.name,
                                                   namespace=meta.namespace if namespace is None else namespace))


def test_identity_matches() -> None:
    """TestIdentityMatches: the name, the namespace and the pod-name label must conform."""
    sts = _set(3)
    pod = ssc.new_pod(sts, 1)
    assert ssc.identity_matches(sts, pod)
    assert not ssc.identity_matches(sts, _renamed(pod, name="foo"))
    assert not ssc.identity_matches(sts, _renamed(pod, namespace="other"))
    unlabelled = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata,
                                                         labels=pod.labels.discard(ssc.POD_NAME_LABEL)))
    assert not ssc.identity_matches(sts, unlabelled)


def test_new_pod_identity_storage_and_controller() -> None:
    """newStatefulSetPod (TestNewPodControllerRef, TestStorageMatches' first case): name, hostname, subdomain,
    the pod-name and pod-index labels, the set as controller, and one volume per claim template."""
    sts = _set(3, claims=True)
    pod = ssc.new_pod(sts, 2)
    assert (pod.name, pod.spec.hostname, pod.spec.subdomain) == ("web-2", "web-2", "web")
    assert pod.labels == {"app": "web", ssc.POD_NAME_LABEL: "web-2", ssc.POD_INDEX_LABEL: "2"}
    assert pod.metadata.owner_references == (OwnerReference(api_version="apps/v1", kind="StatefulSet", name="web",
                                                             uid="uid-set", controller=True,
                                                             block_owner_deletion=True),)
    assert [(v.name, v.persistent_volume_claim.claim_name) for v in pod.spec.volumes] == [("data", "data-web-2")]
    assert ssc.storage_matches(sts, pod)


def _with_volumes(pod: Pod, volumes: tuple[Volume, ...]) -> Pod:
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, volumes=volumes))


def test_storage_matches_and_update_storage() -> None:
    """TestStorageMatches and TestUpdateStorage: no volumes, a volume that is not a claim, a claim of the wrong
    name, or a pod without an ordinal do not match; updateStorage repairs the volumes and keeps the others."""
    sts = _set(3, claims=True)
    pod = ssc.new_pod(sts, 1)
    scratch = Volume(name="scratch", empty_dir=None, host_path=FrozenDict({"path": "/tmp"}))
    broken = [
        _with_volumes(pod, ()),
        _with_volumes(pod, (Volume(name="data", host_path=FrozenDict({"path": "/x"})),)),
        _with_volumes(pod, (Volume(name="data", persistent_volume_claim=PersistentVolumeClaimVolumeSource(
            claim_name="foo")),)),
    ]
    for bad in broken:
        assert not ssc.storage_matches(sts, bad)
        repaired = ssc.update_storage(sts, _with_volumes(bad, bad.spec.volumes + (scratch,)))
        assert ssc.storage_matches(sts, repaired)
        assert [v.name for v in repaired.spec.volumes] == ["data", "scratch"]
    assert not ssc.storage_matches(sts, _renamed(pod, name="bar"))


def test_update_identity() -> None:
    """TestUpdateIdentity: updateIdentity restores the namespace and the pod-name label."""
    sts = _set(3)
    pod = _renamed(ssc.new_pod(sts, 1), namespace="other")
    assert not ssc.identity_matches(sts, pod)
    pod = ssc.update_identity(sts, pod)
    assert ssc.identity_matches(sts, pod)
    pod = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, labels=pod.labels.discard(ssc.POD_NAME_LABEL)))
    assert ssc.identity_matches(sts, ssc.update_identity(sts, pod))


def test_claims_carry_the_selector_labels() -> None:
    """getPersistentVolumeClaims: ``<claim>-<set>-<ordinal>`` in the set's namespace, labelled with the template's
    labels and the selector's matchLabels (which win)."""
    doc = _sts(2, claims=True)
    doc["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"] = {"tier": "db", "app": "other"}
    sts = StatefulSet.from_dict(doc)
    (claim,) = ssc.persistent_volume_claims(sts, 1)
    assert (claim.name, claim.namespace) == ("data-web-1", "default")
    assert claim.labels == {"tier": "db", "app": "web"}
    assert claim.spec == sts.spec.volume_claim_templates[0].spec


# --- the retention policy's owner references (stateful_set_utils_test.go) -----------------------------------


def _named_set(name: str, uid: str, replicas: int, when_scaled: str = "Retain", when_deleted: str = "Retain") -> Any:
    sts = StatefulSet.from_dict(_sts(replicas, retention={"whenScaled": when_scaled, "whenDeleted": when_deleted}))
    return attrs.evolve(sts, metadata=attrs.evolve(sts.metadata, name=name, uid=uid))


def _named_pod(name: str, uid: str) -> Pod:
    return Pod.from_dict({"metadata": {"name": name, "namespace": "default", "uid": uid},
                          "spec": {"containers": [{"name": "c", "image": "x"}]}})


def _claim(refs: list[OwnerReference] | tuple[OwnerReference, ...] = ()) -> PersistentVolumeClaim:
    claim = PersistentVolumeClaim.from_dict({"metadata": {"name": "target-claim", "namespace": "default"}})
    return attrs.evolve(claim, metadata=attrs.evolve(claim.metadata, owner_references=tuple(refs)))


def _ref(api_version: str, kind: str, name: str, uid: str, controller: bool | None = None) -> OwnerReference:
    return OwnerReference(api_version=api_version, kind=kind, name=name, uid=uid, controller=controller)


@pytest.mark.parametrize(("ref", "name", "kind", "matches"), [
    (_ref("v1", "Pod", "fred", "abc"), "fred", ("v1", "Pod"), True),
    (_ref("v1", "Pod", "fred", "abc"), "fred", ("v1", "Pod"), True),  # "match without UID": the uid is ignored
    (_ref("v1", "Pod", "fred", "abc"), "joan", ("v1", "Pod"), False),
    (_ref("beta2", "Pod", "fred", "abc"), "fred", ("v1", "Pod"), False),
])
def test_matches_ref(ref: OwnerReference, name: str, kind: tuple[str, str], matches: bool) -> None:
    """TestMatchesRef."""
    assert ssc.matches_ref(ref, _named_pod(name, "not-matching"), kind) is matches


@pytest.mark.parametrize(("when_scaled", "when_deleted", "needs_pod_ref", "needs_set_ref", "replicas", "ordinal"), [
    ("Retain", "Retain", False, False, 0, 0),
    ("Retain", "Delete", False, True, 0, 0),
    ("Delete", "Retain", True, False, 2, 2),
    ("Delete", "Retain", False, False, 2, 1),
    ("Delete", "Delete", True, False, 2, 2),
    ("Delete", "Delete", False, True, 2, 1),
])
@pytest.mark.parametrize("other_refs", [False, True])
@pytest.mark.parametrize("pod_ref", [False, True])
@pytest.mark.parametrize("set_ref", [False, True])
def test_is_claim_owner_up_to_date(when_scaled: str, when_deleted: str, needs_pod_ref: bool, needs_set_ref: bool,
                                   replicas: int, ordinal: int, other_refs: bool, pod_ref: bool,
                                   set_ref: bool) -> None:
    """TestIsClaimOwnerUpToDate: up to date exactly when the pod and set references are the ones the policy (and
    whether the pod is scaled down) asks for; non-controller references of others do not matter."""
    sts = _named_set("stateful-set", "ss-456", replicas, when_scaled, when_deleted)
    pod = _named_pod(f"pod-{ordinal}", "pod-123")
    refs: list[OwnerReference] = []
    if pod_ref:
        refs.append(_ref("v1", "Pod", pod.name, "pod-123", True))
    if set_ref:
        refs.append(_ref("apps/v1", "StatefulSet", sts.name, "ss-456", True))
    if other_refs:
        refs += [_ref("v1", "Pod", "rand1", "rand1-uid"), _ref("v1", "Pod", "rand2", "rand2-uid")]
    expected = pod_ref == needs_pod_ref and set_ref == needs_set_ref
    assert ssc.is_claim_owner_up_to_date(_claim(refs), sts, pod) is expected


@pytest.mark.parametrize(("refs", "when_scaled", "when_deleted", "expected"), [
    ([_ref("v1", "Pod", "pod-1", "pod-123", True)], "Delete", "Delete", True),
    ([_ref("v1", "Pod", "pod-1", "pod-123")], "Delete", "Delete", False),
    ([_ref("v1", "Pod", "pod-1", "pod-stale", True)], "Delete", "Delete", True),
    ([_ref("v1", "Pod", "pod-1", "pod-123", True), _ref("v1", "Pod", "Random", "random", True)], "Delete", "Delete",
     False),
    ([_ref("apps/v1", "StatefulSet", "stateful-set", "ss-456", True)], "Retain", "Delete", True),
    ([_ref("appsv1", "StatefulSet", "stateful-set", "ss-456")], "Retain", "Delete", False),
    ([_ref("apps/v1", "StatefulSet", "stateful-set", "set-stale", True)], "Retain", "Delete", True),
    ([_ref("apps/v1", "StatefulSet", "stateful-set", "ss-456", True),
      _ref("apps/v1", "StatefulSet", "Random", "random", True)], "Retain", "Delete", False),
])
def test_claim_owner_up_to_date_edge_cases(refs: list[OwnerReference], when_scaled: str, when_deleted: str,
                                           expected: bool) -> None:
    """TestClaimOwnerUpToDateEdgeCases: a non-controller reference needs fixing, a stale one (same name, other
    uid) leaves the claim alone, an unexpected controller beside ours needs cleaning up."""
    sts = _named_set("stateful-set", "ss-456", 1, when_scaled, when_deleted)
    assert ssc.is_claim_owner_up_to_date(_claim(refs), sts, _named_pod("pod-1", "pod-123")) is expected


@pytest.mark.parametrize(("when_scaled", "when_deleted", "condemned", "needs_pod_ref", "needs_set_ref", "unexpected"), [
    ("Retain", "Retain", False, False, False, False),
    ("Retain", "Delete", False, False, True, False),
    ("Delete", "Retain", False, False, False, False),
    ("Delete", "Retain", True, True, False, False),
    ("Delete", "Delete", False, False, True, False),
    ("Delete", "Delete", True, True, False, False),
    ("Delete", "Delete", True, False, False, True),
])
@pytest.mark.parametrize("variation", range(8))
def test_update_claim_owner_ref_for_set_and_pod(when_scaled: str, when_deleted: str, condemned: bool,
                                               needs_pod_ref: bool, needs_set_ref: bool, unexpected: bool,
                                               variation: int) -> None:
    """TestUpdateClaimOwnerRefForSetAndPod: whatever references the claim had, afterwards the set and the pod are
    controllers exactly as the policy asks, and not at all beside another controller."""
    sts = _named_set("ss", "ss-123", 5, when_scaled, when_deleted)
    pod = _named_pod("pod-8" if condemned else "pod-1", "pod-456")
    refs: list[OwnerReference] = []
    if variation & 1:
        refs.append(_ref("v1", "Pod", pod.name, "pod-456", True))
    if variation & 2:
        refs.append(_ref("apps/v1", "StatefulSet", "ss", "ss-123", True))
    if variation & 3:
        refs.append(_ref("custom/v1", "random", "random", "abc"))
    if unexpected:
        refs.append(_ref("custom/v1", "Unknown", "unknown", "xyz", True))
    updated = ssc.claim_owner_refs_for(_claim(refs), sts, pod)
    controls = lambda uid: any(r.uid == uid and r.controller for r in updated)
    assert controls("pod-456") is needs_pod_ref and controls("ss-123") is needs_set_ref
    if variation & 3:
        assert _ref("custom/v1", "random", "random", "abc") in updated  # others' references are kept


@pytest.mark.parametrize(("original", "expected"), [
    ([_ref("apps/v1", "StatefulSet", "sts", "123", True), _ref("someone", "Else", "foo", "")],
     [_ref("apps/v1", "StatefulSet", "sts", "123", True), _ref("someone", "Else", "foo", "")]),
    ([_ref("apps/v1", "StatefulSet", "sts", "123")], [_ref("apps/v1", "StatefulSet", "sts", "123", True)]),
    ([_ref("someone", "else", "sts", "456")],
     [_ref("someone", "else", "sts", "456"), _ref("apps/v1", "StatefulSet", "sts", "123", True)]),
    ([], [_ref("apps/v1", "StatefulSet", "sts", "123", True)]),
    ([_ref("apps/v1", "StatefulSet", "sts", "", True)], []),
    ([_ref("apps/v1", "StatefulSet", "sts", "")], []),
])
def test_update_claim_controller_ref(original: list[OwnerReference], expected: list[OwnerReference]) -> None:
    """TestUpdateClaimControllerRef (delete on both, pod in range): the set becomes the controller; a reference to
    the set without the right uid is a stale one, scrubbed and not replaced."""
    sts = _named_set("sts", "123", 1, "Delete", "Delete")
    updated = ssc.claim_owner_refs_for(_claim(original), sts, _named_pod("pod-0", "456"))
    key = lambda r: (r.api_version, r.kind, r.name, r.uid, bool(r.controller))
    assert sorted(map(key, updated)) == sorted(map(key, expected))


def test_has_owner_ref() -> None:
    """TestHasOwnerRef: any reference with the owner's uid, controller or not."""
    target = _claim([_ref("", "", "", "123", True), _ref("", "", "", "456", False), _ref("", "", "", "789")])
    for uid, expected in (("123", True), ("456", True), ("789", True), ("012", False)):
        assert ssc.has_owner_ref(target, _named_pod("p", uid)) is expected


@pytest.mark.parametrize(("ref", "unexpected"), [
    (_ref("chipmunks/v1", "CustomController", "simon", "other-uid", True), True),
    (_ref("chipmunks/v1", "CustomController", "simon", "other-uid", False), False),
    (_ref("chipmunks/v1", "CustomController", "simon", "other-uid"), False),
    (_ref("v1", "Pod", "simon", "other-uid", True), True),
    (_ref("apps/v1", "Set", "simon", "other-uid", True), True),
    (_ref("apps/v1", "StatefulSet", "set", "set-uid", True), False),
    (_ref("apps/v1", "StatefulSet", "set", "stale-uid", True), True),
    (_ref("v1", "Pod", "pod", "pod-uid", True), False),
    (_ref("v1", "Pod", "pod", "stale-uid", True), True),
])
def test_has_unexpected_controller(ref: OwnerReference, unexpected: bool) -> None:
    """TestHasUnexpectedController (with a Delete policy; with Retain/Retain nothing is unexpected)."""
    claim = _claim([ref])
    pod = _named_pod("pod", "pod-uid")
    assert ssc.has_unexpected_controller(claim, _named_set("set", "set-uid", 1, "Delete", "Delete"), pod) is unexpected
    assert not ssc.has_unexpected_controller(claim, _named_set("set", "set-uid", 1), pod)


# --- revisions and maxUnavailable (stateful_set_utils_test.go, controller_history_test.go) -------------------


def test_create_apply_revision() -> None:
    """TestCreateApplyRevision: a revision records the template; applying it to a set with another template
    restores the recorded one; the hash follows the template and the collision count, and names the revision."""
    sts = _set(3)
    revision = ssc.new_revision(sts, 1, 0)
    digest = revision.metadata.labels[ssc.REVISION_LABEL]
    assert revision.name == f"web-{digest}" and ssc.revision_number(revision) == 1
    assert revision.metadata.controller_ref().uid == "uid-set" and revision.metadata.labels["app"] == "web"
    changed = StatefulSet.from_dict(_sts(3, image="nginx:2"))
    assert ssc.apply_revision(changed, revision).spec.template == sts.spec.template
    assert ssc.new_revision(sts, 7, 0).name == revision.name  # the number is not part of the hash
    assert ssc.new_revision(changed, 1, 0).name != revision.name
    assert ssc.new_revision(sts, 1, 1).name != revision.name
    assert set(digest) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_equal_revisions_and_their_order() -> None:
    """history.EqualRevision (same data, unless the hash labels differ) and SortControllerRevisions."""
    sts = _set(3)
    first, again = ssc.new_revision(sts, 1, 0), ssc.new_revision(sts, 2, 0)
    other = ssc.new_revision(StatefulSet.from_dict(_sts(3, image="nginx:2")), 3, 0)
    assert ssc.equal_revision(first, again) and not ssc.equal_revision(first, other)
    assert not ssc.equal_revision(first, ssc.new_revision(sts, 1, 5))  # another collision count, another hash
    assert ssc.sort_revisions([other, again, first]) == [first, again, other]


@pytest.mark.parametrize(("max_unavailable", "replicas", "expected"), [
    (None, 10, 1), (3, 10, 3), ("30%", 10, 3), ("50%", 5, 2), ("10%", 5, 1), ("100%", 5, 5), (1, 0, 1),
])
def test_get_stateful_set_max_unavailable(max_unavailable: Any, replicas: int, expected: int) -> None:
    """TestGetStatefulSetMaxUnavailable: default 1, percentages of the replicas rounded down, at least 1."""
    rolling = {} if max_unavailable is None else {"maxUnavailable": max_unavailable}
    sts = StatefulSet.from_dict(_sts(replicas, strategy={"type": "RollingUpdate", "rollingUpdate": rolling}))
    assert ssc.max_unavailable(sts) == expected


def test_new_versioned_pod_below_the_partition_is_at_the_current_revision() -> None:
    """newVersionedStatefulSetPod: ordinals below the partition get the current revision's template and label,
    the others the update revision's."""
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    current, update = _set(4, strategy=strategy), _set(4, strategy=strategy, image="nginx:2")
    pods = [ssc.new_versioned_pod(current, update, "web-old", "web-new", k) for k in range(4)]
    assert [ssc.pod_revision(p) for p in pods] == ["web-old", "web-old", "web-new", "web-new"]
    assert [p.spec.containers[0].image for p in pods] == ["nginx:1", "nginx:1", "nginx:2", "nginx:2"]


def test_drive_replays_a_program_purely() -> None:
    """The continuation of a generator-written sync can be called twice with the same answers and gives the same
    next step (it replays the program instead of resuming a suspended one)."""
    def program() -> Any:
        first = yield from base.send(rq.Get(ADMIN, "Pod", "default", "a"))
        second = yield from base.send(rq.Get(ADMIN, "Pod", "default", first.message))
        return base.Result(requeue_after=len(second.message))
    result = base.drive(program)
    assert result.requests == (rq.Get(ADMIN, "Pod", "default", "a"),)
    answer = (rq.Response(404, "NotFound", "b"),)
    following, again = result.then(FrozenDict(), answer), result.then(FrozenDict(), answer)
    assert following.requests == again.requests
    assert following.requests == (rq.Get(ADMIN, "Pod", "default", "b"),)
    assert following.then(FrozenDict(), (rq.Response(404, "NotFound", "four"),)).requeue_after == 4
    assert again.then(FrozenDict(), (rq.Response(404, "NotFound", "seven"),)).requeue_after == 5


# --- OrderedReady and Parallel (stateful_set_control_test.go) ---------------------------------------------------


def _ready_pods(state: ClusterState) -> list[str]:
    return sorted(name for name, pod in _pods(state).items() if ssc.is_running_and_ready(pod))


def _make_ready(state: ClusterState, name: str) -> ClusterState:
    """The readiness probe of pod ``name`` succeeds (and the kubelet reports it)."""
    pod = _pods(state)[name]
    return cluster.apply(state, ContainerBecomesReady(pod.spec.node_name, pod.metadata.uid, "app"))


def test_ordered_ready_creates_each_ordinal_only_after_its_predecessors_are_running_and_ready() -> None:
    """CreatesPods / ScaleUp (OrderedReady): web-0 first; web-1 only once web-0 is Running and Ready, and so on;
    an unready pod blocks creation however long it takes."""
    state = _settle(_start(_sts(3, probe=True)), ready=False)
    assert sorted(_pods(state)) == ["web-0"] and _pods(state)["web-0"].status.phase == "Running"
    state = _settle(tick_state(state, 120), ready=False)
    assert sorted(_pods(state)) == ["web-0"], "an unready predecessor blocks the next ordinal"
    state = _settle(_make_ready(state, "web-0"), ready=False)
    assert sorted(_pods(state)) == ["web-0", "web-1"]
    state = _settle(_make_ready(state, "web-1"), ready=False)
    state = _settle(_make_ready(state, "web-2"), ready=False)
    assert _ready_pods(state) == ["web-0", "web-1", "web-2"]
    status = _statefulset(state).status
    assert (status.replicas, status.ready_replicas, status.available_replicas, status.current_replicas,
            status.updated_replicas) == (3, 3, 3, 3, 3)
    assert status.current_revision == status.update_revision == ssc.pod_revision(_pods(state)["web-2"])
    assert status.observed_generation == 1


def tick_state(state: ClusterState, seconds: int) -> ClusterState:
    return cluster.apply(state, Tick(seconds))


def _chaos_step(state: ClusterState, choice: int, config: ModelConfig, controllers: tuple[str, ...]) -> Any:
    """The action ``choice`` picks: now and then a container crash, else one of the steps of the scheduler, the
    kubelets, the chosen controllers and their informers; time passes only when nothing else can happen."""
    enabled = cluster.enabled(state, config)
    crashes = [a for a in enabled if isinstance(a, ContainerExit)]
    informers = (*controllers, "scheduler")
    steps = [a for a in enabled if isinstance(a, (SchedulePod, KubeletSyncPod, ContainerBecomesReady))
             or (isinstance(a, DeliverWatchEvent) and (a.component in informers or a.component.startswith("kubelet/")))
             or (isinstance(a, base.Reconcile) and a.controller in controllers)]
    if crashes and choice % 12 == 0:
        return crashes[choice // 12 % len(crashes)]
    return steps[choice % len(steps)] if steps else Tick()


@given(st.lists(st.integers(0, 10**6), min_size=40, max_size=150))
@settings(max_examples=25, deadline=None)
def test_ordered_ready_never_creates_past_an_ordinal_it_does_not_see_running_and_ready(choices: list[int]) -> None:
    """Over random interleavings (lagging informers, crashing containers, readiness in any order): every pod an
    OrderedReady sync creates is the lowest missing ordinal, one per sync, and the controller's cache showed every
    lower ordinal Running and Ready; and there is never more than one pod per identity."""
    config = ModelConfig(faults=frozenset({"container-crash"}))
    state = _start(_sts(3, probe=True))
    for choice in choices:
        action = _chaos_step(state, choice, config, (ssc.NAME,))
        before = set(_pods(state))
        cache = state.informer(ssc.NAME).cache
        state = cluster.apply(state, action, config)
        created = sorted(set(_pods(state)) - before)
        if isinstance(action, base.Reconcile) and created:
            assert created == [f"web-{len(before)}"]
            seen = {p.name: p for p in cache.list("Pod", "default")}
            assert all(ssc.is_running_and_ready(seen[f"web-{k}"]) for k in range(len(before)))
        assert not _duplicated(state)


def test_parallel_creates_every_pod_in_one_sync_without_waiting() -> None:
    """Parallel (burst): one sync creates all replicas (slow-start batches 1, 2, ...), unready pods do not block."""
    state = _sync(_start(_sts(4, policy="Parallel", probe=True)))
    assert sorted(_pods(state)) == ["web-0", "web-1", "web-2", "web-3"]
    assert all(ssc.identity_matches(_statefulset(state), p) for p in _pods(state).values())


def _deletion_order(state: ClusterState, config: ModelConfig = FAITHFUL, ready: bool = True) -> list[tuple[str, int]]:
    """Settle, noting each pod as it starts terminating, with how many other pods were terminating then."""
    order: list[tuple[str, int]] = []

    def watch(current: ClusterState) -> bool:
        terminating = [n for n, p in _pods(current).items() if ssc.is_terminating(p)]
        for name in terminating:
            if name not in [n for n, _ in order]:
                order.append((name, len(terminating) - 1))
        return False
    _settle(state, config, ready=ready, stop=watch)
    return order


def test_ordered_ready_scales_down_in_reverse_order_one_at_a_time() -> None:
    """ScaleDown (OrderedReady): the highest ordinal goes first, and the next only once the previous is gone."""
    state = _settle(_start(_sts(4)))
    assert _ready_pods(state) == ["web-0", "web-1", "web-2", "web-3"]
    state = _scale(state, 1)
    state = _sync(state)
    assert [n for n, p in _pods(state).items() if ssc.is_terminating(p)] == ["web-3"]
    state = _sync(_sync(state))
    assert [n for n, p in _pods(state).items() if ssc.is_terminating(p)] == ["web-3"], "waits for termination"
    order: list[str] = []

    def watch(current: ClusterState) -> bool:
        terminating = sorted(n for n, p in _pods(current).items() if ssc.is_terminating(p))
        assert len(terminating) <= 1
        order.extend(n for n in terminating if n not in order)
        return False
    final = _settle(state, stop=watch)
    assert order == ["web-3", "web-2", "web-1"]
    assert sorted(_pods(final)) == ["web-0"] and _statefulset(final).status.replicas == 1


def test_parallel_scales_down_all_condemned_pods_at_once() -> None:
    """ScaleDown (Parallel): every pod beyond the replicas is deleted in one sync."""
    state = _settle(_start(_sts(4, policy="Parallel")))
    state = _sync(_scale(state, 1))
    assert sorted(n for n, p in _pods(state).items() if ssc.is_terminating(p)) == ["web-1", "web-2", "web-3"]


def _crash(state: ClusterState, name: str) -> ClusterState:
    """Pod ``name``'s container crashes; the kubelet restarts it, not ready until its probe succeeds again."""
    pod = _pods(state)[name]
    state = cluster.apply(state, ContainerExit(pod.spec.node_name, pod.metadata.uid, "app", 1))
    return _settle(state, ready=False, controllers=(), stop=lambda s: not _pods(s)[name].is_ready)


def test_ordered_scale_down_deletes_an_unhealthy_pod_only_when_it_is_the_first_unhealthy() -> None:
    """processCondemned (OrderedReady): with web-1 and web-2 both unhealthy, scaling to one replica deletes
    nothing (web-2 is not the first unhealthy pod); once web-1 is ready again, unhealthy web-2 is deleted."""
    state = _settle(_start(_sts(3, probe=True)), ready=False)
    for name in ("web-0", "web-1", "web-2"):
        state = _settle(_make_ready(state, name), ready=False)
    state = _crash(_crash(state, "web-1"), "web-2")
    state = _sync(_scale(state, 1))
    assert not any(ssc.is_terminating(p) for p in _pods(state).values())
    state = _sync(_settle(_make_ready(state, "web-1"), ready=False, controllers=()))
    assert [n for n, p in _pods(state).items() if ssc.is_terminating(p)] == ["web-2"]


# --- stable storage (stateful_pod_control_test.go, stateful_set_control_test.go ReplacesPods) -------------------


def _claims(state: ClusterState) -> dict[str, PersistentVolumeClaim]:
    return {c.name: c for c in state.store.list("PersistentVolumeClaim", "default")}


def _write(state: ClusterState, name: str) -> ClusterState:
    """Pod ``name``'s container writes to its volumes."""
    pod = _pods(state)[name]
    return cluster.apply(state, ContainerWrites(pod.spec.node_name, pod.metadata.uid, "app"))


def test_claims_are_created_before_their_pod_and_bound_by_the_volume_controller() -> None:
    """CreateStatefulPod: the ordinal's claim is created first, then the pod; the PersistentVolume controller
    binds each claim to a volume, and only then can the scheduler place the pod."""
    state = _sync(_start(_sts(2, claims=True), *_pvs(2)))
    assert sorted(_claims(state)) == ["data-web-0"] and sorted(_pods(state)) == ["web-0"]
    assert _claims(state)["data-web-0"].metadata.uid < _pods(state)["web-0"].metadata.uid  # created first
    state = _settle(state)
    claims = _claims(state)
    assert sorted(claims) == ["data-web-0", "data-web-1"]
    assert all(c.status.phase == "Bound" for c in claims.values())
    assert sorted(c.spec.volume_name for c in claims.values()) == ["pv-0", "pv-1"]
    assert _ready_pods(state) == ["web-0", "web-1"]
    assert _pods(state)["web-1"].spec.volumes[0].persistent_volume_claim.claim_name == "data-web-1"


def test_a_deleted_pod_comes_back_with_the_same_claim_and_its_data() -> None:
    """ReplacesPods: a deleted pod is recreated under its name and mounts the same claim (same uid), whose data
    survived; the claim is never recreated."""
    state = _settle(_start(_sts(2, claims=True), *_pvs(2)))
    claim_uid = _claims(state)["data-web-1"].metadata.uid
    old_uid = _pods(state)["web-1"].metadata.uid
    state = _write(state, "web-1")
    written = state.volumes[claim_uid]
    state = _send(state, rq.Delete(ADMIN, "Pod", "default", "web-1"))
    state = _settle(state)
    pod = _pods(state)["web-1"]
    assert pod.metadata.uid != old_uid and ssc.is_running_and_ready(pod)
    assert _claims(state)["data-web-1"].metadata.uid == claim_uid
    assert state.volumes[claim_uid] == written
    volumes = set(state.volumes)
    state = _write(state, "web-1")
    assert set(state.volumes) == volumes and state.volumes[claim_uid] == written, \
        "the new incarnation writes to the same volume (its token is the same: same name, first run)"
    assert state.nodes[pod.spec.node_name].pod(pod.metadata.uid).container("app").disk == written


def test_a_dynamically_provisioned_claim_is_reattached_after_scale_down_and_up() -> None:
    """With the default Retain policy a scale-down keeps the claim; scaling up again re-attaches it, with its
    data, to the same ordinal (a StorageClass provisions the volumes)."""
    klass = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"},
             "provisioner": "csi.example.com"}
    doc = _sts(2, claims=True)
    doc["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] = "standard"
    state = _settle(_start(doc, klass))
    assert all(c.spec.volume_name == f"pvc-{c.metadata.uid}" for c in _claims(state).values())
    claim_uid = _claims(state)["data-web-1"].metadata.uid
    state = _settle(_scale(_write(state, "web-1"), 1))
    assert sorted(_pods(state)) == ["web-0"] and "data-web-1" in _claims(state)
    state = _settle(_scale(state, 2))
    assert _claims(state)["data-web-1"].metadata.uid == claim_uid and state.volumes[claim_uid]
    assert _ready_pods(state) == ["web-0", "web-1"]


def test_a_failed_pod_is_deleted_and_recreated_only_after_it_is_gone() -> None:
    """RecreatesFailedPod: a Failed pod is deleted (at once: a terminated pod has no grace period) and that sync
    ends there; a later sync, once the controller has observed the deletion, creates the replacement."""
    state = _settle(_start(_sts(2)))
    pod = _pods(state)["web-0"]
    failed = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, resource_version=None),
                          status=attrs.evolve(pod.status, phase="Failed"))
    state = _sync(_send(state, rq.UpdateStatus(ADMIN, failed)))
    assert "web-0" not in _pods(state)
    state = _sync(state)
    assert _pods(state)["web-0"].metadata.uid != pod.metadata.uid
    state = _settle(state)
    assert _pods(state)["web-0"].metadata.uid != pod.metadata.uid and _ready_pods(state) == ["web-0", "web-1"]


# --- node loss: at most one pod per identity ---------------------------------------------------------------------


def test_a_pod_stuck_terminating_on_an_unreachable_node_is_not_replaced_until_its_object_is_gone() -> None:
    """https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/: a pod deleted while its node
    is partitioned stays Terminating (the kubelet cannot confirm); the controller does not create a new pod for the
    ordinal, however long it waits. When the partition heals, the kubelet finishes the deletion and only then is
    the identity recreated. Never do two pods run with one identity."""
    state = _settle(_start(_sts(2)))
    old = _pods(state)["web-1"]
    state = cluster.apply(state, PartitionNode(old.spec.node_name))
    state = _send(state, rq.Delete(ADMIN, "Pod", "default", "web-1"))
    state = _settle(tick_state(state, 600))
    stuck = _pods(state)["web-1"]
    assert stuck.metadata.uid == old.metadata.uid and ssc.is_terminating(stuck)
    assert not _duplicated(state)
    state = cluster.apply(state, HealPartition(old.spec.node_name))
    state = _settle(state, stop=lambda s: _duplicated(s) != {} or "web-1" not in _pods(s))
    assert not _duplicated(state)
    state = _settle(state)
    assert _pods(state)["web-1"].metadata.uid != old.metadata.uid and _ready_pods(state) == ["web-0", "web-1"]
    assert not _duplicated(state)


# --- updates: RollingUpdate with a partition, OnDelete (stateful_set_control_test.go) -------------------------


def _partition(state: ClusterState, partition: int) -> ClusterState:
    def change(spec: Any) -> Any:
        strategy = spec.update_strategy
        return attrs.evolve(spec, update_strategy=attrs.evolve(
            strategy, rolling_update=attrs.evolve(strategy.rolling_update, partition=partition)))
    return _edit(state, change)


def _updates_in_order(state: ClusterState) -> tuple[ClusterState, list[str]]:
    """Settle, noting the pods as they are deleted for the update; at most one replica is ever unavailable."""
    order: list[str] = []

    def watch(current: ClusterState) -> bool:
        pods = _pods(current)
        assert sum(not ssc.is_running_and_ready(p) or ssc.is_terminating(p) for p in pods.values()) \
            + (_statefulset(current).spec.replicas - len(pods)) <= 1
        order.extend(n for n, p in sorted(pods.items()) if ssc.is_terminating(p) and n not in order)
        return False
    return _settle(state, stop=watch), order


def test_rolling_update_with_partition_updates_from_the_highest_ordinal_down_to_the_partition() -> None:
    """TestStatefulSetControlRollingUpdateWithPartition: only ordinals >= partition are updated, from the highest
    down, one at a time (maxUnavailable 1); the set's currentRevision stays until every replica is updated, then
    lowering the partition finishes the rollout."""
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    state = _settle(_start(_sts(4, strategy=strategy)))
    old = _statefulset(state).status.current_revision
    state, order = _updates_in_order(_set_image(state, "nginx:2"))
    assert order == ["web-3", "web-2"]
    assert _images(state) == {"web-0": "nginx:1", "web-1": "nginx:1", "web-2": "nginx:2", "web-3": "nginx:2"}
    status = _statefulset(state).status
    new = status.update_revision
    assert new != old and status.current_revision == old
    assert (status.current_replicas, status.updated_replicas) == (2, 2)
    assert {n: ssc.pod_revision(p) for n, p in _pods(state).items()} == {
        "web-0": old, "web-1": old, "web-2": new, "web-3": new}
    state, order = _updates_in_order(_partition(state, 0))
    assert order == ["web-1", "web-0"]
    status = _statefulset(state).status
    assert status.current_revision == status.update_revision == new
    assert (status.current_replicas, status.updated_replicas, status.ready_replicas) == (4, 4, 4)


def test_a_pod_below_the_partition_is_recreated_at_the_current_revision() -> None:
    """newVersionedStatefulSetPod during a partitioned rollout: a deleted pod below the partition comes back with
    the current revision's template, not the update's."""
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    state = _settle(_set_image(_settle(_start(_sts(3, strategy=strategy))), "nginx:2"))
    state = _settle(_send(state, rq.Delete(ADMIN, "Pod", "default", "web-0")))
    assert _images(state) == {"web-0": "nginx:1", "web-1": "nginx:1", "web-2": "nginx:2"}


def test_max_unavailable_updates_several_pods_at_once() -> None:
    """updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet): with maxUnavailable 2 the two
    highest outdated pods are deleted in one sync."""
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}
    state = _sync(_set_image(_settle(_start(_sts(4, strategy=strategy))), "nginx:2"))
    assert sorted(n for n, p in _pods(state).items() if ssc.is_terminating(p)) == ["web-2", "web-3"]


def test_on_delete_updates_a_pod_only_when_the_user_deletes_it() -> None:
    """TestStatefulSetControlOnDeleteUpdate: a template change deletes nothing; a pod the user deletes comes back
    at the update revision; status counts both revisions."""
    state = _settle(_start(_sts(3, strategy={"type": "OnDelete"})))
    state = _settle(_set_image(state, "nginx:2"))
    assert set(_images(state).values()) == {"nginx:1"}
    status = _statefulset(state).status
    assert status.current_revision != status.update_revision and status.updated_replicas == 0
    state = _settle(_send(state, rq.Delete(ADMIN, "Pod", "default", "web-1")))
    assert _images(state) == {"web-0": "nginx:1", "web-1": "nginx:2", "web-2": "nginx:1"}
    status = _statefulset(state).status
    assert (status.current_replicas, status.updated_replicas) == (2, 1)


def test_rolling_back_reuses_the_earlier_revision() -> None:
    """getStatefulSetRevisions: going back to an earlier template renumbers its revision instead of creating one;
    revisionHistoryLimit bounds the revisions no pod uses (TestStatefulSetControlLimitsHistory)."""
    state = _settle(_start(_sts(1)))
    first = _statefulset(state).status.current_revision
    state = _settle(_set_image(state, "nginx:2"))
    state = _settle(_set_image(state, "nginx:1"))
    revisions = {r.name: ssc.revision_number(r) for r in state.store.list("ControllerRevision", "default")}
    assert _statefulset(state).status.update_revision == first and revisions[first] == 3
    assert len(revisions) == 2


def test_revision_history_limit_deletes_revisions_no_pod_uses() -> None:
    """TestStatefulSetControlLimitsHistory: with revisionHistoryLimit 0 only live revisions (status and pods) are
    kept."""
    state = _settle(_start(_sts(2, revisionHistoryLimit=0)))
    for image in ("nginx:2", "nginx:3"):
        state = _settle(_set_image(state, image))
    names = [r.name for r in state.store.list("ControllerRevision", "default")]
    assert names == [_statefulset(state).status.update_revision]


# --- the PVC retention policy (stateful_set_control_test.go, StatefulSetAutoDeletePVC) ------------------------


def _owners(claim: PersistentVolumeClaim) -> list[tuple[str, str]]:
    return sorted((r.kind, r.name) for r in claim.metadata.owner_references if r.controller)


def test_retain_policy_leaves_claims_without_owners() -> None:
    state = _settle(_scale(_settle(_start(_sts(2, claims=True), *_pvs(2))), 1))
    assert [_owners(c) for c in _claims(state).values()] == [[], []]


def test_when_deleted_delete_makes_the_set_own_every_claim() -> None:
    """whenDeleted: Delete: each claim gets the set as controller, so the garbage collector deletes the claims with
    the set."""
    state = _settle(_start(_sts(2, claims=True, retention={"whenDeleted": "Delete"}), *_pvs(2)))
    sts = _statefulset(state)
    for claim in _claims(state).values():
        assert claim.metadata.owner_references == (ssc.controller_ref(sts),)


def test_when_scaled_delete_hands_a_condemned_claim_to_its_pod() -> None:
    """whenScaled: Delete (and whenDeleted: Delete): claims of replicas in range are owned by the set; before a
    condemned pod is deleted its claim is owned by that pod instead (so it goes with the pod). A scale-up while
    that claim still exists is blocked (PodClaimIsStale) until it is gone (the garbage collector's job; here the
    admin deletes it) and the set is synced again."""
    retention = {"whenDeleted": "Delete", "whenScaled": "Delete"}
    state = _settle(_start(_sts(2, claims=True, retention=retention), *_pvs(3)))
    doomed = _pods(state)["web-1"]
    state = _settle(_scale(state, 1))
    claims = _claims(state)
    assert _owners(claims["data-web-0"]) == [("StatefulSet", "web")]
    assert claims["data-web-1"].metadata.owner_references == (OwnerReference(
        api_version="v1", kind="Pod", name="web-1", uid=doomed.metadata.uid, controller=True,
        block_owner_deletion=True),)
    state = _settle(_scale(state, 2))
    assert sorted(_pods(state)) == ["web-0"], "the stale claim blocks web-1"
    state = _settle(_send(state, rq.Delete(ADMIN, "PersistentVolumeClaim", "default", "data-web-1")))
    assert sorted(_pods(state)) == ["web-0"], "claims are not watched: nothing wakes the set (upstream: resync)"
    state = _settle(_sync(state))
    assert _ready_pods(state) == ["web-0", "web-1"]
    assert _owners(_claims(state)["data-web-1"]) == [("StatefulSet", "web")]
    assert _claims(state)["data-web-1"].spec.volume_name == "pv-2"  # pv-1 was released with the old claim


GC = (*CONTROLLERS, "generic-garbage-collector")


@pytest.mark.parametrize(("when_deleted", "claims_left"), [("Retain", ["data-web-0", "data-web-1"]), ("Delete", [])])
def test_deleting_the_set_deletes_its_claims_only_with_when_deleted_delete(when_deleted: str,
                                                                            claims_left: list[str]) -> None:
    """With the garbage collector running: deleting the set deletes its pods and revisions (they are owned by it),
    and its claims only when whenDeleted is Delete (the set's owner reference on them)."""
    state = _settle(_start(_sts(2, claims=True, retention={"whenDeleted": when_deleted}), *_pvs(2)), controllers=GC)
    state = _settle(_send(state, rq.Delete(ADMIN, "StatefulSet", "default", "web")), controllers=GC)
    assert _pods(state) == {} and state.store.list("ControllerRevision", "default") == ()
    assert sorted(_claims(state)) == claims_left


def test_when_scaled_delete_lets_the_garbage_collector_remove_a_scaled_down_claim() -> None:
    """whenScaled: Delete with the garbage collector: the condemned pod's claim goes with the pod; a later
    scale-up creates a fresh claim for the ordinal."""
    retention = {"whenScaled": "Delete"}
    state = _settle(_start(_sts(2, claims=True, retention=retention), *_pvs(3)), controllers=GC)
    old_claim = _claims(state)["data-web-1"].metadata.uid
    state = _settle(_scale(state, 1), controllers=GC)
    assert sorted(_claims(state)) == ["data-web-0"] and sorted(_pods(state)) == ["web-0"]
    state = _settle(_scale(state, 2), controllers=GC)
    assert _ready_pods(state) == ["web-0", "web-1"] and _claims(state)["data-web-1"].metadata.uid != old_claim


# --- the at-most-one hazards: variants against the faithful model ---------------------------------------------


def _lose_web1(config: ModelConfig, fault: Callable[[str], Any]) -> tuple[ClusterState, str, str]:
    """Two ready replicas; then ``fault`` strikes web-1's node, which the admin cordons (so that a replacement
    goes to the other node). Gives the state, web-1's node and its old uid."""
    state = _settle(_start(_sts(2)), config)
    old = _pods(state)["web-1"]
    state = cluster.apply(state, fault(old.spec.node_name), config)
    for request in cordon(state, old.spec.node_name):
        state = _send(state, request, config)
    return state, old.spec.node_name, old.metadata.uid


def _kubelet_acts_first(state: ClusterState, node: str, config: ModelConfig) -> ClusterState:
    """The kubelet of ``node`` syncs its pods before its watch delivers anything (one of the orders the explorer
    takes), then everything settles, stopping at the first duplicate identity."""
    for _ in range(10):
        syncs = [a for a in cluster.enabled(state, config) if isinstance(a, KubeletSyncPod) and a.node == node]
        if not syncs:
            break
        state = cluster.apply(state, syncs[0], config)
    return _first_duplicate(state, config)


def _first_duplicate(state: ClusterState, config: ModelConfig) -> ClusterState:
    """Settle, stopping as soon as two pods with one identity run."""
    return _settle(state, config, stop=lambda s: bool(_duplicated(s)))


@pytest.mark.parametrize("config", [FAITHFUL, STALE_KUBELET])
def test_a_kubelet_that_does_not_relist_after_a_crash_runs_a_deleted_identity_twice(config: ModelConfig) -> None:
    """kubelet-stale-cache-after-restart (kubernetes/kubernetes#59848): web-1's node crashes and the admin
    force-deletes web-1 (the documented remedy once a node is known to be down); its replacement runs on the other
    node. When the node comes back, a kubelet that re-lists kills the old incarnation; one that resumes from its
    pre-crash cache restarts it: web-1 runs twice. The faithful model never does."""
    state, node, old_uid = _lose_web1(config, CrashNode)
    state = _send(state, rq.Delete(ADMIN, "Pod", "default", "web-1", grace_period_seconds=0), config)
    state = _settle(state, config)
    replacement = _pods(state)["web-1"]
    assert replacement.metadata.uid != old_uid and ssc.is_running_and_ready(replacement)
    state = cluster.apply(state, RecoverNode(node), config)
    state = _kubelet_acts_first(state, node, config)
    if config == STALE_KUBELET:
        assert _duplicated(state) == {"web-1": sorted([node, replacement.spec.node_name])}
        assert state.nodes[node].pod(old_uid).any_running
    else:
        assert not _duplicated(state) and state.nodes[node].pod(old_uid) is None
        assert _ready_pods(state) == ["web-0", "web-1"]


def test_force_deleting_a_pod_on_a_partitioned_node_runs_its_identity_twice() -> None:
    """force-delete-partitioned (https://kubernetes.io/docs/tasks/run-application/force-delete-stateful-set-pod/):
    the user may force-delete a pod on an unreachable node; the object goes at once, the controller recreates
    web-1 on the other node, and the partitioned kubelet, which never hears of it, keeps the old one running."""
    state, node, old_uid = _lose_web1(FORCE_DELETE, PartitionNode)
    assert ForceDeletePod("default", "web-1") in cluster.enabled(state, FORCE_DELETE)
    assert not any(isinstance(a, ForceDeletePod) for a in cluster.enabled(state, FAITHFUL))
    state = cluster.apply(state, ForceDeletePod("default", "web-1"), FORCE_DELETE)
    state = _first_duplicate(state, FORCE_DELETE)
    other = _pods(state)["web-1"].spec.node_name
    assert _duplicated(state) == {"web-1": sorted([node, other])} and state.nodes[node].pod(old_uid).any_running


def test_the_user_may_force_delete_pods_of_a_down_node_and_only_with_the_variant_of_a_partitioned_one() -> None:
    """ForceDeletePod is offered for the pods of a crashed node (the documented remedy), of a partitioned one only with
    ``force-delete-partitioned``, and never for a reachable node's pods."""
    state = _settle(_start(_sts(2)), FORCE_DELETE)
    assert not any(isinstance(a, ForceDeletePod) for a in cluster.enabled(state, FORCE_DELETE))
    pods = _pods(state)
    node = pods["web-0"].spec.node_name
    on_node = sorted(n for n, p in pods.items() if p.spec.node_name == node)

    def offered(faulty: ClusterState, config: ModelConfig) -> list[str]:
        return sorted(a.name for a in cluster.enabled(faulty, config) if isinstance(a, ForceDeletePod))

    partitioned = cluster.apply(state, PartitionNode(node), FORCE_DELETE)
    assert offered(partitioned, FORCE_DELETE) == on_node and offered(partitioned, FAITHFUL) == []
    crashed = cluster.apply(state, CrashNode(node), FORCE_DELETE)
    assert offered(crashed, FORCE_DELETE) == on_node == offered(crashed, FAITHFUL)


_OPERATIONS = ("crash", "recover", "partition", "heal", "delete", "force-delete", "scale", "run", "run", "run")
_LIFECYCLE = (*CONTROLLERS, "node-controller", "taint-eviction-controller")


def _run(state: ClusterState, steps: int, config: ModelConfig) -> ClusterState:
    """Let the cluster make progress for ``steps`` actions: informers, the StatefulSet, PersistentVolume, node
    lifecycle and taint-eviction controllers, the scheduler, kubelets and their heartbeats; time passes when
    nothing else is enabled (so unreachable nodes get tainted and their pods evicted)."""
    for _ in range(steps):
        actions = [a for a in cluster.enabled(state, config)
                   if _allowed(a, _LIFECYCLE, True) or isinstance(a, NodeHeartbeat)]
        state = cluster.apply(state, actions[0] if actions else Tick(), config)
        if _duplicated(state):
            break
    return state


def _operate(state: ClusterState, operation: str, n: int, config: ModelConfig) -> ClusterState:
    """One outside event: a node fault or recovery, a user's (force) deletion or scaling, or progress."""
    node = ("n1", "n2")[n % 2]
    runtime = state.nodes[node]
    names = sorted(_pods(state))
    fault = {"crash": (CrashNode, runtime.up), "recover": (RecoverNode, not runtime.up),
             "partition": (PartitionNode, runtime.up and runtime.reachable),
             "heal": (HealPartition, not runtime.reachable)}.get(operation)
    if fault is not None:
        return cluster.apply(state, fault[0](node), config) if fault[1] else state
    if operation == "delete" and names:
        return cluster.apply(state, Submit(rq.Delete(ADMIN, "Pod", "default", names[n % len(names)])), config)
    if operation == "force-delete" and names:
        force = ForceDeletePod("default", names[n % len(names)])
        return cluster.apply(state, force, config) if force in cluster.enabled(state, config) else state
    if operation == "scale":
        return _scale(state, n % 4)
    return _run(state, n, config) if operation == "run" else state


@functools.lru_cache(maxsize=2)
def _three_running(config: ModelConfig) -> ClusterState:
    """Three Parallel replicas running on n1 and n2 (computed once per configuration)."""
    return _run(_start(_sts(3, policy="Parallel")), 150, config)


def _first_duplicate_over(operations: list[tuple[str, int]], config: ModelConfig) -> dict[str, list[str]]:
    state = _three_running(config)
    for operation, n in operations:
        state = _operate(state, operation, n, config)
        if _duplicated(state):
            break
    return _duplicated(state)


_FORCE_AFTER_EVICTION = [("partition", 0), ("run", 400), ("force-delete", 0), ("run", 200)]
"""n1 is partitioned, marked unreachable, tainted; its pods are evicted (Terminating); the user force-deletes one."""


@given(st.lists(st.tuples(st.sampled_from(_OPERATIONS), st.integers(0, 90)), max_size=8))
@settings(max_examples=12, deadline=None)
def test_the_faithful_model_never_runs_one_identity_twice(operations: list[tuple[str, int]]) -> None:
    """Crashes, partitions, recoveries, user deletions and scaling in any order, with the node lifecycle and taint
    eviction controllers at work: with the faithful configuration no two pods with one identity ever run at once
    (the user cannot force-delete)."""
    assert not _first_duplicate_over(operations, FAITHFUL)


def test_the_same_harness_finds_the_force_delete_hazard() -> None:
    """The operations the property above explores do find a duplicate identity once the user may force-delete:
    after the partitioned node is tainted unreachable, the replacement is scheduled to the other node. The faithful
    configuration, where the user has no force-delete, runs the same operations without a duplicate."""
    assert not _first_duplicate_over(_FORCE_AFTER_EVICTION, FAITHFUL)
    duplicated = _first_duplicate_over(_FORCE_AFTER_EVICTION, FORCE_DELETE)
    assert list(duplicated.values()) == [["n1", "n2"]]


# --- claiming pods (stateful_set_test.go TestStatefulSetControllerAdopt..., controller_ref_manager.go) ------


def test_an_orphan_member_is_adopted_and_a_relabelled_pod_released() -> None:
    """getPodsForStatefulSet: an orphan named like a member and selected by the set is adopted (after a fresh read
    of the set) instead of being recreated; a pod whose labels no longer match is released, and since it keeps
    its name the ordinal cannot be recreated: the create fails (AlreadyExists) and the sync is retried."""
    orphan = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-0", "namespace": "default",
                                                              "labels": {"app": "web"}},
              "spec": {"containers": [{"name": "app", "image": "nginx:1"}]}}
    state = _start(orphan)
    state = _settle(_send(state, rq.Create(ADMIN, StatefulSet.from_dict(_sts(2)))))
    pods = _pods(state)
    sts = _statefulset(state)
    assert pods["web-0"].metadata.controller_ref().uid == sts.metadata.uid and _ready_pods(state) == ["web-0", "web-1"]
    assert ssc.identity_matches(sts, pods["web-0"]), "the adopted pod's identity was repaired"
    old = pods["web-1"]
    relabelled = attrs.evolve(old, metadata=attrs.evolve(old.metadata, labels=old.labels.set("app", "other")))
    state = _settle(_send(state, rq.Update(ADMIN, relabelled)))
    names = {p.metadata.uid: p for p in state.store.list("Pod", "default")}
    assert names[old.metadata.uid].metadata.controller_ref() is None
    assert _pods(state)["web-1"].metadata.uid == old.metadata.uid, "the name is still taken: no replacement"
    assert state.informer(ssc.NAME).failures.get(KEY, 0) > 0


def test_orphaned_revisions_are_adopted() -> None:
    """adoptOrphanRevisions: a ControllerRevision the set's selector selects and nobody controls becomes the set's;
    one selected but controlled by another owner is left alone."""
    def revision(name: str, owners: list[dict]) -> dict:
        return {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"},
                             "ownerReferences": owners}, "revision": 1}
    other = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "ds", "uid": "uid-ds", "controller": True}
    state = _settle(_start(_sts(1), revision("orphan", []), revision("foreign", [other])))
    sts = _statefulset(state)
    revisions = {r.name: r for r in state.store.list("ControllerRevision", "default")}
    assert revisions["orphan"].metadata.controller_ref().uid == sts.metadata.uid
    assert revisions["foreign"].metadata.controller_ref().uid == "uid-ds"
    assert _ready_pods(state) == ["web-0"]
