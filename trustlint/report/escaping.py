"""Escaping at the output boundary: text from scanned files can never act on the reader.

Names, ids, values, paths and source excerpts come from files written by
whoever opens a pull request. Printed raw, an ESC sequence clears or rewrites
the terminal, a CR/LF starts a line of its own (`::error file=fake.tf::FORGED`,
`::add-mask::`, `::stop-commands::` are workflow commands to a GitHub runner),
and a bidi override (U+202E) shows text in another order than it is. Each
output format has one function here that makes such text inert for it:

- `for_text`: control characters (C0, DEL, C1), line and paragraph separators
  and bidi controls as `\\x1b`, `\\u202e`-style escapes; a lone surrogate (a
  file name byte that is not UTF-8, kept by `surrogateescape`) as the byte it
  stands for, `\\xff`. A backslash is left as it is: the escapes are for
  people to read, not to be decoded.
- `for_text_path`: `for_text`, and a path that would start the line with `:`
  or `#` (a workflow command, `::error`, or `##[error]`) gets `./` before it.
- `for_github_data`, `for_github_property`: `for_text`, then GitHub's own
  escaping of workflow command data (`%`, CR, LF) and properties (also `:`
  and `,`), so that nothing ends the annotation or starts another command.
- `for_json`: JSON escapes every control character itself; what it cannot
  write as valid Unicode is a lone surrogate, written as `for_text` does.
- `for_sarif_message`: the text GitHub shows of a SARIF result, as `for_text`.
- `for_dot`, `for_mermaid`: a label that cannot leave its quotes.
"""

from __future__ import annotations

import re
from typing import Any

from trustlint.patterns import lazy_compile

_UNSAFE = lazy_compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""Control characters, line/paragraph separators, bidi marks and controls, surrogates."""
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_SURROGATE = lazy_compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        # `surrogateescape`: the undecodable byte 0x80-0xff.
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def for_text(text: str) -> str:
    """`text` with every character that could act on a terminal or log shown as an escape."""
    if text.isprintable():
        return text
    return _UNSAFE.sub(_escape, text)


def for_text_path(path: str) -> str:
    """A path at the start of a text line: escaped, and never read as a workflow command."""
    escaped = for_text(path)
    if escaped.startswith((":", "#")):
        return "./" + escaped
    return escaped


def for_github_data(text: str) -> str:
    """The message of a workflow command (`::error ...::MESSAGE`)."""
    return github_data(for_text(text))


def for_github_property(text: str) -> str:
    """A property value of a workflow command (`file=VALUE`)."""
    return github_property(for_text(text))


def github_data(text: str) -> str:
    """GitHub's toolkit escaping of command data: `%`, CR, LF (our own line breaks too)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """GitHub's toolkit escaping of a property: as data, and `:` and `,`."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def for_json(value: Any) -> Any:
    """`value` (JSON data) with lone surrogates in its strings and keys written as escapes.

    JSON escapes control characters itself; a lone surrogate it would write as
    `\\udcff`, which strict parsers reject, and which no UTF-8 file can hold.
    """
    if isinstance(value, str):
        return _SURROGATE.sub(_escape, value) if not value.isprintable() else value
    if isinstance(value, dict):
        return {for_json(key): for_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [for_json(item) for item in value]
    return value


def for_sarif_message(text: str) -> str:
    """The text of a SARIF message, which GitHub shows to people as it is."""
    return for_text(text)


def for_dot(text: str) -> str:
    """A double-quoted DOT string: whitespace runs as one space, `\\` and `"` escaped."""
    escaped = for_text(" ".join(text.split())).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


_MERMAID_ENTITIES = {
    "&": "#amp;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "#": "#35;",
    "|": "#124;",
    "`": "#96;",
}


def for_mermaid(text: str) -> str:
    """Text safe inside a quoted Mermaid label (GitHub renders labels as HTML)."""
    visible = for_text(" ".join(text.split()))
    return "".join(_MERMAID_ENTITIES.get(char, char) for char in visible)
