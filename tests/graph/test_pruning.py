"""What a scan keeps of each unit for the trust graph, and when it need not build the graph.

The engine runs the single-unit checks on each unit as it is loaded and keeps
`pruning.for_graph(unit)` for TL004, TL005 and `trustlint graph`; every graph
fixture must give the same findings and the same drawing from the pruned units.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from graph_builders import at, grant, policy, project, role, trust, unit
from graph_support import GRAPH_FIXTURES

from trustlint.checks import CheckContext, graph_checks
from trustlint.engine import load_project
from trustlint.findings import Finding
from trustlint.graph import build_graph
from trustlint.graph.edges import graph_view
from trustlint.graph.pruning import for_graph, graph_may_find
from trustlint.model import Location, ParseError, SourceUnit, Suppression, TrustDocument
from trustlint.project import Project

CASES = sorted(path.name for path in GRAPH_FIXTURES.iterdir() if path.is_dir())
PROD = "222222222222"
TOOLS = "111111111111"
READ_AND_ASSUME = (
    '{"Version": "2012-10-17", "Statement": ['
    '{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, '
    '{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}, '
    '{"Effect": "Deny", "Action": ["ec2:*", "iam:*"], "Resource": "*"}, '
    '{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}'
)


def graph_findings(project: Project) -> list[Finding]:
    context = CheckContext(project, strict=True)
    found = [finding for check in graph_checks().values() for finding in check(context)]
    return sorted(found, key=Finding.sort_key)


def pruned(project: Project) -> Project:
    return Project([for_graph(unit) for unit in project.units], project.config)


def load_case(tmp_path: Path, case: str) -> Project:
    """The units of a fixture case, copied out of the repository (whose config excludes it)."""
    root = tmp_path / case
    shutil.copytree(GRAPH_FIXTURES / case, root)
    loaded = load_project((root,), None, use_cache=False)
    assert loaded.units
    return loaded


@pytest.mark.parametrize("case", CASES)
def test_graph_checks_find_the_same_in_pruned_units(tmp_path: Path, case: str) -> None:
    whole = load_case(tmp_path, case)
    assert graph_findings(pruned(whole)) == graph_findings(whole)


def test_the_graph_cases_have_findings_to_compare(tmp_path: Path) -> None:
    with_findings = [case for case in CASES if graph_findings(load_case(tmp_path, case))]
    assert len(with_findings) >= 10


@pytest.mark.parametrize("case", CASES)
def test_the_graph_drawn_from_pruned_units_is_the_same(tmp_path: Path, case: str) -> None:
    whole = load_case(tmp_path, case)
    assert graph_view(build_graph(pruned(whole))) == graph_view(build_graph(whole))


def test_identity_statements_that_cannot_allow_assume_role_are_dropped_with_labels_kept() -> None:
    document = policy(READ_AND_ASSUME, "identity")
    kept = for_graph(unit("a.yaml", roles=(role("a.yaml", "app", policies=(document,)),)))
    statements = kept.roles[0].inline_policies[0].statements
    assert [statement.label for statement in statements] == ["statement 2", "statement 4"]
    assert kept.roles[0].inline_policies[0].version is None


def test_trust_statements_stay_without_the_places_of_their_keys() -> None:
    kept = for_graph(unit("a.yaml", roles=(role("a.yaml", "app", trust_policy=trust(TOOLS)),)))
    statement = kept.roles[0].trust_policy.statements[0]  # type: ignore[union-attr]
    assert [p.value for p in statement.principals] == [TOOLS]
    assert (statement.principal_location, statement.action_location) == (None, None)


def test_a_document_held_twice_is_pruned_into_one_document() -> None:
    document = policy(READ_AND_ASSUME, "identity")
    holder = role("a.yaml", "app", policies=(document,))
    kept = for_graph(unit("a.yaml", roles=(holder,), documents=(document,)))
    assert kept.roles[0].inline_policies[0] is kept.documents[0]


def test_suppressions_and_parse_errors_stay() -> None:
    where = Location("a.yaml", 3, 1, 3, 20)
    suppression = Suppression(("TL004",), "reviewed", where)
    error = ParseError("bad", where)
    source = SourceUnit(
        "a.yaml", "cloudformation", ("a.yaml",), suppressions=(suppression,), errors=(error,)
    )
    kept = for_graph(source)
    assert (kept.suppressions, kept.errors) == ((suppression,), (error,))


def test_the_graph_may_find_nothing_when_no_trust_names_a_scanned_principal() -> None:
    prod = unit(
        "prod.yaml",
        roles=(role("prod.yaml", "deploy", trust_policy=trust(f"arn:aws:iam::{TOOLS}:role/ci")),),
    )
    assert not graph_may_find([prod])
    tools = unit("tools.yaml", roles=(role("tools.yaml", "ci", account=TOOLS),))
    assert graph_may_find([prod, tools])


def test_the_graph_may_find_something_for_a_trust_of_an_account_root() -> None:
    prod = unit(
        "prod.yaml",
        roles=(role("prod.yaml", "deploy", trust_policy=trust(f"arn:aws:iam::{TOOLS}:root")),),
    )
    assert graph_may_find([prod])


def test_the_graph_may_find_something_for_a_grant_on_a_scanned_role_only() -> None:
    deploy = f"arn:aws:iam::{PROD}:role/deploy"
    tools = unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant(deploy),)),))
    assert not graph_may_find([tools])
    prod = unit("prod.yaml", roles=(role("prod.yaml", "deploy"),))
    assert graph_may_find([tools, prod])
    anything = unit("any.yaml", roles=(role("any.yaml", "ci", policies=(grant("*"),)),))
    assert not graph_may_find([anything, prod])


@pytest.mark.parametrize("case", CASES)
def test_where_the_graph_may_find_nothing_it_finds_nothing(tmp_path: Path, case: str) -> None:
    whole = load_case(tmp_path, case)
    units = [for_graph(unit) for unit in whole.units]
    subsets = [[unit] for unit in units]
    chooser = random.Random(case)
    subsets += [chooser.sample(units, k) for k in range(2, len(units)) for _ in range(3)]
    silent = [subset for subset in subsets if not graph_may_find(subset)]
    for subset in silent:
        assert graph_findings(Project(subset, whole.config)) == [], [u.unit for u in subset]


def test_a_project_built_here_is_pruned_the_same_way() -> None:
    built = project(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust(TOOLS)),)),
        unit("tools.yaml", roles=(role("tools.yaml", "ci", policies=(grant("*"),)),)),
        accounts={"prod.yaml": PROD, "tools.yaml": TOOLS},
    )
    assert graph_findings(pruned(built)) == graph_findings(built)


def test_trust_documents_without_a_role_are_left_to_the_single_unit_checks() -> None:
    document = trust(TOOLS)
    unattached = TrustDocument("data.aws_iam_policy_document.x", at("main.tf"), document)
    kept = for_graph(unit("main.tf", trust_documents=(unattached,)))
    assert kept.trust_documents == ()
