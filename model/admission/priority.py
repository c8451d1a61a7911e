"""Priority admission: a pod's ``spec.priority`` comes from its PriorityClass (or the global default).

Source: plugin/pkg/admission/priority/admission.go; the system classes from
pkg/apis/scheduling/types.go (SystemCriticalPriority = 2000000000).
Doc: https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from model.objects import Pod, PriorityClass

SYSTEM_CLUSTER_CRITICAL = 2_000_000_000
SYSTEM_PRIORITY_CLASSES = {
    "system-cluster-critical": SYSTEM_CLUSTER_CRITICAL,
    "system-node-critical": SYSTEM_CLUSTER_CRITICAL + 1000,
}


def admit(pod: Pod, classes: Sequence[PriorityClass]) -> Pod | str:
    """The pod with ``priority`` (and ``preemptionPolicy``) resolved, or the Forbidden detail."""
    spec = pod.spec
    name = spec.priority_class_name
    policy = "PreemptLowerPriority"
    if name in SYSTEM_PRIORITY_CLASSES:
        value = SYSTEM_PRIORITY_CLASSES[name]
    elif name:
        found = next((c for c in classes if c.name == name), None)
        if found is None:
            return f"no PriorityClass with name {name} was found"
        value, policy = found.value, found.preemption_policy
    else:
        default = max((c for c in classes if c.global_default), key=lambda c: c.value, default=None)
        if default is None:
            value = 0
        else:
            name, value, policy = default.name, default.value, default.preemption_policy
    if spec.priority is not None and spec.priority != value:
        return (f"the integer value of priority ({spec.priority}) must not be provided in pod spec; priority "
                f"admission controller computed {value} from the given PriorityClass name")
    if spec.preemption_policy is not None and spec.preemption_policy != policy:
        return (f"the string value of PreemptionPolicy ({spec.preemption_policy}) must not be provided in pod "
                f"spec; priority admission controller computed {policy} from the given PriorityClass name")
    new_spec = attrs.evolve(spec, priority=value, priority_class_name=name, preemption_policy=policy)
    return attrs.evolve(pod, spec=new_spec)
