"""TL006 excessive-session-duration: role and permission-set sessions longer than allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from check_harness import run_check
from conftest import FIXTURES, Project, scan_fixture

from trustlint.checks.sessions import (
    check_excessive_session_duration,
    human_duration,
    parse_iso_duration,
)
from trustlint.findings import Finding
from trustlint.model import (
    Location,
    PermissionSet,
    Resource,
    Role,
    SourceUnit,
    Unknown,
    Value,
)

CASES = FIXTURES / "rules" / "TL006"
HERE = Location("template.yaml", 7, 27, 7, 32)


def scan(project: Project, fixture: str, strict: bool = False) -> list[tuple[str, str, int, int]]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    findings = scan_fixture(project, {name: CASES / fixture}, select=["TL006"], strict=strict)
    return [(f.rule_id, f.level, f.location.line, f.location.column) for f in findings]


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("max_session_12_hours.yaml", 7, 27),
        ("max_session_12_hours.json", 8, 31),
        ("max_session_12_hours.tf", 3, 26),
        ("get_role_12_hours.json", 18, 27),
        ("permission_set_12_hours.yaml", 8, 24),
        ("permission_set_12_hours.tf", 4, 22),
    ],
)
def test_session_longer_than_the_default_maximum_is_a_warning_at_the_value(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert scan(project, fixture) == [("TL006", "warning", line, column)]


@pytest.mark.parametrize(
    "fixture",
    [
        "max_session_one_hour.yaml",
        "max_session_one_hour.json",
        "max_session_one_hour.tf",
        "max_session_absent.yaml",
        "permission_set_one_hour.yaml",
        "permission_set_one_hour.tf",
    ],
)
def test_one_hour_sessions_are_allowed(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


def test_numeric_string_is_read_as_seconds(project: Project) -> None:
    assert scan(project, "max_session_numeric_string.yaml") == [("TL006", "warning", 7, 27)]


def test_value_from_a_variable_default_is_checked(project: Project) -> None:
    findings = scan(project, "max_session_from_variable.tf")
    assert [(rule, level) for rule, level, _, _ in findings] == [("TL006", "warning")]


def test_permission_set_of_ninety_minutes_is_a_warning(project: Project) -> None:
    assert scan(project, "permission_set_90_minutes.yaml") == [("TL006", "warning", 8, 24)]


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("max_session_above_aws_limit.yaml", 7, 27),
        ("max_session_below_aws_minimum.yaml", 7, 27),
        ("max_session_below_aws_minimum.json", 8, 31),
        ("max_session_below_aws_minimum.tf", 3, 26),
        ("max_session_not_a_number.yaml", 7, 27),
        ("max_session_fractional.yaml", 7, 27),
        ("permission_set_above_limit.yaml", 8, 24),
        ("permission_set_half_hour.yaml", 8, 24),
        ("permission_set_not_iso.yaml", 8, 24),
    ],
)
def test_value_aws_rejects_is_an_error(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert scan(project, fixture) == [("TL006", "error", line, column)]


def test_unresolved_duration_is_silent(project: Project) -> None:
    assert scan(project, "max_session_unresolved.yaml") == []


def test_unresolved_duration_is_a_note_with_strict(project: Project) -> None:
    assert scan(project, "max_session_unresolved.yaml", strict=True) == [("TL006", "note", 10, 27)]


def test_warning_message_names_the_role_the_value_and_the_fix(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "max_session_12_hours.yaml"}, select=["TL006"]
    )
    assert finding.message == (
        "Role DeployRole allows sessions of 43200 s (12 h), above the configured maximum of "
        "3600 s (1 h); lower MaxSessionDuration to 3600 (or raise "
        "rules.TL006.max_session_duration)"
    )
    assert finding.resource == "Role DeployRole"
    assert finding.subject == "MaxSessionDuration"
    assert finding.resource_location is not None
    assert finding.resource_location.line == 3


def test_terraform_message_uses_the_terraform_property_name(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"main.tf": CASES / "max_session_12_hours.tf"}, select=["TL006"]
    )
    assert finding.resource == "Role aws_iam_role.deploy"
    assert "lower max_session_duration to 3600" in finding.message


def test_out_of_range_message_says_aws_rejects_it(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "max_session_above_aws_limit.yaml"}, select=["TL006"]
    )
    assert finding.message == (
        "Role DeployRole sets MaxSessionDuration to 50000 s (13 h 53 min 20 s); AWS accepts "
        "only 3600-43200 s (1-12 h) and rejects the role: set it to at most 3600"
    )


@pytest.mark.parametrize(
    ("fixture", "where", "message"),
    [
        (
            "max_session_below_aws_minimum.json",
            ("template.json", 8, 31),
            "Role DeployRole sets MaxSessionDuration to 1000 s (16 min 40 s), below AWS's "
            "minimum of 3600 s (1 h); CloudFormation will reject it: set it to at least 3600",
        ),
        (
            "max_session_below_aws_minimum.tf",
            ("main.tf", 3, 26),
            "Role aws_iam_role.deploy sets max_session_duration to 1000 s (16 min 40 s), below "
            "AWS's minimum of 3600 s (1 h); Terraform will reject it: set it to at least 3600",
        ),
        (
            "permission_set_half_hour.yaml",
            ("template.yaml", 8, 24),
            "PermissionSet AdminAccess sets SessionDuration to PT30M (30 min), below IAM "
            "Identity Center's minimum of PT1H (1 h); CloudFormation will reject it: set it to "
            "at least PT1H",
        ),
    ],
)
def test_below_minimum_message_says_the_value_is_too_short_for_aws(
    project: Project, fixture: str, where: tuple[str, int, int], message: str
) -> None:
    # Not "set it to at most 3600": the value is below what AWS accepts, not above a maximum.
    name = where[0]
    [finding] = scan_fixture(project, {name: CASES / fixture}, select=["TL006"])
    location = finding.location
    assert (finding.rule_id, location.path, location.line, location.column) == ("TL006", *where)
    assert (finding.level, finding.message) == ("error", message)


def test_permission_set_message_speaks_iso_durations(project: Project) -> None:
    [finding] = scan_fixture(
        project, {"template.yaml": CASES / "permission_set_12_hours.yaml"}, select=["TL006"]
    )
    assert finding.message == (
        "PermissionSet AdminAccess allows sessions of PT12H (12 h), above the configured "
        "maximum of PT1H (1 h); lower SessionDuration to PT1H (or raise "
        "rules.TL006.max_permission_set_duration)"
    )


# --- the rule on the model, without a front-end ------------------------------------------


def role(value: Value, resource_type: str = "AWS::IAM::Role") -> SourceUnit:
    resource = Resource("DeployRole", resource_type, HERE, "template.yaml")
    entity = Role(resource, Value("deploy", HERE), max_session_duration=value)
    return SourceUnit("template.yaml", "cloudformation", ("template.yaml",), roles=(entity,))


def permission_set(value: Value) -> SourceUnit:
    resource = Resource("Admin", "AWS::SSO::PermissionSet", HERE, "template.yaml")
    entity = PermissionSet(resource, Value("Admin", HERE), session_duration=value)
    return SourceUnit(
        "template.yaml", "cloudformation", ("template.yaml",), permission_sets=(entity,)
    )


def levels(findings: list[Finding]) -> list[str]:
    return [finding.level for finding in findings]


@pytest.mark.parametrize(
    ("text", "raw_type", "expected"),
    [
        ("3600", "int", []),
        ("3601", "int", ["warning"]),
        ("43200", "int", ["warning"]),
        ("43201", "int", ["error"]),
        ("3599", "int", ["error"]),
        ("7200", "str", ["warning"]),
        ("7200.0", "float", ["warning"]),
        ("true", "bool", ["error"]),
        ("", "str", ["error"]),
    ],
)
def test_role_duration_levels(text: str, raw_type: str, expected: list[str]) -> None:
    value = Value(text, HERE, raw_type)  # type: ignore[arg-type]
    assert levels(run_check(check_excessive_session_duration, [role(value)])) == expected


def test_null_duration_means_the_default() -> None:
    value = Value("null", HERE, "null")
    assert run_check(check_excessive_session_duration, [role(value)]) == []


def test_unresolved_value_is_silent_and_a_note_with_strict() -> None:
    value = Value(Unknown("var.session_seconds", HERE, "variable without default"), HERE)
    assert run_check(check_excessive_session_duration, [role(value)]) == []
    [note] = run_check(check_excessive_session_duration, [role(value)], strict=True)
    assert note.level == "note"
    assert note.message == (
        "cannot decide: MaxSessionDuration of Role DeployRole is unresolved "
        "(var.session_seconds); check that it is at most 3600 s (1 h)"
    )


def test_list_as_duration_is_an_error() -> None:
    value = Value(Unknown("[3600]", HERE, "not a scalar"), HERE, "list")
    assert levels(run_check(check_excessive_session_duration, [role(value)])) == ["error"]


def test_configured_maximum_allows_longer_sessions() -> None:
    value = Value("43200", HERE, "int")
    options = {"TL006": {"max_session_duration": 43200}}
    assert run_check(check_excessive_session_duration, [role(value)], options=options) == []


def test_configured_maximum_also_bounds_permission_sets_by_default() -> None:
    value = Value("PT8H", HERE, "str")
    options = {"TL006": {"max_session_duration": 28800}}
    assert (
        run_check(check_excessive_session_duration, [permission_set(value)], options=options) == []
    )


def test_permission_set_maximum_is_configured_on_its_own() -> None:
    value = Value("PT8H", HERE, "str")
    options = {"TL006": {"max_session_duration": 43200, "max_permission_set_duration": 14400}}
    findings = run_check(check_excessive_session_duration, [permission_set(value)], options=options)
    assert levels(findings) == ["warning"]
    assert "above the configured maximum of PT4H" in findings[0].message


def test_value_aws_rejects_stays_an_error_whatever_the_configured_maximum() -> None:
    value = Value("86400", HERE, "int")
    options = {"TL006": {"max_session_duration": 43200}}
    assert levels(run_check(check_excessive_session_duration, [role(value)], options=options)) == [
        "error"
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT1H", 3600),
        ("PT12H", 43200),
        ("PT1H30M", 5400),
        ("PT90M", 5400),
        ("PT3600S", 3600),
        ("PT0.5S", Decimal("0.5")),
        ("P1D", 86400),
        ("P1DT2H", 93600),
    ],
)
def test_iso_8601_durations(text: str, seconds: int | Decimal) -> None:
    assert parse_iso_duration(text) == seconds


@pytest.mark.parametrize("text", ["12h", "PT", "P", "T1H", "pt1h", "PT1H30", "-PT1H", ""])
def test_text_that_is_not_an_iso_8601_duration(text: str) -> None:
    assert parse_iso_duration(text) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (43200, "12 h"),
        (5400, "1 h 30 min"),
        (1800, "30 min"),
        (90, "1 min 30 s"),
        (50, "50 s"),
        (3600, "1 h"),
        (50000, "13 h 53 min 20 s"),
    ],
)
def test_durations_are_shown_in_hours_and_minutes(seconds: int, text: str) -> None:
    assert human_duration(Decimal(seconds)) == text
