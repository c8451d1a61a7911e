"""kube-apiserver as a pure function: one request in, the new store and the client's response out.

The order of checks is kube-apiserver's: authorization (Node authorizer, then RBAC), mutating
admission (NamespaceLifecycle, LimitRanger, NodeRestriction, Priority, DefaultTolerationSeconds),
validation, validating admission (LimitRanger, ResourceQuota), then storage with its preconditions.
ResourceQuota charges usage by updating the quota's status *before* the object is stored, as
upstream does, so a create that then fails in storage (AlreadyExists) leaves a charge that only the
ResourceQuota controller's recalculation repairs. Quota admission reads the quotas as the API server's quota
lister has them and writes each charge with the quota's resourceVersion as a precondition (see
:func:`_charge_quota`); the ``stale-quota-apiservers`` variant drops the precondition (kubernetes/kubernetes#24494).

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
from model.auth.identity import UserInfo, node_identity
from model.auth.node import authorize, node_restriction
from model.auth.rbac import RequestAttributes
from model.config import DEFAULT_CONFIG, ModelConfig
from model.errors import ManifestError
from model.frozendict import FrozenDict
from model.labels import is_qualified_name
from model.manifests import from_dict
from model.objects import LabelSelector, Namespace, Pod
from model.objects.opaque import CLUSTER_SCOPED_KINDS
from model.objects.pod import PodCondition
from model.store import Objects, Store, WatchEvent

FOREGROUND_FINALIZER = "foregroundDeletion"
ORPHAN_FINALIZER = "orphan"
NAMESPACE_FINALIZER = "kubernetes"
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""k8s.io/apimachinery/pkg/util/rand: the characters of generated name suffixes."""
STANDARD_FINALIZERS = frozenset({NAMESPACE_FINALIZER, ORPHAN_FINALIZER, FOREGROUND_FINALIZER})
"""IsStandardFinalizerName: the finalizer names that need no domain prefix."""
STALE_QUOTA_APISERVERS = "stale-quota-apiservers"
"""The ``ModelConfig.variants`` switch under which quota admission writes its charge without the quota's
resourceVersion as a precondition."""
BUILT_IN_KINDS = frozenset({
    "ConfigMap", "Secret", "PodTemplate", "Event", "ControllerRevision", "CronJob", "HorizontalPodAutoscaler",
    "Lease", "EndpointSlice", "Ingress", "IngressClass", "NetworkPolicy", "PodDisruptionBudget", "StorageClass",
    "CSIDriver", "CSINode", "CSIStorageCapacity", "VolumeAttachment", "RuntimeClass", "CertificateSigningRequest",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "CustomResourceDefinition", "APIService", "FlowSchema",
    "PriorityLevelConfiguration",
})
"""Kinds kube-apiserver serves out of the box that the model carries opaquely (``kubectl api-resources`` of a
1.3x cluster, less subresource-only and create-only kinds). With the modelled kinds they are what a controller's
discovery finds at start-up; any other kind stands for a custom resource, served while objects of it exist."""


@attrs.frozen
class Outcome:
    """The store after a request, what the client saw, and the watch events the request caused."""

    store: Store
    response: rq.Response
    events: tuple[WatchEvent, ...] = ()


def handle(store: Store, request: rq.Request, now: int, config: ModelConfig = DEFAULT_CONFIG,
           quota_lister: Objects | None = None) -> Outcome:
    """Serve one request at logical time ``now``; ``quota_lister`` is the API server's ResourceQuota lister
    (its informer's cache), which quota admission reads (None: the store itself)."""
    handler: Callable[..., Outcome] = _HANDLERS[type(request)]
    if isinstance(request, (rq.Create, rq.Update)):
        return handler(store, request, now, config, quota_lister)
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


def group_kind(obj: Any) -> str:
    """schema.GroupKind.String(): ``Pod``, ``Deployment.apps`` (how Invalid and delete-precondition errors name
    the kind)."""
    return f"{obj.kind}.{obj.api_group}" if obj.api_group else obj.kind


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


def _node_restricted(store: Store, user: UserInfo, verb: str, obj: Any, old: Any,
                     subresource: str = "") -> rq.Response | None:
    """NodeRestriction admission for a kubelet's write (``obj`` as written, ``old`` as stored): the Node
    authorizer lets kubelets write pods and nodes and leaves to this plugin which ones
    (plugin/pkg/admission/noderestriction/admission.go)."""
    node = node_identity(user)
    if node is None:
        return None
    target = obj if obj is not None else old
    group, resource = group_resource(target)
    attributes = RequestAttributes(user=user, verb=verb, api_group=group, resource=resource, subresource=subresource,
                                   namespace=target.namespace if target.namespaced else None, name=target.name or "")
    message = node_restriction(attributes, obj, old, node=store.get("Node", None, node) if node else None)
    if message is None:
        return None
    return rq.forbidden(message) if " is forbidden: " in message else rq.Response(404, "NotFound", message)


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


