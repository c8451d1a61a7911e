"""Scenario tests for model.apiserver.server: requests against the bundled example cluster and the exact
responses kube-apiserver gives.

Sources of the expected texts (kubernetes/kubernetes):
- staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go: NewForbidden, NewConflict, NewNotFound,
  NewAlreadyExists, NewInvalid (``<Kind[.group]> "<name>" is invalid: <field>: <detail>``);
- staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go: forbiddenMessage (RBAC);
- staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go: Update (OptimisticLockErrorMsg),
  Delete, updateForGracefulDeletionAndFinalizers, markAsDeleting, ShouldDeleteDuringUpdate;
- staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go: BeforeDelete (grace periods, preconditions);
- staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go: ValidateNoNewFinalizers;
- pkg/registry/core/pod/strategy.go (CheckGracefulDelete), pkg/registry/core/pod/storage/storage.go (binding,
  and its test TestEtcdCreateWithSchedulingGates), pkg/registry/core/namespace/storage/storage.go (Delete);
- pkg/apis/core/validation/validation.go: ValidatePodUpdate, validateOnlyAddedTolerations,
  validateOnlyDeletedSchedulingGates;
- staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go (CheckRequest) and
  pkg/quota/v1/evaluator/core/pods.go (Constraints);
- staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go;
- plugin/pkg/admission/priority/admission.go, plugin/pkg/admission/defaulttolerationseconds/admission.go,
  plugin/pkg/admission/noderestriction/admission.go.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from model import manifests
from model.apiserver import requests as rq
from model.apiserver.server import NAME_ALPHABET, handle
from model.auth.identity import ADMIN, SCHEDULER, kubelet_identity, user
from model.config import ModelConfig
from model.examples import DIRECTORY as EXAMPLES
from model.manifests import from_dict
from model.quantity import parse_quantity
from model.state import ClusterState, build, submit
from model.store import ADDED, DELETED, MODIFIED

ALICE = user("alice")  # bound in dev (workload-editor, quota-admin)
BOB = user("bob")  # bound in test
ONCALL = user("carol", "oncall")  # read-only on pods in prod
MALLORY = user("mallory")  # bound nowhere
CLUSTER = manifests.load([EXAMPLES / "cluster.yaml"])


def cluster(*extra: dict[str, Any]) -> ClusterState:
    """The example cluster (store only: bootstrap RBAC, nodes, namespaces, quotas, LimitRanges, RBAC)."""
    return build([*CLUSTER, *(from_dict(doc) for doc in extra)])


def pod_doc(name: str | None = "p", namespace: str = "dev", containers: list | None = None, **spec: Any) -> dict:
    metadata: dict[str, Any] = {"namespace": namespace}
    if name is not None:
        metadata["name"] = name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": containers or [{"name": "c", "image": "nginx"}], **spec}}


def pod(name: str | None = "p", namespace: str = "dev", **spec: Any) -> Any:
    return from_dict(pod_doc(name, namespace, **spec))


def resources(cpu: str, memory: str = "64Mi") -> list[dict]:
    return [{"name": "c", "image": "nginx",
             "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}}}]


def send(state: ClusterState, request: Any) -> tuple[ClusterState, rq.Response]:
    after, response, _ = submit(state, request)
    return after, response


def ok(state: ClusterState, request: Any) -> tuple[ClusterState, Any]:
    after, response = send(state, request)
    assert response.ok, str(response)
    return after, response.object


def used(state: ClusterState, namespace: str, name: str = "compute") -> dict[str, str]:
    return {k: str(v) for k, v in state.store.get("ResourceQuota", namespace, name).status.used.items()}


def stored(state: ClusterState, kind: str, namespace: str | None, name: str) -> Any:
    return state.store.get(kind, namespace, name)


def bound(state: ClusterState, name: str = "p", namespace: str = "dev", node: str = "worker-1",
          **spec: Any) -> ClusterState:
    """``state`` with pod ``name`` created (by alice in dev, else by the admin) and bound by the scheduler."""
    creator = ALICE if namespace == "dev" else ADMIN
    state, _ = ok(state, rq.Create(creator, pod(name, namespace, **spec)))
    state, _ = ok(state, rq.Bind(SCHEDULER, namespace, name, node))
    return state


def with_labels(obj: Any, **labels: str) -> Any:
    return attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, labels={**obj.metadata.labels, **labels}))


def with_spec(obj: Any, **changes: Any) -> Any:
    return attrs.evolve(obj, spec=attrs.evolve(obj.spec, **changes))


@pytest.fixture(scope="module")
def base() -> ClusterState:
    return cluster()


# --- ResourceQuota and LimitRanger ---------------------------------------------------------------------------


def test_a_pod_over_quota_is_forbidden_naming_the_quota_and_resource(base: ClusterState) -> None:
    state, _ = ok(base, rq.Create(BOB, pod("first", "test", containers=resources("8"))))
    assert used(state, "test")["requests.cpu"] == "8"
    after, response = send(state, rq.Create(BOB, pod("second", "test", containers=resources("3"))))
    assert (response.code, response.reason) == (403, "Forbidden")
    assert response.message == ('pods "second" is forbidden: exceeded quota: compute, requested: requests.cpu=3, '
                                "used: requests.cpu=8, limited: requests.cpu=10")
    assert after is state
    assert stored(after, "Pod", "test", "second") is None


def test_several_exceeded_resources_are_listed_sorted(base: ClusterState) -> None:
    _, response = send(base, rq.Create(BOB, pod("big", "test", containers=resources("11", "9Gi"))))
    assert response.message == ('pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=11,'
                                "requests.memory=9Gi, used: requests.cpu=0,requests.memory=0, "
                                "limited: requests.cpu=10,requests.memory=8Gi")


def test_a_pod_without_a_request_a_quota_tracks_must_specify_it() -> None:
    """No LimitRange in ``lab``: nothing defaults the requests the quota needs."""
    state = cluster({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"}},
                    {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute", "namespace": "lab"},
                     "spec": {"hard": {"requests.cpu": "1", "requests.memory": "1Gi"}}})
    containers = [{"name": "web", "image": "nginx"},
                  {"name": "log", "image": "busybox", "resources": {"requests": {"cpu": "100m"}}}]
    after, response = send(state, rq.Create(ADMIN, pod("p", "lab", containers=containers)))
    assert (response.code, response.reason) == (403, "Forbidden")
    assert response.message == ('pods "p" is forbidden: failed quota: compute: must specify requests.cpu for: web; '
                                "requests.memory for: log,web")
    assert after is state


def test_limitrange_defaults_are_applied_before_the_quota_charge(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod()))
    container = created.spec.containers[0]
    assert {k: str(v) for k, v in container.resources.requests.items()} == {"cpu": "100m", "memory": "128Mi"}
    assert {k: str(v) for k, v in container.resources.limits.items()} == {"cpu": "500m", "memory": "512Mi"}
    assert created.metadata.annotations["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c")
    assert used(state, "dev") == {"requests.cpu": "100m", "requests.memory": "128Mi", "limits.cpu": "500m",
                                  "pods": "1"}
    # With defaults the pod is Burstable, so the BestEffort-scoped quota does not count it.
    assert used(state, "dev", "best-effort") == {"pods": "0"}


def test_the_quota_charge_is_written_before_the_object(base: ClusterState) -> None:
    _, response, events = submit(base, rq.Create(ALICE, pod()))
    assert [(e.type, e.key) for e in events] == [(MODIFIED, ("ResourceQuota", "dev", "compute")),
                                                 (ADDED, ("Pod", "dev", "p"))]
    assert [e.revision for e in events] == [base.store.revision + 1, base.store.revision + 2]
    assert response.object.metadata.resource_version == str(base.store.revision + 2)


def test_already_exists_leaves_the_quota_charge_behind(base: ClusterState) -> None:
    """Upstream charges the quota before storage; a create that then fails keeps the charge until the
    ResourceQuota controller recalculates usage (the model's server.py documents this)."""
    state, _ = ok(base, rq.Create(ALICE, pod()))
    after, response, events = submit(state, rq.Create(ALICE, pod()))
    assert (response.code, response.reason, response.message) == (409, "AlreadyExists", 'pods "p" already exists')
    assert [(e.type, e.key) for e in events] == [(MODIFIED, ("ResourceQuota", "dev", "compute"))]
    assert used(after, "dev") == {"requests.cpu": "200m", "requests.memory": "256Mi", "limits.cpu": "1",
                                  "pods": "2"}
    assert len(after.store.list("Pod", "dev")) == 1


# --- optimistic concurrency --------------------------------------------------------------------------------


def test_an_update_with_a_stale_resource_version_is_a_conflict(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod()))
    state, updated = ok(state, rq.Update(ALICE, with_labels(created, tier="web")))
    assert int(updated.metadata.resource_version) > int(created.metadata.resource_version)
    after, response = send(state, rq.Update(ALICE, with_labels(created, tier="db")))
    assert (response.code, response.reason) == (409, "Conflict")
    assert response.message == ('Operation cannot be fulfilled on pods "p": the object has been modified; please '
                                "apply your changes to the latest version and try again")
    assert after is state


