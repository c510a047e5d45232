"""The Terraform functions policies are written with, evaluated on located values.

Each is registered in `FUNCTIONS` by name; a function not there is not
evaluated (its call is `Unknown`). A call Terraform would reject raises
`EvalError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from trustlint import budgets
from trustlint.frontends.terraform.hcl_json import decode_json, json_document, locate_plain
from trustlint.frontends.terraform.hcl_operations import (
    lift,
    template_text,
    to_number,
    truth_of,
    values_equal,
)
from trustlint.frontends.terraform.hcl_syntax import HclFile
from trustlint.frontends.terraform.hcl_values import (
    EncodedJson,
    EvalError,
    LSet,
    MappedStr,
    ObjectWithNulls,
    Site,
)
from trustlint.model import Location, Unknown
from trustlint.records import record
from trustlint.tree import Alternatives, LList, LMap

if TYPE_CHECKING:
    from trustlint.frontends.terraform.hcl_eval import Evaluator


@record
class Call:
    """A function call in progress: its evaluator, site and name."""

    evaluator: Evaluator
    site: Site
    name: str


Function = Callable[[Call, list[Any]], Any]
FUNCTIONS: dict[str, Function] = {}
_UNKNOWN_AWARE = frozenset(
    {
        "coalesce",
        "coalescelist",
        "length",
        "concat",
        "merge",
        "lookup",
        "contains",
        "jsonencode",
        "tolist",
        "toset",
        "distinct",
        "flatten",
        "compact",
        "one",
        "element",
        "keys",
        "values",
        "tomap",
        "sensitive",
        "nonsensitive",
        "reverse",
        "slice",
    }
)
"""Functions that look at unresolved arguments themselves (a list with one
unknown item still has a length); the others give `Unknown` for any."""


class _NotKnownError(Exception):
    """A function argument that should be a string is one whose text is not known."""


def apply_function(function: Function, call: Call, args: list[Any]) -> Any:
    """`function` applied to evaluated arguments: once per branch of `Alternatives`,
    and `Unknown` for unresolved ones unless the function looks at them itself."""
    if call.name in _UNKNOWN_AWARE:
        # Unresolved values reach the function; undecided conditionals do not.
        return lift(args, lambda *values: _call_function(function, call, list(values)), call.site)
    return lift(args, lambda *values: _call_known(function, call, list(values)), call.site)


def _call_known(function: Function, call: Call, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return call.site.unknown(f"{call.name}() of a value that is not known")
    return _call_function(function, call, args)


def _call_function(function: Function, call: Call, args: list[Any]) -> Any:
    try:
        return function(call, args)
    except _NotKnownError:
        return call.site.unknown(f"{call.name}() of a value that is not known")


def _function(*names: str) -> Callable[[Function], Function]:
    def register(function: Function) -> Function:
        for name in names:
            FUNCTIONS[name] = function
        return function

    return register


def _arity(call: Call, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise EvalError(f"{call.name}() takes {expected} arguments, not {len(args)}")


def _string(call: Call, value: Any) -> str:
    text = template_text(value)
    if isinstance(text, Unknown):
        # A `jsonencode` of unresolved values: the string exists but is not known.
        raise _NotKnownError
    return text


def _a_list(call: Call, value: Any) -> LList:
    if isinstance(value, LList):
        return value
    raise EvalError(f"{call.name}() needs a list")


def _unknown_in(values: Sequence[Any]) -> Unknown | None:
    return next((v for v in values if isinstance(v, Unknown)), None)


def _new_list(call: Call, items: Sequence[tuple[Any, Location]], as_set: bool = False) -> LList:
    budgets.current().collection(len(items), call.site.location, f"{call.name}()")
    result: LList = LSet(call.site.location) if as_set else LList(call.site.location)
    for item, location in items:
        result.add(item, location)
    return result


def _items(value: LList) -> list[tuple[Any, Location]]:
    return [(item, value.item_location(i)) for i, item in enumerate(value)]


@_function("jsonencode")
def _jsonencode(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    if isinstance(args[0], Alternatives):
        return lift(args, lambda v: EncodedJson(v, call.site.location), call.site)
    return EncodedJson(args[0], call.site.location)


@_function("jsondecode")
def _jsondecode(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    value = args[0]
    if isinstance(value, EncodedJson):
        return value.tree
    text = _string(call, value)
    try:
        data = decode_json(text)
    except ValueError as error:
        raise EvalError(f"jsondecode(): {error}") from None
    if isinstance(value, MappedStr):
        return json_document(value, call.site.location)
    return locate_plain(data, call.site.location)


@_function("file")
def _file(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    return call.evaluator.scope.read_file(_string(call, args[0]), call.site)


@_function("templatefile")
def _templatefile(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    variables = args[1]
    if not isinstance(variables, LMap):
        raise EvalError("templatefile() needs an object of variables")
    text = call.evaluator.scope.read_file(_string(call, args[0]), call.site)
    if not isinstance(text, MappedStr) or text.source_path is None:
        return text
    delimiter = "TRUSTLINT_TEMPLATE"
    while delimiter in text:
        delimiter += "_"
    trailing_newline = text.endswith("\n")
    wrapped = f"t = <<{delimiter}\n{text}{'' if trailing_newline else chr(10)}{delimiter}\n"
    template = HclFile(text.source_path, wrapped, line_offset=-1)
    evaluator = call.evaluator.for_template(template, variables)
    return evaluator.render_template_file(template, trailing_newline)


@_function("format")
def _format(call: Call, args: list[Any]) -> Any:
    if not args:
        raise EvalError("format() needs a format string")
    spec = _string(call, args[0])
    values = args[1:]
    position = 0
    out: list[str] = []
    cursor = 0
    for match in re.finditer(r"%(?:\[(\d+)\])?([-+ #0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])", spec):
        out.append(spec[cursor : match.start()])
        cursor = match.end()
        explicit, flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        budget = budgets.current()
        for number in (width, precision):
            if number:
                budget.string(int(number), call.site.location, "a format() width or precision")
        if explicit:
            position = int(explicit) - 1
        if position >= len(values):
            raise EvalError("format() has too few arguments")
        value = values[position]
        position += 1
        if verb in ("s", "v"):
            text = _string(call, value)
        elif verb == "d":
            text = str(int(to_number(value)))
        elif verb == "f":
            text = f"{float(to_number(value)):.{int(precision or 6)}f}"
        elif verb == "q":
            text = json.dumps(_string(call, value), ensure_ascii=False)
        elif verb == "t":
            truth = truth_of(value)
            if not isinstance(truth, bool):
                raise EvalError("format() %t needs a bool")
            text = "true" if truth else "false"
        else:
            return call.site.unknown(f"format() verb %{verb} is not evaluated")
        if width:
            text = (
                text.ljust(int(width))
                if "-" in flags
                else text.rjust(int(width), "0" if "0" in flags else " ")
            )
        out.append(text)
    out.append(spec[cursor:])
    budgets.current().string(sum(map(len, out)), call.site.location, "format()")
    return "".join(out)


@_function("join")
def _join(call: Call, args: list[Any]) -> Any:
    if len(args) < 2:
        raise EvalError("join() needs a separator and a list")
    separator = _string(call, args[0])
    items = [item for value in args[1:] for item in _a_list(call, value)]
    if len(items) == 1 and isinstance(items[0], str | EncodedJson):
        # The one element as it is: a policy in it keeps where it was written.
        return items[0]
    texts: list[str] = []
    for item in items:
        text = template_text(item)
        if isinstance(text, Unknown):
            return call.site.unknown("join() of a list with items that are not known")
        texts.append(text)
    length = sum(map(len, texts)) + len(separator) * max(len(texts) - 1, 0)
    budgets.current().string(length, call.site.location, "join()")
    return separator.join(texts)


@_function("split")
def _split(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    separator, text = _string(call, args[0]), _string(call, args[1])
    parts = text.split(separator) if separator else list(text)
    return _new_list(call, [(part, call.site.location) for part in parts])


@_function("concat")
def _concat(call: Call, args: list[Any]) -> Any:
    unknown = _unknown_in(args)
    if unknown is not None:
        return call.site.unknown("concat() of a list that is not known")
    items: list[tuple[Any, Location]] = []
    for value in args:
        items.extend(_items(_a_list(call, value)))
    return _new_list(call, items)


@_function("merge")
def _merge(call: Call, args: list[Any]) -> Any:
    if _unknown_in(args) is not None:
        return call.site.unknown("merge() of a map that is not known")
    result = LMap(call.site.location)
    for value in args:
        if value is None:
            continue
        if not isinstance(value, LMap):
            raise EvalError("merge() needs maps or objects")
        for key, item in value.items():
            result.pop(key, None)
            result.put(key, item, value.key_location(key), value.value_location(key))
    return result


@_function("lookup")
def _lookup(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2, 3)
    mapping, key = args[0], args[1]
    if isinstance(mapping, Unknown) or isinstance(key, Unknown):
        return call.site.unknown("lookup() in a map that is not known")
    if not isinstance(mapping, LMap):
        raise EvalError("lookup() needs a map")
    text = _string(call, key)
    if text in mapping:
        return mapping[text]
    if isinstance(mapping, ObjectWithNulls) and text in mapping.null_keys:
        return None
    if len(args) == 3:
        return args[2]
    raise EvalError(f"lookup(): no key '{text}'")


@_function("element")
def _element(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    if isinstance(args[0], Unknown) or isinstance(args[1], Unknown):
        return call.site.unknown("element() of a value that is not known")
    items = _a_list(call, args[0])
    if not items:
        raise EvalError("element() of an empty list")
    index = int(to_number(args[1]))
    if index < 0:
        raise EvalError("element() index must not be negative")
    return items[index % len(items)]


@_function("length")
def _length(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    value = args[0]
    if isinstance(value, Unknown):
        return call.site.unknown("length() of a value that is not known")
    if isinstance(value, Alternatives):
        return lift(args, lambda v: _length(call, [v]), call.site)
    if isinstance(value, list | dict):
        return len(value)
    return len(_string(call, value))


def _string_function(transform: Callable[..., Any], arity: int = 1) -> Function:
    """A function of `arity` strings, each argument converted as an interpolation would."""

    def apply(call: Call, args: list[Any]) -> Any:
        _arity(call, args, arity)
        return transform(*(_string(call, arg) for arg in args))

    return apply


FUNCTIONS["lower"] = _string_function(str.lower)
FUNCTIONS["upper"] = _string_function(str.upper)
FUNCTIONS["trimspace"] = _string_function(str.strip)
FUNCTIONS["chomp"] = _string_function(lambda text: re.sub(r"(?:\r\n|\n|\r)+\Z", "", text))
FUNCTIONS["trimprefix"] = _string_function(str.removeprefix, 2)
FUNCTIONS["trimsuffix"] = _string_function(str.removesuffix, 2)
FUNCTIONS["trim"] = _string_function(str.strip, 2)
FUNCTIONS["startswith"] = _string_function(str.startswith, 2)
FUNCTIONS["endswith"] = _string_function(str.endswith, 2)


@_function("replace")
def _replace(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 3)
    text, search, replacement = (_string(call, a) for a in args)
    budgets.current().string(
        _replaced_length(text, search, replacement), call.site.location, "replace()"
    )
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        # RE2 and Python agree on the common syntax; `$1` becomes `\g<1>`.
        python_replacement = re.sub(
            r"\$(?:\{(\w+)\}|(\w+))",
            lambda m: f"\\g<{m.group(1) or m.group(2)}>",
            replacement.replace("\\", "\\\\"),
        )
        try:
            return re.sub(search[1:-1], python_replacement, text)
        except (re.error, IndexError):
            return call.site.unknown("replace() with a regular expression not evaluated")
    return text.replace(search, replacement)


def _replaced_length(text: str, search: str, replacement: str) -> int:
    """The length of `replace()`'s result, or a bound on it for a regular expression."""
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        # Each of at most len(text) + 1 matches is replaced by the replacement,
        # whose group references ($1) stand for at most the whole text each.
        each = len(replacement) + replacement.count("$") * len(text)
        return len(text) + (len(text) + 1) * each
    if not search:
        return len(text) + (len(text) + 1) * len(replacement)
    return len(text) + text.count(search) * (len(replacement) - len(search))


