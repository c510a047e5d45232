"""YAML and JSON into the located tree, on libyaml (`yaml.CSafeLoader`).

libyaml composes the node graph with marks; we build `LMap`/`LList` from it so
every key and value keeps its line and column. Safe by construction: no
Python tags are ever constructed; CloudFormation short forms (`!Ref`,
`!GetAtt`, `!Sub`, ...) become their long form (`{"Ref": ...}`,
`{"Fn::GetAtt": [...]}`) and any other `!Tag` becomes `{"Fn::Tag": ...}`,
as cfn-lint reads them. Duplicate keys, alias expansion beyond a budget and
nesting beyond a depth limit are load errors, not crashes.

JSON goes through the same path: JSON is YAML but for tab indentation, and a
tab can only occur outside strings in valid JSON, so replacing it by a space
keeps every column.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from trustlint.model import Location
from trustlint.tree import LList, LMap

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

DEFAULT_MAX_NODES = 2_000_000
"""Budget of constructed nodes; an alias bomb reaches it long before memory does."""
DEFAULT_MAX_DEPTH = 256

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_UNCONVERTED_TAGS = frozenset({"Ref", "Condition"})
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?\Z")
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


class LoadError(Exception):
    """The text is not valid YAML/JSON, or exceeds a limit. Positions are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


def load_yaml(
    text: str,
    path: str,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Parse one YAML document into a located tree; an empty document is None."""
    return _Builder(path, max_nodes, max_depth, json_mode=False).load(text)


def load_json(
    text: str,
    path: str,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Parse a JSON document into a located tree (numbers read as JSON reads them)."""
    return _Builder(path, max_nodes, max_depth, json_mode=True).load(text.replace("\t", " "))


class _Builder:
    def __init__(self, path: str, max_nodes: int, max_depth: int, json_mode: bool) -> None:
        self.path = path
        self.budget = max_nodes
        self.max_depth = max_depth
        self.json_mode = json_mode
        self._scalar = yaml.constructor.SafeConstructor()

    def load(self, text: str) -> Any:
        try:
            root = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            problem = error.problem or error.context or "invalid YAML"
            if mark is None:
                raise LoadError(problem) from None
            raise LoadError(problem, mark.line + 1, mark.column + 1) from None
        except yaml.YAMLError as error:
            raise LoadError(str(error).splitlines()[0] if str(error) else "invalid YAML") from None
        if root is None:
            return None
        return self.build(root, 0)

    def location(self, node: yaml.Node) -> Location:
        start, end = node.start_mark, node.end_mark
        return Location(self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise LoadError(
                "document too large after expanding YAML aliases (possible alias bomb)",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if depth > self.max_depth:
            raise LoadError(
                f"nesting deeper than {self.max_depth} levels",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            return self.intrinsic(tag[1:], node, depth)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            sequence = LList(self.location(node))
            for item in node.value:
                sequence.add(self.build(item, depth + 1), self.location(item))
            return sequence
        return self.scalar(node)

    def intrinsic(self, name: str, node: yaml.Node, depth: int) -> LMap:
        location = self.location(node)
        if isinstance(node, yaml.ScalarNode):
            value: Any = node.value
            if name == "GetAtt":
                parts = node.value.split(".", 1)
                value = LList(location)
                for part in parts:
                    value.add(part, location)
        elif isinstance(node, yaml.SequenceNode):
            value = LList(location)
            for item in node.value:
                value.add(self.build(item, depth + 1), self.location(item))
        else:
            value = self.mapping(node, depth)
        key = name if name in _UNCONVERTED_TAGS else f"Fn::{name}"
        wrapper = LMap(location)
        tag_location = Location(
            self.path,
            location.line,
            location.column,
            location.line,
            location.column + len(name) + 1,
        )
        wrapper.put(key, value, tag_location, location)
        return wrapper

    def mapping(self, node: yaml.MappingNode, depth: int) -> LMap:
        mapping = LMap(self.location(node))
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.merge(mapping, value_node, depth)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise LoadError(
                    "mapping keys must be strings",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            key = str(key_node.value)
            if key in mapping:
                first = mapping.key_location(key)
                raise LoadError(
                    f"duplicate key '{key}' (first defined at line {first.line})",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            mapping.put(
                key,
                self.build(value_node, depth + 1),
                self.location(key_node),
                self.location(value_node),
            )
        return mapping

    def merge(self, mapping: LMap, value_node: yaml.Node, depth: int) -> None:
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            merged = self.build(source, depth + 1)
            if not isinstance(merged, LMap):
                raise LoadError(
                    "a merge key '<<' needs a mapping",
                    source.start_mark.line + 1,
                    source.start_mark.column + 1,
                )
            for key, value in merged.items():
                if key not in mapping:
                    mapping.put(key, value, merged.key_location(key), merged.value_location(key))

    def scalar(self, node: yaml.Node) -> Any:
        text = node.value
        if self.json_mode:
            if node.style == '"':
                return text
            if _JSON_NUMBER.match(text):
                return float(text) if any(c in text for c in ".eE") else int(text)
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            return text
        tag = node.tag
        if tag == _STR:
            return text
        if tag == _BOOL:
            return _BOOLS.get(text.lower(), text)
        if tag == _NULL:
            return None
        try:
            if tag == _INT:
                return self._scalar.construct_yaml_int(node)
            if tag == _FLOAT:
                return self._scalar.construct_yaml_float(node)
        except (ValueError, yaml.YAMLError):
            return text
        # Timestamps (`Version: 2012-10-17`), binary and unknown tags stay text,
        # as CloudFormation reads them.
        return text
