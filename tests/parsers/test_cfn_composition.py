"""CloudFormation as it is composed: nested stacks, StackSet bodies, SAM Globals, duplicates.

Each case is a real scan of a small project copied from
`tests/fixtures/parsers/cloudformation/composition/`; every finding is asserted
by rule, file, line and column (read by hand in the fixture).
"""

from __future__ import annotations

import pytest
from conftest import FIXTURES, Project

from trustlint.config import LoadOptions
from trustlint.findings import Finding
from trustlint.frontends.cloudformation import read_template
from trustlint.frontends.yaml_loader import load_yaml

CASES = FIXTURES / "parsers" / "cloudformation" / "composition"


def scan_case(
    project: Project, case: str, paths: tuple[str, ...] = (), strict: bool = False
) -> list[Finding]:
    (project.root / ".git").mkdir(exist_ok=True)  # a repository: `scan FILE` reads it all
    for source in (CASES / case).iterdir():
        project.copy(source)
    return project.scan(paths=paths, strict=strict)


def found(findings: list[Finding]) -> list[tuple[str, str, str, int, int]]:
    return sorted(
        (f.rule_id, f.level, f.location.path, f.location.line, f.location.column) for f in findings
    )


# -- nested stacks ------------------------------------------------------------


def test_parent_passes_the_partner_account_to_a_nested_role_in_yaml(project: Project) -> None:
    findings = scan_case(project, "partner_yaml")

    # The child trusts `arn:aws:iam::${PartnerAccountId}:root`; the parent passes
    # 111122223333. The audit role is deployed only when CreateAuditRole is
    # "true", and the parent passes "false".
    assert found(findings) == [("TL002", "warning", "stacks/partner_role.yaml", 20, 20)]
    assert findings[0].resource == "Role PartnerStack.PartnerRole"
    assert "111122223333" in findings[0].message


def test_parent_passes_the_partner_account_to_a_nested_role_in_json(project: Project) -> None:
    # The parent passes its own parameter (default 111122223333): used as a default is.
    findings = scan_case(project, "partner_json")

    assert found(findings) == [("TL002", "warning", "stacks/partner_role.json", 14, 34)]
    assert findings[0].resource == "Role PartnerStack.PartnerRole"


def test_nested_template_is_not_also_read_alone_with_its_defaults(project: Project) -> None:
    # Alone, `PartnerAccountId` defaults to "" and the audit role (trusting
    # "*") is deployed: a TL001 no deployment of this parent has.
    findings = scan_case(project, "partner_yaml")

    assert [f for f in findings if f.rule_id == "TL001"] == []
    assert {f.resource for f in findings} == {"Role PartnerStack.PartnerRole"}


def test_scanning_only_the_nested_template_reads_it_through_its_parent(
    project: Project,
) -> None:
    findings = scan_case(project, "partner_yaml", paths=("stacks/partner_role.yaml",))

    assert found(findings) == [("TL002", "warning", "stacks/partner_role.yaml", 20, 20)]
    assert findings[0].resource == "Role PartnerStack.PartnerRole"


def test_a_literal_parameter_decides_the_nested_condition(project: Project) -> None:
    # Stage: prod: the `Fn::If` takes its IsProd branch (a role of another
    # account, TL002), and the sandbox role (Condition IsNotProd) is not deployed.
    findings = scan_case(project, "condition_fixed")

    assert found(findings) == [("TL002", "warning", "stacks/ci_role.yaml", 18, 20)]
    assert "(when" not in findings[0].message


def test_a_parameter_built_from_literals_decides_the_nested_condition_in_json(
    project: Project,
) -> None:
    # Stage: Fn::Join ["", ["pr", "od"]]: fixed, "prod".
    findings = scan_case(project, "condition_fixed_json")

    assert found(findings) == [("TL002", "warning", "stacks/ci_role.json", 17, 22)]
    assert findings[0].resource == "Role CiStack.CiRole"


def test_two_instances_of_one_nested_template_each_take_their_parameters(
    project: Project,
) -> None:
    findings = scan_case(project, "two_instances")

    assert sorted(
        (f.rule_id, f.location.line, f.location.column, f.resource) for f in findings
    ) == [
        ("TL001", 18, 20, "Role DevCi.CiRole"),
        ("TL001", 29, 20, "Role DevCi.SandboxRole"),
        ("TL002", 18, 20, "Role ProdCi.CiRole"),
    ]
    assert {f.location.path for f in findings} == {"stacks/ci_role.yaml"}


def test_a_parameter_the_parent_takes_from_its_own_parameter_decides_nothing(
    project: Project,
) -> None:
    # Stage: !Ref Stage, overridable when the parent is deployed: both branches.
    findings = scan_case(project, "condition_open")

    assert found(findings) == [
        ("TL001", "error", "stacks/ci_role.yaml", 18, 76),
        ("TL001", "error", "stacks/ci_role.yaml", 29, 20),
        ("TL002", "warning", "stacks/ci_role.yaml", 18, 33),
    ]


