"""The Deployment controller (model.controllers.deployment).

Ported from kubernetes/kubernetes pkg/controller/deployment/: rolling_test.go
(TestDeploymentController_reconcileNewReplicaSet, _reconcileOldReplicaSets, _cleanupUnhealthyReplicas,
_scaleDownOldReplicaSetsForRollingUpdate), sync_test.go (TestScale, TestDeploymentController_cleanupDeployment),
progress_test.go (TestRequeueStuckDeployment, TestSyncRolloutStatus), recreate_test.go (TestOldPodsRunning),
deployment_controller_test.go (TestSyncDeploymentCreatesReplicaSet, TestSyncDeploymentDontDoAnythingDuringDeletion,
TestSyncDeploymentDeletionRace, TestReentrantRollback, TestPodDeletion*, TestGetReplicaSetsForDeployment*,
TestAddReplicaSet*, TestUpdateReplicaSet*, TestDeleteReplicaSet*) and
util/deployment_util_test.go (TestEqualIgnoreHash, TestFindNewReplicaSet, TestFindOldReplicaSets,
TestGetReplicaCountForReplicaSets, TestSetCondition, TestRemoveCondition, TestDeploymentComplete,
TestDeploymentProgressing, TestDeploymentTimedOut, TestAnnotationUtils, TestReplicasAnnotationsNeedUpdate),
util/hash_test.go (TestPodTemplateSpecHashFnv) and pkg/controller/controller_utils_test.go (TestComputeHash).

Upstream's unit tests call one function against fake listers; the arithmetic is tested here the same way (the
module's pure planners), the wiring by one ``Reconcile`` of the controller on a crafted cluster, and the
behaviour by scenarios on the whole model (scheduler, kubelets, ReplicaSet controller), checking the rollout
guarantees at every step: ``availableReplicas >= replicas - maxUnavailable`` and the ReplicaSets' replicas
``<= replicas + maxSurge`` (test/e2e/framework/deployment: the checks of WaitForDeploymentComplete with rolling
checks), and that no fewer pods are really available.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import cluster, rollout
from model.actions import DeliverWatchEvent, Submit, Tick
from model.apiserver import requests as rq
from model.auth.identity import ADMIN
from model.component import Step
from model.config import ModelConfig
from model.controllers import base
from model.controllers import deployment as dc
from model.controllers.replicaset import is_pod_available
from model.frozendict import FrozenDict
from model.manifests import from_dict
from model.objects import Pod, ReplicaSet
from model.objects.pod import PodTemplateSpec
from model.objects.workloads import Deployment, DeploymentStatus, RollingUpdateDeployment
from model.state import ClusterState, behind
from model.store import ADDED, DELETED, MODIFIED, Objects, WatchEvent

CONTROLLER = dc.CONTROLLER_NAME
KEY = ("default", "web")
FAITHFUL = ModelConfig()
IGNORES_MAX_UNAVAILABLE = ModelConfig(variants=frozenset({dc.IGNORES_MAX_UNAVAILABLE}))
NO_DEADLINE = dc.MAX_INT32


# --- objects ---------------------------------------------------------------------------------------------------


def _template(labels: dict | None = None, image: str = "nginx:1", **spec: Any) -> dict:
    return {"metadata": {"labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": image}], **spec}}


def _deployment_doc(name: str = "web", replicas: int = 4, image: str = "nginx:1", strategy: dict | None = None,
                    labels: dict | None = None, template: dict | None = None, meta: dict | None = None,
                    status: dict | None = None, **spec: Any) -> dict:
    labels = labels or {"app": "web"}
    doc = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": "default", **(meta or {})},
           "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                    "strategy": strategy or {"type": "RollingUpdate"},
                    "template": template or _template(labels, image), **spec}}
    if status is not None:
        doc["status"] = status
    return doc


def _deployment(replicas: int = 1, surge: int | str = 0, unavailable: int | str = 0, *, strategy: str = "RollingUpdate",
                status: dict | None = None, pds: int = 600, history: int = 10, generation: int = 1,
                annotations: dict | None = None, conditions: Sequence[dict] | None = None) -> Deployment:
    """upstream's newDeployment: maxSurge and maxUnavailable 0 unless given (which validation would refuse, so they
    are set after decoding)."""
    rolling = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}
    d = Deployment.from_dict(_deployment_doc(
        "foo", replicas, strategy=rolling if strategy == "RollingUpdate" else {"type": strategy},
        labels={"foo": "bar"}, progressDeadlineSeconds=pds, revisionHistoryLimit=history,
        meta={"uid": "foo-uid", "generation": generation, "annotations": annotations or {}},
        status={**(status or {}), **({"conditions": list(conditions)} if conditions is not None else {})}))
    if strategy == "RollingUpdate":
        d = attrs.evolve(d, spec=attrs.evolve(d.spec, strategy=attrs.evolve(
            d.spec.strategy, rolling_update=RollingUpdateDeployment(max_unavailable=unavailable, max_surge=surge))))
    return d


def _rs(name: str, replicas: int, created: int = 0, *, available: int = 0, status_replicas: int | None = None,
        annotations: dict | None = None, uid: str | None = None, template: dict | None = None,
        labels: dict | None = None, generation: int = 1, observed: int = 1, owner: str | None = "foo") -> ReplicaSet:
    """upstream's rs / newRSWithStatus: a ReplicaSet controlled by the Deployment ``owner`` (uid ``<owner>-uid``)."""
    labels = labels or {"foo": "bar"}
    meta: dict[str, Any] = {"name": name, "namespace": "default", "uid": uid or f"{name}-uid", "labels": labels,
                            "creationTimestamp": created, "annotations": annotations or {}, "generation": generation}
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": owner,
                                    "uid": f"{owner}-uid", "controller": True}]
    return ReplicaSet.from_dict({
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta,
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template or _template(labels)},
        "status": {"replicas": replicas if status_replicas is None else status_replicas,
                   "availableReplicas": available, "observedGeneration": observed}})


def _node(name: str) -> dict:
    resources = {"cpu": "8", "memory": "16Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"capacity": resources, "allocatable": resources,
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def _quota(pods: int) -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pods", "namespace": "default"},
            "spec": {"hard": {"pods": str(pods)}}}


def _condition(type_: str, status: str, reason: str, updated: int = 0) -> dict:
    return {"type": type_, "status": status, "reason": reason, "lastUpdateTime": updated,
            "lastTransitionTime": updated}


# --- driving the model -----------------------------------------------------------------------------------------

Pick = Callable[[list[Any]], Any]


def in_order(actions: list[Any]) -> Any:
    """The first enabled action: users, informers, the scheduler and the kubelets before the controllers."""
    return actions[0]


def controllers_first(actions: list[Any]) -> Any:
    """The controllers (and their informers) whenever they have work: pods become ready as late as possible."""
    def controller(action: Any) -> bool:
        return isinstance(action, base.Reconcile) or (
            isinstance(action, DeliverWatchEvent) and not action.component.startswith("kubelet/")
            and action.component != "scheduler")
    return next((a for a in actions if controller(a)), actions[0])


def randomly(rnd: random.Random) -> Pick:
    return rnd.choice


def _waiting(state: ClusterState) -> bool:
    """The Deployment or ReplicaSet controller waits on a requeue delay."""
    for name in (CONTROLLER, "replicaset-controller"):
        informer = state.informer(name)
        if informer.delayed or any(isinstance(e, base.Timer) for e in informer.queue):
            return True
    return False


def settle(state: ClusterState, config: ModelConfig = FAITHFUL, pick: Pick = in_order,
           check: Callable[[ClusterState], None] | None = None, wait: int = 5, limit: int = 20000) -> ClusterState:
    """Run every component until nothing but the clock can act, letting up to ``wait`` seconds pass while the
    Deployment or ReplicaSet controller waits to retry; ``check`` runs after every action."""
    deadline = state.time + wait
    for _ in range(limit):
        actions = [a for a in cluster.enabled(state, config) if not isinstance(a, Tick)]
        if not actions:
            if not _waiting(state) or state.time >= deadline:
                return state
            actions = [Tick(1)]
        state = cluster.apply(state, pick(actions), config)
        if check is not None:
            check(state)
    raise AssertionError("the cluster did not settle")


def advance(state: ClusterState, seconds: int, config: ModelConfig = FAITHFUL,
            check: Callable[[ClusterState], None] | None = None) -> ClusterState:
    """Let ``seconds`` pass one at a time, the cluster settling after each."""
    for _ in range(seconds):
        state = settle(cluster.apply(state, Tick(1), config), config, check=check, wait=0)
    return state


def start(*docs: dict, config: ModelConfig = FAITHFUL, pick: Pick = in_order) -> ClusterState:
    """Two worker nodes, the manifests submitted, and everything settled."""
    state = cluster.initial_state([from_dict(d) for d in (_node("n1"), _node("n2"), *docs)])
    return settle(state, config, pick)


def crafted(*objects: Any) -> ClusterState:
    """A cluster whose objects are stored as they are (no node, nothing submitted): for single syncs."""
    return cluster.initial_state(objects)


def _sync(state: ClusterState, key: tuple = ("default", "foo"), config: ModelConfig = FAITHFUL) -> Step:
    return cluster.step(state, base.Reconcile(CONTROLLER, key), config)


def _send(state: ClusterState, request: Any, config: ModelConfig = FAITHFUL) -> ClusterState:
    step = cluster.step(state, Submit(request), config)
    assert step.responses[0].ok, step.responses[0]
    return step.state


def _web(state: ClusterState, name: str = "web") -> Deployment:
    return state.store.get("Deployment", "default", name)


def _update(state: ClusterState, change: Callable[[Deployment], Deployment], name: str = "web") -> ClusterState:
    return _send(state, rq.Update(ADMIN, change(_web(state, name))))


def _with_spec(**fields: Any) -> Callable[[Deployment], Deployment]:
    return lambda d: attrs.evolve(d, spec=attrs.evolve(d.spec, **fields))


def _with_image(image: str, **pod_spec: Any) -> Callable[[Deployment], Deployment]:
    def change(d: Deployment) -> Deployment:
        template = d.spec.template
        container = attrs.evolve(template.spec.containers[0], image=image)
        spec = attrs.evolve(template.spec, containers=(container,), **pod_spec)
        return attrs.evolve(d, spec=attrs.evolve(d.spec, template=attrs.evolve(template, spec=spec)))
    return change


