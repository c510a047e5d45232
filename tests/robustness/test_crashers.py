"""Every input a fuzz harness (`fuzz/`) once crashed on, kept and replayed.

`tests/fixtures/robustness/crashers/<front-end>/` holds one file per crash,
named for what it shows. Each goes through the whole analysis of its
front-end (Terraform files are kept as `.hcl`, so that tools reading every
`.tf` fixture pass them by, and loaded as a module's `main.tf`); the YAML
loader's are read by both loaders and, when they are JSON, must read as
Python's `json` reads them.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hostile_support import ROBUSTNESS_FIXTURES
from pipeline_support import analyse

from trustlint.frontends.yaml_loader import LoadError, load_json, load_yaml
from trustlint.tree import LMap, to_plain

CRASHERS = ROBUSTNESS_FIXTURES / "crashers"


def crashers(front_end: str) -> list[Path]:
    directory = CRASHERS / front_end
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if path.is_file())


def ids(path: Path) -> str:
    return path.name


@pytest.mark.parametrize("path", crashers("cloudformation") + crashers("policy-json"), ids=ids)
def test_file_crashers_are_analysed_without_an_exception(tmp_path: Path, path: Path) -> None:
    target = tmp_path / path.name
    target.write_bytes(path.read_bytes())

    analyse([target], tmp_path)


@pytest.mark.parametrize("path", crashers("terraform"), ids=ids)
def test_terraform_crashers_are_analysed_without_an_exception(tmp_path: Path, path: Path) -> None:
    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_bytes(path.read_bytes())

    analyse([module], tmp_path)


@pytest.mark.parametrize("path", crashers("yaml-loader"), ids=ids)
def test_loader_crashers_load_or_fail_cleanly_and_json_reads_as_json(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    for load in (load_yaml, load_json):
        with contextlib.suppress(LoadError):
            load(text, path.name)
    if path.suffix == ".json":
        assert to_plain(load_json(text, path.name)) == json.loads(text)


def test_raw_line_separators_in_json_strings_are_characters_with_json_positions() -> None:
    text = '{"a\u0085b": "x\u2028y",\n "c": "\\ud83d\\ude00\u2029z"}'

    tree = load_json(text, "separators.json")

    assert isinstance(tree, LMap)
    assert to_plain(tree) == {"a\u0085b": "x\u2028y", "c": "\U0001f600\u2029z"}
    assert (tree.key_location("a\u0085b").line, tree.key_location("a\u0085b").column) == (1, 2)
    assert (tree.value_location("a\u0085b").line, tree.value_location("a\u0085b").column) == (1, 9)
    assert (tree.value_location("c").line, tree.value_location("c").column) == (2, 7)
    assert (tree.value_location("c").end_line, tree.value_location("c").end_column) == (2, 23)


def test_a_json_key_and_its_colon_may_be_on_different_lines() -> None:
    text = '{\n  "Statement"\n   : [\n 1, {"a"  \n\n   :  "b"}]\n}'

    tree = load_json(text, "colons.json")

    assert isinstance(tree, LMap)
    assert to_plain(tree) == {"Statement": [1, {"a": "b"}]}
    statement = tree["Statement"]
    assert (tree.key_location("Statement").line, tree.key_location("Statement").column) == (2, 3)
    assert (tree.value_location("Statement").line, tree.value_location("Statement").column) == (
        3,
        6,
    )
    inner = statement[1]
    assert (inner.value_location("a").line, inner.value_location("a").column) == (6, 7)
