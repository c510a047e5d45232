"""What HCL's operations do to values: conversions, equality, operators, traversal.

Shared by the evaluator, templates and functions. An operation Terraform would
reject raises `EvalError`; `lift` applies one to each branch of `Alternatives`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from trustlint.frontends.terraform.hcl_values import (
    EncodedJson,
    EvalError,
    LSet,
    ObjectWithNulls,
    OpenObject,
    Site,
    Step,
)
from trustlint.model import Location, Unknown
from trustlint.patterns import lazy_compile
from trustlint.tree import MAX_VARIANTS, NO_VALUE, Alternatives, Branch, LList, LMap

_NUMBER = lazy_compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_EXPONENT_DIGITS = 5
"""An exponent of more digits is past any number computed with (or nearer zero than a float)."""
MAX_EXACT_DIGITS = 4000
_MAX_EXACT_BITS = 13_300
"""About `MAX_EXACT_DIGITS` decimal digits."""
"""A whole number with more digits than this (`1e999999999`) is not computed with:
Python's own limit for turning an int into text is 4,300 digits."""


def parse_number(text: str) -> int | float:
    """A number as HCL writes it: `7`, `007`, `1.5`, `1e3`, `1E-3`, `1.5e+2`.

    HCL numbers are arbitrary-precision decimals: a whole number (`1e3`,
    `1.5e+2`, a 30-digit integer) is an exact int, any other a float.
    """
    if text.isdigit():
        return int(text)
    if _NUMBER.fullmatch(text) is None:
        raise EvalError(f"'{text}' is not a number")
    if "e" not in text and "E" not in text:
        return float(text)
    mantissa, _, exponent = text.lower().partition("e")
    significand = Decimal(mantissa)
    if significand.is_zero():
        return 0
    if len(exponent.lstrip("+-").lstrip("0")) > _EXPONENT_DIGITS:
        if exponent.startswith("-"):
            return 0.0  # nearer to zero than any float
        raise EvalError(f"'{text}' is too large a number to compute with")
    value = Decimal(f"{mantissa}e{int(exponent)}")
    if value.adjusted() >= MAX_EXACT_DIGITS:
        raise EvalError(f"'{text}' is too large a number to compute with")
    if value.adjusted() >= 0 and value == value.to_integral_value():
        return int(value)
    return float(value)


def _computable(value: int | float) -> int | float:
    """`value`, unless it is a whole number too long to compute with further.

    Squaring `1e3999` again and again would double its digits each time.
    """
    if isinstance(value, int) and value.bit_length() > _MAX_EXACT_BITS:
        raise EvalError("the result is too large a number to compute with")
    return value


