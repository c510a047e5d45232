"""Hypothesis strategies for IAM trust and identity policies, as JSON data.

Principals of every kind (`"*"`, `{"AWS": "*"}`, account roots, bare ids,
roles and users in three partitions, services, OIDC and SAML providers),
actions with wildcards and `NotAction`, and the conditions the rules read
(ExternalId, MFA, organization, source and OIDC claims, with IfExists and
set-operator variants, and a mis-cased operator).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from policy_rendering import ROLE_ACCOUNT, ROLE_ARN

VERSION = "2012-10-17"
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
ACCOUNTS = (ROLE_ACCOUNT, "222222222222", "464622532012")
"""The role's own account, another one, and a known vendor's (Datadog)."""
NAMES = ("deploy", "ci/runner", "admin")
SERVICES = (
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "sns.amazonaws.com",
    "events.amazonaws.com",
    "s3.amazonaws.com",
    "cloudtrail.amazonaws.com",
)
FEDERATED = (
    f"arn:aws:iam::{ROLE_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
    f"arn:aws:iam::{ROLE_ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123",
    "cognito-identity.amazonaws.com",
    f"arn:aws:iam::{ROLE_ACCOUNT}:saml-provider/corporate",
)
TRUST_ACTIONS = (
    "sts:AssumeRole",
    "sts:*",
    "*",
    "sts:Assume*",
    "STS:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
    "sts:TagSession",
    "sts:SetSourceIdentity",
)
IDENTITY_ACTIONS = ("sts:AssumeRole", "sts:*", "*", "sts:Assume*", "iam:PassRole")
RESOURCES = (
    "*",
    ROLE_ARN,
    "arn:aws:iam::*:role/deploy",
    "arn:aws:iam::222222222222:role/deploy",
    f"arn:aws:iam::{ROLE_ACCOUNT}:role/${{aws:username}}",
)
ORGANIZATION_OPERATORS = (
    "StringEquals",
    "StringLike",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringLike",
    "StringEqualsIfExists",
)
CONDITIONS: tuple[tuple[str, str, tuple[str | bool, ...]], ...] = (
    ("StringEquals", "sts:ExternalId", ("vendor-7f3a",)),
    ("StringLike", "sts:ExternalId", ("*",)),
    ("Bool", "aws:MultiFactorAuthPresent", ("true",)),
    ("Bool", "aws:MultiFactorAuthPresent", (True,)),
    ("Bool", "aws:MultiFactorAuthPresent", ("false",)),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", ("true",)),
    ("NumericLessThan", "aws:MultiFactorAuthAge", ("3600",)),
    *(
        (operator, "aws:PrincipalOrgID", values)
        for operator in ORGANIZATION_OPERATORS
        for values in (("o-abc123def4",), ("o-*",))
    ),
    ("StringEquals", "aws:PrincipalAccount", ("222222222222",)),
    ("ArnLike", "aws:PrincipalArn", (f"arn:aws:iam::{ROLE_ACCOUNT}:role/*",)),
    ("StringEquals", "aws:SourceAccount", (ROLE_ACCOUNT,)),
    ("ArnLike", "aws:SourceArn", ("arn:aws:sns:us-east-1:111111111111:topic",)),
    (
        "StringLike",
        "token.actions.githubusercontent.com:sub",
        ("repo:octo/app:ref:refs/heads/main",),
    ),
    ("StringLike", "token.actions.githubusercontent.com:sub", ("repo:*",)),
    ("StringEquals", "token.actions.githubusercontent.com:sub", ("repo:octo/app:*", "*")),
    ("StringEquals", "token.actions.githubusercontent.com:aud", ("sts.amazonaws.com",)),
    ("StringEquals", "cognito-identity.amazonaws.com:aud", ("us-east-1:1234-abcd",)),
    ("StringEquals", "SAML:aud", ("https://signin.aws.amazon.com/saml",)),
    ("stringEquals", "sts:ExternalId", ("mis-cased",)),
)


def one_or_many(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A single value, or a list of one to three distinct values."""
    return st.one_of(values, st.lists(values, min_size=1, max_size=3, unique=True))


partitions = st.sampled_from(PARTITIONS)
accounts = st.sampled_from(ACCOUNTS)
names = st.sampled_from(NAMES)

aws_principals = st.one_of(
    st.just("*"),
    accounts,
    st.just(222222222222),
    st.just("arn:aws:iam::*:root"),
    st.builds(lambda p, a: f"arn:{p}:iam::{a}:root", partitions, accounts),
    st.builds(lambda p, a, n: f"arn:{p}:iam::{a}:role/{n}", partitions, accounts, names),
    st.builds(lambda p, a, n: f"arn:{p}:iam::{a}:user/{n}", partitions, accounts, names),
)

PRINCIPAL_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "AWS": one_or_many(aws_principals),
    "Service": one_or_many(st.sampled_from(SERVICES)),
    "Federated": one_or_many(st.sampled_from(FEDERATED)),
}


@st.composite
def principals(draw: st.DrawFn) -> Any:
    """`"*"`, or a mapping of one to three principal kinds to their values."""
    if draw(st.integers(0, 5)) == 0:
        return "*"
    kinds = draw(st.lists(st.sampled_from(sorted(PRINCIPAL_VALUES)), min_size=1, unique=True))
    return {kind: draw(PRINCIPAL_VALUES[kind]) for kind in kinds}


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    """An operator -> key -> value(s) block from zero to three catalogue entries."""
    chosen = draw(st.lists(st.sampled_from(CONDITIONS), max_size=3))
    block: dict[str, dict[str, Any]] = {}
    for operator, key, values in chosen:
        written = values[0] if len(values) == 1 and draw(st.booleans()) else list(values)
        block.setdefault(operator, {})[key] = written
    return block


@st.composite
def trust_statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if draw(st.booleans()):
        statement["Sid"] = "Trust"
    statement["Effect"] = draw(st.sampled_from(("Allow", "Allow", "Allow", "Deny")))
    principal_key = draw(st.sampled_from(("Principal",) * 7 + ("NotPrincipal",)))
    statement[principal_key] = draw(principals())
    action_key = draw(st.sampled_from(("Action", "Action", "Action", "NotAction")))
    statement[action_key] = draw(one_or_many(st.sampled_from(TRUST_ACTIONS)))
    condition = draw(conditions())
    if condition:
        statement["Condition"] = condition
    return statement


@st.composite
def identity_statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(("Allow", "Allow", "Deny"))),
        "Action": draw(one_or_many(st.sampled_from(IDENTITY_ACTIONS))),
    }
    resource_key = draw(st.sampled_from(("Resource", "Resource", "Resource", "NotResource")))
    statement[resource_key] = draw(one_or_many(st.sampled_from(RESOURCES)))
    return statement


def policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    """A policy of `statements`, their Sids made unique (IAM rejects duplicates)."""
    for index, statement in enumerate(statements):
        if "Sid" in statement:
            statement["Sid"] += str(index)
    return {"Version": VERSION, "Statement": statements}


session_durations = st.sampled_from((None, 3600, 7200, 43200, 50000))
"""`MaxSessionDuration` of the role: absent, the default, longer, the maximum, too long."""

trust_policies = st.builds(policy, st.lists(trust_statements(), min_size=1, max_size=3))
identity_policies = st.builds(policy, st.lists(identity_statements(), min_size=1, max_size=2))
