"""`data "aws_iam_policy_document"` as the JSON tree it renders, located in its block."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from trustlint.config import LoadOptions
from trustlint.frontends.terraform.hcl_eval import Evaluator
from trustlint.frontends.terraform.hcl_json import decode_json, json_document, locate_plain
from trustlint.frontends.terraform.hcl_operations import without_nulls
from trustlint.frontends.terraform.hcl_syntax import Attribute, Block
from trustlint.frontends.terraform.hcl_values import EncodedJson
from trustlint.model import Location, Unknown
from trustlint.tree import LList, LMap

if TYPE_CHECKING:
    from trustlint.frontends.terraform.scope import ModuleScope

_DEFAULT_POLICY_VERSION = "2012-10-17"


class PolicyDocumentData:
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
                    attribute_value(principal_block, "type", principal_evaluator),
                    attribute_value(principal_block, "identifiers", principal_evaluator),
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
            test = attribute_value(condition_block, "test", condition_evaluator)
            variable = attribute_value(condition_block, "variable", condition_evaluator)
            values = attribute_value(condition_block, "values", condition_evaluator)
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


def attribute_value(block: Block, name: str, evaluator: Evaluator) -> Any:
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
