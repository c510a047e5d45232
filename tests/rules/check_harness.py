"""Run one check over policies built in memory, without any front-end.

Policies are written as JSON text and read by the one policy reader, as the
JSON front-end does, so locations are real lines and columns of that text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from trustlint.checks import CheckContext
from trustlint.config import Config, RuleSettings
from trustlint.findings import Finding
from trustlint.frontends.yaml_loader import load_json
from trustlint.model import PolicyDocument, PolicyKind, SourceUnit
from trustlint.policy_reader import read_policy
from trustlint.project import Project

PATH = "policy.json"


def policy_text(*statements: dict[str, Any], version: str | None = "2012-10-17") -> str:
    """A policy document as indented JSON, one statement after another."""
    document: dict[str, Any] = {} if version is None else {"Version": version}
    document["Statement"] = list(statements)
    return json.dumps(document, indent=2) + "\n"


def read_document(text: str, kind: PolicyKind = "trust") -> PolicyDocument:
    tree = load_json(text, PATH)
    return read_policy(tree, tree.location, kind)


def document_unit(*documents: PolicyDocument) -> SourceUnit:
    return SourceUnit(unit=PATH, format="policy-json", paths=(PATH,), documents=documents)


def run_check(
    check: Callable[[CheckContext], Iterable[Finding]],
    units: Iterable[SourceUnit],
    *,
    options: dict[str, dict[str, Any]] | None = None,
    strict: bool = False,
) -> list[Finding]:
    rules = {rule: RuleSettings(options=values) for rule, values in (options or {}).items()}
    project = Project(list(units), Config(rules=rules))
    return sorted(check(CheckContext(project, strict=strict)), key=Finding.sort_key)


def run_on_policy(
    check: Callable[[CheckContext], Iterable[Finding]],
    text: str,
    kind: PolicyKind = "trust",
    *,
    strict: bool = False,
) -> list[Finding]:
    return run_check(check, [document_unit(read_document(text, kind))], strict=strict)
