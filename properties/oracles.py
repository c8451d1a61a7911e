"""Small reference implementations that properties judge the model with, written from the Kubernetes docs and
deliberately independent of the model's own component code (``model.resources.fits``, ``model.auth``,
``model.controllers.daemonset``, ``model.rollout``, the scheduler's filters): a bug in a component must not move
the check that judges it. They read only objects and value types (quantities, selectors), and are kept simple:
each cites the doc page it follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from model.auth.identity import SYSTEM_MASTERS, UserInfo
from model.store import Store

NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "NoExecute"


# --- resources (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/) --------------


def _add(total: dict[str, int], amounts: Mapping[str, Any]) -> dict[str, int]:
    for name, quantity in amounts.items():
        total[name] = total.get(name, 0) + quantity.nano
    return total


def pod_request(pod: Any) -> dict[str, int]:
    """What a pod asks a node to reserve, in nano-units per resource: the app containers' (and sidecars') requests
    summed, or the largest init container's (with the sidecars started before it) if higher, plus the overhead
    (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers,
    https://kubernetes.io/docs/concepts/scheduling-eviction/pod-overhead/)."""
    total: dict[str, int] = {}
    for container in pod.spec.containers:
        _add(total, container.resources.requests)
    sidecars: dict[str, int] = {}
    peak: dict[str, int] = {}
    for container in pod.spec.init_containers:
        own = _add({}, container.resources.requests)
        running = {k: own.get(k, 0) + sidecars.get(k, 0) for k in own.keys() | sidecars.keys()}
        if container.is_sidecar:
            for k, v in own.items():
                total[k] = total.get(k, 0) + v
                sidecars[k] = sidecars.get(k, 0) + v
        for k, v in running.items():
            peak[k] = max(peak.get(k, 0), v)
    for k, v in peak.items():
        total[k] = max(total.get(k, 0), v)
    return _add(total, pod.spec.overhead)


def overcommitted(node: Any, pods: Iterable[Any]) -> list[str]:
    """The resources (and ``pods``) of which ``pods`` together ask more than ``node``'s allocatable: plain sums
    (https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation: "the
    sum of the resource requests of the scheduled containers is less than the capacity of the node")."""
    pods = list(pods)
    allocatable = {name: q.nano for name, q in node.status.allocatable.items()}
    used: dict[str, int] = {}
    for pod in pods:
        for name, amount in pod_request(pod).items():
            used[name] = used.get(name, 0) + amount
    over = [f"pods {len(pods)} > {allocatable.get('pods', 0) // 10**9}"] \
        if len(pods) * 10**9 > allocatable.get("pods", 0) else []
    over += [f"{name} {amount / 1e9:g} > {allocatable.get(name, 0) / 1e9:g}" for name, amount in sorted(used.items())
             if amount > 0 and amount > allocatable.get(name, 0)]
    return over


# --- quota (https://kubernetes.io/docs/concepts/policy/resource-quotas/) -----------------------------------------


def candidates(container: Any, limit_ranges: tuple[Any, ...], resource: str) -> tuple[list[int], list[int]]:
    """Every value the container's request and limit of ``resource`` could have once LimitRange defaults apply
    (https://kubernetes.io/docs/concepts/policy/limit-range/: explicit values, else ``defaultRequest``/``default``;
    a request defaults to the limit), in nano-units."""
    requests, limits = container.resources.requests, container.resources.limits
    limit = [limits[resource].nano] if resource in limits else []
    request = [requests[resource].nano] if resource in requests else list(limit)
    for lr in limit_ranges:
        for item in lr.spec.limits:
            if item.type != "Container":
                continue
            if resource not in limits and resource in item.default:
                limit.append(item.default[resource].nano)
            if resource not in requests:
                request += [m[resource].nano for m in (item.default_request, item.default) if resource in m]
    return request, limit


def _pod_charge(pod: Any, limit_ranges: tuple[Any, ...], name: str) -> int:
    """An upper bound on what ``pod`` adds to quota resource ``name`` (every container counted, each at its highest
    possible value)."""
    if name in ("pods", "count/pods"):
        return 10**9
    kind, _, resource = name.partition(".") if name.startswith(("requests.", "limits.")) else ("requests", "", name)
    total = 0
    for container in (*pod.spec.containers, *pod.spec.init_containers):
        request, limit = candidates(container, limit_ranges, resource)
        total += max((limit if kind == "limits" else request) or [0])
    return total


def quota_charge(obj: Any, limit_ranges: tuple[Any, ...], name: str) -> int:
    """An upper bound on what creating ``obj`` adds to quota resource ``name`` (#object-count-quota,
    #compute-resource-quota, #storage-resource-quota)."""
    if obj.kind == "Pod":
        return _pod_charge(obj, limit_ranges, name)
    counted = {f"count/{obj.resource}" + (f".{obj.api_group}" if obj.api_group else "")}
    if obj.kind == "PersistentVolumeClaim":
        counted.add("persistentvolumeclaims")
        storage = obj.spec.resources.requests.get("storage")
        if name.endswith("requests.storage") and storage is not None:
            return storage.nano
        if name.endswith(".storageclass.storage.k8s.io/persistentvolumeclaims"):
            return 10**9
    if obj.kind == "Service":
        counted.add("services")
        if name in ("services.nodeports", "services.loadbalancers"):
            return 10**9 * max(1, len(obj.spec.ports))
    return 10**9 if name in counted else 0


def pod_limit_violated(pod: Any, item: Any, limit_ranges: tuple[Any, ...]) -> bool:
    """Some possible request or limit of a container (or, for a Pod item, of the containers together) lies outside
    ``item``'s min and max, or exceeds its maxLimitRequestRatio."""
    containers = [*pod.spec.containers, *pod.spec.init_containers]
    for resource in {*item.min, *item.max, *item.max_limit_request_ratio}:
        values = [candidates(c, limit_ranges, resource) for c in containers]
        if item.type == "Pod":
            values = [([sum(max(r or [0]) for r, _ in values), sum(min(r or [0]) for r, _ in values)],
                       [sum(max(v or [0]) for _, v in values), sum(min(v or [0]) for _, v in values)])]
        for request, limit in values:
            if resource in item.min and (not request or min(request + limit) < item.min[resource].nano):
                return True
            if resource in item.max and (not limit or max(request + limit) > item.max[resource].nano):
                return True
            ratio = item.max_limit_request_ratio.get(resource)
            if ratio is not None and limit and (not request or min(request) == 0 or
                                                 max(limit) * 10**9 > ratio.nano * min(request)):
                return True
    return False


def admission_blocks(store: Store, namespace: str, template: Any) -> bool:
    """Whether admission would refuse one more pod of ``template`` in ``namespace``: a quota too full for it
    (:func:`quota_blocks`) or a LimitRange min, max or ratio it violates (https://kubernetes.io/docs/concepts/policy/
    limit-range/): its owner's controller cannot reach its desired state then."""
    limit_ranges = tuple(store.list("LimitRange", namespace))
    return quota_blocks(store, namespace, template) or any(
        pod_limit_violated(template, item, limit_ranges) for lr in limit_ranges for item in lr.spec.limits
        if item.type in ("Container", "Pod"))


def quota_blocks(store: Store, namespace: str, template: Any) -> bool:
    """Whether a quota in ``namespace`` is too full for one more pod of ``template``: its recorded usage plus an
    upper bound on the pod's charge exceeds a hard limit (a controller's creates are then refused until usage
    falls)."""
    limit_ranges = tuple(store.list("LimitRange", namespace))
    return any(used.nano + _pod_charge(template, limit_ranges, name) > hard.nano
               for quota in store.list("ResourceQuota", namespace) for name, hard in quota.status.hard.items()
               if (used := quota.status.used.get(name)) is not None)


# --- placement (https://kubernetes.io/docs/concepts/scheduling-eviction/) -------------------------------------


def tolerates(tolerations: Iterable[Any], taint: Any) -> bool:
    """taint-and-toleration: a toleration matches a taint when the keys are the same (an empty key with Exists
    matches every key), the effects are the same (an empty effect matches every effect) and, for Equal, the
    values are the same."""
    for t in tolerations:
        if t.effect and t.effect != taint.effect:
            continue
        if t.operator == "Exists" and (not t.key or t.key == taint.key):
            return True
        if t.operator in ("", "Equal") and t.key == taint.key and t.value == taint.value:
            return True
    return False


def _requirement_holds(requirement: Any, value: str | None) -> bool:
    """One node selector requirement (assign-pod-node/#operators)."""
    op, values = requirement.operator, requirement.values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if value is None or not value.lstrip("-").isdigit() or not values:
        return False
    return int(value) > int(values[0]) if op == "Gt" else int(value) < int(values[0])


def selects_node(pod_spec: Any, node: Any) -> bool:
    """nodeSelector (every label present with that value) and required node affinity (any term whose
    expressions, on labels, and fields, on ``metadata.name``, all hold)
    (https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/)."""
    labels = node.metadata.labels
    if any(labels.get(k) != v for k, v in pod_spec.node_selector.items()):
        return False
    affinity = pod_spec.affinity
    return _terms_hold(affinity.node_affinity.required if affinity and affinity.node_affinity else None, node)


def _terms_hold(required: Any, node: Any) -> bool:
    """A NodeSelector (None: no constraint) selects ``node``: any of its terms holds."""
    if required is None:
        return True
    labels = node.metadata.labels
    return any(all(_requirement_holds(r, labels.get(r.key)) for r in term.match_expressions)
               and all(_requirement_holds(r, node.name if r.key == "metadata.name" else None)
                       for r in term.match_fields)
               for term in required.node_selector_terms)


def untolerated(node: Any, tolerations: Iterable[Any],
                effects: tuple[str, ...] = (NO_SCHEDULE, NO_EXECUTE)) -> list[Any]:
    tolerations = tuple(tolerations)
    return [t for t in node.spec.taints if t.effect in effects and not tolerates(tolerations, t)]


DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", NO_EXECUTE), ("node.kubernetes.io/unreachable", NO_EXECUTE),
    ("node.kubernetes.io/disk-pressure", NO_SCHEDULE), ("node.kubernetes.io/memory-pressure", NO_SCHEDULE),
    ("node.kubernetes.io/pid-pressure", NO_SCHEDULE), ("node.kubernetes.io/unschedulable", NO_SCHEDULE),
)
"""https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#taints-and-tolerations: the tolerations
the DaemonSet controller adds to daemon pods (network-unavailable too for host-network pods)."""


