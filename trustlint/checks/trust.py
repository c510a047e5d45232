"""Trust-principal rules: who a trust policy lets in, and on what terms.

TL001 wildcard-principal, TL002 missing-external-id, TL003 missing-mfa,
TL009 not-principal-allow, TL010 trust-action-wildcard, TL011 bypassable-mfa.
Each reads trust policies through `Project.trust_policies()` and decides with
the shared evaluation core in `trustlint.policy`; a value the core cannot
decide on is silence, or a "cannot decide" note under `--strict`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from trustlint import policy
from trustlint.accounts import AccountInfo, AccountKind, describe_account
from trustlint.checks import CheckContext, check
from trustlint.checks.wording import merged_clause
from trustlint.findings import Finding, Level
from trustlint.model import Condition, Location, Principal, Statement, Unknown, Value
from trustlint.project import PolicySubject
from trustlint.records import record

MFA_FIX = 'add Condition Bool aws:MultiFactorAuthPresent "true"'
EXTERNAL_ID_FIX = "add Condition StringEquals sts:ExternalId"
REQUIRE_MFA_FOR_DEFAULT = ("users", "own-account-root", "internal-account-root")


@record
class _Hit:
    """One finding before its message names the owner and the branches it holds in."""

    statement: Statement
    location: Location
    subject: str
    level: Level
    text: str
    """The message after the owner's name: `trusts ...; add ...`."""
    remark: str = ""
    """Why an existing condition does not help; appended after `; `, kept only
    when every branch of a merged finding has the same remark."""
    undecided: bool = False
    """A `--strict` note: the rule could not decide."""


def _findings(rule_id: str, subject: PolicySubject, hits: Iterable[_Hit]) -> Iterator[Finding]:
    """Turn hits into findings, one per place: the branches of a conditional are merged.

    A statement expanded from `Fn::If` / `a ? b : c` appears once per branch;
    when several branches give the same finding at the same place the message
    lists them all instead of repeating itself.
    """
    groups: dict[tuple[Location, str, Level, str, bool], list[_Hit]] = {}
    for hit in hits:
        key = (hit.location, hit.subject, hit.level, hit.text, hit.undecided)
        groups.setdefault(key, []).append(hit)
    for (location, subject_text, level, text, undecided), group in groups.items():
        when = merged_clause([hit.statement for hit in group], subject.document)
        message = f"{subject.owner}{when} {text}"
        remarks = {hit.remark for hit in group}
        if len(remarks) == 1 and (remark := remarks.pop()):
            message += f"; {remark}"
        if undecided:
            message = f"cannot decide: {message}"
        yield Finding(
            rule_id,
            level,
            message,
            location,
            resource=subject.owner,
            resource_location=subject.owner_location,
            statement=group[0].statement.label,
            subject=subject_text,
        )


def _principal_text(principal: Principal) -> str:
    value = principal.value
    return value.text if isinstance(value, Unknown) else value


def _allow_statements(subject: PolicySubject) -> Iterator[Statement]:
    for statement in subject.document.statements:
        if statement.is_allow:
            yield statement


def _may_assume(statement: Statement) -> bool | None:
    """Whether the statement allows any of the AssumeRole actions; None when unknown."""
    results = [policy.statement_allows_action(statement, a) for a in policy.ASSUME_ACTIONS]
    if True in results:
        return True
    return None if None in results else False


# --- TL001 -------------------------------------------------------------------


def _why_no_fence(condition: Condition) -> str | None:
    """Why a condition on a caller key does not restrict callers, for the message."""
    operator = condition.operator if isinstance(condition.operator, str) else "?"
    if condition.qualifier == "ForAllValues" or condition.if_exists:
        return f"{operator} passes when the key is absent"
    if condition.base_operator not in policy.POSITIVE_STRING_OPERATORS:
        return f"{operator} admits every caller it does not name"
    key = policy.key_name(condition) or ""
    for value in condition.values:
        text = value.text
        if text is None:
            continue
        if policy.value_is_match_all(condition, value):
            return f'the value "{text}" matches every caller'
        if not policy.names_callers(key, text):
            return f'the value "{text}" names no account or organization in particular'
    return None


def _fence_remark(statement: Statement) -> str:
    for condition in policy.conditions_on(statement, *policy.CALLER_FENCE_KEYS):
        why = _why_no_fence(condition)
        if why is not None:
            key = condition.key if isinstance(condition.key, str) else "?"
            return f"its {key} condition restricts nothing ({why})"
    return ""


@check("TL001")
def check_wildcard_principal(context: CheckContext) -> Iterator[Finding]:
    """An Allow trust for `"*"` / `{"AWS": "*"}` that no condition fences."""
    for subject in context.project.trust_policies():
        yield from _findings("TL001", subject, _wildcard_hits(subject, context.strict))


