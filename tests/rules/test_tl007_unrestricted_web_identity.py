"""TL007 unrestricted-web-identity: OIDC trusts that do not pin the token's subject."""

from __future__ import annotations

import pytest
from check_harness import policy_text, read_document, run_on_policy
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.checks.federation import (
    GITHUB_PROVIDER,
    check_unrestricted_web_identity,
    github_org_wide,
    matches_everything,
    pin_state,
)
from trustlint.findings import Finding
from trustlint.model import Location, Unknown
from trustlint.policy_reader import read_policy
from trustlint.tree import LMap

CASES = FIXTURES / "rules" / "TL007"
GITHUB_ARN = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SUB = "token.actions.githubusercontent.com:sub"


def scan(project: Project, fixture: str, strict: bool = False) -> list[tuple[str, int, int]]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    findings = scan_fixture(project, {name: CASES / fixture}, select=["TL007"], strict=strict)
    return locations(findings)


# --- every format: reported at the federated principal ------------------------------------


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("github_aud_only.yaml", 12, 26),
        ("github_aud_only.template.json", 14, 30),
        ("github_aud_only_jsonencode.tf", 12, 33),
        ("github_aud_only_heredoc.tf", 9, 34),
        ("github_aud_only_policy_document.tf", 11, 22),
        ("github_aud_only.json", 6, 34),
        ("github_without_condition.json", 6, 34),
    ],
)
def test_github_trust_with_only_an_audience_condition_is_reported_at_the_principal(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert scan(project, fixture) == [("TL007", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "github_sub_pinned.yaml",
        "github_sub_pinned.template.json",
        "github_sub_pinned_jsonencode.tf",
        "github_sub_pinned_heredoc.tf",
        "github_sub_pinned_policy_document.tf",
        "github_sub_pinned.json",
    ],
)
def test_github_trust_pinned_to_a_repository_is_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


def test_provider_named_by_reference_is_recognised(project: Project) -> None:
    assert scan(project, "github_provider_reference.yaml") == [("TL007", 18, 26)]


def test_provider_arn_from_terraform_resource_is_recognised(project: Project) -> None:
    assert scan(project, "github_provider_reference_policy_document.tf") == [("TL007", 11, 22)]


# --- subject values that match everyone: reported at the value ----------------------------


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("github_sub_wildcard.json", 8, 79),
        ("github_sub_repo_wildcard.json", 8, 79),
        ("github_sub_any_owner.json", 8, 79),
        ("github_sub_owner_prefix_wildcard.json", 8, 79),
        ("github_sub_one_wildcard_among_values.json", 8, 117),
        ("github_sub_claim_chosen_by_workflow.json", 8, 81),
        ("github_sub_string_equals_star.json", 8, 81),
        ("github_job_workflow_ref_any_owner.json", 8, 92),
        ("github_sub_wildcard.yaml", 16, 58),
        ("github_sub_wildcard_policy_document.tf", 11, 38),
        ("gitlab_any_group.json", 8, 54),
        ("cognito_aud_wildcard.json", 8, 74),
    ],
)
def test_subject_value_any_caller_matches_is_reported_at_the_value(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert scan(project, fixture) == [("TL007", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "github_sub_immutable_owner_id.json",
        "github_sub_immutable_repository.json",
        "github_org_wide_sub_and_pinned_repository.json",
        "circleci_org_sub_pinned.json",
        "github_repository_claim.json",
        "github_repository_id_claim.json",
        "github_mixed_case_key.json",
        "github_sub_for_all_values.json",
        "github_enterprise_issuer_pinned.json",
        "eks_with_sub.json",
        "google_audience.json",
        "cognito_with_aud.json",
        "deny_pins_subject.json",
        "github_empty_subject_list_policy_document.tf",
    ],
)
def test_trust_that_pins_its_callers_is_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


@pytest.mark.parametrize(
    "fixture",
    [
        "github_ref_only.json",
        "github_sub_not_like.json",
        "cognito_without_aud.json",
        "deny_with_any_owner_does_not_pin.json",
    ],
)
def test_conditions_that_do_not_pin_the_caller_are_reported_at_the_principal(
    project: Project, fixture: str
) -> None:
    assert scan(project, fixture) == [("TL007", 6, 34)]


# --- per-tenant issuers: a warning that says who can assume ---------------------------------


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("circleci_org_aud_only.yaml", 11, 26),
        ("circleci_org_aud_only.template.json", 12, 42),
        ("circleci_org_aud_only_policy_document.tf", 16, 22),
        ("circleci_org_aud_only_policy.json", 6, 34),
        ("bitbucket_workspace_without_sub.json", 6, 34),
        ("eks_without_sub.json", 6, 34),
        ("github_enterprise_issuer_without_sub.json", 6, 34),
        ("gitlab_self_managed_sub_wildcard.json", 8, 62),
    ],
)
def test_per_tenant_issuer_without_a_pinned_subject_is_a_warning(
    project: Project, fixture: str, line: int, column: int
) -> None:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    findings = scan_fixture(project, {name: CASES / fixture}, select=["TL007"])
    assert [(f.rule_id, f.level, f.location.line, f.location.column) for f in findings] == [
        ("TL007", "warning", line, column)
    ]


