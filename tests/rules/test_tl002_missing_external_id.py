"""TL002 missing-external-id: AssumeRole trust to another organization's account."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "TL002"


def scan(
    project: Project, fixture: str, strict: bool = False, config: str | None = None
) -> list[Finding]:
    if config is not None:
        project.write(".trustlint.yaml", config)
    name = "main.tf" if fixture.endswith(".tf") else fixture
    return scan_fixture(project, {name: CASES / fixture}, select=["TL002"], strict=strict)


def levels(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return sorted((f.rule_id, f.level, f.location.line, f.location.column) for f in findings)


@pytest.mark.parametrize(
    ("fixture", "level", "line", "column"),
    [
        ("vendor_root_without_external_id.yaml", "error", 12, 20),
        ("external_role_arn.json", "warning", 13, 36),
        ("vendor_root_jsonencode.tf", "error", 7, 27),
        ("external_account_heredoc.tf", "warning", 9, 28),
        ("vendor_root_policy_document.tf", "error", 7, 22),
        ("external_bare_account_policy.json", "warning", 6, 28),
    ],
)
def test_third_party_trust_without_external_id_is_reported(
    project: Project, fixture: str, level: str, line: int, column: int
) -> None:
    assert levels(scan(project, fixture)) == [("TL002", level, line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "vendor_root_with_external_id.yaml",
        "external_role_arn_with_external_id.json",
        "vendor_root_with_external_id_jsonencode.tf",
        "external_account_with_external_id_heredoc.tf",
        "vendor_root_with_external_id_policy_document.tf",
        "external_account_with_external_id_policy.json",
    ],
)
def test_third_party_trust_with_external_id_is_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


def test_known_vendor_message_names_the_vendor(project: Project) -> None:
    [finding] = scan(project, "vendor_root_without_external_id.yaml")
    assert finding.message == (
        "Role DataIngestionRole trusts account 464622532012 (Datadog) without sts:ExternalId; "
        "add Condition StringEquals sts:ExternalId"
    )
    assert (finding.resource, finding.statement, finding.subject) == (
        "Role DataIngestionRole",
        "statement 1",
        "arn:aws:iam::464622532012:root",
    )


def test_unknown_account_message_suggests_declaring_it_internal(project: Project) -> None:
    [finding] = scan(project, "external_role_arn.json")
    assert finding.message == (
        "Role PartnerRole trusts arn:aws:iam::210987654321:role/partner-sync of account "
        "210987654321 without sts:ExternalId; add Condition StringEquals sts:ExternalId with the "
        "id agreed with the account's owner, or declare the account in accounts.internal if it "
        "is yours"
    )


def test_china_partition_root_is_reported(project: Project) -> None:
    assert locations(scan(project, "china_partition_root.json")) == [("TL002", 6, 28)]


def test_govcloud_partition_user_is_reported(project: Project) -> None:
    assert locations(scan(project, "govcloud_partition_user.json")) == [("TL002", 6, 28)]


def test_external_id_if_exists_does_not_count(project: Project) -> None:
    [finding] = scan(project, "external_id_if_exists.json")
    assert (finding.location.line, finding.location.column) == (6, 28)
    assert finding.message.endswith(
        "; its StringEqualsIfExists sts:ExternalId condition does not require a fixed id"
    )


def test_empty_external_id_does_not_count(project: Project) -> None:
    assert locations(scan(project, "external_id_empty.json")) == [("TL002", 6, 28)]


def test_string_like_star_external_id_does_not_count(project: Project) -> None:
    assert locations(scan(project, "external_id_string_like_star.json")) == [("TL002", 6, 28)]


def test_lower_case_external_id_key_counts(project: Project) -> None:
    assert scan(project, "lower_case_external_id_key.json") == []


@pytest.mark.parametrize(
    "fixture",
    [
        "action_sts_wildcard.json",
        "action_assume_prefix.json",
        "action_upper_case.json",
        "not_action_allows_assume_role.json",
    ],
)
def test_every_action_shape_that_allows_assume_role_is_checked(
    project: Project, fixture: str
) -> None:
    assert locations(scan(project, fixture)) == [("TL002", 6, 28)]


def test_saml_only_trust_is_not_an_assume_role_trust(project: Project) -> None:
    assert scan(project, "saml_action_only.json") == []


def test_wildcard_principal_is_left_to_tl001(project: Project) -> None:
    assert scan(project, "wildcard_principal.json") == []


def test_own_account_root_needs_no_external_id(project: Project) -> None:
    assert scan(project, "own_account_root.yaml") == []


def test_internal_account_needs_no_external_id(project: Project) -> None:
    config = 'accounts:\n  internal: {"210987654321": shared-services}\n'
    assert scan(project, "external_bare_account_policy.json", config=config) == []


def test_account_configured_as_the_roles_own_needs_no_external_id(project: Project) -> None:
    config = 'accounts:\n  paths:\n    - {glob: "*.json", account: "210987654321"}\n'
    assert scan(project, "external_bare_account_policy.json", config=config) == []


def test_configured_third_party_is_an_error_named_from_config(project: Project) -> None:
    config = 'accounts:\n  third_party: {"210987654321": Acme Backup}\n'
    [finding] = scan(project, "external_bare_account_policy.json", config=config)
    assert finding.level == "error"
    assert finding.message == (
        "trust policy external_bare_account_policy.json trusts account 210987654321 "
        "(Acme Backup) without sts:ExternalId; add Condition StringEquals sts:ExternalId"
    )


def test_principal_org_id_of_the_configured_organization_fences(project: Project) -> None:
    config = "accounts:\n  organization_id: o-abc123def4\n"
    assert scan(project, "org_fenced_external_account.json", config=config) == []


def test_principal_org_id_of_another_organization_does_not_fence(project: Project) -> None:
    config = "accounts:\n  organization_id: o-zzz999yyy8\n"
    assert locations(scan(project, "org_fenced_external_account.json", config=config)) == [
        ("TL002", 6, 28)
    ]


def test_each_principal_of_a_statement_is_judged_on_its_own(project: Project) -> None:
    config = 'accounts:\n  internal: {"111111111111": security}\n'
    findings = scan(project, "mixed_internal_and_vendor_accounts.json", config=config)
    assert levels(findings) == [("TL002", "error", 6, 63)]


def test_unresolved_principal_is_silent(project: Project) -> None:
    assert scan(project, "unresolved_principal.yaml") == []


def test_unresolved_principal_is_a_note_with_strict(project: Project) -> None:
    [finding] = scan(project, "unresolved_principal.yaml", strict=True)
    assert (finding.level, finding.location.line, finding.location.column) == ("note", 12, 20)
    assert finding.message.startswith("cannot decide: Role PartnerRole trusts an AWS principal")


def test_unresolved_terraform_variable_principal_is_silent(project: Project) -> None:
    assert scan(project, "unresolved_principal_variable.tf") == []


@pytest.mark.parametrize(
    "fixture",
    [
        "external_user_with_mfa.yaml",
        "external_user_with_mfa.template.json",
        "external_user_with_mfa_jsonencode.tf",
        "external_account_with_mfa_age_policy_document.tf",
        "external_user_with_mfa_policy.json",
        "vendor_root_deny_without_mfa_policy.json",
    ],
)
def test_trust_that_enforces_mfa_needs_no_external_id(project: Project, fixture: str) -> None:
    """Only a person's session carries MFA: no service acting for many customers can use it."""
    assert scan(project, fixture) == []


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("external_user_with_bool_if_exists_mfa.yaml", 12, 20),
        ("external_user_with_mfa_false_jsonencode.tf", 7, 27),
    ],
)
def test_mfa_condition_that_does_not_enforce_mfa_still_needs_external_id(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert levels(scan(project, fixture)) == [("TL002", "warning", line, column)]


def test_user_of_another_account_message_suggests_mfa_too(project: Project) -> None:
    [finding] = scan(project, "external_user_with_bool_if_exists_mfa.yaml")
    assert finding.message == (
        "Role AdminRole trusts arn:aws:iam::835367859851:user/anton of account 835367859851 "
        "without sts:ExternalId or MFA; if a person signs in as that user, add Condition Bool "
        'aws:MultiFactorAuthPresent "true", else add Condition StringEquals sts:ExternalId with '
        "the id agreed with the account's owner, or declare the account in accounts.internal if "
        "it is yours"
    )
