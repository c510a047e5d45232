"""CloudFormation templates (YAML or JSON, SAM and CDK output included) into the model.

One template is one unit (one stack): every IAM resource becomes a model
entity whose `Resource.address` is its logical id. Intrinsics are evaluated
by `cfn_intrinsics.Resolver`; policies are read by the shared
`policy_reader`, so a policy means the same here as anywhere else. Nested
stacks and StackSet bodies are read into their parent's unit per instance
(`cfn_nested`): their resources' addresses start with the instance's
(`PartnerStack.PartnerRole`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from trustlint.config import LoadOptions
from trustlint.frontends.cfn_intrinsics import Identity, Resolver, sam_role_id
from trustlint.frontends.cfn_nested import Instance, nested_stack, stack_set
from trustlint.frontends.entities import ORGANIZATION_POLICY_KINDS, EntityLists
from trustlint.frontends.yaml_loader import DuplicateKey
from trustlint.model import (
    Group,
    GroupMembership,
    Location,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    ParseError,
    PermissionSet,
    PolicyAttachment,
    PolicyDocument,
    PolicyKind,
    Resource,
    Role,
    SourceUnit,
    Suppression,
    TargetKind,
    Text,
    Unknown,
    User,
    Value,
)
from trustlint.patterns import lazy_compile
from trustlint.policy_reader import read_policy, to_value
from trustlint.suppressions import comment_suppressions
from trustlint.tree import NO_VALUE, Alternatives, Branch, LList, LMap

_RESOURCE_TYPE_PREFIXES = ("AWS::", "Alexa::", "Custom::")
_TARGET_PROPERTIES: tuple[tuple[TargetKind, str], ...] = (
    ("role", "Roles"),
    ("user", "Users"),
    ("group", "Groups"),
)
_RULE_ID_SEPARATORS = lazy_compile(r"[\s,]+")
_SAM_DEFAULT_TRUST_SERVICE = "lambda.amazonaws.com"
_SAM_STATE_MACHINE_TRUST_SERVICE = "states.amazonaws.com"
_SAM_GLOBAL_FUNCTION_PROPERTIES = ("AssumeRolePolicyDocument", "PermissionsBoundary", "RolePath")
"""The role properties SAM accepts in `Globals: Function` (not `Role` nor `Policies`)."""

Located = tuple[Any, Location]


def is_template(tree: object) -> bool:
    """A CloudFormation template: `AWSTemplateFormatVersion`, or a typed resource."""
    if not isinstance(tree, dict):
        return False
    if "AWSTemplateFormatVersion" in tree:
        return True
    resources = tree.get("Resources")
    if not isinstance(resources, dict):
        return False
    return any(
        isinstance(resource, dict)
        and isinstance(resource.get("Type"), str)
        and resource["Type"].startswith(_RESOURCE_TYPE_PREFIXES)
        for resource in resources.values()
    )


def read_template(
    tree: LMap,
    path: str,
    text: str,
    options: LoadOptions,
    *,
    duplicates: Sequence[DuplicateKey] = (),
    root: str | None = None,
) -> SourceUnit:
    """The IAM entities, suppressions and problems of one template.

    `duplicates`: keys the loader found twice (the last one won); `root`: the
    project directory, to read nested stacks' templates from local files.
    """
    try:
        reader = _TemplateReader(tree, path, text, options, Instance.top(path, root))
        reader.duplicate_keys(duplicates)
        return reader.read()
    except RecursionError:
        error = ParseError("the template is nested too deeply to read", Location(path, 1, 1, 1, 1))
        return SourceUnit(unit=path, format="cloudformation", paths=(path,), errors=(error,))


class _TemplateReader:
    def __init__(
        self, tree: object, path: str, text: str, options: LoadOptions, instance: Instance
    ) -> None:
        self.tree = tree if isinstance(tree, LMap) else None
        self.path = path
        self.text = text
        self.options = options
        self.instance = instance
        self.account = instance.account
        template = self.tree or LMap(Location(path, 1, 1, 1, 1))
        self.decided = instance.decide_conditions(template, path, text, options)
        self.resolver = Resolver(
            template,
            path,
            text,
            options,
            given=instance.given,
            decided=self.decided,
            prefix=instance.prefix,
            account=instance.account,
        )
        self.entities = EntityLists()
        self.permission_sets: list[PermissionSet] = []
        self.organization_policies: list[OrganizationPolicy] = []
        self.suppressions: list[Suppression] = (
            list(comment_suppressions(text, path)) if instance.own_text else []
        )
        self.errors: list[ParseError] = []
        self.notes: list[str] = []
        self.paths: list[str] = [path]
        self.key_locations: dict[str, Location] = {}

    def read(self) -> SourceUnit:
        if self.tree is not None:
            self.read_resources(self.tree)
        else:
            location = Location(self.path, 1, 1, 1, 1)
            self.errors.append(ParseError("a template must be a mapping", location))
        return self.entities.source_unit(
            self.path,
            "cloudformation",
            tuple(dict.fromkeys(self.paths)),
            permission_sets=self.permission_sets,
            organization_policies=self.organization_policies,
            suppressions=self.suppressions,
            errors=self.errors,
            notes=self.notes,
        )

    def child(self, tree: LMap, path: str, text: str, instance: Instance) -> _TemplateReader:
        """A reader for a template nested in this one (a nested stack, a StackSet body)."""
        return _TemplateReader(tree, path, text, self.options, instance)

    def adopt(self, child: _TemplateReader) -> None:
        """Take in what a nested template's reader read: it belongs to this unit."""
        for name in (
            "roles",
            "users",
            "groups",
            "managed_policies",
            "attachments",
            "memberships",
            "oidc_providers",
        ):
            getattr(self.entities, name).extend(getattr(child.entities, name))
        self.permission_sets.extend(child.permission_sets)
        self.organization_policies.extend(child.organization_policies)
        known = set(self.suppressions)
        self.suppressions.extend(s for s in child.suppressions if s not in known)
        self.errors.extend(error for error in child.errors if error not in self.errors)
        self.notes.extend(child.notes)
        self.paths.extend(child.paths)

    def duplicate_keys(self, duplicates: Sequence[DuplicateKey]) -> None:
        """A warning for each key written twice: CloudFormation keeps the last one."""
        for duplicate in dict.fromkeys(duplicates):
            overridden, winner = duplicate.overridden, duplicate.winner
            self.errors.append(
                ParseError(
                    f"duplicate key '{duplicate.key}': the value at line {overridden.line} "
                    f"is overridden by the one at line {winner.line} "
                    "(CloudFormation keeps the last)",
                    winner,
                    level="warning",
                )
            )

    def read_resources(self, tree: LMap) -> None:
        if "Resources" not in tree:
            return
        resources = tree["Resources"]
        if not isinstance(resources, LMap):
            self.errors.append(
                ParseError(
                    "Resources must be a mapping of logical ids to resources",
                    tree.value_location("Resources"),
                )
            )
            return
        for logical_id, body in resources.items():
            key_location = resources.key_location(logical_id)
            if logical_id.startswith("Fn::ForEach::"):
                self.notes.append(
                    f"{self.path}:{key_location.line}: {logical_id} is not expanded; "
                    "the resources it generates are not checked"
                )
                continue
            if not isinstance(body, LMap):
                continue
            if self.decided.get(str(body.get("Condition")), True) is False:
                continue  # a parent stack's parameters decide it is not deployed
            value_location = resources.value_location(logical_id)
            if (value_location.end_line, value_location.end_column) <= (
                key_location.line,
                key_location.column,
            ):
                # A YAML alias (`Second: *role`): the body is written at its
                # anchor, before; the resource is where it is named.
                value_location = key_location
            location = Location(
                self.path,
                key_location.line,
                key_location.column,
                value_location.end_line,
                value_location.end_column,
            )
            self.read_metadata(body, location)
            resource_type = body.get("Type")
            if not isinstance(resource_type, str):
                continue
            handler = _HANDLERS.get(resource_type)
            if handler is None:
                continue
            properties = body.get("Properties")
            if not isinstance(properties, LMap):
                if "Properties" in body:
                    self.notes.append(
                        f"{self.path}:{key_location.line}: Properties of {logical_id} "
                        "is not a mapping; they are not read"
                    )
                properties = LMap(location)
            address = self.instance.prefix + logical_id
            resource = Resource(address, resource_type, location, self.instance.unit)
            self.key_locations[address] = key_location
            handler(self, resource, properties)

    # -- suppressions -------------------------------------------------------

    def read_metadata(self, body: LMap, location: Location) -> None:
        """`Metadata: {trustlint: {ignore: [{rule: TL002, reason: ...}]}}`; malformed is ignored."""
        metadata = body.get("Metadata")
        config = metadata.get("trustlint") if isinstance(metadata, LMap) else None
        entries = config.get("ignore") if isinstance(config, LMap) else None
        if isinstance(entries, LMap):
            entries = [entries]
        if not isinstance(entries, list):
            return
        for entry in entries:
            if not isinstance(entry, LMap):
                continue
            rule_ids = _rule_ids(entry.get("rule", entry.get("rules")))
            if not rule_ids:
                continue
            reason = entry.get("reason")
            if isinstance(reason, bool) or not isinstance(reason, str | int | float):
                reason = ""
            self.suppressions.append(
                Suppression(rule_ids, str(reason).strip(), location, kind="metadata")
            )

    # -- resources --------------------------------------------------------------

    def role(self, resource: Resource, properties: LMap) -> None:
        identity = self.identity(resource.address)
        self.entities.roles.append(
            Role(
                resource=resource,
                name=Value(identity.name, identity.name_location),
                path=self.scalar(properties, "Path"),
                arn=identity.arn,
                account=self.account,
                partition=self.options.partition,
                trust_policy=self.policy(properties, "AssumeRolePolicyDocument", "trust"),
                inline_policies=self.inline_policies(properties),
                managed_policy_arns=self.values(properties, "ManagedPolicyArns"),
                permissions_boundary=self.scalar(properties, "PermissionsBoundary"),
                max_session_duration=self.scalar(properties, "MaxSessionDuration"),
            )
        )

    def user(self, resource: Resource, properties: LMap) -> None:
        identity = self.identity(resource.address)
        self.entities.users.append(
            User(
                resource=resource,
                name=Value(identity.name, identity.name_location),
                path=self.scalar(properties, "Path"),
                arn=identity.arn,
                account=self.account,
                partition=self.options.partition,
                groups=self.values(properties, "Groups"),
                inline_policies=self.inline_policies(properties),
                managed_policy_arns=self.values(properties, "ManagedPolicyArns"),
                permissions_boundary=self.scalar(properties, "PermissionsBoundary"),
            )
        )

    def group(self, resource: Resource, properties: LMap) -> None:
        identity = self.identity(resource.address)
        self.entities.groups.append(
            Group(
                resource=resource,
                name=Value(identity.name, identity.name_location),
                path=self.scalar(properties, "Path"),
                arn=identity.arn,
                account=self.account,
                partition=self.options.partition,
                inline_policies=self.inline_policies(properties),
                managed_policy_arns=self.values(properties, "ManagedPolicyArns"),
            )
        )

    def managed_policy(self, resource: Resource, properties: LMap) -> None:
        identity = self.identity(resource.address)
        self.entities.managed_policies.append(
            ManagedPolicy(
                resource=resource,
                name=Value(identity.name, identity.name_location),
                document=self.policy(properties, "PolicyDocument", "identity"),
                arn=identity.arn,
                account=self.account,
                path=self.scalar(properties, "Path"),
            )
        )
        policy_arn = Value(identity.arn, self.key_locations[resource.address])
        for target_kind, target in self.targets(properties):
            self.entities.attachments.append(
                PolicyAttachment(resource, target_kind, target, policy_arn=policy_arn)
            )

    def policy_resource(self, resource: Resource, properties: LMap) -> None:
        """`AWS::IAM::Policy`: one inline document given to several roles, users, groups."""
        document = self.policy(
            properties, "PolicyDocument", "identity", self.name_text(properties, "PolicyName")
        )
        for target_kind, target in self.targets(properties):
            self.entities.attachments.append(
                PolicyAttachment(resource, target_kind, target, document=document)
            )

    def entity_policy(self, resource: Resource, properties: LMap) -> None:
        """`AWS::IAM::RolePolicy`, `UserPolicy`, `GroupPolicy`: one inline document."""
        target_kind, name_property = _ENTITY_POLICY_TARGETS[resource.resource_type]
        document = self.policy(
            properties, "PolicyDocument", "identity", self.name_text(properties, "PolicyName")
        )
        for target in self.values(properties, name_property):
            self.entities.attachments.append(
                PolicyAttachment(resource, target_kind, target, document=document)
            )

    def group_membership(self, resource: Resource, properties: LMap) -> None:
        group = self.scalar(properties, "GroupName")
        if group is None:
            return
        self.entities.memberships.append(
            GroupMembership(resource, group, self.values(properties, "Users"))
        )

    def oidc_provider(self, resource: Resource, properties: LMap) -> None:
        identity = self.identity(resource.address)
        url = self.scalar(properties, "Url") or self.missing("Url", resource)
        self.entities.oidc_providers.append(
            OidcProvider(
                resource=resource,
                url=url,
                client_ids=self.values(properties, "ClientIdList"),
                arn=identity.arn,
            )
        )

    def permission_set(self, resource: Resource, properties: LMap) -> None:
        self.permission_sets.append(
            PermissionSet(
                resource=resource,
                name=self.scalar(properties, "Name") or self.missing("Name", resource),
                session_duration=self.scalar(properties, "SessionDuration"),
                inline_policy=self.policy(properties, "InlinePolicy", "identity"),
            )
        )

    def organization_policy(self, resource: Resource, properties: LMap) -> None:
        policy_type = self.scalar(properties, "Type")
        type_text: Text = (
            policy_type.value if policy_type is not None else self.missing("Type", resource).value
        )
        kind = ORGANIZATION_POLICY_KINDS.get(type_text) if isinstance(type_text, str) else None
        self.organization_policies.append(
            OrganizationPolicy(
                resource=resource,
                name=self.scalar(properties, "Name") or self.missing("Name", resource),
                policy_type=type_text,
                document=self.policy(properties, "Content", kind) if kind else None,
                targets=self.values(properties, "TargetIds"),
            )
        )

    def organization(self, resource: Resource, properties: LMap) -> None:
        self.entities.organizations.append(resource)

    def sam_function(self, resource: Resource, properties: LMap) -> None:
        """A SAM function without `Role` gets a role generated from its properties
        (and those `Globals: Function` gives every function)."""
        properties = self.with_globals(properties, "Function", _SAM_GLOBAL_FUNCTION_PROPERTIES)
        if "Role" in properties or not (
            "AssumeRolePolicyDocument" in properties or "Policies" in properties
        ):
            return
        self.sam_role(resource, properties, _SAM_DEFAULT_TRUST_SERVICE)

    def sam_state_machine(self, resource: Resource, properties: LMap) -> None:
        """A SAM state machine without `Role` gets a role from its `Policies`."""
        if "Role" in properties or "Policies" not in properties:
            return
        self.sam_role(resource, properties, _SAM_STATE_MACHINE_TRUST_SERVICE)

    def with_globals(self, properties: LMap, section: str, names: Sequence[str]) -> LMap:
        """`properties` completed by SAM `Globals` (the resource's own value wins)."""
        globals_section = self.tree.get("Globals") if self.tree is not None else None
        defaults = globals_section.get(section) if isinstance(globals_section, LMap) else None
        if not isinstance(defaults, LMap):
            return properties
        missing = [name for name in names if name in defaults and name not in properties]
        if not missing:
            return properties
        merged = LMap(properties.location)
        for key, value in properties.items():
            merged.put(key, value, properties.key_location(key), properties.value_location(key))
        for name in missing:
            merged.put(
                name, defaults[name], defaults.key_location(name), defaults.value_location(name)
            )
        return merged

    def sam_role(self, resource: Resource, properties: LMap, service: str) -> None:
        """The role SAM generates for a function or state machine."""
        identity = self.identity(sam_role_id(resource.address))
        trust = self.policy(properties, "AssumeRolePolicyDocument", "trust")
        if trust is None:
            trust = read_policy(
                _default_service_trust(resource.location, service), resource.location, "trust"
            )
        documents, managed = self.sam_policies(properties)
        self.entities.roles.append(
            Role(
                resource=resource,
                name=Value(identity.name, identity.name_location),
                path=self.scalar(properties, "RolePath"),
                arn=identity.arn,
                account=self.account,
                partition=self.options.partition,
                trust_policy=trust,
                inline_policies=documents,
                managed_policy_arns=managed,
                permissions_boundary=self.scalar(properties, "PermissionsBoundary"),
            )
        )

    def sam_policies(
        self, properties: LMap
    ) -> tuple[tuple[PolicyDocument, ...], tuple[Value, ...]]:
        """SAM `Policies`: documents are policies, strings are managed policies;
        SAM policy templates (`S3ReadPolicy: {...}`) expand to statements only
        SAM knows, so they are left out."""
        located = self.resolved(properties, "Policies")
        if located is None:
            return (), ()
        policies, location = located
        if not isinstance(policies, LList | Alternatives):
            single = LList(location)
            single.add(policies, location)
            policies = single
        documents: list[PolicyDocument] = []
        managed: list[Value] = []
        for labels, item, item_location in self.items(policies, location):
            if isinstance(item, LMap) and any(key.lower() == "statement" for key in item):
                node = _labelled(item, item_location, labels)
                documents.append(read_policy(node, item_location, "identity"))
            elif isinstance(item, str | Unknown):
                managed.append(
                    Value(item, item_location, "unknown" if isinstance(item, Unknown) else "str")
                )
        return tuple(documents), tuple(managed)

    def missing(self, name: str, resource: Resource) -> Value:
        """An unknown value for a required property the resource does not set."""
        location = self.key_locations[resource.address]
        return Value(Unknown(name, location, f"{name} is not set"), location, "unknown")

    # -- properties -----------------------------------------------------------

    def identity(self, address: str) -> Identity:
        logical_id = address.removeprefix(self.instance.prefix)
        identity = self.resolver.identity(logical_id)
        if identity is None:  # pragma: no cover - every handled type has one
            raise AssertionError(f"no identity for {logical_id}")
        return identity

    def resolved(self, properties: LMap, name: str) -> Located | None:
        if name not in properties:
            return None
        return self.resolver.resolve(properties[name]), properties.value_location(name)

    def scalar(self, properties: LMap, name: str) -> Value | None:
        """A property holding one value; a conditional one is unknown unless all branches agree."""
        located = self.resolved(properties, name)
        if located is None:
            return None
        value, location = located
        if value is NO_VALUE:
            return None
        if isinstance(value, Alternatives):
            choices = self.resolver.choices(value)
            if choices is None:
                reason = "depends on too many conditions"
            else:
                distinct = {repr(item): item for _labels, item in choices if item is not NO_VALUE}
                if not distinct:
                    return None
                if len(distinct) == 1:
                    (only,) = distinct.values()
                    return to_value(only, location)
                labels = ", ".join(" and ".join(labels) for labels, _item in choices)
                reason = f"depends on conditions: {labels}"
            unknown = Unknown(self.resolver.source_text(location), location, reason)
            return Value(unknown, location, "unknown")
        return to_value(value, location)

    def name_text(self, properties: LMap, name: str) -> Text | None:
        value = self.scalar(properties, name)
        return None if value is None else value.value

    def values(self, properties: LMap, name: str) -> tuple[Value, ...]:
        """A property holding a list (or one value); every branch's items count."""
        located = self.resolved(properties, name)
        if located is None:
            return ()
        node, location = located
        found: dict[tuple[str, Location], Value] = {}
        for _labels, item, item_location in self.items(node, location):
            value = to_value(item, item_location)
            found.setdefault((repr(value.value), item_location), value)
        return tuple(found.values())

    def items(self, node: Any, location: Location) -> list[tuple[tuple[str, ...], Any, Location]]:
        """The items of a list value, through conditionals: (branch labels, item, location)."""
        result: list[tuple[tuple[str, ...], Any, Location]] = []
        for labels, value, value_location in _branches(node, location, ()):
            if isinstance(value, LList):
                for index, item in enumerate(value):
                    result.extend(
                        (labels + item_labels, choice, choice_location)
                        for item_labels, choice, choice_location in _branches(
                            item, value.item_location(index), ()
                        )
                    )
            else:
                result.append((labels, value, value_location))
        return result

    def inline_policies(self, properties: LMap) -> tuple[PolicyDocument, ...]:
        """`Policies: [{PolicyName, PolicyDocument}]` of a role, user or group."""
        located = self.resolved(properties, "Policies")
        if located is None:
            return ()
        node, location = located
        documents: list[PolicyDocument] = []
        for labels, item, _item_location in self.items(node, location):
            if not isinstance(item, LMap):
                continue
            name = (
                to_value(item["PolicyName"], item.value_location("PolicyName")).value
                if "PolicyName" in item
                else None
            )
            document_location = item.value_location("PolicyDocument")
            document = _without_absent_branches(item.get("PolicyDocument"))
            if document is NO_VALUE:
                continue
            document = _labelled(document, document_location, labels)
            documents.append(read_policy(document, document_location, "identity", name))
        return tuple(documents)

    def policy(
        self,
        properties: LMap,
        name: str,
        kind: PolicyKind,
        policy_name: Text | None = None,
    ) -> PolicyDocument | None:
        located = self.resolved(properties, name)
        if located is None:
            return None
        node, location = located
        node = _without_absent_branches(node)
        if node is NO_VALUE:
            return None
        return read_policy(node, location, kind, policy_name)

    def targets(self, properties: LMap) -> list[tuple[TargetKind, Value]]:
        return [
            (target_kind, target)
            for target_kind, property_name in _TARGET_PROPERTIES
            for target in self.values(properties, property_name)
        ]


