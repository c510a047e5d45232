"""SARIF 2.1.0 output for GitHub code scanning (SPEC section 8).

One run. The driver describes every rule of the catalogue; each result points
at the principal, condition or property with a path relative to the
repository root (`%SRCROOT%`), and carries two fingerprints: the
`primaryLocationLineHash` that GitHub's upload-sarif would compute (see
`line_hash`) and trustlint's logical fingerprint, which survives code moving.
Files that could not be read or parsed (TL000) are also tool execution
notifications. The output holds no time stamps or absolute paths, so the same
input gives the same bytes.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from itertools import groupby
from typing import Any, TextIO
from urllib.parse import quote

from trustlint import __version__
from trustlint.catalogue import INFORMATION_URI, RuleInfo, load_catalogue
from trustlint.findings import Finding
from trustlint.line_hashes import hashes as held_hashes
from trustlint.line_hashes import table_for
from trustlint.model import Location
from trustlint.report.escaping import for_json, for_sarif_message
from trustlint.report.json_stream import LazyList, write_document
from trustlint.report.line_hash import file_line_hashes
from trustlint.report.sarif_limits import cap_for_github
from trustlint.results import PARSE_ERROR, ScanResult

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
LOGICAL_FINGERPRINT = "trustlint/v1"
"""The `partialFingerprints` key of `Finding.fingerprint`; bump it if that changes."""
LINE_HASH = "primaryLocationLineHash"

_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}


def render_sarif(
    result: ScanResult,
    findings: Sequence[Finding],
    show_suppressed: bool = False,
    *,
    catalogue: Mapping[str, RuleInfo] | None = None,
) -> str:
    """The SARIF log of `findings` (those the caller chose to show) as JSON text."""
    buffer = io.StringIO()
    write_sarif(buffer, result, findings, show_suppressed, catalogue=catalogue)
    return buffer.getvalue()


def write_sarif(
    stream: TextIO,
    result: ScanResult,
    findings: Sequence[Finding],
    show_suppressed: bool = False,
    *,
    catalogue: Mapping[str, RuleInfo] | None = None,
) -> None:
    """Write the SARIF log of `findings` to `stream`, the same text `render_sarif` gives.

    The results are built and written one at a time (with the line hashes of
    one file at a time), so a scan with many findings never holds the whole
    document.
    """
    import sarif_om as sarif

    rules = dict(sorted((catalogue if catalogue is not None else load_catalogue()).items()))
    capped = cap_for_github(sorted(findings, key=Finding.sort_key))
    ordered = capped.findings
    for finding in ordered:
        rules.setdefault(finding.rule_id, _placeholder_rule(finding))
    rule_index = {rule_id: index for index, rule_id in enumerate(rules)}

    invocation = sarif.Invocation(
        execution_successful=True,
        tool_execution_notifications=[
            *_parse_error_notifications(sarif, result, ordered, rule_index),
            *(
                sarif.Notification(level="warning", message=sarif.Message(text=text))
                for text in capped.notices()
            ),
        ]
        or None,
        tool_configuration_notifications=_baseline_notifications(sarif, result) or None,
    )
    run = sarif.Run(
        tool=sarif.Tool(
            driver=sarif.ToolComponent(
                name="trustlint",
                version=__version__,
                semantic_version=__version__,
                information_uri=INFORMATION_URI,
                rules=[_rule_descriptor(sarif, rule) for rule in rules.values()],
            )
        ),
        original_uri_base_ids={
            SOURCE_ROOT: sarif.ArtifactLocation(
                description=sarif.Message(text="The root of the repository that was scanned.")
            )
        },
        column_kind="unicodeCodePoints",
        invocations=[invocation],
        properties=_baseline_properties(result),
    )
    log = _to_json(sarif.SarifLog(schema_uri=SARIF_SCHEMA, version=SARIF_VERSION, runs=[run]))
    document = for_json({"$schema": log.pop("$schema"), "version": log.pop("version"), **log})
    results = (
        for_json(_to_json(_result(sarif, finding, rule_index, hashes, show_suppressed)))
        for finding, hashes in _with_line_hashes(result, ordered)
    )
    # `results` is the run's last property that is set (`_to_json` keeps the
    # schema's order, and those after it are never set here).
    document["runs"][0]["results"] = LazyList(len(ordered), results, one_per_line=True)
    write_document(stream, document)


def _rule_descriptor(sarif: Any, rule: RuleInfo) -> Any:
    tags = list(dict.fromkeys((*rule.tags, "security")))
    return sarif.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=sarif.MultiformatMessageString(text=rule.short_description),
        full_description=sarif.MultiformatMessageString(text=rule.full_description),
        help=sarif.MultiformatMessageString(text=rule.help, markdown=rule.help),
        help_uri=rule.help_uri,
        default_configuration=sarif.ReportingConfiguration(level=rule.level),
        properties={
            "tags": tags,
            "precision": rule.precision,
            "problem.severity": _PROBLEM_SEVERITY[rule.level],
            "security-severity": rule.security_severity,
        },
    )


def _placeholder_rule(finding: Finding) -> RuleInfo:
    """A descriptor for a rule id missing from the catalogue, so every result has one."""
    text = f"trustlint rule {finding.rule_id}; its description is not installed."
    return RuleInfo(
        id=finding.rule_id,
        name="undocumented-rule",
        level=finding.level,
        security_severity="5.0",
        tags=("security",),
        precision="medium",
        short_description=text,
        full_description=text,
        help=text + "\n",
    )


def _result(
    sarif: Any,
    finding: Finding,
    rule_index: Mapping[str, int],
    hashes: Mapping[int, str],
    show_suppressed: bool,
) -> Any:
    fingerprints = {LOGICAL_FINGERPRINT: finding.fingerprint}
    line_hash = hashes.get(finding.location.line)
    if line_hash is not None:
        fingerprints[LINE_HASH] = line_hash
    suppressions = None
    if show_suppressed:
        # upload-sarif wants every result to carry `suppressions` or none to.
        suppressions = []
        if finding.suppression is not None:
            suppressions.append(
                sarif.Suppression(
                    kind="inSource", justification=for_sarif_message(finding.suppression.reason)
                )
            )
    return sarif.Result(
        rule_id=finding.rule_id,
        rule_index=rule_index[finding.rule_id],
        level=finding.level,
        message=sarif.Message(text=for_sarif_message(finding.message)),
        locations=[sarif.Location(physical_location=_physical_location(sarif, finding.location))],
        related_locations=[
            sarif.Location(
                id=number,
                physical_location=_physical_location(sarif, related.location),
                message=sarif.Message(text=for_sarif_message(related.message)),
            )
            for number, related in enumerate(finding.related, start=1)
        ]
        or None,
        code_flows=_code_flows(sarif, finding) or None,
        partial_fingerprints=dict(sorted(fingerprints.items())),
        suppressions=suppressions,
    )


def _code_flows(sarif: Any, finding: Finding) -> list[Any]:
    """A finding's path (TL014's chain) as one thread flow: GitHub shows it as the alert's path."""
    if not finding.flow:
        return []
    steps = [
        sarif.ThreadFlowLocation(
            location=sarif.Location(
                physical_location=_physical_location(sarif, step.location),
                message=sarif.Message(text=step.message),
            ),
            execution_order=order,
        )
        for order, step in enumerate(finding.flow, start=1)
    ]
    return [sarif.CodeFlow(thread_flows=[sarif.ThreadFlow(locations=steps)])]


