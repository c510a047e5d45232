"""`trustlint graph`: the trust graph as Mermaid, Graphviz DOT or JSON.

Accounts are drawn as groups (Mermaid subgraphs, DOT clusters); edges carry
their conditions and the rules whose findings point at them. The trust and
grant of each role-chaining hop (a role whose sessions may assume another
role: `trustlint paths`) are drawn bold blue and marked `chain` in JSON.
Output is deterministic: node ids are assigned in sorted order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from trustlint.findings import Finding
from trustlint.graph import TrustGraph, build_graph
from trustlint.graph.edges import Edge, GraphView, Node, graph_view, mark_findings
from trustlint.graph.paths import ReachIndex
from trustlint.model import Location
from trustlint.project import Project
from trustlint.report.escaping import for_dot, for_json
from trustlint.report.graph_formats import (
    GRAPH_FORMATS,
    MERMAID_HEADER,
    condition_words,
    exported_key,
    location_text,
    mermaid_account,
    mermaid_edge,
    mermaid_external,
    mermaid_node,
    node_ids,
)

_EDGE_WORDS = {"may-assume": "may assume", "is-granted": "granted", "member-of": "member of"}
_CHAIN_COLOUR = "#0366d6"

EdgeId = tuple[str, str, str, Location]
"""An edge whatever findings mark it: source, target, kind, location."""


def render_graph(
    project: Project,
    fmt: str,
    findings: Sequence[Finding],
    *,
    graph: TrustGraph | None = None,
    reach: ReachIndex | None = None,
) -> str:
    """The project's trust graph in `fmt` (`mermaid`, `dot` or `json`).

    `findings` (a scan's, as `trustlint graph` runs one) mark the edges they
    point at; a reporter runs no checks. `graph` and `reach`, when the scan's
    checks built them for this same project, are reused rather than built again.
    """
    if fmt not in GRAPH_FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}")
    if graph is None:
        graph, reach = build_graph(project), None
    view = mark_findings(graph_view(graph), ((f.rule_id, f.location) for f in findings))
    chains = chain_edges(graph, reach)
    if fmt == "json":
        return render_json(view, chains)
    if fmt == "dot":
        return render_dot(view, chains)
    return render_mermaid(view, chains)


def _edge_id(edge: Edge) -> EdgeId:
    return (edge.source, edge.target, edge.kind, edge.location)


def chain_edges(graph: TrustGraph, index: ReachIndex | None = None) -> frozenset[EdgeId]:
    """The trust and grant edges of every decided hop from a scanned role into a role.

    `index` is the graph's reach index when it is already built.
    """
    if index is None:
        from trustlint.graph.paths import reach_index

        index = reach_index(graph)
    marked: set[EdgeId] = set()
    for hops in index.into.values():
        for hop in hops:
            source = index.entities.get(hop.source)
            if source is None or source.kind != "role" or not hop.decided:
                continue
            marked.add(_edge_id(hop.trust))
            if hop.grant is not None:
                marked.add(_edge_id(hop.grant))
    return frozenset(marked)


def _edge_label(edge: Edge) -> str:
    words = [_EDGE_WORDS[edge.kind]]
    if edge.kind == "may-assume" and edge.actions != ("AssumeRole",):
        words = [f"may {', '.join(edge.actions)}"]
    words.extend(condition_words(edge))
    if edge.findings:
        words.insert(0, " ".join(edge.findings))
    return "; ".join(words)


def _grouped(view: GraphView) -> tuple[list[tuple[str, str, list[Node]]], list[Node]]:
    """Nodes by account, in the view's account order, and the nodes of no account."""
    by_account: dict[str, list[Node]] = {key: [] for key, _ in view.accounts}
    loose: list[Node] = []
    for node in view.nodes:
        if node.account is not None and node.account in by_account:
            by_account[node.account].append(node)
        else:
            loose.append(node)
    groups = [(key, label, by_account[key]) for key, label in view.accounts]
    return groups, loose


# --- JSON ---------------------------------------------------------------------------


def render_json(view: GraphView, chains: frozenset[EdgeId] = frozenset()) -> str:
    ids = {node.key: exported_key(view, node.key) for node in view.nodes}
    data: dict[str, Any] = {
        "accounts": [{"id": view.account_ids[key], "label": label} for key, label in view.accounts],
        "nodes": [
            {
                "id": ids[node.key],
                "kind": node.kind,
                "label": node.label,
                "account": view.account_ids.get(node.account) if node.account else None,
                "defined": node.defined,
                "location": location_text(node.location),
            }
            for node in view.nodes
        ],
        "edges": [
            {
                "from": ids[edge.source],
                "to": ids[edge.target],
                "kind": edge.kind,
                "actions": [f"sts:{action}" for action in edge.actions],
                "conditions": list(edge.conditions),
                "statement": edge.statement or None,
                "branch": edge.branch,
                "via": edge.via or None,
                "reason": edge.reason or None,
                "location": location_text(edge.location),
                "findings": list(edge.findings),
                "chain": _edge_id(edge) in chains,
            }
            for edge in view.edges
        ],
    }
    return json.dumps(for_json(data), indent=2, sort_keys=False) + "\n"


# --- Mermaid ------------------------------------------------------------------------


MERMAID_MAX_EDGES = 500
"""Mermaid's default `maxEdges`: GitHub does not render a diagram with more."""


def render_mermaid(view: GraphView, chains: frozenset[EdgeId] = frozenset()) -> str:
    ids = node_ids(view.nodes)
    lines = [MERMAID_HEADER]
    if len(view.edges) > MERMAID_MAX_EDGES:
        lines.append(
            f"  %% {len(view.edges)} edges: renderers with Mermaid's default limit of "
            f"{MERMAID_MAX_EDGES} (GitHub) will not draw this; graph fewer paths or use DOT"
        )
    groups, loose = _grouped(view)
    for index, (_, label, nodes) in enumerate(groups):
        lines.append(f"  {mermaid_account(index, label)}")
        lines.extend(f"    {mermaid_node(ids[node.key], node)}" for node in nodes)
        lines.append("  end")
    lines.extend(f"  {mermaid_node(ids[node.key], node)}" for node in loose)
    marked: list[int] = []
    chained: list[int] = []
    for index, edge in enumerate(view.edges):
        arrow = "-.->" if edge.kind == "is-granted" else "-->"
        if edge.kind == "member-of":
            arrow = "---"
        lines.append(
            f"  {mermaid_edge(ids[edge.source], arrow, _edge_label(edge), ids[edge.target])}"
        )
        if edge.findings:
            marked.append(index)
        if _edge_id(edge) in chains:
            chained.append(index)
    if chained:
        lines.append(
            f"  linkStyle {','.join(map(str, chained))} stroke:{_CHAIN_COLOUR},stroke-width:3px"
        )
    if marked:
        lines.append(f"  linkStyle {','.join(map(str, marked))} stroke:#d73a49,stroke-width:2px")
    undefined = [ids[node.key] for node in view.nodes if not node.defined]
    lines.extend(f"  {line}" for line in mermaid_external(undefined))
    return "\n".join(lines) + "\n"


# --- DOT ----------------------------------------------------------------------------


def dot_text(text: str) -> str:
    """A double-quoted DOT string."""
    return for_dot(text)


_DOT_SHAPES = {
    "any": "ellipse",
    "service": "ellipse",
    "federated": "ellipse",
    "account": "box3d",
    "pattern": "parallelogram",
}


def _dot_node(node_id: str, node: Node) -> str:
    attributes = [f"label={dot_text(node.label)}", f"shape={_DOT_SHAPES.get(node.kind, 'box')}"]
    if not node.defined:
        attributes.append('style="dashed"')
    return f"{node_id} [{', '.join(attributes)}];"


def _dot_edge(ids: dict[str, str], edge: Edge, chain: bool) -> str:
    attributes = [f"label={dot_text(_edge_label(edge))}"]
    if edge.kind == "is-granted":
        attributes.append('style="dashed"')
    elif edge.kind == "member-of":
        attributes.append('arrowhead="none"')
    if edge.findings:
        attributes.append('color="#d73a49"')
        attributes.append("penwidth=2")
    elif chain:
        attributes.append(f'color="{_CHAIN_COLOUR}"')
        attributes.append("penwidth=3")
    return f"{ids[edge.source]} -> {ids[edge.target]} [{', '.join(attributes)}];"


def render_dot(view: GraphView, chains: frozenset[EdgeId] = frozenset()) -> str:
    ids = node_ids(view.nodes)
    lines = [
        "digraph trust {",
        # newrank avoids Graphviz's "trouble in init_rank" on large clustered graphs.
        "  rankdir=LR;",
        "  newrank=true;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    groups, loose = _grouped(view)
    for index, (_, label, nodes) in enumerate(groups):
        lines.append(f"  subgraph cluster_account{index} {{")
        lines.append(f"    label={dot_text(label)};")
        lines.extend(f"    {_dot_node(ids[node.key], node)}" for node in nodes)
        lines.append("  }")
    lines.extend(f"  {_dot_node(ids[node.key], node)}" for node in loose)
    lines.extend(f"  {_dot_edge(ids, edge, _edge_id(edge) in chains)}" for edge in view.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"
