"""Plain-text rendering for the command line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path


def write_report(directory: Path, name: str, markdown: str, data: object) -> None:
    """A benchmark's report: ``name``.md (for people) and ``name``.json (for tools) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.md").write_text(markdown)
    (directory / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns separated by two spaces, like ``kubectl get``."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)


def object_ref(obj: object) -> str:
    """``Kind namespace/name`` (or ``Kind name`` when cluster-scoped)."""
    ns = getattr(obj, "namespace", None)
    return f"{obj.kind} {ns}/{obj.name}" if ns else f"{obj.kind} {obj.name}"


EVENT_MARKS = {"ADDED": "+", "MODIFIED": "~", "DELETED": "-"}


def walk_step(number: int, description: str, responses: Sequence[object], events: Sequence[object]) -> str:
    """One simulated step: the action, what API clients saw, and the objects it changed."""
    lines = [f"#{number:<4} {description}"]
    for response in responses:
        target = getattr(response, "object", None)
        suffix = f" {object_ref(target)}" if target is not None and hasattr(target, "kind") else ""
        lines.append(f"       -> {response}{suffix}" if not suffix else f"       -> {response.reason}{suffix}")
    for event in events:
        obj = event.object
        lines.append(f"       {EVENT_MARKS[event.type]} {object_ref(obj)} (rv {obj.metadata.resource_version})")
    return "\n".join(lines)


def render_explanation(described: str, explanation: object, weights: Sequence[tuple[str, int]]) -> str:
    """``kubeproof explain``: one row per node with the framework's verdict, each score plugin's normalised
    score (before weight) and the weighted total; then the filter verdicts of rejected nodes."""
    plugins = [name for name, _ in weights]
    headers = ["NODE", "FEASIBLE", *[f"{name} (x{weight})" for name, weight in weights], "TOTAL"]
    rows = []
    for node in explanation.nodes:
        scores = [node.scores.get(p, "") if node.feasible else "" for p in plugins]
        rows.append([node.node, "yes" if node.feasible else "no", *scores,
                     "" if node.total is None else node.total])
    lines = [f"Scheduling {described} (scores 0-100 per plugin, before weight):", "", table(headers, rows), ""]
    for node in explanation.nodes:
        failed = [f for f in node.filters if not f.passed]
        if failed:
            lines.append(f"{node.node}:")
            lines.extend(f"  {f.plugin}: {f.reason}" + (f" ({f.note})" if f.note else "") for f in failed)
    if explanation.best:
        lines.append(f"chosen: {' or '.join(explanation.best)}" +
                     (" (tied; kube-scheduler picks one at random)" if len(explanation.best) > 1 else ""))
    else:
        lines.append(f"unschedulable: {explanation.message}")
    return "\n".join(lines)
