"""Raw JSON: bare policy documents and what the AWS CLI prints about IAM.

Recognised shapes: a policy document (`Version`/`Statement`: a trust,
resource or identity policy by its content, `trustlint.classify`); `aws iam
get-role` (`{"Role": {...}}`); `aws iam list-roles` (`{"Roles": [...]}`); and
`aws iam get-account-authorization-details` (roles, users, groups and managed
policies: a whole account with real ARNs). The IAM API returns policy
documents URL-encoded; the CLI decodes them. Both are read, and a policy that
was a string is located at that string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from trustlint.arns import ACCOUNT_ID, parse_arn
from trustlint.classify import content_kind
from trustlint.config import LoadOptions
from trustlint.model import (
    Group,
    ManagedPolicy,
    PolicyDocument,
    PolicyKind,
    Resource,
    Role,
    SourceUnit,
    Text,
    Unknown,
    User,
    Value,
)
from trustlint.policy_reader import read_policy, to_value
from trustlint.records import record, replace
from trustlint.tree import LList, LMap

_DETAIL_LISTS = ("RoleDetailList", "UserDetailList", "GroupDetailList")


def read_policy_json(tree: object, path: str, options: LoadOptions) -> SourceUnit | None:
    """The unit a JSON tree describes, or None when it is neither a policy nor an IAM export."""
    if not isinstance(tree, LMap):
        return None
    if _is_policy_document(tree):
        kind: PolicyKind = "trust" if _has_principal(tree) else "identity"
        document = read_policy(tree, tree.location, kind)
        if kind == "trust" and content_kind(document) == "resource":
            # A bucket, key or queue policy: principals, but the resource is not a role.
            document = replace(document, kind="resource")
        return SourceUnit(unit=path, format="policy-json", paths=(path,), documents=(document,))
    reader = _ExportReader(path, options.partition)
    if _is_authorization_details(tree):
        reader.authorization_details(tree)
    elif isinstance(role := tree.get("Role"), LMap) and "RoleName" in role:
        reader.role(role)
    elif _is_role_list(tree.get("Roles")):
        reader.each(tree, "Roles", reader.role)
    else:
        return None
    if tree.get("IsTruncated") is True:
        reader.notes.append("the output is truncated (IsTruncated): later pages are missing")
    return reader.unit()


def _find_key(mapping: LMap, name: str) -> str | None:
    """The key spelled `name` in any case: the policy reader accepts any case too."""
    lowered = name.lower()
    return next((key for key in mapping if key.lower() == lowered), None)


def _statement_maps(document: LMap) -> list[LMap]:
    key = _find_key(document, "Statement")
    statements = document.get(key) if key is not None else None
    if isinstance(statements, LMap):
        return [statements]
    if isinstance(statements, LList):
        return [item for item in statements if isinstance(item, LMap)]
    return []


def _is_policy_document(tree: LMap) -> bool:
    """`Statement` with `Version`, or with a statement that has an `Effect`.

    Either is specific enough that a JSON file holding it is meant as a policy.
    """
    if _find_key(tree, "Statement") is None:
        return False
    if _find_key(tree, "Version") is not None:
        return True
    return any(_find_key(statement, "Effect") is not None for statement in _statement_maps(tree))


def _has_principal(document: LMap) -> bool:
    return any(
        _find_key(statement, "Principal") is not None
        or _find_key(statement, "NotPrincipal") is not None
        for statement in _statement_maps(document)
    )


def _is_authorization_details(tree: LMap) -> bool:
    if any(isinstance(tree.get(key), LList) for key in _DETAIL_LISTS):
        return True
    policies = tree.get("Policies")
    return isinstance(policies, LList) and any(
        isinstance(item, LMap) and "PolicyVersionList" in item for item in policies
    )


def _is_role_list(node: Any) -> bool:
    return isinstance(node, LList) and any(
        isinstance(item, LMap) and "RoleName" in item for item in node
    )


@record
class _Identity:
    """What roles, users, groups and managed policies of an export share."""

    resource: Resource
    name: Value
    path: Value | None
    arn: str | None
    account: Text | None
    partition: str


class _ExportReader:
    """Collects the entities of one CLI output file into a `SourceUnit`."""

    def __init__(self, unit: str, partition: str) -> None:
        self.unit_id = unit
        self.partition = partition
        self.roles: list[Role] = []
        self.users: list[User] = []
        self.groups: list[Group] = []
        self.policies: list[ManagedPolicy] = []
        self.notes: list[str] = []

    def unit(self) -> SourceUnit:
        stated: list[Text | None] = [entity.account for entity in self.roles]
        stated += [entity.account for entity in self.users]
        stated += [entity.account for entity in self.groups]
        stated += [entity.account for entity in self.policies]
        # AWS managed policies say `aws`, not an account: they do not count.
        accounts = {a for a in stated if isinstance(a, str) and ACCOUNT_ID.match(a)}
        return SourceUnit(
            unit=self.unit_id,
            format="policy-json",
            paths=(self.unit_id,),
            account=accounts.pop() if len(accounts) == 1 else None,
            roles=tuple(self.roles),
            users=tuple(self.users),
            groups=tuple(self.groups),
            managed_policies=tuple(self.policies),
            notes=tuple(self.notes),
        )

    def authorization_details(self, tree: LMap) -> None:
        self.each(tree, "RoleDetailList", self.role)
        self.each(tree, "UserDetailList", self.user)
        self.each(tree, "GroupDetailList", self.group)
        self.each(tree, "Policies", self.managed_policy)

    def each(self, tree: LMap, key: str, read: Callable[[LMap], None]) -> None:
        items = tree.get(key)
        if not isinstance(items, LList):
            return
        for index, item in enumerate(items):
            if isinstance(item, LMap):
                read(item)
            else:
                line = items.item_location(index).line
                self.notes.append(f"{key} entry {index + 1} (line {line}) is not an object")

    def role(self, node: LMap) -> None:
        identity = self._identity(node, "RoleName", "role")
        self.roles.append(
            Role(
                resource=identity.resource,
                name=identity.name,
                path=identity.path,
                arn=identity.arn,
                account=identity.account,
                partition=identity.partition,
                trust_policy=_policy(node, "AssumeRolePolicyDocument", "trust"),
                inline_policies=_inline_policies(node, "RolePolicyList"),
                managed_policy_arns=_attached_policies(node),
                permissions_boundary=_permissions_boundary(node),
                max_session_duration=_scalar(node, "MaxSessionDuration"),
            )
        )

    def user(self, node: LMap) -> None:
        identity = self._identity(node, "UserName", "user")
        self.users.append(
            User(
                resource=identity.resource,
                name=identity.name,
                path=identity.path,
                arn=identity.arn,
                account=identity.account,
                partition=identity.partition,
                groups=_strings(node, "GroupList"),
                inline_policies=_inline_policies(node, "UserPolicyList"),
                managed_policy_arns=_attached_policies(node),
                permissions_boundary=_permissions_boundary(node),
            )
        )

    def group(self, node: LMap) -> None:
        identity = self._identity(node, "GroupName", "group")
        self.groups.append(
            Group(
                resource=identity.resource,
                name=identity.name,
                path=identity.path,
                arn=identity.arn,
                account=identity.account,
                partition=identity.partition,
                inline_policies=_inline_policies(node, "GroupPolicyList"),
                managed_policy_arns=_attached_policies(node),
            )
        )

    def managed_policy(self, node: LMap) -> None:
        identity = self._identity(node, "PolicyName", "policy")
        self.policies.append(
            ManagedPolicy(
                resource=identity.resource,
                name=identity.name,
                document=_default_version(node),
                arn=identity.arn,
                account=identity.account,
                path=identity.path,
            )
        )

    def _identity(self, node: LMap, name_key: str, entity: str) -> _Identity:
        arn_text = node.get("Arn")
        arn = arn_text if isinstance(arn_text, str) else None
        parsed = parse_arn(arn) if arn is not None else None
        name = _scalar(node, name_key)
        if name is None and parsed is not None and parsed.name:
            name = Value(parsed.name, node.value_location("Arn"))
        if name is None:
            missing = Unknown(name_key, node.location, f"no {name_key}")
            name = Value(missing, node.location, "unknown")
        address = arn or name.text or f"{entity} at line {node.location.line}"
        account = parsed.account if parsed is not None else None
        partition = parsed.partition if parsed is not None else None
        return _Identity(
            resource=Resource(address, f"iam-{entity}", node.location, self.unit_id),
            name=name,
            path=_scalar(node, "Path"),
            arn=arn,
            account=account or None,
            partition=partition or self.partition,
        )


def _scalar(node: LMap, key: str) -> Value | None:
    if key not in node:
        return None
    return to_value(node[key], node.value_location(key))


def _strings(node: LMap, key: str) -> tuple[Value, ...]:
    items = node.get(key)
    if not isinstance(items, LList):
        return ()
    return tuple(to_value(item, items.item_location(index)) for index, item in enumerate(items))


def _policy(
    node: LMap, key: str, kind: PolicyKind, name: Text | None = None
) -> PolicyDocument | None:
    if key not in node:
        return None
    document = node[key]
    if isinstance(document, str) and not document.lstrip().startswith("{"):
        # The IAM API's form: URL-encoded JSON. The reader locates every element
        # of a string policy at the string, which is all we know.
        document = unquote(document)
    return read_policy(document, node.value_location(key), kind, name)


def _inline_policies(node: LMap, key: str) -> tuple[PolicyDocument, ...]:
    entries = node.get(key)
    if not isinstance(entries, LList):
        return ()
    policies = []
    for entry in entries:
        if isinstance(entry, LMap):
            name = entry.get("PolicyName")
            document = _policy(
                entry, "PolicyDocument", "identity", name if isinstance(name, str) else None
            )
            if document is not None:
                policies.append(document)
    return tuple(policies)


def _attached_policies(node: LMap) -> tuple[Value, ...]:
    entries = node.get("AttachedManagedPolicies")
    if not isinstance(entries, LList):
        return ()
    arns = (_scalar(entry, "PolicyArn") for entry in entries if isinstance(entry, LMap))
    return tuple(arn for arn in arns if arn is not None)


def _permissions_boundary(node: LMap) -> Value | None:
    boundary = node.get("PermissionsBoundary")
    if not isinstance(boundary, LMap):
        return None
    return _scalar(boundary, "PermissionsBoundaryArn")


def _default_version(node: LMap) -> PolicyDocument | None:
    """The document of the version IAM enforces: `IsDefaultVersion`, else `DefaultVersionId`."""
    versions = node.get("PolicyVersionList")
    if not isinstance(versions, LList):
        return None
    candidates = [version for version in versions if isinstance(version, LMap)]
    default = next((v for v in candidates if v.get("IsDefaultVersion") is True), None)
    if default is None:
        default_id = node.get("DefaultVersionId")
        default = next(
            (v for v in candidates if default_id is not None and v.get("VersionId") == default_id),
            None,
        )
    if default is None:
        return None
    return _policy(default, "Document", "identity")
