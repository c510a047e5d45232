"""The project index: a warm one-file scan looks at what changed, and is never fooled.

After a run, a partial scan takes every unchanged source from the project
index (`trustlint.project_index`): it neither hashes nor looks up the others,
and of the related ones it reads what the graph needs. Every case below
changes the project behind the index's back and checks that the warm partial
scan reports exactly what an uncached one does.
"""

from __future__ import annotations

import marshal
import os
import re
import shutil
import subprocess
import sys
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, REPO, Project

from trustlint import loading
from trustlint.engine import ScanOptions, run_scan
from trustlint.findings import Finding
from trustlint.graph.sorted_table import SortedTable

PARTIAL = FIXTURES / "cli" / "partial_scan"
GRANT = "app/grant_on_role_whose_trust_does_not_admit_it.yaml"
TARGET = "platform/role_trusting_only_ec2.yaml"
UNRELATED = "unrelated/wildcard_trust.yaml"
FILLER = 30
"""Unrelated templates besides the fixture's: more than the pool threshold."""
SOURCES = FILLER + 6
"""With the fixture's five templates and its `.trustlint.yaml` (a candidate like any YAML)."""


def where(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return sorted(
        (f.rule_id, f.location.path, f.location.line, f.location.column) for f in findings
    )


def partial(root: Path, name: str, *, use_cache: bool = True) -> list[tuple[str, str, int, int]]:
    return where(run_scan(ScanOptions(paths=(root / name,), use_cache=use_cache)).active)


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust stat signatures of files written a moment ago (the tests write and rescan at once)."""
    monkeypatch.setattr("trustlint.cache.RACY_SECONDS", 0)


@pytest.fixture
def repository(project: Project, settled_at_once: None) -> Project:
    for entry in PARTIAL.iterdir():
        project.copy(entry)
    for number in range(FILLER):
        project.write(
            f"team{number % 3}/service_{number:02d}.yaml",
            ROLE.format(name=f"service-{number:02d}", service="lambda.amazonaws.com"),
        )
    return project


ROLE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {name}
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: {service}}}
            Action: sts:AssumeRole
"""


@pytest.fixture
def looked_up(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The sources a run looks up one by one in the parse cache."""
    seen: list[str] = []
    original = loading._look_up

    def counting(slot: loading._Slot, *args: object, **kwargs: object) -> None:
        seen.append(slot.source.relative)
        original(slot, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "_look_up", counting)
    yield seen


def test_a_warm_partial_scan_looks_up_only_what_changed(
    repository: Project, looked_up: list[str]
) -> None:
    root = repository.root
    expected = partial(root, GRANT, use_cache=False)
    assert expected == [("TL004", GRANT, 20, 27)]
    partial(root, GRANT)  # cold: every source is looked up, and the index written
    assert len(looked_up) == SOURCES
    looked_up.clear()
    assert partial(root, GRANT) == expected
    assert looked_up == []
    (root / UNRELATED).write_text((root / UNRELATED).read_text() + "\n")
    assert partial(root, GRANT) == expected
    assert looked_up == [UNRELATED]


def test_a_full_scan_writes_the_index_a_partial_scan_then_uses(
    repository: Project, looked_up: list[str]
) -> None:
    root = repository.root
    run_scan(ScanOptions(paths=(root,)))
    looked_up.clear()
    assert partial(root, TARGET) == [("TL004", GRANT, 20, 27)]
    assert looked_up == []


def test_the_trust_edited_in_place_is_read_again(repository: Project) -> None:
    root = repository.root
    assert partial(root, TARGET) == [("TL004", GRANT, 20, 27)]
    target = root / TARGET
    fixed = target.read_text().replace(
        "Principal: {Service: ec2.amazonaws.com}",
        "Principal: {AWS: arn:aws:iam::111111111111:role/caller}",
    )
    target.write_text(fixed)
    warm = partial(root, TARGET)
    assert warm == partial(root, TARGET, use_cache=False)
    assert [rule for rule, *_ in warm] == ["TL002"]  # the grant works now: no TL004


def test_a_same_size_rewrite_with_the_old_mtime_is_still_seen(repository: Project) -> None:
    # Size and mtime can be put back; the inode change time cannot.
    root = repository.root
    grant = root / GRANT
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]
    before = grant.stat()
    text = grant.read_text()
    changed = text.replace("role/deploy-target", "role/deploy-targex")
    assert len(changed) == len(text)
    grant.write_text(changed)
    os.utime(grant, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert partial(root, GRANT) == partial(root, GRANT, use_cache=False)
    assert partial(root, GRANT) != [("TL004", GRANT, 20, 27)]


def test_a_grant_added_in_a_new_directory_is_found(
    repository: Project, looked_up: list[str]
) -> None:
    root = repository.root
    assert partial(root, TARGET) == [("TL004", GRANT, 20, 27)]
    second = repository.copy(root / GRANT, "late/second_grant.yaml")
    second.write_text(second.read_text().replace("RoleName: caller", "RoleName: caller-two"))
    expected = partial(root, TARGET, use_cache=False)
    assert ("TL004", "late/second_grant.yaml", 20, 27) in expected
    looked_up.clear()
    assert partial(root, TARGET) == expected
    assert looked_up == ["late/second_grant.yaml"]  # the tree is walked again, not re-read


def test_a_removed_grant_drops_its_finding(repository: Project) -> None:
    root = repository.root
    assert partial(root, TARGET) == [("TL004", GRANT, 20, 27)]
    (root / GRANT).unlink()
    assert partial(root, TARGET) == partial(root, TARGET, use_cache=False) == []


def test_a_renamed_directory_is_walked_again(repository: Project) -> None:
    root = repository.root
    assert partial(root, TARGET) == [("TL004", GRANT, 20, 27)]
    shutil.move(root / "app", root / "apps")
    moved = GRANT.replace("app/", "apps/", 1)
    assert partial(root, TARGET) == partial(root, TARGET, use_cache=False)
    assert partial(root, TARGET) == [("TL004", moved, 20, 27)]


def test_a_file_replaced_by_renaming_over_it_is_read_again(repository: Project) -> None:
    # Editors save by writing a new file and renaming it over the old one.
    root = repository.root
    assert partial(root, TARGET) == [("TL004", GRANT, 20, 27)]
    grant = root / GRANT
    replacement = grant.with_name("grant.tmp")
    replacement.write_text(grant.read_text().replace("role/deploy-target", "role/other"))
    os.replace(replacement, grant)
    assert partial(root, TARGET) == partial(root, TARGET, use_cache=False) == []


def test_a_damaged_index_is_ignored_and_rewritten(
    repository: Project, looked_up: list[str], tmp_path: Path
) -> None:
    root = repository.root
    partial(root, GRANT)
    (index,) = (tmp_path / "cache" / "index").glob("*-project-*")
    data = bytearray(index.read_bytes())
    data[len(data) // 2] ^= 0xFF
    index.write_bytes(bytes(data))
    looked_up.clear()
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]
    assert len(looked_up) == SOURCES  # nothing was taken from it
    looked_up.clear()
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]
    assert looked_up == []  # the rewritten one is used


def test_a_truncated_index_is_ignored(repository: Project, tmp_path: Path) -> None:
    root = repository.root
    partial(root, GRANT)
    (index,) = (tmp_path / "cache" / "index").glob("*-project-*")
    index.write_bytes(index.read_bytes()[:100])
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]


def test_what_the_graph_reads_of_a_related_unit_is_kept(
    repository: Project, tmp_path: Path
) -> None:
    root = repository.root
    partial(root, GRANT)
    kept = list((tmp_path / "cache" / "units").glob("*-context"))
    assert len(kept) == 1  # the related unit (the granted role), not the focused one
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]


def test_a_changed_file_within_the_racy_window_is_not_trusted(
    repository: Project, looked_up: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repository.root
    partial(root, GRANT)
    monkeypatch.setattr("trustlint.cache.RACY_SECONDS", 3600)
    (root / UNRELATED).write_text((root / UNRELATED).read_text() + "\n")
    looked_up.clear()
    partial(root, GRANT)
    assert UNRELATED in looked_up
    looked_up.clear()
    partial(root, GRANT)
    assert UNRELATED in looked_up  # its new signature was too fresh to keep


def test_the_hook_command_gives_the_same_answer_warm(project: Project, tmp_path: Path) -> None:
    for entry in PARTIAL.iterdir():
        project.copy(entry)
    command = [sys.executable, "-m", "trustlint", "scan", "--format", "json", TARGET]
    environment = {**os.environ, "TRUSTLINT_CACHE_DIR": str(tmp_path / "cache")}
    environment["PYTHONPATH"] = str(REPO)
    runs = [
        subprocess.run(
            command, cwd=project.root, env=environment, capture_output=True, text=True, check=False
        )
        for _ in range(3)
    ]
    assert [run.returncode for run in runs] == [1, 1, 1]
    assert runs[0].stdout == runs[1].stdout == runs[2].stdout
    assert GRANT in runs[2].stdout
    assert list((tmp_path / "cache" / "index").glob("*-project-*"))


def index_files(tmp_path: Path) -> tuple[Path, Path]:
    (project,) = (tmp_path / "cache" / "index").glob("*-project-*")
    (links,) = (tmp_path / "cache" / "index").glob("*-links-*")
    return project, links


def test_an_edit_that_keeps_the_links_rewrites_only_the_small_file(
    repository: Project, tmp_path: Path
) -> None:
    root = repository.root
    partial(root, GRANT)
    project_file, links_file = index_files(tmp_path)
    links_before, project_before = links_file.read_bytes(), project_file.read_bytes()
    (root / UNRELATED).write_text((root / UNRELATED).read_text() + "# a comment\n")
    partial(root, GRANT)
    assert links_file.read_bytes() == links_before
    assert project_file.read_bytes() != project_before
    grant = root / GRANT
    grant.write_text(grant.read_text().replace("role/deploy-target", "role/auditor"))
    partial(root, GRANT)
    assert links_file.read_bytes() != links_before  # the grant names another role now


def test_a_link_index_from_another_write_is_not_used(
    repository: Project, looked_up: list[str], tmp_path: Path
) -> None:
    root = repository.root
    partial(root, GRANT)
    _, links_file = index_files(tmp_path)
    stale = links_file.read_bytes()
    grant = root / GRANT
    grant.write_text(grant.read_text().replace("role/deploy-target", "role/auditor"))
    partial(root, GRANT)
    links_file.write_bytes(stale)  # whole, but not the one the project file was written with
    looked_up.clear()
    assert partial(root, GRANT) == partial(root, GRANT, use_cache=False)
    assert len(looked_up) == SOURCES


def test_a_whole_index_of_the_wrong_shape_is_not_trusted(
    repository: Project, looked_up: list[str], tmp_path: Path
) -> None:
    from trustlint import project_index

    root = repository.root
    partial(root, GRANT)
    project_file, links_file = index_files(tmp_path)
    body, summaries = read_links(links_file)
    names, lengths, checksums, sharers, definers, _, by_account, universal, unstated = body
    # Well formed, and whole, but its path map lost every file.
    empty = SortedTable.of({}).dump()
    forged = (names, lengths, checksums, sharers, definers, empty, by_account, universal, unstated)
    links_data = project_index._encode_links(forged, summaries)
    links_file.write_bytes(links_data)
    index = project_index._decode(project_file.read_bytes())
    index["links_checksum"] = project_index._checksum(links_data)
    project_file.write_bytes(project_index._encode(index))
    looked_up.clear()
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]
    assert len(looked_up) == SOURCES


def read_links(links_file: Path) -> tuple[tuple[object, ...], bytes]:
    """The link file's marshalled index and its summaries."""
    from trustlint import project_index

    data = links_file.read_bytes()
    _, _, size = project_index._LINKS_HEADER.unpack_from(data)
    start = project_index._LINKS_HEADER.size
    return marshal.loads(data[start : start + size]), data[start + size :]


def test_debug_says_what_a_partial_scan_took_from_the_index(
    project: Project, tmp_path: Path
) -> None:
    for entry in PARTIAL.iterdir():
        project.copy(entry)
    command = [sys.executable, "-m", "trustlint", "scan", "--debug", GRANT]
    environment = {**os.environ, "TRUSTLINT_CACHE_DIR": str(tmp_path / "cache")}
    environment["PYTHONPATH"] = str(REPO)
    run = [
        subprocess.run(
            command, cwd=project.root, env=environment, capture_output=True, text=True, check=False
        )
        for _ in range(2)
    ][-1]
    assert run.returncode == 1
    # Files written a moment ago are looked up again (the racy window): how
    # many is up to the clock; what the index holds and relates is not.
    line = re.compile(
        rf"trustlint: debug: from the project index: 6 sources, \d looked up, 2 related to {GRANT}"
    )
    assert line.search(run.stderr), run.stderr


def forge_project_file(project_file: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the project file with `change` made to its columns, checksum and all."""
    from trustlint import project_index

    index = project_index._decode(project_file.read_bytes())
    change(index)
    project_file.write_bytes(project_index._encode(index))


def cut(name: str, size: int = 1) -> Callable[[dict[str, Any]], None]:
    def change(index: dict[str, Any]) -> None:
        index[name] = index[name][:-size]

    return change


def put(name: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(index: dict[str, Any]) -> None:
        index[name] = value

    return change


def no_checks_for_the_first(index: dict[str, Any]) -> None:
    counts = array("I")
    counts.frombytes(index["counts"])
    first = counts[0]
    counts[0], counts[1] = 0, counts[1] + first  # the totals agree; the first state has none
    index["counts"] = counts.tobytes()


def one_more_source(index: dict[str, Any]) -> None:
    index["sources"] += "extra.yaml\0"


@pytest.mark.parametrize(
    "change",
    [
        cut("sources", 2),
        one_more_source,
        cut("modules"),
        cut("locations"),
        cut("keys"),
        cut("key_lengths", 4),
        cut("counts", 4),
        no_checks_for_the_first,
        cut("checks", 2),
        cut("signatures", 32),
        cut("signatures"),
        cut("directories", 2),
        cut("directory_signatures", 32),
        cut("content_lengths", 4),
        cut("contents"),
        put("modules", b"\2" * SOURCES),
        put("extras", {"a.yaml": "not bytes"}),
        put("complete", 1),
        put("checks", b"bytes, not text\0"),
    ],
    ids=lambda change: getattr(change, "__name__", "change"),
)
def test_a_whole_project_file_whose_columns_disagree_is_not_trusted(
    repository: Project,
    looked_up: list[str],
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
) -> None:
    root = repository.root
    run_scan(ScanOptions(paths=(root,)))  # a full scan writes every directory and source
    project_file, _ = index_files(tmp_path)
    forge_project_file(project_file, change)
    looked_up.clear()
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]
    assert len(looked_up) == SOURCES  # nothing was taken from it
    looked_up.clear()
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]
    assert looked_up == []  # and it was written afresh


def summary_range(links_file: Path, source: str) -> tuple[int, int]:
    """Where in the link file the summary of `source` is."""
    from trustlint import project_index

    body, _ = read_links(links_file)
    names = str(body[0]).split("\0")[:-1]
    lengths = array("I")
    lengths.frombytes(body[1])  # type: ignore[arg-type]
    _, _, size = project_index._LINKS_HEADER.unpack_from(links_file.read_bytes())
    number = names.index(source)
    start = project_index._LINKS_HEADER.size + size + sum(lengths[:number])
    return start, start + lengths[number]


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_a_damaged_summary_of_a_related_source_is_not_trusted(
    repository: Project, looked_up: list[str], tmp_path: Path, damage: str
) -> None:
    # The summaries are read in part: each one is checked as it is read.
    root = repository.root
    partial(root, GRANT)
    _, links_file = index_files(tmp_path)
    start, end = summary_range(links_file, TARGET)
    data = bytearray(links_file.read_bytes())
    if damage == "flipped":  # still a summary, of other names
        summary = bytes(data[start:end])
        assert b"deploy-target" in summary
        data[start:end] = summary.replace(b"deploy-target", b"deploy-targex")
    else:
        del data[start + 1 :]
    links_file.write_bytes(bytes(data))
    looked_up.clear()
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]
    assert len(looked_up) == SOURCES
    looked_up.clear()
    assert partial(root, GRANT) == [("TL004", GRANT, 20, 27)]
    assert looked_up == []


def test_a_damaged_summary_no_run_reads_is_mended_when_the_links_change(
    repository: Project, looked_up: list[str], tmp_path: Path
) -> None:
    root = repository.root
    partial(root, GRANT)
    _, links_file = index_files(tmp_path)
    _, end = summary_range(links_file, UNRELATED)
    data = bytearray(links_file.read_bytes())
    data[end - 2] ^= 0x01
    links_file.write_bytes(bytes(data))
    grant = root / GRANT
    grant.write_text(grant.read_text().replace("role/deploy-target", "role/auditor"))
    # The grant's links changed: writing them back reads every summary, and
    # the damaged one makes the next run build the link index afresh.
    assert partial(root, GRANT) == partial(root, GRANT, use_cache=False)
    looked_up.clear()
    assert partial(root, UNRELATED) == partial(root, UNRELATED, use_cache=False)
    assert len(looked_up) == SOURCES
    looked_up.clear()
    assert partial(root, UNRELATED) == partial(root, UNRELATED, use_cache=False)
    assert looked_up == []


SOURCE_COLUMNS = (
    "sources",
    "modules",
    "locations",
    "keys",
    "key_lengths",
    "extras",
    "counts",
    "checks",
    "signatures",
)


def source_columns(project_file: Path) -> dict[str, object]:
    from trustlint import project_index

    index = project_index._decode(project_file.read_bytes())
    return {name: index[name] for name in SOURCE_COLUMNS}


def test_columns_patched_by_a_partial_scan_are_those_a_full_scan_writes(
    repository: Project, looked_up: list[str], tmp_path: Path
) -> None:
    root = repository.root
    run_scan(ScanOptions(paths=(root,)))
    for name in (UNRELATED, TARGET):  # one source in the middle of the walk, one elsewhere
        (root / name).write_text((root / name).read_text() + "# a comment\n")
    looked_up.clear()
    partial(root, GRANT)
    assert sorted(looked_up) == sorted([UNRELATED, TARGET])
    project_file, links_file = index_files(tmp_path)
    patched = source_columns(project_file)
    project_file.unlink()
    links_file.unlink()
    run_scan(ScanOptions(paths=(root,)))
    assert source_columns(index_files(tmp_path)[0]) == patched