def test_an_update_without_a_resource_version_is_unconditional(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod()))
    state, _ = ok(state, rq.Update(ALICE, with_labels(created, tier="web")))
    unconditional = attrs.evolve(created, metadata=attrs.evolve(created.metadata, resource_version=None))
    state, updated = ok(state, rq.Update(ALICE, with_labels(unconditional, tier="db")))
    assert updated.metadata.labels["tier"] == "db"


def test_an_update_with_another_uid_fails_its_precondition(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod()))
    impostor = attrs.evolve(created, metadata=attrs.evolve(created.metadata, uid="uid-999999"))
    _, response = send(state, rq.Update(ALICE, impostor))
    assert response.message == (f'Operation cannot be fulfilled on pods "p": Precondition failed: UID in '
                                f"precondition: uid-999999, UID in object meta: {created.metadata.uid}")


def test_updating_a_missing_object_is_not_found(base: ClusterState) -> None:
    _, response = send(base, rq.Update(ALICE, pod("ghost")))
    assert (response.code, response.reason, response.message) == (404, "NotFound", 'pods "ghost" not found')


def test_an_update_keeps_what_the_client_cannot_change(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod()))
    tampered = attrs.evolve(created, metadata=attrs.evolve(created.metadata, creation_timestamp=99),
                            status=attrs.evolve(created.status, phase="Running"))
    _, updated = ok(state, rq.Update(ALICE, tampered))
    assert updated.metadata.creation_timestamp == created.metadata.creation_timestamp
    assert updated.status == created.status


# --- authorization ---------------------------------------------------------------------------------------------


