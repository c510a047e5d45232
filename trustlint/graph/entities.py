"""The IAM principals of the scanned set and the policies each one holds.

A principal holds its inline policies, the managed policies attached to it
(by its own `managed_policy_arns` or by a separate attachment resource), the
inline policies attached by separate resources, and, for a user, everything
its groups hold. A managed policy ARN resolves to a `ManagedPolicy` of the
scanned set when one has that ARN; anything else is external: its content is
not known, and the principal's holdings say so instead of guessing.
"""

from __future__ import annotations

from typing import Literal

from trustlint.model import (
    Group,
    Location,
    ManagedPolicy,
    PolicyDocument,
    Role,
    SourceUnit,
    User,
    Value,
)
from trustlint.records import field, record

EntityKind = Literal["role", "user", "group"]
_KIND_LABELS: dict[EntityKind, str] = {"role": "Role", "user": "User", "group": "Group"}


@record(eq=False)
class Entity:
    """A role, user or group defined in the scanned set."""

    kind: EntityKind
    unit: SourceUnit
    model: Role | User | Group
    account: str | None
    """Account key (see `scope`); None when unknown."""
    name: str | None
    """Name key; None when the name is unknown."""

    @property
    def label(self) -> str:
        """How messages name it: `Role DeployRole`, `User aws_iam_user.ci`."""
        return f"{_KIND_LABELS[self.kind]} {self.model.resource.address}"

    @property
    def location(self) -> Location:
        return self.model.resource.location

    @property
    def display_name(self) -> str | None:
        return self.model.name.text

    @property
    def path(self) -> str | None:
        """The IAM path, `/` when absent, None when unknown."""
        path = self.model.path
        if path is None:
            return "/"
        return path.text


@record(eq=False)
class PolicyEntity:
    """A customer managed policy defined in the scanned set."""

    unit: SourceUnit
    model: ManagedPolicy
    account: str | None
    name: str | None

    @property
    def label(self) -> str:
        return f"Policy {self.model.resource.address}"


@record(eq=False)
class HeldPolicy:
    """A policy document a principal holds, and how it came to hold it."""

    document: PolicyDocument
    unit: SourceUnit
    """The unit the document was written in: its `THIS_ACCOUNT` is that unit's account."""
    owner: str
    """Who the document belongs to in messages: `Role X`, `Policy P`."""
    owner_location: Location
    via: str = ""
    """How the principal holds it, for messages: `through Group devs`."""
    certain: bool = True
    """False when the attachment may target this principal but the files cannot tell."""


@record
class Boundary:
    """A permissions boundary as set on a principal, resolved when it is in the scanned set."""

    value: Value
    policy: PolicyEntity | None


@record(frozen=False)
class Holdings:
    """Everything a principal's identity policies are made of, as far as the files tell."""

    policies: list[HeldPolicy] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """Why the principal may hold policies not in `policies`: an external managed
    policy, a group outside the scanned files, an unresolved reference."""
    boundary: Boundary | None = None
