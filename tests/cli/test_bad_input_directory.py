"""A directory of broken files beside a valid template: TL000 for the broken IaC, the rest read."""

from __future__ import annotations

import json
import os

from cli_support import run_trustlint
from conftest import Project

VALID_TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
"""
BROKEN_TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: [unclosed
"""
TRUNCATED_TF = """resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
"""


def _project(project: Project) -> None:
    project.write("valid.yaml", VALID_TEMPLATE)
    project.write("broken.yaml", BROKEN_TEMPLATE)
    project.write("module/main.tf", TRUNCATED_TF)
    (project.root / "random.json").write_bytes(os.urandom(2048) + b"\x00")


def test_scan_reports_tl000_for_each_broken_file_and_goes_on(project: Project) -> None:
    _project(project)

    completed = run_trustlint("scan", "--format", "json", "--no-cache", cwd=project.root)

    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr
    findings = json.loads(completed.stdout)["findings"]
    errors = {f["location"]["path"]: f for f in findings if f["rule"] == "TL000"}
    assert sorted(errors) == ["broken.yaml", "module/main.tf", "random.json"]
    assert errors["broken.yaml"]["location"]["line"] == 6
    assert "binary" in errors["random.json"]["message"]


def test_inspect_still_shows_the_valid_templates_role(project: Project) -> None:
    _project(project)

    completed = run_trustlint("inspect", "--no-cache", cwd=project.root)

    assert completed.returncode == 0, completed.stderr
    units = {unit["unit"]: unit for unit in json.loads(completed.stdout)["units"]}
    [role] = units["valid.yaml"]["roles"]
    assert role["resource"]["address"] == "DeployRole"
    assert role["resource"]["location"].startswith("valid.yaml:3:3")
    assert units["broken.yaml"]["errors"][0]["location"].startswith("broken.yaml:6:")
    assert "roles" not in units["module"]
