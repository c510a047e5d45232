"""The CloudFormation front-end: resources, intrinsics, locations, suppressions (SPEC 3, 7)."""

from __future__ import annotations

import pytest
from cfn_helpers import FIXTURES, fixture_path, load_file, read_fixture, span
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustlint.config import LoadOptions
from trustlint.frontends.cloudformation import is_template, read_template
from trustlint.frontends.yaml_loader import load_yaml
from trustlint.model import (
    THIS_ACCOUNT,
    Location,
    PolicyDocument,
    Principal,
    Role,
    SourceUnit,
    Statement,
    Unknown,
    Value,
)
from trustlint.tree import LList, LMap

ACCOUNT = THIS_ACCOUNT


def role(unit: SourceUnit, address: str) -> Role:
    (found,) = [r for r in unit.roles if r.resource.address == address]
    return found


def trust(unit: SourceUnit, address: str) -> PolicyDocument:
    document = role(unit, address).trust_policy
    assert document is not None
    return document


def only_statement(document: PolicyDocument | None) -> Statement:
    assert document is not None
    (statement,) = document.statements
    return statement


def principal_values(statement: Statement) -> list[object]:
    return [p.value for p in statement.principals]


def texts(values: tuple[Value, ...]) -> list[object]:
    return [v.value for v in values]


def unknown(principal: Principal) -> Unknown:
    assert isinstance(principal.value, Unknown), principal.value
    return principal.value


def read_text(text: str, options: LoadOptions | None = None) -> SourceUnit:
    return read_template(
        load_yaml(text, "inline.yaml"), "inline.yaml", text, options or LoadOptions()
    )


# -- recognising templates -----------------------------------------------------


def test_template_is_recognised_by_its_format_version() -> None:
    path = fixture_path("role_cross_account_trust.yaml")
    assert is_template(load_file(FIXTURES / "role_cross_account_trust.yaml", path))


def test_template_is_recognised_by_a_typed_resource_without_format_version() -> None:
    name = "resources_without_format_version.yaml"
    assert is_template(load_file(FIXTURES / name, fixture_path(name)))


def test_workflow_yaml_is_not_a_template() -> None:
    name = "not_a_template.yaml"
    assert not is_template(load_file(FIXTURES / name, fixture_path(name)))
    assert not is_template(["Resources"])
    assert not is_template({"Resources": {"Thing": {"Type": "Unknown::Vendor::Thing"}}})


def test_resources_that_are_not_a_mapping_are_a_parse_error() -> None:
    unit = read_fixture("resources_not_a_mapping.yaml")
    (error,) = unit.errors
    assert error.message == "Resources must be a mapping of logical ids to resources"
    assert span(error.location) == (3, 3, 3, 25)
    assert unit.roles == ()


def test_a_tree_that_is_not_a_mapping_is_a_parse_error_not_a_crash() -> None:
    tree = load_yaml("- a\n", "list.yaml")
    assert isinstance(tree, LList)
    unit = read_template(tree, "list.yaml", "- a\n", LoadOptions())  # type: ignore[arg-type]
    assert [e.message for e in unit.errors] == ["a template must be a mapping"]


# -- AWS::IAM::Role ------------------------------------------------------------


def test_role_properties_are_read_with_name_path_arn_and_account() -> None:
    unit = read_fixture("role_cross_account_trust.yaml")
    vendor = role(unit, "VendorRole")
    assert unit.unit == fixture_path("role_cross_account_trust.yaml")
    assert unit.format == "cloudformation"
    assert unit.paths == (fixture_path("role_cross_account_trust.yaml"),)
    assert vendor.resource.resource_type == "AWS::IAM::Role"
    assert vendor.resource.unit == unit.unit
    assert span(vendor.resource.location) == (3, 3, 29, 49)
    assert (vendor.name.value, span(vendor.name.location)) == ("vendor-audit", (6, 17, 6, 29))
    assert vendor.path is not None and vendor.path.value == "/partners/"
    assert vendor.arn == f"arn:aws:iam::{ACCOUNT}:role/partners/vendor-audit"
    assert vendor.account == ACCOUNT
    assert vendor.partition == "aws"
    duration = vendor.max_session_duration
    assert duration is not None
    assert (duration.value, duration.raw_type, span(duration.location)) == (
        "7200",
        "int",
        (8, 27, 8, 31),
    )
    assert vendor.permissions_boundary is not None
    assert vendor.permissions_boundary.value == "arn:aws:iam::111111111111:policy/boundary"
    assert texts(vendor.managed_policy_arns) == ["arn:aws:iam::aws:policy/SecurityAudit"]
    assert span(vendor.managed_policy_arns[0].location) == (11, 11, 11, 48)


