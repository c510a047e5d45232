"""A policy means the same in every format: same findings, same bytes twice over.

Generated trust and identity policies are written as a role in CloudFormation
YAML and JSON, Terraform (`jsonencode`, heredoc, `aws_iam_policy_document`)
and an IAM account export; each is scanned on its own, and every format must
give the same multiset of (rule, level, principal or condition).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from policy_rendering import RENDERERS, ROLE_ADDRESSES, Policy, write_project
from policy_strategies import identity_policies, session_durations, trust_policies

from trustlint.engine import ScanOptions, ScanResult, run_scan
from trustlint.report.json_report import render_json
from trustlint.report.sarif import render_sarif
from trustlint.report.text import render_text

PROPERTY_SETTINGS = settings(
    # More for a longer search: TRUSTLINT_PROPERTY_EXAMPLES=2000 pytest ...
    max_examples=int(os.environ.get("TRUSTLINT_PROPERTY_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

Finding = tuple[str, str, str]


def scan(root: Path) -> ScanResult:
    return run_scan(ScanOptions(paths=(root,), use_cache=False))


def format_neutral(subject: str) -> str:
    """`subject` with the role and its properties named alike in every format."""
    for address in ROLE_ADDRESSES:
        subject = subject.replace(f"Role {address} ", "Role target ")
    return subject.replace("max_session_duration", "MaxSessionDuration")


def findings_by_format(
    trust: Policy, identity: Policy, duration: int | None = None
) -> dict[str, Counter[Finding]]:
    found: dict[str, Counter[Finding]] = {}
    with tempfile.TemporaryDirectory() as directory:
        for name, render in RENDERERS.items():
            root = Path(directory) / name
            write_project(root, render(trust, identity, duration))
            result = scan(root)
            parse_errors = [f.message for f in result.findings if f.rule_id == "TL000"]
            assert parse_errors == [], (name, parse_errors)
            found[name] = Counter(
                (f.rule_id, f.level, format_neutral(f.subject)) for f in result.findings
            )
    return found


def disagreements(found: dict[str, Counter[Finding]]) -> dict[str, Any]:
    """What each format found that CloudFormation YAML did not, and the reverse."""
    reference = found["cloudformation-yaml"]
    return {
        name: {
            "extra": sorted((counts - reference).elements()),
            "missing": sorted((reference - counts).elements()),
        }
        for name, counts in found.items()
        if counts != reference
    }


@PROPERTY_SETTINGS
@given(trust=trust_policies, identity=identity_policies, duration=session_durations)
def test_every_format_gives_the_same_findings(
    trust: Policy, identity: Policy, duration: int | None
) -> None:
    found = findings_by_format(trust, identity, duration)

    assert disagreements(found) == {}


def rendered(result: ScanResult) -> tuple[str, str, str]:
    findings = sorted(result.findings, key=lambda f: f.sort_key())
    return (
        render_text(result, findings, colour=False),
        render_json(result, findings),
        render_sarif(result, findings),
    )


@PROPERTY_SETTINGS
@given(trust=trust_policies, identity=identity_policies, duration=session_durations)
def test_the_same_project_scanned_twice_gives_the_same_bytes(
    trust: Policy, identity: Policy, duration: int | None
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "project"
        files: dict[str, str] = {}
        for render in RENDERERS.values():
            files.update(render(trust, identity, duration))
        write_project(root, files)

        first = rendered(scan(root))
        second = rendered(scan(root))

    assert first == second


def test_a_known_policy_gives_its_findings_in_every_format() -> None:
    # The anchor of the property above: formats that agree on nothing found
    # would pass it too.
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::464622532012:root", "*"]},
                "Action": "sts:AssumeRole",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
            },
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::111111111111:oidc-provider/"
                    "token.actions.githubusercontent.com"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}},
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:user/alice"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            },
        ],
    }
    identity = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }

    found = findings_by_format(trust, identity, 50000)

    expected = Counter(
        [
            ("TL001", "error", "*"),
            ("TL002", "error", "arn:aws:iam::464622532012:root"),
            ("TL003", "warning", "arn:aws:iam::111111111111:user/alice"),
            ("TL006", "error", "MaxSessionDuration"),
            ("TL007", "error", "token.actions.githubusercontent.com:sub"),
            ("TL011", "warning", "BoolIfExists aws:MultiFactorAuthPresent"),
            ("TL012", "warning", "*"),
        ]
    )
    assert {name: counts == expected for name, counts in found.items()} == dict.fromkeys(
        RENDERERS, True
    )
