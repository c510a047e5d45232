"""The values the HCL evaluator passes around, and how provenance is stripped from them.

They are the located tree's (`str`, numbers, `bool`, `None`, `LMap`, `LList`,
`Unknown`, `Alternatives`) plus a few that keep provenance for policies:
`EncodedJson` (`jsonencode(x)`: the text of `x`, whose tree keeps the HCL
locations), `MappedStr` (heredoc or file text that knows where each character
came from) and `PartialText` (a heredoc with unresolved parts, still readable as
JSON with the unknown parts marked). `finalize` strips the provenance from a
tree; `hcl_json.json_document` turns any of them into the tree
`policy_reader.read_policy` reads.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from trustlint.model import Location, Unknown
from trustlint.records import record
from trustlint.tree import Alternatives, Branch, LList, LMap

UNKNOWN_TEXT_LIMIT = 300
"""Source text kept in an `Unknown`, in characters."""

HOLE_START = "\ue000"
HOLE_END = "\ue001"
"""A placeholder for an unresolved part of rendered text is `HOLE_START n HOLE_END`."""


class EvalError(Exception):
    """An expression Terraform itself would reject (an index out of range, a
    missing attribute, a null in a template). `try` and `can` catch it;
    elsewhere the value becomes `Unknown` with this message as the reason."""


@record(eq=False)
class EncodedJson:
    """`jsonencode(x)` or `data.aws_iam_policy_document.y.json`: the JSON text of
    `tree`, kept as the tree so that a policy read from it keeps HCL locations."""

    tree: Any
    location: Location

    def text(self) -> str | None:
        """The JSON text, or None when part of the tree is unresolved."""
        plain = _plain_json(finalize(self.tree))
        if plain is _NOT_PLAIN:
            return None
        return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@record
class TextPiece:
    """Where characters `start..end` of a rendered text came from.

    With `exact`, character `start + i` is at (`line`, `column + i`) of `path`;
    otherwise the whole piece stands for the value written at `location`.
    """

    start: int
    end: int
    path: str
    line: int
    column: int
    exact: bool
    location: Location | None = None


class MappedStr(str):
    """Text rendered from a heredoc or read from a file, remembering its source.

    Behaves as the plain string everywhere; `json_document` uses `pieces` (or
    `source_path` for a whole file, whose positions are its own) to point a
    policy parsed from it back at the characters the user wrote.
    """

    pieces: tuple[TextPiece, ...]
    source_path: str | None

    def __new__(
        cls, text: str, pieces: tuple[TextPiece, ...] = (), source_path: str | None = None
    ) -> MappedStr:
        instance = super().__new__(cls, text)
        instance.pieces = pieces
        instance.source_path = source_path
        return instance


@record
class TemplateHole:
    """An unresolved part of a rendered template and the placeholder standing for it."""

    token: str
    value: Any
    """`Unknown`, or the tree of a `jsonencode` with unresolved parts."""
    source: str
    """The interpolation as written, `${var.x}`."""
    quoted: bool
    """Whether the placeholder stands inside a JSON string."""


@record
class PartialText(Unknown):
    """A heredoc or template with unresolved parts: unknown as a string, but its
    `rendered` text (unknown parts replaced by placeholder tokens) can still be
    read as JSON, each placeholder becoming an `Unknown`."""

    rendered: str = ""
    pieces: tuple[TextPiece, ...] = ()
    holes: tuple[TemplateHole, ...] = ()


class LSet(LList):
    """A list built by `toset`: `for_each` over it binds each element as its key."""

    __slots__ = ()


class OpenObject(LMap):
    """An object of which only some attributes are listed (a resource instance:
    AWS assigns the others); reading one not listed is unknown, not an error."""

    __slots__ = ()


class ObjectWithNulls(LMap):
    """An object some of whose attributes are null: they are not keys of the map
    (a policy written with them omits them), but reading one gives null, as
    Terraform does, instead of the error a missing attribute is."""

    __slots__ = ("null_keys",)

    def __init__(self, location: Location) -> None:
        super().__init__(location)
        self.null_keys: frozenset[str] = frozenset()


def with_null_key(mapping: LMap, key: str) -> LMap:
    """`mapping` (an object being built) noting that attribute `key` is null."""
    if not isinstance(mapping, ObjectWithNulls):
        copied = ObjectWithNulls(mapping.location)
        for name, value in mapping.items():
            copied.put(name, value, mapping.key_location(name), mapping.value_location(name))
        mapping = copied
    mapping.pop(key, None)
    mapping.null_keys = mapping.null_keys | {key}
    return mapping


# -- where a value is read from -----------------------------------------------


@record
class Step:
    """One traversal step after a name: `.attr`, `[index]`, or a splat with its own steps."""

    kind: Literal["attr", "index", "splat"]
    key: Any = None
    sub: tuple[Step, ...] = ()


@record
class Site:
    """The expression being evaluated: its text and location, for `Unknown`s."""

    text: str
    location: Location

    def unknown(self, reason: str) -> Unknown:
        return Unknown(self.text, self.location, reason)


def clip(text: str, limit: int = UNKNOWN_TEXT_LIMIT) -> str:
    """`text` cut to what an `Unknown` keeps."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# -- stripping provenance -------------------------------------------------------

_NOT_PLAIN: Any = object()


def _plain_json(value: Any) -> Any:
    if isinstance(value, Unknown | Alternatives):
        return _NOT_PLAIN
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            plain = _plain_json(item)
            if plain is _NOT_PLAIN:
                return _NOT_PLAIN
            result[key] = plain
        return result
    if isinstance(value, list):
        items = []
        for item in value:
            plain = _plain_json(item)
            if plain is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(plain)
        return items
    if isinstance(value, str):
        return str(value)
    return value


def finalize(value: Any) -> Any:
    """A tree without provenance types: what `policy_reader` and the model hold."""
    if isinstance(value, PartialText):
        return Unknown(value.text, value.location, value.reason)
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return str(value) if type(value) is not str else value
    if isinstance(value, EncodedJson):
        text = value.text()
        if text is None:
            return Unknown("jsonencode(...)", value.location, "encodes values that are not known")
        return text
    if isinstance(value, LMap):
        mapping = LMap(value.location)
        for key, item in value.items():
            mapping.put(key, finalize(item), value.key_location(key), value.value_location(key))
        return mapping
    if isinstance(value, LList):
        sequence = LList(value.location)
        for index, item in enumerate(value):
            sequence.add(finalize(item), value.item_location(index))
        return sequence
    if isinstance(value, Alternatives):
        return Alternatives(
            tuple(Branch(b.label, finalize(b.value), b.location) for b in value.branches),
            value.location,
        )
    return value
