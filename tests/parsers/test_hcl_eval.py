"""HCL expression evaluation: what resolves, what stays unknown, and where it is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from trustlint.frontends.terraform.hcl_eval import Evaluator, Scope
from trustlint.frontends.terraform.hcl_json import json_document
from trustlint.frontends.terraform.hcl_syntax import HclFile, parse_hcl, read_body
from trustlint.frontends.terraform.hcl_values import EncodedJson, MappedStr, PartialText, Site, Step
from trustlint.model import Unknown
from trustlint.tree import NO_VALUE, Alternatives, LList, LMap, expand, to_plain


class _Variables(Scope):
    """`var.<name>` from a dict; everything else unknown."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def reference(self, name: str, steps: Sequence[Step], site: Site) -> tuple[Any, int]:
        if name == "var" and steps and steps[0].key in self.values:
            return self.values[steps[0].key], 1
        return super().reference(name, steps, site)


def _file(text: str) -> HclFile:
    return parse_hcl(text, "t.tf")


def evaluate(text: str, scope: Scope | None = None) -> dict[str, Any]:
    """Every top-level attribute of `text`, evaluated."""
    file = _file(text)
    evaluator = Evaluator(file, scope or Scope())
    return {
        name: evaluator.evaluate(attribute.expression)
        for name, attribute in read_body(file).attributes.items()
    }


def value(expression: str, scope: Scope | None = None) -> Any:
    return evaluate(f"v = {expression}\n", scope)["v"]


def plain(expression: str, scope: Scope | None = None) -> Any:
    return to_plain(value(expression, scope))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"plain"', "plain"),
        (r'"tab\tquote\"backslash\\"', 'tab\tquote"backslash\\'),
        (r'"\u00e9\U0001F600"', "é\U0001f600"),
        ('"literal $${not} %%{this}"', "literal ${not} %{this}"),
        ("42", 42),
        ("1.5e3", 1500.0),
        ("true", True),
        ("null", None),
        ('"a ${"b"} c"', "a b c"),
        ('"${1 + 2}"', 3),
        ('"n=${1 + 2}"', "n=3"),
        ('"a ${"b"~}  c"', "a bc"),
        ('"%{ if true }yes%{ else }no%{ endif }"', "yes"),
        ('"%{ for x in ["a", "b"] }${x};%{ endfor }"', "a;b;"),
        ("-1 + 2 * 3", 5),
        ("7 % 4 == 3 && !false", True),
        ('"1" == 1', False),
        ("(2 + 3) * 2", 10),
    ],
)
def test_literals_strings_and_operators(expression: str, expected: Any) -> None:
    assert value(expression) == expected


def test_heredoc_keeps_text_and_final_newline() -> None:
    result = evaluate("v = <<EOT\n  raw $${x}\nline\nEOT\n")["v"]
    assert isinstance(result, MappedStr)
    assert result == "  raw ${x}\nline\n"


def test_indented_heredoc_strips_the_common_indentation() -> None:
    text = "v = <<-EOT\n    Foo\n      Bar\n\n    Baz\n  EOT\n"
    assert evaluate(text)["v"] == "Foo\n  Bar\n\nBaz\n"


def test_objects_take_identifier_string_and_parenthesized_keys_and_drop_nulls() -> None:
    result = value('{ a = 1, "b c" = 2, ("d${"e"}") = 3, gone = null }')
    assert isinstance(result, LMap)
    assert to_plain(result) == {"a": 1, "b c": 2, "de": 3}
    # `v = ` comes first: the key starts at column 14, its value at 22.
    assert (result.key_location("b c").line, result.key_location("b c").column) == (1, 14)
    assert (result.value_location("b c").line, result.value_location("b c").column) == (1, 22)


def test_an_object_with_an_unknown_key_is_unknown() -> None:
    result = value("{ (var.key) = 1 }")
    assert isinstance(result, Unknown)
    assert result.reason == "an object key is not known: var.key"


def test_tuples_keep_the_location_of_each_item() -> None:
    result = value('["a", "b"]')
    assert isinstance(result, LList)
    assert [(loc.column, loc.end_column) for loc in result.item_locations] == [(6, 9), (11, 14)]


def test_a_known_condition_chooses_its_branch() -> None:
    assert value('1 < 2 ? "small" : "large"') == "small"
    assert value('var.on ? "on" : "off"', _Variables({"on": "false"})) == "off"


