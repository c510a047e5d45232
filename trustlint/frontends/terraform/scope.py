"""A module instance and what its references mean: variables, locals, resources,
data sources, module outputs, and the attributes AWS computes for IAM resources."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from trustlint import budgets
from trustlint.frontends.source_text import SourceError, read_source
from trustlint.frontends.terraform.hcl_eval import Evaluator, Scope
from trustlint.frontends.terraform.hcl_operations import apply_steps, iteration
from trustlint.frontends.terraform.hcl_syntax import Attribute, Block, HclFile, read_body
from trustlint.frontends.terraform.hcl_values import EvalError, OpenObject, Site, Step
from trustlint.frontends.terraform.instances import (
    NO_BINDINGS,
    SINGLE,
    Instance,
    InstanceKey,
    count_instances,
    find_instance,
    for_each_instances,
    instance_list,
    is_repeated,
)
from trustlint.frontends.terraform.module_calls import CallerInput
from trustlint.frontends.terraform.policy_documents import PolicyDocumentData
from trustlint.frontends.terraform.project import Project
from trustlint.frontends.terraform.variable_types import TypeConversion
from trustlint.frontends.yaml_loader import LoadError, load_json
from trustlint.model import Location, Unknown, generated_name
from trustlint.records import record, replace
from trustlint.tree import LMap

MAX_MODULE_NESTING = 16
"""Local module calls deeper than this are not followed (a note says so)."""
MAX_REFERENCE_CHAIN = 48
"""Locals, variables and outputs being evaluated at once; beyond it, `Unknown`."""

_MODULE_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
_META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle"})
_TFVARS_NAMES = ("terraform.tfvars", "terraform.tfvars.json")

_Computed = Callable[["ModuleScope", "Address", Site], Any]


@record
class Address:
    """A resource block of a module and its full address."""

    resource_type: str
    name: str
    block: Block
    full: str
    """With the module prefix and instance key: `module.app.aws_iam_role.exec[0]`."""
    instance: Instance = SINGLE
    """The instance of the block (its key and `count` / `each` bindings)."""

    def at(self, instance: Instance) -> Address:
        """The address of one instance of this block."""
        return replace(self, full=self.full + instance.suffix, instance=instance)


@record
class Identity:
    """Name, path and ARN of an IAM role, user, group or policy resource."""

    name: Any
    path: Any
    arn: Any
    name_location: Location
    path_location: Location | None


_ARN_KINDS = {
    "aws_iam_role": "role",
    "aws_iam_user": "user",
    "aws_iam_group": "group",
    "aws_iam_policy": "policy",
}
_GENERATED_NAMES = frozenset({"aws_iam_role", "aws_iam_policy"})
"""Types whose name Terraform generates when `name` is absent (`name_prefix`)."""


class ModuleScope(Scope):
    """A module instance: its blocks, its inputs, and the meaning of its references."""

    def __init__(
        self,
        project: Project,
        directory: Path,
        *,
        prefix: str,
        inputs: Mapping[str, Callable[[], Any]] | None,
        stack: tuple[Path, ...],
    ) -> None:
        self.project = project
        self.directory = directory
        self.prefix = prefix
        self.inputs = inputs
        self.stack = stack
        self.variables: dict[str, Block] = {}
        self.locals: dict[str, Attribute] = {}
        self.resources: dict[str, Address] = {}
        self.data: dict[str, Block] = {}
        self.calls: dict[str, Block] = {}
        self.outputs: dict[str, Block] = {}
        self.broken: set[str] = set()
        self._cache: dict[tuple[str, ...], Any] = {}
        self._children: dict[tuple[str, InstanceKey], ModuleScope | None] = {}
        self._instances: dict[int, list[Instance] | Unknown] = {}
        self.instance_bindings: Mapping[str, Any] = NO_BINDINGS
        """`count` / `each` of the block instance this view of the module builds."""
        self.unbound = self
        """This module without instance bindings: where locals, variables and outputs are read."""
        self._tfvars: dict[str, Any] | None = None
        for file in project.module_hcl_files(directory):
            self._index(file)

    # -- reading the module --------------------------------------------------------

    def _index(self, file: HclFile) -> None:
        for block in read_body(file).blocks:
            kind, labels = block.type, block.labels
            if kind == "locals":
                for name, attribute in block.attributes.items():
                    if not attribute.has_error:
                        self.locals.setdefault(name, attribute)
                    else:
                        self.broken.add(f"local.{name}")
                continue
            key = _block_key(kind, labels)
            if key is None:
                continue
            if block.has_error:
                self.broken.add(key)
                continue
            if kind == "variable":
                self.variables.setdefault(labels[0], block)
            elif kind == "resource":
                address = f"{labels[0]}.{labels[1]}"
                if address in self.resources:
                    self.project.note(
                        f"{self.prefix}{address} is declared twice; the first is read"
                    )
                    continue
                self.resources[address] = Address(
                    labels[0], labels[1], block, self.prefix + address
                )
            elif kind == "data":
                self.data.setdefault(f"{labels[0]}.{labels[1]}", block)
            elif kind == "module":
                self.calls.setdefault(labels[0], block)
            elif kind == "output":
                self.outputs.setdefault(labels[0], block)

    @property
    def path_module(self) -> str:
        relative = os.path.relpath(self.directory, self.project.root_module)
        return Path(relative).as_posix()

    # -- evaluation ------------------------------------------------------------------

    def evaluator(self, file: HclFile, bindings: Mapping[str, Any] | None = None) -> Evaluator:
        if self.instance_bindings:
            bindings = {**self.instance_bindings, **(bindings or {})}
        return Evaluator(file, self, bindings, self.project.budget)

    def for_instance(self, instance: Instance) -> ModuleScope:
        """This module as one instance of a block sees it: with its `count` / `each`."""
        if not instance.bindings:
            return self.unbound
        view = copy.copy(self.unbound)
        view.instance_bindings = instance.bindings
        return view

    def evaluate(self, attribute: Attribute, bindings: Mapping[str, Any] | None = None) -> Any:
        return self.evaluator(attribute.file, bindings).evaluate(attribute.expression)

    def _cached(self, key: tuple[str, ...], compute: Callable[[], Any], site: Site) -> Any:
        if key in self._cache:
            return self._cache[key]
        active = self.project.active
        full_key = (self.prefix, *key)
        if full_key in active:
            return site.unknown("the reference is part of a cycle")
        if len(active) >= MAX_REFERENCE_CHAIN:
            return site.unknown("references nested too deeply to evaluate")
        active.add(full_key)
        try:
            value = compute()
        finally:
            active.discard(full_key)
        self._cache[key] = value
        return value

    def reference(self, name: str, steps: Sequence[Step], site: Site) -> tuple[Any, int]:
        first = steps[0].key if steps and steps[0].kind == "attr" else None
        if name in ("var", "local") and first is not None:
            value = self.variable(first, site) if name == "var" else self.local(first, site)
            if name == "var":
                self.project.calls.read_variable(self, first, site.location)
            return _relocated(value, site), 1
        if name == "path" and first is not None:
            if first == "module":
                return self.path_module, 1
            if first == "root":
                return ".", 1
            return site.unknown(f"path.{first} depends on the machine"), 1
        if name == "data":
            return self._data_reference(steps, site)
        if name == "module" and first is not None:
            return self._module_reference(first, steps, site)
        if first is not None and f"{name}.{first}" in self.resources:
            return self._resource_reference(self.resources[f"{name}.{first}"], steps, site)
        if first is not None and f"{name}.{first}" in self.broken:
            return site.unknown(f"{name}.{first} has a syntax error"), len(steps)
        if name in ("each", "count"):
            return site.unknown(f"{name}.* differs per instance"), len(steps)
        return site.unknown(
            f"'{_reference_text(name, steps)}' is not known before deployment"
        ), len(steps)

    def read_file(self, path: str, site: Site) -> Any:
        target = Path(path)
        if not target.is_absolute():
            target = self.project.root_module / target
        return self.project.read_text(target, site)

    # -- variables and locals -----------------------------------------------------------

    def variable(self, name: str, site: Site) -> Any:
        if name not in self.variables:
            if f"variable.{name}" in self.broken:
                return site.unknown(f"variable {name} has a syntax error")
            return site.unknown(f"variable {name} is not declared")
        return self._cached(("var", name), lambda: self._variable_value(name, site), site)

    def _variable_value(self, name: str, site: Site) -> Any:
        block = self.variables[name]
        if self.inputs is not None and name in self.inputs:
            value = self.inputs[name]()
        elif self.inputs is None and name in self.tfvars():
            value = self.tfvars()[name]
        elif "default" in block.attributes:
            value = self.unbound.evaluate(block.attributes["default"])
        else:
            return Unknown(f"var.{name}", block.location, f"variable {name} has no value")
        type_attribute = block.attributes.get("type")
        if type_attribute is None:
            return value
        return TypeConversion(self.unbound.evaluator(type_attribute.file)).convert(
            value, type_attribute.expression
        )

    def tfvars(self) -> dict[str, Any]:
        """Values of the root module's variables from its tfvars files, later files winning."""
        if self._tfvars is None:
            self._tfvars = {}
            for path in _tfvars_files(self.directory):
                self._tfvars.update(self._read_tfvars(path))
        return self._tfvars

    def _read_tfvars(self, path: Path) -> dict[str, Any]:
        if path.name.endswith(".json"):
            relative = self.project.relative(path)
            self.project.paths[relative] = None
            try:
                tree = load_json(
                    read_source(path, self.project.options),
                    relative,
                    max_nodes=self.project.options.max_nodes,
                    max_depth=self.project.options.max_depth,
                )
            except (SourceError, LoadError) as error:
                line, column = getattr(error, "line", 1), getattr(error, "column", 1)
                self.project.error(
                    f"cannot parse {relative}: {error.message}",
                    Location(relative, line, column, line, column + 1),
                )
                return {}
            return dict(tree) if isinstance(tree, LMap) else {}
        file = self.project.hcl_file(path)
        if file is None:
            return {}
        values: dict[str, Any] = {}
        constant = Evaluator(file, Scope(), None, self.project.budget)
        for name, attribute in read_body(file).attributes.items():
            if not attribute.has_error:
                values[name] = constant.evaluate(attribute.expression)
        return values

    def local(self, name: str, site: Site) -> Any:
        attribute = self.locals.get(name)
        if attribute is None:
            reason = "has a syntax error" if f"local.{name}" in self.broken else "is not declared"
            return site.unknown(f"local.{name} {reason}")
        return self._cached(("local", name), lambda: self.unbound.evaluate(attribute), site)

    # -- resources ---------------------------------------------------------------------

    def _resource_reference(
        self, address: Address, steps: Sequence[Step], site: Site
    ) -> tuple[Any, int]:
        used = 1
        target: Address | Unknown = address.at(self._plain_instance(address.block))
        if len(steps) > used and steps[used].kind == "index":
            target = self._indexed_instance(address, steps[used].key, site)
            used += 1
        elif len(steps) > used and steps[used].kind == "splat":
            return self._resource_splat(address, steps[used].sub, site), used + 1
        elif (known := self._known_instances(address.block)) is not None:
            if len(steps) <= used or steps[used].kind != "attr":
                # `for_each = aws_iam_role.x`, `values(aws_iam_role.x)`: all instances.
                return self._all_instances(address, known, site), used
            target = site.unknown(f"{address.full} has instances; one is read by its key")
        if isinstance(target, Unknown):
            return target, len(steps)
        if len(steps) > used and steps[used].kind == "splat":
            # `x[0][*]`: a splat of one object.
            value = self.resource_object(target, site)
            return apply_steps(value, steps[used:], site), len(steps)
        if len(steps) <= used or steps[used].kind != "attr":
            if used == 1 and is_repeated(address.block.attributes):
                return site.unknown(f"{address.full} as a whole is not known"), len(steps)
            return self.resource_object(target, site), used
        if self.count_is_zero(address.block):
            raise EvalError(f"{address.full} is not created (count or for_each is empty)")
        return self.resource_attribute(target, str(steps[used].key), site), used + 1

    def _indexed_instance(self, address: Address, key: Any, site: Site) -> Address | Unknown:
        """`x[key]`: the instance the key selects; the block itself when its
        instances are not known (the reference then resolves like the plain one)."""
        if not is_repeated(address.block.attributes):
            return address
        instances = self.instances(address.block)
        if isinstance(instances, Unknown):
            return address.at(self._plain_instance(address.block))
        found = find_instance(instances, key)
        if isinstance(found, Unknown):
            return site.unknown(f"the instance of {address.full} it selects is not known")
        if found is None:
            raise EvalError(f"{address.full}[...] selects an instance that is not created")
        return address.at(found)

    def _all_instances(self, address: Address, instances: list[Instance], site: Site) -> Any:
        """A resource with count (a list of its instances) or for_each (a map by key)."""
        if "for_each" in address.block.attributes:
            mapping = LMap(address.block.location)
            for instance in instances:
                value = self.resource_object(address.at(instance), site)
                mapping.put(str(instance.key), value, site.location, site.location)
            return mapping
        values = [(self.resource_object(address.at(i), site), site.location) for i in instances]
        return instance_list(values, site.location)

    def _known_instances(self, block: Block) -> list[Instance] | None:
        """The instances of a block with count or for_each, when they are known."""
        if not is_repeated(block.attributes):
            return None
        instances = self.instances(block)
        return None if isinstance(instances, Unknown) else instances

    def _resource_splat(self, address: Address, sub: Sequence[Step], site: Site) -> Any:
        instances = self.instances(address.block)
        if isinstance(instances, Unknown):
            return site.unknown(f"{address.full}[*] has a number of instances not known")
        if "for_each" in address.block.attributes:
            # The resource is a map of instances: `[*]` wraps the map itself.
            raise EvalError(f"{address.full} has for_each: its instances are read by key")
        budgets.current().iterate(len(instances), site.location, "a splat")
        values: list[tuple[Any, Location]] = []
        for instance in instances:
            target = address.at(instance)
            if sub and sub[0].kind == "attr":
                value = self.resource_attribute(target, str(sub[0].key), site)
                value = apply_steps(value, sub[1:], site)
            else:
                value = apply_steps(self.resource_object(target, site), sub, site)
            values.append((value, site.location))
        return instance_list(values, site.location)

    def resource_object(self, address: Address, site: Site) -> Any:
        """A resource instance as an object: its arguments and the attributes known
        of its type; any other attribute is unknown (AWS assigns it)."""
        return self._cached(
            ("object", address.full), lambda: self._resource_object(address, site), site
        )

    def _resource_object(self, address: Address, site: Site) -> Any:
        block = address.block
        names = {name for kind, name in _COMPUTED_ATTRIBUTES if kind == address.resource_type}
        names.update(key for key in block.attributes if key not in _META_ARGUMENTS)
        result = OpenObject(block.location)
        for name in sorted(names):
            try:
                value = self.resource_attribute(address, name, site)
            except EvalError as error:
                value = site.unknown(str(error))
            if value is not None:
                attribute = block.attributes.get(name)
                where = attribute.value_location if attribute is not None else block.location
                result.put(name, value, where, where)
        return result

    def resource_attribute(self, address: Address, attribute: str, site: Site) -> Any:
        computed = _COMPUTED_ATTRIBUTES.get((address.resource_type, attribute))
        if computed is not None:
            return computed(self.unbound, address, site)
        configured = address.block.attributes.get(attribute)
        if configured is not None:
            return self.unbound.evaluate(configured, address.instance.bindings)
        return site.unknown(f"{address.full}.{attribute} is known only after deployment")

    def identity(self, address: Address) -> Identity:
        """Name, path and ARN of an IAM role, user, group or policy of this module."""
        identity = self._cached(
            ("identity", address.full), lambda: self._identity(address), site_of(address)
        )
        if isinstance(identity, Identity):
            return identity
        # A cycle through the name itself (a role named after its own ARN).
        unknown = Unknown(address.full, address.block.location, "the name refers to itself")
        return Identity(unknown, "/", unknown, address.block.type_location, None)

    def _identity(self, address: Address) -> Identity:
        block = address.block
        bindings = address.instance.bindings
        name_attribute = block.attributes.get("name")
        name: Any = None
        name_location = block.type_location
        if name_attribute is not None:
            name = _single(self.unbound.evaluate(name_attribute, bindings), name_attribute)
            name_location = name_attribute.value_location
        if name is None:
            if address.resource_type in _GENERATED_NAMES:
                name = generated_name(address.full)
            else:
                name = Unknown(f"{address.full}.name", block.location, "the name is not set")
        path_attribute = block.attributes.get("path")
        path: Any = "/"
        path_location = None
        if path_attribute is not None:
            path = _single(self.unbound.evaluate(path_attribute, bindings), path_attribute)
            path_location = path_attribute.value_location
            if path is None:
                path = "/"
        kind = _ARN_KINDS[address.resource_type]
        arn: Any
        if isinstance(name, str) and isinstance(path, str):
            account = self.project.calls.account(self, block)
            if isinstance(account, Unknown):
                arn = Unknown(f"{address.full}.arn", block.location, account.reason)
            else:
                partition = self.project.options.partition
                arn = f"arn:{partition}:iam::{account}:{kind}{path}{name}"
        else:
            arn = Unknown(f"{address.full}.arn", block.location, "the name or path is not known")
        return Identity(name, path, arn, name_location, path_location)

    def instances(self, block: Block) -> list[Instance] | Unknown:
        """The instances of a resource, data source or module call; `Unknown` when
        its `count` / `for_each` is not known."""
        key = id(block)
        if key not in self._instances:
            # Set first: a count that refers to its own block is not known.
            self._instances[key] = Unknown(
                _block_label(block), block.location, "its count or for_each refers to itself"
            )
            self._instances[key] = self._instances_of(block)
        return self._instances[key]

    def _instances_of(self, block: Block) -> list[Instance] | Unknown:
        count = block.attributes.get("count")
        for_each = block.attributes.get("for_each")
        if count is not None:
            found = count_instances(self.unbound.evaluate(count), count.value_location)
            where = count
        elif for_each is not None:
            found = for_each_instances(self.unbound.evaluate(for_each), for_each.value_location)
            where = for_each
        else:
            return [SINGLE]
        if isinstance(found, list) and len(found) > self.project.instances_left:
            found = (
                f"more than {self.project.options.max_instances:,} instances in this "
                "configuration (limits.max_instances)"
            )
            self.project.note(f"{_block_label(block)}: {found}; its instances are not expanded")
        if isinstance(found, str):
            text = where.file.node_text(where.expression)[:200]
            return Unknown(text, where.value_location, found)
        self.project.instances_left -= len(found)
        return found

    def expanded(self, block: Block) -> list[Instance]:
        """The instances of a block; when they are not known, one whose `count` or
        `each` is that unknown, so that what depends on it says why."""
        instances = self.instances(block)
        if not isinstance(instances, Unknown):
            return instances
        name = "count" if "count" in block.attributes else "each"
        return [Instance(None, MappingProxyType({name: instances}))]

    def _plain_instance(self, block: Block) -> Instance:
        """What a reference without an index reads: the block itself, whose
        `count` / `each` are unknown when its instances are."""
        instances = self.instances(block)
        return self.expanded(block)[0] if isinstance(instances, Unknown) else SINGLE

    def count_is_zero(self, block: Block) -> bool:
        if not is_repeated(block.attributes):
            return False
        return self.instances(block) == []

    # -- data sources -----------------------------------------------------------------

    def _data_reference(self, steps: Sequence[Step], site: Site) -> tuple[Any, int]:
        if len(steps) < 2 or steps[0].kind != "attr" or steps[1].kind != "attr":
            return site.unknown("an incomplete data source reference"), len(steps)
        data_type, name = str(steps[0].key), str(steps[1].key)
        key = f"{data_type}.{name}"
        block = self.data.get(key)
        if block is None and f"data.{key}" in self.broken:
            return site.unknown(f"data.{key} has a syntax error"), len(steps)
        used = 2
        instance = self._plain_instance(block) if block is not None else SINGLE
        known = self._known_instances(block) if block is not None else None
        if len(steps) > used and steps[used].kind == "index":
            if known is not None:
                found = find_instance(known, steps[used].key)
                if isinstance(found, Unknown):
                    return site.unknown(f"the instance of data.{key} it selects is not known"), (
                        len(steps)
                    )
                if found is None:
                    raise EvalError(f"data.{key}[...] selects an instance that is not read")
                instance = found
            used += 1
        elif len(steps) > used and steps[used].kind == "splat":
            return self._data_splat(data_type, name, block, steps[used].sub, site), used + 1
        elif known is not None:
            return site.unknown(f"data.{key} has instances; one is read by its key"), len(steps)
        if len(steps) <= used or steps[used].kind != "attr":
            return site.unknown(f"data.{data_type}.{name} as a whole is not evaluated"), len(steps)
        attribute = str(steps[used].key)
        if block is not None and self.count_is_zero(block):
            raise EvalError(f"data.{key} is not read (count or for_each is empty)")
        value = self._data_attribute(data_type, name, attribute, block, site, instance=instance)
        return value, used + 1

    def _data_splat(
        self, data_type: str, name: str, block: Block | None, sub: Sequence[Step], site: Site
    ) -> Any:
        """`data.x.y[*].attr` / `data.x.y.*.attr`: one value per instance."""
        instances = self.instances(block) if block is not None else [SINGLE]
        if isinstance(instances, Unknown):
            return site.unknown(f"data.{data_type}.{name}[*] has a number of instances not known")
        if block is not None and "for_each" in block.attributes:
            raise EvalError(f"data.{data_type}.{name} has for_each: its instances are read by key")
        values: list[tuple[Any, Location]] = []
        for instance in instances:
            if not sub or sub[0].kind != "attr":
                value = site.unknown(f"data.{data_type}.{name} as a whole is not evaluated")
            else:
                value = self._data_attribute(
                    data_type, name, str(sub[0].key), block, site, instance=instance
                )
                value = apply_steps(value, sub[1:], site)
            values.append((value, site.location))
        return instance_list(values, site.location)

    def _data_attribute(
        self,
        data_type: str,
        name: str,
        attribute: str,
        block: Block | None,
        site: Site,
        *,
        instance: Instance = SINGLE,
    ) -> Any:
        if data_type == "aws_caller_identity" and attribute in ("account_id", "id"):
            # The account of its provider configuration (`provider = aws.production`).
            account = self.project.calls.account(self, block)
            if isinstance(account, Unknown):
                return site.unknown(f"data.{data_type}.{name}: {account.reason}")
            return account
        if data_type == "aws_partition" and attribute in ("partition", "id"):
            return self.project.options.partition
        if data_type == "aws_iam_policy_document" and attribute in ("json", "minified_json"):
            if block is None:
                return site.unknown(f"data.{data_type}.{name} is not declared")
            return self._cached(
                ("policy_document", name + instance.suffix),
                lambda: PolicyDocumentData(self.for_instance(instance), block).build(),
                site,
            )
        return site.unknown(f"data.{data_type}.{name}.{attribute} is read at deployment")

    # -- modules ------------------------------------------------------------------------

    def _module_reference(self, name: str, steps: Sequence[Step], site: Site) -> tuple[Any, int]:
        used = 1
        block = self.calls.get(name)
        known = self._known_instances(block) if block is not None else None
        instance = self._plain_instance(block) if block is not None else SINGLE
        if len(steps) > used and steps[used].kind == "index":
            if known is not None:
                found = find_instance(known, steps[used].key)
                if isinstance(found, Unknown):
                    return site.unknown(f"the instance of module.{name} it selects is not known"), (
                        len(steps)
                    )
                if found is None:
                    raise EvalError(f"module.{name}[...] selects an instance that is not created")
                instance = found
            used += 1
        elif len(steps) > used and steps[used].kind == "splat" and block is not None:
            return self._module_splat(name, block, steps[used].sub, site), used + 1
        elif known is not None:
            return site.unknown(f"module.{name} has instances; one is read by its key"), len(steps)
        if len(steps) <= used or steps[used].kind != "attr":
            return site.unknown(f"module.{name} as a whole is not evaluated"), len(steps)
        output = str(steps[used].key)
        child = self.child(name, instance)
        if child is None:
            return site.unknown(f"module.{name} is not a local module that could be read"), (
                used + 1
            )
        return child.output(output, site), used + 1

    def _module_splat(self, name: str, block: Block, sub: Sequence[Step], site: Site) -> Any:
        """`module.x[*].output`: the output of each instance of a call with count."""
        instances = self.instances(block)
        if isinstance(instances, Unknown):
            return site.unknown(f"module.{name}[*] has a number of instances not known")
        if "for_each" in block.attributes:
            raise EvalError(f"module.{name} has for_each: its instances are read by key")
        if not sub or sub[0].kind != "attr":
            return site.unknown(f"module.{name}[*] as a whole is not evaluated")
        values: list[tuple[Any, Location]] = []
        for instance in instances:
            child = self.child(name, instance)
            if child is None:
                return site.unknown(f"module.{name} is not a local module that could be read")
            value = apply_steps(child.output(str(sub[0].key), site), sub[1:], site)
            values.append((value, site.location))
        return instance_list(values, site.location)

    def output(self, name: str, site: Site) -> Any:
        block = self.outputs.get(name)
        if block is None or "value" not in block.attributes:
            return site.unknown(f"output {name} is not declared in {self.path_module}")
        return self._cached(
            ("output", name), lambda: self.unbound.evaluate(block.attributes["value"]), site
        )

    def children(self, name: str) -> list[ModuleScope]:
        """Every instance of the module call `name` that could be read: one per
        `count` index or `for_each` key, or one whose `count.*` / `each.*` are
        unknown when its instances are."""
        block = self.calls.get(name)
        if block is None:
            return []
        instances = self.expanded(block)
        if not instances:
            label = f"{self.prefix}module.{name}"
            self.project.note(f"{label} is not created (count or for_each is empty)")
        found = (self.child(name, instance) for instance in instances)
        return [child for child in found if child is not None]

    def child(self, name: str, instance: Instance = SINGLE) -> ModuleScope | None:
        """The local module called `name`, instantiated with its inputs; None if not local."""
        key = (name, instance.key)
        if key not in self._children:
            self._children[key] = self._instantiate(name, instance)
        return self._children[key]

    def _instantiate(self, name: str, instance: Instance = SINGLE) -> ModuleScope | None:
        block = self.calls.get(name)
        if block is None:
            return None
        label = f"{self.prefix}module.{name}{instance.suffix}"
        directory = self.project.calls.resolve(self, name, block)
        if directory is None:
            return None
        if len(self.stack) > MAX_MODULE_NESTING:
            self.project.note(f"{label}: modules nested deeper than {MAX_MODULE_NESTING} levels")
            return None
        if self.count_is_zero(block):
            self.project.note(f"{label} is not created (count or for_each is empty)")
            return None
        caller = self.for_instance(instance)
        inputs = {
            key: CallerInput(caller, attribute)
            for key, attribute in block.attributes.items()
            if key not in _MODULE_ARGUMENTS
        }
        self.project.calls.enter(self, f"{label}.", block, directory)
        return ModuleScope(
            self.project,
            directory,
            prefix=f"{label}.",
            inputs=inputs,
            stack=(*self.stack, directory),
        )

    # -- blocks ----------------------------------------------------------------------------

    def expand_blocks(
        self, block: Block, block_type: str, evaluator: Evaluator
    ) -> list[tuple[Block, Evaluator] | Unknown]:
        """The `block_type` blocks of `block`, `dynamic` ones expanded when their
        `for_each` is known (else an `Unknown` in their place), in source order."""
        found: list[tuple[Block, Evaluator] | Unknown] = []
        for child in block.blocks:
            if child.type == block_type:
                found.append((child, evaluator))
                continue
            if child.type != "dynamic" or child.labels[:1] != (block_type,):
                continue
            content = next(iter(child.blocks_of("content")), None)
            for_each = child.attributes.get("for_each")
            if content is None or for_each is None:
                continue
            collection = evaluator.evaluate(for_each.expression)
            items = iteration(collection) if not isinstance(collection, Unknown) else None
            if (
                items is not None
                and budgets.instances(len(items), for_each.value_location, "for_each") is None
            ):
                items = None
            if items is None:
                found.append(
                    Unknown(
                        f'dynamic "{block_type}"',
                        child.location,
                        "its for_each is not known before deployment",
                    )
                )
                continue
            iterator = child.attributes.get("iterator")
            name = (
                iterator.file.node_text(iterator.expression).strip()
                if iterator is not None
                else block_type
            )
            for key, value, location in items:
                element = LMap(location)
                element.put("key", key, location, location)
                element.put("value", value, location, location)
                found.append((content, evaluator.with_bindings({name: element})))
        return found


