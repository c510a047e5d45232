"""TL011 bypassable-mfa: an MFA condition in an Allow that callers without MFA pass."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "TL011"


def scan(project: Project, fixture: str) -> list[Finding]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    return scan_fixture(project, {name: CASES / fixture}, select=["TL011"])


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("bool_if_exists.yaml", 15, 15),
        ("false_value.json", 15, 38),
        ("null_present_jsonencode.tf", 12, 9),
        ("mfa_age_if_exists_heredoc.tf", 11, 21),
        ("bool_if_exists_policy_document.tf", 13, 18),
        ("for_all_values_policy.json", 8, 21),
    ],
)
def test_bypassable_mfa_condition_is_reported(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert locations(scan(project, fixture)) == [("TL011", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "bool_true.yaml",
        "true_value.json",
        "bool_true_jsonencode.tf",
        "mfa_age_heredoc.tf",
        "bool_true_policy_document.tf",
        "null_age_false_policy.json",
    ],
)
def test_enforcing_mfa_condition_is_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


def test_bool_if_exists_message_explains_the_bypass(project: Project) -> None:
    [finding] = scan(project, "bool_if_exists.yaml")
    assert finding.level == "warning"
    assert finding.message == (
        "Role AdminRole requires MFA with BoolIfExists aws:MultiFactorAuthPresent, which does "
        "not enforce it: BoolIfExists passes when aws:MultiFactorAuthPresent is absent, as it "
        'is for long-term access keys; use Bool aws:MultiFactorAuthPresent "true" instead'
    )
    assert finding.subject == "BoolIfExists aws:MultiFactorAuthPresent"


def test_lower_case_mfa_key_is_still_an_mfa_condition(project: Project) -> None:
    assert locations(scan(project, "lower_case_key_bool_if_exists_policy.json")) == [
        ("TL011", 8, 21)
    ]


def test_null_true_on_mfa_age_admits_callers_without_mfa(project: Project) -> None:
    assert locations(scan(project, "null_age_true_policy.json")) == [("TL011", 8, 21)]


def test_null_true_on_mfa_present_admits_long_term_keys(project: Project) -> None:
    assert locations(scan(project, "null_present_true_policy.json")) == [("TL011", 8, 21)]


def test_bool_if_exists_false_in_a_deny_is_the_recommended_pattern(project: Project) -> None:
    assert scan(project, "deny_bool_if_exists_false_policy.json") == []


def test_identity_policy_granting_assume_role_is_checked_too(project: Project) -> None:
    findings = scan(project, "identity_policy_bool_if_exists.yaml")
    assert locations(findings) == [("TL011", 13, 15)]
    assert findings[0].resource == "Policy AssumeAdminPolicy"
