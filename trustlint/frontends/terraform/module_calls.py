"""Module calls as Terraform resolves them: sources, installed modules, roots, reporting.

- **Sources.** A `module` block's `source` is a local path (`./x`, `../x`,
  relative to the calling module) or something `terraform init` fetched: the
  root module's `.terraform/modules/modules.json` maps each call (`Key`, `a.b`
  for a call inside module `a`) to the directory holding it (`Dir`, relative
  to the root module). A call whose directory is missing, or that calls
  itself, is a TL000 on its `module` block; a source that was not installed
  stays unknown (a note).
- **Roots.** A module directory that another scanned module calls is a child:
  it is evaluated within each call, with the caller's arguments, and its unit
  read alone (with its variable defaults, often placeholders) is dropped
  (`root_units`).
- **Reporting.** A value a caller passes is reported at the caller's argument,
  with the module's use of it as a related location (`trustlint.passed`); what
  an installed module (under `.terraform/`) writes itself is reported at the
  user's `module` block, since the user owns no line inside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from trustlint.frontends.terraform.hcl_syntax import Attribute, Block
from trustlint.frontends.terraform.providers import (
    DEFAULT,
    Providers,
    account_of,
    passed_providers,
    root_providers,
)
from trustlint.model import (
    Location,
    PolicyDocument,
    Principal,
    Resource,
    SourceUnit,
    Statement,
    Text,
    Value,
)
from trustlint.passed import PassedLocation
from trustlint.patterns import lazy_compile
from trustlint.records import field, record, replace

if TYPE_CHECKING:
    from trustlint.frontends.terraform.scope import ModuleScope

MODULES_JSON = Path(".terraform") / "modules" / "modules.json"
INSTALLED_DIRECTORY = ".terraform"
MAX_MODULES_JSON_BYTES = 8 * 1024 * 1024
_INSTANCE_KEY = lazy_compile(r"\[[^\]]*\]")
_LOCAL_PREFIXES = ("./", "../", ".\\", "..\\")

T = TypeVar("T")


def is_installed_path(relative: str) -> bool:
    """Whether a project-relative path lies in a directory `terraform init` manages."""
    return f"/{INSTALLED_DIRECTORY}/" in f"/{relative}"


def call_key(prefix: str, name: str) -> str:
    """The `modules.json` key of call `name` in the module instance `prefix` (`module.a.`)."""
    path = _INSTANCE_KEY.sub("", prefix)
    # `module.a.module.b.` alternates keyword and name: keep the names.
    parts = path.rstrip(".").split(".") if path else []
    names = [parts[index + 1] for index in range(0, len(parts) - 1, 2) if parts[index] == "module"]
    return ".".join([*names, name])


@record(eq=False)
class CallerInput:
    """A module argument, evaluated in the caller when the module reads it."""

    scope: ModuleScope
    attribute: Attribute

    def __call__(self) -> Any:
        return self.scope.evaluate(self.attribute)


@record(frozen=False)
class _Instance:
    parent: str
    """The caller's prefix."""
    directory: str
    """The module's directory, project-relative."""
    anchor: Location | None
    """The user's `module` block (its keyword), for an instance inside an installed module."""
    anchor_block: Location | None
    """The whole of that block: what a resource of the instance is located at."""