def _daemon_taint_tolerated(ds: Any, taint: Any) -> bool:
    added = DAEMON_TOLERATIONS + ((("node.kubernetes.io/network-unavailable", NO_SCHEDULE),)
                                  if ds.spec.template.spec.host_network else ())
    return (taint.key, taint.effect) in added or tolerates(ds.spec.template.spec.tolerations, taint)


def daemon_placement(ds: Any, node: Any) -> tuple[bool, bool]:
    """(should run a new daemon pod, may keep a running one) per the DaemonSet docs: the template's
    ``nodeName``, nodeSelector and required node affinity must admit the node (#how-daemon-pods-are-scheduled);
    a new pod needs every NoSchedule/NoExecute taint tolerated, a running one only every NoExecute taint, with
    the tolerations the controller adds (#taints-and-tolerations)."""
    spec = ds.spec.template.spec
    if spec.node_name not in (None, "", node.name) or not selects_node(spec, node):
        return False, False
    bad = [t for t in node.spec.taints if t.effect in (NO_SCHEDULE, NO_EXECUTE) and not _daemon_taint_tolerated(ds, t)]
    return not bad, all(t.effect != NO_EXECUTE for t in bad)


def pod_target_node(pod: Any) -> str | None:
    """The node a daemon pod is for: its nodeName, else the one ``metadata.name`` its required node affinity
    names (#how-daemon-pods-are-scheduled)."""
    if pod.spec.node_name:
        return pod.spec.node_name
    affinity = pod.spec.affinity
    required = affinity.node_affinity.required if affinity and affinity.node_affinity else None
    for term in required.node_selector_terms if required else ():
        for r in term.match_fields:
            if r.key == "metadata.name" and r.operator == "In" and len(r.values) == 1:
                return r.values[0]
    return None


