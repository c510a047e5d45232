"""Override files (`*_override.tf`, `*_override.tf.json`) merged as Terraform merges them.

Terraform reads the override files of a module after its other files and
merges each of their top-level blocks into the block of the same type and
labels: an attribute of the override replaces the attribute of that name, and
nested blocks of a type the override writes replace every nested block of that
type (a `dynamic "x"` block counts as an `x` block); a resource's `lifecycle`
block is merged attribute by attribute. A `locals` override replaces each local
value it names. An override with no block to merge into is an error.

The merged block is written as HCL text made of the pieces it is merged from
(each attribute and nested block copied from its own file) and parsed again;
every byte of it remembers the file, line and column it was copied from, so
locations point at the primary or override file that wrote each part.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from tree_sitter import Node

from trustlint.frontends.terraform.files import is_override
from trustlint.frontends.terraform.hcl_syntax import Attribute, Block, HclFile, read_body
from trustlint.frontends.terraform.json_syntax import JsonSyntaxFile
from trustlint.model import Location
from trustlint.records import record

ReportError = Callable[[str, Location], None]

_MERGED_NESTED = frozenset({"lifecycle"})
"""Nested blocks of resources and data sources merged attribute by attribute."""


@record(frozen=False)
class _Merged:
    """A block being merged: the base it starts from, and what overrides changed."""

    base: Block
    attributes: dict[str, Attribute]
    nested: list[Block | _Merged]
    changed: bool = False


@record(frozen=False)
class _Segment:
    start: int
    """Offset of the piece in the composed text (bytes)."""
    source: HclFile
    source_start: int
    length: int
    """Bytes copied; 0 for text written here, located at `source_start`."""


def merge_overrides(files: Sequence[HclFile], report: ReportError) -> list[HclFile]:
    """The files of a module with its override files merged into the others.

    `files` come in the order of `files.module_file_names` (overrides last).
    Returns the primary files, those holding an overridden block replaced by a
    composed file; override files themselves are not returned.
    """
    primaries = [f for f in files if not is_override(_name(f))]
    overrides = [f for f in files if is_override(_name(f))]
    if not overrides:
        return list(files)
    blocks: dict[tuple[str, tuple[str, ...]], tuple[HclFile, _Merged]] = {}
    local_values: dict[str, tuple[HclFile, Block]] = {}
    for file in primaries:
        for block in read_body(file).blocks:
            if block.type == "locals":
                for name in block.attributes:
                    local_values.setdefault(name, (file, block))
            else:
                blocks.setdefault((block.type, block.labels), (file, _start(block)))
    local_overrides: dict[int, dict[str, Attribute]] = {}
    for file in overrides:
        for block in read_body(file).blocks:
            if block.has_error:
                continue
            if block.type == "locals":
                for name, attribute in block.attributes.items():
                    base = local_values.get(name)
                    if base is None:
                        report(f"local.{name} overrides no local value", attribute.name_location)
                        continue
                    local_overrides.setdefault(id(base[1]), {})[name] = attribute
                continue
            found = blocks.get((block.type, block.labels))
            if found is None:
                report(f"{_title(block)} overrides no block of this module", block.type_location)
                continue
            if found[1].base.has_error:
                continue  # a block with a syntax error is not read, merged or not
            _merge(found[1], block, nested_merge=block.type in ("resource", "data"))
    changed: dict[str, list[tuple[Block, _Merged | dict[str, Attribute]]]] = {}
    for file, merged in blocks.values():
        if merged.changed:
            changed.setdefault(file.path, []).append((merged.base, merged))
    for file in primaries:
        for block in read_body(file).blocks:
            replaced = local_overrides.get(id(block))
            if block.type == "locals" and replaced:
                changed.setdefault(file.path, []).append((block, replaced))
    return [_compose(f, changed[f.path]) if f.path in changed else f for f in primaries]


def _name(file: HclFile) -> str:
    return file.path.rpartition("/")[2]


def _title(block: Block) -> str:
    return " ".join([block.type, *(f'"{label}"' for label in block.labels)])


def _start(block: Block) -> _Merged:
    return _Merged(block, dict(block.attributes), list(block.blocks))


def _nested_type(block: Block | _Merged) -> str:
    base = block.base if isinstance(block, _Merged) else block
    if base.type == "dynamic" and base.labels:
        return base.labels[0]
    return base.type


def _merge(target: _Merged, override: Block, *, nested_merge: bool) -> None:
    target.changed = True
    target.attributes.update(override.attributes)
    written = dict.fromkeys(_nested_type(child) for child in override.blocks)
    for kind in written:
        replacements = [child for child in override.blocks if _nested_type(child) == kind]
        if nested_merge and kind in _MERGED_NESTED:
            existing = next((c for c in target.nested if _nested_type(c) == kind), None)
            if existing is not None:
                merged = existing if isinstance(existing, _Merged) else _start(existing)
                for replacement in replacements:
                    _merge(merged, replacement, nested_merge=False)
                target.nested = [merged if c is existing else c for c in target.nested]
                continue
        kept = [child for child in target.nested if _nested_type(child) != kind]
        target.nested = [*kept, *replacements]


# -- the merged text ------------------------------------------------------------------


class _Composer:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.segments: list[_Segment] = []
        self.size = 0

    def copy(self, file: HclFile, start: int, end: int) -> None:
        if end <= start:
            return
        self.segments.append(_Segment(self.size, file, start, end - start))
        self.parts.append(file.source[start:end])
        self.size += end - start

    def write(self, text: str, file: HclFile, at: int) -> None:
        data = text.encode("utf-8")
        self.segments.append(_Segment(self.size, file, at, 0))
        self.parts.append(data)
        self.size += len(data)

    def node(self, file: HclFile, node: Node) -> None:
        self.copy(file, node.start_byte, node.end_byte)
        self.write("\n", file, node.end_byte)

    def block(self, merged: _Merged) -> None:
        base = merged.base
        file = base.file
        body_start = _body_start(base)
        self.copy(file, base.node.start_byte, body_start)
        self.write("\n", file, body_start)
        for attribute in merged.attributes.values():
            self.node(attribute.file, attribute.node)
        for child in merged.nested:
            if isinstance(child, _Merged):
                self.block(child)
            else:
                self.node(child.file, child.node)
        end = base.node.end_byte
        self.write("}\n", file, max(end - 1, base.node.start_byte))

    def locals_block(self, block: Block, replaced: dict[str, Attribute]) -> None:
        file = block.file
        body_start = _body_start(block)
        self.copy(file, block.node.start_byte, body_start)
        self.write("\n", file, body_start)
        for name, attribute in block.attributes.items():
            chosen = replaced.get(name, attribute)
            self.node(chosen.file, chosen.node)
        self.write("}\n", file, max(block.node.end_byte - 1, block.node.start_byte))


def _body_start(block: Block) -> int:
    """Offset just past the `{` that opens the block's body."""
    for child in block.node.children:
        if child.type == "block_start":
            return int(child.end_byte)
    return int(block.type_node.end_byte)


