"""TL003 missing-mfa: a trust that lets IAM users in without an MFA condition."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "TL003"
INTERNAL = 'accounts:\n  internal: {"111111111111": security}\n'


def scan(
    project: Project,
    fixture: str,
    strict: bool = False,
    config: str | None = None,
    select: list[str] | None = None,
) -> list[Finding]:
    if config is not None:
        project.write(".trustlint.yaml", config)
    name = "main.tf" if fixture.endswith(".tf") else fixture
    return scan_fixture(project, {name: CASES / fixture}, select=select or ["TL003"], strict=strict)


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("own_account_root.yaml", 12, 20),
        ("own_account_user.json", 13, 36),
        ("own_account_root_jsonencode.tf", 9, 27),
        ("internal_account_user_heredoc.tf", 9, 28),
        ("own_account_root_policy_document.tf", 9, 22),
        ("internal_account_root_policy.json", 6, 28),
    ],
)
def test_trust_letting_iam_users_in_without_mfa_is_reported(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert locations(scan(project, fixture, config=INTERNAL)) == [("TL003", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "own_account_root_with_mfa.yaml",
        "own_account_user_with_mfa_age.json",
        "own_account_root_with_mfa_jsonencode.tf",
        "internal_account_user_with_mfa_heredoc.tf",
        "own_account_root_with_mfa_policy_document.tf",
        "internal_account_root_with_mfa_policy.json",
    ],
)
def test_trust_requiring_mfa_is_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture, config=INTERNAL) == []


def test_own_account_root_message(project: Project) -> None:
    [finding] = scan(project, "own_account_root.yaml")
    assert finding.level == "warning"
    assert finding.message == (
        "Role AdminRole trusts its own account without requiring MFA, so any IAM user there "
        "whose policies allow sts:AssumeRole may assume it without MFA; add Condition Bool "
        'aws:MultiFactorAuthPresent "true", or narrow aws:PrincipalArn to the roles that need it'
    )


def test_user_message_names_the_user(project: Project) -> None:
    [finding] = scan(project, "own_account_user.json")
    assert finding.message == (
        "Role BreakGlassRole trusts IAM user alice of its own account without requiring "
        'MFA; add Condition Bool aws:MultiFactorAuthPresent "true"'
    )


def test_lower_case_mfa_condition_key_counts(project: Project) -> None:
    assert scan(project, "own_account_root_with_lower_case_mfa_key.yaml") == []


def test_bool_if_exists_mfa_is_left_to_tl011(project: Project) -> None:
    findings = scan(
        project, "own_account_root_with_bool_if_exists_mfa.yaml", select=["TL003", "TL011"]
    )
    assert locations(findings) == [("TL011", 15, 15)]


def test_root_narrowed_to_roles_lets_no_user_in(project: Project) -> None:
    assert scan(project, "own_account_root_narrowed_to_roles.yaml") == []


def test_root_narrowed_to_a_user_still_needs_mfa(project: Project) -> None:
    assert locations(scan(project, "own_account_root_narrowed_to_a_user.yaml")) == [
        ("TL003", 12, 20)
    ]


def test_self_assume_pattern_is_not_a_finding_of_any_rule(project: Project) -> None:
    project.copy(CASES / "self_assume_pattern.yaml")
    assert project.scan() == []


def test_self_assume_pattern_in_terraform_is_not_a_finding_of_any_rule(
    project: Project,
) -> None:
    project.copy(CASES / "self_assume_pattern_policy_document.tf", "main.tf")
    assert project.scan() == []


def test_deny_without_mfa_beside_the_allow_enforces_mfa(project: Project) -> None:
    assert scan(project, "deny_without_mfa.yaml") == []


def test_role_principal_cannot_carry_mfa(project: Project) -> None:
    assert scan(project, "own_account_role.yaml") == []


def test_service_and_federated_principals_cannot_carry_mfa(project: Project) -> None:
    assert scan(project, "service_and_federated_principals.json", config=INTERNAL) == []


def test_third_party_account_is_left_to_tl002(project: Project) -> None:
    findings = scan(project, "vendor_account_root.yaml", select=["TL002", "TL003"])
    assert locations(findings) == [("TL002", 12, 20)]


def test_account_not_declared_internal_is_left_to_tl002(project: Project) -> None:
    assert scan(project, "internal_account_root_policy.json") == []


def test_require_mfa_for_users_only_skips_account_roots(project: Project) -> None:
    config = "rules:\n  TL003: {require_mfa_for: [users]}\n"
    assert scan(project, "own_account_root.yaml", config=config) == []
    assert locations(scan(project, "own_account_user.json", config=config)) == [("TL003", 13, 36)]


def test_require_mfa_for_internal_roots_only_skips_own_root(project: Project) -> None:
    config = INTERNAL + "rules:\n  TL003: {require_mfa_for: [internal-account-root]}\n"
    assert scan(project, "own_account_root.yaml", config=config) == []
    assert locations(scan(project, "internal_account_root_policy.json", config=config)) == [
        ("TL003", 6, 28)
    ]


def test_unresolved_mfa_value_is_silent(project: Project) -> None:
    assert scan(project, "own_account_root_with_unresolved_mfa.yaml") == []


def test_unresolved_mfa_value_is_a_note_with_strict(project: Project) -> None:
    [finding] = scan(project, "own_account_root_with_unresolved_mfa.yaml", strict=True)
    assert (finding.level, finding.location.line, finding.location.column) == ("note", 12, 20)
    assert finding.message == (
        "cannot decide: Role AdminRole trusts its own account, and whether a condition "
        "requires MFA cannot be resolved"
    )
