"""GitHub Actions workflow commands: one annotation a finding, shown on the pull request.

`::error file=templates/roles.yaml,line=12,col=9,endLine=12,endColumn=14,title=TL001
wildcard-principal::Role ...`. Our `error`, `warning` and `note` become `::error`,
`::warning` and `::notice`. Text from the scanned files is made inert first
(`escaping.for_text`: ESC, CR, LF, bidi controls as `\\x1b`-style escapes),
then the message is escaped as GitHub's toolkit escapes it (`%`, CR, LF), property
values also for `:` and `,`, which delimit properties: no text can end the
annotation or start a workflow command of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from trustlint.findings import Finding
from trustlint.report.escaping import for_text, github_data, github_property
from trustlint.results import ScanResult

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def render_github(result: ScanResult, findings: Sequence[Finding]) -> str:
    from trustlint.catalogue import load_catalogue

    names = {rule.id: rule.name for rule in load_catalogue().values()}
    lines = [annotation(finding, names.get(finding.rule_id)) for finding in findings]
    if result.stale_baseline:
        stale = len(result.stale_baseline)
        entries = (
            "1 baseline entry no longer matches"
            if stale == 1
            else (f"{stale} baseline entries no longer match")
        )
        lines.append(
            workflow_command(
                "notice",
                {"title": "trustlint baseline"},
                f"{entries} any finding; rewrite the baseline with --write-baseline to prune",
            )
        )
    lines.append(_summary(result, findings))
    return "\n".join(lines) + "\n"


def annotation(finding: Finding, rule_name: str | None) -> str:
    """The workflow command that annotates `finding`."""
    location = finding.location
    properties = {"file": for_text(location.path), "line": str(location.line)}
    if location.end_line == location.line:
        # GitHub accepts columns only on a one-line annotation.
        properties["col"] = str(location.column)
        properties["endLine"] = str(location.end_line)
        properties["endColumn"] = str(max(location.end_column, location.column))
    else:
        properties["endLine"] = str(location.end_line)
    title = f"{finding.rule_id} {rule_name}" if rule_name else finding.rule_id
    message = for_text(finding.message)
    command = _COMMANDS[finding.level]
    if finding.suppression is not None:
        command = "notice"
        title += " (suppressed)"
        message += f"\nSuppressed: {for_text(finding.suppression.reason)}"
    properties["title"] = title
    for related in finding.related:
        where = related.location
        message += (
            f"\n{for_text(where.path)}:{where.line}:{where.column}: {for_text(related.message)}"
        )
    return workflow_command(command, properties, message)


def workflow_command(command: str, properties: dict[str, str], message: str) -> str:
    """`::command key=value,...::message`; the caller has made scanned text inert (`for_text`)."""
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{command} {rendered}::{escape_data(message)}"


escape_data = github_data
escape_property = github_property


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(result: ScanResult, findings: Sequence[Finding]) -> str:
    """A plain log line after the annotations."""
    counted = [f for f in findings if f.suppression is None]
    by_level = {level: sum(1 for f in counted if f.level == level) for level in _COMMANDS}
    parts = [
        f"trustlint: {_plural(len(counted), 'finding')} ({_plural(by_level['error'], 'error')}, "
        f"{_plural(by_level['warning'], 'warning')}, {_plural(by_level['note'], 'note')})"
    ]
    if result.suppressed:
        parts.append(f"{len(result.suppressed)} suppressed")
    if result.baselined:
        parts.append(f"{len(result.baselined)} accepted by the baseline")
    return "; ".join(parts) + "."
