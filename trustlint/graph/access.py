"""The questions TL004 and TL005 ask of the graph, answered without guessing.

- `admission`: does a role's trust policy admit a caller?
- `blocking`: does an explicit Deny in the caller's identity policies, its
  permissions boundary, or a service control policy on its account cancel
  the caller's `sts:AssumeRole` on a role, whatever grants it?
- `grant_access`: does the caller hold an effective grant on the role?
- `account_access`: does any principal of an account hold one (for trusts
  on an account root)?

Each answer that the files cannot decide says why, for `--strict` notes.
"""

from __future__ import annotations

from typing import Literal

from trustlint.graph.entities import Entity, HeldPolicy, PolicyEntity
from trustlint.graph.graph import ScpAttachment, TrustGraph, is_rcp
from trustlint.graph.matching import (
    Caller,
    caller_of,
    conditions_can_be_met,
    conditions_hold,
    statement_covers_role,
    statement_names_caller,
)
from trustlint.graph.organization import is_service_linked_role_path
from trustlint.graph.scope import and3, same_account
from trustlint.model import Location, OrganizationPolicy, PolicyDocument, SourceUnit, Statement
from trustlint.policy import ASSUME_ROLE, statement_allows_action
from trustlint.records import field, record


@record
class Verdict:
    value: bool | None
    reason: str = ""
    """Why the files cannot decide, when `value` is None."""


def admission(graph: TrustGraph, role: Entity, caller: Caller) -> Verdict:
    """Whether the role's trust policy admits the caller for `sts:AssumeRole`.

    Statements from both branches of a conditional count: the grant works in
    at least one deployment when any of them admits the caller.
    """
    trust = getattr(role.model, "trust_policy", None)
    if not isinstance(trust, PolicyDocument):
        return Verdict(None, f"{role.label} has no trust policy in the files")
    if trust.unknown is not None:
        return Verdict(None, f"the trust policy of {role.label} is unresolved")
    if trust.defects:
        return Verdict(None, f"the trust policy of {role.label} is malformed (see TL013)")
    scope, unit = graph.scope, role.unit
    admitted = False
    undecided = ""
    deny_undecided = ""
    for statement in trust.statements:
        acts = statement_allows_action(statement, ASSUME_ROLE)
        if acts is False:
            continue
        named = statement_names_caller(scope, statement, unit, caller)
        if named is False:
            continue
        if statement.is_allow:
            result = and3(acts, named, conditions_can_be_met(scope, statement, unit, caller, role))
            if result is True:
                admitted = True
            elif result is None:
                undecided = undecided or _undecided_statement(role, statement)
        elif statement.is_deny:
            result = and3(acts, named, conditions_hold(scope, statement, unit, caller, role))
            if result is True:
                return Verdict(False)
            if result is None:
                deny_undecided = deny_undecided or _undecided_statement(role, statement)
        else:
            undecided = undecided or f"{statement.label} of {role.label} has no known Effect"
    if admitted and not deny_undecided:
        return Verdict(True)
    if admitted or undecided:
        return Verdict(None, deny_undecided or undecided)
    return Verdict(False)


def _undecided_statement(role: Entity, statement: Statement) -> str:
    return (
        f"{statement.label} of the trust policy of {role.label} has a principal or condition "
        "that cannot be evaluated for this caller"
    )


# --- blockers -------------------------------------------------------------------------

BlockerKind = Literal["deny", "boundary", "scp", "rcp"]


@record
class Blocker:
    """Something on the caller's side that cancels its `sts:AssumeRole` on a role."""

    kind: BlockerKind
    description: str
    """What it is: `the explicit Deny DenyProd in Policy NoProd`."""
    effect: str
    """What it does, after "which": `denies sts:AssumeRole on it`."""
    location: Location


@record
class Blocking:
    blockers: tuple[Blocker, ...] = ()
    undecided: str = ""
    """Why it cannot be decided whether something blocks the call."""

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)


def blocking(graph: TrustGraph, caller: Caller, role: Entity) -> Blocking:
    """What cancels the caller's `sts:AssumeRole` on the role, whatever grants it."""
    blockers: list[Blocker] = []
    undecided = ""
    entity = caller.entity
    if entity is not None:
        holdings = graph.holdings(entity)
        for held in holdings.policies:
            for statement in held.document.statements:
                if not statement.is_deny:
                    continue
                denies = _denies(graph, statement, held.unit, caller, role)
                if denies is True and held.certain:
                    blockers.append(
                        Blocker(
                            "deny",
                            f"the explicit Deny {_named(statement)}in {held.owner}",
                            "denies sts:AssumeRole on it",
                            statement.location,
                        )
                    )
                elif denies is not False:
                    undecided = undecided or f"a Deny in {held.owner} may apply"
        boundary = holdings.boundary
        if boundary is not None:
            if boundary.policy is None or boundary.policy.model.document is None:
                undecided = undecided or (
                    f"the permissions boundary {boundary.value.text or boundary.value.value} "
                    "is not in the scanned files"
                )
            else:
                found, why = _boundary_blocks(graph, boundary.policy, caller, role)
                if found is not None:
                    blockers.append(found)
                undecided = undecided or why
    exempt = _scp_exempt(graph, caller)
    if exempt is not True:
        for attachment in graph.scps_for(caller.account):
            stops, why = _organization_policy_blocks(graph, attachment, caller, role, exempt)
            blockers.extend(stops)
            undecided = undecided or why
    rcp_exempt = graph.scope.organization.is_management(role.account)
    if rcp_exempt is not True:
        for attachment in graph.rcps_for(role.account):
            stops, why = _organization_policy_blocks(graph, attachment, caller, role, rcp_exempt)
            blockers.extend(stops)
            undecided = undecided or why
    return Blocking(tuple(blockers), "" if blockers else undecided)


