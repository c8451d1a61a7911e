"""Replaying a saved trace honestly: the whole trace is checked before it runs, and each step must still apply.

``kubeproof replay`` has three answers: the violation reproduces (exit 1), it does not (exit 0: fixed), or the
trace cannot be replayed (exit 2): it is not valid trace JSON (wrong schema version, a missing or unknown field,
an unknown variant, fault, property, component or action type, a manifest the loader rejects), or it no longer
applies to its own initial state (a step whose action is not among those its component could take there, as
when steps recorded on another scenario are replayed). Each such problem is a :class:`ManifestError` naming the
file and the field (``steps[3].action.type``), so CI never mistakes a corrupt or stale trace for a live bug or a fix.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from model import cluster
from model.actions import Submit, Tick
from model.auth.identity import UserInfo
from model.config import FAULTS, ModelConfig
from model.config import VARIANTS as MODEL_VARIANTS
from model.controllers.manager import Resync
from model.errors import ManifestError, join_path
from model.maintenance import DrainStep
from model.manifests import from_dict
from model.schema import type_name
from properties.explore import PropertyViolated, Scenario, check_liveness, checked_step
from properties.registry import LIVENESS, Property
from properties.trace import SCHEMA_VERSION, Replay, _action_types, scenario_of
from properties.users import user_actions

TOP_LEVEL = {"schema": True, "variant": False, "property": True, "message": False, "seed": False, "initial": True,
             "steps": True, "minimal": False, "lasso": False}
"""Top-level keys, and whether each is required (``minimal``: false when shrinking stopped early; ``lasso``: the
loop of a liveness counterexample from ``kubeproof explore``)."""
INITIAL = {"scenario": True, "settled": False, "config": True, "manifests": True, "spec": False,
           "propertiesModule": False, "onlyIntents": False, "faultBudget": False, "settleBetweenFaults": False,
           "userActions": False, "seed": False}
"""Keys of ``initial``: the seed, a user's CheckSpec (``spec``, ``propertiesModule``, ``onlyIntents``) and the run's
fault budget and user actions, as ``trace.to_json`` writes them; ``trace.scenario_of`` reads them."""
INITIAL_TYPES = {"settled": (bool, "a boolean"), "spec": (dict, "an object"), "propertiesModule": (str, "a string"),
                 "onlyIntents": (bool, "a boolean"), "faultBudget": ((dict, type(None)), "an object or null"),
                 "settleBetweenFaults": (bool, "a boolean"), "userActions": (bool, "a boolean"),
                 "seed": ((int, type(None)), "an integer or null")}
CONFIG = {"faults": False, "variants": False}
STEP = {"action": True, "description": False, "responses": False, "changed": False}
ALWAYS_APPLICABLE = (Tick, Resync, Submit)
"""Actions not drawn from a component's enabled list, so not checked against it: the clock may jump by any amount
(fair execution ticks by its own step), the controller manager's resync is taken only once the cluster is idle,
and a user may send any request (the API server answers it either way)."""


def _keys(value: Any, known: Mapping[str, bool], path: str) -> dict:
    if not isinstance(value, dict):
        raise ManifestError(f"expected an object, got {type_name(value)}", path)
    for key, required in known.items():
        if required and key not in value:
            raise ManifestError("Required value", join_path(path, key))
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ManifestError(f'unknown field "{unknown[0]}"', path)
    return value


def _typed(value: Any, expected: type | tuple[type, ...], path: str, wanted: str) -> Any:
    if isinstance(value, bool) and bool not in (expected if isinstance(expected, tuple) else (expected,)):
        raise ManifestError(f"expected {wanted}, got {type_name(value)}", path)
    if not isinstance(value, expected):
        raise ManifestError(f"expected {wanted}, got {type_name(value)}", path)
    return value


def _names(value: Any, known: Sequence[str], what: str, path: str) -> frozenset[str]:
    _typed(value, list, path, "an array")
    for i, name in enumerate(value):
        if name not in known:
            raise ManifestError(f'unknown {what} "{name}" (known: {", ".join(known)})', join_path(path, i))
    return frozenset(value)


def _field_types(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # noqa: BLE001 - an annotation that does not resolve: check nothing for this class
        return {}


def _check_field(value: Any, hint: Any, path: str) -> None:
    """The simple field types of actions (str, int, bool and their optional forms); others are left to the model."""
    allowed = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    if type(None) in allowed and value is None:
        return
    simple = [t for t in allowed if t in (str, int, bool, float)]
    if not simple or len(simple) != len([t for t in allowed if t is not type(None)]):
        return
    if isinstance(value, bool) and bool not in simple:
        raise ManifestError(f"expected {simple[0].__name__}, got boolean", path)
    if not isinstance(value, tuple(simple)):
        raise ManifestError(f"expected {' or '.join(t.__name__ for t in simple)}, got {type_name(value)}", path)


def decode_action(value: Any, types: dict[str, type], path: str) -> Any:
    """An action (or a request, a user, a manifest) from its JSON, every problem located at ``path``."""
    if isinstance(value, list):
        return tuple(decode_action(v, types, join_path(path, i)) for i, v in enumerate(value))
    if not isinstance(value, dict):
        return value
    if "user" in value and "groups" in value:
        user = _typed(value["user"], str, join_path(path, "user"), "a string")
        groups = _typed(value["groups"], list, join_path(path, "groups"), "an array")
        return UserInfo(user, tuple(_typed(g, str, join_path(join_path(path, "groups"), i), "a string")
                                    for i, g in enumerate(groups)))
    if "manifest" in value:
        try:
            return from_dict(value["manifest"])
        except ManifestError as e:
            raise e.within(join_path(path, "manifest")) from None
    name = value.get("type")
    cls = types.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ManifestError(f"unknown action type {name!r}" if isinstance(name, str) else "Required value: an action "
                            "type", join_path(path, "type"))
    fields = {f.name: f for f in attrs.fields(cls)}
    given = {k: v for k, v in value.items() if k != "type"}
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise ManifestError(f'unknown field "{unknown[0]}" of {name}', path)
    missing = [n for n, f in fields.items() if n not in given and f.default is attrs.NOTHING]
    if missing:
        raise ManifestError(f"Required value ({name})", join_path(path, missing[0]))
    hints = _field_types(cls)
    decoded = {}
    for key, raw in given.items():
        sub = join_path(path, key)
        item = decode_action(raw, types, sub)
        if key in hints and not isinstance(raw, (dict, list)):
            _check_field(item, hints[key], sub)
        decoded[key] = item
    return cls(**decoded)


@attrs.frozen
class CheckedTrace:
    """A trace that passed :func:`check`: its scenario, property and decoded actions."""

    scenario: Scenario
    property: str
    actions: tuple[Any, ...]


def check(trace: Any, source: str, properties: Sequence[Property]) -> CheckedTrace:
    """Validate a loaded trace's JSON against the schema and what kubeproof knows (see the module docstring)."""
    try:
        return _check(trace, properties)
    except ManifestError as e:
        raise ManifestError(e.message, e.field, source) from None