def _branches(
    node: Any, location: Location, labels: tuple[str, ...]
) -> list[tuple[tuple[str, ...], Any, Location]]:
    """A value through its conditionals: every concrete choice, `NO_VALUE` dropped."""
    if node is NO_VALUE:
        return []
    if not isinstance(node, Alternatives):
        return [(labels, node, location)]
    result: list[tuple[tuple[str, ...], Any, Location]] = []
    for branch in node.branches:
        result.extend(_branches(branch.value, branch.location, (*labels, branch.label)))
    return result


def _without_absent_branches(node: Any) -> Any:
    """A conditional whole value without its `AWS::NoValue` branches (`NO_VALUE` if none is left).

    `Fn::If [C, {...}, !Ref AWS::NoValue]` as a policy means "no policy when C
    is false", not a policy that is malformed.
    """
    if not isinstance(node, Alternatives):
        return node
    branches = []
    for branch in node.branches:
        value = _without_absent_branches(branch.value)
        if value is not NO_VALUE:
            branches.append(Branch(branch.label, value, branch.location))
    if not branches:
        return NO_VALUE
    return Alternatives(tuple(branches), node.location)


def _labelled(node: Any, location: Location, labels: tuple[str, ...]) -> Any:
    """`node` as the only branch of a conditional, so its statements carry `labels`."""
    if not labels:
        return node
    return Alternatives((Branch(" and ".join(labels), node, location),), location)


