"""`trustlint graph` marks the trust and grant of each role-chaining hop."""

from __future__ import annotations

import json

from conftest import Project
from graph_support import copy_case

from trustlint.engine import load_project
from trustlint.report.graph_export import render_graph

AUDIT = "role:111111111111:vendor-audit"
ADMIN = "role:222222222222:prod-admin"


def graph_of(project: Project, case: str, fmt: str) -> str:
    copy_case(project, f"paths/{case}")
    return render_graph(load_project((project.root,), None, use_cache=False), fmt, findings=[])


def chain_edges(text: str) -> list[tuple[str, str, str, str]]:
    edges = json.loads(text)["edges"]
    return [(e["from"], e["to"], e["kind"], e["location"]) for e in edges if e["chain"]]


def test_the_trust_and_the_grant_of_a_role_to_role_hop_are_marked(project: Project) -> None:
    text = graph_of(project, "vendor_chain_two_hops", "json")

    # The vendor's entry is a hop too, but no role of the files takes it.
    assert chain_edges(text) == [
        (AUDIT, ADMIN, "is-granted", "tools/vendor_role.yaml:24:27"),
        (AUDIT, ADMIN, "may-assume", "prod/admin.yaml:12:20"),
    ]


def test_a_hop_an_explicit_deny_cancels_is_not_marked(project: Project) -> None:
    text = graph_of(project, "chain_broken_by_explicit_deny", "json")

    assert chain_edges(text) == []


def test_mermaid_and_dot_draw_chain_hops_bold_blue(project: Project) -> None:
    copy_case(project, "paths/vendor_chain_two_hops")
    loaded = load_project((project.root,), None, use_cache=False)

    mermaid = render_graph(loaded, "mermaid", findings=[])
    dot = render_graph(loaded, "dot", findings=[])

    assert '  n0 -.->|"granted"| n1\n  n0 -->|"may assume"| n1\n' in mermaid
    assert "  linkStyle 1,2 stroke:#0366d6,stroke-width:3px\n" in mermaid
    chained = [line for line in dot.splitlines() if 'color="#0366d6"' in line]
    assert [line.split(" [", 1)[0].strip() for line in chained] == ["n0 -> n1", "n0 -> n1"]
