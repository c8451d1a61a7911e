"""kube-apiserver as a pure function: one request in, the new store and the client's response out.

The order of checks is kube-apiserver's: authorization (Node authorizer, then RBAC), mutating
admission (NamespaceLifecycle, LimitRanger, Priority, DefaultTolerationSeconds), validation,
validating admission (LimitRanger, ResourceQuota), then storage with its preconditions.
ResourceQuota charges usage by updating the quota's status *before* the object is stored, as
upstream does, so a create that then fails in storage (AlreadyExists) leaves a charge that only the
ResourceQuota controller's recalculation repairs.

Sources: staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (Create, Update, Delete,
graceful deletion and finalizers), pkg/registry/core/pod/strategy.go and storage/storage.go (binding,
graceful deletion of pods), pkg/registry/core/namespace/strategy.go, the admission plugins cited in
``model.admission``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from model.admission import default_tolerations, limitranger, namespace_lifecycle, priority, resourcequota
from model.apiserver import requests as rq
from model.apiserver.validation import server_side_problem
from model.auth.identity import UserInfo
from model.auth.node import authorize
from model.auth.rbac import RequestAttributes
from model.config import ModelConfig
from model.errors import ManifestError
from model.manifests import from_dict
from model.objects import Namespace, Pod
from model.objects.pod import PodCondition
from model.store import Store, WatchEvent

FOREGROUND_FINALIZER = "foregroundDeletion"
ORPHAN_FINALIZER = "orphan"
NAMESPACE_FINALIZER = "kubernetes"
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""k8s.io/apimachinery/pkg/util/rand: the characters of generated name suffixes."""


@attrs.frozen
class Outcome:
    """The store after a request, what the client saw, and the watch events the request caused."""

    store: Store
    response: rq.Response
    events: tuple[WatchEvent, ...] = ()


def handle(store: Store, request: rq.Request, now: int, config: ModelConfig = ModelConfig()) -> Outcome:
    """Serve one request at logical time ``now``."""
    handler: Callable[..., Outcome] = _HANDLERS[type(request)]
    return handler(store, request, now, config)


def group_resource(obj_or_class: Any) -> tuple[str, str]:
    """(API group, resource) of an object, or of a modelled kind's class."""
    if isinstance(obj_or_class, type):
        return obj_or_class.API_VERSION.rpartition("/")[0], obj_or_class.RESOURCE
    return obj_or_class.api_group, obj_or_class.resource


def qualified(obj_or_class: Any) -> str:
    """``pods``, ``deployments.apps``: the resource as Kubernetes' error messages name it."""
    group, resource = group_resource(obj_or_class)
    return f"{resource}.{group}" if group else resource


def _kind_class(kind: str) -> Any:
    from model.manifests import KINDS
    return KINDS.get(kind)


def _denied(store: Store, user: UserInfo, verb: str, obj_or_cls: Any, namespace: str | None, name: str = "",
            subresource: str = "", resource: str | None = None, group: str | None = None) -> rq.Response | None:
    """Forbidden when neither the Node authorizer nor RBAC allows the request."""
    own_group, own_resource = group_resource(obj_or_cls)
    attributes = RequestAttributes(
        user=user, verb=verb, api_group=own_group if group is None else group,
        resource=own_resource if resource is None else resource, subresource=subresource,
        namespace=namespace, name=name)
    decision = authorize(
        attributes, pods=store.list("Pod"), persistent_volumes=store.list("PersistentVolume"),
        roles=store.list("Role"), cluster_roles=store.list("ClusterRole"), role_bindings=store.list("RoleBinding"),
        cluster_role_bindings=store.list("ClusterRoleBinding"))
    return None if decision.allowed else rq.forbidden(decision.reason)


def _write(store: Store, obj: Any, events: tuple[WatchEvent, ...] = ()) -> tuple[Store, Any, tuple]:
    store, stamped, event = store.write(obj)
    return store, stamped, events + (event,)


# --- create -----------------------------------------------------------------------------------------


def _generated_name(store: Store, prefix: str) -> str:
    """names.SimpleNameGenerator: prefix + 5 characters, here derived from the uid counter (deterministic)."""
    n, suffix = store.uids + 1, ""
    for _ in range(5):
        n, digit = divmod(n * 7919 + 13, len(NAME_ALPHABET))
        suffix += NAME_ALPHABET[digit]
    return prefix + suffix