def test_an_unknown_condition_gives_labelled_alternatives() -> None:
    result = value('var.prod ? "arn:aws:iam::111111111111:root" : "*"')
    assert isinstance(result, Alternatives)
    assert [(b.label, b.value) for b in result.branches] == [
        ("var.prod=true", "arn:aws:iam::111111111111:root"),
        ("var.prod=false", "*"),
    ]
    assert [(b.location.column, b.location.end_column) for b in result.branches] == [
        (16, 48),
        (51, 54),
    ]


def test_alternatives_flow_through_templates() -> None:
    result = value('"role/${var.prod ? "a" : "b"}"')
    assert isinstance(result, Alternatives)
    assert [(b.label, b.value) for b in result.branches] == [
        ("var.prod=true", "role/a"),
        ("var.prod=false", "role/b"),
    ]


def test_for_expressions_and_splats_over_known_collections() -> None:
    assert plain('[for s in ["a", "", "b"] : upper(s) if s != ""]') == ["A", "B"]
    assert plain("{ for k, v in { a = 1, b = 2 } : v => k }") == {"1": "a", "2": "b"}
    assert plain('{ for s in ["x", "y", "x"] : s => s... }') == {"x": ["x", "x"], "y": ["y"]}
    assert plain("[{ id = 1 }, { id = 2 }][*].id") == [1, 2]
    assert plain("[{ id = 1 }, { id = 2 }].*.id") == [1, 2]


def test_for_expressions_and_splats_over_unknown_collections_are_unknown() -> None:
    assert isinstance(value("[for s in var.list : s]"), Unknown)
    assert isinstance(value("var.list[*].id"), Unknown)


def test_index_and_attribute_access() -> None:
    assert value('{ a = ["x", "y"] }.a[1]') == "y"
    assert value('{ a = "b" }["a"]') == "b"
    assert value('["x", "y"].0') == "x"


def test_access_that_terraform_rejects_is_unknown_unless_try_catches_it() -> None:
    missing = value('["x"][3]')
    assert isinstance(missing, Unknown)
    assert missing.reason == "index 3 is out of range for a list of 1"
    assert value('try(["x"][3], { a = 1 }.b, "fallback")') == "fallback"
    assert value('can(["x"][3])') is False
    assert value('can(["x"][0])') is True


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('format("%s-%03d:%q", "a", 7, "q")', 'a-007:"q"'),
        ('join(",", ["a", "b"], ["c"])', "a,b,c"),
        ('split(",", "a,b")', ["a", "b"]),
        ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
        ("merge({ a = 1, b = 1 }, { b = 2 }, null)", {"a": 1, "b": 2}),
        ('lookup({ a = 1 }, "b", "default")', "default"),
        ('element(["a", "b"], 3)', "b"),
        ('length("héllo")', 5),
        ("length({ a = 1 })", 1),
        ('lower("AbC")', "abc"),
        ('upper("AbC")', "ABC"),
        ('replace("a-b-c", "-", "+")', "a+b+c"),
        ('replace("a-b-c", "/-(.)/", "_$1")', "a_b_c"),
        ('trimspace("  x \\n")', "x"),
        ('tolist(["a"])', ["a"]),
        ('toset(["b", "a", "b"])', ["a", "b"]),
        ("tostring(12.5)", "12.5"),
        ('distinct(["a", "b", "a"])', ["a", "b"]),
        ("flatten([[1, [2]], 3])", [1, 2, 3]),
        ('compact(["a", "", null, "b"])', ["a", "b"]),
        ('coalesce("", null, "c")', "c"),
        ('coalescelist([], ["x"])', ["x"]),
        ('trimprefix("repo:org/x", "repo:")', "org/x"),
        ('jsondecode("{\\"a\\": [1, true]}")', {"a": [1, True]}),
        ('contains(["a", "b"], "b")', True),
        ("keys({ b = 1, a = 2 })", ["a", "b"]),
        ('one(["only"])', "only"),
    ],
)
def test_functions_policies_use(expression: str, expected: Any) -> None:
    assert plain(expression) == expected


def test_jsonencode_keeps_the_tree_and_its_locations() -> None:
    result = value('jsonencode({ Version = "2012-10-17" })')
    assert isinstance(result, EncodedJson)
    assert result.text() == '{"Version":"2012-10-17"}'
    assert isinstance(result.tree, LMap)
    assert result.tree.value_location("Version").column == 28


def test_jsonencode_in_a_string_is_its_text() -> None:
    assert value('"p=${jsonencode(["a"])}"') == 'p=["a"]'


