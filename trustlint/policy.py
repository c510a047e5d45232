"""The policy-evaluation core every check shares.

Three-valued where the files may not tell: functions that can meet an
`Unknown` return `True`, `False` or `None` ("cannot decide"), and callers turn
`None` into silence (or a `--strict` note), never into a finding.

IAM semantics encoded here (SPEC section 2):
- actions and condition keys are case-insensitive, condition operators are not;
- the values of one condition key are ORed, so one wildcard value opens it;
- `...IfExists` passes when the key is absent; `ForAllValues:` passes when the
  key is absent, so on a single-valued key it fails open;
- `StringLike "*"` only requires the key to exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from trustlint.arns import parse_arn
from trustlint.model import (
    THIS_ACCOUNT,
    Condition,
    Principal,
    Statement,
    Unknown,
    Value,
    is_generated_name,
)
from trustlint.patterns import lazy_compile

ASSUME_ROLE = "sts:AssumeRole"
ASSUME_ROLE_WITH_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ASSUME_ROLE_WITH_SAML = "sts:AssumeRoleWithSAML"
ASSUME_ACTIONS = (ASSUME_ROLE, ASSUME_ROLE_WITH_WEB_IDENTITY, ASSUME_ROLE_WITH_SAML)

# Operators that grant only when the request value matches one of the listed values.
POSITIVE_STRING_OPERATORS = frozenset(
    {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}
)
WILDCARD_OPERATORS = frozenset({"StringLike", "ArnLike", "StringNotLike", "ArnNotLike"})

# Keys that are single-valued in every request (ForAllValues on them fails open).
SINGLE_VALUED_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "sts:externalid",
        "aws:principaltype",
        "aws:userid",
        "aws:username",
    }
)

# Keys whose condition confines callers to named principals, accounts or an
# organization (TL001). Org *paths* confine to an organization as surely as its id.
CALLER_FENCE_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
    }
)
_ACCOUNT_BEARING_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "aws:sourceaccount"})
_ORG_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})


# --- actions -----------------------------------------------------------------


def glob_regex(pattern: str) -> str:
    """An IAM wildcard pattern (`*`, `?`, nothing else special) as a regular expression."""
    return "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(glob_regex(pattern), re.IGNORECASE | re.DOTALL)


def wildcard_match(pattern: str, text: str) -> bool:
    """IAM wildcard match (`*`, `?`), case-insensitive."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == text.lower()
    return _glob(pattern).fullmatch(text) is not None


def wildcard_match_case_sensitive(pattern: str, text: str) -> bool:
    """`StringLike` / `ArnLike` semantics: wildcards, case-sensitive."""
    if "*" not in pattern and "?" not in pattern:
        return pattern == text
    return re.fullmatch(glob_regex(pattern), text, re.DOTALL) is not None


def _any_pattern_matches(patterns: Iterable[Value], action: str) -> bool | None:
    unknown = False
    for pattern in patterns:
        text = pattern.text
        if text is None:
            unknown = True
        elif wildcard_match(text, action):
            return True
    return None if unknown else False


def statement_allows_action(statement: Statement, action: str) -> bool | None:
    """Whether the statement's Action/NotAction covers `action` (effect aside)."""
    if statement.has_not_action:
        matched = _any_pattern_matches(statement.not_actions, action)
        return None if matched is None else not matched
    return _any_pattern_matches(statement.actions, action)


def assume_actions(statement: Statement) -> tuple[str, ...]:
    """Which of the three AssumeRole actions the statement covers (known ones only)."""
    return tuple(a for a in ASSUME_ACTIONS if statement_allows_action(statement, a) is True)


def is_action_wildcard(value: Value) -> bool:
    """`*`, `sts:*` and the like: a pattern that covers every STS action."""
    text = value.text
    if text is None:
        return False
    return wildcard_match(text, "sts:AnyActionAtAll") and wildcard_match(text, "sts:GetCallerX")


