"""`terraform show -json` output (a plan, or state) into the model.

A plan holds what Terraform resolved: names, account ids inside ARNs and
policies as JSON strings are literal there. Each IAM resource of
`planned_values` (or `values` for state) becomes an entity; its locations point
at the `.tf` block of the same address when that block is found in the
module's directory (the plan's directory for the root module, the sources in
`configuration` for child modules), else into the plan file. Attributes the
plan marks as known only after apply are `Unknown`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trustlint.arns import parse_arn
from trustlint.config import LoadOptions
from trustlint.frontends.terraform.resources import BUILDERS, Collected
from trustlint.model import (
    THIS_ACCOUNT,
    Location,
    PolicyDocument,
    PolicyKind,
    Resource,
    SourceUnit,
    Suppression,
    Text,
    Unknown,
    Value,
    generated_name,
)
from trustlint.patterns import lazy_compile
from trustlint.policy_reader import raw_type, read_policy, scalar_text
from trustlint.records import record, replace
from trustlint.tree import LList, LMap

_INDEX = lazy_compile(r"\[[^\]]*\]")
_MODULE_PREFIX = lazy_compile(r"^(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*")
_MODULE_STEP = lazy_compile(r"^module\.([^.\[]+)(?:\[[^\]]*\])?\.")
_CONFIGURATION_ONLY = frozenset({"aws_organizations_organization"})
"""Types of the resource table read from configurations but not from plans: a
plan's organization does not (yet) make its account the management account."""


def is_plan(tree: object) -> bool:
    """`terraform show -json` output: `format_version` with planned or current values."""
    if not isinstance(tree, dict) or "format_version" not in tree:
        return False
    return any(key in tree for key in ("planned_values", "values", "configuration"))


def read_plan(tree: LMap, path: str, root: Path, options: LoadOptions) -> SourceUnit:
    """The IAM entities of a plan or state file; `path` is its project-relative path."""
    return _PlanReader(tree, path, root, options).read()


# ---------------------------------------------------------------------------


@record
class _PlanResource:
    """One resource instance of the plan, and where its configuration is written."""

    address: str
    resource_type: str
    values: LMap
    location: Location
    """The `.tf` block, or the resource's object in the plan file."""
    block: Any
    """The `hcl_syntax.Block` of its configuration, or None when not found."""
    unknown: frozenset[str]
    """Attributes the plan knows only after apply."""