def test_an_unmodelled_function_is_unknown_with_its_source_text() -> None:
    result = value('cidrsubnet("10.0.0.0/16", 8, 1)')
    assert isinstance(result, Unknown)
    assert result.text == 'cidrsubnet("10.0.0.0/16", 8, 1)'
    assert result.reason == "function cidrsubnet() is not evaluated"


def test_unknown_arguments_make_a_function_unknown_but_not_its_neighbours() -> None:
    assert isinstance(value("upper(var.name)"), Unknown)
    result = value('concat(["a"], [var.b])')
    assert isinstance(result, LList)
    assert result[0] == "a" and isinstance(result[1], Unknown)
    assert value('length(["a", var.b])') == 2


def test_references_come_from_the_scope() -> None:
    scope = _Variables({"account": "123456789012"})
    assert value('"arn:aws:iam::${var.account}:root"', scope) == "arn:aws:iam::123456789012:root"
    unresolved = value("local.thing", scope)
    assert isinstance(unresolved, Unknown)
    assert unresolved.text == "local.thing"


def test_a_template_with_unknown_parts_is_partial_text() -> None:
    result = value('"arn:aws:iam::${var.account}:root"')
    assert isinstance(result, PartialText)
    assert result.text == "arn:aws:iam::${var.account}:root"


def test_heredoc_json_with_an_unknown_value_outside_a_string_stays_json() -> None:
    text = 'v = <<EOT\n{"Action": ${var.actions}, "Effect": "Allow"}\nEOT\n'
    file = _file(text)
    attribute = read_body(file).attributes["v"]
    rendered = Evaluator(file, Scope()).evaluate(attribute.expression)
    tree = json_document(rendered, attribute.value_location)
    assert isinstance(tree, LMap)
    assert tree["Effect"] == "Allow"
    assert isinstance(tree["Action"], Unknown)
    location = tree.value_location("Action")
    assert (location.line, location.column, location.end_column) == (2, 12, 26)


def test_an_unknown_template_directive_makes_the_template_unknown() -> None:
    result = value('"%{ for a in var.accounts }${a}%{ endfor }"')
    assert isinstance(result, Unknown)
    assert result.reason == "a template directive depends on values that are not known"


def test_a_null_branch_of_an_undecided_conditional_removes_the_object_key() -> None:
    result = value('{ Condition = var.mfa ? { Bool = "true" } : null, Effect = "Allow" }')
    assert isinstance(result, LMap)
    condition = result["Condition"]
    assert isinstance(condition, Alternatives)
    assert [b.value is NO_VALUE for b in condition.branches] == [False, True]
    variants = expand(result, result.location)
    assert [(label, sorted(tree)) for label, tree, _ in variants] == [
        ("var.mfa=true", ["Condition", "Effect"]),
        ("var.mfa=false", ["Effect"]),
    ]


def test_long_operator_and_conditional_chains_evaluate_without_deep_recursion() -> None:
    assert value("1" + " + 1" * 5000) == 5001
    assert value("!" * 5001 + "true") is False
    assert value("false ? 0 : " * 3000 + "42") == 42
    assert value('var.a && false || "x" == "x"') is True


def test_an_impossible_branch_of_an_undecided_conditional_is_dropped() -> None:
    # Were var.empty true, `[][0]` would fail the plan: only the other branch can deploy.
    assert value('var.empty ? [][0] : "fallback"') == "fallback"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a", "A"), ("b", "B"), ("c", "C")],
)
def test_chained_conditionals_read_from_the_right(name: str, expected: str) -> None:
    scope = _Variables({"x": name})
    assert value('var.x == "a" ? "A" : var.x == "b" ? "B" : "C"', scope) == expected


def test_an_undecided_chain_of_conditionals_lists_every_outcome() -> None:
    result = value('var.x == "a" ? "A" : var.y ? "B" : "C"')
    assert isinstance(result, Alternatives)
    first, rest = result.branches
    assert (first.label, first.value) == ('var.x == "a"=true', "A")
    assert rest.label == 'var.x == "a"=false'
    assert isinstance(rest.value, Alternatives)
    assert [(b.label, b.value) for b in rest.value.branches] == [
        ("var.y=true", "B"),
        ("var.y=false", "C"),
    ]
    # The false branch of the outer choice spans `var.y ? "B" : "C"`.
    assert (rest.location.column, rest.location.end_column) == (26, 43)
