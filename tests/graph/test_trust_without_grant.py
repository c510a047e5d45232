"""TL005 trust-without-grant: a cross-account trust the trusted principal cannot use."""

from __future__ import annotations

from conftest import Project
from graph_builders import (
    grant,
    managed_policy,
    policy,
    project,
    role,
    scp,
    trust,
    unit,
    user,
)
from graph_support import scan_case, where

from trustlint.checks import CheckContext
from trustlint.checks.one_sided import check_trust_without_grant
from trustlint.findings import Finding
from trustlint.model import Location

TOOLS = "111111111111"
PROD = "222222222222"
DEPLOY = f"arn:aws:iam::{PROD}:role/deploy"
CI = f"arn:aws:iam::{TOOLS}:role/ci"
DENY_ASSUME_ROLE = (
    '{"Version": "2012-10-17", "Statement": [{"Sid": "DenyAssumeRole", "Effect": "Deny", '
    '"Action": "sts:AssumeRole", "Resource": "*"}]}'
)


def tl005(*units: object, strict: bool = False, **settings: object) -> list[Finding]:
    built = project(*units, **settings)  # type: ignore[arg-type]
    findings = check_trust_without_grant(CheckContext(built, strict=strict))
    return sorted(findings, key=Finding.sort_key)


def placed(*units: object, **settings: object) -> list[Finding]:
    """TL005 with prod.yaml in the prod account and tools.yaml in the tools account."""
    return tl005(*units, accounts={"prod.yaml": PROD, "tools.yaml": TOOLS}, **settings)


def prod_trusting(*principals: str) -> object:
    return unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust(*principals)),))


# --- a specific role or user of another account ----------------------------------------------


def test_cross_account_trust_of_a_scanned_role_without_grant_is_reported(
    project: Project,
) -> None:
    [finding] = scan_case(project, "cross_account_trust_of_role_without_grant")
    assert finding.rule_id == "TL005"
    assert finding.level == "note"
    assert finding.location == Location("prod/deploy_role.json", 13, 36, 13, 78)
    assert finding.message == (
        "Role DeployRole (account 222222222222) trusts Role aws_iam_role.ci of account "
        "111111111111, but no identity policy of Role aws_iam_role.ci allows sts:AssumeRole on "
        "Role DeployRole: cross-account access needs both sides; grant sts:AssumeRole on "
        "arn:aws:iam::222222222222:role/deploy to Role aws_iam_role.ci, or remove the trust"
    )
    assert finding.resource == "Role DeployRole"
    assert finding.subject == "arn:aws:iam::111111111111:role/ci-runner"
    [related] = finding.related
    assert related.message == "Role aws_iam_role.ci is defined here"
    assert (related.location.path, related.location.line, related.location.column) == (
        "tools/main.tf",
        1,
        1,
    )


def test_same_account_trust_by_exact_arn_needs_no_grant(project: Project) -> None:
    assert scan_case(project, "same_account_trust_by_exact_arn") == []


def test_same_template_trust_by_getatt_needs_no_grant(project: Project) -> None:
    assert scan_case(project, "same_account_trust_by_getatt") == []


def test_principals_outside_the_scanned_files_are_external(project: Project) -> None:
    assert scan_case(project, "trust_of_principals_outside_scanned_set") == []


def test_grant_held_through_a_group_counts(project: Project) -> None:
    assert scan_case(project, "group_grant_reaches_member") == []


def test_grant_held_through_a_terraform_group_membership_counts(project: Project) -> None:
    assert scan_case(project, "terraform_group_membership_grant") == []


def test_managed_policy_attached_by_role_name_in_another_file_counts(project: Project) -> None:
    assert scan_case(project, "managed_policy_attached_across_files") == []


def test_terraform_policy_attachment_counts(project: Project) -> None:
    assert scan_case(project, "terraform_managed_policy_attachment") == []


def test_managed_policy_outside_the_scanned_files_is_never_guessed(project: Project) -> None:
    assert scan_case(project, "external_managed_policy_is_not_guessed") == []


def test_managed_policy_outside_the_scanned_files_is_a_note_with_strict(project: Project) -> None:
    [note] = scan_case(project, "external_managed_policy_is_not_guessed", strict=True)
    assert where([note]) == [("TL005", "prod/deploy_role.yaml", 13, 20)]
    assert note.message == (
        "cannot decide: whether Role aws_iam_role.ci of account 111111111111, which Role "
        "DeployRole trusts, may assume it: the managed policy "
        "arn:aws:iam::aws:policy/PowerUserAccess is not in the scanned files"
    )


def test_trusted_user_without_grant_is_reported() -> None:
    findings = placed(
        prod_trusting(f"arn:aws:iam::{TOOLS}:user/alice"),
        unit("tools.yaml", users=(user("tools.yaml", "alice"),)),
    )
    assert [f.message.split(",")[0] for f in findings] == [
        "Role deploy (account 222222222222) trusts User alice of account 111111111111"
    ]


