"""Our YAML/JSON loader reads CloudFormation exactly as cfn-lint's decoder does.

Every CloudFormation fixture, every CloudFormation file under `examples/`, and
(when present) every template of `../shared/realworld` is read by both, and the
results must be equal, modulo these normalisations, each because the two
readers represent the same source differently, not because they disagree:

* Timestamps. cfn-lint builds a `datetime.date` for an unquoted
  `2012-10-17`; we keep the text, as CloudFormation does. They agree when
  YAML's own timestamp constructor turns our text into cfn-lint's value.
* Numeric mapping keys. cfn-lint keeps `2012:` as the int 2012; every key of
  the located tree is the key's text, so int keys compare as `str(key)`.
* Numbers in JSON files. cfn-lint reads JSON with its YAML 1.1 loader, for
  which `1e5` is a string; we read JSON numbers as JSON does. A cfn-lint
  string that is a JSON number equals our number of the same value.
* An empty document: cfn-lint returns `{}`, we return None.

Two realworld templates contain duplicate keys. cfn-lint rejects them (E0000
at each duplicate); we read them as CloudFormation does, the last key winning,
with a warning at each overriding key. Their parity is checked on the text with
each overridden key renamed, which both readers read without duplicates: ours
must equal cfn-lint's with the renamed keys left out.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfn_helpers import FIXTURES, REPOSITORY, load_file

from trustlint.config import LoadOptions
from trustlint.frontends.cloudformation import is_template, read_template
from trustlint.frontends.yaml_loader import DuplicateKey, LoadError, load_json, load_yaml
from trustlint.tree import to_plain

cfn_decode = pytest.importorskip("cfnlint.decode")

SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template"})
REALWORLD = REPOSITORY / ".." / "shared" / "realworld"
REALWORLD_TEMPLATE_DIRECTORIES = ("aws-cloudformation-templates", "cfn-lint-templates")
DUPLICATE_KEY_TEMPLATES = {
    "aws-cloudformation-templates/aws/services/ServiceCatalog/Portfolio.yaml": [
        ("Key", 191, 193),
        ("Value", 192, 194),
        ("Key", 193, 195),
        ("Value", 194, 196),
        ("Key", 195, 197),
        ("Value", 196, 198),
    ],
    "aws-cloudformation-templates/aws/solutions/CloudFrontCustomOriginLambda@Edge/"
    "CloudFront.yaml": [("EC2InstanceSGID", 804, 828)],
}
"""(key, overridden line, overriding line) of each duplicate, read by hand."""
_RENAMED = "RenamedDuplicate"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def _candidates(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def _fixture_files() -> list[Path]:
    # `loader/` holds files built to break loaders (alias bombs, duplicates).
    return [
        path
        for path in _candidates(FIXTURES)
        if "loader" not in path.relative_to(FIXTURES).parts and _looks_like_cloudformation(path)
    ]


def _looks_like_cloudformation(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    try:
        return is_template(load_file(path, path.name))
    except LoadError:
        template, _matches = cfn_decode.decode_str(text)
        return is_template(template)


def _example_files() -> list[Path]:
    return [p for p in _candidates(REPOSITORY / "examples") if _looks_like_cloudformation(p)]


def _realworld_files() -> list[Path]:
    return [
        path
        for directory in REALWORLD_TEMPLATE_DIRECTORIES
        for path in _candidates(REALWORLD / directory)
    ]


def _relative(path: Path, base: Path) -> str:
    return path.resolve().relative_to(base.resolve()).as_posix()


def _project_files() -> list[Any]:
    files = _fixture_files() + _example_files()
    return [pytest.param(p, id=_relative(p, REPOSITORY)) for p in files]


def _realworld_params() -> list[Any]:
    files = _realworld_files()
    if not files:
        return [
            pytest.param(
                None,
                id="realworld",
                marks=pytest.mark.skip(reason=f"realworld corpus not found at {REALWORLD}"),
            )
        ]
    return [pytest.param(p, id=_relative(p, REALWORLD), marks=pytest.mark.slow) for p in files]


def assert_same(ours: Any, theirs: Any, where: str, json_file: bool) -> None:
    """Equal values under the documented normalisations; `where` names the position."""
    if isinstance(theirs, datetime.date):
        assert isinstance(ours, str), f"{where}: {ours!r} is not a timestamp's text"
        node = yaml.ScalarNode(_TIMESTAMP_TAG, ours)
        assert yaml.constructor.SafeConstructor().construct_yaml_timestamp(node) == theirs, where
        return
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{where}: {ours!r} is not a mapping"
        keys = {_key_text(key): value for key, value in theirs.items()}
        assert sorted(ours) == sorted(keys), f"{where}: keys differ"
        for key, value in keys.items():
            assert_same(ours[key], value, f"{where}/{key}", json_file)
        return
    if isinstance(theirs, list):
        assert isinstance(ours, list), f"{where}: {ours!r} is not a list"
        assert len(ours) == len(theirs), f"{where}: lengths differ"
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(mine, other, f"{where}/{index}", json_file)
        return
    if json_file and isinstance(theirs, str) and _is_number(ours):
        assert json.loads(theirs) == ours, where
        return
    if isinstance(theirs, float) and math.isnan(theirs):
        assert isinstance(ours, float) and math.isnan(ours), where
        return
    assert type(ours) is _plain_type(theirs), f"{where}: {ours!r} vs {theirs!r}"
    assert ours == theirs, f"{where}: {ours!r} vs {theirs!r}"


def _key_text(key: Any) -> Any:
    return str(key) if isinstance(key, int) and not isinstance(key, bool) else key


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plain_type(value: Any) -> type:
    # cfn-lint's strings are `str` subclasses carrying marks.
    return str if isinstance(value, str) else type(value)


def assert_parity(path: Path, relative: str) -> None:
    text = path.read_text(encoding="utf-8")
    ours = to_plain(load_file(path, relative))
    theirs, matches = cfn_decode.decode_str(text)
    assert not matches, [str(m) for m in matches]
    if ours is None:
        ours = {}
    assert_same(ours, theirs, relative, json_file=text.lstrip().startswith(("{", "[")))


@pytest.mark.parametrize("path", _project_files())
def test_project_cloudformation_files_load_as_cfn_lint_decodes_them(path: Path) -> None:
    assert_parity(path, _relative(path, REPOSITORY))


@pytest.mark.parametrize("path", _realworld_params())
def test_realworld_templates_load_as_cfn_lint_decodes_them(path: Path) -> None:
    relative = _relative(path, REALWORLD)
    if relative in DUPLICATE_KEY_TEMPLATES:
        pytest.skip("duplicate keys: see test_realworld_duplicate_key_templates_keep_the_last")
    assert_parity(path, relative)


@pytest.mark.parametrize("path", _realworld_params())
def test_realworld_templates_read_without_errors(path: Path) -> None:
    relative = _relative(path, REALWORLD)
    duplicates: list[DuplicateKey] = []
    text = path.read_text(encoding="utf-8")
    load = load_json if text.lstrip().startswith(("{", "[")) else load_yaml
    tree = load(text, relative, duplicates=duplicates)
    if not is_template(tree):
        return  # Lambda test events and macro inputs stored beside the templates
    unit = read_template(tree, relative, text, LoadOptions(), duplicates=duplicates)
    # Notes say what is left unread (a nested stack's remote template);
    # warnings, the duplicate keys.
    assert [error for error in unit.errors if error.level == "error"] == []
    assert len([error for error in unit.errors if error.level == "warning"]) == len(
        DUPLICATE_KEY_TEMPLATES.get(relative, [])
    )


@pytest.mark.slow
@pytest.mark.parametrize(("relative", "expected"), sorted(DUPLICATE_KEY_TEMPLATES.items()))
def test_realworld_duplicate_key_templates_keep_the_last(
    relative: str, expected: list[tuple[str, int, int]]
) -> None:
    path = REALWORLD / relative
    if not path.is_file():
        pytest.skip(f"realworld corpus not found at {REALWORLD}")
    text = path.read_text(encoding="utf-8")
    duplicates: list[DuplicateKey] = []
    ours = load_yaml(text, relative, duplicates=duplicates)

    found = [(d.key, d.overridden.line, d.winner.line) for d in duplicates]
    assert found == expected
    _template, matches = cfn_decode.decode_str(text)
    assert {winner for _key, _first, winner in found} <= {m.linenumber for m in matches}
    renamed = _rename_keys(text, [d.overridden for d in duplicates])
    theirs, matches = cfn_decode.decode_str(renamed)
    assert not matches, [str(m) for m in matches]
    assert_same(to_plain(ours), _without_renamed(theirs), relative, json_file=False)


def _rename_keys(text: str, locations: list[Any]) -> str:
    """`text` with the key at each location renamed (unique per line)."""
    lines = text.split("\n")
    for location in locations:
        line = lines[location.line - 1]
        start, end = location.column - 1, location.end_column - 1
        lines[location.line - 1] = f"{line[:start]}{_RENAMED}{location.line}{line[end:]}"
    return "\n".join(lines)


def _without_renamed(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _without_renamed(value)
            for key, value in node.items()
            if not str(key).startswith(_RENAMED)
        }
    if isinstance(node, list):
        return [_without_renamed(item) for item in node]
    return node
