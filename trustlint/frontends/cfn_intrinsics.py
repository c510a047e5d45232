"""CloudFormation intrinsic functions, evaluated as far as a static reader can.

`Resolver.resolve` turns a located template value into a located tree without
intrinsics: what can be known becomes a plain value (at the location of the
expression it came from), a conditional becomes `tree.Alternatives`, and
everything else an `Unknown` carrying the source text. Parameters are read
from their `Default`, but a condition is never decided from defaults: both
branches of `Fn::If` are kept, because parameters are overridden at deploy
time.

Evaluation is bounded: nesting, reference chains (a role named after another
role), alternatives (at most `tree.MAX_VARIANTS` per value), evaluated and
copied nodes (`LoadOptions.max_nodes`) and built text (`Fn::Sub`, `Fn::Join`:
a few times `LoadOptions.max_file_size` in all) have limits past which the
value is `Unknown`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from trustlint import budgets
from trustlint.arns import role_arn
from trustlint.config import LoadOptions
from trustlint.frontends.yaml_loader import LINE_BREAK
from trustlint.model import THIS_ACCOUNT, Location, Text, Unknown, generated_name
from trustlint.patterns import lazy_compile
from trustlint.records import field, record
from trustlint.tree import MAX_VARIANTS, NO_VALUE, Alternatives, Branch, LList, LMap, expand

MAX_RESOLVE_DEPTH = 96
"""Nested intrinsics and containers evaluated at once; deeper values are Unknown."""

_SOURCE_TEXT_LIMIT = 200
_SOURCE_TEXT_SCAN = 64 * 1024
"""Characters of source looked at to quote a value: quoting a huge one costs no more."""
_TEXT_BUDGET_FACTOR = 4
"""Text that `Fn::Sub` and `Fn::Join` may build, in multiples of the file size
limit: repeating a large parameter must not build gigabytes."""
_MAX_SHARED_CONDITIONS = 5
"""2**5 = `tree.MAX_VARIANTS` combinations of decided conditions per statement."""
_SUB_VARIABLE = lazy_compile(r"\$\{([^}]*)\}")
_UNKNOWN_PSEUDO_PARAMETERS = frozenset(
    {"AWS::Region", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"}
)
_LIST_PARAMETER_TYPES = ("CommaDelimitedList", "List<")
_SAM_RESOURCES_WITH_ROLE = frozenset({"AWS::Serverless::Function", "AWS::Serverless::StateMachine"})

Labels = tuple[str, ...]
Choice = tuple[Labels, Any]


@record
class Identity:
    """What `Ref` and `Fn::GetAtt` of an IAM resource of the template give."""

    name: Text
    """The literal name, or `generated_name(logical id)` when the deployment
    chooses it (no name property, or one that cannot be resolved)."""
    name_location: Location
    path: Text
    arn: Text
    ref: Text
    """What `Ref` returns: the name for roles, users and groups, else the ARN."""
    attributes: Mapping[str, Text] = field(default_factory=dict)


@record
class _IamType:
    name_property: str | None
    arn_type: str
    ref_is_arn: bool
    arn_attribute: str


_IAM_TYPES = {
    "AWS::IAM::Role": _IamType("RoleName", "role", ref_is_arn=False, arn_attribute="Arn"),
    "AWS::IAM::User": _IamType("UserName", "user", ref_is_arn=False, arn_attribute="Arn"),
    "AWS::IAM::Group": _IamType("GroupName", "group", ref_is_arn=False, arn_attribute="Arn"),
    "AWS::IAM::ManagedPolicy": _IamType(
        "ManagedPolicyName", "policy", ref_is_arn=True, arn_attribute="PolicyArn"
    ),
    "AWS::IAM::OIDCProvider": _IamType(None, "oidc-provider", ref_is_arn=True, arn_attribute="Arn"),
    "AWS::IAM::SAMLProvider": _IamType(
        "Name", "saml-provider", ref_is_arn=True, arn_attribute="Arn"
    ),
}


def intrinsic_name(node: Any) -> str | None:
    """`Ref` or `Fn::X` when `node` is an intrinsic function call, else None."""
    if isinstance(node, LMap) and len(node) == 1:
        (key,) = node.keys()
        if key == "Ref" or key.startswith("Fn::"):
            return key
    return None


def iam_arn(partition: str, arn_type: str, path: str, name: str) -> str:
    """The ARN of a role, user, group or customer managed policy of this account."""
    if arn_type == "role":
        return role_arn(partition, THIS_ACCOUNT, path, name)
    return f"arn:{partition}:iam::{THIS_ACCOUNT}:{arn_type}{path}{name}"


def sam_role_id(function_id: str) -> str:
    """The logical id SAM gives the role it generates for a function."""
    return f"{function_id}Role"


class Resolver:
    """Evaluates intrinsics in one template. Not thread-safe; one per template."""

    def __init__(
        self,
        template: LMap,
        path: str,
        text: str,
        options: LoadOptions,
        *,
        given: Mapping[str, Any] | None = None,
        decided: Mapping[str, bool] | None = None,
        prefix: str = "",
        account: Text = THIS_ACCOUNT,
    ) -> None:
        """`given`: parameter values a parent stack passes (they replace defaults);
        `decided`: conditions those values decide; `prefix`: the nested stack's
        address, so generated names of two instances differ; `account`: where
        the stack deploys (unknown for a StackSet's template)."""
        self.path = path
        self.text = text
        self.options = options
        self.parameters = _section(template, "Parameters")
        self.mappings = _section(template, "Mappings")
        self.resources = _section(template, "Resources")
        self.budget = options.max_nodes
        self.text_budget = _TEXT_BUDGET_FACTOR * options.max_file_size
        self._depth = 0
        self._in_statement = False
        self._line_starts: list[int] | None = None
        self._identities: dict[str, Identity | None] = {}
        self._identifying: list[str] = []
        self._cyclic: set[str] = set()
        self.given = dict(given or {})
        self.prefix = prefix
        self.account = account
        self._decided: dict[str, bool] = dict(decided or {})
        """Conditions whose `Fn::If` branch is fixed (by a parent stack, or while
        a statement is resolved)."""
        self._sam_roles = {
            sam_role_id(logical_id): logical_id
            for logical_id, resource in self.resources.items()
            if _is_sam_resource_without_role(resource)
        }

    # -- entry points -------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """`node` with every intrinsic evaluated; containers are new objects."""
        if self.budget <= 0:
            return self.unknown(node, "the template expands beyond the node limit")
        if self._depth >= MAX_RESOLVE_DEPTH:
            return self.unknown(node, "nested too deeply to evaluate")
        # Every evaluation counts, scalars included: a statement evaluated once
        # per combination of its conditions costs that many times its size.
        self.budget -= 1
        self._depth += 1
        try:
            return self._resolve(node)
        finally:
            self._depth -= 1

    def identity(self, logical_id: str) -> Identity | None:
        """Name and ARN of an IAM resource (or SAM-generated role); None for others."""
        if logical_id in self._identities:
            return self._identities[logical_id]
        if logical_id in self._identifying:
            # A name that depends on itself: CloudFormation rejects the cycle,
            # so every name on it is left to the deployment.
            self._cyclic.update(self._identifying[self._identifying.index(logical_id) :])
            return None
        self._identifying.append(logical_id)
        try:
            identity = self._identify(logical_id)
        finally:
            self._identifying.pop()
        self._identities[logical_id] = identity
        return identity

    def source_text(self, location: Location) -> str:
        """The template text at `location`, on one line and shortened."""
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in LINE_BREAK.finditer(self.text)]
        starts = self._line_starts
        if not 1 <= location.line <= len(starts) or not 1 <= location.end_line <= len(starts):
            return ""
        begin = starts[location.line - 1] + location.column - 1
        end = starts[location.end_line - 1] + location.end_column - 1
        cut = end - begin > _SOURCE_TEXT_SCAN
        excerpt = " ".join(self.text[begin : min(end, begin + _SOURCE_TEXT_SCAN)].split())
        if cut or len(excerpt) > _SOURCE_TEXT_LIMIT:
            excerpt = excerpt[: _SOURCE_TEXT_LIMIT - 3] + "..."
        return excerpt

    def unknown(self, node: Any, reason: str, text: str | None = None) -> Unknown:
        location = _location_of(node)
        if text is None:
            text = self.source_text(location) if location is not None else str(node)
        return Unknown(text, location, reason)

    # -- structure ----------------------------------------------------------

    def _resolve(self, node: Any) -> Any:
        if isinstance(node, LMap):
            function = intrinsic_name(node)
            if function is not None:
                return self._call(function, node)
            mapping = LMap(node.location)
            for key, value in node.items():
                if key.lower() == "statement" and not self._in_statement:
                    resolved = self._statements(value)
                else:
                    resolved = self.resolve(value)
                if resolved is not NO_VALUE:
                    mapping.put(key, resolved, node.key_location(key), node.value_location(key))
            return mapping
        if isinstance(node, LList):
            sequence = LList(node.location)
            for index, item in enumerate(node):
                resolved = self.resolve(item)
                if resolved is not NO_VALUE:
                    sequence.add(resolved, node.item_location(index))
            return sequence
        return node

    def _statements(self, node: Any) -> Any:
        """A policy's statements, each with its `Fn::If`s decided together.

        Two `Fn::If`s on one condition inside a statement (a principal and the
        condition that fences it) must take the same branch; expanding them
        independently would invent statements that can never be deployed.
        """
        if isinstance(node, LList):
            statements = LList(node.location)
            for index, item in enumerate(node):
                resolved = self._statement(item, node.item_location(index))
                if resolved is not NO_VALUE:
                    statements.add(resolved, node.item_location(index))
            return statements
        if isinstance(node, LMap) and intrinsic_name(node) is None:
            return self._statement(node, node.location)
        return self.resolve(node)

    def _statement(self, node: Any, location: Location) -> Any:
        # A `Statement` key inside a statement is no policy statement: it is
        # evaluated as plain data, not once more per condition combination.
        self._in_statement = True
        try:
            return self._decide_shared_conditions(node, location)
        finally:
            self._in_statement = False

    def _decide_shared_conditions(self, node: Any, location: Location) -> Any:
        shared = [name for name in _shared_conditions(node) if name not in self._decided]
        if not shared:
            return self.resolve(node)
        branches: list[Branch] = []
        outer = self._decided
        try:
            for values in itertools.product((True, False), repeat=len(shared)):
                decided = dict(zip(shared, values, strict=True))
                self._decided = {**outer, **decided}
                label = " and ".join(
                    f"{name}={'true' if value else 'false'}" for name, value in decided.items()
                )
                branches.append(Branch(label, self.resolve(node), location))
        finally:
            self._decided = outer
        return Alternatives(tuple(branches), location)

    def _call(self, function: str, node: LMap) -> Any:
        handler = _HANDLERS.get(function)
        if handler is None:
            return self.unknown(node, f"{function} is not evaluated")
        try:
            budgets.current().clock(node.location)
        except budgets.LimitReachedError as reached:
            return self.unknown(node, reached.reason)
        return handler(self, node[function], node)

    # -- Ref and GetAtt -----------------------------------------------------

    def _ref(self, argument: Any, node: LMap) -> Any:
        name = self.resolve(argument) if isinstance(argument, LMap) else argument
        if not isinstance(name, str):
            return self.unknown(node, "Ref needs the name of a parameter or resource")
        return self.reference(name, node)

    def reference(self, name: str, node: LMap) -> Any:
        """What `Ref name` (or `${name}` in `Fn::Sub`) evaluates to at `node`."""
        location = node.location
        if name == "AWS::AccountId":
            if isinstance(self.account, Unknown):
                return self.unknown(node, self.account.reason)
            return self.account
        if name == "AWS::Partition":
            return self.options.partition
        if name == "AWS::URLSuffix":
            return "amazonaws.com.cn" if self.options.partition == "aws-cn" else "amazonaws.com"
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in _UNKNOWN_PSEUDO_PARAMETERS or name.startswith("AWS::"):
            return self.unknown(node, f"{name} is known only at deploy time")
        if name in self.parameters:
            return self._parameter(name, node)
        identity = self.identity(name)
        if identity is not None:
            return identity.ref
        if name in self.resources:
            kind = _resource_type(self.resources[name]) or "resource"
            return self.unknown(node, f"Ref of {kind} {name} is known only at deploy time")
        return Unknown(self.source_text(location), location, f"{name} is not defined")

    def _parameter(self, name: str, node: LMap) -> Any:
        parameter = self.parameters[name]
        given = name in self.given
        if not given and (not isinstance(parameter, LMap) or "Default" not in parameter):
            return self.unknown(node, f"parameter {name} has no default")
        kind = parameter.get("Type") if isinstance(parameter, LMap) else None
        kind = kind if isinstance(kind, str) else ""
        if kind.startswith("AWS::SSM::Parameter::Value"):
            return self.unknown(node, f"parameter {name} is read from SSM at deploy time")
        default = self.given[name] if given else parameter["Default"]
        if isinstance(default, Unknown | Alternatives):
            return default
        if kind.startswith(_LIST_PARAMETER_TYPES):
            if isinstance(default, str):
                # CloudFormation trims the spaces around each member.
                items = [item.strip() for item in default.split(",")]
                return self._located_list(items, node.location)
            if isinstance(default, LList):
                return self._relocate(default, node.location)
        if isinstance(default, LMap | LList) or default is None:
            return self.unknown(node, f"parameter {name} has no usable default")
        return default

    def _get_att(self, argument: Any, node: LMap) -> Any:
        if isinstance(argument, str):
            parts: list[Any] = argument.split(".", 1)
        elif isinstance(argument, LList):
            parts = [self.resolve(part) for part in argument]
        else:
            return self.unknown(node, "Fn::GetAtt needs [resource, attribute]")
        if len(parts) != 2 or not all(isinstance(part, str) for part in parts):
            return self.unknown(node, "Fn::GetAtt needs [resource, attribute]")
        return self.attribute(parts[0], parts[1], node)

    def attribute(self, logical_id: str, name: str, node: LMap) -> Any:
        identity = self.identity(logical_id)
        if identity is not None and name in identity.attributes:
            return identity.attributes[name]
        return self.unknown(node, f"{logical_id}.{name} is known only at deploy time")

    def _identify(self, logical_id: str) -> Identity | None:
        if logical_id in self._sam_roles:
            function = self.resources[self._sam_roles[logical_id]]
            return self._named_identity(
                logical_id, function, _IAM_TYPES["AWS::IAM::Role"], None, "RolePath"
            )
        resource = self.resources.get(logical_id)
        iam_type = _IAM_TYPES.get(_resource_type(resource) or "")
        if iam_type is None or not isinstance(resource, LMap):
            return None
        if iam_type.arn_type == "oidc-provider":
            return self._oidc_identity(logical_id, resource)
        return self._named_identity(logical_id, resource, iam_type, iam_type.name_property, "Path")

    def _named_identity(
        self,
        logical_id: str,
        resource: LMap,
        iam_type: _IamType,
        name_property: str | None,
        path_property: str,
    ) -> Identity:
        properties = resource.get("Properties")
        properties = properties if isinstance(properties, LMap) else LMap(resource.location)
        name: str = generated_name(self.prefix + logical_id)
        owner = self._sam_roles.get(logical_id, logical_id)
        name_location = self.resources.key_location(owner)
        if name_property is not None and name_property in properties:
            name_location = properties.value_location(name_property)
            resolved = self.resolve(properties[name_property])
            if (
                isinstance(resolved, str | int)
                and not isinstance(resolved, bool)
                and logical_id not in self._cyclic
            ):
                name = str(resolved)
        path: Text = "/"
        if path_property in properties:
            resolved_path = self.resolve(properties[path_property])
            if isinstance(resolved_path, str):
                path = resolved_path
            else:
                path_location = properties.value_location(path_property)
                path = Unknown(
                    self.source_text(path_location), path_location, "the path is not known"
                )
        arn: Text
        if isinstance(self.account, Unknown):
            arn = Unknown(f"{iam_type.arn_type}/{name}", name_location, self.account.reason)
        elif isinstance(path, str):
            arn = iam_arn(self.options.partition, iam_type.arn_type, path, name)
        else:
            arn = Unknown(f"{iam_type.arn_type}/{name}", name_location, "the path is not known")
        return Identity(
            name=name,
            name_location=name_location,
            path=path,
            arn=arn,
            ref=arn if iam_type.ref_is_arn else name,
            attributes={iam_type.arn_attribute: arn},
        )

    def _oidc_identity(self, logical_id: str, resource: LMap) -> Identity:
        properties = resource.get("Properties")
        url: Any = None
        location = resource.location
        if isinstance(properties, LMap) and "Url" in properties:
            location = properties.value_location("Url")
            url = self.resolve(properties["Url"])
        arn: Text
        if isinstance(self.account, Unknown):
            arn = Unknown(logical_id, location, self.account.reason)
        elif isinstance(url, str):
            host = url.removeprefix("https://")
            arn = f"arn:{self.options.partition}:iam::{THIS_ACCOUNT}:oidc-provider/{host}"
        else:
            arn = Unknown(logical_id, location, "the provider URL is not known")
        return Identity(
            name=logical_id,
            name_location=location,
            path="/",
            arn=arn,
            ref=arn,
            attributes={"Arn": arn},
        )

    # -- strings --------------------------------------------------------------

    def _sub(self, argument: Any, node: LMap) -> Any:
        variables: LMap | None = None
        template: Any = argument
        if isinstance(argument, LList):
            if len(argument) != 2 or not isinstance(argument[1], LMap):
                return self.unknown(node, "Fn::Sub needs a string or [string, variables]")
            template, variables = argument[0], argument[1]
        if isinstance(template, LMap):
            template = self.resolve(template)
        if not isinstance(template, str):
            return self.unknown(node, "Fn::Sub needs a string")
        pieces: list[Any] = []
        position = 0
        substituted: dict[str, Any] = {}
        """Each variable is resolved once however often the template names it."""
        for match in _SUB_VARIABLE.finditer(template):
            pieces.append(template[position : match.start()])
            position = match.end()
            name = match.group(1)
            if name.startswith("!"):
                pieces.append("${" + name[1:] + "}")
            elif variables is not None and name in variables:
                if name not in substituted:
                    substituted[name] = self.resolve(variables[name])
                pieces.append(substituted[name])
            elif "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                pieces.append(self.attribute(logical_id, attribute, node))
            else:
                pieces.append(self.reference(name.strip(), node))
        pieces.append(template[position:])
        return self._lift(
            pieces, node, lambda values: self._text(values, node, template), unknown_text=template
        )

    def _join(self, argument: Any, node: LMap) -> Any:
        if not isinstance(argument, LList) or len(argument) != 2:
            return self.unknown(node, "Fn::Join needs [delimiter, list]")
        delimiter = self.resolve(argument[0])
        items = self.resolve(argument[1])
        if not isinstance(delimiter, str):
            return self.unknown(node, "the Fn::Join delimiter is not known")

        def join(values: list[Any]) -> Any:
            (joined,) = values
            if not isinstance(joined, list):
                return None
            unknown = _first_unknown(joined)
            if unknown is not None:
                return Unknown(self.source_text(node.location), node.location, unknown.reason)
            return self._text(_interleave(joined, delimiter), node)

        return self._lift([self._list_choices(items)], node, join, lifted=True)

    def _split(self, argument: Any, node: LMap) -> Any:
        if not isinstance(argument, LList) or len(argument) != 2:
            return self.unknown(node, "Fn::Split needs [delimiter, string]")
        delimiter = self.resolve(argument[0])
        source = self.resolve(argument[1])

        def split(values: list[Any]) -> Any:
            separator, text = values
            if not isinstance(separator, str) or not separator or not isinstance(text, str):
                return None
            return self._located_list(text.split(separator), node.location)

        return self._lift([delimiter, source], node, split)

    def _select(self, argument: Any, node: LMap) -> Any:
        if not isinstance(argument, LList) or len(argument) != 2:
            return self.unknown(node, "Fn::Select needs [index, list]")
        index = self.resolve(argument[0])
        items = self.resolve(argument[1])

        def select(values: list[Any]) -> Any:
            position, chosen = values
            number = _as_index(position)
            if number is None or not isinstance(chosen, list) or number >= len(chosen):
                return None
            return self._relocate(chosen[number], node.location)

        return self._lift([self.choices(index), self._list_choices(items)], node, select, True)

    def _to_json_string(self, argument: Any, node: LMap) -> Any:
        resolved = self.resolve(argument)
        if _contains_unknown(resolved):
            return self.unknown(node, "Fn::ToJsonString of a value that is not known")
        variants = expand(resolved, node.location)
        texts: list[tuple[str | None, Any]] = [
            (
                label,
                self.unknown(node, "Fn::ToJsonString of AWS::NoValue")
                if tree is NO_VALUE
                else json.dumps(_plain(tree), separators=(",", ":"), ensure_ascii=False),
            )
            for label, tree, _location in variants
        ]
        if len(texts) == 1:
            return texts[0][1]
        branches = tuple(Branch(label or "", text, node.location) for label, text in texts)
        return Alternatives(branches, node.location)

    def _length(self, argument: Any, node: LMap) -> Any:
        resolved = self.resolve(argument)

        def length(values: list[Any]) -> Any:
            (items,) = values
            return len(items) if isinstance(items, list) else None

        return self._lift([self._list_choices(resolved)], node, length, lifted=True)

    # -- conditions and mappings ------------------------------------------

    def _if(self, argument: Any, node: LMap) -> Any:
        if (
            not isinstance(argument, LList)
            or len(argument) != 3
            or not isinstance(argument[0], str)
        ):
            return self.unknown(node, "Fn::If needs [condition, value if true, value if false]")
        condition = argument[0]
        if condition in self._decided:
            return self.resolve(argument[1] if self._decided[condition] else argument[2])
        return Alternatives(
            (
                Branch(f"{condition}=true", self.resolve(argument[1]), argument.item_location(1)),
                Branch(f"{condition}=false", self.resolve(argument[2]), argument.item_location(2)),
            ),
            node.location,
        )

    def _find_in_map(self, argument: Any, node: LMap) -> Any:
        if not isinstance(argument, LList) or len(argument) not in (3, 4):
            return self.unknown(node, "Fn::FindInMap needs [map, top-level key, second key]")
        has_default = False
        default: Any = None
        if len(argument) == 4:
            options = argument[3]
            if not isinstance(options, LMap) or "DefaultValue" not in options:
                return self.unknown(node, "the fourth Fn::FindInMap argument is not understood")
            has_default = True
            default = self.resolve(options["DefaultValue"])
        map_name = self.resolve(argument[0])
        if not isinstance(map_name, str):
            return self.unknown(node, "the Fn::FindInMap map name is not known")
        mapping = self.mappings.get(map_name)
        if not isinstance(mapping, LMap):
            if has_default:
                return default
            return self.unknown(node, f"there is no mapping {map_name}")
        top_choices = self._key_choices(argument[1], mapping)
        if top_choices is None:
            return self.unknown(node, "too many Fn::FindInMap entries to consider")
        candidates: list[Choice] = []
        for top_labels, top_key in top_choices:
            entry = mapping.get(top_key)
            second_choices = self._key_choices(
                argument[2], entry if isinstance(entry, LMap) else LMap(mapping.location)
            )
            if second_choices is None:
                return self.unknown(node, "too many Fn::FindInMap entries to consider")
            for second_labels, second_key in second_choices:
                if isinstance(entry, LMap) and second_key in entry:
                    value = self._relocate(entry[second_key], node.location)
                elif has_default:
                    value = default
                elif top_labels or second_labels:
                    continue  # an entry the unknown key cannot choose
                else:
                    value = self.unknown(
                        node, f"mapping {map_name} has no entry {top_key}.{second_key}"
                    )
                candidates.append((top_labels + second_labels, value))
            if len(candidates) > MAX_VARIANTS:
                return self.unknown(node, "too many Fn::FindInMap entries to consider")
        if not candidates:
            return self.unknown(node, f"no entry of mapping {map_name} fits")
        return self._alternatives(_merge_equal_choices(candidates), node.location)

    def _key_choices(self, key_node: Any, table: LMap) -> list[Choice] | None:
        """The keys a FindInMap key may take: itself, or every entry when unknown."""
        choices = self.choices(self.resolve(key_node))
        if choices is None:
            return None
        result: list[Choice] = []
        for labels, key in choices:
            text = _key_text(key)
            if text is not None:
                result.append((labels, text))
            else:
                described = self._describe(key_node)
                result.extend(((*labels, f"{described}={entry}"), entry) for entry in table)
            if len(result) > MAX_VARIANTS:
                return None
        return result

    def _describe(self, node: Any) -> str:
        """A short name for a key expression in a branch label: `AWS::Region`."""
        if intrinsic_name(node) == "Ref" and isinstance(node["Ref"], str):
            return str(node["Ref"])
        location = _location_of(node)
        return self.source_text(location) if location is not None else str(node)

    # -- helpers --------------------------------------------------------------

    def choices(self, value: Any) -> list[Choice] | None:
        """Every concrete value of `value` with the labels choosing it; None past the limit."""
        if not isinstance(value, Alternatives):
            return [((), value)]
        choices: list[Choice] = []
        for branch in value.branches:
            inner = self.choices(branch.value)
            if inner is None:
                return None
            choices.extend(((branch.label, *labels), item) for labels, item in inner)
            if len(choices) > MAX_VARIANTS:
                return None
        return choices

    def _list_choices(self, value: Any) -> list[Choice] | None:
        """Every concrete list a list value may be, items' alternatives included."""
        outer = self.choices(value)
        if outer is None:
            return None
        result: list[Choice] = []
        for labels, items in outer:
            if not isinstance(items, LList):
                result.append((labels, items))
                continue
            per_item: list[list[Choice]] = []
            for item in items:
                item_choices = self.choices(item)
                if item_choices is None:
                    return None
                per_item.append(item_choices)
            for combination in _bounded_product(per_item):
                if combination is None:
                    return None
                item_labels = tuple(label for choice in combination for label in choice[0])
                values = [choice[1] for choice in combination if choice[1] is not NO_VALUE]
                result.append(((*labels, *item_labels), values))
                if len(result) > MAX_VARIANTS:
                    return None
        return result

    def _lift(
        self,
        arguments: list[Any],
        node: LMap,
        function: Callable[[list[Any]], Any],
        lifted: bool = False,
        unknown_text: str | None = None,
    ) -> Any:
        """Apply `function` to every combination of the arguments' alternatives.

        `lifted` means `arguments` already hold choice lists (or None). The
        function returns None for arguments it cannot use; an `Unknown`
        argument makes the result unknown.
        """
        per_argument: list[list[Choice]] = []
        for argument in arguments:
            choices = argument if lifted else self.choices(argument)
            if choices is None:
                return self.unknown(node, "too many alternatives to evaluate", unknown_text)
            per_argument.append(choices)
        results: list[Choice] = []
        for combination in _bounded_product(per_argument):
            if combination is None:
                return self.unknown(node, "too many alternatives to evaluate", unknown_text)
            labels = tuple(label for choice in combination for label in choice[0])
            values = [choice[1] for choice in combination]
            unknown = _first_unknown(values)
            if unknown is not None:
                value: Any = Unknown(
                    unknown_text if unknown_text is not None else self.source_text(node.location),
                    node.location,
                    unknown.reason,
                )
            else:
                value = function(values)
                if value is None:
                    function_name = next(iter(node))
                    value = self.unknown(
                        node, f"{function_name} cannot be evaluated here", unknown_text
                    )
            results.append((labels, value))
        return self._alternatives(results, node.location)

    def _text(self, pieces: list[Any], node: LMap, unknown_text: str | None = None) -> Any:
        """`pieces` joined into one string, paid for from the text budget."""
        length = sum(len(piece) for piece in pieces if isinstance(piece, str))
        try:
            budgets.current().string(length, node.location, "Fn::Sub or Fn::Join")
        except budgets.LimitReachedError as reached:
            return self.unknown(node, reached.reason, unknown_text)
        if length > self.text_budget:
            self.text_budget = 0
            return self.unknown(node, "builds more text than the limits allow", unknown_text)
        self.text_budget -= length
        return _concatenate(pieces)

    def _alternatives(self, choices: list[Choice], location: Location) -> Any:
        if len(choices) == 1 and not choices[0][0]:
            return choices[0][1]
        return Alternatives(
            tuple(Branch(" and ".join(labels), value, location) for labels, value in choices),
            location,
        )

    def _located_list(self, items: list[str], location: Location) -> LList:
        self.budget -= 1 + len(items)
        sequence = LList(location)
        for item in items:
            sequence.add(item, location)
        return sequence

    def _relocate(self, value: Any, location: Location) -> Any:
        """A copy of `value` whose every node is at `location` (where it was used)."""
        if self.budget <= 0:
            return Unknown(self.source_text(location), location, "the node limit is reached")
        self.budget -= 1
        if not isinstance(value, LMap | LList | Alternatives):
            return value
        if isinstance(value, LMap):
            mapping = LMap(location)
            for key, item in value.items():
                mapping.put(key, self._relocate(item, location), location, location)
            return mapping
        if isinstance(value, LList):
            sequence = LList(location)
            for item in value:
                sequence.add(self._relocate(item, location), location)
            return sequence
        return Alternatives(
            tuple(
                Branch(branch.label, self._relocate(branch.value, location), location)
                for branch in value.branches
            ),
            location,
        )


