"""SARIF's line hashes, made where a file's bytes are in hand and carried by its unit.

`primaryLocationLineHash` (`trustlint.report.line_hash`) hashes a file's
lines. Reading and hashing every file with findings again once the scan is
done costs seconds on a large project, one file after another; the loader
has the bytes already, in the parse workers. So:

- `attach`: where a unit is made, the window hash of every line of each file
  it was read from (`LineHashes` with no `lines`), from the very bytes that
  were parsed. The parse cache stores it with the unit.
- `keep`: once the single-unit checks have run (in the workers too), only
  the lines a result can point at: those of the unit's findings and of every
  location the pruned unit holds (the graph checks report at those), each
  with its count. A few lines a file, not a table of every line.
- `table_for` / `hashes`: the SARIF writer's look-up. A line no unit kept
  (a file no worker read) is hashed from the file as before.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from operator import attrgetter
from pathlib import Path
from typing import Any

from trustlint.findings import Finding
from trustlint.model import LineHashes, Location, SourceUnit


def attach(unit: SourceUnit | None, read: Mapping[str, bytes], root: Path) -> SourceUnit | None:
    """`unit` with the line hashes of its files that are in `read` (absolute path -> bytes)."""
    if unit is None or not read:
        return unit
    from trustlint.report.line_hash import window_table

    tables = []
    for relative in unit.paths:
        data = read.get(os.path.abspath(os.path.join(root, relative)))
        if data is not None:
            tables.append(LineHashes(relative, window_table(data).tobytes()))
    if not tables:
        return unit
    return replace(unit, line_hashes=tuple(tables))


def keep(unit: SourceUnit, findings: Iterable[Finding]) -> SourceUnit:
    """`unit` with the line hashes of the lines its locations and `findings` are on only."""
    if not unit.line_hashes:
        return unit
    wanted = _lines(unit)
    for finding in findings:
        wanted.setdefault(finding.location.path, set()).add(finding.location.line)
    kept = tuple(
        _kept(table, wanted[table.path]) for table in unit.line_hashes if table.path in wanted
    )
    return replace(unit, line_hashes=kept)


def table_for(units: Iterable[SourceUnit]) -> dict[str, LineHashes]:
    """Project-relative path -> the line hashes a unit holds for it (the first unit's)."""
    tables: dict[str, LineHashes] = {}
    for unit in units:
        for table in unit.line_hashes:
            tables.setdefault(table.path, table)
    return tables


def hashes(table: LineHashes, lines: Iterable[int]) -> dict[int, str]:
    """`HASH:COUNT` of each of `lines` that `table` has."""
    from trustlint.report.line_hash import select

    if not table.lines:
        return select(_unpacked("Q", table.values), lines)
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


def _kept(table: LineHashes, wanted: set[int]) -> LineHashes:
    lines, values, counts = array("I"), array("Q"), array("I")
    if table.lines:  # some lines only already: keep those of them wanted
        held: Iterable[tuple[int, int, int]] = zip(
            _unpacked("I", table.lines),
            _unpacked("Q", table.values),
            _unpacked("I", table.counts),
            strict=True,
        )
        held = [entry for entry in held if entry[0] in wanted]
    else:
        from trustlint.report.line_hash import counted

        held = counted(_unpacked("Q", table.values), wanted)
    for line, value, count in held:
        lines.append(line)
        values.append(value)
        counts.append(count)
    return LineHashes(table.path, values.tobytes(), lines.tobytes(), counts.tobytes())


def _unpacked(code: str, data: bytes) -> array[int]:
    values = array(code)
    values.frombytes(data)
    return values


def _lines(unit: SourceUnit) -> dict[str, set[int]]:
    """Path -> the lines of every location the unit's model holds.

    The model is a tree of dataclasses and tuples (no cycles), walked with
    each class's fields fetched at once (`attrgetter`).
    """
    found: dict[str, set[int]] = {}
    stack: list[object] = [
        getattr(unit, name) for name in unit.__dataclass_fields__ if name != "line_hashes"
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
            getter = getters[kind] = _getter(kind)
        if getter is None:
            if kind is list:
                extend(item)  # type: ignore[arg-type]
            continue
        if isinstance(item, Location):  # a subclass (`PassedLocation`): it and what it holds
            found.setdefault(item.path, set()).add(item.line)
        extend(getter(item))
    return found


_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}
"""Per class, what fetches all its fields; None for a class that is no dataclass."""


def _getter(kind: type) -> Callable[[Any], tuple[Any, ...]] | None:
    names = tuple(getattr(kind, "__dataclass_fields__", ()))
    if not names:
        return None
    if len(names) == 1:
        name = names[0]
        return lambda item: (getattr(item, name),)
    return attrgetter(*names)
