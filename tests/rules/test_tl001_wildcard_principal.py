"""TL001 wildcard-principal: an Allow trust for any AWS principal that no condition fences."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

CASES = FIXTURES / "rules" / "TL001"


def scan(project: Project, fixture: str, strict: bool = False) -> list[tuple[str, int, int]]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    findings = scan_fixture(project, {name: CASES / fixture}, select=["TL001"], strict=strict)
    return locations(findings)


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("wildcard_principal.yaml", 11, 24),
        ("wildcard_aws_principal.json", 13, 36),
        ("wildcard_principal_jsonencode.tf", 7, 27),
        ("wildcard_principal_heredoc.tf", 9, 20),
        ("wildcard_principal_policy_document.tf", 8, 22),
        ("wildcard_principal_policy.json", 6, 28),
    ],
)
def test_wildcard_principal_is_reported_at_the_principal(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert scan(project, fixture) == [("TL001", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "wildcard_principal_with_org_id.yaml",
        "wildcard_aws_principal_with_principal_account.json",
        "wildcard_principal_with_org_id_jsonencode.tf",
        "wildcard_principal_with_source_account_heredoc.tf",
        "wildcard_principal_with_org_id_policy_document.tf",
        "wildcard_principal_with_principal_arn_policy.json",
    ],
)
def test_wildcard_principal_restricted_by_a_caller_condition_is_allowed(
    project: Project, fixture: str
) -> None:
    assert scan(project, fixture) == []


def test_for_all_values_on_single_valued_org_id_fails_open(project: Project) -> None:
    assert scan(project, "for_all_values_org_id.json") == [("TL001", 6, 28)]


def test_string_like_principal_arn_star_restricts_nothing(project: Project) -> None:
    assert scan(project, "string_like_principal_arn_star.json") == [("TL001", 6, 28)]


def test_org_id_list_with_one_wildcard_value_is_unrestricted(project: Project) -> None:
    assert scan(project, "org_id_list_with_wildcard_value.json") == [("TL001", 6, 28)]


def test_if_exists_org_id_is_not_a_fence(project: Project) -> None:
    assert scan(project, "org_id_if_exists.json") == [("TL001", 6, 28)]


def test_negative_operator_on_org_id_is_not_a_fence(project: Project) -> None:
    assert scan(project, "org_id_string_not_equals.json") == [("TL001", 6, 28)]


def test_wildcard_account_in_principal_arn_condition_is_not_a_fence(project: Project) -> None:
    assert scan(project, "wildcard_account_in_principal_arn.json") == [("TL001", 6, 28)]


def test_external_id_alone_does_not_restrict_callers(project: Project) -> None:
    assert scan(project, "external_id_only.json") == [("TL001", 6, 28)]


def test_lower_case_condition_key_still_fences(project: Project) -> None:
    assert scan(project, "lower_case_org_id_key.json") == []


def test_deny_statement_with_wildcard_principal_is_never_reported(project: Project) -> None:
    assert scan(project, "deny_wildcard_principal.json") == []


def test_wildcard_among_other_principals_is_reported_at_the_wildcard(project: Project) -> None:
    assert scan(project, "wildcard_in_principal_list.json") == [("TL001", 6, 63)]


def test_unresolved_org_id_is_silent(project: Project) -> None:
    assert scan(project, "unresolved_org_id.yaml") == []


def test_unresolved_org_id_is_a_note_with_strict(project: Project) -> None:
    project.copy(CASES / "unresolved_org_id.yaml")
    findings = project.scan(select=["TL001"], strict=True)
    assert [(f.rule_id, f.level, f.location.line, f.location.column) for f in findings] == [
        ("TL001", "note", 12, 20)
    ]
    assert findings[0].message.startswith("cannot decide: Role OrgRole trusts every AWS principal")


def test_unresolved_terraform_variable_org_id_is_silent(project: Project) -> None:
    assert scan(project, "unresolved_org_id_variable.tf") == []


def test_message_names_the_role_the_principal_and_the_fix(project: Project) -> None:
    project.copy(CASES / "wildcard_principal.yaml")
    [finding] = project.scan(select=["TL001"])
    assert finding.level == "error"
    assert finding.message == (
        'Role PublicRole trusts every AWS principal ("*") and no condition restricts callers; '
        "name the trusted accounts or roles, or add Condition StringEquals aws:PrincipalOrgID "
        "with your organization id"
    )
    assert (finding.resource, finding.statement, finding.subject) == (
        "Role PublicRole",
        "statement 1",
        "*",
    )


def test_message_explains_why_a_for_all_values_fence_fails(project: Project) -> None:
    project.copy(CASES / "for_all_values_org_id.json")
    [finding] = project.scan(select=["TL001"])
    assert finding.message == (
        "trust policy for_all_values_org_id.json trusts every AWS principal "
        '({"AWS": "*"}) and no condition restricts callers; name the trusted accounts or '
        "roles, or add Condition StringEquals aws:PrincipalOrgID with your organization id; "
        "its aws:PrincipalOrgID condition restricts nothing (ForAllValues:StringEquals passes "
        "when the key is absent)"
    )


def test_conditional_wildcard_names_the_branch(project: Project) -> None:
    project.copy(CASES / "conditional_wildcard_principal.yaml")
    [finding] = project.scan(select=["TL001"])
    assert (finding.location.line, finding.location.column) == (18, 74)
    assert finding.message.startswith(
        'Role ReaderRole (when IsProd=false) trusts every AWS principal ({"AWS": "*"})'
    )


def test_same_finding_in_every_branch_is_reported_once(project: Project) -> None:
    project.copy(CASES / "conditional_fence_open_in_both_branches.yaml")
    [finding] = project.scan(select=["TL001"])
    assert (finding.location.line, finding.location.column) == (18, 20)
    # Open whatever IsProd is: no clause at all, rather than "when IsProd=true or IsProd=false".
    assert finding.message == (
        "Role ReaderRole trusts every AWS principal "
        '({"AWS": "*"}) and no condition restricts callers; name the trusted accounts or '
        "roles, or add Condition StringEquals aws:PrincipalOrgID with your organization id"
    )


def test_message_names_the_value_that_opens_the_fence(project: Project) -> None:
    project.copy(CASES / "wildcard_account_in_principal_arn.json")
    [finding] = project.scan(select=["TL001"])
    assert finding.message.endswith(
        "; its aws:PrincipalArn condition restricts nothing (the value "
        '"arn:aws:iam::*:role/admin" names no account or organization in particular)'
    )