@_function("tostring")
def _tostring(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    if args[0] is None:
        return None
    if isinstance(args[0], dict | list):
        raise EvalError("tostring() of a collection")
    return _string(call, args[0])


@_function("tonumber")
def _tonumber(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    return None if args[0] is None else to_number(args[0])


@_function("tobool")
def _tobool(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    if args[0] is None:
        return None
    truth = truth_of(args[0])
    if not isinstance(truth, bool):
        raise EvalError("tobool() needs true or false")
    return truth


@_function("tolist", "tomap", "sensitive", "nonsensitive")
def _identity(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    value = args[0]
    if value is None or isinstance(value, Unknown | Alternatives):
        return value
    if call.name == "tolist":
        if not isinstance(value, LList):
            raise EvalError("tolist() needs a list or set")
        return _new_list(call, _items(value)) if isinstance(value, LSet) else value
    if call.name == "tomap" and not isinstance(value, LMap):
        raise EvalError("tomap() needs a map")
    return value


@_function("toset", "distinct")
def _distinct(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    value = args[0]
    if isinstance(value, Unknown | Alternatives) or value is None:
        return value if value is not None else None
    items = _a_list(call, value)
    unique: list[tuple[Any, Location]] = []
    for index, item in enumerate(items):
        if not any(values_equal(item, seen) is True for seen, _ in unique):
            unique.append((item, items.item_location(index)))
    as_set = call.name == "toset"
    if as_set and all(isinstance(item, str) for item, _ in unique):
        unique.sort(key=lambda pair: str(pair[0]))
    return _new_list(call, unique, as_set=as_set)


@_function("flatten")
def _flatten(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    value = args[0]
    if isinstance(value, Unknown):
        return call.site.unknown("flatten() of a list that is not known")
    items: list[tuple[Any, Location]] = []

    def walk(sequence: LList) -> bool:
        for index, item in enumerate(sequence):
            if isinstance(item, Unknown | Alternatives):
                return False
            if isinstance(item, LList):
                if not walk(item):
                    return False
            else:
                items.append((item, sequence.item_location(index)))
        return True

    if not walk(_a_list(call, value)):
        return call.site.unknown("flatten() of a list with items that are not known")
    return _new_list(call, items)


@_function("compact")
def _compact(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    value = args[0]
    if isinstance(value, Unknown):
        return call.site.unknown("compact() of a list that is not known")
    items = _a_list(call, value)
    if any(isinstance(item, Unknown | Alternatives) for item in items):
        return call.site.unknown("compact() of a list with items that are not known")
    return _new_list(call, [(i, loc) for i, loc in _items(items) if i is not None and i != ""])


@_function("coalesce")
def _coalesce(call: Call, args: list[Any]) -> Any:
    for value in args:
        if isinstance(value, Unknown | Alternatives):
            return call.site.unknown("coalesce() of a value that is not known")
        if value is not None and value != "":
            return value
    raise EvalError("coalesce(): every argument is null or empty")


@_function("coalescelist")
def _coalescelist(call: Call, args: list[Any]) -> Any:
    for value in args:
        if isinstance(value, Unknown | Alternatives):
            return call.site.unknown("coalescelist() of a value that is not known")
        if isinstance(value, list) and value:
            return value
    raise EvalError("coalescelist(): every list is empty")


@_function("contains")
def _contains(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    if isinstance(args[0], Unknown) or isinstance(args[1], Unknown):
        return call.site.unknown("contains() of a value that is not known")
    results = [values_equal(item, args[1]) for item in _a_list(call, args[0])]
    if any(result is True for result in results):
        return True
    if any(isinstance(result, Unknown) for result in results):
        return call.site.unknown("contains() of a list with items that are not known")
    return False


@_function("keys", "values")
def _keys(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    mapping = args[0]
    if isinstance(mapping, Unknown):
        return call.site.unknown(f"{call.name}() of a map that is not known")
    if not isinstance(mapping, LMap):
        raise EvalError(f"{call.name}() needs a map")
    ordered = sorted(mapping.keys())
    if call.name == "keys":
        return _new_list(call, [(k, mapping.key_location(k)) for k in ordered])
    return _new_list(call, [(mapping[k], mapping.value_location(k)) for k in ordered])


@_function("one")
def _one(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    value = args[0]
    if isinstance(value, Unknown) or value is None:
        return value
    items = _a_list(call, value)
    if len(items) > 1:
        raise EvalError("one() of a list with more than one element")
    return items[0] if items else None


@_function("reverse")
def _reverse(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    if isinstance(args[0], Unknown):
        return args[0]
    return _new_list(call, list(reversed(_items(_a_list(call, args[0])))))


@_function("slice")
def _slice(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 3)
    if any(isinstance(a, Unknown) for a in args):
        return call.site.unknown("slice() of a value that is not known")
    items = _a_list(call, args[0])
    start, end = int(to_number(args[1])), int(to_number(args[2]))
    if not 0 <= start <= end <= len(items):
        raise EvalError("slice() indexes are out of range")
    return _new_list(call, _items(items)[start:end])


@_function("zipmap")
def _zipmap(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    keys, values = _a_list(call, args[0]), _a_list(call, args[1])
    if len(keys) != len(values):
        raise EvalError("zipmap() needs lists of the same length")
    result = LMap(call.site.location)
    for index, key in enumerate(keys):
        text = template_text(key)
        if isinstance(text, Unknown):
            return call.site.unknown("zipmap() with keys that are not known")
        result.put(text, values[index], keys.item_location(index), values.item_location(index))
    return result
