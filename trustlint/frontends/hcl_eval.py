"""HCL on tree-sitter: parsing with exact locations, and evaluating expressions.

The Terraform front-end's engine. A `.tf` file is parsed once by tree-sitter-hcl
(`HclFile`), its syntax errors are described the way a user wants to read them
(`syntax_problem`), and the expressions IAM policies are written with are
evaluated into the located tree (`Evaluator`): literals, templates and heredocs,
objects and tuples, conditionals (`tree.Alternatives` when undecided), `for`
expressions, splats, and the functions policies use. What a `Scope` cannot
resolve, what Terraform itself would reject, and every function not modelled
here becomes an `Unknown`; nothing is guessed.

Values the evaluator passes around are the located tree's (`str`, numbers,
`bool`, `None`, `LMap`, `LList`, `Unknown`, `Alternatives`) plus a few that keep
provenance for policies: `EncodedJson` (`jsonencode(x)`: the text of `x`, whose
tree keeps the HCL locations), `MappedStr` (heredoc or file text that knows where
each character came from) and `PartialText` (a heredoc with unresolved parts,
still readable as JSON with the unknown parts marked). `json_document` turns any
of them into the tree `policy_reader.read_policy` reads; `finalize` strips the
provenance from a tree.

tree-sitter columns are byte offsets; `Location` columns are characters, so
every location goes through `HclFile.column`.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser

from trustlint.frontends.yaml_loader import LoadError, load_json
from trustlint.model import Location, Unknown
from trustlint.tree import MAX_VARIANTS, NO_VALUE, Alternatives, Branch, LList, LMap

_LANGUAGE = Language(tree_sitter_hcl.language())

UNKNOWN_TEXT_LIMIT = 300
"""Source text kept in an `Unknown`, in characters."""

# ---------------------------------------------------------------------------
# Parsing and locations
# ---------------------------------------------------------------------------


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
        self.tree = Parser(_LANGUAGE).parse(self.source)
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


def parse_hcl(text: str, path: str, *, line_offset: int = 0) -> HclFile:
    return HclFile(path, text, line_offset=line_offset)


# ---------------------------------------------------------------------------
# Syntax errors and nesting depth
# ---------------------------------------------------------------------------

_CLOSERS = {"}": "{", "]": "[", ")": "("}
_BRACKET_BYTES = b"{}[]()"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKET_BYTES)
_NESTING_TYPES = frozenset(
    {
        "block",
        "object",
        "tuple",
        "function_call",
        "for_expr",
        "conditional",
        "binary_operation",
        "unary_operation",
        "template_interpolation",
        "template_directive",
        "new_index",
    }
)


def syntax_problem(file: HclFile, max_depth: int) -> tuple[str, Location] | None:
    """The first syntax error of the file, or nesting beyond `max_depth`, described."""
    root = file.root
    if root.has_error:
        return _describe_error(file, root)
    return _nesting_problem(file, max_depth)


def _first_error(root: Node) -> Node | None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node
        stack.extend(
            child
            for child in reversed(node.children)
            if child.has_error or child.is_missing or child.is_error
        )
    return None


def _leaves(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.child_count == 0:
            yield current
        else:
            stack.extend(reversed(current.children))


def _point_location(file: HclFile, row: int, byte_column: int) -> Location:
    column = file.column(row, byte_column)
    line = row + 1 + file.line_offset
    return Location(file.path, line, column, line, column + 1)


def _token_name(file: HclFile, node: Node) -> str:
    text = file.node_text(node)
    if not text:
        return "end of file"
    text = text.splitlines()[0] if text.strip() else text
    return f"'{text[:40]}'"


def _describe_error(file: HclFile, root: Node) -> tuple[str, Location]:
    node = _first_error(root)
    if node is None:  # pragma: no cover - has_error promises one
        return "syntax error", _point_location(file, 0, 0)
    if node.is_missing:
        return _describe_missing(file, root, node)
    # An ERROR node: the token that broke the structure is an unmatched closing
    # bracket inside it, or the end of the file when an opening one is never closed.
    opened: list[Node] = []
    for leaf in _leaves(node):
        kind = leaf.type
        if kind in ("{", "[", "(", "${", "%{"):
            opened.append(leaf)
        elif kind in ("}", "]", ")"):
            if opened and _CLOSERS.get(kind) == opened[-1].type[-1]:
                opened.pop()
            else:
                leaf_row, leaf_column = leaf.start_point
                return (
                    f"syntax error: unexpected '{kind}'",
                    _point_location(file, leaf_row, leaf_column),
                )
    if opened and _only_whitespace_after(file, node.end_byte):
        opener = opened[-1]
        where = file.location(opener)
        end_row, end_column = node.end_point
        return (
            f"unexpected end of file: '{opener.type}' opened at line {where.line}, "
            f"column {where.column} is never closed",
            _point_location(file, end_row, end_column),
        )
    first = next(_leaves(node), node)
    first_row, first_column = first.start_point
    return (
        f"syntax error: unexpected {_token_name(file, first)}",
        _point_location(file, first_row, first_column),
    )


def _describe_missing(file: HclFile, root: Node, node: Node) -> tuple[str, Location]:
    kind = node.type
    row, column = node.start_point
    where = _point_location(file, row, column)
    parent = node.parent
    siblings = parent.children if parent is not None else []
    if kind == "heredoc_identifier":
        opening = next((c for c in siblings if c.type == kind and not c.is_missing), None)
        if opening is None:
            return "unterminated heredoc", where
        return (
            f"unterminated heredoc: no closing {file.node_text(opening)} line",
            file.span(siblings[0], opening),
        )
    if kind == "quoted_template_end":
        message = "unterminated string: missing closing '\"'"
        return message, file.location(siblings[0]) if siblings else where
    if kind in _CLOSERS:
        # `]` of a tuple sits in its `tuple_end`: the opener is the container's first.
        container = parent
        if container is not None and container.type.endswith("_end") and container.parent:
            container = container.parent
        opener = next(
            (c for c in _leaves(container) if c.type == _CLOSERS[kind]) if container else iter(()),
            None,
        )
        if opener is None:
            return f"syntax error: missing '{kind}'", where
        opened = file.location(opener)
        return (
            f"syntax error: missing '{kind}' to close '{_CLOSERS[kind]}' opened at line "
            f"{opened.line}, column {opened.column}",
            where,
        )
    following = next(
        (
            leaf
            for leaf in _leaves(root)
            if leaf.start_byte >= node.end_byte
            and not leaf.is_missing
            and leaf.end_byte > leaf.start_byte
        ),
        None,
    )
    if following is None:
        return "unexpected end of file: an expression is incomplete", where
    return f"syntax error: unexpected {_token_name(file, following)}", where


def _only_whitespace_after(file: HclFile, offset: int) -> bool:
    return not file.source[offset:].strip()


def _nesting_problem(file: HclFile, max_depth: int) -> tuple[str, Location] | None:
    # Counting brackets is a cheap upper bound of the nesting; the tree is
    # walked only when the bound is over the limit.
    depth = deepest = 0
    for byte in file.source.translate(None, _NOT_BRACKETS):
        if byte in (0x7B, 0x5B, 0x28):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    if deepest <= max_depth:
        return None
    stack: list[tuple[Node, int]] = [(file.root, 0)]
    while stack:
        node, level = stack.pop()
        if node.type in _NESTING_TYPES or (node.type == "expression" and _parenthesized(node)):
            level += 1
            if level > max_depth:
                return f"nesting deeper than {max_depth} levels", file.location(node)
        stack.extend((child, level) for child in node.children if child.child_count)
    return None


def _parenthesized(node: Node) -> bool:
    first = node.child(0)
    return first is not None and first.type == "("


# ---------------------------------------------------------------------------
# Bodies: blocks and attributes
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
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


@dataclass(frozen=True, slots=True, eq=False)
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
            labels.append(_decode_escapes(_string_content(file, child)))
        elif kind == "identifier":
            labels.append(file.node_text(child))
        elif kind == "body":
            body = child
    return _block_from_body(
        file, body, node, type_node, block_type=file.node_text(type_node), labels=tuple(labels)
    )


def _string_content(file: HclFile, node: Node) -> str:
    children = node.children
    if len(children) < 2:
        return ""
    return file.slice_text(children[0].end_byte, children[-1].start_byte)


# ---------------------------------------------------------------------------
# Values with provenance
# ---------------------------------------------------------------------------


class EvalError(Exception):
    """An expression Terraform itself would reject (an index out of range, a
    missing attribute, a null in a template). `try` and `can` catch it;
    elsewhere the value becomes `Unknown` with this message as the reason."""


class _TooDeepError(Exception):
    pass


class _NotKnownError(Exception):
    """A function argument that should be a string is one whose text is not known."""


@dataclass(frozen=True, slots=True, eq=False)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class TemplateHole:
    """An unresolved part of a rendered template and the placeholder standing for it."""

    token: str
    value: Any
    """`Unknown`, or the tree of a `jsonencode` with unresolved parts."""
    source: str
    """The interpolation as written, `${var.x}`."""
    quoted: bool
    """Whether the placeholder stands inside a JSON string."""


@dataclass(frozen=True, slots=True)
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


# ---------------------------------------------------------------------------
# Scopes and evaluation
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One traversal step after a name: `.attr`, `[index]`, or a splat with its own steps."""

    kind: Literal["attr", "index", "splat"]
    key: Any = None
    sub: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class Site:
    """The expression being evaluated: its text and location, for `Unknown`s."""

    text: str
    location: Location

    def unknown(self, reason: str) -> Unknown:
        return Unknown(self.text, self.location, reason)


