"""Everything the scan read, as one project: the units and their policies, by role.

Checks iterate policies through here, so a rule never needs to know whether a
trust policy came from a role, a standalone JSON file or an account export.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from trustlint.accounts import AccountDirectory
from trustlint.config import Config
from trustlint.model import (
    THIS_ACCOUNT,
    Group,
    Location,
    ManagedPolicy,
    PolicyDocument,
    Role,
    SourceUnit,
    Unknown,
    User,
)
from trustlint.records import record

Principal = Role | User | Group
AWS_MANAGED = "aws"
"""The account field of AWS managed policy ARNs (`arn:aws:iam::aws:policy/...`)."""


@record
class PolicySubject:
    """A policy document together with what it belongs to."""

    unit: SourceUnit
    document: PolicyDocument
    owner: str
    """How messages name the owner: `Role DataIngestionRole`, `trust policy trust.json`."""
    owner_location: Location
    account: str | None
    """The owner's account: a literal id, `THIS_ACCOUNT` (the unit's), or None when unknown."""
    role: Role | None = None
    entity: Role | User | Group | ManagedPolicy | None = None


def entity_label(kind: str, address: str) -> str:
    return f"{kind} {address}"


class Project:
    def __init__(self, units: list[SourceUnit], config: Config) -> None:
        self.units = sorted(units, key=lambda unit: unit.unit)
        self.config = config

    @cached_property
    def accounts(self) -> AccountDirectory:
        return AccountDirectory(
            internal=self.config.internal_accounts,
            third_party=self.config.third_party_accounts,
            organization_ids=self.config.organization_ids,
        )

    def unit_account(self, unit: SourceUnit) -> str | None:
        """A unit's account: stated by the source, configured for its path, or `THIS_ACCOUNT`."""
        if isinstance(unit.account, str):
            return unit.account
        if isinstance(unit.account, Unknown):
            return None
        for path in (unit.unit, *unit.paths):
            configured = self.config.account_for_path(path)
            if configured is not None:
                return configured
        return THIS_ACCOUNT

    def known_unit_account(self, unit: SourceUnit) -> str | None:
        """A unit's account when the source states it or the config sets it, else None.

        For a document whose role is unknown (`SourceUnit.trust_documents`): the
        role may be created anywhere, so "this unit's account" says nothing of it.
        """
        account = self.unit_account(unit)
        return None if account == THIS_ACCOUNT else account

    def entity_account(self, unit: SourceUnit, account: object) -> str | None:
        """An entity's account with `THIS_ACCOUNT` replaced by its unit's account."""
        if isinstance(account, Unknown):
            return None
        if account is None or account == THIS_ACCOUNT:
            return self.unit_account(unit)
        return str(account)

    def roles(self) -> Iterator[tuple[SourceUnit, Role]]:
        for unit in self.units:
            for role in unit.roles:
                yield unit, role

    def trust_policies(self) -> Iterator[PolicySubject]:
        """Every trust policy: on roles, and standalone trust documents."""
        for unit in self.units:
            for role in unit.roles:
                if role.trust_policy is None:
                    continue
                yield PolicySubject(
                    unit,
                    role.trust_policy,
                    entity_label("Role", role.resource.address),
                    role.resource.location,
                    self.entity_account(unit, role.account),
                    role,
                    role,
                )
            for document in unit.documents:
                if document.kind == "trust":
                    yield PolicySubject(
                        unit,
                        document,
                        f"trust policy {unit.unit}",
                        document.location,
                        self.unit_account(unit),
                    )
            for trust_document in unit.trust_documents:
                yield PolicySubject(
                    unit,
                    trust_document.document,
                    f"Trust policy document {trust_document.name}",
                    trust_document.location,
                    self.known_unit_account(unit),
                )

    def identity_policies(self) -> Iterator[PolicySubject]:
        """Every identity policy: inline, managed, attached separately, or standalone."""
        for unit in self.units:
            for entity_kind, entities in (
                ("Role", unit.roles),
                ("User", unit.users),
                ("Group", unit.groups),
            ):
                for entity in entities:
                    for document in entity.inline_policies:
                        yield PolicySubject(
                            unit,
                            document,
                            entity_label(entity_kind, entity.resource.address),
                            entity.resource.location,
                            self.entity_account(unit, entity.account),
                            entity if isinstance(entity, Role) else None,
                            entity,
                        )
            for policy in unit.managed_policies:
                # AWS managed policies (in an account export) are AWS's text,
                # not the project's: what matters is who they are attached to.
                if policy.document is not None and policy.account != AWS_MANAGED:
                    yield PolicySubject(
                        unit,
                        policy.document,
                        entity_label("Policy", policy.resource.address),
                        policy.resource.location,
                        self.entity_account(unit, policy.account),
                        None,
                        policy,
                    )
            for attachment in unit.attachments:
                if attachment.document is not None:
                    yield PolicySubject(
                        unit,
                        attachment.document,
                        entity_label("Policy", attachment.resource.address),
                        attachment.resource.location,
                        self.unit_account(unit),
                    )
            for permission_set in unit.permission_sets:
                if permission_set.inline_policy is not None:
                    yield PolicySubject(
                        unit,
                        permission_set.inline_policy,
                        entity_label("PermissionSet", permission_set.resource.address),
                        permission_set.resource.location,
                        None,
                    )
            for document in unit.documents:
                if document.kind == "identity":
                    yield PolicySubject(
                        unit,
                        document,
                        f"policy {unit.unit}",
                        document.location,
                        self.unit_account(unit),
                    )

    def all_documents(self) -> Iterator[PolicySubject]:
        """Trust, identity and standalone resource policies, then boundaries' and SCPs'."""
        yield from self.trust_policies()
        yield from self.identity_policies()
        for unit in self.units:
            for document in unit.documents:
                if document.kind == "resource":
                    yield PolicySubject(
                        unit, document, f"resource policy {unit.unit}", document.location, None
                    )
            for org_policy in unit.organization_policies:
                if org_policy.document is not None:
                    yield PolicySubject(
                        unit,
                        org_policy.document,
                        entity_label("OrganizationPolicy", org_policy.resource.address),
                        org_policy.resource.location,
                        None,
                    )