def test_circleci_message_says_any_project_of_the_organization(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "circleci_org_aud_only.yaml"}, select=["TL007"]
    )
    org = "5f2d0c1e-8a3b-4c7d-9e6f-1a2b3c4d5e6f"
    host = f"oidc.circleci.com/org/{org}"
    assert finding.message == (
        f"Role CircleCiRole lets any project of the CircleCI organization {org} assume it: no "
        f"condition pins the token's subject ({host}:aud only names the organization, which all "
        f'its tokens carry); add Condition StringLike {host}:sub "org/{org}/project/PROJECT_ID/'
        'user/*"'
    )


def test_shared_issuer_without_a_pinned_subject_stays_an_error(project: Project) -> None:
    findings = scan_fixture(
        project, {"trust.json": CASES / "github_without_condition.json"}, select=["TL007"]
    )
    assert [f.level for f in findings] == ["error"]


# --- a GitHub organization's every repository: a note -----------------------------------------


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("github_sub_org_wide.yaml", 16, 58),
        ("github_sub_org_wide.template.json", 14, 88),
        ("github_sub_org_wide_policy_document.tf", 11, 19),
        ("github_sub_org_wide_immutable_owner.json", 8, 79),
        ("github_sub_owner_only.json", 8, 79),
        ("github_sub_custom_owner_claim.json", 8, 79),
    ],
)
def test_subject_pinned_to_an_organization_only_is_a_note(
    project: Project, fixture: str, line: int, column: int
) -> None:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    findings = scan_fixture(project, {name: CASES / fixture}, select=["TL007"])
    assert [(f.rule_id, f.level, f.location.line, f.location.column) for f in findings] == [
        ("TL007", "note", line, column)
    ]


def test_organization_wide_message_names_the_organization_and_the_fix(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "github_sub_org_wide.yaml"}, select=["TL007"]
    )
    assert finding.message == (
        "Role DeployRole trusts token.actions.githubusercontent.com tokens whose "
        "token.actions.githubusercontent.com:sub matches 'repo:acme/*', which admits every "
        "repository of acme, including ones created later; pin the repositories that need it, "
        'such as "repo:OWNER/REPO:ref:refs/heads/main" (or the immutable '
        '"repo:OWNER@ID/REPO@ID:...")'
    )


@pytest.mark.parametrize(
    ("value", "owner"),
    [
        ("repo:acme/*", "acme"),
        ("repo:acme/*:ref:refs/heads/main", "acme"),
        ("repo:acme@42/*", "acme@42"),
        ("repo:acme/*@*:*", "acme"),
        ("repository_owner:acme", "acme"),
        ("repository_owner_id:42:*", "42"),
    ],
)
def test_organization_wide_subjects(value: str, owner: str) -> None:
    assert github_org_wide("sub", value) == owner


@pytest.mark.parametrize(
    "value",
    [
        "repo:acme/app:*",
        "repo:acme/app-*",
        "repo:acme@42/app@43:*",
        "repo:acme/*@43:ref:refs/heads/main",
        "repo:*/app:*",
        "repository_owner:acme:repository:acme/app",
        "environment:prod",
    ],
)
def test_subjects_that_name_a_repository_are_not_organization_wide(value: str) -> None:
    assert github_org_wide("sub", value) is None


def test_cognito_trust_without_audience_is_reported_in_cloudformation(project: Project) -> None:
    assert scan(project, "cognito_without_aud.yaml") == [("TL007", 11, 26)]


@pytest.mark.parametrize(
    "fixture", ["saml_provider.json", "federated_with_assume_role_action.json"]
)
def test_trust_that_is_not_a_web_identity_trust_is_not_this_rules_business(
    project: Project, fixture: str
) -> None:
    assert scan(project, fixture) == []