class _PlanReader:
    def __init__(self, tree: LMap, path: str, root: Path, options: LoadOptions) -> None:
        self.tree = tree
        self.path = path
        self.root = root
        self.options = options
        self.plan_directory = Path(os.path.abspath(root / path)).parent
        self.paths: dict[str, None] = {path: None}
        self.suppressions: dict[Location, Suppression] = {}
        self.notes: list[str] = []
        self._blocks: dict[Path, dict[str, Any]] = {}
        self._after_unknown = self._unknown_attributes()
        self.account = self._caller_account()

    def read(self) -> SourceUnit:
        entities = _PlanEntities(self)
        for resource in self._resources():
            builder = BUILDERS.get(resource.resource_type)
            if builder is not None and resource.resource_type not in _CONFIGURATION_ONLY:
                builder(PlannedResource(entities, resource), entities.collected)
        return entities.unit()

    # -- walking the plan --------------------------------------------------------------

    def _root_module(self) -> LMap | None:
        for key in ("planned_values", "values"):
            section = self.tree.get(key)
            if isinstance(section, LMap) and isinstance(section.get("root_module"), LMap):
                root_module: LMap = section["root_module"]
                return root_module
        return None

    def _resources(self) -> Iterator[_PlanResource]:
        root_module = self._root_module()
        if root_module is None:
            return
        for module in _modules(root_module):
            resources = module.get("resources")
            if not isinstance(resources, LList):
                continue
            for index, item in enumerate(resources):
                if not isinstance(item, LMap) or item.get("mode", "managed") != "managed":
                    continue
                address, resource_type = item.get("address"), item.get("type")
                values = item.get("values")
                if not isinstance(address, str) or not isinstance(resource_type, str):
                    continue
                if not isinstance(values, LMap):
                    values = LMap(resources.item_location(index))
                block = self._block(address)
                location = block.location if block is not None else resources.item_location(index)
                yield _PlanResource(
                    address,
                    resource_type,
                    values,
                    location,
                    block,
                    self._after_unknown.get(address, frozenset()),
                )

    def _unknown_attributes(self) -> dict[str, frozenset[str]]:
        changes = self.tree.get("resource_changes")
        result: dict[str, frozenset[str]] = {}
        if not isinstance(changes, LList):
            return result
        for change in changes:
            if not isinstance(change, LMap) or not isinstance(change.get("address"), str):
                continue
            detail = change.get("change")
            after_unknown = detail.get("after_unknown") if isinstance(detail, LMap) else None
            if isinstance(after_unknown, LMap):
                result[change["address"]] = frozenset(
                    key for key, value in after_unknown.items() if value is not False
                )
        return result

    def _caller_account(self) -> str | None:
        for key in ("prior_state", "planned_values", "values"):
            section = self.tree.get(key)
            if key == "prior_state" and isinstance(section, LMap):
                section = section.get("values")
            if not isinstance(section, LMap) or not isinstance(section.get("root_module"), LMap):
                continue
            for module in _modules(section["root_module"]):
                resources = module.get("resources")
                for item in resources if isinstance(resources, LList) else ():
                    if not isinstance(item, LMap) or item.get("type") != "aws_caller_identity":
                        continue
                    values = item.get("values")
                    account = values.get("account_id") if isinstance(values, LMap) else None
                    if isinstance(account, str) and account:
                        return account
        return None

    # -- configuration -----------------------------------------------------------------

    def _block(self, address: str) -> Any:
        """The `.tf` block configuring a resource instance, or None."""
        directory = self.plan_directory
        calls = self._configuration_calls()
        rest = address
        while True:
            match = _MODULE_STEP.match(rest)
            if match is None:
                break
            call = calls.get(match.group(1)) if calls is not None else None
            source = call.get("source") if isinstance(call, LMap) else None
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                return None
            directory = Path(os.path.normpath(directory / source))
            module = call.get("module") if isinstance(call, LMap) else None
            calls = module.get("module_calls") if isinstance(module, LMap) else None
            rest = rest[match.end() :]
        return self._blocks_in(directory).get(_INDEX.sub("", rest))

    def _configuration_calls(self) -> LMap | None:
        configuration = self.tree.get("configuration")
        root_module = configuration.get("root_module") if isinstance(configuration, LMap) else None
        calls = root_module.get("module_calls") if isinstance(root_module, LMap) else None
        return calls if isinstance(calls, LMap) else None

    def _blocks_in(self, directory: Path) -> dict[str, Any]:
        if directory in self._blocks:
            return self._blocks[directory]
        blocks: dict[str, Any] = {}
        self._blocks[directory] = blocks
        real_root = os.path.realpath(self.root)
        real = os.path.realpath(directory)
        if not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)):
            return blocks
        # Only a plan whose configuration is present needs the HCL parser.
        from trustlint.frontends.terraform.module import resource_blocks

        for block, file_path, suppressions in resource_blocks(directory, self.root, self.options):
            key = f"{block.labels[0]}.{block.labels[1]}"
            if key not in blocks:
                blocks[key] = block
            self.paths[file_path] = None
            for suppression in suppressions:
                self.suppressions.setdefault(suppression.location, suppression)
        return blocks


def _modules(root_module: LMap) -> Iterator[LMap]:
    stack = [root_module]
    while stack:
        module = stack.pop()
        yield module
        children = module.get("child_modules")
        if isinstance(children, LList):
            stack.extend(reversed([c for c in children if isinstance(c, LMap)]))


# ---------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------