def _wildcard_hits(subject: PolicySubject, strict: bool) -> Iterator[_Hit]:
    for statement in _allow_statements(subject):
        wildcards = [p for p in statement.principals if policy.is_wildcard_principal(p)]
        if not wildcards or _may_assume(statement) is False:
            continue
        fenced = policy.statement_fences_callers(statement)
        if fenced is True:
            continue
        undecided = fenced is None or _may_assume(statement) is None
        if undecided and not strict:
            continue
        for principal in wildcards:
            shown = '"*"' if principal.kind == "*" else '{"AWS": "*"}'
            if undecided:
                text = (
                    f"trusts every AWS principal ({shown}) under a condition that cannot be "
                    "resolved; check that it restricts callers to your organization or accounts"
                )
                yield _Hit(statement, principal.location, "*", "note", text, undecided=True)
                continue
            text = (
                f"trusts every AWS principal ({shown}) and no condition restricts callers; "
                "name the trusted accounts or roles, or add Condition StringEquals "
                "aws:PrincipalOrgID with your organization id"
            )
            remark = _fence_remark(statement)
            yield _Hit(statement, principal.location, "*", "error", text, remark)


# --- TL002 -------------------------------------------------------------------


def _external_id_remark(statement: Statement) -> str:
    conditions = policy.conditions_on(statement, "sts:ExternalId")
    if not conditions:
        return ""
    condition = conditions[0]
    operator = condition.operator if isinstance(condition.operator, str) else "?"
    return f"its {operator} sts:ExternalId condition does not require a fixed id"


@check("TL002")
def check_missing_external_id(context: CheckContext) -> Iterator[Finding]:
    """A cross-account AssumeRole trust to a third party without `sts:ExternalId`."""
    for subject in context.project.trust_policies():
        yield from _findings("TL002", subject, _external_id_hits(context, subject))


def _external_id_hits(context: CheckContext, subject: PolicySubject) -> Iterator[_Hit]:
    directory = context.project.accounts
    if policy.denies_without_mfa(subject.document.statements):
        # Only a person's session carries MFA: no service acting for many customers
        # can use the role, so there is no confused deputy to defend against.
        return
    for statement in _allow_statements(subject):
        allows = policy.statement_allows_action(statement, policy.ASSUME_ROLE)
        if allows is False:
            continue
        principals = [
            p
            for p in statement.principals
            if p.kind == "aws" and not policy.is_wildcard_principal(p)
        ]
        if not principals:
            continue
        external_id = policy.has_external_id(statement)
        if external_id is True:
            continue
        mfa = policy.mfa_enforcement(statement)
        if mfa is True:
            continue
        fenced_orgs = policy.org_ids_fenced(statement)
        if fenced_orgs is not None and directory.in_organization(fenced_orgs):
            continue
        for principal in principals:
            yield from _external_id_hit(
                context,
                subject,
                statement,
                principal,
                undecided=allows is None or external_id is None or mfa is None,
            )


def _external_id_hit(
    context: CheckContext,
    subject: PolicySubject,
    statement: Statement,
    principal: Principal,
    undecided: bool,
) -> Iterator[_Hit]:
    text_value = _principal_text(principal)
    if isinstance(principal.value, Unknown):
        if context.strict:
            text = (
                f"trusts an AWS principal that cannot be resolved ({text_value}); if it is in "
                f"another organization's account, {EXTERNAL_ID_FIX}"
            )
            yield _Hit(statement, principal.location, text_value, "note", text, undecided=True)
        return
    account = policy.principal_account(principal)
    if account is None:
        return
    info = context.project.accounts.classify(account, subject.account)
    if info.kind not in (AccountKind.VENDOR, AccountKind.EXTERNAL):
        return
    who = _trusted_account(account, info, principal)
    if undecided or (info.kind is AccountKind.EXTERNAL and subject.account is None):
        if context.strict:
            text = (
                f"trusts {who}, and whether that needs sts:ExternalId cannot be resolved (an "
                "action, a condition or the role's own account is unresolved)"
            )
            yield _Hit(statement, principal.location, text_value, "note", text, undecided=True)
        return
    remark = _external_id_remark(statement)
    if info.kind is AccountKind.VENDOR:
        text = f"trusts {who} without sts:ExternalId; {EXTERNAL_ID_FIX}"
        yield _Hit(statement, principal.location, text_value, "error", text, remark)
        return
    if policy.is_user_principal(principal):
        text = (
            f"trusts {who} without sts:ExternalId or MFA; if a person signs in as that user, "
            f"{MFA_FIX}, else {EXTERNAL_ID_FIX} with the id agreed with the account's owner, "
            "or declare the account in accounts.internal if it is yours"
        )
    else:
        text = (
            f"trusts {who} without sts:ExternalId; {EXTERNAL_ID_FIX} with the id agreed "
            "with the account's owner, or declare the account in accounts.internal if it is yours"
        )
    yield _Hit(statement, principal.location, text_value, "warning", text, remark)


