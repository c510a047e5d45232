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

So a line's value depends on the lines above it (through the count) and on
the 100 units from its start, never on what lies further down: hashing stops
at the window of the last line asked for.

How it is computed here, with the same numbers as the rolling hash: 37 is
odd, so it has an inverse modulo 2**64, and the hash of the window starting
at unit `s` is `37**(s+99) * (S[s+100] - S[s])` where `S[k]` is the sum of
`u[i] * 37**-i` over the units before `k`. The units are taken a block at a
time, with `S` counted from the block's start, so the powers are those of a
block's length and a block's sums are all that is held. The sums take one
C-level pass (`itertools.accumulate` over `map`), about twice as fast as a
Python loop doing the rolling hash.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from itertools import accumulate, repeat
from operator import add, and_, mul, sub
from pathlib import Path

WINDOW = 100
_BASE = 37
_MODULUS = 1 << 64
_MASK = _MODULUS - 1
_INVERSE = pow(_BASE, -1, _MODULUS)
_END_OF_FILE = 0xFFFF
_BLOCK = 1 << 14

MAX_HASHED_BYTES = 64 * 1024 * 1024
"""Read at most this much of a file; lines further down get no hash."""


def line_hashes(text: str, last_line: int | None = None) -> dict[int, str]:
    """Line number (1-based) -> `HASH:COUNT` for every line of `text`, up to `last_line`."""
    values = _window_hashes(text, complete=True, last_line=last_line)
    counts: dict[int, int] = {}
    result: dict[int, str] = {}
    for line, value in enumerate(values, start=1):
        counts[value] = counts.get(value, 0) + 1
        result[line] = f"{value:x}:{counts[value]}"
    return result


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
    return select(window_table(data, last_line=max(wanted)), wanted)


def window_table(data: bytes, last_line: int | None = None) -> array[int]:
    """The window hash of each line of a file whose bytes are `data`, up to `last_line`.

    Without the counts: `select` makes the `HASH:COUNT` values of chosen lines
    from it. Of more than `MAX_HASHED_BYTES` only the lines whose window lies
    inside that prefix have one.
    """
    complete = len(data) <= MAX_HASHED_BYTES
    if not complete:
        # Cut after a line feed, which never falls inside a UTF-8 sequence.
        data = data[: data.rfind(b"\n", 0, MAX_HASHED_BYTES) + 1]
    text = data.decode("utf-8", errors="replace")
    return array("Q", _window_hashes(text, complete=complete, last_line=last_line))


def select(values: Sequence[int], lines: Iterable[int]) -> dict[int, str]:
    """`HASH:COUNT` of each of `lines` that `values` (a `window_table`) covers."""
    return {line: f"{value:x}:{count}" for line, value, count in counted(values, lines)}


def counted(values: Sequence[int], lines: Iterable[int]) -> Iterator[tuple[int, int, int]]:
    """(line, window hash, count) of each of `lines` that `values` covers, in order."""
    # The count of a line is how many lines up to it have its hash: count
    # the lines between one wanted line and the next, in C (`Counter.update`).
    counts: Counter[int] = Counter()
    done = 0
    for line in sorted(line for line in set(lines) if 1 <= line <= len(values)):
        counts.update(values[done:line])
        done = line
        value = values[line - 1]
        yield line, value, counts[value]


def _window_hashes(text: str, complete: bool, last_line: int | None) -> list[int]:
    """The window hash of each line, in order, up to `last_line` (without counts)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    units = array("H")
    units.frombytes(text.encode("utf-16-le", errors="surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    starts = _line_starts(text, len(units), complete)
    if last_line is not None:
        del starts[max(last_line, 0) :]
    if complete:
        units.append(_END_OF_FILE)
        units.extend(repeat(0, WINDOW))
    # A line whose window runs past what was read gets no hash.
    while starts and starts[-1] + WINDOW > len(units):
        starts.pop()
    if not starts:
        return []
    powers, inverse_powers = _tables()
    values: list[int] = []
    taken = 0
    for block_start in range(0, starts[-1] + 1, _BLOCK):
        upto = bisect_left(starts, block_start + _BLOCK, taken)
        if upto == taken:
            continue  # inside a line longer than a block
        offsets = list(map(sub, starts[taken:upto], repeat(block_start)))
        taken = upto
        # The windows starting in this block end at most WINDOW units after it.
        block = units[block_start : block_start + offsets[-1] + WINDOW]
        sums = list(accumulate(map(mul, block, inverse_powers), initial=0))
        ends = map(add, offsets, repeat(WINDOW))
        window_sums = map(sub, map(sums.__getitem__, ends), map(sums.__getitem__, offsets))
        scales = map(powers.__getitem__, map(add, offsets, repeat(WINDOW - 1)))
        values.extend(map(and_, map(mul, scales, window_sums), repeat(_MASK)))
    return values


def _line_starts(text: str, length: int, complete: bool) -> list[int]:
    """Where each line's first kept unit is, in UTF-16 units.

    The end-of-file unit starts a line of its own after a final line break
    (and is the only line of an empty file), as in upload-sarif.
    """
    pieces = text.split("\n")
    if length == len(text):
        sizes: Iterable[int] = map(len, pieces)
    else:  # characters outside the BMP take two units
        sizes = (len(piece.encode("utf-16-le", errors="surrogatepass")) // 2 for piece in pieces)
    starts = list(accumulate(map(add, sizes, repeat(1)), initial=0))
    del starts[len(pieces) :]
    if not complete and starts[-1] >= length:
        # Without the end-of-file unit, a final line break starts no line.
        starts.pop()
    return starts


@cache
def _tables() -> tuple[list[int], list[int]]:
    """`37**k` and `37**-k` modulo 2**64 for every k a block needs."""
    powers = [1]
    inverse_powers = [1]
    for _ in range(_BLOCK + WINDOW):
        powers.append(powers[-1] * _BASE & _MASK)
        inverse_powers.append(inverse_powers[-1] * _INVERSE & _MASK)
    return powers, inverse_powers
