"""resource.Quantity: Kubernetes' fixed-point amounts ("100m", "1.5Gi", "1e3").

Sources (staging/src/k8s.io/apimachinery/pkg/api/resource/):
quantity.go (ParseQuantity, parseQuantityString, CanonicalizeBytes, Add, Sub, Neg, Cmp,
ScaledValue), suffix.go (the suffix tables and ``interpret``), amount.go (AsCanonicalBytes,
AsCanonicalBase1024Bytes), math.go (removeInt64Factors).
Doc: https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/

A parsed quantity never holds more than nano precision (ParseQuantity rounds finer values away
from zero), so the model keeps the exact value as an integer count of nano-units plus the
``Format`` that canonical printing depends on. Deliberate differences from upstream:

- Arithmetic and the accessors (``value``, ``milli``, ``scaled_value``) are exact Python ints;
  upstream's int64 accessors saturate at the int64 bounds.
- Magnitudes of 10**4000 and above raise ``QuantityError``. Upstream accepts decimal exponents
  up to 2**31-1, and some of those inputs make it hang.
- ``str`` is always CanonicalizeBytes. Upstream's String() echoes the parsed text verbatim for
  some inputs that look canonical ("1.441", "+1", "01", "1E3"; kubernetes/kubernetes#138165).
- A BinarySI value of 1024**7 or more (reachable only by arithmetic, since parsing caps BinarySI
  at 2**63-1) prints in DecimalSI; upstream drops the missing suffix and so the magnitude.
"""

from __future__ import annotations

import enum
import math
import re
from decimal import Decimal
from types import MappingProxyType

import attrs


class QuantityError(ValueError):
    """A value that Kubernetes would not accept as a resource.Quantity."""


class Format(enum.Enum):
    """The three formats a quantity remembers from parsing and prints in again."""

    DECIMAL_EXPONENT = "DecimalExponent"  # 12e6
    BINARY_SI = "BinarySI"  # 12Mi
    DECIMAL_SI = "DecimalSI"  # 12M


DECIMAL_EXPONENT = Format.DECIMAL_EXPONENT
BINARY_SI = Format.BINARY_SI
DECIMAL_SI = Format.DECIMAL_SI

NANO = 10**9  # nano-units in one unit
MAX_BINARY = 2**63 - 1  # maxAllowed: ParseQuantity's cap on BinarySI magnitudes
MAX_EXPONENT = 2**31 - 1  # interpret rejects |exponent| > MaxInt32 (kubernetes/kubernetes#141203)
LIMIT_EXPONENT = 4000  # the model's range: |value| < 10**LIMIT_EXPONENT
_NANO_LIMIT = 10 ** (LIMIT_EXPONENT + 9)