def test_trust_policy_principal_action_and_condition_keep_yaml_positions() -> None:
    document = trust(read_fixture("role_cross_account_trust.yaml"), "VendorRole")
    statement = only_statement(document)
    assert document.kind == "trust"
    assert document.version is not None
    assert (document.version.value, span(document.version.location)) == (
        "2012-10-17",
        (13, 18, 13, 28),
    )
    (principal,) = statement.principals
    assert principal.kind == "aws"
    assert principal.value == "arn:aws:iam::464622532012:root"
    assert span(principal.location) == (17, 20, 17, 50)
    assert principal.arn is not None and principal.arn.account == "464622532012"
    assert [(a.value, span(a.location)) for a in statement.actions] == [
        ("sts:AssumeRole", (18, 21, 18, 35))
    ]
    (condition,) = statement.conditions
    assert (condition.operator, condition.key) == ("StringEquals", "sts:ExternalId")
    assert span(condition.operator_location) == (20, 15, 20, 27)
    assert span(condition.location) == (21, 17, 21, 31)
    assert [(v.value, span(v.location)) for v in condition.values] == [
        ("vendor-secret", (21, 33, 21, 46))
    ]


def test_trust_policy_principal_action_and_condition_keep_json_positions() -> None:
    statement = only_statement(trust(read_fixture("role_cross_account_trust.json"), "VendorRole"))
    (principal,) = statement.principals
    assert principal.value == "arn:aws:iam::464622532012:root"
    assert span(principal.location) == (17, 36, 17, 68)
    assert span(statement.actions[0].location) == (18, 25, 18, 41)
    (condition,) = statement.conditions
    assert span(condition.operator_location) == (19, 29, 19, 43)
    assert span(condition.location) == (19, 46, 19, 62)
    assert span(condition.values[0].location) == (19, 64, 19, 79)


@pytest.mark.parametrize("name", ["role_cross_account_trust.yaml", "role_cross_account_trust.json"])
def test_role_inline_policy_is_an_identity_document_with_its_name(name: str) -> None:
    (policy,) = role(read_fixture(name), "VendorRole").inline_policies
    statement = only_statement(policy)
    assert (policy.kind, policy.name) == ("identity", "read-reports")
    assert texts(statement.actions) == ["s3:GetObject"]
    assert texts(statement.resources) == ["arn:aws:s3:::reports/*"]


def test_json_role_reads_the_same_values_as_yaml() -> None:
    yaml_role = role(read_fixture("role_cross_account_trust.yaml"), "VendorRole")
    json_role = role(read_fixture("role_cross_account_trust.json"), "VendorRole")
    assert json_role.arn == yaml_role.arn
    assert json_role.max_session_duration is not None
    assert json_role.max_session_duration.value == "7200"
    assert texts(json_role.managed_policy_arns) == texts(yaml_role.managed_policy_arns)


def test_role_without_name_gets_a_generated_name_at_its_logical_id() -> None:
    deploy = role(read_fixture("policy_attached_to_roles_users_groups.yaml"), "DeployRole")
    assert deploy.name.value == "<generated:DeployRole>"
    assert span(deploy.name.location) == (2, 3, 2, 13)
    assert deploy.arn == f"arn:aws:iam::{ACCOUNT}:role/<generated:DeployRole>"


# -- AWS::IAM::Policy, ManagedPolicy, RolePolicy, UserPolicy, GroupPolicy -----


@pytest.mark.parametrize(
    "name",
    ["policy_attached_to_roles_users_groups.yaml", "policy_attached_to_roles_users_groups.json"],
)
def test_policy_resource_gives_one_attachment_per_target_sharing_its_document(name: str) -> None:
    unit = read_fixture(name)
    targets = [(a.target_kind, a.target.value) for a in unit.attachments]
    assert targets == [
        ("role", "<generated:DeployRole>"),
        ("user", "alice"),
        ("group", "operators"),
    ]
    documents = {id(a.document) for a in unit.attachments}
    assert len(documents) == 1
    document = unit.attachments[0].document
    assert document is not None and document.name == "assume-deploy"
    assert all(a.policy_arn is None for a in unit.attachments)
    statement = only_statement(document)
    assert texts(statement.resources) == [f"arn:aws:iam::{ACCOUNT}:role/<generated:DeployRole>"]


def test_policy_resource_targets_keep_the_location_of_their_intrinsic() -> None:
    unit = read_fixture("policy_attached_to_roles_users_groups.yaml")
    assert [span(a.target.location) for a in unit.attachments] == [
        (24, 11, 24, 26),
        (26, 11, 26, 16),
        (28, 11, 28, 25),
    ]
    resource = only_statement(unit.attachments[0].document).resources[0]
    assert span(resource.location) == (22, 23, 22, 45)


