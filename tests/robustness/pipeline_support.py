"""The whole analysis of a few sources, with every hidden crash made loud.

`dispatch` turns an exception in a front-end into a TL000 "internal error",
and the front-ends turn a `RecursionError` into a TL000 saying the input is
nested too deeply: right for users, but it hides a bug from a test or a
fuzzer. `analyse` runs the front-ends, every check and every reporter, and
raises `PipelineError` when any stage raised, hid an exception or a
`RecursionError`, located something at a span that ends before it starts,
or wrote output that is not UTF-8.

It imports nothing from the test suite, so the fuzz harnesses (`fuzz/`)
use it too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from trustlint.config import Config, LoadOptions
from trustlint.findings import Finding
from trustlint.frontends.dispatch import load_file, load_terraform
from trustlint.model import Location, SourceUnit
from trustlint.records import fields, is_record

HIDDEN_CRASHES = (
    "internal error while reading",
    "nested too deeply to read",
    "nested too deeply to evaluate",
    "more than the reader supports",
    "not enough memory",
)
"""Parts of TL000 messages that only an exception caught inside trustlint produces."""

_DISPATCH_LOGGER = "trustlint.frontends.dispatch"


class PipelineError(AssertionError):
    """A stage of the analysis crashed, or hid a crash as a TL000."""


class _ExceptionRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@contextmanager
def _caught_by_dispatch() -> Iterator[_ExceptionRecords]:
    """The exceptions `dispatch` logs while turning them into TL000."""
    logger = logging.getLogger(_DISPATCH_LOGGER)
    handler = _ExceptionRecords()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def load_sources(
    paths: Sequence[Path], root: Path, options: LoadOptions | None = None
) -> list[SourceUnit]:
    """Each file through `load_file`, each directory as a Terraform module."""
    options = options or LoadOptions()
    units: list[SourceUnit] = []
    with _caught_by_dispatch() as caught:
        for path in paths:
            unit = (
                load_terraform(path, root, options)
                if path.is_dir()
                else load_file(path, root, options)
            )
            if unit is not None:
                units.append(unit)
    if caught.records:
        record = caught.records[0]
        raise PipelineError(record.getMessage()) from (
            record.exc_info[1] if record.exc_info else None
        )
    for unit in units:
        for error in unit.errors:
            if any(part in error.message for part in HIDDEN_CRASHES):
                raise PipelineError(f"{error.location.path}: {error.message}")
    return units


def malformed_locations(value: object) -> list[str]:
    """Every `Location` reachable from `value` (units, findings) that is not a span:
    a line or column under 1, or an end before the start."""
    found: list[str] = []
    seen: set[int] = set()
    pending: list[object] = [value]
    while pending:
        current = pending.pop()
        if id(current) in seen or isinstance(current, str | int | float | bool | None):
            continue
        seen.add(id(current))
        if isinstance(current, Location):
            if min(current.line, current.column) < 1 or (current.end_line, current.end_column) < (
                current.line,
                current.column,
            ):
                found.append(repr(current))
        elif isinstance(current, dict):
            pending.extend(current.values())
        elif isinstance(current, list | tuple | set | frozenset):
            pending.extend(current)
        elif is_record(current):
            pending.extend(getattr(current, item.name) for item in fields(current))
    return found


def run_checks(units: list[SourceUnit], config: Config | None = None) -> list[Finding]:
    """Every check over `units`, as a scan runs them (no suppressions, no baseline)."""
    from trustlint.checks import CheckContext, all_checks
    from trustlint.project import Project

    context = CheckContext(Project(units, config or Config()), strict=True)
    findings: list[Finding] = []
    for check in all_checks().values():
        findings.extend(check(context))
    return sorted(findings, key=Finding.sort_key)


def render_all(root: Path, units: list[SourceUnit], findings: list[Finding]) -> list[str]:
    """The text, JSON and SARIF reports of `findings`; each must be writable as UTF-8."""
    from trustlint.engine import ScanResult
    from trustlint.report.json_report import render_json
    from trustlint.report.sarif import render_sarif
    from trustlint.report.text import render_text

    result = ScanResult(root=root, config=Config(), units=units, findings=findings)
    reports = [
        render_text(result, findings, colour=False),
        render_json(result, findings),
        render_sarif(result, findings),
    ]
    for report in reports:
        try:
            report.encode("utf-8")
        except UnicodeEncodeError as error:
            raise PipelineError(f"a report cannot be written as UTF-8: {error}") from error
    return reports


def analyse(paths: Sequence[Path], root: Path, options: LoadOptions | None = None) -> list[Finding]:
    """Load, check and report; the findings, or `PipelineError`."""
    units = load_sources(paths, root, options)
    findings = run_checks(units)
    malformed = malformed_locations([units, findings])
    if malformed:
        raise PipelineError(f"locations that are not spans: {', '.join(malformed[:3])}")
    parse_errors = [
        Finding("TL000", "error", error.message, error.location, resource=error.location.path)
        for unit in units
        for error in unit.errors
    ]
    render_all(root, units, sorted([*findings, *parse_errors], key=Finding.sort_key))
    return findings
