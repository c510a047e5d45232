"""Checks every SARIF file the tests produce: the OASIS schema always, GitHub's rules when possible.

`validate-sarif` (beside the repository, in `shared/tools`) runs Microsoft's
SARIF multitool with GitHub's ingestion rules and, with `--root`, checks that
each `primaryLocationLineHash` equals what upload-sarif computes. It needs npm
(it installs the multitool on first use) and is absent on machines without
the shared folder; the schema check runs everywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from conftest import REPO

SCHEMA = Path(__file__).resolve().parent / "sarif-schema-2.1.0.json"
VALIDATE_SARIF = REPO.parent / "shared" / "tools" / "validate-sarif"
VALIDATOR_TIMEOUT = 900
"""Seconds; the first run installs the multitool from npm."""


@lru_cache(maxsize=1)
def _schema_validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def github_validator_available() -> bool:
    return VALIDATE_SARIF.is_file() and shutil.which("npm") is not None


def validate_sarif(path: Path, root: Path) -> dict[str, Any]:
    """Assert that the SARIF file at `path` is valid; return it parsed.

    `root` is the repository root its URIs are relative to.
    """
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in _schema_validator().iter_errors(log)
    ]
    assert errors == [], f"{path} does not match the SARIF 2.1.0 schema"
    if github_validator_available():
        completed = subprocess.run(
            ["bash", str(VALIDATE_SARIF), "--strict", "--root", str(root), str(path)],
            capture_output=True,
            text=True,
            timeout=VALIDATOR_TIMEOUT,
            check=False,
        )
        assert completed.returncode == 0, (
            f"validate-sarif rejected {path}:\n{completed.stdout}\n{completed.stderr}"
        )
    return log


def write_and_validate(text: str, root: Path, name: str = "trustlint.sarif") -> dict[str, Any]:
    """Write SARIF text next to the scanned files (outside them: the root) and validate it."""
    path = root / name
    path.write_text(text, encoding="utf-8")
    try:
        return validate_sarif(path, root)
    finally:
        path.unlink()


def run_trustlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m trustlint ARGS` as a user runs it, with this checkout importable."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "trustlint", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