def test_a_user_bound_only_in_dev_is_forbidden_in_prod(base: ClusterState) -> None:
    state, _ = ok(base, rq.Create(ALICE, pod()))
    after, response = send(state, rq.Create(ALICE, pod("p", "prod")))
    assert (response.code, response.reason) == (403, "Forbidden")
    assert response.message == ('pods is forbidden: User "alice" cannot create resource "pods" in API group "" in '
                                'the namespace "prod"')
    assert after is state
    _, response = send(state, rq.Get(ALICE, "Pod", "prod", "p"))
    assert response.message == ('pods "p" is forbidden: User "alice" cannot get resource "pods" in API group "" in '
                                'the namespace "prod"')
    _, response = send(state, rq.Get(ALICE, "Pod", "dev", "p"))
    assert response.ok and response.object.name == "p"


def test_a_read_only_group_can_read_but_not_delete(base: ClusterState) -> None:
    state = bound(base, "p", "prod", containers=resources("1"))
    _, response = send(state, rq.List(ONCALL, "Pod", "prod"))
    assert response.ok and [p.name for p in response.object] == ["p"]
    after, response = send(state, rq.Delete(ONCALL, "Pod", "prod", "p"))
    assert response.message == ('pods "p" is forbidden: User "carol" cannot delete resource "pods" in API group "" '
                                'in the namespace "prod"')
    assert after is state


def test_an_unbound_user_gets_nothing(base: ClusterState) -> None:
    state, _ = ok(base, rq.Create(ALICE, pod()))
    requests_and_messages = [
        (rq.List(MALLORY, "Pod", "dev"),
         'pods is forbidden: User "mallory" cannot list resource "pods" in API group "" in the namespace "dev"'),
        (rq.Get(MALLORY, "Pod", "dev", "p"),
         'pods "p" is forbidden: User "mallory" cannot get resource "pods" in API group "" in the namespace "dev"'),
        (rq.Create(MALLORY, pod("q")),
         'pods is forbidden: User "mallory" cannot create resource "pods" in API group "" in the namespace "dev"'),
        (rq.Delete(MALLORY, "Pod", "dev", "p"),
         'pods "p" is forbidden: User "mallory" cannot delete resource "pods" in API group "" in the namespace "dev"'),
        (rq.List(MALLORY, "Node"),
         'nodes is forbidden: User "mallory" cannot list resource "nodes" in API group "" at the cluster scope'),
        (rq.Delete(MALLORY, "Deployment", "dev", "web"),
         'deployments.apps "web" is forbidden: User "mallory" cannot delete resource "deployments" in API group '
         '"apps" in the namespace "dev"'),
    ]
    for request, message in requests_and_messages:
        after, response = send(state, request)
        assert (response.code, response.reason, response.message) == (403, "Forbidden", message)
        assert after is state


def test_authorization_comes_before_existence(base: ClusterState) -> None:
    """An unauthorized client cannot learn whether an object exists: Forbidden, not NotFound."""
    _, response = send(base, rq.Get(MALLORY, "Pod", "dev", "ghost"))
    assert response.code == 403
    _, response = send(base, rq.Get(ALICE, "Pod", "dev", "ghost"))
    assert (response.code, response.message) == (404, 'pods "ghost" not found')


# --- finalizers and deletion ------------------------------------------------------------------------------


