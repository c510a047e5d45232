"""TL004 grant-without-trust: an identity grant the target role's trust policy does not honour."""

from __future__ import annotations

import pytest
from conftest import Project
from graph_builders import (
    at,
    grant,
    group,
    managed_policy,
    policy,
    project,
    role,
    trust,
    unit,
    user,
)
from graph_support import scan_case, where

from trustlint.checks import CheckContext
from trustlint.checks.one_sided import check_grant_without_trust
from trustlint.findings import Finding, RelatedLocation
from trustlint.model import Location, PolicyDocument, Unknown

TOOLS = "111111111111"
PROD = "222222222222"
DEPLOY = f"arn:aws:iam::{PROD}:role/deploy"


def tl004(*units: object, **accounts: object) -> list[Finding]:
    built = project(*units, **accounts)  # type: ignore[arg-type]
    return sorted(check_grant_without_trust(CheckContext(built)), key=Finding.sort_key)


# --- across files and formats -------------------------------------------------------------


def test_terraform_grant_matching_a_cloudformation_trust_is_not_reported(project: Project) -> None:
    assert scan_case(project, "terraform_grant_matches_cloudformation_trust") == []


def test_grant_on_a_role_that_trusts_another_role_is_reported_at_the_resource(
    project: Project,
) -> None:
    [finding] = scan_case(project, "grant_on_role_that_trusts_another_role")
    assert finding.rule_id == "TL004"
    assert finding.level == "warning"
    assert finding.location == Location("tools/main.tf", 21, 18, 21, 57)
    assert finding.message == (
        "Role aws_iam_role.ci is granted sts:AssumeRole on Role DeployRole (account "
        "222222222222) by Policy aws_iam_role_policy.assume_deploy (statement 1), but the trust "
        "policy of Role DeployRole does not admit Role aws_iam_role.ci (account 111111111111): "
        "the call will fail; add arn:aws:iam::111111111111:role/ci-runner to the trust policy, "
        "or remove the grant"
    )
    assert finding.resource == "Policy aws_iam_role_policy.assume_deploy"
    assert finding.statement == "statement 1"
    assert finding.subject == f"Role aws_iam_role.ci -> {DEPLOY}"
    [related] = finding.related
    assert related.message == "the trust policy of Role DeployRole"
    assert (related.location.path, related.location.line, related.location.column) == (
        "prod/deploy_role.yaml",
        9,
        9,
    )


def test_group_grant_reaches_its_member_whom_the_trust_does_not_admit(project: Project) -> None:
    [finding] = scan_case(project, "group_grant_not_admitted_by_trust")
    assert where([finding]) == [("TL004", "tools/users.yaml", 14, 27)]
    assert finding.message.startswith(
        "User Alice is granted sts:AssumeRole on Role DeployRole (account 222222222222) by the "
        "inline policy assume-deploy of Group Deployers (statement 1), but the trust policy of "
        "Role DeployRole does not admit User Alice (account 111111111111)"
    )
    assert "add arn:aws:iam::111111111111:user/alice to the trust policy" in finding.message


def test_group_grant_reaching_an_admitted_member_is_not_reported(project: Project) -> None:
    assert scan_case(project, "group_grant_reaches_member") == []


def test_grant_by_getatt_inside_one_template_needs_no_configured_account(
    project: Project,
) -> None:
    [finding] = scan_case(project, "single_template_grant_by_getatt_not_admitted")
    assert where([finding]) == [("TL004", "template.yaml", 13, 27)]
    assert finding.message == (
        "User Auditor is granted sts:AssumeRole on Role ReportsRole by its inline policy "
        "assume-reports (statement 1), but the trust policy of Role ReportsRole does not admit "
        "User Auditor: the call will fail; add the ARN of User Auditor to the trust policy, or "
        "remove the grant"
    )


def test_account_authorization_exports_are_joined_across_files(project: Project) -> None:
    findings = scan_case(project, "account_authorization_exports")
    assert where(findings) == [
        ("TL004", "tools_account.json", 16, 87),
        ("TL005", "prod_account.json", 12, 34),
    ]


def test_units_without_configured_accounts_are_never_assumed_to_be_one_account(
    project: Project,
) -> None:
    assert scan_case(project, "units_without_configured_accounts") == []


def test_configuring_the_accounts_of_those_units_reveals_both_one_sided_sides(
    project: Project,
) -> None:
    project.write(
        ".trustlint.yaml",
        "accounts:\n"
        "  paths:\n"
        '    - {glob: "prod/**", account: "222222222222"}\n'
        '    - {glob: "tools/**", account: "111111111111"}\n',
    )
    findings = scan_case(project, "units_without_configured_accounts")
    assert where(findings) == [
        ("TL004", "tools/main.tf", 21, 18),
        ("TL005", "prod/roles.yaml", 12, 20),
    ]


# --- how the trust policy is read for the caller -----------------------------------------


def test_wildcard_trust_fenced_by_principal_arn_to_another_role_is_reported(
    project: Project,
) -> None:
    findings = scan_case(project, "wildcard_trust_fenced_to_another_role")
    assert where(findings) == [("TL004", "tools/main.tf", 21, 18)]