def _create(store: Store, request: rq.Create, now: int, config: ModelConfig) -> Outcome:
    obj = request.object
    meta = obj.metadata
    if meta.name is None and meta.generate_name:
        obj = attrs.evolve(obj, metadata=attrs.evolve(meta, name=_generated_name(store, meta.generate_name)))
    name, namespace = obj.name, obj.namespace if obj.namespaced else None
    resource = qualified(obj)
    if (denied := _denied(store, request.user, "create", obj, namespace)) is not None:
        return Outcome(store, denied)
    # Mutating admission.
    if namespace is not None:
        problem = namespace_lifecycle.check_create(store.get("Namespace", None, namespace), namespace)
        if problem is not None:
            reason, detail = problem
            if reason == "NotFound":
                return Outcome(store, rq.Response(404, "NotFound", detail))
            return Outcome(store, rq.forbidden(f'{resource} "{name}" is forbidden: {detail}'))
    limit_ranges = store.list("LimitRange", namespace) if namespace else ()
    if isinstance(obj, Pod):
        obj = limitranger.apply_defaults(obj, limit_ranges)
        resolved = priority.admit(obj, store.list("PriorityClass"))
        if isinstance(resolved, str):
            return Outcome(store, rq.forbidden(f'{resource} "{name}" is forbidden: {resolved}'))
        obj = default_tolerations.admit(resolved, config.default_toleration_seconds)
    # Validation of the mutated object (defaults may have made it invalid, e.g. request > default limit).
    try:
        obj = from_dict(obj.to_dict())
    except ManifestError as e:
        return Outcome(store, rq.invalid(obj.kind, name, e.field, e.message))
    if (problem := server_side_problem(obj)) is not None:
        return Outcome(store, rq.invalid(obj.kind, name, *problem))
    # Validating admission: LimitRanger's min/max/ratio, then ResourceQuota.
    if isinstance(obj, Pod):
        errors = limitranger.validate_pod(obj, limit_ranges)
    elif obj.kind == "PersistentVolumeClaim":
        errors = limitranger.validate_pvc(obj, limit_ranges)
    else:
        errors = []
    if errors:
        return Outcome(store, rq.forbidden(limitranger.forbidden_message(obj, errors)))
    obj = _prepare_for_create(obj, now)
    # ResourceQuota charges the quota before the object is stored.
    events: tuple[WatchEvent, ...] = ()
    if namespace is not None:
        result = resourcequota.check(obj, store.list("ResourceQuota", namespace))
        if not result.allowed:
            return Outcome(store, rq.forbidden(f'{resource} "{name}" is forbidden: {result.message}'))
        for quota in result.quotas:
            store, _, events = _write(store, quota, events)
    if store.get(obj.kind, namespace, name) is not None:
        return Outcome(store, rq.already_exists(resource, name), events)
    store, uid = store.next_uid()
    obj = attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, uid=uid, creation_timestamp=now))
    store, stored, events = _write(store, obj, events)
    return Outcome(store, rq.created(stored), events)


def _prepare_for_create(obj: Any, now: int) -> Any:
    """The registry strategies' PrepareForCreate: status reset, generation 1, namespace finalizer."""
    meta = attrs.evolve(obj.metadata, deletion_timestamp=None, deletion_grace_period_seconds=None,
                        resource_version=None)
    if hasattr(obj, "spec") and not isinstance(obj, Namespace):
        meta = attrs.evolve(meta, generation=1)
    obj = attrs.evolve(obj, metadata=meta)
    if isinstance(obj, Namespace):
        spec = attrs.evolve(obj.spec, finalizers=tuple(dict.fromkeys(obj.spec.finalizers + (NAMESPACE_FINALIZER,))))
        return attrs.evolve(obj, spec=spec, status=type(obj.status)())
    if isinstance(obj, Pod):
        conditions = ()
        if obj.spec.node_name:
            conditions = (PodCondition(type="PodScheduled", status="True", last_transition_time=now),)
        status = type(obj.status)(phase="Pending", conditions=conditions)
        return attrs.evolve(obj, status=status)
    if hasattr(obj, "status") and obj.kind not in ("Node", "PersistentVolume", "PersistentVolumeClaim"):
        return attrs.evolve(obj, status=type(obj.status)())
    return obj


