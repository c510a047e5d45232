"""The one table of AWS resource types Terraform configurations and plans are read for.

Each entry says how one instance of a resource type becomes model entities.
A builder reads the instance only through `ResourceView`, which both sources
of Terraform resources provide: a `resource` block evaluated in its module
(`module_entities.ConfiguredResource`, for `.tf` and `.tf.json` alike) and a resource
of a plan's `planned_values` (`plan.PlannedResource`). Adding a resource type
is one entry in `BUILDERS`.

Where the two sources know different things (a block's `name_prefix`, a plan's
resolved ARN), the view answers from what it knows; the builder does not ask
which one it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from trustlint.frontends.entities import ORGANIZATION_POLICY_KINDS, EntityLists
from trustlint.model import (
    Group,
    GroupMembership,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    PermissionSet,
    PolicyAttachment,
    PolicyDocument,
    PolicyKind,
    Resource,
    Role,
    TargetKind,
    Text,
    User,
    Value,
)
from trustlint.records import field, record


class ResourceView(Protocol):
    """One resource instance, read attribute by attribute."""

    @property
    def address(self) -> str:
        """Its full address: `module.app.aws_iam_role.exec[0]`."""
        ...

    def resource(self) -> Resource:
        """The model's record of the resource, located at its configuration."""
        ...

    def value(self, key: str) -> Value | None:
        """Attribute `key` as one value (`Unknown` inside when not known); None if not set."""
        ...

    def values(self, key: str) -> tuple[Value, ...]:
        """Attribute `key` as a list of values, each located; () if not set."""
        ...

    def text(self, key: str) -> Text | None:
        """Attribute `key` as text; None if not set (a configuration's empty string
        counts as not set, a plan's as written)."""
        ...

    def policy(
        self, key: str, kind: PolicyKind, *, name: Text | None = None
    ) -> PolicyDocument | None:
        """The policy document attribute `key` holds; None if not set or empty."""
        ...

    def identity(self, kind: str) -> tuple[Value, Value | None, Text]:
        """Name, path and ARN of an IAM `kind` (role, user, group, policy)."""
        ...

    def account(self, arn: Text) -> Text:
        """The account the resource is created in (its ARN's, when the view has it)."""
        ...

    def partition(self, arn: Text) -> str:
        """The partition the resource is created in."""
        ...

    def required_name(self) -> Value:
        """`name`, or an `Unknown` saying it is not set."""
        ...

    def name_text(self) -> Text | None:
        """The name of an inline policy: `name`, generated when only `name_prefix` is set."""
        ...

    def inline_policies(self) -> tuple[PolicyDocument, ...]:
        """The documents of a role's `inline_policy` blocks."""
        ...

    def oidc_arn(self, url: Value) -> Text | None:
        """The ARN of an OpenID Connect provider for `url`."""
        ...

    def own_key(self, id_attribute: str) -> Any:
        """What other resources use to point at this one (its ARN or id)."""
        ...

    def reference(self, key: str, resource_type: str) -> Any:
        """What attribute `key` points at, comparable with a `resource_type`'s `own_key`."""
        ...


@record(frozen=False)
class Collected(EntityLists):
    """The entities built, and what completes permission sets and organization
    policies once every resource is read: each with its key, and the inline
    policies and targets with the key they point at and their address."""

    permission_sets: list[tuple[Any, PermissionSet]] = field(default_factory=list)
    permission_set_policies: list[tuple[Any, PolicyDocument, str]] = field(default_factory=list)
    organization_policies: list[tuple[Any, OrganizationPolicy]] = field(default_factory=list)
    organization_targets: list[tuple[Any, Value, str]] = field(default_factory=list)


Builder = Callable[[ResourceView, Collected], None]


def _build_role(view: ResourceView, out: Collected) -> None:
    name, path, arn = view.identity("role")
    inline_policies = view.inline_policies()
    out.roles.append(
        Role(
            resource=view.resource(),
            name=name,
            path=path,
            arn=arn,
            account=view.account(arn),
            partition=view.partition(arn),
            trust_policy=view.policy("assume_role_policy", "trust"),
            inline_policies=inline_policies,
            managed_policy_arns=view.values("managed_policy_arns"),
            permissions_boundary=view.value("permissions_boundary"),
            max_session_duration=view.value("max_session_duration"),
        )
    )


def _build_user(view: ResourceView, out: Collected) -> None:
    name, path, arn = view.identity("user")
    out.users.append(
        User(
            resource=view.resource(),
            name=name,
            path=path,
            arn=arn,
            account=view.account(arn),
            partition=view.partition(arn),
            permissions_boundary=view.value("permissions_boundary"),
        )
    )


def _build_group(view: ResourceView, out: Collected) -> None:
    name, path, arn = view.identity("group")
    out.groups.append(
        Group(
            resource=view.resource(),
            name=name,
            path=path,
            arn=arn,
            account=view.account(arn),
            partition=view.partition(arn),
        )
    )


def _build_managed_policy(view: ResourceView, out: Collected) -> None:
    name, path, arn = view.identity("policy")
    out.managed_policies.append(
        ManagedPolicy(
            resource=view.resource(),
            name=name,
            document=view.policy("policy", "identity", name=name.value),
            arn=arn,
            account=view.account(arn),
            path=path,
        )
    )