def _trusted_account(account: str, info: AccountInfo, principal: Principal) -> str:
    """`account 464622532012 (Datadog)`, or the principal's ARN and its account."""
    if info.kind is AccountKind.VENDOR and not info.name:
        info = AccountInfo(info.kind, "a third party")
    named = describe_account(account, info)
    if policy.is_account_root(principal):
        return named
    return f"{policy.display(_principal_text(principal))} of {named}"


# --- TL003 -------------------------------------------------------------------


def _user_category(account_kind: AccountKind, principal: Principal) -> str | None:
    """Which `require_mfa_for` entry a principal falls under, or None when no user gets in."""
    if account_kind not in (AccountKind.OWN, AccountKind.INTERNAL):
        return None
    if policy.is_user_principal(principal):
        return "users"
    if policy.is_account_root(principal):
        return "own-account-root" if account_kind is AccountKind.OWN else "internal-account-root"
    return None


@check("TL003")
def check_missing_mfa(context: CheckContext) -> Iterator[Finding]:
    """A trust that lets IAM users of its own or an internal account in without MFA."""
    options = context.options("TL003")
    required = frozenset(options.get("require_mfa_for", REQUIRE_MFA_FOR_DEFAULT))
    for subject in context.project.trust_policies():
        if policy.denies_without_mfa(subject.document.statements):
            continue
        yield from _findings("TL003", subject, _mfa_hits(context, subject, required))


def _mfa_hits(
    context: CheckContext, subject: PolicySubject, required: frozenset[str]
) -> Iterator[_Hit]:
    for statement in _allow_statements(subject):
        allows = policy.statement_allows_action(statement, policy.ASSUME_ROLE)
        if allows is False or policy.bypassable_mfa_conditions(statement):
            # A bypassable MFA condition is TL011's finding.
            continue
        enforced = policy.mfa_enforcement(statement)
        if enforced is True:
            continue
        for principal in statement.principals:
            account = policy.principal_account(principal)
            if principal.kind != "aws" or account is None:
                continue
            info = context.project.accounts.classify(account, subject.account)
            category = _user_category(info.kind, principal)
            if category is None or category not in required:
                continue
            to_roles = policy.narrows_to_roles(statement)
            if to_roles is True:
                continue
            who = _mfa_principal(account, info, principal)
            text_value = _principal_text(principal)
            if allows is None or enforced is None or to_roles is None:
                if context.strict:
                    text = f"trusts {who}, and whether a condition requires MFA cannot be resolved"
                    yield _Hit(
                        statement, principal.location, text_value, "note", text, undecided=True
                    )
                continue
            if category == "users":
                text = f"trusts {who} without requiring MFA; {MFA_FIX}"
            else:
                text = (
                    f"trusts {who} without requiring MFA, so any IAM user there whose policies "
                    f"allow sts:AssumeRole may assume it without MFA; {MFA_FIX}, or narrow "
                    "aws:PrincipalArn to the roles that need it"
                )
            yield _Hit(statement, principal.location, text_value, "warning", text)


def _mfa_principal(account: str, info: AccountInfo, principal: Principal) -> str:
    if policy.is_user_principal(principal):
        text = _principal_text(principal)
        shown = policy.display(text)
        # `display` names a user of the own account itself ("user alice of its own account").
        return f"IAM user {text}" if shown == text else f"IAM {shown}"
    return describe_account(account, info)


# --- TL009 -------------------------------------------------------------------


@check("TL009")
def check_not_principal_allow(context: CheckContext) -> Iterator[Finding]:
    """`NotPrincipal` with Allow in a trust policy: everyone but the listed principals."""
    for subject in context.project.trust_policies():
        yield from _findings("TL009", subject, _not_principal_hits(subject))


def _not_principal_hits(subject: PolicySubject) -> Iterator[_Hit]:
    for statement in _allow_statements(subject):
        if not statement.has_not_principal:
            continue
        excluded = ", ".join(policy.display(_principal_text(p)) for p in statement.not_principals)
        text = (
            "allows NotPrincipal in its trust policy, which admits every principal except "
            f"{excluded or 'the listed ones'} (and AWS rejects NotPrincipal in a trust policy); "
            "name the trusted principals in Principal instead"
        )
        location = statement.principal_location or statement.location
        yield _Hit(statement, location, "NotPrincipal", "error", text)


# --- TL010 -------------------------------------------------------------------

