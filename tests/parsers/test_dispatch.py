"""Dispatch: which files are ours, which become TL000, and that nothing raises."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from trustlint.config import LoadOptions
from trustlint.discover import discover
from trustlint.frontends import policy_json
from trustlint.frontends.dispatch import load_file, load_terraform
from trustlint.model import Location, ParseError, SourceUnit
from trustlint.tree import LMap

FIXTURES = Path(__file__).parents[1] / "fixtures" / "parsers"
REPOSITORY = Path(__file__).parents[2]
REALWORLD = REPOSITORY.parent / "shared" / "realworld"
OPTIONS = LoadOptions()

VALID_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::111122223333:root"}
            Action: sts:AssumeRole
"""


def load(relative: str, root: Path = FIXTURES) -> SourceUnit | None:
    return load_file(root / relative, root, OPTIONS)


def only_error(unit: SourceUnit | None) -> ParseError:
    assert unit is not None
    assert (unit.roles, unit.documents) == ((), ())
    (error,) = unit.errors
    return error


def at(path: str, line: int, column: int) -> Location:
    return Location(path, line, column, line, column + 1)


def install_front_end(monkeypatch: pytest.MonkeyPatch, name: str, **functions: Any) -> None:
    """Stand in for a front-end module, to check dispatch against its contract alone."""
    module = types.ModuleType(f"trustlint.frontends.{name}")
    for function_name, function in functions.items():
        setattr(module, function_name, function)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    parent_name, _, child = module.__name__.rpartition(".")
    monkeypatch.setattr(importlib.import_module(parent_name), child, module, raising=False)


# Not our business: silence


@pytest.mark.parametrize(
    "relative",
    [
        "json/package.json",
        "json/tsconfig.json",
        "json/json_schema_for_policies.json",
        "json/k8s_manifest.json",
        "bad/broken_tsconfig_with_comments.json",
        "bad/k8s_multi_document.yaml",
    ],
)
def test_files_that_are_neither_iac_nor_policies_are_skipped_silently(relative: str) -> None:
    assert load(relative) is None


def test_empty_yaml_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")

    assert load("empty.yaml", tmp_path) is None


def test_broken_yaml_without_iac_markers_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services:\n  web: [unclosed\n")

    assert load("docker-compose.yml", tmp_path) is None


def test_unreadable_file_of_another_extension_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    assert load("logo.png", tmp_path) is None


def test_oversized_file_of_another_extension_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "dump.sql").write_text("x" * 100)

    assert load_file(tmp_path / "dump.sql", tmp_path, LoadOptions(max_file_size=10)) is None


# Looks like IaC or a policy but cannot be read or parsed: TL000


def test_broken_yaml_template_is_tl000_at_the_bad_line() -> None:
    error = only_error(load("bad/broken_template_bad_indentation.yaml"))

    assert error.message == (
        "cannot parse bad/broken_template_bad_indentation.yaml as YAML: did not find expected key"
    )
    assert error.location == at("bad/broken_template_bad_indentation.yaml", 7, 6)


def test_template_with_duplicate_key_keeps_the_last_with_a_tl000_warning_there() -> None:
    unit = load("bad/template_with_duplicate_key.yaml")

    assert unit is not None
    (error,) = unit.errors
    assert error.level == "warning"
    assert error.message == (
        "duplicate key 'RoleName': the value at line 6 is overridden by the one at line 7 "
        "(CloudFormation keeps the last)"
    )
    assert error.location == Location("bad/template_with_duplicate_key.yaml", 7, 7, 7, 15)
    assert [role.name.text for role in unit.roles] == ["deploy-v2"]


def test_policy_with_duplicate_key_is_still_a_tl000_error_at_the_second_key(
    tmp_path: Path,
) -> None:
    (tmp_path / "policy.json").write_text(
        '{"Version": "2012-10-17",\n "Version": "2008-10-17", "Statement": []}\n'
    )

    error = only_error(load("policy.json", tmp_path))

    assert error.level == "error"
    assert error.message.endswith("duplicate key 'Version' (first defined at line 1)")
    assert error.location == at("policy.json", 2, 2)


def test_template_with_a_second_yaml_document_is_tl000_at_the_marker() -> None:
    unit = load("bad/template_with_stray_document_marker.yaml")
    error = only_error(unit)

    assert unit is not None and unit.format == "cloudformation"
    assert error.message == (
        "cannot parse bad/template_with_stray_document_marker.yaml as YAML: a second YAML "
        "document starts here (a template is a single document)"
    )
    assert error.location == at("bad/template_with_stray_document_marker.yaml", 5, 1)


