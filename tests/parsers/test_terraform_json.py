"""Terraform JSON syntax (`*.tf.json`) and override files, read into the model."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from terraform_helpers import load, role, span, trust

from trustlint.config import LoadOptions
from trustlint.discover import discover
from trustlint.frontends.terraform import load_module
from trustlint.frontends.terraform.files import is_override, module_file_names
from trustlint.frontends.terraform.hcl_eval import Evaluator, Scope
from trustlint.frontends.terraform.hcl_syntax import read_body
from trustlint.frontends.terraform.json_syntax import parse_json_syntax
from trustlint.model import THIS_ACCOUNT, Location
from trustlint.project_paths import project_path


def test_blocks_labels_and_interpolations_are_read_at_their_json_positions() -> None:
    unit = load("json_syntax_blocks")
    assert unit.errors == ()
    assert unit.paths == ("main.tf.json",)
    deployer = role(unit, "aws_iam_role.deployer")
    # The block is where its name label is written.
    assert (deployer.resource.location.line, deployer.resource.location.column) == (36, 7)
    # "${local.role_name}", a local that interpolates another local.
    assert deployer.name.value == "ci-deployer"
    assert span(deployer.name.location) == (38, 17, 38, 37)
    assert deployer.max_session_duration is not None
    assert deployer.max_session_duration.value == "7200"
    assert span(deployer.max_session_duration.location) == (40, 33, 40, 37)


def test_policy_document_blocks_written_as_objects_and_arrays() -> None:
    (statement,) = trust(load("json_syntax_blocks"), "aws_iam_role.deployer").statements
    assert statement.sid is not None and statement.sid.value == "Partner"
    (principal,) = statement.principals
    # A local interpolating a variable's default, located where it is used.
    assert principal.value == "arn:aws:iam::444455556666:root"
    assert span(principal.location) == (25, 59, 25, 82)
    (condition,) = statement.conditions
    assert condition.key == "sts:ExternalId"
    # A \\u escape is decoded; the value spans its whole JSON string.
    assert [value.value for value in condition.values] == ["partner-\u00e9xt"]
    assert span(condition.values[0].location) == (27, 81, 27, 99)


def test_a_variable_default_is_literal_text_not_a_template() -> None:
    literal = role(load("json_syntax_blocks"), "aws_iam_role.literal")
    assert literal.name.value == "${not.a.reference}"
    assert span(literal.name.location) == (44, 17, 44, 41)


def test_comment_keys_are_not_attributes_and_escapes_are_literal_text() -> None:
    file = parse_json_syntax(
        '{"//": "top", "resource": {"aws_iam_role": {"r": {"//": {"a": 1},'
        ' "description": "$${x} and \\"q\\" and \\\\ and %%{y}"}}}}',
        "main.tf.json",
        256,
    )
    (block,) = read_body(file).blocks
    assert block.labels == ("aws_iam_role", "r")
    assert list(block.attributes) == ["description"]
    assert file.node_text(block.attributes["description"].expression) == (
        '"$${x} and \\"q\\" and \\\\ and %%{y}"'
    )


def test_an_invalid_json_file_is_a_parse_error_at_its_position() -> None:
    unit = load("json_syntax_errors")
    messages = {error.location.path: error for error in unit.errors}
    broken = messages["broken.tf.json"]
    assert broken.message.startswith("cannot parse broken.tf.json as JSON:")
    assert broken.location == Location("broken.tf.json", 4, 25, 4, 26)


def test_an_invalid_interpolation_is_a_parse_error_and_other_blocks_are_read() -> None:
    unit = load("json_syntax_errors")
    (error,) = [e for e in unit.errors if e.location.path == "template.tf.json"]
    assert error.message == "cannot parse template.tf.json: this string holds an invalid expression"
    assert error.location == Location("template.tf.json", 6, 31, 6, 32)
    assert [r.resource.address for r in unit.roles] == ["aws_iam_role.good"]


def test_override_files_merge_attributes_nested_blocks_and_locals() -> None:
    unit = load("json_override_merge")
    app = role(unit, "aws_iam_role.app")
    # Attributes the override does not write stay the primary's.
    assert app.name.value == "base"
    assert span(app.name.location) == (17, 26, 17, 36)
    assert app.resource.location.path == "main.tf"
    # An attribute the override writes replaces the primary's.
    assert app.max_session_duration is not None
    assert app.max_session_duration.value == "7200"
    assert app.max_session_duration.location.path == "trust_override.tf"
    assert span(app.max_session_duration.location) == (19, 26, 19, 30)
    # Both statement blocks of the override replace the primary's only one, and
    # the local value comes from the JSON override file.
    statements = trust(unit, "aws_iam_role.app").statements
    assert [p.value for s in statements for p in s.principals] == [
        "ec2.amazonaws.com",
        "arn:aws:iam::444455556666:root",
    ]
    assert statements[1].principals[0].location.path == "trust_override.tf"
    assert span(statements[1].principals[0].location) == (13, 22, 13, 35)


def test_an_override_without_a_base_block_is_a_parse_error() -> None:
    (error,) = load("json_override_merge").errors
    assert error.message == 'resource "aws_iam_role" "missing" overrides no block of this module'
    assert error.location == Location("trust_override.tf", 25, 1, 25, 9)


def test_module_files_are_tf_and_tf_json_with_override_files_last(tmp_path: Path) -> None:
    for name in [
        "b.tf",
        "a.tf.json",
        "override.tf",
        "a_override.tf.json",
        "terraform.tfvars",
        "policy.json",
        "notes.tf.txt",
    ]:
        (tmp_path / name).write_text("")
    (tmp_path / "dir.tf").mkdir()
    assert module_file_names(tmp_path) == ["a.tf.json", "b.tf", "a_override.tf.json", "override.tf"]
    assert is_override("x_override.tf") and not is_override("overrides.tf")


def test_a_directory_holding_only_tf_json_is_a_module_and_not_a_json_candidate(
    tmp_path: Path,
) -> None:
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "main.tf.json").write_text("{}")
    (tmp_path / "policy.json").write_text("{}")
    discovery = discover([tmp_path], tmp_path, [])
    assert [project_path(p, tmp_path) for p in discovery.terraform_dirs] == ["stack"]
    assert [project_path(p, tmp_path) for p in discovery.files] == ["policy.json"]
    named = discover([tmp_path / "stack" / "main.tf.json"], tmp_path, [])
    assert named.files == [] and len(named.terraform_dirs) == 1


def test_a_tf_json_holding_a_policy_statement_is_read_as_terraform(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(
        '{"locals": {"Statement": [{"Effect": "Allow", "Principal": "*",'
        ' "Action": "sts:AssumeRole"}]}}'
    )
    unit = load_module(tmp_path, tmp_path, LoadOptions())
    assert unit.format == "terraform"
    assert unit.errors == ()
    assert unit.roles == () and unit.documents == ()


def test_json_numbers_are_read_whatever_their_exponent(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(
        '{"resource": {"aws_iam_role": {"r": {"name": "r", "max_session_duration": 7.2e3}}}}'
    )
    unit = load_module(tmp_path, tmp_path, LoadOptions())
    assert unit.errors == ()
    duration = role(unit, "aws_iam_role.r").max_session_duration
    assert duration is not None
    assert float(str(duration.value)) == 7200
    assert span(duration.location) == (1, 75, 1, 80)


def test_a_role_without_a_name_is_named_where_its_label_is_written(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(
        '{"resource": {"aws_iam_role": {\n  "unnamed": {"assume_role_policy": "{}"}}}}'
    )
    unnamed = role(load_module(tmp_path, tmp_path, LoadOptions()), "aws_iam_role.unnamed")
    assert span(unnamed.name.location) == (2, 3, 2, 12)


def test_json_booleans_and_null_are_literals(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(
        '{"data": {"aws_iam_policy_document": {"mfa": {"statement": {\n'
        '"actions": ["sts:AssumeRole"], "sid": null,\n'
        '"principals": {"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]},\n'
        '"condition": {"test": "Bool", "variable": "aws:MultiFactorAuthPresent",'
        ' "values": [true]}}}}},\n'
        '"resource": {"aws_iam_role": {"r": {"name": "r",'
        ' "assume_role_policy": "${data.aws_iam_policy_document.mfa.json}"}}}}'
    )
    unit = load_module(tmp_path, tmp_path, LoadOptions())
    assert unit.errors == ()
    (statement,) = trust(unit, "aws_iam_role.r").statements
    assert statement.sid is None
    (condition,) = statement.conditions
    assert [value.value for value in condition.values] == ["true"]
    assert span(condition.values[0].location) == (4, 84, 4, 88)


_PLAIN_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40).filter(
    lambda text: "${" not in text and "%{" not in text
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers(-(10**6), 10**6) | _PLAIN_TEXT,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(_PLAIN_TEXT, children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_json_values_without_templates_evaluate_to_themselves(value: object) -> None:
    text = json.dumps({"locals": {"v": value, "w": [value]}}, ensure_ascii=False)
    file = parse_json_syntax(text, "main.tf.json", 256)
    assert not file.root.has_error
    attribute = read_body(file).blocks[0].attributes["v"]
    assert _plain(Evaluator(file, Scope()).evaluate(attribute.expression)) == _plain(value)


def _plain(value: object) -> object:
    """A located tree as plain Python values; nulls inside objects are dropped as HCL does."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_a_heredoc_written_in_an_override_file_is_located_there(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "app" {\n  name = "app"\n  assume_role_policy = "{}"\n}\n'
    )
    (tmp_path / "main_override.tf").write_text(
        "# a comment above the block\n"
        'resource "aws_iam_role" "app" {\n'
        "  assume_role_policy = <<-EOT\n"
        '    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",\n'
        '      "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}}]}\n'
        "  EOT\n"
        "}\n"
    )
    unit = load_module(tmp_path, tmp_path, LoadOptions())
    (statement,) = trust(unit, "aws_iam_role.app").statements
    (principal,) = statement.principals
    assert principal.location.path == "main_override.tf"
    assert span(principal.location) == (5, 56, 5, 59)


def test_cdktf_references_resolve_across_resources() -> None:
    stack = (
        Path(__file__).resolve().parents[1]
        / "fixtures/rules/json_syntax/cdktf/cdktf.out/stacks/iam-stack"
    )
    unit = load_module(stack, stack, LoadOptions())
    assert unit.errors == ()
    (attachment,) = unit.attachments
    # "role": "${aws_iam_role.ci_role.name}"
    assert attachment.target.value == "ci-deployer"
    assert span(attachment.target.location) == (151, 17, 151, 47)
    (policy,) = unit.managed_policies
    assert policy.document is not None
    (statement,) = policy.document.statements
    # `aws_iam_role.vendor_role.arn` inside an interpolated jsonencode().
    assert [r.value for r in statement.resources] == [
        f"arn:aws:iam::{THIS_ACCOUNT}:role/vendor-integration"
    ]
    assert span(statement.resources[0].location) == (107, 124, 107, 152)
