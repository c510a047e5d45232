"""Values of the wrong type in a policy or resource: TL013, TL000 or ignored, never a crash.

One template through the real command shows what each kind of mistake
gives; then every node of a template, of IAM exports and every attribute of
a Terraform module is replaced in turn by values of every other type, and
the whole analysis (front-end, checks, reporters) must take each one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_support import (
    GOOD_FINDING,
    ROBUSTNESS_FIXTURES,
    add_fixture,
    new_project,
    scan_project,
)
from pipeline_support import analyse

SHAPES = ROBUSTNESS_FIXTURES / "shapes"
WRONG_JSON_VALUES: tuple[Any, ...] = (None, 7, ["x"], {"k": "v"})
WRONG_HCL_VALUES = ("null", "7", '"text"', '["x"]', '{ k = "v" }')
_SINGLE_LINE_ATTRIBUTE = re.compile(r"^(?P<head>\s*\w+\s*=\s*)(?P<value>.+)$")


def test_each_kind_of_wrong_type_in_a_template_is_reported_or_ignored(tmp_path: Path) -> None:
    root = new_project(tmp_path)
    add_fixture(root, "wrong-types.yaml")

    run = scan_project(root)

    found = [
        (f["rule"], f["location"]["line"], f["location"]["column"], f["message"])
        for f in run.findings
        if f["location"]["path"] == "wrong-types.yaml"
    ]
    assert [(rule, line, column) for rule, line, column, _ in found] == [
        # Effect: 1, reported once
        ("TL013", 9, 21),
        # Condition: [...] is no condition at all, so the ExternalId is missing too
        ("TL002", 19, 30),
        ("TL013", 21, 24),
        # MaxSessionDuration: twelve hours
        ("TL006", 25, 27),
        # RoleName: {first: a, second: b} leaves the name to the deployment: nothing
        # null everywhere
        ("TL013", 50, 59),
        ("TL013", 52, 18),
        ("TL013", 55, 21),
        ("TL013", 56, 30),
        ("TL013", 56, 45),
        ("TL013", 57, 21),
        ("TL013", 58, 39),
        ("TL013", 59, 13),
    ]
    messages = {message for *_, message in found}
    assert (
        "Role NumberEffect has an invalid policy: Effect must be the string Allow or Deny, "
        "not a number"
    ) in messages
    assert "Role ListCondition has an invalid policy: Condition must be an object, not a list" in (
        messages
    )
    assert (
        "Role StringDuration sets MaxSessionDuration to 'twelve hours', which is not a whole "
        "number of seconds; AWS rejects the role: write 3600"
    ) in messages
    assert "Role NullEverywhere has an invalid policy: a statement must be an object, not null" in (
        messages
    )
    assert GOOD_FINDING in run.located()


def node_paths(node: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The path of every node of a JSON value, the root's included."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from node_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from node_paths(value, (*prefix, index))


def with_node_replaced(document: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return copy


def failures_of(variants: Iterator[tuple[str, str]], directory: Path, name: str) -> list[str]:
    """Each (description, text) analysed as `directory/name`; what crashed."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    failures = []
    for description, text in variants:
        target.write_text(text, encoding="utf-8")
        source = target.parent if name.endswith(".tf") else target
        try:
            analyse([source], directory.parent if name.endswith(".tf") else directory)
        except Exception as error:
            failures.append(f"{description}: {type(error).__name__}: {error}")
    return failures


@pytest.mark.parametrize(
    "shape",
    ["every-iam-resource.json", "account-authorization-details.json", "get-role.json"],
)
def test_any_node_of_any_type_is_analysed_without_a_crash(tmp_path: Path, shape: str) -> None:
    document = json.loads((SHAPES / shape).read_text(encoding="utf-8"))

    def variants() -> Iterator[tuple[str, str]]:
        for path in node_paths(document):
            for value in WRONG_JSON_VALUES:
                described = "/".join(map(str, path)) or "(root)"
                yield (
                    f"{described} = {value!r}",
                    json.dumps(with_node_replaced(document, path, value)),
                )

    assert failures_of(variants(), tmp_path / "project", shape) == []


def test_any_terraform_attribute_of_any_type_is_analysed_without_a_crash(tmp_path: Path) -> None:
    lines = (SHAPES / "every-iam-resource-tf" / "main.tf").read_text(encoding="utf-8").splitlines()
    attributes = [
        index
        for index, line in enumerate(lines)
        if (match := _SINGLE_LINE_ATTRIBUTE.match(line))
        and not match["value"].rstrip().endswith(("{", "<<POLICY"))
    ]
    assert len(attributes) == 62

    def variants() -> Iterator[tuple[str, str]]:
        for index in attributes:
            match = _SINGLE_LINE_ATTRIBUTE.match(lines[index])
            assert match is not None
            for value in WRONG_HCL_VALUES:
                replaced = [*lines[:index], match["head"] + value, *lines[index + 1 :]]
                yield f"line {index + 1} = {value}", "\n".join(replaced) + "\n"

    assert failures_of(variants(), tmp_path / "project" / "module", "main.tf") == []
