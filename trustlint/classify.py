"""What a policy document is by its content: a trust policy, a resource policy, or neither.

A role's trust policy names a `Principal` and the STS calls that assume the
role (`sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`, `sts:AssumeRoleWithSAML`,
or a wildcard covering them), and never a `Resource`: the role is the resource.
A policy that names a `Principal` and a `Resource`, or actions of another
service, is the policy of a resource (an S3 bucket, a KMS key, an SQS queue,
an ECR repository, a VPC endpoint, whose policy for the STS endpoint may well
allow `sts:AssumeRole` on `Resource: "*"`): no trust rule applies to it. A
policy without any principal is an identity policy.

Raw JSON files are classified this way, and so are the Terraform documents no
role of the scan uses (`trustlint.frontends.terraform.trust_documents`).
"""

from __future__ import annotations

from typing import Literal

from trustlint.model import PolicyDocument, Statement
from trustlint.policy import assume_actions, wildcard_match

Content = Literal["trust", "resource", "identity", "undecided"]
"""`undecided`: a principal, no resource, no foreign action, but no known
assume action either (actions missing or not resolved)."""


def content_kind(document: PolicyDocument) -> Content:
    """What `document` is by what its statements say (its declared kind aside)."""
    statements = document.statements
    if not any(s.has_principal or s.has_not_principal for s in statements):
        return "identity"
    if any(_foreign_action(statement) for statement in statements):
        return "resource"
    if any(s.has_resource or s.has_not_resource for s in statements):
        return "resource"
    if any(assume_actions(statement) for statement in statements):
        return "trust"
    return "undecided"


def is_trust_policy(document: PolicyDocument) -> bool:
    """A trust policy by its content: principals, an assume action, no resource."""
    return content_kind(document) == "trust"


def _foreign_action(statement: Statement) -> bool:
    """Whether the statement allows or denies a known action of a service other than STS."""
    for action in statement.actions:
        text = action.text
        if text is None or ":" not in text:
            continue
        service = text.split(":", 1)[0]
        if not wildcard_match(service, "sts"):
            return True
    return False
