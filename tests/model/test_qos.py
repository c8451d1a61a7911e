"""Pod QoS classes.

Ported from pkg/apis/core/v1/helper/qos/qos_test.go (TestComputePodQOS, the container-level cases;
the model has no pod-level resources). Doc: https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.objects import Pod
from model.qos import BEST_EFFORT, BURSTABLE, GUARANTEED, compute_pod_qos, pod_qos_class


def resources(cpu: str = "", memory: str = "") -> dict[str, str]:
    """qos_test.go getResourceList: only the amounts given."""
    return {name: value for name, value in (("cpu", cpu), ("memory", memory)) if value}


def container(name: str, requests: dict[str, str], limits: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "resources": {"requests": requests, "limits": limits}}


def pod(containers: list[dict[str, Any]], init: list[dict[str, Any]] | None = None, **status: str) -> Pod:
    for i, c in enumerate(containers + (init or [])):
        c["name"] = f"{c['name']}-{i}"  # upstream reuses names; the model rejects duplicates
    return Pod.from_dict({"metadata": {"name": "p"}, "spec": {"containers": containers, "initContainers": init or []},
                          "status": status})


# TestComputePodQOS (qos_test.go), container-level rows.
CASES = [
    ("guaranteed", [container("guaranteed", resources("100m", "100Mi"), resources("100m", "100Mi"))], None,
     GUARANTEED),
    ("guaranteed-guaranteed", [container("guaranteed", resources("100m", "100Mi"), resources("100m", "100Mi")),
                               container("guaranteed", resources("100m", "100Mi"), resources("100m", "100Mi"))],
     None, GUARANTEED),
    ("best-effort-best-effort", [container("best-effort", {}, {}), container("best-effort", {}, {})], None,
     BEST_EFFORT),
    ("best-effort", [container("best-effort", {}, {})], None, BEST_EFFORT),
    ("best-effort-burstable", [container("best-effort", {}, {}),
                               container("burstable", resources("1"), resources("2"))], None, BURSTABLE),
    ("best-effort-guaranteed", [container("best-effort", {}, {}),
                                container("guaranteed", resources("10m", "100Mi"), resources("10m", "100Mi"))],
     None, BURSTABLE),
    ("burstable-cpu-guaranteed-memory", [container("burstable", resources("", "100Mi"), resources("", "100Mi"))],
     None, BURSTABLE),
    ("burstable-no-limits", [container("burstable", resources("100m", "100Mi"), {})], None, BURSTABLE),
    ("burstable-guaranteed", [container("burstable", resources("1", "100Mi"), resources("2", "100Mi")),
                              container("guaranteed", resources("100m", "100Mi"), resources("100m", "100Mi"))],
     None, BURSTABLE),
    ("burstable-unbounded-but-requests-match-limits",
     [container("burstable", resources("100m", "100Mi"), resources("200m", "200Mi")),
      container("burstable-unbounded", resources("100m", "100Mi"), {})], None, BURSTABLE),
    ("burstable-1", [container("burstable", resources("10m", "100Mi"), resources("100m", "200Mi"))], None, BURSTABLE),
    ("burstable-2", [container("burstable", resources("0", "0"), resources("100m", "200Mi"))], None, BURSTABLE),
    ("best-effort-hugepages", [container("best-effort", {**resources("0", "0"), "hugepages-2Mi": "1Gi"},
                                         {**resources("0", "0"), "hugepages-2Mi": "1Gi"})], None, BEST_EFFORT),
    ("init-container", [container("best-effort", {}, {})],
     [container("burstable", resources("10m", "100Mi"), resources("100m", "200Mi"))], BURSTABLE),
]


@pytest.mark.parametrize("name,containers,init,expected", CASES, ids=[c[0] for c in CASES])
def test_compute_pod_qos_table(name: str, containers: list, init: list | None, expected: str) -> None:
    assert compute_pod_qos(pod(containers, init)) == expected
    assert pod_qos_class(pod(containers, init)) == expected


def test_limits_only_default_requests_and_make_the_pod_guaranteed() -> None:
    """SetDefaults_Pod copies limits into missing requests, so a limits-only pod is Guaranteed."""
    assert pod_qos_class(pod([container("c", {}, resources("1", "1Gi"))])) == GUARANTEED


def test_init_container_without_limits_breaks_guaranteed() -> None:
    """Init containers take part like app containers (allContainers in ComputePodQOS)."""
    app = container("app", resources("1", "1Gi"), resources("1", "1Gi"))
    init = container("init", resources("1", "1Gi"), {})
    assert pod_qos_class(pod([app], [init])) == BURSTABLE


def test_get_pod_qos_prefers_the_recorded_status_class() -> None:
    """GetPodQOS returns status.qosClass when set (the class is fixed at creation)."""
    p = pod([container("c", {}, {})], qosClass=BURSTABLE)
    assert pod_qos_class(p) == BURSTABLE
    assert compute_pod_qos(p) == BEST_EFFORT


AMOUNT = st.sampled_from(["", "0", "100m", "1", "64Mi", "1Gi"])


@st.composite
def containers(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for i in range(draw(st.integers(1, 3))):
        requests = {n: v for n in ("cpu", "memory") if (v := draw(AMOUNT))}
        limits = {n: v for n in ("cpu", "memory") if (v := draw(AMOUNT))}
        limits = {n: v for n, v in limits.items() if n not in requests or v in ("", requests[n])} | {
            n: requests[n] for n in requests if draw(st.booleans())}
        out.append(container(f"c{i}", requests, limits))
    return out


@given(containers())
def test_qos_class_agrees_with_the_documented_definitions(spec: list[dict[str, Any]]) -> None:
    """pod-qos docs: BestEffort iff no container sets a CPU/memory request or limit; Guaranteed only
    when every container has CPU and memory limits equal to its requests."""
    p = pod(spec)
    cls = pod_qos_class(p)
    amounts = [q for c in p.spec.containers for part in (c.resources.requests, c.resources.limits)
               for n, q in part.items() if n in ("cpu", "memory") and q.nano > 0]
    assert (cls == BEST_EFFORT) == (not amounts)
    if cls == GUARANTEED:
        for c in p.spec.containers:
            for n in ("cpu", "memory"):
                assert c.resources.limits[n].nano > 0
                assert c.resources.requests[n] == c.resources.limits[n]
