"""The escaping function of each output format, and paths that are not UTF-8 in every format.

A file name that is not UTF-8 reaches the outputs as `surrogateescape`d text
(lone surrogates U+DC80-U+DCFF); no output may fail on it or write it raw.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from trustlint.config import Config
from trustlint.engine import ScanResult
from trustlint.findings import Finding
from trustlint.model import Location, Suppression
from trustlint.report.escaping import (
    for_dot,
    for_github_data,
    for_github_property,
    for_json,
    for_mermaid,
    for_sarif_message,
    for_text,
    for_text_path,
)
from trustlint.report.github import annotation
from trustlint.report.json_report import write_json
from trustlint.report.sarif import artifact_uri, render_sarif
from trustlint.report.text import render_text

UNDECODABLE = "bad-\udcff\udcfe.json"
"""`bad-\\xff\\xfe.json` as `os.fsdecode` gives it."""


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain Réle name", "plain Réle name"),
        ("\x1b[2J", "\\x1b[2J"),
        ("a\r\n::error file=x::y", "a\\r\\n::error file=x::y"),
        ("tab\there", "tab\\there"),
        ("nul\x00 del\x7f c1\x85\x9b", "nul\\x00 del\\x7f c1\\x85\\x9b"),
        ("bidi \u202eevil\u202c \u2066x\u2069", "bidi \\u202eevil\\u202c \\u2066x\\u2069"),
        ("lines\u2028\u2029", "lines\\u2028\\u2029"),
        ("marks \u200e\u200f\u061c", "marks \\u200e\\u200f\\u061c"),
        (UNDECODABLE, "bad-\\xff\\xfe.json"),
        ("high \ud800 alone", "high \\ud800 alone"),
        ("back\\slash", "back\\slash"),
    ],
)
def test_text_shows_what_could_act_on_a_terminal_as_escapes(raw: str, shown: str) -> None:
    assert for_text(raw) == shown
    assert for_sarif_message(raw) == shown


def test_a_text_path_never_starts_a_line_as_a_workflow_command() -> None:
    assert for_text_path("::error file=x::y.json") == "./::error file=x::y.json"
    assert for_text_path("##[error]x.json") == "./##[error]x.json"
    assert for_text_path("roles/a::b.json") == "roles/a::b.json"


def test_github_data_and_properties_hold_one_line_of_inert_text() -> None:
    assert for_github_data("a\x1b[2J\r\n::add-mask::x 5%") == "a\\x1b[2J\\r\\n::add-mask::x 5%25"
    assert for_github_property("::stop-commands::t,o\n") == "%3A%3Astop-commands%3A%3At%2Co\\n"
    assert for_github_data(UNDECODABLE) == "bad-\\xff\\xfe.json"


def test_json_data_loses_only_lone_surrogates() -> None:
    data = {"path": UNDECODABLE, "id": "a\x1b\u202e", UNDECODABLE: [UNDECODABLE, 1, None]}

    safe = for_json(data)

    assert safe == {
        "path": "bad-\\xff\\xfe.json",
        "id": "a\x1b\u202e",
        "bad-\\xff\\xfe.json": ["bad-\\xff\\xfe.json", 1, None],
    }
    text = json.dumps(safe)
    text.encode("utf-8")
    assert json.loads(text)["id"] == "a\x1b\u202e"


def test_graph_labels_stay_inside_their_quotes() -> None:
    assert for_dot('Role "x"\x1b\\n\r\nY') == '"Role \\"x\\"\\\\x1b\\\\n Y"'
    assert for_mermaid('Role "x"|\x1b\u202e') == "Role #quot;x#quot;#124;\\x1b\\u202e"


def undecodable_finding() -> Finding:
    location = Location(UNDECODABLE, 3, 5, 3, 8)
    return Finding(
        "TL001",
        "error",
        f"trust policy {UNDECODABLE} trusts every AWS principal",
        location,
        resource=f"trust policy {UNDECODABLE}",
        suppression=Suppression(("TL001",), f"reviewed {UNDECODABLE}", location),
    )


def test_every_format_writes_a_path_that_is_not_utf8_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # text paths are relative to the working directory
    finding = undecodable_finding()
    result = ScanResult(tmp_path, Config(), [], [finding])

    text = render_text(result, [finding], colour=False)
    github = annotation(finding, "wildcard-principal")
    stream = io.StringIO()
    write_json(stream, result, [finding])
    sarif = render_sarif(result, [finding], show_suppressed=True)

    assert text.startswith(
        "bad-\\xff\\xfe.json:3:5: TL001 error trust policy bad-\\xff\\xfe.json trusts every AWS "
        "principal [suppressed: reviewed bad-\\xff\\xfe.json]\n"
    )
    assert github.startswith("::notice file=bad-\\xff\\xfe.json,line=3,col=5,")
    for output in (text, github, stream.getvalue(), sarif):
        output.encode("utf-8")
    [entry] = json.loads(stream.getvalue())["findings"]
    assert entry["location"]["path"] == "bad-\\xff\\xfe.json"
    [sarif_result] = json.loads(sarif)["runs"][0]["results"]
    location = sarif_result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "bad-%FF%FE.json"
    assert artifact_uri(UNDECODABLE) == "bad-%FF%FE.json"
