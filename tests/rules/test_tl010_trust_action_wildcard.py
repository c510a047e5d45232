"""TL010 trust-action-wildcard: `*`, `sts:*`, `sts:AssumeRole*` or `NotAction` in an Allow trust."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "TL010"


def scan(project: Project, fixture: str) -> list[Finding]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    return scan_fixture(project, {name: CASES / fixture}, select=["TL010"])


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("action_star.yaml", 13, 21),
        ("sts_wildcard_in_list.json", 14, 44),
        ("sts_wildcard_jsonencode.tf", 8, 19),
        ("not_action_heredoc.tf", 10, 7),
        ("action_star_policy_document.tf", 3, 16),
        ("upper_case_sts_wildcard_policy.json", 7, 17),
    ],
)
def test_action_wildcard_in_trust_is_reported_at_the_action(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert locations(scan(project, fixture)) == [("TL010", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "assume_role_and_tag_session.yaml",
        "assume_role.json",
        "assume_role_jsonencode.tf",
        "assume_role_heredoc.tf",
        "assume_role_policy_document.tf",
        "assume_role_policy.json",
    ],
)
def test_named_trust_actions_are_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


def test_not_action_is_reported_at_the_not_action_key(project: Project) -> None:
    [finding] = scan(project, "not_action_list_policy.json")
    assert (finding.location.line, finding.location.column) == (7, 7)
    assert finding.subject == "NotAction"
    assert finding.message == (
        "trust policy not_action_list_policy.json uses NotAction in an Allow of its trust "
        "policy, which allows the trusted AWS principals every action it does not list; list "
        "the allowed actions in Action, such as sts:AssumeRole"
    )


def test_assume_prefix_covers_every_assume_action(project: Project) -> None:
    [finding] = scan(project, "assume_prefix_policy.json")
    assert (finding.level, finding.location.line, finding.location.column) == ("warning", 7, 17)
    assert finding.message == (
        'trust policy assume_prefix_policy.json allows Action "sts:Assume*" in its trust policy, '
        "which lets the trusted AWS principals call every assume action it covers (AssumeRole, "
        "AssumeRoleWithWebIdentity, AssumeRoleWithSAML...); allow sts:AssumeRole, plus "
        "sts:TagSession only if session tags are needed"
    )


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("service_principal_sts_wildcard_policy.json", 7, 17),
        ("service_principal_action_star.yaml", 12, 21),
        ("service_principal_action_star.template.json", 13, 26),
        ("service_principal_assume_role_prefix_policy_document.tf", 3, 16),
        ("service_not_action_jsonencode.tf", 8, 7),
    ],
)
def test_service_principal_with_broad_action_is_a_note(
    project: Project, fixture: str, line: int, column: int
) -> None:
    findings = scan(project, fixture)
    assert [(f.rule_id, f.level, f.location.line, f.location.column) for f in findings] == [
        ("TL010", "note", line, column)
    ]


def test_service_message_names_services_and_the_fix(project: Project) -> None:
    [finding] = scan(project, "service_principal_action_star.yaml")
    assert finding.message == (
        'Role FunctionRole allows Action "*" in its trust policy, which lets the trusted services '
        "call every STS action on it (AssumeRole, TagSession, SetSourceIdentity...); allow "
        "sts:AssumeRole, plus sts:TagSession only if session tags are needed"
    )


def test_service_principal_with_assume_role_is_allowed(project: Project) -> None:
    assert scan(project, "service_principal_assume_role_policy_document.tf") == []


def test_service_beside_an_aws_principal_is_a_warning(project: Project) -> None:
    findings = scan(project, "service_and_aws_principal_sts_wildcard_policy.json")
    assert [(f.level, f.location.line, f.location.column) for f in findings] == [
        ("warning", 10, 17)
    ]
    assert "trusted AWS principals and services" in findings[0].message


def test_federated_principal_with_assume_role_prefix_is_a_warning(project: Project) -> None:
    [finding] = scan(project, "federated_oidc_assume_role_prefix.yaml")
    assert (finding.level, finding.location.line, finding.location.column) == ("warning", 12, 21)
    assert finding.message.endswith(
        "which lets the trusted federated users call every assume action it covers (AssumeRole, "
        "AssumeRoleWithWebIdentity, AssumeRoleWithSAML...); allow sts:AssumeRoleWithWebIdentity, "
        "plus sts:TagSession only if session tags are needed"
    )


def test_federated_principal_with_its_one_action_is_allowed(project: Project) -> None:
    assert scan(project, "federated_oidc_web_identity.yaml") == []


def test_wildcard_principal_counts_as_aws_principals(project: Project) -> None:
    assert locations(scan(project, "wildcard_principal_action_star_policy.json")) == [
        ("TL010", 7, 17)
    ]


def test_message_names_the_action_and_the_fix(project: Project) -> None:
    [finding] = scan(project, "action_star.yaml")
    assert finding.level == "warning"
    assert finding.message == (
        'Role BuildRole allows Action "*" in its trust policy, which lets the trusted AWS '
        "principals call every STS action on it (AssumeRole, TagSession, SetSourceIdentity...); "
        "allow sts:AssumeRole, plus sts:TagSession only if session tags are needed"
    )
    assert finding.subject == "*"
