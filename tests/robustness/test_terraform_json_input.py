"""Odd Terraform JSON syntax: a TL000 or nothing, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustlint.config import LoadOptions
from trustlint.frontends.terraform import load_module

ODD_FILES = [
    "",
    "[]",
    '"just a string"',
    '{"resource": 5, "data": [], "locals": null}',
    '{"resource": {"aws_iam_role": [1, {"r": {"name": "${"}}]}}',
    '{"resource": {"aws_iam_role": {"r": {"name": "${\\"}"}}}}',
    '{"resource": {"aws_iam_role": {"r": {"name": "a\\u0000b\\ud800c"}}}}',
    '{"resource": {"aws_iam_role": {"r": {"depends_on": ["${aws_iam_role.x}", "}{"]}}}}',
    '{"module": {"m": {"source": "./m", "providers": {"aws": "aws.prod", "a b": "c"}}}}',
    '{"locals": {"a": 1e400, "b": -0, "c": "\\\\${x}", "d": {"${x}": 1}}}',
    '{"output": {"o": {"value": "${\\"${\\"a\\"}\\"}"}}}',
    '{"variable": {"v": {"type": "", "default": {"a": "${b}"}}}}',
    '{"locals": {"x": ' + "[" * 400 + "]" * 400 + "}}",
    '{"resource": {"aws_iam_role": {"r": {"dynamic": {"inline_policy": '
    '{"for_each": "${[1]}", "iterator": "${p}", "content": {"policy": "${p.value}"}}}}}}}',
]


@pytest.mark.parametrize("text", ODD_FILES)
def test_odd_terraform_json_never_raises(tmp_path: Path, text: str) -> None:
    (tmp_path / "main.tf.json").write_text(text, encoding="utf-8")
    unit = load_module(tmp_path, tmp_path, LoadOptions())
    assert unit.paths == ("main.tf.json",)
    assert all(error.location.path == "main.tf.json" for error in unit.errors)
    assert all(error.location.line >= 1 and error.location.column >= 1 for error in unit.errors)
