"""`--format github`: workflow commands that annotate findings on the pull request."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project
from sarif_support import run_trustlint

from trustlint.findings import Finding, RelatedLocation
from trustlint.model import Location, Suppression
from trustlint.report.github import annotation, escape_data, escape_property

CASES = FIXTURES / "outputs"


def finding(level: str = "error", location: Location | None = None, **kwargs: object) -> Finding:
    return Finding(
        "TL002",
        level,  # type: ignore[arg-type]
        "Role DataIngestionRole trusts account 464622532012 without sts:ExternalId",
        location or Location("cfn/roles.yaml", 12, 9, 12, 23),
        **kwargs,  # type: ignore[arg-type]
    )


def test_message_escapes_percent_carriage_return_and_line_feed() -> None:
    assert escape_data("100% sure\r\nnext: a,b") == "100%25 sure%0D%0Anext: a,b"


def test_property_also_escapes_colon_and_comma() -> None:
    assert escape_property("TL001 a:b,c 5%\n") == "TL001 a%3Ab%2Cc 5%25%0A"


@pytest.mark.parametrize(
    ("level", "command"), [("error", "error"), ("warning", "warning"), ("note", "notice")]
)
def test_levels_become_error_warning_and_notice(level: str, command: str) -> None:
    assert annotation(finding(level), "missing-external-id") == (
        f"::{command} file=cfn/roles.yaml,line=12,col=9,endLine=12,endColumn=23,"
        "title=TL002 missing-external-id::"
        "Role DataIngestionRole trusts account 464622532012 without sts:ExternalId"
    )


def test_annotation_over_several_lines_has_no_columns() -> None:
    spanning = finding(location=Location("cfn/roles.yaml", 12, 9, 15, 4))
    assert annotation(spanning, "missing-external-id").startswith(
        "::error file=cfn/roles.yaml,line=12,endLine=15,title=TL002 missing-external-id::"
    )


def test_file_names_with_commas_and_colons_are_escaped() -> None:
    odd = finding(location=Location("a,b:c/100%.json", 1, 2, 1, 3))
    assert annotation(odd, None).startswith(
        "::error file=a%2Cb%3Ac/100%25.json,line=1,col=2,endLine=1,endColumn=3,title=TL002::"
    )


def test_related_locations_follow_the_message_on_their_own_lines() -> None:
    related = RelatedLocation(Location("tf/grants.tf", 3, 5, 3, 40), "the grant")
    text = annotation(finding("note", related=(related,)), "trust-without-grant")
    assert text.endswith("without sts:ExternalId%0Atf/grants.tf:3:5: the grant")


def test_suppressed_finding_is_a_notice_that_gives_the_reason() -> None:
    comment = Location("cfn/roles.yaml", 11, 9, 11, 60)
    reason = Suppression(("TL002",), "vendor has no ExternalId", comment)
    text = annotation(finding(suppression=reason), "missing-external-id")
    assert text == (
        "::notice file=cfn/roles.yaml,line=12,col=9,endLine=12,endColumn=23,"
        "title=TL002 missing-external-id (suppressed)::"
        "Role DataIngestionRole trusts account 464622532012 without sts:ExternalId"
        "%0ASuppressed: vendor has no ExternalId"
    )


def test_cli_prints_one_annotation_a_finding_and_a_summary(project: Project) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "policies/open.json")
    project.copy(CASES / "lambda_trust_policy.json", "policies/lambda.json")
    [wildcard] = project.scan()

    completed = run_trustlint("scan", "--format", "github", cwd=project.root)

    assert (completed.returncode, completed.stderr) == (1, "")
    assert completed.stdout.splitlines() == [
        "::error file=policies/open.json,line=7,col=28,endLine=7,endColumn=31,"
        f"title=TL001 wildcard-principal::{escape_data(wildcard.message)}",
        "trustlint: 1 finding (1 error, 0 warnings, 0 notes).",
    ]


def test_cli_clean_scan_prints_only_the_summary_and_passes(project: Project) -> None:
    project.copy(CASES / "lambda_trust_policy.json")
    completed = run_trustlint("scan", "--format", "github", cwd=project.root)
    assert (completed.returncode, completed.stdout) == (
        0,
        "trustlint: 0 findings (0 errors, 0 warnings, 0 notes).\n",
    )


def test_cli_parse_error_is_an_error_annotation(project: Project) -> None:
    project.copy(CASES / "broken_policy_missing_comma.json", "broken.json")
    completed = run_trustlint("scan", "--format", "github", cwd=project.root)
    assert completed.returncode == 1
    assert completed.stdout.startswith(
        "::error file=broken.json,line=4,col=24,endLine=4,endColumn=25,title=TL000 parse-error::"
    )


def test_cli_show_suppressed_adds_the_suppressed_finding_as_a_notice(project: Project) -> None:
    project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "roles.yaml")

    completed = run_trustlint("scan", "--format", "github", "--show-suppressed", cwd=project.root)

    commands = [line.split(" ", 1)[0] for line in completed.stdout.splitlines()]
    assert commands == ["::error", "::notice", "trustlint:"]
    assert "title=TL001 wildcard-principal (suppressed)::" in completed.stdout.splitlines()[1]
    assert completed.stdout.splitlines()[2] == (
        "trustlint: 1 finding (1 error, 0 warnings, 0 notes); 1 suppressed."
    )
    assert completed.returncode == 1
