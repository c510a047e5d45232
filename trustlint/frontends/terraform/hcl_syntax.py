"""HCL syntax on tree-sitter: a parsed file, its blocks and attributes, and locations.

A `.tf` file is parsed once by tree-sitter-hcl (`HclFile`) and read as nested
`Block`s of `Attribute`s (`read_body`), whose expressions stay tree-sitter nodes
for the evaluator (`hcl_eval`). tree-sitter columns are byte offsets;
`Location` columns are characters, so every location goes through
`HclFile.column`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser

from trustlint.model import Location
from trustlint.patterns import lazy_compile
from trustlint.records import record

_LANGUAGE = Language(tree_sitter_hcl.language())


class HclFile:
    """One parsed HCL text, and the means to locate its nodes in characters.

    `line_offset` shifts every reported line: a template file is parsed wrapped
    in a heredoc one line below its own first line.
    """

    __slots__ = ("_line_starts", "ascii", "body", "line_offset", "path", "source", "text", "tree")

    def __init__(self, path: str, text: str, *, line_offset: int = 0) -> None:
        self.path = path
        self.text = text
        self.source = text.encode("utf-8", errors="surrogatepass")
        self.tree = Parser(_LANGUAGE).parse(_exponents_as_digits(self.source))
        self.line_offset = line_offset
        self.ascii = text.isascii()
        self._line_starts: list[int] | None = None
        self.body: Block | None = None
        """The top level, once `read_body` has read it."""

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.source.find
            index = find(b"\n")
            while index >= 0:
                starts.append(index + 1)
                index = find(b"\n", index + 1)
            self._line_starts = starts
        return self._line_starts

    def column(self, row: int, byte_column: int) -> int:
        """The 1-based character column of a tree-sitter (row, byte column) point."""
        if self.ascii:
            return byte_column + 1
        starts = self.line_starts()
        start = starts[row] if row < len(starts) else len(self.source)
        prefix = self.source[start : start + byte_column]
        return len(prefix.decode("utf-8", errors="replace")) + 1

    def position(self, offset: int) -> tuple[int, int]:
        """(line, character column), 1-based, of a byte offset."""
        starts = self.line_starts()
        row = bisect.bisect_right(starts, offset) - 1
        return row + 1 + self.line_offset, self.column(row, offset - starts[row])

    def location(self, node: Node) -> Location:
        start_row, start_column = node.start_point
        end_row, end_column = node.end_point
        return Location(
            self.path,
            start_row + 1 + self.line_offset,
            self.column(start_row, start_column),
            end_row + 1 + self.line_offset,
            self.column(end_row, end_column),
        )

    def span(self, first: Node, last: Node) -> Location:
        start, end = self.location(first), self.location(last)
        return Location(self.path, start.line, start.column, end.end_line, end.end_column)

    def node_text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def slice_text(self, start: int, end: int) -> str:
        return self.source[start:end].decode("utf-8", errors="replace")


_EXPONENT_WITHOUT_POINT = lazy_compile(rb"(?<![\w.])\d+[eE][+-]?\d+(?![\w.])")


def _exponents_as_digits(source: bytes) -> bytes:
    """`source` with each number like `1e3` or `1E-3` written as digits of the same length.

    HCL allows an exponent without a decimal point; the tree-sitter grammar
    only after one (`1.5e3`), and reads `1e3` as a syntax error. The tree is
    parsed from this copy, whose offsets are those of `source`: a node's
    text is read from `source`, so the number keeps its own text (and value).
    Inside strings and comments the change is no change of structure.
    """
    if b"e" not in source and b"E" not in source:
        return source
    return _EXPONENT_WITHOUT_POINT.sub(
        lambda match: re.sub(rb"[eE+-]", b"0", match.group()), source
    )


def parse_hcl(text: str, path: str, *, line_offset: int = 0) -> HclFile:
    return HclFile(path, text, line_offset=line_offset)


# -- bodies: blocks and attributes --------------------------------------------


@record(eq=False)
class Attribute:
    """`name = expression` in a body. Locations are computed when asked for."""

    name: str
    expression: Node
    node: Node
    file: HclFile

    @property
    def has_error(self) -> bool:
        return bool(self.node.has_error)

    @property
    def location(self) -> Location:
        """The whole attribute."""
        return self.file.location(self.node)

    @property
    def name_location(self) -> Location:
        return self.file.location(self.node.children[0])

    @property
    def value_location(self) -> Location:
        return self.file.location(self.expression)


@record(eq=False)
class Block:
    """`type "label" ... { body }`. Locations are computed when asked for."""

    type: str
    labels: tuple[str, ...]
    attributes: Mapping[str, Attribute]
    blocks: tuple[Block, ...]
    node: Node
    type_node: Node
    file: HclFile

    @property
    def has_error(self) -> bool:
        return bool(self.node.has_error)

    @property
    def location(self) -> Location:
        """The whole block, from its type to its closing brace."""
        return self.file.location(self.node)

    @property
    def type_location(self) -> Location:
        return self.file.location(self.type_node)

    def blocks_of(self, block_type: str) -> list[Block]:
        return [block for block in self.blocks if block.type == block_type]


def read_body(file: HclFile, node: Node | None = None) -> Block:
    """The top level of `file` (or the body `node`) as a nameless block.

    Where a syntax error made tree-sitter wrap part of the file in an ERROR
    node, the complete, error-free blocks directly inside it are kept: the
    blocks around a broken one still count. The top level is read once per file.
    """
    if node is not None:
        return _block_from_body(file, node, node, node)
    if file.body is None:
        file.body = _top_level(file)
    return file.body


def _top_level(file: HclFile) -> Block:
    root = file.root
    body = next((child for child in root.children if child.type == "body"), None)
    top = _block_from_body(file, body, root, root)
    if not root.has_error:
        return top
    recovered: list[Block] = []
    errors = [root] if root.is_error else [child for child in root.children if child.is_error]
    for error in errors:
        for child in error.children:
            if child.type == "block" and not child.has_error:
                block = _block(file, child)
                if block is not None:
                    recovered.append(block)
    if not recovered:
        return top
    blocks = sorted([*top.blocks, *recovered], key=lambda b: b.node.start_byte)
    return Block(top.type, top.labels, top.attributes, tuple(blocks), top.node, top.type_node, file)


def _block_from_body(
    file: HclFile,
    body: Node | None,
    whole: Node,
    type_node: Node,
    *,
    block_type: str = "",
    labels: tuple[str, ...] = (),
) -> Block:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    if body is not None:
        for child in body.children:
            kind = child.type
            if kind == "attribute":
                attribute = _attribute(file, child)
                if attribute is not None and attribute.name not in attributes:
                    attributes[attribute.name] = attribute
            elif kind == "block":
                block = _block(file, child)
                if block is not None:
                    blocks.append(block)
    return Block(block_type, labels, attributes, tuple(blocks), whole, type_node, file)


def _attribute(file: HclFile, node: Node) -> Attribute | None:
    children = node.children
    expression = next((c for c in children if c.type == "expression"), None)
    if not children or expression is None:
        return None
    return Attribute(file.node_text(children[0]), expression, node, file)


def _block(file: HclFile, node: Node) -> Block | None:
    children = node.children
    if not children:
        return None
    type_node = children[0]
    labels: list[str] = []
    body: Node | None = None
    for child in children[1:]:
        kind = child.type
        if kind == "string_lit":
            labels.append(decode_escapes(string_content(file, child)))
        elif kind == "identifier":
            labels.append(file.node_text(child))
        elif kind == "body":
            body = child
    return _block_from_body(
        file, body, node, type_node, block_type=file.node_text(type_node), labels=tuple(labels)
    )


def string_content(file: HclFile, node: Node) -> str:
    children = node.children
    if len(children) < 2:
        return ""
    return file.slice_text(children[0].end_byte, children[-1].start_byte)


def decode_escapes(raw: str) -> str:
    """The value of a quoted string's literal text: backslash escapes, `$${`, `%%{`."""
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw
    out: list[str] = []
    index, length = 0, len(raw)
    while index < length:
        char = raw[index]
        if char == "\\" and index + 1 < length:
            marker = raw[index + 1]
            simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}.get(marker)
            if simple is not None:
                out.append(simple)
                index += 2
                continue
            width = {"u": 4, "U": 8}.get(marker)
            if width is not None:
                digits = raw[index + 2 : index + 2 + width]
                if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                    code = int(digits, 16)
                    if code <= 0x10FFFF and not 0xD800 <= code < 0xE000:
                        out.append(chr(code))
                        index += 2 + width
                        continue
            out.append(char)
            index += 1
            continue
        if char in "$%" and raw.startswith(char * 2 + "{", index):
            out.append(char + "{")
            index += 3
            continue
        out.append(char)
        index += 1
    return "".join(out)
