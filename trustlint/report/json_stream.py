"""Writing a JSON document whose one large array is made item by item as it is written.

SARIF and JSON reports of a large scan hold tens of thousands of results;
building them all, then the document's text, holds several copies of them.
Here the array is a `LazyList` that makes each item when the encoder reaches
it, and the text goes out in pieces: the same bytes as `json.dumps(document,
indent=2)`, from the same encoder.

Python's indenting encoder is pure Python (its C encoder only writes without
indentation), which costs seconds for SARIF's deeply nested results. A
`LazyList(..., one_per_line=True)` is written with each item on a line of
its own, encoded by the C encoder; the rest of the document stays indented.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

_WRITE_EVERY = 4096
"""Pieces of text (keys, values, punctuation) to gather before each write."""


class LazyList(list):  # type: ignore[type-arg]
    """A list that `json` encodes by iterating `items`, once, which holds `count` items."""

    __slots__ = ("_count", "_items", "one_per_line")

    def __init__(self, count: int, items: Iterable[Any], *, one_per_line: bool = False) -> None:
        super().__init__()
        self._count = count
        self._items = items
        self.one_per_line = one_per_line
        """Write each item on one line (`json.dumps(item)`), not indented over several."""

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)


def write_document(stream: TextIO, document: Any) -> None:
    """Write `document` as JSON indented by 2, and a line feed, to `stream`, encoding as it goes.

    The text of `json.dumps(document, indent=2) + "\\n"`, but for the items of
    a `one_per_line` list, each on a line of its own.
    """
    pieces: list[str] = []
    if _holds_line_lists(document):
        _write_value(pieces, stream, document, 0)
    else:
        for piece in json.JSONEncoder(indent=2).iterencode(document):
            pieces.append(piece)
            if len(pieces) >= _WRITE_EVERY:
                _flush(pieces, stream)
    pieces.append("\n")
    _flush(pieces, stream)


_encode_on_one_line = json.JSONEncoder().encode
"""The C encoder (used when there is no indentation), with `json.dumps`'s separators."""


def _write_value(pieces: list[str], stream: TextIO, value: Any, level: int) -> None:
    inner = "\n" + "  " * (level + 1)
    if isinstance(value, LazyList) and value.one_per_line:
        if not len(value):
            pieces.append("[]")
            return
        separator = "[" + inner
        for item in value:
            pieces.append(separator)
            pieces.append(_encode_on_one_line(item))
            separator = "," + inner
            if len(pieces) >= _WRITE_EVERY:
                _flush(pieces, stream)
        pieces.append("\n" + "  " * level + "]")
    elif isinstance(value, dict) and _holds_line_lists(value):
        separator = "{" + inner
        for key, item in value.items():
            pieces.append(separator + json.dumps(str(key)) + ": ")
            _write_value(pieces, stream, item, level + 1)
            separator = "," + inner
        pieces.append("\n" + "  " * level + "}")
    elif isinstance(value, list) and _holds_line_lists(value):
        separator = "[" + inner
        for item in value:
            pieces.append(separator)
            _write_value(pieces, stream, item, level + 1)
            separator = "," + inner
        pieces.append("\n" + "  " * level + "]")
    else:
        # No string in JSON text holds a line feed (it is escaped): indenting
        # every line of the value's own text indents it as a part of the whole.
        pieces.append(json.dumps(value, indent=2).replace("\n", "\n" + "  " * level))


def _holds_line_lists(value: Any) -> bool:
    """Whether `value` is or holds (outside other lazy lists) a `one_per_line` list."""
    if isinstance(value, LazyList):
        return value.one_per_line
    if isinstance(value, dict):
        return any(_holds_line_lists(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_line_lists(item) for item in value)
    return False


def _flush(pieces: list[str], stream: TextIO) -> None:
    stream.write("".join(pieces))
    pieces.clear()
