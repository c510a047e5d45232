"""The shared policy-evaluation core (`trustlint.policy`), independent of any front-end.

Policies are built as located trees and read by the one policy reader, exactly
as the front-ends do, so these tests pin the semantics every rule relies on.
"""

from __future__ import annotations

from typing import Any

import pytest

from trustlint import policy
from trustlint.model import THIS_ACCOUNT, Condition, Location, Statement, Unknown, generated_name
from trustlint.policy_reader import read_policy
from trustlint.tree import LList, LMap

HERE = Location("trust.json", 1, 1, 1, 2)
UNRESOLVED = Unknown("${var.org_id}", HERE, "variable without a default")


def located(data: Any) -> Any:
    """Python data as a located tree (every element at one place; Unknown leaves kept)."""
    if isinstance(data, dict):
        mapping = LMap(HERE)
        for key, value in data.items():
            mapping.put(key, located(value), HERE, HERE)
        return mapping
    if isinstance(data, list):
        sequence = LList(HERE)
        for item in data:
            sequence.add(located(item), HERE)
        return sequence
    return data


def statements(*items: dict[str, Any]) -> tuple[Statement, ...]:
    document = read_policy(
        located({"Version": "2012-10-17", "Statement": list(items)}), HERE, "trust"
    )
    assert document.defects == ()
    return document.statements


def statement(**fields: Any) -> Statement:
    body = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", **fields}
    [only] = statements(body)
    return only


def condition(operator: str, key: str, values: Any) -> Condition:
    [only] = statement(Condition={operator: {key: values}}).conditions
    return only


# --- actions -----------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    ["sts:AssumeRole", "STS:assumerole", "sts:*", "*", "sts:Assume*", "sts:AssumeRo?e"],
)
def test_every_action_shape_covers_assume_role(action: str) -> None:
    assert policy.statement_allows_action(statement(Action=action), policy.ASSUME_ROLE) is True


def test_action_list_covers_an_action_when_one_entry_does() -> None:
    shape = statement(Action=["sts:TagSession", "sts:AssumeRole"])
    assert policy.assume_actions(shape) == (policy.ASSUME_ROLE,)


def test_not_action_covers_every_action_it_does_not_list() -> None:
    shape = statements(
        {"Effect": "Allow", "Principal": "*", "NotAction": "sts:AssumeRoleWithSAML"}
    )[0]
    assert policy.assume_actions(shape) == (
        policy.ASSUME_ROLE,
        policy.ASSUME_ROLE_WITH_WEB_IDENTITY,
    )


def test_unresolved_action_is_undecided() -> None:
    shape = statement(Action=UNRESOLVED)
    assert policy.statement_allows_action(shape, policy.ASSUME_ROLE) is None


@pytest.mark.parametrize(("action", "wildcard"), [("*", True), ("sts:*", True), ("STS:*", True)])
def test_action_wildcards(action: str, wildcard: bool) -> None:
    [value] = statement(Action=action).actions
    assert policy.is_action_wildcard(value) is wildcard


@pytest.mark.parametrize("action", ["sts:Assume*", "sts:AssumeRole", "iam:*"])
def test_narrower_patterns_are_not_action_wildcards(action: str) -> None:
    [value] = statement(Action=action).actions
    assert policy.is_action_wildcard(value) is False


# --- principals --------------------------------------------------------------


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_wildcard_principal_shapes(principal: Any) -> None:
    [found] = statement(Principal=principal).principals
    assert policy.is_wildcard_principal(found)


def test_service_wildcard_is_not_an_aws_wildcard() -> None:
    [found] = statement(Principal={"Service": "*"}).principals
    assert not policy.is_wildcard_principal(found)


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("123456789012", "123456789012"),
        ("arn:aws:iam::123456789012:root", "123456789012"),
        ("arn:aws-cn:iam::123456789012:root", "123456789012"),
        ("arn:aws-us-gov:iam::123456789012:root", "123456789012"),
        (f"arn:aws:iam::{THIS_ACCOUNT}:root", THIS_ACCOUNT),
    ],
)
def test_account_roots_in_every_partition(text: str, account: str) -> None:
    [found] = statement(Principal={"AWS": text}).principals
    assert policy.is_account_root(found)
    assert policy.principal_account(found) == account


def test_user_and_role_principals() -> None:
    user, role = statement(
        Principal={
            "AWS": ["arn:aws-us-gov:iam::123456789012:user/ops", "arn:aws:iam::123456789012:role/x"]
        }
    ).principals
    assert policy.is_user_principal(user) and not policy.is_role_principal(user)
    assert policy.is_role_principal(role) and not policy.is_user_principal(role)


