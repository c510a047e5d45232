"""Terraform modules: local module calls and their inputs, tfvars, count and for_each."""

from __future__ import annotations

from pathlib import Path

from terraform_helpers import load, managed_policy, only_statement, role, span, texts, trust

from trustlint.config import LoadOptions
from trustlint.frontends.terraform import load_module
from trustlint.frontends.terraform.module_calls import call_key, root_units
from trustlint.model import THIS_ACCOUNT, SourceUnit, Unknown
from trustlint.passed import PassedLocation


def test_local_module_entities_get_module_addresses_and_keep_their_files() -> None:
    unit = load("local_module_inputs")
    assert unit.paths == ("main.tf", "modules/trusted_role/main.tf")
    child = role(unit, "module.deployer.aws_iam_role.this")
    assert child.resource.location.path == "modules/trusted_role/main.tf"
    assert child.resource.unit == "."
    # The input given by the caller, located at the caller's argument, and
    # the child's own default for `path`, located in the child.
    assert child.name.value == "deployer"
    assert child.name.location.path == "main.tf"
    assert span(child.name.location) == (3, 21, 3, 31)
    assert isinstance(child.name.location, PassedLocation)
    assert child.name.location.used_at.path == "modules/trusted_role/main.tf"
    assert span(child.name.location.used_at) == (10, 10, 10, 18)
    assert child.name.location.used_in == "module.deployer"
    assert child.path is not None
    assert child.path.location.path == "modules/trusted_role/main.tf"
    assert span(child.path.location) == (11, 10, 11, 18)
    assert child.arn == f"arn:aws:iam::{THIS_ACCOUNT}:role/deploy/deployer"


def test_module_inputs_reach_the_childs_policies() -> None:
    statement = only_statement(
        trust(load("local_module_inputs"), "module.deployer.aws_iam_role.this")
    )
    (principal,) = statement.principals
    assert principal.value == "arn:aws:iam::888888888888:root"
    # The account comes from the caller: located at its argument, used in the child.
    assert principal.location.path == "main.tf"
    assert span(principal.location) == (4, 21, 4, 35)
    assert isinstance(principal.location, PassedLocation)
    assert principal.location.used_at.path == "modules/trusted_role/main.tf"
    assert span(principal.location.used_at) == (17, 27, 17, 69)


def test_module_outputs_resolve_in_the_caller() -> None:
    policy = managed_policy(load("local_module_inputs"), "aws_iam_policy.assume_deployer")
    assert policy.document is not None
    statement = only_statement(policy.document)
    assert texts(statement.resources) == [f"arn:aws:iam::{THIS_ACCOUNT}:role/deploy/deployer"]
    assert span(statement.resources[0].location) == (11, 76, 11, 95)


def test_tfvars_override_defaults_and_later_auto_tfvars_win() -> None:
    unit = load("tfvars_precedence")
    assert unit.paths == (
        "a.auto.tfvars",
        "b.auto.tfvars.json",
        "terraform.tfvars",
        "variables.tf",
    )
    (probe,) = unit.users
    assert probe.name.value == "default-only,tfvars,a.auto,b.auto.json"
    assert span(probe.name.location) == (20, 10, 20, 92)


def test_a_variable_without_any_value_stays_unknown() -> None:
    (probe,) = load("tfvars_precedence").users
    assert probe.path is not None
    assert isinstance(probe.path.value, Unknown)
    assert probe.path.value.text == "/${var.no_value}/"
    assert probe.path.value.reason == "variable no_value has no value"
    assert span(probe.path.location) == (21, 10, 21, 29)
    assert isinstance(probe.arn, Unknown)


def test_count_zero_is_not_built_and_counted_resources_are_one_entity_per_instance() -> None:
    unit = load("counted_resources")
    assert [r.resource.address for r in unit.roles] == [
        "aws_iam_role.enabled[0]",
        "aws_iam_role.enabled[1]",
        'aws_iam_role.per_key["a"]',
        'aws_iam_role.per_key["b"]',
        "aws_iam_role.single[0]",
    ]
    assert unit.notes == ("aws_iam_role.disabled is not created (count or for_each is empty)",)
    second = role(unit, "aws_iam_role.enabled[1]")
    assert second.name.value == "enabled-1"
    assert span(second.name.location) == (13, 24, 13, 48)
    assert second.arn == "arn:aws:iam::<this-account>:role/enabled-1"


def test_index_and_splat_on_counted_resources_select_their_instances() -> None:
    targets = {
        a.resource.address: (a.target.value, span(a.target.location))
        for a in load("counted_resources").attachments
    }
    assert targets == {
        "aws_iam_role_policy_attachment.first": ("per-key", (24, 16, 24, 46)),
        "aws_iam_role_policy_attachment.splat": ("single", (35, 16, 35, 48)),
        # An index into a resource that is not created fails, so try() falls back.
        "aws_iam_role_policy_attachment.missing": ("fallback", (40, 16, 40, 62)),
    }


