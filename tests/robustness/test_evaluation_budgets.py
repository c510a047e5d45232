"""Hostile evaluations end in seconds: past a `limits:` budget a value is unknown, never a guess.

Each fixture under `tests/fixtures/robustness/budgets/` once took a minute or
gigabytes (a 200-byte `format("%1000000000s", "x")`, `count = 100000000` with
a splat, a nested `for` over 10,000 x 10,000, `Fn::Sub` doubling its text at
every level). Each now runs in a second or two, `--strict` names the limit
and the line where evaluation stopped, and the literal `"*"` trust beside it
is still found.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile_support import ROBUSTNESS_FIXTURES, CliRun, assert_bounded, run_cli

from trustlint import budgets
from trustlint.config import ConfigError, LoadOptions, load_config
from trustlint.frontends.terraform.hcl_eval import Evaluator, Scope
from trustlint.frontends.terraform.hcl_syntax import parse_hcl, read_body
from trustlint.loading import load_units
from trustlint.model import Location, Unknown

BUDGETS = ROBUSTNESS_FIXTURES / "budgets"
SECONDS = 8.0
"""A bound for each hostile scan here; without the budgets each ran for a minute or more."""


def strict_scan(tmp_path: Path, fixture: str, config: str | None = None) -> CliRun:
    root = tmp_path / "project"
    root.mkdir()
    source = BUDGETS / fixture
    if source.is_dir():
        shutil.copytree(source, root / fixture)
    else:
        shutil.copyfile(source, root / fixture)
    if config is not None:
        (root / ".trustlint.yaml").write_text(config, encoding="utf-8")
    run = run_cli(root, "scan", "--format", "json", "--no-cache", "--strict", ".")
    assert_bounded(run)
    assert run.seconds < SECONDS, f"{fixture} took {run.seconds:.1f} s"
    return run


def limit_notes(run: CliRun) -> list[tuple[str, int, int, str]]:
    return [
        (f["location"]["path"], f["location"]["line"], f["location"]["column"], f["message"])
        for f in run.findings
        if f["rule"] == "TL000" and f["level"] == "note"
    ]


def test_a_format_width_past_the_string_limit_is_unknown_and_named(tmp_path: Path) -> None:
    run = strict_scan(tmp_path, "format-width-tf")

    assert limit_notes(run) == [
        (
            "format-width-tf/main.tf",
            1,
            16,
            "not evaluated: a format() width or precision of 1,000,000,000 characters would "
            "pass limits.max_string_length (1,048,576)",
        )
    ]
    assert ("TL002", "format-width-tf/main.tf", 6, 58) in run.located()
    assert ("TL001", "format-width-tf/main.tf", 13, 58) in run.located()


def test_a_count_past_the_instance_limit_is_a_number_of_instances_not_known(
    tmp_path: Path,
) -> None:
    run = strict_scan(tmp_path, "count-hundred-million-tf")

    assert limit_notes(run) == [
        (
            "count-hundred-million-tf/main.tf",
            2,
            11,
            "not evaluated: count of 100,000,000 instances passes limits.max_instances (10,000)",
        )
    ]
    # The splat over the instances is unknown: a note, never a finding by guessing.
    assert ("TL002", "count-hundred-million-tf/main.tf", 12, 58) in run.located()
    assert ("TL001", "count-hundred-million-tf/main.tf", 19, 58) in run.located()


def test_interpolation_join_and_replace_past_the_string_limit_are_unknown(
    tmp_path: Path,
) -> None:
    run = strict_scan(tmp_path, "interpolation-doubling-tf")

    # s0 has 8 characters and each s<n> doubles s<n-1>: s17 is exactly 1 MiB,
    # s18 (line 20) the first past it, at its second interpolation.
    path = "interpolation-doubling-tf/main.tf"
    assert limit_notes(run) == [
        (
            path,
            20,
            22,
            "not evaluated: an interpolation of 2,097,152 characters would pass "
            "limits.max_string_length (1,048,576)",
        ),
        (
            path,
            33,
            14,
            "not evaluated: join() of 1,572,866 characters would pass "
            "limits.max_string_length (1,048,576)",
        ),
        (
            path,
            34,
            14,
            "not evaluated: replace() of 8,590,163,968 characters would pass "
            "limits.max_string_length (1,048,576)",
        ),
    ]
    assert ("TL001", path, 47, 58) in run.located()


def test_fn_sub_doubling_is_unknown_past_the_string_limit(tmp_path: Path) -> None:
    run = strict_scan(tmp_path, "sub-doubling.yaml")

    # Twelve nested Fn::Sub, each naming its variable 16 times: level 5 would
    # build 2 * 16**5 characters.
    assert limit_notes(run) == [
        (
            "sub-doubling.yaml",
            9,
            639,
            "not evaluated: Fn::Sub or Fn::Join of 2,097,152 characters would pass "
            "limits.max_string_length (1,048,576)",
        )
    ]
    assert ("TL002", "sub-doubling.yaml", 9, 30) in run.located()
    assert ("TL001", "sub-doubling.yaml", 17, 30) in run.located()


def test_a_nested_for_stops_at_the_time_budget_and_the_rest_is_checked(tmp_path: Path) -> None:
    run = strict_scan(tmp_path, "nested-for-tf", "limits: {max_evaluation_seconds: 1}\n")

    # The inner loops stop at the clock (and, on a fast machine, first at the
    # elements a unit may iterate); the outer loop then stops at the clock too.
    time_limit = "not evaluated: evaluation passes limits.max_evaluation_seconds (1 s)"
    elements = (
        "not evaluated: a for expression passes limits.max_elements (1,000,000 elements "
        "iterated in one unit)"
    )
    notes = set(limit_notes(run))
    assert ("nested-for-tf/main.tf", 3, 18, time_limit) in notes
    assert notes <= {
        ("nested-for-tf/main.tf", 3, 18, time_limit),
        ("nested-for-tf/main.tf", 3, 49, time_limit),
        ("nested-for-tf/main.tf", 3, 49, elements),
    }
    assert ("TL002", "nested-for-tf/main.tf", 9, 58) in run.located()
    assert ("TL001", "nested-for-tf/main.tf", 16, 58) in run.located()


def test_a_nested_for_stops_at_the_element_budget(tmp_path: Path) -> None:
    run = strict_scan(tmp_path, "nested-for-tf", "limits: {max_elements: 20000}\n")

    # 10,000 for the outer loop, then 10,000 for the first inner one: each
    # later inner loop would pass 20,000 elements iterated in the unit.
    assert limit_notes(run) == [
        (
            "nested-for-tf/main.tf",
            3,
            49,
            "not evaluated: a for expression passes limits.max_elements (20,000 elements "
            "iterated in one unit)",
        )
    ]
    # The first inner list is whole: pairs[0][0] is " - " (the list holds spaces).
    assert ("TL013", "nested-for-tf/main.tf", 9, 58) in run.located()
    assert ("TL001", "nested-for-tf/main.tf", 16, 58) in run.located()


def test_without_strict_a_reached_limit_is_not_reported(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(BUDGETS / "format-width-tf", root)
    run = run_cli(root, "scan", "--format", "json", "--no-cache", ".")
    assert_bounded(run)
    assert [f["rule"] for f in run.findings] == ["TL001"]


# --- in process ----------------------------------------------------------------------------


def evaluate(text: str, options: LoadOptions) -> tuple[dict[str, object], budgets.Budget]:
    file = parse_hcl(text, "main.tf")
    body = read_body(file)
    with budgets.evaluating(options) as budget:
        evaluator = Evaluator(file, Scope())
        values = {
            name: evaluator.evaluate(attribute.expression)
            for name, attribute in body.attributes.items()
        }
    return values, budget


def test_try_cannot_turn_a_reached_limit_into_its_fallback() -> None:
    values, budget = evaluate(
        'principal = try(format("%2000s", "x"), "*")\n', LoadOptions(max_string_length=1024)
    )

    assert isinstance(values["principal"], Unknown)
    assert [reason for reason, _ in budget.reached] == [
        "a format() width or precision of 2,000 characters would pass "
        "limits.max_string_length (1,024)"
    ]


def test_values_within_the_budgets_are_computed_exactly() -> None:
    values, budget = evaluate(
        'padded = format("%1024s", "x")\nparts = split("", format("%1000s", ""))\n',
        LoadOptions(max_string_length=1024, max_elements=1000),
    )

    assert values["padded"] == " " * 1023 + "x"
    assert len(values["parts"]) == 1000  # type: ignore[arg-type]
    assert budget.reached == {}


def test_a_collection_past_the_element_limit_is_unknown() -> None:
    values, budget = evaluate(
        'parts = split("", format("%1001s", ""))\n', LoadOptions(max_elements=1000)
    )

    assert isinstance(values["parts"], Unknown)
    assert list(budget.reached) == [
        (
            "split() of 1,001 elements would pass limits.max_elements (1,000)",
            Location("main.tf", 1, 9, 1, 40),
        )
    ]


def test_the_budgets_are_read_from_the_limits_of_the_config(tmp_path: Path) -> None:
    config = tmp_path / ".trustlint.yaml"
    config.write_text(
        "limits: {max_string_length: 4096, max_instances: 50, max_elements: 5000, "
        "max_evaluation_seconds: 2.5}\n",
        encoding="utf-8",
    )

    options = load_config(config).load_options

    assert (
        options.max_string_length,
        options.max_instances,
        options.max_elements,
        options.max_evaluation_seconds,
    ) == (4096, 50, 5000, 2.5)


@pytest.mark.parametrize(
    "limits",
    ["{max_string_length: 10}", "{max_instances: 0}", "{max_evaluation_seconds: 0}"],
)
def test_budgets_too_small_to_read_anything_are_rejected(tmp_path: Path, limits: str) -> None:
    config = tmp_path / ".trustlint.yaml"
    config.write_text(f"limits: {limits}\n", encoding="utf-8")

    with pytest.raises(ConfigError):
        load_config(config)


def test_a_unit_cut_short_by_the_clock_is_not_cached(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(BUDGETS / "nested-for-tf", root / "module")
    options = LoadOptions(max_evaluation_seconds=0.2)
    cache_dir = tmp_path / "cache"

    (unit,) = load_units([], [root / "module"], root, options, cache_dir)

    assert budgets.ran_out_of_time(unit)
    assert list((cache_dir / "units").iterdir()) == []
    within_time = LoadOptions(max_elements=1000)
    load_units([], [root / "module"], root, within_time, cache_dir)
    assert len(list((cache_dir / "units").iterdir())) == 1


def test_numbers_too_large_to_compute_with_are_unknown() -> None:
    values, _ = evaluate(
        "squared = 1e3999 * 1e3999\nquotient = 1e3999 / 1e-300\nlarge = 1e3999 + 1\n"
        "mixed = 0.25 - 1e3999\n",
        LoadOptions(),
    )

    squared, quotient = values["squared"], values["quotient"]
    assert isinstance(squared, Unknown)
    assert squared.reason == "the result is too large a number to compute with"
    assert isinstance(quotient, Unknown)
    assert quotient.reason == "the result is too large a number to compute with"
    mixed = values["mixed"]  # found by fuzz/fuzz_hcl_numbers.py: a float minus such a number
    assert isinstance(mixed, Unknown)
    assert mixed.reason == "the result is too large a number to compute with"
    assert values["large"] == 10**3999 + 1


def test_a_count_too_long_to_print_is_named_by_its_magnitude() -> None:
    budget = budgets.Budget(LoadOptions())
    assert budget.instances(10**600, None) is None
    assert list(budget.reached) == [
        ("count of about 10^600 instances passes limits.max_instances (10,000)", None)
    ]


def test_splats_pay_for_the_instances_they_go_through() -> None:
    from trustlint.frontends.terraform import load_module

    options = LoadOptions(max_elements=15_000)
    with budgets.evaluating(options) as budget:
        unit = load_module(BUDGETS / "splats-tf", BUDGETS, options)

    (first,) = (role for role in unit.roles if role.name.text == "first")
    assert first.trust_policy is not None
    (statement,) = first.trust_policy.statements
    assert len(statement.principals) == 10_000
    # The second splat would pass 15,000 elements iterated in the unit.
    assert [(reason, where.line if where else None) for reason, where in budget.reached] == [
        ("a splat passes limits.max_elements (15,000 elements iterated in one unit)", 19)
    ]


def test_only_the_expression_past_a_limit_is_unknown_not_all_around_it() -> None:
    values, _ = evaluate(
        'principals = ["*", format("%2000s", "x")]\n', LoadOptions(max_string_length=1024)
    )

    first, second = values["principals"]  # type: ignore[misc]
    assert first == "*"
    assert isinstance(second, Unknown)
    assert second.text == 'format("%2000s", "x")'