@pytest.mark.parametrize(
    "name", ["managed_policy_attachments.yaml", "managed_policy_attachments.json"]
)
def test_managed_policy_is_attached_by_its_arn_to_every_target(name: str) -> None:
    unit = read_fixture(name)
    named, unnamed = unit.managed_policies
    assert named.name.value == "assume-audit"
    assert named.arn == f"arn:aws:iam::{ACCOUNT}:policy/security/assume-audit"
    assert named.account == ACCOUNT
    assert named.path is not None and named.path.value == "/security/"
    assert texts(only_statement(named.document).resources) == [
        "arn:aws:iam::222222222222:role/audit"
    ]
    assert unnamed.name.value == "<generated:UnnamedPolicy>"
    assert unnamed.arn == f"arn:aws:iam::{ACCOUNT}:policy/<generated:UnnamedPolicy>"
    attachments = [
        (a.target_kind, a.target.value, a.policy_arn.value if a.policy_arn else None, a.document)
        for a in unit.attachments
    ]
    assert attachments == [
        ("role", "ci-runner", named.arn, None),
        ("user", "bob", named.arn, None),
        ("group", "auditors", named.arn, None),
    ]


def test_ref_and_getatt_of_a_managed_policy_give_its_arn() -> None:
    (runner,) = read_fixture("managed_policy_attachments.yaml").users
    assert texts(runner.managed_policy_arns) == [
        f"arn:aws:iam::{ACCOUNT}:policy/security/assume-audit",
        f"arn:aws:iam::{ACCOUNT}:policy/<generated:UnnamedPolicy>",
    ]
    assert [span(v.location) for v in runner.managed_policy_arns] == [
        (28, 11, 28, 33),
        (29, 11, 29, 42),
    ]


@pytest.mark.parametrize("name", ["entity_inline_policies.yaml", "entity_inline_policies.json"])
def test_role_user_and_group_policies_attach_a_document_to_the_named_entity(name: str) -> None:
    unit = read_fixture(name)
    summary = []
    for attachment in unit.attachments:
        assert attachment.document is not None
        statement = only_statement(attachment.document)
        summary.append(
            (
                attachment.resource.resource_type,
                attachment.target_kind,
                attachment.target.value,
                attachment.document.name,
                texts(statement.actions) or texts(statement.not_actions),
            )
        )
    assert summary == [
        ("AWS::IAM::RolePolicy", "role", "ci-runner", "assume-prod", ["sts:AssumeRole"]),
        ("AWS::IAM::UserPolicy", "user", "alice", "assume-any", ["sts:*"]),
        ("AWS::IAM::GroupPolicy", "group", "admins", "deny-assume", ["iam:Get*"]),
    ]


# -- users, groups, memberships ---------------------------------------------------


@pytest.mark.parametrize("name", ["users_groups_membership.yaml", "users_groups_membership.json"])
def test_user_and_group_properties_are_read(name: str) -> None:
    unit = read_fixture(name)
    (alice,) = unit.users
    assert alice.name.value == "alice"
    assert alice.arn == f"arn:aws:iam::{ACCOUNT}:user/people/alice"
    assert alice.account == ACCOUNT
    assert texts(alice.groups) == ["developers"]
    assert texts(alice.managed_policy_arns) == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert alice.permissions_boundary is not None
    assert alice.permissions_boundary.value == "arn:aws:iam::111111111111:policy/people-boundary"
    (assume_dev,) = alice.inline_policies
    assert assume_dev.name == "assume-dev"
    assert texts(only_statement(assume_dev).resources) == ["arn:aws:iam::444444444444:role/dev"]
    (developers,) = unit.groups
    assert developers.name.value == "developers"
    assert developers.arn == f"arn:aws:iam::{ACCOUNT}:group/teams/developers"
    assert texts(developers.managed_policy_arns) == ["arn:aws:iam::aws:policy/PowerUserAccess"]
    assert [p.name for p in developers.inline_policies] == ["assume-staging"]


def test_user_to_group_addition_becomes_a_membership_with_resolved_names() -> None:
    (membership,) = read_fixture("users_groups_membership.yaml").memberships
    assert membership.resource.resource_type == "AWS::IAM::UserToGroupAddition"
    assert (membership.group.value, span(membership.group.location)) == (
        "developers",
        (33, 18, 33, 33),
    )
    assert [(u.value, span(u.location)) for u in membership.users] == [
        ("alice", (35, 11, 35, 21)),
        ("carol", (36, 11, 36, 16)),
    ]


# -- OIDC, Identity Center, Organizations -----------------------------------------


@pytest.mark.parametrize("name", ["oidc_provider_github.yaml", "oidc_provider_github.json"])
def test_oidc_provider_arn_is_what_a_federated_principal_refers_to(name: str) -> None:
    unit = read_fixture(name)
    (provider,) = unit.oidc_providers
    expected_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    assert provider.url.value == "https://token.actions.githubusercontent.com"
    assert texts(provider.client_ids) == ["sts.amazonaws.com"]
    assert provider.arn == expected_arn
    statement = only_statement(trust(unit, "GitHubDeployRole"))
    (principal,) = statement.principals
    assert (principal.kind, principal.value) == ("federated", expected_arn)
    assert principal.arn is not None and principal.arn.resource_type == "oidc-provider"
    (condition,) = statement.conditions
    assert condition.key == "token.actions.githubusercontent.com:sub"
    assert texts(condition.values) == ["repo:octo/app:ref:refs/heads/main"]