# --- update -----------------------------------------------------------------------------------------


def _preconditions(current: Any, new: Any, resource: str) -> rq.Response | None:
    meta = new.metadata
    if meta.uid is not None and meta.uid != current.metadata.uid:
        return rq.conflict(resource, current.name, f"Precondition failed: UID in precondition: {meta.uid}, "
                           f"UID in object meta: {current.metadata.uid}")
    if meta.resource_version is not None and meta.resource_version != current.metadata.resource_version:
        return rq.conflict(resource, current.name, rq.STALE)
    return None


_POD_MUTABLE_MESSAGE = (
    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
    "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
    "negative)")


def _immutable_violation(current: Any, new: Any) -> tuple[str, str] | None:
    """(field, detail) when an update changes what Kubernetes' ValidateXUpdate forbids changing."""
    if isinstance(current, Pod):
        def mutable_cleared(pod: Pod) -> Any:
            spec = pod.spec
            strip = lambda cs: tuple(attrs.evolve(c, image=None) for c in cs)
            return attrs.evolve(spec, containers=strip(spec.containers), init_containers=strip(spec.init_containers),
                                active_deadline_seconds=None, tolerations=())
        if mutable_cleared(current) != mutable_cleared(new):
            return ("spec", _POD_MUTABLE_MESSAGE)
        if not set(current.spec.tolerations) <= set(new.spec.tolerations):
            return ("spec", _POD_MUTABLE_MESSAGE)
        return None
    selector_kinds = ("ReplicaSet", "Deployment", "DaemonSet", "StatefulSet", "Job")
    if current.kind in selector_kinds and current.spec.selector != new.spec.selector:
        return ("spec.selector", f"Invalid value: {new.spec.selector}: field is immutable")
    if current.kind == "StatefulSet":
        keep = ("replicas", "ordinals", "template", "update_strategy", "persistent_volume_claim_retention_policy",
                "min_ready_seconds")
        if attrs.evolve(new.spec, **{k: getattr(current.spec, k) for k in keep}) != current.spec:
            return ("spec", "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                            "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                            "'minReadySeconds' are forbidden")
    if current.kind == "Job" and current.spec.template != new.spec.template:
        return ("spec.template", "Invalid value: field is immutable")
    return None


def _finish_if_finalized(store: Store, obj: Any, events: tuple, resource: str) -> Outcome | None:
    """registry.Store.shouldDeleteDuringUpdate: a terminating object whose finalizers are gone is removed."""
    meta = obj.metadata
    if meta.deletion_timestamp is None or meta.finalizers or meta.deletion_grace_period_seconds not in (0, None):
        return None
    if isinstance(obj, Namespace) and obj.spec.finalizers:
        return None
    store, event = store.delete((obj.kind, obj.namespace if obj.namespaced else None, obj.name))
    return Outcome(store, rq.ok(event.object), events + (event,))


def _update(store: Store, request: rq.Update, now: int, config: ModelConfig) -> Outcome:
    new = request.object
    namespace = new.namespace if new.namespaced else None
    resource = qualified(new)
    if (denied := _denied(store, request.user, "update", new, namespace, new.name)) is not None:
        return Outcome(store, denied)
    current = store.get(new.kind, namespace, new.name)
    if current is None:
        return Outcome(store, rq.not_found(resource, new.name))
    if (failed := _preconditions(current, new, resource)) is not None:
        return Outcome(store, failed)
    if current.metadata.deletion_timestamp is not None:
        added = set(new.metadata.finalizers) - set(current.metadata.finalizers)
        if added:
            return Outcome(store, rq.invalid(new.kind, new.name, "metadata.finalizers",
                                             "Forbidden: no new finalizers can be added if the object is being "
                                             "deleted, found new finalizers " + str(sorted(added))))
    violation = _immutable_violation(current, new)
    if violation is not None:
        return Outcome(store, rq.invalid(new.kind, new.name, *violation))
    meta = attrs.evolve(
        new.metadata, uid=current.metadata.uid, creation_timestamp=current.metadata.creation_timestamp,
        deletion_timestamp=current.metadata.deletion_timestamp, namespace=current.metadata.namespace,
        deletion_grace_period_seconds=current.metadata.deletion_grace_period_seconds,
        generation=current.metadata.generation)
    updated = attrs.evolve(new, metadata=meta)
    if hasattr(current, "status"):
        updated = attrs.evolve(updated, status=current.status)
    if hasattr(current, "spec") and current.spec != updated.spec and meta.generation is not None:
        updated = attrs.evolve(updated, metadata=attrs.evolve(meta, generation=meta.generation + 1))
    events: tuple[WatchEvent, ...] = ()
    if namespace is not None and updated.kind in ("PersistentVolumeClaim", "Service", "Pod"):
        result = resourcequota.check(updated, store.list("ResourceQuota", namespace), old=current)
        if not result.allowed:
            return Outcome(store, rq.forbidden(f'{resource} "{new.name}" is forbidden: {result.message}'))
        for quota in result.quotas:
            store, _, events = _write(store, quota, events)
    if (finished := _finish_if_finalized(store, updated, events, resource)) is not None:
        return finished
    store, stored, events = _write(store, updated, events)
    return Outcome(store, rq.ok(stored), events)


