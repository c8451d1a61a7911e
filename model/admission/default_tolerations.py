"""DefaultTolerationSeconds admission: pods tolerate not-ready and unreachable nodes for 300 s.

Source: plugin/pkg/admission/defaulttolerationseconds/admission.go.
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
"""

from __future__ import annotations

import attrs

from model.objects import Pod
from model.taints import NO_EXECUTE, Toleration

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


def admit(pod: Pod, seconds: int = DEFAULT_TOLERATION_SECONDS) -> Pod:
    """Add the two NoExecute tolerations unless the pod already tolerates that key for NoExecute."""
    tolerations = pod.spec.tolerations
    added = []
    for key in (NOT_READY, UNREACHABLE):
        if any((t.key == key or (t.key == "" and t.operator == "Exists")) and t.effect in ("", NO_EXECUTE)
               for t in tolerations):
            continue
        added.append(Toleration(key=key, operator="Exists", effect=NO_EXECUTE, toleration_seconds=seconds))
    if not added:
        return pod
    return attrs.evolve(pod, spec=attrs.evolve(pod.spec, tolerations=tolerations + tuple(added)))