class _PlanEntities:
    def __init__(self, reader: _PlanReader) -> None:
        self.reader = reader
        self.collected = Collected()

    @property
    def partition(self) -> str:
        return self.reader.options.partition

    def unit(self) -> SourceUnit:
        reader = self.reader
        collected = self.collected
        permission_sets = []
        for keys, permission_set in collected.permission_sets:
            document = next(
                (doc for target, doc, _ in collected.permission_set_policies if target in keys),
                None,
            )
            if document is not None:
                permission_set = replace(permission_set, inline_policy=document)
            permission_sets.append(permission_set)
        organization_policies = []
        for keys, policy in collected.organization_policies:
            targets = tuple(
                t for policy_key, t, _ in collected.organization_targets if policy_key in keys
            )
            organization_policies.append(replace(policy, targets=targets))
        return collected.source_unit(
            reader.path,
            "terraform-plan",
            tuple(sorted(reader.paths)),
            account=reader.account,
            permission_sets=permission_sets,
            organization_policies=organization_policies,
            suppressions=sorted(reader.suppressions.values(), key=lambda s: s.location),
            notes=reader.notes,
        )

    # -- values ---------------------------------------------------------------------------

    def resource(self, item: _PlanResource) -> Resource:
        return Resource(item.address, item.resource_type, item.location, self.reader.path)

    def location(self, item: _PlanResource, key: str) -> Location:
        """Where attribute `key` is written: in the `.tf` block, else in the plan."""
        if item.block is not None:
            attribute = item.block.attributes.get(key)
            return attribute.value_location if attribute is not None else item.location
        return item.values.value_location(key) if key in item.values else item.location

    def raw(self, item: _PlanResource, key: str) -> Any:
        if key in item.unknown and item.values.get(key) is None:
            return Unknown(f"{item.address}.{key}", self.location(item, key), "known after apply")
        return item.values.get(key)

    def value(self, item: _PlanResource, key: str) -> Value | None:
        return _value(self.raw(item, key), self.location(item, key))

    def values(self, item: _PlanResource, key: str) -> tuple[Value, ...]:
        raw = self.raw(item, key)
        location = self.location(item, key)
        if isinstance(raw, LList):
            exact = item.block is None
            return tuple(
                _value(element, raw.item_location(index) if exact else location)
                or Value("", location)
                for index, element in enumerate(raw)
                if element is not None
            )
        single = _value(raw, location)
        return () if single is None else (single,)

    def policy(
        self,
        item: _PlanResource,
        key: str,
        kind: PolicyKind,
        *,
        name: Text | None = None,
        raw: Any = None,
        location: Location | None = None,
    ) -> PolicyDocument | None:
        document = self.raw(item, key) if raw is None else raw
        if document is None or document == "":
            return None
        return read_policy(document, location or self.location(item, key), kind, name)

    def account_of(self, arn: Any) -> Text:
        if isinstance(arn, str):
            parsed = parse_arn(arn)
            if parsed is not None and parsed.account:
                return parsed.account
        return self.reader.account or THIS_ACCOUNT

    def identity(self, item: _PlanResource, kind: str) -> tuple[Value, Value | None, Text]:
        """Name, path and ARN of a role, user, group or policy instance."""
        name = self.value(item, "name")
        if name is None or (isinstance(name.value, Unknown) and "name_prefix" in item.values):
            name = Value(generated_name(item.address), self.location(item, "name"))
        path = self.value(item, "path")
        arn_raw = self.raw(item, "arn")
        arn: Text
        if isinstance(arn_raw, str) and arn_raw:
            arn = arn_raw
        elif isinstance(name.value, str):
            path_text = path.value if path is not None and isinstance(path.value, str) else "/"
            account = self.reader.account or THIS_ACCOUNT
            arn = f"arn:{self.partition}:iam::{account}:{kind}{path_text}{name.value}"
        else:
            arn = Unknown(f"{item.address}.arn", item.location, "known after apply")
        return name, path, arn


def _value(raw: Any, location: Location) -> Value | None:
    if raw is None:
        return None
    if isinstance(raw, Unknown):
        return Value(raw, location, "unknown")
    text = scalar_text(raw)
    if text is None:
        return Value(Unknown(str(raw)[:200], location, "not a single value"), location, "unknown")
    return Value(text, location, raw_type(raw))


