"""SARIF's line hashes, made where a file's bytes are in hand and carried by its unit.

`primaryLocationLineHash` (`trustlint.report.line_hash`) hashes a file's
lines. Reading and hashing every file with findings again once the scan is
done costs seconds on a large project, one file after another; the loader
has the bytes already, in the parse workers. So:

- `attach`: where a unit is made, from the very bytes that were parsed, the
  hashes (with their counts) of the lines a result can point at: those of
  every location the unit's model holds, which is where checks report. A few
  lines a file, not a table of every line. The parse cache stores them with
  the unit, and the pruned unit a scan keeps to the end (`pruning.for_graph`)
  holds them all: on the benchmark corpus, 1 line in 8, 2 MB per 1,000
  files. (Keeping only the lines of the pruned unit's locations and of its
  findings would halve that, but walk every unit again on each warm run.)
- `table_for` / `hashes`: the SARIF writer's look-up. A line no unit holds
  (a file no worker read, a finding placed elsewhere) is hashed from the file
  as before.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from pathlib import Path
from typing import Any

from trustlint.model import LineHashes, Location, SourceUnit
from trustlint.records import fields, replace


def attach(unit: SourceUnit | None, read: Mapping[str, bytes], root: Path) -> SourceUnit | None:
    """`unit` with the line hashes of its files that are in `read` (absolute path -> bytes)."""
    if unit is None or not read:
        return unit
    from trustlint.report.line_hash import chosen_hashes

    wanted = _lines(unit)
    tables = []
    for relative in unit.paths:
        data = read.get(os.path.abspath(os.path.join(root, relative)))
        lines = wanted.get(relative)
        if data is None or not lines:
            continue
        found = chosen_hashes(data, lines)
        held = array("I", map(itemgetter(0), found))
        values = array("Q", map(itemgetter(1), found))
        counts = array("I", map(itemgetter(2), found))
        tables.append(LineHashes(relative, held.tobytes(), values.tobytes(), counts.tobytes()))
    if not tables:
        return unit
    return replace(unit, line_hashes=tuple(tables))


def table_for(units: Iterable[SourceUnit]) -> dict[str, LineHashes]:
    """Project-relative path -> the line hashes a unit holds for it (the first unit's)."""
    tables: dict[str, LineHashes] = {}
    for unit in units:
        for table in unit.line_hashes:
            tables.setdefault(table.path, table)
    return tables


def hashes(table: LineHashes, lines: Iterable[int]) -> dict[int, str]:
    """`HASH:COUNT` of each of `lines` that `table` holds."""
    held = dict(
        zip(
            _unpacked("I", table.lines),
            zip(_unpacked("Q", table.values), _unpacked("I", table.counts), strict=True),
            strict=True,
        )
    )
    result: dict[int, str] = {}
    for line in lines:
        found = held.get(line)
        if found is not None:
            result[line] = f"{found[0]:x}:{found[1]}"
    return result


def _unpacked(code: str, data: bytes) -> array[int]:
    values = array(code)
    values.frombytes(data)
    return values


def _lines(unit: SourceUnit) -> dict[str, set[int]]:
    """Path -> the lines of every location the unit's model holds.

    The model is a tree of records and tuples (no cycles), walked with
    each class's fields fetched at once (`attrgetter`).
    """
    found: dict[str, set[int]] = {}
    stack: list[object] = [
        getattr(unit, item.name) for item in fields(unit) if item.name != "line_hashes"
    ]
    pop, extend = stack.pop, stack.extend
    getters = _GETTERS
    while stack:
        item = pop()
        kind = type(item)
        if kind is tuple:
            extend(item)  # type: ignore[arg-type]
            continue
        if kind is Location:
            location: Location = item  # type: ignore[assignment]
            lines = found.get(location.path)
            if lines is None:
                lines = found[location.path] = set()
            lines.add(location.line)
            continue
        if kind in getters:
            getter = getters[kind]
        else:
            getter = getters[kind] = getattr(kind, "__record_values__", None)
        if getter is None:
            if kind is list:
                extend(item)  # type: ignore[arg-type]
            continue
        if isinstance(item, Location):  # a subclass (`PassedLocation`): it and what it holds
            found.setdefault(item.path, set()).add(item.line)
        extend(getter(item))
    return found


_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}
"""Per class, what fetches all its fields (`records`' own getter); None for a class
that is no record."""