_HANDLERS: dict[str, Callable[[Resolver, Any, LMap], Any]] = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Split": Resolver._split,
    "Fn::Select": Resolver._select,
    "Fn::If": Resolver._if,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::ToJsonString": Resolver._to_json_string,
    "Fn::Length": Resolver._length,
}


def _shared_conditions(node: Any) -> list[str]:
    """Conditions used by more than one `Fn::If` inside `node` (at most five)."""
    counts: dict[str, int] = {}
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, LMap):
            argument = current.get("Fn::If") if len(current) == 1 else None
            if isinstance(argument, LList) and argument and isinstance(argument[0], str):
                counts[argument[0]] = counts.get(argument[0], 0) + 1
            pending.extend(current.values())
        elif isinstance(current, LList):
            pending.extend(current)
    shared = [name for name, count in counts.items() if count > 1]
    return sorted(shared)[:_MAX_SHARED_CONDITIONS]


def _section(template: LMap, name: str) -> LMap:
    section = template.get(name)
    return section if isinstance(section, LMap) else LMap(template.location)


def _resource_type(resource: Any) -> str | None:
    if isinstance(resource, LMap):
        kind = resource.get("Type")
        if isinstance(kind, str):
            return kind
    return None


def _is_sam_resource_without_role(resource: Any) -> bool:
    if _resource_type(resource) not in _SAM_RESOURCES_WITH_ROLE:
        return False
    properties = resource.get("Properties")
    return not isinstance(properties, LMap) or "Role" not in properties


