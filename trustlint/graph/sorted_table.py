"""A read-only map of strings to strings that loads without being rebuilt.

The link index of a 10,000-file project maps some 50,000 names to their
sources; unmarshalled as a dict it took 10 ms a map on every one-file scan,
which asks for a few dozen names. A `SortedTable` keeps the sorted keys and
their values as two strings with two arrays of offsets, which marshal loads
in a fraction of a millisecond, and finds a key by binary search.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from typing import Any

_OFFSET = "I"


class SortedTable(Mapping[str, str]):
    """Keys in order, each value beside its key: `get` is a binary search."""

    __slots__ = ("_key_offsets", "_keys", "_value_offsets", "_values")

    def __init__(
        self, keys: str, key_offsets: array[int], values: str, value_offsets: array[int]
    ) -> None:
        self._keys = keys
        self._key_offsets = key_offsets
        self._values = values
        self._value_offsets = value_offsets

    @classmethod
    def of(cls, mapping: Mapping[str, str]) -> SortedTable:
        keys = sorted(mapping)
        return cls(
            "".join(keys),
            _offsets(keys),
            "".join(mapping[key] for key in keys),
            _offsets([mapping[key] for key in keys]),
        )

    def dump(self) -> tuple[str, bytes, str, bytes]:
        """Plain data for marshal (see `load`)."""
        return (
            self._keys,
            self._key_offsets.tobytes(),
            self._values,
            self._value_offsets.tobytes(),
        )

    @classmethod
    def load(cls, data: Any) -> SortedTable:
        """The table `dump` gave; raises TypeError or ValueError when `data` is not one."""
        keys, key_offsets, values, value_offsets = data
        if not (type(keys) is str and type(values) is str):
            raise TypeError("sorted table")
        starts, ends = array(_OFFSET), array(_OFFSET)
        starts.frombytes(key_offsets)
        ends.frombytes(value_offsets)
        if len(starts) != len(ends) or not starts or starts[0] != 0 or ends[0] != 0:
            raise ValueError("sorted table")
        if starts[-1] != len(keys) or ends[-1] != len(values):
            raise ValueError("sorted table")
        return cls(keys, starts, values, ends)

    def _key(self, index: int) -> str:
        return self._keys[self._key_offsets[index] : self._key_offsets[index + 1]]

    def _value(self, index: int) -> str:
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

    def __getitem__(self, key: str) -> str:
        index = self._index_of(key)
        if index is None:
            raise KeyError(key)
        return self._value(index)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._index_of(key) is not None

    def __iter__(self) -> Iterator[str]:
        return (self._key(index) for index in range(len(self)))

    def with_prefix(self, prefix: str) -> Iterator[tuple[str, str]]:
        """The items whose key starts with `prefix`, in order."""
        index = self._first_not_below(prefix)
        while index < len(self):
            key = self._key(index)
            if not key.startswith(prefix):
                return
            yield key, self._value(index)
            index += 1


def _offsets(parts: list[str]) -> array[int]:
    offsets = array(_OFFSET, [0])
    total = 0
    for part in parts:
        total += len(part)
        offsets.append(total)
    return offsets
