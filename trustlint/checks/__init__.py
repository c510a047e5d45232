"""Checks: pure functions from the project (and its graph) to findings.

Each module holds one family of rules and registers each rule's function with
`@check("TLnnn")`. A check knows the model, never the input format.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trustlint.findings import Finding
from trustlint.project import Project

if TYPE_CHECKING:
    from trustlint.graph import TrustGraph

CHECK_MODULES = (
    "trustlint.checks.trust",
    "trustlint.checks.federation",
    "trustlint.checks.services",
    "trustlint.checks.sessions",
    "trustlint.checks.grants",
    "trustlint.checks.validity",
    "trustlint.checks.one_sided",
)


@dataclass
class CheckContext:
    project: Project
    strict: bool = False
    """Report places a rule could not decide (unknown values) as notes."""
    _graph: TrustGraph | None = field(default=None, repr=False)

    @property
    def graph(self) -> TrustGraph:
        """The trust graph, built on first use (single-policy checks never pay for it)."""
        if self._graph is None:
            from trustlint.graph import build_graph

            self._graph = build_graph(self.project)
        return self._graph

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
    for module in CHECK_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    return dict(sorted(_REGISTRY.items()))
