"""Why a pod stays pending, in named constraints.

Three sources, in order: admission (the pod was never admitted: quota, LimitRange, PriorityClass, see
:mod:`solver.instance`); the static filters (the model's verdict per node, grouped: ``taint
gpu=true:NoSchedule on nodes n3,n4``); and, for the candidate nodes, an unsat core. The core query keeps every
other pod where the placement put it, frees the pending pod's own variables (and the node-used ones), asks
for one more of its pods, and tracks each named constraint with an assumption literal; Z3's minimised core
names the capacities, quotas, (anti-)affinity and spread constraints that stop it, rendered with the
placement's numbers (``quota requests.cpu in namespace dev: 95/100 used``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import z3

from model.admission import resourcequota
from model.quantity import Quantity
from model.resources import allowed_pod_number, scheduler_resources
from model.taints import first_untolerated
from solver.encoding import HARD, Encoding, Label, literal_value
from solver.instance import NEW, Instance, Unit
from solver.search import UNSAT, Z3Backend

SHOWN_NODES = 8
CORE_SECONDS = 5.0
"""The time limit of one unsat core explaining a pending pod."""


def amount(resource: str, value: int) -> str:
    """A scheduler amount as Kubernetes prints it (cpu from millicores; pods as a count)."""
    if resource == "cpu":
        return str(Quantity.from_milli(value))
    return str(value) if resource == "pods" else str(Quantity.from_int(value))


def _nodes(names: Sequence[str]) -> str:
    shown = ",".join(names[:SHOWN_NODES])
    return shown if len(names) <= SHOWN_NODES else f"{shown} and {len(names) - SHOWN_NODES} more"


def static_reasons(instance: Instance, unit: Unit) -> list[str]:
    """The static verdicts on the unit's pod, one line per distinct reason with the nodes giving it."""
    pod = instance.pods[unit.pods[0]].pod
    grouped: dict[str, list[str]] = {}
    for node in instance.nodes:
        reason = unit.static.get(node.name)
        if reason is None:
            continue
        plugin, _, detail = reason.partition(": ")
        if plugin == "TaintToleration":
            taint = first_untolerated(node.taints, pod.spec.tolerations)
            text = f"taint {taint}" if taint is not None else reason
        elif plugin == "NodeAffinity":
            text = "nodeSelector/node affinity not matched"
        elif plugin == "NodeUnschedulable":
            text = "node unschedulable (cordoned)"
        elif plugin == "NodeResourcesFit":
            text = f"not enough room even when empty of new pods: {detail}"
        else:
            text = reason
        grouped.setdefault(text, []).append(node.name)
    return [f"{text} on nodes {_nodes(names)}" for text, names in grouped.items()]


def _allocatable(instance: Instance, node: str, resource: str) -> int:
    n = instance.node(node)
    return allowed_pod_number(n) if resource == "pods" else scheduler_resources(n.allocatable).get(resource, 0)


def _requested(instance: Instance, counts: Mapping[tuple[int, str], int], node: str, resource: str) -> int:
    """What the staying pods and the placement request of ``resource`` on ``node``."""
    placed = sum(k * (instance.units[u].requests.get(resource, 0) if resource != "pods" else 1)
                 for (u, n), k in counts.items() if n == node)
    return _allocatable(instance, node, resource) - instance.free(node).get(resource, 0) + placed


def _key(instance: Instance, unit: int) -> str:
    return instance.pods[instance.units[unit].pods[0]].key


def _quota_line(instance: Instance, counts: Mapping[tuple[int, str], int], label: Label, unit: int) -> str:
    _, namespace, name, resource = label
    quota = next(q for q in instance.quotas if q.namespace == namespace and q.name == name)
    used = quota.status.used.get(resource, Quantity.from_int(0))
    for (u, _), k in counts.items():
        info = instance.pods[instance.units[u].pods[0]]
        charge = resourcequota.usage(info.pod).get(resource)
        if info.origin == NEW and charge is not None and info.pod.namespace == namespace \
                and resourcequota.matches_scopes(quota, info.pod):
            for _ in range(k):
                used = used + charge
    need = resourcequota.usage(instance.pods[instance.units[unit].pods[0]].pod).get(resource)
    return (f"quota {resource} in namespace {namespace}: {used}/{quota.status.hard[resource]} used"
            + (f" (the pod needs {need})" if need is not None else ""))


