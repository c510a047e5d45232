"""Fuzz the YAML/JSON loader alone, fast: any text gives a located tree or a
`LoadError`, every location is well formed, and JSON that Python reads strictly
reads the same. `python fuzz/fuzz_yaml_loader.py --iterations N --seed S`."""

from __future__ import annotations

import json
import math
from typing import Any

from _common import Target, main, parsed_trees, seed_files

TOKENS = tuple(
    token.encode()
    for token in (
        "&a ",
        "*a",
        "<<: *a",
        "!Ref ",
        "!If ",
        "!!str ",
        "!!python/name:os.system",
        "? ",
        "- ",
        "--- ",
        "...",
        "%YAML 1.1\n",
        "%TAG ! tag:x,2000:\n",
        "|+\n",
        ">-\n",
        "'",
        '"',
        "\\u",
        '"\\ud800"',
        '"\\ud83d\\ude00"',
        "\t",
        "\ufeff",
        "\u2028",
        "\x85",
        "1e3",
        "0o17",
        "0x1F",
        ".inf",
        "~",
        "yes",
        "2012-10-17",
        "{",
        "}",
        "[",
        "]",
        ",",
        ": ",
    )
)


class ParityError(AssertionError):
    """The loader read valid JSON differently from Python's `json`."""


def build() -> Target:
    from trustlint.frontends.yaml_loader import LoadError, load_json, load_yaml
    from trustlint.model import Location
    from trustlint.tree import LList, LMap, to_plain

    def check_locations(node: Any, location: Location) -> None:
        assert location.line >= 1 and location.column >= 1, location
        assert (location.end_line, location.end_column) >= (location.line, location.column), (
            location
        )
        if isinstance(node, LMap):
            for key, value in node.items():
                check_locations(value, node.value_location(key))
                check_locations(None, node.key_location(key))
        elif isinstance(node, LList):
            for index, item in enumerate(node):
                check_locations(item, node.item_location(index))

    def strict_json(text: str) -> Any:
        def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            keys = [key for key, _ in pairs]
            if len(set(keys)) != len(keys):
                raise ValueError("duplicate key")
            return dict(pairs)

        def no_constant(name: str) -> Any:
            raise ValueError(name)

        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant)

    def check(data: bytes) -> frozenset[str]:
        text = data.decode("utf-8", "replace")
        results = []
        for load in (load_yaml, load_json):
            try:
                tree = load(text, "fuzz", max_nodes=200_000)
            except LoadError as error:
                assert error.line >= 1 and error.column >= 1
                results.append(error.message[:40])
                continue
            if isinstance(tree, LMap | LList):
                check_locations(tree, tree.location)
            results.append(type(tree).__name__)
        try:
            expected = strict_json(text)
        except (ValueError, RecursionError):
            return frozenset(results)
        if _comparable(expected):
            try:
                ours = to_plain(load_json(text, "fuzz", max_nodes=200_000))
            except LoadError as error:
                raise ParityError(f"valid JSON rejected: {error}") from None
            if ours != expected:
                raise ParityError(f"read {ours!r:.200} instead of {expected!r:.200}")
        return frozenset(results)

    seeds = seed_files((".yaml", ".yml", ".json", ".template"))
    return Target("yaml-loader", seeds, check, TOKENS, trees=parsed_trees(seeds))


YAML_KEY_LIMIT = 1024 // 12
"""libyaml refuses a mapping key written in more than 1024 characters, as YAML 1.1
says (such a file is a TL000; no key of a template or a policy is nearly that
long). A character may take 12 to write (`\\ud83d\\ude00`), so longer decoded
keys are left out of the comparison."""


def _comparable(data: Any, depth: int = 0) -> bool:
    """JSON the loader is meant to read alike: not nested past its depth limit, no
    float it reads otherwise, no surrogate (libyaml rejects those escapes), no key
    over `YAML_KEY_LIMIT`."""
    if depth > 200:
        return False
    if isinstance(data, float):
        return math.isfinite(data)
    if isinstance(data, str):
        return not any("\ud800" <= c <= "\udfff" for c in data)
    if isinstance(data, dict):
        return all(
            len(k) <= YAML_KEY_LIMIT and _comparable(k, depth) and _comparable(v, depth + 1)
            for k, v in data.items()
        )
    if isinstance(data, list):
        return all(_comparable(item, depth + 1) for item in data)
    return True


if __name__ == "__main__":
    raise SystemExit(main(build))