def could_any_node_take(pod: Any, store: Store, nodes_up: Iterable[str] | None = None) -> bool:
    """An over-approximation of whether some node could take ``pod`` (so "no" is trustworthy): a node that is
    schedulable, whose taints the pod tolerates, that its nodeSelector and required node affinity select, with
    room for its requests beside the unfinished pods bound there, and not excluded by a required pod
    anti-affinity term on ``kubernetes.io/hostname`` (the only topology key the check understands), whose bound
    claims' volumes are reachable from it (their PersistentVolume's node affinity); other terms, spread constraints
    and ports are not judged, which only makes the answer "yes" more often."""
    bound = [p for p in store.list("Pod") if p.spec.node_name and not p.is_terminated]
    for node in store.list("Node"):
        if node.spec.unschedulable or untolerated(node, pod.spec.tolerations):
            continue
        if not selects_node(pod.spec, node):
            continue
        here = [p for p in bound if p.spec.node_name == node.name]
        if overcommitted(node, [*here, pod]) or _anti_affinity_excludes(pod, here) or \
                not _volumes_reachable(pod, node, store):
            continue
        return True
    return False


def _volumes_reachable(pod: Any, node: Any, store: Store) -> bool:
    """https://kubernetes.io/docs/concepts/storage/persistent-volumes/#node-affinity: a pod using a bound claim
    runs only on nodes its volume's node affinity selects."""
    for volume in pod.spec.volumes:
        source = volume.persistent_volume_claim
        claim = store.get("PersistentVolumeClaim", pod.namespace, source.claim_name) if source else None
        pv = store.get("PersistentVolume", None, claim.spec.volume_name) if claim and claim.spec.volume_name else None
        if pv is not None and pv.spec.node_affinity is not None and not _terms_hold(pv.spec.node_affinity.required,
                                                                                     node):
            return False
    return True