def _tfvars_files(directory: Path) -> list[Path]:
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.is_file())
    except OSError:
        return []
    ordered = [name for name in _TFVARS_NAMES if name in names]
    ordered += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    return [directory / name for name in ordered]


def _block_key(kind: str, labels: tuple[str, ...]) -> str | None:
    if kind in ("variable", "module", "output") and len(labels) == 1:
        return f"{kind}.{labels[0]}"
    if kind == "resource" and len(labels) == 2:
        return f"{labels[0]}.{labels[1]}"
    if kind == "data" and len(labels) == 2:
        return f"data.{labels[0]}.{labels[1]}"
    return None


def _block_label(block: Block) -> str:
    """`aws_iam_role.x`, `data.aws_iam_policy_document.x` or `module.x`, as Terraform names it."""
    if block.type == "data":
        return "data." + ".".join(block.labels)
    if block.type == "module":
        return "module." + ".".join(block.labels)
    return ".".join(block.labels)


def _reference_text(name: str, steps: Sequence[Step]) -> str:
    parts = [name]
    for step in steps:
        if step.kind == "attr":
            parts.append(f".{step.key}")
        elif step.kind == "index":
            parts.append("[...]")
        else:
            parts.append("[*]")
    return "".join(parts)


def _relocated(value: Any, site: Site) -> Any:
    """An unresolved variable or local, reported where it is used."""
    if type(value) is Unknown:
        return Unknown(site.text, site.location, value.reason)
    return value