# --- principals --------------------------------------------------------------


def is_wildcard_principal(principal: Principal) -> bool:
    """`"Principal": "*"` or `{"AWS": "*"}`: any AWS principal at all."""
    return principal.kind == "*" or (principal.kind == "aws" and principal.value == "*")


def principal_account(principal: Principal) -> str | None:
    """The account of an AWS or federated principal (`THIS_ACCOUNT` included), or None."""
    if principal.arn is None or principal.arn.account is None:
        return None
    return principal.arn.account


def is_account_root(principal: Principal) -> bool:
    """A bare account id or `arn:...:iam::ACCOUNT:root`: delegates to the account."""
    arn = principal.arn
    return principal.kind == "aws" and arn is not None and arn.resource_type == "root"


def is_user_principal(principal: Principal) -> bool:
    arn = principal.arn
    return principal.kind == "aws" and arn is not None and arn.resource_type == "user"


def is_role_principal(principal: Principal) -> bool:
    arn = principal.arn
    return (
        principal.kind == "aws"
        and arn is not None
        and arn.resource_type in ("role", "assumed-role")
    )


def service_name(principal: Principal) -> str | None:
    """`lambda` for `lambda.amazonaws.com` (and the China/GovCloud spellings)."""
    if principal.kind != "service" or not isinstance(principal.value, str):
        return None
    value = principal.value.lower()
    for suffix in (".amazonaws.com.cn", ".amazonaws.com", ".api.aws"):
        if value.endswith(suffix):
            return value[: -len(suffix)]
    return value


def oidc_provider_host(principal: Principal) -> str | None:
    """The issuer host of a federated OIDC principal, e.g. `token.actions.githubusercontent.com`.

    Federated principals that are not ARNs (`cognito-identity.amazonaws.com`,
    `accounts.google.com`, `graph.facebook.com`, `www.amazon.com`) are their
    own host. SAML providers return None.
    """
    if principal.kind != "federated" or not isinstance(principal.value, str):
        return None
    arn = principal.arn
    if arn is None:
        return principal.value.lower()
    if arn.resource_type == "oidc-provider" and arn.name is not None:
        host = principal.value.split("oidc-provider/", 1)[1]
        return host.lower()
    return None


def is_saml_provider(principal: Principal) -> bool:
    arn = principal.arn
    return (
        principal.kind == "federated" and arn is not None and arn.resource_type == "saml-provider"
    )


# --- conditions --------------------------------------------------------------


def key_name(condition: Condition) -> str | None:
    """The condition key lower-cased, or None when unknown."""
    return condition.key.lower() if isinstance(condition.key, str) else None


def conditions_on(statement: Statement, *keys: str) -> list[Condition]:
    wanted = {key.lower() for key in keys}
    return [c for c in statement.conditions if key_name(c) in wanted]


def has_unknown_condition(statement: Statement) -> bool:
    """A condition whose key or operator is unresolved: it may restrict anything."""
    return any(
        isinstance(c.key, Unknown) or isinstance(c.operator, Unknown) for c in statement.conditions
    )


def fails_open_when_absent(condition: Condition) -> bool:
    """True when the condition passes for a request that lacks the key."""
    if condition.if_exists:
        return True
    return condition.qualifier == "ForAllValues"


def value_is_match_all(condition: Condition, value: Value) -> bool | None:
    """Whether one value of the condition matches any request value of its key."""
    text = value.text
    if text is None:
        return None
    if condition.base_operator in WILDCARD_OPERATORS:
        return text != "" and set(text) <= {"*"}
    return False


