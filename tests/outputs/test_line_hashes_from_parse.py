"""SARIF's `primaryLocationLineHash` comes from the bytes the scan parsed, carried by the units.

The loader hashes each file's lines where it reads them (`trustlint.line_hashes`);
the SARIF writer no longer reads the files again. The values are those
`line_hash.file_line_hashes` computes from the same bytes, which equal
upload-sarif's (`test_sarif_line_hash.py`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, Project
from test_sarif_line_hash import UPLOAD_SARIF_VECTORS

from trustlint import line_hashes
from trustlint.cache import dump_unit, load_unit
from trustlint.config import LoadOptions
from trustlint.engine import ScanOptions, ScanResult, run_scan
from trustlint.frontends import dispatch
from trustlint.frontends.dispatch import load_file, load_terraform
from trustlint.model import LineHashes, SourceUnit
from trustlint.report import sarif as sarif_report
from trustlint.report.line_hash import chosen_hashes, file_line_hashes
from trustlint.report.line_hash import line_hashes as text_line_hashes
from trustlint.report.sarif import render_sarif

CASES = FIXTURES / "outputs"
TWO_FILE_GRANT = FIXTURES / "graph" / "group_grant_not_admitted_by_trust"
"""A TL004 (a graph rule) at tools/users.yaml line 14; the trust is in prod/deploy_role.yaml."""


def every_line(path: Path) -> range:
    return range(1, path.read_bytes().count(b"\n") + 2)


@pytest.mark.parametrize(("text", "expected"), UPLOAD_SARIF_VECTORS)
def test_the_hashes_of_a_files_bytes_are_upload_sarifs_values(
    text: str, expected: list[str]
) -> None:
    found = chosen_hashes(text.encode("utf-8"), range(1, len(expected) + 1))
    assert {line: f"{value:x}:{count}" for line, value, count in found} == dict(
        enumerate(expected, start=1)
    )


ROLE_TF = """\
resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }]
  })
}
"""


def held_lines(table: LineHashes, path: Path) -> set[int]:
    return set(line_hashes.hashes(table, every_line(path)))


@pytest.mark.parametrize(
    "name",
    [
        "wildcard_trust_policy.json",
        "wildcard_roles_one_suppressed.yaml",
        "lambda_trust_policy.json",
    ],
)
def test_a_loaded_file_carries_the_hashes_of_its_lines_with_locations(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    shutil.copyfile(CASES / name, path)
    unit = load_file(path, tmp_path, LoadOptions(line_hashes=True))
    assert unit is not None
    [table] = unit.line_hashes
    assert table.path == name
    held = held_lines(table, path)
    assert 7 in held  # the principal of each fixture's trust policy
    assert line_hashes.hashes(table, held) == file_line_hashes(path, held)


def test_lines_nothing_is_read_from_are_not_held(tmp_path: Path) -> None:
    path = tmp_path / "roles.yaml"
    roles = (CASES / "wildcard_roles_one_suppressed.yaml").read_text(encoding="utf-8")
    bucket = "  Logs:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: logs\n"
    path.write_text(roles + bucket, encoding="utf-8")
    unit = load_file(path, tmp_path, LoadOptions(line_hashes=True))
    assert unit is not None
    [table] = unit.line_hashes
    held = held_lines(table, path)
    # The roles' lines (11: the `AWS: "*"` principal TL001 reports), not the
    # bucket's (the last four), nor line 2 (`Resources:`).
    assert 11 in held
    assert not held & {2, *every_line(path)[-5:-1]}
    assert line_hashes.hashes(table, held) == file_line_hashes(path, held)


def test_a_terraform_module_carries_the_hashes_of_each_of_its_files(tmp_path: Path) -> None:
    module = tmp_path / "tools"
    case = FIXTURES / "graph" / "cross_account_trust_of_role_without_grant"
    shutil.copytree(case / "tools", module)
    (module / "roles.tf").write_text(ROLE_TF, encoding="utf-8")
    unit = load_terraform(module, tmp_path, LoadOptions(line_hashes=True))
    tables = {table.path: table for table in unit.line_hashes}
    assert sorted(tables) == sorted(unit.paths) == ["tools/main.tf", "tools/roles.tf"]
    for relative, table in tables.items():
        held = held_lines(table, tmp_path / relative)
        assert held
        assert line_hashes.hashes(table, held) == file_line_hashes(tmp_path / relative, held)


def test_the_parse_cache_keeps_a_units_line_hashes(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    shutil.copyfile(CASES / "wildcard_trust_policy.json", path)
    unit = load_file(path, tmp_path, LoadOptions(line_hashes=True))
    assert unit is not None and unit.line_hashes
    restored = load_unit(dump_unit(unit))
    assert isinstance(restored, SourceUnit)
    assert restored.line_hashes == unit.line_hashes


def sarif_hashes(text: str) -> dict[tuple[str, int], str]:
    log: dict[str, Any] = json.loads(text)
    return {
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
        ): result["partialFingerprints"]["primaryLocationLineHash"]
        for result in log["runs"][0]["results"]
    }


def sarif_scan(project: Project) -> ScanResult:
    """A scan as `--format sarif` runs it: the line hashes taken while parsing."""
    return run_scan(ScanOptions(paths=(project.root,), use_cache=False, line_hashes=True))


def test_a_scan_for_other_formats_takes_no_line_hashes(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes((CASES / "wildcard_trust_policy.json").read_bytes())
    hashed = load_file(path, tmp_path, LoadOptions(line_hashes=True))
    unit = load_file(path, tmp_path, LoadOptions())
    assert hashed is not None and hashed.line_hashes
    assert unit is not None and unit.documents == hashed.documents
    assert unit.line_hashes == ()


def no_file_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, lines: object) -> dict[int, str]:
        raise AssertionError(f"{path} read again for its line hashes")

    monkeypatch.setattr(sarif_report, "file_line_hashes", refuse)


def test_sarif_takes_the_hashes_of_the_bytes_parsed_not_of_the_file_now(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unit finding and a graph finding (TL004), the file edited once the scan has read it."""
    for part in ("prod", "tools", ".trustlint.yaml"):
        project.copy(TWO_FILE_GRANT / part, part)
    project.copy(CASES / "wildcard_trust_policy.json", "policies/wildcard.json")
    result = sarif_scan(project)
    parsed = {
        path: text_line_hashes((project.root / path).read_text(encoding="utf-8"))
        for path in ("tools/users.yaml", "prod/deploy_role.yaml", "policies/wildcard.json")
    }
    for path in parsed:
        edited = project.root / path
        edited.write_text("# a line above\n" + edited.read_text(encoding="utf-8"))
    no_file_read(monkeypatch)

    written = sarif_hashes(render_sarif(result, result.active))

    assert {("tools/users.yaml", 14), ("policies/wildcard.json", 7)} <= set(written)
    for (path, line), value in written.items():
        assert value == parsed[path][line], (path, line)


