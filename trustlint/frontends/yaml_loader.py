"""YAML and JSON into the located tree, on libyaml (`yaml.CSafeLoader`).

libyaml composes the node graph with marks; we build `LMap`/`LList` from it so
every key and value keeps its line and column. Safe by construction: no
Python tags are ever constructed; CloudFormation short forms (`!Ref`,
`!GetAtt`, `!Sub`, ...) become their long form (`{"Ref": ...}`,
`{"Fn::GetAtt": [...]}`) and any other `!Tag` becomes `{"Fn::Tag": ...}`,
as cfn-lint reads them. Alias expansion beyond a budget and nesting beyond a
depth limit are load errors, not crashes. A duplicate key is a load error
too, unless the caller collects duplicates: then the last one wins, as
CloudFormation reads a template, and each override is recorded.

JSON goes through the same path: JSON is YAML but for tab indentation, and a
tab can only occur outside strings in valid JSON, so replacing it by a space
keeps every column. A UTF-16 surrogate pair escape (`\\ud83d\\ude00`, which
YAML does not accept) is rewritten to the equivalent 8-digit escape, a raw
DEL, C1 control, U+2028 or U+2029 (refused or line breaks in YAML 1.1, mere
characters in JSON) to its `\\u` escape, and the columns after them on their
line are shifted back; a colon on a later line than its key moves up to it.

Locations end one past the last character of the value: libyaml ends a block
mapping, block sequence or block scalar where the *next* token starts (after
trailing blank and comment lines), so those ends are tightened to the end of
the last child or the last non-blank character.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from trustlint.frontends.text_error import TextError
from trustlint.model import Location
from trustlint.patterns import lazy_compile
from trustlint.records import record
from trustlint.tree import LList, LMap

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

DEFAULT_MAX_NODES = 2_000_000
"""Budget of constructed nodes; an alias bomb reaches it long before memory does."""
ALIAS_SHARE = 20
ALIAS_GROWTH = 10
"""Aliases may expand a document to `max_nodes / ALIAS_SHARE` nodes, or to
`ALIAS_GROWTH` times its distinct nodes when that is more (reusing a few
statements is normal; a file of 2 KB expanding to two million nodes is not)."""
DEFAULT_MAX_DEPTH = 256

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_UNCONVERTED_TAGS = frozenset({"Ref", "Condition"})
_JSON_NUMBER = lazy_compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?\Z")
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_SURROGATE_PAIR = lazy_compile(
    r"(?<!\\)(?P<escapes>(?:\\\\)*)"
    r"\\u(?P<high>[dD][89abAB][0-9a-fA-F]{2})\\u(?P<low>[dD][c-fC-F][0-9a-fA-F]{2})"
)
# The line breaks libyaml counts (YAML 1.1), so that line numbers agree with its marks.
LINE_BREAK = lazy_compile("\r\n|[\r\n\x85\u2028\u2029]")
_NOT_YAML_TEXT = lazy_compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")
"""Characters JSON strings may hold as they are and YAML 1.1 may not: DEL and C1
controls, which it refuses, and NEL, LS and PS, which break its lines."""
_JSON_LINE_BREAK = lazy_compile("\r\n|[\r\n]")
_JSON_REWRITE = lazy_compile(f"{_SURROGATE_PAIR.pattern}|(?P<raw>{_NOT_YAML_TEXT.pattern})")
_BLOCK_SCALAR_STYLES = frozenset({"|", ">"})


class LoadError(TextError):
    """The text is not valid YAML/JSON, or exceeds a limit. Positions are 1-based."""


@record
class DuplicateKey:
    """A key written twice in one mapping: `overridden` loses to `winner`."""

    key: str
    overridden: Location
    winner: Location

    @property
    def load_error(self) -> LoadError:
        """The error a reader that does not accept duplicates reports, at the second key."""
        return LoadError(
            f"duplicate key '{self.key}' (first defined at line {self.overridden.line})",
            self.winner.line,
            self.winner.column,
        )


def load_yaml(
    text: str,
    path: str,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    duplicates: list[DuplicateKey] | None = None,
) -> Any:
    """Parse one YAML document into a located tree; an empty document is None.

    With `duplicates`, a key written twice in a mapping keeps its last value
    and the override is appended there; without, it is a `LoadError`.
    """
    builder = _Builder(path, text, max_nodes, max_depth, json_mode=False)
    builder.duplicates = duplicates
    return builder.load(text)


def load_json(
    text: str,
    path: str,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    duplicates: list[DuplicateKey] | None = None,
) -> Any:
    """Parse a JSON document into a located tree (numbers read as JSON reads them).

    `duplicates` as for `load_yaml`.
    """
    builder = _Builder(path, text, max_nodes, max_depth, json_mode=True)
    builder.duplicates = duplicates
    yaml_text = text.replace("\t", " ")
    if _COLON_ON_A_LATER_LINE.search(yaml_text):
        yaml_text = _colons_after_keys(yaml_text)
    if "\\u" in yaml_text or _NOT_YAML_TEXT.search(yaml_text):
        yaml_text = builder.rewrite_for_yaml(yaml_text)
    return builder.load(yaml_text)


_COLON_ON_A_LATER_LINE = lazy_compile(r'"[ \r\n]*[\r\n][ \r\n]*:')
_STRING_AND_GAP = lazy_compile(r'"(?:[^"\\\r\n]|\\.)*"(?P<gap>[ \r\n]*[\r\n][ \r\n]*:)?')


def _colons_after_keys(text: str) -> str:
    """JSON `"key"` and its `:` on different lines, as YAML accepts them, lines kept.

    YAML wants an implicit key and its colon on one line. The colon is copied
    to just after the key and replaced by a space where it was: every line
    keeps its number, and every character after the key's line its column.
    """

    def attach(match: re.Match[str]) -> str:
        gap = match.group("gap")
        if not gap:
            return match.group()
        key = match.group()[: -len(gap)]
        return key + ":" + gap[:-1] + " "

    return _STRING_AND_GAP.sub(attach, text)


class _Builder:
    def __init__(
        self, path: str, text: str, max_nodes: int, max_depth: int, json_mode: bool
    ) -> None:
        self.path = path
        self.text = text
        self.budget = max_nodes
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.json_mode = json_mode
        self._scalar = yaml.constructor.SafeConstructor()
        self._lines: list[str] | None = None
        self._shifts: dict[int, list[tuple[int, int]]] = {}
        """0-based line -> (column in the rewritten text, columns removed up to there)."""
        self.duplicates: list[DuplicateKey] | None = None
        """Where duplicate keys are recorded (the last wins); None: they are errors."""

    def load(self, text: str) -> Any:
        try:
            root = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = error.problem or error.context or "invalid YAML"
            if mark is None:
                raise LoadError(problem) from None
            line, column = self.position(mark.line, mark.column)
            raise LoadError(problem, line, column) from None
        except yaml.YAMLError as error:
            raise LoadError(str(error).splitlines()[0] if str(error) else "invalid YAML") from None
        if root is None:
            return None
        if "&" in text:
            self.check_alias_expansion(root)
        try:
            return self.build(root, 0)
        except RecursionError:
            # Only when `max_depth` is configured above what the interpreter's
            # stack allows: still a clear per-file error.
            raise LoadError(
                f"nesting too deep to read (limits.max_depth {self.max_depth} is more than "
                "the reader supports)"
            ) from None

    def rewrite_for_yaml(self, text: str) -> str:
        """JSON text that libyaml reads as JSON does, remembering the column shifts.

        A surrogate pair escape `\\uD83D\\uDE00` becomes `\\U0001F600`; a
        character JSON strings may hold as it is and YAML may not (`_NOT_YAML_TEXT`)
        becomes its `\\u` escape.
        """
        line_starts = [0] + [match.end() for match in _JSON_LINE_BREAK.finditer(text)]
        pieces: list[str] = []
        consumed = 0
        removed_on_line: dict[int, int] = {}
        for match in _JSON_REWRITE.finditer(text):
            raw = match.group("raw")
            if raw:
                replacement = f"\\u{ord(raw):04x}"
            else:
                high = int(match.group("high"), 16)
                low = int(match.group("low"), 16)
                code_point = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                replacement = match.group("escapes") + f"\\U{code_point:08X}"
            pieces.append(text[consumed : match.start()])
            pieces.append(replacement)
            consumed = match.end()
            line = _line_of(line_starts, match.start())
            removed = removed_on_line.get(line, 0) + len(match.group()) - len(replacement)
            removed_on_line[line] = removed
            # The column (0-based, in the rewritten line) just after the replacement.
            rewritten_end = match.end() - line_starts[line] - removed
            self._shifts.setdefault(line, []).append((rewritten_end, removed))
        pieces.append(text[consumed:])
        return "".join(pieces)

    def position(self, line: int, column: int) -> tuple[int, int]:
        """A 0-based libyaml mark as the 1-based line and column of the original text."""
        shifts = self._shifts.get(line)
        if shifts:
            removed = 0
            for rewritten_column, total_removed in shifts:
                if column >= rewritten_column:
                    removed = total_removed
            column += removed
        return line + 1, column + 1

    def location(self, node: yaml.Node) -> Location:
        start, end = node.start_mark, node.end_mark
        if self._shifts:
            start_line, start_column = self.position(start.line, start.column)
            end_line, end_column = self.position(end.line, end.column)
        else:
            start_line, start_column = start.line + 1, start.column + 1
            end_line, end_column = end.line + 1, end.column + 1
        if isinstance(node, yaml.ScalarNode) and node.style in _BLOCK_SCALAR_STYLES:
            end_line, end_column = self.last_character_end(end.line, end.column)
        return Location(self.path, start_line, start_column, end_line, end_column)

    def value_location(self, node: yaml.Node, value: Any) -> Location:
        """Where a built value is: containers know their tightened span."""
        if isinstance(value, LMap | LList):
            return value.location
        return self.location(node)

    def last_character_end(
        self, line: int, column: int, skip_comments: bool = False
    ) -> tuple[int, int]:
        """The 1-based end of the last non-blank character before a 0-based mark
        (with `skip_comments`, on a line that is not only a comment)."""
        if self._lines is None:
            self._lines = LINE_BREAK.split(self.text)
        lines = self._lines
        while line >= 0:
            content = lines[line][:column] if line < len(lines) else ""
            stripped = content.rstrip()
            if stripped and not (skip_comments and stripped.lstrip().startswith("#")):
                return line + 1, len(stripped) + 1
            line -= 1
            column = len(lines[line]) if line >= 0 else 0
        return 1, 1

    def check_alias_expansion(self, root: yaml.Node) -> None:
        """Fail fast when aliases expand the document beyond the node budget.

        Counts each distinct node once (memoised by identity), iteratively, so
        a "billion laughs" document is rejected in time proportional to its
        text, and a recursive alias is reported as such. Aliases also may
        expand a document only to the larger of `ALIAS_GROWTH` times its
        written nodes and `max_nodes / ALIAS_SHARE`: a small file must not
        cost what the largest allowed file costs.
        """
        sizes: dict[int, int] = {}
        uses: dict[int, int] = {}
        nodes: dict[int, yaml.Node] = {}
        open_nodes: set[int] = set()
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            identity = id(node)
            if children_done:
                open_nodes.discard(identity)
                size = 1 + sum(sizes[id(child)] for child in _children(node))
                if size > self.max_nodes:
                    raise self.alias_bomb(node)
                sizes[identity] = size
                continue
            uses[identity] = uses.get(identity, 0) + 1
            if identity in sizes:
                continue
            if identity in open_nodes:
                line, column = self.position(node.start_mark.line, node.start_mark.column)
                raise LoadError("recursive YAML alias", line, column)
            open_nodes.add(identity)
            nodes[identity] = node
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
        limit = max(self.max_nodes // ALIAS_SHARE, ALIAS_GROWTH * len(sizes))
        if sizes[id(root)] > limit:
            # At the anchor of the largest repeated value: the one to look at.
            repeated = [nodes[identity] for identity, count in uses.items() if count > 1]
            largest = max(
                repeated,
                key=lambda node: (sizes[id(node)], -node.start_mark.index),
                default=root,
            )
            raise self.alias_bomb(largest)

    def alias_bomb(self, node: yaml.Node) -> LoadError:
        line, column = self.position(node.start_mark.line, node.start_mark.column)
        return LoadError(
            "document too large after expanding YAML aliases (possible alias bomb)", line, column
        )

    def build(self, node: yaml.Node, depth: int) -> Any:
        # Two Python frames per nesting level at most (build -> mapping/sequence
        # -> build), so the depth limit keeps well inside the recursion limit.
        self.budget -= 1
        if self.budget < 0:
            line, column = self.position(node.start_mark.line, node.start_mark.column)
            raise LoadError(
                "document too large after expanding YAML aliases (possible alias bomb)",
                line,
                column,
            )
        if depth > self.max_depth:
            line, column = self.position(node.start_mark.line, node.start_mark.column)
            raise LoadError(f"nesting deeper than {self.max_depth} levels", line, column)
        tag = node.tag or ""
        intrinsic = tag[1:] if tag.startswith("!") and not tag.startswith("!!") else None
        value: Any
        if isinstance(node, yaml.MappingNode):
            value = self.mapping(node, depth)
        elif isinstance(node, yaml.SequenceNode):
            value = self.sequence(node, depth)
        elif intrinsic is None:
            return self.scalar(node) if isinstance(node, yaml.ScalarNode) else None
        else:
            value = node.value
        if intrinsic is None:
            return value
        return self.intrinsic(intrinsic, node, value)

    def intrinsic(self, name: str, node: yaml.Node, value: Any) -> LMap:
        location = self.location(node)
        if isinstance(value, LMap | LList):
            location = _ending_at(location, value.location)
        if name == "GetAtt" and isinstance(value, str):
            parts = LList(location)
            for part in value.split(".", 1):
                parts.add(part, location)
            value = parts
        key = name if name in _UNCONVERTED_TAGS else f"Fn::{name}"
        wrapper = LMap(location)
        tag_location = Location(
            self.path,
            location.line,
            location.column,
            location.line,
            location.column + len(name) + 1,
        )
        wrapper.put(key, value, tag_location, location)
        return wrapper

    def sequence(self, node: yaml.SequenceNode, depth: int) -> LList:
        location = self.location(node)
        sequence = LList(location)
        for item in node.value:
            value = self.build(item, depth + 1)
            sequence.add(value, self.value_location(item, value))
        if not node.flow_style and sequence.item_locations:
            last = node.value[-1]
            before = node.value[-2].end_mark if len(node.value) > 1 else node.start_mark
            sequence.location = self.block_end(
                location, sequence.item_locations[-1], node, last.start_mark.index < before.index
            )
        return sequence

    def mapping(self, node: yaml.MappingNode, depth: int) -> LMap:
        location = self.location(node)
        merged: dict[str, tuple[Any, Location, Location]] = {}
        explicit: dict[str, tuple[Any, Location, Location]] = {}
        last_value: Location | None = None
        last_is_alias = False
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.merge(merged, value_node, depth)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                line, column = self.position(key_node.start_mark.line, key_node.start_mark.column)
                raise LoadError("mapping keys must be strings", line, column)
            key = str(key_node.value)
            key_location = self.location(key_node)
            if key in explicit:
                duplicate = DuplicateKey(key, explicit[key][1], key_location)
                if self.duplicates is None:
                    raise duplicate.load_error
                self.duplicates.append(duplicate)
            value = self.build(value_node, depth + 1)
            last_value = self.value_location(value_node, value)
            explicit[key] = (value, key_location, last_value)
            last_is_alias = value_node.start_mark.index < key_node.end_mark.index
        mapping = LMap(location)
        # As YAML merges: keys written in the mapping override merged ones.
        for key, (value, key_location, value_location) in merged.items():
            if key not in explicit:
                mapping.put(key, value, key_location, value_location)
        for key, (value, key_location, value_location) in explicit.items():
            mapping.put(key, value, key_location, value_location)
        if not node.flow_style and last_value is not None:
            mapping.location = self.block_end(location, last_value, node, last_is_alias)
        return mapping

    def block_end(
        self, location: Location, last: Location, node: yaml.Node, last_is_alias: bool
    ) -> Location:
        """A block container's location, ending where its last child ends.

        An alias child is located at its anchor, elsewhere in the file (a value
        appears before its key or its previous sibling only so): the container
        then ends at its last character that is not blank nor in a comment line.
        """
        if not last_is_alias:
            return _ending_at(location, last)
        end = node.end_mark
        line, column = self.last_character_end(end.line, end.column, skip_comments=True)
        return Location(location.path, location.line, location.column, line, column)

    def merge(
        self,
        merged: dict[str, tuple[Any, Location, Location]],
        value_node: yaml.Node,
        depth: int,
    ) -> None:
        """Collect a `<<` merge; earlier sources win, as in YAML's merge key."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode) or (source.tag or "").startswith("!"):
                line, column = self.position(source.start_mark.line, source.start_mark.column)
                raise LoadError("a merge key '<<' needs a mapping", line, column)
            mapping = self.mapping(source, depth + 1)
            for key, value in mapping.items():
                if key not in merged:
                    merged[key] = (value, mapping.key_location(key), mapping.value_location(key))

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text = node.value
        if self.json_mode:
            if node.style == '"':
                return text
            if _JSON_NUMBER.match(text):
                return float(text) if any(c in text for c in ".eE") else int(text)
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            return text
        tag = node.tag
        if tag == _STR:
            return text
        if tag == _BOOL:
            return _BOOLS.get(text.lower(), text)
        if tag == _NULL:
            return None
        try:
            if tag == _INT:
                return self._scalar.construct_yaml_int(node)
            if tag == _FLOAT:
                return self._scalar.construct_yaml_float(node)
        except (ValueError, yaml.YAMLError):
            return text
        # Timestamps (`Version: 2012-10-17`), binary and unknown tags stay text,
        # as CloudFormation reads them.
        return text


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [value for _key, value in node.value]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _ending_at(location: Location, last: Location) -> Location:
    return Location(location.path, location.line, location.column, last.end_line, last.end_column)


def _line_of(line_starts: list[int], offset: int) -> int:
    low, high = 0, len(line_starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if line_starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low
