"""The model entities of a module and of the modules it calls, built through the
shared resource table (`resources.BUILDERS`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustlint.frontends.terraform.hcl_eval import Evaluator
from trustlint.frontends.terraform.hcl_json import json_document
from trustlint.frontends.terraform.hcl_syntax import Attribute, Block
from trustlint.frontends.terraform.hcl_values import EncodedJson
from trustlint.frontends.terraform.policy_documents import attribute_value
from trustlint.frontends.terraform.project import Project
from trustlint.frontends.terraform.resources import BUILDERS, Collected
from trustlint.frontends.terraform.scope import Address, Identity, ModuleScope, oidc_arn, site_of
from trustlint.model import (
    Location,
    PolicyDocument,
    PolicyKind,
    Resource,
    SourceUnit,
    Text,
    Unknown,
    Value,
    generated_name,
)
from trustlint.policy_reader import raw_type, read_policy, scalar_text
from trustlint.records import fields, replace
from trustlint.tree import LList

_COLLECTED_LISTS = tuple(f.name for f in fields(Collected))


class ModuleEntities:
    """Builds the model entities of a module and of the local modules it calls."""

    def __init__(self, project: Project, unit: str) -> None:
        self.project = project
        self.unit_id = unit
        self.collected = Collected()
        self._seen: set[int] = set()
        self.modules: list[ModuleScope] = []

    def add_module(self, module: ModuleScope) -> None:
        if id(module) in self._seen:
            return
        self._seen.add(id(module))
        self.modules.append(module)
        before = self._sizes()
        for address in module.resources.values():
            builder = BUILDERS.get(address.resource_type)
            if builder is None:
                continue
            # Not known: one entity, whose `count.*` / `each.*` stay unknown.
            instances = module.expanded(address.block)
            if not instances:
                self.project.note(f"{address.full} is not created (count or for_each is empty)")
                continue
            for instance in instances:
                builder(
                    ConfiguredResource(self, module.for_instance(instance), address.at(instance)),
                    self.collected,
                )
        self._reroute(module.prefix, before)
        for name in module.calls:
            for child in module.children(name):
                self.add_module(child)

    def _sizes(self) -> dict[str, int]:
        return {name: len(getattr(self.collected, name)) for name in _COLLECTED_LISTS}

    def _reroute(self, prefix: str, before: Mapping[str, int]) -> None:
        """Locate the values callers passed to module instance `prefix` at the caller."""
        if not prefix:
            return
        for name, size in before.items():
            if len(getattr(self.collected, name)) == size:
                continue
            built = getattr(self.collected, name)
            built[size:] = self.project.calls.reroute(prefix, tuple(built[size:]))

    def unit(self) -> SourceUnit:
        collected = self.collected
        permission_sets = []
        used_policies: set[int] = set()
        for key, permission_set in collected.permission_sets:
            for index, (target, document, _address) in enumerate(collected.permission_set_policies):
                if target == key and index not in used_policies:
                    used_policies.add(index)
                    permission_set = replace(permission_set, inline_policy=document)
                    break
            permission_sets.append(permission_set)
        for index, (_target, _document, address) in enumerate(collected.permission_set_policies):
            if index not in used_policies:
                self.project.note(f"{address}: the permission set it belongs to is not in the scan")
        organization_policies = []
        for key, policy in collected.organization_policies:
            targets = tuple(v for target, v, _ in collected.organization_targets if target == key)
            organization_policies.append(replace(policy, targets=targets))
        project = self.project
        unit = collected.source_unit(
            self.unit_id,
            "terraform",
            tuple(sorted(project.paths)),
            permission_sets=permission_sets,
            organization_policies=organization_policies,
            suppressions=sorted(project.suppressions.values(), key=lambda s: s.location),
            errors=sorted(project.errors.values(), key=lambda e: e.location),
            notes=project.notes,
        )
        unit = replace(
            unit, account=project.calls.unit_account(), calls=tuple(project.calls.called)
        )
        from trustlint.frontends.terraform.trust_documents import with_unattached_trust_documents

        return with_unattached_trust_documents(unit, self.modules)

    # -- helpers ------------------------------------------------------------------------

    def resource(self, address: Address) -> Resource:
        return Resource(address.full, address.resource_type, address.block.location, self.unit_id)

    def name(self, module: ModuleScope, address: Address) -> Value:
        """The resource's `name`, or an `Unknown` where it does not set one."""
        block = address.block
        return self.value(module, block, "name") or Value(
            Unknown(f"{address.full}.name", block.location, "the name is not set"),
            block.location,
            "unknown",
        )

    def value(self, module: ModuleScope, block: Block, name: str) -> Value | None:
        attribute = block.attributes.get(name)
        if attribute is None:
            return None
        value = module.evaluate(attribute)
        if value is None:
            return None
        return _to_value(value, attribute)

    def values(self, module: ModuleScope, block: Block, name: str) -> tuple[Value, ...]:
        attribute = block.attributes.get(name)
        if attribute is None:
            return ()
        value = module.evaluate(attribute)
        if value is None:
            return ()
        if isinstance(value, LList):
            return tuple(
                _to_value(item, attribute, value.item_location(index))
                for index, item in enumerate(value)
                if item is not None
            )
        return (_to_value(value, attribute),)

    def policy(
        self,
        module: ModuleScope,
        block: Block,
        name: str,
        kind: PolicyKind,
        *,
        evaluator: Evaluator | None = None,
        policy_name: Text | None = None,
    ) -> PolicyDocument | None:
        attribute = block.attributes.get(name)
        if attribute is None:
            return None
        evaluator = evaluator or module.evaluator(attribute.file)
        value = evaluator.evaluate(attribute.expression)
        if value is None or (isinstance(value, str) and not value.strip()):
            # An empty policy is no policy: a reusable module's default for an
            # input its callers always give.
            return None
        options = self.project.options
        location = attribute.value_location
        tree = json_document(
            value, location, max_depth=options.max_depth, max_nodes=options.max_nodes
        )
        return read_policy(tree, location, kind, policy_name)

    def text(self, module: ModuleScope, block: Block, name: str) -> Text | None:
        value = self.value(module, block, name)
        return None if value is None else value.value


