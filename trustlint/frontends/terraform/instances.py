"""Instances of Terraform blocks with `count` or `for_each`, as Terraform plans them.

A resource, data source or module call with `count = n` has the instances
`[0]` .. `[n-1]`, each seeing `count.index`; one with `for_each` over a map or a
set of strings has one instance per key (`["backup"]`), in the lexical order
Terraform plans them, each seeing `each.key` and `each.value`. A block without
either has one instance without a key. When the collection is not known the
instances are not either: `instances` says why, and nothing is guessed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from trustlint import budgets
from trustlint.frontends.terraform.hcl_operations import template_text, to_number
from trustlint.frontends.terraform.hcl_values import EncodedJson, EvalError, LSet
from trustlint.model import Location, Unknown
from trustlint.records import field, record
from trustlint.tree import Alternatives, LList, LMap

MAX_INSTANCES = 256
"""Up to this many instances a block never asks the budget (`limits.max_instances`)."""
"""Instances of one block expanded; a larger collection leaves them unknown."""

NO_BINDINGS: Mapping[str, Any] = MappingProxyType({})

InstanceKey = int | str | None
"""`count` index, `for_each` key, or None for a block with neither."""


@record(eq=False)
class Instance:
    """One instance of a block: its key and the names (`count`, `each`) it binds."""

    key: InstanceKey = None
    bindings: Mapping[str, Any] = field(default_factory=lambda: NO_BINDINGS)

    @property
    def suffix(self) -> str:
        """What Terraform appends to the block's address: `[0]`, `["backup"]` or nothing."""
        return instance_suffix(self.key)


SINGLE = Instance()
"""The only instance of a block without `count` or `for_each`."""


def instance_suffix(key: InstanceKey) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{json.dumps(key, ensure_ascii=False)}]"


def is_repeated(attributes: Mapping[str, Any]) -> bool:
    """Whether a block's attributes hold `count` or `for_each`."""
    return "count" in attributes or "for_each" in attributes


def count_instances(value: Any, location: Location) -> list[Instance] | str:
    """The instances of `count = value`, or why they are not known."""
    if isinstance(value, Unknown | Alternatives):
        return "its count is not known before deployment"
    if value is None or isinstance(value, bool):
        return "its count is not a number"
    try:
        number = to_number(value)
    except EvalError:
        return "its count is not a number"
    if number < 0:
        return "its count is not a whole number"
    # Before float() and before any instance is made: a huge whole number has no float.
    if number > MAX_INSTANCES and budgets.instances(int(number), location, "count") is None:
        return "its count passes limits.max_instances"
    if not float(number).is_integer():
        return "its count is not a whole number"
    return [
        Instance(index, MappingProxyType({"count": _object(location, index=index)}))
        for index in range(int(number))
    ]


def for_each_instances(value: Any, location: Location) -> list[Instance] | str:
    """The instances of `for_each = value`, or why they are not known.

    Terraform accepts a map (or object) and a set of strings; a list is an
    error there ("use toset()"), so it gives no instances here either.
    """
    if isinstance(value, Unknown | Alternatives):
        return "its for_each is not known before deployment"
    items: list[tuple[str, Any, Location]] = []
    if isinstance(value, LMap):
        for key in sorted(value):
            items.append((key, value[key], value.value_location(key)))
    elif isinstance(value, LSet):
        for index, element in enumerate(value):
            if isinstance(element, Unknown | Alternatives | EncodedJson):
                return "an element of its for_each set is not known before deployment"
            if not isinstance(element, str):
                return "its for_each set holds a value that is not a string"
            items.append((str(element), element, value.item_location(index)))
        items.sort(key=lambda item: item[0])
    elif isinstance(value, LList):
        return "its for_each is a list; Terraform needs a map or a set (toset())"
    else:
        return "its for_each is not a map or a set"
    if len(items) > MAX_INSTANCES and budgets.instances(len(items), location, "for_each") is None:
        return "its for_each passes limits.max_instances"
    return [
        Instance(
            key,
            MappingProxyType({"each": _object(item_location, key=key, value=element)}),
        )
        for key, element, item_location in items
    ]


def find_instance(instances: list[Instance], key: Any) -> Instance | Unknown | None:
    """The instance an index (`[0]`, `["backup"]`) selects; None when there is none."""
    if isinstance(key, Unknown):
        return key
    if isinstance(key, Alternatives):
        return Unknown("", key.location, "the instance key is one of several values")
    counted = bool(instances) and isinstance(instances[0].key, int)
    wanted: Any
    if counted:
        try:
            number = to_number(key)
        except EvalError:
            return None
        if not float(number).is_integer():
            return None
        wanted = int(number)
    else:
        text = template_text(key) if key is not None else None
        if not isinstance(text, str):
            return None
        wanted = text
    return next((instance for instance in instances if instance.key == wanted), None)


def _object(location: Location, **attributes: Any) -> LMap:
    result = LMap(location)
    for name, value in attributes.items():
        result.put(name, value, location, location)
    return result


def instance_list(values: list[tuple[Any, Location]], location: Location) -> LList:
    """The values of the instances of a counted block, as its splat lists them."""
    result = LList(location)
    for value, value_location in values:
        result.add(value, value_location)
    return result
