"""The format-independent model every front-end produces and every rule reads.

Every element carries the `Location` it came from. A value the front-end could
not resolve is an `Unknown`, never a string that happens to contain `${`, so a
rule cannot mistake "unknown" for "wrong".

Two placeholders may appear *inside* otherwise resolved strings, because they
stand for facts that are known but only in relation to the file they came from:

* `THIS_ACCOUNT` -- "the account this stack/module deploys into"
  (`AWS::AccountId`, `data.aws_caller_identity.x.account_id`). The graph maps
  it to a literal id from `accounts.paths` or keeps it as the unit's account.
* `generated_name(ref)` -- the name of an IAM resource whose name the
  deployment generates (a CloudFormation role without `RoleName`, a Terraform
  role with `name_prefix`). It identifies the resource inside its unit.

Neither can be confused with a real value: `<` and `>` are not allowed in
account ids or IAM names.
"""

from __future__ import annotations

from typing import Literal

from trustlint.records import field, record

THIS_ACCOUNT = "<this-account>"
"""Placeholder for the account of the stack or module a value came from."""

_GENERATED_PREFIX = "<generated:"


def generated_name(reference: str) -> str:
    """The placeholder name of a resource whose name is chosen at deploy time."""
    return f"{_GENERATED_PREFIX}{reference}>"


def is_generated_name(name: str) -> bool:
    return name.startswith(_GENERATED_PREFIX) and name.endswith(">")


@record(order=True)
class Location:
    """A span in a source file; `path` is relative to the project root, all 1-based.

    `end_column` is exclusive (one past the last character), as in SARIF.
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def contains_line(self, line: int) -> bool:
        return self.line <= line <= self.end_line

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@record
class Unknown:
    """A value the front-end could not resolve: the source text and why."""

    text: str
    location: Location | None = None
    reason: str = ""

    def __str__(self) -> str:
        return f"<unknown: {self.text}>"


Text = str | Unknown
"""A string value that may be unresolved."""


@record
class Value:
    """A scalar as written in a policy or resource property, with its location.

    `value` is the resolved text (numbers and booleans keep the text they were
    written with: `true`, `3600`), or an `Unknown`. `raw_type` records the type
    the source used, so that a rule can tell `"3600"` from `3600` or a list
    written where a string belongs.
    """

    value: Text
    location: Location
    raw_type: Literal["str", "int", "float", "bool", "null", "list", "map", "unknown"] = "str"

    @property
    def known(self) -> bool:
        return not isinstance(self.value, Unknown)

    @property
    def text(self) -> str | None:
        """The resolved string, or None when unknown."""
        return None if isinstance(self.value, Unknown) else self.value


PrincipalKind = Literal["aws", "service", "federated", "canonical", "*"]
"""`*` is the bare `"Principal": "*"`; `{"AWS": "*"}` is kind `aws` with value `*`."""


@record
class Arn:
    """The parts of an ARN or bare account id naming a principal or resource.

    Any part may hold `THIS_ACCOUNT`, a `generated_name`, or wildcard characters
    exactly as written; `None` where the part is absent.
    """

    partition: str | None
    service: str | None
    region: str | None
    account: str | None
    resource_type: str | None
    """`root`, `role`, `user`, `group`, `assumed-role`, `federated-user`,
    `oidc-provider`, `saml-provider`, `policy`, or as written."""
    path: str | None
    """Role/user path such as `/service-role/`, `/` when absent but applicable."""
    name: str | None
    """The last path segment: role name, user name, provider host."""


@record
class Principal:
    kind: PrincipalKind
    value: Text
    location: Location
    arn: Arn | None = None
    """Parsed form of an AWS or federated principal, None for services or when unknown."""


@record
class Condition:
    """One key of one operator block: `"StringEquals": {"sts:ExternalId": ["a"]}`."""

    operator: Text
    """As written, e.g. `ForAnyValue:StringLikeIfExists`."""
    base_operator: str
    """Without set qualifier and `IfExists`: `StringLike`. Empty when unknown."""
    qualifier: Literal["ForAnyValue", "ForAllValues"] | None
    if_exists: bool
    key: Text
    """As written; compare case-insensitively."""
    values: tuple[Value, ...]
    location: Location
    """The condition key."""
    operator_location: Location


@record
class Statement:
    location: Location
    sid: Value | None = None
    effect: Value | None = None
    principals: tuple[Principal, ...] = ()
    not_principals: tuple[Principal, ...] = ()
    principal_location: Location | None = None
    """Where the `Principal` / `NotPrincipal` key sits; None when absent."""
    actions: tuple[Value, ...] = ()
    not_actions: tuple[Value, ...] = ()
    action_location: Location | None = None
    """Where the `Action` / `NotAction` key sits; None when absent."""
    resources: tuple[Value, ...] = ()
    not_resources: tuple[Value, ...] = ()
    conditions: tuple[Condition, ...] = ()
    condition_location: Location | None = None
    has_principal: bool = False
    has_not_principal: bool = False
    has_action: bool = False
    has_not_action: bool = False
    has_resource: bool = False
    has_not_resource: bool = False
    branch: str | None = None
    """Set when the statement is one alternative of an `Fn::If` or `a ? b : c`:
    which choice produced it, e.g. `IsProd=false`."""
    branches_cut: bool = False
    """The conditional has more combinations than are expanded (`tree.MAX_VARIANTS`):
    the statement's variants are some of those that may deploy, not all."""
    index: int = 0
    """Position of the statement in its document (0-based), for messages."""

    @property
    def is_allow(self) -> bool:
        return self.effect is not None and self.effect.value == "Allow"

    @property
    def is_deny(self) -> bool:
        return self.effect is not None and self.effect.value == "Deny"

    @property
    def label(self) -> str:
        """A stable human name: the Sid, else `statement N` (1-based)."""
        if self.sid is not None and isinstance(self.sid.value, str) and self.sid.value:
            return self.sid.value
        return f"statement {self.index + 1}"


