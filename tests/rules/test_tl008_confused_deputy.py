"""TL008 confused-deputy: service principals without aws:SourceArn / aws:SourceAccount."""

from __future__ import annotations

import pytest
from check_harness import document_unit, policy_text, read_document, run_check
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.checks.services import (
    COMPUTE_SERVICES,
    DEFAULT_SERVICES,
    check_confused_deputy,
    checked_services,
    normalize_service,
)
from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "TL008"


def scan(project: Project, fixture: str, strict: bool = False) -> list[tuple[str, int, int]]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    findings = scan_fixture(project, {name: CASES / fixture}, select=["TL008"], strict=strict)
    return locations(findings)


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("config_without_source.yaml", 11, 24),
        ("states_without_source.template.json", 12, 40),
        ("s3_replication_without_source_jsonencode.tf", 7, 31),
        ("events_without_source_heredoc.tf", 9, 32),
        ("codebuild_without_source_policy_document.tf", 6, 22),
        ("flow_logs_without_source.json", 6, 32),
    ],
)
def test_service_trust_without_source_condition_is_reported_at_the_service(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert scan(project, fixture) == [("TL008", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "config_with_source_account.yaml",
        "states_with_source_arn.template.json",
        "s3_replication_with_source_jsonencode.tf",
        "events_with_source_heredoc.tf",
        "codebuild_with_source_policy_document.tf",
        "flow_logs_with_source_account.json",
    ],
)
def test_service_trust_confined_to_its_account_is_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


def test_findings_are_notes(project: Project) -> None:
    findings = scan_fixture(
        project, {"template.yaml": CASES / "config_without_source.yaml"}, select=["TL008"]
    )
    assert [finding.level for finding in findings] == ["note"]


@pytest.mark.parametrize(
    "fixture",
    [
        "source_org_id.json",
        "source_org_paths.json",
        "source_account_if_exists.json",
        "lower_case_source_key.json",
    ],
)
def test_other_source_fences_are_accepted(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


@pytest.mark.parametrize(
    "fixture",
    [
        "source_arn_wildcard_account.json",
        "source_account_not_equals.json",
        "logs_regional_principal.json",
        "china_partition_service.json",
    ],
)
def test_source_conditions_that_name_no_account_are_reported(
    project: Project, fixture: str
) -> None:
    assert scan(project, fixture) == [("TL008", 6, 32)]


def test_compute_service_execution_role_is_exempt(project: Project) -> None:
    assert scan(project, "lambda_execution_role.yaml") == []


def test_service_without_documented_source_keys_is_not_asked_for_them(project: Project) -> None:
    assert scan(project, "unlisted_service.json") == []


def test_each_service_of_a_list_is_judged_on_its_own(project: Project) -> None:
    assert scan(project, "service_list.json") == [("TL008", 6, 54)]


def test_unresolved_source_condition_is_silent(project: Project) -> None:
    assert scan(project, "unresolved_source_account.yaml") == []


def test_unresolved_source_condition_is_a_note_with_strict(project: Project) -> None:
    findings = scan_fixture(
        project,
        {"template.yaml": CASES / "unresolved_source_account.yaml"},
        select=["TL008"],
        strict=True,
    )
    assert locations(findings) == [("TL008", 14, 24)]
    assert findings[0].message.startswith("cannot decide:")


def test_message_names_the_role_the_service_and_the_fix(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "config_without_source.yaml"}, select=["TL008"]
    )
    assert finding.message == (
        "Role ConfigRecorderRole trusts config.amazonaws.com without aws:SourceArn or "
        "aws:SourceAccount: config acting for another account's resource can be made to assume "
        "it; add Condition StringEquals aws:SourceAccount with the account id (or ArnLike "
        "aws:SourceArn with the resources that use the role)"
    )
    assert finding.subject == "config.amazonaws.com"
    assert finding.resource == "Role ConfigRecorderRole"


def test_message_for_an_open_source_condition_names_the_key(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"trust.json": CASES / "source_arn_wildcard_account.json"}, select=["TL008"]
    )
    assert finding.message.startswith(
        "trust policy trust.json trusts logs.amazonaws.com, but its condition on aws:SourceArn "
        "does not name the accounts it may act for:"
    )


# --- options and the service list ------------------------------------------------------


def service_trust(service: str, condition: dict[str, object] | None = None) -> str:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return policy_text(statement)


def run(text: str, **options: list[str]) -> list[Finding]:
    unit = document_unit(read_document(text))
    return run_check(check_confused_deputy, [unit], options={"TL008": dict(options)})


def test_exempt_services_option_silences_a_default_service() -> None:
    assert run(service_trust("config.amazonaws.com"), exempt_services=["config"]) == []


def test_services_option_adds_a_service() -> None:
    [finding] = run(service_trust("glue.amazonaws.com"), services=["glue.amazonaws.com"])
    assert finding.subject == "glue.amazonaws.com"


def test_services_option_can_check_a_compute_service() -> None:
    assert len(run(service_trust("lambda.amazonaws.com"), services=["lambda"])) == 1


def test_exempt_services_wins_over_services() -> None:
    text = service_trust("glue.amazonaws.com")
    assert run(text, services=["glue"], exempt_services=["glue"]) == []


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("states.amazonaws.com", "states"),
        ("states.eu-west-1.amazonaws.com", "states"),
        ("logs.us-gov-west-1.amazonaws.com", "logs"),
        ("states.amazonaws.com.cn", "states"),
        ("monitoring.rds.amazonaws.com", "monitoring.rds"),
        ("Config.AmazonAWS.com", "config"),
        ("config", "config"),
    ],
)
def test_service_names_are_normalized(written: str, name: str) -> None:
    assert normalize_service(written) == name


def test_default_lists_do_not_overlap() -> None:
    assert not DEFAULT_SERVICES & COMPUTE_SERVICES
    assert checked_services((), ()) == DEFAULT_SERVICES


def test_deny_statement_is_not_reported() -> None:
    text = policy_text(
        {"Effect": "Deny", "Principal": {"Service": "config.amazonaws.com"}, "Action": "*"}
    )
    assert run(text) == []


def test_statement_not_granting_assume_role_is_not_reported() -> None:
    text = policy_text(
        {
            "Effect": "Allow",
            "Principal": {"Service": "config.amazonaws.com"},
            "Action": "sts:TagSession",
        }
    )
    assert run(text) == []


def test_sts_wildcard_action_grants_assume_role() -> None:
    text = policy_text(
        {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:*"}
    )
    assert len(run(text)) == 1
