"""How a finding says which deployments of a conditional policy it holds in.

A statement inside `Fn::If` or `a ? b : c` is expanded once per branch, and
its `branch` label names the choices that lead to it: `IsProd=true and
UseVendor=false`. A finding repeated in several branches is reported once,
with a clause that covers them all. Listing every combination would grow
with the number of conditions (32 combinations of 8 conditions is 3 KB of
message), so the clause is simplified first, as one simplifies a sum of
products: two combinations that differ only in `C=true` against `C=false`
hold whatever C is, and merge into one without it. What is left beyond a
few combinations, or a few conditions in one, is counted, not listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from trustlint.model import PolicyDocument, Statement

MAX_COMBINATIONS = 3
"""Combinations (`A and B`) listed in one clause before the rest are counted."""
MAX_CONDITIONS = 4
"""Conditions (`A=true`) listed in one combination before the rest are counted."""

_Literal = tuple[str, str]
_Term = frozenset[_Literal]


def when_clause(
    branches: Iterable[str | None], *, cut: bool = False, out_of: int | None = None
) -> str:
    """` (when A=true or B=false)` for the branches a finding holds in.

    Empty when one of them is no branch at all (the statement is not inside a
    conditional) or when the combinations cover every choice of their
    conditions, so the finding holds however the conditions turn out.
    `out_of` is how many variants the statements have. When the combinations
    do not simplify to a few short ones, or are of a statement with more
    combinations than are expanded (`cut`), the clause names what they all
    share and counts them: `(when A=true, in 29 of the 32 combinations of
    conditions examined)`.
    """
    labels = list(dict.fromkeys(branches))
    if not labels or None in labels:
        return ""
    texts = [label for label in labels if label is not None]
    parsed = _parse(texts)
    if parsed is None:
        return _listed([_shorten(label.split(" and ")) for label in texts])
    terms = list(dict.fromkeys(frozenset(literals) for literals in parsed))
    simplified = _simplify(terms)
    if frozenset() in simplified and not cut:
        return ""
    first_seen = dict.fromkeys(literal for literals in parsed for literal in literals)
    order = {literal: n for n, literal in enumerate(first_seen)}

    def text(term: Iterable[_Literal]) -> list[str]:
        return [f"{name}={value}" for name, value in sorted(term, key=order.__getitem__)]

    simple = len(simplified) <= MAX_COMBINATIONS and all(
        len(term) <= MAX_CONDITIONS for term in simplified
    )
    if (simple and not cut) or len(terms) == 1:
        first_cover = [min(n for n, term in enumerate(terms) if s <= term) for s in simplified]
        ranked = sorted(zip(first_cover, simplified, strict=True), key=lambda pair: pair[0])
        return _listed([_shorten(text(term)) for _, term in ranked])
    shared = text(frozenset.intersection(*terms))
    when = f"when {_shorten(shared)}, " if shared else ""
    of_all = f"of the {out_of} " if out_of is not None else ""
    examined = " examined" if cut else ""
    return f" ({when}in {len(terms)} {of_all}combinations of conditions{examined})"


def statement_clause(statement: Statement) -> str:
    """The clause of one statement variant's branch (empty outside a conditional)."""
    return when_clause([statement.branch], cut=statement.branches_cut)


def with_branch(message: str, statement: Statement) -> str:
    """`message` followed by the clause of the statement's branch."""
    return message + statement_clause(statement)


def merged_clause(statements: Sequence[Statement], document: PolicyDocument) -> str:
    """The clause of one finding given by several variants of the same statements.

    Empty when the finding holds in every variant of them that was expanded.
    """
    indexes = {statement.index for statement in statements}
    variants = {s.branch for s in document.statements if s.index in indexes}
    held = {statement.branch for statement in statements}
    if held >= variants:
        return ""
    return when_clause(
        [statement.branch for statement in statements],
        cut=any(statement.branches_cut for statement in statements),
        out_of=len(variants),
    )


def _listed(combinations: list[str]) -> str:
    shown = combinations[:MAX_COMBINATIONS]
    rest = len(combinations) - len(shown)
    more = f", or {rest} more combination{'s' if rest > 1 else ''} of conditions" if rest else ""
    return f" (when {' or '.join(shown)}{more})"


def _shorten(conditions: list[str]) -> str:
    shown = conditions[:MAX_CONDITIONS]
    rest = len(conditions) - len(shown)
    more = f" and {rest} more condition{'s' if rest > 1 else ''}" if rest else ""
    return " and ".join(shown) + more


def _parse(labels: list[str]) -> list[list[_Literal]] | None:
    """Each label as its `(condition, choice)` pairs in written order; None if one is not so."""
    parsed: list[list[_Literal]] = []
    for label in labels:
        literals: list[_Literal] = []
        for part in label.split(" and "):
            name, equals, value = part.rpartition("=")
            if not equals or not name or not value:
                return None
            literals.append((name, value))
        parsed.append(literals)
    return parsed


def _simplify(terms: list[_Term]) -> list[_Term]:
    """Merge combinations that differ only in one condition taken true and false.

    Sound for the branches given: both halves hold, so the merged combination
    does. A combination implied by a shorter one (absorption) is dropped.
    """
    current = list(terms)
    while True:
        merged: list[_Term] = []
        used: set[int] = set()
        for i, first in enumerate(current):
            for j in range(i + 1, len(current)):
                joined = _merge(first, current[j])
                if joined is not None:
                    merged.append(joined)
                    used.update((i, j))
        if not merged:
            break
        kept = [term for k, term in enumerate(current) if k not in used]
        current = list(dict.fromkeys([*merged, *kept]))
    return [term for term in current if not any(other < term for other in current)]


def _merge(first: _Term, second: _Term) -> _Term | None:
    difference = first ^ second
    if len(difference) != 2:
        return None
    (name_a, value_a), (name_b, value_b) = sorted(difference)
    if name_a != name_b or {value_a, value_b} != {"false", "true"}:
        return None
    return first - difference
