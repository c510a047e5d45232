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