def _rule_ids(node: Any) -> tuple[str, ...]:
    texts: list[str] = []
    if isinstance(node, str):
        texts = [node]
    elif isinstance(node, list):
        texts = [item for item in node if isinstance(item, str)]
    return tuple(rule.upper() for text in texts for rule in _RULE_ID_SEPARATORS.split(text) if rule)


def _default_service_trust(location: Location, service: str) -> LMap:
    """The trust policy SAM gives a role it generates, located at its resource."""

    def mapping(entries: dict[str, Any]) -> LMap:
        node = LMap(location)
        for key, value in entries.items():
            node.put(key, value, location, location)
        return node

    def sequence(*items: Any) -> LList:
        node = LList(location)
        for item in items:
            node.add(item, location)
        return node

    statement = mapping(
        {
            "Effect": "Allow",
            "Principal": mapping({"Service": sequence(service)}),
            "Action": sequence("sts:AssumeRole"),
        }
    )
    return mapping({"Version": "2012-10-17", "Statement": sequence(statement)})


_ENTITY_POLICY_TARGETS: dict[str, tuple[TargetKind, str]] = {
    "AWS::IAM::RolePolicy": ("role", "RoleName"),
    "AWS::IAM::UserPolicy": ("user", "UserName"),
    "AWS::IAM::GroupPolicy": ("group", "GroupName"),
}

