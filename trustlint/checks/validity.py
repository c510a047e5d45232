"""TL013 invalid-policy: policies AWS rejects, or that cannot mean what they say.

Each problem is found by one small function over a document or a statement;
the check reports each place once, however many `Fn::If` variants of the
statement share it (and names the variant when only some do).

Decisions, following what IAM does:

* `Version` must be `2012-10-17` or `2008-10-17`. IAM accepts a document
  without one and reads it as `2008-10-17`, in which policy variables
  (`${aws:username}`) are plain text; an absent Version is reported only
  then, at the first such variable, because only then does the policy mean
  something else than it says.
* `Effect` is case-sensitive (`allow` is rejected).
* Every statement of a trust policy needs a `Principal`, and may not have
  `Resource`; identity policies (and boundaries, SCPs) may not have a
  `Principal`, and identity policies need a `Resource`.
* Principals: an account id is 12 digits; an AWS principal is an account
  root, IAM user or role, STS role session or federated user; a federated
  principal is an OIDC or SAML provider; a wildcard inside an ARN is
  rejected (`"*"` alone is not an ARN and is allowed). Unique ids
  (`AROA...`), which IAM shows in place of a deleted principal, are left
  alone.
* A role may not name its own ARN: IAM resolves role principals when the
  policy is saved, and the role does not exist yet when it is created. An
  account export shows roles that exist, where the same trust is valid.
* An AssumeRole action that no principal of its statement can call (web
  identity for an AWS principal, plain AssumeRole for a federated one) never
  applies.
* Condition operators are case-sensitive; `Null` has no `IfExists` form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from trustlint.arns import PARTITIONS, is_account_id
from trustlint.checks import CheckContext, check
from trustlint.checks.wording import merged_clause
from trustlint.findings import Finding
from trustlint.model import Location, PolicyDocument, Principal, Statement, Unknown, Value
from trustlint.patterns import lazy_compile
from trustlint.policy import display, is_saml_provider, resolves_account
from trustlint.project import PolicySubject
from trustlint.records import record

RULE = "TL013"
VERSIONS = ("2012-10-17", "2008-10-17")
CONDITION_OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
)
"""IAM's condition operators; each but `Null` also has an `...IfExists` form,
and each may take a `ForAnyValue:` or `ForAllValues:` qualifier."""

_QUALIFIERS = ("", "ForAnyValue:", "ForAllValues:")
_IDENTITY_KINDS = ("identity", "boundary", "scp")
_UNIQUE_ID = lazy_compile(r"A[A-Z]{3}[A-Z0-9]{12,}")
_POLICY_VARIABLE = lazy_compile(r"\$\{[^}]+\}")
_PRINCIPAL_TYPES = {
    ("iam", "root"),
    ("iam", "user"),
    ("iam", "role"),
    ("sts", "assumed-role"),
    ("sts", "federated-user"),
}
_ASSUME_ACTIONS = {
    "sts:assumerole": "sts:AssumeRole",
    "sts:assumerolewithwebidentity": "sts:AssumeRoleWithWebIdentity",
    "sts:assumerolewithsaml": "sts:AssumeRoleWithSAML",
}


@lru_cache(maxsize=1)
def valid_operators() -> dict[str, str]:
    """Every valid operator spelling, keyed by its lower case (for suggestions)."""
    spellings = [
        qualifier + base + suffix
        for qualifier in _QUALIFIERS
        for base in CONDITION_OPERATORS
        for suffix in ("", "IfExists")
        if not (base == "Null" and suffix)
    ]
    return {spelling.lower(): spelling for spelling in spellings}


def operator_problem(operator: str) -> str | None:
    """Why IAM rejects a condition operator, or None when it is valid."""
    valid = valid_operators()
    correct = valid.get(operator.lower())
    if correct == operator:
        return None
    if correct is not None:
        return f"operators are case-sensitive; write {correct}"
    if operator.endswith("NullIfExists"):
        return "Null has no IfExists form, since Null itself tests whether the key exists"
    return "IAM has no such operator"


@record
class Problem:
    location: Location
    about: str
    """What is wrong, location-free: the fingerprint's subject."""
    message: str
    statement: Statement | None = None


@check(RULE)
def check_invalid_policy(context: CheckContext) -> Iterator[Finding]:
    for subject in context.project.all_documents():
        yield from _report(subject, document_problems(subject))


