"""SARIF of the bundled examples is what GitHub code scanning accepts without warnings."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO
from sarif_support import run_trustlint, validate_sarif


def test_sarif_of_the_examples_is_valid_for_code_scanning(tmp_path: Path) -> None:
    output = tmp_path / "examples.sarif"

    completed = run_trustlint(
        "scan", "examples", "--format", "sarif", "-o", str(output), "--no-cache", cwd=REPO
    )

    assert completed.returncode == 1, completed.stderr
    log = validate_sarif(output, REPO)
    results = log["runs"][0]["results"]
    assert {result["ruleId"] for result in results} >= {"TL001", "TL002", "TL004", "TL005"}
    assert all(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
            "examples/"
        )
        for result in results
    )
