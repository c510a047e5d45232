"""Fuzz HCL number literals against python-hcl2: `1e3`, `007`, `1.5E+2`, 30-digit integers.

`python fuzz/fuzz_hcl_numbers.py --iterations N --seed S`.

Each input is the text of one literal, read as `n = <literal>` and inside a
list and an arithmetic expression. A bug is an exception, or a literal that
python-hcl2 reads as a number and we do not read as the same number (we keep
whole numbers exact where it gives the nearest float, so numbers are compared
as floats), or a syntax problem we report where python-hcl2 reads a number.
Inputs that python-hcl2 rejects need only not crash us.
"""

from __future__ import annotations

import math

from _common import Target, main

SEEDS = (
    b"0",
    b"7",
    b"007",
    b"1e3",
    b"1E3",
    b"1e-3",
    b"1e+3",
    b"1.5e+2",
    b"2.50E-1",
    b"0.1",
    b"123456789012345678901234567890",
    b"1e30",
    b"12e0",
)
TOKENS = (b"0", b"1", b"9", b"e", b"E", b"+", b"-", b".", b"00", b"e-", b"E+", b"9" * 20)


def build() -> Target:
    import hcl2
    from hcl2.utils import SerializationOptions

    from trustlint.frontends.terraform.hcl_eval import Evaluator, Scope
    from trustlint.frontends.terraform.hcl_syntax import parse_hcl, read_body
    from trustlint.frontends.terraform.hcl_syntax_errors import syntax_problem

    serialization = SerializationOptions(
        with_comments=False,
        preserve_heredocs=False,
        strip_string_quotes=True,
        preserve_scientific_notation=False,
    )

    def theirs(text: str) -> object:
        try:
            return hcl2.loads(text, serialization_options=serialization).get("n")
        except Exception:  # python-hcl2 rejects the literal (or fails on it)
            return None

    def check(data: bytes) -> frozenset[str]:
        literal = data.decode("utf-8", "replace").replace("\n", " ")[:200]
        text = f"n = {literal}\nl = [{literal}, 1]\ns = {literal} + 0\n"
        file = parse_hcl(text, "numbers.tf")
        problem = syntax_problem(file, 256)
        evaluator = Evaluator(file, Scope())
        ours = {
            name: evaluator.evaluate(attribute.expression)
            for name, attribute in read_body(file).attributes.items()
        }
        expected = theirs(text)
        if not isinstance(expected, int | float) or isinstance(expected, bool):
            return frozenset(["not a number to python-hcl2", "syntax problem" if problem else ""])
        if not math.isfinite(expected):
            return frozenset(["not finite"])
        assert problem is None, f"{literal!r}: {problem[0]}"
        value = ours["n"]
        assert isinstance(value, int | float), f"{literal!r} read as {value!r}"
        assert float(value) == float(expected), f"{literal!r}: {value!r} != {expected!r}"
        return frozenset(["number", type(value).__name__])

    return Target("hcl-numbers", list(SEEDS), check, TOKENS, structured=False)


if __name__ == "__main__":
    raise SystemExit(main(build))
