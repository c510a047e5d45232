"""Paths by role chaining (SPEC section 11): who reaches a role, and where a principal goes."""

from __future__ import annotations

import pytest
from conftest import Project
from graph_support import copy_case

from trustlint.engine import load_project
from trustlint.graph import build_graph
from trustlint.graph.path_query import UnknownNameError, find_paths
from trustlint.graph.paths import ReachIndex, ReachPath, paths_from, paths_to, reach_index

VENDOR = "account:464622532012"
AUDIT = "role:111111111111:vendor-audit"
OPS = "role:111111111111:ops"
ADMIN = "role:222222222222:prod-admin"


def index_of(project: Project, case: str) -> ReachIndex:
    copy_case(project, f"paths/{case}")
    return reach_index(build_graph(load_project((project.root,), None, use_cache=False)))


def chains(paths: list[ReachPath]) -> list[tuple[str, ...]]:
    """Each path as the node keys it goes through, origin first."""
    return [(path.origin, *(hop.target for hop in path.hops)) for path in paths]


def where(location: object) -> tuple[str, int, int]:
    path, line, column = (getattr(location, name) for name in ("path", "line", "column"))
    return path, line, column


def test_a_vendor_chain_of_two_hops(project: Project) -> None:
    index = index_of(project, "vendor_chain_two_hops")

    paths, truncated = paths_to(index, ADMIN)

    assert chains(paths) == [(AUDIT, ADMIN), (VENDOR, AUDIT, ADMIN)]
    assert not truncated
    enter, chain = paths[1].hops
    assert enter.trust.conditions == ("ExternalId",)
    assert where(enter.trust.location) == ("tools/vendor_role.yaml", 12, 20)
    assert enter.grant is None  # the vendor's own grant is in its account, not in the files
    assert where(chain.trust.location) == ("prod/admin.yaml", 12, 20)
    assert chain.grant is not None
    assert where(chain.grant.location) == ("tools/vendor_role.yaml", 24, 27)
    assert paths[1].decided


def test_a_vendor_chain_of_three_hops(project: Project) -> None:
    index = index_of(project, "vendor_chain_three_hops")

    paths, _ = paths_to(index, ADMIN)

    assert chains(paths) == [(OPS, ADMIN), (AUDIT, OPS, ADMIN), (VENDOR, AUDIT, OPS, ADMIN)]
    hops = paths[2].hops
    assert [where(hop.trust.location) for hop in hops] == [
        ("tools/vendor_role.yaml", 12, 20),
        ("tools/ops_role.yaml", 12, 20),
        ("prod/admin.yaml", 12, 20),
    ]
    assert [hop.grant and where(hop.grant.location) for hop in hops] == [
        None,
        ("tools/vendor_role.yaml", 24, 27),
        ("tools/ops_role.yaml", 21, 27),
    ]


def test_paths_from_a_vendor_account_follow_the_chain(project: Project) -> None:
    index = index_of(project, "vendor_chain_three_hops")

    paths, _ = paths_from(index, [VENDOR])

    assert chains(paths) == [(VENDOR, AUDIT), (VENDOR, AUDIT, OPS), (VENDOR, AUDIT, OPS, ADMIN)]


@pytest.mark.parametrize("max_hops", [1, 2])
def test_max_hops_is_honoured(project: Project, max_hops: int) -> None:
    index = index_of(project, "vendor_chain_three_hops")

    paths, _ = paths_to(index, ADMIN, max_hops)

    assert chains(paths) == [(OPS, ADMIN), (AUDIT, OPS, ADMIN)][:max_hops]


@pytest.mark.parametrize(
    "case",
    [
        "chain_broken_by_missing_grant",
        "chain_broken_by_trust_of_another_role",
        "chain_broken_by_explicit_deny",
        "chain_broken_by_scp",
    ],
)
def test_a_broken_chain_is_no_path(project: Project, case: str) -> None:
    index = index_of(project, case)

    into_admin, _ = paths_to(index, ADMIN)
    from_vendor, _ = paths_from(index, [VENDOR])

    assert all(AUDIT not in chain for chain in chains(into_admin))
    assert chains(from_vendor) == [(VENDOR, AUDIT)]


def test_the_trust_of_another_role_is_a_path_from_that_role_only(project: Project) -> None:
    index = index_of(project, "chain_broken_by_trust_of_another_role")

    paths, _ = paths_to(index, ADMIN)

    assert chains(paths) == [("role:111111111111:ci", ADMIN)]