def test_remote_and_missing_templates_are_no_error(project: Project) -> None:
    assert scan_case(project, "remote") == []


def test_remote_and_missing_templates_are_strict_notes(project: Project) -> None:
    findings = scan_case(project, "remote", strict=True)

    assert found(findings) == [
        ("TL000", "note", "parent.yaml", 6, 20),
        ("TL000", "note", "parent.yaml", 10, 20),
        ("TL000", "note", "parent.yaml", 14, 20),
        ("TL000", "note", "parent.yaml", 19, 9),
    ]
    messages = [f.message for f in sorted(findings, key=Finding.sort_key)]
    assert messages[0].startswith(
        "RemoteStack deploys https://my-bucket.s3.amazonaws.com/templates/roles.yaml, "
        "not a local file"
    )
    assert "(stacks/not_there.yaml) is not found" in messages[2]
    assert "Serverless Application Repository" in messages[3]


def test_templates_nesting_each_other_are_a_tl000_on_the_stack_and_end(
    project: Project,
) -> None:
    findings = scan_case(project, "cycle")

    cycles = [f for f in findings if f.rule_id == "TL000"]
    assert found(cycles) == [
        ("TL000", "error", "first.yaml", 3, 3),
        ("TL000", "error", "second.yaml", 3, 3),
    ]
    assert "(second.yaml -> first.yaml -> second.yaml)" in cycles[0].message
    # The roles are still read, each template once per unit.
    assert {(f.rule_id, f.location.line) for f in findings if f.rule_id != "TL000"} == {
        ("TL001", 13)
    }


# -- StackSet bodies ----------------------------------------------------------


def test_stackset_body_in_a_block_scalar_is_read_at_its_lines(project: Project) -> None:
    findings = scan_case(project, "stackset")

    block = [f for f in findings if f.location.path == "stackset_block.yaml"]
    # The break-glass role trusts "*" (line 21, column 28 of the outer file).
    assert found(block) == [("TL001", "error", "stackset_block.yaml", 21, 28)]
    assert block[0].resource == "Role BreakGlassRoles.BreakGlassRole"


def test_stackset_body_in_a_json_string_is_read_at_its_columns(project: Project) -> None:
    findings = scan_case(project, "stackset")

    string = [f for f in findings if f.location.path == "stackset_string.json"]
    # `{\"AWS\": \"*\"}`: the value's escaped quote is at column 201 of line 9.
    assert found(string) == [("TL001", "error", "stackset_string.json", 9, 201)]
    assert string[0].resource == "Role OpenRoles.OpenRole"


@pytest.mark.parametrize(
    "config", ["", "accounts:\n  paths:\n    - glob: '*'\n      account: '111122223333'\n"]
)
def test_stackset_roles_are_in_target_accounts_not_the_parents(
    project: Project, config: str
) -> None:
    project.write(".trustlint.yaml", config)
    findings = scan_case(project, "stackset", strict=True)

    # The read-only role trusts account 111122223333 without an ExternalId.
    # It is deployed in the StackSet's target accounts, which the template
    # does not name: whether that is another account is not known (a note),
    # even when the parent template is configured to be in 111122223333.
    trusts = [f for f in findings if f.rule_id == "TL002"]
    assert found(trusts) == [("TL002", "note", "stackset_block.yaml", 31, 28)]
    assert trusts[0].resource == "Role BreakGlassRoles.ReadOnlyRole"


# -- SAM ------------------------------------------------------------------------


def test_sam_globals_give_functions_their_trust(project: Project) -> None:
    findings = scan_case(project, "sam", strict=True)

    globals_findings = [f for f in findings if f.location.path == "sam_globals.yaml"]
    # Only the function without a trust of its own (or a role) takes the global one.
    assert found(globals_findings) == [("TL001", "error", "sam_globals.yaml", 12, 18)]
    assert globals_findings[0].resource == "Role UsesGlobalTrust"


def test_sam_state_machine_policies_make_a_role(project: Project) -> None:
    findings = scan_case(project, "sam")

    machine = [f for f in findings if f.location.path == "sam_state_machine.yaml"]
    assert ("TL012", "warning", "sam_state_machine.yaml", 13, 25) in found(machine)
    # The state machine given a Role has no generated role.
    assert {f.resource for f in machine} <= {"Role Orchestrator", "Role ExistingRole"}
    assert "Role WithOwnRole" not in {f.resource for f in machine}


