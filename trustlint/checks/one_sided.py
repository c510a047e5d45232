"""One-sided cross-account access: TL004 grant-without-trust, TL005 trust-without-grant.

Both join identity policies and trust policies across files and formats
through the trust graph. Neither guesses: a role, principal or account the
files do not tie down, a policy outside the scanned set, or a condition that
cannot be evaluated makes the rule silent (a `--strict` note says why).

TL005 on an account root (`arn:aws:iam::A:root`, a bare account id): the
trust delegates to account A's identity policies, so it is reported only when
some scanned unit deploys into A, no principal of A in the scanned set holds
an effective grant on the role, and nothing in the scanned set that may
belong to A (a principal of an unconfigured unit, a policy attached to
nobody, a policy outside the files) may grant it. A root of the role's own
account is not reported: TL005 is about trust between accounts.
"""

from __future__ import annotations

from collections.abc import Iterator

from trustlint.checks import CheckContext, check
from trustlint.checks.wording import statement_clause
from trustlint.findings import Finding, RelatedLocation
from trustlint.graph import TrustGraph
from trustlint.graph.access import Access, account_access, admission, grant_access
from trustlint.graph.entities import Entity, EntityKind, HeldPolicy
from trustlint.graph.matching import (
    Caller,
    caller_of,
    conditions_can_be_met,
    exact_role_target,
    resource_matches_role,
)
from trustlint.graph.scope import is_literal_account, is_placeholder, same_account
from trustlint.model import PolicyDocument, Principal, Statement, Value
from trustlint.policy import ASSUME_ROLE, statement_allows_action

TL004 = "TL004"
TL005 = "TL005"


# --- TL004 ----------------------------------------------------------------------------


@check(TL004)
def check_grant_without_trust(context: CheckContext) -> Iterator[Finding]:
    """An identity grant of `sts:AssumeRole` on a scanned role whose trust does not admit it."""
    graph = context.graph
    seen: set[Finding] = set()
    for caller, held in _callers_and_policies(graph):
        for statement in held.document.statements:
            if not statement.is_allow or statement.has_not_resource:
                continue
            if statement_allows_action(statement, ASSUME_ROLE) is not True:
                continue
            for value in statement.resources:
                for finding in _unadmitted_grant(context, caller, held, statement, value):
                    if finding not in seen:
                        seen.add(finding)
                        yield finding


def _callers_and_policies(graph: TrustGraph) -> Iterator[tuple[Caller, HeldPolicy]]:
    """Each caller with each policy it certainly holds.

    A group's policies reach its known members; a group without known members
    is evaluated as "any member", which a trust naming specific users cannot
    be said to exclude.
    """
    for entity in graph.callers():
        for held in graph.holdings(entity).policies:
            if held.certain:
                yield caller_of(entity), held
    for group in graph.groups:
        if any(membership.certain for membership in graph.members(group)):
            continue
        caller = Caller(
            "user",
            group.account,
            None,
            None,
            None,
            group.model.partition,
            f"any member of {group.label}",
        )
        for held in graph.holdings(group).policies:
            if held.certain:
                yield caller, held


def _unadmitted_grant(
    context: CheckContext,
    caller: Caller,
    held: HeldPolicy,
    statement: Statement,
    value: Value,
) -> Iterator[Finding]:
    graph = context.graph
    target = exact_role_target(graph.scope, value, held.unit)
    if target is None:
        return
    for role in graph.entities("role", target.account, target.name):
        if resource_matches_role(graph.scope, value, held.unit, role) is not True:
            continue
        trust = getattr(role.model, "trust_policy", None)
        verdict = admission(graph, role, caller)
        by = _policy(held, statement, caller)
        if verdict.value is False and isinstance(trust, PolicyDocument):
            yield Finding(
                TL004,
                "warning",
                f"{caller.label} is granted sts:AssumeRole on {_role(graph, role)} by {by}, "
                f"but the trust policy of {role.label} does not admit "
                f"{_principal(graph, caller)}: the call will fail; add "
                f"{_principal_hint(graph, caller)} to the trust policy, or remove the grant",
                value.location,
                resource=held.owner,
                resource_location=held.owner_location,
                statement=statement.label,
                subject=f"{caller.label} -> {value.text}",
                related=(RelatedLocation(trust.location, f"the trust policy of {role.label}"),),
            )
        elif verdict.value is None and context.strict:
            yield Finding(
                TL004,
                "note",
                f"cannot decide: whether the trust policy of {role.label} admits {caller.label}, "
                f"granted sts:AssumeRole on it by {by}: {verdict.reason}",
                value.location,
                resource=held.owner,
                resource_location=held.owner_location,
                statement=statement.label,
                subject=f"{caller.label} -> {value.text}",
            )


# --- TL005 ----------------------------------------------------------------------------


@check(TL005)
def check_trust_without_grant(context: CheckContext) -> Iterator[Finding]:
    """A cross-account trust on a scanned principal that holds no effective grant."""
    graph = context.graph
    for role in graph.roles:
        trust = getattr(role.model, "trust_policy", None)
        if not isinstance(trust, PolicyDocument) or trust.unknown is not None:
            continue
        for statement in trust.statements:
            if (
                not statement.is_allow
                or statement_allows_action(statement, ASSUME_ROLE) is not True
            ):
                continue
            for principal in statement.principals:
                yield from _one_sided_trust(context, graph, role, statement, principal)


