"""`graph.links`: what ties a unit to others, read with the trust graph's own rules.

A partial scan loads the units `related` picks from these links, so a link
the graph would not follow only costs time, and a join the graph makes that
the links miss changes findings: each case here pairs the links with what the
graph itself decides.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from graph_builders import grant, policy, project, role, trust, unit

from trustlint.graph import build_graph
from trustlint.graph.links import related, unit_links
from trustlint.graph.matching import resource_matches_role


def statement_on(action: str, resource: str, *, not_action: bool = False) -> str:
    key = "NotAction" if not_action else "Action"
    return (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        f'"{key}": "{action}", "Resource": "{resource}"}}]}}'
    )


TARGET_ARN = "arn:aws:iam::111111111111:role/target"


@pytest.mark.parametrize(
    ("action", "not_action", "linked"),
    [
        ("sts:AssumeRole", False, True),
        ("sts:AssumeRoleWith*", False, True),
        ("STS:assume?ole", False, True),
        ("sts:*", False, True),
        # Only what the graph reads of a grant (`policy.ASSUME_ACTIONS`) links units:
        ("sts:TagSession", False, False),
        ("sts:SetSourceIdentity", False, False),
        ("sts:GetCallerIdentity", False, False),
        ("sts:*", True, False),
        ("s3:GetObject", True, True),
    ],
)
def test_a_grant_links_to_the_role_it_names_when_the_graph_reads_it(
    action: str, not_action: bool, linked: bool
) -> None:
    document = policy(statement_on(action, TARGET_ARN, not_action=not_action), "identity")
    links = unit_links(
        unit("grant.yaml", roles=(role("grant.yaml", "caller", policies=(document,)),))
    )
    assert ("role:target" in links.mentions) is linked


@pytest.mark.parametrize(
    ("resource", "token"),
    [
        ("arn:aws:iam::111111111111:role/path/to/Target", "role:target"),
        ("arn:aws:sts::111111111111:assumed-role/Target/session", "role:target"),
        ("ARN:AWS:IAM::111111111111:ROLE/Target", "role:target"),
        ("arn:aws:s3:::bucket/target", None),
        ("arn:aws:iam::111111111111:*/x", "*:*"),
        ("*", "*:*"),
    ],
)
def test_a_resource_is_named_as_the_graph_splits_its_arn(resource: str, token: str | None) -> None:
    document = policy(statement_on("sts:AssumeRole", resource), "identity")
    links = unit_links(
        unit("grant.yaml", roles=(role("grant.yaml", "caller", policies=(document,)),))
    )
    named = links.mentions | set(links.patterns)
    if token is None:
        assert named == set()
    else:
        assert token in named


def test_a_wildcard_grant_relates_the_roles_the_graph_matches_it_to() -> None:
    # IAM wildcards (`*`, `?`) and nothing else: `[` is a character of the name.
    resources = ("arn:aws:iam::111111111111:role/app-?", "arn:aws:iam::*:role/[ops]*")
    caller = unit(
        "grant.yaml", roles=(role("grant.yaml", "caller", policies=(grant(*resources),)),)
    )
    names = ["app-1", "app-10", "o", "[ops]-admin"]
    targets = [
        unit(f"{name}.yaml", roles=(role(f"{name}.yaml", name, account="111111111111"),))
        for name in names
    ]
    units = [caller, *targets]
    chosen = {units[i].unit for i in related([unit_links(u) for u in units], {"grant.yaml"})}
    assert chosen == {"grant.yaml", "app-1.yaml", "[ops]-admin.yaml"}
    graph = build_graph(project(*units))
    matched = {
        entity.unit.unit
        for entity in graph.roles
        for resource in caller.roles[0].inline_policies[0].statements[0].resources
        if entity.unit is not caller
        and resource_matches_role(graph.scope, resource, caller, entity) is not False
    }
    assert matched == chosen - {"grant.yaml"}


def test_a_trust_of_an_account_root_or_bare_id_names_a_trusted_account() -> None:
    trusting = role(
        "trust.yaml",
        "target",
        trust_policy=trust("arn:aws:iam::222222222222:root", "333333333333", "arn:aws:iam::*:root"),
    )
    links = unit_links(unit("trust.yaml", roles=(trusting,)))
    assert links.trusted_accounts == {"222222222222", "333333333333"}
    assert links.mentions == set()


def test_importing_the_links_does_not_build_the_graph_modules() -> None:
    # A one-file pre-commit run imports `graph.links` and `graph.pruning`; the
    # graph itself (`graph.graph`, `graph.matching`) only when it is built.
    code = (
        "import sys, trustlint.graph.links, trustlint.graph.pruning; "
        "print(sorted(m for m in sys.modules if m.startswith('trustlint.graph')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['trustlint.graph', 'trustlint.graph.links', 'trustlint.graph.pruning']"