def test_sam_state_machine_role_trusts_step_functions(project: Project) -> None:
    findings = scan_case(project, "sam", strict=True)

    trust = [
        f for f in findings if f.rule_id == "TL008" and f.location.path == "sam_state_machine.yaml"
    ]
    assert found(trust) == [
        ("TL008", "note", "sam_state_machine.yaml", 4, 3),
        ("TL008", "note", "sam_state_machine.yaml", 27, 24),
    ]
    assert all("states.amazonaws.com" in f.message for f in trust)


# -- duplicate keys -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "warnings", "analysed"),
    [
        (
            "duplicate_keys.yaml",
            [(7, 7, "line 6 is overridden by the one at line 7"), (19, 13, "line 18")],
            [("TL002", "warning", "duplicate_keys.yaml", 13, 20)],
        ),
        (
            "duplicate_keys.json",
            [(11, 9, "line 7 is overridden by the one at line 11")],
            [("TL001", "error", "duplicate_keys.json", 9, 66)],
        ),
    ],
)
def test_duplicate_keys_are_warnings_and_the_template_is_analysed(
    project: Project,
    name: str,
    warnings: list[tuple[int, int, str]],
    analysed: list[tuple[str, str, str, int, int]],
) -> None:
    project.copy(CASES / "duplicates" / name)
    findings = project.scan()

    duplicates = sorted(
        (f for f in findings if f.rule_id == "TL000"), key=lambda f: f.location.line
    )
    assert [(f.level, f.location.line, f.location.column) for f in duplicates] == [
        ("warning", line, column) for line, column, _text in warnings
    ]
    for finding, (_line, _column, text) in zip(duplicates, warnings, strict=True):
        assert text in finding.message
    assert found([f for f in findings if f.rule_id != "TL000"]) == analysed


def test_duplicate_key_keeps_the_last_role_name(project: Project) -> None:
    project.copy(CASES / "duplicates" / "duplicate_keys.yaml")

    result = project.scan_result()

    (unit,) = result.units
    assert [role.name.text for role in unit.roles] == ["deploy-v2"]


# -- StackSet body positions, read without a scan ----------------------------------

_BODY_LINES = (
    "Resources:",
    "  R:",
    "    Type: AWS::IAM::Role",
    "    Properties:",
    "      AssumeRolePolicyDocument:",
    "        Statement:",
    "          - {Effect: Allow, Principal: {AWS: '*'}, Action: 'sts:AssumeRole'}",
)
_OUTER = (
    "Resources:\n"
    "  S:\n"
    "    Type: AWS::CloudFormation::StackSet\n"
    "    Properties:\n"
    "      TemplateBody: {header}\n"
    "{body}"
)


def principal_positions(text: str) -> list[tuple[str, int, int]]:
    unit = read_template(load_yaml(text, "t.yaml"), "t.yaml", text, LoadOptions())
    assert unit.errors == ()
    return [
        (role.resource.address, principal.location.line, principal.location.column)
        for role in unit.roles
        if role.trust_policy is not None
        for statement in role.trust_policy.statements
        for principal in statement.principals
    ]


@pytest.mark.parametrize(
    ("header", "indent", "column"),
    [
        # `'*'` is at column 46 of the body's line 7, which is outer line 12.
        ("|", 8, 8 + 46),
        ("|-", 8, 8 + 46),
        ("|4", 10, 10 + 46),  # explicit indentation: the parent's 6 plus 4
    ],
)
def test_literal_block_body_positions_are_the_outer_files(
    header: str, indent: int, column: int
) -> None:
    body = "".join(" " * indent + line + "\n" for line in _BODY_LINES)
    text = _OUTER.format(header=header, body=body)

    assert principal_positions(text) == [("S.R", 12, column)]


def test_folded_body_is_located_at_the_body() -> None:
    body = "".join(" " * 8 + line + "\n" for line in _BODY_LINES)
    # Folding joins lines: no exact position, so the value's own is used.
    text = _OUTER.format(header=">", body=body).replace("\n        ", "\n\n        ")

    assert [position[1:] for position in principal_positions(text)] == [(5, 21)]


def test_body_that_is_no_template_is_a_strict_note_at_the_body() -> None:
    text = _OUTER.format(header='"just text"', body="")

    unit = read_template(load_yaml(text, "t.yaml"), "t.yaml", text, LoadOptions())

    assert [(e.level, e.location.line, e.location.column) for e in unit.errors] == [("note", 5, 21)]
    assert unit.roles == ()


def test_body_that_does_not_parse_is_a_tl000_inside_it() -> None:
    body = "        Resources:\n          R: [unclosed\n"
    text = _OUTER.format(header="|", body=body)

    unit = read_template(load_yaml(text, "t.yaml"), "t.yaml", text, LoadOptions())

    (error,) = unit.errors
    assert error.level == "error"
    assert error.message.startswith("cannot parse the TemplateBody as a template")
    # libyaml stops at the end of the body (its line 3, column 1): outer line 8,
    # past the body's indentation.
    assert (error.location.line, error.location.column) == (8, 9)
