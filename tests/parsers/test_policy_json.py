"""Raw JSON: bare policies, `get-role`, `list-roles` and account authorization exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustlint.config import LoadOptions
from trustlint.frontends.policy_json import read_policy_json
from trustlint.frontends.yaml_loader import load_json
from trustlint.model import Location, PolicyDocument, SourceUnit, Value

FIXTURES = Path(__file__).parents[1] / "fixtures" / "parsers"
OPTIONS = LoadOptions()


def read_fixture(name: str) -> SourceUnit | None:
    path = f"json/{name}"
    tree = load_json((FIXTURES / path).read_text(encoding="utf-8"), path)
    return read_policy_json(tree, path, OPTIONS)


def read_text(text: str, options: LoadOptions = OPTIONS) -> SourceUnit | None:
    return read_policy_json(load_json(text, "inline.json"), "inline.json", options)


def unit_of(name: str) -> SourceUnit:
    unit = read_fixture(name)
    assert unit is not None
    return unit


def span(name: str, line: int, column: int, written: str) -> Location:
    """The location of `written` (as it appears in the file, quotes included)."""
    return Location(f"json/{name}", line, column, line, column + len(written))


def block(name: str, line: int, column: int, end_line: int, end_column: int) -> Location:
    return Location(f"json/{name}", line, column, end_line, end_column)


def only_statement_resources(document: PolicyDocument | None) -> list[str | None]:
    assert document is not None
    assert document.defects == ()
    return [value.text for statement in document.statements for value in statement.resources]


# Bare policy documents


def test_bare_policy_with_principal_is_a_trust_policy_located_in_the_file() -> None:
    name = "trust_policy.json"
    unit = unit_of(name)

    assert (unit.unit, unit.format, unit.paths) == (
        "json/" + name,
        "policy-json",
        ("json/" + name,),
    )
    assert unit.account is None and unit.roles == ()
    (document,) = unit.documents
    assert document.kind == "trust"
    assert document.defects == ()
    assert document.location == block(name, 1, 1, 12, 2)
    assert document.version == Value("2012-10-17", span(name, 2, 14, '"2012-10-17"'))
    (statement,) = document.statements
    assert statement.location == block(name, 4, 5, 10, 6)
    assert statement.label == "AllowAuditAccount"
    assert statement.principal_location == span(name, 7, 7, '"Principal"')
    (principal,) = statement.principals
    assert (principal.kind, principal.value) == ("aws", "arn:aws:iam::111122223333:root")
    assert principal.location == span(name, 7, 28, '"arn:aws:iam::111122223333:root"')
    (condition,) = statement.conditions
    assert (condition.operator, condition.key) == ("StringEquals", "sts:ExternalId")
    assert condition.location == span(name, 9, 38, '"sts:ExternalId"')
    assert condition.values == (Value("audit-7f3a", span(name, 9, 56, '"audit-7f3a"')),)


def test_bare_policy_without_principal_is_an_identity_policy() -> None:
    name = "identity_policy.json"
    (document,) = unit_of(name).documents

    assert document.kind == "identity"
    (statement,) = document.statements
    assert statement.location == block(name, 3, 16, 7, 4)
    assert statement.resources == (
        Value(
            "arn:aws:iam::444455556666:role/Deployer",
            span(name, 6, 17, '"arn:aws:iam::444455556666:role/Deployer"'),
        ),
    )


def test_statement_with_effect_makes_a_policy_even_without_version() -> None:
    (document,) = unit_of("policy_without_version.json").documents

    assert document.kind == "trust"
    assert document.version is None
    assert [p.value for p in document.statements[0].principals] == ["lambda.amazonaws.com"]


def test_policy_element_names_are_recognised_in_any_case() -> None:
    unit = read_text(
        '{"version": "2012-10-17", "statement": [{"effect": "Allow", "notPrincipal": '
        '{"AWS": "*"}, "action": "sts:AssumeRole"}]}'
    )

    assert unit is not None
    assert unit.documents[0].kind == "trust"


# aws iam get-role / list-roles


def test_get_role_output_gives_a_role_with_its_arn_account_and_limits() -> None:
    name = "get_role.json"
    unit = unit_of(name)

    assert unit.account == "444455556666"
    assert unit.documents == ()
    (role,) = unit.roles
    arn = "arn:aws:iam::444455556666:role/deploy/Deployer"
    assert role.resource.address == arn
    assert role.resource.resource_type == "iam-role"
    assert role.resource.unit == "json/get_role.json"
    assert role.resource.location == block(name, 2, 13, 26, 6)
    assert role.name == Value("Deployer", span(name, 4, 21, '"Deployer"'))
    assert role.path == Value("/deploy/", span(name, 3, 17, '"/deploy/"'))
    assert (role.arn, role.account, role.partition) == (arn, "444455556666", "aws")
    assert role.max_session_duration == Value("7200", span(name, 20, 31, "7200"), "int")
    boundary = '"arn:aws:iam::444455556666:policy/DeployBoundary"'
    assert role.permissions_boundary == Value(boundary.strip('"'), span(name, 23, 39, boundary))
    assert role.inline_policies == () and role.managed_policy_arns == ()


def test_get_role_trust_policy_object_keeps_the_location_of_each_element() -> None:
    name = "get_role.json"
    (role,) = unit_of(name).roles
    trust = role.trust_policy

    assert trust is not None
    assert trust.kind == "trust"
    assert trust.defects == ()
    assert trust.location == block(name, 8, 37, 19, 10)
    (statement,) = trust.statements
    assert statement.location == block(name, 11, 17, 17, 18)
    (principal,) = statement.principals
    assert principal.value == "arn:aws:iam::111122223333:role/ci"
    assert principal.location == span(name, 14, 32, '"arn:aws:iam::111122223333:role/ci"')


def test_url_encoded_trust_policy_is_decoded_and_located_at_its_string() -> None:
    name = "get_role_url_encoded.json"
    (role,) = unit_of(name).roles
    trust = role.trust_policy
    encoded = (FIXTURES / "json" / name).read_text().splitlines()[5].split(": ", 1)[1].rstrip(",")
    string = span(name, 6, 37, encoded)

    assert trust is not None
    assert (trust.kind, trust.defects, trust.location) == ("trust", (), string)
    (statement,) = trust.statements
    assert statement.location == string
    assert statement.is_allow
    (principal,) = statement.principals
    assert (principal.value, principal.location) == ("arn:aws:iam::111122223333:root", string)
    assert [action.text for action in statement.actions] == ["sts:AssumeRole"]


def test_list_roles_output_gives_every_role_in_order() -> None:
    name = "list_roles.json"
    unit = unit_of(name)

    assert unit.account == "444455556666"
    assert [role.name.text for role in unit.roles] == ["Deployer", "ingest-lambda"]
    first, second = unit.roles
    assert first.resource.location == block(name, 3, 9, 18, 10)
    assert second.path == Value("/service-role/", span(name, 20, 21, '"/service-role/"'))
    assert second.arn == "arn:aws:iam::444455556666:role/service-role/ingest-lambda"
    assert [r.max_session_duration.text for r in unit.roles if r.max_session_duration] == [
        "3600",
        "43200",
    ]
    assert first.trust_policy is not None
    principal = first.trust_policy.statements[0].principals[0]
    assert principal.location == span(name, 12, 46, '"arn:aws:iam::111122223333:root"')


def test_role_in_another_partition_takes_the_partition_of_its_arn() -> None:
    unit = read_text('{"Role": {"RoleName": "cn", "Arn": "arn:aws-cn:iam::444455556666:role/cn"}}')

    assert unit is not None
    assert (unit.roles[0].partition, unit.roles[0].account) == ("aws-cn", "444455556666")


def test_role_without_arn_takes_the_configured_partition_and_no_account() -> None:
    unit = read_text('{"Role": {"RoleName": "local"}}', LoadOptions(partition="aws-us-gov"))

    assert unit is not None
    (role,) = unit.roles
    assert (role.arn, role.account, role.partition) == (None, None, "aws-us-gov")
    assert role.resource.address == "local"
    assert unit.account is None


def test_url_encoded_policy_that_is_not_json_is_a_defect_at_its_string() -> None:
    text = '{"Role": {"RoleName": "r", "AssumeRolePolicyDocument": "%7B%22Version"}}'
    unit = read_text(text)

    assert unit is not None
    trust = unit.roles[0].trust_policy
    assert trust is not None
    (defect,) = trust.defects
    assert defect.message.startswith("policy document is not valid JSON: ")
    # `"%7B%22Version"` starts at column 56 and is 15 characters long.
    assert defect.location == Location("inline.json", 1, 56, 1, 71)


# aws iam get-account-authorization-details


def test_authorization_details_give_roles_users_groups_and_policies() -> None:
    unit = unit_of("account_authorization_details.json")

    assert unit.account == "444455556666"
    assert [r.name.text for r in unit.roles] == ["Deployer"]
    assert [u.name.text for u in unit.users] == ["alice"]
    assert [g.name.text for g in unit.groups] == ["Developers"]
    assert [p.name.text for p in unit.managed_policies] == ["AssumeAuditor", "ReadOnlyAccess"]
    assert unit.notes == ()


def test_authorization_details_role_has_inline_managed_boundary_and_trust() -> None:
    name = "account_authorization_details.json"
    (role,) = unit_of(name).roles

    assert role.resource.location == block(name, 47, 9, 78, 10)
    assert role.resource.address == "arn:aws:iam::444455556666:role/deploy/Deployer"
    assert role.trust_policy is not None and role.trust_policy.kind == "trust"
    principal = role.trust_policy.statements[0].principals[0]
    assert principal.location == span(name, 54, 62, '"arn:aws:iam::444455556666:root"')
    (inline,) = role.inline_policies
    assert (inline.kind, inline.name) == ("identity", "PassDeployRoles")
    assert inline.location == block(name, 61, 39, 64, 22)
    assert role.managed_policy_arns == (
        Value(
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            span(name, 70, 34, '"arn:aws:iam::aws:policy/ReadOnlyAccess"'),
        ),
    )
    boundary = '"arn:aws:iam::444455556666:policy/DeployBoundary"'
    assert role.permissions_boundary == Value(boundary.strip('"'), span(name, 75, 43, boundary))
    assert role.max_session_duration is None


def test_authorization_details_user_has_groups_inline_policy_and_boundary() -> None:
    name = "account_authorization_details.json"
    (user,) = unit_of(name).users

    assert user.resource.resource_type == "iam-user"
    assert user.resource.address == "arn:aws:iam::444455556666:user/alice"
    assert user.name == Value("alice", span(name, 5, 25, '"alice"'))
    assert (user.account, user.arn) == ("444455556666", "arn:aws:iam::444455556666:user/alice")
    assert user.groups == (Value("Developers", span(name, 9, 17, '"Developers"')),)
    (inline,) = user.inline_policies
    assert inline.name == "AssumeAnyRole"
    (statement,) = inline.statements
    assert statement.location == block(name, 16, 38, 16, 102)
    assert statement.resources == (Value("*", span(name, 16, 98, '"*"')),)
    assert user.managed_policy_arns == ()
    boundary = '"arn:aws:iam::444455556666:policy/UserBoundary"'
    assert user.permissions_boundary == Value(boundary.strip('"'), span(name, 23, 43, boundary))


def test_authorization_details_group_policy_url_encoded_is_located_at_its_string() -> None:
    name = "account_authorization_details.json"
    (group,) = unit_of(name).groups
    line = (FIXTURES / "json" / name).read_text().splitlines()[34]
    string = span(name, 35, 39, line.split(": ", 1)[1])

    assert group.resource.resource_type == "iam-group"
    assert group.name.text == "Developers"
    (inline,) = group.inline_policies
    assert (inline.name, inline.location) == ("AssumeDeployer", string)
    assert only_statement_resources(inline) == ["arn:aws:iam::444455556666:role/deploy/Deployer"]
    assert inline.statements[0].resources[0].location == string
    assert group.managed_policy_arns == (
        Value(
            "arn:aws:iam::444455556666:policy/AssumeAuditor",
            span(name, 41, 34, '"arn:aws:iam::444455556666:policy/AssumeAuditor"'),
        ),
    )


def test_managed_policy_document_is_its_default_version() -> None:
    name = "account_authorization_details.json"
    customer, aws_managed = unit_of(name).managed_policies
    line = (FIXTURES / "json" / name).read_text().splitlines()[95]
    string = span(name, 96, 33, line.split(": ", 1)[1].rstrip(","))

    assert customer.resource.resource_type == "iam-policy"
    assert customer.arn == "arn:aws:iam::444455556666:policy/AssumeAuditor"
    assert customer.account == "444455556666"
    assert customer.path == Value("/", span(name, 84, 21, '"/"'))
    assert customer.document is not None
    assert customer.document.location == string
    assert only_statement_resources(customer.document) == ["arn:aws:iam::444455556666:role/Auditor"]
    assert aws_managed.account == "aws"
    assert aws_managed.document is not None
    assert aws_managed.document.location == block(name, 109, 33, 112, 22)


def test_managed_policy_without_default_flag_uses_default_version_id() -> None:
    text = """{"Policies": [{"PolicyName": "P", "Arn": "arn:aws:iam::444455556666:policy/P",
      "DefaultVersionId": "v2", "PolicyVersionList": [
        {"VersionId": "v1", "Document": {"Version": "2012-10-17",
          "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "old"}}},
        {"VersionId": "v2", "Document": {"Version": "2012-10-17",
          "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "new"}}}]}]}"""
    unit = read_text(text)

    assert unit is not None
    assert only_statement_resources(unit.managed_policies[0].document) == ["new"]


def test_managed_policy_without_any_default_version_has_no_document() -> None:
    text = """{"Policies": [{"PolicyName": "P", "PolicyVersionList": [
        {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Statement": []}}]}]}"""
    unit = read_text(text)

    assert unit is not None
    assert unit.managed_policies[0].document is None


def test_export_spanning_two_accounts_states_no_account_and_notes_truncation() -> None:
    unit = unit_of("account_authorization_details_two_accounts.json")

    assert [role.account for role in unit.roles] == ["444455556666", "777788889999"]
    assert unit.account is None
    assert unit.notes == ("the output is truncated (IsTruncated): later pages are missing",)


def test_entry_that_is_not_an_object_is_noted_and_skipped() -> None:
    unit = read_text('{"RoleDetailList": [\n  "oops",\n  {"RoleName": "ok"}\n]}')

    assert unit is not None
    assert [role.name.text for role in unit.roles] == ["ok"]
    assert unit.notes == ("RoleDetailList entry 1 (line 2) is not an object",)


# Not ours


@pytest.mark.parametrize(
    "name",
    ["package.json", "tsconfig.json", "json_schema_for_policies.json", "k8s_manifest.json"],
)
def test_json_that_is_neither_a_policy_nor_an_iam_export_is_not_read(name: str) -> None:
    assert read_fixture(name) is None


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '"Statement"',
        "null",
        '{"Statement": "not a policy"}',
        '{"Role": "admin"}',
        '{"Roles": ["admin", "dev"]}',
        '{"Policies": [{"PolicyName": "no versions"}]}',
    ],
)
def test_json_shaped_only_partly_like_a_policy_is_not_read(text: str) -> None:
    assert read_text(text) is None


# Robustness: any JSON made of the keys the reader looks for

_KEYS = st.sampled_from(
    [
        "Version", "Statement", "Effect", "Principal", "NotPrincipal", "AWS", "Action",
        "Resource", "Condition", "StringEquals", "Role", "Roles", "RoleName", "UserName",
        "GroupName", "PolicyName", "Arn", "Path", "AssumeRolePolicyDocument", "RoleDetailList",
        "UserDetailList", "GroupDetailList", "Policies", "PolicyVersionList", "Document",
        "IsDefaultVersion", "DefaultVersionId", "VersionId", "PolicyDocument", "RolePolicyList",
        "UserPolicyList", "GroupPolicyList", "GroupList", "AttachedManagedPolicies", "PolicyArn",
        "PermissionsBoundary", "PermissionsBoundaryArn", "MaxSessionDuration", "IsTruncated",
    ]
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.sampled_from(
        ["*", "arn:", "arn:aws:iam::123456789012:role/a/b", "v1", "%7B%22Statement%22%3A", "{"]
    ),
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=5),
    max_leaves=40,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=6))
def test_any_json_of_policy_and_export_keys_is_read_without_raising(data: dict[str, Any]) -> None:
    unit = read_text(json.dumps(data))

    assert unit is None or unit.format == "policy-json"
