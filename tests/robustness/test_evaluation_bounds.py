"""The bounds that keep loading and evaluation finite: aliases, nodes, text, alternatives.

A value past a bound becomes `Unknown` (with a reason) or the file a TL000;
everything within the bounds is still read exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustlint.config import LoadOptions
from trustlint.frontends.dispatch import load_file, printable
from trustlint.frontends.terraform import MAX_INSTANCES_PER_LOAD, load_module
from trustlint.frontends.yaml_loader import LoadError, load_yaml
from trustlint.model import Location, Principal, SourceUnit, Unknown
from trustlint.tree import (
    MAX_VARIANTS,
    Alternatives,
    Branch,
    LList,
    LMap,
    expand,
    expand_all,
    to_plain,
)

HERE = Location("bounds.yaml", 1, 1, 1, 2)


def load_template(
    tmp_path: Path, text: str, max_file_size: int = 10 * 1024 * 1024, max_nodes: int = 2_000_000
) -> SourceUnit:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    unit = load_file(path, tmp_path, LoadOptions(max_file_size=max_file_size, max_nodes=max_nodes))
    assert unit is not None
    assert unit.errors == ()
    return unit


def trusted_principal(unit: SourceUnit) -> Principal:
    (role,) = unit.roles
    assert role.trust_policy is not None
    (statement,) = role.trust_policy.statements
    (principal,) = statement.principals
    return principal


def role_trusting(principal: str, parameters: str = "") -> str:
    return (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        f"{parameters}"
        "Resources:\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument:\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        f"            Principal: {{AWS: {principal}}}\n"
        "            Action: sts:AssumeRole\n"
    )


# -- YAML aliases ------------------------------------------------------------------


def repeated_list(repetitions: int) -> str:
    """A 99-item list, then a list of `repetitions` aliases of it: 102 distinct nodes."""
    return "a: &x [" + ", ".join(["0"] * 99) + "]\nb: [" + ", ".join(["*x"] * repetitions) + "]\n"


def test_aliases_may_grow_a_document_to_ten_times_its_written_size() -> None:
    # 1 + 100 + 1 + 9 * 100 = 1,002 nodes expanded, from 102 written.
    tree = load_yaml(repeated_list(9), "aliases.yaml", max_nodes=5_000)

    assert len(tree["b"]) == 9
    assert to_plain(tree["b"][8]) == [0] * 99


def test_aliases_growing_a_document_further_are_an_alias_bomb_at_the_repeated_value() -> None:
    # 3,102 nodes: under max_nodes, over ten times 102 and a twentieth of max_nodes.
    with pytest.raises(LoadError) as raised:
        load_yaml(repeated_list(30), "aliases.yaml", max_nodes=5_000)

    error = raised.value
    assert error.message == "document too large after expanding YAML aliases (possible alias bomb)"
    assert (error.line, error.column) == (1, 4)


def test_aliases_may_always_grow_a_document_to_a_twentieth_of_the_node_limit() -> None:
    tree = load_yaml(repeated_list(30), "aliases.yaml", max_nodes=64_000)

    assert len(tree["b"]) == 30


# -- nodes and text built by intrinsics -------------------------------------------------


def test_text_built_beyond_four_times_the_file_size_limit_is_unknown(tmp_path: Path) -> None:
    parameters = f"Parameters:\n  P: {{Type: String, Default: {'x' * 600}}}\n"
    joined = '!Join ["", [' + ", ".join(["!Ref P"] * 7) + "]]"

    unit = load_template(tmp_path, role_trusting(joined, parameters), max_file_size=1024)

    value = trusted_principal(unit).value
    assert isinstance(value, Unknown)
    assert value.reason == "builds more text than the limits allow"
    assert value.text == joined


def test_text_within_the_budget_is_built(tmp_path: Path) -> None:
    parameters = f"Parameters:\n  P: {{Type: String, Default: {'x' * 600}}}\n"
    joined = '!Join ["", [' + ", ".join(["!Ref P"] * 6) + "]]"

    unit = load_template(tmp_path, role_trusting(joined, parameters), max_file_size=1024)

    assert trusted_principal(unit).value == "x" * 3600


def test_fn_sub_pays_for_its_text_too(tmp_path: Path) -> None:
    parameters = f"Parameters:\n  P: {{Type: String, Default: {'x' * 600}}}\n"
    substituted = "!Sub '" + "${P}" * 7 + "'"

    unit = load_template(tmp_path, role_trusting(substituted, parameters), max_file_size=1024)

    value = trusted_principal(unit).value
    assert isinstance(value, Unknown)
    assert value.reason == "builds more text than the limits allow"


def list_parameter_roles(count: int) -> str:
    roles = "".join(
        f"  Role{index}:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      ManagedPolicyArns: !Ref Arns\n"
        "      AssumeRolePolicyDocument: {Statement: []}\n"
        for index in range(count)
    )
    arns = ",".join(f"arn:aws:iam::aws:policy/P{index}" for index in range(300))
    return (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        f"Parameters:\n  Arns: {{Type: CommaDelimitedList, Default: '{arns}'}}\n"
        f"Resources:\n{roles}"
    )


def test_values_evaluated_past_the_node_limit_are_unknown(tmp_path: Path) -> None:
    # Each use of the 300-item list costs 301 nodes of a budget of 1,000: the
    # fourth starts within the budget and overdraws it, the fifth is refused.
    unit = load_template(tmp_path, list_parameter_roles(5), max_nodes=1_000)

    counts = [len(role.managed_policy_arns) for role in unit.roles]
    assert counts == [300, 300, 300, 300, 1]
    unknown = unit.roles[4].managed_policy_arns[0].value
    assert isinstance(unknown, Unknown)
    assert unknown.reason == "the template expands beyond the node limit"


def test_values_within_the_node_limit_are_evaluated(tmp_path: Path) -> None:
    unit = load_template(tmp_path, list_parameter_roles(5))

    assert [len(role.managed_policy_arns) for role in unit.roles] == [300] * 5


def test_copies_of_mapping_values_past_the_node_limit_are_unknown(tmp_path: Path) -> None:
    items = ", ".join(f"arn:aws:iam::aws:policy/P{index}" for index in range(400))
    roles = "".join(
        f"  Role{index}:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      ManagedPolicyArns: !FindInMap [Lists, all, arns]\n"
        "      AssumeRolePolicyDocument: {Statement: []}\n"
        for index in range(3)
    )
    text = (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        f"Mappings:\n  Lists:\n    all:\n      arns: [{items}]\n"
        f"Resources:\n{roles}"
    )

    unit = load_template(tmp_path, text, max_nodes=1_000)

    last = unit.roles[2].managed_policy_arns
    assert len(last) < 400
    assert {value.value.reason for value in last if isinstance(value.value, Unknown)} == {
        "the node limit is reached"
    }
    assert [len(role.managed_policy_arns) for role in unit.roles[:2]] == [400, 400]


def test_a_huge_unknown_value_is_quoted_in_two_hundred_characters(tmp_path: Path) -> None:
    unit = load_template(tmp_path, role_trusting("!Base64 " + "y" * 100_000))

    value = trusted_principal(unit).value
    assert isinstance(value, Unknown)
    assert value.text == "!Base64 " + "y" * 189 + "..."


# -- conditions shared inside a statement ---------------------------------------------


def nested_statement(depth: int) -> str:
    """A statement using five conditions twice each, holding one such statement in
    a `Statement` key, `depth` times over."""
    keys = ", ".join(f"k{c}: !If [C{c}, a, b], l{c}: !If [C{c}, a, b]" for c in range(5))
    inner = f", Statement: [{nested_statement(depth - 1)}]" if depth else ""
    return (
        "{Effect: Allow, Principal: '*', Action: 'sts:AssumeRole', "
        f"Condition: {{StringEquals: {{{keys}}}}}{inner}}}"
    )


def test_statement_keys_inside_a_statement_are_not_expanded_once_more(tmp_path: Path) -> None:
    conditions = "".join(f"  C{c}: !Equals [a, b]\n" for c in range(5))
    text = (
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        f"Conditions:\n{conditions}"
        "Resources:\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        f"      AssumeRolePolicyDocument: {{Statement: [{nested_statement(4)}]}}\n"
    )

    unit = load_template(tmp_path, text)

    (role,) = unit.roles
    assert role.trust_policy is not None
    statements = role.trust_policy.statements
    assert len(statements) == 2**5
    assert statements[0].branch == ("C0=true and C1=true and C2=true and C3=true and C4=true")


# -- alternatives in the located tree ------------------------------------------------


def alternative(condition: str, true_value: object, false_value: object) -> Alternatives:
    return Alternatives(
        (
            Branch(f"{condition}=true", true_value, HERE),
            Branch(f"{condition}=false", false_value, HERE),
        ),
        HERE,
    )


def test_twenty_sibling_conditionals_expand_to_the_first_max_variants() -> None:
    mapping = LMap(HERE)
    for index in range(20):
        mapping.put(f"k{index}", alternative(f"C{index}", "a", "b"), HERE, HERE)

    variants = expand(mapping, HERE)

    assert len(variants) == MAX_VARIANTS
    first_label, first_tree, _ = variants[0]
    assert first_label == " and ".join(f"C{index}=true" for index in range(20))
    assert to_plain(first_tree) == {f"k{index}": "a" for index in range(20)}
    assert variants[1][0] == " and ".join([*(f"C{index}=true" for index in range(19)), "C19=false"])


def test_the_variants_examined_try_every_single_choice_first() -> None:
    # Product order would never try C0=false within 32 of 2**20 variants;
    # the fewest departures first tries each condition's other branch alone.
    mapping = LMap(HERE)
    for index in range(20):
        mapping.put(f"k{index}", alternative(f"C{index}", "a", "b"), HERE, HERE)

    variants, complete = expand_all(mapping, HERE)

    assert not complete
    for index in range(20):
        alone = {f"k{other}": "b" if other == index else "a" for other in range(20)}
        assert alone in [to_plain(tree) for _, tree, _ in variants]


def test_an_expansion_says_whether_it_is_whole() -> None:
    small = LList(HERE)
    for index in range(5):
        small.add(alternative(f"C{index}", "a", "b"), HERE)
    assert expand_all(small, HERE)[1] is True  # 32 combinations: all of them
    small.add(alternative("C5", "a", "b"), HERE)
    assert expand_all(small, HERE)[1] is False
    same = LList(HERE)
    for _ in range(10):
        same.add(alternative("C", "a", "b"), HERE)
    assert len(expand_all(same, HERE)[0]) == 2
    assert expand_all(same, HERE)[1] is True  # 1,024 combinations, two of them consistent


def test_combinations_taking_two_values_of_one_condition_are_dropped_in_subtrees() -> None:
    inner = LList(HERE)
    inner.add(alternative("C", "a", "b"), HERE)
    inner.add(alternative("C", "c", "d"), HERE)
    outer = LList(HERE)
    outer.add(inner, HERE)

    variants = expand(outer, HERE)

    assert [(label, to_plain(tree)) for label, tree, _ in variants] == [
        ("C=true", [["a", "c"]]),
        ("C=false", [["b", "d"]]),
    ]


def test_a_container_looks_at_a_bounded_number_of_combinations() -> None:
    # Three children choosing among 32 values of one condition: only 32 of
    # their 32,768 combinations agree, and only the first 1,024 are looked at:
    # those whose positions sum to 16 or less (969) and some that sum to 17,
    # so the agreeing ones found are X=0 to X=5 (positions summing to 0..15).
    def choice() -> Alternatives:
        return Alternatives(tuple(Branch(f"X={value}", value, HERE) for value in range(32)), HERE)

    mapping = LMap(HERE)
    for key in ("a", "b", "c"):
        mapping.put(key, choice(), HERE, HERE)

    variants, complete = expand_all(mapping, HERE)

    assert [(label, to_plain(tree)) for label, tree, _ in variants] == [
        (f"X={value}", {"a": value, "b": value, "c": value}) for value in range(6)
    ]
    assert not complete


# -- file names and failures --------------------------------------------------------------


def test_file_names_that_are_not_utf8_are_printed_with_replacement_characters() -> None:
    name = "dir/" + b"caf\xe9.yaml".decode("utf-8", "surrogateescape")

    assert printable(name) == "dir/caf\ufffd.yaml"
    assert printable("dir/café.yaml") == "dir/café.yaml"


def test_running_out_of_memory_in_a_front_end_is_tl000(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustlint.frontends import cloudformation

    def exhausted(*_arguments: object, **_context: object) -> SourceUnit:
        raise MemoryError

    monkeypatch.setattr(cloudformation, "read_template", exhausted)
    path = tmp_path / "template.yaml"
    path.write_text(role_trusting("'*'"), encoding="utf-8")

    unit = load_file(path, tmp_path, LoadOptions())

    assert unit is not None
    (error,) = unit.errors
    assert error.message == "cannot read template.yaml: not enough memory to read it"
    assert (error.location.line, error.location.column) == (1, 1)


def test_policy_in_a_json_string_nested_too_deep_is_an_invalid_policy(tmp_path: Path) -> None:
    condition = '{"k": ' * 300 + '"x"' + "}" * 300
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
        f'"Action": "sts:AssumeRole", "Condition": {condition}}}]}}'
    )
    path = tmp_path / "role.json"
    path.write_text(
        '{"Role": {"RoleName": "r", "Arn": "arn:aws:iam::111111111111:role/r", '
        f'"AssumeRolePolicyDocument": {json.dumps(document)}}}}}',
        encoding="utf-8",
    )

    unit = load_file(path, tmp_path, LoadOptions())

    assert unit is not None
    (role,) = unit.roles
    assert role.trust_policy is not None
    assert [defect.message for defect in role.trust_policy.defects] == [
        "policy document is nested deeper than 256 levels"
    ]


def _write_module(directory: Path, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(text, encoding="utf-8")


def test_terraform_instances_multiplied_by_module_calls_stop_at_the_load_budget(
    tmp_path: Path,
) -> None:
    _write_module(tmp_path, 'module "a" {\n  source = "./a"\n  count  = 40\n}\n')
    _write_module(tmp_path / "a", 'module "b" {\n  source = "../b"\n  count  = 40\n}\n')
    _write_module(
        tmp_path / "b",
        'resource "aws_iam_user" "u" {\n  count = 40\n  name  = "u-${count.index}"\n}\n',
    )
    unit = load_module(tmp_path, tmp_path, LoadOptions())
    # 40 x 40 x 40 instances would be 64,000 users; past the budget the
    # instances are not expanded and what depends on count.index is unknown.
    assert len(unit.users) < 2 * MAX_INSTANCES_PER_LOAD
    assert any(isinstance(user.name.value, Unknown) for user in unit.users)
    assert any("instances are not expanded" in note for note in unit.notes)


def test_a_for_each_over_its_own_resource_is_unknown_not_a_hang(tmp_path: Path) -> None:
    _write_module(
        tmp_path,
        'resource "aws_iam_user" "self" {\n  for_each = aws_iam_user.self\n'
        "  name     = each.key\n}\n",
    )
    (user,) = load_module(tmp_path, tmp_path, LoadOptions()).users
    assert user.resource.address == "aws_iam_user.self"
    assert isinstance(user.name.value, Unknown)
