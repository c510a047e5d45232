"""Inline suppression comments: `# trustlint:ignore TL002 reason`.

Front-ends call `comment_suppressions` on the text of YAML and HCL files; the
engine decides which findings a suppression covers (SPEC section 7) and
reports the ones it cannot apply (SPEC section 10): no reason, a rule id that
does not exist, or a form trustlint does not read. A near miss such as
`# trustlint: ignore` must never look like it works while suppressing nothing,
and a typo such as `TL01` must never widen into "every rule".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from trustlint.findings import Finding
from trustlint.model import Location, SourceUnit, Suppression
from trustlint.patterns import lazy_compile
from trustlint.records import replace

_MARKER = "trustlint:ignore"
_PARSE_ERROR = "TL000"
"""The parse-error rule (`results.PARSE_ERROR`): never suppressed."""
_COMMENT_START = r"(?:#|//|/\*)\s*"
_COMMENT = lazy_compile(_COMMENT_START + r"trustlint:ignore(?![\w-])[ \t:]*(?P<rest>[^\n]*)")
_NEAR_MISS = lazy_compile(
    _COMMENT_START
    + r"(?P<text>trustlint\s*[-_:.=]?\s*(?:ignore|disable|skip|noqa|suppress|nosec)[\w-]*)",
    re.IGNORECASE,
)
_RULE_TOKEN = lazy_compile(r"(?:TL\d+|[A-Z]{2}\d{3})(?![\w-])", re.IGNORECASE)
_SEPARATOR = lazy_compile(r"\s*,\s*|\s+")
_MENTION = lazy_compile("trustlint", re.IGNORECASE)


def comment_suppressions(text: str, path: str) -> tuple[Suppression, ...]:
    """Every `trustlint:ignore` comment in `text`, and near misses. Cheap when there is none."""
    if _MENTION.search(text) is None:
        return ()
    found: list[Suppression] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if "trustlint" not in line.lower():
            continue
        location = Location(path, line_number, 1, line_number, len(line) + 1)
        match = _COMMENT.search(line)
        if match is not None:
            rules, reason = _rules_and_reason(match.group("rest"))
            column = match.start() + 1
            found.append(Suppression(rules, reason, _at_column(location, column)))
            continue
        miss = _NEAR_MISS.search(line)
        if miss is not None:
            written = miss.group("text")
            found.append(
                Suppression(
                    (),
                    "",
                    _at_column(location, miss.start() + 1),
                    problem=f"'{written}' is not a form trustlint reads; write '{_MARKER} "
                    "TLnnn reason'",
                )
            )
    return tuple(found)


def _rules_and_reason(rest: str) -> tuple[tuple[str, ...], str]:
    """Split `TL002, TL003 reason` into the rule-like tokens and the reason after them."""
    rules: list[str] = []
    position = 0
    while True:
        separator = _SEPARATOR.match(rest, position)
        start = separator.end() if separator else position
        token = _RULE_TOKEN.match(rest, start)
        if token is None:
            break
        rules.append(token.group(0).upper())
        position = token.end()
    reason = rest[position:].strip()
    reason = reason.removesuffix("*/").strip().lstrip("-:;,").strip()
    return tuple(rules), reason


def _at_column(location: Location, column: int) -> Location:
    return Location(location.path, location.line, column, location.end_line, location.end_column)


def unusable(suppression: Suppression, known_rules: frozenset[str]) -> str | None:
    """Why `suppression` suppresses nothing, or None when it applies."""
    if suppression.problem:
        return suppression.problem
    unknown = [rule for rule in suppression.rule_ids if rule not in known_rules]
    if unknown:
        names = ", ".join(unknown)
        return (
            f"trustlint:ignore names {names}, which is not a rule id (see `trustlint rules`), "
            "so it suppresses nothing"
        )
    if not suppression.reason:
        rules = ", ".join(suppression.rule_ids) or "all rules"
        return (
            f"trustlint:ignore for {rules} gives no reason, so it is not applied; "
            "write the reason after the rule ids"
        )
    return None


UsableSuppressions = dict[str, list[Suppression]]
"""The suppressions that apply, by the path they are written in."""


def sort_suppressions(
    units: Iterable[SourceUnit], known: frozenset[str]
) -> tuple[list[Finding], UsableSuppressions]:
    """Each suppression judged once: a TL000 note for each that suppresses nothing,
    saying why, and the usable ones by path (for `apply_suppressions`)."""
    findings = []
    usable: UsableSuppressions = {}
    for unit in units:
        for suppression in unit.suppressions:
            problem = unusable(suppression, known)
            if problem is None:
                usable.setdefault(suppression.location.path, []).append(suppression)
                continue
            rules = ", ".join(suppression.rule_ids) or "all rules"
            findings.append(
                Finding(
                    _PARSE_ERROR,
                    "note",
                    problem,
                    suppression.location,
                    resource=suppression.location.path,
                    subject=f"suppression {rules}",
                )
            )
    return findings, usable


def covers(suppression: Suppression, finding: Finding) -> bool:
    if suppression.rule_ids and finding.rule_id not in suppression.rule_ids:
        return False
    where: Location = suppression.location
    if where.path != finding.location.path:
        return False
    if suppression.kind == "metadata":
        resource = finding.resource_location
        return resource is not None and where.line <= resource.line <= where.end_line
    line = where.line
    if finding.location.line in (line, line + 1):
        return True
    resource = finding.resource_location
    if resource is not None and line == resource.line - 1:
        # A comment just above the resource's first line covers the resource.
        return True
    return resource is not None and resource.contains_line(line)


def apply_suppressions(findings: list[Finding], by_path: UsableSuppressions) -> list[Finding]:
    """Mark each finding a usable suppression (`sort_suppressions`) covers (never TL000)."""
    if not by_path:
        return findings
    result = []
    for finding in findings:
        for suppression in by_path.get(finding.location.path, ()):
            if finding.rule_id != _PARSE_ERROR and covers(suppression, finding):
                finding = replace(finding, suppression=suppression)
                break
        result.append(finding)
    return result