def test_a_warm_cache_gives_the_same_hashes_without_reading_the_files(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.copy(CASES / "wildcard_roles_one_suppressed.yaml", "roles.yaml")
    project.copy(CASES / "wildcard_trust_policy.json", "policies/wildcard.json")
    options = ScanOptions(paths=(project.root,), use_cache=True, line_hashes=True)
    cold = run_scan(options)
    expected = sarif_hashes(render_sarif(cold, cold.active))
    assert len(expected) == 2

    no_file_read(monkeypatch)

    def not_parsed(*arguments: object) -> None:
        raise AssertionError("a file parsed again: the cache was not used")

    monkeypatch.setattr(dispatch, "load_file", not_parsed)
    warm = run_scan(options)
    assert all(unit.line_hashes for unit in warm.units)
    assert sarif_hashes(render_sarif(warm, warm.active)) == expected


def test_a_line_no_unit_holds_is_hashed_from_the_file(project: Project) -> None:
    path = project.copy(CASES / "wildcard_trust_policy.json", "policy.json")
    result = sarif_scan(project)
    [finding] = result.active
    # As if the unit had not been read in a worker: no line hashes.
    result.units = [
        SourceUnit(unit.unit, unit.format, unit.paths, line_hashes=()) for unit in result.units
    ]
    written = sarif_hashes(render_sarif(result, [finding]))
    assert written == {("policy.json", 7): text_line_hashes(path.read_text())[7]}