_DECIMAL_SUFFIXES = MappingProxyType(
    {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
)
_BINARY_SUFFIXES = MappingProxyType({"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60})
_DECIMAL_SUFFIX_FOR = MappingProxyType({exp: s for s, exp in _DECIMAL_SUFFIXES.items()})
_BINARY_SUFFIX_FOR = MappingProxyType({0: "", **{exp // 10: s for s, exp in _BINARY_SUFFIXES.items()}})

_DIGITS = frozenset("0123456789")
_SUFFIX_LETTERS = frozenset("eEinumkKMGTP")
_EXPONENT = re.compile(r"([+-]?)0*([0-9]+)")  # strconv.ParseInt(s, 10, ...) syntax

_SPLIT_RE = r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = f"quantities must match the regular expression '{_SPLIT_RE}'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

# Go's unicode.IsSpace, which strings.TrimSpace (UnmarshalJSON) strips.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def _check_nano(instance: object, attribute: attrs.Attribute, nano: int) -> None:
    """attrs validator: an int (not a bool or float) inside the model's range."""
    if type(nano) is not int:
        raise QuantityError(f"a quantity's nano value must be an int, not {type(nano).__name__}")
    if not -_NANO_LIMIT < nano < _NANO_LIMIT:
        raise QuantityError(f"quantity magnitude must be below 1e{LIMIT_EXPONENT}")


@attrs.frozen(eq=False)
class Quantity:
    """An exact amount (``nano`` = value x 10**9) and the Format it prints in.

    Equality, hashing and ordering compare values only, as Quantity.Cmp does:
    ``parse_quantity("1Gi") == parse_quantity("1073741824")``.
    """

    nano: int = attrs.field(validator=_check_nano)
    format: Format = attrs.field(default=DECIMAL_SI, validator=attrs.validators.instance_of(Format))

    @classmethod
    def from_nano(cls, nano: int, format: Format = DECIMAL_SI) -> Quantity:
        """NewScaledQuantity(nano, Nano), in any format."""
        return cls(nano, format)

    @classmethod
    def from_milli(cls, milli: int, format: Format = DECIMAL_SI) -> Quantity:
        """NewMilliQuantity: ``milli`` thousandths."""
        return cls(milli * 10**6, format)

    @classmethod
    def from_int(cls, value: int, format: Format = DECIMAL_SI) -> Quantity:
        """NewQuantity: a whole number of units."""
        return cls(value * NANO, format)

    @property
    def value(self) -> int:
        """Value(): the amount rounded away from zero to a whole unit."""
        return self.scaled_value(0)

    @property
    def milli(self) -> int:
        """MilliValue(): the amount in thousandths, rounded away from zero."""
        return self.scaled_value(-3)

    def scaled_value(self, scale: int) -> int:
        """ScaledValue(scale): the amount in units of 10**scale, rounded away from zero."""
        shift = scale + 9
        if shift <= 0:
            return self.nano * 10**-shift
        return _div_away(self.nano, 10**shift)

    def __str__(self) -> str:
        """CanonicalizeBytes: no fractional digits, the largest suffix that loses nothing."""
        nano, fmt = self.nano, self.format
        if nano == 0:
            return "0"
        if fmt is BINARY_SI:
            if abs(nano) < 1024 * NANO or nano % NANO:
                fmt = DECIMAL_SI  # small or fractional: never rounded into a binary suffix
            else:
                mantissa, power = _remove_factors(nano // NANO, 1024)
                if power in _BINARY_SUFFIX_FOR:
                    return f"{mantissa}{_BINARY_SUFFIX_FOR[power]}"
                fmt = DECIMAL_SI  # beyond "Ei": see the module docstring
        mantissa, times = _remove_factors(nano, 10)
        exponent = times - 9
        shift = exponent % 3  # lower the exponent to a multiple of 3
        mantissa, exponent = mantissa * 10**shift, exponent - shift
        if fmt is DECIMAL_SI and exponent in _DECIMAL_SUFFIX_FOR:
            return f"{mantissa}{_DECIMAL_SUFFIX_FOR[exponent]}"
        # DecimalExponent, and DecimalSI above "E" (kubernetes/kubernetes#140459).
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nano == other.nano

    def __hash__(self) -> int:
        return hash(self.nano)

    def __lt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nano < other.nano

    def __le__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nano <= other.nano

    def __gt__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nano > other.nano

    def __ge__(self, other: Quantity) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nano >= other.nano

    def __add__(self, other: Quantity) -> Quantity:
        """Add: keeps this quantity's format, or takes ``other``'s when this one is zero."""
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.nano + other.nano, other.format if self.nano == 0 else self.format)

    def __radd__(self, other: int) -> Quantity:
        """``0 + q`` is ``q``, so that ``sum(quantities)`` works."""
        if type(other) is int and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other: Quantity) -> Quantity:
        """Sub: keeps this quantity's format, or takes ``other``'s when this one is zero."""
        if not isinstance(other, Quantity):
            return NotImplemented
        return Quantity(self.nano - other.nano, other.format if self.nano == 0 else self.format)

    def __neg__(self) -> Quantity:
        """Neg: the same format, the opposite sign."""
        return Quantity(-self.nano, self.format)


ZERO = Quantity(0, DECIMAL_SI)


def parse_quantity(text: str) -> Quantity:
    """ParseQuantity: ``<sign><digits>[.<digits>]<suffix>``, e.g. "100m", "1.5Gi", "-1e3".

    Values finer than a nano round away from zero ("0.1n" is 1n); BinarySI magnitudes above
    2**63-1 are capped there; a BinarySI value strictly between 0 and 1 becomes DecimalSI.
    """
    if not isinstance(text, str):
        raise QuantityError(f"a quantity must be a string, not {type(text).__name__}")
    if text == "":
        raise QuantityError(ERR_FORMAT_WRONG)
    positive, number, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret(suffix, text)
    if _takes_decimal_path(fmt, exponent, num, denom) and not _DIGITS.intersection(number):
        # Upstream's inf.Dec path cannot read a number without digits ("-", ".", "").
        raise QuantityError(f"{ERR_NUMERIC}: {text!r}")
    nano = _nano_magnitude(num, denom, base, exponent, text)
    if fmt is BINARY_SI and 0 < nano < NANO:
        fmt = DECIMAL_SI
    return Quantity(nano if positive else -nano, fmt)


def to_quantity(value: object) -> Quantity:
    """A Quantity from a manifest value, as Quantity.UnmarshalJSON reads it.

    Strings are trimmed of surrounding whitespace; YAML numbers (``cpu: 1``, ``cpu: 0.5``) are
    read through the text encoding/json gives them. Booleans, None and other types are refused.
    """
    if isinstance(value, Quantity):
        return value
    if isinstance(value, str):
        return parse_quantity(value.strip(_GO_SPACE))
    if isinstance(value, bool) or value is None:
        raise QuantityError(f"a quantity cannot be {value!r}")
    if isinstance(value, int):
        if abs(value) >= 10**LIMIT_EXPONENT:
            raise QuantityError(f"quantity magnitude must be below 1e{LIMIT_EXPONENT}")
        return parse_quantity(str(value))
    if isinstance(value, float):
        return parse_quantity(_json_float(value))
    raise QuantityError(f"a quantity must be a string or a number, not {type(value).__name__}")


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: (positive, number text, integer digits, fraction digits, suffix)."""
    pos, end = 0, len(text)
    positive = True
    if text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos == end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    number, suffix_start = text[:pos], pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos != end:
        raise QuantityError(f"{ERR_FORMAT_WRONG}: {text!r}")
    return positive, number, num, denom, text[suffix_start:]


def _interpret(suffix: str, text: str) -> tuple[int, int, Format]:
    """suffixHandler.interpret: (base, exponent, format) of a suffix."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        match = _EXPONENT.fullmatch(suffix[1:])
        if match and len(match[2]) <= 10:
            exponent = int(match[1] + match[2])
            if abs(exponent) <= MAX_EXPONENT:
                return 10, exponent, DECIMAL_EXPONENT
    raise QuantityError(f"{ERR_SUFFIX}: {text!r}")


def _takes_decimal_path(fmt: Format, exponent: int, num: str, denom: str) -> bool:
    """Whether ParseQuantity leaves its int64 fast path for inf.Dec, whose reader needs a digit."""
    if fmt is BINARY_SI:
        return bool(denom) or 14 - len(num) - exponent * 3 // 10 < 0
    return 18 - len(num) - len(denom) < 0 or exponent - len(denom) < -9


def _nano_magnitude(num: str, denom: str, base: int, exponent: int, text: str) -> int:
    """|num.denom x base**exponent| in nano-units, rounded away from zero (inf.RoundUp)."""
    digits = (num + denom).lstrip("0")
    coefficient = digits.rstrip("0")
    if not coefficient:
        return 0
    # |value| = coefficient x 10**scale (x 2**exponent for binary suffixes)
    scale = len(digits) - len(coefficient) - len(denom)
    if base == 2:
        if len(coefficient) + scale > 19:  # at least 10**19, above the cap
            return MAX_BINARY * NANO
        amount = int(Decimal(coefficient)) << exponent  # Decimal: no int-from-str digit limit
        shift = scale + 9
        nano = amount * 10**shift if shift >= 0 else _div_away(amount, 10**-shift)
        return min(nano, MAX_BINARY * NANO)
    scale += exponent
    if len(coefficient) + scale > LIMIT_EXPONENT:
        raise QuantityError(f"quantity magnitude must be below 1e{LIMIT_EXPONENT}: {text!r}")
    shift = scale + 9
    if shift >= 0:
        return int(coefficient) * 10**shift
    kept = len(coefficient) + shift  # digits at or above the nano place
    # The dropped digits end in a non-zero digit, so rounding away from zero always adds one.
    return int(coefficient[:kept]) + 1 if kept > 0 else 1


def _div_away(numerator: int, divisor: int) -> int:
    """numerator / divisor rounded away from zero (divisor > 0)."""
    quotient, remainder = divmod(abs(numerator), divisor)
    quotient += remainder != 0
    return quotient if numerator >= 0 else -quotient


def _remove_factors(value: int, factor: int) -> tuple[int, int]:
    """removeInt64Factors: (value / factor**times, times) for the largest such ``times`` (value != 0)."""
    times = 0
    while value % factor == 0:
        value //= factor
        times += 1
    return value, times


def _json_float(value: float) -> str:
    """The text encoding/json writes for a float64 (shortest digits; exponent form outside
    [1e-6, 1e21)), which is what the API server parses for ``cpu: 0.5``."""
    if not math.isfinite(value):
        raise QuantityError(f"a quantity cannot be {value!r}")
    if value != 0 and not 1e-6 <= abs(value) < 1e21:
        return repr(value)
    return format(Decimal(repr(value)), "f")
