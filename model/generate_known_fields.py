"""Regenerate ``model/known_fields.json``: the JSON field names of every API type reachable from the kinds the
model reads, for strict field validation (``model.fields``).

The table comes from the Kubernetes Python client's generated models (kubernetes-client/python, generated from
the API server's OpenAPI document); it is a build-time input only, not a dependency:

    pip download kubernetes==37.0.2 --no-deps -d /tmp/k && unzip -q /tmp/k/*.whl 'kubernetes/client/models/*' -d /tmp/k
    python -m model.generate_known_fields /tmp/k/kubernetes/client/models > model/known_fields.json
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

ROOTS = {
    "Namespace": "V1Namespace", "Node": "V1Node", "Pod": "V1Pod", "Service": "V1Service", "Endpoints": "V1Endpoints",
    "PersistentVolume": "V1PersistentVolume", "PersistentVolumeClaim": "V1PersistentVolumeClaim",
    "ResourceQuota": "V1ResourceQuota", "LimitRange": "V1LimitRange", "Role": "V1Role", "ClusterRole": "V1ClusterRole",
    "RoleBinding": "V1RoleBinding", "ClusterRoleBinding": "V1ClusterRoleBinding",
    "ReplicationController": "V1ReplicationController", "ReplicaSet": "V1ReplicaSet", "Deployment": "V1Deployment",
    "DaemonSet": "V1DaemonSet", "Job": "V1Job", "StatefulSet": "V1StatefulSet", "PriorityClass": "V1PriorityClass",
    "ServiceAccount": "V1ServiceAccount", "PodDisruptionBudget": "V1PodDisruptionBudget",
}
BLOCK = r"    {}: ClassVar\[Dict\[str, str\]\] = (\{{.*?\}})"
NESTED = re.compile(r"\b(V\d\w+|Core\w+|Rbac\w+|Storage\w+|Events\w+|Discovery\w+)\b")


def fields_of(files: dict[str, Path], name: str) -> dict[str, str | None]:
    """JSON name -> the nested type's name (for objects and arrays of objects; ``map:NAME`` for maps of objects), or
    None for other values."""
    text = files[name].read_text()
    types = ast.literal_eval(re.search(BLOCK.format("openapi_types"), text, re.S).group(1))
    names = ast.literal_eval(re.search(BLOCK.format("attribute_map"), text, re.S).group(1))
    out: dict[str, str | None] = {}
    for python, json_name in names.items():
        nested = NESTED.search(types[python])
        mapped = types[python].startswith("Dict[")
        out[json_name] = None if not nested else f"map:{nested.group(1)}" if mapped else nested.group(1)
    return out


def main(folder: Path) -> None:
    files = {m.group(1): path for path in folder.glob("*.py")
             if (m := re.search(r"^class (\w+)\(BaseModel\)", path.read_text(), re.M))}
    table: dict[str, dict[str, str | None]] = {}
    todo = list(ROOTS.values())
    while todo:
        name = todo.pop()
        if name in table:
            continue
        table[name] = fields_of(files, name)
        todo.extend(t.removeprefix("map:") for t in table[name].values() if t and t.removeprefix("map:") not in table)
    print(json.dumps({"source": "kubernetes-client/python 37.0.2 (Kubernetes release-1.37 OpenAPI)",
                      "kinds": ROOTS, "types": dict(sorted(table.items()))}, indent=0, sort_keys=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
