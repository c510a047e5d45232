"""Reading files into text: size limit, binary files, BOMs, bad encodings, OS errors."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from trustlint.config import LoadOptions
from trustlint.frontends import source_text
from trustlint.frontends.source_text import SourceError, read_source

BAD = Path(__file__).parents[1] / "fixtures" / "parsers" / "bad"
OPTIONS = LoadOptions()
TEMPLATE_TEXT = (BAD / "utf8_bom_template.yaml").read_bytes()[3:].decode("utf-8")


def read_error(path: Path, options: LoadOptions = OPTIONS) -> SourceError:
    with pytest.raises(SourceError) as caught:
        read_source(path, options)
    return caught.value


def test_utf8_text_is_returned_as_written(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes('{"Sid": "Zürich"}\n'.encode())

    assert read_source(path, OPTIONS) == '{"Sid": "Zürich"}\n'


def test_utf8_byte_order_mark_is_stripped() -> None:
    text = read_source(BAD / "utf8_bom_template.yaml", OPTIONS)

    assert text.startswith("AWSTemplateFormatVersion:")
    assert text == TEMPLATE_TEXT


def test_utf16_little_endian_with_bom_is_decoded() -> None:
    assert read_source(BAD / "utf16le_bom_template.yaml", OPTIONS) == TEMPLATE_TEXT


def test_utf16_big_endian_with_bom_is_decoded() -> None:
    text = read_source(BAD / "utf16be_bom_trust_policy.json", OPTIONS)

    assert text == read_source(BAD / "utf8_bom_trust_policy.json", OPTIONS)
    assert text.startswith('{\n  "Version"')


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")],
)
def test_utf32_with_bom_is_decoded(tmp_path: Path, bom: bytes, encoding: str) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(bom + TEMPLATE_TEXT.encode(encoding))

    assert read_source(path, OPTIONS) == TEMPLATE_TEXT


def test_utf16_without_bom_is_binary() -> None:
    error = read_error(BAD / "utf16_without_bom_template.yaml")

    assert error.message == "binary file (NUL byte at offset 1)"
    assert (error.line, error.column) == (1, 1)


def test_nul_byte_in_the_first_8_kib_means_binary() -> None:
    error = read_error(BAD / "random_bytes.json")

    assert error.message == "binary file (NUL byte at offset 8)"


def test_nul_byte_after_the_first_8_kib_is_left_to_the_parser(tmp_path: Path) -> None:
    path = tmp_path / "late_nul.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * 9000 + b"\0\n")

    assert read_source(path, OPTIONS).endswith("#\0\n")


def test_invalid_utf8_names_line_and_column_of_the_first_bad_byte() -> None:
    # Line 3 is `  "Statement": [{"Sid": "Zürich-Caf\xe9"...`: the `ü` before the
    # bad byte is two bytes but one column.
    error = read_error(BAD / "latin1_policy.json")

    assert error.message == (
        "invalid UTF-8 at line 3, column 36 (byte e9): invalid continuation byte"
    )
    assert (error.line, error.column) == (3, 36)


def test_invalid_utf8_column_does_not_count_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes(codecs.BOM_UTF8 + b"ab\xff\n")

    error = read_error(path)

    assert (error.line, error.column) == (1, 3)
    assert error.message == "invalid UTF-8 at line 1, column 3 (byte ff): invalid start byte"


@pytest.mark.parametrize(
    ("data", "position"),
    [
        (b"a: 1\r\nb: \xff\n", (2, 4)),
        (b"a: 1\rb: \xff\n", (2, 4)),
        (b"a: 1\r\n\r\n\xff", (3, 1)),
        ("a: 1\u2028b: ".encode() + b"\xff", (2, 4)),
    ],
)
def test_invalid_utf8_position_counts_line_breaks_as_yaml_does(
    tmp_path: Path, data: bytes, position: tuple[int, int]
) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(data)

    error = read_error(path)

    assert (error.line, error.column) == position


def test_truncated_utf16_names_the_position_of_the_dangling_byte(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes(codecs.BOM_UTF16_LE + "a\nbc".encode("utf-16-le") + b"A")

    error = read_error(path)

    assert error.message == "invalid UTF-16 at line 2, column 3 (byte 41): truncated data"
    assert (error.line, error.column) == (2, 3)


def test_file_over_the_size_limit_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as stream:
        stream.truncate(OPTIONS.max_file_size + 1)  # sparse: no disk used

    def refuse_to_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized file must not be opened")

    monkeypatch.setattr(source_text, "open", refuse_to_open, raising=False)
    error = read_error(path)

    assert error.message == "file too large (10485761 bytes, the limit is 10485760 bytes)"


def test_file_exactly_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes(b"x" * 64)

    assert read_source(path, LoadOptions(max_file_size=64)) == "x" * 64
    assert read_error(path, LoadOptions(max_file_size=63)).message == (
        "file too large (64 bytes, the limit is 63 bytes)"
    )


def test_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "policies.json"
    folder.mkdir()

    assert read_error(folder).message == "is a directory"


def test_vanished_file_gives_the_os_reason(tmp_path: Path) -> None:
    assert read_error(tmp_path / "gone.yaml").message == "No such file or directory"


def test_unreadable_file_gives_the_os_reason(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("permissions are not enforced for this user (root)")
        assert read_error(path).message == "Permission denied"
    finally:
        path.chmod(0o644)


def test_unreadable_file_error_from_open_gives_the_os_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same path as above for users that permissions do not stop.
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source_text, "open", denied, raising=False)

    assert read_error(path).message == "Permission denied"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)

    assert read_error(pipe).message == "not a regular file"
