"""TL013 invalid-policy: policies AWS rejects or that cannot mean what they say."""

from __future__ import annotations

import pytest
from check_harness import document_unit, policy_text, read_document, run_check, run_on_policy
from conftest import FIXTURES, Project, locations, scan_fixture

from trustlint.checks.validity import check_invalid_policy, operator_problem, valid_operators
from trustlint.model import Location, Principal, Unknown
from trustlint.policy_reader import read_policy
from trustlint.tree import LMap

CASES = FIXTURES / "rules" / "TL013"


def scan(project: Project, fixture: str) -> list[tuple[str, int, int]]:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    return locations(scan_fixture(project, {name: CASES / fixture}, select=["TL013"]))


def message(project: Project, fixture: str) -> str:
    name = "main.tf" if fixture.endswith(".tf") else fixture
    [finding] = scan_fixture(project, {name: CASES / fixture}, select=["TL013"])
    return finding.message


# --- valid policies in every format -----------------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    [
        "valid_trust.yaml",
        "valid_trust.template.json",
        "valid_trust_jsonencode.tf",
        "valid_trust_heredoc.tf",
        "valid_trust_policy_document.tf",
        "valid_trust.json",
        "valid_principal_shapes.json",
        "valid_operators.json",
        "actions_fitting_mixed_principals.json",
        "old_version.json",
        "missing_version_without_variables.json",
        "self_assume_pattern.yaml",
        "self_principal_export.json",
        "not_principal_with_allow.json",
    ],
)
def test_valid_policies_are_not_reported(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


# --- Version ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("unknown_version.json", 2, 14),
        ("version_as_number.json", 2, 14),
        ("unknown_version.yaml", 7, 18),
        ("unknown_version_heredoc.tf", 5, 14),
    ],
)
def test_unknown_version_is_reported_at_the_version(
    project: Project, fixture: str, line: int, column: int
) -> None:
    assert scan(project, fixture) == [("TL013", line, column)]


def test_unknown_version_message(project: Project) -> None:
    assert message(project, "unknown_version.json") == (
        "trust policy unknown_version.json has policy Version '2012-10-18'; IAM knows only "
        '2012-10-17 and 2008-10-17 and rejects the policy: write Version "2012-10-17"'
    )


def test_missing_version_matters_only_with_a_policy_variable(project: Project) -> None:
    assert scan(project, "missing_version_with_policy_variable.json") == [("TL013", 3, 63)]
    assert "takes ${aws:username} literally" in message(
        project, "missing_version_with_policy_variable.json"
    )


# --- Effect ----------------------------------------------------------------------------------


def test_lower_case_effect_is_reported(project: Project) -> None:
    assert scan(project, "lower_case_effect.json") == [("TL013", 4, 16)]
    assert message(project, "lower_case_effect.json").endswith(
        "has Effect 'allow', which AWS rejects; Effect is case-sensitive: write Allow"
    )


def test_lower_case_effect_is_reported_in_a_json_template(project: Project) -> None:
    assert scan(project, "lower_case_effect.template.json") == [("TL013", 11, 25)]


def test_unknown_effect_is_reported(project: Project) -> None:
    assert scan(project, "unknown_effect.json") == [("TL013", 4, 16)]


def test_missing_effect_is_reported_at_the_statement(project: Project) -> None:
    assert scan(project, "missing_effect.json") == [("TL013", 4, 5)]


def test_effect_of_one_branch_names_the_branch(project: Project) -> None:
    findings = scan_fixture(
        project, {"template.yaml": CASES / "conditional_effect.yaml"}, select=["TL013"]
    )
    by_place = {(f.location.line, f.location.column): f.message for f in findings}
    assert sorted(by_place) == [(15, 41), (20, 15)]
    assert by_place[(15, 41)].endswith("(when IsProd=false)")
    assert "(when" not in by_place[(20, 15)]


# --- Principal in the wrong kind of policy -----------------------------------------------


def test_trust_statement_without_principal_is_reported(project: Project) -> None:
    assert scan(project, "trust_without_principal.yaml") == [("TL013", 9, 13)]


def test_identity_policy_with_principal_is_reported_at_the_principal(project: Project) -> None:
    assert scan(project, "identity_with_principal.yaml") == [("TL013", 10, 13)]


def test_identity_statement_without_resource_is_reported(project: Project) -> None:
    assert scan(project, "identity_without_resource.json") == [("TL013", 4, 5)]


def test_trust_statement_with_resource_is_reported(project: Project) -> None:
    """A role's trust policy, so the Resource is misplaced (a bare JSON policy with a
    Resource is a resource policy, such as an STS VPC endpoint's)."""
    assert scan(project, "trust_with_resource.yaml") == [("TL013", 12, 23)]


