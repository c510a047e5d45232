"""Our HCL evaluator agrees with python-hcl2 on every literal value, file by file.

python-hcl2 (8.x) returns expressions as source text (`"${var.x}"`), so only
values that both sides resolve literally are compared. The normalisations,
each a documented difference of representation rather than of value:

* A string python-hcl2 returns with an interpolation or directive (`${`, `%{`
  not escaped by doubling) is an expression: skipped. A bare name such as
  `type = string` comes back as the plain string `"string"`; we leave names
  unresolved, so an `Unknown` of ours against such a name is skipped too.
* python-hcl2 keeps the escapes `$${` and `%%{` as written; we unescape them.
* A heredoc's value ends with the newline before its closing marker, which
  python-hcl2 drops; and for an indented heredoc (`<<-`) python-hcl2 8.1
  returns `"` and `\\` backslash-escaped, which we undo before comparing.
* We drop object attributes whose value is `null` (Terraform removes the key);
  python-hcl2 keeps them as None.
* Object keys python-hcl2 returns as `${(expr)}` are computed keys: skipped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions
from hypothesis import given, settings
from hypothesis import strategies as st
from terraform_helpers import REALWORLD

from trustlint.config import LoadOptions
from trustlint.frontends.terraform import load_module
from trustlint.frontends.terraform.hcl_eval import Evaluator, Scope
from trustlint.frontends.terraform.hcl_syntax import Block, parse_hcl, read_body
from trustlint.frontends.terraform.hcl_syntax_errors import syntax_problem
from trustlint.frontends.terraform.hcl_values import EncodedJson, MappedStr
from trustlint.model import Unknown
from trustlint.tree import Alternatives

REPOSITORY = Path(__file__).resolve().parents[2]
_OPTIONS = SerializationOptions(
    with_comments=False,
    preserve_heredocs=False,
    strip_string_quotes=True,
    preserve_scientific_notation=False,
)
_EXPRESSION = re.compile(r"(?<!\$)\$\{|(?<!%)%\{")
_NAME = re.compile(r"^[A-Za-z_][\w\-]*(?:\.[\w\-*]+|\[[^\]]*\])*$")


class _Heredoc(str):
    """A heredoc's value as we read it, compared without its final newline."""


_UNRESOLVED = object()


def _ours(value: Any) -> Any:
    if isinstance(value, MappedStr):
        return _Heredoc(value)
    if isinstance(value, Unknown | Alternatives | EncodedJson):
        return _UNRESOLVED
    if isinstance(value, dict):
        return {key: _ours(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_ours(item) for item in value]
    return value


def literal_body(block: Block, evaluator: Evaluator) -> dict[str, Any]:
    """A body as python-hcl2 shapes it: attributes, then blocks listed by type, nested by label."""
    result: dict[str, Any] = {}
    for name, attribute in block.attributes.items():
        result[name] = _ours(evaluator.evaluate(attribute.expression))
    for child in block.blocks:
        entry: Any = literal_body(child, evaluator)
        for label in reversed(child.labels):
            entry = {label: entry}
        result.setdefault(child.type, []).append(entry)
    return result


def compare(ours: Any, theirs: Any, where: str, problems: list[str]) -> None:
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            if ours is not _UNRESOLVED:
                problems.append(f"{where}: {ours!r} is not an object")
            return
        for key, item in theirs.items():
            if key == "__is_block__" or key.startswith("${"):
                continue
            if key not in ours:
                if item is not None:
                    problems.append(f"{where}.{key}: missing")
                continue
            compare(ours[key], item, f"{where}.{key}", problems)
        return
    if isinstance(theirs, list):
        if ours is _UNRESOLVED:
            return
        if not isinstance(ours, list) or len(ours) != len(theirs):
            problems.append(f"{where}: {ours!r} != {theirs!r}")
            return
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            compare(mine, other, f"{where}[{index}]", problems)
        return
    if isinstance(theirs, str) and _EXPRESSION.search(theirs):
        return
    if ours is _UNRESOLVED:
        if isinstance(theirs, str) and _NAME.match(theirs):
            return
        problems.append(f"{where}: we could not resolve the literal {theirs!r}")
        return
    if isinstance(theirs, str):
        expected = theirs.replace("$${", "${").replace("%%{", "%{")
        if isinstance(ours, _Heredoc):
            actual = ours.removesuffix("\n")
            if actual in (expected, _unescape(expected)):
                return
            problems.append(f"{where}: {actual!r} != {expected!r}")
        elif ours != expected:
            problems.append(f"{where}: {ours!r} != {expected!r}")
        return
    if (
        type(ours) is not type(theirs)
        and not (isinstance(ours, int | float) and isinstance(theirs, int | float))
    ) or ours != theirs:
        problems.append(f"{where}: {ours!r} != {theirs!r}")


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\\"])", r"\1", text)


def parity_problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    file = parse_hcl(text, path.name)
    ours = literal_body(read_body(file), Evaluator(file, Scope()))
    theirs = hcl2.loads(text, serialization_options=_OPTIONS)
    problems: list[str] = []
    compare(ours, theirs, path.name, problems)
    return problems


