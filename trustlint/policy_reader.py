"""One reader from a located tree to a `PolicyDocument`, shared by every front-end.

Because CloudFormation, Terraform and JSON all arrive here as the same tree,
a policy means the same thing whatever format it was written in. The reader
never guesses: a value of the wrong shape becomes a `Defect` (reported by
TL013), an unresolved one stays `Unknown`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from trustlint.arns import parse_arn
from trustlint.model import (
    Condition,
    Defect,
    Location,
    PolicyDocument,
    PolicyKind,
    Principal,
    PrincipalKind,
    Statement,
    Text,
    Unknown,
    Value,
)
from trustlint.patterns import lazy_compile
from trustlint.tree import NO_VALUE, Alternatives, LList, LMap, expand_all

_STATEMENT_ELEMENTS = {
    name.lower(): name
    for name in (
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    )
}
_DOCUMENT_ELEMENTS = {name.lower(): name for name in ("Version", "Id", "Statement")}
_PRINCIPAL_KINDS: dict[str, PrincipalKind] = {
    "aws": "aws",
    "service": "service",
    "federated": "federated",
    "canonicaluser": "canonical",
}
_QUALIFIERS = {"foranyvalue": "ForAnyValue", "forallvalues": "ForAllValues"}
MAX_JSON_STRING_DEPTH = 256
"""Nesting a policy held in a JSON string may have; deeper is a defect, not a
RecursionError (the loaders bound the depth of everything else)."""
_SURROGATE = lazy_compile("[\ud800-\udfff]")
"""A lone UTF-16 surrogate, which `json` decodes from `\\ud800` but no output can encode."""


def raw_type(value: Any) -> Any:
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "str"


def scalar_text(value: Any) -> Text | None:
    """A JSON scalar as IAM reads it (`true` -> "true"), or None for containers."""
    if isinstance(value, Unknown | str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def to_value(node: Any, location: Location) -> Value:
    """A scalar tree node as a `Value`; containers keep their type and no text."""
    text = scalar_text(node)
    if text is None:
        text = Unknown(json.dumps(_plain(node))[:200], location, "not a scalar")
    return Value(text, location, raw_type(node))


def read_policy(
    node: Any,
    location: Location,
    kind: PolicyKind,
    name: Text | None = None,
) -> PolicyDocument:
    """Read a policy document from a located tree node.

    `node` may be a map, a JSON string (CloudFormation allows one, Terraform
    often holds one), an `Unknown`, or alternatives of those.
    """
    if isinstance(node, Unknown):
        return PolicyDocument(kind, location, name=name, unknown=node)
    if isinstance(node, str) and not node.strip():
        # An empty string is a policy still to be supplied (a module input
        # defaulting to ""), not a policy AWS would read.
        return PolicyDocument(
            kind, location, name=name, unknown=Unknown("", location, "empty policy text")
        )
    if isinstance(node, str):
        try:
            node = _from_json_string(node, location)
        except ValueError as error:
            defect = Defect(_json_problem(error), location)
            return PolicyDocument(kind, location, name=name, defects=(defect,))
    reader = _Reader(kind)
    version: Value | None = None
    for labels, variant, variant_location in _branches(node, location, ()):
        if isinstance(variant, Unknown):
            return PolicyDocument(kind, location, name=name, unknown=variant)
        if isinstance(variant, str):
            try:
                variant = _from_json_string(variant, variant_location)
            except ValueError as error:
                reader.defect(_json_problem(error), variant_location)
                continue
        if not isinstance(variant, LMap):
            reader.defect(
                f"a policy document must be a JSON object, not {_type_name(variant)}",
                variant_location,
            )
            continue
        version = reader.document(variant, labels) or version
    return PolicyDocument(
        kind,
        location,
        version=version,
        statements=tuple(reader.statements),
        defects=tuple(reader.defects),
        name=name,
    )


class _Reader:
    def __init__(self, kind: PolicyKind) -> None:
        self.kind = kind
        self.statements: list[Statement] = []
        self.defects: list[Defect] = []

    def defect(self, message: str, location: Location) -> None:
        self.defects.append(Defect(message, location))

    def document(self, doc: LMap, labels: tuple[str, ...] = ()) -> Value | None:
        version: Value | None = None
        statement_node: Any = None
        statement_location = doc.location
        found_statement = False
        for key, value in doc.items():
            element = _DOCUMENT_ELEMENTS.get(key.lower())
            if element == "Version":
                version = to_value(value, doc.value_location(key))
            elif element == "Statement":
                statement_node = value
                statement_location = doc.value_location(key)
                found_statement = True
            elif element is None:
                self.defect(f"unknown policy element '{key}'", doc.key_location(key))
        if not found_statement:
            self.defect("the policy has no Statement", doc.location)
            return version
        for branch_labels, variant, variant_location in _branches(
            statement_node, statement_location, labels
        ):
            self._statement_list(variant, variant_location, branch_labels)
        return version

    def _statement_list(self, node: Any, location: Location, labels: tuple[str, ...]) -> None:
        if isinstance(node, Unknown):
            return
        if isinstance(node, LMap):
            self._statement_variants(node, location, 0, labels)
        elif isinstance(node, LList):
            for index, item in enumerate(node):
                self._statement_variants(item, node.item_location(index), index, labels)
        else:
            self.defect(
                f"Statement must be an object or a list of objects, not {_type_name(node)}",
                location,
            )

    def _statement_variants(
        self, node: Any, location: Location, index: int, labels: tuple[str, ...]
    ) -> None:
        variants, complete = expand_all(node, location)
        for label, variant, variant_location in variants:
            if variant is NO_VALUE or isinstance(variant, Unknown):
                continue
            if not isinstance(variant, LMap):
                self.defect(
                    f"a statement must be an object, not {_type_name(variant)}", variant_location
                )
                continue
            branch = " and ".join((*labels, label) if label else labels) or None
            self.statements.append(self._statement(variant, branch, index, not complete))

    def _statement(self, node: LMap, branch: str | None, index: int, cut: bool) -> Statement:
        fields: dict[str, Any] = {
            "location": node.location,
            "branch": branch,
            "index": index,
            "branches_cut": cut,
        }
        for key, value in node.items():
            element = _STATEMENT_ELEMENTS.get(key.lower())
            key_location = node.key_location(key)
            value_location = node.value_location(key)
            if element is None:
                self.defect(f"unknown statement element '{key}'", key_location)
            elif element in ("Sid", "Effect"):
                scalar = to_value(value, value_location)
                if element == "Effect" and not isinstance(value, str | Unknown):
                    self.defect(
                        f"Effect must be the string Allow or Deny, not {_type_name(value)}",
                        value_location,
                    )
                fields[element.lower()] = scalar
            elif element in ("Principal", "NotPrincipal"):
                target = "principals" if element == "Principal" else "not_principals"
                fields[target] = self._principals(value, value_location)
                fields["principal_location"] = key_location
                fields["has_" + ("principal" if element == "Principal" else "not_principal")] = True
            elif element in ("Action", "NotAction", "Resource", "NotResource"):
                snake = {
                    "Action": "actions",
                    "NotAction": "not_actions",
                    "Resource": "resources",
                    "NotResource": "not_resources",
                }[element]
                fields[snake] = self._strings(value, value_location, element)
                fields["has_" + snake[:-1]] = True
                if element in ("Action", "NotAction"):
                    fields["action_location"] = key_location
            elif element == "Condition":
                fields["conditions"] = self._conditions(value, value_location)
                fields["condition_location"] = key_location
        return Statement(**fields)

    def _strings(
        self, node: Any, location: Location, element: str, numbers: bool = False
    ) -> tuple[Value, ...]:
        """A string or list of strings; with `numbers`, whole numbers count as their text.

        An account id written unquoted in YAML (`AWS: 123456789012`) is a
        number there, and IAM reads it as the account.
        """
        if numbers and _is_whole_number(node):
            return (Value(str(node), location, raw_type(node)),)
        if isinstance(node, LList):
            values = []
            for index, item in enumerate(node):
                item_location = node.item_location(index)
                if isinstance(item, str | Unknown):
                    values.append(Value(item, item_location, raw_type(item)))
                elif numbers and _is_whole_number(item):
                    values.append(Value(str(item), item_location, raw_type(item)))
                else:
                    self.defect(
                        f"{element} entries must be strings, not {_type_name(item)}", item_location
                    )
            return tuple(values)
        if isinstance(node, str | Unknown):
            return (Value(node, location, raw_type(node)),)
        self.defect(
            f"{element} must be a string or a list of strings, not {_type_name(node)}", location
        )
        return ()

    def _principals(self, node: Any, location: Location) -> tuple[Principal, ...]:
        if isinstance(node, Unknown):
            return (Principal("aws", node, location),)
        if isinstance(node, str):
            if node == "*":
                return (Principal("*", "*", location),)
            self.defect(
                f'Principal must be "*" or an object such as {{"AWS": ...}}, not the string '
                f"'{node}'",
                location,
            )
            return ()
        if not isinstance(node, LMap):
            self.defect(f"Principal must be an object, not {_type_name(node)}", location)
            return ()
        principals: list[Principal] = []
        for key, value in node.items():
            kind = _PRINCIPAL_KINDS.get(key.lower())
            if kind is None:
                self.defect(
                    f"unknown principal type '{key}' (expected AWS, Service, Federated "
                    "or CanonicalUser)",
                    node.key_location(key),
                )
                continue
            values = self._strings(
                value, node.value_location(key), f"Principal {key}", numbers=True
            )
            for item in values:
                principals.append(_principal(kind, item))
        return tuple(principals)

    def _conditions(self, node: Any, location: Location) -> tuple[Condition, ...]:
        if isinstance(node, Unknown):
            # Conditions we cannot read may restrict anything: keep a condition
            # whose operator and key are unknown, so no rule mistakes the
            # statement for an unconditional one.
            return (_unknown_condition(node, node, location),)
        if not isinstance(node, LMap):
            self.defect(f"Condition must be an object, not {_type_name(node)}", location)
            return ()
        conditions: list[Condition] = []
        for operator, block in node.items():
            operator_location = node.key_location(operator)
            base, qualifier, if_exists = split_operator(operator)
            if isinstance(block, Unknown):
                conditions.append(_unknown_condition(operator, block, operator_location))
                continue
            if not isinstance(block, LMap):
                self.defect(
                    f"Condition operator {operator} must map keys to values, not "
                    f"{_type_name(block)}",
                    node.value_location(operator),
                )
                continue
            for key, raw in block.items():
                key_location = block.key_location(key)
                value_location = block.value_location(key)
                values: list[Value] = []
                if isinstance(raw, LList):
                    for index, item in enumerate(raw):
                        self._condition_value(item, raw.item_location(index), key, values)
                else:
                    self._condition_value(raw, value_location, key, values)
                conditions.append(
                    Condition(
                        operator=operator,
                        base_operator=base,
                        qualifier=qualifier,
                        if_exists=if_exists,
                        key=key,
                        values=tuple(values),
                        location=key_location,
                        operator_location=operator_location,
                    )
                )
        return tuple(conditions)

    def _condition_value(self, node: Any, location: Location, key: str, out: list[Value]) -> None:
        if isinstance(node, LMap | LList | Alternatives):
            self.defect(
                f"condition values for {key} must be strings, numbers or booleans, not "
                f"{_type_name(node)}",
                location,
            )
            return
        out.append(to_value(node, location))


def _branches(
    node: Any, location: Location, labels: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Any, Location]]:
    """The choices of a value that is itself a conditional, with the labels that lead there.

    Only the outer conditional is opened: alternatives deeper inside are left
    for the statement level, which expands each statement on its own so that
    every statement variant knows its branch.
    """
    if isinstance(node, Alternatives):
        for branch in node.branches:
            yield from _branches(branch.value, branch.location, (*labels, branch.label))
    else:
        yield labels, node, location


def split_operator(operator: str) -> tuple[str, Any, bool]:
    """`ForAnyValue:StringLikeIfExists` -> (`StringLike`, `ForAnyValue`, True).

    The qualifier prefix is matched case-insensitively; the base operator is
    returned as written (operators are case-sensitive; TL013 checks them).
    """
    qualifier = None
    base = operator
    if ":" in operator:
        prefix, rest = operator.split(":", 1)
        qualifier = _QUALIFIERS.get(prefix.lower())
        if qualifier is not None:
            base = rest
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    return base, qualifier, if_exists


def _unknown_condition(operator: Text, key: Unknown, location: Location) -> Condition:
    base, qualifier, if_exists = (
        split_operator(operator) if isinstance(operator, str) else ("", None, False)
    )
    return Condition(
        operator=operator,
        base_operator=base,
        qualifier=qualifier,
        if_exists=if_exists,
        key=key,
        values=(),
        location=location,
        operator_location=location,
    )


def _is_whole_number(node: Any) -> bool:
    return isinstance(node, int) and not isinstance(node, bool)


def _principal(kind: PrincipalKind, item: Value) -> Principal:
    value = item.value
    if isinstance(value, Unknown):
        return Principal(kind, value, item.location)
    arn = parse_arn(value) if kind in ("aws", "federated") else None
    return Principal(kind, value, item.location, arn)


class _TooDeepError(ValueError):
    """A policy in a JSON string nested deeper than `MAX_JSON_STRING_DEPTH`."""


class _LoneSurrogateError(ValueError):
    def __init__(self) -> None:
        super().__init__("a \\u escape is a lone UTF-16 surrogate")


def _json_problem(error: ValueError) -> str:
    if isinstance(error, _TooDeepError):
        return f"policy document is nested deeper than {MAX_JSON_STRING_DEPTH} levels"
    return f"policy document is not valid JSON: {error}"


def _from_json_string(text: str, location: Location) -> Any:
    """Parse JSON held in a string; every element gets the string's location."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise _TooDeepError() from None
    return _locate(data, location, 0)


def _locate(data: Any, location: Location, depth: int) -> Any:
    if isinstance(data, dict | list) and depth > MAX_JSON_STRING_DEPTH:
        raise _TooDeepError()
    if isinstance(data, str) and _SURROGATE.search(data):
        raise _LoneSurrogateError()
    if isinstance(data, dict):
        mapping = LMap(location)
        for key, value in data.items():
            if _SURROGATE.search(key):
                raise _LoneSurrogateError()
            mapping.put(key, _locate(value, location, depth + 1), location, location)
        return mapping
    if isinstance(data, list):
        sequence = LList(location)
        for item in data:
            sequence.add(_locate(item, location, depth + 1), location)
        return sequence
    return data


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, Unknown):
        return node.text
    if isinstance(node, Alternatives):
        return "<alternatives>"
    return node


def _type_name(node: Any) -> str:
    if isinstance(node, Unknown):
        return "an unresolved value"
    if isinstance(node, Alternatives):
        return "a conditional value"
    return {
        "bool": "a boolean",
        "int": "a number",
        "float": "a number",
        "null": "null",
        "list": "a list",
        "map": "an object",
        "str": "a string",
    }[raw_type(node)]
