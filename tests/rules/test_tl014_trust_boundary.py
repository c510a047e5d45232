"""TL014 trust-boundary: third-party role chains and declared boundaries (SPEC section 11)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import FIXTURES, REPO, Project

from trustlint.findings import Finding

CASES = FIXTURES / "rules" / "TL014"


def copy_case(project: Project, case: str) -> None:
    for entry in (CASES / case).iterdir():
        project.copy(entry)


def scan(project: Project, case: str, strict: bool = False) -> list[Finding]:
    copy_case(project, case)
    return project.scan(select=["TL014"], strict=strict)


def where(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return sorted((f.level, f.location.path, f.location.line, f.location.column) for f in findings)


def test_a_vendor_chain_of_two_hops_is_reported_at_the_last_trust(project: Project) -> None:
    findings = scan(project, "vendor_chain_two_hops")
    assert where(findings) == [("warning", "prod/admin.yaml", 12, 20)]
    [finding] = findings
    assert finding.message.startswith(
        "Role ProdAdminRole does not trust account 464622532012 (Datadog), which reaches it by "
        "role chaining: account 464622532012 (Datadog) -> Role VendorAuditRole (vendor-audit) -> "
        "Role ProdAdminRole (prod-admin); "
    )
    assert [(step.location.path, step.location.line) for step in finding.flow] == [
        ("tools/vendor_role.yaml", 12),  # the vendor enters the audit role
        ("tools/vendor_role.yaml", 24),  # the audit role's grant on prod-admin
        ("prod/admin.yaml", 12),  # prod-admin's trust of the audit role
    ]


def test_a_vendor_chain_of_three_hops_reports_every_role_it_reaches(project: Project) -> None:
    findings = scan(project, "vendor_chain_three_hops")
    assert where(findings) == [
        ("warning", "prod/admin.yaml", 12, 20),
        ("warning", "tools/ops_role.yaml", 12, 20),
    ]
    [admin] = [f for f in findings if f.location.path == "prod/admin.yaml"]
    assert "-> Role OpsRole (ops) -> Role ProdAdminRole (prod-admin);" in admin.message
    assert len(admin.flow) == 5


@pytest.mark.parametrize(
    "case",
    [
        "chain_broken_by_missing_grant",
        "chain_broken_by_untrusting_target",
        "chain_broken_by_explicit_deny",
        "target_trusts_the_third_party_too",
    ],
)
def test_a_broken_chain_or_a_trusted_third_party_is_no_finding(project: Project, case: str) -> None:
    assert scan(project, case, strict=True) == []


# Each blocked case and its twin differ only in the blocking piece on the intermediate role
# (vendor-audit): its permissions boundary allows iam:Get*/List* only, where the twin's also
# allows sts:AssumeRole; an SCP on its account denies sts:AssumeRole on prod roles, where the
# twin's denies iam:DeleteRole there instead.
BLOCKED_AND_TWIN = [
    ("chain_broken_by_permissions_boundary", "chain_within_a_permissions_boundary"),
    ("chain_broken_by_scp", "chain_past_an_scp_denying_other_actions"),
]


@pytest.mark.parametrize(("blocked", "twin"), BLOCKED_AND_TWIN)
def test_a_boundary_or_scp_on_the_intermediate_role_breaks_the_chain(
    project: Project, blocked: str, twin: str
) -> None:
    assert scan(project, blocked, strict=True) == []


@pytest.mark.parametrize(("blocked", "twin"), BLOCKED_AND_TWIN)
def test_without_the_blocking_piece_the_same_chain_is_reported(
    project: Project, blocked: str, twin: str
) -> None:
    findings = scan(project, twin)
    assert [(f.rule_id, f.location.path, f.location.line, f.location.column) for f in findings] == [
        ("TL014", "prod/admin.yaml", 12, 20)
    ]
    assert "-> Role VendorAuditRole (vendor-audit) -> Role ProdAdminRole (prod-admin);" in (
        findings[0].message
    )


def test_a_cycle_ends_and_each_role_is_reported_once(project: Project) -> None:
    findings = scan(project, "chain_with_a_cycle")
    assert where(findings) == [("warning", "tools/ops_role.yaml", 12, 20)]


def test_boundaries_match_accounts_arn_globs_services_and_providers(project: Project) -> None:
    findings = scan(project, "boundary_by_kind")
    assert where(findings) == [
        ("error", "prod/admin.yaml", 33, 30),  # an account the boundary does not allow
        ("error", "prod/admin.yaml", 38, 34),  # a service it does not allow
    ]
    assert findings[0].message == (
        "Role ProdAdminRole trusts arn:aws:iam::444444444444:root, which boundary "
        "'prod-admin-only-from-security' does not allow into it; remove the principal from the "
        "trust policy, or allow it in the boundary"
    )


def test_an_unresolved_principal_crosses_no_boundary_and_strict_notes_it(
    project: Project,
) -> None:
    notes = [f for f in scan(project, "boundary_by_kind", strict=True) if f.level == "note"]
    assert where(notes) == [("note", "prod/admin.yaml", 42, 30)]
    assert notes[0].message.startswith("cannot decide: ")


def test_every_boundary_covering_a_role_applies(project: Project) -> None:
    findings = scan(project, "two_boundaries")
    assert where(findings) == [("error", "prod/admin.yaml", 14, 19)]
    assert "boundary 'admin-only-from-security' does not allow" in findings[0].message


def test_sarif_carries_the_chain_as_one_thread_flow(project: Project) -> None:
    copy_case(project, "vendor_chain_two_hops")
    completed = subprocess.run(
        [sys.executable, "-m", "trustlint", "scan", "--no-cache", "--format", "sarif", "."],
        cwd=project.root,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = json.loads(completed.stdout)
    [result] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "TL014"]
    [flow] = result["codeFlows"]
    [thread] = flow["threadFlows"]
    steps = [
        (
            step["location"]["physicalLocation"]["artifactLocation"]["uri"],
            step["location"]["physicalLocation"]["region"]["startLine"],
            step["executionOrder"],
        )
        for step in thread["locations"]
    ]
    assert steps == [
        ("tools/vendor_role.yaml", 12, 1),
        ("tools/vendor_role.yaml", 24, 2),
        ("prod/admin.yaml", 12, 3),
    ]


def test_an_unresolved_hop_is_no_finding_and_a_strict_note(project: Project) -> None:
    # The audit role's grant would come from a managed policy outside the files.
    assert scan(project, "chain_with_an_unresolved_hop") == []


def test_an_unresolved_hop_is_named_under_strict(project: Project) -> None:
    findings = scan(project, "chain_with_an_unresolved_hop", strict=True)
    assert where(findings) == [("note", "prod/admin.yaml", 12, 20)]
    assert findings[0].message.startswith("cannot decide: Role ProdAdminRole does not trust ")
    assert "(whether the last hop works: " in findings[0].message
