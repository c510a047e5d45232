"""TL009 not-principal-allow: `NotPrincipal` with Allow in a trust policy."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "TL009"


def scan(project: Project, fixture: str, select: tuple[str, ...] = ("TL009",)) -> list[Finding]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    return scan_fixture(project, {name: CASES / fixture}, select=list(select))


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("not_principal_allow.yaml", 11, 13),
        ("not_principal_allow.json", 13, 15),
        ("not_principal_allow_jsonencode.tf", 7, 7),
        ("not_principal_allow_heredoc.tf", 9, 7),
        ("not_principal_allow_policy_document.tf", 5, 5),
        ("not_principal_allow_policy.json", 6, 7),
    ],
)
def test_not_principal_allow_is_reported_at_the_not_principal_key(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert locations(scan(project, fixture)) == [("TL009", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "principal_allow.yaml",
        "principal_allow.json",
        "principal_allow_jsonencode.tf",
        "principal_allow_heredoc.tf",
        "principal_allow_policy_document.tf",
        "principal_allow_policy.json",
    ],
)
def test_trust_naming_its_principals_is_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


def test_not_principal_deny_is_not_tl009(project: Project) -> None:
    assert scan(project, "not_principal_deny_policy.json") == []


def test_message_names_the_excluded_principal_and_the_fix(project: Project) -> None:
    [finding] = scan(project, "not_principal_allow.yaml")
    assert finding.level == "error"
    assert finding.message == (
        "Role OpsRole allows NotPrincipal in its trust policy, which admits every principal "
        "except arn:aws:iam::111122223333:user/intern (and AWS rejects NotPrincipal in a trust "
        "policy); name the trusted principals in Principal instead"
    )
    assert (finding.resource, finding.statement, finding.subject) == (
        "Role OpsRole",
        "statement 1",
        "NotPrincipal",
    )