def site_of(address: Address) -> Site:
    return Site(address.full, address.block.location)


def _single(value: Any, attribute: Attribute) -> Any:
    """A name or path: a string, None, or Unknown (never a list or alternatives)."""
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return str(value)
    return Unknown(
        attribute.file.node_text(attribute.expression)[:200],
        attribute.value_location,
        "not a single known string",
    )


# -- computed attributes of IAM resources ------------------------------------------------


def _identity_part(part: str) -> _Computed:
    def compute(scope: ModuleScope, address: Address, site: Site) -> Any:
        identity = scope.identity(address)
        return getattr(identity, part)

    return compute


def _after_deployment(scope: ModuleScope, address: Address, site: Site) -> Any:
    return site.unknown(f"{address.full} attribute is assigned by AWS")


def oidc_arn(scope: ModuleScope, address: Address, site: Site) -> Any:
    url_attribute = address.block.attributes.get("url")
    url = (
        scope.unbound.evaluate(url_attribute, address.instance.bindings)
        if url_attribute is not None
        else None
    )
    if not isinstance(url, str):
        return site.unknown(f"{address.full}.url is not known")
    host = str(url).removeprefix("https://")
    account = scope.project.calls.account(scope, address.block)
    if isinstance(account, Unknown):
        return site.unknown(f"{address.full}.arn: {account.reason}")
    return f"arn:{scope.project.options.partition}:iam::{account}:oidc-provider/{host}"