def _replica_sets(state: ClusterState) -> list[ReplicaSet]:
    return dc.by_creation(state.store.list("ReplicaSet", "default"))


def _image(rs: ReplicaSet) -> str:
    return rs.spec.template.spec.containers[0].image


def _sizes(state: ClusterState) -> dict[str, int]:
    """Each ReplicaSet's replicas, by its image."""
    return {_image(rs): rs.spec.replicas for rs in _replica_sets(state)}


def _of_image(state: ClusterState, image: str) -> ReplicaSet:
    return next(rs for rs in _replica_sets(state) if _image(rs) == image)


def _pods(state: ClusterState) -> tuple[Pod, ...]:
    return state.store.list("Pod", "default")


def _condition_of(d: Deployment, type_: str) -> dict | None:
    found = dc.get_condition(d.status.conditions, type_)
    return None if found is None else dict(found)


def _complete(d: Deployment) -> bool:
    return dc.deployment_complete(d, d.status)


@attrs.define
class RolloutGuarantees:
    """The rollout's bounds checked after every action: the e2e checks of WaitForDeploymentComplete (the
    ReplicaSets want at most replicas + maxSurge; the Deployment reports at least replicas - maxUnavailable
    available) and the same lower bound on pods really available and not being deleted."""

    violations: set[str] = attrs.Factory(set)

    def __call__(self, state: ClusterState) -> None:
        d = _web(state)
        if d.spec.strategy.type != rollout.ROLLING_UPDATE:
            return
        wanted = sum(rs.spec.replicas for rs in state.store.list("ReplicaSet", "default"))
        if wanted > d.spec.replicas + rollout.max_surge(d):
            self.violations.add(f"ReplicaSets want {wanted} > replicas + maxSurge")
        if d.status.available_replicas < rollout.min_available(d):
            self.violations.add(f"availableReplicas {d.status.available_replicas} < minAvailable")
        live = sum(1 for p in _pods(state) if p.metadata.deletion_timestamp is None
                   and is_pod_available(p, d.spec.min_ready_seconds, state.time))
        if live < rollout.min_available(d):
            self.violations.add(f"{live} pods available < minAvailable")


def _rolled_out(config: ModelConfig, pick: Pick, replicas: int = 4,
                strategy: dict | None = None) -> tuple[ClusterState, RolloutGuarantees]:
    """A settled Deployment rolled from nginx:1 to nginx:2, the guarantees checked at every step of the rollout."""
    state = start(_deployment_doc(replicas=replicas, strategy=strategy), config=config, pick=pick)
    assert _complete(_web(state))
    guarantees = RolloutGuarantees()
    state = settle(_update(state, _with_image("nginx:2")), config, pick, check=guarantees)
    return state, guarantees


# --- ComputeHash (controller_utils.go) ---------------------------------------------------------------------------

_CATS = {
    "metadata": {"labels": {"app": "cats"}},
    "spec": {"containers": [{
        "name": "cats", "image": "registry/test/cats:v0.@@VERSION@@.0",
        "ports": [{"name": "http", "containerPort": 9077, "protocol": "TCP"}],
        "env": [{"name": "DEPLOYMENT_ENVIRONMENT", "value": "cats-stubbed-functional"},
                {"name": "APP_NAME", "value": "cats"}],
        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}},
        "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent"}],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst"}}


def _cats(version: int) -> PodTemplateSpec:
    spec = dict(_CATS["spec"])
    spec["containers"] = [{**_CATS["spec"]["containers"][0],
                           "image": f"registry/test/cats:v0.{version}.0"}]
    return PodTemplateSpec.from_dict({"metadata": _CATS["metadata"], "spec": spec})


@pytest.mark.parametrize(("data", "expected"), [(b"", 0x811C9DC5), (b"a", 0xE40C292C), (b"foobar", 0xBF9CF968)])
def test_fnv32a_reference_vectors(data: bytes, expected: int) -> None:
    """hash/fnv's New32a (the FNV-1a reference values)."""
    assert dc.fnv32a(data) == expected


def test_safe_encode_string_maps_onto_the_name_alphabet() -> None:
    """rand.SafeEncodeString: ``'0'`` (48) is alphanums[48 % 27] = '4', ``'9'`` (57) is alphanums[3] = 'f'."""
    assert dc.safe_encode_string("09") == "4f"


def test_pod_template_spec_hash_has_no_collisions() -> None:
    """hash_test.go TestPodTemplateSpecHashFnv: 1000 versions of one template hash apart."""
    hashes = {dc.compute_hash(_cats(i), None) for i in range(1000)}
    assert len(hashes) == 1000


@pytest.mark.parametrize(("count", "other"), [(1, 2), (None, dc.MAX_INT32)])
def test_compute_hash_depends_on_the_collision_count(count: int | None, other: int) -> None:
    """controller_utils_test.go TestComputeHash; and the hash is the template's alone (labels, names)."""
    template = _cats(0)
    assert dc.compute_hash(template, count) != dc.compute_hash(template, other)
    assert dc.compute_hash(template, count) == dc.compute_hash(_cats(0), count)
    assert len(dc.compute_hash(template, count)) <= 10
    assert set(dc.compute_hash(template, count)) <= set("bcdfghjklmnpqrstvwxz2456789")


# --- deployment_util_test.go ------------------------------------------------------------------------------------


def _pod_template(name: str, node: str, annotations: dict, labels: dict) -> PodTemplateSpec:
    """generatePodTemplateSpec."""
    return PodTemplateSpec.from_dict({"metadata": {"name": name, "annotations": annotations, "labels": labels},
                                      "spec": {"nodeName": node, "containers": [{"name": "c", "image": "i"}]}})


H = dc.POD_TEMPLATE_HASH


@pytest.mark.parametrize(("former", "latter", "expected"), [
    (("foo", "foo-node", {}, {H: "value-1", "something": "else"}),
     ("foo", "foo-node", {}, {H: "value-1", "something": "else"}), True),
    (("foo", "foo-node", {}, {H: "value-1", "something": "else"}),
     ("foo", "foo-node", {}, {H: "value-2", "something": "else"}), True),
    (("foo", "foo-node", {}, {"something": "else"}),
     ("foo", "foo-node", {}, {H: "value-2", "something": "else"}), True),
    (("foo", "foo-node", {}, {"something": "else"}), ("foo", "foo-node", {}, {H: "value-2"}), False),
    (("foo", "foo-node", {}, {H: "value-1"}), ("foo", "foo-node", {}, {"something": "else"}), False),
    (("foo", "foo-node", {}, {H: "value-1"}), ("foo", "foo-node", {}, {H: "value-1", "something": "else"}), False),
    (("foo", "foo-node", {"former": "value"}, {H: "value-1", "something": "else"}),
     ("foo", "foo-node", {"latter": "value"}, {H: "value-1", "something": "else"}), False),
    (("foo-1", "foo-node", {}, {H: "value-1", "something": "else"}),
     ("foo-2", "foo-node", {}, {H: "value-2", "something": "else"}), False),
    (("foo-1", "foo-node-1", {}, {"something": "else"}),
     ("foo-2", "foo-node-2", {}, {H: "value-2", "something": "else"}), False),
    (("foo", "foo-node-1", {}, {"something": "else"}), ("foo", "foo-node-2", {}, {"nothing": "else"}), False),
])
def test_equal_ignore_hash(former: tuple, latter: tuple, expected: bool) -> None:
    """TestEqualIgnoreHash, both ways round."""
    t1, t2 = _pod_template(*former), _pod_template(*latter)
    assert dc.equal_ignore_hash(t1, t2) is expected
    assert dc.equal_ignore_hash(t2, t1) is expected


def _generated(d: Deployment, name: str, created: int, replicas: int = 0, image: str | None = None) -> ReplicaSet:
    """generateRS: a ReplicaSet with the Deployment's template (or another image)."""
    template = d.spec.template.to_dict()
    if image is not None:
        template["spec"]["containers"][0]["image"] = image
    return _rs(name, replicas, created, template=template)


def test_find_new_and_old_replica_sets() -> None:
    """TestFindNewReplicaSet and TestFindOldReplicaSets: the oldest ReplicaSet with the template is the new one
    (whatever its hash label); the others are old, those wanting replicas also in the first list."""
    d = _deployment()
    new = _generated(d, "new", created=60, replicas=1)
    new = attrs.evolve(new, spec=attrs.evolve(new.spec, template=attrs.evolve(
        new.spec.template, metadata=attrs.evolve(new.spec.template.metadata,
                                                 labels=new.spec.template.metadata.labels.set(H, "hash")))))
    duplicate = _generated(d, "dup", created=0)
    old = _generated(d, "old", created=-60, image="nginx-old-1")
    assert dc.find_new_replica_set(d, [new, old]) == new
    assert dc.find_new_replica_set(d, [new, old, duplicate]) == duplicate
    assert dc.find_new_replica_set(d, [old]) is None
    assert dc.find_old_replica_sets(d, [new, old]) == ([], [old])
    assert dc.find_old_replica_sets(d, [old]) == ([], [old])
    assert dc.find_old_replica_sets(d, [old, new, duplicate]) == ([new], [old, new])
    assert dc.find_old_replica_sets(d, [new]) == ([], [])


def test_replica_counts() -> None:
    """TestGetReplicaCountForReplicaSets: wanted (spec) and actual (status) replicas, None ignored."""
    rs1 = _rs("rs1", 1, status_replicas=2)
    rs2 = _rs("rs2", 2, status_replicas=3)
    assert (dc.replica_count([rs1]), dc.actual_replica_count([rs1])) == (1, 2)
    assert (dc.replica_count([rs1, rs2, None]), dc.actual_replica_count([rs1, rs2, None])) == (3, 5)


PROGRESSING = FrozenDict({"type": "Progressing", "status": "False", "reason": "ForSomeReason"})
PROGRESSING_2 = FrozenDict({"type": "Progressing", "status": "True", "reason": "BecauseItIs"})
AVAILABLE = FrozenDict({"type": "Available", "status": "True", "reason": "AwesomeController"})


