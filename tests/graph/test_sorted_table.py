"""SortedTable: the link index's read-only maps, found by binary search."""

from __future__ import annotations

import marshal

import pytest

from trustlint.graph.sorted_table import SortedTable

ENTRIES = {
    "role:deploy": "a.yaml",
    "role:deploy-prod": "b.yaml\0c.yaml",
    "policy:é-unicode": "d.yaml",
    "group:admins": "",
    "app/x.yaml": "app/x.yaml",
    "app/sub/y.yaml": "app/sub/y.yaml",
    "apple.yaml": "apple.yaml",
}


def round_trip(entries: dict[str, str]) -> SortedTable:
    return SortedTable.load(marshal.loads(marshal.dumps(SortedTable.of(entries).dump())))


def test_every_key_is_found_with_its_value_and_no_other() -> None:
    table = round_trip(ENTRIES)
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
    table = round_trip(ENTRIES)
    assert [key for key, _ in table.with_prefix("app/")] == ["app/sub/y.yaml", "app/x.yaml"]
    assert list(table.with_prefix("nothing/")) == []


def test_an_empty_table_answers_nothing() -> None:
    table = round_trip({})
    assert len(table) == 0
    assert "x" not in table
    assert list(table.with_prefix("")) == []


@pytest.mark.parametrize(
    "data",
    [
        ("ab", b"", "", b""),
        (b"ab", SortedTable.of({"ab": "c"}).dump()[1], "c", SortedTable.of({"ab": "c"}).dump()[3]),
        ("abc", SortedTable.of({"ab": "c"}).dump()[1], "c", SortedTable.of({"ab": "c"}).dump()[3]),
        ("ab",),
    ],
    ids=["no-offsets", "bytes-keys", "keys-longer-than-offsets", "short"],
)
def test_data_of_another_shape_is_refused(data: tuple[object, ...]) -> None:
    with pytest.raises((TypeError, ValueError)):
        SortedTable.load(data)
