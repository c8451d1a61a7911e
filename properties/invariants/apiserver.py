"""What the API server guarantees: quotas hold, only authorized requests succeed, names are unique,
resourceVersions only grow."""

from __future__ import annotations

from typing import Any

from model.admission import resourcequota
from model.apiserver import requests as rq
from model.auth.identity import node_identity
from model.config import ModelConfig
from model.manifests import KINDS
from model.memo import IdentityMemo
from model.state import QUOTA_LISTER, ClusterState
from model.store import Objects
from properties.oracles import rbac_grants
from properties.registry import step_property

_LISTED = IdentityMemo(256)


def _in_namespace(objects: Objects, namespace: str) -> tuple[Any, ...]:
    """The objects of ``namespace`` in the store's order (the only ones the quota controller counts for a quota
    there); cluster-scoped kinds are passed over whole. Memoised by the store's identity: a step's store after is
    the next step's store before."""
    listed = _LISTED.get((objects,), namespace)
    if listed is None:
        listed = _listed_in_namespace(objects, namespace)
        _LISTED.put((objects,), namespace, listed)
    return listed


def _listed_in_namespace(objects: Objects, namespace: str) -> tuple[Any, ...]:
    listed: list[Any] = []
    for _, items in sorted(objects.by_kind.items()):
        if items and next(iter(items))[0] is not None:
            listed.extend(obj for _, obj in sorted((name, obj) for (ns, name), obj in items.items() if ns == namespace))
    return tuple(listed)


_USED: dict[int, tuple[Any, tuple[Any, ...], dict]] = {}


def _used(quota: Any, listed: tuple[Any, ...]) -> dict:
    """The quota controller's recalculation over ``listed``, remembered per quota while its namespace's objects
    stay the very same ones (a pure cache: each entry keeps its quota and objects alive, so ids are not reused)."""
    entry = _USED.get(id(quota))
    if entry is not None and entry[0] is quota and len(entry[1]) == len(listed) and \
            all(a is b for a, b in zip(entry[1], listed, strict=True)):
        return entry[2]
    used = resourcequota.recompute(quota, listed)
    if len(_USED) >= 256:
        _USED.pop(next(iter(_USED)))
    _USED[id(quota)] = (quota, listed, used)
    return used


def _touched(before: ClusterState, step: Any, after: ClusterState) -> frozenset[tuple] | None:
    """The keys of the objects a step wrote, from its watch events (one per write: the store's revision moved by as
    many), or None when the step does not say (then every object counts as written)."""
    events = getattr(getattr(step, "result", None), "events", None)
    if events is None or after.store.revision - before.store.revision != len(events):
        return None
    return frozenset(event.key for event in events)


def _same_usage(quota: Any, prior: Any, before: ClusterState, after: ClusterState, touched: frozenset[tuple]) -> bool:
    """Whether the quota controller's recount of ``quota`` after a step that wrote only ``touched`` equals the one of
    ``prior`` before it: what the recount reads of the quota is the same, and each written object of its namespace
    counts the same before and after (the recount sums the same parts in the same store order)."""
    if quota is not prior and (quota.spec != prior.spec or quota.status.used != prior.status.used):
        return False
    counted = resourcequota.counted
    return all(counted(quota, before.store.get(*key)) == counted(quota, after.store.get(*key))
               for key in touched if key[1] == quota.namespace)


