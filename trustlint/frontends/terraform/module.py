"""Terraform modules into the model: IAM resources, their policies, local modules.

`load_module` reads every `.tf` file of a module directory, the root module's
`terraform.tfvars` / `*.auto.tfvars`, the local modules it calls and the files
its `file()` / `templatefile()` calls name, and builds the IAM entities of SPEC
section 3. Expressions are evaluated by `hcl_eval.Evaluator` in a `ModuleScope`, which
knows what Terraform's references mean here: variables (module inputs, tfvars,
defaults, with `optional()` attributes filled in), locals (lazily, cycle-safe),
the names and ARNs of IAM resources, `data.aws_caller_identity` (this account),
`data.aws_iam_policy_document` (its statements as a located tree) and the
outputs of local modules. Anything else is `Unknown`.

A resource, data source or module call with `count` or `for_each` over values
the files determine is one instance per index or key (`hcl_instances`), addressed
as Terraform addresses it (`aws_iam_role.partner["backup"]`); when they are not
known it stays one entity whose `count.*` / `each.*` are unknown. One whose
`count` is 0 or whose `for_each` is empty is not built. Blocks holding a syntax
error are never built: a truncated policy must not become a finding.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from trustlint.discover import project_path
from trustlint.frontends import LoadOptions
from trustlint.frontends.hcl_eval import EvalBudget, Evaluator, Scope
from trustlint.frontends.hcl_json import decode_json, json_document, locate_plain
from trustlint.frontends.hcl_operations import apply_steps, iteration, without_nulls
from trustlint.frontends.hcl_syntax import Attribute, Block, HclFile, parse_hcl, read_body
from trustlint.frontends.hcl_syntax_errors import syntax_problem
from trustlint.frontends.hcl_values import (
    EncodedJson,
    EvalError,
    LSet,
    MappedStr,
    OpenObject,
    Site,
    Step,
)
from trustlint.frontends.source_text import SourceError, read_source
from trustlint.frontends.terraform.files import is_json_syntax, module_files
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
from trustlint.frontends.terraform.json_syntax import read_json_syntax
from trustlint.frontends.terraform.module_calls import CallerInput, ModuleCalls
from trustlint.frontends.terraform.overrides import merge_overrides
from trustlint.frontends.terraform.resources import BUILDERS, Collected
from trustlint.frontends.yaml_loader import LoadError, load_json
from trustlint.model import (
    Location,
    ParseError,
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
from trustlint.policy_reader import raw_type, read_policy, scalar_text
from trustlint.suppressions import comment_suppressions
from trustlint.tree import Alternatives, LList, LMap

MAX_MODULE_NESTING = 16
"""Local module calls deeper than this are not followed (a note says so)."""
MAX_INSTANCES_PER_LOAD = 1024
"""`count` / `for_each` instances expanded in one load (module instances multiply
those of the blocks they hold); beyond it, instances are unknown."""
MAX_REFERENCE_CHAIN = 48
"""Locals, variables and outputs being evaluated at once; beyond it, `Unknown`."""

_MODULE_ARGUMENTS = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
_META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle"})
_DEFAULT_POLICY_VERSION = "2012-10-17"
_TFVARS_NAMES = ("terraform.tfvars", "terraform.tfvars.json")


def load_module(directory: Path, root: Path, options: LoadOptions) -> SourceUnit:
    """The Terraform module in `directory` (absolute) as one unit. Never raises on bad input."""
    project = _Project(root, directory, options)
    unit = project.relative(directory)
    try:
        module = ModuleScope(project, directory, prefix="", inputs=None, stack=(directory,))
        entities = _Entities(project, unit)
        entities.add_module(module)
    except RecursionError:
        # The evaluator bounds its own depth; this is the last line of defence.
        first = project.first_path() or unit
        project.error("expressions nested too deeply to evaluate", Location(first, 1, 1, 1, 2))
        entities = _Entities(project, unit)
    return entities.unit()


def resource_blocks(
    directory: Path, root: Path, options: LoadOptions
) -> list[tuple[Block, str, tuple[Suppression, ...]]]:
    """The `resource` blocks of a module directory that parse cleanly, each with
    its file's project-relative path and suppression comments (for plans)."""
    project = _Project(root, directory, options)
    found: list[tuple[Block, str, tuple[Suppression, ...]]] = []
    for file in project.module_hcl_files(directory):
        suppressions = tuple(
            s for s in project.suppressions.values() if s.location.path == file.path
        )
        for block in read_body(file).blocks:
            if block.type == "resource" and len(block.labels) == 2 and not block.has_error:
                found.append((block, file.path, suppressions))
    return found


