"""The Terraform front-end: every way a policy is written, and where its parts are."""

from __future__ import annotations

from terraform_helpers import (
    load,
    managed_policy,
    only_statement,
    role,
    span,
    texts,
    trust,
)

from trustlint.model import THIS_ACCOUNT, Unknown, generated_name


def test_jsonencode_trust_policy_keeps_the_location_of_each_hcl_node() -> None:
    unit = load("jsonencode_trust")
    assert unit.unit == "."
    assert unit.format == "terraform"
    assert unit.paths == ("main.tf",)
    assert unit.errors == ()
    vendor = role(unit, "aws_iam_role.vendor")
    assert vendor.name.value == "vendor-access"
    assert vendor.arn == f"arn:aws:iam::{THIS_ACCOUNT}:role/vendor-access"
    assert vendor.account == THIS_ACCOUNT
    assert span(vendor.resource.location) == (1, 1, 15, 2)
    statement = only_statement(trust(unit, "aws_iam_role.vendor"))
    assert statement.sid is not None and statement.sid.value == "Vendor"
    assert statement.is_allow
    (principal,) = statement.principals
    assert (principal.kind, principal.value) == ("aws", "arn:aws:iam::464622532012:root")
    assert principal.arn is not None and principal.arn.account == "464622532012"
    assert span(principal.location) == (8, 27, 8, 59)
    assert span(statement.principal_location) == (8, 7, 8, 16)
    assert texts(statement.actions) == ["sts:AssumeRole"]
    assert span(statement.actions[0].location) == (9, 19, 9, 35)
    (condition,) = statement.conditions
    assert (condition.operator, condition.key) == ("StringEquals", "sts:ExternalId")
    assert texts(condition.values) == ["abc123"]
    assert span(condition.operator_location) == (11, 9, 11, 21)
    assert span(condition.location) == (11, 26, 11, 42)
    assert span(condition.values[0].location) == (11, 45, 11, 53)


def test_heredoc_policy_maps_json_positions_back_into_the_tf_file() -> None:
    statement = only_statement(trust(load("heredoc_trust"), "aws_iam_role.ci"))
    (principal,) = statement.principals
    # The variable's default is interpolated; the position is the JSON string's.
    assert principal.value == "arn:aws:iam::222222222222:root"
    assert span(principal.location) == (9, 28, 9, 65)
    assert span(statement.principal_location) == (9, 7, 9, 18)
    assert span(statement.actions[0].location) == (10, 17, 10, 33)


def test_indented_heredoc_with_unknown_parts_keeps_them_unknown() -> None:
    statement = only_statement(trust(load("heredoc_with_unknown_parts"), "aws_iam_role.partner"))
    (principal,) = statement.principals
    assert isinstance(principal.value, Unknown)
    assert principal.value.text == "arn:aws:iam::${var.partner_account}:root"
    # `<<-` strips four columns of indentation; positions are still the file's.
    assert span(principal.location) == (8, 30, 8, 72)
    (action,) = statement.actions
    assert isinstance(action.value, Unknown)
    assert action.value.text == "var.actions"
    assert span(action.location) == (9, 19, 9, 45)
    (condition,) = statement.conditions
    assert texts(condition.values) == ["x-1"]
    assert span(condition.values[0].location) == (10, 58, 10, 78)


def test_quoted_json_policy_is_read_at_the_strings_location() -> None:
    statement = only_statement(trust(load("quoted_json_trust"), "aws_iam_role.quoted"))
    (principal,) = statement.principals
    assert (principal.kind, principal.value) == ("service", "ec2.amazonaws.com")
    assert span(principal.location) == (3, 24, 3, 182)