@record(frozen=False)
class ModuleCalls:
    """What one load learns about module calls: sources, directories called, passed values."""

    root_module: Path
    relative: Callable[[Path], str]
    read: dict[str, None]
    """The files the load reads (`modules.json` becomes one of them)."""
    installed_: dict[str, Path] | None = None
    called: dict[str, None] = field(default_factory=dict)
    """Project-relative directories of the modules called, in the order met."""
    instances: dict[str, _Instance] = field(default_factory=dict)
    passed: dict[tuple[str, Location], tuple[str, Location]] = field(default_factory=dict)
    """(instance, where it reads `var.x`) -> (caller, the argument's value)."""
    reads: dict[str, list[Location]] = field(default_factory=dict)
    """Instance -> where it reads a variable its caller passes."""
    providers: dict[str, Providers] = field(default_factory=dict)
    """Instance -> its AWS provider configurations (the root module's is ``)."""
    rerouters: dict[str, _Rerouter] = field(default_factory=dict)
    names: dict[Path, str] = field(default_factory=dict)
    root_directory_: str | None = None

    def directory_name(self, directory: Path) -> str:
        """A module directory, project-relative (the same directories are met again and again)."""
        name = self.names.get(directory)
        if name is None:
            name = self.names[directory] = self.relative(directory)
        return name

    @property
    def root_directory(self) -> str:
        if self.root_directory_ is None:
            self.root_directory_ = self.relative(self.root_module)
        return self.root_directory_

    # -- sources ---------------------------------------------------------------

    def installed(self) -> dict[str, Path]:
        """`modules.json` of the root module: call key -> directory; empty without it."""
        if self.installed_ is None:
            path = self.root_module / MODULES_JSON
            self.installed_ = _read_modules_json(path, self.root_module)
            if self.installed_:
                self.read.setdefault(self.relative(path), None)
        return self.installed_

    def resolve(self, scope: ModuleScope, name: str, block: Block) -> Path | None:
        """The directory module call `name` of `scope` reads, or None (said in a note or TL000)."""
        project = scope.project
        label = f"{scope.prefix}module.{name}"
        source_attribute = block.attributes.get("source")
        source = scope.evaluate(source_attribute) if source_attribute is not None else None
        if not isinstance(source, str):
            project.note(f"{label}: the module source is not a literal string")
            return None
        source = str(source)
        where = block.type_location
        if source.startswith(_LOCAL_PREFIXES):
            directory = Path(os.path.normpath(scope.directory / source))
            if not project.inside_root(directory):
                project.note(f"{label}: source {source} is outside the project; it is not read")
                return None
            if not _is_directory(directory):
                project.error(f"{label}: source {source} is not a directory", where)
                return None
        else:
            key = call_key(scope.prefix, name)
            installed = self.installed().get(key)
            if installed is None:
                entry = f"no {MODULES_JSON.as_posix()} entry {key}"
                reason = f"source {source} is not installed ({entry})"
                project.note(f"{label}: {reason}; it is not read")
                project.error(
                    f"cannot decide: what {label} creates is not checked: {reason}; "
                    "run terraform init to have it read",
                    where,
                    note=True,
                )
                return None
            directory = Path(os.path.normpath(installed))
            if not project.inside_root(directory):
                project.note(f"{label}: installed outside the project; it is not read")
                return None
            if not _is_directory(directory):
                shown = self.relative(directory)
                project.error(
                    f"{label}: source {source} is installed in {shown}, which is missing; "
                    "run terraform init",
                    where,
                )
                return None
        self.called.setdefault(self.directory_name(directory), None)
        real = os.path.realpath(directory)
        if any(os.path.realpath(seen) == real for seen in scope.stack):
            cycle = (
                "calls its own module"
                if os.path.realpath(scope.directory) == real
                else "calls a module that calls this one"
            )
            project.error(f"{label}: source {source} {cycle}; the cycle is not followed", where)
            return None
        return directory

    def enter(self, scope: ModuleScope, prefix: str, block: Block, directory: Path) -> None:
        """Remember that instance `prefix` is called by `scope` from `block`."""
        parent = self.instances.get(scope.prefix)
        anchor, anchor_block = (parent.anchor, parent.anchor_block) if parent else (None, None)
        relative = self.directory_name(directory)
        if anchor is None and is_installed_path(relative):
            anchor, anchor_block = block.type_location, block.location
        self.instances[prefix] = _Instance(scope.prefix, relative, anchor, anchor_block)
        self.providers[prefix] = passed_providers(self.providers_of(scope), block)

    # -- accounts ---------------------------------------------------------------------

    def providers_of(self, scope: ModuleScope) -> Providers:
        found = self.providers.get(scope.prefix)
        if found is None:
            found = self.providers[scope.prefix] = root_providers(scope)
        return found

    def account(self, scope: ModuleScope, block: Block | None) -> Text:
        """The account a resource or data source of `scope` is in: its provider's."""
        return account_of(self.providers_of(scope), block)

    def unit_account(self) -> str | None:
        """The account the root module's default provider names, if it names one."""
        default = self.providers.get("", {}).get(DEFAULT)
        return default.account if default is not None else None

    # -- passed values ------------------------------------------------------------

    def read_variable(self, scope: ModuleScope, name: str, location: Location) -> None:
        """`var.name` is read at `location` of `scope`: remember it if a caller passes it."""
        inputs = scope.inputs
        given = inputs.get(name) if inputs is not None else None
        if isinstance(given, CallerInput):
            argument = given.attribute.value_location
            key = (scope.prefix, location)
            if key not in self.passed:
                self.passed[key] = (given.scope.prefix, argument)
                self.reads.setdefault(scope.prefix, []).append(location)

    def reroute(self, prefix: str, built: T) -> T:
        """`built` (model objects of instance `prefix`) with passed values located at the caller."""
        instance = self.instances.get(prefix)
        if instance is None:
            return built
        rerouter = self.rerouters.get(prefix)
        if rerouter is None:
            rerouter = self.rerouters[prefix] = _Rerouter(self, prefix, instance)
        rerouted: T = rerouter.walk(built, None)
        return rerouted

    def origin(self, prefix: str, location: Location, *, scalar: bool = False) -> Location | None:
        """Where the value read at `location` of instance `prefix` was written, if passed.

        A `scalar` (a principal, a condition value) built from text with one
        passed variable in it (`"arn:aws:iam::${var.account}:root"`) comes from there.
        """
        if scalar and (prefix, location) not in self.passed:
            inside = [read for read in self.reads.get(prefix, ()) if _contains(location, read)]
            if len(inside) == 1:
                location = inside[0]
        found = None
        while (prefix, location) in self.passed:
            prefix, location = self.passed[(prefix, location)]
            found = location
        return found


