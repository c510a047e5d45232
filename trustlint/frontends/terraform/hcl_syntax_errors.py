"""HCL syntax errors and excessive nesting, described the way a user wants to read them."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from trustlint.frontends.terraform.hcl_syntax import HclFile
from trustlint.model import Location

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
