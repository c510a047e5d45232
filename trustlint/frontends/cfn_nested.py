"""Templates inside templates: nested stacks, SAM applications, StackSet bodies.

CloudFormation deploys a nested stack (`AWS::CloudFormation::Stack`,
`AWS::Serverless::Application`) from the template its `TemplateURL` /
`Location` names, with the `Parameters` the parent passes. A local path
(relative to the parent template, as `aws cloudformation package` and `sam`
read it) is read here once per instance, into the parent's unit: the child's
resources are addressed `Instance.Child` and its parameters take the parent's
values. A value the parent fixes (a literal, a pseudo parameter, or built from
those) decides the child's `Conditions`, so only the branch that deploys is
checked; a value taken from the parent's own parameter defaults is used as a
default is, never to decide a condition.

A remote or missing template stays unknown (a TL000 note, shown with
`--strict`); a template that includes itself again is a TL000 error on the
stack resource, and is not read a second time.

A StackSet's inline `TemplateBody` (a string or block scalar holding YAML or
JSON) is read as a template too, with positions inside the outer file. It
deploys into the StackSet's target accounts, not the parent's: its
`AWS::AccountId` and its roles' accounts are unknown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustlint.config import LoadOptions
from trustlint.frontends.cfn_intrinsics import Resolver, intrinsic_name
from trustlint.frontends.source_text import SourceError, read_source
from trustlint.frontends.yaml_loader import (
    LINE_BREAK,
    DuplicateKey,
    LoadError,
    load_json,
    load_yaml,
)
from trustlint.model import THIS_ACCOUNT, Location, ParseError, Resource, Text, Unknown
from trustlint.patterns import lazy_compile
from trustlint.project_paths import project_path
from trustlint.records import field, record
from trustlint.tree import Alternatives, LList, LMap

if TYPE_CHECKING:
    from trustlint.frontends.cloudformation import _TemplateReader

MAX_NESTING_DEPTH = 8
"""Nested stacks inside nested stacks read at most; CloudFormation's own limit is deeper,
but real templates rarely go past three."""
MAX_INSTANCES = 64
"""Nested templates read for one top-level template in all, so that a template
nesting two copies of one nesting two copies... stays cheap."""

_SAM_APPLICATION = "AWS::Serverless::Application"
_DEPLOY_TIME_PSEUDO = lazy_compile(r"AWS::(?!Partition$|URLSuffix$)")
_SUB_VARIABLE = lazy_compile(r"\$\{([^}!][^}]*)\}")
_BLOCK_HEADER = lazy_compile(r"[|>][-+0-9]*[ \t]*(?:#.*)?$")


@record(frozen=False)
class _Budget:
    instances: int = MAX_INSTANCES


@record
class Instance:
    """One reading of a template: the top-level stack, or one nested instance of it."""

    unit: str
    """The unit every resource read belongs to: the top-level template's path."""
    prefix: str = ""
    """Prepended to logical ids: `` at the top, `PartnerStack.` in a nested stack."""
    given: Mapping[str, Any] = field(default_factory=dict)
    """Parameter values the parent passes (resolved in the parent)."""
    fixed: frozenset[str] = frozenset()
    """The given parameters whose value no deployment can change."""
    chain: tuple[str, ...] = ()
    """Absolute paths of the templates being read, outermost first (to find cycles)."""
    root: str | None = None
    account: Text = THIS_ACCOUNT
    own_text: bool = True
    """Whether the reader's text is its own (a StackSet body's comments are the outer file's)."""
    budget: _Budget = field(default_factory=_Budget)

    @classmethod
    def top(cls, path: str, root: str | None) -> Instance:
        chain = (os.path.normpath(os.path.join(root, path)),) if root is not None else ()
        return cls(unit=path, chain=chain, root=root)

    def decide_conditions(
        self, template: LMap, path: str, text: str, options: LoadOptions
    ) -> dict[str, bool]:
        """The template's conditions that the fixed parameters decide."""
        if not self.fixed:
            return {}
        conditions = template.get("Conditions")
        if not isinstance(conditions, LMap):
            return {}
        resolver = Resolver(template, path, text, options, given=self.given, prefix=self.prefix)
        parameters = template.get("Parameters")
        names = set(parameters) if isinstance(parameters, LMap) else set()
        deciding = _Conditions(conditions, resolver, names - self.fixed)
        decided: dict[str, bool] = {}
        for name in conditions:
            value = deciding.decide(name)
            if value is not None:
                decided[name] = value
        return decided