def test_wildcard_trust_fenced_by_principal_arn_pattern_matching_the_caller_is_not_reported(
    project: Project,
) -> None:
    assert scan_case(project, "wildcard_trust_fenced_to_the_caller") == []


def test_wildcard_trust_fenced_by_organization_cannot_be_decided(project: Project) -> None:
    assert scan_case(project, "wildcard_trust_fenced_by_organization") == []


def test_undecidable_trust_is_a_note_with_strict(project: Project) -> None:
    [note] = scan_case(project, "wildcard_trust_fenced_by_organization", strict=True)
    assert where([note]) == [("TL004", "tools/main.tf", 21, 18)]
    assert note.level == "note"
    assert note.message.startswith(
        "cannot decide: whether the trust policy of Role DeployRole admits Role aws_iam_role.ci"
    )


def test_assumed_role_arn_in_the_trust_admits_the_role_whatever_the_case(
    project: Project,
) -> None:
    assert scan_case(project, "assumed_role_trust_admits_the_role") == []


def test_trust_on_the_callers_account_root_admits_it() -> None:
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust(TOOLS)),)),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert findings == []


def test_trust_on_another_accounts_root_does_not_admit_the_caller() -> None:
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust("333333333333")),)),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert [f.rule_id for f in findings] == ["TL004"]


def test_explicit_deny_of_the_caller_in_the_trust_is_reported() -> None:
    deny_ci = policy(
        '{"Version": "2012-10-17", "Statement": ['
        '{"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"},'
        '{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111111111111:role/ci"},'
        ' "Action": "sts:*"}]}',
        "trust",
    )
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=deny_ci),)),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert [f.rule_id for f in findings] == ["TL004"]


def test_external_id_the_caller_can_send_does_not_make_the_call_fail() -> None:
    with_external_id = trust(
        f"arn:aws:iam::{TOOLS}:role/ci",
        conditions='{"StringEquals": {"sts:ExternalId": "a1b2"}}',
    )
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=with_external_id),)),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert findings == []


@pytest.mark.parametrize(
    "trust_policy",
    [
        PolicyDocument("trust", at("prod.yaml"), unknown=Unknown("!ImportValue TrustPolicy")),
        policy('{"Version": "2012-10-17", "Statement": "not a statement"}', "trust"),
    ],
    ids=["unresolved", "malformed"],
)
def test_unresolved_or_malformed_trust_policy_is_never_guessed(
    trust_policy: PolicyDocument,
) -> None:
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust_policy),)),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert findings == []


# --- which grants count -----------------------------------------------------------------


def test_wildcard_resource_is_left_to_tl012() -> None:
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust(PROD)),)),
        unit(
            "tools.yaml",
            roles=(role("tools.yaml", "ci", policies=(grant(f"arn:aws:iam::{PROD}:role/dep*"),)),),
        ),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert findings == []


def test_grant_naming_another_path_does_not_name_the_role() -> None:
    findings = tl004(
        unit(
            "prod.yaml",
            roles=(role("prod.yaml", "deploy", trust_policy=trust(PROD), path="/pipelines/"),),
        ),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert findings == []


def test_role_names_match_case_insensitively() -> None:
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "Deploy", trust_policy=trust(PROD)),)),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert [f.subject for f in findings] == [f"Role ci -> {DEPLOY}"]


def test_managed_policy_grant_is_reported_once_per_role_holding_it() -> None:
    assume = managed_policy("tools.yaml", "assume-deploy", grant(DEPLOY))
    arn = "arn:aws:iam::<this-account>:policy/assume-deploy"
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust(PROD)),)),
        unit(
            "tools.yaml",
            roles=(
                role("tools.yaml", "ci", managed=(arn,)),
                role("tools.yaml", "nightly", managed=(arn,)),
            ),
            managed_policies=(assume,),
        ),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert [(f.resource, f.subject) for f in findings] == [
        ("Policy assume-deploy", f"Role ci -> {DEPLOY}"),
        ("Policy assume-deploy", f"Role nightly -> {DEPLOY}"),
    ]
    assert findings[0].related == (
        RelatedLocation(findings[0].related[0].location, "the trust policy of Role deploy"),
    )


def test_group_without_known_members_is_reported_when_no_user_of_its_account_is_admitted() -> None:
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust(PROD)),)),
        unit("tools.yaml", groups=(group("tools.yaml", "deployers", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert [f.message.split(" is granted")[0] for f in findings] == [
        "any member of Group deployers"
    ]


def test_group_without_known_members_is_silent_when_the_trust_names_users_of_its_account() -> None:
    findings = tl004(
        unit(
            "prod.yaml",
            roles=(
                role("prod.yaml", "deploy", trust_policy=trust(f"arn:aws:iam::{TOOLS}:user/a")),
            ),
        ),
        unit("tools.yaml", groups=(group("tools.yaml", "deployers", policies=(grant(DEPLOY),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert findings == []


def test_user_in_a_group_gets_the_groups_grant() -> None:
    findings = tl004(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust(PROD)),)),
        unit(
            "tools.yaml",
            users=(user("tools.yaml", "alice", groups=("Deployers",)),),
            groups=(group("tools.yaml", "deployers", policies=(grant(DEPLOY),)),),
        ),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert [f.subject for f in findings] == [f"User alice -> {DEPLOY}"]
