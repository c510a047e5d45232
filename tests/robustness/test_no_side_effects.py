"""A scan writes its report and its cache, and nothing else; it never runs what it reads."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hostile_support import HOSTILE, add_fixture, new_project, run_cli, scan_project

HOSTILE_NAMES = sorted(path.name for path in HOSTILE.iterdir())
TERRAFORM_MODULE = (
    'resource "aws_iam_role" "open" {\n'
    '  name = "open"\n'
    "  assume_role_policy = jsonencode({\n"
    '    Version   = "2012-10-17"\n'
    '    Statement = [{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole" }]\n'
    "  })\n"
    "}\n"
)


def snapshot(*directories: Path) -> dict[str, tuple[int, int]]:
    """Every path under `directories`, with its size and modification time."""
    found: dict[str, tuple[int, int]] = {}
    for directory in directories:
        for path in (directory, *directory.rglob("*")):
            status = path.lstat()
            found[str(path)] = (status.st_size, status.st_mtime_ns)
    return found


def read_only_project(tmp_path: Path) -> Path:
    """Every hostile fixture, the good template and Terraform modules (enough sources
    to parse in a process pool), with every write permission removed."""
    root = new_project(tmp_path)
    for name in HOSTILE_NAMES:
        add_fixture(root, name)
    for index in range(24):
        module = root / "modules" / f"m{index:02d}"
        module.mkdir(parents=True)
        (module / "main.tf").write_text(TERRAFORM_MODULE, encoding="utf-8")
    for path in (root, *root.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return root


@pytest.fixture
def isolated(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A home, a cache directory and a temporary directory of the scan's own."""
    places = {name: tmp_path / name for name in ("home", "cache", "tmp")}
    for place in places.values():
        place.mkdir()
    yield places
    for path in (tmp_path, *tmp_path.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)


def test_scan_without_cache_writes_nothing_but_its_output(
    tmp_path: Path, isolated: dict[str, Path]
) -> None:
    root = read_only_project(tmp_path)
    before = snapshot(root, *isolated.values())

    run = run_cli(
        root,
        "scan",
        "--format",
        "sarif",
        "--no-cache",
        ".",
        home=isolated["home"],
        env={"TRUSTLINT_CACHE_DIR": str(isolated["cache"]), "TMPDIR": str(isolated["tmp"])},
    )

    assert run.returncode == 1, run.stderr
    assert '"ruleId": "TL001"' in run.stdout
    assert snapshot(root, *isolated.values()) == before


def test_scan_with_cache_writes_only_under_the_cache_directory(
    tmp_path: Path, isolated: dict[str, Path]
) -> None:
    root = read_only_project(tmp_path)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    before = snapshot(root, isolated["home"], isolated["tmp"])

    run = run_cli(
        root,
        "scan",
        "--format",
        "json",
        "-o",
        str(report),
        ".",
        home=isolated["home"],
        env={"TRUSTLINT_CACHE_DIR": str(isolated["cache"]), "TMPDIR": str(isolated["tmp"])},
    )

    assert run.returncode == 1, run.stderr
    assert run.stdout == ""
    assert '"rule": "TL001"' in report.read_text(encoding="utf-8")
    assert sorted(path.name for path in report.parent.iterdir()) == ["report.json"]
    assert snapshot(root, isolated["home"], isolated["tmp"]) == before
    assert any(path.is_file() for path in isolated["cache"].rglob("*"))


def test_python_tag_payloads_are_real_and_are_not_run_by_a_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: an unsafe YAML loader does run the payload and creates the file.
    control = tmp_path / "control"
    control.mkdir()
    monkeypatch.chdir(control)
    text = (HOSTILE / "python-tags.yaml").read_text(encoding="utf-8")
    apply_line = next(line for line in text.splitlines() if "Apply:" in line)
    yaml.load(apply_line.strip(), Loader=yaml.UnsafeLoader)
    assert (control / "pwned-by-apply").exists()

    root = new_project(tmp_path)
    add_fixture(root, "python-tags.yaml")
    add_fixture(root, "python-tags.json")
    scan_project(root)

    assert sorted(path.name for path in tmp_path.rglob("pwned*")) == ["pwned-by-apply"]


def test_cache_directory_that_cannot_be_written_does_not_fail_the_scan(
    tmp_path: Path, isolated: dict[str, Path]
) -> None:
    cache_file = isolated["cache"] / "not-a-directory"
    cache_file.write_text("", encoding="utf-8")
    root = new_project(tmp_path)

    run = run_cli(
        root,
        "scan",
        "--format",
        "json",
        ".",
        home=isolated["home"],
        env={"TRUSTLINT_CACHE_DIR": str(cache_file)},
    )

    assert run.returncode == 1, run.stderr
    assert [f["rule"] for f in run.findings] == ["TL001"]
    assert cache_file.read_text(encoding="utf-8") == ""
