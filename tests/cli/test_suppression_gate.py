"""A suppression or a selection never makes the gate pass by accident (SPEC section 10).

A typo in a rule id, an id that does not exist, or a comment form trustlint
does not read suppresses nothing and is reported as a TL000 note; `--select`
and `--ignore` never hide a file that cannot be parsed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import run_trustlint
from conftest import FIXTURES, Project

from trustlint import suppressions
from trustlint.model import Suppression

CASES = FIXTURES / "cli" / "suppressions"


def scan_copy(tmp_path: Path, name: str, *args: str) -> tuple[int, list[str]]:
    shutil.copy(CASES / name, tmp_path / name)
    done = run_trustlint("scan", "--no-cache", name, *args, cwd=tmp_path)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout.splitlines()


@pytest.mark.parametrize(
    ("name", "note_at", "says"),
    [
        ("typo_rule_id.yaml", "9:13", "names TL01, which is not a rule id"),
        ("unknown_rule_id.yaml", "9:13", "names TL999, which is not a rule id"),
        ("typo_rule_id.tf", "3:3", "names TL01, which is not a rule id"),
        ("metadata_unknown_rule.json", "3:5", "names TL999, which is not a rule id"),
        ("spaced_marker.yaml", "9:13", "'trustlint: ignore' is not a form trustlint reads"),
    ],
)
def test_an_unreadable_suppression_suppresses_nothing_and_is_reported(
    tmp_path: Path, name: str, note_at: str, says: str
) -> None:
    code, lines = scan_copy(tmp_path, name)
    assert code == 1
    notes = [line for line in lines if line.startswith(f"{name}:{note_at}: TL000 note ")]
    assert len(notes) == 1 and says in notes[0]
    wildcard = [line for line in lines if " TL001 error Role " in line]
    assert len(wildcard) == 1, lines


def test_a_valid_suppression_still_suppresses(tmp_path: Path) -> None:
    code, lines = scan_copy(tmp_path, "valid_suppression.yaml")
    assert code == 0
    assert lines == ["0 findings (0 errors, 0 warnings, 0 notes) in 1 file; 1 suppressed."]


@pytest.mark.parametrize("selection", [("--select", "TL001"), ("--ignore", "TL000")])
def test_select_and_ignore_never_hide_a_parse_error(
    tmp_path: Path, selection: tuple[str, str]
) -> None:
    code, lines = scan_copy(tmp_path, "merge_conflict.yaml", *selection)
    assert code == 1
    assert lines[0].startswith("merge_conflict.yaml:6:15: TL000 error cannot parse")


def test_each_suppression_is_judged_once(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    # Once to report it when it cannot be applied, once to apply it: one judgement.
    for name in ("valid_suppression.yaml", "typo_rule_id.yaml", "spaced_marker.yaml"):
        project.copy(CASES / name)
    judged: list[Suppression] = []
    judge = suppressions.unusable

    def counting(suppression: Suppression, known: frozenset[str]) -> str | None:
        judged.append(suppression)
        return judge(suppression, known)

    monkeypatch.setattr(suppressions, "unusable", counting)

    result = project.scan_result()

    assert sorted((s.location.path, s.location.line) for s in judged) == [
        ("spaced_marker.yaml", 9),
        ("typo_rule_id.yaml", 9),
        ("valid_suppression.yaml", 9),
    ]
    # and judged as before: the valid one applied, the other two reported.
    assert [(f.location.path, f.location.line) for f in result.suppressed] == [
        ("valid_suppression.yaml", 10)
    ]
    notes = [f for f in result.active if f.rule_id == "TL000"]
    assert [(f.location.path, f.location.line, f.location.column) for f in notes] == [
        ("spaced_marker.yaml", 9, 13),
        ("typo_rule_id.yaml", 9, 13),
    ]
