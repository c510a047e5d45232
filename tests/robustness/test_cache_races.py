"""The parse cache under concurrent rewrites: an entry always holds the parse of its key's bytes.

A file rewritten while a cached scan reads it (an editor's in-place save, a
formatter, a checkout and back) can be read empty or partial although it
holds the same bytes before and after. The entry must then be keyed by the
bytes that were parsed, or not stored at all: never the partial parse under
the whole file's key, which every later cached scan would trust.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustlint.config import LoadOptions
from trustlint.frontends import dispatch
from trustlint.loading import load_units
from trustlint.model import SourceUnit

OPTIONS = LoadOptions()


def trust_policy(index: int, statements: int = 1) -> str:
    wildcard = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    scoped = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{100000000000 + index}:root"},
        "Action": "sts:AssumeRole",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [wildcard] + [scoped] * statements})


def aged(path: Path) -> Path:
    """Date a file back: the cache hashes recently changed files again on every run."""
    past = time.time() - 60
    os.utime(path, (past, past))
    return path


@given(
    cut=st.floats(min_value=0.0, max_value=1.0),
    statements=st.integers(min_value=1, max_value=30),
)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_file_rewritten_during_its_parse_never_leaves_a_wrong_entry(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    cut: float,
    statements: int,
) -> None:
    """The parse reads a prefix of the file, which holds its whole bytes again afterwards."""
    root = tmp_path_factory.mktemp("project")
    cache_dir = root.parent / f"{root.name}-cache"
    whole = trust_policy(1, statements).encode()
    path = root / "trust.json"
    path.write_bytes(whole)
    aged(path)
    expected = load_units([path], [], root, OPTIONS, None)

    load_file = dispatch.load_file

    def read_while_rewritten(file: Path, project: Path, options: LoadOptions) -> SourceUnit | None:
        # The writer has truncated the file and written part of it when the parse reads it...
        file.write_bytes(whole[: int(len(whole) * cut)])
        try:
            return load_file(file, project, options)
        finally:
            # ...and has finished by the time the parse is over: the same bytes as before.
            file.write_bytes(whole)
            aged(file)

    with monkeypatch.context() as patched:
        patched.setattr(dispatch, "load_file", read_while_rewritten)
        load_units([path], [], root, OPTIONS, cache_dir)
    assert load_units([path], [], root, OPTIONS, cache_dir) == expected


# --- the command, with a writer rewriting files during parallel cached scans --------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for index in range(12):
        aged_write(root / f"role{index:02}.json", trust_policy(index).encode())
    aged_write(root / "large.json", trust_policy(99, 2000).encode())
    return root


def aged_write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    aged(path)


def scan(project: Path, cache_dir: Path | None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=str(REPO))
    arguments = ["--format", "json", "--fail-on", "error"]
    if cache_dir is None:
        arguments.append("--no-cache")
    else:
        environment["TRUSTLINT_CACHE_DIR"] = str(cache_dir)
    return subprocess.run(
        [sys.executable, "-m", "trustlint", "scan", ".", *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cached_scans_during_rewrites_leave_a_cache_that_agrees_with_no_cache(
    project: Path, tmp_path: Path
) -> None:
    caches = [tmp_path / f"cache{index}" for index in range(4)]
    expected = scan(project, None)
    assert expected.returncode == 1, expected.stderr  # the "*" trusts are errors
    with rewriting(project):
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            running = [
                subprocess.Popen(
                    [sys.executable, "-m", "trustlint", "scan", ".", "--format", "json"],
                    cwd=project,
                    env=dict(os.environ, PYTHONPATH=str(REPO), TRUSTLINT_CACHE_DIR=str(cache)),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for cache in caches[:2]
            ]
            for process in running:
                process.wait(timeout=120)
            caches.append(caches.pop(0))
    for cache in caches:
        if not cache.exists():
            continue
        cached = scan(project, cache)
        assert (cached.returncode, json.loads(cached.stdout)) == (
            expected.returncode,
            json.loads(expected.stdout),
        ), f"the cache {cache.name} disagrees with --no-cache"


@contextlib.contextmanager
def rewriting(project: Path) -> Iterator[None]:
    """Rewrites every file with its own bytes in a loop, as an in-place save does."""
    contents = {path: path.read_bytes() for path in sorted(project.iterdir())}
    done = threading.Event()

    def rewrite() -> None:
        while not done.is_set():
            for path, data in contents.items():
                with open(path, "wb") as stream:  # truncates, then writes in two steps
                    stream.write(data[: len(data) // 2])
                    stream.flush()
                    time.sleep(0.001)
                    stream.write(data[len(data) // 2 :])
                aged(path)

    thread = threading.Thread(target=rewrite, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