def deployment(name: str = "web", finalizers: tuple[str, ...] = ()) -> Any:
    return from_dict({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "dev", "finalizers": list(finalizers)},
        "spec": {"selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})


def test_deleting_an_object_with_a_finalizer_leaves_it_terminating_until_the_finalizer_goes(
        base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, deployment(finalizers=("example.com/hold",))))
    assert created.metadata.generation == 1
    state = attrs.evolve(state, time=7)
    state, terminating = ok(state, rq.Delete(ALICE, "Deployment", "dev", "web"))
    assert terminating.metadata.deletion_timestamp == 7
    assert terminating.metadata.deletion_grace_period_seconds == 0
    assert terminating.metadata.generation == 2
    assert stored(state, "Deployment", "dev", "web") == terminating
    # Deleting again changes nothing and writes nothing.
    again, response, events = submit(state, rq.Delete(ALICE, "Deployment", "dev", "web"))
    assert response.ok and events == () and again is state
    # A new finalizer cannot be added any more.
    _, response = send(state, rq.Update(ALICE, attrs.evolve(terminating, metadata=attrs.evolve(
        terminating.metadata, finalizers=("example.com/hold", "example.com/more")))))
    assert (response.code, response.reason) == (422, "Invalid")
    assert response.message == ('Deployment.apps "web" is invalid: metadata.finalizers: Forbidden: no new '
                                'finalizers can be added if the object is being deleted, found new finalizers '
                                '["example.com/more"]')
    # Removing the last finalizer removes the object.
    released = attrs.evolve(terminating, metadata=attrs.evolve(terminating.metadata, finalizers=()))
    after, response, events = submit(state, rq.Update(ALICE, released))
    assert response.ok
    assert [(e.type, e.key) for e in events] == [(DELETED, ("Deployment", "dev", "web"))]
    assert stored(after, "Deployment", "dev", "web") is None


def test_an_object_without_finalizers_is_deleted_at_once(base: ClusterState) -> None:
    state, _ = ok(base, rq.Create(ALICE, deployment()))
    after, response, events = submit(state, rq.Delete(ALICE, "Deployment", "dev", "web"))
    assert response.ok and response.object.name == "web"
    assert [e.type for e in events] == [DELETED]
    assert stored(after, "Deployment", "dev", "web") is None
    _, response = send(after, rq.Delete(ALICE, "Deployment", "dev", "web"))
    assert (response.code, response.message) == (404, 'deployments.apps "web" not found')


def test_propagation_policies_set_the_garbage_collector_finalizers(base: ClusterState) -> None:
    state, _ = ok(base, rq.Create(ALICE, deployment()))
    foreground, terminating = ok(state, rq.Delete(ALICE, "Deployment", "dev", "web",
                                                  propagation_policy=rq.FOREGROUND))
    assert terminating.metadata.finalizers == ("foregroundDeletion",)
    _, orphaning = ok(state, rq.Delete(ALICE, "Deployment", "dev", "web", propagation_policy=rq.ORPHAN))
    assert orphaning.metadata.finalizers == ("orphan",)
    # Once deletion has started, a new policy replaces the GC finalizer (the object is not pending graceful).
    _, switched = ok(foreground, rq.Delete(ALICE, "Deployment", "dev", "web", propagation_policy=rq.ORPHAN))
    assert switched.metadata.finalizers == ("orphan",)
    # Background drops the GC finalizer; with none left the object goes at once.
    after, response, events = submit(foreground, rq.Delete(ALICE, "Deployment", "dev", "web",
                                                           propagation_policy=rq.BACKGROUND))
    assert response.ok and [e.type for e in events] == [DELETED]
    assert stored(after, "Deployment", "dev", "web") is None


def test_delete_preconditions_fail_with_upstream_text(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, deployment()))
    _, response = send(state, rq.Delete(ALICE, "Deployment", "dev", "web", precondition_uid="uid-000000"))
    assert (response.code, response.message) == (409, (
        f'Operation cannot be fulfilled on Deployment.apps "web": the UID in the precondition (uid-000000) does not '
        f"match the UID in record ({created.metadata.uid}). The object might have been deleted and then recreated"))
    _, response = send(state, rq.Delete(ALICE, "Deployment", "dev", "web", precondition_resource_version="1"))
    assert response.message == (
        f'Operation cannot be fulfilled on Deployment.apps "web": the ResourceVersion in the precondition (1) does '
        f"not match the ResourceVersion in record ({created.metadata.resource_version}). The object might have "
        "been modified")
    after, _ = ok(state, rq.Delete(ALICE, "Deployment", "dev", "web",
                                   precondition_resource_version=created.metadata.resource_version))
    assert stored(after, "Deployment", "dev", "web") is None


# --- namespaces ---------------------------------------------------------------------------------------------


def test_no_create_succeeds_in_a_terminating_namespace(base: ClusterState) -> None:
    state, terminating = ok(attrs.evolve(base, time=3), rq.Delete(ADMIN, "Namespace", None, "test"))
    assert terminating.status.phase == "Terminating"
    assert terminating.metadata.deletion_timestamp == 3
    assert stored(state, "Namespace", None, "test") is not None
    for who in (BOB, ADMIN):
        after, response = send(state, rq.Create(who, pod("p", "test")))
        assert (response.code, response.reason) == (403, "Forbidden")
        assert response.message == ('pods "p" is forbidden: unable to create new content in namespace test because '
                                    "it is being terminated")
        assert after is state
    # Mutating admission sees the name the client sent: none yet for generateName.
    _, response = send(state, rq.Create(BOB, from_dict({**pod_doc(None, "test"), "metadata": {
        "generateName": "p-", "namespace": "test"}})))
    assert response.message == ("pods is forbidden: unable to create new content in namespace test because it is "
                                "being terminated")
    # Updates of existing content are still allowed (only creates are refused).
    _, response = send(state, rq.Update(ADMIN, with_labels(stored(state, "ResourceQuota", "test", "compute"), a="b")))
    assert response.ok


def test_a_create_in_a_missing_namespace_is_not_found(base: ClusterState) -> None:
    after, response = send(base, rq.Create(ADMIN, pod("p", "nowhere")))
    assert (response.code, response.reason, response.message) == (404, "NotFound", 'namespaces "nowhere" not found')
    assert after is base


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_immortal_namespaces_cannot_be_deleted(base: ClusterState, name: str) -> None:
    after, response = send(base, rq.Delete(ADMIN, "Namespace", None, name))
    assert (response.code, response.reason) == (403, "Forbidden")
    assert response.message == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    assert after is base


def test_kube_node_lease_is_not_immortal(base: ClusterState) -> None:
    _, terminating = ok(base, rq.Delete(ADMIN, "Namespace", None, "kube-node-lease"))
    assert terminating.status.phase == "Terminating"


def test_a_namespace_created_through_the_api_waits_for_its_finalizer(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ADMIN, from_dict({"apiVersion": "v1", "kind": "Namespace",
                                                            "metadata": {"name": "lab"}})))
    assert created.spec.finalizers == ("kubernetes",)
    assert created.status.phase == "Active"
    state, terminating = ok(state, rq.Delete(ADMIN, "Namespace", None, "lab"))
    assert terminating.status.phase == "Terminating"
    # Until the namespace controller removes its finalizer, further deletes change nothing.
    after, response, events = submit(state, rq.Delete(ADMIN, "Namespace", None, "lab"))
    assert response.ok and events == () and after is state