def test_unresolved_subject_is_silent(project: Project) -> None:
    assert scan(project, "github_unresolved_sub.yaml") == []


def test_unresolved_subject_is_a_note_with_strict(project: Project) -> None:
    findings = scan_fixture(
        project,
        {"template.yaml": CASES / "github_unresolved_sub.yaml"},
        select=["TL007"],
        strict=True,
    )
    assert [(f.level, f.location.line, f.location.column) for f in findings] == [("note", 15, 26)]
    assert findings[0].message.startswith("cannot decide:")


def test_conditional_subject_names_the_branch_that_opens_the_role(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "github_conditional_sub.yaml"}, select=["TL007"]
    )
    assert (finding.location.line, finding.location.column) == (22, 108)
    assert finding.message.endswith("(when IsProd=false)")


# --- messages -------------------------------------------------------------------------------


def test_message_names_the_role_the_audience_and_the_fix(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "github_aud_only.yaml"}, select=["TL007"]
    )
    assert finding.message == (
        "Role DeployRole lets every GitHub Actions workflow of every repository assume it: no "
        "condition pins the token's subject (token.actions.githubusercontent.com:aud only names "
        "the audience, which every token for AWS carries); add Condition StringLike "
        'token.actions.githubusercontent.com:sub "repo:OWNER/REPO:ref:refs/heads/main" (or '
        '"repo:OWNER/REPO:environment:NAME")'
    )
    assert finding.resource == "Role DeployRole"
    assert finding.statement == "statement 1"


def test_message_for_an_open_value_says_why(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"trust.json": CASES / "github_sub_any_owner.json"}, select=["TL007"]
    )
    assert finding.message == (
        "trust policy trust.json trusts token.actions.githubusercontent.com tokens whose "
        "token.actions.githubusercontent.com:sub matches 'repo:*/infra:*', which matches "
        "subjects of any owner; replace it with values that name the caller, such as "
        '"repo:OWNER/REPO:ref:refs/heads/main"'
    )
    assert finding.subject == SUB


def test_message_for_string_equals_wildcard_says_it_compares_literally(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"trust.json": CASES / "github_sub_string_equals_star.json"}, select=["TL007"]
    )
    assert "StringEquals compares literally" in finding.message


def test_cognito_message_advises_aud_and_amr(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"trust.json": CASES / "cognito_without_aud.json"}, select=["TL007"]
    )
    assert finding.message == (
        "trust policy trust.json trusts cognito-identity.amazonaws.com without a condition on "
        "cognito-identity.amazonaws.com:aud: identities of any identity pool, in any account, "
        "can assume it; add Condition StringEquals cognito-identity.amazonaws.com:aud with the "
        "identity pool id, and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr "
        '"authenticated" to admit only signed-in identities'
    )


def test_message_keeps_the_provider_host_as_written(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"trust.json": CASES / "eks_without_sub.json"}, select=["TL007"]
    )
    assert "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub" in (
        finding.message
    )


# --- the semantics, on documents read by the policy reader --------------------------------


def web_identity(condition: dict[str, object] | None = None, principal: str = GITHUB_ARN) -> str:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Federated": principal},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        statement["Condition"] = condition
    return policy_text(statement)


def subjects(findings: list[Finding]) -> list[str]:
    return [finding.subject for finding in findings]


def github_sub_pinned(operator: str, *values: str) -> bool | None:
    document = read_document(web_identity({operator: {SUB: list(values)}}))
    [statement] = document.statements
    state = pin_state(statement, "token.actions.githubusercontent.com", GITHUB_PROVIDER)
    return state.pinned


@pytest.mark.parametrize(
    "value",
    [
        "repo:acme/app:ref:refs/heads/main",
        "repo:acme/app:*",
        "repo:acme/*",
        "repo:acme@123/app@456:*",
        "repo:acme@*/app:*",
        "repo:*@123/app:*",
        "repository_owner:acme:*",
        "repository_owner_id:123:*",
        "job_workflow_ref:acme/shared/.github/workflows/deploy.yml@refs/heads/main",
    ],
)
def test_github_subjects_that_name_their_owner_pin(value: str) -> None:
    assert github_sub_pinned("StringLike", value) is True


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "**",
        "?*",
        "repo:*",
        "repo:*/app:*",
        "repo:acme*/app:*",
        "repo:ac?me/app:*",
        "*:ref:refs/heads/main",
        "workflow:deploy:repo:acme/app:*",
        "environment:prod:repo:acme/app",
        "ref:refs/heads/main",
        "context:ref:refs/heads/main",
        "repo:*@*/app:*",
    ],
)
def test_github_subjects_any_owner_can_present_do_not_pin(value: str) -> None:
    assert github_sub_pinned("StringLike", value) is False


