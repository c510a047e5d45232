"""Trust rules on Terraform instances: count, for_each, dynamic blocks, splats."""

from __future__ import annotations

from conftest import FIXTURES, Project

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "terraform_instances"


def scan(project: Project, case: str, select: list[str]) -> list[Finding]:
    project.copy(CASES / case, case)
    return project.scan(select=select)


def where(findings: list[Finding]) -> list[tuple[str, str, int, int, str]]:
    """(rule, file, line, column, resource) of each finding, sorted."""
    return sorted(
        (f.rule_id, f.location.path, f.location.line, f.location.column, f.resource or "")
        for f in findings
    )


def test_a_wildcard_written_through_for_each_over_a_literal_local_is_tl001(
    project: Project,
) -> None:
    findings = scan(project, "for_each_local_wildcard", ["TL001"])
    assert where(findings) == [
        (
            "TL001",
            "for_each_local_wildcard/main.tf",
            16,
            27,
            'Role aws_iam_role.trusted["open"]',
        )
    ]
    assert findings[0].message.startswith('Role aws_iam_role.trusted["open"] trusts every')


def test_for_each_over_partner_accounts_reports_only_the_one_without_external_id(
    project: Project,
) -> None:
    findings = scan(project, "for_each_partner_accounts", ["TL002"])
    assert where(findings) == [
        (
            "TL002",
            "for_each_partner_accounts/main.tf",
            21,
            27,
            'Role aws_iam_role.partner["audit"]',
        )
    ]
    assert "account 777788889999" in findings[0].message
    assert "444455556666" not in findings[0].message


def test_count_index_selects_each_instance_principal(project: Project) -> None:
    findings = scan(project, "count_index", ["TL001", "TL002"])
    assert where(findings) == [
        ("TL001", "count_index/main.tf", 16, 27, "Role aws_iam_role.this[1]"),
        ("TL002", "count_index/main.tf", 16, 27, "Role aws_iam_role.this[0]"),
    ]
    assert "arn:aws:iam::111122223333:role/ci" in findings[1].message


def test_dynamic_statement_with_iterator_reports_the_statement_without_external_id(
    project: Project,
) -> None:
    findings = scan(project, "dynamic_statement_iterator", ["TL002"])
    # The vendor's account is written in the local the statement iterates over.
    assert where(findings) == [
        ("TL002", "dynamic_statement_iterator/main.tf", 4, 22, "Role aws_iam_role.shared")
    ]
    assert "account 444455556666" in findings[0].message


def test_one_and_join_over_a_data_source_splat_read_the_policy_document(
    project: Project,
) -> None:
    findings = scan(project, "splat_data_source", ["TL001"])
    # Both roles use the counted document: one cause at one place, one finding naming
    # both (SPEC section 9); the fenced one (org id) has no finding.
    assert where(findings) == [
        ("TL001", "splat_data_source/main.tf", 13, 22, "Role aws_iam_role.*")
    ]
    assert findings[0].message.startswith(
        "Role aws_iam_role.* (in 2 resources: aws_iam_role.joined, aws_iam_role.one) trusts "
    )


def test_module_call_with_for_each_names_its_instances(project: Project) -> None:
    findings = scan(project, "module_for_each", ["TL002"])
    addressed = [f for f in findings if f.resource and f.resource.startswith("Role module.")]
    # The account is written in the caller's for_each map; the instance with
    # an ExternalId ("readonly") has no finding.
    assert where(addressed) == [
        (
            "TL002",
            "module_for_each/main.tf",
            10,
            23,
            'Role module.roles["admin"].aws_iam_role.this[0]',
        )
    ]


def test_an_undeterminable_for_each_or_count_gives_no_finding(project: Project) -> None:
    assert scan(project, "unknown_for_each", ["TL001", "TL002", "TL013"]) == []


def test_a_policy_document_per_key_is_read_by_each_key(project: Project) -> None:
    findings = scan(project, "data_for_each_by_key", ["TL002"])
    # The principal is written in the local; the vendor's document has an ExternalId.
    assert where(findings) == [
        ("TL002", "data_for_each_by_key/main.tf", 3, 30, 'Role aws_iam_role.r["ci"]')
    ]