def test_federated_ref_keeps_the_location_of_the_ref() -> None:
    statement = only_statement(trust(read_fixture("oidc_provider_github.yaml"), "GitHubDeployRole"))
    assert span(statement.principals[0].location) == (15, 26, 15, 45)


@pytest.mark.parametrize("name", ["sso_permission_set.yaml", "sso_permission_set.json"])
def test_permission_set_session_duration_and_inline_policy_object(name: str) -> None:
    admin, read = read_fixture(name).permission_sets
    assert admin.name.value == "Admin"
    assert admin.session_duration is not None and admin.session_duration.value == "PT12H"
    statement = only_statement(admin.inline_policy)
    assert texts(statement.actions) == ["sts:AssumeRole"]
    assert read.session_duration is None
    assert texts(only_statement(read.inline_policy).actions) == ["s3:Get*"]


def test_permission_set_inline_policy_as_json_string_points_at_the_string() -> None:
    _admin, read = read_fixture("sso_permission_set.yaml").permission_sets
    statement = only_statement(read.inline_policy)
    assert span(statement.actions[0].location) == (19, 21, 19, 122)


@pytest.mark.parametrize("name", ["organizations_scp.yaml", "organizations_scp.json"])
def test_service_control_policy_content_object_or_json_string(name: str) -> None:
    scp = read_fixture(name).organization_policies[0]
    assert (scp.name.value, scp.policy_type) == ("deny-assume-outside", "SERVICE_CONTROL_POLICY")
    assert texts(scp.targets) == ["ou-abcd-11111111", "666666666666"]
    assert scp.document is not None and scp.document.kind == "scp"
    statement = only_statement(scp.document)
    assert statement.is_deny
    assert texts(statement.actions) == ["sts:AssumeRole"]
    (condition,) = statement.conditions
    assert (condition.operator, condition.key) == ("StringNotEquals", "aws:ResourceOrgID")


def test_tag_policy_is_not_read_as_an_iam_policy() -> None:
    _scp, tags = read_fixture("organizations_scp.yaml").organization_policies
    assert (tags.policy_type, tags.document) == ("TAG_POLICY", None)


# -- SAM ---------------------------------------------------------------------------


def test_sam_function_with_policies_gets_a_generated_role_trusting_lambda() -> None:
    unit = read_fixture("sam_function_roles.yaml")
    processor = role(unit, "Processor")
    assert processor.resource.resource_type == "AWS::Serverless::Function"
    assert processor.name.value == "<generated:ProcessorRole>"
    assert processor.arn == f"arn:aws:iam::{ACCOUNT}:role/lambda/<generated:ProcessorRole>"
    statement = only_statement(processor.trust_policy)
    assert [(p.kind, p.value) for p in statement.principals] == [
        ("service", "lambda.amazonaws.com")
    ]
    assert texts(statement.actions) == ["sts:AssumeRole"]


def test_sam_policy_documents_are_statements_and_names_are_managed_policies() -> None:
    processor = role(read_fixture("sam_function_roles.yaml"), "Processor")
    (document,) = processor.inline_policies
    statement = only_statement(document)
    assert texts(statement.resources) == ["arn:aws:iam::777777777777:role/reader"]
    assert span(statement.resources[0].location) == (17, 25, 17, 62)
    assert texts(processor.managed_policy_arns) == ["AWSLambdaBasicExecutionRole"]


def test_sam_function_assume_role_policy_document_is_its_trust() -> None:
    statement = only_statement(trust(read_fixture("sam_function_roles.yaml"), "Scheduler"))
    assert principal_values(statement) == ["lambda.amazonaws.com", "scheduler.amazonaws.com"]


def test_sam_function_with_a_role_or_without_policies_has_no_generated_role() -> None:
    addresses = [r.resource.address for r in read_fixture("sam_function_roles.yaml").roles]
    assert addresses == ["Processor", "Scheduler"]


def test_sam_generated_role_can_be_referenced_by_its_logical_id() -> None:
    (grant,) = read_fixture("sam_function_roles.yaml").attachments
    assert grant.target.value == "<generated:SchedulerRole>"
    resources = only_statement(grant.document).resources
    assert texts(resources) == [f"arn:aws:iam::{ACCOUNT}:role/lambda/<generated:ProcessorRole>"]


def test_sam_json_template_reads_like_yaml() -> None:
    processor = role(read_fixture("sam_function_roles.json"), "Processor")
    assert texts(processor.managed_policy_arns) == ["AWSLambdaBasicExecutionRole"]
    assert len(processor.inline_policies) == 1


# -- CDK ---------------------------------------------------------------------------


