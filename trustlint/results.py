"""What a scan gives its reporters: the findings and what they were found in.

Kept apart from the engine so that a reporter needs neither the checks nor the
loaders to know what a result is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from trustlint.config import Config
from trustlint.findings import LEVEL_RANK, Finding
from trustlint.model import ParseError, SourceUnit
from trustlint.records import field, record

if TYPE_CHECKING:
    from trustlint.graph import TrustGraph
    from trustlint.graph.paths import ReachIndex

PARSE_ERROR = "TL000"


@record(frozen=False)
class ScanResult:
    root: Path
    config: Config
    units: list[SourceUnit]
    findings: list[Finding]
    """Every finding, sorted; suppressed ones carry `suppression`."""
    baselined: set[str] = field(default_factory=set)
    """Fingerprints of findings that the baseline accepts."""
    stale_baseline: list[dict[str, str]] = field(default_factory=list)
    """Baseline entries that no finding matches any more."""
    errors: list[ParseError] = field(default_factory=list)
    report_paths: frozenset[str] | None = None
    """The files a partial scan reports on (project-relative), None for a whole scan."""
    graph: TrustGraph | None = None
    """With `ScanOptions.keep_graph`, the trust graph of `units` if the checks built it."""
    reach: ReachIndex | None = None
    """With `ScanOptions.keep_graph`, the graph's reach index if the checks built it."""

    @property
    def active(self) -> list[Finding]:
        """Findings that count: not suppressed, not in the baseline."""
        return [
            f
            for f in self.findings
            if f.suppression is None and f.fingerprint not in self.baselined
        ]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is not None]

    def fails(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        threshold = LEVEL_RANK[fail_on]
        return any(LEVEL_RANK[f.level] >= threshold for f in self.active)


def involved_paths(finding: Finding) -> tuple[str, ...]:
    """The files a finding takes part in: its own, then its related locations'."""
    return (finding.location.path, *(related.location.path for related in finding.related))