def nested_stack(reader: _TemplateReader, resource: Resource, properties: LMap) -> None:
    """`AWS::CloudFormation::Stack` / `AWS::Serverless::Application`: read its local template."""
    instance = reader.instance
    name = "Location" if resource.resource_type == _SAM_APPLICATION else "TemplateURL"
    stack_location = reader.key_locations[resource.address]
    located = reader.resolved(properties, name)
    if located is None:
        return
    url, url_location = located
    if isinstance(url, LMap) and "ApplicationId" in url:
        _note(
            reader,
            url_location,
            f"{resource.address} deploys a Serverless Application Repository application",
        )
        return
    if not isinstance(url, str):
        if _written_as_remote(properties[name]):
            message = f"{resource.address} deploys a template from a URL that is not known"
        else:
            message = f"the {name} of {resource.address} is not known"
        _note(reader, url_location, message)
        return
    if "://" in url or url.startswith("s3:"):
        _note(reader, url_location, f"{resource.address} deploys {url}, not a local file")
        return
    if instance.root is None or not instance.chain:
        return
    target = os.path.normpath(os.path.join(os.path.dirname(instance.chain[-1]), url))
    if target in instance.chain:
        cycle = " -> ".join(
            project_path(Path(path), Path(instance.root))
            for path in (*instance.chain[instance.chain.index(target) :], target)
        )
        reader.errors.append(
            ParseError(
                f"nested stack {resource.address} includes a template that includes it "
                f"({cycle}); it is read once",
                stack_location,
            )
        )
        return
    if len(instance.chain) > MAX_NESTING_DEPTH:
        _note(reader, url_location, f"{resource.address} is nested too deeply to be read")
        return
    if not os.path.isfile(target):
        _note(reader, url_location, f"the template of {resource.address} ({url}) is not found")
        return
    if instance.budget.instances <= 0:
        _note(reader, url_location, f"too many nested stacks; {resource.address} is not read")
        return
    instance.budget.instances -= 1
    relative = project_path(Path(target), Path(instance.root))
    loaded = _load_template(reader, Path(target), relative, url_location, resource.address)
    if loaded is None:
        return
    tree, text, duplicates = loaded
    given, fixed = _parameters(reader, properties)
    child = reader.child(
        tree,
        relative,
        text,
        Instance(
            unit=instance.unit,
            prefix=f"{resource.address}.",
            given=given,
            fixed=fixed,
            chain=(*instance.chain, target),
            root=instance.root,
            account=instance.account,
            budget=instance.budget,
        ),
    )
    child.duplicate_keys(duplicates)
    child.read_resources(tree)
    reader.adopt(child)


def stack_set(reader: _TemplateReader, resource: Resource, properties: LMap) -> None:
    """`AWS::CloudFormation::StackSet` with an inline `TemplateBody`: read it in place."""
    from trustlint.frontends.cloudformation import is_template

    if "TemplateBody" not in properties:
        return
    body = properties["TemplateBody"]
    location = properties.value_location("TemplateBody")
    duplicates: list[DuplicateKey] = []
    if isinstance(body, str):
        tree = _parse_body(reader, body, location, duplicates)
        if tree is None:
            return
    elif isinstance(body, LMap) and intrinsic_name(body) is None:
        tree = body
    else:
        _note(reader, location, f"the TemplateBody of {resource.address} is not known")
        return
    if not is_template(tree):
        _note(reader, location, f"the TemplateBody of {resource.address} is not a template")
        return
    instance = reader.instance
    if instance.budget.instances <= 0:
        _note(reader, location, f"too many nested stacks; {resource.address} is not read")
        return
    instance.budget.instances -= 1
    account = Unknown(
        "AWS::AccountId", location, f"a target account of StackSet {resource.address}"
    )
    child = reader.child(
        tree,
        reader.path,
        reader.text,
        Instance(
            unit=instance.unit,
            prefix=f"{resource.address}.",
            chain=instance.chain,
            root=instance.root,
            account=account,
            own_text=False,
            budget=instance.budget,
        ),
    )
    child.duplicate_keys(duplicates)
    child.read_resources(tree)
    reader.adopt(child)


# -- parameters and conditions ----------------------------------------------


def _parameters(reader: _TemplateReader, properties: LMap) -> tuple[dict[str, Any], frozenset[str]]:
    """The child's parameter values as the parent resolves them, and which are fixed."""
    raw = properties.get("Parameters")
    if not isinstance(raw, LMap) or intrinsic_name(raw) is not None:
        return {}, frozenset()
    parent_parameters = reader.resolver.parameters
    variable = set(parent_parameters) - reader.instance.fixed
    given: dict[str, Any] = {}
    fixed: set[str] = set()
    for name, node in raw.items():
        value = reader.resolver.resolve(node)
        given[name] = value
        if _is_scalar(value) and not _depends_on(node, variable):
            fixed.add(name)
    return given, frozenset(fixed)