class EvalBudget:
    """Depth of the evaluation in progress, shared by every evaluator of one load."""

    __slots__ = ("depth", "limit")

    def __init__(self, limit: int) -> None:
        self.depth = 0
        self.limit = limit


class Scope:
    """What names mean where an expression is evaluated. This base resolves nothing."""

    def reference(self, name: str, steps: Sequence[Step], site: Site) -> tuple[Any, int]:
        """The value of `name` followed by some of `steps`, and how many steps it used."""
        return site.unknown(f"'{name}' is not known here"), len(steps)

    def read_file(self, path: str, site: Site) -> Any:
        """`file(path)`: a `MappedStr` of the file, or `Unknown`; `EvalError` if missing."""
        return site.unknown("files are not read here")

    def template_scope(self) -> Scope:
        """The scope of a `templatefile` template: only its variables and functions."""
        return _TemplateScope(self)


class _TemplateScope(Scope):
    def __init__(self, parent: Scope) -> None:
        self._parent = parent

    def read_file(self, path: str, site: Site) -> Any:
        return self._parent.read_file(path, site)


_BINARY_OPERATORS = frozenset(
    {"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||"}
)


class Evaluator:
    """Evaluates expressions of one file in one scope, with local bindings.

    `evaluate` never raises: what cannot be resolved is `Unknown`.
    """

    __slots__ = ("bindings", "budget", "file", "scope")

    def __init__(
        self,
        file: HclFile,
        scope: Scope,
        bindings: Mapping[str, Any] | None = None,
        budget: EvalBudget | None = None,
    ) -> None:
        self.file = file
        self.scope = scope
        self.bindings: Mapping[str, Any] = bindings or {}
        self.budget = budget or EvalBudget(256 + 64)

    def with_bindings(self, extra: Mapping[str, Any]) -> Evaluator:
        return Evaluator(self.file, self.scope, {**self.bindings, **extra}, self.budget)

    def for_file(self, file: HclFile) -> Evaluator:
        return Evaluator(file, self.scope, self.bindings, self.budget)

    def site(self, node: Node) -> Site:
        return Site(_clip(self.file.node_text(node)), self.file.location(node))

    def evaluate(self, node: Node) -> Any:
        try:
            return self.evaluate_or_raise(node)
        except EvalError as error:
            return self.site(node).unknown(str(error))

    def evaluate_or_raise(self, node: Node) -> Any:
        """Like `evaluate`, but an expression Terraform rejects raises `EvalError`."""
        try:
            return self._eval(node)
        except _TooDeepError:
            return self.site(node).unknown("expression nested too deeply to evaluate")
        except RecursionError:
            return self.site(node).unknown("expression nested too deeply to evaluate")

    # One method for every node type keeps the Python stack shallow: a level
    # of HCL nesting costs one or two frames.
    def _eval(self, node: Node) -> Any:
        budget = self.budget
        budget.depth += 1
        if budget.depth > budget.limit:
            budget.depth -= 1
            raise _TooDeepError
        try:
            while True:
                kind = node.type
                if kind in (
                    "expression",
                    "collection_value",
                    "literal_value",
                    "operation",
                    "template_expr",
                    "for_expr",
                ):
                    children = node.children
                    if len(children) == 1:
                        node = children[0]
                        continue
                    return self._term(children)
                if kind == "numeric_lit":
                    return _number(self.file.node_text(node))
                if kind == "bool_lit":
                    return self.file.node_text(node) == "true"
                if kind == "null_lit":
                    return None
                if kind == "string_lit":
                    return _decode_escapes(_string_content(self.file, node))
                if kind in ("quoted_template", "heredoc_template"):
                    return self._template(node)
                if kind == "tuple":
                    result = LList(self.file.location(node))
                    for child in node.children:
                        if child.type == "expression":
                            result.add(self._eval(child), self.file.location(child))
                    return result
                if kind == "object":
                    return self._object(node)
                if kind == "variable_expr":
                    return self._term([node])
                if kind == "function_call":
                    return self._call(node)
                if kind == "conditional":
                    return self._conditional(node)
                if kind == "binary_operation":
                    return self._binary(node)
                if kind == "unary_operation":
                    return self._unary(node)
                if kind == "for_tuple_expr":
                    return self._for(node, as_object=False)
                if kind == "for_object_expr":
                    return self._for(node, as_object=True)
                return self.site(node).unknown(f"unsupported expression ({kind})")
        finally:
            budget.depth -= 1

    # -- terms and traversals ------------------------------------------------

    def _term(self, nodes: Sequence[Node]) -> Any:
        first = nodes[0]
        if first.type == "(":
            postfix = nodes[3:]
            base = self._eval(nodes[1])
        else:
            postfix = nodes[1:]
            if first.type == "variable_expr":
                return self._reference(first, postfix, nodes)
            base = self._eval(first)
        if not postfix:
            return base
        site = Site(
            _clip(self.file.slice_text(nodes[0].start_byte, nodes[-1].end_byte)),
            self.file.span(nodes[0], nodes[-1]),
        )
        return apply_steps(base, self._steps(postfix), site)

    def _reference(self, variable: Node, postfix: Sequence[Node], nodes: Sequence[Node]) -> Any:
        name = self.file.node_text(variable)
        steps = self._steps(postfix)
        site = Site(
            _clip(self.file.slice_text(nodes[0].start_byte, nodes[-1].end_byte)),
            self.file.span(nodes[0], nodes[-1]),
        )
        if name in self.bindings:
            return apply_steps(self.bindings[name], steps, site)
        value, used = self.scope.reference(name, steps, site)
        return apply_steps(value, steps[used:], site)

    def _steps(self, postfix: Sequence[Node]) -> list[Step]:
        steps: list[Step] = []
        for node in postfix:
            kind = node.type
            if kind == "get_attr":
                steps.append(Step("attr", self.file.node_text(node.children[-1])))
            elif kind == "index":
                inner = node.children[0]
                if inner.type == "legacy_index":
                    steps.append(Step("index", _number(self.file.node_text(inner)[1:])))
                else:
                    key_node = next(c for c in inner.children if c.type == "expression")
                    steps.append(Step("index", self._eval(key_node)))
            elif kind == "splat":
                inner = node.children[0]
                steps.append(Step("splat", sub=tuple(self._steps(inner.children[1:]))))
        return steps

    # -- constructors ----------------------------------------------------------

    def _object(self, node: Node) -> Any:
        location = self.file.location(node)
        result = LMap(location)
        for element in node.children:
            if element.type != "object_elem":
                continue
            expressions = [c for c in element.children if c.type == "expression"]
            if len(expressions) != 2:
                continue
            key_node, value_node = expressions
            key = self._object_key(key_node)
            if isinstance(key, Unknown):
                return Unknown(
                    _clip(self.file.node_text(node)),
                    location,
                    f"an object key is not known: {key.text}",
                )
            value = without_nulls(self._eval(value_node))
            if value is None:
                continue
            result.put(key, value, self.file.location(key_node), self.file.location(value_node))
        return result

    def _object_key(self, node: Node) -> str | Unknown:
        children = node.children
        if len(children) == 1 and children[0].type == "variable_expr":
            return self.file.node_text(children[0])
        key = self._eval(node)
        if isinstance(key, str):
            return str(key)
        if isinstance(key, bool):
            return "true" if key else "false"
        if isinstance(key, int | float):
            return _number_text(key)
        if isinstance(key, Unknown):
            return key
        return self.site(node).unknown("an object key must be a string")

    def _conditional(self, node: Node) -> Any:
        choices, otherwise = _conditional_chain(node)
        undecided: list[tuple[str, Node, Node]] = []
        chosen = otherwise
        for position, (condition_node, result_node) in enumerate(choices):
            decided = _truth(self._eval(condition_node))
            if decided is None:
                raise EvalError("a condition must be true or false")
            if decided is True:
                chosen = result_node
                break
            if decided == "unknown":
                rest = choices[position + 1][0] if position + 1 < len(choices) else otherwise
                label = _clip(self.file.node_text(condition_node), 80)
                undecided.append((label, result_node, rest))
        result = self._eval(chosen)
        for label, result_node, rest in reversed(undecided):
            result = self._either(label, result_node, result, self.file.span(rest, chosen), node)
        return result

    def _either(
        self, label: str, true_node: Node, when_false: Any, false_location: Location, whole: Node
    ) -> Any:
        """`c ? a : b` when `c` is not known: both, unless one is impossible."""
        try:
            when_true = self._eval(true_node)
        except EvalError:
            # Terraform would reject the plan were the condition true.
            return when_false
        if isinstance(when_true, Unknown) and isinstance(when_false, Unknown):
            return Unknown(
                _clip(self.file.node_text(whole)), self.file.location(whole), f"depends on {label}"
            )
        if _same(when_true, when_false):
            return when_true
        return Alternatives(
            (
                Branch(f"{label}=true", when_true, self.file.location(true_node)),
                Branch(f"{label}=false", when_false, false_location),
            ),
            self.file.location(whole),
        )

    def _for(self, node: Node, *, as_object: bool) -> Any:
        site = self.site(node)
        intro = next(c for c in node.children if c.type == "for_intro")
        names = [self.file.node_text(c) for c in intro.children if c.type == "identifier"]
        collection_node = next(c for c in intro.children if c.type == "expression")
        bodies = [c for c in node.children if c.type == "expression"]
        condition = next((c for c in node.children if c.type == "for_cond"), None)
        condition_node = (
            next(c for c in condition.children if c.type == "expression") if condition else None
        )
        grouping = any(c.type == "ellipsis" for c in node.children)
        collection = self._eval(collection_node)
        if isinstance(collection, Unknown | Alternatives):
            return site.unknown("iterates over a value that is not known")
        items = iteration(collection)
        if items is None:
            raise EvalError("a for expression needs a list, set or map")
        location = site.location
        result: Any = LMap(location) if as_object else LList(location)
        for key, value, item_location in items:
            bound = {names[0]: key, names[1]: value} if len(names) == 2 else {names[0]: value}
            inner = self.with_bindings(bound)
            if condition_node is not None:
                keep = _truth(inner._eval(condition_node))
                if keep is None:
                    raise EvalError("a for condition must be true or false")
                if keep == "unknown":
                    return site.unknown("a for condition is not known")
                if not keep:
                    continue
            if as_object:
                key_value = inner._eval(bodies[0])
                element = inner._eval(bodies[1])
                if isinstance(key_value, Unknown | Alternatives):
                    return site.unknown("a key of the for expression is not known")
                text_key = _template_text(key_value)
                if isinstance(text_key, Unknown):
                    return site.unknown("a key of the for expression is not known")
                if grouping:
                    group = result.get(text_key)
                    if group is None:
                        group = LList(location)
                        result.put(text_key, group, location, location)
                    group.add(element, self.file.location(bodies[1]))
                elif text_key in result:
                    raise EvalError(f"duplicate key '{text_key}' in a for expression")
                else:
                    result.put(text_key, element, location, self.file.location(bodies[1]))
            else:
                result.add(inner._eval(bodies[0]), item_location)
        return result

    # -- operators --------------------------------------------------------------

    def _binary(self, node: Node) -> Any:
        # `a + b + c` nests on the left: collect the chain, then fold it.
        chain: list[tuple[str, Sequence[Node], Node]] = []
        current = node
        while True:
            children = current.children
            index = next(
                i
                for i, child in enumerate(children)
                if i > 0 and not child.is_named and child.type in _BINARY_OPERATORS
            )
            chain.append((children[index].type, children[index + 1 :], current))
            left_nodes = children[:index]
            inner = _unwrap_single(left_nodes[0]) if len(left_nodes) == 1 else None
            if inner is None or inner.type != "binary_operation":
                break
            current = inner
        value = self._term(left_nodes)
        for operator, right_nodes, operation in reversed(chain):
            truth = _truth(value)
            if operator in ("&&", "||") and truth is None:
                raise EvalError(f"'{operator}' needs true or false")
            if (operator, truth) in (("&&", False), ("||", True)):
                continue
            right = self._term(right_nodes)
            value = _lift(
                (value, right),
                lambda a, b, operator=operator: _binary_value(operator, a, b),
                self.site(operation),
            )
        return value

    def _unary(self, node: Node) -> Any:
        operators: list[str] = []
        current = node
        while True:
            children = current.children
            operators.append(children[0].type)
            inner = _unwrap_single(children[1]) if len(children) == 2 else None
            if inner is None or inner.type != "unary_operation":
                break
            current = inner
        value = self._term(children[1:])
        site = self.site(node)
        for operator in reversed(operators):
            value = _lift((value,), lambda v, operator=operator: _unary_value(operator, v), site)
        return value

    # -- function calls ----------------------------------------------------------

    def _call(self, node: Node) -> Any:
        name = self.file.node_text(node.children[0])
        site = self.site(node)
        arguments = next((c for c in node.children if c.type == "function_arguments"), None)
        argument_nodes = (
            [c for c in arguments.children if c.type == "expression"] if arguments else []
        )
        expand_last = arguments is not None and any(
            c.type == "ellipsis" for c in arguments.children
        )
        if name in ("try", "can") and not expand_last:
            return self._try(name, argument_nodes, site)
        function = _FUNCTIONS.get(name)
        if function is None:
            return site.unknown(f"function {name}() is not evaluated")
        args = [self._eval(argument) for argument in argument_nodes]
        if expand_last and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return site.unknown("expands a list that is not known")
            if not isinstance(last, list):
                raise EvalError("'...' needs a list")
            args.extend(last)
        call = Call(self, site, name)
        if name in _UNKNOWN_AWARE:
            return _call_function(function, call, args)
        return _lift(args, lambda *values: _call_known(function, call, list(values)), site)

    def _try(self, name: str, argument_nodes: Sequence[Node], site: Site) -> Any:
        if name == "can":
            if len(argument_nodes) != 1:
                raise EvalError("can() takes one argument")
            try:
                value = self._eval(argument_nodes[0])
            except EvalError:
                return False
            if isinstance(value, Unknown | Alternatives):
                return site.unknown("its argument is not known")
            return True
        for argument in argument_nodes:
            try:
                return self._eval(argument)
            except EvalError:
                continue
        raise EvalError("no argument of try() could be evaluated")

    # -- templates -------------------------------------------------------------------

    def _template(self, node: Node) -> Any:
        renderer = _TemplateRenderer(self, node)
        return renderer.render()

    def render_template_file(self, file: HclFile, trailing_newline: bool) -> Any:
        """The value of a template file wrapped as the heredoc `t` by `templatefile`."""
        body = read_body(file)
        attribute = body.attributes.get("t")
        if attribute is None or file.root.has_error:
            raise EvalError("the template has a syntax error")
        node = attribute.expression
        while node.type in ("expression", "template_expr") and node.child_count == 1:
            node = node.children[0]
        renderer = _TemplateRenderer(self.for_file(file), node)
        renderer.drop_final_newline = not trailing_newline
        return renderer.render()


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Literal:
    text: str
    line: int
    column: int
    exact: bool