def test_a_terminating_namespace_without_finalizers_goes_on_the_next_delete(base: ClusterState) -> None:
    """With its ``kubernetes`` finalizer removed through the finalize subresource, the first delete only marks the
    namespace (upstream never removes a namespace on the first delete), the second removes it."""
    ns = stored(base, "Namespace", None, "test")
    assert ns.spec.finalizers == ("kubernetes",)
    state, _ = ok(base, rq.Finalize(ADMIN, attrs.evolve(ns, spec=attrs.evolve(ns.spec, finalizers=()))))
    state, _ = ok(state, rq.Delete(ADMIN, "Namespace", None, "test"))
    after, response, events = submit(state, rq.Delete(ADMIN, "Namespace", None, "test"))
    assert response.ok and [e.type for e in events] == [DELETED]
    assert stored(after, "Namespace", None, "test") is None


def test_namespace_delete_preconditions(base: ClusterState) -> None:
    namespace = stored(base, "Namespace", None, "test")
    _, response = send(base, rq.Delete(ADMIN, "Namespace", None, "test", precondition_uid="uid-x"))
    assert response.message == ('Operation cannot be fulfilled on namespaces "test": Precondition failed: UID in '
                                f"precondition: uid-x, UID in object meta: {namespace.metadata.uid}")
    _, response = send(base, rq.Delete(ADMIN, "Namespace", None, "test", precondition_resource_version="1"))
    assert response.message == ('Operation cannot be fulfilled on namespaces "test": Precondition failed: '
                                "ResourceVersion in precondition: 1, ResourceVersion in object meta: "
                                f"{namespace.metadata.resource_version}")


# --- pod graceful deletion ------------------------------------------------------------------------------------


def test_a_bound_pod_stays_terminating_for_its_grace_period_until_a_grace_zero_delete(base: ClusterState) -> None:
    state = attrs.evolve(bound(base), time=10)
    generation = stored(state, "Pod", "dev", "p").metadata.generation
    state, terminating = ok(state, rq.Delete(ALICE, "Pod", "dev", "p"))
    assert terminating.metadata.deletion_grace_period_seconds == 30
    assert terminating.metadata.deletion_timestamp == 40
    assert terminating.metadata.generation == generation + 1
    # While graceful deletion is pending, a delete without a shorter grace period changes nothing.
    for request in (rq.Delete(ALICE, "Pod", "dev", "p"), rq.Delete(ALICE, "Pod", "dev", "p", grace_period_seconds=30),
                    rq.Delete(ALICE, "Pod", "dev", "p", propagation_policy=rq.ORPHAN)):
        after, response, events = submit(state, request)
        assert response.ok and events == () and after is state
    # The kubelet's final delete removes it.
    after, response, events = submit(state, rq.Delete(kubelet_identity("worker-1"), "Pod", "dev", "p",
                                                      grace_period_seconds=0))
    assert response.ok and [e.type for e in events] == [DELETED]
    assert stored(after, "Pod", "dev", "p") is None


def test_a_shorter_grace_period_moves_the_deletion_time_from_the_original_request(base: ClusterState) -> None:
    state = bound(base)
    state, _ = ok(state, rq.Delete(ALICE, "Pod", "dev", "p"))  # at time 0: due at 30
    state, shortened = ok(attrs.evolve(state, time=10), rq.Delete(ALICE, "Pod", "dev", "p", grace_period_seconds=5))
    assert shortened.metadata.deletion_grace_period_seconds == 5
    assert shortened.metadata.deletion_timestamp == 5  # 30 - 30 + 5, not now + 5


def test_a_negative_grace_period_means_one_second(base: ClusterState) -> None:
    _, terminating = ok(bound(base), rq.Delete(ALICE, "Pod", "dev", "p", grace_period_seconds=-5))
    assert terminating.metadata.deletion_grace_period_seconds == 1


def test_an_unbound_pod_is_deleted_at_once(base: ClusterState) -> None:
    state, _ = ok(base, rq.Create(ALICE, pod()))
    after, response, events = submit(state, rq.Delete(ALICE, "Pod", "dev", "p"))
    assert response.ok and [e.type for e in events] == [DELETED]
    assert stored(after, "Pod", "dev", "p") is None


def test_a_terminated_pod_is_deleted_at_once(base: ClusterState) -> None:
    state = bound(base)
    current = stored(state, "Pod", "dev", "p")
    state, _ = ok(state, rq.UpdateStatus(kubelet_identity("worker-1"),
                                         attrs.evolve(current, status=attrs.evolve(current.status, phase="Succeeded"))))
    after, _ = ok(state, rq.Delete(ALICE, "Pod", "dev", "p"))
    assert stored(after, "Pod", "dev", "p") is None


def test_a_terminating_pod_with_a_finalizer_waits_for_it_after_the_final_delete(base: ClusterState) -> None:
    state = bound(base)
    current = stored(state, "Pod", "dev", "p")
    state, current = ok(state, rq.Update(ALICE, attrs.evolve(current, metadata=attrs.evolve(
        current.metadata, finalizers=("example.com/hold",)))))
    state, _ = ok(state, rq.Delete(ALICE, "Pod", "dev", "p"))
    state, final = ok(state, rq.Delete(kubelet_identity("worker-1"), "Pod", "dev", "p", grace_period_seconds=0))
    assert final.metadata.deletion_grace_period_seconds == 0
    assert final.metadata.deletion_timestamp == 0
    released = attrs.evolve(final, metadata=attrs.evolve(final.metadata, finalizers=()))
    after, _ = ok(state, rq.Update(ALICE, released))
    assert stored(after, "Pod", "dev", "p") is None


