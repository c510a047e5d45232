"""The pre-commit hook (`.pre-commit-hooks.yaml`), declared and run with the real pre-commit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES, REPO

HOOKS = REPO / ".pre-commit-hooks.yaml"
CASES = FIXTURES / "outputs"
GIT_IDENTITY = (
    "-c",
    "user.name=trustlint tests",
    "-c",
    "user.email=tests@trustlint.invalid",
    "-c",
    "commit.gpgsign=false",
)


def hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    [only] = hooks
    assert isinstance(only, dict)
    return only


def test_hook_runs_trustlint_scan_from_a_python_install() -> None:
    declared = hook()
    assert (declared["id"], declared["language"], declared["entry"]) == (
        "trustlint",
        "python",
        "trustlint scan",
    )
    assert declared.get("pass_filenames", True) is True
    assert declared["require_serial"] is True


@pytest.mark.parametrize(
    ("name", "matched"),
    [
        ("template.yaml", True),
        ("deploy/stack.yml", True),
        ("policies/trust.json", True),
        ("cdk.out/App.template.json", True),
        ("legacy/vpc.template", True),
        ("modules/iam/main.tf", True),
        ("README.md", False),
        ("setup.py", False),
        ("terraform.tfvars", True),
        ("envs/prod.auto.tfvars", True),
        ("envs/prod.tfvars.json", True),
        ("cdktf.out/stacks/app/cdk.tf.json", True),
        ("notes.yaml.bak", False),
    ],
)
def test_hook_files_pattern_matches_the_formats_trustlint_reads(name: str, matched: bool) -> None:
    assert bool(re.search(hook()["files"], name)) is matched


def git(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return completed.stdout


def repository_snapshot(target: Path) -> Path:
    """This checkout, committed and uncommitted files alike, as a one-commit repository.

    `pre-commit try-repo` installs the hook from a repository's commit; a
    snapshot lets it test the files as they are, ignored ones (the virtualenv,
    caches) left out.
    """
    if (REPO / ".git").exists():
        listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
        names = [name for name in listed.split("\0") if name]
    else:
        names = [
            path.relative_to(REPO).as_posix()
            for path in REPO.rglob("*")
            if path.is_file() and not {".venv", ".git"} & set(path.relative_to(REPO).parts)
        ]
    for name in names:
        source = REPO / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    git("init", "--quiet", cwd=target)
    git("add", "--all", cwd=target)
    git("commit", "--quiet", "--no-verify", "-m", "snapshot", cwd=target)
    return target


def try_repo(
    source: Path, files: list[str], cwd: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(source),
            "trustlint",
            "--files",
            *files,
        ],
        cwd=cwd,
        env={
            **os.environ,
            "PRE_COMMIT_HOME": str(home),
            "NO_COLOR": "1",
            "PRE_COMMIT_COLOR": "never",
        },
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.slow
def test_pre_commit_hook_fails_on_a_wildcard_trust_and_passes_on_a_clean_file(
    tmp_path: Path,
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed; pre-commit needs it")
    source = repository_snapshot(tmp_path / "trustlint")
    user_repository = tmp_path / "infrastructure"
    user_repository.mkdir()
    git("init", "--quiet", cwd=user_repository)
    shutil.copyfile(CASES / "wildcard_trust_policy.json", user_repository / "open.json")
    shutil.copyfile(CASES / "lambda_trust_policy.json", user_repository / "lambda.json")
    git("add", "--all", cwd=user_repository)
    home = tmp_path / "pre-commit-home"

    failing = try_repo(source, ["open.json"], user_repository, home)
    passing = try_repo(source, ["lambda.json"], user_repository, home)

    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "open.json:7:28: TL001 error " in failing.stdout
    assert "1 finding (1 error, 0 warnings, 0 notes)" in failing.stdout
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert re.search(r"^trustlint\.+Passed$", passing.stdout, re.MULTILINE), passing.stdout


def commit_with_hook(
    repository: Path, source: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    """`git commit` in `repository` with the hook installed from `source`, as a user runs it."""
    revision = git("rev-parse", "HEAD", cwd=source).strip()
    config = (
        f"repos:\n  - repo: {source.as_posix()}\n    rev: {revision}\n"
        "    hooks:\n      - id: trustlint\n"
    )
    (repository / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    environment = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "NO_COLOR": "1",
        "PRE_COMMIT_COLOR": "never",
        "TRUSTLINT_CACHE_DIR": str(home / "trustlint-cache"),
    }
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=repository,
        env=environment,
        capture_output=True,
        check=True,
    )
    git("add", ".pre-commit-config.yaml", cwd=repository)
    return subprocess.run(
        ["git", *GIT_IDENTITY, "commit", "-m", "change"],
        cwd=repository,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.slow
def test_a_staged_trust_change_that_breaks_a_grant_in_another_file_fails_the_commit(
    tmp_path: Path,
) -> None:
    # The role's trust is in prod/deploy.yaml, the grant to assume it in ci/main.tf;
    # the change no longer admits the CI role, and only the trust's file is staged.
    if shutil.which("git") is None:
        pytest.skip("git is not installed; pre-commit needs it")
    source = repository_snapshot(tmp_path / "trustlint")
    repository = tmp_path / "infrastructure"
    shutil.copytree(FIXTURES / "cli" / "cross_file_hook", repository)
    git("init", "--quiet", cwd=repository)
    git("add", "--all", cwd=repository)
    git("commit", "--quiet", "--no-verify", "-m", "start", cwd=repository)
    shutil.copyfile(
        FIXTURES / "cli" / "cross_file_hook_trust_without_ci.yaml",
        repository / "prod" / "deploy.yaml",
    )
    git("add", "prod/deploy.yaml", cwd=repository)

    done = commit_with_hook(repository, source, tmp_path / "pre-commit-home")

    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert re.search(r"^trustlint\.+Failed$", output, re.MULTILINE), output
    assert "ci/main.tf:21:18: TL004 warning Role aws_iam_role.ci is granted" in output
    assert "(involves prod/deploy.yaml)" in output
    assert git("rev-list", "--count", "HEAD", cwd=repository).strip() == "1"
