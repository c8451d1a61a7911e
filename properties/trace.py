"""Counterexample traces: saved as JSON that ``kubeproof replay`` re-runs exactly, rendered as Markdown for
people, and exported as the kubectl commands that would drive a real cluster the same way.

JSON schema (top level): ``variant`` (bug variant name or null), ``property``, ``message``, ``seed``,
``initial`` (``scenario``, ``settled`` (whether the run starts once fair execution has brought the workloads
up), ``config`` with ``faults``/``variants``, ``manifests``: the objects the initial state is built from, ``seed``;
with a fault budget ``faultBudget``, ``settleBetweenFaults`` and ``userActions``; with ``kubeproof check --spec``
the ``spec`` as written, with ``--properties-module`` its ``propertiesModule``, with ``--only-intents``
``onlyIntents``), ``minimal`` (false when shrinking ran out of its ``--shrink-seconds``),
``steps``: one entry per action with ``action`` (its type and fields, requests with their user and object
manifest), ``description``, ``responses`` (code, reason, message) and ``changed``
(each object written: event, kind, namespace, name, resourceVersion).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs

from model import cluster
from model.apiserver import requests as rq
from model.auth.identity import UserInfo
from model.config import ModelConfig
from model.errors import ManifestError
from model.manifests import from_dict
from properties.explore import PropertyViolated, Scenario
from properties.registry import Property

SCHEMA_VERSION = 1


def _action_types() -> dict[str, type]:
    types: dict[str, type] = {}
    for component in cluster.COMPONENTS:
        for action in component.actions:
            types[action.__name__] = action
    for request in (rq.Create, rq.Update, rq.UpdateStatus, rq.Bind, rq.Delete, rq.Get, rq.List,
                    rq.PatchOwnerReferences, rq.Evict):
        types[request.__name__] = request
    from properties.budget import Settle
    types[Settle.__name__] = Settle
    return types


def encode_value(value: Any) -> Any:
    """JSON for an action or a request (attrs values, users, model objects, tuples)."""
    if isinstance(value, UserInfo):
        return {"user": value.name, "groups": list(value.groups)}
    if hasattr(value, "to_dict") and hasattr(value, "metadata"):
        return {"manifest": value.to_dict()}
    if attrs.has(type(value)):
        fields = {f.name: encode_value(getattr(value, f.name)) for f in attrs.fields(type(value))}
        return {"type": type(value).__name__, **fields}
    if isinstance(value, (tuple, list)):
        return [encode_value(v) for v in value]
    return value


def decode_value(value: Any, types: dict[str, type] | None = None) -> Any:
    """The inverse of :func:`encode_value` (lists come back as tuples, as the model keeps them)."""
    types = types or _action_types()
    if isinstance(value, dict):
        if "user" in value and "groups" in value:
            return UserInfo(value["user"], tuple(value["groups"]))
        if "manifest" in value:
            return from_dict(value["manifest"])
        cls = types.get(value.get("type", ""))
        if cls is None:
            raise ManifestError(f'unknown action type "{value.get("type")}"', "steps")
        return cls(**{k: decode_value(v, types) for k, v in value.items() if k != "type"})
    if isinstance(value, list):
        return tuple(decode_value(v, types) for v in value)
    return value


def to_json(violation: PropertyViolated, scenario: Scenario, seed: int | None, variant: str | None,
            extra: dict | None = None) -> dict:
    """The trace; ``extra`` goes into ``initial`` too (a user's CheckSpec, their properties module)."""
    steps = []
    for transition in violation.transitions:
        result = transition.result
        steps.append({
            "action": encode_value(transition.action),
            "description": transition.action.describe(),
            "responses": [{"code": r.code, "reason": r.reason, "message": r.message} for r in result.responses],
            "changed": [{"event": e.type, "kind": e.object.kind, "namespace": e.object.namespace,
                         "name": e.object.name, "resourceVersion": e.object.metadata.resource_version}
                        for e in result.events],
        })
    return {
        "schema": SCHEMA_VERSION,
        "variant": variant,
        "property": violation.violation.property,
        "message": violation.violation.message,
        "seed": seed,
        "minimal": getattr(violation, "minimal", True),
        "initial": {
            "scenario": scenario.name,
            "settled": scenario.settled,
            "config": {"faults": sorted(scenario.config.faults), "variants": sorted(scenario.config.variants)},
            "manifests": [obj.to_dict() for obj in scenario.objects],
            "seed": seed,
            **_budget(scenario),
            **(extra or {}),
        },
        "steps": steps,
    }


def _budget(scenario: Scenario) -> dict:
    """The run's fault budget, settling and user actions, when they differ from the defaults."""
    if scenario.fault_budget is None and not scenario.settle_between_faults and scenario.kubectl:
        return {}
    return {"faultBudget": None if scenario.fault_budget is None else dict(scenario.fault_budget),
            "settleBetweenFaults": scenario.settle_between_faults, "userActions": scenario.kubectl}


def scenario_of(trace: dict) -> Scenario:
    initial = trace["initial"]
    config = ModelConfig(faults=frozenset(initial["config"].get("faults", ())),
                         variants=frozenset(initial["config"].get("variants", ())))
    objects = tuple(from_dict(doc) for doc in initial["manifests"])
    budget = initial.get("faultBudget")
    return Scenario(initial["scenario"], objects, config, settled=bool(initial.get("settled", False)),
                    kubectl=bool(initial.get("userActions", True)),
                    fault_budget=None if budget is None else tuple(sorted(budget.items())),
                    settle_between_faults=bool(initial.get("settleBetweenFaults", False)))


def load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            trace = json.load(handle)
    except OSError as e:
        raise ManifestError(f"cannot read: {e.strerror}", "", path) from None
    except ValueError as e:
        raise ManifestError(f"not a trace (invalid JSON: {e})", "", path) from None
    except RecursionError:
        raise ManifestError("not a trace (JSON nested too deeply)", "", path) from None
    for key in ("property", "initial", "steps"):
        if not isinstance(trace, dict) or key not in trace:
            raise ManifestError(f"not a trace: missing {key}", "", path)
    return trace


@attrs.frozen
class Replay:
    reproduced: bool
    steps_run: int
    message: str


def replay(trace: dict, properties: Sequence[Property], source: str = "") -> Replay:
    """Re-run the trace's actions from its initial state, checking ``properties`` after every step; the trace is
    validated first and each step must still apply (:mod:`properties.replay`; a ManifestError otherwise)."""
    from properties.replay import replay as checked_replay
    return checked_replay(trace, properties, source)


def to_markdown(trace: dict) -> str:
    lines = [f"# Counterexample: {trace['property']}", ""]
    if trace.get("variant"):
        lines.append(f"Bug variant: `{trace['variant']}`  ")
    lines += [f"Violation: {trace['message']}  ", f"Seed: {trace.get('seed')}  ",
              f"Scenario: {trace['initial']['scenario']} ({len(trace['initial']['manifests'])} objects; faults: "
              f"{', '.join(trace['initial']['config']['faults']) or 'none'})", "", "| # | action | result |",
              "|---|---|---|"]
    for i, step in enumerate(trace["steps"], start=1):
        results = [f"{r['reason']}" + (f": {r['message']}" if r["message"] and r["code"] >= 300 else "")
                   for r in step["responses"]]
        changed = [f"{'+~-'['ADDED MODIFIED DELETED'.split().index(c['event'])]}{c['kind']} "
                   f"{(c['namespace'] + '/') if c['namespace'] else ''}{c['name']}" for c in step["changed"]]
        cell = "; ".join(results + changed).replace("|", "\\|")
        lines.append(f"| {i} | {step['description'].replace('|', '/')} | {cell} |")
    lines += ["", "Replay: `kubeproof replay TRACE.json` (exits 1 while the violation reproduces)."]
    return "\n".join(lines)


def to_kubectl(trace: dict) -> str:
    """The user's actions as kubectl commands; the cluster's own steps as comments between them."""
    import yaml
    lines = ["# Initial objects: apply the scenario's manifests", "kubectl apply -f - <<'EOF'"]
    lines.append(yaml.safe_dump_all(trace["initial"]["manifests"], sort_keys=False).rstrip())
    lines.append("EOF")
    if trace["initial"].get("settled"):
        lines.append("# Wait until the workloads are up (the run starts from the settled cluster)")
    for step in trace["steps"]:
        action = step["action"]
        if action.get("type") == "ForceDeletePod":
            lines.append(f"kubectl delete pod {action['name']} -n {action['namespace']} --grace-period=0 --force")
            continue
        request = action.get("request") if action.get("type") == "Submit" else None
        if request is None:
            lines.append(f"# cluster: {step['description']}")
            continue
        kind = request["type"]
        if kind in ("Create", "Update"):
            manifest = request["object"]["manifest"]
            verb = "create" if kind == "Create" else "replace"
            lines += [f"kubectl {verb} -f - <<'EOF'", yaml.safe_dump(manifest, sort_keys=False).rstrip(), "EOF"]
        elif kind == "Delete":
            ns = f" -n {request['namespace']}" if request.get("namespace") else ""
            grace = request.get("grace_period_seconds")
            extra = " --grace-period=0 --force" if grace == 0 else ""
            lines.append(f"kubectl delete {request['kind'].lower()} {request['name']}{ns}{extra}")
        elif kind == "Evict":
            lines.append(f"# kubectl drain evicts pod {request['name']} -n {request['namespace']} (pods/eviction)")
        else:
            lines.append(f"# {step['description']} (no kubectl equivalent)")
    return "\n".join(lines)
