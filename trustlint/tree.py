"""The located data tree: JSON-shaped values that remember where they were written.

Front-ends turn their syntax into this tree (CloudFormation after intrinsics
are resolved, Terraform after expressions are evaluated, JSON as read) and the
policy reader turns the tree into the model. Containers carry the location of
each child, so scalars stay plain Python values (`str`, `int`, `float`,
`bool`, `None`) or `Unknown`.

`Alternatives` holds the branches of a conditional (`Fn::If`, `c ? a : b`);
`NO_VALUE` is a branch that removes its key or list item (`AWS::NoValue`,
`null` in a Terraform object). `expand` turns a tree holding alternatives into
the concrete trees it may deploy as.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from trustlint.model import Location, Unknown


class LMap(dict[str, Any]):
    """A mapping with the location of itself, of each key and of each value."""

    __slots__ = ("key_locations", "location", "value_locations")

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.key_locations: dict[str, Location] = {}
        self.value_locations: dict[str, Location] = {}

    def put(self, key: str, value: Any, key_location: Location, value_location: Location) -> None:
        self[key] = value
        self.key_locations[key] = key_location
        self.value_locations[key] = value_location

    def key_location(self, key: str) -> Location:
        return self.key_locations.get(key, self.location)

    def value_location(self, key: str) -> Location:
        return self.value_locations.get(key, self.location)


class LList(list[Any]):
    """A sequence with the location of itself and of each item."""

    __slots__ = ("item_locations", "location")

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.item_locations: list[Location] = []

    def add(self, value: Any, location: Location) -> None:
        self.append(value)
        self.item_locations.append(location)

    def item_location(self, index: int) -> Location:
        if 0 <= index < len(self.item_locations):
            return self.item_locations[index]
        return self.location


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()
"""A branch that removes its key or list item."""


@dataclass(frozen=True, slots=True)
class Branch:
    label: str
    """What choosing this branch means, e.g. `IsProd=true`."""
    value: Any
    location: Location


@dataclass(frozen=True, slots=True)
class Alternatives:
    """The value is one of these branches; which one is decided at deploy time."""

    branches: tuple[Branch, ...]
    location: Location


MAX_VARIANTS = 32
"""Expansion stops here: a tree yields at most this many variants, and so does
each subtree it is built from, so a pathological template cannot explode."""
_MAX_COMBINATIONS = MAX_VARIANTS * 32
"""Combinations of the children's variants one container looks at, consistent
or not: the inconsistent ones are skipped, and skipping must end too."""


def contains_alternatives(node: Any) -> bool:
    if isinstance(node, Alternatives):
        return True
    if isinstance(node, dict):
        return any(contains_alternatives(v) for v in node.values())
    if isinstance(node, list):
        return any(contains_alternatives(v) for v in node)
    return False


def expand(node: Any, location: Location) -> list[tuple[str | None, Any, Location]]:
    """All concrete variants of `node`: (branch label or None, tree, location).

    A tree without alternatives is returned as its only variant, unchanged.
    Labels of the form `name=value` are choices of one named condition: a
    combination that takes two different values of the same condition cannot
    deploy and is skipped (`Fn::If [C, ...]` twice in one statement).
    """
    if not contains_alternatives(node):
        return [(None, node, location)]
    variants = itertools.islice(
        (v for v in _expand(node, location) if consistent(v[0])), MAX_VARIANTS
    )
    return [
        (" and ".join(dict.fromkeys(labels)) or None, tree, loc) for labels, tree, loc in variants
    ]


def consistent(labels: tuple[str, ...]) -> bool:
    """Whether branch labels agree on every named condition they mention.

    A label value may list choices with `|` (`Env=dev|test`): two labels agree
    when their choices overlap.
    """
    chosen: dict[str, set[str]] = {}
    for label in labels:
        name, equals, value = label.rpartition("=")
        if not equals or not name:
            continue
        choices = set(value.split("|"))
        previous = chosen.get(name)
        if previous is not None:
            choices &= previous
            if not choices:
                return False
        chosen[name] = choices
    return True


def _expand(node: Any, location: Location) -> Iterator[tuple[tuple[str, ...], Any, Location]]:
    if isinstance(node, Alternatives):
        for branch in node.branches:
            for labels, tree, loc in _expand(branch.value, branch.location):
                yield (branch.label, *labels), tree, loc
        return
    if isinstance(node, LMap):
        keys = list(node.keys())
        choices = [_variants(node[k], node.value_location(k)) for k in keys]
        for combo in _combinations(choices):
            mapping = LMap(node.location)
            map_labels: tuple[str, ...] = ()
            for key, (sub_labels, tree, loc) in zip(keys, combo, strict=True):
                map_labels += sub_labels
                if tree is not NO_VALUE:
                    mapping.put(key, tree, node.key_location(key), loc)
            yield map_labels, mapping, location
        return
    if isinstance(node, LList):
        choices = [_variants(item, node.item_location(i)) for i, item in enumerate(node)]
        for combo in _combinations(choices):
            sequence = LList(node.location)
            list_labels: tuple[str, ...] = ()
            for sub_labels, tree, loc in combo:
                list_labels += sub_labels
                if tree is not NO_VALUE:
                    sequence.add(tree, loc)
            yield list_labels, sequence, location
        return
    yield (), node, location


_Variant = tuple[tuple[str, ...], Any, Location]


def _variants(node: Any, location: Location) -> list[_Variant]:
    """The first `MAX_VARIANTS` consistent variants of a child.

    A child is expanded once for all its parent's combinations; without the
    bound, twenty sibling conditionals would be a million variants in memory.
    """
    if not contains_alternatives(node):
        return [((), node, location)]
    consistent_variants = (v for v in _expand(node, location) if consistent(v[0]))
    return list(itertools.islice(consistent_variants, MAX_VARIANTS))


def _combinations(choices: list[list[_Variant]]) -> Iterator[tuple[_Variant, ...]]:
    """The consistent combinations of the children's variants, in product order.

    Inconsistent ones are dropped here rather than at the top, so that a
    subtree hands its parent only variants that can deploy; looking stops
    after `_MAX_COMBINATIONS`.
    """
    combinations = itertools.islice(itertools.product(*choices), _MAX_COMBINATIONS)
    for combo in combinations:
        if consistent(tuple(label for variant in combo for label in variant[0])):
            yield combo


def to_plain(node: Any) -> Any:
    """The tree as plain JSON data: for parity tests and `inspect`.

    Unknowns become `{"unknown": text}`; alternatives `{"one_of": [...]}`.
    """
    if isinstance(node, Unknown):
        return {"unknown": node.text}
    if isinstance(node, Alternatives):
        return {"one_of": [to_plain(b.value) for b in node.branches]}
    if node is NO_VALUE:
        return {"no_value": True}
    if isinstance(node, dict):
        return {k: to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    return node
