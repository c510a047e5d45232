"""Budgets that keep evaluating a hostile file finite: text, collections, time.

A pull request can hold a 200-byte Terraform file whose `format("%1000000000s",
"x")` needs gigabytes, a `count = 100000000`, a nested `for` over 10,000 x
10,000, or a CloudFormation `Fn::Sub` that doubles its text at every level.
Evaluation pays for what it builds from these budgets, set in `limits:` of
the config (`LoadOptions`):

- `max_string_length`: no computed string is longer (`format` widths and
  precisions, `join`, `replace`, template interpolation, `Fn::Sub`,
  `Fn::Join`);
- `max_instances`: no `count` or `for_each` (of a resource, a data source, a
  module or a `dynamic` block) is expanded to more instances;
- `max_elements`: no computed collection is larger, and a unit iterates no
  more elements than this in all (`for` expressions, splats, `range`);
- `max_evaluation_seconds`: after this long, a unit iterates no further
  (`for`, template `%{for}`) and evaluates no further CloudFormation
  intrinsic; literal values are still read, so a `"*"` is still found.

Past a limit the value is `Unknown` (never a guess), the rest of the file is
still read, and the place is recorded: `--strict` reports it as a TL000 note
naming the limit and the line.

Front-ends call the helpers below; `dispatch` opens one budget per unit
(`evaluating`) and attaches what was reached to the unit. Where to call them:
`instances()` wherever `count` or `for_each` is expanded (None: a number of
instances not known); `current().collection(n, ...)` before a function builds
a collection of n elements (`range()`, `split()`); `current().iterate(n, ...)`
before a loop over n elements; `current().string(n, ...)` before building a
string of n characters. The HCL evaluator makes `LimitReachedError` an
`Unknown` for the innermost expression being evaluated (a literal beside it
is still read); it is not an `EvalError`, so `try()` and `can()` cannot turn
it into a fallback value. A unit cut short by the clock is not cached: its
result depends on how busy the machine was.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator

from trustlint.config import LoadOptions
from trustlint.model import Location, ParseError, SourceUnit
from trustlint.records import replace

_TIME_LIMIT = "limits.max_evaluation_seconds"
_TIME_CHECK_INTERVAL = 256
"""Iterations between two looks at the clock."""


def _amount(number: int) -> str:
    """`number` with thousands separators; one too long to print (a computed
    count past Python's 4,300 digits) by its order of magnitude."""
    if number.bit_length() <= 64:
        return f"{number:,}"
    return f"about 10^{int(number.bit_length() * 0.30103)}"


class LimitReachedError(Exception):
    """A computation would pass one of the `limits:`; its value is not computed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Budget:
    """What one unit may still spend, and where it reached a limit."""

    __slots__ = (
        "deadline",
        "elements_left",
        "max_elements",
        "max_instances",
        "max_string_length",
        "reached",
        "recording",
        "seconds",
        "ticks",
    )

    def __init__(self, options: LoadOptions, *, for_a_unit: bool = True) -> None:
        self.max_string_length = options.max_string_length
        self.max_instances = options.max_instances
        self.max_elements = options.max_elements
        self.seconds = options.max_evaluation_seconds
        # Outside the load of a unit (a test, a fuzzer evaluating one expression)
        # only the sizes are checked: nothing adds up, nothing is recorded.
        self.elements_left = options.max_elements if for_a_unit else sys.maxsize
        self.deadline = time.monotonic() + self.seconds if for_a_unit else float("inf")
        self.ticks = 0
        self.reached: dict[tuple[str, Location | None], None] = {}
        self.recording = for_a_unit

    # -- the checks

    def string(self, length: int, location: Location | None, what: str = "a string") -> None:
        """Raise `LimitReachedError` when a string of `length` characters is too long to build."""
        if length > self.max_string_length:
            self._reach(
                f"{what} of {_amount(length)} characters would pass limits.max_string_length "
                f"({self.max_string_length:,})",
                location,
            )

    def instances(self, count: int, location: Location | None, what: str = "count") -> int | None:
        """`count`, or None (a number of instances not known) past `max_instances`.

        For `count` and `for_each`: the caller treats None as it treats a
        count that is not known. Never raises.
        """
        if count <= self.max_instances:
            return count
        with contextlib.suppress(LimitReachedError):
            self._reach(
                f"{what} of {_amount(count)} instances passes limits.max_instances "
                f"({self.max_instances:,})",
                location,
            )
        return None

    def collection(self, size: int, location: Location | None, what: str = "a collection") -> None:
        """Raise `LimitReachedError` when a collection of `size` elements is too large to build."""
        if size > self.max_elements:
            self._reach(
                f"{what} of {_amount(size)} elements would pass limits.max_elements "
                f"({self.max_elements:,})",
                location,
            )

    def iterate(self, count: int, location: Location | None, what: str = "iteration") -> None:
        """Pay for iterating `count` elements; raise past the unit's share or its time."""
        self.collection(count, location, what)
        self.elements_left -= count
        if self.elements_left < 0:
            self._reach(
                f"{what} passes limits.max_elements ({self.max_elements:,} elements iterated "
                "in one unit)",
                location,
            )
        self.clock(location)

    def clock(self, location: Location | None) -> None:
        """Raise `LimitReachedError` once the unit has evaluated for `max_evaluation_seconds`."""
        if time.monotonic() > self.deadline:
            self._reach(f"evaluation passes {_TIME_LIMIT} ({self.seconds:g} s)", location)

    def tick(self, location: Location | None) -> None:
        """`clock`, looked at once every few calls: for loops over many cheap steps."""
        self.ticks += 1
        if self.ticks % _TIME_CHECK_INTERVAL == 0:
            self.clock(location)

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def _reach(self, reason: str, location: Location | None) -> None:
        if self.recording:
            self.reached.setdefault((reason, location), None)
        raise LimitReachedError(f"{reason}; not evaluated")

    # -- the unit

    def attach(self, unit: SourceUnit | None) -> SourceUnit | None:
        """`unit` with the places where this budget was reached."""
        if unit is None or not self.reached:
            return unit
        notes = tuple(
            ParseError(
                f"not evaluated: {reason}",
                location if location is not None else Location(unit.unit, 1, 1, 1, 2),
            )
            for reason, location in self.reached
        )
        return replace(unit, limits_reached=notes)


_current: Budget | None = None
_OUTSIDE_A_UNIT = Budget(LoadOptions(), for_a_unit=False)


def current() -> Budget:
    """The budget of the unit being loaded; outside a load, one that checks sizes only."""
    return _current if _current is not None else _OUTSIDE_A_UNIT


@contextlib.contextmanager
def evaluating(options: LoadOptions) -> Iterator[Budget]:
    """A fresh budget for the unit loaded meanwhile (one unit at a time per process)."""
    global _current  # noqa: PLW0603 (one unit is loaded at a time per process)
    outer, _current = _current, Budget(options)
    try:
        yield _current
    finally:
        _current = outer


def ran_out_of_time(unit: SourceUnit) -> bool:
    """Whether evaluating `unit` stopped at `max_evaluation_seconds` (then it is not cached)."""
    return any(_TIME_LIMIT in note.message for note in unit.limits_reached)


def instances(count: int, location: Location | None, what: str = "count") -> int | None:
    """The number of instances of a `count` or `for_each`, or None past `limits.max_instances`.

    Front-ends call this wherever they expand `count` or `for_each` and treat
    None as a number of instances that is not known.
    """
    return current().instances(count, location, what)
