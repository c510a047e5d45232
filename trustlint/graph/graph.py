"""The trust graph: every principal of the scanned set, indexed, with what it holds.

Built once per scan in linear time. Roles, users, groups and managed policies
are indexed by (account key, name key), so a grant, a trust principal or an
attachment finds its entity without comparing it with every other one; names
generated at deploy time are unit-scoped (see `scope`), which is the "unit
reference" index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from trustlint.graph.aws_managed import grants_no_assume_role
from trustlint.graph.entities import (
    Boundary,
    Entity,
    EntityKind,
    HeldPolicy,
    Holdings,
    PolicyEntity,
)
from trustlint.graph.scope import Scope, same_account
from trustlint.model import (
    Group,
    OrganizationPolicy,
    PolicyAttachment,
    Role,
    SourceUnit,
    User,
    Value,
)
from trustlint.policy import ASSUME_ROLE, statement_allows_action
from trustlint.project import PolicySubject, Project
from trustlint.records import record

EntityKey = tuple[EntityKind, str | None, str | None]
SCP_TYPE = "SERVICE_CONTROL_POLICY"
RCP_TYPE = "RESOURCE_CONTROL_POLICY"


def is_rcp(policy: OrganizationPolicy) -> bool:
    kind = policy.policy_type
    return isinstance(kind, str) and kind.upper() == RCP_TYPE


@record
class Membership:
    entity: Entity
    certain: bool


@record
class ScpAttachment:
    """A service control policy of the scanned set and whether it covers an account."""

    policy: OrganizationPolicy
    unit: SourceUnit
    applies: bool | None
    how: str
    """`attached to account 111111111111`, `attached to the organization root r-ab12`."""


class TrustGraph:
    """The principals, policies and service control policies of one project."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.scope = Scope(project)
        self.roles: list[Entity] = []
        self.users: list[Entity] = []
        self.groups: list[Entity] = []
        self.policies: list[PolicyEntity] = []
        self._entities: dict[EntityKey, list[Entity]] = defaultdict(list)
        self._entities_by_name: dict[tuple[EntityKind, str | None], list[Entity]] = defaultdict(
            list
        )
        self._policies: dict[tuple[str | None, str | None], list[PolicyEntity]] = defaultdict(list)
        self._policies_by_name: dict[str | None, list[PolicyEntity]] = defaultdict(list)
        self._attached: dict[int, list[tuple[PolicyAttachment, SourceUnit, bool]]] = defaultdict(
            list
        )
        self._floating: list[tuple[PolicyAttachment, SourceUnit]] = []
        self._groups_of: dict[int, list[Membership]] = defaultdict(list)
        self._members: dict[int, list[Membership]] = defaultdict(list)
        self._membership_unknown: dict[int, list[str]] = defaultdict(list)
        self._group_members_unknown: set[int] = set()
        self._holdings: dict[int, Holdings] = {}
        self._scps: list[tuple[OrganizationPolicy, SourceUnit]] = []
        self._candidates: list[Entity] | None = None
        self._unheld: list[PolicySubject] | None = None
        self.accounts_in_scope: set[str] = set()
        """Account keys that some scanned unit deploys into (or that an export states)."""
        self._build()

    # --- building ------------------------------------------------------------

    def _build(self) -> None:
        scope = self.scope
        for unit in self.project.units:
            self.accounts_in_scope.add(scope.unit_account(unit))
            kinds: tuple[tuple[EntityKind, tuple[Role | User | Group, ...]], ...] = (
                ("role", unit.roles),
                ("user", unit.users),
                ("group", unit.groups),
            )
            for kind, models in kinds:
                for model in models:
                    self._add_entity(kind, unit, model)
            for policy in unit.managed_policies:
                resolved = (
                    scope.resolve_arn(unit, policy.arn) if isinstance(policy.arn, str) else None
                )
                if resolved is not None:
                    account, name = resolved.account, resolved.name
                else:
                    account = scope.account(unit, policy.account)
                    name = scope.name(unit, policy.name.value)
                entry = PolicyEntity(unit, policy, account, name)
                self.policies.append(entry)
                self._policies[(account, name)].append(entry)
                self._policies_by_name[name].append(entry)
            self._scps.extend((policy, unit) for policy in unit.organization_policies)
        for entity in (*self.roles, *self.users, *self.groups):
            if entity.account is not None:
                self.accounts_in_scope.add(entity.account)
        for unit in self.project.units:
            for attachment in unit.attachments:
                self._add_attachment(unit, attachment)
            for membership in unit.memberships:
                groups = self._resolve(unit, "group", membership.group)
                for user_value in membership.users:
                    users = self._resolve(unit, "user", user_value)
                    if not users.definite and not users.possible:
                        self._group_members_unknown.update(id(g) for g in groups.all)
                    for user in users.all:
                        self._join(user, groups, membership.group, certain=user in users.definite)
        for user in self.users:
            for group_value in getattr(user.model, "groups", ()):
                groups = self._resolve(user.unit, "group", group_value)
                self._join(user, groups, group_value, certain=True)

    def _add_entity(self, kind: EntityKind, unit: SourceUnit, model: Role | User | Group) -> None:
        account = self.scope.account(unit, model.account)
        name = self.scope.name(unit, model.name.value)
        if isinstance(model.arn, str) and model.account is None:
            resolved = self.scope.resolve_arn(unit, model.arn)
            if resolved is not None:
                account = resolved.account
        entity = Entity(kind, unit, model, account, name)
        {"role": self.roles, "user": self.users, "group": self.groups}[kind].append(entity)
        self._entities[(kind, account, name)].append(entity)
        self._entities_by_name[(kind, name)].append(entity)

    def _add_attachment(self, unit: SourceUnit, attachment: PolicyAttachment) -> None:
        targets = self._resolve(unit, attachment.target_kind, attachment.target)
        if attachment.target.text is None:
            self._floating.append((attachment, unit))
            return
        for entity in targets.definite:
            self._attached[id(entity)].append((attachment, unit, True))
        for entity in targets.possible:
            self._attached[id(entity)].append((attachment, unit, False))

    def _join(self, user: Entity, groups: _Resolution, written: Value, *, certain: bool) -> None:
        if not groups.definite and not groups.possible:
            what = written.text or str(written.value)
            self._membership_unknown[id(user)].append(
                f"{user.label} is in group {what}, which is not in the scanned files"
            )
            return
        for group in groups.all:
            member_certain = certain and group in groups.definite
            self._groups_of[id(user)].append(Membership(group, member_certain))
            self._members[id(group)].append(Membership(user, member_certain))

    # --- lookups -------------------------------------------------------------

    def entities(self, kind: EntityKind, account: str | None, name: str | None) -> list[Entity]:
        """The entities that certainly have this account and name."""
        if account is None or name is None:
            return []
        return self._entities.get((kind, account, name), [])

    def _resolve(self, unit: SourceUnit, kind: EntityKind, value: Value) -> _Resolution:
        """A name written in `unit` as the entities it certainly or possibly names."""
        name = self.scope.name(unit, value.value)
        if name is None:
            return _Resolution([], [])
        account = self.scope.unit_account(unit)
        definite = list(self._entities.get((kind, account, name), []))
        possible = [
            entity
            for entity in self._entities_by_name.get((kind, name), [])
            if same_account(entity.account, account) is None
        ]
        return _Resolution(definite, possible)

    def resolve_policy(
        self, unit: SourceUnit, text: str
    ) -> tuple[list[PolicyEntity], list[PolicyEntity]]:
        """A managed policy ARN written in `unit`: (certainly, possibly) the scanned policies."""
        resolved = self.scope.resolve_arn(unit, text)
        if resolved is None or resolved.arn.resource_type != "policy" or resolved.name is None:
            return [], []
        definite = list(self._policies.get((resolved.account, resolved.name), []))
        possible = [
            policy
            for policy in self._policies_by_name.get(resolved.name, [])
            if same_account(policy.account, resolved.account) is None
        ]
        return definite, possible

    def members(self, group: Entity) -> list[Membership]:
        return self._members.get(id(group), [])

    def members_incomplete(self, group: Entity) -> bool:
        """True when a membership names a user the files cannot resolve."""
        return id(group) in self._group_members_unknown

    def assume_candidates(self) -> list[Entity]:
        """Roles and users that hold, or may hold, an Allow of `sts:AssumeRole` on something."""
        if self._candidates is None:
            self._candidates = [
                entity for entity in self.callers() if _may_allow_assume(self.holdings(entity))
            ]
        return self._candidates

    def unheld_identity_policies(self) -> list[PolicySubject]:
        """Identity policies of the scanned set that no scanned principal holds."""
        if self._unheld is None:
            held = {
                id(policy.document)
                for entity in (*self.callers(), *self.groups)
                for policy in self.holdings(entity).policies
            }
            self._unheld = [
                subject
                for subject in self.project.identity_policies()
                if id(subject.document) not in held
            ]
        return self._unheld

    def callers(self) -> Iterator[Entity]:
        """Roles and users: the principals that call `sts:AssumeRole` themselves."""
        yield from self.roles
        yield from self.users

    # --- holdings ------------------------------------------------------------

    def holdings(self, entity: Entity) -> Holdings:
        """The policies a principal holds, cached."""
        cached = self._holdings.get(id(entity))
        if cached is None:
            cached = self._build_holdings(entity)
            self._holdings[id(entity)] = cached
        return cached

    def _build_holdings(self, entity: Entity) -> Holdings:
        holdings = Holdings()
        model = entity.model
        for document in model.inline_policies:
            holdings.policies.append(
                HeldPolicy(document, entity.unit, entity.label, entity.location)
            )
        for value in model.managed_policy_arns:
            self._hold_managed(holdings, value, entity.unit, via="", certain=True)
        for attachment, unit, certain in self._attached.get(id(entity), []):
            self._hold_attachment(holdings, attachment, unit, certain)
        for attachment, unit in self._floating:
            if attachment.target_kind == entity.kind and (
                same_account(self.scope.unit_account(unit), entity.account) is not False
            ):
                self._hold_attachment(holdings, attachment, unit, certain=False)
        if entity.kind == "user":
            holdings.unknown.extend(self._membership_unknown.get(id(entity), []))
            for membership in self._groups_of.get(id(entity), []):
                group = membership.entity
                group_holdings = self.holdings(group)
                via = f"through {group.label}"
                for held in group_holdings.policies:
                    holdings.policies.append(
                        HeldPolicy(
                            held.document,
                            held.unit,
                            held.owner,
                            held.owner_location,
                            via=f"{held.via} {via}".strip() if held.via else via,
                            certain=held.certain and membership.certain,
                        )
                    )
                holdings.unknown.extend(group_holdings.unknown)
        boundary = getattr(model, "permissions_boundary", None)
        if isinstance(boundary, Value):
            holdings.boundary = Boundary(boundary, self._boundary_policy(entity.unit, boundary))
        return holdings

    def _hold_attachment(
        self, holdings: Holdings, attachment: PolicyAttachment, unit: SourceUnit, certain: bool
    ) -> None:
        label = f"Policy {attachment.resource.address}"
        if attachment.document is not None:
            holdings.policies.append(
                HeldPolicy(
                    attachment.document, unit, label, attachment.resource.location, certain=certain
                )
            )
        elif attachment.policy_arn is not None:
            self._hold_managed(holdings, attachment.policy_arn, unit, via="", certain=certain)

    def _hold_managed(
        self, holdings: Holdings, value: Value, unit: SourceUnit, *, via: str, certain: bool
    ) -> None:
        text = value.text
        if text is None:
            holdings.unknown.append(f"the managed policy {value.value} is unresolved")
            return
        definite, possible = self.resolve_policy(unit, text)
        found = [(policy, certain) for policy in definite]
        found += [(policy, False) for policy in possible]
        if not found and grants_no_assume_role(text):
            return
        if not found:
            holdings.unknown.append(f"the managed policy {text} is not in the scanned files")
        for policy, policy_certain in found:
            document = policy.model.document
            if document is None:
                holdings.unknown.append(f"{policy.label} has no readable document")
                continue
            holdings.policies.append(
                HeldPolicy(
                    document,
                    policy.unit,
                    policy.label,
                    policy.model.resource.location,
                    via=via,
                    certain=policy_certain,
                )
            )

    def _boundary_policy(self, unit: SourceUnit, value: Value) -> PolicyEntity | None:
        if value.text is None:
            return None
        definite, _ = self.resolve_policy(unit, value.text)
        return definite[0] if len(definite) == 1 else None

    # --- service control policies ---------------------------------------------

    def scps_for(self, account: str | None) -> list[ScpAttachment]:
        """The service control policies of the scanned set that may cover `account`."""
        return self._organization_policies_for(account, SCP_TYPE)

    def rcps_for(self, account: str | None) -> list[ScpAttachment]:
        """The resource control policies of the scanned set that may cover `account`'s roles."""
        return self._organization_policies_for(account, RCP_TYPE)

    def _organization_policies_for(self, account: str | None, wanted: str) -> list[ScpAttachment]:
        found = []
        for policy, unit in self._scps:
            kind = policy.policy_type
            if isinstance(kind, str) and kind.upper() != wanted:
                continue
            is_scp = True if isinstance(kind, str) else None
            for target in policy.targets:
                applies, how = self._target_covers(unit, target, account)
                if applies is False:
                    continue
                if is_scp is None:
                    applies = None
                found.append(ScpAttachment(policy, unit, applies, how))
        return found

    def _target_covers(
        self, unit: SourceUnit, target: Value, account: str | None
    ) -> tuple[bool | None, str]:
        text = target.text
        if text is None:
            return None, f"attached to {target.value}"
        if text.startswith("r-"):
            return True, f"attached to the organization root {text}"
        if text.startswith("ou-"):
            accounts = self.project.config.organizational_units.get(text)
            if accounts is None:
                return None, f"attached to OU {text}"
            contains = [same_account(member, account) for member in accounts]
            if True in contains:
                holds = self.scope.describe_account(account)
                return True, f"attached to OU {text}, which holds {holds}"
            return (None if None in contains else False), f"attached to OU {text}"
        key = self.scope.account(unit, text)
        return same_account(key, account), f"attached to {self.scope.describe_account(key)}"


def _may_allow_assume(holdings: Holdings) -> bool:
    if holdings.unknown:
        return True
    for held in holdings.policies:
        if held.document.unknown is not None:
            return True
        for statement in held.document.statements:
            if statement.is_allow and statement_allows_action(statement, ASSUME_ROLE) is not False:
                return True
    return False


@record
class _Resolution:
    definite: list[Entity]
    possible: list[Entity]

    @property
    def all(self) -> list[Entity]:
        return [*self.definite, *self.possible]


def build_graph(project: Project) -> TrustGraph:
    return TrustGraph(project)