def test_cdk_synthesized_template_reads_join_arns_and_default_policy() -> None:
    unit = read_fixture("cdk.out/AppStack.template.json")
    assert unit.errors == ()
    deploy = role(unit, "DeployRole3A4F1D2B")
    statement = only_statement(deploy.trust_policy)
    assert principal_values(statement) == ["arn:aws:iam::123456789012:root"]
    assert span(statement.principals[0].location) == (17, 16, 28, 10)
    assert texts(statement.conditions[0].values) == ["ci-external-id"]
    target = role(unit, "TargetRole0AB1C2D3")
    assert target.arn == f"arn:aws:iam::{ACCOUNT}:role/app-target"
    assert principal_values(only_statement(target.trust_policy)) == [deploy.arn]
    (policy,) = unit.attachments
    assert policy.target.value == "<generated:DeployRole3A4F1D2B>"
    assert texts(only_statement(policy.document).resources) == [target.arn]


# -- intrinsics ------------------------------------------------------------------------


def test_ref_resolves_defaults_pseudo_parameters_and_resource_names() -> None:
    first, _auditors = trust(read_fixture("intrinsics_ref.yaml"), "Target").statements
    trusted, partner, account, region, source, undefined = first.principals
    assert (trusted.value, span(trusted.location)) == ("888888888888", (35, 19, 35, 38))
    assert account.value == ACCOUNT
    assert source.value == "source"
    assert unknown(partner) == Unknown(
        "!Ref PartnerAccount", partner.location, "parameter PartnerAccount has no default"
    )
    assert unknown(region).reason == "AWS::Region is known only at deploy time"
    assert unknown(undefined).reason == "Undefined is not defined"
    assert span(undefined.location) == (40, 19, 40, 33)


def test_list_parameter_defaults_split_on_commas_at_the_ref() -> None:
    _first, auditors = trust(read_fixture("intrinsics_ref.yaml"), "Target").statements
    assert [(p.value, span(p.location)) for p in auditors.principals] == [
        ("arn:aws:iam::111111111111:role/a", (44, 20, 44, 36)),
        ("arn:aws:iam::222222222222:role/b", (44, 20, 44, 36)),
    ]
    assert texts(auditors.conditions[0].values) == ["one", "two"]


def test_ssm_parameter_default_is_a_parameter_name_not_a_value() -> None:
    target = role(read_fixture("intrinsics_ref.yaml"), "Target")
    assert target.name.value == "<generated:Target>"
    assert span(target.name.location) == (29, 17, 29, 37)


def test_sub_resolves_both_forms_attributes_and_escaped_literals() -> None:
    unit = read_fixture("intrinsics_sub.yaml")
    deploy = role(unit, "Deploy")
    assert deploy.name.value == "deploy-prod"
    statement = only_statement(deploy.trust_policy)
    pseudo, with_variables, tenant, reader = statement.principals
    assert (pseudo.value, span(pseudo.location)) == (
        f"arn:aws:iam::{ACCOUNT}:root",
        (17, 19, 17, 73),
    )
    assert with_variables.value == "arn:aws:iam::999999999999:role/prod"
    assert span(with_variables.location) == (18, 19, 21, 35)
    assert reader.value == f"arn:aws:iam::{ACCOUNT}:role/readers/<generated:Reader>"
    assert texts(statement.conditions[0].values) == ["${Literal}-prod"]
    assert unknown(tenant) == Unknown(
        "arn:aws:iam::${Tenant}:root", tenant.location, "parameter Tenant has no default"
    )


def test_join_and_getatt_build_arns_of_template_resources() -> None:
    statement = only_statement(trust(read_fixture("intrinsics_join_getatt.yaml"), "Target"))
    root, user, group, itself, role_id, imported = statement.principals
    assert (root.value, span(root.location)) == (f"arn:aws:iam::{ACCOUNT}:root", (16, 19, 16, 100))
    assert user.value == f"arn:aws:iam::{ACCOUNT}:user/ci"
    assert group.value == f"arn:aws:iam::{ACCOUNT}:group/<generated:Admins>"
    assert itself.value == f"arn:aws:iam::{ACCOUNT}:role/<generated:Target>"
    assert unknown(role_id).reason == "Target.RoleId is known only at deploy time"
    assert unknown(imported) == Unknown(
        '!Join [":", ["arn:aws:iam:", !ImportValue shared-account, root]]',
        imported.location,
        "Fn::ImportValue is not evaluated",
    )


def test_if_keeps_both_branches_and_decides_a_shared_condition_once_per_statement() -> None:
    document = trust(read_fixture("intrinsics_if_conditions.yaml"), "Target")
    summary = [
        (s.index, s.branch, principal_values(s), [(c.key, texts(c.values)) for c in s.conditions])
        for s in document.statements
    ]
    assert summary == [
        (0, "IsProd=true", ["111111111111"], []),
        (0, "IsProd=false", ["*"], [("aws:PrincipalOrgID", ["o-abc123def4"])]),
        (1, "IsProd=true", ["ec2.amazonaws.com"], []),
    ]


