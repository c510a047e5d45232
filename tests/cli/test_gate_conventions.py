"""Config errors that say what is wrong, the nothing-found warning, and text paths
relative to where the user stands (SPEC section 10), run as a user runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import run_trustlint
from conftest import FIXTURES


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
        ("rules: [oops\n", "invalid YAML"),
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