def render(instance: Instance, unit: int, labels: Sequence[Label], counts: Mapping[tuple[int, str], int]) -> list[str]:
    """Core labels as sentences; full capacities of one resource are merged across nodes."""
    lines: list[str] = []
    full: dict[str, list[str]] = {}
    for label in labels:
        kind = label[0]
        if kind in ("capacity", "pods"):
            full.setdefault(label[2] if kind == "capacity" else "pods", []).append(label[1])
        elif kind == "quota":
            lines.append(_quota_line(instance, counts, label, unit))
        elif kind == "ports":
            other = label[2] if label[1] == unit else label[1]
            lines.append(f"host port conflict with {_key(instance, other)}")
        elif kind == "anti-affinity":
            other = label[3] if label[2] == unit else label[2]
            lines.append(f"pod anti-affinity ({label[1]}) with {_key(instance, other)}")
        elif kind == "affinity":
            whose = "" if label[1] == unit else f" of {_key(instance, label[1])}"
            lines.append(f"required pod affinity{whose} ({label[2]}): no matching pod in the domain")
        elif kind == "spread":
            whose = "" if label[1] == unit else f" of {_key(instance, label[1])}"
            lines.append(f"topology spread{whose} ({label[2]}, maxSkew {label[3]}) would be exceeded")
        elif kind == "require":
            lines.append(f"{_key(instance, label[1])} must be placed (all or nothing)")
    need = instance.units[unit].requests
    for resource, nodes in reversed(full.items()):
        shown = ", ".join(f"{n} {amount(resource, _requested(instance, counts, n, resource))}"
                          f"/{amount(resource, _allocatable(instance, n, resource))}" for n in nodes[:4])
        more = f" and {len(nodes) - 4} more" if len(nodes) > 4 else ""
        lines.insert(0, f"{resource} full on {len(nodes)} node(s) (requested/allocatable: {shown}{more}; the pod "
                        f"needs {amount(resource, need.get(resource, 0) if resource != 'pods' else 1)})")
    return lines


def core(encoding: Encoding, unit: int, values: Sequence[int], seconds: float = CORE_SECONDS) -> list[Label] | None:
    """The named constraints stopping one more pod of ``unit`` with every other pod where ``values`` puts it;
    None when one more could be placed (the search stopped early)."""
    slots = encoding.slots[unit]
    free = {v for v in range(1, encoding.num_vars + 1) if encoding.owners[v] == unit} | set(encoding.used.values())
    solver = z3.Solver()
    solver.set("core.minimize", True)
    solver.set("timeout", max(1, int(seconds * 1000)))
    variables = {v: z3.Int(f"v{v}") for v in sorted(free)}
    trackers: dict[Label, z3.BoolRef] = {}
    for v, var in variables.items():
        solver.add(var >= (values[v] if v in slots.values() else 0))
        if v not in slots.values():
            solver.add(var <= encoding.upper[v])
    for node, v in slots.items():
        # a slot's bound is what fits on the node alone: named after the resource that sets it
        label = ("capacity", node, _limiting(encoding, unit, node))
        tracker = trackers.setdefault(label, z3.Bool(f"track{len(trackers)}"))
        solver.add(z3.Implies(tracker, variables[v] <= encoding.upper[v]))
    for c in encoding.constraints:
        if c.role != HARD or not (any(v in free for v, _ in c.terms) or abs(c.guard) in free):
            continue
        if c.label is not None and c.label[0] == "require":
            continue
        if c.guard and abs(c.guard) not in free and not literal_value(values, c.guard):
            continue
        bound = c.bound - sum(a * values[v] for v, a in c.terms if v not in free)
        terms = [a * variables[v] for v, a in c.terms if v in free]
        total = z3.Sum(terms) if terms else z3.IntVal(0)
        body = total <= bound if c.op == "<=" else total >= bound
        if c.guard and abs(c.guard) in free:
            guard = variables[abs(c.guard)]
            body = z3.Implies(guard >= 1 if c.guard > 0 else guard <= 0, body)
        if c.label is None:
            solver.add(body)
        else:
            tracker = trackers.setdefault(c.label, z3.Bool(f"track{len(trackers)}"))
            solver.add(z3.Implies(tracker, body))
    placed = sum(values[v] for v in slots.values())
    solver.add(z3.Sum([variables[v] for v in slots.values()]) >= placed + 1)
    if solver.check(*trackers.values()) != z3.unsat:
        return None
    found = {str(t) for t in solver.unsat_core()}
    return [label for label, tracker in trackers.items() if str(tracker) in found]


def _limiting(encoding: Encoding, unit: int, node: str) -> str:
    """The resource that bounds how many of the unit's pods fit on the node alone ("pods" for the count)."""
    u = encoding.units[unit]
    free = encoding.instance.free(node)
    cap = encoding.upper[encoding.slots[unit][node]]
    return next((r for r, a in sorted(u.requests.items()) if a > 0 and free.get(r, 0) // a == cap), "pods")


def infeasible_core(encoding: Encoding, seconds: float) -> list[Label]:
    """The named constraints of an infeasible encoding (all or nothing), minimised."""
    backend = Z3Backend(attrs.evolve(encoding, constraints=()))
    backend.solver.set("core.minimize", True)
    labels = sorted({c.label for c in encoding.constraints if c.label is not None}, key=str)
    names = {label: f"track{i}" for i, label in enumerate(labels)}
    script = [f"(declare-const {name} Bool)" for name in names.values()]
    for c in encoding.constraints:
        body = backend.smt(c)
        script.append(f"(assert {body})" if c.label is None else f"(assert (=> {names[c.label]} {body}))")
    backend.solver.from_string("".join(script))
    if backend.check([z3.Bool(name) for name in names.values()], seconds) != UNSAT:
        return []
    found = {str(t) for t in backend.solver.unsat_core()}
    return [label for label, name in names.items() if name in found]
