"""What the API server guarantees about the requests it refuses and the updates it accepts: every refusal is
justified by the rule that refused it, and no accepted update overwrites a version newer than the one it was
based on. Each request's response carries the request and the store that served it (``model.state.submit``), and
the justification is recomputed here from that store by small references (``properties.oracles``), never by
the admission plugins being judged.
"""

from __future__ import annotations

from typing import Any

from model.apiserver import requests as rq
from model.auth.identity import node_identity
from model.config import ModelConfig
from model.state import QUOTA_LISTER, ClusterState
from model.store import Store
from properties.invariants.apiserver import _write_attributes
from properties.oracles import pod_limit_violated, quota_charge, rbac_grants
from properties.registry import step_property

_OBJECT_REQUESTS = (rq.Create, rq.Update, rq.UpdateStatus, rq.Finalize)


def _target(request: Any) -> tuple[str, str | None, str] | None:
    """(kind, namespace, name) the request addresses."""
    if isinstance(request, _OBJECT_REQUESTS):
        obj = request.object
        return (obj.kind, obj.namespace if obj.namespaced else None, obj.name) if obj.name else None
    if isinstance(request, rq.Bind):
        return "Pod", request.namespace, request.name
    if isinstance(request, (rq.Delete, rq.PatchOwnerReferences)):
        return request.kind, request.namespace, request.name
    return None


def _precondition(request: Any) -> tuple[str | None, str | None]:
    """(uid, resourceVersion) the request requires of the stored object."""
    if isinstance(request, (rq.Update, rq.UpdateStatus, rq.Finalize)):
        meta = request.object.metadata
        return meta.uid, meta.resource_version
    if isinstance(request, rq.Delete):
        return request.precondition_uid, request.precondition_resource_version
    return None, None


# --- quota (https://kubernetes.io/docs/concepts/policy/resource-quotas/) ----------------------------------------


def _quota_exceeded(request: Any, served: Store, lister: Any) -> bool:
    obj = request.object
    limit_ranges = tuple(served.list("LimitRange", obj.namespace))
    quotas = [*served.list("ResourceQuota", obj.namespace),
              *(lister.list("ResourceQuota", obj.namespace) if lister is not None else ())]
    return any(used.nano + quota_charge(obj, limit_ranges, name) > hard.nano
               for quota in quotas for name, hard in quota.status.hard.items()
               if (used := quota.status.used.get(name)) is not None)


# --- LimitRanger (https://kubernetes.io/docs/concepts/policy/limit-range/) ----------------------------------------


def _limit_violated(obj: Any, served: Store) -> bool:
    limit_ranges = tuple(served.list("LimitRange", obj.namespace))
    for lr in limit_ranges:
        for item in lr.spec.limits:
            if obj.kind == "PersistentVolumeClaim" and item.type == "PersistentVolumeClaim":
                storage = obj.spec.resources.requests.get("storage")
                low, high = item.min.get("storage"), item.max.get("storage")
                if storage is None or (low and storage < low) or (high and storage > high):
                    return True
            if obj.kind == "Pod" and item.type in ("Container", "Pod"):
                if pod_limit_violated(obj, item, limit_ranges):
                    return True
    return False


# --- the properties ---------------------------------------------------------------------------------------------


def _why_unjustified(response: rq.Response, lister: Any) -> str | None:
    """Why ``response``'s refusal is not justified by the rule it names (None: justified, or not judged)."""
    request, served = response.request, response.served
    target = _target(request)
    current = served.get(*target) if target is not None else None
    message = response.message
    if response.code == 403 and " cannot " in message and not node_identity(request.user):
        attributes = _write_attributes(request)
        if attributes is not None and rbac_grants(served, request.user, *attributes):
            return "an RBAC rule grants it"
    elif response.code == 403 and "exceeded quota:" in message and isinstance(request, rq.Create):
        if not _quota_exceeded(request, served, lister):
            return "no quota's usage plus the request exceeds its hard limit"
    elif response.code == 403 and ("usage per" in message or "limit to request ratio" in message) and \
            isinstance(request, rq.Create):
        if not _limit_violated(request.object, served):
            return "no LimitRange min, max or ratio is violated"
    elif response.reason == "Conflict" and ("has been modified" in message or "ResourceVersion in" in message):
        if current is not None and _precondition(request)[1] == current.metadata.resource_version:
            return f"its resourceVersion {current.metadata.resource_version} was the current one"
    elif response.reason == "AlreadyExists" and isinstance(request, rq.Create) and target is not None:
        if current is None:
            return "no object had that name"
    elif response.code == 404 and target is not None and not isinstance(request, rq.Create) and \
            not node_identity(request.user) and current is not None:
        return "the object existed"
    return None


@step_property(
    "refusals-justified",
    "Every refused write is justified by the rule that refused it: RBAC only when no binding grants it, quota only "
    "when usage plus the request exceeds a hard limit, LimitRanger only when a min, max or ratio is violated, "
    "Conflict only when the precondition's resourceVersion is stale, AlreadyExists only when the name is taken, "
    "NotFound only when the object is absent (kubelets' requests, judged by the Node authorizer and "
    "NodeRestriction, are left out).",
    "https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions",
)
def refusals_justified(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    lister = before.informers.get(QUOTA_LISTER)
    for response in step.result.responses:
        if response.ok or response.request is None or response.served is None or response.code >= 429:
            continue
        why = _why_unjustified(response, None if lister is None else lister.cache)
        if why is not None:
            target = _target(response.request)
            what = "/".join(str(t) for t in target if t) if target else type(response.request).__name__
            messages.append(f"{response.request.user.name}'s {type(response.request).__name__} of {what} was "
                            f"refused ({response.reason}: {response.message}) though {why}")
    return messages


@step_property(
    "no-lost-updates",
    "An accepted update (or precondition delete) that names a resourceVersion was based on the current one: no "
    "write silently overwrites a newer version (optimistic concurrency).",
    "https://kubernetes.io/docs/reference/using-api/api-concepts/#conflicts",
)
def no_lost_updates(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for response in step.result.responses:
        request = response.request
        if not response.ok or request is None or response.served is None:
            continue
        version = _precondition(request)[1]
        target = _target(request)
        if version is None or target is None:
            continue
        current = response.served.get(*target)
        if current is not None and current.metadata.resource_version != version:
            messages.append(f"{request.user.name}'s {type(request).__name__} of {'/'.join(t for t in target if t)} "
                            f"based on resourceVersion {version} was accepted over {current.metadata.resource_version}")
    return messages
