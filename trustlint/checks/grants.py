"""TL012 assume-any-role: identity policies that may assume roles of any account.

`sts:AssumeRole` on `Resource: "*"` (or `NotResource`, or a role ARN whose
account is a wildcard) lets the holder assume every role, in every account,
whose trust policy admits it: a role of another organization that trusts this
account's root, a vendor's role, a role created later. Naming the roles (or at
least the account) keeps the grant to what the workload needs.

A condition on `aws:ResourceAccount`, `aws:ResourceOrgID` or
`aws:ResourceOrgPaths` confines the grant to known accounts and is accepted;
so is an unconditional Deny beside the Allow that takes `sts:AssumeRole` back
for every account but named ones.
"""

from __future__ import annotations

from collections.abc import Iterator

from trustlint.arns import parse_arn
from trustlint.checks import CheckContext, check
from trustlint.checks.wording import with_branch
from trustlint.findings import Finding, Level
from trustlint.model import PolicyDocument, Statement, Value
from trustlint.policy import (
    ASSUME_ROLE,
    conditions_on,
    narrows,
    statement_allows_action,
    wildcard_match,
)
from trustlint.project import PolicySubject

RULE = "TL012"
RESOURCE_FENCE_KEYS = ("aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths")


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _could_name_a_role(resource: str) -> bool:
    """Whether an ARN's resource part (`role/x`, `*`, `r*`) can match some role."""
    prefix = resource.split("*", 1)[0].split("?", 1)[0]
    return "role/".startswith(prefix) or prefix.startswith("role/")


def _only_wildcards(text: str) -> bool:
    return "*" in text and set(text) <= {"*", "?"}


def any_account_roles(text: str) -> bool:
    """Whether a Resource value matches roles of every account.

    `*`, and ARN patterns that can match a role and leave the account open
    (`arn:aws:iam::*:role/deploy`, `arn:*:iam::*:*`).
    """
    if _only_wildcards(text):
        return True
    arn = parse_arn(text)
    if arn is None or arn.account is None or arn.service is None:
        return False
    if not wildcard_match(arn.service, "iam"):
        return False
    resource = text.split(":", 5)[5]
    return _has_wildcard(arn.account) and _could_name_a_role(resource)


def covers_every_role(text: str) -> bool:
    """Whether a value matches every role of every account (`*`, `arn:aws:iam::*:role/*`)."""
    if _only_wildcards(text):
        return True
    if not any_account_roles(text):
        return False
    account, resource = text.split(":", 5)[4:]
    return _only_wildcards(account) and (_only_wildcards(resource) or resource == "role/*")


def resource_fenced(statement: Statement) -> bool | None:
    """A condition that confines the grant to roles of named accounts or an organization."""
    undecided = False
    for condition in conditions_on(statement, *RESOURCE_FENCE_KEYS):
        narrowing = narrows(condition)
        if narrowing is None:
            undecided = True
            continue
        if not narrowing:
            continue
        texts = [value.text for value in condition.values]
        if any(text is None for text in texts):
            undecided = True
            continue
        if all(text and not _has_wildcard(text.split("/", 1)[0]) for text in texts):
            return True
    return None if undecided else False


def denied_elsewhere(document: PolicyDocument) -> bool:
    """An unconditional Deny of `sts:AssumeRole` on every role, or on all but named accounts."""
    for statement in document.statements:
        if not statement.is_deny or statement.conditions:
            continue
        if statement_allows_action(statement, ASSUME_ROLE) is not True:
            continue
        if any(v.text is not None and covers_every_role(v.text) for v in statement.resources):
            return True
        excepted = [v.text for v in statement.not_resources]
        if (
            statement.has_not_resource
            and excepted
            and all(text is not None and not any_account_roles(text) for text in excepted)
        ):
            return True
    return False


@check(RULE)
def check_assume_any_role(context: CheckContext) -> Iterator[Finding]:
    for subject in context.project.identity_policies():
        document = subject.document
        if denied_elsewhere(document):
            continue
        for statement in document.statements:
            if statement.is_allow:
                yield from _check_statement(subject, statement, context.strict)


def _check_statement(
    subject: PolicySubject, statement: Statement, strict: bool
) -> Iterator[Finding]:
    allows = statement_allows_action(statement, ASSUME_ROLE)
    if allows is False:
        return
    fenced = resource_fenced(statement)
    if fenced is True:
        return
    offending = _offending_values(statement)
    if offending and allows is True and fenced is False:
        for value in offending:
            message = _message(subject, statement, value)
            yield _finding(subject, statement, value, message, "warning")
        return
    unresolved = [v for v in (*statement.resources, *statement.not_resources) if v.text is None]
    if strict and (offending or unresolved):
        message = (
            f"cannot decide: the actions, resources or conditions of {subject.owner} are "
            "unresolved, so whether it grants sts:AssumeRole on roles of any account is unknown"
        )
        yield _finding(subject, statement, (offending or unresolved)[0], message, "note")


def _offending_values(statement: Statement) -> list[Value]:
    if statement.has_not_resource:
        excepted = statement.not_resources
        if any(v.text is not None and covers_every_role(v.text) for v in excepted):
            return []
        if any(v.text is None for v in excepted):
            return []
        return list(excepted[:1])
    return [v for v in statement.resources if v.text is not None and any_account_roles(v.text)]


def _message(subject: PolicySubject, statement: Statement, value: Value) -> str:
    text = value.text
    fix = "list the role ARNs it needs (arn:aws:iam::ACCOUNT:role/NAME)"
    if value in statement.not_resources:
        return (
            f"{subject.owner} allows sts:AssumeRole on every role of every account except "
            f"{text!r} (NotResource); {fix} in Resource instead"
        )
    if text == "*":
        return (
            f'{subject.owner} allows sts:AssumeRole on Resource "*": every role, in any account, '
            f"that trusts it; {fix}"
        )
    return (
        f"{subject.owner} allows sts:AssumeRole on {text!r}, which matches roles of any "
        "account; name the account (arn:aws:iam::ACCOUNT:role/NAME), or confine the grant with "
        "Condition StringEquals aws:ResourceOrgID"
    )


def _finding(
    subject: PolicySubject, statement: Statement, value: Value, message: str, level: Level
) -> Finding:
    return Finding(
        rule_id=RULE,
        level=level,
        message=with_branch(message, statement),
        location=value.location,
        resource=subject.owner,
        resource_location=subject.owner_location,
        statement=statement.label,
        subject=str(value.value),
    )
