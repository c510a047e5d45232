"""Text that no output can encode: lone UTF-16 surrogates from `\\ud800` escapes.

Output is UTF-8, and a lone surrogate cannot be written in it: one such
character in a finding once made the whole report fail. A YAML or JSON file
holding one is TL000 (libyaml rejects the escape), a policy in a JSON string
is TL013, and Terraform's `jsondecode` reads it as U+FFFD as Terraform does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import GOOD_FINDING, ROBUSTNESS_FIXTURES, new_project, run_cli, scan_project

from trustlint.frontends.terraform.hcl_json import decode_json

SURROGATES = ROBUSTNESS_FIXTURES / "surrogates"


def project_with_every_case(tmp_path: Path) -> Path:
    root = new_project(tmp_path)
    for source in SURROGATES.rglob("*"):
        if source.is_file():
            target = root / source.relative_to(SURROGATES)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    return root


def test_lone_surrogates_are_tl000_tl013_or_replacement_characters(tmp_path: Path) -> None:
    run = scan_project(project_with_every_case(tmp_path))

    assert [
        (f["rule"], f["location"]["path"], f["location"]["line"], f["location"]["column"])
        for f in run.findings
    ] == [
        ("TL000", "escaped-in-a-policy.json", 3, 29),
        ("TL013", "escaped-in-a-string-policy.json", 5, 33),
        ("TL000", "escaped-in-a-template.yaml", 6, 21),
        GOOD_FINDING,
        ("TL002", "jsondecode-tf/main.tf", 7, 27),
        ("TL002", "source-document-tf/main.tf", 2, 29),
    ]
    messages = [f["message"] for f in run.findings]
    assert messages[0] == (
        "cannot parse escaped-in-a-policy.json as JSON: found invalid Unicode character escape code"
    )
    assert messages[1] == (
        "Role arn:aws:iam::111111111111:role/vendor has an invalid policy: policy document is "
        "not valid JSON: a \\u escape is a lone UTF-16 surrogate"
    )
    assert messages[4].startswith(
        "Role aws_iam_role.decoded trusts arn:aws:iam::464622532012:user/\ufffd of account "
    )
    assert messages[5].startswith(
        "Role aws_iam_role.merged trusts arn:aws:iam::464622532012:user/\ufffd of account "
    )


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_every_output_format_can_be_written(tmp_path: Path, output_format: str) -> None:
    root = project_with_every_case(tmp_path)

    run = run_cli(root, "scan", "--format", output_format, "--no-cache", ".")

    assert run.returncode == 1, run.stderr
    assert "aws_iam_role.decoded" in run.stdout
    assert run.stderr == ""


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ('"\\ud800"', "\ufffd"),
        ('{"\\udfff": ["a\\ud800b"]}', {"\ufffd": ["a\ufffdb"]}),
        ('"\\ud83d\\ude00"', "\U0001f600"),
        ('"\\\\ud800"', "\\ud800"),
        ('"plain"', "plain"),
    ],
)
def test_terraform_json_decoding_replaces_only_lone_surrogates(text: str, decoded: object) -> None:
    assert decode_json(text) == decoded