def test_broken_policy_json_is_tl000_at_the_unexpected_token() -> None:
    unit = load("bad/broken_policy_missing_comma.json")
    error = only_error(unit)

    assert unit is not None
    assert (unit.unit, unit.format, unit.paths) == (
        "bad/broken_policy_missing_comma.json",
        "policy-json",
        ("bad/broken_policy_missing_comma.json",),
    )
    assert error.message == (
        "cannot parse bad/broken_policy_missing_comma.json as JSON: "
        "did not find expected ',' or '}'"
    )
    # Line 4 is `    {"Effect": "Allow" "Action": ...`: the second key starts at 24.
    assert error.location == at("bad/broken_policy_missing_comma.json", 4, 24)


def test_random_bytes_named_json_are_tl000() -> None:
    error = only_error(load("bad/random_bytes.json"))

    assert error.message == "cannot read bad/random_bytes.json: binary file (NUL byte at offset 8)"
    assert error.location == at("bad/random_bytes.json", 1, 1)


def test_invalid_utf8_is_tl000_at_the_line_and_column_of_the_bad_byte() -> None:
    error = only_error(load("bad/latin1_policy.json"))

    assert error.message == (
        "cannot read bad/latin1_policy.json: invalid UTF-8 at line 3, column 36 (byte e9): "
        "invalid continuation byte"
    )
    assert error.location == at("bad/latin1_policy.json", 3, 36)


def test_utf16_without_bom_is_tl000_as_binary() -> None:
    error = only_error(load("bad/utf16_without_bom_template.yaml"))

    assert error.message.endswith("binary file (NUL byte at offset 1)")


def test_oversized_template_is_tl000_without_being_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.template"
    with path.open("wb") as stream:
        stream.truncate(OPTIONS.max_file_size + 1)

    error = only_error(load("huge.template", tmp_path))

    assert error.message == (
        "cannot read huge.template: file too large (10485761 bytes, the limit is 10485760 bytes)"
    )
    assert error.location == at("huge.template", 1, 1)


def test_directory_named_like_a_template_is_tl000(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").mkdir()

    assert only_error(load("stack.yaml", tmp_path)).message == (
        "cannot read stack.yaml: is a directory"
    )


def test_vanished_file_is_tl000_with_the_os_reason(tmp_path: Path) -> None:
    assert only_error(load("gone.json", tmp_path)).message == (
        "cannot read gone.json: No such file or directory"
    )


def test_unreadable_template_is_tl000_with_the_os_reason(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(VALID_TEMPLATE)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("permissions are not enforced for this user (root)")
        assert only_error(load("secret.yaml", tmp_path)).message == (
            "cannot read secret.yaml: Permission denied"
        )
    finally:
        path.chmod(0o644)


def test_undecodable_file_of_another_extension_with_iac_markers_is_tl000(tmp_path: Path) -> None:
    (tmp_path / "stack.cfn").write_bytes(b"AWSTemplateFormatVersion: '2010-09-09'\n# caf\xe9\n")

    error = only_error(load("stack.cfn", tmp_path))

    assert error.location == at("stack.cfn", 2, 6)


# Policies in every encoding and extension


@pytest.mark.parametrize(
    "relative", ["bad/utf8_bom_trust_policy.json", "bad/utf16be_bom_trust_policy.json"]
)
def test_policy_with_a_byte_order_mark_loads_with_the_same_locations(relative: str) -> None:
    unit = load(relative)

    assert unit is not None and unit.errors == ()
    (document,) = unit.documents
    assert document.kind == "trust"
    # Line 4 is four spaces and the statement: the BOM takes no column.
    statement = (
        '{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}'
    )
    assert document.statements[0].location == Location(relative, 4, 5, 4, 5 + len(statement))


def test_template_extension_holding_json_with_tabs_is_read_as_json(tmp_path: Path) -> None:
    text = '{\n\t"Version": "2012-10-17",\n\t"Statement": [{"Effect": "Allow", "Action": "*"}]\n}'
    (tmp_path / "admin.template").write_text(text)

    unit = load("admin.template", tmp_path)

    assert unit is not None and unit.errors == ()
    # Line 3 is a tab, `"Statement": [` and the statement: a tab is one column.
    end = 16 + len('{"Effect": "Allow", "Action": "*"}')
    assert unit.documents[0].statements[0].location == Location("admin.template", 3, 16, 3, end)


def test_template_extension_holding_yaml_is_read_as_yaml(tmp_path: Path) -> None:
    text = "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Action: sts:AssumeRole\n"
    (tmp_path / "grant.template").write_text(text)

    unit = load("grant.template", tmp_path)

    assert unit is not None and unit.documents[0].kind == "identity"


def test_explicitly_named_file_of_another_extension_is_read(tmp_path: Path) -> None:
    (tmp_path / "trust.policy").write_text('{"Version": "2012-10-17", "Statement": []}')

    unit = load("trust.policy", tmp_path)

    assert unit is not None and unit.format == "policy-json"


# Routing to the CloudFormation and Terraform front-ends (their contract)


def test_template_goes_to_cloudformation_with_path_and_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, ...]] = []

    def read_template(
        tree: LMap, path: str, text: str, options: LoadOptions, **context: Any
    ) -> SourceUnit:
        calls.append((sorted(tree), path, text, options, context))
        return SourceUnit(unit=path, format="cloudformation", paths=(path,))

    install_front_end(
        monkeypatch,
        "cloudformation",
        is_template=lambda tree: "AWSTemplateFormatVersion" in tree,
        read_template=read_template,
    )
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "deploy.yaml").write_text(VALID_TEMPLATE)

    unit = load("stacks/deploy.yaml", tmp_path)

    assert unit == SourceUnit(
        unit="stacks/deploy.yaml", format="cloudformation", paths=("stacks/deploy.yaml",)
    )
    assert calls == [
        (
            ["AWSTemplateFormatVersion", "Resources"],
            "stacks/deploy.yaml",
            VALID_TEMPLATE,
            OPTIONS,
            {"duplicates": (), "root": os.fspath(tmp_path)},
        )
    ]


