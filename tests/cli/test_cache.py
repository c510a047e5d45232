"""The parse cache and parallel loading: reuse, invalidation, damage, permissions, workers."""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

import trustlint.loading
from trustlint import cache
from trustlint.config import LoadOptions
from trustlint.frontends import dispatch
from trustlint.loading import Source, load_units
from trustlint.model import Location, ParseError, SourceUnit

PARTIAL = FIXTURES / "cli" / "partial_scan"
TEMPLATE = PARTIAL / "app" / "role_without_any_grant.yaml"
OPTIONS = LoadOptions()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    return project


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def age(*paths: Path) -> None:
    """Date files back, as in a repository: recent changes are always hashed again."""
    past = time.time() - 60
    for path in paths:
        os.utime(path, (past, past))


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    age(path)
    return path


def load(
    root: Path, cache_dir: Path | None, files: Sequence[Path] = (), dirs: Sequence[Path] = ()
) -> list[SourceUnit]:
    return load_units(files, dirs, root, OPTIONS, cache_dir)


class Counter:
    """Counts the front-end calls, passing them through."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[str] = []
        self.modules: list[str] = []
        load_file, load_terraform = dispatch.load_file, dispatch.load_terraform

        def counted_file(path: Path, root: Path, options: LoadOptions) -> SourceUnit | None:
            self.files.append(path.name)
            return load_file(path, root, options)

        def counted_module(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
            self.modules.append(directory.name)
            return load_terraform(directory, root, options)

        monkeypatch.setattr(dispatch, "load_file", counted_file)
        monkeypatch.setattr(dispatch, "load_terraform", counted_module)


def fake_module(reads: Sequence[str]) -> Callable[[Path, Path, LoadOptions], SourceUnit]:
    """A Terraform front-end whose module reads `reads` (project-relative) besides its own."""

    def load_terraform(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
        relative = directory.relative_to(root).as_posix()
        own = sorted(p.relative_to(root).as_posix() for p in directory.glob("*.tf"))
        text = "".join((root / path).read_text() for path in (*own, *reads))
        return SourceUnit(
            unit=relative,
            format="terraform",
            paths=(*own, *reads),
            notes=(text,),
        )

    return load_terraform


# --- reuse and invalidation --------------------------------------------------------------


def test_an_unchanged_file_is_loaded_from_the_cache_without_parsing(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write(root, "role.yaml", TEMPLATE.read_text())
    first = load(root, cache_dir, [template])
    calls = Counter(monkeypatch)
    second = load(root, cache_dir, [template])
    assert calls.files == []
    assert second == first
    assert [role.resource.address for role in second[0].roles] == ["AuditorRole"]


def test_a_file_that_is_not_iac_is_remembered_as_such(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = write(root, "package.json", '{"name": "web", "version": "1.0.0"}')
    assert load(root, cache_dir, [package]) == []
    calls = Counter(monkeypatch)
    assert load(root, cache_dir, [package]) == []
    assert calls.files == []


def test_a_changed_file_is_parsed_again(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write(root, "role.yaml", TEMPLATE.read_text())
    load(root, cache_dir, [template])
    write(root, "role.yaml", TEMPLATE.read_text().replace("auditor", "inspector"))
    calls = Counter(monkeypatch)
    (unit,) = load(root, cache_dir, [template])
    assert calls.files == ["role.yaml"]
    assert unit.roles[0].name.value == "inspector"


def test_a_file_changed_within_the_timestamp_granularity_is_still_seen(
    root: Path, cache_dir: Path
) -> None:
    # Same size, same mtime: only the content differs. Recently changed files
    # are hashed on every run, so the signature alone never hides this.
    template = root / "role.yaml"
    template.write_text(TEMPLATE.read_text())
    load(root, cache_dir, [template])
    before = template.stat()
    template.write_text(TEMPLATE.read_text().replace("auditor", "aud1tor"))
    os.utime(template, ns=(before.st_atime_ns, before.st_mtime_ns))
    (unit,) = load(root, cache_dir, [template])
    assert unit.roles[0].name.value == "aud1tor"


def test_a_module_is_parsed_again_when_a_file_it_read_elsewhere_changes(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "load_terraform", fake_module(["policies/trust.json"]))
    write(root, "app/main.tf", 'resource "aws_iam_role" "app" {}\n')
    write(root, "policies/trust.json", '{"Version": "2012-10-17"}')
    (first,) = load(root, cache_dir, dirs=[root / "app"])
    (again,) = load(root, cache_dir, dirs=[root / "app"])
    assert again == first
    write(root, "policies/trust.json", '{"Version": "2008-10-17"}')
    (changed,) = load(root, cache_dir, dirs=[root / "app"])
    assert "2008-10-17" in changed.notes[0]


def test_a_module_is_parsed_again_when_a_file_is_added_to_it(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dispatch, "load_terraform", fake_module([]))
    write(root, "app/main.tf", 'resource "aws_iam_role" "app" {}\n')
    (first,) = load(root, cache_dir, dirs=[root / "app"])
    write(root, "app/extra.tf", 'resource "aws_iam_role" "extra" {}\n')
    (second,) = load(root, cache_dir, dirs=[root / "app"])
    assert first.paths == ("app/main.tf",)
    assert second.paths == ("app/extra.tf", "app/main.tf")


def test_a_module_is_parsed_again_when_a_file_is_added_to_a_module_it_calls(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def calls_shared(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
        shared = sorted(p.relative_to(root).as_posix() for p in (root / "shared").glob("*.tf"))
        return SourceUnit(unit="app", format="terraform", paths=("app/main.tf", *shared))

    monkeypatch.setattr(dispatch, "load_terraform", calls_shared)
    write(root, "app/main.tf", 'module "shared" { source = "../shared" }\n')
    write(root, "shared/main.tf", 'resource "aws_iam_role" "a" {}\n')
    load(root, cache_dir, dirs=[root / "app"])
    write(root, "shared/more.tf", 'resource "aws_iam_role" "b" {}\n')
    (unit,) = load(root, cache_dir, dirs=[root / "app"])
    assert unit.paths == ("app/main.tf", "shared/main.tf", "shared/more.tf")


def test_other_load_options_do_not_share_entries(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write(root, "role.yaml", TEMPLATE.read_text())
    load(root, cache_dir, [template])
    calls = Counter(monkeypatch)
    load_units([template], [], root, LoadOptions(partition="aws-cn"), cache_dir)
    assert calls.files == ["role.yaml"]


# --- damage and hostile entries ----------------------------------------------------------


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "units").iterdir())


def test_a_truncated_entry_is_ignored_and_rewritten(root: Path, cache_dir: Path) -> None:
    template = write(root, "role.yaml", TEMPLATE.read_text())
    (expected,) = load(root, cache_dir, [template])
    (entry,) = entries(cache_dir)
    whole = entry.read_bytes()
    entry.write_bytes(whole[: len(whole) // 2])
    for index in (cache_dir / "index").iterdir():
        index.write_bytes(b"\x00garbage")
    assert load(root, cache_dir, [template]) == [expected]
    assert entry.read_bytes() == whole


def test_an_index_with_any_bit_flipped_is_rebuilt(root: Path, cache_dir: Path) -> None:
    files = [
        write(root, f"role{number}.yaml", TEMPLATE.read_text().replace("auditor", f"r{number}"))
        for number in range(3)
    ]
    expected = load(root, cache_dir, files)
    (index,) = (cache_dir / "index").iterdir()
    whole = index.read_bytes()
    for offset in range(len(whole)):
        damaged = bytearray(whole)
        damaged[offset] ^= 1 << (offset % 8)
        index.write_bytes(bytes(damaged))
        assert load(root, cache_dir, files) == expected, f"bit {offset % 8} of byte {offset}"
        rebuilt, original = cache._decode_index(index.read_bytes()), cache._decode_index(whole)
        assert {source: record[0] for source, record in rebuilt["records"].items()} == {
            source: record[0] for source, record in original["records"].items()
        }


@pytest.mark.parametrize(
    "dependencies",
    [("role.yaml",), (("role.yaml", "digest", "extra"),), ((1, "digest"),), 7],
)
def test_an_index_whole_but_of_the_wrong_shape_is_rebuilt(
    root: Path, cache_dir: Path, dependencies: object
) -> None:
    """Found by fuzz/fuzz_cache_index.py: a record's dependencies that are not pairs."""
    template = write(root, "role.yaml", TEMPLATE.read_text())
    expected = load(root, cache_dir, [template])
    (index,) = (cache_dir / "index").iterdir()
    data = cache._decode_index(index.read_bytes())
    data["records"] = {
        source: (key, dependencies, listings, summary)
        for source, (key, _, listings, summary) in data["records"].items()
    }
    index.write_bytes(cache._encode_index(data))
    assert load(root, cache_dir, [template]) == expected