def test_policy_document_data_source_renders_statements_principals_and_conditions() -> None:
    document = trust(load("policy_document_trust"), "aws_iam_role.humans")
    humans, anyone, deny = document.statements
    assert humans.sid is not None and humans.sid.value == "Humans"
    # `effect` defaults to Allow, located at the statement block.
    assert humans.effect is not None and humans.effect.value == "Allow"
    assert span(humans.effect.location) == (4, 3, 4, 12)
    assert span(humans.location) == (4, 3, 18, 4)
    (own_root,) = humans.principals
    assert own_root.value == f"arn:aws:iam::{THIS_ACCOUNT}:root"
    assert span(own_root.location) == (10, 22, 10, 88)
    assert span(humans.principal_location) == (8, 5, 8, 15)
    (mfa,) = humans.conditions
    assert (mfa.operator, mfa.key, texts(mfa.values)) == (
        "Bool",
        "aws:MultiFactorAuthPresent",
        ["true"],
    )
    assert span(mfa.operator_location) == (14, 18, 14, 24)
    assert span(mfa.location) == (15, 18, 15, 46)
    assert span(mfa.values[0].location) == (16, 19, 16, 25)
    # `principals { type = "*" identifiers = ["*"] }` is `"Principal": "*"`.
    (star,) = anyone.principals
    assert (star.kind, star.value) == ("*", "*")
    assert span(star.location) == (26, 21, 26, 26)
    assert deny.is_deny and deny.has_not_principal and not deny.has_principal
    (excluded,) = deny.not_principals
    assert excluded.value == "arn:aws:iam::333333333333:role/admin"
    assert span(excluded.location) == (36, 22, 36, 60)
    assert span(deny.principal_location) == (34, 5, 34, 19)


def test_policy_documents_merge_sources_and_overrides_by_sid() -> None:
    policy = managed_policy(load("policy_document_merge"), "aws_iam_policy.assume")
    assert policy.document is not None
    shared, keep_me = policy.document.statements
    # The block's own "Shared" replaces the source document's statement of that Sid.
    assert texts(shared.resources) == ["arn:aws:iam::444444444444:role/deployer"]
    assert span(shared.location) == (18, 3, 22, 4)
    assert span(shared.resources[0].location) == (21, 18, 21, 59)
    # The override replaces "KeepMe" in place.
    assert keep_me.is_deny
    assert span(keep_me.effect.location if keep_me.effect else None) == (28, 18, 28, 24)
    assert texts(keep_me.actions) == ["s3:GetObject"]


def test_dynamic_statements_expand_when_for_each_is_known() -> None:
    document = trust(load("policy_document_dynamic"), "aws_iam_role.known")
    first, second = document.statements
    assert [first.sid.value if first.sid else None, second.sid.value if second.sid else None] == [
        "Account0",
        "Account1",
    ]
    assert texts(first.principals) == ["arn:aws:iam::111111111111:root"]
    assert texts(second.principals) == ["arn:aws:iam::222222222222:root"]
    assert span(second.principals[0].location) == (15, 24, 15, 62)


def test_dynamic_statement_with_unknown_for_each_adds_no_statement() -> None:
    document = trust(load("policy_document_dynamic"), "aws_iam_role.unknown")
    (known,) = document.statements
    assert known.sid is not None and known.sid.value == "Known"
    assert document.unknown is None


def test_file_policy_is_located_in_the_json_file_it_reads() -> None:
    unit = load("file_policy")
    assert unit.paths == ("main.tf", "trust.json")
    statement = only_statement(trust(unit, "aws_iam_role.from_file"))
    (principal,) = statement.principals
    assert principal.value == "arn:aws:iam::555555555555:root"
    assert principal.location.path == "trust.json"
    assert span(principal.location) == (6, 28, 6, 60)


def test_file_outside_the_project_or_missing_is_unknown() -> None:
    unit = load("file_policy")
    outside = trust(unit, "aws_iam_role.outside")
    assert outside.unknown is not None
    assert outside.unknown.reason == "the file is outside the project and is not read"
    missing = trust(unit, "aws_iam_role.missing")
    assert missing.unknown is not None
    assert missing.unknown.reason == "no such file: nowhere.json"
    assert missing.statements == ()


