"""Plain-text rendering for the command line."""

from __future__ import annotations

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns separated by two spaces, like ``kubectl get``."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells)


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