def test_set_get_remove_condition() -> None:
    """TestGetCondition, TestSetCondition, TestRemoveCondition."""
    status = (PROGRESSING, AVAILABLE)
    assert dc.get_condition(status, "Available") == AVAILABLE
    assert dc.get_condition(status, "ReplicaFailure") is None
    assert dc.set_condition(None, AVAILABLE) == (AVAILABLE,)
    assert dc.set_condition((PROGRESSING,), AVAILABLE) == status
    assert dc.set_condition((PROGRESSING,), PROGRESSING_2) == (PROGRESSING_2,)
    assert dc.remove_condition(None, "Progressing") is None
    assert dc.remove_condition((PROGRESSING,), "Progressing") is None
    assert dc.remove_condition(status, "ReplicaFailure") == status


def test_set_condition_keeps_the_transition_time_and_same_reason() -> None:
    """SetDeploymentCondition: same status and reason changes nothing; same status keeps lastTransitionTime."""
    current = (dc.new_condition("Available", "True", "A", "m", 5),)
    assert dc.set_condition(current, dc.new_condition("Available", "True", "A", "other", 9)) == current
    changed = dc.set_condition(current, dc.new_condition("Available", "True", "B", "m", 9))
    assert changed[0]["lastTransitionTime"] == 5 and changed[0]["lastUpdateTime"] == 9
    flipped = dc.set_condition(current, dc.new_condition("Available", "False", "B", "m", 9))
    assert flipped[0]["lastTransitionTime"] == 9


@pytest.mark.parametrize(("desired", "current", "updated", "available", "unavailable", "surge", "expected"), [
    (5, 5, 5, 4, 1, 0, False), (5, 5, 5, 3, 1, 0, False), (5, 5, 5, 5, 0, 0, True), (5, 5, 4, 5, 0, 0, False),
    (1, 2, 1, 1, 0, 1, False), (1, 1, 1, 0, 1, 1, False),
])
def test_deployment_complete(desired: int, current: int, updated: int, available: int, unavailable: int, surge: int,
                             expected: bool) -> None:
    """TestDeploymentComplete (the generation observed)."""
    d = _deployment(desired, surge, unavailable, generation=0,
                    status={"replicas": current, "updatedReplicas": updated, "availableReplicas": available})
    assert dc.deployment_complete(d, d.status) is expected


@pytest.mark.parametrize(("old", "new", "expected"), [
    ((10, 4, 4, 4), (10, 6, 4, 4), True), ((10, 4, 4, 4), (10, 4, 4, 4), False), ((10, 4, 6, 6), (8, 4, 6, 6), True),
    ((10, 7, 3, 3), (10, 6, 3, 3), False), ((10, 4, 7, 7), (8, 8, 5, 5), True), ((10, 10, 9, 8), (10, 10, 10, 8), True),
    ((10, 10, 10, 9), (10, 10, 10, 10), True),
])
def test_deployment_progressing(old: tuple, new: tuple, expected: bool) -> None:
    """TestDeploymentProgressing: (replicas, updated, ready, available) before and after."""
    def status(replicas: int, updated: int, ready: int, available: int) -> dict:
        return {"replicas": replicas, "updatedReplicas": updated, "readyReplicas": ready,
                "availableReplicas": available}
    d = _deployment(status=status(*old))
    assert dc.deployment_progressing(d, DeploymentStatus.from_dict(status(*new))) is expected


@pytest.mark.parametrize(("reason", "pds", "updated", "now", "expected"), [
    ("", NO_DEADLINE, 69, 80, False),
    ("", 10, 69, 80, True),
    ("", 10, 71, 80, False),
    ("", 10, 70, 80, False),
    (dc.NEW_RS_AVAILABLE, 10, 0, 80, False),
    (dc.TIMED_OUT, 10, 80, 80, True),
])
def test_deployment_timed_out(reason: str, pds: int, updated: int, now: int, expected: bool) -> None:
    """TestDeploymentTimedOut (00:01:09 is second 69; the deadline must be strictly passed), plus an existing
    timeout."""
    d = _deployment(pds=pds, conditions=[_condition("Progressing", "True", reason, updated)])
    assert dc.deployment_timed_out(d, d.status, now) is expected


def test_set_new_replica_set_annotations_keeps_a_revision_history() -> None:
    """TestAnnotationUtils/SetNewReplicaSetAnnotations: revisions 11 to 20 with a history limit of 5 characters;
    then SetReplicasAnnotations and IsSaturated."""
    d = _deployment(annotations={rollout.REVISION_ANNOTATION: "1", "team": "a"})
    annotations = FrozenDict()
    for i in range(10, 20):
        annotations, changed = dc.set_new_replica_set_annotations(d, annotations, str(i + 1), True, 5)
        assert changed and annotations[rollout.REVISION_ANNOTATION] == str(i + 1)
        assert annotations["team"] == "a"
        if i >= 12:
            assert annotations[dc.REVISION_HISTORY_ANNOTATION] == f"{i - 1},{i}"
    annotations, updated = dc.set_replicas_annotations(annotations, 10, 11)
    assert updated and annotations[rollout.DESIRED_REPLICAS_ANNOTATION] == "10"
    assert annotations[rollout.MAX_REPLICAS_ANNOTATION] == "11"
    saturated = _rs("rs", 1, available=1, annotations={rollout.DESIRED_REPLICAS_ANNOTATION: "1"})
    assert dc.is_saturated(d, saturated)


def test_set_new_replica_set_annotations_rules() -> None:
    """A lower new revision changes nothing; a new ReplicaSet gets replica annotations; an unparseable revision
    stops the update."""
    d = _deployment(replicas=3, surge=1, unavailable=1)
    current = FrozenDict({rollout.REVISION_ANNOTATION: "5"})
    assert dc.set_new_replica_set_annotations(d, current, "4", True) == (current, False)
    created, changed = dc.set_new_replica_set_annotations(d, FrozenDict(), "1", False)
    assert changed and created == {rollout.REVISION_ANNOTATION: "1", rollout.DESIRED_REPLICAS_ANNOTATION: "3",
                                   rollout.MAX_REPLICAS_ANNOTATION: "4"}
    broken = FrozenDict({rollout.REVISION_ANNOTATION: "x"})
    assert dc.set_new_replica_set_annotations(d, broken, "2", True) == (broken, False)


@pytest.mark.parametrize(("annotations", "expected"), [
    ({}, True),
    ({rollout.DESIRED_REPLICAS_ANNOTATION: "8", rollout.MAX_REPLICAS_ANNOTATION: "20"}, True),
    ({rollout.DESIRED_REPLICAS_ANNOTATION: "10", rollout.MAX_REPLICAS_ANNOTATION: "16"}, True),
    ({rollout.DESIRED_REPLICAS_ANNOTATION: "10", rollout.MAX_REPLICAS_ANNOTATION: "20"}, False),
])
def test_replicas_annotations_need_update(annotations: dict, expected: bool) -> None:
    """TestReplicasAnnotationsNeedUpdate (desired 10, max 20)."""
    assert dc.replicas_annotations_need_update(FrozenDict(annotations), 10, 20) is expected


# --- rolling_test.go ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("replicas", "surge", "old", "new", "expected"), [
    (10, 0, 10, 0, None), (10, 2, 10, 0, 2), (10, 2, 5, 0, 7), (10, 2, 10, 2, None), (10, 2, 2, 11, 10),
])
def test_reconcile_new_replica_set(replicas: int, surge: int, old: int, new: int, expected: int | None) -> None:
    """TestDeploymentController_reconcileNewReplicaSet (maxUnavailable 0)."""
    new_rs, old_rs = _rs("foo-v2", new), _rs("foo-v1", old)
    assert dc.new_replica_set_size([new_rs, old_rs], new_rs, _deployment(replicas, surge, 0)) == expected


def _reconcile_old(d: Deployment, old_rs: ReplicaSet, new_rs: ReplicaSet) -> list[tuple[ReplicaSet, int]]:
    """reconcileOldReplicaSets' plans: the unhealthy cleanup, then the scale-down of the cleaned ReplicaSets."""
    bound = dc.max_scaled_down([old_rs, new_rs], new_rs, d)
    if bound <= 0:
        return []
    cleanup = dc.unhealthy_cleanup([old_rs], bound)
    cleaned = [attrs.evolve(rs, spec=attrs.evolve(rs.spec, replicas=size)) for rs, size in cleanup] or [old_rs]
    return cleanup + dc.old_scale_down([*cleaned, new_rs], cleaned, d)


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "old", "new", "old_ready", "new_ready", "expected_old"), [
    (10, 0, 0, 10, 0, 10, 0, 9),
    (10, 0, 2, 10, 0, 10, 0, 8),
    (10, 0, 2, 10, 0, 8, 0, 8),
    (10, 0, 2, 10, 0, 9, 0, 8),
    (10, 0, 2, 8, 2, 8, 0, None),
    (10, 3, 2, 8, 5, 7, 0, None),
    (10, 3, 2, 5, 8, 0, 7, 1),
])
def test_reconcile_old_replica_sets(replicas: int, surge: int, unavailable: int, old: int, new: int, old_ready: int,
                                    new_ready: int, expected_old: int | None) -> None:
    """TestDeploymentController_reconcileOldReplicaSets (None: no scaling): unhealthy replicas go
    first, then available ones above minAvailable; the new ReplicaSet's unavailable pods block further scale-down.
    The last two rows are the "concrete example" of rolling.go's comment: a crash-looping new ReplicaSet (5, none
    available) stops the old one (8, one lost with its node) from shrinking; rolled back to the good one (8, 7
    available), 4 of the crash-looping pods go."""
    d = _deployment(replicas, surge, unavailable)
    old_rs, new_rs = _rs("foo-old", old, available=old_ready), _rs("foo-new", new, 1, available=new_ready)
    plan = _reconcile_old(d, old_rs, new_rs)
    assert (plan[-1][1] if plan else None) == expected_old


@pytest.mark.parametrize(("old", "ready", "max_cleanup", "expected"), [
    (10, 8, 1, 1), (10, 8, 3, 2), (10, 8, 0, 0), (10, 10, 3, 0),
])
def test_cleanup_unhealthy_replicas(old: int, ready: int, max_cleanup: int, expected: int) -> None:
    """TestDeploymentController_cleanupUnhealthyReplicas."""
    plan = dc.unhealthy_cleanup([_rs("foo-v2", old, available=ready)], max_cleanup)
    assert sum(rs.spec.replicas - size for rs, size in plan) == expected