def _update_status(store: Store, request: rq.UpdateStatus, now: int, config: ModelConfig) -> Outcome:
    new = request.object
    namespace = new.namespace if new.namespaced else None
    resource = qualified(new)
    if (denied := _denied(store, request.user, "update", new, namespace, new.name, subresource="status")) is not None:
        return Outcome(store, denied)
    current = store.get(new.kind, namespace, new.name)
    if current is None:
        return Outcome(store, rq.not_found(resource, new.name))
    if (failed := _preconditions(current, new, resource)) is not None:
        return Outcome(store, failed)
    store, stored, events = _write(store, attrs.evolve(current, status=new.status))
    return Outcome(store, rq.ok(stored), events)


def _bind(store: Store, request: rq.Bind, now: int, config: ModelConfig) -> Outcome:
    """pods/binding (pkg/registry/core/pod/storage/storage.go assignPod/setPodHostAndAnnotations)."""
    if (denied := _denied(store, request.user, "create", Pod, request.namespace, request.name,
                          subresource="binding", resource="pods", group="")) is not None:
        return Outcome(store, denied)
    pod = store.get("Pod", request.namespace, request.name)
    if pod is None:
        return Outcome(store, rq.not_found("pods", request.name))
    if request.uid is not None and request.uid != pod.metadata.uid:
        return Outcome(store, rq.conflict("pods/binding", request.name, f"Precondition failed: UID in precondition: "
                                          f"{request.uid}, UID in object meta: {pod.metadata.uid}"))
    if pod.metadata.deletion_timestamp is not None:
        return Outcome(store, rq.conflict("pods/binding", request.name,
                                          f"pod {request.name} is being deleted, cannot be assigned to a host"))
    if pod.spec.node_name:
        return Outcome(store, rq.conflict("pods/binding", request.name,
                                          f'pod {request.name} is already assigned to node "{pod.spec.node_name}"'))
    conditions = tuple(c for c in pod.status.conditions if c.type != "PodScheduled")
    conditions += (PodCondition(type="PodScheduled", status="True", last_transition_time=now),)
    bound = attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=request.node),
                         status=attrs.evolve(pod.status, conditions=conditions))
    store, stored, events = _write(store, bound)
    return Outcome(store, rq.created(stored), events)


# --- delete -----------------------------------------------------------------------------------------


def _grace_period(obj: Any, requested: int | None) -> int:
    """The pod strategy's CheckGracefulDelete; other kinds are deleted at once (grace 0)."""
    if not isinstance(obj, Pod):
        return 0
    grace = obj.spec.termination_grace_period_seconds if requested is None else requested
    if not obj.spec.node_name or obj.is_terminated:
        return 0
    return max(grace, 0)


