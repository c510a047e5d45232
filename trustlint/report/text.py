"""Text output: one finding a line, `path:line:col: TL001 error message`, then a summary.

Paths, messages and reasons are escaped (`escaping.for_text`): what the scanned
files hold never reaches the terminal or a CI log as a control sequence.
"""

from __future__ import annotations

import os
from typing import TextIO

from trustlint.findings import Finding
from trustlint.graph.links import touches
from trustlint.project_paths import WorkingDirectoryPaths
from trustlint.report.escaping import for_text, for_text_path
from trustlint.results import ScanResult, involved_paths

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "note": "\033[36m"}
_BOLD = "\033[1m"
_DIM = "\033[2m"
_RESET = "\033[0m"


def use_colour(stream: TextIO | None, choice: str = "auto") -> bool:
    """`--color always|never` decides; with `auto`, `NO_COLOR` (https://no-color.org)
    turns colour off, `FORCE_COLOR` on, else colour only on a terminal (never in a file)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") not in (None, "", "0"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render_text(
    result: ScanResult, findings: list[Finding], colour: bool, *, summary: bool = True
) -> str:
    shown = WorkingDirectoryPaths(result.root)
    lines = [_line(finding, colour, shown, result.report_paths) for finding in findings]
    if summary:
        lines.append(_summary(result, findings))
    if not lines:
        return ""
    return "\n".join(lines) + "\n"


def _line(
    finding: Finding,
    colour: bool,
    shown: WorkingDirectoryPaths,
    report_paths: frozenset[str] | None,
) -> str:
    location = finding.location
    where = f"{for_text_path(shown(location.path))}:{location.line}:{location.column}"
    level = finding.level
    message = for_text(finding.message)
    suffix = ""
    if report_paths is not None and not touches((location.path,), report_paths):
        involved = [path for path in involved_paths(finding)[1:] if touches((path,), report_paths)]
        if involved:
            named = ", ".join(for_text_path(shown(path)) for path in dict.fromkeys(involved))
            suffix = f" (involves {named})"
    if finding.suppression is not None:
        suffix += f" [suppressed: {for_text(finding.suppression.reason)}]"
    if not colour:
        return f"{where}: {finding.rule_id} {level} {message}{suffix}"
    return (
        f"{_BOLD}{where}{_RESET}: {_COLOURS[level]}{finding.rule_id} {level}{_RESET} "
        f"{message}{_DIM}{suffix}{_RESET}"
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(result: ScanResult, shown: list[Finding]) -> str:
    counted = [f for f in shown if f.suppression is None]
    by_level = {level: sum(1 for f in counted if f.level == level) for level in _COLOURS}
    files = {path for unit in result.units for path in unit.paths}
    parts = [
        f"{_plural(len(counted), 'finding')} "
        f"({_plural(by_level['error'], 'error')}, {_plural(by_level['warning'], 'warning')}, "
        f"{_plural(by_level['note'], 'note')}) in {_plural(len(files), 'file')}"
    ]
    suppressed = len(result.suppressed)
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    if result.baselined:
        parts.append(f"{len(result.baselined)} accepted by the baseline")
    if result.stale_baseline:
        stale = len(result.stale_baseline)
        entries = (
            "1 baseline entry no longer matches"
            if stale == 1
            else (f"{stale} baseline entries no longer match")
        )
        parts.append(f"{entries}; rewrite the baseline with --write-baseline to prune")
    return "; ".join(parts) + "."
