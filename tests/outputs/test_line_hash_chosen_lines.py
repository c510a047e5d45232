"""The hashes of chosen lines equal upload-sarif's, however the text and the choice are made.

`chosen_hashes` hashes only the windows of the lines asked for and counts
equal windows by comparing them (`trustlint.report.line_hash`); the reference
is `walk_like_upload_sarif`, the character-by-character rolling hash of
github/codeql-action's `src/fingerprints.ts`, which hashes every line.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_line_hash_blocks import blocks_of
from test_sarif_line_hash import walk_like_upload_sarif

from trustlint.report import line_hash
from trustlint.report.line_hash import chosen_hashes, line_hashes

PIECES = [
    " ",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\n\n",
    "a",
    "b",
    "{",
    "}\n",
    "é",  # two bytes in UTF-8, one UTF-16 unit
    "\U0001f600",  # outside the BMP: two UTF-16 units
    "\ufeff",  # a BOM (kept), also inside the text
    "\uffff",  # the unit that marks the end of the file, in the text itself
    "\0",  # the unit that pads the end of the file
    "key: value\n",
    "  - item\n",
    "x" * 99,  # with its line feed, a window of exactly 100 units
    "y" * 100,
    "z" * 130,
]
TEXT = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)
MALFORMED = [b"\xff", b"\xfe", b"\xe2\x82", b"\xed\xa0\x80", b"\xc3", b"\xf0\x9f\x98"]
"""Bytes that are no UTF-8 (each becomes U+FFFD), some of them cut multi-byte characters."""
FILE = st.lists(
    st.sampled_from([piece.encode("utf-8") for piece in PIECES] + MALFORMED), max_size=80
).map(b"".join)
LINES = st.sets(st.integers(min_value=-2, max_value=70), max_size=40)


def formatted(found: Iterable[tuple[int, int, int]]) -> dict[int, str]:
    return {line: f"{value:x}:{count}" for line, value, count in found}


def expected(data: bytes, lines: Iterable[int]) -> dict[int, str]:
    every = walk_like_upload_sarif(data.decode("utf-8", errors="replace"))
    return {line: every[line] for line in sorted(set(lines)) if line in every}


@settings(max_examples=400)
@given(FILE, LINES)
def test_chosen_lines_of_a_file_have_upload_sarifs_values(data: bytes, lines: set[int]) -> None:
    found = chosen_hashes(data, lines)
    assert [line for line, _, _ in found] == sorted(line for line in lines if line >= 1)[
        : len(found)
    ]
    assert formatted(found) == expected(data, lines)


@settings(max_examples=300)
@given(TEXT, LINES)
def test_chosen_lines_of_a_text_have_upload_sarifs_values(text: str, lines: set[int]) -> None:
    data = text.encode("utf-8")
    assert formatted(chosen_hashes(data, lines)) == expected(data, lines)


@given(TEXT)
def test_every_line_of_a_text_has_upload_sarifs_value(text: str) -> None:
    assert line_hashes(text) == walk_like_upload_sarif(text)


@given(FILE, LINES)
def test_windows_taken_in_runs_cut_at_any_length_give_the_same_values(
    data: bytes, lines: set[int]
) -> None:
    with blocks_of(7):
        assert formatted(chosen_hashes(data, lines)) == expected(data, lines)


@pytest.mark.parametrize(
    ("data", "lines", "values"),
    [
        (b"", [1], {1: "c129715d7a2bc9a3:1"}),  # the end of the file is a line of its own
        (b"", [0, 2], {}),
        (b"a\nb", [2, 3], None),  # the last line has no line feed
        (b"a\nb\n", [3], None),  # after a final line feed, the end-of-file line
        (b"\xef\xbb\xbfa: 1\r\n", [1, 2], None),  # the BOM is kept, CR LF is one break
        (b"a\rb\r\r", [1, 2, 3, 4], None),
        (b"same\n" * 5 + b"same", [2, 6], None),  # counts of repeated windows
        (b"\xff\n\xff\n", [1, 2, 3], None),
    ],
)
def test_edge_cases(data: bytes, lines: list[int], values: dict[int, str] | None) -> None:
    found = formatted(chosen_hashes(data, lines))
    assert found == expected(data, lines)
    if values is not None:
        assert found == values


def test_the_lines_up_to_a_repeated_one_count_it_as_upload_sarif_does() -> None:
    data = ("Lorem ipsum dolor sit amet.\n" * 10).encode()
    # upload-sarif's own test vector: lines 1-6 have the same window.
    assert formatted(chosen_hashes(data, [3, 6, 7])) == {
        3: "a7f2ff13bc495cf2:3",
        6: "a7f2ff13bc495cf2:6",
        7: "a7f2ff1481e87703:1",
    }


def test_a_window_equal_to_the_end_of_the_file_is_counted_with_it() -> None:
    # Line 2 is U+FFFF and 99 NULs, then more text: the same 100 units as the
    # window of the end-of-file line 3, so upload-sarif counts them together.
    text = "a\n\uffff" + "\0" * 99 + "b\n"
    hashes = walk_like_upload_sarif(text)
    assert hashes[2].split(":")[0] == hashes[3].split(":")[0]
    assert hashes[3].endswith(":2")
    assert formatted(chosen_hashes(text.encode(), [3])) == {3: hashes[3]}


@pytest.mark.parametrize("asked", ["x" * 100, "x" * 100 + "b"])
def test_a_long_line_is_counted_with_lines_of_the_same_first_100_units(asked: str) -> None:
    # The window of a line of 100 units or more holds no line feed.
    data = ("x" * 100 + "a\n" + asked + "\n").encode()
    found = formatted(chosen_hashes(data, [2]))
    assert found == expected(data, [2])
    assert found[2].endswith(":2")


@settings(max_examples=150)
@given(FILE, LINES, st.integers(min_value=0, max_value=400))
def test_of_a_file_over_the_limit_only_lines_with_a_window_inside_it_are_hashed(
    data: bytes, lines: set[int], limit: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(line_hash, "MAX_HASHED_BYTES", limit)
        found = formatted(chosen_hashes(data, lines))
    if len(data) <= limit:
        assert found == expected(data, lines)
        return
    # Read up to the last line feed within the limit, without the end marker.
    read = data[: data.rfind(b"\n", 0, limit) + 1]
    text = read.decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    rows = text.split("\n")[:-1]
    inside = {
        line
        for line in range(1, len(rows) + 1)
        if len("\n".join(rows[line - 1 :]).encode("utf-16-le")) // 2 + 1 >= 100
    }
    assert found == expected(data, lines & inside)