# --- binding ---------------------------------------------------------------------------------------------------


def test_bind_sets_the_node_and_pod_scheduled(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod()))
    assert created.status.conditions == ()
    state = attrs.evolve(state, time=4)
    state, response = send(state, rq.Bind(SCHEDULER, "dev", "p", "worker-2", uid=created.metadata.uid))
    assert (response.code, response.reason) == (201, "Created")
    bound_pod = stored(state, "Pod", "dev", "p")
    assert bound_pod.spec.node_name == "worker-2"
    assert [(c.type, c.status, c.last_transition_time) for c in bound_pod.status.conditions] == [
        ("PodScheduled", "True", 4)]


def test_bind_refuses_an_already_bound_pod(base: ClusterState) -> None:
    state = bound(base)
    after, response = send(state, rq.Bind(SCHEDULER, "dev", "p", "worker-2"))
    assert (response.code, response.reason) == (409, "Conflict")
    assert response.message == ('Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to '
                                'node "worker-1"')
    assert after is state


def test_bind_refuses_a_gated_pod_and_a_terminating_one(base: ClusterState) -> None:
    state, _ = ok(base, rq.Create(ALICE, pod("gated", schedulingGates=[{"name": "example.com/wait"}])))
    _, response = send(state, rq.Bind(SCHEDULER, "dev", "gated", "worker-1"))
    assert response.message == ('Operation cannot be fulfilled on pods/binding "gated": pod gated has non-empty '
                                ".spec.schedulingGates")
    held = from_dict({**pod_doc("held"), "metadata": {"name": "held", "namespace": "dev",
                                                      "finalizers": ["example.com/hold"]}})
    state, _ = ok(state, rq.Create(ALICE, held))
    state, _ = ok(state, rq.Delete(ALICE, "Pod", "dev", "held"))
    _, response = send(state, rq.Bind(SCHEDULER, "dev", "held", "worker-1"))
    assert response.message == ('Operation cannot be fulfilled on pods/binding "held": pod held is being deleted, '
                                "cannot be assigned to a host")


def test_bind_preconditions_and_missing_pods(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod()))
    _, response = send(state, rq.Bind(SCHEDULER, "dev", "p", "worker-1", uid="uid-x"))
    assert response.message == ('Operation cannot be fulfilled on pods "p": Precondition failed: UID in '
                                f"precondition: uid-x, UID in object meta: {created.metadata.uid}")
    _, response = send(state, rq.Bind(SCHEDULER, "dev", "ghost", "worker-1"))
    assert (response.code, response.message) == (404, 'pods "ghost" not found')


def test_a_user_without_pods_binding_cannot_bind(base: ClusterState) -> None:
    state, _ = ok(base, rq.Create(ALICE, pod()))
    after, response = send(state, rq.Bind(ALICE, "dev", "p", "worker-1"))
    assert (response.code, response.reason) == (403, "Forbidden")
    assert response.message == ('pods "p" is forbidden: User "alice" cannot create resource "pods/binding" in API '
                                'group "" in the namespace "dev"')
    assert after is state


# --- generateName ----------------------------------------------------------------------------------------------


def test_generate_name_produces_a_fresh_name(base: ClusterState) -> None:
    doc = {**pod_doc(None), "metadata": {"generateName": "web-", "namespace": "dev"}}
    state, first = ok(base, rq.Create(ALICE, from_dict(doc)))
    state, second = ok(state, rq.Create(ALICE, from_dict(doc)))
    for created in (first, second):
        assert created.name.startswith("web-") and len(created.name) == len("web-") + 5
        assert set(created.name[4:]) <= set(NAME_ALPHABET)
        assert created.metadata.generate_name == "web-"
        assert stored(state, "Pod", "dev", created.name) is not None
    assert first.name != second.name
    # Deterministic: the same state gives the same name.
    assert ok(base, rq.Create(ALICE, from_dict(doc)))[1].name == first.name


def test_generated_names_appear_in_validating_admission_messages(base: ClusterState) -> None:
    doc = {**pod_doc(None, "test", containers=resources("11")), "metadata": {"generateName": "job-",
                                                                             "namespace": "test"}}
    _, response = send(base, rq.Create(BOB, from_dict(doc)))
    assert response.message.startswith('pods "job-')
    assert "is forbidden: exceeded quota: compute" in response.message


# --- Priority and DefaultTolerationSeconds -------------------------------------------------------------------


@pytest.mark.parametrize("class_name, priority, policy", [
    ("production-high", 100000, "PreemptLowerPriority"),
    ("batch-low", 100, "Never"),
    (None, 0, "PreemptLowerPriority"),
])
def test_priority_admission_resolves_the_priority_class(base: ClusterState, class_name: str | None, priority: int,
                                                         policy: str) -> None:
    spec = {"priorityClassName": class_name} if class_name else {}
    _, created = ok(base, rq.Create(ALICE, pod(**spec)))
    assert (created.spec.priority, created.spec.preemption_policy) == (priority, policy)


def test_an_unknown_priority_class_is_forbidden(base: ClusterState) -> None:
    after, response = send(base, rq.Create(ALICE, pod(priorityClassName="urgent")))
    assert (response.code, response.message) == (403, 'pods "p" is forbidden: no PriorityClass with name urgent was '
                                                       "found")
    assert after is base