def test_if_on_a_single_valued_property_is_unknown_not_a_default() -> None:
    target = role(read_fixture("intrinsics_if_conditions.yaml"), "Target")
    duration = target.max_session_duration
    assert duration is not None
    assert duration.raw_type == "unknown"
    assert duration.value == Unknown(
        "!If [IsProd, 3600, 43200]",
        duration.location,
        "depends on conditions: IsProd=true, IsProd=false",
    )


def test_if_with_no_value_branch_keeps_the_items_of_the_other_branch() -> None:
    target = role(read_fixture("intrinsics_if_conditions.yaml"), "Target")
    assert [(v.value, span(v.location)) for v in target.managed_policy_arns] == [
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", (14, 12, 14, 50))
    ]


def test_find_in_map_literal_keys_defaults_and_unknown_keys() -> None:
    document = trust(read_fixture("intrinsics_find_in_map.yaml"), "Target")
    branches = [s.branch for s in document.statements]
    assert branches == [
        "AWS::Region=us-east-1 and Env=prod",
        "AWS::Region=us-east-1 and Env=dev|test",
        "AWS::Region=eu-west-1 and Env=prod",
        "AWS::Region=eu-west-1 and Env=dev|test",
    ]
    stage, region, env, with_default, missing = document.statements[1].principals
    assert (stage.value, span(stage.location)) == ("111111111111", (24, 19, 24, 56))
    assert region.value == "333333333333"
    assert env.value == "222222222222"
    assert with_default.value == "555555555555"
    assert unknown(missing).reason == "mapping Accounts has no entry staging.Id"
    assert [s.principals[1].value for s in document.statements[2:]] == ["444444444444"] * 2


def test_find_in_map_with_more_candidates_than_the_limit_is_unknown() -> None:
    statement = only_statement(
        trust(read_fixture("intrinsics_find_in_map_too_many_keys.yaml"), "Target")
    )
    (principal,) = statement.principals
    assert unknown(principal) == Unknown(
        "!FindInMap [Wide, !Ref AWS::Region, Trusted]",
        principal.location,
        "too many Fn::FindInMap entries to consider",
    )


def test_select_split_and_to_json_string() -> None:
    unit = read_fixture("intrinsics_select_split_json.yaml")
    split, literal, out_of_range = only_statement(trust(unit, "Target")).principals
    assert (split.value, span(split.location)) == ("222222222222", (14, 19, 14, 59))
    assert literal.value == "333333333333"
    assert unknown(out_of_range).text == '!Select [5, ["333333333333"]]'
    (grant,) = unit.attachments
    statement = only_statement(grant.document)
    assert texts(statement.resources) == [f"arn:aws:iam::{ACCOUNT}:role/reader"]
    assert span(statement.resources[0].location) == (24, 9, 29, 72)


@pytest.mark.parametrize(
    ("index", "text", "function"),
    [
        (0, "!ImportValue shared-account-root", "Fn::ImportValue"),
        (1, '!Select [0, !GetAZs ""]', "Fn::GetAZs"),
        (2, '!Base64 "111111111111"', "Fn::Base64"),
        (3, '!Select [0, !Cidr ["10.0.0.0/16", 2, 8]]', "Fn::Cidr"),
        (
            4,
            "!Transform {Name: AWS::Include, Parameters: {Location: s3://bucket/p.yaml}}",
            "Fn::Transform",
        ),
        (5, "!Frobnicate thing", "Fn::Frobnicate"),
    ],
)
def test_functions_without_a_static_value_are_unknown_with_their_source(
    index: int, text: str, function: str
) -> None:
    statement = only_statement(trust(read_fixture("intrinsics_unknown_functions.yaml"), "Target"))
    principal = statement.principals[index]
    assert unknown(principal) == Unknown(text, principal.location, f"{function} is not evaluated")
    assert principal.location.line == 10 + index


def test_a_whole_document_from_import_value_is_an_unknown_document() -> None:
    document = trust(read_fixture("intrinsics_unknown_functions.yaml"), "ImportedTrust")
    assert document.statements == ()
    assert document.unknown is not None
    assert document.unknown.text == "!ImportValue shared-trust-policy"


def test_long_form_json_intrinsics_resolve_like_short_forms() -> None:
    unit = read_fixture("intrinsics_long_form.json")
    assert role(unit, "Reader").name.value == "reader-prod"
    document = trust(unit, "Target")
    assert [s.branch for s in document.statements] == ["IsProd=true", "IsProd=false"]
    values = [principal_values(s) for s in document.statements]
    assert [values[0][i] for i in (0, 1, 3, 4, 5)] == [
        ACCOUNT,
        "arn:aws:iam::111111111111:root",
        f"arn:aws:iam::{ACCOUNT}:role/reader-prod",
        "333333333333",
        "555555555555",
    ]
    assert values[1][4] == "444444444444"
    join = document.statements[0].principals[2]
    assert unknown(join).text == '{"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "Tenant"}, ":root"]]}'
    assert span(join.location) == (33, 19, 33, 84)
    assert unknown(document.statements[0].principals[6]).text == '{"Fn::ImportValue": "shared"}'


