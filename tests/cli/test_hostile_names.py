"""Names from a hostile pull request cannot act on the terminal, the CI log or the runner.

The template names five roles (logical id and RoleName) with an ESC sequence
that clears the screen, CR/LF followed by a forged `::error` annotation,
`::add-mask::`, `::stop-commands::`, bidi overrides and C1 controls. Every
output format prints them escaped for itself (SPEC sections 5 and 8).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_support import run_trustlint
from conftest import FIXTURES, Project

TEMPLATE = FIXTURES / "cli" / "hostile" / "control_characters_in_names.json"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What must never be printed raw (LF ends our own lines; the template has no TAB)."""
PRINCIPAL_LINES = (14, 32, 50, 68, 86)
TL001_TEXT = (
    'trusts every AWS principal ({"AWS": "*"}) and no condition restricts callers; name the '
    "trusted accounts or roles, or add Condition StringEquals aws:PrincipalOrgID with your "
    "organization id"
)
ESCAPED_IDS = (
    "Clear\\x1b[2JRole",
    "Forged\\r\\n::error file=fake.tf,line=1::FORGED",
    "Mask\\n::add-mask::x",
    "Stop\\n::stop-commands::tok",
    "Bidi\\u202eelor\\u2066Role",
)
RAW_IDS = (
    "Clear\x1b[2JRole",
    "Forged\r\n::error file=fake.tf,line=1::FORGED",
    "Mask\n::add-mask::x",
    "Stop\n::stop-commands::tok",
    "Bidi\u202eelor\u2066Role",
)


@pytest.fixture
def hostile(project: Project) -> Path:
    project.copy(TEMPLATE, "roles.json")
    return project.root


def assert_inert(output: str) -> None:
    """No raw control or bidi character, and no line a runner would read as a command."""
    assert RAW.search(output) is None, RAW.search(output)
    for line in output.splitlines():
        assert not line.lstrip().startswith(("::add-mask", "::stop-commands", "::error file=fake"))


def test_text_shows_control_characters_as_escapes(hostile: Path) -> None:
    completed = run_trustlint("scan", cwd=hostile)

    assert completed.returncode == 1
    assert_inert(completed.stdout)
    lines = completed.stdout.splitlines()
    assert lines[:-1] == [
        f"roles.json:{line}:24: TL001 error Role {name} {TL001_TEXT}"
        for line, name in sorted(zip(PRINCIPAL_LINES, ESCAPED_IDS, strict=True))
    ]
    assert lines[-1] == "5 findings (5 errors, 0 warnings, 0 notes) in 1 file."


def test_github_annotations_cannot_be_forged(hostile: Path) -> None:
    completed = run_trustlint("scan", "--format", "github", cwd=hostile)

    assert completed.returncode == 1
    assert_inert(completed.stdout)
    lines = completed.stdout.splitlines()
    assert len(lines) == 6
    for line, name in zip(lines, ESCAPED_IDS, strict=False):
        assert line.startswith("::error file=roles.json,line=")
        # One command a line: its properties end at the first `::`, then only data.
        assert line.count("::") >= 2
        assert f"::Role {name} trusts every AWS principal" in line
    assert lines[-1] == "trustlint: 5 findings (5 errors, 0 warnings, 0 notes)."


def test_json_escapes_everything_as_json_and_keeps_the_names(hostile: Path) -> None:
    completed = run_trustlint("scan", "--format", "json", cwd=hostile)

    assert completed.returncode == 1
    assert_inert(completed.stdout)
    findings = json.loads(completed.stdout)["findings"]
    assert [(f["location"]["line"], f["resource"]) for f in findings] == sorted(
        zip(PRINCIPAL_LINES, (f"Role {name}" for name in RAW_IDS), strict=True)
    )


def test_sarif_messages_show_the_escapes(hostile: Path) -> None:
    completed = run_trustlint("scan", "--format", "sarif", cwd=hostile)

    assert completed.returncode == 1
    assert_inert(completed.stdout)
    results = json.loads(completed.stdout)["runs"][0]["results"]
    assert [
        (r["locations"][0]["physicalLocation"]["region"]["startLine"], r["message"]["text"])
        for r in results
    ] == sorted(
        (line, f"Role {name} {TL001_TEXT}")
        for line, name in zip(PRINCIPAL_LINES, ESCAPED_IDS, strict=True)
    )


def test_inspect_is_json_with_nothing_raw(hostile: Path) -> None:
    completed = run_trustlint("inspect", cwd=hostile)

    assert completed.returncode == 0, completed.stderr
    assert_inert(completed.stdout)
    [unit] = json.loads(completed.stdout)["units"]
    addresses = {role["resource"]["address"] for role in unit["roles"]}
    assert addresses == set(RAW_IDS)


@pytest.mark.parametrize("graph_format", ["dot", "mermaid", "json"])
def test_graph_labels_cannot_leave_their_quotes(hostile: Path, graph_format: str) -> None:
    completed = run_trustlint("graph", "--format", graph_format, cwd=hostile)

    assert completed.returncode == 0, completed.stderr
    assert_inert(completed.stdout)
    if graph_format == "json":
        labels = {node["label"] for node in json.loads(completed.stdout)["nodes"]}
        assert "Role Clear\x1b[2JRole (\x1b[2J)" in labels
        return
    role_lines = [line for line in completed.stdout.splitlines() if "Role " in line]
    assert len(role_lines) == 5
    # Each role is one node on one line whose label is one quoted string.
    for line in role_lines:
        label = line.split('"', 1)[1].rsplit('"', 1)[0]
        assert '"' not in label.replace('\\"', "")
    # DOT doubles the backslash of the escape, so that Graphviz shows it as it is.
    backslash = "\\\\" if graph_format == "dot" else "\\"
    assert any(f"Clear{backslash}x1b[2JRole" in line for line in role_lines)
    assert any(f"Bidi{backslash}u202eelor{backslash}u2066Role" in line for line in role_lines)


def test_a_file_named_like_a_workflow_command_is_written_as_a_path(project: Project) -> None:
    project.write("::error file=fake.tf,line=1::FORGED.json", _OPEN_TRUST)

    completed = run_trustlint("scan", "-o", "report.txt", cwd=project.root)

    assert completed.returncode == 1, completed.stderr
    report = (project.root / "report.txt").read_text(encoding="utf-8")
    assert report.startswith(
        "./::error file=fake.tf,line=1::FORGED.json:6:28: TL001 error trust policy "
        "::error file=fake.tf,line=1::FORGED.json trusts every AWS principal"
    )


_OPEN_TRUST = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": "*"},
      "Action": "sts:AssumeRole"
    }
  ]
}
"""


@pytest.mark.parametrize("paths_format", ["text", "json", "mermaid"])
def test_paths_shows_names_escaped(hostile: Path, paths_format: str) -> None:
    completed = run_trustlint(
        "paths", "--to", RAW_IDS[0], "--format", paths_format, "--no-cache", cwd=hostile
    )

    assert completed.returncode == 0, completed.stderr
    assert_inert(completed.stdout)
    if paths_format == "text":
        assert completed.stdout.splitlines()[2] == (
            "1. Any AWS principal -> Role Clear\\x1b[2JRole (\\x1b[2J)  (1 hop)"
        )
