"""The solver against brute force on random small instances (up to 6 pods x 3 nodes).

Brute force enumerates every placement reachable by binding the admitted pods in queue order, each either left
pending or bound to a node the model's own filters accept at that moment (and, in solver quota mode, only
placements whose new pods pass ResourceQuota admission in arrival order). It is independent of the encoding.
Properties: the solver's optimum equals the brute-force optimum (max-placed per priority, then nodes used);
``infeasible`` (all or nothing) only when no placement places every pod; no solver objective is worse than
a greedy kube-scheduler profile's value for the same (lexicographic) objective (greedy profiles admit pods
the Kubernetes way, in arrival order, whatever the solver's quota mode).
"""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from model.admission import resourcequota
from model.objects import PriorityClass, ResourceQuota
from solver import greedy
from solver.api import Options, schedule
from solver.instance import NEW, SOLVER, Instance, build
from solver.verify import bind, filter_reasons, unbound
from tests.solver.helpers import HOST, ZONE, affinity, anti, node, pod, spread

CLASSES = [PriorityClass.from_dict({"metadata": {"name": "high"}, "value": 100})]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list, list, str]:
    nodes = []
    for i in range(draw(st.integers(1, 3))):
        taints = [{"key": "gpu", "value": "x", "effect": "NoSchedule"}] if draw(st.integers(0, 4)) == 0 else []
        nodes.append(node(f"n{i}", cpu=str(draw(st.integers(1, 4))), memory=f"{draw(st.integers(1, 4))}Gi",
                          pods=draw(st.integers(1, 4)), zone="ab"[draw(st.integers(0, 1))], taints=taints,
                          labels={"disk": draw(st.sampled_from(["ssd", "hdd"]))}))
    cluster: list = [*nodes, *CLASSES]
    if draw(st.booleans()):
        host = draw(st.sampled_from(nodes)).name
        cluster.append(pod("running", cpu="1", memory="1Gi", labels={"app": "a"}, node_name=host))
    quota_mode = draw(st.sampled_from(["admission", "solver"]))
    if draw(st.booleans()):
        cluster.append(ResourceQuota.from_dict({"metadata": {"name": "q", "namespace": "default"},
                                                "spec": {"hard": {"requests.cpu": str(draw(st.integers(1, 5)))}}}))
    pods = []
    for i in range(draw(st.integers(1, 6))):
        app = draw(st.sampled_from(["a", "b"]))
        spec: dict = {}
        kind = draw(st.integers(0, 7))
        if kind == 1:
            spec["affinity"] = anti(draw(st.sampled_from([HOST, ZONE])), {"app": draw(st.sampled_from(["a", "b"]))})
        elif kind == 2:
            spec["affinity"] = affinity(draw(st.sampled_from([HOST, ZONE])), {"app": draw(st.sampled_from(["a", "b"]))})
        elif kind == 3:
            spec["topologySpreadConstraints"] = spread(draw(st.sampled_from([HOST, ZONE])), {"app": app})
        elif kind == 4:
            spec["nodeSelector"] = {"disk": "ssd"}
        elif kind == 5:
            spec["tolerations"] = [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]
        elif kind == 6:
            spec["ports"] = [{"containerPort": 80, "hostPort": 8080}]
        if draw(st.integers(0, 3)) == 0:
            spec["priorityClassName"] = "high"
        pods.append(pod(f"p{i}", cpu=str(draw(st.integers(1, 3))), memory=f"{draw(st.integers(1, 2))}Gi",
                        labels={"app": app}, **spec))
    return cluster, pods, quota_mode


