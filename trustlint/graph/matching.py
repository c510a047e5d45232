"""Three-valued matching of principals, conditions and resources against scanned entities.

Every function answers True, False or None ("the files cannot tell"). A value
that holds a placeholder (an account key standing for "the account of unit
N", a name generated at deploy time) only matches the same placeholder or a
pattern that matches anything; against a literal it is undecided, never
guessed equal or different. Two different generated names are two different
resources, so they never match each other.
"""

from __future__ import annotations

from typing import Literal

from trustlint.graph.entities import Entity
from trustlint.graph.scope import ResolvedArn, Scope, and3, is_placeholder, or3, same_account
from trustlint.model import Condition, Principal, SourceUnit, Statement, Unknown, Value
from trustlint.policy import has_wildcard, is_wildcard_principal, key_name, wildcard_match
from trustlint.records import record

CallerKind = Literal["role", "user"]


@record
class Caller:
    """Who calls `sts:AssumeRole`: a role session or a user."""

    kind: CallerKind
    account: str | None
    name: str | None
    """Name key; None for "any member of a group" or an unknown name."""
    display_name: str | None
    path: str | None
    partition: str
    label: str
    entity: Entity | None = None


def caller_of(entity: Entity) -> Caller:
    kind: CallerKind = "role" if entity.kind == "role" else "user"
    return Caller(
        kind,
        entity.account,
        entity.name,
        entity.display_name,
        entity.path,
        entity.model.partition,
        entity.label,
        entity,
    )


def _all_stars(text: str) -> bool:
    return bool(text) and set(text) <= {"*"}


def names_match(pattern: str | None, actual: str | None) -> bool | None:
    """Two name keys without wildcards: the same name, different names, or cannot tell."""
    if pattern is None or actual is None:
        return None
    if pattern == actual:
        return True
    if is_placeholder(pattern) and is_placeholder(actual):
        # Two generated names belong to two different resources.
        return False
    if is_placeholder(pattern) or is_placeholder(actual):
        return None
    return False


def _part(pattern: str, actual: str | None, wildcards: bool) -> bool | None:
    """One ARN field: wildcard or exact, case-insensitive, placeholders undecided."""
    if wildcards and _all_stars(pattern):
        return True
    if actual is None:
        return None
    if is_placeholder(pattern) or is_placeholder(actual):
        return True if pattern.lower() == actual.lower() else None
    if wildcards:
        return wildcard_match(pattern, actual)
    return pattern.lower() == actual.lower()


def _resource_text(resolved: ResolvedArn) -> str:
    parts = resolved.text.split(":", 5)
    return parts[5] if len(parts) == 6 else ""


def arn_matches(
    pattern: ResolvedArn,
    *,
    service: str,
    account: str | None,
    partition: str,
    kind: str,
    path: str | None,
    display_name: str | None,
    name: str | None,
    wildcards: bool,
) -> bool | None:
    """Whether an ARN pattern matches the ARN of an IAM role or user, field by field."""
    arn = pattern.arn
    if arn.service is None:
        return False  # a bare account id names an account, not a role
    resource = _resource_text(pattern)
    fields = and3(
        _part(arn.partition or "", partition, wildcards),
        _part(arn.service, service, wildcards),
        _part(arn.region or "", "", wildcards),
        _part(pattern.account or (arn.account or ""), account, wildcards),
    )
    if fields is False:
        return False
    known = path is not None and name is not None and not is_placeholder(name)
    if known and display_name is not None:
        actual = f"{kind}{path}{display_name}"
        matched = (
            wildcard_match(resource, actual) if wildcards else resource.lower() == actual.lower()
        )
        return and3(fields, matched)
    if wildcards and _all_stars(resource):
        return fields
    type_matches = _part(arn.resource_type or "", kind, wildcards)
    rest = resource.partition("/")[2]
    if type_matches is False:
        return False
    if wildcards and _all_stars(rest):
        return and3(fields, type_matches)
    if pattern.name is None or (wildcards and has_wildcard(pattern.name)):
        return and3(fields, type_matches, None)
    path_matches = None if path is None else _part(arn.path or "/", path, wildcards)
    return and3(fields, type_matches, names_match(pattern.name, name), path_matches)


# --- principals --------------------------------------------------------------


