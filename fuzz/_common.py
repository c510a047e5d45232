"""What every harness shares: seeds, mutations, the plain loop and the atheris glue.

A harness is a `Target`: a name (the front-end, which names the crasher
directory), seed files from `tests/fixtures`, a dictionary of tokens worth
inserting, and `check(data)`, which raises on a bug and otherwise returns a
few words describing what the input did (which rules fired, which error) so
that the plain loop can keep inputs that did something new.

Run with atheris when it is installed (coverage-guided, libFuzzer's mutations
mixed with ours), else as a seeded mutation loop; see README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
FINDINGS = REPO / "fuzz" / "findings"
SLOW_SECONDS = 5.0
"""An input taking longer than this is reported as a hang candidate."""
MAX_INPUT = 64 * 1024
FUZZ_OPTIONS_SECONDS = 2.0
"""The evaluation time budget of a unit while fuzzing: below `SLOW_SECONDS`, so
that an input is a hang candidate only if it escapes the budgets."""
MAX_CORPUS = 4000

for path in (REPO, REPO / "tests" / "robustness"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def _fuzz_options() -> Any:
    from trustlint.config import LoadOptions

    return LoadOptions(max_evaluation_seconds=FUZZ_OPTIONS_SECONDS)


FUZZ_OPTIONS = _fuzz_options()


@dataclass
class Target:
    name: str
    seeds: list[bytes]
    check: Callable[[bytes], frozenset[str]]
    tokens: tuple[bytes, ...] = ()
    structured: bool = True
    """Whether seeds are YAML/JSON trees worth mutating as trees."""
    trees: list[Any] = field(default_factory=list)


def seed_files(
    suffixes: Iterable[str], accept: Callable[[bytes], bool] | None = None
) -> list[bytes]:
    """The bytes of every fixture with one of `suffixes` (crashers included) that `accept`s."""
    wanted = tuple(suffixes)
    seeds = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.name.endswith(wanted):
            data = path.read_bytes()
            if len(data) <= MAX_INPUT and (accept is None or accept(data)):
                seeds.append(data)
    return seeds


class Workspace:
    """A project directory of the fuzzing process's own, reused for every input."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="trustlint-fuzz-"))

    def write(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


_DIGITS = str.maketrans("", "", "0123456789")


def outcome(findings: Iterable[Any], errors: Iterable[str] = ()) -> frozenset[str]:
    """What an input did, coarsely: the rules that fired and the kinds of error."""
    return frozenset(
        [*(finding.rule_id for finding in findings), *(e.translate(_DIGITS)[:60] for e in errors)]
    )


# -- mutations ---------------------------------------------------------------

INTERESTING_BYTES = (b"\x00", b"\xff", b"\xfe", b"\xef\xbb\xbf", b"\t", b"\r", b"\n", b"\x85")
COMMON_TOKENS = (
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b"'",
    b":",
    b",",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\ud83d\\ude00",
    b"*",
    b"?",
    b"null",
    b"true",
    b"-1",
    b"1e400",
    b"0x10",
    b"9" * 40,
    b"\xc3\xa9",
    b"\xe2\x80\xa8",
)
WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    10**30,
    "",
    "*",
    "\u2028",
    "\ufffd",
    [],
    {},
    [None],
    ["*"],
    {"Ref": "AWS::NoValue"},
    {"Ref": "Missing"},
    {"Fn::If": ["C", "*", {"Ref": "AWS::NoValue"}]},
    {"Fn::Sub": "${AWS::AccountId}${Missing}"},
    {"Fn::Join": ["", [{"Ref": "AWS::Partition"}]]},
    {"Fn::Select": [5, []]},
    {"Fn::Split": ["", "abc"]},
    {"Fn::GetAtt": ["Role", "Arn"]},
    {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "k"]},
    {"Fn::ToJsonString": {"a": [1]}},
    {"Fn::Length": [1, 2]},
    {"Fn::Base64": "x"},
    {"Statement": []},
    {"Condition": "C"},
)