def test_grant_on_a_wildcard_pattern_covering_the_role_counts() -> None:
    findings = placed(
        prod_trusting(CI),
        unit(
            "tools.yaml",
            roles=(role("tools.yaml", "ci", policies=(grant(f"arn:aws:iam::{PROD}:role/*"),)),),
        ),
    )
    assert findings == []


def test_grant_on_another_role_does_not_count() -> None:
    findings = placed(
        prod_trusting(CI),
        unit(
            "tools.yaml",
            roles=(role("tools.yaml", "ci", policies=(grant(f"arn:aws:iam::{PROD}:role/other"),)),),
        ),
    )
    assert [f.rule_id for f in findings] == ["TL005"]


def test_trust_whose_conditions_exclude_the_principal_is_not_an_admission() -> None:
    fenced = trust(
        CI, conditions='{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/x"}}'
    )
    findings = placed(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=fenced),)),
        unit("tools.yaml", roles=(role("tools.yaml", "ci"),)),
    )
    assert findings == []


def test_principal_in_a_unit_without_configured_account_is_never_guessed() -> None:
    findings = tl005(
        prod_trusting(CI),
        unit("tools.yaml", roles=(role("tools.yaml", "ci"),)),
        accounts={"prod.yaml": PROD},
    )
    assert findings == []


# --- blockers ------------------------------------------------------------------------------


def test_explicit_deny_cancelling_the_grant_is_named(project: Project) -> None:
    [finding] = scan_case(project, "explicit_deny_cancels_grant")
    assert where([finding]) == [("TL005", "prod/deploy_role.yaml", 13, 20)]
    assert finding.message == (
        "Role DeployRole (account 222222222222) trusts Role aws_iam_role.ci of account "
        "111111111111, but the sts:AssumeRole grant of Role aws_iam_role.ci on Role DeployRole "
        "is cancelled by the explicit Deny NoProdRoles in Policy aws_iam_role_policy.no_prod, "
        "which denies sts:AssumeRole on it: the call will fail; lift the block for this role, "
        "or remove the trust"
    )
    assert [(r.location.path, r.location.line, r.message) for r in finding.related] == [
        ("tools/main.tf", 1, "Role aws_iam_role.ci is defined here"),
        (
            "tools/deny.tf",
            2,
            "The explicit Deny NoProdRoles in Policy aws_iam_role_policy.no_prod denies "
            "sts:AssumeRole on Role DeployRole",
        ),
    ]


def test_permissions_boundary_without_assume_role_cancelling_the_grant_is_named(
    project: Project,
) -> None:
    [finding] = scan_case(project, "permissions_boundary_cancels_grant")
    assert where([finding]) == [("TL005", "prod/deploy_role.yaml", 13, 20)]
    assert (
        "is cancelled by the permissions boundary ci-boundary (Boundary), which does not allow "
        "sts:AssumeRole on it"
    ) in finding.message
    assert [(r.location.path, r.location.line) for r in finding.related] == [
        ("tools/ci.yaml", 13),
        ("tools/ci.yaml", 3),
    ]


def test_permissions_boundary_allowing_assume_role_leaves_the_grant(project: Project) -> None:
    assert scan_case(project, "permissions_boundary_allowing_assume_role") == []


def test_service_control_policy_on_the_callers_account_is_named(project: Project) -> None:
    [finding] = scan_case(project, "scp_on_account_cancels_grant")
    assert where([finding]) == [("TL005", "prod/deploy_role.yaml", 13, 20)]
    assert (
        "is cancelled by the service control policy deny-assume-role "
        "(aws_organizations_policy.deny_assume_role, attached to account 111111111111), which "
        "denies sts:AssumeRole on it in DenyAssumeRole"
    ) in finding.message
    assert [r.location.path for r in finding.related] == ["tools/main.tf", "org/scp.tf"]


def test_service_control_policy_on_an_ou_holding_the_callers_account_is_named(
    project: Project,
) -> None:
    [finding] = scan_case(project, "scp_on_organizational_unit_cancels_grant")
    assert (
        "the service control policy deny-assume-role (DenyAssumeRole, attached to OU "
        "ou-ab12-34cd56ef, which holds account 111111111111)"
    ) in finding.message
    assert [(r.location.path, r.location.line) for r in finding.related] == [
        ("tools/main.tf", 1),
        ("org/scp.yaml", 13),
    ]


def test_service_control_policy_exempting_the_caller_leaves_the_grant(project: Project) -> None:
    assert scan_case(project, "scp_exempting_the_caller_leaves_grant") == []