def test_one_open_value_among_several_opens_the_condition() -> None:
    assert github_sub_pinned("StringLike", "repo:acme/app:*", "repo:*") is False


@pytest.mark.parametrize("operator", ["StringNotEquals", "StringNotLike", "ArnLike", "Bool"])
def test_negative_and_non_string_operators_do_not_pin(operator: str) -> None:
    assert github_sub_pinned(operator, "repo:acme/app:*") is False


@pytest.mark.parametrize(
    "operator",
    [
        "StringEquals",
        "StringEqualsIgnoreCase",
        "StringLikeIfExists",
        "ForAnyValue:StringLike",
        "ForAllValues:StringLike",
    ],
)
def test_positive_operators_pin_the_always_present_subject(operator: str) -> None:
    assert github_sub_pinned(operator, "repo:acme/app:*") is True


def test_if_exists_on_a_claim_that_may_be_absent_does_not_pin() -> None:
    text = web_identity(
        {"StringEqualsIfExists": {"token.actions.githubusercontent.com:enterprise_id": "42"}}
    )
    assert subjects(run_on_policy(check_unrestricted_web_identity, text)) == [GITHUB_ARN]


def test_enterprise_id_pins_the_enterprise() -> None:
    text = web_identity(
        {"StringEquals": {"token.actions.githubusercontent.com:enterprise_id": "42"}}
    )
    assert run_on_policy(check_unrestricted_web_identity, text) == []


def test_unresolved_subject_value_leaves_the_pin_undecided() -> None:
    here = Location("template.yaml", 1, 1, 1, 2)
    condition = LMap(here)
    block = LMap(here)
    block.put(SUB, Unknown("!Ref Subject", here, "parameter without default"), here, here)
    condition.put("StringLike", block, here, here)
    statement = LMap(here)
    for key, value in (
        ("Effect", "Allow"),
        ("Action", "sts:AssumeRoleWithWebIdentity"),
        ("Condition", condition),
    ):
        statement.put(key, value, here, here)
    document = LMap(here)
    document.put("Statement", statement, here, here)
    [read] = read_policy(document, here, "trust").statements
    state = pin_state(read, "token.actions.githubusercontent.com", GITHUB_PROVIDER)
    assert state.pinned is None


def test_deny_statements_are_not_reported() -> None:
    text = policy_text(
        {
            "Effect": "Deny",
            "Principal": {"Federated": GITHUB_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
        }
    )
    assert run_on_policy(check_unrestricted_web_identity, text) == []


def test_wildcard_action_covers_web_identity() -> None:
    text = policy_text(
        {"Effect": "Allow", "Principal": {"Federated": GITHUB_ARN}, "Action": "sts:*"}
    )
    assert subjects(run_on_policy(check_unrestricted_web_identity, text)) == [GITHUB_ARN]


def test_each_federated_principal_is_judged_by_its_own_host() -> None:
    text = policy_text(
        {
            "Effect": "Allow",
            "Principal": {
                "Federated": [GITHUB_ARN, "arn:aws:iam::111122223333:oidc-provider/gitlab.com"]
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {SUB: "repo:acme/app:*"}},
        }
    )
    findings = run_on_policy(check_unrestricted_web_identity, text)
    assert subjects(findings) == ["arn:aws:iam::111122223333:oidc-provider/gitlab.com"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("*", True), ("**", True), ("?*", True), ("?", False), ("", False), ("a*", False)],
)
def test_patterns_made_only_of_wildcards_match_everything(text: str, expected: bool) -> None:
    assert matches_everything(text) is expected


def test_federated_wildcard_is_reported_whatever_its_conditions_pin(project: Project) -> None:
    # A condition on one provider's claims does not stop another provider's
    # tokens when every provider is trusted.
    [finding] = scan_fixture(
        project,
        {"trust.json": CASES / "federated_wildcard_with_a_sub_condition.json"},
        select=["TL007"],
    )
    assert (finding.location.line, finding.location.column) == (6, 34)
    assert finding.message == (
        'trust policy trust.json trusts the tokens of every identity provider ({"Federated": '
        '"*"}); name the provider (arn:aws:iam::ACCOUNT:oidc-provider/HOST) and add Condition '
        "StringEquals HOST:sub with the subjects allowed"
    )
