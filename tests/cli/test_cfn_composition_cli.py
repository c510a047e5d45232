"""A user's scan of nested templates: `scan FILE` of a nested one, remote ones are no failure."""

from __future__ import annotations

from pathlib import Path

from cli_support import run_trustlint
from conftest import FIXTURES

CASES = FIXTURES / "parsers" / "cloudformation" / "composition"


def test_cli_scan_of_a_nested_template_with_a_remote_sibling_fails_on_nothing_remote(
    tmp_path: Path,
) -> None:
    for case in ("partner_yaml", "remote"):
        for source in (CASES / case).iterdir():
            target = tmp_path / case / source.name
            if source.is_dir():
                target.mkdir(parents=True)
                for child in source.iterdir():
                    (target / child.name).write_bytes(child.read_bytes())
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read_bytes())

    (tmp_path / ".git").mkdir()  # one repository: `scan FILE` reads the whole of it
    result = run_trustlint("scan", ".", "--no-cache", "--fail-on", "note", cwd=tmp_path / "remote")
    nested = run_trustlint(
        "scan", "stacks/partner_role.yaml", "--no-cache", cwd=tmp_path / "partner_yaml"
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert nested.stdout.splitlines()[0].startswith(
        # Text paths are relative to the working directory (SPEC section 10).
        "stacks/partner_role.yaml:20:20: TL002 warning Role PartnerStack.PartnerRole"
    )