class PlannedResource:
    """A resource of the plan, as `resources.BUILDERS` reads it."""

    def __init__(self, entities: _PlanEntities, item: _PlanResource) -> None:
        self.entities = entities
        self.item = item

    @property
    def address(self) -> str:
        return self.item.address

    def resource(self) -> Resource:
        return self.entities.resource(self.item)

    def value(self, key: str) -> Value | None:
        return self.entities.value(self.item, key)

    def values(self, key: str) -> tuple[Value, ...]:
        return self.entities.values(self.item, key)

    def text(self, key: str) -> Text | None:
        """The attribute when it is a string; None otherwise (not set, or not known)."""
        raw = self.entities.raw(self.item, key)
        return raw if isinstance(raw, str) else None

    def policy(
        self, key: str, kind: PolicyKind, *, name: Text | None = None
    ) -> PolicyDocument | None:
        return self.entities.policy(self.item, key, kind, name=name)

    def identity(self, kind: str) -> tuple[Value, Value | None, Text]:
        return self.entities.identity(self.item, kind)

    def account(self, arn: Text) -> Text:
        return self.entities.account_of(arn)

    def partition(self, arn: Text) -> str:
        return _partition(arn, self.entities.partition)

    def required_name(self) -> Value:
        item = self.item
        return self.entities.value(item, "name") or Value(
            Unknown(f"{item.address}.name", item.location, "not set"), item.location, "unknown"
        )

    def name_text(self) -> Text | None:
        name = self.entities.value(self.item, "name")
        return name.value if name else None

    def inline_policies(self) -> tuple[PolicyDocument, ...]:
        entities, item = self.entities, self.item
        inline_policies = []
        inline = entities.raw(item, "inline_policy")
        for index, policy in enumerate(inline if isinstance(inline, LList) else ()):
            if not isinstance(policy, LMap) or not policy.get("policy"):
                continue
            policy_name = policy.get("name")
            document = entities.policy(
                item,
                "inline_policy",
                "identity",
                name=policy_name if isinstance(policy_name, str) else None,
                raw=policy["policy"],
                location=_inline_policy_location(entities, item, inline, index),
            )
            if document is not None:
                inline_policies.append(document)
        return tuple(inline_policies)

    def oidc_arn(self, url: Value) -> Text | None:
        entities = self.entities
        arn = entities.raw(self.item, "arn")
        if not isinstance(arn, str) and isinstance(url.value, str):
            host = url.value.removeprefix("https://")
            account = entities.reader.account or THIS_ACCOUNT
            arn = f"arn:{entities.partition}:iam::{account}:oidc-provider/{host}"
        return arn if isinstance(arn, str | Unknown) else None

    def own_key(self, id_attribute: str) -> Any:
        """The address and, when the plan knows it, the ARN or id: either may be referred to."""
        value = self.entities.raw(self.item, id_attribute)
        address = self.item.address
        return frozenset({address, value} if isinstance(value, str) else {address})

    def reference(self, key: str, resource_type: str) -> Any:
        return _target(self.entities, self.item, key, resource_type)


def _inline_policy_location(
    entities: _PlanEntities, item: _PlanResource, plan_list: LList, index: int
) -> Location:
    """The `policy` of the index-th `inline_policy` block, or of the plan's entry."""
    if item.block is None:
        entry = plan_list[index]
        return entry.value_location("policy") if "policy" in entry else plan_list.location
    blocks = item.block.blocks_of("inline_policy")
    if index < len(blocks) and "policy" in blocks[index].attributes:
        location: Location = blocks[index].attributes["policy"].value_location
        return location
    return entities.location(item, "inline_policy")


def _partition(arn: Text, default: str) -> str:
    if isinstance(arn, str):
        parsed = parse_arn(arn)
        if parsed is not None and parsed.partition:
            return parsed.partition
    return default


def _target(entities: _PlanEntities, item: _PlanResource, key: str, resource_type: str) -> Any:
    """The ARN or id a resource points at, else the address its configuration names."""
    value = entities.raw(item, key)
    if isinstance(value, str):
        return value
    attribute = item.block.attributes.get(key) if item.block is not None else None
    if attribute is None:
        return None
    text = attribute.file.node_text(attribute.expression)
    match = re.search(rf"\b{resource_type}\.([A-Za-z0-9_-]+)", text)
    if match is None:
        return None
    prefix = _MODULE_PREFIX.match(item.address)
    return f"{prefix.group() if prefix else ''}{resource_type}.{match.group(1)}"