def narrows(condition: Condition) -> bool | None:
    """Whether the condition lets only requests with particular values through.

    False for conditions that fail open (IfExists, ForAllValues on a
    single-valued key), negative operators, and any value that matches
    everything (IAM ORs the values, so one `*` opens it). None when a value
    is unknown.
    """
    if isinstance(condition.operator, Unknown) or isinstance(condition.key, Unknown):
        return None
    if condition.base_operator not in POSITIVE_STRING_OPERATORS:
        return False
    if fails_open_when_absent(condition):
        return False
    if not condition.values:
        return False
    result: bool | None = True
    for value in condition.values:
        match_all = value_is_match_all(condition, value)
        if match_all is None:
            result = None
        elif match_all:
            return False
    return result


def has_wildcard(text: str) -> bool:
    """Whether IAM would read `*` or `?` in the text as a wildcard."""
    return "*" in text or "?" in text


def names_callers(key: str, text: str) -> bool:
    """Whether one value of a caller-fence condition (`key` lower-cased) names specific callers.

    For keys that carry an account (an ARN, an account id), a wildcard in the
    account field means any account; for org ids, a wildcard means any org.
    SPEC section 2 asks for "no wildcard in the account" whatever the
    operator: under `StringEquals` a `*` is literal and matches no caller, so
    the value is a mistake that must not pass for a fence.
    """
    if not text:
        return False
    if key in _ACCOUNT_KEYS or key in _ORG_KEYS:
        return not has_wildcard(text)
    if key in ("aws:principalorgpaths", "aws:sourceorgpaths"):
        org = text.split("/", 1)[0]
        return bool(org) and not has_wildcard(org)
    if key in _ACCOUNT_BEARING_KEYS:
        parts = text.split(":")
        if len(parts) < 5:
            return not has_wildcard(text)
        account = parts[4]
        if account:
            return not has_wildcard(account)
        # An ARN without an account field (an S3 bucket) names a resource,
        # not a caller; with a wildcard it names nothing in particular.
        return not has_wildcard(text)
    return False


def fences_callers(condition: Condition) -> bool | None:
    """Whether the condition restricts callers to known principals (SPEC section 2, TL001).

    A positive, non-IfExists operator on `aws:PrincipalOrgID`,
    `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`,
    `aws:SourceArn`, `aws:SourceOrgID` (or the org-path keys) whose every value
    names specific accounts, principals or an organization.
    """
    key = key_name(condition)
    if key is None:
        return None
    if key not in CALLER_FENCE_KEYS:
        return False
    narrowing = narrows(condition)
    if narrowing is not True:
        return narrowing
    for value in condition.values:
        text = value.text
        if text is None:
            return None
        if not names_callers(key, text):
            return False
    return True


def statement_fences_callers(statement: Statement) -> bool | None:
    """Whether any condition of the statement confines callers (ANDed conditions)."""
    undecided = False
    for condition in statement.conditions:
        fence = fences_callers(condition)
        if fence is True:
            return True
        if fence is None:
            undecided = True
    return None if undecided else False


def org_ids_fenced(statement: Statement) -> set[str] | None:
    """The organization ids a statement's `aws:PrincipalOrgID` confines callers to."""
    for condition in conditions_on(statement, "aws:PrincipalOrgID"):
        if fences_callers(condition) is True:
            return {v.text for v in condition.values if v.text is not None}
    return None


def has_external_id(statement: Statement) -> bool | None:
    """A `StringEquals` `sts:ExternalId` condition with non-empty values.

    An unresolved value (a parameter without default) still is an ExternalId
    condition, so it counts. `IfExists` does not: the caller may omit the id.
    """
    undecided = False
    for condition in conditions_on(statement, "sts:ExternalId"):
        if condition.if_exists or condition.qualifier == "ForAllValues":
            continue
        operator = condition.base_operator
        values = condition.values
        if not values:
            continue
        if operator in ("StringEquals", "StringEqualsIgnoreCase") and all(
            v.text is None or v.text != "" for v in values
        ):
            return True
        # Without wildcards StringLike is StringEquals; with one, any id passes.
        if operator == "StringLike" and all(
            v.text is None or (v.text and not has_wildcard(v.text)) for v in values
        ):
            return True
    if any(isinstance(c.key, Unknown) for c in statement.conditions):
        undecided = True
    return None if undecided else False


