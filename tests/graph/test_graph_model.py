"""The trust graph: accounts, one node per role however it is named, what principals hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from graph_builders import at, grant, group, managed_policy, project, role, trust, unit, user

from trustlint.config import ConfigError, load_config
from trustlint.graph import build_graph
from trustlint.graph.edges import graph_view
from trustlint.graph.scope import same_account
from trustlint.model import (
    GroupMembership,
    PolicyAttachment,
    Resource,
    Unknown,
    Value,
    generated_name,
)

TOOLS = "111111111111"
PROD = "222222222222"


def test_two_units_without_configured_accounts_are_two_undecided_accounts() -> None:
    graph = build_graph(project(unit("a.yaml"), unit("b.yaml")))
    first, second = (graph.scope.unit_account(u) for u in graph.project.units)
    assert first != second
    assert same_account(first, second) is None
    assert same_account(first, first) is True


def test_units_placed_in_one_account_by_accounts_paths_share_it() -> None:
    graph = build_graph(project(unit("a.yaml"), unit("b.yaml"), accounts={"*.yaml": PROD}))
    assert {graph.scope.unit_account(u) for u in graph.project.units} == {PROD}


def test_literal_accounts_are_decided_equal_or_different() -> None:
    assert same_account(TOOLS, TOOLS) is True
    assert same_account(TOOLS, PROD) is False
    assert same_account(TOOLS, None) is None


def test_a_role_is_one_node_whether_named_by_arn_name_or_reference() -> None:
    deploy_arn = f"arn:aws:iam::{PROD}:role/deploy"
    by_reference = "arn:aws:iam::<this-account>:role/Deploy"
    built = project(
        unit(
            "prod.yaml",
            roles=(
                role("prod.yaml", "deploy", trust_policy=trust(f"arn:aws:iam::{PROD}:role/ops")),
                role("prod.yaml", "ops", policies=(grant(by_reference),)),
            ),
        ),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(deploy_arn),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    graph = build_graph(built)
    [deploy] = graph.entities("role", PROD, "deploy")
    assert deploy.label == "Role deploy"
    view = graph_view(graph)
    assert [n.key for n in view.nodes if n.kind == "role"] == [
        "role:111111111111:ci",
        "role:222222222222:deploy",
        "role:222222222222:ops",
    ]
    assert sorted((e.source, e.target, e.kind) for e in view.edges if e.kind != "member-of") == [
        ("role:111111111111:ci", "role:222222222222:deploy", "is-granted"),
        ("role:222222222222:ops", "role:222222222222:deploy", "is-granted"),
        ("role:222222222222:ops", "role:222222222222:deploy", "may-assume"),
        ("service:lambda.amazonaws.com", "role:111111111111:ci", "may-assume"),
        ("service:lambda.amazonaws.com", "role:222222222222:ops", "may-assume"),
    ]


def test_generated_names_are_scoped_to_their_unit() -> None:
    name = generated_name("AppRole")
    built = project(
        unit("a.yaml", roles=(role("a.yaml", name),)),
        unit("b.yaml", roles=(role("b.yaml", name),)),
        accounts={"*.yaml": PROD},
    )
    graph = build_graph(built)
    assert len({entity.name for entity in graph.roles}) == 2
    for entity in graph.roles:
        assert graph.entities("role", PROD, entity.name) == [entity]


def test_managed_policy_arn_resolves_to_the_scanned_policy() -> None:
    assume = managed_policy("tools.yaml", "assume-deploy", grant(f"arn:aws:iam::{PROD}:role/x"))
    built = project(
        unit(
            "tools.yaml",
            roles=(
                role(
                    "tools.yaml",
                    "ci",
                    managed=(
                        f"arn:aws:iam::{TOOLS}:policy/assume-deploy",
                        "arn:aws:iam::aws:policy/ReadOnlyAccess",
                    ),
                ),
            ),
            managed_policies=(assume,),
        ),
        accounts={"tools.yaml": TOOLS},
    )
    graph = build_graph(built)
    holdings = graph.holdings(graph.roles[0])
    assert [(held.owner, held.certain) for held in holdings.policies] == [
        ("Policy assume-deploy", True)
    ]
    assert holdings.unknown == [
        "the managed policy arn:aws:iam::aws:policy/ReadOnlyAccess is not in the scanned files"
    ]


def test_group_membership_resource_gives_users_their_groups_policies() -> None:
    membership = GroupMembership(
        Resource("Membership", "AWS::IAM::UserToGroupAddition", at("tools.yaml"), "tools.yaml"),
        Value("deployers", at("tools.yaml")),
        (Value("alice", at("tools.yaml")),),
    )
    built = project(
        unit(
            "tools.yaml",
            users=(user("tools.yaml", "alice"),),
            groups=(group("tools.yaml", "deployers", policies=(grant("*"),)),),
            memberships=(membership,),
        )
    )
    graph = build_graph(built)
    [alice] = graph.users
    [held] = graph.holdings(alice).policies
    assert (held.owner, held.via, held.certain) == (
        "Group deployers",
        "through Group deployers",
        True,
    )
    assert [m.entity.label for m in graph.members(graph.groups[0])] == ["User alice"]


def test_user_in_a_group_outside_the_scanned_files_may_hold_more() -> None:
    built = project(unit("tools.yaml", users=(user("tools.yaml", "alice", groups=("admins",)),)))
    graph = build_graph(built)
    assert graph.holdings(graph.users[0]).unknown == [
        "User alice is in group admins, which is not in the scanned files"
    ]


def test_attachment_whose_target_is_unresolved_may_reach_any_role_of_its_account() -> None:
    floating = PolicyAttachment(
        Resource("Attach", "aws_iam_role_policy", at("tools.yaml"), "tools.yaml"),
        "role",
        Value(Unknown("var.role_name"), at("tools.yaml"), "unknown"),
        document=grant("*"),
    )
    built = project(
        unit("tools.yaml", roles=(role("tools.yaml", "ci"),), attachments=(floating,)),
        unit("prod.yaml", roles=(role("prod.yaml", "deploy"),)),
        accounts={"tools.yaml": TOOLS, "prod.yaml": PROD},
    )
    graph = build_graph(built)
    held = {e.display_name: [h.certain for h in graph.holdings(e).policies] for e in graph.roles}
    assert held == {"ci": [False], "deploy": []}


def test_organizational_units_are_read_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / ".trustlint.yaml"
    config.write_text(
        "accounts:\n  organizational_units:\n    ou-ab12-34cd56ef: ['111111111111']\n",
        encoding="utf-8",
    )
    assert load_config(config).organizational_units == {"ou-ab12-34cd56ef": ("111111111111",)}


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("ou-x: ['111111111111']", "accounts.organizational_units"),
        ("ou-ab12-34cd56ef: ['1111']", "accounts.organizational_units.ou-ab12-34cd56ef.0"),
    ],
    ids=["malformed-ou-id", "malformed-account-id"],
)
def test_malformed_organizational_units_are_a_config_error(
    tmp_path: Path, entry: str, problem: str
) -> None:
    config = tmp_path / ".trustlint.yaml"
    config.write_text(f"accounts:\n  organizational_units:\n    {entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f": {problem}: "):
        load_config(config)
