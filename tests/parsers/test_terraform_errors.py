"""Bad Terraform input is normal input: a clear TL000 per file, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from terraform_helpers import load, span

from trustlint.config import LoadOptions
from trustlint.frontends.terraform import load_module


def test_truncated_policy_is_a_parse_error_and_never_an_entity() -> None:
    unit = load("truncated_policy")
    (error,) = unit.errors
    assert error.message == (
        "cannot parse main.tf: unexpected end of file: '{' opened at line 10, column 18 "
        "is never closed"
    )
    assert span(error.location) == (13, 1, 13, 2)
    # The complete block before the broken one is still read.
    assert [r.resource.address for r in unit.roles] == ["aws_iam_role.fine"]


def test_unexpected_closing_brace_is_reported_where_it_is() -> None:
    unit = load("unexpected_closing_brace")
    (error,) = unit.errors
    assert error.message == "cannot parse main.tf: syntax error: unexpected '}'"
    assert span(error.location) == (5, 1, 5, 2)
    assert [r.resource.address for r in unit.roles] == ["aws_iam_role.one"]


def test_unterminated_heredoc_points_at_its_opening() -> None:
    unit = load("unterminated_heredoc")
    (error,) = unit.errors
    assert error.message == "cannot parse main.tf: unterminated heredoc: no closing EOT line"
    assert span(error.location) == (3, 24, 3, 29)
    assert unit.roles == ()


def test_unterminated_string_points_at_its_opening_quote() -> None:
    unit = load("unterminated_string")
    (error,) = unit.errors
    assert error.message == "cannot parse main.tf: unterminated string: missing closing '\"'"
    assert span(error.location) == (2, 10, 2, 11)
    assert unit.users == ()


def _write_module(directory: Path, text: str | bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "main.tf"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return directory


def test_nesting_deeper_than_the_limit_is_a_parse_error(tmp_path: Path) -> None:
    depth = 5000
    text = "locals {\n  deep = " + "[" * depth + "1" + "]" * depth + "\n}\n"
    directory = _write_module(tmp_path / "deep", text)
    unit = load_module(directory, directory, LoadOptions(max_depth=64))
    (error,) = unit.errors
    assert error.message == "cannot parse main.tf: nesting deeper than 64 levels"
    assert error.location.line == 2


def test_nesting_at_the_limit_evaluates_without_recursion_error(tmp_path: Path) -> None:
    depth = 250
    policy = "{ a = " * depth + '"x"' + " }" * depth
    text = (
        'resource "aws_iam_policy" "deep" {\n'
        '  name   = "deep"\n'
        f"  policy = jsonencode({policy})\n"
        "}\n"
    )
    directory = _write_module(tmp_path / "nested", text)
    unit = load_module(directory, directory, LoadOptions())
    assert unit.errors == ()
    (deep,) = unit.managed_policies
    assert deep.name.value == "deep"
    assert deep.document is not None


def test_invalid_utf8_is_a_parse_error(tmp_path: Path) -> None:
    directory = _write_module(tmp_path / "latin1", b'resource "aws_iam_user" "r\xe9mi" {}\n')
    unit = load_module(directory, directory, LoadOptions())
    (error,) = unit.errors
    assert error.message.startswith("cannot read main.tf: invalid UTF-8 at line 1, column 27")
    assert (error.location.line, error.location.column) == (1, 27)
    assert unit.users == ()


def test_file_over_the_size_limit_is_a_parse_error(tmp_path: Path) -> None:
    directory = _write_module(tmp_path / "large", 'resource "aws_iam_user" "u" {}\n' * 10)
    unit = load_module(directory, directory, LoadOptions(max_file_size=100))
    (error,) = unit.errors
    assert error.message == (
        "cannot read main.tf: file too large (310 bytes, the limit is 100 bytes)"
    )
    assert unit.paths == ("main.tf",)


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        (
            "a = [1, 2\nb = 3\n",
            "syntax error: missing ']' to close '[' opened at line 1, column 5",
            2,
            1,
        ),
        ("a = 1 +\n", "unexpected end of file: an expression is incomplete", 2, 1),
        ("a = 1\n)\n", "syntax error: unexpected ')'", 2, 1),
        (
            'resource "aws_iam_role" "r" {\n  name = 1\n',
            "syntax error: missing '}' to close '{' opened at line 1, column 29",
            3,
            1,
        ),
    ],
)
def test_syntax_errors_say_what_and_where(
    tmp_path: Path, text: str, message: str, line: int, column: int
) -> None:
    directory = _write_module(tmp_path / "broken", text)
    (error,) = load_module(directory, directory, LoadOptions()).errors
    assert error.message == f"cannot parse main.tf: {message}"
    assert (error.location.line, error.location.column) == (line, column)


def test_a_directory_without_terraform_files_is_an_empty_unit(tmp_path: Path) -> None:
    unit = load_module(tmp_path, tmp_path, LoadOptions())
    assert (unit.unit, unit.paths, unit.roles, unit.errors) == (".", (), (), ())
