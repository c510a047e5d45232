"""Running the command as a user runs it: `python -m trustlint` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def run_trustlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m trustlint ARGS` in `cwd`, with this checkout importable and no colour."""
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
