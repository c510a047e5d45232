"""One finding per cause through the command: every format, and the baseline across calls."""

from __future__ import annotations

import json

import pytest
from cli_support import run_trustlint
from conftest import FIXTURES, Project

CASES = FIXTURES / "rules" / "merging"


@pytest.mark.parametrize("output", ["text", "json", "sarif", "github"])
def test_every_output_format_shows_the_merged_finding_once(project: Project, output: str) -> None:
    project.copy(CASES / "child_called_twice", "infra")

    completed = run_trustlint("scan", "--format", output, cwd=project.root)

    assert completed.returncode == 1, completed.stderr
    out = completed.stdout
    if output in ("json", "sarif"):
        document = json.loads(out)
        results = document["findings"] if output == "json" else document["runs"][0]["results"]
        [result] = results
        message = result["message"] if output == "json" else result["message"]["text"]
    else:
        [message] = [line for line in out.splitlines() if "TL001" in line]
        assert out.count("TL001") == 1
    assert "Role aws_iam_role.this (in " in message
    assert "module.a, module.b)" in message


def test_the_baseline_still_accepts_the_finding_when_a_call_is_added(project: Project) -> None:
    project.copy(CASES / "child_called_twice", "infra")
    main = project.root / "infra" / "main.tf"
    two_calls = main.read_text(encoding="utf-8")
    main.write_text(two_calls.split('module "b"')[0], encoding="utf-8")
    written = run_trustlint("scan", "--write-baseline", "baseline.json", cwd=project.root)
    assert written.returncode == 0, written.stderr

    main.write_text(two_calls + 'module "c" {\n  source = "./child"\n  name = "gamma"\n}\n')
    completed = run_trustlint("scan", "--baseline", "baseline.json", cwd=project.root)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 accepted by the baseline" in completed.stdout
    assert "module.c" in run_trustlint("scan", cwd=project.root).stdout
