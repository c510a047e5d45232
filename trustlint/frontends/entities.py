"""What the IaC front-ends share while building a unit: the entities built so far."""

from __future__ import annotations

from collections.abc import Iterable

from trustlint.model import (
    Group,
    GroupMembership,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    ParseError,
    PermissionSet,
    PolicyAttachment,
    PolicyKind,
    Resource,
    Role,
    SourceUnit,
    Suppression,
    Text,
    UnitFormat,
    User,
)
from trustlint.records import field, record

ORGANIZATION_POLICY_KINDS: dict[str, PolicyKind] = {
    "SERVICE_CONTROL_POLICY": "scp",
    # Resource control policies share the IAM policy grammar; the model has
    # no kind of their own for them yet.
    "RESOURCE_CONTROL_POLICY": "unknown",
}
"""Organization policy types that hold IAM policy language (tag and backup policies do not)."""


@record(frozen=False)
class EntityLists:
    """The entities a front-end has built, in the order built.

    Permission sets and organization policies are passed to `source_unit` apart:
    Terraform completes them with inline policies and targets only at the end.
    """

    roles: list[Role] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    managed_policies: list[ManagedPolicy] = field(default_factory=list)
    attachments: list[PolicyAttachment] = field(default_factory=list)
    memberships: list[GroupMembership] = field(default_factory=list)
    oidc_providers: list[OidcProvider] = field(default_factory=list)
    organizations: list[Resource] = field(default_factory=list)

    def source_unit(
        self,
        unit: str,
        unit_format: UnitFormat,
        paths: tuple[str, ...],
        *,
        account: Text | None = None,
        permission_sets: Iterable[PermissionSet] = (),
        organization_policies: Iterable[OrganizationPolicy] = (),
        suppressions: Iterable[Suppression] = (),
        errors: Iterable[ParseError] = (),
        notes: Iterable[str] = (),
    ) -> SourceUnit:
        return SourceUnit(
            unit=unit,
            format=unit_format,
            paths=paths,
            account=account,
            roles=tuple(self.roles),
            users=tuple(self.users),
            groups=tuple(self.groups),
            managed_policies=tuple(self.managed_policies),
            attachments=tuple(self.attachments),
            memberships=tuple(self.memberships),
            permission_sets=tuple(permission_sets),
            organization_policies=tuple(organization_policies),
            oidc_providers=tuple(self.oidc_providers),
            organizations=tuple(self.organizations),
            suppressions=tuple(suppressions),
            errors=tuple(errors),
            notes=tuple(notes),
        )
