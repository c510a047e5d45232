"""The gate's conventions (SPEC section 10), run as a user runs them: config errors
that say what is wrong, the nothing-found warning, text paths relative to where the
user stands, `scan -`, `--quiet`, `--output-file`, `--color`, `--debug` anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run_trustlint
from conftest import FIXTURES, REPO


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            'accounts:\n  internal: {"11111": security}\n',
            "accounts.internal: '11111' is not a 12-digit account id",
        ),
        (
            'accounts:\n  internal: ["11111"]\n',
            "accounts.internal.0: '11111' is not a 12-digit account id",
        ),
        (
            'accounts:\n  paths: [{glob: "prod/**", account: "12"}]\n',
            "accounts.paths.0.account: '12' is not a 12-digit account id",
        ),
        ("accounts:\n  organization_id: o-12\n", "'o-12' is not an organization id"),
        ("rules:\n  TL099: {enabled: false}\n", "rules.TL099: 'TL099' is not a rule id"),
        ("rules:\n  TL1: {enabled: false}\n", "rules: 'TL1' is not a rule id such as TL001"),
        ("rules: [oops\n", ".trustlint.yaml:2:1: invalid YAML: did not find expected ',' or ']'"),
        # YAML reads an unquoted account id as a number (a leading 0 as octal).
        (
            "accounts:\n  internal: [111111111111]\n",
            "accounts.internal.0: 111111111111 is a number; write it in quotes ('111111111111')",
        ),
        (
            "accounts:\n  internal: {11111: security}\n",
            "accounts.internal: 11111 is a number; write it in quotes ('11111')",
        ),
        ("accounts:\n  internal: 5\n", "accounts.internal: 5 is not a mapping or a list"),
        ("accounts:\n  organization_id: 5\n", "organization_id: 5 is not a string or a list"),
    ],
)
def test_an_invalid_config_is_exit_2_naming_the_key_and_the_problem(
    tmp_path: Path, config: str, message: str
) -> None:
    (tmp_path / ".trustlint.yaml").write_text(config, encoding="utf-8")
    done = run_trustlint("scan", "--no-cache", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_malformed_pyproject_is_an_error_not_silently_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trustlint\nfail_on = "error"\n', encoding="utf-8"
    )
    done = run_trustlint("scan", "--no-cache", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert "pyproject.toml: invalid TOML" in done.stderr
    assert "[tool.trustlint] settings cannot be read" in done.stderr


def test_a_directory_without_iac_says_so_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "package.json").write_text('{"name": "app"}\n', encoding="utf-8")
    done = run_trustlint("scan", "--no-cache", "src", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr == (
        "trustlint: warning: no CloudFormation, Terraform or policy files found under src\n"
    )
    named = run_trustlint("scan", "--no-cache", "src/package.json", cwd=tmp_path)
    assert named.returncode == 0 and named.stderr == ""


def test_text_paths_are_relative_to_the_working_directory(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "cli" / "cross_file_hook", tmp_path, dirs_exist_ok=True)
    (tmp_path / ".git").mkdir()
    shutil.copyfile(
        FIXTURES / "cli" / "cross_file_hook_trust_without_ci.yaml",
        tmp_path / "prod" / "deploy.yaml",
    )
    inside = run_trustlint("scan", "--no-cache", "..", cwd=tmp_path / "ci")
    assert inside.stdout.startswith("main.tf:21:18: TL004 warning ")
    partial = run_trustlint("scan", "--no-cache", "deploy.yaml", cwd=tmp_path / "prod")
    assert partial.returncode == 1
    assert partial.stdout.startswith("../ci/main.tf:21:18: TL004 warning ")
    assert partial.stdout.splitlines()[0].endswith("(involves deploy.yaml)")
    github = run_trustlint("scan", "--no-cache", "--format", "github", "..", cwd=tmp_path / "ci")
    assert "file=ci/main.tf,line=21" in github.stdout


WILDCARD_TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",'
    ' "Action": "sts:AssumeRole"}]}\n'
)


def run_with_stdin(tmp_path: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "trustlint", "scan", "-", *args],
        cwd=tmp_path,
        input=text,
        env={**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_scan_dash_reads_one_file_from_stdin_named_by_stdin_filename(tmp_path: Path) -> None:
    named = run_with_stdin(tmp_path, WILDCARD_TRUST, "--stdin-filename", "policies/trust.json")
    assert named.returncode == 1, named.stderr
    assert named.stdout.startswith("policies/trust.json:1:74: TL001 error ")
    unnamed = run_with_stdin(tmp_path, WILDCARD_TRUST)
    assert unnamed.stdout.startswith("stdin.json:1:74: TL001 error ")
    hcl = run_with_stdin(
        tmp_path,
        'resource "aws_iam_role" "open" {\n'
        '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [\n'
        '    {Effect = "Allow", Principal = "*", Action = "sts:AssumeRole"}]})\n}\n',
        "--stdin-filename",
        "main.tf",
    )
    assert hcl.stdout.startswith("main.tf:3:36: TL001 error Role aws_iam_role.open ")


def test_quiet_prints_findings_only_and_output_file_writes_the_report(tmp_path: Path) -> None:
    (tmp_path / "trust.json").write_text(WILDCARD_TRUST, encoding="utf-8")
    quiet = run_trustlint("scan", "--no-cache", "-q", "trust.json", cwd=tmp_path)
    assert quiet.returncode == 1
    assert len(quiet.stdout.splitlines()) == 1
    assert quiet.stdout.startswith("trust.json:1:74: TL001 error ")
    written = run_trustlint(
        "scan", "--no-cache", "--output-file", "report.txt", "trust.json", cwd=tmp_path
    )
    assert written.returncode == 1 and written.stdout == ""
    report = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert report.startswith("trust.json:1:74: TL001 error ")


@pytest.mark.parametrize(
    ("flag", "environment", "coloured"),
    [
        ("always", {}, True),
        ("never", {"FORCE_COLOR": "1"}, False),
        ("auto", {"FORCE_COLOR": "1"}, True),
        ("auto", {}, False),  # not a terminal
    ],
)
def test_color_flag_and_environment(
    tmp_path: Path, flag: str, environment: dict[str, str], coloured: bool
) -> None:
    (tmp_path / "trust.json").write_text(WILDCARD_TRUST, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run(
        [sys.executable, "-m", "trustlint", "scan", "--no-cache", "--color", flag, "trust.json"],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": path, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ("\x1b[" in done.stdout) is coloured


def test_debug_is_accepted_after_the_subcommand(tmp_path: Path) -> None:
    (tmp_path / "trust.json").write_text(WILDCARD_TRUST, encoding="utf-8")
    for args in (("--debug", "scan", "trust.json"), ("scan", "trust.json", "--debug")):
        done = run_trustlint(*args, "--no-cache", cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert done.stderr == ""
    assert run_trustlint("rules", "--debug", cwd=tmp_path).returncode == 0
