"""`primaryLocationLineHash`, computed as GitHub's `upload-sarif` computes it.

upload-sarif hashes each line of the checked-out file and fills in the
fingerprint of every result that lacks one; when a result already carries a
different value it logs a warning for that result. So trustlint writes exactly
the value upload-sarif would compute.

The algorithm (github/codeql-action, `src/fingerprints.ts`): the file is read
as UTF-8 (malformed bytes become U+FFFD, a BOM is kept) and walked as UTF-16
code units; spaces and tabs are dropped, CR LF and lone CR become LF. A rolling
polynomial hash (base 37, modulo 2**64) runs over a window of the last 100
units. A line's hash is the hash of the 100 units that start at its first
kept unit, with the end of the file marked by the unit 0xFFFF and followed by
zeros. Equal hashes are told apart by a running count: `HASH:COUNT`, the
count being how many lines up to this one had that hash.

Here the window hash is taken from prefix hashes (one multiply-add per unit)
instead of re-walking the window, which gives the same numbers.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from pathlib import Path

WINDOW = 100
_BASE = 37
_MASK = (1 << 64) - 1
_BASE_TO_WINDOW = pow(_BASE, WINDOW, 1 << 64)
_END_OF_FILE = 0xFFFF
_LINE_FEED = 0x0A

MAX_HASHED_BYTES = 64 * 1024 * 1024
"""Read at most this much of a file; lines further down get no hash."""


def line_hashes(text: str, last_line: int | None = None) -> dict[int, str]:
    """Line number (1-based) -> `HASH:COUNT` for every line of `text`, up to `last_line`."""
    return _hashes(text, complete=True, last_line=last_line)


def file_line_hashes(path: Path, lines: Iterable[int]) -> dict[int, str]:
    """The hashes of the given lines of the file at `path`, without those it cannot hash.

    Nothing is returned for a file that cannot be read. Of a file larger than
    `MAX_HASHED_BYTES` only the lines whose window lies inside that prefix are
    hashed.
    """
    wanted = set(lines)
    if not wanted:
        return {}
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_HASHED_BYTES + 1)
    except OSError:
        return {}
    complete = len(data) <= MAX_HASHED_BYTES
    if not complete:
        # Cut after a line feed, which never falls inside a UTF-8 sequence.
        data = data[: data.rfind(b"\n", 0, MAX_HASHED_BYTES) + 1]
    text = data.decode("utf-8", errors="replace")
    hashes = _hashes(text, complete=complete, last_line=max(wanted))
    return {line: hashes[line] for line in wanted if line in hashes}


def _hashes(text: str, complete: bool, last_line: int | None) -> dict[int, str]:
    units = _normalised_units(text)
    length = len(units)
    if complete:
        units.append(_END_OF_FILE)
        units.extend([0] * WINDOW)
    starts = _line_starts(units, length, complete)
    if last_line is not None:
        starts = starts[:last_line]
    end = starts[-1] + WINDOW if starts else 0
    if end > len(units):
        starts = [start for start in starts if start + WINDOW <= len(units)]
        end = starts[-1] + WINDOW if starts else 0
    prefix = _prefix_hashes(units, end)
    counts: dict[str, int] = {}
    result: dict[int, str] = {}
    for line, start in enumerate(starts, start=1):
        value = format((prefix[start + WINDOW] - prefix[start] * _BASE_TO_WINDOW) & _MASK, "x")
        counts[value] = counts.get(value, 0) + 1
        result[line] = f"{value}:{counts[value]}"
    return result


def _normalised_units(text: str) -> array[int]:
    """UTF-16 code units without spaces and tabs, every line break a single LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    units = array("H")
    units.frombytes(text.encode("utf-16-le", errors="surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return units


def _line_starts(units: array[int], length: int, complete: bool) -> list[int]:
    """Where each line's first kept unit is.

    The end-of-file unit starts a line of its own after a final line break
    (and is the only line of an empty file), as in upload-sarif.
    """
    starts = [0] if length or complete else []
    position = -1
    while True:
        try:
            position = units.index(_LINE_FEED, position + 1, length)
        except ValueError:
            return starts
        if position + 1 < length or complete:
            starts.append(position + 1)


def _prefix_hashes(units: array[int], end: int) -> list[int]:
    """`prefix[k]` is the hash of `units[:k]`; a window's hash is a difference of two."""
    prefix = [0] * (end + 1)
    value = 0
    for index in range(end):
        value = (value * _BASE + units[index]) & _MASK
        prefix[index + 1] = value
    return prefix
