"""The README's generated parts match what the program produces today."""

from __future__ import annotations

import re
import subprocess

from cli_support import run_trustlint
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def run_git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout


def _block(name: str) -> str:
    match = re.search(rf"<!-- {name}:start[^\n]*-->\n(.*?)<!-- {name}:end -->", README, re.S)
    assert match is not None, f"README has no {name} block"
    return match.group(1)


def test_the_rules_table_is_the_catalogue() -> None:
    completed = run_trustlint("rules", "--format", "markdown", cwd=REPO)

    assert _block("rules") == completed.stdout


def test_the_trust_graph_picture_is_the_graph_of_the_examples() -> None:
    completed = run_trustlint("graph", "examples", "--format", "mermaid", "--no-cache", cwd=REPO)

    assert _block("graph") == f"```mermaid\n{completed.stdout}```\n"


def test_the_sample_output_is_what_the_command_prints() -> None:
    completed = run_trustlint("scan", "examples/", "--no-cache", cwd=REPO)

    assert completed.returncode == 1
    assert _block("scan") == f"```\n{completed.stdout}```\n"


def test_version_pins_in_the_docs_name_tags_that_exist() -> None:
    """Until a release is tagged, the docs pin a commit (`COMMIT_SHA`), never a made-up tag."""
    tags = set(run_git("tag", "--list").split()) if (REPO / ".git").exists() else set()
    for document in (README, (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")):
        pins = re.findall(r"(?:rev: |trustlint/trustlint@)([\w.-]+)", document)
        assert pins
        for pin in pins:
            assert pin == "COMMIT_SHA" or pin in tags, pin


def test_the_paths_example_is_the_output_of_the_command_on_the_examples() -> None:
    completed = run_trustlint(
        "paths", "examples", "--to", "oncall-operator", "--no-cache", cwd=REPO
    )

    assert completed.returncode == 0, completed.stderr
    assert _block("paths") == f"```\n{completed.stdout}```\n"


def test_the_readme_gives_the_install_and_test_commands_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = (
        'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" '
        "&& python -m pytest"
    )

    assert test_command in README
    assert test_command in ci
    assert (
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && "
        "trustlint scan examples/" in README
    )