def test_an_entry_naming_anything_but_model_classes_is_refused() -> None:
    class Hostile:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("echo owned",))

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        cache.load_unit(pickle.dumps(Hostile()))


def test_a_unit_survives_the_round_trip_through_an_entry() -> None:
    unit = SourceUnit(
        unit="a.json",
        format="policy-json",
        paths=("a.json",),
        errors=(ParseError("cannot parse", Location("a.json", 1, 2, 1, 3)),),
    )
    assert cache.load_unit(cache.dump_unit(unit)) == unit
    assert cache.load_unit(cache.dump_unit(None)) is None


# --- where the cache lives -----------------------------------------------------------------


def test_a_cache_path_below_a_regular_file_runs_uncached(root: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    template = write(root, "role.yaml", TEMPLATE.read_text())
    (unit,) = load(root, blocker / "cache", [template])
    assert unit.unit == "role.yaml"


def test_a_read_only_cache_is_used_without_storing(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write(root, "role.yaml", TEMPLATE.read_text())
    other = write(root, "other.yaml", TEMPLATE.read_text().replace("auditor", "other"))
    load(root, cache_dir, [template])

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    units = load(root, cache_dir, [template, other])
    assert [unit.unit for unit in units] == ["role.yaml", "other.yaml"]
    assert len(entries(cache_dir)) == 1


def test_a_new_cache_directory_is_private(root: Path, cache_dir: Path) -> None:
    load(root, cache_dir, [write(root, "role.yaml", TEMPLATE.read_text())])
    assert cache_dir.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("mode", [0o1777, 0o777, 0o770])
def test_a_cache_directory_others_can_write_is_refused_and_left_as_it_is(
    root: Path, cache_dir: Path, mode: int, capsys: pytest.CaptureFixture[str]
) -> None:
    cache_dir.mkdir()
    cache_dir.chmod(mode)
    (unit,) = load(root, cache_dir, [write(root, "role.yaml", TEMPLATE.read_text())])
    assert unit.unit == "role.yaml"
    assert cache_dir.stat().st_mode & 0o7777 == mode
    assert list(cache_dir.iterdir()) == []
    assert "writable by others; running uncached" in capsys.readouterr().err


def test_a_units_directory_others_can_write_is_refused(
    root: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = write(root, "role.yaml", TEMPLATE.read_text())
    (expected,) = load(root, cache_dir, [template])
    (cache_dir / "units").chmod(0o777)
    assert load(root, cache_dir, [template]) == [expected]
    assert (cache_dir / "units").stat().st_mode & 0o777 == 0o777
    assert "running uncached" in capsys.readouterr().err


def test_a_cache_directory_only_others_can_read_is_used_and_left_as_it_is(
    root: Path, cache_dir: Path
) -> None:
    cache_dir.mkdir()
    cache_dir.chmod(0o755)
    template = write(root, "role.yaml", TEMPLATE.read_text())
    load(root, cache_dir, [template])
    assert cache_dir.stat().st_mode & 0o777 == 0o755
    assert len(entries(cache_dir)) == 1


def test_a_cache_directory_of_another_user_is_refused(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache_dir.mkdir()
    monkeypatch.setattr(os, "getuid", lambda: cache_dir.stat().st_uid + 1)
    (unit,) = load(root, cache_dir, [write(root, "role.yaml", TEMPLATE.read_text())])
    assert unit.unit == "role.yaml"
    assert list(cache_dir.iterdir()) == []
    assert "not using the cache directory" in capsys.readouterr().err


def test_a_run_writing_over_a_tenth_of_the_cap_enforces_it_at_once(
    root: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write(root, "role.yaml", TEMPLATE.read_text())
    load(root, cache_dir, [template])  # prunes (never done before), marks the time
    old = cache_dir / "units" / "old-entry"
    old.write_bytes(b"x" * 20_000)
    os.utime(old, (1_000_000, 1_000_000))
    (entry,) = (path for path in entries(cache_dir) if path != old)
    monkeypatch.setattr(cache, "MAX_CACHE_BYTES", 5 * entry.stat().st_size)
    entry.unlink()
    load(root, cache_dir, [template])  # writes the entry again: over a tenth of the cap
    assert entries(cache_dir) == [entry]


def test_the_cache_is_kept_under_its_size_cap_least_recently_used_first(tmp_path: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    for number in range(10):
        entry = units / f"entry-{number}"
        entry.write_bytes(b"x" * 100)
        os.utime(entry, (1_000_000 + number, 1_000_000 + number))
    cache.prune(tmp_path, limit=500)
    assert sorted(path.name for path in units.iterdir()) == [
        "entry-6",
        "entry-7",
        "entry-8",
        "entry-9",
    ]


# --- concurrency ---------------------------------------------------------------------------


def _load_in_process(arguments: tuple[Path, Path, list[Path]]) -> list[SourceUnit]:
    root, cache_dir, files = arguments
    return load(root, cache_dir, files)


def test_concurrent_runs_share_one_cache_safely(root: Path, cache_dir: Path) -> None:
    files = [
        write(root, f"role{number}.yaml", TEMPLATE.read_text().replace("auditor", f"r{number}"))
        for number in range(12)
    ]
    expected = load(root, None, files)
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_load_in_process, [(root, cache_dir, files)] * 8)
    assert all(result == expected for result in results)
    assert load(root, cache_dir, files) == expected


# --- parallel parsing ----------------------------------------------------------------------


@pytest.fixture
def many_files(root: Path) -> list[Path]:
    return [
        write(root, f"role{number:02}.yaml", TEMPLATE.read_text().replace("auditor", f"r{number}"))
        for number in range(30)
    ]


@pytest.fixture
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trustlint.loading, "_usable_cores", lambda: 2)


@pytest.mark.usefixtures("two_workers")
def test_parallel_parsing_gives_the_serial_result_in_discovery_order(
    root: Path, many_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trustlint.loading, "PARALLEL_THRESHOLD", 1000)
    serial = load(root, None, many_files)
    monkeypatch.setattr(trustlint.loading, "PARALLEL_THRESHOLD", 2)
    parsed_here: list[int] = []
    parse_here = trustlint.loading._parse_here

    def record(slots: Sequence[object], root: Path, options: LoadOptions, *, record: bool) -> None:
        parsed_here.append(len(slots))
        parse_here(slots, root, options, record=record)  # type: ignore[arg-type]

    monkeypatch.setattr(trustlint.loading, "_parse_here", record)
    parallel = load(root, None, many_files)
    assert parsed_here == [0]  # every file went to the workers
    assert parallel == serial
    assert [unit.unit for unit in parallel] == [f"role{number:02}.yaml" for number in range(30)]


def crash_on_role07(
    sources: Sequence[Source], root: Path, options: LoadOptions, record: bool = False
) -> list[tuple[bytes | None, None]]:
    if any(source.relative == "role07.yaml" for source in sources):
        os._exit(1)  # a worker dying hard, as in a segfault
    return [(cache.dump_unit(source.load(root, options)), None) for source in sources]


@pytest.mark.usefixtures("two_workers")
def test_a_crashed_worker_loses_no_file(
    root: Path,
    many_files: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    serial = load(root, None, many_files)
    monkeypatch.setattr(trustlint.loading, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(trustlint.loading, "parse_chunk", crash_on_role07)
    caplog.set_level(logging.DEBUG, logger="trustlint.loading")
    assert load(root, None, many_files) == serial
    assert "a parse worker failed" in caplog.text


# --- the command -------------------------------------------------------------------------


def run_scan_command(arguments: Sequence[str], cwd: Path, cache_dir: Path) -> int:
    environment = dict(os.environ, TRUSTLINT_CACHE_DIR=str(cache_dir), PYTHONPATH=str(REPO))
    completed = subprocess.run(
        [sys.executable, "-m", "trustlint", "scan", *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        check=False,
    )
    return completed.returncode


def test_scan_fills_the_cache_and_no_cache_leaves_it_alone(root: Path, tmp_path: Path) -> None:
    write(root, "role.yaml", TEMPLATE.read_text())
    untouched = tmp_path / "untouched"
    assert run_scan_command(["--no-cache", "."], root, untouched) == 0
    assert not untouched.exists()
    used = tmp_path / "used"
    assert run_scan_command(["."], root, used) == 0
    assert len(entries(used)) == 1
