"""`trustlint paths`: who can reach a role, or where a principal can go, as text, JSON or Mermaid.

Each path lists its hops in order; each hop who assumes which role, the
conditions of the trust statement that admits it, and where the trust (the
principal in it) and the grant (the resource in it) are written. A hop the
files cannot decide is shown as undecided, with the reason. Output is
deterministic: paths come sorted by length, then by the names along them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import groupby
from typing import Any

from trustlint.graph.edges import Edge, Node
from trustlint.graph.path_query import PathsQuery
from trustlint.graph.paths import Hop, ReachIndex, ReachPath
from trustlint.graph.scope import same_account
from trustlint.model import Location
from trustlint.records import record, replace
from trustlint.report.escaping import for_json, for_text
from trustlint.report.graph_formats import (
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

_NEEDS_NO_GRANT = ("service", "federated", "any")


def render_paths(
    index: ReachIndex,
    query: PathsQuery,
    paths: list[ReachPath],
    truncated: bool,
    fmt: str,
    *,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The paths in `fmt`; `labels` names nodes better than the graph does (vendors)."""
    names = Names(index, labels or {})
    if fmt == "json":
        return render_json(names, query, paths, truncated)
    if fmt == "mermaid":
        return render_mermaid(names, query, paths)
    return render_text(names, query, paths, truncated)


@record
class Names:
    """How the report names a node: its label in the graph, unless `labels` has a better one."""

    index: ReachIndex
    labels: Mapping[str, str]

    def __call__(self, key: str) -> str:
        return self.labels.get(key) or self.index.label(key)

    def node(self, node: Node) -> Node:
        label = self.labels.get(node.key)
        return node if label is None else replace(node, label=label)


# --- what a hop says ------------------------------------------------------------------


def hop_conditions(hop: Hop) -> list[str]:
    """The trust statement's conditions in words, and its branch when it is conditional."""
    return condition_words(hop.trust)


def grant_note(index: ReachIndex, hop: Hop) -> str | None:
    """Why a hop shows no grant, when it shows none."""
    if hop.grant is not None:
        return None
    source = index.nodes.get(hop.source)
    target = index.nodes.get(hop.target)
    if source is None or target is None or source.kind in _NEEDS_NO_GRANT:
        return None
    trusted = index.nodes.get(hop.trust.source)
    exact = trusted is not None and trusted.kind in ("role", "user")
    if exact and same_account(source.account, target.account) is True:
        return "none needed: the trust names it in its own account"
    if source.kind == "account":
        return "needed by the caller, a principal of that account"
    if not source.defined:
        return "outside the scanned files"
    if not hop.decided:
        return None  # the reason says why
    return "by a statement the graph does not draw"


def _statement(edge: Edge) -> str:
    if edge.kind == "is-granted" and edge.via:
        return f"{edge.statement} of {edge.via}" if edge.statement else edge.via
    return edge.statement


# --- text -----------------------------------------------------------------------------


def render_text(names: Names, query: PathsQuery, paths: list[ReachPath], truncated: bool) -> str:
    """The paths for a terminal: names and paths from the scanned files escaped (`for_text`)."""
    lines = [_heading(names, query), ""]
    if not paths:
        lines.append(_nothing(query))
        return _text_lines(lines)
    for number, path in enumerate(paths, 1):
        steps = [names(path.origin), *(names(hop.target) for hop in path.hops)]
        hops = "1 hop" if len(path.hops) == 1 else f"{len(path.hops)} hops"
        undecided = ", undecided" if not path.decided else ""
        lines.append(f"{number}. {' -> '.join(steps)}  ({hops}{undecided})")
        for hop in path.hops:
            lines.extend(_hop_lines(names, hop))
        lines.append("")
    lines.append(_summary(paths, truncated))
    return _text_lines(lines)


def _text_lines(lines: list[str]) -> str:
    return "".join(f"{for_text(line)}\n" for line in lines)


def _heading(names: Names, query: PathsQuery) -> str:
    hops = "1 hop" if query.max_hops == 1 else f"{query.max_hops} hops"
    matched = query.match.description or ", ".join(names(key) for key in query.match.keys)
    return f"Paths {query.direction} {matched}, of at most {hops}:"


def _nothing(query: PathsQuery) -> str:
    if query.direction == "to":
        return "No principal in the scanned files reaches it."
    return "It reaches no role in the scanned files."


def _hop_lines(names: Names, hop: Hop) -> list[str]:
    index = names.index
    lines = [f"   {names(hop.source)} assumes {names(hop.target)}"]
    conditions = hop_conditions(hop)
    if conditions:
        lines.append(f"      conditions: {'; '.join(conditions)}")
    lines.append(f"      trust: {location_text(hop.trust.location)} ({hop.trust.statement})")
    if hop.grant is not None:
        grant = f"      grant: {location_text(hop.grant.location)} ({_statement(hop.grant)})"
        if hop.grant.conditions:
            grant += f"; conditions: {'; '.join(hop.grant.conditions)}"
        lines.append(grant)
    else:
        note = grant_note(index, hop)
        if note is not None:
            lines.append(f"      grant: {note}")
    if not hop.decided:
        lines.append(f"      undecided: {hop.why}")
    return lines