def _forbidden_text(resource: str, name: str | None, detail: str) -> str:
    """admission.NewForbidden's message: ``pods "x" is forbidden: ...``, or ``pods is forbidden: ...`` unnamed."""
    return f'{resource} "{name}" is forbidden: {detail}' if name else f"{resource} is forbidden: {detail}"


def _create(store: Store, request: rq.Create, now: int, config: ModelConfig,
            quota_lister: Objects | None = None) -> Outcome:
    obj = request.object
    namespace = obj.namespace if obj.namespaced else None
    resource = qualified(obj)
    if (denied := _denied(store, request.user, "create", obj, namespace)) is not None:
        return Outcome(store, denied)
    # Mutating admission, which sees the name the client sent (a generated one comes later).
    if namespace is not None:
        problem = namespace_lifecycle.check_create(store.get("Namespace", None, namespace), namespace)
        if problem is not None:
            reason, detail = problem
            if reason == "NotFound":
                return Outcome(store, rq.Response(404, "NotFound", detail))
            return Outcome(store, rq.forbidden(_forbidden_text(resource, obj.name, detail)))
    limit_ranges = store.list("LimitRange", namespace) if namespace else ()
    if isinstance(obj, Pod):
        obj = limitranger.apply_defaults(obj, limit_ranges)
    if (restricted := _node_restricted(store, request.user, "create", obj, None)) is not None:
        return Outcome(store, restricted)
    if isinstance(obj, Pod):
        resolved = priority.admit(obj, store.list("PriorityClass"))
        if isinstance(resolved, str):
            return Outcome(store, rq.forbidden(_forbidden_text(resource, obj.name, resolved)))
        obj = default_tolerations.admit(resolved, config.default_toleration_seconds)
    # rest.BeforeCreate generates the name; validating admission and storage see it.
    meta = obj.metadata
    if meta.name is None and meta.generate_name:
        obj = attrs.evolve(obj, metadata=attrs.evolve(meta, name=_generated_name(store, meta.generate_name)))
    name = obj.name
    # The uid is given before the strategy runs (rest.FillObjectMetaSystemFields); it is the one the store hands
    # out below. A Job's strategy generates its selector from it.
    uid = store.next_uid()[1]
    if obj.kind == "Job":
        obj = _generate_job_selector(obj, uid)
    # Validation of the mutated object (defaults may have made it invalid, e.g. request > default limit).
    try:
        obj = from_dict(obj.to_dict())
    except ManifestError as e:
        return Outcome(store, rq.invalid(group_kind(obj), name, e.field, e.message))
    if obj.kind == "Job" and (problem := _job_selector_problem(obj, uid)) is not None:
        return Outcome(store, rq.invalid(group_kind(obj), name, *problem))
    if (problem := server_side_problem(obj)) is not None:
        return Outcome(store, rq.invalid(group_kind(obj), name, *problem))
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
        store, events, refused = _charge_quota(store, obj, None, resource, quota_lister, config)
        if refused is not None:
            return Outcome(store, refused, events)
    if store.get(obj.kind, namespace, name) is not None:
        return Outcome(store, rq.already_exists(resource, name), events)
    store, uid = store.next_uid()
    obj = attrs.evolve(obj, metadata=attrs.evolve(obj.metadata, uid=uid, creation_timestamp=now))
    store, stored, events = _write(store, obj, events)
    return Outcome(store, rq.created(stored), events)


JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
"""batch.LegacyJobNameLabel and batch.JobNameLabel."""
CONTROLLER_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")
"""batch.LegacyControllerUidLabel and batch.ControllerUidLabel (the one a generated selector selects)."""


def _generate_job_selector(job: Any, uid: str) -> Any:
    """The Job strategy's PrepareForCreate (pkg/registry/batch/job/strategy.go generateSelectorIfNeeded): unless
    ``manualSelector``, the template gets the job-name and controller-uid labels it lacks (legacy and
    ``batch.kubernetes.io/`` ones) and the selector's matchLabels the ``batch.kubernetes.io/controller-uid``."""
    spec = job.spec
    if spec.manual_selector:
        return job
    labels = dict(spec.template.metadata.labels)
    for key in JOB_NAME_LABELS:
        labels.setdefault(key, job.name)
    for key in CONTROLLER_UID_LABELS:
        labels.setdefault(key, uid)
    selector = spec.selector if spec.selector is not None else LabelSelector()
    if CONTROLLER_UID_LABELS[1] not in selector.match_labels:
        selector = attrs.evolve(selector, match_labels=selector.match_labels.set(CONTROLLER_UID_LABELS[1], uid))
    template = attrs.evolve(spec.template, metadata=attrs.evolve(spec.template.metadata, labels=FrozenDict(labels)))
    return attrs.evolve(job, spec=attrs.evolve(spec, template=template, selector=selector))


