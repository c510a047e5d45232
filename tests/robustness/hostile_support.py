"""Scanning hostile projects through the real command, with time and memory measured.

Every hostile case is scanned beside `GOOD_TEMPLATE`, a valid template whose
wildcard trust is TL001: a bad file must be its own TL000 and must not stop
the good one from being analysed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import FIXTURES, REPO

ROBUSTNESS_FIXTURES = FIXTURES / "robustness"
HOSTILE = ROBUSTNESS_FIXTURES / "hostile"
GOOD_TEMPLATE = ROBUSTNESS_FIXTURES / "good" / "open-trust.yaml"
GOOD_PATH = "good/open-trust.yaml"
GOOD_FINDING = ("TL001", GOOD_PATH, 10, 24)
"""Rule, path, line and column of the good template's finding: `Principal: "*"`."""

SCAN_SECONDS = 30.0
PEAK_RSS_MB = 500.0
_HARD_TIMEOUT = 120.0
_MEASURE = Path(__file__).resolve().parent / "measure_child.py"
SCAN_JSON = ("scan", "--format", "json", "--no-cache", ".")


@dataclass(frozen=True, slots=True)
class CliRun:
    returncode: int | None
    """None when the run was killed at the hard timeout."""
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float

    @property
    def findings(self) -> list[dict[str, Any]]:
        findings: list[dict[str, Any]] = json.loads(self.stdout)["findings"]
        return findings

    def located(self) -> list[tuple[str, str, int, int]]:
        """(rule, path, line, column) of every finding, sorted."""
        return sorted(
            (f["rule"], f["location"]["path"], f["location"]["line"], f["location"]["column"])
            for f in self.findings
        )

    def beside_the_good_template(self) -> list[tuple[str, str, int, int, str]]:
        """(rule, path, line, column, message) of every finding but `GOOD_FINDING`, sorted."""
        found = []
        for finding in self.findings:
            location = finding["location"]
            where = (finding["rule"], location["path"], location["line"], location["column"])
            if where != GOOD_FINDING:
                found.append((*where, finding["message"]))
        return sorted(found)

    def messages(self, rule: str, path: str) -> list[str]:
        return [
            f["message"]
            for f in self.findings
            if f["rule"] == rule and f["location"]["path"] == path
        ]


def new_project(tmp_path: Path) -> Path:
    """A project directory holding the good template."""
    root = tmp_path / "project"
    (root / "good").mkdir(parents=True)
    shutil.copyfile(GOOD_TEMPLATE, root / GOOD_PATH)
    return root


def add_fixture(root: Path, name: str, target: str | None = None) -> Path:
    """Copy `hostile/NAME` (a file or a directory) into the project."""
    source = HOSTILE / name
    destination = root / (target or name)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, destination)
    else:
        shutil.copyfile(source, destination)
    return destination


def cli_environment(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This checkout importable, HOME and the cache directory inside the test's own tree."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TRUSTLINT_CACHE_DIR", "XDG_CACHE_HOME")
    }
    environment.update(
        {
            "PYTHONPATH": path,
            "NO_COLOR": "1",
            "HOME": str(home),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    environment.update(extra or {})
    return environment


def run_cli(
    cwd: Path,
    *args: str,
    home: Path | None = None,
    env: dict[str, str] | None = None,
    launcher: tuple[str, ...] = (sys.executable, "-m", "trustlint"),
) -> CliRun:
    """`python -m trustlint ARGS` in `cwd`, measured by `measure_child.py` in a fresh process.

    `launcher` replaces `python -m trustlint` (to run the command as another user).
    """
    home = home or cwd.parent / "home"
    home.mkdir(exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="trustlint-measure-", suffix=".json")
    os.close(handle)
    report = Path(name)
    command = [*launcher, *(args or SCAN_JSON)]
    try:
        completed = subprocess.run(
            [sys.executable, str(_MEASURE), str(report), str(_HARD_TIMEOUT), "--", *command],
            cwd=cwd,
            env=cli_environment(home, env),
            capture_output=True,
            text=True,
            timeout=_HARD_TIMEOUT + 30,
            check=True,
        )
        measured = json.loads(report.read_text(encoding="utf-8"))
    finally:
        report.unlink(missing_ok=True)
    return CliRun(
        measured["returncode"],
        completed.stdout,
        completed.stderr,
        measured["seconds"],
        measured["peak_rss_mb"],
    )


def assert_bounded(run: CliRun) -> None:
    """The scan ended by itself, within the time and memory bounds, without a traceback."""
    assert run.returncode in (0, 1), (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr
    assert run.seconds < SCAN_SECONDS
    assert run.peak_rss_mb < PEAK_RSS_MB


def scan_project(root: Path, *extra_args: str, **kwargs: Any) -> CliRun:
    """`trustlint scan --format json --no-cache [EXTRA] .`, asserted bounded, with the
    good template's finding asserted present."""
    run = run_cli(root, "scan", "--format", "json", "--no-cache", *extra_args, ".", **kwargs)
    assert_bounded(run)
    assert GOOD_FINDING in run.located()
    assert [f["message"] for f in run.findings if "internal error" in f["message"]] == []
    return run


CANNOT_CHANGE_USER = 77
"""Exit status of `AS_NOBODY` when this process may not become `nobody`."""

AS_NOBODY = (
    sys.executable,
    "-c",
    f"""
import contextlib, io, os, pwd, sys
from trustlint.cli import main

# The interpreter's own files may be unreadable to nobody (a home directory
# of mode 0700): a first scan as the current user imports what a scan needs.
with contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
nobody = pwd.getpwnam("nobody")
try:
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)
except PermissionError:
    sys.exit({CANNOT_CHANGE_USER})
sys.exit(main(sys.argv[1:]))
""",
)
"""A launcher for `run_cli` that scans as `nobody`, for whom file modes are enforced."""
