"""Hostile file systems through the real command: links, modes, names, special files.

Links that loop or dangle are skipped without a word; links out of the
project are not followed; what cannot be read is TL000 naming the OS reason;
the good template beside them is still analysed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO
from hostile_support import (
    AS_NOBODY,
    CANNOT_CHANGE_USER,
    GOOD_FINDING,
    GOOD_TEMPLATE,
    CliRun,
    assert_bounded,
    new_project,
    run_cli,
    scan_project,
)

from trustlint.report.escaping import for_json


def test_symlink_loops_and_dangling_links_are_skipped_silently(tmp_path: Path) -> None:
    root = new_project(tmp_path)
    (root / "loop").symlink_to(".")
    (root / "good" / "parent").symlink_to("..")
    (root / "ping.yaml").symlink_to("pong.yaml")
    (root / "pong.yaml").symlink_to("ping.yaml")
    (root / "gone.yaml").symlink_to("nowhere.yaml")
    (root / "gone").symlink_to("no-such-directory")
    (root / "self.tf").symlink_to("self.tf")

    run = scan_project(root)

    assert run.beside_the_good_template() == []


def test_links_out_of_the_project_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copyfile(GOOD_TEMPLATE, outside / "elsewhere.yaml")
    root = new_project(tmp_path)
    (root / "elsewhere.yaml").symlink_to(outside / "elsewhere.yaml")
    (root / "elsewhere").symlink_to(outside)
    (root / "passwd.yaml").symlink_to("/etc/passwd")

    run = scan_project(root)

    assert run.beside_the_good_template() == []


def test_special_files_in_the_tree_are_skipped_without_blocking(tmp_path: Path) -> None:
    root = new_project(tmp_path)
    os.mkfifo(root / "pipe.yaml")
    (root / "zero.json").symlink_to("/dev/zero")

    run = scan_project(root)

    assert run.beside_the_good_template() == []


def test_a_special_file_named_explicitly_is_tl000(tmp_path: Path) -> None:
    root = new_project(tmp_path)
    os.mkfifo(root / "pipe.yaml")

    run = run_cli(root, "scan", "--format", "json", "--no-cache", "pipe.yaml", "good")

    assert_bounded(run)
    assert run.beside_the_good_template() == [
        ("TL000", "pipe.yaml", 1, 1, "cannot read pipe.yaml: not a regular file")
    ]


NOT_UTF8_TEMPLATE = os.fsdecode(b"caf\xe9.yaml")
NOT_UTF8_MODULE = os.fsdecode(b"m\xf6dule")
NOT_UTF8_POLICY = os.fsdecode(b"bad-\xff\xfe.json")
OPEN_TRUST_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}\n'
)
OPEN_TRUST_MODULE = """resource "aws_iam_role" "open" {
  name = "open"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }]
  })
}
"""


def project_with_names_that_are_not_utf8(tmp_path: Path) -> Path:
    root = new_project(tmp_path)
    (root / NOT_UTF8_TEMPLATE).write_bytes(GOOD_TEMPLATE.read_bytes())
    (root / NOT_UTF8_MODULE).mkdir()
    (root / NOT_UTF8_MODULE / "main.tf").write_text(OPEN_TRUST_MODULE, encoding="utf-8")
    (root / NOT_UTF8_POLICY).write_text(OPEN_TRUST_POLICY, encoding="utf-8")
    return root


def test_files_whose_names_are_not_utf8_are_checked_like_any_other(tmp_path: Path) -> None:
    root = project_with_names_that_are_not_utf8(tmp_path)

    run = scan_project(root)

    # JSON shows a byte that is not UTF-8 as `\xff` (`report/escaping.py`).
    assert run.located() == sorted(
        [
            ("TL001", for_json(NOT_UTF8_POLICY), 1, 82),
            ("TL001", for_json(NOT_UTF8_TEMPLATE), 10, 24),
            GOOD_FINDING,
            ("TL001", for_json(f"{NOT_UTF8_MODULE}/main.tf"), 4, 58),
        ]
    )


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif"])
def test_names_that_are_not_utf8_go_through_the_cache_into_every_format(
    tmp_path: Path, output_format: str
) -> None:
    root = project_with_names_that_are_not_utf8(tmp_path)
    cache = {"TRUSTLINT_CACHE_DIR": str(tmp_path / "cache")}
    outputs = []
    for cached in (False, True, True):  # uncached, cold cache, warm cache
        report = tmp_path / f"report-{len(outputs)}.{output_format}"
        arguments = ["scan", "--format", output_format, "-o", str(report), "."]
        if not cached:
            arguments.insert(1, "--no-cache")
        run = run_cli(root, *arguments, env=cache)
        assert_bounded(run)
        assert run.returncode == 1
        outputs.append(report.read_bytes().decode("utf-8"))  # valid UTF-8, or this raises
    assert outputs[0] == outputs[1] == outputs[2]
    if output_format == "json":
        paths = {finding["location"]["path"] for finding in json.loads(outputs[0])["findings"]}
        assert {"bad-\\xff\\xfe.json", "caf\\xe9.yaml", "m\\xf6dule/main.tf"} <= paths
    if output_format == "sarif":
        log = json.loads(outputs[0])
        assert list(_sarif_schema().iter_errors(log)) == []
        uris = {
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for result in log["runs"][0]["results"]
        }
        assert {"bad-%FF%FE.json", "caf%E9.yaml", "m%F6dule/main.tf"} <= uris


SARIF_SCHEMA = REPO / "tests" / "outputs" / "sarif-schema-2.1.0.json"


def _sarif_schema() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temporary directory that another user can enter (pytest's own is private)."""
    directory = Path(tempfile.mkdtemp(prefix="trustlint-modes-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        for path in directory.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o700 if path.is_dir() else 0o600)
        shutil.rmtree(directory)


def scan_with_modes_enforced(root: Path, home: Path) -> CliRun:
    """Scan as an ordinary user: as root, as `nobody` (skipped when that is not allowed)."""
    if os.geteuid() != 0:
        run = run_cli(root, home=home)
    else:
        run = run_cli(root, home=home, launcher=AS_NOBODY)
        if run.returncode == CANNOT_CHANGE_USER:
            pytest.skip("running as root and not allowed to become nobody")
    assert_bounded(run)
    assert GOOD_FINDING in run.located()
    return run


def readable_project(base: Path) -> Path:
    root = new_project(base)
    for path in (root, *root.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    home = base / "home"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    return root


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_unreadable_files_and_directories_are_tl000_with_the_os_reason(shared_tmp: Path) -> None:
    root = readable_project(shared_tmp)
    secret = root / "secret.yaml"
    shutil.copyfile(GOOD_TEMPLATE, secret)
    locked = root / "locked"
    locked.mkdir()
    shutil.copyfile(GOOD_TEMPLATE, locked / "hidden.yaml")
    module = root / "module"
    module.mkdir()
    (module / "main.tf").write_text(
        'resource "aws_iam_role" "open" {\n'
        '  name = "open"\n'
        "  assume_role_policy = jsonencode({\n"
        '    Version   = "2012-10-17"\n'
        '    Statement = [{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole" }]\n'
        "  })\n"
        "}\n",
        encoding="utf-8",
    )
    (module / "secret.tf").write_text('locals {\n  x = "y"\n}\n', encoding="utf-8")
    for path in (module, module / "main.tf"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    secret.chmod(0)
    (module / "secret.tf").chmod(0)
    locked.chmod(0)

    run = scan_with_modes_enforced(root, shared_tmp / "home")

    assert run.beside_the_good_template() == [
        (
            "TL000",
            "locked",
            1,
            1,
            "cannot read directory locked: Permission denied",
        ),
        ("TL000", "module/secret.tf", 1, 1, "cannot read module/secret.tf: Permission denied"),
        ("TL000", "secret.yaml", 1, 1, "cannot read secret.yaml: Permission denied"),
        ("TL001", "module/main.tf", 5, 50, run.messages("TL001", "module/main.tf")[0]),
    ]
    assert stat.S_IMODE(secret.stat().st_mode) == 0