@dataclass(slots=True)
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
_TOKEN_START = "\ue000"
_TOKEN_END = "\ue001"


class _TemplateRenderer:
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
        return Unknown(_clip(self._source_text()), self.location, reason)

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
                evaluator._eval(expression),
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
            decided = _truth(evaluator._eval(condition_node))
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
            collection = evaluator._eval(collection_node)
            items = (
                None if isinstance(collection, Unknown | Alternatives) else iteration(collection)
            )
            if items is None:
                raise _UnknownDirectiveError
            self._tag_strip(parts, start_tag, before=True)
            for key, value, _location in items:
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
                _Literal(
                    _decode_escapes(raw), self.location.line, self.location.column, exact=False
                )
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

        return _lift(values, assemble, Site(_clip(self._source_text()), self.location))

    def _assemble(self, parts: Sequence[_Part]) -> Any:
        builder = _TextBuilder(self.file.path)
        reasons: list[str] = []
        for part in parts:
            if isinstance(part, _Literal):
                builder.literal(part.text, part.line, part.column, part.exact, self.location)
                continue
            if not isinstance(part, _Interpolated):
                continue
            text = _template_text(part.value)
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
            _clip(self._source_text()),
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
        start = self.length
        self._append(
            text,
            TextPiece(
                start,
                start + len(text),
                location.path,
                location.line,
                location.column,
                False,
                location,
            ),
        )

    def hole(self, value: Any, location: Location, source: str) -> None:
        token = f"{_TOKEN_START}{len(self.holes)}{_TOKEN_END}"
        text = token if self.in_string else f'"{token}"'
        self.holes.append(TemplateHole(token, value, source, self.in_string))
        start = self.length
        self.chunks.append(text)
        self.pieces.append(
            TextPiece(
                start,
                start + len(text),
                location.path,
                location.line,
                location.column,
                False,
                location,
            )
        )
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.chunks)