def _compose(
    file: HclFile, changes: Sequence[tuple[Block, _Merged | dict[str, Attribute]]]
) -> HclFile:
    composer = _Composer()
    position = 0
    for block, change in sorted(changes, key=lambda item: item[0].node.start_byte):
        composer.copy(file, position, block.node.start_byte)
        if isinstance(change, _Merged):
            composer.block(change)
        else:
            composer.locals_block(block, change)
        position = block.node.end_byte
    composer.copy(file, position, len(file.source))
    text = b"".join(composer.parts).decode("utf-8", errors="surrogatepass")
    return ComposedFile(file.path, text, composer.segments)


class ComposedFile(HclFile):
    """HCL text copied from pieces of other files; locations are in those files."""

    __slots__ = ("_segments", "_starts")

    def __init__(self, path: str, text: str, segments: list[_Segment]) -> None:
        super().__init__(path, text)
        self._segments = segments or [_Segment(0, self, 0, 0)]
        self._starts = [segment.start for segment in self._segments]

    def _segment(self, byte: int) -> _Segment:
        index = max(bisect.bisect_right(self._starts, byte) - 1, 0)
        return self._segments[index]

    def _start(self, byte: int) -> tuple[str, int, int]:
        segment = self._segment(byte)
        offset = segment.source_start + min(byte - segment.start, max(segment.length - 1, 0))
        line, column = segment.source.position(offset)
        return segment.source.path, line, column

    def _end(self, start: int, end: int) -> tuple[str, int, int]:
        if end <= start:
            return self._start(start)
        segment = self._segment(end - 1)
        source = segment.source
        if segment.length == 0:
            line, column = source.position(segment.source_start)
            return source.path, line, column + 1
        offset = segment.source_start + min(end - segment.start, segment.length)
        if isinstance(source, JsonSyntaxFile):
            line, column = source.end_position(offset)
        else:
            line, column = source.position(offset)
        return source.path, line, column

    def position(self, offset: int) -> tuple[int, int]:
        _, line, column = self._start(offset)
        return line, column

    def _located(self, start: int, end: int) -> Location:
        path, line, column = self._start(start)
        end_path, end_line, end_column = self._end(start, end)
        if end_path != path or (end_line, end_column) < (line, column):
            end_line, end_column = line, column + 1
        return Location(path, line, column, end_line, end_column)

    def location(self, node: Node) -> Location:
        return self._located(node.start_byte, node.end_byte)

    def span(self, first: Node, last: Node) -> Location:
        return self._located(first.start_byte, last.end_byte)
