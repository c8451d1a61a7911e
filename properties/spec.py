"""A user's ``CheckSpec``: the goals (intents) and fault budget ``kubeproof check --spec`` checks their manifests
against, compiled to ordinary :class:`properties.registry.Property` values.

The file is Kubernetes-style YAML::

    apiVersion: kubeproof.dev/v1alpha1
    kind: CheckSpec
    faults: {node-crash: 2}        # the budget per run, by fault kind (omitted: none)
    settleBetweenFaults: true      # the next fault only once no component has work
    userActions: true              # explore the user's scale/edit/delete commands (default)
    deschedulerPolicy: {...}       # a descheduler/v1alpha2 DeschedulerPolicy: the descheduler runs with it
    intents:
    - name: web-keeps-two
      kind: MinAvailable
      target: {kind: Deployment, namespace: prod, name: web}
      maxUnavailable: 1

Each intent's oracle reads the cluster's runtime rather than what the components it judges wrote, where the runtime
has the answer: a pod is *available* when its node is up and the runtime runs every container of it and finds
each ready (the kubelet's probe results), and, with ``minReadySeconds``, has been Ready that long (the runtime keeps no
readiness time, so the Ready condition's ``lastTransitionTime`` the kubelet reported is the clock; as upstream's
``podutil.IsPodAvailable``, strictly more than ``minReadySeconds`` before now). A pod being deleted is not available
(``controller.FilterActivePods``). Placement (skew) is read from pods' ``spec.nodeName`` and the nodes' labels;
unschedulability is the scheduler's own verdict (the ``PodScheduled`` condition), since that is what the intent is
about; Service endpoints are the ``Endpoints`` object's ready addresses, which is what clients are routed to.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml

from model.apiserver import requests as rq
from model.config import FAULTS
from model.descheduler.policy import KIND as DESCHEDULER_POLICY
from model.descheduler.policy import parse_policy
from model.errors import ManifestError
from model.maintenance import DrainStep
from model.manifests import from_dict
from model.state import ClusterState
from properties.invariants.disruptions import desired_healthy
from properties.registry import LIVENESS, STEP, Property

API_VERSION = "kubeproof.dev/v1alpha1"
WORKLOADS = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController", "DaemonSet", "Job")
REPLICATED = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
REFERENCE = "https://kubernetes.io/docs/concepts/workloads/pods/disruptions/"
BUDGET = "PodDisruptionBudget"


@attrs.frozen
class Target:
    kind: str
    namespace: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


@attrs.frozen
class Intent:
    """One goal: ``kind`` (a key of :data:`KINDS`), its target and its parameters (field name -> value)."""

    name: str
    kind: str
    target: Target
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)


@attrs.frozen
class CheckSpec:
    faults: tuple[tuple[str, int], ...] = ()
    settle_between_faults: bool = False
    user_actions: bool = True
    intents: tuple[Intent, ...] = ()
    document: Any = None
    """The spec as written (travels in the trace's ``initial`` so that ``kubeproof replay`` rebuilds it)."""
    descheduler_policy: Any = None
    """A DeschedulerPolicy document (validated): the descheduler runs with it (``model.descheduler``)."""


# --- reading --------------------------------------------------------------------------------------------------------


def load_spec(path: str) -> CheckSpec:
    """Read and validate a spec file (one line naming the file, intent and field on any mistake)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ManifestError(f"cannot read: {e.strerror}", "", path) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ManifestError(f"invalid YAML: {str(e).splitlines()[0]}", "", path) from None
    return parse_spec(document, path)


def _error(message: str, field: str, source: str) -> ManifestError:
    return ManifestError(message, field, source)


def _int(value: Any, field: str, source: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _error(f"Invalid value: {value!r}: must be an integer >= {minimum}", field, source)
    return value


def _bool(value: Any, field: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise _error(f"Invalid value: {value!r}: must be true or false", field, source)
    return value


def _int_or_percent(value: Any, field: str, source: str) -> int | str:
    """An integer >= 0 or a percentage "0%".."100%" (intstr.IntOrString, as a PodDisruptionBudget takes)."""
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit() and int(value[:-1]) <= 100:
        return value
    if isinstance(value, str):
        raise _error(f'Invalid value: "{value}": must be an integer or a percentage between 0% and 100%', field,
                     source)
    return _int(value, field, source, 0)


def _positive(value: Any, field: str, source: str) -> int:
    return _int(value, field, source, 1)


def _string(value: Any, field: str, source: str) -> str:
    if not isinstance(value, str) or not value:
        raise _error(f"Invalid value: {value!r}: must be a non-empty string", field, source)
    return value


_FIELD_CHECKS: dict[str, Callable[[Any, str, str], Any]] = {
    "minAvailable": _int_or_percent, "maxUnavailable": _int_or_percent, "topologyKey": _string,
    "maxSkew": _positive, "withinSeconds": _positive, "count": _positive,
}


@attrs.frozen
class Kind:
    """An intent kind: the targets it takes, its required and optional fields, and its property builder."""

    targets: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    build: Callable[[Intent], Property]
    one_of: tuple[str, ...] = ()


def parse_spec(document: Any, source: str) -> CheckSpec:
    """A :class:`CheckSpec` from its parsed YAML."""
    if not isinstance(document, dict):
        raise _error("a CheckSpec must be a mapping", "", source)
    allowed = {"apiVersion", "kind", "metadata", "faults", "settleBetweenFaults", "userActions", "intents",
               "deschedulerPolicy"}
    for key in document:
        if key not in allowed:
            raise _error(f'unknown field "{key}"', str(key), source)
    if document.get("apiVersion") != API_VERSION:
        raise _error(f'Unsupported value: {document.get("apiVersion")!r}: supported values: "{API_VERSION}"',
                     "apiVersion", source)
    if document.get("kind") != "CheckSpec":
        raise _error(f'Unsupported value: {document.get("kind")!r}: supported values: "CheckSpec"', "kind", source)
    faults = document.get("faults") or {}
    if not isinstance(faults, dict):
        raise _error("must be a mapping of fault name to count", "faults", source)
    budget = []
    for name, value in faults.items():
        if name not in FAULTS:
            raise _error(f'Unsupported value: "{name}": supported values: {", ".join(FAULTS)}', f"faults.{name}",
                         source)
        budget.append((name, _int(value, f"faults.{name}", source, 0)))
    settle = _bool(document.get("settleBetweenFaults", False), "settleBetweenFaults", source)
    users = _bool(document.get("userActions", True), "userActions", source)
    raw = document.get("intents") or []
    if not isinstance(raw, list):
        raise _error("must be a list", "intents", source)
    intents: list[Intent] = []
    for i, entry in enumerate(raw):
        intent = _parse_intent(entry, f"intents[{i}]", source)
        if any(other.name == intent.name for other in intents):
            raise _error(f'Duplicate value: "{intent.name}"', f"intents[{i}] ({intent.name}).name", source)
        intents.append(intent)
    policy = document.get("deschedulerPolicy")
    if policy is not None:
        if not isinstance(policy, dict) or policy.get("kind") != DESCHEDULER_POLICY:
            raise _error(f'Unsupported value: must be a {DESCHEDULER_POLICY} (kind: {DESCHEDULER_POLICY})',
                         "deschedulerPolicy.kind", source)
        try:
            parse_policy(policy, "deschedulerPolicy")
        except ManifestError as e:
            raise _error(e.message, e.field, source) from None
    return CheckSpec(tuple(sorted(budget)), settle, users, tuple(intents), document, policy)


def _parse_intent(entry: Any, path: str, source: str) -> Intent:
    if not isinstance(entry, dict):
        raise _error("an intent must be a mapping", path, source)
    name = _string(entry.get("name"), f"{path}.name", source)
    where = f"{path} ({name})"
    kind_name = entry.get("kind")
    if kind_name not in KINDS:
        raise _error(f'Unsupported value: {kind_name!r}: supported values: {", ".join(KINDS)}', f"{where}.kind",
                     source)
    kind = KINDS[kind_name]
    for key in entry:
        if key not in {"name", "kind", "target", *kind.required, *kind.optional}:
            raise _error(f'unknown field "{key}" for {kind_name}', f"{where}.{key}", source)
    target = entry.get("target")
    if not isinstance(target, dict):
        raise _error("Required value: {kind, namespace, name}", f"{where}.target", source)
    for key in target:
        if key not in ("kind", "namespace", "name"):
            raise _error(f'unknown field "{key}"', f"{where}.target.{key}", source)
    if target.get("kind") not in kind.targets:
        raise _error(f'Unsupported value: {target.get("kind")!r}: supported values: {", ".join(kind.targets)}',
                     f"{where}.target.kind", source)
    namespace = target.get("namespace", "default")
    _string(namespace, f"{where}.target.namespace", source)
    parsed = Target(target["kind"], namespace, _string(target.get("name"), f"{where}.target.name", source))
    for key in kind.required:
        if key not in entry:
            raise _error("Required value", f"{where}.{key}", source)
    if kind.one_of and sum(key in entry for key in kind.one_of) != 1:
        raise _error(f"Invalid value: exactly one of {' and '.join(kind.one_of)} must be set", where, source)
    params = tuple((key, _FIELD_CHECKS[key](entry[key], f"{where}.{key}", source))
                   for key in (*kind.required, *kind.optional) if key in entry)
    return Intent(name, kind_name, parsed, params)


def check_targets(spec: CheckSpec, objects: Sequence[Any], source: str) -> None:
    """Every intent's target is among the manifests (one line naming the intent otherwise)."""
    present = {(o.kind, o.namespace or "default", o.name) for o in objects if getattr(o, "metadata", None)}
    for i, intent in enumerate(spec.intents):
        t = intent.target
        if (t.kind, t.namespace, t.name) not in present:
            raise _error(f"Not found: {t} is not in the manifests", f"intents[{i}] ({intent.name}).target", source)


def compile_intents(spec: CheckSpec) -> tuple[Property, ...]:
    """The spec's intents as properties, in the spec's order."""
    return tuple(build_intent(intent) for intent in spec.intents)


def build_intent(intent: Intent) -> Property:
    """One intent as a property, which worker processes can build again from the intent (``Property.origin``)."""
    return attrs.evolve(KINDS[intent.kind].build(intent), origin=("properties.spec", "build_intent", (intent,)))


# --- oracles --------------------------------------------------------------------------------------------------------


def _controlled_by(state: ClusterState, owner: Any) -> Iterator[Any]:
    uid = owner.metadata.uid
    for pod in state.store.list("Pod", owner.namespace):
        ref = pod.metadata.controller_ref()
        if ref is not None and ref.uid == uid:
            yield pod


def target_pods(state: ClusterState, target: Target) -> list[Any]:
    """The target's pods: those it controls, or (a Deployment) those its ReplicaSets control, or (a
    PodDisruptionBudget) those its selector matches."""
    owner = state.store.get(target.kind, target.namespace, target.name)
    if owner is None:
        return []
    if target.kind == BUDGET:
        selector = owner.spec.pod_selector()
        return [p for p in state.store.list("Pod", target.namespace) if selector.matches(p.labels)]
    if target.kind != "Deployment":
        return list(_controlled_by(state, owner))
    pods = []
    for rs in state.store.list("ReplicaSet", target.namespace):
        ref = rs.metadata.controller_ref()
        if ref is not None and ref.uid == owner.metadata.uid:
            pods.extend(_controlled_by(state, rs))
    return pods


def runs_ready(state: ClusterState, pod: Any) -> bool:
    """The runtime's view: the pod's node is up and runs every container of it, each ready."""
    runtime = state.nodes.get(pod.spec.node_name) if pod.spec.node_name else None
    if runtime is None or not runtime.up:
        return False
    running = runtime.pods.get(pod.metadata.uid)
    if running is None or running.killed or running.rejected is not None or not running.containers:
        return False
    sidecars = [c for c, spec in zip(running.init_containers, pod.spec.init_containers, strict=False)
                if spec.is_sidecar]
    return all(c.running and c.ready for c in (*sidecars, *running.containers))


def available(state: ClusterState, pod: Any, min_ready_seconds: int) -> bool:
    """Serving now (:func:`runs_ready`), not being deleted, and Ready for more than ``minReadySeconds``."""
    if pod.metadata.deletion_timestamp is not None or not runs_ready(state, pod):
        return False
    if min_ready_seconds == 0:
        return True
    ready = pod.status.condition("Ready")
    since = ready.last_transition_time if ready is not None and ready.status == "True" else None
    return isinstance(since, int) and since + min_ready_seconds < state.time


def _owner(state: ClusterState, target: Target) -> Any:
    return state.store.get(target.kind, target.namespace, target.name)


def _available_pods(state: ClusterState, target: Target) -> list[Any]:
    owner = _owner(state, target)
    if owner is None:
        return []
    min_ready = getattr(owner.spec, "min_ready_seconds", 0) or 0
    return [p for p in target_pods(state, target) if available(state, p, min_ready)]


def resolve(value: int | str, total: int) -> int:
    """intstr.GetScaledValueFromIntOrPercent rounding up, as the disruption controller does."""
    if isinstance(value, str):
        return math.ceil(int(value[:-1]) * total / 100)
    return value


def _bar(intent: Intent, state: ClusterState) -> int | None:
    """The fewest available pods the intent allows in ``state`` (None: the target does not exist, or a budget's
    number is undefined)."""
    owner = _owner(state, intent.target)
    if owner is None:
        return None
    if intent.target.kind == BUDGET:
        return desired_healthy(owner, state.store)
    replicas = owner.spec.replicas
    if intent.param("minAvailable") is not None:
        return resolve(intent.param("minAvailable"), replicas)
    return max(0, replicas - resolve(intent.param("maxUnavailable"), replicas))


def _users_step(action: Any) -> bool:
    """The user's own command (a voluntary disruption is the user's; the intents judge what the cluster does), the
    steps of a drain the user started included (``model.maintenance``)."""
    return type(action).__name__ in ("Submit", "SubmitPending", "ForceDeletePod") or \
        (isinstance(action, DrainStep) and action.by_user)


def _names(pods: Sequence[Any]) -> str:
    return ", ".join(f"{p.name} on {p.spec.node_name}" for p in pods) or "none"


def _evicts(action: Any) -> bool:
    """The user's eviction (``kubectl drain``): the voluntary disruption a PodDisruptionBudget governs."""
    return isinstance(getattr(action, "request", None), rq.Evict)


def _of_replicas(state: ClusterState, target: Target) -> str:
    owner = _owner(state, target)
    return "its pods" if target.kind == BUDGET else f"{owner.spec.replicas} replicas"


def budget_properties(objects: Sequence[Any]) -> tuple[Property, ...]:
    """The properties of :func:`budget_intents`: one per PodDisruptionBudget among ``objects``."""
    return tuple(build_intent(intent) for intent in budget_intents(objects))


def budget_intents(objects: Sequence[Any]) -> tuple[Intent, ...]:
    """Every PodDisruptionBudget among the manifests as a MinAvailable intent over its selector, named
    ``pdb-<namespace>-<name>``: no step but the user's own non-eviction commands (which a budget does not govern:
    deleting pods, scaling, rolling out) takes its healthy pods below the budget (its desired count, as the
    ``evictions-within-budget`` oracle computes it). It holds under voluntary disruptions (drains); a node
    crash during a drain is what it exists to show."""
    intents = []
    for obj in objects:
        if obj.kind != BUDGET or (obj.spec.min_available is None and obj.spec.max_unavailable is None):
            continue
        field_ = ("minAvailable", obj.spec.min_available) if obj.spec.min_available is not None else \
            ("maxUnavailable", obj.spec.max_unavailable)
        intents.append(Intent(f"pdb-{obj.namespace}-{obj.name}", "MinAvailable",
                              Target(BUDGET, obj.namespace, obj.name), (field_,)))
    return tuple(intents)


def _min_available(intent: Intent) -> Property:
    """A step never takes the target's available pods from at least the bar to below it (the bar before and after
    the step, whichever is lower: a user's scale-down lowers it, as a PodDisruptionBudget's ``expectedCount`` does,
    and a scale-up does not count against pods not yet started). Runs with a spec start from the settled cluster,
    where the target is fully available, so this is "at every state after it first became available"; while the
    target is below the bar for a reason that is not a violation (a scale-up) further drops are not reported."""
    target = intent.target
    wanted = (f"minAvailable {intent.param('minAvailable')}" if intent.param("minAvailable") is not None
              else f"maxUnavailable {intent.param('maxUnavailable')}")

    def check(before: ClusterState, transition: Any, after: ClusterState, config: Any) -> list[str]:
        if _users_step(transition.action) and not (target.kind == BUDGET and _evicts(transition.action)):
            return []
        bars = [b for b in (_bar(intent, before), _bar(intent, after)) if b is not None]
        if not bars:
            return []
        bar = min(bars)
        now = _available_pods(after, target)
        if len(now) >= bar or len(_available_pods(before, target)) < bar:
            return []
        return [f"{target} has {len(now)} available pod(s) ({_names(now)}), fewer than {bar} ({wanted} of "
                f"{_of_replicas(after, target)})"]

    return Property(intent.name, STEP, f"{target} keeps {wanted} available pods (MinAvailable).", REFERENCE, check)


def _scheduling_failed(pod: Any) -> bool:
    condition = pod.status.condition("PodScheduled")
    return condition is not None and condition.status == "False" and condition.reason == "Unschedulable"


def _always_schedulable(intent: Intent) -> Property:
    """Once the cluster has settled no pod of the target is Unschedulable (its PodScheduled condition False, reason
    Unschedulable, as kube-scheduler writes it). Settled is where fair execution comes to rest once users and faults
    stop (a liveness check): a state with nothing to do *now* may still have a component waiting on a timer (the
    node lifecycle controller's next look, a scheduler back-off) that would place the pod."""
    target = intent.target

    def check(state: ClusterState, config: Any) -> list[str]:
        stuck = [p for p in target_pods(state, target)
                 if p.metadata.deletion_timestamp is None and not p.spec.node_name and _scheduling_failed(p)]
        if not stuck:
            return []
        return [f"pod {p.namespace}/{p.name} of {target} is Unschedulable once the cluster has settled: "
                f"{p.status.condition('PodScheduled').message}" for p in stuck[:1]]

    return Property(intent.name, LIVENESS, f"Every pod of {target} can be scheduled (AlwaysSchedulable).",
                    "https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/", check)


def skew(state: ClusterState, pods: Sequence[Any], key: str) -> tuple[int, dict[str, int]]:
    """Pods per topology domain (every node's value of ``key``, empty domains included) and the skew, max - min."""
    counts = {n.metadata.labels[key]: 0 for n in state.store.list("Node") if key in n.metadata.labels}
    for pod in pods:
        node = state.store.get("Node", None, pod.spec.node_name) if pod.spec.node_name else None
        if node is not None and key in node.metadata.labels:
            counts[node.metadata.labels[key]] += 1
    return (max(counts.values()) - min(counts.values()) if counts else 0), counts


def _max_skew(intent: Intent) -> Property:
    """Once the cluster has settled (as for AlwaysSchedulable: where fair execution comes to rest once users and
    faults stop) the target's live, bound pods spread over ``topologyKey`` with skew at most ``maxSkew``
    (PodTopologySpread's skew: pods in the fullest domain less pods in the emptiest)."""
    target, key, limit = intent.target, intent.param("topologyKey"), intent.param("maxSkew")

    def check(state: ClusterState, config: Any) -> list[str]:
        pods = [p for p in target_pods(state, target) if p.metadata.deletion_timestamp is None and p.spec.node_name]
        found, counts = skew(state, pods, key)
        if found <= limit:
            return []
        spread = ", ".join(f"{domain}: {n}" for domain, n in sorted(counts.items()))
        return [f"{target} is spread over {key} with skew {found} > {limit} once the cluster has settled ({spread})"]

    return Property(intent.name, LIVENESS, f"{target} spreads over {key} with skew <= {limit} (MaxSkew).",
                    "https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/", check)


def _endpoints_at_least(intent: Intent) -> Property:
    """A step never takes the Service's ready endpoint addresses from at least ``count`` to below it (users' own
    commands aside, as for MinAvailable)."""
    target, count = intent.target, intent.param("count")

    def ready(state: ClusterState) -> list[str]:
        endpoints = state.store.get("Endpoints", target.namespace, target.name)
        if endpoints is None:
            return []
        return [a.ip for s in endpoints.subsets for a in s.addresses]

    def check(before: ClusterState, transition: Any, after: ClusterState, config: Any) -> list[str]:
        if _users_step(transition.action):
            return []
        now = ready(after)
        if len(now) >= count or len(ready(before)) < count:
            return []
        return [f"{target} has {len(now)} ready endpoint(s) ({', '.join(now) or 'none'}), fewer than {count}"]

    return Property(intent.name, STEP, f"{target} keeps at least {count} ready endpoints (EndpointsAtLeast).",
                    "https://kubernetes.io/docs/concepts/services-networking/service/", check)


def _desired(state: ClusterState, target: Target) -> bool:
    owner = _owner(state, target)
    if owner is None:
        return True
    live = [p for p in target_pods(state, target) if p.metadata.deletion_timestamp is None and not p.is_terminated]
    return len(live) == owner.spec.replicas == len(_available_pods(state, target))


def _reached_at(state: ClusterState, target: Target) -> int:
    """When the target last reached its desired state: its last pod's Ready time, plus ``minReadySeconds``."""
    owner = _owner(state, target)  # None once a user deleted it (which :func:`_desired` counts as reached)
    min_ready = (getattr(owner.spec, "min_ready_seconds", 0) or 0) if owner is not None else 0
    times = [c.last_transition_time for p in _available_pods(state, target)
             if (c := p.status.condition("Ready")) is not None and isinstance(c.last_transition_time, int)]
    return max(times, default=0) + (min_ready + 1 if min_ready else 0)


def _converges(intent: Intent) -> Property:
    """Once users and faults stop, fair execution brings the target to its desired state (``replicas`` pods, all
    available, none extra) within ``withinSeconds`` of model time."""
    target, within = intent.target, intent.param("withinSeconds")

    def check(state: ClusterState, config: Any, since: int | None = None) -> list[str]:
        if _owner(state, target) is None:
            return []  # deleted meanwhile (e.g. with its namespace): nothing left to converge
        if not _desired(state, target):
            return [f"{target} did not reach its desired state once users and faults stopped "
                    f"({len(_available_pods(state, target))} available of {_owner(state, target).spec.replicas})"]
        reached = _reached_at(state, target)
        if since is not None and reached - since > within:
            return [f"{target} reached its desired state {reached - since}s after users and faults stopped, "
                    f"more than {within}s"]
        return []

    return Property(intent.name, LIVENESS, f"{target} converges within {within}s (Converges).",
                    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/", check, since_quiet=True)


def _no_oscillation(intent: Intent) -> Property:
    """Without users or faults, the target's pods do not cycle: following fair execution on from the state a run
    converged to (time passing when nothing else can happen), the target never comes back to a shape it had (the
    same number of live pods per node, revision and phase) with other pods, i.e. pods deleted and recreated in the
    same place. The message spells out the loop; a trace of it is written as a lasso of that observable state
    (:mod:`properties.oscillation`, which follows fair execution)."""
    from properties import oscillation  # it builds on this module
    target = intent.target

    def check(state: ClusterState, config: Any) -> list[str]:
        cycle = oscillation.find(state, config, target)
        return [] if cycle is None else [oscillation.message(target, cycle)]

    return Property(intent.name, LIVENESS, f"{target}'s pods do not cycle without users or faults (NoOscillation).",
                    "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/", check)


KINDS: dict[str, Kind] = {
    "MinAvailable": Kind(REPLICATED, (), ("minAvailable", "maxUnavailable"), _min_available,
                         one_of=("minAvailable", "maxUnavailable")),
    "AlwaysSchedulable": Kind(WORKLOADS, (), (), _always_schedulable),
    "MaxSkew": Kind(WORKLOADS, ("topologyKey", "maxSkew"), (), _max_skew),
    "NoOscillation": Kind(WORKLOADS, (), (), _no_oscillation),
    "Converges": Kind(REPLICATED, ("withinSeconds",), (), _converges),
    "EndpointsAtLeast": Kind(("Service",), ("count",), (), _endpoints_at_least),
}
"""Every intent kind by name."""


# --- runs -----------------------------------------------------------------------------------------------------------


def scenario_for(scenario: Any, spec: CheckSpec) -> Any:
    """``scenario`` under the spec: its descheduler policy (if any) in the cluster, its faults enabled and budgeted,
    settling between them if asked, the user's kubectl commands explored or not, and starting from the settled
    cluster (the workloads up, where the intents' goals are about; that state is computed once per scenario)."""
    faults = frozenset(scenario.config.faults) | {name for name, n in spec.faults if n > 0}
    if spec.descheduler_policy is not None:  # the spec's policy replaces one the manifests hold
        kept = tuple(o for o in scenario.objects if o.kind != DESCHEDULER_POLICY)
        scenario = attrs.evolve(scenario, objects=(*kept, from_dict(spec.descheduler_policy, "deschedulerPolicy")))
    return attrs.evolve(scenario, config=attrs.evolve(scenario.config, faults=faults), fault_budget=spec.faults,
                        settle_between_faults=spec.settle_between_faults, kubectl=spec.user_actions, settled=True)


def module_properties(name: str) -> tuple[Property, ...]:
    """The properties a user's module defines (``--properties-module``): its ``PROPERTIES`` if it has one, else
    every :class:`Property` at its top level, in definition order."""
    import importlib
    try:
        module = importlib.import_module(name)
    except Exception as e:  # noqa: BLE001 - any failure importing the user's module is their input error
        raise ManifestError(f"cannot import: {type(e).__name__}: {e}", "", name) from None
    found = getattr(module, "PROPERTIES", None)
    if found is None:
        found = tuple(v for v in vars(module).values() if isinstance(v, Property))
    if not found or not all(isinstance(p, Property) for p in found):
        raise ManifestError("defines no properties (use the properties.registry decorators)", "", name)
    return tuple(attrs.evolve(p, origin=("properties.spec", "module_property", (name, p.name))) for p in found)


def module_property(module: str, name: str) -> Property:
    """The property called ``name`` of a user's module, as :func:`module_properties` gives it (for worker
    processes, which import the module themselves)."""
    return next(p for p in module_properties(module) if p.name == name)


def _budgets_of(manifests: Any) -> list[Any]:
    """The PodDisruptionBudgets among a trace's manifests (a malformed one is left to the trace's own validation,
    ``properties.trace.replay``, which names its file and field)."""
    if not isinstance(manifests, list):
        return []
    try:
        return [from_dict(m) for m in manifests if isinstance(m, dict) and m.get("kind") == BUDGET]
    except ManifestError:
        return []


def replay_properties(trace: dict, builtin: Sequence[Property]) -> tuple[Property, ...]:
    """What a saved trace was checked against: the built-in properties (unless it ran only intents), its spec's
    intents and its properties module's."""
    initial = trace.get("initial", {})
    chosen = () if initial.get("onlyIntents") else tuple(builtin)
    chosen += budget_properties(_budgets_of(initial.get("manifests")))
    if initial.get("spec") is not None:
        chosen += compile_intents(parse_spec(initial["spec"], "trace initial.spec"))
    if initial.get("propertiesModule"):
        chosen += module_properties(initial["propertiesModule"])
    return chosen