def _location_of(node: Any) -> Location | None:
    if isinstance(node, LMap | LList | Alternatives):
        return node.location
    if isinstance(node, Unknown):
        return node.location
    return None


def _key_text(key: Any) -> str | None:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, str | int | float):
        return str(key)
    return None


def _concatenate(pieces: list[Any]) -> str | None:
    texts: list[str] = []
    for piece in pieces:
        if isinstance(piece, bool):
            texts.append("true" if piece else "false")
        elif isinstance(piece, str | int | float):
            texts.append(str(piece))
        else:
            return None
    return "".join(texts)


def _interleave(items: list[Any], delimiter: str) -> list[Any]:
    pieces: list[Any] = []
    for index, item in enumerate(items):
        if index:
            pieces.append(delimiter)
        pieces.append(item)
    return pieces


def _as_index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _first_unknown(values: list[Any]) -> Unknown | None:
    for value in values:
        if isinstance(value, Unknown):
            return value
    return None


def _contains_unknown(node: Any) -> bool:
    if isinstance(node, Unknown):
        return True
    if isinstance(node, Alternatives):
        return any(_contains_unknown(branch.value) for branch in node.branches)
    if isinstance(node, dict):
        return any(_contains_unknown(value) for value in node.values())
    if isinstance(node, list):
        return any(_contains_unknown(value) for value in node)
    return False


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    return node


