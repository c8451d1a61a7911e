"""``kubectl apply -f`` of a manifest whose object already exists: the update a re-apply sends.

kubectl's client-side apply (staging/src/k8s.io/kubectl/pkg/cmd/apply/patcher.go, a three-way strategic merge of the
``kubectl.kubernetes.io/last-applied-configuration`` annotation, the file and the live object) sets every field the
file sets to the file's value and leaves fields the file does not mention (and never mentioned) as they are live. A
field another writer changed since, such as ``spec.replicas`` a HorizontalPodAutoscaler scaled, is set back to the
file's value if the file has one: the reason the HPA documentation says to remove ``spec.replicas`` from manifests
once an HPA manages the workload (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
#migrating-deployments-and-statefulsets-to-horizontal-autoscaling).

Deliberate simplification: the file is re-applied unchanged, so its previous apply's annotation equals the file and
nothing is removed; lists (containers, ...) are taken from the file whole, which for an unchanged file is what the
strategic merge by name gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model.apiserver import requests as rq
from model.auth.identity import ADMIN, UserInfo
from model.manifests import from_dict
from model.state import ClusterState


def _merged(live: Any, document: Any) -> Any:
    if isinstance(live, Mapping) and isinstance(document, Mapping):
        return {**live, **{k: _merged(live.get(k), v) for k, v in document.items()}}
    return document


def reapplied(state: ClusterState, document: Mapping[str, Any], user: UserInfo = ADMIN) -> rq.Request | None:
    """The update ``kubectl apply`` sends for ``document`` (a manifest's object, as parsed YAML) against the live
    object, or None when the live object already has every value the file sets (kubectl prints "unchanged")."""
    metadata = document.get("metadata") or {}
    obj = from_dict(document)
    live = state.store.get(obj.kind, metadata.get("namespace") if obj.namespaced else None, metadata.get("name"))
    if live is None:
        return rq.Create(user, obj)
    current = live.to_dict()
    merged = from_dict(_merged(current, {k: v for k, v in document.items() if k != "status"}))
    return None if merged == live else rq.Update(user, merged)