PolicyKind = Literal["trust", "identity", "resource", "boundary", "scp", "unknown"]
"""`resource`: a policy with a `Principal` that is not a role's trust policy (an S3
bucket, KMS key or SQS queue policy); see `trustlint.classify`."""


@record
class Defect:
    """Something structurally wrong in a policy (a list as Effect, a map as Action).

    The reader records it instead of guessing; rule TL013 reports it.
    """

    message: str
    location: Location


@record
class PolicyDocument:
    kind: PolicyKind
    location: Location
    """The whole document (or the property holding it)."""
    version: Value | None = None
    statements: tuple[Statement, ...] = ()
    defects: tuple[Defect, ...] = ()
    name: Text | None = None
    """Inline policy name (`PolicyName`, `inline_policy.name`), when there is one."""
    unknown: Unknown | None = None
    """Set when the document as a whole could not be resolved (a module output,
    `!ImportValue`); then `statements` is empty and rules stay silent."""


@record
class TrustDocument:
    """A trust policy by its content that no role of its unit uses.

    A Terraform `aws_iam_policy_document` data source, a `jsonencode` in
    `locals`, an output or a module argument passed to a module outside the
    scan: whoever will assume the role it is for, the single-policy trust rules
    can judge it; the role itself, and so its account, is unknown.
    """

    name: str
    """How messages name it: `data.aws_iam_policy_document.github_trust`, `local.trust`."""
    location: Location
    """The block or attribute that holds it."""
    document: PolicyDocument


@record
class Suppression:
    """`# trustlint:ignore TL002 reason`, or a CloudFormation Metadata entry."""

    rule_ids: tuple[str, ...]
    reason: str
    location: Location
    """For a comment, the comment; for Metadata, the whole resource."""
    kind: Literal["comment", "metadata"] = "comment"
    problem: str = ""
    """Why a comment in a form trustlint does not read suppresses nothing."""


@record
class Resource:
    """What every IAM entity shares: where it is and how to name it."""

    address: str
    """Unique in its unit: the CloudFormation logical id, the Terraform address
    (`aws_iam_role.deploy`, `module.x.aws_iam_role.y`), or an ARN for JSON."""
    resource_type: str
    """`AWS::IAM::Role`, `aws_iam_role`, `iam-role` (JSON), ..."""
    location: Location
    """The whole resource or block."""
    unit: str
    """The unit (stack, module, JSON file) it belongs to; see `SourceUnit.unit`."""


@record
class Role:
    resource: Resource
    name: Value
    """Literal name, `generated_name(...)`, or Unknown."""
    path: Value | None = None
    arn: Text | None = None
    account: Text | None = None
    """12-digit id, `THIS_ACCOUNT`, or Unknown."""
    partition: str = "aws"
    trust_policy: PolicyDocument | None = None
    inline_policies: tuple[PolicyDocument, ...] = ()
    managed_policy_arns: tuple[Value, ...] = ()
    permissions_boundary: Value | None = None
    max_session_duration: Value | None = None


@record
class User:
    resource: Resource
    name: Value
    path: Value | None = None
    arn: Text | None = None
    account: Text | None = None
    partition: str = "aws"
    groups: tuple[Value, ...] = ()
    """Group names as written on the user (`Groups`, JSON `GroupList`)."""
    inline_policies: tuple[PolicyDocument, ...] = ()
    managed_policy_arns: tuple[Value, ...] = ()
    permissions_boundary: Value | None = None