def principal_matches(
    scope: Scope, principal: Principal, unit: SourceUnit, caller: Caller
) -> bool | None:
    """Whether a trust policy principal written in `unit` names this caller.

    An account root names every principal of its account; an `assumed-role`
    ARN names the role's sessions, so the role itself.
    """
    if is_wildcard_principal(principal):
        return True
    if principal.kind != "aws":
        return False
    if isinstance(principal.value, Unknown):
        return None
    resolved = scope.resolve_arn(unit, principal.value)
    if resolved is None or resolved.account is None or has_wildcard(resolved.account):
        return None  # malformed or wildcard principals are TL013's business
    same = same_account(resolved.account, caller.account)
    resource_type = resolved.arn.resource_type
    if resource_type == "root":
        return same
    if resource_type in ("role", "assumed-role"):
        wanted = "role"
    elif resource_type == "user":
        wanted = "user"
    else:
        return False
    if wanted != caller.kind:
        return False
    return and3(same, names_match(resolved.name, caller.name))


def statement_names_caller(
    scope: Scope, statement: Statement, unit: SourceUnit, caller: Caller
) -> bool | None:
    """Whether the statement's Principal (or NotPrincipal) covers the caller."""
    if statement.has_not_principal:
        named = or3([principal_matches(scope, p, unit, caller) for p in statement.not_principals])
        return None if named is None else not named
    if not statement.has_principal:
        return False
    return or3([principal_matches(scope, p, unit, caller) for p in statement.principals])


# --- conditions --------------------------------------------------------------

_CALLER_CHOSEN_KEYS = frozenset(
    {
        "sts:externalid",
        "sts:rolesessionname",
        "sts:sourceidentity",
        "sts:transitivetagkeys",
        "aws:tagkeys",
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:securetransport",
        "aws:currenttime",
        "aws:epochtime",
        "aws:requestedregion",
        "aws:useragent",
        "aws:referer",
    }
)
"""Keys whose value the caller (or the moment and place of the call) supplies: a
condition on them can be met, so it does not stop the call for good."""
_CALLER_CHOSEN_PREFIXES = ("aws:requesttag/",)
_MFA_KEYS = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})
_STRING_OPERATORS = {
    "StringEquals": (False, False),
    "StringNotEquals": (False, True),
    "StringEqualsIgnoreCase": (False, False),
    "StringNotEqualsIgnoreCase": (False, True),
    "StringLike": (True, False),
    "StringNotLike": (True, True),
    "ArnEquals": (True, False),
    "ArnLike": (True, False),
    "ArnNotEquals": (True, True),
    "ArnNotLike": (True, True),
}
"""Operator -> (wildcards allowed, negated)."""


def caller_can_meet(
    scope: Scope,
    condition: Condition,
    unit: SourceUnit,
    caller: Caller,
    role: Entity | None = None,
) -> bool | None:
    """For an Allow: whether the caller can make a request that meets the condition."""
    key = key_name(condition)
    if key is None or isinstance(condition.operator, Unknown):
        return None
    if key in _CALLER_CHOSEN_KEYS or key.startswith(_CALLER_CHOSEN_PREFIXES):
        return True
    if key in _MFA_KEYS:
        # A user can sign in with MFA; whether a role session carries MFA depends on
        # how the session was obtained, which the files do not say.
        return True if caller.kind == "user" else None
    return condition_holds(scope, condition, unit, caller, role)


def condition_holds(
    scope: Scope,
    condition: Condition,
    unit: SourceUnit,
    caller: Caller,
    role: Entity | None = None,
) -> bool | None:
    """Whether the condition is met by every request of this caller on `role`.

    Only the keys the graph knows for the edge are decided: the caller's
    (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
    `aws:PrincipalIsAWSService`, `aws:PrincipalOrgID` when the config places
    the account in the organization), and the role's (`aws:ResourceAccount`,
    `aws:ResourceOrgID`), when `role` is given.
    """
    key = key_name(condition)
    if key is None or isinstance(condition.operator, Unknown):
        return None
    present = _key_present(scope, key, caller, role)
    if present is None:
        return None
    operator = condition.base_operator
    if operator == "Null":
        texts = {v.text.lower() if v.text is not None else None for v in condition.values}
        if None in texts or len(texts) != 1:
            return None
        wants_absent = texts == {"true"}
        return wants_absent != present
    if not present:
        negated = _STRING_OPERATORS.get(operator, (False, False))[1]
        return bool(condition.if_exists or negated)
    if operator == "Bool" and key == "aws:principalisawsservice":
        return or3([_plain(v, "false", False) for v in condition.values])
    shape = _STRING_OPERATORS.get(operator)
    if shape is None:
        return None
    wildcards, negated = shape
    matched = or3(
        [
            _value_matches(scope, key, value, unit, caller, role=role, wildcards=wildcards)
            for value in condition.values
        ]
    )
    if matched is None:
        return None
    return not matched if negated else matched