def test_cleanup_unhealthy_replicas_refuses_to_grow() -> None:
    """cleanupUnhealthyReplicas' "invalid request to scale down": more available than wanted stops the cleanup
    (the older ReplicaSet is still cleaned)."""
    older, stale = _rs("a", 3, 0, available=1), _rs("b", 2, 1, available=3)
    plan = dc.unhealthy_cleanup([stale, older], 10)
    assert [(rs.name, size) for rs, size in plan] == [("a", 1), ("b", 3)]


@pytest.mark.parametrize(("replicas", "unavailable", "ready", "old", "expected_old"), [
    (10, 0, 10, 10, 9), (10, 2, 10, 10, 8), (10, 2, 8, 10, None), (10, 2, 10, 0, None), (10, 2, 1, 10, None),
])
def test_scale_down_old_replica_sets_for_rolling_update(replicas: int, unavailable: int, ready: int, old: int,
                                                        expected_old: int | None) -> None:
    """TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate (maxSurge 0)."""
    old_rs = _rs("foo-v2", old, available=ready)
    plan = dc.old_scale_down([old_rs], [old_rs], _deployment(replicas, 0, unavailable))
    assert (plan[0][1] if plan else None) == expected_old


@given(st.integers(1, 12), st.integers(0, 4), st.integers(0, 4), st.lists(st.tuples(st.integers(0, 6),
                                                                                   st.integers(0, 6)), max_size=3),
       st.integers(0, 6), st.integers(0, 6))
@settings(max_examples=200)
def test_reconcile_old_replica_sets_never_scales_below_min_available(replicas: int, surge: int, unavailable: int,
                                                                    olds: list, new: int, new_available: int) -> None:
    """Whatever the ReplicaSets report, the old ones are never scaled below what keeps replicas - maxUnavailable
    available (counting the new ReplicaSet's available pods, and the old ones' only where they are wanted)."""
    if surge == unavailable == 0:
        surge = 1
    d = _deployment(replicas, surge, unavailable)
    old_rss = [_rs(f"old-{i}", size, i, available=min(available, size)) for i, (size, available) in enumerate(olds)]
    new_rs = _rs("new", new, 10, available=min(new_available, new))
    bound = dc.max_scaled_down([*old_rss, new_rs], new_rs, d)
    cleanup = dc.unhealthy_cleanup(old_rss, bound) if bound > 0 else []
    if any(size > rs.spec.replicas for rs, size in cleanup):
        return
    sizes = {rs.name: rs.spec.replicas for rs in old_rss} | {rs.name: size for rs, size in cleanup}
    cleaned = [attrs.evolve(rs, spec=attrs.evolve(rs.spec, replicas=sizes[rs.name])) for rs in old_rss]
    down = dc.old_scale_down([*cleaned, new_rs], cleaned, d) if bound > 0 else []
    sizes |= {rs.name: size for rs, size in down}
    available_after = min(new_available, new) + sum(min(min(a, s), sizes[f"old-{i}"])
                                                    for i, (s, a) in enumerate(olds))
    available_before = min(new_available, new) + sum(min(a, s) for s, a in olds)
    assert available_after >= min(available_before, rollout.min_available(d))


# --- sync_test.go --------------------------------------------------------------------------------------------


def _annotated(rs: ReplicaSet, desired: int, surge: int) -> ReplicaSet:
    annotations, _ = dc.set_replicas_annotations(rs.metadata.annotations, desired, desired + surge)
    return attrs.evolve(rs, metadata=attrs.evolve(rs.metadata, annotations=annotations))


NEW, OLD, OLDER = 7200, 3600, 0


@pytest.mark.parametrize(("replicas", "old_replicas", "surge", "old_surge", "new", "olds", "expected_new",
                          "expected_olds", "desired"), [
    (12, 10, 0, 0, 10, [], 12, [], {}),
    (5, 10, 0, 0, 10, [], 5, [], {}),
    (10, 5, 0, 0, 2, [3], 4, [6], {}),
    (3, 5, 0, 0, 2, [3], 1, [2], {}),
    (4, 9, 0, 0, 8, [1], 4, [0], {}),
    (10, 7, 0, 0, 2, [3, 2], 3, [4, 3], {}),
    (8, 13, 0, 0, 2, [8, 3], 1, [5, 2], {}),
    (4, 3, 0, 0, 1, [1, 1], 2, [1, 1], {}),
    (2, 3, 0, 0, 1, [1, 1], 1, [1, 0], {}),
    (5, 4, 0, 0, None, [2, 2], None, [3, 2], {}),
    (0, 6, 0, 0, 3, [2, 1], 0, [0, 0], {}),
    (6, 6, 0, 0, 0, [0, 0], 6, [0, 0], {}),
    (5, 5, 0, 0, 2, [1, 1], 2, [2, 1], {"foo-v2": 3}),
    (20, 10, 2, 2, 6, [6], 11, [11], {}),
    (50, 10, 6, 3, 5, [8], 22, [34], {}),
])
def test_scale(replicas: int, old_replicas: int, surge: int, old_surge: int, new: int | None, olds: list[int],
               expected_new: int | None, expected_olds: list[int], desired: dict) -> None:
    """TestScale: a scaling event (the ReplicaSets annotated for the old size) scales the only active ReplicaSet, or
    all of them in proportion to their max-replicas annotations, the leftover to the largest (newest first when
    scaling up, oldest first when scaling down). The "failed rs update" row is the one whose foo-v2 was annotated
    for 3 replicas; its rows' other updates are annotation-only."""
    d = _deployment(replicas, surge, 0)
    names = [f"foo-v{len(olds) - i}" for i in range(len(olds))]
    created = [OLD, OLDER][:len(olds)]
    old_rss = [_annotated(_rs(n, size, t), desired.get(n, old_replicas), old_surge)
               for n, size, t in zip(names, olds, created, strict=True)]
    new_rs = None if new is None else _annotated(_rs(f"foo-v{len(olds) + 1}", new, NEW), old_replicas, old_surge)
    sizes = {rs.name: rs.spec.replicas for rs in [*old_rss, new_rs] if rs is not None}
    plan = _scale_plan(d, new_rs, old_rss)
    sizes |= {rs.name: size for rs, size in plan}
    if new_rs is not None:
        assert sizes[new_rs.name] == expected_new
    assert [sizes[rs.name] for rs in old_rss] == expected_olds


def _scale_plan(d: Deployment, new_rs: ReplicaSet | None, old_rss: list[ReplicaSet]) -> list[tuple[ReplicaSet, int]]:
    """The sizes ``scale`` asks for (as its three branches decide)."""
    single = dc.find_active_or_latest(new_rs, old_rss)
    if single is not None:
        return [(single, d.spec.replicas)]
    if dc.is_saturated(d, new_rs):
        return [(rs, 0) for rs in dc.filter_active(old_rss)]
    return dc.proportional_scale(d, new_rs, list(reversed(dc.by_creation(old_rss))))


def test_scale_leaves_a_saturated_but_broken_rollout_alone() -> None:
    """TestScale "saturated but broken new replica set does not affect old pods" and "change both size and
    template" (no new ReplicaSet: the old ones share the new size)."""
    d = _deployment(2, 1, 1)
    new_rs = _annotated(_rs("foo-v2", 2, NEW, available=0), 2, 1)
    old_rs = _annotated(_rs("foo-v1", 1, OLD), 2, 1)
    assert {rs.name: size for rs, size in _scale_plan(d, new_rs, [old_rs])} == {"foo-v2": 2, "foo-v1": 1}
    d = _deployment(14, 0, 0)
    olds = [_annotated(_rs("foo-v2", 7, NEW), 10, 0), _annotated(_rs("foo-v1", 3, OLD), 10, 0)]
    assert {rs.name: size for rs, size in _scale_plan(d, None, olds)} == {"foo-v2": 10, "foo-v1": 4}


@given(st.integers(0, 30), st.integers(0, 5), st.lists(st.integers(0, 12), min_size=2, max_size=4),
       st.integers(1, 30))
@settings(max_examples=200)
def test_proportional_scale_reaches_the_allowed_size(replicas: int, surge: int, sizes: list[int],
                                                     annotated: int) -> None:
    """Proportional scaling distributes exactly replicas + maxSurge (0 for 0 replicas) among the active ReplicaSets
    and never makes one negative."""
    d = _deployment(replicas, surge, 0 if surge else 1, status={"replicas": sum(sizes)})
    rss = [_annotated(_rs(f"rs-{i}", size, i), annotated, 0) for i, size in enumerate(sizes)]
    plan = dc.proportional_scale(d, None, rss)
    active = [rs for rs in rss if rs.spec.replicas > 0]
    assert {rs.name for rs, _ in plan} == {rs.name for rs in active}
    assert all(size >= 0 for _, size in plan)
    if active:
        allowed = replicas + rollout.max_surge(d) if replicas else 0
        assert sum(size for _, size in plan) == max(allowed, sum(size for _, size in plan[1:]))


def _cleanup_state(rss: list[ReplicaSet], limit: int) -> ClusterState:
    """A paused Deployment of zero replicas (whose sync cleans up) with other templates' ReplicaSets."""
    d = _deployment(0, 1, 1, history=limit)
    d = attrs.evolve(d, spec=attrs.evolve(d.spec, paused=True, progress_deadline_seconds=NO_DEADLINE))
    old_template = _template({"foo": "bar"}, image="old")
    return crafted(d, *(attrs.evolve(rs, spec=attrs.evolve(rs.spec, template=PodTemplateSpec.from_dict(old_template)))
                        for rs in rss))


def _rs_status(name: str, spec_replicas: int, status_replicas: int, created: int) -> ReplicaSet:
    """newRSWithStatus."""
    return _rs(name, spec_replicas, created, status_replicas=status_replicas)


