"""Named properties: what must hold of every state (invariants), of every step (step properties), and once
the cluster is left alone (liveness).

Each property has a one-line statement, the Kubernetes guarantee it encodes (a doc or source link) and a
check that returns violation messages naming the objects involved (empty: it holds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from model.config import ModelConfig
from model.state import ClusterState

INVARIANT, STEP, LIVENESS = "invariant", "step", "liveness"


@attrs.frozen
class Property:
    """A named property. ``check`` takes the state (invariant), ``(before, step, after)`` (step property)
    or the state reached by fair execution (liveness), plus the config, and returns violation messages."""

    name: str
    kind: str
    statement: str
    reference: str
    check: Callable[..., list[str]]
    store_only: bool = False
    """The invariant reads only the API server's store, so it need not be re-checked after a step that wrote
    nothing."""
    since_quiet: bool = False
    """A liveness check that also takes the model time at which users and faults stopped (``check(state, config,
    since)``), e.g. to bound how long convergence took."""


@attrs.frozen
class Violation:
    property: str
    message: str


def invariant(name: str, statement: str, reference: str,
              store_only: bool = False) -> Callable[[Callable[..., list[str]]], Property]:
    return lambda check: Property(name, INVARIANT, statement, reference, check, store_only)


def step_property(name: str, statement: str, reference: str) -> Callable[[Callable[..., list[str]]], Property]:
    return lambda check: Property(name, STEP, statement, reference, check)


def liveness(name: str, statement: str, reference: str) -> Callable[[Callable[..., list[str]]], Property]:
    return lambda check: Property(name, LIVENESS, statement, reference, check)


def all_properties() -> tuple[Property, ...]:
    """Every property, in a fixed order (invariants, then step properties, then liveness)."""
    from properties.invariants import PROPERTIES
    return PROPERTIES


def by_name(names: Iterable[str] | None = None) -> tuple[Property, ...]:
    """The named properties (all when ``names`` is None); an unknown name raises ValueError."""
    known = {p.name: p for p in all_properties()}
    if names is None:
        return tuple(known.values())
    chosen = []
    for name in names:
        if name not in known:
            raise ValueError(f'unknown property "{name}" (see `kubeproof properties`)')
        chosen.append(known[name])
    return tuple(chosen)


def check_state(state: ClusterState, config: ModelConfig, properties: Sequence[Property],
                store_changed: bool = True) -> list[Violation]:
    """Violations of the invariants in ``state`` (store-only ones skipped when the store did not change)."""
    return [Violation(p.name, m) for p in properties if p.kind == INVARIANT and (store_changed or not p.store_only)
            for m in p.check(state, config)]


def check_step(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig,
               properties: Sequence[Property]) -> list[Violation]:
    return [Violation(p.name, m) for p in properties if p.kind == STEP
            for m in p.check(before, step, after, config)]
