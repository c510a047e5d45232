"""HCL templates: quoted strings with interpolations, heredocs and template files.

`TemplateRenderer` renders one into text that remembers where each character
came from (`MappedStr`), or, with unresolved parts, into a `PartialText` whose
placeholders `hcl_json.json_document` turns into `Unknown`s. Directives
(`%{if}`, `%{for}`) are rendered when their condition or collection is known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tree_sitter import Node

from trustlint import budgets
from trustlint.frontends.terraform.hcl_operations import iteration, lift, template_text, truth_of
from trustlint.frontends.terraform.hcl_syntax import decode_escapes
from trustlint.frontends.terraform.hcl_values import (
    HOLE_END,
    HOLE_START,
    EncodedJson,
    EvalError,
    MappedStr,
    PartialText,
    Site,
    TemplateHole,
    TextPiece,
    clip,
)
from trustlint.model import Location, Unknown
from trustlint.records import record
from trustlint.tree import Alternatives

if TYPE_CHECKING:
    from trustlint.frontends.terraform.hcl_eval import Evaluator


@record(frozen=False)
class _Literal:
    text: str
    line: int
    column: int
    exact: bool


@record(frozen=False)
class _Interpolated:
    value: Any
    location: Location
    text: str


class _Strip:
    """Strip marker: `before` trims the preceding literal's trailing whitespace."""

    __slots__ = ("before",)

    def __init__(self, before: bool) -> None:
        self.before = before


class _UnknownDirectiveError(Exception):
    pass


_Part = _Literal | _Interpolated | _Strip