def _check(trace: Any, properties: Sequence[Property]) -> CheckedTrace:
    _keys(trace, TOP_LEVEL, "")
    if trace["schema"] != SCHEMA_VERSION or isinstance(trace["schema"], bool):
        raise ManifestError(f"unsupported trace schema {trace['schema']!r} (this kubeproof reads schema "
                            f"{SCHEMA_VERSION})", "schema")
    known = [p.name for p in properties]
    prop = _typed(trace["property"], str, "property", "a string")
    if prop not in known:
        raise ManifestError(f'unknown property "{prop}" (see `kubeproof properties`)', "property")
    variant = trace.get("variant")
    if variant is not None and variant not in MODEL_VARIANTS:
        raise ManifestError(f'unknown variant "{variant}" (see `kubeproof variants`)', "variant")
    for key, kind, wanted in (("message", str, "a string"), ("seed", int, "an integer"), ("minimal", bool,
                                                                                            "a boolean")):
        if trace.get(key) is not None:
            _typed(trace[key], kind, key, wanted)
    initial = _keys(trace["initial"], INITIAL, "initial")
    _typed(initial["scenario"], str, "initial.scenario", "a string")
    for key, (kind, wanted) in INITIAL_TYPES.items():
        if key in initial:
            _typed(initial[key], kind, join_path("initial", key), wanted)
    config = _keys(initial["config"], CONFIG, "initial.config")
    _names(config.get("faults", []), FAULTS, "fault", "initial.config.faults")
    _names(config.get("variants", []), MODEL_VARIANTS, "variant", "initial.config.variants")
    manifests = _typed(initial["manifests"], list, "initial.manifests", "an array")
    for i, doc in enumerate(manifests):
        try:
            from_dict(doc)
        except ManifestError as e:
            raise e.within(join_path("initial.manifests", i)) from None
    steps = _typed(trace["steps"], list, "steps", "an array")
    if "lasso" in trace:
        lasso = _keys(trace["lasso"], {"loop_start": True, "loop_length": False, "rounds": False, "observable": False},
                      "lasso")
        start = _typed(lasso["loop_start"], int, "lasso.loop_start", "an integer")
        if not 0 <= start < len(steps):
            raise ManifestError(f"Invalid value: {start}: must be a step index below {len(steps)}", "lasso.loop_start")
    types = _action_types()
    actions = []
    for i, step in enumerate(steps):
        _keys(step, STEP, join_path("steps", i))
        actions.append(decode_action(step["action"], types, join_path(join_path("steps", i), "action")))
    try:
        scenario = scenario_of(trace)
    except (KeyError, TypeError, ValueError, AttributeError):  # a field ``trace.scenario_of`` reads, of a bad shape
        raise ManifestError("the initial scenario cannot be built from these fields", "initial") from None
    return CheckedTrace(scenario, prop, tuple(actions))