def test_templatefile_policy_renders_its_variables_and_points_into_the_template() -> None:
    unit = load("templatefile_policy")
    assert unit.paths == ("main.tf", "trust.json.tpl")
    statement = only_statement(trust(unit, "aws_iam_role.templated"))
    (principal,) = statement.principals
    assert principal.kind == "federated"
    assert principal.value == (
        "arn:aws:iam::666666666666:oidc-provider/token.actions.githubusercontent.com"
    )
    assert principal.location.path == "trust.json.tpl"
    assert (principal.location.line, principal.location.column) == (5, 32)
    (condition,) = statement.conditions
    assert condition.key == "token.actions.githubusercontent.com:sub"
    assert span(condition.location) == (7, 34, 7, 75)
    assert texts(condition.values) == [
        "repo:org/app:ref:refs/heads/main",
        "repo:org/app:environment:prod",
    ]
    # Values that came from `${jsonencode(subjects)}` point at the interpolation.
    assert span(condition.values[1].location) == (7, 77, 7, 100)


def test_undecided_conditional_becomes_one_statement_per_branch() -> None:
    document = trust(load("conditional_principal"), "aws_iam_role.switch")
    production, other = document.statements
    assert production.branch == "var.production=true"
    assert texts(production.principals) == ["arn:aws:iam::777777777777:root"]
    assert span(production.principals[0].location) == (16, 44, 16, 76)
    assert other.branch == "var.production=false"
    assert texts(other.principals) == ["*"]
    assert span(other.principals[0].location) == (16, 79, 16, 82)
    # `var.staging` defaults to false: the `null` branch removes the Condition key.
    assert production.conditions == () and production.condition_location is None
    assert span(production.location) == (13, 18, 18, 6)


def test_role_arguments_and_generated_names() -> None:
    unit = load("all_resource_types")
    web = role(unit, "aws_iam_role.web")
    assert texts(web.managed_policy_arns) == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert web.permissions_boundary is not None
    assert web.permissions_boundary.value == "arn:aws:iam::aws:policy/PowerUserAccess"
    assert web.max_session_duration is not None
    assert (web.max_session_duration.value, web.max_session_duration.raw_type) == ("43200", "int")
    custom = managed_policy(unit, "aws_iam_policy.custom")
    assert custom.name.value == generated_name("aws_iam_policy.custom")
    assert custom.arn == (
        f"arn:aws:iam::{THIS_ACCOUNT}:policy/team/{generated_name('aws_iam_policy.custom')}"
    )


def test_users_groups_memberships_and_inline_policies() -> None:
    unit = load("all_resource_types")
    (alice,) = unit.users
    assert alice.name.value == "alice"
    assert alice.path is not None and alice.path.value == "/people/"
    assert alice.arn == f"arn:aws:iam::{THIS_ACCOUNT}:user/people/alice"
    (admins,) = unit.groups
    assert admins.arn == f"arn:aws:iam::{THIS_ACCOUNT}:group/admins"
    memberships = [(m.resource.address, m.group.value, texts(m.users)) for m in unit.memberships]
    assert memberships == [
        ("aws_iam_group_membership.admins", "admins", ["alice", "bob"]),
        ("aws_iam_user_group_membership.alice", "admins", ["alice"]),
        ("aws_iam_user_group_membership.alice", "auditors", ["alice"]),
    ]
    inline = {
        a.resource.address: (a.target_kind, a.target.value, a.document is not None)
        for a in unit.attachments
        if a.document is not None
    }
    assert inline == {
        "aws_iam_user_policy.alice_assume": ("user", "alice", True),
        "aws_iam_group_policy.admins_assume": ("group", "admins", True),
        "aws_iam_role_policy.web_inline": ("role", "web", True),
    }


