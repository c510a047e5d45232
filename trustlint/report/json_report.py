"""JSON output: every finding with rule, level, message, locations and fingerprint."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, TextIO

from trustlint import __version__
from trustlint.findings import Finding
from trustlint.model import Location
from trustlint.report.escaping import for_json
from trustlint.report.json_stream import LazyList, write_document
from trustlint.results import ScanResult


def location_data(location: Location) -> dict[str, Any]:
    return {
        "path": location.path,
        "line": location.line,
        "column": location.column,
        "end_line": location.end_line,
        "end_column": location.end_column,
    }


def finding_data(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": finding.rule_id,
        "level": finding.level,
        "message": finding.message,
        "location": location_data(finding.location),
        "resource": finding.resource,
        "related": [
            {"message": related.message, "location": location_data(related.location)}
            for related in finding.related
        ],
        "fingerprint": finding.fingerprint,
    }
    if finding.statement:
        data["statement"] = finding.statement
    if finding.suppression is not None:
        data["suppressed"] = {"reason": finding.suppression.reason}
    return data


def render_json(result: ScanResult, findings: list[Finding]) -> str:
    buffer = io.StringIO()
    write_json(buffer, result, findings)
    return buffer.getvalue()


def write_json(stream: TextIO, result: ScanResult, findings: list[Finding]) -> None:
    """Write the JSON report to `stream`, one finding at a time (the text `render_json` gives)."""
    from trustlint.catalogue import load_catalogue

    catalogue = load_catalogue()

    def entries() -> Iterator[dict[str, Any]]:
        for finding in findings:
            data = finding_data(finding)
            rule = catalogue.get(finding.rule_id)
            if rule is not None:
                data["name"] = rule.name
            yield for_json(data)

    counted = [f for f in findings if f.suppression is None]
    document = {
        "tool": {"name": "trustlint", "version": __version__},
        "findings": LazyList(len(findings), entries()),
        "summary": {
            "findings": len(counted),
            "error": sum(1 for f in counted if f.level == "error"),
            "warning": sum(1 for f in counted if f.level == "warning"),
            "note": sum(1 for f in counted if f.level == "note"),
            "suppressed": len(result.suppressed),
            "baselined": len(result.baselined),
            "stale_baseline": result.stale_baseline,
            "files": len({p for unit in result.units for p in unit.paths}),
        },
    }
    write_document(stream, document)
