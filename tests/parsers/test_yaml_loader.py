"""The YAML/JSON loader: located values, CloudFormation tags, and bad input as load errors."""

from __future__ import annotations

from typing import Any

import pytest
from cfn_helpers import FIXTURES, span
from hypothesis import given, settings
from hypothesis import strategies as st

from trustlint.frontends.yaml_loader import DuplicateKey, LoadError, load_json, load_yaml
from trustlint.tree import LList, LMap, to_plain

LOADER_FIXTURES = FIXTURES / "loader"


def load(name: str, **limits: int) -> Any:
    text = (LOADER_FIXTURES / name).read_text(encoding="utf-8")
    loader = load_json if name.endswith(".json") else load_yaml
    return loader(text, f"loader/{name}", **limits)


def load_error(name: str, **limits: int) -> LoadError:
    with pytest.raises(LoadError) as raised:
        load(name, **limits)
    return raised.value


@pytest.mark.parametrize(
    ("name", "line", "column"),
    [("duplicate_logical_id.yaml", 4, 3), ("duplicate_logical_id.json", 4, 5)],
)
def test_duplicate_key_is_a_load_error_at_the_second_key(name: str, line: int, column: int) -> None:
    error = load_error(name)
    assert (error.line, error.column) == (line, column)


def test_duplicate_key_message_names_the_first_definition() -> None:
    assert load_error("duplicate_logical_id.yaml").message == (
        "duplicate key 'Deploy' (first defined at line 2)"
    )
    assert load_error("duplicate_logical_id.json").message == (
        "duplicate key 'Deploy' (first defined at line 3)"
    )


def test_unquoted_version_date_stays_the_text_cloudformation_reads() -> None:
    tree = load("unquoted_version_date.yaml")
    assert to_plain(tree) == {
        "Version": "2012-10-17",
        "Created": "2001-12-14t21:59:43.10-05:00",
        "Quoted": "2012-10-17",
    }
    assert span(tree.value_location("Version")) == (1, 10, 1, 20)


def test_yaml_scalars_follow_yaml_1_1_as_cloudformation_tools_read_them() -> None:
    assert to_plain(load("yaml_scalars.yaml")) == {
        "yes_word": True,
        "off_word": False,
        "octal": "0o17",
        "legacy_octal": 15,
        "hex": 31,
        "float": 1.5,
        "exponent": "1e3",
        "nothing": None,
        "empty": None,
        "text_number": "7200",
    }


def test_alias_bomb_is_a_load_error_not_an_expansion() -> None:
    # a4 alone expands to 111,111 nodes: the first value over a 100,000 budget.
    error = load_error("alias_bomb.yaml", max_nodes=100_000)
    assert error.message == "document too large after expanding YAML aliases (possible alias bomb)"
    assert (error.line, error.column) == (5, 5)


def test_alias_bomb_is_rejected_with_the_default_budget() -> None:
    # a6 expands to 11,111,111 nodes, over the default 2,000,000.
    error = load_error("alias_bomb.yaml")
    assert "alias bomb" in error.message
    assert (error.line, error.column) == (7, 5)


def test_recursive_alias_is_a_load_error() -> None:
    error = load_error("recursive_alias.yaml")
    # Reported at the anchor of the mapping that contains itself.
    assert (error.message, error.line, error.column) == ("recursive YAML alias", 1, 12)


def test_aliases_within_the_budget_are_expanded_as_copies() -> None:
    tree = load_yaml("a: &x [1, 2]\nb: *x\n", "aliases.yaml")
    assert to_plain(tree) == {"a": [1, 2], "b": [1, 2]}


def test_deep_nesting_is_a_load_error_at_the_limit() -> None:
    error = load_error("deep_nesting.json")
    assert error.message == "nesting deeper than 256 levels"
    assert (error.line, error.column) == (1, 263)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_nesting_far_past_the_limit_is_a_load_error_not_a_recursion_error(depth: int) -> None:
    with pytest.raises(LoadError):
        load_yaml("[" * depth + "]" * depth, "deep.yaml")
    with pytest.raises(LoadError):
        load_json('{"a":' * depth + "1" + "}" * depth, "deep.json")
    with pytest.raises(LoadError):
        load_yaml("!If " * depth + "x", "deep.yaml")


def test_short_forms_become_long_forms_with_the_tag_location() -> None:
    tree = load("short_forms.yaml")
    assert to_plain(tree) == {
        "Ref": {"Ref": "Deploy"},
        "GetAtt": {"Fn::GetAtt": ["Deploy", "Arn"]},
        "GetAttList": {"Fn::GetAtt": ["Deploy", "Arn"]},
        "Sub": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"},
        "If": {"Fn::If": ["IsProd", "a", "b"]},
        "Condition": {"Condition": "IsProd"},
        "Custom": {"Fn::Whatever": {"Key": "value"}},
    }
    get_att = tree["GetAtt"]
    assert isinstance(get_att, LMap)
    assert span(get_att.location) == (2, 9, 2, 27)
    assert span(get_att.key_location("Fn::GetAtt")) == (2, 9, 2, 16)
    assert span(tree.value_location("GetAtt")) == (2, 9, 2, 27)