MFA_PRESENT = "aws:multifactorauthpresent"
MFA_AGE = "aws:multifactorauthage"


def enforces_mfa(condition: Condition) -> bool:
    """Whether this one condition, in an Allow, admits only MFA-authenticated callers."""
    key = key_name(condition)
    if condition.if_exists or condition.qualifier == "ForAllValues":
        return False
    texts = [v.text.lower() if v.text is not None else None for v in condition.values]
    if not texts or None in texts:
        return False
    if key == MFA_PRESENT and condition.base_operator == "Bool":
        return all(t == "true" for t in texts)
    if key == MFA_AGE and condition.base_operator in ("NumericLessThan", "NumericLessThanEquals"):
        return True
    if key == MFA_AGE and condition.base_operator == "Null":
        return all(t == "false" for t in texts)
    return False


def mfa_conditions(statement: Statement) -> list[Condition]:
    return conditions_on(statement, "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge")


def statement_enforces_mfa(statement: Statement) -> bool:
    return any(enforces_mfa(c) for c in mfa_conditions(statement))


def mfa_bypass(condition: Condition) -> str | None:
    """Why an MFA condition in an Allow does not enforce MFA, or None when it does (TL011)."""
    key = key_name(condition)
    operator = condition.base_operator
    texts = [v.text.lower() for v in condition.values if v.text is not None]
    if key == MFA_PRESENT:
        if operator == "Bool" and condition.if_exists:
            return (
                "BoolIfExists passes when aws:MultiFactorAuthPresent is absent, as it is for "
                "long-term access keys"
            )
        if operator == "Bool" and "false" in texts:
            return 'Bool "false" on aws:MultiFactorAuthPresent admits callers without MFA'
        if operator == "Null" and "true" in texts:
            return (
                'Null "true" on aws:MultiFactorAuthPresent admits exactly the callers whose '
                "request lacks the key: long-term access keys, which carry no MFA"
            )
        if operator == "Null":
            return (
                "Null on aws:MultiFactorAuthPresent only tests whether the key exists; it is "
                "present (false) for temporary credentials obtained without MFA"
            )
        if condition.qualifier == "ForAllValues":
            return "ForAllValues passes when the key is absent"
    if key == MFA_AGE:
        if operator == "Null" and "true" in texts:
            return 'Null "true" on aws:MultiFactorAuthAge admits exactly the callers without MFA'
        if condition.if_exists and operator.startswith("Numeric"):
            return (
                f"{operator}IfExists passes when aws:MultiFactorAuthAge is absent, as it is "
                "without MFA"
            )
        if condition.qualifier == "ForAllValues":
            return "ForAllValues passes when the key is absent, as it is without MFA"
    return None


def resolves_account(text: str, own_account: str | None) -> str:
    """Replace `THIS_ACCOUNT` with the literal own account when that is known."""
    if own_account is not None and THIS_ACCOUNT in text:
        return text.replace(THIS_ACCOUNT, own_account)
    return text


def mfa_enforcement(statement: Statement) -> bool | None:
    """Whether the statement admits only MFA-authenticated callers; None when unknown.

    Like `statement_enforces_mfa`, but an MFA condition whose value is
    unresolved, or a condition whose key is unresolved, leaves it undecided.
    """
    if statement_enforces_mfa(statement):
        return True
    for condition in mfa_conditions(statement):
        if any(not value.known for value in condition.values):
            return None
    return None if has_unknown_condition(statement) else False


def bypassable_mfa_conditions(statement: Statement) -> list[tuple[Condition, str]]:
    """The MFA conditions of the statement that do not enforce MFA, with why."""
    found = []
    for condition in mfa_conditions(statement):
        reason = mfa_bypass(condition)
        if reason is not None:
            found.append((condition, reason))
    return found