def test_a_priority_other_than_the_class_value_is_forbidden(base: ClusterState) -> None:
    _, response = send(base, rq.Create(ALICE, pod(priorityClassName="batch-low", priority=7)))
    assert response.message == ('pods "p" is forbidden: the integer value of priority (7) must not be provided in pod '
                                "spec; priority admission controller computed 100 from the given PriorityClass name")


def test_a_global_default_priority_class_applies_to_pods_without_one() -> None:
    state = cluster({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "normal"},
                     "value": 1000, "globalDefault": True})
    _, created = ok(state, rq.Create(ALICE, pod()))
    assert (created.spec.priority_class_name, created.spec.priority) == ("normal", 1000)


def test_default_toleration_seconds_adds_the_two_300s_tolerations(base: ClusterState) -> None:
    _, created = ok(base, rq.Create(ALICE, pod()))
    assert [(t.key, t.operator, t.value, t.effect, t.toleration_seconds) for t in created.spec.tolerations] == [
        ("node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 300),
        ("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 300),
    ]


def test_default_toleration_seconds_keeps_a_pods_own_toleration(base: ClusterState) -> None:
    own = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}
    _, created = ok(base, rq.Create(ALICE, pod(tolerations=[own])))
    assert [(t.key, t.toleration_seconds) for t in created.spec.tolerations] == [
        ("node.kubernetes.io/not-ready", 5), ("node.kubernetes.io/unreachable", 300)]
    _, tolerates_all = ok(base, rq.Create(ALICE, pod(tolerations=[{"operator": "Exists"}])))
    assert len(tolerates_all.spec.tolerations) == 1


def test_default_toleration_seconds_follows_the_configuration(base: ClusterState) -> None:
    outcome = handle(base.store, rq.Create(ALICE, pod()), 0, ModelConfig(default_toleration_seconds=60))
    assert {t.toleration_seconds for t in outcome.response.object.spec.tolerations} == {60}


# --- pod updates --------------------------------------------------------------------------------------------------


POD_SPEC_FORBIDDEN = (
    'Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,'
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
    "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")


def test_pod_spec_is_immutable_except_for_upstreams_fields(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod(activeDeadlineSeconds=100,
                                                   schedulingGates=[{"name": "a"}, {"name": "b"}])))
    spec = created.spec
    allowed = [
        with_spec(created, containers=(attrs.evolve(spec.containers[0], image="nginx:2"),)),
        with_spec(created, active_deadline_seconds=50),
        with_spec(created, tolerations=spec.tolerations + (attrs.evolve(spec.tolerations[0], key="x"),)),
        with_spec(created, tolerations=(attrs.evolve(spec.tolerations[0], toleration_seconds=9),
                                        spec.tolerations[1])),
        with_spec(created, scheduling_gates=spec.scheduling_gates[1:]),
        with_labels(created, any="label"),
    ]
    for update in allowed:
        _, response = send(state, rq.Update(ALICE, update))
        assert response.ok, str(response)
    refused = [
        (with_spec(created, restart_policy="Never"), POD_SPEC_FORBIDDEN),
        (with_spec(created, node_selector={"disktype": "ssd"}), POD_SPEC_FORBIDDEN),
        (with_spec(created, termination_grace_period_seconds=5), POD_SPEC_FORBIDDEN),
        (with_spec(created, active_deadline_seconds=200),
         'Pod "p" is invalid: spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous '
         "value"),
        (with_spec(created, active_deadline_seconds=None),
         'Pod "p" is invalid: spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive '
         "integer to nil value"),
        (with_spec(created, tolerations=spec.tolerations[1:]),
         'Pod "p" is invalid: spec.tolerations: Forbidden: existing toleration can not be modified except its '
         "tolerationSeconds"),
        (with_spec(created, scheduling_gates=spec.scheduling_gates + ({"name": "c"},)),
         'Pod "p" is invalid: spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new '
         "scheduling gate 'c'"),
        (with_spec(created, containers=spec.containers + (attrs.evolve(spec.containers[0], name="d"),)),
         'Pod "p" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers'),
        (with_spec(created, containers=(attrs.evolve(spec.containers[0], image=""),)),
         'Pod "p" is invalid: spec.containers[0].image: Required value'),
    ]
    for update, message in refused:
        after, response = send(state, rq.Update(ALICE, update))
        assert (response.code, response.reason, response.message) == (422, "Invalid", message)
        assert after is state


def test_a_gated_pod_is_scheduled_once_its_gates_are_removed(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, pod(schedulingGates=[{"name": "example.com/wait"}])))
    state, _ = ok(state, rq.Update(ALICE, with_spec(created, scheduling_gates=())))
    state, _ = ok(state, rq.Bind(SCHEDULER, "dev", "p", "worker-1"))
    assert stored(state, "Pod", "dev", "p").spec.node_name == "worker-1"


def test_an_update_is_validated_like_a_create(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, deployment()))
    mismatched = with_spec(created, selector=attrs.evolve(created.spec.selector, match_labels={"app": "other"}))
    after, response = send(state, rq.Update(ALICE, mismatched))
    assert (response.code, response.reason, response.field) == (422, "Invalid", "spec.template.metadata.labels")
    assert response.message.startswith('Deployment.apps "web" is invalid: spec.template.metadata.labels: ')
    assert after is state