def _bounded_product(choices: list[list[Choice]]) -> Iterator[tuple[Choice, ...] | None]:
    """`itertools.product`, yielding None (and stopping) past `MAX_VARIANTS`."""
    count = 1
    for options in choices:
        count *= max(len(options), 1)
        if count > MAX_VARIANTS:
            yield None
            return
    yield from itertools.product(*choices)


def _merge_equal_choices(choices: list[Choice]) -> list[Choice]:
    """One choice per distinct value, its labels joined: keys that agree need no branch."""
    merged: dict[str, tuple[list[str], Any]] = {}
    for labels, value in choices:
        signature = json.dumps(_signature(value), sort_keys=True, default=str)
        if signature in merged:
            merged[signature][0].append(" and ".join(labels))
        else:
            merged[signature] = ([" and ".join(labels)], value)
    if len(merged) == 1:
        ((_labels, value),) = merged.values()
        return [((), value)]
    return [((_either(labels),), value) for labels, value in merged.values()]


def _either(labels: list[str]) -> str:
    """`Env=dev` and `Env=test` as `Env=dev|test`; anything else as `(a or b)`."""
    if len(labels) == 1:
        return labels[0]
    keys = {label.rpartition("=")[0] for label in labels}
    if len(keys) == 1 and all(" and " not in label for label in labels):
        (key,) = keys
        return f"{key}=" + "|".join(label.rpartition("=")[2] for label in labels)
    return "(" + " or ".join(labels) + ")"


def _signature(node: Any) -> Any:
    if isinstance(node, Unknown):
        return {"unknown": node.text}
    if isinstance(node, Alternatives):
        return {"one_of": [[b.label, _signature(b.value)] for b in node.branches]}
    if node is NO_VALUE:
        return {"no_value": True}
    if isinstance(node, dict):
        return {key: _signature(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_signature(value) for value in node]
    return node
