"""How the project hands policies to the checks."""

from __future__ import annotations

from conftest import FIXTURES, Project, locations

CASES = FIXTURES / "rules" / "project"


def test_aws_managed_policies_in_an_account_export_are_not_checked_as_the_projects_own(
    project: Project,
) -> None:
    project.copy(CASES / "export_with_aws_managed_admin_policy.json", "export.json")

    findings = project.scan()

    # AdministratorAccess (Action "*" on "*") is AWS's; only the customer policy is reported.
    assert locations(findings) == [("TL012", 37, 87)]
    assert "assume-anything" in findings[0].message


def test_a_wildcard_trust_with_unresolved_conditions_is_not_reported(project: Project) -> None:
    project.write(
        "main.tf",
        """variable "trust_conditions" {
  type = any
}

resource "aws_iam_role" "shared" {
  name = "shared"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
      Condition = var.trust_conditions
    }]
  })
}
""",
    )

    assert project.scan() == []
    strict = project.scan(strict=True)
    assert [(f.rule_id, f.level) for f in strict] == [("TL001", "note")]
    assert strict[0].message.startswith("cannot decide:")
