"""The trust graph: who may assume which role, across every file of the scan.

`build_graph(project)` indexes the roles, users, groups and managed policies
of all units; `trustlint.graph.access` answers whether a trust admits a caller
and whether a caller holds an effective grant; `trustlint.graph.edges` lists
the nodes and edges that `trustlint graph` draws.
"""

from trustlint.graph.graph import TrustGraph, build_graph

__all__ = ["TrustGraph", "build_graph"]
