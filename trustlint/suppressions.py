"""Inline suppression comments: `# trustlint:ignore TL002 reason`.

Front-ends call `comment_suppressions` on the text of YAML and HCL files; the
engine decides which findings a suppression covers (SPEC section 7).
"""

from __future__ import annotations

import re

from trustlint.model import Location, Suppression

_MARKER = "trustlint:ignore"
_COMMENT = re.compile(
    r"(?:#|//|/\*)\s*trustlint:ignore\b[ \t:]*"
    r"(?P<rules>(?:[A-Za-z]{2}\d{3})(?:\s*,\s*[A-Za-z]{2}\d{3})*)?"
    r"(?P<reason>[^\n]*)"
)


def comment_suppressions(text: str, path: str) -> tuple[Suppression, ...]:
    """Every `trustlint:ignore` comment in `text`. Cheap when there is none."""
    if _MARKER not in text:
        return ()
    found: list[Suppression] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if _MARKER not in line:
            continue
        match = _COMMENT.search(line)
        if match is None:
            continue
        rules = tuple(
            rule.strip().upper() for rule in (match.group("rules") or "").split(",") if rule.strip()
        )
        reason = match.group("reason").strip()
        reason = reason.removesuffix("*/").strip().lstrip("-:;,").strip()
        column = match.start() + 1
        found.append(
            Suppression(
                rules, reason, Location(path, line_number, column, line_number, len(line) + 1)
            )
        )
    return tuple(found)
