"""Checks: pure functions from the project (and its graph) to findings.

Each module holds one family of rules and registers each rule's function with
`@check("TLnnn")`. A check knows the model, never the input format.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from trustlint.findings import Finding
from trustlint.project import Project
from trustlint.records import field, record

if TYPE_CHECKING:
    from trustlint.graph import TrustGraph
    from trustlint.graph.paths import ReachIndex

UNIT_CHECK_MODULES = (
    "trustlint.checks.trust",
    "trustlint.checks.federation",
    "trustlint.checks.services",
    "trustlint.checks.sessions",
    "trustlint.checks.grants",
    "trustlint.checks.validity",
)
"""Checks that look at one unit at a time: every finding comes from the policies
and resources of one unit, so the engine runs them on each unit as it is loaded."""
GRAPH_CHECK_MODULES = ("trustlint.checks.one_sided", "trustlint.checks.chains")
"""Checks that read `context.graph`, which joins units: they run on the whole project."""
GRAPH_RULES = frozenset({"TL004", "TL005", "TL014"})
"""The rules the graph check modules register (known without importing them)."""
CHECK_MODULES = (*UNIT_CHECK_MODULES, *GRAPH_CHECK_MODULES)


@record(frozen=False)
class CheckContext:
    project: Project
    strict: bool = False
    """Report places a rule could not decide (unknown values) as notes."""
    _graph: TrustGraph | None = field(default=None, repr=False)
    _reach: ReachIndex | None = field(default=None, repr=False)

    @property
    def graph(self) -> TrustGraph:
        """The trust graph, built on first use (single-policy checks never pay for it)."""
        if self._graph is None:
            from trustlint.graph import build_graph

            self._graph = build_graph(self.project)
        return self._graph

    @property
    def reach(self) -> ReachIndex:
        """The graph's role-chain reach index (`graph.paths.reach_index`), built on first use."""
        if self._reach is None:
            from trustlint.graph.paths import reach_index

            self._reach = reach_index(self.graph)
        return self._reach

    def built(self) -> tuple[TrustGraph | None, ReachIndex | None]:
        """The graph and reach index the checks have built so far, for the caller to reuse."""
        return self._graph, self._reach

    def options(self, rule_id: str) -> dict[str, Any]:
        return self.project.config.rule(rule_id).options


Check = Callable[[CheckContext], Iterable[Finding]]
_REGISTRY: dict[str, Check] = {}


def check(rule_id: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        _REGISTRY[rule_id] = function
        return function

    return register


def all_checks() -> dict[str, Check]:
    """Rule id -> check function, for every check module that is present."""
    _import(CHECK_MODULES)
    return dict(sorted(_REGISTRY.items()))


def unit_checks() -> dict[str, Check]:
    """The checks of one unit at a time (every rule but `GRAPH_RULES`)."""
    _import(UNIT_CHECK_MODULES)
    return {rule_id: c for rule_id, c in sorted(_REGISTRY.items()) if rule_id not in GRAPH_RULES}


def graph_checks() -> dict[str, Check]:
    """The checks that read the trust graph (`GRAPH_RULES`)."""
    _import(GRAPH_CHECK_MODULES)
    return {rule_id: c for rule_id, c in sorted(_REGISTRY.items()) if rule_id in GRAPH_RULES}


def _import(modules: Iterable[str]) -> None:
    for module in modules:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
