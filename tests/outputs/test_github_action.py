"""`action.yml`: a composite action that installs trustlint, writes SARIF, uploads it and annotates.

The structure is checked as GitHub reads it, and the action's own shell
scripts are run here with the environment GitHub would give them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES, REPO, Project
from sarif_support import validate_sarif

ACTION = REPO / "action.yml"
CASES = FIXTURES / "outputs"


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def step(name: str) -> dict[str, Any]:
    [found] = [s for s in action()["runs"]["steps"] if s.get("name") == name]
    return found


def test_action_is_composite_with_documented_inputs_and_defaults() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    defaults = {name: spec.get("default") for name, spec in data["inputs"].items()}
    assert defaults == {
        "paths": ".",
        "config": "",
        "baseline": "",
        "fail-on": "",
        "sarif-file": "trustlint.sarif",
        "upload-sarif": "true",
        "category": "trustlint",
        "annotations": "true",
        "python-version": "3.12",
    }
    assert all(spec["description"] for spec in data["inputs"].values())
    assert data["outputs"]["sarif-file"]["value"] == "${{ steps.sarif.outputs.sarif-file }}"


def test_action_steps_set_up_python_install_scan_upload_and_annotate() -> None:
    steps = action()["runs"]["steps"]
    assert [s["name"] for s in steps] == [
        "Set up Python",
        "Install trustlint",
        "Write the SARIF report",
        "Upload the SARIF report to code scanning",
        "Annotate findings and apply fail-on",
    ]
    assert steps[0]["uses"] == "actions/setup-python@v5"
    assert steps[0]["with"] == {"python-version": "${{ inputs.python-version }}"}
    assert (
        'pip install --disable-pip-version-check --quiet "${{ github.action_path }}"'
        in (steps[1]["run"])
    )
    upload = steps[3]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"] == "inputs.upload-sarif == 'true'"
    assert upload["with"] == {
        "sarif_file": "${{ steps.sarif.outputs.sarif-file }}",
        "category": "${{ inputs.category }}",
    }
    assert all(s["shell"] == "bash" for s in steps if "run" in s)


def test_inputs_reach_the_scripts_only_through_the_environment() -> None:
    """An input pasted into a script could run commands; GitHub expands `${{ }}` first."""
    for script_step in (s for s in action()["runs"]["steps"] if "run" in s):
        assert "${{ inputs." not in script_step["run"], script_step["name"]


@pytest.fixture
def action_env(project: Project, tmp_path: Path) -> dict[str, str]:
    """What a workflow run gives the scripts, with a `trustlint` command on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "trustlint"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m trustlint "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    output = tmp_path / "github_output"
    output.touch()
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "GITHUB_OUTPUT": str(output),
        "TRUSTLINT_PATHS": ".",
        "TRUSTLINT_CONFIG": "",
        "TRUSTLINT_BASELINE": "",
        "TRUSTLINT_SARIF": "trustlint.sarif",
        "TRUSTLINT_FAIL_ON": "",
        "TRUSTLINT_ANNOTATIONS": "true",
    }


def run_step(name: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    # GitHub runs `shell: bash` scripts as `bash -e {0}` (with --noprofile --norc).
    return subprocess.run(
        [bash, "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step(name)["run"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sarif_step_writes_the_report_and_the_output_even_with_findings(
    project: Project, action_env: dict[str, str]
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "iam/open policy.json")
    project.copy(CASES / "lambda_trust_policy.json", "other/lambda.json")
    action_env["TRUSTLINT_PATHS"] = "iam\nother"
    action_env["TRUSTLINT_SARIF"] = "reports/scan results.sarif"
    (project.root / "reports").mkdir()

    completed = run_step("Write the SARIF report", action_env, project.root)

    assert completed.returncode == 0, completed.stderr
    github_output = Path(action_env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")
    assert github_output == "sarif-file=reports/scan results.sarif\n"
    log = validate_sarif(project.root / "reports" / "scan results.sarif", project.root)
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    ]
    assert uris == ["iam/open%20policy.json"]


def test_annotate_step_fails_on_findings_and_prints_annotations(
    project: Project, action_env: dict[str, str]
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json")
    completed = run_step("Annotate findings and apply fail-on", action_env, project.root)
    assert completed.returncode == 1
    assert completed.stdout.startswith("::error file=wildcard_trust_policy.json,line=7,col=28,")


def test_annotate_step_passes_with_fail_on_never(
    project: Project, action_env: dict[str, str]
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json")
    action_env["TRUSTLINT_FAIL_ON"] = "never"
    completed = run_step("Annotate findings and apply fail-on", action_env, project.root)
    assert completed.returncode == 0
    assert completed.stdout.startswith("::error file=wildcard_trust_policy.json,")


def test_annotate_step_prints_text_when_annotations_are_off(
    project: Project, action_env: dict[str, str]
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json")
    action_env["TRUSTLINT_ANNOTATIONS"] = "false"
    completed = run_step("Annotate findings and apply fail-on", action_env, project.root)
    assert completed.returncode == 1
    assert completed.stdout.startswith("wildcard_trust_policy.json:7:28: TL001 error ")


def test_a_path_input_cannot_inject_shell_commands(
    project: Project, action_env: dict[str, str]
) -> None:
    project.copy(CASES / "lambda_trust_policy.json")
    action_env["TRUSTLINT_PATHS"] = ". $(touch injected) `touch injected2` *"
    completed = run_step("Annotate findings and apply fail-on", action_env, project.root)
    assert completed.returncode == 2
    assert "no such file or directory" in completed.stderr
    assert not (project.root / "injected").exists()
    assert not (project.root / "injected2").exists()
