"""metrics-server: scrapes each kubelet's resource usage every 15 s into ``metrics.k8s.io`` PodMetrics and NodeMetrics.

Upstream (github.com/kubernetes-sigs/metrics-server: pkg/scraper/scraper.go scrapes every node's
``/metrics/resource`` endpoint each ``--metric-resolution``, 15 s by default; pkg/storage keeps the latest points;
pkg/api serves them through the API aggregation layer, with RBAC on ``pods.metrics.k8s.io`` and
``nodes.metrics.k8s.io``). The kubelet's numbers come from what the node really runs: the running containers and
their load (:mod:`model.load`).

Deliberate differences: the model's API server has no aggregation layer, so metrics-server stores what it scraped as
PodMetrics/NodeMetrics objects through the API server (as ``system:serviceaccount:kube-system:metrics-server``, whose
``system:metrics-server`` role lets it) and readers LIST them with their own RBAC, as they would from the aggregated
API. A scrape replaces the previous one: metrics of pods and nodes it could not scrape (a crashed or partitioned node,
a pod gone) are removed, as upstream's storage drops them. The component runs only while some
HorizontalPodAutoscaler exists (the addon is what HPAs need; other scenarios are unchanged by it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from model.apiserver import requests as rq
from model.auth.bootstrap import METRICS_SERVER
from model.auth.identity import controller_identity
from model.component import Component, Step, by_inputs
from model.config import ModelConfig
from model.frozendict import FrozenDict
from model.load import RESOURCES, container_usage, node_pods, node_usage
from model.objects import ObjectMeta
from model.objects.autoscaling import ContainerMetrics, NodeMetrics, PodMetrics
from model.quantity import Quantity
from model.state import ClusterState, submit

METRIC_RESOLUTION = 15
"""--metric-resolution: seconds between scrapes."""
WINDOW = f"{METRIC_RESOLUTION}s"
USER = controller_identity(METRICS_SERVER)


@attrs.frozen
class ScrapeMetrics:
    """metrics-server scrapes every reachable kubelet and replaces the metrics it serves."""

    def describe(self) -> str:
        return "metrics-server scrapes the kubelets"


def _quantities(used: dict[str, int]) -> FrozenDict:
    return FrozenDict({r: Quantity.from_milli(used[r]) for r in RESOURCES})


def last_scrape(state: ClusterState) -> int | None:
    """When metrics-server last scraped (the newest metrics' timestamp; None: never)."""
    times = [m.timestamp for kind in ("NodeMetrics", "PodMetrics") for m in state.store.list(kind)
             if isinstance(m.timestamp, int)]
    return max(times, default=None)


def next_scrape(state: ClusterState) -> int | None:
    """When metrics-server scrapes next (None: it does not run); a deadline for the clock."""
    if not state.store.list("HorizontalPodAutoscaler"):
        return None
    last = last_scrape(state)
    return state.time if last is None else last + METRIC_RESOLUTION


def scraped(state: ClusterState) -> tuple[list[PodMetrics], list[NodeMetrics]]:
    """What a scrape now would serve: every running, reachable node's usage and its pods' (those with a running
    container)."""
    pods, nodes = [], []
    for name, runtime in sorted(state.nodes.items()):
        if not (runtime.up and runtime.reachable) or state.store.get("Node", None, name) is None:
            continue
        nodes.append(NodeMetrics(metadata=ObjectMeta(name=name), timestamp=state.time, window=WINDOW,
                                 usage=_quantities(node_usage(state, name))))
        for pod, pod_runtime in node_pods(state, name):
            used = container_usage(pod, pod_runtime)
            if used:
                containers = tuple(ContainerMetrics(c, _quantities(u)) for c, u in used.items())
                pods.append(PodMetrics(metadata=ObjectMeta(name=pod.name, namespace=pod.namespace,
                                                           labels=pod.metadata.labels),
                                       timestamp=state.time, window=WINDOW, containers=containers))
    return pods, nodes


def _requests(state: ClusterState) -> Iterator[rq.Request]:
    pods, nodes = scraped(state)
    for kind, fresh in (("PodMetrics", pods), ("NodeMetrics", nodes)):
        keep = {(m.namespace, m.name) for m in fresh}
        for metrics in fresh:
            stored = state.store.get(kind, metrics.namespace, metrics.name)
            if stored is None:
                yield rq.Create(USER, metrics)
            else:
                yield rq.Update(USER, attrs.evolve(metrics, metadata=attrs.evolve(
                    metrics.metadata, resource_version=stored.metadata.resource_version)))
        for stale in state.store.list(kind):
            if (stale.namespace, stale.name) not in keep:
                yield rq.Delete(USER, kind, stale.namespace, stale.name)


def _enabled(state: ClusterState, config: ModelConfig) -> Iterator[Any]:
    """Due, and with something to scrape or remove (with every node down it waits)."""
    due = next_scrape(state)
    if due is not None and due <= state.time and any(True for _ in _requests(state)):
        yield ScrapeMetrics()


def _apply(state: ClusterState, action: ScrapeMetrics, config: ModelConfig) -> Step:
    responses, events = [], []
    for request in list(_requests(state)):
        state, response, caused = submit(state, request, config)
        responses.append(response)
        events.extend(caused)
    return Step(state, tuple(responses), tuple(events))


def _inputs(state: ClusterState) -> tuple[tuple, int]:
    """What :func:`_enabled` reads: the store, the nodes' runtimes and their kubelets' informers (what a scrape would
    serve), and the time."""
    from model.kubelet.component import informer_name
    return (state.store, state.nodes, *(state.informers.get(informer_name(n)) for n in state.nodes)), state.time


COMPONENT = Component("metrics-server", (ScrapeMetrics,), by_inputs(_enabled, _inputs), _apply)