# ---------------------------------------------------------------------------
# Files read by one load
# ---------------------------------------------------------------------------


class _Project:
    """What one `load_module` call reads, reports and shares between modules."""

    def __init__(self, root: Path, root_module: Path, options: LoadOptions) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.root_module = root_module
        self.options = options
        self.budget = EvalBudget(options.max_depth + 64)
        self.paths: dict[str, None] = {}
        self.errors: dict[tuple[str, int, int, str], ParseError] = {}
        self.notes: dict[str, None] = {}
        self.suppressions: dict[Location, Suppression] = {}
        self.active: set[tuple[str, ...]] = set()
        self.instances_left = MAX_INSTANCES_PER_LOAD
        self._files: dict[str, HclFile | None] = {}
        self._texts: dict[str, MappedStr | str] = {}
        self.calls = ModuleCalls(root_module, self.relative, self.paths)

    def relative(self, path: Path) -> str:
        return project_path(path, self.root)

    def first_path(self) -> str | None:
        return next(iter(sorted(self.paths)), None)

    def error(self, message: str, location: Location, *, note: bool = False) -> None:
        key = (location.path, location.line, location.column, message)
        self.errors.setdefault(key, ParseError(message, location, "note" if note else "error"))

    def note(self, text: str) -> None:
        self.notes.setdefault(text, None)

    def inside_root(self, path: Path) -> bool:
        real = os.path.realpath(path)
        return real == self.real_root or real.startswith(self.real_root.rstrip(os.sep) + os.sep)

    def hcl_file(self, path: Path) -> HclFile | None:
        """A `.tf` / `.tfvars` file parsed, its problems reported; None if unreadable."""
        relative = self.relative(path)
        if relative in self._files:
            return self._files[relative]
        self.paths[relative] = None
        file: HclFile | None = None
        try:
            text = read_source(path, self.options)
        except SourceError as error:
            self.error(
                f"cannot read {relative}: {error.message}",
                Location(relative, error.line, error.column, error.line, error.column + 1),
            )
        else:
            if is_json_syntax(relative):
                file, json_problem = read_json_syntax(text, relative, self.options.max_depth)
                if json_problem is not None:
                    self.error(*json_problem)
                for suppression in file.suppressions if file is not None else ():
                    self.suppressions.setdefault(suppression.location, suppression)
                self._files[relative] = file
                return file
            file = parse_hcl(text, relative)
            problem = syntax_problem(file, self.options.max_depth)
            if problem is not None:
                message, location = problem
                self.error(f"cannot parse {relative}: {message}", location)
            for suppression in comment_suppressions(text, relative):
                self.suppressions.setdefault(suppression.location, suppression)
        self._files[relative] = file
        return file

    def module_hcl_files(self, directory: Path) -> list[HclFile]:
        """The files of the module in `directory`, parsed, override files merged in."""
        files = [self.hcl_file(path) for path in _module_files(directory)]
        return merge_overrides([file for file in files if file is not None], self.error)

    def read_text(self, path: Path, site: Site) -> Any:
        """`file()`: the text of a file inside the project, remembering its path."""
        if not self.inside_root(path):
            return site.unknown("the file is outside the project and is not read")
        if not _is_file(path):
            raise EvalError(f"no such file: {self.relative(path)}")
        relative = self.relative(path)
        cached = self._texts.get(relative)
        if cached is None:
            self.paths[relative] = None
            try:
                cached = MappedStr(read_source(path, self.options), source_path=relative)
            except SourceError as error:
                cached = f"cannot read {relative}: {error.message}"
                self.note(cached)
            self._texts[relative] = cached
        if isinstance(cached, MappedStr):
            return cached
        return site.unknown(cached)


# ---------------------------------------------------------------------------
# One module instance and what its names mean
# ---------------------------------------------------------------------------

