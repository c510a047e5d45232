"""Reading a source file into text, refusing what cannot be text.

Every front-end reads its files here, so the size limit, binary detection and
encodings are the same for every format. A problem is a `SourceError` whose
message says why and whose line and column point at it (1-based); the
dispatcher turns it into TL000.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from trustlint.config import LoadOptions
from trustlint.frontends.text_error import TextError
from trustlint.patterns import lazy_compile

BINARY_SNIFF_BYTES = 8192
"""A NUL byte this early means binary: text formats we read never contain one."""

# Longest first: the UTF-32 little-endian BOM starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


# Line breaks as the YAML parser counts them, so that positions agree.
_LINE_BREAKS = "\r\n\x85\u2028\u2029"
_LINE_BREAK = lazy_compile(r"\r\n|[\r\n\x85\u2028\u2029]")


class SourceError(TextError):
    """The file cannot be read as text. Positions are 1-based."""


ReadLog = dict[str, "str | None"]
"""Absolute path -> SHA-256 of the bytes read from it; None when two reads of
the file gave different bytes (it changed while it was being read)."""

_read_log: ReadLog | None = None


@contextlib.contextmanager
def recording_reads() -> Iterator[ReadLog]:
    """Record the hash of every file read meanwhile, as it was read.

    The parse cache keys a unit by these hashes: the bytes that were parsed,
    not the bytes the file holds before or after (which a concurrent rewrite
    can make differ).
    """
    global _read_log  # noqa: PLW0603 (one parse at a time per process)
    outer, _read_log = _read_log, {}
    try:
        yield _read_log
    finally:
        _read_log = outer


_kept_bytes: dict[str, bytes] | None = None


@contextlib.contextmanager
def keeping_bytes() -> Iterator[dict[str, bytes]]:
    """Keep the bytes of every file read meanwhile, by absolute path, as first read.

    For what is computed from a file's bytes once its unit is made (its line
    hashes, `trustlint.line_hashes`), without reading the file again.
    """
    global _kept_bytes  # noqa: PLW0603 (one parse at a time per process)
    outer, _kept_bytes = _kept_bytes, {}
    try:
        yield _kept_bytes
    finally:
        _kept_bytes = outer


def read_source(path: Path, options: LoadOptions) -> str:
    """The text of `path`: UTF-8 (BOM optional), or UTF-16/UTF-32 with a BOM."""
    data = _read_bytes(path, options.max_file_size)
    encoding, label, bom_length = _detect_encoding(data)
    body = data[bom_length:]
    if encoding == "utf-8":
        nul = body.find(b"\0", 0, BINARY_SNIFF_BYTES)
        if nul >= 0:
            raise SourceError(f"binary file (NUL byte at offset {nul + bom_length})")
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _position(body, error.start, encoding)
        bad = body[error.start : error.end].hex(" ")
        raise SourceError(
            f"invalid {label} at line {line}, column {column} (byte {bad}): {error.reason}",
            line,
            column,
        ) from None


def _read_bytes(path: Path, limit: int) -> bytes:
    # Stat before opening: a huge file is refused unread, and opening a FIFO
    # or a device would block or never end.
    try:
        status = os.stat(path)
    except OSError as error:
        raise SourceError(_reason(error)) from None
    if stat.S_ISDIR(status.st_mode):
        raise SourceError("is a directory")
    if not stat.S_ISREG(status.st_mode):
        raise SourceError("not a regular file")
    if status.st_size > limit:
        raise SourceError(_too_large(status.st_size, limit))
    try:
        with open(path, "rb") as stream:
            # One byte over the limit tells a file that grew since the stat.
            data = stream.read(limit + 1)
    except OSError as error:
        raise SourceError(_reason(error)) from None
    if len(data) > limit:
        raise SourceError(_too_large(len(data), limit))
    if _read_log is not None:
        _record(path, data, _read_log)
    if _kept_bytes is not None:
        _kept_bytes.setdefault(os.path.abspath(path), data)
    return data


def _record(path: Path, data: bytes, log: ReadLog) -> None:
    name = os.path.abspath(path)
    digest = hashlib.sha256(data).hexdigest()
    if log.setdefault(name, digest) != digest:
        log[name] = None


def _too_large(size: int, limit: int) -> str:
    return f"file too large ({size} bytes, the limit is {limit} bytes)"


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _detect_encoding(data: bytes) -> tuple[str, str, int]:
    """(codec, name for messages, BOM length); UTF-8 when there is no BOM."""
    for bom, encoding, label in _BOMS:
        if data.startswith(bom):
            return encoding, label, len(bom)
    return "utf-8", "UTF-8", 0


def _position(body: bytes, offset: int, encoding: str) -> tuple[int, int]:
    """Line and column (in characters, 1-based) of the byte at `offset`.

    Everything before the first undecodable byte decodes cleanly, so the
    prefix gives the exact position an editor shows.
    """
    prefix = body[:offset].decode(encoding, errors="replace")
    line_start = max(prefix.rfind(character) for character in _LINE_BREAKS) + 1
    return len(_LINE_BREAK.findall(prefix)) + 1, len(prefix) - line_start + 1