def _delete(store: Store, request: rq.Delete, now: int, config: ModelConfig) -> Outcome:
    cls = _kind_class(request.kind)
    current = store.get(request.kind, request.namespace, request.name)
    target = current if current is not None else cls
    resource = qualified(target) if target is not None else request.kind.lower()
    if target is not None:
        denied = _denied(store, request.user, "delete", target, request.namespace, request.name)
        if denied is not None:
            return Outcome(store, denied)
    if current is None:
        return Outcome(store, rq.not_found(resource, request.name))
    if request.precondition_uid is not None and request.precondition_uid != current.metadata.uid:
        return Outcome(store, rq.conflict(resource, request.name, f"Precondition failed: UID in precondition: "
                                          f"{request.precondition_uid}, UID in object meta: {current.metadata.uid}"))
    if request.precondition_resource_version not in (None, current.metadata.resource_version):
        return Outcome(store, rq.conflict(resource, request.name, rq.STALE))
    if isinstance(current, Namespace):
        if (detail := namespace_lifecycle.check_delete_namespace(current.name)) is not None:
            return Outcome(store, rq.forbidden(f'namespaces "{current.name}" is forbidden: {detail}'))
        return _delete_namespace(store, current, now)
    meta = current.metadata
    finalizers = meta.finalizers
    if request.propagation_policy == rq.FOREGROUND and FOREGROUND_FINALIZER not in finalizers:
        finalizers += (FOREGROUND_FINALIZER,)
    elif request.propagation_policy == rq.ORPHAN and ORPHAN_FINALIZER not in finalizers:
        finalizers += (ORPHAN_FINALIZER,)
    grace = _grace_period(current, request.grace_period_seconds)
    if meta.deletion_timestamp is not None:
        # Already terminating: only a shorter grace period (e.g. the kubelet's final grace-0 delete) moves it on.
        old_grace = meta.deletion_grace_period_seconds or 0
        if grace >= old_grace and finalizers == meta.finalizers:
            return Outcome(store, rq.ok(current))
    if not finalizers and grace == 0:
        store, event = store.delete(current.key if current.namespaced else (current.kind, None, current.name))
        return Outcome(store, rq.ok(event.object), (event,))
    deadline = now + grace
    if meta.deletion_timestamp is not None and isinstance(meta.deletion_timestamp, int):
        deadline = min(deadline, meta.deletion_timestamp)
    terminating = attrs.evolve(current, metadata=attrs.evolve(
        meta, deletion_timestamp=deadline, deletion_grace_period_seconds=grace, finalizers=finalizers,
        generation=None if meta.generation is None else meta.generation + 1))
    store, stored, events = _write(store, terminating)
    return Outcome(store, rq.ok(stored), events)


def _delete_namespace(store: Store, namespace: Namespace, now: int) -> Outcome:
    """A namespace turns Terminating; the namespace controller empties it and removes the finalizer."""
    if namespace.metadata.deletion_timestamp is not None:
        return Outcome(store, rq.ok(namespace))
    terminating = attrs.evolve(
        namespace, metadata=attrs.evolve(namespace.metadata, deletion_timestamp=now, deletion_grace_period_seconds=0),
        status=attrs.evolve(namespace.status, phase="Terminating"))
    if not terminating.spec.finalizers and not terminating.metadata.finalizers:
        store, event = store.delete(("Namespace", None, namespace.name))
        return Outcome(store, rq.ok(event.object), (event,))
    store, stored, events = _write(store, terminating)
    return Outcome(store, rq.ok(stored), events)


# --- reads ------------------------------------------------------------------------------------------


def _get(store: Store, request: rq.Get, now: int, config: ModelConfig) -> Outcome:
    cls = _kind_class(request.kind)
    obj = store.get(request.kind, request.namespace, request.name)
    target = obj if obj is not None else cls
    if target is not None:
        if (denied := _denied(store, request.user, "get", target, request.namespace, request.name)) is not None:
            return Outcome(store, denied)
    if obj is None:
        return Outcome(store, rq.not_found(qualified(target) if target is not None else request.kind, request.name))
    return Outcome(store, rq.ok(obj))


def _list(store: Store, request: rq.List, now: int, config: ModelConfig) -> Outcome:
    cls = _kind_class(request.kind)
    if cls is not None:
        if (denied := _denied(store, request.user, "list", cls, request.namespace)) is not None:
            return Outcome(store, denied)
    return Outcome(store, rq.ok(store.list(request.kind, request.namespace)))


_HANDLERS: dict[type, Callable[..., Outcome]] = {
    rq.Create: _create, rq.Update: _update, rq.UpdateStatus: _update_status, rq.Bind: _bind,
    rq.Delete: _delete, rq.Get: _get, rq.List: _list,
}