def brute_force(instance: Instance) -> list[tuple[dict[int, str], int]]:
    """Every reachable placement (pod index -> node) with its nodes-used count."""
    results = []
    levels = instance.pods

    def admitted(placement: dict[int, str]) -> bool:
        if instance.quota_mode != SOLVER:
            return True
        quotas = list(instance.quotas)
        for i, info in sorted(enumerate(levels), key=lambda x: x[1].arrival):
            if info.origin != NEW or i not in placement:
                continue
            verdict = resourcequota.check(info.pod, quotas)
            if not verdict.allowed:
                return False
            raised = {q.name: q for q in verdict.quotas}
            quotas = [raised.get(q.name, q) for q in quotas]
        return True

    def walk(i: int, snapshot, pods: list, placement: dict[int, str]) -> None:
        if i == len(levels):
            if admitted(placement):
                hosts = {p.node_name for p in pods}
                results.append((dict(placement), len(hosts)))
            return
        walk(i + 1, snapshot, pods, placement)
        candidate = unbound(levels[i].pod)
        for n in snapshot.nodes:
            if not filter_reasons(candidate, n, snapshot, instance.profile):
                bound = [*pods, bind(candidate, n.name)]
                placement[i] = n.name
                walk(i + 1, snapshot.with_pods(bound), bound, placement)
                del placement[i]

    walk(0, instance.snapshot, list(instance.snapshot.pods), {})
    return results


def vector(instance: Instance, placement, nodes_used: int | None = None) -> tuple[int, ...]:
    """Pods left pending per priority level (highest first), then nodes used: smaller is better."""
    levels = sorted({info.priority for info in instance.pods}, reverse=True)
    pending = tuple(sum(1 for i, info in enumerate(instance.pods) if info.priority == p and i not in placement)
                    for p in levels)
    return pending if nodes_used is None else (*pending, nodes_used)


def _indexed(instance: Instance, placements) -> dict[int, str]:
    index = {info.key: i for i, info in enumerate(instance.pods)}
    return {index[k]: v for k, v in placements.items() if v and k in index}


def _nodes_used(instance: Instance, placement: dict[int, str]) -> int:
    return len({p.node_name for p in instance.snapshot.pods} | set(placement.values()))


@settings(max_examples=40, deadline=None)
@given(instances())
def test_solver_optimum_equals_brute_force(case):
    cluster, pods, mode = case
    instance = build(cluster, pods, mode)
    space = brute_force(instance)
    best_placed = min(vector(instance, p) for p, _ in space)
    best_nodes = min(vector(instance, p, n) for p, n in space)
    placed = schedule(cluster, pods, Options(objectives=("max-placed",), quota_mode=mode, timeout=20))
    assert placed.status == "optimal"
    assert vector(instance, _indexed(instance, placed.placements)) == best_placed
    packed = schedule(cluster, pods, Options(objectives=("min-nodes",), quota_mode=mode, timeout=20))
    assert packed.status == "optimal"
    chosen = _indexed(instance, packed.placements)
    assert vector(instance, chosen, _nodes_used(instance, chosen)) == best_nodes
    everything = schedule(cluster, pods, Options(objectives=("max-placed",), quota_mode=mode, timeout=20,
                                                 require_all=True))
    all_possible = not instance.rejected and any(len(p) == len(instance.pods) for p, _ in space)
    assert (everything.status == "infeasible") == (not all_possible)


@settings(max_examples=25, deadline=None)
@given(instances(), st.sampled_from(sorted(greedy.PROFILES)))
def test_no_solver_objective_is_worse_than_a_greedy_profile(case, profile):
    cluster, pods, mode = case
    instance = build(cluster, pods, mode)
    kubernetes = build(cluster, pods)
    by_key = {info.key: i for i, info in enumerate(instance.pods)}
    placement = {by_key[kubernetes.pods[i].key]: n for i, n in greedy.place(kubernetes, profile)[0].items()}
    for objective in ("max-placed", "min-nodes"):
        result = schedule(cluster, pods, Options(objectives=(objective,), quota_mode=mode, timeout=20))
        chosen = _indexed(instance, result.placements)
        if objective == "max-placed":
            assert vector(instance, chosen) <= vector(instance, placement)
        else:
            assert vector(instance, chosen, _nodes_used(instance, chosen)) <= \
                vector(instance, placement, _nodes_used(instance, placement))


def test_brute_force_sees_the_queue_order():
    labels = {"app": "a"}
    cluster = [node("n0"), node("n1")]
    pods = [pod("first", labels={"app": "b"}, affinity=affinity(HOST, labels)), pod("second", labels=labels)]
    instance = build(cluster, pods)
    assert all(0 not in placement for placement, _ in brute_force(instance))
    result = schedule(cluster, pods, Options(objectives=("max-placed",)))
    assert result.placements["default/first"] is None
    assert any("pod affinity" in r for r in result.unschedulable["default/first"])
    assert attrs.has(type(result))