def document_problems(subject: PolicySubject) -> Iterator[Problem]:
    document = subject.document
    owner = subject.owner
    for defect in document.defects:
        yield Problem(
            defect.location,
            f"defect {defect.message}",
            f"{owner} has an invalid policy: {defect.message}",
        )
    yield from _version_problems(owner, document)
    for statement in document.statements:
        yield from statement_problems(subject, statement)


def _version_problems(owner: str, document: PolicyDocument) -> Iterator[Problem]:
    version = document.version
    if version is not None:
        text = version.text
        if version.raw_type == "unknown" or text in VERSIONS:
            return
        shown = (
            f"policy Version {text!r}" if text is not None else "a policy Version that is not text"
        )
        yield Problem(
            version.location,
            f"Version {text}",
            f"{owner} has {shown}; IAM knows only 2012-10-17 and 2008-10-17 and "
            'rejects the policy: write Version "2012-10-17"',
        )
        return
    for statement in document.statements:
        for value in _variable_bearing(statement):
            match = _POLICY_VARIABLE.search(value.text or "")
            if match is None:
                continue
            yield Problem(
                value.location,
                "Version missing",
                f"{owner} has no policy Version, so IAM reads it as 2008-10-17 and takes "
                f'{match.group(0)} literally; add Version "2012-10-17"',
                statement,
            )
            return


def _variable_bearing(statement: Statement) -> Iterator[Value]:
    yield from statement.resources
    yield from statement.not_resources
    for condition in statement.conditions:
        yield from condition.values


def statement_problems(subject: PolicySubject, statement: Statement) -> Iterator[Problem]:
    owner = f"{subject.owner} ({statement.label})"
    kind = subject.document.kind
    yield from _effect_problems(owner, statement)
    yield from _element_pair_problems(owner, statement)
    if kind == "trust":
        yield from _trust_statement_problems(subject, owner, statement)
    elif kind in _IDENTITY_KINDS:
        yield from _identity_statement_problems(owner, kind, statement)
    yield from _operator_problems(owner, statement)


def _effect_problems(owner: str, statement: Statement) -> Iterator[Problem]:
    effect = statement.effect
    if effect is None:
        yield Problem(
            statement.location,
            "Effect missing",
            f"{owner} has no Effect; AWS rejects the statement: add Effect Allow or Deny",
            statement,
        )
        return
    text = effect.text
    if text is None or effect.raw_type != "str" or text in ("Allow", "Deny"):
        # A number or list as Effect is a defect the policy reader recorded.
        return
    hint = {"allow": "write Allow", "deny": "write Deny"}.get(text.strip().lower())
    fix = f"Effect is case-sensitive: {hint}" if hint else "write Allow or Deny"
    yield Problem(
        effect.location,
        f"Effect {text}",
        f"{owner} has Effect {text!r}, which AWS rejects; {fix}",
        statement,
    )


def _element_pair_problems(owner: str, statement: Statement) -> Iterator[Problem]:
    if statement.has_action and statement.has_not_action:
        yield Problem(
            _first(statement.not_actions, statement.location),
            "Action and NotAction",
            f"{owner} has both Action and NotAction; AWS rejects the statement: keep one",
            statement,
        )
    elif not statement.has_action and not statement.has_not_action:
        yield Problem(
            statement.location,
            "Action missing",
            f"{owner} has neither Action nor NotAction; AWS rejects the statement",
            statement,
        )
    if statement.has_principal and statement.has_not_principal:
        yield Problem(
            statement.principal_location or statement.location,
            "Principal and NotPrincipal",
            f"{owner} has both Principal and NotPrincipal; AWS rejects the statement: keep "
            "Principal",
            statement,
        )
    if statement.has_resource and statement.has_not_resource:
        yield Problem(
            _first(statement.not_resources, statement.location),
            "Resource and NotResource",
            f"{owner} has both Resource and NotResource; AWS rejects the statement: keep one",
            statement,
        )


def _first(values: tuple[Value, ...], default: Location) -> Location:
    return values[0].location if values else default


