"""Terraform instances: count, for_each, their references, splats and module calls."""

from __future__ import annotations

from pathlib import Path

from terraform_helpers import load, role, span

from trustlint.config import LoadOptions
from trustlint.frontends.terraform import load_module
from trustlint.model import THIS_ACCOUNT, Unknown


def test_for_each_and_count_instances_are_addressed_as_terraform_addresses_them() -> None:
    unit = load("instances")
    names = {r.resource.address: r.name.value for r in unit.roles}
    assert {k: v for k, v in names.items() if not isinstance(v, Unknown)} == {
        'aws_iam_role.partner["audit"]': "partner-audit",
        'aws_iam_role.partner["backup"]': "partner-backup",
        "aws_iam_role.counted[0]": "counted-0",
        "aws_iam_role.counted[1]": "counted-1",
    }
    backup = role(unit, 'aws_iam_role.partner["backup"]')
    assert backup.arn == f"arn:aws:iam::{THIS_ACCOUNT}:role/partner-backup"
    assert span(backup.name.location) == (19, 24, 19, 45)
    # Every instance keeps the block as its resource's location.
    assert span(backup.resource.location) == (17, 1, 21, 2)


def test_a_set_variable_is_a_for_each_keyed_by_its_elements() -> None:
    groups = {g.resource.address: g.name.value for g in load("instances").groups}
    assert groups == {'aws_iam_group.team["dev"]': "dev", 'aws_iam_group.team["ops"]': "ops"}


def test_instances_that_cannot_be_determined_stay_one_entity_saying_why() -> None:
    unit = load("instances")
    from_list = role(unit, "aws_iam_role.from_list").name.value
    assert isinstance(from_list, Unknown)
    assert from_list.reason == "its for_each is a list; Terraform needs a map or a set (toset())"
    counted = role(unit, "aws_iam_role.unknown_count").name.value
    assert isinstance(counted, Unknown)
    assert counted.reason == "its count is not known before deployment"
    assert span(counted.location) == (42, 24, 42, 48)


def test_an_index_a_splat_and_a_whole_resource_read_its_instances() -> None:
    targets: dict[str, list[object]] = {}
    for attachment in load("instances").attachments:
        targets.setdefault(attachment.resource.address, []).append(attachment.target.value)
    assert targets == {
        "aws_iam_role_policy_attachment.by_key": ["partner-audit"],
        # `for_each = aws_iam_role.partner`: one attachment per role instance.
        'aws_iam_role_policy_attachment.chained["audit"]': ["partner-audit"],
        'aws_iam_role_policy_attachment.chained["backup"]': ["partner-backup"],
        "aws_iam_policy_attachment.splat": ["counted-0", "counted-1"],
        "aws_iam_policy_attachment.values": ["partner-audit"],
    }


def test_module_calls_with_count_are_instances_read_by_index_and_splat() -> None:
    unit = load("instances")
    users = {u.resource.address: u.name.value for u in unit.users}
    assert users == {
        "module.users[0].aws_iam_user.this": "user-0",
        "module.users[1].aws_iam_user.this": "user-1",
    }
    second, every = unit.memberships
    assert second.group.value == "ops"
    assert [user.value for user in second.users] == ["user-1"]
    assert span(second.users[0].location) == (78, 12, 78, 32)
    # `module.users[*].name`: the output of each instance, in index order.
    assert every.group.value == "dev"
    assert [user.value for user in every.users] == ["user-0", "user-1"]
    assert span(every.users[0].location) == (84, 11, 84, 31)


def test_a_set_variable_is_sorted_and_without_duplicates_as_terraform_makes_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "names" {\n  type    = set(string)\n  default = ["ops", "dev", "ops"]\n}\n\n'
        'resource "aws_iam_group_membership" "all" {\n  name  = "all"\n  group = "g"\n'
        "  users = tolist(var.names)\n}\n",
        encoding="utf-8",
    )
    (membership,) = load_module(tmp_path, tmp_path, LoadOptions()).memberships
    assert [user.value for user in membership.users] == ["dev", "ops"]
    # Each element keeps where it was first written.
    assert [span(user.location) for user in membership.users] == [
        (3, 21, 3, 26),
        (3, 14, 3, 19),
    ]
