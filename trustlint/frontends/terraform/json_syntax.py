"""Terraform JSON syntax (`*.tf.json`) read as the native syntax it stands for.

A `.tf.json` file is translated into the HCL text it means (blocks, attributes,
and the expressions its strings hold) and that text is parsed by tree-sitter
like any `.tf` file; every byte of the generated text remembers the character
of the JSON file it came from, so the blocks, attributes and values the
evaluator produces are located inside the JSON. The rest of the Terraform
front-end reads the result as it reads a `.tf` file.

The mapping follows Terraform's JSON syntax: the top-level properties are block
types, each label is one more level of object (or array of objects), and in a
block body a property is a nested block when the block type has such a block
(Terraform decides by the provider's schema; `BLOCKS_OF` names the blocks of
the types trustlint reads), otherwise an attribute. A `"//"` property of a
body is a comment. In an attribute, a string is a template (`"${...}"`,
`%{...}`), numbers, booleans and null are literals, arrays and objects are
tuples and objects; a few places take an expression written as a string
(`depends_on`, `provider`, a variable's `type`, a `dynamic` block's `iterator`),
and a variable's `default` is a literal, as in Terraform.
"""

from __future__ import annotations

import bisect
import json
from array import array
from collections.abc import Callable, Iterator, Sequence

from tree_sitter import Node

from trustlint.frontends.terraform.hcl_syntax import HclFile, parse_hcl
from trustlint.model import Location, Suppression
from trustlint.patterns import lazy_compile
from trustlint.records import record, replace
from trustlint.suppressions import comment_suppressions

# -- a JSON document with the position of every value ---------------------------


@record
class _JString:
    start: int
    """Offset of the opening quote in the JSON text (characters)."""
    end: int
    """One past the closing quote."""
    value: str


@record
class _JScalar:
    start: int
    end: int
    text: str
    """A number, `true`, `false` or `null` as written."""


@record
class _JArray:
    start: int
    end: int
    items: tuple[_JValue, ...]


@record
class _JObject:
    start: int
    end: int
    members: tuple[tuple[_JString, _JValue], ...]


_JValue = _JString | _JScalar | _JArray | _JObject


class JsonSyntaxError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


_WHITESPACE = lazy_compile(r"[ \t\n\r]*")
_SCALAR = lazy_compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")
_scan_string = json.decoder.scanstring  # type: ignore[attr-defined]


class _Reader:
    """A JSON reader keeping offsets; `json.loads` has checked the text first."""

    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.max_depth = max_depth

    def value(self, index: int, depth: int) -> tuple[_JValue, int]:
        if depth > self.max_depth:
            raise JsonSyntaxError(f"nested deeper than {self.max_depth} levels", index)
        text = self.text
        index = _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]
        char = text[index : index + 1]
        if char == '"':
            value, end = _scan_string(text, index + 1)
            return _JString(index, end, value), end
        if char == "{":
            return self._object(index, depth)
        if char == "[":
            return self._array(index, depth)
        match = _SCALAR.match(text, index)
        if match is None:
            raise JsonSyntaxError("a value is expected", index)
        return _JScalar(index, match.end(), match.group()), match.end()

    def _object(self, start: int, depth: int) -> tuple[_JObject, int]:
        text = self.text
        members: list[tuple[_JString, _JValue]] = []
        index = _WHITESPACE.match(text, start + 1).end()  # type: ignore[union-attr]
        if text.startswith("}", index):
            return _JObject(start, index + 1, ()), index + 1
        while True:
            key, index = self.value(index, depth + 1)
            index = _WHITESPACE.match(text, index).end() + 1  # type: ignore[union-attr]
            value, index = self.value(index, depth + 1)
            if isinstance(key, _JString):
                members.append((key, value))
            index = _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]
            if text.startswith("}", index):
                return _JObject(start, index + 1, tuple(members)), index + 1
            index = _WHITESPACE.match(text, index + 1).end()  # type: ignore[union-attr]

    def _array(self, start: int, depth: int) -> tuple[_JArray, int]:
        text = self.text
        items: list[_JValue] = []
        index = _WHITESPACE.match(text, start + 1).end()  # type: ignore[union-attr]
        if text.startswith("]", index):
            return _JArray(start, index + 1, ()), index + 1
        while True:
            item, index = self.value(index, depth + 1)
            items.append(item)
            index = _WHITESPACE.match(text, index).end()  # type: ignore[union-attr]
            if text.startswith("]", index):
                return _JArray(start, index + 1, tuple(items)), index + 1
            index += 1


