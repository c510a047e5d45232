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

from trustlint.model import Location, Suppression

_MARKER = "trustlint:ignore"
_COMMENT_START = r"(?:#|//|/\*)\s*"
_COMMENT = re.compile(_COMMENT_START + r"trustlint:ignore(?![\w-])[ \t:]*(?P<rest>[^\n]*)")
_NEAR_MISS = re.compile(
    _COMMENT_START
    + r"(?P<text>trustlint\s*[-_:.=]?\s*(?:ignore|disable|skip|noqa|suppress|nosec)[\w-]*)",
    re.IGNORECASE,
)
_RULE_TOKEN = re.compile(r"(?:TL\d+|[A-Z]{2}\d{3})(?![\w-])", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s*,\s*|\s+")
_MENTION = re.compile("trustlint", re.IGNORECASE)


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
