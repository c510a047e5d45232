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
the 100 units from its start, never on what lies further down.

How it is computed here, for the few lines a scan asks for (about 1 in 8):

- The count. Two lines have the same hash when their windows (the 100 units
  from their starts) are the same, so the count of a line is how many lines up
  to it have its window, compared as strings (`text[s:s+100]`, sliced and
  hashed in C) rather than hashed. Two different windows whose hashes collide
  (a chance of 2**-64 a pair) would share a count in upload-sarif and not
  here; that is the one way the values can differ, and it is not worth
  hashing every line for. Only lines with the same content as a line asked
  for can have its window (the window holds that line's end), so only those
  are compared, unless a line asked for is 100 units or longer or the text
  holds U+FFFF (which could stand where the end-of-file unit is).
- The hash, of the lines asked for only: 37 is odd, so it has an inverse
  modulo 2**64, and the hash of the window starting at unit `s` is
  `37**(s+99) * (S[s+100] - S[s])` where `S[k]` is the sum of
  `u[i] * 37**-i` over the units before `k`, taken in one C-level pass
  (`itertools.accumulate` over `map`). The windows asked for are taken in
  runs that overlap (at most a block long, so that the powers are those of a
  block's length), and the sums are made over those runs alone: about a
  fifth of the units of a typical template.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from functools import cache
from itertools import accumulate, compress, repeat
from operator import add, and_, ge, gt, mul, sub
from pathlib import Path

WINDOW = 100
_BASE = 37
_MODULUS = 1 << 64
_MASK = _MODULUS - 1
_INVERSE = pow(_BASE, -1, _MODULUS)
_END_OF_FILE = "\uffff" + "\0" * WINDOW
"""What upload-sarif hashes after the last unit of a complete file."""
_BLOCK = 1 << 14
_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"

MAX_HASHED_BYTES = 64 * 1024 * 1024
"""Read at most this much of a file; lines further down get no hash."""


def line_hashes(text: str, last_line: int | None = None) -> dict[int, str]:
    """Line number (1-based) -> `HASH:COUNT` for every line of `text`, up to `last_line`."""
    lines = None if last_line is None else range(1, last_line + 1)
    return _formatted(_Text(text, complete=True).hashes(lines))


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
    return _formatted(chosen_hashes(data, wanted))


def chosen_hashes(data: bytes, lines: Iterable[int]) -> list[tuple[int, int, int]]:
    """(line, window hash, count) of each of `lines` of a file whose bytes are `data`.

    In line order, without the lines the file does not have. Of more than
    `MAX_HASHED_BYTES` only the lines whose window lies inside that prefix
    have one.
    """
    complete = len(data) <= MAX_HASHED_BYTES
    if not complete:
        # Cut after a line feed, which never falls inside a UTF-8 sequence.
        data = data[: data.rfind(b"\n", 0, MAX_HASHED_BYTES) + 1]
    if data.isascii():
        # One byte a unit: normalized as bytes, in one pass for spaces and tabs.
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        text = data.translate(None, b" \t").decode("ascii")
        return _Text(text, complete, normalized=True).hashes(lines)
    return _Text(data.decode("utf-8", errors="replace"), complete).hashes(lines)


def _formatted(found: Iterable[tuple[int, int, int]]) -> dict[int, str]:
    return {line: f"{value:x}:{count}" for line, value, count in found}


class _Text:
    """A file's text as upload-sarif walks it: normalized, with the end marked if complete."""

    def __init__(self, text: str, complete: bool, normalized: bool = False) -> None:
        if not normalized:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            text = text.replace(" ", "").replace("\t", "")
        self.text = text
        self.complete = complete
        self.walked = text + _END_OF_FILE if complete else text
        encoded = self.walked.encode(_UTF16, errors="surrogatepass")
        self.units = array("H")
        self.units.frombytes(encoded)
        # Outside the BMP a character takes two units: windows are then
        # compared as the encoded bytes, two a unit.
        self.keyed: str | bytes = self.walked
        self.scale = 1
        if len(self.units) != len(self.walked):
            self.keyed = encoded
            self.scale = 2

    def hashes(self, lines: Iterable[int] | None) -> list[tuple[int, int, int]]:
        """(line, window hash, count) of each of `lines` (every line if None), in order."""
        asked = None if lines is None else set(lines)
        if asked is not None and max(asked, default=0) < 1:
            return []
        pieces = self.text.split("\n") if asked is None else self.text.split("\n", max(asked))
        starts = self._starts(pieces)
        every = range(1, len(starts) + 1)
        wanted = list(every) if asked is None else sorted(asked.intersection(every))
        # A line whose window runs past what was read gets no hash.
        while wanted and starts[wanted[-1] - 1] + WINDOW > len(self.units):
            wanted.pop()
        if not wanted:
            return []
        del pieces[wanted[-1] :]
        # The count: how many lines up to a wanted one have its window.
        compared = self._compared(pieces, wanted)
        windows = self._windows(list(map(starts.__getitem__, map(sub, compared, repeat(1)))))
        at = list(compress(range(len(compared)), map(set(wanted).__contains__, compared)))
        counts = list(map(_running_counts(windows).__getitem__, at))
        # The hash: equal windows have equal hashes, so one start of each is hashed.
        chosen = list(map(windows.__getitem__, at))
        start_of = dict(
            zip(chosen, map(starts.__getitem__, map(sub, wanted, repeat(1))), strict=True)
        )
        hashed = sorted(start_of.values())
        value_at = dict(zip(hashed, _window_values(self.units, hashed), strict=True))
        values = map(value_at.__getitem__, map(start_of.__getitem__, chosen))
        return list(zip(wanted, values, counts, strict=True))

    def _starts(self, pieces: list[str]) -> list[int]:
        """Where each line's first unit is, in units.

        The end-of-file unit starts a line of its own after a final line break
        (and is the only line of an empty file), as in upload-sarif. Without
        it, what starts after a final line break has no window.
        """
        if self.scale == 1:
            sizes: Iterable[int] = map(len, pieces)
        else:  # characters outside the BMP take two units
            sizes = (len(piece.encode(_UTF16, errors="surrogatepass")) // 2 for piece in pieces)
        starts = list(accumulate(map(add, sizes, repeat(1)), initial=0))
        del starts[len(pieces) :]
        return starts

    def _windows(self, starts: list[int]) -> list[str | bytes]:
        """The window at each of `starts`, to compare."""
        if self.scale != 1:
            starts = list(map(mul, starts, repeat(self.scale)))
        ends = map(add, starts, repeat(WINDOW * self.scale))
        return list(map(self.keyed.__getitem__, map(slice, starts, ends)))

    def _compared(self, pieces: list[str], wanted: list[int]) -> list[int]:
        """The lines up to the last wanted whose windows may equal a wanted line's window.

        Those with the content of a wanted line: a window shorter than its
        line holds the line's end (a line feed, or the end-of-file unit unless
        the text has U+FFFF of its own), so equal windows are of equal lines.
        """
        contents = set(map(pieces.__getitem__, [line - 1 for line in wanted]))
        every = range(1, len(pieces) + 1)
        if (
            self.scale != 1
            or max(map(len, contents)) >= WINDOW
            or (self.complete and "\uffff" in self.text)
        ):
            return list(every)
        return list(compress(every, map(contents.__contains__, pieces)))


def _running_counts(windows: list[str | bytes]) -> list[int]:
    """For each window, how many of the windows up to it are the same."""
    counts = [1] * len(windows)
    totals = Counter(windows)
    if len(totals) == len(windows):
        return counts
    seen: Counter[str | bytes] = Counter()
    repeated = map(gt, map(totals.__getitem__, windows), repeat(1))
    for at in compress(range(len(windows)), repeated):
        window = windows[at]
        seen[window] += 1
        counts[at] = seen[window]
    return counts


def _window_values(units: array[int], starts: list[int]) -> list[int]:
    """The hash of the window at each of `starts` (ascending)."""
    powers, inverse_powers = _tables()
    values: list[int] = []
    # Runs of windows that overlap, each within a block.
    breaks = compress(range(1, len(starts)), map(ge, starts[1:], map(add, starts, repeat(WINDOW))))
    taken = 0
    for upto in [*breaks, len(starts)]:
        while taken < upto:
            begin = starts[taken]
            end = bisect_left(starts, begin + _BLOCK, taken, upto)
            offsets = list(map(sub, starts[taken:end], repeat(begin)))
            taken = end
            block = units[begin : begin + offsets[-1] + WINDOW]
            sums = list(accumulate(map(mul, block, inverse_powers), initial=0))
            ends = map(add, offsets, repeat(WINDOW))
            window_sums = map(sub, map(sums.__getitem__, ends), map(sums.__getitem__, offsets))
            scales = map(powers.__getitem__, map(add, offsets, repeat(WINDOW - 1)))
            values.extend(map(and_, map(mul, scales, window_sums), repeat(_MASK)))
    return values


@cache
def _tables() -> tuple[list[int], list[int]]:
    """`37**k` and `37**-k` modulo 2**64 for every k a block needs."""
    powers = [1]
    inverse_powers = [1]
    for _ in range(_BLOCK + WINDOW):
        powers.append(powers[-1] * _BASE & _MASK)
        inverse_powers.append(inverse_powers[-1] * _INVERSE & _MASK)
    return powers, inverse_powers