def _job_selector_problem(job: Any, uid: str) -> tuple[str, str] | None:
    """ValidateJob's selector rules, first error only (pkg/apis/batch/validation/validation.go
    validateGeneratedSelector, with the ``batch.kubernetes.io/`` labels required as on create, then
    ValidateJobSpec): a generated selector needs the template's controller-uid and job-name labels to hold the
    job's uid and name and must be the generated one; every Job needs a selector that selects its template."""
    spec = job.spec
    labels = spec.template.metadata.labels
    path = "spec.template.metadata.labels"
    if not spec.manual_selector and spec.selector is not None:
        expected = {CONTROLLER_UID_LABELS[0]: uid, JOB_NAME_LABELS[0]: job.name,
                    CONTROLLER_UID_LABELS[1]: uid, JOB_NAME_LABELS[1]: job.name}
        for key, value in expected.items():
            if key not in labels:
                return (f"{path}[{key}]", f"Required value: must be '{value}'")
            if labels[key] != value:
                return (f"{path}[{key}]", f"Invalid value: {dict(labels)}: must be '{value}'")
        if not spec.selector.selector().matches(FrozenDict(expected)):
            return ("spec.selector", f"Invalid value: {spec.selector.to_dict()}: `selector` not auto-generated")
    if spec.selector is None:
        return ("spec.selector", "Required value")
    if not spec.selector.selector().matches(labels):
        return (path, f"Invalid value: {dict(labels)}: `selector` does not match template `labels`")
    return None


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


# --- ResourceQuota admission ------------------------------------------------------------------------


def _quotas_seen(store: Store, namespace: str, quota_lister: Objects | None) -> tuple[Any, ...]:
    """quotaAccessor.GetQuotas: the namespace's quotas as the quota lister has them (which may be stale); with none
    there, the live ones (upstream's liveLookupCache). Deliberate difference: a quota the lister has not observed
    yet is also read live, where upstream would not enforce it until its lister catches up."""
    live = store.list("ResourceQuota", namespace)
    cached = () if quota_lister is None else quota_lister.list("ResourceQuota", namespace)
    if not cached:
        return live
    seen = {quota.name for quota in cached}
    return tuple(sorted(cached + tuple(q for q in live if q.name not in seen), key=lambda q: q.name))


def _write_charges(store: Store, quotas: tuple[Any, ...], precondition: bool,
                   events: tuple[WatchEvent, ...]) -> tuple[Store, tuple[WatchEvent, ...], tuple[str, ...]]:
    """quotaAccessor.UpdateQuotaStatus for each raised quota, in order: the quota's new status, with its
    resourceVersion as the precondition (a stale copy is a Conflict, a deleted quota NotFound). Without the
    precondition the status is written over whatever is stored. Returns the names whose update failed."""
    failed: list[str] = []
    for quota in quotas:
        current = store.get("ResourceQuota", quota.namespace, quota.name)
        if current is None or (precondition and current.metadata.resource_version != quota.metadata.resource_version):
            failed.append(quota.name)
            continue
        store, _, events = _write(store, attrs.evolve(current, status=quota.status), events)
    return store, events, tuple(failed)


def _charge_quota(store: Store, obj: Any, old: Any, resource: str, quota_lister: Objects | None,
                  config: ModelConfig) -> tuple[Store, tuple[WatchEvent, ...], rq.Response | None]:
    """The ResourceQuota admission plugin's quota evaluator (checkQuotas in staging/src/k8s.io/apiserver/pkg/
    admission/plugin/resourcequota/controller.go): check ``obj`` against the quotas the lister has, write the
    raised quotas' status with their resourceVersion as a precondition, and re-check the quotas whose update
    failed against their reloaded (here: live) copies. A charge written before a later refusal stays, as
    upstream. Returns the store, the quota writes, and the refusal (None when admitted).

    Under the ``stale-quota-apiservers`` variant the charges are written without the precondition: an API server
    whose lister has not yet observed another's charge admits against the stale ``status.used`` and overwrites
    the newer one, so together they exceed the quota (kubernetes/kubernetes#24494)."""
    quotas = _quotas_seen(store, obj.namespace, quota_lister)
    precondition = STALE_QUOTA_APISERVERS not in config.variants
    events: tuple[WatchEvent, ...] = ()
    while True:
        result = resourcequota.check(obj, quotas, old=old)
        if not result.allowed:
            return store, events, rq.forbidden(f'{resource} "{obj.name}" is forbidden: {result.message}')
        store, events, failed = _write_charges(store, result.quotas, precondition, events)
        if not failed:
            return store, events, None
        quotas = tuple(q for q in store.list("ResourceQuota", obj.namespace) if q.name in failed)


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


