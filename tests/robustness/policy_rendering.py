"""One role, written in every input format trustlint reads.

Each of `RENDERERS` writes a role named `target` in account `ROLE_ACCOUNT`,
with a given trust policy, an inline identity policy and a session duration
(None: not set), as a CloudFormation YAML
template, a CloudFormation JSON template, three Terraform modules (policies
in `jsonencode`, in a heredoc, and as `aws_iam_policy_document` data
sources) and an `aws iam get-account-authorization-details` export. Scanned
with `CONFIG` (which puts every IaC file in `ROLE_ACCOUNT`), each must give
the same findings.

Policies are plain JSON data: {"Version", "Statement": [statement, ...]}
with `Principal` / `Action` / `NotAction` / `Resource` / `Condition` as IAM
writes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

ROLE_ACCOUNT = "111111111111"
ROLE_NAME = "target"
ROLE_ARN = f"arn:aws:iam::{ROLE_ACCOUNT}:role/{ROLE_NAME}"
ROLE_ADDRESSES = ("Target", "aws_iam_role.target", ROLE_ARN)
"""How each format names the role in messages: logical id, Terraform address, ARN."""
CONFIG = f'accounts:\n  paths:\n    - {{glob: "**", account: "{ROLE_ACCOUNT}"}}\n'

Policy = dict[str, Any]


def _duration(duration: int | None, key: str) -> dict[str, int]:
    return {} if duration is None else {key: duration}


def cloudformation(trust: Policy, identity: Policy, duration: int | None) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Target": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": ROLE_NAME,
                    **_duration(duration, "MaxSessionDuration"),
                    "AssumeRolePolicyDocument": trust,
                    "Policies": [{"PolicyName": "identity", "PolicyDocument": identity}],
                },
            }
        },
    }


def cloudformation_yaml(trust: Policy, identity: Policy, duration: int | None) -> dict[str, str]:
    template = cloudformation(trust, identity, duration)
    return {"template.yaml": yaml.safe_dump(template, sort_keys=False, width=1000)}


def cloudformation_json(trust: Policy, identity: Policy, duration: int | None) -> dict[str, str]:
    return {"template.json": json.dumps(cloudformation(trust, identity, duration), indent=2)}


def account_export(trust: Policy, identity: Policy, duration: int | None) -> dict[str, str]:
    export = {
        "RoleDetailList": [
            {
                "Path": "/",
                "RoleName": ROLE_NAME,
                "RoleId": "AROAEXAMPLEEXAMPLE",
                "Arn": ROLE_ARN,
                **_duration(duration, "MaxSessionDuration"),
                "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [{"PolicyName": "identity", "PolicyDocument": identity}],
                "AttachedManagedPolicies": [],
            }
        ],
        "UserDetailList": [],
        "GroupDetailList": [],
        "Policies": [],
    }
    return {"account.json": json.dumps(export, indent=2)}


def hcl_string(text: str) -> str:
    """A quoted HCL string holding `text` literally (no interpolation)."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("${", "$${")
        .replace("%{", "%%{")
    )
    return f'"{escaped}"'


def hcl_value(value: Any, indent: str = "") -> str:
    """JSON data as an HCL expression (`jsonencode` gives the JSON back)."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = "".join(
            f"{inner}{hcl_string(k)} = {hcl_value(v, inner)}\n" for k, v in value.items()
        )
        return "{\n" + items + indent + "}"
    if isinstance(value, list):
        return "[" + ", ".join(hcl_value(item, inner) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    return hcl_string(str(value))


def _role_block(trust_expression: str, identity_expression: str, duration: int | None) -> str:
    return (
        'resource "aws_iam_role" "target" {\n'
        f'  name               = "{ROLE_NAME}"\n'
        + ("" if duration is None else f"  max_session_duration = {duration}\n")
        + f"  assume_role_policy = {trust_expression}\n"
        "  inline_policy {\n"
        '    name   = "identity"\n'
        f"    policy = {identity_expression}\n"
        "  }\n"
        "}\n"
    )


def terraform_jsonencode(trust: Policy, identity: Policy, duration: int | None) -> dict[str, str]:
    block = _role_block(
        f"jsonencode({hcl_value(trust, '  ')})",
        f"jsonencode({hcl_value(identity, '    ')})",
        duration,
    )
    return {"jsonencode/main.tf": block}


def _heredoc(policy: Policy) -> str:
    text = json.dumps(policy, indent=2).replace("${", "$${").replace("%{", "%%{")
    return f"<<-POLICY\n{text}\nPOLICY"


def terraform_heredoc(trust: Policy, identity: Policy, duration: int | None) -> dict[str, str]:
    return {"heredoc/main.tf": _role_block(_heredoc(trust), _heredoc(identity), duration)}


def _strings(value: Any) -> list[str]:
    """The values as Terraform converts them to strings (`true`, `222222222222`)."""
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, str) else json.dumps(item) for item in items]


def _hcl_list(values: list[str]) -> str:
    return "[" + ", ".join(hcl_string(value) for value in values) + "]"


def policy_document(name: str, policy: Policy) -> str:
    """`data "aws_iam_policy_document"` equivalent to `policy`."""
    lines = [f'data "aws_iam_policy_document" "{name}" {{']
    for statement in policy["Statement"]:
        lines.append("  statement {")
        if "Sid" in statement:
            lines.append(f"    sid     = {hcl_string(statement['Sid'])}")
        lines.append(f"    effect  = {hcl_string(statement['Effect'])}")
        for key, attribute in (
            ("Action", "actions"),
            ("NotAction", "not_actions"),
            ("Resource", "resources"),
            ("NotResource", "not_resources"),
        ):
            if key in statement:
                lines.append(f"    {attribute} = {_hcl_list(_strings(statement[key]))}")
        for key, block in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
            if key not in statement:
                continue
            principal = statement[key]
            kinds = {"*": "*"} if principal == "*" else principal
            for kind, identifiers in kinds.items():
                lines.append(f"    {block} {{")
                lines.append(f"      type        = {hcl_string(kind)}")
                lines.append(f"      identifiers = {_hcl_list(_strings(identifiers))}")
                lines.append("    }")
        for operator, keys in statement.get("Condition", {}).items():
            for key, values in keys.items():
                lines.append("    condition {")
                lines.append(f"      test     = {hcl_string(operator)}")
                lines.append(f"      variable = {hcl_string(key)}")
                lines.append(f"      values   = {_hcl_list(_strings(values))}")
                lines.append("    }")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def terraform_policy_document(
    trust: Policy, identity: Policy, duration: int | None
) -> dict[str, str]:
    text = (
        policy_document("trust", trust)
        + "\n"
        + policy_document("identity", identity)
        + "\n"
        + _role_block(
            "data.aws_iam_policy_document.trust.json",
            "data.aws_iam_policy_document.identity.json",
            duration,
        )
    )
    return {"policy-document/main.tf": text}


RENDERERS: Mapping[str, Callable[[Policy, Policy, int | None], dict[str, str]]] = {
    "cloudformation-yaml": cloudformation_yaml,
    "cloudformation-json": cloudformation_json,
    "terraform-jsonencode": terraform_jsonencode,
    "terraform-heredoc": terraform_heredoc,
    "terraform-policy-document": terraform_policy_document,
    "account-export": account_export,
}


def write_project(root: Path, files: Mapping[str, str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".trustlint.yaml").write_text(CONFIG, encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