@pytest.mark.parametrize(("rss", "limit", "deleted"), [
    ([("foo-1", 0, 0), ("foo-2", 0, 0), ("foo-3", 0, 0)], 1, ["foo-1", "foo-2"]),
    ([("foo-1", 0, 0), ("foo-2", 0, 1), ("foo-3", 1, 0), ("foo-4", 1, 1)], 0, ["foo-1"]),
    ([("foo-1", 0, 0), ("foo-2", 0, 0)], 0, ["foo-1", "foo-2"]),
    ([("foo-1", 1, 1), ("foo-2", 1, 1)], 0, []),
    ([("foo-1", 0, 0), ("foo-2", 0, 0), ("foo-3", 0, 0)], NO_DEADLINE, []),
])
def test_cleanup_deployment(rss: list[tuple[str, int, int]], limit: int, deleted: list[str]) -> None:
    """TestDeploymentController_cleanupDeployment: the oldest revisions beyond revisionHistoryLimit are deleted,
    only when scaled to zero in spec and status (MaxInt32: keep everything). The ReplicaSets wanting replicas make
    the paused sync scale them to zero too, which does not change what the cleanup (reading the cache) deletes."""
    state = _cleanup_state([_rs_status(n, s, r, i) for i, (n, s, r) in enumerate(rss)], limit)
    step = _sync(state)
    assert [n for n, _, _ in rss if step.state.store.get("ReplicaSet", "default", n) is None] == deleted


def test_cleanup_deployment_skips_a_replica_set_being_deleted_or_unobserved() -> None:
    """cleanupDeployment's filters: a ReplicaSet already being deleted is not cleanable; one whose generation is
    not observed yet is kept."""
    being_deleted = attrs.evolve(_rs_status("foo-1", 0, 0, 0), metadata=attrs.evolve(
        _rs_status("foo-1", 0, 0, 0).metadata, deletion_timestamp=0, finalizers=("f",)))
    unobserved = _rs("foo-2", 0, 1, status_replicas=0, generation=2, observed=1)
    step = _sync(_cleanup_state([being_deleted, unobserved, _rs_status("foo-3", 0, 0, 2)], 0))
    assert [rs.name for rs in step.state.store.list("ReplicaSet")] == ["foo-1", "foo-2"]


# --- progress_test.go ---------------------------------------------------------------------------------------------

T = 1000
"""testTime: 2017-02-15 18:49:00 on the model's clock."""


def _progress_deployment(pds: int, replicas: int, status_replicas: int, updated: int, available: int,
                         conditions: list[dict] | None) -> Deployment:
    """currentDeployment: a Recreate Deployment whose generation is observed."""
    return _deployment(replicas, strategy="Recreate", pds=pds, generation=0, conditions=conditions,
                       status={"replicas": status_replicas, "updatedReplicas": updated, "availableReplicas": available})


def _status(replicas: int, updated: int, available: int) -> DeploymentStatus:
    return DeploymentStatus(replicas=replicas, updated_replicas=updated, available_replicas=available)


STUCK = [_condition("Progressing", "True", "", T)]
FAILED = [{"type": "Progressing", "status": "False", "reason": dc.TIMED_OUT}]


@pytest.mark.parametrize(("d", "status", "now", "expected"), [
    (_progress_deployment(NO_DEADLINE, 4, 3, 3, 2, None), _status(3, 3, 2), T, None),
    (_progress_deployment(60, 4, 3, 3, 2, None), _status(3, 3, 2), T, None),
    (_progress_deployment(60, 3, 3, 3, 3, None), _status(3, 3, 3), T, None),
    (_progress_deployment(60, 3, 3, 3, 0, FAILED), _status(3, 3, 0), T, None),
    (_progress_deployment(60, 3, 3, 3, 1, STUCK), _status(3, 3, 1), T + 30, 30),
    (_progress_deployment(60, 3, 3, 3, 1, STUCK), _status(3, 3, 1), T + 59, 1),
    (_progress_deployment(60, 3, 3, 3, 1, STUCK), _status(3, 3, 1), T + 60, 0),
    (_progress_deployment(60, 3, 3, 3, 1, STUCK), _status(3, 3, 1), T + 61, 0),
    (_progress_deployment(60, 3, 3, 3, 1, STUCK), _status(3, 3, 1), T + 120, 0),
])
def test_requeue_stuck_deployment(d: Deployment, status: DeploymentStatus, now: int, expected: int | None) -> None:
    """TestRequeueStuckDeployment (None is upstream's -1; the sub-second row needs a finer clock than the model's)."""
    assert dc.requeue_stuck_deployment(d, status, now) == expected


def _with_available(name: str, spec_replicas: int, status_replicas: int, available: int) -> ReplicaSet:
    """newRSWithAvailable."""
    return _rs(name, spec_replicas, status_replicas=status_replicas, available=available)


NEW_RS_AVAILABLE = _condition("Progressing", "True", dc.NEW_RS_AVAILABLE, T)
RS_UPDATED = _condition("Progressing", "True", dc.REPLICA_SET_UPDATED, T)
TIMED_OUT = {"type": "Progressing", "status": "False", "reason": dc.TIMED_OUT}


@pytest.mark.parametrize(("d", "others", "new", "expected", "updated_at", "transitioned_at"), [
    (_progress_deployment(NO_DEADLINE, 3, 2, 2, 2, [RS_UPDATED]), [("bar", 0, 1, 1)], ("foo", 3, 2, 2),
     None, None, None),
    (_progress_deployment(60, 3, 3, 3, 3, [NEW_RS_AVAILABLE]), [("bar", 3, 3, 3)], None,
     ("True", dc.NEW_RS_AVAILABLE), T, T),
    (_progress_deployment(60, 3, 2, 2, 2, [RS_UPDATED]), [("bar", 0, 1, 1)], ("foo", 3, 2, 2),
     ("True", dc.REPLICA_SET_UPDATED), T + 5, T),
    (_progress_deployment(60, 3, 2, 2, 2, [TIMED_OUT]), [("bar", 0, 1, 1)], ("foo", 3, 2, 2),
     ("True", dc.REPLICA_SET_UPDATED), T + 5, T + 5),
    (_progress_deployment(60, 3, 2, 2, 2, []), [("bar", 0, 1, 1)], ("foo", 3, 2, 2),
     ("True", dc.REPLICA_SET_UPDATED), T + 5, T + 5),
    (_progress_deployment(60, 3, 3, 3, 3, [RS_UPDATED]), [], ("foo", 3, 3, 3), ("True", dc.NEW_RS_AVAILABLE),
     T + 5, T),
    (_progress_deployment(60, 3, 3, 3, 3, [TIMED_OUT]), [], ("foo", 3, 3, 3), ("True", dc.NEW_RS_AVAILABLE),
     T + 5, T + 5),
    (_progress_deployment(60, 3, 3, 3, 3, []), [], ("foo", 3, 3, 3), ("True", dc.NEW_RS_AVAILABLE), T + 5, T + 5),
    (_progress_deployment(60, 0, 3, 3, 3, [RS_UPDATED]), [("foo", 0, 0, 0)], None, ("True", dc.NEW_RS_AVAILABLE),
     T + 5, T),
    (_progress_deployment(60, 3, 2, 2, 2, [RS_UPDATED]), [], ("foo", 3, 2, 2), ("False", dc.TIMED_OUT),
     T + 100, T + 100),
    (_progress_deployment(60, 3, 2, 2, 2, [TIMED_OUT]), [], ("foo", 3, 2, 2), ("False", dc.TIMED_OUT), None, None),
])
def test_sync_rollout_status(d: Deployment, others: list[tuple], new: tuple | None, expected: tuple | None,
                             updated_at: int | None, transitioned_at: int | None) -> None:
    """TestSyncRolloutStatus: the Progressing condition syncRolloutStatus writes, with its update and transition
    times (now is T + 5, or T + 100 for the timeout; None: as it was)."""
    new_rs = None if new is None else _with_available(*new)
    all_rss = [_with_available(*o) for o in others] + ([new_rs] if new_rs is not None else [])
    now = T + 100 if expected == ("False", dc.TIMED_OUT) and updated_at else T + 5
    condition = dc.get_condition(dc.rollout_status(all_rss, new_rs, d, now).conditions, "Progressing")
    if expected is None:
        assert condition is None
        return
    assert (condition["status"], condition["reason"]) == expected
    before = dc.get_condition(d.status.conditions, "Progressing")
    assert condition.get("lastUpdateTime") == (before.get("lastUpdateTime") if updated_at is None else updated_at)
    assert condition.get("lastTransitionTime") == (before.get("lastTransitionTime") if transitioned_at is None
                                                   else transitioned_at)


def test_calculate_status_counts_and_availability() -> None:
    """calculateStatus: replicas/ready/available from the ReplicaSets' statuses, updated from the new one's,
    unavailable from what they want (never negative); Available by replicas - maxUnavailable."""
    d = _deployment(4, 1, 1)
    old, new = _rs("old", 3, status_replicas=4, available=3), _rs("new", 2, 1, status_replicas=1, available=0)
    status = dc.calculate_status([old, new], new, d, 7)
    assert (status.replicas, status.updated_replicas, status.available_replicas, status.unavailable_replicas,
            status.observed_generation) == (5, 1, 3, 2, 1)
    assert dict(dc.get_condition(status.conditions, "Available")) == {
        "type": "Available", "status": "True", "reason": dc.MINIMUM_REPLICAS_AVAILABLE,
        "message": "Deployment has minimum availability.", "lastUpdateTime": 7, "lastTransitionTime": 7}
    status = dc.calculate_status([_rs("old", 3, available=2)], None, d, 7)
    assert dc.get_condition(status.conditions, "Available")["reason"] == dc.MINIMUM_REPLICAS_UNAVAILABLE
    assert dc.calculate_status([_rs("old", 1, available=3)], None, d, 7).unavailable_replicas == 0


def test_replica_failures_prefer_the_new_replica_set() -> None:
    """getReplicaFailures: the new ReplicaSet's ReplicaFailure, else an old one's (as a Deployment condition)."""
    failure = {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": "quota",
               "lastTransitionTime": 3}

    def failing(name: str, message: str) -> ReplicaSet:
        rs = _rs(name, 1)
        conditions = (FrozenDict({**failure, "message": message}),)
        return attrs.evolve(rs, status=attrs.evolve(rs.status, conditions=conditions))
    old, new = failing("old", "old quota"), failing("new", "new quota")
    assert dc.replica_failures([old, new], new)[0]["message"] == "new quota"
    assert dict(dc.replica_failures([old, _rs("new", 1)], _rs("new", 1))[0]) == {
        **failure, "message": "old quota", "lastUpdateTime": 3}


