"""Config discovery, validation and its effects, as a user meets them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run_trustlint
from conftest import REPO, Project

from trustlint.config import ConfigError, find_config, load_config

VENDOR_TRUST = """{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                 "Action": "sts:AssumeRole"}]
}
"""


def test_config_is_found_upward_from_the_scanned_path(tmp_path: Path) -> None:
    (tmp_path / ".trustlint.yml").write_text("exclude: []\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)

    assert find_config(nested) == tmp_path / ".trustlint.yml"


def test_pyproject_counts_only_with_a_tool_trustlint_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.trustlint]\nexclude = ['vendor/**']\n")
    inner = tmp_path / "service"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")

    found = find_config(inner)

    assert found == tmp_path / "pyproject.toml"
    assert load_config(found).exclude == ("vendor/**",)


def test_yaml_config_wins_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.trustlint]\n")
    (tmp_path / ".trustlint.yaml").write_text("{}\n")

    assert find_config(tmp_path) == tmp_path / ".trustlint.yaml"


def test_invalid_config_names_the_key_and_the_problem(tmp_path: Path) -> None:
    path = tmp_path / ".trustlint.yaml"
    path.write_text("accounts:\n  internal: {'12345': prod}\nrules:\n  TL006: {levl: error}\n")

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    message = str(raised.value)
    assert "accounts.internal" in message and "'12345'" in message
    assert "rules.TL006: unknown key ('levl' was unexpected)" in message


def test_invalid_config_is_exit_2_without_a_traceback(project: Project) -> None:
    project.write(".trustlint.yaml", "fail_on: sometimes\n")
    project.write("trust.json", VENDOR_TRUST)

    completed = run_trustlint("scan", cwd=project.root)

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "fail_on: 'sometimes' is not one of" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_validated_config_is_not_validated_again(tmp_path: Path) -> None:
    path = tmp_path / ".trustlint.yaml"
    path.write_text("accounts:\n  internal: ['111111111111']\n")
    cache = tmp_path / "cache"
    load_config(path, cache)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from trustlint.config import load_config\n"
        f"load_config(Path({str(path)!r}), Path({str(cache)!r}))\n"
        "print('jsonschema' in sys.modules)\n"
    )

    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )

    assert completed.stdout.strip() == "False"


def test_account_path_globs_are_relative_to_the_config_file(project: Project) -> None:
    # The config lives in infra/, the project root (git) above it: infra's
    # globs must still place infra/prod/ in the prod account.
    (project.root / ".git").mkdir()
    project.write(
        "infra/.trustlint.yaml",
        "accounts:\n"
        "  internal: {'999988887777': tools}\n"
        "  paths:\n"
        "    - {glob: 'prod/**', account: '999988887777'}\n",
    )
    project.write("infra/prod/trust.json", VENDOR_TRUST)

    completed = run_trustlint("scan", "infra", "--format", "json", cwd=project.root)

    # 999988887777 is the role's own (configured) account: not a third party
    # without ExternalId (TL002) but its own account's users without MFA (TL003).
    [finding] = json.loads(completed.stdout)["findings"]
    assert finding["rule"] == "TL003"
    assert "trusts its own account" in finding["message"]


def test_exclude_globs_are_relative_to_the_config_file(project: Project) -> None:
    (project.root / ".git").mkdir()
    project.write("infra/.trustlint.yaml", "exclude: ['legacy/**']\n")
    project.write("infra/legacy/trust.json", VENDOR_TRUST)
    project.write("infra/current/trust.json", VENDOR_TRUST)

    completed = run_trustlint("scan", "infra", "--format", "json", cwd=project.root)

    paths = [f["location"]["path"] for f in json.loads(completed.stdout)["findings"]]
    assert paths == ["infra/current/trust.json"]


def test_config_option_overrides_discovery(project: Project) -> None:
    project.write(".trustlint.yaml", "rules:\n  TL002: {enabled: false}\n")
    project.write("other.yaml", "rules:\n  TL002: {level: error}\n")
    project.write("trust.json", VENDOR_TRUST)

    discovered = run_trustlint("scan", "--format", "json", cwd=project.root)
    chosen = run_trustlint("scan", "--config", "other.yaml", "--format", "json", cwd=project.root)

    assert json.loads(discovered.stdout)["findings"] == []
    [finding] = json.loads(chosen.stdout)["findings"]
    assert (finding["rule"], finding["level"]) == ("TL002", "error")


def test_a_depth_limit_beyond_what_the_reader_supports_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / ".trustlint.yaml"
    path.write_text("limits:\n  max_depth: 10000\n")

    with pytest.raises(ConfigError, match=r"limits\.max_depth: 10000 is greater than the maximum"):
        load_config(path)


def test_management_account_is_read(tmp_path: Path) -> None:
    path = tmp_path / ".trustlint.yaml"
    path.write_text('accounts:\n  management: "999999999999"\n')

    assert load_config(path).management_account == "999999999999"


def test_management_account_that_is_not_an_account_id_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / ".trustlint.yaml"
    path.write_text('accounts:\n  management: "9999"\n')

    with pytest.raises(ConfigError) as raised:
        load_config(path)

    assert "accounts.management" in str(raised.value)
