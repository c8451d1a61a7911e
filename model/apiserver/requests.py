"""Requests to the API server and the responses it gives, as values.

Each request carries the identity that makes it (``user``), so authorization and admission see
exactly what kube-apiserver would. Response texts follow Kubernetes' StatusError messages
(staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go).
"""

from __future__ import annotations

from typing import Any

import attrs

from model.auth.identity import UserInfo

BACKGROUND, FOREGROUND, ORPHAN = "Background", "Foreground", "Orphan"


@attrs.frozen
class Create:
    """POST an object (``metadata.generateName`` gets a generated name)."""

    user: UserInfo
    object: Any


@attrs.frozen
class Update:
    """PUT an object. A ``metadata.resourceVersion`` is a precondition: a stale one gets Conflict.
    The status is not changed by this request (it belongs to the ``status`` subresource)."""

    user: UserInfo
    object: Any


@attrs.frozen
class UpdateStatus:
    """PUT the ``status`` subresource: only the status changes."""

    user: UserInfo
    object: Any


@attrs.frozen
class Bind:
    """POST ``pods/binding``: the scheduler assigns a pod to a node."""

    user: UserInfo
    namespace: str
    name: str
    node: str
    uid: str | None = None


@attrs.frozen
class PatchOwnerReferences:
    """PATCH an object's ``metadata.ownerReferences`` (and ``metadata.finalizers``): the strategic merge patch
    controllers send to adopt and release dependents (pkg/controller/controller_ref_manager.go
    ``ownerRefControllerPatch`` and ``GenerateDeleteOwnerRefStrategicMergeBytes``, both taking the finalizers the
    Job controller adds on adoption and drops on release). References in ``add`` are merged by uid (replacing one
    with the same uid, else appended), those whose uid is in ``remove`` are dropped (``$patch: delete``); ``uid``
    is the patch's ``metadata.uid``, so a different object of the same name is Invalid (uid is immutable). With
    only ``remove_finalizers`` and no uid it is the Job controller's ``removeTrackingFinalizerPatch``."""

    user: UserInfo
    kind: str
    namespace: str | None
    name: str
    uid: str | None = None
    add: tuple[Any, ...] = ()
    """``OwnerReference`` values."""
    remove: tuple[str, ...] = ()
    add_finalizers: tuple[str, ...] = ()
    """Finalizers merged into ``metadata.finalizers`` (patch strategy merge: appended unless present)."""
    remove_finalizers: tuple[str, ...] = ()
    """Finalizers dropped from ``metadata.finalizers`` (``$deleteFromPrimitiveList/finalizers``)."""


@attrs.frozen
class Delete:
    """DELETE an object, gracefully: with finalizers (or a pod's grace period) it stays, terminating."""

    user: UserInfo
    kind: str
    namespace: str | None
    name: str
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None
    precondition_uid: str | None = None
    precondition_resource_version: str | None = None


@attrs.frozen
class Finalize:
    """PUT ``namespaces/{name}/finalize``: replace a namespace's ``spec.finalizers`` (the namespace controller
    removes ``kubernetes`` this way once the namespace is empty). ``metadata.uid`` and
    ``metadata.resourceVersion`` are preconditions."""

    user: UserInfo
    object: Any


@attrs.frozen
class Discover:
    """GET ``/api`` and ``/apis``: the resources the API server serves (``ServerPreferredResources``), as
    ``(kind, namespaced)`` pairs. The ``system:discovery`` ClusterRole allows it to every authenticated user."""

    user: UserInfo


@attrs.frozen
class Get:
    user: UserInfo
    kind: str
    namespace: str | None
    name: str


@attrs.frozen
class List:
    user: UserInfo
    kind: str
    namespace: str | None = None


@attrs.frozen
class GetScale:
    """GET ``<resource>/scale`` (autoscaling/v1 Scale): answered with the scalable object itself, whose
    ``spec.replicas``, ``status.replicas`` and ``spec.selector`` are what a Scale carries."""

    user: UserInfo
    kind: str
    namespace: str
    name: str


@attrs.frozen
class UpdateScale:
    """PUT ``<resource>/scale``: set ``spec.replicas`` (authorized as ``update`` on the ``scale`` subresource, which
    the HorizontalPodAutoscaler controller may do without ``update`` on the resource itself). A
    ``resource_version`` is a precondition, as the Scale's ``metadata.resourceVersion``."""

    user: UserInfo
    kind: str
    namespace: str
    name: str
    replicas: int
    resource_version: str | None = None


@attrs.frozen
class Evict:
    """POST ``pods/{name}/eviction``: a policy/v1 Eviction of the pod, whose ``deleteOptions`` are the grace period
    and the preconditions (served by ``model.apiserver.eviction``)."""

    user: UserInfo
    namespace: str
    name: str
    grace_period_seconds: int | None = None
    precondition_uid: str | None = None
    precondition_resource_version: str | None = None


Request = Create | Update | UpdateStatus | Bind | PatchOwnerReferences | Delete | Finalize | Discover | Get | List \
    | GetScale | UpdateScale | Evict


@attrs.frozen
class Response:
    """What an API client sees: an HTTP code, Kubernetes' reason, a message and the object (if any)."""

    code: int
    reason: str
    message: str = ""
    object: Any = None
    field: str = ""
    request: Any = attrs.field(default=None, eq=False, repr=False)
    """The request this answers and the store it was served against (set by ``model.state.submit``; not part of
    the value: two equal answers compare equal whatever they answered). Properties judge refusals and lost
    updates with them."""
    served: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300

    def __str__(self) -> str:
        return self.reason if self.ok and not self.message else f"{self.reason}: {self.message}"


def ok(obj: Any) -> Response:
    return Response(200, "OK", object=obj)


def created(obj: Any) -> Response:
    return Response(201, "Created", object=obj)


def too_many_requests(message: str) -> Response:
    """429 TooManyRequests (errors.NewTooManyRequests): the client should retry later."""
    return Response(429, "TooManyRequests", message)


def forbidden(message: str) -> Response:
    return Response(403, "Forbidden", message)


def not_found(resource: str, name: str) -> Response:
    return Response(404, "NotFound", f'{resource} "{name}" not found')


def already_exists(resource: str, name: str) -> Response:
    return Response(409, "AlreadyExists", f'{resource} "{name}" already exists')


def conflict(resource: str, name: str, detail: str) -> Response:
    return Response(409, "Conflict", f'Operation cannot be fulfilled on {resource} "{name}": {detail}')


def invalid(kind: str, name: str, field: str, detail: str) -> Response:
    """422 Invalid: ``Pod "x" is invalid: spec.containers[0].image: Required value``."""
    return Response(422, "Invalid", f'{kind} "{name}" is invalid: {field}: {detail}', field=field)


STALE = "the object has been modified; please apply your changes to the latest version and try again"
