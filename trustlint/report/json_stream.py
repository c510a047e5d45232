"""Writing a JSON document whose one large array is made item by item as it is written.

SARIF and JSON reports of a large scan hold tens of thousands of results;
building them all, then the document's text, holds several copies of them.
Here the array is a `LazyList` that makes each item when the encoder reaches
it, and the text goes out in pieces: the same bytes as `json.dumps(document,
indent=2)`, from the same encoder.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

_WRITE_EVERY = 4096
"""Pieces of text (keys, values, punctuation) to gather before each write."""


class LazyList(list):  # type: ignore[type-arg]
    """A list that `json` encodes by iterating `items`, once, which holds `count` items."""

    __slots__ = ("_count", "_items")

    def __init__(self, count: int, items: Iterable[Any]) -> None:
        super().__init__()
        self._count = count
        self._items = items

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)


def write_document(stream: TextIO, document: Any) -> None:
    """Write `json.dumps(document, indent=2) + "\\n"` to `stream`, encoding as it goes."""
    pieces: list[str] = []
    for piece in json.JSONEncoder(indent=2).iterencode(document):
        pieces.append(piece)
        if len(pieces) >= _WRITE_EVERY:
            stream.write("".join(pieces))
            pieces.clear()
    pieces.append("\n")
    stream.write("".join(pieces))
