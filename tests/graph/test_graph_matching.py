"""Three-valued matching of principals, conditions and resources against scanned entities."""

from __future__ import annotations

import pytest
from graph_builders import policy, project, role, unit, user

from trustlint.graph import TrustGraph, build_graph
from trustlint.graph.matching import (
    Caller,
    caller_of,
    condition_holds,
    names_match,
    principal_matches,
    resource_matches_role,
)
from trustlint.model import Condition, Principal, SourceUnit, Value, generated_name

TOOLS = "111111111111"
PROD = "222222222222"


@pytest.fixture
def graph() -> TrustGraph:
    """ci and alice in the tools account (configured), worker in an unconfigured unit."""
    return build_graph(
        project(
            unit(
                "tools.yaml",
                roles=(role("tools.yaml", "ci", path="/build/"),),
                users=(user("tools.yaml", "alice"),),
            ),
            unit("free.yaml", roles=(role("free.yaml", "worker"),)),
            unit("gen.yaml", roles=(role("gen.yaml", generated_name("App")),)),
            accounts={"tools.yaml": TOOLS},
        )
    )


def caller(graph: TrustGraph, name: str) -> Caller:
    entity = next(e for e in (*graph.roles, *graph.users) if e.display_name == name)
    return caller_of(entity)


def trust_unit(graph: TrustGraph, unit_id: str = "tools.yaml") -> SourceUnit:
    return next(u for u in graph.project.units if u.unit == unit_id)


def first_statement_principal(text: str) -> Principal:
    document = policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        f'"Principal": {{"AWS": "{text}"}}, "Action": "sts:AssumeRole"}}]}}',
        "trust",
    )
    return document.statements[0].principals[0]


@pytest.mark.parametrize(
    ("principal", "name", "expected"),
    [
        (TOOLS, "ci", True),
        (f"arn:aws:iam::{TOOLS}:root", "alice", True),
        (f"arn:aws:iam::{PROD}:root", "ci", False),
        (f"arn:aws:iam::{TOOLS}:role/build/CI", "ci", True),
        (f"arn:aws:sts::{TOOLS}:assumed-role/ci/session-1", "ci", True),
        (f"arn:aws:iam::{TOOLS}:user/ci", "ci", False),
        (f"arn:aws:iam::{TOOLS}:user/alice", "alice", True),
        (f"arn:aws:iam::{TOOLS}:role/other", "ci", False),
        ("*", "ci", True),
        (f"arn:aws:iam::{TOOLS}:role/worker", "worker", None),
        (f"arn:aws:iam::{TOOLS}:root", "worker", None),
        (f"arn:aws:iam::{TOOLS}:role/App", "<generated:App>", None),
    ],
)
def test_trust_principal_names_the_caller(
    graph: TrustGraph, principal: str, name: str, expected: bool | None
) -> None:
    matched = principal_matches(
        graph.scope, first_statement_principal(principal), trust_unit(graph), caller(graph, name)
    )
    assert matched is expected


def test_this_account_in_a_trust_is_the_account_of_the_trusts_unit(graph: TrustGraph) -> None:
    principal = first_statement_principal("arn:aws:iam::<this-account>:role/worker")
    worker = caller(graph, "worker")
    assert principal_matches(graph.scope, principal, trust_unit(graph, "free.yaml"), worker)
    assert (
        principal_matches(graph.scope, principal, trust_unit(graph, "tools.yaml"), worker) is None
    )


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("deploy", "deploy", True),
        ("deploy", "build", False),
        ("<generated:a@unit-1>", "<generated:a@unit-1>", True),
        ("<generated:a@unit-1>", "<generated:a@unit-2>", False),
        ("deploy", "<generated:a@unit-1>", None),
        (None, "deploy", None),
    ],
)
def test_names_match_without_guessing(
    first: str | None, second: str | None, expected: bool | None
) -> None:
    assert names_match(first, second) is expected


def condition(operator: str, key: str, value: str) -> Condition:
    document = policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", '
        f'"Resource": "*", "Condition": {{"{operator}": {{"{key}": "{value}"}}}}}}]}}',
        "scp",
    )
    return document.statements[0].conditions[0]


@pytest.mark.parametrize(
    ("written", "name", "expected"),
    [
        ("ArnNotLike aws:PrincipalArn arn:aws:iam::*:role/build/ci", "ci", False),
        ("ArnNotLike aws:PrincipalArn arn:aws:iam::*:role/admin", "ci", True),
        (f"ArnLike aws:PrincipalArn arn:aws:iam::{TOOLS}:role/*", "ci", True),
        (f"ArnLike aws:PrincipalArn arn:aws:iam::{TOOLS}:role/*", "alice", False),
        (f"StringEquals aws:PrincipalArn arn:aws:iam::{TOOLS}:role/worker", "worker", None),
        (f"StringEquals aws:PrincipalAccount {TOOLS}", "ci", True),
        (f"StringNotEquals aws:PrincipalAccount {TOOLS}", "ci", False),
        ("StringEquals aws:PrincipalType AssumedRole", "ci", True),
        ("StringEquals aws:PrincipalType AssumedRole", "alice", False),
        ("StringEquals aws:username alice", "ci", False),
        ("StringEqualsIfExists aws:username bob", "ci", True),
        ("Null aws:PrincipalArn true", "ci", False),
        ("StringEquals aws:PrincipalOrgID o-a1b2c3d4e5", "ci", None),
    ],
)
def test_principal_conditions_are_evaluated_for_the_caller(
    graph: TrustGraph, written: str, name: str, expected: bool | None
) -> None:
    operator, key, value = written.split(" ")
    held = condition_holds(
        graph.scope, condition(operator, key, value), trust_unit(graph), caller(graph, name)
    )
    assert held is expected


@pytest.mark.parametrize(
    ("resource", "name", "expected"),
    [
        ("*", "ci", True),
        (f"arn:aws:iam::{TOOLS}:role/build/ci", "ci", True),
        (f"arn:aws:iam::{TOOLS}:role/ci", "ci", False),
        (f"arn:aws:iam::{TOOLS}:role/*", "ci", True),
        ("arn:aws:iam::*:role/build/*", "ci", True),
        (f"arn:aws:iam::{PROD}:role/build/ci", "ci", False),
        ("arn:aws:s3:::bucket/*", "ci", False),
        (f"arn:aws:iam::{TOOLS}:role/worker", "worker", None),
        ("arn:aws:iam::*:role/worker", "worker", True),
        ("arn:aws:iam::*:role/*", "<generated:App>", True),
        ("arn:aws:iam::*:role/App", "<generated:App>", None),
    ],
)
def test_resource_patterns_cover_roles_without_guessing(
    graph: TrustGraph, resource: str, name: str, expected: bool | None
) -> None:
    target = next(e for e in graph.roles if e.display_name == name)
    matched = resource_matches_role(
        graph.scope, Value(resource, target.location), trust_unit(graph), target
    )
    assert matched is expected