def test_a_cycle_ends_and_repeats_no_hop(project: Project) -> None:
    index = index_of(project, "chain_with_a_cycle")

    into_ops, _ = paths_to(index, OPS)
    from_vendor, _ = paths_from(index, [VENDOR], max_hops=10)

    assert chains(into_ops) == [(AUDIT, OPS), (VENDOR, AUDIT, OPS)]
    assert chains(from_vendor) == [(VENDOR, AUDIT), (VENDOR, AUDIT, OPS)]
    for chain in chains(into_ops) + chains(from_vendor):
        assert len(set(chain)) == len(chain)


def test_an_unresolved_grant_is_an_undecided_hop_with_its_reason(project: Project) -> None:
    index = index_of(project, "chain_with_an_unresolved_grant")

    paths, _ = paths_to(index, ADMIN)

    assert chains(paths) == [(AUDIT, ADMIN), (VENDOR, AUDIT, ADMIN)]
    assert [path.decided for path in paths] == [False, False]
    hop = paths[0].hops[0]
    assert not hop.decided
    assert hop.why == "statement 1 of Role VendorAuditRole may allow it"
    assert hop.grant is not None  # the statement that may grant it, `!Ref AdminRoleArn`
    assert where(hop.grant.location) == ("tools/vendor_role.yaml", 27, 27)


def test_a_grant_on_every_role_reaches_a_role_that_trusts_its_account(project: Project) -> None:
    index = index_of(project, "root_trust_and_a_grant_on_every_role")
    ci = "role:111111111111:ci"
    tools = "account:111111111111"

    paths, _ = paths_to(index, ADMIN)

    assert chains(paths) == [(tools, ADMIN), (ci, ADMIN), (tools, ci, ADMIN)]
    hop = paths[1].hops[0]
    assert where(hop.trust.location) == ("prod/admin.yaml", 12, 20)  # the account root
    assert hop.grant is not None
    assert where(hop.grant.location) == ("tools/ci_role.yaml", 21, 27)  # Resource "*"


@pytest.mark.parametrize(
    "name",
    ["prod-admin", "PROD-ADMIN", "ProdAdminRole", "arn:aws:iam::222222222222:role/prod-admin"],
)
def test_a_role_is_named_by_name_address_or_arn(project: Project, name: str) -> None:
    index = index_of(project, "vendor_chain_two_hops")

    query, paths, _ = find_paths(index, "to", name, 5)

    assert query.match.keys == (ADMIN,)
    assert len(paths) == 2


@pytest.mark.parametrize(
    ("name", "origins"),
    [
        ("464622532012", (VENDOR,)),
        ("arn:aws:iam::464622532012:root", (VENDOR,)),
        ("arn:aws:iam::111111111111:role/vendor-audit", (AUDIT,)),
        ("vendor-audit", (AUDIT,)),
        ("111111111111", (AUDIT,)),  # no trust names its root: its one principal
    ],
)
def test_a_principal_is_named_by_arn_or_account(
    project: Project, name: str, origins: tuple[str, ...]
) -> None:
    index = index_of(project, "vendor_chain_two_hops")

    query, _, _ = find_paths(index, "from", name, 5)

    assert query.match.keys == origins


def test_an_unknown_role_lists_close_matches(project: Project) -> None:
    index = index_of(project, "vendor_chain_two_hops")

    with pytest.raises(UnknownNameError) as raised:
        find_paths(index, "to", "prod-admn", 5)

    assert str(raised.value) == (
        "no role 'prod-admn' in the scanned files; close matches: prod-admin, ProdAdminRole"
    )


def test_an_identity_provider_enters_by_web_identity_and_chains_on(project: Project) -> None:
    index = index_of(project, "web_identity_chain")
    github = "federated:arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    deploy = "role:111111111111:github-deploy"

    query, paths, _ = find_paths(index, "from", "token.actions.githubusercontent.com", 5)

    assert query.match.keys == (github,)
    assert chains(paths) == [(github, deploy), (github, deploy, ADMIN)]
    enter = paths[0].hops[0]
    assert enter.trust.conditions == (
        "aud: sts.amazonaws.com",
        "sub: repo:acme/infra:ref:refs/heads/main",
    )
    assert where(enter.trust.location) == ("tools/github_role.yaml", 12, 26)