def _read_json(text: str, max_depth: int) -> _JValue:
    try:
        json.loads(text)
    except RecursionError as error:
        raise JsonSyntaxError(f"nested deeper than {max_depth} levels", 0) from error
    except json.JSONDecodeError as error:
        raise JsonSyntaxError(error.msg, error.pos) from error
    return _Reader(text, max_depth).value(0, 0)[0]


def _string_chars(text: str, token: _JString) -> Iterator[tuple[str, int]]:
    """Each character of a JSON string's value with the offset it is written at."""
    raw = text[token.start + 1 : token.end - 1]
    base = token.start + 1
    if "\\" not in raw:
        for index, char in enumerate(raw):
            yield char, base + index
        return
    index = 0
    while index < len(raw):
        char = raw[index]
        if char != "\\":
            yield char, base + index
            index += 1
            continue
        marker = raw[index + 1 : index + 2]
        if marker == "u":
            code = int(raw[index + 2 : index + 6], 16)
            width = 6
            if 0xD800 <= code < 0xDC00 and raw.startswith("\\u", index + 6):
                low = int(raw[index + 8 : index + 12], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    width = 12
            yield chr(code), base + index
            index += width
            continue
        simple = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}.get(marker, marker)
        yield simple, base + index
        index += 2


# -- the HCL text a JSON document stands for ---------------------------------------


@record
class _Schema:
    """What the properties of a block body mean: nested block types and label counts."""

    blocks: dict[str, tuple[int, _Schema]]
    """Nested block type -> (number of labels, the schema of its body)."""
    expressions: frozenset[str] = frozenset()
    """Attributes whose strings are expressions, not templates."""
    literals: frozenset[str] = frozenset()
    """Attributes whose strings are literal text, not templates."""


_LEAF_SCHEMA = _Schema({})
_STATEMENT = _Schema(
    {
        "principals": (0, _LEAF_SCHEMA),
        "not_principals": (0, _LEAF_SCHEMA),
        "condition": (0, _LEAF_SCHEMA),
    }
)
_LIFECYCLE = _Schema(
    {"precondition": (0, _LEAF_SCHEMA), "postcondition": (0, _LEAF_SCHEMA)},
    expressions=frozenset({"ignore_changes", "replace_triggered_by"}),
)
_META_BLOCKS: dict[str, tuple[int, _Schema]] = {
    "lifecycle": (0, _LIFECYCLE),
    "provisioner": (1, _LEAF_SCHEMA),
    "connection": (0, _LEAF_SCHEMA),
    "timeouts": (0, _LEAF_SCHEMA),
}
_META_EXPRESSIONS = frozenset({"depends_on", "provider"})

BLOCKS_OF: dict[tuple[str, str], dict[str, tuple[int, _Schema]]] = {
    ("data", "aws_iam_policy_document"): {"statement": (0, _STATEMENT)},
    ("resource", "aws_iam_role"): {"inline_policy": (0, _LEAF_SCHEMA)},
}
"""Nested blocks of the resource and data types trustlint reads, by (kind, type)."""