def _key_present(scope: Scope, key: str, caller: Caller, role: Entity | None) -> bool | None:
    """Whether the caller's requests carry a key; None for keys not modelled or not known."""
    if key in ("aws:principalarn", "aws:principalaccount", "aws:principaltype"):
        return True
    if key == "aws:resourceaccount":
        return True if role is not None and role.account is not None else None
    if key == "aws:principalorgid":
        return True if scope.organization.organization_of(caller.account) else None
    if key == "aws:resourceorgid":
        account = role.account if role is not None else None
        return True if scope.organization.organization_of(account) else None
    if key == "aws:principalisawsservice":
        return True
    if key == "aws:username":
        return caller.kind == "user"
    return None


def _plain(value: Value, actual: str | None, wildcards: bool) -> bool | None:
    if value.text is None:
        return None
    return _part(value.text, actual, wildcards)


def _value_matches(
    scope: Scope,
    key: str,
    value: Value,
    unit: SourceUnit,
    caller: Caller,
    *,
    role: Entity | None,
    wildcards: bool,
) -> bool | None:
    text = value.text
    if text is None:
        return None
    if key == "aws:resourceaccount":
        actual = role.account if role is not None else None
        return _part(scope.account(unit, text) or text, actual, wildcards)
    if key in ("aws:principalorgid", "aws:resourceorgid"):
        of_role = role.account if role is not None else None
        account = caller.account if key == "aws:principalorgid" else of_role
        return _part(text, scope.organization.organization_of(account), wildcards)
    if key == "aws:principaltype":
        return _part(text, "AssumedRole" if caller.kind == "role" else "User", wildcards)
    if key == "aws:username":
        if caller.name is not None and is_placeholder(caller.name):
            return True if wildcards and _all_stars(text) else None
        return _part(text, caller.display_name, wildcards)
    if key == "aws:principalaccount":
        return _part(scope.account(unit, text) or text, caller.account, wildcards)
    resolved = scope.resolve_arn(unit, text)
    if resolved is None:
        return bool(wildcards and _all_stars(text))
    return arn_matches(
        resolved,
        service="iam",
        account=caller.account,
        partition=caller.partition,
        kind=caller.kind,
        path=caller.path,
        display_name=caller.display_name,
        name=caller.name,
        wildcards=wildcards,
    )


def conditions_can_be_met(
    scope: Scope,
    statement: Statement,
    unit: SourceUnit,
    caller: Caller,
    role: Entity | None = None,
) -> bool | None:
    """An Allow's conditions (ANDed): can the caller meet them all (on `role`)?"""
    return and3(*(caller_can_meet(scope, c, unit, caller, role) for c in statement.conditions))


def conditions_hold(
    scope: Scope,
    statement: Statement,
    unit: SourceUnit,
    caller: Caller,
    role: Entity | None = None,
) -> bool | None:
    """A Deny's conditions (ANDed): are they met by every request of the caller (on `role`)?"""
    return and3(*(condition_holds(scope, c, unit, caller, role) for c in statement.conditions))


# --- resources ---------------------------------------------------------------


def resource_matches_role(
    scope: Scope, value: Value, unit: SourceUnit, role: Entity
) -> bool | None:
    """Whether one `Resource` value written in `unit` covers the role's ARN."""
    text = value.text
    if text is None:
        return None
    if _all_stars(text):
        return True
    resolved = scope.resolve_arn(unit, text)
    if resolved is None:
        return False
    return arn_matches(
        resolved,
        service="iam",
        account=role.account,
        partition=role.model.partition,
        kind="role",
        path=role.path,
        display_name=role.display_name,
        name=role.name,
        wildcards=True,
    )


def statement_covers_role(
    scope: Scope, statement: Statement, unit: SourceUnit, role: Entity
) -> bool | None:
    """Whether the statement's Resource (or NotResource) covers the role."""
    if statement.has_not_resource:
        excluded = or3(
            [resource_matches_role(scope, v, unit, role) for v in statement.not_resources]
        )
        return None if excluded is None else not excluded
    if not statement.has_resource:
        return None
    return or3([resource_matches_role(scope, v, unit, role) for v in statement.resources])


def exact_role_target(scope: Scope, value: Value, unit: SourceUnit) -> ResolvedArn | None:
    """The role a `Resource` value names without wildcards in account or name, else None."""
    text = value.text
    if text is None:
        return None
    resolved = scope.resolve_arn(unit, text)
    if resolved is None or resolved.arn.resource_type != "role":
        return None
    if resolved.arn.service is None or resolved.arn.service.lower() != "iam":
        return None
    if resolved.account is None or has_wildcard(resolved.account):
        return None
    if resolved.name is None or has_wildcard(resolved.name):
        return None
    return resolved