def _physical_location(sarif: Any, location: Location) -> Any:
    start_line = max(location.line, 1)
    start_column = max(location.column, 1)
    end_line = max(location.end_line, start_line)
    end_column = location.end_column
    if end_line == start_line:
        end_column = max(end_column, start_column)
    return sarif.PhysicalLocation(
        artifact_location=sarif.ArtifactLocation(
            uri=artifact_uri(location.path), uri_base_id=SOURCE_ROOT
        ),
        region=sarif.Region(
            start_line=start_line,
            start_column=start_column,
            end_line=end_line,
            end_column=max(end_column, 1),
        ),
    )


def artifact_uri(path: str) -> str:
    """A project-relative path as a relative URI reference: forward slashes, escaped.

    A name byte that is not UTF-8 (kept as a lone surrogate by `surrogateescape`)
    is percent-encoded as that byte, which is what the file is called.
    """
    normal = posixpath.normpath(path.replace("\\", "/"))
    if normal.startswith("/") or normal == ".." or normal.startswith("../"):
        raise ValueError(f"finding path {path!r} is not inside the project root")
    # A name that is not UTF-8 (surrogateescape'd) is percent-encoded as its own bytes.
    return quote(normal.removeprefix("./").encode("utf-8", "surrogateescape"), safe="/")


