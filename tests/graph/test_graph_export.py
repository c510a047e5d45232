"""`trustlint graph`: Mermaid, DOT and JSON exports of the trust graph."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from conftest import Project
from graph_builders import grant, policy, project, role, trust, unit
from graph_support import copy_case

from trustlint.checks import CheckContext, all_checks
from trustlint.cli import main
from trustlint.graph import build_graph
from trustlint.graph.edges import describe_conditions, graph_view
from trustlint.report.graph_export import dot_text, render_graph
from trustlint.report.graph_formats import mermaid_text

CASE = "grant_on_role_that_trusts_another_role"

EXPECTED_MERMAID = """\
flowchart LR
  subgraph account0["Account 111111111111"]
    n0["Role aws_iam_role.ci (ci-runner)"]
    n1("Role release")
  end
  subgraph account1["Account 222222222222"]
    n2["Role DeployRole (deploy)"]
  end
  n3(["Service codebuild.amazonaws.com"])
  n0 -.->|"TL004; granted"| n2
  n1 -->|"may assume"| n2
  n3 -->|"TL008; may assume"| n0
  linkStyle 0,2 stroke:#d73a49,stroke-width:2px
  classDef external stroke-dasharray: 4 3
  class n1,n3 external
"""


def graph_command(project: Project, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    copy_case(project, CASE)
    assert main(["graph", "--no-cache", "--format", fmt, str(project.root)]) == 0
    return capsys.readouterr().out


def test_mermaid_groups_accounts_and_marks_the_edges_findings_point_at(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert graph_command(project, "mermaid", capsys) == EXPECTED_MERMAID


def test_mermaid_lines_are_flowchart_statements(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    text = graph_command(project, "mermaid", capsys)
    statement = re.compile(
        r'^(flowchart LR|  %% .*|  subgraph account\d+\["[^"]*"\]|  end|'
        r'\s+n\d+(\["[^"]*"\]|\("[^"]*"\)|\(\["[^"]*"\]\)|\[\["[^"]*"\]\]|\[/"[^"]*"/\])|'
        r'  n\d+ (-->|-\.->|---)\|"[^"|]*"\| n\d+|'
        r"  linkStyle [\d,]+ .+|  classDef \w+ .+|  class [n\d,]+ \w+)$"
    )
    assert [line for line in text.splitlines() if not statement.match(line)] == []


def test_dot_output_is_valid_graphviz(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    text = graph_command(project, "dot", capsys)
    assert text.startswith("digraph trust {\n") and text.endswith("}\n")
    assert 'n0 -> n2 [label="TL004; granted", style="dashed", color="#d73a49", penwidth=2];' in text
    assert '  subgraph cluster_account1 {\n    label="Account 222222222222";' in text
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("graphviz `dot` is not installed")
    completed = subprocess.run(
        [dot, "-Tsvg"], input=text, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "<svg" in completed.stdout


def test_json_has_nodes_and_edges_with_locations_and_findings(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(graph_command(project, "json", capsys))
    assert [a["id"] for a in data["accounts"]] == ["111111111111", "222222222222"]
    assert [(n["id"], n["defined"], n["location"]) for n in data["nodes"]] == [
        ("role:111111111111:ci-runner", True, "tools/main.tf:1:1"),
        ("role:111111111111:release", False, None),
        ("role:222222222222:deploy", True, "prod/deploy_role.yaml:4:3"),
        ("service:codebuild.amazonaws.com", False, None),
    ]
    assert [
        (e["from"], e["to"], e["kind"], e["location"], e["findings"]) for e in data["edges"]
    ] == [
        (
            "role:111111111111:ci-runner",
            "role:222222222222:deploy",
            "is-granted",
            "tools/main.tf:21:18",
            ["TL004"],
        ),
        (
            "role:111111111111:release",
            "role:222222222222:deploy",
            "may-assume",
            "prod/deploy_role.yaml:13:20",
            [],
        ),
        (
            "service:codebuild.amazonaws.com",
            "role:111111111111:ci-runner",
            "may-assume",
            "tools/main.tf:7:31",
            ["TL008"],
        ),
    ]
    assert data["edges"][0]["via"] == "Policy aws_iam_role_policy.assume_deploy"
    assert data["edges"][0]["reason"] == (
        "statement 1 of Policy aws_iam_role_policy.assume_deploy allows sts:AssumeRole on "
        "arn:aws:iam::222222222222:role/deploy"
    )
    assert data["edges"][1]["reason"] == (
        "statement 1 of the trust policy of Role DeployRole admits "
        "arn:aws:iam::111111111111:role/release"
    )


def test_output_is_deterministic(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    first = graph_command(project, "json", capsys)
    assert main(["graph", "--no-cache", "--format", "json", str(project.root)]) == 0
    assert capsys.readouterr().out == first


def test_graph_of_a_named_file_draws_only_that_file(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_case(project, CASE)
    named = str(project.root / "prod" / "deploy_role.yaml")
    assert main(["graph", "--no-cache", "--format", "json", named]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [n["id"] for n in data["nodes"]] == [
        "role:111111111111:release",
        "role:222222222222:deploy",
    ]


# --- labels and conditions -----------------------------------------------------------------


def test_mermaid_labels_escape_what_would_break_the_syntax_or_the_html() -> None:
    assert mermaid_text('a"b <this-account> #1 | x & y`\n z') == (
        "a#quot;b #lt;this-account#gt; #35;1 #124; x #amp; y#96; z"
    )


def test_dot_labels_escape_quotes_and_backslashes() -> None:
    assert dot_text('say "hi" \\ bye\n') == '"say \\"hi\\" \\\\ bye"'


def test_edges_carry_external_id_mfa_oidc_subject_and_organization_in_words() -> None:
    document = policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},'
        ' "Action": "sts:AssumeRole", "Condition": {'
        '"StringEquals": {"sts:ExternalId": "x1", "aws:PrincipalOrgID": "o-a1b2c3d4e5",'
        ' "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"},'
        ' "Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}',
        "trust",
    )
    assert describe_conditions(document.statements[0].conditions) == (
        "ExternalId",
        "org: o-a1b2c3d4e5",
        "sub: repo:acme/app:ref:refs/heads/main",
        "MFA",
    )


def test_units_without_configured_accounts_are_drawn_as_separate_accounts() -> None:
    built = project(
        unit("a.yaml", roles=(role("a.yaml", "deploy"),)),
        unit("b.yaml", roles=(role("b.yaml", "deploy"),)),
    )
    view = graph_view(build_graph(built))
    assert [label for _, label in view.accounts] == [
        "The account of a.yaml",
        "The account of b.yaml",
    ]
    data = json.loads(render_graph(built, "json", findings=[]))
    assert [(n["id"], n["account"]) for n in data["nodes"] if n["kind"] == "role"] == [
        ("role:<this-account>@a.yaml:deploy", "<this-account>@a.yaml"),
        ("role:<this-account>@b.yaml:deploy", "<this-account>@b.yaml"),
    ]


def test_wildcard_grant_is_one_pattern_node_not_an_edge_per_role() -> None:
    built = project(
        unit(
            "prod.yaml",
            roles=tuple(
                role("prod.yaml", f"r{i}", trust_policy=trust("222222222222")) for i in range(3)
            ),
        ),
        unit(
            "tools.yaml",
            roles=(
                role("tools.yaml", "ci", policies=(grant("arn:aws:iam::222222222222:role/*"),)),
            ),
        ),
        accounts={"prod.yaml": "222222222222", "tools.yaml": "111111111111"},
    )
    grants = [e for e in graph_view(build_graph(built)).edges if e.kind == "is-granted"]
    assert [(e.source, e.target) for e in grants] == [
        ("role:111111111111:ci", "pattern:222222222222:arn:aws:iam::222222222222:role/*")
    ]


def test_render_graph_runs_the_checks_when_no_findings_are_given() -> None:
    built = project(
        unit("prod.yaml", roles=(role("prod.yaml", "deploy", trust_policy=trust("222222222222")),)),
        unit(
            "tools.yaml",
            roles=(
                role(
                    "tools.yaml", "ci", policies=(grant("arn:aws:iam::222222222222:role/deploy"),)
                ),
            ),
        ),
        accounts={"prod.yaml": "222222222222", "tools.yaml": "111111111111"},
    )
    context = CheckContext(built)
    findings = [finding for check in all_checks().values() for finding in check(context)]
    data = json.loads(render_graph(built, "json", findings))
    marked = {(e["kind"], tuple(e["findings"])) for e in data["edges"] if e["findings"]}
    assert ("is-granted", ("TL004",)) in marked


def test_mermaid_notes_when_github_would_refuse_to_draw_the_diagram() -> None:
    many = tuple(role("prod.yaml", f"r{i}") for i in range(501))
    text = render_graph(project(unit("prod.yaml", roles=many)), "mermaid", findings=[])
    assert text.splitlines()[1] == (
        "  %% 501 edges: renderers with Mermaid's default limit of 500 (GitHub) will not draw "
        "this; graph fewer paths or use DOT"
    )


def test_dot_uses_newrank_so_large_clustered_graphs_lay_out() -> None:
    text = render_graph(project(unit("prod.yaml", roles=(role("prod.yaml", "r"),))), "dot", [])
    assert text.splitlines()[1:3] == ["  rankdir=LR;", "  newrank=true;"]


def test_a_bucket_policy_file_draws_no_trust(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its principals may read the bucket; nobody assumes anything through it."""
    project.write(
        "bucket-policy.json",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Principal": {"AWS": "arn:aws:iam::111111111111:root"}, '
        '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}\n',
    )
    assert main(["graph", "--no-cache", "--format", "json", str(project.root)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["nodes"], data["edges"]) == ([], [])