def _scp_exempt(graph: TrustGraph, caller: Caller) -> bool | None:
    """Whether SCPs leave the caller alone: the management account and service-linked roles.

    None when the caller may be in the management account (its account is not known).
    """
    if caller.kind == "role" and is_service_linked_role_path(caller.path):
        return True
    return graph.scope.organization.is_management(caller.account)


def organization_policy_words(policy: OrganizationPolicy, how: str = "") -> str:
    """`service control policy deny-assume-role (aws_organizations_policy.deny, attached to ...)`.

    Its Name and its logical id or address: the two things a user searches the code for.
    """
    kind = "resource control policy" if is_rcp(policy) else "service control policy"
    address = policy.resource.address
    name = policy.name.text
    details = [address] if name and name != address else []
    if how:
        details.append(how)
    shown = name if name and name != address else address
    return f"{kind} {shown} ({', '.join(details)})" if details else f"{kind} {shown}"


def _organization_policy_blocks(
    graph: TrustGraph,
    attachment: ScpAttachment,
    caller: Caller,
    role: Entity,
    exempt: bool | None,
) -> tuple[list[Blocker], str]:
    """The Deny statements of one SCP or RCP that stop the call, and why it may be undecided."""
    document = attachment.policy.document
    label = organization_policy_words(attachment.policy)
    described = organization_policy_words(attachment.policy, attachment.how)
    kind: BlockerKind = "rcp" if is_rcp(attachment.policy) else "scp"
    if document is None or document.unknown is not None:
        return [], f"the {label} is unresolved"
    found: list[Blocker] = []
    undecided = ""
    for statement in document.statements:
        if not statement.is_deny:
            continue
        denies = _denies(graph, statement, attachment.unit, caller, role)
        if denies is True and attachment.applies is True and exempt is False:
            found.append(
                Blocker(
                    kind,
                    f"the {described}",
                    f"denies sts:AssumeRole on it in {statement.label}",
                    statement.location,
                )
            )
        elif denies is not False:
            undecided = undecided or f"the {label} may deny it"
    return found, undecided


def _named(statement: Statement) -> str:
    """`DenyProd ` for a statement with a Sid, else nothing."""
    return f"{statement.label} " if statement.sid is not None and statement.sid.text else ""


def _denies(
    graph: TrustGraph, statement: Statement, unit: SourceUnit, caller: Caller, role: Entity
) -> bool | None:
    return and3(
        statement_allows_action(statement, ASSUME_ROLE),
        statement_covers_role(graph.scope, statement, unit, role),
        conditions_hold(graph.scope, statement, unit, caller, role),
    )


def _boundary_words(boundary: PolicyEntity) -> str:
    """`ci-boundary (Boundary)`: the policy's name and its logical id or address."""
    address = boundary.model.resource.address
    name = boundary.model.name.text
    return f"{name} ({address})" if name and name != address else address


def _boundary_blocks(
    graph: TrustGraph, boundary: PolicyEntity, caller: Caller, role: Entity
) -> tuple[Blocker | None, str]:
    """Whether a permissions boundary stops the call: a Deny, or no Allow covering it."""
    document = boundary.model.document
    if document is None or document.unknown is not None or document.defects:
        return None, f"the permissions boundary {_boundary_words(boundary)} is unresolved"
    allowed: list[bool | None] = []
    for statement in document.statements:
        if statement.is_deny:
            denies = _denies(graph, statement, boundary.unit, caller, role)
            if denies is True:
                return (
                    Blocker(
                        "boundary",
                        f"the permissions boundary {_boundary_words(boundary)}",
                        f"denies sts:AssumeRole on it in {statement.label}",
                        statement.location,
                    ),
                    "",
                )
            if denies is None:
                words = _boundary_words(boundary)
                return None, f"a Deny in the permissions boundary {words} may apply"
        elif statement.is_allow:
            allowed.append(
                and3(
                    statement_allows_action(statement, ASSUME_ROLE),
                    statement_covers_role(graph.scope, statement, boundary.unit, role),
                    conditions_can_be_met(graph.scope, statement, boundary.unit, caller, role),
                )
            )
    if True in allowed:
        return None, ""
    if None in allowed:
        return None, f"the permissions boundary {_boundary_words(boundary)} may not allow it"
    return (
        Blocker(
            "boundary",
            f"the permissions boundary {_boundary_words(boundary)}",
            "does not allow sts:AssumeRole on it",
            boundary.model.resource.location,
        ),
        "",
    )