class _Conditions:
    """Three-valued evaluation of `Conditions`: True, False, or None (not decided)."""

    def __init__(self, conditions: LMap, resolver: Resolver, variable: set[str]) -> None:
        self.conditions = conditions
        self.resolver = resolver
        self.variable = variable
        self.decided: dict[str, bool | None] = {}
        self.deciding: set[str] = set()

    def decide(self, name: str) -> bool | None:
        if name in self.decided:
            return self.decided[name]
        if name in self.deciding or name not in self.conditions:
            return None
        self.deciding.add(name)
        try:
            value = self.evaluate(self.conditions[name])
        finally:
            self.deciding.discard(name)
        self.decided[name] = value
        return value

    def evaluate(self, node: Any) -> bool | None:
        function = intrinsic_name(node) if isinstance(node, LMap) else None
        if function is None and isinstance(node, LMap) and set(node) == {"Condition"}:
            return self.decide(str(node["Condition"]))
        if function is None:
            return None
        argument = node[function]
        if function == "Fn::Equals":
            if not isinstance(argument, LList) or len(argument) != 2:
                return None
            left, right = (self.text(item) for item in argument)
            return None if left is None or right is None else left == right
        if not isinstance(argument, LList):
            return None
        values = [self.evaluate(item) for item in argument]
        if function == "Fn::Not":
            return None if len(values) != 1 or values[0] is None else not values[0]
        if function == "Fn::And":
            return False if False in values else (None if None in values else True)
        if function == "Fn::Or":
            return True if True in values else (None if None in values else False)
        return None

    def text(self, node: Any) -> str | None:
        """The value of an `Fn::Equals` argument, when no deployment can change it."""
        if _depends_on(node, self.variable):
            return None
        value = self.resolver.resolve(node)
        if not _is_scalar(value) or THIS_ACCOUNT in str(value):
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and "<" not in str(value)


def _depends_on(node: Any, variable: set[str]) -> bool:
    """Whether `node` reads a parameter in `variable`, a deploy-time pseudo
    parameter, a resource attribute or a condition (anything a deployment sets)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, LMap):
            function = intrinsic_name(current)
            if function in ("Fn::GetAtt", "Fn::If", "Fn::ImportValue", "Fn::GetAZs"):
                return True
            if function == "Ref":
                target = current["Ref"]
                if not isinstance(target, str):
                    return True
                if target in variable or _DEPLOY_TIME_PSEUDO.match(target):
                    return True
            if function == "Fn::Sub":
                template = current["Fn::Sub"]
                if isinstance(template, LList) and template:
                    template = template[0]
                if isinstance(template, str) and any(
                    name.strip() in variable
                    or _DEPLOY_TIME_PSEUDO.match(name.strip())
                    or "." in name
                    for name in _SUB_VARIABLE.findall(template)
                ):
                    return True
            pending.extend(current.values())
        elif isinstance(current, LList):
            pending.extend(current)
        elif isinstance(current, Alternatives | Unknown):
            return True
    return False


def _written_as_remote(node: Any) -> bool:
    """Whether an unresolved URL is written as one (`!Sub https://${Bucket}...`):
    its first literal text, depth first (`Fn::Join ["", ["https://", ...]]`)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, str) and current:
            return "://" in current or current.startswith("s3:")
        if isinstance(current, LMap):
            pending.extend(reversed(list(current.values())))
        elif isinstance(current, LList):
            pending.extend(reversed(current))
    return False


# -- reading templates ------------------------------------------------------


def _load_template(
    reader: _TemplateReader, path: Path, relative: str, location: Location, address: str
) -> tuple[LMap, str, list[DuplicateKey]] | None:
    from trustlint.frontends.cloudformation import is_template

    try:
        text = read_source(path, reader.options)
    except SourceError as error:
        _note(reader, location, f"the template of {address} cannot be read: {error.message}")
        return None
    duplicates: list[DuplicateKey] = []
    load = load_json if text.lstrip().startswith("{") else load_yaml
    try:
        tree = load(
            text,
            relative,
            max_nodes=reader.options.max_nodes,
            max_depth=reader.options.max_depth,
            duplicates=duplicates,
        )
    except LoadError as error:
        _note(reader, location, f"the template of {address} cannot be parsed: {error.message}")
        return None
    if not isinstance(tree, LMap) or not is_template(tree):
        _note(reader, location, f"{relative}, the template of {address}, is not a template")
        return None
    return tree, text, duplicates


def _parse_body(
    reader: _TemplateReader, body: str, location: Location, duplicates: list[DuplicateKey]
) -> Any:
    """A `TemplateBody` string as a tree located in the outer file (None if unreadable)."""
    load = load_json if body.lstrip().startswith("{") else load_yaml
    try:
        tree = load(
            body,
            reader.path,
            max_nodes=reader.options.max_nodes,
            max_depth=reader.options.max_depth,
            duplicates=duplicates,
        )
    except LoadError as error:
        where = location
        if error.line is not None:
            where = _BodyPositions(reader.text, body, location).point(error.line, error.column or 1)
        reader.errors.append(
            ParseError(f"cannot parse the TemplateBody as a template: {error.message}", where)
        )
        return None
    positions = _BodyPositions(reader.text, body, location)
    duplicates[:] = [
        DuplicateKey(d.key, positions.relocate(d.overridden), positions.relocate(d.winner))
        for d in duplicates
    ]
    return positions.relocate_tree(tree)


