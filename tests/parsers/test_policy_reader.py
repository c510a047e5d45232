"""The one policy reader every front-end shares: tree in, PolicyDocument out."""

from __future__ import annotations

from trustlint.frontends.yaml_loader import load_json, load_yaml
from trustlint.model import Location, Unknown
from trustlint.policy_reader import read_policy, split_operator
from trustlint.tree import Alternatives, Branch, LList, LMap

HERE = Location("policy.yaml", 1, 1, 1, 1)


def test_an_unquoted_account_id_in_yaml_is_read_as_that_account() -> None:
    tree = load_yaml(
        "Statement:\n"
        "  - Effect: Allow\n"
        "    Principal:\n"
        "      AWS: [123456789012, arn:aws:iam::210987654321:root]\n"
        "    Action: sts:AssumeRole\n",
        "policy.yaml",
    )

    document = read_policy(tree, tree.location, "trust")

    assert document.defects == ()
    [first, second] = document.statements[0].principals
    assert (first.value, first.location.line, first.location.column) == ("123456789012", 4, 13)
    assert first.arn is not None and first.arn.account == "123456789012"
    assert second.arn is not None and second.arn.account == "210987654321"


def test_a_number_as_action_is_a_defect_not_an_action() -> None:
    tree = load_json('{"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}', "p")

    document = read_policy(tree, tree.location, "identity")

    assert document.statements[0].actions == ()
    assert [d.message for d in document.defects] == [
        "Action must be a string or a list of strings, not a number"
    ]


def test_an_empty_policy_string_is_unresolved_not_invalid() -> None:
    document = read_policy("", HERE, "trust")

    assert isinstance(document.unknown, Unknown)
    assert document.defects == ()
    assert document.statements == ()


def test_invalid_json_text_is_a_defect() -> None:
    document = read_policy("{not json", HERE, "trust")

    assert document.statements == ()
    assert document.defects[0].message.startswith("policy document is not valid JSON")


def test_each_branch_of_a_conditional_statement_becomes_a_labelled_statement() -> None:
    statement_true = load_json(
        '{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}', "p"
    )
    statement_false = load_json(
        '{"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}', "p"
    )
    statements = LList(HERE)
    statements.add(
        Alternatives(
            (Branch("C=true", statement_true, HERE), Branch("C=false", statement_false, HERE)), HERE
        ),
        HERE,
    )
    document = LMap(HERE)
    document.put("Statement", statements, HERE, HERE)

    read = read_policy(document, HERE, "trust")

    assert [(s.branch, s.effect.value if s.effect else None) for s in read.statements] == [
        ("C=true", "Allow"),
        ("C=false", "Deny"),
    ]


def test_one_condition_used_twice_in_a_statement_is_decided_together() -> None:
    statement = load_json('{"Effect": "Allow", "Action": "sts:AssumeRole"}', "p")
    statement.put(
        "Principal",
        Alternatives((Branch("C=true", "*", HERE), Branch("C=false", "*", HERE)), HERE),
        HERE,
        HERE,
    )
    org = load_json('{"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}', "p")
    statement.put(
        "Condition",
        Alternatives((Branch("C=true", org, HERE), Branch("C=false", LMap(HERE), HERE)), HERE),
        HERE,
        HERE,
    )
    document = LMap(HERE)
    document.put("Statement", statement, HERE, HERE)

    read = read_policy(document, HERE, "trust")

    assert [(s.branch, len(s.conditions)) for s in read.statements] == [
        ("C=true", 1),
        ("C=false", 0),
    ]


def test_operators_split_into_qualifier_base_and_if_exists() -> None:
    assert split_operator("ForAnyValue:StringLikeIfExists") == ("StringLike", "ForAnyValue", True)
    assert split_operator("forallvalues:StringEquals") == ("StringEquals", "ForAllValues", False)
    assert split_operator("BoolIfExists") == ("Bool", None, True)
    assert split_operator("stringEquals") == ("stringEquals", None, False)


def test_an_unresolved_condition_block_is_kept_as_an_unknown_condition() -> None:
    statement = load_json('{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}', "p")
    statement.put("Condition", Unknown("local.conditions", HERE), HERE, HERE)
    document = LMap(HERE)
    document.put("Statement", statement, HERE, HERE)

    [read] = read_policy(document, HERE, "trust").statements

    [condition] = read.conditions
    assert isinstance(condition.key, Unknown) and isinstance(condition.operator, Unknown)


def test_an_unresolved_operator_block_keeps_its_operator_and_an_unknown_key() -> None:
    statement = load_json('{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}', "p")
    conditions = LMap(HERE)
    conditions.put("StringEquals", Unknown("var.org_condition", HERE), HERE, HERE)
    statement.put("Condition", conditions, HERE, HERE)
    document = LMap(HERE)
    document.put("Statement", statement, HERE, HERE)

    [read] = read_policy(document, HERE, "trust").statements

    [condition] = read.conditions
    assert condition.operator == "StringEquals"
    assert condition.base_operator == "StringEquals"
    assert isinstance(condition.key, Unknown)
