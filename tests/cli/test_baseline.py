"""`--write-baseline` and `--baseline`: accept today's findings, fail on new ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_trustlint
from conftest import FIXTURES, Project

from trustlint.findings import Finding

CASES = FIXTURES / "outputs"


def entry(finding: Finding) -> dict[str, str]:
    return {
        "fingerprint": finding.fingerprint,
        "rule": finding.rule_id,
        "path": finding.location.path,
        "resource": finding.resource,
        "message": finding.message,
    }


@pytest.fixture
def open_policy(project: Project) -> Finding:
    """A project with one TL001 finding; the finding."""
    project.copy(CASES / "wildcard_trust_policy.json", "policies/open.json")
    [finding] = project.scan()
    assert finding.rule_id == "TL001"
    return finding


def write_baseline(project: Project, name: str = "baseline.json") -> dict[str, Any]:
    completed = run_trustlint("scan", "--write-baseline", name, cwd=project.root)
    assert completed.returncode == 0, completed.stderr
    data: dict[str, Any] = json.loads((project.root / name).read_text(encoding="utf-8"))
    return data


def test_write_baseline_records_each_finding_by_its_logical_fingerprint(
    project: Project, open_policy: Finding
) -> None:
    completed = run_trustlint("scan", "--write-baseline", "baseline.json", cwd=project.root)

    assert completed.returncode == 0
    assert completed.stderr == "trustlint: wrote 1 finding to the baseline baseline.json\n"
    assert completed.stdout.startswith("policies/open.json:7:28: TL001 error ")
    baseline = json.loads((project.root / "baseline.json").read_text(encoding="utf-8"))
    assert baseline == {"version": 1, "tool": "trustlint", "findings": [entry(open_policy)]}


def test_findings_in_the_baseline_do_not_fail_the_run(
    project: Project, open_policy: Finding
) -> None:
    write_baseline(project)

    completed = run_trustlint("scan", "--baseline", "baseline.json", cwd=project.root)

    assert (completed.returncode, completed.stderr) == (0, "")
    assert completed.stdout == (
        "0 findings (0 errors, 0 warnings, 0 notes) in 1 file; 1 accepted by the baseline.\n"
    )


def test_a_new_finding_fails_the_run_and_is_the_only_one_shown(
    project: Project, open_policy: Finding
) -> None:
    write_baseline(project)
    project.copy(CASES / "wildcard_trust_policy.json", "policies/new.json")

    completed = run_trustlint("scan", "--baseline", "baseline.json", cwd=project.root)

    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines[:-1]] == ["policies/new.json:7:28"]
    assert lines[-1] == (
        "1 finding (1 error, 0 warnings, 0 notes) in 2 files; 1 accepted by the baseline."
    )


def test_moving_code_keeps_a_finding_in_the_baseline(project: Project) -> None:
    template = project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "roles.yaml")
    write_baseline(project)
    text = template.read_text(encoding="utf-8")
    template.write_text("# three\n# lines\n# above\n" + text, encoding="utf-8")

    completed = run_trustlint("scan", "--baseline", "baseline.json", cwd=project.root)

    assert completed.returncode == 0
    assert "1 accepted by the baseline" in completed.stdout


def test_suppressed_findings_are_not_written_to_the_baseline(project: Project) -> None:
    project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "roles.yaml")
    findings = project.scan_result().findings
    assert len(findings) == 2

    baseline = write_baseline(project)

    [active] = [f for f in findings if f.suppression is None]
    assert baseline["findings"] == [entry(active)]


def test_rewriting_the_baseline_drops_entries_that_no_longer_match(
    project: Project, open_policy: Finding
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "policies/second.json")
    assert len(write_baseline(project)["findings"]) == 2
    (project.root / "policies" / "second.json").unlink()

    completed = run_trustlint(
        "scan", "--baseline", "baseline.json", "--write-baseline", "baseline.json", cwd=project.root
    )

    assert completed.returncode == 0
    baseline = json.loads((project.root / "baseline.json").read_text(encoding="utf-8"))
    assert baseline["findings"] == [entry(open_policy)]


@pytest.fixture
def stale_entry(project: Project, open_policy: Finding) -> dict[str, str]:
    """A baseline whose only finding was fixed since; its entry."""
    write_baseline(project)
    project.copy(CASES / "lambda_trust_policy.json", "policies/open.json")
    return entry(open_policy)


STALE_SENTENCE = (
    "1 baseline entry no longer matches; rewrite the baseline with --write-baseline to prune."
)


def test_text_summary_reports_stale_entries(project: Project, stale_entry: dict[str, str]) -> None:
    completed = run_trustlint("scan", "--baseline", "baseline.json", cwd=project.root)
    assert completed.returncode == 0
    assert completed.stdout == (
        f"0 findings (0 errors, 0 warnings, 0 notes) in 1 file; {STALE_SENTENCE}\n"
    )


def test_json_summary_lists_stale_entries(project: Project, stale_entry: dict[str, str]) -> None:
    completed = run_trustlint(
        "scan", "--baseline", "baseline.json", "--format", "json", cwd=project.root
    )
    summary = json.loads(completed.stdout)["summary"]
    assert (summary["baselined"], summary["stale_baseline"]) == (0, [stale_entry])


def test_github_format_notes_stale_entries(project: Project, stale_entry: dict[str, str]) -> None:
    completed = run_trustlint(
        "scan", "--baseline", "baseline.json", "--format", "github", cwd=project.root
    )
    assert completed.stdout.splitlines() == [
        "::notice title=trustlint baseline::1 baseline entry no longer matches any finding; "
        "rewrite the baseline with --write-baseline to prune",
        "trustlint: 0 findings (0 errors, 0 warnings, 0 notes).",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "baseline baseline.json is not valid JSON: Expecting property name"),
        (
            b"[]",
            "baseline baseline.json is not a trustlint baseline (expected an object with a "
            "'findings' list; write one with --write-baseline)",
        ),
        (
            b'{"version": 2, "findings": []}',
            "baseline baseline.json has version 2; this trustlint reads version 1 "
            "(rewrite it with --write-baseline)",
        ),
        (
            b'{"version": 1, "findings": [{"rule": "TL001"}]}',
            "baseline baseline.json: finding 1 has no 'fingerprint' string",
        ),
        (
            b'{"version": 1, "findings": [\xff]}',
            "cannot read baseline baseline.json: not UTF-8 (invalid start byte at offset 28)",
        ),
    ],
)
def test_an_invalid_baseline_is_a_usage_error(
    project: Project, open_policy: Finding, content: bytes, message: str
) -> None:
    (project.root / "baseline.json").write_bytes(content)

    completed = run_trustlint("scan", "--baseline", "baseline.json", cwd=project.root)

    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr.startswith(f"trustlint: error: {message}")
    assert "Traceback" not in completed.stderr


def test_a_missing_baseline_is_a_usage_error(project: Project, open_policy: Finding) -> None:
    completed = run_trustlint("scan", "--baseline", "nothing.json", cwd=project.root)
    assert (completed.returncode, completed.stdout, completed.stderr) == (
        2,
        "",
        "trustlint: error: baseline nothing.json does not exist\n",
    )


def test_a_directory_as_baseline_is_a_usage_error(project: Project, open_policy: Finding) -> None:
    completed = run_trustlint("scan", "--baseline", "policies", cwd=project.root)
    assert (completed.returncode, completed.stderr) == (
        2,
        "trustlint: error: baseline policies is a directory, not a file\n",
    )


def test_a_baseline_that_cannot_be_written_is_a_usage_error(
    project: Project, open_policy: Finding
) -> None:
    target = Path("missing-dir") / "baseline.json"
    completed = run_trustlint("scan", "--write-baseline", str(target), cwd=project.root)
    assert completed.returncode == 2
    assert completed.stderr == (
        f"trustlint: error: cannot write baseline {target}: No such file or directory\n"
    )


def test_entries_for_files_outside_a_partial_scan_are_not_stale(
    project: Project, open_policy: Finding
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "policies/other.json")
    write_baseline(project)

    completed = run_trustlint(
        "scan", "policies/open.json", "--baseline", "baseline.json", cwd=project.root
    )

    assert completed.returncode == 0, completed.stdout
    assert "no longer match" not in completed.stdout
    assert completed.stdout.endswith("1 accepted by the baseline.\n")


def test_an_entry_whose_file_was_fixed_is_stale_in_a_partial_scan_of_that_file(
    project: Project, open_policy: Finding
) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "policies/other.json")
    write_baseline(project)
    (project.root / "policies" / "open.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}',
        encoding="utf-8",
    )

    completed = run_trustlint(
        "scan", "policies/open.json", "--baseline", "baseline.json", cwd=project.root
    )

    assert completed.returncode == 0, completed.stdout
    assert "1 baseline entry no longer matches" in completed.stdout