def test_a_workload_selector_is_immutable(base: ClusterState) -> None:
    state, created = ok(base, rq.Create(ALICE, deployment()))
    template = created.spec.template
    changed = with_spec(created, selector=attrs.evolve(created.spec.selector, match_labels={"app": "other"}),
                        template=attrs.evolve(template, metadata=attrs.evolve(template.metadata,
                                                                              labels={"app": "other"})))
    _, response = send(state, rq.Update(ALICE, changed))
    assert response.code == 422
    assert response.message.startswith('Deployment.apps "web" is invalid: spec.selector: Invalid value: ')
    assert response.message.endswith(": field is immutable")


# --- kubelets -------------------------------------------------------------------------------------------------


def test_a_kubelet_may_update_the_status_only_of_pods_bound_to_its_node(base: ClusterState) -> None:
    state = bound(base)
    current = stored(state, "Pod", "dev", "p")
    running = attrs.evolve(current, status=attrs.evolve(current.status, phase="Running"))
    after, updated = ok(state, rq.UpdateStatus(kubelet_identity("worker-1"), running))
    assert updated.status.phase == "Running"
    for intruder in ("worker-2", "gpu-1"):
        other, response = send(state, rq.UpdateStatus(kubelet_identity(intruder), running))
        assert (response.code, response.reason) == (403, "Forbidden")
        assert response.message == (f'pods "p" is forbidden: node "{intruder}" can only update pod status for pods '
                                    "with spec.nodeName set to itself")
        assert other is state
    state, unbound = ok(state, rq.Create(ALICE, pod("q")))
    _, response = send(state, rq.UpdateStatus(kubelet_identity("worker-1"), unbound))
    assert response.message == ('pods "q" is forbidden: node "worker-1" can only update pod status for pods with '
                                "spec.nodeName set to itself")


def test_a_status_update_changes_only_the_status(base: ClusterState) -> None:
    state = bound(base)
    current = stored(state, "Pod", "dev", "p")
    request = attrs.evolve(with_labels(current, sneaky="yes"), status=attrs.evolve(current.status, phase="Running"))
    _, updated = ok(state, rq.UpdateStatus(kubelet_identity("worker-1"), request))
    assert "sneaky" not in updated.metadata.labels
    assert updated.status.phase == "Running"


def test_a_kubelet_may_delete_only_its_own_pods_and_update_only_its_own_node(base: ClusterState) -> None:
    state = bound(base)
    _, response = send(state, rq.Delete(kubelet_identity("worker-2"), "Pod", "dev", "p", grace_period_seconds=0))
    assert (response.code, response.message) == (403, 'pods "p" is forbidden: node "worker-2" can only delete pods '
                                                       "with spec.nodeName set to itself")
    node = stored(state, "Node", None, "worker-1")
    _, response = send(state, rq.UpdateStatus(kubelet_identity("worker-2"), node))
    assert (response.code, response.message) == (403, 'nodes "worker-1" is forbidden: node "worker-2" is not allowed '
                                                       'to modify node "worker-1"')
    _, updated = ok(state, rq.UpdateStatus(kubelet_identity("worker-1"), node))
    assert updated.name == "worker-1"


def test_a_kubelet_cannot_change_its_nodes_taints(base: ClusterState) -> None:
    node = stored(base, "Node", None, "cp-1")
    untainted = with_spec(node, taints=())
    _, response = send(base, rq.Update(kubelet_identity("cp-1"), untainted))
    assert (response.code, response.message) == (403, 'nodes "cp-1" is forbidden: node "cp-1" is not allowed to '
                                                       "modify taints")
    # A status update cannot carry a taint change at all: the stored spec is kept.
    _, updated = ok(base, rq.UpdateStatus(kubelet_identity("cp-1"), untainted))
    assert updated.spec.taints == node.spec.taints


def test_a_kubelet_cannot_create_ordinary_pods(base: ClusterState) -> None:
    _, response = send(base, rq.Create(kubelet_identity("worker-1"), pod(nodeName="worker-1")))
    assert (response.code, response.message) == (
        403, 'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "worker-1" can '
             "only create mirror pods")


# --- storage details -----------------------------------------------------------------------------------------


def test_create_assigns_uid_creation_time_generation_and_pending_phase(base: ClusterState) -> None:
    tampered = from_dict({**pod_doc(), "status": {"phase": "Running"}})
    state, created = ok(attrs.evolve(base, time=12), rq.Create(ALICE, tampered))
    assert created.metadata.uid == f"uid-{base.store.uids + 1:06d}"
    assert created.metadata.creation_timestamp == 12
    assert created.metadata.generation == 1
    assert created.status.phase == "Pending"
    assert stored(state, "Pod", "dev", "p") == created


def test_a_pod_created_bound_is_already_scheduled(base: ClusterState) -> None:
    _, created = ok(base, rq.Create(ALICE, pod(nodeName="worker-3")))
    assert [(c.type, c.status) for c in created.status.conditions] == [("PodScheduled", "True")]


def test_requests_never_change_the_state_they_are_given(base: ClusterState) -> None:
    before = base.store
    for request in (rq.Create(ALICE, pod()), rq.Delete(ADMIN, "Namespace", None, "dev"),
                    rq.Create(BOB, pod("x", "test", containers=resources("9")))):
        submit(base, request)
    assert base.store is before
    assert base.store.get("Pod", "dev", "p") is None
    assert parse_quantity("0") == base.store.get("ResourceQuota", "dev", "compute").status.used["pods"]