def _clean_fixtures() -> list[Path]:
    paths = sorted((REPOSITORY / "tests" / "fixtures").rglob("*.tf"))
    paths += sorted((REPOSITORY / "examples").rglob("*.tf"))
    return [
        path
        for path in paths
        if syntax_problem(parse_hcl(path.read_text(encoding="utf-8"), path.name), 256) is None
    ]


@pytest.mark.parametrize(
    "path", _clean_fixtures(), ids=lambda p: p.relative_to(REPOSITORY).as_posix()
)
def test_fixture_and_example_literals_agree_with_python_hcl2(path: Path) -> None:
    assert parity_problems(path) == []


def _realworld() -> Path:
    if not REALWORLD.is_dir():
        pytest.skip(f"real-world corpus not present at {REALWORLD}")
    return REALWORLD


def test_realworld_literals_agree_with_python_hcl2() -> None:
    files = sorted(_realworld().rglob("*.tf"))
    assert files
    problems = [problem for path in files for problem in parity_problems(path)]
    assert problems == []


def test_every_realworld_module_loads_without_a_parse_error() -> None:
    root = _realworld()
    directories = sorted({path.parent for path in root.rglob("*.tf")})
    assert directories
    errors = [
        error
        for directory in directories
        for error in load_module(directory, root, LoadOptions()).errors
        if error.level == "error"  # notes: registry modules that are not installed
    ]
    assert errors == []


NUMBERS = REPOSITORY / "tests" / "fixtures" / "parsers" / "terraform" / "numbers" / "main.tf"


def test_numbers_in_every_form_hcl_allows_parse_and_agree_with_python_hcl2() -> None:
    file = parse_hcl(NUMBERS.read_text(encoding="utf-8"), NUMBERS.name)
    assert syntax_problem(file, 256) is None
    assert parity_problems(NUMBERS) == []
    values = literal_body(read_body(file), Evaluator(file, Scope()))["locals"][0]
    assert values["thousand"] == 1000 and type(values["thousand"]) is int
    assert values["thousandth"] == 0.001
    assert values["seven"] == 7
    assert values["huge"] == 123456789012345678901234567890  # exact, not a float
    assert values["in_arithmetic"] == 1002


@given(
    whole=st.from_regex(r"[0-9]{1,25}", fullmatch=True),
    fraction=st.one_of(st.none(), st.from_regex(r"[0-9]{1,12}", fullmatch=True)),
    mark=st.sampled_from(["e", "E"]),
    sign=st.sampled_from(["", "+", "-"]),
    exponent=st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
)
@settings(max_examples=150, deadline=None)
def test_any_number_literal_agrees_with_python_hcl2(
    whole: str, fraction: str | None, mark: str, sign: str, exponent: int | None
) -> None:
    literal = whole + (f".{fraction}" if fraction is not None else "")
    if exponent is not None:
        literal += f"{mark}{sign}{exponent}"
    text = f"n = {literal}\nl = [{literal}, 1]\n"
    file = parse_hcl(text, "numbers.tf")
    assert syntax_problem(file, 256) is None, literal
    ours = literal_body(read_body(file), Evaluator(file, Scope()))
    theirs = hcl2.loads(text, serialization_options=_OPTIONS)
    # We keep whole numbers exact where python-hcl2 gives the nearest float.
    assert float(ours["n"]) == float(theirs["n"]), literal
    assert [float(item) for item in ours["l"]] == [float(item) for item in theirs["l"]], literal


def test_a_module_with_exponent_numbers_keeps_its_findings() -> None:
    unit = load_module(NUMBERS.parent, REPOSITORY, LoadOptions())
    assert unit.errors == ()
    (role,) = unit.roles
    assert role.max_session_duration is not None
    assert role.max_session_duration.text == "3600"
    (statement,) = role.trust_policy.statements if role.trust_policy else ()
    assert [principal.value for principal in statement.principals] == ["*"]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("0e070707", 0),  # zero, whatever its exponent (found by fuzz/fuzz_hcl_numbers.py)
        ("00E7007900700700", 0),
        ("1e-99999999999999999999", 0.0),  # nearer zero than any float
        ("1.5e-4000", 0.0),
        ("1e3999", 10**3999),
    ],
)
def test_numbers_with_extreme_exponents(literal: str, expected: float) -> None:
    file = parse_hcl(f"n = {literal}\n", "numbers.tf")
    assert syntax_problem(file, 256) is None
    value = literal_body(read_body(file), Evaluator(file, Scope()))["n"]
    assert (type(value), value) == (type(expected), expected)


def test_a_number_too_large_to_compute_with_is_unknown() -> None:
    file = parse_hcl("n = 12e0999999999999999999\n", "numbers.tf")
    value = Evaluator(file, Scope()).evaluate(read_body(file).attributes["n"].expression)
    assert isinstance(value, Unknown)
    assert value.reason == "'12e0999999999999999999' is too large a number to compute with"