class _Rerouter:
    def __init__(self, calls: ModuleCalls, prefix: str, instance: _Instance) -> None:
        self.calls = calls
        self.prefix = prefix
        self.anchor = instance.anchor
        self.anchor_block = instance.anchor_block
        self.used_in = prefix.rstrip(".")
        self.callers = {calls.root_directory}
        """The directories of the modules that call this instance, however far up."""
        parent = calls.instances.get(instance.parent)
        while parent is not None:
            self.callers.add(parent.directory)
            parent = calls.instances.get(parent.parent)
        self.callers.discard(instance.directory)

    def walk(self, value: Any, context: Location | None) -> Any:
        if isinstance(value, Location):
            return self.location(value, context)
        if isinstance(value, tuple):
            items = tuple(self.walk(item, context) for item in value)
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        names = _field_names(type(value))
        if not names:
            return value
        if isinstance(value, Resource) and self.anchor_block is not None:
            # A suppression comment on the user's module block covers what it creates.
            return replace(value, location=self.anchor_block)
        if isinstance(value, Statement | PolicyDocument):
            context = value.location
        scalar = isinstance(value, Value | Principal)
        changes = {}
        for name in names:
            current = getattr(value, name)
            if current is None or type(current) in _LEAVES:
                continue
            if scalar and name == "location":
                new = self.location(current, context, scalar=True)
            else:
                new = self.walk(current, context)
            if new is not current:
                changes[name] = new
        return replace(value, **changes) if changes else value

    def location(
        self, location: Location, context: Location | None, *, scalar: bool = False
    ) -> Location:
        if isinstance(location, PassedLocation):
            return location
        written = self.calls.origin(self.prefix, location, scalar=scalar)
        used_at = location
        if written is None and context is not None and _directory(location.path) in self.callers:
            # Written in a caller and reaching here inside a value (a list item).
            written, used_at = location, context
        if written is not None and is_installed_path(written.path) and self.anchor is not None:
            written = self.anchor
        installed = False
        if written is None:
            if self.anchor is None or not is_installed_path(location.path):
                return location
            written, installed = self.anchor, True
        return PassedLocation(
            written.path,
            written.line,
            written.column,
            written.end_line,
            written.end_column,
            used_at=used_at,
            used_in=self.used_in,
            installed=installed,
        )


_LEAVES = frozenset({str, int, float, bool})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    """The fields of a model dataclass; () for anything else."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        declared = getattr(kind, "__record_fields__", ())
        names = tuple(item.name for item in declared)
        _FIELD_NAMES[kind] = names
    return names


def _contains(outer: Location, inner: Location) -> bool:
    return (
        outer.path == inner.path
        and (outer.line, outer.column) <= (inner.line, inner.column)
        and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)
    )


def _directory(relative: str) -> str:
    directory = os.path.dirname(relative)
    return directory or "."


# -- roots -------------------------------------------------------------------------


def root_units(loaded: Sequence[T], unit_of: Callable[[T], SourceUnit]) -> list[T]:
    """`loaded` without the Terraform modules another loaded root module calls.

    A module nobody calls is a root. Modules only called from within a cycle
    (no root reaches them) keep the first of them in order as a root.
    """
    calls: dict[str, tuple[str, ...]] = {}
    for item in loaded:
        unit = unit_of(item)
        if unit.format == "terraform":
            calls[unit.unit] = tuple(c for c in unit.calls if c != unit.unit)
    if not any(calls.values()):
        return list(loaded)
    called = {directory for targets in calls.values() for directory in targets}
    roots = [directory for directory in calls if directory not in called]
    reached = {target for root in roots for target in calls[root]}
    for directory in sorted(calls):
        if directory not in roots and directory not in reached:
            roots.append(directory)
            reached.update(calls[directory])
    dropped = set(calls) - set(roots)
    return [item for item in loaded if _kept(unit_of(item), dropped)]


def _kept(unit: SourceUnit, dropped: set[str]) -> bool:
    return unit.format != "terraform" or unit.unit not in dropped


# -- modules.json ----------------------------------------------------------------


def _read_modules_json(path: Path, root_module: Path) -> dict[str, Path]:
    try:
        if path.stat().st_size > MAX_MODULES_JSON_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    modules = data.get("Modules") if isinstance(data, Mapping) else None
    found: dict[str, Path] = {}
    for entry in _entries(modules):
        key, directory = entry.get("Key"), entry.get("Dir")
        if isinstance(key, str) and key and isinstance(directory, str) and directory:
            found.setdefault(key, root_module / directory)
    return found


def _entries(modules: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(modules, Iterable) and not isinstance(modules, str | bytes | Mapping):
        for entry in modules:
            if isinstance(entry, Mapping):
                yield entry


def _is_directory(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False
