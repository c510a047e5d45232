"""`terraform show -json` plans and state: literal values, mapped back to the `.tf` blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from terraform_helpers import FIXTURES, only_statement, role, span, texts, trust

from trustlint.config import LoadOptions
from trustlint.frontends.terraform.plan import is_plan, read_plan
from trustlint.frontends.yaml_loader import load_json
from trustlint.model import SourceUnit, Unknown, generated_name
from trustlint.tree import LMap


def read(case: str, name: str) -> SourceUnit:
    directory = FIXTURES / case
    tree = load_json((directory / name).read_text(encoding="utf-8"), name)
    assert isinstance(tree, LMap)
    return read_plan(tree, name, directory, LoadOptions())


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"format_version": "1.2", "planned_values": {}}, True),
        ({"format_version": "1.0", "values": {}}, True),
        ({"format_version": "1.2", "configuration": {}}, True),
        ({"format_version": "1.0"}, False),
        ({"Version": "2012-10-17", "Statement": []}, False),
        (["format_version"], False),
    ],
)
def test_is_plan_recognises_terraform_show_json(document: object, expected: bool) -> None:
    assert is_plan(document) is expected


def test_plan_resources_are_located_in_their_tf_blocks() -> None:
    unit = read("plan_with_configuration", "plan.json")
    assert unit.unit == "plan.json"
    assert unit.format == "terraform-plan"
    assert unit.paths == ("main.tf", "modules/app/main.tf", "plan.json")
    deploy = role(unit, "aws_iam_role.deploy")
    assert deploy.resource.location.path == "main.tf"
    assert span(deploy.resource.location) == (3, 1, 14, 2)
    assert deploy.name.value == "deploy"
    assert span(deploy.name.location) == (4, 10, 4, 18)


def test_plan_values_are_literal_and_the_account_comes_from_the_caller_identity() -> None:
    unit = read("plan_with_configuration", "plan.json")
    assert unit.account == "123456789012"
    deploy = role(unit, "aws_iam_role.deploy")
    assert deploy.account == "123456789012"
    assert deploy.arn == "arn:aws:iam::123456789012:role/deploy"
    statement = only_statement(trust(unit, "aws_iam_role.deploy"))
    (principal,) = statement.principals
    assert principal.value == "arn:aws:iam::123456789012:user/ci"
    # The policy is the plan's JSON string: its parts sit at the attribute in the .tf file.
    assert span(principal.location) == (5, 24, 8, 5)


def test_plan_inline_policies_sit_at_their_blocks_policy_attribute() -> None:
    deploy = role(read("plan_with_configuration", "plan.json"), "aws_iam_role.deploy")
    (inline,) = deploy.inline_policies
    assert inline.name == "assume-app"
    assert texts(only_statement(inline).resources) == ["*"]
    assert span(inline.location) == (12, 14, 12, 58)


def test_child_module_resources_follow_the_configurations_module_source() -> None:
    unit = read("plan_with_configuration", "plan.json")
    app = role(unit, "module.app.aws_iam_role.app")
    assert app.resource.location.path == "modules/app/main.tf"
    assert app.name.value == generated_name("module.app.aws_iam_role.app")
    document = trust(unit, "module.app.aws_iam_role.app")
    assert isinstance(document.unknown, Unknown)
    assert document.unknown.reason == "known after apply"
    assert span(document.location) == (4, 24, 4, 33)
    (suppression,) = unit.suppressions
    assert suppression.rule_ids == ("TL001",)
    assert span(suppression.location)[:2] == (2, 3)


def test_state_without_configuration_is_located_in_the_json_file() -> None:
    unit = read("state_without_configuration", "state.json")
    assert unit.paths == ("state.json",)
    legacy = role(unit, "aws_iam_role.legacy[0]")
    assert legacy.arn == "arn:aws-us-gov:iam::210987654321:role/ops/legacy"
    assert (legacy.account, legacy.partition) == ("210987654321", "aws-us-gov")
    assert span(legacy.name.location) == (15, 21, 15, 29)
    statement = only_statement(trust(unit, "aws_iam_role.legacy[0]"))
    (principal,) = statement.principals
    assert (principal.kind, principal.value) == ("aws", "*")
    assert span(principal.location) == (17, 35, 17, 164)


def test_a_plan_without_values_is_an_empty_unit(tmp_path: Path) -> None:
    tree = load_json('{"format_version": "1.2", "planned_values": {}}', "empty.json")
    unit = read_plan(tree, "empty.json", tmp_path, LoadOptions())
    assert (unit.roles, unit.errors, unit.paths) == ((), (), ("empty.json",))


def test_plan_links_resources_known_only_after_apply_through_the_configuration() -> None:
    unit = read("plan_of_other_resources", "plan.json")
    (ops,) = unit.permission_sets
    assert (ops.name.value, ops.session_duration.value if ops.session_duration else None) == (
        "Ops",
        "PT8H",
    )
    assert ops.inline_policy is not None
    assert texts(ops.inline_policy.statements[0].actions) == ["sts:AssumeRole"]
    (deny,) = unit.organization_policies
    assert deny.document is not None and deny.document.kind == "scp"
    assert texts(deny.targets) == ["r-abcd"]
    (dev,) = unit.users
    assert dev.arn == "arn:aws:iam::<this-account>:user/dev"
    (attachment,) = unit.attachments
    assert (attachment.target_kind, attachment.target.value) == ("user", "dev")
    assert span(attachment.target.location) == (28, 16, 28, 37)


# The resource table is shared with configurations: groups, inline policies,
# attachments and memberships of a plan.


def test_plan_groups_and_inline_policies_are_read_through_the_shared_resource_table() -> None:
    unit = read("plan_of_groups_and_memberships", "plan.json")
    (group,) = unit.groups
    assert (group.name.value, group.arn) == ("ops", "arn:aws:iam::111122223333:group/teams/ops")
    assert group.account == "111122223333"
    inline = next(a for a in unit.attachments if a.resource.address == "aws_iam_role_policy.read")
    assert (inline.target_kind, inline.target.value) == ("role", "deploy")
    assert inline.document is not None and inline.document.name == "read"
    (statement,) = inline.document.statements
    assert texts(statement.actions) == ["s3:GetObject"]


def test_plan_attachments_and_memberships_name_each_target() -> None:
    unit = read("plan_of_groups_and_memberships", "plan.json")
    attached = sorted(
        (a.resource.address, a.target_kind, a.target.value)
        for a in unit.attachments
        if a.policy_arn is not None
    )
    assert attached == [
        ("aws_iam_group_policy_attachment.ops", "group", "ops"),
        ("aws_iam_policy_attachment.shared", "group", "audit"),
        ("aws_iam_policy_attachment.shared", "group", "ops"),
        ("aws_iam_policy_attachment.shared", "role", "deploy"),
        ("aws_iam_policy_attachment.shared", "user", "alice"),
    ]
    memberships = sorted(
        (m.resource.address, m.group.value, tuple(u.value for u in m.users))
        for m in unit.memberships
    )
    assert memberships == [
        ("aws_iam_group_membership.ops", "ops", ("alice", "bob")),
        ("aws_iam_user_group_membership.carol", "audit", ("carol",)),
        ("aws_iam_user_group_membership.carol", "ops", ("carol",)),
    ]


def test_an_organization_in_a_plan_does_not_make_its_account_the_management_account() -> None:
    unit = read("plan_of_groups_and_memberships", "plan.json")
    assert unit.organizations == ()