class TemplateRenderer:
    """Renders a quoted template or heredoc into text, with a map back to the source."""

    def __init__(self, evaluator: Evaluator, node: Node) -> None:
        self.evaluator = evaluator
        self.file = evaluator.file
        self.node = node
        self.heredoc = node.type == "heredoc_template"
        self.flush_indent = 0
        self.content_start = 0
        self.content_end = 0
        self.drop_final_newline = False
        self.location = self.file.location(node)

    def render(self) -> Any:
        if not self._bounds():
            raise EvalError("the template is not terminated")
        try:
            parts = self._parts(
                self.evaluator, self.node.children, self.content_start, self.content_end
            )
        except _UnknownDirectiveError:
            return self._unknown("a template directive depends on values that are not known")
        parts = _apply_strips(parts)
        if self.drop_final_newline:
            _drop_final_newline(parts)
        if not self.heredoc:
            values = [p for p in parts if isinstance(p, _Interpolated)]
            literal_text = "".join(p.text for p in parts if isinstance(p, _Literal))
            if len(values) == 1 and not literal_text:
                return values[0].value
            if any(isinstance(v.value, Alternatives) for v in values):
                return self._alternatives(parts)
        return self._assemble(parts)

    def _unknown(self, reason: str) -> Unknown:
        return Unknown(clip(self._source_text()), self.location, reason)

    def _source_text(self) -> str:
        if self.heredoc:
            return self.file.node_text(self.node)
        return self.file.slice_text(self.content_start, self.content_end)

    def _bounds(self) -> bool:
        children = self.node.children
        if not children:
            return False
        if not self.heredoc:
            if children[-1].is_missing or len(children) < 2:
                return False
            self.content_start = children[0].end_byte
            self.content_end = children[-1].start_byte
            return True
        identifiers = [c for c in children if c.type == "heredoc_identifier"]
        if len(identifiers) < 2 or identifiers[-1].is_missing:
            return False
        opening, closing = identifiers[0], identifiers[-1]
        newline = self.file.source.find(b"\n", opening.end_byte)
        if newline < 0:
            return False
        self.content_start = newline + 1
        self.content_end = closing.start_byte - closing.start_point[1]
        self.content_end = max(self.content_end, self.content_start)
        if self.file.node_text(children[0]).startswith("<<-"):
            self.flush_indent = self._common_indent()
        return True

    def _common_indent(self) -> int:
        text = self.file.slice_text(self.content_start, self.content_end)
        indents = [len(line) - len(line.lstrip(" \t")) for line in text.split("\n") if line.strip()]
        return min(indents, default=0)

    # -- parts --------------------------------------------------------------------

    def _parts(
        self, evaluator: Evaluator, children: Sequence[Node], start: int, end: int
    ) -> list[_Part]:
        parts: list[_Part] = []
        cursor = start
        for child in children:
            kind = child.type
            if kind not in ("template_interpolation", "template_directive"):
                continue
            if child.start_byte < start or child.end_byte > end:
                continue
            self._literal(parts, cursor, child.start_byte)
            cursor = child.end_byte
            if kind == "template_interpolation":
                self._interpolation(parts, evaluator, child)
            else:
                self._directive(parts, evaluator, child.children[0])
        self._literal(parts, cursor, end)
        return parts

    def _interpolation(self, parts: list[_Part], evaluator: Evaluator, node: Node) -> None:
        children = node.children
        if len(children) > 2 and children[1].type == "strip_marker":
            parts.append(_Strip(before=True))
        expression = next((c for c in children if c.type == "expression"), None)
        if expression is None:
            raise EvalError("an interpolation is empty")
        parts.append(
            _Interpolated(
                evaluator.evaluate_nested(expression),
                self.file.location(node),
                self.file.node_text(node),
            )
        )
        if len(children) > 2 and children[-2].type == "strip_marker":
            parts.append(_Strip(before=False))

    def _directive(self, parts: list[_Part], evaluator: Evaluator, node: Node) -> None:
        children = node.children
        if node.type == "template_if":
            intro = children[0]
            else_intro = next((c for c in children if c.type == "template_else_intro"), None)
            end_tag = children[-1]
            condition_node = next(c for c in intro.children if c.type == "expression")
            decided = truth_of(evaluator.evaluate_nested(condition_node))
            if not isinstance(decided, bool):
                raise _UnknownDirectiveError
            self._tag_strip(parts, intro, before=True)
            if decided:
                self._tag_strip(parts, intro, before=False)
                stop = else_intro if else_intro is not None else end_tag
                parts.extend(self._parts(evaluator, children, intro.end_byte, stop.start_byte))
                self._tag_strip(parts, stop, before=True)
            else:
                if else_intro is not None:
                    self._tag_strip(parts, else_intro, before=False)
                    parts.extend(
                        self._parts(evaluator, children, else_intro.end_byte, end_tag.start_byte)
                    )
                self._tag_strip(parts, end_tag, before=True)
            self._tag_strip(parts, end_tag, before=False)
            return
        if node.type == "template_for":
            start_tag, end_tag = children[0], children[-1]
            names = [self.file.node_text(c) for c in start_tag.children if c.type == "identifier"]
            collection_node = next(c for c in start_tag.children if c.type == "expression")
            collection = evaluator.evaluate_nested(collection_node)
            budget = budgets.current()
            if isinstance(collection, list | dict):
                budget.iterate(len(collection), self.location, "a template for directive")
            items = (
                None if isinstance(collection, Unknown | Alternatives) else iteration(collection)
            )
            if items is None:
                raise _UnknownDirectiveError
            self._tag_strip(parts, start_tag, before=True)
            for key, value, _location in items:
                budget.tick(self.location)
                bound = {names[0]: key, names[1]: value} if len(names) == 2 else {names[0]: value}
                self._tag_strip(parts, start_tag, before=False)
                parts.extend(
                    self._parts(
                        evaluator.with_bindings(bound),
                        children,
                        start_tag.end_byte,
                        end_tag.start_byte,
                    )
                )
                self._tag_strip(parts, end_tag, before=True)
            self._tag_strip(parts, end_tag, before=False)
            return
        raise _UnknownDirectiveError

    @staticmethod
    def _tag_strip(parts: list[_Part], tag: Node, *, before: bool) -> None:
        children = tag.children
        if before and len(children) > 1 and children[1].type == "strip_marker":
            parts.append(_Strip(before=True))
        if not before and len(children) > 1 and children[-2].type == "strip_marker":
            parts.append(_Strip(before=False))

    def _literal(self, parts: list[_Part], start: int, end: int) -> None:
        if end <= start:
            return
        file = self.file
        raw = file.slice_text(start, end)
        newlines = raw.count("\n")
        if not self.heredoc:
            parts.append(
                _Literal(decode_escapes(raw), self.location.line, self.location.column, exact=False)
            )
            return
        line, column = file.position(start)
        at_line_start = start == self.content_start or file.source[start - 1 : start] == b"\n"
        for index, text in enumerate(raw.split("\n")):
            if index:
                line, column = line + 1, 1
                at_line_start = True
            if at_line_start and self.flush_indent:
                stripped = text.lstrip(" \t")
                removed = min(len(text) - len(stripped), self.flush_indent)
                text = text[removed:]
                column += removed
            if index < newlines:
                text += "\n"
            self._heredoc_text(parts, text, line, column)
            at_line_start = False

    @staticmethod
    def _heredoc_text(parts: list[_Part], text: str, line: int, column: int) -> None:
        # In a heredoc only `$${` and `%%{` are escapes, standing for `${` and `%{`.
        position = 0
        for match in re.finditer(r"\$\$\{|%%\{", text):
            if match.start() > position:
                parts.append(
                    _Literal(text[position : match.start()], line, column + position, exact=True)
                )
            parts.append(_Literal(match.group()[1:], line, column + match.start() + 1, exact=True))
            position = match.end()
        if position < len(text):
            parts.append(_Literal(text[position:], line, column + position, exact=True))

    # -- assembling ------------------------------------------------------------------

    def _alternatives(self, parts: list[_Part]) -> Any:
        values = [p.value for p in parts if isinstance(p, _Interpolated)]

        def assemble(*chosen: Any) -> Any:
            iterator = iter(chosen)
            concrete = [
                _Interpolated(next(iterator), p.location, p.text)
                if isinstance(p, _Interpolated)
                else p
                for p in parts
            ]
            return self._assemble(concrete)

        return lift(values, assemble, Site(clip(self._source_text()), self.location))

    def _assemble(self, parts: Sequence[_Part]) -> Any:
        builder = _TextBuilder(self.location.path)
        reasons: list[str] = []
        for part in parts:
            if isinstance(part, _Literal):
                builder.literal(part.text, part.line, part.column, part.exact, self.location)
                continue
            if not isinstance(part, _Interpolated):
                continue
            text = template_text(part.value)
            if isinstance(text, str):
                builder.value(text, part.location)
                continue
            reasons.append(text.reason or "not known")
            hole: Any = part.value.tree if isinstance(part.value, EncodedJson) else text
            builder.hole(hole, part.location, part.text)
        rendered = builder.text()
        if not builder.holes:
            if self.heredoc:
                return MappedStr(rendered, tuple(builder.pieces))
            return rendered
        return PartialText(
            clip(self._source_text()),
            self.location,
            reasons[0],
            rendered=rendered,
            pieces=tuple(builder.pieces),
            holes=tuple(builder.holes),
        )


