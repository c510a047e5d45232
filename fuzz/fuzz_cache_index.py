"""Fuzz the parse cache's index: any bytes in its place give the uncached result, never an error.

`python fuzz/fuzz_cache_index.py --iterations N --seed S`.

A small project (a template, a policy, a Terraform module) is scanned once
to write the cache; seeds are its index, whole and as written by later runs.
Each input replaces the index (the entries stay as they are), then the
project is loaded through the cache: a bug is an exception, or units that
differ from an uncached load. An index that fails its checksum or its shape
is rebuilt; the one written afterwards must read back whole. Each input is
also tried with the checksum of its body put right, so that the checks
behind the checksum (the index's shape, each record) are fuzzed too.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from _common import FIXTURES, Target, Workspace, main

PROJECT_FILES = {
    "cfn/role.yaml": FIXTURES / "robustness" / "good" / "open-trust.yaml",
    "module/main.tf": FIXTURES / "parsers" / "terraform" / "numbers" / "main.tf",
}
POLICY = (
    b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    b'"Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole"}]}\n'
)
TOKENS = (b"\x00", b"\xff", b"TLI\x01", b"\xfa", b"\xe9", b"(", b")", b"s", b"z", b"i")


def build() -> Target:
    from trustlint import cache
    from trustlint.config import LoadOptions
    from trustlint.loading import load_units

    workspace = Workspace()
    root = workspace.root / "project"
    for name, source in PROJECT_FILES.items():
        workspace.write(f"project/{name}", source.read_bytes())
    workspace.write("project/policy.json", POLICY)
    past = time.time() - 60
    for path in root.rglob("*"):
        os.utime(path, (past, past))
    files = [root / "cfn" / "role.yaml", root / "policy.json"]
    modules = [root / "module"]
    options = LoadOptions()
    cache_dir = workspace.root / "cache"
    expected = load_units(files, modules, root, options, None)

    def index_path() -> os.PathLike[str]:
        (path,) = (cache_dir / "index").iterdir()
        return path

    seeds = []
    for _ in range(2):  # the first run writes the entries, the second the memo
        load_units(files, modules, root, options, cache_dir)
        with open(index_path(), "rb") as stream:
            seeds.append(stream.read())

    def load_with_index(data: bytes) -> str:
        with open(index_path(), "wb") as stream:
            stream.write(data)
        loaded = load_units(files, modules, root, options, cache_dir)
        assert loaded == expected, "a damaged index changed what was loaded"
        with open(index_path(), "rb") as stream:
            written = stream.read()
        try:
            cache._decode_index(written)
        except Exception as error:
            raise AssertionError(f"the index written back is damaged: {error}") from None
        return "kept" if written == data else "rebuilt"

    whole = cache._decode_index(seeds[-1])

    def check(data: bytes) -> frozenset[str]:
        # As it is (a checksum that fails, mostly), then the whole index with
        # one value changed (chosen by the input) under a checksum that holds:
        # an index written by code that wrote it wrong, which only the checks
        # of its shape and of each record catch. (Marshal data is trusted once
        # its checksum holds: random bytes can make marshal run for minutes.)
        changed = _change_one_value(whole, random.Random(data))
        return frozenset(
            [load_with_index(data), "changed " + load_with_index(cache._encode_index(changed))]
        )

    return Target("cache-index", seeds, check, TOKENS, structured=False)


WRONG_VALUES: tuple[Any, ...] = (
    None,
    0,
    -1,
    2**70,
    1.5,
    True,
    "",
    "x",
    "../../etc",
    b"",
    b"\xff",
    (),
    ("a",),
    (1, 2, 3, 4, 5),
    ("a", "b", "c", "d", "e"),
    {},
    [],
)


def _change_one_value(value: Any, rng: random.Random) -> Any:
    """`value` with one value somewhere in it replaced by a wrong one."""
    if rng.random() < 0.15 or not isinstance(value, dict | tuple | list) or not value:
        return rng.choice(WRONG_VALUES)
    if isinstance(value, dict):
        key = rng.choice(list(value))
        if rng.random() < 0.1:
            changed = dict(value)
            changed[rng.choice(WRONG_VALUES[:9])] = changed.pop(key)
            return changed
        return {**value, key: _change_one_value(value[key], rng)}
    position = rng.randrange(len(value))
    items = list(value)
    items[position] = _change_one_value(items[position], rng)
    return type(value)(items)


if __name__ == "__main__":
    raise SystemExit(main(build))
