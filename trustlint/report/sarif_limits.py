"""GitHub code scanning's upload limits, applied before a SARIF log is written.

GitHub takes at most 5,000 results a run and 1,000 locations a result, and
rejects a file over 10 MB gzip-compressed; past the first two it drops results
of its own choosing with a warning. trustlint chooses instead: it keeps the
most severe results, shortens what is too long, and says in the log's
`toolExecutionNotifications` what it left out (SPEC section 10).
"""

from __future__ import annotations

from collections.abc import Sequence

from trustlint.findings import LEVEL_RANK, Finding
from trustlint.records import record, replace

MAX_RESULTS = 5_000
MAX_LOCATIONS = 1_000
"""Locations of one result, its primary location included."""
MAX_MESSAGE = 2_000
"""Characters of one message: a message naming a huge computed value stays small."""
MAX_ESTIMATED_BYTES = 60 * 1024 * 1024
"""Uncompressed size the kept results may reach. Results are templated text that
gzip shrinks at least tenfold, and every piece of scanned text in them is capped
by MAX_MESSAGE, so this keeps the file well under GitHub's 10 MB gzip limit."""
_RESULT_OVERHEAD = 900
"""Bytes of a result besides its messages (locations, fingerprints, indentation)."""
_LOCATION_OVERHEAD = 400


@record
class Capped:
    findings: list[Finding]
    left_out: int = 0
    """Results left out for the count or size limits."""
    shortened: int = 0
    """Results whose message or related locations were cut."""

    def notices(self) -> list[str]:
        notes = []
        if self.left_out:
            notes.append(
                f"{self.left_out} results were left out: GitHub code scanning takes at most "
                f"{MAX_RESULTS:,} results a run and 10 MB a file, so the most severe were kept; "
                "run trustlint with --format text or json for every finding"
            )
        if self.shortened:
            notes.append(
                f"{self.shortened} results were shortened to GitHub's limits "
                f"({MAX_LOCATIONS:,} locations a result, messages of {MAX_MESSAGE:,} characters)"
            )
        return notes


def cap_for_github(findings: Sequence[Finding]) -> Capped:
    """The findings to write, in their order, within GitHub's limits."""
    shortened = 0
    fitted = []
    for finding in findings:
        small = _shortened(finding)
        shortened += small is not finding
        fitted.append(small)
    by_severity = sorted(
        range(len(fitted)), key=lambda index: (-LEVEL_RANK[fitted[index].level], index)
    )
    kept: list[int] = []
    size = 0
    for index in by_severity:
        if len(kept) >= MAX_RESULTS:
            break
        estimate = _estimated_size(fitted[index])
        if size + estimate > MAX_ESTIMATED_BYTES:
            continue
        size += estimate
        kept.append(index)
    kept.sort()
    return Capped([fitted[index] for index in kept], len(fitted) - len(kept), shortened)


def _shortened(finding: Finding) -> Finding:
    message = _cut(finding.message)
    related = finding.related[: MAX_LOCATIONS - 1]
    related = tuple(
        item if len(item.message) <= MAX_MESSAGE else replace(item, message=_cut(item.message))
        for item in related
    )
    if message == finding.message and related == finding.related:
        return finding
    return replace(finding, message=message, related=related)


def _cut(text: str) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    left_out = len(text) - MAX_MESSAGE
    return f"{text[:MAX_MESSAGE]}... ({left_out:,} more characters)"


def _estimated_size(finding: Finding) -> int:
    return (
        _RESULT_OVERHEAD
        + 2 * len(finding.message)
        + sum(_LOCATION_OVERHEAD + 2 * len(item.message) for item in finding.related)
    )
