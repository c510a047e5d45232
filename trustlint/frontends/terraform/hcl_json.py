"""JSON in HCL values: decoding it, and the located tree a policy value stands for.

`json_document` maps JSON text rendered from a heredoc, a template or a file
back to where its characters were written, and turns each unresolved part of
it into an `Unknown`.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping
from typing import Any

from trustlint.frontends.terraform.hcl_values import (
    HOLE_END,
    HOLE_START,
    EncodedJson,
    MappedStr,
    PartialText,
    TemplateHole,
    TextPiece,
    finalize,
)
from trustlint.frontends.yaml_loader import LINE_BREAK, LoadError, load_json
from trustlint.model import Location, Unknown
from trustlint.patterns import lazy_compile
from trustlint.tree import Alternatives, Branch, LList, LMap

_SURROGATE_ESCAPE = lazy_compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = lazy_compile("[\ud800-\udfff]")


def decode_json(text: str) -> Any:
    """`json.loads`, with a lone UTF-16 surrogate (`"\\ud800"`) read as U+FFFD.

    Terraform decodes it so; Python keeps the surrogate, which no output can
    encode. Raises `ValueError` for text that is not JSON.
    """
    data = json.loads(text)
    if not _SURROGATE_ESCAPE.search(text):
        return data
    encoded = json.dumps(data, ensure_ascii=False)
    if not _LONE_SURROGATE.search(encoded):
        return data
    return json.loads(_LONE_SURROGATE.sub("\ufffd", encoded))


def locate_plain(data: Any, location: Location) -> Any:
    """Plain JSON data as a located tree in which everything is at `location`."""
    if isinstance(data, dict):
        mapping = LMap(location)
        for key, item in data.items():
            mapping.put(str(key), locate_plain(item, location), location, location)
        return mapping
    if isinstance(data, list):
        sequence = LList(location)
        for item in data:
            sequence.add(locate_plain(item, location), location)
        return sequence
    return data


def json_document(
    value: Any,
    location: Location,
    *,
    max_depth: int = 256,
    max_nodes: int = 2_000_000,
) -> Any:
    """The located tree a policy value stands for.

    HCL objects (`jsonencode({...})`, a policy document's `json`) keep their
    HCL locations; JSON text from a heredoc, a template or a file is parsed and
    its locations mapped back to where the characters were written; a quoted
    string stays a string (the policy reader parses it, at the string's
    location).
    """
    if isinstance(value, Alternatives):
        return Alternatives(
            tuple(
                Branch(
                    b.label,
                    json_document(b.value, b.location, max_depth=max_depth, max_nodes=max_nodes),
                    b.location,
                )
                for b in value.branches
            ),
            value.location,
        )
    if isinstance(value, EncodedJson):
        return finalize(value.tree)
    if isinstance(value, PartialText):
        parsed = _parse_rendered(value.rendered, value.pieces, value.holes, max_depth, max_nodes)
        if parsed is None:
            return Unknown(value.text, value.location, value.reason)
        return parsed
    if isinstance(value, MappedStr):
        if value.source_path is not None:
            try:
                tree = load_json(
                    str(value), value.source_path, max_nodes=max_nodes, max_depth=max_depth
                )
            except LoadError:
                return str(value)
            return finalize(tree)
        parsed = _parse_rendered(str(value), value.pieces, (), max_depth, max_nodes)
        return str(value) if parsed is None else parsed
    return finalize(value)


def _parse_rendered(
    text: str,
    pieces: tuple[TextPiece, ...],
    holes: tuple[TemplateHole, ...],
    max_depth: int,
    max_nodes: int,
) -> Any:
    if not text.strip():
        return None
    try:
        tree = load_json(text, "", max_nodes=max_nodes, max_depth=max_depth)
    except LoadError:
        return None
    mapper = _SourceMap(text, pieces, {hole.token: hole for hole in holes})
    return mapper.tree(tree)


class _SourceMap:
    """Maps locations in rendered text back to the source, and fills placeholders."""

    def __init__(
        self, text: str, pieces: tuple[TextPiece, ...], holes: Mapping[str, TemplateHole]
    ) -> None:
        self.line_starts = [0] + [m.end() for m in LINE_BREAK.finditer(text)]
        self.pieces = pieces
        self.starts = [piece.start for piece in pieces]
        self.holes = holes

    def _offset(self, line: int, column: int) -> int:
        row = min(max(line - 1, 0), len(self.line_starts) - 1)
        return self.line_starts[row] + column - 1

    def _piece(self, offset: int) -> TextPiece | None:
        index = bisect.bisect_right(self.starts, offset) - 1
        if index < 0:
            return self.pieces[0] if self.pieces else None
        return self.pieces[index]

    def _point(self, offset: int, end: bool) -> tuple[str, int, int] | None:
        piece = self._piece(offset)
        if piece is None:
            return None
        if piece.exact:
            column = piece.column + min(offset - piece.start, max(piece.end - piece.start - 1, 0))
            return piece.path, piece.line, column + (1 if end else 0)
        where = piece.location
        if where is None:  # pragma: no cover - inexact pieces carry a location
            return None
        if end:
            return where.path, where.end_line, where.end_column
        return where.path, where.line, where.column

    def location(self, generated: Location) -> Location:
        start = self._offset(generated.line, generated.column)
        end = self._offset(generated.end_line, generated.end_column)
        first = self._point(start, end=False)
        last = self._point(max(end - 1, start), end=True)
        if first is None or last is None:
            return generated
        return Location(first[0], first[1], first[2], last[1], last[2])

    def tree(self, node: Any) -> Any:
        if isinstance(node, LMap):
            mapping = LMap(self.location(node.location))
            for key, value in node.items():
                if HOLE_START in key:
                    return Unknown(
                        self._restore(key), mapping.location, "an object key is not known"
                    )
                mapping.put(
                    key,
                    self._value(value, node.value_location(key)),
                    self.location(node.key_location(key)),
                    self.location(node.value_location(key)),
                )
            return mapping
        if isinstance(node, LList):
            sequence = LList(self.location(node.location))
            for index, item in enumerate(node):
                item_location = node.item_location(index)
                sequence.add(self._value(item, item_location), self.location(item_location))
            return sequence
        return node

    def _value(self, value: Any, generated: Location) -> Any:
        if isinstance(value, str) and HOLE_START in value:
            hole = self.holes.get(value)
            if hole is not None and (not hole.quoted or isinstance(hole.value, Unknown)):
                return finalize(hole.value)
            return Unknown(
                self._restore(value),
                self.location(generated),
                "part of it is not known before deployment",
            )
        if isinstance(value, LMap | LList):
            return self.tree(value)
        return value

    def _restore(self, text: str) -> str:
        def source(match: re.Match[str]) -> str:
            hole = self.holes.get(match.group())
            return hole.source if hole is not None else match.group()

        return re.sub(f"{HOLE_START}\\d+{HOLE_END}", source, text)