def mutate_bytes(
    rng: random.Random, data: bytes, others: Sequence[bytes], tokens: Sequence[bytes]
) -> bytes:
    """One random byte-level mutation of `data`."""
    size = len(data)
    position = rng.randint(0, size)
    end = min(size, position + rng.randint(0, 64))
    choice = rng.randrange(9)
    if choice == 0 and size:
        index = rng.randrange(size)
        return data[:index] + bytes([rng.randrange(256)]) + data[index + 1 :]
    if choice == 1:
        return data[:position] + data[end:]
    if choice == 2:
        return data[:position] + data[position:end] * rng.randint(2, 8) + data[position:]
    if choice in (3, 4):
        token = rng.choice(tokens or COMMON_TOKENS)
        return data[:position] + token + data[position:]
    if choice == 5:
        return data[:position] + rng.choice(INTERESTING_BYTES) + data[position:]
    if choice == 6 and others:
        other = rng.choice(others)
        cut = rng.randint(0, len(other))
        return data[:position] + other[cut:]
    if choice == 7:
        lines = data.split(b"\n")
        index = rng.randrange(len(lines))
        operation = rng.randrange(4)
        if operation == 0:
            lines.insert(index, lines[index])
        elif operation == 1:
            del lines[index]
        elif operation == 2:
            lines[index] = b"  " + lines[index]
        else:
            swap = rng.randrange(len(lines))
            lines[index], lines[swap] = lines[swap], lines[index]
        return b"\n".join(lines)
    opener, closer = rng.choice(((b"[", b"]"), (b'{"a": ', b"}"), (b"(", b")"), (b"${", b"}")))
    depth = rng.choice((2, 50, 300, 2000))
    return data[:position] + opener * depth + data[position:end] + closer * depth + data[end:]


def mutate_tree(rng: random.Random, tree: Any, others: Sequence[Any]) -> Any:
    """A copy of a JSON-shaped tree with one node replaced, removed, renamed or copied."""
    tree = json.loads(json.dumps(tree))
    paths = list(_paths(tree))
    path = rng.choice(paths)
    replacement: Any
    roll = rng.randrange(5)
    if roll == 0 and others:
        donor = rng.choice(others)
        replacement = _node(donor, rng.choice(list(_paths(donor))))
    elif roll == 1:
        replacement = _node(tree, rng.choice(paths))
    else:
        replacement = rng.choice(WRONG_VALUES)
    # A copy: a subtree moved under itself would make the tree a cycle.
    replacement = json.loads(json.dumps(replacement))
    if not path:
        return replacement
    parent = _node(tree, path[:-1])
    key = path[-1]
    if isinstance(parent, dict) and rng.randrange(4) == 0:
        value = parent.pop(key)
        if rng.randrange(2):
            parent[
                rng.choice(["Fn::If", "Ref", "Statement", "Principal", "Condition", key.upper()])
            ] = value
        return tree
    parent[key] = replacement
    return tree


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterable[tuple[Any, ...]]:
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _paths(value, (*prefix, index))


