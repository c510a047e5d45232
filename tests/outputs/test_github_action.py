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


def test_action_steps_install_in_their_own_venv_then_scan_gate_upload_and_apply() -> None:
    steps = action()["runs"]["steps"]
    assert [s["name"] for s in steps] == [
        "Set up Python",
        "Install trustlint",
        "Write the SARIF report",
        "Annotate findings and decide fail-on",
        "Upload the SARIF report to code scanning",
        "Apply fail-on",
    ]
    # The caller's Python and PATH stay as they were.
    assert steps[0]["uses"] == "actions/setup-python@v5"
    assert steps[0]["with"] == {
        "python-version": "${{ inputs.python-version }}",
        "update-environment": False,
    }
    install = steps[1]
    assert install["env"]["TRUSTLINT_VENV"] == "${{ runner.temp }}/trustlint-venv"
    assert '"$TRUSTLINT_PYTHON" -m venv "$TRUSTLINT_VENV"' in install["run"]
    assert "GITHUB_PATH" not in install["run"] and "GITHUB_ENV" not in install["run"]
    for script in (steps[2], steps[3]):
        assert script["env"]["TRUSTLINT"] == "${{ runner.temp }}/trustlint-venv/bin/trustlint"
    # The upload may be skipped or fail (a fork's pull request cannot write
    # security events); the gate is applied after it whatever happened to it.
    upload = steps[4]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"] == "${{ !cancelled() && inputs.upload-sarif == 'true' }}"
    assert upload["continue-on-error"] is True
    assert upload["with"] == {
        "sarif_file": "${{ steps.sarif.outputs.sarif-file }}",
        "category": "${{ inputs.category }}",
    }
    apply = steps[5]
    assert apply["if"] == "${{ !cancelled() }}"
    assert apply["env"] == {"TRUSTLINT_GATE": "${{ steps.gate.outputs.exit-code }}"}
    assert steps[3]["id"] == "gate"
    assert all(s["shell"] == "bash" for s in steps if "run" in s)


def test_inputs_reach_the_scripts_only_through_the_environment() -> None:
    """An input pasted into a script could run commands; GitHub expands `${{ }}` first."""
    for script_step in (s for s in action()["runs"]["steps"] if "run" in s):
        assert "${{ inputs." not in script_step["run"], script_step["name"]


@pytest.fixture
def action_env(project: Project, tmp_path: Path) -> dict[str, str]:
    """What a workflow run gives the scripts; `$TRUSTLINT` is the venv's command."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "trustlint"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m trustlint "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    output = tmp_path / "github_output"
    output.touch()
    return {
        **os.environ,
        "TRUSTLINT": str(shim),
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


def gate(env: dict[str, str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run the gate step, then the step that applies it (as the upload may have failed)."""
    decided = run_step("Annotate findings and decide fail-on", env, cwd)
    assert decided.returncode == 0, decided.stderr
    outputs = Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8").splitlines()
    [exit_code] = [line.removeprefix("exit-code=") for line in outputs if "exit-code=" in line]
    applied = run_step("Apply fail-on", {**env, "TRUSTLINT_GATE": exit_code}, cwd)
    return decided, applied.returncode


def test_gate_fails_on_findings_and_prints_annotations(
    project: Project, action_env: dict[str, str]
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json")
    decided, code = gate(action_env, project.root)
    assert code == 1
    assert decided.stdout.startswith("::error file=wildcard_trust_policy.json,line=7,col=28,")


def test_gate_passes_with_fail_on_never(project: Project, action_env: dict[str, str]) -> None:
    project.copy(CASES / "wildcard_trust_policy.json")
    action_env["TRUSTLINT_FAIL_ON"] = "never"
    decided, code = gate(action_env, project.root)
    assert code == 0
    assert decided.stdout.startswith("::error file=wildcard_trust_policy.json,")


def test_gate_prints_text_when_annotations_are_off(
    project: Project, action_env: dict[str, str]
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json")
    action_env["TRUSTLINT_ANNOTATIONS"] = "false"
    decided, code = gate(action_env, project.root)
    assert code == 1
    assert decided.stdout.startswith("wildcard_trust_policy.json:7:28: TL001 error ")


def test_the_gate_fails_when_it_never_ran(project: Project, action_env: dict[str, str]) -> None:
    applied = run_step("Apply fail-on", {**action_env, "TRUSTLINT_GATE": ""}, project.root)
    assert applied.returncode == 2


def test_a_path_input_cannot_inject_shell_commands(
    project: Project, action_env: dict[str, str]
) -> None:
    project.copy(CASES / "lambda_trust_policy.json")
    action_env["TRUSTLINT_PATHS"] = ". $(touch injected) `touch injected2` *"
    decided, code = gate(action_env, project.root)
    assert code == 2
    assert "no such file or directory" in decided.stderr
    assert not (project.root / "injected").exists()
    assert not (project.root / "injected2").exists()
