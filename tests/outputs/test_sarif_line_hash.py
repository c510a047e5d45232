"""`primaryLocationLineHash` equals what GitHub's upload-sarif computes for the same file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustlint.report import line_hash
from trustlint.report.line_hash import file_line_hashes, line_hashes

# The expected values of upload-sarif's own unit tests (github/codeql-action,
# src/fingerprints.test.ts): one hash a line, the end of the file included.
UPLOAD_SARIF_VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (
        " a\nb\n  \t\tc\n d",
        ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"],
    ),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
    ),
]
GREETINGS_WITH_FINAL_NEWLINE = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    "c129715d7a2bc9a3:1",
]
UPLOAD_SARIF_VECTORS += [
    (" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n", GREETINGS_WITH_FINAL_NEWLINE),
    (" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r", GREETINGS_WITH_FINAL_NEWLINE),
    (
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        GREETINGS_WITH_FINAL_NEWLINE,
    ),
    (" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n", GREETINGS_WITH_FINAL_NEWLINE),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), UPLOAD_SARIF_VECTORS)
def test_line_hashes_match_upload_sarifs_own_test_vectors(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == dict(enumerate(expected, start=1))


def walk_like_upload_sarif(text: str) -> dict[int, str]:
    """A character-by-character walk with a rolling window, as upload-sarif does it."""
    window_size, modulus = 100, 1 << 64
    first_mod = pow(37, window_size, modulus)
    window = [0] * window_size
    line_numbers = [-1] * window_size
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True, "previous_cr": False}
    counts: dict[str, int] = {}
    hashes: dict[int, str] = {}

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        hashes[line_numbers[state["index"]]] = f"{value}:{counts[value]}"
        line_numbers[state["index"]] = -1

    def update(unit: int) -> None:
        index = state["index"]
        oldest, window[index] = window[index], unit
        state["hash"] = (37 * state["hash"] + unit - first_mod * oldest) % modulus
        state["index"] = (index + 1) % window_size

    def process(unit: int) -> None:
        if unit in (0x20, 0x09) or (state["previous_cr"] and unit == 0x0A):
            state["previous_cr"] = False
            return
        state["previous_cr"] = unit == 0x0D
        if unit == 0x0D:
            unit = 0x0A
        if line_numbers[state["index"]] != -1:
            output()
        if state["line_start"]:
            state["line_start"] = False
            state["line"] += 1
            line_numbers[state["index"]] = state["line"]
        if unit == 0x0A:
            state["line_start"] = True
        update(unit)

    encoded = text.encode("utf-16-le", errors="surrogatepass")
    for offset in range(0, len(encoded), 2):
        process(int.from_bytes(encoded[offset : offset + 2], "little"))
    process(0xFFFF)
    for _ in range(window_size):
        if line_numbers[state["index"]] != -1:
            output()
        update(0)
    return hashes


# Short alphabets make repeated lines (and so counts above 1) and long lines likely.
TEXT = st.text(
    alphabet=st.sampled_from([" ", "\t", "\r", "\n", "a", "b", "{", "é", "\U0001f600", "\ufeff"]),
    max_size=600,
) | st.lists(st.sampled_from(["x" * 120, "key: value\n", "\r\n", "  - item\n"]), max_size=40).map(
    "".join
)


@given(TEXT)
def test_line_hashes_equal_a_character_by_character_walk(text: str) -> None:
    assert line_hashes(text) == walk_like_upload_sarif(text)


@given(TEXT, st.integers(min_value=1, max_value=30))
def test_hashes_up_to_a_line_are_those_of_the_whole_text(text: str, last_line: int) -> None:
    everything = line_hashes(text)
    assert line_hashes(text, last_line) == {
        line: value for line, value in everything.items() if line <= last_line
    }


def test_a_file_is_read_as_utf8_keeping_the_bom_and_replacing_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(b"\xef\xbb\xbfRoles:\r\n  bad: \xff\xfe\r\n  ok: yes\r\n")
    expected = line_hashes("\ufeffRoles:\n  bad: \ufffd\ufffd\n  ok: yes\n")
    assert file_line_hashes(path, [1, 2, 3]) == {line: expected[line] for line in (1, 2, 3)}


def test_only_the_lines_asked_for_are_returned(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{\n  "Version": "2012-10-17"\n}\n', encoding="utf-8")
    hashes = file_line_hashes(path, [2, 9])
    assert hashes == {2: line_hashes(path.read_text(encoding="utf-8"))[2]}


def test_an_unreadable_file_gives_no_hashes(tmp_path: Path) -> None:
    assert file_line_hashes(tmp_path / "missing.json", [1]) == {}
    assert file_line_hashes(tmp_path, [1]) == {}


def test_lines_whose_window_runs_past_the_read_limit_get_no_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "".join(f"line{number:03d}: {'x' * 40}\n" for number in range(1, 21))
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(line_hash, "MAX_HASHED_BYTES", 500)
    # 500 bytes hold 10 whole lines of 50 bytes; each line keeps 49 units
    # (the space goes), so the 100-unit windows of lines 1 to 8 fit in them.
    hashes = file_line_hashes(path, range(1, 21))
    assert hashes == {line: line_hashes(text)[line] for line in range(1, 9)}
