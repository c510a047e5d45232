"""Instances of count / for_each, and the HCL semantics instances rely on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from trustlint.frontends.terraform.hcl_eval import Evaluator, Scope
from trustlint.frontends.terraform.hcl_syntax import parse_hcl, read_body
from trustlint.frontends.terraform.hcl_values import EncodedJson, LSet, Site, Step
from trustlint.frontends.terraform.instances import (
    count_instances,
    find_instance,
    for_each_instances,
    instance_suffix,
)
from trustlint.model import Location, Unknown
from trustlint.tree import Alternatives, LList, LMap, to_plain

HERE = Location("t.tf", 1, 1, 1, 2)


def _map(**items: Any) -> LMap:
    result = LMap(HERE)
    for key, item in items.items():
        result.put(key, item, HERE, HERE)
    return result


def _list(*items: Any, kind: type[LList] = LList) -> LList:
    result = kind(HERE)
    for item in items:
        result.add(item, HERE)
    return result


def test_count_binds_count_index_to_each_instance() -> None:
    instances = count_instances(2, HERE)
    assert not isinstance(instances, str)
    assert [i.key for i in instances] == [0, 1]
    assert [to_plain(i.bindings["count"]) for i in instances] == [{"index": 0}, {"index": 1}]
    assert [i.suffix for i in instances] == ["[0]", "[1]"]
    assert count_instances(0, HERE) == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (Unknown("var.n", HERE, "no value"), "its count is not known before deployment"),
        (Alternatives((), HERE), "its count is not known before deployment"),
        (-1, "its count is not a whole number"),
        (1.5, "its count is not a whole number"),
        (True, "its count is not a number"),
        ("many", "its count is not a number"),
        (10_001, "its count passes limits.max_instances"),  # the default limit is 10,000
        (10**400, "its count passes limits.max_instances"),  # a whole number with no float
    ],
)
def test_a_count_that_is_not_a_known_whole_number_leaves_the_instances_unknown(
    value: Any, reason: str
) -> None:
    assert count_instances(value, HERE) == reason


def test_for_each_over_a_map_binds_each_key_and_value_in_lexical_order() -> None:
    instances = for_each_instances(_map(zeta="z", alpha=_map(id="1")), HERE)
    assert not isinstance(instances, str)
    assert [i.key for i in instances] == ["alpha", "zeta"]
    assert to_plain(instances[0].bindings["each"]) == {"key": "alpha", "value": {"id": "1"}}
    assert instances[1].suffix == '["zeta"]'


def test_for_each_over_a_set_of_strings_keys_each_element_by_itself() -> None:
    instances = for_each_instances(_list("b", "a", kind=LSet), HERE)
    assert not isinstance(instances, str)
    assert [(i.key, to_plain(i.bindings["each"])) for i in instances] == [
        ("a", {"key": "a", "value": "a"}),
        ("b", {"key": "b", "value": "b"}),
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (_list("a"), "its for_each is a list; Terraform needs a map or a set (toset())"),
        (_list(1, kind=LSet), "its for_each set holds a value that is not a string"),
        (
            _list(Unknown("x", HERE, "?"), kind=LSet),
            "an element of its for_each set is not known before deployment",
        ),
        (Unknown("var.m", HERE, "no value"), "its for_each is not known before deployment"),
        ("text", "its for_each is not a map or a set"),
    ],
)
def test_a_for_each_terraform_rejects_or_cannot_know_leaves_the_instances_unknown(
    value: Any, reason: str
) -> None:
    assert for_each_instances(value, HERE) == reason


def test_an_index_selects_the_instance_with_that_key() -> None:
    counted = count_instances(3, HERE)
    keyed = for_each_instances(_map(a="1", b="2"), HERE)
    assert not isinstance(counted, str) and not isinstance(keyed, str)
    found = find_instance(counted, "2")
    assert found is not None and not isinstance(found, Unknown) and found.key == 2
    found = find_instance(keyed, "b")
    assert found is not None and not isinstance(found, Unknown) and found.key == "b"
    assert find_instance(counted, 3) is None
    assert find_instance(keyed, "c") is None
    assert isinstance(find_instance(keyed, Unknown("k", HERE, "?")), Unknown)


def test_instance_suffixes_quote_keys_as_terraform_does() -> None:
    assert instance_suffix(None) == ""
    assert instance_suffix(4) == "[4]"
    assert instance_suffix('a"b') == '["a\\"b"]'


class _Unknowns(Scope):
    """`var.<name>` is unknown; everything else as the base scope."""

    def reference(self, name: str, steps: Sequence[Step], site: Site) -> tuple[Any, int]:
        if name == "var":
            return site.unknown("not known"), 1
        return super().reference(name, steps, site)


def value(expression: str) -> Any:
    file = parse_hcl(f"v = {expression}\n", "t.tf")
    return Evaluator(file, _Unknowns()).evaluate(read_body(file).attributes["v"].expression)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # Maps and objects are iterated in the lexical order of their keys.
        ("[for k, v in { b = 1, a = 2 } : k]", ["a", "b"]),
        ('[for k, v in { b = 1, a = 2 } : v if k != "c"]', [2, 1]),
        # A null attribute reads as null, not as a missing attribute.
        ("{ id = null }.id", None),
        ('try({ id = null }.id, "fallback")', None),
        ('lookup({ id = null }, "id", "fallback")', None),
        ('can({ id = null }.other) ? "has" : "lacks"', "lacks"),
        ('one(values({ b = ["x"] }).*[0])', "x"),
        ('coalescelist(tolist(toset([])), ["y"])', ["y"]),
        ('zipmap(keys({ b = 1, a = 2 }), split(",", "x,y"))', {"a": "x", "b": "y"}),
    ],
)
def test_terraform_semantics_instances_rely_on(expression: str, expected: Any) -> None:
    assert to_plain(value(expression)) == expected


def test_join_of_one_document_is_that_document() -> None:
    joined = value('join("", [jsonencode({ Version = "2012-10-17" })])')
    assert isinstance(joined, EncodedJson)
    assert joined.text() == '{"Version":"2012-10-17"}'


def test_functions_that_see_unknowns_still_follow_each_branch_of_a_conditional() -> None:
    merged = value("merge(var.admin ? { a = 1 } : { b = 2 }, { c = 3 })")
    assert isinstance(merged, Alternatives)
    assert [to_plain(b.value) for b in merged.branches] == [{"a": 1, "c": 3}, {"b": 2, "c": 3}]
    counted = value("keys(var.admin ? { a = 1 } : { a = 2 })")
    assert isinstance(counted, Alternatives)
    assert [to_plain(b.value) for b in counted.branches] == [["a"], ["a"]]