class _BodyPositions:
    """Maps a position in a string value to the outer file.

    Exact for a literal block scalar (`|`), and for a quoted string on one line
    (a JSON string's escapes included); anything else (folded or multi-line
    flow scalars) is placed at the start of the value.
    """

    def __init__(self, outer: str, body: str, location: Location) -> None:
        self.location = location
        self.body_starts = [0] + [m.end() for m in LINE_BREAK.finditer(body)]
        self.offsets: list[tuple[int, int]] | None = None
        """(outer line, outer column), both 1-based, of each character of `body` and its end."""
        lines = LINE_BREAK.split(outer)
        if not 1 <= location.line <= len(lines):
            return
        first = lines[location.line - 1][location.column - 1 :]
        if _BLOCK_HEADER.match(first) and first.startswith("|"):
            self.offsets = _literal_offsets(lines, location, body)
        elif first[:1] in ('"', "'") and location.line == location.end_line:
            self.offsets = _quoted_offsets(first, location, body)

    def point(self, line: int, column: int) -> Location:
        start = self.position(line, column)
        return Location(self.location.path, *start, start[0], start[1] + 1)

    def position(self, line: int, column: int) -> tuple[int, int]:
        if self.offsets is None or not 1 <= line <= len(self.body_starts):
            return self.location.line, self.location.column
        index = self.body_starts[line - 1] + column - 1
        index = max(0, min(index, len(self.offsets) - 1))
        return self.offsets[index]

    def relocate(self, location: Location) -> Location:
        start = self.position(location.line, location.column)
        end = self.position(location.end_line, location.end_column)
        end = max(end, start)
        return Location(self.location.path, *start, *end)

    def relocate_tree(self, node: Any) -> Any:
        if isinstance(node, LMap):
            mapping = LMap(self.relocate(node.location))
            for key, value in node.items():
                mapping.put(
                    key,
                    self.relocate_tree(value),
                    self.relocate(node.key_location(key)),
                    self.relocate(node.value_location(key)),
                )
            return mapping
        if isinstance(node, LList):
            sequence = LList(self.relocate(node.location))
            for index, item in enumerate(node):
                sequence.add(self.relocate_tree(item), self.relocate(node.item_location(index)))
            return sequence
        return node


def _literal_offsets(lines: list[str], location: Location, body: str) -> list[tuple[int, int]]:
    """A literal block scalar: body line i is outer line `location.line + 1 + i`, less indent."""
    header = lines[location.line - 1][location.column - 1 :]
    explicit = re.search(r"[1-9]", header.split("#", 1)[0])
    content_lines = lines[location.line :]
    indent = 0
    if explicit is not None:
        parent_indent = len(lines[location.line - 1]) - len(lines[location.line - 1].lstrip(" "))
        indent = parent_indent + int(explicit.group())
    else:
        for line in content_lines:
            if line.strip():
                indent = len(line) - len(line.lstrip(" "))
                break
    offsets: list[tuple[int, int]] = []
    body_lines = LINE_BREAK.split(body)
    for number, body_line in enumerate(body_lines):
        outer_line = location.line + 1 + number
        # Each character of the body line, then its line break (or the body's end).
        offsets.extend((outer_line, indent + column + 1) for column in range(len(body_line) + 1))
    return offsets


_JSON_ESCAPE = lazy_compile(r"\\(?:u[0-9a-fA-F]{4}|.)")


def _quoted_offsets(raw: str, location: Location, body: str) -> list[tuple[int, int]] | None:
    """A quoted string on one line: walk its escapes (JSON's, or YAML's doubled `'`)."""
    quote = raw[0]
    offsets: list[tuple[int, int]] = []
    index = 1
    while index < len(raw) and len(offsets) < len(body):
        character = raw[index]
        if quote == '"' and character == "\\":
            match = _JSON_ESCAPE.match(raw, index)
            width = len(match.group()) if match else 1
        elif quote == "'" and raw.startswith("''", index):
            width = 2
        elif character == quote:
            break
        else:
            width = 1
        offsets.append((location.line, location.column + index))
        index += width
    if len(offsets) != len(body):
        return None  # escapes this walk does not know (`\U0001F600`): not exact
    offsets.append((location.line, location.column + index))
    return offsets


def _note(reader: _TemplateReader, location: Location, message: str) -> None:
    """Something left unread: a TL000 note, shown with `--strict`."""
    reader.errors.append(
        ParseError(f"{message}; its resources are not checked", location, level="note")
    )