def _node(tree: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        tree = tree[step]
    return tree


def parsed_trees(seeds: Sequence[bytes]) -> list[Any]:
    """The seeds trustlint's loader reads, as plain data: the material of tree mutations
    (short forms read as long ones: `!Ref x` is `{"Ref": "x"}`)."""
    from trustlint.frontends.yaml_loader import LoadError, load_yaml
    from trustlint.tree import to_plain

    trees = []
    for seed in seeds:
        try:
            tree = to_plain(load_yaml(seed.decode("utf-8"), "seed", max_nodes=100_000))
            json.dumps(tree)
        except (LoadError, UnicodeDecodeError, ValueError, RecursionError):
            continue
        if isinstance(tree, dict | list):
            trees.append(tree)
    return trees


def _tree_mutant(rng: random.Random, target: Target) -> bytes:
    tree = rng.choice(target.trees)
    for _ in range(rng.randint(1, 4)):
        tree = mutate_tree(rng, tree, target.trees)
    if rng.randrange(2):
        return json.dumps(tree, indent=rng.choice((None, 2))).encode()
    import yaml

    return yaml.safe_dump(tree, sort_keys=False).encode()


def mutant(rng: random.Random, target: Target, corpus: Sequence[bytes]) -> bytes:
    if target.structured and target.trees and rng.randrange(3) == 0:
        try:
            return _tree_mutant(rng, target)
        except (RecursionError, ValueError):
            pass  # a tree too deep to copy or write: mutate bytes instead
    data = rng.choice(corpus)
    for _ in range(rng.randint(1, 4)):
        data = mutate_bytes(rng, data, corpus, target.tokens)
    return data[:MAX_INPUT]


# -- running -----------------------------------------------------------------


def save_crasher(directory: Path, data: bytes, report: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = directory / f"crash-{digest}"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(report, encoding="utf-8")
    return path


def plain_loop(target: Target, iterations: int, seed: int, seconds: float | None, out: Path) -> int:
    """The mutation loop; prints a summary and returns the number of problems found."""
    rng = random.Random(seed)
    corpus = list(target.seeds)
    seen: set[frozenset[str]] = set()
    problems: dict[str, Path] = {}
    started = time.monotonic()
    done = 0
    for done in range(1, iterations + 1):
        data = mutant(rng, target, corpus)
        began = time.monotonic()
        try:
            outcome = target.check(data)
        except Exception as error:
            frames = traceback.extract_tb(error.__traceback__)
            where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
            key = f"{type(error).__name__} at {where}: {str(error)[:120]}"
            if key not in problems:
                report = "".join(traceback.format_exception(error))
                problems[key] = save_crasher(out, data, report)
                print(f"[{done}] {key}\n    saved as {problems[key]}", flush=True)
            continue
        elapsed = time.monotonic() - began
        if elapsed > SLOW_SECONDS:
            key = f"slow input ({elapsed:.1f} s)"
            problems[f"{key} {len(problems)}"] = save_crasher(out, data, key)
            print(f"[{done}] {key}", flush=True)
        if outcome not in seen and len(corpus) < MAX_CORPUS:
            seen.add(outcome)
            corpus.append(data)
        if seconds is not None and time.monotonic() - started > seconds:
            break
    elapsed = time.monotonic() - started
    print(
        f"{target.name}: {done} inputs in {elapsed:.0f} s ({done / max(elapsed, 1e-9):.0f}/s), "
        f"{len(corpus)} in the corpus, {len(seen)} distinct outcomes, {len(problems)} problems"
    )
    return len(problems)


def atheris_loop(target: Target, argv: list[str], seed: int) -> None:
    import atheris

    rng = random.Random(seed)
    corpus_dir = Path(tempfile.mkdtemp(prefix=f"fuzz-{target.name}-"))
    for index, data in enumerate(target.seeds):
        (corpus_dir / f"seed-{index:04d}").write_bytes(data)

    def test_one_input(data: bytes) -> None:
        target.check(data)

    def custom_mutator(data: bytes, max_size: int, mutation_seed: int) -> bytes:
        rng.seed(mutation_seed)
        if rng.randrange(2):
            return bytes(atheris.Mutate(data, max_size))
        mutated = mutant(rng, target, [data, *rng.sample(target.seeds, min(3, len(target.seeds)))])
        return mutated[:max_size]

    atheris.Setup(
        [argv[0], *argv[1:], str(corpus_dir)], test_one_input, custom_mutator=custom_mutator
    )
    atheris.Fuzz()


_LAZY_MODULES = (
    "trustlint.frontends.dispatch",
    "trustlint.frontends.cloudformation",
    "trustlint.frontends.cfn_intrinsics",
    "trustlint.frontends.policy_json",
    "trustlint.frontends.terraform.module",
    "trustlint.frontends.terraform.hcl_eval",
    "trustlint.frontends.terraform.hcl_functions",
    "trustlint.frontends.terraform.hcl_json",
    "trustlint.frontends.terraform.hcl_operations",
    "trustlint.frontends.terraform.hcl_syntax",
    "trustlint.frontends.terraform.hcl_syntax_errors",
    "trustlint.frontends.terraform.hcl_templates",
    "trustlint.frontends.terraform.hcl_values",
    "trustlint.frontends.terraform.plan",
    "trustlint.policy_reader",
    "trustlint.graph",
    "trustlint.report.text",
    "trustlint.report.json_report",
    "trustlint.report.sarif",
)


def _import_every_stage() -> None:
    import importlib

    for name in _LAZY_MODULES:
        importlib.import_module(name)
    from trustlint.checks import all_checks

    all_checks()


def main(build: Callable[[], Target], argv: list[str] | None = None) -> int:
    """Parse the command line, build the target (instrumented under atheris) and fuzz."""
    parser = argparse.ArgumentParser(description=(sys.modules["__main__"].__doc__ or "").strip())
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    parser.add_argument("--plain", action="store_true", help="never use atheris")
    parser.add_argument("--findings", type=Path, default=None, help="where crashers go")
    options, libfuzzer = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    try:
        import atheris
    except ImportError:
        atheris = None
    if atheris is None or options.plain:
        target = build()
        out = options.findings or FINDINGS / target.name
        print(f"{target.name}: plain loop, {len(target.seeds)} seeds, seed {options.seed}")
        return (
            1 if plain_loop(target, options.iterations, options.seed, options.seconds, out) else 0
        )
    with atheris.instrument_imports(include=["trustlint"]):
        # Modules a scan imports lazily must be imported here to be instrumented.
        _import_every_stage()
        target = build()
    out = options.findings or FINDINGS / target.name
    out.mkdir(parents=True, exist_ok=True)
    arguments = [
        sys.argv[0],
        f"-runs={options.iterations}",
        f"-seed={options.seed}",
        f"-artifact_prefix={out}{os.sep}",
        f"-max_len={MAX_INPUT}",
        "-timeout=30",
        "-rss_limit_mb=2048",
        *([f"-max_total_time={int(options.seconds)}"] if options.seconds else []),
        *libfuzzer,
    ]
    print(f"{target.name}: atheris, {len(target.seeds)} seeds, seed {options.seed}")
    atheris_loop(target, arguments, options.seed)
    return 0