@record
class Group:
    resource: Resource
    name: Value
    path: Value | None = None
    arn: Text | None = None
    account: Text | None = None
    partition: str = "aws"
    inline_policies: tuple[PolicyDocument, ...] = ()
    managed_policy_arns: tuple[Value, ...] = ()


@record
class ManagedPolicy:
    """A customer managed policy (`AWS::IAM::ManagedPolicy`, `aws_iam_policy`)."""

    resource: Resource
    name: Value
    document: PolicyDocument | None
    arn: Text | None = None
    account: Text | None = None
    path: Value | None = None


TargetKind = Literal["role", "user", "group"]


@record
class PolicyAttachment:
    """A policy given to a role, user or group by a separate resource.

    Either `policy_arn` (a managed policy attached by ARN) or `document` (an
    inline policy such as `AWS::IAM::Policy` or `aws_iam_role_policy`) is set.
    `target` is the role/user/group *name* as written (CloudFormation `Roles`
    hold names; Terraform `role` holds a name).
    """

    resource: Resource
    target_kind: TargetKind
    target: Value
    policy_arn: Value | None = None
    document: PolicyDocument | None = None


@record
class GroupMembership:
    """Users added to a group by a separate resource."""

    resource: Resource
    group: Value
    users: tuple[Value, ...]


@record
class PermissionSet:
    """An IAM Identity Center permission set."""

    resource: Resource
    name: Value
    session_duration: Value | None = None
    inline_policy: PolicyDocument | None = None


@record
class OrganizationPolicy:
    """A service control policy and the accounts or OUs it is attached to."""

    resource: Resource
    name: Value
    policy_type: Text
    document: PolicyDocument | None
    targets: tuple[Value, ...] = ()


@record
class OidcProvider:
    resource: Resource
    url: Value
    client_ids: tuple[Value, ...] = ()
    arn: Text | None = None


@record
class ParseError:
    """A file that looks like IaC or a policy but could not be read or parsed (TL000).

    `level` is lower for what is read anyway (a duplicate key: the last one wins).
    """

    message: str
    location: Location
    level: Literal["error", "warning", "note"] = "error"
    """`note`: something the scan could not read, reported under `--strict` only;
    `warning`: read, but not as written (a duplicate key CloudFormation overrides)."""


UnitFormat = Literal["cloudformation", "terraform", "terraform-plan", "policy-json"]


@record
class LineHashes:
    """GitHub's `primaryLocationLineHash` of some lines of one file, from the bytes parsed.

    Made where the file is read (`trustlint.line_hashes`), so that SARIF output
    need not read and hash the file again: for each of `lines`, its window hash
    (`values`) and `counts`, as packed `array.array` bytes ('I', 'Q', 'I').
    """

    path: str
    lines: bytes
    values: bytes
    counts: bytes


@record
class SourceUnit:
    """What one front-end produced from one deployable unit.

    A unit is a CloudFormation template (one stack), a Terraform module
    directory (all its `.tf` files), or one JSON file. Everything in a unit
    shares its account placeholder: `THIS_ACCOUNT` in a unit means that unit's
    account.
    """

    unit: str
    """Stable id: the template's or JSON file's path, or the module directory."""
    format: UnitFormat
    paths: tuple[str, ...]
    """Project-relative files the unit was read from."""
    account: Text | None = None
    """The unit's account when the source states it (a plan, an account
    authorization export); otherwise None and the graph decides."""
    roles: tuple[Role, ...] = ()
    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    managed_policies: tuple[ManagedPolicy, ...] = ()
    attachments: tuple[PolicyAttachment, ...] = ()
    memberships: tuple[GroupMembership, ...] = ()
    permission_sets: tuple[PermissionSet, ...] = ()
    organization_policies: tuple[OrganizationPolicy, ...] = ()
    oidc_providers: tuple[OidcProvider, ...] = ()
    organizations: tuple[Resource, ...] = ()
    """AWS Organizations organizations the unit creates: its account is the management account."""
    documents: tuple[PolicyDocument, ...] = ()
    """Policies that stand alone (a bare trust policy JSON file)."""
    trust_documents: tuple[TrustDocument, ...] = ()
    """Trust policies by their content that no role of the unit uses."""
    suppressions: tuple[Suppression, ...] = ()
    errors: tuple[ParseError, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """Non-fatal remarks for `inspect` (a module source that could not be read)."""
    calls: tuple[str, ...] = ()
    """A Terraform module's: the module directories it calls (project-relative), however deep."""
    limits_reached: tuple[ParseError, ...] = field(default=())
    """Where evaluation stopped at one of the `limits:` (`trustlint.budgets`);
    `--strict` reports each as a TL000 note."""
    line_hashes: tuple[LineHashes, ...] = field(default=(), compare=False, repr=False)
    """The line hashes of the files the unit was read from, for SARIF output."""