def _decode_escapes(raw: str) -> str:
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


# ---------------------------------------------------------------------------
# Value helpers
# ---------------------------------------------------------------------------


def _clip(text: str, limit: int = UNKNOWN_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _number(text: str) -> int | float:
    if text.isdigit():
        return int(text)
    try:
        value = float(text)
    except ValueError:
        raise EvalError(f"'{text}' is not a number") from None
    return value


def _number_text(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value.is_integer():
        return str(int(value))
    try:
        return format(Decimal(repr(value)), "f")
    except InvalidOperation:  # pragma: no cover - inf and nan are not HCL numbers
        return repr(value)


def _to_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise EvalError("a number is required")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return _number(value.strip())
        except EvalError:
            raise EvalError(f"'{value}' is not a number") from None
    raise EvalError("a number is required")


def _truth(value: Any) -> bool | Literal["unknown"] | None:
    """True/False; "unknown" when unresolved; None when not a boolean at all."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Unknown | Alternatives):
        return "unknown"
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return None


def _template_text(value: Any) -> str | Unknown:
    """A value as an interpolation writes it."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
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


def _equal(left: Any, right: Any) -> bool | Unknown:
    if isinstance(left, Unknown):
        return left
    if isinstance(right, Unknown):
        return right
    if isinstance(left, EncodedJson) or isinstance(right, EncodedJson):
        left_text, right_text = _template_text(left), _template_text(right)
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
        return _all_equal(_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        if len(left) != len(right):
            return False
        return _all_equal(_equal(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _all_equal(results: Iterator[bool | Unknown]) -> bool | Unknown:
    unknown: Unknown | None = None
    for result in results:
        if result is False:
            return False
        if isinstance(result, Unknown):
            unknown = result
    return unknown if unknown is not None else True


def _same(left: Any, right: Any) -> bool:
    return _equal(left, right) is True and not (
        isinstance(left, dict | list) or isinstance(right, dict | list)
    )


def _conditional_chain(node: Node) -> tuple[list[tuple[Node, Node]], Node]:
    """The (condition, result) pairs and final result of `c1 ? r1 : c2 ? r2 : e`.

    HCL reads a chain from the right, `c1 ? r1 : (c2 ? r2 : e)`; tree-sitter-hcl
    nests it on the left, `(c1 ? r1 : c2) ? r2 : e`. The chain is rebuilt from
    the innermost condition, without recursion however long it is.
    """
    spine: list[tuple[Node, Node, Node]] = []
    current = node
    while True:
        condition, result, otherwise = (c for c in current.children if c.type == "expression")
        spine.append((condition, result, otherwise))
        inner = _unwrap_single(condition)
        if inner.type != "conditional":
            break
        current = inner
    spine.reverse()
    conditions = [spine[0][0]] + [otherwise for _, _, otherwise in spine[:-1]]
    results = [result for _, result, _ in spine]
    return list(zip(conditions, results, strict=True)), spine[-1][2]


def _unwrap_single(node: Node) -> Node:
    """The node an `expression` or `operation` wrapper with one child stands for."""
    while node.type in ("expression", "operation") and node.child_count == 1:
        node = node.children[0]
    return node


def _unary_value(operator: str, value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if operator == "!":
        truth = _truth(value)
        if not isinstance(truth, bool):
            raise EvalError("'!' needs true or false")
        return not truth
    return -_to_number(value)


def _binary_value(operator: str, left: Any, right: Any) -> Any:
    if operator in ("==", "!="):
        equal = _equal(left, right)
        if isinstance(equal, Unknown):
            return equal
        return equal if operator == "==" else not equal
    if operator in ("&&", "||"):
        # One known side can decide: `unknown && false` is false.
        decisive = operator == "||"
        if decisive in (_truth(left), _truth(right)):
            return decisive
    if isinstance(left, Unknown):
        return left
    if isinstance(right, Unknown):
        return right
    if operator in ("&&", "||"):
        left_truth, right_truth = _truth(left), _truth(right)
        if not isinstance(left_truth, bool) or not isinstance(right_truth, bool):
            raise EvalError(f"'{operator}' needs true or false")
        return left_truth and right_truth if operator == "&&" else left_truth or right_truth
    a, b = _to_number(left), _to_number(right)
    if operator == "<":
        return a < b
    if operator == ">":
        return a > b
    if operator == "<=":
        return a <= b
    if operator == ">=":
        return a >= b
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if b == 0:
        raise EvalError("division by zero")
    if operator == "/":
        quotient = a / b
        return int(quotient) if quotient.is_integer() else quotient
    return a % b


def _lift(values: Sequence[Any], function: Callable[..., Any], site: Site) -> Any:
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
    """(key, value, location) of each element of a list, set or map; None for others."""
    if isinstance(collection, LSet):
        return [(v, v, collection.item_location(i)) for i, v in enumerate(collection)]
    if isinstance(collection, LList):
        return [(i, v, collection.item_location(i)) for i, v in enumerate(collection)]
    if isinstance(collection, LMap):
        return [(k, v, collection.value_location(k)) for k, v in collection.items()]
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
            return _lift((value,), lambda v, rest=rest: apply_steps(v, rest, site), site)
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
        text = key if isinstance(key, str) else _template_text(key)
        if isinstance(text, str) and text in value:
            return value[text]
        raise EvalError(f"no attribute or key '{text}'")
    if isinstance(value, list):
        if step.kind == "attr":
            raise EvalError(f"a list has no attribute '{key}'")
        index = _to_number(key)
        if not isinstance(index, int) and not float(index).is_integer():
            raise EvalError("a list index must be a whole number")
        index = int(index)
        if 0 <= index < len(value):
            return value[index]
        raise EvalError(f"index {index} is out of range for a list of {len(value)}")
    raise EvalError(f"cannot read '{key}' of a {_category(value)}")


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    """A function call in progress: its evaluator, site and name."""

    evaluator: Evaluator
    site: Site
    name: str


_Function = Callable[[Call, list[Any]], Any]
_FUNCTIONS: dict[str, _Function] = {}
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


def _call_known(function: _Function, call: Call, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return call.site.unknown(f"{call.name}() of a value that is not known")
    return _call_function(function, call, args)


def _call_function(function: _Function, call: Call, args: list[Any]) -> Any:
    try:
        return function(call, args)
    except _NotKnownError:
        return call.site.unknown(f"{call.name}() of a value that is not known")


def _function(*names: str) -> Callable[[_Function], _Function]:
    def register(function: _Function) -> _Function:
        for name in names:
            _FUNCTIONS[name] = function
        return function

    return register


def _arity(call: Call, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise EvalError(f"{call.name}() takes {expected} arguments, not {len(args)}")


def _string(call: Call, value: Any) -> str:
    text = _template_text(value)
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
        return _lift(args, lambda v: EncodedJson(v, call.site.location), call.site)
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
    evaluator = Evaluator(
        template, call.evaluator.scope.template_scope(), dict(variables), call.evaluator.budget
    )
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
        if explicit:
            position = int(explicit) - 1
        if position >= len(values):
            raise EvalError("format() has too few arguments")
        value = values[position]
        position += 1
        if verb in ("s", "v"):
            text = _string(call, value)
        elif verb == "d":
            text = str(int(_to_number(value)))
        elif verb == "f":
            text = f"{float(_to_number(value)):.{int(precision or 6)}f}"
        elif verb == "q":
            text = json.dumps(_string(call, value), ensure_ascii=False)
        elif verb == "t":
            truth = _truth(value)
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
    return "".join(out)


@_function("join")
def _join(call: Call, args: list[Any]) -> Any:
    if len(args) < 2:
        raise EvalError("join() needs a separator and a list")
    separator = _string(call, args[0])
    texts: list[str] = []
    for value in args[1:]:
        for item in _a_list(call, value):
            text = _template_text(item)
            if isinstance(text, Unknown):
                return call.site.unknown("join() of a list with items that are not known")
            texts.append(text)
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
    index = int(_to_number(args[1]))
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
        return _lift(args, lambda v: _length(call, [v]), call.site)
    if isinstance(value, list | dict):
        return len(value)
    return len(_string(call, value))


def _string_function(transform: Callable[[str], str]) -> _Function:
    def apply(call: Call, args: list[Any]) -> Any:
        _arity(call, args, 1)
        return transform(_string(call, args[0]))

    return apply


_FUNCTIONS["lower"] = _string_function(str.lower)
_FUNCTIONS["upper"] = _string_function(str.upper)
_FUNCTIONS["trimspace"] = _string_function(str.strip)
_FUNCTIONS["chomp"] = _string_function(lambda text: re.sub(r"(?:\r\n|\n|\r)+\Z", "", text))


@_function("trimprefix")
def _trimprefix(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    return _string(call, args[0]).removeprefix(_string(call, args[1]))


@_function("trimsuffix")
def _trimsuffix(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    return _string(call, args[0]).removesuffix(_string(call, args[1]))


@_function("trim")
def _trim(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    return _string(call, args[0]).strip(_string(call, args[1]))


@_function("startswith")
def _startswith(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    return _string(call, args[0]).startswith(_string(call, args[1]))


@_function("endswith")
def _endswith(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 2)
    return _string(call, args[0]).endswith(_string(call, args[1]))


@_function("replace")
def _replace(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 3)
    text, search, replacement = (_string(call, a) for a in args)
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
    return None if args[0] is None else _to_number(args[0])


@_function("tobool")
def _tobool(call: Call, args: list[Any]) -> Any:
    _arity(call, args, 1)
    if args[0] is None:
        return None
    truth = _truth(args[0])
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
        if not any(_equal(item, seen) is True for seen, _ in unique):
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
    results = [_equal(item, args[1]) for item in _a_list(call, args[0])]
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
    start, end = int(_to_number(args[1])), int(_to_number(args[2]))
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
        text = _template_text(key)
        if isinstance(text, Unknown):
            return call.site.unknown("zipmap() with keys that are not known")
        result.put(text, values[index], keys.item_location(index), values.item_location(index))
    return result


# ---------------------------------------------------------------------------
# From values to the policy tree
# ---------------------------------------------------------------------------

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


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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


_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


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
        self.line_starts = [0] + [m.end() for m in _YAML_LINE_BREAK.finditer(text)]
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
                if _TOKEN_START in key:
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
        if isinstance(value, str) and _TOKEN_START in value:
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

        return re.sub(f"{_TOKEN_START}\\d+{_TOKEN_END}", source, text)
