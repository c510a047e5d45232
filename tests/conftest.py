"""Shared test helpers: run a real scan over files copied into a temporary project."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from trustlint.engine import ScanOptions, ScanResult, run_scan
from trustlint.findings import Finding

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent
REALWORLD = REPO.parent / "shared" / "realworld"


def realworld_dir() -> Path:
    """The real-world corpus beside the repository; skips the test when absent."""
    if not REALWORLD.is_dir():
        pytest.skip(f"real-world corpus not present at {REALWORLD}")
    return REALWORLD


class Project:
    """A temporary project directory (no git, so it is its own root) to scan."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self._monkeypatch = monkeypatch
        monkeypatch.chdir(root)

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def copy(self, source: Path, name: str | None = None) -> Path:
        """Copy a fixture file (or directory) into the project."""
        target = self.root / (name or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
        return target

    def scan_result(
        self,
        paths: Iterable[Path | str] = (),
        select: Iterable[str] | None = None,
        strict: bool = False,
    ) -> ScanResult:
        options = ScanOptions(
            paths=tuple(Path(p) for p in paths) or (self.root,),
            select=frozenset(select) if select is not None else None,
            strict=strict,
            use_cache=False,
        )
        return run_scan(options)

    def scan(
        self,
        paths: Iterable[Path | str] = (),
        select: Iterable[str] | None = None,
        strict: bool = False,
    ) -> list[Finding]:
        """Active findings (not suppressed) of a scan of the project or `paths`."""
        return self.scan_result(paths, select, strict).active


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setenv("TRUSTLINT_CACHE_DIR", str(tmp_path / "cache"))
    return Project(root, monkeypatch)


def scan_fixture(project: Project, files: Mapping[str, Path], **kwargs: object) -> list[Finding]:
    for name, source in files.items():
        project.copy(source, name)
    return project.scan(**kwargs)  # type: ignore[arg-type]


def locations(findings: Iterable[Finding]) -> list[tuple[str, int, int]]:
    """(rule, line, column) of each finding, sorted: the usual assertion target."""
    return sorted((f.rule_id, f.location.line, f.location.column) for f in findings)
