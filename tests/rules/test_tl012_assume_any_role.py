"""TL012 assume-any-role: identity policies granting sts:AssumeRole on roles of any account."""

from __future__ import annotations

import pytest
from check_harness import policy_text, run_on_policy
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.checks.grants import any_account_roles, check_assume_any_role, covers_every_role

CASES = FIXTURES / "rules" / "TL012"


def scan(project: Project, fixture: str, strict: bool = False) -> list[tuple[str, int, int]]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    findings = scan_fixture(project, {name: CASES / fixture}, select=["TL012"], strict=strict)
    return locations(findings)


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("assume_any_role.yaml", 11, 23),
        ("assume_any_role.template.json", 23, 73),
        ("assume_any_role_jsonencode.tf", 8, 18),
        ("assume_any_role_heredoc.tf", 20, 65),
        ("assume_any_role_policy_document.tf", 4, 18),
        ("assume_any_role.json", 4, 65),
    ],
)
def test_assume_role_on_any_role_is_reported_at_the_resource(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert scan(project, fixture) == [("TL012", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "assume_named_role.yaml",
        "assume_named_role.template.json",
        "assume_named_role_jsonencode.tf",
        "assume_named_role_heredoc.tf",
        "assume_named_role_policy_document.tf",
        "assume_named_role.json",
    ],
)
def test_assume_role_on_a_named_role_is_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


@pytest.mark.parametrize(
    "fixture",
    [
        "star_action.json",
        "assume_prefix_action.json",
        "upper_case_action.json",
        "not_action_keeping_sts.json",
        "wildcard_account_role.json",
        "partial_wildcard_account.json",
        "resource_account_fence_with_wildcard.json",
        "deny_with_condition_does_not_cancel.json",
    ],
)
def test_every_grant_of_assume_role_on_any_account_is_reported(
    project: Project, fixture: str
) -> None:
    assert [rule for rule, _, _ in scan(project, fixture)] == ["TL012"]


@pytest.mark.parametrize(
    "fixture",
    [
        "all_roles_of_one_account.json",
        "not_action_excluding_sts.json",
        "not_resource_excluding_every_role.json",
        "resource_org_id_fence.json",
        "deny_beside_allow.json",
        "other_action_on_every_resource.json",
        "web_identity_only.json",
        "iam_users_wildcard_account.json",
    ],
)
def test_grants_confined_to_known_accounts_or_not_of_assume_role_are_allowed(
    project: Project, fixture: str
) -> None:
    assert scan(project, fixture) == []


def test_not_resource_is_reported_at_its_value(project: Project) -> None:
    assert scan(project, "not_resource.json") == [("TL012", 4, 68)]


def test_only_the_open_value_of_a_resource_list_is_reported(project: Project) -> None:
    assert scan(project, "list_with_one_wildcard_resource.json") == [("TL012", 7, 61)]


def test_inline_policy_of_a_user_is_checked(project: Project) -> None:
    assert scan(project, "user_inline_policy.yaml") == [("TL012", 15, 27)]


def test_inline_policy_of_a_permission_set_is_checked(project: Project) -> None:
    assert scan(project, "permission_set_inline_policy.yaml") == [("TL012", 13, 23)]


def test_unresolved_resource_is_silent(project: Project) -> None:
    assert scan(project, "unresolved_resource.yaml") == []


def test_unresolved_resource_is_a_note_with_strict(project: Project) -> None:
    findings = scan_fixture(
        project,
        {"template.yaml": CASES / "unresolved_resource.yaml"},
        select=["TL012"],
        strict=True,
    )
    assert [(f.level, f.location.line, f.location.column) for f in findings] == [("note", 14, 23)]
    assert findings[0].message.startswith("cannot decide:")


def test_message_for_resource_star_names_the_policy_and_the_fix(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "assume_any_role.yaml"}, select=["TL012"]
    )
    assert finding.message == (
        'Policy AssumeRolesPolicy allows sts:AssumeRole on Resource "*": every role, in any '
        "account, that trusts it; list the role ARNs it needs (arn:aws:iam::ACCOUNT:role/NAME)"
    )
    assert finding.level == "warning"
    assert finding.subject == "*"


def test_message_for_a_wildcard_account_suggests_naming_it(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"policy.json": CASES / "wildcard_account_role.json"}, select=["TL012"]
    )
    assert finding.message == (
        "policy policy.json allows sts:AssumeRole on "
        "'arn:aws:iam::*:role/OrganizationAccountAccessRole', which matches roles of any "
        "account; name the account (arn:aws:iam::ACCOUNT:role/NAME), or confine the grant with "
        "Condition StringEquals aws:ResourceOrgID"
    )


def test_trust_policies_are_not_identity_grants() -> None:
    text = policy_text(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Resource": "*"}
    )
    assert run_on_policy(check_assume_any_role, text, "trust") == []


def test_allow_is_a_grant_and_deny_is_not() -> None:
    text = policy_text({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    assert len(run_on_policy(check_assume_any_role, text, "identity")) == 1
    deny = policy_text({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})
    assert run_on_policy(check_assume_any_role, deny, "identity") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*", True),
        ("**", True),
        ("arn:aws:iam::*:role/deploy", True),
        ("arn:aws:iam::*:role/*", True),
        ("arn:*:iam::*:*", True),
        ("arn:aws:*:*:*:*", True),
        ("arn:aws:iam::?????????????:role/x", True),
        ("arn:aws:iam::1111*:role/x", True),
        ("arn:aws:iam::*:r*", True),
        ("arn:aws:iam::111122223333:role/*", False),
        ("arn:aws:iam::*:user/*", False),
        ("arn:aws:iam::*:policy/*", False),
        ("arn:aws:s3:::*", False),
        ("arn:aws:s3:::bucket/*", False),
        ("arn:aws:iam::111122223333:*", False),
    ],
)
def test_resources_matching_roles_of_any_account(text: str, expected: bool) -> None:
    assert any_account_roles(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*", True),
        ("arn:aws:iam::*:role/*", True),
        ("arn:aws:iam::*:*", True),
        ("arn:aws:iam::*:role/admin", False),
        ("arn:aws:iam::1111*:role/*", False),
        ("arn:aws:iam::111122223333:role/*", False),
    ],
)
def test_resources_covering_every_role(text: str, expected: bool) -> None:
    assert covers_every_role(text) is expected