_TOP_LEVEL: dict[str, tuple[int, _Schema]] = {
    "variable": (
        1,
        _Schema(
            {"validation": (0, _LEAF_SCHEMA)},
            expressions=frozenset({"type"}),
            literals=frozenset({"default"}),
        ),
    ),
    "output": (1, _Schema({"precondition": (0, _LEAF_SCHEMA)}, _META_EXPRESSIONS)),
    "locals": (0, _LEAF_SCHEMA),
    "module": (1, _Schema({}, expressions=frozenset({"depends_on", "providers"}))),
    "provider": (
        1,
        _Schema(
            {
                "assume_role": (0, _LEAF_SCHEMA),
                "assume_role_with_web_identity": (0, _LEAF_SCHEMA),
                "default_tags": (0, _LEAF_SCHEMA),
                "ignore_tags": (0, _LEAF_SCHEMA),
                "endpoints": (0, _LEAF_SCHEMA),
            }
        ),
    ),
    "terraform": (
        0,
        _Schema(
            {
                "backend": (1, _LEAF_SCHEMA),
                "cloud": (0, _LEAF_SCHEMA),
                "required_providers": (0, _LEAF_SCHEMA),
            }
        ),
    ),
}
_IDENTIFIER = lazy_compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def _resource_schema(kind: str, resource_type: str) -> _Schema:
    blocks = {**_META_BLOCKS, **BLOCKS_OF.get((kind, resource_type), {})}
    return _Schema(blocks, _META_EXPRESSIONS)