def _anti_affinity_excludes(pod: Any, here: list[Any]) -> bool:
    affinity = pod.spec.affinity
    terms = affinity.pod_anti_affinity.required if affinity and affinity.pod_anti_affinity else ()
    for term in terms:
        if term.topology_key != "kubernetes.io/hostname" or term.label_selector is None:
            continue
        if term.namespaces or term.namespace_selector is not None:
            continue
        selector = term.label_selector.selector()
        if any(p.namespace == pod.namespace and selector.matches(p.labels) for p in here):
            return True
    return False


# --- RBAC (https://kubernetes.io/docs/reference/access-authn-authz/rbac/) ---------------------------------------


def _subject_is(user: UserInfo, subject: Any, binding_namespace: str) -> bool:
    """#referring-to-subjects: a User by name, a Group by membership, a ServiceAccount as
    ``system:serviceaccount:<namespace>:<name>``."""
    if subject.kind == "User":
        return subject.name == user.name
    if subject.kind == "Group":
        return subject.name in user.groups
    return user.name == f"system:serviceaccount:{subject.namespace or binding_namespace}:{subject.name}"


def _rule_grants(rule: Any, verb: str, group: str, resource: str, name: str) -> bool:
    """#role-and-clusterrole, #referring-to-resources: verbs, apiGroups and resources listed (or ``*``;
    ``*/sub`` for a subresource of anything), and resourceNames, when given, listing the name (never a create)."""
    sub = resource.partition("/")[2]
    return (("*" in rule.verbs or verb in rule.verbs)
            and ("*" in rule.api_groups or group in rule.api_groups)
            and ("*" in rule.resources or resource in rule.resources or (sub and f"*/{sub}" in rule.resources))
            and (not rule.resource_names or (verb != "create" and name in rule.resource_names)))


def rbac_grants(store: Store, user: UserInfo, verb: str, group: str, resource: str, namespace: str | None,
                name: str) -> bool:
    """Whether some binding grants the request: a ClusterRoleBinding's ClusterRole anywhere, or a RoleBinding in
    the request's namespace to a Role there or to a ClusterRole; ``system:masters`` is allowed everything
    (#user-facing-roles: the cluster-admin super-user binding)."""
    if SYSTEM_MASTERS in user.groups:
        return True
    bindings = [(b, "", "") for b in store.list("ClusterRoleBinding")]
    if namespace:
        bindings += [(b, namespace, namespace) for b in store.list("RoleBinding", namespace)]
    for binding, binding_ns, role_ns in bindings:
        if not any(_subject_is(user, s, binding_ns) for s in binding.subjects):
            continue
        ref = binding.role_ref
        role = store.get("ClusterRole", None, ref.name) if ref.kind == "ClusterRole" else \
            store.get("Role", role_ns or None, ref.name)
        if role is not None and any(_rule_grants(r, verb, group, resource, name) for r in role.rules):
            return True
    return False