def test_registry_sources_are_not_fetched_and_module_cycles_are_cut() -> None:
    unit = load("remote_and_cyclic_modules")
    assert unit.notes == (
        "module.from_registry: source terraform-aws-modules/iam/aws//modules/iam-role is not "
        "installed (no .terraform/modules/modules.json entry from_registry); it is not read",
    )
    # Without modules.json the registry module stays unknown: a note for --strict;
    # the cycle is an error on the `module` block that closes it.
    assert [(e.level, e.location.path, span(e.location), e.message) for e in unit.errors] == [
        (
            "note",
            "main.tf",
            (1, 1, 1, 7),
            "cannot decide: what module.from_registry creates is not checked: source "
            "terraform-aws-modules/iam/aws//modules/iam-role is not installed (no "
            ".terraform/modules/modules.json entry from_registry); run terraform init to have "
            "it read",
        ),
        (
            "error",
            "modules/loop/main.tf",
            (1, 1, 1, 7),
            "module.loop.module.again: source ../loop calls its own module; the cycle is not "
            "followed",
        ),
    ]
    assert [g.resource.address for g in unit.groups] == ["module.loop.aws_iam_group.looped"]
    uses_remote = trust(unit, "aws_iam_role.uses_remote")
    assert uses_remote.unknown is not None
    assert uses_remote.unknown.text == "module.from_registry.trust_policy"
    assert uses_remote.statements == ()


def test_reference_cycles_and_values_assigned_by_aws_stay_unknown() -> None:
    unit = load("reference_cycles")
    reasons = {}
    for address in (
        "aws_iam_role.cyclic",
        "aws_iam_role.self_named",
        "aws_iam_role.named_after_itself",
    ):
        name = role(unit, address).name.value
        assert type(name) is Unknown
        reasons[address] = name.reason
    assert reasons == {
        "aws_iam_role.cyclic": "the reference is part of a cycle",
        "aws_iam_role.self_named": "aws_iam_role.self_named attribute is assigned by AWS",
        "aws_iam_role.named_after_itself": "the name refers to itself",
    }
    assert all(isinstance(r.arn, Unknown) for r in unit.roles)


def test_an_empty_policy_from_a_module_default_is_no_policy(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "policy" {\n  default = ""\n}\n\n'
        'resource "aws_iam_policy" "this" {\n  name   = "p"\n  policy = var.policy\n}\n',
        encoding="utf-8",
    )
    unit = load_module(tmp_path, tmp_path, LoadOptions())
    (policy,) = unit.managed_policies
    assert policy.document is None


def _module_unit(directory: str, *calls: str) -> SourceUnit:
    return SourceUnit(unit=directory, format="terraform", paths=(), calls=calls)


def test_modules_called_by_a_root_are_not_roots_however_deep() -> None:
    units = [
        _module_unit("live", "modules/a", "modules/b"),
        _module_unit("modules/a", "modules/b"),
        _module_unit("modules/b"),
        SourceUnit(unit="modules/a/policy.json", format="policy-json", paths=()),
    ]
    kept = root_units(units, lambda unit: unit)
    assert [unit.unit for unit in kept] == ["live", "modules/a/policy.json"]


def test_modules_calling_each_other_without_a_root_keep_the_first_as_root() -> None:
    units = [_module_unit("loop2", "loop1"), _module_unit("loop1", "loop2")]
    assert [unit.unit for unit in root_units(units, lambda unit: unit)] == ["loop1"]


def test_a_module_called_only_by_a_module_that_is_not_a_root_is_not_lost() -> None:
    # `live` reads `a` but (a divergence) does not reach the `b` that `a` alone calls.
    units = [_module_unit("live", "a"), _module_unit("a", "b"), _module_unit("b")]
    assert [unit.unit for unit in root_units(units, lambda unit: unit)] == ["live", "b"]


def test_modules_json_keys_name_nested_calls() -> None:
    assert call_key("", "vpc_role") == "vpc_role"
    assert call_key("module.a.", "b") == "a.b"
    assert call_key('module.a["x"].module.b[0].', "c") == "a.b.c"


REGISTRY_CALL = """module "role" {
  source = "terraform-aws-modules/iam/aws//modules/iam-role"
}
"""


def _installed(tmp_path: Path, modules_json: str) -> SourceUnit:
    (tmp_path / "main.tf").write_text(REGISTRY_CALL, encoding="utf-8")
    (tmp_path / ".terraform" / "modules").mkdir(parents=True)
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(
        modules_json, encoding="utf-8"
    )
    return load_module(tmp_path, tmp_path, LoadOptions())


def test_a_damaged_modules_json_is_as_if_there_were_none(tmp_path: Path) -> None:
    damaged = ("{not json", "[]", '{"Modules": 3}', '{"Modules": [1, {"Key": 2, "Dir": []}]}')
    for index, text in enumerate(damaged):
        directory = tmp_path / str(index)
        directory.mkdir()
        unit = _installed(directory, text)
        assert [(e.level, span(e.location)) for e in unit.errors] == [("note", (1, 1, 1, 7))]
        assert unit.paths == ("main.tf",)


def test_an_installed_directory_outside_the_project_is_not_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "main.tf").write_text('resource "aws_iam_user" "u" {}\n')
    unit = _installed(project, '{"Modules": [{"Key": "role", "Dir": "../elsewhere"}]}')
    assert unit.errors == ()
    assert unit.users == ()
    assert unit.notes == ("module.role: installed outside the project; it is not read",)