def _one_sided_trust(
    context: CheckContext,
    graph: TrustGraph,
    role: Entity,
    statement: Statement,
    principal: Principal,
) -> Iterator[Finding]:
    if principal.kind != "aws" or not isinstance(principal.value, str):
        return
    resolved = graph.scope.resolve_arn(role.unit, principal.value)
    if resolved is None or resolved.account is None or not is_literal_account(resolved.account):
        return
    account = resolved.account
    if same_account(account, role.account) is not False:
        return  # same account, or the files cannot tell
    resource_type = resolved.arn.resource_type
    principals: list[Entity] = []
    if resource_type == "root":
        if account not in graph.accounts_in_scope:
            return
        access = account_access(graph, account, role)
        trusted = f"account {account}"
    elif resource_type in ("role", "assumed-role", "user"):
        kind: EntityKind = "user" if resource_type == "user" else "role"
        principals = graph.entities(kind, account, resolved.name)
        if not principals:
            return  # outside the scanned set: external, never a finding
        caller = caller_of(principals[0])
        if conditions_can_be_met(graph.scope, statement, role.unit, caller, role) is False:
            return
        access = grant_access(graph, principals, role)
        trusted = f"{principals[0].label} of account {account}"
    else:
        return
    if access.state in ("effective",):
        return
    if access.state == "undecided":
        if context.strict:
            yield _tl005(
                role,
                statement,
                principal,
                f"cannot decide: whether {trusted}, which {role.label} trusts, may assume it: "
                f"{access.reason}",
            )
        return
    yield _tl005(
        role,
        statement,
        principal,
        _missing_grant_message(
            graph, role, statement, trusted=trusted, principals=principals, access=access
        ),
        _related(role, principals, access),
    )


def _missing_grant_message(
    graph: TrustGraph,
    role: Entity,
    statement: Statement,
    *,
    trusted: str,
    principals: list[Entity],
    access: Access,
) -> str:
    target = _role(graph, role)
    head = f"{target} trusts {trusted}{statement_clause(statement)}"
    if access.state == "blocked":
        blockers = "; and ".join(
            f"{blocker.description}, which {blocker.effect}" for blocker in access.blockers
        )
        holders = ", ".join(dict.fromkeys(holder.label for holder in access.holders))
        return (
            f"{head}, but the sts:AssumeRole grant of {holders} on {role.label} is cancelled by "
            f"{blockers}: the call will fail; lift the block for this role, or remove the trust"
        )
    if not principals:
        return (
            f"{head}, but no principal of that account in the scanned files is allowed "
            f"sts:AssumeRole on {role.label}: cross-account access needs both sides; grant "
            f"sts:AssumeRole on {_role_arn(graph, role)} to the principals that should assume "
            "it, or remove the trust"
        )
    return (
        f"{head}, but no identity policy of {principals[0].label} allows sts:AssumeRole on "
        f"{role.label}: cross-account access needs both sides; grant sts:AssumeRole on "
        f"{_role_arn(graph, role)} to {principals[0].label}, or remove the trust"
    )


def _related(role: Entity, principals: list[Entity], access: Access) -> tuple[RelatedLocation, ...]:
    related = [
        RelatedLocation(entity.location, f"{entity.label} is defined here") for entity in principals
    ]
    for blocker in access.blockers:
        effect = blocker.effect.replace(" on it", f" on {role.label}")
        text = f"{blocker.description} {effect}"
        related.append(RelatedLocation(blocker.location, text[0].upper() + text[1:]))
    return tuple(dict.fromkeys(related))


def _tl005(
    role: Entity,
    statement: Statement,
    principal: Principal,
    message: str,
    related: tuple[RelatedLocation, ...] = (),
) -> Finding:
    return Finding(
        TL005,
        "note",
        message,
        principal.location,
        resource=role.label,
        resource_location=role.location,
        statement=statement.label,
        subject=str(principal.value),
        related=related,
    )


# --- words ----------------------------------------------------------------------------


def _policy(held: HeldPolicy, statement: Statement, caller: Caller) -> str:
    where = f"{statement.label}{statement_clause(statement)}"
    name = held.document.name
    named = f" {name}" if isinstance(name, str) and name else ""
    if held.owner == caller.label:
        return f"its inline policy{named} ({where})"
    if held.via == f"through {held.owner}":
        return f"the inline policy{named} of {held.owner} ({where})"
    via = f" {held.via}" if held.via else ""
    return f"{held.owner} ({where}){via}"


def _role(graph: TrustGraph, role: Entity) -> str:
    if role.account is not None and is_literal_account(role.account):
        return f"{role.label} (account {role.account})"
    return role.label


def _principal(graph: TrustGraph, caller: Caller) -> str:
    if caller.account is not None and is_literal_account(caller.account):
        return f"{caller.label} (account {caller.account})"
    return caller.label


def _arn(partition: str, account: str | None, kind: str, path: str | None, name: str | None) -> str:
    if account is None or not is_literal_account(account):
        return ""
    if path is None or name is None or is_placeholder(name) or "<" in name:
        return ""
    return f"arn:{partition}:iam::{account}:{kind}{path}{name}"


def _principal_hint(graph: TrustGraph, caller: Caller) -> str:
    if caller.name is None:
        return "the members' ARNs (or their account root)"
    arn = _arn(caller.partition, caller.account, caller.kind, caller.path, caller.display_name)
    return arn or f"the ARN of {caller.label}"


def _role_arn(graph: TrustGraph, role: Entity) -> str:
    arn = _arn(role.model.partition, role.account, "role", role.path, role.display_name)
    return arn or "it"
