"""`trustlint inspect`: the extracted model as JSON, so users see what was understood."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from trustlint.model import Location, SourceUnit, Unknown
from trustlint.records import fields, is_record
from trustlint.report.escaping import for_json

_NOT_SHOWN = frozenset({"line_hashes"})
"""Fields that are not what was understood of the source (SARIF's line hashes)."""


def model_to_data(value: Any) -> Any:
    """Any model object as plain JSON data; empty fields are left out."""
    if isinstance(value, Location):
        return f"{value.path}:{value.line}:{value.column}-{value.end_line}:{value.end_column}"
    if isinstance(value, Unknown):
        data: dict[str, Any] = {"unknown": value.text}
        if value.reason:
            data["reason"] = value.reason
        if value.location is not None:
            data["location"] = model_to_data(value.location)
        return data
    if is_record(value):
        result: dict[str, Any] = {}
        for field in fields(value):
            if field.name in _NOT_SHOWN:
                continue
            item = getattr(value, field.name)
            if item is None or item == () or item is False:
                continue
            result[field.name] = model_to_data(item)
        return result
    if isinstance(value, tuple | list):
        return [model_to_data(item) for item in value]
    return value


def render_inspect(units: Iterable[SourceUnit]) -> str:
    ordered = sorted(units, key=lambda unit: unit.unit)
    data = {"units": [model_to_data(u) for u in ordered]}
    return json.dumps(for_json(data), indent=2) + "\n"