_CALL_FOR_KIND = {"aws": "sts:AssumeRole", "service": "sts:AssumeRole"}
_KIND_WORDS = {"aws": "AWS principals", "federated": "federated users", "service": "services"}


def _admitted_kinds(statement: Statement) -> list[str]:
    """The kinds of principal the statement admits, most exposed first.

    `"*"` and `NotPrincipal` admit AWS principals (every one, or all but a few).
    """
    kinds = {"aws" if p.kind == "*" else p.kind for p in statement.principals}
    if statement.has_not_principal:
        kinds.add("aws")
    return [kind for kind in ("aws", "federated", "service") if kind in kinds]


def _needed_calls(statement: Statement) -> str:
    """The assume call(s) the statement's principals make, for the fix."""
    calls: list[str] = []
    for principal in statement.principals:
        if principal.kind == "federated":
            call = (
                policy.ASSUME_ROLE_WITH_SAML
                if policy.is_saml_provider(principal)
                else policy.ASSUME_ROLE_WITH_WEB_IDENTITY
            )
        else:
            call = _CALL_FOR_KIND.get(principal.kind, policy.ASSUME_ROLE)
        if call not in calls:
            calls.append(call)
    if statement.has_not_principal and policy.ASSUME_ROLE not in calls:
        calls.insert(0, policy.ASSUME_ROLE)
    return " or ".join(calls) or policy.ASSUME_ROLE


def _too_broad(action: Value) -> str | None:
    """What an action pattern covers beyond one assume call, or None when it names one call."""
    if policy.is_action_wildcard(action):
        return "call every STS action on it (AssumeRole, TagSession, SetSourceIdentity...)"
    text = action.text
    if text is None or ("*" not in text and "?" not in text):
        return None
    covered = [a for a in policy.ASSUME_ACTIONS if policy.wildcard_match(text, a)]
    if len(covered) > 1:
        names = ", ".join(a.removeprefix("sts:") for a in covered)
        return f"call every assume action it covers ({names}...)"
    return None


@check("TL010")
def check_trust_action_wildcard(context: CheckContext) -> Iterator[Finding]:
    """`*`, `sts:*`, `sts:AssumeRole*` or `NotAction` in an Allow trust."""
    for subject in context.project.trust_policies():
        yield from _findings("TL010", subject, _action_wildcard_hits(subject))


def _action_wildcard_hits(subject: PolicySubject) -> Iterator[_Hit]:
    for statement in _allow_statements(subject):
        kinds = _admitted_kinds(statement)
        if not kinds:
            continue
        # Services assume only the role they are configured with: a note, not a warning.
        level: Level = "note" if kinds == ["service"] else "warning"
        who = " and ".join(_KIND_WORDS[kind] for kind in kinds)
        calls = _needed_calls(statement)
        for action in statement.actions:
            covers = _too_broad(action)
            if covers is None or action.text is None:
                continue
            text = (
                f'allows Action "{action.text}" in its trust policy, which lets the trusted '
                f"{who} {covers}; allow {calls}, plus sts:TagSession only if session tags are "
                "needed"
            )
            yield _Hit(statement, action.location, action.text, level, text)
        if statement.has_not_action:
            location = statement.action_location or statement.location
            text = (
                f"uses NotAction in an Allow of its trust policy, which allows the trusted {who} "
                f"every action it does not list; list the allowed actions in Action, such as "
                f"{calls}"
            )
            yield _Hit(statement, location, "NotAction", level, text)


# --- TL011 -------------------------------------------------------------------


@check("TL011")
def check_bypassable_mfa(context: CheckContext) -> Iterator[Finding]:
    """An MFA condition in an Allow that callers without MFA pass."""
    for subject in context.project.trust_policies():
        yield from _findings("TL011", subject, _bypass_hits(subject, identity=False))
    for subject in context.project.identity_policies():
        yield from _findings("TL011", subject, _bypass_hits(subject, identity=True))


def _bypass_hits(subject: PolicySubject, identity: bool) -> Iterator[_Hit]:
    for statement in _allow_statements(subject):
        if identity and _may_assume(statement) is False:
            # Identity policies matter here only where they grant role assumption.
            continue
        for condition, reason in policy.bypassable_mfa_conditions(statement):
            operator = condition.operator if isinstance(condition.operator, str) else "?"
            key = condition.key if isinstance(condition.key, str) else "?"
            caused_by_operator = (
                condition.if_exists
                or condition.qualifier == "ForAllValues"
                or condition.base_operator == "Null"
            )
            location = condition.operator_location if caused_by_operator else condition.location
            text = (
                f"requires MFA with {operator} {key}, which does not enforce it: {reason}; "
                f'use Bool aws:MultiFactorAuthPresent "true" instead'
            )
            yield _Hit(statement, location, f"{operator} {key}", "warning", text)