def _inline_policy_builder(target_kind: TargetKind) -> Builder:
    def build(view: ResourceView, out: Collected) -> None:
        target = view.value(target_kind)
        if target is None:
            return
        document = view.policy("policy", "identity", name=view.name_text())
        out.attachments.append(
            PolicyAttachment(
                resource=view.resource(),
                target_kind=target_kind,
                target=target,
                document=document,
            )
        )

    return build


def _attachment_builder(target_kind: TargetKind) -> Builder:
    def build(view: ResourceView, out: Collected) -> None:
        target = view.value(target_kind)
        policy_arn = view.value("policy_arn")
        if target is None:
            return
        out.attachments.append(
            PolicyAttachment(
                resource=view.resource(),
                target_kind=target_kind,
                target=target,
                policy_arn=policy_arn,
            )
        )

    return build


def _build_policy_attachment(view: ResourceView, out: Collected) -> None:
    policy_arn = view.value("policy_arn")
    resource = view.resource()
    kinds: tuple[tuple[str, TargetKind], ...] = (
        ("roles", "role"),
        ("users", "user"),
        ("groups", "group"),
    )
    for key, target_kind in kinds:
        for target in view.values(key):
            out.attachments.append(
                PolicyAttachment(
                    resource=resource,
                    target_kind=target_kind,
                    target=target,
                    policy_arn=policy_arn,
                )
            )


def _build_group_membership(view: ResourceView, out: Collected) -> None:
    group = view.value("group")
    if group is None:
        return
    out.memberships.append(
        GroupMembership(resource=view.resource(), group=group, users=view.values("users"))
    )


def _build_user_group_membership(view: ResourceView, out: Collected) -> None:
    user = view.value("user")
    if user is None:
        return
    resource = view.resource()
    for group in view.values("groups"):
        out.memberships.append(GroupMembership(resource=resource, group=group, users=(user,)))


def _build_oidc_provider(view: ResourceView, out: Collected) -> None:
    url = view.value("url")
    if url is None:
        return
    arn = view.oidc_arn(url)
    out.oidc_providers.append(
        OidcProvider(
            resource=view.resource(),
            url=url,
            client_ids=view.values("client_id_list"),
            arn=arn,
        )
    )


def _build_permission_set(view: ResourceView, out: Collected) -> None:
    name = view.required_name()
    permission_set = PermissionSet(
        resource=view.resource(),
        name=name,
        session_duration=view.value("session_duration"),
    )
    out.permission_sets.append((view.own_key("arn"), permission_set))


def _build_permission_set_policy(view: ResourceView, out: Collected) -> None:
    document = view.policy("inline_policy", "identity")
    target = view.reference("permission_set_arn", "aws_ssoadmin_permission_set")
    if document is not None:
        out.permission_set_policies.append((target, document, view.address))


def _build_organization_policy(view: ResourceView, out: Collected) -> None:
    policy_type = view.text("type")
    if policy_type is None:
        policy_type = "SERVICE_CONTROL_POLICY"
    kind = ORGANIZATION_POLICY_KINDS.get(policy_type if isinstance(policy_type, str) else "")
    document = view.policy("content", kind) if kind is not None else None
    name = view.required_name()
    out.organization_policies.append(
        (
            view.own_key("id"),
            OrganizationPolicy(
                resource=view.resource(),
                name=name,
                policy_type=policy_type,
                document=document,
            ),
        )
    )


def _build_organization_attachment(view: ResourceView, out: Collected) -> None:
    policy = view.reference("policy_id", "aws_organizations_policy")
    target = view.value("target_id")
    if target is not None:
        out.organization_targets.append((policy, target, view.address))


def _build_organization(view: ResourceView, out: Collected) -> None:
    out.organizations.append(view.resource())


BUILDERS: dict[str, Builder] = {
    "aws_iam_role": _build_role,
    "aws_iam_user": _build_user,
    "aws_iam_group": _build_group,
    "aws_iam_policy": _build_managed_policy,
    "aws_iam_role_policy": _inline_policy_builder("role"),
    "aws_iam_user_policy": _inline_policy_builder("user"),
    "aws_iam_group_policy": _inline_policy_builder("group"),
    "aws_iam_role_policy_attachment": _attachment_builder("role"),
    "aws_iam_user_policy_attachment": _attachment_builder("user"),
    "aws_iam_group_policy_attachment": _attachment_builder("group"),
    "aws_iam_policy_attachment": _build_policy_attachment,
    "aws_iam_group_membership": _build_group_membership,
    "aws_iam_user_group_membership": _build_user_group_membership,
    "aws_iam_openid_connect_provider": _build_oidc_provider,
    "aws_ssoadmin_permission_set": _build_permission_set,
    "aws_ssoadmin_permission_set_inline_policy": _build_permission_set_policy,
    "aws_organizations_policy": _build_organization_policy,
    "aws_organizations_policy_attachment": _build_organization_attachment,
    "aws_organizations_organization": _build_organization,
}
"""The resource types read, and how each becomes model entities."""
