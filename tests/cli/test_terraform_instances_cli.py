"""Terraform instances as a user sees them in `scan`, `inspect` and `graph`."""

from __future__ import annotations

import json

from cli_support import run_trustlint
from conftest import FIXTURES, Project

CASE = FIXTURES / "rules" / "terraform_instances" / "module_for_each"


def test_scan_names_the_instance_of_a_module_call_with_for_each(project: Project) -> None:
    project.copy(CASE, "infra")
    completed = run_trustlint(
        "scan", "infra", "--no-cache", "--select", "TL002", "--format", "json", cwd=project.root
    )
    assert completed.returncode == 1, completed.stderr
    findings = json.loads(completed.stdout)["findings"]
    assert [(f["rule"], f["location"]["path"], f["location"]["line"]) for f in findings] == [
        ("TL002", "infra/main.tf", 10)
    ]
    assert findings[0]["resource"] == 'Role module.roles["admin"].aws_iam_role.this[0]'


def test_inspect_and_graph_address_each_instance(project: Project) -> None:
    project.copy(CASE, "infra")
    inspected = run_trustlint("inspect", "infra", "--no-cache", cwd=project.root)
    assert inspected.returncode == 0, inspected.stderr
    addresses = [
        role["resource"]["address"]
        for unit in json.loads(inspected.stdout)["units"]
        for role in unit["roles"]
    ]
    assert 'module.roles["admin"].aws_iam_role.this[0]' in addresses
    assert 'module.roles["readonly"].aws_iam_role.this[0]' in addresses
    graph = run_trustlint("graph", "infra", "--format", "json", "--no-cache", cwd=project.root)
    assert graph.returncode == 0, graph.stderr
    labels = [node["label"] for node in json.loads(graph.stdout)["nodes"]]
    assert 'Role module.roles["readonly"].aws_iam_role.this[0] (readonly)' in labels
    assert 'Role module.roles["admin"].aws_iam_role.this[0] (admin)' in labels
