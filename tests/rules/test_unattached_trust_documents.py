"""Trust policies no role uses, and resource policies that are not trust policies (SPEC 9).

A Terraform document that is a trust policy by its content is checked by the
single-policy trust rules wherever it is written (data source, `locals`,
output, module argument); a policy with principals that is a bucket, key,
queue or repository policy gets no trust rule, in Terraform, raw JSON and
CloudFormation alike.
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "unattached"


def scan(project: Project, fixture: str, **kwargs: object) -> list[Finding]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    return scan_fixture(project, {name: CASES / fixture}, **kwargs)


# --- wherever a Terraform trust document is written ----------------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected", "name"),
    [
        (
            "data_source_github_without_sub.tf",
            ("TL007", 8, 22),
            "data.aws_iam_policy_document.github_trust",
        ),
        ("locals_jsonencode_wildcard.tf", ("TL001", 6, 19), "local.open_trust"),
        ("output_heredoc_sts_wildcard.tf", ("TL010", 9, 21), "output.trust_policy"),
        (
            "module_argument_bypassable_mfa.tf",
            ("TL011", 11, 9),
            "module.admin_role argument trust_policy",
        ),
    ],
)
def test_an_unattached_trust_document_is_checked_and_named(
    project: Project, fixture: str, expected: tuple[str, int, int], name: str
) -> None:
    findings = scan(project, fixture)
    assert locations(findings) == [expected]
    [finding] = findings
    assert finding.location.path == "main.tf"
    assert finding.message.startswith(f"Trust policy document {name} ")
    assert finding.resource == f"Trust policy document {name}"


@pytest.mark.parametrize(
    "fixture",
    [
        "data_source_github_with_sub.tf",
        "locals_jsonencode_org_fenced.tf",
        "count_zero.tf",
        "resource_policies.tf",
    ],
)
def test_a_sound_document_a_document_never_read_and_resource_policies_give_nothing(
    project: Project, fixture: str
) -> None:
    findings = scan(project, fixture, strict=True)
    # A registry module without `terraform init` is a TL000 note of its own.
    assert [f for f in findings if f.rule_id != "TL000" or f.level != "note"] == []


def test_a_document_a_role_uses_is_reported_once_for_the_role(project: Project) -> None:
    findings = scan(project, "used_by_role.tf")
    assert locations(findings) == [("TL001", 6, 22)]
    assert findings[0].message.startswith("Role aws_iam_role.open trusts every AWS principal")


def test_a_document_reached_several_ways_is_reported_once_by_its_own_name(
    project: Project,
) -> None:
    findings = scan(project, "reached_by_local_output_and_module.tf")
    assert locations(findings) == [("TL001", 6, 22)]
    assert findings[0].resource == "Trust policy document data.aws_iam_policy_document.open"


def test_a_policy_file_read_by_terraform_is_reported_once_as_the_file(project: Project) -> None:
    project.copy(CASES / "bare_trust_wildcard.json", "trust.json")
    project.write("main.tf", 'locals {\n  trust = file("${path.module}/trust.json")\n}\n')
    findings = project.scan()
    assert [(f.rule_id, f.location.path, f.location.line) for f in findings] == [
        ("TL001", "trust.json", 6)
    ]


# --- the role's account is unknown ---------------------------------------------------------


def test_an_account_is_judged_only_as_far_as_it_does_not_depend_on_the_role(
    project: Project,
) -> None:
    """A known vendor needs an ExternalId wherever the role is; the module's own
    account is its own; whether another account is a third party depends on the
    account of a role nobody knows, so it is not reported."""
    findings = scan(project, "accounts.tf")
    assert [(f.rule_id, f.location.line, f.location.column, f.level) for f in findings] == [
        ("TL002", 18, 22, "error"),
        ("TL003", 27, 22, "warning"),
    ]
    assert "account 464622532012 (Datadog)" in findings[0].message


def test_an_account_that_depends_on_the_role_is_a_strict_note(project: Project) -> None:
    findings = [f for f in scan(project, "accounts.tf", strict=True) if f.level == "note"]
    assert [(f.rule_id, f.location.line, f.location.column) for f in findings] == [("TL002", 9, 22)]
    assert findings[0].message.startswith("cannot decide: ")


def test_a_configured_account_decides_the_third_party(project: Project) -> None:
    project.write(
        ".trustlint.yaml",
        'accounts:\n  paths:\n    - {glob: "main.tf", account: "111122223333"}\n',
    )
    findings = scan(project, "accounts.tf", select=["TL002"])
    assert [(f.rule_id, f.location.line, f.location.column, f.level) for f in findings] == [
        ("TL002", 9, 22, "warning"),
        ("TL002", 18, 22, "error"),
    ]


def test_graph_rules_skip_a_document_without_a_role(project: Project) -> None:
    project.copy(CASES / "accounts.tf", "main.tf")
    project.write(
        "grant.tf",
        'resource "aws_iam_role" "caller" {\n'
        '  name               = "caller"\n'
        '  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ '
        'Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, '
        'Action = "sts:AssumeRole" }] })\n'
        "}\n",
    )
    assert project.scan(select=["TL004", "TL005"]) == []


# --- raw JSON: the content decides ---------------------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    [
        "s3_bucket_policy.json",
        "kms_key_policy.json",
        "sqs_queue_policy.json",
        "ecr_repository_policy.json",
        "sts_vpc_endpoint_policy.json",
    ],
)
def test_a_resource_policy_file_gets_no_trust_finding(project: Project, fixture: str) -> None:
    assert scan(project, fixture, strict=True) == []


def test_a_bare_trust_policy_file_is_still_checked(project: Project) -> None:
    findings = scan(project, "bare_trust_wildcard.json")
    assert locations(findings) == [("TL001", 6, 28)]


def test_a_resource_policy_file_is_still_checked_for_what_aws_rejects(project: Project) -> None:
    findings = scan(project, "bucket_policy_with_lowercase_effect.json")
    assert locations(findings) == [("TL013", 5, 17)]
    assert "Effect 'allow'" in findings[0].message


# --- CloudFormation: resource policies are not read as trust policies ---------------------------


def test_cloudformation_bucket_queue_and_key_policies_get_no_finding(project: Project) -> None:
    assert scan(project, "resource_policies.yaml", strict=True) == []


def test_a_comment_above_the_document_suppresses_its_findings(project: Project) -> None:
    source = (CASES / "reached_by_local_output_and_module.tf").read_text(encoding="utf-8")
    project.write("main.tf", "# trustlint:ignore TL001 fenced by an SCP\n" + source)
    result = project.scan_result()
    assert result.active == []
    assert [(f.rule_id, f.location.line) for f in result.suppressed] == [("TL001", 7)]
