"""Organization policies decided on each edge (SPEC section 9).

SCP, RCP and permissions boundary conditions on keys the graph knows for an
edge (`aws:ResourceAccount`, `aws:PrincipalOrgID` with the configured
organization, ...) are evaluated; the management account and service-linked
roles are exempt from SCPs; a finding a policy causes names it by its Name and
its logical id or address.
"""

from __future__ import annotations

import pytest
from conftest import Project
from graph_builders import grant, policy, role, scp, trust, unit
from graph_support import scan_case, where

from trustlint.config import AccountPath, Config
from trustlint.graph import build_graph
from trustlint.graph.access import Blocking, blocking
from trustlint.graph.matching import caller_of
from trustlint.project import Project as ScannedProject

TOOLS = "111111111111"
PROD = "222222222222"
DEPLOY = f"arn:aws:iam::{PROD}:role/deploy"
DENY_ASSUME_ROLE = (
    '{"Version": "2012-10-17", "Statement": [{"Sid": "DenyAssumeRole", "Effect": "Deny", '
    '"Action": "sts:AssumeRole", "Resource": "*"}]}'
)


# --- aws:ResourceAccount: the role's account is known -------------------------------------


def test_scp_confining_roles_to_listed_accounts_leaves_a_listed_accounts_role(
    project: Project,
) -> None:
    """`StringNotEquals aws:ResourceAccount [tools, prod]`: a prod role is not denied,
    and the rule no longer says it cannot decide, even under --strict."""
    assert scan_case(project, "scp_resource_account_allows_own_accounts", strict=True) == []


def test_scp_confining_roles_to_listed_accounts_cancels_a_grant_elsewhere(
    project: Project,
) -> None:
    [finding] = scan_case(project, "scp_resource_account_denies_other_accounts")
    assert where([finding]) == [("TL005", "prod/deploy_role.template.json", 13, 36)]
    assert (
        "is cancelled by the service control policy only-our-roles "
        "(aws_organizations_policy.only_our_roles, attached to account 111111111111), which "
        "denies sts:AssumeRole on it in DenyRolesOfOtherAccounts"
    ) in finding.message
    assert [(r.location.path, r.location.line) for r in finding.related] == [
        ("tools/main.tf", 1),
        ("org/scp.tf", 6),
    ]


# --- the management account ---------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "scp_on_ou_spares_the_management_account",
        "scp_on_ou_spares_configured_management_account",
        "scp_on_root_spares_the_management_account_cloudformation",
    ],
)
def test_scp_does_not_restrict_the_management_account(project: Project, case: str) -> None:
    """The management account is the one that creates the organization (Terraform or
    CloudFormation), or `accounts.management`: no false TL005 for its principals."""
    assert scan_case(project, case, strict=True) == []


def test_scp_on_ou_still_restricts_accounts_that_are_not_the_management_account(
    project: Project,
) -> None:
    [finding] = scan_case(project, "scp_on_ou_applies_to_member_accounts")
    assert where([finding]) == [("TL005", "prod/deploy_role.yaml", 13, 20)]
    assert (
        "cancelled by the service control policy deny-assume-role "
        "(aws_organizations_policy.deny_assume_role, attached to OU ou-ab12-34cd56ef, which "
        "holds account 999999999999)"
    ) in finding.message


# --- resource control policies on the role's account --------------------------------------


def test_rcp_perimeter_admits_callers_of_the_configured_organization(project: Project) -> None:
    """`StringNotEqualsIfExists aws:PrincipalOrgID` is decided for an internal account."""
    assert scan_case(project, "rcp_principal_org_id_admits_the_organization", strict=True) == []


def test_rcp_denying_the_caller_is_named(project: Project) -> None:
    [finding] = scan_case(project, "rcp_on_role_account_cancels_grant")
    assert where([finding]) == [("TL005", "prod/deploy_role.yaml", 13, 20)]
    assert (
        "is cancelled by the resource control policy own-account-only "
        "(aws_organizations_policy.own_account_only, attached to account 222222222222), which "
        "denies sts:AssumeRole on it in DenyOtherAccounts"
    ) in finding.message