def test_merge_key_values_are_overridden_by_keys_written_in_the_mapping() -> None:
    tree = load("merge_keys.yaml")
    statement = tree["Statement"]
    assert to_plain(statement) == {"Effect": "Allow", "Action": "sts:TagSession"}
    assert span(statement.value_location("Action")) == (6, 11, 6, 25)
    assert span(statement.value_location("Effect")) == (2, 11, 2, 16)


def test_block_values_end_at_their_last_character_not_at_the_next_key() -> None:
    tree = load("block_end_locations.yaml")
    resources = tree["Resources"]
    first = resources["First"]
    assert span(resources.value_location("First")) == (3, 5, 7, 16)
    assert span(first["Properties"].value_location("Description")) == (5, 20, 7, 16)
    assert span(resources.value_location("Second")) == (13, 5, 13, 25)


def test_surrogate_pair_escapes_in_json_decode_and_keep_later_columns() -> None:
    tree = load("surrogate_pair_escapes.json")
    assert to_plain(tree) == {
        "Description": "launch \U0001f680 day \U0001f389",
        "After": "x",
        "Escaped": "\\ud83d\\ude80",
        "Next": 1,
    }
    assert span(tree.value_location("Description")) == (2, 18, 2, 56)
    assert span(tree.key_location("After")) == (2, 59, 2, 66)
    assert span(tree.value_location("After")) == (2, 68, 2, 71)
    assert span(tree.value_location("Next")) == (3, 40, 3, 41)


def test_tab_indented_json_keeps_columns() -> None:
    tree = load("tab_indented.json")
    resources = tree["Resources"]
    assert span(resources.key_location("Role")) == (3, 3, 3, 9)
    assert span(resources["Role"].value_location("Type")) == (3, 20, 3, 36)


def test_json_numbers_are_read_as_json_reads_them() -> None:
    assert to_plain(
        load_json('{"a": 1e3, "b": 10, "c": "10", "d": true, "e": null}', "n.json")
    ) == {
        "a": 1000.0,
        "b": 10,
        "c": "10",
        "d": True,
        "e": None,
    }


def test_syntax_error_is_a_load_error_with_its_position() -> None:
    error = load_error("syntax_error.yaml")
    assert error.line == 4
    assert str(error).startswith("4:")


def test_empty_document_is_none() -> None:
    assert load_yaml("", "empty.yaml") is None
    assert load_yaml("# only a comment\n", "empty.yaml") is None


def test_complex_mapping_key_is_a_load_error() -> None:
    with pytest.raises(LoadError) as raised:
        load_yaml("? [a, b]\n: c\n", "key.yaml")
    assert (raised.value.message, raised.value.line) == ("mapping keys must be strings", 1)


def test_sequence_items_keep_their_locations() -> None:
    tree = load_yaml("Users:\n  - alice\n  - !Ref Bob\n", "users.yaml")
    users = tree["Users"]
    assert isinstance(users, LList)
    assert [span(users.item_location(i)) for i in range(2)] == [(2, 5, 2, 10), (3, 5, 3, 13)]
    assert span(users.location) == (2, 3, 3, 13)


_YAML_ALPHABET = st.sampled_from(
    [*"{}[]:,-&*!|>'\"#? \n\tab01.\\u", "!Ref ", "<<: ", "\\ud83d", "\u2028"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_YAML_ALPHABET, max_size=60).map("".join))
def test_any_text_loads_or_raises_a_load_error(text: str) -> None:
    for loader in (load_yaml, load_json):
        try:
            tree = loader(text, "fuzz.yaml")
        except LoadError as error:
            assert error.line >= 1
            assert error.column >= 1
        else:
            assert tree is None or isinstance(tree, LMap | LList | str | int | float | bool)


@pytest.mark.parametrize(
    ("name", "overridden", "winner"),
    [("duplicate_logical_id.yaml", (2, 3), (4, 3)), ("duplicate_logical_id.json", (3, 5), (4, 5))],
)
def test_collected_duplicate_key_keeps_the_last_value(
    name: str, overridden: tuple[int, int], winner: tuple[int, int]
) -> None:
    text = (LOADER_FIXTURES / name).read_text(encoding="utf-8")
    loader = load_json if name.endswith(".json") else load_yaml
    duplicates: list[DuplicateKey] = []

    tree = loader(text, f"loader/{name}", duplicates=duplicates)

    (duplicate,) = duplicates
    assert duplicate.key == "Deploy"
    assert (duplicate.overridden.line, duplicate.overridden.column) == overridden
    assert (duplicate.winner.line, duplicate.winner.column) == winner
    assert tree["Resources"].key_location("Deploy") == duplicate.winner
    assert list(tree["Resources"]) == ["Deploy"]
    assert to_plain(tree["Resources"]["Deploy"]) == {"Type": "AWS::IAM::User"}


def test_each_of_three_duplicates_is_overridden_by_the_next() -> None:
    duplicates: list[DuplicateKey] = []

    tree = load_yaml("a: 1\nb: 2\na: 3\na: 4\n", "three.yaml", duplicates=duplicates)

    assert to_plain(tree) == {"a": 4, "b": 2}
    assert [(d.overridden.line, d.winner.line) for d in duplicates] == [(1, 3), (3, 4)]
    assert span(tree.location) == (1, 1, 4, 5)
