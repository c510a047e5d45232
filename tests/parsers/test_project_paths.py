"""`project_paths`: the one place a path becomes a project path, or a path shown from the cwd."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from trustlint.project_paths import (
    WorkingDirectoryPaths,
    named_project_paths,
    project_path,
    real_project_path,
)

NOT_UTF8 = os.fsdecode(b"r\xf4le.yaml")
"""A Latin-1 file name: `surrogateescape`d text, its bytes on disk."""


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses names that are not UTF-8")
def test_a_name_that_is_not_utf8_keeps_its_bytes(tmp_path: Path) -> None:
    (tmp_path / "cfn").mkdir()
    (tmp_path / "cfn" / NOT_UTF8).write_text("{}")
    named = tmp_path / "cfn" / NOT_UTF8

    assert project_path(named, tmp_path) == f"cfn/{NOT_UTF8}"
    assert real_project_path(named, tmp_path.resolve()) == f"cfn/{NOT_UTF8}"
    assert os.fsencode(project_path(named, tmp_path)) == b"cfn/r\xf4le.yaml"


def test_a_symlinked_file_is_named_as_reached_or_by_its_real_path(tmp_path: Path) -> None:
    # The walk lists a file reached both ways under its real name, so a file
    # named on the command line is matched by its real path.
    (tmp_path / "real.yaml").write_text("{}")
    (tmp_path / "alias.yaml").symlink_to(tmp_path / "real.yaml")

    assert project_path(tmp_path / "alias.yaml", tmp_path) == "alias.yaml"
    assert real_project_path(tmp_path / "alias.yaml", tmp_path.resolve()) == "real.yaml"
    # Named on the command line, it is reported under either name.
    assert named_project_paths(tmp_path / "alias.yaml", tmp_path.resolve()) == {
        "alias.yaml",
        "real.yaml",
    }


def test_paths_are_shown_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path.resolve()
    (root / "cfn").mkdir()
    (root / "tf").mkdir()
    monkeypatch.chdir(root / "cfn")
    shown = WorkingDirectoryPaths(root)

    assert shown("cfn/roles.yaml") == "roles.yaml"
    assert shown("tf/main.tf") == "../tf/main.tf"
    monkeypatch.chdir(root)
    assert WorkingDirectoryPaths(root)("cfn/roles.yaml") == "cfn/roles.yaml"