class _Writer:
    """HCL text under construction, with the JSON offset of each of its bytes."""

    def __init__(self, text: str, *, check: bool) -> None:
        self.json = text
        self.check = check
        """Whether each string's expression is parsed alone, to confine an error to
        its block (done only for a file whose whole text does not parse)."""
        self.parts: list[str] = []
        self.origin = array("i")
        self.invalid: list[int] = []
        """JSON offsets of the strings whose expressions do not parse."""
        self.comments: list[_JString] = []
        """The `"//"` comment strings of block bodies."""

    def emit(self, text: str, offset: int, *, step: bool = False) -> None:
        """`text`, each byte from `offset` (or from successive offsets if `step`)."""
        self.parts.append(text)
        origin = self.origin
        if text.isascii():
            if step:
                origin.extend(range(offset, offset + len(text)))
            else:
                origin.extend([offset] * len(text))
            return
        for index, char in enumerate(text):
            width = len(char.encode("utf-8", errors="surrogatepass"))
            origin.extend([offset + index if step else offset] * width)

    def text(self) -> str:
        return "".join(self.parts)

    # -- blocks ------------------------------------------------------------------------

    def document(self, root: _JValue) -> None:
        if not isinstance(root, _JObject):
            return
        for key, value in root.members:
            kind = key.value
            if kind in ("resource", "data"):
                for labels, body in _labelled(value, 2):
                    schema = _resource_schema(kind, labels[0].value)
                    self.block(kind, key, labels, body, schema)
            elif kind in _TOP_LEVEL:
                count, schema = _TOP_LEVEL[kind]
                for labels, body in _labelled(value, count):
                    self.block(kind, key, labels, body, schema)

    def block(
        self,
        kind: str,
        key: _JString,
        labels: Sequence[_JString],
        body: _JObject,
        schema: _Schema,
    ) -> None:
        # The block starts at its innermost label (the resource's name), the
        # place a reader of the JSON recognises it by.
        anchor = labels[-1].start if labels else key.start
        if labels:
            # The type keyword spans the innermost label where it is written.
            self.emit(kind[:-1], anchor)
            self.emit(kind[-1], labels[-1].end - 1)
        elif kind != key.value:
            self.emit(kind, anchor)
        else:
            self.emit(kind, key.start + 1, step=True)
        for label in labels:
            self.emit(" ", anchor)
            self.emit(_quoted_literal(label.value), label.start)
        self.emit(" {\n", body.start)
        self.body(body, schema)
        self.emit("}", body.end - 1)
        self.emit("\n", body.end - 1)

    def body(self, body: _JObject, schema: _Schema) -> None:
        seen: set[str] = set()
        for key, value in body.members:
            name = key.value
            if name == "//":
                if isinstance(value, _JString):
                    self.comments.append(value)
                continue
            if name == "dynamic":
                self._dynamic(key, value, schema)
                continue
            nested = schema.blocks.get(name)
            if nested is not None:
                count, child = nested
                for labels, inner in _labelled(value, count):
                    self.block(name, key, labels, inner, child)
                continue
            if not _IDENTIFIER.match(name) or name in seen:
                continue
            seen.add(name)
            mode = (
                "expression"
                if name in schema.expressions
                else "literal"
                if name in schema.literals
                else "template"
            )
            self.emit(name, key.start + 1, step=True)
            self.emit(" = ", key.end - 1)
            self.expression(value, mode)
            self.emit("\n", value.end - 1)

    def _dynamic(self, key: _JString, value: _JValue, schema: _Schema) -> None:
        for labels, body in _labelled(value, 1):
            block_type = labels[0].value
            nested = schema.blocks.get(block_type)
            content_schema = nested[1] if nested is not None else _LEAF_SCHEMA
            dynamic = _Schema({"content": (0, content_schema)}, expressions=frozenset({"iterator"}))
            self.block("dynamic", key, labels, body, dynamic)

    # -- expressions -------------------------------------------------------------------

    def expression(self, value: _JValue, mode: str) -> None:
        if isinstance(value, _JScalar):
            self._number_or_keyword(value)
        elif isinstance(value, _JString):
            if mode == "expression":
                self._bare(value)
            elif mode == "literal":
                self.emit(_quoted_literal(value.value), value.start)
            else:
                self._template(value)
        elif isinstance(value, _JArray):
            self.emit("[", value.start)
            for index, item in enumerate(value.items):
                if index:
                    self.emit(", ", item.start)
                self.expression(item, mode)
            self.emit("]", value.end - 1)
        else:
            self.emit("{\n", value.start)
            for key, member in value.members:
                if mode == "literal":
                    self.emit(_quoted_literal(key.value), key.start)
                elif mode == "expression" and _IDENTIFIER.match(key.value):
                    self.emit(key.value, key.start + 1, step=True)
                else:
                    self._template(key)
                self.emit(" = ", key.start)
                self.expression(member, mode)
                self.emit("\n", member.end - 1)
            self.emit("}", value.end - 1)

    def _number_or_keyword(self, value: _JScalar) -> None:
        text = value.text
        exponent = max(text.find("e"), text.find("E")) if text[0] in "-0123456789" else -1
        if exponent < 0:
            self.emit(text, value.start, step=True)
            return
        # tree-sitter-hcl reads an exponent only after a fraction and with a sign.
        mantissa, power = text[:exponent], text[exponent + 1 :]
        self.emit(mantissa, value.start, step=True)
        if "." not in mantissa:
            self.emit(".0", value.start + exponent)
        self.emit("e", value.start + exponent)
        if power[:1] not in ("+", "-"):
            self.emit("+", value.start + exponent)
        self.emit(power, value.end - len(power), step=True)

    def _checked(self, token: _JString, write: Callable[[_JString], None]) -> None:
        """`write(token)`, or `()` (an error confined to its block) if what it
        wrote does not parse as an expression."""
        parts, origin = len(self.parts), len(self.origin)
        write(token)
        if not self.check:
            return
        if not _parses("".join(self.parts[parts:])):
            del self.parts[parts:]
            del self.origin[origin:]
            self.invalid.append(token.start)
            self.emit("()", token.start)

    def _bare(self, token: _JString) -> None:
        self._checked(token, self._write_bare)

    def _write_bare(self, token: _JString) -> None:
        """A string holding an expression (`"aws.prod"`, `"list(string)"`)."""
        chars = list(_string_chars(self.json, token))
        text = "".join(char for char, _ in chars)
        stripped = text.strip()
        if stripped.startswith("${") and stripped.endswith("}") and "${" not in stripped[2:]:
            first = text.index("${") + 2
            chars = chars[first : text.rindex("}")]
        if not chars:
            self.emit("null", token.start)
            return
        for char, offset in chars:
            self.emit(" " if char in "\r\n" else char, offset)

    def _template(self, token: _JString) -> None:
        if "{" in token.value:
            self._checked(token, self._write_template)
        else:
            self._write_template(token)

    def _write_template(self, token: _JString) -> None:
        """A string as the quoted template it is: literal text escaped, `${...}` and
        `%{...}` sequences kept as expressions."""
        written = self.json[token.start : token.end]
        if "\\" not in written:
            # Without escapes a JSON string is written as the HCL template means it.
            self.emit(written, token.start, step=True)
            return
        self.emit('"', token.start)
        chars = list(_string_chars(self.json, token))
        for char, offset, in_sequence in _template_parts(chars):
            if in_sequence:
                self.emit(" " if char in "\r\n" else char, offset)
            else:
                self.emit(_escaped(char), offset)
        self.emit('"', token.end - 1)


