"""Reports written as they are built give the bytes `json.dumps(document, indent=2)` gives."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from trustlint.report.json_stream import LazyList, write_document


def written(document: Any) -> str:
    stream = io.StringIO()
    write_document(stream, document)
    return stream.getvalue()


def results(count: int) -> list[dict[str, Any]]:
    return [
        {"ruleId": f"TL00{n % 9}", "locations": [{"line": n}], "text": 'é\n"'} for n in range(count)
    ]


@pytest.mark.parametrize("count", [0, 1, 3, 5000])
def test_a_lazy_list_is_written_as_the_list_of_its_items(count: int) -> None:
    document = {"version": "2.1.0", "runs": [{"tool": {"name": "x"}, "results": results(count)}]}
    lazy = {
        "version": "2.1.0",
        "runs": [{"tool": {"name": "x"}, "results": LazyList(count, iter(results(count)))}],
    }
    assert written(lazy) == json.dumps(document, indent=2) + "\n"


def test_items_are_made_as_they_are_written() -> None:
    made: list[int] = []

    def items() -> Iterator[int]:
        for number in range(3):
            made.append(number)
            yield number

    lazy = LazyList(3, items())
    assert made == []
    text = written({"a": lazy, "b": True})
    assert text == '{\n  "a": [\n    0,\n    1,\n    2\n  ],\n  "b": true\n}\n'
    assert made == [0, 1, 2]


def test_a_one_per_line_list_has_each_item_on_a_line_of_its_own() -> None:
    items = [{"ruleId": "TL001", "locations": [{"line": 7}]}, {"text": 'é\n"'}]
    document = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"name": "x", "rules": [1, 2]},
                "results": LazyList(2, iter(items), one_per_line=True),
            }
        ],
        "last": {},
    }
    assert written(document) == (
        "{\n"
        '  "version": "2.1.0",\n'
        '  "runs": [\n'
        "    {\n"
        '      "tool": {\n'
        '        "name": "x",\n'
        '        "rules": [\n'
        "          1,\n"
        "          2\n"
        "        ]\n"
        "      },\n"
        '      "results": [\n'
        '        {"ruleId": "TL001", "locations": [{"line": 7}]},\n'
        '        {"text": "\\u00e9\\n\\""}\n'
        "      ]\n"
        "    }\n"
        "  ],\n"
        '  "last": {}\n'
        "}\n"
    )


@pytest.mark.parametrize("count", [0, 1, 5000])
def test_a_one_per_line_list_reads_back_as_the_list_of_its_items(count: int) -> None:
    document = {"runs": [{"results": results(count)}]}
    lazy = {"runs": [{"results": LazyList(count, iter(results(count)), one_per_line=True)}]}
    text = written(lazy)
    assert json.loads(text) == document
    assert len(text.splitlines()) == (8 + count if count else 7)