_Computed = Callable[["ModuleScope", "_Address", Site], Any]


@dataclass(frozen=True, slots=True)
class _Address:
    """A resource block of a module and its full address."""

    resource_type: str
    name: str
    block: Block
    full: str
    """With the module prefix and instance key: `module.app.aws_iam_role.exec[0]`."""
    instance: Instance = SINGLE
    """The instance of the block (its key and `count` / `each` bindings)."""

    def at(self, instance: Instance) -> _Address:
        """The address of one instance of this block."""
        return replace(self, full=self.full + instance.suffix, instance=instance)


@dataclass(frozen=True, slots=True)
class _Identity:
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
        project: _Project,
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
        self.resources: dict[str, _Address] = {}
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
                self.resources[address] = _Address(
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
        return _TypeConversion(self.unbound.evaluator(type_attribute.file)).convert(
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
        self, address: _Address, steps: Sequence[Step], site: Site
    ) -> tuple[Any, int]:
        used = 1
        target: _Address | Unknown = address.at(self._plain_instance(address.block))
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

    def _indexed_instance(self, address: _Address, key: Any, site: Site) -> _Address | Unknown:
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

    def _all_instances(self, address: _Address, instances: list[Instance], site: Site) -> Any:
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

    def _resource_splat(self, address: _Address, sub: Sequence[Step], site: Site) -> Any:
        instances = self.instances(address.block)
        if isinstance(instances, Unknown):
            return site.unknown(f"{address.full}[*] has a number of instances not known")
        if "for_each" in address.block.attributes:
            # The resource is a map of instances: `[*]` wraps the map itself.
            raise EvalError(f"{address.full} has for_each: its instances are read by key")
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

    def resource_object(self, address: _Address, site: Site) -> Any:
        """A resource instance as an object: its arguments and the attributes known
        of its type; any other attribute is unknown (AWS assigns it)."""
        return self._cached(
            ("object", address.full), lambda: self._resource_object(address, site), site
        )

    def _resource_object(self, address: _Address, site: Site) -> Any:
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

    def resource_attribute(self, address: _Address, attribute: str, site: Site) -> Any:
        computed = _COMPUTED_ATTRIBUTES.get((address.resource_type, attribute))
        if computed is not None:
            return computed(self.unbound, address, site)
        configured = address.block.attributes.get(attribute)
        if configured is not None:
            return self.unbound.evaluate(configured, address.instance.bindings)
        return site.unknown(f"{address.full}.{attribute} is known only after deployment")

    def identity(self, address: _Address) -> _Identity:
        """Name, path and ARN of an IAM role, user, group or policy of this module."""
        identity = self._cached(
            ("identity", address.full), lambda: self._identity(address), _site_of(address)
        )
        if isinstance(identity, _Identity):
            return identity
        # A cycle through the name itself (a role named after its own ARN).
        unknown = Unknown(address.full, address.block.location, "the name refers to itself")
        return _Identity(unknown, "/", unknown, address.block.type_location, None)

    def _identity(self, address: _Address) -> _Identity:
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
        return _Identity(name, path, arn, name_location, path_location)

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
            found = f"more than {MAX_INSTANCES_PER_LOAD} instances in this configuration"
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
                lambda: _PolicyDocument(self.for_instance(instance), block).build(),
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


def _is_file(path: Path) -> bool:
    """`Path.is_file`, false for a path the system refuses (a name too long)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _module_files(directory: Path) -> list[Path]:
    return module_files(directory)


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


def _site_of(address: _Address) -> Site:
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
    def compute(scope: ModuleScope, address: _Address, site: Site) -> Any:
        identity = scope.identity(address)
        return getattr(identity, part)

    return compute


def _after_deployment(scope: ModuleScope, address: _Address, site: Site) -> Any:
    return site.unknown(f"{address.full} attribute is assigned by AWS")


def _oidc_arn(scope: ModuleScope, address: _Address, site: Site) -> Any:
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


def _saml_arn(scope: ModuleScope, address: _Address, site: Site) -> Any:
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


def _deploy_time_id(scope: ModuleScope, address: _Address, site: Site) -> Any:
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
_COMPUTED_ATTRIBUTES[("aws_iam_openid_connect_provider", "arn")] = _oidc_arn
_COMPUTED_ATTRIBUTES[("aws_iam_openid_connect_provider", "id")] = _oidc_arn
_COMPUTED_ATTRIBUTES[("aws_iam_saml_provider", "arn")] = _saml_arn
_COMPUTED_ATTRIBUTES[("aws_iam_saml_provider", "id")] = _saml_arn
_COMPUTED_ATTRIBUTES[("aws_ssoadmin_permission_set", "arn")] = _deploy_time_id
_COMPUTED_ATTRIBUTES[("aws_ssoadmin_permission_set", "id")] = _deploy_time_id
_COMPUTED_ATTRIBUTES[("aws_organizations_policy", "id")] = _deploy_time_id
_COMPUTED_ATTRIBUTES[("aws_organizations_policy", "arn")] = _after_deployment


# ---------------------------------------------------------------------------
# Variable types: optional attributes and scalar conversions
# ---------------------------------------------------------------------------


class _TypeConversion:
    """Applies a variable's `type` to its value as Terraform does before use.

    What matters for policies is `optional()`: an object attribute the caller
    left out becomes null (or the optional's default) instead of missing.
    """

    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator
        self.file = evaluator.file

    def convert(self, value: Any, type_node: Any) -> Any:
        node = _unwrap(type_node)
        if value is None or isinstance(value, Unknown | Alternatives | EncodedJson):
            return value
        if node.type == "variable_expr":
            return _convert_scalar(value, self.file.node_text(node))
        if node.type != "function_call":
            return value
        name = self.file.node_text(node.children[0])
        arguments = _call_arguments(node)
        if not arguments:
            return value
        if name == "optional":
            return self.convert(value, arguments[0])
        if name in ("list", "set") and isinstance(value, LList):
            items = [
                (self.convert(item, arguments[0]), value.item_location(index))
                for index, item in enumerate(value)
            ]
            if name == "set" and all(isinstance(item, str) for item, _ in items):
                # A set of strings is ordered and without duplicates, as `toset()` makes it.
                items = sorted(dict(reversed(items)).items())
            # A `set(...)` variable can be a `for_each`, as `toset()` can.
            result = LSet(value.location) if name == "set" else LList(value.location)
            for item, location in items:
                result.add(item, location)
            return result
        if name == "map" and isinstance(value, LMap):
            mapping = LMap(value.location)
            for key, item in value.items():
                mapping.put(
                    key,
                    self.convert(item, arguments[0]),
                    value.key_location(key),
                    value.value_location(key),
                )
            return mapping
        if name == "object" and isinstance(value, LMap):
            return self._object(value, arguments[0])
        if name == "tuple" and isinstance(value, LList):
            element_types = _tuple_items(_unwrap(arguments[0]))
            result = LList(value.location)
            for index, item in enumerate(value):
                element_type = element_types[index] if index < len(element_types) else None
                converted = item if element_type is None else self.convert(item, element_type)
                result.add(converted, value.item_location(index))
            return result
        return value

    def _object(self, value: LMap, spec_node: Any) -> Any:
        spec = _unwrap(spec_node)
        if spec.type != "object":
            return value
        result = LMap(value.location)
        for element in spec.children:
            if element.type != "object_elem":
                continue
            key_node, type_node = (c for c in element.children if c.type == "expression")
            key = _literal_key(self.file, key_node)
            if key is None:
                return value
            if key in value:
                result.put(
                    key,
                    self.convert(value[key], type_node),
                    value.key_location(key),
                    value.value_location(key),
                )
                continue
            default = self._optional_default(type_node)
            if default is not _REQUIRED:
                result.put(key, default, value.location, value.location)
        return result

    def _optional_default(self, type_node: Any) -> Any:
        node = _unwrap(type_node)
        if node.type != "function_call" or self.file.node_text(node.children[0]) != "optional":
            return _REQUIRED
        arguments = _call_arguments(node)
        if len(arguments) < 2:
            return None
        return self.convert(self.evaluator.evaluate(arguments[1]), arguments[0])


_REQUIRED: Any = object()


def _unwrap(node: Any) -> Any:
    while node.type in ("expression", "collection_value") and node.child_count == 1:
        node = node.children[0]
    return node


def _call_arguments(node: Any) -> list[Any]:
    arguments = next((c for c in node.children if c.type == "function_arguments"), None)
    if arguments is None:
        return []
    return [c for c in arguments.children if c.type == "expression"]


def _tuple_items(node: Any) -> list[Any]:
    if node.type != "tuple":
        return []
    return [c for c in node.children if c.type == "expression"]


def _literal_key(file: HclFile, node: Any) -> str | None:
    inner = _unwrap(node)
    if inner.type == "variable_expr":
        return file.node_text(inner)
    if inner.type == "literal_value":
        inner = inner.children[0]
    if inner.type == "string_lit":
        text = file.node_text(inner)
        return text[1:-1] if len(text) >= 2 else None
    return None


def _convert_scalar(value: Any, type_name: str) -> Any:
    if type_name == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if type_name == "string" and isinstance(value, int | float):
        return str(value) if isinstance(value, int) or not value.is_integer() else str(int(value))
    if type_name == "bool" and value in ("true", "false"):
        return value == "true"
    if type_name == "number" and isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    return value


# ---------------------------------------------------------------------------
# data "aws_iam_policy_document"
# ---------------------------------------------------------------------------


class _PolicyDocument:
    """A policy document data source as the JSON tree it renders, located in its block.

    Statements of `source_policy_documents` come first, then this block's
    `statement`s, then `override_policy_documents`; a later statement with the
    Sid of an earlier one replaces it, as the AWS provider merges them.
    """

    def __init__(self, scope: ModuleScope, block: Block) -> None:
        self.scope = scope
        self.block = block
        self.evaluator = scope.evaluator(block.file)

    def build(self) -> Any:
        block = self.block
        sources = self._documents("source_policy_documents", "source_json")
        overrides = self._documents("override_policy_documents", "override_json")
        if isinstance(sources, Unknown):
            return sources
        if isinstance(overrides, Unknown):
            return overrides
        statements: list[tuple[Any, Location]] = []
        for document in sources:
            _merge_statements(statements, document)
        own: list[tuple[Any, Location]] = []
        for entry in self.scope.expand_blocks(block, "statement", self.evaluator):
            if isinstance(entry, Unknown):
                own.append((entry, entry.location or block.location))
            else:
                statement_block, evaluator = entry
                own.append((self._statement(statement_block, evaluator), statement_block.location))
        _merge_statements(statements, own)
        for document in overrides:
            _merge_statements(statements, document)
        tree = LMap(block.location)
        version = block.attributes.get("version")
        version_value = self.evaluator.evaluate(version.expression) if version else None
        if version is not None and version_value is not None:
            tree.put("Version", version_value, version.name_location, version.value_location)
        else:
            tree.put("Version", _DEFAULT_POLICY_VERSION, block.type_location, block.type_location)
        policy_id = block.attributes.get("policy_id")
        if policy_id is not None:
            value = self.evaluator.evaluate(policy_id.expression)
            if value is not None:
                tree.put("Id", value, policy_id.name_location, policy_id.value_location)
        statement_list = LList(block.location)
        for statement, location in statements:
            statement_list.add(statement, location)
        tree.put("Statement", statement_list, block.type_location, block.location)
        return EncodedJson(tree, block.location)

    def _documents(self, *names: str) -> list[list[tuple[Any, Location]]] | Unknown:
        documents: list[list[tuple[Any, Location]]] = []
        for name in names:
            attribute = self.block.attributes.get(name)
            if attribute is None:
                continue
            value = self.evaluator.evaluate(attribute.expression)
            if value is None:
                continue
            items: list[Any] = [value]
            if name.endswith("documents"):
                if isinstance(value, Unknown):
                    return value
                if not isinstance(value, LList):
                    return Unknown(name, attribute.value_location, f"{name} is not a list")
                items = list(value)
            for item in items:
                statements = _document_statements(item, attribute, self.scope.project.options)
                if isinstance(statements, Unknown):
                    return statements
                documents.append(statements)
        return documents

    def _statement(self, block: Block, evaluator: Evaluator) -> Any:
        statement = LMap(block.location)
        for attribute_name, key in (("sid", "Sid"), ("effect", "Effect")):
            attribute = block.attributes.get(attribute_name)
            value = without_nulls(evaluator.evaluate(attribute.expression)) if attribute else None
            if attribute is not None and value is not None:
                statement.put(key, value, attribute.name_location, attribute.value_location)
            elif key == "Effect":
                statement.put(key, "Allow", block.type_location, block.type_location)
        for block_type, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            principals = self._principals(block, block_type, evaluator)
            if principals is not None:
                value, key_location, value_location = principals
                statement.put(key, value, key_location, value_location)
        for attribute_name, key in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            attribute = block.attributes.get(attribute_name)
            if attribute is None:
                continue
            value = without_nulls(evaluator.evaluate(attribute.expression))
            if value is not None:
                statement.put(key, value, attribute.name_location, attribute.value_location)
        conditions = self._conditions(block, evaluator)
        if conditions is not None:
            value, key_location, value_location = conditions
            statement.put("Condition", value, key_location, value_location)
        return statement

    def _principals(
        self, block: Block, block_type: str, evaluator: Evaluator
    ) -> tuple[Any, Location, Location] | None:
        entries = self.scope.expand_blocks(block, block_type, evaluator)
        if not entries:
            return None
        first = entries[0]
        key_location = first.location if isinstance(first, Unknown) else first[0].type_location
        key_location = key_location or block.location
        blocks: list[tuple[Block, Any, Any]] = []
        for entry in entries:
            if isinstance(entry, Unknown):
                return entry, key_location, entry.location or key_location
            principal_block, principal_evaluator = entry
            blocks.append(
                (
                    principal_block,
                    _attribute_value(principal_block, "type", principal_evaluator),
                    _attribute_value(principal_block, "identifiers", principal_evaluator),
                )
            )
        if len(blocks) == 1 and blocks[0][1] == "*" and _only_star(blocks[0][2]):
            identifiers = blocks[0][0].attributes.get("identifiers")
            where = identifiers.value_location if identifiers else blocks[0][0].location
            return "*", key_location, where
        principals = LMap(blocks[0][0].location)
        for principal_block, principal_type, identifiers in blocks:
            if not isinstance(principal_type, str):
                return (
                    Unknown(
                        f"{block_type} type", principal_block.location, "the type is not known"
                    ),
                    key_location,
                    principal_block.location,
                )
            type_attribute = principal_block.attributes["type"]
            identifiers_attribute = principal_block.attributes.get("identifiers")
            where = (
                identifiers_attribute.value_location
                if identifiers_attribute
                else principal_block.location
            )
            if principal_type in principals:
                principals[principal_type] = _joined(principals[principal_type], identifiers, where)
                continue
            principals.put(principal_type, identifiers, type_attribute.value_location, where)
        return principals, key_location, principals.location

    def _conditions(
        self, block: Block, evaluator: Evaluator
    ) -> tuple[Any, Location, Location] | None:
        entries = self.scope.expand_blocks(block, "condition", evaluator)
        if not entries:
            return None
        first = entries[0]
        key_location = (first.location if isinstance(first, Unknown) else None) or (
            first[0].type_location if not isinstance(first, Unknown) else block.location
        )
        operators: LMap | None = None
        for entry in entries:
            if isinstance(entry, Unknown):
                return entry, key_location, entry.location or key_location
            condition_block, condition_evaluator = entry
            if operators is None:
                operators = LMap(condition_block.location)
            test = _attribute_value(condition_block, "test", condition_evaluator)
            variable = _attribute_value(condition_block, "variable", condition_evaluator)
            values = _attribute_value(condition_block, "values", condition_evaluator)
            if not isinstance(test, str) or not isinstance(variable, str):
                return (
                    Unknown(
                        "condition", condition_block.location, "its test or variable is not known"
                    ),
                    key_location,
                    condition_block.location,
                )
            test_attribute = condition_block.attributes["test"]
            variable_attribute = condition_block.attributes["variable"]
            values_attribute = condition_block.attributes.get("values")
            values_location = (
                values_attribute.value_location if values_attribute else condition_block.location
            )
            keys = operators.get(test)
            if keys is None:
                keys = LMap(condition_block.location)
                operators.put(
                    str(test), keys, test_attribute.value_location, condition_block.location
                )
            if variable in keys:
                keys[variable] = _joined(keys[variable], values, values_location)
            else:
                keys.put(str(variable), values, variable_attribute.value_location, values_location)
        if operators is None:
            return None
        return operators, key_location, operators.location


def _attribute_value(block: Block, name: str, evaluator: Evaluator) -> Any:
    attribute = block.attributes.get(name)
    return evaluator.evaluate(attribute.expression) if attribute is not None else None


def _only_star(identifiers: Any) -> bool:
    if isinstance(identifiers, LList):
        return len(identifiers) == 1 and identifiers[0] == "*"
    return isinstance(identifiers, str) and identifiers == "*"


def _joined(existing: Any, more: Any, location: Location) -> Any:
    """Two principal identifier or condition value lists under the same key."""
    if isinstance(existing, Unknown):
        return existing
    if isinstance(more, Unknown):
        return more
    result = LList(existing.location if isinstance(existing, LList) else location)
    for part, part_location in ((existing, location), (more, location)):
        if isinstance(part, LList):
            for index, item in enumerate(part):
                result.add(item, part.item_location(index))
        elif part is not None:
            result.add(part, part_location)
    return result


def _document_statements(
    value: Any, attribute: Attribute, options: LoadOptions
) -> list[tuple[Any, Location]] | Unknown:
    """The statements of one source or override document, with their locations."""
    location = attribute.value_location
    tree = json_document(value, location, max_depth=options.max_depth, max_nodes=options.max_nodes)
    if isinstance(tree, str):
        try:
            tree = locate_plain(decode_json(tree), location)
        except ValueError:
            return Unknown(attribute.name, location, "a merged document is not valid JSON")
    if isinstance(tree, Unknown):
        return tree
    if not isinstance(tree, LMap):
        return Unknown(attribute.name, location, "a merged document is not a JSON object")
    statements = tree.get("Statement")
    statement_location = tree.value_location("Statement")
    if isinstance(statements, LMap):
        return [(statements, statement_location)]
    if isinstance(statements, LList):
        return [(item, statements.item_location(i)) for i, item in enumerate(statements)]
    if statements is None:
        return []
    return Unknown(attribute.name, location, "the statements of a merged document are not known")


def _merge_statements(
    statements: list[tuple[Any, Location]], new: Sequence[tuple[Any, Location]]
) -> None:
    for statement, location in new:
        sid = statement.get("Sid") if isinstance(statement, LMap) else None
        if isinstance(sid, str) and sid:
            index = next(
                (
                    i
                    for i, (existing, _) in enumerate(statements)
                    if isinstance(existing, LMap) and existing.get("Sid") == sid
                ),
                None,
            )
            if index is not None:
                statements[index] = (statement, location)
                continue
        statements.append((statement, location))


# ---------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------


_COLLECTED_LISTS = tuple(f.name for f in fields(Collected))


class _Entities:
    """Builds the model entities of a module and of the local modules it calls."""

    def __init__(self, project: _Project, unit: str) -> None:
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

    def resource(self, address: _Address) -> Resource:
        return Resource(address.full, address.resource_type, address.block.location, self.unit_id)

    def name(self, module: ModuleScope, address: _Address) -> Value:
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


def _name_value(module: ModuleScope, address: _Address) -> tuple[_Identity, Value, Value | None]:
    identity = module.identity(address)
    name = _identity_value(identity.name, identity.name_location)
    path = (
        _identity_value(identity.path, identity.path_location)
        if identity.path_location is not None
        else None
    )
    return identity, name, path


def _arn_text(identity: _Identity) -> Text:
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

    def __init__(self, entities: _Entities, module: ModuleScope, address: _Address) -> None:
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
            policy_name = _attribute_value(inline_block, "name", evaluator)
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
        arn = _oidc_arn(self.module, self.full, _site_of(self.full))
        return arn if isinstance(arn, Unknown) else str(arn)

    def own_key(self, id_attribute: str) -> Any:
        """The name a reference to this resource's `id_attribute` resolves to."""
        return generated_name(self.full.full)

    def reference(self, key: str, resource_type: str) -> Any:
        """Attribute `key` as evaluated: a reference to a resource gives its `own_key`."""
        block = self.full.block
        return _attribute_value(block, key, self.module.evaluator(block.file))
