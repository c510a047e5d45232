"""Helpers shared by the Terraform front-end tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from trustlint.config import LoadOptions
from trustlint.frontends.terraform import load_module
from trustlint.model import (
    Location,
    ManagedPolicy,
    PolicyDocument,
    Principal,
    Role,
    SourceUnit,
    Statement,
    Value,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "terraform"
REALWORLD = Path(__file__).resolve().parents[2] / ".." / "shared" / "realworld"


def load(case: str, **options: object) -> SourceUnit:
    """The fixture module `case`, loaded with its own directory as the project root."""
    directory = FIXTURES / case
    return load_module(directory, directory, LoadOptions(**options))  # type: ignore[arg-type]


def span(location: Location | None) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) of a location."""
    assert location is not None
    return (location.line, location.column, location.end_line, location.end_column)


def role(unit: SourceUnit, address: str) -> Role:
    return next(r for r in unit.roles if r.resource.address == address)


def managed_policy(unit: SourceUnit, address: str) -> ManagedPolicy:
    return next(p for p in unit.managed_policies if p.resource.address == address)


def trust(unit: SourceUnit, address: str) -> PolicyDocument:
    document = role(unit, address).trust_policy
    assert document is not None
    return document


def only_statement(document: PolicyDocument) -> Statement:
    assert len(document.statements) == 1, document.statements
    return document.statements[0]


def texts(values: Iterable[Value | Principal]) -> list[object]:
    return [value.value for value in values]
