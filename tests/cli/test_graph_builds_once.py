"""`trustlint graph` builds the trust graph and its reach index once per run.

TL014 (which `graph` runs, to mark the edges findings point at) and the chain
marks of the export read the same reach index: the scan's is reused.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

import trustlint.graph
import trustlint.graph.paths
from trustlint import cli
from trustlint.report import graph_export

VENDOR_CHAIN = FIXTURES / "graph" / "paths" / "vendor_chain_two_hops"
"""Datadog's account enters tools' vendor-audit role, which may assume prod-admin (TL014)."""


def counted(monkeypatch: pytest.MonkeyPatch, name: str, *modules: object) -> list[Any]:
    """Replace `name` in each of `modules` with a wrapper recording each call's first argument."""
    calls: list[Any] = []
    for module in modules:
        _count(monkeypatch, module, name, calls)
    return calls


def _count(monkeypatch: pytest.MonkeyPatch, module: object, name: str, calls: list[Any]) -> None:
    original: Callable[..., Any] = getattr(module, name)

    def wrapper(first: object, *args: object, **kwargs: object) -> Any:
        calls.append(first)
        return original(first, *args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


def graph_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *paths: str) -> dict[str, Any]:
    root = tmp_path / "project"
    shutil.copytree(VENDOR_CHAIN, root)
    monkeypatch.chdir(root)
    output = root / "graph.json"
    code = cli.main(["graph", "--no-cache", "--format", "json", "-o", str(output), *paths])
    assert code == 0
    return dict(json.loads(output.read_text(encoding="utf-8")))


def test_graph_builds_the_graph_and_its_reach_index_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reach_calls = counted(monkeypatch, "reach_index", trustlint.graph.paths)
    graph_calls = counted(monkeypatch, "build_graph", trustlint.graph, graph_export)

    edges = graph_json(tmp_path, monkeypatch)["edges"]

    assert (len(graph_calls), len(reach_calls)) == (1, 1)
    # The chain of TL014, and the chain marks drawn from the same index.
    marked = sorted((e["kind"], e["location"], e["findings"]) for e in edges if e["chain"])
    assert marked == [
        ("is-granted", "tools/vendor_role.yaml:24:27", []),
        ("may-assume", "prod/admin.yaml:12:20", ["TL014"]),
    ]


def test_graph_of_a_named_file_builds_its_own_graph_and_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scan reads the whole project; the export draws the named file's units,
    # a graph of its own: the scan's index is not reused for it.
    reach_calls = counted(monkeypatch, "reach_index", trustlint.graph.paths)
    graph_calls = counted(monkeypatch, "build_graph", trustlint.graph, graph_export)

    nodes = graph_json(tmp_path, monkeypatch, "prod/admin.yaml")["nodes"]

    assert (len(graph_calls), len(reach_calls)) == (2, 2)
    scanned, exported = graph_calls  # build_graph(project)
    assert len(scanned.units) == 2
    assert [unit.unit for unit in exported.units] == ["prod/admin.yaml"]
    assert "role:222222222222:prod-admin" in {node["id"] for node in nodes}
