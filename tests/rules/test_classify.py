"""What a policy is by its content: trust, resource or identity policy (`trustlint.classify`)."""

from __future__ import annotations

from typing import Any

import pytest
from check_harness import policy_text, read_document

from trustlint.classify import Content, content_kind, is_trust_policy

AWS_ROOT = {"AWS": "arn:aws:iam::111122223333:root"}


def kind_of(*statements: dict[str, Any]) -> Content:
    return content_kind(read_document(policy_text(*statements)))


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Principal": AWS_ROOT, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": "*", "Action": ["sts:AssumeRole", "sts:TagSession"]},
        {"Effect": "Allow", "Principal": {"Federated": "x"}, "Action": "sts:AssumeRoleWith*"},
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "*"},
        {"Effect": "Allow", "Principal": AWS_ROOT, "Action": "STS:*"},
        {"Effect": "Allow", "Principal": AWS_ROOT, "NotAction": "s3:*"},
        {"Effect": "Allow", "NotPrincipal": AWS_ROOT, "Action": "sts:AssumeRole"},
    ],
)
def test_principals_with_an_assume_action_and_no_resource_are_a_trust_policy(
    statement: dict[str, Any],
) -> None:
    assert kind_of(statement) == "trust"


@pytest.mark.parametrize(
    "statement",
    [
        # S3 bucket policy
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        },
        # KMS key policy
        {"Effect": "Allow", "Principal": AWS_ROOT, "Action": "kms:*", "Resource": "*"},
        # A resource policy allowing every action of its service, written `*`
        {"Effect": "Allow", "Principal": AWS_ROOT, "Action": "*", "Resource": "*"},
        # ECR repository policy: no Resource, but the actions are ECR's
        {"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]},
        # STS VPC endpoint policy: STS actions, but on a Resource
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*"},
        # A trust statement beside a foreign action
        {"Effect": "Allow", "Principal": AWS_ROOT, "Action": ["sts:AssumeRole", "sqs:SendMessage"]},
    ],
)
def test_principals_with_a_resource_or_a_foreign_action_are_a_resource_policy(
    statement: dict[str, Any],
) -> None:
    assert kind_of(statement) == "resource"
    assert not is_trust_policy(read_document(policy_text(statement)))


def test_a_policy_without_principals_is_an_identity_policy() -> None:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    assert kind_of(statement) == "identity"


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Principal": AWS_ROOT},
        {"Effect": "Allow", "Principal": AWS_ROOT, "Action": "sts:GetCallerIdentity"},
    ],
)
def test_principals_without_any_assume_action_are_undecided(statement: dict[str, Any]) -> None:
    assert kind_of(statement) == "undecided"
    assert not is_trust_policy(read_document(policy_text(statement)))