# --- caller fences (TL001) -------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "key", "values"),
    [
        ("StringEquals", "aws:PrincipalOrgID", "o-abc123def4"),
        ("StringEquals", "aws:principalorgid", "o-abc123def4"),
        ("StringEquals", "aws:PrincipalAccount", THIS_ACCOUNT),
        ("StringEquals", "aws:SourceAccount", "123456789012"),
        ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::123456789012:role/deploy-*"),
        ("ArnEquals", "aws:SourceArn", "arn:aws:s3:::example-bucket"),
        ("StringEquals", "aws:SourceOrgID", "o-abc123def4"),
        ("ForAnyValue:StringEquals", "aws:PrincipalOrgID", "o-abc123def4"),
        ("StringLike", "aws:PrincipalOrgPaths", "o-abc123def4/r-ab12/ou-ab12-11111111/*"),
    ],
)
def test_positive_condition_naming_callers_fences(operator: str, key: str, values: Any) -> None:
    assert policy.fences_callers(condition(operator, key, values)) is True


def test_for_all_values_on_single_valued_org_id_fails_open() -> None:
    shape = condition("ForAllValues:StringEquals", "aws:PrincipalOrgID", "o-abc123def4")
    assert policy.narrows(shape) is False
    assert policy.fences_callers(shape) is False


def test_string_like_star_on_principal_arn_restricts_nothing() -> None:
    assert policy.fences_callers(condition("StringLike", "aws:PrincipalArn", "*")) is False


def test_multi_valued_condition_with_one_wildcard_value_is_unrestricted() -> None:
    shape = condition("StringLike", "aws:PrincipalOrgID", ["o-abc123def4", "*"])
    assert policy.fences_callers(shape) is False


def test_wildcard_org_id_under_string_equals_is_no_fence() -> None:
    shape = condition("StringEquals", "aws:PrincipalOrgID", ["o-abc123def4", "*"])
    assert policy.fences_callers(shape) is False


def test_if_exists_is_not_a_fence() -> None:
    shape = condition("StringEqualsIfExists", "aws:PrincipalOrgID", "o-abc123def4")
    assert policy.fences_callers(shape) is False


def test_negative_operator_is_not_a_fence() -> None:
    shape = condition("StringNotEquals", "aws:PrincipalAccount", "123456789012")
    assert policy.fences_callers(shape) is False


def test_wildcard_account_in_principal_arn_is_not_a_fence() -> None:
    shape = condition("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin")
    assert policy.fences_callers(shape) is False


def test_other_keys_are_not_fences() -> None:
    assert policy.fences_callers(condition("StringEquals", "sts:ExternalId", "abc")) is False


def test_unresolved_fence_value_is_undecided() -> None:
    shape = statement(Condition={"StringEquals": {"aws:PrincipalOrgID": UNRESOLVED}})
    assert policy.statement_fences_callers(shape) is None


def test_one_fence_among_anded_conditions_is_enough() -> None:
    shape = statement(
        Condition={
            "StringEquals": {"aws:PrincipalOrgID": UNRESOLVED},
            "StringLike": {"aws:PrincipalAccount": "123456789012"},
        }
    )
    assert policy.statement_fences_callers(shape) is True


def test_org_ids_fenced() -> None:
    shape = statement(Condition={"StringEquals": {"aws:PrincipalOrgID": ["o-abc123def4"]}})
    assert policy.org_ids_fenced(shape) == {"o-abc123def4"}
    assert policy.org_ids_fenced(statement()) is None


# --- ExternalId (TL002) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("StringEquals", "8d0e4c1f", True),
        ("StringEquals", ["8d0e4c1f", "3f1c9a2e"], True),
        ("StringEqualsIgnoreCase", "8d0e4c1f", True),
        ("StringLike", "8d0e4c1f", True),
        ("StringEquals", "", False),
        ("StringEqualsIfExists", "8d0e4c1f", False),
        ("StringLike", "*", False),
        ("StringLike", "8d0e*", False),
        ("StringNotEquals", "8d0e4c1f", False),
        ("ForAllValues:StringEquals", "8d0e4c1f", False),
    ],
)
def test_has_external_id(operator: str, values: Any, expected: bool) -> None:
    shape = statement(Condition={operator: {"sts:ExternalId": values}})
    assert policy.has_external_id(shape) is expected


def test_unresolved_external_id_counts_as_present() -> None:
    shape = statement(Condition={"StringEquals": {"sts:ExternalId": UNRESOLVED}})
    assert policy.has_external_id(shape) is True


def test_lower_case_external_id_key_counts() -> None:
    shape = statement(Condition={"StringEquals": {"sts:externalid": "8d0e4c1f"}})
    assert policy.has_external_id(shape) is True


# --- MFA (TL003, TL011) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "key", "values"),
    [
        ("Bool", "aws:MultiFactorAuthPresent", "true"),
        ("Bool", "aws:multifactorauthpresent", "true"),
        ("Bool", "aws:MultiFactorAuthPresent", True),
        ("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
        ("Null", "aws:MultiFactorAuthAge", "false"),
    ],
)
def test_conditions_that_enforce_mfa(operator: str, key: str, values: Any) -> None:
    shape = condition(operator, key, values)
    assert policy.enforces_mfa(shape)
    assert policy.mfa_bypass(shape) is None


