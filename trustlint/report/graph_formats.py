"""What `trustlint graph` and `trustlint paths` write alike: format names, Mermaid, node ids.

`report/graph_export.py` draws the whole trust graph (Mermaid, DOT, JSON),
`report/paths_report.py` the paths through it (text, JSON, Mermaid); a node,
an account group, an edge and a location read the same in both. The CLI
takes the format names from here when it builds its parser, so this module
imports nothing of the graph at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from trustlint.report.escaping import for_mermaid

if TYPE_CHECKING:
    from trustlint.graph.edges import Edge, GraphView, Node
    from trustlint.model import Location

GRAPH_FORMATS = ("mermaid", "dot", "json")
"""`trustlint graph --format`; the first is the default."""
PATHS_FORMATS = ("text", "json", "mermaid")
"""`trustlint paths --format`; the first is the default."""


def node_ids(nodes: Iterable[Node]) -> dict[str, str]:
    """Short ids (`n0`, `n1`...) for the nodes drawn, in order: node keys are long and free text."""
    return {node.key: f"n{number}" for number, node in enumerate(nodes)}


def exported_key(view: GraphView, key: str) -> str:
    """A node key as JSON writes it: account placeholders spelled `<this-account>@unit`."""
    for account, exported in view.account_ids.items():
        if account != exported and account in key:
            key = key.replace(account, exported)
    return key


def location_text(location: Location | None) -> str | None:
    """`path:line:column`, as JSON and text name where an edge or a node is written."""
    if location is None:
        return None
    return f"{location.path}:{location.line}:{location.column}"


def condition_words(edge: Edge) -> list[str]:
    """An edge's conditions in words, and its branch when its statement is conditional."""
    words = list(edge.conditions)
    if edge.branch:
        words.append(f"when {edge.branch}")
    return words


# --- Mermaid ------------------------------------------------------------------------

MERMAID_HEADER = "flowchart LR"


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label (GitHub renders labels as HTML)."""
    return for_mermaid(text)


def mermaid_node(node_id: str, node: Node) -> str:
    """A node, its shape telling its kind; a principal outside the scanned files rounded."""
    label = mermaid_text(node.label)
    if node.kind in ("any", "service", "federated"):
        return f'{node_id}(["{label}"])'
    if node.kind == "account":
        return f'{node_id}[["{label}"]]'
    if node.kind == "pattern":
        return f'{node_id}[/"{label}"/]'
    if not node.defined:
        return f'{node_id}("{label}")'
    return f'{node_id}["{label}"]'


def mermaid_account(number: int, label: str) -> str:
    """The line opening an account's group (closed by `end`)."""
    return f'subgraph account{number}["{mermaid_text(label)}"]'


def mermaid_edge(source: str, arrow: str, label: str, target: str) -> str:
    return f'{source} {arrow}|"{mermaid_text(label)}"| {target}'


def mermaid_external(ids: list[str]) -> list[str]:
    """The lines that draw principals outside the scanned files dashed (none if none)."""
    if not ids:
        return []
    return ["classDef external stroke-dasharray: 4 3", f"class {','.join(ids)} external"]