def _parses(expression: str) -> bool:
    return not parse_hcl(f"t = {expression}\n", "").root.has_error


def _labelled(value: _JValue, count: int) -> Iterator[tuple[list[_JString], _JObject]]:
    """The (labels, body) pairs of `count`-label blocks written as `value`: one
    object level per label, an array of objects allowed at every level."""
    stack: list[tuple[list[_JString], _JValue]] = [([], value)]
    found: list[tuple[list[_JString], _JObject]] = []
    while stack:
        labels, current = stack.pop()
        if isinstance(current, _JArray):
            stack.extend((labels, item) for item in reversed(current.items))
        elif isinstance(current, _JObject):
            if len(labels) == count:
                found.append((labels, current))
            else:
                stack.extend(
                    ([*labels, key], inner)
                    for key, inner in reversed(current.members)
                    if key.value != "//"
                )
    return iter(found)


def _template_parts(chars: Sequence[tuple[str, int]]) -> Iterator[tuple[str, int, bool]]:
    """Each character, and whether it is inside a `${...}` / `%{...}` sequence."""
    # Modes on the stack: "e" an interpolation or directive (with its brace
    # depth), "s" a quoted string inside one.
    stack: list[list[int | str]] = []
    index, length = 0, len(chars)
    while index < length:
        char = chars[index][0]
        following = chars[index + 1][0] if index + 1 < length else ""
        if not stack:
            if (
                char in "$%"
                and following == char
                and index + 2 < length
                and chars[index + 2][0] == "{"
            ):
                # `$${` and `%%{` are literal `${` and `%{`: kept escaped.
                for offset in range(3):
                    yield chars[index + offset][0], chars[index + offset][1], True
                index += 3
                continue
            if char in "$%" and following == "{":
                stack.append(["e", 0])
                yield char, chars[index][1], True
                yield following, chars[index + 1][1], True
                index += 2
                continue
            yield char, chars[index][1], False
            index += 1
            continue
        top = stack[-1]
        yield char, chars[index][1], True
        index += 1
        if top[0] == "s":
            if char == "\\" and index < length:
                yield chars[index][0], chars[index][1], True
                index += 1
            elif char == '"':
                stack.pop()
            elif char in "$%" and following == "{":
                yield following, chars[index][1], True
                index += 1
                stack.append(["e", 0])
            continue
        if char == '"':
            stack.append(["s", 0])
        elif char == "{":
            top[1] = int(top[1]) + 1
        elif char == "}":
            if top[1] == 0:
                stack.pop()
            else:
                top[1] = int(top[1]) - 1


_PLAIN = lazy_compile(r"[^\x00-\x1f\x7f\"\\\ud800-\udfff]*")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    escaped = _ESCAPES.get(char)
    if escaped is not None:
        return escaped
    if char < " " or char == "\x7f" or "\ud800" <= char <= "\udfff":
        return f"\\u{ord(char):04x}"
    return char


def _quoted_literal(text: str) -> str:
    """`text` as an HCL quoted string meaning exactly `text` (no template)."""
    body = text if _PLAIN.fullmatch(text) else "".join(_escaped(char) for char in text)
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'


# -- the parsed file, located in the JSON ------------------------------------------------