def test_plan_goes_to_tfplan_with_path_and_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, Path]] = []

    def read_plan(tree: LMap, path: str, root: Path, options: LoadOptions) -> SourceUnit:
        calls.append((path, root))
        return SourceUnit(unit=path, format="terraform-plan", paths=(path,))

    install_front_end(
        monkeypatch,
        "terraform.plan",
        is_plan=lambda tree: "planned_values" in tree,
        read_plan=read_plan,
    )
    (tmp_path / "plan.json").write_text('{"format_version": "1.2", "planned_values": {}}')

    unit = load("plan.json", tmp_path)

    assert unit is not None and unit.format == "terraform-plan"
    assert calls == [("plan.json", tmp_path)]


def test_json_that_no_sniffer_claims_is_offered_to_policy_json_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_front_end(monkeypatch, "terraform.plan", is_plan=lambda tree: False, read_plan=None)
    (tmp_path / "state.json").write_text('{"format_version": "1.0", "Statement": []}')

    assert load("state.json", tmp_path) is None


def test_exception_in_a_front_end_is_tl000_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(tree: object, path: str, options: LoadOptions) -> SourceUnit | None:
        raise KeyError("Statement")

    monkeypatch.setattr(policy_json, "read_policy_json", explode)
    (tmp_path / "trust.json").write_text('{"Version": "2012-10-17", "Statement": []}')

    error = only_error(load("trust.json", tmp_path))

    assert error.message == "internal error while reading trust.json: KeyError: 'Statement'"
    assert error.location == at("trust.json", 1, 1)


def test_exception_in_the_terraform_front_end_is_tl000_at_its_first_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
        raise KeyError("resource")

    install_front_end(monkeypatch, "terraform", load_module=explode)
    module = tmp_path / "modules" / "iam"
    module.mkdir(parents=True)
    for name in ("variables.tf", "main.tf", "README.md"):
        (module / name).write_text("")

    unit = load_terraform(module, tmp_path, OPTIONS)

    assert (unit.unit, unit.format) == ("modules/iam", "terraform")
    assert unit.paths == ("modules/iam/main.tf", "modules/iam/variables.tf")
    (error,) = unit.errors
    assert error.message == ("internal error while reading modules/iam: KeyError: 'resource'")
    assert error.location == at("modules/iam/main.tf", 1, 1)


def test_a_recursion_error_in_a_front_end_is_reported_as_nesting_too_deep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
        raise RecursionError("maximum recursion depth exceeded")

    install_front_end(monkeypatch, "terraform", load_module=explode)
    module = tmp_path / "iam"
    module.mkdir()
    (module / "main.tf").write_text("")

    (error,) = load_terraform(module, tmp_path, OPTIONS).errors

    assert error.message == "cannot read iam: nested too deeply to read"


