"""Output on a terminal whose encoding cannot show every character of a finding."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

ACCENTED = FIXTURES / "cli" / "encoding" / "role_named_with_an_accent.yaml"


def run_with_encoding(encoding: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "trustlint", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": path, "NO_COLOR": "1", "PYTHONIOENCODING": encoding},
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ACCENTED, tmp_path / ACCENTED.name)
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_an_ascii_terminal_gets_escapes_not_a_crash(project: Path, fmt: str) -> None:
    completed = run_with_encoding("ascii", "scan", "--no-cache", "--format", fmt, ".", cwd=project)

    assert completed.returncode == 1, completed.stderr
    assert b"Traceback" not in completed.stderr
    assert b"internal error" not in completed.stderr
    assert b"Role R\\xe9le trusts every AWS principal" in completed.stdout


def test_a_latin1_terminal_shows_what_it_can(project: Path) -> None:
    completed = run_with_encoding("latin-1", "scan", "--no-cache", ".", cwd=project)

    assert completed.returncode == 1
    assert "Role Réle trusts every AWS principal".encode("latin-1") in completed.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_stay_valid_json_on_an_ascii_terminal(project: Path, fmt: str) -> None:
    completed = run_with_encoding("ascii", "scan", "--no-cache", "--format", fmt, ".", cwd=project)

    assert completed.returncode == 1
    document = json.loads(completed.stdout)
    assert "Role Réle trusts" in json.dumps(document, ensure_ascii=False)
