"""The clause that says in which deployments of a conditional policy a finding holds."""

from __future__ import annotations

import itertools

import pytest
from conftest import FIXTURES, Project

from trustlint.checks.wording import when_clause, with_branch
from trustlint.model import Location, Statement

LOCATION = Location("t.yaml", 1, 1, 1, 2)


def _label(**choices: bool) -> str:
    return " and ".join(
        f"{name}={'true' if chosen else 'false'}" for name, chosen in choices.items()
    )


def test_no_clause_outside_a_conditional() -> None:
    assert when_clause([None]) == ""
    assert when_clause([None, "IsProd=true"]) == ""
    assert with_branch("Role R trusts *", Statement(LOCATION)) == "Role R trusts *"


def test_one_branch_is_named() -> None:
    statement = Statement(LOCATION, branch="IsProd=false")
    assert with_branch("Role R", statement) == "Role R (when IsProd=false)"


def test_one_branch_of_a_cut_expansion_is_named_as_it_is() -> None:
    statement = Statement(LOCATION, branch="IsProd=false", branches_cut=True)
    assert with_branch("Role R", statement) == "Role R (when IsProd=false)"


def test_branches_of_a_cut_expansion_are_counted_with_what_they_share() -> None:
    labels = [_label(A=True, B=True), _label(A=True, B=False)]
    assert when_clause(labels, cut=True, out_of=3) == (
        " (when A=true, in 2 of the 3 combinations of conditions examined)"
    )


def test_combinations_that_do_not_simplify_are_counted_with_what_they_share() -> None:
    labels = [
        _label(A=True, B=b, C=c, D=d)
        for b, c, d in itertools.product((True, False), repeat=3)
        if (b, c, d).count(True) in (0, 2)
    ]
    assert when_clause(labels, out_of=16) == (
        " (when A=true, in 4 of the 16 combinations of conditions)"
    )


def test_both_choices_of_a_condition_mean_no_clause() -> None:
    assert when_clause(["IsProd=true", "IsProd=false"]) == ""
    assert when_clause([_label(A=True, B=True), _label(A=True, B=False), _label(A=False, B=True),
                        _label(A=False, B=False)]) == ""  # fmt: skip


def test_a_condition_that_does_not_matter_is_left_out() -> None:
    assert when_clause([_label(A=True, B=True), _label(A=True, B=False)]) == " (when A=true)"


def test_combinations_that_do_not_merge_are_all_named_in_their_order() -> None:
    assert when_clause([_label(A=True, B=True), _label(A=False, B=False)]) == (
        " (when A=true and B=true or A=false and B=false)"
    )


def test_a_disjunction_is_found_through_several_merges() -> None:
    labels = [
        _label(A=a, B=b, C=c) for a, b, c in itertools.product((True, False), repeat=3) if a or b
    ]
    assert when_clause(labels) == " (when A=true or B=true)"


def test_long_combinations_and_many_of_them_are_counted_not_listed() -> None:
    long = _label(A=True, B=True, C=True, D=True, E=True, F=False)
    assert (
        when_clause([long])
        == " (when A=true and B=true and C=true and D=true and 2 more conditions)"
    )
    many = [f"C{n}=true" for n in range(5)]
    assert when_clause(many) == " (in 5 combinations of conditions)"


def test_labels_not_of_the_condition_form_are_kept_as_written() -> None:
    assert when_clause(["var.x && var.y", "other"]) == " (when var.x && var.y or other)"


def test_message_of_many_conditional_principals_names_only_the_condition_that_matters(
    project: Project,
) -> None:
    project.copy(
        FIXTURES
        / "rules"
        / "TL001"
        / "eight_conditional_wildcards_each_under_its_own_condition.yaml"
    )
    findings = project.scan(select=["TL001"])
    assert [(f.location.line, f.location.column) for f in findings] == [
        (line, 28) for line in range(38, 46)
    ]
    first = findings[0].message
    # 8 conditions are 256 combinations, of which the first 32 are examined
    assert first.startswith(
        "Role R (when C0=true, in 29 of the 32 combinations of conditions examined) trusts "
        'every AWS principal ({"AWS": "*"})'
    )
    assert max(len(f.message) for f in findings) < 400


@pytest.mark.parametrize("conditions", [2, 5])
def test_every_combination_of_every_condition_is_no_clause(conditions: int) -> None:
    names = [f"C{n}" for n in range(conditions)]
    labels = [
        " and ".join(
            f"{name}={'true' if chosen else 'false'}"
            for name, chosen in zip(names, bits, strict=True)
        )
        for bits in itertools.product((True, False), repeat=conditions)
    ]
    assert when_clause(labels) == ""