MAX_INT32 = 2**31 - 1


def _pod_update_problem(old: Any, new: Any) -> tuple[str, str] | None:
    """ValidatePodUpdate's spec rules (pkg/apis/core/validation/validation.go), first error only: container
    images may change (not to empty), ``activeDeadlineSeconds`` may be set or lowered, tolerations only added
    (or their ``tolerationSeconds`` changed), scheduling gates only removed; nothing else. Upstream appends a
    diff of the specs to the generic message; the model leaves it out, and does not model the extra
    mutability of a gated pod's node selector and affinity."""
    for path, group, old_group in (("spec.containers", new.containers, old.containers),
                                   ("spec.initContainers", new.init_containers, old.init_containers)):
        if len(group) != len(old_group):
            return (path, "Forbidden: pod updates may not add or remove containers")
        for i, container in enumerate(group):
            if not container.image:
                return (f"{path}[{i}].image", "Required value")
    deadline, old_deadline = new.active_deadline_seconds, old.active_deadline_seconds
    if deadline is not None:
        if not 0 <= deadline <= MAX_INT32:
            return ("spec.activeDeadlineSeconds",
                    f"Invalid value: {deadline}: must be between 0 and {MAX_INT32}, inclusive")
        if old_deadline is not None and old_deadline < deadline:
            return ("spec.activeDeadlineSeconds", f"Invalid value: {deadline}: must be less than or equal to "
                                                  "previous value")
    elif old_deadline is not None:
        return ("spec.activeDeadlineSeconds", 'Invalid value: "null": must not update from a positive integer to '
                                              "nil value")
    for toleration in old.tolerations:
        if not any(attrs.evolve(toleration, toleration_seconds=t.toleration_seconds) == t for t in new.tolerations):
            return ("spec.tolerations", "Forbidden: existing toleration can not be modified except its "
                                        "tolerationSeconds")
    old_gates = {gate.get("name") for gate in old.scheduling_gates or ()}
    for i, gate in enumerate(new.scheduling_gates or ()):
        if gate.get("name") not in old_gates:
            return (f"spec.schedulingGates[{i}].name", f"Forbidden: only deletion is allowed, but found new "
                                                       f"scheduling gate '{gate.get('name')}'")
    with_old_images = lambda cs, olds: tuple(attrs.evolve(c, image=o.image) for c, o in zip(cs, olds, strict=True))
    munged = attrs.evolve(new, containers=with_old_images(new.containers, old.containers),
                          init_containers=with_old_images(new.init_containers, old.init_containers),
                          active_deadline_seconds=old_deadline, tolerations=old.tolerations,
                          scheduling_gates=old.scheduling_gates)
    return None if munged == old else ("spec", _POD_MUTABLE_MESSAGE)


def _immutable_violation(current: Any, new: Any) -> tuple[str, str] | None:
    """(field, detail) when an update changes what Kubernetes' ValidateXUpdate forbids changing."""
    if isinstance(current, Pod):
        return _pod_update_problem(current.spec, new.spec)
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


def _go_quoted(items: list[str]) -> str:
    """Go's ``%q`` of a string slice: ``["a" "b"]``."""
    return "[" + " ".join(f'"{item}"' for item in items) + "]"


def _finish_if_finalized(store: Store, obj: Any, events: tuple, resource: str) -> Outcome | None:
    """registry.Store.shouldDeleteDuringUpdate: a terminating object whose finalizers are gone is removed."""
    meta = obj.metadata
    if meta.deletion_timestamp is None or meta.finalizers or meta.deletion_grace_period_seconds not in (0, None):
        return None
    if isinstance(obj, Namespace) and obj.spec.finalizers:
        return None
    store, event = store.delete((obj.kind, obj.namespace if obj.namespaced else None, obj.name))
    return Outcome(store, rq.ok(event.object), events + (event,))


