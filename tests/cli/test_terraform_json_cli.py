"""`trustlint scan` on Terraform JSON syntax, as a user runs it."""

from __future__ import annotations

import json

from cli_support import run_trustlint
from conftest import FIXTURES, Project

WILDCARD = FIXTURES / "rules" / "json_syntax" / "wildcard_jsonencode.tf.json"


def test_a_directory_holding_only_main_tf_json_is_scanned_and_counted(project: Project) -> None:
    project.copy(WILDCARD, "stack/main.tf.json")
    result = run_trustlint("scan", "stack", cwd=project.root)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("stack/main.tf.json:6:154: TL001 error Role aws_iam_role.public ")
    assert lines[-1] == "1 finding (1 error, 0 warnings, 0 notes) in 1 file."


def test_a_tf_json_named_on_the_command_line_is_read_as_terraform(project: Project) -> None:
    project.copy(WILDCARD, "stack/main.tf.json")
    result = run_trustlint("scan", "stack/main.tf.json", "--format", "json", cwd=project.root)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    (finding,) = report["findings"]
    assert (finding["rule"], finding["location"]["path"]) == ("TL001", "stack/main.tf.json")
    assert (finding["location"]["line"], finding["location"]["column"]) == (6, 154)
