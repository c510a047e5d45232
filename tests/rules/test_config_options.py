"""Rule options in `.trustlint.yaml`: validated by the shipped schema, honoured by the rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.config import ConfigError, load_config

TL006 = FIXTURES / "rules" / "TL006"
TL008 = FIXTURES / "rules" / "TL008"


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".trustlint.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the schema ---------------------------------------------------------------------------


def test_session_duration_options_are_read(tmp_path: Path) -> None:
    path = config_file(
        tmp_path,
        "rules:\n  TL006: {max_session_duration: 14400, max_permission_set_duration: 28800}\n",
    )
    options = load_config(path).rule("TL006").options
    assert options == {"max_session_duration": 14400, "max_permission_set_duration": 28800}


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("max_session_duration: 900", "900 is less than the minimum of 3600"),
        ("max_session_duration: 50000", "50000 is greater than the maximum of 43200"),
        ("max_session_duration: '3600'", "'3600' is not of type 'integer'"),
        ("max_permission_set_duration: 1800", "1800 is less than the minimum of 3600"),
        ("max_duration: 3600", "unknown key"),
    ],
)
def test_invalid_session_duration_option_names_the_key_and_the_problem(
    tmp_path: Path, setting: str, complaint: str
) -> None:
    path = config_file(tmp_path, f"rules:\n  TL006: {{{setting}}}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert "rules.TL006" in str(raised.value)
    assert complaint in str(raised.value)


def test_service_options_are_read(tmp_path: Path) -> None:
    path = config_file(
        tmp_path,
        "rules:\n  TL008:\n    services: [glue.amazonaws.com]\n    exempt_services: [config]\n",
    )
    options = load_config(path).rule("TL008").options
    assert options == {"services": ["glue.amazonaws.com"], "exempt_services": ["config"]}


@pytest.mark.parametrize(
    "setting",
    ["services: glue", "services: [Glue]", "exempt_services: [glue, glue]", "service: [glue]"],
)
def test_invalid_service_option_is_rejected(tmp_path: Path, setting: str) -> None:
    path = config_file(tmp_path, f"rules:\n  TL008: {{{setting}}}\n")
    with pytest.raises(ConfigError, match=r"rules\.TL008"):
        load_config(path)


@pytest.mark.parametrize("rule", ["TL007", "TL012", "TL013"])
def test_rules_without_options_accept_only_enabled_and_level(tmp_path: Path, rule: str) -> None:
    assert load_config(config_file(tmp_path, f"rules:\n  {rule}: {{level: note}}\n"))
    with pytest.raises(ConfigError, match="unknown key"):
        load_config(config_file(tmp_path, f"rules:\n  {rule}: {{strictness: 2}}\n"))


# --- the rules honour them ---------------------------------------------------------------


def test_raised_session_maximum_allows_twelve_hour_roles(project: Project) -> None:
    project.write(".trustlint.yaml", "rules:\n  TL006: {max_session_duration: 43200}\n")
    findings = scan_fixture(
        project, {"template.yaml": TL006 / "max_session_12_hours.yaml"}, select=["TL006"]
    )
    assert findings == []


def test_raised_session_maximum_also_applies_to_permission_sets(project: Project) -> None:
    project.write(".trustlint.yaml", "rules:\n  TL006: {max_session_duration: 43200}\n")
    findings = scan_fixture(
        project, {"template.yaml": TL006 / "permission_set_12_hours.yaml"}, select=["TL006"]
    )
    assert findings == []


def test_permission_set_maximum_is_separate_from_the_role_maximum(project: Project) -> None:
    project.write(
        ".trustlint.yaml",
        "rules:\n  TL006: {max_session_duration: 43200, max_permission_set_duration: 3600}\n",
    )
    findings = scan_fixture(
        project, {"template.yaml": TL006 / "permission_set_12_hours.yaml"}, select=["TL006"]
    )
    assert locations(findings) == [("TL006", 8, 24)]


def test_configured_level_replaces_the_dynamic_level(project: Project) -> None:
    project.write(".trustlint.yaml", "rules:\n  TL006: {level: note}\n")
    findings = scan_fixture(
        project, {"template.yaml": TL006 / "max_session_above_aws_limit.yaml"}, select=["TL006"]
    )
    assert [finding.level for finding in findings] == ["note"]


def test_exempt_services_silences_a_service(project: Project) -> None:
    project.write(".trustlint.yaml", "rules:\n  TL008: {exempt_services: [config]}\n")
    findings = scan_fixture(
        project, {"template.yaml": TL008 / "config_without_source.yaml"}, select=["TL008"]
    )
    assert findings == []


def test_services_adds_a_service_to_check(project: Project) -> None:
    project.write(".trustlint.yaml", "rules:\n  TL008: {services: [glue.amazonaws.com]}\n")
    findings = scan_fixture(
        project, {"trust.json": TL008 / "unlisted_service.json"}, select=["TL008"]
    )
    assert locations(findings) == [("TL008", 6, 32)]


def test_disabled_rule_does_not_run(project: Project) -> None:
    project.write(".trustlint.yaml", "rules:\n  TL008: {enabled: false}\n")
    findings = scan_fixture(project, {"template.yaml": TL008 / "config_without_source.yaml"})
    assert "TL008" not in {finding.rule_id for finding in findings}
