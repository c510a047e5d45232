"""Shared helpers for the CloudFormation front-end tests: load a fixture, name a span."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trustlint.config import LoadOptions
from trustlint.frontends.cloudformation import read_template
from trustlint.frontends.yaml_loader import load_json, load_yaml
from trustlint.model import Location, SourceUnit

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURES = REPOSITORY / "tests" / "fixtures" / "parsers" / "cloudformation"


def fixture_path(name: str) -> str:
    """The fixture's project-relative path, as the model records it."""
    return (FIXTURES / name).relative_to(REPOSITORY).as_posix()


def load_file(path: Path, relative: str) -> Any:
    """Parse with the loader the file's syntax needs (JSON documents start with a brace)."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith(("{", "[")):
        return load_json(text, relative)
    return load_yaml(text, relative)


def read_fixture(name: str, options: LoadOptions | None = None) -> SourceUnit:
    path = FIXTURES / name
    relative = fixture_path(name)
    tree = load_file(path, relative)
    return read_template(tree, relative, path.read_text(encoding="utf-8"), options or LoadOptions())


def span(location: Location | None) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) of a location."""
    assert location is not None
    return (location.line, location.column, location.end_line, location.end_column)