def _identity_statement_problems(owner: str, kind: str, statement: Statement) -> Iterator[Problem]:
    if statement.has_principal or statement.has_not_principal:
        element = "Principal" if statement.has_principal else "NotPrincipal"
        yield Problem(
            statement.principal_location or statement.location,
            f"{element} in identity policy",
            f"{owner} has {element}, which a policy attached to an identity may not have "
            f"(the identity it is attached to is the principal); AWS rejects it: remove "
            f"{element}, or move the statement to a trust or resource policy",
            statement,
        )
    if kind != "scp" and not statement.has_resource and not statement.has_not_resource:
        yield Problem(
            statement.location,
            "Resource missing",
            f"{owner} has neither Resource nor NotResource; AWS rejects the statement: add "
            "Resource",
            statement,
        )


def _trust_statement_problems(
    subject: PolicySubject, owner: str, statement: Statement
) -> Iterator[Problem]:
    if not statement.has_principal and not statement.has_not_principal:
        yield Problem(
            statement.location,
            "Principal missing",
            f"{owner} names no Principal; every statement of a trust policy must say who may "
            "assume the role, and AWS rejects it: add Principal",
            statement,
        )
    if statement.has_resource or statement.has_not_resource:
        values = statement.resources or statement.not_resources
        yield Problem(
            _first(values, statement.location),
            "Resource in trust policy",
            f"{owner} has Resource, which a trust policy may not have (the role is the "
            "resource); AWS rejects it: remove Resource",
            statement,
        )
    if statement.has_not_principal and statement.is_deny:
        yield Problem(
            statement.principal_location or statement.location,
            "NotPrincipal in trust policy",
            f"{owner} uses NotPrincipal, which AWS rejects in a trust policy: use "
            'Principal "*" with a Condition on aws:PrincipalArn (ArnNotEquals) instead',
            statement,
        )
    for principal in (*statement.principals, *statement.not_principals):
        problem = principal_problem(principal)
        if problem is not None:
            about, message = problem
            yield Problem(principal.location, about, f"{owner} {message}", statement)
    yield from _self_trust_problems(subject, owner, statement)
    if statement.is_allow:
        yield from _action_fit_problems(owner, statement)


def principal_problem(principal: Principal) -> tuple[str, str] | None:
    """(what, message tail) when AWS rejects this principal, else None."""
    value = principal.value
    if not isinstance(value, str) or principal.kind in ("*", "canonical"):
        return None
    if principal.kind == "service":
        return _service_problem(value)
    if value == "*" and principal.kind == "aws":
        return None
    if principal.kind == "federated" and not value.startswith("arn:"):
        return None  # a provider host such as cognito-identity.amazonaws.com
    if _UNIQUE_ID.fullmatch(value):
        return None
    if "*" in value or "?" in value:
        return (
            f"wildcard principal {value}",
            f'trusts "{value}": AWS rejects a wildcard inside a principal ARN or account id; '
            'to admit many principals use "Principal": {"AWS": "*"} with Condition '
            "StringEquals aws:PrincipalOrgID (or ArnLike aws:PrincipalArn with the pattern)",
        )
    reason = _arn_problem(principal)
    if reason is None:
        return None
    return f"malformed principal {value}", f'trusts "{value}", which AWS rejects: {reason}'


def _service_problem(value: str) -> tuple[str, str] | None:
    if value == "*" or ("." in value and not re.search(r"[\s:/]", value)):
        return None
    return (
        f"malformed service {value}",
        f'trusts service "{value}", which AWS rejects: a service principal is a name such as '
        "lambda.amazonaws.com",
    )


_NOT_A_PRINCIPAL = (
    "only an account root, an IAM user or role, a role session or a federated user can be an "
    "AWS principal"
)


def _arn_problem(principal: Principal) -> str | None:
    value = str(principal.value)
    arn = principal.arn
    if arn is None:
        if value.isdigit():
            return f"an account id has 12 digits, not {len(value)}"
        return "it is neither a 12-digit account id nor an ARN"
    if arn.partition is None:
        return None  # a bare 12-digit account id
    if arn.partition not in PARTITIONS:
        return f"{arn.partition!r} is not an AWS partition"
    if arn.region:
        return "principal ARNs have no region"
    service = arn.service or ""
    resource_type = arn.resource_type or ""
    if principal.kind == "federated":
        if service != "iam" or resource_type not in ("oidc-provider", "saml-provider"):
            return "a federated principal is an oidc-provider or saml-provider ARN"
    elif service not in ("iam", "sts"):
        return _NOT_A_PRINCIPAL
    if arn.account is None or not is_account_id(arn.account):
        return f"the account id {arn.account!r} is not 12 digits"
    if principal.kind == "federated":
        return None if arn.name else "the provider ARN names no provider"
    if (service, resource_type) in _PRINCIPAL_TYPES and (resource_type == "root" or arn.name):
        return None
    if resource_type == "group":
        return (
            "an IAM group cannot be a principal; trust the account and grant the group "
            "sts:AssumeRole in its identity policy"
        )
    if resource_type in ("assumed-role", "federated-user") and service == "iam":
        return f"{resource_type} ARNs belong to sts: arn:aws:sts::ACCOUNT:{resource_type}/..."
    return _NOT_A_PRINCIPAL


