"""A read-only map of strings to bytes that loads without being rebuilt, and packed columns.

The link index of a 10,000-file project maps some 50,000 names to their
sources; unmarshalled as a dict it took 10 ms a map on every one-file scan,
which asks for a few dozen names. A `SortedTable` keeps the sorted keys and
their values as a string and a bytes object with two arrays of offsets,
which marshal loads in a fraction of a millisecond, and finds a key by
binary search. `merged` writes a few changed keys into a new table in runs
of the old one, so mending a map costs what changed, not what it holds.

The functions at the end pack many small strings or numbers as one object,
for the same reason: marshal loads one big object far faster than thousands
of small ones.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from itertools import repeat
from operator import add
from typing import Any

_OFFSET = "I"


class SortedTable(Mapping[str, bytes]):
    """Keys in order, each value beside its key: `get` is a binary search."""

    __slots__ = ("_key_offsets", "_keys", "_value_offsets", "_values")

    def __init__(
        self, keys: str, key_offsets: array[int], values: bytes, value_offsets: array[int]
    ) -> None:
        self._keys = keys
        self._key_offsets = key_offsets
        self._values = values
        self._value_offsets = value_offsets

    @classmethod
    def of(cls, mapping: Mapping[str, bytes]) -> SortedTable:
        keys = sorted(mapping)
        values = [mapping[key] for key in keys]
        return cls("".join(keys), _offsets(keys), b"".join(values), _offsets(values))

    def dump(self) -> tuple[str, bytes, bytes, bytes]:
        """Plain data for marshal (see `load`)."""
        return (
            self._keys,
            self._key_offsets.tobytes(),
            self._values,
            self._value_offsets.tobytes(),
        )

    @classmethod
    def load(cls, data: Any) -> SortedTable:
        """The table `dump` gave; raises TypeError or ValueError when `data` is not one.

        The offsets are checked at both ends, not in between: the file they
        come from carries a checksum, and a slice out of order is only empty.
        """
        keys, key_offsets, values, value_offsets = data
        if not (type(keys) is str and type(values) is bytes):
            raise TypeError("sorted table")
        starts, ends = numbers(key_offsets), numbers(value_offsets)
        if len(starts) != len(ends) or not starts or starts[0] != 0 or ends[0] != 0:
            raise ValueError("sorted table")
        if starts[-1] != len(keys) or ends[-1] != len(values):
            raise ValueError("sorted table")
        return cls(keys, starts, values, ends)

    def merged(self, changes: Mapping[str, bytes]) -> SortedTable:
        """A table with `changes` written in: a key's new value, or b"" to take it out."""
        if not changes:
            return self
        if not len(self):  # a table built afresh
            return SortedTable.of({key: value for key, value in changes.items() if value})
        keys: list[str] = []
        values: list[bytes] = []
        key_offsets, value_offsets = array(_OFFSET, [0]), array(_OFFSET, [0])

        def copy(start: int, end: int) -> None:
            """Items `start` to `end` of this table, as they are."""
            if start >= end:
                return
            old_keys, old_values = self._key_offsets, self._value_offsets
            keys.append(self._keys[old_keys[start] : old_keys[end]])
            values.append(self._values[old_values[start] : old_values[end]])
            shift = key_offsets[-1] - old_keys[start]
            key_offsets.extend(map(add, old_keys[start + 1 : end + 1], repeat(shift)))
            shift = value_offsets[-1] - old_values[start]
            value_offsets.extend(map(add, old_values[start + 1 : end + 1], repeat(shift)))

        previous = 0
        for key in sorted(changes):
            index = self._first_not_below(key)
            copy(previous, index)
            previous = index + 1 if index < len(self) and self._key(index) == key else index
            value = changes[key]
            if value:
                keys.append(key)
                values.append(value)
                key_offsets.append(key_offsets[-1] + len(key))
                value_offsets.append(value_offsets[-1] + len(value))
        copy(previous, len(self))
        return SortedTable("".join(keys), key_offsets, b"".join(values), value_offsets)

    def _key(self, index: int) -> str:
        return self._keys[self._key_offsets[index] : self._key_offsets[index + 1]]

    def _value(self, index: int) -> bytes:
        return self._values[self._value_offsets[index] : self._value_offsets[index + 1]]

    def _first_not_below(self, key: str) -> int:
        low, high = 0, len(self)
        while low < high:
            middle = (low + high) // 2
            if self._key(middle) < key:
                low = middle + 1
            else:
                high = middle
        return low

    def __len__(self) -> int:
        return len(self._key_offsets) - 1

    def _index_of(self, key: str) -> int | None:
        index = self._first_not_below(key)
        return index if index < len(self) and self._key(index) == key else None

    def __getitem__(self, key: str) -> bytes:
        index = self._index_of(key)
        if index is None:
            raise KeyError(key)
        return self._value(index)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._index_of(key) is not None

    def __iter__(self) -> Iterator[str]:
        return (self._key(index) for index in range(len(self)))

    def with_prefix(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        """The items whose key starts with `prefix`, in order."""
        index = self._first_not_below(prefix)
        while index < len(self):
            key = self._key(index)
            if not key.startswith(prefix):
                return
            yield key, self._value(index)
            index += 1


def _offsets(parts: list[str] | list[bytes]) -> array[int]:
    offsets = array(_OFFSET, [0])
    total = 0
    for part in parts:
        total += len(part)
        offsets.append(total)
    return offsets


# -- columns: many small strings or numbers as one object --------------------


def join_strings(parts: list[str]) -> str:
    """Strings as one, each ended by NUL (no path, id or key holds one): see `split_strings`."""
    return "\0".join([*parts, ""]) if parts else ""


def split_strings(text: Any) -> list[str]:
    """The strings `join_strings` joined; raises TypeError or ValueError when `text` is not such."""
    if type(text) is not str:
        raise TypeError("strings")
    parts = text.split("\0")
    if parts.pop():
        raise ValueError("strings: not ended by NUL")
    return parts


def numbers(data: Any) -> array[int]:
    """Unsigned numbers packed by `array.tobytes`; raises TypeError or ValueError when not such."""
    if type(data) is not bytes:
        raise TypeError("numbers")
    packed = array(_OFFSET)
    packed.frombytes(data)  # ValueError unless a whole number of items
    return packed


def packed(values: Any) -> bytes:
    """Numbers as `numbers` reads them."""
    return array(_OFFSET, values).tobytes()
