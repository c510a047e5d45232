"""Terraform modules as Terraform plans them: a called module is read per call, never alone.

Findings whose value a caller passes are located at the caller's argument,
with the module's use of it as a related location; a registry module
installed by `terraform init` is read from `.terraform/modules/`, its
findings at the user's `module` block.
"""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, Project

from trustlint.cli import main
from trustlint.engine import ScanResult
from trustlint.findings import Finding

MODULE_CALLS = FIXTURES / "parsers" / "terraform" / "module_calls"
INSTALLED = FIXTURES / "parsers" / "terraform" / "installed_registry_module"


def located(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return sorted(
        (f.rule_id, f.location.path, f.location.line, f.location.column) for f in findings
    )


def related(finding: Finding) -> list[tuple[str, int, int, str]]:
    return [
        (r.location.path, r.location.line, r.location.column, r.message) for r in finding.related
    ]


def only(result: ScanResult, rule_id: str, line: int) -> Finding:
    (finding,) = [f for f in result.active if f.rule_id == rule_id and f.location.line == line]
    return finding


def scan_case(project: Project, case: str, *paths: str, strict: bool = False) -> ScanResult:
    for entry in (MODULE_CALLS / case).iterdir():
        project.copy(entry)
    return project.scan_result([project.root / path for path in paths], strict=strict)


def test_a_placeholder_default_overridden_by_the_only_caller_is_no_finding(
    project: Project,
) -> None:
    result = scan_case(project, "placeholder_overridden")
    assert located(result.active) == []
    # The module is read within its call only: one unit, holding both files.
    assert [unit.unit for unit in result.units] == ["."]
    assert result.units[0].paths == ("main.tf", "modules/service_role/main.tf")


def test_the_same_module_read_alone_is_a_root_and_its_placeholder_is_reported(
    project: Project,
) -> None:
    # Nobody in the scan calls it: it is a root, evaluated with its defaults.
    result = scan_case(project, "placeholder_overridden", "modules/service_role")
    assert located(result.active) == [("TL013", "modules/service_role/main.tf", 18, 31)]


def test_a_module_called_twice_is_reported_at_each_callers_argument_where_they_differ(
    project: Project,
) -> None:
    result = scan_case(project, "called_twice")
    assert located(result.active) == [
        ("TL001", "main.tf", 10, 15),
        ("TL002", "main.tf", 4, 15),
    ]
    wildcard = only(result, "TL001", 10)
    assert "module.open.aws_iam_role.this" in wildcard.message
    assert related(wildcard) == [
        ("modules/role/main.tf", 15, 22, "the value is used here, in module.open")
    ]
    account = only(result, "TL002", 4)
    assert "module.ci.aws_iam_role.this" in account.message
    assert related(account) == [
        ("modules/role/main.tf", 15, 22, "the value is used here, in module.ci")
    ]
    # The finding is about the role in the module: a suppression there covers it.
    assert account.resource_location is not None
    assert account.resource_location.path == "modules/role/main.tf"


def test_nested_calls_report_the_roots_argument_through_every_level(project: Project) -> None:
    result = scan_case(project, "nested_and_broken")
    rules = [f for f in result.active if f.rule_id != "TL000"]
    assert located(rules) == [("TL001", "main.tf", 3, 13), ("TL002", "main.tf", 4, 14)]
    wildcard = only(result, "TL001", 3)
    assert "module.team.module.role.aws_iam_role.this" in wildcard.message
    assert related(wildcard) == [
        ("modules/b/main.tf", 17, 27, "the value is used here, in module.team.module.role")
    ]
    # A list passed down: its item is the caller's; the statement using it is related.
    partner = only(result, "TL002", 4)
    assert related(partner) == [
        ("modules/b/main.tf", 18, 8, "the value is used here, in module.team.module.role")
    ]


def test_a_missing_module_directory_and_a_call_cycle_are_tl000_on_the_module_block(
    project: Project,
) -> None:
    result = scan_case(project, "nested_and_broken")
    errors = [f for f in result.active if f.rule_id == "TL000"]
    assert located(errors) == [
        ("TL000", "main.tf", 7, 1),
        ("TL000", "modules/loop2/main.tf", 1, 1),
    ]
    messages = sorted(f.message for f in errors)
    assert messages == [
        "module.loop.module.back.module.forth: source ../loop1 calls a module that calls "
        "this one; the cycle is not followed",
        "module.missing: source ./modules/nowhere is not a directory",
    ]
    assert all(f.level == "error" for f in errors)


def test_a_partial_scan_of_a_called_modules_file_reports_through_its_callers(
    project: Project,
) -> None:
    # Pre-commit passes the changed file; the project is the configuration's directory.
    project.write(".trustlint.yaml", "{}\n")
    result = scan_case(project, "called_twice", "modules/role/main.tf")
    assert located(result.active) == [
        ("TL001", "main.tf", 10, 15),
        ("TL002", "main.tf", 4, 15),
    ]


def test_an_installed_registry_module_is_read_and_reported_at_the_users_module_block(
    project: Project,
) -> None:
    project.copy(INSTALLED, "infra")
    result = project.scan_result([project.root / "infra"])
    assert located(result.active) == [
        # Values the user passes: at the user's arguments. The admin role's trust
        # (the module's MFA default: Bool aws:MultiFactorAuthPresent "true") is no
        # TL002: a statement that enforces MFA is no confused-deputy risk.
        ("TL002", "infra/main.tf", 8, 27),
        # The module's own default (12-hour sessions): at the user's `module` block.
        ("TL006", "infra/main.tf", 12, 1),
    ]
    installed = "infra/.terraform/modules/ci_role/modules/assumable-role/main.tf"
    session = only(result, "TL006", 12)
    assert "module.admin_role.aws_iam_role.this" in session.message
    assert related(session) == [
        (installed, 76, 26, "the installed module writes it here, in module.admin_role"),
    ]
    assert session.resource_location is not None
    assert session.resource_location.path == "infra/main.tf"
    # The role with MFA off trusts its account without MFA conditions; the
    # other, with the module's MFA default, has them.
    ci = only(result, "TL002", 8)
    assert "module.ci_role.aws_iam_role.this" in ci.message
    assert related(ci) == [(installed, 9, 3, "the value is used here, in module.ci_role")]
    # `.terraform/` is never a root and never holds a finding of its own.
    assert [unit.unit for unit in result.units] == ["infra"]
    assert not any(".terraform/" in f.location.path for f in result.findings)


def test_a_module_that_is_not_installed_is_a_strict_note_on_its_block(project: Project) -> None:
    project.copy(INSTALLED, "infra")
    quiet = project.scan_result([project.root / "infra"])
    assert not any(f.rule_id == "TL000" for f in quiet.findings)
    strict = project.scan_result([project.root / "infra"], strict=True)
    (note,) = [f for f in strict.active if f.rule_id == "TL000"]
    assert (note.level, note.location.path, note.location.line, note.location.column) == (
        "note",
        "infra/main.tf",
        21,
        1,
    )
    assert note.message.startswith(
        "cannot decide: what module.not_installed creates is not checked: source "
        "git::https://example.com/modules/role.git is not installed"
    )


def test_without_modules_json_a_registry_module_stays_unknown(project: Project) -> None:
    target = project.copy(INSTALLED, "infra")
    (target / ".terraform" / "modules" / "modules.json").unlink()
    result = project.scan_result([target], strict=True)
    assert located(result.active) == [
        ("TL000", "infra/main.tf", 1, 1),
        ("TL000", "infra/main.tf", 12, 1),
        ("TL000", "infra/main.tf", 21, 1),
    ]
    assert {f.level for f in result.active} == {"note"}


def test_an_installed_directory_that_is_gone_is_tl000_on_the_module_block(
    project: Project,
) -> None:
    target = project.copy(INSTALLED, "infra")
    modules_json = target / ".terraform" / "modules" / "modules.json"
    modules_json.write_text(
        '{"Modules": [{"Key": "ci_role", "Source": "x", "Dir": ".terraform/modules/gone"}]}',
        encoding="utf-8",
    )
    result = project.scan_result([target])
    errors = [f for f in result.active if f.rule_id == "TL000"]
    assert located(errors) == [("TL000", "infra/main.tf", 1, 1)]
    assert "is installed in infra/.terraform/modules/gone, which is missing" in errors[0].message


def test_a_suppression_in_the_users_module_block_covers_what_the_installed_module_creates(
    project: Project,
) -> None:
    target = project.copy(INSTALLED, "infra")
    main = target / "main.tf"
    text = main.read_text(encoding="utf-8").replace(
        '  role_name         = "admin"\n',
        '  role_name         = "admin"\n  # trustlint:ignore TL006 break-glass sessions are long\n',
    )
    main.write_text(text, encoding="utf-8")
    result = project.scan_result([target])
    assert located(result.active) == [("TL002", "infra/main.tf", 8, 27)]
    (suppressed,) = result.suppressed
    assert (suppressed.rule_id, suppressed.location.line) == ("TL006", 12)


def test_the_graph_marks_the_edges_of_findings_located_at_the_caller(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    for entry in (MODULE_CALLS / "called_twice").iterdir():
        project.copy(entry)
    assert main(["graph", "--no-cache", "--format", "json", str(project.root)]) == 0
    data = json.loads(capsys.readouterr().out)
    marked = sorted((e["to"], e["location"], e["findings"]) for e in data["edges"])
    assert marked == [
        ("role:<this-account>@.:ci", "main.tf:4:15", ["TL002"]),
        ("role:<this-account>@.:open", "main.tf:10:15", ["TL001"]),
    ]