# --- recreate_test.go -----------------------------------------------------------------------------------------


def _pod(phase: str, uid: str = "p") -> Pod:
    return Pod.from_dict({"metadata": {"name": uid, "namespace": "default"},
                          "spec": {"containers": [{"name": "c", "image": "i"}]}, "status": {"phase": phase}})


@pytest.mark.parametrize(("old_rss", "pod_map", "expected"), [
    ([], {}, False),
    ([_rs("foo-some-uid", 0, uid="some-uid"), _rs("foo-other-uid", 0, uid="other-uid")],
     {"some-uid": [_pod("Running")] * 2, "other-uid": [_pod("Running")] * 2}, True),
    ([_rs_status("rs-1", 0, 1, 0)], {}, True),
    ([_rs_status("rs-1", 0, 0, 0)], {}, False),
    ([_rs_status("rs-1", 0, 0, 0)], {"uid-1": [_pod("Failed"), _pod("Succeeded")]}, False),
    ([_rs_status("rs-1", 0, 0, 0)], {"uid-1": [_pod("Unknown")]}, True),
    ([_rs_status("rs-1", 0, 0, 0)], {"uid-1": [_pod("Pending")]}, True),
    ([_rs_status("rs-1", 0, 0, 0)], {"uid-1": [_pod("Running")]}, True),
    ([_rs_status("rs-1", 0, 0, 0)], {"uid-1": [_pod("Failed"), _pod("Succeeded")], "uid-2": [],
                                     "uid-3": [_pod("Pending")]}, True),
])
def test_old_pods_running(old_rss: list[ReplicaSet], pod_map: dict, expected: bool) -> None:
    """TestOldPodsRunning (the new ReplicaSet's pods never count)."""
    assert dc.old_pods_running(None, old_rss, pod_map) is expected
    new_rs = _rs("new", 1, uid="uid-1")
    assert dc.old_pods_running(new_rs, [], {"uid-1": [_pod("Running")]}) is False


# --- single syncs (deployment_controller_test.go) ---------------------------------------------------------------


def _requests(step: Step) -> list[tuple[str, str]]:
    """What a sync sent, as (request, kind) with the API server's answer."""
    return [(r.reason, type(r.object).__name__ if r.object is not None else "") for r in step.responses]


def test_sync_deployment_creates_replica_set() -> None:
    """TestSyncDeploymentCreatesReplicaSet: create ``<name>-<hash>`` (owned, hash label on its labels, selector and
    template, revision 1 and replica annotations, all replicas), record the revision and NewReplicaSetCreated in a
    status update, then write the rollout status (upstream's two status updates; the second carries the cached
    resourceVersion, so the API server refuses it and the sync is retried)."""
    d = Deployment.from_dict(_deployment_doc("foo", 1, labels={"foo": "bar"},
                                             meta={"uid": "foo-uid", "generation": 1}))
    step = _sync(crafted(d))
    assert [r.reason for r in step.responses] == ["Created", "OK", "Conflict"]
    rs = step.responses[0].object
    hash_ = dc.compute_hash(d.spec.template, None)
    assert rs.name == f"foo-{hash_}" and rs.spec.replicas == 1
    assert rs.labels == {"foo": "bar", H: hash_} == rs.spec.template.metadata.labels
    assert rs.spec.selector.match_labels == {"foo": "bar", H: hash_}
    assert rs.metadata.controller_ref().uid == "foo-uid"
    assert rs.metadata.annotations == {rollout.REVISION_ANNOTATION: "1", rollout.DESIRED_REPLICAS_ANNOTATION: "1",
                                       rollout.MAX_REPLICAS_ANNOTATION: "2"}
    stored = step.state.store.get("Deployment", "default", "foo")
    assert stored.metadata.annotations[rollout.REVISION_ANNOTATION] == "1"
    assert _condition_of(stored, "Progressing")["reason"] == dc.NEW_REPLICA_SET
    assert step.state.informer(CONTROLLER).failures.get(("default", "foo")) == 1


def test_sync_deployment_does_nothing_but_status_during_deletion() -> None:
    """TestSyncDeploymentDontDoAnythingDuringDeletion: a Deployment being deleted only gets its status synced."""
    d = Deployment.from_dict(_deployment_doc("foo", 1, labels={"foo": "bar"}, meta={
        "uid": "foo-uid", "generation": 1, "deletionTimestamp": 0, "finalizers": ["foregroundDeletion"]}))
    step = _sync(crafted(d))
    assert _requests(step) == [("OK", "Deployment")]
    assert step.state.store.list("ReplicaSet") == ()


def test_sync_deployment_deletion_race() -> None:
    """TestSyncDeploymentDeletionRace: before adopting an orphan, a fresh GET shows the Deployment being deleted
    (the cache does not yet); nothing is adopted and the sync fails, to retry once the cache caught up."""
    d = Deployment.from_dict(_deployment_doc("foo", 1, labels={"foo": "bar"},
                                             meta={"uid": "foo-uid", "generation": 1}))
    state = crafted(d, _rs("rs1", 1, owner=None))
    state = _send(state, rq.Delete(ADMIN, "Deployment", "default", "foo", propagation_policy=rq.FOREGROUND))
    step = _sync(state)
    assert _requests(step) == [("OK", "Deployment")]
    assert step.state.store.get("ReplicaSet", "default", "rs1").metadata.owner_references == ()
    assert step.state.informer(CONTROLLER).failures.get(("default", "foo")) == 1


def test_reentrant_rollback() -> None:
    """TestReentrantRollback: rolling back to the last revision (rollbackTo 0) copies revision 1's template into
    the Deployment and clears the request, without touching the ReplicaSets."""
    d = Deployment.from_dict(_deployment_doc("foo", 1, labels={"foo": "bar"}, progressDeadlineSeconds=NO_DEADLINE,
                                             meta={"uid": "foo-uid", "generation": 1, "annotations": {
                                                 rollout.REVISION_ANNOTATION: "2", dc.ROLLBACK_TO_ANNOTATION: "0"}}))
    old_template = _template({"foo": "bar"}, terminationGracePeriodSeconds=1)
    rs1 = _rs("deploymentrs-old", 0, 0, template=old_template, annotations={rollout.REVISION_ANNOTATION: "1"})
    rs2 = _rs("deploymentrs-new", 1, 1, template=d.spec.template.to_dict(),
              annotations={rollout.REVISION_ANNOTATION: "2", rollout.DESIRED_REPLICAS_ANNOTATION: "1",
                           rollout.MAX_REPLICAS_ANNOTATION: "1"})
    step = _sync(crafted(d, rs1, rs2))
    assert _requests(step) == [("OK", "Deployment")]
    rolled = step.state.store.get("Deployment", "default", "foo")
    assert rolled.spec.template.spec.termination_grace_period_seconds == 1
    assert dc.ROLLBACK_TO_ANNOTATION not in rolled.metadata.annotations
    assert rolled.metadata.generation == 2


def test_rollback_to_an_unknown_revision_only_clears_the_request() -> None:
    """rollback: a revision that no ReplicaSet has leaves the template and clears the annotation."""
    d = Deployment.from_dict(_deployment_doc("foo", 1, labels={"foo": "bar"}, progressDeadlineSeconds=NO_DEADLINE,
                                             meta={"uid": "foo-uid", "generation": 1, "annotations": {
                                                 rollout.REVISION_ANNOTATION: "1", dc.ROLLBACK_TO_ANNOTATION: "7"}}))
    rs = _rs("rs", 1, template=d.spec.template.to_dict(), annotations={rollout.REVISION_ANNOTATION: "1"})
    step = _sync(crafted(d, rs))
    assert [r.reason for r in step.responses][-1] == "OK"
    after = step.state.store.get("Deployment", "default", "foo")
    assert after.spec == d.spec and dc.ROLLBACK_TO_ANNOTATION not in after.metadata.annotations


def test_get_replica_sets_for_deployment_adopts_and_releases() -> None:
    """TestGetReplicaSetsForDeployment and TestGetReplicaSetsForDeploymentAdoptRelease: each Deployment claims only
    its own ReplicaSets; a matching orphan is adopted (after the fresh GET), an owned one whose labels no longer
    match is released."""
    d = Deployment.from_dict(_deployment_doc("foo", 1, labels={"foo": "bar"}, progressDeadlineSeconds=NO_DEADLINE,
                                             meta={"uid": "foo-uid", "generation": 1}))
    other = Deployment.from_dict(_deployment_doc("bar", 1, labels={"foo": "bar"},
                                                 meta={"uid": "bar-uid", "generation": 1}))
    theirs = _rs("rs2", 1, owner="bar")
    adopt = _rs("rsAdopt", 1, owner=None)
    release = _rs("rsRelease", 1, labels={"foo": "notbar"})
    step = _sync(crafted(d, other, theirs, adopt, release))
    assert [r.reason for r in step.responses][:3] == ["OK", "OK", "OK"]
    store = step.state.store
    assert store.get("ReplicaSet", "default", "rsAdopt").metadata.controller_ref().uid == "foo-uid"
    assert store.get("ReplicaSet", "default", "rsRelease").metadata.owner_references == ()
    assert store.get("ReplicaSet", "default", "rs2").metadata.controller_ref().uid == "bar-uid"


def _event(kind: str, obj: Any) -> WatchEvent:
    return WatchEvent(kind, obj, 1)


def _cache(*objects: Any) -> Objects:
    cache = Objects()
    for obj in objects:
        cache = cache.put(obj)
    return cache


def _recreate(name: str = "foo", uid: str = "foo-uid") -> Deployment:
    return Deployment.from_dict(_deployment_doc(name, 1, labels={"foo": "bar"}, strategy={"type": "Recreate"},
                                                meta={"uid": uid}))


def _pod_of(rs: ReplicaSet, name: str) -> Pod:
    """generatePodFromRS."""
    return Pod.from_dict({"metadata": {"name": name, "namespace": "default", "labels": dict(rs.labels),
                                       "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                            "name": rs.name, "uid": rs.metadata.uid,
                                                            "controller": True}]},
                          "spec": {"containers": [{"name": "c", "image": "i"}]}})


