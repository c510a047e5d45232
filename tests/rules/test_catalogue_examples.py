"""Every rule file in `rules/`: its metadata has the catalogue's shape, and its examples hold.

Each example is written into a fresh project and scanned with every rule: a bad
example must raise its rule and nothing outside `{rule} | also`; a good example
must raise neither its rule nor TL000 (a good example that does not parse shows
nothing).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, Project

from trustlint.catalogue import load_catalogue

RULES = REPO / "rules"
RULE_FILES = sorted(RULES.glob("TL[0-9][0-9][0-9]-*.yaml"))
FORMATS = ("cloudformation-yaml", "cloudformation-json", "terraform", "policy-json")
KINDS = ("bad", "good")
HELP_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")
LINK = re.compile(r"\[[^\]]+\]\((https://[^)\s]+)\)")


def read_rule(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} must hold a mapping"
    return data


def example_params() -> list[Any]:
    params = []
    for path in RULE_FILES:
        data = read_rule(path)
        for number, example in enumerate(data.get("examples") or [], start=1):
            label = f"{data['id']}-{number}-{example.get('kind')}-{example.get('format')}"
            params.append(pytest.param(data["id"], example, id=label))
    return params


def rule_params() -> list[Any]:
    return [pytest.param(path, id=path.stem) for path in RULE_FILES]


def test_the_catalogue_holds_every_rule_file() -> None:
    assert RULE_FILES, "no rule files found"
    ids = [read_rule(path)["id"] for path in RULE_FILES]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    assert sorted(load_catalogue()) == sorted(ids)


@pytest.mark.parametrize("path", rule_params())
def test_rule_file_metadata_has_the_catalogue_shape(path: Path) -> None:
    data = read_rule(path)
    assert path.stem == f"{data['id']}-{data['name']}"
    assert re.fullmatch(r"TL\d{3}", data["id"])
    assert data["level"] in ("error", "warning", "note")
    severity = data["security_severity"]
    assert isinstance(severity, str) and 0.0 < float(severity) <= 10.0
    assert "security" in data["tags"]
    assert data["precision"] in ("very-high", "high", "medium", "low")
    short = data["short_description"].strip()
    assert short and not short.endswith(".")
    assert data["full_description"].strip()


@pytest.mark.parametrize("path", rule_params())
def test_rule_help_follows_the_fixed_shape(path: Path) -> None:
    help_text = read_rule(path)["help"]
    positions = [help_text.find(section) for section in (*HELP_SECTIONS, "## References")]
    assert -1 not in positions, f"help must hold {HELP_SECTIONS} and ## References"
    assert positions == sorted(positions), "help sections must come in the fixed order"
    references = help_text[positions[-1] :]
    assert LINK.search(references), "## References must link real documentation"


@pytest.mark.parametrize("path", rule_params())
def test_rule_has_a_bad_and_a_good_example_in_every_format(path: Path) -> None:
    examples = read_rule(path).get("examples") or []
    present = {(example.get("kind"), example.get("format")) for example in examples}
    missing = [(kind, fmt) for fmt in FORMATS for kind in KINDS if (kind, fmt) not in present]
    assert not missing, f"missing examples: {missing}"
    for example in examples:
        assert example["kind"] in KINDS and example["format"] in FORMATS
        assert ("file" in example and "content" in example) or "files" in example


def write_example(project: Project, example: dict[str, Any]) -> None:
    files = example.get("files") or {example["file"]: example["content"]}
    for name, text in files.items():
        project.write(name, text)
    if example.get("config"):
        project.write(".trustlint.yaml", example["config"])


@pytest.mark.parametrize(("rule_id", "example"), example_params())
def test_catalogue_example(project: Project, rule_id: str, example: dict[str, Any]) -> None:
    write_example(project, example)
    findings = project.scan()
    raised = {finding.rule_id for finding in findings}
    shown = "\n".join(f"{f.location} {f.rule_id} {f.message}" for f in findings)
    if example["kind"] == "bad":
        assert rule_id in raised, f"bad example does not raise {rule_id}:\n{shown}"
        allowed = {rule_id, *(example.get("also") or [])}
        assert raised <= allowed, f"bad example raises more than {sorted(allowed)}:\n{shown}"
    else:
        assert rule_id not in raised, f"good example raises {rule_id}:\n{shown}"
        assert "TL000" not in raised, f"good example does not load:\n{shown}"