def _applicable(state: Any, action: Any, config: ModelConfig, kubectl: bool = True) -> bool:
    """Whether ``action`` is one its component could take in ``state``, or (``kubectl``) one of the environment's
    moves there (``properties.users``: a load change, a container's exit or failed probe, offered by no component)."""
    if isinstance(action, ALWAYS_APPLICABLE) or hasattr(action, "run"):  # ``run``: an environment move (waiting)
        return True
    if isinstance(action, DrainStep) and action.by_user:  # the user's kubectl drain: a user's requests, as Submit
        return True
    try:
        component = cluster.component_of(action)
    except TypeError:
        return False
    return action in component.enabled(state, config) or (kubectl and action in user_actions(state))


def _described(action: Any) -> str:
    try:
        return action.describe()
    except (TypeError, ValueError, AttributeError):  # fields of the wrong shape: name the action type only
        return type(action).__name__


def replay(trace: Any, properties: Sequence[Property], source: str = "") -> Replay:
    """Check the trace, then re-run its actions from its initial state, checking ``properties`` after every step.

    A step whose action its component could not take in the state reached is a ManifestError (the trace no longer
    applies), as is one the model cannot perform."""
    checked = check(trace, source, properties)
    config = checked.scenario.config
    state = checked.scenario.initial()
    transitions: list = []
    lasso = "lasso" in trace
    checked_properties = () if lasso else properties  # a lasso's verdict is its loop closing (properties.lasso)
    for i, action in enumerate(checked.actions):
        where = join_path(join_path("steps", i), "action")
        if not _applicable(state, action, config, checked.scenario.kubectl):
            raise ManifestError(f"the trace no longer applies: step {i + 1} ({_described(action)}) is not an action "
                                "the cluster could take at that point", where, source)
        try:
            state = checked_step(state, action, config, checked_properties, transitions)
        except PropertyViolated as violated:
            same = violated.violation.property == checked.property
            return Replay(same, len(violated.transitions), str(violated))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ManifestError(f"the model cannot perform step {i + 1} ({type(action).__name__}): its fields do not "
                                "fit the state", where, source) from None
    if lasso:
        return _lasso_verdict(trace, properties, source)
    judged = [p for p in properties if p.name == checked.property and p.kind == LIVENESS]
    try:  # a liveness counterexample ends where fair execution ended: the property is judged there
        check_liveness(state, config, judged, transitions)
    except PropertyViolated as violated:
        return Replay(True, len(transitions), str(violated))
    return Replay(False, len(transitions), "no property was violated")


def _lasso_verdict(trace: Any, properties: Sequence[Property], source: str) -> Replay:
    try:
        from properties.lasso import replay_lasso  # kubeproof explore's module
    except ImportError:
        raise ManifestError("a lasso trace (from `kubeproof explore`), which this kubeproof cannot replay", "lasso",
                            source) from None
    return Replay(*replay_lasso(trace, properties))
