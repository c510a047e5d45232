"""The bundled example repository shows every rule, as the README promises."""

from __future__ import annotations

import json

from cli_support import run_trustlint
from conftest import REPO

from trustlint.catalogue import load_catalogue


def test_scanning_the_examples_reports_every_rule_at_least_once() -> None:
    completed = run_trustlint("scan", "examples", "--format", "json", "--no-cache", cwd=REPO)

    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    rules = {finding["rule"] for finding in report["findings"]}
    assert rules == set(load_catalogue())
    assert report["summary"]["suppressed"] == 1


def test_the_examples_config_places_each_directory_in_its_account() -> None:
    completed = run_trustlint("scan", "examples", "--format", "json", "--no-cache", cwd=REPO)

    messages = [f["message"] for f in json.loads(completed.stdout)["findings"]]
    # Both ends of a cross-account grant are named with the accounts the
    # config gives their directories.
    assert any(
        "Role DataIngestionRole (account 222222222222) trusts Role "
        "aws_iam_role.ingest_lambda of account 333333333333" in message
        for message in messages
    )
