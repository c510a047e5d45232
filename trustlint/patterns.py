"""Regular expressions compiled when first used, not when their module is imported.

A module-level `re.compile` runs on every import. Some of trustlint's are dear
to compile (a character class reaching past U+00FF makes `re` build a
65,536-entry map: the two of `report/escaping.py` cost 1.5 ms) and most serve
inputs a run may never meet (nested stacks, OIDC issuers, JSON with escaped
surrogates). Together they were a tenth of a one-file pre-commit run.
`lazy_compile` returns a stand-in that compiles the pattern at its first
use; each method it is asked for is then kept on it, so later calls cost
what they cost on the compiled pattern.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast


class _LazyPattern:
    """Stands in for `re.compile(pattern, flags)`; `pattern` and `flags` are known before."""

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only for what the instance does not hold yet: a pattern's method or attribute.
        value = getattr(re.compile(self.pattern, self.flags), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r})"


def lazy_compile(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, compiled when first used.

    It is not a `re.Pattern` (do not pass it to `re.sub` and the like, call its
    methods), and its `flags` are as given, without the `re.UNICODE` that
    compiling adds.
    """
    return cast("re.Pattern[AnyStr]", _LazyPattern(pattern, flags))