def test_partition_and_url_suffix_follow_the_configured_partition() -> None:
    unit = read_fixture("partition_aws_cn.yaml", LoadOptions(partition="aws-cn"))
    target = role(unit, "Target")
    assert (target.arn, target.partition) == (f"arn:aws-cn:iam::{ACCOUNT}:role/cn-role", "aws-cn")
    statement = only_statement(target.trust_policy)
    assert principal_values(statement) == [
        "ec2.amazonaws.com.cn",
        f"arn:aws-cn:iam::{ACCOUNT}:root",
    ]


def test_names_that_depend_on_each_other_are_left_generated() -> None:
    unit = read_fixture("reference_cycle.yaml")
    assert [(r.resource.address, r.name.value) for r in unit.roles] == [
        ("First", "<generated:First>"),
        ("Second", "<generated:Second>"),
        ("Itself", "<generated:Itself>"),
    ]
    assert principal_values(only_statement(trust(unit, "First"))) == [
        f"arn:aws:iam::{ACCOUNT}:role/<generated:Second>"
    ]


def test_malformed_intrinsics_are_unknown_never_errors() -> None:
    unit = read_fixture("intrinsics_malformed.yaml")
    assert unit.errors == ()
    target = role(unit, "Target")
    assert target.name.value == "<generated:Target>"
    reasons = [unknown(p).reason for p in only_statement(target.trust_policy).principals]
    assert reasons == [
        "Fn::GetAtt needs [resource, attribute]",
        "Fn::If needs [condition, value if true, value if false]",
        "Fn::Join needs [delimiter, list]",
        "Fn::Select cannot be evaluated here",
        "Fn::FindInMap needs [map, top-level key, second key]",
        "Ref needs the name of a parameter or resource",
        "Fn::Split cannot be evaluated here",
    ]
    assert unit.notes == (
        f"{fixture_path('intrinsics_malformed.yaml')}:20: Properties of BadProperties is not a "
        "mapping; they are not read",
    )
    assert role(unit, "BadProperties").trust_policy is None


def test_deeply_nested_intrinsics_become_unknown_without_recursion_error() -> None:
    depth = 120
    value = '"111111111111"'
    for _ in range(depth):
        value = f"!Select [0, [{value}]]"
    text = (
        "Resources:\n  Deep:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n"
        f"            Principal: {{AWS: {value}}}\n            Action: sts:AssumeRole\n"
    )
    statement = only_statement(trust(read_text(text), "Deep"))
    assert unknown(statement.principals[0]).reason == "nested too deeply to evaluate"


def test_too_many_combinations_of_conditions_are_unknown() -> None:
    conditions = "".join(f"${{V{n}}}" for n in range(6))
    variables = "".join(f"                  V{n}: !If [C{n}, a, b]\n" for n in range(6))
    text = (
        "Resources:\n  Wide:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n"
        "            Principal:\n              AWS: !Sub\n"
        f"                - arn:aws:iam::111111111111:role/{conditions}\n"
        f"                - \n{variables}"
        "            Action: sts:AssumeRole\n"
    )
    statement = only_statement(trust(read_text(text), "Wide"))
    principal = statement.principals[0]
    assert unknown(principal) == Unknown(
        f"arn:aws:iam::111111111111:role/{conditions}",
        principal.location,
        "too many alternatives to evaluate",
    )


def test_sub_over_a_conditional_variable_gives_one_value_per_branch() -> None:
    text = (
        "Resources:\n  Pick:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n"
        "            Principal:\n"
        "              AWS: !Sub ['arn:aws:iam::${A}:root', {A: !If [Prod, '1', '2']}]\n"
        "            Action: sts:AssumeRole\n"
    )
    document = trust(read_text(text), "Pick")
    assert [(s.branch, principal_values(s)) for s in document.statements] == [
        ("Prod=true", ["arn:aws:iam::1:root"]),
        ("Prod=false", ["arn:aws:iam::2:root"]),
    ]


# -- resources and suppressions --------------------------------------------------------


def test_resource_location_spans_from_logical_id_to_its_last_line() -> None:
    unit = read_fixture("suppressions_metadata.yaml")
    assert [span(r.resource.location) for r in unit.roles] == [
        (2, 3, 18, 35),
        (19, 3, 28, 35),
        (29, 3, 39, 35),
    ]


@pytest.mark.parametrize("name", ["suppressions_metadata.yaml", "suppressions_metadata.json"])
def test_metadata_suppressions_cover_the_whole_resource(name: str) -> None:
    unit = read_fixture(name)
    vendor = role(unit, "VendorRole")
    metadata = [s for s in unit.suppressions if s.kind == "metadata"]
    assert [(s.rule_ids, s.reason, s.location) for s in metadata] == [
        (("TL002",), "vendor does not support an external id", vendor.resource.location),
        (("TL003", "TL008"), "", vendor.resource.location),
    ]


