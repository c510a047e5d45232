"""Hostile file contents through the real command: each bad file is its own TL000.

Every project also holds a valid template with a wildcard trust, whose TL001
must still be reported; every scan must end within the time and memory
bounds of `hostile_support` and without a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import add_fixture, new_project, scan_project

from trustlint.frontends.yaml_loader import LoadError, load_yaml


def hostile_scan(
    tmp_path: Path, *fixtures: str, config: str = "", files: dict[str, bytes] | None = None
) -> list[tuple[str, str, int, int, str]]:
    """(rule, path, line, column, message) of every finding but the good template's,
    in a project holding the good template, `fixtures` and `files` (name -> bytes)."""
    root = new_project(tmp_path)
    for name in fixtures:
        add_fixture(root, name)
    for name, data in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    if config:
        (root / ".trustlint.yaml").write_text(config, encoding="utf-8")
    return scan_project(root).beside_the_good_template()


def test_file_over_the_configured_size_limit_is_tl000_and_not_read(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "oversize.yaml", config="limits:\n  max_file_size: 1024\n")

    assert findings == [
        (
            "TL000",
            "oversize.yaml",
            1,
            1,
            "cannot read oversize.yaml: file too large (1689 bytes, the limit is 1024 bytes)",
        )
    ]


def test_file_under_the_default_size_limit_is_analysed(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "oversize.yaml")

    assert [finding[:4] for finding in findings] == [("TL001", "oversize.yaml", 34, 24)]


def test_alias_bomb_is_tl000_at_the_first_alias_that_expands_too_far(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "alias-bomb.yaml")

    assert findings == [
        (
            "TL000",
            "alias-bomb.yaml",
            9,
            7,
            "cannot parse alias-bomb.yaml as YAML: document too large after expanding YAML "
            "aliases (possible alias bomb)",
        )
    ]


def test_recursive_alias_is_tl000(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "recursive-alias.yaml")

    assert findings == [
        (
            "TL000",
            "recursive-alias.yaml",
            3,
            9,
            "cannot parse recursive-alias.yaml as YAML: recursive YAML alias",
        )
    ]


def test_aliases_growing_a_small_file_into_a_large_document_are_tl000(tmp_path: Path) -> None:
    # 1 KB whose aliases expand to 1.5 million nodes: within the node limit,
    # far beyond what aliases may add to a file of that size.
    name = "aliases-repeating-a-large-value.yaml"
    findings = hostile_scan(tmp_path, name)

    assert findings == [
        (
            "TL000",
            name,
            20,
            8,
            f"cannot parse {name} as YAML: document too large after expanding YAML aliases "
            "(possible alias bomb)",
        )
    ]


def test_text_doubled_by_nested_joins_is_bounded_and_left_unknown(tmp_path: Path) -> None:
    # Twelve Fn::Join levels, each joining the one below twice: 4 MB of
    # principal, 49 MB built on the way; the text budget (40 MB) stops it.
    assert hostile_scan(tmp_path, "text-doubling.yaml") == []


def test_alias_expansion_is_bounded_by_the_configured_node_limit(tmp_path: Path) -> None:
    name = "aliases-expanding-to-7381-nodes.yaml"
    assert hostile_scan(tmp_path / "default", name) == []

    findings = hostile_scan(tmp_path / "limited", name, config="limits:\n  max_nodes: 1000\n")

    assert findings == [
        (
            "TL000",
            name,
            6,
            7,
            f"cannot parse {name} as YAML: document too large after expanding YAML aliases "
            "(possible alias bomb)",
        )
    ]


@pytest.mark.parametrize(
    ("name", "line", "column", "message"),
    [
        (
            "nested-too-deep.yaml",
            3,
            264,
            "cannot parse nested-too-deep.yaml as YAML: nesting deeper than 256 levels",
        ),
        (
            "nested-too-deep.json",
            3,
            272,
            "cannot parse nested-too-deep.json as JSON: nesting deeper than 256 levels",
        ),
        (
            "nested-too-deep-tf",
            2,
            265,
            "cannot parse nested-too-deep-tf/main.tf: nesting deeper than 256 levels",
        ),
        (
            "nested-beyond-the-parser.json",
            3,
            1015,
            "cannot parse nested-beyond-the-parser.json as JSON: exceeded maximum nesting depth",
        ),
    ],
)
def test_nesting_beyond_the_default_depth_is_tl000_at_the_first_level_too_deep(
    tmp_path: Path, name: str, line: int, column: int, message: str
) -> None:
    path = f"{name}/main.tf" if name.endswith("-tf") else name

    assert hostile_scan(tmp_path, name) == [("TL000", path, line, column, message)]


def test_nesting_is_bounded_by_the_configured_depth_in_yaml_json_and_hcl(tmp_path: Path) -> None:
    names = ("nested-20-levels.yaml", "nested-20-levels.json", "nested-20-levels-tf")
    assert hostile_scan(tmp_path / "default", *names) == []

    findings = hostile_scan(tmp_path / "limited", *names, config="limits:\n  max_depth: 16\n")

    assert findings == [
        (
            "TL000",
            "nested-20-levels-tf/main.tf",
            2,
            25,
            "cannot parse nested-20-levels-tf/main.tf: nesting deeper than 16 levels",
        ),
        (
            "TL000",
            "nested-20-levels.json",
            1,
            80,
            "cannot parse nested-20-levels.json as JSON: nesting deeper than 16 levels",
        ),
        (
            "TL000",
            "nested-20-levels.yaml",
            3,
            24,
            "cannot parse nested-20-levels.yaml as YAML: nesting deeper than 16 levels",
        ),
    ]


def test_depth_above_what_the_interpreter_supports_is_a_load_error_not_a_recursion_error() -> None:
    # 990 levels pass libyaml's own limit of 1000; building them would overflow
    # the Python stack, so a depth limit of 10000 cannot be honoured. The config
    # schema caps limits.max_depth at 300; the loader still fails cleanly.
    text = 'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  Deep: ' + "[" * 990 + "]" * 990

    with pytest.raises(LoadError) as raised:
        load_yaml(text, "nested-990-levels.yaml", max_depth=10000)

    assert raised.value.message == (
        "nesting too deep to read (limits.max_depth 10000 is more than the reader supports)"
    )


def test_intrinsics_nested_past_the_evaluation_limit_are_unknown_not_a_crash(
    tmp_path: Path,
) -> None:
    # 80 nested Fn::Join are 248 levels of JSON, inside the loader's limit,
    # and deeper than intrinsics are evaluated: the principal stays unknown.
    assert hostile_scan(tmp_path, "intrinsics-nested-too-deep.json") == []


def test_operator_chain_past_the_evaluation_limit_leaves_the_rest_of_the_module_analysed(
    tmp_path: Path,
) -> None:
    # An operator chain has no brackets for the nesting check to count: the
    # evaluator bounds it. (Written here: python-hcl2, which the parity tests
    # run on every fixture, overflows the stack on it.)
    chain = " + ".join(['"a"'] * 1000)
    module = (
        f"locals {{\n  long_name = {chain}\n}}\n\n"
        'resource "aws_iam_role" "chained" {\n'
        "  name = local.long_name\n"
        "  assume_role_policy = jsonencode({\n"
        '    Version   = "2012-10-17"\n'
        '    Statement = [{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole" }]\n'
        "  })\n"
        "}\n"
    )
    findings = hostile_scan(tmp_path, files={"chain/main.tf": module.encode()})

    assert [finding[:4] for finding in findings] == [("TL001", "chain/main.tf", 9, 50)]


def test_invalid_utf8_is_tl000_at_the_line_and_column_of_the_bad_byte(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "invalid-utf8.yaml")

    assert findings == [
        (
            "TL000",
            "invalid-utf8.yaml",
            4,
            10,
            "cannot read invalid-utf8.yaml: invalid UTF-8 at line 4, column 10 (byte e9): "
            "invalid continuation byte",
        )
    ]


def test_utf16_and_utf8_with_a_byte_order_mark_are_analysed(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "utf16-with-bom.yaml", "utf8-with-bom.yaml")

    assert [finding[:4] for finding in findings] == [
        ("TL001", "utf16-with-bom.yaml", 10, 24),
        ("TL001", "utf8-with-bom.yaml", 10, 24),
    ]


def test_utf16_without_a_byte_order_mark_is_tl000_as_binary(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "utf16-without-bom.json")

    assert findings == [
        (
            "TL000",
            "utf16-without-bom.json",
            1,
            1,
            "cannot read utf16-without-bom.json: binary file (NUL byte at offset 1)",
        )
    ]


def test_binary_files_with_candidate_extensions_are_tl000(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "binary.json", "binary.template")

    assert findings == [
        (
            "TL000",
            "binary.json",
            1,
            1,
            "cannot read binary.json: binary file (NUL byte at offset 8)",
        ),
        (
            "TL000",
            "binary.template",
            1,
            1,
            "cannot read binary.template: binary file (NUL byte at offset 0)",
        ),
    ]


def test_duplicate_keys_are_tl000_at_the_second_key(tmp_path: Path) -> None:
    # A policy with a duplicate key is broken; a template is read as
    # CloudFormation reads it (the last key wins, a warning) and checked.
    findings = hostile_scan(tmp_path, "duplicate-key.yaml", "duplicate-key.json")

    assert findings == [
        (
            "TL000",
            "duplicate-key.json",
            4,
            3,
            "cannot parse duplicate-key.json as JSON: duplicate key 'Statement' "
            "(first defined at line 3)",
        ),
        (
            "TL000",
            "duplicate-key.yaml",
            5,
            3,
            "duplicate key 'Twice': the value at line 3 is overridden by the one at line 5 "
            "(CloudFormation keeps the last)",
        ),
        (
            "TL001",
            "duplicate-key.yaml",
            14,
            24,
            'Role DupRole trusts every AWS principal ("*") and no condition restricts callers; '
            "name the trusted accounts or roles, or add Condition StringEquals "
            "aws:PrincipalOrgID with your organization id",
        ),
    ]


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    findings = hostile_scan(tmp_path, "python-tags.yaml", "python-tags.json")

    # The tagged values are read as plain data: a list where a principal
    # should be is an invalid policy, and no command ran.
    assert findings == [
        (
            "TL013",
            "python-tags.json",
            6,
            20,
            "trust policy python-tags.json has an invalid policy: Principal must be an object, "
            "not a list",
        ),
        (
            "TL013",
            "python-tags.yaml",
            16,
            24,
            "Role TaggedRole has an invalid policy: Principal must be an object, not a list",
        ),
    ]
    project = tmp_path / "project"
    assert sorted(path.name for path in project.rglob("pwned*")) == []
    assert sorted(path.name for path in Path.cwd().glob("pwned*")) == []


def test_thirty_sibling_conditionals_expand_within_bounds(tmp_path: Path) -> None:
    # 2**30 combinations if expanded naively; the first 32 that can deploy are read.
    name = "thirty-conditions.json"
    findings = hostile_scan(tmp_path, name)

    assert [finding[:4] for finding in findings] == [("TL001", name, 193, 42)]
    # The wildcard holds in every variant read, so no branch is named.
    assert findings[0][4].startswith('Role ManyRole trusts every AWS principal ("*")')


def test_statements_nested_in_statements_are_read_as_plain_data(tmp_path: Path) -> None:
    # Five conditions shared inside each of five nested `Statement` keys would
    # be 32**5 evaluations if each nested one were decided again.
    name = "statements-nested-in-statements.json"
    findings = hostile_scan(tmp_path, name)

    assert [finding[:4] for finding in findings] == [
        ("TL001", name, 43, 42),
        ("TL013", name, 119, 29),
    ]
    assert findings[1][4] == (
        "Role NestedRole has an invalid policy: unknown statement element 'Statement'"
    )
