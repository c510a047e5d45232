"""`trustlint graph` and `trustlint paths`, as a user runs them, draw a node and an account alike.

Both take them from `report/graph_formats.py`; a change there shows in both.
"""

from __future__ import annotations

import re
import subprocess
import sys

from cli_support import run_trustlint
from conftest import REPO

from trustlint.report.graph_formats import GRAPH_FORMATS, PATHS_FORMATS

EXAMPLES = REPO / "examples"
NODE = re.compile(r"^\s*n\d+(?=[\[(])")
ACCOUNT = re.compile(r"^\s*subgraph account\d+")


def drawn(mermaid: str) -> tuple[set[str], set[str]]:
    """Node and account lines without their ids (the two commands number them apart)."""
    lines = mermaid.splitlines()
    nodes = {NODE.sub("", line) for line in lines if NODE.match(line)}
    accounts = {ACCOUNT.sub("", line) for line in lines if ACCOUNT.match(line)}
    return nodes, accounts


def test_paths_draws_its_nodes_and_accounts_as_graph_draws_them() -> None:
    graph = run_trustlint("graph", "--no-cache", "--format", "mermaid", str(EXAMPLES), cwd=REPO)
    assert graph.returncode == 0, graph.stderr
    graph_nodes, graph_accounts = drawn(graph.stdout)
    for query in (("--to", "deploy"), ("--from", "333333333333")):
        paths = run_trustlint(
            "paths", "--no-cache", *query, "--format", "mermaid", str(EXAMPLES), cwd=REPO
        )
        assert paths.returncode == 0, paths.stderr
        assert paths.stdout.splitlines()[0] == graph.stdout.splitlines()[0] == "flowchart LR"
        nodes, accounts = drawn(paths.stdout)
        assert nodes and accounts
        assert nodes <= graph_nodes
        assert accounts <= graph_accounts


def test_each_command_offers_the_formats_its_reporter_writes() -> None:
    for command, formats in (("graph", GRAPH_FORMATS), ("paths", PATHS_FORMATS)):
        usage = run_trustlint(command, "--help", cwd=REPO).stdout
        assert f"--format {{{','.join(formats)}}}" in usage


def test_the_cli_reads_the_format_names_without_importing_a_graph_reporter() -> None:
    code = (
        "import sys, trustlint.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('trustlint.graph', 'trustlint.r'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "trustlint.report.graph_formats" in out
    assert "graph_export" not in out and "paths_report" not in out and "trustlint.graph" not in out
