"""Declarative mapping between Kubernetes' JSON shapes and the model's frozen attrs classes.

Each object field is declared with :func:`field`, naming its JSON key and a :class:`Codec` that
checks and converts the value. :func:`decode` and :func:`encode` walk those declarations, so every
class gets ``from_dict``/``to_dict`` with field-path errors for free. Unknown JSON keys are ignored,
as the API server's decoder does for fields it does not serve (we never fail on them).

Kubernetes' defaulting (``pkg/apis/*/v1/defaults.go``) and the validation the model relies on live
in each class's optional ``_defaulted(self, path) -> Self`` hook, which :func:`decode` calls last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from model.errors import ManifestError, join_path
from model.frozendict import FrozenDict, freeze, thaw
from model.quantity import Quantity, QuantityError, to_quantity

T = TypeVar("T")


def type_name(value: Any) -> str:
    """Describe a JSON value's type the way Kubernetes' decoder errors do."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


@attrs.frozen
class Codec:
    """How one JSON value becomes a model value (``decode``) and back (``encode``)."""

    decode: Callable[[Any, str], Any]
    encode: Callable[[Any], Any] = lambda value: value


def _scalar(kind: type | tuple[type, ...], expected: str) -> Codec:
    def decode(value: Any, path: str) -> Any:
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise ManifestError(f"expected {expected}, got {type_name(value)}", path)
        if not isinstance(value, kind):
            raise ManifestError(f"expected {expected}, got {type_name(value)}", path)
        return value

    return Codec(decode)


STR = _scalar(str, "a string")
INT = _scalar(int, "an integer")
BOOL = _scalar(bool, "a boolean")


def _int32(value: Any, path: str) -> int:
    number = INT.decode(value, path)
    if not -(2**31) <= number < 2**31:
        raise ManifestError(f"expected a 32-bit integer, got {number}", path)
    return number


INT32 = Codec(_int32)
"""An int32 field (``replicas``): JSON decoding into Go's int32 refuses numbers beyond it."""


def _int_or_string(value: Any, path: str) -> int | str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ManifestError(f"expected an integer or a string, got {type_name(value)}", path)
    return value


INT_OR_STRING = Codec(_int_or_string)
"""intstr.IntOrString: ports (``targetPort``) and rollout bounds (``maxSurge: 25%``)."""


def _timestamp(value: Any, path: str) -> int | str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ManifestError(f"expected a timestamp, got {type_name(value)}", path)
    return value


TIMESTAMP = Codec(_timestamp)
"""A time: RFC 3339 text from a real cluster, or the model's logical clock (an integer)."""


def _quantity(value: Any, path: str) -> Quantity:
    try:
        return to_quantity(value)
    except QuantityError:
        shown = value if isinstance(value, str) else repr(value)
        raise ManifestError(f'invalid quantity "{shown}"', path) from None


QUANTITY = Codec(_quantity, str)


def _json_value(value: Any, path: str) -> Any:
    return freeze(value)


RAW = Codec(_json_value, thaw)
"""Any JSON value kept as it is (deep-frozen), for parts the model carries but does not interpret."""


def enum(*allowed: str) -> Codec:
    """A string that must be one of ``allowed`` (Kubernetes' ``supported values`` validation)."""

    def decode(value: Any, path: str) -> str:
        text = STR.decode(value, path)
        if text not in allowed:
            choices = ", ".join(f'"{a}"' for a in allowed)
            raise ManifestError(f'unsupported value "{text}": supported values: {choices}', path)
        return text

    return Codec(decode)


def list_of(item: Codec) -> Codec:
    """A JSON array decoded item by item into a tuple."""

    def decode(value: Any, path: str) -> tuple:
        if not isinstance(value, (list, tuple)):
            raise ManifestError(f"expected an array, got {type_name(value)}", path)
        return tuple(item.decode(v, join_path(path, i)) for i, v in enumerate(value))

    return Codec(decode, lambda values: [item.encode(v) for v in values])


def map_of(item: Codec) -> Codec:
    """A JSON object with string keys decoded value by value into a FrozenDict."""

    def decode(value: Any, path: str) -> FrozenDict:
        if not isinstance(value, Mapping):
            raise ManifestError(f"expected an object, got {type_name(value)}", path)
        out = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise ManifestError(f"expected string keys, got {type_name(key)} {key!r}", path)
            out[key] = item.decode(v, join_path(path, key))
        return FrozenDict(out)

    return Codec(decode, lambda values: {k: item.encode(v) for k, v in values.items()})


STR_MAP = map_of(STR)
RESOURCE_LIST = map_of(QUANTITY)
"""core/v1 ResourceList: resource name -> Quantity."""


def nested(cls: type) -> Codec:
    """A JSON object decoded into another model class."""
    return Codec(lambda value, path: decode(cls, value, path), encode)


def field(json: str, codec: Codec, default: Any = None, *, required: bool = False) -> Any:
    """Declare an attrs field read from JSON key ``json`` through ``codec``.

    ``default`` is the value when the key is absent or null (Kubernetes' defaulting for simple
    cases); ``required`` fields raise ``Required value`` when absent.
    """
    metadata = {"json": json, "codec": codec, "required": required}
    if isinstance(default, (list, dict)):
        raise TypeError("use a tuple or FrozenDict default")
    return attrs.field(default=default, metadata=metadata)


def decode(cls: type[T], data: Any, path: str = "") -> T:
    """Build ``cls`` from a JSON object, defaulting and validating as Kubernetes does."""
    if not isinstance(data, Mapping):
        raise ManifestError(f"expected an object, got {type_name(data)}", path)
    values = {}
    for a in attrs.fields(cls):
        json = a.metadata.get("json")
        if json is None:
            continue
        raw = data.get(json)
        sub = join_path(path, json)
        if raw is None:
            if a.metadata["required"]:
                raise ManifestError("Required value", sub)
            continue
        values[a.name] = a.metadata["codec"].decode(raw, sub)
    obj = cls(**values)
    hook = getattr(obj, "_defaulted", None)
    return hook(path) if hook is not None else obj


def encode(obj: Any) -> dict[str, Any]:
    """The JSON object for a model value: every declared field that is set, except empty lists and maps
    that are the field's default (so that ``env: []`` kept as a raw value, or a required empty list,
    decodes back to the same value)."""
    out: dict[str, Any] = {}
    for a in attrs.fields(type(obj)):
        json = a.metadata.get("json")
        if json is None:
            continue
        value = getattr(obj, a.name)
        if value is None or (isinstance(value, (tuple, FrozenDict)) and not value and value == a.default):
            continue
        out[json] = a.metadata["codec"].encode(value)
    return out


def require(condition: bool, message: str, path: str) -> None:
    """Raise a ManifestError at ``path`` unless ``condition`` holds (a validation rule)."""
    if not condition:
        raise ManifestError(message, path)


def non_negative(value: int | None, path: str) -> None:
    """Kubernetes' ValidateNonnegativeField."""
    require(value is None or value >= 0, f"Invalid value: {value}: must be greater than or equal to 0", path)


class Serializable:
    """Mixin giving a schema-declared class ``from_dict`` and ``to_dict``."""

    __slots__ = ()

    @classmethod
    def from_dict(cls: type[T], data: Mapping[str, Any], path: str = "") -> T:
        return decode(cls, data, path)

    def to_dict(self) -> dict[str, Any]:
        return encode(self)


def merged(base: Mapping[str, T], extra: Mapping[str, T]) -> FrozenDict:
    """``base`` plus the keys of ``extra`` that it lacks (how defaulting fills maps)."""
    return FrozenDict({**extra, **base})