def _apply_strips(parts: list[_Part]) -> list[_Part]:
    result: list[_Part] = []
    strip_next = False
    for part in parts:
        if isinstance(part, _Strip):
            if part.before:
                for previous in reversed(result):
                    if not isinstance(previous, _Literal):
                        break
                    previous.text = previous.text.rstrip()
                    if previous.text:
                        break
            else:
                strip_next = True
            continue
        if isinstance(part, _Literal) and strip_next:
            stripped = part.text.lstrip()
            removed = len(part.text) - len(stripped)
            part = _Literal(stripped, part.line, part.column + removed, part.exact)
            if not stripped:
                continue
        strip_next = False
        result.append(part)
    return [p for p in result if not (isinstance(p, _Literal) and not p.text)]


def _drop_final_newline(parts: list[_Part]) -> None:
    if parts and isinstance(parts[-1], _Literal) and parts[-1].text.endswith("\n"):
        parts[-1].text = parts[-1].text[:-1]


class _TextBuilder:
    """Concatenates rendered text, recording a `TextPiece` for each part.

    Tracks whether the text so far ends inside a JSON string, so that an
    unresolved part outside one becomes a quoted placeholder: the rendered text
    then still parses as JSON.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.chunks: list[str] = []
        self.pieces: list[TextPiece] = []
        self.holes: list[TemplateHole] = []
        self.length = 0
        self.in_string = False
        self.escaped = False
        self.max_length = budgets.current().max_string_length

    def _append(self, text: str, piece: TextPiece) -> None:
        self.chunks.append(text)
        self.pieces.append(piece)
        self.length += len(text)
        self._scan(text)

    def _scan(self, text: str) -> None:
        if '"' not in text and not self.in_string:
            return
        for char in text:
            if self.escaped:
                self.escaped = False
            elif char == "\\" and self.in_string:
                self.escaped = True
            elif char == '"':
                self.in_string = not self.in_string

    def literal(self, text: str, line: int, column: int, exact: bool, whole: Location) -> None:
        start = self.length
        piece = TextPiece(
            start, start + len(text), self.path, line, column, exact, None if exact else whole
        )
        self._append(text, piece)

    def value(self, text: str, location: Location) -> None:
        if not text:
            return
        if self.length + len(text) > self.max_length:
            budgets.current().string(self.length + len(text), location, "an interpolation")
        self._append(text, self._standing_for(text, location))

    def hole(self, value: Any, location: Location, source: str) -> None:
        token = f"{HOLE_START}{len(self.holes)}{HOLE_END}"
        text = token if self.in_string else f'"{token}"'
        self.holes.append(TemplateHole(token, value, source, self.in_string))
        # Not scanned: the placeholder leaves the JSON string state as it was.
        self.pieces.append(self._standing_for(text, location))
        self.chunks.append(text)
        self.length += len(text)

    def _standing_for(self, text: str, location: Location) -> TextPiece:
        """The piece of `text`, appended next, standing for the value written at `location`."""
        start = self.length
        return TextPiece(
            start, start + len(text), location.path, location.line, location.column, False, location
        )

    def text(self) -> str:
        return "".join(self.chunks)
