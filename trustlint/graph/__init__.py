"""The trust graph: who may assume which role, across every file of the scan.

`build_graph(project)` indexes the roles, users, groups and managed policies
of all units; `trustlint.graph.access` answers whether a trust admits a caller
and whether a caller holds an effective grant; `trustlint.graph.edges` lists
the nodes and edges that `trustlint graph` draws. `trustlint.graph.links` and
`trustlint.graph.pruning` are what a scan needs of the graph before building
it (which units a partial scan loads, what the graph reads of a unit); they
are imported on every scan, so this package imports `graph.graph` only when
`TrustGraph` or `build_graph` is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustlint.graph.graph import TrustGraph, build_graph

__all__ = ["TrustGraph", "build_graph"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from importlib import import_module

        return getattr(import_module("trustlint.graph.graph"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