@step_property(
    "quota-never-exceeded",
    "No write takes the objects stored in a namespace over a ResourceQuota's hard limit (the one admission enforces: "
    "status.hard, which follows an edited spec.hard once the quota controller syncs) or further over it, unless "
    "the quota's recorded usage had fallen below what was stored: the quota controller recounts from informer "
    "caches that can lag admission, and a recount that misses an object admission just charged lowers the usage "
    "admission then trusts (an upstream race: the 'latent list' of kubernetes/kubernetes#20113, never fixed).",
    "https://kubernetes.io/docs/concepts/policy/resource-quotas/",
)
def quota_never_exceeded(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    if after.store is before.store:
        return []
    messages = []
    listed: dict[tuple[str, bool], tuple[Any, ...]] = {}

    def stored(state: ClusterState, namespace: str, later: bool) -> tuple[Any, ...]:
        if (namespace, later) not in listed:
            listed[namespace, later] = _in_namespace(state.store.objects, namespace)
        return listed[namespace, later]

    touched = _touched(before, step, after)
    for quota in after.store.list("ResourceQuota"):
        prior = before.store.get(*quota.key)
        if touched is not None and prior is not None and _same_usage(quota, prior, before, after, touched):
            continue  # its usage is what it was (no resource above it is newly or further over its limit)
        used = _used(quota, stored(after, quota.namespace, True))
        used_before = {} if prior is None else _used(prior, stored(before, quota.namespace, False))
        lister = before.informers.get(QUOTA_LISTER)
        seen = None if lister is None else lister.cache.get(*quota.key)
        for resource, hard in sorted(quota.spec.hard.items()):
            # Admission enforces status.hard as the API server's lister has it, which the quota controller brings
            # up to date with spec.hard only on its next sync: a lowered hard limit binds from then on.
            enforced = max([hard, *(q.status.hard[resource] for q in (prior, seen)
                                    if q is not None and resource in q.status.hard)])
            now, was = used.get(resource), used_before.get(resource)
            if now is None or now <= enforced or (was is not None and now <= was):
                continue
            recorded = None if prior is None else prior.status.used.get(resource)
            if recorded is not None and was is not None and recorded < was:
                continue
            messages.append(f"ResourceQuota {quota.namespace}/{quota.name}: {resource} used {now} exceeds hard "
                            f"{enforced}")
    return messages


def _write_attributes(request: Any) -> tuple[str, str, str, str | None, str] | None:
    """(verb, API group, resource[/subresource], namespace, name) of a write, as the RBAC docs name them
    (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb)."""
    if isinstance(request, rq.Bind):
        return "create", "", "pods/binding", request.namespace, request.name
    if isinstance(request, (rq.Create, rq.Update, rq.UpdateStatus, rq.Finalize)):
        obj = request.object
        verb = "create" if isinstance(request, rq.Create) else "update"
        sub = {rq.UpdateStatus: "/status", rq.Finalize: "/finalize"}.get(type(request), "")
        return (verb, obj.api_group, obj.resource + sub, obj.namespace if obj.namespaced else None,
                obj.name or "")
    if isinstance(request, (rq.Delete, rq.PatchOwnerReferences)):
        cls = KINDS.get(request.kind)
        if cls is None:
            return None
        verb = "delete" if isinstance(request, rq.Delete) else "patch"
        return verb, cls.API_VERSION.rpartition("/")[0], cls.RESOURCE, request.namespace, request.name
    return None


@step_property(
    "only-authorized-requests-succeed",
    "No write by a user, controller or scheduler succeeds unless an RBAC binding grants it in that namespace "
    "(judged by a small reference reading of the RBAC docs, not the API server's authorizer); kubelets' writes "
    "are the Node authorizer's and NodeRestriction's, which this property does not judge.",
    "https://kubernetes.io/docs/reference/access-authn-authz/rbac/",
)
def only_authorized(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for response in step.result.responses:
        request = response.request
        if not response.ok or request is None or response.served is None or node_identity(request.user):
            continue
        attributes = _write_attributes(request)
        if attributes is None or rbac_grants(response.served, request.user, *attributes):
            continue
        verb, _, resource, namespace, name = attributes
        messages.append(f"{request.user.name}'s {verb} of {resource} {namespace or ''}/{name} succeeded without a "
                        "granting rule")
    return messages


@step_property(
    "names-unique",
    "A create never succeeds for a name already taken in its namespace (the new object has a new uid).",
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/",
)
def names_unique(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    for response in step.result.responses:
        if response.reason != "Created" or response.object is None or not hasattr(response.object, "metadata"):
            continue
        obj = response.object
        existing = before.store.get(*obj.key)
        if existing is not None and existing.metadata.uid != obj.metadata.uid:
            messages.append(f"{obj.kind} {obj.namespace}/{obj.name} was created while {existing.metadata.uid} "
                            "still had that name")
    return messages


@step_property(
    "resource-versions-increase",
    "Every write gets a resourceVersion greater than any before it.",
    "https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions",
)
def resource_versions_increase(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig) -> list[str]:
    messages = []
    last = before.store.revision
    for event in step.result.events:
        version = int(event.object.metadata.resource_version)
        if version <= last:
            messages.append(f"{event.object.kind} {event.object.namespace}/{event.object.name} written at "
                            f"resourceVersion {version}, not after {last}")
        last = version
    if after.store.revision < before.store.revision:
        messages.append(f"the store's revision went back from {before.store.revision} to {after.store.revision}")
    return messages