def _update(store: Store, request: rq.Update, now: int, config: ModelConfig,
            quota_lister: Objects | None = None, subresource: str = "") -> Outcome:
    new = request.object
    namespace = new.namespace if new.namespaced else None
    resource = qualified(new)
    if (denied := _denied(store, request.user, "update", new, namespace, new.name, subresource)) is not None:
        return Outcome(store, denied)
    current = store.get(new.kind, namespace, new.name)
    if current is None:
        return Outcome(store, rq.not_found(resource, new.name))
    if (restricted := _node_restricted(store, request.user, "update", new, current)) is not None:
        return Outcome(store, restricted)
    if (failed := _preconditions(current, new, resource)) is not None:
        return Outcome(store, failed)
    if current.metadata.deletion_timestamp is not None:
        added = set(new.metadata.finalizers) - set(current.metadata.finalizers)
        if added:
            return Outcome(store, rq.invalid(group_kind(new), new.name, "metadata.finalizers",
                                             "Forbidden: no new finalizers can be added if the object is being "
                                             "deleted, found new finalizers " + _go_quoted(sorted(added))))
    # The strategy's ValidateUpdate: the new object must be valid (as on create), then the update rules.
    try:
        new = from_dict(new.to_dict())
    except ManifestError as e:
        return Outcome(store, rq.invalid(group_kind(new), new.name, e.field, e.message))
    if (problem := server_side_problem(new)) is not None:
        return Outcome(store, rq.invalid(group_kind(new), new.name, *problem))
    violation = _immutable_violation(current, new)
    if violation is not None:
        return Outcome(store, rq.invalid(group_kind(new), new.name, *violation))
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
        store, events, refused = _charge_quota(store, updated, current, resource, quota_lister, config)
        if refused is not None:
            return Outcome(store, refused, events)
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
    # What the status update stores: the current object with the new status (as the status patch a kubelet
    # sends produces); NodeRestriction judges that.
    updated = attrs.evolve(current, status=new.status)
    if current.kind == "Deployment":
        # deploymentStatusStrategy.PrepareForUpdate resets only spec and labels (pkg/registry/apps/deployment/
        # strategy.go): the annotations sent are stored, which is how the Deployment controller records the
        # deployment.kubernetes.io/revision annotation.
        updated = attrs.evolve(updated, metadata=attrs.evolve(current.metadata, annotations=new.metadata.annotations))
    if (restricted := _node_restricted(store, request.user, "update", updated, current, "status")) is not None:
        return Outcome(store, restricted)
    if (failed := _preconditions(current, new, resource)) is not None:
        return Outcome(store, failed)
    store, stored, events = _write(store, updated)
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
        return Outcome(store, rq.conflict("pods", request.name, f"Precondition failed: UID in precondition: "
                                          f"{request.uid}, UID in object meta: {pod.metadata.uid}"))
    if pod.metadata.deletion_timestamp is not None:
        return Outcome(store, rq.conflict("pods/binding", request.name,
                                          f"pod {request.name} is being deleted, cannot be assigned to a host"))
    if pod.spec.node_name:
        return Outcome(store, rq.conflict("pods/binding", request.name,
                                          f'pod {request.name} is already assigned to node "{pod.spec.node_name}"'))
    if pod.spec.scheduling_gates:
        return Outcome(store, rq.conflict("pods/binding", request.name,
                                          f"pod {request.name} has non-empty .spec.schedulingGates"))
    conditions = tuple(c for c in pod.status.conditions if c.type != "PodScheduled")
    conditions += (PodCondition(type="PodScheduled", status="True", last_transition_time=now),)
    bound = attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=request.node),
                         status=attrs.evolve(pod.status, conditions=conditions))
    store, stored, events = _write(store, bound)
    return Outcome(store, rq.created(stored), events)


