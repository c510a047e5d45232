"""The engine checks each unit as it is loaded, and keeps only what the trust graph needs.

The single-unit checks give on each unit alone what they give on the whole
project; a scan gives the same findings whether units are parsed here or in
workers, read from the cache or not, and whatever it keeps of them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

import trustlint.loading
from trustlint.cache import Sharing, dump_unit, load_model, load_unit
from trustlint.checks import GRAPH_RULES, CheckContext, graph_checks, unit_checks
from trustlint.config import LoadOptions
from trustlint.engine import ScanOptions, UnitChecks, load_project, run_scan
from trustlint.findings import Finding
from trustlint.loading import visit_units
from trustlint.project import Project

EXAMPLES = REPO / "examples"
RULE_FIXTURES = FIXTURES / "rules"
PARTIAL = FIXTURES / "cli" / "partial_scan"


@pytest.fixture
def rule_fixtures(tmp_path: Path) -> Path:
    """The rule fixtures, out of the repository (whose config leaves them out)."""
    copy = tmp_path / "rules"
    shutil.copytree(RULE_FIXTURES, copy)
    return copy


@pytest.fixture
def partial(tmp_path: Path) -> Path:
    copy = tmp_path / "partial_scan"
    shutil.copytree(PARTIAL, copy)
    return copy


def findings_of(project: Project) -> list[Finding]:
    context = CheckContext(project, strict=True)
    found = [f for check in unit_checks().values() for f in check(context)]
    return sorted(found, key=Finding.sort_key)


@pytest.mark.parametrize("tree", ["examples", "rule_fixtures"])
def test_single_unit_checks_find_on_each_unit_what_they_find_on_the_project(
    tree: str, rule_fixtures: Path
) -> None:
    whole = load_project((EXAMPLES if tree == "examples" else rule_fixtures,), None, False)
    each = [f for unit in whole.units for f in findings_of(Project([unit], whole.config))]
    assert sorted(each, key=Finding.sort_key) == findings_of(whole)
    assert len(each) >= 14


def test_the_graph_rules_are_the_ones_the_graph_checks_register() -> None:
    assert set(graph_checks()) == GRAPH_RULES
    assert not GRAPH_RULES & set(unit_checks())


def test_a_unit_outside_a_partial_scan_is_kept_for_the_graph_but_not_checked(
    partial: Path,
) -> None:
    whole = load_project((partial,), None, use_cache=False)
    rules = tuple(unit_checks())
    checked = [UnitChecks(whole.config, rules, False)(unit) for unit in whole.units]
    focused = UnitChecks(whole.config, rules, False, report_paths={"elsewhere.yaml"})
    skipped = [focused(unit) for unit in whole.units]
    assert [unit for unit, _ in skipped] == [unit for unit, _ in checked]
    assert [load_model(found) for _, found in skipped] == [[] for _ in whole.units]
    assert any(load_model(found) for _, found in checked)


def scan_examples(**settings: object) -> list[Finding]:
    return run_scan(ScanOptions(paths=(EXAMPLES,), **settings)).findings  # type: ignore[arg-type]


def test_a_scan_finds_the_same_parsing_here_in_workers_and_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(trustlint.loading, "_usable_cores", lambda: 2)
    monkeypatch.setattr(trustlint.loading, "PARALLEL_THRESHOLD", 10_000)
    here = scan_examples(use_cache=False)
    monkeypatch.setattr(trustlint.loading, "PARALLEL_THRESHOLD", 2)
    assert scan_examples(use_cache=False) == here
    assert scan_examples(use_cache=True) == here  # parsed in workers, and stored
    assert scan_examples(use_cache=True) == here  # read from the cache
    assert len(here) >= 14


def count_visits(
    root: Path, cache_dir: Path | None, focus: set[str] | None = None
) -> tuple[list[str], list[str]]:
    """Units visited, and the units returned, by `visit_units` over `root` (here, no pool)."""
    from trustlint.discover import discover

    visited: list[str] = []

    def visit(unit: object) -> tuple[object, str]:
        visited.append(unit.unit)  # type: ignore[attr-defined]
        return unit, "seen"

    found = discover([root], root, [])
    loaded = visit_units(
        found.files,
        found.terraform_dirs,
        root,
        LoadOptions(),
        visit=visit,  # type: ignore[arg-type]
        cache_dir=cache_dir,
        focus=focus,
    )
    assert all(result == "seen" for _, result in loaded)
    return sorted(visited), sorted(unit.unit for unit, _ in loaded)


@pytest.mark.parametrize("cached", [False, True], ids=["uncached", "cached"])
def test_every_unit_is_visited_once_and_a_partial_load_visits_only_the_related(
    tmp_path: Path, partial: Path, cached: bool
) -> None:
    cache_dir = tmp_path / "cache" if cached else None
    visited, returned = count_visits(partial, cache_dir)
    assert visited == returned
    assert len(visited) == len(set(visited)) >= 4
    focus = {"platform/trust_of_role_in_other_account.yaml"}
    visited, returned = count_visits(partial, cache_dir, focus=focus)
    assert visited == returned == ["app/role_without_any_grant.yaml", *focus]


def test_units_unpickled_with_sharing_are_equal_and_share_numbers_and_strings() -> None:
    units = load_project((EXAMPLES,), None, use_cache=False).units
    sharing = Sharing()
    shared = [load_unit(dump_unit(unit), sharing) for unit in units]
    assert shared == units
    lines = [role.resource.location.end_line for unit in shared for role in unit.roles]  # type: ignore[union-attr]
    big = [line for line in lines if line > 256]
    assert all(line is sharing.numbers[line] for line in big)
    effects = [
        statement.effect.value
        for unit in shared
        for role in unit.roles  # type: ignore[union-attr]
        if role.trust_policy is not None
        for statement in role.trust_policy.statements
        if statement.effect is not None
    ]
    assert len({id(effect) for effect in effects if effect == "Allow"}) == 1


def test_the_command_restores_the_garbage_collector_thresholds() -> None:
    import gc

    from trustlint.cli import main

    before = gc.get_threshold()
    assert main(["rules"]) == 0
    assert gc.get_threshold() == before