# --- principals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "column", "reason"),
    [
        ("malformed_account_id.json", 46, "the account id '12345' is not 12 digits"),
        ("short_bare_account_id.json", 46, "an account id has 12 digits, not 11"),
        ("group_principal.json", 46, "an IAM group cannot be a principal"),
        ("bucket_arn_principal.json", 46, "only an account root, an IAM user or role"),
        ("principal_arn_with_region.json", 46, "principal ARNs have no region"),
        ("assumed_role_in_iam.json", 46, "assumed-role ARNs belong to sts"),
        ("service_principal_without_domain.json", 50, "a service principal is a name such as"),
        ("federated_role_arn.json", 52, "a federated principal is an oidc-provider or saml"),
    ],
)
def test_malformed_principal_is_reported_at_the_principal(
    project: Project, fixture: str, column: int, reason: str
) -> None:
    assert scan(project, fixture) == [("TL013", 4, column)]
    assert reason in message(project, fixture)


@pytest.mark.parametrize(
    "fixture",
    ["wildcard_account_in_principal_arn.json", "wildcard_role_name_in_principal_arn.json"],
)
def test_wildcard_inside_a_principal_arn_is_reported(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == [("TL013", 4, 46)]


def test_wildcard_principal_message_suggests_the_org_id_fence(project: Project) -> None:
    assert message(project, "wildcard_account_in_principal_arn.json") == (
        "trust policy wildcard_account_in_principal_arn.json (statement 1) trusts "
        '"arn:aws:iam::*:root": AWS rejects a wildcard inside a principal ARN or account id; to '
        'admit many principals use "Principal": {"AWS": "*"} with Condition StringEquals '
        "aws:PrincipalOrgID (or ArnLike aws:PrincipalArn with the pattern)"
    )


def test_wildcard_principal_arn_is_reported_in_terraform(project: Project) -> None:
    assert scan(project, "wildcard_principal_arn_jsonencode.tf") == [("TL013", 7, 27)]


def test_not_principal_with_deny_in_a_trust_policy_is_reported(project: Project) -> None:
    assert scan(project, "not_principal_with_deny.json") == [("TL013", 5, 24)]


def test_role_naming_its_own_arn_is_reported(project: Project) -> None:
    assert scan(project, "self_principal.yaml") == [("TL013", 12, 20)]
    assert "names the role's own ARN as principal" in message(project, "self_principal.yaml")


# --- actions that do not fit the principal ------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "column", "expected"),
    [
        ("web_identity_for_aws_principal.json", 91, "write sts:AssumeRole"),
        ("web_identity_for_service.json", 101, "write sts:AssumeRole"),
        ("saml_for_oidc_provider.json", 142, "write sts:AssumeRoleWithWebIdentity"),
        ("assume_role_for_saml_provider.json", 111, "write sts:AssumeRoleWithSAML"),
        ("web_identity_for_saml_provider.json", 111, "write sts:AssumeRoleWithSAML"),
    ],
)
def test_action_no_principal_can_call_is_reported_at_the_action(
    project: Project, fixture: str, column: int, expected: str
) -> None:
    assert scan(project, fixture) == [("TL013", 4, column)]
    assert message(project, fixture).endswith(expected)


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [
        ("web_identity_for_saml_provider_reference.tf", 8, 16),
        ("web_identity_for_saml_provider_ref.yaml", 17, 21),
        ("web_identity_for_saml_provider_getatt.template.json", 17, 52),
        ("saml_for_oidc_provider_reference.tf", 8, 16),
    ],
)
def test_call_a_provider_created_in_the_files_can_never_use_is_reported(
    project: Project, fixture: str, line: int, column: int
) -> None:
    """A provider created in the files is known to be SAML (or OIDC), so the other call
    never applies."""
    assert scan(project, fixture) == [("TL013", line, column)]


def test_saml_provider_reference_message_names_the_provider_and_the_call(
    project: Project,
) -> None:
    assert message(project, "web_identity_for_saml_provider_ref.yaml") == (
        "Role SsoRole (statement 1) allows sts:AssumeRoleWithWebIdentity to "
        "arn:aws:iam::(its own account):saml-provider/okta, which can never use it (SAML "
        "assertions are exchanged with sts:AssumeRoleWithSAML): write sts:AssumeRoleWithSAML"
    )


@pytest.mark.parametrize(
    "fixture",
    [
        "saml_for_saml_provider_reference.tf",
        "saml_for_saml_provider_ref.yaml",
        "saml_for_saml_provider_getatt.template.json",
    ],
)
def test_saml_for_a_saml_provider_reference_is_valid(project: Project, fixture: str) -> None:
    assert scan(project, fixture) == []


# --- condition operators --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("mis_cased_operator.json", "operators are case-sensitive; write StringEquals"),
        ("mis_cased_qualifier.json", "write ForAnyValue:StringLike"),
        ("unknown_operator.json", "IAM has no such operator"),
        (
            "null_if_exists.json",
            "Null has no IfExists form, since Null itself tests whether the key exists",
        ),
    ],
)
def test_invalid_condition_operator_is_reported_at_the_operator(
    project: Project, fixture: str, reason: str
) -> None:
    assert scan(project, fixture) == [("TL013", 4, 123)]
    assert message(project, fixture).endswith(reason)


def test_mis_cased_operator_is_reported_in_a_policy_document(project: Project) -> None:
    assert scan(project, "mis_cased_operator_policy_document.tf") == [("TL013", 9, 18)]


