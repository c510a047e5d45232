"""SARIF stays within GitHub's upload limits and says what it left out (SPEC section 10)."""

from __future__ import annotations

import json
from pathlib import Path

from sarif_support import _schema_validator, run_trustlint

from trustlint.findings import Finding, RelatedLocation
from trustlint.model import Location
from trustlint.report.sarif_limits import MAX_LOCATIONS, MAX_MESSAGE, MAX_RESULTS, cap_for_github

WILDCARD_ROLES = 4_990
UNPINNED_SERVICE_ROLES = 200


def template(wildcards: int, services: int) -> str:
    """A CloudFormation JSON template: TL001 errors, then TL008 notes."""
    resources = {}
    for number in range(wildcards):
        resources[f"Open{number}"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
                    ],
                }
            },
        }
    for number in range(services):
        resources[f"Build{number}"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "codebuild.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        }
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


def test_a_scan_with_more_results_than_github_takes_keeps_the_most_severe(
    tmp_path: Path,
) -> None:
    (tmp_path / "roles.json").write_text(
        template(WILDCARD_ROLES, UNPINNED_SERVICE_ROLES), encoding="utf-8"
    )
    done = run_trustlint(
        "scan", "--no-cache", "--format", "sarif", "-o", "out.sarif", "roles.json", cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    log = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    # The JSON schema only: the SARIF multitool's GitHub rule GH1004 warns above
    # 1,000 results, an older limit than the 5,000 GitHub documents and applies.
    assert not list(_schema_validator().iter_errors(log))
    [run] = log["runs"]
    results = run["results"]
    assert len(results) == MAX_RESULTS
    levels = [result["level"] for result in results]
    assert levels.count("error") == WILDCARD_ROLES
    assert levels.count("note") == MAX_RESULTS - WILDCARD_ROLES
    notices = [
        notification["message"]["text"]
        for notification in run["invocations"][0]["toolExecutionNotifications"]
    ]
    left_out = WILDCARD_ROLES + UNPINNED_SERVICE_ROLES - MAX_RESULTS
    assert any(text.startswith(f"{left_out} results were left out") for text in notices)
    text = run_trustlint("scan", "--no-cache", "-q", "roles.json", cwd=tmp_path)
    assert len(text.stdout.splitlines()) == WILDCARD_ROLES + UNPINNED_SERVICE_ROLES


def finding(number: int, level: str = "warning", related: int = 0, message: str = "m") -> Finding:
    location = Location("a.yaml", number + 1, 1, number + 1, 2)
    return Finding(
        "TL004",
        level,  # type: ignore[arg-type]
        message,
        location,
        related=tuple(
            RelatedLocation(Location("b.yaml", line + 1, 1, line + 1, 2), "other side")
            for line in range(related)
        ),
    )


def test_locations_and_messages_are_cut_to_the_limits_and_counted() -> None:
    capped = cap_for_github([finding(0, related=1_500, message="x" * 5_000), finding(1)])
    first, second = capped.findings
    assert len(first.related) == MAX_LOCATIONS - 1
    assert first.message.startswith("x" * MAX_MESSAGE)
    assert first.message.endswith("... (3,000 more characters)")
    assert second == finding(1)
    assert (capped.left_out, capped.shortened) == (0, 1)
    assert capped.notices()[0].startswith("1 results were shortened")


def test_within_the_limits_nothing_changes_and_nothing_is_said() -> None:
    findings = [finding(number, "note" if number % 2 else "error") for number in range(10)]
    capped = cap_for_github(findings)
    assert capped.findings == findings
    assert capped.notices() == []