def test_terraform_module_is_loaded_with_its_absolute_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Path] = []

    def load_module(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
        seen.append(directory)
        return SourceUnit(unit=".", format="terraform", paths=())

    install_front_end(monkeypatch, "terraform", load_module=load_module)
    monkeypatch.chdir(tmp_path)

    unit = load_terraform(Path("."), tmp_path, OPTIONS)

    assert unit.unit == "."
    assert seen == [tmp_path]


# With the real front-ends


def test_utf16_and_bom_templates_load_as_cloudformation() -> None:
    pytest.importorskip("trustlint.frontends.cloudformation")
    for relative in ("bad/utf16le_bom_template.yaml", "bad/utf8_bom_template.yaml"):
        unit = load(relative)
        assert unit is not None, relative
        assert (unit.format, unit.errors) == ("cloudformation", ())
        assert [role.resource.address for role in unit.roles] == ["DeployRole"]
        # Line 4 is `  DeployRole:` in both: neither the BOM nor UTF-16 moves it.
        assert unit.roles[0].resource.location.line == 4


def test_valid_files_beside_hostile_ones_still_load(tmp_path: Path) -> None:
    for fixture in sorted((FIXTURES / "bad").iterdir()):
        shutil.copyfile(fixture, tmp_path / fixture.name)
    (tmp_path / "loop").symlink_to(tmp_path)
    with (tmp_path / "huge.json").open("wb") as stream:
        stream.truncate(OPTIONS.max_file_size + 1)
    shutil.copyfile(FIXTURES / "json" / "trust_policy.json", tmp_path / "trust_policy.json")
    (tmp_path / "deploy.yaml").write_text(VALID_TEMPLATE)

    discovery = discover([tmp_path], tmp_path, [])
    units = {path.name: load_file(path, tmp_path, OPTIONS) for path in discovery.files}

    assert discovery.errors == []
    assert len(units) == 16
    trust = units["trust_policy.json"]
    assert trust is not None and trust.errors == () and len(trust.documents) == 1
    skipped = {name for name, unit in units.items() if unit is None}
    assert skipped == {"broken_tsconfig_with_comments.json", "k8s_multi_document.yaml"}
    failed = {name for name, unit in units.items() if unit is not None and unit.errors}
    assert failed >= {
        "broken_policy_missing_comma.json",
        "broken_template_bad_indentation.yaml",
        "huge.json",
        "latin1_policy.json",
        "random_bytes.json",
        "template_with_duplicate_key.yaml",
        "template_with_stray_document_marker.yaml",
        "utf16_without_bom_template.yaml",
    }
    if _has_cloudformation():
        deploy = units["deploy.yaml"]
        assert deploy is not None and deploy.errors == ()
        assert [role.name.text for role in deploy.roles] == ["deploy"]
        assert len(failed) == 8


def _has_cloudformation() -> bool:
    try:
        import trustlint.frontends.cloudformation  # noqa: F401
    except ImportError:
        return False
    return True


def test_loading_a_yaml_template_imports_no_terraform_schema_or_sarif_code(
    tmp_path: Path,
) -> None:
    template = tmp_path / "deploy.yaml"
    template.write_text(VALID_TEMPLATE)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from trustlint.config import LoadOptions\n"
        "from trustlint.frontends.dispatch import load_file\n"
        f"load_file(Path({str(template)!r}), Path({str(tmp_path)!r}), LoadOptions())\n"
        "heavy = ('tree_sitter', 'tree_sitter_hcl', 'jsonschema', 'sarif_om',\n"
        "         'trustlint.frontends.terraform.module', 'trustlint.frontends.terraform.plan')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPOSITORY,
    )

    assert result.stdout == "[]\n"


@pytest.mark.slow
def test_every_realworld_template_loads_without_tl000() -> None:
    pytest.importorskip("trustlint.frontends.cloudformation")
    if not REALWORLD.is_dir():
        pytest.skip(f"real-world corpus not present at {REALWORLD}")
    known_duplicates = {
        "aws-cloudformation-templates/aws/services/ServiceCatalog/Portfolio.yaml",
        "aws-cloudformation-templates/aws/solutions/CloudFrontCustomOriginLambda@Edge/CloudFront.yaml",
    }
    discovery = discover([REALWORLD], REALWORLD, [])
    failures = []
    warned = set()
    for path in discovery.files:
        unit = load_file(path, REALWORLD, OPTIONS)
        if unit is None:
            continue
        # Notes name what is left unread (nested stacks' remote templates).
        failures.extend(
            (unit.unit, error.message) for error in unit.errors if error.level == "error"
        )
        if any(error.level == "warning" for error in unit.errors):
            warned.add(unit.unit)

    assert discovery.errors == []
    assert failures == []
    assert warned == known_duplicates