def _patch_owner_references(store: Store, request: rq.PatchOwnerReferences, now: int,
                            config: ModelConfig) -> Outcome:
    """A strategic merge patch of ``metadata.ownerReferences`` (merge key ``uid``) carrying ``metadata.uid``, and of
    ``metadata.finalizers`` (merged in, or ``$deleteFromPrimitiveList``).

    Validation is ValidateObjectMetaUpdate's: the uid is immutable, ValidateOwnerReferences allows one
    controller reference only, and no finalizer may be added to an object being deleted. A patch that changes
    nothing is not written (GuaranteedUpdate skips no-op updates); one that leaves a deleted object without
    finalizers removes it (shouldDeleteDuringUpdate)."""
    current = store.get(request.kind, request.namespace, request.name)
    target = current if current is not None else _kind_class(request.kind)
    resource = qualified(target) if target is not None else request.kind.lower()
    if target is not None:
        denied = _denied(store, request.user, "patch", target, request.namespace, request.name)
        if denied is not None:
            return Outcome(store, denied)
    if current is None:
        return Outcome(store, rq.not_found(resource, request.name))
    if request.uid is not None and request.uid != current.metadata.uid:
        return Outcome(store, rq.invalid(group_kind(current), request.name, "metadata.uid",
                                         f'Invalid value: "{request.uid}": field is immutable'))
    references = [r for r in current.metadata.owner_references if r.uid not in request.remove]
    for added in request.add:
        same = [i for i, r in enumerate(references) if r.uid == added.uid]
        if same:
            references[same[0]] = added
        else:
            references.append(added)
    controllers = [f"{r.kind}/{r.name}" for r in references if r.controller]
    if len(controllers) > 1:
        return Outcome(store, rq.invalid(
            group_kind(current), request.name, "metadata.ownerReferences",
            f'Invalid value: {[r.to_dict() for r in references]}: Only one reference can have Controller set to '
            f'true. Found "true" in references for {controllers[0]} and {controllers[1]}'))
    finalizers = tuple(f for f in current.metadata.finalizers if f not in request.remove_finalizers)
    finalizers += tuple(f for f in dict.fromkeys(request.add_finalizers) if f not in finalizers)
    added = set(finalizers) - set(current.metadata.finalizers)
    if current.metadata.deletion_timestamp is not None and added:
        return Outcome(store, rq.invalid(group_kind(current), request.name, "metadata.finalizers",
                                         "Forbidden: no new finalizers can be added if the object is being "
                                         "deleted, found new finalizers " + _go_quoted(sorted(added))))
    if tuple(references) == current.metadata.owner_references and finalizers == current.metadata.finalizers:
        return Outcome(store, rq.ok(current))
    patched = attrs.evolve(current, metadata=attrs.evolve(current.metadata, owner_references=tuple(references),
                                                          finalizers=finalizers))
    if (finished := _finish_if_finalized(store, patched, (), resource)) is not None:
        return finished
    store, stored, events = _write(store, patched)
    return Outcome(store, rq.ok(stored), events)


# --- delete -----------------------------------------------------------------------------------------


def _grace_period(pod: Pod, requested: int | None) -> int:
    """The pod strategy's CheckGracefulDelete: the requested period, else the pod's
    ``terminationGracePeriodSeconds``; 0 for a pod never scheduled or already terminated; at least 1 when
    negative (pkg/registry/core/pod/strategy.go)."""
    grace = pod.spec.termination_grace_period_seconds if requested is None else requested
    if not pod.spec.node_name or pod.is_terminated:
        return 0
    return 1 if grace < 0 else grace


def _deletion_finalizers(finalizers: tuple[str, ...], policy: str | None) -> tuple[str, ...]:
    """deletionFinalizersForGarbageCollection: an explicit propagation policy decides whether the ``orphan``
    or ``foregroundDeletion`` finalizer is present (Background: neither); without one they stay as they are."""
    if policy is None:
        return finalizers
    kept = tuple(f for f in finalizers if f not in (ORPHAN_FINALIZER, FOREGROUND_FINALIZER))
    kept += {rq.ORPHAN: (ORPHAN_FINALIZER,), rq.FOREGROUND: (FOREGROUND_FINALIZER,)}.get(policy, ())
    return finalizers if set(kept) == set(finalizers) else kept


def _delete(store: Store, request: rq.Delete, now: int, config: ModelConfig) -> Outcome:
    """registry.Store.Delete with rest.BeforeDelete (staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go).

    Only pods delete gracefully. A pod already being deleted gracefully changes only when a shorter grace
    period is asked for (its deletion time moves by the difference); otherwise nothing changes, not even the
    finalizers. An object with finalizers is marked as being deleted and stays; one without is removed.
    """
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
    if isinstance(current, Namespace):
        return _delete_namespace(store, request, current, now)
    meta = current.metadata
    kind = group_kind(current)
    if request.precondition_uid not in (None, meta.uid):
        return Outcome(store, rq.conflict(kind, request.name, "the UID in the precondition "
                                          f"({request.precondition_uid}) does not match the UID in record "
                                          f"({meta.uid}). The object might have been deleted and then recreated"))
    if request.precondition_resource_version not in (None, meta.resource_version):
        return Outcome(store, rq.conflict(kind, request.name, "the ResourceVersion in the precondition "
                                          f"({request.precondition_resource_version}) does not match the "
                                          f"ResourceVersion in record ({meta.resource_version}). The object might "
                                          "have been modified"))
    if (restricted := _node_restricted(store, request.user, "delete", None, current)) is not None:
        return Outcome(store, restricted)
    requested = request.grace_period_seconds
    if requested is not None and requested < 0:
        requested = 1
    timestamp, grace, generation = meta.deletion_timestamp, meta.deletion_grace_period_seconds, meta.generation
    graceful = isinstance(current, Pod)
    if graceful and timestamp is not None and grace:
        if requested is None or requested >= grace:
            return Outcome(store, rq.ok(current))
        if isinstance(timestamp, int):
            timestamp = timestamp - grace + requested
        grace = requested
    elif graceful and timestamp is None:
        grace = _grace_period(current, requested)
        timestamp = now + grace
        generation = None if generation is None else generation + 1
    else:
        graceful = False
    finalizers = _deletion_finalizers(meta.finalizers, request.propagation_policy)
    return _mark_or_remove(store, current, finalizers, graceful, timestamp, grace, generation, now)