class JsonSyntaxFile(HclFile):
    """The HCL text a `.tf.json` file stands for, parsed; locations are in the JSON."""

    __slots__ = ("_json_lines", "_origin", "invalid", "suppressions")

    def __init__(
        self,
        path: str,
        json_text: str,
        hcl_text: str,
        origin: array[int],
        invalid: Sequence[int] = (),
    ) -> None:
        super().__init__(path, hcl_text)
        self.suppressions: tuple[Suppression, ...] = ()
        """`trustlint:ignore` comments written as `"//"` properties."""
        self.invalid = tuple(invalid)
        """JSON offsets of the strings holding an expression that does not parse."""
        origin.append(origin[-1] + 1 if origin else 0)
        self._origin = origin
        starts = [0]
        index = json_text.find("\n")
        while index >= 0:
            starts.append(index + 1)
            index = json_text.find("\n", index + 1)
        self._json_lines = starts

    def _point(self, json_offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(self._json_lines, json_offset) - 1
        return row + 1, json_offset - self._json_lines[row] + 1

    def _start(self, byte: int) -> tuple[int, int]:
        return self._point(self._origin[min(byte, len(self._origin) - 1)])

    def _end(self, start_byte: int, end_byte: int) -> tuple[int, int]:
        if end_byte <= start_byte:
            return self._start(start_byte)
        return self._point(self._origin[min(end_byte - 1, len(self._origin) - 1)] + 1)

    def position(self, offset: int) -> tuple[int, int]:
        return self._start(offset)

    def end_position(self, offset: int) -> tuple[int, int]:
        """(line, column) just past the byte before `offset`: where a span ending there ends."""
        return self._end(offset - 1, offset) if offset > 0 else self._start(0)

    def location(self, node: Node) -> Location:
        line, column = self._start(node.start_byte)
        end_line, end_column = self._end(node.start_byte, node.end_byte)
        if (end_line, end_column) < (line, column):
            end_line, end_column = line, column + 1
        return Location(self.path, line, column, end_line, end_column)

    def span(self, first: Node, last: Node) -> Location:
        line, column = self._start(first.start_byte)
        end_line, end_column = self._end(first.start_byte, last.end_byte)
        if (end_line, end_column) < (line, column):
            end_line, end_column = line, column + 1
        return Location(self.path, line, column, end_line, end_column)

    def point_location(self, byte: int) -> Location:
        line, column = self._start(byte)
        return Location(self.path, line, column, line, column + 1)


def parse_json_syntax(text: str, path: str, max_depth: int) -> JsonSyntaxFile:
    """The `.tf.json` text as HCL; `JsonSyntaxError` if it is not JSON."""
    root = _read_json(text, max_depth)
    writer = _Writer(text, check=False)
    writer.document(root)
    file = JsonSyntaxFile(path, text, writer.text(), writer.origin)
    if file.root.has_error:
        writer = _Writer(text, check=True)
        writer.document(root)
        file = JsonSyntaxFile(path, text, writer.text(), writer.origin, writer.invalid)
    file.suppressions = _suppressions(path, text, writer.comments)
    return file


def _suppressions(path: str, text: str, comments: Sequence[_JString]) -> tuple[Suppression, ...]:
    """`"//": "trustlint:ignore TL002 reason"` in a block body: the JSON syntax's
    comment, read as the `#` comment it stands for, where its string is."""
    found: list[Suppression] = []
    for comment in comments:
        if "trustlint:ignore" not in comment.value or "\n" in comment.value:
            continue
        for suppression in comment_suppressions("# " + comment.value, path):
            where = json_error_location(path, text, comment.start)
            end = json_error_location(path, text, comment.end)
            location = Location(path, where.line, where.column, end.line, end.column)
            found.append(replace(suppression, location=location))
    return tuple(found)


def json_error_location(path: str, text: str, offset: int) -> Location:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(path, line, column, line, column + 1)


def read_json_syntax(
    text: str, path: str, max_depth: int
) -> tuple[JsonSyntaxFile | None, tuple[str, Location] | None]:
    """The file and its first problem (a message and where), as `.tf` files are read."""
    try:
        file = parse_json_syntax(text, path, max_depth)
    except JsonSyntaxError as error:
        return None, (
            f"cannot parse {path} as JSON: {error.message}",
            json_error_location(path, text, error.offset),
        )
    if file.invalid:
        where = json_error_location(path, text, file.invalid[0])
        return file, (f"cannot parse {path}: this string holds an invalid expression", where)
    error_at = first_error(file)
    if error_at is not None:
        return file, (f"cannot parse {path}: the configuration is not valid", error_at)
    return file, None


def first_error(file: JsonSyntaxFile) -> Location | None:
    """Where the first syntax error of the generated text is, in the JSON (a string
    whose `${...}` is not a valid expression)."""
    stack = [file.root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return file.point_location(node.start_byte)
        if node.has_error:
            stack.extend(reversed(node.children))
    return None