# --- grants -----------------------------------------------------------------------------

AccessState = Literal["effective", "blocked", "missing", "undecided"]


@record
class Access:
    """Whether principals hold an effective grant of `sts:AssumeRole` on a role."""

    state: AccessState
    blockers: tuple[Blocker, ...] = ()
    reason: str = ""
    """Why the state is `undecided`."""
    holders: tuple[Entity, ...] = field(default=())
    """For `blocked`: the principals whose grants are cancelled."""


@record
class GrantStatement:
    """An Allow of `sts:AssumeRole` (possibly) in a policy a principal holds."""

    held: HeldPolicy
    statement: Statement
    covers: bool | None


def grants_on(graph: TrustGraph, entity: Entity, role: Entity) -> tuple[list[GrantStatement], str]:
    """The statements the principal holds that allow `sts:AssumeRole` on the role.

    Returns the statements that certainly or possibly do, and why the answer
    is incomplete (a policy that is unresolved or outside the scanned files).
    """
    holdings = graph.holdings(entity)
    found: list[GrantStatement] = []
    incomplete = holdings.unknown[0] if holdings.unknown else ""
    for held in holdings.policies:
        if held.document.unknown is not None:
            incomplete = incomplete or f"a policy of {held.owner} is unresolved"
            continue
        for statement in held.document.statements:
            if not statement.is_allow:
                continue
            covers = and3(
                statement_allows_action(statement, ASSUME_ROLE),
                statement_covers_role(graph.scope, statement, held.unit, role),
            )
            if covers is False:
                continue
            if not held.certain:
                covers = None
            found.append(GrantStatement(held, statement, covers))
    return found, incomplete


def grant_access(graph: TrustGraph, principals: list[Entity], role: Entity) -> Access:
    """Whether the principals (one identity, perhaps defined twice) may assume the role."""
    states: list[Access] = [_entity_access(graph, entity, role) for entity in principals]
    return _combine(states)


def _entity_access(graph: TrustGraph, entity: Entity, role: Entity) -> Access:
    grants, incomplete = grants_on(graph, entity, role)
    if not grants and not incomplete:
        return Access("missing")
    certain = [grant for grant in grants if grant.covers is True]
    block = blocking(graph, caller_of(entity), role)
    if block.blocked:
        return Access("blocked", block.blockers, holders=(entity,))
    if certain and not block.undecided:
        return Access("effective")
    reason = block.undecided if certain else (incomplete or _possible(grants))
    return Access("undecided", reason=reason)


def _possible(grants: list[GrantStatement]) -> str:
    grant = grants[0]
    return f"{grant.statement.label} of {grant.held.owner} may allow it"


def _combine(states: list[Access]) -> Access:
    if not states:
        return Access("undecided", reason="no principal to evaluate")
    for state in ("effective", "undecided"):
        for access in states:
            if access.state == state:
                return access
    blocked = [access for access in states if access.state == "blocked"]
    if blocked:
        blockers = tuple(dict.fromkeys(b for access in blocked for b in access.blockers))
        holders = tuple(h for access in blocked for h in access.holders)
        return Access("blocked", blockers, holders=holders)
    return Access("missing")


def account_access(graph: TrustGraph, account: str, role: Entity) -> Access:
    """Whether any principal of `account` in the scanned set may assume the role.

    Principals whose account the files do not tie to `account` either way
    (a unit without a configured account) and policies held by nobody in the
    scanned set (a standalone policy, an unattached managed policy, a group
    without known members) may belong to that account: when one of them may
    allow it, the answer is undecided.
    """
    states: list[Access] = []
    for entity in graph.assume_candidates():
        same = same_account(entity.account, account)
        if same is False:
            continue
        access = _entity_access(graph, entity, role)
        if same is None and access.state != "missing":
            access = Access("undecided", reason=f"{entity.label} may be in account {account}")
        states.append(access)
    for group in graph.groups:
        if same_account(group.account, account) is False:
            continue
        if graph.members(group) and not graph.members_incomplete(group):
            continue  # its members were evaluated with the group's policies
        grants, _ = grants_on(graph, group, role)
        if grants:
            states.append(Access("undecided", reason=f"{group.label} may have members outside"))
    states.extend(_unheld_grants(graph, account, role))
    return _combine(states) if states else Access("missing")


def _unheld_grants(graph: TrustGraph, account: str, role: Entity) -> list[Access]:
    """Grants in policies that no scanned principal holds, in units that may be `account`."""
    found: list[Access] = []
    for subject in graph.unheld_identity_policies():
        document = subject.document
        unit_account = graph.scope.account(subject.unit, subject.account)
        if subject.account is not None and same_account(unit_account, account) is False:
            continue
        for statement in document.statements:
            if not statement.is_allow:
                continue
            covers = and3(
                statement_allows_action(statement, ASSUME_ROLE),
                statement_covers_role(graph.scope, statement, subject.unit, role),
            )
            if covers is not False:
                found.append(
                    Access("undecided", reason=f"{subject.owner} may be held in account {account}")
                )
                break
    return found