def _mark_or_remove(store: Store, current: Any, finalizers: tuple[str, ...], graceful: bool, timestamp: Any,
                    grace: int | None, generation: int | None, now: int) -> Outcome:
    """updateForGracefulDeletionAndFinalizers, then the removal: a graceful deletion with time left, or pending
    finalizers, leave the object terminating (markAsDeleting when not graceful); otherwise it is removed."""
    if not finalizers and (not graceful or grace == 0):
        store, event = store.delete((current.kind, current.namespace if current.namespaced else None, current.name))
        return Outcome(store, rq.ok(event.object), (event,))
    meta = current.metadata
    if not graceful:
        if timestamp is None and generation is not None:
            generation += 1
        if timestamp is None or (isinstance(timestamp, int) and timestamp > now):
            timestamp = now
        grace = 0
    terminating = attrs.evolve(current, metadata=attrs.evolve(
        meta, deletion_timestamp=timestamp, deletion_grace_period_seconds=grace, finalizers=finalizers,
        generation=generation))
    if terminating == current:
        return Outcome(store, rq.ok(current))
    store, stored, events = _write(store, terminating)
    return Outcome(store, rq.ok(stored), events)


def _delete_namespace(store: Store, request: rq.Delete, namespace: Namespace, now: int) -> Outcome:
    """The namespace REST's Delete (pkg/registry/core/namespace/storage/storage.go): the first delete only turns
    the namespace Terminating (the namespace controller empties it and removes the ``kubernetes`` finalizer);
    a later one removes it once ``spec.finalizers`` is empty, and is a no-op before."""
    meta = namespace.metadata
    if request.precondition_uid not in (None, meta.uid):
        return Outcome(store, rq.conflict("namespaces", namespace.name, "Precondition failed: UID in precondition: "
                                          f"{request.precondition_uid}, UID in object meta: {meta.uid}"))
    if request.precondition_resource_version not in (None, meta.resource_version):
        return Outcome(store, rq.conflict("namespaces", namespace.name, "Precondition failed: ResourceVersion in "
                                          f"precondition: {request.precondition_resource_version}, ResourceVersion "
                                          f"in object meta: {meta.resource_version}"))
    if (detail := namespace_lifecycle.check_delete_namespace(namespace.name)) is not None:
        return Outcome(store, rq.forbidden(f'namespaces "{namespace.name}" is forbidden: {detail}'))
    finalizers = _deletion_finalizers(meta.finalizers, request.propagation_policy)
    if meta.deletion_timestamp is None:
        terminating = attrs.evolve(
            namespace, metadata=attrs.evolve(meta, deletion_timestamp=now, finalizers=finalizers),
            status=attrs.evolve(namespace.status, phase="Terminating"))
        store, stored, events = _write(store, terminating)
        return Outcome(store, rq.ok(stored), events)
    if namespace.spec.finalizers:
        return Outcome(store, rq.ok(namespace))
    return _mark_or_remove(store, namespace, finalizers, False, meta.deletion_timestamp,
                           meta.deletion_grace_period_seconds, meta.generation, now)


def _finalize(store: Store, request: rq.Finalize, now: int, config: ModelConfig) -> Outcome:
    """The namespace ``finalize`` subresource (pkg/registry/core/namespace/storage/storage.go FinalizeREST): only
    ``spec.finalizers`` changes (namespaceFinalizeStrategy keeps the stored status; the model also keeps the
    stored metadata), each name standard or domain-qualified (ValidateNamespaceFinalizeUpdate). A terminating
    namespace left without finalizers is removed (ShouldDeleteNamespaceDuringUpdate)."""
    new = request.object
    name = new.name
    if (denied := _denied(store, request.user, "update", Namespace, None, name, subresource="finalize")) is not None:
        return Outcome(store, denied)
    current = store.get("Namespace", None, name)
    if current is None:
        return Outcome(store, rq.not_found("namespaces", name))
    if (failed := _preconditions(current, new, "namespaces")) is not None:
        return Outcome(store, failed)
    for i, finalizer in enumerate(new.spec.finalizers):
        if (detail := _finalizer_name_problem(finalizer)) is not None:
            return Outcome(store, rq.invalid("Namespace", name, f"spec.finalizers[{i}]", detail))
    finalizers = tuple(dict.fromkeys(new.spec.finalizers))
    if finalizers == current.spec.finalizers:
        return Outcome(store, rq.ok(current))
    updated = attrs.evolve(current, spec=attrs.evolve(current.spec, finalizers=finalizers))
    if (finished := _finish_if_finalized(store, updated, (), "namespaces")) is not None:
        return finished
    store, stored, events = _write(store, updated)
    return Outcome(store, rq.ok(stored), events)