def _summary(paths: list[ReachPath], truncated: bool) -> str:
    count = "1 path" if len(paths) == 1 else f"{len(paths)} paths"
    undecided = sum(1 for path in paths if not path.decided)
    summary = f"{count} ({undecided} undecided)." if undecided else f"{count}."
    if truncated:
        summary += f" More exist: only the first {len(paths)} found are listed."
    return summary


# --- JSON -----------------------------------------------------------------------------


def _node_json(names: Names, node: Node) -> dict[str, Any]:
    index = names.index
    return {
        "id": exported_key(index.view, node.key),
        "kind": node.kind,
        "label": names(node.key),
        "account": index.view.account_ids.get(node.account) if node.account else None,
        "location": location_text(node.location),
    }


def _edge_json(edge: Edge) -> dict[str, Any]:
    return {
        "location": location_text(edge.location),
        "statement": _statement(edge) or None,
        "conditions": list(edge.conditions),
    }


def _hop_json(index: ReachIndex, hop: Hop) -> dict[str, Any]:
    return {
        "from": exported_key(index.view, hop.source),
        "to": exported_key(index.view, hop.target),
        "decided": hop.decided,
        "undecided_reason": hop.why or None,
        "conditions": hop_conditions(hop),
        "trust": _edge_json(hop.trust),
        "grant": _edge_json(hop.grant) if hop.grant is not None else None,
        "grant_note": grant_note(index, hop),
    }


def render_json(names: Names, query: PathsQuery, paths: list[ReachPath], truncated: bool) -> str:
    index = names.index
    used = {key for path in paths for hop in path.hops for key in (hop.source, hop.target)}
    used.update(query.match.keys)
    nodes = [node for node in index.view.nodes if node.key in used]
    data: dict[str, Any] = {
        "query": {
            "to": query.text if query.direction == "to" else None,
            "from": query.text if query.direction == "from" else None,
            "max_hops": query.max_hops,
        },
        "matched": [exported_key(index.view, key) for key in query.match.keys],
        "nodes": [_node_json(names, node) for node in nodes],
        "paths": [
            {
                "from": exported_key(index.view, path.origin),
                "to": exported_key(index.view, path.hops[-1].target),
                "decided": path.decided,
                "hops": [_hop_json(index, hop) for hop in path.hops],
            }
            for path in paths
        ],
        "truncated": truncated,
    }
    return json.dumps(for_json(data), indent=2) + "\n"


# --- Mermaid --------------------------------------------------------------------------


def render_mermaid(names: Names, query: PathsQuery, paths: list[ReachPath]) -> str:
    """Every hop of the paths drawn once, nodes grouped by account as `trustlint graph`
    groups them; undecided hops dashed, the queried nodes bold."""
    index = names.index
    hops: dict[tuple[str, str, Location], Hop] = {}
    for path in paths:
        for hop in path.hops:
            hops.setdefault((hop.source, hop.target, hop.trust.location), hop)
    used = {key for source, target, _ in hops for key in (source, target)}
    used.update(query.match.keys)
    nodes = [node for node in index.view.nodes if node.key in used]
    ids = node_ids(nodes)
    lines = [MERMAID_HEADER]
    accounts = dict(index.view.accounts)
    groups = 0
    for account, members in groupby(nodes, key=lambda node: node.account):
        drawn = [mermaid_node(ids[node.key], names.node(node)) for node in members]
        if account is None or account not in accounts:
            lines.extend(f"  {line}" for line in drawn)
            continue
        lines.append(f"  {mermaid_account(groups, accounts[account])}")
        lines.extend(f"    {line}" for line in drawn)
        lines.append("  end")
        groups += 1
    for (source, target, _), hop in sorted(hops.items(), key=lambda item: _hop_order(ids, item)):
        words = hop_conditions(hop)
        if hop.grant is not None:
            words.insert(0, "granted")
        if not hop.decided:
            words.insert(0, "undecided")
        arrow = "-->" if hop.decided else "-.->"
        lines.append(
            f"  {mermaid_edge(ids[source], arrow, '; '.join(words) or 'assumes', ids[target])}"
        )
    lines.append("  classDef queried stroke-width:3px")
    lines.append(f"  class {','.join(ids[key] for key in query.match.keys)} queried")
    undefined = [ids[node.key] for node in nodes if not node.defined]
    lines.extend(f"  {line}" for line in mermaid_external(undefined))
    return "\n".join(lines) + "\n"


def _hop_order(
    ids: dict[str, str], item: tuple[tuple[str, str, Location], Hop]
) -> tuple[int, int, Location]:
    (source, target, location), _ = item
    return (int(ids[source][1:]), int(ids[target][1:]), location)
