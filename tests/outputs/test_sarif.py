"""SARIF output (SPEC section 8): what GitHub code scanning needs, validated on every file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, Project
from sarif_support import run_trustlint, validate_sarif, write_and_validate

from trustlint.catalogue import RuleInfo, load_catalogue
from trustlint.config import Config
from trustlint.engine import ScanOptions, ScanResult, run_scan
from trustlint.findings import Finding, RelatedLocation
from trustlint.model import Location
from trustlint.report.line_hash import line_hashes
from trustlint.report.sarif import artifact_uri, render_sarif

CASES = FIXTURES / "outputs"


def sarif_of(
    project: Project, result: ScanResult, findings: list[Finding] | None = None, **kwargs: Any
) -> dict[str, Any]:
    shown = result.active if findings is None else findings
    return write_and_validate(render_sarif(result, shown, **kwargs), project.root)


def only_run(log: dict[str, Any]) -> dict[str, Any]:
    assert len(log["runs"]) == 1
    run: dict[str, Any] = log["runs"][0]
    return run


def test_log_is_sarif_2_1_0_with_one_trustlint_run(project: Project) -> None:
    project.copy(CASES / "wildcard_trust_policy.json")
    log = sarif_of(project, project.scan_result())
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    driver = only_run(log)["tool"]["driver"]
    assert driver["name"] == "trustlint"
    assert driver["version"] == driver["semanticVersion"] == "0.1.0"
    assert driver["informationUri"] == "https://github.com/trustlint/trustlint"


def test_wildcard_trust_is_a_result_at_the_principal(project: Project) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "policies/wildcard_trust_policy.json")
    result = project.scan_result()
    [finding] = result.active
    run = only_run(sarif_of(project, result))
    [sarif_result] = run["results"]
    rules = run["tool"]["driver"]["rules"]

    assert sarif_result["ruleId"] == "TL001"
    assert rules[sarif_result["ruleIndex"]]["id"] == "TL001"
    assert sarif_result["level"] == "error"
    assert sarif_result["message"] == {"text": finding.message}
    assert sarif_result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": "policies/wildcard_trust_policy.json",
                    "uriBaseId": "%SRCROOT%",
                },
                # `"*"` in `"Principal": {"AWS": "*"}` on line 7.
                "region": {"startLine": 7, "startColumn": 28, "endLine": 7, "endColumn": 31},
            }
        }
    ]
    assert "suppressions" not in sarif_result
    assert run["originalUriBaseIds"] == {
        "%SRCROOT%": {"description": {"text": "The root of the repository that was scanned."}}
    }


def test_fingerprints_are_upload_sarifs_line_hash_and_the_logical_fingerprint(
    project: Project,
) -> None:
    path = project.copy(CASES / "wildcard_trust_policy.json")
    result = project.scan_result()
    [finding] = result.active
    [sarif_result] = only_run(sarif_of(project, result))["results"]
    expected_line_hash = line_hashes(path.read_text(encoding="utf-8"))[7]
    assert sarif_result["partialFingerprints"] == {
        "primaryLocationLineHash": expected_line_hash,
        "trustlint/v1": finding.fingerprint,
    }


def test_lines_inserted_above_keep_the_logical_fingerprint_and_move_the_line_hash(
    project: Project,
) -> None:
    template = project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "roles.yaml")
    before = only_run(sarif_of(project, project.scan_result()))["results"]

    text = template.read_text(encoding="utf-8")
    three_lines_above = "Description: three new lines\n# above\n# the role\nResources:\n"
    template.write_text(text.replace("Resources:\n", three_lines_above), encoding="utf-8")
    # validate-sarif --root recomputes every line hash from the edited file.
    after = only_run(sarif_of(project, project.scan_result()))["results"]

    [old], [new] = before, after
    old_region = old["locations"][0]["physicalLocation"]["region"]
    new_region = new["locations"][0]["physicalLocation"]["region"]
    assert (old_region["startLine"], new_region["startLine"]) == (11, 14)
    assert new["partialFingerprints"]["trustlint/v1"] == old["partialFingerprints"]["trustlint/v1"]
    new_hash = line_hashes(template.read_text(encoding="utf-8"))[14]
    assert new["partialFingerprints"]["primaryLocationLineHash"] == new_hash


def test_driver_describes_each_rule_for_github() -> None:
    rule = RuleInfo(
        id="TL001",
        name="wildcard-principal",
        level="error",
        security_severity="9.1",
        tags=("iam", "trust-policy"),
        precision="very-high",
        short_description="Trust policy allows any AWS principal",
        full_description="A trust policy Allow whose principal matches any AWS principal.",
        help="## What it does\nFlags `Principal: *`.\n",
    )
    result = ScanResult(Path("/nowhere"), config=Config(), units=[], findings=[])
    log = json.loads(render_sarif(result, [], catalogue={"TL001": rule}))
    assert only_run(log)["tool"]["driver"]["rules"] == [
        {
            "id": "TL001",
            "name": "wildcard-principal",
            "defaultConfiguration": {"level": "error"},
            "fullDescription": {
                "text": "A trust policy Allow whose principal matches any AWS principal."
            },
            "help": {
                "text": "## What it does\nFlags `Principal: *`.\n",
                "markdown": "## What it does\nFlags `Principal: *`.\n",
            },
            "helpUri": "https://github.com/trustlint/trustlint/blob/main/rules/TL001-wildcard-principal.yaml",
            "properties": {
                "tags": ["iam", "trust-policy", "security"],
                "precision": "very-high",
                "problem.severity": "error",
                "security-severity": "9.1",
            },
            "shortDescription": {"text": "Trust policy allows any AWS principal"},
        }
    ]


def test_driver_lists_every_rule_of_the_catalogue_in_id_order(project: Project) -> None:
    catalogue = load_catalogue()
    if not catalogue:
        pytest.skip("the rules catalogue (rules/*.yaml) is empty")
    project.copy(CASES / "lambda_trust_policy.json")
    rules = only_run(sarif_of(project, project.scan_result()))["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(catalogue)
    for rule in rules:
        assert "security" in rule["properties"]["tags"]
        assert float(rule["properties"]["security-severity"]) > 0
        assert rule["defaultConfiguration"]["level"] == catalogue[rule["id"]].level


def test_parse_error_is_a_result_and_a_tool_execution_notification(project: Project) -> None:
    project.copy(CASES / "broken_policy_missing_comma.json")
    result = project.scan_result()
    [finding] = result.active
    run = only_run(sarif_of(project, result))
    location = {
        "physicalLocation": {
            "artifactLocation": {
                "uri": "broken_policy_missing_comma.json",
                "uriBaseId": "%SRCROOT%",
            },
            # The missing comma between `"Allow"` and `"Action"` on line 4.
            "region": {"startLine": 4, "startColumn": 24, "endLine": 4, "endColumn": 25},
        }
    }
    [sarif_result] = run["results"]
    assert (sarif_result["ruleId"], sarif_result["level"]) == ("TL000", "error")
    assert sarif_result["locations"] == [location]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is True
    tl000_index = sarif_result["ruleIndex"]
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "error",
            "message": {"text": f"broken_policy_missing_comma.json: {finding.message}"},
            "associatedRule": {"id": "TL000", "index": tl000_index},
            "locations": [location],
        }
    ]


def test_clean_scan_has_no_results_and_no_notifications(project: Project) -> None:
    project.copy(CASES / "lambda_trust_policy.json")
    run = only_run(sarif_of(project, project.scan_result()))
    assert run["results"] == []
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_suppressed_finding_is_left_out_by_default(project: Project) -> None:
    project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "roles.yaml")
    result = project.scan_result()
    run = only_run(sarif_of(project, result))
    [sarif_result] = run["results"]
    assert sarif_result["locations"][0]["physicalLocation"]["region"]["startLine"] == 11
    assert "suppressions" not in sarif_result


def test_show_suppressed_marks_the_suppressed_result_and_gives_others_empty_suppressions(
    project: Project,
) -> None:
    project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "roles.yaml")
    result = project.scan_result()
    run = only_run(sarif_of(project, result, result.findings, show_suppressed=True))
    lines_and_suppressions = [
        (r["locations"][0]["physicalLocation"]["region"]["startLine"], r["suppressions"])
        for r in run["results"]
    ]
    assert lines_and_suppressions == [
        (11, []),
        (22, [{"kind": "inSource", "justification": "public demo role, deleted every night"}]),
    ]


def test_related_locations_carry_ids_and_messages(project: Project) -> None:
    project.copy(CASES / "wildcard_trust_policy.json")
    project.copy(CASES / "lambda_trust_policy.json")
    result = project.scan_result()
    [finding] = result.active
    other_side = Location("lambda_trust_policy.json", 6, 20, 6, 52)
    with_related = Finding(
        finding.rule_id,
        finding.level,
        finding.message,
        finding.location,
        related=(RelatedLocation(other_side, "the role that is trusted"),),
    )
    [sarif_result] = only_run(sarif_of(project, result, [with_related]))["results"]
    assert sarif_result["relatedLocations"] == [
        {
            "id": 1,
            "message": {"text": "the role that is trusted"},
            "physicalLocation": {
                "artifactLocation": {"uri": "lambda_trust_policy.json", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 6, "startColumn": 20, "endLine": 6, "endColumn": 52},
            },
        }
    ]


def test_output_is_the_same_bytes_every_time_and_names_no_absolute_path(project: Project) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "b/policy.json")
    project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "a/roles.yaml")
    project.copy(CASES / "broken_policy_missing_comma.json", "a/broken.json")
    first = render_sarif(project.scan_result(), project.scan_result().findings, True)
    second = render_sarif(project.scan_result(), project.scan_result().findings, True)
    assert first == second
    write_and_validate(first, project.root)
    assert str(project.root) not in first
    assert '"uri": "/' not in first and '"uri": ".' not in first


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("templates/roles.yaml", "templates/roles.yaml"),
        ("envs/prod account/trust.json", "envs/prod%20account/trust.json"),
        ("50%/a#b.json", "50%25/a%23b.json"),
        ("./x.json", "x.json"),
        ("a\\b.json", "a/b.json"),
    ],
)
def test_artifact_uri_is_a_relative_uri_with_forward_slashes(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


@pytest.mark.parametrize("path", ["../outside.json", "/etc/passwd", "a/../../b.json"])
def test_artifact_uri_refuses_paths_outside_the_root(path: str) -> None:
    with pytest.raises(ValueError, match="not inside the project root"):
        artifact_uri(path)


def test_cli_writes_sarif_to_the_output_file_and_exits_by_fail_on(project: Project) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "policies/open.json")
    completed = run_trustlint("scan", "--format", "sarif", "-o", "out.sarif", cwd=project.root)
    assert (completed.returncode, completed.stdout, completed.stderr) == (1, "", "")
    run = only_run(validate_sarif(project.root / "out.sarif", project.root))
    assert [r["ruleId"] for r in run["results"]] == ["TL001"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "policies/open.json"
    )


def test_baseline_counts_and_stale_entries_are_run_properties(project: Project) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "open.json")
    project.copy(CASES / "lambda_trust_policy.json", "lambda.json")
    [accepted] = project.scan()
    stale = {"fingerprint": "0" * 32, "rule": "TL001", "path": "gone.json", "resource": "x"}
    baseline = {accepted.fingerprint: {"fingerprint": accepted.fingerprint}, "0" * 32: stale}
    result = run_scan(ScanOptions(paths=(project.root,), baseline=baseline, use_cache=False))

    run = only_run(sarif_of(project, result))

    assert run["results"] == []
    assert run["properties"] == {"baseline": {"accepted": 1, "stale": [stale]}}
    assert run["invocations"][0]["toolConfigurationNotifications"] == [
        {
            "level": "note",
            "message": {
                "text": "1 baseline entry no longer matches any finding; "
                "rewrite the baseline with --write-baseline to prune"
            },
        }
    ]


def test_cli_sarif_with_a_stale_baseline_lists_the_entry(project: Project) -> None:
    project.copy(CASES / "wildcard_trust_policy.json", "open.json")
    [fixed] = project.scan()
    assert (
        run_trustlint("scan", "--write-baseline", "baseline.json", cwd=project.root).returncode == 0
    )
    project.copy(CASES / "lambda_trust_policy.json", "open.json")

    completed = run_trustlint(
        "scan",
        "--baseline",
        "baseline.json",
        "--format",
        "sarif",
        "-o",
        "out.sarif",
        cwd=project.root,
    )

    assert completed.returncode == 0
    run = only_run(validate_sarif(project.root / "out.sarif", project.root))
    stale = {
        "fingerprint": fixed.fingerprint,
        "message": fixed.message,
        "path": "open.json",
        "resource": fixed.resource,
        "rule": "TL001",
    }
    assert run["properties"] == {"baseline": {"accepted": 0, "stale": [stale]}}
    assert run["results"] == []


def test_each_result_is_written_on_a_line_of_its_own(project: Project) -> None:
    """Encoded by the C encoder (Python's indenting one is pure Python, and slow on large logs)."""
    project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "roles.yaml")
    project.copy(CASES / "wildcard_trust_policy.json", "policy.json")
    result = project.scan_result()
    text = render_sarif(result, result.active)
    lines = text.splitlines()
    start = lines.index('      "results": [')
    end = lines.index("      ]", start)
    written = [json.loads(line.strip().removesuffix(",")) for line in lines[start + 1 : end]]
    assert written == only_run(sarif_of(project, result))["results"]
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in written
    ] == [
        ("TL001", 7),
        ("TL001", 11),
    ]