def test_policy_attachments_of_every_kind() -> None:
    unit = load("all_resource_types")
    custom_arn = (
        f"arn:aws:iam::{THIS_ACCOUNT}:policy/team/{generated_name('aws_iam_policy.custom')}"
    )
    attached = sorted(
        (a.resource.address, a.target_kind, a.target.value, a.policy_arn.value)
        for a in unit.attachments
        if a.policy_arn is not None
    )
    assert attached == [
        ("aws_iam_group_policy_attachment.admins_custom", "group", "admins", custom_arn),
        ("aws_iam_policy_attachment.shared", "role", "web", custom_arn),
        ("aws_iam_policy_attachment.shared", "user", "carol", custom_arn),
        (
            "aws_iam_user_policy_attachment.alice_readonly",
            "user",
            "alice",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
    ]


def test_oidc_provider_permission_set_and_organization_policies() -> None:
    unit = load("all_resource_types")
    (github,) = unit.oidc_providers
    assert github.url.value == "https://token.actions.githubusercontent.com"
    assert texts(github.client_ids) == ["sts.amazonaws.com"]
    assert github.arn == (
        f"arn:aws:iam::{THIS_ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    )
    (operators,) = unit.permission_sets
    assert operators.name.value == "Operators"
    assert operators.session_duration is not None
    assert operators.session_duration.value == "PT12H"
    assert operators.inline_policy is not None
    assert texts(operators.inline_policy.statements[0].actions) == ["sts:AssumeRole"]
    deny, tags = unit.organization_policies
    assert (deny.name.value, deny.policy_type) == ("deny-assume", "SERVICE_CONTROL_POLICY")
    assert deny.document is not None and deny.document.kind == "scp"
    assert deny.document.statements[0].is_deny
    assert texts(deny.targets) == ["ou-abcd-11111111"]
    # A tag policy is not IAM policy language.
    assert (tags.policy_type, tags.document, tags.targets) == ("TAG_POLICY", None, ())


def test_non_ascii_text_keeps_character_columns() -> None:
    unit = load("non_ascii_columns")
    assert unit.errors == ()
    donnees = role(unit, "aws_iam_role.données")
    assert span(donnees.name.location) == (4, 10, 4, 19)
    statement = only_statement(trust(unit, "aws_iam_role.données"))
    assert statement.sid is not None and statement.sid.value == "Accès"
    assert span(statement.sid.location) == (5, 82, 5, 89)
    assert span(statement.principals[0].location) == (5, 156, 5, 188)
    assert span(statement.principal_location) == (5, 136, 5, 145)


def test_suppression_comments_are_collected_from_each_file() -> None:
    (suppression,) = load("suppression_comments").suppressions
    assert suppression.rule_ids == ("TL002",)
    assert suppression.reason == "vendor does not support an external id"
    assert span(suppression.location) == (3, 3, 3, 66)


def test_optional_object_attributes_of_a_typed_variable_get_their_defaults() -> None:
    policy = managed_policy(load("variable_object_types"), "aws_iam_policy.typed")
    assert policy.document is not None
    statement = only_statement(policy.document)
    # `sid` is optional without a default (null), so the statement key is used.
    assert statement.sid is not None and statement.sid.value == "assume"
    assert statement.effect is not None and statement.effect.value == "Allow"
    assert texts(statement.actions) == ["sts:AssumeRole"]
    assert span(statement.actions[0].location) == (8, 27, 8, 43)


def test_partition_and_caller_identity_data_sources_resolve() -> None:
    unit = load("partition_reference", partition="aws-cn")
    regional = role(unit, "aws_iam_role.regional")
    assert (regional.partition, regional.account) == ("aws-cn", THIS_ACCOUNT)
    assert regional.arn == f"arn:aws-cn:iam::{THIS_ACCOUNT}:role/regional"
    statement = only_statement(trust(unit, "aws_iam_role.regional"))
    assert texts(statement.principals) == [f"arn:aws-cn:iam::{THIS_ACCOUNT}:root"]
    # Other data sources are read at deployment: unknown, never guessed.
    (region,) = statement.conditions[0].values
    assert isinstance(region.value, Unknown)
    assert region.value.text == "data.aws_region.current.name"
    assert span(region.location) == (15, 62, 15, 90)


def test_caller_identity_through_another_provider_is_not_this_account() -> None:
    unit = load("caller_identity_provider_alias")
    own, production = trust(unit, "aws_iam_role.operator").statements
    assert own.principals[0].value == f"arn:aws:iam::{THIS_ACCOUNT}:root"
    assert isinstance(production.principals[0].value, Unknown)