@pytest.mark.parametrize(
    ("operator", "key", "values", "reason_start"),
    [
        ("BoolIfExists", "aws:MultiFactorAuthPresent", "true", "BoolIfExists passes"),
        ("Bool", "aws:MultiFactorAuthPresent", "false", 'Bool "false"'),
        ("Bool", "aws:MultiFactorAuthPresent", ["true", "false"], 'Bool "false"'),
        ("Null", "aws:MultiFactorAuthPresent", "false", "Null on aws:MultiFactorAuthPresent"),
        ("Null", "aws:MultiFactorAuthPresent", "true", 'Null "true"'),
        ("Null", "aws:MultiFactorAuthAge", "true", 'Null "true" on aws:MultiFactorAuthAge'),
        ("NumericLessThanIfExists", "aws:MultiFactorAuthAge", "3600", "NumericLessThanIfExists"),
        ("ForAllValues:Bool", "aws:MultiFactorAuthPresent", "true", "ForAllValues"),
        ("ForAllValues:NumericLessThan", "aws:MultiFactorAuthAge", "3600", "ForAllValues"),
    ],
)
def test_conditions_that_can_be_bypassed(
    operator: str, key: str, values: Any, reason_start: str
) -> None:
    shape = condition(operator, key, values)
    assert not policy.enforces_mfa(shape)
    reason = policy.mfa_bypass(shape)
    assert reason is not None and reason.startswith(reason_start)


def test_bool_if_exists_mfa_is_bypassable_and_does_not_enforce() -> None:
    shape = statement(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})
    assert policy.mfa_enforcement(shape) is False
    [(found, _reason)] = policy.bypassable_mfa_conditions(shape)
    assert found.operator == "BoolIfExists"


def test_unresolved_mfa_value_is_undecided() -> None:
    shape = statement(Condition={"Bool": {"aws:MultiFactorAuthPresent": UNRESOLVED}})
    assert policy.mfa_enforcement(shape) is None
    assert policy.bypassable_mfa_conditions(shape) == []


def test_no_mfa_condition_does_not_enforce() -> None:
    assert policy.mfa_enforcement(statement()) is False


def test_deny_bool_if_exists_false_enforces_mfa_for_the_document() -> None:
    document = statements(
        {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"},
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    )
    assert policy.denies_without_mfa(document)


def test_deny_bool_false_lets_long_term_keys_through() -> None:
    document = statements(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        },
    )
    assert not policy.denies_without_mfa(document)


def test_deny_null_mfa_age_enforces_mfa() -> None:
    document = statements(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Condition": {"Null": {"aws:MultiFactorAuthAge": "true"}},
        },
    )
    assert policy.denies_without_mfa(document)


# --- narrowing to roles (TL003) --------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "key", "values", "expected"),
    [
        ("ArnEquals", "aws:PrincipalArn", f"arn:aws:iam::{THIS_ACCOUNT}:role/self", True),
        ("ArnLike", "aws:PrincipalArn", "arn:aws-cn:iam::123456789012:role/ci-*", True),
        ("StringEquals", "aws:PrincipalType", "AssumedRole", True),
        ("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::123456789012:user/alice", False),
        (
            "ArnEquals",
            "aws:PrincipalArn",
            ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:user/b"],
            False,
        ),
        ("StringLike", "aws:PrincipalArn", "*", False),
        ("ArnLikeIfExists", "aws:PrincipalArn", "arn:aws:iam::123456789012:role/*", False),
    ],
)
def test_narrows_to_roles(operator: str, key: str, values: Any, expected: bool) -> None:
    shape = statement(Condition={operator: {key: values}})
    assert policy.narrows_to_roles(shape) is expected


def test_unresolved_principal_arn_is_undecided() -> None:
    shape = statement(Condition={"ArnEquals": {"aws:PrincipalArn": UNRESOLVED}})
    assert policy.narrows_to_roles(shape) is None


# --- display -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (THIS_ACCOUNT, "its own account"),
        (f"arn:aws:iam::{THIS_ACCOUNT}:root", "its own account"),
        (f"arn:aws-cn:iam::{THIS_ACCOUNT}:root", "its own account"),
        (generated_name("DeployRole"), "the role generated for DeployRole"),
        (
            f"arn:aws:iam::{THIS_ACCOUNT}:role/{generated_name('DeployRole')}",
            "the role generated for DeployRole",
        ),
        (f"arn:aws:iam::{THIS_ACCOUNT}:role/ci/deployer", "role ci/deployer of its own account"),
        (f"arn:aws:iam::{THIS_ACCOUNT}:user/alice", "user alice of its own account"),
        ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root"),
        (
            f"arn:aws:iam::{THIS_ACCOUNT}:policy/{generated_name('Policy')}",
            "arn:aws:iam::(its own account):policy/(the name generated for Policy)",
        ),
    ],
)
def test_display_spells_out_placeholders(text: str, shown: str) -> None:
    assert policy.display(text) == shown