# --- service-linked roles ------------------------------------------------------------------


def _blocking(
    caller_path: str | None = None,
    scp_document: str = DENY_ASSUME_ROLE,
    prod: str = PROD,
    **settings: object,
) -> Blocking:
    units = [
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust(TOOLS)),)),
        unit(
            "tools.yaml",
            roles=(
                role(
                    "tools.yaml",
                    "ci",
                    policies=(grant(f"arn:aws:iam::{prod}:role/deploy"),),
                    path=caller_path,
                ),
            ),
        ),
        unit(
            "org.yaml",
            organization_policies=(
                scp("org.yaml", "DenyAll", policy(scp_document, "scp"), "r-ab12"),
            ),
        ),
    ]
    config = Config(
        account_paths=(AccountPath("prod.yaml", prod), AccountPath("tools.yaml", TOOLS)),
        **settings,  # type: ignore[arg-type]
    )
    graph = build_graph(ScannedProject(units, config))
    [deploy] = [r for r in graph.roles if r.name == "deploy"]
    [ci] = [r for r in graph.roles if r.name == "ci"]
    return blocking(graph, caller_of(ci), deploy)


def test_scp_does_not_restrict_a_service_linked_role() -> None:
    assert _blocking("/aws-service-role/ci.amazonaws.com/").blocked is False


def test_scp_restricts_an_ordinary_role() -> None:
    assert _blocking("/").blocked is True


def _deny_unless(operator: str, key: str, value: str) -> str:
    return (
        '{"Version": "2012-10-17", "Statement": [{"Sid": "Perimeter", "Effect": "Deny", '
        '"Action": "sts:AssumeRole", "Resource": "*", '
        f'"Condition": {{"{operator}": {{"{key}": "{value}"}}}}}}]}}'
    )


ORG = "o-abc123def4"
IN_ORGANIZATION = {
    "organization_ids": frozenset({ORG}),
    "internal_accounts": {TOOLS: "tools", PROD: "prod"},
}


@pytest.mark.parametrize(
    ("condition", "prod", "settings", "expected"),
    [
        (("StringNotEquals", "aws:ResourceAccount", PROD), PROD, {}, (False, False)),
        (("StringNotEquals", "aws:ResourceAccount", TOOLS), PROD, {}, (True, False)),
        (("StringEquals", "aws:ResourceAccount", PROD), PROD, {}, (True, False)),
        (("StringNotEquals", "aws:PrincipalAccount", TOOLS), PROD, {}, (False, False)),
        (("StringNotEquals", "aws:ResourceOrgID", ORG), PROD, IN_ORGANIZATION, (False, False)),
        (
            ("StringNotEquals", "aws:ResourceOrgID", ORG),
            "333333333333",
            IN_ORGANIZATION,
            (False, True),
        ),
        (("StringNotEquals", "aws:ResourceOrgID", ORG), PROD, {}, (False, True)),
        (("StringNotEquals", "aws:PrincipalOrgID", ORG), PROD, IN_ORGANIZATION, (False, False)),
        (("StringEquals", "aws:PrincipalOrgID", ORG), PROD, IN_ORGANIZATION, (True, False)),
        (("Bool", "aws:PrincipalIsAWSService", "true"), PROD, {}, (False, False)),
    ],
)
def test_scp_conditions_on_keys_the_edge_knows_are_decided(
    condition: tuple[str, str, str],
    prod: str,
    settings: dict[str, object],
    expected: tuple[bool, bool],
) -> None:
    """The role's account and the organization of each account (when the config places it)
    decide the condition; an account the config does not place stays undecided."""
    result = _blocking(scp_document=_deny_unless(*condition), prod=prod, **settings)
    assert (result.blocked, bool(result.undecided)) == expected