@pytest.mark.parametrize(
    "operator",
    [
        "StringEquals",
        "StringNotEqualsIgnoreCase",
        "StringLikeIfExists",
        "ForAnyValue:StringLike",
        "ForAllValues:ArnNotLikeIfExists",
        "NumericLessThanEquals",
        "DateGreaterThanEqualsIfExists",
        "BinaryEquals",
        "NotIpAddress",
        "Null",
        "Bool",
        "BoolIfExists",
    ],
)
def test_valid_operators(operator: str) -> None:
    assert operator_problem(operator) is None


@pytest.mark.parametrize(
    "operator",
    [
        "stringEquals",
        "Stringequals",
        "STRINGLIKE",
        "forallvalues:StringLike",
        "StringLikeifexists",
        "NullIfExists",
        "IfExists",
        "StringMatches",
        "ForEachValue:StringEquals",
        "",
    ],
)
def test_invalid_operators(operator: str) -> None:
    assert operator_problem(operator) is not None


def test_every_operator_but_null_has_an_if_exists_form() -> None:
    spellings = set(valid_operators().values())
    assert "NullIfExists" not in spellings
    assert "ArnLikeIfExists" in spellings
    assert len(spellings) == 3 * (27 + 26)


# --- element pairs and reader defects ------------------------------------------------------


def test_action_and_not_action_is_reported(project: Project) -> None:
    assert scan(project, "action_and_not_action.json") == [("TL013", 4, 122)]


def test_principal_and_not_principal_is_reported(project: Project) -> None:
    assert scan(project, "principal_and_not_principal.json") == [("TL013", 4, 81)]


def test_resource_and_not_resource_is_reported(project: Project) -> None:
    assert scan(project, "resource_and_not_resource.json") == [("TL013", 4, 98)]


def test_statement_without_action_is_reported(project: Project) -> None:
    assert scan(project, "missing_action.json") == [("TL013", 4, 5)]


def test_effect_of_the_wrong_type_is_reported_once(project: Project) -> None:
    assert scan(project, "effect_as_list.json") == [("TL013", 4, 16)]
    assert message(project, "effect_as_list.json") == (
        "trust policy effect_as_list.json has an invalid policy: Effect must be the string "
        "Allow or Deny, not a list"
    )


def test_unknown_statement_element_is_reported(project: Project) -> None:
    assert ("TL013", 4, 25) in scan(project, "misspelled_principal_element.json")


def test_policy_string_that_is_not_json_is_reported(project: Project) -> None:
    assert scan(project, "policy_as_invalid_json_string.yaml") == [("TL013", 6, 33)]


# --- on documents read by the policy reader ---------------------------------------------


def test_every_reader_defect_becomes_a_finding() -> None:
    document = read_document('{"Version": "2012-10-17", "Statement": ["not a statement"]}')
    assert len(document.defects) == 1
    findings = run_check(check_invalid_policy, [document_unit(document)])
    assert [f.message for f in findings] == [
        "trust policy policy.json has an invalid policy: a statement must be an object, not "
        "a string"
    ]


def test_unknown_document_kind_gets_only_the_common_checks() -> None:
    text = policy_text({"Effect": "Allow", "Principal": {"AWS": "12345"}, "Action": "x:Y"})
    assert run_on_policy(check_invalid_policy, text, "unknown") == []


def test_scp_needs_no_resource_but_no_principal() -> None:
    text = policy_text({"Effect": "Deny", "Action": "sts:AssumeRole"})
    assert run_on_policy(check_invalid_policy, text, "scp") == []


def test_unresolved_principal_is_silent() -> None:
    here = Location("template.yaml", 1, 1, 1, 2)
    principal = LMap(here)
    principal.put("AWS", Unknown("!ImportValue Trusted", here, "import"), here, here)
    statement = LMap(here)
    for key, value in (("Effect", "Allow"), ("Principal", principal), ("Action", "sts:AssumeRole")):
        statement.put(key, value, here, here)
    document = LMap(here)
    document.put("Version", "2012-10-17", here, here)
    document.put("Statement", statement, here, here)
    read = read_policy(document, here, "trust")
    assert isinstance(read.statements[0].principals[0], Principal)
    assert run_check(check_invalid_policy, [document_unit(read)]) == []


def test_a_number_as_effect_is_reported_once() -> None:
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": 1, "Principal": '
        '{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
    )

    findings = run_on_policy(check_invalid_policy, text)

    assert [(f.location.line, f.location.column, f.message) for f in findings] == [
        (
            1,
            52,
            "trust policy policy.json has an invalid policy: Effect must be the string Allow "
            "or Deny, not a number",
        )
    ]


def test_a_version_that_is_not_text_says_so() -> None:
    text = (
        '{"Version": null, "Statement": [{"Effect": "Allow", "Principal": '
        '{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
    )

    [finding] = run_on_policy(check_invalid_policy, text)

    assert finding.message.startswith(
        "trust policy policy.json has a policy Version that is not text;"
    )
