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
from typing import Any

from trustlint.model import Location, Unknown
from trustlint.records import record


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


@record
class Branch:
    label: str
    """What choosing this branch means, e.g. `IsProd=true`."""
    value: Any
    location: Location


@record
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
    return expand_all(node, location)[0]


def expand_all(
    node: Any, location: Location
) -> tuple[list[tuple[str | None, Any, Location]], bool]:
    """`expand`, and whether its variants are all there are (False: bounded by `MAX_VARIANTS`)."""
    if not contains_alternatives(node):
        return [(None, node, location)], True
    cut = _Cut()
    variants = list(
        itertools.islice(
            (v for v in _expand(node, location, cut) if consistent(v[0])), MAX_VARIANTS + 1
        )
    )
    if len(variants) > MAX_VARIANTS:
        del variants[MAX_VARIANTS:]
        cut.happened = True
    labelled = [
        (" and ".join(dict.fromkeys(labels)) or None, tree, loc) for labels, tree, loc in variants
    ]
    return labelled, not cut.happened


class _Cut:
    """Set when a bound left variants out somewhere in an expansion."""

    __slots__ = ("happened",)

    def __init__(self) -> None:
        self.happened = False


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


def _expand(
    node: Any, location: Location, cut: _Cut
) -> Iterator[tuple[tuple[str, ...], Any, Location]]:
    if isinstance(node, Alternatives):
        for branch in node.branches:
            for labels, tree, loc in _expand(branch.value, branch.location, cut):
                yield (branch.label, *labels), tree, loc
        return
    if isinstance(node, LMap):
        keys = list(node.keys())
        choices = [_variants(node[k], node.value_location(k), cut) for k in keys]
        for combo in _combinations(choices, cut):
            mapping = LMap(node.location)
            map_labels: tuple[str, ...] = ()
            for key, (sub_labels, tree, loc) in zip(keys, combo, strict=True):
                map_labels += sub_labels
                if tree is not NO_VALUE:
                    mapping.put(key, tree, node.key_location(key), loc)
            yield map_labels, mapping, location
        return
    if isinstance(node, LList):
        choices = [_variants(item, node.item_location(i), cut) for i, item in enumerate(node)]
        for combo in _combinations(choices, cut):
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


def _variants(node: Any, location: Location, cut: _Cut) -> list[_Variant]:
    """The first `MAX_VARIANTS` consistent variants of a child.

    A child is expanded once for all its parent's combinations; without the
    bound, twenty sibling conditionals would be a million variants in memory.
    """
    if not contains_alternatives(node):
        return [((), node, location)]
    consistent_variants = (v for v in _expand(node, location, cut) if consistent(v[0]))
    variants = list(itertools.islice(consistent_variants, MAX_VARIANTS + 1))
    if len(variants) > MAX_VARIANTS:
        del variants[MAX_VARIANTS:]
        cut.happened = True
    return variants


def _combinations(choices: list[list[_Variant]], cut: _Cut) -> Iterator[tuple[_Variant, ...]]:
    """The consistent combinations of the children's variants, fewest departures first.

    Each child's variants come in its own order (the first branch of every
    conditional first); combinations are taken by how far they stray from
    the first one (the sum of the chosen variants' positions): the first
    combination, then each child's second variant alone, then pairs, and so
    on. When expansion stops at `MAX_VARIANTS`, every single choice of up to
    about thirty conditionals has then been looked at, where product order
    would never have tried the second branch of the first one.

    Inconsistent ones are dropped here rather than at the top, so that a
    subtree hands its parent only variants that can deploy; looking stops
    after `_MAX_COMBINATIONS`.
    """
    if any(not variants for variants in choices):
        return
    varying = [k for k, variants in enumerate(choices) if len(variants) > 1]
    limits = [len(choices[k]) - 1 for k in varying]
    first = [variants[0] for variants in choices]

    def in_order() -> Iterator[tuple[_Variant, ...]]:
        for departure in range(sum(limits) + 1):
            for positions in _positions_summing_to(limits, departure):
                combo = list(first)
                for k, position in zip(varying, positions, strict=True):
                    combo[k] = choices[k][position]
                yield tuple(combo)

    for looked_at, combo in enumerate(in_order()):
        if looked_at == _MAX_COMBINATIONS:
            cut.happened = True
            return
        if consistent(tuple(label for variant in combo for label in variant[0])):
            yield combo


def _positions_summing_to(limits: list[int], total: int) -> Iterator[tuple[int, ...]]:
    """Every vector `p` with `0 <= p[k] <= limits[k]` and `sum(p) == total`, in lexicographic order.

    Iterative, so that a list of hundreds of conditional items needs no deep recursion.
    """
    count = len(limits)
    if total > sum(limits):
        return
    positions = [0] * count

    def fill_from_right(start: int, amount: int) -> None:
        for k in range(count - 1, start - 1, -1):
            positions[k] = min(limits[k], amount)
            amount -= positions[k]

    fill_from_right(0, total)
    yield tuple(positions)
    while True:
        after = 0  # sum(positions[k + 1:])
        for k in range(count - 1, -1, -1):
            if after > 0 and positions[k] < limits[k]:
                positions[k] += 1
                fill_from_right(k + 1, after - 1)
                yield tuple(positions)
                break
            after += positions[k]
        else:
            return


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