def test_comment_suppressions_are_collected_with_their_line() -> None:
    unit = read_fixture("suppressions_metadata.yaml")
    (comment,) = [s for s in unit.suppressions if s.kind == "comment"]
    assert comment.rule_ids == ("TL001",)
    assert comment.reason == "temporary during migration"
    assert span(comment.location) == (15, 11, 15, 62)


def test_a_policy_that_is_absent_in_one_branch_is_only_read_in_the_other() -> None:
    unit = read_fixture("intrinsics_if_whole_policy.yaml")
    document = trust(unit, "Conditional")
    assert document.defects == ()
    assert [(s.branch, principal_values(s)) for s in document.statements] == [
        ("IsProd=true", ["111111111111"])
    ]
    assert role(unit, "Absent").trust_policy is None


def test_a_policy_without_document_is_a_defect_for_rule_tl013() -> None:
    (policy,) = role(read_fixture("intrinsics_if_whole_policy.yaml"), "Conditional").inline_policies
    assert policy.name == "x"
    assert [d.message for d in policy.defects] == [
        "a policy document must be a JSON object, not null"
    ]


def test_length_counts_the_items_of_a_list() -> None:
    text = (
        "Resources:\n  Count:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      MaxSessionDuration: !Length [a, b, c]\n"
    )
    duration = role(read_text(text), "Count").max_session_duration
    assert duration is not None
    assert (duration.value, duration.raw_type) == ("3", "int")


# -- robustness ----------------------------------------------------------------------

_HERE = Location("generated.yaml", 1, 1, 1, 2)
_WORDS = [
    "AWS::AccountId",
    "AWS::NoValue",
    "AWS::Region",
    "Env",
    "IsProd",
    "R0",
    "R1.Arn",
    "Arn",
    "${AWS::AccountId}",
    "${R0.Arn}",
    "${!x}",
    "${Env}",
    "0",
    "a,b",
    "M",
    "a",
]
_KEYS = [
    "Ref",
    "Fn::Sub",
    "Fn::Join",
    "Fn::GetAtt",
    "Fn::If",
    "Fn::FindInMap",
    "Fn::Select",
    "Fn::Split",
    "Fn::ToJsonString",
    "Fn::Length",
    "Fn::ImportValue",
    "Statement",
    "Effect",
    "Principal",
    "AWS",
    "Action",
    "Condition",
    "StringEquals",
    "PolicyName",
    "PolicyDocument",
    "Version",
]
_TYPES = [
    "AWS::IAM::Role",
    "AWS::IAM::User",
    "AWS::IAM::Group",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::UserToGroupAddition",
    "AWS::IAM::OIDCProvider",
    "AWS::SSO::PermissionSet",
    "AWS::Organizations::Policy",
    "AWS::Serverless::Function",
]
_PROPERTIES = [
    "RoleName",
    "UserName",
    "GroupName",
    "ManagedPolicyName",
    "Path",
    "RolePath",
    "AssumeRolePolicyDocument",
    "Policies",
    "ManagedPolicyArns",
    "PermissionsBoundary",
    "MaxSessionDuration",
    "PolicyName",
    "PolicyDocument",
    "Roles",
    "Users",
    "Groups",
    "Url",
    "ClientIdList",
    "Name",
    "SessionDuration",
    "InlinePolicy",
    "Type",
    "Content",
    "TargetIds",
    "Role",
    "Metadata",
]


def _located(data: object) -> object:
    if isinstance(data, dict):
        mapping = LMap(_HERE)
        for key, value in data.items():
            mapping.put(key, _located(value), _HERE, _HERE)
        return mapping
    if isinstance(data, list):
        sequence = LList(_HERE)
        for item in data:
            sequence.add(_located(item), _HERE)
        return sequence
    return data


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 40), st.sampled_from(_WORDS), st.text(max_size=6)
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(_KEYS), children, max_size=3),
    ),
    max_leaves=30,
)
_resources = st.dictionaries(
    st.sampled_from(["R0", "R1", "R2"]),
    st.fixed_dictionaries(
        {
            "Type": st.sampled_from(_TYPES),
            "Properties": st.dictionaries(st.sampled_from(_PROPERTIES), _values, max_size=6),
        }
    ),
    min_size=1,
    max_size=3,
)
_templates = st.fixed_dictionaries(
    {
        "Parameters": st.fixed_dictionaries(
            {
                "Env": st.fixed_dictionaries(
                    {"Type": st.sampled_from(["String", "CommaDelimitedList"]), "Default": _values}
                )
            }
        ),
        "Mappings": st.fixed_dictionaries(
            {
                "M": st.fixed_dictionaries(
                    {"a": st.dictionaries(st.sampled_from(_WORDS), _values, max_size=2)}
                )
            }
        ),
        "Resources": _resources,
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_templates)
def test_any_template_of_intrinsics_and_values_reads_without_raising(
    template: dict[str, object],
) -> None:
    tree = _located(template)
    assert isinstance(tree, LMap)
    unit = read_template(tree, "generated.yaml", "", LoadOptions())
    assert unit.errors == ()