def _requires_mfa_to_pass(condition: Condition) -> bool:
    """In a Deny: the condition is true exactly for callers without MFA."""
    key = key_name(condition)
    texts = [v.text.lower() if v.text is not None else None for v in condition.values]
    if condition.qualifier is not None or not texts or None in texts:
        return False
    if key == MFA_PRESENT and condition.base_operator == "Bool" and condition.if_exists:
        return all(t == "false" for t in texts)
    if key == MFA_AGE and condition.base_operator == "Null" and not condition.if_exists:
        return all(t == "true" for t in texts)
    return False


def denies_without_mfa(statements: Iterable[Statement], action: str = ASSUME_ROLE) -> bool:
    """Whether a Deny among `statements` refuses `action` to every caller without MFA.

    This is AWS's recommended form (`BoolIfExists aws:MultiFactorAuthPresent
    false`, or `Null aws:MultiFactorAuthAge true`, in a Deny for `"*"`): it
    enforces MFA for the Allow statements beside it.
    """
    for statement in statements:
        if not statement.is_deny or not statement.conditions:
            continue
        if not any(is_wildcard_principal(p) for p in statement.principals):
            continue
        if statement_allows_action(statement, action) is not True:
            continue
        if all(_requires_mfa_to_pass(c) for c in statement.conditions):
            return True
    return False


def is_role_arn_pattern(text: str) -> bool:
    """An ARN (pattern) that only an IAM role or role session can match."""
    arn = parse_arn(text)
    if arn is None or arn.service not in ("iam", "sts"):
        return False
    return arn.resource_type in ("role", "assumed-role")


def narrows_to_roles(statement: Statement) -> bool | None:
    """Whether a condition confines callers to IAM roles (so no IAM user gets in).

    A narrowing `aws:PrincipalArn` whose every value is a role ARN pattern, or
    `aws:PrincipalType` equal to `AssumedRole`. None when such a condition's
    values are unresolved.
    """
    undecided = False
    for condition in conditions_on(statement, "aws:PrincipalArn", "aws:PrincipalType"):
        narrowing = narrows(condition)
        if narrowing is None:
            undecided = True
            continue
        if not narrowing:
            continue
        texts = [value.text for value in condition.values]
        if key_name(condition) == "aws:principaltype":
            if all(t is not None and t.lower() == "assumedrole" for t in texts):
                return True
        elif all(t is not None and is_role_arn_pattern(t) for t in texts):
            return True
    if undecided or has_unknown_condition(statement):
        return None
    return False


# --- messages ------------------------------------------------------------------

_RESOURCE_WORDS = {"role": "role", "user": "user", "group": "group"}


def display(text: str) -> str:
    """How a message writes a value that may hold placeholders.

    `THIS_ACCOUNT` (and its root) is "its own account", `generated_name(x)`
    "the role generated for x"; a role or user of the own account is named by
    its name. Other text is returned with the placeholders spelled out.
    """
    if text == THIS_ACCOUNT:
        return "its own account"
    if is_generated_name(text):
        return f"the role generated for {_generated_reference(text)}"
    arn = parse_arn(text)
    if arn is not None and arn.account == THIS_ACCOUNT:
        if arn.resource_type == "root":
            return "its own account"
        word = _RESOURCE_WORDS.get(arn.resource_type or "")
        if word is not None and arn.name is not None:
            if is_generated_name(arn.name):
                return f"the {word} generated for {_generated_reference(arn.name)}"
            path = (arn.path or "/").lstrip("/")
            return f"{word} {path}{arn.name} of its own account"
    return _GENERATED.sub(
        lambda match: f"(the name generated for {match.group(1)})",
        text.replace(THIS_ACCOUNT, "(its own account)"),
    )


_GENERATED = lazy_compile(r"<generated:([^<>]*)>")


def _generated_reference(name: str) -> str:
    match = _GENERATED.fullmatch(name)
    return match.group(1) if match else name