def _to_value(value: Any, attribute: Attribute, location: Location | None = None) -> Value:
    location = location or attribute.value_location
    if isinstance(value, Unknown):
        return Value(Unknown(value.text, value.location, value.reason), location, "unknown")
    text = scalar_text(value)
    if text is None or isinstance(value, EncodedJson):
        return Value(
            Unknown(
                attribute.file.node_text(attribute.expression)[:200],
                location,
                "not a single known value",
            ),
            location,
            "unknown",
        )
    return Value(str(text) if isinstance(text, str) else text, location, raw_type(value))


def _identity_value(identity_part: Any, location: Location) -> Value:
    if isinstance(identity_part, Unknown):
        unknown = Unknown(identity_part.text, identity_part.location, identity_part.reason)
        return Value(unknown, location, "unknown")
    return Value(str(identity_part), location, "str")


def _name_value(module: ModuleScope, address: Address) -> tuple[Identity, Value, Value | None]:
    identity = module.identity(address)
    name = _identity_value(identity.name, identity.name_location)
    path = (
        _identity_value(identity.path, identity.path_location)
        if identity.path_location is not None
        else None
    )
    return identity, name, path


def _arn_text(identity: Identity) -> Text:
    arn = identity.arn
    return arn if isinstance(arn, Unknown) else str(arn)


def _text(value: Any, block: Block) -> Text | None:
    if value is None:
        return None
    if isinstance(value, Unknown):
        return Unknown(value.text, value.location, value.reason)
    text = scalar_text(value)
    if isinstance(text, str):
        return str(text)
    return Unknown("name", block.location, "not a single known value")


class ConfiguredResource:
    """A `resource` block instance evaluated in its module, as `resources.BUILDERS` reads it."""

    def __init__(self, entities: ModuleEntities, module: ModuleScope, address: Address) -> None:
        self.entities = entities
        self.module = module
        self.full = address

    @property
    def address(self) -> str:
        return self.full.full

    def resource(self) -> Resource:
        return self.entities.resource(self.full)

    def value(self, key: str) -> Value | None:
        return self.entities.value(self.module, self.full.block, key)

    def values(self, key: str) -> tuple[Value, ...]:
        return self.entities.values(self.module, self.full.block, key)

    def text(self, key: str) -> Text | None:
        """The attribute's text; None when it is not set or empty."""
        return self.entities.text(self.module, self.full.block, key) or None

    def policy(
        self, key: str, kind: PolicyKind, *, name: Text | None = None
    ) -> PolicyDocument | None:
        return self.entities.policy(self.module, self.full.block, key, kind, policy_name=name)

    def identity(self, kind: str) -> tuple[Value, Value | None, Text]:
        """Name, path and ARN; the kind is the resource type's (`_ARN_KINDS`)."""
        identity, name, path = _name_value(self.module, self.full)
        return name, path, _arn_text(identity)

    def account(self, arn: Text) -> Text:
        """The account of the resource's provider configuration."""
        return self.module.project.calls.account(self.module, self.full.block)

    def partition(self, arn: Text) -> str:
        return self.entities.project.options.partition

    def required_name(self) -> Value:
        return self.entities.name(self.module, self.full)

    def name_text(self) -> Text | None:
        name = self.entities.text(self.module, self.full.block, "name")
        if name is None and "name_prefix" in self.full.block.attributes:
            return generated_name(self.full.full)
        return name

    def inline_policies(self) -> tuple[PolicyDocument, ...]:
        module, block = self.module, self.full.block
        inline_policies: list[PolicyDocument] = []
        for entry in module.expand_blocks(block, "inline_policy", module.evaluator(block.file)):
            if isinstance(entry, Unknown):
                unknown_policy = PolicyDocument(
                    "identity", entry.location or block.location, unknown=entry
                )
                inline_policies.append(unknown_policy)
                continue
            inline_block, evaluator = entry
            policy_name = attribute_value(inline_block, "name", evaluator)
            document = self.entities.policy(
                module,
                inline_block,
                "policy",
                "identity",
                evaluator=evaluator,
                policy_name=_text(policy_name, inline_block),
            )
            if document is not None:
                inline_policies.append(document)
        return tuple(inline_policies)

    def oidc_arn(self, url: Value) -> Text | None:
        arn = oidc_arn(self.module, self.full, site_of(self.full))
        return arn if isinstance(arn, Unknown) else str(arn)

    def own_key(self, id_attribute: str) -> Any:
        """The name a reference to this resource's `id_attribute` resolves to."""
        return generated_name(self.full.full)

    def reference(self, key: str, resource_type: str) -> Any:
        """Attribute `key` as evaluated: a reference to a resource gives its `own_key`."""
        block = self.full.block
        return attribute_value(block, key, self.module.evaluator(block.file))
