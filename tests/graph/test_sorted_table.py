"""SortedTable and the packed columns: the link and project indexes' storage."""

from __future__ import annotations

import marshal
from array import array

import pytest

from trustlint.graph.sorted_table import (
    SortedTable,
    join_strings,
    numbers,
    packed,
    split_strings,
)

ENTRIES = {
    "role:deploy": b"\x01",
    "role:deploy-prod": b"\x02\x03",
    "policy:é-unicode": b"\x04",
    "group:admins": b"",
    "app/x.yaml": b"app/x.yaml",
    "app/sub/y.yaml": b"app/sub/y.yaml",
    "apple.yaml": b"apple.yaml",
}


def round_trip(table: SortedTable) -> SortedTable:
    return SortedTable.load(marshal.loads(marshal.dumps(table.dump())))


def test_every_key_is_found_with_its_value_and_no_other() -> None:
    table = round_trip(SortedTable.of(ENTRIES))
    assert len(table) == len(ENTRIES)
    assert dict(table.items()) == ENTRIES
    assert list(table) == sorted(ENTRIES)
    for key, value in ENTRIES.items():
        assert key in table
        assert table[key] == value
    for absent in ("", "role:", "role:deploy-", "zzz", "a"):
        assert absent not in table
        assert table.get(absent) is None


def test_with_prefix_gives_what_lies_under_a_directory_only() -> None:
    table = round_trip(SortedTable.of(ENTRIES))
    assert [key for key, _ in table.with_prefix("app/")] == ["app/sub/y.yaml", "app/x.yaml"]
    assert list(table.with_prefix("nothing/")) == []


def test_an_empty_table_answers_nothing() -> None:
    table = round_trip(SortedTable.of({}))
    assert len(table) == 0
    assert "x" not in table
    assert list(table.with_prefix("")) == []


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"role:deploy": b"\x09"},
        {"role:deploy": b""},
        {"a-first": b"\x07", "zz-last": b"\x08", "role:deploy-pro": b"\x05"},
        {"app/x.yaml": b"", "app/sub/y.yaml": b"", "apple.yaml": b"", "role:deploy": b"\x00"},
        dict.fromkeys(ENTRIES, b""),
        {"never-there": b""},
    ],
    ids=["none", "one-value", "one-out", "new-at-both-ends", "runs-out", "all-out", "absent-out"],
)
def test_merged_changes_give_the_table_of_the_merged_entries(changes: dict[str, bytes]) -> None:
    expected = dict(ENTRIES)
    for key, value in changes.items():
        if value:
            expected[key] = value
        else:
            expected.pop(key, None)
    merged = round_trip(SortedTable.of(ENTRIES).merged(changes))
    assert dict(merged.items()) == expected
    assert list(merged) == sorted(expected)


ONE = SortedTable.of({"ab": b"c"}).dump()


@pytest.mark.parametrize(
    "data",
    [
        ("ab", b"", b"", b""),
        (
            b"ab",
            ONE[1],
            b"c",
            ONE[3],
        ),
        (
            "abc",
            ONE[1],
            b"c",
            ONE[3],
        ),
        ("ab", ONE[1], "c", ONE[3]),
        ("ab", ONE[1][:-1], b"c", b"\0\0\0\0\1\0\0\0"),
        ("ab",),
    ],
    ids=["no-offsets", "bytes-keys", "keys-longer-than-offsets", "str-values", "cut", "short"],
)
def test_data_of_another_shape_is_refused(data: tuple[object, ...]) -> None:
    with pytest.raises((TypeError, ValueError)):
        SortedTable.load(data)


@pytest.mark.parametrize(
    "parts", [[], [""], ["a"], ["a", "", "b"], ["", ""], ["/tmp/x y/é.yaml", "cfn/a.json"]]
)
def test_strings_come_back_as_joined(parts: list[str]) -> None:
    assert split_strings(marshal.loads(marshal.dumps(join_strings(parts)))) == parts


@pytest.mark.parametrize("text", ["a", "a\0b", b"a\0"], ids=["unended", "last-unended", "bytes"])
def test_strings_not_joined_so_are_refused(text: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        split_strings(text)


def test_numbers_come_back_as_packed() -> None:
    assert numbers(packed([0, 1, 2**32 - 1])) == array("I", [0, 1, 2**32 - 1])
    assert numbers(b"") == array("I")


@pytest.mark.parametrize("data", [b"\0\0\0", "abcd", None], ids=["cut", "text", "none"])
def test_numbers_not_packed_so_are_refused(data: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        numbers(data)
