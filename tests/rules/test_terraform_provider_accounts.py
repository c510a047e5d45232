"""A Terraform resource's account is its provider configuration's.

`provider = aws.prod` and a module call's `providers = { aws = aws.audit }`
put resources in the account the configuration names (`assume_role`'s role
ARN, or a single `allowed_account_ids` entry), so the graph sees as many
accounts as the configuration has; a configuration naming none leaves the
account unknown, never the unit's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, Project

from trustlint.cli import main
from trustlint.config import LoadOptions
from trustlint.frontends.terraform import load_module
from trustlint.model import THIS_ACCOUNT, Role, SourceUnit, Unknown

CASE = FIXTURES / "parsers" / "terraform" / "provider_accounts"


def roles(unit: SourceUnit) -> dict[str, Role]:
    return {role.resource.address: role for role in unit.roles}


def test_each_role_is_in_its_provider_configurations_account() -> None:
    unit = load_module(CASE, CASE, LoadOptions())
    found = roles(unit)
    # The default provider names no account: the unit's own, as before.
    assert unit.account is None
    assert found["aws_iam_role.deployer"].account == THIS_ACCOUNT
    assert found["aws_iam_role.deployer"].arn == f"arn:aws:iam::{THIS_ACCOUNT}:role/deployer"
    # `assume_role { role_arn }` names the account of aws.prod.
    prod = found["aws_iam_role.prod_deploy"]
    assert prod.account == "222222222222"
    assert prod.arn == "arn:aws:iam::222222222222:role/prod-deploy"
    # A module given `providers = { aws = aws.audit }` (allowed_account_ids):
    # its resources, and its caller identity, are in that account.
    audit = found["module.audit_reader.aws_iam_role.this"]
    assert audit.account == "333333333333"
    assert audit.arn == "arn:aws:iam::333333333333:role/audit-reader"
    assert audit.trust_policy is not None
    (principal,) = audit.trust_policy.statements[0].principals
    assert principal.value == "arn:aws:iam::333333333333:root"
    # An aliased provider that names no account: unknown, not the unit's.
    unnamed = found["aws_iam_role.unnamed"]
    assert isinstance(unnamed.account, Unknown)
    assert unnamed.account.reason == "provider aws.unnamed does not name its account"
    assert isinstance(unnamed.arn, Unknown)


def test_the_default_provider_naming_an_account_is_the_units_account(tmp_path: Path) -> None:
    directory = tmp_path
    (directory / "main.tf").write_text(
        'provider "aws" {\n'
        '  allowed_account_ids = ["444444444444"]\n'
        "}\n"
        "\n"
        'data "aws_caller_identity" "current" {}\n'
        "\n"
        'resource "aws_iam_role" "app" {\n'
        '  name = "app"\n'
        "  assume_role_policy = jsonencode({\n"
        '    Version   = "2012-10-17"\n'
        '    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = '
        '{ AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" } }]\n'
        "  })\n"
        "}\n",
        encoding="utf-8",
    )
    unit = load_module(directory, directory, LoadOptions())
    assert unit.account == "444444444444"
    (app,) = unit.roles
    assert app.account == "444444444444"
    assert app.trust_policy is not None
    (principal,) = app.trust_policy.statements[0].principals
    assert principal.value == "arn:aws:iam::444444444444:root"


def test_the_graph_sees_the_accounts_the_providers_name(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.copy(CASE, "live")
    assert main(["graph", "--no-cache", "--format", "json", str(project.root)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in data["accounts"]] == [
        "222222222222",
        "333333333333",
        f"{THIS_ACCOUNT}@live",
    ]
    accounts = {n["label"]: n["account"] for n in data["nodes"] if n["kind"] == "role"}
    assert accounts == {
        "Role aws_iam_role.prod_deploy (prod-deploy)": "222222222222",
        "Role module.audit_reader.aws_iam_role.this (audit-reader)": "333333333333",
        "Role aws_iam_role.deployer (deployer)": f"{THIS_ACCOUNT}@live",
        "Role aws_iam_role.reports (reports)": f"{THIS_ACCOUNT}@live",
        "Role aws_iam_role.unnamed (unnamed)": None,
    }
    edges = {(e["from"], e["to"], e["kind"]) for e in data["edges"]}
    # The reports role trusts prod-deploy by its ARN in account 222222222222:
    # the role the configuration creates there, not an outside principal.
    assert (
        "role:222222222222:prod-deploy",
        f"role:{THIS_ACCOUNT}@live:reports",
        "may-assume",
    ) in edges
    # The deployer (default account) is granted the production role, across accounts.
    assert (
        f"role:{THIS_ACCOUNT}@live:deployer",
        "role:222222222222:prod-deploy",
        "is-granted",
    ) in edges
