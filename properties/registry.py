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
    reads: frozenset[str] | None = None
    """The :class:`ClusterState` fields the invariant reads (None: any), so it need not be re-checked after a step
    that left them all the same objects (``store_only`` is ``{"store"}``)."""
    since_quiet: bool = False
    """A liveness check that also takes the model time at which users and faults stopped (``check(state, config,
    since)``), e.g. to bound how long convergence took."""
    origin: tuple[str, str, tuple] | None = None
    """For a property built at run time (an intent, a user's module's), how to build it again in another process:
    ``(module, function, arguments)``; its check is a closure, which cannot be pickled."""

    def __reduce__(self) -> str | tuple[Any, ...]:
        """A registered property pickles as its name (its check, wrapped by a decorator, cannot be pickled by
        reference), so worker processes can receive it; any other pickles field by field."""
        if self.name in _registered() and _registered()[self.name] is self:
            return _by_name, (self.name,)
        if self.origin is not None:
            return _rebuild, self.origin
        return super().__reduce__()


@attrs.frozen
class Violation:
    property: str
    message: str


def _rebuild(module: str, function: str, arguments: tuple) -> Property:
    """The property ``module.function(*arguments)`` builds (see ``Property.origin``)."""
    import importlib
    return getattr(importlib.import_module(module), function)(*arguments)


def invariant(name: str, statement: str, reference: str, store_only: bool = False,
              reads: frozenset[str] | None = None) -> Callable[[Callable[..., list[str]]], Property]:
    return lambda check: Property(name, INVARIANT, statement, reference, check, store_only, reads)


def step_property(name: str, statement: str, reference: str) -> Callable[[Callable[..., list[str]]], Property]:
    return lambda check: Property(name, STEP, statement, reference, check)


def liveness(name: str, statement: str, reference: str) -> Callable[[Callable[..., list[str]]], Property]:
    return lambda check: Property(name, LIVENESS, statement, reference, check)


def all_properties() -> tuple[Property, ...]:
    """Every property, in a fixed order (invariants, then step properties, then liveness)."""
    from properties.invariants import PROPERTIES
    return PROPERTIES


def _registered() -> dict[str, Property]:
    return {p.name: p for p in all_properties()}


def _by_name(name: str) -> Property:
    return _registered()[name]


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


STATE_FIELDS = tuple(a.name for a in attrs.fields(ClusterState))


def changed_fields(before: ClusterState, after: ClusterState) -> frozenset[str]:
    """The state's fields a step replaced (compared by identity: unchanged parts are shared from state to state)."""
    return frozenset(f for f in STATE_FIELDS if getattr(before, f) is not getattr(after, f))


_STORE_ONLY = frozenset({"store"})


def _reads(prop: Property) -> frozenset[str] | None:
    return _STORE_ONLY if prop.store_only else prop.reads


def check_state(state: ClusterState, config: ModelConfig, properties: Sequence[Property],
                store_changed: bool = True, changed: frozenset[str] | None = None) -> list[Violation]:
    """Violations of the invariants in ``state``. After a step that changed only the fields ``changed`` (from a state
    where every invariant held), an invariant that reads none of them is not re-checked: its answer cannot have
    changed. Without ``changed``, store-only invariants are skipped when the store did not change."""
    if changed is None:
        changed = frozenset(STATE_FIELDS) if store_changed else frozenset(STATE_FIELDS) - {"store"}
    return [Violation(p.name, m) for p in properties if p.kind == INVARIANT
            and (_reads(p) is None or not _reads(p).isdisjoint(changed)) for m in p.check(state, config)]


def check_step(before: ClusterState, step: Any, after: ClusterState, config: ModelConfig,
               properties: Sequence[Property]) -> list[Violation]:
    return [Violation(p.name, m) for p in properties if p.kind == STEP
            for m in p.check(before, step, after, config)]