def test_pod_deletion_enqueues_a_recreate_deployment_once_it_has_no_pods() -> None:
    """TestPodDeletionEnqueuesRecreateDeployment, TestPodDeletionDoesntEnqueueRecreateDeployment and the partial
    ReplicaSet ownership variants: only the last pod of a Recreate Deployment wakes it; orphan ReplicaSets'
    pods do not count; a rolling Deployment is not woken."""
    d = _recreate()
    rs1, rs2 = _rs("foo-1", 1), _rs("foo-2", 2, owner=None)
    pod, other = _pod_of(rs1, "p1"), _pod_of(rs1, "p2")
    enqueue = dc.CONTROLLER.enqueue
    assert enqueue(_event(DELETED, pod), pod, _cache(d, rs1, rs2)) == [("default", "foo")]
    assert enqueue(_event(DELETED, pod), pod, _cache(d, rs1, rs2, other)) == []
    assert enqueue(_event(DELETED, pod), pod, _cache(d, rs1, rs2, _pod_of(rs2, "p3"))) == [("default", "foo")]
    assert enqueue(_event(DELETED, pod), pod, _cache(d)) == [], "the ReplicaSet is unknown"
    rolling = Deployment.from_dict(_deployment_doc("foo", 1, labels={"foo": "bar"}, meta={"uid": "foo-uid"}))
    assert enqueue(_event(DELETED, pod), pod, _cache(rolling, rs1)) == []
    assert enqueue(_event(MODIFIED, pod), pod, _cache(d, rs1)) == []


def test_replica_set_events_wake_their_deployments() -> None:
    """TestAddReplicaSet, TestAddReplicaSetOrphan, TestUpdateReplicaSet, TestUpdateReplicaSetOrphanWithNewLabels,
    TestUpdateReplicaSetChangeControllerRef, TestUpdateReplicaSetRelease, TestDeleteReplicaSet,
    TestDeleteReplicaSetOrphan: the owner, else (an orphan added, relabelled or released) every Deployment whose
    selector matches."""
    d1, d2 = (Deployment.from_dict(_deployment_doc(n, 1, labels={"foo": "bar"}, meta={"uid": f"{n}-uid"}))
              for n in ("d1", "d2"))
    d3 = Deployment.from_dict(_deployment_doc("d3", 1, labels={"foo": "notbar"}, meta={"uid": "d3-uid"}))
    cache = _cache(d1, d2, d3)
    enqueue = dc.CONTROLLER.enqueue
    owned = _rs("rs1", 1, owner="d1")
    assert enqueue(_event(ADDED, owned), None, cache) == [("default", "d1")]
    orphan = _rs("rs1", 1, owner=None)
    assert sorted(enqueue(_event(ADDED, orphan), None, cache)) == [("default", "d1"), ("default", "d2")]
    bumped = attrs.evolve(owned, metadata=attrs.evolve(owned.metadata, resource_version="2"))
    assert enqueue(_event(MODIFIED, bumped), owned, cache) == [("default", "d1")]
    assert enqueue(_event(MODIFIED, owned), owned, cache) == [], "a resync (same resourceVersion) changes nothing"
    relabelled = attrs.evolve(orphan, metadata=attrs.evolve(orphan.metadata, resource_version="2",
                                                            labels=FrozenDict({"foo": "notbar"})))
    assert enqueue(_event(MODIFIED, relabelled), orphan, cache) == [("default", "d3")]
    assert sorted(enqueue(_event(MODIFIED, orphan), relabelled, cache)) == [("default", "d1"), ("default", "d2")]
    moved = attrs.evolve(_rs("rs1", 1, owner="d2"), metadata=attrs.evolve(
        _rs("rs1", 1, owner="d2").metadata, resource_version="2"))
    assert enqueue(_event(MODIFIED, moved), owned, cache) == [("default", "d1"), ("default", "d2")]
    released = attrs.evolve(orphan, metadata=attrs.evolve(orphan.metadata, resource_version="2"))
    assert sorted(enqueue(_event(MODIFIED, released), owned, cache)) == [("default", "d1"), ("default", "d1"),
                                                                          ("default", "d2")]
    assert enqueue(_event(DELETED, owned), owned, cache) == [("default", "d1")]
    assert enqueue(_event(DELETED, orphan), orphan, cache) == []
    assert enqueue(_event(ADDED, d1), None, cache) == [("default", "d1")]


# --- scenarios on the whole model --------------------------------------------------------------------------------


def test_create_runs_the_replicas_and_reports_completion() -> None:
    """A new Deployment gets one ReplicaSet ``<name>-<pod-template-hash>`` at revision 1 whose pods the scheduler
    places and the kubelets run (ready without probes); its status reports them, Available and Progressing
    NewReplicaSetAvailable; the revision is recorded on the Deployment."""
    state = start(_deployment_doc(replicas=3))
    d = _web(state)
    (rs,) = _replica_sets(state)
    assert rs.name == f"web-{rs.labels[H]}" and rs.spec.replicas == 3
    revision = rollout.REVISION_ANNOTATION
    assert rs.metadata.annotations[revision] == d.metadata.annotations[revision] == "1"
    pods = _pods(state)
    assert len(pods) == 3 and all(p.is_ready and p.spec.node_name and p.labels[H] == rs.labels[H] for p in pods)
    assert (d.status.replicas, d.status.updated_replicas, d.status.ready_replicas, d.status.available_replicas,
            d.status.unavailable_replicas, d.status.observed_generation) == (3, 3, 3, 3, 0, 1)
    assert _condition_of(d, "Available")["reason"] == dc.MINIMUM_REPLICAS_AVAILABLE
    assert _condition_of(d, "Progressing") == {
        "type": "Progressing", "status": "True", "reason": dc.NEW_RS_AVAILABLE, "lastUpdateTime": 0,
        "lastTransitionTime": 0, "message": f'ReplicaSet "{rs.name}" has successfully progressed.'}


def test_scale_up_and_down_resizes_the_replica_set() -> None:
    """A scaling event resizes the only ReplicaSet and its desired/max-replicas annotations, without a new
    revision; the ReplicaSet controller follows."""
    state = start(_deployment_doc(replicas=2))
    state = settle(_update(state, _with_spec(replicas=5)))
    (rs,) = _replica_sets(state)
    assert rs.spec.replicas == 5 and len(_pods(state)) == 5 and _web(state).status.available_replicas == 5
    assert rs.metadata.annotations[rollout.DESIRED_REPLICAS_ANNOTATION] == "5"
    assert rs.metadata.annotations[rollout.MAX_REPLICAS_ANNOTATION] == "7"
    assert rs.metadata.annotations[rollout.REVISION_ANNOTATION] == "1"
    state = settle(_update(state, _with_spec(replicas=1)))
    assert [r.spec.replicas for r in _replica_sets(state)] == [1]
    assert len([p for p in _pods(state) if p.metadata.deletion_timestamp is None]) == 1
    assert _complete(_web(state))


@pytest.mark.parametrize("pick", [in_order, controllers_first], ids=["kubelets-first", "controllers-first"])
def test_rollout_keeps_the_surge_and_availability_bounds(pick: Pick) -> None:
    """Changing the image rolls pods over to a new ReplicaSet (revision 2) while the ReplicaSets never want more
    than replicas + maxSurge and at least replicas - maxUnavailable stay available, at every step; the old
    ReplicaSet ends at zero, kept for rollback."""
    state, guarantees = _rolled_out(FAITHFUL, pick)
    assert guarantees.violations == set()
    d = _web(state)
    assert _complete(d) and d.metadata.annotations[rollout.REVISION_ANNOTATION] == "2"
    assert _sizes(state) == {"nginx:1": 0, "nginx:2": 4}
    assert {p.spec.containers[0].image for p in _pods(state)} == {"nginx:2"}
    assert _condition_of(d, "Progressing")["reason"] == dc.NEW_RS_AVAILABLE


@given(st.randoms(use_true_random=False))
@settings(max_examples=8, deadline=None)
def test_rollout_bounds_hold_whatever_the_interleaving(rnd: random.Random) -> None:
    """Any order of the components' actions (controllers, informers, scheduler, kubelets) keeps the bounds, and
    the rollout completes."""
    state, guarantees = _rolled_out(FAITHFUL, randomly(rnd), strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}})
    assert guarantees.violations == set()
    assert _complete(_web(state)) and _sizes(state) == {"nginx:1": 0, "nginx:2": 4}


def test_the_variant_ignores_max_unavailable_and_the_faithful_controller_does_not() -> None:
    """deployment-ignores-max-unavailable (kubernetes/kubernetes#21810): with the controllers acting before the new
    pods are ready, old ReplicaSets shrink as the new one grows and availability drops below replicas -
    maxUnavailable; the faithful controller waits for availability under the same schedule."""
    _, faithful = _rolled_out(FAITHFUL, controllers_first)
    state, buggy = _rolled_out(IGNORES_MAX_UNAVAILABLE, controllers_first)
    assert faithful.violations == set()
    assert any("< minAvailable" in v for v in buggy.violations)
    assert _complete(_web(state)), "the variant still converges"