def test_service_control_policy_on_the_organization_root_applies() -> None:
    findings = placed(
        prod_trusting(CI),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        unit(
            "org.yaml",
            organization_policies=(
                scp("org.yaml", "DenyAll", policy(DENY_ASSUME_ROLE, "scp"), "r-ab12"),
            ),
        ),
    )
    assert ["attached to the organization root r-ab12" in f.message for f in findings] == [True]


def test_service_control_policy_on_another_account_does_not_apply() -> None:
    findings = placed(
        prod_trusting(CI),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        unit(
            "org.yaml",
            organization_policies=(
                scp("org.yaml", "DenyAll", policy(DENY_ASSUME_ROLE, "scp"), "333333333333"),
            ),
        ),
    )
    assert findings == []


def test_service_control_policy_on_an_unconfigured_ou_is_never_guessed() -> None:
    findings = placed(
        prod_trusting(CI),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        unit(
            "org.yaml",
            organization_policies=(
                scp("org.yaml", "DenyAll", policy(DENY_ASSUME_ROLE, "scp"), "ou-zz99-abcdefgh"),
            ),
        ),
    )
    assert findings == []


def test_boundary_outside_the_scanned_files_is_never_guessed() -> None:
    findings = placed(
        prod_trusting(CI),
        unit(
            "tools.yaml",
            roles=(
                role(
                    "tools.yaml",
                    "ci",
                    policies=(grant(DEPLOY),),
                    boundary=f"arn:aws:iam::{TOOLS}:policy/org-boundary",
                ),
            ),
        ),
    )
    assert findings == []


# --- account roots -------------------------------------------------------------------------


def test_root_trust_with_a_grant_in_the_trusted_account_is_not_reported(
    project: Project,
) -> None:
    assert scan_case(project, "root_trust_with_grant_in_trusted_account") == []


def test_root_trust_without_any_grant_in_the_trusted_account_is_reported(
    project: Project,
) -> None:
    [finding] = scan_case(project, "root_trust_without_grant_in_trusted_account")
    assert finding.location == Location("prod/deploy_role.yaml", 13, 20, 13, 50)
    assert finding.message == (
        "Role DeployRole (account 222222222222) trusts account 111111111111, but no principal "
        "of that account in the scanned files is allowed sts:AssumeRole on Role DeployRole: "
        "cross-account access needs both sides; grant sts:AssumeRole on "
        "arn:aws:iam::222222222222:role/deploy to the principals that should assume it, or "
        "remove the trust"
    )
    assert finding.related == ()


def test_root_trust_of_an_account_no_scanned_unit_deploys_into_is_external(
    project: Project,
) -> None:
    assert scan_case(project, "root_trust_of_account_outside_scan") == []


def test_root_trust_of_the_roles_own_account_is_not_reported() -> None:
    findings = placed(prod_trusting(PROD), unit("tools.yaml", roles=(role("tools.yaml", "ci"),)))
    assert findings == []


def test_root_trust_whose_only_grant_is_blocked_names_the_blocker() -> None:
    findings = placed(
        prod_trusting(TOOLS),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(DEPLOY),)),)),
        unit(
            "org.yaml",
            organization_policies=(
                scp("org.yaml", "DenyAll", policy(DENY_ASSUME_ROLE, "scp"), TOOLS),
            ),
        ),
    )
    assert [f.message.split(" is cancelled by ")[0] for f in findings] == [
        "Role deploy (account 222222222222) trusts account 111111111111, but the "
        "sts:AssumeRole grant of Role ci on Role deploy"
    ]


def test_root_trust_with_a_grant_in_a_policy_attached_to_nobody_is_never_guessed() -> None:
    assume = managed_policy("tools.yaml", "assume-deploy", grant(DEPLOY))
    findings = placed(
        prod_trusting(TOOLS),
        unit("tools.yaml", roles=(role("tools.yaml", "ci"),), managed_policies=(assume,)),
    )
    assert findings == []


def test_root_trust_with_a_grant_in_a_unit_of_unknown_account_is_never_guessed() -> None:
    findings = placed(
        prod_trusting(TOOLS),
        unit("tools.yaml", roles=(role("tools.yaml", "ci"),)),
        unit("other.yaml", roles=(role("other.yaml", "nightly", policies=(grant(DEPLOY),)),)),
    )
    assert findings == []


def test_execution_policies_known_to_grant_nothing_on_sts_leave_the_principal_without_grant() -> (
    None
):
    lambda_basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    findings = placed(
        prod_trusting(CI),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", managed=(lambda_basic,)),)),
    )
    assert [f.message.split(",")[0] for f in findings] == [
        "Role deploy (account 222222222222) trusts Role ci of account 111111111111"
    ]


def test_an_aws_managed_policy_that_may_grant_assume_role_keeps_the_principal_undecided() -> None:
    power_user = "arn:aws:iam::aws:policy/PowerUserAccess"
    findings = placed(
        prod_trusting(CI),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", managed=(power_user,)),)),
    )
    assert findings == []