def _with_line_hashes(
    result: ScanResult, ordered: Sequence[Finding]
) -> Iterator[tuple[Finding, Mapping[int, str]]]:
    """Each finding (sorted by path) with the line hashes of its file, one file at a time.

    The hashes the units made from the bytes they were parsed from
    (`trustlint.line_hashes`); a line none of them holds is hashed from the
    file as it is now.
    """
    tables = table_for(result.units)
    for path, group in groupby(ordered, key=lambda finding: finding.location.path):
        findings = list(group)
        lines = {finding.location.line for finding in findings}
        table = tables.get(path)
        hashes = held_hashes(table, lines) if table is not None else {}
        if len(hashes) < len(lines):
            hashes = {**file_line_hashes(result.root / path, lines - set(hashes)), **hashes}
        for finding in findings:
            yield finding, hashes


def _parse_error_notifications(
    sarif: Any, result: ScanResult, findings: Sequence[Finding], rule_index: Mapping[str, int]
) -> list[Any]:
    """The shown TL000 findings that are unreadable or unparsable files."""
    parse_errors = {
        (error.location, error.message)
        for error in (*result.errors, *(e for unit in result.units for e in unit.errors))
        if error.level == "error"
    }
    return [
        sarif.Notification(
            level=finding.level,
            message=sarif.Message(
                text=for_sarif_message(f"{finding.location.path}: {finding.message}")
            ),
            locations=[
                sarif.Location(physical_location=_physical_location(sarif, finding.location))
            ],
            associated_rule=sarif.ReportingDescriptorReference(
                id=PARSE_ERROR, index=rule_index[PARSE_ERROR]
            ),
        )
        for finding in findings
        if finding.rule_id == PARSE_ERROR and (finding.location, finding.message) in parse_errors
    ]


def _baseline_notifications(sarif: Any, result: ScanResult) -> list[Any]:
    stale = len(result.stale_baseline)
    if not stale:
        return []
    entries = (
        "1 baseline entry no longer matches"
        if stale == 1
        else (f"{stale} baseline entries no longer match")
    )
    return [
        sarif.Notification(
            level="note",
            message=sarif.Message(
                text=f"{entries} any finding; rewrite the baseline with --write-baseline to prune"
            ),
        )
    ]


def _baseline_properties(result: ScanResult) -> dict[str, Any] | None:
    if not result.baselined and not result.stale_baseline:
        return None
    return {
        "baseline": {
            "accepted": len(result.baselined),
            "stale": [dict(sorted(entry.items())) for entry in result.stale_baseline],
        }
    }


# The generated `sarif_om` classes give many properties a default (rank -1,
# language en-US, byteOffset -1); writing those out is noise. A property is
# written when it is set and differs from its default, and `level` always,
# since readers should not have to know that SARIF's default is `warning`.
_ALWAYS_WRITTEN = frozenset({"level"})
# Identifying properties first, for people reading the file; the rest keep the
# schema's (alphabetical) order.
_LEADING = (
    *("id", "ruleId", "ruleIndex", "name", "level", "message"),
    *("startLine", "startColumn", "endLine", "endColumn"),
)


def _to_json(value: Any) -> Any:
    kind: type = type(value)
    fields = _schema_fields(kind)
    if fields is not None:
        data: dict[str, Any] = {}
        for attribute, name, default in fields:
            item = getattr(value, attribute)
            if item is None or (item == default and name not in _ALWAYS_WRITTEN):
                continue
            data[name] = _to_json(item)
        leading = {name: data.pop(name) for name in _LEADING if name in data}
        return {**leading, **data}
    if isinstance(value, Mapping):
        return {str(key): _to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(item) for item in value]
    return value


@cache
def _schema_fields(kind: type) -> tuple[tuple[str, str, Any], ...] | None:
    """(attribute, SARIF property, default) of each field of a `sarif_om` class; None for others.

    Looked up once a class: a large scan writes thousands of results.
    """
    import attr

    if not attr.has(kind):
        return None
    fields = []
    for field in attr.fields(kind):
        default = field.default
        if isinstance(default, attr.Factory):  # type: ignore[arg-type]
            default = default.factory()
        fields.append((field.name, field.metadata["schema_property_name"], default))
    return tuple(fields)