def test_max_unavailable_zero_never_loses_a_pod() -> None:
    """maxUnavailable 0 (maxSurge 1): a new pod must be available before each old one goes."""
    state, guarantees = _rolled_out(FAITHFUL, controllers_first, replicas=3, strategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    assert guarantees.violations == set() and _complete(_web(state))


def test_min_ready_seconds_paces_the_rollout() -> None:
    """With minReadySeconds a new pod counts as available only that long after it became ready, so each step of
    the rollout waits for the clock; the bounds hold throughout (pods counted available by the same rule)."""
    state = start(_deployment_doc(replicas=4, minReadySeconds=3))
    state = settle(state, wait=20)
    assert _complete(_web(state))
    began, guarantees = state.time, RolloutGuarantees()
    state = settle(_update(state, _with_image("nginx:2")), wait=60, check=guarantees)
    assert guarantees.violations == set() and _complete(_web(state))
    assert state.time - began >= 2 * 3, "at least two waves, each waiting minReadySeconds"


def _unschedulable_rollout(replicas: int = 4) -> ClusterState:
    """A rollout stuck half-way: the new template's pods select no node, so they never run."""
    state = start(_deployment_doc(replicas=replicas))
    return settle(_update(state, _with_image("nginx:2", node_selector=FrozenDict({"disk": "none"}))))


def test_proportional_scaling_during_a_rollout() -> None:
    """A scaling event in the middle of a rollout scales both ReplicaSets in proportion (3 old + 2 new of 4 + 1
    surge become 6 + 4 of 8 + 2 surge) rather than hastening the rollout; the stuck rollout then stays put."""
    state = _unschedulable_rollout()
    assert _sizes(state) == {"nginx:1": 3, "nginx:2": 2}
    state = settle(_update(state, _with_spec(replicas=8)))
    assert _sizes(state) == {"nginx:1": 6, "nginx:2": 4}
    for rs in _replica_sets(state):
        assert rs.metadata.annotations[rollout.DESIRED_REPLICAS_ANNOTATION] == "8"
        assert rs.metadata.annotations[rollout.MAX_REPLICAS_ANNOTATION] == "10"
    assert _web(state).status.available_replicas == 6


def test_rollout_undo_to_a_revision() -> None:
    """``kubectl rollout undo --to-revision=1`` after two rollouts: the first ReplicaSet becomes the new one again
    (revision 4, revision-history 1), scaled back up while the others go to zero; undo without a revision then
    returns to revision 3's template."""
    state = start(_deployment_doc(replicas=2))
    for image in ("nginx:2", "nginx:3"):
        state = settle(_update(state, _with_image(image)))
    state = settle(_send(state, dc.rollout_undo(state.store.objects, "default", "web", 1)))
    d = _web(state)
    first = _of_image(state, "nginx:1")
    assert d.spec.template.spec.containers[0].image == "nginx:1" and H not in d.spec.template.metadata.labels
    assert first.metadata.annotations[rollout.REVISION_ANNOTATION] == "4"
    assert first.metadata.annotations[dc.REVISION_HISTORY_ANNOTATION] == "1"
    assert _sizes(state) == {"nginx:1": 2, "nginx:2": 0, "nginx:3": 0}
    assert _complete(d) and d.metadata.annotations[rollout.REVISION_ANNOTATION] == "4"
    state = settle(_send(state, dc.rollout_undo(state.store.objects, "default", "web")))
    assert _sizes(state) == {"nginx:1": 0, "nginx:2": 0, "nginx:3": 2}


def test_rollout_undo_refusals() -> None:
    """kubectl's refusals: an unknown or negative revision, no previous revision, a paused Deployment; nothing
    to do when the template already matches."""
    state = start(_deployment_doc(replicas=1))
    objects = state.store.objects
    with pytest.raises(dc.RollbackError, match='no rollout history found for deployment "web"'):
        dc.rollout_undo(objects, "default", "web")
    for revision in (7, -1):
        with pytest.raises(dc.RollbackError, match=f"unable to find specified revision {revision} in history"):
            dc.rollout_undo(objects, "default", "web", revision)
    assert dc.rollout_undo(objects, "default", "web", 1) is None
    state = settle(_update(state, _with_image("nginx:2")))
    state = settle(_update(state, _with_spec(paused=True)))
    with pytest.raises(dc.RollbackError, match="you cannot rollback a paused deployment"):
        dc.rollout_undo(state.store.objects, "default", "web")


def test_rollback_through_the_deprecated_rollback_annotation() -> None:
    """rollback.go: ``deprecated.deployment.rollback.to`` (what extensions/v1beta1 ``rollbackTo`` becomes) makes
    the controller copy that revision's template and annotations (but not the revision) into the Deployment."""
    state = start(_deployment_doc(replicas=2, meta={"annotations": {"note": "first"}}))
    state = settle(_update(state, lambda d: attrs.evolve(_with_image("nginx:2")(d), metadata=attrs.evolve(
        d.metadata, annotations=d.metadata.annotations.set("note", "second")))))
    state = settle(_update(state, lambda d: attrs.evolve(d, metadata=attrs.evolve(
        d.metadata, annotations=d.metadata.annotations.set(dc.ROLLBACK_TO_ANNOTATION, "1")))))
    d = _web(state)
    assert d.spec.template.spec.containers[0].image == "nginx:1"
    assert d.metadata.annotations["note"] == "first" and dc.ROLLBACK_TO_ANNOTATION not in d.metadata.annotations
    assert d.metadata.annotations[rollout.REVISION_ANNOTATION] == "3"
    assert _sizes(state) == {"nginx:1": 2, "nginx:2": 0}


def test_pause_only_scales_and_resume_rolls_out() -> None:
    """A paused Deployment records DeploymentPaused, does not roll out a template change, but does scale; once
    resumed (DeploymentResumed) it rolls out the change at the new size."""
    state = start(_deployment_doc(replicas=2))
    state = settle(_update(state, _with_spec(paused=True)))
    assert _condition_of(_web(state), "Progressing").items() >= {"status": "Unknown", "reason": dc.PAUSED}.items()
    state = settle(_update(state, _with_image("nginx:2")))
    state = settle(_update(state, _with_spec(replicas=3)))
    assert _sizes(state) == {"nginx:1": 3} and len(_pods(state)) == 3
    state = settle(_update(state, _with_spec(paused=False)), check=lambda s: None)
    d = _web(state)
    assert _sizes(state) == {"nginx:1": 0, "nginx:2": 3} and _complete(d)
    assert _condition_of(d, "Progressing")["reason"] == dc.NEW_RS_AVAILABLE


def test_resuming_records_deployment_resumed() -> None:
    """checkPausedConditions: the first write of a resumed Deployment's sync is Progressing Unknown
    DeploymentResumed (so the time spent paused does not count against the deadline)."""
    state = start(_deployment_doc(replicas=1))
    state = settle(_update(state, _with_spec(paused=True)))
    state = _update(state, _with_spec(paused=False))
    while behind(state, CONTROLLER):
        state = cluster.apply(state, DeliverWatchEvent(CONTROLLER))
    written = _sync(state, KEY).responses[0].object
    assert _condition_of(written, "Progressing").items() >= {"status": "Unknown", "reason": dc.RESUMED}.items()
    assert _condition_of(_web(settle(state)), "Progressing")["reason"] == dc.NEW_RS_AVAILABLE


@pytest.mark.parametrize("pick", [in_order, controllers_first], ids=["kubelets-first", "controllers-first"])
def test_recreate_kills_every_old_pod_before_creating_new_ones(pick: Pick) -> None:
    """Recreate: the old ReplicaSet goes to zero and none of its pods runs (terminating ones included) before the
    new ReplicaSet exists, at every step."""
    state = start(_deployment_doc(replicas=3, strategy={"type": "Recreate"}), pick=pick)
    overlaps = []

    def no_overlap(s: ClusterState) -> None:
        images = {p.spec.containers[0].image for p in _pods(s) if not p.is_terminated}
        if len(images) > 1 or (len(_replica_sets(s)) > 1 and "nginx:1" in images):
            overlaps.append(s.time)
    state = settle(_update(state, _with_image("nginx:2")), pick=pick, check=no_overlap)
    assert overlaps == []
    assert _sizes(state) == {"nginx:1": 0, "nginx:2": 3} and _complete(_web(state))


def test_revision_history_limit_deletes_old_replica_sets() -> None:
    """revisionHistoryLimit 1: after three rollouts only the new ReplicaSet and the latest old one remain."""
    state = start(_deployment_doc(replicas=1, revisionHistoryLimit=1))
    for image in ("nginx:2", "nginx:3", "nginx:4"):
        state = settle(_update(state, _with_image(image)))
    assert _sizes(state) == {"nginx:3": 0, "nginx:4": 1}
    assert {_image(rs): rs.metadata.annotations[rollout.REVISION_ANNOTATION] for rs in _replica_sets(state)} == {
        "nginx:3": "3", "nginx:4": "4"}


def test_rollout_blocked_by_quota_reports_failure_and_the_deadline() -> None:
    """kubernetes/kubernetes#123434's setting: a pods quota with no room for the surge pod (maxUnavailable 0).
    The new ReplicaSet's creates are Forbidden; its ReplicaFailure surfaces on the Deployment; once
    progressDeadlineSeconds pass without progress, Progressing turns False ProgressDeadlineExceeded; the pods
    never exceed the quota and availability is kept."""
    quota_held: list[int] = []

    def within_quota(s: ClusterState) -> None:
        quota_held.append(len(_pods(s)))
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    state = start(_quota(4), _deployment_doc(replicas=4, strategy=strategy, progressDeadlineSeconds=30))
    state = settle(_update(state, _with_image("nginx:2")), check=within_quota)
    d = _web(state)
    failure = _condition_of(d, "ReplicaFailure")
    assert failure["status"] == "True" and failure["reason"] == "FailedCreate"
    assert "exceeded quota: pods" in failure["message"]
    assert _condition_of(d, "Progressing")["status"] == "True"
    created_at = _condition_of(d, "Progressing")["lastUpdateTime"]
    state = advance(state, 29 - state.time + created_at, check=within_quota)
    assert _condition_of(_web(state), "Progressing")["status"] == "True", "not before the deadline"
    state = advance(state, 3, check=within_quota)
    d = _web(state)
    assert _condition_of(d, "Progressing").items() >= {
        "status": "False", "reason": dc.TIMED_OUT,
        "message": f'ReplicaSet "{_of_image(state, "nginx:2").name}" has timed out progressing.'}.items()
    assert _condition_of(d, "Available")["status"] == "True"
    assert _sizes(state) == {"nginx:1": 4, "nginx:2": 1}
    assert max(quota_held) <= 4


def test_a_hash_collision_bumps_the_collision_count() -> None:
    """getNewReplicaSet: a ReplicaSet that already holds the name ``<deployment>-<hash>`` but not the template is a
    collision: status.collisionCount goes up and the next sync creates the ReplicaSet under a new hash."""
    template = _template({"app": "web"})
    taken = f"web-{dc.compute_hash(PodTemplateSpec.from_dict(template), None)}"
    squatter = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": taken, "namespace": "default"},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "other"}},
                         "template": _template({"app": "other"})}}
    state = start(squatter, _deployment_doc(replicas=1), pick=controllers_first)
    d = _web(state)
    assert d.status.collision_count == 1 and _complete(d)
    new = [rs for rs in _replica_sets(state) if rs.name != taken]
    assert [rs.name for rs in new] == [f"web-{dc.compute_hash(d.spec.template, 1)}"]
