"""Line hashes are the same however the file is cut into blocks for hashing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st
from test_sarif_line_hash import walk_like_upload_sarif

from trustlint.report import line_hash
from trustlint.report.line_hash import line_hashes


@contextlib.contextmanager
def blocks_of(units: int) -> Iterator[None]:
    block = line_hash._BLOCK
    line_hash._tables.cache_clear()
    line_hash._BLOCK = units
    try:
        yield
    finally:
        line_hash._BLOCK = block
        line_hash._tables.cache_clear()


TEXT = st.lists(
    st.sampled_from(["a\n", "bb", "\n", "  \t", "x" * 130, "\r\n", "\U0001f600", "key: value\n"]),
    max_size=60,
).map("".join)


@given(TEXT)
def test_blocks_of_three_units_give_upload_sarifs_hashes(text: str) -> None:
    with blocks_of(3):
        assert line_hashes(text) == walk_like_upload_sarif(text)


def test_a_line_longer_than_a_block_is_hashed_from_its_start() -> None:
    text = "x" * 50 + "\nshort\n" + "y" * 20
    with blocks_of(3):
        assert line_hashes(text) == walk_like_upload_sarif(text)


def test_a_file_of_several_real_blocks_matches_the_walk() -> None:
    text = "".join(f"  line {number}: {'v' * (number % 7)}\n" for number in range(9000))
    hashes = line_hashes(text)
    assert len(hashes) == 9001
    expected = walk_like_upload_sarif(text)
    assert {line: hashes[line] for line in (1, 2, 4500, 8999, 9000, 9001)} == {
        line: expected[line] for line in (1, 2, 4500, 8999, 9000, 9001)
    }
