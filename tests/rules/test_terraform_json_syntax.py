"""Rules on Terraform JSON syntax (`*.tf.json`, CDK for Terraform output, override files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "json_syntax"


def scan(project: Project, fixture: str, select: list[str]) -> list[tuple[str, str, int, int]]:
    source = CASES / fixture
    findings = scan_fixture(project, {fixture: source}, select=select)
    return sorted(
        (f.rule_id, f.location.path, f.location.line, f.location.column) for f in findings
    )


@pytest.mark.parametrize(
    ("fixture", "rule", "line", "column"),
    [
        # At the `\"*\"` inside the interpolated jsonencode() call.
        ("wildcard_jsonencode.tf.json", "TL001", 6, 154),
        # At the identifiers string of the principals block.
        ("vendor_policy_document.tf.json", "TL002", 11, 33),
        # At `local.partner_root` in the jsonencode(); the local interpolates a variable.
        ("partner_from_variables_and_locals.tf.json", "TL002", 16, 154),
    ],
)
def test_json_syntax_finding_is_located_inside_the_json(
    project: Project, fixture: str, rule: str, line: int, column: int
) -> None:
    assert scan(project, fixture, [rule]) == [(rule, fixture, line, column)]


@pytest.mark.parametrize(
    ("fixture", "rule"),
    [
        ("wildcard_with_org_id_jsonencode.tf.json", "TL001"),
        ("vendor_with_external_id_policy_document.tf.json", "TL002"),
        ("partner_from_variables_and_locals_with_external_id.tf.json", "TL002"),
    ],
)
def test_json_syntax_trust_that_is_fenced_is_not_reported(
    project: Project, fixture: str, rule: str
) -> None:
    assert scan(project, fixture, [rule]) == []


def test_cdktf_stack_is_read_with_its_references_and_metadata_comments(project: Project) -> None:
    findings = scan_fixture(project, {"cdktf": CASES / "cdktf"})
    stack = "cdktf/cdktf.out/stacks/iam-stack/cdk.tf.json"
    assert sorted(
        (f.rule_id, f.location.path, f.location.line, f.location.column) for f in findings
    ) == [
        # The opening quote of public_role's trust, a JSON string (as JSON.stringify writes it).
        ("TL001", stack, 128, 31),
        # vendor_trust's principal, which interpolates a variable.
        ("TL002", stack, 75, 19),
    ]
    messages = {f.rule_id: f.message for f in findings}
    assert "aws_iam_role.public_role" in messages["TL001"]
    assert "aws_iam_role.vendor_role" in messages["TL002"]


def test_cdktf_manifest_is_not_read_as_a_policy(project: Project) -> None:
    result = project.scan_result([project.copy(CASES / "cdktf", "cdktf")])
    paths = {path for unit in result.units for path in unit.paths}
    assert paths == {"cdktf/cdktf.out/stacks/iam-stack/cdk.tf.json"}


def test_override_file_replaces_the_trust_and_is_where_the_finding_is(project: Project) -> None:
    findings = scan_fixture(project, {"app": CASES / "override_widens"}, select=["TL001"])
    assert _where(findings) == [("TL001", "app/main_override.tf.json", 5, 154)]


def test_override_file_that_narrows_the_trust_leaves_no_finding(project: Project) -> None:
    findings = scan_fixture(project, {"app": CASES / "override_narrows"})
    assert _where(findings) == []


def test_tf_and_tf_json_files_of_one_directory_are_one_module(project: Project) -> None:
    findings = scan_fixture(project, {"app": CASES / "mixed_syntax"}, select=["TL001"])
    assert _where(findings) == [("TL001", "app/trust.tf.json", 7, 57)]


def test_a_tf_file_and_its_json_twin_give_the_same_findings(project: Project) -> None:
    project.copy(CASES / "twin", "twin")
    hcl = project.scan([Path("twin/hcl")])
    json_syntax = project.scan([Path("twin/json")])
    assert sorted((f.rule_id, f.message) for f in hcl) == sorted(
        (f.rule_id, f.message) for f in json_syntax
    )
    assert sorted(f.rule_id for f in hcl) == ["TL001", "TL002", "TL003", "TL006", "TL007", "TL010"]
    assert locations(json_syntax) == [
        ("TL001", 51, 154),
        ("TL002", 22, 29),
        ("TL003", 34, 33),
        ("TL006", 47, 33),
        ("TL007", 59, 175),
        ("TL010", 31, 27),
    ]
    assert {f.location.path for f in json_syntax} == {"twin/json/main.tf.json"}


def _where(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return sorted(
        (f.rule_id, f.location.path, f.location.line, f.location.column) for f in findings
    )


def test_a_comment_key_with_a_reason_suppresses_the_finding_in_its_block(
    project: Project,
) -> None:
    fixture = "suppressed_by_comment_key.tf.json"
    project.copy(CASES / fixture)
    result = project.scan_result()
    # The "vendor" role's comment gives a reason: its TL001 is suppressed.
    assert [(f.rule_id, f.location.line, f.location.column) for f in result.suppressed] == [
        ("TL001", 7, 31)
    ]
    # The "other" role's comment gives none: a note at the comment, and its TL001 stays.
    assert locations(result.active) == [("TL000", 10, 15), ("TL001", 12, 31)]
