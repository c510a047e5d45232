"""Shared code for the trust graph tests: fixture cases copied into a temporary project."""

from __future__ import annotations

from collections.abc import Iterable

from conftest import FIXTURES, Project

from trustlint.findings import Finding

GRAPH_FIXTURES = FIXTURES / "graph"


def copy_case(project: Project, name: str) -> None:
    """Copy every file of `tests/fixtures/graph/<name>/` into the project root."""
    for child in sorted((GRAPH_FIXTURES / name).iterdir()):
        project.copy(child)


def scan_case(
    project: Project,
    name: str,
    select: Iterable[str] = ("TL004", "TL005"),
    strict: bool = False,
) -> list[Finding]:
    """Scan a fixture case; only the one-sided rules unless `select` says otherwise."""
    copy_case(project, name)
    return project.scan(select=select, strict=strict)


def where(findings: Iterable[Finding]) -> list[tuple[str, str, int, int]]:
    """(rule, path, line, column) of each finding, sorted."""
    return sorted(
        (f.rule_id, f.location.path, f.location.line, f.location.column) for f in findings
    )