_HANDLERS: dict[str, Callable[[_TemplateReader, Resource, LMap], None]] = {
    "AWS::IAM::Role": _TemplateReader.role,
    "AWS::IAM::User": _TemplateReader.user,
    "AWS::IAM::Group": _TemplateReader.group,
    "AWS::IAM::ManagedPolicy": _TemplateReader.managed_policy,
    "AWS::IAM::Policy": _TemplateReader.policy_resource,
    "AWS::IAM::RolePolicy": _TemplateReader.entity_policy,
    "AWS::IAM::UserPolicy": _TemplateReader.entity_policy,
    "AWS::IAM::GroupPolicy": _TemplateReader.entity_policy,
    "AWS::IAM::UserToGroupAddition": _TemplateReader.group_membership,
    "AWS::IAM::OIDCProvider": _TemplateReader.oidc_provider,
    "AWS::SSO::PermissionSet": _TemplateReader.permission_set,
    "AWS::Organizations::Policy": _TemplateReader.organization_policy,
    "AWS::Organizations::Organization": _TemplateReader.organization,
    "AWS::Serverless::Function": _TemplateReader.sam_function,
    "AWS::Serverless::StateMachine": _TemplateReader.sam_state_machine,
    "AWS::CloudFormation::Stack": nested_stack,
    "AWS::Serverless::Application": nested_stack,
    "AWS::CloudFormation::StackSet": stack_set,
}
