"""Files named on the command line through a symlink are reported, in a git repository or not.

The walk of a project names a file it reaches both as itself and through a
link by its real path; a file named on its own keeps the name it was given.
Either way a file named explicitly is reported (`project_paths.named_project_paths`),
and a link met in the walk that leaves the project is still not followed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import run_trustlint
from conftest import FIXTURES

from trustlint.config import find_config
from trustlint.engine import git_root

OPEN_TRUST = FIXTURES / "robustness" / "good" / "open-trust.yaml"
"""A template whose wildcard trust is TL001 at line 10, column 24 (`Principal: "*"`)."""


@pytest.fixture
def linked_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`real.yaml` and `realdir/a.yaml` (each TL001), `link.yaml` and `linkdir` linking to them."""
    monkeypatch.setenv("TRUSTLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "project"
    (root / "realdir").mkdir(parents=True)
    shutil.copyfile(OPEN_TRUST, root / "real.yaml")
    shutil.copyfile(OPEN_TRUST, root / "realdir" / "a.yaml")
    (root / "link.yaml").symlink_to("real.yaml")
    (root / "linkdir").symlink_to("realdir")
    if git_root(root) is not None or find_config(root) is not None:
        pytest.skip("the temporary directory lies in a git repository or under a config file")
    return root


def located(root: Path, *args: str) -> tuple[int, list[tuple[str, str, int, int]]]:
    run = run_trustlint("scan", "--format", "json", *args, cwd=root)
    assert run.returncode in (0, 1), run.stderr
    findings = json.loads(run.stdout)["findings"]
    places = [
        (f["rule"], f["location"]["path"], f["location"]["line"], f["location"]["column"])
        for f in findings
    ]
    return run.returncode, sorted(places)


@pytest.mark.parametrize("in_git", [False, True], ids=["no-git", "git"])
@pytest.mark.parametrize("cache", [["--no-cache"], []], ids=["uncached", "cached"])
@pytest.mark.parametrize(
    ("named", "outside_git", "inside_git"),
    [
        (["link.yaml"], ["link.yaml"], ["real.yaml"]),
        (["linkdir/a.yaml"], ["linkdir/a.yaml"], ["realdir/a.yaml"]),
        # pre-commit-like: several files, one reached both ways
        (["link.yaml", "real.yaml"], ["link.yaml"], ["real.yaml"]),
        (
            ["link.yaml", "linkdir/a.yaml"],
            ["link.yaml", "linkdir/a.yaml"],
            ["real.yaml", "realdir/a.yaml"],
        ),
    ],
    ids=["file-link", "through-directory-link", "link-and-target", "two-links"],
)
def test_a_file_named_through_a_symlink_is_reported(
    linked_project: Path,
    *,
    in_git: bool,
    cache: list[str],
    named: list[str],
    outside_git: list[str],
    inside_git: list[str],
) -> None:
    if in_git:
        (linked_project / ".git").mkdir()  # what makes a git work tree for trustlint
    expected = [("TL001", path, 10, 24) for path in (inside_git if in_git else outside_git)]

    for _ in range(2 if not cache else 1):  # with the cache: a cold run, then a warm one
        assert located(linked_project, *cache, *named) == (1, expected)


def test_a_link_named_explicitly_is_followed_and_one_met_in_the_walk_out_of_the_project_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    shutil.copyfile(OPEN_TRUST, tmp_path / "outside" / "elsewhere.yaml")
    shutil.copyfile(OPEN_TRUST, root / "own.yaml")
    (root / "escape.yaml").symlink_to(tmp_path / "outside" / "elsewhere.yaml")

    # The walk (a partial scan reads the whole project) does not leave the project ...
    assert located(root, "--no-cache", "own.yaml") == (1, [("TL001", "own.yaml", 10, 24)])
    assert located(root, "--no-cache", ".") == (1, [("TL001", "own.yaml", 10, 24)])
    # ... but what the user names is read, as `grep -r` follows links named on its
    # command line (pre-commit never passes a symlink: the hook has `types: [file]`).
    # The root widens to hold the target, so paths are relative to `tmp_path`.
    assert located(root, "--no-cache", "escape.yaml") == (
        1,
        [("TL001", "project/escape.yaml", 10, 24)],
    )


def test_graph_of_a_file_named_through_a_symlink_draws_it(linked_project: Path) -> None:
    run = run_trustlint("graph", "--format", "json", "--no-cache", "link.yaml", cwd=linked_project)

    assert run.returncode == 0, run.stderr
    nodes = json.loads(run.stdout)["nodes"]
    assert [(node["label"], node["location"]) for node in nodes if node["kind"] == "role"] == [
        ("Role OpenRole", "link.yaml:3:3")
    ]
