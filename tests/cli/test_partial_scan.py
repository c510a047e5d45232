"""Partial scans (pre-commit passes the changed files): cross-file findings in those files.

The whole project is read, but only the units that can bear on findings in
the named files are loaded (`trustlint.graph.links.related`); a partial scan must
report exactly what a full scan reports for those files: every finding located
in them or with a related location in them.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, Project

from trustlint.config import LoadOptions, load_config
from trustlint.discover import discover
from trustlint.engine import ScanOptions, ScanResult, involved_paths, run_scan
from trustlint.findings import Finding
from trustlint.graph.links import Links, related
from trustlint.loading import load_units

PARTIAL = FIXTURES / "cli" / "partial_scan"
GRANT = "app/grant_on_role_whose_trust_does_not_admit_it.yaml"
TARGET = "platform/role_trusting_only_ec2.yaml"
TRUST = "platform/trust_of_role_in_other_account.yaml"
TRUSTED = "app/role_without_any_grant.yaml"
UNRELATED = "unrelated/wildcard_trust.yaml"


def scan(paths: tuple[Path, ...], *, use_cache: bool) -> ScanResult:
    return run_scan(ScanOptions(paths=paths, use_cache=use_cache))


def where(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return sorted(
        (f.rule_id, f.location.path, f.location.line, f.location.column) for f in findings
    )


@pytest.fixture
def cross_account(project: Project) -> Project:
    for entry in PARTIAL.iterdir():
        project.copy(entry)
    return project


@pytest.mark.parametrize("use_cache", [False, True], ids=["uncached", "cached"])
def test_partial_scan_of_the_granting_file_reports_tl004_located_in_it(
    cross_account: Project, use_cache: bool
) -> None:
    for _ in range(2):  # with the cache: a cold run, then a warm one
        result = scan((cross_account.root / GRANT,), use_cache=use_cache)
        assert where(result.active) == [("TL004", GRANT, 20, 27)]
        assert [unit.unit for unit in result.units] == [GRANT]


@pytest.mark.parametrize("use_cache", [False, True], ids=["uncached", "cached"])
def test_partial_scan_of_the_trusting_file_reports_tl005_located_in_it(
    cross_account: Project, use_cache: bool
) -> None:
    for _ in range(2):
        result = scan((cross_account.root / TRUST,), use_cache=use_cache)
        assert where(result.active) == [("TL005", TRUST, 12, 20)]


@pytest.mark.parametrize("use_cache", [False, True], ids=["uncached", "cached"])
def test_partial_scan_of_the_granted_role_reports_the_grant_its_trust_breaks(
    cross_account: Project, use_cache: bool
) -> None:
    # The TL004 that this role's trust causes is located at the grant, in another
    # file, with the trust as its related location: changing the trust alone must
    # still fail the hook (SPEC section 10).
    for _ in range(2):
        result = scan((cross_account.root / TARGET,), use_cache=use_cache)
        assert where(result.active) == [("TL004", GRANT, 20, 27)]
        (finding,) = result.active
        assert TARGET in {related.location.path for related in finding.related}


def test_full_scan_reports_every_file(cross_account: Project) -> None:
    result = scan((cross_account.root,), use_cache=True)
    assert where(result.active) == [
        ("TL001", UNRELATED, 11, 30),
        ("TL004", GRANT, 20, 27),
        ("TL005", TRUST, 12, 20),
    ]


def test_partial_scan_loads_the_units_the_file_names_and_no_other(
    cross_account: Project,
) -> None:
    root = cross_account.root
    config = load_config(root / ".trustlint.yaml")
    found = discover([root], root, [])
    for focus, expected in (
        (GRANT, [GRANT, TARGET]),
        (TRUST, [TRUSTED, TRUST]),
        (UNRELATED, [UNRELATED]),
    ):
        units = load_units(
            found.files,
            found.terraform_dirs,
            root,
            LoadOptions(),
            root.parent / "cache",
            focus={focus},
            account_for_path=config.account_for_path,
        )
        assert sorted(unit.unit for unit in units) == expected


# --- which units are related -------------------------------------------------------------


def links(
    path: str,
    *,
    defines: Collection[str] = (),
    mentions: Collection[str] = (),
    targets: Collection[str] = (),
    patterns: Collection[str] = (),
    accounts: Collection[str] = (),
    trusted_accounts: Collection[str] = (),
) -> Links:
    """A unit at `path` whose source states no account."""
    return Links(
        unit=path,
        paths=(path,),
        defines=frozenset(defines),
        mentions=frozenset(mentions),
        targets=frozenset(targets),
        patterns=tuple(sorted(patterns)),
        accounts=frozenset(accounts),
        trusted_accounts=frozenset(trusted_accounts),
    )


def chosen(units: list[Links], focus: str) -> list[str]:
    return [units[index].unit for index in related(units, {focus})]


def test_a_unit_defining_a_role_the_focused_grant_names_is_related() -> None:
    units = [
        links("grant.yaml", defines={"role:caller"}, mentions={"role:target"}),
        links("target.yaml", defines={"role:target"}),
        links("other.yaml", defines={"role:other"}),
    ]
    assert chosen(units, "grant.yaml") == ["grant.yaml", "target.yaml"]


def test_a_name_that_no_unit_defines_joins_nothing() -> None:
    units = [
        links("a.yaml", defines={"role:a"}, mentions={"policy:administratoraccess"}),
        links("b.yaml", defines={"role:b"}, mentions={"policy:administratoraccess"}),
    ]
    assert chosen(units, "a.yaml") == ["a.yaml"]


def test_a_role_two_steps_away_is_not_related() -> None:
    units = [
        links("a.yaml", defines={"role:a"}, mentions={"role:b"}),
        links("b.yaml", defines={"role:b"}, mentions={"role:c"}),
        links("c.yaml", defines={"role:c"}),
    ]
    assert chosen(units, "a.yaml") == ["a.yaml", "b.yaml"]


def test_groups_and_managed_policies_of_a_trusted_principal_are_followed_to_the_end() -> None:
    units = [
        links("trust.yaml", defines={"role:reader"}, mentions={"user:alice"}),
        links("alice.yaml", defines={"user:alice"}, mentions={"group:auditors"}),
        links("auditors.yaml", defines={"group:auditors"}, mentions={"policy:assume-reader"}),
        links("policy.yaml", defines={"policy:assume-reader"}),
        links("other.yaml", defines={"policy:unrelated"}),
    ]
    assert chosen(units, "trust.yaml") == [
        "trust.yaml",
        "alice.yaml",
        "auditors.yaml",
        "policy.yaml",
    ]


def test_the_definition_of_an_attachment_target_is_related() -> None:
    units = [
        links("policy.yaml", defines={"policy:assume-x"}),
        links("attach.yaml", mentions={"policy:assume-x", "role:worker"}, targets={"role:worker"}),
        links("worker.yaml", defines={"role:worker"}),
    ]
    assert chosen(units, "policy.yaml") == ["policy.yaml", "attach.yaml", "worker.yaml"]


def test_a_focused_grant_on_every_resource_relates_every_unit() -> None:
    units = [
        links("star.yaml", defines={"role:a"}, patterns={"*:*"}),
        links("b.yaml", defines={"role:b"}),
    ]
    assert chosen(units, "star.yaml") == ["star.yaml", "b.yaml"]


def test_a_focused_wildcard_relates_the_units_defining_what_it_matches() -> None:
    units = [
        links("grant.yaml", patterns={"role:app-*"}),
        links("app.yaml", defines={"role:app-x"}),
        links("db.yaml", defines={"role:db-x"}),
    ]
    assert chosen(units, "grant.yaml") == ["grant.yaml", "app.yaml"]


def test_organization_policies_are_related_to_every_scan() -> None:
    units = [links("a.yaml", defines={"role:a"}), Links("scp.yaml", ("scp.yaml",), universal=True)]
    assert chosen(units, "a.yaml") == ["a.yaml", "scp.yaml"]


def test_a_trusted_account_root_relates_the_units_that_may_be_in_that_account() -> None:
    units = [
        links("trust.yaml", defines={"role:r"}, trusted_accounts={"111111111111"}),
        links("export.json", defines={"role:x"}, accounts={"111111111111"}),
        links("unstated.yaml", defines={"role:y"}),
        Links(
            "other.json",
            ("other.json",),
            defines=frozenset({"role:z"}),
            accounts=frozenset({"222222222222"}),
            stated=True,
        ),
    ]
    assert chosen(units, "trust.yaml") == ["trust.yaml", "export.json", "unstated.yaml"]


def test_a_trusted_account_root_that_no_unit_is_in_relates_nothing() -> None:
    units = [
        links("trust.yaml", defines={"role:r"}, trusted_accounts={"111111111111"}),
        links("unstated.yaml", defines={"role:y"}),
    ]
    assert chosen(units, "trust.yaml") == ["trust.yaml"]


def test_a_focus_that_holds_no_unit_relates_nothing() -> None:
    assert chosen([links("a.yaml", defines={"role:a"})], "package.json") == []


# --- partial scans agree with full scans on a generated corpus ---------------------------


@pytest.mark.parametrize("seed", [11, 5])
def test_partial_scans_report_what_a_full_scan_reports_for_each_file(
    project: Project, seed: int
) -> None:
    generator = REPO / "bench" / "gen_corpus.py"
    corpus = project.root
    options = ["--count", "120", "--seed", str(seed), "--max-kb", "8", "--quiet", "--force"]
    subprocess.run([sys.executable, str(generator), "--out", str(corpus), *options], check=True)
    (corpus / ".git").mkdir()  # the project root partial scans load
    full = scan((corpus,), use_cache=True)
    expected: dict[str, list[Finding]] = defaultdict(list)
    for finding in full.active:
        for path in dict.fromkeys(involved_paths(finding)):
            expected[path].append(finding)
    assert {f.rule_id for f in full.active} >= {"TL001", "TL004"}
    files = sorted(
        path.relative_to(corpus).as_posix()
        for path in corpus.rglob("*")
        if path.is_file() and ".git" not in path.parts
    )
    for relative in files:
        partial = scan((corpus / relative,), use_cache=True)
        assert sorted(partial.active, key=Finding.sort_key) == sorted(
            expected.get(relative, []), key=Finding.sort_key
        ), relative