def _self_trust_problems(
    subject: PolicySubject, owner: str, statement: Statement
) -> Iterator[Problem]:
    role = subject.role
    if role is None or not isinstance(role.arn, str) or role.resource.resource_type == "iam-role":
        return
    own = resolves_account(role.arn, subject.account).lower()
    for principal in statement.principals:
        value = principal.value
        if principal.kind != "aws" or not isinstance(value, str):
            continue
        if resolves_account(value, subject.account).lower() != own:
            continue
        yield Problem(
            principal.location,
            "own ARN as principal",
            f"{owner} names the role's own ARN as principal; IAM resolves role principals when "
            "the policy is saved, and the role does not exist yet when it is created, so AWS "
            "rejects it: trust its account root with Condition ArnEquals aws:PrincipalArn and "
            "the role's ARN instead",
            statement,
        )


def _caller_action(principal: Principal) -> str | None:
    """The one AssumeRole action this principal calls, or None when unknown or any."""
    if isinstance(principal.value, Unknown):
        return None
    if principal.kind in ("aws", "service"):
        return "sts:AssumeRole"
    if principal.kind == "federated":
        if is_saml_provider(principal):
            return "sts:AssumeRoleWithSAML"
        return "sts:AssumeRoleWithWebIdentity"
    return None


_CALLER_WORDS = {
    "sts:AssumeRole": "AWS principals and services call sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity": "OIDC providers' tokens are exchanged with "
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML": "SAML assertions are exchanged with sts:AssumeRoleWithSAML",
}


def _action_fit_problems(owner: str, statement: Statement) -> Iterator[Problem]:
    if not statement.principals:
        return
    callers = [_caller_action(principal) for principal in statement.principals]
    if None in callers:
        return
    for action in statement.actions:
        text = action.text
        if text is None:
            continue
        written = _ASSUME_ACTIONS.get(text.lower())
        if written is None or written in callers:
            continue
        expected = sorted(set(c for c in callers if c is not None))
        principals = ", ".join(display(str(p.value)) for p in statement.principals)
        why = "; ".join(_CALLER_WORDS[c] for c in expected)
        yield Problem(
            action.location,
            f"action {written}",
            f"{owner} allows {text} to {principals}, which can never use it ({why}): write "
            f"{' or '.join(expected)}",
            statement,
        )


def _operator_problems(owner: str, statement: Statement) -> Iterator[Problem]:
    seen: set[Location] = set()
    for condition in statement.conditions:
        operator = condition.operator
        if isinstance(operator, Unknown) or condition.operator_location in seen:
            continue
        seen.add(condition.operator_location)
        reason = operator_problem(operator)
        if reason is None:
            continue
        yield Problem(
            condition.operator_location,
            f"operator {operator}",
            f"{owner} uses condition operator {operator!r}, which AWS rejects: {reason}",
            statement,
        )


def _report(subject: PolicySubject, problems: Iterator[Problem]) -> Iterator[Finding]:
    """One finding per place and problem, naming the variant only when it alone has it."""
    grouped: dict[tuple[Location, str], list[Problem]] = {}
    for problem in problems:
        grouped.setdefault((problem.location, problem.about), []).append(problem)
    for (location, about), group in grouped.items():
        first = group[0]
        message = first.message + _variant_suffix(subject.document, group)
        yield Finding(
            rule_id=RULE,
            level="error",
            message=message,
            location=location,
            resource=subject.owner,
            resource_location=subject.owner_location,
            statement=first.statement.label if first.statement is not None else "",
            subject=about,
        )


def _variant_suffix(document: PolicyDocument, group: list[Problem]) -> str:
    statements = [problem.statement for problem in group if problem.statement is not None]
    if len(statements) < len(group):
        return ""
    return merged_clause(statements, document)
