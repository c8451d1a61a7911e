"""Built-in workload families for ``kubeproof compare`` and the benchmark, generated from a seed.

Each family is a cluster snapshot (nodes, namespaces, quotas, running pods) and the workloads to place:
- ``uniform``: twelve identical nodes in three zones, four Deployments of one pod shape, about 85 % full;
- ``mixed``: small, medium and large nodes partly filled by running pods, Deployments of cpu-heavy,
  memory-heavy and balanced pods at two priorities, more than fits;
- ``gpu``: cpu nodes and tainted GPU nodes; GPU Jobs of 1 to 4 GPUs tolerating the taint, and cpu services;
- ``quota``: namespaces with ResourceQuotas and LimitRanges (pods without requests get defaults), workloads
  arriving in an order in which admission wastes quota on pods that cannot be placed;
- ``affinity``: zones and hosts; web replicas with host anti-affinity, caches with pod affinity to web,
  workers spread over zones (DoNotSchedule), a StatefulSet, a tainted node;
- ``bench``: the scaling family: ``pods`` pods in Deployments of random shapes on ``nodes`` nodes of two
  sizes, demand around half the capacity (``min-nodes`` decides how many nodes are needed);
- ``hetero``: heterogeneous clusters: ``nodes`` nodes of nine types (4/8/16 cores x 8/16/32 GiB, labelled
  with their instance type and one of three zones) and ``pods`` pods of 24 shapes (100m-2 cores x
  128Mi-4Gi), one Deployment per shape.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from model.objects import (
    Deployment,
    Job,
    LimitRange,
    Namespace,
    Node,
    Pod,
    PriorityClass,
    ResourceQuota,
    StatefulSet,
)

ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"
INSTANCE_TYPE = "node.kubernetes.io/instance-type"


@attrs.frozen
class Workload:
    """A family instance: the snapshot, what to place, and how it was made."""

    name: str
    cluster: tuple[Any, ...]
    to_place: tuple[Any, ...]
    description: str


def node(name: str, cpu: str, memory: str, zone: str = "zone-a", pods: int = 110, labels: dict | None = None,
         taints: Sequence[dict] = (), extra: dict | None = None) -> Node:
    allocatable = {"cpu": cpu, "memory": memory, "pods": str(pods), **(extra or {})}
    return Node.from_dict({"metadata": {"name": name, "labels": {HOSTNAME: name, ZONE: zone, **(labels or {})}},
                           "spec": {"taints": list(taints)},
                           "status": {"allocatable": allocatable, "capacity": allocatable,
                                      "conditions": [{"type": "Ready", "status": "True"}]}})


def container(cpu: str | None, memory: str | None, extra: dict | None = None, limits: dict | None = None) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None} | (extra or {})
    resources: dict[str, Any] = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    return {"name": "app", "image": "registry.k8s.io/pause:3.9", "resources": resources}


def deployment(name: str, replicas: int, spec: dict, namespace: str = "default",
               labels: dict | None = None) -> Deployment:
    labels = labels or {"app": name}
    return Deployment.from_dict({"metadata": {"name": name, "namespace": namespace},
                                 "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                                          "template": {"metadata": {"labels": labels}, "spec": spec}}})


def running(name: str, node_name: str, cpu: str, memory: str, namespace: str = "default",
            labels: dict | None = None) -> Pod:
    return Pod.from_dict({"metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": "legacy"}},
                          "spec": {"nodeName": node_name, "containers": [container(cpu, memory)]},
                          "status": {"phase": "Running"}})


def _uniform(rng: random.Random) -> Workload:
    nodes = [node(f"node-{i:02d}", "8", "32Gi", f"zone-{'abc'[i % 3]}") for i in range(12)]
    shape = {"containers": [container("1", "4Gi")]}
    apps = [deployment(f"svc-{i}", rng.randint(18, 22), shape) for i in range(4)]
    return Workload("uniform", tuple(nodes), tuple(apps), "12 nodes (8 cpu, 32Gi), 4 Deployments of 1 cpu/4Gi pods")


def _mixed(rng: random.Random) -> Workload:
    sizes = [("small", "4", "16Gi")] * 6 + [("medium", "8", "32Gi")] * 6 + [("large", "16", "64Gi")] * 4
    nodes = [node(f"{kind}-{i:02d}", cpu, mem, f"zone-{'abc'[i % 3]}", labels={"size": kind})
             for i, (kind, cpu, mem) in enumerate(sizes)]
    existing = [running(f"legacy-{i}", nodes[rng.randrange(len(nodes))].name, rng.choice(["500m", "1", "2"]),
                        rng.choice(["1Gi", "2Gi", "6Gi"])) for i in range(14)]
    classes = [PriorityClass.from_dict({"metadata": {"name": "high"}, "value": 1000}),
               PriorityClass.from_dict({"metadata": {"name": "low"}, "value": 10})]
    shapes = [("cpu-heavy", "2", "2Gi"), ("mem-heavy", "500m", "8Gi"), ("balanced", "1", "4Gi"),
              ("small", "250m", "512Mi")]
    apps = []
    for i in range(10):
        kind, cpu, mem = shapes[i % len(shapes)]
        apps.append(deployment(f"{kind}-{i}", rng.randint(4, 12),
                               {"priorityClassName": "high" if i % 3 == 0 else "low",
                                "containers": [container(cpu, mem)]}))
    return Workload("mixed", (*nodes, *existing, *classes), tuple(apps),
                    "16 nodes of three sizes with 14 running pods; 10 Deployments of four shapes at two priorities")


def _gpu(rng: random.Random) -> Workload:
    taint = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
    nodes = [node(f"cpu-{i}", "16", "64Gi", f"zone-{'ab'[i % 2]}") for i in range(6)]
    nodes += [node(f"gpu-{i}", "32", "128Gi", f"zone-{'ab'[i % 2]}", labels={"accelerator": "a100"},
                   taints=[taint], extra={"nvidia.com/gpu": str(4 if i < 3 else 8)}) for i in range(5)]
    toleration = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    jobs = []
    for i in range(12):
        gpus = rng.choice([1, 1, 2, 2, 3, 4])
        jobs.append(Job.from_dict({"metadata": {"name": f"train-{i}", "namespace": "ml"}, "spec": {
            "parallelism": rng.choice([1, 2]), "completions": 2, "template": {"spec": {
                "restartPolicy": "Never", "tolerations": toleration,
                "nodeSelector": {"accelerator": "a100"},
                "containers": [container(f"{2 * gpus}", f"{8 * gpus}Gi", {"nvidia.com/gpu": str(gpus)},
                                         {"nvidia.com/gpu": str(gpus)})]}}}}))
    services = [deployment(f"api-{i}", rng.randint(6, 10), {"containers": [container("2", "6Gi")],
                                                            "tolerations": toleration if i == 0 else []})
                for i in range(4)]
    return Workload("gpu", (*nodes, Namespace.from_dict({"metadata": {"name": "ml"}})), (*jobs, *services),
                    "6 cpu nodes, 5 tainted GPU nodes (4 or 8 GPUs); 12 training Jobs of 1-4 GPUs, 4 cpu services")


def _quota(rng: random.Random) -> Workload:
    nodes = [node(f"node-{i}", "8", "32Gi", f"zone-{'ab'[i % 2]}") for i in range(6)]
    nodes.append(node("edge-0", "8", "32Gi", "zone-a", labels={"role": "edge"},
                      taints=[{"key": "role", "value": "edge", "effect": "NoSchedule"}]))
    objects: list[Any] = list(nodes)
    to_place: list[Any] = []
    for team, cpu in (("team-a", "12"), ("team-b", "10"), ("team-c", "16")):
        objects.append(Namespace.from_dict({"metadata": {"name": team}}))
        objects.append(ResourceQuota.from_dict({"metadata": {"name": "compute", "namespace": team},
                                                "spec": {"hard": {"requests.cpu": cpu, "requests.memory": "48Gi",
                                                                  "pods": "20"}}}))
        objects.append(LimitRange.from_dict({"metadata": {"name": "defaults", "namespace": team}, "spec": {"limits": [
            {"type": "Container", "defaultRequest": {"cpu": "500m", "memory": "1Gi"},
             "default": {"cpu": "1", "memory": "2Gi"}}]}}))
        # an edge-only workload that cannot be placed (no toleration) arrives first and uses quota
        to_place.append(deployment("edge-agent", rng.randint(3, 5), {"nodeSelector": {"role": "edge"},
                                                                      "containers": [container("1", "2Gi")]}, team))
        to_place.append(deployment("api", rng.randint(6, 10), {"containers": [container(None, None)]}, team))
        to_place.append(deployment("worker", rng.randint(4, 8), {"containers": [container("1", "3Gi")]}, team))
    return Workload("quota", tuple(objects), tuple(to_place),
                    "3 namespaces with quotas and LimitRange defaults; unplaceable edge pods arrive first")


def _affinity(rng: random.Random) -> Workload:
    nodes = [node(f"node-{i}", "8", "32Gi", f"zone-{'abc'[i % 3]}") for i in range(9)]
    nodes[8] = node("node-8", "8", "32Gi", "zone-c", taints=[{"key": "dedicated", "value": "db",
                                                                "effect": "NoSchedule"}])
    web_labels = {"app": "web"}
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": HOSTNAME, "labelSelector": {"matchLabels": web_labels}}]}}
    web = deployment("web", rng.randint(6, 8), {"affinity": anti, "containers": [container("1", "2Gi")]},
                     labels=web_labels)
    cache = deployment("cache", rng.randint(3, 5), {"affinity": {"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": HOSTNAME, "labelSelector": {"matchLabels": web_labels}}]}},
        "containers": [container("2", "4Gi")]}, labels={"app": "cache"})
    spread_labels = {"app": "worker"}
    workers = deployment("worker", rng.randint(7, 10), {"topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": spread_labels}}], "containers": [container("2", "6Gi")]},
        labels=spread_labels)
    db = StatefulSet.from_dict({"metadata": {"name": "db"}, "spec": {
        "replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}],
            "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"topologyKey": ZONE, "labelSelector": {"matchLabels": {"app": "db"}}}]}},
            "containers": [container("3", "12Gi")]}}}})
    return Workload("affinity", tuple(nodes), (db, web, cache, workers),
                    "9 nodes in 3 zones (one tainted); web with host anti-affinity, cache with affinity to web, "
                    "workers spread over zones, a zone-anti-affine StatefulSet")


def bench(pods: int, nodes: int, seed: int = 0) -> Workload:
    """The scaling family: ``pods`` pods in Deployments of 4 to 12 replicas on ``nodes`` nodes (two sizes)."""
    rng = random.Random(f"bench-{pods}-{nodes}-{seed}")
    cluster = [node(f"n{i:03d}", "8" if i % 3 else "16", "32Gi" if i % 3 else "64Gi", f"zone-{'abc'[i % 3]}")
               for i in range(nodes)]
    cpu = ["250m", "500m", "1", "2"]
    memory = ["512Mi", "1Gi", "2Gi", "4Gi"]
    apps = []
    left, i = pods, 0
    while left > 0:
        replicas = min(left, rng.randint(4, 12))
        apps.append(deployment(f"app-{i}", replicas, {"containers": [container(rng.choice(cpu), rng.choice(memory))]}))
        left, i = left - replicas, i + 1
    return Workload(f"bench-{pods}x{nodes}", tuple(cluster), tuple(apps),
                    f"{pods} pods in {len(apps)} Deployments on {nodes} nodes (8 cpu/32Gi and 16 cpu/64Gi)")


HETERO_CPU = ("4", "8", "16")
HETERO_MEMORY = ("8Gi", "16Gi", "32Gi")
HETERO_POD_CPU = ("100m", "250m", "500m", "750m", "1", "1500m", "2")
HETERO_POD_MEMORY = ("128Mi", "256Mi", "512Mi", "1Gi", "1536Mi", "2Gi", "3Gi", "4Gi")
HETERO_SHAPES = 24


def hetero(pods: int, nodes: int, seed: int = 0) -> Workload:
    """Heterogeneous clusters: each node one of the nine types (4/8/16 cores x 8/16/32 GiB) at random, in one
    of three zones, labelled ``node.kubernetes.io/instance-type`` as cloud providers do; each pod one of 24
    shapes (distinct cpu x memory pairs from 100m-2 cores x 128Mi-4Gi) at random, the pods of one shape
    forming one Deployment."""
    rng = random.Random(f"hetero-{pods}-{nodes}-{seed}")
    types = [(cpu, memory) for cpu in HETERO_CPU for memory in HETERO_MEMORY]
    cluster = []
    for i in range(nodes):
        cpu, memory = rng.choice(types)
        cluster.append(node(f"n{i:03d}", cpu, memory, f"zone-{'abc'[rng.randrange(3)]}",
                            labels={INSTANCE_TYPE: f"c{cpu}-m{memory.lower()}"}))
    shapes = rng.sample([(c, m) for c in HETERO_POD_CPU for m in HETERO_POD_MEMORY], HETERO_SHAPES)
    counts = [0] * HETERO_SHAPES
    for _ in range(pods):
        counts[rng.randrange(HETERO_SHAPES)] += 1
    apps = [deployment(f"app-{i}", count, {"containers": [container(*shapes[i])]})
            for i, count in enumerate(counts) if count]
    return Workload(f"hetero-{pods}x{nodes}", tuple(cluster), tuple(apps),
                    f"{pods} pods of {len(apps)} shapes (100m-2 cpu x 128Mi-4Gi) on {nodes} nodes of "
                    f"{len({n.labels[INSTANCE_TYPE] for n in cluster})} types "
                    "(4/8/16 cpu x 8/16/32Gi)")


_BUILDERS: dict[str, Callable[[random.Random], Workload]] = {
    "uniform": _uniform, "mixed": _mixed, "gpu": _gpu, "quota": _quota, "affinity": _affinity,
}


def family(name: str, seed: int = 0) -> Workload:
    """A built-in workload (``bench`` gives its 200 pods x 60 nodes instance, ``hetero`` its 100 x 40 one).
    KeyError for unknown names."""
    if name == "bench":
        return bench(200, 60, seed)
    if name == "hetero":
        return hetero(100, 40, seed)
    return _BUILDERS[name](random.Random(f"{name}-{seed}"))