def number_text(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    try:
        return format(Decimal(repr(value)), "f")
    except InvalidOperation:  # pragma: no cover - inf and nan are not HCL numbers
        return repr(value)


def to_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise EvalError("a number is required")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return parse_number(value.strip())
        except EvalError:
            raise EvalError(f"'{value}' is not a number") from None
    raise EvalError("a number is required")


def truth_of(value: Any) -> bool | Literal["unknown"] | None:
    """True/False; "unknown" when unresolved; None when not a boolean at all."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Unknown | Alternatives):
        return "unknown"
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return None


def template_text(value: Any) -> str | Unknown:
    """A value as an interpolation writes it."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, EncodedJson):
        text = value.text()
        if text is None:
            return Unknown("jsonencode(...)", value.location, "encodes values that are not known")
        return text
    if value is None:
        raise EvalError("a null value cannot be written into a string")
    if isinstance(value, Alternatives):
        return Unknown("", value.location, "one of several values")
    raise EvalError("a list or object cannot be written into a string")


def _category(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str | EncodedJson):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "list"
    return "other"


def values_equal(left: Any, right: Any) -> bool | Unknown:
    if isinstance(left, Unknown):
        return left
    if isinstance(right, Unknown):
        return right
    if isinstance(left, EncodedJson) or isinstance(right, EncodedJson):
        left_text, right_text = template_text(left), template_text(right)
        if isinstance(left_text, Unknown):
            return left_text
        if isinstance(right_text, Unknown):
            return right_text
        return left_text == right_text
    if _category(left) != _category(right):
        return False
    if isinstance(left, dict):
        if left.keys() != right.keys():
            return False
        return _all_equal(values_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        if len(left) != len(right):
            return False
        return _all_equal(values_equal(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _all_equal(results: Iterator[bool | Unknown]) -> bool | Unknown:
    unknown: Unknown | None = None
    for result in results:
        if result is False:
            return False
        if isinstance(result, Unknown):
            unknown = result
    return unknown if unknown is not None else True


def same_value(left: Any, right: Any) -> bool:
    return values_equal(left, right) is True and not (
        isinstance(left, dict | list) or isinstance(right, dict | list)
    )


def unary_value(operator: str, value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if operator == "!":
        truth = truth_of(value)
        if not isinstance(truth, bool):
            raise EvalError("'!' needs true or false")
        return not truth
    return -to_number(value)


def binary_value(operator: str, left: Any, right: Any) -> Any:
    if operator in ("==", "!="):
        equal = values_equal(left, right)
        if isinstance(equal, Unknown):
            return equal
        return equal if operator == "==" else not equal
    if operator in ("&&", "||"):
        # One known side can decide: `unknown && false` is false.
        decisive = operator == "||"
        if decisive in (truth_of(left), truth_of(right)):
            return decisive
    if isinstance(left, Unknown):
        return left
    if isinstance(right, Unknown):
        return right
    if operator in ("&&", "||"):
        left_truth, right_truth = truth_of(left), truth_of(right)
        if not isinstance(left_truth, bool) or not isinstance(right_truth, bool):
            raise EvalError(f"'{operator}' needs true or false")
        return left_truth and right_truth if operator == "&&" else left_truth or right_truth
    a, b = to_number(left), to_number(right)
    if operator == "<":
        return a < b
    if operator == ">":
        return a > b
    if operator == "<=":
        return a <= b
    if operator == ">=":
        return a >= b
    try:
        return _arithmetic(operator, a, b)
    except OverflowError:  # a whole number too large for a float met a float
        raise EvalError("the result is too large a number to compute with") from None


def _arithmetic(operator: str, a: int | float, b: int | float) -> int | float:
    if operator == "+":
        return _computable(a + b)
    if operator == "-":
        return _computable(a - b)
    if operator == "*":
        return _computable(a * b)
    if b == 0:
        raise EvalError("division by zero")
    if operator == "/":
        quotient = a / b
        return int(quotient) if quotient.is_integer() else quotient
    return a % b


def lift(values: Sequence[Any], function: Callable[..., Any], site: Site) -> Any:
    """Apply `function` to values, one result per branch when some are `Alternatives`."""
    if not any(isinstance(v, Alternatives) for v in values):
        return function(*values)
    choices: list[list[tuple[str | None, Any]]] = []
    for value in values:
        if isinstance(value, Alternatives):
            choices.append([(branch.label, branch.value) for branch in value.branches])
        else:
            choices.append([(None, value)])
    branches: list[Branch] = []
    for combination in itertools.islice(itertools.product(*choices), MAX_VARIANTS + 1):
        if len(branches) == MAX_VARIANTS:
            return site.unknown("too many alternatives")
        label = " and ".join(lab for lab, _ in combination if lab)
        try:
            result = function(*(value for _, value in combination))
        except EvalError as error:
            result = site.unknown(str(error))
        branches.append(Branch(label, result, site.location))
    return Alternatives(tuple(branches), site.location)


def without_nulls(value: Any) -> Any:
    """An object attribute's value: a `null` branch of a conditional removes the key."""
    if not isinstance(value, Alternatives):
        return value
    return Alternatives(
        tuple(
            Branch(b.label, NO_VALUE if b.value is None else without_nulls(b.value), b.location)
            for b in value.branches
        ),
        value.location,
    )


def iteration(collection: Any) -> list[tuple[Any, Any, Location]] | None:
    """(key, value, location) of each element of a list, set or map; None for others.

    A map is iterated in the lexical order of its keys, as Terraform does.
    """
    if isinstance(collection, LSet):
        return [(v, v, collection.item_location(i)) for i, v in enumerate(collection)]
    if isinstance(collection, LList):
        return [(i, v, collection.item_location(i)) for i, v in enumerate(collection)]
    if isinstance(collection, LMap):
        return [(k, collection[k], collection.value_location(k)) for k in sorted(collection)]
    if isinstance(collection, list):
        return [(i, v, Location("", 1, 1, 1, 1)) for i, v in enumerate(collection)]
    return None


def apply_steps(value: Any, steps: Sequence[Step], site: Site) -> Any:
    """Follow `.attr`, `[index]` and splats into a value."""
    for position, step in enumerate(steps):
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Alternatives):
            rest = steps[position:]
            return lift((value,), lambda v, rest=rest: apply_steps(v, rest, site), site)
        if step.kind == "splat":
            if value is None:
                value = LList(site.location)
                continue
            items = value if isinstance(value, LList) else None
            result = LList(site.location)
            if items is None:
                result.add(apply_steps(value, step.sub, site), site.location)
            else:
                for index, item in enumerate(items):
                    result.add(apply_steps(item, step.sub, site), items.item_location(index))
            value = result
            continue
        value = _step(value, step)
    return value


def _step(value: Any, step: Step) -> Any:
    key = step.key
    if isinstance(key, Unknown):
        return key
    if value is None:
        raise EvalError("cannot read an attribute or element of null")
    if isinstance(value, LMap):
        text = key if isinstance(key, str) else template_text(key)
        if isinstance(text, str) and text in value:
            return value[text]
        if isinstance(value, ObjectWithNulls) and text in value.null_keys:
            return None
        if isinstance(value, OpenObject):
            return Unknown(str(text), value.location, f"'{text}' is known only after deployment")
        raise EvalError(f"no attribute or key '{text}'")
    if isinstance(value, list):
        if step.kind == "attr":
            raise EvalError(f"a list has no attribute '{key}'")
        index = to_number(key)
        if not isinstance(index, int) and not float(index).is_integer():
            raise EvalError("a list index must be a whole number")
        index = int(index)
        if 0 <= index < len(value):
            return value[index]
        raise EvalError(f"index {index} is out of range for a list of {len(value)}")
    raise EvalError(f"cannot read '{key}' of a {_category(value)}")
