"""A variable's `type` applied to its value: optional attributes and scalar conversions."""

from __future__ import annotations

from typing import Any

from trustlint.frontends.terraform.hcl_eval import Evaluator
from trustlint.frontends.terraform.hcl_syntax import HclFile
from trustlint.frontends.terraform.hcl_values import EncodedJson, LSet
from trustlint.model import Unknown
from trustlint.tree import Alternatives, LList, LMap


class TypeConversion:
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