def _finalizer_name_problem(name: str) -> str | None:
    """validateFinalizerName (pkg/apis/core/validation): a qualified name, and a standard one unless it has a
    domain prefix."""
    if errors := is_qualified_name(name):
        return f'Invalid value: "{name}": {"; ".join(errors)}'
    if "/" not in name and name not in STANDARD_FINALIZERS:
        return f'Invalid value: "{name}": name is neither a standard finalizer name nor is it fully qualified'
    return None


def served_kinds(store: Store) -> tuple[tuple[str, bool], ...]:
    """What discovery reports: every modelled kind, every built-in kind the model carries opaquely, and the kind
    of every other stored object (a custom resource), each with whether it is namespaced, sorted by kind."""
    from model.manifests import KINDS
    kinds = {kind: cls.NAMESPACED for kind, cls in KINDS.items()}
    kinds.update((kind, kind not in CLUSTER_SCOPED_KINDS) for kind in BUILT_IN_KINDS)
    kinds.update((obj.kind, obj.namespaced) for kind in store.objects.kinds() if kind not in kinds
                 for obj in store.list(kind)[:1])
    return tuple(sorted(kinds.items()))


def _discover(store: Store, request: rq.Discover, now: int, config: ModelConfig) -> Outcome:
    return Outcome(store, rq.ok(served_kinds(store)))


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


SCALABLE_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
"""The modelled kinds with a ``scale`` subresource."""


def _get_scale(store: Store, request: rq.GetScale, now: int, config: ModelConfig) -> Outcome:
    """The scale subresource's GET (pkg/registry/apps/deployment/storage/storage.go ScaleREST.Get and its twins)."""
    cls = _kind_class(request.kind)
    if request.kind not in SCALABLE_KINDS or cls is None:
        return Outcome(store, rq.not_found(request.kind, request.name))
    if (denied := _denied(store, request.user, "get", cls, request.namespace, request.name, "scale")) is not None:
        return Outcome(store, denied)
    obj = store.get(request.kind, request.namespace, request.name)
    if obj is None:
        return Outcome(store, rq.not_found(qualified(cls), request.name))
    return Outcome(store, rq.ok(obj))


def _update_scale(store: Store, request: rq.UpdateScale, now: int, config: ModelConfig) -> Outcome:
    """ScaleREST.Update: the stored object with the new ``spec.replicas``, written as an update authorized on the
    ``scale`` subresource (the Scale's resourceVersion, when given, is the precondition)."""
    cls = _kind_class(request.kind)
    if request.kind not in SCALABLE_KINDS or cls is None:
        return Outcome(store, rq.not_found(request.kind, request.name))
    if (denied := _denied(store, request.user, "update", cls, request.namespace, request.name, "scale")) is not None:
        return Outcome(store, denied)
    current = store.get(request.kind, request.namespace, request.name)
    if current is None:
        return Outcome(store, rq.not_found(qualified(cls), request.name))
    meta = current.metadata if request.resource_version is None else \
        attrs.evolve(current.metadata, resource_version=request.resource_version)
    scaled = attrs.evolve(current, metadata=meta, spec=attrs.evolve(current.spec, replicas=request.replicas))
    return _update(store, rq.Update(request.user, scaled), now, config, None, subresource="scale")


def _evict(store: Store, request: rq.Evict, now: int, config: ModelConfig) -> Outcome:
    """``pods/eviction``: served by ``model.apiserver.eviction`` (imported here, as it builds on this module)."""
    from model.apiserver.eviction import evict
    return evict(store, request, now, config)


_HANDLERS: dict[type, Callable[..., Outcome]] = {
    rq.Create: _create, rq.Update: _update, rq.UpdateStatus: _update_status, rq.Bind: _bind,
    rq.PatchOwnerReferences: _patch_owner_references, rq.Delete: _delete, rq.Finalize: _finalize,
    rq.Discover: _discover, rq.Get: _get, rq.List: _list, rq.GetScale: _get_scale, rq.UpdateScale: _update_scale,
    rq.Evict: _evict,
}

