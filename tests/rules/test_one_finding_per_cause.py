"""One finding per cause (SPEC section 9): the same rule at the same place is reported once.

Instances (`for_each`, `count`), module calls and a module read alone all
give the same finding at the same line; it is merged into one that names
them, and its fingerprint is the one each instance alone has.
"""

from __future__ import annotations

import re

import pytest
from conftest import FIXTURES, Project

from trustlint.addresses import stable_resource
from trustlint.findings import Finding, RelatedLocation
from trustlint.merging import MAX_RELATED, merge_findings
from trustlint.model import Location, Suppression

CASES = FIXTURES / "rules" / "merging"
WILDCARD = '({"AWS": "*"}) and no condition restricts callers'


def trust(resource: str, text: str = "trusts every AWS principal", line: int = 7) -> Finding:
    """A TL001 finding as the trust check words it, in `main.tf`."""
    return Finding(
        "TL001",
        "error",
        f"Role {resource} {text}; name the trusted accounts",
        Location("main.tf", line, 9, line, 12),
        resource=f"Role {resource}",
        resource_location=Location("main.tf", 1, 1, 10, 2),
        statement="statement 1",
        subject="*",
    )


def test_a_child_module_called_twice_gives_one_finding_naming_both_calls(
    project: Project,
) -> None:
    project.copy(CASES / "child_called_twice", "infra")

    [finding] = project.scan()

    assert (finding.rule_id, finding.location.path) == ("TL001", "infra/child/main.tf")
    assert (finding.location.line, finding.location.column) == (12, 27)
    assert finding.message.startswith("Role aws_iam_role.this (in ")
    assert re.search(
        r"\(in [23] instances: (aws_iam_role\.this, )?module\.a, module\.b\)", (finding.message)
    )
    assert WILDCARD in finding.message


def test_a_suppression_in_the_child_covers_every_call(project: Project) -> None:
    project.copy(CASES / "child_called_twice_suppressed", "infra")

    result = project.scan_result()

    assert result.active == []
    [suppressed] = result.suppressed
    assert (suppressed.rule_id, suppressed.location.path) == ("TL001", "infra/child/main.tf")
    assert (suppressed.location.line, suppressed.location.column) == (13, 27)
    assert suppressed.suppression is not None
    assert suppressed.suppression.reason == "a public test role, reviewed"


def test_for_each_instances_merge_into_one_finding_with_their_keys() -> None:
    findings = [
        trust('module.roles["readonly"].aws_iam_role.this[0]'),
        trust('module.roles["admin"].aws_iam_role.this[0]'),
        trust('module.roles["poweruser"].aws_iam_role.this[0]'),
    ]

    [merged] = merge_findings(findings)

    assert merged.message == (
        "Role module.roles.aws_iam_role.this[0] (in 3 instances: admin, poweruser, readonly) "
        "trusts every AWS principal; name the trusted accounts"
    )
    assert merged.resource == "Role module.roles.aws_iam_role.this[0]"
    assert (merged.location.line, merged.location.column) == (7, 9)
    assert merged.fingerprint == findings[0].fingerprint


def test_a_merged_finding_keeps_a_bounded_number_of_related_locations() -> None:
    findings = [
        Finding(
            **{
                **_fields(trust(f"aws_iam_role.p[{n}]")),
                "related": (RelatedLocation(Location("caller.tf", n + 1, 3, n + 1, 9), "here"),),
            }
        )
        for n in range(MAX_RELATED + 50)
    ]

    [merged] = merge_findings(findings)

    assert len(merged.related) == MAX_RELATED
    assert merged.related[0].location.line == 1
    assert f"(in {MAX_RELATED + 50} instances: 0, 1, 2," in merged.message


def test_count_keys_are_listed_in_number_order() -> None:
    findings = [trust(f"aws_iam_role.partner[{n}]") for n in (10, 2, 1)]

    [merged] = merge_findings(findings)

    assert "Role aws_iam_role.partner (in 3 instances: 1, 2, 10) trusts" in merged.message


def test_the_fingerprint_does_not_change_when_an_instance_is_added() -> None:
    one = trust('aws_iam_role.partner["backup"]')
    [two] = merge_findings([one, trust('aws_iam_role.partner["audit"]')])

    assert two.fingerprint == one.fingerprint
    assert "(in 2 instances: audit, backup)" in two.message


def test_findings_at_different_places_are_not_merged() -> None:
    findings = [trust('aws_iam_role.p["a"]', line=7), trust('aws_iam_role.p["b"]', line=8)]

    assert sorted(merge_findings(findings), key=Finding.sort_key) == findings


def test_different_rules_at_one_place_are_not_merged() -> None:
    first = trust('aws_iam_role.p["a"]')
    other = Finding("TL002", "warning", "Role x", first.location, resource="Role x")

    assert set(merge_findings([first, other])) == {first, other}


def test_messages_that_differ_beyond_the_instance_name_each_variant() -> None:
    findings = [
        trust('aws_iam_role.partner["backup"]', "trusts account 111111111111 without ExternalId"),
        trust('aws_iam_role.partner["audit"]', "trusts account 222222222222 without ExternalId"),
        trust('aws_iam_role.partner["logs"]', "trusts account 111111111111 without ExternalId"),
    ]

    [merged] = merge_findings(findings)

    assert merged.message == (
        "Role aws_iam_role.partner (in 3 instances: audit, backup, logs) trusts account "
        "222222222222 (in audit) or 111111111111 (in backup, logs) without ExternalId; "
        "name the trusted accounts"
    )


def test_a_suppressed_instance_stays_apart_from_the_others() -> None:
    comment = Suppression(("TL001",), "reviewed", Location("main.tf", 6, 1, 6, 30))
    suppressed = trust('aws_iam_role.p["a"]')
    suppressed = Finding(**{**_fields(suppressed), "suppression": comment})
    others = [trust('aws_iam_role.p["b"]'), trust('aws_iam_role.p["c"]')]

    merged = merge_findings([suppressed, *others])

    assert len(merged) == 2
    [kept] = [f for f in merged if f.suppression is None]
    assert "(in 2 instances: b, c)" in kept.message


def test_two_problems_of_one_resource_at_one_place_stay_two() -> None:
    first = trust("aws_iam_role.x", "trusts every AWS principal")
    second = trust("aws_iam_role.x", "trusts something else")

    assert set(merge_findings([first, second])) == {first, second}


@pytest.mark.parametrize(
    ("resource", "declared_here", "stable"),
    [
        ('Role module.roles["a"].aws_iam_role.this[0]', True, "Role aws_iam_role.this"),
        (
            'Role module.roles["a"].aws_iam_role.this[0]',
            False,
            "Role module.roles.aws_iam_role.this",
        ),
        ("Role module.a.module.b.aws_iam_role.x", True, "Role aws_iam_role.x"),
        ("Role DeployRole", True, "Role DeployRole"),
        ("trust policy roles/trust.json", True, "trust policy roles/trust.json"),
        ('Role aws_iam_role.p["a.b"]', True, "Role aws_iam_role.p"),
    ],
)
def test_the_stable_name_drops_what_differs_between_instances(
    resource: str, declared_here: bool, stable: str
) -> None:
    assert stable_resource(resource, declared_here) == stable


def _fields(finding: Finding) -> dict[str, object]:
    return {name: getattr(finding, name) for name in Finding.__slots__}  # type: ignore[attr-defined]