def _saml_arn(scope: ModuleScope, address: Address, site: Site) -> Any:
    name_attribute = address.block.attributes.get("name")
    name = (
        scope.unbound.evaluate(name_attribute, address.instance.bindings)
        if name_attribute is not None
        else None
    )
    if not isinstance(name, str):
        return site.unknown(f"{address.full}.name is not known")
    account = scope.project.calls.account(scope, address.block)
    if isinstance(account, Unknown):
        return site.unknown(f"{address.full}.arn: {account.reason}")
    return f"arn:{scope.project.options.partition}:iam::{account}:saml-provider/{name}"


def _deploy_time_id(scope: ModuleScope, address: Address, site: Site) -> Any:
    return generated_name(address.full)


_COMPUTED_ATTRIBUTES: dict[tuple[str, str], _Computed] = {}
for _type in ("aws_iam_role", "aws_iam_user", "aws_iam_group", "aws_iam_policy"):
    _COMPUTED_ATTRIBUTES[(_type, "arn")] = _identity_part("arn")
    _COMPUTED_ATTRIBUTES[(_type, "name")] = _identity_part("name")
    _COMPUTED_ATTRIBUTES[(_type, "path")] = _identity_part("path")
    _COMPUTED_ATTRIBUTES[(_type, "id")] = _identity_part(
        "arn" if _type == "aws_iam_policy" else "name"
    )
    _COMPUTED_ATTRIBUTES[(_type, "unique_id")] = _after_deployment
    _COMPUTED_ATTRIBUTES[(_type, "create_date")] = _after_deployment
_COMPUTED_ATTRIBUTES[("aws_iam_policy", "policy_id")] = _after_deployment
_COMPUTED_ATTRIBUTES[("aws_iam_openid_connect_provider", "arn")] = oidc_arn
_COMPUTED_ATTRIBUTES[("aws_iam_openid_connect_provider", "id")] = oidc_arn
_COMPUTED_ATTRIBUTES[("aws_iam_saml_provider", "arn")] = _saml_arn
_COMPUTED_ATTRIBUTES[("aws_iam_saml_provider", "id")] = _saml_arn
_COMPUTED_ATTRIBUTES[("aws_ssoadmin_permission_set", "arn")] = _deploy_time_id
_COMPUTED_ATTRIBUTES[("aws_ssoadmin_permission_set", "id")] = _deploy_time_id
_COMPUTED_ATTRIBUTES[("aws_organizations_policy", "id")] = _deploy_time_id
_COMPUTED_ATTRIBUTES[("aws_organizations_policy", "arn")] = _after_deployment
